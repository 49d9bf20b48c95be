/* crc32.h - CRC-32 (IEEE 802.3, the one zlib and PNG use), table-free bitwise form computed
 * with a small nibble table built at compile time. */
#ifndef ICARL_IO_CRC32_H
#define ICARL_IO_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc32_update(0, data, n) is the CRC of data; chaining updates equals one call on the whole. */
uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t size);

#endif
