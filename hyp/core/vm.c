/*
 * VM lifecycle: creation from a configuration slot, power state of the
 * vCPUs (PSCI), ending, teardown, and the next instance of the same slot.
 *
 * A VM ends in two steps. vm_end() marks it STOPPING and takes its vCPUs
 * off the run queues, kicking the CPUs that run them; the last vCPU to
 * leave its CPU (vcpu_unclaim) - or vm_end() itself if none is on a CPU -
 * tears it down. vcpus_on_cpu, under vm->lock, is what makes "last" exact.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "hyp/include/arch.h"
#include "hyp/include/boot.h"
#include "hyp/include/console.h"
#include "hyp/include/gdb.h"
#include "hyp/include/guest_dtb.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/panic.h"
#include "hyp/include/percpu.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/stage2.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

struct vm vms[HYPCFG_MAX_VMS];

/*
 * A slot is finished when its last instance has ended and no other is to
 * come. The machine stops when every slot is finished; deciding that from
 * vm->state would be racy, since a slot is briefly FREE between one
 * instance's teardown and the next one's creation.
 */
static spinlock_t lifecycle_lock;
static uint64_t next_serial = 1;

/*
 * The RAM boot reserved for a slot loaded in place, as hypcfg_check()
 * accepted it: vm_create() reads this, not the control block, which the host
 * may rewrite while the machine runs. The first instance takes it.
 */
static struct {
	uint64_t pa, size;
} in_place_ram[HYPCFG_MAX_VMS];
static bool slot_finished[HYPCFG_MAX_VMS];
static bool shutting_down;

#define PSR_EL1H_DAIF 0x3c5ull
#define SCTLR_EL1_RESET 0x30d00800ull
#define VMPIDR_RES1 (1ull << 31)
#define UART_CLOCK_HZ 24000000u

static const char *const end_state_text[] = {
	[HYPSTAT_VM_EMPTY] = "not created",
	[HYPSTAT_VM_RUNNING] = "running",
	[HYPSTAT_VM_OFF] = "powered off",
	[HYPSTAT_VM_RESET] = "reset (not restarted)",
	[HYPSTAT_VM_EXITED] = "exited",
	[HYPSTAT_VM_FAILED] = "failed",
};

static void uart_line(void *opaque, const char *line, unsigned len)
{
	struct vm *vm = opaque;

	console_write_line(vm->cfg->name, line, len);
}

/*
 * The vGIC made an interrupt pending for a vCPU: wake it if it waits in
 * WFI, or make it exit if it runs on another CPU so that its next entry
 * puts the interrupt in a list register.
 */
static void vgic_kick_vcpu(void *opaque, unsigned id)
{
	struct vm *vm = opaque;
	struct vcpu *v;

	if (id >= vm->nr_vcpus)
		return;
	v = &vm->vcpus[id];
	/* The vGIC's state is stored; now read the run state. Pairs with the
	 * fence in vcpu_wait_for_interrupt() (store BLOCKED, then read pending). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (READ_ONCE(v->run) == VCPU_BLOCKED) {
		if (sched_wake(&percpu[v->pcpu].rq, v))
			vcpu_kick(v);
	} else if (READ_ONCE(v->in_guest)) {
		vcpu_kick(v);
	}
}

static void uart_irq(void *opaque, bool level)
{
	struct vm *vm = opaque;

	vgic_uart_set_level(&vm->vgic, level);
	if (level)
		trace_irq_inject(&vm->vcpus[0], VGIC_INTID_UART, TRACE_IRQ_SRC_DEVICE,
				 TRACE_NO_VCPU);
}

static bool gicd_mmio(void *opaque, struct vcpu *v, uint64_t offset, unsigned size, bool write,
		      uint64_t *val)
{
	return vgic_dist_mmio(opaque, v->id, offset, size, write, val);
}

static bool gicr_mmio(void *opaque, struct vcpu *v, uint64_t offset, unsigned size, bool write,
		      uint64_t *val)
{
	(void)v;
	return vgic_redist_mmio(opaque, offset, size, write, val);
}

static bool its_mmio(void *opaque, struct vcpu *v, uint64_t offset, unsigned size, bool write,
		     uint64_t *val)
{
	return vits_mmio(opaque, v->id, offset, size, write, val);
}

/* Each ITS command, and each translation to an LPI (MSI, INT), is traced. */
static void its_event(void *opaque, unsigned vcpu_id, const struct vits_event *e)
{
	struct vm *vm = opaque;
	const struct vcpu *src = &vm->vcpus[vcpu_id < vm->nr_vcpus ? vcpu_id : 0];

	if (e->cmd != VITS_CMD_MSI)
		trace_its(src, TRACE_ITS_CMD, e);
	if (e->cmd == VITS_CMD_MSI || (e->cmd == VITS_CMD_INT && e->result == VITS_OK))
		trace_its(src, TRACE_ITS_LPI, e);
}

static unsigned least_loaded_cpu(void)
{
	unsigned best = 0;

	for (unsigned i = 1; i < nr_cpus; i++)
		if (sched_load(&percpu[i].rq) < sched_load(&percpu[best].rq))
			best = i;
	return best;
}

static void vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t x0)
{
	/* Linux arm64 boot protocol: EL1h, DAIF masked, MMU and caches off,
	 * x0 = DTB (or the CPU_ON context id), x1..x3 = 0. */
	memset(&v->regs, 0, sizeof(v->regs));
	memset(v->el1, 0, sizeof(v->el1));
	memset(&v->fp, 0, sizeof(v->fp));
	memset(v->pauth, 0, sizeof(v->pauth));
	memset(v->mte, 0, sizeof(v->mte));
	memset(&v->dbg, 0, sizeof(v->dbg));
	timer_vcpu_reset(v);
	memset(&v->pmu, 0, sizeof(v->pmu));
	v->regs.pc = entry;
	v->regs.x[0] = x0;
	v->regs.pstate = PSR_EL1H_DAIF;
	v->el1[SCTLR_EL1] = SCTLR_EL1_RESET;
	v->hcr = arch_vcpu_hcr();
	/* Its FP registers are the zeroes above, not whatever the CPU holds. */
	arch_fpsimd_forget(v);
	/* SDEI: masked, no private event registered (DEN0054, CPU_ON). */
	sdei_vcpu_reset(v);
	/* el2=on: it starts at virtual EL2 (hyp/core/nested.c). */
	if (vcpu_nested(v))
		nested_vcpu_reset(v);
}

bool vm_ipa_is_ram(const struct vm *vm, uint64_t ipa, uint64_t size)
{
	return ipa >= GUEST_RAM_IPA && size <= vm->ram_size &&
	       ipa - GUEST_RAM_IPA <= vm->ram_size - size;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	/* vCPU n has MPIDR Aff0 = n and the other affinity levels 0. */
	if ((mpidr & ~0xffull) || mpidr >= vm->nr_vcpus)
		return NULL;
	return &vm->vcpus[mpidr];
}

/*
 * Lays out image, initrd and DTB in guest RAM (already zeroed; scrubbed
 * says whether the hypervisor wrote those zeroes, which then need cleaning to
 * the point of coherency like the image). In place, the host loaded image
 * and initrd into this very RAM (hypcfg_vm.ram_pa): only the DTB is written.
 */
static const char *load_guest(struct vm *vm, bool scrubbed, bool in_place)
{
	const struct hypcfg_vm *c = vm->cfg;
	uint64_t span = c->image_span > c->image_size ? c->image_span : c->image_size;
	uint64_t end = c->load_ipa + span;
	uint64_t initrd_ipa = 0, dtb_ipa;
	struct guest_dtb_params p;
	uint8_t *ram = phys_to_virt(vm->ram_pa);

	if (!in_place)
		memcpy(ram + (c->load_ipa - GUEST_RAM_IPA), phys_to_virt(c->image_pa),
		       c->image_size);
	if (c->initrd_size) {
		initrd_ipa = hypcfg_initrd_ipa(c->load_ipa, c->image_size, c->image_span);
		end = initrd_ipa + c->initrd_size;
	}
	/* The DTB goes at the top of RAM, above image and initrd, 8-byte
	 * aligned and inside one 2 MiB region (Linux booting.rst). */
	dtb_ipa = GUEST_RAM_IPA + vm->ram_size - GUEST_DTB_MAX_SIZE;
	if (end > dtb_ipa)
		return "image and initrd leave no room for the device tree";
	if (c->initrd_size && !in_place)
		memcpy(ram + (initrd_ipa - GUEST_RAM_IPA), phys_to_virt(c->initrd_pa),
		       c->initrd_size);

	p = (struct guest_dtb_params){
		.name = c->name,
		.serial = vm->serial,
		.ram_ipa = GUEST_RAM_IPA,
		.ram_size = vm->ram_size,
		.nr_vcpus = vm->nr_vcpus,
		.cmdline = c->cmdline,
		.initrd_start = initrd_ipa,
		.initrd_end = initrd_ipa ? initrd_ipa + c->initrd_size : 0,
		.gicd = GUEST_GICD_IPA,
		.gicr = GUEST_GICR_IPA,
		.gicr_stride = GUEST_GICR_STRIDE,
		.its = GUEST_ITS_IPA,
		.uart = GUEST_UART_IPA,
		.uart_spi = GUEST_UART_SPI,
		.uart_clock_hz = UART_CLOCK_HZ,
		/* el2=on: no SDEI yet (its events would enter whichever level runs). */
		.sdei = !(c->flags & (HYPCFG_VM_F_NO_SDEI | HYPCFG_VM_F_EL2)),
		.psci_smc = !!(c->flags & HYPCFG_VM_F_EL2),
		.pmu = vpmu_info.nr_counters > 0,
	};
	/* libfdt uses the FP/SIMD registers: no guest's may be live in them. */
	arch_fpsimd_release();
	if (guest_dtb_build(ram + (dtb_ipa - GUEST_RAM_IPA), GUEST_DTB_MAX_SIZE, &p) < 0)
		return "could not build the device tree";
	vm->dtb_ipa = dtb_ipa;
	/* The guest starts with its MMU and caches off: what was written here
	 * must reach memory. RAM fresh from the host (what QEMU's loader wrote
	 * in place included) was never in a cache. */
	if (scrubbed) {
		arch_dcache_clean(vm->ram_pa, vm->ram_size);
		return NULL;
	}
	if (!in_place) {
		arch_dcache_clean(vm->ram_pa + (c->load_ipa - GUEST_RAM_IPA), c->image_size);
		if (c->initrd_size)
			arch_dcache_clean(vm->ram_pa + (initrd_ipa - GUEST_RAM_IPA),
					  c->initrd_size);
	}
	arch_dcache_clean(vm->ram_pa + (dtb_ipa - GUEST_RAM_IPA), GUEST_DTB_MAX_SIZE);
	return NULL;
}

void vm_reserve_in_place(unsigned slot, uint64_t pa, uint64_t size)
{
	chunk_pool_reserve(&guest_pool, pa, size);
	in_place_ram[slot].pa = pa;
	in_place_ram[slot].size = size;
}

static void record_failure(unsigned slot, const char *why)
{
	struct hypstat_vm *st = &hypstat->vms[slot];

	st->state = HYPSTAT_VM_FAILED;
	st->instances_failed++;
	hyp_log("%s: cannot create: %s", hypcfg->vms[slot].name, why);
}

int vm_create(unsigned slot)
{
	const struct hypcfg_vm *c = &hypcfg->vms[slot];
	struct vm *vm = &vms[slot];
	struct hypstat_vm *st = &hypstat->vms[slot];
	const char *why;
	bool scrubbed, in_place;
	int ret;

	st->instances_started++;
	why = hypcfg_check_vm(c);
	if (why) {
		record_failure(slot, why);
		return -EINVAL;
	}
	/* Everything but the lock, which a CPU holding a stale vCPU pointer
	 * may be taking in vcpu_claim() (it then sees state != RUNNING). */
	memset((char *)vm + sizeof(vm->lock), 0, sizeof(*vm) - sizeof(vm->lock));
	vm->slot = slot;
	vm->cfg = c;
	vm->stat = st;
	vm->nr_vcpus = c->nr_vcpus;
	vm->ram_size = c->mem_size;
	spin_lock(&lifecycle_lock);
	vm->serial = next_serial++;
	spin_unlock(&lifecycle_lock);

	/* Loaded in place: the RAM boot reserved for this slot's one instance,
	 * fresh but for the image and initrd QEMU put in it (hypcfg_check()). */
	in_place = in_place_ram[slot].pa && in_place_ram[slot].size == vm->ram_size;
	if (in_place) {
		vm->ram_pa = in_place_ram[slot].pa;
		in_place_ram[slot].pa = 0;
	} else if (chunk_pool_alloc(&guest_pool, vm->ram_size, &vm->ram_pa)) {
		record_failure(slot, "out of memory for guest RAM");
		return -ENOMEM;
	}
	/* Fresh memory: nothing of an earlier VM may be visible, its MTE
	 * allocation tags included. RAM no VM has had is zeroes already, and
	 * writing all of it would make the host back every page of it at once
	 * (tens of microseconds a page on a virtualized host: seconds for a
	 * Linux guest's 256 MiB, most of which it never touches). */
	scrubbed = !in_place && !chunk_pool_zeroed(&guest_pool, vm->ram_pa, vm->ram_size);
	if (scrubbed)
		arch_ram_scrub(vm->ram_pa, vm->ram_size);
	why = load_guest(vm, scrubbed, in_place);
	if (!why && s2_init(&vm->s2, &hyp_pages, stage2_ipa_bits))
		why = "out of memory for stage-2 tables";
	/* 4 KiB pages, not 2 MiB blocks: QEMU's TCG records a combined
	 * translation as large as the larger of its two stages, so with
	 * blocks every page the guest maps counted as part of a 2 MiB page,
	 * and each guest TLBI by VA flushed the whole of the guest's TLB in
	 * QEMU (Linux's boot refilled it 575,000 times; docs/linux-speed.md).
	 * The price: 2 KiB of tables per MiB from hyp_pages (8 MiB for 4 GiB).
	 * Hardware caches each stage at its own size and loses only the
	 * walk's last level. */
	if (!why && s2_map_pages(&vm->s2, &hyp_pages, GUEST_RAM_IPA, vm->ram_pa, vm->ram_size,
				 S2_NORMAL_RWX))
		why = "out of memory for stage-2 tables";
	if (why) {
		s2_destroy(&vm->s2, &hyp_pages);
		chunk_pool_free(&guest_pool, vm->ram_pa, vm->ram_size);
		record_failure(slot, why);
		return -ENOMEM;
	}
	/* el2=on: a VNCR page per vCPU for its guest hypervisor's EL2 registers. */
	for (unsigned i = 0; (c->flags & HYPCFG_VM_F_EL2) && i < vm->nr_vcpus; i++) {
		if (nested_vcpu_init(&vm->vcpus[i])) {
			for (unsigned j = 0; j <= i; j++)
				nested_vcpu_free(&vm->vcpus[j]);
			s2_destroy(&vm->s2, &hyp_pages);
			chunk_pool_free(&guest_pool, vm->ram_pa, vm->ram_size);
			record_failure(slot, "out of memory for VNCR pages");
			return -ENOMEM;
		}
	}
	/* ... and a chunk of pages for the shadow stage 2 of its guest. */
	if ((c->flags & HYPCFG_VM_F_EL2) && nested_s2_vm_init(vm, stage2_ipa_bits)) {
		for (unsigned j = 0; j < vm->nr_vcpus; j++)
			nested_vcpu_free(&vm->vcpus[j]);
		s2_destroy(&vm->s2, &hyp_pages);
		chunk_pool_free(&guest_pool, vm->ram_pa, vm->ram_size);
		record_failure(slot, "out of memory for the shadow stage 2");
		return -ENOMEM;
	}
	vm->cntvoff = arch_counter();

	vgic_vm_init(&vm->vgic, vm->nr_vcpus, vgic_kick_vcpu, vm);
	vgic_set_guest_mem(&vm->vgic, phys_to_virt(vm->ram_pa), GUEST_RAM_IPA, vm->ram_size);
	vits_init(&vm->its, &vm->vgic, its_event, vm);
	sdei_vm_init(vm, c->flags & (HYPCFG_VM_F_NO_SDEI | HYPCFG_VM_F_EL2));
	mmio_bus_init(&vm->bus);
	pl011_init(&vm->uart, uart_line, uart_irq, vm);
	console_attach(vm);
	ret = mmio_bus_add(&vm->bus, GUEST_UART_IPA, GUEST_UART_SIZE, "pl011", TRACE_DEV_UART,
			   pl011_mmio, &vm->uart);
	ret |= mmio_bus_add(&vm->bus, GUEST_GICD_IPA, GUEST_GICD_SIZE, "gicd", TRACE_DEV_GICD,
			    gicd_mmio, &vm->vgic);
	ret |= mmio_bus_add(&vm->bus, GUEST_GICR_IPA, GUEST_GICR_STRIDE * vm->nr_vcpus, "gicr",
			    TRACE_DEV_GICR, gicr_mmio, &vm->vgic);
	ret |= mmio_bus_add(&vm->bus, GUEST_ITS_IPA, GUEST_ITS_SIZE, "its", TRACE_DEV_ITS,
			    its_mmio, &vm->its);
	BUG_ON(ret);

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->vmpidr = VMPIDR_RES1 | i;
		/* TEST ONLY: the pad handle_hvc() adds, where the fast path
		 * finds it in one load (the configuration is fixed at boot). */
		v->test_pad = hypcfg->flags & HYPCFG_F_TEST_HVC_PAD ? hypcfg->test_hvc_pad : 0;
		/* Nested, MTE: the first put works out what stays (vm.h). */
		v->switch_extra = true;
		v->stat = &st->vcpus[i];
		v->pcpu = least_loaded_cpu();
		v->vmid_active = &vmids.active[v->pcpu];
		v->trace_ring = trace_on ? &percpu[v->pcpu].trace : NULL;
		v->trace_word0 = TRACE_WORD0(0, 0, v->pcpu, TRACE_NO_VMID);
		v->trace_ident = TRACE_IDENT(slot, i);
		v->stat->pcpu = v->pcpu;
		v->stat->state = HYPSTAT_VCPU_OFF;
		vcpu_reset(v, 0, 0);
		BUG_ON(!vgic_cpu_init(&vm->vgic, &v->vgic, i));
		BUG_ON(!timer_vcpu_init(v));
		BUG_ON(rq_attach(&percpu[v->pcpu].rq, v));
	}

	st->state = HYPSTAT_VM_RUNNING;
	st->serial = vm->serial;
	st->nr_vcpus = vm->nr_vcpus;
	st->exit_status = 0;
	__atomic_fetch_add(&hypstat->vms_created, 1, __ATOMIC_RELAXED);
	spin_lock(&vm->lock);
	vm->state = VM_RUNNING;
	spin_unlock(&vm->lock);
	hyp_log("%s: created (serial %llu, %u vCPU, %llu MiB at PA 0x%llx)", c->name,
		(unsigned long long)vm->serial, vm->nr_vcpus,
		(unsigned long long)(vm->ram_size >> 20), (unsigned long long)vm->ram_pa);

	trace_vm(TRACE_VM_CREATE, vm);
	gdb_vm_created(vm);
	vcpu_power_on(&vm->vcpus[0], c->entry_ipa, vm->dtb_ipa);
	return 0;
}

/* The slot has nothing more to run; the last slot to finish stops the machine. */
static void vm_slot_finished(unsigned slot)
{
	bool all = true;

	spin_lock(&lifecycle_lock);
	slot_finished[slot] = true;
	for (unsigned i = 0; i < hypcfg->nr_vms; i++)
		all &= slot_finished[i];
	if (all && shutting_down)
		all = false; /* someone else is at it */
	if (all)
		shutting_down = true;
	spin_unlock(&lifecycle_lock);
	if (all)
		hyp_shutdown();
}

/* Creates instances of a slot until one starts; finishes the slot when none is left. */
void vm_start_slot(unsigned slot)
{
	unsigned n = hypcfg->vms[slot].instances;

	while (hypstat->vms[slot].instances_started < n)
		if (!vm_create(slot))
			return;
	vm_slot_finished(slot);
}

static void vm_teardown(struct vm *vm)
{
	struct hypstat_vm *st = vm->stat;
	unsigned slot = vm->slot;
	bool clean;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		rq_detach(&percpu[v->pcpu].rq, v);
		arch_fpsimd_forget(v);
		nested_vcpu_free(v);
		v->stat->state = HYPSTAT_VCPU_OFF;
	}
	pl011_flush(&vm->uart);
	trace_vm(TRACE_VM_DESTROY, vm);
	vmid_release(&vmids, &vm->vmid);
	s2_destroy(&vm->s2, &hyp_pages);
	nested_s2_vm_free(vm, &vmids);
	chunk_pool_free(&guest_pool, vm->ram_pa, vm->ram_size);

	clean = vm->end_state == HYPSTAT_VM_OFF ||
		(vm->end_state == HYPSTAT_VM_EXITED && vm->exit_status == 0);
	st->state = vm->end_state;
	st->exit_status = vm->exit_status;
	if (!clean)
		st->instances_failed++;
	__atomic_fetch_add(&hypstat->vms_destroyed, 1, __ATOMIC_RELAXED);
	if (vm->end_state == HYPSTAT_VM_EXITED)
		hyp_log("%s: exited with status %u", vm->cfg->name, vm->exit_status);
	else
		hyp_log("%s: %s", vm->cfg->name, end_state_text[vm->end_state]);

	spin_lock(&vm->lock);
	vm->state = VM_FREE;
	spin_unlock(&vm->lock);

	vm_start_slot(slot);
}

void vm_end(struct vm *vm, uint32_t end_state, uint32_t exit_status)
{
	bool idle;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->state = VM_STOPPING;
	vm->end_state = end_state;
	vm->exit_status = exit_status;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].power = VCPU_POWER_OFF;
		sched_stop(&percpu[vm->vcpus[i].pcpu].rq, &vm->vcpus[i]);
	}
	idle = vm->vcpus_on_cpu == 0;
	spin_unlock(&vm->lock);
	gdb_vm_ended(vm);

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].in_guest)
			vcpu_kick(&vm->vcpus[i]);
	if (idle)
		vm_teardown(vm);
}

void vcpu_power_off(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool any_on = false;

	sdei_vcpu_reset(v);
	spin_lock(&vm->lock);
	v->power = VCPU_POWER_OFF;
	v->reset_pending = false;
	sched_stop(&percpu[v->pcpu].rq, v);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		any_on |= vm->vcpus[i].power == VCPU_POWER_ON;
	spin_unlock(&vm->lock);
	if (!any_on)
		vm_end(vm, HYPSTAT_VM_OFF, 0);
}

int vcpu_power_on(struct vcpu *v, uint64_t entry, uint64_t context)
{
	struct vm *vm = v->vm;
	int ret = PSCI_RET_SUCCESS;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		ret = PSCI_RET_DENIED;
	} else if (v->power == VCPU_POWER_ON) {
		ret = v->reset_pending ? PSCI_RET_ON_PENDING : PSCI_RET_ALREADY_ON;
	} else {
		v->power = VCPU_POWER_ON;
		v->reset_pending = true;
		v->reset_entry = entry;
		v->reset_context = context;
	}
	spin_unlock(&vm->lock);
	if (ret == PSCI_RET_SUCCESS && sched_make_runnable(&percpu[v->pcpu].rq, v))
		vcpu_kick(v);
	return ret;
}

void vcpu_apply_pending_reset(struct vcpu *v)
{
	if (v->reset_pending) {
		vcpu_reset(v, v->reset_entry, v->reset_context);
		v->reset_pending = false;
	}
}

/* The claim of a vCPU with a CPU_ON reset pending: the reset, then the
 * lock dropped. Out of line, so that the usual claim needs no stack frame. */
static __attribute__((noinline)) bool vcpu_claim_reset(struct vm *vm, struct vcpu *v)
{
	vcpu_apply_pending_reset(v);
	spin_unlock(&vm->lock);
	return true;
}

bool vcpu_claim(struct vcpu *v, unsigned cpu)
{
	struct vm *vm = v->vm;
	bool ok;

	spin_lock(&vm->lock);
	/* The five conditions read and combined without a branch each: one
	 * test, the usual answer being yes. */
	ok = (vm->state == VM_RUNNING) & (v->run == VCPU_RUNNABLE) & (v->pcpu == cpu) &
	     !v->in_guest & !v->gdb.hold;
	if (likely(ok)) {
		vm->vcpus_on_cpu++;
		v->in_guest = true;
		v->stat->state = HYPSTAT_VCPU_RUNNING;
		if (unlikely(v->reset_pending))
			return vcpu_claim_reset(vm, v);
	}
	spin_unlock(&vm->lock);
	return ok;
}

void vcpu_unclaim(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool teardown;

	spin_lock(&vm->lock);
	v->in_guest = false;
	teardown = --vm->vcpus_on_cpu == 0 && vm->state == VM_STOPPING;
	/* A vCPU that yielded or was preempted stays RUNNING in the status
	 * block: one test for that, the usual case. */
	if (v->run != VCPU_RUNNABLE)
		v->stat->state = v->run == VCPU_BLOCKED ? HYPSTAT_VCPU_WFI : HYPSTAT_VCPU_OFF;
	spin_unlock(&vm->lock);
	if (teardown)
		vm_teardown(vm);
}
