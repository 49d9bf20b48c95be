/* test_augment.c - the batch builder: exact normalisation and (C, N, S, S) layout without
 * augmentation, identical batches for identical seeds, crops that shift content over black
 * padding, flips that mirror, and brightness that moves a whole image by one bounded offset. */
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "harness.h"

#define SIZE 8
#define CHANNELS 3
#define COUNT 64

static uint8_t pixels[COUNT][SIZE * SIZE * CHANNELS];
static const uint8_t *images[COUNT];

static void make_images(void) {
    uint32_t x = 2024;
    for (int i = 0; i < COUNT; i++) {
        for (int j = 0; j < SIZE * SIZE * CHANNELS; j++) {
            x = x * 1664525u + 1013904223u;
            pixels[i][j] = (uint8_t)(1 + (x >> 24) % 255); /* never 0: padding stays visible */
        }
        images[i] = pixels[i];
    }
}

static float expected_value(uint8_t byte) {
    return ((float)byte / 255.0f - PIXEL_MEAN) * PIXEL_SCALE;
}

/* Batch element (c, i, y, x). */
static float at(const float *batch, int count, int c, int i, int y, int x) {
    return batch[(((size_t)c * count + i) * SIZE + y) * SIZE + x];
}

static float source(int i, int c, int y, int x) {
    if (y < 0 || y >= SIZE || x < 0 || x >= SIZE) return expected_value(0);
    return expected_value(pixels[i][(y * SIZE + x) * CHANNELS + c]);
}

static int matches(const float *batch, int i, int dx, int dy, int flip) {
    for (int c = 0; c < CHANNELS; c++)
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                int sx = (flip ? SIZE - 1 - x : x) + dx;
                if (at(batch, COUNT, c, i, y, x) != source(i, c, y + dy, sx)) return 0;
            }
    return 1;
}

static void test_normalisation_exact(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    batch_from_images(images, COUNT, SIZE, CHANNELS, NULL, NULL, batch);
    int exact = 1;
    for (int i = 0; i < COUNT; i++) exact &= matches(batch, i, 0, 0, 0);
    CHECK(exact);
    /* The end points of the range. */
    uint8_t extremes[2] = {0, 255};
    const uint8_t *one[1] = {extremes};
    float two[2];
    batch_from_images(one, 1, 1, 2, NULL, NULL, two); /* a 1x1 image with two channels */
    CHECK_NEAR(two[0], -2.0, 1e-6);
    CHECK_NEAR(two[1], 2.0, 1e-6);
}

static void test_same_seed_same_batch(void) {
    static float a[CHANNELS * COUNT * SIZE * SIZE], b[CHANNELS * COUNT * SIZE * SIZE];
    augment_options options = {2, 1, 0.2f};
    random_state r1, r2;
    random_seed(&r1, 42, 7);
    random_seed(&r2, 42, 7);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r1, a);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r2, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(r1.state == r2.state); /* the same number of draws */
    random_seed(&r2, 43, 7);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r2, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
}

static void test_crop_shifts(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    const int padding = 2;
    augment_options options = {padding, 0, 0.0f};
    random_state random;
    random_seed(&random, 5, 1);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int seen[5][5] = {{0}};
    int all_explained = 1;
    for (int i = 0; i < COUNT; i++) {
        int found = 0;
        for (int dy = -padding; dy <= padding && !found; dy++)
            for (int dx = -padding; dx <= padding && !found; dx++)
                if (matches(batch, i, dx, dy, 0)) {
                    found = 1;
                    seen[dy + padding][dx + padding]++;
                }
        all_explained &= found;
    }
    CHECK_MESSAGE(all_explained, "an output is not a shifted copy over black padding");
    int distinct = 0, shifted = 0;
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++) {
            distinct += seen[y][x] > 0;
            if (y != padding || x != padding) shifted += seen[y][x];
        }
    CHECK_MESSAGE(distinct >= 15, "only %d distinct shifts in %d images", distinct, COUNT);
    CHECK(shifted > COUNT / 2);
}

static void test_flip_mirrors(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    batch_from_images_flipped(images, COUNT, SIZE, CHANNELS, batch);
    int mirrored = 1;
    for (int i = 0; i < COUNT; i++) mirrored &= matches(batch, i, 0, 0, 1);
    CHECK(mirrored);

    augment_options options = {0, 1, 0.0f};
    random_state random;
    random_seed(&random, 9, 3);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int flipped = 0, kept = 0, explained = 1;
    for (int i = 0; i < COUNT; i++) {
        if (matches(batch, i, 0, 0, 1)) flipped++;
        else if (matches(batch, i, 0, 0, 0)) kept++;
        else explained = 0;
    }
    CHECK(explained);
    CHECK_MESSAGE(flipped > COUNT / 4 && kept > COUNT / 4, "%d flipped, %d kept", flipped, kept);
}

static void test_brightness(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    const float b = 0.1f;
    augment_options options = {0, 0, b};
    random_state random;
    random_seed(&random, 11, 2);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int consistent = 1, brighter = 0, darker = 0;
    for (int i = 0; i < COUNT; i++) {
        /* Recover the offset from one unsaturated pixel, then check all pixels use it. */
        float offset = 0;
        int have = 0;
        for (int c = 0; c < CHANNELS; c++)
            for (int y = 0; y < SIZE; y++)
                for (int x = 0; x < SIZE; x++) {
                    float fraction = pixels[i][(y * SIZE + x) * CHANNELS + c] / 255.0f;
                    float got = at(batch, COUNT, c, i, y, x) / PIXEL_SCALE + PIXEL_MEAN;
                    if (fraction > 0.15f && fraction < 0.85f) {
                        if (!have) {
                            offset = got - fraction;
                            have = 1;
                        }
                        consistent &= fabsf(got - fraction - offset) < 1e-5f;
                    } else {
                        consistent &= got >= -1e-6f && got <= 1.0f + 1e-6f;
                    }
                }
        consistent &= have && fabsf(offset) <= b + 1e-5f;
        brighter += offset > 0.01f;
        darker += offset < -0.01f;
    }
    CHECK(consistent);
    CHECK(brighter > COUNT / 4 && darker > COUNT / 4);
}

int main(void) {
    make_images();
    RUN(test_normalisation_exact);
    RUN(test_same_seed_same_batch);
    RUN(test_crop_shifts);
    RUN(test_flip_mirrors);
    RUN(test_brightness);
    return HARNESS_RESULT();
}
