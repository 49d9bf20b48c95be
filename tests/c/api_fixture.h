/* api_fixture.h - what the tests of the public entry points (include/icarl.h) share: a tiny
 * learner (8x8x3, ResNet-8 of width 2, one epoch, K = 6), three images of a class-specific colour
 * at 10x10 RGBA per class (so the engine resizes them), a learner trained on two such classes, and
 * an address-space cap under which an entry point that allocates what its input does not justify
 * fails fast instead of swapping. */
#ifndef ICARL_TEST_API_FIXTURE_H
#define ICARL_TEST_API_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "harness.h"
#include "icarl.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#if UNDER_ASAN
/* ASan cannot run under an address-space limit (its shadow needs terabytes of it); instead no
 * single allocation may exceed 64 MB, and one that would returns NULL as malloc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
#endif

static inline icarl_config tiny_config(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = 8;
    config.channels = 3;
    config.blocks_per_stage = 1;
    config.base_width = 2;
    config.batch_size = 4;
    config.epochs = 1;
    config.memory = 6;
    config.crop_padding = 1;
    return config;
}

static inline icarl_learner *tiny_learner(void) {
    icarl_config config = tiny_config();
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    return learner;
}

/* Three 10x10 RGBA images of colour c (0 red, 1 green, 2 blue, 3 grey). */
static inline const icarl_image *colour_images(int c) {
    static uint8_t pixels[4][10 * 10 * 4];
    static icarl_image images[4][3];
    static int made = 0;
    if (!made) {
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 10 * 10; i++) {
                pixels[k][4 * i + 0] = (uint8_t)(k == 0 ? 230 : 20 + (i % 7));
                pixels[k][4 * i + 1] = (uint8_t)(k == 1 ? 230 : 20 + (i % 5));
                pixels[k][4 * i + 2] = (uint8_t)(k == 2 ? 230 : 20 + (i % 3));
                pixels[k][4 * i + 3] = 255;
            }
            for (int j = 0; j < 3; j++) images[k][j] = (icarl_image){pixels[k], 10, 10, 4};
        }
        made = 1;
    }
    return images[c];
}

static inline icarl_learner *trained_learner(void) {
    icarl_learner *learner = tiny_learner();
    CHECK(icarl_add_examples(learner, "red", colour_images(0), 3) == ICARL_OK);
    CHECK(icarl_add_examples(learner, "green", colour_images(1), 3) == ICARL_OK);
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    return learner;
}

static inline int has_message(const icarl_learner *learner) {
    const char *message = icarl_last_error(learner);
    return message != NULL && message[0] != '\0';
}

/* Caps the address space a little above what this process uses now, so that an allocation
 * the input does not justify fails fast here. Not under ASan (see __asan_default_options). */
static inline void cap_address_space(void) {
#if !UNDER_ASAN
    FILE *status = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (status != NULL) {
        if (fscanf(status, "%lu", &pages) != 1) pages = 0;
        fclose(status);
    }
    if (pages == 0) return;
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = (rlim_t)pages * 4096 + ((rlim_t)256 << 20);
    if (setrlimit(RLIMIT_AS, &limit) != 0) perror("setrlimit");
#endif
}

#endif
