/* sections.c - the checkpoint container: a growing little-endian byte writer, a bounds-checked
 * reader over untrusted bytes, and the magic/version/tagged-section framing with CRC-32 per
 * section. It knows nothing of what the learner stores inside the sections. */
#include "io/sections.h"

#include <stdlib.h>
#include <string.h>

#include "io/crc32.h"

#define MAGIC_SIZE 8u
#define HEADER_SIZE 12u          /* magic + u32 version */

/* ---- writer ---- */

void writer_init(byte_writer *writer) {
    writer->data = NULL;
    writer->size = 0;
    writer->capacity = 0;
    writer->failed = 0;
}

void writer_free(byte_writer *writer) {
    free(writer->data);
    writer_init(writer);
}

/* Makes room for `extra` more bytes; doubling keeps appends amortised O(1). */
static int writer_reserve(byte_writer *writer, size_t extra) {
    if (writer->failed) return 0;
    if (extra > SIZE_MAX - writer->size) {
        writer->failed = 1;
        return 0;
    }
    size_t needed = writer->size + extra;
    if (needed <= writer->capacity) return 1;
    size_t capacity = writer->capacity ? writer->capacity : 256;
    while (capacity < needed) {
        if (capacity > SIZE_MAX / 2) {
            capacity = needed;
            break;
        }
        capacity *= 2;
    }
    uint8_t *grown = realloc(writer->data, capacity);
    if (!grown) {
        writer->failed = 1;
        return 0;
    }
    writer->data = grown;
    writer->capacity = capacity;
    return 1;
}

void writer_bytes(byte_writer *writer, const void *bytes, size_t size) {
    if (size == 0 || !writer_reserve(writer, size)) return;
    memcpy(writer->data + writer->size, bytes, size);
    writer->size += size;
}

static void put_u32(uint8_t *out, uint32_t value) {
    for (int i = 0; i < 4; i++) out[i] = (uint8_t)(value >> (8 * i));
}

static void put_u64(uint8_t *out, uint64_t value) {
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(value >> (8 * i));
}

static uint32_t get_u32(const uint8_t *in) {
    return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
           (uint32_t)in[3] << 24;
}

static uint64_t get_u64(const uint8_t *in) {
    return (uint64_t)get_u32(in) | (uint64_t)get_u32(in + 4) << 32;
}

void writer_u32(byte_writer *writer, uint32_t value) {
    uint8_t bytes[4];
    put_u32(bytes, value);
    writer_bytes(writer, bytes, 4);
}

void writer_u64(byte_writer *writer, uint64_t value) {
    uint8_t bytes[8];
    put_u64(bytes, value);
    writer_bytes(writer, bytes, 8);
}

void writer_i32(byte_writer *writer, int32_t value) {
    writer_u32(writer, (uint32_t)value);
}

void writer_f32(byte_writer *writer, float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    writer_u32(writer, bits);
}

void writer_f32_array(byte_writer *writer, const float *values, size_t count) {
    if (count > SIZE_MAX / 4) {
        writer->failed = 1;
        return;
    }
    if (count == 0 || !writer_reserve(writer, count * 4)) return;
    uint8_t *out = writer->data + writer->size;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        put_u32(out + 4 * i, bits);
    }
    writer->size += count * 4;
}

void writer_string(byte_writer *writer, const char *text) {
    size_t length = text ? strlen(text) : 0;
    if (length > UINT32_MAX) {
        writer->failed = 1;
        return;
    }
    writer_u32(writer, (uint32_t)length);
    writer_bytes(writer, text, length);
}

void writer_header(byte_writer *writer) {
    writer_bytes(writer, CHECKPOINT_MAGIC, MAGIC_SIZE);
    writer_u32(writer, CHECKPOINT_VERSION);
}

/* Returns the offset of the payload; the length placeholder sits in the 8 bytes before it. */
size_t writer_section_begin(byte_writer *writer, const char tag[4]) {
    writer_bytes(writer, tag, 4);
    writer_u64(writer, 0);
    return writer->size;
}

void writer_section_end(byte_writer *writer, size_t begin) {
    if (writer->failed) return;
    if (begin < 12 || begin > writer->size) {
        writer->failed = 1; /* not a value writer_section_begin returned */
        return;
    }
    size_t length = writer->size - begin;
    put_u64(writer->data + begin - 8, (uint64_t)length);
    writer_u32(writer, crc32_update(0, writer->data + begin, length));
}

/* ---- reader ---- */

void reader_init(byte_reader *reader, const uint8_t *data, size_t size) {
    reader->data = data;
    reader->size = data ? size : 0;
    reader->position = 0;
    reader->failed = 0;
}

size_t reader_remaining(const byte_reader *reader) {
    return reader->failed ? 0 : reader->size - reader->position;
}

/* Points at the next `size` bytes and consumes them, or fails without moving. Comparing with
 * the remaining count (never position + size) cannot overflow. */
static const uint8_t *reader_take(byte_reader *reader, size_t size) {
    if (reader->failed) return NULL;
    if (size > reader->size - reader->position) {
        reader->failed = 1;
        return NULL;
    }
    const uint8_t *at = reader->data + reader->position;
    reader->position += size;
    return at;
}

int reader_bytes(byte_reader *reader, void *out, size_t size) {
    const uint8_t *at = reader_take(reader, size);
    if (!at) return 0;
    if (size) memcpy(out, at, size);
    return 1;
}

uint32_t reader_u32(byte_reader *reader) {
    const uint8_t *at = reader_take(reader, 4);
    return at ? get_u32(at) : 0;
}

uint64_t reader_u64(byte_reader *reader) {
    const uint8_t *at = reader_take(reader, 8);
    return at ? get_u64(at) : 0;
}

int32_t reader_i32(byte_reader *reader) {
    uint32_t bits = reader_u32(reader);
    int32_t value;
    memcpy(&value, &bits, 4); /* two's complement without implementation-defined conversion */
    return value;
}

float reader_f32(byte_reader *reader) {
    uint32_t bits = reader_u32(reader);
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

int reader_f32_array(byte_reader *reader, float *out, size_t count) {
    if (count > SIZE_MAX / 4) {
        reader->failed = 1;
        return 0;
    }
    const uint8_t *at = reader_take(reader, count * 4);
    if (!at) return 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = get_u32(at + 4 * i);
        memcpy(&out[i], &bits, 4);
    }
    return 1;
}

/* Refuses embedded NULs too: the copy is used as a C string, and a name cut short at a NUL
 * would silently differ from what was saved. */
char *reader_string(byte_reader *reader, size_t max_length) {
    uint32_t length = reader_u32(reader);
    if (reader->failed) return NULL;
    if (length > max_length || length > reader_remaining(reader)) {
        reader->failed = 1;
        return NULL;
    }
    const uint8_t *at = reader_take(reader, length);
    if (!at || memchr(at, 0, length)) {
        reader->failed = 1;
        return NULL;
    }
    char *text = malloc((size_t)length + 1);
    if (!text) {
        reader->failed = 1;
        return NULL;
    }
    memcpy(text, at, length);
    text[length] = '\0';
    return text;
}

/* ---- sections ---- */

/* Empty input or any byte that differs from the magic is NOT_A_CHECKPOINT. Input that is a
 * proper prefix of the magic, or the magic without a whole version, is TRUNCATED: it is most
 * likely a checkpoint cut short, and saying so is the more useful message. */
icarl_status sections_open(const uint8_t *bytes, size_t size, byte_reader *reader,
                           uint32_t *version_out) {
    if (!reader) return ICARL_ERROR_INVALID_ARGUMENT;
    reader_init(reader, bytes, size);
    if (!bytes || size == 0) {
        reader->failed = 1;
        return ICARL_ERROR_NOT_A_CHECKPOINT;
    }
    size_t compared = size < MAGIC_SIZE ? size : MAGIC_SIZE;
    if (memcmp(bytes, CHECKPOINT_MAGIC, compared) != 0) {
        reader->failed = 1;
        return ICARL_ERROR_NOT_A_CHECKPOINT;
    }
    if (size < HEADER_SIZE) {
        reader->failed = 1;
        return ICARL_ERROR_TRUNCATED;
    }
    reader->position = MAGIC_SIZE;
    uint32_t version = reader_u32(reader);
    if (version_out) *version_out = version;
    if (version > CHECKPOINT_VERSION) {
        reader->failed = 1;
        return ICARL_ERROR_UNSUPPORTED_VERSION;
    }
    if (version == 0) { /* never written by any release */
        reader->failed = 1;
        return ICARL_ERROR_CORRUPT;
    }
    return ICARL_OK;
}

/* Tags are four printable ASCII bytes; anything else means the framing is off. */
static int tag_valid(const uint8_t *tag) {
    for (int i = 0; i < 4; i++)
        if (tag[i] < 0x20 || tag[i] > 0x7E) return 0;
    return 1;
}

/* Strict about the end: "END " must have an empty payload and be the last bytes, so trailing
 * garbage (e.g. two files concatenated) is CORRUPT rather than silently ignored. */
icarl_status sections_next(byte_reader *reader, section *out) {
    if (!reader || !out) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (reader->failed) return ICARL_ERROR_TRUNCATED;
    size_t remaining = reader->size - reader->position;
    if (remaining < 12) { /* includes data ending before any "END " */
        reader->failed = 1;
        return ICARL_ERROR_TRUNCATED;
    }
    const uint8_t *frame = reader->data + reader->position;
    uint64_t length = get_u64(frame + 4);
    remaining -= 12;
    if (length > remaining || remaining - (size_t)length < 4) {
        reader->failed = 1;
        return ICARL_ERROR_TRUNCATED;
    }
    if (!tag_valid(frame)) {
        reader->failed = 1;
        return ICARL_ERROR_CORRUPT;
    }
    const uint8_t *payload = frame + 12;
    uint32_t stored = get_u32(payload + length);
    if (crc32_update(0, payload, (size_t)length) != stored) {
        reader->failed = 1;
        return ICARL_ERROR_CORRUPT;
    }
    memcpy(out->tag, frame, 4);
    out->tag[4] = '\0';
    out->payload = payload;
    out->size = (size_t)length;
    reader->position += 12 + (size_t)length + 4;
    if (memcmp(out->tag, "END ", 4) == 0 && (length != 0 || reader->position != reader->size)) {
        reader->failed = 1;
        memset(out, 0, sizeof *out);
        return ICARL_ERROR_CORRUPT;
    }
    return ICARL_OK;
}
