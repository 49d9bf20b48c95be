/* gemm_wasmsimd.c - the WebAssembly simd128 GEMM microkernel, 4x8 over packed panels. simd128
 * has no fused multiply-add, so each step is f32x4 mul + add; the packing and blocking are the
 * shared driver in gemm.c. Compiled only with -msimd128. */
#if defined(__wasm_simd128__)

#include <stddef.h>
#include <wasm_simd128.h>

#include "kernels/gemm_kernels.h"
#include "kernels/gemm_tile.h"

/* One k step of the 4x8 tile (4 broadcasts of A against 2 vectors of B into c00..c31), shared
 * by the plain and the taps kernels so both sum in exactly the same order. */
#define WASMSIMD_4X8_ROW(a_element, cr0, cr1)                                                 \
    do {                                                                                      \
        v128_t x = wasm_v128_load32_splat(a_element);                                         \
        cr0 = wasm_f32x4_add(cr0, wasm_f32x4_mul(x, b0));                                     \
        cr1 = wasm_f32x4_add(cr1, wasm_f32x4_mul(x, b1));                                     \
    } while (0)
#define WASMSIMD_4X8_STEP(a_step, b_step)                                                     \
    do {                                                                                      \
        const float *a_ = (a_step), *b_ = (b_step);                                           \
        v128_t b0 = wasm_v128_load(b_), b1 = wasm_v128_load(b_ + 4);                          \
        WASMSIMD_4X8_ROW(a_ + 0, c00, c01); WASMSIMD_4X8_ROW(a_ + 1, c10, c11);               \
        WASMSIMD_4X8_ROW(a_ + 2, c20, c21); WASMSIMD_4X8_ROW(a_ + 3, c30, c31);               \
    } while (0)

/* 8 accumulators + 2 B vectors + 1 broadcast fit the 16 xmm registers V8 has on x86-64, so
 * nothing spills inside the loop. load32_splat is one vbroadcastss where splat of a scalar
 * load is two instructions. */
void gemm_ukernel_4x8__wasmsimd(int kc, const float *a, const float *b, int ldb, float *c,
                                int ldc, float alpha, float beta, int mr, int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    /* Emscripten builds with loop strength reduction off, so step the pointer by hand rather
     * than index b[p * ldb], whose multiply would stay in the loop (docs/performance.md). */
    for (int p = 0; p < kc; p++, b += ldb, a += 4) WASMSIMD_4X8_STEP(a, b);
    const v128_t alpha_v = wasm_f32x4_splat(alpha), beta_v = wasm_f32x4_splat(beta);
    v128_t acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
    for (int i = 0; i < 4; i++) {
        acc[i][0] = wasm_f32x4_mul(alpha_v, acc[i][0]);
        acc[i][1] = wasm_f32x4_mul(alpha_v, acc[i][1]);
    }
    if (mr == 4 && nr == 8) {
        for (int i = 0; i < 4; i++) {
            float *row = c + (size_t)i * ldc;
            if (beta != 0.0f) {
                acc[i][0] = wasm_f32x4_add(acc[i][0], wasm_f32x4_mul(beta_v, wasm_v128_load(row)));
                acc[i][1] =
                    wasm_f32x4_add(acc[i][1], wasm_f32x4_mul(beta_v, wasm_v128_load(row + 4)));
            }
            wasm_v128_store(row, acc[i][0]);
            wasm_v128_store(row + 4, acc[i][1]);
        }
        return;
    }
    /* Edge tile: spill to a local tile (alpha already applied), then store the valid part. */
    float tile[4][8];
    for (int i = 0; i < 4; i++) {
        wasm_v128_store(tile[i], acc[i][0]);
        wasm_v128_store(tile[i] + 4, acc[i][1]);
    }
    gemm_store_tile(c, ldc, &tile[0][0], 8, mr, nr, 1.0f, beta);
}

/* The first nr (< 8) values of the row (low, high): whole vectors, then pairs and singles by
 * lane stores. A loop over them compiles to a call of memcpy per row, which dense storage at 7x7
 * would make for every 7-pixel output row. */
static void store_row_part(float *row, v128_t low, v128_t high, int nr) {
    if (nr >= 4) {
        wasm_v128_store(row, low);
        row += 4;
        nr -= 4;
        low = high;
    }
    if (nr >= 2) {
        wasm_v128_store64_lane(row, low, 0);
        row += 2;
        nr -= 2;
        low = wasm_i32x4_shuffle(low, low, 2, 3, 2, 3);
    }
    if (nr >= 1) wasm_v128_store32_lane(row, low, 0);
}

/* The 4x8 tile over every tap of a padded convolution (gemm.h: gemm_taps_microkernel): the
 * accumulators live through all taps, so C is stored once rather than loaded, added and stored
 * once per tap (with 16-64 channels a tap is only 16-64 steps). */
void gemm_taps_4x8__wasmsimd(int taps, const ptrdiff_t *offsets, int kc, const float *a,
                             size_t a_tap, const float *b, int ldb, float *c, int ldc, int mr,
                             int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int t = 0; t < taps; t++) {
        const float *ap = a + (size_t)t * a_tap, *bp = b + offsets[t];
        for (int p = 0; p < kc; p++, bp += ldb, ap += 4) WASMSIMD_4X8_STEP(ap, bp);
    }
    v128_t acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
    if (mr == 4 && nr == 8) {
        for (int i = 0; i < 4; i++) {
            wasm_v128_store(c + (size_t)i * ldc, acc[i][0]);
            wasm_v128_store(c + (size_t)i * ldc + 4, acc[i][1]);
        }
        return;
    }
    for (int i = 0; i < mr; i++) {
        if (nr == 8) {
            wasm_v128_store(c + (size_t)i * ldc, acc[i][0]);
            wasm_v128_store(c + (size_t)i * ldc + 4, acc[i][1]);
        } else {
            store_row_part(c + (size_t)i * ldc, acc[i][0], acc[i][1], nr);
        }
    }
}

/* The sum of the four lanes, in a fixed order. */
static float lanes_sum(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* A * B^T for long k (gemm.h: gemm_dot_microkernel): the 4x4 tile as two passes of 4 A rows
 * against 2 B rows, so that 8 accumulators and 6 loaded vectors stay in V8's registers (16
 * accumulators would spill); the A rows, read twice, are in L1. Missing rows repeat the first
 * and their sums are dropped; the k tail is added after the lanes, in order. */
void gemm_dot_4x4__wasmsimd(int kc, const float *a, int lda, const float *b, int ldb, float *c,
                            int ldc, float alpha, float beta, int mr, int nr) {
    const float *rows[4], *columns[4];
    for (int i = 0; i < 4; i++) {
        rows[i] = a + (size_t)(i < mr ? i : 0) * lda;
        columns[i] = b + (size_t)(i < nr ? i : 0) * ldb;
    }
    float sums[4][4];
    int vector_end = kc & ~3;
    for (int pass = 0; pass < 2; pass++) {
        const float *y0 = columns[2 * pass], *y1 = columns[2 * pass + 1];
        v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00;
        v128_t s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        for (int p = 0; p < vector_end; p += 4) {
            v128_t b0 = wasm_v128_load(y0 + p), b1 = wasm_v128_load(y1 + p);
            v128_t x = wasm_v128_load(rows[0] + p);
            s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0));
            s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load(rows[1] + p);
            s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0));
            s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load(rows[2] + p);
            s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0));
            s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load(rows[3] + p);
            s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0));
            s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
        }
        const v128_t lanes[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) {
                const float *x = rows[i], *y = columns[2 * pass + j];
                float sum = lanes_sum(lanes[i][j]);
                for (int p = vector_end; p < kc; p++) sum += x[p] * y[p];
                sums[i][2 * pass + j] = sum;
            }
    }
    gemm_store_tile(c, ldc, &sums[0][0], 4, mr, nr, alpha, beta);
}

#else
/* ISO C forbids an empty translation unit. */
typedef int gemm_wasmsimd_unused;
#endif
