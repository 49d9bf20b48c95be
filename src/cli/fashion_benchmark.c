/* fashion_benchmark.c - Fashion-MNIST loading and batched evaluation shared by the benchmark
 * subcommands of `icarl` (see fashion_benchmark.h). */
#include "cli/fashion_benchmark.h"

#include <stdio.h>

#include "cli/model_files.h"
#include "cli/progress.h"

const char *const fashion_class_names[FASHION_CLASS_COUNT] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

int load_fashion_mnist(const char *command, const char *directory, dataset *train,
                       dataset *test) {
    icarl_status status = dataset_load_fashion_mnist(directory, 1, train);
    if (status == ICARL_OK) {
        status = dataset_load_fashion_mnist(directory, 0, test);
        if (status != ICARL_OK) dataset_free(train);
    }
    if (status != ICARL_OK) {
        fprintf(stderr, "icarl %s: cannot load Fashion-MNIST from %s: %s (expected "
                "{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; see --data-dir)\n",
                command, directory, icarl_strerror(status));
        return 0;
    }
    if (train->size <= 0 || train->size != test->size || train->channels != test->channels) {
        fprintf(stderr, "icarl %s: the Fashion-MNIST files in %s have inconsistent image sizes\n",
                command, directory);
        dataset_free(train);
        dataset_free(test);
        return 0;
    }
    for (int32_t i = 0; i < train->count; i++) {
        if (train->labels[i] >= FASHION_CLASS_COUNT) {
            fprintf(stderr, "icarl %s: training label %d out of range in %s\n", command,
                    (int)train->labels[i], directory);
            dataset_free(train);
            dataset_free(test);
            return 0;
        }
    }
    for (int32_t i = 0; i < test->count; i++) {
        if (test->labels[i] >= FASHION_CLASS_COUNT) {
            fprintf(stderr, "icarl %s: test label %d out of range in %s\n", command,
                    (int)test->labels[i], directory);
            dataset_free(train);
            dataset_free(test);
            return 0;
        }
    }
    return 1;
}

int classify_in_batches(const char *command, icarl_learner *learner, const uint8_t *pixels,
                        int32_t count, size_t image_bytes, int32_t *nme_labels,
                        int32_t *cnn_labels, const char *progress_label) {
    /* Batches of 500 keep the bar moving without costing the engine's own batching anything. */
    enum { BATCH = 500 };
    progress_bar bar;
    progress_bar_start(&bar);
    for (int32_t start = 0; start < count; start += BATCH) {
        if (interrupt_requested()) {
            progress_bar_finish(&bar);
            fprintf(stderr, "icarl %s: interrupted\n", command);
            return 0;
        }
        int32_t batch = count - start < BATCH ? count - start : BATCH;
        icarl_status status = icarl_classify_prepared(
            learner, pixels + (size_t)start * image_bytes, batch,
            nme_labels ? nme_labels + start : NULL, cnn_labels ? cnn_labels + start : NULL);
        if (status != ICARL_OK) {
            progress_bar_finish(&bar);
            report_learner_error(command, "evaluation failed", learner, status);
            return 0;
        }
        progress_bar_draw(&bar, progress_label, start + batch, count, NULL);
    }
    progress_bar_finish(&bar);
    return 1;
}
