/* sgd.h - stochastic gradient descent with momentum and weight decay (PyTorch's convention:
 * v = momentum * v + (g + decay * w); w -= lr * v), and the step learning-rate schedule. */
#ifndef ICARL_NN_SGD_H
#define ICARL_NN_SGD_H

#include <stddef.h>

void sgd_update(size_t count, float *weights, const float *gradients, float *velocity,
                float learning_rate, float momentum, float weight_decay);

/* The rate for a 0-based epoch: base divided by `factor` once per milestone reached, where the
 * milestones are fractions of `epochs` (e.g. 0.7 and 0.9), rounded to whole epochs. */
float step_learning_rate(float base, int epoch, int epochs, const float decay_at[2],
                         float factor);

#endif
