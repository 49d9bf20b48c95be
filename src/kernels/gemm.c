/* gemm.c - the variant table and the dispatching sgemm. TEMPORARY: only a naive loop until the
 * blocked scalar reference and the SIMD kernels land. */
#include "kernels/gemm.h"

static void gemm_naive__scalar(compute_context *context, gemm_transpose transpose_a,
                               gemm_transpose transpose_b, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta,
                               float *c, int ldc) {
    (void)context;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) {
                float av = transpose_a ? a[p * lda + i] : a[i * lda + p];
                float bv = transpose_b ? b[j * ldb + p] : b[p * ldb + j];
                sum += av * bv;
            }
            c[i * ldc + j] = alpha * sum + (beta == 0.0f ? 0.0f : beta * c[i * ldc + j]);
        }
    }
}

const gemm_variant gemm_variants[] = {
    {"gemm_naive__scalar", NULL, gemm_naive__scalar, 0, 0},
};
const int gemm_variant_count = (int)(sizeof gemm_variants / sizeof gemm_variants[0]);

void sgemm(compute_context *context, gemm_transpose transpose_a, gemm_transpose transpose_b,
           int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    context->gemm->run(context, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                       ldc);
}
