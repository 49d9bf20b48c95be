/* resnet.h - the feature map phi: a CIFAR-style ResNet (He et al. 2016, section 4.2): a 3x3
 * stem, three stages of n basic blocks (widths w, 2w, 4w; stride 2 entering stages 2 and 3,
 * where the shortcut is a 1x1 stride-2 convolution with BatchNorm), ReLU after every residual
 * sum, global average pooling. Depth 6n+2. The classification head is not part of it.
 *
 * Parameters live in a buffer the caller owns (resnet_bind), so a learner keeps backbone and
 * head in one contiguous block; the network owns its activations and scratch, sized for
 * max_batch at creation, so forward and backward never allocate. */
#ifndef ICARL_NN_RESNET_H
#define ICARL_NN_RESNET_H

#include <stddef.h>

#include "core/random.h"
#include "icarl.h"
#include "kernels/compute.h"

typedef struct resnet_config {
    int input_size;       /* square input side */
    int channels;         /* input channels */
    int blocks_per_stage; /* n */
    int base_width;       /* w */
    int max_batch;        /* largest batch forward/backward will see */
    float batchnorm_momentum; /* share of a training batch in BatchNorm's running averages */
} resnet_config;

typedef struct resnet resnet;

icarl_status resnet_create(const resnet_config *config, resnet **out);
void resnet_destroy(resnet *network);

/* Trainable parameters (conv weights, BN gamma and beta), in a fixed order. */
size_t resnet_parameter_count(const resnet *network);
/* BatchNorm running means and variances: state that is saved but not trained. */
size_t resnet_state_count(const resnet *network);
int resnet_feature_size(const resnet *network); /* 4w */
/* Floats of im2col scratch the largest convolution needs; a compute context with threads
 * reserves this much workspace per extra thread (compute_context_reserve_workspace) so the
 * convolutions can run on all of them. */
size_t resnet_scratch_floats(const resnet *network);

/* Points the network at caller-owned buffers of resnet_parameter_count floats (parameters and
 * their gradients) and resnet_state_count floats (running statistics). */
void resnet_bind(resnet *network, float *parameters, float *gradients, float *state);

/* He-normal conv weights (fan-out, as torchvision), BN gamma 1 and beta 0, running mean 0 and
 * variance 1. */
void resnet_initialize(resnet *network, random_state *random);

/* input (C, N, S, S), normalised floats, N <= max_batch; features (N, 4w). training != 0 uses
 * batch statistics (updating the running ones) and keeps activations for resnet_backward. */
void resnet_forward(resnet *network, compute_context *context, const float *input, int batch,
                    int training, float *features);

/* After a training forward of the same batch: overwrites all parameter gradients from
 * grad_features (N, 4w). It uses the activations the network kept from its last forward, so no
 * other forward (training or inference) may run on this network in between. */
void resnet_backward(resnet *network, compute_context *context, const float *grad_features);

/* As resnet_backward, and also overwrites grad_input (C, N, S, S) with the gradient w.r.t. the
 * input when it is not NULL (gradient checks, saliency). */
void resnet_backward_input(resnet *network, compute_context *context, const float *grad_features,
                           float *grad_input);

#endif
