/* test_checkpoint.c - checkpoints (src/icarl/checkpoint.c, the format of docs/design.md 5.5)
 * as a caller uses them: a saved learner loads to the same bytes, classifies bit-identically,
 * trains on identically and keeps its pending images; saving during a step saves the learner as
 * before it; truncated, bit-flipped, foreign and future files are refused with a message; a
 * failed save to a file leaves the old file intact; and the entry points given NULL. Files that
 * keep valid checksums around lying content are test_checkpoint_crafted.c's. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, setrlimit */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_fixture.h"
#include "harness.h"
#include "icarl.h"
#include "io/sections.h"
#include "squares_fixture.h"

static void test_checkpoint_round_trip(void) {
    icarl_learner *learner = trained_two_classes();
    size_t size;
    uint8_t *bytes = save_bytes(learner, &size);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    CHECK(loaded != NULL && same_bytes(learner, loaded));

    /* Classification is bit-identical. */
    uint8_t *storage;
    icarl_image *images = square_images(1, 5, 77, &storage);
    for (int i = 0; i < 5; i++) {
        float a_nme[2], a_cnn[2], b_nme[2], b_cnn[2];
        int32_t a, b;
        CHECK(icarl_classify(learner, &images[i], &a, a_nme, a_cnn) == ICARL_OK);
        CHECK(icarl_classify(loaded, &images[i], &b, b_nme, b_cnn) == ICARL_OK);
        CHECK(a == b && memcmp(a_nme, b_nme, sizeof a_nme) == 0 &&
              memcmp(a_cnn, b_cnn, sizeof a_cnn) == 0);
    }
    free(images);
    free(storage);

    /* Training continues the same way from the original and from the copy. */
    add_squares(learner, "blue", 2, 20, 5);
    add_squares(loaded, "blue", 2, 20, 5);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_step(loaded, NULL, NULL) == ICARL_OK);
    CHECK(same_bytes(learner, loaded));

    /* Pending images survive a checkpoint too. */
    add_squares(learner, "yellow", 3, 7, 5);
    icarl_free(bytes);
    bytes = save_bytes(learner, &size);
    icarl_learner *with_pending = NULL;
    CHECK(icarl_load(bytes, size, &with_pending, NULL, 0) == ICARL_OK);
    icarl_class_info info;
    CHECK(icarl_class_info_get(with_pending, 3, &info) == ICARL_OK && info.pending == 7);
    icarl_destroy(with_pending);
    icarl_free(bytes);
    icarl_destroy(loaded);
    icarl_destroy(learner);
}

/* A step in progress is not part of the checkpoint: the learner as it was before the step is. */
static void test_save_during_a_step(void) {
    icarl_learner *learner = tiny_learner();
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
    size_t size_before = 0, size = 0;
    uint8_t *before = save_bytes(learner, &size_before);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    icarl_progress progress;
    CHECK(icarl_step_continue(learner, 2, &progress) == ICARL_OK);
    uint8_t *bytes = save_bytes(learner, &size);
    CHECK(size == size_before && memcmp(bytes, before, size) == 0);
    icarl_learner *copy = NULL;
    CHECK(icarl_load(bytes, size, &copy, NULL, 0) == ICARL_OK);
    icarl_class_info info;
    CHECK(copy != NULL && icarl_class_info_get(copy, 1, &info) == ICARL_OK && !info.trained &&
          info.pending == 3);
    icarl_destroy(copy);
    icarl_free(bytes);
    icarl_free(before);
    icarl_destroy(learner);
}

static void expect_any_refusal(const uint8_t *bytes, size_t size, const char *what) {
    icarl_learner *learner = (icarl_learner *)1;
    char message[200] = "";
    icarl_status status = icarl_load(bytes, size, &learner, message, sizeof message);
    CHECK_MESSAGE(status != ICARL_OK && learner == NULL && message[0] != '\0',
                  "%s: status %d, message \"%s\"", what, (int)status, message);
    if (status == ICARL_OK) icarl_destroy(learner);
}

static void test_damaged_checkpoints(void) {
    icarl_learner *learner = trained_two_classes();
    size_t size;
    uint8_t *bytes = save_bytes(learner, &size);
    icarl_learner *out = NULL;
    char message[200];

    CHECK(icarl_load(bytes, 0, &out, message, sizeof message) == ICARL_ERROR_NOT_A_CHECKPOINT);
    const char foreign[] = "\x89PNG\r\n\x1a\n not a checkpoint at all, just some bytes";
    CHECK(icarl_load((const uint8_t *)foreign, sizeof foreign, &out, message, sizeof message) ==
          ICARL_ERROR_NOT_A_CHECKPOINT);

    uint8_t *copy = malloc(size);
    memcpy(copy, bytes, size);
    copy[8] = CHECKPOINT_VERSION + 1; /* a newer format */
    CHECK(icarl_load(copy, size, &out, message, sizeof message) ==
          ICARL_ERROR_UNSUPPORTED_VERSION);
    CHECK(strstr(message, "newer") != NULL);

    /* Every truncation near the start and the end, and a spread in between. */
    for (size_t length = 1; length < size; length += (length < 64 || length > size - 64) ? 1 : 97) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu of %zu", length, size);
        expect_any_refusal(bytes, length, what);
    }
    /* Single bit flips across the file. */
    for (size_t position = 12; position < size; position += 131) {
        memcpy(copy, bytes, size);
        copy[position] ^= (uint8_t)(1u << (position % 8));
        char what[64];
        snprintf(what, sizeof what, "bit flip at %zu", position);
        expect_any_refusal(copy, size, what);
    }
    free(copy);
    icarl_free(bytes);
    icarl_destroy(learner);
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

    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 2) == ICARL_OK);
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

/* The checkpoint entry points given NULL, missing files and unwritable places. */
static void test_null_pointers_and_missing_files(void) {
    icarl_learner *learner = tiny_learner();
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(NULL, &bytes, &size) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save(learner, NULL, &size) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save(learner, &bytes, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save_file(NULL, "x") == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_save_file(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_learner *loaded = learner; /* must be overwritten with NULL */
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
    icarl_destroy(learner);
}

int main(void) {
    RUN(test_checkpoint_round_trip);
    RUN(test_save_during_a_step);
    RUN(test_damaged_checkpoints);
    RUN(test_failed_save_keeps_old_file);
    RUN(test_null_pointers_and_missing_files);
    return HARNESS_RESULT();
}
