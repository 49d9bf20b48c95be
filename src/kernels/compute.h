/* compute.h - the compute context: which GEMM kernel runs, its packing scratch, and (later) the
 * worker threads. Owned by a learner or a test, never global, so two learners never share
 * scratch. Created once; the training loop only uses it. */
#ifndef ICARL_KERNELS_COMPUTE_H
#define ICARL_KERNELS_COMPUTE_H

#include "icarl.h"

struct gemm_variant;

typedef struct compute_context {
    const struct gemm_variant *gemm; /* the kernel every sgemm call uses */
    float *packed_a;                 /* packing scratch sized by the variant's blocking */
    float *packed_b;
    int threads;                     /* 1 for now */
} compute_context;

/* variant_name NULL picks the fastest variant this machine/build supports; otherwise the named
 * one from gemm_variants (tests use this to compare every variant with the reference). */
icarl_status compute_context_create(const char *variant_name, compute_context **out);
void compute_context_destroy(compute_context *context);

#endif
