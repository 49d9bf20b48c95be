/* command_bench_gemm.c - `icarl bench-gemm`: GFLOP/s of every GEMM variant this build and
 * machine support, on square sizes and on the matrix shapes a ResNet's 3x3 convolutions give
 * (forward, im2col with a batch of 32 Fashion-MNIST images). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "cli/options.h"
#include "cli/report_json.h"
#include "kernels/compute.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bench.h"

static const char BENCH_GEMM_USAGE[] =
    "usage: icarl bench-gemm [--variant NAME] [--seconds S] [--json FILE]\n"
    "\n"
    "Prints GFLOP/s (2*m*n*k per call) of each GEMM variant supported here, on 256, 512 and 1024\n"
    "square matrices and on the shapes of ResNet 3x3 convolutions (forward, batch 32, 28x28 input:\n"
    "m = output channels, n = 32 * output pixels, k = 9 * input channels).\n"
    "\n"
    "  --variant NAME  only this variant (default: all supported)\n"
    "  --seconds S     minimum timing per measurement, 0.05..60 (default 0.3)\n"
    "  --json FILE     also write the results as JSON\n";

typedef struct gemm_shape {
    const char *name;
    int m, n, k;
} gemm_shape;

static const gemm_shape SHAPES[] = {
    {"square 256", 256, 256, 256},
    {"square 512", 512, 512, 512},
    {"square 1024", 1024, 1024, 1024},
    {"conv 3x3 16->16 at 28x28", 16, 32 * 28 * 28, 16 * 9},
    {"conv 3x3 32->32 at 14x14", 32, 32 * 14 * 14, 32 * 9},
    {"conv 3x3 64->64 at 7x7", 64, 32 * 7 * 7, 64 * 9},
};

int command_bench_gemm(int argc, char **argv) {
    const char *command = "bench-gemm";
    option_spec specs[] = {{"variant", 1, NULL, 0}, {"seconds", 1, NULL, 0}, {"json", 1, NULL, 0}};
    options_result parsed = options_parse(command, argc, argv, specs, 3, NULL, 0, NULL);
    if (parsed == OPTIONS_HELP) {
        fputs(BENCH_GEMM_USAGE, stdout);
        return 0;
    }
    if (parsed != OPTIONS_OK) return EXIT_USAGE;
    double min_seconds = 0.3;
    if (specs[1].present) {
        char *end = NULL;
        min_seconds = strtod(specs[1].value, &end);
        if (end == specs[1].value || *end != '\0' || !(min_seconds >= 0.05 && min_seconds <= 60)) {
            fprintf(stderr, "icarl bench-gemm: --seconds expects a number from 0.05 to 60, not "
                    "'%s'\n", specs[1].value);
            return EXIT_USAGE;
        }
    }
    if (specs[2].present && !check_output_writable(command, specs[2].value))
        return EXIT_FAILURE_RUNNING;
    const char *only = specs[0].present ? specs[0].value : NULL;
    if (only) {
        int known = 0;
        for (int v = 0; v < gemm_variant_count; v++) known |= strcmp(gemm_variants[v].name, only) == 0;
        if (!known) {
            fprintf(stderr, "icarl bench-gemm: unknown --variant '%s'\n", only);
            return EXIT_USAGE;
        }
    }

    json_writer json;
    json_init(&json);
    json_begin_object(&json);
    json_key(&json, "min_seconds");
    json_number(&json, min_seconds);
    json_key(&json, "results");
    json_begin_array(&json);
    int shape_count = (int)(sizeof SHAPES / sizeof SHAPES[0]);
    int measured = 0;
    for (int v = 0; v < gemm_variant_count; v++) {
        const gemm_variant *variant = &gemm_variants[v];
        if (only && strcmp(variant->name, only) != 0) continue;
        if (variant->is_supported && !variant->is_supported()) {
            printf("%-28s not supported on this machine\n", variant->name);
            continue;
        }
        compute_context *context = NULL;
        icarl_status status = compute_context_create(variant->name, &context);
        if (status != ICARL_OK) {
            printf("%-28s cannot be set up: %s\n", variant->name, icarl_strerror(status));
            continue;
        }
        for (int s = 0; s < shape_count; s++) {
            const gemm_shape *shape = &SHAPES[s];
            double gflops = gemm_benchmark_gflops(context, shape->m, shape->n, shape->k,
                                                  min_seconds);
            printf("%-28s %-26s m=%-5d n=%-6d k=%-5d %7.2f GFLOP/s\n", variant->name, shape->name,
                   shape->m, shape->n, shape->k, gflops);
            fflush(stdout);
            json_begin_object(&json);
            json_key(&json, "variant");
            json_string(&json, variant->name);
            json_key(&json, "shape");
            json_string(&json, shape->name);
            json_key(&json, "m");
            json_integer(&json, shape->m);
            json_key(&json, "n");
            json_integer(&json, shape->n);
            json_key(&json, "k");
            json_integer(&json, shape->k);
            json_key(&json, "gflops");
            json_number(&json, gflops);
            json_end_object(&json);
            measured++;
        }
        compute_context_destroy(context);
    }
    json_end_array(&json);
    json_end_object(&json);
    int exit_code = 0;
    if (measured == 0) {
        fprintf(stderr, "icarl bench-gemm: no GEMM variant could be measured\n");
        exit_code = EXIT_FAILURE_RUNNING;
    } else if (specs[2].present) {
        if (json.text.failed) {
            fprintf(stderr, "icarl bench-gemm: out of memory writing the report\n");
            exit_code = EXIT_FAILURE_RUNNING;
        } else if (!write_file_atomically(command, specs[2].value, json.text.data,
                                          json.text.length)) {
            exit_code = EXIT_FAILURE_RUNNING;
        }
    }
    json_free(&json);
    return exit_code;
}
