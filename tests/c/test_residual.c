/* test_residual.c - the residual add (src/nn/residual.c): numerical gradient checks of both
 * inputs, with the second branch's gradient accumulated onto what it already holds. */
#include <stdlib.h>

#include "gradient_check.h"
#include "harness.h"
#include "nn/residual.h"

typedef struct residual_case {
    size_t count;
    float *x, *b, *y, *r;
} residual_case;

static double residual_objective(void *context) {
    residual_case *c = context;
    residual_add_forward(c->count, c->x, c->b, c->y);
    return weighted_sum(c->count, c->r, c->y);
}

static void test_residual(void) {
    random_state random;
    random_seed(&random, 41, 0);
    residual_case c = {.count = 150};
    c.x = random_buffer(&random, c.count, 1.0f);
    c.b = random_buffer(&random, c.count, 1.0f);
    c.r = random_buffer(&random, c.count, 1.0f);
    c.y = malloc(c.count * sizeof(float));
    float *grad_a = calloc(c.count, sizeof(float)), *grad_b = malloc(c.count * sizeof(float));
    /* grad_b already holds some gradient; the add must accumulate onto it */
    for (size_t i = 0; i < c.count; i++) grad_b[i] = 0.5f;
    residual_add_backward(c.count, c.r, grad_a);
    residual_add_backward(c.count, c.r, grad_b);
    check_gradient("residual: a", residual_objective, &c, c.x, grad_a, c.count, 1e-2f, 1e-4, 42);
    for (size_t i = 0; i < c.count; i++) grad_b[i] -= 0.5f;
    check_gradient("residual: b", residual_objective, &c, c.b, grad_b, c.count, 1e-2f, 1e-4, 43);
    free(grad_a);
    free(grad_b);
    free(c.x);
    free(c.b);
    free(c.r);
    free(c.y);
}

int main(void) {
    RUN(test_residual);
    return HARNESS_RESULT();
}
