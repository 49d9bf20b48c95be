/* image.c - decoding with stb_image behind a header check, and bringing any image to the model
 * input: centre crop to a square, exact area averaging when shrinking, bilinear interpolation
 * when enlarging, then channel conversion. Pure CPU code on caller buffers; no colour management. */
#include "data/image.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#define IMAGE_MAX_OUTPUT 4096 /* far above any model input; keeps size * size * 3 small */

/* stb reads an uncompressed BMP past its end as zeros, so a 54-byte header declaring a huge
 * image would decode "successfully" after a huge allocation. The pixel rows must be there (the
 * last row's padding may be missing, which some writers do). */
static int bmp_too_short(const uint8_t *bytes, size_t size, int width, int height) {
    if (size < 30 || bytes[0] != 'B' || bytes[1] != 'M') return 0;
    if (bytes[14] < 40 && bytes[15] == 0) return 0; /* OS/2 header: the fields sit elsewhere */
    unsigned bits = (unsigned)bytes[28] | (unsigned)bytes[29] << 8;
    if (bits == 0 || bits > 32) return 0; /* stb itself refuses these */
    uint64_t offset = (uint64_t)bytes[10] | (uint64_t)bytes[11] << 8 |
                      (uint64_t)bytes[12] << 16 | (uint64_t)bytes[13] << 24;
    uint64_t row = (((uint64_t)width * bits + 31) / 32) * 4;
    uint64_t last = ((uint64_t)width * bits + 7) / 8;
    return offset + row * (uint64_t)(height - 1) + last > size;
}

static int is_png(const uint8_t *bytes, size_t size) {
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return size >= 8 && memcmp(bytes, signature, 8) == 0;
}

/* The declared data length of the PNG chunk that starts at `chunk` (big-endian). */
static size_t png_chunk_length(const uint8_t *chunk) {
    return (size_t)chunk[0] << 24 | (size_t)chunk[1] << 16 | (size_t)chunk[2] << 8 | chunk[3];
}

/* Deflate cannot expand data more than 1032-fold, so a PNG whose header promises more raw
 * bytes than that is cut short or lying; refusing it spares stb's up-front allocation of the
 * whole raw image (up to a gigabyte at IMAGE_MAX_SIDE, harsh in a wasm heap). */
static int png_too_short(const uint8_t *bytes, size_t size, int width, int height) {
    if (size < 33 || !is_png(bytes, size)) return 0;
    static const uint8_t samples[7] = {1, 0, 3, 1, 2, 0, 4}; /* by colour type */
    unsigned depth = bytes[24], type = bytes[25];
    if (type > 6 || samples[type] == 0 || depth == 0 || depth > 16) return 0; /* stb refuses */
    uint64_t row = 1 + ((uint64_t)width * samples[type] * depth + 7) / 8;
    return row * (uint64_t)height > 1032 * (uint64_t)size + 1024;
}

/* stb grows its IDAT buffer to a chunk's declared length before reading the chunk, so a
 * 76-byte PNG declaring a 448 MB IDAT made it allocate 448 MB (found by tests/fuzz/fuzz_image).
 * Every chunk, up to IEND, must fit in the bytes given, its CRC included. */
static int png_chunk_overruns(const uint8_t *bytes, size_t size) {
    if (!is_png(bytes, size)) return 0;
    size_t at = 8;
    while (size - at >= 8) {
        uint64_t length = png_chunk_length(bytes + at);
        if (length + 12 > size - at) return 1;
        if (memcmp(bytes + at + 4, "IEND", 4) == 0) break;
        at += 12 + (size_t)length;
    }
    return 0;
}

/* An IDAT chunk may be empty, but stb_image 2.27 then adds 0 to its still-NULL data buffer
 * (undefined behaviour, found by tests/fuzz/fuzz_image). Empty chunks carry nothing, so a copy
 * of the file without them decodes to the same pixels. Returns the copy (caller frees) or NULL
 * when there is no empty IDAT or no memory (*failed tells which). Chunks were checked to fit. */
static uint8_t *png_without_empty_idat(const uint8_t *bytes, size_t size, size_t *copy_size,
                                       int *failed) {
    *failed = 0;
    if (!is_png(bytes, size)) return NULL;
    uint8_t *copy = NULL;
    size_t at = 8, kept = 8;
    while (size - at >= 12) {
        size_t length = png_chunk_length(bytes + at);
        int empty_idat = length == 0 && memcmp(bytes + at + 4, "IDAT", 4) == 0;
        int last = memcmp(bytes + at + 4, "IEND", 4) == 0;
        if (empty_idat && copy == NULL) {
            if ((copy = malloc(size)) == NULL) { *failed = 1; return NULL; }
            memcpy(copy, bytes, at);
            kept = at;
        }
        if (copy != NULL && !empty_idat) {
            memcpy(copy + kept, bytes + at, 12 + length);
            kept += 12 + length;
        }
        at += 12 + length;
        if (last) break;
    }
    if (copy == NULL) return NULL;
    memcpy(copy + kept, bytes + at, size - at); /* whatever trails the chunks, as it was */
    *copy_size = kept + (size - at);
    return copy;
}

/* stb_image 2.27 (Debian's) builds a Huffman table from a DHT segment without checking that
 * its 16 code counts sum to at most 256, and then writes past the table (CVE-2021-37789, fixed
 * upstream in 2.28). Walking the JPEG's segments first and refusing such a table keeps hostile
 * files away from that path. Reads past the end count as 0, as stb's reader does. */
static int jpeg_has_bad_huffman_table(const uint8_t *bytes, size_t size) {
    if (size < 4 || bytes[0] != 0xFF) return 0;
    /* stb skips 0xFF fill bytes before SOI as well (a file so prefixed reached the bad-table
     * path past this check: found by tests/fuzz/fuzz_image). */
    size_t at = 1;
    while (at < size && bytes[at] == 0xFF) at++;
    if (at >= size || bytes[at] != 0xD8) return 0;
    at++;
    while (at + 1 < size) {
        if (bytes[at] != 0xFF) { /* entropy-coded data (after SOS): skip to the next marker */
            at++;
            continue;
        }
        uint8_t marker = bytes[at + 1];
        if (marker == 0xFF) { /* fill byte */
            at++;
            continue;
        }
        at += 2;
        /* Stuffed zero, restart markers, SOI, EOI and TEM carry no length. */
        if (marker == 0x00 || (marker >= 0xD0 && marker <= 0xD8) || marker == 0x01) continue;
        if (marker == 0xD9) break;
        if (at + 2 > size) break;
        size_t length = (size_t)bytes[at] << 8 | bytes[at + 1];
        if (length < 2) return 1; /* stb would loop on a negative length */
        if (marker == 0xC4) {
            size_t p = at + 2, end = at + length;
            while (p < end) {
                size_t total = 0;
                p++; /* table class and id */
                for (int i = 0; i < 16; i++, p++) total += p < size ? bytes[p] : 0;
                if (total > 256) return 1;
                p += total;
            }
        }
        at += length;
    }
    return 0;
}

icarl_status image_decode(const uint8_t *bytes, size_t size, int channels_wanted,
                          uint8_t **pixels_out, int *width_out, int *height_out) {
    if (pixels_out) *pixels_out = NULL;
    if (!bytes || !pixels_out || !width_out || !height_out ||
        (channels_wanted != 1 && channels_wanted != 3))
        return ICARL_ERROR_INVALID_ARGUMENT;
    *width_out = *height_out = 0;
    if (size == 0) return ICARL_ERROR_DECODE;
    if (size > INT_MAX) return ICARL_ERROR_LIMIT; /* stb counts in int */

    /* The header alone gives the dimensions: refusing huge images here means a few bytes
     * cannot make the decoder allocate gigabytes. */
    /* Before stbi_info: reading a JPEG header already builds the Huffman tables. */
    if (jpeg_has_bad_huffman_table(bytes, size)) return ICARL_ERROR_DECODE;
    int width = 0, height = 0, file_channels = 0;
    if (!stbi_info_from_memory(bytes, (int)size, &width, &height, &file_channels))
        return ICARL_ERROR_DECODE;
    if (width <= 0 || height <= 0) return ICARL_ERROR_DECODE;
    if (width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) return ICARL_ERROR_LIMIT;
    if (bmp_too_short(bytes, size, width, height) || png_too_short(bytes, size, width, height) ||
        png_chunk_overruns(bytes, size))
        return ICARL_ERROR_TRUNCATED;

    size_t cleaned_size = 0;
    int no_memory = 0;
    uint8_t *cleaned = png_without_empty_idat(bytes, size, &cleaned_size, &no_memory);
    if (no_memory) return ICARL_ERROR_OUT_OF_MEMORY;
    int decoded_width = 0, decoded_height = 0;
    uint8_t *pixels = stbi_load_from_memory(cleaned ? cleaned : bytes,
                                            (int)(cleaned ? cleaned_size : size), &decoded_width,
                                            &decoded_height, &file_channels, channels_wanted);
    free(cleaned);
    if (!pixels) return ICARL_ERROR_DECODE;
    if (decoded_width != width || decoded_height != height) {
        stbi_image_free(pixels);
        return ICARL_ERROR_DECODE;
    }
    *pixels_out = pixels;
    *width_out = width;
    *height_out = height;
    return ICARL_OK;
}

/* The source pixels under output index `i` when `side` pixels shrink to `size`: the interval
 * [i * side / size, (i + 1) * side / size) in source units, as whole pixels first..last. */
typedef struct span {
    int first, last;
    double start, end;
} span;

static span box_span(int i, int side, int size) {
    span s;
    double scale = (double)side / size;
    s.start = i * scale;
    s.end = (i + 1) * scale;
    s.first = (int)floor(s.start);
    s.last = (int)ceil(s.end) - 1;
    if (s.last > side - 1) s.last = side - 1;
    if (s.first > s.last) s.first = s.last;
    return s;
}

/* How much of source pixel j lies inside the span. */
static double box_weight(const span *s, int j) {
    double low = j > s->start ? j : s->start;
    double high = j + 1 < s->end ? j + 1 : s->end;
    return high > low ? high - low : 0.0;
}

/* Bilinear source position of output index i, pixel centres aligned (as OpenCV and PIL do). */
static void bilinear_position(int i, int side, int size, int *j0, int *j1, double *fraction) {
    double position = (i + 0.5) * side / size - 0.5;
    if (position < 0) position = 0;
    if (position > side - 1) position = side - 1;
    *j0 = (int)floor(position);
    *j1 = *j0 + 1 < side ? *j0 + 1 : *j0;
    *fraction = position - *j0;
}

/* Exact halves are common (integer scale ratios, averages of two bytes); the tiny nudge rounds
 * them up consistently instead of letting floating-point noise in the weights decide, so rows
 * of equal content give equal bytes. */
static uint8_t to_byte(double value) {
    if (value <= 0) return 0;
    if (value >= 255) return 255;
    return (uint8_t)(value + 0.5 + 1e-9);
}

icarl_status image_prepare(const icarl_image *image, float fraction, int size, int channels,
                           uint8_t *out) {
    if (!(fraction > 0.0f && fraction <= 1.0f)) return ICARL_ERROR_INVALID_ARGUMENT;
    if (!image || !image->pixels || !out) return ICARL_ERROR_INVALID_ARGUMENT;
    if (image->width <= 0 || image->height <= 0) return ICARL_ERROR_INVALID_ARGUMENT;
    /* As in image_decode: no real image is this large, and the centre crop of one would be
     * read from far beyond any buffer a caller is likely to have passed. */
    if (image->width > IMAGE_MAX_SIDE || image->height > IMAGE_MAX_SIDE) return ICARL_ERROR_LIMIT;
    if (image->channels != 1 && image->channels != 3 && image->channels != 4)
        return ICARL_ERROR_INVALID_ARGUMENT;
    if (channels != 1 && channels != 3) return ICARL_ERROR_INVALID_ARGUMENT;
    if (size < 1 || size > IMAGE_MAX_OUTPUT) return ICARL_ERROR_INVALID_ARGUMENT;

    const int in_channels = image->channels;
    const int colours = in_channels == 1 ? 1 : 3; /* alpha is never read */
    const size_t stride = (size_t)image->width * (size_t)in_channels;
    const int square = image->width < image->height ? image->width : image->height;
    int side = (int)lround((double)square * fraction);
    if (side < 1) side = 1;
    const uint8_t *origin = image->pixels + (size_t)((image->height - side) / 2) * stride +
                            (size_t)((image->width - side) / 2) * (size_t)in_channels;

    for (int oy = 0; oy < size; oy++) {
        for (int ox = 0; ox < size; ox++) {
            double value[3] = {0, 0, 0};
            if (side >= size) {
                /* Area averaging: every source pixel contributes by the fraction of it the
                 * output pixel covers. Dividing by the summed weights (not scale^2) keeps a
                 * constant image exactly constant despite rounding in the weights. */
                span sy = box_span(oy, side, size), sx = box_span(ox, side, size);
                double total = 0;
                for (int y = sy.first; y <= sy.last; y++) {
                    double wy = box_weight(&sy, y);
                    const uint8_t *row = origin + (size_t)y * stride;
                    for (int x = sx.first; x <= sx.last; x++) {
                        double w = wy * box_weight(&sx, x);
                        const uint8_t *p = row + (size_t)x * (size_t)in_channels;
                        for (int c = 0; c < colours; c++) value[c] += w * p[c];
                        total += w;
                    }
                }
                for (int c = 0; c < colours; c++) value[c] /= total;
            } else {
                int x0, x1, y0, y1;
                double fx, fy;
                bilinear_position(ox, side, size, &x0, &x1, &fx);
                bilinear_position(oy, side, size, &y0, &y1, &fy);
                const uint8_t *r0 = origin + (size_t)y0 * stride, *r1 = origin + (size_t)y1 * stride;
                size_t c0 = (size_t)x0 * (size_t)in_channels, c1 = (size_t)x1 * (size_t)in_channels;
                for (int c = 0; c < colours; c++) {
                    double top = r0[c0 + c] + fx * (r0[c1 + c] - r0[c0 + c]);
                    double bottom = r1[c0 + c] + fx * (r1[c1 + c] - r1[c0 + c]);
                    value[c] = top + fy * (bottom - top);
                }
            }
            uint8_t *o = out + ((size_t)oy * size + ox) * (size_t)channels;
            if (channels == 1 && colours == 3) {
                o[0] = to_byte(0.299 * value[0] + 0.587 * value[1] + 0.114 * value[2]);
            } else if (channels == 3 && colours == 1) {
                o[0] = o[1] = o[2] = to_byte(value[0]);
            } else {
                for (int c = 0; c < channels; c++) o[c] = to_byte(value[c]);
            }
        }
    }
    return ICARL_OK;
}
