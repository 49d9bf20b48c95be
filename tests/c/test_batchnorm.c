/* test_batchnorm.c - BatchNorm (src/nn/batchnorm.c): batch and running statistics against hand
 * arithmetic, numerical gradient checks of x, gamma and beta, backward in place, and inference
 * with the batch's statistics equal to the training output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradient_check.h"
#include "harness.h"
#include "nn/batchnorm.h"

typedef struct batchnorm_case {
    int channels, count;
    float *x, *gamma, *beta, *y, *r, *mean, *inverse_std, *running_mean, *running_var;
    float momentum;
} batchnorm_case;

static double batchnorm_objective(void *context) {
    batchnorm_case *c = context;
    batchnorm_forward_train(c->channels, c->count, c->x, c->gamma, c->beta, c->y, c->mean,
                            c->inverse_std, c->running_mean, c->running_var, c->momentum);
    return weighted_sum((size_t)c->channels * c->count, c->r, c->y);
}

static void test_batchnorm(void) {
    random_state random;
    random_seed(&random, 21, 0);
    batchnorm_case c = {.channels = 3, .count = 2 * 5 * 5, .momentum = 0.02f};
    size_t total = (size_t)c.channels * c.count;
    /* offset and scaled inputs: the normalisation has real work to do */
    c.x = random_buffer(&random, total, 2.0f);
    for (size_t i = 0; i < total; i++) c.x[i] += 3.0f;
    c.gamma = random_buffer(&random, c.channels, 1.0f);
    c.beta = random_buffer(&random, c.channels, 1.0f);
    c.r = random_buffer(&random, total, 1.0f);
    c.y = malloc(total * sizeof(float));
    float stats[4][3];
    c.mean = stats[0];
    c.inverse_std = stats[1];
    c.running_mean = stats[2];
    c.running_var = stats[3];
    for (int i = 0; i < 3; i++) c.running_mean[i] = 0.0f, c.running_var[i] = 1.0f;

    batchnorm_objective(&c);
    /* running statistics: the momentum's share toward the batch mean and the unbiased variance */
    for (int ch = 0; ch < c.channels; ch++) {
        double sum = 0.0, squares = 0.0;
        for (int i = 0; i < c.count; i++) sum += c.x[ch * c.count + i];
        double mean = sum / c.count;
        for (int i = 0; i < c.count; i++) {
            double d = c.x[ch * c.count + i] - mean;
            squares += d * d;
        }
        CHECK_NEAR(c.mean[ch], mean, 1e-5);
        CHECK_NEAR(c.inverse_std[ch], 1.0 / sqrt(squares / c.count + 1e-5), 1e-5);
        CHECK_NEAR(c.running_mean[ch], 0.02 * mean, 1e-5);
        CHECK_NEAR(c.running_var[ch], 0.98 + 0.02 * squares / (c.count - 1), 1e-5);
        /* the output of each channel has mean beta and standard deviation ~|gamma| */
        double out_sum = 0.0;
        for (int i = 0; i < c.count; i++) out_sum += c.y[ch * c.count + i];
        CHECK_NEAR(out_sum / c.count, c.beta[ch], 1e-5);
    }

    float *grad_x = malloc(total * sizeof(float)), grad_gamma[3], grad_beta[3];
    batchnorm_backward(c.channels, c.count, c.x, c.gamma, c.mean, c.inverse_std, c.r, grad_x,
                       grad_gamma, grad_beta);
    check_gradient("batchnorm: x", batchnorm_objective, &c, c.x, grad_x, total, 1e-2f, 2e-3, 22);
    check_gradient("batchnorm: gamma", batchnorm_objective, &c, c.gamma, grad_gamma, 3, 1e-2f,
                   2e-3, 23);
    check_gradient("batchnorm: beta", batchnorm_objective, &c, c.beta, grad_beta, 3, 1e-2f, 2e-3,
                   24);
    /* grad_x may alias grad_y */
    float *alias = malloc(total * sizeof(float));
    memcpy(alias, c.r, total * sizeof(float));
    batchnorm_objective(&c);
    batchnorm_backward(c.channels, c.count, c.x, c.gamma, c.mean, c.inverse_std, alias, alias,
                       grad_gamma, grad_beta);
    CHECK(memcmp(alias, grad_x, total * sizeof(float)) == 0);

    /* inference with running stats equal to the batch's gives the training output */
    float inference_var[3], *y = malloc(total * sizeof(float));
    for (int ch = 0; ch < 3; ch++) {
        float inv = c.inverse_std[ch];
        inference_var[ch] = 1.0f / (inv * inv) - 1e-5f;
    }
    batchnorm_forward_inference(c.channels, c.count, c.x, c.gamma, c.beta, c.mean, inference_var,
                                y);
    double worst = 0.0;
    for (size_t i = 0; i < total; i++) worst = fmax(worst, fabs(y[i] - c.y[i]));
    CHECK_MESSAGE(worst < 1e-4, "inference differs from training by %g", worst);
    free(y);
    free(alias);
    free(grad_x);
    free(c.x);
    free(c.gamma);
    free(c.beta);
    free(c.r);
    free(c.y);
}

int main(void) {
    RUN(test_batchnorm);
    return HARNESS_RESULT();
}
