/* gemm_x86.c - the native x86-64 GEMM microkernels: 6x16 for AVX2+FMA and 8x32 for AVX-512F.
 * Built with per-function target attributes and chosen at run time, so one binary still runs on
 * CPUs without them. The packing and blocking are the shared driver in gemm.c. */
#if defined(__x86_64__)

#include <immintrin.h>
#include <stddef.h>

int gemm_x86_has_avx2_fma(void);
int gemm_x86_has_avx512(void);
void gemm_ukernel_6x16__avx2(int kc, const float *a, const float *b, int ldb, float *c, int ldc,
                             float alpha, float beta, int mr, int nr);
void gemm_ukernel_8x32__avx512(int kc, const float *a, const float *b, int ldb, float *c,
                               int ldc, float alpha, float beta, int mr, int nr);

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
    /* Edge tile: spill to a local tile, then copy only the valid part. */
    float tile[6][16];
    for (int i = 0; i < 6; i++) {
        _mm256_storeu_ps(tile[i], _mm256_mul_ps(alpha_v, acc[i][0]));
        _mm256_storeu_ps(tile[i] + 8, _mm256_mul_ps(alpha_v, acc[i][1]));
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < nr; j++) row[j] = tile[i][j];
        } else {
            for (int j = 0; j < nr; j++) row[j] = tile[i][j] + beta * row[j];
        }
    }
}

/* 8x32: 16 zmm accumulators of the 32 registers; per k step 2 B loads + 8 broadcasts feed 16
 * FMAs, within the two load ports while the two FMA ports stay busy. 8 rows divide the 16/32/64
 * output channels of the network's convolutions exactly. */
__attribute__((target("avx512f"))) void gemm_ukernel_8x32__avx512(
    int kc, const float *a, const float *b, int ldb, float *c, int ldc, float alpha, float beta,
    int mr, int nr) {
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
    __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        const float *bp = b + (size_t)p * ldb;
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        __m512 x;
        x = _mm512_set1_ps(a[0]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(a[1]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(a[2]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(a[3]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
        x = _mm512_set1_ps(a[4]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
        x = _mm512_set1_ps(a[5]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
        x = _mm512_set1_ps(a[6]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
        x = _mm512_set1_ps(a[7]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
        a += 8;
    }
    __m512 acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                        {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    const __m512 alpha_v = _mm512_set1_ps(alpha), beta_v = _mm512_set1_ps(beta);
    /* Masked stores handle a narrow edge tile without a bounce buffer. */
    __mmask16 mask0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
    __mmask16 mask1 = nr >= 32 ? (__mmask16)0xFFFF
                               : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1u);
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

#else
/* ISO C forbids an empty translation unit. */
typedef int gemm_x86_unused;
#endif
