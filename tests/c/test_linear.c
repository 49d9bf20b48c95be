/* test_linear.c - the linear head (src/nn/linear.c): one output against a hand dot product, and
 * numerical gradient checks of x, weight and bias. */
#include <stdlib.h>

#include "gradient_check.h"
#include "harness.h"
#include "kernels/compute.h"
#include "nn/linear.h"

typedef struct linear_case {
    compute_context *compute;
    int batch, in, out;
    float *x, *weight, *bias, *y, *r;
} linear_case;

static double linear_objective(void *context) {
    linear_case *c = context;
    linear_forward(c->compute, c->batch, c->in, c->out, c->x, c->weight, c->bias, c->y);
    return weighted_sum((size_t)c->batch * c->out, c->r, c->y);
}

static void test_linear(void) {
    random_state random;
    random_seed(&random, 61, 0);
    linear_case c = {.batch = 5, .in = 7, .out = 3};
    CHECK(compute_context_create(NULL, &c.compute) == ICARL_OK);
    c.x = random_buffer(&random, (size_t)c.batch * c.in, 1.0f);
    c.weight = random_buffer(&random, (size_t)c.out * c.in, 1.0f);
    c.bias = random_buffer(&random, c.out, 1.0f);
    c.r = random_buffer(&random, (size_t)c.batch * c.out, 1.0f);
    c.y = malloc((size_t)c.batch * c.out * sizeof(float));
    linear_objective(&c);
    double expected = c.bias[2];
    for (int i = 0; i < c.in; i++) expected += (double)c.x[4 * c.in + i] * c.weight[2 * c.in + i];
    CHECK_NEAR(c.y[4 * c.out + 2], expected, 1e-5);
    float *grad_x = malloc((size_t)c.batch * c.in * sizeof(float));
    float *grad_weight = malloc((size_t)c.out * c.in * sizeof(float)), grad_bias[3];
    linear_backward(c.compute, c.batch, c.in, c.out, c.x, c.weight, c.r, grad_x, grad_weight,
                    grad_bias);
    check_gradient("linear: x", linear_objective, &c, c.x, grad_x, (size_t)c.batch * c.in, 1e-2f,
                   1e-3, 62);
    check_gradient("linear: weight", linear_objective, &c, c.weight, grad_weight,
                   (size_t)c.out * c.in, 1e-2f, 1e-3, 63);
    check_gradient("linear: bias", linear_objective, &c, c.bias, grad_bias, 3, 1e-2f, 1e-3, 64);
    free(grad_x);
    free(grad_weight);
    free(c.x);
    free(c.weight);
    free(c.bias);
    free(c.r);
    free(c.y);
    compute_context_destroy(c.compute);
}

int main(void) {
    RUN(test_linear);
    return HARNESS_RESULT();
}
