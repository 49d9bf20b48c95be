/* calibration.c - per-class thresholds for unknown images, from augmented exemplar views. */
#include "icarl/calibration.h"

#include <math.h>
#include <stdlib.h>

/* The share of a class's own augmented views counted as its lowest: the 1st percentile, so one
 * odd view does not set the threshold. */
#define CALIBRATION_QUANTILE 0.01f

static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void calibration_from_scores(float *scores, int count, float margin, float calibration_out[2]) {
    if (count <= 0) {
        calibration_out[0] = -INFINITY;
        calibration_out[1] = 1.0f;
        return;
    }
    /* A NaN would leave the sort's order unspecified and the threshold anywhere: a view whose
     * features overflowed means the network diverged, which the step must see and refuse
     * (calibration_finite) rather than commit a threshold no checkpoint may hold. */
    for (int i = 0; i < count; i++) {
        if (!isfinite(scores[i])) {
            calibration_out[0] = NAN;
            calibration_out[1] = NAN;
            return;
        }
    }
    qsort(scores, (size_t)count, sizeof *scores, compare_floats);
    float typical = scores[count / 2];
    float lowest = scores[(int)(CALIBRATION_QUANTILE * (float)(count - 1))];
    calibration_out[0] = lowest - margin;
    calibration_out[1] = typical;
}

float calibration_margin(int classes) {
    return classes > 1 ? CALIBRATION_MARGIN : 0.0f;
}

int calibration_finite(const float calibration[2]) {
    /* Not above a finite typical score: so neither NaN (every comparison fails) nor +infinity. */
    return isfinite(calibration[1]) && calibration[0] <= calibration[1];
}

int calibration_unknown(const float calibration[2], float score) {
    return score < calibration[0];
}

float calibration_confidence(const float calibration[2], float score) {
    float span = calibration[1] - calibration[0];
    if (!(span > 0.0f)) return score >= calibration[1] ? 1.0f : 0.0f;
    float confidence = (score - calibration[0]) / span;
    return confidence < 0.0f ? 0.0f : confidence > 1.0f ? 1.0f : confidence;
}
