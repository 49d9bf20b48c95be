/* conv2d.c - 2-D convolution (no bias) lowered to sgemm through im2col. The batch is processed in
 * ranges of whole images (chunks) so the column buffer stays small whatever the batch size; each
 * chunk's GEMM writes straight into its slice of the (C_out, N, H_out, W_out) output.
 *
 * Threads take whole chunks (forward, input gradient) or whole input channels (weight gradient),
 * one hand-off per layer, each thread with its own column buffer. Chunk boundaries depend on the
 * geometry only, never on the thread count, and every output value is computed by one thread in
 * the single-thread order, so results are bit-identical for any number of threads. */
#include "nn/conv2d.h"

#include <string.h>

#include "kernels/gemm.h"

/* Output columns per chunk at most: enough for efficient GEMM panels, few enough that the column
 * buffer (C_in*k*k rows of it) is still in cache when the GEMM reads it. Measured on ResNet-20
 * 28x28 batch 128 (avx512 GEMM, CPU time): 512-2048 columns ~305 images/s, 8192 ~240, 16384
 * ~228. */
#ifndef CONV2D_CHUNK_COLUMNS
#define CONV2D_CHUNK_COLUMNS 2048
#endif

/* Images per chunk: as many as fit CONV2D_CHUNK_COLUMNS, then evened out over the chunks that
 * takes (128 images at 7x7: 4 chunks of 32 rather than 41 + 41 + 41 + 5), so threads sharing the
 * chunks get equal work. */
static int most_chunk_images(const conv_geometry *g) {
    int pixels = g->out_height * g->out_width;
    int images = pixels > 0 ? CONV2D_CHUNK_COLUMNS / pixels : 1;
    if (images < 1) images = 1;
    if (images > g->batch) images = g->batch;
    return images < 1 ? 1 : images;
}

static int chunk_images(const conv_geometry *g) {
    int images = most_chunk_images(g);
    int chunks = (g->batch + images - 1) / images;
    return chunks < 1 ? 1 : (g->batch + chunks - 1) / chunks;
}

/* Sized by most_chunk_images, which bounds chunk_images for this batch and every smaller one, so
 * a buffer sized for the largest batch serves all. */
size_t conv2d_scratch_floats(const conv_geometry *geometry) {
    size_t rows = (size_t)geometry->in_channels * geometry->kernel_size * geometry->kernel_size;
    size_t columns =
        (size_t)most_chunk_images(geometry) * geometry->out_height * geometry->out_width;
    return rows * columns;
}

typedef struct conv_job {
    compute_context *context;
    const conv_geometry *geometry;
    const float *input, *weight, *grad_output;
    float *output, *grad_input, *grad_weight;
    float *scratch; /* thread 0's column buffer; the others use the context's workspace */
} conv_job;

static float *thread_scratch(const conv_job *job, int thread) {
    return thread == 0 ? job->scratch : job->context->workspace[thread];
}

/* Threads the job may use: one per chunk (or channel) at most, and only as many as have a
 * column buffer. */
static int usable_threads(const compute_context *context, const conv_geometry *g, int items) {
    if (context->threads <= 1 || context->workspace_floats < conv2d_scratch_floats(g)) return 1;
    return items < context->threads ? items : context->threads;
}

static void forward_task(void *argument, int thread, int threads) {
    const conv_job *job = argument;
    const conv_geometry *g = job->geometry;
    int rows = g->in_channels * g->kernel_size * g->kernel_size;
    int pixels = g->out_height * g->out_width;
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step, begin, end;
    float *scratch = thread_scratch(job, thread);
    compute_split(chunks, 1, thread, threads, &begin, &end);
    for (int chunk = begin; chunk < end; chunk++) {
        int first = chunk * step;
        int count = g->batch - first < step ? g->batch - first : step;
        int columns = count * pixels;
        im2col(g, job->input, first, count, scratch);
        /* output[:, first:first+count] = W (C_out, rows) x col (rows, columns) */
        sgemm_on_thread(job->context, thread, GEMM_NORMAL, GEMM_NORMAL, g->out_channels, columns,
                        rows, 1.0f, job->weight, rows, scratch, columns, 0.0f,
                        job->output + (size_t)first * pixels, g->batch * pixels);
    }
}

/* input (C_in, N, H, W); weight (C_out, C_in*k*k); output (C_out, N, H_out, W_out);
 * scratch (conv2d_scratch_floats). */
void conv2d_forward(compute_context *context, const conv_geometry *geometry, const float *input,
                    const float *weight, float *output, float *scratch) {
    if (geometry->batch <= 0) return;
    conv_job job = {context, geometry, input, weight, NULL, output, NULL, NULL, scratch};
    int step = chunk_images(geometry), chunks = (geometry->batch + step - 1) / step;
    compute_parallel(context, usable_threads(context, geometry, chunks), forward_task, &job);
}

/* The weight gradient of input channels [begin, end) of thread `thread`: over every chunk, its
 * rows of col, then grad_W[:, its rows] (+)= dOut_chunk (C_out, columns) x col_rows^T. */
static void weight_gradient_channels(const conv_job *job, int thread, int begin, int end) {
    const conv_geometry *g = job->geometry;
    int taps = g->kernel_size * g->kernel_size, rows = g->in_channels * taps;
    int pixels = g->out_height * g->out_width, ld_output = g->batch * pixels;
    int step = chunk_images(g);
    int row0 = begin * taps, row_count = (end - begin) * taps;
    float *scratch = thread_scratch(job, thread);
    for (int first = 0; first < g->batch; first += step) {
        int count = g->batch - first < step ? g->batch - first : step;
        int columns = count * pixels;
        im2col_channels(g, job->input, first, count, begin, end, scratch);
        sgemm_on_thread(job->context, thread, GEMM_NORMAL, GEMM_TRANSPOSED, g->out_channels,
                        row_count, columns, 1.0f, job->grad_output + (size_t)first * pixels,
                        ld_output, scratch + (size_t)row0 * columns, columns,
                        first == 0 ? 0.0f : 1.0f, job->grad_weight + row0, rows);
    }
}

/* The input gradient of chunks [begin, end): col = W^T (rows, C_out) x dOut_chunk (C_out,
 * columns), then scattered back into the chunk's own images. */
static void input_gradient_chunks(const conv_job *job, int thread, int begin, int end) {
    const conv_geometry *g = job->geometry;
    int rows = g->in_channels * g->kernel_size * g->kernel_size;
    int pixels = g->out_height * g->out_width, ld_output = g->batch * pixels;
    int step = chunk_images(g);
    float *scratch = thread_scratch(job, thread);
    size_t plane = (size_t)g->in_height * g->in_width;
    for (int chunk = begin; chunk < end; chunk++) {
        int first = chunk * step;
        int count = g->batch - first < step ? g->batch - first : step;
        int columns = count * pixels;
        /* col2im accumulates, so the chunk's images start from zero */
        for (int c = 0; c < g->in_channels; c++)
            memset(job->grad_input + ((size_t)c * g->batch + first) * plane, 0,
                   (size_t)count * plane * sizeof(float));
        sgemm_on_thread(job->context, thread, GEMM_TRANSPOSED, GEMM_NORMAL, rows, columns,
                        g->out_channels, 1.0f, job->weight, rows,
                        job->grad_output + (size_t)first * pixels, ld_output, 0.0f, scratch,
                        columns);
        col2im(g, scratch, first, count, job->grad_input);
    }
}

static void backward_task(void *argument, int thread, int threads) {
    const conv_job *job = argument;
    const conv_geometry *g = job->geometry;
    int begin, end;
    compute_split(g->in_channels, 1, thread, threads, &begin, &end);
    if (begin < end) weight_gradient_channels(job, thread, begin, end);
    if (job->grad_input == NULL) return;
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step;
    compute_split(chunks, 1, thread, threads, &begin, &end);
    input_gradient_chunks(job, thread, begin, end);
}

/* grad_output (C_out, N, H_out, W_out); grad_weight (C_out, C_in*k*k) overwritten; grad_input
 * (C_in, N, H, W) overwritten when not NULL. */
void conv2d_backward(compute_context *context, const conv_geometry *geometry, const float *input,
                     const float *weight, const float *grad_output, float *grad_input,
                     float *grad_weight, float *scratch) {
    const conv_geometry *g = geometry;
    if (g->batch <= 0) { /* no chunk will run; still honour "overwrites" */
        memset(grad_weight, 0,
               (size_t)g->out_channels * g->in_channels * g->kernel_size * g->kernel_size *
                   sizeof(float));
        return;
    }
    conv_job job = {context, g, input, weight, grad_output, NULL, grad_input, grad_weight, scratch};
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step;
    int items = grad_input != NULL && chunks > g->in_channels ? chunks : g->in_channels;
    compute_parallel(context, usable_threads(context, g, items), backward_task, &job);
}
