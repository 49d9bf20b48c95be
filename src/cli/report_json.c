/* report_json.c - text buffer, JSON writer and atomic file writes for the `icarl` tool's
 * reports (see report_json.h). The JSON is written by hand because it is small and flat. */
#define _POSIX_C_SOURCE 200809L
#include "cli/report_json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void text_buffer_init(text_buffer *buffer) {
    buffer->data = NULL;
    buffer->length = 0;
    buffer->capacity = 0;
    buffer->failed = 0;
}

void text_buffer_free(text_buffer *buffer) {
    free(buffer->data);
    text_buffer_init(buffer);
}

static int text_buffer_reserve(text_buffer *buffer, size_t extra) {
    if (buffer->failed) return 0;
    size_t needed = buffer->length + extra + 1;
    if (needed <= buffer->capacity) return 1;
    size_t capacity = buffer->capacity ? buffer->capacity : 1024;
    while (capacity < needed) capacity *= 2;
    char *grown = realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = 1;
        return 0;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return 1;
}

void text_buffer_printf(text_buffer *buffer, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    va_list copy;
    va_copy(copy, arguments);
    int needed = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (needed >= 0 && text_buffer_reserve(buffer, (size_t)needed)) {
        vsnprintf(buffer->data + buffer->length, (size_t)needed + 1, format, arguments);
        buffer->length += (size_t)needed;
    }
    va_end(arguments);
}

void text_buffer_append_xml(text_buffer *buffer, const char *text) {
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&': text_buffer_printf(buffer, "&amp;"); break;
        case '<': text_buffer_printf(buffer, "&lt;"); break;
        case '>': text_buffer_printf(buffer, "&gt;"); break;
        case '"': text_buffer_printf(buffer, "&quot;"); break;
        default: text_buffer_printf(buffer, "%c", *c); break;
        }
    }
}

int write_file_atomically(const char *command, const char *path, const void *data, size_t size) {
    size_t path_length = strlen(path);
    char *temporary = malloc(path_length + 5);
    if (!temporary) {
        fprintf(stderr, "icarl %s: cannot write %s: out of memory\n", command, path);
        return 0;
    }
    memcpy(temporary, path, path_length);
    memcpy(temporary + path_length, ".tmp", 5);

    FILE *file = fopen(temporary, "wb");
    if (!file) {
        fprintf(stderr, "icarl %s: cannot write %s: %s\n", command, path, strerror(errno));
        free(temporary);
        return 0;
    }
    int ok = fwrite(data, 1, size, file) == size;
    ok = fflush(file) == 0 && ok;
    int saved_errno = errno;
    ok = fclose(file) == 0 && ok;
    if (ok && rename(temporary, path) != 0) {
        saved_errno = errno;
        ok = 0;
    }
    if (!ok) {
        fprintf(stderr, "icarl %s: cannot write %s: %s\n", command, path, strerror(saved_errno));
        remove(temporary);
    }
    free(temporary);
    return ok;
}

int check_output_writable(const char *command, const char *path) {
    size_t path_length = strlen(path);
    char *temporary = malloc(path_length + 5);
    if (!temporary) {
        fprintf(stderr, "icarl %s: out of memory\n", command);
        return 0;
    }
    memcpy(temporary, path, path_length);
    memcpy(temporary + path_length, ".tmp", 5);
    FILE *file = fopen(temporary, "wb");
    int ok = file != NULL;
    if (!ok) fprintf(stderr, "icarl %s: cannot write %s: %s\n", command, path, strerror(errno));
    else {
        fclose(file);
        remove(temporary);
    }
    free(temporary);
    return ok;
}

void json_init(json_writer *json) {
    text_buffer_init(&json->text);
    json->depth = 0;
    memset(json->has_items, 0, sizeof json->has_items);
    json->after_key = 0;
}

void json_free(json_writer *json) { text_buffer_free(&json->text); }

static void json_indent(json_writer *json) {
    text_buffer_printf(&json->text, "\n%*s", 2 * json->depth, "");
}

/* Puts the separator and indentation a new item needs. */
static void json_before_item(json_writer *json) {
    if (json->after_key) {
        json->after_key = 0;
        return;
    }
    if (json->depth > 0) {
        if (json->has_items[json->depth - 1]) text_buffer_printf(&json->text, ",");
        json->has_items[json->depth - 1] = 1;
        json_indent(json);
    }
}

static void json_open(json_writer *json, char bracket) {
    json_before_item(json);
    text_buffer_printf(&json->text, "%c", bracket);
    if (json->depth < JSON_MAX_DEPTH) json->has_items[json->depth] = 0;
    json->depth++;
}

static void json_close(json_writer *json, char bracket) {
    json->depth--;
    if (json->depth < JSON_MAX_DEPTH && json->has_items[json->depth]) json_indent(json);
    text_buffer_printf(&json->text, "%c", bracket);
    if (json->depth == 0) text_buffer_printf(&json->text, "\n");
}

void json_begin_object(json_writer *json) { json_open(json, '{'); }
void json_end_object(json_writer *json) { json_close(json, '}'); }
void json_begin_array(json_writer *json) { json_open(json, '['); }
void json_end_array(json_writer *json) { json_close(json, ']'); }

static void json_quoted(json_writer *json, const char *text) {
    text_buffer_printf(&json->text, "\"");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            text_buffer_printf(&json->text, "\\%c", *c);
        else if (*c == '\n')
            text_buffer_printf(&json->text, "\\n");
        else if (*c < 0x20)
            text_buffer_printf(&json->text, "\\u%04x", *c);
        else
            text_buffer_printf(&json->text, "%c", *c);
    }
    text_buffer_printf(&json->text, "\"");
}

void json_key(json_writer *json, const char *key) {
    json_before_item(json);
    json_quoted(json, key);
    text_buffer_printf(&json->text, ": ");
    json->after_key = 1;
}

void json_string(json_writer *json, const char *value) {
    json_before_item(json);
    json_quoted(json, value);
}

void json_number(json_writer *json, double value) {
    json_before_item(json);
    if (isfinite(value))
        text_buffer_printf(&json->text, "%.6g", value);
    else
        text_buffer_printf(&json->text, "null");
}

void json_integer(json_writer *json, int64_t value) {
    json_before_item(json);
    text_buffer_printf(&json->text, "%lld", (long long)value);
}

void json_unsigned(json_writer *json, uint64_t value) {
    json_before_item(json);
    text_buffer_printf(&json->text, "%llu", (unsigned long long)value);
}

void json_boolean(json_writer *json, int value) {
    json_before_item(json);
    text_buffer_printf(&json->text, value ? "true" : "false");
}

void json_null(json_writer *json) {
    json_before_item(json);
    text_buffer_printf(&json->text, "null");
}

/* Length of `name` without an array element suffix "_<digits>", or 0 when it has none. */
static size_t element_prefix(const char *name) {
    size_t length = strlen(name), end = length;
    while (end > 0 && isdigit((unsigned char)name[end - 1])) end--;
    return end < length && end > 1 && name[end - 1] == '_' ? end - 1 : 0;
}

const char *config_choice_name(const icarl_config_field *field, int32_t value) {
    for (int32_t c = 0; field->choices[c] != NULL; c++)
        if (c == value) return field->choices[c];
    return "unknown";
}

void json_configuration(json_writer *json, const icarl_config *config) {
    int32_t count = icarl_config_field_count();
    for (int32_t i = 0; i < count; i++) {
        const icarl_config_field *field = icarl_config_field_at(i);
        if (field->flags & ICARL_FIELD_NOT_SAVED) continue;
        size_t prefix = element_prefix(field->name);
        const icarl_config_field *previous = i > 0 ? icarl_config_field_at(i - 1) : NULL;
        const icarl_config_field *next = i + 1 < count ? icarl_config_field_at(i + 1) : NULL;
        int opens = prefix > 0 && !(previous != NULL && element_prefix(previous->name) == prefix &&
                                    strncmp(previous->name, field->name, prefix) == 0);
        int closes = prefix > 0 && !(next != NULL && element_prefix(next->name) == prefix &&
                                     strncmp(next->name, field->name, prefix) == 0);
        if (opens) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)prefix, field->name);
            json_key(json, key);
            json_begin_array(json);
        } else if (prefix == 0) {
            json_key(json, field->name);
        }
        double value = 0.0;
        icarl_config_get(config, field->name, &value);
        switch (field->kind) {
        case ICARL_FIELD_FLOAT: json_number(json, value); break;
        case ICARL_FIELD_BOOL: json_boolean(json, value != 0.0); break;
        case ICARL_FIELD_SEED: json_unsigned(json, config->seed); break;
        case ICARL_FIELD_CHOICE: json_string(json, config_choice_name(field, (int32_t)value)); break;
        default: json_integer(json, (int64_t)value); break;
        }
        if (closes) json_end_array(json);
    }
}
