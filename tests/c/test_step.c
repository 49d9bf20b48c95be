/* test_step.c - the incremental step's contract (src/icarl/step.c) on small problems: learning
 * new classes and a known class getting more images, with the memory and accuracy that follow;
 * the same seed giving the same learner; a cancelled, diverged or interrupted step leaving the
 * learner as it was; calls out of order; a memory smaller than the classes; and what each method
 * keeps (exemplars, means, a frozen representation). What a step feeds its loss is in
 * test_step_targets.c, its exemplars and means in test_step_exemplars.c, its phase timings in
 * test_step_phases.c. */
#define _POSIX_C_SOURCE 200809L /* setrlimit */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "squares_fixture.h"

static void test_incremental_steps(void) {
    icarl_learner *learner = trained_two_classes();
    icarl_memory_info memory;
    icarl_memory_info_get(learner, &memory);
    CHECK(memory.capacity == 20 && memory.per_class == 10 && memory.used == 20);
    double two = squares_accuracy(learner, 2, 20);
    CHECK_MESSAGE(two >= 0.9, "accuracy on 2 classes %.3f", two);

    /* Remember class 0's exemplars: with no new images it must only be cut to its first m. */
    uint8_t first[6 * SQUARES_SIDE * SQUARES_SIDE * 3];
    memcpy(first, learner->classes[0].exemplars.pixels, sizeof first);
    add_squares(learner, "blue", 2, 30, 2);
    add_squares(learner, "yellow", 3, 30, 2);
    icarl_class_info info;
    icarl_class_info_get(learner, 2, &info);
    CHECK(info.pending == 30 && !info.trained && strcmp(info.name, "blue") == 0);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_memory_info_get(learner, &memory);
    CHECK(memory.per_class == 5 && memory.used == 20);
    CHECK(memcmp(first, learner->classes[0].exemplars.pixels,
                 5 * SQUARES_SIDE * SQUARES_SIDE * 3) == 0);
    double four = squares_accuracy(learner, 4, 20);
    CHECK_MESSAGE(four >= 0.8, "accuracy on 4 classes %.3f", four);

    /* A known class gets more images: it stays one class, its set is herded again. */
    add_squares(learner, "red", 0, 10, 3);
    CHECK(icarl_class_count(learner) == 4);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_class_info_get(learner, 0, &info);
    CHECK(info.exemplars == 5 && info.pending == 0);
    icarl_destroy(learner);
}

static void test_same_seed_same_learner(void) {
    icarl_learner *a = trained_two_classes(), *b = trained_two_classes();
    CHECK(same_bytes(a, b));
    icarl_destroy(a);
    icarl_destroy(b);
}

static void test_cancel_and_divergence_leave_learner_unchanged(void) {
    icarl_learner *learner = trained_two_classes();
    size_t size_before;
    uint8_t *before = save_bytes(learner, &size_before);
    add_squares(learner, "blue", 2, 20, 9);
    size_t size_pending;
    uint8_t *pending = save_bytes(learner, &size_pending);

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
    uint8_t *after = save_bytes(learner, &size_after);
    CHECK(size_after == size_pending && memcmp(after, pending, size_after) == 0);
    icarl_free(after);

    /* A head bias set to NaN makes the loss NaN: the step stops and nothing changes. */
    float *bias = learner->parameters + learner->backbone_count +
                  (size_t)learner->outputs * learner->feature_size;
    float saved = bias[0];
    bias[0] = NAN;
    uint8_t *poisoned = save_bytes(learner, &size_after);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_DIVERGED);
    CHECK(strstr(icarl_last_error(learner), "diverged") != NULL);
    after = save_bytes(learner, &size_after);
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
    add_squares(learner, "blue", 2, 20, 9);
    int calls = 0;
    CHECK(icarl_step(learner, cancel_after_five, &calls) == ICARL_ERROR_CANCELLED);
    CHECK(calls == 5);
    icarl_class_info info;
    icarl_class_info_get(learner, 2, &info);
    CHECK(info.pending == 20 && !info.trained);
    icarl_destroy(learner);
}

/* The step's entry points out of order: nothing to train, a step already running (which also
 * refuses new examples and a new configuration), no step to continue or cancel. */
static void test_calls_out_of_order(void) {
    icarl_learner *learner = tiny_learner();
    icarl_progress progress;
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_NOTHING_TO_TRAIN && has_message(learner));
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_NOTHING_TO_TRAIN);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);
    CHECK(has_message(learner));
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);

    /* During a step. */
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 1) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_class_count(learner) == 2);
    icarl_config config = tiny_config();
    config.epochs = 3;
    CHECK(icarl_reconfigure(learner, &config) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_WRONG_STATE);
    /* Zero or negative work does nothing but report. */
    CHECK(icarl_step_continue(learner, 0, &progress) == ICARL_OK);
    CHECK(progress.done == 0 && progress.phase != ICARL_PHASE_DONE);
    CHECK(icarl_step_continue(learner, -5, NULL) == ICARL_OK);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);

    /* After a step, a finished step cannot be continued or cancelled. */
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_cancel(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_begin(learner) == ICARL_ERROR_NOTHING_TO_TRAIN); /* nothing new */
    icarl_destroy(learner);
}

static void test_null_pointers(void) {
    icarl_progress progress;
    CHECK(icarl_step_begin(NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_continue(NULL, 1, &progress) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_cancel(NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step(NULL, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
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
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
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
        CHECK(icarl_classify(learner, &colour_images(0)[0], &label, scores, NULL) == ICARL_OK);
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
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK);
    CHECK(memory.capacity == 1 && memory.used == 0 && memory.per_class == 0);
    int32_t label = -1;
    float nme[2];
    CHECK(icarl_classify(learner, &colour_images(1)[0], &label, nme, NULL) == ICARL_OK);
    CHECK(label == 0 || label == 1);
    /* A further step keeps the old classes' empty sets empty (under UBSan: no memcpy from a
     * NULL buffer of 0 images). */
    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK && memory.used == 0);
    icarl_destroy(learner);
}

/* The paper's baselines (section 4) and the ablation without distillation: finetuning and LwF
 * keep no exemplars and classify with the network; "fixed" also freezes the representation and
 * the old classes' rows after the first step; replay keeps exemplars and class means like iCaRL. */
static void test_methods(void) {
    static const struct {
        int method, keeps_exemplars, frozen;
    } methods[] = {{ICARL_METHOD_FINETUNE, 0, 0},
                   {ICARL_METHOD_LWF, 0, 0},
                   {ICARL_METHOD_FIXED, 0, 1},
                   {ICARL_METHOD_REPLAY, 1, 0}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        int method = methods[i].method;
        icarl_learner *learner = trained_two_classes_by(method);
        icarl_memory_info memory;
        icarl_memory_info_get(learner, &memory);
        CHECK_MESSAGE(memory.used == (methods[i].keeps_exemplars ? 20 : 0),
                      "method %d keeps %d exemplars", method, memory.used);
        CHECK_MESSAGE(learner->has_means == methods[i].keeps_exemplars,
                      "method %d: class means %s", method, learner->has_means ? "kept" : "absent");
        double two = squares_accuracy(learner, 2, 20);
        CHECK_MESSAGE(two >= 0.9, "method %d: accuracy on 2 classes %.3f", method, two);

        size_t frozen = learner->backbone_count + 2 * (size_t)learner->feature_size;
        float *before = malloc(frozen * sizeof(float));
        memcpy(before, learner->parameters, frozen * sizeof(float));
        add_squares(learner, "blue", 2, 30, 2);
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
        int unchanged = memcmp(before, learner->parameters, frozen * sizeof(float)) == 0;
        CHECK_MESSAGE(unchanged == methods[i].frozen, "method %d: backbone and old rows %s",
                      method, unchanged ? "unchanged" : "changed");
        icarl_memory_info_get(learner, &memory);
        CHECK_MESSAGE(memory.used == (methods[i].keeps_exemplars ? 18 : 0),
                      "method %d keeps %d exemplars after two steps", method, memory.used);
        int32_t label = -1;
        uint8_t *storage;
        icarl_image *images = square_images(2, 1, 5, &storage);
        CHECK(icarl_classify(learner, &images[0], &label, NULL, NULL) == ICARL_OK);
        CHECK(label >= 0 && label < 3);
        free(images);
        free(storage);
        free(before);
        icarl_destroy(learner);
    }
}

int main(void) {
    cap_address_space();
    RUN(test_incremental_steps);
    RUN(test_same_seed_same_learner);
    RUN(test_cancel_and_divergence_leave_learner_unchanged);
    RUN(test_callback_cancels);
    RUN(test_calls_out_of_order);
    RUN(test_null_pointers);
    RUN(test_divergence_reported);
    RUN(test_memory_smaller_than_classes);
    RUN(test_methods);
    return HARNESS_RESULT();
}
