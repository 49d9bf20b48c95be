/* loss_softmax_kd.c - softmax cross-entropy over all outputs plus knowledge distillation on the
 * old outputs at temperature T (PyCIL's iCaRL: no T^2 factor), averaged over the batch. Every
 * softmax subtracts its row maximum and works in double, so |logit| = 100 stays finite. */
#include "nn/loss_softmax_kd.h"

#include <math.h>
#include <stddef.h>

/* Row maximum of z / T and log sum exp(z / T - max) over n values: log softmax_j = z_j / T -
 * max - log_sum. */
static void log_softmax_terms(int n, const float *z, double temperature, double *max_out,
                              double *log_sum_out) {
    double max = z[0] / temperature;
    for (int j = 1; j < n; j++)
        if (z[j] / temperature > max) max = z[j] / temperature;
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += exp(z[j] / temperature - max);
    *max_out = max;
    *log_sum_out = log(sum);
}

/* logits, grad_logits (N, classes); labels (N); old_logits (N, old_classes). */
float softmax_kd_loss(int batch, int classes, const float *logits, const int *labels,
                      int old_classes, const float *old_logits, float temperature,
                      float *grad_logits) {
    double total = 0.0;
    double inverse_batch = 1.0 / batch;
    double t = temperature;
    for (int n = 0; n < batch; n++) {
        const float *z = logits + (size_t)n * classes;
        float *g = grad_logits + (size_t)n * classes;
        /* cross-entropy: logsumexp(z) - z_label; gradient softmax(z) - onehot */
        double max, log_sum;
        log_softmax_terms(classes, z, 1.0, &max, &log_sum);
        total += max + log_sum - z[labels[n]];
        for (int j = 0; j < classes; j++)
            g[j] = (float)((exp(z[j] - max - log_sum) - (j == labels[n])) * inverse_batch);

        if (old_classes <= 0 || old_logits == NULL) continue;
        /* KD = -sum_j p_j log q_j, p = softmax(old / T), q = softmax(z[:old] / T);
         * d KD / d z_j = (q_j - p_j) / T */
        const float *zo = old_logits + (size_t)n * old_classes;
        double p_max, p_log_sum, q_max, q_log_sum;
        log_softmax_terms(old_classes, zo, t, &p_max, &p_log_sum);
        log_softmax_terms(old_classes, z, t, &q_max, &q_log_sum);
        for (int j = 0; j < old_classes; j++) {
            double p = exp(zo[j] / t - p_max - p_log_sum);
            double log_q = z[j] / t - q_max - q_log_sum;
            total -= p * log_q;
            g[j] += (float)((exp(log_q) - p) / t * inverse_batch);
        }
    }
    return (float)(total * inverse_batch);
}
