/* test_random.c - the engine's randomness (src/core/random.c): PCG32 against the reference
 * implementation's published output (pcg32-demo, seed 42, stream 54), streams and seeds that
 * differ giving different sequences, bounded draws that stay in range and reach every value,
 * uniform and normal draws with the right moments, and shuffles that are permutations fixed by
 * the seed, every order equally likely. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "harness.h"

static void test_reference_output(void) {
    const uint32_t expected[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                  0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    random_state random;
    random_seed(&random, 42, 54);
    for (int i = 0; i < 6; i++) CHECK(random_u32(&random) == expected[i]);
}

static void test_seeds_and_streams(void) {
    random_state a, b, c, d;
    random_seed(&a, 7, 1);
    random_seed(&b, 7, 1);
    random_seed(&c, 7, 2);
    random_seed(&d, 8, 1);
    int same_ab = 1, same_ac = 1, same_ad = 1;
    for (int i = 0; i < 16; i++) {
        uint32_t x = random_u32(&a);
        same_ab &= x == random_u32(&b);
        same_ac &= x == random_u32(&c);
        same_ad &= x == random_u32(&d);
    }
    CHECK(same_ab && !same_ac && !same_ad);
}

static void test_bounded_and_uniform(void) {
    random_state random;
    random_seed(&random, 3, 0);
    int counts[7] = {0};
    int in_range = 1;
    for (int i = 0; i < 70000; i++) {
        uint32_t value = random_below(&random, 7);
        in_range &= value < 7;
        if (value < 7) counts[value]++;
    }
    CHECK(in_range);
    for (int v = 0; v < 7; v++) /* 10000 expected, standard deviation about 93 */
        CHECK_MESSAGE(abs(counts[v] - 10000) < 600, "value %d drawn %d times", v, counts[v]);
    CHECK(random_below(&random, 1) == 0);

    double sum = 0.0, squares = 0.0, low = 1.0, high = 0.0;
    for (int i = 0; i < 100000; i++) {
        double u = random_uniform(&random);
        sum += u;
        low = fmin(low, u);
        high = fmax(high, u);
    }
    CHECK(low >= 0.0 && high < 1.0);
    CHECK_NEAR(sum / 100000, 0.5, 0.01);

    sum = 0.0;
    for (int i = 0; i < 100000; i++) {
        double z = random_normal(&random);
        sum += z;
        squares += z * z;
    }
    CHECK_NEAR(sum / 100000, 0.0, 0.02);
    CHECK_NEAR(squares / 100000, 1.0, 0.03);
}

static void test_shuffle(void) {
    enum { COUNT = 100 };
    int32_t first[COUNT], second[COUNT];
    for (int i = 0; i < COUNT; i++) first[i] = second[i] = i;
    random_state a, b;
    random_seed(&a, 11, 4);
    random_seed(&b, 11, 4);
    random_shuffle(&a, first, COUNT);
    random_shuffle(&b, second, COUNT);
    CHECK(memcmp(first, second, sizeof first) == 0);
    int seen[COUNT] = {0}, moved = 0;
    for (int i = 0; i < COUNT; i++) {
        if (first[i] >= 0 && first[i] < COUNT) seen[first[i]]++;
        moved += first[i] != i;
    }
    int permutation = 1;
    for (int i = 0; i < COUNT; i++) permutation &= seen[i] == 1;
    CHECK(permutation);
    CHECK(moved > COUNT / 2);

    /* All 6 orders of 3 values, equally often (1000 expected, standard deviation about 29). */
    int orders[3][3][3] = {{{0}}};
    for (int i = 0; i < 6000; i++) {
        int32_t three[3] = {0, 1, 2};
        random_shuffle(&a, three, 3);
        orders[three[0]][three[1]][three[2]]++;
    }
    for (int x = 0; x < 3; x++)
        for (int y = 0; y < 3; y++)
            if (x != y)
                CHECK_MESSAGE(abs(orders[x][y][3 - x - y] - 1000) < 200, "order %d%d%d: %d times",
                              x, y, 3 - x - y, orders[x][y][3 - x - y]);
}

int main(void) {
    RUN(test_reference_output);
    RUN(test_seeds_and_streams);
    RUN(test_bounded_and_uniform);
    RUN(test_shuffle);
    return HARNESS_RESULT();
}
