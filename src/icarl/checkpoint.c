/* checkpoint.c - the learner to and from checkpoint bytes (docs/design.md), on top of the section
 * container of io/sections.h. Sections, in order:
 *   CONF configuration          CLAS class names and flags     WGHT weights and BN statistics
 *   MEAN class means            CALI the classes' unknown thresholds (optional: older files
 *   EXEM exemplar images in priority order                      flag nothing unknown)
 *   PEND images added since the last step                       CNTR counters
 * Unknown sections are skipped (a newer writer may add some); every size is checked against
 * what the configuration implies before anything is allocated from it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icarl/calibration.h"
#include "icarl/config_fields.h"
#include "icarl/learner_internal.h"
#include "io/file.h"
#include "io/sections.h"

/* The configuration section, version 2: a count, then per field its name, its kind (u32, an
 * icarl_field_kind) and its value (i32, f32 or u64 by kind), every saved field of the table in
 * config.c. A reader takes the fields it knows and skips those it does not (a newer writer may
 * add some), and a field missing from an older file gets the value its absence implies. */
static void write_config(byte_writer *w, const icarl_config *c) {
    uint32_t saved = 0;
    for (int32_t i = 0; i < icarl_config_field_count(); i++)
        if (!(config_field_entry(i)->public.flags & ICARL_FIELD_NOT_SAVED)) saved++;
    writer_u32(w, saved);
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const config_field *field = config_field_entry(i);
        if (field->public.flags & ICARL_FIELD_NOT_SAVED) continue;
        writer_string(w, field->public.name);
        writer_u32(w, (uint32_t)field->public.kind);
        if (field->public.kind == ICARL_FIELD_FLOAT)
            writer_f32(w, (float)config_field_value(field, c));
        else if (field->public.kind == ICARL_FIELD_SEED)
            writer_u64(w, config_field_seed(field, c));
        else
            writer_i32(w, (int32_t)config_field_value(field, c));
    }
}

/* Gives every field the value an older checkpoint that lacks it implies. */
static void config_absent_values(icarl_config *c) {
    memset(c, 0, sizeof *c);
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const config_field *field = config_field_entry(i);
        if (field->public.kind == ICARL_FIELD_FLOAT)
            config_field_store_float(field, c, (float)field->absent);
        else if (field->public.kind == ICARL_FIELD_SEED)
            config_field_store_seed(field, c, (uint64_t)field->absent);
        else
            config_field_store_int(field, c, (int32_t)field->absent);
    }
}

/* Reads one value of `kind` into `field` (NULL: read and drop it). 0 on an unknown kind. */
static int read_field_value(byte_reader *r, uint32_t kind, const config_field *field,
                            icarl_config *c) {
    switch (kind) {
    case ICARL_FIELD_FLOAT: {
        float value = reader_f32(r);
        if (field != NULL) config_field_store_float(field, c, value);
        return 1;
    }
    case ICARL_FIELD_SEED: {
        uint64_t value = reader_u64(r);
        if (field != NULL) config_field_store_seed(field, c, value);
        return 1;
    }
    case ICARL_FIELD_INT:
    case ICARL_FIELD_BOOL:
    case ICARL_FIELD_CHOICE: {
        int32_t value = reader_i32(r);
        if (field != NULL) config_field_store_int(field, c, value);
        return 1;
    }
    }
    return 0;
}

/* Version 1 wrote these fields, in this order, as bare values. */
static const char *const VERSION_1_FIELDS[] = {
    "input_size", "channels", "blocks_per_stage", "base_width", "memory", "method", "loss",
    "temperature", "epochs", "batch_size", "learning_rate", "momentum", "weight_decay",
    "decay_at_0", "decay_at_1", "decay_factor", "crop_padding", "flip", "brightness",
    "mean_with_flip", "seed"};

/* Returns NULL, or what is wrong with the section. */
static const char *read_config(byte_reader *r, uint32_t version, icarl_config *c) {
    config_absent_values(c);
    if (version == 1) {
        for (size_t i = 0; i < sizeof VERSION_1_FIELDS / sizeof VERSION_1_FIELDS[0]; i++) {
            const config_field *field = config_field_find(VERSION_1_FIELDS[i]);
            read_field_value(r, (uint32_t)field->public.kind, field, c);
        }
        return r->failed ? "configuration section too short" : NULL;
    }
    uint32_t count = reader_u32(r);
    if (r->failed || count > reader_remaining(r) / 8) return "bad configuration field count";
    for (uint32_t i = 0; i < count; i++) {
        char *name = reader_string(r, 256);
        uint32_t kind = reader_u32(r);
        if (name == NULL || r->failed) {
            free(name);
            return "configuration section too short";
        }
        const config_field *field = config_field_find(name);
        free(name);
        if (field != NULL && (field->public.flags & ICARL_FIELD_NOT_SAVED)) field = NULL;
        if (field != NULL && (uint32_t)field->public.kind != kind)
            return "a configuration field has the wrong kind";
        if (!read_field_value(r, kind, field, c)) return "a configuration field of unknown kind";
    }
    if (r->failed) return "configuration section too short";
    if (reader_remaining(r) != 0) return "trailing bytes after the configuration";
    return NULL;
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

    section = writer_section_begin(&w, "CALI");
    writer_i32(&w, learner->has_means);
    if (learner->has_means)
        writer_f32_array(&w, learner->class_calibration, (size_t)learner->outputs * 2);
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
    section conf, clas, wght, mean, cali, exem, pend, cntr;
    int have_conf, have_clas, have_wght, have_mean, have_cali, have_exem, have_pend, have_cntr;
    uint32_t version;
} found_sections;

static icarl_status collect(const uint8_t *bytes, size_t size, found_sections *found,
                            char *message, size_t message_size) {
    memset(found, 0, sizeof *found);
    byte_reader reader;
    uint32_t version = 0;
    icarl_status status = sections_open(bytes, size, &reader, &version);
    found->version = version;
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
        KEEP("CALI", cali)
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
    const char *config_problem = read_config(&r, found.version, &config);
    if (config_problem != NULL) {
        if (message != NULL && message_size > 0)
            snprintf(message, message_size, "checkpoint is corrupt: %s", config_problem);
        return ICARL_ERROR_CORRUPT;
    }
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

    /* Thresholds: a typical score that is finite, a threshold finite or -infinity (a class with
     * no exemplars flags nothing) and not above it. A file from before they existed flags
     * nothing until its next step calibrates them. */
    for (int32_t i = 0; i < outputs; i++) {
        learner->class_calibration[2 * i] = -INFINITY;
        learner->class_calibration[2 * i + 1] = 1.0f;
    }
    if (found.have_cali) {
        reader_init(&r, found.cali.payload, found.cali.size);
        int32_t has = reader_i32(&r);
        int calibration_ok = !r.failed && has == learner->has_means;
        if (calibration_ok && has)
            calibration_ok = reader_f32_array(&r, learner->class_calibration, (size_t)outputs * 2);
        for (int32_t i = 0; calibration_ok && has && i < outputs; i++)
            calibration_ok = calibration_finite(learner->class_calibration + (size_t)2 * i);
        if (!calibration_ok || reader_remaining(&r) != 0) {
            CORRUPT("bad unknown thresholds");
            goto fail;
        }
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
