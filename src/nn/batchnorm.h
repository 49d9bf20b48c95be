/* batchnorm.h - batch normalisation over (C, N*H*W) tensors: per channel, statistics over all
 * images and pixels. Training uses batch statistics and updates running averages; inference
 * uses the running averages. */
#ifndef ICARL_NN_BATCHNORM_H
#define ICARL_NN_BATCHNORM_H

#define BATCHNORM_EPSILON 1e-5f
#define BATCHNORM_MOMENTUM 0.1f /* the usual share of a batch in the running averages, as PyTorch */

/* x, y (channels, count); gamma, beta, running_mean, running_var (channels).
 * saved_mean, saved_inverse_std (channels) keep what backward needs. running = (1 - momentum) *
 * running + momentum * batch; running_var takes the unbiased batch variance. */
void batchnorm_forward_train(int channels, int count, const float *x, const float *gamma,
                             const float *beta, float *y, float *saved_mean,
                             float *saved_inverse_std, float *running_mean, float *running_var,
                             float momentum);

void batchnorm_forward_inference(int channels, int count, const float *x, const float *gamma,
                                 const float *beta, const float *running_mean,
                                 const float *running_var, float *y);

/* Overwrites grad_x (channels, count), grad_gamma and grad_beta (channels). grad_x may alias
 * grad_y. */
void batchnorm_backward(int channels, int count, const float *x, const float *gamma,
                        const float *saved_mean, const float *saved_inverse_std,
                        const float *grad_y, float *grad_x, float *grad_gamma, float *grad_beta);

#endif
