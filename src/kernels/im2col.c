/* im2col.c - lowering a convolution over (C, N, H, W) activations to one GEMM (im2col) and its
 * adjoint (col2im), for any kernel size, stride and padding. Each col row is one (c, ky, kx)
 * tap; for every output row the valid span is computed once, so the inner loop has no branch
 * and stride 1 is a plain memcpy of a shifted input row. */
#include "kernels/im2col.h"

#include <stddef.h>
#include <string.h>

void conv_geometry_init(conv_geometry *geometry, int batch, int in_channels, int in_height,
                        int in_width, int out_channels, int kernel_size, int stride, int padding) {
    geometry->batch = batch;
    geometry->in_channels = in_channels;
    geometry->in_height = in_height;
    geometry->in_width = in_width;
    geometry->out_channels = out_channels;
    geometry->kernel_size = kernel_size;
    geometry->stride = stride;
    geometry->padding = padding;
    geometry->out_height = (in_height + 2 * padding - kernel_size) / stride + 1;
    geometry->out_width = (in_width + 2 * padding - kernel_size) / stride + 1;
}

/* Output columns [*lo, *hi) of one output row whose input column ox*stride - padding + kx falls
 * inside [0, width); the rest read padding. */
static void valid_span(int width, int out_width, int stride, int padding, int kx, int *lo,
                       int *hi) {
    int shift = padding - kx; /* ix = ox*stride - shift */
    int first = shift > 0 ? (shift + stride - 1) / stride : 0;
    int last_plus = width + shift - 1 >= 0 ? (width + shift - 1) / stride + 1 : 0;
    if (last_plus > out_width) last_plus = out_width;
    if (first > last_plus) first = last_plus;
    *lo = first;
    *hi = last_plus;
}

/* The stride-2 copies (im2col's gather, the phase split and join) move four columns at a time
 * with generic vector shuffles (GCC 12 and clang): clang leaves the plain strided loops scalar
 * in the wasm build. */
typedef float im2col_vector __attribute__((vector_size(16)));

/* dst[0..count) = 0 for the few floats at a row's edge or a padding row (up to 32 here). A
 * loop, even of vector stores, is what clang turns into a call of memset, which in the wasm
 * build costs more than the row's copy itself (pad_phases would make four such calls per input
 * row pair, and four more per image for its padding rows); straight-line stores instead. */
static void zero_few(float *dst, int count) {
    if (count > 32) {
        memset(dst, 0, sizeof(float) * (size_t)count);
        return;
    }
    const im2col_vector zero = {0.0f, 0.0f, 0.0f, 0.0f};
    switch (count >> 2) {
    case 8: memcpy(dst + 28, &zero, sizeof zero); /* fall through */
    case 7: memcpy(dst + 24, &zero, sizeof zero); /* fall through */
    case 6: memcpy(dst + 20, &zero, sizeof zero); /* fall through */
    case 5: memcpy(dst + 16, &zero, sizeof zero); /* fall through */
    case 4: memcpy(dst + 12, &zero, sizeof zero); /* fall through */
    case 3: memcpy(dst + 8, &zero, sizeof zero);  /* fall through */
    case 2: memcpy(dst + 4, &zero, sizeof zero);  /* fall through */
    case 1: memcpy(dst, &zero, sizeof zero);      /* fall through */
    default: break;
    }
    dst += count & ~3;
    switch (count & 3) {
    case 3: dst[2] = 0.0f; /* fall through */
    case 2: dst[1] = 0.0f; /* fall through */
    case 1: dst[0] = 0.0f;
    default: break;
    }
}

/* Where the four-wide step that covers [i, i + 4) of a row of count (>= 4) floats starts: at i,
 * or for a ragged end (14 = 4 + 4 + 4 + 2) four back from the end, overlapping values the step
 * before wrote with the same ones, instead of a scalar tail. */
static int step_of_four(int i, int count) { return i + 4 <= count ? i : count - 4; }

/* dst[0..count) = src[0..count) for a short row (4-32 floats) as vector copies
 * (step_of_four): memcpy of a variable length is a libc call in the wasm build, which a stride-1
 * padded forward would make for every row (docs/performance.md). */
static void copy_row(float *dst, const float *src, int count) {
    if (count < 4 || count > 32) {
        memcpy(dst, src, sizeof(float) * (size_t)count);
        return;
    }
    for (int i = 0; i < count; i += 4) {
        int at = step_of_four(i, count);
        im2col_vector v;
        memcpy(&v, src + at, sizeof v);
        memcpy(dst + at, &v, sizeof v);
    }
}

/* src[0..8) as its even and its odd elements */
static void split_eight(const float *src, im2col_vector *evens, im2col_vector *odds) {
    im2col_vector low, high;
    memcpy(&low, src, sizeof low);
    memcpy(&high, src + 4, sizeof high);
    *evens = __builtin_shufflevector(low, high, 0, 2, 4, 6);
    *odds = __builtin_shufflevector(low, high, 1, 3, 5, 7);
}

/* dst[i] = src[2 i] for i < count, reading src no further than `end` (the tensor's end): four
 * at a time, a ragged end (7 = 4 + 3) as one more step over the last four, overlapping values
 * already written with the same ones. That step reads src[2 count - 1], one past the last value
 * taken, so a row whose next float lies past the tensor goes one by one. At 7 outputs a row
 * (the shortcuts' 14x14 inputs) a scalar tail would move three of the seven one by one. */
static void gather_even(const float *src, int count, const float *end, float *dst) {
    if (count < 4 || 2 * (ptrdiff_t)count > end - src) {
        for (int i = 0; i < count; i++) dst[i] = src[2 * i];
        return;
    }
    for (int i = 0; i < count; i += 4) {
        int at = step_of_four(i, count);
        im2col_vector evens, odds;
        split_eight(src + 2 * at, &evens, &odds);
        memcpy(dst + at, &evens, sizeof evens);
    }
}

/* "Same" convolution (stride 1, output as large as the input): each tap's output plane is the
 * input plane shifted by (ky - pad) rows and (kx - pad) columns, so the valid rows are one
 * contiguous copy; only the few entries that wrapped across a row end are then zeroed. At 7x7 and
 * 14x14 this replaces dozens of tiny row copies per plane with one. */
static void im2col_same_plane(const float *src, int h, int w, int pad, int ky, int kx,
                              float *out) {
    int oy_lo = pad - ky > 0 ? pad - ky : 0;
    int oy_hi = h + pad - ky < h ? h + pad - ky : h;
    if (oy_lo >= oy_hi) {
        memset(out, 0, sizeof(float) * (size_t)h * w);
        return;
    }
    memset(out, 0, sizeof(float) * (size_t)oy_lo * w);
    memset(out + (size_t)oy_hi * w, 0, sizeof(float) * (size_t)(h - oy_hi) * w);
    int shift = kx - pad;
    /* block covers output rows [oy_lo, oy_hi) as input indices [start, start + count) */
    long start = (long)(oy_lo + ky - pad) * w + shift, count = (long)(oy_hi - oy_lo) * w;
    long first = start < 0 ? 0 : start;
    long last = start + count > (long)h * w ? (long)h * w : start + count;
    float *block = out + (size_t)oy_lo * w;
    if (first > start) memset(block, 0, sizeof(float) * (size_t)(first - start));
    memcpy(block + (first - start), src + first, sizeof(float) * (size_t)(last - first));
    if (start + count > last)
        memset(block + (last - start), 0, sizeof(float) * (size_t)(start + count - last));
    for (int r = 0; r < oy_hi - oy_lo; r++) {
        float *row = block + (size_t)r * w;
        if (shift > 0) {
            zero_few(row + w - shift, shift); /* shift <= pad < w */
        } else {
            zero_few(row, -shift < w ? -shift : w);
        }
    }
}

void im2col(const conv_geometry *geometry, const float *input, int first_image, int image_count,
            float *col) {
    const int taps = geometry->kernel_size * geometry->kernel_size;
    im2col_rows(geometry, input, first_image, image_count, 0, geometry->in_channels * taps, col);
}

void im2col_rows(const conv_geometry *geometry, const float *input, int first_image,
                 int image_count, int first_row, int end_row, float *col) {
    const int k = geometry->kernel_size, s = geometry->stride, pad = geometry->padding;
    const int h = geometry->in_height, w = geometry->in_width;
    const int oh = geometry->out_height, ow = geometry->out_width;
    const size_t plane = (size_t)h * w, out_plane = (size_t)oh * ow;
    const size_t columns = (size_t)image_count * out_plane;
    const float *input_end = input + (size_t)geometry->in_channels * geometry->batch * plane;
    for (int r = first_row; r < end_row; r++) {
        const int c = r / (k * k), ky = r / k % k, kx = r % k;
        const float *channel = input + ((size_t)c * geometry->batch + first_image) * plane;
        float *dst = col + (size_t)r * columns;
        if (s == 1 && oh == h && ow == w && pad < w) {
            for (int image = 0; image < image_count; image++)
                im2col_same_plane(channel + (size_t)image * plane, h, w, pad, ky, kx,
                                  dst + (size_t)image * out_plane);
            continue;
        }
        if (k == 1 && pad == 0 && s == 2) {
            /* the projection shortcuts: every even pixel of every even row, nothing to zero */
            for (int image = 0; image < image_count; image++) {
                const float *src = channel + (size_t)image * plane;
                float *out = dst + (size_t)image * out_plane;
                for (int oy = 0; oy < oh; oy++, out += ow)
                    gather_even(src + (size_t)2 * oy * w, ow, input_end, out);
            }
            continue;
        }
        int lo, hi;
        valid_span(w, ow, s, pad, kx, &lo, &hi);
        for (int image = 0; image < image_count; image++) {
            const float *src = channel + (size_t)image * plane;
            float *out = dst + (size_t)image * out_plane;
            for (int oy = 0; oy < oh; oy++, out += ow) {
                int iy = oy * s - pad + ky;
                if (iy < 0 || iy >= h || lo >= hi) {
                    memset(out, 0, sizeof(float) * (size_t)ow);
                    continue;
                }
                /* input column of output column lo; never before the row start */
                const float *in_row = src + (size_t)iy * w + (lo * s - pad + kx);
                zero_few(out, lo);
                if (s == 1) {
                    memcpy(out + lo, in_row, sizeof(float) * (size_t)(hi - lo));
                } else if (s == 2) {
                    /* the network's down-sampling convolutions */
                    gather_even(in_row, hi - lo, input_end, out + lo);
                } else {
                    for (int ox = lo; ox < hi; ox++) out[ox] = in_row[(ox - lo) * s];
                }
                zero_few(out + hi, ow - hi);
            }
        }
    }
}

/* ---- the padded layout (im2col.h) ---------------------------------------------------------- */

void padded_layout_init(padded_layout *layout, int height, int width, int pad, int row,
                        int image_count) {
    layout->height = height;
    layout->width = width;
    layout->pad = pad;
    layout->row = row > width + pad ? row : width + pad;
    layout->image_rows = height + pad;
    layout->lead = (size_t)pad * layout->row + pad;
    layout->grid = image_count > 0
                       ? ((size_t)(image_count - 1) * layout->image_rows + height) * layout->row
                       : 0;
    /* the last tap reads up to 2 * lead past the last grid position */
    layout->stride = (2 * layout->lead + layout->grid + 15) & ~(size_t)15;
}

void pad_planes(const padded_layout *layout, const float *tensor, int batch, int first_image,
                int image_count, int first_channel, int end_channel, float *padded) {
    const int h = layout->height, w = layout->width, p = layout->pad;
    const size_t plane = (size_t)h * w;
    for (int c = first_channel; c < end_channel; c++) {
        const float *src = tensor + ((size_t)c * batch + first_image) * plane;
        float *dst = padded + (size_t)(c - first_channel) * layout->stride;
        float *end = dst + layout->stride;
        zero_few(dst, (int)layout->lead);
        dst += layout->lead;
        for (int image = 0; image < image_count; image++) {
            for (int y = 0; y < h; y++, src += w, dst += layout->row) {
                copy_row(dst, src, w);
                zero_few(dst + w, layout->row - w);
            }
            if (image + 1 < image_count) {
                zero_few(dst, p * layout->row);
                dst += (size_t)p * layout->row;
            }
        }
        zero_few(dst, (int)(end - dst));
    }
}

void unpad_planes(const padded_layout *layout, const float *grid, size_t ld_grid, int batch,
                  int first_image, int image_count, int first_channel, int end_channel,
                  float *tensor) {
    const int h = layout->height, w = layout->width, p = layout->pad;
    const size_t plane = (size_t)h * w;
    for (int c = first_channel; c < end_channel; c++) {
        const float *src = grid + (size_t)(c - first_channel) * ld_grid;
        float *dst = tensor + ((size_t)c * batch + first_image) * plane;
        for (int image = 0; image < image_count; image++) {
            for (int y = 0; y < h; y++, src += layout->row, dst += w)
                copy_row(dst, src, w);
            src += (size_t)p * layout->row;
        }
    }
}

/* Each input row is read once and split into its even and odd columns, four of each a step
 * (step_of_four), which go to the two phases of that row parity (joined back by
 * interleave_row). */
static void deinterleave_row(const float *src, int width, float *even, float *odd) {
    if (width < 4) {
        for (int x = 0; x < width; x++) {
            even[x] = src[2 * x];
            odd[x] = src[2 * x + 1];
        }
        return;
    }
    for (int x = 0; x < width; x += 4) {
        int at = step_of_four(x, width);
        im2col_vector evens, odds;
        split_eight(src + 2 * at, &evens, &odds);
        memcpy(even + at, &evens, sizeof evens);
        memcpy(odd + at, &odds, sizeof odds);
    }
}

/* odd NULL: zeros between (the 1x1 shortcut's input gradient, col2im_1x1_set). Four pairs a
 * step (step_of_four). */
static void interleave_row(const float *even, const float *odd, int width, float *dst) {
    if (width < 4) {
        for (int x = 0; x < width; x++) {
            dst[2 * x] = even[x];
            dst[2 * x + 1] = odd != NULL ? odd[x] : 0.0f;
        }
        return;
    }
    for (int x = 0; x < width; x += 4) {
        int at = step_of_four(x, width);
        im2col_vector evens, odds = {0.0f, 0.0f, 0.0f, 0.0f};
        memcpy(&evens, even + at, sizeof evens);
        if (odd != NULL) memcpy(&odds, odd + at, sizeof odds);
        im2col_vector low = __builtin_shufflevector(evens, odds, 0, 4, 1, 5);
        im2col_vector high = __builtin_shufflevector(evens, odds, 2, 6, 3, 7);
        memcpy(dst + 2 * at, &low, sizeof low);
        memcpy(dst + 2 * at + 4, &high, sizeof high);
    }
}

void pad_phases(const padded_layout *layout, const float *tensor, int batch, int first_image,
                int image_count, int first_channel, int end_channel, float *padded) {
    const int h = layout->height, w = layout->width, p = layout->pad;
    const size_t in_width = 2 * (size_t)w, in_plane = 4 * (size_t)h * w;
    const size_t padding_rows = (size_t)p * layout->row;
    for (int c = first_channel; c < end_channel; c++) {
        const float *src = tensor + ((size_t)c * batch + first_image) * in_plane;
        float *phase[4];
        for (int k = 0; k < 4; k++) {
            phase[k] = padded + ((size_t)(c - first_channel) * 4 + k) * layout->stride;
            zero_few(phase[k], (int)layout->lead);
        }
        size_t at = layout->lead;
        for (int image = 0; image < image_count; image++) {
            /* the input rows in order, each pair split into the four phases: reading every
             * other row per pass fetched the lines two rows share twice */
            for (int y = 0; y < h; y++, src += 2 * in_width, at += layout->row) {
                deinterleave_row(src, w, phase[0] + at, phase[1] + at);
                deinterleave_row(src + in_width, w, phase[2] + at, phase[3] + at);
                for (int k = 0; k < 4; k++)
                    zero_few(phase[k] + at + w, layout->row - w);
            }
            if (image + 1 < image_count) {
                for (int k = 0; k < 4; k++) zero_few(phase[k] + at, (int)padding_rows);
                at += padding_rows;
            }
        }
        for (int k = 0; k < 4; k++) zero_few(phase[k] + at, (int)(layout->stride - at));
    }
}

void unpad_phases(const padded_layout *layout, const float *grid, size_t ld_grid, size_t ld_phase,
                  int batch, int first_image, int image_count, int first_channel, int end_channel,
                  float *tensor) {
    const int h = layout->height, w = layout->width, p = layout->pad;
    const size_t out_width = 2 * (size_t)w, out_plane = 4 * (size_t)h * w;
    for (int c = first_channel; c < end_channel; c++) {
        float *channel = tensor + ((size_t)c * batch + first_image) * out_plane;
        for (int py = 0; py < 2; py++) {
            /* the phases (py, 0) and (py, 1) interleave into the rows of parity py */
            const float *even = grid + 2 * py * ld_phase + (size_t)(c - first_channel) * ld_grid;
            const float *odd = even + ld_phase;
            for (int image = 0; image < image_count; image++) {
                float *dst = channel + (size_t)image * out_plane + py * out_width;
                for (int y = 0; y < h; y++, even += layout->row, odd += layout->row,
                         dst += 2 * out_width)
                    interleave_row(even, odd, w, dst);
                even += (size_t)p * layout->row;
                odd += (size_t)p * layout->row;
            }
        }
    }
}

void col2im_1x1_set(const conv_geometry *geometry, const float *col, int first_image,
                    int image_count, float *grad_input) {
    const int s = geometry->stride, h = geometry->in_height, w = geometry->in_width;
    const int oh = geometry->out_height, ow = geometry->out_width;
    const size_t plane = (size_t)h * w, columns = (size_t)image_count * oh * ow;
    for (int c = 0; c < geometry->in_channels; c++) {
        const float *values = col + (size_t)c * columns;
        float *channel = grad_input + ((size_t)c * geometry->batch + first_image) * plane;
        for (int image = 0; image < image_count; image++) {
            float *dst = channel + (size_t)image * plane;
            for (int iy = 0; iy < h; iy++, dst += w) {
                if (iy % s != 0 || iy / s >= oh) {
                    zero_few(dst, w);
                    continue;
                }
                const float *row = values + ((size_t)image * oh + iy / s) * ow;
                if (s == 1) {
                    memcpy(dst, row, sizeof(float) * (size_t)w);
                } else if (s == 2) {
                    /* an odd width ends on a sampled pixel with no gap after it */
                    interleave_row(row, NULL, w / 2, dst);
                    if (w % 2) dst[w - 1] = row[w / 2];
                } else {
                    for (int ix = 0; ix < w; ix++)
                        dst[ix] = ix % s == 0 && ix / s < ow ? row[ix / s] : 0.0f;
                }
            }
        }
    }
}

void col2im(const conv_geometry *geometry, const float *col, int first_image, int image_count,
            float *grad_input) {
    const int k = geometry->kernel_size, s = geometry->stride, pad = geometry->padding;
    const int h = geometry->in_height, w = geometry->in_width;
    const int oh = geometry->out_height, ow = geometry->out_width;
    const size_t plane = (size_t)h * w, out_plane = (size_t)oh * ow;
    const size_t columns = (size_t)image_count * out_plane;
    for (int c = 0; c < geometry->in_channels; c++) {
        float *channel = grad_input + ((size_t)c * geometry->batch + first_image) * plane;
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const float *src = col + ((size_t)(c * k + ky) * k + kx) * columns;
                int lo, hi;
                valid_span(w, ow, s, pad, kx, &lo, &hi);
                if (lo >= hi) continue;
                for (int image = 0; image < image_count; image++) {
                    float *dst = channel + (size_t)image * plane;
                    const float *in = src + (size_t)image * out_plane;
                    for (int oy = 0; oy < oh; oy++, in += ow) {
                        int iy = oy * s - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        float *out_row = dst + (size_t)iy * w + (lo * s - pad + kx);
                        if (s == 1) {
                            for (int ox = lo; ox < hi; ox++) out_row[ox - lo] += in[ox];
                        } else if (s == 2) {
                            const float *span = in + lo;
                            for (int i = 0; i < hi - lo; i++) out_row[2 * i] += span[i];
                        } else {
                            for (int ox = lo; ox < hi; ox++) out_row[(ox - lo) * s] += in[ox];
                        }
                    }
                }
            }
        }
    }
}
