/* checkpoint.c - the learner to and from checkpoint bytes (DESIGN.md 4.4), on top of the section
 * container of io/sections.h. Sections, in order:
 *   CONF configuration          CLAS class names and flags     WGHT weights and BN statistics
 *   MEAN class means            EXEM exemplar images in priority order
 *   PEND images added since the last step                       CNTR counters
 * Unknown sections are skipped (a newer writer may add some); every size is checked against
 * what the configuration implies before anything is allocated from it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icarl/learner_internal.h"
#include "io/file.h"
#include "io/sections.h"

static void write_config(byte_writer *w, const icarl_config *c) {
    writer_i32(w, c->input_size);
    writer_i32(w, c->channels);
    writer_i32(w, c->blocks_per_stage);
    writer_i32(w, c->base_width);
    writer_i32(w, c->memory);
    writer_i32(w, c->method);
    writer_i32(w, c->loss);
    writer_f32(w, c->temperature);
    writer_i32(w, c->epochs);
    writer_i32(w, c->batch_size);
    writer_f32(w, c->learning_rate);
    writer_f32(w, c->momentum);
    writer_f32(w, c->weight_decay);
    writer_f32(w, c->decay_at[0]);
    writer_f32(w, c->decay_at[1]);
    writer_f32(w, c->decay_factor);
    writer_i32(w, c->crop_padding);
    writer_i32(w, c->flip);
    writer_f32(w, c->brightness);
    writer_i32(w, c->mean_with_flip);
    writer_u64(w, c->seed);
}

static void read_config(byte_reader *r, icarl_config *c) {
    c->input_size = reader_i32(r);
    c->channels = reader_i32(r);
    c->blocks_per_stage = reader_i32(r);
    c->base_width = reader_i32(r);
    c->memory = reader_i32(r);
    c->method = reader_i32(r);
    c->loss = reader_i32(r);
    c->temperature = reader_f32(r);
    c->epochs = reader_i32(r);
    c->batch_size = reader_i32(r);
    c->learning_rate = reader_f32(r);
    c->momentum = reader_f32(r);
    c->weight_decay = reader_f32(r);
    c->decay_at[0] = reader_f32(r);
    c->decay_at[1] = reader_f32(r);
    c->decay_factor = reader_f32(r);
    c->crop_padding = reader_i32(r);
    c->flip = reader_i32(r);
    c->brightness = reader_f32(r);
    c->mean_with_flip = reader_i32(r);
    c->seed = reader_u64(r);
}

static void write_images(byte_writer *w, const image_list *list, int image_bytes) {
    writer_i32(w, list->count);
    writer_bytes(w, list->pixels, (size_t)list->count * image_bytes);
}

icarl_status icarl_save(icarl_learner *learner, uint8_t **bytes_out, size_t *size_out) {
    if (learner == NULL || bytes_out == NULL || size_out == NULL)
        return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    *bytes_out = NULL;
    *size_out = 0;
    int d = learner->feature_size;
    byte_writer w;
    writer_init(&w);
    writer_header(&w);

    size_t section = writer_section_begin(&w, "CONF");
    write_config(&w, &learner->config);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "CLAS");
    writer_i32(&w, learner->class_count);
    writer_i32(&w, learner->outputs);
    for (int32_t i = 0; i < learner->class_count; i++) {
        writer_string(&w, learner->classes[i].name);
        writer_i32(&w, learner->classes[i].trained);
    }
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "WGHT");
    size_t parameter_count = learner->backbone_count + (size_t)learner->outputs * (d + 1);
    writer_u64(&w, parameter_count);
    writer_f32_array(&w, learner->parameters, parameter_count);
    writer_u64(&w, learner->state_count);
    writer_f32_array(&w, learner->state, learner->state_count);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "MEAN");
    writer_i32(&w, learner->has_means);
    if (learner->has_means) writer_f32_array(&w, learner->class_means, (size_t)learner->outputs * d);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "EXEM");
    for (int32_t i = 0; i < learner->class_count; i++)
        write_images(&w, &learner->classes[i].exemplars, learner->image_bytes);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "PEND");
    for (int32_t i = 0; i < learner->class_count; i++)
        write_images(&w, &learner->classes[i].pending, learner->image_bytes);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "CNTR");
    writer_i32(&w, learner->steps_done);
    writer_section_end(&w, section);

    section = writer_section_begin(&w, "END ");
    writer_section_end(&w, section);

    if (w.failed) {
        writer_free(&w);
        return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory for the checkpoint");
    }
    *bytes_out = w.data;
    *size_out = w.size;
    return ICARL_OK;
}

static icarl_status say(char *message, size_t size, icarl_status status, const char *text) {
    if (message != NULL && size > 0) snprintf(message, size, "%s", text);
    return status;
}

static icarl_status read_images(byte_reader *r, image_list *list, int image_bytes) {
    int32_t count = reader_i32(r);
    if (r->failed) return ICARL_ERROR_TRUNCATED;
    if (count < 0 || (size_t)count > reader_remaining(r) / (size_t)image_bytes)
        return ICARL_ERROR_CORRUPT;
    if (count == 0) return ICARL_OK;
    if (!image_list_reserve(list, count, image_bytes)) return ICARL_ERROR_OUT_OF_MEMORY;
    reader_bytes(r, list->pixels, (size_t)count * image_bytes);
    list->count = count;
    return ICARL_OK;
}

/* The sections found, before any is interpreted. */
typedef struct found_sections {
    section conf, clas, wght, mean, exem, pend, cntr;
    int have_conf, have_clas, have_wght, have_mean, have_exem, have_pend, have_cntr;
} found_sections;

static icarl_status collect(const uint8_t *bytes, size_t size, found_sections *found,
                            char *message, size_t message_size) {
    memset(found, 0, sizeof *found);
    byte_reader reader;
    uint32_t version = 0;
    icarl_status status = sections_open(bytes, size, &reader, &version);
    if (status == ICARL_ERROR_NOT_A_CHECKPOINT)
        return say(message, message_size, status, "not an icarl checkpoint (wrong magic bytes)");
    if (status == ICARL_ERROR_UNSUPPORTED_VERSION) {
        if (message != NULL && message_size > 0)
            snprintf(message, message_size,
                     "checkpoint format version %u is newer than this engine's (%u)",
                     (unsigned)version, (unsigned)CHECKPOINT_VERSION);
        return status;
    }
    if (status == ICARL_ERROR_CORRUPT)
        return say(message, message_size, status, "checkpoint header is corrupt");
    if (status != ICARL_OK) return say(message, message_size, status, "checkpoint is truncated");
    for (;;) {
        section s;
        status = sections_next(&reader, &s);
        if (status == ICARL_ERROR_CORRUPT)
            return say(message, message_size, status,
                       "checkpoint is corrupt: a section's checksum or framing is wrong");
        if (status != ICARL_OK)
            return say(message, message_size, status, "checkpoint is truncated");
        if (strcmp(s.tag, "END ") == 0) break;
#define KEEP(TAG, field)                                                                     \
    if (strcmp(s.tag, TAG) == 0) {                                                           \
        if (found->have_##field)                                                             \
            return say(message, message_size, ICARL_ERROR_CORRUPT,                           \
                       "checkpoint is corrupt: section " TAG " appears twice");              \
        found->field = s;                                                                    \
        found->have_##field = 1;                                                             \
        continue;                                                                            \
    }
        KEEP("CONF", conf)
        KEEP("CLAS", clas)
        KEEP("WGHT", wght)
        KEEP("MEAN", mean)
        KEEP("EXEM", exem)
        KEEP("PEND", pend)
        KEEP("CNTR", cntr)
#undef KEEP
    }
    if (!found->have_conf || !found->have_clas || !found->have_wght || !found->have_mean ||
        !found->have_exem || !found->have_pend || !found->have_cntr)
        return say(message, message_size, ICARL_ERROR_CORRUPT,
                   "checkpoint is corrupt: a required section is missing");
    return ICARL_OK;
}

/* The network's parameter and BatchNorm-state counts from the configuration alone, laid out as
 * resnet_create does (stem; per block conv1 + BN, conv2 + BN, and a 1x1 projection + BN where
 * the shape changes), so that the WGHT section's size is checked before the network is
 * allocated: a few bytes declaring a huge network must not make the loader allocate it. The
 * real network's counts are compared with the section again after allocation.
 * With `state` (the loaded running statistics, each unit's means then its variances), also
 * clears *variances_ok when a running variance is negative: inference would take its root. */
typedef struct network_count {
    uint64_t parameters, state;
    const float *values;
    int variances_ok;
} network_count;

static void count_unit(network_count *n, uint64_t in, uint64_t out, uint64_t kernel) {
    n->parameters += out * in * kernel * kernel + 2 * out;
    if (n->values != NULL)
        for (uint64_t k = 0; k < out; k++)
            if (!(n->values[n->state + out + k] >= 0.0f)) n->variances_ok = 0;
    n->state += 2 * out;
}

static network_count network_floats(const icarl_config *c, const float *state) {
    network_count n = {0, 0, state, 1};
    uint64_t width = (uint64_t)c->base_width, in = width;
    count_unit(&n, (uint64_t)c->channels, width, 3);
    for (int stage = 0; stage < 3; stage++) {
        uint64_t out = width << stage;
        for (int i = 0; i < c->blocks_per_stage; i++) {
            int stride = (stage > 0 && i == 0) ? 2 : 1;
            count_unit(&n, in, out, 3);
            count_unit(&n, out, out, 3);
            if (stride != 1 || in != out) count_unit(&n, in, out, 1);
            in = out;
        }
    }
    return n;
}

/* Loaded floats must be finite: NaN or infinite weights, statistics or means make every
 * feature NaN, and herding and the nearest-mean rule would then answer arbitrarily. */
static int all_finite(const float *values, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(values[i])) return 0;
    return 1;
}

#define CORRUPT(text) (status = say(message, message_size, ICARL_ERROR_CORRUPT, \
                                    "checkpoint is corrupt: " text))

icarl_status icarl_load(const uint8_t *bytes, size_t size, icarl_learner **learner_out,
                        char *message, size_t message_size) {
    if (learner_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *learner_out = NULL;
    if (bytes == NULL && size > 0) return ICARL_ERROR_INVALID_ARGUMENT;
    found_sections found;
    icarl_status status = collect(bytes, size, &found, message, message_size);
    if (status != ICARL_OK) return status;

    byte_reader r;
    icarl_config config;
    reader_init(&r, found.conf.payload, found.conf.size);
    read_config(&r, &config);
    if (r.failed) return CORRUPT("configuration section too short");
    char detail[200];
    status = config_validate(&config, detail, sizeof detail);
    if (status != ICARL_OK) {
        if (message != NULL && message_size > 0)
            snprintf(message, message_size, "checkpoint has an invalid configuration: %s", detail);
        return status == ICARL_ERROR_LIMIT ? status : ICARL_ERROR_CORRUPT;
    }

    /* Class list and weight sizes are checked against the configuration before the network
     * (whose size the configuration alone decides, within config_validate's limits) exists. */
    reader_init(&r, found.clas.payload, found.clas.size);
    int32_t class_count = reader_i32(&r);
    int32_t outputs = reader_i32(&r);
    if (r.failed || class_count < 0 || class_count > LEARNER_MAX_CLASSES || outputs < 0 ||
        outputs > class_count || (size_t)class_count > reader_remaining(&r) / 8)
        return CORRUPT("bad class count");
    network_count expected = network_floats(&config, NULL);
    uint64_t head_floats = (uint64_t)outputs * (4 * (uint64_t)config.base_width + 1);
    if ((uint64_t)found.wght.size != 16 + 4 * (expected.parameters + head_floats + expected.state))
        return CORRUPT("weights do not match the configured network");

    icarl_learner *learner = NULL;
    status = learner_allocate(&config, &learner, message, message_size);
    if (status != ICARL_OK) return status;
    int d = learner->feature_size;

    for (int32_t i = 0; i < class_count; i++) {
        char *name = reader_string(&r, LEARNER_MAX_NAME);
        int32_t trained = reader_i32(&r);
        int32_t index;
        if (name == NULL || r.failed || name[0] == '\0' || (trained != 0 && trained != 1) ||
            (trained == 1) != (i < outputs) || learner_find_class(learner, name) >= 0) {
            free(name);
            CORRUPT("bad class list");
            goto fail;
        }
        status = learner_add_class(learner, name, &index);
        free(name);
        if (status != ICARL_OK) goto fail;
        learner->classes[index].trained = trained;
    }
    status = learner_resize_head(learner, outputs);
    if (status != ICARL_OK) goto fail;

    reader_init(&r, found.wght.payload, found.wght.size);
    size_t parameter_count = learner->backbone_count + (size_t)outputs * (d + 1);
    if (reader_u64(&r) != parameter_count ||
        !reader_f32_array(&r, learner->parameters, parameter_count) ||
        reader_u64(&r) != learner->state_count ||
        !reader_f32_array(&r, learner->state, learner->state_count) || reader_remaining(&r) != 0) {
        CORRUPT("weights do not match the configured network");
        goto fail;
    }
    if (!all_finite(learner->parameters, parameter_count) ||
        !all_finite(learner->state, learner->state_count) ||
        !network_floats(&config, learner->state).variances_ok) {
        CORRUPT("weights or BatchNorm statistics are not finite, or a variance is negative");
        goto fail;
    }

    reader_init(&r, found.mean.payload, found.mean.size);
    learner->has_means = reader_i32(&r);
    if (r.failed || (learner->has_means != 0 && learner->has_means != 1) ||
        (learner->has_means && outputs == 0) ||
        (learner->has_means &&
         (!reader_f32_array(&r, learner->class_means, (size_t)outputs * d) ||
          !all_finite(learner->class_means, (size_t)outputs * d))) ||
        reader_remaining(&r) != 0) {
        CORRUPT("bad class means");
        goto fail;
    }

    const section *image_sections[2] = {&found.exem, &found.pend};
    for (int which = 0; which < 2; which++) {
        reader_init(&r, image_sections[which]->payload, image_sections[which]->size);
        for (int32_t i = 0; i < class_count; i++) {
            learner_class *entry = &learner->classes[i];
            status = read_images(&r, which == 0 ? &entry->exemplars : &entry->pending,
                                 learner->image_bytes);
            if (status == ICARL_ERROR_OUT_OF_MEMORY) goto fail;
            if (status != ICARL_OK) {
                CORRUPT("bad image list");
                goto fail;
            }
        }
        if (reader_remaining(&r) != 0) {
            CORRUPT("trailing bytes after the image lists");
            goto fail;
        }
    }
    for (int32_t i = 0; i < class_count; i++) {
        if (!learner->classes[i].trained && learner->classes[i].exemplars.count > 0) {
            CORRUPT("an untrained class has exemplars");
            goto fail;
        }
    }

    reader_init(&r, found.cntr.payload, found.cntr.size);
    learner->steps_done = reader_i32(&r);
    if (r.failed || learner->steps_done < 0) {
        CORRUPT("bad counters");
        goto fail;
    }
    learner_bind(learner, learner->parameters, NULL, learner->state);
    *learner_out = learner;
    return ICARL_OK;

fail:
    if (status == ICARL_ERROR_OUT_OF_MEMORY)
        say(message, message_size, status, "not enough memory to load the checkpoint");
    icarl_destroy(learner);
    return status;
}

icarl_status icarl_save_file(icarl_learner *learner, const char *path) {
    if (learner == NULL || path == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    uint8_t *bytes = NULL;
    size_t size = 0;
    icarl_status status = icarl_save(learner, &bytes, &size);
    if (status != ICARL_OK) return status;
    /* Write beside the target and rename over it: readers see the old file or the new one,
     * never a half-written one. */
    size_t length = strlen(path);
    char *temporary = malloc(length + 16);
    if (temporary == NULL) {
        free(bytes);
        return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    }
    snprintf(temporary, length + 16, "%s.tmp", path);
    FILE *file = fopen(temporary, "wb");
    if (file == NULL) {
        status = learner_fail(learner, ICARL_ERROR_IO, "cannot write %s: %s", temporary,
                              strerror(errno));
    } else {
        int ok = fwrite(bytes, 1, size, file) == size;
        ok = fflush(file) == 0 && ok;
        ok = fclose(file) == 0 && ok;
        if (!ok) {
            status = learner_fail(learner, ICARL_ERROR_IO, "cannot write %s: %s", temporary,
                                  strerror(errno));
            remove(temporary);
        } else if (rename(temporary, path) != 0) {
            status = learner_fail(learner, ICARL_ERROR_IO, "cannot replace %s: %s", path,
                                  strerror(errno));
            remove(temporary);
        }
    }
    free(temporary);
    free(bytes);
    return status;
}

icarl_status icarl_load_file(const char *path, icarl_learner **learner_out, char *message,
                             size_t message_size) {
    if (learner_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *learner_out = NULL;
    if (path == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    uint8_t *bytes = NULL;
    size_t size = 0;
    /* A checkpoint holds K images and the weights: far below this cap for any valid learner.
     * 4 GB, or all of a 32-bit address space (where 1 << 32 would overflow size_t). */
    size_t cap = sizeof(size_t) > 4 ? (size_t)((uint64_t)1 << 32) : SIZE_MAX;
    icarl_status read = file_read_all(path, cap, &bytes, &size);
    if (read != ICARL_OK) {
        if (message != NULL && message_size > 0)
            snprintf(message, message_size, "cannot read %s: %s", path,
                     read == ICARL_ERROR_IO ? strerror(errno) : icarl_strerror(read));
        return read;
    }
    icarl_status status = icarl_load(bytes, size, learner_out, message, message_size);
    free(bytes);
    return status;
}
