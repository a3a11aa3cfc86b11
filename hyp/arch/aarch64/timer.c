/*
 * The EL2 side of the guest's virtual timer (hyp/include/arch.h): the
 * active state of its physical PPI (its offset is written by
 * arch_vtimer_load(), inline in arch_inline.h, and arch_vcpu_put() stops it
 * when its vCPU leaves). hyp/core/timer.c decides when.
 */
#include <stdbool.h>
#include <stdint.h>

#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/percpu.h"

/*
 * The architecture evaluates the timer condition continuously; QEMU's TCG
 * updates ISTATUS (and raises the PPI) from a host timer, or when CVAL, CTL
 * or CNTVOFF is written. Writing CVAL back unchanged is that write: no
 * effect on hardware, ISTATUS up to date under QEMU.
 */
void arch_vtimer_refresh(struct vcpu *v)
{
	(void)v;
	write_sysreg(read_sysreg(cntv_cval_el0), cntv_cval_el0);
	/* The write's effect on CNTV_CTL_EL0.ISTATUS is seen by the next read. */
	__asm__ volatile("isb" ::: "memory");
}

/*
 * PPI 27 is forwarded (ICH_LR<n>_EL2.HW = 1): kept active while the guest
 * holds its virtual interrupt, so that it does not fire again at EL2; the
 * guest's deactivation of the virtual one deactivates it (IHI 0069, 4.4,
 * "physical interrupt ... HW = 1").
 */
void arch_vtimer_ppi_active(bool active)
{
	gic_set_ppi_active(this_cpu(), GIC_PPI_VTIMER, active);
}
