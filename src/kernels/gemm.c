/* gemm.c - the variant table, sgemm and the blocked driver every variant shares (packing, cache
 * blocking, edge tiles, the split over threads), and the shifted products of the padded
 * convolutions (sgemm_taps, sgemm_dot_taps9). The microkernels it runs are declared in
 * gemm_kernels.h and live beside it: gemm_scalar.c (portable), gemm_x86.c (AVX2+FMA, AVX-512),
 * gemm_wasmsimd.c (simd128, and relaxed SIMD in a module of its own). */
#include "kernels/gemm.h"

#include <stdint.h>
#include <string.h>

/* ---- the shared driver ---------------------------------------------------------------------- */

static int min_int(int x, int y) { return x < y ? x : y; }

/* The scratch is malloc'd; aligning panels to 64 bytes keeps every vector load within one cache
 * line (the packed slivers are multiples of 16 floats wide for the wide kernels). */
static float *align64(float *pointer) {
    return (float *)(((uintptr_t)pointer + 63u) & ~(uintptr_t)63u);
}

/* Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into MR-tall slivers: sliver s holds, for each step p,
 * the MR values of rows s*MR .. s*MR+MR, padded with zeros past mc so the microkernel never
 * needs an edge case on the inside. Pointers are stepped rather than indexed with p * stride:
 * Emscripten compiles without loop strength reduction, so the multiplies would stay. */
static void pack_a(gemm_transpose transpose_a, const float *a, int lda, int i0, int p0, int mc,
                   int kc, int mr_tile, float *packed) {
    for (int i = 0; i < mc; i += mr_tile) {
        int rows = min_int(mr_tile, mc - i);
        float *dst = packed + (size_t)i * kc;
        if (transpose_a == GEMM_NORMAL) {
            for (int r = 0; r < mr_tile; r++) {
                float *out = dst + r;
                if (r < rows) {
                    const float *src = a + (size_t)(i0 + i + r) * lda + p0;
                    for (int p = 0; p < kc; p++, out += mr_tile) *out = src[p];
                } else {
                    for (int p = 0; p < kc; p++, out += mr_tile) *out = 0.0f;
                }
            }
        } else {
            const float *src = a + (size_t)p0 * lda + i0 + i;
            for (int p = 0; p < kc; p++, src += lda, dst += mr_tile) {
                for (int r = 0; r < rows; r++) dst[r] = src[r];
                for (int r = rows; r < mr_tile; r++) dst[r] = 0.0f;
            }
        }
    }
}

/* Four source rows (s0..s3, from p) into four columns of an NR-wide sliver, four steps at a
 * time: a 4x4 transpose in generic vectors (GCC 12 and clang both have __builtin_shufflevector;
 * clang makes simd128 shuffles of it, GCC SSE), where the scalar loop moves one float per load
 * and store. The weight gradient's B^T packing is all this (rows = input channels x taps). */
typedef float pack_vector __attribute__((vector_size(16)));

static int pack_four_columns(const float *s0, const float *s1, const float *s2, const float *s3,
                             int kc, int nr_tile, float *out) {
    int p = 0;
    for (; p + 4 <= kc; p += 4, out += 4 * (size_t)nr_tile) {
        pack_vector v0, v1, v2, v3;
        memcpy(&v0, s0 + p, sizeof v0);
        memcpy(&v1, s1 + p, sizeof v1);
        memcpy(&v2, s2 + p, sizeof v2);
        memcpy(&v3, s3 + p, sizeof v3);
        pack_vector t0 = __builtin_shufflevector(v0, v1, 0, 4, 1, 5);
        pack_vector t1 = __builtin_shufflevector(v0, v1, 2, 6, 3, 7);
        pack_vector t2 = __builtin_shufflevector(v2, v3, 0, 4, 1, 5);
        pack_vector t3 = __builtin_shufflevector(v2, v3, 2, 6, 3, 7);
        pack_vector r0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
        pack_vector r1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
        pack_vector r2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
        pack_vector r3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
        memcpy(out, &r0, sizeof r0);
        memcpy(out + nr_tile, &r1, sizeof r1);
        memcpy(out + 2 * (size_t)nr_tile, &r2, sizeof r2);
        memcpy(out + 3 * (size_t)nr_tile, &r3, sizeof r3);
    }
    return p;
}

/* Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into NR-wide slivers, zero-padded past nc. */
static void pack_b(gemm_transpose transpose_b, const float *b, int ldb, int p0, int j0, int kc,
                   int nc, int nr_tile, float *packed) {
    for (int j = 0; j < nc; j += nr_tile) {
        int cols = min_int(nr_tile, nc - j);
        float *dst = packed + (size_t)j * kc;
        if (transpose_b == GEMM_NORMAL) {
            const float *src = b + (size_t)p0 * ldb + j0 + j;
            for (int p = 0; p < kc; p++, src += ldb, dst += nr_tile) {
#if !defined(__EMSCRIPTEN__)
                /* glibc's memcpy beats gcc's loop here; under Emscripten a memcpy of a
                 * run-time size is a slow libc call and the plain loop wins */
                if (cols == nr_tile) {
                    memcpy(dst, src, sizeof(float) * (size_t)nr_tile);
                    continue;
                }
#endif
                for (int q = 0; q < cols; q++) dst[q] = src[q];
                for (int q = cols; q < nr_tile; q++) dst[q] = 0.0f;
            }
        } else {
            /* op(B)[p][j] = b[j*ldb + p]: each source row is one column of the sliver. Four
             * columns at a time keeps four read streams and fewer passes over dst. */
            int q = 0;
            for (; q + 4 <= cols; q += 4) {
                const float *s0 = b + (size_t)(j0 + j + q) * ldb + p0;
                const float *s1 = s0 + ldb, *s2 = s1 + ldb, *s3 = s2 + ldb;
                float *out = dst + q;
                int p = pack_four_columns(s0, s1, s2, s3, kc, nr_tile, out);
                for (out += (size_t)p * nr_tile; p < kc; p++, out += nr_tile) {
                    out[0] = s0[p];
                    out[1] = s1[p];
                    out[2] = s2[p];
                    out[3] = s3[p];
                }
            }
            for (; q < nr_tile; q++) {
                float *out = dst + q;
                if (q < cols) {
                    const float *src = b + (size_t)(j0 + j + q) * ldb + p0;
                    for (int p = 0; p < kc; p++, out += nr_tile) *out = src[p];
                } else {
                    for (int p = 0; p < kc; p++, out += nr_tile) *out = 0.0f;
                }
            }
        }
    }
}

/* C = beta * C, with beta == 0 writing zeros so NaN in C never survives. */
static void scale_c(int m, int n, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * ldc;
        if (beta == 0.0f) {
            memset(row, 0, sizeof(float) * (size_t)n);
        } else if (beta != 1.0f) {
            for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }
}

/* A * B^T with k much longer than m and n: tiles of dot products over k blocks that keep the
 * four A rows in L1 while B's rows stream from L2. beta on the first block only. */
#define GEMM_DOT_TILE 4
#define GEMM_DOT_KC 1024

/* Packing B^T costs about n*k against m*n*k multiply-adds, so it pays off from m of about 64;
 * below that (16 and 32 out channels) the unpacked dot products are faster
 * (docs/performance.md). */
/* The choice depends on m and k only, never on n: a convolution's weight gradient is split by
 * columns (input channels) over threads, and every part must take the path the whole would. */
static int use_dot_path(const gemm_variant *variant, gemm_transpose transpose_a,
                        gemm_transpose transpose_b, int m, int k) {
    return variant->dot != NULL && transpose_a == GEMM_NORMAL &&
           transpose_b == GEMM_TRANSPOSED && m <= 32 && k >= 512 && k >= 4 * m;
}

static void gemm_dot(const gemm_variant *variant, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb, float beta, float *c,
                     int ldc) {
    for (int pc = 0; pc < k; pc += GEMM_DOT_KC) {
        int kc = min_int(GEMM_DOT_KC, k - pc);
        float beta_block = pc == 0 ? beta : 1.0f;
        for (int j = 0; j < n; j += GEMM_DOT_TILE) {
            for (int i = 0; i < m; i += GEMM_DOT_TILE) {
                variant->dot(kc, a + (size_t)i * lda + pc, lda, b + (size_t)j * ldb + pc, ldb,
                             c + (size_t)i * ldc + j, ldc, alpha, beta_block,
                             min_int(GEMM_DOT_TILE, m - i), min_int(GEMM_DOT_TILE, n - j));
            }
        }
    }
}

/* Goto/BLIS loop order: an (kc x nc) panel of B is packed once and stays in L2; an (mc x kc)
 * block of A is packed per panel; the NR-wide B sliver stays in L1 while the microkernel walks
 * the A slivers. beta applies on the first k block only, later blocks accumulate. packed_a and
 * packed_b are the calling thread's scratch. */
static void gemm_packed(const gemm_variant *variant, float *packed_a, float *packed_b,
                        gemm_transpose transpose_a, gemm_transpose transpose_b, int m, int n,
                        int k, float alpha, const float *a, int lda, const float *b, int ldb,
                        float beta, float *c, int ldc) {
    const gemm_blocking *blocking = &variant->blocking;
    const int mr_tile = blocking->mr, nr_tile = blocking->nr;
    packed_a = align64(packed_a);
    packed_b = align64(packed_b);

    /* Equal k blocks (576 -> 3 x 192 rather than 256 + 256 + 64) so no block is short. */
    int k_blocks = (k + blocking->kc - 1) / blocking->kc;
    int kc_step = (k + k_blocks - 1) / k_blocks;

    for (int jc = 0; jc < n; jc += blocking->nc) {
        int nc = min_int(blocking->nc, n - jc);
        for (int pc = 0; pc < k; pc += kc_step) {
            int kc = min_int(kc_step, k - pc);
            float beta_block = pc == 0 ? beta : 1.0f;
            /* With few output rows (as in the convolutions: m = 16 or 32 out channels) each B
             * sliver serves at most four A slivers, so packing B would cost about as much as
             * the multiply: read full-width slivers of a row-major B in place and pack only the
             * ragged last one. (Beyond four, the strided sliver falls out of L1 between uses.) */
            int b_in_place = transpose_b == GEMM_NORMAL && m <= 4 * mr_tile;
            int full_width = b_in_place ? nc - nc % nr_tile : 0;
            if (!b_in_place) {
                pack_b(transpose_b, b, ldb, pc, jc, kc, nc, nr_tile, packed_b);
            } else if (full_width < nc) {
                pack_b(transpose_b, b, ldb, pc, jc + full_width, kc, nc - full_width, nr_tile,
                       packed_b + (size_t)full_width * kc);
            }
            for (int ic = 0; ic < m; ic += blocking->mc) {
                int mc = min_int(blocking->mc, m - ic);
                pack_a(transpose_a, a, lda, ic, pc, mc, kc, mr_tile, packed_a);
                for (int jr = 0; jr < nc; jr += nr_tile) {
                    int nr = min_int(nr_tile, nc - jr);
                    const float *b_sliver = packed_b + (size_t)jr * kc;
                    int b_stride = nr_tile;
                    if (jr < full_width) {
                        b_sliver = b + (size_t)pc * ldb + jc + jr;
                        b_stride = ldb;
                    }
                    for (int ir = 0; ir < mc; ir += mr_tile) {
                        variant->kernel(kc, packed_a + (size_t)ir * kc, b_sliver, b_stride,
                                        c + (size_t)(ic + ir) * ldc + jc + jr, ldc, alpha,
                                        beta_block, min_int(mr_tile, mc - ir), nr);
                    }
                }
            }
        }
    }
}

/* ---- splitting one GEMM over the context's threads ------------------------------------------ */

/* Below about this many multiply-adds (a few microseconds) a hand-off to the workers costs more
 * than it saves. */
#define GEMM_PARALLEL_MIN_WORK (1L << 18)

typedef struct gemm_job {
    const gemm_variant *variant;
    compute_context *context;
    int dot; /* the path, chosen once from the whole shape */
    int split_rows;
    gemm_transpose transpose_a, transpose_b;
    int m, n, k;
    float alpha, beta;
    const float *a, *b;
    int lda, ldb, ldc;
    float *c;
} gemm_job;

/* One thread's share: a contiguous run of output rows or columns, aligned to the register tile.
 * Every output value is still computed by one microkernel call sequence over the same k blocks,
 * and the microkernels' arithmetic per value does not depend on where in a tile it sits, so the
 * result is bit-identical to the single-thread one. */
static void gemm_job_range(const gemm_job *job, int scratch, int thread, int threads) {
    const gemm_blocking *blocking = &job->variant->blocking;
    int m = job->m, n = job->n, begin, end;
    const float *a = job->a, *b = job->b;
    float *c = job->c;
    if (job->split_rows) {
        compute_split(m, job->dot ? GEMM_DOT_TILE : blocking->mr, thread, threads, &begin, &end);
        if (begin >= end) return;
        a += job->transpose_a == GEMM_NORMAL ? (size_t)begin * job->lda : (size_t)begin;
        c += (size_t)begin * job->ldc;
        m = end - begin;
    } else {
        compute_split(n, job->dot ? GEMM_DOT_TILE : blocking->nr, thread, threads, &begin, &end);
        if (begin >= end) return;
        b += job->transpose_b == GEMM_NORMAL ? (size_t)begin : (size_t)begin * job->ldb;
        c += begin;
        n = end - begin;
    }
    if (job->dot) {
        gemm_dot(job->variant, m, n, job->k, job->alpha, a, job->lda, b, job->ldb, job->beta, c,
                 job->ldc);
    } else {
        gemm_packed(job->variant, job->context->packed_a[scratch],
                    job->context->packed_b[scratch], job->transpose_a, job->transpose_b, m, n,
                    job->k, job->alpha, a, job->lda, b, job->ldb, job->beta, c, job->ldc);
    }
}

static void gemm_job_run(void *argument, int thread, int threads) {
    gemm_job_range(argument, thread, thread, threads);
}

/* thread < 0: the product may be split over the context's threads; thread >= 0: computed whole
 * on that thread's packing scratch (the caller is that thread, inside compute_parallel). */
static void gemm_blocked(compute_context *context, int thread, gemm_transpose transpose_a,
                         gemm_transpose transpose_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) { /* BLAS convention: A and B are not read */
        scale_c(m, n, beta, c, ldc);
        return;
    }
    const gemm_variant *variant = context->gemm;
    const gemm_blocking *blocking = &variant->blocking;
    gemm_job job = {variant, context, use_dot_path(variant, transpose_a, transpose_b, m, k),
                    0, transpose_a, transpose_b, m, n, k, alpha, beta, a, b, lda, ldb, ldc, c};
    /* split the larger output dimension, in whole tiles, over at most one thread per tile */
    int row_tile = job.dot ? GEMM_DOT_TILE : blocking->mr;
    int column_tile = job.dot ? GEMM_DOT_TILE : blocking->nr;
    int row_tiles = (m + row_tile - 1) / row_tile;
    int column_tiles = (n + column_tile - 1) / column_tile;
    job.split_rows = (long)m * column_tile > (long)n * row_tile;
    int tiles = job.split_rows ? row_tiles : column_tiles;
    int wanted = context->threads < tiles ? context->threads : tiles;
    if (thread < 0 && wanted > 1 && (long)m * n * (long)k >= GEMM_PARALLEL_MIN_WORK) {
        compute_parallel(context, wanted, gemm_job_run, &job);
        return;
    }
    /* the whole product on one thread's scratch (the caller's, or a given worker's) */
    gemm_job_range(&job, thread > 0 ? thread : 0, 0, 1);
}

/* ---- shifted products for convolutions over a padded layout (gemm.h: sgemm_taps) ----------- */

#define GEMM_MAX_TAPS 49 /* a 7x7 kernel */
#define GEMM_MAX_MR 8   /* the largest register tile of any blocking (AVX-512's 8 x 32), */
#define GEMM_MAX_NR 32  /* for the stack tile of sgemm_taps' dense storage */

size_t sgemm_taps_tap_floats(const compute_context *context, int m, int k) {
    int mr = context->gemm->blocking.mr;
    return (size_t)((m + mr - 1) / mr) * (size_t)mr * (size_t)k;
}

size_t sgemm_taps_packed_floats_most(int taps, int m, int k) {
    return (size_t)taps * (size_t)(m + GEMM_MAX_MR - 1) * (size_t)k; /* m rounded up to any MR */
}

/* The layout pack_a gives one block: MR-row slivers one after another, each k steps of MR
 * values, missing rows zero. */
void sgemm_taps_pack_tap(const compute_context *context, int m, int k, const float *a,
                         ptrdiff_t row_stride, ptrdiff_t column_stride, float *packed) {
    const int mr = context->gemm->blocking.mr;
    for (int i = 0; i < m; i += mr)
        for (int p = 0; p < k; p++)
            for (int r = 0; r < mr; r++)
                *packed++ = i + r < m ? a[(ptrdiff_t)(i + r) * row_stride + p * column_stride]
                                      : 0.0f;
}

int sgemm_taps_fits(const compute_context *context, int taps, int k) {
    const gemm_blocking *blocking = &context->gemm->blocking;
    return taps > 0 && taps <= GEMM_MAX_TAPS && k > 0 && k <= blocking->kc &&
           blocking->mr <= GEMM_MAX_MR && blocking->nr <= GEMM_MAX_NR &&
           (size_t)taps * (size_t)k * (size_t)blocking->nr + 16 <=
               gemm_packed_b_floats(context->gemm);
}

int gemm_columns_needed(const gemm_needed_columns *needed, int first, int count) {
    if (needed == NULL) return 1;
    /* from padding to the next row's or image's first pixel, not column by column: half the
     * slivers of an 8x8 map on rows of 16 are padding, and each column would cost two
     * divisions */
    for (int j = first; j < first + count;) {
        int position = j % needed->period;
        if (position >= needed->span) {
            j += needed->period - position;
            continue;
        }
        int x = position % needed->row;
        if (x < needed->width) return 1;
        j += needed->row - x;
    }
    return 0;
}

/* Column of C that grid column j goes to (gemm.h): j itself, or its place among the needed. */
static size_t dense_column(const gemm_needed_columns *needed, int j) {
    if (needed == NULL || !needed->dense) return (size_t)j;
    int position = j % needed->period;
    size_t image_pixels = (size_t)(needed->span / needed->row) * needed->width;
    return (size_t)(j / needed->period) * image_pixels +
           (size_t)(position / needed->row) * needed->width + position % needed->row;
}

/* How many leading columns of the sliver [first, first + count) the microkernel can write in
 * place, as consecutive columns of C: all of them without dense storage; with it, the run up to
 * the end of the row's pixels when nothing after it in the sliver is needed (a 7-pixel row in
 * an 8-wide tile: 7), else 0 (the sliver straddles needed columns of two rows). */
static int sliver_run(const gemm_needed_columns *needed, int first, int count) {
    if (needed == NULL || !needed->dense) return count;
    int position = first % needed->period, x = position % needed->row;
    if (position >= needed->span || x >= needed->width) return 0;
    int run = needed->width - x;
    if (run >= count) return count;
    return gemm_columns_needed(needed, first + run, count - run) ? 0 : run;
}

/* One MR x NR tile of C (the top-left mr x nr) summed over every tap: by the variant's taps
 * kernel in one call, else tap after tap with the plain kernel (beta 0, then 1). */
static void taps_tile(const gemm_variant *variant, int taps, const ptrdiff_t *offsets, int k,
                      const float *packed_a, size_t tap_floats, const float *b, int ldb, float *c,
                      int ldc, int mr, int nr) {
    if (variant->taps != NULL) {
        variant->taps(taps, offsets, k, packed_a, tap_floats, b, ldb, c, ldc, mr, nr);
        return;
    }
    for (int t = 0; t < taps; t++)
        variant->kernel(k, packed_a + t * tap_floats, b + offsets[t], ldb, c, ldc, 1.0f,
                        t == 0 ? 0.0f : 1.0f, mr, nr);
}

/* For each NR-wide column sliver, each MR-tall tile of C is summed over every tap while its
 * accumulators (or, tap by tap, the tile) stay in registers and L1, B rows shared by the taps
 * in cache. Full slivers read B in place; only a ragged last sliver is packed (once per tap).
 * With dense storage a sliver that straddles a row end or the padding is computed into a tile
 * on the stack and its needed columns copied out. */
void sgemm_taps_on_thread(compute_context *context, int thread, int taps,
                          const ptrdiff_t *offsets, int m, int n, int k, const float *packed_a,
                          const float *b, int ldb, float *c, int ldc,
                          const gemm_needed_columns *needed) {
    if (m <= 0 || n <= 0) return;
    const gemm_variant *variant = context->gemm;
    const int mr_tile = variant->blocking.mr, nr_tile = variant->blocking.nr;
    const size_t tap_floats = sgemm_taps_tap_floats(context, m, k);
    float *packed_b = align64(context->packed_b[thread]);
    ptrdiff_t packed_offsets[GEMM_MAX_TAPS];
    for (int jr = 0; jr < n; jr += nr_tile) {
        int nr = min_int(nr_tile, n - jr);
        if (!gemm_columns_needed(needed, jr, nr)) continue;
        /* the ragged sliver's taps are packed one after another: offsets t*k*NR */
        const ptrdiff_t *tap_offsets = offsets;
        const float *b_base = b + jr;
        int b_stride = ldb;
        if (nr < nr_tile) {
            for (int t = 0; t < taps; t++) {
                pack_b(GEMM_NORMAL, b + offsets[t], ldb, 0, jr, k, nr, nr_tile,
                       packed_b + (size_t)t * k * nr_tile);
                packed_offsets[t] = (ptrdiff_t)t * k * nr_tile;
            }
            tap_offsets = packed_offsets;
            b_base = packed_b;
            b_stride = nr_tile;
        }
        int run = sliver_run(needed, jr, nr);
        float *c_sliver = c + dense_column(needed, jr);
        int destination[GEMM_MAX_NR]; /* C column of each column of the stack tile, or -1 */
        if (run == 0)
            for (int column = 0; column < nr; column++)
                destination[column] = gemm_columns_needed(needed, jr + column, 1)
                                          ? (int)dense_column(needed, jr + column)
                                          : -1;
        for (int ir = 0; ir < m; ir += mr_tile) {
            int mr = min_int(mr_tile, m - ir);
            const float *a_tile = packed_a + (size_t)ir * k;
            if (run > 0) {
                taps_tile(variant, taps, tap_offsets, k, a_tile, tap_floats, b_base, b_stride,
                          c_sliver + (size_t)ir * ldc, ldc, mr, run);
                continue;
            }
            float tile[GEMM_MAX_MR * GEMM_MAX_NR];
            taps_tile(variant, taps, tap_offsets, k, a_tile, tap_floats, b_base, b_stride, tile,
                      nr_tile, mr, nr);
            for (int column = 0; column < nr; column++) {
                if (destination[column] < 0) continue;
                float *to = c + (size_t)ir * ldc + destination[column];
                for (int i = 0; i < mr; i++) to[(size_t)i * ldc] = tile[i * nr_tile + column];
            }
        }
    }
}

#define GEMM_DOT_TAPS_ROWS 3 /* rows per dot_taps call: the AVX-512 kernel's 3 x 9 tile */

int sgemm_has_dot_taps9(const compute_context *context) {
    return context->gemm->dot_taps != NULL;
}

void sgemm_dot_taps9(const compute_context *context, const ptrdiff_t *offsets, int m, int n,
                     int k, const float *a, int lda, const float *b, int ldb, float *sums,
                     int ld_sums) {
    gemm_dot_taps_microkernel *kernel = context->gemm->dot_taps != NULL
                                            ? context->gemm->dot_taps
                                            : gemm_dot_taps9__portable;
    /* GEMM_DOT_TAPS_ROWS output-gradient rows per call share each input load; rows outer so
     * they stay in L1 while the input channels stream */
    for (int i = 0; i < m; i += GEMM_DOT_TAPS_ROWS) {
        for (int j = 0; j < n; j++)
            kernel(k, a + (size_t)i * lda, lda, b + (size_t)j * ldb, offsets,
                   min_int(GEMM_DOT_TAPS_ROWS, m - i), sums + (size_t)i * ld_sums + (size_t)j * 9,
                   ld_sums);
    }
}

/* ---- the variants ---------------------------------------------------------------------------- */

/* The last two fields say how the padded convolutions feed each kernel (gemm.h, gemm_plan.h):
 * measured with simd128, whose 8-wide tile gains from both, and with AVX-512, whose 32-wide one
 * gains from neither (docs/performance.md). The scalar reference takes the simd128 choices of
 * its equal tile, AVX2 the AVX-512 ones; neither was measured. */
const gemm_variant gemm_variants[] = {
    {.name = "gemm_4x8__scalar",
     .is_supported = NULL,
     .blocking = {.mr = 4, .nr = 8, .mc = 64, .kc = 256, .nc = 512},
     .kernel = gemm_ukernel_4x8__scalar,
     .straddling_slivers_to_tensor = 1,
     .one_tap_b_in_place = 1},
#if defined(__x86_64__)
    {.name = "gemm_6x16__avx2",
     .is_supported = gemm_x86_has_avx2_fma,
     .blocking = {.mr = 6, .nr = 16, .mc = 120, .kc = 256, .nc = 1024},
     .kernel = gemm_ukernel_6x16__avx2},
    {.name = "gemm_8x32__avx512",
     .is_supported = gemm_x86_has_avx512,
     .blocking = {.mr = 8, .nr = 32, .mc = 64, .kc = 384, .nc = 1024},
     .kernel = gemm_ukernel_8x32__avx512,
     .dot = gemm_dot_4x4__avx512,
     .taps = gemm_taps_8x32__avx512,
     .dot_taps = gemm_dot_taps9_3__avx512},
#endif
#if defined(__wasm_simd128__)
/* Both WebAssembly variants run gemm_wasmsimd.c's kernels (one source: the same 4x8 tile and loop
 * order), so they share the blocking and the driver's choices. */
#define WASM_GEMM_SHAPE                                                                       \
    .blocking = {.mr = 4, .nr = 8, .mc = 64, .kc = 256, .nc = 1024},                          \
    .straddling_slivers_to_tensor = 1, .one_tap_b_in_place = 1
    {.name = "gemm_4x8__wasmsimd",
     .is_supported = NULL,
     .kernel = gemm_ukernel_4x8__wasmsimd,
     .dot = gemm_dot_4x4__wasmsimd,
     .taps = gemm_taps_4x8__wasmsimd,
     WASM_GEMM_SHAPE},
#endif
#if defined(__wasm_simd128__) && defined(__EMSCRIPTEN__)
    /* The same kernels with fused multiply-adds, imported from the relaxed-SIMD module where the
     * JavaScript engine runs it (gemm_kernels.h). */
    {.name = "gemm_4x8__wasmrelaxed",
     .is_supported = gemm_wasm_relaxed_available,
     .kernel = gemm_ukernel_4x8__wasmrelaxed,
     .dot = gemm_dot_4x4__wasmrelaxed,
     .taps = gemm_taps_4x8__wasmrelaxed,
     WASM_GEMM_SHAPE},
#endif
};
const int gemm_variant_count = (int)(sizeof gemm_variants / sizeof gemm_variants[0]);

size_t gemm_packed_a_floats(const gemm_variant *variant) {
    return (size_t)variant->blocking.mc * (size_t)variant->blocking.kc + 16;
}

size_t gemm_packed_b_floats(const gemm_variant *variant) {
    return (size_t)variant->blocking.kc * (size_t)variant->blocking.nc + 16;
}

void sgemm(compute_context *context, gemm_transpose transpose_a, gemm_transpose transpose_b,
           int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc) {
    gemm_blocked(context, -1, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                 ldc);
}

void sgemm_on_thread(compute_context *context, int thread, gemm_transpose transpose_a,
                     gemm_transpose transpose_b, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    gemm_blocked(context, thread, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta,
                 c, ldc);
}

void sgemm_dot_on_thread(compute_context *context, int thread, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc) {
    if (context->gemm->dot == NULL || m <= 0 || n <= 0 || k <= 0) {
        sgemm_on_thread(context, thread, GEMM_NORMAL, GEMM_TRANSPOSED, m, n, k, alpha, a, lda, b,
                        ldb, beta, c, ldc);
        return;
    }
    gemm_dot(context->gemm, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
