/* test_learner.c - the learner's own entry points (src/icarl/learner.c, src/icarl/status.c):
 * creating one, adding examples (bad images, sizes and counts, bad class names: refused with a
 * message, and a refused call adds nothing), class and memory information, icarl_strerror and
 * icarl_last_error, and each of them given NULL. The step, classification and checkpoints have
 * their own test files. */
#define _POSIX_C_SOURCE 200809L /* setrlimit */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"

static void test_errors_before_training(void) {
    icarl_learner *learner = tiny_learner();
    uint8_t pixel[4] = {0};
    icarl_image image = {pixel, 1, 1, 4};
    int32_t label;
    CHECK(icarl_classify(learner, &image, &label, NULL, NULL) == ICARL_ERROR_NO_CLASSES);
    CHECK(strstr(icarl_last_error(learner), "trained") != NULL);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_NOTHING_TO_TRAIN);
    icarl_image bad = {pixel, 0, 1, 4};
    CHECK(icarl_add_examples(learner, "x", &bad, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, "", &image, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, "empty", &image, 0) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_count(learner) == 0); /* a refused call adds nothing */
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK);
    CHECK(memory.capacity == 6 && memory.used == 0 && memory.per_class == 0);
    icarl_destroy(learner);
}

/* Examples for a new class and for a known one: one class, pending images counted, untrained. */
static void test_add_examples(void) {
    icarl_learner *learner = tiny_learner();
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 2) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 1) == ICARL_OK);
    CHECK(icarl_class_count(learner) == 2);
    icarl_class_info info;
    CHECK(icarl_class_info_get(learner, 0, &info) == ICARL_OK);
    CHECK(strcmp(info.name, "red") == 0 && info.pending == 4 && info.exemplars == 0 &&
          !info.trained);
    CHECK(icarl_class_info_get(learner, 1, &info) == ICARL_OK);
    CHECK(strcmp(info.name, "green") == 0 && info.pending == 2);
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
    icarl_image mixed[3] = {colour_images(0)[0], colour_images(0)[1], bad[5]};
    CHECK(icarl_add_examples(learner, "cat", mixed, 3) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(icarl_last_error(learner), "image 3 of 3") != NULL);
    CHECK(icarl_class_count(learner) == 0);
    /* Counts. */
    CHECK(icarl_add_examples(learner, "cat", colour_images(0), -1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, "cat", colour_images(0), INT32_MAX) == ICARL_ERROR_LIMIT);
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
        CHECK_MESSAGE(icarl_add_examples(learner, names[i], colour_images(0), 1) ==
                          ICARL_ERROR_INVALID_ARGUMENT,
                      "name %zu", i);
        CHECK(has_message(learner));
    }
    long_name[LEARNER_MAX_NAME] = '\0'; /* the longest allowed */
    CHECK(icarl_add_examples(learner, long_name, colour_images(0), 1) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "caf\xc3\xa9 \xe2\x98\x95", colour_images(1), 1) == ICARL_OK);
    CHECK(icarl_class_count(learner) == 2);
    /* Indices that name no class. */
    icarl_class_info info;
    CHECK(icarl_class_info_get(learner, -1, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, 2, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, INT32_MAX, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_class_info_get(learner, 0, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

static void test_status_strings(void) {
    for (int s = -3; s < ICARL_STATUS_COUNT + 3; s++) {
        const char *text = icarl_strerror((icarl_status)s);
        CHECK_MESSAGE(text != NULL && text[0] != '\0', "strerror(%d)", s);
    }
    CHECK(strcmp(icarl_strerror(ICARL_OK), icarl_strerror(ICARL_ERROR_CORRUPT)) != 0);
    CHECK(icarl_last_error(NULL) != NULL);
    icarl_destroy(NULL);
    icarl_free(NULL);
}

/* The learner's entry points given NULL. */
static void test_null_pointers(void) {
    icarl_learner *learner = tiny_learner();
    icarl_image image = colour_images(0)[0];
    icarl_class_info info;
    icarl_memory_info memory;
    CHECK(icarl_add_examples(NULL, "a", &image, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_add_examples(learner, NULL, &image, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_add_examples(learner, "a", NULL, 1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_class_count(NULL) == 0);
    CHECK(icarl_class_info_get(NULL, 0, &info) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_memory_info_get(NULL, &memory) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_memory_info_get(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_thread_count(NULL) == 1);
    CHECK(icarl_class_count(learner) == 0); /* nothing above added anything */
    icarl_destroy(learner);
}

int main(void) {
    cap_address_space();
    RUN(test_errors_before_training);
    RUN(test_add_examples);
    RUN(test_bad_images);
    RUN(test_bad_class_names);
    RUN(test_status_strings);
    RUN(test_null_pointers);
    return HARNESS_RESULT();
}
