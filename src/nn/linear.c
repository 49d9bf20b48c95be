/* linear.c - the fully connected classification head, y = x W^T + b, as sgemm calls so the one
 * tuned kernel serves it too. */
#include "nn/linear.h"

#include "kernels/gemm.h"

/* x (N, in), weight (out, in), bias (out) or NULL, y (N, out). */
void linear_forward(compute_context *context, int batch, int in_features, int out_features,
                    const float *x, const float *weight, const float *bias, float *y) {
    sgemm(context, GEMM_NORMAL, GEMM_TRANSPOSED, batch, out_features, in_features, 1.0f, x,
          in_features, weight, in_features, 0.0f, y, out_features);
    if (bias == NULL) return;
    for (int n = 0; n < batch; n++)
        for (int o = 0; o < out_features; o++) y[(size_t)n * out_features + o] += bias[o];
}

/* grad_y (N, out). Overwrites grad_weight (out, in), grad_bias (out, may be NULL) and, when not
 * NULL, grad_x (N, in). */
void linear_backward(compute_context *context, int batch, int in_features, int out_features,
                     const float *x, const float *weight, const float *grad_y, float *grad_x,
                     float *grad_weight, float *grad_bias) {
    /* grad_weight = grad_y^T x: (out, N) x (N, in) */
    sgemm(context, GEMM_TRANSPOSED, GEMM_NORMAL, out_features, in_features, batch, 1.0f, grad_y,
          out_features, x, in_features, 0.0f, grad_weight, in_features);
    if (grad_bias != NULL) {
        for (int o = 0; o < out_features; o++) {
            float sum = 0.0f;
            for (int n = 0; n < batch; n++) sum += grad_y[(size_t)n * out_features + o];
            grad_bias[o] = sum;
        }
    }
    /* grad_x = grad_y W: (N, out) x (out, in) */
    if (grad_x != NULL)
        sgemm(context, GEMM_NORMAL, GEMM_NORMAL, batch, in_features, out_features, 1.0f, grad_y,
              out_features, weight, in_features, 0.0f, grad_x, in_features);
}
