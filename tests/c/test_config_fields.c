/* test_config_fields.c - the configuration's one field table (src/icarl/config.c) and what is
 * made from it: access by name, validation messages that name the field, the status and phase
 * names, and the checkpoint's configuration section (format 2: named fields; format 1 files
 * still load), including fields a reader does not know and fields an older file lacks. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint_sections.h"
#include "harness.h"
#include "icarl.h"
#include "icarl/config_fields.h"
#include "io/file.h"
#include "io/sections.h"

static void test_table_describes_every_member(void) {
    int32_t count = icarl_config_field_count();
    CHECK(count >= 21);
    CHECK(icarl_config_field_at(-1) == NULL);
    CHECK(icarl_config_field_at(count) == NULL);
    for (int32_t i = 0; i < count; i++) {
        const icarl_config_field *field = icarl_config_field_at(i);
        CHECK(field != NULL && field->name != NULL && field->summary != NULL);
        CHECK(icarl_config_field_named(field->name) == field);
        for (int32_t j = 0; j < i; j++)
            CHECK_MESSAGE(strcmp(icarl_config_field_at(j)->name, field->name) != 0,
                          "%s listed twice", field->name);
        CHECK((field->kind == ICARL_FIELD_CHOICE) == (field->choices != NULL));
        CHECK(field->minimum <= field->maximum);
    }
    CHECK(icarl_config_field_named("no_such_field") == NULL);
    CHECK(icarl_config_field_named(NULL) == NULL);
    const icarl_config_field *method = icarl_config_field_named("method");
    CHECK(method != NULL && strcmp(method->choices[ICARL_METHOD_LWF], "lwf") == 0);
    CHECK(icarl_config_field_named("input_size")->flags & ICARL_FIELD_ARCHITECTURE);
    CHECK(!(icarl_config_field_named("memory")->flags & ICARL_FIELD_ARCHITECTURE));
    CHECK(icarl_config_field_named("threads")->flags & ICARL_FIELD_NOT_SAVED);
}

/* Setting a field by name changes exactly that member (the table's offsets are right): each
 * field gets a distinct in-range value by name, then the struct is read member by member. */
static void test_set_by_name_reaches_the_member(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    CHECK(icarl_config_set(&config, "input_size", 40) == ICARL_OK);
    CHECK(icarl_config_set(&config, "blocks_per_stage", 3) == ICARL_OK);
    CHECK(icarl_config_set(&config, "base_width", 9) == ICARL_OK);
    CHECK(icarl_config_set(&config, "memory", 123) == ICARL_OK);
    CHECK(icarl_config_set(&config, "method", ICARL_METHOD_FINETUNE) == ICARL_OK);
    CHECK(icarl_config_set(&config, "loss", ICARL_LOSS_SOFTMAX_KD) == ICARL_OK);
    CHECK(icarl_config_set(&config, "temperature", 3.5) == ICARL_OK);
    CHECK(icarl_config_set(&config, "epochs", 17) == ICARL_OK);
    CHECK(icarl_config_set(&config, "batch_size", 24) == ICARL_OK);
    CHECK(icarl_config_set(&config, "learning_rate", 0.25) == ICARL_OK);
    CHECK(icarl_config_set(&config, "momentum", 0.5) == ICARL_OK);
    CHECK(icarl_config_set(&config, "weight_decay", 0.125) == ICARL_OK);
    CHECK(icarl_config_set(&config, "decay_at_0", 0.25) == ICARL_OK);
    CHECK(icarl_config_set(&config, "decay_at_1", 0.75) == ICARL_OK);
    CHECK(icarl_config_set(&config, "decay_factor", 8) == ICARL_OK);
    CHECK(icarl_config_set(&config, "crop_padding", 3) == ICARL_OK);
    CHECK(icarl_config_set(&config, "flip", 0) == ICARL_OK);
    CHECK(icarl_config_set(&config, "brightness", 0.375) == ICARL_OK);
    CHECK(icarl_config_set(&config, "mean_with_flip", 0) == ICARL_OK);
    CHECK(icarl_config_set(&config, "seed", 4294967301.0) == ICARL_OK);
    CHECK(icarl_config_set(&config, "threads", 2) == ICARL_OK);
    CHECK(config.input_size == 40 && config.channels == 3 && config.blocks_per_stage == 3);
    CHECK(config.base_width == 9 && config.memory == 123);
    CHECK(config.method == ICARL_METHOD_FINETUNE && config.loss == ICARL_LOSS_SOFTMAX_KD);
    CHECK(config.temperature == 3.5f && config.epochs == 17 && config.batch_size == 24);
    CHECK(config.learning_rate == 0.25f && config.momentum == 0.5f);
    CHECK(config.weight_decay == 0.125f && config.decay_at[0] == 0.25f);
    CHECK(config.decay_at[1] == 0.75f && config.decay_factor == 8.0f);
    CHECK(config.crop_padding == 3 && config.flip == 0 && config.brightness == 0.375f);
    CHECK(config.mean_with_flip == 0 && config.seed == 4294967301ULL && config.threads == 2);
    double value = 0;
    CHECK(icarl_config_get(&config, "decay_at_1", &value) == ICARL_OK && value == 0.75);
    CHECK(icarl_config_get(&config, "seed", &value) == ICARL_OK && value == 4294967301.0);

    /* Whole numbers only where the member is whole; unknown names and NaN are refused. */
    CHECK(icarl_config_set(&config, "epochs", 2.5) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_set(&config, "epochs", 3e10) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_set(&config, "seed", -1) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_set(&config, "learning_rate", NAN) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_set(&config, "epoch", 3) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(icarl_config_get(&config, "epoch", &value) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(config.epochs == 17);
}

/* Validation walks the table: an out-of-range field is refused with its own name and range. */
static void test_validation_names_the_field(void) {
    struct {
        const char *name;
        double value;
        const char *says;
    } cases[] = {
        {"epochs", 0, "epochs must be 1..10000"},
        {"momentum", 1.5, "momentum must be 0..0.999"},
        {"decay_at_1", 1.25, "decay_at_1 must be 0..1"},
        {"flip", 2, "flip must be 0 or 1"},
        {"method", 9, "unknown method"},
        {"threads", 9, "threads must be 0..8"},
        {"channels", 2, "channels must be 1 or 3"},
        {"crop_padding", 17, "crop_padding must be 0..input_size/2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        icarl_config config;
        icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
        CHECK(icarl_config_set(&config, cases[i].name, cases[i].value) == ICARL_OK);
        char message[200] = "";
        icarl_learner *learner = NULL;
        CHECK(icarl_create(&config, &learner, message, sizeof message) ==
              ICARL_ERROR_INVALID_ARGUMENT);
        CHECK_MESSAGE(strstr(message, cases[i].says) != NULL, "%s: got \"%s\"", cases[i].name,
                      message);
        CHECK(learner == NULL);
    }
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.learning_rate = INFINITY;
    char message[200] = "";
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, message, sizeof message) ==
          ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(message, "learning_rate") != NULL);
}

static void test_names(void) {
    CHECK(strcmp(icarl_status_name(ICARL_OK), "OK") == 0);
    CHECK(strcmp(icarl_status_name(ICARL_ERROR_TRUNCATED), "TRUNCATED") == 0);
    CHECK(strcmp(icarl_status_name(ICARL_ERROR_LIMIT), "LIMIT") == 0);
    CHECK(strcmp(icarl_status_name(ICARL_STATUS_COUNT), "UNKNOWN") == 0);
    CHECK(strcmp(icarl_status_name((icarl_status)-1), "UNKNOWN") == 0);
    for (int i = 0; i < ICARL_STATUS_COUNT; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcmp(icarl_status_name((icarl_status)i), icarl_status_name((icarl_status)j)));
    CHECK(strcmp(icarl_strerror(ICARL_ERROR_NO_CLASSES), "no class has been trained yet") == 0);
    CHECK(strcmp(icarl_phase_name(ICARL_PHASE_HERDING), "herding") == 0);
    CHECK(strcmp(icarl_phase_name(ICARL_PHASE_DONE), "done") == 0);
    CHECK(strcmp(icarl_phase_name((icarl_phase)99), "unknown") == 0);
    CHECK(strcmp(icarl_preset_name(ICARL_PRESET_WEBCAM), "webcam") == 0);
    CHECK(icarl_preset_name((icarl_preset)7) == NULL);
}

static icarl_learner *small_learner(icarl_config *config) {
    icarl_config_preset(ICARL_PRESET_WEBCAM, config);
    config->input_size = 8;
    config->blocks_per_stage = 1;
    config->base_width = 2;
    config->batch_size = 4;
    config->memory = 17;
    config->learning_rate = 0.0625f;
    config->seed = 0xfedcba9876543210ULL;
    config->threads = 1;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(config, &learner, NULL, 0) == ICARL_OK);
    return learner;
}

static int configs_equal_but_threads(icarl_config a, icarl_config b) {
    a.threads = b.threads = 0;
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A format-2 configuration section from the table, with hooks to change what it says. */
typedef struct conf_edit {
    const char *skip;         /* a field left out, as an older writer would */
    const char *wrong_kind;   /* a field written with another kind */
    int add_unknown;          /* a field this engine does not know, as a newer writer may add */
} conf_edit;

static void write_conf(byte_writer *w, const icarl_config *config, conf_edit edit) {
    uint32_t count = 0;
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const icarl_config_field *field = icarl_config_field_at(i);
        if (!(field->flags & ICARL_FIELD_NOT_SAVED) && !(edit.skip && !strcmp(edit.skip, field->name)))
            count++;
    }
    writer_u32(w, count + (edit.add_unknown ? 2 : 0));
    if (edit.add_unknown) { /* one of a known kind, one of a kind not yet invented */
        writer_string(w, "colour_of_the_sky");
        writer_u32(w, ICARL_FIELD_FLOAT);
        writer_f32(w, 0.5f);
        writer_string(w, "future_field");
        writer_u32(w, ICARL_FIELD_SEED);
        writer_u64(w, 77);
    }
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const config_field *field = config_field_entry(i);
        const char *name = field->public.name;
        if ((field->public.flags & ICARL_FIELD_NOT_SAVED) || (edit.skip && !strcmp(edit.skip, name)))
            continue;
        writer_string(w, name);
        uint32_t kind = (uint32_t)field->public.kind;
        if (edit.wrong_kind && strcmp(edit.wrong_kind, name) == 0)
            kind = kind == ICARL_FIELD_FLOAT ? ICARL_FIELD_INT : ICARL_FIELD_FLOAT;
        writer_u32(w, kind);
        if (kind == ICARL_FIELD_FLOAT) writer_f32(w, (float)config_field_value(field, config));
        else if (kind == ICARL_FIELD_SEED) writer_u64(w, config_field_seed(field, config));
        else writer_i32(w, (int32_t)config_field_value(field, config));
    }
}

static icarl_status load_with_conf(const uint8_t *bytes, size_t size, const icarl_config *config,
                                   conf_edit edit, icarl_config *loaded_out, char *message) {
    byte_writer conf;
    writer_init(&conf);
    write_conf(&conf, config, edit);
    size_t edited_size = 0;
    uint8_t *edited = replace_section(bytes, size, "CONF", conf.data, conf.size, &edited_size);
    icarl_learner *loaded = NULL;
    icarl_status status = icarl_load(edited, edited_size, &loaded, message, 200);
    if (status == ICARL_OK) icarl_get_config(loaded, loaded_out);
    icarl_destroy(loaded);
    free(edited);
    writer_free(&conf);
    return status;
}

static void test_checkpoint_configuration(void) {
    icarl_config config;
    icarl_learner *learner = small_learner(&config);
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(icarl_save(learner, &bytes, &size) == ICARL_OK);
    CHECK(bytes[8] == CHECKPOINT_VERSION && CHECKPOINT_VERSION == 2);

    /* Every saved field survives, the threads do not (a loaded learner gets the default). */
    icarl_learner *loaded = NULL;
    CHECK(icarl_load(bytes, size, &loaded, NULL, 0) == ICARL_OK);
    icarl_config again;
    CHECK(icarl_get_config(loaded, &again) == ICARL_OK);
    CHECK(configs_equal_but_threads(config, again));
    CHECK(again.threads == 0);
    icarl_destroy(loaded);

    /* The section as this test writes it from the table loads to the same configuration: the
     * test's writer and the engine's agree. */
    char message[200] = "";
    icarl_config read_back;
    CHECK(load_with_conf(bytes, size, &config, (conf_edit){0}, &read_back, message) == ICARL_OK);
    CHECK(configs_equal_but_threads(config, read_back));

    /* Fields a newer writer added are skipped. */
    CHECK(load_with_conf(bytes, size, &config, (conf_edit){.add_unknown = 1}, &read_back,
                         message) == ICARL_OK);
    CHECK(configs_equal_but_threads(config, read_back));

    /* A field an older writer did not have takes its absent value (0 for these). */
    CHECK(load_with_conf(bytes, size, &config, (conf_edit){.skip = "brightness"}, &read_back,
                         message) == ICARL_OK);
    CHECK(read_back.brightness == 0.0f && config.brightness != 0.0f);
    CHECK(read_back.memory == config.memory);
    /* ... or what its engine did, where that was not 0: the whole centre square. */
    config.centre_crop = 0.5f;
    uint8_t *cropped = NULL;
    size_t cropped_size = 0;
    icarl_learner *crop_learner = NULL;
    CHECK(icarl_create(&config, &crop_learner, NULL, 0) == ICARL_OK);
    CHECK(icarl_save(crop_learner, &cropped, &cropped_size) == ICARL_OK);
    CHECK(load_with_conf(cropped, cropped_size, &config, (conf_edit){.skip = "centre_crop"},
                         &read_back, message) == ICARL_OK);
    CHECK(read_back.centre_crop == 1.0f);
    icarl_free(cropped);
    icarl_destroy(crop_learner);

    /* A known field of the wrong kind is corruption, said plainly. */
    CHECK(load_with_conf(bytes, size, &config, (conf_edit){.wrong_kind = "momentum"}, &read_back,
                         message) == ICARL_ERROR_CORRUPT);
    CHECK_MESSAGE(strstr(message, "wrong kind") != NULL, "got \"%s\"", message);
    /* Leaving out an architecture field leaves 0 there: invalid, refused, never a crash. */
    CHECK(load_with_conf(bytes, size, &config, (conf_edit){.skip = "input_size"}, &read_back,
                         message) == ICARL_ERROR_CORRUPT);
    icarl_free(bytes);
    icarl_destroy(learner);
}

/* A checkpoint of format 1 (fixed list of values), made by make_corpus before format 2. */
static void test_format_1_still_loads(void) {
    uint8_t *bytes = NULL;
    size_t size = 0;
    CHECK(file_read_all("tests/c/fixtures/trained-format-1.ckpt", 1 << 20, &bytes, &size) ==
          ICARL_OK);
    if (bytes == NULL) return;
    CHECK(size > 12 && bytes[8] == 1);
    icarl_learner *learner = NULL;
    char message[200] = "";
    CHECK_MESSAGE(icarl_load(bytes, size, &learner, message, sizeof message) == ICARL_OK, "%s",
                  message);
    icarl_config config;
    CHECK(icarl_get_config(learner, &config) == ICARL_OK);
    /* What tests/fuzz/make_corpus.c made: the webcam preset shrunk to 4x4 pixels. */
    CHECK(config.input_size == 4 && config.channels == 3 && config.blocks_per_stage == 1);
    CHECK(config.base_width == 1 && config.batch_size == 2 && config.epochs == 1);
    CHECK(config.memory == 4 && config.crop_padding == 1 && config.learning_rate == 0.05f);
    CHECK(config.decay_at[0] == 0.7f && config.decay_at[1] == 0.9f);
    CHECK(config.brightness == 0.15f && config.mean_with_flip == 1 && config.seed == 1);
    CHECK(config.centre_crop == 1.0f && config.batchnorm_momentum == 0.1f); /* as its engine did */
    CHECK(icarl_class_count(learner) == 3);
    free(bytes);
    icarl_destroy(learner);
}

int main(void) {
    RUN(test_table_describes_every_member);
    RUN(test_set_by_name_reaches_the_member);
    RUN(test_validation_names_the_field);
    RUN(test_names);
    RUN(test_checkpoint_configuration);
    RUN(test_format_1_still_loads);
    return HARNESS_RESULT();
}
