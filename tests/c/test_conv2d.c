/* test_conv2d.c - the convolution (src/nn/conv2d.c) under every GEMM variant this machine runs:
 * the forward pass against a direct convolution and numerical gradient checks of the input and
 * weight gradients, over kernel sizes, strides, paddings and batches that take each of its paths
 * (im2col, the padded shifted GEMMs, the stride-2 phases, chunks and slabs); and the padded
 * layout's row width per tile. Also compiled to WebAssembly (tests/node/kernels-wasm.test.mjs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradient_check.h"
#include "harness.h"
#include "kernels/compute.h"
#include "kernels/gemm.h"
#include "nn/conv2d.h"

typedef struct conv_case {
    compute_context *compute;
    conv_geometry geometry;
    float *input, *weight, *output, *r, *scratch;
    size_t input_count, weight_count, output_count;
} conv_case;

static double conv_objective(void *context) {
    conv_case *c = context;
    conv2d_forward(c->compute, &c->geometry, c->input, c->weight, c->output, c->scratch);
    return weighted_sum(c->output_count, c->r, c->output);
}

/* Direct convolution over the (C, N, H, W) layout: the reference for the forward pass. */
static float direct_conv(const conv_geometry *g, const float *input, const float *weight, int o,
                         int n, int oy, int ox) {
    double sum = 0.0;
    for (int c = 0; c < g->in_channels; c++)
        for (int ky = 0; ky < g->kernel_size; ky++)
            for (int kx = 0; kx < g->kernel_size; kx++) {
                int iy = oy * g->stride - g->padding + ky, ix = ox * g->stride - g->padding + kx;
                if (iy < 0 || iy >= g->in_height || ix < 0 || ix >= g->in_width) continue;
                float x = input[(((size_t)c * g->batch + n) * g->in_height + iy) * g->in_width + ix];
                float w = weight[(((size_t)o * g->in_channels + c) * g->kernel_size + ky) *
                                     g->kernel_size + kx];
                sum += (double)x * w;
            }
    return (float)sum;
}

static void check_conv(compute_context *compute, int batch, int in_channels, int height,
                       int width, int out_channels, int kernel_size, int stride, int padding,
                       uint64_t seed) {
    char name[128];
    snprintf(name, sizeof name, "conv N%d C%d %dx%d -> %d k%d s%d p%d", batch, in_channels,
             height, width, out_channels, kernel_size, stride, padding);
    random_state random;
    random_seed(&random, seed, 3);
    conv_case c = {.compute = compute};
    conv_geometry_init(&c.geometry, batch, in_channels, height, width, out_channels, kernel_size,
                       stride, padding);
    const conv_geometry *g = &c.geometry;
    c.input_count = (size_t)in_channels * batch * height * width;
    c.weight_count = (size_t)out_channels * in_channels * kernel_size * kernel_size;
    c.output_count = (size_t)out_channels * batch * g->out_height * g->out_width;
    c.input = random_buffer(&random, c.input_count, 1.0f);
    c.weight = random_buffer(&random, c.weight_count, 0.5f);
    c.r = random_buffer(&random, c.output_count, 1.0f);
    c.output = malloc(c.output_count * sizeof(float));
    c.scratch = malloc(conv2d_scratch_floats(g) * sizeof(float) + 1);
    float *grad_input = malloc(c.input_count * sizeof(float));
    float *grad_weight = malloc(c.weight_count * sizeof(float));

    conv_objective(&c);
    double worst = 0.0;
    for (int o = 0; o < out_channels; o++)
        for (int n = 0; n < batch; n++)
            for (int y = 0; y < g->out_height; y++)
                for (int x = 0; x < g->out_width; x++) {
                    float expected = direct_conv(g, c.input, c.weight, o, n, y, x);
                    float actual = c.output[(((size_t)o * batch + n) * g->out_height + y) *
                                                g->out_width + x];
                    double error = fabs(expected - actual);
                    if (error > worst) worst = error;
                }
    CHECK_MESSAGE(worst < 1e-4, "%s: forward differs from direct convolution by %g", name, worst);

    /* NaN-filled outputs prove backward overwrites rather than accumulates */
    for (size_t i = 0; i < c.input_count; i++) grad_input[i] = NAN;
    for (size_t i = 0; i < c.weight_count; i++) grad_weight[i] = NAN;
    conv2d_backward(compute, g, c.input, c.weight, c.r, grad_input, grad_weight, c.scratch);
    char which[160];
    snprintf(which, sizeof which, "%s: input", name);
    check_gradient(which, conv_objective, &c, c.input, grad_input, c.input_count, 1e-2f, 2e-3,
                   seed + 1);
    snprintf(which, sizeof which, "%s: weight", name);
    check_gradient(which, conv_objective, &c, c.weight, grad_weight, c.weight_count, 1e-2f, 2e-3,
                   seed + 2);
    /* grad_input NULL must still give the same weight gradient */
    float *again = malloc(c.weight_count * sizeof(float));
    conv2d_backward(compute, g, c.input, c.weight, c.r, NULL, again, c.scratch);
    CHECK_MESSAGE(memcmp(again, grad_weight, c.weight_count * sizeof(float)) == 0,
                  "%s: weight gradient changes without grad_input", name);
    free(again);
    free(c.input);
    free(c.weight);
    free(c.r);
    free(c.output);
    free(c.scratch);
    free(grad_input);
    free(grad_weight);
}

static void check_convs(compute_context *compute);

static void test_conv2d(void) {
    /* every GEMM variant this machine runs: conv must not depend on which kernel is fastest */
    for (int v = 0; v < gemm_variant_count; v++) {
        const gemm_variant *variant = &gemm_variants[v];
        if (variant->is_supported != NULL && !variant->is_supported()) continue;
        compute_context *compute;
        CHECK(compute_context_create(variant->name, &compute) == ICARL_OK);
        printf("  conv2d with %s\n", variant->name);
        check_convs(compute);
        compute_context_destroy(compute);
    }
}

static void check_convs(compute_context *compute) {
    check_conv(compute, 2, 3, 5, 5, 4, 3, 1, 1, 100);
    check_conv(compute, 3, 2, 7, 7, 3, 3, 2, 1, 200);  /* odd size, stride 2: 7 -> 4 */
    check_conv(compute, 2, 3, 6, 5, 2, 1, 1, 0, 300);  /* 1x1, non-square */
    check_conv(compute, 3, 4, 7, 7, 5, 1, 2, 0, 400);  /* the shortcut: 1x1 stride 2 */
    check_conv(compute, 2, 3, 5, 4, 4, 1, 1, 1, 450);  /* 1x1 with padding: a zero border */
    check_conv(compute, 1, 2, 4, 4, 3, 3, 1, 0, 500);  /* no padding, batch 1 */
    check_conv(compute, 2, 2, 9, 7, 4, 3, 2, 0, 600);
    /* conv2d chunks the batch by 2048 output columns (1024 in WebAssembly): 7 images of 20x20
     * make chunks of 4 and 3 (2, 2, 2 and 1), 3 of 48x48 one image each (a single image above
     * the limit) */
    check_conv(compute, 7, 2, 20, 20, 3, 3, 1, 1, 700);
    check_conv(compute, 3, 1, 48, 48, 2, 3, 1, 1, 800);
    check_conv(compute, 2, 1, 100, 100, 2, 3, 2, 1, 900);
    /* "same" convolutions with >= 8 channels each way take the padded path without im2col
     * (shifted GEMMs): odd channel counts against every tile, non-square maps, a 5x5 kernel,
     * a batch that chunks 5 + 2, and single-row or single-column maps */
    check_conv(compute, 2, 9, 5, 6, 13, 3, 1, 1, 1000);
    check_conv(compute, 3, 8, 7, 7, 8, 5, 1, 2, 1100);
    check_conv(compute, 7, 8, 20, 20, 11, 3, 1, 1, 1200);
    check_conv(compute, 2, 17, 1, 9, 10, 3, 1, 1, 1300);
    check_conv(compute, 3, 10, 6, 1, 19, 3, 1, 1, 1400);
    /* stride-2 3x3 convolutions of even inputs with >= 8 channels take the phase path when
     * their padded grid is not mostly padding (square, not square, 17 images of 24x24 ->
     * 12x12: chunks of 9 and 8; 14x14 -> 7x7 only with the 8-wide tile); an odd input and a
     * small output stay on im2col */
    check_conv(compute, 2, 8, 22, 22, 9, 3, 2, 1, 1500);
    check_conv(compute, 3, 12, 24, 28, 8, 3, 2, 1, 1600);
    check_conv(compute, 17, 8, 24, 24, 8, 3, 2, 1, 1700);
    check_conv(compute, 2, 8, 7, 7, 8, 3, 2, 1, 1800);
    check_conv(compute, 2, 8, 6, 6, 8, 3, 2, 1, 1900);
    check_conv(compute, 3, 9, 14, 14, 10, 3, 2, 1, 2000);
    /* 8x8 outputs, where an 8-wide tile takes rows of 16 (padding columns in whole, skipped
     * tiles): a "same" convolution and a stride-2 one over 16x16; and 7x7, rows of 8: with the
     * 8-wide tile both write 7 pixels per tile straight into the output (dense storage) */
    check_conv(compute, 3, 8, 8, 8, 9, 3, 1, 1, 2100);
    check_conv(compute, 2, 9, 16, 16, 8, 3, 2, 1, 2200);
    check_conv(compute, 3, 8, 7, 7, 9, 3, 1, 1, 2300);
    /* equal chunks one after another through the same padded buffers: 6 images of 24x24 are
     * chunks of 3 + 3 natively, 6 x 1 in wasm; and the same with the phases, 48x48 -> 24x24 */
    check_conv(compute, 6, 8, 24, 24, 8, 3, 1, 1, 2400);
    check_conv(compute, 6, 8, 48, 48, 8, 3, 2, 1, 2500);
    /* chunks walked in several slabs (padded planes within 128 KB a slab), natively: 10
     * images of 14x14 with 48 channels in and 40 out in slabs of 3, 3, 3 and 1; 16 images
     * 16x16 -> 8x8 over the phases' 64 planes in slabs of 3, their input gradient (24 planes)
     * in 9 + 7 or 14 + 2 (chunks of 5 and 16 images in wasm, split likewise) */
    check_conv(compute, 10, 48, 14, 14, 40, 3, 1, 1, 2600);
    check_conv(compute, 16, 16, 16, 16, 24, 3, 2, 1, 2700);
}

/* The padded layout's row: where a wider row puts the padding columns in whole tiles (8x8
 * outputs with an 8-wide tile: rows of 16), the tiles compute only the outputs; where it cannot
 * (14x14 with 8-wide tiles, AVX-512's 32-wide tile at 8x8), the row stays width + 1. */
static void test_conv2d_padded_rows(void) {
    conv_geometry same_8x8, down_to_8x8, same_14x14, stem;
    conv_geometry_init(&same_8x8, 32, 64, 8, 8, 64, 3, 1, 1);
    conv_geometry_init(&down_to_8x8, 32, 32, 16, 16, 64, 3, 2, 1);
    conv_geometry_init(&same_14x14, 128, 32, 14, 14, 32, 3, 1, 1);
    conv_geometry_init(&stem, 32, 3, 32, 32, 16, 3, 1, 1);
    int checked = 0;
    for (int v = 0; v < gemm_variant_count; v++) {
        const gemm_variant *variant = &gemm_variants[v];
        if (variant->is_supported != NULL && !variant->is_supported()) continue;
        compute_context *compute = NULL;
        CHECK(compute_context_create(variant->name, &compute) == ICARL_OK);
        int tile = compute->gemm->blocking.nr;
        int same = conv2d_padded_row(compute, &same_8x8);
        int down = conv2d_padded_row(compute, &down_to_8x8);
        int tight = conv2d_padded_row(compute, &same_14x14);
        CHECK_MESSAGE(conv2d_padded_row(compute, &stem) == 0, "%s: the stem is padded",
                      variant->name);
        CHECK_MESSAGE(tight == 15, "%s: 14x14 row %d, expected 15", variant->name, tight);
        if (tile == 8) {
            CHECK_MESSAGE(same == 16 && down == 16, "%s: 8x8 rows %d and %d, expected 16",
                          variant->name, same, down);
            checked++;
        } else if (tile == 32) {
            CHECK_MESSAGE(same == 9, "%s: 8x8 row %d, expected 9", variant->name, same);
        }
        compute_context_destroy(compute);
    }
    CHECK_MESSAGE(checked > 0, "no variant with an 8-wide tile (the portable one has it)");
}

int main(void) {
    RUN(test_conv2d);
    RUN(test_conv2d_padded_rows);
    return HARNESS_RESULT();
}
