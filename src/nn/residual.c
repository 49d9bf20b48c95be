/* residual.c - the sum closing a residual block. The backward of y = a + b is the identity into
 * both branches; residual_add_backward only accumulates it into the branch that already holds a
 * gradient, so no copy is needed. */
#include "nn/residual.h"

/* a, b, y (count); y may alias a or b. */
void residual_add_forward(size_t count, const float *a, const float *b, float *y) {
    for (size_t i = 0; i < count; i++) y[i] = a[i] + b[i];
}

/* grad_y, grad_into (count). */
void residual_add_backward(size_t count, const float *grad_y, float *grad_into) {
    for (size_t i = 0; i < count; i++) grad_into[i] += grad_y[i];
}
