/* commands.h - the subcommands of the `icarl` tool. Each takes the arguments after its own name
 * and returns the process exit code: 0 success, 1 failure while running, 2 bad usage. */
#ifndef ICARL_CLI_COMMANDS_H
#define ICARL_CLI_COMMANDS_H

int command_protocol(int argc, char **argv);
int command_sanity(int argc, char **argv);
int command_learn(int argc, char **argv);
int command_predict(int argc, char **argv);
int command_eval(int argc, char **argv);
int command_info(int argc, char **argv);
int command_bench_gemm(int argc, char **argv);

#endif
