/* conv2d.c - 2-D convolution (no bias) lowered to sgemm: through im2col in general, and without
 * it, as shifted GEMMs over a padded copy, for "same" convolutions and for stride-2 3x3 ones
 * (over the input's four phases). The batch is processed in ranges of whole images (chunks) so
 * the scratch stays small whatever the batch size; each chunk's GEMM writes straight into its
 * slice of the (C_out, N, H_out, W_out) output. The padded paths pack the weights once per
 * call and walk their chunks in smaller slabs (slab_images).
 *
 * Threads take whole chunks (forward, input gradient) or whole input channels or col rows
 * (weight gradient), one hand-off per layer, each thread with its own column buffer. Chunk
 * boundaries depend on the geometry only, never on the thread count, and every output value is
 * computed by one thread in the single-thread order, so results are bit-identical for any number
 * of threads. */
#include "nn/conv2d.h"

#include <string.h>

#include "kernels/gemm.h"
#include "kernels/gemm_plan.h"

/* Output columns per chunk at most: enough for efficient GEMM panels, few enough that the column
 * buffer (C_in*k*k rows of it) is still in cache when the GEMM reads it. WebAssembly takes
 * smaller chunks: its padded paths read their shifted views in place, 4 phases of 16-64
 * channels per chunk, and V8's simd128 code has a slower memory path. The sizes are the fastest
 * measured of 512 to 16384 (docs/performance.md). */
#ifndef CONV2D_CHUNK_COLUMNS
#if defined(__wasm__)
#define CONV2D_CHUNK_COLUMNS 1024
#else
#define CONV2D_CHUNK_COLUMNS 2048
#endif
#endif

/* Images per chunk at most: as many as fit CONV2D_CHUNK_COLUMNS. */
static int most_chunk_images(const conv_geometry *g) {
    int pixels = g->out_height * g->out_width;
    int images = pixels > 0 ? CONV2D_CHUNK_COLUMNS / pixels : 1;
    if (images < 1) images = 1;
    if (images > g->batch) images = g->batch;
    return images < 1 ? 1 : images;
}

/* Images per chunk: at most most_chunk_images, evened out over the chunks that takes (128
 * images at 7x7: 4 chunks of 32 rather than 41 + 41 + 41 + 5), so threads sharing the chunks
 * get equal work; at least `least_chunks` chunks (while there are images for them). */
static int evened_chunk_images(const conv_geometry *g, int least_chunks) {
    int images = most_chunk_images(g);
    int chunks = (g->batch + images - 1) / images;
    if (chunks < least_chunks) chunks = least_chunks < g->batch ? least_chunks : g->batch;
    return chunks < 1 ? 1 : (g->batch + chunks - 1) / chunks;
}

/* The weight gradient sums over its chunks, so their boundaries fix its order of summation:
 * they follow the batch alone, as they always have. */
static int summed_chunk_images(const conv_geometry *g) { return evened_chunk_images(g, 1); }

/* The forward and the input gradient compute each image on its own, whatever the chunks: at
 * least two of them (of two or more images), so that a second thread has a share of a small
 * map's pass (the page's network at batch 32, natively: its 8x8 layers fit in one chunk of 2048
 * columns, which one thread would run alone). */
static int chunk_images(const conv_geometry *g) {
    return evened_chunk_images(g, g->batch >= 4 ? 2 : 1);
}

/* Images in the chunk that starts at image `first`: `step`, or fewer in the last chunk. */
static int chunk_count(const conv_geometry *g, int first, int step) {
    return g->batch - first < step ? g->batch - first : step;
}

/* "Same" convolutions (stride 1, odd kernel, output as large as the input; the network's 3x3
 * convolutions after the stem) with at least this many input and output channels skip im2col:
 * on the padded layout (im2col.h) each kernel tap is one shifted view of the chunk, so forward,
 * input gradient and weight gradient are sums of shifted GEMMs read in place (sgemm_taps and
 * sgemm with a shifted B). im2col writes k*k = 9 copies of the input per pass, a large part of a
 * forward at 16 channels; the padded copy is one. With fewer channels (the stem, C_in 1) the
 * per-tap GEMMs would be too short, and im2col stays. */
#ifndef CONV2D_TAPS_MIN_CHANNELS
#define CONV2D_TAPS_MIN_CHANNELS 8
#endif

static int taps_eligible(const conv_geometry *g) {
    return g->stride == 1 && g->kernel_size % 2 == 1 && g->padding == g->kernel_size / 2 &&
           g->out_height == g->in_height && g->out_width == g->in_width &&
           g->in_channels >= CONV2D_TAPS_MIN_CHANNELS &&
           g->out_channels >= CONV2D_TAPS_MIN_CHANNELS;
}

/* The network's down-sampling 3x3 convolutions (stride 2, padding 1, even input) run as "same"
 * convolutions over the input's four phases (im2col.h: pad_phases), also without im2col: the
 * forward is one sgemm_taps over 9 shifted views of the phases, the input gradient one per
 * phase with its 1, 2 or 4 taps, the weight gradient the dot_taps kernel over the phases. */
static int phases_eligible(const conv_geometry *g) {
    return g->stride == 2 && g->kernel_size == 3 && g->padding == 1 && g->in_height % 2 == 0 &&
           g->in_width % 2 == 0 && g->out_height * 2 == g->in_height &&
           g->out_width * 2 == g->in_width && g->in_channels >= CONV2D_TAPS_MIN_CHANNELS &&
           g->out_channels >= CONV2D_TAPS_MIN_CHANNELS;
}

typedef enum conv_path { CONV_IM2COL, CONV_TAPS, CONV_PHASES } conv_path;

/* The padded layout of a chunk's output (row: padded_row): for stride 1 also the input's,
 * for the phases each phase's. */
static void chunk_layout(const conv_geometry *g, int images, int row, padded_layout *layout) {
    padded_layout_init(layout, g->out_height, g->out_width, g->kernel_size / 2, row, images);
}

#ifndef CONV2D_SLAB_BYTES
#define CONV2D_SLAB_BYTES (128 * 1024)
#endif

/* Images per slab: the padded paths' forward and input gradient walk each chunk in slabs,
 * padding and convolving one slab at a time, of as many images as keep the slab's padded planes
 * (`planes`: its channels, four per channel for the phases) within CONV2D_SLAB_BYTES. Every k
 * step of the shifted GEMM reads another plane, so one column sliver touches every plane; at a
 * chunk's 1024 columns a plane outgrows a page (128 of 5 KB at 14x14x32 -> 64 s2). 128 KB was
 * the best slab with simd128 and made no difference with AVX-512 (docs/performance.md). */
static int slab_images(const conv_geometry *g, int row, int planes) {
    padded_layout one;
    chunk_layout(g, 1, row, &one);
    size_t image_bytes = (size_t)planes * one.image_rows * one.row * sizeof(float);
    size_t images = CONV2D_SLAB_BYTES / image_bytes, chunk = (size_t)most_chunk_images(g);
    if (images < 1) images = 1;
    return (int)(images < chunk ? images : chunk);
}

/* The row of the padded layout, as the context's GEMM wants it for this geometry's chunks. */
static int padded_row(const compute_context *context, const conv_geometry *g) {
    return gemm_plan_padded_row(context, g->out_height, g->out_width, g->kernel_size / 2,
                                most_chunk_images(g));
}

/* Whether the grid positions sgemm_taps computes on the phase path are at most 1.2 times the
 * outputs. Small outputs are mostly padding ((7+1)^2 / 7^2 = 1.31): there 32-wide tiles make the
 * phase path slower than im2col + GEMM, while an 8-wide tile skips the eighth row (1.14) and is
 * faster (docs/performance.md). */
static int phases_grid_small_enough(const compute_context *context, const conv_geometry *g,
                                    int row) {
    int images = most_chunk_images(g);
    padded_layout layout;
    chunk_layout(g, images, row, &layout);
    size_t outputs = (size_t)images * g->out_height * g->out_width;
    return 5 * gemm_plan_computed_positions(context, &layout) <= 6 * outputs;
}

/* Which lowering this context's GEMM variant runs for this geometry, and on the padded paths
 * the layout's row (*row, else 0): the choice depends on the geometry and the variant only,
 * never on the thread count. */
static conv_path choose_path(const compute_context *context, const conv_geometry *g, int *row) {
    int taps = g->kernel_size * g->kernel_size;
    *row = 0;
    if (taps_eligible(g) && sgemm_taps_fits(context, taps, g->in_channels) &&
        sgemm_taps_fits(context, taps, g->out_channels)) {
        *row = padded_row(context, g);
        return CONV_TAPS;
    }
    /* the input gradient's phases have at most 4 taps */
    if (phases_eligible(g) && sgemm_taps_fits(context, 9, g->in_channels) &&
        sgemm_taps_fits(context, 4, g->out_channels)) {
        int phase_row = padded_row(context, g);
        if (phases_grid_small_enough(context, g, phase_row)) {
            *row = phase_row;
            return CONV_PHASES;
        }
    }
    return CONV_IM2COL;
}

int conv2d_padded_row(const compute_context *context, const conv_geometry *geometry) {
    int row;
    choose_path(context, geometry, &row);
    return row;
}

/* The weights at the head of a thread's padded scratch: packed per tap for sgemm_taps (forward
 * or flipped), or the taps weight gradient's sums (taps, C_out, C_in). */
static size_t weights_floats(const conv_geometry *g) {
    int taps = g->kernel_size * g->kernel_size;
    size_t forward = sgemm_taps_packed_floats_most(taps, g->out_channels, g->in_channels);
    size_t flipped = sgemm_taps_packed_floats_most(taps, g->in_channels, g->out_channels);
    return forward > flipped ? forward : flipped; /* both >= the sums */
}

/* Scratch of one thread on the padded paths: the weights (weights_floats), then the input's
 * padded channels (four phases each on the phase path), then C_out padded channels, and for
 * stride 1 one grid of the wider side; laid out for a whole chunk, which the taps weight
 * gradient pads at once (the forward and input gradient pad a slab, no larger). */
static size_t padded_scratch_floats(const conv_geometry *g, int phases) {
    padded_layout layout;
    chunk_layout(g, most_chunk_images(g), gemm_plan_widest_row(g->out_width + g->kernel_size / 2),
                 &layout);
    size_t in = (size_t)g->in_channels, out = (size_t)g->out_channels;
    size_t weights = weights_floats(g);
    if (phases) return weights + (4 * in + out) * layout.stride;
    size_t wider = in > out ? in : out;
    return weights + (in + out + wider) * layout.stride;
}

/* Sized by most_chunk_images, which bounds chunk_images for this batch and every smaller one, so
 * a buffer sized for the largest batch serves all. */
size_t conv2d_scratch_floats(const conv_geometry *geometry) {
    size_t rows = (size_t)geometry->in_channels * geometry->kernel_size * geometry->kernel_size;
    size_t columns =
        (size_t)most_chunk_images(geometry) * geometry->out_height * geometry->out_width;
    size_t floats = rows * columns;
    if (geometry->kernel_size == 1) { /* and the packed weights (one_by_one_in_place) */
        size_t forward = sgemm_taps_packed_floats_most(1, geometry->out_channels, (int)rows);
        size_t input = sgemm_taps_packed_floats_most(1, (int)rows, geometry->out_channels);
        floats += forward > input ? forward : input;
    }
    if (taps_eligible(geometry) || phases_eligible(geometry)) {
        size_t padded = padded_scratch_floats(geometry, phases_eligible(geometry));
        if (padded > floats) floats = padded;
    }
    return floats;
}

typedef struct conv_job {
    compute_context *context;
    const conv_geometry *geometry;
    conv_path path;
    int row; /* of the padded layout, on the padded paths */
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

/* The weights of every tap packed for sgemm_taps: A_t[o][i] = weight[o][i][t] (forward), or
 * for the input gradient, which is the forward convolution of dOut with the kernel flipped and
 * in/out swapped, A_t[i][o] = weight[o][i][taps - 1 - t]. */
static void pack_weights_by_tap(const conv_job *job, int flipped, float *packed) {
    const conv_geometry *g = job->geometry;
    int taps = g->kernel_size * g->kernel_size, in = g->in_channels, out = g->out_channels;
    int m = flipped ? in : out, k = flipped ? out : in;
    size_t tap_floats = sgemm_taps_tap_floats(job->context, m, k);
    for (int t = 0; t < taps; t++) {
        if (flipped) {
            sgemm_taps_pack_tap(job->context, m, k, job->weight + (taps - 1 - t), taps,
                                (ptrdiff_t)in * taps, packed + t * tap_floats);
        } else {
            sgemm_taps_pack_tap(job->context, m, k, job->weight + t, (ptrdiff_t)in * taps, taps,
                                packed + t * tap_floats);
        }
    }
}

/* Where tap t = (ky, kx) reads, relative to an output position, in the padded layout. */
static void tap_offsets(const conv_geometry *g, const padded_layout *layout, ptrdiff_t *offsets) {
    for (int ky = 0; ky < g->kernel_size; ky++)
        for (int kx = 0; kx < g->kernel_size; kx++)
            offsets[ky * g->kernel_size + kx] = (ptrdiff_t)ky * layout->row + kx;
}

/* Where tap t = (ky, kx) of a stride-2 3x3 convolution reads, relative to an output position,
 * in the four phases (im2col.h: pad_phases): phase (ky != 1, kx != 1), shifted back one row
 * when ky == 0 and one column when kx == 0. */
static void phase_offsets(const padded_layout *layout, ptrdiff_t *offsets) {
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            int phase = 2 * (ky != 1) + (kx != 1);
            offsets[ky * 3 + kx] =
                (ptrdiff_t)phase * (ptrdiff_t)layout->stride + (ky != 0) * layout->row + (kx != 0);
        }
}

#define CONV2D_MAX_TAPS 49 /* 7x7: sgemm_taps_fits refuses larger kernels long before */

/* One pass of the padded paths over chunks [begin, end): src (channels_in of the (C, N, H, W)
 * tensor) convolved with the tap-major weights a (taps, channels_out, channels_in) into dst
 * (channels_out, N, H, W), overwritten. The forward (x -> out) and, on the stride-1 path, the
 * input gradient (dOut -> dIn with the flipped weights) are both this; on the phase path (the
 * forward only) src is read as its four phases, each channel's four planes one after another. */
static void taps_convolve_chunks(const conv_job *job, int thread, int begin, int end,
                                 const float *src, int channels_in, int channels_out, int flipped,
                                 float *dst) {
    const conv_geometry *g = job->geometry;
    int taps = g->kernel_size * g->kernel_size, step = chunk_images(g);
    int phases = job->path == CONV_PHASES, planes = phases ? 4 : 1;
    int slab = slab_images(g, job->row, planes * channels_in);
    padded_layout most;
    chunk_layout(g, slab, job->row, &most);
    float *a = thread_scratch(job, thread);
    float *padded = a + weights_floats(g);
    float *grid = padded + (size_t)planes * channels_in * most.stride;
    pack_weights_by_tap(job, flipped, a);
    size_t pixels = (size_t)g->out_height * g->out_width;
    /* Straight into dst, no grid and no unpad, where the context's GEMM plans it so
     * (gemm_plan_output_dense): tiles within one row's pixels and padding are written in place,
     * tiles straddling two rows through a stack tile and a column by column copy. */
    int dense = gemm_plan_output_dense(job->context, job->row);
    int last = end * step < g->batch ? end * step : g->batch;
    for (int first = begin * step; first < last; first += slab) {
        int count = last - first < slab ? last - first : slab;
        padded_layout layout;
        ptrdiff_t offsets[CONV2D_MAX_TAPS];
        chunk_layout(g, count, job->row, &layout);
        gemm_needed_columns needed = gemm_plan_needed_columns(&layout);
        needed.dense = dense;
        if (phases) {
            phase_offsets(&layout, offsets);
            pad_phases(&layout, src, g->batch, first, count, 0, channels_in, padded);
        } else {
            tap_offsets(g, &layout, offsets);
            pad_planes(&layout, src, g->batch, first, count, 0, channels_in, padded);
        }
        sgemm_taps_on_thread(job->context, thread, taps, offsets, channels_out, (int)layout.grid,
                             channels_in, a, padded, (int)(planes * layout.stride),
                             dense ? dst + first * pixels : grid,
                             dense ? (int)(g->batch * pixels) : (int)layout.grid, &needed);
        if (!dense)
            unpad_planes(&layout, grid, layout.grid, g->batch, first, count, 0, channels_out, dst);
    }
}

/* The input gradient of chunks [begin, end) on the phase path. Input pixel (2a + py, 2b + px)
 * receives dOut(oy, ox) w(ky, kx) for the taps with 2 oy + ky - 1 = 2a + py: ky = 1 (oy = a)
 * when py = 0, else ky = 0 (oy = a + 1) and ky = 2 (oy = a); the same across. So each phase is a
 * "same" convolution of the padded dOut with its 1, 2 or 4 taps, weights a[t][i][o]. */
static void phases_input_gradient_chunks(const conv_job *job, int thread, int begin, int end) {
    const conv_geometry *g = job->geometry;
    int step = chunk_images(g), in = g->in_channels, out = g->out_channels;
    int slab = slab_images(g, job->row, out);
    padded_layout most;
    chunk_layout(g, slab, job->row, &most);
    float *a = thread_scratch(job, thread);
    float *grids = a + weights_floats(g); /* the four phases' grids, C_in rows each */
    float *padded_grad = grids + (size_t)4 * in * most.stride;
    size_t tap_floats = sgemm_taps_tap_floats(job->context, in, out);
    int phase_taps[4], phase_first[4], taps_ky[9], taps_kx[9], tap = 0;
    for (int phase = 0; phase < 4; phase++) {
        int py = phase >> 1, px = phase & 1;
        phase_first[phase] = tap;
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
                if ((ky != 1) == py && (kx != 1) == px) {
                    taps_ky[tap] = ky;
                    taps_kx[tap] = kx;
                    /* A[i][o] = weight[o][i][ky][kx] */
                    sgemm_taps_pack_tap(job->context, in, out, job->weight + ky * 3 + kx, 9,
                                        (ptrdiff_t)in * 9, a + tap * tap_floats);
                    tap++;
                }
        phase_taps[phase] = tap - phase_first[phase];
    }
    int last = end * step < g->batch ? end * step : g->batch;
    for (int first = begin * step; first < last; first += slab) {
        int count = last - first < slab ? last - first : slab;
        padded_layout layout;
        chunk_layout(g, count, job->row, &layout);
        gemm_needed_columns needed = gemm_plan_needed_columns(&layout);
        pad_planes(&layout, job->grad_output, g->batch, first, count, 0, out, padded_grad);
        size_t ld_phase = (size_t)in * layout.grid;
        for (int phase = 0; phase < 4; phase++) {
            ptrdiff_t offsets[4];
            for (int t = 0; t < phase_taps[phase]; t++) {
                int ky = taps_ky[phase_first[phase] + t], kx = taps_kx[phase_first[phase] + t];
                /* dOut at (a + (ky == 0), b + (kx == 0)) */
                offsets[t] = (ptrdiff_t)(1 + (ky == 0)) * layout.row + 1 + (kx == 0);
            }
            sgemm_taps_on_thread(job->context, thread, phase_taps[phase], offsets, in,
                                 (int)layout.grid, out, a + phase_first[phase] * tap_floats,
                                 padded_grad, (int)layout.stride, grids + phase * ld_phase,
                                 (int)layout.grid, &needed);
        }
        unpad_phases(&layout, grids, layout.grid, ld_phase, g->batch, first, count, 0, in,
                     job->grad_input);
    }
}

/* Whether a 1x1 convolution's products run as sgemm_taps with one tap, B read in place (col
 * rows, the input's planes, dOut), rather than sgemm packing B into panels first for a product
 * only `depth` deep (C_in forward, C_out for the input gradient): as the context's GEMM plans. */
static int one_by_one_in_place(const conv_job *job, int depth) {
    return job->geometry->kernel_size == 1 && gemm_plan_one_tap_in_place(job->context, depth);
}

static void forward_task(void *argument, int thread, int threads) {
    const conv_job *job = argument;
    const conv_geometry *g = job->geometry;
    if (job->path != CONV_IM2COL) {
        int step = chunk_images(g), chunks = (g->batch + step - 1) / step, begin, end;
        compute_split(chunks, 1, thread, threads, &begin, &end);
        if (begin < end)
            taps_convolve_chunks(job, thread, begin, end, job->input, g->in_channels,
                                 g->out_channels, 0, job->output);
        return;
    }
    int rows = g->in_channels * g->kernel_size * g->kernel_size;
    int pixels = g->out_height * g->out_width;
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step, begin, end;
    float *scratch = thread_scratch(job, thread);
    compute_split(chunks, 1, thread, threads, &begin, &end);
    int in_place = one_by_one_in_place(job, rows);
    int read_input = in_place && g->stride == 1 && g->padding == 0;
    float *packed = scratch + (size_t)rows * most_chunk_images(g) * pixels;
    if (in_place && begin < end)
        sgemm_taps_pack_tap(job->context, g->out_channels, rows, job->weight, rows, 1, packed);
    for (int chunk = begin; chunk < end; chunk++) {
        int first = chunk * step;
        int count = chunk_count(g, first, step);
        int columns = count * pixels;
        if (in_place) {
            const ptrdiff_t no_shift = 0;
            const float *b = read_input ? job->input + (size_t)first * pixels : scratch;
            if (!read_input) im2col(g, job->input, first, count, scratch);
            sgemm_taps_on_thread(job->context, thread, 1, &no_shift, g->out_channels, columns,
                                 rows, packed, b, read_input ? g->batch * pixels : columns,
                                 job->output + (size_t)first * pixels, g->batch * pixels, NULL);
            continue;
        }
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
    conv_job job = {context, geometry, CONV_IM2COL, 0, input, weight, NULL, output, NULL, NULL,
                    scratch};
    job.path = choose_path(context, geometry, &job.row);
    int step = chunk_images(geometry), chunks = (geometry->batch + step - 1) / step;
    compute_parallel(context, usable_threads(context, geometry, chunks), forward_task, &job);
}

/* The weight gradient of col rows [begin, end) (row = (c * k + ky) * k + kx) of thread
 * `thread`: over every chunk, those rows of col, then grad_W[:, those rows] (+)= dOut_chunk
 * (C_out, columns) x col_rows^T. Split by rows rather than input channels so that a stem's 1 or
 * 3 channels still give both threads work; every grad_W entry is the same dot product whichever
 * thread computes it. */
static void weight_gradient_rows(const conv_job *job, int thread, int begin, int end) {
    const conv_geometry *g = job->geometry;
    int taps = g->kernel_size * g->kernel_size, rows = g->in_channels * taps;
    int pixels = g->out_height * g->out_width, ld_output = g->batch * pixels;
    int step = summed_chunk_images(g);
    int row0 = begin, row_count = end - begin;
    float *scratch = thread_scratch(job, thread);
    for (int first = 0; first < g->batch; first += step) {
        int count = chunk_count(g, first, step);
        int columns = count * pixels;
        im2col_rows(g, job->input, first, count, begin, end, scratch);
        /* A 1x1 convolution's col has one row per input channel: with at most 64 of them the
         * unpacked dot products beat packing both operands of a long-k product
         * (docs/performance.md). Decided on the whole layer, so every thread's part takes the
         * same path. */
        if (g->kernel_size == 1 && g->in_channels <= 64) {
            sgemm_dot_on_thread(job->context, thread, g->out_channels, row_count, columns, 1.0f,
                                job->grad_output + (size_t)first * pixels, ld_output,
                                scratch + (size_t)row0 * columns, columns,
                                first == 0 ? 0.0f : 1.0f, job->grad_weight + row0, rows);
            continue;
        }
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
    /* 1x1 without padding (the projection shortcuts): each input pixel gets at most one
     * value, written with the zeros between in one pass instead of zeroing, then adding; and
     * there col = W^T dOut can read dOut in place (one_by_one_in_place), at stride 1 with col
     * the input gradient itself */
    int set = g->kernel_size == 1 && g->padding == 0;
    int in_place = set && one_by_one_in_place(job, g->out_channels);
    int write_input = in_place && g->stride == 1;
    float *packed = scratch + (size_t)rows * most_chunk_images(g) * pixels;
    if (in_place && begin < end)
        sgemm_taps_pack_tap(job->context, rows, g->out_channels, job->weight, 1, rows, packed);
    for (int chunk = begin; chunk < end; chunk++) {
        int first = chunk * step;
        int count = chunk_count(g, first, step);
        int columns = count * pixels;
        const float *grad_output = job->grad_output + (size_t)first * pixels;
        if (in_place) {
            const ptrdiff_t no_shift = 0;
            float *col = write_input ? job->grad_input + (size_t)first * plane : scratch;
            sgemm_taps_on_thread(job->context, thread, 1, &no_shift, rows, columns,
                                 g->out_channels, packed, grad_output, ld_output, col,
                                 write_input ? (int)(g->batch * plane) : columns, NULL);
            if (write_input) continue;
        } else {
            /* col2im accumulates, so the chunk's images start from zero */
            for (int c = 0; c < g->in_channels && !set; c++)
                memset(job->grad_input + ((size_t)c * g->batch + first) * plane, 0,
                       (size_t)count * plane * sizeof(float));
            sgemm_on_thread(job->context, thread, GEMM_TRANSPOSED, GEMM_NORMAL, rows, columns,
                            g->out_channels, 1.0f, job->weight, rows, grad_output, ld_output,
                            0.0f, scratch, columns);
        }
        if (set) {
            col2im_1x1_set(g, scratch, first, count, job->grad_input);
        } else {
            col2im(g, scratch, first, count, job->grad_input);
        }
    }
}

static void taps_weight_gradient_channels(const conv_job *job, int thread, int begin, int end) {
    const conv_geometry *g = job->geometry;
    int taps = g->kernel_size * g->kernel_size, step = summed_chunk_images(g);
    int in = g->in_channels, out = g->out_channels;
    padded_layout most;
    chunk_layout(g, most_chunk_images(g), job->row, &most);
    int dot = taps == 9 && sgemm_has_dot_taps9(job->context);
    float *sums = thread_scratch(job, thread); /* (taps, C_out, C_in): this thread's columns */
    float *padded_grad = sums + (size_t)taps * in * out;
    float *padded_input = padded_grad + (size_t)out * most.stride;
    for (int first = 0; first < g->batch; first += step) {
        int count = chunk_count(g, first, step);
        padded_layout layout;
        ptrdiff_t offsets[CONV2D_MAX_TAPS];
        chunk_layout(g, count, job->row, &layout);
        pad_planes(&layout, job->grad_output, g->batch, first, count, 0, out, padded_grad);
        int input_stride = (int)layout.stride;
        if (job->path == CONV_PHASES) {
            phase_offsets(&layout, offsets);
            pad_phases(&layout, job->input, g->batch, first, count, begin, end, padded_input);
            input_stride = (int)(4 * layout.stride);
        } else {
            tap_offsets(g, &layout, offsets);
            pad_planes(&layout, job->input, g->batch, first, count, begin, end, padded_input);
        }
        if (dot) {
            /* straight into grad_weight, zeroed before the first chunk */
            if (first == 0)
                for (int o = 0; o < out; o++)
                    memset(job->grad_weight + ((size_t)o * in + begin) * taps, 0,
                           sizeof(float) * (size_t)(end - begin) * taps);
            sgemm_dot_taps9(job->context, offsets, out, end - begin, (int)layout.grid,
                            padded_grad + layout.lead, (int)layout.stride, padded_input,
                            input_stride, job->grad_weight + (size_t)begin * taps,
                            in * taps);
            continue;
        }
        for (int t = 0; t < taps; t++)
            sgemm_on_thread(job->context, thread, GEMM_NORMAL, GEMM_TRANSPOSED, out, end - begin,
                            (int)layout.grid, 1.0f, padded_grad + layout.lead, (int)layout.stride,
                            padded_input + offsets[t], input_stride,
                            first == 0 ? 0.0f : 1.0f, sums + (size_t)t * out * in + begin, in);
    }
    if (dot) return;
    for (int o = 0; o < out; o++)
        for (int i = begin; i < end; i++)
            for (int t = 0; t < taps; t++)
                job->grad_weight[((size_t)o * in + i) * taps + t] =
                    sums[((size_t)t * out + o) * in + i];
}

/* The padded weight gradient only with a SIMD dot_taps kernel (AVX-512): the portable one, even
 * vectorised by clang for simd128, and 9 per-tap GEMMs over the padded input are both slower
 * than im2col + GEMM (docs/performance.md). It splits whole input channels over the threads;
 * im2col + GEMM splits col rows. */
static int taps_weight_gradient(const conv_job *job) {
    return job->path != CONV_IM2COL && job->geometry->kernel_size == 3 &&
           sgemm_has_dot_taps9(job->context);
}

static int weight_gradient_items(const conv_job *job) {
    const conv_geometry *g = job->geometry;
    return taps_weight_gradient(job) ? g->in_channels
                                     : g->in_channels * g->kernel_size * g->kernel_size;
}

static void backward_task(void *argument, int thread, int threads) {
    const conv_job *job = argument;
    const conv_geometry *g = job->geometry;
    int begin, end;
    /* col rows in fours: the dot-product kernels' tile, so a stem's 9 or 27 rows split into
     * whole tiles (at most 3 more rows of work than one thread does) */
    compute_split(weight_gradient_items(job), taps_weight_gradient(job) ? 1 : 4, thread, threads,
                  &begin, &end);
    if (begin < end) {
        if (taps_weight_gradient(job)) {
            taps_weight_gradient_channels(job, thread, begin, end);
        } else {
            weight_gradient_rows(job, thread, begin, end);
        }
    }
    if (job->grad_input == NULL) return;
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step;
    compute_split(chunks, 1, thread, threads, &begin, &end);
    if (job->path == CONV_TAPS) {
        if (begin < end)
            taps_convolve_chunks(job, thread, begin, end, job->grad_output, g->out_channels,
                                 g->in_channels, 1, job->grad_input);
    } else if (job->path == CONV_PHASES) {
        if (begin < end) phases_input_gradient_chunks(job, thread, begin, end);
    } else {
        input_gradient_chunks(job, thread, begin, end);
    }
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
    conv_job job = {context, g,    CONV_IM2COL, 0, input, weight, grad_output, NULL, grad_input,
                    grad_weight, scratch};
    job.path = choose_path(context, g, &job.row);
    int step = chunk_images(g), chunks = (g->batch + step - 1) / step;
    int weight_items = weight_gradient_items(&job);
    int items = grad_input != NULL && chunks > weight_items ? chunks : weight_items;
    compute_parallel(context, usable_threads(context, g, items), backward_task, &job);
}
