/*
 * VMs and vCPUs: the state the world switch saves and restores, and what the
 * exit handlers work on.
 *
 * The layout of struct gp_regs is used by the vectors; its offsets reach the
 * assembly through the generated asm-offsets.h, never by hand.
 */
#ifndef HYP_VM_H
#define HYP_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "hyp/include/compiler.h"
#include "hyp/include/gdb_state.h"
#include "hyp/include/mmio.h"
#include "hyp/include/nested.h"
#include "hyp/include/nested_s2.h"
#include "hyp/include/sdei.h"
#include "hyp/include/spinlock.h"
#include "hyp/include/vpmu.h"
#include "hyp/dev/pl011.h"
#include "hyp/include/timer.h"
#include "hyp/vgic/vgic.h"
#include "hyp/vgic/vits.h"

/* General registers, saved on every exit by the vectors. */
struct gp_regs {
	uint64_t x[31];
	uint64_t pc;     /* ELR_EL2 */
	uint64_t pstate; /* SPSR_EL2 */
};

/*
 * EL1 state a guest can change and that the hardware holds while the vCPU is
 * loaded: saved by arch_vcpu_put(), restored by arch_vcpu_load(), read and
 * written through vcpu_el1_read()/vcpu_el1_write() (hyp/arch/aarch64/vcpu.c
 * expands this one list into each, straight-line). X(index, register):
 * restored in this order, so the timer's compare value goes in before the
 * control that may enable it.
 */
#define EL1_REGS(X) EL1_REGS_A(X) EL1_REGS_B(X)
/* Two halves, each few enough to be in flight in the caller-saved registers
 * at once (vcpu.c switches one half, then the other): no spills. */
#define EL1_REGS_A(X)                                                   \
	X(SCTLR_EL1, sctlr_el1)                                          \
	X(CPACR_EL1, cpacr_el1)                                          \
	X(TTBR0_EL1, ttbr0_el1)                                          \
	X(TTBR1_EL1, ttbr1_el1)                                          \
	X(TCR_EL1, tcr_el1)                                              \
	X(MAIR_EL1, mair_el1)                                            \
	X(AMAIR_EL1, amair_el1)                                          \
	X(VBAR_EL1, vbar_el1)                                            \
	X(ESR_EL1, esr_el1)                                              \
	X(FAR_EL1, far_el1)                                              \
	X(AFSR0_EL1, afsr0_el1)                                          \
	X(AFSR1_EL1, afsr1_el1)
#define EL1_REGS_B(X)                                                   \
	X(PAR_EL1, par_el1)                                              \
	X(CONTEXTIDR_EL1, contextidr_el1)                                \
	X(TPIDR_EL0, tpidr_el0)                                          \
	X(TPIDRRO_EL0, tpidrro_el0)                                      \
	X(TPIDR_EL1, tpidr_el1)                                          \
	X(CNTKCTL_EL1, cntkctl_el1)                                      \
	X(CSSELR_EL1, csselr_el1)                                        \
	X(SP_EL0, sp_el0)                                                \
	X(SP_EL1, sp_el1)                                                \
	X(ELR_EL1, elr_el1)                                              \
	X(SPSR_EL1, spsr_el1)                                            \
	X(CNTV_CVAL_EL0, cntv_cval_el0)                                  \
	X(CNTV_CTL_EL0, cntv_ctl_el0)

#define EL1_REG_ENUM(reg, name) reg,
enum el1_reg { EL1_REGS(EL1_REG_ENUM) NR_EL1_REGS };
#undef EL1_REG_ENUM

struct fpsimd_state {
	__uint128_t v[32];
	uint64_t fpsr;
	uint64_t fpcr;
} __aligned(16);

/* Pointer-authentication keys, switched once the vCPU used them (FEAT_PAuth). */
enum pauth_key { APIAKEYLO, APIAKEYHI, APIBKEYLO, APIBKEYHI, APDAKEYLO, APDAKEYHI,
		 APDBKEYLO, APDBKEYHI, APGAKEYLO, APGAKEYHI, NR_PAUTH_KEYS };

/* MTE registers, switched when guests get MTE (--mte). */
enum mte_reg { MTE_GCR, MTE_RGSR, MTE_TFSR, MTE_TFSRE0, NR_MTE_REGS };

#define VDEBUG_MAX_BP 16

/*
 * The guest's own debug registers (hyp/include/guest_debug.h). Until the
 * vCPU first touches one they trap (MDCR_EL2.TDA) and live here; once
 * loaded they are in the hardware while the vCPU runs (in_hw) and here
 * while it is off its CPU, the OS-locked or debugger-attached times aside,
 * when they are emulated here. The OS lock registers always trap.
 */
struct vdebug {
	uint64_t mdscr;
	uint64_t oslk;     /* OS lock, OSLAR_EL1.OSLK */
	uint64_t osdlr;
	uint64_t dbgprcr;
	uint64_t mdccint;
	uint64_t claim;
	uint64_t bvr[VDEBUG_MAX_BP], bcr[VDEBUG_MAX_BP];
	uint64_t wvr[VDEBUG_MAX_BP], wcr[VDEBUG_MAX_BP];
	bool loaded;       /* touched: switched with the vCPU from now on */
	bool in_hw;        /* the values above are in the hardware registers now */
	bool skip;         /* debugged: step one instruction with no breakpoints (a spurious hit) */
	bool hw_step;      /* this debugged entry runs one instruction (MDSCR_EL1.SS) */
	bool eret_ss;      /* debugged: stepping the guest's ERET that re-arms its own step */
};

/* PSCI view of a vCPU (AFFINITY_INFO). */
enum vcpu_power {
	VCPU_POWER_OFF = 0,
	VCPU_POWER_ON = 1,
};

/* Scheduler view of a vCPU, protected by its run queue's lock. */
enum vcpu_run_state {
	VCPU_STOPPED = 0,  /* powered off, or its VM is going away */
	VCPU_RUNNABLE = 1, /* waiting for or holding its physical CPU */
	VCPU_BLOCKED = 2,  /* WFI: until wake_at or a wake-up */
};

/* What the last exit left for the handlers. */
struct vcpu_fault {
	uint64_t esr;   /* ESR_EL2 */
	uint64_t far;   /* FAR_EL2 */
	uint64_t hpfar; /* HPFAR_EL2 */
};

#define GUEST_MEM_MAX (4ull << 30)

struct vm;
struct ring;

struct vcpu {
	struct gp_regs regs;
	uint64_t el1[NR_EL1_REGS];
	struct fpsimd_state fp;
	uint64_t pauth[NR_PAUTH_KEYS];
	uint64_t mte[NR_MTE_REGS];
	struct vdebug dbg;
	struct vcpu_timers timer; /* the emulated physical timer, both PPI lines (timer.h) */
	struct vpmu pmu;  /* its PMUv3 (hyp/core/vpmu.c) */
	struct vcpu_fault fault;
	uint64_t vmpidr;  /* VMPIDR_EL2: what the guest reads as MPIDR_EL1 */
	uint64_t hcr;     /* HCR_EL2 while this vCPU runs (VSE for an injected SError,
			   * API/APK once its PAuth keys are loaded) */
	uint64_t cptr;    /* CPTR_EL2 while it runs (hyp/arch/aarch64/vcpu.c, lazy FP/SIMD) */
	bool el1_loaded;  /* el1[] lives in the hardware registers right now */
	bool injected;    /* the exit being handled injected an exception */
	bool fast_exit;   /* its exits may take the fast path (handle_exit_fast), set per entry */
	/* A switch may have more to move than the EL1 registers and the vGIC
	 * (a guest hypervisor's registers, PAuth keys, MTE, the guest's debug
	 * registers, its PMU): the load and the put test this one byte. Set
	 * where any of those starts (creation, the first PAuth trap, the
	 * first debug register access, a PMU register access that leaves a
	 * counter live), worked out again at each put that found it set. */
	bool switch_extra;
	uint64_t test_pad; /* TEST ONLY: HYPCFG_F_TEST_HVC_PAD's count when on, else 0, set at creation */
	uint64_t entered_at; /* counter at its last entry into the guest (guest_ticks) */

	struct vm *vm;
	unsigned id;      /* vCPU index in its VM; MPIDR Aff0 */
	unsigned pcpu;    /* physical CPU it is pinned to */

	enum vcpu_power power;
	bool reset_pending; /* CPU_ON: applied when it is next taken onto a CPU */
	uint64_t reset_entry, reset_context;
	enum vcpu_run_state run;
	uint64_t wake_at; /* BLOCKED: counter value to wake at, 0 = no deadline */
	uint64_t blocked_at; /* counter when it blocked in WFI, 0 = not blocked */
	uint8_t wake_reason; /* enum trace_sched_reason: what ended its last block */
	bool in_guest;    /* on a physical CPU between load and put */
	uint8_t rq_slot;  /* its slot in its run queue's vcpus[] (rq_attach()) */

	struct vgic_cpu vgic;
	struct vcpu_gdb gdb; /* the debugger's hold on it (hyp/include/gdb.h) */

	struct sdei_vcpu sdei;
	struct nested_vcpu nv; /* el2=on: its guest hypervisor's state (hyp/include/nested.h) */
	struct hypstat_vcpu *stat;
	/* Tracing: its CPU's ring (vCPUs never migrate; NULL when tracing is
	 * off) and the parts of every record header that only change with the
	 * VMID, precomputed on this vCPU's own CPU. */
	struct ring *trace_ring;
	uint64_t trace_word0;     /* cpu << 32 | vmid << 48 (formats/trace.h TRACE_WORD0) */
	uint64_t trace_vmid_gen;
	uint64_t trace_ident;     /* TRACE_IDENT(vm, vcpu) */
	uint64_t trace_vmid;      /* the packed VMID the two above describe */
	uint64_t vttbr;           /* VTTBR_EL2 for it: the VM's stage 2 and the VMID number */
	uint64_t *vmid_active;    /* its CPU's active VMID (vmids.active[pcpu]), for
				   * the load's fast path and the entry's rollover test */
};

enum vm_state {
	VM_FREE = 0,
	VM_RUNNING = 1,
	VM_STOPPING = 2, /* ending: vCPUs leave their CPUs, then it is torn down */
};

struct s2_pgtable {
	uint64_t root_pa;   /* VTTBR_EL2.BADDR */
	unsigned start_level;
};

struct vm {
	spinlock_t lock;        /* power state of the vCPUs, ending; first: survives re-creation */
	unsigned slot;          /* index in the configuration */
	uint64_t serial;        /* unique over the run */
	const struct hypcfg_vm *cfg;
	enum vm_state state;
	unsigned nr_vcpus;
	unsigned vcpus_on_cpu;  /* vCPUs currently between load and put; near the lock:
				 * the claim's and unclaim's offsets fit their loads */
	/* Before vcpus[], where a vCPU's load reaches them with one load each: */
	uint64_t vmid;          /* VMID and generation, formats/vmid.h packing; 0 = none */
	uint64_t cntvoff;       /* CNTVOFF_EL2 of its vCPUs, fixed at creation */
	struct vcpu vcpus[HYPCFG_MAX_VCPUS];

	uint64_t ram_pa;        /* backing of [GUEST_RAM_IPA, + ram_size) */
	uint64_t ram_size;
	uint64_t dtb_ipa;
	struct s2_pgtable s2;
	uint64_t stat_vmid;     /* the VMID last written to the status block */

	struct mmio_bus bus;
	struct pl011 uart;
	struct vgic_vm vgic;
	struct vits its;        /* GICv3 ITS at GUEST_ITS_IPA */
	struct vm_gdb_hw gdb_hw; /* the debugger's hardware breakpoints and watchpoints */

	struct sdei_vm sdei;
	/* el2=on: the shadow stage 2 of its guest hypervisor's guest; its pool
	 * is a chunk (ns2_pool, 0: none) (hyp/include/nested_s2.h) */
	struct nested_s2 ns2;
	uint64_t ns2_pool;

	/* Ending: the state recorded in the status block when the VM is gone. */
	uint32_t end_state;     /* enum hypstat_vm_state */
	uint32_t exit_status;

	struct hypstat_vm *stat;
};

static inline bool vcpu_is_boot(const struct vcpu *v)
{
	return v->id == 0;
}

/* The vCPU runs a guest hypervisor at virtual EL2 (el2=on): one test per exit. */
static inline bool vcpu_nested(const struct vcpu *v)
{
	return v->nv.vncr != NULL;
}

/* Guest general register n, where 31 reads as zero (XZR) and writes are dropped. */
static inline uint64_t vcpu_get_reg(const struct vcpu *v, unsigned n)
{
	return n < 31 ? v->regs.x[n] : 0;
}

static inline void vcpu_set_reg(struct vcpu *v, unsigned n, uint64_t val)
{
	if (n < 31)
		v->regs.x[n] = val;
}

/* Past an emulated instruction: a software step the guest runs completes
 * with it (PSTATE.SS cleared: the step exception is taken next). */
static inline void vcpu_skip_insn(struct vcpu *v)
{
	v->regs.pc += 4;
	v->regs.pstate &= ~(1ull << 21);
}

/* ---------------------------------------------------------------- lifecycle */

extern struct vm vms[HYPCFG_MAX_VMS];

/* Creates the next instance of the VM in a configuration slot. 0 or -errno. */
int vm_create(unsigned slot);
/* Boot: the slot's RAM of @size bytes at @pa, loaded in place by the host
 * (hypcfg_vm.ram_pa, checked), is taken from the pool for its first instance. */
void vm_reserve_in_place(unsigned slot, uint64_t pa, uint64_t size);
/* The VM ends (SYSTEM_OFF, SYSTEM_RESET, the exit hypercall): its vCPUs
 * leave their CPUs and the last one out tears it down. */
void vm_end(struct vm *vm, uint32_t end_state, uint32_t exit_status);
/* PSCI CPU_OFF of the calling vCPU; the VM ends when none is left on. */
void vcpu_power_off(struct vcpu *v);
/* PSCI CPU_ON: PSCI_RET_SUCCESS, PSCI_RET_ALREADY_ON or PSCI_RET_ON_PENDING. */
int vcpu_power_on(struct vcpu *v, uint64_t entry, uint64_t context);
struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);
/* Whether [ipa, ipa + size) is guest RAM. */
bool vm_ipa_is_ram(const struct vm *vm, uint64_t ipa, uint64_t size);

/* Starts the slot's next instance (creation failures are recorded and skipped);
 * a slot with nothing left to run is finished, and the last one stops the machine. */
void vm_start_slot(unsigned slot);

/* The run loop takes a picked vCPU onto its CPU and gives it back. */
bool vcpu_claim(struct vcpu *v, unsigned cpu);
void vcpu_unclaim(struct vcpu *v);
/* A CPU_ON reset not applied yet is applied now (under vm->lock): the
 * debugger sees a held vCPU's first instruction. */
void vcpu_apply_pending_reset(struct vcpu *v);

#endif
