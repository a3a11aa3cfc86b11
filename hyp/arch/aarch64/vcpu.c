/*
 * Switching a vCPU's state in and out of the hardware: the EL1 system
 * registers (the virtual timer's among them; its offset and PPI are
 * hyp/core/timer.c's), pointer-authentication keys (straight-line lists, no
 * loops over encodings), the guest's own debug registers once it touched
 * them (debug.c), then the entry itself.
 */
#include <stdint.h>

#include "formats/esr.h"
#include "formats/vmid.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/arch/aarch64/include/vgic_hw.h"
#include "hyp/include/arch.h"
#include "hyp/include/exit_fast.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/nested_s2.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"
#include "hyp/include/trace.h"
#include "hyp/include/vmid.h"
#include "hyp/include/vpmu.h"

/*
 * The EL1 registers of vm.h's EL1_REGS list, expanded straight-line, a half
 * at a time: every register of the half read before its first store, so
 * that the compiler pairs the stores (STP), and a half fits in the
 * caller-saved registers (no callee-saved ones spilled and reloaded around
 * it); the restore is written the same way, its loads paired (LDP).
 */
static inline __attribute__((always_inline)) void el1_save(uint64_t *r)
{
#define READ(reg, name) uint64_t t_##reg = read_sysreg(name);
#define STORE(reg, name) r[reg] = t_##reg;
	{
		EL1_REGS_A(READ)
		EL1_REGS_A(STORE)
	}
	{
		EL1_REGS_B(READ)
		EL1_REGS_B(STORE)
	}
#undef STORE
#undef READ
}

/*
 * TCR_EL1 only when it changes: QEMU's TCG flushes the vCPU's whole EL1&0
 * TLB at every TCR_EL1 write (TCR_EL1.A1 may move the ASID), and a vCPU
 * loaded again on its CPU after a WFI writes back the value that is there
 * (835 times in a Linux boot), making the guest refill its TLB through two
 * stages each time. Writing an unchanged value does nothing architecturally;
 * the others' writes are cheap in QEMU (SCTLR_EL1 and the TTBRs flush only
 * on a change, of the value or of the ASID) and stay unconditional.
 */
static void el1_restore(const uint64_t *r)
{
#define LOAD(reg, name) uint64_t t_##reg = r[reg];
/* Each value in a register before the first write (empty asm statements
 * stay in order with the writes'): the loads are adjacent, and paired. */
#define LOADED(reg, name) __asm__ volatile("" : "+r"(t_##reg));
#define WRITE(reg, name)                                        \
	if (reg != TCR_EL1 || read_sysreg(name) != t_##reg)     \
		write_sysreg(t_##reg, name);
	{
		EL1_REGS_A(LOAD)
		EL1_REGS_A(LOADED)
		EL1_REGS_A(WRITE)
	}
	{
		EL1_REGS_B(LOAD)
		EL1_REGS_B(LOADED)
		EL1_REGS_B(WRITE)
	}
#undef WRITE
#undef LOADED
#undef LOAD
}

/*
 * The keys as the EL1 registers above: all read before the first store.
 * Switched lazily, as KVM does: a vCPU's HCR_EL2.API and APK stay clear,
 * so that its first PAuth instruction (EC 0x09) or key register access
 * (EC 0x18) traps (arch_vcpu_pauth_trap()); from then its keys are its
 * own in the hardware while it runs, and switched with it. A vCPU that
 * never used them costs nothing at a switch, and cannot read the keys of
 * whichever vCPU ran before it: they trap.
 */
#define PAUTH_KEYS(X)                                           \
	X(APIAKEYLO, SYS_APIAKEYLO_EL1) X(APIAKEYHI, SYS_APIAKEYHI_EL1) \
	X(APIBKEYLO, SYS_APIBKEYLO_EL1) X(APIBKEYHI, SYS_APIBKEYHI_EL1) \
	X(APDAKEYLO, SYS_APDAKEYLO_EL1) X(APDAKEYHI, SYS_APDAKEYHI_EL1) \
	X(APDBKEYLO, SYS_APDBKEYLO_EL1) X(APDBKEYHI, SYS_APDBKEYHI_EL1) \
	X(APGAKEYLO, SYS_APGAKEYLO_EL1) X(APGAKEYHI, SYS_APGAKEYHI_EL1)

static void pauth_save(uint64_t *k)
{
#define READ(key, name) uint64_t t_##key = read_sysreg(name);
#define STORE(key, name) k[key] = t_##key;
	PAUTH_KEYS(READ)
	PAUTH_KEYS(STORE)
#undef STORE
#undef READ
}

static void pauth_restore(const uint64_t *k)
{
#define LOAD(key, name) uint64_t t_##key = k[key];
#define LOADED(key, name) __asm__ volatile("" : "+r"(t_##key));
#define WRITE(key, name) write_sysreg(t_##key, name);
	PAUTH_KEYS(LOAD)
	PAUTH_KEYS(LOADED)
	PAUTH_KEYS(WRITE)
#undef WRITE
#undef LOADED
#undef LOAD
}

/*
 * MTE (--mte). TFSR_EL1 and TFSRE0_EL1 may still be set by an asynchronous
 * tag-check fault of an access in flight: every exit's __serror_window has
 * waited for the guest's accesses (DSB SY) and synchronised (ISB) before
 * this runs, so the saved values hold the guest's faults.
 */
static void mte_save(uint64_t *m)
{
	m[MTE_GCR] = read_sysreg(SYS_GCR_EL1);
	m[MTE_RGSR] = read_sysreg(SYS_RGSR_EL1);
	m[MTE_TFSR] = read_sysreg(SYS_TFSR_EL1);
	m[MTE_TFSRE0] = read_sysreg(SYS_TFSRE0_EL1);
}

static void mte_restore(const uint64_t *m)
{
	write_sysreg(m[MTE_GCR], SYS_GCR_EL1);
	write_sysreg(m[MTE_RGSR], SYS_RGSR_EL1);
	write_sysreg(m[MTE_TFSR], SYS_TFSR_EL1);
	write_sysreg(m[MTE_TFSRE0], SYS_TFSRE0_EL1);
}

uint64_t vcpu_el1_read(const struct vcpu *v, enum el1_reg r)
{
	if (!v->el1_loaded)
		return v->el1[r];
	switch (r) {
#define READ(reg, name) case reg: return read_sysreg(name);
	EL1_REGS(READ)
#undef READ
	case NR_EL1_REGS: break;
	}
	return 0;
}

void vcpu_el1_write(struct vcpu *v, enum el1_reg r, uint64_t val)
{
	if (!v->el1_loaded) {
		v->el1[r] = val;
		return;
	}
	switch (r) {
#define WRITE(reg, name) case reg: write_sysreg(val, name); break;
	EL1_REGS(WRITE)
#undef WRITE
	case NR_EL1_REGS: break;
	}
}

static bool pauth_live(const struct vcpu *v)
{
	return v->hcr & HCR_API;
}

bool arch_vcpu_pauth_trap(struct vcpu *v)
{
	if (!cpu.pauth || pauth_live(v))
		return false; /* no keys to give, or not a trap for them: UNDEF */
	/* The vCPU is loaded: its keys into the hardware now, untrapped from
	 * the next entry (arch_vcpu_enter), whose ERET synchronizes both. */
	pauth_restore(v->pauth);
	v->hcr |= HCR_API | HCR_APK;
	v->switch_extra = true; /* its keys are switched with it from now on */
	return true;
}

void arch_vcpu_pend_serror(struct vcpu *v)
{
	/* Written to HCR_EL2 at the next entry (arch_vcpu_enter). */
	v->hcr |= HCR_VSE;
}

/* The vCPU's VM got a new VMID (rare: allocation, rollover): its VTTBR_EL2
 * and the trace headers of this vCPU, and once per VMID the status block
 * and the trace. */
static void vmid_publish(struct vcpu *v, uint64_t vmid)
{
	struct vm *vm = v->vm;

	v->trace_vmid = vmid;
	/* The stage 2 root is the VM's for its whole life (stage2.c). */
	v->vttbr = vm->s2.root_pa | (vmid_of(vmid, vmids.bits) << 48);
	v->trace_word0 = TRACE_WORD0(0, 0, v->pcpu, vmid_of(vmid, vmids.bits));
	v->trace_vmid_gen = vmid_gen_number(vmid, vmids.bits);
	if (vm->stat_vmid == vmid)
		return;
	vm->stat_vmid = vmid;
	vm->stat->vmid = (uint32_t)vmid_of(vmid, vmids.bits);
	vm->stat->vmid_generation = vmid_gen_number(vmid, vmids.bits);
	hypstat->vmid_generation = vmid_generation_number(&vmids);
	hypstat->vmid_rollovers = vmids.rollovers;
	hypstat->vmids_in_use = vmids.in_use;
	trace_vmid_alloc(vm, vmid, vmids.in_use, vmids.bits);
}

/* What a switch moves beyond the EL1 registers and the vGIC, for a vCPU
 * with v->switch_extra set (vm.h); out of line, so that the others' load
 * and put need no stack frame. */
static __attribute__((noinline)) void load_extra(struct vcpu *v)
{
	/* A guest hypervisor's EL2 registers: EL2 maps RAM 1:1, so the page's
	 * physical address is its EL2 virtual address. Its guest reads the
	 * MPIDR it gave it. */
	if (vcpu_nested(v)) {
		write_sysreg(virt_to_phys(v->nv.vncr), SYS_VNCR_EL2);
		if (v->nv.in_l2)
			write_sysreg(v->nv.vncr[VNCR_VMPIDR_EL2 / 8], vmpidr_el2);
	}
	if (pauth_live(v))
		pauth_restore(v->pauth);
	if (cpu.mte_guest)
		mte_restore(v->mte);
	/* Debug registers only for a vCPU that touched them (guest_debug.h). */
	if (v->dbg.loaded && guest_debug_may_load(v))
		arch_debug_guest_load(v);
	if (vpmu_live(&v->pmu))
		vpmu_load(v);
}

/* What every put moves: the EL1 registers, the timer stopped, the vGIC's
 * interface state. */
static inline __attribute__((always_inline)) void put_common(struct vcpu *v)
{
	el1_save(v->el1);
	v->el1_loaded = false;
	/* Its CNTV_CTL_EL0 saved: the timer stops firing on this CPU (arch.h). */
	write_sysreg(0, cntv_ctl_el0);
	arch_vgic_put(v);
}

static __attribute__((noinline)) void put_extra(struct vcpu *v)
{
	/* The PMU first: its counters stop before the rest is saved. */
	if (v->pmu.loaded)
		vpmu_put(v);
	put_common(v);
	if (pauth_live(v))
		pauth_save(v->pauth);
	if (cpu.mte_guest)
		mte_save(v->mte);
	if (v->dbg.in_hw)
		arch_debug_guest_save(v);
	/* What the next load will have to move: a vCPU that stopped using
	 * its keys' trap, debug registers or PMU (a reset) drops back to the
	 * plain switch. */
	v->switch_extra = vcpu_nested(v) || pauth_live(v) || cpu.mte_guest || v->dbg.loaded ||
			  vpmu_live(&v->pmu);
}

/* vmid_load() when the lock-free way fails or the VMID changed. */
static __attribute__((noinline)) void vmid_load_slow(struct vcpu *v)
{
	uint64_t vmid = vmid_acquire(&vmids, &v->vm->vmid, v->pcpu);

	if (vmid != v->trace_vmid)
		vmid_publish(v, vmid);
	write_sysreg(v->vttbr, vttbr_el2);
}

/* The VM's VMID on this CPU (vmid.h), and VTTBR_EL2 for it: at each load,
 * then again only at an entry that finds a rollover since
 * (vmid_still_active()), or at every entry of a guest hypervisor's vCPU.
 * The usual case, the VMID current and unchanged, has no stack frame. */
static inline void vmid_load(struct vcpu *v)
{
	uint64_t vmid;

	if (likely(vmid_acquire_fast(&vmids, &v->vm->vmid, v->vmid_active, &vmid) &&
		   vmid == v->trace_vmid))
		write_sysreg(v->vttbr, vttbr_el2);
	else
		vmid_load_slow(v);
}

void arch_vcpu_load(struct vcpu *v)
{
	arch_vgic_load(v);
	el1_restore(v->el1);
	v->el1_loaded = true;
	write_sysreg(v->vmpidr, vmpidr_el2);
	if (unlikely(v->switch_extra))
		load_extra(v);
	vmid_load(v);
}

void arch_vcpu_put(struct vcpu *v)
{
	if (unlikely(v->switch_extra))
		put_extra(v);
	else
		put_common(v);
}

/*
 * Lazy FP/SIMD: a guest's first FP instruction after a switch traps here.
 * v->cptr, the CPTR_EL2 its entries write, follows the ownership: TFP clear
 * while its registers are its CPU's (pc->fp_owner), set otherwise; each
 * change of owner below sets both.
 */
void arch_fpsimd_switch(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	v->cptr = cpu.cptr_guest & ~CPTR_EL2_TFP;
	write_sysreg(v->cptr, cptr_el2);
	__asm__ volatile("isb" ::: "memory"); /* untrap before touching the registers */
	if (pc->fp_owner != v) {
		if (pc->fp_owner) {
			fpsimd_save_regs(&pc->fp_owner->fp);
			pc->fp_owner->cptr = cpu.cptr_guest;
		}
		fpsimd_load_regs(&v->fp);
		pc->fp_owner = v;
	}
}

void arch_fpsimd_release(void)
{
	struct percpu *pc = this_cpu();

	write_sysreg(cpu.cptr_guest & ~CPTR_EL2_TFP, cptr_el2);
	__asm__ volatile("isb" ::: "memory");
	if (pc->fp_owner) {
		fpsimd_save_regs(&pc->fp_owner->fp);
		pc->fp_owner->cptr = cpu.cptr_guest;
		pc->fp_owner = NULL;
	}
}

void arch_fpsimd_forget(struct vcpu *v)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (percpu[i].fp_owner == v)
			percpu[i].fp_owner = NULL;
	v->cptr = cpu.cptr_guest; /* also its first value: vcpu_reset() comes here */
}

/* A guest hypervisor's vCPU: the VM's VMID at every entry; its L2 with its
 * stage 2 on runs on a shadow of it, with a VMID of its own
 * (hyp/core/nested_s2.c), which takes this CPU's active VMID by turns. */
static __attribute__((noinline)) void nested_vmid_enter(struct vcpu *v)
{
	vmid_load(v);
	if (v->nv.s2)
		write_sysreg(nested_s2_vttbr(v->nv.s2, &vmids, v->pcpu), vttbr_el2);
}

unsigned arch_vcpu_enter(struct vcpu *v)
{
	bool nested = vcpu_nested(v);
	unsigned type;

	/* The VMID and VTTBR_EL2 were set at the load (vmid_load()). */
	if (unlikely(nested))
		nested_vmid_enter(v);
	else if (unlikely(!vmid_still_active(v->vmid_active)))
		vmid_load(v); /* a rollover since: the new generation before the guest runs */
	write_sysreg(v->hcr, hcr_el2);
	write_sysreg(v->cptr, cptr_el2); /* FP/SIMD trapped unless its registers are here */
	/* Read once: an attach or detach on another CPU takes effect at the next entry. */
	bool debugged = READ_ONCE(v->gdb.active);

	if (unlikely(debugged))
		arch_debug_enter(v);
	/* A debugged vCPU's exits go to the debugger; a pending virtual
	 * SError is looked at after the exit; a guest hypervisor's exits are
	 * sorted by level (nested.c): all take the full path. */
	v->fast_exit = !debugged && !(v->hcr & HCR_VSE) && !nested;

	/*
	 * A physical SError already pending is not this vCPU's: its cause ran
	 * before (the hypervisor, or a vCPU whose exit window it missed). With
	 * HCR_EL2.AMO set it would come back as this guest's exit: take it
	 * here, at EL2, and give it to no guest.
	 */
	if (unlikely(read_sysreg(isr_el1) & ISR_EL1_A) && __serror_window())
		hyp_log("cpu%u: an SError was pending before vm%u vcpu%u entered: not given to it",
			v->pcpu, v->vm->slot, v->id);
	/* No ISB: the ERET in __guest_enter is a context synchronization event
	 * that puts VTTBR_EL2 (written here or at the load), HCR_EL2 and
	 * CPTR_EL2 in force for the guest. */
	type = (unsigned)__guest_enter(&v->regs);
	if (unlikely(debugged))
		arch_debug_exit(v);
	/* The hardware clears HCR_EL2.VSE when the virtual SError is taken. */
	if (v->hcr & HCR_VSE)
		v->hcr = read_sysreg(hcr_el2);
	if (type & EXIT_TYPE_HANDLED) {
		/* A yield __exit_fast() answered: it kept what its record needs. */
	} else if ((type & EXIT_TYPE_MASK) == EXIT_TYPE_SYNC) {
		v->fault.esr = read_sysreg(esr_el2);
		v->fault.far = read_sysreg(far_el2);
		v->fault.hpfar = read_sysreg(hpfar_el2);
	} else {
		v->fault.esr = 0;
		v->fault.far = 0;
		v->fault.hpfar = 0;
	}
	return type;
}

/* HVC #0 as ESR_EL2 gives it: EC 0x16, IL 1, ISS = the immediate. */
#define ESR_HVC64_IMM0 ((uint64_t)ESR_EC_HVC64 << ESR_EC_SHIFT | 1ull << ESR_IL_SHIFT)

/*
 * Called by the exit vector (entry.S) for a synchronous exit, before the
 * hypervisor's registers are restored, with only x0..x19, x30, PC and PSTATE
 * saved (handle_exit_fast() reads no others): EXIT_FAST_RESUME re-enters the
 * guest at once, EXIT_FAST_SWITCH returns to the run loop with the exit
 * handled, EXIT_FAST_NONE takes the full path.
 */
enum exit_fast __exit_fast(struct gp_regs *regs)
{
	struct vcpu *v = container_of(regs, struct vcpu, regs);
	uint64_t esr = read_sysreg(esr_el2);

	if (esr != ESR_HVC64_IMM0 || !v->fast_exit)
		return EXIT_FAST_NONE;
	v->fault.esr = esr;
	if (trace_on) {
		/* For the exit record, as arch_vcpu_enter() keeps them. */
		v->fault.far = read_sysreg(far_el2);
		v->fault.hpfar = read_sysreg(hpfar_el2);
	}
	return handle_exit_fast(v);
}

void arch_vcpu_vmpidr(uint64_t vmpidr)
{
	/* In force for the guest at the ERET that enters it. */
	write_sysreg(vmpidr, vmpidr_el2);
}

void arch_nv_flush_s1(void)
{
	/* This CPU's EL1&0 entries of the VMID in VTTBR_EL2 (the vCPU's, still
	 * loaded while its exit is handled); the ERET into the guest is the
	 * context synchronization that follows. */
	__asm__ volatile("tlbi vmalle1\n"
			 "dsb nsh" ::: "memory");
}

uint64_t arch_el2_insns(void)
{
	uint64_t n;

	/* Counter N-2 (cpu_init_el2()), then the cycle counter selected again. */
	write_sysreg(cpu.pmu_n - 2, pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* the selection in force for the read below */
	n = read_sysreg(pmxevcntr_el0);
	write_sysreg(cpu.pmu_n - 1, pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* arch_cycles() reads the cycle counter again */
	return n;
}

bool arch_guest_insn(const struct vcpu *v, uint32_t *insn)
{
	uint64_t saved_par = read_sysreg(par_el1);
	uint64_t par;

	/* The vCPU's EL1&0 regime and VTTBR_EL2 are loaded: walk both stages.
	 * PAR_EL1 is the guest's: put it back. */
	__asm__ volatile("at s12e1r, %0\n"
			 "isb" ::"r"(v->regs.pc) : "memory");
	par = read_sysreg(par_el1);
	write_sysreg(saved_par, par_el1);
	if (par & 1)
		return false; /* PAR_EL1.F: the walk faulted */
	*insn = *(const volatile uint32_t *)(uintptr_t)((par & 0x0000fffffffff000ull) |
							 (v->regs.pc & 0xfff));
	return true;
}
