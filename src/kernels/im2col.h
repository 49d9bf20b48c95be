/* im2col.h - the lowering that turns a convolution into one GEMM, and its adjoint.
 *
 * Activations are stored channel-major, batch inside: (C, N, H, W). A convolution over a range
 * of images [first_image, first_image + image_count) then reads, for output column j (one
 * output pixel of one image) and row r = (c, ky, kx), the input pixel under kernel tap (ky, kx)
 * of channel c, or 0 in the padding. */
#ifndef ICARL_KERNELS_IM2COL_H
#define ICARL_KERNELS_IM2COL_H

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

/* The same restricted to input channels [first_channel, end_channel): only their col rows (or
 * grad_input planes) are touched, so disjoint channel ranges can run on different threads. */
void im2col_channels(const conv_geometry *geometry, const float *input, int first_image,
                     int image_count, int first_channel, int end_channel, float *col);
void col2im_channels(const conv_geometry *geometry, const float *col, int first_image,
                     int image_count, int first_channel, int end_channel, float *grad_input);

#endif
