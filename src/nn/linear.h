/* linear.h - fully connected layer y = x W^T + b, the classification head. */
#ifndef ICARL_NN_LINEAR_H
#define ICARL_NN_LINEAR_H

#include "kernels/compute.h"

/* x (N, in), weight (out, in), bias (out), y (N, out). */
void linear_forward(compute_context *context, int batch, int in_features, int out_features,
                    const float *x, const float *weight, const float *bias, float *y);
/* Overwrites grad_weight, grad_bias and, when not NULL, grad_x (N, in). */
void linear_backward(compute_context *context, int batch, int in_features, int out_features,
                     const float *x, const float *weight, const float *grad_y, float *grad_x,
                     float *grad_weight, float *grad_bias);

#endif
