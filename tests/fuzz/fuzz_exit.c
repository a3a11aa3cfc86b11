/*
 * Every exit a guest can cause, through the exit dispatcher (hyp/core/exit.c)
 * of a VM built as the hypervisor builds it (vm_create(): stage 2, the MMIO
 * bus with the PL011, GICD and GICR, the vGIC, PSCI): exits of any class and
 * ISS, data and instruction aborts at the devices, in RAM and anywhere,
 * trapped system registers, HVC/SMC with any function and arguments, WFx,
 * from EL0 and EL1, interrupts and SErrors, with preemption in between,
 * until the VM ends. A second VM must stay untouched, and a VM that ends
 * gives back every page and chunk it held.
 */
#include "formats/hypercall.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "tests/fuzz/fuzz_vms.h"

#define MAX_OPS 256

/* Where a data or instruction abort points: the devices, RAM, or anywhere. */
static uint64_t fault_ipa(struct fz *f)
{
	switch (fz_u8(f) % 6) {
	case 0: return GUEST_UART_IPA + (fz_u16(f) & 0xfff);
	case 1: return GUEST_GICD_IPA + (fz_u16(f) & 0xffff);
	case 2: return GUEST_GICR_IPA + (fz_u32(f) % (5 * GUEST_GICR_STRIDE));
	case 3: return GUEST_RAM_IPA + (fz_u32(f) & 0x3fffff);
	default: return fz_u64(f) & ((1ull << 48) - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vm *vm = &vms[0];
	struct fuzz_vms b;
	unsigned ops, i;

	fuzz_vms_create(&b);

	for (ops = 0; ops < MAX_OPS && f.n && vm->state == VM_RUNNING; ops++) {
		struct vcpu *v = &vm->vcpus[fz_below(&f, vm->nr_vcpus)];
		unsigned type = fz_u8(&f) % 8 ? EXIT_TYPE_SYNC : fz_u8(&f) & 3;
		uint64_t ipa;
		bool keep;

		if (!v->in_guest && !vcpu_claim(v, v->pcpu))
			continue; /* off, or waiting: it takes no exits */
		/* any class; the ones a guest causes most, most often */
		switch (fz_u8(&f) & 3) {
		case 0: v->fault.esr = fz_u64(&f) & 0xffffffffffull; break;
		case 1: v->fault.esr = 0x24ull << 26 | 1ull << 25 | (fz_u32(&f) & 0x1ffffff); break;
		case 2: v->fault.esr = 0x16ull << 26 | 1ull << 25 | fz_u16(&f); break;
		default: v->fault.esr = 0x18ull << 26 | 1ull << 25 | (fz_u32(&f) & 0x1ffffff); break;
		}
		ipa = fault_ipa(&f);
		v->fault.hpfar = (ipa >> 12) << 4;
		v->fault.far = fz_bool(&f) ? ipa : fz_u64(&f);
		if (fz_bool(&f))
			v->regs.x[0] = fuzz_fid(&f);
		for (i = fz_u8(&f) & 7; i; i--)
			v->regs.x[fz_u8(&f) % 31] = fuzz_smccc_arg(&f);
		if (fz_bool(&f))
			v->regs.pstate = fz_bool(&f) ? 0x000 : 0x3c5; /* EL0t or EL1h */
		keep = handle_exit(v, type);
		if (!keep || fz_bool(&f))
			vcpu_unclaim(v); /* it gave up its CPU, or was preempted */
	}
	fuzz_vms_check(&b);
	return 0;
}
