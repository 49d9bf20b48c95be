/* augment.c - stored uint8 HWC images to the (C, N, S, S) float batch the network reads, with
 * the training augmentations (random crop after zero padding, horizontal flip, brightness
 * jitter). Randomness comes only from the caller's random_state; nothing here allocates. */
#include "data/augment.h"

#include <stddef.h>

/* What happens to one image: a shift of the content (the crop window's offset from the centre
 * of the padded image), an optional mirror, and a brightness offset in units of full scale. */
typedef struct transform {
    int dx, dy;
    int flip;
    float brightness;
} transform;

static float normalise(float fraction) {
    return (fraction - PIXEL_MEAN) * PIXEL_SCALE;
}

/* Output (x, y) shows source (x + dx, y + dy) of the (possibly mirrored) image; positions
 * outside it are the zero padding, i.e. black (byte 0), as torchvision's RandomCrop pads. */
static void write_image(const uint8_t *image, int size, int channels, const transform *t,
                        const float *table, size_t plane, float *out) {
    for (int c = 0; c < channels; c++) {
        float *o = out + (size_t)c * plane;
        for (int y = 0; y < size; y++) {
            int sy = y + t->dy;
            for (int x = 0; x < size; x++) {
                int sx = (t->flip ? size - 1 - x : x) + t->dx;
                uint8_t byte = 0;
                if (sy >= 0 && sy < size && sx >= 0 && sx < size)
                    byte = image[((size_t)sy * size + sx) * channels + c];
                float value;
                if (t->brightness == 0.0f) {
                    value = table[byte];
                } else {
                    /* Clamped like a real brighter or darker picture, which saturates. */
                    float fraction = (float)byte / 255.0f + t->brightness;
                    if (fraction < 0.0f) fraction = 0.0f;
                    if (fraction > 1.0f) fraction = 1.0f;
                    value = normalise(fraction);
                }
                o[(size_t)y * size + x] = value;
            }
        }
    }
}

static void build_table(float table[256]) {
    for (int b = 0; b < 256; b++) table[b] = normalise((float)b / 255.0f);
}

void batch_from_images(const uint8_t *const *images, int count, int size, int channels,
                       const augment_options *options, random_state *random, float *input) {
    if (!images || !input || count <= 0 || size <= 0 || channels <= 0) return;
    if (!random) options = NULL; /* documented as a caller error; degrade to no augmentation */
    float table[256];
    build_table(table);
    const size_t image_plane = (size_t)size * size;
    const size_t channel_plane = image_plane * (size_t)count; /* (C, N, S, S): c strides N*S*S */
    for (int i = 0; i < count; i++) {
        transform t = {0, 0, 0, 0.0f};
        /* Always the same draws in the same order per image: crop (dx, dy), flip, brightness,
         * so one seed gives one batch. */
        if (options) {
            int padding = options->crop_padding;
            if (padding > 0) {
                uint32_t range = 2u * (uint32_t)padding + 1u;
                t.dx = (int)random_below(random, range) - padding;
                t.dy = (int)random_below(random, range) - padding;
            }
            if (options->flip) t.flip = (int)random_below(random, 2);
            if (options->brightness > 0.0f)
                t.brightness = (2.0f * random_uniform(random) - 1.0f) * options->brightness;
        }
        if (!images[i]) continue;
        write_image(images[i], size, channels, &t, table, channel_plane,
                    input + (size_t)i * image_plane);
    }
}

void batch_from_images_flipped(const uint8_t *const *images, int count, int size, int channels,
                               float *input) {
    if (!images || !input || count <= 0 || size <= 0 || channels <= 0) return;
    float table[256];
    build_table(table);
    const size_t image_plane = (size_t)size * size;
    const size_t channel_plane = image_plane * (size_t)count;
    const transform t = {0, 0, 1, 0.0f};
    for (int i = 0; i < count; i++) {
        if (!images[i]) continue;
        write_image(images[i], size, channels, &t, table, channel_plane,
                    input + (size_t)i * image_plane);
    }
}
