/* relu.c - elementwise rectified linear unit. Backward reads the forward *output*, so the
 * forward may overwrite its input in place and nothing else needs to be kept. */
#include "nn/relu.h"

/* x, y (count); y may alias x. */
void relu_forward(size_t count, const float *x, float *y) {
    for (size_t i = 0; i < count; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* y, grad_y, grad_x (count); grad_x may alias grad_y. */
void relu_backward(size_t count, const float *y, const float *grad_y, float *grad_x) {
    for (size_t i = 0; i < count; i++) {
        /* read grad_y unconditionally: a conditional load is a branch the compiler cannot turn
         * into a vector select, and the pattern of signs is random */
        float g = grad_y[i];
        grad_x[i] = y[i] > 0.0f ? g : 0.0f;
    }
}
