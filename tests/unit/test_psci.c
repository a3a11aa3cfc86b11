/*
 * PSCI 1.1, the SMCCC architecture calls and hypscope's vendor calls as a
 * guest issues them (smccc_call: hyp/core/hvc.c, psci.c), with the VM
 * lifecycle behind them (hyp/core/vm.c): CPU_ON and its pending reset,
 * AFFINITY_INFO, CPU_OFF, SYSTEM_OFF/RESET and the exit hypercall ending
 * the VM, SMC32 argument truncation, NOT_SUPPORTED for everything else.
 *
 * VMs are made by vm_create() over host memory: a guest chunk pool and a
 * page allocator on aligned_alloc'd buffers, a configuration with two slots.
 * Slot 1 stays alive in every test so that no test ends the last VM (which
 * powers the machine off: the fake's exit(0)); one test does that in a
 * child process.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "formats/hypercall.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "tests/hostvm.h"

#define RAM_SIZE HOSTVM_RAM_SIZE
#define ENTRY (GUEST_RAM_IPA + 0x1000)

#define PSCI_VERSION_FID     0x84000000u
#define CPU_SUSPEND32        0x84000001u
#define CPU_SUSPEND64        0xc4000001u
#define CPU_OFF              0x84000002u
#define CPU_ON32             0x84000003u
#define CPU_ON64             0xc4000003u
#define AFFINITY_INFO32      0x84000004u
#define AFFINITY_INFO64      0xc4000004u
#define MIGRATE_INFO_TYPE    0x84000006u
#define SYSTEM_OFF           0x84000008u
#define SYSTEM_RESET         0x84000009u
#define PSCI_FEATURES        0x8400000au
#define SMCCC_VERSION        0x80000000u
#define SMCCC_ARCH_FEATURES  0x80000001u
#define SMCCC_ARCH_WORKAROUND_1 0x80008000u

#define NOT_SUPPORTED ((uint64_t)-1)

static unsigned pool_free0;
static uint64_t pages_used0, pages_per_vm;
static struct vm *vm = &vms[0];
static struct vcpu *v0 = &vms[0].vcpus[0], *v1 = &vms[0].vcpus[1], *v2 = &vms[0].vcpus[2];

static int setup(void **state)
{
	(void)state;
	hostvm_reset(); /* two CPUs, the vCPUs spread: v0, v2 on CPU 0, v1 on CPU 1 */
	pool_free0 = hostvm.pool_free0;
	pages_used0 = hostvm.pages_used0;

	hostvm.cfg.nr_vms = 2;
	hostvm_describe(&hostvm.cfg.vms[0], "psci", 3);
	hostvm_describe(&hostvm.cfg.vms[1], "keeper", 1);
	assert_int_equal(vm_create(0), 0);
	assert_int_equal(vm_create(1), 0);
	/* Both have the same layout, so the same stage-2 tables. */
	pages_per_vm = (hyp_pages.used_pages - pages_used0) / 2;
	assert_true(pages_per_vm >= 3);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(v0->pcpu, 0);
	assert_int_equal(v1->pcpu, 1);
	assert_int_equal(v2->pcpu, 0);
	/* The boot vCPU is on; it runs on CPU 0. */
	assert_true(vcpu_claim(v0, 0));
	assert_int_equal(v0->regs.pc, GUEST_RAM_IPA);
	memset(fake.kicks, 0, sizeof(fake.kicks));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hostvm_free();
	return 0;
}

/* The call as vCPU c issues it; returns x0, *cont whether c keeps running. */
static uint64_t call_on(struct vcpu *c, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			bool *cont)
{
	bool keep;

	c->regs.x[0] = fid;
	c->regs.x[1] = a1;
	c->regs.x[2] = a2;
	c->regs.x[3] = a3;
	keep = smccc_call(c, false);
	if (cont)
		*cont = keep;
	else
		assert_true(keep);
	return c->regs.x[0];
}

static uint64_t call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return call_on(v0, fid, a1, a2, a3, NULL);
}

static int64_t affinity(uint64_t mpidr)
{
	return (int64_t)call(AFFINITY_INFO64, mpidr, 0, 0);
}

/* The VM is gone, its resources are back, the status block says how it ended. */
static void assert_torn_down(uint32_t end_state, uint32_t status, uint32_t failed)
{
	assert_int_equal(vm->state, VM_FREE);
	assert_int_equal(hostvm.st.vms[0].state, end_state);
	assert_int_equal(hostvm.st.vms[0].exit_status, status);
	assert_int_equal(hostvm.st.vms[0].instances_failed, failed);
	assert_int_equal(hostvm.st.vms_destroyed, 1);
	/* Only the keeper's RAM and stage-2 tables are still in use. */
	assert_int_equal(guest_pool.free_chunks, pool_free0 - 1);
	assert_int_equal(hyp_pages.used_pages, pages_used0 + pages_per_vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		assert_int_equal(hostvm.st.vms[0].vcpus[i].state, HYPSTAT_VCPU_OFF);
	/* No run queue holds its vCPUs any more. */
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++)
		for (unsigned i = 0; i < RQ_MAX_VCPUS; i++)
			if (percpu[c].rq.vcpus[i])
				assert_ptr_equal(percpu[c].rq.vcpus[i]->vm, &vms[1]);
	/* The keeper is untouched. */
	assert_int_equal(vms[1].state, VM_RUNNING);
	assert_false(fake.system_off);
}

/* ------------------------------------------------------------ PSCI */

static void test_psci_version_is_1_1(void **state)
{
	(void)state;
	assert_int_equal(call(PSCI_VERSION_FID, 0, 0, 0), 0x00010001);
}

static void test_psci_features_reports_each_implemented_function(void **state)
{
	static const uint32_t fids[] = { PSCI_VERSION_FID, CPU_SUSPEND32, CPU_SUSPEND64, CPU_OFF,
					 CPU_ON32, CPU_ON64, AFFINITY_INFO32, AFFINITY_INFO64,
					 MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES,
					 SMCCC_VERSION };

	(void)state;
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		assert_int_equal(call(PSCI_FEATURES, fids[i], 0, 0), 0);
}

static void test_psci_features_refuses_unimplemented_functions(void **state)
{
	static const uint32_t fids[] = {
		0x84000005, /* MIGRATE */
		0xc4000000, /* VERSION has no SMC64 form */
		0x8400000b, /* CPU_FREEZE */
		0x8400000e, /* SYSTEM_SUSPEND */
		0x84000012, /* SYSTEM_RESET2 */
		0xc4000002, /* CPU_OFF has no SMC64 form */
		SMCCC_ARCH_FEATURES, 0x12345678,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		assert_int_equal(call(PSCI_FEATURES, fids[i], 0, 0), NOT_SUPPORTED);
}

static void test_migrate_info_type_says_no_trusted_os(void **state)
{
	(void)state;
	assert_int_equal(call(MIGRATE_INFO_TYPE, 0, 0, 0), 2);
}

static void test_cpu_on_powers_up_a_vcpu_with_a_pending_reset(void **state)
{
	(void)state;
	assert_int_equal(v1->power, VCPU_POWER_OFF);
	assert_int_equal(v1->run, VCPU_STOPPED);
	assert_int_equal(call(CPU_ON64, 1, ENTRY, 0xc0ffee), 0);
	assert_int_equal(v1->power, VCPU_POWER_ON);
	assert_true(v1->reset_pending);
	assert_int_equal(v1->reset_entry, ENTRY);
	assert_int_equal(v1->reset_context, 0xc0ffee);
	assert_int_equal(v1->run, VCPU_RUNNABLE);
	/* Its CPU is told to reschedule; nobody else is. */
	assert_int_equal(fake.kicks[1], 1);
	assert_int_equal(fake.kicks[0], 0);
	assert_int_equal(v2->power, VCPU_POWER_OFF);
}

static void test_second_cpu_on_is_pending_until_the_vcpu_starts(void **state)
{
	(void)state;
	assert_int_equal(call(CPU_ON64, 1, ENTRY, 0x1234), 0);
	assert_int_equal((int64_t)call(CPU_ON64, 1, ENTRY + 8, 0), -5); /* ON_PENDING */
	assert_int_equal(v1->reset_entry, ENTRY);
	assert_int_equal(affinity(1), 2); /* ON_PENDING */

	/* Its CPU takes it: the reset is applied there, as the Linux boot protocol says. */
	assert_true(vcpu_claim(v1, 1));
	assert_false(v1->reset_pending);
	assert_int_equal(v1->regs.pc, ENTRY);
	assert_int_equal(v1->regs.x[0], 0x1234);
	assert_int_equal(v1->regs.x[1], 0);
	assert_int_equal(v1->regs.pstate, 0x3c5); /* EL1h, DAIF masked */

	assert_int_equal((int64_t)call(CPU_ON64, 1, ENTRY, 0), -4); /* ALREADY_ON */
	assert_int_equal(affinity(1), 0);                           /* ON */
	assert_int_equal((int64_t)call(CPU_ON64, 0, ENTRY, 0), -4); /* the caller itself */
	vcpu_unclaim(v1);
}

static void test_cpu_on_outside_ram_is_invalid_address(void **state)
{
	static const uint64_t bad[] = {
		0x1000,                               /* below RAM */
		GUEST_RAM_IPA - 4,                    /* just below */
		GUEST_RAM_IPA + RAM_SIZE,             /* just past the end */
		GUEST_RAM_IPA + RAM_SIZE - 2,         /* straddling the end */
		GUEST_RAM_IPA + 2,                    /* not word aligned */
		GUEST_UART_IPA,                       /* a device */
		0xfffffffffffffffcull,                /* wrapping */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal((int64_t)call(CPU_ON64, 2, bad[i], 0), -9);
	assert_int_equal(v2->power, VCPU_POWER_OFF);
	assert_int_equal(affinity(2), 1);
	/* The last word of RAM is a valid entry. */
	assert_int_equal(call(CPU_ON64, 2, GUEST_RAM_IPA + RAM_SIZE - 4, 0), 0);
}

static void test_cpu_on_with_a_bad_mpidr_is_invalid_parameters(void **state)
{
	static const uint64_t bad[] = {
		3,              /* Aff0 past the last vCPU */
		0xff,
		0x100,          /* Aff1 = 1 */
		0x10000,        /* Aff2 = 1 */
		0x100000001ull, /* Aff3 = 1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal((int64_t)call(CPU_ON64, bad[i], ENTRY, 0), -2);
		assert_int_equal((int64_t)call(AFFINITY_INFO64, bad[i], 0, 0), -2);
	}
	assert_int_equal(v1->power, VCPU_POWER_OFF);
	assert_int_equal(v2->power, VCPU_POWER_OFF);
}

static void test_mpidr_bits_outside_the_affinity_fields_are_ignored(void **state)
{
	(void)state;
	/* Bit 31 (RES1), U and MT: not affinity. */
	assert_int_equal(call(CPU_ON64, 0x81000001ull, ENTRY, 0), 0);
	assert_int_equal(v1->power, VCPU_POWER_ON);
	assert_int_equal(call(CPU_ON32, 0x41000002ull, ENTRY, 0), 0);
	assert_int_equal(v2->power, VCPU_POWER_ON);
}

static void test_affinity_info_reports_on_off_and_pending(void **state)
{
	(void)state;
	assert_int_equal(affinity(0), 0); /* ON: the caller */
	assert_int_equal(affinity(1), 1); /* OFF */
	call(CPU_ON64, 1, ENTRY, 0);
	assert_int_equal(affinity(1), 2); /* ON_PENDING */
	assert_int_equal(call(AFFINITY_INFO32, 1, 0, 0), 2);
	/* Only the lowest affinity level 0 is answered. */
	assert_int_equal((int64_t)call(AFFINITY_INFO64, 0, 1, 0), -2);
	assert_int_equal((int64_t)call(AFFINITY_INFO64, 0, 2, 0), -2);
}

static void test_smc32_arguments_are_truncated_to_32_bits(void **state)
{
	(void)state;
	/* Bits [63:32] of every argument are ignored in the SMC32 convention. */
	assert_int_equal(call(CPU_ON32, 0xffffffff00000001ull, 0xdead000000000000ull | ENTRY,
			      0xbeef0000000000aaull),
			 0);
	assert_int_equal(v1->reset_entry, ENTRY);
	assert_int_equal(v1->reset_context, 0xaa);
	assert_int_equal(call(AFFINITY_INFO32, 0x1234567800000001ull, 0xffffffff00000000ull, 0), 2);
	/* The same in SMC64: Aff3 = 0xff, and the entry is far outside RAM. */
	assert_int_equal((int64_t)call(CPU_ON64, 0xffffffff00000002ull, ENTRY, 0), -2);
	assert_int_equal((int64_t)call(CPU_ON64, 2, 0xdead000000000000ull | ENTRY, 0), -9);
	assert_int_equal((int64_t)call(AFFINITY_INFO64, 1, 0xffffffff00000000ull, 0), -2);
	assert_int_equal(v2->power, VCPU_POWER_OFF);
}

static void test_cpu_suspend_waits_like_wfi_and_returns_success(void **state)
{
	bool cont = true;

	(void)state;
	assert_int_equal(call_on(v0, CPU_SUSPEND64, 0x10000, ENTRY, 0, &cont), 0);
	assert_false(cont);
	assert_int_equal(v0->run, VCPU_BLOCKED);
	/* With its timer already due it returns at once. */
	sched_make_runnable(&percpu[0].rq, v0);
	v0->el1[CNTV_CTL_EL0] = 1;
	v0->el1[CNTV_CVAL_EL0] = 0;
	assert_int_equal(call_on(v0, CPU_SUSPEND32, 0, 0, 0, &cont), 0);
	assert_true(cont);
	assert_int_equal(v0->run, VCPU_RUNNABLE);
}

static void test_cpu_off_stops_only_the_calling_vcpu(void **state)
{
	bool cont = true;

	(void)state;
	call(CPU_ON64, 1, ENTRY, 0);
	assert_true(vcpu_claim(v1, 1));
	call_on(v1, CPU_OFF, 0, 0, 0, &cont);
	assert_false(cont);
	assert_int_equal(v1->power, VCPU_POWER_OFF);
	assert_int_equal(v1->run, VCPU_STOPPED);
	vcpu_unclaim(v1);
	assert_int_equal(hostvm.st.vms[0].vcpus[1].state, HYPSTAT_VCPU_OFF);
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(affinity(1), 1);
	/* It can be brought up again. */
	assert_int_equal(call(CPU_ON64, 1, ENTRY, 0), 0);
}

static void test_cpu_off_of_the_last_vcpu_ends_the_vm(void **state)
{
	bool cont = true;

	(void)state;
	call(CPU_ON64, 1, ENTRY, 0);
	assert_true(vcpu_claim(v1, 1));
	call_on(v1, CPU_OFF, 0, 0, 0, &cont);
	vcpu_unclaim(v1);
	call_on(v0, CPU_OFF, 0, 0, 0, &cont);
	assert_false(cont);
	/* v0 is still on its CPU: the VM ends when it leaves. */
	assert_int_equal(vm->state, VM_STOPPING);
	vcpu_unclaim(v0);
	assert_torn_down(HYPSTAT_VM_OFF, 0, 0);
}

static void test_system_off_ends_the_vm_as_off(void **state)
{
	bool cont = true;

	(void)state;
	call(CPU_ON64, 1, ENTRY, 0);
	call(CPU_ON64, 2, ENTRY, 0);
	assert_true(vcpu_claim(v1, 1));
	call_on(v0, SYSTEM_OFF, 0, 0, 0, &cont);
	assert_false(cont);
	assert_int_equal(vm->state, VM_STOPPING);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vm->vcpus[i].power, VCPU_POWER_OFF);
		assert_int_equal(vm->vcpus[i].run, VCPU_STOPPED);
	}
	/* CPU 1 runs v1: it is told to let go. */
	assert_int_equal(fake.kicks[1], 2); /* CPU_ON, then the end */
	vcpu_unclaim(v0);
	assert_int_equal(vm->state, VM_STOPPING);
	vcpu_unclaim(v1); /* the last one out tears it down */
	assert_torn_down(HYPSTAT_VM_OFF, 0, 0);
}

static void test_system_reset_ends_the_vm_as_reset(void **state)
{
	bool cont = true;

	(void)state;
	call_on(v0, SYSTEM_RESET, 0, 0, 0, &cont);
	assert_false(cont);
	vcpu_unclaim(v0);
	/* Not restarted, and not a clean end. */
	assert_torn_down(HYPSTAT_VM_RESET, 0, 1);
}

static void test_ending_a_vm_with_no_vcpu_on_a_cpu_tears_it_down_at_once(void **state)
{
	(void)state;
	vcpu_unclaim(v0);
	assert_int_equal(vm->state, VM_RUNNING);
	vm_end(vm, HYPSTAT_VM_OFF, 0);
	assert_torn_down(HYPSTAT_VM_OFF, 0, 0);
}

static void test_cpu_on_while_the_vm_ends_is_denied(void **state)
{
	bool cont = true;

	(void)state;
	call_on(v0, SYSTEM_OFF, 0, 0, 0, &cont);
	assert_int_equal(vm->state, VM_STOPPING);
	/* v0 has not left its CPU yet and tries once more. */
	assert_int_equal((int64_t)call(CPU_ON64, 1, ENTRY, 0), -3); /* DENIED */
	assert_int_equal(v1->power, VCPU_POWER_OFF);
	/* A stopping VM's vCPU is not taken onto a CPU again. */
	vcpu_unclaim(v0);
	assert_false(vcpu_claim(v0, 0));
}

static void test_next_instance_starts_when_the_vm_ends(void **state)
{
	uint64_t serial = vm->serial;
	bool cont = true;

	(void)state;
	hostvm.cfg.vms[0].instances = 2;
	call_on(v0, SYSTEM_OFF, 0, 0, 0, &cont);
	vcpu_unclaim(v0);
	/* The slot's next instance is there, fresh. */
	assert_int_equal(vm->state, VM_RUNNING);
	assert_true(vm->serial > serial);
	assert_int_equal(hostvm.st.vms[0].instances_started, 2);
	assert_int_equal(hostvm.st.vms[0].state, HYPSTAT_VM_RUNNING);
	assert_int_equal(v0->power, VCPU_POWER_ON);
	assert_true(v0->reset_pending);
	assert_int_equal(v1->power, VCPU_POWER_OFF);
	assert_int_equal(guest_pool.free_chunks, pool_free0 - 2);
}

static void test_next_instance_gets_its_ram_scrubbed(void **state)
{
	unsigned scrubs = fake.ram_scrubs;
	bool cont = true;

	(void)state;
	hostvm.cfg.vms[0].instances = 2;
	call_on(v0, SYSTEM_OFF, 0, 0, 0, &cont);
	vcpu_unclaim(v0);
	assert_int_equal(vm->state, VM_RUNNING);
	/* Data and (with MTE) allocation tags of all its RAM, before the image is loaded. */
	assert_int_equal(fake.ram_scrubs, scrubs + 1);
	assert_int_equal(fake.ram_scrub_pa, vm->ram_pa);
	assert_int_equal(fake.ram_scrub_size, vm->ram_size);
}

/*
 * A VM the host loaded in place (hypcfg_vm.ram_pa) runs in that RAM, its
 * image as QEMU's loader left it: no chunk taken from the pool, nothing
 * scrubbed or copied, only the device tree written and cleaned. Ended, the
 * RAM goes back to the pool, dirty.
 */
static void test_vm_loaded_in_place_runs_in_its_ram_as_loaded(void **state)
{
	struct hypcfg_vm *c = &hostvm.cfg.vms[2];
	struct vm *ip = &vms[2];
	unsigned scrubs = fake.ram_scrubs, cleans, chunks;
	bool cont = true;
	uint64_t ram_pa;
	uint8_t *ram;

	(void)state;
	/* The pool's last chunk, reserved by boot (reserve_guest_pool()). */
	ram_pa = guest_pool.base + (HOSTVM_POOL_CHUNKS - 1) * CHUNK_SIZE;
	vm_reserve_in_place(2, ram_pa, RAM_SIZE);
	chunks = guest_pool.free_chunks;
	ram = phys_to_virt(ram_pa);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram + 0x1000, "loaded in place", 16);
	hostvm.cfg.nr_vms = 3;
	hostvm_describe(c, "inplace", 1);
	c->ram_pa = ram_pa;
	c->load_ipa = c->entry_ipa = GUEST_RAM_IPA + 0x1000;
	c->image_pa = ram_pa + 0x1000;
	c->image_size = 16;
	cleans = fake.dcache_cleans;

	assert_int_equal(vm_create(2), 0);
	assert_int_equal(ip->ram_pa, ram_pa);
	assert_int_equal(guest_pool.free_chunks, chunks);
	assert_int_equal(fake.ram_scrubs, scrubs);
	assert_int_equal(fake.dcache_cleans, cleans + 1); /* the DTB's */
	assert_memory_equal(ram + 0x1000, "loaded in place", 16);
	assert_int_equal(fdt_magic(ram + (ip->dtb_ipa - GUEST_RAM_IPA)), FDT_MAGIC);

	assert_true(vcpu_claim(&ip->vcpus[0], ip->vcpus[0].pcpu));
	call_on(&ip->vcpus[0], SYSTEM_OFF, 0, 0, 0, &cont);
	vcpu_unclaim(&ip->vcpus[0]);
	assert_int_equal(ip->state, VM_FREE);
	assert_int_equal(guest_pool.free_chunks, chunks + 1);
	assert_false(chunk_pool_zeroed(&guest_pool, ram_pa, RAM_SIZE));
}

/* Taken once: the slot's next VM (the host rewrote instances=) gets RAM from the pool. */
static void test_ram_loaded_in_place_serves_one_instance(void **state)
{
	struct hypcfg_vm *c = &hostvm.cfg.vms[2];
	uint64_t ram_pa = guest_pool.base + (HOSTVM_POOL_CHUNKS - 1) * CHUNK_SIZE;
	bool cont = true;

	(void)state;
	vm_reserve_in_place(2, ram_pa, RAM_SIZE);
	hostvm.cfg.nr_vms = 3;
	hostvm_describe(c, "inplace", 1);
	c->ram_pa = ram_pa;
	c->instances = 2;
	assert_int_equal(vm_create(2), 0);
	assert_int_equal(vms[2].ram_pa, ram_pa);
	assert_true(vcpu_claim(&vms[2].vcpus[0], vms[2].vcpus[0].pcpu));
	call_on(&vms[2].vcpus[0], SYSTEM_OFF, 0, 0, 0, &cont);
	vcpu_unclaim(&vms[2].vcpus[0]);
	/* The second instance: fresh RAM, the image copied from image_pa. */
	assert_int_equal(vms[2].state, VM_RUNNING);
	assert_int_not_equal(vms[2].ram_pa, ram_pa);
	assert_memory_equal(phys_to_virt(vms[2].ram_pa), hostvm.image, sizeof(hostvm.image));
}

/* A slot whose mem= the host changed after boot does not run in RAM of the old size. */
static void test_ram_loaded_in_place_of_another_size_is_not_taken(void **state)
{
	struct hypcfg_vm *c = &hostvm.cfg.vms[2];
	uint64_t ram_pa = guest_pool.base + (HOSTVM_POOL_CHUNKS - 1) * CHUNK_SIZE;

	(void)state;
	vm_reserve_in_place(2, ram_pa, RAM_SIZE);
	hostvm.cfg.nr_vms = 3;
	hostvm_describe(c, "inplace", 1);
	c->ram_pa = ram_pa;
	c->mem_size = 2 * RAM_SIZE;
	/* The pool has no two free chunks left beside the reserved one. */
	assert_int_equal(vm_create(2), -ENOMEM);
	c->mem_size = RAM_SIZE;
	assert_int_equal(vm_create(2), 0);
	assert_int_equal(vms[2].ram_pa, ram_pa);
}

/* Staged apart (ram_pa 0), the image is copied into fresh RAM from the pool. */
static void test_vm_staged_apart_is_copied_into_its_ram(void **state)
{
	struct hypcfg_vm *c = &hostvm.cfg.vms[2];
	unsigned cleans = fake.dcache_cleans, chunks = guest_pool.free_chunks;
	unsigned scrubs = fake.ram_scrubs;
	uint8_t *ram;

	(void)state;
	chunk_pool_set_zeroed(&guest_pool); /* HYPCFG_F_RAM_ZEROED, as in place */
	hostvm.cfg.nr_vms = 3;
	hostvm_describe(c, "staged", 1);
	memcpy(hostvm.image, "staged apart", 13);
	assert_int_equal(vm_create(2), 0);
	assert_int_equal(guest_pool.free_chunks, chunks - 1);
	ram = phys_to_virt(vms[2].ram_pa);
	assert_memory_equal(ram, "staged apart", 13);
	assert_int_equal(fake.ram_scrubs, scrubs);
	assert_int_equal(fake.dcache_cleans, cleans + 2); /* the image's and the DTB's */
}

static void check_machine_is_off(void)
{
	_exit(hostvm.st.state == HYPSTAT_DONE && fake.system_off ? 0 : 4);
}

static void test_ending_the_last_vm_powers_the_machine_off(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		atexit(check_machine_is_off); /* the fake's arch_system_off() exits */
		vm_end(&vms[1], HYPSTAT_VM_OFF, 0);
		vcpu_unclaim(v0);
		vm_end(vm, HYPSTAT_VM_OFF, 0);
		_exit(3); /* still running: wrong */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------ SMCCC */

static void test_smccc_version_and_arch_features(void **state)
{
	(void)state;
	assert_int_equal(call(SMCCC_VERSION, 0, 0, 0), 0x00010001);
	assert_int_equal(call(SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0), 0);
	assert_int_equal(call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0), 0);
	assert_int_equal(call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0), NOT_SUPPORTED);
	assert_int_equal(call(SMCCC_ARCH_FEATURES, 0x80007fff, 0, 0), NOT_SUPPORTED);
	assert_int_equal(call(SMCCC_ARCH_FEATURES, PSCI_VERSION_FID, 0, 0), NOT_SUPPORTED);
}

static void test_unknown_and_yielding_calls_are_not_supported(void **state)
{
	static const uint32_t fids[] = {
		0x00000000, /* yielding */
		0x04000000, /* yielding, standard service */
		0x44000003, /* yielding CPU_ON64 */
		0x84010000, /* bits [23:16] set */
		0x84800003, /* bit 23 set on CPU_ON */
		0xc4000000, /* PSCI_VERSION as SMC64 */
		0x84000005, /* MIGRATE */
		0x84000020, /* standard service past PSCI */
		0xc4000033, /* SMC64 standard service past SDEI */
		0x84000050, /* TRNG_VERSION */
		0x80000002, /* SMCCC_ARCH_SOC_ID */
		0x80008000, /* SMCCC_ARCH_WORKAROUND_1 */
		0x82000000, /* SiP */
		0x83000000, /* OEM */
		0x85000000, /* standard hypervisor service */
		0xc6000099, /* vendor call that does not exist */
		0xb2000000, /* trusted OS */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		assert_int_equal(call(fids[i], 1, 2, 3), NOT_SUPPORTED);
		/* Only x0 is written. */
		assert_int_equal(v0->regs.x[1], 1);
		assert_int_equal(v0->regs.x[3], 3);
	}
	assert_int_equal(vm->state, VM_RUNNING);
	assert_int_equal(v1->power, VCPU_POWER_OFF);
}

static void test_only_the_low_32_bits_of_x0_are_the_function_id(void **state)
{
	(void)state;
	v0->regs.x[0] = 0xffffffff00000000ull | PSCI_VERSION_FID;
	assert_true(smccc_call(v0, false));
	assert_int_equal(v0->regs.x[0], 0x00010001);
}

/* ------------------------------------------------------------ vendor */

static void test_vendor_service_queries(void **state)
{
	(void)state;
	call(HYPSCOPE_HVC_CALL_UID, 0, 0, 0);
	assert_int_equal(v0->regs.x[0], HYPSCOPE_UID_0);
	assert_int_equal(v0->regs.x[1], HYPSCOPE_UID_1);
	assert_int_equal(v0->regs.x[2], HYPSCOPE_UID_2);
	assert_int_equal(v0->regs.x[3], HYPSCOPE_UID_3);
	assert_int_equal(call(HYPSCOPE_HVC_REVISION, 0, 0, 0), 1);
	assert_int_equal(v0->regs.x[1], 0);
	/* CALL_COUNT counts the calls of the service that are not queries. */
	assert_true(call(HYPSCOPE_HVC_CALL_COUNT, 0, 0, 0) >= 4);
}

static void test_vendor_nop_returns_success(void **state)
{
	(void)state;
	assert_int_equal(call(HYPSCOPE_HVC_NOP, 7, 8, 9), 0);
	assert_int_equal(v0->regs.x[1], 7);
}

static void test_vendor_vm_info_names_the_vm_and_the_vcpu(void **state)
{
	(void)state;
	call(CPU_ON64, 1, ENTRY, 0);
	assert_true(vcpu_claim(v1, 1));
	assert_int_equal(call_on(v1, HYPSCOPE_HVC_VM_INFO, 0, 0, 0, NULL), 0);
	assert_int_equal(v1->regs.x[1], vm->serial);
	assert_int_equal(v1->regs.x[2], 0);
	assert_int_equal(v1->regs.x[3], 1);
	assert_int_equal(call_on(&vms[1].vcpus[0], HYPSCOPE_HVC_VM_INFO, 0, 0, 0, NULL), 0);
	assert_int_equal(vms[1].vcpus[0].regs.x[1], vms[1].serial);
	assert_int_equal(vms[1].vcpus[0].regs.x[2], 1);
	assert_int_not_equal(vms[1].serial, vm->serial);
	/* And the physical CPU. */
	assert_int_equal(call_on(v1, HYPSCOPE_HVC_PCPU, 0, 0, 0, NULL), 0);
	assert_int_equal(v1->regs.x[1], 1);
	vcpu_unclaim(v1);
}

static void test_vendor_exit_ends_the_vm_with_its_status(void **state)
{
	bool cont = true;

	(void)state;
	/* The status is 32 bits. */
	call_on(v0, HYPSCOPE_HVC_EXIT, 0x100000007ull, 0, 0, &cont);
	assert_false(cont);
	vcpu_unclaim(v0);
	assert_torn_down(HYPSTAT_VM_EXITED, 7, 1);
}

static void test_vendor_exit_with_status_zero_is_a_clean_end(void **state)
{
	bool cont = true;

	(void)state;
	call_on(v0, HYPSCOPE_HVC_EXIT, 0, 0, 0, &cont);
	assert_false(cont);
	vcpu_unclaim(v0);
	assert_torn_down(HYPSTAT_VM_EXITED, 0, 0);
}

static void test_vm_ends_only_once(void **state)
{
	bool cont = true;

	(void)state;
	call_on(v0, HYPSCOPE_HVC_EXIT, 5, 0, 0, &cont);
	/* A second ending while it stops changes nothing. */
	call_on(v0, SYSTEM_RESET, 0, 0, 0, &cont);
	vm_end(vm, HYPSTAT_VM_OFF, 0);
	vcpu_unclaim(v0);
	assert_torn_down(HYPSTAT_VM_EXITED, 5, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_psci_version_is_1_1),
		T(test_psci_features_reports_each_implemented_function),
		T(test_psci_features_refuses_unimplemented_functions),
		T(test_migrate_info_type_says_no_trusted_os),
		T(test_cpu_on_powers_up_a_vcpu_with_a_pending_reset),
		T(test_second_cpu_on_is_pending_until_the_vcpu_starts),
		T(test_cpu_on_outside_ram_is_invalid_address),
		T(test_cpu_on_with_a_bad_mpidr_is_invalid_parameters),
		T(test_mpidr_bits_outside_the_affinity_fields_are_ignored),
		T(test_affinity_info_reports_on_off_and_pending),
		T(test_smc32_arguments_are_truncated_to_32_bits),
		T(test_cpu_suspend_waits_like_wfi_and_returns_success),
		T(test_cpu_off_stops_only_the_calling_vcpu),
		T(test_cpu_off_of_the_last_vcpu_ends_the_vm),
		T(test_system_off_ends_the_vm_as_off),
		T(test_system_reset_ends_the_vm_as_reset),
		T(test_ending_a_vm_with_no_vcpu_on_a_cpu_tears_it_down_at_once),
		T(test_cpu_on_while_the_vm_ends_is_denied),
		T(test_next_instance_starts_when_the_vm_ends),
		T(test_next_instance_gets_its_ram_scrubbed),
		T(test_vm_loaded_in_place_runs_in_its_ram_as_loaded),
		T(test_vm_staged_apart_is_copied_into_its_ram),
		T(test_ram_loaded_in_place_serves_one_instance),
		T(test_ram_loaded_in_place_of_another_size_is_not_taken),
		T(test_ending_the_last_vm_powers_the_machine_off),
		T(test_smccc_version_and_arch_features),
		T(test_unknown_and_yielding_calls_are_not_supported),
		T(test_only_the_low_32_bits_of_x0_are_the_function_id),
		T(test_vendor_service_queries),
		T(test_vendor_nop_returns_success),
		T(test_vendor_vm_info_names_the_vm_and_the_vcpu),
		T(test_vendor_exit_ends_the_vm_with_its_status),
		T(test_vendor_exit_with_status_zero_is_a_clean_end),
		T(test_vm_ends_only_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
