/* gemm_tile.h - the scaled store that ends every microkernel's edge tiles and dot-product tiles
 * (gemm_scalar.c, gemm_x86.c, gemm_wasmsimd.c): C = alpha * values + beta * C over the top-left
 * mr x nr, beta == 0 meaning C is only written (its old contents may be NaN). Header-only so that
 * each kernel file, compiled with its own target flags, inlines it. */
#ifndef ICARL_KERNELS_GEMM_TILE_H
#define ICARL_KERNELS_GEMM_TILE_H

#include <stddef.h>

static inline void gemm_store_tile(float *c, int ldc, const float *values, int ld_values, int mr,
                                   int nr, float alpha, float beta) {
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        const float *value = values + (size_t)i * ld_values;
        if (beta == 0.0f) {
            for (int j = 0; j < nr; j++) row[j] = alpha * value[j];
        } else {
            for (int j = 0; j < nr; j++) row[j] = alpha * value[j] + beta * row[j];
        }
    }
}

#endif
