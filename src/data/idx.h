/* idx.h - the IDX format of MNIST and Fashion-MNIST (big-endian dimensions, uint8 data),
 * optionally gzip-compressed (data/gzip.h). */
#ifndef ICARL_DATA_IDX_H
#define ICARL_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

typedef struct idx_array {
    uint8_t *data;        /* count * item_size bytes, owned; free with idx_array_free */
    int32_t count;        /* first dimension */
    int32_t dimensions;   /* 1 for labels, 3 for images */
    int32_t sizes[3];     /* sizes[0] == count; images: rows, columns */
} idx_array;

/* Parses IDX bytes (already decompressed). Only unsigned-byte data (type 0x08) is accepted.
 * Sizes are checked against `size` before anything is allocated. */
icarl_status idx_parse(const uint8_t *bytes, size_t size, idx_array *out);

/* Reads a file, gunzipping it when it starts with the gzip magic. */
icarl_status idx_read_file(const char *path, idx_array *out);

void idx_array_free(idx_array *array);

/* Fashion-MNIST from a directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. */
typedef struct dataset {
    uint8_t *images;      /* count * size * size * channels bytes, HWC */
    uint8_t *labels;      /* count */
    int32_t count, size, channels;
} dataset;

icarl_status dataset_load_fashion_mnist(const char *directory, int train, dataset *out);
void dataset_free(dataset *set);

#endif
