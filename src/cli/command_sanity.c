/* command_sanity.c - `icarl sanity`: the non-incremental sanity benchmark. All 10 Fashion-MNIST
 * classes are learned in one step (so iCaRL reduces to plain supervised training plus herding),
 * then all test images are classified. Reports accuracy and training speed in images/s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/environment.h"
#include "cli/fashion_benchmark.h"
#include "cli/model_files.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/report_json.h"
#include "icarl.h"

static const char SANITY_USAGE[] =
    "usage: icarl sanity [--epochs E] [--memory K] [--net resnet20|resnet32] [--seed S]\n"
    "                    [--batch-size B] [--augment on|off] [--data-dir DIR]\n"
    "                    [--json report.json]\n"
    "\n"
    "Non-incremental sanity benchmark: ResNet-20 trained on all 60000 Fashion-MNIST training\n"
    "images (10 classes in one step), then tested on all 10000 test images. Prints CNN and NME\n"
    "top-1 accuracy, wall time and training speed (images trained x epochs / seconds spent in\n"
    "the SGD epochs alone, excluding herding and class means).\n"
    "\n"
    "  --epochs E     epochs (default 2)\n"
    "  --memory K     exemplars kept in total (default 2000)\n"
    "  --net NAME     resnet20 (default) or resnet32\n"
    "  --seed S       fixes everything random (default: the preset's)\n"
    "  --batch-size B minibatch size (default 64: more SGD steps in a two-epoch run)\n"
    "  --augment X    on: the protocol's random crops and flips; off (default): two epochs\n"
    "                 are too few for augmentation to pay off\n"
    "  --data-dir DIR Fashion-MNIST IDX files (default " FASHION_DEFAULT_DIRECTORY ")\n"
    "  --json FILE    write the results as JSON (atomically)\n";

static const char *const NET_CHOICES[] = {"resnet20", "resnet32", NULL};
static const char *const SWITCH_CHOICES[] = {"off", "on", NULL};

int command_sanity(int argc, char **argv) {
    const char *command = "sanity";
    option_spec specs[] = {
        {"epochs", 1, NULL, 0}, {"memory", 1, NULL, 0},   {"net", 1, NULL, 0},
        {"seed", 1, NULL, 0},   {"data-dir", 1, NULL, 0}, {"json", 1, NULL, 0},
        {"batch-size", 1, NULL, 0}, {"augment", 1, NULL, 0},
    };
    int spec_count = (int)(sizeof specs / sizeof specs[0]);
    options_result parsed = options_parse(command, argc, argv, specs, spec_count, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(SANITY_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK) return EXIT_USAGE;
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.threads = environment_threads();
    config.epochs = 2;
    config.memory = 2000;
    config.batch_size = 64;
    int net_index = 0, augment = 0;
    if (!options_int(command, &specs[0], 1, 10000, &config.epochs) ||
        !options_int(command, &specs[1], 0, 1000000, &config.memory) ||
        !options_choice(command, &specs[2], NET_CHOICES, &net_index) ||
        !options_uint64(command, &specs[3], &config.seed) ||
        !options_int(command, &specs[6], 2, 1024, &config.batch_size) ||
        !options_choice(command, &specs[7], SWITCH_CHOICES, &augment))
        return EXIT_USAGE;
    if (!augment) {
        config.crop_padding = 0;
        config.flip = 0;
        config.brightness = 0.0f;
    }
    config.blocks_per_stage = net_index == 1 ? 5 : 3;
    const char *directory = specs[4].present ? specs[4].value : FASHION_DEFAULT_DIRECTORY;
    const char *json_path = specs[5].present ? specs[5].value : NULL;
    if (json_path && !check_output_writable(command, json_path)) return EXIT_FAILURE_RUNNING;

    double started = clock_seconds();
    dataset train, test;
    if (!load_fashion_mnist(command, directory, &train, &test)) return EXIT_FAILURE_RUNNING;
    config.input_size = train.size;
    config.channels = train.channels;
    size_t image_bytes = (size_t)train.size * train.size * train.channels;

    icarl_learner *learner = NULL;
    icarl_image *images = malloc((size_t)(train.count > 0 ? train.count : 1) * sizeof *images);
    int32_t *truth = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof *truth);
    int32_t *nme_labels = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof *nme_labels);
    int32_t *cnn_labels = malloc((size_t)(test.count > 0 ? test.count : 1) * sizeof *cnn_labels);
    int exit_code = EXIT_FAILURE_RUNNING;
    json_writer json;
    json_init(&json);
    if (!images || !truth || !nme_labels || !cnn_labels) {
        fprintf(stderr, "icarl sanity: out of memory\n");
        goto done;
    }
    char message[256] = "";
    icarl_status status = icarl_create(&config, &learner, message, sizeof message);
    if (status != ICARL_OK) {
        fprintf(stderr, "icarl sanity: cannot create the learner: %s%s%s\n",
                icarl_strerror(status), message[0] ? ": " : "", message);
        goto done;
    }
    printf("sanity: fashion-mnist, all 10 classes in one step, ResNet-%d, %d epochs, memory "
           "K=%d in total, seed %llu, %d training and %d test images\n",
           (int)(6 * config.blocks_per_stage + 2), (int)config.epochs, (int)config.memory,
           (unsigned long long)config.seed, (int)train.count, (int)test.count);
    fflush(stdout);

    /* Group the training images by class (in file order) and add each class in one call. */
    int64_t trained_images = 0;
    for (int label = 0; label < FASHION_CLASS_COUNT; label++) {
        int32_t count = 0;
        for (int32_t i = 0; i < train.count; i++) {
            if (train.labels[i] != label) continue;
            icarl_image image = {train.images + (size_t)i * image_bytes, train.size, train.size,
                                 train.channels};
            images[count++] = image;
        }
        if (count == 0) continue;
        status = icarl_add_examples(learner, fashion_class_names[label], images, count);
        if (status != ICARL_OK) {
            report_learner_error(command, "cannot add the training images", learner, status);
            goto done;
        }
        trained_images += count;
    }
    int32_t learner_index_of[FASHION_CLASS_COUNT];
    for (int label = 0; label < FASHION_CLASS_COUNT; label++)
        learner_index_of[label] = find_class(learner, fashion_class_names[label]);

    step_monitor monitor;
    step_monitor_start(&monitor, "training");
    status = icarl_step(learner, step_monitor_callback, &monitor);
    step_monitor_finish(&monitor);
    if (status != ICARL_OK) {
        report_learner_error(command, "training failed", learner, status);
        goto done;
    }
    double training_seconds = monitor.phase_seconds[ICARL_PHASE_TRAINING];
    double images_per_second =
        training_seconds > 0 ? (double)trained_images * config.epochs / training_seconds : NAN;

    double eval_started = clock_seconds();
    for (int32_t i = 0; i < test.count; i++) truth[i] = learner_index_of[test.labels[i]];
    if (!classify_in_batches(command, learner, test.images, test.count, image_bytes, nme_labels,
                             cnn_labels, "evaluating"))
        goto done;
    int nme_correct = 0, cnn_correct = 0;
    for (int32_t i = 0; i < test.count; i++) {
        nme_correct += nme_labels[i] == truth[i];
        cnn_correct += cnn_labels[i] == truth[i];
    }
    double nme = test.count ? (double)nme_correct / test.count : NAN;
    double cnn = test.count ? (double)cnn_correct / test.count : NAN;
    double eval_seconds = clock_seconds() - eval_started;
    double seconds = clock_seconds() - started;

    printf("test accuracy         CNN top-1 %.4f  NME top-1 %.4f\n", cnn, nme);
    printf("training              %.1f s in SGD epochs, %.0f images/s (final loss %.4f)\n",
           training_seconds, images_per_second, (double)monitor.last_loss);
    printf("herding + class means %.1f s\n",
           monitor.phase_seconds[ICARL_PHASE_HERDING] + monitor.phase_seconds[ICARL_PHASE_MEANS]);
    printf("test                  %.1f s\n", eval_seconds);
    printf("wall time             %.1f s\n", seconds);
    fflush(stdout);

    if (json_path) {
        json_begin_object(&json);
        json_key(&json, "benchmark");
        json_string(&json, "sanity");
        json_key(&json, "net");
        char net[32];
        snprintf(net, sizeof net, "resnet%d", (int)(6 * config.blocks_per_stage + 2));
        json_string(&json, net);
        json_key(&json, "epochs");
        json_integer(&json, config.epochs);
        json_key(&json, "memory_total");
        json_integer(&json, config.memory);
        json_key(&json, "seed");
        json_unsigned(&json, config.seed);
        json_key(&json, "batch_size");
        json_integer(&json, config.batch_size);
        json_key(&json, "learning_rate");
        json_number(&json, config.learning_rate);
        json_key(&json, "training_images");
        json_integer(&json, trained_images);
        json_key(&json, "test_images");
        json_integer(&json, test.count);
        json_key(&json, "cnn");
        json_number(&json, cnn);
        json_key(&json, "nme");
        json_number(&json, nme);
        json_key(&json, "final_loss");
        json_number(&json, monitor.last_loss);
        json_key(&json, "training_seconds");
        json_number(&json, training_seconds);
        json_key(&json, "training_images_per_second");
        json_number(&json, images_per_second);
        json_key(&json, "targets_seconds");
        json_number(&json, monitor.phase_seconds[ICARL_PHASE_TARGETS]);
        json_key(&json, "herding_seconds");
        json_number(&json, monitor.phase_seconds[ICARL_PHASE_HERDING]);
        json_key(&json, "means_seconds");
        json_number(&json, monitor.phase_seconds[ICARL_PHASE_MEANS]);
        json_key(&json, "eval_seconds");
        json_number(&json, eval_seconds);
        json_key(&json, "seconds");
        json_number(&json, seconds);
        json_end_object(&json);
        if (json.text.failed) {
            fprintf(stderr, "icarl sanity: out of memory writing the report\n");
            goto done;
        }
        if (!write_file_atomically(command, json_path, json.text.data, json.text.length))
            goto done;
    }
    exit_code = 0;
done:
    json_free(&json);
    icarl_destroy(learner);
    free(images);
    free(truth);
    free(nme_labels);
    free(cnn_labels);
    dataset_free(&train);
    dataset_free(&test);
    return exit_code;
}
