/*
 * Progress of long operations on stderr, only when stderr is a terminal:
 * "hypscope report: 42% of 310.5 MB", redrawn at most 4 times a second,
 * shown only once the operation has taken half a second, erased at the end.
 *
 *	struct hs_progress p;
 *
 *	hs_progress_reader(&p, "report", reader);   // fed as chunks are read
 *	... tf_reader_next() loop ...
 *	hs_progress_end(&p);
 */
#ifndef TRACER_PROGRESS_H
#define TRACER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/host/tracefile.h"

struct hs_progress {
	const char *what;
	bool on;      /* stderr is a terminal */
	bool shown;   /* a line is on the screen */
	double start; /* CLOCK_MONOTONIC seconds */
	double next;  /* earliest next redraw */
};

void hs_progress_begin(struct hs_progress *p, const char *what);
/* begin, and report as r's chunks are read */
void hs_progress_reader(struct hs_progress *p, const char *what, struct tf_reader *r);
/* done of total bytes; total 0: done is a count of seconds of total_s */
void hs_progress_update(struct hs_progress *p, uint64_t done, uint64_t total);
/* a line of free text (e.g. "3/10 s, 1200 records") */
void hs_progress_text(struct hs_progress *p, const char *text);
void hs_progress_end(struct hs_progress *p);

#endif
