/* plot_svg.c - draws the protocol's accuracy curves as a standalone SVG (see plot_svg.h). The
 * layout is fixed-size (720x480) with a grid every 0.1 of accuracy and a tick per step. */
#include "cli/plot_svg.h"

#include <math.h>
#include <stdio.h>

enum { PLOT_WIDTH = 720, PLOT_HEIGHT = 480 };
static const double LEFT = 70, RIGHT = 30, TOP = 92, BOTTOM = 60;
static const double INSET = 24; /* keeps the first and last markers off the axes */

static double plot_x(double value, double minimum, double maximum) {
    double span = maximum > minimum ? maximum - minimum : 1.0;
    double fraction = maximum > minimum ? (value - minimum) / span : 0.5;
    return LEFT + INSET + fraction * (PLOT_WIDTH - LEFT - RIGHT - 2 * INSET);
}

static double plot_y(double accuracy) {
    if (!isfinite(accuracy)) accuracy = 0.0;
    if (accuracy < 0.0) accuracy = 0.0;
    if (accuracy > 1.0) accuracy = 1.0;
    return PLOT_HEIGHT - BOTTOM - accuracy * (PLOT_HEIGHT - TOP - BOTTOM);
}

void plot_svg_accuracy(text_buffer *out, const char *title, const char *subtitle,
                       const int *classes_seen, int step_count, const accuracy_series *series,
                       int series_count) {
    double x_minimum = step_count > 0 ? classes_seen[0] : 0;
    double x_maximum = step_count > 0 ? classes_seen[step_count - 1] : 1;
    double plot_right = PLOT_WIDTH - RIGHT, plot_bottom = PLOT_HEIGHT - BOTTOM;

    text_buffer_printf(out,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                       "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">\n",
                       PLOT_WIDTH, PLOT_HEIGHT, PLOT_WIDTH, PLOT_HEIGHT);
    text_buffer_printf(out, "<title>");
    text_buffer_append_xml(out, title);
    text_buffer_printf(out, "</title>\n");
    text_buffer_printf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    text_buffer_printf(out, "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" "
                       "font-weight=\"bold\">", PLOT_WIDTH / 2);
    text_buffer_append_xml(out, title);
    text_buffer_printf(out, "</text>\n");
    if (subtitle) {
        text_buffer_printf(out, "<text x=\"%d\" y=\"48\" text-anchor=\"middle\" font-size=\"12\" "
                           "fill=\"#555\">", PLOT_WIDTH / 2);
        text_buffer_append_xml(out, subtitle);
        text_buffer_printf(out, "</text>\n");
    }

    /* Horizontal grid and y labels every 0.1. */
    for (int tenth = 0; tenth <= 10; tenth++) {
        double y = plot_y(tenth / 10.0);
        text_buffer_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"%s\" stroke-width=\"1\"/>\n",
                           LEFT, y, plot_right, y, tenth == 0 ? "#333" : "#e5e5e5");
        text_buffer_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">"
                           "%.1f</text>\n", LEFT - 8, y + 4, tenth / 10.0);
    }
    /* One tick and label per step. */
    for (int step = 0; step < step_count; step++) {
        double x = plot_x(classes_seen[step], x_minimum, x_maximum);
        text_buffer_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#333\"/>\n", x, plot_bottom, x, plot_bottom + 5);
        text_buffer_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                           "font-size=\"12\">%d</text>\n", x, plot_bottom + 20, classes_seen[step]);
    }
    text_buffer_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#333\"/>\n", LEFT, (double)TOP, LEFT, plot_bottom);
    text_buffer_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\">"
                       "Number of classes seen</text>\n",
                       (LEFT + plot_right) / 2, (double)PLOT_HEIGHT - 15);
    text_buffer_printf(out, "<text transform=\"translate(20 %.1f) rotate(-90)\" "
                       "text-anchor=\"middle\" font-size=\"14\">Top-1 accuracy</text>\n",
                       (TOP + plot_bottom) / 2);

    for (int s = 0; s < series_count; s++) {
        const accuracy_series *line = &series[s];
        text_buffer_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
                           "points=\"", line->colour);
        for (int step = 0; step < step_count; step++)
            text_buffer_printf(out, "%s%.1f,%.1f", step ? " " : "",
                               plot_x(classes_seen[step], x_minimum, x_maximum),
                               plot_y(line->values[step]));
        text_buffer_printf(out, "\"/>\n");
        for (int step = 0; step < step_count; step++) {
            double x = plot_x(classes_seen[step], x_minimum, x_maximum);
            double y = plot_y(line->values[step]);
            /* Circles for the first series, squares for the second, so print in grey works. */
            if (s % 2 == 0)
                text_buffer_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\">",
                                   x, y, line->colour);
            else
                text_buffer_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
                                   "fill=\"%s\">", x - 4.5, y - 4.5, line->colour);
            text_buffer_printf(out, "<title>");
            text_buffer_append_xml(out, line->name);
            text_buffer_printf(out, ": %.4f at %d classes</title>%s\n", line->values[step],
                               classes_seen[step], s % 2 == 0 ? "</circle>" : "</rect>");
        }
    }

    /* Legend in one row between the subtitle and the plot, where it can never hide a curve. */
    double legend_x = LEFT, legend_y = 72;
    for (int s = 0; s < series_count; s++) {
        text_buffer_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"%s\" stroke-width=\"2.5\"/>\n", legend_x, legend_y - 4,
                           legend_x + 28, legend_y - 4, series[s].colour);
        if (s % 2 == 0)
            text_buffer_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>\n",
                               legend_x + 14, legend_y - 4, series[s].colour);
        else
            text_buffer_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
                               "fill=\"%s\"/>\n", legend_x + 9.5, legend_y - 8.5,
                               series[s].colour);
        text_buffer_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\">", legend_x + 36,
                           legend_y);
        text_buffer_append_xml(out, series[s].name);
        text_buffer_printf(out, "</text>\n");
        legend_x += 300;
    }
    text_buffer_printf(out, "</svg>\n");
}
