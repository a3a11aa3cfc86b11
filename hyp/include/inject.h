/*
 * Exceptions the hypervisor injects into a guest, taken to EL1 exactly as
 * the hardware would take them (Arm ARM D1.3 "Exception entry"): SPSR_EL1
 * and ELR_EL1 from the guest's PSTATE and PC, ESR_EL1 and FAR_EL1 set,
 * PSTATE to EL1h with DAIF masked, PC to the right VBAR_EL1 offset.
 */
#ifndef HYP_INJECT_H
#define HYP_INJECT_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

void inject_undef(struct vcpu *v);
/* A synchronous exception with this syndrome, e.g. the guest's own BRK handed back. */
void inject_sync(struct vcpu *v, uint64_t esr);
/* A synchronous external abort on a data access to addr (DFSC 0x10). */
void inject_dabt(struct vcpu *v, uint64_t addr, bool write);
/* A synchronous external abort on an instruction fetch from addr (IFSC 0x10). */
void inject_iabt(struct vcpu *v, uint64_t addr);
/* A virtual SError (HCR_EL2.VSE), taken when the guest unmasks PSTATE.A. */
void inject_serror(struct vcpu *v);

#endif
