/* gemm_x86.c - the native x86-64 GEMM microkernels: 6x16 for AVX2+FMA and 8x32 for AVX-512F.
 * Built with per-function target attributes and chosen at run time, so one binary still runs on
 * CPUs without them. The packing and blocking are the shared driver in gemm.c. */
#if defined(__x86_64__)

#include <immintrin.h>
#include <stddef.h>

#include "kernels/gemm_kernels.h"
#include "kernels/gemm_tile.h"

int gemm_x86_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int gemm_x86_has_avx512(void) {
    __builtin_cpu_init();
    return gemm_x86_has_avx2_fma() && __builtin_cpu_supports("avx512f");
}

/* 6x16: 12 ymm accumulators + 2 B vectors + 1 broadcast of the 16 registers; two FMAs per
 * broadcast hides the 4-5 cycle FMA latency with 12 independent chains. */
__attribute__((target("avx2,fma"))) void gemm_ukernel_6x16__avx2(
    int kc, const float *a, const float *b, int ldb, float *c, int ldc, float alpha, float beta,
    int mr, int nr) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++) {
        const float *bp = b + (size_t)p * ldb;
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        a += 6;
    }
    __m256 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const __m256 alpha_v = _mm256_set1_ps(alpha), beta_v = _mm256_set1_ps(beta);
    if (mr == 6 && nr == 16) {
        for (int i = 0; i < 6; i++) {
            float *row = c + (size_t)i * ldc;
            __m256 r0 = _mm256_mul_ps(alpha_v, acc[i][0]), r1 = _mm256_mul_ps(alpha_v, acc[i][1]);
            if (beta != 0.0f) {
                r0 = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(row), r0);
                r1 = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(row + 8), r1);
            }
            _mm256_storeu_ps(row, r0);
            _mm256_storeu_ps(row + 8, r1);
        }
        return;
    }
    /* Edge tile: the valid part of C goes through a local tile so that every value gets the
     * same arithmetic as in a full tile (alpha * acc, then one fused multiply-add with beta);
     * results then do not depend on where a GEMM's rows or columns are split over threads. */
    float tile[6][16];
    for (int i = 0; i < mr; i++) {
        const float *row = c + (size_t)i * ldc;
        for (int j = 0; j < nr; j++) tile[i][j] = beta != 0.0f ? row[j] : 0.0f;
        for (int j = nr; j < 16; j++) tile[i][j] = 0.0f;
    }
    for (int i = 0; i < mr; i++) {
        __m256 r0 = _mm256_mul_ps(alpha_v, acc[i][0]), r1 = _mm256_mul_ps(alpha_v, acc[i][1]);
        if (beta != 0.0f) {
            r0 = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(tile[i]), r0);
            r1 = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(tile[i] + 8), r1);
        }
        _mm256_storeu_ps(tile[i], r0);
        _mm256_storeu_ps(tile[i] + 8, r1);
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        for (int j = 0; j < nr; j++) row[j] = tile[i][j];
    }
}

/* The 8x32 tile's 16 accumulators and one k step of it (8 broadcasts of A against 2 vectors of
 * B), shared by the plain and the taps kernels so both sum in exactly the same order. */
#define AVX512_8X32_ACCUMULATORS                                                              \
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();                              \
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();                              \
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();                              \
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();                              \
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();                              \
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();                              \
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();                              \
    __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps()
#define AVX512_8X32_ROW(a_row, cr0, cr1)                                                      \
    do {                                                                                      \
        __m512 x = _mm512_set1_ps(a_row);                                                     \
        cr0 = _mm512_fmadd_ps(x, b0, cr0);                                                    \
        cr1 = _mm512_fmadd_ps(x, b1, cr1);                                                    \
    } while (0)
#define AVX512_8X32_STEP(a_step, b_step)                                                      \
    do {                                                                                      \
        const float *a_ = (a_step), *b_ = (b_step);                                           \
        __m512 b0 = _mm512_loadu_ps(b_), b1 = _mm512_loadu_ps(b_ + 16);                       \
        AVX512_8X32_ROW(a_[0], c00, c01); AVX512_8X32_ROW(a_[1], c10, c11);                   \
        AVX512_8X32_ROW(a_[2], c20, c21); AVX512_8X32_ROW(a_[3], c30, c31);                   \
        AVX512_8X32_ROW(a_[4], c40, c41); AVX512_8X32_ROW(a_[5], c50, c51);                   \
        AVX512_8X32_ROW(a_[6], c60, c61); AVX512_8X32_ROW(a_[7], c70, c71);                   \
    } while (0)

/* The lanes of one 16-float store that hold the first `columns` columns (all, none or some):
 * masked stores handle a narrow edge tile without a bounce buffer. */
static inline __mmask16 avx512_columns_mask(int columns) {
    return columns >= 16 ? (__mmask16)0xFFFF
                         : columns <= 0 ? (__mmask16)0 : (__mmask16)((1u << columns) - 1u);
}

/* 8x32: 16 zmm accumulators of the 32 registers; per k step 2 B loads + 8 broadcasts feed 16
 * FMAs, within the two load ports while the two FMA ports stay busy. 8 rows divide the 16/32/64
 * output channels of the network's convolutions exactly. */
__attribute__((target("avx512f"))) void gemm_ukernel_8x32__avx512(
    int kc, const float *a, const float *b, int ldb, float *c, int ldc, float alpha, float beta,
    int mr, int nr) {
    AVX512_8X32_ACCUMULATORS;
    for (int p = 0; p < kc; p++) {
        AVX512_8X32_STEP(a, b + (size_t)p * ldb);
        a += 8;
    }
    __m512 acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                        {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    const __m512 alpha_v = _mm512_set1_ps(alpha), beta_v = _mm512_set1_ps(beta);
    __mmask16 mask0 = avx512_columns_mask(nr), mask1 = avx512_columns_mask(nr - 16);
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 r0 = _mm512_mul_ps(alpha_v, acc[i][0]), r1 = _mm512_mul_ps(alpha_v, acc[i][1]);
        if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(beta_v, _mm512_maskz_loadu_ps(mask0, row), r0);
            r1 = _mm512_fmadd_ps(beta_v, _mm512_maskz_loadu_ps(mask1, row + 16), r1);
        }
        _mm512_mask_storeu_ps(row, mask0, r0);
        _mm512_mask_storeu_ps(row + 16, mask1, r1);
    }
}

/* The 8x32 tile over every tap of a padded convolution (gemm.h: gemm_taps_microkernel): the
 * same inner step as gemm_ukernel_8x32__avx512, but the 16 accumulators live through all taps,
 * so C is stored once instead of loaded, scaled and stored once per tap (with 16-64 channels a
 * tap is only 16-64 steps). */
__attribute__((target("avx512f"))) void gemm_taps_8x32__avx512(
    int taps, const ptrdiff_t *offsets, int kc, const float *a, size_t a_tap, const float *b,
    int ldb, float *c, int ldc, int mr, int nr) {
    AVX512_8X32_ACCUMULATORS;
    for (int t = 0; t < taps; t++) {
        const float *ap = a + (size_t)t * a_tap, *bp = b + offsets[t];
        for (int p = 0; p < kc; p++, bp += ldb, ap += 8) AVX512_8X32_STEP(ap, bp);
    }
    __m512 acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                        {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    __mmask16 mask0 = avx512_columns_mask(nr), mask1 = avx512_columns_mask(nr - 16);
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        _mm512_mask_storeu_ps(row, mask0, acc[i][0]);
        _mm512_mask_storeu_ps(row + 16, mask1, acc[i][1]);
    }
}

/* 3 rows x 9 taps of dot products (gemm.h: gemm_dot_taps_microkernel): per 16 steps, 3 row
 * loads and 9 loads of the shifted input (which overlap, so they hit L1) feed 27 FMAs into 27
 * accumulators (31 of the 32 registers). Each shifted load is pinned in a register: gcc would
 * otherwise fold it into every FMA that uses it, and most are cache-line-split loads. The k
 * tail uses masked loads; missing rows repeat the first and their sums are dropped. */
#define DOT_TAPS_TAP(t)                                                                       \
    do {                                                                                      \
        __m512 x = DOT_TAPS_LOAD(t);                                                          \
        __asm__("" : "+v"(x));                                                                \
        s0##t = _mm512_fmadd_ps(r0, x, s0##t);                                                \
        s1##t = _mm512_fmadd_ps(r1, x, s1##t);                                                \
        s2##t = _mm512_fmadd_ps(r2, x, s2##t);                                                \
    } while (0)
#define DOT_TAPS_STEP()                                                                       \
    do {                                                                                      \
        DOT_TAPS_TAP(0); DOT_TAPS_TAP(1); DOT_TAPS_TAP(2); DOT_TAPS_TAP(3); DOT_TAPS_TAP(4);  \
        DOT_TAPS_TAP(5); DOT_TAPS_TAP(6); DOT_TAPS_TAP(7); DOT_TAPS_TAP(8);                   \
    } while (0)

__attribute__((target("avx512f"))) void gemm_dot_taps9_3__avx512(
    int kc, const float *a, int lda, const float *b, const ptrdiff_t *offsets, int rows,
    float *sums, int ld_sums) {
    const float *a0 = a, *a1 = a + (rows > 1 ? (size_t)lda : 0);
    const float *a2 = a + (rows > 2 ? 2 * (size_t)lda : 0);
    const float *shifted[9];
    for (int t = 0; t < 9; t++) shifted[t] = b + offsets[t];
    __m512 s00 = _mm512_setzero_ps(), s01 = s00, s02 = s00, s03 = s00, s04 = s00, s05 = s00;
    __m512 s06 = s00, s07 = s00, s08 = s00;
    __m512 s10 = s00, s11 = s00, s12 = s00, s13 = s00, s14 = s00, s15 = s00, s16 = s00;
    __m512 s17 = s00, s18 = s00;
    __m512 s20 = s00, s21 = s00, s22 = s00, s23 = s00, s24 = s00, s25 = s00, s26 = s00;
    __m512 s27 = s00, s28 = s00;
    int q = 0;
    for (; q + 16 <= kc; q += 16) {
        __m512 r0 = _mm512_loadu_ps(a0 + q), r1 = _mm512_loadu_ps(a1 + q);
        __m512 r2 = _mm512_loadu_ps(a2 + q);
#define DOT_TAPS_LOAD(t) _mm512_loadu_ps(shifted[t] + q)
        DOT_TAPS_STEP();
#undef DOT_TAPS_LOAD
    }
    if (q < kc) {
        __mmask16 mask = (__mmask16)((1u << (kc - q)) - 1u);
        __m512 r0 = _mm512_maskz_loadu_ps(mask, a0 + q), r1 = _mm512_maskz_loadu_ps(mask, a1 + q);
        __m512 r2 = _mm512_maskz_loadu_ps(mask, a2 + q);
#define DOT_TAPS_LOAD(t) _mm512_maskz_loadu_ps(mask, shifted[t] + q)
        DOT_TAPS_STEP();
#undef DOT_TAPS_LOAD
    }
    const __m512 sum[3][9] = {{s00, s01, s02, s03, s04, s05, s06, s07, s08},
                              {s10, s11, s12, s13, s14, s15, s16, s17, s18},
                              {s20, s21, s22, s23, s24, s25, s26, s27, s28}};
    for (int i = 0; i < rows && i < 3; i++)
        for (int t = 0; t < 9; t++) sums[(size_t)i * ld_sums + t] += _mm512_reduce_add_ps(sum[i][t]);
}

/* 4x4 dot products: per 16 steps of k, 4 A + 4 B loads feed 16 FMAs into 16 accumulators. Rows
 * past mr/nr repeat the last valid row (their sums are computed and dropped), so the loop has
 * no edge case; the k tail uses masked loads. */
#define DOT_FMA_ROW(i, x)                                                                    \
    acc##i##0 = _mm512_fmadd_ps(x, y0, acc##i##0);                                           \
    acc##i##1 = _mm512_fmadd_ps(x, y1, acc##i##1);                                           \
    acc##i##2 = _mm512_fmadd_ps(x, y2, acc##i##2);                                           \
    acc##i##3 = _mm512_fmadd_ps(x, y3, acc##i##3)

__attribute__((target("avx512f"))) void gemm_dot_4x4__avx512(
    int kc, const float *a, int lda, const float *b, int ldb, float *c, int ldc, float alpha,
    float beta, int mr, int nr) {
    const float *a0 = a, *a1 = a + (size_t)(mr > 1 ? 1 : 0) * lda;
    const float *a2 = a + (size_t)(mr > 2 ? 2 : mr - 1) * lda;
    const float *a3 = a + (size_t)(mr > 3 ? 3 : mr - 1) * lda;
    const float *b0 = b, *b1 = b + (size_t)(nr > 1 ? 1 : 0) * ldb;
    const float *b2 = b + (size_t)(nr > 2 ? 2 : nr - 1) * ldb;
    const float *b3 = b + (size_t)(nr > 3 ? 3 : nr - 1) * ldb;
    __m512 acc00 = _mm512_setzero_ps(), acc01 = acc00, acc02 = acc00, acc03 = acc00;
    __m512 acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
    __m512 acc20 = acc00, acc21 = acc00, acc22 = acc00, acc23 = acc00;
    __m512 acc30 = acc00, acc31 = acc00, acc32 = acc00, acc33 = acc00;
    int p = 0;
    for (; p + 16 <= kc; p += 16) {
        __m512 y0 = _mm512_loadu_ps(b0 + p), y1 = _mm512_loadu_ps(b1 + p);
        __m512 y2 = _mm512_loadu_ps(b2 + p), y3 = _mm512_loadu_ps(b3 + p);
        __m512 x0 = _mm512_loadu_ps(a0 + p), x1 = _mm512_loadu_ps(a1 + p);
        __m512 x2 = _mm512_loadu_ps(a2 + p), x3 = _mm512_loadu_ps(a3 + p);
        DOT_FMA_ROW(0, x0);
        DOT_FMA_ROW(1, x1);
        DOT_FMA_ROW(2, x2);
        DOT_FMA_ROW(3, x3);
    }
    if (p < kc) {
        __mmask16 mask = (__mmask16)((1u << (kc - p)) - 1u);
        __m512 y0 = _mm512_maskz_loadu_ps(mask, b0 + p), y1 = _mm512_maskz_loadu_ps(mask, b1 + p);
        __m512 y2 = _mm512_maskz_loadu_ps(mask, b2 + p), y3 = _mm512_maskz_loadu_ps(mask, b3 + p);
        __m512 x0 = _mm512_maskz_loadu_ps(mask, a0 + p), x1 = _mm512_maskz_loadu_ps(mask, a1 + p);
        __m512 x2 = _mm512_maskz_loadu_ps(mask, a2 + p), x3 = _mm512_maskz_loadu_ps(mask, a3 + p);
        DOT_FMA_ROW(0, x0);
        DOT_FMA_ROW(1, x1);
        DOT_FMA_ROW(2, x2);
        DOT_FMA_ROW(3, x3);
    }
    const float sums[4][4] = {
        {_mm512_reduce_add_ps(acc00), _mm512_reduce_add_ps(acc01), _mm512_reduce_add_ps(acc02),
         _mm512_reduce_add_ps(acc03)},
        {_mm512_reduce_add_ps(acc10), _mm512_reduce_add_ps(acc11), _mm512_reduce_add_ps(acc12),
         _mm512_reduce_add_ps(acc13)},
        {_mm512_reduce_add_ps(acc20), _mm512_reduce_add_ps(acc21), _mm512_reduce_add_ps(acc22),
         _mm512_reduce_add_ps(acc23)},
        {_mm512_reduce_add_ps(acc30), _mm512_reduce_add_ps(acc31), _mm512_reduce_add_ps(acc32),
         _mm512_reduce_add_ps(acc33)}};
    gemm_store_tile(c, ldc, &sums[0][0], 4, mr, nr, alpha, beta);
}

#else
/* ISO C forbids an empty translation unit. */
typedef int gemm_x86_unused;
#endif
