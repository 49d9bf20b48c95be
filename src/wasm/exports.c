/* exports.c - the thin C functions web/icarl.js calls in the WebAssembly module. Each takes and
 * returns plain ints, floats and pointers into the wasm heap only (no structs by value, no
 * 64-bit integers), so the JS side needs no knowledge of C struct layouts or of BigInt.
 * It adds no behaviour of its own: every function wraps icarl.h and returns an icarl_status
 * where icarl.h does. The exported names and their types are listed in exports.txt. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image.h"
#include "icarl.h"
#include "icarl/calibration.h"
#include "kernels/compute.h"

/* ---- names: statuses, phases, presets, and the configuration's fields ------------------------ */

/* icarl.js takes every name from here, so it keeps no copy that could drift from icarl.h. */
int icarl_wasm_status_count(void) { return ICARL_STATUS_COUNT; }

const char *icarl_wasm_status_name(int status) { return icarl_status_name((icarl_status)status); }

const char *icarl_wasm_strerror(int status) { return icarl_strerror((icarl_status)status); }

int icarl_wasm_phase_count(void) { return ICARL_PHASE_DONE + 1; }

const char *icarl_wasm_phase_name(int phase) { return icarl_phase_name((icarl_phase)phase); }

/* NULL past the last preset. */
const char *icarl_wasm_preset_name(int preset) { return icarl_preset_name((icarl_preset)preset); }

int icarl_wasm_config_field_count(void) { return icarl_config_field_count(); }

/* out (4 doubles): kind, flags, minimum, maximum. Returns the name, NULL out of range. */
const char *icarl_wasm_config_field(int index, double *out) {
    const icarl_config_field *field = icarl_config_field_at(index);
    if (field == NULL) return NULL;
    if (out != NULL) {
        out[0] = field->kind;
        out[1] = field->flags;
        out[2] = field->minimum;
        out[3] = field->maximum;
    }
    return field->name;
}

/* The name of value `choice` of a CHOICE field; NULL past the last one or for other kinds. */
const char *icarl_wasm_config_field_choice(int index, int choice) {
    const icarl_config_field *field = icarl_config_field_at(index);
    if (field == NULL || field->choices == NULL || choice < 0) return NULL;
    for (int i = 0; i < choice; i++)
        if (field->choices[i] == NULL) return NULL;
    return field->choices[choice];
}

const char *icarl_wasm_last_error(const icarl_learner *learner) {
    return learner ? icarl_last_error(learner) : "";
}

void icarl_wasm_free(void *pointer) { icarl_free(pointer); }

/* ---- configuration -------------------------------------------------------------------------- */

/* The configuration lives in the wasm heap and JS edits it field by field by name: JS never
 * hard-codes offsets into icarl_config, and an unknown name is an error, not a silent no-op. */
icarl_config *icarl_wasm_config_new(int preset) {
    icarl_config *config = malloc(sizeof *config);
    if (config == NULL) return NULL;
    if (icarl_config_preset((icarl_preset)preset, config) != ICARL_OK) {
        free(config);
        return NULL;
    }
    return config;
}

void icarl_wasm_config_free(icarl_config *config) { free(config); }

int icarl_wasm_config_set(icarl_config *config, const char *name, double value) {
    return icarl_config_set(config, name, value);
}

int icarl_wasm_config_get(const icarl_config *config, const char *name, double *value_out) {
    return icarl_config_get(config, name, value_out);
}

/* The 64-bit seed crosses as two 32-bit halves: without -sWASM_BIGINT an i64 parameter cannot
 * be passed from JS, and a double would lose seeds above 2^53. */
void icarl_wasm_config_set_seed(icarl_config *config, uint32_t low, uint32_t high) {
    if (config != NULL) config->seed = ((uint64_t)high << 32) | low;
}

uint32_t icarl_wasm_config_seed_part(const icarl_config *config, int high) {
    if (config == NULL) return 0;
    return high ? (uint32_t)(config->seed >> 32) : (uint32_t)config->seed;
}

/* ---- learner lifetime ----------------------------------------------------------------------- */

int icarl_wasm_create(const icarl_config *config, icarl_learner **learner_out, char *message,
                      int message_size) {
    return icarl_create(config, learner_out, message, message_size > 0 ? (size_t)message_size : 0);
}

int icarl_wasm_load(const uint8_t *bytes, int size, icarl_learner **learner_out, char *message,
                    int message_size) {
    if (size < 0) return ICARL_ERROR_INVALID_ARGUMENT;
    return icarl_load(bytes, (size_t)size, learner_out, message,
                      message_size > 0 ? (size_t)message_size : 0);
}

void icarl_wasm_destroy(icarl_learner *learner) { icarl_destroy(learner); }

int icarl_wasm_get_config(const icarl_learner *learner, icarl_config *config_out) {
    return icarl_get_config(learner, config_out);
}

int icarl_wasm_reconfigure(icarl_learner *learner, const icarl_config *config) {
    return icarl_reconfigure(learner, config);
}

/* *bytes_out is freed with icarl_wasm_free. */
int icarl_wasm_save(icarl_learner *learner, uint8_t **bytes_out, uint32_t *size_out) {
    if (bytes_out == NULL || size_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    size_t size = 0;
    icarl_status status = icarl_save(learner, bytes_out, &size);
    *size_out = status == ICARL_OK ? (uint32_t)size : 0;
    return status;
}

/* ---- examples and classes ------------------------------------------------------------------- */

/* Adds `count` images of one class in one icarl_add_examples call (so a bad image adds none).
 * pixels[i] points at image i; shapes holds width, height, channels for each image. */
int icarl_wasm_add_examples(icarl_learner *learner, const char *class_name,
                            const uint8_t *const *pixels, const int32_t *shapes, int count) {
    if (count < 0 || (count > 0 && (pixels == NULL || shapes == NULL)))
        return ICARL_ERROR_INVALID_ARGUMENT;
    icarl_image *images = malloc((size_t)(count > 0 ? count : 1) * sizeof *images);
    if (images == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    for (int i = 0; i < count; i++) {
        images[i].pixels = pixels[i];
        images[i].width = shapes[3 * i];
        images[i].height = shapes[3 * i + 1];
        images[i].channels = shapes[3 * i + 2];
    }
    icarl_status status = icarl_add_examples(learner, class_name, images, count);
    free(images);
    return status;
}

int icarl_wasm_class_count(const icarl_learner *learner) { return icarl_class_count(learner); }

int icarl_wasm_rename_class(icarl_learner *learner, const char *name, const char *new_name) {
    return icarl_rename_class(learner, name, new_name);
}

int icarl_wasm_remove_class(icarl_learner *learner, const char *name) {
    return icarl_remove_class(learner, name);
}

/* The name stays valid until the learner adds a class, loads or is destroyed: JS copies it. */
const char *icarl_wasm_class_name(const icarl_learner *learner, int index) {
    icarl_class_info info;
    if (icarl_class_info_get(learner, index, &info) != ICARL_OK) return NULL;
    return info.name;
}

/* out (5 doubles): exemplars, pending, trained, threshold, typical (icarl_class_info). */
int icarl_wasm_class_info(const icarl_learner *learner, int index, double *out) {
    icarl_class_info info;
    if (out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    icarl_status status = icarl_class_info_get(learner, index, &info);
    if (status != ICARL_OK) return status;
    out[0] = info.exemplars;
    out[1] = info.pending;
    out[2] = info.trained;
    out[3] = info.threshold;
    out[4] = info.typical;
    return ICARL_OK;
}

/* out[0] capacity K, out[1] used, out[2] per class. */
int icarl_wasm_memory_info(const icarl_learner *learner, int32_t *out) {
    icarl_memory_info info;
    if (out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    icarl_status status = icarl_memory_info_get(learner, &info);
    if (status != ICARL_OK) return status;
    out[0] = info.capacity;
    out[1] = info.used;
    out[2] = info.per_class;
    return ICARL_OK;
}

/* Copies one exemplar image (input_size^2 * channels bytes) into pixels_out; see icarl.h. */
int icarl_wasm_exemplar_image(const icarl_learner *learner, int class_index, int rank,
                              uint8_t *pixels_out, int size) {
    if (size < 0) return ICARL_ERROR_INVALID_ARGUMENT;
    return icarl_exemplar_image(learner, class_index, rank, pixels_out, (size_t)size);
}

/* ---- the incremental step, in slices -------------------------------------------------------- */

int icarl_wasm_step_begin(icarl_learner *learner) { return icarl_step_begin(learner); }

/* out (11 doubles, so the 64-bit work counters stay exact): phase, epoch, epochs, done, total,
 * loss, learning rate, updates, planned updates, publications, publishing. */
int icarl_wasm_step_continue(icarl_learner *learner, int max_units, double *out) {
    icarl_progress progress;
    memset(&progress, 0, sizeof progress);
    icarl_status status = icarl_step_continue(learner, max_units, &progress);
    if (status == ICARL_OK && out != NULL) {
        out[0] = progress.phase;
        out[1] = progress.epoch;
        out[2] = progress.epochs;
        out[3] = (double)progress.done;
        out[4] = (double)progress.total;
        out[5] = progress.loss;
        out[6] = progress.learning_rate;
        out[7] = progress.updates;
        out[8] = progress.planned_updates;
        out[9] = progress.published;
        out[10] = progress.publishing;
    }
    return status;
}

int icarl_wasm_step_publish(icarl_learner *learner) { return icarl_step_publish(learner); }

int icarl_wasm_step_cancel(icarl_learner *learner) { return icarl_step_cancel(learner); }

/* out (6 doubles, by icarl_phase): seconds the last step spent in each phase so far. */
int icarl_wasm_step_phase_seconds(const icarl_learner *learner, double *out) {
    return icarl_step_phase_seconds(learner, out);
}

/* ---- threads -------------------------------------------------------------------------------- */

/* The threads a learner's work is split over (1 in builds without threads). */
int icarl_wasm_thread_count(const icarl_learner *learner) { return icarl_thread_count(learner); }

/* The default thread count of this build (compute.c: the cores, at most 4; 1 without threads). */
int icarl_wasm_default_threads(void) { return compute_default_threads(); }

/* ---- classification ------------------------------------------------------------------------- */

/* Any of the per-class arrays may be NULL; each holds icarl_wasm_class_count() floats.
 * out (5 floats): label, unknown (0/1), score, confidence, threshold (icarl_prediction).
 * nme_confidences: every trained class's confidence in its own score (what the page's bars show),
 * by the same rule as the chosen class's; needs nme_scores. */
int icarl_wasm_classify(icarl_learner *learner, const uint8_t *pixels, int width, int height,
                        int channels, float *out, float *nme_scores, float *nme_confidences,
                        float *cnn_scores) {
    if (out == NULL || (nme_confidences != NULL && nme_scores == NULL))
        return ICARL_ERROR_INVALID_ARGUMENT;
    icarl_image image = {pixels, width, height, channels};
    icarl_prediction prediction;
    icarl_status status = icarl_predict(learner, &image, &prediction, nme_scores, cnn_scores);
    if (status != ICARL_OK) return status;
    out[0] = (float)prediction.label;
    out[1] = (float)prediction.unknown;
    out[2] = prediction.score;
    out[3] = prediction.confidence;
    out[4] = prediction.threshold;
    for (int32_t i = 0; nme_confidences != NULL && i < icarl_class_count(learner); i++) {
        icarl_class_info info;
        nme_confidences[i] = 0.0f;
        if (icarl_class_info_get(learner, i, &info) == ICARL_OK && info.trained) {
            const float calibration[2] = {info.threshold, info.typical};
            nme_confidences[i] = calibration_confidence(calibration, nme_scores[i]);
        }
    }
    return ICARL_OK;
}

int icarl_wasm_classify_prepared(icarl_learner *learner, const uint8_t *pixels, int count,
                                 int32_t *nme_labels, int32_t *cnn_labels) {
    return icarl_classify_prepared(learner, pixels, count, nme_labels, cnn_labels);
}

/* ---- images --------------------------------------------------------------------------------- */

/* Decodes PNG/JPEG/BMP bytes with the engine's stb_image to `channels` (1 or 3) bytes per pixel,
 * so Node tools decode exactly as the native `icarl` does. dims_out[0] width, [1] height;
 * *pixels_out is freed with icarl_wasm_free. */
int icarl_wasm_image_decode(const uint8_t *bytes, int size, int channels, uint8_t **pixels_out,
                            int32_t *dims_out) {
    if (size < 0 || dims_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    int width = 0, height = 0;
    icarl_status status = image_decode(bytes, (size_t)size, channels, pixels_out, &width, &height);
    dims_out[0] = width;
    dims_out[1] = height;
    return status;
}
