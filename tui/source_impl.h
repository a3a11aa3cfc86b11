/*
 * The contract between the live view's source interface (tui/source.h)
 * and its three implementations: a running machine (tui/source_live.c),
 * this host's KVM (tui/source_kvm.c) and a trace file (tui/source_replay.c).
 * Each embeds struct top_source first and fills a const ops table; the
 * common code in tui/source.c dispatches through it, so the panes never
 * know which source feeds them. Only the implementations include this.
 */
#ifndef TUI_SOURCE_IMPL_H
#define TUI_SOURCE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/trace.h"
#include "tracer/lib/util.h"
#include "tui/source.h"

struct top_source_ops {
	/*
	 * Records into the model, what is due at wall-clock now within about
	 * budget_ms: how many were fed, or -errno through top_source_fail().
	 */
	int (*pump)(struct top_source *s, double now, unsigned budget_ms);
	/* Once per interval: snapshots (the status block), losses, problems. */
	void (*tick)(struct top_source *s);
	/* The machine ended, or everything was fed. */
	bool (*ended)(const struct top_source *s);
	/* One line naming the source: "live PATH", "replay FILE x2 3.0/12.5s". */
	void (*describe)(const struct top_source *s, double now, char *buf, size_t len);
	/* What it waits for or why it stopped, "" when nothing (not errors). */
	void (*status)(const struct top_source *s, char *buf, size_t len);
	void (*destroy)(struct top_source *s);
	/*
	 * Seconds until another pump is worth a wake-up, given what the last
	 * ones found; NULL: TOP_SOURCE_POLL_S.
	 */
	double (*poll_s)(const struct top_source *s);

	/*
	 * Playback, for a source with a clock of its own; NULL for one that
	 * runs in real time (its clock is the wall clock).
	 */
	double (*clock)(const struct top_source *s, double now);
	void (*pause)(struct top_source *s, bool pause, double now);
	void (*step)(struct top_source *s, double seconds);
	void (*set_speed)(struct top_source *s, double speed, double now);
	double (*speed)(const struct top_source *s);
};

/* What every source shares: the common code reads and writes only this. */
struct top_source {
	const struct top_source_ops *ops;
	struct top_model *m;
	int error;           /* -errno once the source failed; it feeds no more */
	char msg[HS_ERR_LEN];
	int last_fed;        /* the last pump's return */
};

#define top_source_impl(s, type) \
	((type *)((const char *)(s) - offsetof(type, base)))

/* Records @err with a message; returns @err. */
int top_source_fail(struct top_source *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A recorder or collector sink that feeds the model at ctx. */
int top_source_sink(void *ctx, const struct trace_hdr *rec, uint32_t size);

/* CLOCK_MONOTONIC in seconds. */
double top_source_mono(void);

#endif
