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

/* The vector tables in entry.S; two identical copies so VBAR_EL1 can vary. */
extern char exception_vectors[], exception_vectors_alt[];

/* ------------------------------------------------------------ SMCCC / PSCI */

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/* HVC #0 with x0..x3 in and out (SMCCC 1.1, SMC64/SMC32 fast calls). */
struct smccc_res smccc_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

#define SMCCC_VERSION_FN	 0x80000000u
#define SMCCC_ARCH_FEATURES_FN	 0x80000001u
#define SMCCC_ARCH_WORKAROUND_1	 0x80008000u
#define SMCCC_RET_SUCCESS	 0
#define SMCCC_RET_NOT_SUPPORTED	 (-1)

#define PSCI_VERSION		 0x84000000u
#define PSCI_CPU_SUSPEND_64	 0xc4000001u
#define PSCI_CPU_OFF		 0x84000002u
#define PSCI_CPU_ON_64		 0xc4000003u
#define PSCI_AFFINITY_INFO_64	 0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE	 0x84000006u
#define PSCI_SYSTEM_OFF		 0x84000008u
#define PSCI_SYSTEM_RESET	 0x84000009u
#define PSCI_FEATURES		 0x8400000au

#define PSCI_RET_SUCCESS	    0
#define PSCI_RET_NOT_SUPPORTED	    (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_DENIED		    (-3)
#define PSCI_RET_ALREADY_ON	    (-4)
#define PSCI_RET_ON_PENDING	    (-5)

#define PSCI_AFF_ON	    0
#define PSCI_AFF_OFF	    1
#define PSCI_AFF_ON_PENDING 2

#define PSCI_MIGRATE_NOT_REQUIRED 2 /* no Trusted OS that needs migrating */

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
 * Arm CNTV to fire at @cval and WFI until the counter reaches it, with
 * PSTATE.I kept set; the timer is disabled again on return. Returns the
 * number of WFIs it took.
 */
unsigned int timer_wfi_until(uint64_t cval);

/* ------------------------------------------------------------ FDT */

bool fdt_check(const void *blob, uint32_t *size);
/* Number of /cpus children with device_type "cpu"; 0 when none found. */
unsigned int fdt_count_cpus(const void *blob);
/* The first /memory node's first range; false when there is none. */
bool fdt_memory(const void *blob, uint64_t *base, uint64_t *size);

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
