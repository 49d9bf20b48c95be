/* gemm_kernels.h - the microkernels the blocked GEMM driver (gemm.c) runs: each signature once,
 * as a function type, and every target's kernels declared with those types. gemm.c's variant
 * table names them, and each file that defines them (gemm_scalar.c, gemm_x86.c, gemm_wasmsimd.c)
 * includes this header, so a definition whose parameters drift from its type does not compile.
 * Internal to src/kernels. */
#ifndef ICARL_KERNELS_GEMM_KERNELS_H
#define ICARL_KERNELS_GEMM_KERNELS_H

#include <stddef.h>

/* c (the top-left mr x nr of the MR x NR tile, row stride ldc) =
 *     alpha * sum_p a[p*MR + i] * b[p*ldb + j]  +  beta * c,
 * a a packed sliver of kc steps, b either a packed sliver (ldb == NR) or, for a full-width tile,
 * rows of the caller's B read in place. beta == 0 means c is write-only. */
typedef void gemm_microkernel(int kc, const float *a, const float *b, int ldb, float *c, int ldc,
                              float alpha, float beta, int mr, int nr);

/* c (the top-left mr x nr of a 4x4 tile) = alpha * sum_p a[i*lda + p] * b[j*ldb + p] + beta * c:
 * A * B^T as dot products over unpacked rows. For the convolution weight gradient (k = every
 * output pixel of the batch, m and n small) packing B^T would cost more than the multiply. */
typedef void gemm_dot_microkernel(int kc, const float *a, int lda, const float *b, int ldb,
                                  float *c, int ldc, float alpha, float beta, int mr, int nr);

/* c (the top-left mr x nr of the MR x NR tile) = sum_t sum_p a[t*a_tap + p*MR + i] *
 * b[offsets[t] + p*ldb + j]: every tap of sgemm_taps with the accumulators kept in registers
 * (C written once, no beta). A variant without one: the driver runs its plain microkernel once
 * per tap. */
typedef void gemm_taps_microkernel(int taps, const ptrdiff_t *offsets, int kc, const float *a,
                                   size_t a_tap, const float *b, int ldb, float *c, int ldc,
                                   int mr, int nr);

/* sums[i*ld_sums + t] += sum_{q < kc} a[i*lda + q] * b[offsets[t] + q] for rows i < rows (1 to
 * 3) and the 9 taps of a 3x3 kernel: the weight gradient of a padded "same" convolution, one
 * output-gradient row against one padded input channel, whose 9 shifted views share cache
 * lines. */
typedef void gemm_dot_taps_microkernel(int kc, const float *a, int lda, const float *b,
                                       const ptrdiff_t *offsets, int rows, float *sums,
                                       int ld_sums);

/* gemm_scalar.c: the portable reference, in every build. */
gemm_microkernel gemm_ukernel_4x8__scalar;
gemm_dot_taps_microkernel gemm_dot_taps9__portable;

#if defined(__x86_64__)
/* gemm_x86.c: compiled for their instruction sets one function at a time, run only where the
 * CPU has them. */
int gemm_x86_has_avx2_fma(void);
int gemm_x86_has_avx512(void);
gemm_microkernel gemm_ukernel_6x16__avx2;
gemm_microkernel gemm_ukernel_8x32__avx512;
gemm_dot_microkernel gemm_dot_4x4__avx512;
gemm_taps_microkernel gemm_taps_8x32__avx512;
gemm_dot_taps_microkernel gemm_dot_taps9_3__avx512;
#endif

#if defined(__wasm_simd128__)
/* gemm_wasmsimd.c: the WebAssembly SIMD build. */
gemm_microkernel gemm_ukernel_4x8__wasmsimd;
gemm_taps_microkernel gemm_taps_4x8__wasmsimd;
gemm_dot_microkernel gemm_dot_4x4__wasmsimd;
#endif

#if defined(__wasm_simd128__) && (defined(__EMSCRIPTEN__) || defined(__wasm_relaxed_simd__))
/* gemm_wasmsimd.c again, built by clang-16 with relaxed SIMD into a module of its own
 * (src/wasm/relaxed-simd.cmake). The Emscripten engine leaves these undefined, so they become
 * imports: the engine's glue links them to that module where the JavaScript engine runs relaxed
 * SIMD, else to stand-ins (src/wasm/relaxed-simd-library.js) whose availability answer is 0. */
int gemm_wasm_relaxed_available(void);
gemm_microkernel gemm_ukernel_4x8__wasmrelaxed;
gemm_taps_microkernel gemm_taps_4x8__wasmrelaxed;
gemm_dot_microkernel gemm_dot_4x4__wasmrelaxed;
#endif

#endif
