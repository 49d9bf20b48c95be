/* test_sgd.c - the SGD update with momentum and weight decay and the step learning-rate schedule
 * (src/nn/sgd.c) against numbers worked out by hand. */
#include "harness.h"
#include "nn/sgd.h"

static void test_sgd_update(void) {
    /* v = 0.9 * 0.2 + (0.5 + 0.01 * 1) = 0.69, w = 1 - 0.1 * 0.69 = 0.931; then
     * v = 0.9 * 0.69 + (0.5 + 0.01 * 0.931) = 1.13031, w = 0.931 - 0.113031 = 0.817969 */
    float w[2] = {1.0f, -2.0f}, g[2] = {0.5f, 0.0f}, v[2] = {0.2f, 0.0f};
    sgd_update(2, w, g, v, 0.1f, 0.9f, 0.01f);
    CHECK_NEAR(v[0], 0.69, 1e-6);
    CHECK_NEAR(w[0], 0.931, 1e-6);
    CHECK_NEAR(v[1], -0.02, 1e-7); /* decay alone pulls a zero-gradient weight to 0 */
    CHECK_NEAR(w[1], -1.998, 1e-6);
    sgd_update(2, w, g, v, 0.1f, 0.9f, 0.01f);
    CHECK_NEAR(v[0], 1.13031, 1e-6);
    CHECK_NEAR(w[0], 0.817969, 1e-6);
}

static void test_step_schedule(void) {
    const float at[2] = {0.7f, 0.9f};
    for (int e = 0; e < 7; e++) CHECK_NEAR(step_learning_rate(0.1f, e, 10, at, 5.0f), 0.1, 1e-7);
    CHECK_NEAR(step_learning_rate(0.1f, 7, 10, at, 5.0f), 0.02, 1e-7);
    CHECK_NEAR(step_learning_rate(0.1f, 8, 10, at, 5.0f), 0.02, 1e-7);
    CHECK_NEAR(step_learning_rate(0.1f, 9, 10, at, 5.0f), 0.004, 1e-8);
    CHECK_NEAR(step_learning_rate(0.1f, 20, 30, at, 5.0f), 0.1, 1e-7);
    CHECK_NEAR(step_learning_rate(0.1f, 21, 30, at, 5.0f), 0.02, 1e-7);
    CHECK_NEAR(step_learning_rate(0.1f, 27, 30, at, 5.0f), 0.004, 1e-8);
    /* 3 epochs: milestones round to 2 and 3 */
    CHECK_NEAR(step_learning_rate(2.0f, 1, 3, at, 5.0f), 2.0, 1e-6);
    CHECK_NEAR(step_learning_rate(2.0f, 2, 3, at, 5.0f), 0.4, 1e-6);
}

int main(void) {
    RUN(test_sgd_update);
    RUN(test_step_schedule);
    return HARNESS_RESULT();
}
