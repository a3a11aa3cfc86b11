/*
 * The target the GDB protocol engine (gdbstub/) drives: stopping and
 * resuming the vCPUs of a VM, their registers, guest memory through a
 * software stage-1 and stage-2 walk, breakpoints, watchpoints, stepping,
 * catchpoints and the monitor commands. Portable: the hardware pieces are
 * the arch functions (hyp/include/arch.h) and the state the world switch
 * reads (struct vcpu_gdb, struct vm_gdb_hw); hyp/arch/fake runs it all
 * under cmocka.
 *
 * Events (stops, VM ends) are queued and handed to the engine once it is
 * not running: target.h says callbacks never call back into the engine.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "formats/vmid.h"
#include "gdbstub/target.h"
#include "hyp/include/arch.h"
#include "hyp/include/gdb.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/inject.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/stage2.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

#define BRK_INSN      0xd4200000u /* BRK #0 */
#define GDB_MAX_SWBP  64
#define GDB_TEXT_LEN  256
#define PSR_MODE_MASK 0xfull
#define PSR_MODE_EL1h 0x5ull
#define SCTLR_EL1_M   1ull
#define SIGINT        2
#define SIGTRAP       5

/* Debug control register values (Arm ARM D19.2, DBGBCR<n>_EL1 and DBGWCR<n>_EL1). */
#define DBGBCR_E       1ull
#define DBGBCR_PMC_EL1_EL0 (3ull << 1)
#define DBGBCR_BAS_A64 (0xfull << 5)
#define DBGWCR_E       1ull
#define DBGWCR_PAC_EL1_EL0 (3ull << 1)
#define DBGWCR_LSC_LOAD  (1ull << 3)
#define DBGWCR_LSC_STORE (2ull << 3)

struct swbp {
	bool used;
	uint64_t addr;   /* as gdb gave it (VA, or IPA in IPA mode) */
	uint64_t pa;     /* where the BRK was written */
	uint32_t orig;   /* the instruction it replaced */
};

struct gdb_vm {
	bool attached;
	bool stopping;       /* a stop was asked for; not every vCPU is held yet */
	bool stopped;        /* every vCPU held */
	uint64_t stopped_at; /* counter when the stop completed */
	bool event_queued;   /* ev goes to the engine when it is not running */
	struct gdb_event ev;
	char text[GDB_TEXT_LEN];
	uint64_t serial;     /* the VM instance attached */
	bool ipa_mode;       /* monitor ipa on (the engine passes it on): breakpoints and
	                        translate take guest physical addresses */
	bool step_irq;       /* monitor step-irq on */
	uint64_t catch_class;    /* exit classes (ESR_EC_*, bit per class) that stop the VM */
	uint32_t catch_sysreg;   /* SYS64 only this register (sysreg key), 0 = any */
	uint32_t catch_intid;    /* catch irq: stop when it is pending for a vCPU; 0 = none */
	bool irq_in_flight[GDB_MAX_VCPUS]; /* catch irq: as of the vCPU's last exit */
	bool catch_rollover;     /* catch vmid-rollover */
	uint64_t rollovers_seen; /* vmids.rollovers when the catchpoint was set or last hit */
	bool catch_sdei;         /* catch sdei: stop when a handler is entered */
	bool catch_sdei_any;     /* any event, else only catch_sdei_event */
	uint32_t catch_sdei_event;
	uint64_t wp_addr[GDB_HW_SLOTS];
	unsigned wp_kind[GDB_HW_SLOTS];
	uint8_t wp_type[GDB_HW_SLOTS];
	uint64_t bp_addr[GDB_HW_SLOTS];
	struct swbp sw[GDB_MAX_SWBP];
};

/* The last exits of each vCPU while its VM is attached, for 'monitor trace'. */
#define GDB_HIST 32
struct exit_hist {
	uint64_t ts, esr, pc, x0;
	unsigned cls;
};
static struct exit_hist hist[HYPCFG_MAX_VMS][HYPCFG_MAX_VCPUS][GDB_HIST];
static unsigned hist_next[HYPCFG_MAX_VMS][HYPCFG_MAX_VCPUS];

bool gdb_enabled;
static spinlock_t stub_lock;
static int lock_owner = -1; /* the CPU holding stub_lock, -1 when free */
static bool in_engine;      /* the engine runs: queue events */
static struct gdb_stub *stub;
static struct gdb_vm gvms[HYPCFG_MAX_VMS];

/* ---------------------------------------------------------------- lock */

/*
 * The stub lock, taken by every entry point. Re-entry on the same CPU is
 * possible (the engine kills a VM; vm_end() calls gdb_vm_ended()): it
 * then already holds it. Returns whether this call took it.
 */
static bool stub_lock_take(void)
{
	int cpu = (int)this_cpu_id();

	if (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == cpu)
		return false;
	spin_lock(&stub_lock);
	__atomic_store_n(&lock_owner, cpu, __ATOMIC_RELAXED);
	return true;
}

static void flush_events(void);

static void stub_lock_give(bool taken)
{
	if (!taken)
		return;
	flush_events();
	__atomic_store_n(&lock_owner, -1, __ATOMIC_RELAXED);
	spin_unlock(&stub_lock);
}

static void post_event(unsigned slot, const struct gdb_event *ev)
{
	struct gdb_vm *g = &gvms[slot];

	g->ev = *ev;
	if (ev->text && ev->text != g->text) {
		strncpy(g->text, ev->text, sizeof(g->text) - 1);
		g->text[sizeof(g->text) - 1] = '\0';
	}
	g->ev.text = ev->text ? g->text : NULL;
	g->event_queued = true;
}

/* Hands queued events to the engine (stub lock held, engine not running). */
static void flush_events(void)
{
	if (in_engine || !stub)
		return;
	for (unsigned i = 0; i < HYPCFG_MAX_VMS; i++) {
		struct gdb_vm *g = &gvms[i];

		if (!g->event_queued)
			continue;
		g->event_queued = false;
		in_engine = true;
		gdb_stub_event(stub, &g->ev);
		in_engine = false;
	}
}

/* ---------------------------------------------------------------- VMs */

static struct vm *vm_of(unsigned slot)
{
	if (slot >= HYPCFG_MAX_VMS || !hypcfg || slot >= hypcfg->nr_vms)
		return NULL;
	return READ_ONCE(vms[slot].state) == VM_RUNNING ? &vms[slot] : NULL;
}

static struct vm *attached_vm(unsigned slot)
{
	struct vm *vm = vm_of(slot);

	return vm && gvms[slot].attached && gvms[slot].serial == vm->serial ? vm : NULL;
}

static struct vcpu *stopped_vcpu(unsigned slot, unsigned id)
{
	struct vm *vm = attached_vm(slot);

	if (!vm || id >= vm->nr_vcpus || !gvms[slot].stopped)
		return NULL;
	return &vm->vcpus[id];
}

static bool fp_live_in_cpu(const struct vcpu *v)
{
	return READ_ONCE(percpu[v->pcpu].fp_owner) == v;
}

/* The vCPU a stop reply may name: the one given if it is on, else the first that is. */
static unsigned online_vcpu(const struct vm *vm, unsigned id)
{
	if (id < vm->nr_vcpus && vm->vcpus[id].power == VCPU_POWER_ON)
		return id;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].power == VCPU_POWER_ON)
			return i;
	return 0;
}

/* A stop asked for is complete once no vCPU is on a CPU or has FP state live in one. */
static void try_complete(struct vm *vm)
{
	struct gdb_vm *g = &gvms[vm->slot];
	bool all = true;

	if (!g->stopping)
		return;
	spin_lock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		all &= v->gdb.hold && !v->in_guest && !fp_live_in_cpu(v);
	}
	spin_unlock(&vm->lock);
	if (!all)
		return;
	g->stopping = false;
	g->stopped = true;
	g->stopped_at = arch_counter();
	g->ev.vcpu = online_vcpu(vm, g->ev.vcpu);
	trace_gdb_stop(&vm->vcpus[g->ev.vcpu], g->ev.reason, g->ev.signal, g->ev.addr);
	post_event(vm->slot, &g->ev);
}

/* Every vCPU held; those on a CPU (or with FP state in one) are kicked off it. */
static void hold_all(struct vm *vm)
{
	spin_lock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		WRITE_ONCE(v->gdb.hold, true);
		if (v->power == VCPU_POWER_ON)
			vcpu_apply_pending_reset(v);
	}
	spin_unlock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (READ_ONCE(v->in_guest)) {
			vcpu_kick(v);
		} else if (fp_live_in_cpu(v)) {
			/* Its CPU saves them when it is back in its run loop. */
			sched_force_resched(&percpu[v->pcpu].rq);
			vcpu_kick(v);
		}
	}
}

static void stop_vm(struct vm *vm, enum gdb_stop_reason reason, int signal, unsigned vcpu,
		    uint64_t addr, const char *text)
{
	struct gdb_vm *g = &gvms[vm->slot];

	if (g->stopping || g->stopped)
		return;
	g->stopping = true;
	g->ev = (struct gdb_event){ .type = GDB_EV_STOPPED, .vm = vm->slot, .vcpu = vcpu,
				    .reason = reason, .signal = signal, .addr = addr };
	if (text) {
		strncpy(g->text, text, sizeof(g->text) - 1);
		g->text[sizeof(g->text) - 1] = '\0';
		g->ev.text = g->text;
	}
	hold_all(vm);
	try_complete(vm);
}

/* The vCPU may run again: its CPU picks it up at the next reschedule. */
static void release(struct vcpu *v)
{
	WRITE_ONCE(v->gdb.hold, false);
	sched_release(&percpu[v->pcpu].rq, v);
	vcpu_kick(v);
}

static void set_active(struct vm *vm, bool on)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		WRITE_ONCE(vm->vcpus[i].gdb.active, on);
}

/* ---------------------------------------------------------------- memory */

static bool read_ipa64(const struct vm *vm, uint64_t ipa, uint64_t *val)
{
	uint64_t pa;

	if ((ipa & 7) || s2_translate(&vm->s2, ipa, &pa))
		return false;
	*val = *(const volatile uint64_t *)phys_to_virt(pa);
	return true;
}

int s1_walk(const struct vm *vm, uint64_t sctlr, uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1,
	    uint64_t va, struct s1_walk *w)
{
	unsigned tsz, tg, gbits, stride, inputsize, level;
	uint64_t table, top;
	bool upper = (va >> 55) & 1;

	memset(w, 0, sizeof(*w));
	w->mmu_on = sctlr & SCTLR_EL1_M;
	if (!w->mmu_on) {
		w->ipa = va;
		return 0;
	}
	w->ttbr1 = upper;
	if (upper) {
		tsz = FIELD(tcr, 21, 16);
		tg = FIELD(tcr, 31, 30);
		gbits = tg == 1 ? 14 : tg == 3 ? 16 : 12; /* TG1: 1 16K, 2 4K, 3 64K */
		table = ttbr1;
		if (tcr & BIT(23)) {
			w->fault = true;
			w->why = "TTBR1 walks disabled (TCR_EL1.EPD1)";
			return -EFAULT;
		}
	} else {
		tsz = FIELD(tcr, 5, 0);
		tg = FIELD(tcr, 15, 14);
		gbits = tg == 1 ? 16 : tg == 2 ? 14 : 12; /* TG0: 0 4K, 1 64K, 2 16K */
		table = ttbr0;
		if (tcr & BIT(7)) {
			w->fault = true;
			w->why = "TTBR0 walks disabled (TCR_EL1.EPD0)";
			return -EFAULT;
		}
	}
	w->granule_bits = gbits;
	if (tsz < 16)
		tsz = 16; /* 52-bit VAs (FEAT_LVA) are not walked: at most 48 bits */
	if (tsz > 39)
		tsz = 39;
	inputsize = 64 - tsz;
	/* Bits [55:inputsize] must all equal bit 55 (the top byte is ignored). */
	top = (va << 8) >> (8 + inputsize);
	if (top != (upper ? (~0ull >> (8 + inputsize)) : 0)) {
		w->fault = true;
		w->why = "address outside the translation range (TCR_EL1.TxSZ)";
		return -EFAULT;
	}
	stride = gbits - 3;
	level = 4 - (inputsize - gbits + stride - 1) / stride;
	w->start_level = level;
	table &= 0x0000fffffffffffeull; /* BADDR: no ASID, no CnP */
	for (; level <= 3; level++) {
		unsigned shift = gbits + stride * (3 - level);
		unsigned bits = level == w->start_level ? inputsize - shift : stride;
		uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		uint64_t desc, addr_mask = 0x0000ffffffffffffull & ~((1ull << gbits) - 1);

		w->leaf_level = level;
		w->table_ipa[level] = (table & addr_mask) + idx * 8;
		if (!read_ipa64(vm, w->table_ipa[level], &desc)) {
			w->fault = true;
			w->why = "table outside guest RAM";
			return -EFAULT;
		}
		w->desc[level] = desc;
		if (!(desc & 1)) {
			w->fault = true;
			w->why = "invalid descriptor";
			return -EFAULT;
		}
		if (level < 3 && (desc & 2)) {
			table = desc & addr_mask;
			continue;
		}
		if (level == 3 && !(desc & 2)) {
			w->fault = true;
			w->why = "reserved descriptor at level 3";
			return -EFAULT;
		}
		w->ipa = (desc & 0x0000ffffffffffffull & ~((1ull << shift) - 1)) |
			 (va & ((1ull << shift) - 1));
		return 0;
	}
	w->fault = true;
	w->why = "walk too deep";
	return -EFAULT;
}

static int vcpu_s1_walk(const struct vcpu *v, uint64_t va, struct s1_walk *w)
{
	return s1_walk(v->vm, vcpu_el1_read(v, SCTLR_EL1), vcpu_el1_read(v, TCR_EL1),
		       vcpu_el1_read(v, TTBR0_EL1), vcpu_el1_read(v, TTBR1_EL1), va, w);
}

/* The PA behind an address, and how many bytes from it are in the same page. */
static int addr_to_pa(const struct vcpu *v, bool ipa_mode, uint64_t addr, uint64_t *pa,
		      uint64_t *room)
{
	uint64_t ipa = addr;
	unsigned gbits = 12;

	if (!ipa_mode) {
		struct s1_walk w;

		if (vcpu_s1_walk(v, addr, &w))
			return -EFAULT;
		ipa = w.ipa;
		if (w.granule_bits)
			gbits = w.granule_bits;
	}
	if (s2_translate(&v->vm->s2, ipa, pa))
		return -EFAULT;
	/* Stage 2 maps 4 KiB pages or larger: never cross a 4 KiB boundary. */
	gbits = 12;
	*room = (1ull << gbits) - (addr & ((1ull << gbits) - 1));
	return 0;
}

static long mem_access(unsigned slot, unsigned id, enum gdb_addr_space as, uint64_t addr,
		       uint8_t *rbuf, const uint8_t *wbuf, size_t len)
{
	struct vm *vm = attached_vm(slot);
	const struct vcpu *v;
	bool ipa_mode;
	size_t done = 0;

	if (!vm || id >= vm->nr_vcpus)
		return -ESRCH;
	ipa_mode = as == GDB_ADDR_IPA;
	if (!ipa_mode && !gvms[slot].stopped)
		return -EBUSY; /* its stage-1 registers are only stable while it is held */
	v = &vm->vcpus[id];
	while (done < len) {
		uint64_t pa, room;
		size_t n;

		if (addr_to_pa(v, ipa_mode, addr + done, &pa, &room))
			break;
		n = MIN((uint64_t)(len - done), room);
		if (rbuf) {
			memcpy(rbuf + done, phys_to_virt(pa), n);
		} else {
			memcpy(phys_to_virt(pa), wbuf + done, n);
			/* New code reaches the guest's instruction fetches. */
			arch_dcache_clean(pa, n);
		}
		done += n;
	}
	return done ? (long)done : -EFAULT;
}

/* ---------------------------------------------------------------- ops */

static void op_tx(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	arch_gdb_tx(buf, len);
}

static bool op_vm_present(void *ctx, unsigned slot)
{
	(void)ctx;
	return vm_of(slot) != NULL;
}

static unsigned op_vm_vcpus(void *ctx, unsigned slot)
{
	struct vm *vm = vm_of(slot);

	(void)ctx;
	return vm ? vm->nr_vcpus : 0;
}

static int op_vcpu_info(void *ctx, unsigned slot, unsigned id, struct gdb_vcpu_info *info)
{
	struct vm *vm = vm_of(slot);
	const struct vcpu *v;

	(void)ctx;
	if (!vm || id >= vm->nr_vcpus)
		return -ESRCH;
	v = &vm->vcpus[id];
	info->state = v->power == VCPU_POWER_OFF ? GDB_VCPU_OFF
		      : READ_ONCE(v->run) == VCPU_BLOCKED ? GDB_VCPU_WFI
							  : GDB_VCPU_RUNNING;
	info->pcpu = v->pcpu;
	info->vmid = vm->vmid && hypcfg ? (uint32_t)vmid_of(vm->vmid, vmids.bits) : 0;
	return 0;
}

static int op_attach(void *ctx, unsigned slot)
{
	struct vm *vm = vm_of(slot);
	struct gdb_vm *g;

	(void)ctx;
	if (!vm)
		return -ESRCH;
	g = &gvms[slot];
	if (g->attached && g->serial == vm->serial && g->stopped) {
		/* Already held (--gdb-wait, or a second attach): report it again,
		 * at the first instruction of a vCPU that was never run. */
		spin_lock(&vm->lock);
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].power == VCPU_POWER_ON)
				vcpu_apply_pending_reset(&vm->vcpus[i]);
		spin_unlock(&vm->lock);
		g->ev = (struct gdb_event){ .type = GDB_EV_STOPPED, .vm = slot,
					    .vcpu = online_vcpu(vm, 0),
					    .reason = GDB_STOP_INTERRUPT, .signal = SIGTRAP };
		post_event(slot, &g->ev);
		return 0;
	}
	if (!(g->attached && g->serial == vm->serial)) {
		memset(g, 0, sizeof(*g));
		g->attached = true;
		g->serial = vm->serial;
		/* monitor trace: exits from this attach on (none is running yet
		 * with gdb.active set, so none writes it now). */
		memset(hist[slot], 0, sizeof(hist[slot]));
		memset(hist_next[slot], 0, sizeof(hist_next[slot]));
	}
	set_active(vm, true);
	stop_vm(vm, GDB_STOP_INTERRUPT, SIGTRAP, 0, 0, NULL);
	return 0;
}

static void sw_remove_all(struct vm *vm, struct gdb_vm *g);

static int op_detach(void *ctx, unsigned slot)
{
	struct vm *vm = attached_vm(slot);
	struct gdb_vm *g = &gvms[slot];

	(void)ctx;
	if (!vm) {
		g->attached = false;
		return -ESRCH;
	}
	sw_remove_all(vm, g);
	memset(&vm->gdb_hw, 0, sizeof(vm->gdb_hw));
	set_active(vm, false);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].gdb.step = false;
		release(&vm->vcpus[i]);
	}
	memset(g, 0, sizeof(*g));
	return 0;
}

static int op_kill(void *ctx, unsigned slot)
{
	struct vm *vm = attached_vm(slot);

	(void)ctx;
	if (!vm)
		return -ESRCH;
	hyp_log("%s: killed by the debugger", vm->cfg->name);
	/* gdb_vm_ended() queues the exit event; the VM is torn down now
	 * since none of its vCPUs is on a CPU. */
	vm_end(vm, HYPSTAT_VM_EXITED, 137);
	return 0;
}

static int op_stop(void *ctx, unsigned slot)
{
	struct vm *vm = attached_vm(slot);

	(void)ctx;
	if (!vm)
		return -ESRCH;
	if (gvms[slot].stopped) {
		/* Nothing to stop: report where it is. */
		post_event(slot, &gvms[slot].ev);
		return 0;
	}
	stop_vm(vm, GDB_STOP_INTERRUPT, SIGINT, 0, 0, NULL);
	return 0;
}

static int op_resume(void *ctx, unsigned slot, const struct gdb_resume *r)
{
	struct vm *vm = attached_vm(slot);
	struct gdb_vm *g = &gvms[slot];
	unsigned moving = 0;
	uint32_t cont_mask = 0, step_mask = 0;

	(void)ctx;
	if (!vm)
		return -ESRCH;
	if (!g->stopped)
		return -EBUSY;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		/* A powered-off vCPU has nothing to step: it stays as it is. */
		if (r->action[i] == GDB_ACT_STEP && v->power == VCPU_POWER_ON) {
			v->gdb.step = true;
			v->gdb.step_irq = g->step_irq;
			moving++;
		} else if (r->action[i] == GDB_ACT_CONT) {
			v->gdb.step = false;
			moving++;
		}
	}
	if (!moving)
		return -EINVAL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		cont_mask |= (r->action[i] == GDB_ACT_CONT) << i;
		step_mask |= (r->action[i] == GDB_ACT_STEP && vm->vcpus[i].gdb.step) << i;
	}
	trace_gdb_resume(&vm->vcpus[online_vcpu(vm, 0)], arch_counter() - g->stopped_at,
			 cont_mask, step_mask);
	g->stopped = false;
	g->event_queued = false;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (r->action[i] == GDB_ACT_CONT || (r->action[i] == GDB_ACT_STEP && v->gdb.step))
			release(v);
	}
	return 0;
}

/* ---------------------------------------------------------------- registers */

static uint64_t *sysreg_slot(struct vcpu *v, unsigned n)
{
	static const enum el1_reg map[GDB_NR_SYSREGS] = {
		[GDB_SYSREG_SCTLR_EL1] = SCTLR_EL1,
		[GDB_SYSREG_TTBR0_EL1] = TTBR0_EL1,
		[GDB_SYSREG_TTBR1_EL1] = TTBR1_EL1,
		[GDB_SYSREG_TCR_EL1] = TCR_EL1,
		[GDB_SYSREG_MAIR_EL1] = MAIR_EL1,
		[GDB_SYSREG_VBAR_EL1] = VBAR_EL1,
		[GDB_SYSREG_ESR_EL1] = ESR_EL1,
		[GDB_SYSREG_FAR_EL1] = FAR_EL1,
		[GDB_SYSREG_ELR_EL1] = ELR_EL1,
		[GDB_SYSREG_SPSR_EL1] = SPSR_EL1,
		[GDB_SYSREG_SP_EL0] = SP_EL0,
		[GDB_SYSREG_SP_EL1] = SP_EL1,
		[GDB_SYSREG_TPIDR_EL0] = TPIDR_EL0,
		[GDB_SYSREG_TPIDRRO_EL0] = TPIDRRO_EL0,
		[GDB_SYSREG_TPIDR_EL1] = TPIDR_EL1,
		[GDB_SYSREG_CNTV_CTL_EL0] = CNTV_CTL_EL0,
		[GDB_SYSREG_CNTV_CVAL_EL0] = CNTV_CVAL_EL0,
	};

	if (n == GDB_SYSREG_MPIDR_EL1)
		return &v->vmpidr;
	return &v->el1[map[n]];
}

static uint64_t *sp_slot(struct vcpu *v)
{
	/* SP is SP_EL1 in EL1h, SP_EL0 in EL1t and EL0t. */
	return (v->regs.pstate & PSR_MODE_MASK) == PSR_MODE_EL1h ? &v->el1[SP_EL1]
								 : &v->el1[SP_EL0];
}

static void put_le(uint8_t *buf, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *buf, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)buf[i] << (8 * i);
	return v;
}

/*
 * A held vCPU is off its CPU with its FP/SIMD registers saved (the stop
 * waits for both), so everything is in struct vcpu: reads and writes go
 * there, and writes reach the hardware when it is loaded again.
 */
static int reg_access(unsigned slot, unsigned id, unsigned regno, uint8_t *rbuf,
		      const uint8_t *wbuf)
{
	struct vcpu *v = stopped_vcpu(slot, id);
	uint64_t *p = NULL;
	unsigned size = 8;

	if (!v)
		return -ESRCH;
	if (regno < 31) {
		p = &v->regs.x[regno];
	} else if (regno == GDB_REG_SP) {
		p = sp_slot(v);
	} else if (regno == GDB_REG_PC) {
		p = &v->regs.pc;
	} else if (regno == GDB_REG_CPSR) {
		p = &v->regs.pstate;
		size = 4;
	} else if (regno >= GDB_REG_V0 && regno < GDB_REG_V0 + 32) {
		uint8_t *q = (uint8_t *)&v->fp.v[regno - GDB_REG_V0];

		if (rbuf)
			memcpy(rbuf, q, 16);
		else
			memcpy(q, wbuf, 16);
		return 16;
	} else if (regno == GDB_REG_FPSR || regno == GDB_REG_FPCR) {
		p = regno == GDB_REG_FPSR ? &v->fp.fpsr : &v->fp.fpcr;
		size = 4;
	} else if (regno >= GDB_REG_SYS0 && regno < GDB_NR_REGS) {
		if (wbuf && regno == GDB_REG_SYS0 + GDB_SYSREG_MPIDR_EL1)
			return -EPERM;
		p = sysreg_slot(v, regno - GDB_REG_SYS0);
	} else {
		return -EINVAL;
	}
	if (rbuf)
		put_le(rbuf, *p, size);
	else if (size == 4)
		*p = (*p & ~0xffffffffull) | get_le(wbuf, 4);
	else
		*p = get_le(wbuf, 8);
	return (int)size;
}

static int op_reg_read(void *ctx, unsigned slot, unsigned id, unsigned regno, uint8_t *buf)
{
	(void)ctx;
	return reg_access(slot, id, regno, buf, NULL);
}

static int op_reg_write(void *ctx, unsigned slot, unsigned id, unsigned regno,
			const uint8_t *buf)
{
	(void)ctx;
	return reg_access(slot, id, regno, NULL, buf);
}

static long op_mem_read(void *ctx, unsigned slot, unsigned id, enum gdb_addr_space as,
			uint64_t addr, uint8_t *buf, size_t len)
{
	(void)ctx;
	return mem_access(slot, id, as, addr, buf, NULL, len);
}

static long op_mem_write(void *ctx, unsigned slot, unsigned id, enum gdb_addr_space as,
			 uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)ctx;
	return mem_access(slot, id, as, addr, NULL, buf, len);
}

/* ---------------------------------------------------------------- breakpoints */

static struct swbp *sw_find(struct gdb_vm *g, uint64_t addr)
{
	for (unsigned i = 0; i < GDB_MAX_SWBP; i++)
		if (g->sw[i].used && g->sw[i].addr == addr)
			return &g->sw[i];
	return NULL;
}

static void sw_restore(struct swbp *b)
{
	uint32_t *insn = phys_to_virt(b->pa);

	/* Only if the guest did not overwrite it meanwhile. */
	if (*insn == BRK_INSN) {
		*insn = b->orig;
		arch_dcache_clean(b->pa, 4);
	}
	b->used = false;
}

static void sw_remove_all(struct vm *vm, struct gdb_vm *g)
{
	(void)vm;
	for (unsigned i = 0; i < GDB_MAX_SWBP; i++)
		if (g->sw[i].used)
			sw_restore(&g->sw[i]);
}

static int sw_insert(struct vm *vm, struct gdb_vm *g, uint64_t addr)
{
	struct swbp *b = sw_find(g, addr), *free = NULL;
	uint64_t pa, room;
	uint32_t *insn;

	if (b)
		return 0;
	if (addr & 3)
		return -EINVAL;
	for (unsigned i = 0; i < GDB_MAX_SWBP && !free; i++)
		if (!g->sw[i].used)
			free = &g->sw[i];
	if (!free)
		return -ENOSPC;
	/* Kernel addresses go through TTBR1, shared by every vCPU: the
	 * first online vCPU's tables speak for the VM. */
	if (addr_to_pa(&vm->vcpus[online_vcpu(vm, 0)], g->ipa_mode, addr, &pa, &room))
		return -EFAULT;
	insn = phys_to_virt(pa);
	*free = (struct swbp){ .used = true, .addr = addr, .pa = pa, .orig = *insn };
	*insn = BRK_INSN;
	arch_dcache_clean(pa, 4);
	return 0;
}

static int hw_slot(const uint64_t *ctl, unsigned max, const uint64_t *addrs, uint64_t addr,
		   bool want_free)
{
	for (unsigned i = 0; i < max && i < GDB_HW_SLOTS; i++) {
		if (want_free && !ctl[i])
			return (int)i;
		if (!want_free && ctl[i] && addrs[i] == addr)
			return (int)i;
	}
	return -1;
}

static void hw_count(struct vm_gdb_hw *hw)
{
	hw->nr_bp = hw->nr_wp = 0;
	for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
		if (hw->bcr[i])
			hw->nr_bp = i + 1;
		if (hw->wcr[i])
			hw->nr_wp = i + 1;
	}
}

/* DBGWCR for the bytes [off, off + len) of one doubleword (byte address select). */
static uint64_t wp_control(enum gdb_bp_type type, unsigned off, unsigned len)
{
	uint64_t lsc = type == GDB_WP_WRITE ? DBGWCR_LSC_STORE
		       : type == GDB_WP_READ ? DBGWCR_LSC_LOAD
					     : DBGWCR_LSC_LOAD | DBGWCR_LSC_STORE;

	return DBGWCR_E | DBGWCR_PAC_EL1_EL0 | lsc | ((((1ull << len) - 1) << off) << 5);
}

#define GDB_WP_MAX_LEN 32 /* bytes one watchpoint may cover (a register per doubleword) */

/* A watchpoint over [addr, addr + len): one register per doubleword it touches. */
static int wp_insert(struct vm_gdb_hw *hw, struct gdb_vm *g, enum gdb_bp_type type,
		     uint64_t addr, unsigned len)
{
	uint64_t end = addr + len, first_dw = addr & ~7ull;
	unsigned need, found = 0;
	int slot[GDB_WP_MAX_LEN / 8 + 1];

	if (!len || len > GDB_WP_MAX_LEN || end < addr)
		return -EINVAL;
	need = (unsigned)(((end - 1) >> 3) - (addr >> 3) + 1);
	for (unsigned i = 0; i < arch_debug_wrps() && i < GDB_HW_SLOTS && found < need; i++)
		if (!hw->wcr[i])
			slot[found++] = (int)i;
	if (found < need)
		return -ENOSPC;
	for (unsigned k = 0; k < need; k++) {
		uint64_t dw = first_dw + 8ull * k;
		uint64_t lo = MAX(addr, dw), hi = MIN(end, dw + 8);
		unsigned i = (unsigned)slot[k];

		g->wp_addr[i] = addr;
		g->wp_kind[i] = len;
		g->wp_type[i] = (uint8_t)type;
		hw->wvr[i] = dw;
		hw->wcr[i] = wp_control(type, (unsigned)(lo - dw), (unsigned)(hi - lo));
	}
	hw_count(hw);
	return 0;
}

static int op_bp_insert(void *ctx, unsigned slot, enum gdb_bp_type type, uint64_t addr,
			unsigned kind)
{
	struct vm *vm = attached_vm(slot);
	struct gdb_vm *g = &gvms[slot];
	struct vm_gdb_hw *hw;
	int i;

	(void)ctx;
	if (!vm)
		return -ESRCH;
	hw = &vm->gdb_hw;
	switch (type) {
	case GDB_BP_SW:
		return sw_insert(vm, g, addr);
	case GDB_BP_HW:
		if (addr & 3)
			return -EINVAL;
		if (hw_slot(hw->bcr, arch_debug_brps(), g->bp_addr, addr, false) >= 0)
			return 0;
		i = hw_slot(hw->bcr, arch_debug_brps(), g->bp_addr, addr, true);
		if (i < 0)
			return -ENOSPC;
		g->bp_addr[i] = addr;
		hw->bvr[i] = addr & ~3ull;
		hw->bcr[i] = DBGBCR_E | DBGBCR_PMC_EL1_EL0 | DBGBCR_BAS_A64;
		hw_count(hw);
		return 0;
	case GDB_WP_WRITE:
	case GDB_WP_READ:
	case GDB_WP_ACCESS:
		for (unsigned j = 0; j < GDB_HW_SLOTS; j++)
			if (hw->wcr[j] && g->wp_addr[j] == addr && g->wp_type[j] == type &&
			    g->wp_kind[j] == kind)
				return 0;
		return wp_insert(hw, g, type, addr, kind);
	}
	return -EINVAL;
}

static int op_bp_remove(void *ctx, unsigned slot, enum gdb_bp_type type, uint64_t addr,
			unsigned kind)
{
	struct vm *vm = attached_vm(slot);
	struct gdb_vm *g = &gvms[slot];
	struct vm_gdb_hw *hw;
	struct swbp *b;
	int i;

	(void)ctx;
	if (!vm)
		return -ESRCH;
	hw = &vm->gdb_hw;
	switch (type) {
	case GDB_BP_SW:
		b = sw_find(g, addr);
		if (b)
			sw_restore(b);
		return 0;
	case GDB_BP_HW:
		i = hw_slot(hw->bcr, GDB_HW_SLOTS, g->bp_addr, addr, false);
		if (i >= 0)
			hw->bcr[i] = hw->bvr[i] = 0;
		hw_count(hw);
		return 0;
	case GDB_WP_WRITE:
	case GDB_WP_READ:
	case GDB_WP_ACCESS:
		for (unsigned j = 0; j < GDB_HW_SLOTS; j++)
			if (hw->wcr[j] && g->wp_addr[j] == addr && g->wp_type[j] == type &&
			    g->wp_kind[j] == kind)
				hw->wcr[j] = hw->wvr[j] = 0;
		hw_count(hw);
		return 0;
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------- monitor */

__printf(2, 3) static void outf(struct gdb_out *out, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out->write(out, line, MIN((size_t)n, sizeof(line) - 1));
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next word of s into w (at most n - 1 characters); returns what follows. */
static const char *word(const char *s, char *w, size_t n)
{
	size_t i = 0;

	s = skip_ws(s);
	while (*s && *s != ' ' && *s != '\t') {
		if (i + 1 < n)
			w[i++] = *s;
		s++;
	}
	w[i] = '\0';
	return s;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	unsigned base = 10;
	uint64_t r = 0;

	if (!*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (r > (UINT64_MAX - d) / base)
			return false;
		r = r * base + d;
	}
	*v = r;
	return true;
}

static bool streq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
		char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static int exit_class_by_name(const char *name)
{
	for (unsigned c = 0; c < ESR_EC_COUNT; c++) {
		const char *n = esr_class_name(c);

		if (n && streq_ci(n, name))
			return (int)c;
	}
	return -1;
}

static int mon_catch(struct gdb_vm *g, const char *args, struct gdb_out *out)
{
	char w[32], cls_name[32], reg[48];
	int cls;

	args = word(args, w, sizeof(w));
	if (!strcmp(w, "list")) {
		if (!g->catch_class && !g->catch_intid && !g->catch_rollover && !g->catch_sdei)
			outf(out, "no catchpoints\n");
		if (g->catch_intid)
			outf(out, "catch irq %u\n", g->catch_intid);
		if (g->catch_rollover)
			outf(out, "catch vmid-rollover\n");
		if (g->catch_sdei && g->catch_sdei_any)
			outf(out, "catch sdei (any event)\n");
		else if (g->catch_sdei)
			outf(out, "catch sdei %u\n", g->catch_sdei_event);
		for (unsigned c = 0; c < ESR_EC_COUNT; c++)
			if (g->catch_class & BIT(c))
				outf(out, "catch exit %s%s%s\n", esr_class_name(c),
				     c == ESR_EC_SYS64 && g->catch_sysreg ? " " : "",
				     c == ESR_EC_SYS64 && g->catch_sysreg
					     ? sysreg_name(g->catch_sysreg) : "");
		return 0;
	}
	if (!strcmp(w, "clear")) {
		g->catch_class = 0;
		g->catch_sysreg = 0;
		g->catch_intid = 0;
		g->catch_rollover = false;
		WRITE_ONCE(g->catch_sdei, false);
		outf(out, "catchpoints cleared\n");
		return 0;
	}
	if (!strcmp(w, "irq")) {
		uint64_t intid;

		word(args, w, sizeof(w));
		if (!parse_u64(w, &intid) || !intid || intid >= VGIC_NR_IRQS) {
			outf(out, "usage: monitor catch irq INTID (1-%u)\n", VGIC_NR_IRQS - 1);
			return 0;
		}
		g->catch_intid = (uint32_t)intid;
		outf(out, "catchpoint: irq %u\n", g->catch_intid);
		return 0;
	}
	if (!strcmp(w, "vmid-rollover")) {
		g->catch_rollover = true;
		g->rollovers_seen = READ_ONCE(vmids.rollovers);
		outf(out, "catchpoint: vmid-rollover\n");
		return 0;
	}
	if (!strcmp(w, "sdei")) {
		uint64_t ev = 0;

		word(args, w, sizeof(w));
		if (w[0] && (!parse_u64(w, &ev) || ev > UINT32_MAX)) {
			outf(out, "usage: monitor catch sdei [EVENT] (no EVENT: any)\n");
			return 0;
		}
		g->catch_sdei_any = !w[0];
		g->catch_sdei_event = (uint32_t)ev;
		WRITE_ONCE(g->catch_sdei, true);
		if (g->catch_sdei_any)
			outf(out, "catchpoint: sdei, any event\n");
		else
			outf(out, "catchpoint: sdei event %u\n", g->catch_sdei_event);
		return 0;
	}
	if (strcmp(w, "exit")) {
		outf(out, "usage: monitor catch exit CLASS [SYSREG] | catch irq INTID | "
			  "catch vmid-rollover | catch sdei [EVENT] | catch list | catch clear\n");
		return 0;
	}
	args = word(args, cls_name, sizeof(cls_name));
	word(args, reg, sizeof(reg));
	cls = exit_class_by_name(cls_name);
	if (cls < 0) {
		outf(out, "unknown exit class '%s' (e.g. HVC64, SMC64, DABT_LOW, SYS64, WFX)\n",
		     cls_name);
		return 0;
	}
	if (reg[0]) {
		uint32_t key = 0;

		if (cls != ESR_EC_SYS64 || !sysreg_key_by_name(reg, &key) || !key) {
			outf(out, "a register name is for SYS64 only, and '%s' is not one\n", reg);
			return 0;
		}
		g->catch_sysreg = key;
	}
	g->catch_class |= BIT(cls);
	outf(out, "catchpoint: exit %s%s%s\n", esr_class_name((unsigned)cls), reg[0] ? " " : "",
	     reg);
	return 0;
}

static const char *const level_name[] = { "L0", "L1", "L2", "L3" };

/* The stage-1 walk level by level, the leaf's attributes, then stage 2. */
static int mon_translate(struct vm *vm, struct vcpu *v, bool ipa_mode, const char *args,
			 struct gdb_out *out)
{
	char w[32];
	uint64_t va, pa, d;
	struct s1_walk s1;

	word(args, w, sizeof(w));
	if (!parse_u64(w, &va)) {
		outf(out, "usage: monitor translate ADDRESS\n");
		return 0;
	}
	if (ipa_mode) {
		memset(&s1, 0, sizeof(s1));
		s1.ipa = va;
		outf(out, "monitor ipa on: 0x%llx is guest physical\n", (unsigned long long)va);
	} else {
		vcpu_s1_walk(v, va, &s1);
	}
	if (ipa_mode) {
		/* no stage 1 */
	} else if (!s1.mmu_on) {
		outf(out, "stage 1: MMU off (SCTLR_EL1.M = 0): IPA = VA\n");
	} else {
		outf(out, "stage 1: %s, %uK granule, starts at level %u\n",
		     s1.ttbr1 ? "TTBR1_EL1" : "TTBR0_EL1", 1u << (s1.granule_bits - 10),
		     s1.start_level);
		for (unsigned l = s1.start_level; l <= s1.leaf_level && l < 4; l++)
			outf(out, "  %s table entry at IPA 0x%llx: 0x%016llx\n", level_name[l],
			     (unsigned long long)s1.table_ipa[l], (unsigned long long)s1.desc[l]);
	}
	if (s1.fault) {
		outf(out, "stage 1 fault at level %u: %s\n", s1.leaf_level, s1.why);
		return 0;
	}
	if (s1.mmu_on) {
		d = s1.desc[s1.leaf_level];
		outf(out, "  %s at %s: AttrIndx %llu, AP %llu, SH %llu, AF %llu, PXN %llu, UXN %llu\n",
		     s1.leaf_level == 3 ? "page" : "block", level_name[s1.leaf_level],
		     (unsigned long long)FIELD(d, 4, 2), (unsigned long long)FIELD(d, 7, 6),
		     (unsigned long long)FIELD(d, 9, 8), (unsigned long long)FIELD(d, 10, 10),
		     (unsigned long long)FIELD(d, 53, 53), (unsigned long long)FIELD(d, 54, 54));
	}
	outf(out, "IPA 0x%llx\n", (unsigned long long)s1.ipa);
	if (s2_translate(&vm->s2, s1.ipa, &pa)) {
		outf(out, "stage 2: not mapped (MMIO or outside the guest's RAM)\n");
		return 0;
	}
	outf(out, "stage 2: PA 0x%llx, normal write-back memory, read-write-execute\n",
	     (unsigned long long)pa);
	return 0;
}

/* This vCPU's list registers as last read back, and its interrupts in flight. */
static int mon_vgic(struct vcpu *v, struct gdb_out *out)
{
	struct vgic_snapshot snap;
	uint16_t list[VGIC_NR_IRQS];
	unsigned n;

	vgic_snapshot(&v->vgic, &snap);
	outf(out, "vcpu%u: %u list registers loaded at the last entry, %u interrupts in flight\n",
	     v->id, snap.nr_flushed, snap.ap_count);
	for (unsigned i = 0; i < snap.nr_flushed && i < VGIC_MAX_LRS; i++) {
		struct ich_lr lr;

		ich_lr_decode(snap.lr_folded[i], &lr);
		if (lr.state == ICH_LR_STATE_INVALID)
			outf(out, "  LR%u: - (consumed)\n", i);
		else if (lr.hw)
			outf(out, "  LR%u: %s vINTID %u, pINTID %u, priority 0x%x, group %u\n", i,
			     ich_lr_state_str(lr.state), lr.vintid, lr.pintid, lr.priority, lr.group1);
		else
			outf(out, "  LR%u: %s vINTID %u, priority 0x%x, group %u%s\n", i,
			     ich_lr_state_str(lr.state), lr.vintid, lr.priority, lr.group1,
			     lr.eoi ? ", EOI maintenance" : "");
	}
	spin_lock(&v->vm->vgic.lock);
	n = MIN(v->vgic.ap_count, (uint32_t)VGIC_NR_IRQS);
	memcpy(list, v->vgic.ap_list, n * sizeof(list[0]));
	spin_unlock(&v->vm->vgic.lock);
	for (unsigned i = 0; i < n; i++) {
		struct vgic_irq irq;

		if (!vgic_irq_peek(&v->vm->vgic, v->id, list[i], &irq))
			continue;
		outf(out, "  INTID %u: %s%s%s, priority 0x%x, %s%s\n", irq.intid,
		     vgic_irq_pending_view(&irq) ? "pending" : "",
		     vgic_irq_pending_view(&irq) && irq.active ? " and " : "",
		     irq.active ? "active" : "", irq.priority, irq.edge ? "edge" : "level",
		     irq.hw ? ", forwarded" : "");
	}
	return 0;
}

/* The vCPU's last N exits since its VM was attached, oldest first, decoded. */
static int mon_trace(struct vm *vm, unsigned id, const char *args, struct gdb_out *out)
{
	unsigned total = hist_next[vm->slot][id], n = 10;
	uint64_t now = arch_counter(), freq = arch_counter_freq();
	char w[16];

	word(args, w, sizeof(w));
	if (w[0]) {
		uint64_t v;

		if (!parse_u64(w, &v) || !v) {
			outf(out, "usage: monitor trace [N] (1-%u)\n", GDB_HIST);
			return 0;
		}
		n = (unsigned)MIN(v, (uint64_t)GDB_HIST);
	}
	n = MIN(n, MIN(total, (unsigned)GDB_HIST));
	if (!n)
		outf(out, "no exits of vcpu%u since the debugger attached\n", id);
	for (unsigned k = total - n; k != total; k++) {
		const struct exit_hist *h = &hist[vm->slot][id][k % GDB_HIST];
		uint64_t ago_us = freq ? (now - h->ts) * 1000000 / freq : 0;
		char text[160];
		int len = 0;

		if (h->cls < ESR_EC_COUNT) {
			len = esr_format(text, sizeof(text), h->esr);
			if ((h->cls == ESR_EC_HVC64 || h->cls == ESR_EC_SMC64) && len + 2 < (int)sizeof(text)) {
				text[len++] = ' ';
				smccc_format(text + len, sizeof(text) - (size_t)len, (uint32_t)h->x0);
			}
		} else {
			fmt_snprintf(text, sizeof(text), "%s", exit_class_name(h->cls));
		}
		outf(out, "  -%llu.%03llu ms  pc 0x%llx  %s\n", (unsigned long long)(ago_us / 1000),
		     (unsigned long long)(ago_us % 1000), (unsigned long long)h->pc, text);
	}
	return 0;
}

/*
 * sdei signal [EVENT]: what 'hypscope sdei' does, for the current thread's
 * vCPU. Lock order: the stub lock (held), vm->lock, then sdei_host_signal()
 * takes the VM's SDEI lock, and the vGIC's after it.
 */
static int mon_sdei(struct vm *vm, unsigned id, const char *args, struct gdb_out *out)
{
	const char *name = hypcfg->vms[vm->slot].name;
	char w[32];
	uint64_t ev = 0;
	int ret;

	args = word(args, w, sizeof(w));
	if (strcmp(w, "signal")) {
		outf(out, "usage: monitor sdei signal [EVENT] (EVENT 0 when not given)\n");
		return 0;
	}
	word(args, w, sizeof(w));
	if (w[0] && (!parse_u64(w, &ev) || ev > UINT32_MAX)) {
		outf(out, "usage: monitor sdei signal [EVENT] (EVENT 0 when not given)\n");
		return 0;
	}
	spin_lock(&vm->lock);
	ret = vm->state == VM_RUNNING ? sdei_host_signal(vm, id, (uint32_t)ev) : SDEI_DENIED;
	spin_unlock(&vm->lock);
	switch (ret) {
	case SDEI_SUCCESS:
		outf(out, "signalled event %u to %s/vcpu%u: its handler runs when the vCPU "
			  "next resumes\n", (unsigned)ev, name, id);
		break;
	case SDEI_NOT_SUPPORTED:
		outf(out, "SDEI error NOT_SUPPORTED (%d): %s runs with sdei=off\n", ret, name);
		break;
	case SDEI_INVALID_PARAMETERS:
		outf(out, "SDEI error INVALID_PARAMETERS (%d): %s has no event %u\n", ret, name,
		     (unsigned)ev);
		break;
	case SDEI_DENIED:
		outf(out, "SDEI error DENIED (%d): event %u is not registered on %s/vcpu%u\n",
		     ret, (unsigned)ev, name, id);
		break;
	default:
		outf(out, "SDEI error %d\n", ret);
		break;
	}
	return 0;
}

static int on_off(const char *args, bool *flag, const char *what, struct gdb_out *out)
{
	char w[8];

	word(args, w, sizeof(w));
	if (!strcmp(w, "on"))
		*flag = true;
	else if (!strcmp(w, "off"))
		*flag = false;
	else if (w[0]) {
		outf(out, "usage: monitor %s on|off\n", what);
		return 0;
	}
	outf(out, "%s is %s\n", what, *flag ? "on" : "off");
	return 0;
}

static int op_monitor(void *ctx, unsigned slot, unsigned id, const char *cmd,
		      struct gdb_out *out)
{
	struct vm *vm = attached_vm(slot);
	struct gdb_vm *g = &gvms[slot];
	char w[32];
	const char *args;

	(void)ctx;
	if (!vm || id >= vm->nr_vcpus)
		return -ESRCH;
	args = word(cmd, w, sizeof(w));
	if (!strcmp(w, "ipa")) {
		/* The engine prints the mode; the target follows it. */
		char a[8];

		word(args, a, sizeof(a));
		if (!strcmp(a, "on") || !strcmp(a, "off"))
			g->ipa_mode = !strcmp(a, "on");
		return 0;
	}
	if (!strcmp(w, "step-irq"))
		return on_off(args, &g->step_irq, "step-irq", out);
	if (!strcmp(w, "catch"))
		return mon_catch(g, args, out);
	if (!strcmp(w, "sdei"))
		return mon_sdei(vm, id, args, out);
	if (!strcmp(w, "translate")) {
		if (!g->stopped) {
			outf(out, "the VM must be stopped\n");
			return 0;
		}
		return mon_translate(vm, &vm->vcpus[id], g->ipa_mode, args, out);
	}
	if (!strcmp(w, "trace")) {
		if (!g->stopped) {
			outf(out, "the VM must be stopped\n");
			return 0;
		}
		return mon_trace(vm, id, args, out);
	}
	if (!strcmp(w, "vgic")) {
		if (!g->stopped) {
			outf(out, "the VM must be stopped\n");
			return 0;
		}
		return mon_vgic(&vm->vcpus[id], out);
	}
	if (!strcmp(w, "help")) {
		outf(out, "catch exit CLASS [SYSREG]  stop at exits of a class (HVC64, SYS64 ...)\n"
			  "catch irq INTID  stop when the interrupt is pending for a vCPU\n"
			  "catch vmid-rollover  stop after the VMID generation rolls over\n"
			  "catch sdei [EVENT]  stop when an SDEI handler (EVENT, or any) is entered\n"
			  "catch list | catch clear\n"
			  "sdei signal [EVENT]  signal SDEI event EVENT (0) to this vCPU; its\n"
			  "              handler runs when the vCPU next resumes\n"
			  "translate ADDRESS  stage 1 level by level, the IPA, stage 2\n"
			  "vgic          this vCPU's list registers and interrupts in flight\n"
			  "trace [N]     this vCPU's last N exits (since attach), decoded\n"
			  "step-irq on|off  whether a step may enter an interrupt handler\n");
		return 0;
	}
	return -ENOENT;
}

static const struct gdb_target_ops target_ops = {
	.tx = op_tx,
	.vm_present = op_vm_present,
	.vm_vcpus = op_vm_vcpus,
	.vcpu_info = op_vcpu_info,
	.attach = op_attach,
	.detach = op_detach,
	.kill = op_kill,
	.stop = op_stop,
	.resume = op_resume,
	.reg_read = op_reg_read,
	.reg_write = op_reg_write,
	.mem_read = op_mem_read,
	.mem_write = op_mem_write,
	.bp_insert = op_bp_insert,
	.bp_remove = op_bp_remove,
	.monitor = op_monitor,
};

/* ---------------------------------------------------------------- hooks */

void gdb_init(void)
{
	unsigned vm = hypcfg->gdb_vm < hypcfg->nr_vms ? hypcfg->gdb_vm : 0;

	memset(gvms, 0, sizeof(gvms));
	stub = gdb_stub_init(&target_ops, NULL, vm);
	gdb_enabled = stub != NULL;
}

void gdb_announce(void)
{
	unsigned vm = hypcfg->gdb_vm < hypcfg->nr_vms ? hypcfg->gdb_vm : 0;

	/* Said once the VMs exist and CPU 0 takes the UART's interrupts: a
	 * debugger connecting from now on gets answers within its timeout. */
	if (gdb_enabled)
		hyp_log("gdb: stub on the second UART, 'target remote' debugs %s%s",
			hypcfg->vms[vm].name,
			(hypcfg->flags & HYPCFG_F_GDB_WAIT) ? "; every VM waits for a debugger" : "");
}

void gdb_rx(const uint8_t *buf, size_t len)
{
	bool taken;

	if (!gdb_enabled)
		return;
	taken = stub_lock_take();
	in_engine = true;
	gdb_stub_rx(stub, buf, len);
	in_engine = false;
	stub_lock_give(taken);
}

void gdb_vm_created(struct vm *vm)
{
	struct gdb_vm *g = &gvms[vm->slot];
	bool taken;

	if (!gdb_enabled || !(hypcfg->flags & HYPCFG_F_GDB_WAIT) ||
	    vm->stat->instances_started != 1)
		return;
	taken = stub_lock_take();
	/* --gdb-wait: held before its first instruction, as if a debugger
	 * had stopped it there; attaching reports the stop. */
	memset(g, 0, sizeof(*g));
	g->attached = true;
	g->serial = vm->serial;
	g->stopped = true;
	g->stopped_at = arch_counter();
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].gdb.hold = true;
		vm->vcpus[i].gdb.active = true;
	}
	stub_lock_give(taken);
}

void gdb_vm_ended(struct vm *vm)
{
	struct gdb_vm *g = &gvms[vm->slot];
	bool taken;

	if (!gdb_enabled)
		return;
	taken = stub_lock_take();
	if (g->attached && g->serial == vm->serial) {
		struct gdb_event ev = { .type = GDB_EV_EXITED, .vm = vm->slot,
					.exit_status = vm->exit_status };

		/* Its memory goes away with it: nothing to restore. */
		memset(g, 0, sizeof(*g));
		post_event(vm->slot, &ev);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].gdb.hold = false;
		vm->vcpus[i].gdb.active = false;
		vm->vcpus[i].gdb.step = false;
	}
	stub_lock_give(taken);
}

void gdb_vcpu_parked(struct vcpu *v)
{
	bool taken;

	/* Its FP/SIMD registers into struct vcpu, where the debugger reads them. */
	if (fp_live_in_cpu(v))
		arch_fpsimd_release();
	taken = stub_lock_take();
	try_complete(v->vm);
	stub_lock_give(taken);
}

void gdb_cpu_idle(void)
{
	struct vcpu *v = this_cpu()->fp_owner;

	if (v && READ_ONCE(v->gdb.hold) && !READ_ONCE(v->in_guest))
		gdb_vcpu_parked(v);
}

/* "catch: HVC64 imm=0x0 PSCI_CPU_ON_SMC64" for the stop gdb shows. */
static void catch_text(struct vcpu *v, char *buf, size_t len)
{
	unsigned cls = esr_ec(v->fault.esr);
	int n = fmt_snprintf(buf, len, "catch: ");

	n += esr_format(buf + n, len - (size_t)n, v->fault.esr);
	if ((cls == ESR_EC_HVC64 || cls == ESR_EC_SMC64) && (size_t)n + 2 < len) {
		buf[n++] = ' ';
		n += smccc_format(buf + n, len - (size_t)n, (uint32_t)v->regs.x[0]);
	}
	if ((size_t)n + 2 < len) {
		buf[n++] = '\n';
		buf[n] = '\0';
	}
}

void gdb_exit_pre(struct vcpu *v, unsigned cls)
{
	struct gdb_vm *g = &gvms[v->vm->slot];
	unsigned *next = &hist_next[v->vm->slot][v->id];
	struct exit_hist *h = &hist[v->vm->slot][v->id][*next % GDB_HIST];
	bool taken;

	/* Only this vCPU's CPU writes its history; the debugger reads it stopped. */
	*h = (struct exit_hist){ arch_counter(), v->fault.esr, v->regs.pc, v->regs.x[0], cls };
	(*next)++;
	v->gdb.catch_hit = false;
	if (cls >= ESR_EC_COUNT || !(READ_ONCE(g->catch_class) & BIT(cls)))
		return;
	taken = stub_lock_take();
	if (g->attached && (g->catch_class & BIT(cls)) &&
	    (cls != ESR_EC_SYS64 || !g->catch_sysreg ||
	     esr_sysreg_key(v->fault.esr) == g->catch_sysreg)) {
		v->gdb.catch_hit = true;
		catch_text(v, g->text, sizeof(g->text));
	}
	stub_lock_give(taken);
}

static bool intid_pending_for(struct vcpu *v, unsigned intid)
{
	bool found = false;

	spin_lock(&v->vm->vgic.lock);
	for (unsigned i = 0; i < v->vgic.ap_count && i < VGIC_NR_IRQS && !found; i++)
		found = v->vgic.ap_list[i] == intid;
	spin_unlock(&v->vm->vgic.lock);
	return found;
}

/* catch irq and catch vmid-rollover, checked after every exit of a debugged vCPU. */
static bool catch_other(struct vcpu *v, struct gdb_vm *g, char *text, size_t len)
{
	unsigned intid = READ_ONCE(g->catch_intid);
	uint64_t rollovers = READ_ONCE(vmids.rollovers);

	bool now = intid && intid_pending_for(v, intid), before = g->irq_in_flight[v->id];

	/* Each time it comes, not every exit while it waits for the guest. */
	g->irq_in_flight[v->id] = now;
	if (now && !before) {
		fmt_snprintf(text, len, "catch: irq %u in flight for vcpu%u\n", intid, v->id);
		return true;
	}
	if (READ_ONCE(g->catch_rollover) && rollovers != READ_ONCE(g->rollovers_seen)) {
		g->rollovers_seen = rollovers;
		fmt_snprintf(text, len, "catch: VMID rollover (%llu so far), VMID generation %llu\n",
			     (unsigned long long)rollovers,
			     (unsigned long long)vmid_generation_number(&vmids));
		return true;
	}
	return false;
}

bool gdb_exit_post(struct vcpu *v, unsigned cls, uint64_t pc_before, bool cont)
{
	struct vm *vm = v->vm;
	struct gdb_vm *g = &gvms[vm->slot];
	bool stop = false, taken;
	enum gdb_stop_reason reason = GDB_STOP_STEP;
	char text[GDB_TEXT_LEN] = "";

	if (v->gdb.catch_hit) {
		v->gdb.catch_hit = false;
		stop = true;
		reason = GDB_STOP_CATCH;
	} else if (catch_other(v, g, text, sizeof(text))) {
		stop = true;
		reason = GDB_STOP_CATCH;
	} else if (v->gdb.step && cls != ESR_EC_SOFTSTP_LOW &&
		   (v->regs.pc != pc_before || v->injected || cls == ESR_EC_HVC64)) {
		/* The stepped instruction trapped and was emulated (WFI, HVC,
		 * SMC, MMIO) or raised an exception: that was the step. */
		stop = true;
	}
	if (!stop)
		return cont;
	v->gdb.step = false;
	taken = stub_lock_take();
	if (reason == GDB_STOP_CATCH && !text[0])
		memcpy(text, g->text, sizeof(text));
	stop_vm(vm, reason, SIGTRAP, v->id, 0, reason == GDB_STOP_CATCH ? text : NULL);
	stub_lock_give(taken);
	return false;
}

static const char *const sdei_cause_name[] = { "signal", "interrupt", "host" };

bool gdb_sdei_dispatched(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct gdb_vm *g = &gvms[vm->slot];
	const struct sdei_ctx *ctx;
	char text[GDB_TEXT_LEN];
	bool taken, stop = false;

	if (!READ_ONCE(g->catch_sdei))
		return true;
	/* The handler just entered: critical preempts normal, never the reverse,
	 * so it is the critical one when that runs. Only this CPU writes them. */
	ctx = v->sdei.ctx[SDEI_PRIO_CRITICAL].active ? &v->sdei.ctx[SDEI_PRIO_CRITICAL]
						     : &v->sdei.ctx[SDEI_PRIO_NORMAL];
	if (!ctx->active)
		return true;
	taken = stub_lock_take();
	if (g->attached && g->serial == vm->serial && g->catch_sdei &&
	    (g->catch_sdei_any || g->catch_sdei_event == ctx->event)) {
		fmt_snprintf(text, sizeof(text),
			     "catch: sdei_dispatch event=%u cause=%s priority=%u pc=0x%llx on "
			     "vcpu%u; handler entry pc=0x%llx\n",
			     ctx->event,
			     ctx->cause < ARRAY_SIZE(sdei_cause_name) ? sdei_cause_name[ctx->cause]
								      : "unknown",
			     ctx == &v->sdei.ctx[SDEI_PRIO_CRITICAL] ? SDEI_PRIO_CRITICAL
								     : SDEI_PRIO_NORMAL,
			     (unsigned long long)ctx->pc, v->id, (unsigned long long)v->regs.pc);
		v->gdb.step = false;
		stop_vm(vm, GDB_STOP_CATCH, SIGTRAP, v->id, 0, text);
		stop = true;
	}
	stub_lock_give(taken);
	return !stop;
}

/* Which watchpoint a data address hit: the one whose bytes hold it, else the first. */
static uint64_t watch_addr(struct vm *vm, struct gdb_vm *g, uint64_t far,
			   enum gdb_stop_reason *reason)
{
	int first = -1;

	for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
		if (!vm->gdb_hw.wcr[i])
			continue;
		if (first < 0)
			first = (int)i;
		if (far >= g->wp_addr[i] && far < g->wp_addr[i] + g->wp_kind[i]) {
			first = (int)i;
			break;
		}
	}
	if (first < 0)
		return far;
	*reason = g->wp_type[first] == GDB_WP_WRITE  ? GDB_STOP_WATCH
		  : g->wp_type[first] == GDB_WP_READ ? GDB_STOP_RWATCH
						     : GDB_STOP_AWATCH;
	return g->wp_addr[first];
}

/* Whether one of the debugger's hardware breakpoints is at @pc. */
static bool gdb_bp_at(const struct vm_gdb_hw *hw, uint64_t pc)
{
	for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
		if (hw->bcr[i] && hw->bvr[i] == (pc & ~3ull))
			return true;
	return false;
}

/* Whether a watchpoint hit at @far is the debugger's: its doublewords. */
static bool gdb_wp_at(const struct vm_gdb_hw *hw, uint64_t far)
{
	for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
		if (hw->wcr[i] && hw->wvr[i] == (far & ~7ull))
			return true;
	return false;
}

bool gdb_debug_exit(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct gdb_vm *g = &gvms[vm->slot];
	unsigned cls = esr_ec(v->fault.esr);
	enum gdb_stop_reason reason;
	uint64_t addr = 0;
	bool taken, ours = true;

	taken = stub_lock_take();
	switch (cls) {
	case ESR_EC_BRK64:
		ours = g->attached && sw_find(g, v->regs.pc) && !g->ipa_mode;
		if (!ours && g->attached && g->ipa_mode) {
			/* Breakpoints set in IPA mode: compare where the PC is in memory. */
			uint64_t pa, room;

			if (!addr_to_pa(v, false, v->regs.pc, &pa, &room))
				for (unsigned i = 0; i < GDB_MAX_SWBP && !ours; i++)
					ours = g->sw[i].used && g->sw[i].pa == pa;
		}
		reason = GDB_STOP_SWBREAK;
		break;
	case ESR_EC_BREAKPT_LOW:
		/* The guest's own breakpoints share the hardware (guest_debug.h). */
		ours = gdb_bp_at(&vm->gdb_hw, v->regs.pc);
		reason = GDB_STOP_HWBREAK;
		break;
	case ESR_EC_WATCHPT_LOW:
		ours = gdb_wp_at(&vm->gdb_hw, v->fault.far);
		reason = GDB_STOP_WATCH;
		addr = watch_addr(vm, g, v->fault.far, &reason);
		break;
	case ESR_EC_SOFTSTP_LOW:
		ours = v->gdb.step;
		reason = GDB_STOP_STEP;
		if (ours)
			v->dbg.skip = false; /* the debugger's step ran the instruction */
		v->gdb.step = false;
		break;
	default:
		ours = false;
		reason = GDB_STOP_INTERRUPT;
		break;
	}
	if (ours && g->attached) {
		stop_vm(vm, reason, SIGTRAP, v->id, addr, NULL);
		stub_lock_give(taken);
		return false;
	}
	stub_lock_give(taken);
	/* Not the debugger's: the guest's own BRK is its own exception, and so
	 * are its breakpoints, watchpoints and steps where it takes them. */
	if (cls == ESR_EC_BRK64)
		inject_sync(v, v->fault.esr);
	else if (cls == ESR_EC_BREAKPT_LOW || cls == ESR_EC_WATCHPT_LOW || cls == ESR_EC_SOFTSTP_LOW)
		guest_debug_exception(v);
	else
		inject_undef(v);
	return true;
}
