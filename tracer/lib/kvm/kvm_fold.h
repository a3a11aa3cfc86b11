/*
 * Folding the KVM collector's events (kvm_host.h) into trace records
 * (formats/trace.h), so a KVM host's recording reads like the hypervisor's.
 *
 * An exit's record is written once its outcome is known: at the vCPU's next
 * entry (handled in the kernel) or when KVM_RUN returns to the VMM (handed to
 * user space). The emulation records of that exit (MMIO, SMCCC) come just
 * before it, as the hypervisor writes them. A VM is a struct kvm and the
 * VMM's pid; VMs are numbered in the order they are first seen and each gets
 * a TRACE_VM_CREATE record. Timestamps are CLOCK_MONOTONIC nanoseconds (the
 * file's counter frequency is 1 GHz).
 *
 * What KVM does not tell is not invented: exits carry TRACE_EXIT_NO_COST
 * (no cycle count), asynchronous exits TRACE_EXIT_NO_ESR, and fields with no
 * source (entry's pending_irqs and lrs_used, a VM's memory size) are 0 and
 * documented as unknown in docs/kvm-host.md.
 *
 * Host only, no libbpf: unit-tested with hand-made events.
 */
#ifndef TRACER_KVM_KVM_FOLD_H
#define TRACER_KVM_KVM_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "formats/trace.h"
#include "tracer/lib/kvm/kvm_host.h"

#define KVM_FOLD_MAX_CPUS  256u
#define KVM_FOLD_MAX_VMS   1024u
#define KVM_FOLD_MAX_VCPUS 4096u

/* Writes one record (hdr.cpu, hdr.seq filled); non-zero stops the fold with that value. */
typedef int (*kvm_fold_emit_fn)(void *ctx, unsigned cpu, const struct trace_hdr *rec,
				uint32_t size);
/* Names a new VM (its VMM's pid) into buf; may be NULL ("pid N"). */
typedef void (*kvm_fold_name_fn)(void *ctx, uint32_t pid, char *buf, size_t len);

struct kvm_fold_stats {
	uint64_t events;
	uint64_t records;
	uint64_t no_vcpu;     /* events without a known vCPU, not folded */
	uint64_t unpaired;    /* exits replaced before their entry or return (lost events) */
	uint64_t too_many;    /* events of VMs or vCPUs past the tables' sizes */
	uint64_t bad_cpu;     /* events naming a CPU >= nr_cpus */
	uint32_t vms;
	uint32_t vcpus;
	uint32_t vmid_bits;   /* 8 or 16 as inferred from the VMID counters, 0 not yet */
};

struct kvm_fold;

struct kvm_fold *kvm_fold_new(unsigned nr_cpus, kvm_fold_emit_fn emit, kvm_fold_name_fn name,
			      void *ctx);
void kvm_fold_free(struct kvm_fold *f); /* NULL ok */

/* Fold one event. 0, or the emit callback's non-zero value. */
int kvm_fold_event(struct kvm_fold *f, const struct kvm_ev *e);

/* Write what is still pending (exits whose outcome never came). */
int kvm_fold_flush(struct kvm_fold *f);

void kvm_fold_stats(const struct kvm_fold *f, struct kvm_fold_stats *st);

#endif
