/* augment.h - turning stored uint8 images into a network input batch: normalisation to floats,
 * and for training the augmentations (random crop after zero padding, horizontal flip,
 * brightness jitter). Output is (C, N, S, S), the layout the ResNet reads. */
#ifndef ICARL_DATA_AUGMENT_H
#define ICARL_DATA_AUGMENT_H

#include <stdint.h>

#include "core/random.h"

/* float value = (byte / 255 - 0.5) / 0.25: inputs roughly in [-2, 2]. */
#define PIXEL_MEAN 0.5f
#define PIXEL_SCALE 4.0f

typedef struct augment_options {
    int crop_padding;  /* 0 = no crop */
    int flip;          /* 1 = flip half of the images */
    float brightness;  /* 0 = none; else add uniform(-b, b) * full scale per image */
} augment_options;

/* images[i] points at a size*size*channels HWC byte image; writes input (channels, count, size,
 * size) at batch position i. random may be NULL only when options is NULL (no augmentation). */
void batch_from_images(const uint8_t *const *images, int count, int size, int channels,
                       const augment_options *options, random_state *random, float *input);

/* The same image mirrored left-right, for class means that average flipped copies. */
void batch_from_images_flipped(const uint8_t *const *images, int count, int size, int channels,
                               float *input);

#endif
