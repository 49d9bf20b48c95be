/* residual.h - the elementwise sum that closes a residual block: y = a + b. Its backward pass
 * sends grad_y unchanged to both inputs, so it needs no function of its own beyond an add. */
#ifndef ICARL_NN_RESIDUAL_H
#define ICARL_NN_RESIDUAL_H

#include <stddef.h>

void residual_add_forward(size_t count, const float *a, const float *b, float *y);
/* grad_into += grad_y (routes the gradient into the shortcut branch). */
void residual_add_backward(size_t count, const float *grad_y, float *grad_into);

#endif
