/*
 * The host stand-in for hyp/arch (hyp/arch/fake/fake.h): every function of
 * the arch contract, answering from and recording into struct fake_arch.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/arch/fake/fake.h"
#include "hyp/include/arch.h"
#include "hyp/include/mm.h"
#include "hyp/include/panic.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"

struct fake_arch fake;
struct percpu percpu[HYP_MAX_CPUS];
unsigned nr_cpus = 1;

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.freq = 62500000;
	fake.counter = 1000;
	memset(percpu, 0, sizeof(percpu));
	for (unsigned i = 0; i < HYP_MAX_CPUS; i++)
		percpu[i].id = i;
	nr_cpus = 1;
	fake.brps = 6;
	fake.wrps = 4;
}

void arch_gdb_tx(const char *s, size_t n)
{
	size_t room = sizeof(fake.gdb_tx) - 1 - fake.gdb_tx_len;

	if (n > room)
		n = room;
	memcpy(fake.gdb_tx + fake.gdb_tx_len, s, n);
	fake.gdb_tx_len += (unsigned)n;
	fake.gdb_tx[fake.gdb_tx_len] = '\0';
}

unsigned arch_debug_brps(void)
{
	return fake.brps;
}

unsigned arch_debug_wrps(void)
{
	return fake.wrps;
}

/* The fake's "hardware" debug registers are struct vdebug itself. */
void arch_debug_guest_load(struct vcpu *v)
{
	v->dbg.in_hw = true;
	fake.debug_loads++;
}

void arch_debug_guest_save(struct vcpu *v)
{
	v->dbg.in_hw = false;
	fake.debug_saves++;
}

uint64_t arch_counter(void)
{
	uint64_t v = fake.counter;

	fake.counter += fake.counter_step;
	return v;
}

uint64_t arch_counter_freq(void)
{
	return fake.freq;
}

void arch_tlb_flush_guests(void)
{
	fake.tlb_flush_all++;
}

void arch_tlb_flush_vmid(uint64_t vttbr)
{
	fake.tlb_flush_vmid++;
	fake.last_flush_vttbr = vttbr;
}

void arch_tlb_flush_ipa(uint64_t vttbr, uint64_t ipa, uint64_t size)
{
	fake.tlb_flush_ipa++;
	fake.last_flush_vttbr = vttbr;
	fake.last_flush_ipa = ipa;
	fake.last_flush_size = size;
}

void arch_dcache_clean(uint64_t pa, uint64_t size)
{
	(void)pa;
	(void)size;
	fake.dcache_cleans++;
}

void arch_ram_scrub(uint64_t pa, uint64_t size)
{
	memset(phys_to_virt(pa), 0, size);
	fake.ram_scrubs++;
	fake.ram_scrub_pa = pa;
	fake.ram_scrub_size = size;
}

void arch_kick_cpu(unsigned cpu)
{
	if (cpu < 8)
		fake.kicks[cpu]++;
}

uint64_t vcpu_el1_read(const struct vcpu *v, enum el1_reg r)
{
	return v->el1[r];
}

void vcpu_el1_write(struct vcpu *v, enum el1_reg r, uint64_t val)
{
	v->el1[r] = val;
}

void arch_fpsimd_release(void)
{
	fake.fpsimd_releases++;
}

void arch_fpsimd_switch(struct vcpu *v)
{
	(void)v;
	fake.fpsimd_switches++;
}

void arch_fpsimd_forget(struct vcpu *v)
{
	(void)v;
}

void arch_console_write(const char *s, size_t n)
{
	size_t room = sizeof(fake.console) - 1 - fake.console_len;

	if (n > room)
		n = room;
	memcpy(fake.console + fake.console_len, s, n);
	fake.console_len += (unsigned)n;
	fake.console[fake.console_len] = '\0';
}

void arch_vcpu_pend_serror(struct vcpu *v)
{
	v->hcr |= FAKE_HCR_VSE;
}

bool arch_vcpu_pauth_trap(struct vcpu *v)
{
	(void)v;
	fake.pauth_traps++;
	return fake.pauth;
}

uint64_t arch_vcpu_hcr(void)
{
	return 0x80000000ull; /* HCR_EL2.RW, enough for the logic */
}

void arch_boot_cpu_init(struct arch_caps *caps)
{
	fake.boot_cpu_inits++;
	*caps = (struct arch_caps){ .ipa_bits = 40, .vmid_bits = 16, .nr_lrs = 4 };
}

const char *arch_config_offer(const struct hypcfg *c)
{
	return c->flags & HYPCFG_F_MTE ? "--mte: the fake CPU has no MTE" : NULL;
}

void arch_vcpu_vmpidr(uint64_t vmpidr)
{
	fake.vmpidr = vmpidr;
}

void arch_nv_flush_s1(void)
{
	fake.nv_flushes++;
}

void arch_read_id_regs(uint64_t raw[NR_ID_REGS])
{
	memcpy(raw, fake.id_regs, sizeof(fake.id_regs));
}

void arch_irqchip_init(void)
{
	fake.irqchip_inits++;
}

int arch_cpu_init(struct percpu *pc)
{
	if (pc->id < 8)
		fake.cpu_inits[pc->id]++;
	return 0;
}

int arch_cpu_start(unsigned idx)
{
	if (idx < 8)
		fake.cpu_starts[idx]++;
	return -EIO; /* the fake has no other CPUs to start */
}

void arch_console_input_enable(void)
{
	fake.console_input = true;
}

void arch_gdb_uart_enable(void)
{
	fake.gdb_uart = true;
}

__noreturn void arch_system_off(void)
{
	fake.system_off = true;
	fprintf(stderr, "fake arch: system off\n");
	exit(0);
}

struct percpu *this_cpu(void)
{
	return &percpu[fake.cpu];
}

unsigned this_cpu_id(void)
{
	return fake.cpu;
}

unsigned arch_handle_irqs(void)
{
	unsigned ev = fake.irq_events;

	fake.irq_events = 0;
	return ev;
}

void arch_timer_set(uint64_t deadline)
{
	fake.timer_deadline = deadline;
}

uint64_t arch_vtimer_ctl(const struct vcpu *v)
{
	return v->el1[CNTV_CTL_EL0];
}

void arch_vtimer_load(uint64_t cntvoff, bool ppi_active)
{
	fake.cntvoff = cntvoff;
	arch_vtimer_ppi_active(ppi_active);
}

/* The fake CPU's ISTATUS is whatever the test left in el1[] until asked:
 * then it is the condition at the fake counter. */
void arch_vtimer_refresh(struct vcpu *v)
{
	uint64_t *ctl = &v->el1[CNTV_CTL_EL0];

	fake.vtimer_refreshes++;
	*ctl &= ~CNT_CTL_ISTATUS;
	if ((*ctl & CNT_CTL_ENABLE) &&
	    (int64_t)(fake.counter - v->vm->cntvoff - v->el1[CNTV_CVAL_EL0]) >= 0)
		*ctl |= CNT_CTL_ISTATUS;
}

void arch_vtimer_ppi_active(bool active)
{
	fake.vtimer_ppi_active = active;
	fake.vtimer_ppi_writes++;
}

void arch_idle(void)
{
}

void arch_vcpu_load(struct vcpu *v)
{
	v->el1_loaded = false; /* the fake keeps EL1 state in memory */
}

void arch_vcpu_put(struct vcpu *v)
{
	(void)v;
}

/* The fake has no list registers: the vGIC logic is tested directly. */
void arch_vgic_flush(struct vcpu *v)
{
	(void)v;
}

void arch_vgic_fold(struct vcpu *v)
{
	(void)v;
}

uint64_t arch_el2_insns(void)
{
	return 0;
}

void arch_test_pad(uint64_t insns)
{
	fake.test_pad_calls++;
	fake.test_pad_insns += insns & ~1ull;
}

uint64_t arch_pmu_read_counter(unsigned idx)
{
	return fake.pmu.cntr[idx & 31];
}

void arch_pmu_write_counter(unsigned idx, uint64_t val)
{
	fake.pmu.cntr[idx & 31] = val;
}

void arch_pmu_write_type(unsigned idx, uint64_t type)
{
	fake.pmu.type[idx & 31] = type;
}

void arch_pmu_control(uint64_t pmcr, uint64_t cnten, uint64_t inten, uint64_t userenr)
{
	fake.pmu.pmcr = pmcr;
	fake.pmu.cnten = cnten;
	fake.pmu.inten = inten;
	fake.pmu.userenr = userenr;
	if (pmcr || cnten || userenr)
		fake.pmu.loads++;
}

uint64_t arch_pmu_take_overflow(void)
{
	uint64_t ovs = fake.pmu.ovs;

	fake.pmu.ovs = 0;
	return ovs;
}

uint64_t arch_cycles(void)
{
	return arch_counter();
}

bool arch_guest_insn(const struct vcpu *v, uint32_t *insn)
{
	(void)v;
	*insn = fake.guest_insn;
	return fake.guest_insn_valid;
}

unsigned arch_vcpu_enter(struct vcpu *v)
{
	(void)v;
	return EXIT_TYPE_SYNC;
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "hypervisor panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}
