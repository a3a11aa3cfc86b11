/*
 * The hardware side of the GDB stub: the debug registers and the stub's
 * UART.
 *
 * While a debugger is attached to its VM, a vCPU runs with MDCR_EL2.TDE, so
 * that BRK, breakpoint, watchpoint and software-step exceptions from EL1 and
 * EL0 come to EL2 (Arm ARM D2.4: with the debug target at EL2 they are
 * enabled whatever MDSCR_EL1.KDE and PSTATE.D say). The VM's breakpoints and
 * watchpoints are loaded into DBGBVR<n>/DBGWVR<n> and their control
 * registers before each entry and disabled after it, so that a vCPU of
 * another VM on this CPU never meets them. The guest's own enabled
 * breakpoints and watchpoints take the slots the debugger leaves free
 * (guest_debug_merge()); its view of the registers is then the emulated one
 * (struct vdebug: TDE traps every access).
 *
 * The guest's own debug registers, once it touched them, are switched here
 * too (arch_debug_guest_load/save, hyp/include/guest_debug.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "formats/ich_lr.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/gdb.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"

#define DBG_REG_CASE(n, kind, val)                                  \
	case n:                                                     \
		write_sysreg(val, dbg##kind##n##_el1);              \
		break

#define DBG_REG_SWITCH(kind, idx, val)                              \
	switch (idx) {                                              \
		DBG_REG_CASE(0, kind, val);                         \
		DBG_REG_CASE(1, kind, val);                         \
		DBG_REG_CASE(2, kind, val);                         \
		DBG_REG_CASE(3, kind, val);                         \
		DBG_REG_CASE(4, kind, val);                         \
		DBG_REG_CASE(5, kind, val);                         \
		DBG_REG_CASE(6, kind, val);                         \
		DBG_REG_CASE(7, kind, val);                         \
		DBG_REG_CASE(8, kind, val);                         \
		DBG_REG_CASE(9, kind, val);                         \
		DBG_REG_CASE(10, kind, val);                        \
		DBG_REG_CASE(11, kind, val);                        \
		DBG_REG_CASE(12, kind, val);                        \
		DBG_REG_CASE(13, kind, val);                        \
		DBG_REG_CASE(14, kind, val);                        \
		DBG_REG_CASE(15, kind, val);                        \
	default:                                                    \
		break;                                              \
	}

#define DBG_RD_CASE(n, kind, out)                                   \
	case n:                                                     \
		out = read_sysreg(dbg##kind##n##_el1);              \
		break

#define DBG_RD_SWITCH(kind, idx, out)                               \
	switch (idx) {                                              \
		DBG_RD_CASE(0, kind, out);                          \
		DBG_RD_CASE(1, kind, out);                          \
		DBG_RD_CASE(2, kind, out);                          \
		DBG_RD_CASE(3, kind, out);                          \
		DBG_RD_CASE(4, kind, out);                          \
		DBG_RD_CASE(5, kind, out);                          \
		DBG_RD_CASE(6, kind, out);                          \
		DBG_RD_CASE(7, kind, out);                          \
		DBG_RD_CASE(8, kind, out);                          \
		DBG_RD_CASE(9, kind, out);                          \
		DBG_RD_CASE(10, kind, out);                         \
		DBG_RD_CASE(11, kind, out);                         \
		DBG_RD_CASE(12, kind, out);                         \
		DBG_RD_CASE(13, kind, out);                         \
		DBG_RD_CASE(14, kind, out);                         \
		DBG_RD_CASE(15, kind, out);                         \
	default:                                                    \
		out = 0;                                            \
		break;                                              \
	}

static void write_bp(unsigned i, uint64_t bvr, uint64_t bcr)
{
	DBG_REG_SWITCH(bvr, i, bvr);
	DBG_REG_SWITCH(bcr, i, bcr);
}

static void write_wp(unsigned i, uint64_t wvr, uint64_t wcr)
{
	DBG_REG_SWITCH(wvr, i, wvr);
	DBG_REG_SWITCH(wcr, i, wcr);
}

unsigned arch_debug_brps(void)
{
	return cpu.brps < GDB_HW_SLOTS ? cpu.brps : GDB_HW_SLOTS;
}

unsigned arch_debug_wrps(void)
{
	return cpu.wrps < GDB_HW_SLOTS ? cpu.wrps : GDB_HW_SLOTS;
}

/* ------------------------------------------------------------ the guest's own */

#define SYS_DBGCLAIMSET_EL1 S2_0_C7_C8_6
#define SYS_DBGCLAIMCLR_EL1 S2_0_C7_C9_6

/* The slots the guest is told it has (ID_AA64DFR0_EL1, capped like the hardware's). */
static unsigned guest_brps(void)
{
	return cpu.brps < VDEBUG_MAX_BP ? cpu.brps : VDEBUG_MAX_BP;
}

static unsigned guest_wrps(void)
{
	return cpu.wrps < VDEBUG_MAX_BP ? cpu.wrps : VDEBUG_MAX_BP;
}

void arch_debug_guest_load(struct vcpu *v)
{
	const struct vdebug *d = &v->dbg;

	for (unsigned i = 0; i < guest_brps(); i++)
		write_bp(i, d->bvr[i], d->bcr[i]);
	for (unsigned i = 0; i < guest_wrps(); i++)
		write_wp(i, d->wvr[i], d->wcr[i]);
	write_sysreg(d->mdscr, mdscr_el1);
	write_sysreg(d->mdccint, mdccint_el1);
	write_sysreg(0xff, SYS_DBGCLAIMCLR_EL1);
	write_sysreg(d->claim, SYS_DBGCLAIMSET_EL1);
	/* The guest reaches these directly now; the OS lock stays trapped. */
	write_sysreg(cpu.mdcr & ~MDCR_TDA, mdcr_el2);
	v->dbg.in_hw = true;
	/* The ERET into the guest synchronizes these (no ISB needed). */
}

void arch_debug_guest_save(struct vcpu *v)
{
	struct vdebug *d = &v->dbg;

	for (unsigned i = 0; i < guest_brps(); i++) {
		DBG_RD_SWITCH(bvr, i, d->bvr[i]);
		DBG_RD_SWITCH(bcr, i, d->bcr[i]);
		write_bp(i, 0, 0);
	}
	for (unsigned i = 0; i < guest_wrps(); i++) {
		DBG_RD_SWITCH(wvr, i, d->wvr[i]);
		DBG_RD_SWITCH(wcr, i, d->wcr[i]);
		write_wp(i, 0, 0);
	}
	d->mdscr = read_sysreg(mdscr_el1);
	d->mdccint = read_sysreg(mdccint_el1);
	d->claim = read_sysreg(SYS_DBGCLAIMCLR_EL1) & 0xff;
	write_sysreg(0, mdscr_el1);
	write_sysreg(0, mdccint_el1);
	write_sysreg(0xff, SYS_DBGCLAIMCLR_EL1);
	write_sysreg(cpu.mdcr, mdcr_el2);
	v->dbg.in_hw = false;
	/* The next vCPU, or EL2 itself, runs without this guest's setup. */
	__asm__ volatile("isb" ::: "memory");
}

/* ------------------------------------------------------------ debugged entries */

/* ICH_HCR_EL2 as the vGIC left it, while a step runs with the virtual interface off. */
static uint64_t ich_hcr_saved[HYP_MAX_CPUS];
/* What a debugged entry loaded, to be cleared at its exit. */
static struct vm_gdb_hw loaded_hw[HYP_MAX_CPUS];

void arch_debug_enter(struct vcpu *v)
{
	struct vm_gdb_hw *hw = &loaded_hw[this_cpu_id()];
	bool step = v->gdb.step || v->dbg.skip;
	uint64_t mdscr = 0;

	/* The guest's own values go virtual while the debugger owns the hardware. */
	if (v->dbg.in_hw)
		arch_debug_guest_save(v);
	if (v->dbg.skip) {
		/* Over a hit the guest does not take: one instruction, no slots. */
		*hw = (struct vm_gdb_hw){ 0 };
	} else {
		mdscr = guest_debug_merge(v, &v->vm->gdb_hw, arch_debug_brps(), arch_debug_wrps(),
					  hw);
	}
	for (unsigned i = 0; i < hw->nr_bp; i++)
		write_bp(i, hw->bvr[i], hw->bcr[i]);
	for (unsigned i = 0; i < hw->nr_wp; i++)
		write_wp(i, hw->wvr[i], hw->wcr[i]);
	if (hw->nr_bp || hw->nr_wp)
		mdscr |= MDSCR_MDE;
	v->dbg.hw_step = step;
	if (step) {
		/* One instruction: MDSCR_EL1.SS with PSTATE.SS set by the ERET
		 * (Arm ARM D2.12, active-not-pending). Without step-irq the
		 * virtual CPU interface is off for that instruction, so the
		 * step cannot land in an interrupt handler; the list registers
		 * keep what they hold for the next entry. */
		mdscr |= MDSCR_SS;
		v->regs.pstate |= PSR_SS;
		if (!v->gdb.step_irq) {
			uint64_t hcr = read_sysreg(SYS_ICH_HCR_EL2);

			ich_hcr_saved[this_cpu_id()] = hcr;
			write_sysreg(hcr & ~(uint64_t)ICH_HCR_EN, SYS_ICH_HCR_EL2);
		}
	}
	write_sysreg(mdscr, mdscr_el1);
	write_sysreg(cpu.mdcr | MDCR_TDE, mdcr_el2);
	/* The ERET into the guest synchronizes these (no ISB needed). */
}

void arch_debug_exit(struct vcpu *v)
{
	const struct vm_gdb_hw *hw = &loaded_hw[this_cpu_id()];

	if (v->dbg.hw_step && !v->gdb.step_irq) {
		/* Back as the vGIC left it, with what the guest changed meanwhile (EOIcount). */
		uint64_t hcr = read_sysreg(SYS_ICH_HCR_EL2);

		write_sysreg((hcr & ~(uint64_t)ICH_HCR_EN) | (ich_hcr_saved[this_cpu_id()] & ICH_HCR_EN),
			     SYS_ICH_HCR_EL2);
	}
	for (unsigned i = 0; i < hw->nr_bp; i++)
		write_bp(i, 0, 0);
	for (unsigned i = 0; i < hw->nr_wp; i++)
		write_wp(i, 0, 0);
	write_sysreg(0, mdscr_el1);
	write_sysreg(cpu.mdcr, mdcr_el2);
	/* A step that did not complete (an interrupt exit) is re-armed at the
	 * next entry; the saved PSTATE carries no SS for anyone else. */
	if (v->dbg.hw_step)
		v->regs.pstate &= ~PSR_SS;
	__asm__ volatile("isb" ::: "memory"); /* EL2 runs without the guest's debug setup */
	/* The guest's own registers back in place: should the debugger be
	 * gone by the next entry, they are live again without a trap. */
	if (guest_debug_may_load(v))
		arch_debug_guest_load(v);
}

/* ------------------------------------------------------------ the stub's UART */

#define UART_DR   0x00
#define UART_FR   0x18
#define UART_IMSC 0x38
#define UART_ICR  0x44
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_INT_RX  (1u << 4)
#define UART_INT_RT  (1u << 6)

static volatile uint32_t *gdb_uart(void)
{
	return (volatile uint32_t *)(uintptr_t)platform.gdb_uart;
}

void arch_gdb_uart_enable(void)
{
	volatile uint32_t *base = gdb_uart();

	if (!base || !platform.gdb_uart_intid)
		return;
	/* What a debugger sent before the stub existed waits in the FIFO (and
	 * QEMU holds the rest back): the interrupt raised at once fetches it. */
	base[UART_IMSC / 4] = UART_INT_RX | UART_INT_RT;
	gic_spi_enable(platform.gdb_uart_intid, percpu[0].mpidr);
}

/* Drains the receive FIFO into the stub. Interrupt cleared first: see console_rx(). */
void arch_gdb_uart_rx(void)
{
	volatile uint32_t *base = gdb_uart();
	uint8_t buf[64];
	size_t n = 0;

	base[UART_ICR / 4] = UART_INT_RX | UART_INT_RT;
	while (!(base[UART_FR / 4] & UART_FR_RXFE)) {
		buf[n++] = (uint8_t)base[UART_DR / 4];
		if (n == sizeof(buf)) {
			gdb_rx(buf, n);
			n = 0;
		}
	}
	if (n)
		gdb_rx(buf, n);
}

void arch_gdb_tx(const char *s, size_t n)
{
	volatile uint32_t *base = gdb_uart();

	if (!base)
		return;
	for (size_t i = 0; i < n; i++) {
		while (base[UART_FR / 4] & UART_FR_TXFF)
			;
		base[UART_DR / 4] = (uint8_t)s[i];
	}
}
