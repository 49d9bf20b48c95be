/* test_hostile_inputs.c - every public C entry point of include/icarl.h fed what a careless or
 * hostile caller would give it: NULL pointers, wrong and huge sizes, zero and negative counts,
 * NaN and infinity in configuration floats, bad class names, calls out of order, and
 * checkpoints that declare sizes their bytes do not hold. Each must return a clear status (and,
 * where the API has one, a message), never crash and never answer silently wrong.
 * In the normal build the address space is capped a little above what the test needs, so an
 * entry point that allocates what its input does not justify fails here instead of swapping. */
#define _POSIX_C_SOURCE 200809L /* setrlimit, getrusage */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "icarl.h"
#include "icarl/herding.h"
#include "icarl/learner_internal.h"
#include "io/sections.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#if UNDER_ASAN
/* ASan cannot run under an address-space limit (its shadow needs terabytes of it); instead no
 * single allocation may exceed 64 MB, and one that would returns NULL as malloc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
#endif

/* ---- helpers ---------------------------------------------------------------------------- */

static icarl_config tiny_config(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = 8;
    config.channels = 3;
    config.blocks_per_stage = 1;
    config.base_width = 2;
    config.batch_size = 4;
    config.epochs = 1;
    config.memory = 6;
    config.crop_padding = 1;
    return config;
}

static icarl_learner *tiny_learner(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    return learner;
}

/* 10x10 RGBA images of a class-specific colour. */
static uint8_t image_pixels[4][10 * 10 * 4];
static icarl_image class_images[4][3];

static void make_images(void) {
    for (int c = 0; c < 4; c++) {
        for (int i = 0; i < 10 * 10; i++) {
            image_pixels[c][4 * i + 0] = (uint8_t)(c == 0 ? 230 : 20 + (i % 7));
            image_pixels[c][4 * i + 1] = (uint8_t)(c == 1 ? 230 : 20 + (i % 5));
            image_pixels[c][4 * i + 2] = (uint8_t)(c == 2 ? 230 : 20 + (i % 3));
            image_pixels[c][4 * i + 3] = 255;
        }
        for (int k = 0; k < 3; k++)
            class_images[c][k] = (icarl_image){image_pixels[c], 10, 10, 4};
    }
}

static icarl_learner *trained_learner(void) {
    icarl_learner *learner = tiny_learner();
    CHECK(icarl_add_examples(learner, "red", class_images[0], 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", class_images[1], 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

static int has_message(const icarl_learner *learner) {
    const char *message = icarl_last_error(learner);
    return message != NULL && message[0] != '\0';
}

/* ---- configuration ---------------------------------------------------------------------- */

typedef struct bad_field {
    const char *what;
    void (*apply)(icarl_config *c);
} bad_field;

#define BAD(name, statement)                                                                  \
    static void bad_##name(icarl_config *c) { statement; }
BAD(input_zero, c->input_size = 0)
BAD(input_3, c->input_size = 3)
BAD(input_huge, c->input_size = INT32_MAX)
BAD(input_negative, c->input_size = -28)
BAD(channels_0, c->channels = 0)
BAD(channels_2, c->channels = 2)
BAD(channels_4, c->channels = 4)
BAD(blocks_0, c->blocks_per_stage = 0)
BAD(blocks_huge, c->blocks_per_stage = 1 << 30)
BAD(width_0, c->base_width = 0)
BAD(width_huge, c->base_width = INT32_MAX)
BAD(memory_negative, c->memory = -1)
BAD(memory_huge, c->memory = INT32_MAX)
BAD(method, c->method = 5)
BAD(method_negative, c->method = -1)
BAD(loss, c->loss = 2)
BAD(temperature_nan, c->temperature = NAN)
BAD(temperature_inf, c->temperature = INFINITY)
BAD(temperature_zero, c->temperature = 0.0f)
BAD(epochs_0, c->epochs = 0)
BAD(epochs_negative, c->epochs = -5)
BAD(batch_1, c->batch_size = 1)
BAD(batch_huge, c->batch_size = INT32_MAX)
BAD(lr_nan, c->learning_rate = NAN)
BAD(lr_inf, c->learning_rate = INFINITY)
BAD(lr_negative, c->learning_rate = -0.1f)
BAD(momentum_nan, c->momentum = NAN)
BAD(momentum_one, c->momentum = 1.0f)
BAD(decay_nan, c->weight_decay = NAN)
BAD(decay_inf, c->weight_decay = -INFINITY)
BAD(decay_at_nan, c->decay_at[1] = NAN)
BAD(decay_at_big, c->decay_at[0] = 1.5f)
BAD(decay_factor_nan, c->decay_factor = NAN)
BAD(decay_factor_small, c->decay_factor = 0.5f)
BAD(decay_factor_inf, c->decay_factor = INFINITY)
BAD(crop_negative, c->crop_padding = -1)
BAD(crop_big, c->crop_padding = 100)
BAD(flip_2, c->flip = 2)
BAD(brightness_nan, c->brightness = NAN)
BAD(brightness_big, c->brightness = FLT_MAX)
BAD(mean_flip, c->mean_with_flip = -1)
#undef BAD

static const bad_field bad_fields[] = {
#define ENTRY(name) {#name, bad_##name}
    ENTRY(input_zero), ENTRY(input_3), ENTRY(input_huge), ENTRY(input_negative),
    ENTRY(channels_0), ENTRY(channels_2), ENTRY(channels_4), ENTRY(blocks_0),
    ENTRY(blocks_huge), ENTRY(width_0), ENTRY(width_huge), ENTRY(memory_negative),
    ENTRY(memory_huge), ENTRY(method), ENTRY(method_negative), ENTRY(loss),
    ENTRY(temperature_nan), ENTRY(temperature_inf), ENTRY(temperature_zero), ENTRY(epochs_0),
    ENTRY(epochs_negative), ENTRY(batch_1), ENTRY(batch_huge), ENTRY(lr_nan), ENTRY(lr_inf),
    ENTRY(lr_negative), ENTRY(momentum_nan), ENTRY(momentum_one), ENTRY(decay_nan),
    ENTRY(decay_inf), ENTRY(decay_at_nan), ENTRY(decay_at_big), ENTRY(decay_factor_nan),
    ENTRY(decay_factor_small), ENTRY(decay_factor_inf), ENTRY(crop_negative), ENTRY(crop_big),
    ENTRY(flip_2), ENTRY(brightness_nan), ENTRY(brightness_big), ENTRY(mean_flip),
#undef ENTRY
};

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

static void test_presets_and_strings(void) {
    icarl_config config;
    CHECK(icarl_config_preset(ICARL_PRESET_WEBCAM, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_preset((icarl_preset)7, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_preset((icarl_preset)-1, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    for (int s = -3; s < ICARL_STATUS_COUNT + 3; s++) {
        const char *text = icarl_strerror((icarl_status)s);
        CHECK_MESSAGE(text != NULL && text[0] != '\0', "strerror(%d)", s);
    }
    CHECK(icarl_last_error(NULL) != NULL);
    icarl_destroy(NULL);
    icarl_free(NULL);
}

/* ---- NULL pointers and wrong sizes ------------------------------------------------------ */

static void test_null_pointers(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    icarl_image image = class_images[0][0];
    int32_t label = 0;
    uint8_t *bytes = NULL;
    size_t size = 0;
    icarl_progress progress;
    icarl_class_info info;
    icarl_memory_info memory;

    CHECK(icarl_create(&config, NULL, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_create(NULL, &learner, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(learner == NULL);
    learner = tiny_learner();
    CHECK(icarl_get_config(NULL, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_get_config(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_reconfigure(NULL, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_reconfigure(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(NULL, "a", &image, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, NULL, &image, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_add_examples(learner, "a", NULL, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_class_count(NULL) == 0);
    CHECK(icarl_class_info_get(NULL, 0, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_memory_info_get(NULL, &memory) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_memory_info_get(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_begin(NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_continue(NULL, 1, &progress) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_cancel(NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step(NULL, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify(NULL, &image, &label, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify(learner, NULL, &label, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_classify(learner, &image, NULL, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify_prepared(NULL, image_pixels[0], 1, NULL, NULL) ==
          ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify_prepared(learner, NULL, 1, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save(NULL, &bytes, &size) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save(learner, NULL, &size) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save(learner, &bytes, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save_file(NULL, "x") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save_file(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_learner *loaded = (icarl_learner *)&config;
    CHECK(icarl_load(NULL, 10, &loaded, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(loaded == NULL);
    char message[100] = "";
    CHECK(icarl_load(NULL, 0, &loaded, message, sizeof message) == ICARL_ERROR_NOT_A_CHECKPOINT);
    CHECK(loaded == NULL && message[0] != '\0');
    CHECK(icarl_load((const uint8_t *)"x", 1, NULL, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_load_file(NULL, &loaded, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_load_file("x", NULL, NULL, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    message[0] = '\0';
    CHECK(icarl_load_file("/nonexistent/model.icarl", &loaded, message, sizeof message) ==
          ICARL_ERROR_IO);
    CHECK(loaded == NULL && strstr(message, "/nonexistent/model.icarl") != NULL);
    CHECK(icarl_save_file(learner, "/nonexistent/dir/model.icarl") == ICARL_ERROR_IO);
    CHECK(strstr(icarl_last_error(learner), "/nonexistent/dir") != NULL);
    CHECK(icarl_class_count(learner) == 0); /* nothing above added anything */
    icarl_destroy(learner);
}

static void test_bad_images(void) {
    icarl_learner *learner = tiny_learner();
    uint8_t pixels[16 * 16 * 4];
    memset(pixels, 128, sizeof pixels);
    const icarl_image bad[] = {
        {pixels, 0, 16, 4},  {pixels, 16, 0, 4},  {pixels, -16, 16, 4}, {pixels, 16, -1, 4},
        {pixels, 16, 16, 0}, {pixels, 16, 16, 2}, {pixels, 16, 16, 5},  {pixels, 16, 16, -3},
        {NULL, 16, 16, 4},
        /* Dimensions beyond any real image: refused before the pixels are read (the buffer
         * here is far smaller than they claim; ASan would see a read). */
        {pixels, INT32_MAX, 16, 4}, {pixels, 16, INT32_MAX, 1}, {pixels, 1 << 20, 1 << 20, 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        icarl_status status = icarl_add_examples(learner, "cat", &bad[i], 1);
        CHECK_MESSAGE(status == ICARL_ERROR_INVALID_ARGUMENT || status == ICARL_ERROR_LIMIT,
                      "image %zu: status %d", i, (int)status);
        CHECK_MESSAGE(has_message(learner), "image %zu: no message", i);
    }
    CHECK(icarl_class_count(learner) == 0);
    /* One bad image among good ones adds none of them. */
    icarl_image mixed[3] = {class_images[0][0], class_images[0][1], bad[5]};
    CHECK(icarl_add_examples(learner, "cat", mixed, 3) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(icarl_last_error(learner), "image 3 of 3") != NULL);
    CHECK(icarl_class_count(learner) == 0);
    /* Counts. */
    CHECK(icarl_add_examples(learner, "cat", class_images[0], -1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, "cat", class_images[0], INT32_MAX) == ICARL_ERROR_LIMIT);
    CHECK(icarl_class_count(learner) == 0);
    /* An image of 1x1 or a very long thin strip is still an image. */
    uint8_t strip[1000 * 3];
    memset(strip, 7, sizeof strip);
    icarl_image thin[2] = {{strip, 1, 1, 3}, {strip, 1000, 1, 3}};
    CHECK(icarl_add_examples(learner, "cat", thin, 2) == ICARL_OK);
    icarl_class_info info;
    CHECK(icarl_class_info_get(learner, 0, &info) == ICARL_OK && info.pending == 2);
    icarl_destroy(learner);
}

static void test_bad_class_names(void) {
    icarl_learner *learner = tiny_learner();
    char long_name[LEARNER_MAX_NAME + 2];
    memset(long_name, 'x', sizeof long_name);
    long_name[LEARNER_MAX_NAME + 1] = '\0';
    const char *names[] = {"", "tab\there", "new\nline", "\x1b[31mred", long_name};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CHECK_MESSAGE(icarl_add_examples(learner, names[i], class_images[0], 1) ==
                          ICARL_ERROR_INVALID_ARGUMENT,
                      "name %zu", i);
        CHECK(has_message(learner));
    }
    long_name[LEARNER_MAX_NAME] = '\0'; /* the longest allowed */
    CHECK(icarl_add_examples(learner, long_name, class_images[0], 1) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "caf\xc3\xa9 \xe2\x98\x95", class_images[1], 1) == ICARL_OK);
    CHECK(icarl_class_count(learner) == 2);
    /* Indices that name no class. */
    icarl_class_info info;
    CHECK(icarl_class_info_get(learner, -1, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, 2, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, INT32_MAX, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, 0, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

/* ---- calls out of order ------------------------------------------------------------------ */

static void test_calls_out_of_order(void) {
    icarl_learner *learner = tiny_learner();
    icarl_progress progress;
    int32_t label = -1;
    uint8_t prepared[8 * 8 * 3] = {0};
    int32_t labels[1] = {-7};

    /* Before any class. */
    CHECK(icarl_classify(learner, &class_images[0][0], &label, NULL, NULL) ==
          ICARL_ERROR_NO_CLASSES);
    CHECK(label == -1 && has_message(learner));
    CHECK(icarl_classify_prepared(learner, prepared, 1, labels, NULL) == ICARL_ERROR_NO_CLASSES);
    CHECK(labels[0] == -7);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_NOTHING_TO_TRAIN && has_message(learner));
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_NOTHING_TO_TRAIN);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);
    CHECK(has_message(learner));
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);

    /* Pending examples but no step yet: still nothing to classify with. */
    CHECK(icarl_add_examples(learner, "red", class_images[0], 3) == ICARL_OK);
    CHECK(icarl_classify(learner, &class_images[0][0], &label, NULL, NULL) ==
          ICARL_ERROR_NO_CLASSES);

    /* During a step. */
    CHECK(icarl_add_examples(learner, "green", class_images[1], 3) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_add_examples(learner, "blue", class_images[2], 1) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_class_count(learner) == 2);
    icarl_config config = tiny_config();
    config.epochs = 3;
    CHECK(icarl_reconfigure(learner, &config) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_classify(learner, &class_images[0][0], &label, NULL, NULL) ==
          ICARL_ERROR_WRONG_STATE);
    /* Zero or negative work does nothing but report. */
    CHECK(icarl_step_continue(learner, 0, &progress) == ICARL_OK);
    CHECK(progress.done == 0 && progress.phase != ICARL_PHASE_DONE);
    CHECK(icarl_step_continue(learner, -5, NULL) == ICARL_OK);
    /* Saving during a step saves the learner as before the step. */
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_learner *copy = NULL;
    CHECK(icarl_load(bytes, size, &copy, NULL, 0) == ICARL_OK);
    icarl_class_info info;
    CHECK(copy != NULL && icarl_class_info_get(copy, 1, &info) == ICARL_OK && !info.trained &&
          info.pending == 3);
    icarl_destroy(copy);
    icarl_free(bytes);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);

    /* After a step, a finished step cannot be continued or cancelled. */
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_NOTHING_TO_TRAIN); /* nothing new */
    /* A class added with no trained step: classification scores only trained classes. */
    CHECK(icarl_add_examples(learner, "blue", class_images[2], 1) == ICARL_OK);
    float nme[3] = {5, 5, 5}, cnn[3] = {5, 5, 5};
    CHECK(icarl_classify(learner, &class_images[0][0], &label, nme, cnn) == ICARL_OK);
    CHECK(label >= 0 && label < 2);
    CHECK(nme[2] == -1.0f && cnn[2] == -1.0f);
    CHECK(isfinite(nme[0]) && isfinite(nme[1]) && isfinite(cnn[0]) && isfinite(cnn[1]));
    /* count 0 classifies nothing and touches nothing. */
    labels[0] = -7;
    CHECK(icarl_classify_prepared(learner, prepared, 0, labels, labels) == ICARL_OK);
    CHECK(labels[0] == -7);
    CHECK(icarl_classify_prepared(learner, prepared, -1, labels, NULL) ==
          ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
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
    CHECK(icarl_reconfigure(learner, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(icarl_last_error(learner), "shape") != NULL);
    icarl_destroy(learner);
}

/* NaN in the learning rate cannot get in; a learning rate that makes the loss blow up stops
 * the step with DIVERGED and leaves the learner as it was. */
static void test_divergence_reported(void) {
    icarl_learner *learner = tiny_learner();
    icarl_config config = tiny_config();
    config.learning_rate = 100.0f;
    config.momentum = 0.99f;
    config.epochs = 30;
    CHECK(icarl_reconfigure(learner, &config) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "red", class_images[0], 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", class_images[1], 3) == ICARL_OK);
    uint8_t *before = NULL, *after = NULL;
    size_t before_size = 0, after_size = 0;
    CHECK(icarl_save(learner, &before, &before_size) == ICARL_OK);
    icarl_status status = icarl_step(learner, NULL, NULL);
    /* A tiny network may survive even this; what matters is that it never reports OK with
     * non-finite weights, and that DIVERGED leaves the learner unchanged. */
    if (status == ICARL_ERROR_DIVERGED) {
        CHECK(strstr(icarl_last_error(learner), "diverged") != NULL);
        CHECK(icarl_save(learner, &after, &after_size) == ICARL_OK);
        CHECK(after_size == before_size && memcmp(before, after, before_size) == 0);
    } else {
        CHECK(status == ICARL_OK);
        int32_t label = -1;
        float scores[2];
        CHECK(icarl_classify(learner, &class_images[0][0], &label, scores, NULL) == ICARL_OK);
        CHECK(isfinite(scores[0]) && isfinite(scores[1]));
    }
    icarl_free(before);
    icarl_free(after);
    icarl_destroy(learner);
}

/* A memory too small to keep one exemplar per class: the nearest-mean rule has no mean to use,
 * so the answer must still be a trained class, not a fixed index from all-zero means. */
static void test_memory_smaller_than_classes(void) {
    icarl_config config = tiny_config();
    config.memory = 1;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "red", class_images[0], 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", class_images[1], 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK);
    CHECK(memory.capacity == 1 && memory.used <= 1 && memory.per_class == 0);
    int32_t label = -1;
    float nme[2];
    CHECK(icarl_classify(learner, &class_images[1][0], &label, nme, NULL) == ICARL_OK);
    CHECK(label == 0 || label == 1);
    /* A further step keeps the old classes' empty sets empty (under UBSan: no memcpy from a
     * NULL buffer of 0 images). */
    CHECK(icarl_add_examples(learner, "blue", class_images[2], 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK && memory.used <= 1);
    icarl_destroy(learner);
}

/* ---- hostile checkpoints ------------------------------------------------------------------ */

/* `bytes` with one section's payload replaced (CRCs recomputed), as a fresh buffer. */
static uint8_t *replace_section(const uint8_t *bytes, size_t size, const char *tag,
                                const uint8_t *payload, size_t payload_size, size_t *size_out) {
    byte_reader reader;
    uint32_t version;
    CHECK(sections_open(bytes, size, &reader, &version) == ICARL_OK);
    byte_writer writer;
    writer_init(&writer);
    writer_header(&writer);
    for (;;) {
        section s;
        if (sections_next(&reader, &s) != ICARL_OK) break;
        size_t begin = writer_section_begin(&writer, s.tag);
        if (strcmp(s.tag, tag) == 0) writer_bytes(&writer, payload, payload_size);
        else writer_bytes(&writer, s.payload, s.size);
        writer_section_end(&writer, begin);
        if (strcmp(s.tag, "END ") == 0) break;
    }
    CHECK(!writer.failed);
    *size_out = writer.size;
    return writer.data;
}

static const uint8_t *find_section(const uint8_t *bytes, size_t size, const char *tag,
                                   size_t *payload_size) {
    byte_reader reader;
    uint32_t version;
    if (sections_open(bytes, size, &reader, &version) != ICARL_OK) return NULL;
    section s;
    while (sections_next(&reader, &s) == ICARL_OK) {
        if (strcmp(s.tag, tag) == 0) {
            *payload_size = s.size;
            return s.payload;
        }
        if (strcmp(s.tag, "END ") == 0) break;
    }
    return NULL;
}

static uint8_t *config_payload(const icarl_config *c, size_t *size_out) {
    /* The CONF layout of checkpoint.c: fields in declaration order, i32/f32/u64 LE. */
    byte_writer w;
    writer_init(&w);
    writer_i32(&w, c->input_size);
    writer_i32(&w, c->channels);
    writer_i32(&w, c->blocks_per_stage);
    writer_i32(&w, c->base_width);
    writer_i32(&w, c->memory);
    writer_i32(&w, c->method);
    writer_i32(&w, c->loss);
    writer_f32(&w, c->temperature);
    writer_i32(&w, c->epochs);
    writer_i32(&w, c->batch_size);
    writer_f32(&w, c->learning_rate);
    writer_f32(&w, c->momentum);
    writer_f32(&w, c->weight_decay);
    writer_f32(&w, c->decay_at[0]);
    writer_f32(&w, c->decay_at[1]);
    writer_f32(&w, c->decay_factor);
    writer_i32(&w, c->crop_padding);
    writer_i32(&w, c->flip);
    writer_f32(&w, c->brightness);
    writer_i32(&w, c->mean_with_flip);
    writer_u64(&w, c->seed);
    *size_out = w.size;
    return w.data;
}

/* Loads `bytes` and expects a refusal with `expected` status and a message. */
static void expect_refused(const uint8_t *bytes, size_t size, icarl_status expected,
                           const char *what) {
    char message[256] = "";
    icarl_learner *learner = (icarl_learner *)&message;
    icarl_status status = icarl_load(bytes, size, &learner, message, sizeof message);
    CHECK_MESSAGE(status == expected, "%s: status %s (%s), expected %s", what,
                  icarl_strerror(status), message, icarl_strerror(expected));
    CHECK_MESSAGE(learner == NULL, "%s: learner left behind", what);
    CHECK_MESSAGE(message[0] != '\0', "%s: no message", what);
    if (status == ICARL_OK) icarl_destroy(learner);
}

static void test_checkpoint_huge_counts(void) {
    icarl_learner *learner = trained_learner();
    CHECK(icarl_add_examples(learner, "blue", class_images[2], 2) == ICARL_OK);
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);

    /* CLAS: class counts far beyond the section. */
    const int32_t class_counts[][2] = {{INT32_MAX, 2}, {-1, 0}, {4097, 2}, {3, 4}, {3, -1}};
    for (size_t i = 0; i < sizeof class_counts / sizeof class_counts[0]; i++) {
        const uint8_t *clas = find_section(bytes, size, "CLAS", &payload_size);
        CHECK(clas != NULL);
        uint8_t *copy = malloc(payload_size);
        memcpy(copy, clas, payload_size);
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 4; b++) copy[4 * k + b] = (uint8_t)((uint32_t)class_counts[i][k] >> (8 * b));
        bad = replace_section(bytes, size, "CLAS", copy, payload_size, &bad_size);
        expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "class count");
        free(bad);
        free(copy);
    }
    /* WGHT: parameter counts of 2^64-1 and 2^62, and a short section. */
    const uint8_t *wght = find_section(bytes, size, "WGHT", &payload_size);
    CHECK(wght != NULL && payload_size > 16);
    uint8_t *copy = malloc(payload_size);
    const uint64_t counts[] = {UINT64_MAX, (uint64_t)1 << 62, 0};
    for (size_t i = 0; i < 3; i++) {
        memcpy(copy, wght, payload_size);
        for (int b = 0; b < 8; b++) copy[b] = (uint8_t)(counts[i] >> (8 * b));
        bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
        expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "parameter count");
        free(bad);
    }
    bad = replace_section(bytes, size, "WGHT", wght, payload_size - 4, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "short weights");
    free(bad);
    free(copy);
    /* EXEM and PEND: image counts far beyond the section. */
    const char *image_tags[2] = {"EXEM", "PEND"};
    for (int t = 0; t < 2; t++) {
        const uint8_t *images = find_section(bytes, size, image_tags[t], &payload_size);
        CHECK(images != NULL && payload_size >= 4);
        copy = malloc(payload_size);
        const int32_t image_counts[] = {INT32_MAX, -1, 1 << 20};
        for (int i = 0; i < 3; i++) {
            memcpy(copy, images, payload_size);
            for (int b = 0; b < 4; b++) copy[b] = (uint8_t)((uint32_t)image_counts[i] >> (8 * b));
            bad = replace_section(bytes, size, image_tags[t], copy, payload_size, &bad_size);
            expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, image_tags[t]);
            free(bad);
        }
        free(copy);
    }
    /* A string length of 4 GB in the class names. */
    const uint8_t *clas = find_section(bytes, size, "CLAS", &payload_size);
    copy = malloc(payload_size);
    memcpy(copy, clas, payload_size);
    memset(copy + 8, 0xFF, 4);
    bad = replace_section(bytes, size, "CLAS", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "name length");
    free(bad);
    free(copy);
    icarl_free(bytes);
}

static void test_checkpoint_bad_configs(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        icarl_config config = tiny_config();
        bad_fields[i].apply(&config);
        size_t payload_size, bad_size;
        uint8_t *payload = config_payload(&config, &payload_size);
        uint8_t *bad = replace_section(bytes, size, "CONF", payload, payload_size, &bad_size);
        char message[256] = "";
        icarl_learner *loaded = NULL;
        icarl_status status = icarl_load(bad, bad_size, &loaded, message, sizeof message);
        CHECK_MESSAGE(status == ICARL_ERROR_CORRUPT || status == ICARL_ERROR_LIMIT,
                      "%s: status %s", bad_fields[i].what, icarl_strerror(status));
        CHECK_MESSAGE(loaded == NULL && strstr(message, "configuration") != NULL, "%s: %s",
                      bad_fields[i].what, message);
        icarl_destroy(loaded);
        free(bad);
        free(payload);
    }
    icarl_free(bytes);
}

/* The core of "a hostile checkpoint cannot make the loader allocate more than the file
 * justifies": a configuration that validates but describes a network of ~50 million
 * parameters (200 MB), in a file of a few kilobytes whose WGHT section holds the tiny network's
 * weights. The loader must see that the weights cannot be there before allocating the network.
 * The address space (or, under ASan, the largest single allocation) is capped below what the
 * network needs, so a loader that allocates first reports OUT_OF_MEMORY instead of CORRUPT. */
static void test_checkpoint_big_network_short_weights(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    icarl_config config = tiny_config();
    config.input_size = 4;
    config.crop_padding = 0;
    config.batch_size = 2;
    config.base_width = 64;
    config.blocks_per_stage = 32;
    char message[200] = "";
    /* It is a valid configuration (icarl_create would accept it). */
    extern icarl_status config_validate(const icarl_config *, char *, size_t);
    CHECK_MESSAGE(config_validate(&config, message, sizeof message) == ICARL_OK, "%s", message);
    size_t payload_size, bad_size;
    uint8_t *payload = config_payload(&config, &payload_size);
    uint8_t *bad = replace_section(bytes, size, "CONF", payload, payload_size, &bad_size);
    CHECK(bad_size < 100000);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "big network, tiny weights");
    free(bad);
    free(payload);
    icarl_free(bytes);
}

/* Whatever else is wrong, a structurally valid file with inconsistent content is CORRUPT. */
static void test_checkpoint_inconsistent_content(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    /* Duplicate class names. */
    byte_writer w;
    writer_init(&w);
    writer_i32(&w, 2);
    writer_i32(&w, 2);
    writer_string(&w, "red");
    writer_i32(&w, 1);
    writer_string(&w, "red");
    writer_i32(&w, 1);
    bad = replace_section(bytes, size, "CLAS", w.data, w.size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "duplicate names");
    free(bad);
    writer_free(&w);
    /* A name with a NUL inside. */
    writer_init(&w);
    writer_i32(&w, 2);
    writer_i32(&w, 2);
    writer_u32(&w, 3);
    writer_bytes(&w, "r\0d", 3);
    writer_i32(&w, 1);
    writer_string(&w, "green");
    writer_i32(&w, 1);
    bad = replace_section(bytes, size, "CLAS", w.data, w.size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "NUL in a name");
    free(bad);
    writer_free(&w);
    /* Means flag 2, and negative step counter. */
    const uint8_t *mean = find_section(bytes, size, "MEAN", &payload_size);
    uint8_t *copy = malloc(payload_size);
    memcpy(copy, mean, payload_size);
    copy[0] = 2;
    bad = replace_section(bytes, size, "MEAN", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "means flag");
    free(bad);
    free(copy);
    const uint8_t minus_one[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    bad = replace_section(bytes, size, "CNTR", minus_one, 4, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "negative counter");
    free(bad);
    /* Every truncation of the file is refused, never loaded. */
    for (size_t cut = 0; cut < size; cut += 1 + cut / 16) {
        char message[256] = "";
        icarl_learner *loaded = NULL;
        icarl_status status = icarl_load(bytes, cut, &loaded, message, sizeof message);
        CHECK_MESSAGE(status != ICARL_OK && loaded == NULL && message[0] != '\0',
                      "cut at %zu: %s", cut, icarl_strerror(status));
        icarl_destroy(loaded);
    }
    icarl_free(bytes);
}

/* Non-finite numbers in a checkpoint: NaN or infinite weights, statistics or class means, and
 * negative BatchNorm variances, would make every feature NaN; they are refused as CORRUPT. */
static void test_checkpoint_non_finite_numbers(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    size_t state_count = learner->state_count, parameter_count = 0;
    icarl_destroy(learner);
    const uint8_t *wght = find_section(bytes, size, "WGHT", &payload_size);
    CHECK(wght != NULL);
    for (int b = 0; b < 8; b++) parameter_count |= (size_t)wght[b] << (8 * b);
    uint8_t *copy = malloc(payload_size);
    const float values[3] = {NAN, INFINITY, -INFINITY};
    /* A weight, a running mean (state index 0) and a running variance (index 2: the stem's
     * variances follow its 2 means at base width 2). */
    const size_t offsets[3] = {8 + 4 * 5, 16 + 4 * parameter_count, 16 + 4 * (parameter_count + 2)};
    for (int v = 0; v < 3; v++)
        for (int o = 0; o < 3; o++) {
            memcpy(copy, wght, payload_size);
            memcpy(copy + offsets[o], &values[v], 4);
            bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
            expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "non-finite weight");
            free(bad);
        }
    CHECK(16 + 4 * (parameter_count + state_count) == payload_size);
    const float negative = -1.0f, positive = 1e30f;
    memcpy(copy, wght, payload_size);
    memcpy(copy + offsets[2], &negative, 4);
    bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "negative variance");
    free(bad);
    /* A negative running mean, or a large finite weight, is legitimate. */
    memcpy(copy, wght, payload_size);
    memcpy(copy + offsets[1], &negative, 4);
    memcpy(copy + offsets[0], &positive, 4);
    bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bad, bad_size, &loaded, NULL, 0) == ICARL_OK);
    icarl_destroy(loaded);
    free(bad);
    free(copy);
    const uint8_t *mean = find_section(bytes, size, "MEAN", &payload_size);
    copy = malloc(payload_size);
    memcpy(copy, mean, payload_size);
    memcpy(copy + 4, &values[0], 4);
    bad = replace_section(bytes, size, "MEAN", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "NaN class mean");
    free(bad);
    free(copy);
    icarl_free(bytes);
}

/* Herding on features that are all NaN (no candidate has a comparable distance) still returns
 * m distinct candidates in order and never indexes outside them. */
static void test_herding_with_nan_features(void) {
    float features[5 * 3];
    for (int i = 0; i < 15; i++) features[i] = NAN;
    int32_t order[5] = {-9, -9, -9, -9, -9};
    double scratch[2 * 3 + 5];
    herding_select(features, 5, 3, 4, order, scratch);
    for (int k = 0; k < 4; k++) CHECK(order[k] == k);
    CHECK(order[4] == -9);
}

/* icarl_save_file writes FILE.tmp and renames it: when the write fails (here FILE.tmp is a
 * directory, so it cannot be created) the old FILE is intact and no partial file is left. */
static void test_failed_save_keeps_old_file(void) {
    char directory[] = "/tmp/icarl-hostile-XXXXXX";
    CHECK(mkdtemp(directory) != NULL);
    char path[256], temporary[256];
    snprintf(path, sizeof path, "%s/model.icarl", directory);
    snprintf(temporary, sizeof temporary, "%s/model.icarl.tmp", directory);
    icarl_learner *learner = trained_learner();
    CHECK(icarl_save_file(learner, path) == ICARL_OK);
    struct stat info;
    CHECK(stat(temporary, &info) != 0); /* renamed away */
    uint8_t *good = NULL;
    size_t good_size = 0;
    CHECK(icarl_save(learner, &good, &good_size) == ICARL_OK);

    CHECK(icarl_add_examples(learner, "blue", class_images[2], 2) == ICARL_OK);
    CHECK(mkdir(temporary, 0700) == 0);
    CHECK(icarl_save_file(learner, path) == ICARL_ERROR_IO);
    CHECK(strstr(icarl_last_error(learner), "model.icarl.tmp") != NULL);
    icarl_learner *loaded = NULL;
    char message[256] = "";
    CHECK_MESSAGE(icarl_load_file(path, &loaded, message, sizeof message) == ICARL_OK, "%s",
                  message);
    uint8_t *again = NULL;
    size_t again_size = 0;
    CHECK(loaded != NULL && icarl_save(loaded, &again, &again_size) == ICARL_OK);
    CHECK(again_size == good_size && memcmp(again, good, good_size) == 0);
    CHECK(icarl_class_count(loaded) == 2); /* the old learner, not the one with "blue" */
    icarl_free(again);
    icarl_free(good);
    icarl_destroy(loaded);
    icarl_destroy(learner);
    rmdir(temporary);
    remove(path);
    rmdir(directory);
}

/* Caps the address space a little above what this process uses now, so that an allocation
 * the input does not justify fails fast here. Not under ASan (see __asan_default_options). */
static void cap_address_space(void) {
#if !UNDER_ASAN
    FILE *status = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (status != NULL) {
        if (fscanf(status, "%lu", &pages) != 1) pages = 0;
        fclose(status);
    }
    if (pages == 0) return;
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = (rlim_t)pages * 4096 + ((rlim_t)256 << 20);
    if (setrlimit(RLIMIT_AS, &limit) != 0) perror("setrlimit");
#endif
}

int main(void) {
    make_images();
    cap_address_space();
    RUN(test_create_refuses_bad_configs);
    RUN(test_create_refuses_huge_networks);
    RUN(test_presets_and_strings);
    RUN(test_null_pointers);
    RUN(test_bad_images);
    RUN(test_bad_class_names);
    RUN(test_calls_out_of_order);
    RUN(test_reconfigure_refusals_change_nothing);
    RUN(test_divergence_reported);
    RUN(test_memory_smaller_than_classes);
    RUN(test_checkpoint_huge_counts);
    RUN(test_checkpoint_bad_configs);
    RUN(test_checkpoint_big_network_short_weights);
    RUN(test_checkpoint_inconsistent_content);
    RUN(test_checkpoint_non_finite_numbers);
    RUN(test_herding_with_nan_features);
    RUN(test_failed_save_keeps_old_file);
    return HARNESS_RESULT();
}
