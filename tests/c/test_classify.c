/* test_classify.c - classification (src/icarl/classify.c, paper Alg. 1): with class means, the
 * label is the class whose mean is nearest to the image's normalised feature and the NME scores
 * are the cosine similarities with the means, recomputed here from learner_features and the
 * learner's means; the CNN scores are sigmoids (or, with the softmax-KD loss, a softmax) of the
 * network's outputs; without means (finetuning) the label is the best CNN score; the batched
 * path gives the single-image labels; and the calls that cannot be answered (nothing trained or
 * published yet, NULL, a negative count) are refused without writing, classes not yet trained
 * scored -1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "learner_fixture.h"

enum { CLASSES = 3, PROBES = 12 };

/* A learner of the fixture trained on three classes in two steps. */
static icarl_learner *trained(int method, int loss) {
    icarl_config config = fixture_config(method, loss, 15, 2);
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    fixture_add(learner, "zero", 0, 14, 1, NULL);
    fixture_add(learner, "one", 1, 14, 1, NULL);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    fixture_add(learner, "two", 2, 14, 2, NULL);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

/* Classifies PROBES fresh images of each class and checks every answer against the rule. Returns
 * how many nearest-mean labels differ from the best CNN output (a classifier that answered with
 * the network's outputs would be caught on those). */
static int check_answers(icarl_learner *learner, const char *what) {
    int d = learner->feature_size, disagreements = 0, wrong_labels = 0, wrong_batched = 0;
    int softmax = learner->config.loss == ICARL_LOSS_SOFTMAX_KD;
    double worst_score = 0.0, worst_cnn = 0.0;
    uint8_t pixels[CLASSES * PROBES * FIXTURE_BYTES];
    for (int c = 0; c < CLASSES; c++)
        fixture_images(c, PROBES, 77, pixels + (size_t)c * PROBES * FIXTURE_BYTES);
    int32_t batched[CLASSES * PROBES];
    CHECK(icarl_classify_prepared(learner, pixels, CLASSES * PROBES, batched, NULL) == ICARL_OK);
    for (int i = 0; i < CLASSES * PROBES; i++) {
        const uint8_t *image_pixels = pixels + (size_t)i * FIXTURE_BYTES;
        icarl_image image = {image_pixels, FIXTURE_SIDE, FIXTURE_SIDE, 1};
        float nme[CLASSES], cnn[CLASSES], feature[256];
        int32_t label = -1;
        CHECK(icarl_classify(learner, &image, &label, nme, cnn) == ICARL_OK);
        wrong_batched += batched[i] != label;
        int best_cnn = 0;
        double cnn_sum = 0.0;
        for (int c = 0; c < CLASSES; c++) {
            worst_cnn = fmax(worst_cnn, cnn[c] < 0.0f || cnn[c] > 1.0f ? 1.0 : 0.0);
            cnn_sum += cnn[c];
            if (cnn[c] > cnn[best_cnn]) best_cnn = c;
        }
        if (softmax) worst_cnn = fmax(worst_cnn, fabs(cnn_sum - 1.0));
        if (!learner->has_means) {
            wrong_labels += label != best_cnn;
            for (int c = 0; c < CLASSES; c++) worst_score = fmax(worst_score, fabs(nme[c] + 1.0f));
            continue;
        }
        learner_features(learner, &image_pixels, 1, 0, feature);
        int nearest = 0;
        double best = -INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            double similarity = 0.0;
            for (int j = 0; j < d; j++)
                similarity += (double)feature[j] * learner->class_means[(size_t)c * d + j];
            worst_score = fmax(worst_score, fabs(nme[c] - similarity));
            if (similarity > best) best = similarity, nearest = c;
        }
        wrong_labels += label != nearest;
        disagreements += nearest != best_cnn;
    }
    if (learner->has_means)
        printf("  %-24s %d of %d nearest-mean labels differ from the network's best output\n",
               what, disagreements, CLASSES * PROBES);
    CHECK_MESSAGE(wrong_labels == 0, "%s: %d labels break the rule", what, wrong_labels);
    CHECK_MESSAGE(wrong_batched == 0, "%s: %d batched labels differ", what, wrong_batched);
    CHECK_MESSAGE(worst_score < 1e-5, "%s: an NME score is off by %.3g", what, worst_score);
    CHECK_MESSAGE(worst_cnn < 1e-5, "%s: CNN scores are not %s", what,
                  softmax ? "a distribution" : "probabilities");
    return disagreements;
}

static void test_nearest_mean_rule(void) {
    icarl_learner *learner = trained(ICARL_METHOD_ICARL, ICARL_LOSS_SIGMOID_DISTILLATION);
    int disagreements = check_answers(learner, "icarl, sigmoid");
    icarl_destroy(learner);
    learner = trained(ICARL_METHOD_REPLAY, ICARL_LOSS_SOFTMAX_KD);
    disagreements += check_answers(learner, "replay, softmax-kd");
    icarl_destroy(learner);
    CHECK_MESSAGE(disagreements > 0, "the nearest mean always agreed with the network: the test "
                                     "cannot tell the two classifiers apart");
}

static void test_network_outputs_without_means(void) {
    icarl_learner *learner = trained(ICARL_METHOD_FINETUNE, ICARL_LOSS_SIGMOID_DISTILLATION);
    CHECK(!learner->has_means);
    check_answers(learner, "finetune, sigmoid");
    icarl_destroy(learner);
    learner = trained(ICARL_METHOD_LWF, ICARL_LOSS_SOFTMAX_KD);
    check_answers(learner, "lwf, softmax-kd");
    icarl_destroy(learner);
}

/* Before any step, during one, and for a class added after the last step. */
static void test_calls_out_of_order(void) {
    icarl_learner *learner = tiny_learner();
    int32_t label = -1;
    uint8_t prepared[8 * 8 * 3] = {0};
    int32_t labels[1] = {-7};
    CHECK(icarl_classify(learner, &colour_images(0)[0], &label, NULL, NULL) ==
          ICARL_ERROR_NO_CLASSES);
    CHECK(label == -1 && has_message(learner));
    CHECK(icarl_classify_prepared(learner, prepared, 1, labels, NULL) == ICARL_ERROR_NO_CLASSES);
    CHECK(labels[0] == -7);
    /* Pending examples but no step yet: still nothing to classify with. */
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_classify(learner, &colour_images(0)[0], &label, NULL, NULL) ==
          ICARL_ERROR_NO_CLASSES);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
    CHECK(icarl_step_begin(learner) == ICARL_OK);
    /* During a step, classification uses what the learner has published: nothing yet. */
    CHECK(icarl_classify(learner, &colour_images(0)[0], &label, NULL, NULL) ==
          ICARL_ERROR_NO_CLASSES);
    CHECK(icarl_classify_prepared(learner, prepared, 1, labels, NULL) == ICARL_ERROR_NO_CLASSES);
    CHECK(icarl_step_cancel(learner) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);

    /* A class added with no trained step: classification scores only trained classes. */
    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 1) == ICARL_OK);
    float nme[3] = {5, 5, 5}, cnn[3] = {5, 5, 5};
    CHECK(icarl_classify(learner, &colour_images(0)[0], &label, nme, cnn) == ICARL_OK);
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

static void test_null_pointers(void) {
    icarl_learner *learner = trained_learner();
    icarl_image image = colour_images(0)[0];
    int32_t label = 0;
    CHECK(icarl_classify(NULL, &image, &label, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify(learner, NULL, &label, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(has_message(learner));
    CHECK(icarl_classify(learner, &image, NULL, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify_prepared(NULL, image.pixels, 1, NULL, NULL) ==
          ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_classify_prepared(learner, NULL, 1, NULL, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_destroy(learner);
}

int main(void) {
    RUN(test_nearest_mean_rule);
    RUN(test_network_outputs_without_means);
    RUN(test_calls_out_of_order);
    RUN(test_null_pointers);
    return HARNESS_RESULT();
}
