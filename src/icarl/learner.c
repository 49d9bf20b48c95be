/* learner.c - creating and destroying a learner, its classes and their stored images, and the
 * small helpers the step, classifier and checkpoint code share. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "data/image.h"
#include "icarl/herding.h"
#include "icarl/learner_internal.h"

icarl_status learner_fail(icarl_learner *learner, icarl_status status, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(learner->error, sizeof learner->error, format, arguments);
    va_end(arguments);
    return status;
}

const char *icarl_last_error(const icarl_learner *learner) {
    return learner == NULL ? "no learner" : learner->error;
}

void icarl_free(void *pointer) { free(pointer); }

int image_list_reserve(image_list *list, int32_t count, int image_bytes) {
    if (count <= list->capacity) return 1;
    int32_t capacity = list->capacity > 0 ? list->capacity : 16;
    while (capacity < count) capacity = capacity > (1 << 29) ? count : capacity * 2;
    uint8_t *pixels = realloc(list->pixels, (size_t)capacity * (size_t)image_bytes);
    if (pixels == NULL) return 0;
    list->pixels = pixels;
    list->capacity = capacity;
    return 1;
}

int image_list_append(image_list *list, const uint8_t *image, int image_bytes) {
    if (!image_list_reserve(list, list->count + 1, image_bytes)) return 0;
    memcpy(list->pixels + (size_t)list->count * image_bytes, image, (size_t)image_bytes);
    list->count++;
    return 1;
}

void image_list_free(image_list *list) {
    free(list->pixels);
    memset(list, 0, sizeof *list);
}

static icarl_status create_network(icarl_learner *learner) {
    const icarl_config *c = &learner->config;
    resnet_config network_config = {c->input_size, c->channels,   c->blocks_per_stage,
                                     c->base_width, c->batch_size, c->batchnorm_momentum};
    resnet *network = NULL;
    icarl_status status = resnet_create(&network_config, &network);
    if (status == ICARL_OK) /* a column buffer for each extra thread of the compute context */
        status = compute_context_reserve_workspace(learner->compute,
                                                   resnet_scratch_floats(network));
    if (status != ICARL_OK) {
        resnet_destroy(network);
        return status;
    }
    size_t images = (size_t)c->batch_size;
    size_t image_floats = (size_t)c->input_size * c->input_size * c->channels;
    int feature_size = resnet_feature_size(network);
    float *input = malloc(images * image_floats * sizeof(float));
    float *features = malloc(images * (size_t)feature_size * sizeof(float));
    float *scratch_gradients = malloc(resnet_parameter_count(network) * sizeof(float));
    if (input == NULL || features == NULL || scratch_gradients == NULL) {
        free(input);
        free(features);
        free(scratch_gradients);
        resnet_destroy(network);
        return ICARL_ERROR_OUT_OF_MEMORY;
    }
    resnet_destroy(learner->network);
    free(learner->input);
    free(learner->features);
    free(learner->scratch_gradients);
    free(learner->logits);
    learner->logits = NULL;
    learner->logits_capacity = 0;
    learner->network = network;
    learner->network_batch = c->batch_size;
    learner->image_bytes = c->input_size * c->input_size * c->channels;
    learner->input = input;
    learner->features = features;
    learner->scratch_gradients = scratch_gradients;
    learner->feature_size = feature_size;
    return ICARL_OK;
}

icarl_status learner_allocate(const icarl_config *config, icarl_learner **out, char *message,
                              size_t message_size) {
    *out = NULL;
    icarl_status status = config_validate(config, message, message_size);
    if (status != ICARL_OK) return status;
    icarl_learner *learner = calloc(1, sizeof *learner);
    if (learner == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    learner->config = *config;
    status = compute_context_create_threaded(NULL, config->threads, &learner->compute);
    if (status == ICARL_OK) status = create_network(learner);
    if (status == ICARL_OK) {
        learner->backbone_count = resnet_parameter_count(learner->network);
        learner->state_count = resnet_state_count(learner->network);
        learner->parameters = malloc(learner->backbone_count * sizeof(float));
        learner->state = malloc(learner->state_count * sizeof(float));
        if (learner->parameters == NULL || learner->state == NULL)
            status = ICARL_ERROR_OUT_OF_MEMORY;
    }
    if (status != ICARL_OK) {
        if (message != NULL && message_size > 0 && status == ICARL_ERROR_OUT_OF_MEMORY)
            snprintf(message, message_size, "not enough memory for the network");
        icarl_destroy(learner);
        return status;
    }
    *out = learner;
    return ICARL_OK;
}

icarl_status icarl_create(const icarl_config *config, icarl_learner **learner_out,
                          char *message, size_t message_size) {
    if (learner_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *learner_out = NULL;
    if (config == NULL) {
        if (message != NULL && message_size > 0) snprintf(message, message_size, "no config");
        return ICARL_ERROR_INVALID_ARGUMENT;
    }
    icarl_learner *learner = NULL;
    icarl_status status = learner_allocate(config, &learner, message, message_size);
    if (status != ICARL_OK) return status;
    random_state random;
    random_seed(&random, config->seed, 1);
    learner_bind(learner, learner->parameters, NULL, learner->state);
    resnet_initialize(learner->network, &random);
    *learner_out = learner;
    return ICARL_OK;
}

void icarl_destroy(icarl_learner *learner) {
    if (learner == NULL) return;
    step_state_free(learner->step);
    for (int32_t i = 0; i < learner->class_count; i++) {
        free(learner->classes[i].name);
        image_list_free(&learner->classes[i].exemplars);
        image_list_free(&learner->classes[i].pending);
    }
    free(learner->classes);
    free(learner->class_means);
    free(learner->class_calibration);
    free(learner->parameters);
    free(learner->state);
    free(learner->input);
    free(learner->features);
    free(learner->logits);
    free(learner->scratch_gradients);
    resnet_destroy(learner->network);
    compute_context_destroy(learner->compute);
    free(learner);
}

void learner_bind(icarl_learner *learner, float *parameters, float *gradients, float *state) {
    resnet_bind(learner->network, parameters,
                gradients != NULL ? gradients : learner->scratch_gradients, state);
}

icarl_status learner_reserve_logits(icarl_learner *learner, int outputs) {
    if (outputs <= learner->logits_capacity) return ICARL_OK;
    float *logits = realloc(learner->logits,
                            (size_t)learner->network_batch * (size_t)outputs * sizeof(float));
    if (logits == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    learner->logits = logits;
    learner->logits_capacity = outputs;
    return ICARL_OK;
}

void learner_features(icarl_learner *learner, const uint8_t *const *images, int count,
                      int flipped, float *features_out) {
    const icarl_config *c = &learner->config;
    if (flipped)
        batch_from_images_flipped(images, count, c->input_size, c->channels, learner->input);
    else
        batch_from_images(images, count, c->input_size, c->channels, NULL, NULL, learner->input);
    resnet_forward(learner->network, learner->compute, learner->input, count, 0, features_out);
    normalize_rows(features_out, count, learner->feature_size);
}

icarl_status learner_resize_head(icarl_learner *learner, int outputs) {
    size_t count = learner->backbone_count + (size_t)outputs * (learner->feature_size + 1);
    float *parameters = realloc(learner->parameters, count * sizeof(float));
    if (parameters == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    learner->parameters = parameters;
    float *means = realloc(learner->class_means,
                           (size_t)(outputs > 0 ? outputs : 1) * learner->feature_size *
                               sizeof(float));
    if (means == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    learner->class_means = means;
    float *calibration = realloc(learner->class_calibration,
                                 (size_t)(outputs > 0 ? outputs : 1) * 2 * sizeof(float));
    if (calibration == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    learner->class_calibration = calibration;
    learner->outputs = outputs;
    return learner_reserve_logits(learner, outputs > 0 ? outputs : 1);
}

int32_t learner_find_class(const icarl_learner *learner, const char *name) {
    for (int32_t i = 0; i < learner->class_count; i++)
        if (strcmp(learner->classes[i].name, name) == 0) return i;
    return -1;
}

icarl_status learner_add_class(icarl_learner *learner, const char *name, int32_t *index_out) {
    if (learner->class_count >= LEARNER_MAX_CLASSES)
        return learner_fail(learner, ICARL_ERROR_LIMIT, "at most %d classes",
                            LEARNER_MAX_CLASSES);
    if (learner->class_count == learner->class_capacity) {
        int32_t capacity = learner->class_capacity > 0 ? learner->class_capacity * 2 : 16;
        learner_class *classes = realloc(learner->classes, (size_t)capacity * sizeof *classes);
        if (classes == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
        learner->classes = classes;
        learner->class_capacity = capacity;
    }
    char *copy = malloc(strlen(name) + 1);
    if (copy == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    strcpy(copy, name);
    learner_class *added = &learner->classes[learner->class_count];
    memset(added, 0, sizeof *added);
    added->name = copy;
    *index_out = learner->class_count++;
    return ICARL_OK;
}

static int valid_class_name(const char *name) {
    size_t length = strlen(name);
    if (length == 0 || length > LEARNER_MAX_NAME) return 0;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)name[i] < 0x20) return 0; /* no control characters: names go to TSV */
    return 1;
}

icarl_status icarl_add_examples(icarl_learner *learner, const char *class_name,
                                const icarl_image *images, int32_t count) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    if (learner->step != NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE,
                            "cannot add examples while a training step runs");
    if (class_name == NULL || !valid_class_name(class_name))
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "a class name must be 1..%d characters without control characters",
                            LEARNER_MAX_NAME);
    /* Zero images would create a class no step can train, blocking every later step. */
    if (count < 1 || images == NULL)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT, "no images given");
    if (count > 1000000)
        return learner_fail(learner, ICARL_ERROR_LIMIT, "at most 1000000 images per call");

    /* Prepare every image before touching the learner, so a bad image adds nothing. */
    int image_bytes = learner->image_bytes;
    uint8_t *prepared = malloc((size_t)count * (size_t)image_bytes);
    if (prepared == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    for (int32_t i = 0; i < count; i++) {
        icarl_status status = image_prepare(&images[i], learner->config.centre_crop,
                                            learner->config.input_size, learner->config.channels,
                                            prepared + (size_t)i * image_bytes);
        if (status != ICARL_OK) {
            free(prepared);
            return learner_fail(learner, status,
                                "image %d of %d is not a valid image (%dx%d, %d channels)",
                                (int)i + 1, (int)count, (int)images[i].width,
                                (int)images[i].height, (int)images[i].channels);
        }
    }
    int32_t index = learner_find_class(learner, class_name);
    if (index < 0) {
        icarl_status status = learner_add_class(learner, class_name, &index);
        if (status != ICARL_OK) {
            free(prepared);
            return status;
        }
    }
    image_list *pending = &learner->classes[index].pending;
    if (!image_list_reserve(pending, pending->count + count, image_bytes)) {
        free(prepared);
        return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory for the images");
    }
    memcpy(pending->pixels + (size_t)pending->count * image_bytes, prepared,
           (size_t)count * image_bytes);
    pending->count += count;
    free(prepared);
    return ICARL_OK;
}

int32_t icarl_class_count(const icarl_learner *learner) {
    return learner == NULL ? 0 : learner->class_count;
}

icarl_status icarl_class_info_get(const icarl_learner *learner, int32_t index,
                                  icarl_class_info *info_out) {
    if (learner == NULL || info_out == NULL || index < 0 || index >= learner->class_count)
        return ICARL_ERROR_INVALID_ARGUMENT;
    const learner_class *entry = &learner->classes[index];
    info_out->name = entry->name;
    info_out->exemplars = entry->exemplars.count;
    info_out->pending = entry->pending.count;
    info_out->trained = entry->trained;
    int calibrated = learner->has_means && index < learner->outputs;
    info_out->threshold = calibrated ? learner->class_calibration[2 * index] : -INFINITY;
    info_out->typical = calibrated ? learner->class_calibration[2 * index + 1] : 1.0f;
    return ICARL_OK;
}

icarl_status icarl_exemplar_image(const icarl_learner *learner, int32_t class_index, int32_t rank,
                                  uint8_t *pixels_out, size_t size) {
    if (learner == NULL || pixels_out == NULL || class_index < 0 ||
        class_index >= learner->class_count)
        return ICARL_ERROR_INVALID_ARGUMENT;
    const image_list *exemplars = &learner->classes[class_index].exemplars;
    size_t bytes = (size_t)learner->image_bytes;
    if (rank < 0 || rank >= exemplars->count || size < bytes) return ICARL_ERROR_INVALID_ARGUMENT;
    memcpy(pixels_out, exemplars->pixels + (size_t)rank * bytes, bytes);
    return ICARL_OK;
}

int32_t icarl_thread_count(const icarl_learner *learner) {
    return learner != NULL && learner->compute != NULL ? learner->compute->threads : 1;
}

icarl_status icarl_memory_info_get(const icarl_learner *learner, icarl_memory_info *info_out) {
    if (learner == NULL || info_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    info_out->capacity = learner->config.memory;
    info_out->used = 0;
    for (int32_t i = 0; i < learner->class_count; i++)
        info_out->used += learner->classes[i].exemplars.count;
    info_out->per_class = learner->outputs > 0 ? learner->config.memory / learner->outputs : 0;
    return ICARL_OK;
}

icarl_status icarl_get_config(const icarl_learner *learner, icarl_config *config_out) {
    if (learner == NULL || config_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *config_out = learner->config;
    return ICARL_OK;
}

/* Gives the learner a compute context with `threads` threads. The old context's pool workers
 * must be free before the new one asks for them (a WebAssembly pool has a fixed size), so a
 * one-thread context, which needs no worker, is made first: if even that fails the learner keeps
 * its old context, and if the threaded one then fails the one-thread context stays. */
static icarl_status replace_compute_context(icarl_learner *learner, int threads) {
    compute_context *fallback = NULL;
    icarl_status status = compute_context_create_threaded(NULL, 1, &fallback);
    if (status != ICARL_OK) return status;
    compute_context_destroy(learner->compute);
    learner->compute = fallback;
    compute_context *wanted = NULL;
    if (threads != 1 && compute_context_create_threaded(NULL, threads, &wanted) == ICARL_OK) {
        compute_context_destroy(fallback);
        learner->compute = wanted;
    }
    /* Without workspace the layers that need it run on one thread: slower, still correct. */
    if (learner->network != NULL)
        compute_context_reserve_workspace(learner->compute, resnet_scratch_floats(learner->network));
    return ICARL_OK;
}

icarl_status icarl_reconfigure(icarl_learner *learner, const icarl_config *config) {
    if (learner == NULL || config == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    if (learner->step != NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE,
                            "cannot reconfigure while a training step runs");
    const icarl_config *old = &learner->config;
    if (config->channels != old->channels || config->blocks_per_stage != old->blocks_per_stage ||
        config->base_width != old->base_width)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "the network's shape (channels, depth, width) cannot change after "
                            "creation");
    /* The weights do not depend on the input size (global average pooling before the head), so a
     * network trained at one size runs at another; only stored images are tied to it. */
    if (config->input_size != old->input_size && learner->class_count > 0)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "the input size can change only before the first class is added");
    if (config->centre_crop != old->centre_crop && learner->class_count > 0)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "the centre crop can change only before the first class is added");
    icarl_status status = config_validate(config, learner->error, sizeof learner->error);
    if (status != ICARL_OK) return status;
    int network_changed = config->batch_size != old->batch_size ||
                          config->input_size != old->input_size ||
                          config->batchnorm_momentum != old->batchnorm_momentum;
    if (config->threads != old->threads) {
        status = replace_compute_context(learner, config->threads);
        if (status != ICARL_OK) return learner_fail(learner, status, "no memory for the threads");
    }
    icarl_config previous = *old;
    learner->config = *config;
    if (network_changed) {
        status = create_network(learner);
        if (status != ICARL_OK) {
            learner->config = previous;
            learner->config.threads = config->threads; /* the new context stays */
            return learner_fail(learner, status, "not enough memory for batch size %d at %dx%d",
                                (int)config->batch_size, (int)config->input_size,
                                (int)config->input_size);
        }
        learner->logits_capacity = 0;
        status = learner_reserve_logits(learner, learner->outputs > 0 ? learner->outputs : 1);
        if (status != ICARL_OK) return learner_fail(learner, status, "no memory");
    }
    return ICARL_OK;
}

/* The index of class `name` for a rename or removal (`verb`), or a failure: not during a step,
 * and the class must exist. */
static icarl_status class_to_edit(icarl_learner *learner, const char *name, const char *verb,
                                  int32_t *index_out) {
    learner->error[0] = '\0';
    if (learner->step != NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE,
                            "cannot %s a class while a training step runs", verb);
    *index_out = name != NULL ? learner_find_class(learner, name) : -1;
    if (*index_out < 0)
        return learner_fail(learner, ICARL_ERROR_UNKNOWN_CLASS, "no class \"%s\"",
                            name != NULL ? name : "(null)");
    return ICARL_OK;
}

icarl_status icarl_rename_class(icarl_learner *learner, const char *name, const char *new_name) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    int32_t index;
    icarl_status status = class_to_edit(learner, name, "rename", &index);
    if (status != ICARL_OK) return status;
    if (new_name == NULL || !valid_class_name(new_name))
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "a class name must be 1..%d characters without control characters",
                            LEARNER_MAX_NAME);
    if (strcmp(name, new_name) == 0) return ICARL_OK;
    if (learner_find_class(learner, new_name) >= 0)
        return learner_fail(learner, ICARL_ERROR_INVALID_ARGUMENT,
                            "there is already a class \"%s\"", new_name);
    char *copy = malloc(strlen(new_name) + 1);
    if (copy == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    strcpy(copy, new_name);
    free(learner->classes[index].name);
    learner->classes[index].name = copy;
    return ICARL_OK;
}

/* Removes row `row` of a (rows, width) float matrix stored at `matrix`, moving later rows up. */
static void remove_row(float *matrix, int rows, int width, int row) {
    memmove(matrix + (size_t)row * width, matrix + (size_t)(row + 1) * width,
            (size_t)(rows - row - 1) * width * sizeof(float));
}

icarl_status icarl_remove_class(icarl_learner *learner, const char *name) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    int32_t index;
    icarl_status status = class_to_edit(learner, name, "remove", &index);
    if (status != ICARL_OK) return status;
    learner_class *entry = &learner->classes[index];
    if (entry->trained) {
        /* Trained classes are the prefix [0, outputs) of the list and own output unit `index`:
         * [backbone | weight (outputs, D) | bias (outputs)] loses one weight row and one bias,
         * and the class means one row, in place (the buffers keep their size). */
        int d = learner->feature_size, outputs = learner->outputs;
        float *weight = learner->parameters + learner->backbone_count;
        float *bias = weight + (size_t)outputs * d;
        remove_row(weight, outputs, d, index);
        float *new_bias = weight + (size_t)(outputs - 1) * d;
        memmove(new_bias, bias, (size_t)index * sizeof(float));
        memmove(new_bias + index, bias + index + 1, (size_t)(outputs - index - 1) * sizeof(float));
        if (learner->has_means) {
            remove_row(learner->class_means, outputs, d, index);
            remove_row(learner->class_calibration, outputs, 2, index);
        }
        learner->outputs = outputs - 1;
        if (learner->outputs == 0) learner->has_means = 0;
    }
    free(entry->name);
    image_list_free(&entry->exemplars);
    image_list_free(&entry->pending);
    memmove(entry, entry + 1, (size_t)(learner->class_count - index - 1) * sizeof *entry);
    learner->class_count--;
    return ICARL_OK;
}
