/* herding_reference.h - paper Alg. 4 written for tests, as plainly as it reads, to hold the
 * engine's herding against: in test_herding.c on random features, in test_step_exemplars.c on a
 * trained learner's own features. */
#ifndef ICARL_TEST_HERDING_REFERENCE_H
#define ICARL_TEST_HERDING_REFERENCE_H

#include <stdint.h>
#include <stdlib.h>

/* Alg. 4 literally: for each k, form every candidate's mean of the chosen set plus it and
 * measure the distance to mu, all in double, no incremental sums. */
static inline void brute_force_herding(const float *features, int n, int d, int m,
                                       int32_t *order) {
    double *mu = calloc((size_t)d, sizeof *mu);
    int *taken = calloc((size_t)n, sizeof *taken);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mu[j] += features[i * d + j] / (double)n;
    for (int k = 1; k <= m; k++) {
        int best = -1;
        double best_distance = 1e300;
        for (int x = 0; x < n; x++) {
            if (taken[x]) continue;
            double distance = 0.0;
            for (int j = 0; j < d; j++) {
                double sum = features[x * d + j];
                for (int p = 0; p < k - 1; p++) sum += features[order[p] * d + j];
                double difference = mu[j] - sum / k;
                distance += difference * difference;
            }
            if (distance < best_distance) {
                best_distance = distance;
                best = x;
            }
        }
        order[k - 1] = best;
        taken[best] = 1;
    }
    free(mu);
    free(taken);
}

#endif
