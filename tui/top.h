/*
 * hypscope top: the live view of a running machine or of a trace file.
 *
 * The entry points run the whole view, interactive (curses) or --batch
 * (text every interval), and return a hypscope exit code (tracer/lib/util.h):
 *
 *	struct top_opts o;
 *
 *	top_opts_init(&o);
 *	o.wait_s = 30;          // `run --top`: QEMU is still starting
 *	o.quit_at_end = true;   // and the view ends with the machine
 *	return top_run_live("/dev/shm/hypscope-4242.ram", &o);
 */
#ifndef TUI_TOP_H
#define TUI_TOP_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/model.h"

enum top_mode {
	TOP_MODE_AUTO,   /* interactive on a terminal, batch when stdout is not one */
	TOP_MODE_SCREEN,
	TOP_MODE_BATCH,
};

struct top_opts {
	enum top_mode mode;
	double interval_s;    /* between redraws (batch: between reports); default 1 */
	unsigned iterations;  /* stop after this many intervals; 0: until q or the end */
	double speed;         /* replay: 1 real time, 2 twice as fast, 0 as fast as possible */
	bool start_paused;    /* replay: start paused (step with n) */
	const char *filter;   /* initial class filter, POSIX extended regex; NULL: none */
	enum top_col sort;    /* initial sort column */
	bool sort_reverse;
	int vm, vcpu;         /* initial selection, TOP_NO_SEL: all */
	bool consume;         /* live: free ring space as it is read (the only reader) */
	double wait_s;        /* live: how long to wait for QEMU to create the RAM file */
	bool color;           /* use colours when the terminal has them */
	unsigned width;       /* batch: columns; 0: the terminal's, or 132 */
	bool quit_at_end;     /* interactive: leave once the machine is done (or the
	                         trace played), after one last frame */
};

void top_opts_init(struct top_opts *o);

/*
 * While a view runs, SIGINT, SIGTERM and SIGHUP are unblocked and end it
 * (the return value is then 128 + the signal); the caller's signal mask and
 * handlers are restored before it returns, and so is the terminal.
 */

/* The view of the machine whose RAM file is ram_path. */
int top_run_live(const char *ram_path, const struct top_opts *o);

/* The view of this host's KVM (the BPF collector, tracer/lib/kvm/). */
int top_run_kvm(const struct top_opts *o);

/* The view of a trace file, played back at o->speed. */
int top_run_replay(const char *trace_path, const struct top_opts *o);

/*
 * The keys. One table in top.c binds each key to its action and makes the
 * help screen and the footer from the same entries.
 */
/* What key does, as the help says it; NULL when it is bound to nothing. */
const char *top_key_help(int key);
/* The help screen: its number of lines, and line i (without newline) into buf. */
size_t top_help_nr_lines(void);
void top_help_line(size_t i, char *buf, size_t len);

#endif
