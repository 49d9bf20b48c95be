/* classify.c - paper Alg. 1 (nearest mean of exemplars) with the network's own outputs beside
 * it, for one image of any size or for batches of images already at model size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "data/image.h"
#include "icarl/calibration.h"
#include "icarl/herding.h"
#include "icarl/learner_internal.h"
#include "nn/linear.h"

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* Classification may run between the units of a step: every unit binds the parameters it works
 * on and keeps nothing in the network's buffers from one unit to the next, and this binds the
 * learner's published ones. */
static icarl_status check_ready(icarl_learner *learner) {
    if (learner->outputs == 0)
        return learner_fail(learner, ICARL_ERROR_NO_CLASSES,
                            "no class has been trained yet: add examples and run a training "
                            "step first");
    return ICARL_OK;
}

/* Raw features -> logits (N, outputs) into learner->logits; then normalises the features in
 * place and, for the nearest-mean rule, compares them with the class means. */
static void classify_batch(icarl_learner *learner, const uint8_t *const *images, int count,
                           int32_t *nme_labels, int32_t *cnn_labels, float *nme_scores,
                           float *cnn_scores) {
    const icarl_config *c = &learner->config;
    int d = learner->feature_size, outputs = learner->outputs;
    learner_bind(learner, learner->parameters, NULL, learner->state);
    batch_from_images(images, count, c->input_size, c->channels, NULL, NULL, learner->input);
    resnet_forward(learner->network, learner->compute, learner->input, count, 0,
                   learner->features);
    float *weight = learner->parameters + learner->backbone_count;
    float *bias = weight + (size_t)outputs * d;
    linear_forward(learner->compute, count, d, outputs, learner->features, weight, bias,
                   learner->logits);
    normalize_rows(learner->features, count, d);
    for (int i = 0; i < count; i++) {
        const float *logits = learner->logits + (size_t)i * outputs;
        int best = 0;
        for (int o = 1; o < outputs; o++)
            if (logits[o] > logits[best]) best = o;
        int nme = best;
        if (learner->has_means)
            nme = nearest_mean(learner->features + (size_t)i * d, learner->class_means, outputs,
                               d, nme_scores);
        if (nme_labels != NULL) nme_labels[i] = nme;
        if (cnn_labels != NULL) cnn_labels[i] = best;
        if (cnn_scores != NULL) {
            if (c->loss == ICARL_LOSS_SOFTMAX_KD) {
                double sum = 0.0;
                for (int o = 0; o < outputs; o++) sum += exp((double)logits[o] - logits[best]);
                for (int o = 0; o < outputs; o++)
                    cnn_scores[o] = (float)(exp((double)logits[o] - logits[best]) / sum);
            } else {
                for (int o = 0; o < outputs; o++) cnn_scores[o] = sigmoid(logits[o]);
            }
        }
    }
}

icarl_status icarl_classify(icarl_learner *learner, const icarl_image *image, int32_t *label_out,
                            float *nme_scores, float *cnn_scores) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    if (label_out == NULL) {
        learner->error[0] = '\0';
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT, "no image or label output");
    }
    icarl_prediction prediction;
    icarl_status status = icarl_predict(learner, image, &prediction, nme_scores, cnn_scores);
    if (status == ICARL_OK) *label_out = prediction.label;
    return status;
}

icarl_status icarl_predict(icarl_learner *learner, const icarl_image *image,
                           icarl_prediction *prediction_out, float *nme_scores, float *cnn_scores) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    if (image == NULL || prediction_out == NULL)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT, "no image or label output");
    icarl_status status = check_ready(learner);
    if (status != ICARL_OK) return status;
    uint8_t *prepared = malloc((size_t)learner->image_bytes);
    if (prepared == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    status = image_prepare(image, learner->config.centre_crop, learner->config.input_size,
                           learner->config.channels, prepared);
    if (status != ICARL_OK) {
        free(prepared);
        return learner_fail(learner, status, "not a valid image (%dx%d, %d channels)",
                            (int)image->width, (int)image->height, (int)image->channels);
    }
    for (int32_t i = 0; i < learner->class_count; i++) {
        if (nme_scores != NULL) nme_scores[i] = -1.0f;
        if (cnn_scores != NULL) cnn_scores[i] = -1.0f;
    }
    const uint8_t *images[1] = {prepared};
    int32_t nme_label, cnn_label;
    classify_batch(learner, images, 1, &nme_label, &cnn_label,
                   learner->has_means ? nme_scores : NULL, cnn_scores);
    int32_t label = learner->has_means ? nme_label : cnn_label;
    prediction_out->label = label;
    prediction_out->unknown = 0;
    prediction_out->score = -1.0f;
    prediction_out->threshold = -INFINITY;
    prediction_out->confidence = 1.0f;
    if (learner->has_means) {
        /* classify_batch left the image's normalised feature in learner->features. */
        int d = learner->feature_size;
        double dot = 0.0;
        for (int j = 0; j < d; j++)
            dot += (double)learner->features[j] * learner->class_means[(size_t)label * d + j];
        const float *calibration = learner->class_calibration + (size_t)label * 2;
        prediction_out->score = (float)dot;
        prediction_out->threshold = calibration[0];
        prediction_out->unknown = calibration_unknown(calibration, (float)dot);
        prediction_out->confidence = calibration_confidence(calibration, (float)dot);
    }
    free(prepared);
    return ICARL_OK;
}

icarl_status icarl_classify_prepared(icarl_learner *learner, const uint8_t *pixels, int32_t count,
                                     int32_t *nme_labels_out, int32_t *cnn_labels_out) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    if (pixels == NULL || count < 0)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT, "no pixels");
    icarl_status status = check_ready(learner);
    if (status != ICARL_OK) return status;
    int batch = learner->network_batch;
    const uint8_t **images = malloc((size_t)batch * sizeof *images);
    if (images == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    for (int32_t first = 0; first < count; first += batch) {
        int n = count - first < batch ? count - first : batch;
        for (int i = 0; i < n; i++)
            images[i] = pixels + (size_t)(first + i) * learner->image_bytes;
        classify_batch(learner, images, n, nme_labels_out ? nme_labels_out + first : NULL,
                       cnn_labels_out ? cnn_labels_out + first : NULL, NULL, NULL);
    }
    free(images);
    return ICARL_OK;
}
