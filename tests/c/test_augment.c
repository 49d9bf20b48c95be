/* test_augment.c - the batch builder: exact normalisation and (C, N, S, S) layout without
 * augmentation, identical batches for identical seeds, crops that shift content over black
 * padding, flips that mirror, and brightness that moves a whole image by one bounded offset;
 * and the camera augmentations, each by what it does to pixels: a resized crop magnifies a ramp
 * by a bounded factor, a rotation turns it by a bounded angle, contrast and saturation scale
 * deviations from grey by one bounded factor per image, blur spreads a point by [1 2 1]/4 both
 * ways, noise has a bounded spread; and all of them together are deterministic under a seed. */
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
    augment_options options = {.crop_padding = 2, .flip = 1, .brightness = 0.2f};
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
    augment_options options = {.crop_padding = padding};
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

    augment_options options = {.flip = 1};
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
    augment_options options = {.brightness = b};
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

/* ---- camera augmentations ------------------------------------------------------------------ */

static float fraction_at(const float *batch, int c, int i, int y, int x) {
    return at(batch, COUNT, c, i, y, x) / PIXEL_SCALE + PIXEL_MEAN;
}

static uint8_t ramp[SIZE * SIZE * CHANNELS];
static const uint8_t *ramps[COUNT];

/* Every image a horizontal ramp: value 20 + 25 x in every channel and row. */
static void make_ramps(void) {
    for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++)
            for (int c = 0; c < CHANNELS; c++) ramp[(y * SIZE + x) * CHANNELS + c] = (uint8_t)(20 + 25 * x);
    for (int i = 0; i < COUNT; i++) ramps[i] = ramp;
}

static void test_zoom_magnifies(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    augment_options options = {.zoom = 0.6f};
    random_state random;
    random_seed(&random, 21, 1);
    make_ramps();
    batch_from_images(ramps, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int rows_equal = 1, linear = 1, bounded = 1, zoomed = 0;
    for (int i = 0; i < COUNT; i++) {
        /* A window of width w (a fraction of the side) shows the ramp at w times its slope: w is
         * sqrt(area * ratio), with area >= 0.4 and ratio >= 3/4, so w >= 0.547. */
        float slope = (fraction_at(batch, 0, i, 0, SIZE - 2) - fraction_at(batch, 0, i, 0, 1)) /
                      (float)(SIZE - 3) * 255.0f / 25.0f;
        bounded &= slope > 0.54f && slope < 1.0001f;
        zoomed += slope < 0.9f;
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                rows_equal &= fabsf(fraction_at(batch, 1, i, y, x) - fraction_at(batch, 1, i, 0, x)) < 1e-6f;
                if (x >= 1 && x <= SIZE - 2) {
                    float step = fraction_at(batch, 0, i, y, x) - fraction_at(batch, 0, i, y, x - 1);
                    linear &= x == 1 || fabsf(step - slope * 25.0f / 255.0f) < 1e-4f;
                }
            }
    }
    CHECK(rows_equal);
    CHECK(linear);
    CHECK(bounded);
    CHECK_MESSAGE(zoomed > COUNT / 4, "only %d of %d images zoomed in", zoomed, COUNT);
}

static void test_rotation_turns(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    const float degrees = 20.0f;
    augment_options options = {.rotation = degrees};
    random_state random;
    random_seed(&random, 22, 1);
    make_ramps();
    batch_from_images(ramps, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int bounded = 1, clockwise = 0, anticlockwise = 0;
    for (int i = 0; i < COUNT; i++) {
        /* Near the centre the rotated ramp's gradient is 25 (cos a, -sin a) per pixel. */
        float along_x = fraction_at(batch, 2, i, 3, 4) - fraction_at(batch, 2, i, 3, 3);
        float along_y = fraction_at(batch, 2, i, 4, 3) - fraction_at(batch, 2, i, 3, 3);
        float angle = atan2f(-along_y, along_x) * 57.29578f;
        float length = sqrtf(along_x * along_x + along_y * along_y) * 255.0f;
        bounded &= fabsf(angle) <= degrees + 0.01f && fabsf(length - 25.0f) < 0.01f;
        clockwise += angle > 5.0f;
        anticlockwise += angle < -5.0f;
    }
    CHECK(bounded);
    CHECK_MESSAGE(clockwise > COUNT / 4 && anticlockwise > COUNT / 4, "%d and %d turned",
                  clockwise, anticlockwise);
}

/* Images with every value in 0.3..0.7 of full scale, so a factor up to 1.5 never clamps. */
static void make_mid_images(uint8_t grey_only) {
    uint32_t x = 77;
    for (int i = 0; i < COUNT; i++) {
        for (int p = 0; p < SIZE * SIZE; p++)
            for (int c = 0; c < CHANNELS; c++) {
                if (c == 0 || !grey_only) x = x * 1664525u + 1013904223u;
                pixels[i][p * CHANNELS + c] = (uint8_t)(77 + (x >> 24) % 102);
            }
        images[i] = pixels[i];
    }
}

static float grey_of(const float *batch, int i, int y, int x) {
    return 0.299f * fraction_at(batch, 0, i, y, x) + 0.587f * fraction_at(batch, 1, i, y, x) +
           0.114f * fraction_at(batch, 2, i, y, x);
}

static float source_fraction(int i, int c, int y, int x) {
    return pixels[i][(y * SIZE + x) * CHANNELS + c] / 255.0f;
}

static float source_grey(int i, int y, int x) {
    return 0.299f * source_fraction(i, 0, y, x) + 0.587f * source_fraction(i, 1, y, x) +
           0.114f * source_fraction(i, 2, y, x);
}

static void test_contrast_scales_around_the_mean(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    augment_options options = {.contrast = 0.5f};
    random_state random;
    random_seed(&random, 23, 1);
    make_mid_images(0);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int one_factor = 1, bounded = 1, lower = 0, higher = 0;
    for (int i = 0; i < COUNT; i++) {
        double sum = 0;
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) sum += source_grey(i, y, x);
        float mean = (float)(sum / (SIZE * SIZE));
        float factor = (fraction_at(batch, 0, i, 0, 0) - mean) / (source_fraction(i, 0, 0, 0) - mean);
        for (int c = 0; c < CHANNELS; c++)
            for (int y = 0; y < SIZE; y++)
                for (int x = 0; x < SIZE; x++)
                    one_factor &= fabsf(fraction_at(batch, c, i, y, x) - mean -
                                        factor * (source_fraction(i, c, y, x) - mean)) < 1e-4f;
        bounded &= factor >= 0.5f - 1e-3f && factor <= 1.5f + 1e-3f;
        lower += factor < 0.9f;
        higher += factor > 1.1f;
    }
    CHECK(one_factor);
    CHECK(bounded);
    CHECK(lower > COUNT / 4 && higher > COUNT / 4);
}

static void test_saturation_scales_colour_not_grey(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    augment_options options = {.saturation = 0.5f};
    random_state random;
    random_seed(&random, 24, 1);
    make_mid_images(0);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int grey_kept = 1, one_factor = 1, bounded = 1, duller = 0, richer = 0;
    for (int i = 0; i < COUNT; i++) {
        float g0 = source_grey(i, 0, 0);
        float factor = (fraction_at(batch, 0, i, 0, 0) - g0) / (source_fraction(i, 0, 0, 0) - g0);
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                float g = source_grey(i, y, x);
                grey_kept &= fabsf(grey_of(batch, i, y, x) - g) < 1e-4f;
                for (int c = 0; c < CHANNELS; c++)
                    one_factor &= fabsf(fraction_at(batch, c, i, y, x) - g -
                                        factor * (source_fraction(i, c, y, x) - g)) < 1e-4f;
            }
        bounded &= factor >= 0.5f - 1e-3f && factor <= 1.5f + 1e-3f;
        duller += factor < 0.9f;
        richer += factor > 1.1f;
    }
    CHECK(grey_kept);
    CHECK(one_factor);
    CHECK(bounded);
    CHECK(duller > COUNT / 4 && richer > COUNT / 4);

    /* A grey image has no colour to change. */
    make_mid_images(1);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int unchanged = 1;
    for (int i = 0; i < COUNT; i++) unchanged &= matches(batch, i, 0, 0, 0);
    CHECK(unchanged);
}

static void test_blur_spreads_a_point(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    static uint8_t point[SIZE * SIZE * CHANNELS];
    for (int c = 0; c < CHANNELS; c++) point[(3 * SIZE + 4) * CHANNELS + c] = 160;
    const uint8_t *points[COUNT];
    for (int i = 0; i < COUNT; i++) points[i] = point;
    augment_options options = {.blur = 1.0f};
    random_state random;
    random_seed(&random, 25, 1);
    batch_from_images(points, COUNT, SIZE, CHANNELS, &options, &random, batch);
    const float kernel[3] = {0.25f, 0.5f, 0.25f};
    int spread = 1;
    for (int i = 0; i < COUNT; i++)
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                int dy = y - 3, dx = x - 4;
                float expected = abs(dy) <= 1 && abs(dx) <= 1
                                     ? kernel[dy + 1] * kernel[dx + 1] * 160.0f / 255.0f
                                     : 0.0f;
                spread &= fabsf(fraction_at(batch, 1, i, y, x) - expected) < 1e-5f;
            }
    CHECK(spread);

    /* At probability one half, some images are blurred and the others kept exactly. */
    options.blur = 0.5f;
    batch_from_images(points, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int blurred = 0, kept = 0;
    for (int i = 0; i < COUNT; i++) {
        float centre = fraction_at(batch, 0, i, 3, 4);
        blurred += fabsf(centre - 0.25f * 160.0f / 255.0f) < 1e-5f;
        kept += fabsf(centre - 160.0f / 255.0f) < 1e-5f;
    }
    CHECK(blurred + kept == COUNT && blurred > COUNT / 4 && kept > COUNT / 4);
}

static void test_noise_is_bounded(void) {
    static float batch[CHANNELS * COUNT * SIZE * SIZE];
    static uint8_t flat[SIZE * SIZE * CHANNELS];
    memset(flat, 128, sizeof flat);
    const uint8_t *flats[COUNT];
    for (int i = 0; i < COUNT; i++) flats[i] = flat;
    augment_options options = {.noise = 0.05f};
    random_state random;
    random_seed(&random, 26, 1);
    batch_from_images(flats, COUNT, SIZE, CHANNELS, &options, &random, batch);
    int bounded = 1, noisy = 0;
    for (int i = 0; i < COUNT; i++) {
        double sum = 0, squares = 0;
        int n = CHANNELS * SIZE * SIZE;
        for (int c = 0; c < CHANNELS; c++)
            for (int y = 0; y < SIZE; y++)
                for (int x = 0; x < SIZE; x++) {
                    double d = fraction_at(batch, c, i, y, x) - 128.0 / 255.0;
                    sum += d;
                    squares += d * d;
                }
        double deviation = sqrt(squares / n - (sum / n) * (sum / n));
        /* 192 samples of a normal with sigma <= 0.05: their spread stays below 0.065. */
        bounded &= deviation < 0.065 && fabs(sum / n) < 0.02;
        noisy += deviation > 0.02;
    }
    CHECK(bounded);
    CHECK(noisy > COUNT / 4);
}

static void test_camera_options_deterministic(void) {
    static float a[CHANNELS * COUNT * SIZE * SIZE], b[CHANNELS * COUNT * SIZE * SIZE];
    make_images();
    augment_options options = {.crop_padding = 1, .flip = 1, .brightness = 0.1f, .zoom = 0.5f,
                               .rotation = 10.0f, .contrast = 0.3f, .saturation = 0.3f,
                               .blur = 0.3f, .noise = 0.02f};
    random_state r1, r2;
    random_seed(&r1, 42, 7);
    random_seed(&r2, 42, 7);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r1, a);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r2, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(r1.state == r2.state);
    random_seed(&r2, 43, 7);
    batch_from_images(images, COUNT, SIZE, CHANNELS, &options, &r2, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int finite = 1;
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) finite &= a[k] >= -2.0f && a[k] <= 2.0f;
    CHECK(finite);
}

int main(void) {
    make_images();
    RUN(test_normalisation_exact);
    RUN(test_same_seed_same_batch);
    RUN(test_crop_shifts);
    RUN(test_flip_mirrors);
    RUN(test_brightness);
    RUN(test_zoom_magnifies);
    RUN(test_rotation_turns);
    RUN(test_contrast_scales_around_the_mean);
    RUN(test_saturation_scales_colour_not_grey);
    RUN(test_blur_spreads_a_point);
    RUN(test_noise_is_bounded);
    RUN(test_camera_options_deterministic);
    return HARNESS_RESULT();
}
