/* model_files.c - file and folder helpers shared by the model subcommands of `icarl` (see
 * model_files.h). Folder contents are sorted so that a run does not depend on readdir order. */
#define _POSIX_C_SOURCE 200809L
#include "cli/environment.h"
#include "cli/model_files.h"
#include "io/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/image.h"

int read_whole_file(const char *command, const char *path, uint8_t **bytes_out,
                    size_t *size_out) {
    *bytes_out = NULL;
    *size_out = 0;
    struct stat status;
    if (stat(path, &status) != 0) {
        fprintf(stderr, "icarl %s: cannot read %s: %s\n", command, path, strerror(errno));
        return 0;
    }
    if (S_ISDIR(status.st_mode)) {
        fprintf(stderr, "icarl %s: cannot read %s: it is a directory\n", command, path);
        return 0;
    }
    uint8_t *bytes = NULL;
    size_t size = 0;
    /* 4 GB, or all of a 32-bit address space (the WebAssembly build, where 1 << 32 is 0). */
    size_t limit = sizeof(size_t) > 4 ? (size_t)((uint64_t)1 << 32) : SIZE_MAX;
    icarl_status read = file_read_all(path, limit, &bytes, &size);
    if (read != ICARL_OK) {
        fprintf(stderr, "icarl %s: cannot read %s: %s\n", command, path,
                read == ICARL_ERROR_IO ? strerror(errno) : icarl_strerror(read));
        return 0;
    }
    *bytes_out = bytes;
    *size_out = size;
    return 1;
}

int is_image_file_name(const char *name) {
    static const char *const extensions[] = {".png", ".jpg", ".jpeg", ".bmp"};
    size_t length = strlen(name);
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        size_t extension_length = strlen(extensions[i]);
        if (length > extension_length &&
            strcasecmp(name + length - extension_length, extensions[i]) == 0)
            return 1;
    }
    return 0;
}

int decode_image_file(const char *command, const char *path, int channels, uint8_t **pixels_out,
                      int *width_out, int *height_out) {
    uint8_t *bytes = NULL;
    size_t size = 0;
    *pixels_out = NULL;
    if (!read_whole_file(command, path, &bytes, &size)) return 0;
    icarl_status status = image_decode(bytes, size, channels, pixels_out, width_out, height_out);
    free(bytes);
    if (status != ICARL_OK) {
        fprintf(stderr, "icarl %s: cannot decode image %s: %s\n", command, path,
                icarl_strerror(status));
        free(*pixels_out);
        *pixels_out = NULL;
        return 0;
    }
    return 1;
}

static int compare_strings(const void *left, const void *right) {
    return strcmp(*(char *const *)left, *(char *const *)right);
}

static char *join_path(const char *directory, const char *name) {
    size_t directory_length = strlen(directory), name_length = strlen(name);
    char *path = malloc(directory_length + name_length + 2);
    if (!path) return NULL;
    memcpy(path, directory, directory_length);
    size_t at = directory_length;
    if (at == 0 || path[at - 1] != '/') path[at++] = '/';
    memcpy(path + at, name, name_length + 1);
    return path;
}

/* Names in `directory` (hidden ones skipped) that are directories (want_directories) or regular
 * image files, sorted. */
static int list_entries(const char *command, const char *directory, int want_directories,
                        char ***names_out, int *count_out) {
    *names_out = NULL;
    *count_out = 0;
    DIR *handle = opendir(directory);
    if (!handle) {
        fprintf(stderr, "icarl %s: cannot read folder %s: %s\n", command, directory,
                strerror(errno));
        return 0;
    }
    char **names = NULL;
    int count = 0, capacity = 0, ok = 1;
    struct dirent *entry;
    while (ok && (entry = readdir(handle)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char *path = join_path(directory, entry->d_name);
        struct stat status;
        int wanted = 0;
        /* stat, not d_type: it follows symlinks and works on every file system. */
        if (path && stat(path, &status) == 0) {
            wanted = want_directories ? S_ISDIR(status.st_mode)
                                      : S_ISREG(status.st_mode) && is_image_file_name(entry->d_name);
        }
        free(path);
        if (!wanted) continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            char **grown = realloc(names, (size_t)capacity * sizeof *names);
            if (!grown) {
                ok = 0;
                break;
            }
            names = grown;
        }
        names[count] = strdup(entry->d_name);
        if (!names[count]) ok = 0;
        else count++;
    }
    closedir(handle);
    if (!ok) {
        fprintf(stderr, "icarl %s: out of memory listing %s\n", command, directory);
        for (int i = 0; i < count; i++) free(names[i]);
        free(names);
        return 0;
    }
    if (count > 1) qsort(names, (size_t)count, sizeof *names, compare_strings);
    *names_out = names;
    *count_out = count;
    return 1;
}

void data_folder_free(data_folder *folder) {
    for (int i = 0; i < folder->class_count; i++) {
        for (int j = 0; j < folder->classes[i].path_count; j++) free(folder->classes[i].paths[j]);
        free(folder->classes[i].paths);
        free(folder->classes[i].name);
    }
    free(folder->classes);
    folder->classes = NULL;
    folder->class_count = 0;
    folder->image_count = 0;
}

int scan_data_folder(const char *command, const char *directory, data_folder *out) {
    out->classes = NULL;
    out->class_count = 0;
    out->image_count = 0;
    char **class_names = NULL;
    int class_count = 0;
    if (!list_entries(command, directory, 1, &class_names, &class_count)) return 0;
    out->classes = calloc(class_count > 0 ? (size_t)class_count : 1, sizeof *out->classes);
    if (!out->classes) {
        fprintf(stderr, "icarl %s: out of memory listing %s\n", command, directory);
        for (int i = 0; i < class_count; i++) free(class_names[i]);
        free(class_names);
        return 0;
    }
    int ok = 1;
    for (int i = 0; i < class_count; i++) {
        class_folder *folder = &out->classes[out->class_count++];
        folder->name = class_names[i];
        class_names[i] = NULL;
        if (!ok) continue;
        char *subdirectory = join_path(directory, folder->name);
        char **file_names = NULL;
        int file_count = 0;
        if (!subdirectory || !list_entries(command, subdirectory, 0, &file_names, &file_count)) {
            if (!subdirectory) fprintf(stderr, "icarl %s: out of memory\n", command);
            free(subdirectory);
            ok = 0;
            continue;
        }
        /* Replace each file name by its full path, in place. */
        for (int j = 0; j < file_count; j++) {
            char *path = join_path(subdirectory, file_names[j]);
            free(file_names[j]);
            file_names[j] = path;
            if (!path) ok = 0;
        }
        folder->paths = file_names;
        folder->path_count = file_count;
        out->image_count += file_count;
        free(subdirectory);
        if (!ok) fprintf(stderr, "icarl %s: out of memory listing %s\n", command, directory);
    }
    free(class_names);
    if (!ok) data_folder_free(out);
    return ok;
}

int path_exists(const char *path) {
    struct stat status;
    return stat(path, &status) == 0;
}

int load_model(const char *command, const char *path, icarl_learner **learner_out) {
    *learner_out = NULL;
    struct stat status;
    if (stat(path, &status) != 0) {
        fprintf(stderr, "icarl %s: cannot open model %s: %s\n", command, path, strerror(errno));
        return 0;
    }
    if (S_ISDIR(status.st_mode)) {
        fprintf(stderr, "icarl %s: cannot open model %s: it is a directory\n", command, path);
        return 0;
    }
    char message[256] = "";
    icarl_status result = icarl_load_file(path, learner_out, message, sizeof message);
    if (result != ICARL_OK) {
        /* The loader's message is the more specific one; the status sentence is the fallback. */
        for (char *c = message; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';
        fprintf(stderr, "icarl %s: cannot load model %s: %s\n", command, path,
                message[0] ? message : icarl_strerror(result));
        icarl_destroy(*learner_out);
        *learner_out = NULL;
        return 0;
    }
    /* Threads are not in the file: a loaded learner takes this machine's setting. */
    icarl_config config;
    icarl_get_config(*learner_out, &config);
    config.threads = environment_threads();
    if (config.threads != 0 && icarl_reconfigure(*learner_out, &config) != ICARL_OK) {
        report_learner_error(command, "cannot start the threads of ICARL_THREADS", *learner_out,
                             ICARL_ERROR_OUT_OF_MEMORY);
        icarl_destroy(*learner_out);
        *learner_out = NULL;
        return 0;
    }
    return 1;
}

void report_learner_error(const char *command, const char *what, const icarl_learner *learner,
                          icarl_status status) {
    const char *detail = learner ? icarl_last_error(learner) : "";
    if (!detail) detail = "";
    /* Keep it to one line even if a detail message carries a newline. */
    char line[512];
    snprintf(line, sizeof line, "%s", detail);
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    /* The learner's detail is the more specific; the status sentence is the fallback. */
    fprintf(stderr, "icarl %s: %s: %s\n", command, what, line[0] ? line : icarl_strerror(status));
}

int32_t find_class(const icarl_learner *learner, const char *name) {
    int32_t count = icarl_class_count(learner);
    for (int32_t i = 0; i < count; i++) {
        icarl_class_info info;
        if (icarl_class_info_get(learner, i, &info) == ICARL_OK && info.name &&
            strcmp(info.name, name) == 0)
            return i;
    }
    return -1;
}
