/* sections.h - the container of the checkpoint format (docs/design.md), independent of what the
 * learner puts in it:
 *
 *   magic "ICARLCKP" (8 bytes), format version (u32 LE),
 *   then sections: tag (4 ASCII bytes), payload length (u64 LE), payload, CRC-32 of payload (u32)
 *   ending with the tag "END " and an empty payload.
 *
 * The writer grows one byte buffer; the reader validates every length against what remains
 * and every CRC before handing out a payload, so a hostile file cannot make it read out of
 * bounds or allocate beyond its own size. */
#ifndef ICARL_IO_SECTIONS_H
#define ICARL_IO_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

#define CHECKPOINT_MAGIC "ICARLCKP"
/* 1: the configuration section as a fixed list of values; 2: as named fields (checkpoint.c). */
#define CHECKPOINT_VERSION 2u

typedef struct byte_writer {
    uint8_t *data;
    size_t size, capacity;
    int failed;            /* set on allocation failure; later writes do nothing */
} byte_writer;

void writer_init(byte_writer *writer);
void writer_free(byte_writer *writer);
void writer_bytes(byte_writer *writer, const void *bytes, size_t size);
void writer_u32(byte_writer *writer, uint32_t value);
void writer_u64(byte_writer *writer, uint64_t value);
void writer_i32(byte_writer *writer, int32_t value);
void writer_f32(byte_writer *writer, float value);
void writer_f32_array(byte_writer *writer, const float *values, size_t count);
void writer_string(byte_writer *writer, const char *text); /* u32 length + bytes, no NUL */

/* Sections: begin writes tag and a length placeholder; end patches the length, appends the CRC. */
void writer_header(byte_writer *writer);
size_t writer_section_begin(byte_writer *writer, const char tag[4]);
void writer_section_end(byte_writer *writer, size_t begin);

/* A cursor over untrusted bytes; every read checks bounds and sets `failed` instead of reading
 * past the end. */
typedef struct byte_reader {
    const uint8_t *data;
    size_t size, position;
    int failed;
} byte_reader;

void reader_init(byte_reader *reader, const uint8_t *data, size_t size);
int reader_bytes(byte_reader *reader, void *out, size_t size);
uint32_t reader_u32(byte_reader *reader);
uint64_t reader_u64(byte_reader *reader);
int32_t reader_i32(byte_reader *reader);
float reader_f32(byte_reader *reader);
int reader_f32_array(byte_reader *reader, float *out, size_t count);
/* A string of at most max_length bytes into a malloc'd NUL-terminated copy; NULL on failure. */
char *reader_string(byte_reader *reader, size_t max_length);
size_t reader_remaining(const byte_reader *reader);

typedef struct section {
    char tag[5];              /* NUL-terminated */
    const uint8_t *payload;   /* points into the checked buffer */
    size_t size;
} section;

/* Checks magic and version; ICARL_ERROR_NOT_A_CHECKPOINT, _UNSUPPORTED_VERSION, _TRUNCATED. */
icarl_status sections_open(const uint8_t *bytes, size_t size, byte_reader *reader,
                           uint32_t *version_out);
/* The next section with its CRC verified; ICARL_OK with tag "END " at the end.
 * ICARL_ERROR_TRUNCATED or ICARL_ERROR_CORRUPT otherwise. */
icarl_status sections_next(byte_reader *reader, section *out);

#endif
