/* gemm.h - single-precision matrix multiply, the one kernel all convolution and linear work
 * goes through:  C = alpha * op(A) * op(B) + beta * C,  row-major, op = identity or transpose.
 * op(A) is (m, k), op(B) is (k, n), C is (m, n); lda/ldb/ldc are row strides of the stored
 * matrices. beta == 0 means C is only written (its old contents may be NaN). */
#ifndef ICARL_KERNELS_GEMM_H
#define ICARL_KERNELS_GEMM_H

#include <stddef.h>

#include "kernels/compute.h"
#include "kernels/gemm_kernels.h"

typedef enum gemm_transpose { GEMM_NORMAL = 0, GEMM_TRANSPOSED = 1 } gemm_transpose;

/* The register tile (mr x nr) the microkernel computes and the cache blocks the driver packs
 * around it (mc and nc multiples of mr and nr). */
typedef struct gemm_blocking {
    int mr, nr;
    int mc, kc, nc;
} gemm_blocking;

/* One implementation, a row of gemm_variants: its name (op, tile and target:
 * "gemm_4x8__wasmsimd"), whether this CPU runs it, its blocking and its microkernels
 * (gemm_kernels.h). Every variant shares the blocked driver of gemm.c (packing into mr-tall A
 * and nr-wide B slivers, zero-padded to the tile, Goto/BLIS loop order). */
typedef struct gemm_variant {
    const char *name;
    int (*is_supported)(void);   /* run-time check (CPU features); NULL = always */
    gemm_blocking blocking;
    gemm_microkernel *kernel;
    gemm_dot_microkernel *dot;           /* A * B^T with long k, 4x4 tiles; NULL = none */
    gemm_taps_microkernel *taps;         /* every tap of sgemm_taps at once; NULL = tap by tap */
    gemm_dot_taps_microkernel *dot_taps; /* NULL = the portable one (sgemm_has_dot_taps9 0) */
    /* How a padded convolution feeds this variant best, as measured with it (gemm_plan.h): */
    int straddling_slivers_to_tensor; /* a column sliver across two rows of sgemm_taps' output
                                       * goes through a stack tile into the tensor, rather than
                                       * the whole chunk through a grid and unpad_planes */
    int one_tap_b_in_place;           /* a 1x1 convolution's product reads B in place (one-tap
                                       * sgemm_taps) rather than packing it (sgemm) */
} gemm_variant;

/* Every variant compiled into this build, the portable scalar reference first, slowest to
 * fastest. Tests and benchmarks expand this list, so a new kernel is checked automatically. */
extern const gemm_variant gemm_variants[];
extern const int gemm_variant_count;

/* Packing scratch a variant needs per thread (compute.c allocates it in the context); the extra
 * 16 floats let the driver align panels to 64 bytes. */
size_t gemm_packed_a_floats(const gemm_variant *variant);
size_t gemm_packed_b_floats(const gemm_variant *variant);

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

/* C = alpha * A * B^T + beta * C by unpacked dot products over k (the variant's dot kernel;
 * sgemm_on_thread where it has none), whatever m: for a caller that knows the B it would pack
 * is thin and k long (a 1x1 convolution's weight gradient: B^T is 16-64 input channels by a
 * chunk of pixels), where packing both operands costs more than the multiply-adds save. */
void sgemm_dot_on_thread(compute_context *context, int thread, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);

/* Sum of shifted products, the convolution of a zero-padded image without im2col:
 *     C (m, n) = sum_t A_t (m, k) * B_t (k, n),  B_t = b + offsets[t], row stride ldb.
 * For a "same" convolution over a padded layout, t is the kernel tap, k the input channels, and
 * B_t the padded input shifted by the tap: every B_t is read in place, so nothing like the 9x
 * larger im2col buffer is written. A comes packed by the caller (sgemm_taps_pack_tap, tap t at
 * packed_a + t * sgemm_taps_tap_floats), once for however many column slabs it then runs over:
 * a convolution walks its batch in small slabs, whose padded input spans few pages, and would
 * otherwise pack the same weights for every slab. C is overwritten (ldc its row stride).
 * Computed on `thread`'s packing scratch by the context's variant; each output is summed tap
 * after tap with the variant's microkernel, the same for any split of the columns.
 * `needed` (NULL: every column) names the columns the caller will read: NR-wide column slivers
 * made only of unneeded columns are skipped and their C left as it was. sgemm_taps_fits tells
 * whether the variant runs these taps and k (else use im2col + sgemm). */
int sgemm_taps_fits(const compute_context *context, int taps, int k);

/* Floats of one tap's packed A (m x k) for this context's variant, and a bound on all taps'
 * for any variant (for scratch sized without a context). */
size_t sgemm_taps_tap_floats(const compute_context *context, int m, int k);
size_t sgemm_taps_packed_floats_most(int taps, int m, int k);

/* Packs one tap's A, element (i, p) at a[i * row_stride + p * column_stride] (a convolution's
 * weights read in place, whatever their order), into packed (sgemm_taps_tap_floats floats). */
void sgemm_taps_pack_tap(const compute_context *context, int m, int k, const float *a,
                         ptrdiff_t row_stride, ptrdiff_t column_stride, float *packed);

/* The columns a padded layout's grid needs: column j, at position q = j % period of its image,
 * is needed when q < span (not a padding row) and q % row < width (not a padding column).
 * With `dense` set, C holds the needed columns only, one after another in grid order (a
 * tensor's (N, H, W) pixels, H = span / row, W = width): grid column j is column
 * (j / period) * H * W + (q / row) * W + q % row of C, and no grid buffer is needed. */
typedef struct gemm_needed_columns {
    int period, span, row, width;
    int dense;
} gemm_needed_columns;

/* Whether any of columns [first, first + count) is needed (always, when needed is NULL). */
int gemm_columns_needed(const gemm_needed_columns *needed, int first, int count);

void sgemm_taps_on_thread(compute_context *context, int thread, int taps,
                          const ptrdiff_t *offsets, int m, int n, int k, const float *packed_a,
                          const float *b, int ldb, float *c, int ldc,
                          const gemm_needed_columns *needed);

/* The weight gradient's counterpart for 3x3 taps: for i < m, j < n, t < 9,
 *     sums[i*ld_sums + j*9 + t] += sum_{q < k} a[i*lda + q] * b[j*ldb + offsets[t] + q],
 * i.e. straight into a (C_out, C_in, 3, 3) weight gradient when a is the padded output gradient
 * and b the padded input. By the variant's dot_taps kernel, else the portable one; the same for
 * any split of j. */
int sgemm_has_dot_taps9(const compute_context *context); /* a SIMD kernel, not the portable */
void sgemm_dot_taps9(const compute_context *context, const ptrdiff_t *offsets, int m, int n,
                     int k, const float *a, int lda, const float *b, int ldb, float *sums,
                     int ld_sums);

#endif
