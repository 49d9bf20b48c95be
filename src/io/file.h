/* file.h - reading a whole file into memory, the one place the engine and the tool do it. */
#ifndef ICARL_IO_FILE_H
#define ICARL_IO_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

/* Reads `path` until end of file (st_size is not trusted: the file may change or be a pipe).
 * *bytes_out is malloc'd. ICARL_ERROR_IO (errno says why) when it cannot be opened or read,
 * ICARL_ERROR_LIMIT past max_size bytes, ICARL_ERROR_OUT_OF_MEMORY. */
icarl_status file_read_all(const char *path, size_t max_size, uint8_t **bytes_out,
                           size_t *size_out);

#endif
