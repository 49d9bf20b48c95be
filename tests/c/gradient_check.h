/* gradient_check.h - the numerical gradient check the layer tests share: a layer's output y is
 * reduced to the objective sum_i r_i y_i with fixed random weights r (so backward is fed
 * grad_y = r), and the analytic gradient's product with a random direction is compared with
 * central differences along it, in double. The check insists the analytic gradient is not all
 * zero. */
#ifndef ICARL_TEST_GRADIENT_CHECK_H
#define ICARL_TEST_GRADIENT_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"

/* The objective every check differentiates, computed in double to keep rounding small. */
typedef double (*objective_function)(void *context);

static inline float *random_buffer(random_state *random, size_t count, float scale) {
    float *buffer = malloc(count * sizeof(float) + 1);
    for (size_t i = 0; i < count; i++) buffer[i] = scale * random_normal(random);
    return buffer;
}

static inline double weighted_sum(size_t count, const float *r, const float *y) {
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += (double)r[i] * y[i];
    return sum;
}

/* Perturbs x (count) along a random direction d by +-epsilon, restores it, and compares
 * (f(x + e d) - f(x - e d)) / 2e with grad . d. */
static inline void check_gradient(const char *name, objective_function f, void *context, float *x,
                           const float *grad, size_t count, float epsilon, double tolerance,
                           uint64_t seed) {
    random_state random;
    random_seed(&random, seed, 99);
    float *saved = malloc(count * sizeof(float) + 1);
    float *direction = random_buffer(&random, count, 1.0f);
    memcpy(saved, x, count * sizeof(float));
    double analytic = 0.0, magnitude = 0.0;
    for (size_t i = 0; i < count; i++) {
        analytic += (double)grad[i] * direction[i];
        magnitude += fabs(grad[i]);
    }
    for (size_t i = 0; i < count; i++) x[i] = saved[i] + epsilon * direction[i];
    double plus = f(context);
    for (size_t i = 0; i < count; i++) x[i] = saved[i] - epsilon * direction[i];
    double minus = f(context);
    memcpy(x, saved, count * sizeof(float));
    double numeric = (plus - minus) / (2.0 * epsilon);
    double error = fabs(numeric - analytic) / fmax(fmax(fabs(numeric), fabs(analytic)), 1e-6);
    CHECK_MESSAGE(magnitude > 0.0, "%s: analytic gradient is all zero", name);
    CHECK_MESSAGE(error < tolerance, "%s: analytic %.7g numeric %.7g (relative error %.3g)", name,
                  analytic, numeric, error);
    free(saved);
    free(direction);
}

#endif
