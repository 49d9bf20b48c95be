/* test_learner.c - the learner end to end on a tiny synthetic problem: steps, exemplar memory,
 * classification, checkpoints (round trip, determinism, every kind of damaged file), cancelling
 * and divergence leaving the learner unchanged, and calls out of order. */
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "io/sections.h"

#define SIDE 12

/* Class c: a coloured square of a class-specific colour and position on a noisy background,
 * drawn at 16x16 RGBA so the engine has to resize. */
static void make_image(int c, random_state *random, uint8_t *rgba) {
    static const uint8_t colours[4][3] = {{220, 40, 40}, {40, 200, 60}, {50, 60, 230}, {230, 220, 40}};
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

static icarl_image *make_images(int c, int count, uint64_t seed, uint8_t **storage) {
    random_state random;
    random_seed(&random, seed, (uint64_t)c);
    *storage = malloc((size_t)count * 16 * 16 * 4);
    icarl_image *images = malloc(sizeof *images * count);
    for (int i = 0; i < count; i++) {
        make_image(c, &random, *storage + (size_t)i * 16 * 16 * 4);
        images[i] = (icarl_image){*storage + (size_t)i * 16 * 16 * 4, 16, 16, 4};
    }
    return images;
}

static icarl_config tiny_config(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 16;
    config.epochs = 6;
    config.memory = 20;
    config.learning_rate = 0.05f;
    config.crop_padding = 1;
    return config;
}

static void add_class(icarl_learner *learner, const char *name, int c, int count, uint64_t seed) {
    uint8_t *storage;
    icarl_image *images = make_images(c, count, seed, &storage);
    CHECK(icarl_add_examples(learner, name, images, count) == ICARL_OK);
    free(images);
    free(storage);
}

static double accuracy(icarl_learner *learner, int classes, int per_class) {
    int correct = 0, total = 0;
    for (int c = 0; c < classes; c++) {
        uint8_t *storage;
        icarl_image *images = make_images(c, per_class, 999, &storage);
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

static uint8_t *save(icarl_learner *learner, size_t *size) {
    uint8_t *bytes = NULL;
    CHECK(icarl_save(learner, &bytes, size) == ICARL_OK);
    return bytes;
}

static int same_bytes(icarl_learner *a, icarl_learner *b) {
    size_t size_a, size_b;
    uint8_t *bytes_a = save(a, &size_a), *bytes_b = save(b, &size_b);
    int same = size_a == size_b && memcmp(bytes_a, bytes_b, size_a) == 0;
    icarl_free(bytes_a);
    icarl_free(bytes_b);
    return same;
}

static icarl_learner *trained_two_classes(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    add_class(learner, "red", 0, 30, 1);
    add_class(learner, "green", 1, 30, 1);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

static void test_errors_before_training(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    char message[200] = "";
    config.channels = 2;
    CHECK(icarl_create(&config, &learner, message, sizeof message) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(learner == NULL && strstr(message, "channels") != NULL);
    config = tiny_config();
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
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
    icarl_destroy(learner);
}

static void test_incremental_steps(void) {
    icarl_learner *learner = trained_two_classes();
    icarl_memory_info memory;
    icarl_memory_info_get(learner, &memory);
    CHECK(memory.capacity == 20 && memory.per_class == 10 && memory.used == 20);
    double two = accuracy(learner, 2, 20);
    CHECK_MESSAGE(two >= 0.9, "accuracy on 2 classes %.3f", two);

    /* Remember class 0's exemplars: with no new images it must only be cut to its first m. */
    uint8_t first[6 * SIDE * SIDE * 3];
    memcpy(first, learner->classes[0].exemplars.pixels, sizeof first);
    add_class(learner, "blue", 2, 30, 2);
    add_class(learner, "yellow", 3, 30, 2);
    icarl_class_info info;
    icarl_class_info_get(learner, 2, &info);
    CHECK(info.pending == 30 && !info.trained && strcmp(info.name, "blue") == 0);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_memory_info_get(learner, &memory);
    CHECK(memory.per_class == 5 && memory.used == 20);
    CHECK(memcmp(first, learner->classes[0].exemplars.pixels, 5 * SIDE * SIDE * 3) == 0);
    double four = accuracy(learner, 4, 20);
    CHECK_MESSAGE(four >= 0.8, "accuracy on 4 classes %.3f", four);

    /* A known class gets more images: it stays one class, its set is herded again. */
    add_class(learner, "red", 0, 10, 3);
    CHECK(icarl_class_count(learner) == 4);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_class_info_get(learner, 0, &info);
    CHECK(info.exemplars == 5 && info.pending == 0);
    icarl_destroy(learner);
}

static void test_checkpoint_round_trip(void) {
    icarl_learner *learner = trained_two_classes();
    size_t size;
    uint8_t *bytes = save(learner, &size);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    CHECK(loaded != NULL && same_bytes(learner, loaded));

    /* Classification is bit-identical. */
    uint8_t *storage;
    icarl_image *images = make_images(1, 5, 77, &storage);
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
    add_class(learner, "blue", 2, 20, 5);
    add_class(loaded, "blue", 2, 20, 5);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_step(loaded, NULL, NULL) == ICARL_OK);
    CHECK(same_bytes(learner, loaded));

    /* Pending images survive a checkpoint too. */
    add_class(learner, "yellow", 3, 7, 5);
    icarl_free(bytes);
    bytes = save(learner, &size);
    icarl_learner *with_pending = NULL;
    CHECK(icarl_load(bytes, size, &with_pending, NULL, 0) == ICARL_OK);
    icarl_class_info info;
    CHECK(icarl_class_info_get(with_pending, 3, &info) == ICARL_OK && info.pending == 7);
    icarl_destroy(with_pending);
    icarl_free(bytes);
    icarl_destroy(loaded);
    icarl_destroy(learner);
}

static void test_same_seed_same_learner(void) {
    icarl_learner *a = trained_two_classes(), *b = trained_two_classes();
    CHECK(same_bytes(a, b));
    icarl_destroy(a);
    icarl_destroy(b);
}

static void expect_refused(const uint8_t *bytes, size_t size, const char *what) {
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
    uint8_t *bytes = save(learner, &size);
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
        expect_refused(bytes, length, what);
    }
    /* Single bit flips across the file. */
    for (size_t position = 12; position < size; position += 131) {
        memcpy(copy, bytes, size);
        copy[position] ^= (uint8_t)(1u << (position % 8));
        char what[64];
        snprintf(what, sizeof what, "bit flip at %zu", position);
        expect_refused(copy, size, what);
    }
    free(copy);
    icarl_free(bytes);
    icarl_destroy(learner);
}

static void test_cancel_and_divergence_leave_learner_unchanged(void) {
    icarl_learner *learner = trained_two_classes();
    size_t size_before;
    uint8_t *before = save(learner, &size_before);
    add_class(learner, "blue", 2, 20, 9);
    size_t size_pending;
    uint8_t *pending = save(learner, &size_pending);

    CHECK(icarl_step_begin(learner) == ICARL_OK);
    icarl_progress progress;
    CHECK(icarl_step_continue(learner, 3, &progress) == ICARL_OK);
    CHECK(progress.done == 3 && progress.total > 3 && progress.phase != ICARL_PHASE_DONE);
    uint8_t pixel[4] = {0};
    icarl_image image = {pixel, 1, 1, 4};
    CHECK(icarl_add_examples(learner, "late", &image, 1) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);
    size_t size_after;
    uint8_t *after = save(learner, &size_after);
    CHECK(size_after == size_pending && memcmp(after, pending, size_after) == 0);
    icarl_free(after);

    /* A head bias set to NaN makes the loss NaN: the step stops and nothing changes. */
    float *bias = learner->parameters + learner->backbone_count +
                  (size_t)learner->outputs * learner->feature_size;
    float saved = bias[0];
    bias[0] = NAN;
    uint8_t *poisoned = save(learner, &size_after);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_DIVERGED);
    CHECK(strstr(icarl_last_error(learner), "diverged") != NULL);
    after = save(learner, &size_after);
    CHECK(memcmp(after, poisoned, size_after) == 0);
    bias[0] = saved;
    icarl_free(after);
    icarl_free(poisoned);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK); /* still usable */
    icarl_free(before);
    icarl_free(pending);
    icarl_destroy(learner);
    (void)size_before;
}

static int cancel_after_five(const icarl_progress *progress, void *user) {
    int *calls = user;
    (void)progress;
    return ++*calls >= 5;
}

static void test_callback_cancels(void) {
    icarl_learner *learner = trained_two_classes();
    add_class(learner, "blue", 2, 20, 9);
    int calls = 0;
    CHECK(icarl_step(learner, cancel_after_five, &calls) == ICARL_ERROR_CANCELLED);
    CHECK(calls == 5);
    icarl_class_info info;
    icarl_class_info_get(learner, 2, &info);
    CHECK(info.pending == 20 && !info.trained);
    icarl_destroy(learner);
}

/* The paper's baselines (section 4): no exemplars for finetuning and LwF, and a representation
 * frozen after the first step for "fixed", whose old class rows stay frozen too. */
static void test_baseline_methods(void) {
    int methods[] = {ICARL_METHOD_FINETUNE, ICARL_METHOD_LWF, ICARL_METHOD_FIXED};
    for (int i = 0; i < 3; i++) {
        icarl_config config = tiny_config();
        config.method = methods[i];
        icarl_learner *learner = NULL;
        CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
        add_class(learner, "red", 0, 30, 1);
        add_class(learner, "green", 1, 30, 1);
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
        icarl_memory_info memory;
        icarl_memory_info_get(learner, &memory);
        CHECK_MESSAGE(memory.used == 0, "method %d keeps %d exemplars", methods[i], memory.used);
        double two = accuracy(learner, 2, 20);
        CHECK_MESSAGE(two >= 0.9, "method %d: accuracy on 2 classes %.3f", methods[i], two);

        size_t frozen = learner->backbone_count + 2 * (size_t)learner->feature_size;
        float *before = malloc(frozen * sizeof(float));
        memcpy(before, learner->parameters, frozen * sizeof(float));
        add_class(learner, "blue", 2, 30, 2);
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
        int unchanged = memcmp(before, learner->parameters, frozen * sizeof(float)) == 0;
        CHECK_MESSAGE(unchanged == (methods[i] == ICARL_METHOD_FIXED),
                      "method %d: backbone and old rows %s", methods[i],
                      unchanged ? "unchanged" : "changed");
        int32_t label = -1;
        uint8_t *storage;
        icarl_image *images = make_images(2, 1, 5, &storage);
        CHECK(icarl_classify(learner, &images[0], &label, NULL, NULL) == ICARL_OK);
        CHECK(label >= 0 && label < 3);
        free(images);
        free(storage);
        free(before);
        icarl_destroy(learner);
    }
}

int main(void) {
    RUN(test_baseline_methods);
    RUN(test_errors_before_training);
    RUN(test_incremental_steps);
    RUN(test_checkpoint_round_trip);
    RUN(test_same_seed_same_learner);
    RUN(test_damaged_checkpoints);
    RUN(test_cancel_and_divergence_leave_learner_unchanged);
    RUN(test_callback_cancels);
    return HARNESS_RESULT();
}
