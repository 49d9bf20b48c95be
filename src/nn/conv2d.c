/* conv2d.c - 2-D convolution (no bias) lowered to sgemm through im2col. The batch is processed in
 * ranges of whole images so the column buffer stays small whatever the batch size; each
 * range's GEMM writes straight into its slice of the (C_out, N, H_out, W_out) output. */
#include "nn/conv2d.h"

#include <string.h>

#include "kernels/gemm.h"

/* Output columns per chunk: enough for efficient GEMM panels, few enough that the column buffer
 * (C_in*k*k rows of it) is still in cache when the GEMM reads it. Measured on ResNet-20 28x28
 * batch 128 (avx512 GEMM, CPU time): 512-2048 columns ~305 images/s, 8192 ~240, 16384 ~228. */
#ifndef CONV2D_CHUNK_COLUMNS
#define CONV2D_CHUNK_COLUMNS 2048
#endif

static int chunk_images(const conv_geometry *g) {
    int pixels = g->out_height * g->out_width;
    int images = pixels > 0 ? CONV2D_CHUNK_COLUMNS / pixels : 1;
    if (images < 1) images = 1;
    if (images > g->batch) images = g->batch;
    return images;
}

size_t conv2d_scratch_floats(const conv_geometry *geometry) {
    size_t rows = (size_t)geometry->in_channels * geometry->kernel_size * geometry->kernel_size;
    size_t columns = (size_t)chunk_images(geometry) * geometry->out_height * geometry->out_width;
    return rows * columns;
}

/* input (C_in, N, H, W); weight (C_out, C_in*k*k); output (C_out, N, H_out, W_out);
 * scratch (conv2d_scratch_floats). */
void conv2d_forward(compute_context *context, const conv_geometry *geometry, const float *input,
                    const float *weight, float *output, float *scratch) {
    const conv_geometry *g = geometry;
    int rows = g->in_channels * g->kernel_size * g->kernel_size;
    int pixels = g->out_height * g->out_width;
    int step = chunk_images(g);
    for (int first = 0; first < g->batch; first += step) {
        int count = g->batch - first < step ? g->batch - first : step;
        int columns = count * pixels;
        im2col(g, input, first, count, scratch);
        /* output[:, first:first+count] = W (C_out, rows) x col (rows, columns) */
        sgemm(context, GEMM_NORMAL, GEMM_NORMAL, g->out_channels, columns, rows, 1.0f, weight,
              rows, scratch, columns, 0.0f, output + (size_t)first * pixels, g->batch * pixels);
    }
}

/* grad_output (C_out, N, H_out, W_out); grad_weight (C_out, C_in*k*k) overwritten; grad_input
 * (C_in, N, H, W) overwritten when not NULL. */
void conv2d_backward(compute_context *context, const conv_geometry *geometry, const float *input,
                     const float *weight, const float *grad_output, float *grad_input,
                     float *grad_weight, float *scratch) {
    const conv_geometry *g = geometry;
    int rows = g->in_channels * g->kernel_size * g->kernel_size;
    int pixels = g->out_height * g->out_width;
    int ld_output = g->batch * pixels;
    int step = chunk_images(g);
    if (g->batch <= 0) /* no chunk will run; still honour "overwrites" */
        memset(grad_weight, 0, (size_t)g->out_channels * rows * sizeof(float));
    /* col2im accumulates, so the input gradient starts from zero */
    if (grad_input != NULL)
        memset(grad_input, 0,
               (size_t)g->in_channels * g->batch * g->in_height * g->in_width * sizeof(float));
    for (int first = 0; first < g->batch; first += step) {
        int count = g->batch - first < step ? g->batch - first : step;
        int columns = count * pixels;
        const float *grad_slice = grad_output + (size_t)first * pixels;
        im2col(g, input, first, count, scratch);
        /* grad_W (+)= dOut_chunk (C_out, columns) x col^T (columns, rows) */
        sgemm(context, GEMM_NORMAL, GEMM_TRANSPOSED, g->out_channels, rows, columns, 1.0f,
              grad_slice, ld_output, scratch, columns, first == 0 ? 0.0f : 1.0f, grad_weight,
              rows);
        if (grad_input == NULL) continue;
        /* col = W^T (rows, C_out) x dOut_chunk (C_out, columns), then scatter back */
        sgemm(context, GEMM_TRANSPOSED, GEMM_NORMAL, rows, columns, g->out_channels, 1.0f, weight,
              rows, grad_slice, ld_output, 0.0f, scratch, columns);
        col2im(g, scratch, first, count, grad_input);
    }
}
