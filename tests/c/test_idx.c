/* test_idx.c - the IDX parser on hand-built buffers (good, truncated, garbage, oversized
 * headers); the gzip reader (data/gzip.c) on files zlib writes: good ones with every header
 * field, cut, damaged, mislabelled, followed by more bytes, and over the size cap; gzip through
 * idx_read_file; and the real Fashion-MNIST sets with their counts and per-class histograms. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/gzip.h"
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

/* gzip bytes of `plain` written by zlib, the independent writer; with `header` (name, comment,
 * extra field, header CRC) when given. Returns the size, 0 on failure. */
static size_t zlib_gzip(const uint8_t *plain, size_t plain_size, gz_header *header, uint8_t *out,
                        size_t capacity) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    if (header && deflateSetHeader(&stream, header) != Z_OK) return 0;
    stream.next_in = (Bytef *)plain;
    stream.avail_in = (uInt)plain_size;
    stream.next_out = out;
    stream.avail_out = (uInt)capacity;
    int result = deflate(&stream, Z_FINISH);
    size_t size = capacity - stream.avail_out;
    deflateEnd(&stream);
    return result == Z_STREAM_END ? size : 0;
}

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Decompresses a copy of exactly `size` bytes (so ASan sees any read past the input) and checks
 * that a failure leaves no output behind. */
static icarl_status gunzip_copy(const uint8_t *bytes, size_t size, size_t max_size,
                                uint8_t **plain, size_t *plain_size) {
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, bytes, size);
    icarl_status status = gzip_decompress(copy, size, max_size, plain, plain_size);
    free(copy);
    if (status != ICARL_OK) CHECK(*plain == NULL && *plain_size == 0);
    return status;
}

/* Pseudo-text of `size` bytes: compressible, but with literals and matches of every kind. */
static uint8_t *make_text(size_t size) {
    static const char *const words[] = {"shirt ", "trouser ", "pullover ", "dress ", "coat ",
                                        "sandal ", "sneaker ", "bag ", "ankle boot ", "\n"};
    uint8_t *text = malloc(size);
    uint32_t state = 12345;
    for (size_t at = 0; at < size;) {
        state = state * 1664525u + 1013904223u;
        const char *word = words[(state >> 16) % 10];
        for (size_t i = 0; word[i] && at < size; i++) text[at++] = (uint8_t)word[i];
        if ((state & 0xF) == 0 && at < size) text[at++] = (uint8_t)(state >> 8); /* a stray byte */
    }
    return text;
}

static void test_gzip_good(void) {
    enum { SIZE = 100000 };
    uint8_t *text = make_text(SIZE);
    uint8_t *compressed = malloc(SIZE);
    size_t compressed_size = zlib_gzip(text, SIZE, NULL, compressed, SIZE);
    CHECK(compressed_size > 0 && compressed_size < SIZE / 2);
    uint8_t *plain = NULL;
    size_t plain_size = 0;
    CHECK(gzip_is_gzip(compressed, compressed_size));
    CHECK(gunzip_copy(compressed, compressed_size, SIZE, &plain, &plain_size) == ICARL_OK);
    CHECK(plain_size == SIZE && plain && memcmp(plain, text, SIZE) == 0);
    free(plain);

    /* Every optional header field, the header CRC included. */
    gz_header header;
    memset(&header, 0, sizeof header);
    uint8_t extra[] = {'I', 'C', 4, 0, 1, 2, 3, 4};
    header.extra = extra;
    header.extra_len = sizeof extra;
    header.name = (Bytef *)"train-images-idx3-ubyte";
    header.comment = (Bytef *)"made by test_idx";
    header.hcrc = 1;
    size_t with_header = zlib_gzip(text, SIZE, &header, compressed, SIZE);
    CHECK(with_header > compressed_size);
    CHECK(gunzip_copy(compressed, with_header, SIZE, &plain, &plain_size) == ICARL_OK);
    CHECK(plain_size == SIZE && plain && memcmp(plain, text, SIZE) == 0);
    free(plain);
    compressed[10 + 2 + sizeof extra + 3] ^= 0x20; /* a letter of the name: header CRC fails */
    CHECK(gunzip_copy(compressed, with_header, SIZE, &plain, &plain_size) == ICARL_ERROR_CORRUPT);

    /* Empty contents. */
    size_t empty = zlib_gzip(text, 0, NULL, compressed, SIZE);
    CHECK(gunzip_copy(compressed, empty, SIZE, &plain, &plain_size) == ICARL_OK);
    CHECK(plain_size == 0);
    free(plain);
    free(compressed);
    free(text);
}

static void test_gzip_refused(void) {
    enum { SIZE = 20000 };
    uint8_t *text = make_text(SIZE);
    uint8_t good[SIZE];
    size_t size = zlib_gzip(text, SIZE, NULL, good, sizeof good);
    CHECK(size > 40);
    uint8_t copy[2 * SIZE];
    uint8_t *plain = NULL;
    size_t plain_size = 0;

    /* Cut anywhere: refused, never read past the end (exact-size copies under ASan). */
    for (size_t n = 0; n < size; n++) {
        icarl_status status = gunzip_copy(good, n, SIZE, &plain, &plain_size);
        CHECK_MESSAGE(status != ICARL_OK, "cut at %zu of %zu was accepted", n, size);
        if (status == ICARL_OK) free(plain);
    }
    CHECK(gunzip_copy(good, 9, SIZE, &plain, &plain_size) == ICARL_ERROR_TRUNCATED);
    CHECK(gunzip_copy(good, 17, SIZE, &plain, &plain_size) == ICARL_ERROR_TRUNCATED);

    /* The trailer's CRC-32 or length does not match the contents. */
    memcpy(copy, good, size);
    copy[size - 8] ^= 0x01;
    CHECK(gunzip_copy(copy, size, SIZE, &plain, &plain_size) == ICARL_ERROR_CORRUPT);
    memcpy(copy, good, size);
    put_le32(copy + size - 4, SIZE - 1); /* one byte short: the stream overruns the buffer */
    icarl_status status = gunzip_copy(copy, size, SIZE, &plain, &plain_size);
    CHECK_MESSAGE(status == ICARL_ERROR_DECODE || status == ICARL_ERROR_CORRUPT, "%d", (int)status);
    put_le32(copy + size - 4, SIZE + 1);
    CHECK(gunzip_copy(copy, size, SIZE + 1, &plain, &plain_size) == ICARL_ERROR_CORRUPT);

    /* Damaged deflate data. */
    memcpy(copy, good, size);
    for (size_t i = 10; i < size - 8; i += 7) copy[i] ^= 0x5A;
    status = gunzip_copy(copy, size, SIZE, &plain, &plain_size);
    CHECK_MESSAGE(status == ICARL_ERROR_DECODE || status == ICARL_ERROR_CORRUPT, "%d", (int)status);

    /* Not gzip, another method, reserved flags. */
    CHECK(gunzip_copy(text, 100, SIZE, &plain, &plain_size) == ICARL_ERROR_DECODE);
    memcpy(copy, good, size);
    copy[2] = 7;
    CHECK(gunzip_copy(copy, size, SIZE, &plain, &plain_size) == ICARL_ERROR_DECODE);
    memcpy(copy, good, size);
    copy[3] |= 0x80;
    CHECK(gunzip_copy(copy, size, SIZE, &plain, &plain_size) == ICARL_ERROR_DECODE);

    /* Bytes after the member, or a second member: the last eight bytes are then not this
     * member's trailer, and the file is refused (how depends on what they claim). */
    memcpy(copy, good, size);
    memcpy(copy + size, "garbage!", 8);
    CHECK(gunzip_copy(copy, size + 8, SIZE, &plain, &plain_size) != ICARL_OK);
    memcpy(copy + size, "\0\0\0\0\0\0\0\0", 8); /* claims empty contents */
    CHECK(gunzip_copy(copy, size + 8, SIZE, &plain, &plain_size) == ICARL_ERROR_DECODE);
    size_t second = zlib_gzip(text + 1, 1000, NULL, copy + size, sizeof copy - size);
    CHECK(second > 0);
    CHECK(gunzip_copy(copy, size + second, SIZE, &plain, &plain_size) != ICARL_OK);
    text[0] ^= 1; /* a second member as long as the first: its trailer's CRC fails */
    second = zlib_gzip(text, SIZE, NULL, copy + size, sizeof copy - size);
    CHECK(second > 0);
    CHECK(gunzip_copy(copy, size + second, SIZE, &plain, &plain_size) == ICARL_ERROR_CORRUPT);
    free(text);
}

/* The cap holds before allocating, whatever the trailer claims. */
static void test_gzip_limits(void) {
    enum { SIZE = 1 << 20 };
    uint8_t *zeros = calloc(SIZE, 1);
    uint8_t *compressed = malloc(SIZE);
    size_t size = zlib_gzip(zeros, SIZE, NULL, compressed, SIZE);
    CHECK(size > 0 && size < 4096); /* a small bomb: 1 MB of zeros */
    uint8_t *plain = NULL;
    size_t plain_size = 0;
    CHECK(gunzip_copy(compressed, size, SIZE, &plain, &plain_size) == ICARL_OK);
    CHECK(plain_size == SIZE && plain[SIZE - 1] == 0);
    free(plain);
    CHECK(gunzip_copy(compressed, size, SIZE - 1, &plain, &plain_size) == ICARL_ERROR_LIMIT);
    /* A stored length over the cap is refused whatever the data, here and with the cap of
     * idx_read_file (through a file). */
    put_le32(compressed + size - 4, 0x7FFFFFF0u);
    CHECK(gunzip_copy(compressed, size, SIZE, &plain, &plain_size) == ICARL_ERROR_LIMIT);
    char path[] = "/tmp/icarl_test_idx_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        FILE *file = fdopen(fd, "wb");
        fwrite(compressed, 1, size, file);
        fclose(file);
        idx_array array;
        CHECK(idx_read_file(path, &array) == ICARL_ERROR_LIMIT);
        remove(path);
    }
    free(compressed);
    free(zeros);
}

/* idx_read_file recognises gzip by its content, whatever the file is called. */
static void test_gzip_file(void) {
    uint8_t buffer[64];
    size_t size = build_images(buffer);
    uint8_t compressed[256];
    size_t compressed_size = zlib_gzip(buffer, size, NULL, compressed, sizeof compressed);
    char path[] = "/tmp/icarl_test_idx_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && compressed_size > 0);
    if (fd < 0) return;
    FILE *file = fdopen(fd, "wb");
    fwrite(compressed, 1, compressed_size, file);
    fclose(file);
    idx_array array;
    CHECK(idx_read_file(path, &array) == ICARL_OK);
    CHECK(array.count == 2 && array.sizes[2] == 4 && array.data[23] == 23);
    idx_array_free(&array);

    /* A truncated gzip file is refused. */
    file = fopen(path, "wb");
    fwrite(compressed, 1, compressed_size / 2, file);
    fclose(file);
    CHECK(idx_read_file(path, &array) != ICARL_OK);
    CHECK(array.data == NULL);
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
    RUN(test_gzip_good);
    RUN(test_gzip_refused);
    RUN(test_gzip_limits);
    RUN(test_gzip_file);
    RUN(test_fashion_mnist);
    return HARNESS_RESULT();
}
