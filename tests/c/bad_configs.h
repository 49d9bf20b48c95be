/* bad_configs.h - one configuration field at a time set to what a careless or hostile caller
 * (or checkpoint) could give: out of range, NaN, infinity, huge. Every way of making a learner
 * (icarl_create, icarl_reconfigure, icarl_load) must refuse each one. (threads, which no
 * checkpoint carries, is test_config_fields.c's.) */
#ifndef ICARL_TEST_BAD_CONFIGS_H
#define ICARL_TEST_BAD_CONFIGS_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "icarl.h"

typedef struct bad_field {
    const char *what;
    void (*apply)(icarl_config *c);
} bad_field;

#define BAD(name, statement)                                                                  \
    static void bad_##name(icarl_config *c) { statement; }
BAD(input_zero, c->input_size = 0)
BAD(input_3, c->input_size = 3)
BAD(input_huge, c->input_size = INT32_MAX)
BAD(input_negative, c->input_size = -28)
BAD(channels_0, c->channels = 0)
BAD(channels_2, c->channels = 2)
BAD(channels_4, c->channels = 4)
BAD(blocks_0, c->blocks_per_stage = 0)
BAD(blocks_huge, c->blocks_per_stage = 1 << 30)
BAD(width_0, c->base_width = 0)
BAD(width_huge, c->base_width = INT32_MAX)
BAD(memory_negative, c->memory = -1)
BAD(memory_huge, c->memory = INT32_MAX)
BAD(method, c->method = ICARL_METHOD_REPLAY + 1) /* one past the last method */
BAD(method_negative, c->method = -1)
BAD(loss, c->loss = 2)
BAD(temperature_nan, c->temperature = NAN)
BAD(temperature_inf, c->temperature = INFINITY)
BAD(temperature_zero, c->temperature = 0.0f)
BAD(epochs_0, c->epochs = 0)
BAD(epochs_negative, c->epochs = -5)
BAD(batch_1, c->batch_size = 1)
BAD(batch_huge, c->batch_size = INT32_MAX)
BAD(lr_nan, c->learning_rate = NAN)
BAD(lr_inf, c->learning_rate = INFINITY)
BAD(lr_negative, c->learning_rate = -0.1f)
BAD(momentum_nan, c->momentum = NAN)
BAD(momentum_one, c->momentum = 1.0f)
BAD(decay_nan, c->weight_decay = NAN)
BAD(decay_inf, c->weight_decay = -INFINITY)
BAD(decay_at_nan, c->decay_at[1] = NAN)
BAD(decay_at_big, c->decay_at[0] = 1.5f)
BAD(decay_factor_nan, c->decay_factor = NAN)
BAD(decay_factor_small, c->decay_factor = 0.5f)
BAD(decay_factor_inf, c->decay_factor = INFINITY)
BAD(crop_negative, c->crop_padding = -1)
BAD(crop_big, c->crop_padding = 100)
BAD(flip_2, c->flip = 2)
BAD(brightness_nan, c->brightness = NAN)
BAD(brightness_big, c->brightness = FLT_MAX)
BAD(zoom_big, c->zoom = 0.95f)
BAD(rotation_nan, c->rotation = NAN)
BAD(contrast_negative, c->contrast = -0.1f)
BAD(saturation_inf, c->saturation = INFINITY)
BAD(blur_big, c->blur = 1.5f)
BAD(noise_big, c->noise = 0.6f)
BAD(mean_flip, c->mean_with_flip = -1)
#undef BAD

static const bad_field bad_fields[] = {
#define ENTRY(name) {#name, bad_##name}
    ENTRY(input_zero), ENTRY(input_3), ENTRY(input_huge), ENTRY(input_negative),
    ENTRY(channels_0), ENTRY(channels_2), ENTRY(channels_4), ENTRY(blocks_0),
    ENTRY(blocks_huge), ENTRY(width_0), ENTRY(width_huge), ENTRY(memory_negative),
    ENTRY(memory_huge), ENTRY(method), ENTRY(method_negative), ENTRY(loss),
    ENTRY(temperature_nan), ENTRY(temperature_inf), ENTRY(temperature_zero), ENTRY(epochs_0),
    ENTRY(epochs_negative), ENTRY(batch_1), ENTRY(batch_huge), ENTRY(lr_nan), ENTRY(lr_inf),
    ENTRY(lr_negative), ENTRY(momentum_nan), ENTRY(momentum_one), ENTRY(decay_nan),
    ENTRY(decay_inf), ENTRY(decay_at_nan), ENTRY(decay_at_big), ENTRY(decay_factor_nan),
    ENTRY(decay_factor_small), ENTRY(decay_factor_inf), ENTRY(crop_negative), ENTRY(crop_big),
    ENTRY(flip_2), ENTRY(brightness_nan), ENTRY(brightness_big), ENTRY(zoom_big),
    ENTRY(rotation_nan), ENTRY(contrast_negative), ENTRY(saturation_inf), ENTRY(blur_big),
    ENTRY(noise_big), ENTRY(mean_flip),
#undef ENTRY
};

#endif
