/*
 * The bottom of the host library (tracer/lib/): exit codes, the error
 * carrier and small helpers every layer above may use.
 */
#ifndef TRACER_LIB_UTIL_H
#define TRACER_LIB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * The one way a subcommand reports an error: one line on stderr,
 * "hypscope CMD: ...", and @code (enum hs_exit, or 128+N for signal N) to
 * return from cmd_CMD(). hs_usage_error() is the same with HS_EXIT_USAGE,
 * for a bad command line or input file.
 */
int hs_error(const char *cmd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int hs_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The exit code for an input file that could not be read (-errno): out of
 * memory or an I/O error is HS_EXIT_ENV, anything else (missing, not a
 * trace, damaged) HS_EXIT_USAGE.
 */
int hs_read_exit(int err);

/* The whole of s as a number within [min, max]. */
bool hs_parse_double(const char *s, double min, double max, double *out);

/*
 * The RAM file of a machine named by --attach: a path as it is, or the PID
 * of the 'hypscope run' that started it (/dev/shm/hypscope-PID.ram).
 */
/* CLOCK_MONOTONIC in seconds: for durations and rates. */
double hs_now_s(void);

void hs_ram_path(const char *attach, char *buf, size_t len);

/* The directory holding the running hypscope binary (where the build put it). */
int hs_self_dir(char *buf, size_t len, struct hs_err *err);

#endif
