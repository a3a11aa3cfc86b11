/*
 * The KVM host collector: loads the BPF programs of kvm_host.bpf.c, drains
 * their ring buffer, folds the events into trace records (kvm_fold.h) and
 * hands them to a trace file writer and/or a sink (the live view).
 *
 *	kvm_collector_open(&c, &opts, &err);   // checks, load, attach
 *	while (...)
 *		kvm_collector_poll(c, 100);    // waits up to 100 ms for events
 *	kvm_collector_close(c, &totals);       // last drain, trailer
 *	kvm_collector_destroy(c);
 *
 * Host only; needs root or CAP_BPF and CAP_PERFMON, an arm64 kernel with KVM
 * and BTF. Every refusal is one line in err saying what is missing.
 */
#ifndef TRACER_KVM_KVM_COLLECT_H
#define TRACER_KVM_KVM_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/trace.h"
#include "tracer/lib/util.h"

#define KVM_RING_DEFAULT (4u << 20)

struct kvm_collector_opts {
	const char *out_path;  /* trace file, NULL: sink only */
	size_t ring_size;      /* bytes, a power of 2 >= the page size; 0: KVM_RING_DEFAULT */
	bool verbose;          /* libbpf's messages and the attach points on stderr */
	/* Every record folded, before it is written (may be NULL). */
	int (*sink)(void *ctx, const struct trace_hdr *rec, uint32_t size);
	void *sink_ctx;
};

struct kvm_collector_totals {
	uint32_t nr_cpus;
	uint64_t events;   /* BPF events read */
	uint64_t records;  /* trace records written */
	uint64_t lost;     /* events the full ring buffer dropped */
	uint64_t bytes;    /* trace file size after close */
	uint32_t vms, vcpus;
};

struct kvm_collector;

int kvm_collector_open(struct kvm_collector **cp, const struct kvm_collector_opts *opts,
		       struct hs_err *err);

/* Wait up to timeout_ms for events and fold them. Returns events read or -errno. */
int kvm_collector_poll(struct kvm_collector *c, int timeout_ms);

void kvm_collector_totals(const struct kvm_collector *c, struct kvm_collector_totals *t);
/* Events CPU cpu dropped so far (the ring buffer was full). */
uint64_t kvm_collector_cpu_lost(const struct kvm_collector *c, unsigned cpu);

/* "tp_btf: kvm_exit kvm_entry ...; kprobe: ...": what was attached. */
const char *kvm_collector_attached(const struct kvm_collector *c);
/* The trace file's description: host, kernel release, KVM mode. */
const char *kvm_collector_description(const struct kvm_collector *c);

/* Detach, drain what is left, close the file. 0 or -errno with err set. */
int kvm_collector_close(struct kvm_collector *c, struct kvm_collector_totals *t,
			struct hs_err *err);
void kvm_collector_destroy(struct kvm_collector *c); /* NULL ok */

/* The KVM mode of the running kernel: "VHE", "nVHE", "protected" or "unknown". */
const char *kvm_host_mode(void);

/* `hypscope record --kvm ...`: argv from the first argument after the options. */
struct kvm_record_args {
	const char *output;
	double duration;
	size_t ring_size;
	bool quiet, verbose;
	char **command; /* NULL-terminated, NULL: none */
};
int kvm_record(const struct kvm_record_args *a);

#endif
