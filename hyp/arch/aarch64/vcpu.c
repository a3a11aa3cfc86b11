/*
 * Switching a vCPU's state in and out of the hardware: the EL1 system
 * registers, the virtual timer, pointer-authentication keys (straight-line
 * lists, no loops over encodings), then the entry itself.
 */
#include <stdint.h>

#include "formats/vmid.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"
#include "hyp/include/trace.h"
#include "hyp/include/vmid.h"

static void el1_save(uint64_t *r)
{
	r[SCTLR_EL1] = read_sysreg(sctlr_el1);
	r[CPACR_EL1] = read_sysreg(cpacr_el1);
	r[TTBR0_EL1] = read_sysreg(ttbr0_el1);
	r[TTBR1_EL1] = read_sysreg(ttbr1_el1);
	r[TCR_EL1] = read_sysreg(tcr_el1);
	r[MAIR_EL1] = read_sysreg(mair_el1);
	r[AMAIR_EL1] = read_sysreg(amair_el1);
	r[VBAR_EL1] = read_sysreg(vbar_el1);
	r[ESR_EL1] = read_sysreg(esr_el1);
	r[FAR_EL1] = read_sysreg(far_el1);
	r[AFSR0_EL1] = read_sysreg(afsr0_el1);
	r[AFSR1_EL1] = read_sysreg(afsr1_el1);
	r[PAR_EL1] = read_sysreg(par_el1);
	r[CONTEXTIDR_EL1] = read_sysreg(contextidr_el1);
	r[TPIDR_EL0] = read_sysreg(tpidr_el0);
	r[TPIDRRO_EL0] = read_sysreg(tpidrro_el0);
	r[TPIDR_EL1] = read_sysreg(tpidr_el1);
	r[CNTKCTL_EL1] = read_sysreg(cntkctl_el1);
	r[CSSELR_EL1] = read_sysreg(csselr_el1);
	r[SP_EL0] = read_sysreg(sp_el0);
	r[SP_EL1] = read_sysreg(sp_el1);
	r[ELR_EL1] = read_sysreg(elr_el1);
	r[SPSR_EL1] = read_sysreg(spsr_el1);
	r[CNTV_CTL_EL0] = read_sysreg(cntv_ctl_el0);
	r[CNTV_CVAL_EL0] = read_sysreg(cntv_cval_el0);
}

static void el1_restore(const uint64_t *r)
{
	write_sysreg(r[SCTLR_EL1], sctlr_el1);
	write_sysreg(r[CPACR_EL1], cpacr_el1);
	write_sysreg(r[TTBR0_EL1], ttbr0_el1);
	write_sysreg(r[TTBR1_EL1], ttbr1_el1);
	write_sysreg(r[TCR_EL1], tcr_el1);
	write_sysreg(r[MAIR_EL1], mair_el1);
	write_sysreg(r[AMAIR_EL1], amair_el1);
	write_sysreg(r[VBAR_EL1], vbar_el1);
	write_sysreg(r[ESR_EL1], esr_el1);
	write_sysreg(r[FAR_EL1], far_el1);
	write_sysreg(r[AFSR0_EL1], afsr0_el1);
	write_sysreg(r[AFSR1_EL1], afsr1_el1);
	write_sysreg(r[PAR_EL1], par_el1);
	write_sysreg(r[CONTEXTIDR_EL1], contextidr_el1);
	write_sysreg(r[TPIDR_EL0], tpidr_el0);
	write_sysreg(r[TPIDRRO_EL0], tpidrro_el0);
	write_sysreg(r[TPIDR_EL1], tpidr_el1);
	write_sysreg(r[CNTKCTL_EL1], cntkctl_el1);
	write_sysreg(r[CSSELR_EL1], csselr_el1);
	write_sysreg(r[SP_EL0], sp_el0);
	write_sysreg(r[SP_EL1], sp_el1);
	write_sysreg(r[ELR_EL1], elr_el1);
	write_sysreg(r[SPSR_EL1], spsr_el1);
	write_sysreg(r[CNTV_CVAL_EL0], cntv_cval_el0);
	write_sysreg(r[CNTV_CTL_EL0], cntv_ctl_el0);
}

static void pauth_save(uint64_t *k)
{
	k[APIAKEYLO] = read_sysreg(SYS_APIAKEYLO_EL1);
	k[APIAKEYHI] = read_sysreg(SYS_APIAKEYHI_EL1);
	k[APIBKEYLO] = read_sysreg(SYS_APIBKEYLO_EL1);
	k[APIBKEYHI] = read_sysreg(SYS_APIBKEYHI_EL1);
	k[APDAKEYLO] = read_sysreg(SYS_APDAKEYLO_EL1);
	k[APDAKEYHI] = read_sysreg(SYS_APDAKEYHI_EL1);
	k[APDBKEYLO] = read_sysreg(SYS_APDBKEYLO_EL1);
	k[APDBKEYHI] = read_sysreg(SYS_APDBKEYHI_EL1);
	k[APGAKEYLO] = read_sysreg(SYS_APGAKEYLO_EL1);
	k[APGAKEYHI] = read_sysreg(SYS_APGAKEYHI_EL1);
}

static void pauth_restore(const uint64_t *k)
{
	write_sysreg(k[APIAKEYLO], SYS_APIAKEYLO_EL1);
	write_sysreg(k[APIAKEYHI], SYS_APIAKEYHI_EL1);
	write_sysreg(k[APIBKEYLO], SYS_APIBKEYLO_EL1);
	write_sysreg(k[APIBKEYHI], SYS_APIBKEYHI_EL1);
	write_sysreg(k[APDAKEYLO], SYS_APDAKEYLO_EL1);
	write_sysreg(k[APDAKEYHI], SYS_APDAKEYHI_EL1);
	write_sysreg(k[APDBKEYLO], SYS_APDBKEYLO_EL1);
	write_sysreg(k[APDBKEYHI], SYS_APDBKEYHI_EL1);
	write_sysreg(k[APGAKEYLO], SYS_APGAKEYLO_EL1);
	write_sysreg(k[APGAKEYHI], SYS_APGAKEYHI_EL1);
}

uint64_t vcpu_el1_read(const struct vcpu *v, enum el1_reg r)
{
	if (!v->el1_loaded)
		return v->el1[r];
	switch (r) {
	case SCTLR_EL1: return read_sysreg(sctlr_el1);
	case CPACR_EL1: return read_sysreg(cpacr_el1);
	case TTBR0_EL1: return read_sysreg(ttbr0_el1);
	case TTBR1_EL1: return read_sysreg(ttbr1_el1);
	case TCR_EL1: return read_sysreg(tcr_el1);
	case MAIR_EL1: return read_sysreg(mair_el1);
	case AMAIR_EL1: return read_sysreg(amair_el1);
	case VBAR_EL1: return read_sysreg(vbar_el1);
	case ESR_EL1: return read_sysreg(esr_el1);
	case FAR_EL1: return read_sysreg(far_el1);
	case AFSR0_EL1: return read_sysreg(afsr0_el1);
	case AFSR1_EL1: return read_sysreg(afsr1_el1);
	case PAR_EL1: return read_sysreg(par_el1);
	case CONTEXTIDR_EL1: return read_sysreg(contextidr_el1);
	case TPIDR_EL0: return read_sysreg(tpidr_el0);
	case TPIDRRO_EL0: return read_sysreg(tpidrro_el0);
	case TPIDR_EL1: return read_sysreg(tpidr_el1);
	case CNTKCTL_EL1: return read_sysreg(cntkctl_el1);
	case CSSELR_EL1: return read_sysreg(csselr_el1);
	case SP_EL0: return read_sysreg(sp_el0);
	case SP_EL1: return read_sysreg(sp_el1);
	case ELR_EL1: return read_sysreg(elr_el1);
	case SPSR_EL1: return read_sysreg(spsr_el1);
	case CNTV_CTL_EL0: return read_sysreg(cntv_ctl_el0);
	case CNTV_CVAL_EL0: return read_sysreg(cntv_cval_el0);
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
	case SCTLR_EL1: write_sysreg(val, sctlr_el1); break;
	case CPACR_EL1: write_sysreg(val, cpacr_el1); break;
	case TTBR0_EL1: write_sysreg(val, ttbr0_el1); break;
	case TTBR1_EL1: write_sysreg(val, ttbr1_el1); break;
	case TCR_EL1: write_sysreg(val, tcr_el1); break;
	case MAIR_EL1: write_sysreg(val, mair_el1); break;
	case AMAIR_EL1: write_sysreg(val, amair_el1); break;
	case VBAR_EL1: write_sysreg(val, vbar_el1); break;
	case ESR_EL1: write_sysreg(val, esr_el1); break;
	case FAR_EL1: write_sysreg(val, far_el1); break;
	case AFSR0_EL1: write_sysreg(val, afsr0_el1); break;
	case AFSR1_EL1: write_sysreg(val, afsr1_el1); break;
	case PAR_EL1: write_sysreg(val, par_el1); break;
	case CONTEXTIDR_EL1: write_sysreg(val, contextidr_el1); break;
	case TPIDR_EL0: write_sysreg(val, tpidr_el0); break;
	case TPIDRRO_EL0: write_sysreg(val, tpidrro_el0); break;
	case TPIDR_EL1: write_sysreg(val, tpidr_el1); break;
	case CNTKCTL_EL1: write_sysreg(val, cntkctl_el1); break;
	case CSSELR_EL1: write_sysreg(val, csselr_el1); break;
	case SP_EL0: write_sysreg(val, sp_el0); break;
	case SP_EL1: write_sysreg(val, sp_el1); break;
	case ELR_EL1: write_sysreg(val, elr_el1); break;
	case SPSR_EL1: write_sysreg(val, spsr_el1); break;
	case CNTV_CTL_EL0: write_sysreg(val, cntv_ctl_el0); break;
	case CNTV_CVAL_EL0: write_sysreg(val, cntv_cval_el0); break;
	case NR_EL1_REGS: break;
	}
}

void arch_vcpu_load(struct vcpu *v)
{
	/* The timer PPI's active state first, then the timer that drives it. */
	arch_vgic_load(v);
	el1_restore(v->el1);
	v->el1_loaded = true;
	write_sysreg(v->vm->cntvoff, cntvoff_el2);
	write_sysreg(v->vmpidr, vmpidr_el2);
	if (cpu.pauth)
		pauth_restore(v->pauth);
}

void arch_vcpu_put(struct vcpu *v)
{
	el1_save(v->el1);
	v->el1_loaded = false;
	if (cpu.pauth)
		pauth_save(v->pauth);
	/* The next vCPU brings its own timer; an idle CPU must not take this
	 * one's interrupt. A blocked vCPU's deadline lives in wake_at. */
	write_sysreg(0, cntv_ctl_el0);
	arch_vgic_put(v);
}

/* Lazy FP/SIMD: a guest's first FP instruction after a switch traps here. */
void arch_fpsimd_switch(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	write_sysreg(cpu.cptr_guest & ~CPTR_EL2_TFP, cptr_el2);
	__asm__ volatile("isb" ::: "memory"); /* untrap before touching the registers */
	if (pc->fp_owner != v) {
		if (pc->fp_owner)
			fpsimd_save_regs(&pc->fp_owner->fp);
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
		pc->fp_owner = NULL;
	}
}

void arch_fpsimd_forget(struct vcpu *v)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (percpu[i].fp_owner == v)
			percpu[i].fp_owner = NULL;
}

/* The vCPU's VM got a new VMID (rare: allocation, rollover): the trace
 * headers of this vCPU, and once per VMID the status block and the trace. */
static void vmid_publish(struct vcpu *v, uint64_t vmid)
{
	struct vm *vm = v->vm;

	v->trace_vmid = vmid;
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

unsigned arch_vcpu_enter(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	uint64_t vmid = vmid_acquire(&vmids, &v->vm->vmid, pc->id);
	unsigned type;

	if (unlikely(vmid != v->trace_vmid))
		vmid_publish(v, vmid);
	write_sysreg(v->vm->s2.root_pa | (vmid_of(vmid, vmids.bits) << 48), vttbr_el2);
	write_sysreg(v->hcr, hcr_el2);
	write_sysreg(pc->fp_owner == v ? cpu.cptr_guest & ~CPTR_EL2_TFP : cpu.cptr_guest, cptr_el2);
	/* Read once: an attach or detach on another CPU takes effect at the next entry. */
	bool debugged = READ_ONCE(v->gdb.active);

	if (unlikely(debugged))
		arch_debug_enter(v);
	/* No ISB: the ERET in __guest_enter is a context synchronization event
	 * that puts VTTBR_EL2, HCR_EL2 and CPTR_EL2 in force for the guest. */
	type = (unsigned)__guest_enter(&v->regs);
	if (unlikely(debugged))
		arch_debug_exit(v);
	/* The hardware clears HCR_EL2.VSE when the virtual SError is taken. */
	if (v->hcr & HCR_VSE)
		v->hcr = read_sysreg(hcr_el2);
	if (type == EXIT_TYPE_SYNC) {
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

uint64_t arch_el2_insns(void)
{
	return read_sysreg(pmevcntr0_el0);
}

void arch_test_pad(uint64_t insns)
{
	uint64_t n = insns / 2;

	if (!n)
		return;
	/* two instructions per turn, nothing else: the count is exact under -icount */
	asm volatile("1:	subs	%0, %0, #1\n"
		     "	b.ne	1b"
		     : "+r"(n)
		     :
		     : "cc");
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
