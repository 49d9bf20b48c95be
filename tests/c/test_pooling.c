/* test_pooling.c - global average pooling (src/nn/pooling.c): the (C, N, pixels) -> (N, C)
 * layout against a hand sum, and a numerical gradient check. */
#include <stdlib.h>

#include "gradient_check.h"
#include "harness.h"
#include "nn/pooling.h"

typedef struct pooling_case {
    int channels, batch, pixels;
    size_t count;
    float *x, *y, *r;
} pooling_case;

static double pool_objective(void *context) {
    pooling_case *c = context;
    global_average_pool_forward(c->channels, c->batch, c->pixels, c->x, c->y);
    return weighted_sum((size_t)c->channels * c->batch, c->r, c->y);
}

static void test_pooling(void) {
    random_state random;
    random_seed(&random, 51, 0);
    pooling_case c = {.channels = 4, .batch = 3, .pixels = 7 * 7};
    c.count = (size_t)c.channels * c.batch * c.pixels;
    c.x = random_buffer(&random, c.count, 1.0f);
    c.r = random_buffer(&random, (size_t)c.channels * c.batch, 1.0f);
    c.y = malloc((size_t)c.channels * c.batch * sizeof(float));
    float *grad = malloc(c.count * sizeof(float));
    pool_objective(&c);
    /* layout: features (N, C) from (C, N, pixels) */
    double sum = 0.0;
    for (int p = 0; p < c.pixels; p++) sum += c.x[((size_t)2 * c.batch + 1) * c.pixels + p];
    CHECK_NEAR(c.y[1 * c.channels + 2], sum / c.pixels, 1e-6);
    global_average_pool_backward(c.channels, c.batch, c.pixels, c.r, grad);
    check_gradient("pooling", pool_objective, &c, c.x, grad, c.count, 1e-2f, 1e-3, 52);
    free(grad);
    free(c.x);
    free(c.r);
    free(c.y);
}

int main(void) {
    RUN(test_pooling);
    return HARNESS_RESULT();
}
