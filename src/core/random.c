/* random.c - PCG32 (O'Neill, pcg-random.org, "pcg32_random_r") and the draws built on it. */
#include "core/random.h"

#include <math.h>

void random_seed(random_state *random, uint64_t seed, uint64_t stream) {
    random->state = 0;
    random->increment = (stream << 1u) | 1u;
    random_u32(random);
    random->state += seed;
    random_u32(random);
}

uint32_t random_u32(random_state *random) {
    uint64_t old = random->state;
    random->state = old * 6364136223846793005ULL + random->increment;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rotation = (uint32_t)(old >> 59u);
    return (xorshifted >> rotation) | (xorshifted << ((-rotation) & 31u));
}

uint32_t random_below(random_state *random, uint32_t bound) {
    /* Reject the low values that would make some residues more likely. */
    uint32_t threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t value = random_u32(random);
        if (value >= threshold) return value % bound;
    }
}

float random_uniform(random_state *random) {
    return (float)(random_u32(random) >> 8) * (1.0f / 16777216.0f);
}

float random_normal(random_state *random) {
    /* 1 - u keeps the logarithm's argument in (0, 1]. */
    double u1 = 1.0 - (double)random_uniform(random);
    double u2 = (double)random_uniform(random);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void random_shuffle(random_state *random, int32_t *values, int32_t count) {
    for (int32_t i = count - 1; i > 0; i--) {
        int32_t j = (int32_t)random_below(random, (uint32_t)i + 1u);
        int32_t swap = values[i];
        values[i] = values[j];
        values[j] = swap;
    }
}
