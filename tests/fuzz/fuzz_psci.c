/*
 * PSCI and SMCCC calls (hyp/core/hvc.c, hyp/core/psci.c) as a guest makes
 * them: any function id (the defined ones often, anything else too), any
 * arguments (MPIDRs of vCPUs that exist and do not, entry points inside and
 * outside the VM's memory), over HVC and SMC, from the vCPUs that are on,
 * with preemption in between, until the VM ends. A second VM must stay
 * untouched, and a VM that ends gives back every page and chunk it held.
 */
#include "formats/hypercall.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "tests/fuzz/fuzz.h"
#include "tests/hostvm.h"

#define MAX_OPS 256

static const uint32_t fids[] = {
	0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003, 0x84000004,
	0xc4000004, 0x84000005, 0xc4000005, 0x84000006, 0x84000007, 0xc4000007, 0x84000008,
	0x84000009, 0x8400000a, 0x8400000b, 0x8400000c, 0xc400000c, 0x8400000d, 0xc400000d,
	0x8400000e, 0xc400000e, 0x8400000f, 0x84000010, 0xc4000010, 0x84000012, 0xc4000012,
	0x80000000, 0x80000001, 0x80000002, 0x80008000, 0x80007fff, 0x86000000, 0xc6000000,
	0x8600ff00, 0xc600ff00, 0x8600ff01, 0xbf00ff00, 0x8400ff00, 0xc4000020, 0xffffffff,
};

static uint64_t arg(struct fz *f)
{
	switch (fz_u8(f) & 3) {
	case 0: return fz_u8(f) & 7;                               /* an MPIDR, maybe absent */
	case 1: return GUEST_RAM_IPA + (fz_u32(f) & 0x1ffffc);     /* in the VM's RAM, or past it */
	case 2: return fz_u64(f);
	default: return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vm *vm = &vms[0];
	unsigned ops, i, pool_free0;
	uint64_t pages0;

	hostvm_reset();
	pool_free0 = hostvm.pool_free0;
	pages0 = hostvm.pages_used0;

	hostvm.cfg.nr_vms = 2;
	hostvm_describe(&hostvm.cfg.vms[0], "fuzzed", 3);
	hostvm_describe(&hostvm.cfg.vms[1], "keeper", 1);
	if (vm_create(0) || vm_create(1))
		abort();
	/* the keeper's share, to check what the fuzzed VM gives back */
	pages0 += (hyp_pages.used_pages - pages0) / 2;
	pool_free0 -= 1;

	for (ops = 0; ops < MAX_OPS && f.n && vm->state == VM_RUNNING; ops++) {
		struct vcpu *v = &vm->vcpus[fz_below(&f, vm->nr_vcpus)];
		bool keep;

		if (!v->in_guest && !vcpu_claim(v, v->pcpu))
			continue; /* off, or waiting: it makes no calls */
		v->regs.x[0] = fz_bool(&f) ? fids[fz_below(&f, sizeof(fids) / sizeof(fids[0]))] :
					     fz_u64(&f);
		for (i = 1; i < 8; i++)
			v->regs.x[i] = arg(&f);
		keep = smccc_call(v, fz_bool(&f));
		if (!keep || fz_bool(&f))
			vcpu_unclaim(v); /* it stopped running, or was preempted */
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].in_guest)
			vcpu_unclaim(&vm->vcpus[i]);

	if (vms[1].state != VM_RUNNING || fake.system_off)
		abort(); /* one VM's calls ended another, or the machine */
	if (vm->state == VM_FREE &&
	    (guest_pool.free_chunks != pool_free0 || hyp_pages.used_pages != pages0))
		abort(); /* an ended VM kept memory */
	return 0;
}
