/* augment.h - turning stored uint8 images into a network input batch: normalisation to floats,
 * and for training the augmentations: random crop after zero padding, horizontal flip and
 * brightness jitter (the benchmark's), and those a hand-held camera needs (a random resized
 * crop, small rotations, contrast and saturation jitter, slight blur, pixel noise). Output is
 * (C, N, S, S), the layout the ResNet reads. */
#ifndef ICARL_DATA_AUGMENT_H
#define ICARL_DATA_AUGMENT_H

#include <stdint.h>

#include "core/random.h"

/* float value = (byte / 255 - 0.5) / 0.25: inputs roughly in [-2, 2]. */
#define PIXEL_MEAN 0.5f
#define PIXEL_SCALE 4.0f

/* Every option at 0 is off. */
typedef struct augment_options {
    int crop_padding;  /* shift the content by up to this many pixels over black padding */
    int flip;          /* 1 = flip half of the images */
    float brightness;  /* add uniform(-b, b) * full scale per image */
    float zoom;        /* random resized crop: a window of (1 - zoom)..1 of the image's area, of
                        * aspect 3:4..4:3, anywhere inside it, resized back (bilinear) */
    float rotation;    /* rotate by uniform(-r, r) degrees about the window's centre */
    float contrast;    /* scale deviations from the image's mean grey by uniform(1-c, 1+c) */
    float saturation;  /* scale deviations from each pixel's grey by uniform(1-s, 1+s) */
    float blur;        /* the probability of a slight blur (a [1 2 1]/4 kernel both ways) */
    float noise;       /* add Gaussian noise of standard deviation uniform(0, noise) * full
                        * scale per image */
} augment_options;

/* images[i] points at a size*size*channels HWC byte image; writes input (channels, count, size,
 * size) at batch position i. random may be NULL only when options is NULL (no augmentation). */
void batch_from_images(const uint8_t *const *images, int count, int size, int channels,
                       const augment_options *options, random_state *random, float *input);

/* The same image mirrored left-right, for class means that average flipped copies. */
void batch_from_images_flipped(const uint8_t *const *images, int count, int size, int channels,
                               float *input);

#endif
