/* batchnorm.c - batch normalisation per channel over `count` contiguous values (N*H*W in the
 * (C, N, H, W) layout). Statistics are accumulated in double, two-pass for the variance: a
 * one-pass E[x^2] - E[x]^2 in float cancels badly once ReLU outputs have a large mean. */
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

/* x, y (channels, count), y may alias x; gamma, beta, saved_mean, saved_inverse_std,
 * running_mean, running_var (channels). */
void batchnorm_forward_train(int channels, int count, const float *x, const float *gamma,
                             const float *beta, float *y, float *saved_mean,
                             float *saved_inverse_std, float *running_mean, float *running_var) {
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * count;
        float *yc = y + (size_t)c * count;
        double sum = 0.0;
        for (int i = 0; i < count; i++) sum += xc[i];
        double mean = sum / count;
        double squares = 0.0;
        for (int i = 0; i < count; i++) {
            double d = xc[i] - mean;
            squares += d * d;
        }
        double variance = squares / count; /* biased: what normalises, as PyTorch */
        float inverse_std = (float)(1.0 / sqrt(variance + BATCHNORM_EPSILON));
        float scale = gamma[c] * inverse_std;
        float shift = beta[c] - (float)mean * scale;
        for (int i = 0; i < count; i++) yc[i] = xc[i] * scale + shift;
        saved_mean[c] = (float)mean;
        saved_inverse_std[c] = inverse_std;
        /* the running variance estimates the population, hence unbiased (count - 1) */
        double unbiased = count > 1 ? squares / (count - 1) : variance;
        running_mean[c] = (1.0f - BATCHNORM_MOMENTUM) * running_mean[c] +
                          BATCHNORM_MOMENTUM * (float)mean;
        running_var[c] = (1.0f - BATCHNORM_MOMENTUM) * running_var[c] +
                         BATCHNORM_MOMENTUM * (float)unbiased;
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
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int i = 0; i < count; i++) {
            sum_dy += gyc[i];
            sum_dy_xhat += (double)gyc[i] * ((xc[i] - mean) * inverse_std);
        }
        grad_beta[c] = (float)sum_dy;
        grad_gamma[c] = (float)sum_dy_xhat;
        float mean_dy = (float)(sum_dy / count);
        float mean_dy_xhat = (float)(sum_dy_xhat / count);
        float scale = gamma[c] * inverse_std;
        for (int i = 0; i < count; i++) {
            float xhat = (xc[i] - mean) * inverse_std;
            gxc[i] = scale * (gyc[i] - mean_dy - xhat * mean_dy_xhat);
        }
    }
}
