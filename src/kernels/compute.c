/* compute.c - creating the compute context: choosing the GEMM variant and allocating the packing
 * scratch it declares. */
#include "kernels/compute.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"

icarl_status compute_context_create(const char *variant_name, compute_context **out) {
    *out = NULL;
    const gemm_variant *chosen = NULL;
    for (int i = 0; i < gemm_variant_count; i++) {
        const gemm_variant *variant = &gemm_variants[i];
        int supported = variant->is_supported == NULL || variant->is_supported();
        if (variant_name != NULL) {
            if (strcmp(variant->name, variant_name) == 0) {
                if (!supported) return ICARL_ERROR_INVALID_ARGUMENT;
                chosen = variant;
                break;
            }
        } else if (supported) {
            chosen = variant; /* the list is ordered slowest first: the last supported wins */
        }
    }
    if (chosen == NULL) return ICARL_ERROR_INVALID_ARGUMENT;

    compute_context *context = calloc(1, sizeof *context);
    if (context == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    context->gemm = chosen;
    context->threads = 1;
    if (chosen->packed_a_floats > 0) context->packed_a = malloc(chosen->packed_a_floats * sizeof(float));
    if (chosen->packed_b_floats > 0) context->packed_b = malloc(chosen->packed_b_floats * sizeof(float));
    if ((chosen->packed_a_floats > 0 && context->packed_a == NULL) ||
        (chosen->packed_b_floats > 0 && context->packed_b == NULL)) {
        compute_context_destroy(context);
        return ICARL_ERROR_OUT_OF_MEMORY;
    }
    *out = context;
    return ICARL_OK;
}

void compute_context_destroy(compute_context *context) {
    if (context == NULL) return;
    free(context->packed_a);
    free(context->packed_b);
    free(context);
}
