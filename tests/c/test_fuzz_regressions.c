/* test_fuzz_regressions.c - replays every input in tests/fuzz/regressions (crashes and hostile
 * inputs the fuzzers found) and tests/fuzz/corpus (the seeds) through the three fuzz targets:
 * the checkpoint loader, the IDX parser and image decoding + preparation. The targets are the
 * very files libFuzzer builds (included here under other names), so a replay runs exactly the
 * checks a fuzzing run does; they abort on a wrong answer, and the sanitizer build catches bad
 * memory accesses. It runs in the normal and the sanitizer builds, without clang. */
#define _POSIX_C_SOURCE 200809L /* dirent */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define LLVMFuzzerTestOneInput fuzz_checkpoint_one
#include "../fuzz/fuzz_checkpoint.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_idx_one
#include "../fuzz/fuzz_idx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_image_one
#include "../fuzz/fuzz_image.c"
#undef LLVMFuzzerTestOneInput

#include "data/idx.h"
#include "data/image.h"

static uint8_t *read_file(const char *path, size_t *size_out) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    size_t capacity = 4096, size = 0;
    uint8_t *bytes = malloc(capacity);
    for (;;) {
        if (size == capacity) bytes = realloc(bytes, capacity *= 2);
        size_t got = fread(bytes + size, 1, capacity - size, file);
        if (got == 0) break;
        size += got;
    }
    fclose(file);
    *size_out = size;
    return bytes;
}

/* Every regular file of `directory` through all three targets; returns how many. */
static int replay_directory(const char *directory) {
    DIR *folder = opendir(directory);
    CHECK_MESSAGE(folder != NULL, "cannot open %s (run from the source root)", directory);
    if (folder == NULL) return 0;
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        size_t size = 0;
        uint8_t *bytes = read_file(path, &size);
        if (bytes == NULL) continue; /* a subfolder */
        fuzz_checkpoint_one(bytes, size);
        fuzz_idx_one(bytes, size);
        fuzz_image_one(bytes, size);
        free(bytes);
        files++;
    }
    closedir(folder);
    return files;
}

static void test_replay_corpus(void) {
    /* The seeds are committed; an empty folder would make this test pass without testing. */
    CHECK(replay_directory("tests/fuzz/corpus/checkpoint") >= 3);
    CHECK(replay_directory("tests/fuzz/corpus/idx") >= 3);
    CHECK(replay_directory("tests/fuzz/corpus/image") >= 10);
}

static void test_replay_regressions(void) {
    CHECK(replay_directory("tests/fuzz/regressions") >= 1);
}

/* The seeds are what they claim: checkpoints load, IDX arrays parse, images decode. */
static void test_seeds_are_valid(void) {
    const char *checkpoints[] = {"empty.ckpt", "pending.ckpt", "trained.ckpt"};
    for (int i = 0; i < 3; i++) {
        char path[256], message[256] = "";
        snprintf(path, sizeof path, "tests/fuzz/corpus/checkpoint/%s", checkpoints[i]);
        icarl_learner *learner = NULL;
        CHECK_MESSAGE(icarl_load_file(path, &learner, message, sizeof message) == ICARL_OK,
                      "%s: %s", path, message);
        icarl_destroy(learner);
    }
    size_t size = 0;
    uint8_t *bytes = read_file("tests/fuzz/corpus/idx/images-2x3x4.idx3", &size);
    idx_array array;
    CHECK(bytes != NULL && idx_parse(bytes, size, &array) == ICARL_OK && array.count == 2);
    idx_array_free(&array);
    free(bytes);
    bytes = read_file("tests/fuzz/corpus/image/16x16x3.jpg", &size);
    uint8_t *pixels = NULL;
    int width = 0, height = 0;
    CHECK(bytes != NULL &&
          image_decode(bytes, size, 3, &pixels, &width, &height) == ICARL_OK &&
          width == 16 && height == 16);
    free(pixels);
    free(bytes);
}

/* Found by fuzz_image: a 76-byte PNG whose IDAT chunk declares 448 MB made stb_image allocate
 * it all before noticing the data was missing. It must be refused as truncated, up front. */
static void test_png_huge_idat_refused(void) {
    size_t size = 0;
    uint8_t *bytes = read_file("tests/fuzz/regressions/image-png-idat-length-448mb.png", &size);
    CHECK(bytes != NULL && size < 100);
    uint8_t *pixels = (uint8_t *)1;
    int width = -1, height = -1;
    if (bytes != NULL)
        CHECK(image_decode(bytes, size, 3, &pixels, &width, &height) == ICARL_ERROR_TRUNCATED);
    CHECK(pixels == NULL);
    free(bytes);
}

/* Found by fuzz_image (UBSan: index 257 out of bounds in stbi__build_huffman, the heap write of
 * CVE-2021-37789): the bad Huffman table was refused only when SOI came first, but stb skips
 * 0xFF fill bytes before SOI, so a prefixed file reached it. */
static void test_jpeg_fill_before_soi_refused(void) {
    size_t size = 0;
    uint8_t *bytes =
        read_file("tests/fuzz/regressions/image-jpeg-fill-before-soi-bad-huffman.jpg", &size);
    CHECK(bytes != NULL && size > 44 && bytes[0] == 0xFF);
    uint8_t *pixels = (uint8_t *)1;
    int width = -1, height = -1;
    if (bytes != NULL)
        CHECK(image_decode(bytes, size, 1, &pixels, &width, &height) == ICARL_ERROR_DECODE);
    CHECK(pixels == NULL);
    free(bytes);
}

/* Found by fuzz_image (an assertion in stbi__jpeg_huff_decode that did not reproduce on
 * replay): the scan uses AC table 0, which no DHT segment defines, and stb read it from
 * whatever the heap held. Decoding must not depend on earlier heap contents: the file decodes
 * the same way (here: refused or the same pixels) after the heap is dirtied differently. */
static void dirty_heap(uint8_t pattern) {
    void *blocks[48];
    for (int i = 0; i < 48; i++) {
        size_t size = (size_t)1024 * (1 + i % 24) + 16 * (size_t)i;
        blocks[i] = malloc(size);
        if (blocks[i] != NULL) memset(blocks[i], pattern, size);
    }
    for (int i = 0; i < 48; i++) free(blocks[i]);
}

static void test_jpeg_undefined_table_deterministic(void) {
    size_t size = 0;
    uint8_t *bytes = read_file("tests/fuzz/regressions/image-jpeg-undefined-huffman-table.jpg",
                               &size);
    CHECK(bytes != NULL);
    if (bytes == NULL) return;
    static const uint8_t patterns[4] = {0x00, 0xFF, 0xA5, 0x5A};
    icarl_status first_status = ICARL_OK;
    uint8_t *first = NULL;
    int first_width = 0, first_height = 0;
    for (int p = 0; p < 4; p++) {
        dirty_heap(patterns[p]);
        uint8_t *pixels = NULL;
        int width = 0, height = 0;
        icarl_status status = image_decode(bytes, size, 3, &pixels, &width, &height);
        if (p == 0) {
            first_status = status;
            first = pixels;
            first_width = width;
            first_height = height;
            continue;
        }
        CHECK_MESSAGE(status == first_status, "pattern %d: status %d, first %d", p,
                      (int)status, (int)first_status);
        if (status == ICARL_OK && first != NULL) {
            CHECK(width == first_width && height == first_height);
            CHECK(memcmp(pixels, first, (size_t)width * height * 3) == 0);
        }
        free(pixels);
    }
    free(first);
    free(bytes);
}

/* stb_image 2.27 computes on hostile JPEGs with ints that overflow and shifts its bit buffer
 * 32 places or more (CMakeLists.txt compiles it with -fwrapv and without the sanitizer's shift
 * check). Found by fuzz_image: a progressive scan whose DC scaling overflows. Built by hand to
 * reach the other two paths: one 16-bit DC code, 15 extra bits and a 2-bit EOB per 8x8 block,
 * zeros, then EOI right where the second block's extra bits should be (the bit count falls to
 * -8, and the next refill shifts by 32); and 300 blocks each adding 32767 to the DC
 * prediction, quantiser 255, until the product passes INT_MAX. Each decodes to its declared
 * size, or is refused, the same way every time, and the sanitizer build reports nothing. */
static void test_jpeg_stb_arithmetic_defined(void) {
    static const struct {
        const char *file;
        icarl_status status;
        int width, height;
    } cases[] = {
        {"image-jpeg-marker-mid-scan-shift-32.jpg", ICARL_OK, 16, 8},
        {"image-jpeg-dc-prediction-int-overflow.jpg", ICARL_OK, 2400, 8},
        {"image-jpeg-progressive-dc-int-overflow.jpg", ICARL_ERROR_DECODE, 0, 0},
    };
    for (int c = 0; c < 3; c++) {
        char path[256];
        snprintf(path, sizeof path, "tests/fuzz/regressions/%s", cases[c].file);
        size_t size = 0;
        uint8_t *bytes = read_file(path, &size);
        CHECK_MESSAGE(bytes != NULL, "%s missing", path);
        if (bytes == NULL) continue;
        uint8_t *first = NULL, *second = NULL;
        int width = 0, height = 0, width2 = 0, height2 = 0;
        icarl_status status = image_decode(bytes, size, 3, &first, &width, &height);
        CHECK_MESSAGE(status == cases[c].status, "%s: status %d", cases[c].file, (int)status);
        CHECK(image_decode(bytes, size, 3, &second, &width2, &height2) == status);
        if (status == ICARL_OK && first != NULL && second != NULL) {
            CHECK_MESSAGE(width == cases[c].width && height == cases[c].height, "%s: %dx%d",
                          cases[c].file, width, height);
            CHECK(width2 == width && height2 == height &&
                  memcmp(first, second, (size_t)width * height * 3) == 0);
        }
        free(first);
        free(second);
        free(bytes);
    }
}

/* Found by fuzz_checkpoint: a learner whose (CRC-fixed) checkpoint holds extreme weights
 * trained a step whose loss stayed finite while weights and BatchNorm statistics overflowed;
 * the step committed NaN parameters with ICARL_OK (so the saved learner no longer loaded), and
 * herding on the NaN features wrote before its scratch array. The step must now end with
 * ICARL_ERROR_DIVERGED and leave the learner exactly as loaded. */
static void test_step_on_extreme_weights_diverges_cleanly(void) {
    size_t size = 0;
    uint8_t *raw = read_file("tests/fuzz/regressions/checkpoint-nan-statistics-herding.ckpt", &size);
    CHECK(raw != NULL);
    if (raw == NULL) return;
    uint8_t *bytes = with_fixed_checksums(raw, size);
    icarl_learner *learner = NULL;
    char message[256] = "";
    CHECK_MESSAGE(icarl_load(bytes, size, &learner, message, sizeof message) == ICARL_OK, "%s",
                  message);
    if (learner != NULL) {
        uint8_t *before = NULL, *after = NULL;
        size_t before_size = 0, after_size = 0;
        CHECK(icarl_save(learner, &before, &before_size) == ICARL_OK);
        CHECK(icarl_step(learner, NULL, NULL) == ICARL_ERROR_DIVERGED);
        CHECK(strstr(icarl_last_error(learner), "diverged") != NULL);
        CHECK(icarl_save(learner, &after, &after_size) == ICARL_OK);
        CHECK(after_size == before_size && memcmp(before, after, before_size) == 0);
        icarl_free(before);
        icarl_free(after);
        icarl_destroy(learner);
    }
    free(bytes);
    free(raw);
}

int main(void) {
    RUN(test_replay_corpus);
    RUN(test_replay_regressions);
    RUN(test_seeds_are_valid);
    RUN(test_png_huge_idat_refused);
    RUN(test_jpeg_fill_before_soi_refused);
    RUN(test_jpeg_undefined_table_deterministic);
    RUN(test_jpeg_stb_arithmetic_defined);
    RUN(test_step_on_extreme_weights_diverges_cleanly);
    return HARNESS_RESULT();
}
