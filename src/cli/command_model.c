/* command_model.c - the subcommands that work on a model file and folders of images:
 * `icarl learn`, `predict`, `eval` and `info` (docs/design.md 5.2). A failed command never writes
 * the model file: only a finished learn step saves it, atomically. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/environment.h"
#include "cli/model_files.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/settings.h"
#include "cli/report_json.h"
#include "icarl.h"

/* ---------------------------------------------------------------- learn */

static const char LEARN_USAGE[] =
    "usage: icarl learn --model FILE --data DIR [--start STARTER] [--epochs E] [--memory K]\n"
    "                   [--seed S] [--set NAME=VALUE,...]\n"
    "\n"
    "Learns the images of DIR as one incremental step and saves the model to FILE.\n"
    "DIR holds one subfolder per class; the folder name is the class name. Files ending in\n"
    ".png, .jpg, .jpeg or .bmp (any case) are images of any size; other files are ignored.\n"
    "A class the model already knows gets the new images added to it.\n"
    "\n"
    "  --model FILE   the model; created when FILE does not exist (the web page's network,\n"
    "                 32x32x3 input, from random weights or from --start), else loaded and\n"
    "                 updated. Written atomically.\n"
    "  --data DIR     the folder of class subfolders (required)\n"
    "  --start FILE   a new model begins with the network and settings of FILE, a model\n"
    "                 without classes (web/starter.icarl: a network trained beforehand on\n"
    "                 photographed objects, what the web page starts from)\n"
    "  --epochs E     training epochs for this step (default: the model's setting)\n"
    "  --memory K     exemplars kept in total over all classes (default: the model's, 2000\n"
    "                 for a new one)\n"
    "  --seed S       seed of a new model (weights, order, augmentation); default 1, or the\n"
    "                 starter's\n"
    "  --set LIST     any settings by name, e.g. --set min_updates=500,zoom=0.3 (icarl info\n"
    "                 lists them); the network's shape only for a new model (with --start,\n"
    "                 only input_size)\n";

int command_learn(int argc, char **argv) {
    const char *command = "learn";
    option_spec specs[] = {
        {"model", 1, NULL, 0}, {"data", 1, NULL, 0},   {"epochs", 1, NULL, 0},
        {"memory", 1, NULL, 0}, {"seed", 1, NULL, 0},   {"set", 1, NULL, 0},
        {"start", 1, NULL, 0},
    };
    int spec_count = (int)(sizeof specs / sizeof specs[0]);
    options_result parsed = options_parse(command, argc, argv, specs, spec_count, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(LEARN_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK) return EXIT_USAGE;
    option_spec *model = &specs[0], *data = &specs[1];
    int32_t epochs = 0, memory = 0;
    uint64_t seed = 0;
    if (!options_require(command, model) || !options_require(command, data) ||
        !options_int(command, &specs[2], 1, 10000, &epochs) ||
        !options_int(command, &specs[3], 0, 1000000, &memory) ||
        !options_uint64(command, &specs[4], &seed))
        return EXIT_USAGE;

    /* Scan the folder first: a typo in --data should fail before any model work. */
    data_folder folder;
    if (!scan_data_folder(command, data->value, &folder)) return EXIT_FAILURE_RUNNING;
    if (folder.image_count == 0) {
        fprintf(stderr, "icarl learn: no images in %s (expected one subfolder per class holding "
                ".png/.jpg/.jpeg/.bmp files)\n", data->value);
        data_folder_free(&folder);
        return EXIT_FAILURE_RUNNING;
    }

    double started = clock_seconds();
    icarl_learner *learner = NULL;
    icarl_status status;
    int exit_code = EXIT_FAILURE_RUNNING;
    int created = 0;
    if (path_exists(model->value)) {
        if (!load_model(command, model->value, &learner)) goto done;
        if (specs[4].present)
            fprintf(stderr, "icarl learn: note: --seed applies to new models only; ignored\n");
        if (specs[6].present)
            fprintf(stderr, "icarl learn: note: --start applies to new models only; ignored\n");
    } else {
        /* A new model: the webcam preset from random weights, or a starter (a model without
         * classes: its network, trained beforehand, and settings chosen for it). Either way the
         * seed and settings given are the new model's, but not a starter's network shape. */
        const char *start = specs[6].present ? specs[6].value : NULL;
        icarl_config config;
        if (start != NULL) {
            if (!load_model(command, start, &learner)) goto done;
            if (icarl_class_count(learner) > 0) {
                fprintf(stderr, "icarl learn: %s is not a starter: it has %d classes (a starter "
                        "has none; to go on teaching that model, pass it as --model)\n",
                        start, (int)icarl_class_count(learner));
                goto done;
            }
            icarl_get_config(learner, &config);
        } else {
            icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
            config.threads = environment_threads();
        }
        if (specs[4].present) config.seed = seed;
        if (specs[5].present && !settings_apply(command, specs[5].value, &config)) {
            exit_code = EXIT_USAGE;
            goto done;
        }
        if (start != NULL) {
            status = icarl_reconfigure(learner, &config);
            if (status != ICARL_OK) {
                report_learner_error(command, "cannot apply the settings to the starter", learner,
                                     status);
                goto done;
            }
        } else {
            char message[256] = "";
            status = icarl_create(&config, &learner, message, sizeof message);
            if (status != ICARL_OK) {
                fprintf(stderr, "icarl learn: cannot create a model: %s%s%s\n",
                        icarl_strerror(status), message[0] ? ": " : "", message);
                goto done;
            }
        }
        created = 1;
    }
    if (specs[2].present || specs[3].present || (specs[5].present && !created)) {
        icarl_config config;
        icarl_get_config(learner, &config);
        if (specs[2].present) config.epochs = epochs;
        if (specs[3].present) config.memory = memory;
        if (specs[5].present && !created && !settings_apply(command, specs[5].value, &config)) {
            exit_code = EXIT_USAGE;
            goto done;
        }
        status = icarl_reconfigure(learner, &config);
        if (status != ICARL_OK) {
            report_learner_error(command, "cannot apply the settings", learner, status);
            goto done;
        }
    }
    icarl_config config;
    icarl_get_config(learner, &config);
    int channels = config.channels == 1 ? 1 : 3;

    /* Decode and queue one image at a time: the learner keeps only the model-size copy, so
     * large photos never pile up in memory. */
    progress_bar bar;
    progress_bar_start(&bar);
    int images_done = 0;
    for (int c = 0; c < folder.class_count; c++) {
        const class_folder *class_folder = &folder.classes[c];
        for (int i = 0; i < class_folder->path_count; i++) {
            uint8_t *pixels = NULL;
            int width = 0, height = 0;
            if (!decode_image_file(command, class_folder->paths[i], channels, &pixels, &width,
                                   &height)) {
                progress_bar_finish(&bar);
                goto done;
            }
            icarl_image image = {pixels, width, height, channels};
            status = icarl_add_examples(learner, class_folder->name, &image, 1);
            free(pixels);
            if (status != ICARL_OK) {
                progress_bar_finish(&bar);
                char what[512];
                snprintf(what, sizeof what, "cannot add %s", class_folder->paths[i]);
                report_learner_error(command, what, learner, status);
                goto done;
            }
            progress_bar_draw(&bar, "reading images", ++images_done, folder.image_count, NULL);
        }
    }
    progress_bar_finish(&bar);

    step_monitor monitor;
    step_monitor_start(&monitor, "learning");
    status = icarl_step(learner, step_monitor_callback, &monitor);
    step_monitor_finish(&monitor);
    if (status != ICARL_OK) {
        report_learner_error(command, "training step failed; the model file is unchanged",
                             learner, status);
        goto done;
    }
    status = icarl_save_file(learner, model->value);
    if (status != ICARL_OK) {
        char what[512];
        snprintf(what, sizeof what, "cannot save %s", model->value);
        report_learner_error(command, what, learner, status);
        goto done;
    }

    icarl_memory_info memory_info = {0, 0, 0};
    icarl_memory_info_get(learner, &memory_info);
    int32_t class_count = icarl_class_count(learner);
    printf("%s %s: %d images of %d class folders learned in %.1f s (final loss %.4f)\n",
           created ? "created" : "updated", model->value, folder.image_count, folder.class_count,
           clock_seconds() - started, (double)monitor.last_loss);
    printf("classes: %d, exemplars: %d of %d (%d per class)\n", (int)class_count,
           (int)memory_info.used, (int)memory_info.capacity, (int)memory_info.per_class);
    for (int32_t i = 0; i < class_count; i++) {
        icarl_class_info info;
        if (icarl_class_info_get(learner, i, &info) == ICARL_OK)
            printf("  %-24s %6d exemplars\n", info.name, (int)info.exemplars);
    }
    exit_code = 0;
done:
    icarl_destroy(learner);
    data_folder_free(&folder);
    return exit_code;
}

/* ---------------------------------------------------------------- predict */

static const char PREDICT_USAGE[] =
    "usage: icarl predict --model FILE [--unknown] IMAGE...\n"
    "\n"
    "Classifies each image (PNG/JPEG/BMP, any size) by the nearest mean of exemplars and prints\n"
    "one line per image:  path<TAB>label<TAB>score\n"
    "where score is the cosine similarity (4 decimals) of the image's feature with the chosen\n"
    "class's mean. Stops at the first image that cannot be read or decoded.\n"
    "\n"
    "  --unknown   a fourth column, known or unknown: unknown when the image resembles none of\n"
    "              the model's classes (its score is below that class's threshold, calibrated at\n"
    "              each step from the class's own examples; the label is still the nearest)\n";

int command_predict(int argc, char **argv) {
    const char *command = "predict";
    option_spec specs[] = {{"model", 1, NULL, 0}, {"unknown", 0, NULL, 0}};
    const char **paths = calloc(argc > 0 ? (size_t)argc : 1, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "icarl predict: out of memory\n");
        return EXIT_FAILURE_RUNNING;
    }
    int path_count = 0;
    options_result parsed = options_parse(command, argc, argv, specs, 2, paths, argc, &path_count);
    if (parsed == OPTIONS_HELP) {
        fputs(PREDICT_USAGE, stdout);
        free(paths);
        return 0;
    }
    if (parsed != OPTIONS_OK || !options_require(command, &specs[0])) {
        free(paths);
        return EXIT_USAGE;
    }
    if (path_count == 0) {
        fprintf(stderr, "icarl predict: no images given (see icarl predict --help)\n");
        free(paths);
        return EXIT_USAGE;
    }
    icarl_learner *learner = NULL;
    float *scores = NULL;
    int exit_code = EXIT_FAILURE_RUNNING;
    if (!load_model(command, specs[0].value, &learner)) goto done;
    int32_t class_count = icarl_class_count(learner);
    scores = malloc((size_t)(class_count > 0 ? class_count : 1) * sizeof *scores);
    if (!scores) {
        fprintf(stderr, "icarl predict: out of memory\n");
        goto done;
    }
    icarl_config config;
    icarl_get_config(learner, &config);
    int channels = config.channels == 1 ? 1 : 3;
    for (int i = 0; i < path_count; i++) {
        uint8_t *pixels = NULL;
        int width = 0, height = 0;
        if (!decode_image_file(command, paths[i], channels, &pixels, &width, &height)) goto done;
        icarl_image image = {pixels, width, height, channels};
        icarl_prediction prediction;
        icarl_status status = icarl_predict(learner, &image, &prediction, scores, NULL);
        int32_t label = status == ICARL_OK ? prediction.label : -1;
        free(pixels);
        if (status != ICARL_OK) {
            char what[512];
            snprintf(what, sizeof what, "cannot classify %s", paths[i]);
            report_learner_error(command, what, learner, status);
            goto done;
        }
        icarl_class_info info;
        const char *name = "?";
        if (label >= 0 && icarl_class_info_get(learner, label, &info) == ICARL_OK) name = info.name;
        double score = label >= 0 && label < class_count ? scores[label] : 0.0;
        if (specs[1].present)
            printf("%s\t%s\t%.4f\t%s\n", paths[i], name, score,
                   prediction.unknown ? "unknown" : "known");
        else
            printf("%s\t%s\t%.4f\n", paths[i], name, score);
    }
    exit_code = 0;
done:
    free(scores);
    free(paths);
    icarl_destroy(learner);
    return exit_code;
}

/* ---------------------------------------------------------------- eval */

static const char EVAL_USAGE[] =
    "usage: icarl eval --model FILE --data DIR [--json report.json]\n"
    "\n"
    "Prints  accuracy: 0.XXXX  the nearest-mean-of-exemplars top-1 accuracy over all images of\n"
    "DIR (one subfolder per class, as for learn) whose class the model has learned. Images of\n"
    "other classes are skipped and counted in a note on stderr.\n"
    "\n"
    "  --json FILE   also write {accuracy, images, correct, skipped, per_class} to FILE\n";

int command_eval(int argc, char **argv) {
    const char *command = "eval";
    option_spec specs[] = {{"model", 1, NULL, 0}, {"data", 1, NULL, 0}, {"json", 1, NULL, 0}};
    options_result parsed = options_parse(command, argc, argv, specs, 3, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(EVAL_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK || !options_require(command, &specs[0]) ||
        !options_require(command, &specs[1]))
        return EXIT_USAGE;

    data_folder folder;
    if (!scan_data_folder(command, specs[1].value, &folder)) return EXIT_FAILURE_RUNNING;
    icarl_learner *learner = NULL;
    int *correct_per_folder = calloc((size_t)folder.class_count + 1, sizeof(int));
    int32_t *folder_class = calloc((size_t)folder.class_count + 1, sizeof(int32_t));
    int exit_code = EXIT_FAILURE_RUNNING;
    json_writer json;
    json_init(&json);
    if (!correct_per_folder || !folder_class) {
        fprintf(stderr, "icarl eval: out of memory\n");
        goto done;
    }
    if (!load_model(command, specs[0].value, &learner)) goto done;
    icarl_config config;
    icarl_get_config(learner, &config);
    int channels = config.channels == 1 ? 1 : 3;

    int total = 0, skipped_images = 0, skipped_classes = 0;
    for (int c = 0; c < folder.class_count; c++) {
        folder_class[c] = find_class(learner, folder.classes[c].name);
        icarl_class_info info;
        if (folder_class[c] >= 0 &&
            (icarl_class_info_get(learner, folder_class[c], &info) != ICARL_OK || !info.trained))
            folder_class[c] = -1;
        if (folder_class[c] < 0) {
            skipped_images += folder.classes[c].path_count;
            if (folder.classes[c].path_count > 0) skipped_classes++;
        } else {
            total += folder.classes[c].path_count;
        }
    }
    if (total == 0) {
        fprintf(stderr, "icarl eval: no images in %s belong to a class the model has learned\n",
                specs[1].value);
        goto done;
    }

    progress_bar bar;
    progress_bar_start(&bar);
    int done_count = 0, correct = 0;
    for (int c = 0; c < folder.class_count; c++) {
        if (folder_class[c] < 0) continue;
        for (int i = 0; i < folder.classes[c].path_count; i++) {
            uint8_t *pixels = NULL;
            int width = 0, height = 0;
            if (!decode_image_file(command, folder.classes[c].paths[i], channels, &pixels, &width,
                                   &height)) {
                progress_bar_finish(&bar);
                goto done;
            }
            icarl_image image = {pixels, width, height, channels};
            int32_t label = -1;
            icarl_status status = icarl_classify(learner, &image, &label, NULL, NULL);
            free(pixels);
            if (status != ICARL_OK) {
                progress_bar_finish(&bar);
                char what[512];
                snprintf(what, sizeof what, "cannot classify %s", folder.classes[c].paths[i]);
                report_learner_error(command, what, learner, status);
                goto done;
            }
            if (label == folder_class[c]) {
                correct++;
                correct_per_folder[c]++;
            }
            progress_bar_draw(&bar, "evaluating", ++done_count, total, NULL);
        }
    }
    progress_bar_finish(&bar);
    double accuracy = (double)correct / (double)total;
    if (skipped_images > 0)
        fprintf(stderr, "icarl eval: note: skipped %d images of %d classes the model has not "
                "learned\n", skipped_images, skipped_classes);

    if (specs[2].present) {
        json_begin_object(&json);
        json_key(&json, "model");
        json_string(&json, specs[0].value);
        json_key(&json, "data");
        json_string(&json, specs[1].value);
        json_key(&json, "accuracy");
        json_number(&json, accuracy);
        json_key(&json, "classifier");
        json_string(&json, "nme");
        json_key(&json, "images");
        json_integer(&json, total);
        json_key(&json, "correct");
        json_integer(&json, correct);
        json_key(&json, "skipped");
        json_integer(&json, skipped_images);
        json_key(&json, "per_class");
        json_begin_object(&json);
        for (int c = 0; c < folder.class_count; c++) {
            if (folder_class[c] < 0 || folder.classes[c].path_count == 0) continue;
            json_key(&json, folder.classes[c].name);
            json_number(&json, (double)correct_per_folder[c] / folder.classes[c].path_count);
        }
        json_end_object(&json);
        json_end_object(&json);
        if (json.text.failed) {
            fprintf(stderr, "icarl eval: out of memory writing the report\n");
            goto done;
        }
        if (!write_file_atomically(command, specs[2].value, json.text.data, json.text.length))
            goto done;
    }
    printf("accuracy: %.4f\n", accuracy);
    exit_code = 0;
done:
    json_free(&json);
    free(correct_per_folder);
    free(folder_class);
    icarl_destroy(learner);
    data_folder_free(&folder);
    return exit_code;
}

/* ---------------------------------------------------------------- info */

static const char INFO_USAGE[] =
    "usage: icarl info --model FILE\n"
    "\n"
    "Prints the model's configuration, its classes with their exemplar and pending image\n"
    "counts, and the exemplar memory in use (K is the total over all classes).\n";

/* One line per saved field of the engine's configuration table that the network line does not
 * already give: name, value, and what it means. */
static void print_settings(const icarl_config *config) {
    for (int32_t i = 0; i < icarl_config_field_count(); i++) {
        const icarl_config_field *field = icarl_config_field_at(i);
        if (field->flags & (ICARL_FIELD_ARCHITECTURE | ICARL_FIELD_NOT_SAVED)) continue;
        double value = 0.0;
        icarl_config_get(config, field->name, &value);
        char text[32];
        switch (field->kind) {
        case ICARL_FIELD_BOOL: snprintf(text, sizeof text, "%s", value != 0.0 ? "yes" : "no"); break;
        case ICARL_FIELD_FLOAT: snprintf(text, sizeof text, "%g", value); break;
        case ICARL_FIELD_SEED:
            snprintf(text, sizeof text, "%llu", (unsigned long long)config->seed);
            break;
        case ICARL_FIELD_CHOICE:
            snprintf(text, sizeof text, "%s", config_choice_name(field, (int32_t)value));
            break;
        default: snprintf(text, sizeof text, "%d", (int)value); break;
        }
        printf("  %-18s %-10s %s\n", field->name, text, field->summary);
    }
}

int command_info(int argc, char **argv) {
    const char *command = "info";
    option_spec specs[] = {{"model", 1, NULL, 0}};
    options_result parsed = options_parse(command, argc, argv, specs, 1, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(INFO_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK || !options_require(command, &specs[0])) return EXIT_USAGE;
    icarl_learner *learner = NULL;
    if (!load_model(command, specs[0].value, &learner)) return EXIT_FAILURE_RUNNING;

    icarl_config config;
    icarl_get_config(learner, &config);
    icarl_memory_info memory = {0, 0, 0};
    icarl_memory_info_get(learner, &memory);
    int32_t class_count = icarl_class_count(learner);

    printf("model: %s\n", specs[0].value);
    printf("input: %dx%dx%d\n", (int)config.input_size, (int)config.input_size,
           (int)config.channels);
    printf("network: ResNet-%d (%d blocks per stage, widths %d/%d/%d)\n",
           (int)(6 * config.blocks_per_stage + 2), (int)config.blocks_per_stage,
           (int)config.base_width, (int)(2 * config.base_width), (int)(4 * config.base_width));
    printf("settings:\n");
    print_settings(&config);
    size_t image_bytes = (size_t)config.input_size * config.input_size * config.channels;
    printf("memory: %d of %d exemplars in total (%d per class), %.1f MiB of images\n",
           (int)memory.used, (int)memory.capacity, (int)memory.per_class,
           (double)memory.used * (double)image_bytes / (1024.0 * 1024.0));
    printf("classes: %d\n", (int)class_count);
    for (int32_t i = 0; i < class_count; i++) {
        icarl_class_info info;
        if (icarl_class_info_get(learner, i, &info) != ICARL_OK) continue;
        printf("  %3d  %-24s %6d exemplars %6d pending%s\n", (int)i, info.name,
               (int)info.exemplars, (int)info.pending, info.trained ? "" : "  (not trained yet)");
    }
    icarl_destroy(learner);
    return 0;
}
