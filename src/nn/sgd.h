/* sgd.h - stochastic gradient descent with momentum and weight decay (PyTorch's convention:
 * v = momentum * v + (g + decay * w); w -= lr * v), and the two learning-rate schedules: steps
 * at fractions of the epochs (the benchmark's), and a warm-up then a cosine decay over a number
 * of updates. */
#ifndef ICARL_NN_SGD_H
#define ICARL_NN_SGD_H

#include <stddef.h>

void sgd_update(size_t count, float *weights, const float *gradients, float *velocity,
                float learning_rate, float momentum, float weight_decay);

/* The rate for a 0-based epoch: base divided by `factor` once per milestone reached, where the
 * milestones are fractions of `epochs` (e.g. 0.7 and 0.9), rounded to whole epochs. */
float step_learning_rate(float base, int epoch, int epochs, const float decay_at[2],
                         float factor);

/* The rate for 0-based update `update` of `updates`: rising linearly from base / warmup_updates
 * to base over the first `warmup_updates`, then falling along a half cosine to 0 at `updates`
 * (SGDR's annealing without restarts, as PyTorch's CosineAnnealingLR after a linear warm-up). */
float cosine_learning_rate(float base, int update, int updates, int warmup_updates);

#endif
