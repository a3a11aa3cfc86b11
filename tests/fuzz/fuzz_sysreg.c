/*
 * The system-register trap handler (hyp/core/sysreg.c) on any trapped
 * MSR/MRS/SYS instruction: any ISS (encoding, direction, register), from EL0
 * or EL1, with any register values and any earlier state of the emulated
 * registers (debug, OS lock, timers, PMU, GIC CPU interface SGIs). It either
 * emulates (PC moves on by 4), injects an UNDEF (PC at the vector), or, for
 * the guest's own debug registers, loads them into the hardware and lets the
 * access run again there (PC unchanged); never anything else, and never
 * touches another VM's state.
 */
#include "hyp/arch/fake/fake.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"
#include "tests/fuzz/fuzz.h"

#define PC0  0x40080000ull
#define VBAR 0x40100000ull
#define MAX_OPS 256
#define EC_SYS64 0x18ull

static struct vm svm;

static void reset_vcpu(struct vcpu *v, unsigned id)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->vm = &svm;
	if (!vgic_cpu_init(&svm.vgic, &v->vgic, id))
		abort();
	v->regs.pc = PC0;
	v->regs.pstate = 0x3c5; /* EL1h, DAIF masked */
	v->el1[VBAR_EL1] = VBAR;
	v->el1[SCTLR_EL1] = 0x30d00800ull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vcpu *v;
	unsigned ops, i;
	uint64_t pc;
	unsigned loads;
	bool ok;

	fake_reset();
	memset(&svm, 0, sizeof(svm));
	svm.nr_vcpus = 2;
	vgic_vm_init(&svm.vgic, 2, NULL, NULL);
	reset_vcpu(&svm.vcpus[0], 0);
	reset_vcpu(&svm.vcpus[1], 1);

	for (ops = 0; ops < MAX_OPS && f.n; ops++) {
		v = &svm.vcpus[fz_u8(&f) & 1];
		/* EC 0x18 with IL, then any ISS: op0..op2, CRn, CRm, Rt, direction */
		v->fault.esr = EC_SYS64 << 26 | 1ull << 25 | (fz_u32(&f) & 0x1ffffff);
		for (i = fz_u8(&f) & 3; i; i--)
			v->regs.x[fz_u8(&f) % 31] = fz_u64(&f);
		switch (fz_u8(&f) & 3) {
		case 0: v->regs.pstate = 0x000; break; /* EL0t */
		case 1: v->regs.pstate = 0x3c5; break; /* EL1h */
		case 2: v->regs.pstate = 0x004; break; /* EL1t, unmasked */
		default: break;
		}
		v->regs.pc = PC0 + 4 * (uint64_t)fz_u8(&f);
		pc = v->regs.pc;
		loads = fake.debug_loads;
		ok = handle_sysreg_trap(v);
		if (!ok)
			continue; /* not handled: the caller decides (an UNDEF) */
		if (v->regs.pc == pc && fake.debug_loads > loads && v->dbg.in_hw)
			continue; /* its debug registers went into the hardware: the access runs again there */
		if (v->regs.pc != pc + 4 && (v->regs.pc & ~0x7ffull) != VBAR)
			abort(); /* neither emulated nor an exception to the guest's vectors */
		if (v->regs.pc != pc + 4)
			reset_vcpu(v, v->id); /* the guest takes the UNDEF: start over */
	}
	return 0;
}
