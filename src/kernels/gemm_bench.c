/* gemm_bench.c - a GEMM throughput measurement over the context's variant: warm up once, then
 * repeat until min_seconds have passed on a monotonic clock. Allocates (it is not on the training
 * path). */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#endif

#include "kernels/gemm_bench.h"

#include <stdlib.h>
#include <time.h>

#include "kernels/gemm.h"

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double gemm_benchmark_gflops_transposed(compute_context *context, int transpose_a,
                                        int transpose_b, int m, int n, int k, double min_seconds) {
    if (context == NULL || m <= 0 || n <= 0 || k <= 0) return -1.0;
    float *a = malloc(sizeof(float) * (size_t)m * (size_t)k);
    float *b = malloc(sizeof(float) * (size_t)k * (size_t)n);
    float *c = malloc(sizeof(float) * (size_t)m * (size_t)n);
    double rate = -1.0;
    if (a != NULL && b != NULL && c != NULL) {
        /* Small values keep the sums finite however often the call repeats. */
        for (size_t i = 0; i < (size_t)m * (size_t)k; i++) a[i] = (float)(i % 7) * 0.125f - 0.375f;
        for (size_t i = 0; i < (size_t)k * (size_t)n; i++) b[i] = (float)(i % 5) * 0.25f - 0.5f;
        gemm_transpose ta = transpose_a ? GEMM_TRANSPOSED : GEMM_NORMAL;
        gemm_transpose tb = transpose_b ? GEMM_TRANSPOSED : GEMM_NORMAL;
        int lda = ta ? m : k, ldb = tb ? k : n;
        sgemm(context, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
        long calls = 0;
        double start = now_seconds(), elapsed = 0.0;
        do {
            sgemm(context, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
            calls++;
            elapsed = now_seconds() - start;
        } while (elapsed < min_seconds);
        rate = 2.0 * m * (double)n * k * (double)calls / elapsed * 1e-9;
    }
    free(a);
    free(b);
    free(c);
    return rate;
}

double gemm_benchmark_gflops(compute_context *context, int m, int n, int k, double min_seconds) {
    return gemm_benchmark_gflops_transposed(context, 0, 0, m, n, k, min_seconds);
}
