/*
 * A guest hypervisor's every move (hyp/core/nested.c), on a VM with el2=on
 * built as the hypervisor builds it: whatever L1 writes in its VNCR page
 * (its HCR_EL2, L2's EL1 registers), its ERETs with any SPSR_EL2 and
 * ELR_EL2, its EL2 register and TLBI/AT traps with any encoding, and L2's
 * exits of every class, reflected or handled in L0, with preemption in
 * between, until the VM ends. A second VM must stay untouched, and the
 * nested VM that ends gives back every page (its VNCR pages included) and
 * chunk it held.
 */
#include "hyp/include/arch.h"
#include "hyp/include/nested.h"
#include "hyp/include/run.h"
#include "tests/fuzz/fuzz_vms.h"

#define MAX_OPS 256

static void create(struct fuzz_vms *b)
{
	hostvm_reset();
	b->pool_free0 = hostvm.pool_free0;
	b->pages0 = hostvm.pages_used0;
	hostvm.cfg.nr_vms = 2;
	hostvm_describe(&hostvm.cfg.vms[0], "nested", 2);
	hostvm.cfg.vms[0].flags = HYPCFG_VM_F_EL2;
	hostvm_describe(&hostvm.cfg.vms[1], "keeper", 1);
	if (vm_create(1))
		abort();
	b->pages0 = hyp_pages.used_pages; /* the keeper's share */
	b->pool_free0 -= 1;
	if (vm_create(0) || !vms[0].vcpus[0].nv.vncr)
		abort();
}

/* An ESR_EL2 a nested vCPU may exit with: any, or the classes NV adds. */
static uint64_t nested_esr(struct fz *f)
{
	uint64_t il = 1ull << 25;

	switch (fz_u8(f) % 6) {
	case 0: return 0x1aull << 26 | il | (fz_u8(f) & 3);       /* ERET, ERETAA/AB */
	case 1: /* an EL2 register (op0 3) or TLBI/AT (op0 1): op1 4, the rest any */
		return 0x18ull << 26 | il | (4ull << 14) | (fz_u32(f) & 0xe3fff) |
		       (fz_bool(f) ? 3ull << 20 : 1ull << 20);
	case 2: return 0x16ull << 26 | il | fz_u16(f);           /* HVC */
	case 3: return 0x01ull << 26 | il | (fz_u8(f) & 3);       /* WFx */
	case 4: return 0x17ull << 26 | il;                       /* SMC */
	default: return fz_u64(f) & 0xffffffffffull;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vm *vm = &vms[0];
	struct fuzz_vms b;
	unsigned ops;

	create(&b);
	for (ops = 0; ops < MAX_OPS && f.n && vm->state == VM_RUNNING; ops++) {
		struct vcpu *v = &vm->vcpus[fz_below(&f, vm->nr_vcpus)];
		unsigned type = fz_u8(&f) % 8 ? EXIT_TYPE_SYNC : fz_u8(&f) & 3;
		bool keep;

		if (!v->in_guest && !vcpu_claim(v, v->pcpu))
			continue; /* off, or waiting: it takes no exits */
		/* L1 writes its VNCR page as it likes: HCR_EL2 and any other word. */
		if (fz_bool(&f))
			v->nv.vncr[0x78 / 8] = fz_u64(&f);
		if (fz_bool(&f))
			v->nv.vncr[fz_below(&f, 512)] = fz_u64(&f);
		/* ELR_EL2 and SPSR_EL2 (live in ELR_EL1/SPSR_EL1 while L1 runs). */
		if (fz_bool(&f))
			vcpu_el1_write(v, SPSR_EL1, fz_bool(&f) ? fz_u64(&f) : fz_u8(&f) & 0x1f);
		if (fz_bool(&f))
			vcpu_el1_write(v, ELR_EL1, fz_bool(&f) ? fz_u64(&f) : GUEST_RAM_IPA);
		v->fault.esr = nested_esr(&f);
		v->fault.far = fz_u64(&f);
		v->fault.hpfar = fz_u64(&f) & 0xfffffffff0ull;
		for (unsigned i = fz_u8(&f) & 7; i; i--)
			v->regs.x[fz_u8(&f) % 31] = fz_bool(&f) ? fuzz_fid(&f) : fuzz_smccc_arg(&f);
		keep = handle_exit(v, type);
		if (!keep || fz_bool(&f))
			vcpu_unclaim(v); /* it gave up its CPU, or was preempted */
	}
	fuzz_vms_check(&b);
	return 0;
}
