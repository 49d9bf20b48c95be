/* test_losses.c - the two losses (src/nn/loss_sigmoid.c, src/nn/loss_softmax_kd.c) against
 * hand-computed values, their stability at |logit| = 100, and finite-difference checks of their
 * gradients. */
#include <math.h>
#include <stdlib.h>

#include "core/random.h"
#include "harness.h"
#include "nn/loss_sigmoid.h"
#include "nn/loss_softmax_kd.h"

static void test_sigmoid_values(void) {
    /* one row: z = (0, 2, -1), t = (1, 0, 0.5):
     * log 2 + (2 + log(1 + e^-2)) + (0.5 + log(1 + e^-1)) = 3.633337... */
    float logits[6] = {0.0f, 2.0f, -1.0f, 0.0f, 2.0f, -1.0f};
    float targets[6] = {1.0f, 0.0f, 0.5f, 1.0f, 0.0f, 0.5f};
    float grad[6];
    float loss = sigmoid_bce_loss(1, 3, logits, targets, grad);
    CHECK_NEAR(loss, 3.6333372, 1e-5);
    CHECK_NEAR(grad[0], 0.5 - 1.0, 1e-6);
    CHECK_NEAR(grad[1], 1.0 / (1.0 + exp(-2.0)), 1e-6);
    CHECK_NEAR(grad[2], 1.0 / (1.0 + exp(1.0)) - 0.5, 1e-6);
    /* two identical rows: the loss is averaged over the batch, the gradient divided by N */
    loss = sigmoid_bce_loss(2, 3, logits, targets, grad);
    CHECK_NEAR(loss, 3.6333372, 1e-5);
    CHECK_NEAR(grad[4], 0.5 / (1.0 + exp(-2.0)), 1e-6);
}

static void test_sigmoid_stability(void) {
    float logits[4] = {100.0f, 100.0f, -100.0f, -100.0f};
    float targets[4] = {1.0f, 0.0f, 1.0f, 0.0f};
    float grad[4];
    float loss = sigmoid_bce_loss(1, 4, logits, targets, grad);
    CHECK(isfinite(loss));
    CHECK_NEAR(loss, 200.0, 1e-3); /* the two wrong outputs cost 100 each, the right ones ~0 */
    CHECK_NEAR(grad[0], 0.0, 1e-6);
    CHECK_NEAR(grad[1], 1.0, 1e-6);
    CHECK_NEAR(grad[2], -1.0, 1e-6);
    CHECK_NEAR(grad[3], 0.0, 1e-6);
    for (int i = 0; i < 4; i++) CHECK(isfinite(grad[i]));
}

static void test_softmax_kd_values(void) {
    /* CE of z = (1, 2, 3) with label 2: log(e + e^2 + e^3) - 3 */
    float logits[3] = {1.0f, 2.0f, 3.0f};
    int label = 2;
    float grad[3];
    double ce = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0;
    CHECK_NEAR(ce, 0.40760596, 1e-7);
    float loss = softmax_kd_loss(1, 3, logits, &label, 0, NULL, 2.0f, grad);
    CHECK_NEAR(loss, ce, 1e-6);
    double sum = exp(1.0) + exp(2.0) + exp(3.0);
    CHECK_NEAR(grad[0], exp(1.0) / sum, 1e-6);
    CHECK_NEAR(grad[2], exp(3.0) / sum - 1.0, 1e-6);

    /* KD with old logits (0, 1), T = 2: p = softmax(0, 0.5), q = softmax(0.5, 1) = p, so KD is
     * the entropy of p: 0.6628473... */
    float old_logits[2] = {0.0f, 1.0f};
    double p0 = 1.0 / (1.0 + exp(0.5)), p1 = 1.0 - p0;
    double kd = -(p0 * log(p0) + p1 * log(p1));
    CHECK_NEAR(kd, 0.6628473, 1e-6);
    loss = softmax_kd_loss(1, 3, logits, &label, 2, old_logits, 2.0f, grad);
    CHECK_NEAR(loss, ce + kd, 1e-6);
    /* q == p so the KD gradient vanishes and only CE remains */
    CHECK_NEAR(grad[0], exp(1.0) / sum, 1e-6);
}

static void test_softmax_kd_stability(void) {
    float logits[6] = {100.0f, -100.0f, 0.0f, -100.0f, 100.0f, 50.0f};
    float old_logits[4] = {-100.0f, 100.0f, 100.0f, -100.0f};
    int labels[2] = {1, 0};
    float grad[6];
    float loss = softmax_kd_loss(2, 3, logits, labels, 2, old_logits, 2.0f, grad);
    CHECK(isfinite(loss));
    /* row 0: CE = 200, KD = -log q_1 = (100 - (-100)) / 2 = 100; row 1: CE = 200, KD = 100 */
    CHECK_NEAR(loss, 300.0, 1e-2);
    for (int i = 0; i < 6; i++) CHECK(isfinite(grad[i]));
}

/* Central difference of a loss along a random direction against the analytic gradient. */
typedef float (*loss_function)(void *context, const float *logits, float *grad);

static void check_loss_gradient(const char *name, loss_function loss, void *context, int count,
                                uint64_t seed) {
    random_state random;
    random_seed(&random, seed, 1);
    float *logits = malloc(count * sizeof(float)), *grad = malloc(count * sizeof(float));
    float *shifted = malloc(count * sizeof(float)), *scratch = malloc(count * sizeof(float));
    float *direction = malloc(count * sizeof(float));
    for (int i = 0; i < count; i++) {
        logits[i] = 2.0f * random_normal(&random);
        direction[i] = random_normal(&random);
    }
    loss(context, logits, grad);
    double analytic = 0.0, magnitude = 0.0;
    for (int i = 0; i < count; i++) {
        analytic += (double)grad[i] * direction[i];
        magnitude += fabs(grad[i]);
    }
    const float epsilon = 1e-2f; /* the losses are smooth: a large step keeps rounding small */
    for (int i = 0; i < count; i++) shifted[i] = logits[i] + epsilon * direction[i];
    double plus = loss(context, shifted, scratch);
    for (int i = 0; i < count; i++) shifted[i] = logits[i] - epsilon * direction[i];
    double minus = loss(context, shifted, scratch);
    double numeric = (plus - minus) / (2.0 * epsilon);
    double error = fabs(numeric - analytic) / fmax(fmax(fabs(numeric), fabs(analytic)), 1e-3);
    CHECK_MESSAGE(magnitude > 0.0, "%s: analytic gradient is all zero", name);
    CHECK_MESSAGE(error < 2e-3, "%s: analytic %.7g numeric %.7g (relative error %.3g)", name,
                  analytic, numeric, error);
    free(logits);
    free(grad);
    free(shifted);
    free(scratch);
    free(direction);
}

typedef struct loss_case {
    int batch, classes, old_classes;
    const float *targets;
    const int *labels;
    const float *old_logits;
} loss_case;

static float sigmoid_case(void *context, const float *logits, float *grad) {
    const loss_case *c = context;
    return sigmoid_bce_loss(c->batch, c->classes, logits, c->targets, grad);
}

static float softmax_case(void *context, const float *logits, float *grad) {
    const loss_case *c = context;
    return softmax_kd_loss(c->batch, c->classes, logits, c->labels, c->old_classes, c->old_logits,
                           2.0f, grad);
}

static void test_loss_gradients(void) {
    enum { BATCH = 4, CLASSES = 5, OLD = 3 };
    float targets[BATCH * CLASSES], old_logits[BATCH * OLD];
    int labels[BATCH] = {0, 4, 3, 1};
    random_state random;
    random_seed(&random, 7, 0);
    for (int i = 0; i < BATCH * CLASSES; i++) targets[i] = random_uniform(&random);
    for (int i = 0; i < BATCH * OLD; i++) old_logits[i] = 3.0f * random_normal(&random);
    loss_case c = {BATCH, CLASSES, OLD, targets, labels, old_logits};
    check_loss_gradient("sigmoid_bce", sigmoid_case, &c, BATCH * CLASSES, 11);
    check_loss_gradient("softmax_kd", softmax_case, &c, BATCH * CLASSES, 12);
    loss_case no_old = {BATCH, CLASSES, 0, targets, labels, NULL};
    check_loss_gradient("softmax_ce_only", softmax_case, &no_old, BATCH * CLASSES, 13);
}

int main(void) {
    RUN(test_sigmoid_values);
    RUN(test_sigmoid_stability);
    RUN(test_softmax_kd_values);
    RUN(test_softmax_kd_stability);
    RUN(test_loss_gradients);
    return HARNESS_RESULT();
}
