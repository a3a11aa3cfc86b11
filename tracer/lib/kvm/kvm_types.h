/*
 * The few kernel types the KVM collector's BPF programs read, declared here
 * so the objects build without any kernel's BTF.
 *
 * Every struct carries preserve_access_index: clang records each field
 * access as a CO-RE relocation and libbpf fixes the offsets against the
 * running kernel's BTF at load time, so only the field names and their
 * nesting must match (Linux 6.1 arch/arm64/include/asm/kvm_host.h and
 * include/linux/kvm_host.h). Fields that are not read are left out.
 *
 * BPF side only (clang -target bpf).
 */
#ifndef TRACER_KVM_KVM_TYPES_H
#define TRACER_KVM_KVM_TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed int s32;
typedef signed long long s64;

/* The BPF helper headers need these names. */
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s32 __s32;
typedef s64 __s64;
typedef u16 __be16;
typedef u32 __be32;
typedef u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_ANY = 0,
};

/* The kprobe context on arm64 (uapi asm/ptrace.h): a fixed layout, no CO-RE. */
struct user_pt_regs {
	u64 regs[31];
	u64 sp;
	u64 pc;
	u64 pstate;
};

#define __kernel_ctype __attribute__((preserve_access_index))

struct kvm_vmid {
	struct {
		s64 counter;
	} id; /* atomic64_t: generation << vmid_bits | VMID */
} __kernel_ctype;

struct kvm_s2_mmu {
	struct kvm_vmid vmid;
} __kernel_ctype;

struct kvm_vcpu_fault_info {
	u64 esr_el2;
	u64 far_el2;
	u64 hpfar_el2;
} __kernel_ctype;

struct kvm_cpu_context {
	struct user_pt_regs regs;
} __kernel_ctype;

struct kvm_vcpu_arch {
	struct kvm_cpu_context ctxt;
	struct kvm_s2_mmu *hw_mmu;
	struct kvm_vcpu_fault_info fault;
} __kernel_ctype;

struct kvm_run {
	u32 exit_reason;
} __kernel_ctype;

struct kvm;

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_id;
	struct kvm_run *run;
	struct kvm_vcpu_arch arch;
} __kernel_ctype;

/* arch/arm64/kvm/sys_regs.h: the trapped access as the handler sees it. */
struct sys_reg_params {
	u8 Op0;
	u8 Op1;
	u8 CRn;
	u8 CRm;
	u8 Op2;
	u64 regval;
	bool is_write;
} __kernel_ctype;

#endif
