/* options.c - the shared flag parser of the `icarl` tool (see options.h). Every error is one
 * line on stderr ending with a pointer to --help, so scripts and people see the same thing. */
#include "cli/options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

option_spec *options_find(option_spec *specs, int spec_count, const char *name) {
    for (int i = 0; i < spec_count; i++) {
        if (strcmp(specs[i].name, name) == 0) return &specs[i];
    }
    return NULL;
}

/* Finds the spec for "--name" or "--name=value"; `name_length` excludes any "=value". */
static option_spec *find_by_prefix(option_spec *specs, int spec_count, const char *name,
                                   size_t name_length) {
    for (int i = 0; i < spec_count; i++) {
        if (strlen(specs[i].name) == name_length && strncmp(specs[i].name, name, name_length) == 0)
            return &specs[i];
    }
    return NULL;
}

options_result options_parse(const char *command, int argc, char **argv, option_spec *specs,
                             int spec_count, const char **positional, int positional_capacity,
                             int *positional_count) {
    int count = 0;
    int only_positional = 0;
    for (int i = 0; i < spec_count; i++) {
        specs[i].value = NULL;
        specs[i].present = 0;
    }
    for (int i = 0; i < argc; i++) {
        const char *argument = argv[i];
        if (!only_positional && (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0))
            return OPTIONS_HELP;
        if (!only_positional && strcmp(argument, "--") == 0) {
            only_positional = 1;
            continue;
        }
        int looks_like_option = !only_positional && argument[0] == '-' && argument[1] != '\0';
        if (!looks_like_option) {
            if (count >= positional_capacity) {
                fprintf(stderr, "icarl %s: unexpected argument '%s' (see icarl %s --help)\n",
                        command, argument, command);
                return OPTIONS_ERROR;
            }
            positional[count++] = argument;
            continue;
        }
        if (argument[1] != '-') {
            fprintf(stderr, "icarl %s: unknown option '%s' (see icarl %s --help)\n", command,
                    argument, command);
            return OPTIONS_ERROR;
        }
        const char *name = argument + 2;
        const char *equals = strchr(name, '=');
        size_t name_length = equals ? (size_t)(equals - name) : strlen(name);
        option_spec *spec = find_by_prefix(specs, spec_count, name, name_length);
        if (!spec) {
            fprintf(stderr, "icarl %s: unknown option '--%.*s' (see icarl %s --help)\n", command,
                    (int)name_length, name, command);
            return OPTIONS_ERROR;
        }
        spec->present = 1;
        if (!spec->takes_value) {
            if (equals) {
                fprintf(stderr, "icarl %s: option '--%s' takes no value\n", command, spec->name);
                return OPTIONS_ERROR;
            }
            continue;
        }
        if (equals) {
            spec->value = equals + 1;
        } else if (i + 1 < argc) {
            spec->value = argv[++i];
        } else {
            fprintf(stderr, "icarl %s: option '--%s' needs a value (see icarl %s --help)\n",
                    command, spec->name, command);
            return OPTIONS_ERROR;
        }
        if (spec->value[0] == '\0') {
            fprintf(stderr, "icarl %s: option '--%s' needs a non-empty value\n", command,
                    spec->name);
            return OPTIONS_ERROR;
        }
    }
    if (positional_count) *positional_count = count;
    return OPTIONS_OK;
}

int options_int(const char *command, const option_spec *spec, int32_t minimum, int32_t maximum,
                int32_t *out) {
    if (!spec->present || !spec->value) return 1;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(spec->value, &end, 10);
    if (errno != 0 || end == spec->value || *end != '\0' || value < minimum || value > maximum) {
        fprintf(stderr, "icarl %s: --%s expects a whole number from %" PRId32 " to %" PRId32
                ", not '%s'\n", command, spec->name, minimum, maximum, spec->value);
        return 0;
    }
    *out = (int32_t)value;
    return 1;
}

int options_uint64(const char *command, const option_spec *spec, uint64_t *out) {
    if (!spec->present || !spec->value) return 1;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(spec->value, &end, 10);
    /* strtoull accepts "-1" and wraps it; a seed is never negative. */
    if (errno != 0 || end == spec->value || *end != '\0' || spec->value[0] == '-') {
        fprintf(stderr, "icarl %s: --%s expects a non-negative whole number, not '%s'\n",
                command, spec->name, spec->value);
        return 0;
    }
    *out = (uint64_t)value;
    return 1;
}

int options_choice(const char *command, const option_spec *spec, const char *const *choices,
                   int *index_out) {
    if (!spec->present || !spec->value) return 1;
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], spec->value) == 0) {
            *index_out = i;
            return 1;
        }
    }
    char allowed[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (i > 0) strncat(allowed, "|", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, choices[i], sizeof allowed - strlen(allowed) - 1);
    }
    fprintf(stderr, "icarl %s: --%s expects one of %s, not '%s'\n", command, spec->name, allowed,
            spec->value);
    return 0;
}

int options_require(const char *command, const option_spec *spec) {
    if (spec->present && spec->value) return 1;
    fprintf(stderr, "icarl %s: --%s is required (see icarl %s --help)\n", command, spec->name,
            command);
    return 0;
}
