/* command_protocol.c - `icarl protocol`: the class-incremental Fashion-MNIST benchmark of
 * docs/design.md section 5.6. Learns the classes a few per step, tests after each step on all test
 * images of the classes seen so far, and reports NME and CNN top-1 accuracy, average
 * incremental accuracy, final accuracy and average forgetting (stdout, --json, --svg). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/environment.h"
#include "cli/fashion_benchmark.h"
#include "cli/model_files.h"
#include "cli/options.h"
#include "cli/plot_svg.h"
#include "cli/progress.h"
#include "cli/report_json.h"
#include "core/random.h"
#include "icarl.h"

static const char PROTOCOL_USAGE[] =
    "usage: icarl protocol --dataset fashion-mnist [options]\n"
    "\n"
    "Class-incremental benchmark (docs/design.md 5.6): learns the 10 Fashion-MNIST classes a few per\n"
    "step and, after each step, tests on all test images of the classes seen so far.\n"
    "\n"
    "  --dataset NAME          fashion-mnist (the only one; default)\n"
    "  --size quick|full       quick: first 500 training images per class (file order),\n"
    "                          ResNet-20; full: all 60000, ResNet-32. Default quick.\n"
    "  --classes-per-step N    classes added per step (default 2: 5 steps)\n"
    "  --memory K              exemplars kept in total over all classes (default 2000)\n"
    "  --epochs E              epochs per step (default 10 for both sizes)\n"
    "  --net resnet20|resnet32 overrides the size's network\n"
    "  --order natural|shuffled  class order: 0..9, or shuffled with the seed\n"
    "  --seed S                fixes everything random (weights, order, augmentation); default:\n"
    "                          the preset's\n"
    "  --method icarl|lwf|finetune|fixed|replay  what a step does (default icarl; replay:\n"
    "                          iCaRL without distillation)\n"
    "  --loss sigmoid|softmax-kd           the paper's loss (default) or softmax + KD (PyCIL)\n"
    "  --data-dir DIR          Fashion-MNIST IDX files (default " FASHION_DEFAULT_DIRECTORY ")\n"
    "  --json FILE             write the report as JSON (atomically)\n"
    "  --svg FILE              write an SVG plot of NME and CNN accuracy per step\n"
    "\n"
    "Printed after each step: NME top-1 (nearest mean of exemplars) and CNN top-1 (the\n"
    "network's own outputs). At the end: average incremental accuracy (mean over the steps),\n"
    "final accuracy, and average forgetting: the mean, over the classes learned before the last\n"
    "step, of the best accuracy on that class at any earlier step minus its accuracy after the\n"
    "last step (0 with a single step).\n";

static const char *const SIZE_CHOICES[] = {"quick", "full", NULL};
static const char *const NET_CHOICES[] = {"resnet20", "resnet32", NULL};
static const char *const ORDER_CHOICES[] = {"natural", "shuffled", NULL};
/* The engine's own names for the methods and losses (its configuration field table). */
#define METHOD_CHOICES (icarl_config_field_named("method")->choices)
#define LOSS_CHOICES (icarl_config_field_named("loss")->choices)
static const char *const DATASET_CHOICES[] = {"fashion-mnist", NULL};

enum { QUICK_IMAGES_PER_CLASS = 500 };

/* What one step measured. Per-class arrays are indexed by Fashion-MNIST label; NAN = unseen. */
typedef struct step_result {
    int first_class, class_count;  /* positions in the class order added by this step */
    int classes_seen;
    double nme, cnn;
    double per_class_nme[FASHION_CLASS_COUNT];
    double per_class_cnn[FASHION_CLASS_COUNT];
    double train_seconds;          /* the whole icarl_step */
    double training_phase_seconds; /* only its SGD epochs */
    double eval_seconds;
    int64_t training_images;       /* new images plus exemplars, per epoch */
    float final_loss;
} step_result;

typedef struct protocol_settings {
    int size_full;
    int classes_per_step;
    int order_shuffled;
    const char *data_directory;
    icarl_config config;
    int images_per_class_limit;    /* 0 = all */
} protocol_settings;

/* Mean over classes learned before the last step of (best earlier accuracy - final accuracy). */
static double average_forgetting(const step_result *steps, int step_count, const int *order,
                                 int use_cnn) {
    if (step_count < 2) return 0.0;
    const step_result *last = &steps[step_count - 1];
    double sum = 0.0;
    int counted = 0;
    for (int position = 0; position < last->first_class; position++) {
        int label = order[position];
        double best = -1.0;
        for (int s = 0; s < step_count - 1; s++) {
            double value = use_cnn ? steps[s].per_class_cnn[label] : steps[s].per_class_nme[label];
            if (!isnan(value) && value > best) best = value;
        }
        double final = use_cnn ? last->per_class_cnn[label] : last->per_class_nme[label];
        if (best >= 0.0) {
            sum += best - final;
            counted++;
        }
    }
    return counted ? sum / counted : 0.0;
}

static void write_json_report(json_writer *json, const protocol_settings *settings,
                              const int *order, const step_result *steps, int step_count,
                              double average_nme, double average_cnn, double forgetting_nme,
                              double forgetting_cnn, double seconds, int64_t training_pool) {
    const icarl_config *config = &settings->config;
    json_begin_object(json);
    json_key(json, "configuration");
    json_begin_object(json);
    json_key(json, "dataset");
    json_string(json, "fashion-mnist");
    json_key(json, "size");
    json_string(json, settings->size_full ? "full" : "quick");
    json_key(json, "net");
    char net[32];
    snprintf(net, sizeof net, "resnet%d", (int)(6 * config->blocks_per_stage + 2));
    json_string(json, net);
    json_key(json, "training_images");
    json_integer(json, training_pool);
    json_key(json, "images_per_class_limit");
    if (settings->images_per_class_limit) json_integer(json, settings->images_per_class_limit);
    else json_null(json);
    json_key(json, "classes_per_step");
    json_integer(json, settings->classes_per_step);
    json_key(json, "order");
    json_string(json, settings->order_shuffled ? "shuffled" : "natural");
    json_key(json, "class_order");
    json_begin_array(json);
    for (int i = 0; i < FASHION_CLASS_COUNT; i++) json_string(json, fashion_class_names[order[i]]);
    json_end_array(json);
    json_configuration(json, config);
    json_end_object(json);

    json_key(json, "steps");
    json_begin_array(json);
    for (int s = 0; s < step_count; s++) {
        const step_result *step = &steps[s];
        json_begin_object(json);
        json_key(json, "step");
        json_integer(json, s + 1);
        json_key(json, "classes");
        json_begin_array(json);
        for (int i = 0; i < step->classes_seen; i++) json_string(json, fashion_class_names[order[i]]);
        json_end_array(json);
        json_key(json, "new_classes");
        json_begin_array(json);
        for (int i = 0; i < step->class_count; i++)
            json_string(json, fashion_class_names[order[step->first_class + i]]);
        json_end_array(json);
        json_key(json, "nme");
        json_number(json, step->nme);
        json_key(json, "cnn");
        json_number(json, step->cnn);
        json_key(json, "seconds");
        json_number(json, step->train_seconds + step->eval_seconds);
        json_key(json, "train_seconds");
        json_number(json, step->train_seconds);
        json_key(json, "eval_seconds");
        json_number(json, step->eval_seconds);
        json_key(json, "training_images");
        json_integer(json, step->training_images);
        json_key(json, "training_images_per_second");
        json_number(json, step->training_phase_seconds > 0
                              ? (double)step->training_images * config->epochs /
                                    step->training_phase_seconds
                              : NAN);
        json_key(json, "final_loss");
        json_number(json, step->final_loss);
        json_key(json, "per_class_nme");
        json_begin_object(json);
        for (int i = 0; i < step->classes_seen; i++) {
            json_key(json, fashion_class_names[order[i]]);
            json_number(json, step->per_class_nme[order[i]]);
        }
        json_end_object(json);
        json_key(json, "per_class_cnn");
        json_begin_object(json);
        for (int i = 0; i < step->classes_seen; i++) {
            json_key(json, fashion_class_names[order[i]]);
            json_number(json, step->per_class_cnn[order[i]]);
        }
        json_end_object(json);
        json_end_object(json);
    }
    json_end_array(json);
    json_key(json, "average_incremental_nme");
    json_number(json, average_nme);
    json_key(json, "average_incremental_cnn");
    json_number(json, average_cnn);
    json_key(json, "final_nme");
    json_number(json, step_count ? steps[step_count - 1].nme : NAN);
    json_key(json, "final_cnn");
    json_number(json, step_count ? steps[step_count - 1].cnn : NAN);
    json_key(json, "forgetting_nme");
    json_number(json, forgetting_nme);
    json_key(json, "forgetting_cnn");
    json_number(json, forgetting_cnn);
    json_key(json, "forgetting_definition");
    json_string(json, "mean over classes learned before the last step of (best accuracy on the "
                      "class at any earlier step - accuracy after the last step)");
    json_key(json, "seconds");
    json_number(json, seconds);
    json_end_object(json);
}

static int write_svg_plot(const char *path, const protocol_settings *settings,
                          const step_result *steps, int step_count) {
    int classes_seen[FASHION_CLASS_COUNT];
    double nme[FASHION_CLASS_COUNT], cnn[FASHION_CLASS_COUNT];
    for (int s = 0; s < step_count; s++) {
        classes_seen[s] = steps[s].classes_seen;
        nme[s] = steps[s].nme;
        cnn[s] = steps[s].cnn;
    }
    accuracy_series series[2] = {
        {"NME (nearest mean of exemplars)", "#1f77b4", nme},
        {"CNN (network outputs)", "#d62728", cnn},
    };
    char subtitle[256];
    const icarl_config *config = &settings->config;
    snprintf(subtitle, sizeof subtitle,
             "%s size, ResNet-%d, %d epochs/step, memory K=%d in total, %s order, seed %llu, %s",
             settings->size_full ? "full" : "quick", (int)(6 * config->blocks_per_stage + 2),
             (int)config->epochs, (int)config->memory,
             settings->order_shuffled ? "shuffled" : "natural",
             (unsigned long long)config->seed, METHOD_CHOICES[config->method]);
    text_buffer svg;
    text_buffer_init(&svg);
    plot_svg_accuracy(&svg, "Class-incremental Fashion-MNIST: top-1 accuracy", subtitle,
                      classes_seen, step_count, series, 2);
    int ok = !svg.failed;
    if (!ok) fprintf(stderr, "icarl protocol: out of memory drawing the plot\n");
    else ok = write_file_atomically("protocol", path, svg.data, svg.length);
    text_buffer_free(&svg);
    return ok;
}

int command_protocol(int argc, char **argv) {
    const char *command = "protocol";
    option_spec specs[] = {
        {"dataset", 1, NULL, 0}, {"size", 1, NULL, 0},  {"classes-per-step", 1, NULL, 0},
        {"memory", 1, NULL, 0},  {"epochs", 1, NULL, 0}, {"net", 1, NULL, 0},
        {"order", 1, NULL, 0},   {"seed", 1, NULL, 0},   {"method", 1, NULL, 0},
        {"loss", 1, NULL, 0},    {"data-dir", 1, NULL, 0}, {"json", 1, NULL, 0},
        {"svg", 1, NULL, 0},
    };
    int spec_count = (int)(sizeof specs / sizeof specs[0]);
    options_result parsed = options_parse(command, argc, argv, specs, spec_count, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(PROTOCOL_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK) return EXIT_USAGE;
#define OPTION(name) options_find(specs, spec_count, name)

    protocol_settings settings;
    memset(&settings, 0, sizeof settings);
    icarl_config *config = &settings.config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, config);
    config->threads = environment_threads();
    config->epochs = 10;
    config->memory = 2000;
    int dataset_index = 0, size_index = 0, net_index = -1, order_index = 0;
    int method_index = config->method, loss_index = config->loss;
    int32_t classes_per_step = 2;
    if (!options_choice(command, OPTION("dataset"), DATASET_CHOICES, &dataset_index) ||
        !options_choice(command, OPTION("size"), SIZE_CHOICES, &size_index) ||
        !options_choice(command, OPTION("net"), NET_CHOICES, &net_index) ||
        !options_choice(command, OPTION("order"), ORDER_CHOICES, &order_index) ||
        !options_choice(command, OPTION("method"), METHOD_CHOICES, &method_index) ||
        !options_choice(command, OPTION("loss"), LOSS_CHOICES, &loss_index) ||
        !options_int(command, OPTION("classes-per-step"), 1, FASHION_CLASS_COUNT,
                     &classes_per_step) ||
        !options_int(command, OPTION("memory"), 0, 1000000, &config->memory) ||
        !options_int(command, OPTION("epochs"), 1, 10000, &config->epochs) ||
        !options_uint64(command, OPTION("seed"), &config->seed))
        return EXIT_USAGE;
    settings.size_full = size_index == 1;
    settings.classes_per_step = classes_per_step;
    settings.order_shuffled = order_index == 1;
    settings.images_per_class_limit = settings.size_full ? 0 : QUICK_IMAGES_PER_CLASS;
    settings.data_directory = OPTION("data-dir")->present ? OPTION("data-dir")->value
                                                          : FASHION_DEFAULT_DIRECTORY;
    if (net_index < 0) net_index = settings.size_full ? 1 : 0;
    config->blocks_per_stage = net_index == 1 ? 5 : 3;
    config->method = method_index;
    config->loss = loss_index;
    const char *json_path = OPTION("json")->present ? OPTION("json")->value : NULL;
    const char *svg_path = OPTION("svg")->present ? OPTION("svg")->value : NULL;
#undef OPTION
    if ((json_path && !check_output_writable(command, json_path)) ||
        (svg_path && !check_output_writable(command, svg_path)))
        return EXIT_FAILURE_RUNNING;

    double started = clock_seconds();
    dataset train, test;
    if (!load_fashion_mnist(command, settings.data_directory, &train, &test))
        return EXIT_FAILURE_RUNNING;
    config->input_size = train.size;
    config->channels = train.channels;
    size_t image_bytes = (size_t)train.size * train.size * train.channels;

    int order[FASHION_CLASS_COUNT];
    for (int i = 0; i < FASHION_CLASS_COUNT; i++) order[i] = i;
    if (settings.order_shuffled) {
        random_state random;
        random_seed(&random, config->seed, 0x6f72646572ULL); /* "order": its own stream */
        random_shuffle(&random, order, FASHION_CLASS_COUNT);
    }

    /* The training images of each class, in file order, as icarl_images into the dataset. */
    icarl_image *class_images[FASHION_CLASS_COUNT] = {NULL};
    int32_t class_image_count[FASHION_CLASS_COUNT] = {0};
    icarl_learner *learner = NULL;
    uint8_t *test_pixels = malloc((size_t)(test.count > 0 ? test.count : 1) * image_bytes);
    int32_t *test_truth = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof(int32_t));
    int32_t *test_label = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof(int32_t));
    int32_t *nme_labels = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof(int32_t));
    int32_t *cnn_labels = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof(int32_t));
    step_result steps[FASHION_CLASS_COUNT];
    int step_count = 0;
    int exit_code = EXIT_FAILURE_RUNNING;
    json_writer json;
    json_init(&json);
    int memory_ok = test_pixels && test_truth && test_label && nme_labels && cnn_labels;
    for (int c = 0; c < FASHION_CLASS_COUNT && memory_ok; c++) {
        class_images[c] = malloc((size_t)(train.count > 0 ? train.count : 1) * sizeof(icarl_image));
        if (!class_images[c]) memory_ok = 0;
    }
    if (!memory_ok) {
        fprintf(stderr, "icarl protocol: out of memory\n");
        goto done;
    }
    int64_t training_pool = 0;
    for (int32_t i = 0; i < train.count; i++) {
        int label = train.labels[i];
        if (settings.images_per_class_limit &&
            class_image_count[label] >= settings.images_per_class_limit)
            continue;
        icarl_image image = {train.images + (size_t)i * image_bytes, train.size, train.size,
                             train.channels};
        class_images[label][class_image_count[label]++] = image;
        training_pool++;
    }

    char message[256] = "";
    icarl_status status = icarl_create(config, &learner, message, sizeof message);
    if (status != ICARL_OK) {
        fprintf(stderr, "icarl protocol: cannot create the learner: %s%s%s\n",
                icarl_strerror(status), message[0] ? ": " : "", message);
        goto done;
    }
    int total_steps = (FASHION_CLASS_COUNT + classes_per_step - 1) / classes_per_step;
    printf("protocol: fashion-mnist %s, ResNet-%d, %d epochs per step, %d steps of up to %d "
           "classes, memory K=%d exemplars in total, %s order, seed %llu, method %s, loss %s, "
           "%lld training images\n",
           settings.size_full ? "full" : "quick", (int)(6 * config->blocks_per_stage + 2),
           (int)config->epochs, total_steps, (int)classes_per_step, (int)config->memory,
           settings.order_shuffled ? "shuffled" : "natural", (unsigned long long)config->seed,
           METHOD_CHOICES[config->method], LOSS_CHOICES[config->loss], (long long)training_pool);
    fflush(stdout);

    int learner_index_of[FASHION_CLASS_COUNT];
    for (int i = 0; i < FASHION_CLASS_COUNT; i++) learner_index_of[i] = -1;
    for (int first = 0; first < FASHION_CLASS_COUNT; first += classes_per_step) {
        step_result *step = &steps[step_count];
        memset(step, 0, sizeof *step);
        step->first_class = first;
        step->class_count = FASHION_CLASS_COUNT - first < classes_per_step
                                ? FASHION_CLASS_COUNT - first
                                : classes_per_step;
        step->classes_seen = first + step->class_count;

        icarl_memory_info memory_before = {0, 0, 0};
        icarl_memory_info_get(learner, &memory_before);
        step->training_images = memory_before.used;
        for (int i = 0; i < step->class_count; i++) {
            int label = order[first + i];
            status = icarl_add_examples(learner, fashion_class_names[label], class_images[label],
                                        class_image_count[label]);
            if (status != ICARL_OK) {
                report_learner_error(command, "cannot add the training images", learner, status);
                goto done;
            }
            learner_index_of[label] = find_class(learner, fashion_class_names[label]);
            step->training_images += class_image_count[label];
        }

        char step_label[32];
        snprintf(step_label, sizeof step_label, "step %d/%d", step_count + 1, total_steps);
        step_monitor monitor;
        step_monitor_start(&monitor, step_label);
        status = icarl_step(learner, step_monitor_callback, &monitor);
        step_monitor_finish(&monitor);
        if (status != ICARL_OK) {
            char what[64];
            snprintf(what, sizeof what, "step %d failed", step_count + 1);
            report_learner_error(command, what, learner, status);
            goto done;
        }
        step->train_seconds = monitor.seconds;
        step->training_phase_seconds = monitor.phase_seconds[ICARL_PHASE_TRAINING];
        step->final_loss = monitor.last_loss;

        /* Test on every test image of the classes seen so far. */
        double eval_started = clock_seconds();
        int seen[FASHION_CLASS_COUNT] = {0};
        for (int i = 0; i < step->classes_seen; i++) seen[order[i]] = 1;
        int32_t test_count = 0;
        for (int32_t i = 0; i < test.count; i++) {
            if (!seen[test.labels[i]]) continue;
            memcpy(test_pixels + (size_t)test_count * image_bytes,
                   test.images + (size_t)i * image_bytes, image_bytes);
            test_label[test_count] = test.labels[i];
            test_truth[test_count] = learner_index_of[test.labels[i]];
            test_count++;
        }
        char eval_label[48];
        snprintf(eval_label, sizeof eval_label, "step %d/%d evaluating", step_count + 1,
                 total_steps);
        if (!classify_in_batches(command, learner, test_pixels, test_count, image_bytes,
                                 nme_labels, cnn_labels, eval_label))
            goto done;
        int nme_correct = 0, cnn_correct = 0;
        int class_total[FASHION_CLASS_COUNT] = {0};
        int class_nme[FASHION_CLASS_COUNT] = {0}, class_cnn[FASHION_CLASS_COUNT] = {0};
        for (int32_t i = 0; i < test_count; i++) {
            int label = test_label[i];
            class_total[label]++;
            if (nme_labels[i] == test_truth[i]) {
                nme_correct++;
                class_nme[label]++;
            }
            if (cnn_labels[i] == test_truth[i]) {
                cnn_correct++;
                class_cnn[label]++;
            }
        }
        step->nme = test_count ? (double)nme_correct / test_count : NAN;
        step->cnn = test_count ? (double)cnn_correct / test_count : NAN;
        for (int label = 0; label < FASHION_CLASS_COUNT; label++) {
            int has = seen[label] && class_total[label] > 0;
            step->per_class_nme[label] = has ? (double)class_nme[label] / class_total[label] : NAN;
            step->per_class_cnn[label] = has ? (double)class_cnn[label] / class_total[label] : NAN;
        }
        step->eval_seconds = clock_seconds() - eval_started;

        printf("step %d/%d  classes %2d  NME top-1 %.4f  CNN top-1 %.4f  (new:", step_count + 1,
               total_steps, step->classes_seen, step->nme, step->cnn);
        for (int i = 0; i < step->class_count; i++)
            printf("%s %s", i ? "," : "", fashion_class_names[order[first + i]]);
        printf("; train %.1f s, %.0f images/s, test %.1f s)\n", step->train_seconds,
               step->training_phase_seconds > 0
                   ? (double)step->training_images * config->epochs / step->training_phase_seconds
                   : 0.0,
               step->eval_seconds);
        fflush(stdout);
        step_count++;
    }

    double average_nme = 0.0, average_cnn = 0.0;
    for (int s = 0; s < step_count; s++) {
        average_nme += steps[s].nme / step_count;
        average_cnn += steps[s].cnn / step_count;
    }
    double forgetting_nme = average_forgetting(steps, step_count, order, 0);
    double forgetting_cnn = average_forgetting(steps, step_count, order, 1);
    double seconds = clock_seconds() - started;
    printf("average incremental accuracy  NME %.4f  CNN %.4f\n", average_nme, average_cnn);
    printf("final accuracy                NME %.4f  CNN %.4f\n", steps[step_count - 1].nme,
           steps[step_count - 1].cnn);
    printf("average forgetting            NME %.4f  CNN %.4f  (classes learned before the last "
           "step: best earlier accuracy - final accuracy)\n", forgetting_nme, forgetting_cnn);
    printf("total time                    %.1f s\n", seconds);
    fflush(stdout);

    if (json_path) {
        write_json_report(&json, &settings, order, steps, step_count, average_nme, average_cnn,
                          forgetting_nme, forgetting_cnn, seconds, training_pool);
        if (json.text.failed) {
            fprintf(stderr, "icarl protocol: out of memory writing the report\n");
            goto done;
        }
        if (!write_file_atomically(command, json_path, json.text.data, json.text.length))
            goto done;
    }
    if (svg_path && !write_svg_plot(svg_path, &settings, steps, step_count)) goto done;
    exit_code = 0;
done:
    json_free(&json);
    icarl_destroy(learner);
    for (int c = 0; c < FASHION_CLASS_COUNT; c++) free(class_images[c]);
    free(test_pixels);
    free(test_truth);
    free(test_label);
    free(nme_labels);
    free(cnn_labels);
    dataset_free(&train);
    dataset_free(&test);
    return exit_code;
}
