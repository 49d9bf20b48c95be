/* test_class_rename_remove.c - icarl_rename_class and icarl_remove_class (src/icarl/learner.c):
 * renaming keeps everything but the name; removing a trained class takes its exemplars, mean
 * and output unit away and leaves every other class's nearest-mean and network scores exactly
 * as they were; both survive a checkpoint, refuse bad requests and are refused during a step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"

#define SIDE 8
#define PER_CLASS 12
#define CLASSES 4

static uint8_t pixels[CLASSES][PER_CLASS][SIDE * SIDE * 3];
static const char *const NAMES[CLASSES] = {"red", "green", "blue", "grey"};

/* Class k: noise plus a bright channel k (grey: all three at half). */
static void make_images(void) {
    random_state random;
    random_seed(&random, 3, 3);
    for (int k = 0; k < CLASSES; k++)
        for (int i = 0; i < PER_CLASS; i++)
            for (int p = 0; p < SIDE * SIDE * 3; p++) {
                int bright = k < 3 ? (p % 3 == k ? 160 : 0) : 80;
                pixels[k][i][p] = (uint8_t)(random_below(&random, 60) + bright);
            }
}

static void add_class(icarl_learner *learner, int k) {
    icarl_image images[PER_CLASS];
    for (int i = 0; i < PER_CLASS; i++) images[i] = (icarl_image){pixels[k][i], SIDE, SIDE, 3};
    CHECK(icarl_add_examples(learner, NAMES[k], images, PER_CLASS) == ICARL_OK);
}

/* Three trained classes (red, green in one step; blue in a second) and "grey" pending. */
static icarl_learner *trained_learner(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 8;
    config.epochs = 2;
    config.memory = 18;
    config.threads = 1;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    add_class(learner, 0);
    add_class(learner, 1);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    add_class(learner, 2);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    add_class(learner, 3);
    return learner;
}

typedef struct scores {
    int32_t label;
    float nme[CLASSES + 1], cnn[CLASSES + 1];
} scores;

static scores classify(icarl_learner *learner, int k, int i) {
    scores result;
    icarl_image image = {pixels[k][i], SIDE, SIDE, 3};
    CHECK(icarl_classify(learner, &image, &result.label, result.nme, result.cnn) == ICARL_OK);
    return result;
}

static const char *name_of(const icarl_learner *learner, int32_t index) {
    icarl_class_info info;
    if (icarl_class_info_get(learner, index, &info) != ICARL_OK) return "";
    return info.name;
}

static void test_rename(void) {
    icarl_learner *learner = trained_learner();
    scores before = classify(learner, 1, 0);
    CHECK(icarl_rename_class(learner, "green", "lime") == ICARL_OK);
    CHECK(strcmp(name_of(learner, 1), "lime") == 0);
    scores after = classify(learner, 1, 0);
    CHECK(after.label == before.label && memcmp(after.nme, before.nme, CLASSES * sizeof(float)) == 0);
    CHECK(icarl_rename_class(learner, "grey", "silver") == ICARL_OK); /* a pending class */
    CHECK(strcmp(name_of(learner, 3), "silver") == 0);
    CHECK(icarl_rename_class(learner, "lime", "lime") == ICARL_OK);

    CHECK(icarl_rename_class(learner, "green", "x") == ICARL_ERROR_UNKNOWN_CLASS);
    CHECK(strstr(icarl_last_error(learner), "green") != NULL);
    CHECK(icarl_rename_class(learner, "lime", "red") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(icarl_last_error(learner), "already") != NULL);
    CHECK(icarl_rename_class(learner, "lime", "") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_rename_class(learner, "lime", "tab\there") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_rename_class(learner, NULL, "x") == ICARL_ERROR_UNKNOWN_CLASS);
    CHECK(icarl_rename_class(learner, "lime", NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_rename_class(NULL, "lime", "x") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(name_of(learner, 1), "lime") == 0);

    /* The new name is what a checkpoint keeps. */
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    CHECK(strcmp(name_of(loaded, 1), "lime") == 0 && strcmp(name_of(loaded, 3), "silver") == 0);
    icarl_free(bytes);
    icarl_destroy(loaded);
    icarl_destroy(learner);
}

static void test_remove_trained_class(void) {
    icarl_learner *learner = trained_learner();
    scores red = classify(learner, 0, 1), blue = classify(learner, 2, 1);
    CHECK(red.label == 0 && blue.label == 2); /* separable enough to be named right */
    icarl_class_info green;
    CHECK(icarl_class_info_get(learner, 1, &green) == ICARL_OK && green.exemplars > 0);
    icarl_memory_info memory_before, memory_after;
    CHECK(icarl_memory_info_get(learner, &memory_before) == ICARL_OK);

    CHECK(icarl_remove_class(learner, "green") == ICARL_OK);
    CHECK(icarl_class_count(learner) == 3);
    CHECK(strcmp(name_of(learner, 0), "red") == 0 && strcmp(name_of(learner, 1), "blue") == 0);
    CHECK(strcmp(name_of(learner, 2), "grey") == 0);
    CHECK(icarl_memory_info_get(learner, &memory_after) == ICARL_OK);
    CHECK(memory_after.used == memory_before.used - green.exemplars);

    /* Blue moved from index 2 to 1; its mean and output row moved with it, bit for bit. */
    scores red_after = classify(learner, 0, 1), blue_after = classify(learner, 2, 1);
    CHECK(red_after.label == 0 && blue_after.label == 1);
    CHECK(red_after.nme[0] == red.nme[0] && red_after.nme[1] == red.nme[2]);
    CHECK(blue_after.nme[0] == blue.nme[0] && blue_after.nme[1] == blue.nme[2]);
    CHECK(red_after.cnn[0] == red.cnn[0] && red_after.cnn[1] == red.cnn[2]);
    CHECK(blue_after.cnn[0] == blue.cnn[0] && blue_after.cnn[1] == blue.cnn[2]);
    CHECK(red_after.nme[2] == -1.0f); /* grey is pending: no score */

    /* The removed state is what a checkpoint keeps, and the next step builds on it. */
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    scores blue_loaded = classify(loaded, 2, 1);
    CHECK(blue_loaded.label == 1 && blue_loaded.nme[1] == blue.nme[2]);
    icarl_free(bytes);
    icarl_destroy(loaded);

    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK); /* grey: 3 trained classes, m = 6 */
    for (int32_t i = 0; i < 3; i++) {
        icarl_class_info info;
        CHECK(icarl_class_info_get(learner, i, &info) == ICARL_OK);
        CHECK(info.trained && info.exemplars == 6);
    }
    CHECK(classify(learner, 3, 0).label == 2);
    icarl_destroy(learner);
}

static void test_remove_other_cases(void) {
    icarl_learner *learner = trained_learner();
    CHECK(icarl_remove_class(learner, "grey") == ICARL_OK); /* pending only */
    CHECK(icarl_class_count(learner) == 3);
    CHECK(icarl_remove_class(learner, "grey") == ICARL_ERROR_UNKNOWN_CLASS);
    CHECK(icarl_remove_class(learner, NULL) == ICARL_ERROR_UNKNOWN_CLASS);
    CHECK(icarl_remove_class(NULL, "red") == ICARL_ERROR_INVALID_ARGUMENT);

    /* Refused while a step runs, allowed again after it is cancelled. */
    add_class(learner, 3);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_remove_class(learner, "red") == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_rename_class(learner, "red", "x") == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);

    /* The first class, then every trained class: nothing left to classify with. */
    CHECK(icarl_remove_class(learner, "red") == ICARL_OK);
    CHECK(classify(learner, 2, 0).label == 1); /* blue, now at 1 */
    CHECK(icarl_remove_class(learner, "green") == ICARL_OK);
    CHECK(icarl_remove_class(learner, "blue") == ICARL_OK);
    int32_t label = -1;
    icarl_image image = {pixels[0][0], SIDE, SIDE, 3};
    CHECK(icarl_classify(learner, &image, &label, NULL, NULL) == ICARL_ERROR_NO_CLASSES);
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK && memory.used == 0);
    /* grey is all that is left, still pending; a step trains it from scratch of the head. */
    CHECK(icarl_class_count(learner) == 1);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_classify(learner, &image, &label, NULL, NULL) == ICARL_OK && label == 0);
    icarl_destroy(learner);
}

int main(void) {
    make_images();
    RUN(test_rename);
    RUN(test_remove_trained_class);
    RUN(test_remove_other_cases);
    return HARNESS_RESULT();
}
