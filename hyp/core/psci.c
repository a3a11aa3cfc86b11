/*
 * PSCI 1.1 for guests (Arm DEN0022), over the HVC conduit the guest's DTB
 * names. Function ids come in SMC32 and SMC64 flavours; both are accepted
 * where PSCI defines both.
 */
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"

#define PSCI_FN(n)   (0x84000000u | (n))
#define PSCI_FN64(n) (0xc4000000u | (n))

#define PSCI_N_VERSION           0x00
#define PSCI_N_CPU_SUSPEND       0x01
#define PSCI_N_CPU_OFF           0x02
#define PSCI_N_CPU_ON            0x03
#define PSCI_N_AFFINITY_INFO     0x04
#define PSCI_N_MIGRATE_INFO_TYPE 0x06
#define PSCI_N_SYSTEM_OFF        0x08
#define PSCI_N_SYSTEM_RESET      0x09
#define PSCI_N_FEATURES          0x0a

#define SMCCC_VERSION_FID 0x80000000u

static void set_ret(struct vcpu *v, int64_t r)
{
	v->regs.x[0] = (uint64_t)r;
}

/* MPIDR affinity fields Aff3..Aff0 of a PSCI target argument. */
static uint64_t mpidr_aff(uint64_t target, bool smc64)
{
	uint64_t mask = 0xff00ffffffull;

	return target & (smc64 ? mask : 0xffffffull);
}

static bool psci_cpu_suspend(struct vcpu *v)
{
	/* Every power state is entered as standby: the vCPU waits like WFI
	 * and the call returns success (a power-down request may be demoted
	 * to standby, PSCI 1.1 section 5.4.2). */
	set_ret(v, PSCI_RET_SUCCESS);
	return vcpu_wait_for_interrupt(v, 0);
}

static int psci_features(uint32_t fid)
{
	switch (fid) {
	case PSCI_FN(PSCI_N_VERSION):
	case PSCI_FN(PSCI_N_CPU_SUSPEND):
	case PSCI_FN64(PSCI_N_CPU_SUSPEND):
	case PSCI_FN(PSCI_N_CPU_OFF):
	case PSCI_FN(PSCI_N_CPU_ON):
	case PSCI_FN64(PSCI_N_CPU_ON):
	case PSCI_FN(PSCI_N_AFFINITY_INFO):
	case PSCI_FN64(PSCI_N_AFFINITY_INFO):
	case PSCI_FN(PSCI_N_MIGRATE_INFO_TYPE):
	case PSCI_FN(PSCI_N_SYSTEM_OFF):
	case PSCI_FN(PSCI_N_SYSTEM_RESET):
	case PSCI_FN(PSCI_N_FEATURES):
	case SMCCC_VERSION_FID:
		/* For CPU_SUSPEND, 0 also says: original power_state format,
		 * platform-coordinated mode only. */
		return PSCI_RET_SUCCESS;
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

bool psci_call(struct vcpu *v, uint32_t fid)
{
	bool smc64 = fid & 0x40000000u;
	uint64_t a1 = v->regs.x[1], a2 = v->regs.x[2], a3 = v->regs.x[3];
	struct vcpu *target;

	if (!smc64) {
		a1 &= 0xffffffffu;
		a2 &= 0xffffffffu;
		a3 &= 0xffffffffu;
	}
	switch (fid) {
	case PSCI_FN(PSCI_N_VERSION):
		set_ret(v, PSCI_VERSION_1_1);
		return true;
	case PSCI_FN(PSCI_N_CPU_SUSPEND):
	case PSCI_FN64(PSCI_N_CPU_SUSPEND):
		return psci_cpu_suspend(v);
	case PSCI_FN(PSCI_N_CPU_OFF):
		vcpu_power_off(v);
		return false;
	case PSCI_FN(PSCI_N_CPU_ON):
	case PSCI_FN64(PSCI_N_CPU_ON):
		target = vm_vcpu_by_mpidr(v->vm, mpidr_aff(a1, smc64));
		if (!target)
			set_ret(v, PSCI_RET_INVALID_PARAMETERS);
		else if (!vm_ipa_is_ram(v->vm, a2, 4) || (a2 & 3))
			set_ret(v, PSCI_RET_INVALID_ADDRESS);
		else
			set_ret(v, vcpu_power_on(target, a2, a3));
		return true;
	case PSCI_FN(PSCI_N_AFFINITY_INFO):
	case PSCI_FN64(PSCI_N_AFFINITY_INFO):
		target = vm_vcpu_by_mpidr(v->vm, mpidr_aff(a1, smc64));
		if (!target || a2 != 0)
			set_ret(v, PSCI_RET_INVALID_PARAMETERS);
		else if (target->power == VCPU_POWER_ON)
			set_ret(v, target->reset_pending ? PSCI_AFF_ON_PENDING : PSCI_AFF_ON);
		else
			set_ret(v, PSCI_AFF_OFF);
		return true;
	case PSCI_FN(PSCI_N_MIGRATE_INFO_TYPE):
		set_ret(v, PSCI_MIGRATE_NOT_REQUIRED);
		return true;
	case PSCI_FN(PSCI_N_SYSTEM_OFF):
		vm_end(v->vm, HYPSTAT_VM_OFF, 0);
		return false;
	case PSCI_FN(PSCI_N_SYSTEM_RESET):
		vm_end(v->vm, HYPSTAT_VM_RESET, 0);
		return false;
	case PSCI_FN(PSCI_N_FEATURES):
		set_ret(v, psci_features((uint32_t)a1));
		return true;
	default:
		set_ret(v, PSCI_RET_NOT_SUPPORTED);
		return true;
	}
}
