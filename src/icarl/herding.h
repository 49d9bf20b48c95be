/* herding.h - the exemplar arithmetic of iCaRL on feature vectors: L2 normalisation, herding
 * selection (paper Alg. 4), class means and the nearest-mean rule (Alg. 1). Pure functions over
 * arrays, so tests can compare them with brute force and hand-computed examples. */
#ifndef ICARL_HERDING_H
#define ICARL_HERDING_H

#include <stdint.h>

/* Scales each row of (rows, size) to unit L2 norm; a zero row stays zero. */
void normalize_rows(float *values, int rows, int size);

/* Alg. 4 on the rows of features (n, d), already L2-normalised: mu = mean of all rows; for
 * k = 1..m pick the not-yet-chosen row x minimising || mu - (x + sum of chosen) / k ||.
 * Writes the m chosen row indices in order (m <= n). scratch holds 2 * d + n doubles. */
void herding_select(const float *features, int n, int d, int m, int32_t *order_out,
                    double *scratch);

/* mean_out (d) = normalise( sum of the rows of features (n, d) ); features rows normalised. */
void class_mean_from_features(const float *features, int n, int d, float *mean_out);

/* Alg. 1: index of the mean (rows of means (classes, d), normalised) nearest to the normalised
 * `feature`; scores_out (may be NULL) gets each class's cosine similarity. */
int nearest_mean(const float *feature, const float *means, int classes, int d,
                 float *scores_out);

#endif
