/* relu.h - rectified linear unit, elementwise; may run in place. */
#ifndef ICARL_NN_RELU_H
#define ICARL_NN_RELU_H

#include <stddef.h>

void relu_forward(size_t count, const float *x, float *y);
/* Uses the forward output y: grad_x = grad_y where y > 0, else 0. grad_x may alias grad_y. */
void relu_backward(size_t count, const float *y, const float *grad_y, float *grad_x);

#endif
