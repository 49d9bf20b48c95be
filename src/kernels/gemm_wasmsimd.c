/* gemm_wasmsimd.c - the WebAssembly simd128 GEMM microkernel, 4x8 over packed panels. simd128
 * has no fused multiply-add, so each step is f32x4 mul + add; the packing and blocking are the
 * shared driver in gemm.c. Compiled only with -msimd128. */
#if defined(__wasm_simd128__)

#include <stddef.h>
#include <wasm_simd128.h>

void gemm_ukernel_4x8__wasmsimd(int kc, const float *a, const float *b, int ldb, float *c,
                                int ldc, float alpha, float beta, int mr, int nr);
void gemm_taps_4x8__wasmsimd(int taps, const ptrdiff_t *offsets, int kc, const float *a,
                             size_t a_tap, const float *b, int ldb, float *c, int ldc, int mr,
                             int nr);

/* 8 accumulators + 2 B vectors + 1 broadcast fit the 16 xmm registers V8 has on x86-64, so
 * nothing spills inside the loop. load32_splat is one vbroadcastss where splat of a scalar
 * load is two instructions. */
void gemm_ukernel_4x8__wasmsimd(int kc, const float *a, const float *b, int ldb, float *c,
                                int ldc, float alpha, float beta, int mr, int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    /* Emscripten builds with loop strength reduction off, so step the pointer by hand rather
     * than index b[p * ldb]: that multiply per step cost about a fifth of the kernel's speed. */
    for (int p = 0; p < kc; p++, b += ldb) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x;
        x = wasm_v128_load32_splat(a + 0);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a + 1);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a + 2);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a + 3);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
        a += 4;
    }
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
    /* Edge tile: spill to a local tile, then copy only the valid part. */
    float tile[4][8];
    for (int i = 0; i < 4; i++) {
        wasm_v128_store(tile[i], acc[i][0]);
        wasm_v128_store(tile[i] + 4, acc[i][1]);
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

/* The 4x8 tile over every tap of a padded convolution (gemm.h: gemm_taps_microkernel): the
 * accumulators live through all taps, so C is stored once rather than reloaded per tap, which
 * with 16-64 channels per tap cost about a fifth of the time. */
void gemm_taps_4x8__wasmsimd(int taps, const ptrdiff_t *offsets, int kc, const float *a,
                             size_t a_tap, const float *b, int ldb, float *c, int ldc, int mr,
                             int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int t = 0; t < taps; t++) {
        const float *ap = a + (size_t)t * a_tap, *bp = b + offsets[t];
        for (int p = 0; p < kc; p++, bp += ldb, ap += 4) {
            v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            v128_t x;
            x = wasm_v128_load32_splat(ap + 0);
            c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
            c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load32_splat(ap + 1);
            c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
            c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load32_splat(ap + 2);
            c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
            c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
            x = wasm_v128_load32_splat(ap + 3);
            c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
            c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
        }
    }
    v128_t acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
    if (mr == 4 && nr == 8) {
        for (int i = 0; i < 4; i++) {
            wasm_v128_store(c + (size_t)i * ldc, acc[i][0]);
            wasm_v128_store(c + (size_t)i * ldc + 4, acc[i][1]);
        }
        return;
    }
    float tile[4][8];
    for (int i = 0; i < 4; i++) {
        wasm_v128_store(tile[i], acc[i][0]);
        wasm_v128_store(tile[i] + 4, acc[i][1]);
    }
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) c[(size_t)i * ldc + j] = tile[i][j];
}

#else
/* ISO C forbids an empty translation unit. */
typedef int gemm_wasmsimd_unused;
#endif
