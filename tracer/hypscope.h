/*
 * The top layer: the hypscope subcommands (tracer/cmd_*.c) that tracer/main.c
 * dispatches to. The library (tracer/lib/) and the live view (tui/) never
 * include this header.
 */
#ifndef TRACER_HYPSCOPE_H
#define TRACER_HYPSCOPE_H

#include "tracer/lib/util.h"

#define HYPSCOPE_VERSION "0.1.0"

/* Subcommands: int cmd_NAME(int argc, char **argv), argv[0] being NAME. */
int cmd_run(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_sdei(int argc, char **argv);

#endif
