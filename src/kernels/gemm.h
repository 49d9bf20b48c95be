/* gemm.h - single-precision matrix multiply, the one kernel all convolution and linear work
 * goes through:  C = alpha * op(A) * op(B) + beta * C,  row-major, op = identity or transpose.
 * op(A) is (m, k), op(B) is (k, n), C is (m, n); lda/ldb/ldc are row strides of the stored
 * matrices. beta == 0 means C is only written (its old contents may be NaN). */
#ifndef ICARL_KERNELS_GEMM_H
#define ICARL_KERNELS_GEMM_H

#include <stddef.h>

#include "kernels/compute.h"

typedef enum gemm_transpose { GEMM_NORMAL = 0, GEMM_TRANSPOSED = 1 } gemm_transpose;

typedef void (*gemm_function)(compute_context *context, gemm_transpose transpose_a,
                              gemm_transpose transpose_b, int m, int n, int k, float alpha,
                              const float *a, int lda, const float *b, int ldb, float beta,
                              float *c, int ldc);

/* One implementation. Kernels are named by op, tile and target: "gemm_4x8__wasmsimd". */
typedef struct gemm_variant {
    const char *name;
    int (*is_supported)(void);   /* run-time check (CPU features); NULL = always */
    gemm_function run;
    size_t packed_a_floats;      /* scratch the variant needs in the compute context */
    size_t packed_b_floats;
} gemm_variant;

/* Every variant compiled into this build, the portable scalar reference first. Tests and
 * benchmarks expand this list, so a new kernel is checked automatically. */
extern const gemm_variant gemm_variants[];
extern const int gemm_variant_count;

/* Runs the context's variant. */
void sgemm(compute_context *context, gemm_transpose transpose_a, gemm_transpose transpose_b,
           int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc);

#endif
