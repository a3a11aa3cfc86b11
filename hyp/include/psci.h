/*
 * SMCCC and PSCI for guests (Arm DEN0028 SMCCC 1.1+, DEN0022 PSCI 1.1),
 * and hypscope's vendor hypercalls (formats/hypercall.h). The function ids,
 * return codes and answers are formats/smccc.h's, shared with the host
 * tools and the test guests.
 */
#ifndef HYP_PSCI_H
#define HYP_PSCI_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypercall.h"
#include "formats/smccc.h"

#define SMCCC_VERSION_FID       0x80000000u
#define SMCCC_ARCH_FEATURES_FID 0x80000001u

struct vcpu;

/* Handles the call in x0..x3 and writes the results; false if the vCPU stops running. */
bool smccc_call(struct vcpu *v, bool smc);
bool psci_call(struct vcpu *v, uint32_t fid);

/*
 * The calls that answer a constant and change nothing (SMCCC_VERSION,
 * HYPSCOPE_HVC_NOP): *ret is x0's answer, x1.. are left as they are. The
 * exit fast path serves them (handle_exit_fast); smccc_call() gives the same
 * answers.
 */
static inline bool smccc_null_call(uint32_t fid, uint64_t *ret)
{
	switch (fid) {
	case SMCCC_VERSION_FID:
		*ret = SMCCC_VERSION_1_1;
		return true;
	case HYPSCOPE_HVC_NOP:
		*ret = SMCCC_RET_SUCCESS;
		return true;
	default:
		return false;
	}
}

/* Brings a vCPU up at entry with context id in x0 (PSCI CPU_ON semantics). */
int psci_cpu_on(struct vcpu *target, uint64_t entry, uint64_t context);

#endif
