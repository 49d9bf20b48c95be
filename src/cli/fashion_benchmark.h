/* fashion_benchmark.h - what `icarl protocol` and `icarl sanity` share: the Fashion-MNIST class
 * names, loading the two splits with one-line errors, and batched evaluation of a learner on
 * model-size images with a progress bar. */
#ifndef ICARL_CLI_FASHION_BENCHMARK_H
#define ICARL_CLI_FASHION_BENCHMARK_H

#include <stdint.h>

#include "data/idx.h"
#include "icarl.h"

#define FASHION_CLASS_COUNT 10
#define FASHION_DEFAULT_DIRECTORY "/usr/share/datasets/fashion-mnist"

extern const char *const fashion_class_names[FASHION_CLASS_COUNT];

/* Loads the training and test splits; on failure prints one line and frees what was loaded. */
int load_fashion_mnist(const char *command, const char *directory, dataset *train,
                       dataset *test);

/* Classifies `count` model-size images (HWC, `image_bytes` each) in batches. Either output
 * array may be NULL. Returns 1 on success; on failure prints one line. */
int classify_in_batches(const char *command, icarl_learner *learner, const uint8_t *pixels,
                        int32_t count, size_t image_bytes, int32_t *nme_labels,
                        int32_t *cnn_labels, const char *progress_label);

#endif
