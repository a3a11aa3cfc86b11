/*
 * Boot: the boot CPU reads QEMU's device tree and the host's configuration,
 * turns on its MMU, sets up the GIC, starts the other CPUs through PSCI,
 * creates the VMs, and every CPU enters the run loop.
 */
#include <libfdt.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/console.h"
#include "hyp/include/gdb.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/panic.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"
#include "hyp/include/run.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

extern char __hyp_start[], __hyp_end[], secondary_entry[];

#define DEFAULT_SLICE_US 10000u

static void read_id_regs(uint64_t raw[NR_ID_REGS])
{
	raw[ID_PFR0] = read_sysreg(id_aa64pfr0_el1);
	raw[ID_PFR1] = read_sysreg(id_aa64pfr1_el1);
	raw[ID_PFR2] = read_sysreg(SYS_ID_AA64PFR2_EL1);
	raw[ID_ZFR0] = read_sysreg(SYS_ID_AA64ZFR0_EL1);
	raw[ID_SMFR0] = read_sysreg(SYS_ID_AA64SMFR0_EL1);
	raw[ID_DFR0] = read_sysreg(id_aa64dfr0_el1);
	raw[ID_DFR1] = read_sysreg(SYS_ID_AA64DFR1_EL1);
	raw[ID_AFR0] = read_sysreg(id_aa64afr0_el1);
	raw[ID_AFR1] = read_sysreg(id_aa64afr1_el1);
	raw[ID_ISAR0] = read_sysreg(id_aa64isar0_el1);
	raw[ID_ISAR1] = read_sysreg(id_aa64isar1_el1);
	raw[ID_ISAR2] = read_sysreg(SYS_ID_AA64ISAR2_EL1);
	raw[ID_MMFR0] = read_sysreg(id_aa64mmfr0_el1);
	raw[ID_MMFR1] = read_sysreg(id_aa64mmfr1_el1);
	raw[ID_MMFR2] = read_sysreg(SYS_ID_AA64MMFR2_EL1);
	raw[ID_MMFR3] = read_sysreg(SYS_ID_AA64MMFR3_EL1);
	raw[ID_MMFR4] = read_sysreg(SYS_ID_AA64MMFR4_EL1);
}

/* The configuration, or a refusal written to the status block. */
static const char *check_hypcfg(const struct hypcfg *c)
{
	if (c->magic != HYPCFG_MAGIC)
		return "no configuration at 0x41000000 (start it with 'hypscope run')";
	if (c->version != HYPCFG_VERSION || c->size != sizeof(*c))
		return "configuration version mismatch: rebuild hypscope and hyp.elf together";
	if (!c->nr_vms || c->nr_vms > HYPCFG_MAX_VMS)
		return "configuration has no VMs, or more than 8";
	if (c->vmid_bits && (c->vmid_bits < 3 || c->vmid_bits > VMID_MAX_BITS))
		return "VMID width must be 3 to 16 bits";
	if (c->status_pa != HYPSTAT_PA)
		return "status block address is not HYPSTAT_PA";
	if (c->trace_mode > HYPCFG_TRACE_DROP)
		return "unknown trace mode";
	if (c->trace_mode != HYPCFG_TRACE_OFF &&
	    (c->trace_pa < HYP_STAGING_PA || (c->trace_pa & 0xfff) || c->trace_size < 0x10000 ||
	     c->trace_size > (256ull << 20) ||
	     c->trace_pa + c->trace_size * nr_cpus > platform.ram_base + platform.ram_size))
		return "trace rings outside RAM, misaligned, or not 64 KiB to 256 MiB per CPU";
	return NULL;
}

static __noreturn void refuse(const char *why)
{
	hyp_log("refusing to start: %s", why);
	hypstat = phys_to_virt(HYPSTAT_PA);
	memset(hypstat, 0, sizeof(*hypstat));
	hypstat->version = HYPCFG_VERSION;
	hypstat->size = sizeof(*hypstat);
	hypstat->state = HYPSTAT_BADCFG;
	strncpy(hypstat->message, why, sizeof(hypstat->message) - 1);
	__atomic_store_n(&hypstat->magic, HYPSTAT_MAGIC, __ATOMIC_RELEASE);
	arch_system_off();
}

static void reserve_guest_pool(void)
{
	chunk_pool_init(&guest_pool, platform.ram_base, platform.ram_size);
	/* DTB, hyp.elf, control block and heap. */
	chunk_pool_reserve(&guest_pool, platform.ram_base, HYP_STAGING_PA - platform.ram_base);
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		const struct hypcfg_vm *v = &hypcfg->vms[i];

		chunk_pool_reserve(&guest_pool, v->image_pa, v->image_size);
		chunk_pool_reserve(&guest_pool, v->initrd_pa, v->initrd_size);
	}
	if (hypcfg->trace_pa)
		chunk_pool_reserve(&guest_pool, hypcfg->trace_pa, hypcfg->trace_size * nr_cpus);
}

static void init_status(void)
{
	hypstat = phys_to_virt(hypcfg->status_pa);
	memset(hypstat, 0, sizeof(*hypstat));
	hypstat->version = HYPCFG_VERSION;
	hypstat->size = sizeof(*hypstat);
	hypstat->state = HYPSTAT_BOOTING;
	hypstat->nr_cpus = nr_cpus;
	hypstat->cntfrq = arch_counter_freq();
	hypstat->boot_cntpct = arch_counter();
	hypstat->vmid_bits = vmids.bits;
}

static void start_secondaries(void)
{
	/* Secondaries start with the MMU off: make what they read first
	 * (their stacks' neighbours, percpu, cpu features) reach memory. */
	arch_dcache_clean((uint64_t)(uintptr_t)__hyp_start,
			  (uint64_t)(uintptr_t)(__hyp_end - __hyp_start));
	for (unsigned i = 1; i < nr_cpus; i++) {
		int ret = arch_cpu_on(percpu[i].mpidr, (uint64_t)(uintptr_t)secondary_entry, i);

		if (ret)
			hyp_log("CPU %u (MPIDR 0x%llx) did not start: PSCI error %d", i,
				(unsigned long long)percpu[i].mpidr, ret);
	}
	for (unsigned i = 1; i < nr_cpus; i++) {
		uint64_t deadline = arch_counter() + arch_counter_freq();

		while (!__atomic_load_n(&percpu[i].online, __ATOMIC_ACQUIRE) &&
		       arch_counter() < deadline)
			;
		if (!percpu[i].online)
			panic("CPU %u did not come online", i);
	}
}

void hyp_boot_main(uint64_t dtb);
void hyp_boot_main(uint64_t dtb)
{
	const void *fdt = (const void *)(uintptr_t)dtb;
	uint64_t raw_id[NR_ID_REGS];
	const char *why = NULL;
	unsigned bits;
	uint64_t slice_us;

	percpu[0].id = 0;
	write_sysreg((uint64_t)(uintptr_t)&percpu[0], tpidr_el2);

	/* QEMU passes the DTB in x0, or leaves it at the start of RAM. */
	if (!dtb || fdt_magic(fdt) != FDT_MAGIC)
		fdt = (const void *)(uintptr_t)HYP_RAM_BASE;
	if (platform_parse(fdt, &platform, &why))
		panic("cannot read the device tree: %s", why);
	nr_cpus = platform.nr_cpus;
	for (unsigned i = 0; i < nr_cpus; i++) {
		percpu[i].id = i;
		percpu[i].mpidr = platform.mpidr[i];
	}

	cpu_detect_features();
	mmu_init_tables(platform.ram_base, platform.ram_size);
	mmu_enable();
	hyp_log("hypscope hypervisor: %u CPUs, %llu MiB RAM, %u-bit IPA, %u-bit VMID, "
		"%u list registers%s",
		nr_cpus, (unsigned long long)(platform.ram_size >> 20), cpu.ipa_bits,
		cpu.vmid_bits, cpu.nr_lrs, cpu.pauth ? ", PAuth" : "");

	hypcfg = phys_to_virt(HYPCFG_PA);
	why = check_hypcfg(hypcfg);
	if (why)
		refuse(why);

	if (!cpu_mte_offer(hypcfg->flags & HYPCFG_F_MTE))
		refuse("--mte: the CPU has no MTE tag memory (ID_AA64PFR1_EL1.MTE < 2)");
	if (cpu.mte_guest)
		hyp_log("MTE for guests: ID_AA64PFR1_EL1.MTE %u", cpu.mte);

	bits = hypcfg->vmid_bits ? MIN(hypcfg->vmid_bits, cpu.vmid_bits) : cpu.vmid_bits;
	vmid_allocator_init(&vmids, bits);
	stage2_ipa_bits = cpu.ipa_bits;
	init_status();
	read_id_regs(raw_id);
	if (!cpu.mte_guest && FIELD(raw_id[ID_PFR1], 11, 8)) {
		hyp_log("MTE hidden from guests (ID_AA64PFR1_EL1.MTE %u: %s)",
			(unsigned)FIELD(raw_id[ID_PFR1], 11, 8),
			cpu.mte ? "tag memory, but no --mte" : "instructions only, no tag memory");
		raw_id[ID_PFR1] &= ~(GENMASK(11, 8) | GENMASK(43, 40));
	}
	id_regs_sanitise(raw_id, guest_id_regs);
	page_allocator_init(&hyp_pages, HYP_HEAP_PA, HYP_HEAP_SIZE);
	reserve_guest_pool();

	slice_us = hypcfg->slice_us ? hypcfg->slice_us : DEFAULT_SLICE_US;
	for (unsigned i = 0; i < nr_cpus; i++)
		rq_init(&percpu[i].rq, arch_counter_freq() * slice_us / 1000000);

	if (hypcfg->trace_mode != HYPCFG_TRACE_OFF && hypcfg->trace_pa) {
		int ret = trace_setup(phys_to_virt(hypcfg->trace_pa), hypcfg->trace_size, nr_cpus,
				      hypcfg->trace_mode);

		if (ret)
			hyp_log("tracing off: the rings at 0x%llx do not fit (%d)",
				(unsigned long long)hypcfg->trace_pa, ret);
		trace_cpu_init(0);
	}

	gic_dist_init();
	if (gic_cpu_init(&percpu[0]))
		panic("no GIC redistributor for CPU 0");
	cpu_init_el2();
	percpu[0].online = true;
	start_secondaries();

	hypstat->state = HYPSTAT_RUNNING;
	/* The host polls the magic: everything above is visible before it. */
	__atomic_store_n(&hypstat->magic, HYPSTAT_MAGIC, __ATOMIC_RELEASE);

	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		unsigned n = hypcfg->vms[i].instances ? hypcfg->vms[i].instances : 1;

		hypcfg->vms[i].name[HYPCFG_NAME_LEN - 1] = '\0';
		hypcfg->vms[i].cmdline[HYPCFG_CMDLINE_LEN - 1] = '\0';
		hypcfg->vms[i].instances = n;
	}
	console_input_init();
	arch_console_input_enable();
	if (hypcfg->flags & HYPCFG_F_GDB) {
		if (platform.gdb_uart) {
			gdb_init();
			arch_gdb_uart_enable();
		} else {
			hyp_log("gdb: no second PL011 at 0x%llx in the device tree: no GDB stub",
				GDB_UART_PA);
		}
	}
	for (unsigned i = 0; i < hypcfg->nr_vms; i++)
		vm_start_slot(i);
	gdb_announce();
	cpu_run_loop();
}

void hyp_secondary_main(unsigned idx);
void hyp_secondary_main(unsigned idx)
{
	write_sysreg((uint64_t)(uintptr_t)&percpu[idx], tpidr_el2);
	mmu_enable();
	cpu_init_el2();
	trace_cpu_init(idx);
	if (gic_cpu_init(&percpu[idx]))
		panic("no GIC redistributor for CPU %u", idx);
	__atomic_store_n(&percpu[idx].online, true, __ATOMIC_RELEASE);
	cpu_run_loop();
}
