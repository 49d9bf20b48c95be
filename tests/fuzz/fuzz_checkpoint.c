/* fuzz_checkpoint.c - libFuzzer target for the checkpoint loader (icarl_load, docs/design.md 5.5).
 * Any bytes must either load or be refused with a status and a message; never crash, never
 * read out of bounds, never allocate beyond what the bytes justify (libFuzzer's -malloc_limit_mb
 * and -rss_limit_mb catch that). A checkpoint that loads must save again and load again: the
 * loader may not accept something the rest of the engine cannot handle. Not a test of training.
 * Each input runs twice: as given (the framing and CRC checks) and with every section's CRC
 * recomputed (so mutations reach the section contents instead of stopping at a checksum). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icarl.h"
#include "io/crc32.h"

static void checkpoint_check(int condition, const char *what) {
    if (!condition) {
        fprintf(stderr, "fuzz_checkpoint: %s\n", what);
        abort();
    }
}

static int load_and_use(const uint8_t *data, size_t size) {
    char message[256];
    message[0] = '\0';
    icarl_learner *learner = (icarl_learner *)1;
    icarl_status status = icarl_load(data, size, &learner, message, sizeof message);
    if (status != ICARL_OK) {
        checkpoint_check(learner == NULL, "a refused checkpoint left a learner behind");
        checkpoint_check(status > ICARL_OK && status < ICARL_STATUS_COUNT, "status out of range");
        checkpoint_check(message[0] != '\0', "a refused checkpoint gave no message");
        return 0;
    }
    checkpoint_check(learner != NULL, "ICARL_OK without a learner");

    /* Every getter on what was loaded. */
    int32_t classes = icarl_class_count(learner);
    checkpoint_check(classes >= 0, "negative class count");
    for (int32_t i = 0; i < classes; i++) {
        icarl_class_info info;
        checkpoint_check(icarl_class_info_get(learner, i, &info) == ICARL_OK, "class_info failed");
        checkpoint_check(info.name != NULL && info.name[0] != '\0', "empty class name");
        checkpoint_check(info.exemplars >= 0 && info.pending >= 0, "negative image count");
    }
    icarl_memory_info memory;
    checkpoint_check(icarl_memory_info_get(learner, &memory) == ICARL_OK, "memory_info failed");
    icarl_config config;
    checkpoint_check(icarl_get_config(learner, &config) == ICARL_OK, "get_config failed");

    /* Classify one small image only when the network is small: a valid checkpoint of a large
     * network is legitimate but too slow to run per fuzz input. */
    if (config.input_size <= 16 && config.base_width <= 8 && config.blocks_per_stage <= 2) {
        uint8_t pixels[6 * 5 * 3];
        for (size_t i = 0; i < sizeof pixels; i++) pixels[i] = (uint8_t)(i * 37);
        icarl_image image = {pixels, 6, 5, 3};
        int32_t label = -1;
        float nme[4096], cnn[4096];
        status = icarl_classify(learner, &image, &label, classes <= 4096 ? nme : NULL,
                                classes <= 4096 ? cnn : NULL);
        checkpoint_check(status == ICARL_OK || status == ICARL_ERROR_NO_CLASSES, "classify failed");
        if (status == ICARL_OK) checkpoint_check(label >= 0 && label < classes, "label out of range");
    }

    /* Train a step on what was loaded when it is tiny: a doctored file may hold more exemplars
     * than K, trained classes without exemplars or pending images for any class, and the
     * step must cope (or refuse with a status), never crash. */
    int64_t images = 0;
    for (int32_t i = 0; i < classes; i++) {
        icarl_class_info info;
        icarl_class_info_get(learner, i, &info);
        images += info.exemplars + info.pending;
    }
    if (config.input_size <= 8 && config.base_width <= 2 && config.blocks_per_stage == 1 &&
        config.epochs <= 2 && config.batch_size <= 8 && images <= 64 && classes <= 16) {
        status = icarl_step(learner, NULL, NULL);
        checkpoint_check(status == ICARL_OK || status == ICARL_ERROR_NOTHING_TO_TRAIN ||
                             status == ICARL_ERROR_DIVERGED,
                         "a step on a loaded learner failed");
        checkpoint_check(status == ICARL_OK || icarl_last_error(learner)[0] != '\0',
                         "a refused step gave no message");
        icarl_memory_info after;
        checkpoint_check(icarl_memory_info_get(learner, &after) == ICARL_OK &&
                             (status != ICARL_OK || after.used <= after.capacity),
                         "more exemplars than K after a step");
    }

    /* Round trip: what loads must save, and the saved bytes must load. */
    uint8_t *bytes = NULL;
    size_t saved = 0;
    checkpoint_check(icarl_save(learner, &bytes, &saved) == ICARL_OK, "save after load failed");
    icarl_learner *again = NULL;
    status = icarl_load(bytes, saved, &again, message, sizeof message);
    if (status != ICARL_OK) fprintf(stderr, "reload: %s\n", message);
    checkpoint_check(status == ICARL_OK, "the saved checkpoint does not load again");
    checkpoint_check(icarl_class_count(again) == classes, "class count changed by a round trip");
    icarl_destroy(again);
    icarl_free(bytes);
    icarl_destroy(learner);
    return 0;
}

/* A copy of `data` whose sections (as far as their framing holds) carry correct CRCs. */
static uint8_t *with_fixed_checksums(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) return NULL;
    memcpy(copy, data, size);
    size_t at = 12; /* magic + version */
    while (size >= 16 && at <= size - 16) {
        uint64_t length = 0;
        for (int i = 0; i < 8; i++) length |= (uint64_t)copy[at + 4 + i] << (8 * i);
        if (length > size - 16 - at) break;
        uint32_t crc = crc32_update(0, copy + at + 12, (size_t)length);
        uint8_t *out = copy + at + 12 + length;
        for (int i = 0; i < 4; i++) out[i] = (uint8_t)(crc >> (8 * i));
        at += 16 + (size_t)length;
    }
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    load_and_use(data, size);
    uint8_t *fixed = with_fixed_checksums(data, size);
    if (fixed != NULL && (size == 0 || memcmp(fixed, data, size) != 0)) load_and_use(fixed, size);
    free(fixed);
    return 0;
}
