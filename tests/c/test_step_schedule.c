/* test_step_schedule.c - how long a step trains and when it publishes (src/icarl/step.c,
 * src/nn/sgd.c): the warm-up and cosine learning rate; the updates schedule's floor for small
 * steps, its cap, and its early stop once the loss no longer falls; publications mid-step that
 * the learner classifies and saves at once, that a cancel keeps, and that leave the step's final
 * learner exactly as without them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "icarl.h"
#include "nn/sgd.h"

#define SIDE 8
#define PER_CLASS 12

static uint8_t pixels[3][PER_CLASS][SIDE * SIDE * 3];

static void make_images(void) {
    random_state random;
    random_seed(&random, 8, 8);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < PER_CLASS; i++)
            for (int p = 0; p < SIDE * SIDE * 3; p++)
                pixels[k][i][p] = (uint8_t)(random_below(&random, 60) + (p % 3 == k ? 160 : 0));
}

static icarl_config small_config(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = SIDE;
    config.blocks_per_stage = 1;
    config.base_width = 4;
    config.batch_size = 8;
    config.memory = 30;
    config.threads = 1;
    config.schedule = ICARL_SCHEDULE_UPDATES;
    config.epochs = 3;       /* 24 images, 3 batches an epoch: 9 updates by the epochs */
    config.min_updates = 40; /* ... raised to the floor */
    config.max_updates = 0;
    config.patience = 0;
    /* The benchmark's mild augmentations: the early stop is tested on a loss that a learning
     * network lowers steadily, not on the webcam preset's noisier one. */
    config.crop_padding = 1;
    config.zoom = config.rotation = config.contrast = config.saturation = 0.0f;
    config.blur = config.noise = 0.0f;
    return config;
}

static icarl_learner *learner_with(const icarl_config *config, int classes) {
    icarl_learner *learner = NULL;
    CHECK(icarl_create(config, &learner, NULL, 0) == ICARL_OK);
    for (int k = 0; k < classes; k++) {
        icarl_image images[PER_CLASS];
        for (int i = 0; i < PER_CLASS; i++) images[i] = (icarl_image){pixels[k][i], SIDE, SIDE, 3};
        const char *names[3] = {"red", "green", "blue"};
        CHECK(icarl_add_examples(learner, names[k], images, PER_CLASS) == ICARL_OK);
    }
    return learner;
}

/* Runs the begun step to its end one unit at a time; returns the last progress. */
static icarl_progress run_to_end(icarl_learner *learner) {
    icarl_progress progress;
    memset(&progress, 0, sizeof progress);
    int64_t last_done = -1;
    do {
        CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
        CHECK(progress.done >= last_done); /* the progress never goes back */
        last_done = progress.done;
    } while (progress.phase != ICARL_PHASE_DONE);
    return progress;
}

static void test_cosine_learning_rate(void) {
    /* 100 updates, 10 of warm-up: base/10, 2 base/10, ... base, then a half cosine to 0. */
    CHECK_NEAR(cosine_learning_rate(0.5f, 0, 100, 10), 0.05, 1e-7);
    CHECK_NEAR(cosine_learning_rate(0.5f, 4, 100, 10), 0.25, 1e-7);
    CHECK_NEAR(cosine_learning_rate(0.5f, 9, 100, 10), 0.5, 1e-7);
    CHECK_NEAR(cosine_learning_rate(0.5f, 10, 100, 10), 0.5, 1e-7);
    CHECK_NEAR(cosine_learning_rate(0.5f, 55, 100, 10), 0.25, 1e-6);
    CHECK_NEAR(cosine_learning_rate(0.5f, 99, 100, 10), 0.5 * 0.5 * (1 + cos(3.14159265358979323846 * 89 / 90)), 1e-6);
    CHECK(cosine_learning_rate(0.5f, 100, 100, 10) == 0.0f);
    CHECK_NEAR(cosine_learning_rate(0.5f, 0, 100, 0), 0.5, 1e-7); /* no warm-up */
    float previous = 1.0f;
    int falling = 1;
    for (int u = 10; u <= 100; u++) {
        float rate = cosine_learning_rate(0.5f, u, 100, 10);
        falling &= rate <= previous;
        previous = rate;
    }
    CHECK(falling);
}

static void test_small_steps_get_the_floor(void) {
    icarl_config config = small_config();
    icarl_learner *learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    icarl_progress progress = run_to_end(learner);
    CHECK(progress.planned_updates == 40 && progress.updates == 40);
    icarl_destroy(learner);

    /* A larger request is kept, and capped by max_updates. */
    config.epochs = 30; /* 90 updates */
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    progress = run_to_end(learner);
    CHECK(progress.updates == 90);
    icarl_destroy(learner);
    config.max_updates = 50;
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    progress = run_to_end(learner);
    CHECK(progress.planned_updates == 50 && progress.updates == 50);
    icarl_destroy(learner);

    /* The epochs schedule makes exactly epochs x batches updates, whatever the floor. */
    config = small_config();
    config.schedule = ICARL_SCHEDULE_EPOCHS;
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    progress = run_to_end(learner);
    CHECK(progress.updates == 9 && progress.epochs == 3);
    icarl_destroy(learner);

    config.max_updates = 10; /* below min_updates: refused */
    config.min_updates = 40;
    char message[200] = "";
    CHECK(icarl_create(&config, &learner, message, sizeof message) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(message, "max_updates") != NULL);
}

static void test_early_stop(void) {
    /* With a learning rate of 0 the loss cannot fall (windows differ only by which images and
     * augmentations they drew): after the floor, `patience` windows of 10 updates without a 1%
     * gain end the step, at a window's end and long before the 300 planned. */
    icarl_config config = small_config();
    config.learning_rate = 0.0f;
    config.epochs = 100; /* 300 planned */
    config.min_updates = 20;
    config.patience = 2;
    icarl_learner *learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    icarl_progress progress = run_to_end(learner);
    CHECK(progress.planned_updates == 300);
    CHECK_MESSAGE(progress.updates >= 20 && progress.updates <= 100 && progress.updates % 10 == 0,
                  "stopped after %d updates", (int)progress.updates);
    CHECK(progress.done == progress.total); /* the total shrank with the stop */
    icarl_destroy(learner);

    /* Patience 0 never stops early. */
    config.patience = 0;
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    progress = run_to_end(learner);
    CHECK(progress.updates == 300);
    icarl_destroy(learner);

    /* A learning loss keeps the step going: a real rate trains past the patience windows. */
    config = small_config();
    config.epochs = 20; /* 60 planned */
    config.min_updates = 20;
    config.patience = 2;
    config.learning_rate = 0.05f;
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    progress = run_to_end(learner);
    CHECK_MESSAGE(progress.updates > 40, "stopped after %d updates", (int)progress.updates);
    icarl_destroy(learner);
}

static uint8_t *saved(icarl_learner *learner, size_t *size) {
    uint8_t *bytes = NULL;
    CHECK(icarl_save(learner, &bytes, size) == ICARL_OK);
    return bytes;
}

static int same_bytes(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size) {
    return a_size == b_size && memcmp(a, b, a_size) == 0;
}

/* Two steps: red and green, then blue, optionally publishing during the second at updates 5
 * and 25. Returns the final checkpoint. */
static uint8_t *two_steps(int publish, size_t *size) {
    icarl_config config = small_config();
    icarl_learner *learner = learner_with(&config, 2);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    icarl_image images[PER_CLASS];
    for (int i = 0; i < PER_CLASS; i++) images[i] = (icarl_image){pixels[2][i], SIDE, SIDE, 3};
    CHECK(icarl_add_examples(learner, "blue", images, PER_CLASS) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    icarl_progress progress;
    int publications = 0;
    do {
        CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
        if (publish && progress.phase == ICARL_PHASE_TRAINING &&
            (progress.updates == 5 || progress.updates == 25) && !progress.publishing) {
            CHECK(icarl_step_publish(learner) == ICARL_OK);
            publications++;
        }
    } while (progress.phase != ICARL_PHASE_DONE);
    CHECK(publications == (publish ? 2 : 0));
    CHECK(progress.published == (publish ? 3 : 1));
    uint8_t *bytes = saved(learner, size);
    icarl_destroy(learner);
    return bytes;
}

static void test_publishing_does_not_change_the_result(void) {
    size_t plain_size = 0, published_size = 0;
    uint8_t *plain = two_steps(0, &plain_size);
    uint8_t *published = two_steps(1, &published_size);
    CHECK(same_bytes(plain, plain_size, published, published_size));
    free(plain);
    free(published);
}

static void test_publication_is_usable_and_kept(void) {
    icarl_config config = small_config();
    icarl_learner *learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_step_publish(learner) == ICARL_OK);
    icarl_progress progress;
    int32_t label = -1;
    icarl_image red = {pixels[0][0], SIDE, SIDE, 3};
    /* Before the publication there is nothing to classify with. */
    CHECK(icarl_classify(learner, &red, &label, NULL, NULL) == ICARL_ERROR_NO_CLASSES);
    int saw_publishing = 0;
    do {
        CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
        saw_publishing |= progress.publishing;
    } while (progress.published == 0);
    CHECK(saw_publishing && progress.phase == ICARL_PHASE_TRAINING && progress.updates == 1);

    /* The learner now holds the step so far: trained classes, exemplars, means, no pending. */
    icarl_class_info info;
    CHECK(icarl_class_info_get(learner, 0, &info) == ICARL_OK);
    CHECK(info.trained && info.pending == 0 && info.exemplars == 12);
    CHECK(icarl_classify(learner, &red, &label, NULL, NULL) == ICARL_OK);
    size_t published_size = 0;
    uint8_t *published = saved(learner, &published_size);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(published, published_size, &loaded, NULL, 0) == ICARL_OK);
    icarl_destroy(loaded);

    /* Classes cannot change while the step trains on. */
    CHECK(icarl_add_examples(learner, "blue", &red, 1) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_remove_class(learner, "red") == ICARL_ERROR_WRONG_STATE);

    /* Cancelling keeps the publication, byte for byte. */
    for (int i = 0; i < 10; i++) CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);
    size_t after_size = 0;
    uint8_t *after = saved(learner, &after_size);
    CHECK(same_bytes(published, published_size, after, after_size));
    free(after);
    free(published);

    /* No step, no publication. */
    CHECK(icarl_step_publish(learner) == ICARL_ERROR_WRONG_STATE);
    CHECK(icarl_step_publish(NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);

    /* Without exemplars (LwF) a publication is immediate: no herding, no means. */
    config.method = ICARL_METHOD_LWF;
    learner = learner_with(&config, 2);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    CHECK(icarl_step_publish(learner) == ICARL_OK);
    CHECK(icarl_step_continue(learner, 1, &progress) == ICARL_OK);
    CHECK(progress.published == 1 && !progress.publishing && progress.updates == 1);
    CHECK(icarl_classify(learner, &red, &label, NULL, NULL) == ICARL_OK);
    run_to_end(learner);
    icarl_destroy(learner);
}

int main(void) {
    make_images();
    RUN(test_cosine_learning_rate);
    RUN(test_small_steps_get_the_floor);
    RUN(test_early_stop);
    RUN(test_publishing_does_not_change_the_result);
    RUN(test_publication_is_usable_and_kept);
    return HARNESS_RESULT();
}
