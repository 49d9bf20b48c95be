/* checkpoint_sections.h - test helpers that edit a checkpoint the way a damaged, older or newer
 * file would: find a section's payload, or rewrite the file with one section's payload replaced
 * or the section left out (every CRC recomputed, so only what the edit says is wrong). */
#ifndef ICARL_TESTS_CHECKPOINT_SECTIONS_H
#define ICARL_TESTS_CHECKPOINT_SECTIONS_H

#include <string.h>

#include "harness.h"
#include "io/sections.h"

/* `bytes` with section `tag`'s payload replaced by `payload` (or, when `payload` is NULL, the
 * section left out), as a fresh buffer the caller frees. */
static inline uint8_t *replace_section(const uint8_t *bytes, size_t size, const char *tag,
                                       const uint8_t *payload, size_t payload_size,
                                       size_t *size_out) {
    byte_reader reader;
    uint32_t version;
    CHECK(sections_open(bytes, size, &reader, &version) == ICARL_OK);
    byte_writer writer;
    writer_init(&writer);
    writer_header(&writer);
    for (;;) {
        section s;
        if (sections_next(&reader, &s) != ICARL_OK) break;
        int edited = strcmp(s.tag, tag) == 0;
        if (edited && payload == NULL) continue;
        size_t begin = writer_section_begin(&writer, s.tag);
        if (edited) writer_bytes(&writer, payload, payload_size);
        else writer_bytes(&writer, s.payload, s.size);
        writer_section_end(&writer, begin);
        if (strcmp(s.tag, "END ") == 0) break;
    }
    CHECK(!writer.failed);
    *size_out = writer.size;
    return writer.data;
}

/* The payload of section `tag` inside `bytes`, or NULL when there is none. */
static inline const uint8_t *find_section(const uint8_t *bytes, size_t size, const char *tag,
                                          size_t *payload_size) {
    byte_reader reader;
    uint32_t version;
    if (sections_open(bytes, size, &reader, &version) != ICARL_OK) return NULL;
    section s;
    while (sections_next(&reader, &s) == ICARL_OK) {
        if (strcmp(s.tag, tag) == 0) {
            *payload_size = s.size;
            return s.payload;
        }
        if (strcmp(s.tag, "END ") == 0) break;
    }
    return NULL;
}

#endif
