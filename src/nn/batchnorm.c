/* batchnorm.c - batch normalisation per channel over `count` contiguous values (N*H*W in the
 * (C, N, H, W) layout). The variance is two-pass (a one-pass E[x^2] - E[x]^2 cancels badly once
 * ReLU outputs have a large mean); sums run in float over short blocks of 8 independent lanes,
 * which vectorises, and are flushed into double every block, which keeps them accurate. */
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

#define LANES 8
#define BLOCK 512 /* floats per lane-sum before flushing to double: error ~ 64 ulp at worst */

/* sum of x (n) */
static double sum_of(const float *x, int n) {
    double total = 0.0;
    int i = 0;
    while (i + LANES <= n) {
        float lane[LANES] = {0};
        int end = i + BLOCK <= n ? i + BLOCK : n - (n - i) % LANES;
        for (; i < end; i += LANES)
            for (int l = 0; l < LANES; l++) lane[l] += x[i + l];
        for (int l = 0; l < LANES; l++) total += lane[l];
    }
    for (; i < n; i++) total += x[i];
    return total;
}

/* sum of (x - mean)^2 over x (n) */
static double centered_squares_of(const float *x, int n, float mean) {
    double total = 0.0;
    int i = 0;
    while (i + LANES <= n) {
        float lane[LANES] = {0};
        int end = i + BLOCK <= n ? i + BLOCK : n - (n - i) % LANES;
        for (; i < end; i += LANES)
            for (int l = 0; l < LANES; l++) {
                float d = x[i + l] - mean;
                lane[l] += d * d;
            }
        for (int l = 0; l < LANES; l++) total += lane[l];
    }
    for (; i < n; i++) {
        double d = (double)x[i] - mean;
        total += d * d;
    }
    return total;
}

/* sum of dy and of dy * (x - mean) over dy, x (n) */
static void gradient_sums(const float *dy, const float *x, int n, float mean, double *sum_dy,
                          double *sum_dy_centered) {
    double total = 0.0, total_centered = 0.0;
    int i = 0;
    while (i + LANES <= n) {
        float lane[LANES] = {0}, lane_centered[LANES] = {0};
        int end = i + BLOCK <= n ? i + BLOCK : n - (n - i) % LANES;
        for (; i < end; i += LANES)
            for (int l = 0; l < LANES; l++) {
                lane[l] += dy[i + l];
                lane_centered[l] += dy[i + l] * (x[i + l] - mean);
            }
        for (int l = 0; l < LANES; l++) {
            total += lane[l];
            total_centered += lane_centered[l];
        }
    }
    for (; i < n; i++) {
        total += dy[i];
        total_centered += (double)dy[i] * ((double)x[i] - mean);
    }
    *sum_dy = total;
    *sum_dy_centered = total_centered;
}

/* x, y (channels, count), y may alias x; gamma, beta, saved_mean, saved_inverse_std,
 * running_mean, running_var (channels). */
void batchnorm_forward_train(int channels, int count, const float *x, const float *gamma,
                             const float *beta, float *y, float *saved_mean,
                             float *saved_inverse_std, float *running_mean, float *running_var,
                             float momentum) {
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * count;
        float *yc = y + (size_t)c * count;
        float mean = (float)(sum_of(xc, count) / count);
        double squares = centered_squares_of(xc, count, mean);
        double variance = squares / count; /* biased: what normalises, as PyTorch */
        float inverse_std = (float)(1.0 / sqrt(variance + BATCHNORM_EPSILON));
        float scale = gamma[c] * inverse_std;
        float shift = beta[c] - mean * scale;
        for (int i = 0; i < count; i++) yc[i] = xc[i] * scale + shift;
        saved_mean[c] = mean;
        saved_inverse_std[c] = inverse_std;
        /* the running variance estimates the population, hence unbiased (count - 1) */
        double unbiased = count > 1 ? squares / (count - 1) : variance;
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (float)unbiased;
    }
}

/* x, y (channels, count), y may alias x; the rest (channels). */
void batchnorm_forward_inference(int channels, int count, const float *x, const float *gamma,
                                 const float *beta, const float *running_mean,
                                 const float *running_var, float *y) {
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * count;
        float *yc = y + (size_t)c * count;
        float scale = gamma[c] / sqrtf(running_var[c] + BATCHNORM_EPSILON);
        float shift = beta[c] - running_mean[c] * scale;
        for (int i = 0; i < count; i++) yc[i] = xc[i] * scale + shift;
    }
}

/* x, grad_y, grad_x (channels, count), grad_x may alias grad_y; the rest (channels).
 * With xhat = (x - mean) * istd:  dbeta = sum dy, dgamma = sum dy * xhat,
 * dx = gamma * istd * (dy - dbeta / count - xhat * dgamma / count). */
void batchnorm_backward(int channels, int count, const float *x, const float *gamma,
                        const float *saved_mean, const float *saved_inverse_std,
                        const float *grad_y, float *grad_x, float *grad_gamma, float *grad_beta) {
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * count;
        const float *gyc = grad_y + (size_t)c * count;
        float *gxc = grad_x + (size_t)c * count;
        float mean = saved_mean[c];
        float inverse_std = saved_inverse_std[c];
        double sum_dy, sum_dy_centered;
        gradient_sums(gyc, xc, count, mean, &sum_dy, &sum_dy_centered);
        double sum_dy_xhat = sum_dy_centered * inverse_std;
        grad_beta[c] = (float)sum_dy;
        grad_gamma[c] = (float)sum_dy_xhat;
        /* dx = scale * dy + (x - mean) * a + b, folded so the loop is two multiply-adds */
        float scale = gamma[c] * inverse_std;
        float a = -scale * inverse_std * (float)(sum_dy_xhat / count);
        float b = -scale * (float)(sum_dy / count) - mean * a;
        for (int i = 0; i < count; i++) gxc[i] = scale * gyc[i] + xc[i] * a + b;
    }
}
