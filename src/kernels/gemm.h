/* gemm.h - single-precision matrix multiply, the one kernel all convolution and linear work
 * goes through:  C = alpha * op(A) * op(B) + beta * C,  row-major, op = identity or transpose.
 * op(A) is (m, k), op(B) is (k, n), C is (m, n); lda/ldb/ldc are row strides of the stored
 * matrices. beta == 0 means C is only written (its old contents may be NaN). */
#ifndef ICARL_KERNELS_GEMM_H
#define ICARL_KERNELS_GEMM_H

#include <stddef.h>

#include "kernels/compute.h"

typedef enum gemm_transpose { GEMM_NORMAL = 0, GEMM_TRANSPOSED = 1 } gemm_transpose;

/* thread < 0: the product may be split over the context's threads; thread >= 0: computed whole
 * on that thread's packing scratch (the caller is that thread, inside compute_parallel). */
typedef void (*gemm_function)(compute_context *context, int thread, gemm_transpose transpose_a,
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

/* Runs the context's variant, split over the context's threads when large enough. The split
 * never changes the result (compute.h). */
void sgemm(compute_context *context, gemm_transpose transpose_a, gemm_transpose transpose_b,
           int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc);

/* The same computed entirely by the calling thread `thread` of a compute_parallel task, on that
 * thread's packing scratch: for callers that split the work themselves. Same values as sgemm. */
void sgemm_on_thread(compute_context *context, int thread, gemm_transpose transpose_a,
                     gemm_transpose transpose_b, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Internal to src/kernels: the blocked driver every variant shares (packing into MR-tall A
 * slivers and NR-wide B slivers, zero-padded to the tile, Goto/BLIS loop order), so a variant
 * only supplies its register-blocked microkernel and its tile. Not for callers outside. */

/* c (the top-left mr x nr of the MR x NR tile, row stride ldc) =
 *     alpha * sum_p a[p*MR + i] * b[p*ldb + j]  +  beta * c,
 * a a packed sliver of kc steps, b either a packed sliver (ldb == NR) or, for a full-width tile,
 * rows of the caller's B read in place. beta == 0 means c is write-only. */
typedef void (*gemm_microkernel)(int kc, const float *a, const float *b, int ldb, float *c,
                                 int ldc, float alpha, float beta, int mr, int nr);

/* c (the top-left mr x nr of a 4x4 tile) = alpha * sum_p a[i*lda + p] * b[j*ldb + p] + beta * c:
 * A * B^T as dot products over unpacked rows. For the convolution weight gradient (k = every
 * output pixel of the batch, m and n small) packing B^T would cost more than the multiply. */
typedef void (*gemm_dot_microkernel)(int kc, const float *a, int lda, const float *b, int ldb,
                                     float *c, int ldc, float alpha, float beta, int mr, int nr);

typedef struct gemm_blocking {
    int mr, nr;      /* register tile */
    int mc, kc, nc;  /* cache blocks: mc and nc multiples of mr and nr */
    gemm_microkernel kernel;
    gemm_dot_microkernel dot; /* optional 4x4 kernel for A * B^T with long k; NULL = none */
} gemm_blocking;

/* Scratch a blocking needs; the extra 16 floats let the driver align panels to 64 bytes. */
#define GEMM_PACKED_A_FLOATS(mc, kc) ((size_t)(mc) * (size_t)(kc) + 16)
#define GEMM_PACKED_B_FLOATS(kc, nc) ((size_t)(kc) * (size_t)(nc) + 16)

void gemm_blocked(const gemm_blocking *blocking, compute_context *context, int thread,
                  gemm_transpose transpose_a, gemm_transpose transpose_b, int m, int n, int k,
                  float alpha, const float *a, int lda, const float *b, int ldb, float beta,
                  float *c, int ldc);

#endif
