/* test_gemm.c - every GEMM variant this machine supports against a double-precision reference:
 * all four transpose cases, sizes below, at, around and above the tiles and cache blocks,
 * alpha/beta combinations (beta == 0 over a NaN-filled C), strides wider than the rows, k == 0;
 * and the shifted products of the padded convolutions (sgemm_taps, sgemm_dot_taps9). Which
 * variants must run is read from the CPU (/proc/cpuinfo) and the build, not from the variants'
 * own checks: a vector kernel the CPU has is never skipped unnoticed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

#include "harness.h"
#include "kernels/compute.h"
#include "kernels/gemm.h"

/* Deterministic values in [-1, 1). */
static float next_value(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}

/* Stores an op-(rows x cols) matrix as the stored layout with stride ld; the gap past each stored
 * row holds NaN, so a kernel reading outside the matrix is caught. */
static float *make_matrix(int stored_rows, int stored_cols, int ld, uint32_t *state) {
    size_t count = (size_t)(stored_rows > 0 ? stored_rows : 1) * (size_t)(ld > 0 ? ld : 1);
    float *m = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) m[i] = NAN;
    for (int r = 0; r < stored_rows; r++)
        for (int c = 0; c < stored_cols; c++) m[(size_t)r * ld + c] = next_value(state);
    return m;
}

typedef struct gemm_case {
    gemm_transpose ta, tb;
    int m, n, k;
    float alpha, beta;
    int pad; /* extra stride beyond the stored width */
} gemm_case;

/* Returns the number of mismatching elements. */
static int check_case(compute_context *context, const gemm_case *t, uint32_t seed) {
    uint32_t state = seed;
    int a_rows = t->ta ? t->k : t->m, a_cols = t->ta ? t->m : t->k;
    int b_rows = t->tb ? t->n : t->k, b_cols = t->tb ? t->k : t->n;
    int lda = a_cols + t->pad, ldb = b_cols + t->pad, ldc = t->n + t->pad;
    float *a = make_matrix(a_rows, a_cols, lda, &state);
    float *b = make_matrix(b_rows, b_cols, ldb, &state);
    float *c = make_matrix(t->m, t->n, ldc, &state);
    const float sentinel = 12345.0f;
    for (int i = 0; i < t->m; i++)
        for (int j = 0; j < ldc; j++) {
            float *x = &c[(size_t)i * ldc + j];
            if (j >= t->n) *x = sentinel;
            else if (t->beta == 0.0f) *x = NAN; /* must be ignored */
        }
    float *c0 = malloc(sizeof(float) * (size_t)(t->m > 0 ? t->m : 1) * (size_t)(ldc > 0 ? ldc : 1));
    memcpy(c0, c, sizeof(float) * (size_t)t->m * (size_t)ldc);

    sgemm(context, t->ta, t->tb, t->m, t->n, t->k, t->alpha, a, lda, b, ldb, t->beta, c, ldc);

    int bad = 0;
    for (int i = 0; i < t->m; i++) {
        for (int j = 0; j < ldc; j++) {
            float got = c[(size_t)i * ldc + j];
            if (j >= t->n) {
                if (got != sentinel) bad++;
                continue;
            }
            double sum = 0.0, magnitude = 0.0;
            for (int p = 0; p < t->k; p++) {
                double av = t->ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double bv = t->tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += av * bv;
                magnitude += fabs(av * bv);
            }
            double old = t->beta == 0.0f ? 0.0 : c0[(size_t)i * ldc + j];
            double expected = t->alpha * sum + t->beta * old;
            double scale = fabs(t->alpha) * magnitude + fabs(t->beta * old);
            /* float accumulation: error grows at worst with k, unit roundoff 6e-8 */
            double tolerance = 1.2e-7 * (t->k + 4) * scale + 1e-30;
            if (!(fabs(got - expected) <= tolerance)) {
                if (bad < 3)
                    fprintf(stderr, "  %s ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g pad=%d: "
                            "C[%d][%d] = %.9g, expected %.9g\n",
                            context->gemm->name, t->ta, t->tb, t->m, t->n, t->k, t->alpha,
                            t->beta, t->pad, i, j, got, expected);
                bad++;
            }
        }
    }
    free(a);
    free(b);
    free(c);
    free(c0);
    return bad;
}

/* ---- which variants this CPU and build must run ------------------------------------------------ */

/* The CPU features each variant needs, as /proc/cpuinfo names them (none: every CPU the build
 * targets runs it; the simd128 variant is compiled only into a SIMD build; "relaxed-simd" is the
 * JavaScript engine's relaxed SIMD, which the WebAssembly build's relaxed variant needs). A
 * variant missing here fails the test: a new kernel says what it needs. */
typedef struct variant_needs {
    const char *name;
    const char *cpu_flags; /* space-separated */
} variant_needs;

static const variant_needs needs[] = {
    {"gemm_4x8__scalar", ""},
    {"gemm_4x8__wasmsimd", ""},
    {"gemm_4x8__wasmrelaxed", "relaxed-simd"},
    {"gemm_6x16__avx2", "avx2 fma"},
    {"gemm_8x32__avx512", "avx2 fma avx512f"},
};

/* The "flags" line of /proc/cpuinfo, or "" where there is none (not Linux, WebAssembly). */
static char cpu_flags[8192];
static int cpu_flags_read = 0, cpu_flags_known = 0;

static void read_cpu_flags(void) {
    if (cpu_flags_read) return;
    cpu_flags_read = 1;
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) return;
    while (fgets(cpu_flags, sizeof cpu_flags, file) != NULL) {
        if (strncmp(cpu_flags, "flags", 5) == 0 && strchr(cpu_flags, ':') != NULL) {
            cpu_flags_known = 1;
            break;
        }
    }
    fclose(file);
    if (!cpu_flags_known) cpu_flags[0] = '\0';
}

/* Whether the CPU has `flag`: from /proc/cpuinfo, else (x86 without it) from the compiler's CPU
 * check. */
static int cpu_has(const char *flag) {
#if defined(__EMSCRIPTEN__)
    /* Whether the JavaScript engine compiles (module (func (param v128 v128 v128) (result v128)
     * local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)): asked of the engine, not of the
     * variant's own check, which says whether the kernels were linked. */
    if (strcmp(flag, "relaxed-simd") == 0)
        return emscripten_run_script_int(
            "WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, "
            "123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, "
            "2, 11])) ? 1 : 0");
#endif
    read_cpu_flags();
    if (cpu_flags_known) {
        size_t length = strlen(flag);
        for (const char *at = strchr(cpu_flags, ':') + 1; *at != '\0';) {
            while (*at == ' ' || *at == '\t') at++;
            size_t word = strcspn(at, " \t\n");
            if (word == length && strncmp(at, flag, length) == 0) return 1;
            at += word;
            if (*at == '\n') break;
        }
        return 0;
    }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (strcmp(flag, "avx2") == 0) return __builtin_cpu_supports("avx2");
    if (strcmp(flag, "fma") == 0) return __builtin_cpu_supports("fma");
    if (strcmp(flag, "avx512f") == 0) return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

/* 1 when the CPU has every flag the variant needs, 0 when it lacks one (*missing names it), -1
 * when the test does not know the variant. */
static int cpu_runs(const gemm_variant *variant, char *missing, size_t missing_size) {
    missing[0] = '\0';
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        if (strcmp(needs[i].name, variant->name) != 0) continue;
        for (const char *at = needs[i].cpu_flags; *at != '\0';) {
            size_t word = strcspn(at, " ");
            char flag[32] = {0};
            memcpy(flag, at, word < sizeof flag - 1 ? word : sizeof flag - 1);
            if (word > 0 && !cpu_has(flag)) {
                snprintf(missing, missing_size, "%s", flag);
                return 0;
            }
            at += word;
            while (*at == ' ') at++;
        }
        return 1;
    }
    return -1;
}

static int is_vector_variant(const gemm_variant *variant) {
    return strstr(variant->name, "scalar") == NULL;
}

/* Whether this CPU and build have a vector unit some variant must use: simd128 in a SIMD
 * WebAssembly build, AVX2 with FMA on x86-64. */
static int has_vector_unit(void) {
#if defined(__wasm_simd128__)
    return 1;
#elif defined(__x86_64__)
    return cpu_has("avx2") && cpu_has("fma");
#else
    return 0;
#endif
}

/* Each variant's own check agrees with the CPU: it runs wherever the CPU has what it needs and
 * nowhere else. */
static void test_variants_run_where_the_cpu_has_their_features(void) {
    read_cpu_flags();
#if defined(__wasm__)
    printf("  WebAssembly: the build's SIMD decides which variants must run\n");
#else
    printf("  CPU features from %s\n",
           cpu_flags_known ? "/proc/cpuinfo" : "the compiler's CPU check (no /proc/cpuinfo)");
#endif
    for (int i = 0; i < gemm_variant_count; i++) {
        const gemm_variant *variant = &gemm_variants[i];
        char missing[32];
        int expected = cpu_runs(variant, missing, sizeof missing);
        int supported = variant->is_supported == NULL || variant->is_supported();
        CHECK_MESSAGE(expected >= 0, "%s: the test does not know which CPU features it needs",
                      variant->name);
        if (expected < 0) continue;
        CHECK_MESSAGE(supported == expected, "%s: %s, but the CPU %s", variant->name,
                      supported ? "runs" : "skipped", expected ? "has its features" : "lacks them");
        if (!expected) printf("  %-24s not supported by this CPU (no %s)\n", variant->name, missing);
    }
}

static const float alphas[] = {1.0f, 1.0f, -0.5f, 2.0f};
static const float betas[] = {0.0f, 1.0f, 0.25f, 0.0f};

static void run_variant(const gemm_variant *variant) {
    compute_context *context = NULL;
    CHECK(compute_context_create(variant->name, &context) == ICARL_OK);
    if (context == NULL) return;

    static const int sizes[] = {1, 3, 7, 8, 9, 17, 63, 64, 65, 129};
    static const int ks[] = {1, 7, 9, 17, 64, 129};
    const int size_count = (int)(sizeof sizes / sizeof sizes[0]);
    const int k_count = (int)(sizeof ks / sizeof ks[0]);
    int cases = 0, failed = 0;
    uint32_t seed = 1;
    for (int t = 0; t < 4; t++) {
        for (int mi = 0; mi < size_count; mi++) {
            for (int ni = 0; ni < size_count; ni++) {
                for (int ki = 0; ki < k_count; ki++) {
                    int combo = (mi + ni + ki + t) % 4;
                    gemm_case c = {(gemm_transpose)(t & 1), (gemm_transpose)(t >> 1), sizes[mi],
                                   sizes[ni], ks[ki], alphas[combo], betas[combo],
                                   (mi + ni * 3 + ki) % 3 == 0 ? 0 : 5};
                    cases++;
                    if (check_case(context, &c, seed++)) failed++;
                }
            }
        }
    }
    /* Shapes past the cache blocks (k over several k blocks, n over several panels, m over
     * several A blocks), the network's conv shapes in miniature, and long-k A * B^T shapes with
     * ragged tiles and k tails (the dot-product path). */
    static const int big[][3] = {{16, 1100, 800}, {200, 40, 300}, {16, 144, 3000}, {144, 700, 16},
                                 {64, 520, 576}, {300, 9, 1000}, {9, 2050, 16}, {129, 1025, 385},
                                 {7, 13, 2051}, {5, 3, 517}, {33, 9, 4100}, {31, 70, 1500}};
    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < (int)(sizeof big / sizeof big[0]); i++) {
            int combo = (i + t) % 4;
            gemm_case c = {(gemm_transpose)(t & 1), (gemm_transpose)(t >> 1), big[i][0],
                           big[i][1], big[i][2], alphas[combo], betas[combo], i % 2 ? 3 : 0};
            cases++;
            if (check_case(context, &c, seed++)) failed++;
        }
    }
    /* k == 0: C = beta * C, and beta == 0 clears NaN. */
    for (int t = 0; t < 4; t++) {
        gemm_case c0 = {(gemm_transpose)(t & 1), (gemm_transpose)(t >> 1), 5, 9, 0, 1.0f, 0.0f, 2};
        gemm_case c1 = {(gemm_transpose)(t & 1), (gemm_transpose)(t >> 1), 17, 3, 0, 1.0f, 0.5f, 0};
        cases += 2;
        if (check_case(context, &c0, seed++)) failed++;
        if (check_case(context, &c1, seed++)) failed++;
    }
    CHECK_MESSAGE(failed == 0, "%s: %d of %d cases wrong", variant->name, failed, cases);
    printf("  %-24s %d cases, %d wrong\n", variant->name, cases, failed);
    compute_context_destroy(context);
}

/* Every variant the CPU runs, and at least one vector kernel wherever there is a vector unit:
 * a build or a table that lost its SIMD rows fails here even though the scalar one passes. */
static void test_every_supported_variant(void) {
    int tested = 0, vector = 0;
    for (int i = 0; i < gemm_variant_count; i++) {
        const gemm_variant *variant = &gemm_variants[i];
        char missing[32];
        if (cpu_runs(variant, missing, sizeof missing) == 0) { /* even if its check says yes */
            printf("  %-24s not run: this CPU lacks %s\n", variant->name, missing);
            continue;
        }
        if (variant->is_supported != NULL && !variant->is_supported()) {
            printf("  %-24s not run: its own check refuses this CPU\n", variant->name);
            continue;
        }
        run_variant(variant);
        tested++;
        vector += is_vector_variant(variant);
    }
    CHECK(tested >= 1);
    printf("  %d vector kernel%s run\n", vector, vector == 1 ? "" : "s");
    CHECK_MESSAGE(vector >= 1 || !has_vector_unit(),
                  "this CPU and build have a vector unit, but no vector GEMM kernel ran");
}

/* alpha == 0 follows BLAS: A and B are not read (NaN there must not reach C), C = beta * C. */
static void test_alpha_zero_ignores_a_and_b(void) {
    for (int i = 0; i < gemm_variant_count; i++) {
        const gemm_variant *variant = &gemm_variants[i];
        if (variant->is_supported != NULL && !variant->is_supported()) continue;
        compute_context *context = NULL;
        if (compute_context_create(variant->name, &context) != ICARL_OK) continue;
        float a[6] = {NAN, NAN, NAN, NAN, NAN, NAN}, b[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
        float c[4] = {1.0f, 2.0f, 3.0f, 4.0f};
        sgemm(context, GEMM_NORMAL, GEMM_NORMAL, 2, 2, 3, 0.0f, a, 3, b, 2, 0.5f, c, 2);
        CHECK(c[0] == 0.5f && c[1] == 1.0f && c[2] == 1.5f && c[3] == 2.0f);
        compute_context_destroy(context);
    }
}

static void test_reference_is_first_and_always_supported(void) {
    CHECK(gemm_variant_count >= 1);
    CHECK(gemm_variants[0].is_supported == NULL);
    CHECK(strstr(gemm_variants[0].name, "scalar") != NULL);
}

static void test_default_context_and_unknown_name(void) {
    compute_context *context = NULL;
    CHECK(compute_context_create(NULL, &context) == ICARL_OK);
    CHECK(context != NULL && context->gemm != NULL);
    if (context != NULL) {
        printf("  default variant: %s\n", context->gemm->name);
        gemm_case c = {GEMM_NORMAL, GEMM_TRANSPOSED, 33, 70, 45, 1.0f, 0.0f, 1};
        CHECK(check_case(context, &c, 99) == 0);
    }
    compute_context_destroy(context);
    compute_context *none = NULL;
    CHECK(compute_context_create("gemm_no_such_kernel", &none) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(none == NULL);
}

/* sgemm_taps and sgemm_dot_taps9 on awkward sizes: m and n off every tile (the ragged last column
 * sliver is packed per tap), taps 1, 9 and 25 at unequal offsets, k from 1 to 64. B is one
 * buffer the offsets shift through; C's padding columns must stay untouched. */
/* With `needed` (NULL: every column), column j at q = j % period is needed only when q < span
 * and q % row < width: only the needed ones are checked, and *skipped counts the values left
 * untouched (NaN). With needed->dense, C has one column per needed j, in order, and nothing
 * else may be written: the test numbers the needed columns itself. */
static int check_taps_case(compute_context *context, int taps, int m, int n, int k,
                           uint32_t seed, const gemm_needed_columns *needed, int *skipped) {
    uint32_t state = seed;
    ptrdiff_t offsets[25];
    ptrdiff_t most = 0;
    for (int t = 0; t < taps; t++) {
        offsets[t] = (ptrdiff_t)((t * 7 + (int)(seed % 5)) % 23);
        if (offsets[t] > most) most = offsets[t];
    }
    int dense = needed != NULL && needed->dense, columns = 0;
    int *column_of = malloc(sizeof(int) * (size_t)n); /* C column of grid column j, or -1 */
    for (int j = 0; j < n; j++) {
        int q = needed != NULL ? j % needed->period : 0;
        int wanted = needed == NULL || (q < needed->span && q % needed->row < needed->width);
        column_of[j] = dense ? (wanted ? columns++ : -1) : (wanted ? j : -1);
    }
    if (!dense) columns = n;
    int ldb = n + (int)most + 3, ldc = columns + 2;
    float *a = make_matrix(taps * m, k, k, &state);
    float *b = make_matrix(k, ldb, ldb, &state);
    float *c = malloc(sizeof(float) * (size_t)m * ldc);
    for (size_t i = 0; i < (size_t)m * ldc; i++) c[i] = NAN;
    /* A_t row-major (t, i, p), packed through strides as a convolution's weights are */
    size_t tap_floats = sgemm_taps_tap_floats(context, m, k);
    CHECK(tap_floats * taps <= sgemm_taps_packed_floats_most(taps, m, k));
    float *packed = malloc(sizeof(float) * tap_floats * taps);
    for (int t = 0; t < taps; t++)
        sgemm_taps_pack_tap(context, m, k, a + (size_t)t * m * k, k, 1, packed + t * tap_floats);
    sgemm_taps_on_thread(context, 0, taps, offsets, m, n, k, packed, b, ldb, c, ldc, needed);
    free(packed);
    int bad = 0;
    for (int i = 0; i < m; i++) {
        /* what each C entry of row i must hold: 0 untouched, 1 checked, 2 either */
        char *expect = calloc((size_t)ldc, 1);
        for (int j = 0; j < n; j++) {
            if (column_of[j] < 0) {
                /* an unneeded column: in place it may be computed with its sliver */
                if (!dense) {
                    expect[j] = 2;
                    if (isnan(c[(size_t)i * ldc + j])) ++*skipped;
                }
                continue;
            }
            expect[column_of[j]] = 1;
            float got = c[(size_t)i * ldc + column_of[j]];
            double sum = 0.0, magnitude = 0.0;
            for (int t = 0; t < taps; t++)
                for (int p = 0; p < k; p++) {
                    double x = (double)a[((size_t)t * m + i) * k + p] *
                               b[(size_t)p * ldb + offsets[t] + j];
                    sum += x;
                    magnitude += fabs(x);
                }
            if (!(fabs(got - sum) <= 1.2e-7 * (taps * k + 4) * magnitude + 1e-30)) {
                if (bad < 3)
                    fprintf(stderr, "  %s taps=%d m=%d n=%d k=%d: C[%d][%d] = %.9g, expected %.9g\n",
                            context->gemm->name, taps, m, n, k, i, j, got, sum);
                bad++;
            }
        }
        for (int column = 0; column < ldc; column++)
            if (expect[column] == 0 && !isnan(c[(size_t)i * ldc + column])) {
                if (bad < 3)
                    fprintf(stderr, "  %s taps=%d m=%d n=%d: C[%d][%d] written, not asked for\n",
                            context->gemm->name, taps, m, n, i, column);
                bad++;
            }
        free(expect);
    }
    free(column_of);
    free(a);
    free(b);
    free(c);
    return bad;
}

static int check_dot_taps_case(compute_context *context, int m, int n, int k, uint32_t seed) {
    uint32_t state = seed;
    ptrdiff_t offsets[9];
    for (int t = 0; t < 9; t++) offsets[t] = (ptrdiff_t)((t / 3) * (5 + (int)(seed % 3)) + t % 3);
    int lda = k + 5, ldb = k + 2 * (7 + 2) + 3, ld_sums = n * 9 + 4;
    float *a = make_matrix(m, k, lda, &state);
    float *b = make_matrix(n, ldb, ldb, &state);
    float *sums = malloc(sizeof(float) * (size_t)m * ld_sums);
    /* accumulates: start from known values; the gap past n*9 must stay */
    for (size_t i = 0; i < (size_t)m * ld_sums; i++) sums[i] = (float)(i % 7) - 3.0f;
    sgemm_dot_taps9(context, offsets, m, n, k, a, lda, b, ldb, sums, ld_sums);
    int bad = 0;
    for (int i = 0; i < m; i++)
        for (int col = 0; col < ld_sums; col++) {
            size_t index = (size_t)i * ld_sums + col;
            float start = (float)(index % 7) - 3.0f, got = sums[index];
            if (col >= n * 9) {
                if (got != start) bad++;
                continue;
            }
            int j = col / 9, t = col % 9;
            double sum = start, magnitude = fabs(start);
            for (int q = 0; q < k; q++) {
                double x = (double)a[(size_t)i * lda + q] * b[(size_t)j * ldb + offsets[t] + q];
                sum += x;
                magnitude += fabs(x);
            }
            if (!(fabs(got - sum) <= 1.2e-7 * (k + 4) * magnitude + 1e-30)) {
                if (bad < 3)
                    fprintf(stderr, "  %s dot_taps9 m=%d n=%d k=%d: [%d][%d] = %.9g, expected %.9g\n",
                            context->gemm->name, m, n, k, i, col, got, sum);
                bad++;
            }
        }
    free(a);
    free(b);
    free(sums);
    return bad;
}

static void test_taps_every_supported_variant(void) {
    static const int shapes[][4] = {/* taps, m, n, k */
                                    {9, 16, 96, 16},  {9, 13, 37, 9},  {1, 5, 3, 1},
                                    {9, 64, 70, 64},  {25, 8, 33, 8},  {9, 1, 1, 17},
                                    {9, 19, 131, 24}, {4, 7, 65, 3}};
    static const int dot_shapes[][3] = {/* m, n, k */
                                        {16, 5, 200}, {1, 1, 1},   {2, 3, 15},
                                        {3, 2, 16},   {4, 7, 33},  {17, 3, 1000}};
    for (int v = 0; v < gemm_variant_count; v++) {
        const gemm_variant *variant = &gemm_variants[v];
        if (variant->is_supported != NULL && !variant->is_supported()) continue;
        compute_context *context = NULL;
        CHECK(compute_context_create(variant->name, &context) == ICARL_OK);
        if (context == NULL) continue;
        int bad = 0, skipped = 0;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int *x = shapes[s];
            CHECK(sgemm_taps_fits(context, x[0], x[3]));
            bad += check_taps_case(context, x[0], x[1], x[2], x[3], 77u + (uint32_t)s, NULL,
                                   &skipped);
        }
        CHECK_MESSAGE(skipped == 0, "%s: columns left out with every column needed",
                      variant->name);
        /* a 7x7 padded layout's columns: 8 per image, the last 8 of each 64 padding rows; with
         * a gap of 2.5 tiles at least one whole tile per period must be skipped */
        int nr = context->gemm->blocking.nr;
        const gemm_needed_columns rows_7x7 = {64, 56, 64, 64, 0},
                                  rows_gap = {5 * nr, 5 * nr / 2, 5 * nr, 5 * nr, 0};
        bad += check_taps_case(context, 9, 12, 64 * 3 + 40, 16, 5u, &rows_7x7, &skipped);
        bad += check_taps_case(context, 9, 5, 9 * nr, 7, 6u, &rows_gap, &skipped);
        CHECK_MESSAGE(skipped > 0, "%s: no unneeded column sliver was skipped", variant->name);
        /* padding columns: rows two tiles wide of which the first is needed, 3 rows per image
         * and one padding row: of each image's 8 tiles the 3 padding-column tiles and the 2
         * padding-row tiles are skipped, 10 tiles in two images; with rows of 1.5 tiles (some
         * tiles half needed) all needed values are still computed */
        const gemm_needed_columns columns_aligned = {8 * nr, 6 * nr, 2 * nr, nr, 0},
                                  columns_ragged = {6 * nr, 3 * nr, 3 * nr / 2, nr / 2 + 1, 0};
        skipped = 0;
        bad += check_taps_case(context, 9, 6, 8 * nr * 2 + 3, 5, 8u, &columns_aligned, &skipped);
        CHECK_MESSAGE(skipped == 6 * 10 * nr, "%s: %d values of unneeded column slivers left "
                      "untouched, expected %d", variant->name, skipped, 6 * 10 * nr);
        bad += check_taps_case(context, 4, 7, 6 * nr * 2 + 5, 9, 9u, &columns_ragged, &skipped);
        /* dense storage (the needed columns packed, as a tensor's pixels): slivers wholly in a
         * row written in place, the rest through the stack tile; 7x7-like rows of 8 with one
         * padding column, rows of exactly one tile, and rows of 1.5 tiles */
        const gemm_needed_columns dense_7x7 = {64, 56, 8, 7, 1},
                                  dense_aligned = {8 * nr, 6 * nr, 2 * nr, nr, 1},
                                  dense_ragged = {6 * nr, 3 * nr, 3 * nr / 2, nr / 2 + 1, 1};
        bad += check_taps_case(context, 9, 12, 64 * 3 + 40, 16, 10u, &dense_7x7, &skipped);
        bad += check_taps_case(context, 9, 6, 8 * nr * 2 + 3, 5, 11u, &dense_aligned, &skipped);
        bad += check_taps_case(context, 4, 7, 6 * nr * 2 + 5, 9, 12u, &dense_ragged, &skipped);
        bad += check_taps_case(context, 25, 9, 5 * nr + 1, 3, 13u, &dense_ragged, &skipped);
        for (size_t s = 0; s < sizeof dot_shapes / sizeof dot_shapes[0]; s++) {
            const int *x = dot_shapes[s];
            bad += check_dot_taps_case(context, x[0], x[1], x[2], 91u + (uint32_t)s);
        }
        CHECK_MESSAGE(bad == 0, "%s: %d shifted-product values wrong", variant->name, bad);
        printf("  %-24s taps and dot_taps9 ok\n", variant->name);
        compute_context_destroy(context);
    }
}

int main(void) {
    RUN(test_reference_is_first_and_always_supported);
    RUN(test_variants_run_where_the_cpu_has_their_features);
    RUN(test_default_context_and_unknown_name);
    RUN(test_alpha_zero_ignores_a_and_b);
    RUN(test_every_supported_variant);
    RUN(test_taps_every_supported_variant);
    return HARNESS_RESULT();
}
