/* calibration.h - "none of my classes": each class's threshold below which an image's cosine
 * similarity to the class mean means it resembles none of the trained classes, and the class's
 * typical similarity, both taken from the learner's own data: the scores of randomly augmented
 * views of the class's exemplars (the views a camera might show of the object), computed with
 * the class means at the end of every step. */
#ifndef ICARL_CALIBRATION_H
#define ICARL_CALIBRATION_H

/* Views per exemplar the calibration scores (the augmentations of a training batch). */
#define CALIBRATION_VIEWS 2

/* calibration_out[0] = the threshold, [1] = the typical score, from `count` scores of augmented
 * views (sorted in place). With no scores the class flags nothing; with a non-finite score
 * (the network diverged) both are NaN. */
void calibration_from_scores(float *scores, int count, float calibration_out[2]);

/* 1 when a calibration may be kept and saved: a finite typical score, a threshold finite or
 * -infinity (flags nothing) and not above it. */
int calibration_finite(const float calibration[2]);

/* 1 when `score` (the cosine similarity with the nearest class mean) is below the class's
 * threshold. */
int calibration_unknown(const float calibration[2], float score);

/* 0 at or below the threshold, rising linearly to 1 at the typical score and above: how sure the
 * nearest-mean answer is, in the class's own terms rather than a raw cosine (0.95 is a poor match
 * for a class whose views score 0.99). */
float calibration_confidence(const float calibration[2], float score);

#endif
