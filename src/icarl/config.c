/* config.c - the two configuration presets and the validation every way of making a learner
 * (create, load, reconfigure) goes through. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "icarl/learner_internal.h"

icarl_status icarl_config_preset(icarl_preset preset, icarl_config *config) {
    if (config == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(config, 0, sizeof *config);
    /* The schedule of DESIGN.md section 5, which trained well on this kind of machine. */
    config->memory = 2000;
    config->method = ICARL_METHOD_ICARL;
    config->loss = ICARL_LOSS_SIGMOID_DISTILLATION;
    config->temperature = 2.0f;
    config->learning_rate = 0.1f;
    config->momentum = 0.9f;
    config->weight_decay = 1e-5f;
    config->decay_at[0] = 0.7f;
    config->decay_at[1] = 0.9f;
    config->decay_factor = 5.0f;
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
        /* Few frames per class and a person waiting: a shallower net, small batches, more
         * epochs, and the augmentations a hand-held camera needs. */
        config->input_size = 32;
        config->channels = 3;
        config->blocks_per_stage = 2; /* ResNet-14 */
        config->base_width = 16;
        config->epochs = 12;
        config->batch_size = 32;
        config->learning_rate = 0.05f;
        config->crop_padding = 4;
        config->flip = 1;
        config->brightness = 0.15f;
        config->mean_with_flip = 1;
        return ICARL_OK;
    }
    return ICARL_ERROR_INVALID_ARGUMENT;
}

static int finite_in(float value, float low, float high) {
    return isfinite(value) && value >= low && value <= high;
}

icarl_status config_validate(const icarl_config *c, char *message, size_t message_size) {
    const char *problem = NULL;
    char buffer[160];
    if (c->input_size < 4 || c->input_size > 256) problem = "input_size must be 4..256";
    else if (c->channels != 1 && c->channels != 3) problem = "channels must be 1 or 3";
    else if (c->blocks_per_stage < 1 || c->blocks_per_stage > 32)
        problem = "blocks_per_stage must be 1..32";
    else if (c->base_width < 1 || c->base_width > 256) problem = "base_width must be 1..256";
    else if (c->memory < 0 || c->memory > 1000000) problem = "memory must be 0..1000000";
    else if (c->method < 0 || c->method > ICARL_METHOD_FIXED) problem = "unknown method";
    else if (c->loss != ICARL_LOSS_SIGMOID_DISTILLATION && c->loss != ICARL_LOSS_SOFTMAX_KD)
        problem = "unknown loss";
    else if (!finite_in(c->temperature, 0.01f, 100.0f)) problem = "temperature must be 0.01..100";
    else if (c->epochs < 1 || c->epochs > 10000) problem = "epochs must be 1..10000";
    else if (c->batch_size < 2 || c->batch_size > 1024) problem = "batch_size must be 2..1024";
    else if (!finite_in(c->learning_rate, 0.0f, 100.0f)) problem = "learning_rate must be 0..100";
    else if (!finite_in(c->momentum, 0.0f, 0.999f)) problem = "momentum must be 0..0.999";
    else if (!finite_in(c->weight_decay, 0.0f, 1.0f)) problem = "weight_decay must be 0..1";
    else if (!finite_in(c->decay_at[0], 0.0f, 1.0f) || !finite_in(c->decay_at[1], 0.0f, 1.0f))
        problem = "decay_at must be fractions 0..1";
    else if (!finite_in(c->decay_factor, 1.0f, 1000.0f)) problem = "decay_factor must be 1..1000";
    else if (c->crop_padding < 0 || c->crop_padding > c->input_size / 2)
        problem = "crop_padding must be 0..input_size/2";
    else if (c->flip != 0 && c->flip != 1) problem = "flip must be 0 or 1";
    else if (!finite_in(c->brightness, 0.0f, 1.0f)) problem = "brightness must be 0..1";
    else if (c->mean_with_flip != 0 && c->mean_with_flip != 1)
        problem = "mean_with_flip must be 0 or 1";
    else {
        /* Activations of a training batch: about 3 tensors per convolution, the stem stage
         * dominating. Refuse what would not fit a 32-bit WebAssembly heap. */
        double pixels = (double)c->input_size * c->input_size;
        double estimate = 4.0 * c->batch_size * pixels * c->base_width *
                          (6.0 * c->blocks_per_stage + 4.0) * 4.0;
        if (estimate > 1.5e9) {
            snprintf(buffer, sizeof buffer,
                     "network activations would need about %.0f MB: lower batch_size, "
                     "input_size or base_width", estimate / 1e6);
            problem = buffer;
            if (message != NULL && message_size > 0) snprintf(message, message_size, "%s", problem);
            return ICARL_ERROR_LIMIT;
        }
        /* Parameters: two 3x3 convolutions per block at widths w, 2w, 4w, about 378 n w^2
         * floats; a step holds about five copies (weights, gradients, momentum, the old network,
         * scratch). Width 256 with 32 blocks would be 800 million parameters, 16 GB. */
        double parameters = 378.0 * c->blocks_per_stage * (double)c->base_width * c->base_width;
        if (parameters * 4.0 * 5.0 > 1.5e9) {
            snprintf(buffer, sizeof buffer,
                     "the network would have about %.0f million parameters (at most 75): lower "
                     "base_width or blocks_per_stage", parameters / 1e6);
            if (message != NULL && message_size > 0) snprintf(message, message_size, "%s", buffer);
            return ICARL_ERROR_LIMIT;
        }
    }
    if (problem == NULL) return ICARL_OK;
    if (message != NULL && message_size > 0) snprintf(message, message_size, "%s", problem);
    return ICARL_ERROR_INVALID_ARGUMENT;
}
