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

#include "formats/smccc.h"

struct vcpu;

/* Handles the call in x0..x3 and writes the results; false if the vCPU stops running. */
bool smccc_call(struct vcpu *v, bool smc);
bool psci_call(struct vcpu *v, uint32_t fid);

/* Brings a vCPU up at entry with context id in x0 (PSCI CPU_ON semantics). */
int psci_cpu_on(struct vcpu *target, uint64_t entry, uint64_t context);

#endif
