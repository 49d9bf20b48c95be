/* im2col.h - the lowering that turns a convolution into one GEMM, and its adjoint.
 *
 * Activations are stored channel-major, batch inside: (C, N, H, W). A convolution over a range
 * of images [first_image, first_image + image_count) then reads, for output column j (one
 * output pixel of one image) and row r = (c, ky, kx), the input pixel under kernel tap (ky, kx)
 * of channel c, or 0 in the padding. */
#ifndef ICARL_KERNELS_IM2COL_H
#define ICARL_KERNELS_IM2COL_H

#include <stddef.h>

typedef struct conv_geometry {
    int batch;                       /* N: images in the whole tensor */
    int in_channels, in_height, in_width;
    int out_channels;
    int kernel_size, stride, padding;
    int out_height, out_width;       /* derived by conv_geometry_init */
} conv_geometry;

void conv_geometry_init(conv_geometry *geometry, int batch, int in_channels, int in_height,
                        int in_width, int out_channels, int kernel_size, int stride, int padding);

/* input is (C_in, N, H, W); col is (C_in * k * k, image_count * H_out * W_out), row-major. */
void im2col(const conv_geometry *geometry, const float *input, int first_image, int image_count,
            float *col);

/* Adjoint of im2col: adds each col entry back into the input pixel it was read from.
 * grad_input is (C_in, N, H, W); only the images of the range are touched (accumulated). */
void col2im(const conv_geometry *geometry, const float *col, int first_image, int image_count,
            float *grad_input);

/* For a 1x1 kernel without padding, where every input pixel is read by at most one col column:
 * col2im written rather than added, so the range's images need no zeroing first. Every pixel of
 * them is set: the sampled ones (oy * stride, ox * stride) to their col value, the rest to 0. */
void col2im_1x1_set(const conv_geometry *geometry, const float *col, int first_image,
                    int image_count, float *grad_input);

/* im2col restricted to col rows [first_row, end_row), row = (c * k + ky) * k + kx: only they are
 * written (at their own place in col), so disjoint row ranges can run on different threads,
 * however few input channels there are (a stem has 1 or 3). */
void im2col_rows(const conv_geometry *geometry, const float *input, int first_image,
                 int image_count, int first_row, int end_row, float *col);

/* The zero-padded layout of a "same" convolution (stride 1, odd kernel k, padding p = (k-1)/2,
 * output as large as the input), in which every kernel tap is one shift of the whole chunk:
 * pixel (image n of the chunk, y, x) of a channel sits at
 *     lead + (n * (height + p) + y) * row + x,   row >= width + p,  lead = p * row + p,
 * with zeros in the row - width columns after each row, the p rows after each image and before
 * the first. row = width + p is the tightest; a wider row can align each row of the grid to the
 * GEMM's column tiles so that whole tiles fall in the padding and are skipped (conv2d.c).
 * Output position q of the same grid (q = (n * (height + p) + y) * row + x, q < grid) then reads
 * tap (ky, kx) at q + ky * row + kx, never outside the channel's `stride` floats and never an
 * other image's pixel. Grid positions with x >= width or y >= height are padding: outputs there
 * are garbage and dropped by unpad_planes. About (1 + p/h)(1 + p/w) times the pixels, where
 * im2col writes k*k times them. */
typedef struct padded_layout {
    int height, width, pad;
    int row;        /* width + pad or more */
    int image_rows; /* height + pad */
    size_t lead;    /* pad * row + pad: zeros before the first pixel */
    size_t grid;    /* output positions of a chunk: the last image's trailing rows dropped */
    size_t stride;  /* floats per channel, a multiple of 16 */
} padded_layout;

/* row < width + pad means the tightest, width + pad. */
void padded_layout_init(padded_layout *layout, int height, int width, int pad, int row,
                        int image_count);

/* Channels [first_channel, end_channel) of images [first_image, first_image + image_count) of a
 * (C, batch, height, width) tensor into the layout, channel c at padded + (c - first_channel) *
 * stride, padding zeroed. */
void pad_planes(const padded_layout *layout, const float *tensor, int batch, int first_image,
                int image_count, int first_channel, int end_channel, float *padded);

/* The inverse for grid values: channel c's grid at grid + (c - first_channel) * ld_grid
 * (position q at index q) into the tensor's pixels; the padding positions are skipped. */
void unpad_planes(const padded_layout *layout, const float *grid, size_t ld_grid, int batch,
                  int first_image, int image_count, int first_channel, int end_channel,
                  float *tensor);

/* Stride-2 convolutions with a 3x3 kernel and padding 1 over an even-sized input become "same"
 * convolutions over the input's four phases: phase (py, px) is the (height/2, width/2) image of
 * the pixels (2a + py, 2b + px), and output (oy, ox) reads tap (ky, kx) from phase (ky != 1,
 * kx != 1) at (oy - (ky == 0), ox - (kx == 0)): a shift of 0 or -1, which the padded layout of
 * the output's size (pad 1) turns into a plain offset, as for stride 1. The input gradient splits
 * the same way: each phase is a small "same" convolution of the output gradient with 1, 2 or 4
 * of the taps. layout is the padded layout of one phase (= of the output); channel c's four
 * phases sit at padded + (c - first_channel) * 4 * stride + phase * stride, phase = 2 py + px. */
void pad_phases(const padded_layout *layout, const float *tensor, int batch, int first_image,
                int image_count, int first_channel, int end_channel, float *padded);

/* The inverse for four phase grids: phase p of channel c at grid + p * ld_phase + (c -
 * first_channel) * ld_grid, written to the pixels (2a + py, 2b + px) of the tensor (height and
 * width twice the layout's). */
void unpad_phases(const padded_layout *layout, const float *grid, size_t ld_grid, size_t ld_phase,
                  int batch, int first_image, int image_count, int first_channel, int end_channel,
                  float *tensor);

#endif
