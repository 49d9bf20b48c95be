/* fuzz_idx.c - libFuzzer target for the IDX parser (idx_parse): any bytes either parse into an
 * array whose declared sizes match its data exactly, or are refused with a status. The gzip
 * layer (zlib) is not fuzzed here: zlib is fuzzed upstream (OSS-Fuzz). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    idx_array array;
    icarl_status status = idx_parse(data, size, &array);
    if (status != ICARL_OK) {
        if (array.data != NULL) {
            fprintf(stderr, "fuzz_idx: a refused input left data behind\n");
            abort();
        }
        return 0;
    }
    /* Accepted: header + product of sizes must be exactly the input. */
    uint64_t total = 1;
    for (int d = 0; d < array.dimensions; d++) total *= (uint64_t)array.sizes[d];
    if (array.dimensions < 1 || array.dimensions > 3 || array.count != array.sizes[0] ||
        4 + 4 * (uint64_t)array.dimensions + total != size ||
        (total > 0 && memcmp(array.data, data + 4 + 4 * array.dimensions, (size_t)total) != 0)) {
        fprintf(stderr, "fuzz_idx: accepted array does not match its bytes\n");
        abort();
    }
    idx_array_free(&array);
    return 0;
}
