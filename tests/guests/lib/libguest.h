/*
 * The test guests' runtime: what every tests/guests/<name>.c may call.
 *
 * A guest is a bare-metal EL1 program with the MMU off. It provides
 * int main(void) for the boot vCPU; the runtime has already parsed the DTB
 * (when there is one), installed its exception vectors and enabled FP/SIMD
 * access. Returning from main() is guest_exit(<return value>).
 *
 * The same binaries also boot on a plain QEMU virt board at EL1 (PSCI over
 * HVC handled by QEMU, no DTB in x0): the hypscope-specific hypercalls then
 * answer NOT_SUPPORTED and the runtime falls back where it can.
 */
#ifndef GUEST_LIBGUEST_H
#define GUEST_LIBGUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/hypercall.h"
#include "formats/smccc.h"
#include "sysreg.h"

#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __aligned(x) __attribute__((aligned(x)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Per-vCPU state is indexed by MPIDR_EL1.Aff0; hypscope gives a VM up to 4. */
#define GUEST_MAX_VCPUS 4u
#define GUEST_STACK_SIZE 0x4000u

/* ------------------------------------------------------------ boot facts */

struct boot_info {
	const void *dtb;     /* NULL when x0 did not point at a valid FDT */
	uint32_t dtb_size;
	unsigned int nr_vcpus;   /* from the DTB's /cpus, else probed with AFFINITY_INFO */
	uint64_t ram_base;   /* from the DTB's /memory, else GUEST_RAM_IPA */
	uint64_t ram_size;   /* 0 when unknown (no DTB) */
	bool hypscope;       /* the vendor UID call answered hypscope's UID */
};
extern struct boot_info boot;

/* Linker-provided image bounds. */
extern char __image_start[], __image_end[];

int main(void);

/* ------------------------------------------------------------ strings */

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* ------------------------------------------------------------ console */

/* PL011 at GUEST_UART_IPA, polled. Register offsets from the PL011 TRM. */
#define UART_DR	   0x000u
#define UART_FR	   0x018u
#define UART_IBRD  0x024u
#define UART_FBRD  0x028u
#define UART_LCR_H 0x02cu
#define UART_CR	   0x030u
#define UART_IMSC  0x038u
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_FR_TXFE (1u << 7)

void uart_putc(char c);
void uart_write(const char *s, size_t n);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* One call is one uninterrupted piece of console output, even with several vCPUs. */
int printf(const char *fmt, ...) __printf(1, 2);
int puts(const char *s);

/* ------------------------------------------------------------ reporting */

void report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_info(const char *fmt, ...) __printf(1, 2);
/* A prefix for this vCPU's report lines until the matching pop (nested up to 4). */
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
void report_skip(const char *fmt, ...) __printf(1, 2);
/* Prints "SUMMARY: N tests, M unexpected failures"; returns 0 when M == 0, else 1. */
int report_summary(void);
/* HYPSCOPE_HVC_EXIT with @status, then PSCI SYSTEM_OFF if that returns. */
void guest_exit(int status) __noreturn;

/* Status used when the runtime itself gives up (unexpected exception...). */
#define GUEST_EXIT_RUNTIME_ERROR 0x7f

/* ------------------------------------------------------------ exceptions */

struct exception_info {
	uint64_t esr;
	uint64_t far;
	uint64_t elr;
};

/*
 * Arm the next synchronous exception on this vCPU: it is recorded, the
 * faulting instruction is skipped (ELR_EL1 += 4) and execution resumes.
 * Any exception that was not expected is a failure: it is reported and
 * the guest exits.
 */
void expect_exception(void);
/* Disarm; true (and *info filled) when an exception arrived since expect_exception(). */
bool exception_taken(struct exception_info *info);

/*
 * Run fn at EL0 (EL0t, DAIF masked, MMU off, its own small stack) and return
 * what it returns. Its synchronous exceptions honour expect_exception() as
 * EL1's do (the instruction is skipped, EL0 carries on).
 */
uint64_t el0_run(uint64_t (*fn)(void));

/* The vector tables in entry.S; two identical copies so VBAR_EL1 can vary. */
extern char exception_vectors[], exception_vectors_alt[];

/* ------------------------------------------------------------ SMCCC / PSCI */

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/* HVC #0 with x0..x3 in and out (SMCCC 1.1, SMC64/SMC32 fast calls). */
struct smccc_res smccc_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

int32_t psci_version(void);
int32_t psci_features(uint32_t fn);
int32_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id);
int32_t psci_cpu_off(void);
int32_t psci_affinity_info(uint64_t mpidr);
int32_t psci_migrate_info_type(void);
void psci_system_off(void) __noreturn;

/* hypscope's vendor calls (formats/hypercall.h). */
struct vm_info {
	uint64_t serial; /* 0 when not running under hypscope */
	uint64_t slot;
	uint64_t vcpu;
	bool valid;
};
bool hypscope_present(void); /* the vendor UID call answers hypscope's UID */
bool hypscope_vm_info(struct vm_info *info);
int64_t hypscope_nop(void);

/* ------------------------------------------------------------ atomics, locks */

/* A lock word: 0 free, else owner vCPU + 1. LDAXR/STLXR only (no LSE on cortex-a57). */
struct spinlock {
	uint32_t owner;
};
#define SPINLOCK_INIT {0}

void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
bool spin_is_held_by_me(struct spinlock *lock);

uint64_t atomic_add_return(uint64_t *p, uint64_t v);

static inline uint32_t load_acquire32(const uint32_t *p)
{
	uint32_t v;

	asm volatile("ldar %w0, %1" : "=r"(v) : "Q"(*p) : "memory");
	return v;
}

static inline void store_release32(uint32_t *p, uint32_t v)
{
	asm volatile("stlr %w1, %0" : "=Q"(*p) : "r"(v) : "memory");
}

static inline uint64_t load_acquire64(const uint64_t *p)
{
	uint64_t v;

	asm volatile("ldar %0, %1" : "=r"(v) : "Q"(*p) : "memory");
	return v;
}

static inline void store_release64(uint64_t *p, uint64_t v)
{
	asm volatile("stlr %1, %0" : "=Q"(*p) : "r"(v) : "memory");
}

/* ------------------------------------------------------------ SMP */

/* MPIDR_EL1.Aff0 of the calling vCPU. */
static inline unsigned int smp_processor_id(void)
{
	return read_sysreg(mpidr_el1) & 0xff;
}

/* The entry point handed to CPU_ON (entry.S); it runs secondary_start(x0). */
void secondary_entry(void);

/*
 * Start vCPU @cpu running fn(arg) through PSCI CPU_ON; it calls CPU_OFF
 * when fn returns. Returns the PSCI status.
 */
int32_t smp_start(unsigned int cpu, void (*fn)(void *), void *arg);
/* Wait until fn returned on @cpu and PSCI reports the vCPU OFF (false: it never did). */
bool smp_wait(unsigned int cpu);
/* The context id smp_start() passes to CPU_ON for @cpu... */
uint64_t smp_expected_context(unsigned int cpu);
/* ...and the one the calling secondary really received in x0. */
uint64_t smp_context_id(void);
/* Wake vCPUs waiting in WFE after a store they poll for (pairs with wfe()). */
static inline void smp_notify(void)
{
	dsb(ish);
	sev();
}

/* ------------------------------------------------------------ time */

static inline uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

static inline uint64_t timer_now(void)
{
	/*
	 * Counter reads are not ordered with the instructions around them
	 * (Arm ARM, "Generic Timer"): without the ISB it may be taken early.
	 */
	isb();
	return read_sysreg(cntvct_el0);
}

static inline uint64_t timer_ticks_us(uint64_t us)
{
	return timer_freq() * us / 1000000u;
}

void delay_us(uint64_t us);

/*
 * Spin (with YIELD) until @cond holds or @us microseconds passed; the value
 * is whether @cond held. @cond is evaluated again after the deadline, so a
 * condition met just in time counts.
 */
#define spin_until(cond, us)                                                                       \
	({                                                                                         \
		uint64_t __end = timer_now() + timer_ticks_us(us);                                 \
		while (!(cond) && timer_now() < __end)                                             \
			cpu_relax();                                                               \
		(bool)(cond);                                                                      \
	})
/*
 * Arm CNTV to fire at @cval and WFI until the counter reaches it, with
 * PSTATE.I kept set; the timer is disabled again on return. Returns the
 * number of WFIs it took.
 */
unsigned int timer_wfi_until(uint64_t cval);

/* ------------------------------------------------------------ MMIO */

/*
 * Device accesses as single plain LDR/STR instructions with a base register
 * and no offset or writeback, so a trapping access always has a valid
 * syndrome (ESR_EL2.ISV = 1) for the hypervisor to emulate. A C volatile
 * access leaves the addressing mode (and, in loops, writeback) to the
 * compiler.
 */
static inline uint8_t mmio_read8(uint64_t addr)
{
	uint32_t v;

	asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint8_t)v;
}

static inline uint16_t mmio_read16(uint64_t addr)
{
	uint32_t v;

	asm volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint16_t)v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	uint64_t v;

	asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	asm volatile("strb %w0, [%1]" : : "rZ"((uint32_t)v), "r"(addr) : "memory");
}

static inline void mmio_write16(uint64_t addr, uint16_t v)
{
	asm volatile("strh %w0, [%1]" : : "rZ"((uint32_t)v), "r"(addr) : "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	asm volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	asm volatile("str %x0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

/* ------------------------------------------------------------ interrupts */

/*
 * IRQs taken at EL1 (current EL, SP_ELx) go to the calling vCPU's handler,
 * with PSTATE.I set as the exception left it. The handler acknowledges and
 * completes the interrupt itself (gic_ack()/gic_eoi()), and may unmask IRQs
 * to let higher-priority ones preempt it: the interrupted context's ELR and
 * SPSR are already saved. An IRQ with no handler installed fails the guest.
 */
typedef void (*irq_handler_t)(void);
void irq_set_handler(irq_handler_t fn);

#define DAIF_I (1u << 7)

static inline void irq_enable(void)
{
	asm volatile("msr daifclr, #2" ::: "memory");
	/* A pending interrupt is taken here, not some instructions later. */
	isb();
}

static inline void irq_disable(void)
{
	asm volatile("msr daifset, #2" ::: "memory");
}

static inline bool irqs_disabled(void)
{
	return read_sysreg(daif) & DAIF_I;
}

/* ------------------------------------------------------------ GICv3 */

/*
 * A small GICv3 driver (IHI 0069): affinity routing, every interrupt in
 * Group 1, the CPU interface through the ICC_* system registers with
 * EOImode 0 (a write to ICC_EOIR1_EL1 drops the priority and deactivates).
 * SGI and PPI operations act on the calling vCPU's redistributor.
 */
#define GIC_NR_SGIS	    16u
#define GIC_NR_PRIVATE	    32u
#define GIC_INTID_VTIMER    27u /* EL1 virtual timer PPI */
#define GIC_INTID_PTIMER    30u /* EL1 physical timer PPI */
#define GIC_INTID_UART	    (32u + GUEST_UART_SPI)
#define GIC_INTID_SPURIOUS  1023u
#define GIC_PRIO_DEFAULT    0xa0u

/* Distributor (GICD_*) offsets */
#define GICD_CTLR	    0x0000u
#define GICD_TYPER	    0x0004u
#define GICD_IIDR	    0x0008u
#define GICD_IGROUPR	    0x0080u
#define GICD_ISENABLER	    0x0100u
#define GICD_ICENABLER	    0x0180u
#define GICD_ISPENDR	    0x0200u
#define GICD_ICPENDR	    0x0280u
#define GICD_ISACTIVER	    0x0300u
#define GICD_ICACTIVER	    0x0380u
#define GICD_IPRIORITYR	    0x0400u
#define GICD_ICFGR	    0x0c00u
#define GICD_IROUTER	    0x6000u /* IROUTER<n> at + 8 * n, n >= 32 */
#define GICD_PIDR2	    0xffe8u
#define GICD_CTLR_ENGRP0    (1u << 0)
#define GICD_CTLR_ENGRP1    (1u << 1)
#define GICD_CTLR_ARE	    (1u << 4)
#define GICD_CTLR_DS	    (1u << 6)
#define GICD_CTLR_RWP	    (1u << 31)
#define GICD_TYPER_ITLINES(t) ((t) & 0x1fu)

/* Redistributor: RD frame, then the SGI frame 64 KiB above it */
#define GICR_CTLR	    0x0000u
#define GICR_IIDR	    0x0004u
#define GICR_TYPER	    0x0008u
#define GICR_WAKER	    0x0014u
#define GICR_PIDR2	    0xffe8u
#define GICR_SGI_FRAME	    0x10000u
#define GICR_IGROUPR0	    (GICR_SGI_FRAME + 0x0080u)
#define GICR_ISENABLER0	    (GICR_SGI_FRAME + 0x0100u)
#define GICR_ICENABLER0	    (GICR_SGI_FRAME + 0x0180u)
#define GICR_ISPENDR0	    (GICR_SGI_FRAME + 0x0200u)
#define GICR_ICPENDR0	    (GICR_SGI_FRAME + 0x0280u)
#define GICR_ISACTIVER0	    (GICR_SGI_FRAME + 0x0300u)
#define GICR_ICACTIVER0	    (GICR_SGI_FRAME + 0x0380u)
#define GICR_IPRIORITYR	    (GICR_SGI_FRAME + 0x0400u)
#define GICR_ICFGR0	    (GICR_SGI_FRAME + 0x0c00u)
#define GICR_ICFGR1	    (GICR_SGI_FRAME + 0x0c04u)
#define GICR_CTLR_RWP	    (1u << 3)
#define GICR_TYPER_LAST	    (1u << 4)
#define GICR_WAKER_PSLEEP   (1u << 1)
#define GICR_WAKER_CASLEEP  (1u << 2)

/* ICC_SGI1R_EL1 fields */
#define ICC_SGI1R_TARGETS(t) ((uint64_t)(t) & 0xffffu)
#define ICC_SGI1R_AFF1(a)    ((uint64_t)((a) & 0xffu) << 16)
#define ICC_SGI1R_INTID(i)   ((uint64_t)((i) & 0xfu) << 24)
#define ICC_SGI1R_AFF2(a)    ((uint64_t)((a) & 0xffu) << 32)
#define ICC_SGI1R_IRM	     (1ull << 40)
#define ICC_SGI1R_RS(r)	     ((uint64_t)((r) & 0xfu) << 44)
#define ICC_SGI1R_AFF3(a)    ((uint64_t)((a) & 0xffu) << 48)

/* ICC_CTLR_EL1 fields */
#define ICC_CTLR_CBPR	     (1u << 0)
#define ICC_CTLR_EOIMODE     (1u << 1)
#define ICC_CTLR_PRIBITS(c)  ((unsigned int)(((c) >> 8) & 7u) + 1u)

/*
 * Bring up the GIC for the calling vCPU: the distributor once per VM (all
 * SPIs disabled, Group 1, level, priority GIC_PRIO_DEFAULT, routed to vCPU
 * 0; then ARE and EnableGrp1), this vCPU's redistributor (woken through
 * GICR_WAKER; SGIs and PPIs disabled, Group 1, GIC_PRIO_DEFAULT) and the CPU
 * interface (PMR open, smallest binary point, EOImode 0, Group 1 enabled).
 * PSTATE.I is left as it is. false when no redistributor matches the vCPU.
 */
bool gic_init(void);
/* RD frame of vCPU @cpu (MPIDR Aff0), found by GICR_TYPER affinity; 0 if none. */
uint64_t gic_rd_base(unsigned int cpu);
/* INTIDs the distributor implements: 32 * (GICD_TYPER.ITLinesNumber + 1). */
unsigned int gic_nr_irqs(void);

void gic_irq_enable(unsigned int intid);
void gic_irq_disable(unsigned int intid);
void gic_irq_set_priority(unsigned int intid, uint8_t prio);
uint8_t gic_irq_priority(unsigned int intid);
/* PPIs and SPIs; SGIs are always edge-triggered. */
void gic_irq_set_edge(unsigned int intid, bool edge);
/* GICD_IROUTER<intid> = @aff (Aff3 in [39:32], Aff2.Aff1.Aff0 in [23:0]). */
void gic_spi_route(unsigned int intid, uint64_t aff);
void gic_irq_set_pending(unsigned int intid);
void gic_irq_clear_pending(unsigned int intid);
bool gic_irq_pending(unsigned int intid);
bool gic_irq_active(unsigned int intid);
void gic_irq_clear_active(unsigned int intid);

/* ICC_IAR1_EL1: the INTID taken, now active; GIC_INTID_SPURIOUS when none. */
static inline uint32_t gic_ack(void)
{
	uint32_t intid = read_sysreg_s(SYS_ICC_IAR1_EL1) & 0xffffffu;

	/* The acknowledge completes before the handler's accesses that follow. */
	dsb(sy);
	return intid;
}

/* ICC_EOIR1_EL1 with EOImode 0: priority drop and deactivation. */
static inline void gic_eoi(uint32_t intid)
{
	write_sysreg_s(intid, SYS_ICC_EOIR1_EL1);
	/* The priority drop applies to what follows (IHI 0069, ICC_EOIR1_EL1). */
	isb();
}

static inline void gic_set_pmr(uint8_t prio)
{
	write_sysreg_s(prio, SYS_ICC_PMR_EL1);
	isb();
}

static inline uint8_t gic_pmr(void)
{
	return read_sysreg_s(SYS_ICC_PMR_EL1) & 0xffu;
}

static inline uint8_t gic_rpr(void)
{
	return read_sysreg_s(SYS_ICC_RPR_EL1) & 0xffu;
}

static inline uint32_t gic_hppir(void)
{
	return read_sysreg_s(SYS_ICC_HPPIR1_EL1) & 0xffffffu;
}

static inline void gic_set_bpr1(unsigned int bpr)
{
	write_sysreg_s(bpr & 7u, SYS_ICC_BPR1_EL1);
	isb();
}

static inline unsigned int gic_bpr1(void)
{
	return read_sysreg_s(SYS_ICC_BPR1_EL1) & 7u;
}

/* Write ICC_SGI1R_EL1 as given (after a DSB: stores before it are visible to the target). */
void gic_sgi1r(uint64_t value);
/* SGI @intid to the vCPUs in @targets (bit n: Aff0 = n, Aff3.Aff2.Aff1 = 0.0.0). */
void gic_sgi_send(unsigned int intid, uint16_t targets);
/* SGI @intid to every vCPU but the caller (IRM = 1). */
void gic_sgi_send_others(unsigned int intid);

/* ------------------------------------------------------------ FDT */

bool fdt_check(const void *blob, uint32_t *size);
/* Number of /cpus children with device_type "cpu"; 0 when none found. */
unsigned int fdt_count_cpus(const void *blob);
/* The first /memory node's first range; false when there is none. */
bool fdt_memory(const void *blob, uint64_t *base, uint64_t *size);
/* /chosen/bootargs (the run's cmdline=), inside the blob; NULL when there is none. */
const char *fdt_bootargs(const void *blob);
/*
 * The value of KEY=VALUE in the boot arguments (the VM's cmdline=), a
 * number in decimal or 0x hex; false when absent or not a number.
 */
bool boot_arg_u64(const char *key, uint64_t *val);

/* Simple deterministic mixing for test patterns. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

#endif
