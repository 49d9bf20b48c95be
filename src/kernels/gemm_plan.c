/* gemm_plan.c - the padded convolutions' questions to the context's GEMM (gemm_plan.h),
 * answered from the variant's column tile and its measured preferences. */
#include "kernels/gemm_plan.h"

gemm_needed_columns gemm_plan_needed_columns(const padded_layout *layout) {
    gemm_needed_columns needed = {layout->image_rows * layout->row, layout->height * layout->row,
                                  layout->row, layout->width, 0};
    return needed;
}

/* Grid positions of the layout's chunk in the `tile`-wide column slivers sgemm_taps computes. */
static size_t computed_positions(const padded_layout *layout, int tile) {
    gemm_needed_columns needed = gemm_plan_needed_columns(layout);
    size_t computed = 0;
    for (size_t j = 0; j < layout->grid; j += (size_t)tile) {
        int count = layout->grid - j < (size_t)tile ? (int)(layout->grid - j) : tile;
        if (gemm_columns_needed(&needed, (int)j, count)) computed += (size_t)count;
    }
    return computed;
}

size_t gemm_plan_computed_positions(const compute_context *context, const padded_layout *layout) {
    return computed_positions(layout, context->gemm->blocking.nr);
}

int gemm_plan_widest_row(int tightest) { return (tightest + 7) & ~7; }

int gemm_plan_padded_row(const compute_context *context, int height, int width, int pad,
                         int images) {
    int tile = context->gemm->blocking.nr, best_row = 0;
    size_t best = 0;
    for (int row = width + pad; row <= gemm_plan_widest_row(width + pad); row++) {
        padded_layout layout;
        padded_layout_init(&layout, height, width, pad, row, images);
        size_t computed = computed_positions(&layout, tile);
        if (best_row == 0 || computed < best) {
            best = computed;
            best_row = row;
        }
    }
    return best_row;
}

int gemm_plan_output_dense(const compute_context *context, int row) {
    return row % context->gemm->blocking.nr == 0 || context->gemm->straddling_slivers_to_tensor;
}

int gemm_plan_one_tap_in_place(const compute_context *context, int k) {
    return context->gemm->one_tap_b_in_place && sgemm_taps_fits(context, 1, k);
}
