/* image.h - bringing any image to the model input: decoding PNG/JPEG/BMP with stb_image,
 * centre-cropping to a square and resizing (area averaging when shrinking, bilinear when
 * enlarging) to size x size x channels bytes, HWC. */
#ifndef ICARL_DATA_IMAGE_H
#define ICARL_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

#define IMAGE_MAX_SIDE 16384 /* larger images are refused before decoding their pixels */

/* Decodes an encoded image into RGB or grey (channels_wanted 1 or 3); *pixels_out is malloc'd. */
icarl_status image_decode(const uint8_t *bytes, size_t size, int channels_wanted,
                          uint8_t **pixels_out, int *width_out, int *height_out);

/* Centre-crops `image` to a square, keeps the centre `fraction` (0 < fraction <= 1; 1 keeps it
 * whole) of the square's side, the middle of the picture where a person holds what they show the
 * camera, and resizes it to `size`, converting to `channels` (1 or 3; grey from RGB by ITU-R
 * BT.601 luma, RGB from grey by replication; alpha dropped). */
icarl_status image_prepare(const icarl_image *image, float fraction, int size, int channels,
                           uint8_t *out);

#endif
