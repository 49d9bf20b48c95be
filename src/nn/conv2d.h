/* conv2d.h - 2-D convolution without bias (a BatchNorm always follows), forward and backward,
 * lowered to sgemm through im2col. Tensors are (C, N, H, W); see kernels/im2col.h. */
#ifndef ICARL_NN_CONV2D_H
#define ICARL_NN_CONV2D_H

#include <stddef.h>

#include "kernels/compute.h"
#include "kernels/im2col.h"

/* Floats of scratch conv2d_forward/backward need for this geometry (the im2col buffer). */
size_t conv2d_scratch_floats(const conv_geometry *geometry);

/* The row length of the padded layout (kernels/im2col.h) this context's GEMM variant uses for
 * this geometry, or 0 where the convolution goes through im2col: for tests and benchmarks. */
int conv2d_padded_row(const compute_context *context, const conv_geometry *geometry);

/* input (C_in, N, H, W); weight (C_out, C_in, k, k); output (C_out, N, H_out, W_out). */
void conv2d_forward(compute_context *context, const conv_geometry *geometry, const float *input,
                    const float *weight, float *output, float *scratch);

/* grad_output (C_out, N, H_out, W_out). Overwrites grad_weight (C_out, C_in, k, k) and, when not
 * NULL, grad_input (C_in, N, H, W). */
void conv2d_backward(compute_context *context, const conv_geometry *geometry, const float *input,
                     const float *weight, const float *grad_output, float *grad_input,
                     float *grad_weight, float *scratch);

#endif
