/* test_idx.c - the IDX parser on hand-built buffers (good, truncated, garbage, oversized
 * headers), gzip reading through a temporary file, and the real Fashion-MNIST sets with their
 * counts and per-class label histograms. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/idx.h"
#include "harness.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* 2 images of 3 rows x 4 columns with bytes 0..23. */
static size_t build_images(uint8_t *buffer) {
    buffer[0] = 0;
    buffer[1] = 0;
    buffer[2] = 0x08;
    buffer[3] = 3;
    put_be32(buffer + 4, 2);
    put_be32(buffer + 8, 3);
    put_be32(buffer + 12, 4);
    for (int i = 0; i < 24; i++) buffer[16 + i] = (uint8_t)i;
    return 40;
}

static void test_parse_small(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    idx_array array;
    CHECK(idx_parse(buffer, size, &array) == ICARL_OK);
    CHECK(array.count == 2 && array.dimensions == 3);
    CHECK(array.sizes[0] == 2 && array.sizes[1] == 3 && array.sizes[2] == 4);
    CHECK(array.data && array.data[0] == 0 && array.data[23] == 23);
    CHECK(array.data[12] == 12); /* second image starts after 3 * 4 bytes */
    idx_array_free(&array);
    CHECK(array.data == NULL);

    uint8_t labels[] = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9};
    CHECK(idx_parse(labels, sizeof labels, &array) == ICARL_OK);
    CHECK(array.count == 3 && array.dimensions == 1 && array.data[2] == 9);
    idx_array_free(&array);
}

static void test_truncated(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    idx_array array;
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size so ASan sees any overread */
        memcpy(copy, buffer, n);
        icarl_status status = idx_parse(copy, n, &array);
        CHECK_MESSAGE(status == ICARL_ERROR_TRUNCATED, "length %zu gave %d", n, (int)status);
        CHECK(array.data == NULL);
        free(copy);
    }
    /* One byte too many is not silently accepted either. */
    buffer[size] = 0;
    CHECK(idx_parse(buffer, size + 1, &array) == ICARL_ERROR_DECODE);
}

static void test_garbage(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    idx_array array;
    uint8_t copy[64];
    memcpy(copy, buffer, size);
    copy[2] = 0x0D; /* float data: not supported */
    CHECK(idx_parse(copy, size, &array) == ICARL_ERROR_DECODE);
    memcpy(copy, buffer, size);
    copy[0] = 0x89;
    CHECK(idx_parse(copy, size, &array) == ICARL_ERROR_DECODE);
    memcpy(copy, buffer, size);
    copy[3] = 0; /* no dimensions */
    CHECK(idx_parse(copy, size, &array) == ICARL_ERROR_DECODE);
    copy[3] = 4; /* more than we handle */
    CHECK(idx_parse(copy, size, &array) == ICARL_ERROR_DECODE);
    const char *text = "hello, this is not an IDX file at all";
    CHECK(idx_parse((const uint8_t *)text, strlen(text), &array) == ICARL_ERROR_DECODE);
    CHECK(idx_parse(NULL, 4, &array) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(idx_parse(buffer, size, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
}

static void test_oversized(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    idx_array array;
    /* Sizes whose product overflows 64 bits: refused before any allocation. */
    put_be32(buffer + 4, 0x7FFFFFFFu);
    put_be32(buffer + 8, 0x7FFFFFFFu);
    put_be32(buffer + 12, 0x7FFFFFFFu);
    CHECK(idx_parse(buffer, size, &array) == ICARL_ERROR_TRUNCATED);
    put_be32(buffer + 4, 0xFFFFFFFFu); /* does not fit int32 count */
    CHECK(idx_parse(buffer, size, &array) == ICARL_ERROR_DECODE);
    size = build_images(buffer);
    put_be32(buffer + 4, 60000); /* claims far more than present */
    CHECK(idx_parse(buffer, size, &array) == ICARL_ERROR_TRUNCATED);
}

static void test_gzip_file(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    char path[] = "/tmp/icarl_test_idx_XXXXXX"; /* gzip is recognised by content */
    /* Write through zlib's gz interface, then read back through idx_read_file. */
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    gzFile gz = gzdopen(fd, "wb");
    CHECK(gz && gzwrite(gz, buffer, (unsigned)size) == (int)size);
    gzclose(gz);
    idx_array array;
    CHECK(idx_read_file(path, &array) == ICARL_OK);
    CHECK(array.count == 2 && array.sizes[2] == 4 && array.data[23] == 23);
    idx_array_free(&array);

    /* A truncated gzip file is refused. */
    FILE *file = fopen(path, "rb");
    uint8_t compressed[256];
    size_t compressed_size = fread(compressed, 1, sizeof compressed, file);
    fclose(file);
    file = fopen(path, "wb");
    fwrite(compressed, 1, compressed_size / 2, file);
    fclose(file);
    icarl_status status = idx_read_file(path, &array);
    CHECK_MESSAGE(status == ICARL_ERROR_TRUNCATED || status == ICARL_ERROR_DECODE, "%d",
                  (int)status);
    /* Corrupt deflate data is refused. */
    memset(compressed + 10, 0xFF, compressed_size - 18);
    file = fopen(path, "wb");
    fwrite(compressed, 1, compressed_size, file);
    fclose(file);
    status = idx_read_file(path, &array);
    CHECK_MESSAGE(status == ICARL_ERROR_DECODE || status == ICARL_ERROR_TRUNCATED, "%d",
                  (int)status);
    remove(path);
    CHECK(idx_read_file("/nonexistent/file", &array) == ICARL_ERROR_IO);
}

static void check_set(int train, int32_t expected_count, int32_t per_class) {
    dataset set;
    icarl_status status = dataset_load_fashion_mnist(FASHION_DIR, train, &set);
    CHECK_MESSAGE(status == ICARL_OK, "%s", icarl_strerror(status));
    if (status != ICARL_OK) return;
    CHECK(set.count == expected_count);
    CHECK(set.size == 28 && set.channels == 1);
    int32_t histogram[10] = {0};
    for (int32_t i = 0; i < set.count; i++) histogram[set.labels[i]]++;
    for (int c = 0; c < 10; c++)
        CHECK_MESSAGE(histogram[c] == per_class, "class %d has %d", c, histogram[c]);
    /* Images are not blank: the mean byte of the set is between the two extremes. */
    double sum = 0;
    for (size_t i = 0; i < (size_t)set.count * 28 * 28; i++) sum += set.images[i];
    double mean = sum / ((double)set.count * 28 * 28);
    CHECK(mean > 40 && mean < 120);
    dataset_free(&set);
    CHECK(set.images == NULL);
}

static void test_fashion_mnist(void) {
    check_set(1, 60000, 6000);
    check_set(0, 10000, 1000);
    dataset set;
    CHECK(dataset_load_fashion_mnist("/nonexistent", 1, &set) == ICARL_ERROR_IO);
}

int main(void) {
    RUN(test_parse_small);
    RUN(test_truncated);
    RUN(test_garbage);
    RUN(test_oversized);
    RUN(test_gzip_file);
    RUN(test_fashion_mnist);
    return HARNESS_RESULT();
}
