/* test_sections.c - CRC-32 against known vectors and zlib, and the checkpoint container: round
 * trip of every value type, and refusal (never a crash) of every truncation, every single-bit
 * flip, foreign bytes and future versions. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "io/crc32.h"
#include "io/sections.h"

static void test_crc32_vectors(void) {
    const uint8_t *check = (const uint8_t *)"123456789";
    CHECK(crc32_update(0, check, 9) == 0xCBF43926u);
    CHECK(crc32_update(0, NULL, 0) == 0);
    /* Chaining: any split point gives the one-call value. */
    for (size_t split = 0; split <= 9; split++)
        CHECK(crc32_update(crc32_update(0, check, split), check + split, 9 - split) == 0xCBF43926u);
    /* Against zlib on pseudo-random buffers of many lengths. */
    uint8_t buffer[1031];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buffer; i++) {
        x = x * 1103515245u + 12345u;
        buffer[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof buffer; n += 37) {
        uLong reference = crc32(0L, buffer, (uInt)n);
        CHECK_MESSAGE(crc32_update(0, buffer, n) == (uint32_t)reference, "length %zu", n);
    }
}

/* A checkpoint-like file with three sections of various types. */
static void build_sample(byte_writer *writer) {
    writer_init(writer);
    writer_header(writer);
    size_t begin = writer_section_begin(writer, "CONF");
    writer_u32(writer, 0xDEADBEEFu);
    writer_u64(writer, 0x0123456789ABCDEFull);
    writer_i32(writer, -42);
    writer_f32(writer, 3.25f);
    writer_section_end(writer, begin);
    begin = writer_section_begin(writer, "NAME");
    writer_string(writer, "mug");
    writer_string(writer, "");
    writer_string(writer, "T-shirt/top");
    writer_section_end(writer, begin);
    begin = writer_section_begin(writer, "WGHT");
    float values[300];
    for (int i = 0; i < 300; i++) values[i] = (float)i * 0.5f - 7.0f;
    writer_f32_array(writer, values, 300);
    writer_section_end(writer, begin);
    begin = writer_section_begin(writer, "END ");
    writer_section_end(writer, begin);
}

/* Walks every section; returns the first non-OK status, or OK after a clean "END ". Records the
 * tags seen so a flipped tag can be told apart from the original. */
static icarl_status walk(const uint8_t *bytes, size_t size, char *tags, size_t tags_size) {
    byte_reader reader;
    uint32_t version = 0;
    icarl_status status = sections_open(bytes, size, &reader, &version);
    if (tags_size) tags[0] = '\0';
    if (status != ICARL_OK) return status;
    for (int guard = 0; guard < 100; guard++) {
        section s;
        status = sections_next(&reader, &s);
        if (status != ICARL_OK) return status;
        if (tags_size && strlen(tags) + 5 < tags_size) strcat(tags, s.tag);
        if (strcmp(s.tag, "END ") == 0) return ICARL_OK;
    }
    return ICARL_ERROR_CORRUPT;
}

static void test_round_trip(void) {
    byte_writer writer;
    build_sample(&writer);
    CHECK(!writer.failed);
    CHECK(memcmp(writer.data, "ICARLCKP\x02\0\0\0", 12) == 0);
    /* Little-endian on every host: the first section's length field is spelled out. */
    CHECK(memcmp(writer.data + 12, "CONF\x14\0\0\0\0\0\0\0", 12) == 0);

    byte_reader reader;
    uint32_t version = 0;
    CHECK(sections_open(writer.data, writer.size, &reader, &version) == ICARL_OK);
    CHECK(version == CHECKPOINT_VERSION);
    section s;
    CHECK(sections_next(&reader, &s) == ICARL_OK);
    CHECK(strcmp(s.tag, "CONF") == 0 && s.size == 20);
    byte_reader payload;
    reader_init(&payload, s.payload, s.size);
    CHECK(reader_u32(&payload) == 0xDEADBEEFu);
    CHECK(reader_u64(&payload) == 0x0123456789ABCDEFull);
    CHECK(reader_i32(&payload) == -42);
    CHECK(reader_f32(&payload) == 3.25f);
    CHECK(reader_remaining(&payload) == 0 && !payload.failed);
    CHECK(reader_u32(&payload) == 0 && payload.failed); /* reading past the end fails */

    CHECK(sections_next(&reader, &s) == ICARL_OK);
    CHECK(strcmp(s.tag, "NAME") == 0);
    reader_init(&payload, s.payload, s.size);
    char *a = reader_string(&payload, 64), *b = reader_string(&payload, 64);
    char *c = reader_string(&payload, 5); /* 11 bytes > cap: refused */
    CHECK(a && strcmp(a, "mug") == 0);
    CHECK(b && strcmp(b, "") == 0);
    CHECK(c == NULL && payload.failed);
    free(a);
    free(b);

    CHECK(sections_next(&reader, &s) == ICARL_OK);
    CHECK(strcmp(s.tag, "WGHT") == 0 && s.size == 1200);
    reader_init(&payload, s.payload, s.size);
    float values[300];
    CHECK(reader_f32_array(&payload, values, 300));
    int same = 1;
    for (int i = 0; i < 300; i++) same &= values[i] == (float)i * 0.5f - 7.0f;
    CHECK(same);
    CHECK(!reader_f32_array(&payload, values, 1));

    CHECK(sections_next(&reader, &s) == ICARL_OK);
    CHECK(strcmp(s.tag, "END ") == 0 && s.size == 0);
    CHECK(sections_next(&reader, &s) == ICARL_ERROR_TRUNCATED); /* nothing after the end */
    writer_free(&writer);
}

static void test_reader_bounds(void) {
    uint8_t bytes[6] = {1, 2, 3, 4, 5, 6};
    byte_reader reader;
    reader_init(&reader, bytes, sizeof bytes);
    uint8_t out[8];
    CHECK(!reader_bytes(&reader, out, SIZE_MAX)); /* no overflow in the bounds check */
    CHECK(reader.failed);
    reader_init(&reader, bytes, sizeof bytes);
    CHECK(!reader_f32_array(&reader, (float *)out, SIZE_MAX / 2));
    reader_init(&reader, bytes, sizeof bytes);
    CHECK(reader_bytes(&reader, out, 2) && reader_remaining(&reader) == 4);
    CHECK(reader_u32(&reader) == 0x06050403u);
    /* A string whose length prefix exceeds the data is refused before any allocation. */
    uint8_t hostile[8] = {0xFF, 0xFF, 0xFF, 0x7F, 'a', 'b', 'c', 'd'};
    reader_init(&reader, hostile, sizeof hostile);
    CHECK(reader_string(&reader, SIZE_MAX) == NULL && reader.failed);
    uint8_t with_nul[6] = {2, 0, 0, 0, 'a', 0};
    reader_init(&reader, with_nul, sizeof with_nul);
    CHECK(reader_string(&reader, 16) == NULL);
}

static void test_writer_growth(void) {
    byte_writer writer;
    writer_init(&writer);
    for (uint32_t i = 0; i < 100000; i++) writer_u32(&writer, i);
    CHECK(!writer.failed && writer.size == 400000);
    CHECK(writer.capacity >= writer.size && writer.capacity < 2 * writer.size + 512);
    byte_reader reader;
    reader_init(&reader, writer.data, writer.size);
    int same = 1;
    for (uint32_t i = 0; i < 100000; i++) same &= reader_u32(&reader) == i;
    CHECK(same);
    writer_free(&writer);
    CHECK(writer.data == NULL && writer.size == 0);
}

static void test_every_truncation(void) {
    byte_writer writer;
    build_sample(&writer);
    CHECK(walk(writer.data, writer.size, NULL, 0) == ICARL_OK);
    for (size_t n = 0; n < writer.size; n++) {
        /* A copy of exactly n bytes so that ASan would see any read past it. */
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, writer.data, n);
        icarl_status status = walk(n ? copy : NULL, n, NULL, 0);
        icarl_status expected = n == 0 ? ICARL_ERROR_NOT_A_CHECKPOINT : ICARL_ERROR_TRUNCATED;
        CHECK_MESSAGE(status == expected, "length %zu gave %d", n, (int)status);
        free(copy);
    }
    writer_free(&writer);
}

static void test_every_bit_flip(void) {
    byte_writer writer;
    build_sample(&writer);
    char original_tags[64], tags[64];
    CHECK(walk(writer.data, writer.size, original_tags, sizeof original_tags) == ICARL_OK);
    uint8_t *copy = malloc(writer.size);
    int undetected = 0;
    for (size_t byte = 0; byte < writer.size; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, writer.data, writer.size);
            copy[byte] ^= (uint8_t)(1u << bit);
            icarl_status status = walk(copy, writer.size, tags, sizeof tags);
            if (byte < 8) {
                CHECK(status == ICARL_ERROR_NOT_A_CHECKPOINT);
            } else if (byte < 12) {
                CHECK(status == ICARL_ERROR_UNSUPPORTED_VERSION || status == ICARL_ERROR_CORRUPT);
            } else if (status == ICARL_OK) {
                /* Tags are outside the CRC: a flip there may give another printable tag, which
                 * the learner then rejects as unknown. Anything else must be caught here. */
                if (strcmp(tags, original_tags) == 0) undetected++;
            } else {
                CHECK_MESSAGE(status == ICARL_ERROR_CORRUPT || status == ICARL_ERROR_TRUNCATED,
                              "byte %zu bit %d gave %d", byte, bit, (int)status);
            }
        }
    }
    CHECK_MESSAGE(undetected == 0, "%d flips went unnoticed", undetected);
    free(copy);
    writer_free(&writer);
}

static void test_foreign_and_future(void) {
    const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13};
    byte_reader reader;
    uint32_t version = 0;
    CHECK(sections_open(png, sizeof png, &reader, &version) == ICARL_ERROR_NOT_A_CHECKPOINT);
    CHECK(sections_open((const uint8_t *)"ICARL", 5, &reader, &version) == ICARL_ERROR_TRUNCATED);
    CHECK(sections_open((const uint8_t *)"ICARX", 5, &reader, &version) ==
          ICARL_ERROR_NOT_A_CHECKPOINT);

    byte_writer writer;
    build_sample(&writer);
    writer.data[8] = CHECKPOINT_VERSION + 1; /* a newer format */
    CHECK(sections_open(writer.data, writer.size, &reader, &version) ==
          ICARL_ERROR_UNSUPPORTED_VERSION);
    CHECK(version == CHECKPOINT_VERSION + 1);
    writer.data[8] = 1;
    /* Trailing bytes after "END " are refused. */
    writer_u32(&writer, 0);
    CHECK(walk(writer.data, writer.size, NULL, 0) == ICARL_ERROR_CORRUPT);
    /* A huge declared length (beyond any address space) is TRUNCATED, not an allocation. */
    writer.size -= 4;
    memset(writer.data + 16, 0xFF, 8);
    CHECK(walk(writer.data, writer.size, NULL, 0) == ICARL_ERROR_TRUNCATED);
    writer_free(&writer);
}

int main(void) {
    RUN(test_crc32_vectors);
    RUN(test_round_trip);
    RUN(test_reader_bounds);
    RUN(test_writer_growth);
    RUN(test_every_truncation);
    RUN(test_every_bit_flip);
    RUN(test_foreign_and_future);
    return HARNESS_RESULT();
}
