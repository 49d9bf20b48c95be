/* crc32.c - CRC-32 (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), processed
 * four bits at a time from a 16-entry constant table: small enough to check by eye, fast enough
 * for checkpoints of a few megabytes. Not a replacement for zlib's slicing-by-8. */
#include "io/crc32.h"

/* crc_nibble[n] is the CRC register after shifting the 4-bit value n through the polynomial. */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t size) {
    /* The public value is the register xor 0xFFFFFFFF, so undoing it on entry and redoing it on
     * exit is what makes chained calls equal one call over the concatenation (as in zlib). */
    crc = ~crc;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
    }
    return ~crc;
}
