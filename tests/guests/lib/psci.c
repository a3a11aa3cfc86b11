/*
 * SMCCC calls over HVC: PSCI (Arm DEN0022, PSCI 1.1), the SMCCC
 * architecture calls (Arm DEN0028) and hypscope's vendor calls.
 */
#include "libguest.h"

struct smccc_res smccc_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 asm("x0") = fn;
	register uint64_t x1 asm("x1") = a1;
	register uint64_t x2 asm("x2") = a2;
	register uint64_t x3 asm("x3") = a3;

	/*
	 * SMCCC 1.1 preserves x4..x17 but 1.0 did not; a guest cannot know in
	 * advance which one it talks to, so they are treated as clobbered.
	 */
	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     :
		     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
		       "x15", "x16", "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

/* PSCI returns 32-bit signed statuses in w0. */
static int32_t psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int32_t)smccc_hvc(fn, a1, a2, a3).a0;
}

int32_t psci_version(void)
{
	return psci_call(PSCI_VERSION, 0, 0, 0);
}

int32_t psci_features(uint32_t fn)
{
	return psci_call(PSCI_FEATURES, fn, 0, 0);
}

int32_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id)
{
	return psci_call(PSCI_CPU_ON_SMC64, mpidr, entry, context_id);
}

int32_t psci_cpu_off(void)
{
	return psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

int32_t psci_affinity_info(uint64_t mpidr)
{
	/* lowest_affinity_level 0: the state of this one PE */
	return psci_call(PSCI_AFFINITY_INFO_SMC64, mpidr, 0, 0);
}

int32_t psci_migrate_info_type(void)
{
	return psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	/* SYSTEM_OFF does not return; if it did, do not run on. */
	for (;;)
		wfi();
}

bool hypscope_present(void)
{
	struct smccc_res r = smccc_hvc(HYPSCOPE_HVC_CALL_UID, 0, 0, 0);

	/* The UID words are 32-bit values in the low half of each register. */
	return (uint32_t)r.a0 == HYPSCOPE_UID_0 && (uint32_t)r.a1 == HYPSCOPE_UID_1 &&
	       (uint32_t)r.a2 == HYPSCOPE_UID_2 && (uint32_t)r.a3 == HYPSCOPE_UID_3;
}

bool hypscope_vm_info(struct vm_info *info)
{
	struct smccc_res r = smccc_hvc(HYPSCOPE_HVC_VM_INFO, 0, 0, 0);

	info->valid = r.a0 == 0;
	info->serial = info->valid ? r.a1 : 0;
	info->slot = info->valid ? r.a2 : 0;
	info->vcpu = info->valid ? r.a3 : smp_processor_id();
	return info->valid;
}

int64_t hypscope_nop(void)
{
	return (int64_t)smccc_hvc(HYPSCOPE_HVC_NOP, 0, 0, 0).a0;
}
