/* gemm_wasmsimd.c - the WebAssembly GEMM microkernels (4x8 over packed panels, the shifted
 * products of the padded convolutions, long-k dot products), one source for two instruction
 * sets: simd128, built by Emscripten into every SIMD flavour (no fused multiply-add, so each step
 * is f32x4 mul + add), and relaxed SIMD, built by clang-16 with -mrelaxed-simd into the small
 * module of src/wasm/relaxed-simd.cmake that the engine imports where the JavaScript engine runs
 * it (each step one f32x4.relaxed_madd, which V8 lowers to FMA where the CPU has it). The packing
 * and blocking are the shared driver in gemm.c.
 * The kernels use no stack and no static data: the relaxed module runs in the engine's memory
 * without a stack or data of its own, and its build refuses a kernel that needs a stack frame. */
#if defined(__wasm_simd128__)

#include <stddef.h>
#include <wasm_simd128.h>

#include "kernels/gemm_kernels.h"

#if defined(__wasm_relaxed_simd__)
/* acc + x * y rounded once (or twice where the CPU has no FMA: relaxed_madd allows either) */
#define WASM_MADD(x, y, acc)                                                                  \
    ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(x), (__f32x4)(y), (__f32x4)(acc)))
#define WASM_KERNEL(name) name##__wasmrelaxed

/* The engine's variant table asks this before it picks the relaxed kernels; the engine's stand-in
 * for it (src/wasm/relaxed-simd-library.js) answers 0 where this module was not linked. */
int gemm_wasm_relaxed_available(void) { return 1; }
#else
#define WASM_MADD(x, y, acc) wasm_f32x4_add((acc), wasm_f32x4_mul((x), (y)))
#define WASM_KERNEL(name) name##__wasmsimd
#endif

/* One k step of the 4x8 tile (4 broadcasts of A against 2 vectors of B into c00..c31), shared
 * by the plain and the taps kernels so both sum in exactly the same order. */
#define WASMSIMD_4X8_ROW(a_element, cr0, cr1)                                                 \
    do {                                                                                      \
        v128_t x = wasm_v128_load32_splat(a_element);                                         \
        cr0 = WASM_MADD(x, b0, cr0);                                                          \
        cr1 = WASM_MADD(x, b1, cr1);                                                          \
    } while (0)
#define WASMSIMD_4X8_STEP(a_step, b_step)                                                     \
    do {                                                                                      \
        const float *a_ = (a_step), *b_ = (b_step);                                           \
        v128_t b0 = wasm_v128_load(b_), b1 = wasm_v128_load(b_ + 4);                          \
        WASMSIMD_4X8_ROW(a_ + 0, c00, c01); WASMSIMD_4X8_ROW(a_ + 1, c10, c11);               \
        WASMSIMD_4X8_ROW(a_ + 2, c20, c21); WASMSIMD_4X8_ROW(a_ + 3, c30, c31);               \
    } while (0)

/* The first n (0 to 4) floats at p, lanes past n zero; nothing past n is read. Lane loads and
 * stores rather than a loop over a spilled vector, which would need a stack frame. */
static inline v128_t load_part(const float *p, int n) {
    v128_t v = wasm_f32x4_splat(0.0f);
    if (n >= 4) return wasm_v128_load(p);
    if (n >= 2) {
        v = wasm_v128_load64_lane(p, v, 0);
        if (n == 3) v = wasm_v128_load32_lane(p + 2, v, 2);
    } else if (n == 1) {
        v = wasm_v128_load32_lane(p, v, 0);
    }
    return v;
}

static inline void store_part(float *p, v128_t v, int n) {
    if (n >= 4) {
        wasm_v128_store(p, v);
    } else if (n >= 2) {
        wasm_v128_store64_lane(p, v, 0);
        if (n == 3) wasm_v128_store32_lane(p + 2, v, 2);
    } else if (n == 1) {
        wasm_v128_store32_lane(p, v, 0);
    }
}

/* The first nr (1 to 8) values of one row of C from (low, high). */
static inline void store_row_part(float *row, v128_t low, v128_t high, int nr) {
    store_part(row, low, nr < 4 ? nr : 4);
    if (nr > 4) store_part(row + 4, high, nr - 4);
}

/* One row of the microkernel's tile, alpha already applied: C = values + beta * C over the first
 * nr columns (beta == 0: C only written). */
static inline void store_row(float *row, v128_t low, v128_t high, v128_t beta_v, float beta,
                             int nr) {
    if (nr == 8) {
        if (beta != 0.0f) {
            low = wasm_f32x4_add(low, wasm_f32x4_mul(beta_v, wasm_v128_load(row)));
            high = wasm_f32x4_add(high, wasm_f32x4_mul(beta_v, wasm_v128_load(row + 4)));
        }
        wasm_v128_store(row, low);
        wasm_v128_store(row + 4, high);
        return;
    }
    if (beta != 0.0f) {
        low = wasm_f32x4_add(low, wasm_f32x4_mul(beta_v, load_part(row, nr < 4 ? nr : 4)));
        if (nr > 4) high = wasm_f32x4_add(high, wasm_f32x4_mul(beta_v, load_part(row + 4, nr - 4)));
    }
    store_row_part(row, low, high, nr);
}

/* 8 accumulators + 2 B vectors + 1 broadcast fit the 16 xmm registers V8 has on x86-64, so
 * nothing spills inside the loop. load32_splat is one vbroadcastss where splat of a scalar
 * load is two instructions. */
void WASM_KERNEL(gemm_ukernel_4x8)(int kc, const float *a, const float *b, int ldb, float *c,
                                   int ldc, float alpha, float beta, int mr, int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    /* Emscripten builds with loop strength reduction off, so step the pointer by hand rather
     * than index b[p * ldb], whose multiply would stay in the loop (docs/performance.md). */
    for (int p = 0; p < kc; p++, b += ldb, a += 4) WASMSIMD_4X8_STEP(a, b);
    const v128_t alpha_v = wasm_f32x4_splat(alpha), beta_v = wasm_f32x4_splat(beta);
    store_row(c, wasm_f32x4_mul(alpha_v, c00), wasm_f32x4_mul(alpha_v, c01), beta_v, beta, nr);
    if (mr > 1)
        store_row(c + (size_t)ldc, wasm_f32x4_mul(alpha_v, c10), wasm_f32x4_mul(alpha_v, c11),
                  beta_v, beta, nr);
    if (mr > 2)
        store_row(c + 2 * (size_t)ldc, wasm_f32x4_mul(alpha_v, c20),
                  wasm_f32x4_mul(alpha_v, c21), beta_v, beta, nr);
    if (mr > 3)
        store_row(c + 3 * (size_t)ldc, wasm_f32x4_mul(alpha_v, c30),
                  wasm_f32x4_mul(alpha_v, c31), beta_v, beta, nr);
}

/* The 4x8 tile over every tap of a padded convolution (gemm.h: gemm_taps_microkernel): the
 * accumulators live through all taps, so C is stored once rather than loaded, added and stored
 * once per tap (with 16-64 channels a tap is only 16-64 steps). */
void WASM_KERNEL(gemm_taps_4x8)(int taps, const ptrdiff_t *offsets, int kc, const float *a,
                                size_t a_tap, const float *b, int ldb, float *c, int ldc, int mr,
                                int nr) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int t = 0; t < taps; t++) {
        const float *ap = a + (size_t)t * a_tap, *bp = b + offsets[t];
        for (int p = 0; p < kc; p++, bp += ldb, ap += 4) WASMSIMD_4X8_STEP(ap, bp);
    }
    store_row_part(c, c00, c01, nr);
    if (mr > 1) store_row_part(c + (size_t)ldc, c10, c11, nr);
    if (mr > 2) store_row_part(c + 2 * (size_t)ldc, c20, c21, nr);
    if (mr > 3) store_row_part(c + 3 * (size_t)ldc, c30, c31, nr);
}

/* The sum of the four lanes, in a fixed order. */
static inline float lanes_sum(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* One value of a dot tile: the lanes, then the k tail in order, stored as alpha * sum + beta * C
 * (beta == 0: C only written). */
static inline void dot_store(float *to, v128_t lanes, const float *x, const float *y,
                             int vector_end, int kc, float alpha, float beta) {
    float sum = lanes_sum(lanes);
    for (int p = vector_end; p < kc; p++) sum += x[p] * y[p];
    *to = beta == 0.0f ? alpha * sum : alpha * sum + beta * *to;
}

/* Four A rows against two B rows: 8 accumulators and 6 loaded vectors stay in V8's registers.
 * Writes columns 0 .. columns - 1 (at most 2) of rows 0 .. mr - 1 of c. */
static inline void dot_pass(int kc, const float *x0, const float *x1, const float *x2,
                            const float *x3, const float *y0, const float *y1, float *c, int ldc,
                            float alpha, float beta, int mr, int columns) {
    int vector_end = kc & ~3;
    v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00;
    v128_t s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (int p = 0; p < vector_end; p += 4) {
        v128_t b0 = wasm_v128_load(y0 + p), b1 = wasm_v128_load(y1 + p);
        v128_t x = wasm_v128_load(x0 + p);
        s00 = WASM_MADD(x, b0, s00);
        s01 = WASM_MADD(x, b1, s01);
        x = wasm_v128_load(x1 + p);
        s10 = WASM_MADD(x, b0, s10);
        s11 = WASM_MADD(x, b1, s11);
        x = wasm_v128_load(x2 + p);
        s20 = WASM_MADD(x, b0, s20);
        s21 = WASM_MADD(x, b1, s21);
        x = wasm_v128_load(x3 + p);
        s30 = WASM_MADD(x, b0, s30);
        s31 = WASM_MADD(x, b1, s31);
    }
    dot_store(c, s00, x0, y0, vector_end, kc, alpha, beta);
    if (columns > 1) dot_store(c + 1, s01, x0, y1, vector_end, kc, alpha, beta);
    if (mr > 1) {
        dot_store(c + (size_t)ldc, s10, x1, y0, vector_end, kc, alpha, beta);
        if (columns > 1) dot_store(c + (size_t)ldc + 1, s11, x1, y1, vector_end, kc, alpha, beta);
    }
    if (mr > 2) {
        dot_store(c + 2 * (size_t)ldc, s20, x2, y0, vector_end, kc, alpha, beta);
        if (columns > 1)
            dot_store(c + 2 * (size_t)ldc + 1, s21, x2, y1, vector_end, kc, alpha, beta);
    }
    if (mr > 3) {
        dot_store(c + 3 * (size_t)ldc, s30, x3, y0, vector_end, kc, alpha, beta);
        if (columns > 1)
            dot_store(c + 3 * (size_t)ldc + 1, s31, x3, y1, vector_end, kc, alpha, beta);
    }
}

/* A * B^T for long k (gemm.h: gemm_dot_microkernel): the 4x4 tile as two passes of 4 A rows
 * against 2 B rows; the A rows, read twice, are in L1. Missing rows repeat the first and their
 * sums are dropped; the k tail is added after the lanes, in order. */
void WASM_KERNEL(gemm_dot_4x4)(int kc, const float *a, int lda, const float *b, int ldb,
                               float *c, int ldc, float alpha, float beta, int mr, int nr) {
    const float *x0 = a, *x1 = mr > 1 ? a + (size_t)lda : a;
    const float *x2 = mr > 2 ? a + 2 * (size_t)lda : a, *x3 = mr > 3 ? a + 3 * (size_t)lda : a;
    const float *y0 = b, *y1 = nr > 1 ? b + (size_t)ldb : b;
    dot_pass(kc, x0, x1, x2, x3, y0, y1, c, ldc, alpha, beta, mr, nr > 1 ? 2 : 1);
    if (nr > 2) {
        const float *y2 = b + 2 * (size_t)ldb, *y3 = nr > 3 ? b + 3 * (size_t)ldb : y2;
        dot_pass(kc, x0, x1, x2, x3, y2, y3, c + 2, ldc, alpha, beta, mr, nr > 3 ? 2 : 1);
    }
}

#else
/* ISO C forbids an empty translation unit. */
typedef int gemm_wasmsimd_unused;
#endif
