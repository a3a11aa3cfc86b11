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
#include "tests/fuzz/fuzz_vms.h"

#define MAX_OPS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct vm *vm = &vms[0];
	struct fuzz_vms b;
	unsigned ops, i;

	fuzz_vms_create(&b);

	for (ops = 0; ops < MAX_OPS && f.n && vm->state == VM_RUNNING; ops++) {
		struct vcpu *v = &vm->vcpus[fz_below(&f, vm->nr_vcpus)];
		bool keep;

		if (!v->in_guest && !vcpu_claim(v, v->pcpu))
			continue; /* off, or waiting: it makes no calls */
		v->regs.x[0] = fz_bool(&f) ? fuzz_fid(&f) :
					     fz_u64(&f);
		for (i = 1; i < 8; i++)
			v->regs.x[i] = fuzz_smccc_arg(&f);
		keep = smccc_call(v, fz_bool(&f));
		if (!keep || fz_bool(&f))
			vcpu_unclaim(v); /* it stopped running, or was preempted */
	}
	fuzz_vms_check(&b);
	return 0;
}
