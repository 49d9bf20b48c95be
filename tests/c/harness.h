/* harness.h - a minimal test harness in the spirit of minctest (genann): CHECK records a failure
 * with its place and goes on, RUN runs one test function, and the exit code is the number of
 * failures so ctest sees them. */
#ifndef ICARL_TEST_HARNESS_H
#define ICARL_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>

static int harness_failures = 0;
static int harness_checks = 0;

#define CHECK(condition)                                                                    \
    do {                                                                                    \
        harness_checks++;                                                                   \
        if (!(condition)) {                                                                 \
            harness_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition);   \
        }                                                                                   \
    } while (0)

#define CHECK_MESSAGE(condition, ...)                                                       \
    do {                                                                                    \
        harness_checks++;                                                                   \
        if (!(condition)) {                                                                 \
            harness_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #condition);   \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
        }                                                                                   \
    } while (0)

#define CHECK_NEAR(actual, expected, tolerance)                                             \
    CHECK_MESSAGE(fabs((double)(actual) - (double)(expected)) <= (tolerance),               \
                  "%s = %.9g, expected %.9g (tolerance %.3g)", #actual, (double)(actual),   \
                  (double)(expected), (double)(tolerance))

#define RUN(test_function)                                                                  \
    do {                                                                                    \
        int before = harness_failures;                                                      \
        test_function();                                                                    \
        printf("%-40s %s\n", #test_function, harness_failures == before ? "ok" : "FAILED"); \
    } while (0)

#define HARNESS_RESULT()                                                                    \
    (printf("%d checks, %d failed\n", harness_checks, harness_failures),                    \
     harness_failures == 0 ? 0 : 1)

#endif
