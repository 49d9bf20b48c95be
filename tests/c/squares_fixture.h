/* squares_fixture.h - a small learnable problem for the tests that train and compare learners:
 * class c (0..3) is a square of a class-specific colour and position on a noisy background, drawn
 * at 16x16 RGBA so the engine has to resize it to the 12x12x3 model input of a ResNet-8 of width
 * 4. A few epochs separate the classes; checkpoints of such learners are compared byte for byte. */
#ifndef ICARL_TEST_SQUARES_FIXTURE_H
#define ICARL_TEST_SQUARES_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"

#define SQUARES_SIDE 12

static inline void square_image(int c, random_state *random, uint8_t *rgba) {
    static const uint8_t colours[4][3] = {
        {220, 40, 40}, {40, 200, 60}, {50, 60, 230}, {230, 220, 40}};
    int x0 = (c % 2) * 8, y0 = (c / 2) * 8;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            uint8_t *p = rgba + (y * 16 + x) * 4;
            int inside = x >= x0 && x < x0 + 8 && y >= y0 && y < y0 + 8;
            for (int k = 0; k < 3; k++) {
                int noise = (int)random_below(random, 60) - 30;
                int value = (inside ? colours[c][k] : 100) + noise;
                p[k] = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
            }
            p[3] = 255;
        }
}

/* `count` images of class c; *storage holds their pixels. Free both. */
static inline icarl_image *square_images(int c, int count, uint64_t seed, uint8_t **storage) {
    random_state random;
    random_seed(&random, seed, (uint64_t)c);
    *storage = malloc((size_t)count * 16 * 16 * 4);
    icarl_image *images = malloc(sizeof *images * count);
    for (int i = 0; i < count; i++) {
        square_image(c, &random, *storage + (size_t)i * 16 * 16 * 4);
        images[i] = (icarl_image){*storage + (size_t)i * 16 * 16 * 4, 16, 16, 4};
    }
    return images;
}

static inline icarl_config squares_config(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = SQUARES_SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 16;
    config.epochs = 6;
    config.memory = 20;
    config.learning_rate = 0.05f;
    config.crop_padding = 1;
    return config;
}

static inline void add_squares(icarl_learner *learner, const char *name, int c, int count,
                               uint64_t seed) {
    uint8_t *storage;
    icarl_image *images = square_images(c, count, seed, &storage);
    CHECK(icarl_add_examples(learner, name, images, count) == ICARL_OK);
    free(images);
    free(storage);
}

/* Fraction of fresh images of the first `classes` classes classified as their class. */
static inline double squares_accuracy(icarl_learner *learner, int classes, int per_class) {
    int correct = 0, total = 0;
    for (int c = 0; c < classes; c++) {
        uint8_t *storage;
        icarl_image *images = square_images(c, per_class, 999, &storage);
        for (int i = 0; i < per_class; i++) {
            int32_t label = -1;
            CHECK(icarl_classify(learner, &images[i], &label, NULL, NULL) == ICARL_OK);
            correct += label == c;
            total++;
        }
        free(images);
        free(storage);
    }
    return (double)correct / total;
}

/* A learner of squares_config trained on red and green (30 images each) in one step, by `method`
 * (an icarl_method). */
static inline icarl_learner *trained_two_classes_by(int method) {
    icarl_config config = squares_config();
    config.method = method;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    add_squares(learner, "red", 0, 30, 1);
    add_squares(learner, "green", 1, 30, 1);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

/* The same by iCaRL. */
static inline icarl_learner *trained_two_classes(void) {
    return trained_two_classes_by(ICARL_METHOD_ICARL);
}

static inline uint8_t *save_bytes(icarl_learner *learner, size_t *size) {
    uint8_t *bytes = NULL;
    CHECK(icarl_save(learner, &bytes, size) == ICARL_OK);
    return bytes;
}

/* 1 when the two learners save to the same bytes. */
static inline int same_bytes(icarl_learner *a, icarl_learner *b) {
    size_t size_a, size_b;
    uint8_t *bytes_a = save_bytes(a, &size_a), *bytes_b = save_bytes(b, &size_b);
    int same = size_a == size_b && memcmp(bytes_a, bytes_b, size_a) == 0;
    icarl_free(bytes_a);
    icarl_free(bytes_b);
    return same;
}

#endif
