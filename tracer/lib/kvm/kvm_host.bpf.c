// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM collector's BPF programs: every guest exit and entry of the host's
 * KVM, with the syndrome KVM saved for the exit, and the events KVM traces
 * while it handles it. Each program copies what the kernel says into one
 * struct kvm_ev (kvm_host.h) in the ring buffer; user space folds them into
 * trace records (kvm_fold.c).
 *
 * Which vCPU a thread runs is learnt where the kernel names it: the
 * kvm_arch_vcpu_ioctl_run() kprobe (KVM_RUN starts) and the handle_exit()
 * kprobe (the first exit of a vCPU that was already running when the
 * collector started). The arm64 kvm_exit and kvm_entry tracepoints carry no
 * vCPU, so they look it up by thread.
 *
 * Each tracepoint has a tp_btf program and a raw_tp twin with the same body;
 * user space loads one set (tp_btf unless the kernel cannot). Memory is only
 * read through CO-RE reads, which work in both.
 */
#include "tracer/lib/kvm/kvm_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tracer/lib/kvm/kvm_host.h"

char LICENSE[] SEC("license") = "GPL";

/* Sized by user space before load (--ring-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Thread id -> the struct kvm_vcpu it is running (inside KVM_RUN). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u64);
} vcpus SEC(".maps");

/* Thread id -> an exit seen before its thread's vCPU was known. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, struct kvm_ev);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KVM_STAT_NR);
	__type(key, u32);
	__type(value, u64);
} stats SEC(".maps");

static __always_inline void stat_inc(u32 which)
{
	u64 *n = bpf_map_lookup_elem(&stats, &which);

	if (n)
		*n += 1; /* per CPU: no other writer */
}

static __always_inline void ev_init(struct kvm_ev *e, u16 type)
{
	u64 id = bpf_get_current_pid_tgid();
	int i;

	e->ts = bpf_ktime_get_ns();
	e->vcpu = 0;
	e->kvm = 0;
	e->vmid = 0;
	e->pid = id >> 32;
	e->tid = (u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->vcpu_id = -1;
	e->type = type;
	e->flags = 0;
	e->reserved = 0;
#pragma unroll
	for (i = 0; i < KVM_EV_ARGS; i++)
		e->a[i] = 0;
}

/* A new event in the ring, or NULL (counted as a drop) when it is full. */
static __always_inline struct kvm_ev *ev_new(u16 type)
{
	struct kvm_ev *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(KVM_STAT_DROPS);
		return NULL;
	}
	ev_init(e, type);
	return e;
}

static __always_inline void ev_submit(struct kvm_ev *e)
{
	stat_inc(KVM_STAT_EVENTS);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void ev_vcpu(struct kvm_ev *e, struct kvm_vcpu *vcpu)
{
	e->vcpu = (u64)vcpu;
	e->kvm = (u64)BPF_CORE_READ(vcpu, kvm);
	e->vcpu_id = BPF_CORE_READ(vcpu, vcpu_id);
	e->vmid = (u64)BPF_CORE_READ(vcpu, arch.hw_mmu, vmid.id.counter);
	e->flags |= KVM_EV_F_VCPU;
}

static __always_inline struct kvm_vcpu *thread_vcpu(void)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *v = bpf_map_lookup_elem(&vcpus, &tid);

	return v ? (struct kvm_vcpu *)*v : NULL;
}

static __always_inline void ev_fault(struct kvm_ev *e, struct kvm_vcpu *vcpu)
{
	e->a[1] = BPF_CORE_READ(vcpu, arch.fault.esr_el2);
	e->a[2] = BPF_CORE_READ(vcpu, arch.fault.far_el2);
	e->a[3] = BPF_CORE_READ(vcpu, arch.fault.hpfar_el2);
	e->a[5] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[0]);
}

/* --------------------------------------------------------------- handlers */

static __always_inline int on_exit(int ret, u32 esr_ec, u64 pc, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e, tmp;
	u32 tid;

	if (!vcpu) {
		/* handle_exit() names the vCPU a moment later and sends it */
		ev_init(&tmp, KVM_EV_EXIT);
		tmp.flags = flags;
		tmp.a[0] = (u64)(s64)ret;
		tmp.a[4] = pc;
		tmp.a[6] = esr_ec;
		tid = tmp.tid;
		bpf_map_update_elem(&pending, &tid, &tmp, BPF_ANY);
		return 0;
	}
	e = ev_new(KVM_EV_EXIT);
	if (!e)
		return 0;
	e->flags = flags;
	ev_vcpu(e, vcpu);
	ev_fault(e, vcpu);
	e->a[0] = (u64)(s64)ret;
	e->a[4] = pc;
	e->a[6] = esr_ec;
	ev_submit(e);
	return 0;
}

static __always_inline int on_entry(u64 pc, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e;

	if (!vcpu) {
		stat_inc(KVM_STAT_NO_VCPU);
		return 0;
	}
	e = ev_new(KVM_EV_ENTRY);
	if (!e)
		return 0;
	e->flags = flags;
	ev_vcpu(e, vcpu);
	e->a[0] = pc;
	/* SMCCC results, read by user space only after an HVC */
	e->a[1] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[0]);
	e->a[2] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[1]);
	e->a[3] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[2]);
	e->a[4] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[3]);
	ev_submit(e);
	return 0;
}

static __always_inline int on_hvc(u64 pc, u64 r0, u64 imm, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e;

	if (!vcpu) {
		stat_inc(KVM_STAT_NO_VCPU);
		return 0;
	}
	e = ev_new(KVM_EV_HVC);
	if (!e)
		return 0;
	e->flags = flags;
	ev_vcpu(e, vcpu);
	e->a[0] = pc;
	e->a[1] = r0;
	e->a[2] = imm;
	e->a[3] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[1]);
	e->a[4] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[2]);
	e->a[5] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[3]);
	e->a[6] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[4]);
	e->a[7] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[5]);
	e->a[8] = BPF_CORE_READ(vcpu, arch.ctxt.regs.regs[6]);
	ev_submit(e);
	return 0;
}

static __always_inline int on_mmio(int type, int len, u64 gpa, const void *val, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e;
	u64 v = 0;

	if (!vcpu) {
		stat_inc(KVM_STAT_NO_VCPU);
		return 0;
	}
	e = ev_new(KVM_EV_MMIO);
	if (!e)
		return 0;
	e->flags = flags;
	ev_vcpu(e, vcpu);
	/* the value lives in an unsigned long of the caller; NULL when unsatisfied */
	if (val)
		bpf_probe_read_kernel(&v, sizeof(v), val);
	e->a[0] = (u64)(s64)type;
	e->a[1] = (u64)(s64)len;
	e->a[2] = gpa;
	e->a[3] = v;
	ev_submit(e);
	return 0;
}

static __always_inline int on_sys_access(u64 pc, struct sys_reg_params *p, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e;

	if (!vcpu) {
		stat_inc(KVM_STAT_NO_VCPU);
		return 0;
	}
	e = ev_new(KVM_EV_SYSREG);
	if (!e)
		return 0;
	e->flags = flags;
	ev_vcpu(e, vcpu);
	e->a[0] = pc;
	e->a[1] = KVM_EV_SYSREG_ENC(BPF_CORE_READ(p, Op0), BPF_CORE_READ(p, Op1),
				    BPF_CORE_READ(p, CRn), BPF_CORE_READ(p, CRm),
				    BPF_CORE_READ(p, Op2));
	e->a[2] = BPF_CORE_READ(p, regval);
	e->a[3] = BPF_CORE_READ(p, is_write);
	ev_submit(e);
	return 0;
}

static __always_inline int on_irq(u16 type, u64 vcpu_id, u32 irq, u64 level, u16 flags)
{
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e = ev_new(type);

	if (!e)
		return 0;
	e->flags = flags;
	/* raised from a vCPU thread the VM is known; from the VMM's other threads only its pid */
	if (vcpu)
		ev_vcpu(e, vcpu);
	e->a[0] = vcpu_id;
	e->a[1] = irq;
	e->a[2] = level;
	ev_submit(e);
	return 0;
}

/* ------------------------------------------------------------------ kprobes */

SEC("kprobe/kvm_arch_vcpu_ioctl_run")
int BPF_KPROBE(run_enter, struct kvm_vcpu *vcpu)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 v = (u64)vcpu;
	struct kvm_ev *e;

	bpf_map_update_elem(&vcpus, &tid, &v, BPF_ANY);
	e = ev_new(KVM_EV_RUN_ENTER);
	if (!e)
		return 0;
	ev_vcpu(e, vcpu);
	ev_submit(e);
	return 0;
}

SEC("kretprobe/kvm_arch_vcpu_ioctl_run")
int BPF_KRETPROBE(run_leave, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct kvm_vcpu *vcpu = thread_vcpu();
	struct kvm_ev *e;

	if (!vcpu)
		return 0;
	e = ev_new(KVM_EV_RUN_LEAVE);
	if (e) {
		ev_vcpu(e, vcpu);
		e->a[0] = BPF_CORE_READ(vcpu, run, exit_reason);
		e->a[1] = (u64)ret;
		ev_submit(e);
	}
	bpf_map_delete_elem(&vcpus, &tid);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* Names the vCPU of a thread that was inside KVM_RUN before the collector started. */
SEC("kprobe/handle_exit")
int BPF_KPROBE(exit_handler, struct kvm_vcpu *vcpu)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 v = (u64)vcpu;
	struct kvm_ev *p, *e;

	if (bpf_map_lookup_elem(&vcpus, &tid))
		return 0;
	bpf_map_update_elem(&vcpus, &tid, &v, BPF_ANY);
	p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		__builtin_memcpy(e, p, sizeof(*e));
		ev_vcpu(e, vcpu);
		ev_fault(e, vcpu);
		ev_submit(e);
	} else {
		stat_inc(KVM_STAT_DROPS);
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* ------------------------------------------------------------- tracepoints */

#define KVM_TP(name, proto, body)                \
	SEC("tp_btf/" #name)                              \
	int BPF_PROG(tp_##name, proto)                    \
	{                                                 \
		const u16 flags = 0;                      \
		body;                                     \
	}                                                 \
	SEC("raw_tp/" #name)                              \
	int BPF_PROG(raw_##name, proto)                   \
	{                                                 \
		const u16 flags = KVM_EV_F_RAWTP;         \
		body;                                     \
	}

#define ARGS(...) __VA_ARGS__

KVM_TP(kvm_exit, ARGS(int ret, unsigned int esr_ec, unsigned long pc),
       return on_exit(ret, esr_ec, pc, flags))
KVM_TP(kvm_entry, ARGS(unsigned long pc), return on_entry(pc, flags))
KVM_TP(kvm_hvc_arm64, ARGS(unsigned long pc, unsigned long r0, unsigned long imm),
       return on_hvc(pc, r0, imm, flags))
KVM_TP(kvm_mmio, ARGS(int type, int len, u64 gpa, void *val),
       return on_mmio(type, len, gpa, val, flags))
KVM_TP(kvm_sys_access,
       ARGS(unsigned long pc, struct sys_reg_params *params, const void *desc),
       return on_sys_access(pc, params, flags))
KVM_TP(vgic_update_irq_pending,
       ARGS(unsigned long vcpu_id, u32 irq, bool level),
       return on_irq(KVM_EV_VGIC_IRQ, vcpu_id, irq, level, flags))
KVM_TP(kvm_timer_update_irq, ARGS(unsigned long vcpu_id, u32 irq, int level),
       return on_irq(KVM_EV_TIMER_IRQ, vcpu_id, irq, (u64)(s64)level, flags))
