/* pooling.h - global average pooling: (C, N, H, W) -> (N, C) features, the layout the linear
 * head and the exemplar code want. */
#ifndef ICARL_NN_POOLING_H
#define ICARL_NN_POOLING_H

void global_average_pool_forward(int channels, int batch, int pixels, const float *x, float *y);
/* Overwrites grad_x (C, N, pixels) from grad_y (N, C). */
void global_average_pool_backward(int channels, int batch, int pixels, const float *grad_y,
                                  float *grad_x);

#endif
