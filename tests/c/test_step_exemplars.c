/* test_step_exemplars.c - the exemplar memory and the class means a real step leaves behind,
 * recomputed here independently on the learner's own features (learner_features, the trained
 * network after the step):
 *   - the exemplars of a class with new images are, in order, what Alg. 4 (herding) picks from
 *     its candidates (its old exemplars, then its new images);
 *   - a class without new images keeps the first m of its ordered set (Alg. 5);
 *   - every class keeps min(m, its images) with m = floor(K / t), and the memory reports it;
 *   - each class mean is the renormalised mean of its exemplars' normalised features, averaged
 *     with those of the horizontally mirrored exemplars when mean_with_flip is set, without
 *     them when not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "herding_reference.h"
#include "icarl.h"
#include "icarl/learner_internal.h"
#include "learner_fixture.h"

enum { MAX_CLASSES = 4, MAX_IMAGES = 64 };

/* What the test knows about each class: every image it was ever given, in the order the step
 * sees them as candidates. */
typedef struct class_record {
    uint8_t pixels[MAX_IMAGES * FIXTURE_BYTES];
    int count;
} class_record;

/* Normalised features of `count` images (FIXTURE_BYTES each) on the learner's network, in the
 * batches the step uses (so every image sits at the same place in its batch). */
static void features_of(icarl_learner *learner, const uint8_t *pixels, int count, float *out) {
    const uint8_t *images[MAX_IMAGES];
    for (int i = 0; i < count; i++) images[i] = pixels + (size_t)i * FIXTURE_BYTES;
    for (int first = 0; first < count; first += learner->network_batch) {
        int n = count - first < learner->network_batch ? count - first : learner->network_batch;
        learner_features(learner, images + first, n, 0,
                         out + (size_t)first * learner->feature_size);
    }
}

/* Checks class c's exemplars after a step in which it had new images: herding over its
 * candidates, in order. Returns 1 when herding's order is not simply the first m candidates
 * (so a learner keeping those would fail here). */
static int check_herded(icarl_learner *learner, int c, const class_record *candidates, int m,
                        const char *what) {
    int d = learner->feature_size, keep = candidates->count < m ? candidates->count : m;
    float *features = malloc(sizeof(float) * (size_t)candidates->count * d);
    int32_t order[MAX_IMAGES];
    features_of(learner, candidates->pixels, candidates->count, features);
    brute_force_herding(features, candidates->count, d, keep, order);
    const image_list *exemplars = &learner->classes[c].exemplars;
    CHECK_MESSAGE(exemplars->count == keep, "%s: class %d keeps %d exemplars, expected %d", what,
                  c, (int)exemplars->count, keep);
    int wrong = 0, reordered = 0;
    for (int k = 0; k < keep && k < exemplars->count; k++) {
        wrong += memcmp(exemplars->pixels + (size_t)k * FIXTURE_BYTES,
                        candidates->pixels + (size_t)order[k] * FIXTURE_BYTES, FIXTURE_BYTES) != 0;
        reordered += order[k] != k;
    }
    CHECK_MESSAGE(wrong == 0, "%s: %d of class %d's %d exemplars are not herding's picks in order",
                  what, wrong, c, keep);
    free(features);
    return reordered > 0;
}

/* The class mean the nearest-mean rule must use for class c, from its stored exemplars. */
static void expected_mean(icarl_learner *learner, int c, int with_flip, float *mean) {
    int d = learner->feature_size;
    const image_list *exemplars = &learner->classes[c].exemplars;
    int n = exemplars->count;
    float *features = malloc(sizeof(float) * (size_t)n * d);
    uint8_t *mirrored = malloc((size_t)n * FIXTURE_BYTES);
    double sum[256] = {0};
    features_of(learner, exemplars->pixels, n, features);
    for (int i = 0; i < n * d; i++) sum[i % d] += features[i];
    if (with_flip) {
        for (int i = 0; i < n; i++)
            for (int y = 0; y < FIXTURE_SIDE; y++)
                for (int x = 0; x < FIXTURE_SIDE; x++)
                    mirrored[(size_t)i * FIXTURE_BYTES + y * FIXTURE_SIDE + x] =
                        exemplars->pixels[(size_t)i * FIXTURE_BYTES + y * FIXTURE_SIDE +
                                          FIXTURE_SIDE - 1 - x];
        features_of(learner, mirrored, n, features);
        for (int i = 0; i < n * d; i++) sum[i % d] += features[i];
    }
    double norm = 0.0;
    for (int j = 0; j < d; j++) norm += sum[j] * sum[j];
    for (int j = 0; j < d; j++) mean[j] = (float)(sum[j] / sqrt(norm));
    free(mirrored);
    free(features);
}

/* Every class mean against expected_mean; also returns how far the means computed the other
 * way (flips included or not) would be, so the test knows it can tell the two apart. */
static void check_means(icarl_learner *learner, const char *what) {
    int d = learner->feature_size, with_flip = learner->config.mean_with_flip;
    float expected[256], other[256];
    double worst = 0.0, apart = INFINITY;
    CHECK(learner->has_means);
    for (int c = 0; c < learner->outputs; c++) {
        const float *mean = learner->class_means + (size_t)c * d;
        expected_mean(learner, c, with_flip, expected);
        expected_mean(learner, c, !with_flip, other);
        double off = 0.0, between = 0.0;
        for (int j = 0; j < d; j++) {
            off = fmax(off, fabs(mean[j] - expected[j]));
            between = fmax(between, fabs(other[j] - expected[j]));
        }
        worst = fmax(worst, off);
        apart = fmin(apart, between);
    }
    printf("  %-40s means within %.1e (%s flips); with%s flips they would be %.3f off\n", what,
           worst, with_flip ? "with" : "without", with_flip ? "out" : "", apart);
    CHECK_MESSAGE(worst < 1e-5, "%s: a class mean is off by %.3g", what, worst);
    CHECK_MESSAGE(apart > 1e-3, "%s: flipped and plain means too close to tell apart (%.3g)",
                  what, apart);
}

/* The memory after a step: per class min(m, its images), m = floor(K / t), in total their sum. */
static void check_memory(icarl_learner *learner, const class_record *records, int classes,
                         const char *what) {
    icarl_memory_info memory;
    CHECK(icarl_memory_info_get(learner, &memory) == ICARL_OK);
    int m = learner->config.memory / classes, used = 0;
    for (int c = 0; c < classes; c++) {
        icarl_class_info info;
        CHECK(icarl_class_info_get(learner, c, &info) == ICARL_OK);
        int expected = records[c].count < m ? records[c].count : m;
        CHECK_MESSAGE(info.exemplars == expected, "%s: class %d keeps %d, expected %d", what, c,
                      (int)info.exemplars, expected);
        used += expected;
    }
    CHECK_MESSAGE(memory.per_class == m && memory.used == used &&
                      memory.capacity == learner->config.memory,
                  "%s: memory reports per class %d, used %d of %d; expected %d, %d", what,
                  (int)memory.per_class, (int)memory.used, (int)memory.capacity, m, used);
    CHECK(memory.used <= memory.capacity);
}

/* Adds `count` images of class c and records them after the class's current candidates. */
static void add(icarl_learner *learner, class_record *records, int c, int count, uint64_t seed) {
    static const char *names[MAX_CLASSES] = {"zero", "one", "two", "three"};
    fixture_add(learner, names[c], c, count, seed,
                records[c].pixels + (size_t)records[c].count * FIXTURE_BYTES);
    records[c].count += count;
}

/* The candidates of class c for its next herding: its exemplars now, then its images added
 * since (the test appends those to the record after calling this). */
static void restart_from_exemplars(icarl_learner *learner, class_record *records, int c) {
    const image_list *exemplars = &learner->classes[c].exemplars;
    memcpy(records[c].pixels, exemplars->pixels, (size_t)exemplars->count * FIXTURE_BYTES);
    records[c].count = exemplars->count;
}

static void run_steps(int mean_with_flip) {
    /* K = 25: not a multiple of 2 or 3, so rounding m up instead of down shows. */
    icarl_config config =
        fixture_config(ICARL_METHOD_ICARL, ICARL_LOSS_SIGMOID_DISTILLATION, 25, 2);
    config.mean_with_flip = mean_with_flip;
    icarl_learner *learner = NULL;
    CHECK(icarl_create(&config, &learner, NULL, 0) == ICARL_OK);
    class_record *records = calloc(MAX_CLASSES, sizeof *records);
    /* Every class's image count, over all steps, for the memory check. */
    class_record *all = calloc(MAX_CLASSES, sizeof *all);
    int reordered = 0;

    /* Step 1: t = 2, m = 12; class 1 has fewer images (5) than m. */
    add(learner, records, 0, 30, 1);
    add(learner, records, 1, 5, 1);
    all[0].count = 30, all[1].count = 5;
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    reordered += check_herded(learner, 0, &records[0], 12, "step 1");
    check_herded(learner, 1, &records[1], 12, "step 1");
    check_memory(learner, all, 2, "step 1");
    check_means(learner, mean_with_flip ? "step 1, means with flips" : "step 1, plain means");

    /* Step 2: t = 3, m = 8. Class 0 only shrinks to the first 8 of its order (Alg. 5); class 2
     * is herded from its 20 images. */
    uint8_t first_eight[8 * FIXTURE_BYTES];
    memcpy(first_eight, learner->classes[0].exemplars.pixels, sizeof first_eight);
    add(learner, records, 2, 20, 2);
    all[2].count = 20;
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    CHECK_MESSAGE(learner->classes[0].exemplars.count == 8 &&
                      memcmp(first_eight, learner->classes[0].exemplars.pixels,
                             sizeof first_eight) == 0,
                  "step 2: class 0 is not the first 8 of its previous exemplars");
    reordered += check_herded(learner, 2, &records[2], 8, "step 2");
    check_memory(learner, all, 3, "step 2");
    check_means(learner, mean_with_flip ? "step 2, means with flips" : "step 2, plain means");

    /* Step 3: class 1 (5 exemplars) gets 10 more images: herded again from its exemplars
     * followed by the new images, now up to m = 8. */
    restart_from_exemplars(learner, records, 1);
    add(learner, records, 1, 10, 3);
    all[1].count += 10;
    CHECK(icarl_step(learner, NULL, NULL) == ICARL_OK);
    reordered += check_herded(learner, 1, &records[1], 8, "step 3");
    check_memory(learner, all, 3, "step 3");
    check_means(learner, mean_with_flip ? "step 3, means with flips" : "step 3, plain means");
    CHECK_MESSAGE(reordered > 0, "herding kept the candidates in their given order every time: "
                                 "the fixture cannot tell herding from keeping the first m");
    free(records);
    free(all);
    icarl_destroy(learner);
}

static void test_exemplars_and_means_with_flips(void) { run_steps(1); }

static void test_exemplars_and_means_without_flips(void) { run_steps(0); }

int main(void) {
    RUN(test_exemplars_and_means_with_flips);
    RUN(test_exemplars_and_means_without_flips);
    return HARNESS_RESULT();
}
