/* status.c - the name and the sentence of each icarl_status, and the names of the step's phases:
 * the one place the JavaScript API and the tools take them from. */
#include "icarl.h"

typedef struct status_text {
    const char *name;
    const char *sentence;
} status_text;

/* In enum order; the assertion below keeps a new status from shifting the names. */
static const status_text STATUS_TEXTS[] = {
    {"OK", "success"},
    {"INVALID_ARGUMENT", "invalid argument"},
    {"OUT_OF_MEMORY", "out of memory"},
    {"IO", "file could not be read or written"},
    {"NOT_A_CHECKPOINT", "not an icarl checkpoint"},
    {"UNSUPPORTED_VERSION", "checkpoint from a newer format version"},
    {"TRUNCATED", "data is truncated"},
    {"CORRUPT", "data is corrupt (checksum mismatch or inconsistent content)"},
    {"DECODE", "could not decode the image or data file"},
    {"NO_CLASSES", "no class has been trained yet"},
    {"NOTHING_TO_TRAIN", "no new examples to train on"},
    {"UNKNOWN_CLASS", "unknown class"},
    {"WRONG_STATE", "call not allowed in the learner's current state"},
    {"CANCELLED", "training step cancelled"},
    {"DIVERGED", "training diverged (loss is not finite)"},
    {"LIMIT", "size beyond the engine's limits"},
};
_Static_assert(sizeof STATUS_TEXTS / sizeof STATUS_TEXTS[0] == ICARL_STATUS_COUNT,
               "a name and a sentence for every icarl_status");

static const char *const PHASE_NAMES[] = {"idle", "targets", "training", "herding", "means", "done"};
_Static_assert(sizeof PHASE_NAMES / sizeof PHASE_NAMES[0] == ICARL_PHASE_DONE + 1,
               "a name for every icarl_phase");

const char *icarl_strerror(icarl_status status) {
    if ((unsigned)status >= (unsigned)ICARL_STATUS_COUNT) return "unknown status";
    return STATUS_TEXTS[status].sentence;
}

const char *icarl_status_name(icarl_status status) {
    if ((unsigned)status >= (unsigned)ICARL_STATUS_COUNT) return "UNKNOWN";
    return STATUS_TEXTS[status].name;
}

const char *icarl_phase_name(icarl_phase phase) {
    if ((unsigned)phase > (unsigned)ICARL_PHASE_DONE) return "unknown";
    return PHASE_NAMES[phase];
}
