/* test_herding.c - herding (src/icarl/herding.c) against a brute-force reading of Alg. 4, and
 * with features that are all NaN; class means and the nearest-mean rule against numbers
 * computed by hand. */
#include <stdint.h>
#include <stdlib.h>

#include "core/random.h"
#include "harness.h"
#include "herding_reference.h"
#include "icarl/herding.h"

static void test_herding_matches_brute_force(void) {
    random_state random;
    random_seed(&random, 7, 0);
    int sizes[][3] = {{1, 3, 1}, {5, 4, 5}, {20, 8, 7}, {50, 16, 50}, {64, 3, 10}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        int n = sizes[t][0], d = sizes[t][1], m = sizes[t][2];
        float *features = malloc(sizeof(float) * n * d);
        for (int i = 0; i < n * d; i++) features[i] = random_normal(&random);
        normalize_rows(features, n, d);
        int32_t *fast = malloc(sizeof(int32_t) * m), *slow = malloc(sizeof(int32_t) * m);
        double *scratch = malloc(sizeof(double) * (2 * d + n));
        herding_select(features, n, d, m, fast, scratch);
        brute_force_herding(features, n, d, m, slow);
        int same = 1;
        for (int k = 0; k < m; k++) same &= fast[k] == slow[k];
        CHECK_MESSAGE(same, "n=%d d=%d m=%d", n, d, m);
        /* Without replacement: every index once. */
        int distinct = 1;
        for (int a = 0; a < m; a++)
            for (int b = a + 1; b < m; b++) distinct &= fast[a] != fast[b];
        CHECK(distinct);
        free(features);
        free(fast);
        free(slow);
        free(scratch);
    }
}

static void test_herding_hand_example(void) {
    /* Points on a line at 0, 1, 2, 10 (d = 1, not normalised): mean 3.25. First pick: closest
     * to 3.25 is 2 (index 2). Second: (2 + x)/2 nearest 3.25 -> x = 4.5 ideal -> 2 is taken,
     * candidates 0 (1.0), 1 (1.5), 10 (6.0): 1.5 is 1.75 away, 6.0 is 2.75: index 1. Third:
     * (3 + x)/3 -> ideal 6.75: 10 gives 4.33 (1.08 away), 0 gives 1.0 (2.25): index 3. */
    float features[] = {0.0f, 1.0f, 2.0f, 10.0f};
    int32_t order[4];
    double scratch[2 + 4];
    herding_select(features, 4, 1, 4, order, scratch);
    CHECK(order[0] == 2);
    CHECK(order[1] == 1);
    CHECK(order[2] == 3);
    CHECK(order[3] == 0);
}

static void test_nearest_mean_hand_example(void) {
    /* Two unit features per class, d = 2: class 0 around the x axis, class 1 around y. */
    float class0[] = {1.0f, 0.0f, 0.8f, 0.6f};
    float class1[] = {0.0f, 1.0f, 0.6f, 0.8f};
    float means[4];
    class_mean_from_features(class0, 2, 2, means);
    class_mean_from_features(class1, 2, 2, means + 2);
    /* (1.8, 0.6) / |.| = (0.948683, 0.316228) */
    CHECK_NEAR(means[0], 0.9486833, 1e-6);
    CHECK_NEAR(means[1], 0.3162278, 1e-6);
    CHECK_NEAR(means[2], 0.3162278, 1e-6);
    CHECK_NEAR(means[3], 0.9486833, 1e-6);
    float query[] = {0.6f, 0.8f}; /* closer to class 1's mean */
    float scores[2];
    CHECK(nearest_mean(query, means, 2, 2, scores) == 1);
    CHECK_NEAR(scores[0], 0.6 * 0.9486833 + 0.8 * 0.3162278, 1e-6);
    CHECK_NEAR(scores[1], 0.6 * 0.3162278 + 0.8 * 0.9486833, 1e-6);
    float query2[] = {0.8f, 0.6f};
    CHECK(nearest_mean(query2, means, 2, 2, NULL) == 0);
}

static void test_normalize_rows(void) {
    float rows[] = {3.0f, 4.0f, 0.0f, 0.0f};
    normalize_rows(rows, 2, 2);
    CHECK_NEAR(rows[0], 0.6, 1e-7);
    CHECK_NEAR(rows[1], 0.8, 1e-7);
    CHECK(rows[2] == 0.0f && rows[3] == 0.0f); /* a zero row stays zero, no NaN */
}

/* Herding on features that are all NaN (no candidate has a comparable distance) still returns
 * m distinct candidates in order and never indexes outside them. */
static void test_herding_with_nan_features(void) {
    float features[5 * 3];
    for (int i = 0; i < 15; i++) features[i] = NAN;
    int32_t order[5] = {-9, -9, -9, -9, -9};
    double scratch[2 * 3 + 5];
    herding_select(features, 5, 3, 4, order, scratch);
    for (int k = 0; k < 4; k++) CHECK(order[k] == k);
    CHECK(order[4] == -9);
}

int main(void) {
    RUN(test_herding_matches_brute_force);
    RUN(test_herding_hand_example);
    RUN(test_nearest_mean_hand_example);
    RUN(test_normalize_rows);
    RUN(test_herding_with_nan_features);
    return HARNESS_RESULT();
}
