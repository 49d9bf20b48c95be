/* icarl.h - the one public header of icarl-wasm.
 *
 * An iCaRL learner (Rebuffi et al., CVPR 2017): a ResNet feature map trained class-incrementally
 * with distillation, a bounded memory of exemplar images chosen by herding, and classification by
 * the nearest mean of exemplars. The same API is compiled natively and to WebAssembly.
 *
 * Conventions: every fallible function returns an icarl_status; icarl_strerror() names it and
 * icarl_last_error() gives the detail of the last failure on a learner. Handles are opaque.
 * Nothing here keeps global state: two learners in one process never interfere.
 * Memory returned through `**_out` byte pointers is freed with icarl_free().
 */
#ifndef ICARL_H
#define ICARL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum icarl_status {
    ICARL_OK = 0,
    ICARL_ERROR_INVALID_ARGUMENT,   /* a NULL pointer, a size out of range, a NaN pixel value */
    ICARL_ERROR_OUT_OF_MEMORY,
    ICARL_ERROR_IO,                 /* a file could not be opened, read or written */
    ICARL_ERROR_NOT_A_CHECKPOINT,   /* the bytes do not start with the checkpoint magic */
    ICARL_ERROR_UNSUPPORTED_VERSION,/* a checkpoint from a newer format version */
    ICARL_ERROR_TRUNCATED,          /* the data ends before its declared length */
    ICARL_ERROR_CORRUPT,            /* a checksum mismatch or inconsistent content */
    ICARL_ERROR_DECODE,             /* an image or IDX file could not be decoded */
    ICARL_ERROR_NO_CLASSES,         /* classification asked before any class was trained */
    ICARL_ERROR_NOTHING_TO_TRAIN,   /* a step asked with no new examples */
    ICARL_ERROR_UNKNOWN_CLASS,
    ICARL_ERROR_WRONG_STATE,        /* a call out of order, e.g. adding examples during a step */
    ICARL_ERROR_CANCELLED,          /* a step was cancelled; the learner is as before the step */
    ICARL_ERROR_DIVERGED,           /* the loss became NaN or infinite; the learner is as before */
    ICARL_ERROR_LIMIT,              /* a size beyond the engine's limits */
    ICARL_STATUS_COUNT
} icarl_status;

/* A short English sentence naming the status; never NULL, static storage. */
const char *icarl_strerror(icarl_status status);
/* The status's name without the prefix ("OK", "INVALID_ARGUMENT", ...), for machine-readable
 * error codes; "UNKNOWN" for a value that is no status. Static storage. */
const char *icarl_status_name(icarl_status status);

/* Loss used by a step. The paper's per-class sigmoid with distillation is the default. */
typedef enum icarl_loss {
    ICARL_LOSS_SIGMOID_DISTILLATION = 0, /* binary cross-entropy; old outputs get q targets */
    ICARL_LOSS_SOFTMAX_KD = 1            /* softmax cross-entropy + KD at temperature T (PyCIL) */
} icarl_loss;

/* What a step does with exemplars and distillation (the paper's comparison, section 4.1). */
typedef enum icarl_method {
    ICARL_METHOD_ICARL = 0,    /* exemplars + distillation, nearest-mean classifier */
    ICARL_METHOD_LWF = 1,      /* distillation, no exemplars, network outputs classify */
    ICARL_METHOD_FINETUNE = 2, /* no exemplars, no distillation, network outputs classify */
    ICARL_METHOD_FIXED = 3,    /* representation trained on the first step, then frozen */
    ICARL_METHOD_REPLAY = 4    /* exemplars + nearest-mean classifier like iCaRL, no distillation:
                                * old classes get target 0 as in finetuning (the ablation that
                                * isolates what distillation adds) */
} icarl_method;

/* How long a step trains and how its learning rate moves. */
typedef enum icarl_schedule {
    ICARL_SCHEDULE_EPOCHS = 0,  /* `epochs` passes; the rate divided at the decay_at fractions */
    ICARL_SCHEDULE_UPDATES = 1  /* epochs x batches SGD updates, but at least min_updates and at
                                 * most max_updates: however few images a step has, it learns
                                 * enough; a linear warm-up, then a cosine decay to 0; stops
                                 * early once the training loss has converged (patience) */
} icarl_schedule;

typedef enum icarl_preset {
    ICARL_PRESET_FASHION_MNIST = 0, /* 28x28x1, ResNet-20, the section-5 "quick" schedule */
    ICARL_PRESET_WEBCAM = 1         /* 32x32x3, the page's network and schedule */
} icarl_preset;

/* Everything that defines a learner. Fields above `memory` fix the architecture and cannot
 * change after creation (the input size may, before the first class: the weights do not depend
 * on it); `centre_crop` may change only before the first class too (stored images are cropped);
 * the rest may change between steps (icarl_reconfigure). */
typedef struct icarl_config {
    int32_t input_size;       /* side of the square model input, pixels (4..256) */
    int32_t channels;         /* 1 (grey) or 3 (RGB) */
    int32_t blocks_per_stage; /* n of the 6n+2 ResNet: 3 = ResNet-20, 5 = ResNet-32 */
    int32_t base_width;       /* channels of the first stage; stages use w, 2w, 4w */

    int32_t memory;           /* K: exemplars kept in total over all classes (not per class) */
    float centre_crop;        /* an image's centre square is cut to this fraction of its side
                               * (0.25..1) before resizing to input_size: a webcam frame's middle,
                               * where the object is held, with less of the room around it */
    int32_t method;           /* icarl_method */
    int32_t loss;             /* icarl_loss */
    float temperature;        /* T of ICARL_LOSS_SOFTMAX_KD */
    int32_t epochs;           /* epochs per incremental step */
    int32_t batch_size;
    float learning_rate;
    float momentum;
    float weight_decay;
    float batchnorm_momentum; /* share of each training batch in BatchNorm's running averages
                               * (0.1 as is usual; lower keeps more of what the network saw
                               * before, e.g. a starter's many rooms) */
    float decay_at[2];        /* fractions of the epochs where the learning rate is divided */
    float decay_factor;       /* ... by this */
    int32_t schedule;         /* icarl_schedule */
    int32_t min_updates;      /* UPDATES: the fewest SGD updates a step makes */
    int32_t max_updates;      /* UPDATES: the most (0 = no cap) */
    float warmup;             /* UPDATES: fraction of the updates over which the rate rises */
    int32_t patience;         /* UPDATES: after min_updates, stop once this many windows of
                               * updates in a row have not lowered the loss by 1% (0 = never) */
    int32_t crop_padding;     /* augmentation: random crop after zero padding by this many px */
    int32_t flip;             /* augmentation: random horizontal flips (0/1) */
    float brightness;         /* augmentation: brightness jitter, +-fraction of full scale */
    /* Augmentations for a hand-held camera (0 = off): */
    float zoom;               /* random resized crop keeping (1 - zoom)..1 of the image's area */
    float rotation;           /* random rotation up to +-this many degrees */
    float contrast;           /* contrast jitter: deviations from the mean grey x (1 +- this) */
    float saturation;         /* saturation jitter: deviations from each pixel's grey x (1 +- this) */
    float blur;               /* probability of a slight blur */
    float noise;              /* pixel noise: standard deviation up to this fraction of full scale */
    int32_t mean_with_flip;   /* class means also average horizontally flipped exemplars */
    uint64_t seed;            /* fixes everything random: initial weights, order, augmentation */
    int32_t threads;          /* threads the learner's work is split over; 0 = the default (the
                               * cores, at most 4). Results never depend on it, only speed; a
                               * property of the machine, not of the model: not saved in
                               * checkpoints (a loaded learner gets 0; icarl_reconfigure changes
                               * it). 1 in builds without threads. */
} icarl_config;

/* Fills `config` with a preset. */
icarl_status icarl_config_preset(icarl_preset preset, icarl_config *config);
/* "fashion-mnist", "webcam"; NULL for a value that is no preset. Static storage. */
const char *icarl_preset_name(icarl_preset preset);

/* ---- The configuration's fields by name. One table describes every field of icarl_config; the
 * checkpoint's configuration section, the JavaScript API's options, JSON reports and `icarl info`
 * are all made from it, so a new field is added in one place. */
typedef enum icarl_field_kind {
    ICARL_FIELD_INT = 0, /* int32_t */
    ICARL_FIELD_FLOAT,   /* float */
    ICARL_FIELD_BOOL,    /* int32_t, 0 or 1 */
    ICARL_FIELD_CHOICE,  /* int32_t, an index into `choices` */
    ICARL_FIELD_SEED     /* uint64_t */
} icarl_field_kind;

enum icarl_field_flags {
    ICARL_FIELD_ARCHITECTURE = 1, /* fixes the network's shape: cannot change after creation */
    ICARL_FIELD_NOT_SAVED = 2     /* a property of the machine, not of the model (threads) */
};

typedef struct icarl_config_field {
    const char *name;           /* the member's name; an array element as name_0, name_1, ... */
    int32_t kind;               /* icarl_field_kind */
    int32_t flags;              /* icarl_field_flags */
    double minimum, maximum;    /* the valid range (INT, FLOAT; BOOL 0..1; CHOICE 0..count-1) */
    const char *const *choices; /* CHOICE: the values' names, NULL-terminated; else NULL */
    const char *summary;        /* a few words for listings */
} icarl_config_field;

/* The number of fields, and field `index` (0 .. count-1) in a fixed order; NULL out of range.
 * Static storage. */
int32_t icarl_config_field_count(void);
const icarl_config_field *icarl_config_field_at(int32_t index);
/* The field called `name`, or NULL. */
const icarl_config_field *icarl_config_field_named(const char *name);

/* Sets or reads one field by name. INT, BOOL, CHOICE and SEED take whole numbers only (2.5 is
 * refused, not truncated; a seed above 2^53 must be set on the struct directly); the range is
 * checked later, by icarl_create / icarl_reconfigure, which say what is wrong. An unknown name
 * gives ICARL_ERROR_INVALID_ARGUMENT. */
icarl_status icarl_config_set(icarl_config *config, const char *name, double value);
icarl_status icarl_config_get(const icarl_config *config, const char *name, double *value_out);

/* An image in memory: rows of `width` pixels, tightly packed, `channels` bytes per pixel
 * (1 grey, 3 RGB, 4 RGBA; alpha is ignored). Any size: the engine centre-crops to a square
 * and resizes to the model input. */
typedef struct icarl_image {
    const uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t channels;
} icarl_image;

typedef struct icarl_learner icarl_learner;

/* Creates an empty learner. On failure *learner_out is NULL and, when `message` is not NULL,
 * up to message_size bytes of explanation are written there. */
icarl_status icarl_create(const icarl_config *config, icarl_learner **learner_out,
                          char *message, size_t message_size);
void icarl_destroy(icarl_learner *learner); /* NULL is fine */

/* The detail of the last failure on this learner ("" if none); valid until the next call. */
const char *icarl_last_error(const icarl_learner *learner);

icarl_status icarl_get_config(const icarl_learner *learner, icarl_config *config_out);
/* Changes the mutable fields (memory and the schedule); architecture fields must match, except
 * input_size while the learner has no class yet (a starter run at another size). */
icarl_status icarl_reconfigure(icarl_learner *learner, const icarl_config *config);

/* Queues images for `class_name` (new or already known) for the next step. Each image is
 * centre-cropped and resized now and kept as input_size^2 * channels bytes. */
icarl_status icarl_add_examples(icarl_learner *learner, const char *class_name,
                                const icarl_image *images, int32_t count);

/* Classes in the order they were first added; trained or only pending. */
int32_t icarl_class_count(const icarl_learner *learner);

/* Renames class `name` (trained or pending) to `new_name`, which must be a valid class name not
 * in use. ICARL_ERROR_UNKNOWN_CLASS when there is no class `name`; not during a step. */
icarl_status icarl_rename_class(icarl_learner *learner, const char *name, const char *new_name);

/* Forgets class `name`: its exemplars, its pending images, its class mean and its output unit
 * go, and later classes move up one index. The other classes keep their exemplars, means and
 * output units, so their nearest-mean predictions are unchanged. The shared representation is
 * not retrained: what it learned from the class stays in its weights, harmlessly (no mean and no
 * output point to the class any more). The memory the class held is shared out among the others
 * at the next step (m = K / t). Not during a step. */
icarl_status icarl_remove_class(icarl_learner *learner, const char *name);

typedef struct icarl_class_info {
    const char *name;   /* owned by the learner; valid until it adds a class, loads or dies */
    int32_t exemplars;  /* images kept in memory for this class */
    int32_t pending;    /* images added since the last step */
    int32_t trained;    /* 1 once a step has learned this class */
    float threshold;    /* its "unknown" threshold (icarl_prediction); -infinity when it flags
                         * nothing (untrained, no exemplars, no class means) */
    float typical;      /* its typical similarity, where confidence reaches 1 */
} icarl_class_info;
icarl_status icarl_class_info_get(const icarl_learner *learner, int32_t index,
                                  icarl_class_info *info_out);

/* Copies exemplar `rank` of class `class_index` (rank 0 = herding's first pick, the highest
 * priority) into pixels_out as the engine keeps it: input_size^2 * channels bytes, HWC, after
 * the centre crop and resize. `size` is the room in pixels_out. An index or rank out of range,
 * or too little room, gives ICARL_ERROR_INVALID_ARGUMENT and writes nothing. For showing what
 * herding chose; the bytes are a copy. */
icarl_status icarl_exemplar_image(const icarl_learner *learner, int32_t class_index, int32_t rank,
                                  uint8_t *pixels_out, size_t size);

typedef struct icarl_memory_info {
    int32_t capacity;   /* K */
    int32_t used;       /* exemplars kept over all classes */
    int32_t per_class;  /* m = floor(K / trained classes) after the last step, 0 before */
} icarl_memory_info;
icarl_status icarl_memory_info_get(const icarl_learner *learner, icarl_memory_info *info_out);

/* ---- One incremental step (paper Alg. 2), run in slices so callers can report progress and
 * cancel. Nothing changes in the learner until the step publishes its results: at its end, or
 * earlier when the caller asks (icarl_step_publish), after which training goes on and later
 * publications improve on it. A cancelled or diverged step leaves the learner as its last
 * publication left it, or exactly as it was before the step. Between slices the learner
 * classifies and saves what it has published; adding examples, reconfiguring and editing classes
 * wait for the step to end (ICARL_ERROR_WRONG_STATE). */
typedef enum icarl_phase {
    ICARL_PHASE_IDLE = 0,
    ICARL_PHASE_TARGETS,   /* the old network's outputs on the training set (Alg. 3) */
    ICARL_PHASE_TRAINING,  /* SGD epochs */
    ICARL_PHASE_HERDING,   /* exemplar selection (Alg. 4, 5) */
    ICARL_PHASE_MEANS,     /* class means for the nearest-mean classifier */
    ICARL_PHASE_DONE
} icarl_phase;

/* "idle", "targets", "training", "herding", "means", "done"; "unknown" otherwise. */
const char *icarl_phase_name(icarl_phase phase);

typedef struct icarl_progress {
    int32_t phase;      /* icarl_phase */
    int32_t epoch;      /* 1-based while training */
    int32_t epochs;
    int64_t done;       /* work units finished in the whole step */
    int64_t total;      /* work units in the whole step; done == total at the end */
    float loss;         /* mean training loss of the current epoch so far */
    float learning_rate;
    int32_t updates;         /* SGD updates made so far */
    int32_t planned_updates; /* updates the schedule plans (the step may stop earlier) */
    int32_t published;       /* publications so far (icarl_step_publish, and the end) */
    int32_t publishing;      /* 1 while herding and means run for a publication mid-step */
} icarl_progress;

icarl_status icarl_step_begin(icarl_learner *learner);
/* Does at most `max_units` units of work (one unit ~ one minibatch) and reports progress.
 * The step is finished and committed when progress_out->phase == ICARL_PHASE_DONE. */
icarl_status icarl_step_continue(icarl_learner *learner, int32_t max_units,
                                 icarl_progress *progress_out);
/* Abandons a running step; the learner is as its last publication left it, or as before
 * icarl_step_begin. */
icarl_status icarl_step_cancel(icarl_learner *learner);

/* Asks the running step to publish what it has learned so far: after the current training unit
 * it herds and computes the class means with the network as trained up to now (in units, phases
 * HERDING and MEANS with progress.publishing set; they do not advance progress.done), makes them
 * the learner's, as if the step had ended there, and trains on. A step that publishes ends with
 * the same learner as one that does not (herding and means neither draw random numbers nor touch
 * the training state). ICARL_ERROR_WRONG_STATE when no step runs. */
icarl_status icarl_step_publish(icarl_learner *learner);

/* Runs a whole step. The callback (may be NULL) sees progress after every unit; returning
 * non-zero cancels (the call then returns ICARL_ERROR_CANCELLED). */
typedef int (*icarl_progress_callback)(const icarl_progress *progress, void *user);
icarl_status icarl_step(icarl_learner *learner, icarl_progress_callback callback, void *user);

/* Wall-clock seconds the last step begun on this learner has spent in each phase so far, indexed
 * by icarl_phase (IDLE and DONE stay 0; all 0 before the first step), so callers can see what a
 * step's time went to, e.g. that herding and class means do not dominate it. */
icarl_status icarl_step_phase_seconds(const icarl_learner *learner,
                                      double seconds_out[ICARL_PHASE_DONE + 1]);

/* The number of threads the learner's compute work is split over (icarl_config.threads, or the
 * default for 0; 1 in builds without threads, or when its threads could not be started).
 * Results never depend on it, only speed. */
int32_t icarl_thread_count(const icarl_learner *learner);

/* ---- Classification (Alg. 1). label_out gets the nearest-mean class index (for methods with no
 * exemplars: the network's best output). nme_scores (may be NULL) gets, per trained class, the
 * cosine similarity of the image's normalised feature with the class mean; cnn_scores (may be
 * NULL) the network's own outputs (sigmoid, or softmax for ICARL_LOSS_SOFTMAX_KD). Both arrays
 * hold icarl_class_count() floats; classes not yet trained get -1. */
icarl_status icarl_classify(icarl_learner *learner, const icarl_image *image, int32_t *label_out,
                            float *nme_scores, float *cnn_scores);

/* What icarl_predict says about one image. */
typedef struct icarl_prediction {
    int32_t label;      /* as icarl_classify's label */
    int32_t unknown;    /* 1 when the image resembles none of the trained classes: its cosine
                         * similarity with the nearest class mean is below that class's threshold,
                         * calibrated at every step from randomly augmented views of the class's
                         * own exemplars (never for methods without class means, nor for a
                         * checkpoint saved before thresholds existed, until its next step) */
    float score;        /* that cosine similarity (-1 without class means) */
    float threshold;    /* the label's threshold (-infinity when it flags nothing) */
    float confidence;   /* 0 at or below the threshold, 1 at the class's typical similarity */
} icarl_prediction;

/* icarl_classify with the "none of my classes" answer: fills prediction_out; nme_scores and
 * cnn_scores as for icarl_classify (may be NULL). */
icarl_status icarl_predict(icarl_learner *learner, const icarl_image *image,
                           icarl_prediction *prediction_out, float *nme_scores, float *cnn_scores);

/* Classifies `count` images already at model size (input_size^2 * channels bytes each, HWC),
 * batched for speed. Either label array may be NULL. */
icarl_status icarl_classify_prepared(icarl_learner *learner, const uint8_t *pixels, int32_t count,
                                     int32_t *nme_labels_out, int32_t *cnn_labels_out);

/* ---- Checkpoints (docs/design.md): the whole learner, the same bytes natively and in wasm. */
icarl_status icarl_save(icarl_learner *learner, uint8_t **bytes_out, size_t *size_out);
icarl_status icarl_load(const uint8_t *bytes, size_t size, icarl_learner **learner_out,
                        char *message, size_t message_size);
/* Writes to a temporary file beside `path`, then renames it: an old file is never damaged. */
icarl_status icarl_save_file(icarl_learner *learner, const char *path);
icarl_status icarl_load_file(const char *path, icarl_learner **learner_out, char *message,
                             size_t message_size);

void icarl_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif /* ICARL_H */
