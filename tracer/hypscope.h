/*
 * What every hypscope subcommand shares: exit codes, the error carrier and
 * the subcommand entry points.
 */
#ifndef TRACER_HYPSCOPE_H
#define TRACER_HYPSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HYPSCOPE_VERSION "0.1.0"

/* Exit codes of the hypscope command, documented in man/hypscope.1. */
enum hs_exit {
	HS_EXIT_OK      = 0, /* every guest ended cleanly */
	HS_EXIT_GUEST   = 1, /* a guest failed, reset, exited non-zero or did not end */
	HS_EXIT_USAGE   = 2, /* bad command line or bad input file */
	HS_EXIT_TIMEOUT = 3, /* --timeout expired */
	HS_EXIT_ENV     = 4, /* QEMU or environment error */
	HS_EXIT_HYP     = 5, /* hypervisor panic or refused configuration */
};

/*
 * A failing function returns -errno and leaves one line in a struct hs_err
 * saying what was wrong and what to do; the caller prefixes "hypscope: ".
 */
#define HS_ERR_LEN 512

struct hs_err {
	char msg[HS_ERR_LEN];
};

/* Formats the message into @err (when not NULL) and returns @code. */
int hs_errf(struct hs_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line on stderr, "hypscope CMD: ...", and HS_EXIT_USAGE to return. */
int hs_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The whole of s as a number within [min, max]. */
bool hs_parse_double(const char *s, double min, double max, double *out);

/* The directory holding the running hypscope binary (where the build put it). */
int hs_self_dir(char *buf, size_t len, struct hs_err *err);

/* Subcommands: int cmd_NAME(int argc, char **argv), argv[0] being NAME. */
int cmd_run(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
