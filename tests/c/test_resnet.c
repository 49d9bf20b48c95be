/* test_resnet.c - the whole feature map: parameter counts of the standard depths, an end-to-end
 * gradient check of a small ResNet with a linear head and the sigmoid loss along random
 * directions (w.r.t. all parameters, each tensor on its own, and the input), odd input sizes,
 * bit-identical weights for the same seed after SGD steps, and a tiny network actually learning
 * a separable synthetic problem. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"
#include "kernels/compute.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/loss_sigmoid.h"
#include "nn/resnet.h"
#include "nn/sgd.h"

/* A ResNet + linear head + sigmoid loss, everything a training step touches. */
typedef struct model {
    resnet_config config;
    resnet *net;
    compute_context *compute;
    int classes, features;
    size_t backbone;        /* resnet parameter count; the head follows in the same buffer */
    size_t total;           /* backbone + head weight + head bias */
    float *parameters, *gradients, *velocity, *state;
    float *feature_buffer, *logits, *grad_logits, *grad_features;
} model;

static void model_create(model *m, int size, int channels, int n, int width, int batch,
                         int classes, uint64_t seed) {
    memset(m, 0, sizeof *m);
    m->config = (resnet_config){size, channels, n, width, batch, BATCHNORM_MOMENTUM};
    CHECK(resnet_create(&m->config, &m->net) == ICARL_OK);
    /* ICARL_TEST_GEMM names a GEMM variant to run under (default: the fastest) */
    CHECK(compute_context_create(getenv("ICARL_TEST_GEMM"), &m->compute) == ICARL_OK);
    m->classes = classes;
    m->features = resnet_feature_size(m->net);
    m->backbone = resnet_parameter_count(m->net);
    m->total = m->backbone + (size_t)classes * m->features + classes;
    m->parameters = calloc(m->total, sizeof(float));
    m->gradients = calloc(m->total, sizeof(float));
    m->velocity = calloc(m->total, sizeof(float));
    m->state = calloc(resnet_state_count(m->net), sizeof(float));
    m->feature_buffer = malloc((size_t)batch * m->features * sizeof(float));
    m->grad_features = malloc((size_t)batch * m->features * sizeof(float));
    m->logits = malloc((size_t)batch * classes * sizeof(float));
    m->grad_logits = malloc((size_t)batch * classes * sizeof(float));
    resnet_bind(m->net, m->parameters, m->gradients, m->state);
    random_state random;
    random_seed(&random, seed, 0);
    resnet_initialize(m->net, &random);
    float *head = m->parameters + m->backbone;
    for (int i = 0; i < classes * m->features; i++)
        head[i] = 0.5f * random_normal(&random) / sqrtf((float)m->features);
}

static void model_destroy(model *m) {
    resnet_destroy(m->net);
    compute_context_destroy(m->compute);
    free(m->parameters);
    free(m->gradients);
    free(m->velocity);
    free(m->state);
    free(m->feature_buffer);
    free(m->grad_features);
    free(m->logits);
    free(m->grad_logits);
}

/* Training forward of the batch and the loss; with backward != 0 also all gradients (and the
 * input gradient when grad_input is not NULL). */
static float model_loss(model *m, const float *input, int batch, const float *targets,
                        int backward, float *grad_input) {
    float *weight = m->parameters + m->backbone;
    float *bias = weight + (size_t)m->classes * m->features;
    resnet_forward(m->net, m->compute, input, batch, 1, m->feature_buffer);
    linear_forward(m->compute, batch, m->features, m->classes, m->feature_buffer, weight, bias,
                   m->logits);
    float loss = sigmoid_bce_loss(batch, m->classes, m->logits, targets, m->grad_logits);
    if (!backward) return loss;
    float *grad_weight = m->gradients + m->backbone;
    float *grad_bias = grad_weight + (size_t)m->classes * m->features;
    linear_backward(m->compute, batch, m->features, m->classes, m->feature_buffer, weight,
                    m->grad_logits, m->grad_features, grad_weight, grad_bias);
    resnet_backward_input(m->net, m->compute, m->grad_features, grad_input);
    return loss;
}

/* Expected parameter count from the architecture alone: per conv C_out C_in k k, per BN 2 C. */
static size_t expected_parameters(int channels, int n, int w) {
    size_t count = (size_t)w * channels * 9 + 2 * w;
    int in = w;
    for (int stage = 0; stage < 3; stage++) {
        int width = w << stage;
        for (int i = 0; i < n; i++) {
            count += (size_t)width * in * 9 + 2 * width + (size_t)width * width * 9 + 2 * width;
            if (in != width) count += (size_t)width * in + 2 * width;
            in = width;
        }
    }
    return count;
}

static void test_parameter_counts(void) {
    const int depths[2] = {3, 5};
    for (int i = 0; i < 2; i++) {
        resnet_config config = {28, 1, depths[i], 16, 4, BATCHNORM_MOMENTUM};
        resnet *net;
        CHECK(resnet_create(&config, &net) == ICARL_OK);
        size_t count = resnet_parameter_count(net);
        printf("  ResNet-%d (28x28x1): %zu parameters, %zu BN state floats\n", 6 * depths[i] + 2,
               count, resnet_state_count(net));
        CHECK(count == expected_parameters(1, depths[i], 16));
        CHECK(resnet_feature_size(net) == 64);
        /* BN state: mean and variance per BN channel = the gamma/beta count */
        resnet_destroy(net);
    }
    resnet_config bad = {0, 1, 3, 16, 4, BATCHNORM_MOMENTUM};
    resnet *net = (resnet *)1;
    CHECK(resnet_create(&bad, &net) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(net == NULL);
}

/* The loss of a training forward, in double straight from the logits: the float loss would
 * quantise a central difference of a small network to a few ulps. */
static double model_objective(model *m, const float *input, int batch, const float *targets) {
    model_loss(m, input, batch, targets, 0, NULL);
    double total = 0.0;
    for (int i = 0; i < batch * m->classes; i++) {
        double z = m->logits[i], t = targets[i];
        total += fmax(z, 0.0) - z * t + log1p(exp(-fabs(z)));
    }
    return total / batch;
}

/* Random directions per gradient check, the length of each step along one, and the largest
 * relative error allowed over them. Measured over 90 checks (three seeds, every GEMM variant):
 * correct gradients stay below 0.02, a gradient with every other component zeroed reaches at
 * least 0.3. Longer steps cross ReLU kinks, shorter ones drown in float rounding. */
enum { DIRECTIONS = 12 };
#define STEP 1e-3
#define GRADIENT_TOLERANCE 0.1

/* The gradient of x (count) checked along DIRECTIONS random unit directions d, with no
 * preference for the analytic gradient's own direction: for each d, the change of the loss
 * from x - e d to x + e d against grad . (x+ - x-), the step as actually stored in float, both
 * in double. The error is accumulated over the directions,
 *   sqrt( sum (numeric - analytic)^2 / sum analytic^2 ),
 * so one direction nearly orthogonal to the gradient cannot decide the verdict. The same
 * numeric changes are also held against the gradient with every other component zeroed: that
 * must fail the tolerance, or the check could not see a gradient missing half of a layer.
 * Returns the error. */
static double check_model_gradient(const char *name, model *m, const float *input, int batch,
                                   const float *targets, float *x, const float *grad,
                                   size_t count, double epsilon, uint64_t seed) {
    random_state random;
    random_seed(&random, seed, 5);
    float *saved = malloc(count * sizeof(float)), *direction = malloc(count * sizeof(float));
    memcpy(saved, x, count * sizeof(float));
    double squared_error = 0.0, squared_analytic = 0.0;
    double squared_half_error = 0.0, squared_half = 0.0;
    for (int k = 0; k < DIRECTIONS; k++) {
        double norm = 0.0;
        for (size_t i = 0; i < count; i++) {
            direction[i] = random_normal(&random);
            norm += (double)direction[i] * direction[i];
        }
        double scale = epsilon / sqrt(norm);
        for (size_t i = 0; i < count; i++) x[i] = saved[i] + (float)(scale * direction[i]);
        double plus = model_objective(m, input, batch, targets);
        double analytic = 0.0, half = 0.0;
        for (size_t i = 0; i < count; i++) {
            double step = (double)x[i];
            x[i] = saved[i] - (float)(scale * direction[i]);
            step -= (double)x[i];
            analytic += (double)grad[i] * step;
            if (i % 2 == 0) half += (double)grad[i] * step;
        }
        double numeric = plus - model_objective(m, input, batch, targets);
        squared_error += (numeric - analytic) * (numeric - analytic);
        squared_analytic += analytic * analytic;
        squared_half_error += (numeric - half) * (numeric - half);
        squared_half += half * half;
    }
    memcpy(x, saved, count * sizeof(float));
    double error = sqrt(squared_error / fmax(squared_analytic, 1e-300));
    double half_error = sqrt(squared_half_error / fmax(squared_half, 1e-300));
    if (getenv("ICARL_TEST_VERBOSE") != NULL)
        printf("  %-34s relative error %.2e (half the gradient: %.2e)\n", name, error,
               half_error);
    CHECK_MESSAGE(squared_analytic > 0.0, "%s: analytic gradient is all zero", name);
    CHECK_MESSAGE(error < GRADIENT_TOLERANCE,
                  "%s: analytic and numeric directional derivatives differ by %.3g (relative, "
                  "over %d random directions)", name, error, DIRECTIONS);
    CHECK_MESSAGE(half_error > GRADIENT_TOLERANCE,
                  "%s: with half the gradient zeroed the error is only %.3g: the check is blind",
                  name, half_error);
    free(saved);
    free(direction);
    return error;
}

/* Parameter tensors in resnet.h's documented order (stem conv, BN gamma, beta; per block conv1,
 * bn1, conv2, bn2, [shortcut conv, bn]), so each tensor can be checked on its own. */
typedef struct tensor_span {
    size_t offset, count;
    char name[40];
} tensor_span;

static int parameter_tensors(int channels, int n, int w, tensor_span *spans) {
    int count = 0;
    size_t offset = 0;
#define SPAN(size, ...)                                                            \
    do {                                                                           \
        spans[count].offset = offset;                                              \
        spans[count].count = (size);                                               \
        snprintf(spans[count].name, sizeof spans[count].name, __VA_ARGS__);        \
        offset += (size);                                                          \
        count++;                                                                   \
    } while (0)
#define CONV_BN(out, in, k, label)                                                 \
    do {                                                                           \
        SPAN((size_t)(out) * (in) * (k) * (k), "%s conv", label);                  \
        SPAN((size_t)(out), "%s gamma", label);                                    \
        SPAN((size_t)(out), "%s beta", label);                                     \
    } while (0)
    CONV_BN(w, channels, 3, "stem");
    int in = w;
    for (int stage = 0; stage < 3; stage++) {
        int width = w << stage;
        for (int i = 0; i < n; i++) {
            char label[24];
            snprintf(label, sizeof label, "s%d.b%d.1", stage + 1, i);
            CONV_BN(width, in, 3, label);
            snprintf(label, sizeof label, "s%d.b%d.2", stage + 1, i);
            CONV_BN(width, width, 3, label);
            if (in != width) {
                snprintf(label, sizeof label, "s%d.b%d.short", stage + 1, i);
                CONV_BN(width, in, 1, label);
            }
            in = width;
        }
    }
#undef CONV_BN
#undef SPAN
    return count;
}

static void run_gradient_check(int size, int channels, int batch, uint64_t seed) {
    model m;
    model_create(&m, size, channels, 1, 4, batch, 3, seed);
    random_state random;
    random_seed(&random, seed, 1);
    size_t input_count = (size_t)channels * batch * size * size;
    float *input = malloc(input_count * sizeof(float));
    float *grad_input = malloc(input_count * sizeof(float));
    float *targets = malloc((size_t)batch * m.classes * sizeof(float));
    for (size_t i = 0; i < input_count; i++) input[i] = random_normal(&random);
    for (int i = 0; i < batch * m.classes; i++) targets[i] = random_uniform(&random);
    /* BN gamma/beta away from their initial 1/0 so their gradients are generic */
    for (size_t i = 0; i < m.backbone; i++)
        m.parameters[i] += 0.1f * random_normal(&random);
    for (size_t i = 0; i < m.total; i++) m.gradients[i] = NAN; /* all must be overwritten */
    model_loss(&m, input, batch, targets, 1, grad_input);
    int finite = 1;
    for (size_t i = 0; i < m.total; i++) finite &= isfinite(m.gradients[i]) != 0;
    CHECK_MESSAGE(finite, "some parameter gradient was not written");

    char name[96];
    snprintf(name, sizeof name, "%dx%dx%d all parameters", size, size, channels);
    check_model_gradient(name, &m, input, batch, targets, m.parameters, m.gradients, m.total,
                         STEP, seed + 1);
    snprintf(name, sizeof name, "%dx%dx%d input", size, size, channels);
    check_model_gradient(name, &m, input, batch, targets, input, grad_input, input_count,
                         STEP, seed + 2);
    /* every tensor on its own, so a wrong one cannot hide in the sum */
    tensor_span spans[64];
    int tensors = parameter_tensors(channels, 1, 4, spans);
    CHECK(spans[tensors - 1].offset + spans[tensors - 1].count == m.backbone);
    for (int t = 0; t < tensors; t++) {
        snprintf(name, sizeof name, "%dx%dx%d %s", size, size, channels, spans[t].name);
        check_model_gradient(name, &m, input, batch, targets, m.parameters + spans[t].offset,
                             m.gradients + spans[t].offset, spans[t].count, STEP, seed + 10 + t);
    }
    snprintf(name, sizeof name, "%dx%dx%d head", size, size, channels);
    check_model_gradient(name, &m, input, batch, targets, m.parameters + m.backbone,
                         m.gradients + m.backbone, m.total - m.backbone, STEP, seed + 3);
    free(input);
    free(grad_input);
    free(targets);
    model_destroy(&m);
}

static void test_gradient(void) {
    run_gradient_check(8, 2, 3, 1000); /* the brief's case: n=1, w=4, 8x8x2, batch 3 */
    run_gradient_check(7, 1, 2, 2000); /* odd size: 7 -> 4 -> 2 */
    run_gradient_check(5, 3, 4, 3000); /* 5 -> 3 -> 2 */
}

static void test_sizes(void) {
    /* any side >= 4, odd or even, and the two real input shapes */
    const int sizes[5][2] = {{4, 1}, {7, 1}, {9, 3}, {28, 1}, {32, 3}};
    for (int i = 0; i < 5; i++) {
        model m;
        int batch = 2;
        model_create(&m, sizes[i][0], sizes[i][1], 1, 4, batch, 2, 7);
        size_t input_count = (size_t)sizes[i][1] * batch * sizes[i][0] * sizes[i][0];
        float *input = malloc(input_count * sizeof(float));
        for (size_t j = 0; j < input_count; j++) input[j] = (float)((j * 37) % 11) / 11.0f;
        float targets[4] = {1, 0, 0, 1};
        float loss = model_loss(&m, input, batch, targets, 1, NULL);
        CHECK_MESSAGE(isfinite(loss), "size %d: loss %g", sizes[i][0], loss);
        /* inference forward: running statistics, no change to the state */
        float *state = malloc(resnet_state_count(m.net) * sizeof(float));
        memcpy(state, m.state, resnet_state_count(m.net) * sizeof(float));
        resnet_forward(m.net, m.compute, input, 1, 0, m.feature_buffer);
        CHECK(memcmp(state, m.state, resnet_state_count(m.net) * sizeof(float)) == 0);
        for (int j = 0; j < m.features; j++) CHECK(isfinite(m.feature_buffer[j]));
        free(state);
        free(input);
        model_destroy(&m);
    }
}

/* A few SGD steps from a seed; the weights and BN state after them. */
static void train_steps(uint64_t seed, int steps, float **parameters_out, float **state_out,
                        size_t *count_out, size_t *state_count_out) {
    model m;
    int batch = 4;
    model_create(&m, 8, 2, 1, 4, batch, 3, seed);
    random_state random;
    random_seed(&random, seed, 2);
    size_t input_count = (size_t)2 * batch * 8 * 8;
    float *input = malloc(input_count * sizeof(float));
    float targets[12];
    for (int s = 0; s < steps; s++) {
        for (size_t i = 0; i < input_count; i++) input[i] = random_normal(&random);
        for (int i = 0; i < 12; i++) targets[i] = (float)(random_below(&random, 2));
        model_loss(&m, input, batch, targets, 1, NULL);
        sgd_update(m.total, m.parameters, m.gradients, m.velocity, 0.1f, 0.9f, 1e-4f);
    }
    *count_out = m.total;
    *state_count_out = resnet_state_count(m.net);
    *parameters_out = malloc(m.total * sizeof(float));
    *state_out = malloc(*state_count_out * sizeof(float));
    memcpy(*parameters_out, m.parameters, m.total * sizeof(float));
    memcpy(*state_out, m.state, *state_count_out * sizeof(float));
    free(input);
    model_destroy(&m);
}

static void test_determinism(void) {
    float *p1, *p2, *p3, *s1, *s2, *s3;
    size_t n1, n2, n3, c1, c2, c3;
    train_steps(42, 4, &p1, &s1, &n1, &c1);
    train_steps(42, 4, &p2, &s2, &n2, &c2);
    train_steps(43, 4, &p3, &s3, &n3, &c3);
    CHECK(n1 == n2 && c1 == c2);
    CHECK(memcmp(p1, p2, n1 * sizeof(float)) == 0);
    CHECK(memcmp(s1, s2, c1 * sizeof(float)) == 0);
    CHECK(memcmp(p1, p3, n1 * sizeof(float)) != 0); /* the seed does matter */
    free(p1);
    free(p2);
    free(p3);
    free(s1);
    free(s2);
    free(s3);
}

/* Two classes of 8x8 single-channel images: a bright left half or a bright right half, under
 * noise. A working network separates them within a few dozen steps. */
static void test_training(void) {
    model m;
    int batch = 16, size = 8;
    model_create(&m, size, 1, 1, 4, batch, 2, 5);
    random_state random;
    random_seed(&random, 6, 0);
    size_t input_count = (size_t)batch * size * size;
    float *input = malloc(input_count * sizeof(float));
    float targets[32];
    double first = 0.0, last = 0.0;
    const int steps = 60;
    for (int s = 0; s < steps; s++) {
        for (int n = 0; n < batch; n++) {
            int label = (int)random_below(&random, 2);
            targets[2 * n] = label == 0;
            targets[2 * n + 1] = label == 1;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    int bright = (x < size / 2) == (label == 0);
                    input[((size_t)n * size + y) * size + x] =
                        (bright ? 1.0f : -1.0f) + 0.5f * random_normal(&random);
                }
        }
        float loss = model_loss(&m, input, batch, targets, 1, NULL);
        sgd_update(m.total, m.parameters, m.gradients, m.velocity, 0.05f, 0.9f, 1e-4f);
        if (s < 5) first += loss / 5.0;
        if (s >= steps - 5) last += loss / 5.0;
    }
    printf("  training loss: first 5 steps %.4f, last 5 steps %.4f\n", first, last);
    CHECK(isfinite(last));
    CHECK_MESSAGE(last < 0.25 * first, "loss went from %g to only %g", first, last);
    /* inference mode (running statistics) classifies fresh images */
    int correct = 0;
    for (int n = 0; n < batch; n++) {
        int label = n % 2;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) {
                int bright = (x < size / 2) == (label == 0);
                input[((size_t)n * size + y) * size + x] =
                    (bright ? 1.0f : -1.0f) + 0.5f * random_normal(&random);
            }
    }
    resnet_forward(m.net, m.compute, input, batch, 0, m.feature_buffer);
    float *weight = m.parameters + m.backbone, *bias = weight + 2 * m.features;
    linear_forward(m.compute, batch, m.features, 2, m.feature_buffer, weight, bias, m.logits);
    for (int n = 0; n < batch; n++)
        correct += (m.logits[2 * n + 1] > m.logits[2 * n]) == (n % 2 == 1);
    printf("  inference accuracy on fresh images: %d/%d\n", correct, batch);
    CHECK(correct >= batch - 1);
    free(input);
    model_destroy(&m);
}

int main(void) {
    RUN(test_parameter_counts);
    RUN(test_gradient);
    RUN(test_sizes);
    RUN(test_determinism);
    RUN(test_training);
    return HARNESS_RESULT();
}
