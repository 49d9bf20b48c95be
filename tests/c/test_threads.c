/* test_threads.c - threads never change a result: every GEMM variant, the convolution's forward
 * and backward passes and a whole learner step (checkpoint bytes) are bit-identical with 1, 2
 * and 3 threads. (Speed is build-scripts/bench.sh's business, not this test's.) */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"
#include "kernels/compute.h"
#include "kernels/gemm.h"
#include "nn/conv2d.h"

static float *random_floats(size_t count, uint64_t seed) {
    random_state random;
    random_seed(&random, seed, 7);
    float *x = malloc((count > 0 ? count : 1) * sizeof(float));
    for (size_t i = 0; i < count; i++) x[i] = random_normal(&random);
    return x;
}

typedef struct shape {
    gemm_transpose ta, tb;
    int m, n, k;
    float beta;
} shape;

/* Shapes of the network's convolutions (forward, weight and input gradient) and odd sizes that
 * leave ragged tiles at every split point. */
static const shape SHAPES[] = {
    {GEMM_NORMAL, GEMM_NORMAL, 16, 2048, 144, 0.0f},
    {GEMM_NORMAL, GEMM_TRANSPOSED, 16, 144, 1568, 1.0f},
    {GEMM_NORMAL, GEMM_TRANSPOSED, 64, 576, 1568, 0.5f},
    {GEMM_TRANSPOSED, GEMM_NORMAL, 288, 1960, 32, 0.0f},
    {GEMM_NORMAL, GEMM_NORMAL, 201, 333, 129, 1.0f},
    {GEMM_TRANSPOSED, GEMM_TRANSPOSED, 77, 45, 1030, 0.0f},
    {GEMM_NORMAL, GEMM_TRANSPOSED, 30, 37, 700, 0.0f},
};

static void test_gemm_same_for_any_thread_count(void) {
    for (int v = 0; v < gemm_variant_count; v++) {
        const gemm_variant *variant = &gemm_variants[v];
        if (variant->is_supported != NULL && !variant->is_supported()) continue;
        compute_context *contexts[3] = {NULL, NULL, NULL};
        for (int t = 0; t < 3; t++)
            CHECK(compute_context_create_threaded(variant->name, t + 1, &contexts[t]) == ICARL_OK);
        for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
            const shape *sh = &SHAPES[s];
            size_t a_count = (size_t)sh->m * sh->k, b_count = (size_t)sh->k * sh->n;
            size_t c_count = (size_t)sh->m * sh->n;
            float *a = random_floats(a_count, 1 + s), *b = random_floats(b_count, 100 + s);
            float *c_start = random_floats(c_count, 200 + s);
            float *results[3];
            for (int t = 0; t < 3; t++) {
                results[t] = malloc(c_count * sizeof(float));
                memcpy(results[t], c_start, c_count * sizeof(float));
                sgemm(contexts[t], sh->ta, sh->tb, sh->m, sh->n, sh->k, 0.75f, a,
                      sh->ta ? sh->m : sh->k, b, sh->tb ? sh->k : sh->n, sh->beta, results[t],
                      sh->n);
            }
            CHECK_MESSAGE(memcmp(results[0], results[1], c_count * sizeof(float)) == 0,
                          "%s shape %zu: 2 threads differ from 1", variant->name, s);
            CHECK_MESSAGE(memcmp(results[0], results[2], c_count * sizeof(float)) == 0,
                          "%s shape %zu: 3 threads differ from 1", variant->name, s);
            for (int t = 0; t < 3; t++) free(results[t]);
            free(a);
            free(b);
            free(c_start);
        }
        for (int t = 0; t < 3; t++) compute_context_destroy(contexts[t]);
    }
}

/* One convolution at a network size, on 1, 2 and 3 threads with workspace reserved. */
static void check_conv(int batch, int in_channels, int size, int out_channels, int kernel,
                       int stride) {
    conv_geometry g;
    conv_geometry_init(&g, batch, in_channels, size, size, out_channels, kernel, stride,
                       kernel / 2);
    size_t in_count = (size_t)in_channels * batch * size * size;
    size_t out_count = (size_t)out_channels * batch * g.out_height * g.out_width;
    size_t w_count = (size_t)out_channels * in_channels * kernel * kernel;
    float *input = random_floats(in_count, 11), *weight = random_floats(w_count, 12);
    float *grad_output = random_floats(out_count, 13);
    float *scratch = malloc(conv2d_scratch_floats(&g) * sizeof(float));
    float *outputs[3], *grad_inputs[3], *grad_weights[3];
    for (int t = 0; t < 3; t++) {
        compute_context *context = NULL;
        CHECK(compute_context_create_threaded(NULL, t + 1, &context) == ICARL_OK);
        CHECK(compute_context_reserve_workspace(context, conv2d_scratch_floats(&g)) == ICARL_OK);
        outputs[t] = malloc(out_count * sizeof(float));
        grad_inputs[t] = malloc(in_count * sizeof(float));
        grad_weights[t] = malloc(w_count * sizeof(float));
        conv2d_forward(context, &g, input, weight, outputs[t], scratch);
        conv2d_backward(context, &g, input, weight, grad_output, grad_inputs[t], grad_weights[t],
                        scratch);
        compute_context_destroy(context);
    }
    for (int t = 1; t < 3; t++) {
        CHECK_MESSAGE(memcmp(outputs[0], outputs[t], out_count * sizeof(float)) == 0,
                      "conv %dx%d %d->%d: forward differs with %d threads", size, size,
                      in_channels, out_channels, t + 1);
        CHECK_MESSAGE(memcmp(grad_inputs[0], grad_inputs[t], in_count * sizeof(float)) == 0,
                      "conv %dx%d %d->%d: input gradient differs with %d threads", size, size,
                      in_channels, out_channels, t + 1);
        CHECK_MESSAGE(memcmp(grad_weights[0], grad_weights[t], w_count * sizeof(float)) == 0,
                      "conv %dx%d %d->%d: weight gradient differs with %d threads", size, size,
                      in_channels, out_channels, t + 1);
    }
    double total = 0.0;
    for (size_t i = 0; i < w_count; i++) total += grad_weights[0][i] * grad_weights[0][i];
    CHECK(total > 0.0); /* not trivially equal */
    for (int t = 0; t < 3; t++) {
        free(outputs[t]);
        free(grad_inputs[t]);
        free(grad_weights[t]);
    }
    free(input);
    free(weight);
    free(grad_output);
    free(scratch);
}

static void test_conv_same_for_any_thread_count(void) {
    check_conv(19, 16, 28, 16, 3, 1);
    check_conv(37, 16, 28, 32, 3, 2);
    check_conv(45, 64, 7, 64, 3, 1);
    check_conv(45, 32, 14, 64, 1, 2);
    check_conv(7, 1, 28, 16, 3, 1);
    check_conv(5, 3, 32, 16, 3, 1); /* the webcam stem: 27 col rows split over the threads */
}

/* A learner large enough that every layer splits: 28x28 input, batch 32. */
static uint8_t *train_and_save(int threads, size_t *size) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.threads = threads;
    config.input_size = 28;
    config.blocks_per_stage = 1;
    config.base_width = 16;
    config.batch_size = 32;
    config.epochs = 2;
    config.memory = 40;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    random_state random;
    random_seed(&random, 5, 5);
    static uint8_t pixels[2][40][32 * 32 * 3];
    for (int c = 0; c < 2; c++) {
        icarl_image images[40];
        for (int i = 0; i < 40; i++) {
            for (int p = 0; p < 32 * 32 * 3; p++)
                pixels[c][i][p] = (uint8_t)(random_below(&random, 80) + (p % 3 == c ? 150 : 0));
            images[i] = (icarl_image){pixels[c][i], 32, 32, 3};
        }
        CHECK(icarl_add_examples(learner, c == 0 ? "a" : "b", images, 40) == ICARL_OK);
    }
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    uint8_t *bytes = NULL;
    CHECK(icarl_save(learner, &bytes, size) == ICARL_OK);
    icarl_destroy(learner);
    return bytes;
}

static void test_learner_checkpoint_same_for_any_thread_count(void) {
    size_t size1 = 0, size2 = 0, size3 = 0;
    uint8_t *one = train_and_save(1, &size1), *two = train_and_save(2, &size2);
    uint8_t *three = train_and_save(3, &size3);
    CHECK(one != NULL && two != NULL && three != NULL);
    if (one != NULL && two != NULL && three != NULL) {
        CHECK(size1 == size2 && memcmp(one, two, size1) == 0);
        CHECK(size1 == size3 && memcmp(one, three, size1) == 0);
    }
    icarl_free(one);
    icarl_free(two);
    icarl_free(three);
}

int main(void) {
    printf("default threads here: %d\n", compute_default_threads());
    RUN(test_gemm_same_for_any_thread_count);
    RUN(test_conv_same_for_any_thread_count);
    RUN(test_learner_checkpoint_same_for_any_thread_count);
    return HARNESS_RESULT();
}
