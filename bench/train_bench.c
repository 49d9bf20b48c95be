/* train_bench.c - the training-throughput and convolution benchmarks of build-scripts/bench.sh,
 * built from the engine's own sources natively and with Emscripten (scalar and SIMD), so every
 * build is measured on the same work:
 *   1. ResNet-32 on 28x28x1, batch 128: forward + backward + SGD update, images/s;
 *   2. every convolution shape of that network, and of the page's default network (32x32x3,
 *      batch 32): forward vs backward (input and weight gradients) time, and each backward
 *      pass against the forward, the ratio the speed issue bounds at 1.5;
 *   3. square GEMM GFLOP/s at 256, 512 and 1024.
 * Not part of the engine or its tests. Usage: train_bench [threads] [seconds] [gemm|train|conv|all]
 * (threads 0 = the default: online CPUs up to 4; builds without threads use 1). Medians of
 * repeats. Lines starting "result" are what bench.sh tabulates. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 199309L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/compute.h"
#include "kernels/gemm_bench.h"
#include "kernels/gemm.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/resnet.h"
#include "nn/sgd.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof *values, compare);
    return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

static float *random_floats(size_t count, uint64_t seed) {
    random_state random;
    random_seed(&random, seed, 3);
    float *x = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) x[i] = random_normal(&random);
    return x;
}

#define BATCH 128
#define REPEATS 15

static void train(compute_context *context, double seconds) {
    resnet_config config = {28, 1, 5, 16, BATCH, BATCHNORM_MOMENTUM}; /* ResNet-32 */
    resnet *net = NULL;
    if (resnet_create(&config, &net) != ICARL_OK) return;
    compute_context_reserve_workspace(context, resnet_scratch_floats(net));
    size_t count = resnet_parameter_count(net);
    float *parameters = calloc(count, sizeof(float)), *gradients = calloc(count, sizeof(float));
    float *velocity = calloc(count, sizeof(float));
    float *state = calloc(resnet_state_count(net), sizeof(float));
    resnet_bind(net, parameters, gradients, state);
    random_state random;
    random_seed(&random, 1, 1);
    resnet_initialize(net, &random);
    int features = resnet_feature_size(net);
    float *input = random_floats((size_t)BATCH * 28 * 28, 2);
    float *output = malloc((size_t)BATCH * features * sizeof(float));
    float *grad = random_floats((size_t)BATCH * features, 4);
    for (size_t i = 0; i < (size_t)BATCH * features; i++) grad[i] *= 1e-3f;
    double times[REPEATS];
    int repeats = 0;
    double started = now();
    for (int warm = 0; warm < 2; warm++) { /* warm-up */
        resnet_forward(net, context, input, BATCH, 1, output);
        resnet_backward(net, context, grad);
    }
    while (repeats < REPEATS && (repeats < 3 || now() - started < seconds)) {
        double t0 = now();
        resnet_forward(net, context, input, BATCH, 1, output);
        resnet_backward(net, context, grad);
        sgd_update(count, parameters, gradients, velocity, 0.01f, 0.9f, 5e-4f);
        times[repeats++] = now() - t0;
    }
    double step = median(times, repeats);
    printf("train resnet32 28x28x1 batch %d: %.1f images/s (median of %d steps, %.1f ms/step)\n",
           BATCH, BATCH / step, repeats, step * 1e3);
    printf("result train %.1f\n", BATCH / step);
    free(parameters);
    free(gradients);
    free(velocity);
    free(state);
    free(input);
    free(output);
    free(grad);
    resnet_destroy(net);
}

typedef struct conv_shape {
    int in_channels, size, out_channels, kernel, stride;
} conv_shape;

/* Forward and backward time of each shape at this batch, and each backward pass against the
 * forward: the weight gradient timed alone (conv2d_backward without grad_input), the input
 * gradient as the whole backward less that. Printed per shape, then as "result <key> <ratio>"
 * over the sums (<key>: the whole backward; <key>_weight and <key>_input: each pass; the stem
 * has no input gradient in the network, so its forward counts for the weight pass only) and
 * <key>_worst_pass: the largest single pass / forward of any shape. */
static void conv_group(compute_context *context, const char *title, int batch,
                       const conv_shape *shapes, size_t count, const char *key) {
    printf("%-26s %10s %10s %8s %8s %8s\n", title, "fwd ms", "bwd ms", "bwd/fwd", "wgt/fwd",
           "in/fwd");
    double total_forward = 0.0, total_backward = 0.0, total_weight = 0.0;
    double input_forward = 0.0, total_input = 0.0, worst_pass = 0.0;
    for (size_t s = 0; s < count; s++) {
        const conv_shape *sh = &shapes[s];
        conv_geometry g;
        conv_geometry_init(&g, batch, sh->in_channels, sh->size, sh->size, sh->out_channels,
                           sh->kernel, sh->stride, sh->kernel / 2);
        size_t in_count = (size_t)sh->in_channels * batch * sh->size * sh->size;
        size_t out_count = (size_t)sh->out_channels * batch * g.out_height * g.out_width;
        size_t w_count = (size_t)sh->out_channels * sh->in_channels * sh->kernel * sh->kernel;
        float *input = random_floats(in_count, 5), *weight = random_floats(w_count, 6);
        float *grad_output = random_floats(out_count, 7);
        float *output = malloc(out_count * sizeof(float)), *grad_input = malloc(in_count * 4);
        float *grad_weight = malloc(w_count * sizeof(float));
        float *scratch = malloc(conv2d_scratch_floats(&g) * sizeof(float));
        compute_context_reserve_workspace(context, conv2d_scratch_floats(&g));
        double forward[REPEATS], backward[REPEATS], weight_only[REPEATS];
        float *gi = sh->in_channels <= 3 ? NULL : grad_input;
        conv2d_forward(context, &g, input, weight, output, scratch);
        conv2d_backward(context, &g, input, weight, grad_output, gi, grad_weight, scratch);
        for (int r = 0; r < REPEATS; r++) {
            double t0 = now();
            conv2d_forward(context, &g, input, weight, output, scratch);
            double t1 = now();
            conv2d_backward(context, &g, input, weight, grad_output, gi, grad_weight, scratch);
            double t2 = now();
            conv2d_backward(context, &g, input, weight, grad_output, NULL, grad_weight, scratch);
            double t3 = now();
            forward[r] = t1 - t0;
            backward[r] = t2 - t1;
            weight_only[r] = t3 - t2;
        }
        double f = median(forward, REPEATS), b = median(backward, REPEATS);
        double w = gi != NULL ? median(weight_only, REPEATS) : b, i = b - w;
        char name[64];
        snprintf(name, sizeof name, "%dx%dx%d -> %d k%d s%d", sh->size, sh->size, sh->in_channels,
                 sh->out_channels, sh->kernel, sh->stride);
        if (gi != NULL) {
            printf("%-26s %10.3f %10.3f %8.2f %8.2f %8.2f\n", name, f * 1e3, b * 1e3, b / f, w / f,
                   i / f);
            input_forward += f;
            total_input += i;
            if (i / f > worst_pass) worst_pass = i / f;
        } else {
            printf("%-26s %10.3f %10.3f %8.2f %8.2f %8s\n", name, f * 1e3, b * 1e3, b / f, w / f,
                   "-");
        }
        if (w / f > worst_pass) worst_pass = w / f;
        total_forward += f;
        total_backward += b;
        total_weight += w;
        free(input);
        free(weight);
        free(grad_output);
        free(output);
        free(grad_input);
        free(grad_weight);
        free(scratch);
    }
    printf("result %s %.2f\n", key, total_backward / total_forward);
    printf("result %s_weight %.2f\n", key, total_weight / total_forward);
    printf("result %s_input %.2f\n", key, total_input / input_forward);
    printf("result %s_worst_pass %.2f\n", key, worst_pass);
}

/* Every convolution shape of the two networks: ResNet-32 on 28x28x1 at batch 128 (the speed
 * table's training benchmark) and the page's default network, 32x32x3 at its batch of 32. The
 * same lists are in bench/tfjs_bench.mjs and bench/torch_resnet.py. */
static void convs(compute_context *context) {
    static const conv_shape resnet32[] = {
        {1, 28, 16, 3, 1},  {16, 28, 16, 3, 1}, {16, 28, 32, 3, 2}, {32, 14, 32, 3, 1},
        {16, 28, 32, 1, 2}, {32, 14, 64, 3, 2}, {64, 7, 64, 3, 1},  {32, 14, 64, 1, 2}};
    static const conv_shape webcam[] = {
        {3, 32, 16, 3, 1},  {16, 32, 16, 3, 1}, {16, 32, 32, 3, 2}, {32, 16, 32, 3, 1},
        {16, 32, 32, 1, 2}, {32, 16, 64, 3, 2}, {64, 8, 64, 3, 1},  {32, 16, 64, 1, 2}};
    conv_group(context, "conv (batch 128)", BATCH, resnet32, sizeof resnet32 / sizeof *resnet32,
               "conv_backward_over_forward");
    conv_group(context, "webcam conv (batch 32)", 32, webcam, sizeof webcam / sizeof *webcam,
               "webcam_conv_backward_over_forward");
}

static void gemms(compute_context *context, double seconds) {
    static const int sizes[] = {256, 512, 1024};
    for (int s = 0; s < 3; s++) {
        double rates[5];
        for (int r = 0; r < 5; r++)
            rates[r] = gemm_benchmark_gflops(context, sizes[s], sizes[s], sizes[s], seconds / 15);
        printf("gemm %4d: %.1f GFLOP/s\n", sizes[s], median(rates, 5));
        printf("result gemm%d %.1f\n", sizes[s], median(rates, 5));
    }
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    double seconds = argc > 2 ? atof(argv[2]) : 5.0;
    compute_context *context = NULL;
    if (compute_context_create_threaded(NULL, threads, &context) != ICARL_OK) {
        fprintf(stderr, "train_bench: no compute context\n");
        return 1;
    }
    printf("gemm %s, %d thread%s\n", context->gemm->name, context->threads,
           context->threads == 1 ? "" : "s");
    const char *what = argc > 3 ? argv[3] : "all";
    int all = strcmp(what, "all") == 0;
    if (all || strcmp(what, "gemm") == 0) gemms(context, seconds);
    if (all || strcmp(what, "train") == 0) train(context, seconds);
    if (all || strcmp(what, "conv") == 0) convs(context);
    compute_context_destroy(context);
    return 0;
}
