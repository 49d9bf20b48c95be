/* plot_svg.h - the accuracy plot of `icarl protocol --svg`: a standalone SVG line chart of NME
 * and CNN top-1 accuracy (y, 0..1) against the number of classes seen (x), with markers, axis
 * labels, a legend and a title. No scripts, fonts or external files. */
#ifndef ICARL_CLI_PLOT_SVG_H
#define ICARL_CLI_PLOT_SVG_H

#include "cli/report_json.h"

typedef struct accuracy_series {
    const char *name;      /* legend text, e.g. "NME (nearest mean of exemplars)" */
    const char *colour;    /* an SVG colour, e.g. "#1f77b4" */
    const double *values;  /* one accuracy per step, 0..1 */
} accuracy_series;

/* Appends the whole SVG document to `out`. classes_seen[i] is the x of step i (increasing). */
void plot_svg_accuracy(text_buffer *out, const char *title, const char *subtitle,
                       const int *classes_seen, int step_count, const accuracy_series *series,
                       int series_count);

#endif
