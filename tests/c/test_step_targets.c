/* test_step_targets.c - what a step feeds its loss (paper Alg. 3), seen through the learner's
 * test-only loss observer on a tiny network, for every method and both losses:
 *   - the training set is the new images plus every exemplar, each seen once per epoch;
 *   - sigmoid loss: classes with new images get their one-hot labels; the other old classes get
 *     the old network's sigmoid outputs on the stored (unaugmented) image when the method
 *     distils (iCaRL, LwF), and 0 when it does not (finetuning, fixed, replay);
 *   - softmax-KD loss: the gradient is cross-entropy on all outputs plus the KD term towards the
 *     old network's distribution at temperature T, softmax(z_old / T), when the method distils.
 * The old network's outputs come from icarl_classify before the step (the CNN scores), not from
 * the step's own code. The targets are recovered from the logits and the gradient the loss
 * returned (sigmoid: t = sigmoid(z) - N dL/dz), so nothing here trusts the step's bookkeeping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "learner_fixture.h"

/* Every stored image the step may train on, with what the old network said about it. */
typedef struct expectation {
    int loss;
    double temperature;
    int old_outputs, distilled;
    uint8_t updated[8];        /* per class: 1 when it has new images in this step */
    int image_count;
    const uint8_t **images;    /* (image_count) pointers into the learner's image lists */
    int32_t *classes;          /* (image_count) */
    float *old_scores;         /* (image_count, old_outputs): icarl_classify's CNN scores */
    int *times_seen;           /* (image_count) */
    int unknown_images, wrong_labels;
    double worst;              /* largest deviation of a fed target (or gradient) */
    double largest_distillation; /* largest |old-network target - label target| fed */
} expectation;

/* The stored image with these pixels (the step trains on its own copy of the stored images; the
 * fixture makes no two alike). */
static int find_image(const expectation *e, const uint8_t *image) {
    for (int k = 0; k < e->image_count; k++)
        if (memcmp(e->images[k], image, FIXTURE_BYTES) == 0) return k;
    return -1;
}

static void expect_sigmoid(expectation *e, int label, const float *q, const float *z,
                           const float *g, int outputs, int count) {
    for (int o = 0; o < outputs; o++) {
        double one_hot = label == o;
        int distilled = e->distilled && o < e->old_outputs && !e->updated[o];
        double expected = distilled ? q[o] : one_hot;
        double fed = 1.0 / (1.0 + exp(-(double)z[o])) - (double)count * g[o];
        e->worst = fmax(e->worst, fabs(fed - expected));
        if (distilled)
            e->largest_distillation = fmax(e->largest_distillation, fabs(q[o] - one_hot));
    }
}

/* softmax of values / t into out (n), in double. */
static void softmax(const double *values, int n, double t, double *out) {
    double max = values[0] / t, sum = 0.0;
    for (int j = 1; j < n; j++) max = fmax(max, values[j] / t);
    for (int j = 0; j < n; j++) sum += out[j] = exp(values[j] / t - max);
    for (int j = 0; j < n; j++) out[j] /= sum;
}

static void expect_softmax_kd(expectation *e, int label, const float *q, const float *z,
                              const float *g, int outputs, int count) {
    double logits[8], current[8], old_logits[8], tempered_old[8], tempered_current[8];
    for (int o = 0; o < outputs; o++) logits[o] = z[o];
    softmax(logits, outputs, 1.0, current);
    /* The CNN scores are softmax(z_old); their logarithms are z_old up to a constant, which no
     * softmax sees. */
    for (int o = 0; o < e->old_outputs; o++) old_logits[o] = log(q[o]);
    if (e->distilled) {
        softmax(old_logits, e->old_outputs, e->temperature, tempered_old);
        softmax(logits, e->old_outputs, e->temperature, tempered_current);
    }
    for (int o = 0; o < outputs; o++) {
        double expected = current[o] - (label == o);
        if (e->distilled && o < e->old_outputs) {
            double kd = (tempered_current[o] - tempered_old[o]) / e->temperature;
            expected += kd;
            e->largest_distillation = fmax(e->largest_distillation, fabs(kd));
        }
        e->worst = fmax(e->worst, fabs((double)count * g[o] - expected));
    }
}

static void observe(const step_loss_observation *seen, void *user) {
    expectation *e = user;
    for (int i = 0; i < seen->count; i++) {
        int k = find_image(e, seen->images[i]);
        if (k < 0) {
            e->unknown_images++;
            continue;
        }
        e->times_seen[k]++;
        e->wrong_labels += seen->labels[i] != e->classes[k];
        const float *q = e->old_scores + (size_t)k * e->old_outputs;
        const float *z = seen->logits + (size_t)i * seen->outputs;
        const float *g = seen->grad_logits + (size_t)i * seen->outputs;
        if (e->loss == ICARL_LOSS_SIGMOID_DISTILLATION)
            expect_sigmoid(e, seen->labels[i], q, z, g, seen->outputs, seen->count);
        else
            expect_softmax_kd(e, seen->labels[i], q, z, g, seen->outputs, seen->count);
    }
}

static void add_list(expectation *e, const image_list *list, int c, int image_bytes) {
    for (int32_t j = 0; j < list->count; j++) {
        e->images[e->image_count] = list->pixels + (size_t)j * image_bytes;
        e->classes[e->image_count++] = c;
    }
}

/* Runs one step on `learner` under the observer and checks everything it fed its loss. */
static void check_step(icarl_learner *learner, const char *what) {
    const icarl_config *config = &learner->config;
    expectation e;
    memset(&e, 0, sizeof e);
    e.loss = config->loss;
    e.temperature = config->temperature;
    e.old_outputs = learner->outputs;
    e.distilled = (config->method == ICARL_METHOD_ICARL || config->method == ICARL_METHOD_LWF) &&
                  e.old_outputs > 0;
    int total = 0;
    for (int c = 0; c < learner->class_count; c++) {
        total += learner->classes[c].exemplars.count + learner->classes[c].pending.count;
        e.updated[c] = learner->classes[c].pending.count > 0;
    }
    e.images = malloc(sizeof *e.images * (size_t)total);
    e.classes = malloc(sizeof *e.classes * (size_t)total);
    e.times_seen = calloc((size_t)total, sizeof *e.times_seen);
    e.old_scores = malloc(sizeof(float) * (size_t)total * (e.old_outputs > 0 ? e.old_outputs : 1));
    for (int c = 0; c < learner->class_count; c++) {
        add_list(&e, &learner->classes[c].pending, c, learner->image_bytes);
        add_list(&e, &learner->classes[c].exemplars, c, learner->image_bytes);
    }
    for (int k = 0; k < e.image_count && e.old_outputs > 0; k++) {
        icarl_image image = {e.images[k], FIXTURE_SIDE, FIXTURE_SIDE, 1};
        float scores[8];
        int32_t label;
        CHECK(icarl_classify(learner, &image, &label, NULL, scores) == ICARL_OK);
        memcpy(e.old_scores + (size_t)k * e.old_outputs, scores,
               sizeof(float) * (size_t)e.old_outputs);
    }

    learner->loss_observer = observe;
    learner->loss_observer_user = &e;
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    learner->loss_observer = NULL;

    printf("  %-32s fed as expected within %.1e; distillation changes it by up to %.3f\n",
           what, e.worst, e.largest_distillation);
    CHECK_MESSAGE(e.unknown_images == 0, "%s: %d fed images are not stored images", what,
                  e.unknown_images);
    CHECK_MESSAGE(e.wrong_labels == 0, "%s: %d fed images carry another class's label", what,
                  e.wrong_labels);
    int wrong_count = 0;
    for (int k = 0; k < e.image_count; k++) wrong_count += e.times_seen[k] != config->epochs;
    CHECK_MESSAGE(wrong_count == 0,
                  "%s: %d of %d new images and exemplars not seen once per epoch", what,
                  wrong_count, e.image_count);
    CHECK_MESSAGE(e.worst < 1e-5, "%s: a fed target is off by %.3g", what, e.worst);
    if (e.distilled)
        /* The old network's targets differ from the labels by far more than the tolerance, so
         * a step that fed labels (or nothing) for them could not pass. */
        CHECK_MESSAGE(e.largest_distillation > 0.02,
                      "%s: the old network's targets are too close to the labels to test (%.3g)",
                      what, e.largest_distillation);
    free(e.images);
    free(e.classes);
    free(e.times_seen);
    free(e.old_scores);
}

/* Step 1 learns classes 0 and 1; step 2 adds class 2 and more images of class 0, so class 0 is
 * an old class with new images (labels) and class 1 an old class without (distilled). The image
 * counts leave no final minibatch of one, which a step drops. */
static void check_method(int method, int loss, const char *name) {
    icarl_config config = fixture_config(method, loss, 12, 3);
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    fixture_add(learner, "zero", 0, 14, 1, NULL);
    fixture_add(learner, "one", 1, 14, 1, NULL);
    char what[64];
    snprintf(what, sizeof what, "%s, first step", name);
    check_step(learner, what);
    fixture_add(learner, "zero", 0, 6, 2, NULL);
    fixture_add(learner, "two", 2, 12, 2, NULL);
    snprintf(what, sizeof what, "%s, second step", name);
    check_step(learner, what);
    icarl_destroy(learner);
}

static void check_every_method(int loss, const char *loss_name) {
    static const struct {
        int method;
        const char *name;
    } methods[] = {{ICARL_METHOD_ICARL, "icarl"},       {ICARL_METHOD_LWF, "lwf"},
                   {ICARL_METHOD_FINETUNE, "finetune"}, {ICARL_METHOD_FIXED, "fixed"},
                   {ICARL_METHOD_REPLAY, "replay"}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s %s", methods[i].name, loss_name);
        check_method(methods[i].method, loss, name);
    }
}

static void test_sigmoid_targets(void) {
    check_every_method(ICARL_LOSS_SIGMOID_DISTILLATION, "sigmoid");
}

static void test_softmax_kd_targets(void) {
    check_every_method(ICARL_LOSS_SOFTMAX_KD, "softmax-kd");
}

int main(void) {
    RUN(test_sigmoid_targets);
    RUN(test_softmax_kd_targets);
    return HARNESS_RESULT();
}
