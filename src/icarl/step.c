/* step.c - one incremental step, paper Alg. 2, as a resumable state machine:
 *   TARGETS  the old network's logits on the whole training set (Alg. 3 stores q beforehand)
 *   TRAINING SGD on new images + exemplars, classification + distillation loss (Alg. 3), for
 *            the configured schedule (epochs, or updates with a floor and early stopping)
 *   HERDING  reduce old exemplar sets to m (Alg. 5), herd new ones from their candidates (Alg. 4)
 *   MEANS    class means of the new exemplar sets for the nearest-mean classifier (Alg. 1)
 * All of it works on copies (the training images, parameters, BatchNorm statistics, exemplar
 * sets, means) that reach the learner only when the step publishes: at its end, or earlier when
 * the caller asks (icarl_step_publish: herding and means on the network as trained so far, then
 * training goes on). Cancelling or diverging leaves the learner as the last publication left it,
 * or as before the step. One work unit is one minibatch through the network. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11, for the per-phase times */
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "icarl/calibration.h"
#include "icarl/herding.h"
#include "icarl/learner_internal.h"
#include "nn/linear.h"
#include "nn/loss_sigmoid.h"
#include "nn/loss_softmax_kd.h"
#include "nn/sgd.h"

#include <time.h>

typedef struct step_state {
    int phase;
    int publish_requested;     /* publish at the next training unit's end */
    int publishing;            /* herding and means run for a publication, then training resumes */
    int published;             /* publications so far */
    int training_done;         /* the schedule has ended (or stopped early) */
    int old_outputs;           /* output units before the step */
    int new_outputs;           /* after: every class with images */
    int distill, keep_exemplars, train_backbone, use_means;
    uint8_t *class_updated;    /* (new_outputs) 1 where the class has new images this step */

    /* The step's own copy of its images, per class its new images then its old exemplars, so the
     * learner's lists may change when the step publishes. */
    uint8_t *images;
    int32_t *class_first;      /* (new_outputs) first image of each class in `images` */
    int32_t *new_count;        /* (new_outputs) new images of each class */
    int32_t *old_count;        /* (new_outputs) old exemplars of each class (kept or not) */

    /* Training set: pointers into `images`. */
    int32_t train_count;
    const uint8_t **train_images;
    int32_t *train_labels;
    int32_t *order;
    float *old_logits;         /* (train_count, old_outputs) */

    /* Working copies. */
    size_t parameter_count;
    float *parameters, *gradients, *velocity, *state;
    float *targets, *grad_logits, *grad_features; /* (B, new_outputs), (B, D) */
    const uint8_t **batch_images;
    int32_t *batch_labels;
    random_state random;

    int epoch, batches_per_epoch, batch_index, targets_done;
    int updates, planned_updates, warmup_updates;
    double epoch_loss;
    int epoch_loss_batches;
    float last_epoch_loss;     /* mean loss of the last finished epoch, reported between epochs */
    /* Early stopping of the updates schedule: the loss averaged over windows of updates. */
    int window;
    double window_loss, best_window_loss;
    int window_updates, stale_windows;

    /* Buffers a publication swaps into the learner, so publishing allocates nothing. */
    float *published_parameters, *published_state, *published_means, *published_calibration;

    /* Calibration of "unknown" (calibration.h): augmented views of each class's exemplars,
     * drawn from a stream seeded afresh for every herding run, so a publication's draws never
     * change the step's final result. */
    int first_steps_done;      /* learner->steps_done when the step began */
    random_state calibration_random;
    float *calibration_scores; /* (CALIBRATION_VIEWS * most exemplars of a class) */
    float *new_calibration;    /* (new_outputs, 2) */

    /* Herding and means: per class, candidates then the new ordered sets. */
    int per_class;             /* m */
    int herd_class, herd_offset, herd_count;
    const uint8_t **candidates;
    float *candidate_features; /* (candidates, D) */
    int32_t *herd_order;
    double *herd_scratch;
    image_list *new_exemplars; /* (new_outputs) */
    float *new_means;          /* (new_outputs, D) */
    float *mean_sums;          /* (D): sum of normalised features of one class */
    int mean_class, mean_offset, mean_pass;

    int64_t done, total;
} step_state;

void step_state_free(step_state *step) {
    if (step == NULL) return;
    free(step->images);
    free(step->class_first);
    free(step->new_count);
    free(step->old_count);
    free(step->published_parameters);
    free(step->published_state);
    free(step->published_means);
    free(step->published_calibration);
    free(step->calibration_scores);
    free(step->new_calibration);
    free(step->class_updated);
    free(step->train_images);
    free(step->train_labels);
    free(step->order);
    free(step->old_logits);
    free(step->parameters);
    free(step->gradients);
    free(step->velocity);
    free(step->state);
    free(step->targets);
    free(step->grad_logits);
    free(step->grad_features);
    free(step->batch_images);
    free(step->batch_labels);
    free(step->candidates);
    free(step->candidate_features);
    free(step->herd_order);
    free(step->herd_scratch);
    if (step->new_exemplars != NULL)
        for (int i = 0; i < step->new_outputs; i++) image_list_free(&step->new_exemplars[i]);
    free(step->new_exemplars);
    free(step->new_means);
    free(step->mean_sums);
    free(step);
}

static const uint8_t *image_at(const image_list *list, int32_t index, int image_bytes) {
    return list->pixels + (size_t)index * image_bytes;
}

/* Image `index` of class c's block in the step's copy: new images first, then old exemplars. */
static const uint8_t *step_image(const icarl_learner *learner, const step_state *step, int c,
                                 int32_t index) {
    return step->images + ((size_t)step->class_first[c] + (size_t)index) * learner->image_bytes;
}

/* Candidates for herding class c: its exemplars (if kept) and its new images. */
static int candidate_count(const icarl_learner *learner, const step_state *step, int c) {
    (void)learner;
    return (step->keep_exemplars ? step->old_count[c] : 0) + step->new_count[c];
}

static int batches(int64_t count, int batch) { return (int)((count + batch - 1) / batch); }

static int64_t herding_units(const icarl_learner *learner, const step_state *step) {
    int64_t units = 0;
    for (int c = 0; c < step->new_outputs; c++)
        if (step->class_updated[c])
            units += batches(candidate_count(learner, step, c), learner->network_batch);
    return units;
}

static int kept_count(const icarl_learner *learner, const step_state *step, int c) {
    int available = step->class_updated[c] ? candidate_count(learner, step, c)
                                           : step->old_count[c];
    return available < step->per_class ? available : step->per_class;
}

static int64_t means_units(const icarl_learner *learner, const step_state *step) {
    if (!step->use_means) return 0;
    int64_t units = 0;
    int passes = (learner->config.mean_with_flip ? 2 : 1) + CALIBRATION_VIEWS;
    for (int c = 0; c < step->new_outputs; c++)
        units += (int64_t)passes * batches(kept_count(learner, step, c), learner->network_batch);
    return units;
}

/* How many SGD updates the step plans: `epochs` passes, and with the updates schedule at least
 * min_updates and at most max_updates of them. */
static void plan_updates(const icarl_config *c, step_state *step) {
    int64_t updates = (int64_t)c->epochs * step->batches_per_epoch;
    if (c->schedule == ICARL_SCHEDULE_UPDATES) {
        if (updates < c->min_updates) updates = c->min_updates;
        if (c->max_updates > 0 && updates > c->max_updates) updates = c->max_updates;
        step->warmup_updates = (int)ceil((double)c->warmup * (double)updates);
        /* A window long enough that its mean loss is not just one batch's noise. */
        step->window = step->batches_per_epoch > 10 ? step->batches_per_epoch : 10;
    }
    step->planned_updates = updates > INT32_MAX / 2 ? INT32_MAX / 2 : (int)updates;
    step->best_window_loss = INFINITY;
}

/* The learning rate of the next update. */
static float current_learning_rate(const icarl_config *c, const step_state *step) {
    if (c->schedule == ICARL_SCHEDULE_UPDATES)
        return cosine_learning_rate(c->learning_rate, step->updates, step->planned_updates,
                                    step->warmup_updates);
    int epoch = step->epoch < c->epochs ? step->epoch : c->epochs - 1;
    return step_learning_rate(c->learning_rate, epoch, c->epochs, c->decay_at, c->decay_factor);
}

#define ALLOCATE(pointer, count)                                                             \
    do {                                                                                     \
        (pointer) = calloc((size_t)(count) > 0 ? (size_t)(count) : 1, sizeof *(pointer));    \
        if ((pointer) == NULL) goto out_of_memory;                                           \
    } while (0)

icarl_status icarl_step_begin(icarl_learner *learner) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    if (learner->step != NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE, "a training step already runs");
    const icarl_config *c = &learner->config;
    int new_outputs = learner->class_count;
    int pending_total = 0;
    for (int i = 0; i < learner->class_count; i++) pending_total += learner->classes[i].pending.count;
    if (pending_total == 0)
        return learner_fail(learner, ICARL_ERROR_NOTHING_TO_TRAIN,
                            "no new examples: add examples to a class before training");
    for (int i = learner->outputs; i < learner->class_count; i++)
        if (learner->classes[i].pending.count == 0)
            return learner_fail(learner, ICARL_ERROR_NOTHING_TO_TRAIN,
                                "class \"%s\" has no examples yet", learner->classes[i].name);

    int32_t train_count = 0;
    step_state *step = calloc(1, sizeof *step);
    if (step == NULL) return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY, "no memory");
    step->old_outputs = learner->outputs;
    step->new_outputs = new_outputs;
    step->keep_exemplars = c->method == ICARL_METHOD_ICARL || c->method == ICARL_METHOD_REPLAY;
    step->distill = (c->method == ICARL_METHOD_ICARL || c->method == ICARL_METHOD_LWF) &&
                    step->old_outputs > 0;
    step->train_backbone = !(c->method == ICARL_METHOD_FIXED && step->old_outputs > 0);
    step->use_means = step->keep_exemplars;
    step->per_class = step->keep_exemplars ? c->memory / new_outputs : 0;
    random_seed(&step->random, c->seed, 100 + (uint64_t)learner->steps_done);
    step->first_steps_done = learner->steps_done;

    ALLOCATE(step->class_updated, new_outputs);
    ALLOCATE(step->class_first, new_outputs);
    ALLOCATE(step->new_count, new_outputs);
    ALLOCATE(step->old_count, new_outputs);
    for (int i = 0; i < new_outputs; i++) {
        const learner_class *entry = &learner->classes[i];
        step->class_updated[i] = entry->pending.count > 0;
        step->class_first[i] = train_count;
        step->new_count[i] = entry->pending.count;
        step->old_count[i] = step->keep_exemplars ? entry->exemplars.count : 0;
        train_count += step->new_count[i] + step->old_count[i];
    }
    step->train_count = train_count;
    ALLOCATE(step->images, (size_t)train_count * learner->image_bytes);
    ALLOCATE(step->train_images, train_count);
    ALLOCATE(step->train_labels, train_count);
    ALLOCATE(step->order, train_count);
    for (int i = 0; i < new_outputs; i++) {
        const learner_class *entry = &learner->classes[i];
        size_t bytes = (size_t)learner->image_bytes;
        uint8_t *block = step->images + (size_t)step->class_first[i] * bytes;
        if (step->new_count[i] > 0) memcpy(block, entry->pending.pixels, step->new_count[i] * bytes);
        if (step->old_count[i] > 0)
            memcpy(block + step->new_count[i] * bytes, entry->exemplars.pixels,
                   step->old_count[i] * bytes);
        for (int32_t j = 0; j < step->new_count[i] + step->old_count[i]; j++) {
            step->train_images[step->class_first[i] + j] = step_image(learner, step, i, j);
            step->train_labels[step->class_first[i] + j] = i;
        }
    }
    for (int32_t i = 0; i < train_count; i++) step->order[i] = i;
    if (step->distill) ALLOCATE(step->old_logits, (size_t)train_count * step->old_outputs);

    /* Working parameters: the old backbone and head, new head rows initialised like PyTorch's
     * nn.Linear (uniform in +-1/sqrt(D)). */
    int d = learner->feature_size;
    step->parameter_count = learner->backbone_count + (size_t)new_outputs * (d + 1);
    ALLOCATE(step->parameters, step->parameter_count);
    ALLOCATE(step->gradients, step->parameter_count);
    ALLOCATE(step->velocity, step->parameter_count);
    ALLOCATE(step->state, learner->state_count);
    ALLOCATE(step->published_parameters, step->parameter_count);
    ALLOCATE(step->published_state, learner->state_count);
    memcpy(step->parameters, learner->parameters, learner->backbone_count * sizeof(float));
    memcpy(step->state, learner->state, learner->state_count * sizeof(float));
    float *old_weight = learner->parameters + learner->backbone_count;
    float *old_bias = old_weight + (size_t)learner->outputs * d;
    float *weight = step->parameters + learner->backbone_count;
    float *bias = weight + (size_t)new_outputs * d;
    memcpy(weight, old_weight, (size_t)learner->outputs * d * sizeof(float));
    memcpy(bias, old_bias, (size_t)learner->outputs * sizeof(float));
    random_state head_random;
    random_seed(&head_random, c->seed, 200 + (uint64_t)learner->steps_done);
    float bound = 1.0f / sqrtf((float)d);
    for (int o = learner->outputs; o < new_outputs; o++) {
        for (int j = 0; j < d; j++)
            weight[(size_t)o * d + j] = (2.0f * random_uniform(&head_random) - 1.0f) * bound;
        bias[o] = (2.0f * random_uniform(&head_random) - 1.0f) * bound;
    }

    int batch = learner->network_batch;
    ALLOCATE(step->targets, (size_t)batch * new_outputs);
    ALLOCATE(step->grad_logits, (size_t)batch * new_outputs);
    ALLOCATE(step->grad_features, (size_t)batch * d);
    ALLOCATE(step->batch_images, batch);
    ALLOCATE(step->batch_labels, batch);
    if (learner_reserve_logits(learner, new_outputs) != ICARL_OK) goto out_of_memory;

    if (step->keep_exemplars) {
        int most = 0;
        for (int i = 0; i < new_outputs; i++)
            if (step->class_updated[i] && candidate_count(learner, step, i) > most)
                most = candidate_count(learner, step, i);
        ALLOCATE(step->candidates, most);
        ALLOCATE(step->candidate_features, (size_t)most * d);
        ALLOCATE(step->herd_order, most);
        ALLOCATE(step->herd_scratch, 2 * (size_t)d + most);
        /* A class keeps at most all its candidates, or its old exemplars when it has no new
         * images. */
        int most_kept = most;
        for (int i = 0; i < new_outputs; i++)
            if (step->old_count[i] > most_kept) most_kept = step->old_count[i];
        ALLOCATE(step->calibration_scores, (size_t)CALIBRATION_VIEWS * most_kept);
        ALLOCATE(step->new_exemplars, new_outputs);
        ALLOCATE(step->new_means, (size_t)new_outputs * d);
        ALLOCATE(step->published_means, (size_t)new_outputs * d);
        ALLOCATE(step->new_calibration, (size_t)new_outputs * 2);
        ALLOCATE(step->published_calibration, (size_t)new_outputs * 2);
        ALLOCATE(step->mean_sums, d);
    }

    /* A final batch of one image would give BatchNorm a zero variance: it is dropped (the
     * shuffle changes every epoch, so no image is always left out). */
    step->batches_per_epoch = train_count / batch + (train_count % batch >= 2 ? 1 : 0);
    if (step->batches_per_epoch == 0)
        return step_state_free(step),
               learner_fail(learner, ICARL_ERROR_NOTHING_TO_TRAIN,
                            "a step needs at least 2 training images");
    plan_updates(c, step);
    step->total = (step->distill ? batches(train_count, batch) : 0) + step->planned_updates +
                  herding_units(learner, step) + means_units(learner, step);
    step->phase = step->distill ? ICARL_PHASE_TARGETS : ICARL_PHASE_TRAINING;
    learner->step = step;
    memset(learner->phase_seconds, 0, sizeof learner->phase_seconds);
    return ICARL_OK;

out_of_memory:
    step_state_free(step);
    return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY,
                        "not enough memory for a step over %d images", (int)train_count);
}

/* One batch of the old network's logits (inference, committed parameters). */
static void targets_unit(icarl_learner *learner, step_state *step) {
    int batch = learner->network_batch;
    int first = step->targets_done;
    int count = step->train_count - first < batch ? step->train_count - first : batch;
    learner_bind(learner, learner->parameters, NULL, learner->state);
    const icarl_config *c = &learner->config;
    batch_from_images(step->train_images + first, count, c->input_size, c->channels, NULL, NULL,
                      learner->input);
    resnet_forward(learner->network, learner->compute, learner->input, count, 0,
                   learner->features);
    float *weight = learner->parameters + learner->backbone_count;
    float *bias = weight + (size_t)learner->outputs * learner->feature_size;
    linear_forward(learner->compute, count, learner->feature_size, learner->outputs,
                   learner->features, weight, bias,
                   step->old_logits + (size_t)first * step->old_outputs);
    step->targets_done += count;
    if (step->targets_done >= step->train_count) step->phase = ICARL_PHASE_TRAINING;
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* The augmentations of a training batch, from the configuration. */
static augment_options training_augmentation(const icarl_config *c) {
    augment_options options = {.crop_padding = c->crop_padding, .flip = c->flip,
                               .brightness = c->brightness, .zoom = c->zoom,
                               .rotation = c->rotation, .contrast = c->contrast,
                               .saturation = c->saturation, .blur = c->blur, .noise = c->noise};
    return options;
}

/* One SGD minibatch on the working parameters. Returns 0 when the loss is not finite. */
static int training_unit(icarl_learner *learner, step_state *step, float *loss_out) {
    const icarl_config *c = &learner->config;
    int batch = learner->network_batch;
    int outputs = step->new_outputs, d = learner->feature_size;
    if (step->batch_index == 0) random_shuffle(&step->random, step->order, step->train_count);
    int first = step->batch_index * batch;
    int count = step->train_count - first < batch ? step->train_count - first : batch;
    for (int i = 0; i < count; i++) {
        int32_t example = step->order[first + i];
        step->batch_images[i] = step->train_images[example];
        step->batch_labels[i] = step->train_labels[example];
    }
    augment_options augment = training_augmentation(c);
    batch_from_images(step->batch_images, count, c->input_size, c->channels, &augment,
                      &step->random, learner->input);

    float *weight = step->parameters + learner->backbone_count;
    float *bias = weight + (size_t)outputs * d;
    float *grad_weight = step->gradients + learner->backbone_count;
    float *grad_bias = grad_weight + (size_t)outputs * d;
    learner_bind(learner, step->parameters, step->gradients, step->state);
    /* A frozen representation keeps its BatchNorm statistics too: inference mode. */
    resnet_forward(learner->network, learner->compute, learner->input, count,
                   step->train_backbone, learner->features);
    linear_forward(learner->compute, count, d, outputs, learner->features, weight, bias,
                   learner->logits);

    float loss;
    if (c->loss == ICARL_LOSS_SOFTMAX_KD) {
        /* The old network's logits of this batch, gathered in the order of the batch. */
        const float *old = NULL;
        if (step->distill) {
            for (int i = 0; i < count; i++)
                memcpy(step->targets + (size_t)i * step->old_outputs,
                       step->old_logits + (size_t)step->order[first + i] * step->old_outputs,
                       (size_t)step->old_outputs * sizeof(float));
            old = step->targets;
        }
        loss = softmax_kd_loss(count, outputs, learner->logits, step->batch_labels,
                               step->distill ? step->old_outputs : 0, old, c->temperature,
                               step->grad_logits);
    } else {
        /* Classes with new images learn from their labels; the others keep the old network's
         * outputs (distillation) or, without distillation, are pushed to 0. */
        for (int i = 0; i < count; i++) {
            const float *old = step->distill
                                   ? step->old_logits + (size_t)step->order[first + i] *
                                                            step->old_outputs
                                   : NULL;
            float *target = step->targets + (size_t)i * outputs;
            for (int o = 0; o < outputs; o++) {
                if (old != NULL && o < step->old_outputs && !step->class_updated[o])
                    target[o] = sigmoid(old[o]);
                else
                    target[o] = step->batch_labels[i] == o ? 1.0f : 0.0f;
            }
        }
        loss = sigmoid_bce_loss(count, outputs, learner->logits, step->targets,
                                step->grad_logits);
    }
    *loss_out = loss;
    if (learner->loss_observer != NULL) {
        step_loss_observation seen = {count, outputs, step->batch_images, step->batch_labels,
                                      learner->logits, step->grad_logits};
        learner->loss_observer(&seen, learner->loss_observer_user);
    }
    if (!isfinite(loss)) return 0;

    linear_backward(learner->compute, count, d, outputs, learner->features, weight,
                    step->grad_logits, step->train_backbone ? step->grad_features : NULL,
                    grad_weight, grad_bias);
    float rate = current_learning_rate(c, step);
    if (step->train_backbone) {
        resnet_backward(learner->network, learner->compute, step->grad_features);
        sgd_update(step->parameter_count, step->parameters, step->gradients, step->velocity,
                   rate, c->momentum, c->weight_decay);
    } else {
        /* The paper's fixed representation: after the first step only the weight vectors of
         * the new classes train; the backbone and the old classes' rows stay frozen. */
        int old = step->old_outputs, fresh = outputs - step->old_outputs;
        float *velocity = step->velocity + learner->backbone_count;
        sgd_update((size_t)fresh * d, weight + (size_t)old * d, grad_weight + (size_t)old * d,
                   velocity + (size_t)old * d, rate, c->momentum, c->weight_decay);
        sgd_update((size_t)fresh, bias + old, grad_bias + old, velocity + (size_t)outputs * d + old,
                   rate, c->momentum, c->weight_decay);
    }
    return 1;
}

/* Copies the chosen images of class c, in priority order, into its new exemplar set. */
static int store_exemplars(icarl_learner *learner, step_state *step, int c,
                           const uint8_t *const *images, const int32_t *order, int count) {
    image_list *list = &step->new_exemplars[c];
    if (!image_list_reserve(list, count, learner->image_bytes)) return 0;
    for (int i = 0; i < count; i++)
        memcpy(list->pixels + (size_t)i * learner->image_bytes,
               images[order != NULL ? order[i] : i], (size_t)learner->image_bytes);
    list->count = count;
    return 1;
}

/* One unit of herding: features of one batch of candidates of the current class; after the
 * last batch, the greedy selection. Classes with no new images are only reduced (Alg. 5). */
static int herding_unit(icarl_learner *learner, step_state *step) {
    int d = learner->feature_size;
    while (step->herd_class < step->new_outputs && !step->class_updated[step->herd_class]) {
        int c = step->herd_class;
        int keep = kept_count(learner, step, c);
        image_list *list = &step->new_exemplars[c];
        if (!image_list_reserve(list, keep, learner->image_bytes)) return 0;
        /* keep is 0 when K < classes: the lists may then have no buffer, and memcpy from
         * NULL is undefined even for 0 bytes (UBSan, found by tests/fuzz/fuzz_checkpoint). */
        if (keep > 0)
            memcpy(list->pixels, step_image(learner, step, c, step->new_count[c]),
                   (size_t)keep * learner->image_bytes);
        list->count = keep;
        step->herd_class++;
    }
    if (step->herd_class >= step->new_outputs) {
        step->phase = ICARL_PHASE_MEANS;
        return 1;
    }
    int c = step->herd_class;
    if (step->herd_offset == 0) { /* old exemplars first, then the new images */
        int n = 0;
        for (int32_t j = 0; j < step->old_count[c]; j++)
            step->candidates[n++] = step_image(learner, step, c, step->new_count[c] + j);
        for (int32_t j = 0; j < step->new_count[c]; j++)
            step->candidates[n++] = step_image(learner, step, c, j);
        step->herd_count = n;
    }
    learner_bind(learner, step->parameters, NULL, step->state);
    int count = step->herd_count - step->herd_offset;
    if (count > learner->network_batch) count = learner->network_batch;
    learner_features(learner, step->candidates + step->herd_offset, count, 0,
                     step->candidate_features + (size_t)step->herd_offset * d);
    step->herd_offset += count;
    if (step->herd_offset < step->herd_count) return 1;

    int keep = kept_count(learner, step, c);
    herding_select(step->candidate_features, step->herd_count, d, keep, step->herd_order,
                   step->herd_scratch);
    if (!store_exemplars(learner, step, c, step->candidates, step->herd_order, keep)) return 0;
    step->herd_class++;
    step->herd_offset = 0;
    return 1;
}

/* One unit of class means: one batch of a class's new exemplars, in passes: plain, mirrored
 * (with mean_with_flip), which give the mean; then CALIBRATION_VIEWS augmented passes scored
 * against that mean, which give the class's calibration. */
static void means_unit(icarl_learner *learner, step_state *step) {
    const icarl_config *config = &learner->config;
    int d = learner->feature_size;
    int mean_passes = config->mean_with_flip ? 2 : 1;
    int c = step->mean_class;
    const image_list *list = &step->new_exemplars[c];
    float *mean = step->new_means + (size_t)c * d;
    if (step->mean_offset == 0 && step->mean_pass == 0)
        memset(step->mean_sums, 0, (size_t)d * sizeof(float));
    int count = list->count - step->mean_offset;
    if (count > learner->network_batch) count = learner->network_batch;
    if (count > 0) {
        const uint8_t **images = step->batch_images;
        for (int i = 0; i < count; i++)
            images[i] = image_at(list, step->mean_offset + i, learner->image_bytes);
        learner_bind(learner, step->parameters, NULL, step->state);
        if (step->mean_pass < mean_passes) {
            learner_features(learner, images, count, step->mean_pass, learner->features);
            for (int i = 0; i < count; i++)
                for (int j = 0; j < d; j++)
                    step->mean_sums[j] += learner->features[(size_t)i * d + j];
        } else {
            augment_options augment = training_augmentation(config);
            batch_from_images(images, count, config->input_size, config->channels, &augment,
                              &step->calibration_random, learner->input);
            resnet_forward(learner->network, learner->compute, learner->input, count, 0,
                           learner->features);
            normalize_rows(learner->features, count, d);
            float *scores = step->calibration_scores +
                            (size_t)(step->mean_pass - mean_passes) * list->count +
                            step->mean_offset;
            for (int i = 0; i < count; i++) {
                double dot = 0.0;
                for (int j = 0; j < d; j++) dot += (double)learner->features[(size_t)i * d + j] * mean[j];
                scores[i] = (float)dot;
            }
        }
    }
    step->mean_offset += count;
    if (step->mean_offset < list->count) return;
    step->mean_offset = 0;
    if (++step->mean_pass == mean_passes) {
        memcpy(mean, step->mean_sums, (size_t)d * sizeof(float));
        normalize_rows(mean, 1, d);
    }
    if (step->mean_pass < mean_passes + CALIBRATION_VIEWS) return;
    calibration_from_scores(step->calibration_scores, CALIBRATION_VIEWS * list->count,
                            calibration_margin(step->new_outputs),
                            step->new_calibration + (size_t)c * 2);
    step->mean_pass = 0;
    step->mean_class++;
}

static void skip_empty_means(step_state *step, int d) {
    /* A class left with no exemplars (memory 0) has no mean: a zero row matches nothing. */
    while (step->mean_class < step->new_outputs &&
           step->new_exemplars[step->mean_class].count == 0) {
        memset(step->new_means + (size_t)step->mean_class * d, 0, (size_t)d * sizeof(float));
        calibration_from_scores(NULL, 0, 0.0f, step->new_calibration + (size_t)step->mean_class * 2);
        step->mean_class++;
    }
}

/* The per-batch loss check misses weights or BatchNorm statistics that overflow while the loss
 * stays finite (found by tests/fuzz/fuzz_checkpoint: a step on a learner with extreme weights
 * committed NaN parameters with status OK, and the saved learner no longer loaded; later, one
 * whose weights stayed finite while an augmented view's features overflowed, which left a NaN
 * threshold). A step only commits finite results. */
static int step_results_finite(const icarl_learner *learner, const step_state *step) {
    for (size_t i = 0; i < step->parameter_count; i++)
        if (!isfinite(step->parameters[i])) return 0;
    for (size_t i = 0; i < learner->state_count; i++)
        if (!isfinite(step->state[i])) return 0;
    if (step->use_means) {
        for (size_t i = 0; i < (size_t)step->new_outputs * learner->feature_size; i++)
            if (!isfinite(step->new_means[i])) return 0;
        for (int c = 0; c < step->new_outputs; c++)
            if (!calibration_finite(step->new_calibration + (size_t)c * 2)) return 0;
    }
    return 1;
}

static void swap_buffers(float **a, float **b) {
    float *t = *a;
    *a = *b;
    *b = t;
}

/* Puts `count` floats of `source` into the learner's buffer *owned. The first time a step
 * publishes, the learner's buffer may be smaller (fewer outputs): the step's spare, allocated at
 * the beginning, is filled and swapped in; later publications copy into it. */
static void hand_over(float **owned, float **spare, const float *source, size_t count,
                      int first) {
    if (first) {
        memcpy(*spare, source, count * sizeof(float));
        swap_buffers(owned, spare);
    } else {
        memcpy(*owned, source, count * sizeof(float));
    }
}

/* Makes the step's results so far the learner's: the network as trained up to now, the exemplar
 * sets herded with it and their means; the classes are trained and their new images are now in
 * the step's copy only. At the end of the step (`final`) its buffers are swapped in; before it,
 * copied, and training goes on. Cannot fail: everything was allocated at the beginning. */
static void publish(icarl_learner *learner, step_state *step, int final) {
    size_t means_count = (size_t)step->new_outputs * learner->feature_size;
    int first = step->published == 0;
    if (final) {
        swap_buffers(&learner->parameters, &step->parameters);
        swap_buffers(&learner->state, &step->state);
        if (step->use_means) {
            swap_buffers(&learner->class_means, &step->new_means);
            swap_buffers(&learner->class_calibration, &step->new_calibration);
        }
    } else {
        hand_over(&learner->parameters, &step->published_parameters, step->parameters,
                  step->parameter_count, first);
        hand_over(&learner->state, &step->published_state, step->state, learner->state_count,
                  first);
        if (step->use_means) {
            hand_over(&learner->class_means, &step->published_means, step->new_means,
                      means_count, first);
            hand_over(&learner->class_calibration, &step->published_calibration,
                      step->new_calibration, (size_t)step->new_outputs * 2, first);
        }
    }
    learner->outputs = step->new_outputs;
    for (int c = 0; c < step->new_outputs; c++) {
        learner_class *entry = &learner->classes[c];
        image_list_free(&entry->pending);
        entry->trained = 1;
        if (step->new_exemplars != NULL) {
            /* The step keeps the learner's former list as a buffer for its next herding. */
            image_list swap = entry->exemplars;
            entry->exemplars = step->new_exemplars[c];
            step->new_exemplars[c] = swap;
        } else {
            image_list_free(&entry->exemplars);
        }
    }
    learner->has_means = step->use_means;
    if (first) learner->steps_done++;
    step->published++;
}

static double monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Adds the time since *mark to `phase` and moves the mark to now. */
static void charge_phase(icarl_learner *learner, int phase, double *mark) {
    double t = monotonic_seconds();
    if (phase > ICARL_PHASE_IDLE && phase < ICARL_PHASE_DONE)
        learner->phase_seconds[phase] += t - *mark;
    *mark = t;
}

icarl_status icarl_step_phase_seconds(const icarl_learner *learner,
                                      double seconds_out[ICARL_PHASE_DONE + 1]) {
    if (learner == NULL || seconds_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    memcpy(seconds_out, learner->phase_seconds, sizeof learner->phase_seconds);
    return ICARL_OK;
}

/* Ends the step without committing what it has not published: the learner keeps its last
 * publication, or its state before the step. */
static void drop_step(icarl_learner *learner) {
    step_state_free(learner->step);
    learner->step = NULL;
    learner_bind(learner, learner->parameters, NULL, learner->state);
}

static const char *kept_state(const step_state *step) {
    return step->published > 0 ? "the learner keeps the step's last publication"
                               : "the learner is unchanged";
}

/* Ends the step whose results step_results_finite refused, keeping what the learner had. */
static icarl_status fail_not_finite(icarl_learner *learner, step_state *step) {
    const char *kept = kept_state(step);
    drop_step(learner);
    return learner_fail(learner, ICARL_ERROR_DIVERGED,
                        "training diverged: weights, BatchNorm statistics or features became "
                        "infinite or NaN; %s; try a lower learning rate", kept);
}

/* After a training unit: herding and means for a publication or for the end of the step, or
 * straight to the publication where the method keeps no exemplars. */
static void after_training_unit(icarl_learner *learner, step_state *step) {
    if (!step->training_done && !step->publish_requested) return;
    step->publishing = !step->training_done;
    step->publish_requested = 0;
    if (!step->keep_exemplars) {
        if (step->publishing) {
            publish(learner, step, 0);
            step->publishing = 0;
        } else {
            step->phase = ICARL_PHASE_DONE;
        }
        return;
    }
    step->herd_class = step->herd_offset = 0;
    step->mean_class = step->mean_offset = step->mean_pass = 0;
    random_seed(&step->calibration_random, learner->config.seed,
                300 + (uint64_t)step->first_steps_done);
    step->phase = ICARL_PHASE_HERDING;
}

/* Counts one update of the updates schedule and decides whether training ends: the planned
 * updates are done, or after min_updates the loss has stopped falling (`patience` windows in a
 * row without a 1% improvement on the best window). */
static void schedule_update(const icarl_config *c, step_state *step, float loss) {
    step->updates++;
    if (step->updates >= step->planned_updates) step->training_done = 1;
    if (c->schedule != ICARL_SCHEDULE_UPDATES) return;
    step->window_loss += loss;
    if (++step->window_updates == step->window) {
        double mean = step->window_loss / step->window;
        if (mean < 0.99 * step->best_window_loss) {
            step->best_window_loss = mean;
            step->stale_windows = 0;
        } else {
            step->stale_windows++;
        }
        step->window_loss = 0.0;
        step->window_updates = 0;
        if (c->patience > 0 && step->stale_windows >= c->patience &&
            step->updates >= c->min_updates) {
            step->total -= step->planned_updates - step->updates;
            step->training_done = 1;
        }
    }
}

icarl_status icarl_step_continue(icarl_learner *learner, int32_t max_units,
                                 icarl_progress *progress_out) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    step_state *step = learner->step;
    if (step == NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE,
                            "no training step runs: call icarl_step_begin first");
    const icarl_config *c = &learner->config;
    float loss = NAN;
    /* Each unit's time goes to the phase it started in (a unit that ends a phase did its work
     * there). One clock read per unit: a unit is a minibatch or more, milliseconds. */
    int timed_phase = ICARL_PHASE_IDLE;
    double mark = monotonic_seconds();
    for (int32_t unit = 0; unit < max_units && step->phase != ICARL_PHASE_DONE; unit++) {
        charge_phase(learner, timed_phase, &mark);
        timed_phase = step->phase;
        /* A publication's herding and means are extra work: they do not move the progress. */
        int counted = !step->publishing;
        switch (step->phase) {
        case ICARL_PHASE_TARGETS:
            targets_unit(learner, step);
            break;
        case ICARL_PHASE_TRAINING:
            if (!training_unit(learner, step, &loss)) {
                int epoch = step->epoch + 1;
                const char *kept = kept_state(step);
                drop_step(learner);
                return learner_fail(learner, ICARL_ERROR_DIVERGED,
                                    "training diverged in epoch %d (loss %g): %s; try a lower "
                                    "learning rate", epoch, (double)loss, kept);
            }
            step->epoch_loss += loss;
            step->epoch_loss_batches++;
            if (++step->batch_index == step->batches_per_epoch) {
                step->batch_index = 0;
                step->last_epoch_loss = (float)(step->epoch_loss / step->epoch_loss_batches);
                step->epoch_loss = 0.0;
                step->epoch_loss_batches = 0;
                step->epoch++;
            }
            schedule_update(c, step, loss);
            after_training_unit(learner, step);
            break;
        case ICARL_PHASE_HERDING:
            if (!herding_unit(learner, step)) {
                const char *kept = kept_state(step);
                drop_step(learner);
                return learner_fail(learner, ICARL_ERROR_OUT_OF_MEMORY,
                                    "no memory for the exemplar sets: %s", kept);
            }
            if (step->phase == ICARL_PHASE_MEANS) {
                skip_empty_means(step, learner->feature_size);
                unit--; /* moving between phases did no work */
                counted = 0;
                if (step->mean_class < step->new_outputs) continue;
            }
            break;
        case ICARL_PHASE_MEANS:
            means_unit(learner, step);
            skip_empty_means(step, learner->feature_size);
            break;
        }
        if (step->phase == ICARL_PHASE_MEANS && step->mean_class >= step->new_outputs) {
            if (!step_results_finite(learner, step)) return fail_not_finite(learner, step);
            if (step->publishing) {
                publish(learner, step, 0);
                step->publishing = 0;
                step->phase = ICARL_PHASE_TRAINING;
            } else {
                step->phase = ICARL_PHASE_DONE;
            }
        }
        if (counted) step->done++;
    }
    charge_phase(learner, timed_phase, &mark);
    if (progress_out != NULL) {
        int epochs = c->schedule == ICARL_SCHEDULE_UPDATES
                         ? (step->planned_updates + step->batches_per_epoch - 1) /
                               step->batches_per_epoch
                         : c->epochs;
        progress_out->phase = step->phase;
        progress_out->epoch = step->epoch < epochs ? step->epoch + 1 : epochs;
        progress_out->epochs = epochs;
        progress_out->done = step->phase == ICARL_PHASE_DONE ? step->total : step->done;
        progress_out->total = step->total;
        progress_out->loss = step->epoch_loss_batches > 0
                                 ? (float)(step->epoch_loss / step->epoch_loss_batches)
                                 : step->last_epoch_loss;
        progress_out->learning_rate = current_learning_rate(c, step);
        progress_out->updates = step->updates;
        progress_out->planned_updates = step->planned_updates;
        progress_out->published = step->published;
        progress_out->publishing = step->publishing;
    }
    if (step->phase == ICARL_PHASE_DONE) {
        if (!step->keep_exemplars && !step_results_finite(learner, step))
            return fail_not_finite(learner, step);
        publish(learner, step, 1);
        if (progress_out != NULL) progress_out->published = step->published;
        drop_step(learner);
    }
    return ICARL_OK;
}

icarl_status icarl_step_publish(icarl_learner *learner) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    learner->error[0] = '\0';
    step_state *step = learner->step;
    if (step == NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE, "no training step runs");
    if (step->phase != ICARL_PHASE_TARGETS && step->phase != ICARL_PHASE_TRAINING)
        return ICARL_OK; /* herding has begun: the step publishes soon anyway */
    step->publish_requested = 1;
    return ICARL_OK;
}

icarl_status icarl_step_cancel(icarl_learner *learner) {
    if (learner == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    if (learner->step == NULL)
        return learner_fail(learner, ICARL_ERROR_WRONG_STATE, "no training step runs");
    drop_step(learner);
    return ICARL_OK;
}

icarl_status icarl_step(icarl_learner *learner, icarl_progress_callback callback, void *user) {
    icarl_status status = icarl_step_begin(learner);
    if (status != ICARL_OK) return status;
    icarl_progress progress;
    do {
        status = icarl_step_continue(learner, 1, &progress);
        if (status != ICARL_OK) return status;
        if (callback != NULL && callback(&progress, user) != 0 &&
            progress.phase != ICARL_PHASE_DONE) {
            icarl_step_cancel(learner);
            return learner_fail(learner, ICARL_ERROR_CANCELLED,
                                "the training step was cancelled; the learner is unchanged");
        }
    } while (progress.phase != ICARL_PHASE_DONE);
    return ICARL_OK;
}
