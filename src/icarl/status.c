/* status.c - the sentence for each icarl_status. */
#include "icarl.h"

const char *icarl_strerror(icarl_status status) {
    switch (status) {
    case ICARL_OK: return "success";
    case ICARL_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case ICARL_ERROR_OUT_OF_MEMORY: return "out of memory";
    case ICARL_ERROR_IO: return "file could not be read or written";
    case ICARL_ERROR_NOT_A_CHECKPOINT: return "not an icarl checkpoint";
    case ICARL_ERROR_UNSUPPORTED_VERSION: return "checkpoint from a newer format version";
    case ICARL_ERROR_TRUNCATED: return "data is truncated";
    case ICARL_ERROR_CORRUPT: return "data is corrupt (checksum mismatch or inconsistent content)";
    case ICARL_ERROR_DECODE: return "could not decode the image or data file";
    case ICARL_ERROR_NO_CLASSES: return "no class has been trained yet";
    case ICARL_ERROR_NOTHING_TO_TRAIN: return "no new examples to train on";
    case ICARL_ERROR_UNKNOWN_CLASS: return "unknown class";
    case ICARL_ERROR_WRONG_STATE: return "call not allowed in the learner's current state";
    case ICARL_ERROR_CANCELLED: return "training step cancelled";
    case ICARL_ERROR_DIVERGED: return "training diverged (loss is not finite)";
    case ICARL_ERROR_LIMIT: return "size beyond the engine's limits";
    case ICARL_STATUS_COUNT: break;
    }
    return "unknown status";
}
