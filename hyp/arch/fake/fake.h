/*
 * The host stand-in for hyp/arch: what the logic asked of the "hardware"
 * is recorded here so unit tests can assert on it, and tests set what the
 * hardware would answer (the counter, for one).
 */
#ifndef HYP_ARCH_FAKE_H
#define HYP_ARCH_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/sysreg_emul.h"

/* The bit arch_vcpu_pend_serror() sets in vcpu->hcr: HCR_EL2.VSE, as on the hardware. */
#define FAKE_HCR_VSE (1ull << 8)

struct fake_arch {
	uint64_t counter;          /* what arch_counter() returns */
	uint64_t counter_step;     /* added after each read */
	uint64_t freq;
	unsigned cpu;              /* what this_cpu_id() returns */
	unsigned tlb_flush_all;    /* arch_tlb_flush_guests() calls */
	unsigned tlb_flush_vmid;
	uint64_t last_flush_vttbr;
	unsigned tlb_flush_ipa;    /* arch_tlb_flush_ipa() calls, and the last one's range */
	uint64_t last_flush_ipa, last_flush_size;
	unsigned kicks[8];         /* arch_kick_cpu() per CPU */
	unsigned dcache_cleans;
	unsigned ram_scrubs;       /* arch_ram_scrub() calls, and the last one's range */
	uint64_t ram_scrub_pa, ram_scrub_size;
	unsigned fpsimd_switches;
	unsigned fpsimd_releases;
	bool pauth;                /* the "CPU" has pointer-authentication keys */
	unsigned pauth_traps;      /* arch_vcpu_pauth_trap() calls */
	bool system_off;
	char console[8192];        /* what was written to the console */
	unsigned console_len;
	uint64_t timer_deadline;
	uint64_t cntvoff;          /* arch_vtimer_load() */
	bool vtimer_ppi_active;    /* arch_vtimer_ppi_active() as last set */
	unsigned vtimer_ppi_writes;
	unsigned vtimer_refreshes; /* arch_vtimer_refresh() calls */
	unsigned irq_events;       /* what arch_handle_irqs() reports next */
	unsigned test_pad_calls;   /* arch_test_pad() calls */
	uint64_t test_pad_insns;   /* and the instructions they would have retired */
	char gdb_tx[8192];         /* what went to the GDB stub's UART */
	unsigned gdb_tx_len;
	unsigned brps, wrps;       /* debug registers the "CPU" offers (6 and 4) */
	uint64_t id_regs[NR_ID_REGS]; /* what arch_read_id_regs() reads */
	unsigned boot_cpu_inits;   /* arch_boot_cpu_init() calls */
	unsigned nv_flushes;       /* arch_nv_flush_s1() calls */
	uint64_t vmpidr;           /* the last arch_vcpu_vmpidr() */
	unsigned irqchip_inits;    /* arch_irqchip_init() calls */
	unsigned cpu_inits[8];     /* arch_cpu_init() per CPU */
	unsigned cpu_starts[8];    /* arch_cpu_start() per CPU */
	bool console_input;        /* arch_console_input_enable() was called */
	bool gdb_uart;             /* arch_gdb_uart_enable() was called */
	unsigned debug_loads;      /* arch_debug_guest_load() calls */
	unsigned debug_saves;      /* arch_debug_guest_save() calls */
	uint32_t guest_insn;       /* what arch_guest_insn() reads at any PC... */
	bool guest_insn_valid;     /* ...when set (else the walk "faults") */
	struct {                   /* the guest part of the PMU (arch_pmu_*) */
		uint64_t cntr[32], type[32]; /* event counters 0..30, 31 the cycle counter */
		uint64_t pmcr, cnten, inten, userenr;
		uint64_t ovs;              /* overflow flags tests raise */
		unsigned loads;            /* arch_pmu_control() with anything enabled */
	} pmu;
};

extern struct fake_arch fake;

void fake_reset(void);

#endif
