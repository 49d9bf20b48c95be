/* gemm_plan.h - what a convolution over a padded layout (im2col.h) asks about the context's GEMM
 * before it lays out its work: which row the layout takes, how many grid positions the shifted
 * products then compute, whether they write the output tensor directly, and whether a 1x1
 * product reads its operand in place. The answers follow the variant's column tile and what was
 * measured with each kernel (gemm.h: gemm_variant); callers ask here instead of reading it. */
#ifndef ICARL_KERNELS_GEMM_PLAN_H
#define ICARL_KERNELS_GEMM_PLAN_H

#include <stddef.h>

#include "kernels/compute.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"

/* The columns sgemm_taps needs over a chunk of this layout: the grid positions outside its
 * padding rows and columns (dense off). */
gemm_needed_columns gemm_plan_needed_columns(const padded_layout *layout);

/* Grid positions sgemm_taps computes over a chunk of this layout with the context's variant:
 * the needed ones and the padding that shares a column sliver with them. */
size_t gemm_plan_computed_positions(const compute_context *context, const padded_layout *layout);

/* The widest row gemm_plan_padded_row may choose when the tightest is `tightest` (width + pad):
 * rounded up to 8 floats whatever the variant, so that scratch can be bounded without a context. */
int gemm_plan_widest_row(int tightest);

/* The row of the padded layout of `images` images of height x width with `pad`: of the rows from
 * the tightest (width + pad) to gemm_plan_widest_row, the one whose grid leaves the context's
 * sgemm_taps the fewest positions to compute, the narrowest among equals. A row that is a
 * multiple of the column tile puts the padding columns of every row in whole slivers, which
 * sgemm_taps skips: 8x8 maps on an 8-wide tile take rows of 16 and compute 64 positions per image
 * instead of 73; a 32-wide tile gains nothing at the network's sizes and keeps the tightest. */
int gemm_plan_padded_row(const compute_context *context, int height, int width, int pad,
                         int images);

/* Whether sgemm_taps over a layout with this row writes the output tensor directly (the needed
 * columns dense) rather than the grid that unpad_planes then copies: always when each row fills
 * whole column slivers, none straddling two rows; otherwise where the variant copies a
 * straddling sliver out of a stack tile faster than the grid is unpadded. */
int gemm_plan_output_dense(const compute_context *context, int row);

/* Whether a 1x1 convolution's product of depth k (B row-major, k rows) runs as a one-tap
 * sgemm_taps that reads B in place, the weights packed once by the caller, rather than as sgemm,
 * which packs B on every call: where the variant gains from it and sgemm_taps takes that k. */
int gemm_plan_one_tap_in_place(const compute_context *context, int k);

#endif
