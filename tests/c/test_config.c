/* test_config.c - the configuration (src/icarl/config.c): both presets make a learner, every
 * method is accepted, and every field set out of range, to NaN, infinity or a huge value is
 * refused by icarl_create and icarl_reconfigure with a message (a refused reconfigure changes
 * nothing); networks beyond any machine are refused before anything is allocated; the mutable
 * fields change between steps, the architecture does not (the input size only before the first
 * class). */
#define _POSIX_C_SOURCE 200809L /* setrlimit */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "bad_configs.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"

static void test_presets(void) {
    icarl_config config;
    const icarl_preset presets[2] = {ICARL_PRESET_FASHION_MNIST, ICARL_PRESET_WEBCAM};
    for (int p = 0; p < 2; p++) {
        CHECK(icarl_config_preset(presets[p], &config) == ICARL_OK);
        CHECK(config.method == ICARL_METHOD_ICARL &&
              config.loss == ICARL_LOSS_SIGMOID_DISTILLATION);
        char message[200] = "";
        CHECK_MESSAGE(config_validate(&config, message, sizeof message) == ICARL_OK,
                      "preset %d: %s", p, message);
        /* A learner of the preset with small batches: this test's address space (or, under
         * ASan, its largest allocation) is capped below a full training batch. */
        config.batch_size = 2;
        icarl_learner *learner = NULL;
        CHECK_MESSAGE(icarl_create(&config, &learner, message, sizeof message) == ICARL_OK,
                      "preset %d: %s", p, message);
        icarl_config back;
        CHECK(icarl_get_config(learner, &back) == ICARL_OK);
        CHECK(memcmp(&back, &config, sizeof config) == 0);
        icarl_destroy(learner);
    }
    CHECK(config.input_size == 32 && config.channels == 3); /* the webcam preset */
    CHECK(icarl_config_preset(ICARL_PRESET_WEBCAM, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_preset((icarl_preset)7, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_preset((icarl_preset)-1, &config) == ICARL_ERROR_INVALID_ARGUMENT);
}

static void test_every_method_accepted(void) {
    const int methods[] = {ICARL_METHOD_ICARL, ICARL_METHOD_LWF, ICARL_METHOD_FINETUNE,
                           ICARL_METHOD_FIXED, ICARL_METHOD_REPLAY};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        icarl_config config = tiny_config();
        config.method = methods[i];
        icarl_learner *learner = NULL;
        CHECK_MESSAGE(icarl_create(&config, &learner, NULL, 0) == ICARL_OK, "method %d",
                      methods[i]);
        icarl_destroy(learner);
    }
}

static void test_create_refuses_bad_configs(void) {
    for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        icarl_config config = tiny_config();
        bad_fields[i].apply(&config);
        icarl_learner *learner = (icarl_learner *)&config; /* must be overwritten with NULL */
        char message[200] = "";
        icarl_status status = icarl_create(&config, &learner, message, sizeof message);
        CHECK_MESSAGE(status == ICARL_ERROR_INVALID_ARGUMENT || status == ICARL_ERROR_LIMIT,
                      "%s: status %d", bad_fields[i].what, (int)status);
        CHECK_MESSAGE(learner == NULL, "%s: learner not NULL", bad_fields[i].what);
        CHECK_MESSAGE(message[0] != '\0', "%s: no message", bad_fields[i].what);
        icarl_destroy(status == ICARL_OK ? learner : NULL);
    }
    /* A message buffer of size 0 or NULL is fine. */
    icarl_config config = tiny_config();
    config.learning_rate = NAN;
    icarl_learner *learner = NULL;
    char untouched[4] = "abc";
    CHECK(icarl_create(&config, &learner, untouched, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strcmp(untouched, "abc") == 0);
    CHECK(icarl_create(&config, &learner, NULL, 100) == ICARL_ERROR_INVALID_ARGUMENT);
    /* A one-byte buffer gets an empty, terminated string. */
    CHECK(icarl_create(&config, &learner, untouched, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(untouched[0] == '\0');
    /* The message names the field. */
    config = tiny_config();
    config.channels = 2;
    char message[200] = "";
    CHECK(icarl_create(&config, &learner, message, sizeof message) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(learner == NULL && strstr(message, "channels") != NULL);
}

/* Networks far beyond any machine (billions of parameters, or of activations) are refused by
 * the configuration check, before anything is allocated. */
static void test_create_refuses_huge_networks(void) {
    icarl_config config = tiny_config();
    config.input_size = 4;
    config.batch_size = 2;
    config.crop_padding = 0;
    config.base_width = 256;
    config.blocks_per_stage = 32; /* about 800 million parameters */
    icarl_learner *learner = NULL;
    char message[200] = "";
    CHECK(icarl_create(&config, &learner, message, sizeof message) == ICARL_ERROR_LIMIT);
    CHECK(learner == NULL && message[0] != '\0');
    config = tiny_config();
    config.input_size = 256;
    config.base_width = 256;
    config.batch_size = 1024; /* terabytes of activations */
    message[0] = '\0';
    CHECK(icarl_create(&config, &learner, message, sizeof message) == ICARL_ERROR_LIMIT);
    CHECK(learner == NULL && strstr(message, "MB") != NULL);
}

/* The configuration's entry points given NULL. */
static void test_null_pointers(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    char message[200] = "";
    CHECK(icarl_create(&config, NULL, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_create(NULL, &learner, message, sizeof message) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(learner == NULL && message[0] != '\0');
    learner = tiny_learner();
    CHECK(icarl_get_config(NULL, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_get_config(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_reconfigure(NULL, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_reconfigure(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

/* `changed` is refused with a message naming `reason`, and the learner's config stays as it was. */
static void check_reconfigure_refused(icarl_learner *learner, const icarl_config *changed,
                                      const char *reason) {
    icarl_config before, after;
    CHECK(icarl_get_config(learner, &before) == ICARL_OK);
    CHECK(icarl_reconfigure(learner, changed) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK_MESSAGE(strstr(icarl_last_error(learner), reason) != NULL, "%s: %s", reason,
                  icarl_last_error(learner));
    CHECK(icarl_get_config(learner, &after) == ICARL_OK);
    CHECK(memcmp(&before, &after, sizeof before) == 0);
}

/* A reconfigure that fails changes nothing: NaN, infinity, a changed architecture. */
static void test_reconfigure_refusals_change_nothing(void) {
    icarl_learner *learner = tiny_learner();
    icarl_config before, after, config;
    CHECK(icarl_get_config(learner, &before) == ICARL_OK);
    for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        config = before;
        bad_fields[i].apply(&config);
        CHECK_MESSAGE(icarl_reconfigure(learner, &config) != ICARL_OK, "%s",
                      bad_fields[i].what);
        CHECK_MESSAGE(has_message(learner), "%s: no message", bad_fields[i].what);
        CHECK(icarl_get_config(learner, &after) == ICARL_OK);
        CHECK_MESSAGE(memcmp(&before, &after, sizeof before) == 0, "%s changed the config",
                      bad_fields[i].what);
    }
    config = before;
    config.base_width = 4;
    check_reconfigure_refused(learner, &config, "shape");
    icarl_destroy(learner);
}

/* Before its first class a learner may take another input size (the starter's network runs at the
 * size a person's steps use): the same as creating it at that size, weights and all, so a step
 * from either saves the same bytes. Once a class is added its images are at the old size and the
 * change is refused, changing nothing. */
static void test_input_size_before_first_class(void) {
    icarl_config config = tiny_config();
    icarl_learner *resized = tiny_learner();
    config.input_size = 10;
    CHECK(icarl_reconfigure(resized, &config) == ICARL_OK);
    icarl_learner *created = NULL;
    CHECK(icarl_create(&config, &created, NULL, 0) == ICARL_OK);
    icarl_learner *learners[2] = {resized, created};
    uint8_t *bytes[2];
    size_t sizes[2];
    for (int i = 0; i < 2; i++) {
        CHECK(icarl_add_examples(learners[i], "red", colour_images(0), 3) == ICARL_OK);
        CHECK(icarl_add_examples(learners[i], "green", colour_images(1), 3) == ICARL_OK);
        CHECK(icarl_step(learners[i], NULL, NULL) == ICARL_OK);
        CHECK(icarl_save(learners[i], &bytes[i], &sizes[i]) == ICARL_OK);
    }
    CHECK(sizes[0] == sizes[1] && memcmp(bytes[0], bytes[1], sizes[0]) == 0);
    uint8_t exemplar[10 * 10 * 3]; /* kept at the new size: room for 8x8 is too little */
    CHECK(icarl_exemplar_image(resized, 0, 0, exemplar, 8 * 8 * 3) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_exemplar_image(resized, 0, 0, exemplar, sizeof exemplar) == ICARL_OK);

    CHECK(icarl_get_config(resized, &config) == ICARL_OK);
    config.input_size = 12;
    check_reconfigure_refused(resized, &config, "input size");
    /* A class only added, not yet trained, holds images too. */
    icarl_learner *pending = tiny_learner();
    CHECK(icarl_add_examples(pending, "red", colour_images(0), 3) == ICARL_OK);
    config = tiny_config();
    config.input_size = 12;
    CHECK(icarl_reconfigure(pending, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < 2; i++) {
        free(bytes[i]);
        icarl_destroy(learners[i]);
    }
    icarl_destroy(pending);
}

/* The centre crop applies to every image a learner takes, and as stored images are cut with it,
 * it may change only before the first class, like the input size. */
static void test_centre_crop_before_first_class(void) {
    icarl_config config = tiny_config();
    config.centre_crop = 0.5f;
    icarl_learner *cropped = NULL, *whole = tiny_learner();
    CHECK(icarl_create(&config, &cropped, NULL, 0) == ICARL_OK);
    /* An 8x8 image: a white 4x4 middle on black. Kept cut to its middle, it is all white. */
    uint8_t pixels[8 * 8 * 3];
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            memset(pixels + (y * 8 + x) * 3, (x >= 2 && x < 6 && y >= 2 && y < 6) ? 255 : 0, 3);
    icarl_image images[2] = {{pixels, 8, 8, 3}, {pixels, 8, 8, 3}};
    CHECK(icarl_add_examples(cropped, "white", images, 2) == ICARL_OK);
    CHECK(icarl_add_examples(whole, "white", images, 2) == ICARL_OK);
    CHECK_MESSAGE(icarl_step(cropped, NULL, NULL) == ICARL_OK, "%s", icarl_last_error(cropped));
    CHECK(icarl_step(whole, NULL, NULL) == ICARL_OK);
    int side = config.input_size, bytes = side * side * 3;
    uint8_t *kept = malloc((size_t)bytes), *kept_whole = malloc((size_t)bytes);
    CHECK(icarl_exemplar_image(cropped, 0, 0, kept, (size_t)bytes) == ICARL_OK);
    CHECK(icarl_exemplar_image(whole, 0, 0, kept_whole, (size_t)bytes) == ICARL_OK);
    int all_white = 1;
    for (int i = 0; i < bytes; i++) all_white &= kept[i] == 255;
    CHECK(all_white);
    CHECK(kept_whole[0] == 0); /* the whole square keeps the black border */
    /* Predicting cuts the image the same way: it is its class's only exemplar, so its features
     * are the class mean's (the image is its own mirror image). */
    icarl_prediction prediction;
    CHECK(icarl_predict(cropped, &images[0], &prediction, NULL, NULL) == ICARL_OK);
    CHECK_MESSAGE(prediction.score > 0.9999f, "score %g", (double)prediction.score);

    CHECK(icarl_get_config(cropped, &config) == ICARL_OK);
    config.centre_crop = 1.0f;
    check_reconfigure_refused(cropped, &config, "centre crop");
    config = tiny_config();
    config.centre_crop = 0.2f; /* below the table's 0.25 */
    icarl_learner *refused = NULL;
    CHECK(icarl_create(&config, &refused, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    free(kept);
    free(kept_whole);
    icarl_destroy(cropped);
    icarl_destroy(whole);
}

/* batchnorm_momentum reaches the network's training: at 0 a step leaves BatchNorm's running
 * statistics where they were, at 0.1 it moves them; set by reconfigure it applies too. */
static void test_batchnorm_momentum_in_steps(void) {
    for (int frozen = 0; frozen < 2; frozen++) {
        icarl_learner *learner = tiny_learner();
        icarl_config config;
        CHECK(icarl_get_config(learner, &config) == ICARL_OK);
        CHECK(config.batchnorm_momentum == 0.1f); /* the usual default */
        if (frozen) {
            config.batchnorm_momentum = 0.0f;
            CHECK(icarl_reconfigure(learner, &config) == ICARL_OK);
        }
        size_t count = learner->state_count;
        float *before = malloc(count * sizeof *before);
        memcpy(before, learner->state, count * sizeof *before);
        CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
        CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
        int same = memcmp(before, learner->state, count * sizeof *before) == 0;
        CHECK_MESSAGE(same == frozen, "momentum %s: running statistics %s",
                      frozen ? "0" : "0.1", same ? "unchanged" : "changed");
        free(before);
        icarl_destroy(learner);
    }
}

/* Memory, method and the schedule may change between steps; the next step uses them. */
static void test_reconfigure_between_steps(void) {
    icarl_learner *learner = trained_learner();
    icarl_config config = tiny_config();
    config.memory = 4;
    config.epochs = 2;
    config.learning_rate = 0.01f;
    config.batch_size = 2; /* the network's scratch is rebuilt for the new batch */
    CHECK(icarl_reconfigure(learner, &config) == ICARL_OK);
    icarl_config back;
    CHECK(icarl_get_config(learner, &back) == ICARL_OK);
    CHECK(memcmp(&back, &config, sizeof config) == 0);
    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK);
    CHECK(memory.capacity == 4 && memory.per_class == 1 && memory.used == 3);
    icarl_destroy(learner);
}

int main(void) {
    cap_address_space();
    RUN(test_presets);
    RUN(test_every_method_accepted);
    RUN(test_create_refuses_bad_configs);
    RUN(test_create_refuses_huge_networks);
    RUN(test_null_pointers);
    RUN(test_input_size_before_first_class);
    RUN(test_centre_crop_before_first_class);
    RUN(test_batchnorm_momentum_in_steps);
    RUN(test_reconfigure_refusals_change_nothing);
    RUN(test_reconfigure_between_steps);
    return HARNESS_RESULT();
}
