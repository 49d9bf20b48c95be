/* augment.c - stored uint8 HWC images to the (C, N, S, S) float batch the network reads, with
 * the training augmentations: the benchmark's (random crop after zero padding, horizontal flip,
 * brightness jitter) and a hand-held camera's (random resized crop, rotation, contrast and
 * saturation jitter, blur, noise). Randomness comes only from the caller's random_state;
 * nothing here allocates. With the camera options off, the benchmark's path runs alone and
 * gives exactly the values and random draws it always gave. */
#include "data/augment.h"

#include <math.h>
#include <stddef.h>

/* What happens to one image: a shift of the content (the crop window's offset from the centre
 * of the padded image), an optional mirror, and a brightness offset in units of full scale. */
typedef struct transform {
    int dx, dy;
    int flip;
    float brightness;
} transform;

static float normalise(float fraction) {
    return (fraction - PIXEL_MEAN) * PIXEL_SCALE;
}

/* Output (x, y) shows source (x + dx, y + dy) of the (possibly mirrored) image; positions
 * outside it are the zero padding, i.e. black (byte 0), as torchvision's RandomCrop pads. */
static void write_image(const uint8_t *image, int size, int channels, const transform *t,
                        const float *table, size_t plane, float *out) {
    for (int c = 0; c < channels; c++) {
        float *o = out + (size_t)c * plane;
        for (int y = 0; y < size; y++) {
            int sy = y + t->dy;
            for (int x = 0; x < size; x++) {
                int sx = (t->flip ? size - 1 - x : x) + t->dx;
                uint8_t byte = 0;
                if (sy >= 0 && sy < size && sx >= 0 && sx < size)
                    byte = image[((size_t)sy * size + sx) * channels + c];
                float value;
                if (t->brightness == 0.0f) {
                    value = table[byte];
                } else {
                    /* Clamped like a real brighter or darker picture, which saturates. */
                    float fraction = (float)byte / 255.0f + t->brightness;
                    if (fraction < 0.0f) fraction = 0.0f;
                    if (fraction > 1.0f) fraction = 1.0f;
                    value = normalise(fraction);
                }
                o[(size_t)y * size + x] = value;
            }
        }
    }
}

/* ---- the camera augmentations ------------------------------------------------------------ */

/* One image's camera draws: where the window lies in the source (centre and size in pixels),
 * its rotation, and the colour, blur and noise settings. */
typedef struct camera_transform {
    float centre_x, centre_y, width, height;
    float cosine, sine;
    float contrast, saturation;
    int blur;
    float noise;
} camera_transform;

static int camera_options_on(const augment_options *o) {
    return o->zoom > 0.0f || o->rotation > 0.0f || o->contrast > 0.0f || o->saturation > 0.0f ||
           o->blur > 0.0f || o->noise > 0.0f;
}

/* Draws in a fixed order, each only when its option is on, so a seed gives one batch. */
static camera_transform draw_camera(const augment_options *o, int size, random_state *random) {
    camera_transform t = {0.5f * (float)size, 0.5f * (float)size, (float)size, (float)size,
                          1.0f, 0.0f, 1.0f, 1.0f, 0, 0.0f};
    if (o->zoom > 0.0f) {
        /* torchvision's RandomResizedCrop: area, then a log-uniform aspect ratio. */
        float area = 1.0f - o->zoom * random_uniform(random);
        float log_ratio = logf(3.0f / 4.0f) + random_uniform(random) * 2.0f * logf(4.0f / 3.0f);
        float width = sqrtf(area * expf(log_ratio)), height = sqrtf(area / expf(log_ratio));
        if (width > 1.0f) width = 1.0f;
        if (height > 1.0f) height = 1.0f;
        t.centre_x = (0.5f * width + random_uniform(random) * (1.0f - width)) * (float)size;
        t.centre_y = (0.5f * height + random_uniform(random) * (1.0f - height)) * (float)size;
        t.width = width * (float)size;
        t.height = height * (float)size;
    }
    if (o->rotation > 0.0f) {
        float radians = (2.0f * random_uniform(random) - 1.0f) * o->rotation * 0.017453292f;
        t.cosine = cosf(radians);
        t.sine = sinf(radians);
    }
    if (o->contrast > 0.0f) t.contrast = 1.0f + (2.0f * random_uniform(random) - 1.0f) * o->contrast;
    if (o->saturation > 0.0f)
        t.saturation = 1.0f + (2.0f * random_uniform(random) - 1.0f) * o->saturation;
    if (o->blur > 0.0f) t.blur = random_uniform(random) < o->blur;
    if (o->noise > 0.0f) t.noise = random_uniform(random) * o->noise;
    return t;
}

static float clamp_unit(float value) {
    return value < 0.0f ? 0.0f : value > 1.0f ? 1.0f : value;
}

/* Channel c of the source at (x, y) in pixel-centre coordinates, bilinear, edges replicated:
 * a camera sees more of the scene beyond the crop, never black bars. */
static float sample(const uint8_t *image, int size, int channels, int c, float x, float y) {
    if (x < 0.0f) x = 0.0f;
    if (y < 0.0f) y = 0.0f;
    if (x > (float)(size - 1)) x = (float)(size - 1);
    if (y > (float)(size - 1)) y = (float)(size - 1);
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < size ? x0 + 1 : x0, y1 = y0 + 1 < size ? y0 + 1 : y0;
    float fx = x - (float)x0, fy = y - (float)y0;
    float top = (1.0f - fx) * image[((size_t)y0 * size + x0) * channels + c] +
                fx * image[((size_t)y0 * size + x1) * channels + c];
    float bottom = (1.0f - fx) * image[((size_t)y1 * size + x0) * channels + c] +
                   fx * image[((size_t)y1 * size + x1) * channels + c];
    return ((1.0f - fy) * top + fy * bottom) / 255.0f;
}

static float grey(const float *const planes[3], int channels, size_t p) {
    return channels == 3 ? 0.299f * planes[0][p] + 0.587f * planes[1][p] + 0.114f * planes[2][p]
                         : planes[0][p];
}

/* [1 2 1] / 4 along `count` values `stride` apart, edges replicated. */
static void blur_line(float *values, int count, size_t stride) {
    float previous = values[0];
    for (int i = 0; i < count; i++) {
        float here = values[(size_t)i * stride];
        float next = i + 1 < count ? values[(size_t)(i + 1) * stride] : here;
        values[(size_t)i * stride] = 0.25f * previous + 0.5f * here + 0.25f * next;
        previous = here;
    }
}

/* The camera path: geometry (window, rotation, the benchmark's shift and flip), then brightness,
 * contrast, saturation, blur and noise on [0, 1] values in the output planes, then the
 * network's normalisation. */
static void write_camera_image(const uint8_t *image, int size, int channels, const transform *t,
                               const camera_transform *camera, size_t channel_plane, float *out,
                               random_state *random) {
    float *planes[3] = {NULL, NULL, NULL};
    for (int c = 0; c < channels && c < 3; c++) planes[c] = out + (size_t)c * channel_plane;
    float scale_x = camera->width / (float)size, scale_y = camera->height / (float)size;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int column = t->flip ? size - 1 - x : x;
            float offset_x = ((float)column + 0.5f - 0.5f * (float)size) * scale_x;
            float offset_y = ((float)y + 0.5f - 0.5f * (float)size) * scale_y;
            float source_x = camera->centre_x + camera->cosine * offset_x -
                             camera->sine * offset_y - 0.5f + (float)t->dx;
            float source_y = camera->centre_y + camera->sine * offset_x +
                             camera->cosine * offset_y - 0.5f + (float)t->dy;
            for (int c = 0; c < channels; c++)
                out[(size_t)c * channel_plane + (size_t)y * size + x] =
                    clamp_unit(sample(image, size, channels, c, source_x, source_y) +
                               t->brightness);
        }
    size_t pixels = (size_t)size * size;
    const float *const grey_planes[3] = {planes[0], planes[1], planes[2]};
    if (camera->contrast != 1.0f) {
        double sum = 0.0;
        for (size_t p = 0; p < pixels; p++) sum += grey(grey_planes, channels, p);
        float mean = (float)(sum / (double)pixels);
        for (int c = 0; c < channels; c++) {
            float *plane = out + (size_t)c * channel_plane;
            for (size_t p = 0; p < pixels; p++)
                plane[p] = clamp_unit(mean + (plane[p] - mean) * camera->contrast);
        }
    }
    if (camera->saturation != 1.0f && channels == 3) {
        for (size_t p = 0; p < pixels; p++) {
            float g = grey(grey_planes, channels, p);
            for (int c = 0; c < 3; c++)
                planes[c][p] = clamp_unit(g + (planes[c][p] - g) * camera->saturation);
        }
    }
    for (int c = 0; c < channels; c++) {
        float *plane = out + (size_t)c * channel_plane;
        if (camera->blur) {
            for (int y = 0; y < size; y++) blur_line(plane + (size_t)y * size, size, 1);
            for (int x = 0; x < size; x++) blur_line(plane + x, size, (size_t)size);
        }
        for (size_t p = 0; p < pixels; p++) {
            float value = plane[p];
            if (camera->noise > 0.0f) value = clamp_unit(value + camera->noise * random_normal(random));
            plane[p] = normalise(value);
        }
    }
}

static void build_table(float table[256]) {
    for (int b = 0; b < 256; b++) table[b] = normalise((float)b / 255.0f);
}

void batch_from_images(const uint8_t *const *images, int count, int size, int channels,
                       const augment_options *options, random_state *random, float *input) {
    if (!images || !input || count <= 0 || size <= 0 || channels <= 0) return;
    if (!random) options = NULL; /* documented as a caller error; degrade to no augmentation */
    float table[256];
    build_table(table);
    const size_t image_plane = (size_t)size * size;
    const size_t channel_plane = image_plane * (size_t)count; /* (C, N, S, S): c strides N*S*S */
    for (int i = 0; i < count; i++) {
        transform t = {0, 0, 0, 0.0f};
        /* Always the same draws in the same order per image: crop (dx, dy), flip, brightness,
         * so one seed gives one batch. */
        if (options) {
            int padding = options->crop_padding;
            if (padding > 0) {
                uint32_t range = 2u * (uint32_t)padding + 1u;
                t.dx = (int)random_below(random, range) - padding;
                t.dy = (int)random_below(random, range) - padding;
            }
            if (options->flip) t.flip = (int)random_below(random, 2);
            if (options->brightness > 0.0f)
                t.brightness = (2.0f * random_uniform(random) - 1.0f) * options->brightness;
            if (camera_options_on(options)) {
                camera_transform camera = draw_camera(options, size, random);
                if (images[i])
                    write_camera_image(images[i], size, channels, &t, &camera, channel_plane,
                                       input + (size_t)i * image_plane, random);
                continue;
            }
        }
        if (!images[i]) continue;
        write_image(images[i], size, channels, &t, table, channel_plane,
                    input + (size_t)i * image_plane);
    }
}

void batch_from_images_flipped(const uint8_t *const *images, int count, int size, int channels,
                               float *input) {
    if (!images || !input || count <= 0 || size <= 0 || channels <= 0) return;
    float table[256];
    build_table(table);
    const size_t image_plane = (size_t)size * size;
    const size_t channel_plane = image_plane * (size_t)count;
    const transform t = {0, 0, 1, 0.0f};
    for (int i = 0; i < count; i++) {
        if (!images[i]) continue;
        write_image(images[i], size, channels, &t, table, channel_plane,
                    input + (size_t)i * image_plane);
    }
}
