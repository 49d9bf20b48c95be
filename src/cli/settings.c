/* settings.c - `--set NAME=VALUE,...` on the command line (settings.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/settings.h"

/* The value of `text` for `field`: a choice's name, a yes-or-no word, or a number. */
static int parse_value(const icarl_config_field *field, const char *text, double *value) {
    if (field->kind == ICARL_FIELD_CHOICE)
        for (int32_t c = 0; field->choices[c] != NULL; c++)
            if (strcmp(field->choices[c], text) == 0) {
                *value = c;
                return 1;
            }
    if (field->kind == ICARL_FIELD_BOOL) {
        if (strcmp(text, "yes") == 0 || strcmp(text, "true") == 0) return *value = 1, 1;
        if (strcmp(text, "no") == 0 || strcmp(text, "false") == 0) return *value = 0, 1;
    }
    char *end = NULL;
    *value = strtod(text, &end);
    return end != text && *end == '\0';
}

int settings_apply(const char *command, const char *list, icarl_config *config) {
    char *copy = malloc(strlen(list) + 1);
    if (copy == NULL) return 0;
    strcpy(copy, list);
    int ok = 1;
    for (char *item = strtok(copy, ","); item != NULL && ok; item = strtok(NULL, ",")) {
        char *equals = strchr(item, '=');
        if (equals == NULL) {
            fprintf(stderr, "icarl %s: --set expects NAME=VALUE, not '%s'\n", command, item);
            ok = 0;
            break;
        }
        *equals = '\0';
        const icarl_config_field *field = icarl_config_field_named(item);
        double value = 0.0;
        if (field == NULL) {
            fprintf(stderr, "icarl %s: --set: no setting '%s' (icarl info lists them)\n", command,
                    item);
            ok = 0;
        } else if (!parse_value(field, equals + 1, &value) ||
                   icarl_config_set(config, item, value) != ICARL_OK) {
            fprintf(stderr, "icarl %s: --set: '%s' is not a value of %s\n", command, equals + 1,
                    item);
            ok = 0;
        }
    }
    free(copy);
    return ok;
}
