/* test_step_phases.c - icarl_step_phase_seconds and icarl_thread_count, which the JS API and the
 * webcam bench use to show what a step's time went to and how many threads ran it: zeros before
 * the first step, every phase of an iCaRL step timed and together within the step's own time,
 * IDLE and DONE never charged, a second step starts from zero, and the thread count follows the
 * configuration's threads, also when icarl_reconfigure changes it. (Which phase is longest
 * depends on the machine's load, so it is not asserted.) */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "icarl.h"

#define SIDE 8
#define PER_CLASS 16

static double monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static icarl_learner *learner_with(int threads) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 8;
    config.epochs = 3;
    config.memory = 10;
    config.threads = threads;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    return learner;
}

static void add_class(icarl_learner *learner, const char *name, int value) {
    static uint8_t pixels[PER_CLASS][SIDE * SIDE];
    icarl_image images[PER_CLASS];
    for (int i = 0; i < PER_CLASS; i++) {
        for (int p = 0; p < SIDE * SIDE; p++) pixels[i][p] = (uint8_t)((value + 13 * i + p) & 0xff);
        images[i] = (icarl_image){pixels[i], SIDE, SIDE, 1};
    }
    CHECK(icarl_add_examples(learner, name, images, PER_CLASS) == ICARL_OK);
}

static void test_phases_are_timed(void) {
    icarl_learner *learner = learner_with(0);
    double seconds[ICARL_PHASE_DONE + 1];
    memset(seconds, 0xff, sizeof seconds);
    CHECK(icarl_step_phase_seconds(learner, seconds) == ICARL_OK);
    for (int p = 0; p <= ICARL_PHASE_DONE; p++) CHECK(seconds[p] == 0.0);

    add_class(learner, "a", 10);
    add_class(learner, "b", 120);
    double before = monotonic_seconds();
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    double elapsed = monotonic_seconds() - before;
    CHECK(icarl_step_phase_seconds(learner, seconds) == ICARL_OK);
    CHECK(seconds[ICARL_PHASE_IDLE] == 0.0 && seconds[ICARL_PHASE_DONE] == 0.0);
    CHECK(seconds[ICARL_PHASE_TARGETS] == 0.0); /* no old classes: nothing to distil */
    CHECK(seconds[ICARL_PHASE_TRAINING] > 0.0);
    CHECK(seconds[ICARL_PHASE_HERDING] > 0.0);
    CHECK(seconds[ICARL_PHASE_MEANS] > 0.0);
    /* The phases share the step's time: together no more than the call took. */
    double charged = 0.0;
    for (int p = 0; p <= ICARL_PHASE_DONE; p++) charged += seconds[p];
    CHECK_MESSAGE(charged <= elapsed, "phases charged %.6f s of a %.6f s step", charged, elapsed);

    /* The second step distils from the first: it has targets, and starts from zero. */
    add_class(learner, "c", 200);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_step_phase_seconds(learner, seconds) == ICARL_OK);
    CHECK(seconds[ICARL_PHASE_TRAINING] == 0.0 && seconds[ICARL_PHASE_HERDING] == 0.0);
    icarl_progress progress;
    do CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
    while (progress.phase != ICARL_PHASE_DONE);
    CHECK(icarl_step_phase_seconds(learner, seconds) == ICARL_OK);
    CHECK(seconds[ICARL_PHASE_TARGETS] > 0.0);
    CHECK(seconds[ICARL_PHASE_TRAINING] > 0.0);

    CHECK(icarl_step_phase_seconds(NULL, seconds) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_step_phase_seconds(learner, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

static void test_thread_count(void) {
    icarl_learner *one = learner_with(1);
    icarl_learner *two = learner_with(2);
    CHECK(icarl_thread_count(one) == 1);
    CHECK(icarl_thread_count(two) == 2);
    CHECK(icarl_thread_count(NULL) == 1);

    /* Reconfiguring the threads replaces the compute context; the learner still trains. */
    icarl_config config;
    CHECK(icarl_get_config(two, &config) == ICARL_OK);
    CHECK(config.threads == 2);
    config.threads = 1;
    CHECK(icarl_reconfigure(two, &config) == ICARL_OK);
    CHECK(icarl_thread_count(two) == 1);
    config.threads = 3;
    CHECK(icarl_reconfigure(two, &config) == ICARL_OK);
    CHECK(icarl_thread_count(two) == 3);
    config.threads = 9;
    CHECK(icarl_reconfigure(two, &config) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_thread_count(two) == 3);

    /* Threads are not saved: a loaded learner has the default until told otherwise. */
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(two, &bytes, &size) == ICARL_OK);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    CHECK(icarl_get_config(loaded, &config) == ICARL_OK);
    CHECK(config.threads == 0);
    icarl_free(bytes);
    icarl_destroy(loaded);
    icarl_destroy(one);
    icarl_destroy(two);
}

int main(void) {
    RUN(test_phases_are_timed);
    RUN(test_thread_count);
    return HARNESS_RESULT();
}
