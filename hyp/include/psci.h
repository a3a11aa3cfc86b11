/*
 * SMCCC and PSCI for guests (Arm DEN0028 SMCCC 1.1+, DEN0022 PSCI 1.1),
 * and hypscope's vendor hypercalls (formats/hypercall.h).
 */
#ifndef HYP_PSCI_H
#define HYP_PSCI_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define PSCI_VERSION_1_1  0x00010001u
#define SMCCC_VERSION_1_1 0x00010001u

/* PSCI return codes */
#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INTERNAL_FAILURE   (-6)
#define PSCI_INVALID_ADDRESS    (-9)

#define SMCCC_RET_SUCCESS        0
#define SMCCC_RET_NOT_SUPPORTED  (-1)
#define SMCCC_RET_NOT_REQUIRED   (-2)
#define SMCCC_RET_INVALID_PARAM  (-3)

/* AFFINITY_INFO answers */
#define PSCI_AFF_ON         0
#define PSCI_AFF_OFF        1
#define PSCI_AFF_ON_PENDING 2

/* MIGRATE_INFO_TYPE: no Trusted OS, migration not required. */
#define PSCI_TOS_NOT_PRESENT 2

/* Handles the call in x0..x3 and writes the results; false if the vCPU stops running. */
bool smccc_call(struct vcpu *v, bool smc);
bool psci_call(struct vcpu *v, uint32_t fid);

/* Brings a vCPU up at entry with context id in x0 (PSCI CPU_ON semantics). */
int psci_cpu_on(struct vcpu *target, uint64_t entry, uint64_t context);

#endif
