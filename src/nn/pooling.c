/* pooling.c - global average pooling from the (C, N, H*W) activation layout to (N, C) features.
 * The transpose happens here so the head and exemplar code get one row per image. */
#include "nn/pooling.h"

#include <stddef.h>

/* x (C, N, pixels) -> y (N, C). */
void global_average_pool_forward(int channels, int batch, int pixels, const float *x, float *y) {
    for (int c = 0; c < channels; c++) {
        for (int n = 0; n < batch; n++) {
            const float *plane = x + ((size_t)c * batch + n) * pixels;
            /* double: a 32x32 plane summed in float loses low bits the herding later feels */
            double sum = 0.0;
            for (int p = 0; p < pixels; p++) sum += plane[p];
            y[(size_t)n * channels + c] = (float)(sum / pixels);
        }
    }
}

/* grad_y (N, C) -> grad_x (C, N, pixels), overwritten. */
void global_average_pool_backward(int channels, int batch, int pixels, const float *grad_y,
                                  float *grad_x) {
    float scale = 1.0f / (float)pixels;
    for (int c = 0; c < channels; c++) {
        for (int n = 0; n < batch; n++) {
            float g = grad_y[(size_t)n * channels + c] * scale;
            float *plane = grad_x + ((size_t)c * batch + n) * pixels;
            for (int p = 0; p < pixels; p++) plane[p] = g;
        }
    }
}
