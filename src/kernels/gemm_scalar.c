/* gemm_scalar.c - the portable microkernels, plain C for every build: the 4x8 reference GEMM
 * tile (the variant every other one is tested against, and the only one without SIMD) and the
 * 3x3 weight gradient's dot_taps kernel that sgemm_dot_taps9 falls back on. */
#include "kernels/gemm_kernels.h"
#include "kernels/gemm_tile.h"

/* 4x8: 32 accumulators, the tile the wasm kernel uses too, so the two paths sum in the same
 * order per output (only fused vs separate multiply-add rounding differs). */
void gemm_ukernel_4x8__scalar(int kc, const float *a, const float *b, int ldb, float *c, int ldc,
                              float alpha, float beta, int mr, int nr) {
    float acc[4][8] = {{0.0f}};
    for (int p = 0; p < kc; p++) {
        const float *bp = b + (size_t)p * ldb;
        for (int i = 0; i < 4; i++) {
            float ai = a[p * 4 + i];
            for (int j = 0; j < 8; j++) acc[i][j] += ai * bp[j];
        }
    }
    gemm_store_tile(c, ldc, &acc[0][0], 8, mr, nr, alpha, beta);
}

/* 8 independent lanes per (row, tap) sum, so compilers vectorise it without reassociating
 * (clang turns it into simd128 for the wasm SIMD build), then the lanes are added in a fixed
 * order. */
#define GEMM_DOT_TAPS_LANES 8

void gemm_dot_taps9__portable(int kc, const float *a, int lda, const float *b,
                              const ptrdiff_t *offsets, int rows, float *sums, int ld_sums) {
    for (int i = 0; i < rows; i++) {
        const float *row = a + (size_t)i * lda;
        float lanes[9][GEMM_DOT_TAPS_LANES] = {{0.0f}};
        int q = 0;
        for (; q + GEMM_DOT_TAPS_LANES <= kc; q += GEMM_DOT_TAPS_LANES) {
            for (int t = 0; t < 9; t++) {
                const float *x = b + offsets[t] + q;
                for (int l = 0; l < GEMM_DOT_TAPS_LANES; l++) lanes[t][l] += row[q + l] * x[l];
            }
        }
        for (int t = 0; t < 9; t++) {
            float sum = 0.0f;
            for (int l = 0; l < GEMM_DOT_TAPS_LANES; l++) sum += lanes[t][l];
            for (int r = q; r < kc; r++) sum += row[r] * b[offsets[t] + r];
            sums[(size_t)i * ld_sums + t] += sum;
        }
    }
}
