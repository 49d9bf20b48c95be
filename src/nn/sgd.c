/* sgd.c - SGD with momentum and L2 weight decay in PyTorch's form (decay added to the gradient
 * before the momentum buffer), the step learning-rate schedule of the protocol, and the warm-up
 * plus cosine schedule of a step measured in updates. */
#include "nn/sgd.h"

#include <math.h>

/* weights, gradients, velocity (count). */
void sgd_update(size_t count, float *weights, const float *gradients, float *velocity,
                float learning_rate, float momentum, float weight_decay) {
    for (size_t i = 0; i < count; i++) {
        float v = momentum * velocity[i] + (gradients[i] + weight_decay * weights[i]);
        velocity[i] = v;
        weights[i] -= learning_rate * v;
    }
}

float step_learning_rate(float base, int epoch, int epochs, const float decay_at[2],
                         float factor) {
    float rate = base;
    for (int i = 0; i < 2; i++) {
        if (!(decay_at[i] > 0.0f)) continue; /* a fraction <= 0 disables that milestone */
        /* milestones in whole epochs: 0.7 of 10 epochs is epoch 7 (0-based), as MultiStepLR */
        long milestone = lroundf(decay_at[i] * (float)epochs);
        if (epoch >= milestone) rate /= factor;
    }
    return rate;
}

float cosine_learning_rate(float base, int update, int updates, int warmup_updates) {
    if (update < warmup_updates) return base * (float)(update + 1) / (float)warmup_updates;
    int span = updates - warmup_updates;
    if (span <= 0) return base;
    double progress = (double)(update - warmup_updates) / (double)span;
    if (progress > 1.0) progress = 1.0;
    return (float)(0.5 * (double)base * (1.0 + cos(3.14159265358979323846 * progress)));
}
