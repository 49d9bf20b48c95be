/* report_json.h - what the `icarl` tool needs to write reports: a growable text buffer, a small
 * streaming JSON writer on top of it (commas and escaping handled), and an atomic file write
 * (FILE.tmp, then rename) so a report or plot on disk is never half written. */
#ifndef ICARL_CLI_REPORT_JSON_H
#define ICARL_CLI_REPORT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

typedef struct text_buffer {
    char *data;      /* NUL-terminated, owned */
    size_t length;
    size_t capacity;
    int failed;      /* an allocation failed; later appends are ignored */
} text_buffer;

void text_buffer_init(text_buffer *buffer);
void text_buffer_free(text_buffer *buffer);
void text_buffer_printf(text_buffer *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends `text` with &, <, >, " escaped for XML. */
void text_buffer_append_xml(text_buffer *buffer, const char *text);

/* Writes `size` bytes to path.tmp and renames it over `path`. Returns 1 on success; on failure
 * prints "icarl COMMAND: cannot write PATH: reason" and removes the temporary file. */
int write_file_atomically(const char *command, const char *path, const void *data, size_t size);

/* Checks before a long run that path.tmp can be created (then removes it), so a typo in an
 * output path fails in a second rather than after an hour. Prints the error; returns 1 if ok. */
int check_output_writable(const char *command, const char *path);

/* A JSON document built in a text_buffer, pretty-printed with two-space indentation. */
enum { JSON_MAX_DEPTH = 16 };
typedef struct json_writer {
    text_buffer text;
    int depth;
    int has_items[JSON_MAX_DEPTH]; /* per open container: a comma is due before the next item */
    int after_key;                 /* the next value follows "key": on the same line */
} json_writer;

void json_init(json_writer *json);
void json_free(json_writer *json);
void json_begin_object(json_writer *json);
void json_end_object(json_writer *json);
void json_begin_array(json_writer *json);
void json_end_array(json_writer *json);
void json_key(json_writer *json, const char *key);
void json_string(json_writer *json, const char *value);
/* Non-finite numbers become null, which JSON can represent and NaN is not. */
void json_number(json_writer *json, double value);
void json_integer(json_writer *json, int64_t value);
void json_unsigned(json_writer *json, uint64_t value);
void json_boolean(json_writer *json, int value);
void json_null(json_writer *json);

/* Every saved field of the configuration as "name": value pairs of the open object, from the
 * engine's field table (choices by name, an array's elements as one array), so a new field
 * appears in every report without a change here. */
void json_configuration(json_writer *json, const icarl_config *config);
/* The name of a CHOICE field's value; "unknown" out of range (validation keeps it in range). */
const char *config_choice_name(const icarl_config_field *field, int32_t value);

#endif
