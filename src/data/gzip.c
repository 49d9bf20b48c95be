/* gzip.c - the gzip member format (RFC 1952) around stb_image's deflate decoder: the header with
 * its optional fields, the trailer's CRC-32 and length, and limits checked before allocating. */
#include "data/gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "io/crc32.h"

enum {
    HEADER_SIZE = 10,  /* magic, method, flags, mtime, extra flags, OS */
    TRAILER_SIZE = 8,  /* CRC-32 and length mod 2^32 of the contents, little-endian */
    METHOD_DEFLATE = 8,
    FLAG_HEADER_CRC = 0x02,
    FLAG_EXTRA = 0x04,
    FLAG_NAME = 0x08,
    FLAG_COMMENT = 0x10,
    FLAGS_RESERVED = 0xE0
};

static uint32_t read_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int gzip_is_gzip(const uint8_t *bytes, size_t size) {
    return bytes != NULL && size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

/* Skips a zero-terminated field; *at is left past its terminator. */
static icarl_status skip_string(const uint8_t *bytes, size_t size, size_t *at) {
    const uint8_t *end = memchr(bytes + *at, 0, size - *at);
    if (end == NULL) return ICARL_ERROR_TRUNCATED;
    *at = (size_t)(end - bytes) + 1;
    return ICARL_OK;
}

/* The member header's length, optional fields included. */
static icarl_status parse_header(const uint8_t *bytes, size_t size, size_t *header_size) {
    if (!gzip_is_gzip(bytes, size)) return ICARL_ERROR_DECODE;
    if (size < HEADER_SIZE) return ICARL_ERROR_TRUNCATED;
    int flags = bytes[3];
    if (bytes[2] != METHOD_DEFLATE || (flags & FLAGS_RESERVED) != 0) return ICARL_ERROR_DECODE;
    size_t at = HEADER_SIZE;
    icarl_status status = ICARL_OK;
    if (flags & FLAG_EXTRA) {
        if (size - at < 2) return ICARL_ERROR_TRUNCATED;
        size_t extra = (size_t)bytes[at] | (size_t)bytes[at + 1] << 8;
        if (size - at - 2 < extra) return ICARL_ERROR_TRUNCATED;
        at += 2 + extra;
    }
    if (flags & FLAG_NAME) status = skip_string(bytes, size, &at);
    if (status == ICARL_OK && (flags & FLAG_COMMENT)) status = skip_string(bytes, size, &at);
    if (status != ICARL_OK) return status;
    if (flags & FLAG_HEADER_CRC) {
        if (size - at < 2) return ICARL_ERROR_TRUNCATED;
        uint32_t stored = (uint32_t)bytes[at] | (uint32_t)bytes[at + 1] << 8;
        if ((crc32_update(0, bytes, at) & 0xFFFFu) != stored) return ICARL_ERROR_CORRUPT;
        at += 2;
    }
    *header_size = at;
    return ICARL_OK;
}

icarl_status gzip_decompress(const uint8_t *bytes, size_t size, size_t max_size,
                             uint8_t **plain_out, size_t *plain_size_out) {
    if (plain_out == NULL || plain_size_out == NULL) return ICARL_ERROR_INVALID_ARGUMENT;
    *plain_out = NULL;
    *plain_size_out = 0;
    if (bytes == NULL && size > 0) return ICARL_ERROR_INVALID_ARGUMENT;
    size_t header = 0;
    icarl_status status = parse_header(bytes, size, &header);
    if (status != ICARL_OK) return status;
    if (size - header < TRAILER_SIZE) return ICARL_ERROR_TRUNCATED;
    uint32_t expected_crc = read_le32(bytes + size - TRAILER_SIZE);
    uint32_t expected_size = read_le32(bytes + size - TRAILER_SIZE + 4);

    /* The stored length sizes the one allocation: it is untrusted, so it is held to the cap
     * (and to int, which stb counts in) before anything is allocated. */
    if (expected_size > max_size || expected_size > INT_MAX || size - header > INT_MAX)
        return ICARL_ERROR_LIMIT;
    uint8_t *plain = malloc(expected_size > 0 ? expected_size : 1);
    if (plain == NULL) return ICARL_ERROR_OUT_OF_MEMORY;
    /* The trailer goes to the decoder too: stb 2.27 gives up on a symbol when its input has
     * ended with fewer than 16 bits left over, as the last symbols of a stream often are; and it
     * stops by itself after the final block. A stream longer than the stored length would
     * overrun the buffer, which stb refuses. */
    int produced = stbi_zlib_decode_noheader_buffer((char *)plain, (int)expected_size,
                                                    (const char *)bytes + header,
                                                    (int)(size - header));
    if (produced < 0) status = ICARL_ERROR_DECODE;
    else if ((uint32_t)produced != expected_size ||
             crc32_update(0, plain, (size_t)produced) != expected_crc)
        status = ICARL_ERROR_CORRUPT;
    if (status != ICARL_OK) {
        free(plain);
        return status;
    }
    *plain_out = plain;
    *plain_size_out = (size_t)produced;
    return ICARL_OK;
}
