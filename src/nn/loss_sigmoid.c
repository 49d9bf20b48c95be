/* loss_sigmoid.c - per-output sigmoid binary cross-entropy with soft targets (iCaRL's
 * classification + distillation loss). Written with softplus so |logit| = 100 neither
 * overflows exp nor takes log(0). */
#include "nn/loss_sigmoid.h"

#include <math.h>
#include <stddef.h>

/* logits, targets, grad_logits (N, classes). */
float sigmoid_bce_loss(int batch, int classes, const float *logits, const float *targets,
                       float *grad_logits) {
    double total = 0.0;
    float inverse_batch = 1.0f / (float)batch;
    size_t count = (size_t)batch * classes;
    for (size_t i = 0; i < count; i++) {
        float z = logits[i], t = targets[i];
        /* -t log s(z) - (1 - t) log(1 - s(z)) = max(z, 0) - z t + log(1 + exp(-|z|)) */
        float e = expf(-fabsf(z));
        total += (double)(fmaxf(z, 0.0f) - z * t) + log1p((double)e);
        /* sigmoid from the same e, in the form that cannot overflow for either sign */
        float sigmoid = z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        if (grad_logits != NULL) grad_logits[i] = (sigmoid - t) * inverse_batch;
    }
    return (float)(total / batch);
}
