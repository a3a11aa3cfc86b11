/*
 * The arch contract: everything the hypervisor's logic (core/, vgic/, dev/)
 * needs from the hardware, in one place. hyp/arch/aarch64 implements it for
 * EL2; hyp/arch/fake implements it on the host for the unit tests, recording
 * what was asked so tests can assert on it. Logic includes this header and
 * never a header under hyp/arch/ (scripts/layers.sh checks it).
 * The build puts the arch's include folder on the include path
 * (hyp/build.mk): hyp/arch/aarch64/include at EL2, hyp/arch/fake/include on
 * the host.
 */
#ifndef HYP_ARCH_H
#define HYP_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyp/include/compiler.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"

struct percpu;

/* ---------------------------------------------------------------- this CPU */

unsigned this_cpu_id(void);

/* ---------------------------------------------------------------- time */

/*
 * On the exit path, so each arch may make them inline: its own
 * arch_inline.h, found on the include path (hyp/arch/<arch>/include,
 * hyp/build.mk), defines or declares
 *	struct percpu *this_cpu(void);	TPIDR_EL2
 *	uint64_t arch_counter(void);	CNTPCT_EL0
 *	uint64_t arch_cycles(void);	CPU cycles at EL2, for what exit handling costs (32 bits wrap)
 *	uint64_t arch_vtimer_ctl(const struct vcpu *v);
 *		CNTV_CTL_EL0 of v, with the hardware's ISTATUS while v is loaded
 * (and arch_vtimer_load(), below, which every switch calls)
 */
#include "arch_inline.h"
uint64_t arch_counter_freq(void); /* CNTFRQ_EL0 */

/* Instructions retired at EL2 on this CPU (PMU event counter 0), for benchmarks. */
uint64_t arch_el2_insns(void);

/* TEST ONLY (HYPCFG_F_TEST_HVC_PAD): retire insns more instructions, rounded down to even.
 *	void arch_test_pad(uint64_t insns);	in arch_inline.h: the exit fast path pads inline */

/* ---------------------------------------------------------------- boot */

/* What the boot CPU found, for the boot log and the stage-2 and VMID setup. */
struct arch_caps {
	unsigned ipa_bits;  /* stage-2 input address size */
	unsigned vmid_bits; /* 8 or 16 */
	unsigned nr_lrs;    /* list registers */
	bool pauth;         /* pointer-authentication keys (switched lazily) */
};

/* Boot CPU, before anything else: learn the CPU, map RAM (platform.ram_*)
 * and turn the MMU on. */
void arch_boot_cpu_init(struct arch_caps *caps);
/* The CPU's ID registers as they are, for id_regs_sanitise(). */
void arch_read_id_regs(uint64_t raw[NR_ID_REGS]);
/* Once, on the boot CPU: the physical interrupt controller's shared part. */
void arch_irqchip_init(void);
/* Every CPU, before its run loop: EL2 controls and its interrupt controller
 * interface. 0, or -ENODEV when the controller has no interface for it. */
int arch_cpu_init(struct percpu *pc);
/* Starts CPU idx (percpu[idx].mpidr) at boot_secondary(idx), making what it
 * reads first visible to it while its MMU is off. 0 or a PSCI error. */
int arch_cpu_start(unsigned idx);
/* Interrupts from the console's UART (typed input) and from the GDB stub's. */
void arch_console_input_enable(void);
void arch_gdb_uart_enable(void);

/* What the configuration asks of the CPU beyond the basics (HYPCFG_F_MTE):
 * NULL when it is offered (and logged), else why the machine refuses it.
 * Called once, after hypcfg_check(), before arch_read_id_regs(), which then
 * hides what is not offered. */
const char *arch_config_offer(const struct hypcfg *c);

/* Stop the machine: PSCI SYSTEM_OFF to the firmware. */
__noreturn void arch_system_off(void);

/* ---------------------------------------------------------------- memory */

/* TLB maintenance for guests (Arm ARM D8.14). */
void arch_tlb_flush_guests(void);           /* every VMID, every CPU: TLBI ALLE1IS */
void arch_tlb_flush_vmid(uint64_t vttbr);   /* one VMID, every CPU: TLBI VMALLS12E1IS */
/* The stage-2 entries of [ipa, ipa + size) (pages) of one VMID, every CPU,
 * and that VMID's stage-1 entries, which may combine them: TLBI IPAS2E1IS
 * per page, then VMALLE1IS (a shadow stage 2's page changed or dropped). */
void arch_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size);

/* Make the data at [pa, pa + size) visible to a guest running with caches off. */
void arch_dcache_clean(uint64_t pa, uint64_t size);

/* Zero RAM before a new VM gets it: the data and, on a machine with MTE tag
 * memory, the allocation tags, so no VM reads another's tags. */
void arch_ram_scrub(uint64_t pa, uint64_t size);


/* Interrupt another physical CPU so that it reschedules (an SGI). */
void arch_kick_cpu(unsigned cpu);

/* What arch_handle_irqs() took, as a mask. */
#define IRQ_EV_RESCHED BIT(0) /* an SGI from another CPU */
#define IRQ_EV_TICK    BIT(1) /* the EL2 timer */
#define IRQ_EV_VTIMER  BIT(2) /* the running guest's virtual timer */
#define IRQ_EV_MAINT   BIT(3) /* the vGIC maintenance interrupt */
#define IRQ_EV_PMU     BIT(4) /* a guest PMU counter overflowed */
unsigned arch_handle_irqs(void);
void arch_timer_set(uint64_t deadline); /* SCHED_NO_EVENT: off */
void arch_idle(void);

/* ---------------------------------------------------------------- vCPUs */

/* HCR_EL2 for a freshly created vCPU. */
uint64_t arch_vcpu_hcr(void);

/* The vCPU in and out of the hardware. The put also stops its virtual timer
 * (CNTV_CTL_EL0 = 0, once its copy is saved): the next vCPU brings its own,
 * and an idle CPU must not take this one's interrupt. */
void arch_vcpu_load(struct vcpu *v);
void arch_vcpu_put(struct vcpu *v);
/* Runs the guest until it exits; the EXIT_TYPE_* (hyp/include/run.h) it took. */
unsigned arch_vcpu_enter(struct vcpu *v);

/* The loaded vCPU's first use of its pointer-authentication keys trapped
 * (a PAuth instruction, EC 0x09, or a key register, EC 0x18): its keys go
 * in and stop trapping; the instruction runs again. False when the CPU has
 * no keys to give (the guest was told it has none): UNDEF. */
bool arch_vcpu_pauth_trap(struct vcpu *v);

/* A guest EL1 register, wherever it lives right now (hardware when loaded). */
uint64_t vcpu_el1_read(const struct vcpu *v, enum el1_reg r);
void vcpu_el1_write(struct vcpu *v, enum el1_reg r, uint64_t val);

/* Nested virtualization: drop this CPU's stage-1 TLB entries of the
 * running vCPU's VMID (a guest hypervisor switched between its EL2 regime
 * and its guest's EL1&0 regime, which share it). */
void arch_nv_flush_s1(void);
/* VMPIDR_EL2 of the loaded vCPU (what its EL1 reads as MPIDR_EL1): a guest
 * hypervisor's value for its guest while that runs. */
void arch_vcpu_vmpidr(uint64_t vmpidr);

/* A virtual SError pending for the vCPU (HCR_EL2.VSE), taken when the guest
 * unmasks PSTATE.A. */
void arch_vcpu_pend_serror(struct vcpu *v);

/* FP/SIMD registers: lazily switched. Make v's live in this CPU; forget that
 * v's are live anywhere (they were reset); save a guest's live ones before
 * EL2 code that uses them (libfdt). */
void arch_fpsimd_switch(struct vcpu *v);
void arch_fpsimd_forget(struct vcpu *v);
void arch_fpsimd_release(void);

/*
 * The guest PMU in the hardware (hyp/core/vpmu.c): event counters below
 * MDCR_EL2.HPMN by index, 31 the cycle counter (PMCCNTR_EL0, PMCCFILTR_EL0).
 */
uint64_t arch_pmu_read_counter(unsigned idx);
void arch_pmu_write_counter(unsigned idx, uint64_t val);
void arch_pmu_write_type(unsigned idx, uint64_t type);
/* The guest-owned controls: PMCR_EL0 (E, D, LC), which guest counters count
 * and interrupt, PMUSERENR_EL0. All zero stops the guest's counters. */
void arch_pmu_control(uint64_t pmcr, uint64_t cnten, uint64_t inten, uint64_t userenr);
/* The guest counters' overflow flags, cleared in the hardware. */
uint64_t arch_pmu_take_overflow(void);

/* The instruction at the guest's PC (stage 1 and 2 walked by the MMU), for the trace. */
bool arch_guest_insn(const struct vcpu *v, uint32_t *insn);

/* The vGIC's hardware side: the list registers around each entry (the
 * virtual CPU interface's state goes in and out with arch_vcpu_load() and
 * arch_vcpu_put()). */
void arch_vgic_flush(struct vcpu *v);
void arch_vgic_fold(struct vcpu *v);

/* ---------------------------------------------------------------- consoles and debug */

/* The physical console (a PL011 the hypervisor owns). */
void arch_console_write(const char *s, size_t n);

/* The GDB stub's UART (the second PL011): bytes to the debugger. */
void arch_gdb_tx(const char *s, size_t n);
/* Hardware breakpoints and watchpoints the CPU offers (ID_AA64DFR0_EL1). */
unsigned arch_debug_brps(void);
unsigned arch_debug_wrps(void);

/* The guest's virtual timer on this CPU (hyp/core/timer.c decides when);
 * and in arch_inline.h:
 *	void arch_vtimer_load(uint64_t cntvoff, bool ppi_active);
 *		the loading vCPU's: CNTVOFF_EL2 (its VM's), then the physical PPI 27's active state */
void arch_vtimer_ppi_active(bool active);   /* the physical PPI 27's active state */
void arch_vtimer_refresh(struct vcpu *v);   /* loaded v: the CPU re-evaluates ISTATUS now */

/*
 * The guest's own debug registers (struct vdebug, hyp/include/guest_debug.h)
 * into the hardware with MDCR_EL2.TDA cleared for the vCPU (in_hw), and
 * back out (saved, hardware cleared, TDA set again). The vCPU is loaded.
 */
void arch_debug_guest_load(struct vcpu *v);
void arch_debug_guest_save(struct vcpu *v);

#endif
