/* test_checkpoint_crafted.c - checkpoints (src/icarl/checkpoint.c) whose sections keep valid
 * lengths and CRCs around content that lies: counts of classes, parameters and images far beyond
 * the bytes, each bad configuration field, a valid configuration of a network far larger than
 * the weights that follow, duplicate or NUL-bearing class names, impossible flags and counters,
 * NaN and infinite weights, statistics and means. Each is refused as CORRUPT (or LIMIT) with a
 * message, and the loader never allocates what the file cannot back: the address space (or,
 * under ASan, the largest allocation) is capped a little above what the test needs. */
#define _POSIX_C_SOURCE 200809L /* setrlimit */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "bad_configs.h"
#include "checkpoint_sections.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "io/sections.h"

/* The configuration section of checkpoint format 2 for `c`, as checkpoint.c writes it: a count,
 * then per saved field of the engine's public table its name, kind and value (i32, f32 or u64). */
static uint8_t *config_payload(const icarl_config *c, size_t *size_out) {
    byte_writer w;
    writer_init(&w);
    uint32_t saved = 0;
    for (int32_t i = 0; i < icarl_config_field_count(); i++)
        saved += !(icarl_config_field_at(i)->flags & ICARL_FIELD_NOT_SAVED);
    writer_u32(&w, saved);
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const icarl_config_field *field = icarl_config_field_at(i);
        if (field->flags & ICARL_FIELD_NOT_SAVED) continue;
        double value = 0.0;
        CHECK(icarl_config_get(c, field->name, &value) == ICARL_OK);
        writer_string(&w, field->name);
        writer_u32(&w, (uint32_t)field->kind);
        if (field->kind == ICARL_FIELD_FLOAT) writer_f32(&w, (float)value);
        else if (field->kind == ICARL_FIELD_SEED) writer_u64(&w, c->seed);
        else writer_i32(&w, (int32_t)value);
    }
    *size_out = w.size;
    return w.data;
}

/* Loads `bytes` and expects a refusal with `expected` status and a message. */
static void expect_refused(const uint8_t *bytes, size_t size, icarl_status expected,
                           const char *what) {
    char message[256] = "";
    icarl_learner *learner = (icarl_learner *)&message;
    icarl_status status = icarl_load(bytes, size, &learner, message, sizeof message);
    CHECK_MESSAGE(status == expected, "%s: status %s (%s), expected %s", what,
                  icarl_strerror(status), message, icarl_strerror(expected));
    CHECK_MESSAGE(learner == NULL, "%s: learner left behind", what);
    CHECK_MESSAGE(message[0] != '\0', "%s: no message", what);
    if (status == ICARL_OK) icarl_destroy(learner);
}

static void test_checkpoint_huge_counts(void) {
    icarl_learner *learner = trained_learner();
    CHECK(icarl_add_examples(learner, "blue", colour_images(2), 2) == ICARL_OK);
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);

    /* CLAS: class counts far beyond the section. */
    const int32_t class_counts[][2] = {{INT32_MAX, 2}, {-1, 0}, {4097, 2}, {3, 4}, {3, -1}};
    for (size_t i = 0; i < sizeof class_counts / sizeof class_counts[0]; i++) {
        const uint8_t *clas = find_section(bytes, size, "CLAS", &payload_size);
        CHECK(clas != NULL);
        uint8_t *copy = malloc(payload_size);
        memcpy(copy, clas, payload_size);
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 4; b++)
                copy[4 * k + b] = (uint8_t)((uint32_t)class_counts[i][k] >> (8 * b));
        bad = replace_section(bytes, size, "CLAS", copy, payload_size, &bad_size);
        expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "class count");
        free(bad);
        free(copy);
    }
    /* WGHT: parameter counts of 2^64-1 and 2^62, and a short section. */
    const uint8_t *wght = find_section(bytes, size, "WGHT", &payload_size);
    CHECK(wght != NULL && payload_size > 16);
    uint8_t *copy = malloc(payload_size);
    const uint64_t counts[] = {UINT64_MAX, (uint64_t)1 << 62, 0};
    for (size_t i = 0; i < 3; i++) {
        memcpy(copy, wght, payload_size);
        for (int b = 0; b < 8; b++) copy[b] = (uint8_t)(counts[i] >> (8 * b));
        bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
        expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "parameter count");
        free(bad);
    }
    bad = replace_section(bytes, size, "WGHT", wght, payload_size - 4, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "short weights");
    free(bad);
    free(copy);
    /* EXEM and PEND: image counts far beyond the section. */
    const char *image_tags[2] = {"EXEM", "PEND"};
    for (int t = 0; t < 2; t++) {
        const uint8_t *images = find_section(bytes, size, image_tags[t], &payload_size);
        CHECK(images != NULL && payload_size >= 4);
        copy = malloc(payload_size);
        const int32_t image_counts[] = {INT32_MAX, -1, 1 << 20};
        for (int i = 0; i < 3; i++) {
            memcpy(copy, images, payload_size);
            for (int b = 0; b < 4; b++) copy[b] = (uint8_t)((uint32_t)image_counts[i] >> (8 * b));
            bad = replace_section(bytes, size, image_tags[t], copy, payload_size, &bad_size);
            expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, image_tags[t]);
            free(bad);
        }
        free(copy);
    }
    /* A string length of 4 GB in the class names. */
    const uint8_t *clas = find_section(bytes, size, "CLAS", &payload_size);
    copy = malloc(payload_size);
    memcpy(copy, clas, payload_size);
    memset(copy + 8, 0xFF, 4);
    bad = replace_section(bytes, size, "CLAS", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "name length");
    free(bad);
    free(copy);
    icarl_free(bytes);
}

static void test_checkpoint_bad_configs(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    /* The section as written here loads when the configuration is good. */
    icarl_config good = tiny_config();
    size_t good_size, good_file_size;
    uint8_t *good_payload = config_payload(&good, &good_size);
    uint8_t *good_file = replace_section(bytes, size, "CONF", good_payload, good_size,
                                         &good_file_size);
    icarl_learner *reloaded = NULL;
    CHECK(icarl_load(good_file, good_file_size, &reloaded, NULL, 0) == ICARL_OK);
    icarl_destroy(reloaded);
    free(good_file);
    free(good_payload);
    for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        icarl_config config = tiny_config();
        bad_fields[i].apply(&config);
        size_t payload_size, bad_size;
        uint8_t *payload = config_payload(&config, &payload_size);
        uint8_t *bad = replace_section(bytes, size, "CONF", payload, payload_size, &bad_size);
        char message[256] = "";
        icarl_learner *loaded = NULL;
        icarl_status status = icarl_load(bad, bad_size, &loaded, message, sizeof message);
        CHECK_MESSAGE(status == ICARL_ERROR_CORRUPT || status == ICARL_ERROR_LIMIT,
                      "%s: status %s", bad_fields[i].what, icarl_strerror(status));
        CHECK_MESSAGE(loaded == NULL && strstr(message, "configuration") != NULL, "%s: %s",
                      bad_fields[i].what, message);
        icarl_destroy(loaded);
        free(bad);
        free(payload);
    }
    icarl_free(bytes);
}

/* The core of "a hostile checkpoint cannot make the loader allocate more than the file
 * justifies": a configuration that validates but describes a network of ~50 million
 * parameters (200 MB), in a file of a few kilobytes whose WGHT section holds the tiny network's
 * weights. The loader must see that the weights cannot be there before allocating the network.
 * The address space (or, under ASan, the largest single allocation) is capped below what the
 * network needs, so a loader that allocates first reports OUT_OF_MEMORY instead of CORRUPT. */
static void test_checkpoint_big_network_short_weights(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    icarl_config config = tiny_config();
    config.input_size = 4;
    config.crop_padding = 0;
    config.batch_size = 2;
    config.base_width = 64;
    config.blocks_per_stage = 32;
    char message[200] = "";
    /* It is a valid configuration (icarl_create would accept it). */
    CHECK_MESSAGE(config_validate(&config, message, sizeof message) == ICARL_OK, "%s", message);
    size_t payload_size, bad_size;
    uint8_t *payload = config_payload(&config, &payload_size);
    uint8_t *bad = replace_section(bytes, size, "CONF", payload, payload_size, &bad_size);
    CHECK(bad_size < 100000);
    char refusal[256] = "";
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bad, bad_size, &loaded, refusal, sizeof refusal) == ICARL_ERROR_CORRUPT);
    /* Refused for its weights, not for a configuration section it could not read. */
    CHECK_MESSAGE(loaded == NULL && strstr(refusal, "weights") != NULL, "refused with \"%s\"",
                  refusal);
    icarl_destroy(loaded);
    free(bad);
    free(payload);
    icarl_free(bytes);
}

/* Whatever else is wrong, a structurally valid file with inconsistent content is CORRUPT. */
static void test_checkpoint_inconsistent_content(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    icarl_destroy(learner);
    /* Duplicate class names. */
    byte_writer w;
    writer_init(&w);
    writer_i32(&w, 2);
    writer_i32(&w, 2);
    writer_string(&w, "red");
    writer_i32(&w, 1);
    writer_string(&w, "red");
    writer_i32(&w, 1);
    bad = replace_section(bytes, size, "CLAS", w.data, w.size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "duplicate names");
    free(bad);
    writer_free(&w);
    /* A name with a NUL inside. */
    writer_init(&w);
    writer_i32(&w, 2);
    writer_i32(&w, 2);
    writer_u32(&w, 3);
    writer_bytes(&w, "r\0d", 3);
    writer_i32(&w, 1);
    writer_string(&w, "green");
    writer_i32(&w, 1);
    bad = replace_section(bytes, size, "CLAS", w.data, w.size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "NUL in a name");
    free(bad);
    writer_free(&w);
    /* Means flag 2, and negative step counter. */
    const uint8_t *mean = find_section(bytes, size, "MEAN", &payload_size);
    uint8_t *copy = malloc(payload_size);
    memcpy(copy, mean, payload_size);
    copy[0] = 2;
    bad = replace_section(bytes, size, "MEAN", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "means flag");
    free(bad);
    free(copy);
    const uint8_t minus_one[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    bad = replace_section(bytes, size, "CNTR", minus_one, 4, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "negative counter");
    free(bad);
    /* Every truncation of the file is refused, never loaded. */
    for (size_t cut = 0; cut < size; cut += 1 + cut / 16) {
        char message[256] = "";
        icarl_learner *loaded = NULL;
        icarl_status status = icarl_load(bytes, cut, &loaded, message, sizeof message);
        CHECK_MESSAGE(status != ICARL_OK && loaded == NULL && message[0] != '\0',
                      "cut at %zu: %s", cut, icarl_strerror(status));
        icarl_destroy(loaded);
    }
    icarl_free(bytes);
}

/* Non-finite numbers in a checkpoint: NaN or infinite weights, statistics or class means, and
 * negative BatchNorm variances, would make every feature NaN; they are refused as CORRUPT. */
static void test_checkpoint_non_finite_numbers(void) {
    icarl_learner *learner = trained_learner();
    uint8_t *bytes = NULL, *bad;
    size_t size = 0, bad_size, payload_size;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    size_t state_count = learner->state_count, parameter_count = 0;
    icarl_destroy(learner);
    const uint8_t *wght = find_section(bytes, size, "WGHT", &payload_size);
    CHECK(wght != NULL);
    for (int b = 0; b < 8; b++) parameter_count |= (size_t)wght[b] << (8 * b);
    uint8_t *copy = malloc(payload_size);
    const float values[3] = {NAN, INFINITY, -INFINITY};
    /* A weight, a running mean (state index 0) and a running variance (index 2: the stem's
     * variances follow its 2 means at base width 2). */
    const size_t offsets[3] = {8 + 4 * 5, 16 + 4 * parameter_count, 16 + 4 * (parameter_count + 2)};
    for (int v = 0; v < 3; v++)
        for (int o = 0; o < 3; o++) {
            memcpy(copy, wght, payload_size);
            memcpy(copy + offsets[o], &values[v], 4);
            bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
            expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "non-finite weight");
            free(bad);
        }
    CHECK(16 + 4 * (parameter_count + state_count) == payload_size);
    const float negative = -1.0f, positive = 1e30f;
    memcpy(copy, wght, payload_size);
    memcpy(copy + offsets[2], &negative, 4);
    bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "negative variance");
    free(bad);
    /* A negative running mean, or a large finite weight, is legitimate. */
    memcpy(copy, wght, payload_size);
    memcpy(copy + offsets[1], &negative, 4);
    memcpy(copy + offsets[0], &positive, 4);
    bad = replace_section(bytes, size, "WGHT", copy, payload_size, &bad_size);
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bad, bad_size, &loaded, NULL, 0) == ICARL_OK);
    icarl_destroy(loaded);
    free(bad);
    free(copy);
    const uint8_t *mean = find_section(bytes, size, "MEAN", &payload_size);
    copy = malloc(payload_size);
    memcpy(copy, mean, payload_size);
    memcpy(copy + 4, &values[0], 4);
    bad = replace_section(bytes, size, "MEAN", copy, payload_size, &bad_size);
    expect_refused(bad, bad_size, ICARL_ERROR_CORRUPT, "NaN class mean");
    free(bad);
    free(copy);
    icarl_free(bytes);
}

int main(void) {
    cap_address_space();
    RUN(test_checkpoint_huge_counts);
    RUN(test_checkpoint_bad_configs);
    RUN(test_checkpoint_big_network_short_weights);
    RUN(test_checkpoint_inconsistent_content);
    RUN(test_checkpoint_non_finite_numbers);
    return HARNESS_RESULT();
}
