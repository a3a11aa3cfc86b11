/*
 * The KVM collector's events: what the BPF programs (kvm_host.bpf.c) put in
 * the ring buffer and user space (kvm_fold.c) turns into trace records.
 *
 * One flat, fixed-width struct for every event, shared unchanged by both
 * sides (libbpf-tools style): no pointers, only their values as identities.
 * The BPF side captures what the kernel says at each point; the folding
 * into the project's records (which needs state across events: an exit's
 * outcome is known only at the next entry or return to user space) is done
 * in user space, where it is unit-tested.
 */
#ifndef TRACER_KVM_KVM_HOST_H
#define TRACER_KVM_KVM_HOST_H

#ifndef __bpf__
#include <stdint.h>
typedef uint64_t kvm_u64;
typedef uint32_t kvm_u32;
typedef int32_t kvm_s32;
typedef uint16_t kvm_u16;
#else
typedef u64 kvm_u64;
typedef u32 kvm_u32;
typedef s32 kvm_s32;
typedef u16 kvm_u16;
#endif

enum kvm_ev_type {
	KVM_EV_RUN_ENTER = 1, /* KVM_RUN starts (kprobe kvm_arch_vcpu_ioctl_run) */
	KVM_EV_RUN_LEAVE = 2, /* KVM_RUN returns to the VMM: a[0] exit_reason, a[1] return value */
	KVM_EV_EXIT      = 3, /* kvm_exit: a[0] ret, a[1] ESR_EL2, a[2] FAR_EL2, a[3] HPFAR_EL2,
			       * a[4] guest PC, a[5] x0, a[6] ESR_EL2.EC as the tracepoint read it */
	KVM_EV_ENTRY     = 4, /* kvm_entry: a[0] guest PC, a[1..4] x0..x3 */
	KVM_EV_HVC       = 5, /* kvm_hvc_arm64: a[0] PC, a[1] x0 (function id), a[2] imm,
			       * a[3..8] x1..x6 */
	KVM_EV_MMIO      = 6, /* kvm_mmio: a[0] type (KVM_TRACE_MMIO_*), a[1] len, a[2] IPA,
			       * a[3] value */
	KVM_EV_SYSREG    = 7, /* kvm_sys_access: a[0] PC, a[1] Op0..Op2 (KVM_EV_SYSREG_ENC),
			       * a[2] value, a[3] is_write */
	KVM_EV_VGIC_IRQ  = 8, /* vgic_update_irq_pending: a[0] vCPU id, a[1] INTID, a[2] level */
	KVM_EV_TIMER_IRQ = 9, /* kvm_timer_update_irq: a[0] vCPU id, a[1] INTID, a[2] level */
};

/* include/trace/events/kvm.h */
#define KVM_TRACE_MMIO_READ_UNSATISFIED 0
#define KVM_TRACE_MMIO_READ             1
#define KVM_TRACE_MMIO_WRITE            2

/* kvm_ev.flags */
#define KVM_EV_F_VCPU  0x1u /* vcpu, kvm, vcpu_id and vmid were read from the vCPU */
#define KVM_EV_F_RAWTP 0x2u /* written by the raw_tp variant of the program */

/* Op0, Op1, CRn, CRm, Op2 packed as in ESR_EL2.ISS of EC 0x18 (formats/esr.h). */
#define KVM_EV_SYSREG_ENC(op0, op1, crn, crm, op2)                                        \
	((kvm_u64)(op0) << 20 | (kvm_u64)(op2) << 17 | (kvm_u64)(op1) << 14 |              \
	 (kvm_u64)(crn) << 10 | (kvm_u64)(crm) << 1)

#define KVM_EV_ARGS 9

struct kvm_ev {
	kvm_u64 ts;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	kvm_u64 vcpu;    /* struct kvm_vcpu address: the vCPU's identity, 0 unknown */
	kvm_u64 kvm;     /* struct kvm address: the VM instance, 0 unknown */
	kvm_u64 vmid;    /* vcpu->arch.hw_mmu->vmid.id: generation << bits | VMID */
	kvm_u32 pid;     /* thread group (the VMM process) */
	kvm_u32 tid;     /* thread */
	kvm_u32 cpu;     /* CPU the event happened on */
	kvm_s32 vcpu_id; /* vcpu->vcpu_id, -1 unknown */
	kvm_u16 type;    /* enum kvm_ev_type */
	kvm_u16 flags;   /* KVM_EV_F_* */
	kvm_u32 reserved;
	kvm_u64 a[KVM_EV_ARGS];
};

_Static_assert(sizeof(struct kvm_ev) == 128, "kvm_ev layout");

/* The collector's counters (map "stats", one per CPU). */
enum kvm_stat {
	KVM_STAT_EVENTS  = 0, /* events written */
	KVM_STAT_DROPS   = 1, /* events lost: the ring buffer was full */
	KVM_STAT_NO_VCPU = 2, /* events whose vCPU was not yet known */
	KVM_STAT_NR      = 3,
};

#endif
