/* gemm_bench.h - timing the context's GEMM kernel on one shape, for `icarl bench-gemm` and for
 * tuning the blocking. Not used by training. */
#ifndef ICARL_KERNELS_GEMM_BENCH_H
#define ICARL_KERNELS_GEMM_BENCH_H

#include "kernels/compute.h"

/* Runs C(m, n) = A(m, k) * B(k, n) (no transposes, beta 0) with the context's variant repeatedly
 * for at least min_seconds after one warm-up call, and returns the rate in GFLOP/s (2*m*n*k flops
 * per call). Allocates its own matrices; returns a negative value if that fails or a size is not
 * positive. */
double gemm_benchmark_gflops(compute_context *context, int m, int n, int k, double min_seconds);

/* The same with transposes chosen: transpose_a/transpose_b are 0 or 1 (gemm_transpose). */
double gemm_benchmark_gflops_transposed(compute_context *context, int transpose_a,
                                        int transpose_b, int m, int n, int k, double min_seconds);

#endif
