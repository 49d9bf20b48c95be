/* learner_fixture.h - a tiny learner and images made at its model size, shared by the tests of
 * the incremental step. Images are grey FIXTURE_SIDE x FIXTURE_SIDE: a class-specific bright
 * square under strong noise, so images of a class resemble each other, no two are alike (herding
 * has no ties to break) and none is mirror-symmetric (a flipped copy has other features). At
 * model size the engine's centre crop and resize keep them byte for byte, so a test can find a
 * stored image among the ones it made. */
#ifndef ICARL_TEST_LEARNER_FIXTURE_H
#define ICARL_TEST_LEARNER_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"

#define FIXTURE_SIDE 8
#define FIXTURE_BYTES (FIXTURE_SIDE * FIXTURE_SIDE)

/* ResNet-8 of width 4 on 8x8x1, batches of 8, augmentation on (the step must still feed its
 * loss the targets of the stored, unaugmented images). */
static inline icarl_config fixture_config(int method, int loss, int memory, int epochs) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.input_size = FIXTURE_SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 8;
    config.epochs = epochs;
    config.memory = memory;
    config.learning_rate = 0.05f;
    config.crop_padding = 1;
    config.method = method;
    config.loss = loss;
    return config;
}

/* `count` images of class c (any c >= 0) into pixels (count * FIXTURE_BYTES); the same seed
 * gives the same images. */
static inline void fixture_images(int c, int count, uint64_t seed, uint8_t *pixels) {
    random_state random;
    random_seed(&random, seed, 1000 + (uint64_t)c);
    int x0 = (c * 3) % (FIXTURE_SIDE - 3), y0 = (c * 5) % (FIXTURE_SIDE - 3);
    for (int i = 0; i < count; i++)
        for (int y = 0; y < FIXTURE_SIDE; y++)
            for (int x = 0; x < FIXTURE_SIDE; x++) {
                int inside = x >= x0 && x < x0 + 4 && y >= y0 && y < y0 + 4;
                int value = (inside ? 190 : 60) + (int)random_below(&random, 101) - 50;
                pixels[(size_t)i * FIXTURE_BYTES + y * FIXTURE_SIDE + x] = (uint8_t)value;
            }
}

/* Adds `count` fixture images of class c under `name`; pixels_out (may be NULL) gets a copy. */
static inline void fixture_add(icarl_learner *learner, const char *name, int c, int count,
                               uint64_t seed, uint8_t *pixels_out) {
    uint8_t *pixels = malloc((size_t)count * FIXTURE_BYTES);
    icarl_image *images = malloc(sizeof *images * (size_t)count);
    fixture_images(c, count, seed, pixels);
    for (int i = 0; i < count; i++)
        images[i] = (icarl_image){pixels + (size_t)i * FIXTURE_BYTES, FIXTURE_SIDE,
                                  FIXTURE_SIDE, 1};
    CHECK(icarl_add_examples(learner, name, images, count) == ICARL_OK);
    if (pixels_out != NULL) memcpy(pixels_out, pixels, (size_t)count * FIXTURE_BYTES);
    free(images);
    free(pixels);
}

#endif
