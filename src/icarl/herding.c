/* herding.c - herding selection, class means and nearest-mean classification (paper Alg. 1, 4).
 * Sums run in double: herding compares distances that differ in the last bits of float. */
#include "icarl/herding.h"

#include <math.h>
#include <string.h>

void normalize_rows(float *values, int rows, int size) {
    for (int r = 0; r < rows; r++) {
        float *row = values + (size_t)r * size;
        double squares = 0.0;
        for (int i = 0; i < size; i++) squares += (double)row[i] * row[i];
        if (squares <= 0.0) continue;
        float scale = (float)(1.0 / sqrt(squares));
        for (int i = 0; i < size; i++) row[i] *= scale;
    }
}

void herding_select(const float *features, int n, int d, int m, int32_t *order_out,
                    double *scratch) {
    double *mean = scratch;          /* d */
    double *chosen_sum = scratch + d; /* d: sum of the features picked so far */
    double *taken = scratch + 2 * d;  /* n: 1 once picked (without replacement, as PyCIL) */
    memset(scratch, 0, sizeof(double) * (size_t)(2 * d + n));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mean[j] += features[(size_t)i * d + j];
    for (int j = 0; j < d; j++) mean[j] /= n;

    for (int k = 1; k <= m; k++) {
        int best = -1;
        double best_distance = INFINITY;
        for (int i = 0; i < n; i++) {
            if (taken[i] != 0.0) continue;
            const float *x = features + (size_t)i * d;
            double distance = 0.0;
            for (int j = 0; j < d; j++) {
                double difference = mean[j] - (x[j] + chosen_sum[j]) / k;
                distance += difference * difference;
            }
            if (distance < best_distance) {
                best_distance = distance;
                best = i;
            }
        }
        if (best < 0) { /* every distance NaN (non-finite features): keep candidates in order */
            for (int i = 0; i < n && best < 0; i++)
                if (taken[i] == 0.0) best = i;
            if (best < 0) break; /* m > n: nothing left to pick */
        }
        taken[best] = 1.0;
        order_out[k - 1] = best;
        for (int j = 0; j < d; j++) chosen_sum[j] += features[(size_t)best * d + j];
    }
}

void class_mean_from_features(const float *features, int n, int d, float *mean_out) {
    for (int j = 0; j < d; j++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) sum += features[(size_t)i * d + j];
        mean_out[j] = (float)sum;
    }
    normalize_rows(mean_out, 1, d);
}

int nearest_mean(const float *feature, const float *means, int classes, int d,
                 float *scores_out) {
    /* Both sides have unit norm, so the smallest distance is the largest dot product. */
    int best = 0;
    double best_similarity = -INFINITY;
    for (int c = 0; c < classes; c++) {
        double similarity = 0.0;
        for (int j = 0; j < d; j++) similarity += (double)feature[j] * means[(size_t)c * d + j];
        if (scores_out != NULL) scores_out[c] = (float)similarity;
        if (similarity > best_similarity) {
            best_similarity = similarity;
            best = c;
        }
    }
    return best;
}
