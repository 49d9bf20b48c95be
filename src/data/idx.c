/* idx.c - reading IDX arrays (MNIST, Fashion-MNIST): a parser over untrusted bytes that checks
 * every declared size against the buffer before allocating, a file reader that also takes
 * gzip'd files, and the Fashion-MNIST loader. Only unsigned-byte data; not a general IDX tool. */
#include "data/idx.h"
#include "data/gzip.h"
#include "io/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nothing we read decompresses to more than this (Fashion-MNIST train images are 47 MB); the
 * cap keeps a gzip bomb from exhausting memory. */
#define IDX_MAX_DECOMPRESSED ((size_t)1 << 30)
#define IDX_MAX_DIMENSIONS 3

static uint32_t read_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void idx_array_free(idx_array *array) {
    if (!array) return;
    free(array->data);
    memset(array, 0, sizeof *array);
}

/* Unused trailing entries of sizes[] are 1, so the item size is always sizes[1] * sizes[2]. */
icarl_status idx_parse(const uint8_t *bytes, size_t size, idx_array *out) {
    if (!out) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!bytes && size) return ICARL_ERROR_INVALID_ARGUMENT;
    if (size == 0) return ICARL_ERROR_TRUNCATED;
    static const uint8_t magic[3] = {0x00, 0x00, 0x08};
    size_t compared = size < 3 ? size : 3;
    if (memcmp(bytes, magic, compared) != 0) return ICARL_ERROR_DECODE;
    if (size < 4) return ICARL_ERROR_TRUNCATED;
    int dimensions = bytes[3];
    if (dimensions < 1 || dimensions > IDX_MAX_DIMENSIONS) return ICARL_ERROR_DECODE;
    size_t header = 4 + 4 * (size_t)dimensions;
    if (size < header) return ICARL_ERROR_TRUNCATED;

    /* The product is compared with what the buffer holds after each factor, so it can neither
     * overflow nor lead to an allocation larger than the input. */
    size_t available = size - header, total = 1;
    int truncated = 0;
    int32_t sizes[IDX_MAX_DIMENSIONS] = {1, 1, 1};
    for (int d = 0; d < dimensions; d++) {
        uint32_t value = read_be32(bytes + 4 + 4 * (size_t)d);
        if (value > INT32_MAX) return ICARL_ERROR_DECODE;
        sizes[d] = (int32_t)value;
        if (value != 0 && total > available / value) truncated = 1;
        else total *= value;
    }
    if (truncated || total > available) return ICARL_ERROR_TRUNCATED;
    if (total != available) return ICARL_ERROR_DECODE; /* trailing bytes: not the file we think */

    uint8_t *data = malloc(total ? total : 1);
    if (!data) return ICARL_ERROR_OUT_OF_MEMORY;
    if (total) memcpy(data, bytes + header, total);
    out->data = data;
    out->count = sizes[0];
    out->dimensions = dimensions;
    memcpy(out->sizes, sizes, sizeof sizes);
    return ICARL_OK;
}

/* A file starting with the gzip magic is decompressed first (data/gzip.c, in both builds). */
icarl_status idx_read_file(const char *path, idx_array *out) {
    if (!path || !out) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    uint8_t *bytes = NULL;
    size_t size = 0;
    icarl_status status = file_read_all(path, IDX_MAX_DECOMPRESSED, &bytes, &size);
    if (status != ICARL_OK) return status;
    if (gzip_is_gzip(bytes, size)) {
        uint8_t *plain = NULL;
        size_t plain_size = 0;
        status = gzip_decompress(bytes, size, IDX_MAX_DECOMPRESSED, &plain, &plain_size);
        free(bytes);
        if (status != ICARL_OK) return status;
        bytes = plain;
        size = plain_size;
    }
    status = idx_parse(bytes, size, out);
    free(bytes);
    return status;
}

/* Tries `directory/name`, then `directory/name.gz`; only a missing file falls through. */
static icarl_status read_either(const char *directory, const char *name, idx_array *out) {
    size_t length = strlen(directory) + strlen(name) + 8;
    char *path = malloc(length);
    if (!path) return ICARL_ERROR_OUT_OF_MEMORY;
    snprintf(path, length, "%s/%s", directory, name);
    icarl_status status = idx_read_file(path, out);
    if (status == ICARL_ERROR_IO) {
        snprintf(path, length, "%s/%s.gz", directory, name);
        status = idx_read_file(path, out);
    }
    free(path);
    return status;
}

void dataset_free(dataset *set) {
    if (!set) return;
    free(set->images);
    free(set->labels);
    memset(set, 0, sizeof *set);
}

icarl_status dataset_load_fashion_mnist(const char *directory, int train, dataset *out) {
    if (!directory || !out) return ICARL_ERROR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    const char *prefix = train ? "train" : "t10k";
    char name[64];
    idx_array images, labels;
    memset(&labels, 0, sizeof labels);

    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    icarl_status status = read_either(directory, name, &images);
    if (status != ICARL_OK) return status;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    status = read_either(directory, name, &labels);

    /* Images must be square (28 x 28 in the real set), one label per image, ten classes. */
    if (status == ICARL_OK &&
        (images.dimensions != 3 || images.sizes[1] != images.sizes[2] || images.sizes[1] < 1 ||
         images.sizes[1] > 256 || labels.dimensions != 1 || labels.count != images.count))
        status = ICARL_ERROR_CORRUPT;
    for (int32_t i = 0; status == ICARL_OK && i < labels.count; i++)
        if (labels.data[i] >= 10) status = ICARL_ERROR_CORRUPT;
    if (status != ICARL_OK) {
        idx_array_free(&images);
        idx_array_free(&labels);
        return status;
    }
    /* IDX rows are already HWC for one channel: the buffers are handed over without copying. */
    out->images = images.data;
    out->labels = labels.data;
    out->count = images.count;
    out->size = images.sizes[1];
    out->channels = 1;
    return ICARL_OK;
}
