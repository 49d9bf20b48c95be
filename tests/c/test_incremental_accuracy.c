/* test_incremental_accuracy.c - what iCaRL is for, on a small class-incremental Fashion-MNIST
 * run: the first 200 training images of each class (file order), 5 steps of 2 classes in natural
 * order, a ResNet-8 of width 8, 6 epochs per step, K = 20 exemplars, tested after each step on the
 * first 200 test images of every class seen so far. Seeds 1 and 2, three methods each:
 *   - iCaRL's average incremental accuracy (nearest mean) beats finetuning's (network outputs);
 *   - iCaRL's accuracy on the classes learned before each step (the mean over steps 2-5) beats
 *     that of replay, iCaRL without distillation. Distillation is there to keep the old classes;
 *     on all classes together the two are close, since replay learns the newest classes a little
 *     better.
 * Each margin is the mean over the two seeds and must reach half the smallest margin measured
 * over seeds 1-5 (tests/README.md gives the measurement and the command that repeats it:
 * `test_incremental_accuracy --measure 5`). A learner that stopped distilling would train iCaRL
 * exactly as replay: a margin of 0. Needs Debian's dataset-fashion-mnist. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"
#include "harness.h"
#include "icarl.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"
enum { CLASSES = 10, PER_STEP = 2, STEPS = CLASSES / PER_STEP };
enum { TRAIN_PER_CLASS = 200, TEST_PER_CLASS = 200, TEST_SEEDS = 2 };

/* Half the smallest margin measured over seeds 1-5 (tests/README.md). */
#define FINETUNE_MARGIN 0.11 /* average incremental accuracy */
#define REPLAY_MARGIN 0.04   /* accuracy on the classes learned before each step */

/* The first `per_class` images of each class, class after class. */
typedef struct split {
    uint8_t *images;
    int per_class, side, image_bytes;
} split;

static int take_split(const dataset *set, int per_class, split *out) {
    out->per_class = per_class;
    out->side = set->size;
    out->image_bytes = set->size * set->size * set->channels;
    out->images = malloc((size_t)CLASSES * per_class * out->image_bytes);
    int taken[CLASSES] = {0};
    for (int32_t i = 0; i < set->count; i++) {
        int c = set->labels[i];
        if (c >= CLASSES || taken[c] == per_class) continue;
        memcpy(out->images + ((size_t)c * per_class + taken[c]) * out->image_bytes,
               set->images + (size_t)i * out->image_bytes, (size_t)out->image_bytes);
        taken[c]++;
    }
    for (int c = 0; c < CLASSES; c++)
        if (taken[c] != per_class) return 0;
    return 1;
}

typedef struct run_result {
    double steps[STEPS];  /* accuracy on all classes seen, after each step */
    double average;       /* mean of steps */
    double old_classes;   /* mean over steps 2.. of the accuracy on the classes learned before */
} run_result;

static run_result run(int method, uint64_t seed, const split *train, const split *test) {
    run_result result;
    memset(&result, 0, sizeof result);
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_FASHION_MNIST, &config);
    config.blocks_per_stage = 1;
    config.base_width = 8;
    config.epochs = 6;
    config.batch_size = 32;
    config.memory = 20;
    config.method = method;
    config.seed = seed;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    icarl_image *images = malloc(sizeof *images * TRAIN_PER_CLASS);
    int32_t *labels = malloc(sizeof *labels * CLASSES * TEST_PER_CLASS);
    for (int step = 0; step < STEPS; step++) {
        for (int c = step * PER_STEP; c < (step + 1) * PER_STEP; c++) {
            for (int i = 0; i < TRAIN_PER_CLASS; i++)
                images[i] = (icarl_image){
                    train->images + ((size_t)c * TRAIN_PER_CLASS + i) * train->image_bytes,
                    train->side, train->side, 1};
            char name[8];
            snprintf(name, sizeof name, "%d", c);
            CHECK(icarl_add_examples(learner, name, images, TRAIN_PER_CLASS) == ICARL_OK);
        }
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
        /* Class c was named "c" and added c-th, so its index is c. */
        int count = (step + 1) * PER_STEP * TEST_PER_CLASS;
        int old_count = step * PER_STEP * TEST_PER_CLASS, correct = 0, old_correct = 0;
        CHECK(icarl_classify_prepared(learner, test->images, count, labels, NULL) == ICARL_OK);
        for (int i = 0; i < count; i++) {
            int right = labels[i] == i / TEST_PER_CLASS;
            correct += right;
            if (i < old_count) old_correct += right;
        }
        result.steps[step] = (double)correct / count;
        result.average += result.steps[step] / STEPS;
        if (step > 0) result.old_classes += (double)old_correct / old_count / (STEPS - 1);
    }
    free(images);
    free(labels);
    icarl_destroy(learner);
    return result;
}

static const int methods[3] = {ICARL_METHOD_ICARL, ICARL_METHOD_FINETUNE, ICARL_METHOD_REPLAY};
static const char *const method_names[3] = {"icarl", "finetune", "replay"};

/* Prints one seed's three runs and returns its two margins. */
static void run_seed(uint64_t seed, const split *train, const split *test,
                     double *finetune_margin, double *replay_margin) {
    run_result results[3];
    for (int m = 0; m < 3; m++) {
        results[m] = run(methods[m], seed, train, test);
        printf("  seed %llu %-8s average %.4f, old classes %.4f, per step",
               (unsigned long long)seed, method_names[m], results[m].average,
               results[m].old_classes);
        for (int s = 0; s < STEPS; s++) printf(" %.3f", results[m].steps[s]);
        printf("\n");
        fflush(stdout);
    }
    *finetune_margin = results[0].average - results[1].average;
    *replay_margin = results[0].old_classes - results[2].old_classes;
    printf("  seed %llu margins: over finetuning %+.4f (average), over replay %+.4f (old "
           "classes; on all classes %+.4f)\n",
           (unsigned long long)seed, *finetune_margin, *replay_margin,
           results[0].average - results[2].average);
}

static split train_split, test_split;

static void test_icarl_beats_finetuning_and_replay(void) {
    double finetune = 0.0, replay = 0.0;
    for (int s = 1; s <= TEST_SEEDS; s++) {
        double f, r;
        run_seed((uint64_t)s, &train_split, &test_split, &f, &r);
        finetune += f / TEST_SEEDS;
        replay += r / TEST_SEEDS;
    }
    CHECK_MESSAGE(finetune >= FINETUNE_MARGIN,
                  "iCaRL beats finetuning by %.4f on average incremental accuracy, expected "
                  ">= %.2f", finetune, FINETUNE_MARGIN);
    CHECK_MESSAGE(replay >= REPLAY_MARGIN,
                  "iCaRL beats replay (no distillation) by %.4f on the old classes, expected "
                  ">= %.2f", replay, REPLAY_MARGIN);
}

/* `--measure N`: seeds 1..N, each margin's mean and smallest value, no verdict. */
static void measure(int seeds) {
    double finetune_sum = 0.0, replay_sum = 0.0, finetune_min = INFINITY, replay_min = INFINITY;
    for (int s = 1; s <= seeds; s++) {
        double f, r;
        run_seed((uint64_t)s, &train_split, &test_split, &f, &r);
        finetune_sum += f;
        replay_sum += r;
        finetune_min = fmin(finetune_min, f);
        replay_min = fmin(replay_min, r);
    }
    printf("over %d seeds: margin over finetuning mean %.4f, smallest %.4f; over replay mean "
           "%.4f, smallest %.4f\n",
           seeds, finetune_sum / seeds, finetune_min, replay_sum / seeds, replay_min);
}

int main(int argc, char **argv) {
    dataset train_set, test_set;
    if (dataset_load_fashion_mnist(FASHION_DIR, 1, &train_set) != ICARL_OK) {
        fprintf(stderr, "test_incremental_accuracy: no Fashion-MNIST in " FASHION_DIR
                        " (install Debian's dataset-fashion-mnist)\n");
        return 1;
    }
    CHECK(dataset_load_fashion_mnist(FASHION_DIR, 0, &test_set) == ICARL_OK);
    CHECK(take_split(&train_set, TRAIN_PER_CLASS, &train_split));
    CHECK(take_split(&test_set, TEST_PER_CLASS, &test_split));
    dataset_free(&train_set);
    dataset_free(&test_set);
    if (argc == 3 && strcmp(argv[1], "--measure") == 0)
        measure(atoi(argv[2]));
    else
        RUN(test_icarl_beats_finetuning_and_replay);
    free(train_split.images);
    free(test_split.images);
    return HARNESS_RESULT();
}
