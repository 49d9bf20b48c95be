/* test_image.c - decoding (a hand-written BMP, PNGs written here with zlib, a stored JPEG) back to the exact pixels, clean refusal of garbage and truncated bytes, and
 * the resize: constant stays constant, gradients stay monotone, crop is centred, channels convert. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "data/image.h"
#include "harness.h"

/* A 16x16 JPEG of the colour (200, 100, 50) at quality 90, written once by stb_image_write's
 * stbi_write_jpg_to_func (not compiled here: its bit writer shifts into the sign bit, which the
 * sanitizer build rejects). */
static const uint8_t jpeg_16x16[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
    0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x84,
    0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03, 0x03, 0x03, 0x03, 0x04,
    0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x0a, 0x07,
    0x07, 0x06, 0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d,
    0x0e, 0x12, 0x10, 0x0d, 0x0e, 0x11, 0x0e, 0x0b, 0x0b, 0x10, 0x16, 0x10,
    0x11, 0x13, 0x14, 0x15, 0x15, 0x15, 0x0c, 0x0f, 0x17, 0x18, 0x16, 0x14,
    0x18, 0x12, 0x14, 0x15, 0x14, 0x01, 0x03, 0x04, 0x04, 0x05, 0x04, 0x05,
    0x09, 0x05, 0x05, 0x09, 0x14, 0x0d, 0x0b, 0x0d, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xff, 0xc0,
    0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02,
    0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x01, 0xa2, 0x00, 0x00, 0x01,
    0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05,
    0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04,
    0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
    0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36,
    0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2,
    0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5,
    0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x11, 0x00, 0x02, 0x01, 0x02, 0x04,
    0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
    0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51,
    0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1,
    0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a,
    0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
    0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2,
    0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5,
    0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
    0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5,
    0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00,
    0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xab, 0x45, 0x14, 0x57, 0xe1,
    0xe7, 0xf4, 0x81, 0xff, 0xd9,
};

typedef struct buffer {
    uint8_t data[1 << 16];
    size_t size;
} buffer;

static void append(void *context, void *data, int size) {
    buffer *b = context;
    if (b->size + (size_t)size <= sizeof b->data) memcpy(b->data + b->size, data, (size_t)size);
    b->size += (size_t)size;
}

static void put_le(uint8_t *p, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A 24-bit uncompressed bottom-up BMP of RGB pixels, rows padded to 4 bytes. */
static size_t write_bmp(uint8_t *out, const uint8_t *rgb, int width, int height) {
    size_t row = ((size_t)width * 3 + 3) & ~(size_t)3;
    size_t size = 54 + row * (size_t)height;
    memset(out, 0, size);
    out[0] = 'B';
    out[1] = 'M';
    put_le(out + 2, (uint32_t)size, 4);
    put_le(out + 10, 54, 4);
    put_le(out + 14, 40, 4);
    put_le(out + 18, (uint32_t)width, 4);
    put_le(out + 22, (uint32_t)height, 4);
    put_le(out + 26, 1, 2);
    put_le(out + 28, 24, 2);
    put_le(out + 34, (uint32_t)(row * (size_t)height), 4);
    for (int y = 0; y < height; y++) {
        uint8_t *dst = out + 54 + row * (size_t)(height - 1 - y);
        for (int x = 0; x < width; x++) {
            const uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            dst[3 * x] = p[2];
            dst[3 * x + 1] = p[1];
            dst[3 * x + 2] = p[0];
        }
    }
    return size;
}

static void put_be32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void png_chunk(buffer *b, const char *type, const uint8_t *data, uint32_t size) {
    uint8_t head[8];
    put_be32(head, size);
    memcpy(head + 4, type, 4);
    append(b, head, 8);
    if (size) append(b, (void *)data, (int)size);
    uLong crc = crc32(crc32(0L, (const Bytef *)type, 4), data, size);
    put_be32(head, (uint32_t)crc);
    append(b, head, 4);
}

/* A minimal PNG: 8-bit grey (colour type 0), RGB (2) or RGBA (6), filter 0 on every row. */
static void write_png(buffer *b, const uint8_t *pixels, int width, int height, int channels) {
    static const uint8_t colour_type[5] = {0, 0, 0, 2, 6};
    b->size = 0;
    append(b, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {0};
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;
    ihdr[9] = colour_type[channels];
    png_chunk(b, "IHDR", ihdr, 13);
    size_t row = (size_t)width * channels, raw_size = (row + 1) * (size_t)height;
    uint8_t *raw = calloc(raw_size, 1);
    for (int y = 0; y < height; y++) memcpy(raw + y * (row + 1) + 1, pixels + y * row, row);
    uLongf packed_size = compressBound(raw_size);
    uint8_t *packed = malloc(packed_size);
    CHECK(compress2(packed, &packed_size, raw, raw_size, 9) == Z_OK);
    png_chunk(b, "IDAT", packed, (uint32_t)packed_size);
    png_chunk(b, "IEND", NULL, 0);
    free(raw);
    free(packed);
}

static void fill_pattern(uint8_t *pixels, size_t count, uint32_t seed) {
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        pixels[i] = (uint8_t)(seed >> 24);
    }
}

static void test_bmp_exact(void) {
    uint8_t rgb[5 * 3 * 3];
    fill_pattern(rgb, sizeof rgb, 7);
    static uint8_t file[1024];
    size_t size = write_bmp(file, rgb, 5, 3);
    uint8_t *pixels = NULL;
    int width = 0, height = 0;
    CHECK(image_decode(file, size, 3, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 5 && height == 3);
    CHECK(pixels && memcmp(pixels, rgb, sizeof rgb) == 0);
    free(pixels);
    CHECK(image_decode(file, size, 1, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 5 && height == 3 && pixels);
    free(pixels);
    /* Every truncation refused without a crash (the exact-size copy lets ASan see overreads);
     * only the last row's padding byte may be missing. */
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, file, n);
        icarl_status status = image_decode(copy, n, 3, &pixels, &width, &height);
        if (n == size - 1 && status == ICARL_OK)
            CHECK(memcmp(pixels, rgb, sizeof rgb) == 0);
        else
            CHECK_MESSAGE(status != ICARL_OK && pixels == NULL, "length %zu decoded", n);
        free(pixels);
        pixels = NULL;
        free(copy);
    }
    /* A header that declares a huge image over a few bytes is refused before allocating. */
    put_le(file + 18, 16000, 4);
    put_le(file + 22, 16000, 4);
    CHECK(image_decode(file, size, 3, &pixels, &width, &height) == ICARL_ERROR_TRUNCATED);
    put_le(file + 18, 20000, 4);
    CHECK(image_decode(file, size, 3, &pixels, &width, &height) == ICARL_ERROR_LIMIT);
    put_le(file + 18, 0, 4);
    CHECK(image_decode(file, size, 3, &pixels, &width, &height) == ICARL_ERROR_DECODE);
}

static void test_png_exact(void) {
    static buffer png;
    uint8_t rgb[7 * 4 * 3], grey[6 * 5], rgba[3 * 3 * 4];
    fill_pattern(rgb, sizeof rgb, 1);
    fill_pattern(grey, sizeof grey, 2);
    fill_pattern(rgba, sizeof rgba, 3);
    uint8_t *pixels = NULL;
    int width = 0, height = 0;

    png.size = 0;
    write_png(&png, rgb, 7, 4, 3);
    CHECK(image_decode(png.data, png.size, 3, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 7 && height == 4 && pixels && memcmp(pixels, rgb, sizeof rgb) == 0);
    free(pixels);
    /* Every truncation of the PNG is refused cleanly, except that stb ignores CRCs, so losing
     * only the IEND chunk's CRC still gives the whole image. */
    for (size_t n = 0; n < png.size; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, png.data, n);
        icarl_status status = image_decode(copy, n, 3, &pixels, &width, &height);
        if (n >= png.size - 4 && status == ICARL_OK)
            CHECK(memcmp(pixels, rgb, sizeof rgb) == 0);
        else
            CHECK_MESSAGE(status != ICARL_OK && pixels == NULL, "length %zu decoded", n);
        free(pixels);
        pixels = NULL;
        free(copy);
    }

    /* A header promising 16000 x 16000 over a few hundred bytes is refused up front. */
    uint8_t liar[512];
    memcpy(liar, png.data, png.size);
    put_be32(liar + 16, 16000);
    put_be32(liar + 20, 16000);
    CHECK(image_decode(liar, png.size, 3, &pixels, &width, &height) == ICARL_ERROR_TRUNCATED);
    CHECK(pixels == NULL);

    write_png(&png, grey, 6, 5, 1);
    CHECK(image_decode(png.data, png.size, 1, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 6 && height == 5 && pixels && memcmp(pixels, grey, sizeof grey) == 0);
    free(pixels);

    png.size = 0;
    write_png(&png, rgba, 3, 3, 4);
    CHECK(image_decode(png.data, png.size, 3, &pixels, &width, &height) == ICARL_OK);
    int same = pixels != NULL;
    for (int i = 0; same && i < 9; i++) same = memcmp(pixels + 3 * i, rgba + 4 * i, 3) == 0;
    CHECK(same); /* alpha dropped, colour kept */
    free(pixels);
}

/* Empty IDAT chunks are legal and carry nothing: before, between and after the data ones
 * they change no pixel (stb_image alone does undefined arithmetic on the first; the fuzzer
 * found it, and the sanitizer build of this test fails without the engine's guard). */
static void test_png_empty_idat_chunks(void) {
    static buffer plain, split;
    uint8_t rgb[5 * 4 * 3];
    fill_pattern(rgb, sizeof rgb, 4);
    write_png(&plain, rgb, 5, 4, 3);
    /* write_png's layout: signature, IHDR (25 bytes), one IDAT, IEND (12 bytes). */
    size_t idat_at = 8 + 25, idat_length = plain.size - idat_at - 12 - 12;
    const uint8_t *data = plain.data + idat_at + 8;
    split.size = 0;
    append(&split, plain.data, (int)idat_at);
    png_chunk(&split, "IDAT", NULL, 0);
    png_chunk(&split, "IDAT", data, (uint32_t)(idat_length / 2));
    png_chunk(&split, "IDAT", NULL, 0);
    png_chunk(&split, "IDAT", data + idat_length / 2, (uint32_t)(idat_length - idat_length / 2));
    png_chunk(&split, "IDAT", NULL, 0);
    png_chunk(&split, "IEND", NULL, 0);
    uint8_t *pixels = NULL;
    int width = 0, height = 0;
    CHECK(image_decode(split.data, split.size, 3, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 5 && height == 4 && pixels && memcmp(pixels, rgb, sizeof rgb) == 0);
    free(pixels);
    /* Only empty IDATs: no image data, refused, nothing left behind. */
    split.size = 0;
    append(&split, plain.data, (int)idat_at);
    png_chunk(&split, "IDAT", NULL, 0);
    png_chunk(&split, "IEND", NULL, 0);
    pixels = NULL;
    CHECK(image_decode(split.data, split.size, 3, &pixels, &width, &height) != ICARL_OK);
    CHECK(pixels == NULL);
}

static void test_jpeg_near(void) {
    uint8_t *pixels = NULL;
    int width = 0, height = 0;
    CHECK(image_decode(jpeg_16x16, sizeof jpeg_16x16, 3, &pixels, &width, &height) == ICARL_OK);
    CHECK(width == 16 && height == 16);
    const uint8_t colour[3] = {200, 100, 50};
    int worst = 0;
    for (int i = 0; pixels && i < 16 * 16 * 3; i++) {
        int d = abs((int)pixels[i] - (int)colour[i % 3]);
        if (d > worst) worst = d;
    }
    CHECK_MESSAGE(pixels && worst <= 6, "worst difference %d", worst);
    free(pixels);
    /* A Huffman table whose code counts sum past 256 (stb 2.27 would write out of bounds). */
    uint8_t hostile[sizeof jpeg_16x16];
    memcpy(hostile, jpeg_16x16, sizeof hostile);
    int patched = 0;
    for (size_t i = 2; i + 21 < sizeof hostile && !patched; i++)
        if (hostile[i] == 0xFF && hostile[i + 1] == 0xC4) {
            memset(hostile + i + 5, 0xFF, 16); /* 16 counts of 255 */
            patched = 1;
        }
    CHECK(patched);
    pixels = NULL;
    CHECK(image_decode(hostile, sizeof hostile, 3, &pixels, &width, &height) ==
          ICARL_ERROR_DECODE);
    CHECK(pixels == NULL);
    /* Truncated JPEGs: refused or, where stb pads the entropy data, at least no crash. */
    for (size_t n = 0; n < sizeof jpeg_16x16; n += 7) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, jpeg_16x16, n);
        pixels = NULL;
        icarl_status status = image_decode(copy, n, 3, &pixels, &width, &height);
        CHECK(status == ICARL_OK ? pixels != NULL : pixels == NULL);
        free(pixels);
        free(copy);
    }
}

static void test_garbage(void) {
    uint8_t junk[4096];
    uint8_t *pixels = (uint8_t *)1;
    int width, height;
    for (uint32_t seed = 0; seed < 200; seed++) {
        size_t n = 1 + seed * 20;
        fill_pattern(junk, n, seed);
        CHECK(image_decode(junk, n, 3, &pixels, &width, &height) == ICARL_ERROR_DECODE);
        CHECK(pixels == NULL);
    }
    /* Valid signatures followed by junk. */
    fill_pattern(junk, sizeof junk, 99);
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    CHECK(image_decode(junk, sizeof junk, 3, &pixels, &width, &height) != ICARL_OK);
    memcpy(junk, "\xFF\xD8\xFF\xE0", 4);
    CHECK(image_decode(junk, sizeof junk, 3, &pixels, &width, &height) != ICARL_OK);
    memcpy(junk, "BM", 2);
    CHECK(image_decode(junk, sizeof junk, 3, &pixels, &width, &height) != ICARL_OK);
    CHECK(image_decode(junk, 0, 3, &pixels, &width, &height) == ICARL_ERROR_DECODE);
    CHECK(image_decode(NULL, 10, 3, &pixels, &width, &height) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_decode(junk, 10, 4, &pixels, &width, &height) == ICARL_ERROR_INVALID_ARGUMENT);
}

static void test_prepare_arguments(void) {
    uint8_t pixels[4 * 4 * 3] = {0}, out[64 * 3];
    icarl_image image = {pixels, 4, 4, 3};
    CHECK(image_prepare(&image, 1.0f, 8, 3, out) == ICARL_OK);
    CHECK(image_prepare(NULL, 1.0f, 8, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, 8, 3, NULL) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, 0, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, -3, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, 100000, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, 8, 2, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.0f, 8, 4, out) == ICARL_ERROR_INVALID_ARGUMENT);
    icarl_image bad = image;
    bad.width = 0;
    CHECK(image_prepare(&bad, 1.0f, 8, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    bad = image;
    bad.height = -1;
    CHECK(image_prepare(&bad, 1.0f, 8, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    bad = image;
    bad.channels = 2;
    CHECK(image_prepare(&bad, 1.0f, 8, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
    bad = image;
    bad.pixels = NULL;
    CHECK(image_prepare(&bad, 1.0f, 8, 3, out) == ICARL_ERROR_INVALID_ARGUMENT);
}

static void test_constant_stays_constant(void) {
    static uint8_t pixels[97 * 61 * 3];
    static uint8_t out[40 * 40 * 3];
    for (size_t i = 0; i < sizeof pixels; i += 3) {
        pixels[i] = 17;
        pixels[i + 1] = 130;
        pixels[i + 2] = 254;
    }
    const int sizes[] = {1, 7, 28, 32, 40};
    const int widths[] = {97, 61, 13, 3};
    for (int w = 0; w < 4; w++) {
        /* Landscape for the wide ones, portrait for the narrow ones. */
        icarl_image image = {pixels, widths[w], widths[w] >= 61 ? 61 : widths[w] + 5, 3};
        for (int s = 0; s < 5; s++) {
            CHECK(image_prepare(&image, 1.0f, sizes[s], 3, out) == ICARL_OK);
            int same = 1;
            for (int i = 0; i < sizes[s] * sizes[s]; i++)
                same &= out[3 * i] == 17 && out[3 * i + 1] == 130 && out[3 * i + 2] == 254;
            CHECK_MESSAGE(same, "%dx%d -> %d", image.width, image.height, sizes[s]);
        }
    }
}

/* A left-to-right ramp must stay non-decreasing along x and constant along y, both when
 * shrinking and when enlarging, and keep its end values in range. */
static void test_gradient_monotone(void) {
    static uint8_t pixels[50 * 50];
    static uint8_t out[80 * 80];
    for (int y = 0; y < 50; y++)
        for (int x = 0; x < 50; x++) pixels[y * 50 + x] = (uint8_t)(x * 5);
    icarl_image image = {pixels, 50, 50, 1};
    const int sizes[] = {7, 16, 28, 50, 64, 80};
    for (int s = 0; s < 6; s++) {
        int n = sizes[s];
        CHECK(image_prepare(&image, 1.0f, n, 1, out) == ICARL_OK);
        int monotone = 1, rows_equal = 1;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                if (x > 0 && out[y * n + x] < out[y * n + x - 1]) monotone = 0;
                if (out[y * n + x] != out[x]) rows_equal = 0;
            }
        CHECK_MESSAGE(monotone && rows_equal, "size %d", n);
        CHECK(out[0] < out[n - 1]);
        CHECK(out[0] <= 5 * 50 / n + 1 && out[n - 1] >= 245 - 5 * 50 / n - 1);
    }
    /* Shrinking by an integer factor is exactly the block mean: 50 -> 25 averages pairs. */
    CHECK(image_prepare(&image, 1.0f, 25, 1, out) == ICARL_OK);
    int exact = 1;
    for (int x = 0; x < 25; x++) exact &= out[x] == (uint8_t)((10 * x + 10 * x + 5 + 1) / 2);
    CHECK(exact);
    /* A fractional ratio, 3 -> 2: the first output covers pixel 0 and half of pixel 1, so with
     * columns 0, 90, 180 it is (0 + 45) / 1.5 = 30 and the second (45 + 180) / 1.5 = 150. */
    uint8_t small[9] = {0, 90, 180, 0, 90, 180, 0, 90, 180};
    icarl_image three = {small, 3, 3, 1};
    CHECK(image_prepare(&three, 1.0f, 2, 1, out) == ICARL_OK);
    CHECK(out[0] == 30 && out[1] == 150 && out[2] == 30 && out[3] == 150);
}

static void test_centre_crop(void) {
    /* A 9x3 landscape image whose centre 3x3 is white, sides black: the crop keeps only white. */
    uint8_t pixels[9 * 3];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 9; x++) pixels[y * 9 + x] = (x >= 3 && x < 6) ? 255 : 0;
    uint8_t out[3 * 3];
    icarl_image image = {pixels, 9, 3, 1};
    CHECK(image_prepare(&image, 1.0f, 3, 1, out) == ICARL_OK);
    int white = 1;
    for (int i = 0; i < 9; i++) white &= out[i] == 255;
    CHECK(white);
    /* Portrait: 2 wide, 6 tall, centre rows 2..3 marked by value. */
    uint8_t tall[2 * 6];
    for (int y = 0; y < 6; y++) tall[2 * y] = tall[2 * y + 1] = (uint8_t)(y * 10);
    icarl_image portrait = {tall, 2, 6, 1};
    CHECK(image_prepare(&portrait, 1.0f, 2, 1, out) == ICARL_OK);
    CHECK(out[0] == 20 && out[1] == 20 && out[2] == 30 && out[3] == 30);
    /* An odd margin: 4x1 keeps column 1 (floor of the half margin). */
    uint8_t strip[4] = {10, 20, 30, 40};
    icarl_image thin = {strip, 4, 1, 1};
    CHECK(image_prepare(&thin, 1.0f, 1, 1, out) == ICARL_OK);
    CHECK(out[0] == 20);
}

/* A centre fraction of the square: 10x10 with a 6x6 white middle on black, cut to 0.6 of its
 * side, is all white; fraction 1 keeps the whole square; 0 and above 1 are refused. */
static void test_centre_fraction(void) {
    uint8_t pixels[10 * 10];
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 10; x++) pixels[y * 10 + x] = (x >= 2 && x < 8 && y >= 2 && y < 8) ? 255 : 0;
    icarl_image image = {pixels, 10, 10, 1};
    uint8_t out[8 * 8];
    CHECK(image_prepare(&image, 0.6f, 6, 1, out) == ICARL_OK);
    int white = 1;
    for (int i = 0; i < 36; i++) white &= out[i] == 255;
    CHECK(white);
    /* 0.8 of 10 is 8 pixels from column 1: the corners mix a black border pixel in. */
    CHECK(image_prepare(&image, 0.8f, 8, 1, out) == ICARL_OK);
    CHECK(out[0] == 0 && out[9] == 255 && out[63] == 0);
    /* Fraction 1, 10 -> 6 by area: output pixel (0, 0) averages source rows and columns 0..1.67,
     * all black border; (2, 2) averages 3.33..5, all white middle. */
    CHECK(image_prepare(&image, 1.0f, 6, 1, out) == ICARL_OK);
    CHECK(out[0] == 0 && out[2 * 6 + 2] == 255);
    /* A landscape frame: the fraction is of the centre square's side, centred both ways. */
    uint8_t wide[4 * 2 * 8];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 8; x++) wide[y * 8 + x] = (uint8_t)(x * 10 + y);
    icarl_image landscape = {wide, 8, 4, 1};
    CHECK(image_prepare(&landscape, 0.5f, 2, 1, out) == ICARL_OK);
    CHECK(out[0] == 31 && out[1] == 41 && out[2] == 32 && out[3] == 42);
    CHECK(image_prepare(&image, 0.0f, 6, 1, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, 1.01f, 6, 1, out) == ICARL_ERROR_INVALID_ARGUMENT);
    CHECK(image_prepare(&image, NAN, 6, 1, out) == ICARL_ERROR_INVALID_ARGUMENT);
}

static void test_channel_conversion(void) {
    /* RGBA -> RGB drops alpha whatever its value. */
    uint8_t rgba[2 * 2 * 4] = {10, 20, 30, 0, 40, 50, 60, 255, 70, 80, 90, 7, 100, 110, 120, 128};
    uint8_t out[2 * 2 * 3];
    icarl_image image = {rgba, 2, 2, 4};
    CHECK(image_prepare(&image, 1.0f, 2, 3, out) == ICARL_OK);
    const uint8_t expected[12] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
    CHECK(memcmp(out, expected, 12) == 0);
    /* Grey -> RGB replicates. */
    uint8_t grey[4] = {0, 85, 170, 255};
    icarl_image g = {grey, 2, 2, 1};
    CHECK(image_prepare(&g, 1.0f, 2, 3, out) == ICARL_OK);
    int replicated = 1;
    for (int i = 0; i < 4; i++)
        replicated &= out[3 * i] == grey[i] && out[3 * i + 1] == grey[i] && out[3 * i + 2] == grey[i];
    CHECK(replicated);
    /* RGB -> grey by BT.601 luma: pure red, green, blue and white. */
    uint8_t rgb[4 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
    uint8_t luma[4];
    icarl_image c = {rgb, 2, 2, 3};
    CHECK(image_prepare(&c, 1.0f, 2, 1, luma) == ICARL_OK);
    CHECK(luma[0] == 76 && luma[1] == 150 && luma[2] == 29 && luma[3] == 255);
    /* RGBA -> grey ignores alpha too. */
    CHECK(image_prepare(&image, 1.0f, 1, 1, luma) == ICARL_OK);
    double mean_r = 55, mean_g = 65, mean_b = 75;
    CHECK_NEAR(luma[0], 0.299 * mean_r + 0.587 * mean_g + 0.114 * mean_b, 0.5);
}

int main(void) {
    RUN(test_bmp_exact);
    RUN(test_png_exact);
    RUN(test_png_empty_idat_chunks);
    RUN(test_jpeg_near);
    RUN(test_garbage);
    RUN(test_prepare_arguments);
    RUN(test_constant_stays_constant);
    RUN(test_gradient_monotone);
    RUN(test_centre_crop);
    RUN(test_centre_fraction);
    RUN(test_channel_conversion);
    return HARNESS_RESULT();
}
