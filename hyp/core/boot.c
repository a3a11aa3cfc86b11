/*
 * The boot order: the boot CPU reads QEMU's device tree, has the arch turn
 * on its MMU, checks the host's configuration (hyp/core/hypcfg.c), sets up
 * memory, tracing and the run queues, starts the other CPUs, creates the
 * VMs, and every CPU enters the run loop. What the hardware does at each
 * step is the arch's (hyp/include/arch.h).
 */
#include <libfdt.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "hyp/include/arch.h"
#include "hyp/include/boot.h"
#include "hyp/include/console.h"
#include "hyp/include/gdb.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/panic.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

#define DEFAULT_SLICE_US 10000u

static __noreturn void refuse(const char *why)
{
	hyp_log("refusing to start: %s", why);
	hypstat = phys_to_virt(HYPSTAT_PA);
	hypstat_refuse(hypstat, why);
	arch_system_off();
}

static void reserve_guest_pool(void)
{
	chunk_pool_init(&guest_pool, platform.ram_base, platform.ram_size);
	if (hypcfg->flags & HYPCFG_F_RAM_ZEROED)
		chunk_pool_set_zeroed(&guest_pool);
	/* DTB, hyp.elf, control block and heap. */
	chunk_pool_reserve(&guest_pool, platform.ram_base, HYP_STAGING_PA - platform.ram_base);
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		const struct hypcfg_vm *v = &hypcfg->vms[i];

		/* Loaded in place: the RAM of the VM's one instance. */
		if (v->ram_pa) {
			vm_reserve_in_place(i, v->ram_pa, v->mem_size);
			continue;
		}
		chunk_pool_reserve(&guest_pool, v->image_pa, v->image_size);
		chunk_pool_reserve(&guest_pool, v->initrd_pa, v->initrd_size);
	}
	if (hypcfg->trace_mode != HYPCFG_TRACE_OFF)
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

/* What guests read of the ID registers: the CPU's, less what is not switched. */
static void sanitise_id_regs(void)
{
	uint64_t raw[NR_ID_REGS];

	arch_read_id_regs(raw);
	id_regs_sanitise(raw, guest_id_regs);
}

static void start_secondaries(void)
{
	for (unsigned i = 1; i < nr_cpus; i++) {
		int ret = arch_cpu_start(i);

		if (ret)
			hyp_log("CPU %u (MPIDR 0x%llx) did not start: PSCI error %d", i,
				(unsigned long long)percpu[i].mpidr, ret);
	}
	for (unsigned i = 1; i < nr_cpus; i++) {
		uint64_t deadline = arch_counter() + arch_counter_freq();

		/* Pairs with the store-release in boot_secondary(). */
		while (!__atomic_load_n(&percpu[i].online, __ATOMIC_ACQUIRE) &&
		       arch_counter() < deadline)
			;
		if (!percpu[i].online)
			panic("CPU %u did not come online", i);
	}
}

/* What the VMs need before the first is created: names and command lines
 * end inside their fields, every slot runs at least one instance. */
static void normalise_vms(void)
{
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		struct hypcfg_vm *v = &hypcfg->vms[i];

		v->name[HYPCFG_NAME_LEN - 1] = '\0';
		v->cmdline[HYPCFG_CMDLINE_LEN - 1] = '\0';
		if (!v->instances)
			v->instances = 1;
	}
}

static void start_debugger(void)
{
	if (!(hypcfg->flags & HYPCFG_F_GDB))
		return;
	if (!platform.gdb_uart) {
		hyp_log("gdb: no second PL011 at 0x%llx in the device tree: no GDB stub",
			GDB_UART_PA);
		return;
	}
	gdb_init();
	arch_gdb_uart_enable();
}

void boot_main(const void *fdt)
{
	struct arch_caps caps;
	const char *err = NULL;
	char why[sizeof(hypstat->message)];
	unsigned bits;
	uint64_t slice_us;

	/* QEMU passes the DTB in x0, or leaves it at the start of RAM. */
	if (!fdt || fdt_magic(fdt) != FDT_MAGIC)
		fdt = phys_to_virt(HYP_RAM_BASE);
	if (platform_parse(fdt, &platform, &err))
		panic("cannot read the device tree: %s", err);
	nr_cpus = platform.nr_cpus;
	for (unsigned i = 0; i < nr_cpus; i++) {
		percpu[i].id = i;
		percpu[i].mpidr = platform.mpidr[i];
	}

	arch_boot_cpu_init(&caps);
	hyp_log("hypscope hypervisor: %u CPUs, %llu MiB RAM, %u-bit IPA, %u-bit VMID, "
		"%u list registers%s",
		nr_cpus, (unsigned long long)(platform.ram_size >> 20), caps.ipa_bits,
		caps.vmid_bits, caps.nr_lrs, caps.pauth ? ", PAuth" : "");

	hypcfg = phys_to_virt(HYPCFG_PA);
	if (hypcfg_check(hypcfg, &platform, why, sizeof(why)))
		refuse(why);
	err = arch_config_offer(hypcfg);
	if (err)
		refuse(err);

	bits = hypcfg->vmid_bits ? MIN(hypcfg->vmid_bits, caps.vmid_bits) : caps.vmid_bits;
	vmid_allocator_init(&vmids, bits);
	stage2_ipa_bits = caps.ipa_bits;
	init_status();
	sanitise_id_regs();
	page_allocator_init(&hyp_pages, HYP_HEAP_PA, HYP_HEAP_SIZE);
	reserve_guest_pool();

	slice_us = hypcfg->slice_us ? hypcfg->slice_us : DEFAULT_SLICE_US;
	for (unsigned i = 0; i < nr_cpus; i++)
		rq_init(&percpu[i].rq, arch_counter_freq() * slice_us / 1000000);

	if (hypcfg->trace_mode != HYPCFG_TRACE_OFF) {
		int ret = trace_setup(phys_to_virt(hypcfg->trace_pa), hypcfg->trace_size, nr_cpus,
				      hypcfg->trace_mode);

		if (ret)
			hyp_log("tracing off: the rings at 0x%llx do not fit (%d)",
				(unsigned long long)hypcfg->trace_pa, ret);
		trace_cpu_init(0);
	}

	arch_irqchip_init();
	if (arch_cpu_init(&percpu[0]))
		panic("no GIC redistributor for CPU 0");
	percpu[0].online = true;
	start_secondaries();

	hypstat->state = HYPSTAT_RUNNING;
	/* The host polls the magic: everything above is visible before it. */
	__atomic_store_n(&hypstat->magic, HYPSTAT_MAGIC, __ATOMIC_RELEASE);

	normalise_vms();
	console_input_init();
	arch_console_input_enable();
	start_debugger();
	for (unsigned i = 0; i < hypcfg->nr_vms; i++)
		vm_start_slot(i);
	gdb_announce();
	cpu_run_loop();
}

void boot_secondary(unsigned idx)
{
	trace_cpu_init(idx);
	if (arch_cpu_init(&percpu[idx]))
		panic("no GIC redistributor for CPU %u", idx);
	/* Pairs with the load-acquire in start_secondaries(). */
	__atomic_store_n(&percpu[idx].online, true, __ATOMIC_RELEASE);
	cpu_run_loop();
}
