/* fuzz_image.c - libFuzzer target for image decoding (image_decode: stb_image behind the
 * engine's header checks) and image_prepare (centre crop, also to a fraction of the square, +
 * resize + channel conversion).
 * Two uses of one input: the whole input as an encoded file, decoded and prepared at two model
 * sizes; and, when it starts with the raw marker 'R', a raw pixel buffer of fuzzer-chosen
 * shape, prepared directly (the shape never exceeds the bytes given). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image.h"

static uint8_t image_output[64 * 64 * 3];

static void image_prepare_all(const icarl_image *image) {
    static const int sizes[] = {4, 28, 64};
    for (int s = 0; s < 3; s++)
        for (int channels = 1; channels <= 3; channels += 2)
            if (image_prepare(image, 1.0f, sizes[s], channels, image_output) != ICARL_OK) {
                fprintf(stderr, "fuzz_image: prepare refused a valid %dx%dx%d image\n",
                        image->width, image->height, image->channels);
                abort();
            }
    /* A centre fraction down to the smallest a learner takes: the cut square is never empty and
     * never read outside the image. */
    static const float fractions[] = {0.25f, 0.85f};
    for (int f = 0; f < 2; f++)
        if (image_prepare(image, fractions[f], 28, 3, image_output) != ICARL_OK) {
            fprintf(stderr, "fuzz_image: prepare refused a valid %dx%dx%d image at %g\n",
                    image->width, image->height, image->channels, (double)fractions[f]);
            abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 4 && data[0] == 'R') {
        /* Raw: 'R', width, height, channels selector, then pixels. */
        int width = data[1] % 64 + 1, height = data[2] % 64 + 1;
        static const int channel_choices[3] = {1, 3, 4};
        int channels = channel_choices[data[3] % 3];
        size_t needed = (size_t)width * height * channels;
        if (size - 4 >= needed) {
            icarl_image image = {data + 4, width, height, channels};
            image_prepare_all(&image);
        }
        return 0;
    }
    int channels = (size & 1) ? 1 : 3;
    uint8_t *pixels = NULL;
    int width = 0, height = 0;
    icarl_status status = image_decode(data, size, channels, &pixels, &width, &height);
    if (status != ICARL_OK) {
        if (pixels != NULL) {
            fprintf(stderr, "fuzz_image: a refused image left pixels behind\n");
            abort();
        }
        return 0;
    }
    if (width < 1 || height < 1 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) {
        fprintf(stderr, "fuzz_image: decoded size %dx%d out of range\n", width, height);
        abort();
    }
    /* Touch every pixel byte so ASan sees a buffer shorter than its declared size. */
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < (size_t)width * height * channels; i++) sum += pixels[i];
    (void)sum;
    /* Resizing a huge image per input is slow and not what is fuzzed: keep to modest ones. */
    if ((size_t)width * height <= 1 << 20) {
        icarl_image image = {pixels, width, height, channels};
        image_prepare_all(&image);
    }
    free(pixels);
    return 0;
}
