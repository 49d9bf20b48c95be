/* test_im2col.c - im2col against a direct convolution (weights x col must equal the naive
 * convolution) and col2im as the exact adjoint of im2col (<im2col(x), y> == <x, col2im(y)>),
 * over several kernel sizes, strides and paddings, always on a sub-range of the batch; and the
 * 1x1 shortcut's written col2im against zeroing + col2im. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernels/im2col.h"

static float next_value(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}

typedef struct geometry_case {
    int batch, channels, height, width, kernel, stride, padding, first, count;
} geometry_case;

static const geometry_case cases[] = {
    {3, 2, 5, 5, 3, 1, 1, 1, 2},   {4, 3, 7, 6, 3, 2, 1, 1, 2},   {2, 4, 8, 8, 1, 2, 0, 0, 2},
    {3, 1, 28, 28, 3, 1, 1, 2, 1}, {2, 2, 6, 5, 5, 1, 2, 1, 1},   {3, 2, 8, 7, 2, 2, 0, 0, 3},
    {2, 3, 6, 6, 3, 1, 0, 1, 1},   {3, 2, 9, 10, 3, 3, 2, 1, 2},  {5, 16, 14, 14, 3, 2, 1, 1, 3},
    {2, 2, 3, 3, 3, 1, 1, 0, 2},   {2, 1, 1, 1, 3, 1, 1, 0, 2},   {2, 2, 4, 9, 1, 1, 0, 1, 1},
    {2, 2, 2, 2, 5, 1, 2, 0, 2},   {2, 1, 3, 4, 5, 1, 2, 1, 1},   {3, 64, 7, 7, 3, 1, 1, 1, 2},
};

static void init_case(const geometry_case *t, conv_geometry *g) {
    conv_geometry_init(g, t->batch, t->channels, t->height, t->width, 3, t->kernel, t->stride,
                       t->padding);
}

static void test_geometry_init(void) {
    conv_geometry g;
    conv_geometry_init(&g, 8, 16, 28, 28, 32, 3, 2, 1);
    CHECK(g.out_height == 14 && g.out_width == 14);
    conv_geometry_init(&g, 8, 16, 28, 28, 32, 3, 1, 1);
    CHECK(g.out_height == 28 && g.out_width == 28);
    conv_geometry_init(&g, 8, 16, 7, 7, 32, 1, 2, 0);
    CHECK(g.out_height == 4 && g.out_width == 4);
    CHECK(g.batch == 8 && g.in_channels == 16 && g.out_channels == 32);
}

static void test_im2col_matches_direct_convolution(void) {
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const geometry_case *t = &cases[ci];
        conv_geometry g;
        init_case(t, &g);
        uint32_t state = 7 + (uint32_t)ci;
        const int kk = t->kernel * t->kernel, rows = t->channels * kk;
        const int out_plane = g.out_height * g.out_width, columns = t->count * out_plane;
        size_t input_size = (size_t)t->channels * t->batch * t->height * t->width;
        float *input = malloc(input_size * sizeof(float));
        for (size_t i = 0; i < input_size; i++) input[i] = next_value(&state);
        float *weights = malloc(sizeof(float) * (size_t)g.out_channels * rows);
        for (int i = 0; i < g.out_channels * rows; i++) weights[i] = next_value(&state);
        float *col = malloc(sizeof(float) * (size_t)rows * columns);
        for (size_t i = 0; i < (size_t)rows * columns; i++) col[i] = NAN; /* all overwritten */
        im2col(&g, input, t->first, t->count, col);

        int bad = 0;
        for (int oc = 0; oc < g.out_channels; oc++) {
            for (int image = 0; image < t->count; image++) {
                for (int oy = 0; oy < g.out_height; oy++) {
                    for (int ox = 0; ox < g.out_width; ox++) {
                        double direct = 0.0, lowered = 0.0;
                        int column = image * out_plane + oy * g.out_width + ox;
                        for (int c = 0; c < t->channels; c++) {
                            for (int ky = 0; ky < t->kernel; ky++) {
                                for (int kx = 0; kx < t->kernel; kx++) {
                                    int iy = oy * t->stride - t->padding + ky;
                                    int ix = ox * t->stride - t->padding + kx;
                                    int r = (c * t->kernel + ky) * t->kernel + kx;
                                    double w = weights[oc * rows + r];
                                    if (iy >= 0 && iy < t->height && ix >= 0 && ix < t->width)
                                        direct += w * input[(((size_t)c * t->batch + t->first +
                                                              image) * t->height + iy) *
                                                                t->width + ix];
                                    lowered += w * col[(size_t)r * columns + column];
                                }
                            }
                        }
                        if (!(fabs(direct - lowered) <= 1e-9)) bad++;
                    }
                }
            }
        }
        CHECK_MESSAGE(bad == 0, "case %zu: %d outputs differ", ci, bad);
        free(input);
        free(weights);
        free(col);
    }
}

static void test_col2im_is_adjoint_of_im2col(void) {
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const geometry_case *t = &cases[ci];
        conv_geometry g;
        init_case(t, &g);
        uint32_t state = 1000 + (uint32_t)ci;
        const int rows = t->channels * t->kernel * t->kernel;
        const size_t columns = (size_t)t->count * g.out_height * g.out_width;
        const size_t image_size = (size_t)t->height * t->width;
        size_t input_size = (size_t)t->channels * t->batch * image_size;
        float *x = malloc(input_size * sizeof(float));
        float *grad = malloc(input_size * sizeof(float));
        float *base = malloc(input_size * sizeof(float));
        float *col = malloc(sizeof(float) * (size_t)rows * columns);
        float *y = malloc(sizeof(float) * (size_t)rows * columns);
        for (size_t i = 0; i < input_size; i++) {
            x[i] = next_value(&state);
            base[i] = next_value(&state);
        }
        for (size_t i = 0; i < (size_t)rows * columns; i++) y[i] = next_value(&state);
        im2col(&g, x, t->first, t->count, col);
        memcpy(grad, base, input_size * sizeof(float)); /* col2im must accumulate */
        col2im(&g, y, t->first, t->count, grad);

        double left = 0.0, right = 0.0, y_norm = 0.0;
        for (size_t i = 0; i < (size_t)rows * columns; i++) {
            left += (double)col[i] * y[i];
            y_norm += fabs(y[i]);
        }
        int outside_touched = 0;
        for (int c = 0; c < t->channels; c++) {
            for (int image = 0; image < t->batch; image++) {
                size_t offset = ((size_t)c * t->batch + image) * image_size;
                int inside = image >= t->first && image < t->first + t->count;
                for (size_t i = 0; i < image_size; i++) {
                    double added = (double)grad[offset + i] - base[offset + i];
                    if (inside) right += x[offset + i] * added;
                    else if (grad[offset + i] != base[offset + i]) outside_touched++;
                }
            }
        }
        CHECK_MESSAGE(fabs(left - right) <= 1e-5 * (1.0 + y_norm), "case %zu: %.9g vs %.9g", ci,
                      left, right);
        CHECK_MESSAGE(outside_touched == 0, "case %zu: %d pixels outside the range changed", ci,
                      outside_touched);
        CHECK(y_norm > 0.0 && fabs(left) > 0.0); /* not trivially zero */
        free(x);
        free(grad);
        free(base);
        free(col);
        free(y);
    }
}

/* col2im_1x1_set must equal zeroing the range's images and col2im-adding into them, bit for
 * bit (one value per pixel, no sum), and leave the other images alone: strides 1, 2 and 3, even
 * and odd widths (an odd width ends on a sampled pixel). */
static void test_col2im_1x1_set_matches_zeroed_col2im(void) {
    static const geometry_case set_cases[] = {
        {3, 2, 6, 8, 1, 2, 0, 1, 2}, {2, 3, 7, 7, 1, 2, 0, 0, 2}, {2, 2, 5, 9, 1, 2, 0, 1, 1},
        {3, 2, 4, 5, 1, 1, 0, 1, 2}, {2, 2, 8, 7, 1, 3, 0, 0, 2}, {2, 1, 14, 13, 1, 2, 0, 1, 1},
    };
    for (size_t ci = 0; ci < sizeof set_cases / sizeof set_cases[0]; ci++) {
        const geometry_case *t = &set_cases[ci];
        conv_geometry g;
        init_case(t, &g);
        uint32_t state = 2000 + (uint32_t)ci;
        const size_t columns = (size_t)t->count * g.out_height * g.out_width;
        const size_t image_size = (size_t)t->height * t->width;
        const size_t input_size = (size_t)t->channels * t->batch * image_size;
        float *y = malloc(sizeof(float) * (size_t)t->channels * columns);
        float *expected = malloc(input_size * sizeof(float));
        float *got = malloc(input_size * sizeof(float));
        for (size_t i = 0; i < (size_t)t->channels * columns; i++) y[i] = next_value(&state);
        for (size_t i = 0; i < input_size; i++) expected[i] = got[i] = next_value(&state);
        for (int c = 0; c < t->channels; c++)
            memset(expected + ((size_t)c * t->batch + t->first) * image_size, 0,
                   sizeof(float) * (size_t)t->count * image_size);
        col2im(&g, y, t->first, t->count, expected);
        col2im_1x1_set(&g, y, t->first, t->count, got);
        CHECK_MESSAGE(memcmp(expected, got, input_size * sizeof(float)) == 0,
                      "case %zu (%dx%d stride %d): differs from zeroing + col2im", ci, t->height,
                      t->width, t->stride);
        free(y);
        free(expected);
        free(got);
    }
}

int main(void) {
    RUN(test_geometry_init);
    RUN(test_im2col_matches_direct_convolution);
    RUN(test_col2im_is_adjoint_of_im2col);
    RUN(test_col2im_1x1_set_matches_zeroed_col2im);
    return HARNESS_RESULT();
}
