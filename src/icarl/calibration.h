/* calibration.h - "none of my classes": each class's threshold below which an image's cosine
 * similarity to the class mean means it resembles none of the trained classes, and the class's
 * typical similarity, both taken from the learner's own data: the scores of randomly augmented
 * views of the class's exemplars (the views a camera might show of the object), computed with
 * the class means at the end of every step. */
#ifndef ICARL_CALIBRATION_H
#define ICARL_CALIBRATION_H

/* Views per exemplar the calibration scores (the augmentations of a training batch). */
#define CALIBRATION_VIEWS 2

/* How far below a class's lowest views (their 1st percentile) its threshold lies, in cosine
 * similarity, once the learner has two classes or more. Augmented views of a class's exemplars
 * sit closer to its mean than the object does in another room or light, so the lowest view alone
 * flagged a quarter of the object's real views named right; 0.08 below it left 0.96-0.97 of them
 * unflagged and flagged 0.83-0.94 of never-taught objects on the webcam evaluation set's tuning
 * objects. A margin in units of the views' own spread did as well there, but went as far as 0.33
 * under a plain scene's widely spread views and let a plainly different scene through. A class
 * alone keeps its lowest view: its step has nothing to tell it apart from and draws every image
 * towards it, so a different scene scores just under its lowest view (docs/accuracy.md,
 * "None of my classes"). */
#define CALIBRATION_MARGIN 0.08f

/* The margin for a learner of `classes` classes: CALIBRATION_MARGIN from two on, 0 for one. */
float calibration_margin(int classes);

/* calibration_out[0] = the threshold (the lowest views' score minus `margin`),
 * [1] = the typical score (the median), from `count` scores of augmented views (sorted in
 * place). With no scores the class flags nothing; with a non-finite score (the network
 * diverged) both are NaN. */
void calibration_from_scores(float *scores, int count, float margin, float calibration_out[2]);

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
