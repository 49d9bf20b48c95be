/* main.c - the `icarl` command-line tool: dispatches to a subcommand (docs/design.md 5.2) and prints
 * the overall help and version. All the work lives in the command_*.c files. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "cli/progress.h"

#define ICARL_CLI_VERSION "0.1.0"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand SUBCOMMANDS[] = {
    {"learn", command_learn, "learn folders of images as one incremental step into a model"},
    {"predict", command_predict, "classify images with a model: path<TAB>label<TAB>score"},
    {"eval", command_eval, "nearest-mean accuracy of a model on a folder of class subfolders"},
    {"info", command_info, "show a model's configuration, classes and memory"},
    {"protocol", command_protocol, "the class-incremental Fashion-MNIST benchmark"},
    {"sanity", command_sanity, "non-incremental sanity benchmark: all 10 classes in one step"},
    {"bench-gemm", command_bench_gemm, "GFLOP/s of each GEMM kernel variant"},
};

static void print_help(FILE *out) {
    fprintf(out,
            "usage: icarl COMMAND [options]     (icarl COMMAND --help for details)\n"
            "\n"
            "iCaRL class-incremental learning (Rebuffi et al., CVPR 2017): a ResNet trained\n"
            "class by class with distillation, a bounded memory of exemplars (K in total over\n"
            "all classes), and classification by the nearest mean of exemplars (NME).\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0]; i++)
        fprintf(out, "  %-11s %s\n", SUBCOMMANDS[i].name, SUBCOMMANDS[i].summary);
    fprintf(out,
            "\n"
            "  --help      this text\n"
            "  --version   the tool's version\n"
            "\n"
            "Progress bars are drawn on stderr only when it is a terminal. Errors are one line on\n"
            "stderr; exit status 1 for a failure while running, 2 for bad usage.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "icarl: missing command (see icarl --help)\n");
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("icarl %s\n", ICARL_CLI_VERSION);
        return 0;
    }
    interrupt_install();
    for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0]; i++) {
        if (strcmp(name, SUBCOMMANDS[i].name) == 0) return SUBCOMMANDS[i].run(argc - 2, argv + 2);
    }
    if (name[0] == '-')
        fprintf(stderr, "icarl: unknown option '%s' (see icarl --help)\n", name);
    else
        fprintf(stderr, "icarl: unknown command '%s' (see icarl --help)\n", name);
    return EXIT_USAGE;
}
