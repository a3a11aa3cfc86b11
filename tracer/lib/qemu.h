/*
 * Running QEMU: spawn, wait with a timeout, stop it on SIGINT/SIGTERM/SIGHUP.
 *
 * The caller blocks the stop signals (qemu_block_signals()) before it creates
 * anything that needs cleaning up, so an early Ctrl-C is never lost: it stays
 * pending and qemu_wait() or qemu_interrupted() sees it.
 */
#ifndef TRACER_QEMU_H
#define TRACER_QEMU_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "tracer/lib/util.h"

struct qemu_result {
	int status;     /* waitpid() status of QEMU */
	bool timed_out; /* the timeout expired and QEMU was stopped */
	int signo;      /* the signal that made hypscope stop QEMU, 0 if none */
	int poll_error; /* what the poll callback returned when it stopped QEMU */
};

/* Blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD; the previous mask goes to @old. */
int qemu_block_signals(sigset_t *old);

/* A stop signal already pending (0 if none); consumes it. */
int qemu_interrupted(void);

/*
 * Starts @argv[0] (a path) with @argv. The child gets @child_mask as its
 * signal mask and, unless @keep_stdin, /dev/null as stdin; with @out_fd >= 0
 * its stdout and stderr go there (the console while the live view is up).
 */
int qemu_spawn(char *const argv[], bool keep_stdin, int out_fd, const sigset_t *child_mask,
	       pid_t *pid, struct hs_err *err);

/* Whether QEMU is still running (false once reaped: *status filled). */
bool qemu_running(pid_t pid, int *status);

/* SIGTERM, a grace period, then SIGKILL; reaps it into *status. */
void qemu_stop(pid_t pid, int *status);

/*
 * Waits for QEMU to exit. After @timeout_s seconds (0: never), or when a stop
 * signal arrives, QEMU gets SIGTERM, then SIGKILL if it lingers.
 */
/*
 * Called every few milliseconds while QEMU runs (e.g. to drain the trace
 * rings); a non-zero return stops QEMU and becomes qemu_result.poll_error.
 */
typedef int (*qemu_poll_fn)(void *arg);

int qemu_wait(pid_t pid, unsigned int timeout_s, qemu_poll_fn poll, void *poll_arg,
	      struct qemu_result *res, struct hs_err *err);

#endif
