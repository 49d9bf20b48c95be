/* environment.c - the tool's settings from environment variables (environment.h). */
#include <stdlib.h>

#include "cli/environment.h"

int32_t environment_threads(void) {
    const char *text = getenv("ICARL_THREADS");
    if (text == NULL || *text == '\0') return 0;
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 1 || value > 8) return 0;
    return (int32_t)value;
}
