/* stb_image_impl.c - the one translation unit that compiles stb_image (Debian's libstb-dev),
 * restricted to PNG, JPEG and BMP decoded from memory, plus its deflate decoder (data/gzip.c):
 * the callers read files themselves, so stb's stdio, HDR and float paths are left out. */
#include <stdlib.h>

#include "data/image.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_SUPPORT_ZLIB
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
/* No failure strings: stb would otherwise store the reason in a global, and the engine keeps
 * no global mutable state (image_decode reports a status instead). */
#define STBI_NO_FAILURE_STRINGS
/* Plain malloc/free, so image_decode's callers free the pixels with free(). Allocations are
 * zeroed: stb reads its JPEG Huffman tables without checking that a DHT segment defined them,
 * so a scan naming an undefined table decoded from leftover heap bytes (found by
 * tests/fuzz/fuzz_image: out-of-range symbol indices, and answers that changed from run to
 * run). Zeroed tables make every lookup fail cleanly. */
#define STBI_MALLOC(size) calloc(1, size)
#define STBI_REALLOC(pointer, size) realloc(pointer, size)
#define STBI_FREE(pointer) free(pointer)

/* stb is third-party code: its warnings are not ours to fix, and -Wall -Wextra stays clean. */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

#include <stb_image.h>

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
