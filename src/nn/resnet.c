/* resnet.c - the CIFAR-style ResNet feature map: stem, three stages of basic blocks, global
 * average pooling; forward and backward over caller-bound parameters. Only the conv outputs
 * before BatchNorm and the block outputs are kept for backward; each block's inner ReLU output
 * is recomputed from its conv output there, which saves a quarter of the activation memory. */
#include "nn/resnet.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/pooling.h"
#include "nn/relu.h"
#include "nn/residual.h"

/* A convolution followed by its BatchNorm: the unit every layer of the network is made of. */
typedef struct conv_bn {
    int in_channels, in_size, out_channels, kernel_size, stride, padding, out_size;
    size_t weight, gamma, beta;       /* offsets into the parameter (and gradient) buffer */
    size_t running_mean, running_var; /* offsets into the state buffer */
    float *z;                         /* conv output before BN, (C_out, N, S_out, S_out) */
    float *saved_mean, *saved_inverse_std; /* (C_out), from the last training forward */
} conv_bn;

typedef struct basic_block {
    conv_bn conv1, conv2, shortcut; /* shortcut used only when projection != 0 */
    int projection;
    float *out; /* block output after the final ReLU, (C_out, N, S_out, S_out) */
} basic_block;

struct resnet {
    resnet_config config;
    conv_bn stem;
    float *stem_out; /* (w, N, S, S) after ReLU */
    basic_block *blocks;
    int block_count;
    size_t parameter_count, state_count;
    float *parameters, *gradients, *state; /* bound by the caller */
    float *input;                          /* copy of the last training input (C, N, S, S) */
    float *work[4];      /* gradient ping-pong and forward temporaries, each max activation */
    size_t work_floats;
    float *scratch;      /* im2col buffer for the largest convolution */
    size_t scratch_floats;
    float *memory;       /* the one allocation all buffers above point into */
    uint64_t memory_floats, memory_cursor;
    int batch;           /* batch of the last forward */
};

/* Layout pass helper: with no memory yet it only counts; afterwards it hands out slices. */
static float *take(resnet *net, uint64_t floats) {
    float *slice = net->memory != NULL ? net->memory + net->memory_cursor : NULL;
    net->memory_cursor += floats;
    return slice;
}

static void conv_bn_define(conv_bn *unit, int in_channels, int in_size, int out_channels,
                           int kernel_size, int stride, size_t *parameter_cursor,
                           size_t *state_cursor) {
    unit->in_channels = in_channels;
    unit->in_size = in_size;
    unit->out_channels = out_channels;
    unit->kernel_size = kernel_size;
    unit->stride = stride;
    unit->padding = kernel_size / 2;
    unit->out_size = (in_size + 2 * unit->padding - kernel_size) / stride + 1;
    unit->weight = *parameter_cursor;
    *parameter_cursor += (size_t)out_channels * in_channels * kernel_size * kernel_size;
    unit->gamma = *parameter_cursor;
    *parameter_cursor += (size_t)out_channels;
    unit->beta = *parameter_cursor;
    *parameter_cursor += (size_t)out_channels;
    unit->running_mean = *state_cursor;
    *state_cursor += (size_t)out_channels;
    unit->running_var = *state_cursor;
    *state_cursor += (size_t)out_channels;
}

static uint64_t conv_bn_output_floats(const conv_bn *unit, int batch) {
    return (uint64_t)unit->out_channels * batch * unit->out_size * unit->out_size;
}

static void conv_bn_geometry(const conv_bn *unit, int batch, conv_geometry *geometry) {
    conv_geometry_init(geometry, batch, unit->in_channels, unit->in_size, unit->in_size,
                       unit->out_channels, unit->kernel_size, unit->stride, unit->padding);
}

/* Counts (memory == NULL) or assigns every buffer: activations, work buffers, im2col scratch. */
static void layout_buffers(resnet *net) {
    int max_batch = net->config.max_batch;
    net->memory_cursor = 0;
    uint64_t work = 0, scratch = 0;
    conv_bn *units[3];
    for (int b = -1; b < net->block_count; b++) {
        int unit_count = 0;
        if (b < 0) {
            units[unit_count++] = &net->stem;
        } else {
            units[unit_count++] = &net->blocks[b].conv1;
            units[unit_count++] = &net->blocks[b].conv2;
            if (net->blocks[b].projection) units[unit_count++] = &net->blocks[b].shortcut;
        }
        for (int u = 0; u < unit_count; u++) {
            conv_bn *unit = units[u];
            uint64_t floats = conv_bn_output_floats(unit, max_batch);
            unit->z = take(net, floats);
            unit->saved_mean = take(net, (uint64_t)unit->out_channels);
            unit->saved_inverse_std = take(net, (uint64_t)unit->out_channels);
            if (floats > work) work = floats;
            conv_geometry geometry;
            conv_bn_geometry(unit, max_batch, &geometry);
            uint64_t s = conv2d_scratch_floats(&geometry);
            if (s > scratch) scratch = s;
        }
        if (b < 0)
            net->stem_out = take(net, conv_bn_output_floats(&net->stem, max_batch));
        else
            net->blocks[b].out = take(net, conv_bn_output_floats(&net->blocks[b].conv2, max_batch));
    }
    int size = net->config.input_size;
    net->input = take(net, (uint64_t)net->config.channels * max_batch * size * size);
    for (int i = 0; i < 4; i++) net->work[i] = take(net, work);
    net->work_floats = (size_t)work;
    net->scratch = take(net, scratch);
    net->scratch_floats = (size_t)scratch;
    net->memory_floats = net->memory_cursor;
}

icarl_status resnet_create(const resnet_config *config, resnet **out) {
    if (out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    if (config == NULL || config->input_size < 1 || config->channels < 1 ||
        config->blocks_per_stage < 1 || config->base_width < 1 || config->max_batch < 1)
        return ICARL_ERROR_INVALID_ARGUMENT;
    if (config->input_size > 4096 || config->channels > 64 || config->blocks_per_stage > 1000 ||
        config->base_width > 4096 || config->max_batch > 1 << 20)
        return ICARL_ERROR_LIMIT;
    resnet *net = calloc(1, sizeof *net);
    if (net == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    net->config = *config;
    net->block_count = 3 * config->blocks_per_stage;
    net->blocks = calloc((size_t)net->block_count, sizeof *net->blocks);
    if (net->blocks == NULL) {
        resnet_destroy(net);
        return ICARL_ERROR_OUT_OF_MEMORY;
    }

    /* The parameter order is fixed (checkpoints depend on it): stem conv, stem BN gamma, beta;
     * then per block in order conv1, bn1 (gamma, beta), conv2, bn2, and for the first block of
     * stages 2 and 3 the shortcut conv and its BN. The state buffer holds running mean then
     * running variance of each BN, in the same order. */
    size_t parameters = 0, state = 0;
    int w = config->base_width;
    conv_bn_define(&net->stem, config->channels, config->input_size, w, 3, 1, &parameters, &state);
    int channels = w, size = net->stem.out_size;
    for (int stage = 0; stage < 3; stage++) {
        int width = w << stage;
        for (int i = 0; i < config->blocks_per_stage; i++) {
            basic_block *block = &net->blocks[stage * config->blocks_per_stage + i];
            int stride = (stage > 0 && i == 0) ? 2 : 1;
            conv_bn_define(&block->conv1, channels, size, width, 3, stride, &parameters, &state);
            conv_bn_define(&block->conv2, width, block->conv1.out_size, width, 3, 1, &parameters,
                           &state);
            block->projection = stride != 1 || channels != width;
            if (block->projection)
                conv_bn_define(&block->shortcut, channels, size, width, 1, stride, &parameters,
                               &state);
            channels = width;
            size = block->conv1.out_size;
        }
    }
    net->parameter_count = parameters;
    net->state_count = state;

    layout_buffers(net);
    if (net->memory_floats > SIZE_MAX / sizeof(float)) {
        resnet_destroy(net);
        return ICARL_ERROR_LIMIT;
    }
    net->memory = malloc((size_t)net->memory_floats * sizeof(float));
    if (net->memory == NULL) {
        resnet_destroy(net);
        return ICARL_ERROR_OUT_OF_MEMORY;
    }
    layout_buffers(net);
    *out = net;
    return ICARL_OK;
}

void resnet_destroy(resnet *network) {
    if (network == NULL) return;
    free(network->memory);
    free(network->blocks);
    free(network);
}

size_t resnet_parameter_count(const resnet *network) { return network->parameter_count; }
size_t resnet_state_count(const resnet *network) { return network->state_count; }
int resnet_feature_size(const resnet *network) { return 4 * network->config.base_width; }

void resnet_bind(resnet *network, float *parameters, float *gradients, float *state) {
    network->parameters = parameters;
    network->gradients = gradients;
    network->state = state;
}

size_t resnet_scratch_floats(const resnet *network) { return network->scratch_floats; }

static void conv_bn_initialize(resnet *net, const conv_bn *unit, random_state *random) {
    size_t weights = (size_t)unit->out_channels * unit->in_channels * unit->kernel_size *
                     unit->kernel_size;
    /* He (Kaiming) normal with fan-out, as torchvision's ResNet: std = sqrt(2 / (C_out k k)) */
    float std = sqrtf(2.0f / (float)(unit->out_channels * unit->kernel_size * unit->kernel_size));
    float *weight = net->parameters + unit->weight;
    for (size_t i = 0; i < weights; i++) weight[i] = std * random_normal(random);
    for (int c = 0; c < unit->out_channels; c++) {
        net->parameters[unit->gamma + c] = 1.0f;
        net->parameters[unit->beta + c] = 0.0f;
        net->state[unit->running_mean + c] = 0.0f;
        net->state[unit->running_var + c] = 1.0f;
    }
}

void resnet_initialize(resnet *network, random_state *random) {
    conv_bn_initialize(network, &network->stem, random);
    for (int b = 0; b < network->block_count; b++) {
        basic_block *block = &network->blocks[b];
        conv_bn_initialize(network, &block->conv1, random);
        conv_bn_initialize(network, &block->conv2, random);
        if (block->projection) conv_bn_initialize(network, &block->shortcut, random);
    }
}

/* BatchNorm of one unit split by channel over the context's threads: every statistic and value
 * is per channel, so the split does not change a bit. One job type serves the three passes. */
typedef enum bn_pass { BN_TRAIN, BN_INFERENCE, BN_BACKWARD, BN_RELU_RECOMPUTE } bn_pass;

typedef struct bn_job {
    bn_pass pass;
    const resnet *net;
    const conv_bn *unit;
    int count;              /* values per channel: N * S_out * S_out */
    const float *grad_y;    /* BN_BACKWARD */
    float *out;             /* y, or grad_z for BN_BACKWARD */
    int relu;               /* BN_TRAIN, BN_INFERENCE: y = relu(y) after, in the same pass */
} bn_job;

static void bn_task(void *argument, int thread, int threads) {
    const bn_job *job = argument;
    const conv_bn *unit = job->unit;
    const resnet *net = job->net;
    int begin, end;
    compute_split(unit->out_channels, 1, thread, threads, &begin, &end);
    if (begin >= end) return;
    int channels = end - begin;
    size_t offset = (size_t)begin * job->count;
    const float *gamma = net->parameters + unit->gamma + begin;
    const float *beta = net->parameters + unit->beta + begin;
    switch (job->pass) {
    case BN_TRAIN:
        batchnorm_forward_train(channels, job->count, unit->z + offset, gamma, beta,
                                job->out + offset, unit->saved_mean + begin,
                                unit->saved_inverse_std + begin,
                                net->state + unit->running_mean + begin,
                                net->state + unit->running_var + begin,
                                net->config.batchnorm_momentum);
        break;
    case BN_INFERENCE:
        batchnorm_forward_inference(channels, job->count, unit->z + offset, gamma, beta,
                                    net->state + unit->running_mean + begin,
                                    net->state + unit->running_var + begin, job->out + offset);
        break;
    case BN_BACKWARD:
        batchnorm_backward(channels, job->count, unit->z + offset, gamma,
                           unit->saved_mean + begin, unit->saved_inverse_std + begin,
                           job->grad_y + offset, job->out + offset,
                           net->gradients + unit->gamma + begin,
                           net->gradients + unit->beta + begin);
        break;
    case BN_RELU_RECOMPUTE:
        /* relu(BN(z)) of a training forward from the saved batch statistics, with the same
         * arithmetic as batchnorm_forward_train so the ReLU mask matches */
        for (int c = begin; c < end; c++) {
            const float *zc = unit->z + (size_t)c * job->count;
            float *yc = job->out + (size_t)c * job->count;
            float scale = net->parameters[unit->gamma + c] * unit->saved_inverse_std[c];
            float shift = net->parameters[unit->beta + c] - unit->saved_mean[c] * scale;
            for (int i = 0; i < job->count; i++) {
                float v = zc[i] * scale + shift;
                yc[i] = v > 0.0f ? v : 0.0f;
            }
        }
        break;
    }
    if (job->relu && (job->pass == BN_TRAIN || job->pass == BN_INFERENCE))
        relu_forward((size_t)channels * job->count, job->out + offset, job->out + offset);
}

/* Below this many values a batch norm is not worth a hand-off to the workers. */
#define BN_PARALLEL_MIN_VALUES 32768

static void run_bn(compute_context *context, const bn_job *job) {
    size_t values = (size_t)job->unit->out_channels * job->count;
    int wanted = values >= BN_PARALLEL_MIN_VALUES ? job->unit->out_channels : 1;
    compute_parallel(context, wanted, bn_task, (void *)job);
}

/* input (C_in, N, S_in, S_in) -> unit->z (conv) -> y (C_out, N, S_out, S_out) (BN). */
static void conv_bn_forward(resnet *net, compute_context *context, conv_bn *unit,
                            const float *input, int batch, int training, int relu, float *y) {
    conv_geometry geometry;
    conv_bn_geometry(unit, batch, &geometry);
    conv2d_forward(context, &geometry, input, net->parameters + unit->weight, unit->z,
                   net->scratch);
    bn_job job = {training ? BN_TRAIN : BN_INFERENCE, net, unit,
                  batch * unit->out_size * unit->out_size, NULL, y, relu};
    run_bn(context, &job);
}

/* grad_y (C_out, N, S_out, S_out); grad_z (same shape, may alias grad_y) receives the BN input
 * gradient; grad_input (C_in, N, S_in, S_in) overwritten when not NULL. */
static void conv_bn_backward(resnet *net, compute_context *context, const conv_bn *unit,
                             const float *input, int batch, const float *grad_y, float *grad_z,
                             float *grad_input) {
    bn_job job = {BN_BACKWARD, net, unit, batch * unit->out_size * unit->out_size, grad_y,
                  grad_z, 0};
    run_bn(context, &job);
    conv_geometry geometry;
    conv_bn_geometry(unit, batch, &geometry);
    conv2d_backward(context, &geometry, input, net->parameters + unit->weight, grad_z, grad_input,
                    net->gradients + unit->weight, net->scratch);
}

/* Recomputes relu(BN(z)) of a training forward from the saved batch statistics (bn_task).
 * y (C_out, N, S_out, S_out). */
static void conv_bn_relu_recompute(compute_context *context, const resnet *net,
                                   const conv_bn *unit, int batch, float *y) {
    bn_job job = {BN_RELU_RECOMPUTE, net, unit, batch * unit->out_size * unit->out_size, NULL, y,
                  0};
    run_bn(context, &job);
}

/* y = relu(y + shortcut), both (count): the residual sum and its ReLU in one pass over memory,
 * the same values as residual_add_forward then relu_forward. */
static void add_relu_range(size_t count, const float *shortcut, float *y) {
    for (size_t i = 0; i < count; i++) {
        float v = y[i] + shortcut[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

/* The elementwise passes between the layers, split into contiguous ranges over the threads
 * (each value computed once, the same way: no effect on results). */
typedef enum elementwise_op { ADD_RELU, RELU_BACKWARD, RESIDUAL_ADD_BACKWARD } elementwise_op;

typedef struct elementwise_job {
    elementwise_op op;
    size_t count;
    const float *x; /* ADD_RELU: shortcut; RELU_BACKWARD: y; RESIDUAL_ADD_BACKWARD: grad_y */
    const float *g; /* RELU_BACKWARD: grad_y */
    float *out;     /* ADD_RELU: y; RELU_BACKWARD: grad_x; RESIDUAL_ADD_BACKWARD: grad_into */
} elementwise_job;

static void elementwise_task(void *argument, int thread, int threads) {
    const elementwise_job *job = argument;
    /* ranges in units of 64 floats: whole cache lines, and vector loops without tails */
    size_t units = (job->count + 63) / 64;
    size_t begin = units * (size_t)thread / (size_t)threads * 64;
    size_t end = units * (size_t)(thread + 1) / (size_t)threads * 64;
    if (end > job->count) end = job->count;
    if (begin >= end) return;
    size_t n = end - begin;
    switch (job->op) {
    case ADD_RELU: add_relu_range(n, job->x + begin, job->out + begin); break;
    case RELU_BACKWARD: relu_backward(n, job->x + begin, job->g + begin, job->out + begin); break;
    case RESIDUAL_ADD_BACKWARD: residual_add_backward(n, job->x + begin, job->out + begin); break;
    }
}

static void elementwise(compute_context *context, elementwise_op op, size_t count,
                        const float *x, const float *g, float *out) {
    elementwise_job job = {op, count, x, g, out};
    compute_parallel(context, count >= BN_PARALLEL_MIN_VALUES ? 0 : 1, elementwise_task, &job);
}

static size_t activation_floats(const conv_bn *unit, int batch) {
    return (size_t)conv_bn_output_floats(unit, batch);
}

void resnet_forward(resnet *network, compute_context *context, const float *input, int batch,
                    int training, float *features) {
    resnet *net = network;
    if (batch < 1 || batch > net->config.max_batch) return; /* caller bug: nothing sized */
    net->batch = batch;
    int size = net->config.input_size;
    /* the stem's weight gradient needs the input again; copying it (small next to the
     * activations) spares the caller from keeping its buffer alive until backward */
    size_t input_floats = (size_t)net->config.channels * batch * size * size;
    if (training) memcpy(net->input, input, input_floats * sizeof(float));
    conv_bn_forward(net, context, &net->stem, training ? net->input : input, batch, training, 1,
                    net->stem_out);
    const float *a = net->stem_out;
    for (int b = 0; b < net->block_count; b++) {
        basic_block *block = &net->blocks[b];
        size_t out_floats = activation_floats(&block->conv2, batch);
        float *h1 = net->work[0];
        conv_bn_forward(net, context, &block->conv1, a, batch, training, 1, h1);
        conv_bn_forward(net, context, &block->conv2, h1, batch, training, 0, block->out);
        const float *shortcut = a;
        if (block->projection) {
            conv_bn_forward(net, context, &block->shortcut, a, batch, training, 0, net->work[1]);
            shortcut = net->work[1];
        }
        elementwise(context, ADD_RELU, out_floats, shortcut, NULL, block->out);
        a = block->out;
    }
    const conv_bn *last = &net->blocks[net->block_count - 1].conv2;
    global_average_pool_forward(last->out_channels, batch, last->out_size * last->out_size, a,
                                features);
}

void resnet_backward(resnet *network, compute_context *context, const float *grad_features) {
    resnet_backward_input(network, context, grad_features, NULL);
}

void resnet_backward_input(resnet *network, compute_context *context, const float *grad_features,
                           float *grad_input) {
    resnet *net = network;
    int batch = net->batch;
    if (batch < 1) return; /* no training forward yet */
    const conv_bn *last = &net->blocks[net->block_count - 1].conv2;
    /* Four work buffers rotate: g holds the gradient w.r.t. the current block's output; the
     * others hold the recomputed inner activation and intermediate gradients. */
    float *g = net->work[0], *t1 = net->work[1], *t2 = net->work[2], *t3 = net->work[3];
    global_average_pool_backward(last->out_channels, batch, last->out_size * last->out_size,
                                 grad_features, g);
    for (int b = net->block_count - 1; b >= 0; b--) {
        basic_block *block = &net->blocks[b];
        const float *a = b > 0 ? net->blocks[b - 1].out : net->stem_out;
        size_t out_floats = activation_floats(&block->conv2, batch);
        elementwise(context, RELU_BACKWARD, out_floats, block->out, g, g);
        /* main branch; conv2 needs its input h1 = relu(bn1(z1)) back. g stays intact for the
         * shortcut. */
        conv_bn_relu_recompute(context, net, &block->conv1, batch, t1);
        conv_bn_backward(net, context, &block->conv2, t1, batch, g, t2, t3);
        elementwise(context, RELU_BACKWARD, out_floats, t1, t3, t3);
        conv_bn_backward(net, context, &block->conv1, a, batch, t3, t3, t2); /* t2 = grad a */
        if (block->projection) {
            conv_bn_backward(net, context, &block->shortcut, a, batch, g, g, t3);
            size_t in_floats = (size_t)block->conv1.in_channels * batch * block->conv1.in_size *
                               block->conv1.in_size;
            elementwise(context, RESIDUAL_ADD_BACKWARD, in_floats, t3, NULL, t2);
        } else {
            elementwise(context, RESIDUAL_ADD_BACKWARD, out_floats, g, NULL, t2);
        }
        float *old_g = g;
        g = t2;
        t2 = old_g;
    }
    elementwise(context, RELU_BACKWARD, activation_floats(&net->stem, batch), net->stem_out, g, g);
    conv_bn_backward(net, context, &net->stem, net->input, batch, g, g, grad_input);
}
