/* progress.c - terminal progress bars and step phase timing for the `icarl` tool. Drawing is
 * throttled (about 8 redraws a second) so that a bar never slows the training it reports on. */
#define _POSIX_C_SOURCE 200809L
#include "cli/progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The one piece of process-wide state: a signal handler can reach nothing else. */
static volatile sig_atomic_t interrupted = 0;

static void on_interrupt(int signal_number) {
    (void)signal_number;
    interrupted = 1;
}

void interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND; /* the second Ctrl-C gets the default: terminate */
    sigaction(SIGINT, &action, NULL);
}

int interrupt_requested(void) { return interrupted != 0; }

double clock_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

void progress_bar_start(progress_bar *bar) {
    bar->enabled = isatty(STDERR_FILENO);
    bar->drawn = 0;
    bar->started = clock_seconds();
    bar->last_drawn = 0.0;
}

static void format_duration(double seconds, char *text, size_t size) {
    if (seconds < 0) seconds = 0;
    long whole = (long)(seconds + 0.5);
    if (whole >= 3600)
        snprintf(text, size, "%ldh%02ldm", whole / 3600, (whole % 3600) / 60);
    else if (whole >= 60)
        snprintf(text, size, "%ldm%02lds", whole / 60, whole % 60);
    else
        snprintf(text, size, "%lds", whole);
}

void progress_bar_draw(progress_bar *bar, const char *label, int64_t done, int64_t total,
                       const char *detail) {
    if (!bar->enabled) return;
    double now = clock_seconds();
    int finished = total > 0 && done >= total;
    if (!finished && now - bar->last_drawn < 0.125) return;
    bar->last_drawn = now;

    enum { WIDTH = 24 };
    double fraction = total > 0 ? (double)done / (double)total : 0.0;
    if (fraction > 1.0) fraction = 1.0;
    char cells[WIDTH + 1];
    int filled = (int)(fraction * WIDTH);
    for (int i = 0; i < WIDTH; i++) cells[i] = i < filled ? '#' : ' ';
    cells[WIDTH] = '\0';

    char eta[32] = "";
    double elapsed = now - bar->started;
    if (done > 0 && total > done && elapsed > 1.0) {
        char duration[24];
        format_duration(elapsed * (double)(total - done) / (double)done, duration,
                        sizeof duration);
        snprintf(eta, sizeof eta, "  ETA %s", duration);
    }
    /* \033[K clears what a longer previous line left behind. */
    fprintf(stderr, "\r%s [%s] %3d%%%s%s%s\033[K", label, cells, (int)(fraction * 100.0 + 0.5),
            detail ? "  " : "", detail ? detail : "", eta);
    fflush(stderr);
    bar->drawn = 1;
}

void progress_bar_finish(progress_bar *bar) {
    if (bar->enabled && bar->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    bar->drawn = 0;
}

void step_monitor_start(step_monitor *monitor, const char *label) {
    memset(monitor, 0, sizeof *monitor);
    monitor->label = label;
    progress_bar_start(&monitor->bar);
    monitor->started = clock_seconds();
    monitor->last_callback = monitor->started;
    monitor->previous_phase = -1;
}

static const char *phase_name(int phase) {
    switch (phase) {
    case ICARL_PHASE_TARGETS: return "old outputs";
    case ICARL_PHASE_TRAINING: return "training";
    case ICARL_PHASE_HERDING: return "herding";
    case ICARL_PHASE_MEANS: return "class means";
    case ICARL_PHASE_DONE: return "done";
    default: return "preparing";
    }
}

int step_monitor_callback(const icarl_progress *progress, void *user) {
    step_monitor *monitor = user;
    double now = clock_seconds();
    int phase = progress->phase;
    /* The units since the last callback ran in the phase that callback reported (the engine
     * reports the phase after its unit); the very first interval goes to the first phase seen. */
    int charged = monitor->previous_phase >= 0 ? monitor->previous_phase : phase;
    if (charged >= 0 && charged <= ICARL_PHASE_DONE)
        monitor->phase_seconds[charged] += now - monitor->last_callback;
    monitor->last_callback = now;
    monitor->previous_phase = phase;
    /* The engine restarts the epoch mean at 0 when an epoch begins and keeps the last epoch's
     * mean after training: remember the latest non-zero one. */
    if (phase >= ICARL_PHASE_TRAINING && progress->loss != 0.0f) monitor->last_loss = progress->loss;

    char label[96];
    char detail[96] = "";
    if (phase == ICARL_PHASE_TRAINING) {
        snprintf(label, sizeof label, "%s epoch %d/%d", monitor->label ? monitor->label : "step",
                 (int)progress->epoch, (int)progress->epochs);
        snprintf(detail, sizeof detail, "loss %.4f  lr %.3g", (double)monitor->last_loss,
                 (double)progress->learning_rate);
    } else {
        snprintf(label, sizeof label, "%s %s", monitor->label ? monitor->label : "step",
                 phase_name(phase));
    }
    progress_bar_draw(&monitor->bar, label, progress->done, progress->total,
                      detail[0] ? detail : NULL);
    return interrupt_requested();
}

void step_monitor_finish(step_monitor *monitor) {
    progress_bar_finish(&monitor->bar);
    monitor->seconds = clock_seconds() - monitor->started;
}
