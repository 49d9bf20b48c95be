/* make_corpus.c - writes the small seed inputs of tests/fuzz/corpus (a few KB in all): tiny
 * checkpoints (empty, trained, with pending images), IDX arrays, and PNG/JPEG/BMP images made
 * with stb_image_write, plus raw-pixel seeds for fuzz_image. Run by build-scripts/fuzz.sh
 * --seeds; the seeds are committed, so it only needs running when the formats change.
 * Usage: make_corpus DIR (DIR gets checkpoint/, idx/ and image/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icarl.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

static const char *root;

static void put(const char *folder, const char *name, const void *bytes, size_t size) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", root, folder, name);
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(bytes, 1, size, file) != size || fclose(file) != 0) {
        fprintf(stderr, "make_corpus: cannot write %s\n", path);
        exit(1);
    }
}

typedef struct memory_file {
    unsigned char bytes[65536];
    size_t size;
} memory_file;

static void to_memory(void *context, void *data, int size) {
    memory_file *file = context;
    if (file->size + (size_t)size > sizeof file->bytes) return;
    memcpy(file->bytes + file->size, data, (size_t)size);
    file->size += (size_t)size;
}

static void gradient(uint8_t *pixels, int width, int height, int channels) {
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            for (int c = 0; c < channels; c++)
                pixels[(y * width + x) * channels + c] = (uint8_t)(x * 40 + y * 25 + c * 90);
}

static void images(void) {
    static uint8_t pixels[16 * 16 * 4];
    static memory_file file;
    const struct { int w, h, c; } shapes[] = {{5, 3, 3}, {3, 4, 1}, {4, 4, 4}, {2, 7, 2}};
    for (int i = 0; i < 4; i++) {
        gradient(pixels, shapes[i].w, shapes[i].h, shapes[i].c);
        char name[64];
        file.size = 0;
        stbi_write_png_to_func(to_memory, &file, shapes[i].w, shapes[i].h, shapes[i].c, pixels,
                               shapes[i].w * shapes[i].c);
        snprintf(name, sizeof name, "%dx%dx%d.png", shapes[i].w, shapes[i].h, shapes[i].c);
        put("image", name, file.bytes, file.size);
        file.size = 0;
        stbi_write_bmp_to_func(to_memory, &file, shapes[i].w, shapes[i].h, shapes[i].c, pixels);
        snprintf(name, sizeof name, "%dx%dx%d.bmp", shapes[i].w, shapes[i].h, shapes[i].c);
        put("image", name, file.bytes, file.size);
    }
    gradient(pixels, 16, 16, 3);
    file.size = 0;
    stbi_write_jpg_to_func(to_memory, &file, 16, 16, 3, pixels, 50);
    put("image", "16x16x3.jpg", file.bytes, file.size);
    gradient(pixels, 9, 8, 1);
    file.size = 0;
    stbi_write_jpg_to_func(to_memory, &file, 9, 8, 1, pixels, 70);
    put("image", "9x8x1.jpg", file.bytes, file.size);
    /* Raw seeds for fuzz_image: 'R', width-1, height-1, channel selector, pixels. */
    uint8_t raw[4 + 7 * 5 * 4];
    raw[0] = 'R';
    raw[1] = 6;
    raw[2] = 4;
    raw[3] = 2;
    gradient(raw + 4, 7, 5, 4);
    put("image", "raw-7x5x4", raw, sizeof raw);
    raw[1] = 1;
    raw[2] = 9;
    raw[3] = 0;
    put("image", "raw-2x10x1", raw, 4 + 2 * 10);
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void idx(void) {
    uint8_t buffer[64] = {0, 0, 8, 3};
    put_be32(buffer + 4, 2);
    put_be32(buffer + 8, 3);
    put_be32(buffer + 12, 4);
    for (int i = 0; i < 24; i++) buffer[16 + i] = (uint8_t)(i * 11);
    put("idx", "images-2x3x4.idx3", buffer, 16 + 24);
    uint8_t labels[8 + 5] = {0, 0, 8, 1, 0, 0, 0, 5, 0, 3, 9, 1, 2};
    put("idx", "labels-5.idx1", labels, sizeof labels);
    uint8_t empty[12] = {0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0, 7};
    put("idx", "empty-0x7.idx2", empty, sizeof empty);
}

static int check(icarl_status status, const char *what) {
    if (status != ICARL_OK) {
        fprintf(stderr, "make_corpus: %s: %s\n", what, icarl_strerror(status));
        exit(1);
    }
    return 0;
}

static void checkpoints(void) {
    icarl_config config;
    icarl_config_preset(ICARL_PRESET_WEBCAM, &config);
    config.input_size = 4;
    config.channels = 3;
    config.blocks_per_stage = 1;
    config.base_width = 1;
    config.batch_size = 2;
    config.epochs = 1;
    config.memory = 4;
    config.crop_padding = 1;
    icarl_learner *learner = NULL;
    check(icarl_create(&config, &learner, NULL, 0), "create");
    uint8_t *bytes;
    size_t size;
    check(icarl_save(learner, &bytes, &size), "save");
    put("checkpoint", "empty.ckpt", bytes, size);
    icarl_free(bytes);

    uint8_t pixels[3][4 * 4 * 3];
    for (int k = 0; k < 3; k++) gradient(pixels[k], 4, 4, 3), pixels[k][k] = 255;
    icarl_image list[3] = {{pixels[0], 4, 4, 3}, {pixels[1], 4, 4, 3}, {pixels[2], 4, 4, 3}};
    check(icarl_add_examples(learner, "a", list, 2), "add a");
    check(icarl_add_examples(learner, "b", list + 1, 2), "add b");
    check(icarl_save(learner, &bytes, &size), "save");
    put("checkpoint", "pending.ckpt", bytes, size);
    icarl_free(bytes);
    check(icarl_step(learner, NULL, NULL), "step");
    check(icarl_add_examples(learner, "c", list + 2, 1), "add c");
    check(icarl_save(learner, &bytes, &size), "save");
    put("checkpoint", "trained.ckpt", bytes, size);
    icarl_free(bytes);
    icarl_destroy(learner);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus DIR\n");
        return 2;
    }
    root = argv[1];
    images();
    idx();
    checkpoints();
    return 0;
}
