/* compute.c - creating the compute context: choosing the GEMM variant, allocating one packing
 * scratch per thread, and the persistent worker pool behind compute_parallel.
 *
 * The pool is a generation counter and a countdown: the caller publishes a task, bumps the
 * generation and runs its own share; each worker runs its share and counts down. Waiting
 * threads spin briefly before sleeping on a condition variable: a layer dispatches a task every
 * millisecond or so, and a futex wake-up alone can cost tens of microseconds. Tasks are coarse
 * (a whole convolution, a whole batch norm) because on a loaded machine every hand-off can wait
 * for a descheduled thread. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* sysconf(_SC_NPROCESSORS_ONLN) under -std=c11 */
#endif

#include "kernels/compute.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"

#if defined(ICARL_THREADS_ENABLED)
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#endif

/* ---- the pool ------------------------------------------------------------------------------- */

#if defined(ICARL_THREADS_ENABLED)

/* Polls before a waiting thread sleeps: some tens of microseconds, about the gap between two
 * layers' tasks, far shorter than the serial parts of a step (augmentation, the loss, herding),
 * and short enough not to burn a core that other processes want on a busy machine. x86's pause
 * makes a poll some tens of cycles; WebAssembly has no pause, so a poll is about one cycle and
 * takes 25 times as many for a similar wait: with the x86 count, a worker there is asleep again
 * before the next of a run of GEMMs reaches it (docs/performance.md). */
#ifndef POOL_SPINS
#if defined(__wasm__)
#define POOL_SPINS 100000
#else
#define POOL_SPINS 4000
#endif
#endif

typedef struct worker {
    struct compute_pool *pool;
    int thread;
    pthread_t handle;
    int started;
} worker;

struct compute_pool {
    int threads;                 /* including the caller */
    worker workers[COMPUTE_MAX_THREADS];
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    pthread_cond_t done;
    atomic_uint generation;      /* bumped (under mutex) once per dispatch */
    atomic_int remaining;        /* workers still running the current dispatch */
    atomic_int stop;
    int started;                 /* workers that have begun running (under mutex) */
    /* the current dispatch, written before the generation bump */
    compute_task task;
    void *argument;
    int used;                    /* threads taking part: workers with thread >= used idle */
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker_main(void *raw) {
    worker *self = raw;
    struct compute_pool *pool = self->pool;
    pthread_mutex_lock(&pool->mutex); /* pool_create waits for every worker to get here */
    pool->started++;
    pthread_cond_signal(&pool->done);
    pthread_mutex_unlock(&pool->mutex);
    unsigned seen = 0;
    for (;;) {
        unsigned generation;
        int spins = 0;
        while ((generation = atomic_load_explicit(&pool->generation, memory_order_acquire)) ==
               seen) {
            if (++spins < POOL_SPINS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&pool->mutex);
            while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen &&
                   !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            pthread_mutex_unlock(&pool->mutex);
            spins = 0;
            if (atomic_load(&pool->stop)) return NULL;
        }
        seen = generation;
        if (atomic_load(&pool->stop)) return NULL;
        /* every worker counts down, used or not, so none can fall a dispatch behind */
        if (self->thread < pool->used) pool->task(pool->argument, self->thread, pool->used);
        if (atomic_fetch_sub_explicit(&pool->remaining, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->mutex); /* the caller may be asleep waiting for us */
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->mutex);
        }
    }
}

static void pool_destroy(struct compute_pool *pool) {
    if (pool == NULL) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, 1);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int t = 1; t < pool->threads; t++)
        if (pool->workers[t].started) pthread_join(pool->workers[t].handle, NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    free(pool);
}

/* Returns NULL when memory or threads are unavailable; the caller then runs single-threaded. */
static struct compute_pool *pool_create(int threads) {
    struct compute_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL) return NULL;
    pool->threads = threads;
    atomic_init(&pool->generation, 0u);
    atomic_init(&pool->remaining, 0);
    atomic_init(&pool->stop, 0);
    if (pthread_mutex_init(&pool->mutex, NULL) != 0) {
        free(pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->wake, NULL) != 0) {
        pthread_mutex_destroy(&pool->mutex);
        free(pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->done, NULL) != 0) {
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->mutex);
        free(pool);
        return NULL;
    }
    for (int t = 1; t < threads; t++) {
        pool->workers[t].pool = pool;
        pool->workers[t].thread = t;
        if (pthread_create(&pool->workers[t].handle, NULL, worker_main, &pool->workers[t]) != 0) {
            pool_destroy(pool);
            return NULL;
        }
        pool->workers[t].started = 1;
    }
    /* Returns only once every worker runs, so whatever a thread's start-up allocates (the
     * WebAssembly threads build mallocs each thread's TLS block on the new thread) is allocated
     * now, not at some moment during the caller's next allocations: the heap's layout, and with
     * it when the WebAssembly memory grows, is then the same in every run. */
    pthread_mutex_lock(&pool->mutex);
    while (pool->started < threads - 1) pthread_cond_wait(&pool->done, &pool->mutex);
    pthread_mutex_unlock(&pool->mutex);
    return pool;
}

static void pool_run(struct compute_pool *pool, int used, compute_task task, void *argument) {
    pool->task = task;
    pool->argument = argument;
    pool->used = used;
    atomic_store_explicit(&pool->remaining, pool->threads - 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    task(argument, 0, used);
    /* a worker may be descheduled on a busy machine: stop hogging the core after a while */
    for (int spins = 0; spins < POOL_SPINS; spins++) {
        if (atomic_load_explicit(&pool->remaining, memory_order_acquire) == 0) return;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->mutex);
    while (atomic_load_explicit(&pool->remaining, memory_order_acquire) > 0)
        pthread_cond_wait(&pool->done, &pool->mutex);
    pthread_mutex_unlock(&pool->mutex);
}

int compute_default_threads(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1) online = 1;
    if (online > 4) online = 4;
    return (int)online;
}

#else /* no threads in this build */

struct compute_pool {
    int unused;
};

static void pool_destroy(struct compute_pool *pool) { (void)pool; }

int compute_default_threads(void) { return 1; }

#endif

void compute_parallel(compute_context *context, int wanted, compute_task task, void *argument) {
    int used = context->threads;
    if (wanted > 0 && wanted < used) used = wanted;
#if defined(ICARL_THREADS_ENABLED)
    if (used > 1 && context->pool != NULL) {
        pool_run(context->pool, used, task, argument);
        return;
    }
#endif
    task(argument, 0, 1);
}

void compute_split(int count, int align, int thread, int threads, int *begin, int *end) {
    if (align < 1) align = 1;
    int units = (count + align - 1) / align;
    int first = (int)((long)units * thread / threads);
    int last = (int)((long)units * (thread + 1) / threads);
    *begin = first * align < count ? first * align : count;
    *end = last * align < count ? last * align : count;
}

/* ---- the context ---------------------------------------------------------------------------- */

icarl_status compute_context_create_threaded(const char *variant_name, int threads,
                                             compute_context **out) {
    if (out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
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

    if (threads <= 0) threads = compute_default_threads();
    if (threads > COMPUTE_MAX_THREADS) threads = COMPUTE_MAX_THREADS;
#if !defined(ICARL_THREADS_ENABLED)
    threads = 1;
#endif

    compute_context *context = calloc(1, sizeof *context);
    if (context == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    context->gemm = chosen;
    context->threads = threads;
    for (int t = 0; t < threads; t++) {
        context->packed_a[t] = malloc(gemm_packed_a_floats(chosen) * sizeof(float));
        context->packed_b[t] = malloc(gemm_packed_b_floats(chosen) * sizeof(float));
        if (context->packed_a[t] == NULL || context->packed_b[t] == NULL) {
            compute_context_destroy(context);
            return ICARL_ERROR_OUT_OF_MEMORY;
        }
    }
#if defined(ICARL_THREADS_ENABLED)
    if (threads > 1) {
        context->pool = pool_create(threads);
        if (context->pool == NULL) context->threads = 1; /* still correct, just slower */
    }
#endif
    *out = context;
    return ICARL_OK;
}

icarl_status compute_context_reserve_workspace(compute_context *context, size_t floats) {
    if (context == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    if (floats <= context->workspace_floats || context->threads <= 1) return ICARL_OK;
    for (int t = 1; t < context->threads; t++) {
        float *grown = malloc(floats * sizeof(float));
        if (grown == NULL) return ICARL_ERROR_OUT_OF_MEMORY; /* old buffers stay valid */
        free(context->workspace[t]);
        context->workspace[t] = grown;
    }
    context->workspace_floats = floats;
    return ICARL_OK;
}

icarl_status compute_context_create(const char *variant_name, compute_context **out) {
    return compute_context_create_threaded(variant_name, 1, out);
}

void compute_context_destroy(compute_context *context) {
    if (context == NULL) return;
    pool_destroy(context->pool);
    for (int t = 0; t < COMPUTE_MAX_THREADS; t++) {
        free(context->packed_a[t]);
        free(context->packed_b[t]);
        free(context->workspace[t]);
    }
    free(context);
}
