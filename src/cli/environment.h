/* environment.h - what the `icarl` tool takes from its environment rather than its flags. The
 * engine itself reads no environment: the tool passes these on through icarl_config. */
#ifndef ICARL_CLI_ENVIRONMENT_H
#define ICARL_CLI_ENVIRONMENT_H

#include <stdint.h>

/* ICARL_THREADS=N (a whole number 1..8) as icarl_config.threads; 0, the engine's default (the
 * cores, at most 4), when it is unset or anything else. */
int32_t environment_threads(void);

#endif
