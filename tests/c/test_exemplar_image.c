/* test_exemplar_image.c - icarl_exemplar_image, which the page's Experiment mode uses to show
 * what herding chose: it returns the stored exemplars in priority order, byte for byte, each one
 * of the images the class was given, and refuses every out-of-range argument without writing. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "icarl.h"

#define SIDE 8
#define PER_CLASS 12

/* Grey SIDE x SIDE images, already at model size so the stored bytes equal the given ones:
 * class c, image i has a distinct flat value plus a class-specific stripe. */
static void make_image(int c, int i, uint8_t *pixels) {
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            pixels[y * SIDE + x] = (uint8_t)(x == 2 + 3 * c ? 250 : 10 + 7 * i + 90 * c);
}

static icarl_learner *trained(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 8;
    config.epochs = 1;
    config.memory = 10; /* m = 5 per class after one step of two classes */
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    static uint8_t pixels[2][PER_CLASS][SIDE * SIDE];
    for (int c = 0; c < 2; c++) {
        icarl_image images[PER_CLASS];
        for (int i = 0; i < PER_CLASS; i++) {
            make_image(c, i, pixels[c][i]);
            images[i] = (icarl_image){pixels[c][i], SIDE, SIDE, 1};
        }
        CHECK(icarl_add_examples(learner, c == 0 ? "zero" : "one", images, PER_CLASS) == ICARL_OK);
    }
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

static void test_exemplars_are_given_images(void) {
    icarl_learner *learner = trained();
    for (int c = 0; c < 2; c++) {
        icarl_class_info info;
        CHECK(icarl_class_info_get(learner, c, &info) == ICARL_OK);
        CHECK(info.exemplars == 5);
        int seen[PER_CLASS] = {0};
        for (int rank = 0; rank < info.exemplars; rank++) {
            uint8_t out[SIDE * SIDE];
            CHECK(icarl_exemplar_image(learner, c, rank, out, sizeof out) == ICARL_OK);
            int match = -1;
            for (int i = 0; i < PER_CLASS; i++) {
                uint8_t expected[SIDE * SIDE];
                make_image(c, i, expected);
                if (memcmp(out, expected, sizeof out) == 0) match = i;
            }
            CHECK_MESSAGE(match >= 0, "class %d rank %d is not one of its images", c, rank);
            if (match >= 0) {
                CHECK_MESSAGE(!seen[match], "class %d: image %d chosen twice", c, match);
                seen[match] = 1;
            }
        }
    }
    icarl_destroy(learner);
}

static void test_refuses_bad_arguments(void) {
    icarl_learner *learner = trained();
    uint8_t out[SIDE * SIDE + 1];
    memset(out, 0xab, sizeof out);
    CHECK(icarl_exemplar_image(NULL, 0, 0, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, 0, 0, NULL, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, -1, 0, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, 2, 0, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, 0, -1, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, 0, 5, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(learner, 0, 0, out, SIDE * SIDE - 1) == ICARL_ERROR_INVALID_ARGUMENT);
    int untouched = 1;
    for (size_t i = 0; i < sizeof out; i++) untouched &= out[i] == 0xab;
    CHECK_MESSAGE(untouched, "a refused call wrote into the buffer");
    /* A larger buffer is fine; only the image's bytes are written. */
    CHECK(icarl_exemplar_image(learner, 1, 4, out, sizeof out) == ICARL_OK);
    CHECK(out[SIDE * SIDE] == 0xab);
    icarl_destroy(learner);
}

static void test_pending_images_are_not_exemplars(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.input_size = SIDE;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    uint8_t pixels[SIDE * SIDE];
    make_image(0, 0, pixels);
    icarl_image image = {pixels, SIDE, SIDE, 1};
    CHECK(icarl_add_examples(learner, "zero", &image, 1) == ICARL_OK);
    uint8_t out[SIDE * SIDE];
    CHECK(icarl_exemplar_image(learner, 0, 0, out, sizeof out) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

int main(void) {
    RUN(test_exemplars_are_given_images);
    RUN(test_refuses_bad_arguments);
    RUN(test_pending_images_are_not_exemplars);
    return HARNESS_RESULT();
}
