/*
 * What the harnesses that drive a guest's exits and calls share (fuzz_exit,
 * fuzz_psci): two VMs made by vm_create() on the host (tests/hostvm.h),
 * "fuzzed" with 3 vCPUs (vms[0]) and "keeper" with 1 (vms[1]); the check
 * once the fuzzed VM's run is over; the SMCCC function ids and arguments
 * a guest passes. Header-only, like tests/fuzz/fuzz.h.
 */
#ifndef TESTS_FUZZ_FUZZ_VMS_H
#define TESTS_FUZZ_FUZZ_VMS_H

#include "hyp/include/run.h"
#include "tests/fuzz/fuzz.h"
#include "tests/hostvm.h"

/* What the fuzzed VM must give back when it ends. */
struct fuzz_vms {
	unsigned pool_free0;
	uint64_t pages0;
};

static inline void fuzz_vms_create(struct fuzz_vms *b)
{
	hostvm_reset();
	b->pool_free0 = hostvm.pool_free0;
	b->pages0 = hostvm.pages_used0;

	hostvm.cfg.nr_vms = 2;
	hostvm_describe(&hostvm.cfg.vms[0], "fuzzed", 3);
	hostvm_describe(&hostvm.cfg.vms[1], "keeper", 1);
	if (vm_create(0) || vm_create(1))
		abort();
	/* the keeper's share, to check what the fuzzed VM gives back */
	b->pages0 += (hyp_pages.used_pages - b->pages0) / 2;
	b->pool_free0 -= 1;
}

/* The fuzzed VM's vCPUs leave their CPUs; aborts on what must not be. */
static inline void fuzz_vms_check(const struct fuzz_vms *b)
{
	struct vm *vm = &vms[0];

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].in_guest)
			vcpu_unclaim(&vm->vcpus[i]);

	if (vms[1].state != VM_RUNNING || fake.system_off)
		abort(); /* one VM's calls ended another, or the machine */
	if (vm->state == VM_FREE &&
	    (guest_pool.free_chunks != b->pool_free0 || hyp_pages.used_pages != b->pages0))
		abort(); /* an ended VM kept memory */
}

/* PSCI, SMCCC architecture, hypscope's vendor calls, and a few undefined. */
static const uint32_t fuzz_fids[] = {
	0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003, 0x84000004,
	0xc4000004, 0x84000005, 0xc4000005, 0x84000006, 0x84000007, 0xc4000007, 0x84000008,
	0x84000009, 0x8400000a, 0x8400000b, 0x8400000c, 0xc400000c, 0x8400000d, 0xc400000d,
	0x8400000e, 0xc400000e, 0x8400000f, 0x84000010, 0xc4000010, 0x84000012, 0xc4000012,
	0x80000000, 0x80000001, 0x80000002, 0x80008000, 0x80007fff, 0x86000000, 0xc6000000,
	0x8600ff00, 0xc600ff00, 0x8600ff01, 0xbf00ff00, 0x8400ff00, 0xc4000020, 0xffffffff,
};

static inline uint32_t fuzz_fid(struct fz *f)
{
	return fuzz_fids[fz_below(f, sizeof(fuzz_fids) / sizeof(fuzz_fids[0]))];
}

/* A call's argument: an MPIDR (maybe absent), an address in the VM's RAM or past it, anything. */
static inline uint64_t fuzz_smccc_arg(struct fz *f)
{
	switch (fz_u8(f) & 3) {
	case 0: return fz_u8(f) & 7;
	case 1: return GUEST_RAM_IPA + (fz_u32(f) & 0x1ffffc);
	case 2: return fz_u64(f);
	default: return 0;
	}
}

#endif
