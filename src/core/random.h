/* random.h - the engine's one source of randomness: PCG32 streams with explicit state.
 * Every random choice (initial weights, shuffles, augmentation) draws from a random_state that
 * its owner seeds from icarl_config.seed, so one seed fixes a whole run on a given build. */
#ifndef ICARL_CORE_RANDOM_H
#define ICARL_CORE_RANDOM_H

#include <stdint.h>

typedef struct random_state {
    uint64_t state;
    uint64_t increment; /* odd; selects the stream */
} random_state;

/* Different `stream` values give independent sequences for the same seed. */
void random_seed(random_state *random, uint64_t seed, uint64_t stream);
uint32_t random_u32(random_state *random);
/* Uniform in [0, bound), without modulo bias; bound > 0. */
uint32_t random_below(random_state *random, uint32_t bound);
/* Uniform in [0, 1). */
float random_uniform(random_state *random);
/* Standard normal (Box-Muller). */
float random_normal(random_state *random);
/* Fisher-Yates shuffle of `count` int32 values. */
void random_shuffle(random_state *random, int32_t *values, int32_t count);

#endif
