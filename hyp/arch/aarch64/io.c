/*
 * The rest of the hardware the logic asks for (hyp/include/arch.h): the
 * counter and the EL2 timer, the console UART, TLB and cache maintenance,
 * inter-processor kicks, firmware calls.
 */
#include <stddef.h>
#include <stdint.h>

#include "formats/smccc.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/console.h"
#include "hyp/include/mm.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"

struct percpu percpu[HYP_MAX_CPUS];
unsigned nr_cpus;

unsigned this_cpu_id(void)
{
	return this_cpu()->id;
}

uint64_t arch_counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

uint64_t arch_vcpu_hcr(void)
{
	return cpu.hcr_guest;
}

/* ------------------------------------------------------------ EL2 timer */

void arch_timer_set(uint64_t deadline)
{
	if (deadline == SCHED_NO_EVENT) {
		write_sysreg(0, cnthp_ctl_el2);
		return;
	}
	write_sysreg(deadline, cnthp_cval_el2);
	write_sysreg(1, cnthp_ctl_el2); /* ENABLE, not masked */
}

static void console_rx(void);

unsigned arch_handle_irqs(void)
{
	struct percpu *pc = this_cpu();
	unsigned ev = 0;

	for (;;) {
		uint32_t intid = gic_ack();

		if (intid >= GIC_INTID_SPURIOUS)
			break;
		gic_eoi(intid); /* priority drop; deactivation below (EOImode = 1) */
		switch (intid) {
		case GIC_SGI_RESCHED:
			ev |= IRQ_EV_RESCHED;
			gic_deactivate(intid);
			break;
		case GIC_PPI_HYP_TIMER:
			/* Level-sensitive: silence it before deactivating. */
			write_sysreg(0, cnthp_ctl_el2);
			pc->ticks++;
			ev |= IRQ_EV_TICK;
			gic_deactivate(intid);
			break;
		case GIC_PPI_VTIMER:
			/* The running guest's virtual timer, forwarded: it stays
			 * active until the guest deactivates the virtual one
			 * through the list register's HW link. */
			ev |= IRQ_EV_VTIMER;
			break;
		case GIC_PPI_PMU:
			/* A guest counter overflowed (level-sensitive): silence it
			 * by its interrupt enables; vpmu_overflow() folds the
			 * flags in and enables them again. */
			write_sysreg(cpu.pmu_guest, pmintenclr_el1);
			__asm__ volatile("isb" ::: "memory"); /* the line is low before deactivation */
			ev |= IRQ_EV_PMU;
			gic_deactivate(intid);
			break;
		case GIC_PPI_MAINT:
			/* Its causes are read from ICH_MISR_EL2 at the fold;
			 * the condition is gone once the LRs are reloaded. */
			ev |= IRQ_EV_MAINT;
			gic_deactivate(intid);
			break;
		default:
			if (intid == platform.uart_intid && intid)
				console_rx();
			else if (intid == platform.gdb_uart_intid && intid)
				arch_gdb_uart_rx();
			gic_deactivate(intid);
			break;
		}
	}
	return ev;
}

void arch_idle(void)
{
	/* WFI wakes on a pending interrupt even with PSTATE.I set. */
	__asm__ volatile("dsb sy\n"
			 "wfi" ::: "memory");
}

void arch_kick_cpu(unsigned cpu_id)
{
	if (cpu_id < nr_cpus)
		gic_send_sgi(percpu[cpu_id].mpidr, GIC_SGI_RESCHED);
}

/* ------------------------------------------------------------ console */

#define UART_DR   0x00
#define UART_FR   0x18
#define UART_IMSC 0x38
#define UART_ICR  0x44
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_INT_RX  (1u << 4)
#define UART_INT_RT  (1u << 6)

/* Typed characters: the receive interrupts, on the boot CPU. */
void arch_console_input_enable(void)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)platform.uart;

	if (!base || !platform.uart_intid)
		return;
	base[UART_IMSC / 4] = UART_INT_RX | UART_INT_RT;
	gic_spi_enable(platform.uart_intid, percpu[0].mpidr);
}

/*
 * Drains the receive FIFO into the focused VM. The interrupt is cleared
 * first: a character that arrives after the last look at the FIFO raises
 * it again. (Clearing after the drain would lose that interrupt, and the
 * character would sit in the FIFO with no interrupt to fetch it.)
 */
static void console_rx(void)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)platform.uart;

	base[UART_ICR / 4] = UART_INT_RX | UART_INT_RT;
	while (!(base[UART_FR / 4] & UART_FR_RXFE))
		console_input((uint8_t)base[UART_DR / 4]);
}

void arch_console_write(const char *s, size_t n)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)platform.uart;

	if (!base)
		base = (volatile uint32_t *)0x09000000ul;
	for (size_t i = 0; i < n; i++) {
		while (base[UART_FR / 4] & UART_FR_TXFF)
			;
		base[UART_DR / 4] = (uint8_t)s[i];
	}
}

/* ------------------------------------------------------------ memory */

void arch_tlb_flush_guests(void)
{
	/* Page-table and VMID updates before the invalidation; the invalidation
	 * complete on every CPU before anything uses the freed VMIDs. */
	__asm__ volatile("dsb ishst\n"
			 "tlbi alle1is\n"
			 "dsb ish\n"
			 "isb" ::: "memory");
}

void arch_tlb_flush_vmid(uint64_t vttbr)
{
	uint64_t saved = read_sysreg(vttbr_el2);

	/* TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2. */
	write_sysreg(vttbr, vttbr_el2);
	__asm__ volatile("isb\n"
			 "dsb ishst\n"
			 "tlbi vmalls12e1is\n"
			 "dsb ish" ::: "memory");
	write_sysreg(saved, vttbr_el2);
	__asm__ volatile("isb" ::: "memory");
}

void arch_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size)
{
	uint64_t saved = read_sysreg(vttbr_el2);

	/* TLBI IPAS2E1IS and VMALLE1IS act on the VMID in VTTBR_EL2. */
	write_sysreg(vttbr, vttbr_el2);
	__asm__ volatile("isb\n"
			 "dsb ishst" ::: "memory");
	for (uint64_t a = ipa & ~(PAGE_SIZE - 1); a < ipa + size; a += PAGE_SIZE)
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(a >> 12) : "memory");
	/* Entries that combine both stages are found by VA, which IPAS2E1
	 * does not give: they go after the stage-2 ones are gone (Arm ARM
	 * D8.14.5, invalidating stage 2 entries). */
	__asm__ volatile("dsb ish\n"
			 "tlbi vmalle1is\n"
			 "dsb ish" ::: "memory");
	write_sysreg(saved, vttbr_el2);
	__asm__ volatile("isb" ::: "memory");
}

void arch_dcache_clean(uint64_t pa, uint64_t size)
{
	uint64_t line = 4ull << FIELD(read_sysreg(ctr_el0), 19, 16);

	for (uint64_t a = pa & ~(line - 1); a < pa + size; a += line)
		__asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
	/* Cleaned to the point of coherency, then no stale instructions. */
	__asm__ volatile("dsb ish\n"
			 "ic ialluis\n"
			 "dsb ish\n"
			 "isb" ::: "memory");
}

/* ------------------------------------------------------------ firmware */

static int64_t firmware_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	/* At EL2 the only conduit to the firmware is SMC (QEMU's own PSCI). */
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return (int64_t)x0;
}

int arch_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return (int)firmware_call(PSCI_CPU_ON_SMC64, mpidr, entry, context);
}

__noreturn void arch_system_off(void)
{
	firmware_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfe");
}
