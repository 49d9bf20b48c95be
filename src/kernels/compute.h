/* compute.h - the compute context: which GEMM kernel runs, one packing scratch per thread, and a
 * small persistent pool of worker threads. Owned by a learner or a test, never global, so two
 * learners never share scratch or threads. Created once; the training loop only uses it.
 *
 * Threads never change results: work is only ever split so that each output value is computed
 * by exactly one thread with the same arithmetic in the same order as with one thread (GEMM by
 * output rows or columns, per-channel loops by channel), so a seed gives bit-identical runs
 * whatever the thread count. Builds without threads (the single-thread WebAssembly module)
 * compile the pool away and always run with one thread. */
#ifndef ICARL_KERNELS_COMPUTE_H
#define ICARL_KERNELS_COMPUTE_H

#include "icarl.h"

struct gemm_variant;
struct compute_pool;

/* Most threads a context uses; compute_context_create_threaded caps its request to this. */
#define COMPUTE_MAX_THREADS 8

typedef struct compute_context {
    const struct gemm_variant *gemm;        /* the kernel every sgemm call uses */
    float *packed_a[COMPUTE_MAX_THREADS];   /* packing scratch per thread, sized by the */
    float *packed_b[COMPUTE_MAX_THREADS];   /* variant's blocking */
    float *workspace[COMPUTE_MAX_THREADS];  /* per-thread layer scratch for threads >= 1 (thread
                                             * 0 uses the caller's), workspace_floats each */
    size_t workspace_floats;
    int threads;                            /* threads work is split over, >= 1 */
    struct compute_pool *pool;              /* the threads - 1 workers; NULL with one thread */
} compute_context;

/* variant_name NULL picks the fastest variant this machine/build supports; otherwise the named
 * one from gemm_variants (tests use this to compare every variant with the reference). One
 * thread. */
icarl_status compute_context_create(const char *variant_name, compute_context **out);

/* The same with `threads` threads (the caller's own plus threads - 1 workers); threads <= 0
 * means the default: the online CPUs, at most 4. Capped at COMPUTE_MAX_THREADS, and 1 in a
 * build without threads. */
icarl_status compute_context_create_threaded(const char *variant_name, int threads,
                                             compute_context **out);
void compute_context_destroy(compute_context *context);

/* Makes workspace[1 .. threads - 1] hold at least `floats` floats each (the im2col buffer of a
 * network's largest convolution, so layers can give each thread its own). Call at set-up, not
 * in the training loop; without it layers that need workspace run on one thread. */
icarl_status compute_context_reserve_workspace(compute_context *context, size_t floats);

/* The default thread count compute_context_create_threaded(.., 0, ..) would use. */
int compute_default_threads(void);

/* Runs task(argument, thread, threads) once for every thread = 0 .. threads - 1 of the context,
 * thread 0 on the caller, and returns when all have finished. `threads` may be lower than
 * context->threads when the caller asks for fewer (used threads = min(wanted, context->threads);
 * wanted <= 0 means all). The task divides the work by its thread index; it must not call
 * compute_parallel itself. */
typedef void (*compute_task)(void *argument, int thread, int threads);
void compute_parallel(compute_context *context, int wanted, compute_task task, void *argument);

/* [*begin, *end) of `count` items for `thread` of `threads`, in contiguous runs that are
 * multiples of `align` (except the last). */
void compute_split(int count, int align, int thread, int threads, int *begin, int *end);

#endif
