/* file.c - reading a whole file in growing chunks. */
#include "io/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

icarl_status file_read_all(const char *path, size_t max_size, uint8_t **bytes_out,
                           size_t *size_out) {
    *bytes_out = NULL;
    *size_out = 0;
    FILE *file = fopen(path, "rb");
    if (file == NULL) return ICARL_ERROR_IO;
    size_t size = 0, capacity = 1 << 16;
    uint8_t *bytes = malloc(capacity);
    icarl_status status = bytes != NULL ? ICARL_OK : ICARL_ERROR_OUT_OF_MEMORY;
    while (status == ICARL_OK) {
        if (size == capacity) {
            if (capacity > max_size) {
                status = ICARL_ERROR_LIMIT;
                break;
            }
            uint8_t *grown = realloc(bytes, capacity * 2);
            if (grown == NULL) {
                status = ICARL_ERROR_OUT_OF_MEMORY;
                break;
            }
            bytes = grown;
            capacity *= 2;
        }
        size_t got = fread(bytes + size, 1, capacity - size, file);
        size += got;
        if (got == 0) {
            if (ferror(file)) status = ICARL_ERROR_IO;
            break;
        }
    }
    int saved_errno = errno;
    fclose(file);
    if (status == ICARL_OK && size > max_size) status = ICARL_ERROR_LIMIT;
    if (status != ICARL_OK) {
        free(bytes);
        errno = saved_errno;
        return status;
    }
    *bytes_out = bytes;
    *size_out = size;
    return ICARL_OK;
}
