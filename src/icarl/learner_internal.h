/* learner_internal.h - the inside of icarl_learner, shared by the files of src/icarl (creation,
 * the incremental step, classification, checkpoints) and reachable by tests. */
#ifndef ICARL_LEARNER_INTERNAL_H
#define ICARL_LEARNER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/random.h"
#include "icarl.h"
#include "kernels/compute.h"
#include "nn/resnet.h"

#define LEARNER_MAX_CLASSES 4096
#define LEARNER_MAX_NAME 256

/* Images of model size, contiguous, image_bytes each. */
typedef struct image_list {
    uint8_t *pixels;
    int32_t count;
    int32_t capacity;
} image_list;

typedef struct learner_class {
    char *name;
    image_list exemplars; /* priority order: the first m are the best m */
    image_list pending;   /* added since the last step */
    int trained;
} learner_class;

struct step_state;

/* What one training minibatch fed its loss, for tests that check the step's targets: the stored
 * images of the batch (before augmentation) with their class labels, the working network's
 * logits and the gradient the loss returned. The targets follow from them (sigmoid loss:
 * t = sigmoid(z) - count * dL/dz), and so does the distillation term of the softmax-KD loss. */
typedef struct step_loss_observation {
    int count, outputs;
    const uint8_t *const *images; /* (count) */
    const int32_t *labels;        /* (count) class indices */
    const float *logits;          /* (count, outputs) */
    const float *grad_logits;     /* (count, outputs) */
} step_loss_observation;
typedef void (*step_loss_observer)(const step_loss_observation *seen, void *user);

struct icarl_learner {
    icarl_config config;
    int image_bytes;            /* input_size^2 * channels */
    int feature_size;           /* D */

    resnet *network;
    compute_context *compute;
    int network_batch;          /* the max_batch the network was created with */

    /* [backbone | head weight (outputs, D) | head bias (outputs)] in one block. */
    float *parameters;
    size_t backbone_count;
    int outputs;                /* output units = trained classes (always a prefix of classes) */
    float *state;               /* BatchNorm running statistics */
    size_t state_count;

    learner_class *classes;
    int32_t class_count, class_capacity;
    float *class_means;         /* (outputs, D), L2-normalised; valid when has_means */
    float *class_calibration;   /* (outputs, 2): per class the score below which an image is
                                 * "unknown" and the class's typical score (calibration.c);
                                 * valid when has_means */
    int has_means;
    int32_t steps_done;

    /* Scratch sized for network_batch, so classification and steps do not allocate per batch. */
    float *input;               /* (C, B, S, S) */
    float *features;            /* (B, D) */
    float *logits;              /* (B, outputs); grows with outputs */
    int logits_capacity;        /* in outputs */
    float *scratch_gradients;   /* backbone_count, for forwards that never call backward */

    struct step_state *step;    /* non-NULL while a step runs */
    step_loss_observer loss_observer; /* tests only: sees every training minibatch; else NULL */
    void *loss_observer_user;
    double phase_seconds[ICARL_PHASE_DONE + 1]; /* of the last step begun, by icarl_phase */
    char error[256];
};

/* Records a detail message for `status` and returns it. */
icarl_status learner_fail(icarl_learner *learner, icarl_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

icarl_status config_validate(const icarl_config *config, char *message, size_t message_size);

/* Points the network at a parameter and state block; gradients may be NULL (inference). */
void learner_bind(icarl_learner *learner, float *parameters, float *gradients, float *state);

/* Makes sure the logits scratch holds network_batch * outputs floats. */
icarl_status learner_reserve_logits(icarl_learner *learner, int outputs);

/* Inference features of `count` (<= network_batch) stored images, L2-normalised rows (N, D), on
 * the currently bound parameters. flipped mirrors the images first. */
void learner_features(icarl_learner *learner, const uint8_t *const *images, int count,
                      int flipped, float *features_out);

int image_list_reserve(image_list *list, int32_t count, int image_bytes);
int image_list_append(image_list *list, const uint8_t *image, int image_bytes);
void image_list_free(image_list *list);

/* Used by the loader: a learner with config and classes but no trained state yet. */
icarl_status learner_allocate(const icarl_config *config, icarl_learner **out, char *message,
                              size_t message_size);
icarl_status learner_resize_head(icarl_learner *learner, int outputs);
int32_t learner_find_class(const icarl_learner *learner, const char *name);
icarl_status learner_add_class(icarl_learner *learner, const char *name, int32_t *index_out);

void step_state_free(struct step_state *step);

#endif
