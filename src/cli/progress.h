/* progress.h - progress bars for the long loops of the `icarl` tool (epochs with loss and ETA,
 * herding, evaluation), drawn on stderr with \r only when stderr is a terminal; otherwise they
 * print nothing, so logs hold just the result lines. Also times the phases of a step. */
#ifndef ICARL_CLI_PROGRESS_H
#define ICARL_CLI_PROGRESS_H

#include <stdint.h>

#include "icarl.h"

/* Ctrl-C: the first SIGINT only sets a flag that step callbacks and evaluation loops check, so
 * a step is cancelled cleanly (the learner and any model file stay as they were); a second
 * Ctrl-C kills the process as usual. */
void interrupt_install(void);
int interrupt_requested(void);

/* Seconds on a monotonic clock. */
double clock_seconds(void);

typedef struct progress_bar {
    int enabled;           /* stderr is a terminal */
    int drawn;             /* something is on the line that finish() must clear */
    double started;        /* when the loop began, for the ETA */
    double last_drawn;     /* throttles redrawing to a few times a second */
} progress_bar;

void progress_bar_start(progress_bar *bar);
/* Draws "label [####    ]  42%  detail  ETA 1m05s"; `detail` may be NULL. */
void progress_bar_draw(progress_bar *bar, const char *label, int64_t done, int64_t total,
                       const char *detail);
/* Clears the line so the next stdout line starts clean. */
void progress_bar_finish(progress_bar *bar);

/* Watches one icarl_step through its progress callback: draws the bar and adds up the wall time
 * spent in each phase (the time between two callbacks is charged to the phase the earlier one
 * reported, which is the phase the units in between ran in). */
typedef struct step_monitor {
    progress_bar bar;
    const char *label;                            /* e.g. "step 2/5" */
    double phase_seconds[ICARL_PHASE_DONE + 1];
    double last_callback;
    int previous_phase;                           /* -1 before the first callback */
    double started;
    double seconds;                               /* whole step, set by step_monitor_finish */
    float last_loss;                              /* latest epoch mean loss reported */
} step_monitor;

void step_monitor_start(step_monitor *monitor, const char *label);
/* The icarl_progress_callback; `user` is the step_monitor. Cancels after Ctrl-C. */
int step_monitor_callback(const icarl_progress *progress, void *user);
void step_monitor_finish(step_monitor *monitor);

#endif
