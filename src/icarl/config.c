/* config.c - the configuration: its two presets, the one table of its fields (which the
 * checkpoint, the WebAssembly field access, JSON reports and `icarl info` are made from), access
 * to a field by name, and the validation every way of making a learner (create, load,
 * reconfigure) goes through. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "icarl/config_fields.h"
#include "icarl/learner_internal.h"
#include "kernels/compute.h"
#include "nn/batchnorm.h"

icarl_status icarl_config_preset(icarl_preset preset, icarl_config *config) {
    if (config == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(config, 0, sizeof *config);
    /* The class-incremental Fashion-MNIST schedule (docs/design.md), which trained well on this
     * kind of machine. */
    config->memory = 2000;
    config->method = ICARL_METHOD_ICARL;
    config->loss = ICARL_LOSS_SIGMOID_DISTILLATION;
    config->temperature = 2.0f;
    config->learning_rate = 0.1f;
    config->momentum = 0.9f;
    config->weight_decay = 1e-5f;
    config->batchnorm_momentum = BATCHNORM_MOMENTUM;
    config->decay_at[0] = 0.7f;
    config->decay_at[1] = 0.9f;
    config->decay_factor = 5.0f;
    config->centre_crop = 1.0f;
    config->seed = 1;
    switch (preset) {
    case ICARL_PRESET_FASHION_MNIST:
        config->input_size = 28;
        config->channels = 1;
        config->blocks_per_stage = 3; /* ResNet-20 */
        config->base_width = 16;
        config->epochs = 10;
        config->batch_size = 128;
        config->crop_padding = 2;
        config->flip = 1;
        config->brightness = 0.0f;
        config->mean_with_flip = 1;
        return ICARL_OK;
    case ICARL_PRESET_WEBCAM:
        /* Few frames per class and a person waiting: a shallower net, small batches, and the
         * augmentations a hand-held camera needs (an object at other scales, places, angles and
         * light than in the few seconds recorded). The learning rate and augmentations were
         * chosen on the webcam evaluation set's tuning objects (docs/accuracy.md). */
        config->input_size = 32;
        config->channels = 3;
        config->blocks_per_stage = 2; /* ResNet-14 */
        config->base_width = 16;
        config->epochs = 12;
        config->batch_size = 32;
        config->learning_rate = 0.02f;
        config->crop_padding = 0;
        config->flip = 1;
        config->brightness = 0.15f;
        config->zoom = 0.5f;
        config->rotation = 15.0f;
        config->contrast = 0.3f;
        config->saturation = 0.3f;
        config->blur = 0.3f;
        config->noise = 0.03f;
        config->mean_with_flip = 1;
        /* A step of a few dozen frames per class is a handful of minibatches per epoch: its
         * length is counted in updates, with a floor, so it learns enough however few they are. */
        config->schedule = ICARL_SCHEDULE_UPDATES;
        config->min_updates = 300;
        config->max_updates = 2000;
        config->warmup = 0.05f;
        config->patience = 3;
        return ICARL_OK;
    }
    return ICARL_ERROR_INVALID_ARGUMENT;
}

const char *icarl_preset_name(icarl_preset preset) {
    switch (preset) {
    case ICARL_PRESET_FASHION_MNIST: return "fashion-mnist";
    case ICARL_PRESET_WEBCAM: return "webcam";
    }
    return NULL;
}

/* ---- the field table ------------------------------------------------------------------------ */

static const char *const METHOD_NAMES[] = {"icarl", "lwf", "finetune", "fixed", "replay", NULL};
static const char *const LOSS_NAMES[] = {"sigmoid", "softmax-kd", NULL};
static const char *const SCHEDULE_NAMES[] = {"epochs", "updates", NULL};
_Static_assert(sizeof METHOD_NAMES / sizeof METHOD_NAMES[0] == ICARL_METHOD_REPLAY + 2,
               "a name for every icarl_method");
_Static_assert(sizeof LOSS_NAMES / sizeof LOSS_NAMES[0] == ICARL_LOSS_SOFTMAX_KD + 2,
               "a name for every icarl_loss");
_Static_assert(sizeof SCHEDULE_NAMES / sizeof SCHEDULE_NAMES[0] == ICARL_SCHEDULE_UPDATES + 2,
               "a name for every icarl_schedule");

#define FIELD(member, name, kind, flags, low, high, choices, summary, absent)                \
    {{name, kind, flags, low, high, choices, summary}, offsetof(icarl_config, member), absent}
#define INT(member, low, high, summary, absent)                                              \
    FIELD(member, #member, ICARL_FIELD_INT, 0, low, high, NULL, summary, absent)
#define FLOAT(member, low, high, summary, absent)                                            \
    FIELD(member, #member, ICARL_FIELD_FLOAT, 0, low, high, NULL, summary, absent)
#define BOOL(member, summary, absent)                                                        \
    FIELD(member, #member, ICARL_FIELD_BOOL, 0, 0, 1, NULL, summary, absent)
#define ARCHITECTURE(member, low, high, summary)                                             \
    FIELD(member, #member, ICARL_FIELD_INT, ICARL_FIELD_ARCHITECTURE, low, high, NULL, summary, 0)

/* The order is the order of listings. `absent` is the value a checkpoint written before the field
 * existed implies (what the engine did then); the architecture fields and those of the first
 * keyed configuration section are always present. */
static const config_field FIELDS[] = {
    ARCHITECTURE(input_size, 4, 256, "side of the square model input, pixels"),
    ARCHITECTURE(channels, 1, 3, "1 (grey) or 3 (RGB)"),
    ARCHITECTURE(blocks_per_stage, 1, 32, "n of the 6n+2 ResNet"),
    ARCHITECTURE(base_width, 1, 256, "channels of the first stage"),
    INT(memory, 0, 1000000, "K: exemplars kept in total over all classes", 0),
    /* absent from older checkpoints: their engine kept the whole centre square */
    FLOAT(centre_crop, 0.25, 1, "an image's centre square is cut to this fraction of its side", 1),
    FIELD(method, "method", ICARL_FIELD_CHOICE, 0, 0, ICARL_METHOD_REPLAY, METHOD_NAMES,
          "exemplars and distillation, or a baseline", 0),
    FIELD(loss, "loss", ICARL_FIELD_CHOICE, 0, 0, ICARL_LOSS_SOFTMAX_KD, LOSS_NAMES,
          "per-class sigmoid, or softmax with knowledge distillation", 0),
    FLOAT(temperature, 0.01, 100, "T of the softmax-kd loss", 0),
    INT(epochs, 1, 10000, "epochs per incremental step", 0),
    INT(batch_size, 2, 1024, "images per SGD update", 0),
    FLOAT(learning_rate, 0, 100, "SGD learning rate", 0),
    FLOAT(momentum, 0, 0.999, "SGD momentum", 0),
    FLOAT(weight_decay, 0, 1, "L2 weight decay", 0),
    /* absent from older checkpoints: their engine used BATCHNORM_MOMENTUM */
    FLOAT(batchnorm_momentum, 0, 1, "share of a training batch in BatchNorm's running averages",
          BATCHNORM_MOMENTUM),
    FIELD(decay_at[0], "decay_at_0", ICARL_FIELD_FLOAT, 0, 0, 1, NULL,
          "fraction of the epochs where the learning rate is first divided", 0),
    FIELD(decay_at[1], "decay_at_1", ICARL_FIELD_FLOAT, 0, 0, 1, NULL,
          "fraction of the epochs where it is divided again", 0),
    FLOAT(decay_factor, 1, 1000, "the learning rate is divided by this", 0),
    FIELD(schedule, "schedule", ICARL_FIELD_CHOICE, 0, 0, ICARL_SCHEDULE_UPDATES, SCHEDULE_NAMES,
          "epochs with rate steps, or updates with a floor, warm-up and cosine", 0),
    INT(min_updates, 0, 1000000, "updates schedule: the fewest SGD updates a step makes", 0),
    INT(max_updates, 0, 1000000, "updates schedule: the most (0 = no cap)", 0),
    FLOAT(warmup, 0, 0.5, "updates schedule: fraction of the updates warming the rate up", 0),
    INT(patience, 0, 1000, "updates schedule: windows without 1% progress before stopping", 0),
    INT(crop_padding, 0, 128, "augmentation: random crop after zero padding, pixels", 0),
    BOOL(flip, "augmentation: random horizontal flips", 0),
    FLOAT(brightness, 0, 1, "augmentation: brightness jitter, fraction of full scale", 0),
    FLOAT(zoom, 0, 0.9, "augmentation: random resized crop keeps (1 - zoom)..1 of the area", 0),
    FLOAT(rotation, 0, 45, "augmentation: random rotation, degrees either way", 0),
    FLOAT(contrast, 0, 1, "augmentation: contrast jitter, fraction either way", 0),
    FLOAT(saturation, 0, 1, "augmentation: saturation jitter, fraction either way", 0),
    FLOAT(blur, 0, 1, "augmentation: probability of a slight blur", 0),
    FLOAT(noise, 0, 0.5, "augmentation: pixel noise, standard deviation up to this", 0),
    BOOL(mean_with_flip, "class means also average flipped exemplars", 0),
    FIELD(seed, "seed", ICARL_FIELD_SEED, 0, 0, 18446744073709551615.0, NULL,
          "fixes everything random", 0),
    FIELD(threads, "threads", ICARL_FIELD_INT, ICARL_FIELD_NOT_SAVED, 0, COMPUTE_MAX_THREADS,
          NULL, "threads to split the work over; 0 = the default", 0),
};

#undef FIELD
#undef INT
#undef FLOAT
#undef BOOL
#undef ARCHITECTURE

int32_t icarl_config_field_count(void) { return (int32_t)(sizeof FIELDS / sizeof FIELDS[0]); }

const icarl_config_field *icarl_config_field_at(int32_t index) {
    const config_field *field = config_field_entry(index);
    return field != NULL ? &field->public : NULL;
}

const icarl_config_field *icarl_config_field_named(const char *name) {
    const config_field *field = config_field_find(name);
    return field != NULL ? &field->public : NULL;
}

const config_field *config_field_entry(int32_t index) {
    return index >= 0 && index < icarl_config_field_count() ? &FIELDS[index] : NULL;
}

const config_field *config_field_find(const char *name) {
    if (name == NULL) return NULL;
    for (int32_t i = 0; i < icarl_config_field_count(); i++)
        if (strcmp(FIELDS[i].public.name, name) == 0) return &FIELDS[i];
    return NULL;
}

double config_field_value(const config_field *field, const icarl_config *config) {
    const char *base = (const char *)config + field->offset;
    if (field->public.kind == ICARL_FIELD_FLOAT) {
        float value;
        memcpy(&value, base, sizeof value);
        return value;
    }
    if (field->public.kind == ICARL_FIELD_SEED) {
        uint64_t value;
        memcpy(&value, base, sizeof value);
        return (double)value;
    }
    int32_t value;
    memcpy(&value, base, sizeof value);
    return value;
}

void config_field_store_int(const config_field *field, icarl_config *config, int32_t value) {
    memcpy((char *)config + field->offset, &value, sizeof value);
}

void config_field_store_float(const config_field *field, icarl_config *config, float value) {
    memcpy((char *)config + field->offset, &value, sizeof value);
}

void config_field_store_seed(const config_field *field, icarl_config *config, uint64_t value) {
    memcpy((char *)config + field->offset, &value, sizeof value);
}

uint64_t config_field_seed(const config_field *field, const icarl_config *config) {
    uint64_t value;
    memcpy(&value, (const char *)config + field->offset, sizeof value);
    return value;
}

icarl_status icarl_config_set(icarl_config *config, const char *name, double value) {
    const config_field *field = config_field_find(name);
    if (config == NULL || field == NULL || isnan(value)) return ICARL_ERROR_INVALID_ARGUMENT;
    switch (field->public.kind) {
    case ICARL_FIELD_FLOAT:
        config_field_store_float(field, config, (float)value);
        return ICARL_OK;
    case ICARL_FIELD_SEED:
        if (value != floor(value) || value < 0.0 || value > 9007199254740992.0)
            return ICARL_ERROR_INVALID_ARGUMENT;
        config_field_store_seed(field, config, (uint64_t)value);
        return ICARL_OK;
    default:
        if (value != floor(value) || value < (double)INT32_MIN || value > (double)INT32_MAX)
            return ICARL_ERROR_INVALID_ARGUMENT;
        config_field_store_int(field, config, (int32_t)value);
        return ICARL_OK;
    }
}

icarl_status icarl_config_get(const icarl_config *config, const char *name, double *value_out) {
    const config_field *field = config_field_find(name);
    if (config == NULL || field == NULL || value_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *value_out = config_field_value(field, config);
    return ICARL_OK;
}

/* ---- validation ----------------------------------------------------------------------------- */

static icarl_status refuse(char *message, size_t message_size, icarl_status status,
                           const char *text) {
    if (message != NULL && message_size > 0) snprintf(message, message_size, "%s", text);
    return status;
}

icarl_status config_validate(const icarl_config *c, char *message, size_t message_size) {
    char buffer[200];
    /* Every field within its table range; a float must also be finite. */
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const config_field *field = &FIELDS[i];
        const icarl_config_field *info = &field->public;
        if (info->kind == ICARL_FIELD_SEED) continue; /* every 64-bit value is a seed */
        double value = config_field_value(field, c);
        if (isfinite(value) && value >= info->minimum && value <= info->maximum) continue;
        if (info->kind == ICARL_FIELD_BOOL)
            snprintf(buffer, sizeof buffer, "%s must be 0 or 1", info->name);
        else if (info->kind == ICARL_FIELD_CHOICE)
            snprintf(buffer, sizeof buffer, "unknown %s %g", info->name, value);
        else
            snprintf(buffer, sizeof buffer, "%s must be %g..%g", info->name, info->minimum,
                     info->maximum);
        return refuse(message, message_size, ICARL_ERROR_INVALID_ARGUMENT, buffer);
    }
    if (c->channels != 1 && c->channels != 3)
        return refuse(message, message_size, ICARL_ERROR_INVALID_ARGUMENT,
                      "channels must be 1 or 3");
    if (c->max_updates != 0 && c->max_updates < c->min_updates)
        return refuse(message, message_size, ICARL_ERROR_INVALID_ARGUMENT,
                      "max_updates must be 0 (no cap) or at least min_updates");
    if (c->crop_padding > c->input_size / 2)
        return refuse(message, message_size, ICARL_ERROR_INVALID_ARGUMENT,
                      "crop_padding must be 0..input_size/2");

    /* Activations of a training batch: about 3 tensors per convolution, the stem stage
     * dominating. Refuse what would not fit a 32-bit WebAssembly heap. */
    double pixels = (double)c->input_size * c->input_size;
    double estimate = 4.0 * c->batch_size * pixels * c->base_width *
                      (6.0 * c->blocks_per_stage + 4.0) * 4.0;
    if (estimate > 1.5e9) {
        snprintf(buffer, sizeof buffer,
                 "network activations would need about %.0f MB: lower batch_size, input_size or "
                 "base_width", estimate / 1e6);
        return refuse(message, message_size, ICARL_ERROR_LIMIT, buffer);
    }
    /* Parameters: two 3x3 convolutions per block at widths w, 2w, 4w, about 378 n w^2 floats; a
     * step holds about five copies (weights, gradients, momentum, the old network, scratch).
     * Width 256 with 32 blocks would be 800 million parameters, 16 GB. */
    double parameters = 378.0 * c->blocks_per_stage * (double)c->base_width * c->base_width;
    if (parameters * 4.0 * 5.0 > 1.5e9) {
        snprintf(buffer, sizeof buffer,
                 "the network would have about %.0f million parameters (at most 75): lower "
                 "base_width or blocks_per_stage", parameters / 1e6);
        return refuse(message, message_size, ICARL_ERROR_LIMIT, buffer);
    }
    return ICARL_OK;
}
