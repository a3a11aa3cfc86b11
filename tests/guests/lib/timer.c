/*
 * Delays and waiting in WFI on the EL1 virtual timer (CNTV).
 *
 * The guests keep PSTATE.I set all the time: a pending interrupt still ends
 * a WFI without being taken (Arm ARM, "Wait for Interrupt"), so no
 * interrupt handler is needed. Under hypscope the hypervisor itself wakes a
 * vCPU blocked in WFI when its CNTV condition is met. On a plain virt board
 * the timer's PPI has to reach the CPU through the GICv3 instead, so there
 * (and only there) the runtime routes it.
 */
#include "libguest.h"

#define VTIMER_INTID GIC_INTID_VTIMER

/* GICv3 register offsets are in libguest.h (IHI 0069). */

static inline volatile uint32_t *mmio32(uint64_t addr)
{
	return (volatile uint32_t *)(uintptr_t)addr;
}

static struct spinlock gic_lock = SPINLOCK_INIT;
static bool gicd_enabled;
static bool vtimer_routed[GUEST_MAX_VCPUS];

/* The redistributor whose GICR_TYPER affinity matches this vCPU, or 0. */
static uint64_t gicr_find(void)
{
	uint64_t aff0 = smp_processor_id();

	for (unsigned int i = 0; i < 8; i++) {
		uint64_t rd = GUEST_GICR_IPA + i * GUEST_GICR_STRIDE;
		uint64_t typer = *(volatile uint64_t *)(uintptr_t)(rd + GICR_TYPER);

		if (((typer >> 32) & 0xff) == aff0)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return 0;
}

static void plain_board_route_vtimer(void)
{
	unsigned int cpu = smp_processor_id();
	uint64_t rd;

	spin_lock(&gic_lock);
	if (!gicd_enabled) {
		*mmio32(GUEST_GICD_IPA + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENGRP1;
		while (*mmio32(GUEST_GICD_IPA + GICD_CTLR) & GICD_CTLR_RWP)
			cpu_relax();
		gicd_enabled = true;
	}
	spin_unlock(&gic_lock);

	rd = gicr_find();
	if (rd) {
		*mmio32(rd + GICR_WAKER) &= ~GICR_WAKER_PSLEEP;
		while (*mmio32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP)
			cpu_relax();
		*mmio32(rd + GICR_IGROUPR0) |= 1u << VTIMER_INTID;
		/* Four 8-bit priorities per word: INTID 27 is the top byte of word 6. */
		*mmio32(rd + GICR_IPRIORITYR + 4 * (VTIMER_INTID / 4)) =
			(*mmio32(rd + GICR_IPRIORITYR + 4 * (VTIMER_INTID / 4)) &
			 0x00ffffffu) | 0xa0000000u;
		*mmio32(rd + GICR_ISENABLER0) = 1u << VTIMER_INTID;
	}

	write_sysreg_s(read_sysreg_s(SYS_ICC_SRE_EL1) | 1, SYS_ICC_SRE_EL1);
	/* SRE must take effect before the other ICC_* registers are used. */
	isb();
	write_sysreg_s(0xf0, SYS_ICC_PMR_EL1);
	write_sysreg_s(1, SYS_ICC_IGRPEN1_EL1);
	isb();
	vtimer_routed[cpu] = true;
}

void delay_us(uint64_t us)
{
	uint64_t end = timer_now() + timer_ticks_us(us);

	while (timer_now() < end)
		cpu_relax();
}

unsigned int timer_wfi_until(uint64_t cval)
{
	unsigned int cpu = smp_processor_id(), n = 0;

	if (!boot.hypscope && cpu < GUEST_MAX_VCPUS && !vtimer_routed[cpu])
		plain_board_route_vtimer();

	write_sysreg(cval, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	/* The timer must be armed before the WFI that waits for it. */
	isb();
	/* WFI may also end early for other reasons: wait until the counter got there. */
	while (timer_now() < cval) {
		wfi();
		n++;
	}
	write_sysreg(0, cntv_ctl_el0);
	isb();
	return n;
}
