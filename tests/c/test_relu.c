/* test_relu.c - ReLU (src/nn/relu.c): numerical gradient check away from the kink, and forward
 * and backward in place giving the same values. */
#include <stdlib.h>
#include <string.h>

#include "gradient_check.h"
#include "harness.h"
#include "nn/relu.h"

typedef struct relu_case {
    size_t count;
    float *x, *y, *r;
} relu_case;

static double relu_objective(void *context) {
    relu_case *c = context;
    relu_forward(c->count, c->x, c->y);
    return weighted_sum(c->count, c->r, c->y);
}

static void test_relu(void) {
    random_state random;
    random_seed(&random, 31, 0);
    relu_case c = {.count = 200};
    c.x = random_buffer(&random, c.count, 1.0f);
    /* keep every input at least 0.1 from the kink so the epsilon step never crosses it */
    for (size_t i = 0; i < c.count; i++) c.x[i] += c.x[i] >= 0.0f ? 0.1f : -0.1f;
    c.r = random_buffer(&random, c.count, 1.0f);
    c.y = malloc(c.count * sizeof(float));
    float *grad = malloc(c.count * sizeof(float));
    relu_objective(&c);
    relu_backward(c.count, c.y, c.r, grad);
    check_gradient("relu", relu_objective, &c, c.x, grad, c.count, 1e-2f, 1e-4, 32);
    /* in place, forward and backward (recompute y: the check left it at x - epsilon d) */
    relu_objective(&c);
    float *copy = malloc(c.count * sizeof(float)), *g2 = malloc(c.count * sizeof(float));
    memcpy(copy, c.x, c.count * sizeof(float));
    relu_forward(c.count, copy, copy);
    CHECK(memcmp(copy, c.y, c.count * sizeof(float)) == 0);
    memcpy(g2, c.r, c.count * sizeof(float));
    relu_backward(c.count, c.y, g2, g2);
    CHECK(memcmp(g2, grad, c.count * sizeof(float)) == 0);
    free(copy);
    free(g2);
    free(grad);
    free(c.x);
    free(c.r);
    free(c.y);
}

int main(void) {
    RUN(test_relu);
    return HARNESS_RESULT();
}
