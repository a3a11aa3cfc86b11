/*
 * The recorder: drains the hypervisor's per-CPU trace rings out of the file
 * that backs the machine's RAM into a trace file.
 *
 * The RAM file (QEMU memory-backend-file, share=on) starts at HYP_RAM_BASE;
 * struct hypcfg says where the rings are (trace_pa, trace_size per CPU),
 * struct hypstat how many CPUs there are, the counter frequency and whether
 * the machine is still running. A recorder may attach before the hypervisor
 * has booted: until the status block appears it polls and drains nothing.
 *
 *	recorder_open(&r, ram, out, err, sizeof(err));
 *	while (machine runs)
 *		recorder_poll(r);        // non-blocking, once per wait-loop turn
 *	recorder_close(r, &totals);      // final drain, trailer, close
 *	recorder_destroy(r);
 *
 * Losses are exact: what the rings report lost (sequence gaps, records the
 * producer dropped or overwrote) is charged to the trace file per CPU with
 * tf_writer_add_lost(). Host only.
 */
#ifndef TRACER_RECORD_H
#define TRACER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/trace.h"

/* recorder_opts.mode */
enum recorder_mode {
	RECORDER_CONSUME = 0, /* publish the read position: a DROP-mode producer reuses the space */
	RECORDER_PEEK    = 1, /* never write to the machine's memory (read-only mapping) */
};

struct recorder_opts {
	enum recorder_mode mode;
	/*
	 * Called with every record drained, before it is written (may be NULL):
	 * the live view feeds its model from here. A non-zero return stops the
	 * poll with that value.
	 */
	int (*sink)(void *ctx, const struct trace_hdr *rec, uint32_t size);
	void *sink_ctx;
	const char *description; /* for the trace file header; NULL: a default */
};

struct recorder_cpu_totals {
	uint64_t records;
	uint64_t lost;
	/*
	 * The ring's high-water mark as the drain saw it: the most bytes
	 * waiting at the start of a drain (ring_consumer_backlog()). Between
	 * two drains the ring may have been fuller; a loss says it was full.
	 */
	uint64_t ring_hwm;
};

struct recorder_totals {
	uint32_t nr_cpus;
	uint64_t records;
	uint64_t lost;
	uint64_t bytes; /* size of the trace file */
	uint64_t ring_size; /* data bytes of each CPU's ring */
	struct recorder_cpu_totals cpus[HYP_MAX_CPUS];
	uint32_t state; /* enum hypstat_state when last seen */
	bool attached;  /* the rings were found (the hypervisor booted) */
};

struct recorder;

/*
 * Map ram_path and check that it is a hypscope machine with tracing on.
 * out_path may be NULL (drain into the sink only). Waiting for the
 * hypervisor to boot is not an error: recorder_poll() attaches once it has.
 * Returns 0 or -errno with one line in err: not a hypscope machine, tracing
 * off, version mismatch, unreadable or unwritable files.
 */
int recorder_open(struct recorder **r, const char *ram_path, const char *out_path,
		  char *err, size_t errlen);
int recorder_open_opts(struct recorder **r, const char *ram_path, const char *out_path,
		       const struct recorder_opts *opts, char *err, size_t errlen);

/*
 * Drain every ring once, without blocking: each ring until it is empty or
 * one ring's worth has been read. Returns the records drained (0 while the
 * machine boots or nothing is new), or -errno; recorder_error() says why.
 */
int recorder_poll(struct recorder *r);

/* True while the hypervisor is booting or running: DONE, PANIC or BADCFG end it. */
bool recorder_machine_running(const struct recorder *r);
/* True once the rings are attached. */
bool recorder_attached(const struct recorder *r);

/* Totals so far (or the final ones after recorder_close()). */
void recorder_totals(const struct recorder *r, struct recorder_totals *t);

/*
 * Drain what is left, write the trailer and close the trace file. t may be
 * NULL. Returns 0 or the first error met (-errno, recorder_error()).
 */
int recorder_close(struct recorder *r, struct recorder_totals *t);

/* Unmap and free; closes the file first if recorder_close() was not called. */
void recorder_destroy(struct recorder *r);

/*
 * "ring high-water mark at the drains: cpu0 12.0 KiB (0.3%), cpu1 ... of
 * 4096 KiB per CPU" into buf; snprintf's return.
 */
int recorder_hwm_text(const struct recorder_totals *t, char *buf, size_t len);

/* The last error's one-line message, "" when none. */
const char *recorder_error(const struct recorder *r);

/* True when the RAM file has been removed (QEMU's run ended and cleaned up). */
bool recorder_ram_gone(const struct recorder *r);

/* The hypervisor's panic or refusal text into buf; snprintf's return. */
int recorder_hyp_message(const struct recorder *r, char *buf, size_t len);

/*
 * The same loop on memory the caller lays out (tests): ram is the machine's
 * RAM from HYP_RAM_BASE, ram_len bytes, with hypcfg and hypstat in place.
 */
int recorder_open_mem(struct recorder **r, void *ram, size_t ram_len, const char *out_path,
		      const struct recorder_opts *opts, char *err, size_t errlen);

#endif
