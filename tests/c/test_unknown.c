/* test_unknown.c - "none of my classes" (src/icarl/calibration.c and its use in step.c,
 * classify.c, checkpoint.c): after a step, a new picture of a taught pattern is named and not
 * flagged, a pattern never taught is flagged unknown (its label is still the nearest class);
 * the confidence runs from 0 at the threshold to 1 at the class's typical score; the thresholds
 * survive a checkpoint, move with a removed class, and a checkpoint without them flags nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "checkpoint_sections.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/calibration.h"
#include "io/sections.h"

#define SIDE 16
#define PER_CLASS 24

enum { STRIPES, DISC, CORNER, CHECKS, KINDS };

/* Pattern `kind` with position jitter and pixel noise: red horizontal stripes, a blue disc, a
 * green corner block, and (never taught) a magenta-yellow checkerboard. */
static void draw(uint8_t *pixels, int kind, random_state *random) {
    int dx = (int)random_below(random, 5) - 2, dy = (int)random_below(random, 5) - 2;
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            int r = 40, g = 40, b = 40;
            int sx = x + dx, sy = y + dy;
            if (kind == STRIPES && (sy / 2) % 2 == 0) r = 220;
            if (kind == DISC && (sx - 8) * (sx - 8) + (sy - 8) * (sy - 8) < 25) b = 220;
            if (kind == CORNER && sx < 8 && sy < 8) g = 220;
            if (kind == CHECKS) {
                int on = ((sx / 2) + (sy / 2)) % 2;
                r = 220;
                g = on ? 220 : 40;
                b = on ? 40 : 220;
            }
            uint8_t *p = pixels + (y * SIDE + x) * 3;
            p[0] = (uint8_t)(r + (int)random_below(random, 30));
            p[1] = (uint8_t)(g + (int)random_below(random, 30));
            p[2] = (uint8_t)(b + (int)random_below(random, 30));
        }
}

static uint8_t pictures[KINDS][PER_CLASS][SIDE * SIDE * 3];
static uint8_t unseen[KINDS][SIDE * SIDE * 3];

static icarl_learner *trained(void) {
    random_state random;
    random_seed(&random, 4, 4);
    for (int k = 0; k < KINDS; k++) {
        for (int i = 0; i < PER_CLASS; i++) draw(pictures[k][i], k, &random);
        draw(unseen[k], k, &random);
    }
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 8;
    config.batch_size = 16;
    config.memory = 60;
    config.threads = 1;
    config.schedule = ICARL_SCHEDULE_UPDATES;
    config.min_updates = 120;
    config.learning_rate = 0.05f;
    /* Mild augmentations, so the calibration's views stay close to the patterns: this tests the
     * mechanism, not how much the webcam preset's augmentations widen a class. */
    config.crop_padding = 2;
    config.brightness = 0.1f;
    config.zoom = config.rotation = config.contrast = config.saturation = 0.0f;
    config.blur = config.noise = 0.0f;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    const char *names[3] = {"stripes", "disc", "corner"};
    for (int k = 0; k < 3; k++) {
        icarl_image images[PER_CLASS];
        for (int i = 0; i < PER_CLASS; i++) images[i] = (icarl_image){pictures[k][i], SIDE, SIDE, 3};
        CHECK(icarl_add_examples(learner, names[k], images, PER_CLASS) == ICARL_OK);
    }
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

static icarl_prediction predict(icarl_learner *learner, const uint8_t *pixels) {
    icarl_prediction prediction;
    memset(&prediction, 0xff, sizeof prediction);
    icarl_image image = {pixels, SIDE, SIDE, 3};
    CHECK(icarl_predict(learner, &image, &prediction, NULL, NULL) == ICARL_OK);
    return prediction;
}

static void test_calibration_arithmetic(void) {
    /* 20 scores 0.80, 0.81, ..., 0.99: the threshold is the low quantile, the typical the median. */
    float scores[20];
    for (int i = 0; i < 20; i++) scores[19 - i] = 0.80f + 0.01f * (float)i;
    float calibration[2];
    calibration_from_scores(scores, 20, 0.0f, calibration);
    CHECK_NEAR(calibration[1], 0.90, 1e-6);
    CHECK_NEAR(calibration[0], 0.80, 1e-6);
    CHECK(calibration_unknown(calibration, calibration[0] - 0.001f));
    CHECK(!calibration_unknown(calibration, calibration[0]));
    CHECK(calibration_confidence(calibration, calibration[0]) == 0.0f);
    CHECK(calibration_confidence(calibration, 0.99f) == 1.0f);
    CHECK_NEAR(calibration_confidence(calibration, 0.5f * (calibration[0] + calibration[1])), 0.5, 1e-5);
    /* With a margin the threshold moves that far below the lowest view, here 0.80 - 0.15; the
     * typical score stays, and the confidence runs from the new threshold. */
    for (int i = 0; i < 20; i++) scores[19 - i] = 0.80f + 0.01f * (float)i;
    calibration_from_scores(scores, 20, 0.15f, calibration);
    CHECK_NEAR(calibration[0], 0.65, 1e-6);
    CHECK_NEAR(calibration[1], 0.90, 1e-6);
    CHECK(calibration_unknown(calibration, 0.64f) && !calibration_unknown(calibration, 0.66f));
    CHECK_NEAR(calibration_confidence(calibration, 0.80f), 0.6, 1e-5);
    /* The margin applies from two classes on: a class alone keeps its lowest view. */
    CHECK(calibration_margin(1) == 0.0f);
    CHECK(calibration_margin(2) == CALIBRATION_MARGIN && calibration_margin(7) == CALIBRATION_MARGIN);
    CHECK(CALIBRATION_MARGIN > 0.0f);
    /* No scores (a class with no exemplars): nothing is unknown. */
    calibration_from_scores(NULL, 0, CALIBRATION_MARGIN, calibration);
    CHECK(!calibration_unknown(calibration, -1.0f));
    CHECK(calibration_finite(calibration));
    /* One view whose features overflowed (a diverged network): the sort would put the NaN
     * anywhere; the calibration says it cannot be kept instead of giving a threshold. */
    for (int i = 0; i < 20; i++) scores[i] = 0.80f + 0.01f * (float)i;
    scores[7] = NAN;
    calibration_from_scores(scores, 20, CALIBRATION_MARGIN, calibration);
    CHECK(!calibration_finite(calibration));
    for (int i = 0; i < 20; i++) scores[i] = 0.80f + 0.01f * (float)i;
    scores[3] = -INFINITY;
    calibration_from_scores(scores, 20, CALIBRATION_MARGIN, calibration);
    CHECK(!calibration_finite(calibration));
    calibration_from_scores(scores + 4, 16, CALIBRATION_MARGIN, calibration);
    CHECK(calibration_finite(calibration));
}

static void test_taught_named_unseen_flagged(void) {
    icarl_learner *learner = trained();
    for (int k = 0; k < 3; k++) {
        icarl_prediction p = predict(learner, unseen[k]);
        CHECK_MESSAGE(p.label == k && !p.unknown, "pattern %d: label %d, unknown %d, score %.4f",
                      k, (int)p.label, (int)p.unknown, (double)p.score);
        CHECK(p.confidence > 0.0f && p.confidence <= 1.0f);
        /* predict and classify agree, and the score is the label's cosine similarity. */
        float scores[3];
        int32_t label = -1;
        icarl_image image = {unseen[k], SIDE, SIDE, 3};
        CHECK(icarl_classify(learner, &image, &label, scores, NULL) == ICARL_OK);
        CHECK(label == p.label && scores[label] == p.score);
    }
    icarl_prediction checks = predict(learner, unseen[CHECKS]);
    CHECK_MESSAGE(checks.unknown && checks.confidence == 0.0f,
                  "the checkerboard: label %d, score %.4f, unknown %d", (int)checks.label,
                  (double)checks.score, (int)checks.unknown);
    CHECK(checks.label >= 0 && checks.label < 3); /* still the nearest class */
    icarl_destroy(learner);
}

static void test_thresholds_survive_and_move(void) {
    icarl_learner *learner = trained();
    icarl_prediction before[KINDS];
    for (int k = 0; k < KINDS; k++) before[k] = predict(learner, unseen[k]);

    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    for (int k = 0; k < KINDS; k++) {
        icarl_prediction again = predict(loaded, unseen[k]);
        CHECK(memcmp(&again, &before[k], sizeof again) == 0);
    }
    icarl_destroy(loaded);

    /* Without the CALI section (a checkpoint from before it existed) nothing is unknown. */
    size_t payload_size = 0;
    CHECK(find_section(bytes, size, "CALI", &payload_size) != NULL);
    size_t older_size = 0;
    uint8_t *older = replace_section(bytes, size, "CALI", NULL, 0, &older_size);
    CHECK(find_section(older, older_size, "CALI", &payload_size) == NULL);
    CHECK(icarl_load(older, older_size, &loaded, NULL, 0) == ICARL_OK);
    icarl_prediction old = predict(loaded, unseen[CHECKS]);
    CHECK(!old.unknown && old.label == before[CHECKS].label && old.score == before[CHECKS].score);
    icarl_destroy(loaded);
    free(older);

    /* A damaged threshold is refused: one above its class's typical score. */
    const uint8_t *calibration = find_section(bytes, size, "CALI", &payload_size);
    CHECK(calibration != NULL);
    uint8_t *payload = malloc(payload_size);
    memcpy(payload, calibration, payload_size);
    float high = 2.0f;
    memcpy(payload + 4, &high, 4); /* after the i32 `has`: class 0's threshold */
    size_t bad_size = 0;
    uint8_t *bad = replace_section(bytes, size, "CALI", payload, payload_size, &bad_size);
    free(payload);
    char message[200] = "";
    CHECK(icarl_load(bad, bad_size, &loaded, message, sizeof message) == ICARL_ERROR_CORRUPT);
    CHECK_MESSAGE(strstr(message, "unknown thresholds") != NULL, "%s", message);
    free(bad);

    /* Removing a class takes its threshold along: the others answer as before. */
    CHECK(icarl_remove_class(learner, "stripes") == ICARL_OK);
    icarl_prediction disc = predict(learner, unseen[DISC]);
    CHECK(disc.label == 0 && disc.unknown == before[DISC].unknown &&
          disc.threshold == before[DISC].threshold && disc.confidence == before[DISC].confidence);
    CHECK(before[STRIPES].threshold != before[DISC].threshold);
    free(bytes);
    icarl_destroy(learner);
}

int main(void) {
    RUN(test_calibration_arithmetic);
    RUN(test_taught_named_unseen_flagged);
    RUN(test_thresholds_survive_and_move);
    return HARNESS_RESULT();
}
