/* settings.h - `--set NAME=VALUE,...`: any field of the engine's configuration by name on the
 * command line, as the engine's field table names it (icarl info lists them), so every setting
 * of a model can be chosen without a flag of its own. */
#ifndef ICARL_CLI_SETTINGS_H
#define ICARL_CLI_SETTINGS_H

#include "icarl.h"

/* Applies a comma-separated list of NAME=VALUE to `config`. A value is a number, the name of a
 * choice (e.g. schedule=updates), or yes/no/true/false for a yes-or-no field. Prints
 * "icarl COMMAND: --set ..." and returns 0 for an unknown name or a malformed value; ranges are
 * checked later, where the configuration is used. */
int settings_apply(const char *command, const char *list, icarl_config *config);

#endif
