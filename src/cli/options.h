/* options.h - the small flag parser every `icarl` subcommand shares: `--name value` and
 * `--name=value`, boolean flags, positional arguments, and one-line errors for an unknown option,
 * a missing value or a value out of range. It keeps no state between calls. */
#ifndef ICARL_CLI_OPTIONS_H
#define ICARL_CLI_OPTIONS_H

#include <stdint.h>

/* One accepted option. The parser fills `value` (the last occurrence wins) and `present`. */
typedef struct option_spec {
    const char *name;     /* without the leading "--", e.g. "model" */
    int takes_value;      /* 1: needs a value; 0: a boolean flag */
    const char *value;    /* points into argv; NULL when absent or a flag */
    int present;
} option_spec;

typedef enum options_result {
    OPTIONS_OK = 0,
    OPTIONS_HELP = 1,     /* --help or -h was given: print the usage and exit 0 */
    OPTIONS_ERROR = 2     /* an error line was already printed to stderr */
} options_result;

/* Parses argv[0..argc) (argv[0] is the first argument after the subcommand name). Arguments
 * not starting with "--" (and everything after a bare "--") go to `positional` (room for
 * `positional_capacity`; NULL allows none). `command` names the subcommand in messages. */
options_result options_parse(const char *command, int argc, char **argv, option_spec *specs,
                             int spec_count, const char **positional, int positional_capacity,
                             int *positional_count);

/* The spec named `name` (which must exist in `specs`). */
option_spec *options_find(option_spec *specs, int spec_count, const char *name);

/* Conversions that print "icarl COMMAND: --NAME expects ..." on failure and return 0;
 * 1 on success. An absent option leaves *out unchanged and succeeds. */
int options_int(const char *command, const option_spec *spec, int32_t minimum, int32_t maximum,
                int32_t *out);
int options_uint64(const char *command, const option_spec *spec, uint64_t *out);
/* The value must be one of the NULL-terminated `choices`; *index_out gets its position. */
int options_choice(const char *command, const option_spec *spec, const char *const *choices,
                   int *index_out);
/* Fails with "--NAME is required" when the option is absent. */
int options_require(const char *command, const option_spec *spec);

#endif
