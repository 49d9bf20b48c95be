/* model_files.h - what `icarl learn`, `predict`, `eval` and `info` share: reading whole files,
 * decoding image files, scanning a data folder (one subfolder per class) and loading a model
 * with a one-line error. Every failing function has already printed its error line. */
#ifndef ICARL_CLI_MODEL_FILES_H
#define ICARL_CLI_MODEL_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

/* Exit codes of the tool: usage errors (bad flags) differ from failures while running. */
enum { EXIT_USAGE = 2, EXIT_FAILURE_RUNNING = 1 };

/* Reads the whole file into a malloc'd buffer. Returns 1 on success. */
int read_whole_file(const char *command, const char *path, uint8_t **bytes_out, size_t *size_out);

/* 1 when the name ends in .png, .jpg, .jpeg or .bmp (any case). */
int is_image_file_name(const char *name);

/* Reads and decodes an image file to `channels` (1 or 3) bytes per pixel; *pixels_out is
 * malloc'd. An undecodable file is an error naming the file. */
int decode_image_file(const char *command, const char *path, int channels, uint8_t **pixels_out,
                      int *width_out, int *height_out);

typedef struct class_folder {
    char *name;        /* the subfolder's name, the class name */
    char **paths;      /* image files inside, sorted by name; other files are ignored */
    int path_count;
} class_folder;

typedef struct data_folder {
    class_folder *classes; /* sorted by name */
    int class_count;
    int image_count;
} data_folder;

/* Lists DIR's subfolders (hidden ones skipped) and their image files. Fails when DIR cannot be
 * read; an empty result is not an error here (callers decide). */
int scan_data_folder(const char *command, const char *directory, data_folder *out);
void data_folder_free(data_folder *folder);

/* 1 when `path` exists (as anything). */
int path_exists(const char *path);

/* Loads a model file; errors name the file and the reason (missing, corrupt, truncated...). */
int load_model(const char *command, const char *path, icarl_learner **learner_out);

/* Prints "icarl COMMAND: WHAT: <the learner's detail, or the status sentence without one>". */
void report_learner_error(const char *command, const char *what, const icarl_learner *learner,
                          icarl_status status);

/* The index of the class called `name` in the learner, or -1. */
int32_t find_class(const icarl_learner *learner, const char *name);

#endif
