/* gzip.h - gzip files (RFC 1952) decompressed in memory, with stb_image's deflate decoder, so the
 * native and WebAssembly builds read Fashion-MNIST's .gz files through the same code and neither
 * needs zlib. */
#ifndef ICARL_DATA_GZIP_H
#define ICARL_DATA_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

/* True when `bytes` start with the gzip magic (1f 8b). */
int gzip_is_gzip(const uint8_t *bytes, size_t size);

/* Decompresses one gzip member into a malloc'd buffer (*plain_out, freed with free()) of at most
 * `max_size` bytes; larger contents give ICARL_ERROR_LIMIT before anything that size is
 * allocated. The trailer's CRC-32 and length must match what was decompressed.
 * One member only, as gzip writes for one input: stb's decoder does not say where the deflate
 * data ends, so the trailer is read from the last eight bytes. A second member, bytes after the
 * member or a cut file therefore fail as whatever those eight bytes claim: a length over the
 * cap (ICARL_ERROR_LIMIT), deflate data that breaks off or runs past the length
 * (ICARL_ERROR_DECODE), or contents whose length or CRC do not match (ICARL_ERROR_CORRUPT).
 * Also ICARL_ERROR_TRUNCATED (no room for a header and trailer), ICARL_ERROR_DECODE (not gzip
 * with deflate, or reserved header flags set). */
icarl_status gzip_decompress(const uint8_t *bytes, size_t size, size_t max_size,
                             uint8_t **plain_out, size_t *plain_size_out);

#endif
