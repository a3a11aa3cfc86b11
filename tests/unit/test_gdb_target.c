/*
 * hyp/core/gdb_target.c: the target the GDB protocol engine drives, on the
 * fake arch. The engine is replaced by a recorder (gdb_stub_init/rx/event
 * below): tests call the target's operations as the engine would and
 * assert on the events it reports and on the vCPU, scheduler and memory
 * state behind them.
 *
 * Two VMs made by vm_create() over host memory (tests/hostvm.h): slot 0 (2 vCPUs, vCPU 1 on
 * CPU 1) is the one debugged, slot 1 (1 vCPU) is never attached and must
 * never be disturbed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/hypcfg.h"
#include "gdbstub/target.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/gdb.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/mm.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/stage2.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"
#include "tests/hostvm.h"

#define CODE_IPA (GUEST_RAM_IPA + 0x1000)
#define VBAR     (GUEST_RAM_IPA + 0x8000)
#define PSR_EL1H 0x5ull
#define PSR_EL1T 0x4ull
#define IL       (1ull << 25)
#define BRK0     0xd4200000u
#define NOP      0xd503201fu

/* ------------------------------------------------------------ the engine, recorded */

static const struct gdb_target_ops *ops;
static struct gdb_event events[16];
static char event_text[16][256];
static unsigned nr_events;
static int stub_token;

struct gdb_stub *gdb_stub_init(const struct gdb_target_ops *o, void *ctx, unsigned default_vm)
{
	(void)ctx;
	(void)default_vm;
	ops = o;
	return (struct gdb_stub *)&stub_token;
}

void gdb_stub_rx(struct gdb_stub *s, const uint8_t *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
}

void gdb_stub_event(struct gdb_stub *s, const struct gdb_event *ev)
{
	assert_ptr_equal(s, &stub_token);
	assert_true(nr_events < 16);
	events[nr_events] = *ev;
	event_text[nr_events][0] = '\0';
	if (ev->text)
		strncpy(event_text[nr_events], ev->text, 255);
	nr_events++;
}

void gdb_stub_reset(struct gdb_stub *s)
{
	(void)s;
}

/* Monitor output into a buffer. */
struct out_buf {
	struct gdb_out out;
	char text[4096];
	size_t len;
};

static void out_write(struct gdb_out *o, const char *s, size_t n)
{
	struct out_buf *b = (struct out_buf *)o;

	if (n > sizeof(b->text) - 1 - b->len)
		n = sizeof(b->text) - 1 - b->len;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

static const char *monitor(const char *cmd, int *ret)
{
	static struct out_buf b;

	memset(&b, 0, sizeof(b));
	b.out.write = out_write;
	*ret = ops->monitor(NULL, 0, 0, cmd, &b.out);
	return b.text;
}

/* ------------------------------------------------------------ the machine */

static uint32_t image[4096];
static struct vm *vm = &vms[0], *other_vm = &vms[1];
static struct vcpu *v0 = &vms[0].vcpus[0], *v1 = &vms[0].vcpus[1];

/* A VM of tests/hostvm.h whose image is 16 KiB of NOPs, entered at CODE_IPA. */
static void describe(struct hypcfg_vm *c, const char *name, unsigned nr_vcpus)
{
	hostvm_describe(c, name, nr_vcpus);
	c->image_pa = virt_to_phys(image);
	c->image_size = sizeof(image);
	c->entry_ipa = CODE_IPA;
}

static uint8_t *ram(uint64_t ipa)
{
	return (uint8_t *)phys_to_virt(vm->ram_pa + (ipa - GUEST_RAM_IPA));
}

static int setup(void **state)
{
	(void)state;
	hostvm_reset(); /* v0 on CPU 0, v1 on CPU 1, the other VM's vCPU on CPU 0 */
	for (unsigned i = 0; i < 4096; i++)
		image[i] = NOP;

	hypcfg->nr_vms = 2;
	hypcfg->flags = HYPCFG_F_GDB;
	describe(&hypcfg->vms[0], "debugged", 2);
	describe(&hypcfg->vms[1], "bystander", 1);
	gdb_init();
	assert_non_null(ops);
	assert_true(gdb_enabled);
	assert_int_equal(vm_create(0), 0);
	assert_int_equal(vm_create(1), 0);
	assert_int_equal(v0->pcpu, 0);
	assert_int_equal(v1->pcpu, 1);
	assert_int_equal(other_vm->vcpus[0].pcpu, 0);
	/* Both of the debugged VM's vCPUs are on, v0 runs on CPU 0. */
	assert_int_equal(vcpu_power_on(v1, CODE_IPA, 0), 0);
	assert_true(vcpu_claim(v0, 0));
	memset(fake.kicks, 0, sizeof(fake.kicks));
	nr_events = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hostvm_free();
	return 0;
}

/* v0 leaves CPU 0 as the run loop makes it when it is held. */
static void v0_leaves_cpu(void)
{
	vcpu_unclaim(v0);
	if (v0->gdb.hold)
		gdb_vcpu_parked(v0);
}

/* Attach and complete the stop: v0 leaves its CPU. */
static void attach_stopped(void)
{
	assert_int_equal(ops->attach(NULL, 0), 0);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	nr_events = 0;
}

static void resume_all(enum gdb_action a0, enum gdb_action a1)
{
	struct gdb_resume r = { .action = { a0, a1 } };

	assert_int_equal(ops->resume(NULL, 0, &r), 0);
}

/* ------------------------------------------------------------ stop and resume */

static void test_attach_reports_stop_once_every_vcpu_left_its_cpu(void **state)
{
	(void)state;
	assert_int_equal(ops->attach(NULL, 0), 0);
	/* v0 still runs a guest: no stop yet, but it is held and will leave. */
	assert_int_equal(nr_events, 0);
	assert_true(v0->gdb.hold);
	assert_true(v1->gdb.hold);
	assert_true(v0->gdb.active);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].type, GDB_EV_STOPPED);
	assert_int_equal(events[0].vm, 0);
	assert_int_equal(events[0].vcpu, 0);
	assert_int_equal(events[0].reason, GDB_STOP_INTERRUPT);
	assert_int_equal(events[0].signal, 5);
}

static void test_vcpu_on_another_cpu_is_kicked_off_it(void **state)
{
	(void)state;
	fake.cpu = 1;
	assert_true(vcpu_claim(v1, 1));
	fake.cpu = 0;
	assert_int_equal(ops->attach(NULL, 0), 0);
	assert_int_equal(fake.kicks[1], 1);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 0); /* v1 still on CPU 1 */
	fake.cpu = 1;
	vcpu_unclaim(v1);
	gdb_vcpu_parked(v1);
	fake.cpu = 0;
	assert_int_equal(nr_events, 1);
}

static void test_held_vcpu_is_neither_picked_nor_claimed(void **state)
{
	(void)state;
	attach_stopped();
	assert_int_equal(v1->run, VCPU_RUNNABLE);
	assert_null(sched_pick(&percpu[1].rq, 0));
	assert_false(vcpu_claim(v1, 1));
	/* CPU 0 still runs the VM nobody attached. */
	assert_ptr_equal(sched_pick(&percpu[0].rq, 0), &other_vm->vcpus[0]);
	assert_false(other_vm->vcpus[0].gdb.hold);
	assert_false(other_vm->vcpus[0].gdb.active);
}

static void test_vcpu_in_wfi_is_stopped_and_stays_blocked(void **state)
{
	(void)state;
	sched_block(&percpu[1].rq, v1, 0);
	attach_stopped();
	assert_int_equal(v1->run, VCPU_BLOCKED);
	struct gdb_vcpu_info info;
	assert_int_equal(ops->vcpu_info(NULL, 0, 1, &info), 0);
	assert_int_equal(info.state, GDB_VCPU_WFI);
	assert_int_equal(info.pcpu, 1);
	/* Resumed, it waits for its interrupt as before. */
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_false(v1->gdb.hold);
	assert_int_equal(v1->run, VCPU_BLOCKED);
	assert_ptr_equal(sched_pick(&percpu[0].rq, 0), v0);
}

static void test_ctrl_c_stops_with_sigint(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_int_equal(ops->stop(NULL, 0), 0);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_INTERRUPT);
	assert_int_equal(events[0].signal, 2);
}

static void test_resume_with_stay_leaves_other_vcpu_held(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_STEP, GDB_ACT_STAY);
	assert_false(v0->gdb.hold);
	assert_true(v0->gdb.step);
	assert_true(v1->gdb.hold);
	assert_false(v1->gdb.step);
}

static void test_step_never_resumes_powered_off_vcpu(void **state)
{
	(void)state;
	v1->power = VCPU_POWER_OFF;
	attach_stopped();
	struct gdb_resume r = { .action = { GDB_ACT_STAY, GDB_ACT_STEP } };
	assert_int_equal(ops->resume(NULL, 0, &r), -EINVAL);
	assert_true(v1->gdb.hold);
	assert_false(v1->gdb.step);
}

static void test_stop_reply_names_an_online_vcpu(void **state)
{
	(void)state;
	v0->power = VCPU_POWER_OFF;
	assert_int_equal(ops->attach(NULL, 0), 0);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].vcpu, 1);
}

static void test_detach_releases_and_deactivates(void **state)
{
	(void)state;
	attach_stopped();
	assert_int_equal(ops->detach(NULL, 0), 0);
	assert_false(v0->gdb.hold);
	assert_false(v1->gdb.hold);
	assert_false(v0->gdb.active);
	assert_ptr_equal(sched_pick(&percpu[1].rq, 0), v1);
	/* Nothing attached any more: operations on it fail. */
	uint8_t buf[8];
	assert_int_equal(ops->reg_read(NULL, 0, 0, 0, buf), -ESRCH);
}

static void test_vm_end_reports_exit(void **state)
{
	(void)state;
	attach_stopped();
	vm_end(vm, HYPSTAT_VM_EXITED, 3);
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].type, GDB_EV_EXITED);
	assert_int_equal(events[0].exit_status, 3);
	assert_false(ops->vm_present(NULL, 0));
	assert_true(ops->vm_present(NULL, 1));
}

/* ------------------------------------------------------------ registers */

static void test_registers_read_and_write_the_saved_context(void **state)
{
	uint8_t buf[16];

	(void)state;
	attach_stopped();
	v0->regs.x[5] = 0x1122334455667788ull;
	assert_int_equal(ops->reg_read(NULL, 0, 0, 5, buf), 8);
	assert_int_equal(buf[0], 0x88);
	assert_int_equal(buf[7], 0x11);
	memset(buf, 0xab, 8);
	assert_int_equal(ops->reg_write(NULL, 0, 0, GDB_REG_PC, buf), 8);
	assert_int_equal(v0->regs.pc, 0xababababababababull);
	/* CPSR is 32 bits: the upper half of the saved PSTATE is kept. */
	v0->regs.pstate = 0x1234500000000000ull | PSR_EL1H;
	memset(buf, 0, 4);
	buf[0] = 0xc5;
	assert_int_equal(ops->reg_write(NULL, 0, 0, GDB_REG_CPSR, buf), 4);
	assert_int_equal(v0->regs.pstate, 0x12345000000000c5ull);
	/* MPIDR is read-only; there is no register 200. */
	assert_int_equal(ops->reg_write(NULL, 0, 0, GDB_REG_SYS0 + GDB_SYSREG_MPIDR_EL1, buf),
			 -EPERM);
	assert_int_equal(ops->reg_read(NULL, 0, 0, 200, buf), -EINVAL);
	assert_int_equal(ops->reg_read(NULL, 0, 7, 0, buf), -ESRCH);
}

static void test_sp_follows_pstate(void **state)
{
	uint8_t buf[8];

	(void)state;
	attach_stopped();
	v0->el1[SP_EL0] = 0x1000;
	v0->el1[SP_EL1] = 0x2000;
	v0->regs.pstate = PSR_EL1H;
	ops->reg_read(NULL, 0, 0, GDB_REG_SP, buf);
	assert_int_equal(buf[1], 0x20);
	v0->regs.pstate = PSR_EL1T;
	ops->reg_read(NULL, 0, 0, GDB_REG_SP, buf);
	assert_int_equal(buf[1], 0x10);
}

static void test_fp_and_sysregs(void **state)
{
	uint8_t buf[16];

	(void)state;
	attach_stopped();
	v1->fp.v[3] = ((__uint128_t)0x0102030405060708ull << 64) | 0x1112131415161718ull;
	assert_int_equal(ops->reg_read(NULL, 0, 1, GDB_REG_V0 + 3, buf), 16);
	assert_int_equal(buf[0], 0x18);
	assert_int_equal(buf[15], 0x01);
	v1->el1[VBAR_EL1] = 0xffff800010000000ull;
	assert_int_equal(ops->reg_read(NULL, 0, 1, GDB_REG_SYS0 + GDB_SYSREG_VBAR_EL1, buf), 8);
	assert_int_equal(buf[7], 0xff);
	assert_int_equal(ops->reg_read(NULL, 0, 1, GDB_REG_SYS0 + GDB_SYSREG_MPIDR_EL1, buf), 8);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[3], 0x80);
}

static void test_registers_refused_while_running(void **state)
{
	uint8_t buf[8];

	(void)state;
	assert_int_equal(ops->attach(NULL, 0), 0);
	/* The stop is not complete: v0 is still on its CPU. */
	assert_int_equal(ops->reg_read(NULL, 0, 1, 0, buf), -ESRCH);
}

/* ------------------------------------------------------------ memory */

static void test_memory_with_mmu_off_is_by_ipa(void **state)
{
	uint8_t buf[8];

	(void)state;
	attach_stopped();
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_VA, CODE_IPA, buf, 4), 4);
	assert_int_equal(buf[0], NOP & 0xff);
	assert_int_equal(buf[3], NOP >> 24);
	/* Writes land in the VM's RAM and keep the instruction cache coherent. */
	unsigned cleans = fake.dcache_cleans;
	assert_int_equal(ops->mem_write(NULL, 0, 0, GDB_ADDR_VA, CODE_IPA, (const uint8_t *)"\1\2", 2),
			 2);
	assert_int_equal(ram(CODE_IPA)[1], 2);
	assert_true(fake.dcache_cleans > cleans);
	/* The other VM's memory is not touched. */
	assert_int_not_equal(*(uint8_t *)phys_to_virt(other_vm->ram_pa + 0x1000), 1);
}

static void test_memory_short_read_at_end_of_ram(void **state)
{
	uint8_t buf[64];

	(void)state;
	attach_stopped();
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_VA,
				       GUEST_RAM_IPA + HOSTVM_RAM_SIZE - 16, buf, 64),
			 16);
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_VA, GUEST_UART_IPA, buf, 4), -EFAULT);
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_IPA, ~0ull - 3, buf, 4), -EFAULT);
}

/*
 * A 4K-granule, 48-bit stage 1 in guest RAM: L0 at +0x10000, L1 at
 * +0x11000, L2 at +0x12000 with a 2 MiB block, and an L3 table at +0x13000
 * for one page.
 */
#define S1_L0 (GUEST_RAM_IPA + 0x10000)
#define S1_L1 (GUEST_RAM_IPA + 0x11000)
#define S1_L2 (GUEST_RAM_IPA + 0x12000)
#define S1_L3 (GUEST_RAM_IPA + 0x13000)
#define VA_PAGE  0x0000008040201000ull /* L0 1, L1 1, L2 1, L3 1 */
#define VA_BLOCK 0x0000008040000000ull /* L0 1, L1 1, L2 0: block */
#define TCR_4K_48 (16ull | (16ull << 16) | (2ull << 30))

static void build_s1(void)
{
	uint64_t *l0 = (uint64_t *)ram(S1_L0), *l1 = (uint64_t *)ram(S1_L1);
	uint64_t *l2 = (uint64_t *)ram(S1_L2), *l3 = (uint64_t *)ram(S1_L3);

	memset(l0, 0, 0x4000);
	l0[1] = S1_L1 | 3;
	l1[1] = S1_L2 | 3;
	l2[0] = GUEST_RAM_IPA | 1 | (1ull << 10);       /* block: the first 2 MiB */
	l2[1] = S1_L3 | 3;
	l3[1] = (GUEST_RAM_IPA + 0x5000) | 3 | (1ull << 10);
	v0->el1[SCTLR_EL1] |= 1;
	v0->el1[TCR_EL1] = TCR_4K_48;
	v0->el1[TTBR0_EL1] = S1_L0 | (5ull << 48); /* ASID 5 */
}

static void test_s1_walk_4k_page_and_block(void **state)
{
	struct s1_walk w;

	(void)state;
	attach_stopped();
	build_s1();
	assert_int_equal(s1_walk(vm, 1, TCR_4K_48, S1_L0 | (5ull << 48), 0, VA_PAGE + 0x123, &w), 0);
	assert_int_equal(w.start_level, 0);
	assert_int_equal(w.leaf_level, 3);
	assert_int_equal(w.ipa, GUEST_RAM_IPA + 0x5123);
	assert_int_equal(w.table_ipa[0], S1_L0 + 8);
	assert_int_equal(s1_walk(vm, 1, TCR_4K_48, S1_L0, 0, VA_BLOCK + 0x1234, &w), 0);
	assert_int_equal(w.leaf_level, 2);
	assert_int_equal(w.ipa, GUEST_RAM_IPA + 0x1234);
	/* Unmapped: the walk says where it stopped, never faults. */
	assert_int_equal(s1_walk(vm, 1, TCR_4K_48, S1_L0, 0, VA_PAGE + 0x1000, &w), -EFAULT);
	assert_true(w.fault);
	assert_int_equal(w.leaf_level, 3);
	/* Tables outside RAM are a fault, not a read of host memory. */
	assert_int_equal(s1_walk(vm, 1, TCR_4K_48, 0x1000, 0, VA_PAGE, &w), -EFAULT);
	assert_true(w.fault);
	/* MMU off: VA = IPA. */
	assert_int_equal(s1_walk(vm, 0, 0, 0, 0, 0x40001000, &w), 0);
	assert_int_equal(w.ipa, 0x40001000);
}

static void test_s1_walk_ttbr1_and_39bit(void **state)
{
	struct s1_walk w;
	/* T1SZ = 25 (39 bits): starts at level 1, TTBR1 for the top half. */
	uint64_t tcr = 16ull | (25ull << 16) | (2ull << 30);
	uint64_t *l1 = (uint64_t *)ram(S1_L1);

	(void)state;
	attach_stopped();
	build_s1();
	l1[511] = (GUEST_RAM_IPA & ~0x3fffffffull) | 1 | (1ull << 10); /* 1 GiB block */
	assert_int_equal(s1_walk(vm, 1, tcr, 0, S1_L1, 0xffffffffc0001234ull, &w), 0);
	assert_true(w.ttbr1);
	assert_int_equal(w.start_level, 1);
	assert_int_equal(w.leaf_level, 1);
	assert_int_equal(w.ipa, 0x40001234);
	/* Outside the 39-bit range. */
	assert_int_equal(s1_walk(vm, 1, tcr, 0, S1_L1, 0xffff000000000000ull, &w), -EFAULT);
}

static void test_memory_read_through_stage1(void **state)
{
	uint8_t buf[8];

	(void)state;
	attach_stopped();
	build_s1();
	memcpy(ram(GUEST_RAM_IPA + 0x5010), "hypscope", 8);
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_VA, VA_PAGE + 0x10, buf, 8), 8);
	assert_memory_equal(buf, "hypscope", 8);
	/* A read running into the unmapped next page is short. */
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_VA, VA_PAGE + 0xffc, buf, 8), 4);
	/* monitor ipa on (the engine's): by IPA, whatever stage 1 says. */
	assert_int_equal(ops->mem_read(NULL, 0, 0, GDB_ADDR_IPA, GUEST_RAM_IPA + 0x5010, buf, 8), 8);
	/* The engine passes 'ipa on' to the target: breakpoints and translate follow. */
	int ret;
	const char *out;
	monitor("ipa on", &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, GUEST_RAM_IPA + 0x5010, 4), 0);
	assert_int_equal(*(uint32_t *)ram(GUEST_RAM_IPA + 0x5010), BRK0);
	out = monitor("translate 0x40005010", &ret);
	assert_non_null(strstr(out, "is guest physical"));
	assert_non_null(strstr(out, "stage 2: PA"));
	/* A BRK there, reached through stage 1, is the stub's. */
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->regs.pc = VA_PAGE + 0x10;
	v0->fault.esr = (uint64_t)ESR_EC_BRK64 << 26 | IL;
	assert_false(gdb_debug_exit(v0));
	monitor("ipa off", &ret);
	assert_memory_equal(buf, "hypscope", 8);
}

static void test_monitor_translate_shows_levels(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	build_s1();
	out = monitor("translate 0x8040201123", &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "TTBR0_EL1, 4K granule, starts at level 0"));
	assert_non_null(strstr(out, "L3 table entry"));
	assert_non_null(strstr(out, "IPA 0x40005123"));
	assert_non_null(strstr(out, "stage 2: PA 0x"));
	out = monitor("translate 0x8040202000", &ret);
	assert_non_null(strstr(out, "stage 1 fault at level 3"));
	monitor("frobnicate", &ret);
	assert_int_equal(ret, -ENOENT);
}

/* ------------------------------------------------------------ breakpoints */

static void test_sw_breakpoint_written_and_restored(void **state)
{
	uint32_t *insn = (uint32_t *)ram(CODE_IPA + 8);

	(void)state;
	attach_stopped();
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA + 8, 4), 0);
	assert_int_equal(*insn, BRK0);
	/* Idempotent: a second Z0 neither fails nor saves the BRK as the original. */
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA + 8, 4), 0);
	assert_int_equal(ops->bp_remove(NULL, 0, GDB_BP_SW, CODE_IPA + 8, 4), 0);
	assert_int_equal(*insn, NOP);
	assert_int_equal(ops->bp_remove(NULL, 0, GDB_BP_SW, CODE_IPA + 8, 4), 0);
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA + 2, 4), -EINVAL);
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, GUEST_UART_IPA, 4), -EFAULT);
	/* Detach takes every breakpoint out. */
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA + 12, 4), 0);
	assert_int_equal(ops->detach(NULL, 0), 0);
	assert_int_equal(*(uint32_t *)ram(CODE_IPA + 12), NOP);
}

static void test_brk_of_the_stub_stops_the_vm(void **state)
{
	(void)state;
	attach_stopped();
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA + 8, 4), 0);
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->regs.pc = CODE_IPA + 8;
	v0->fault.esr = (uint64_t)ESR_EC_BRK64 << 26 | IL;
	assert_false(gdb_debug_exit(v0));
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_SWBREAK);
	assert_int_equal(events[0].vcpu, 0);
	assert_int_equal(v0->regs.pc, CODE_IPA + 8);
}

static void test_guest_own_brk_is_its_exception(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->el1[VBAR_EL1] = VBAR;
	v0->regs.pc = CODE_IPA + 16;
	v0->regs.pstate = PSR_EL1H;
	v0->fault.esr = (uint64_t)ESR_EC_BRK64 << 26 | IL | 0x42;
	assert_true(gdb_debug_exit(v0));
	assert_int_equal(v0->regs.pc, VBAR + 0x200);
	assert_int_equal(v0->el1[ESR_EL1], v0->fault.esr);
	assert_int_equal(v0->el1[ELR_EL1], CODE_IPA + 16);
	assert_int_equal(nr_events, 0);
	assert_false(v0->gdb.hold);
}

static void test_hw_breakpoints_and_watchpoints_fill_the_registers(void **state)
{
	struct vm_gdb_hw *hw = &vm->gdb_hw;

	(void)state;
	attach_stopped();
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_HW, CODE_IPA, 4), 0);
	assert_int_equal(hw->bvr[0], CODE_IPA);
	assert_int_equal(hw->bcr[0], 0x1e7); /* E, EL1 and EL0, BAS = A64 */
	assert_int_equal(hw->nr_bp, 1);
	for (unsigned i = 1; i < 6; i++)
		assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_HW, CODE_IPA + 4 * i, 4), 0);
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_HW, CODE_IPA + 64, 4), -ENOSPC);
	/* A 4-byte write watchpoint in the upper half of a doubleword. */
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_WP_WRITE, GUEST_RAM_IPA + 0x104, 4), 0);
	assert_int_equal(hw->wvr[0], GUEST_RAM_IPA + 0x100);
	assert_int_equal(hw->wcr[0], 1 | (3 << 1) | (2 << 3) | (0xf0 << 5));
	/* Crossing a doubleword takes a register for each part. */
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_WP_ACCESS, GUEST_RAM_IPA + 0x206, 4), 0);
	assert_int_equal(hw->wvr[1], GUEST_RAM_IPA + 0x200);
	assert_int_equal(hw->wcr[1], 1 | (3 << 1) | (3 << 3) | (0xc0 << 5));
	assert_int_equal(hw->wvr[2], GUEST_RAM_IPA + 0x208);
	assert_int_equal(hw->wcr[2], 1 | (3 << 1) | (3 << 3) | (0x03 << 5));
	assert_int_equal(hw->nr_wp, 3);
	/* 4 registers: a 16-byte one does not fit any more, and nothing is half set. */
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_WP_READ, GUEST_RAM_IPA + 0x300, 16), -ENOSPC);
	assert_int_equal(hw->wcr[3], 0);
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_WP_READ, GUEST_RAM_IPA + 0x300, 0), -EINVAL);
	assert_int_equal(ops->bp_remove(NULL, 0, GDB_WP_ACCESS, GUEST_RAM_IPA + 0x206, 4), 0);
	assert_int_equal(hw->wcr[1] | hw->wcr[2], 0);
	assert_int_equal(ops->bp_remove(NULL, 0, GDB_WP_WRITE, GUEST_RAM_IPA + 0x104, 4), 0);
	assert_int_equal(hw->wcr[0], 0);
	assert_int_equal(hw->nr_wp, 0);
	/* The other VM has none. */
	assert_int_equal(other_vm->gdb_hw.nr_bp, 0);
}

static void test_watchpoint_stop_carries_the_address(void **state)
{
	(void)state;
	attach_stopped();
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_WP_ACCESS, GUEST_RAM_IPA + 0x200, 8), 0);
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->fault.esr = (uint64_t)ESR_EC_WATCHPT_LOW << 26 | IL;
	v0->fault.far = GUEST_RAM_IPA + 0x204;
	assert_false(gdb_debug_exit(v0));
	v0_leaves_cpu();
	assert_int_equal(events[0].reason, GDB_STOP_AWATCH);
	assert_int_equal(events[0].addr, GUEST_RAM_IPA + 0x200);
}

/* The guest's own breakpoints and watchpoints share the hardware with gdb's:
 * gdb's stop the VM, the guest's are injected into it (guest_debug.h). */
static void test_debug_exits_not_at_gdb_slots_go_to_the_guest(void **state)
{
	(void)state;
	guest_id_regs[ID_DFR0] = 6 | 5ull << 12 | 3ull << 20;
	attach_stopped();
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_HW, CODE_IPA, 4), 0);
	v0->dbg.loaded = true;
	v0->dbg.mdscr = GDBG_MDSCR_MDE | GDBG_MDSCR_KDE;
	v0->dbg.wvr[0] = GUEST_RAM_IPA + 0x300;
	v0->dbg.wcr[0] = GDBG_CR_E | GDBG_CR_EL1 | GDBG_WCR_STORE | (0xffull << 5);
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->el1[VBAR_EL1] = VBAR;
	v0->regs.pstate = PSR_EL1H;
	v0->regs.pc = CODE_IPA + 0x40;
	v0->fault.esr = (uint64_t)ESR_EC_WATCHPT_LOW << 26 | IL | 1ull << 6 | 0x22;
	v0->fault.far = GUEST_RAM_IPA + 0x304;
	assert_true(gdb_debug_exit(v0));
	assert_int_equal(nr_events, 0);
	assert_int_equal(v0->el1[ESR_EL1], v0->fault.esr + (1ull << 26)); /* EC 0x35 */
	assert_int_equal(v0->el1[FAR_EL1], GUEST_RAM_IPA + 0x304);
	assert_int_equal(v0->el1[ELR_EL1], CODE_IPA + 0x40);
	assert_int_equal(v0->regs.pc, VBAR + 0x200);
	/* gdb's breakpoint still stops the VM. */
	v0->regs.pc = CODE_IPA;
	v0->fault.esr = (uint64_t)ESR_EC_BREAKPT_LOW << 26 | IL | 0x22;
	assert_false(gdb_debug_exit(v0));
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_HWBREAK);
}

/* ------------------------------------------------------------ stepping, catchpoints */

static void test_step_exception_reports_step(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_STEP, GDB_ACT_STAY);
	assert_true(vcpu_claim(v0, 0));
	v0->fault.esr = (uint64_t)ESR_EC_SOFTSTP_LOW << 26 | IL;
	assert_false(gdb_debug_exit(v0));
	assert_false(v0->gdb.step);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_STEP);
}

static void test_step_over_emulated_hvc_lands_on_next_insn(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_STEP, GDB_ACT_STAY);
	assert_true(vcpu_claim(v0, 0));
	/* HVC's preferred return is the next instruction: the PC did not move. */
	assert_false(gdb_exit_post(v0, ESR_EC_HVC64, v0->regs.pc, true));
	v0_leaves_cpu();
	assert_int_equal(events[0].reason, GDB_STOP_STEP);
}

static void test_step_survives_interrupt_exit(void **state)
{
	(void)state;
	attach_stopped();
	resume_all(GDB_ACT_STEP, GDB_ACT_STAY);
	assert_true(vcpu_claim(v0, 0));
	assert_true(gdb_exit_post(v0, HYP_EXIT_IRQ, v0->regs.pc, true));
	assert_true(v0->gdb.step);
	assert_int_equal(nr_events, 0);
	/* An emulated MMIO access moved the PC: that was the step. */
	uint64_t pc = v0->regs.pc;
	v0->regs.pc += 4;
	assert_false(gdb_exit_post(v0, ESR_EC_DABT_LOW, pc, true));
	assert_false(v0->gdb.step);
}

static void test_catch_hvc_shows_the_smccc_function(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	out = monitor("catch exit hvc64", &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "catchpoint: exit HVC64"));
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->fault.esr = (uint64_t)ESR_EC_HVC64 << 26 | IL;
	v0->regs.x[0] = 0x84000000; /* PSCI_VERSION */
	gdb_exit_pre(v0, ESR_EC_HVC64);
	v0->regs.x[0] = 0x10001; /* the handler answered */
	assert_false(gdb_exit_post(v0, ESR_EC_HVC64, v0->regs.pc, true));
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_CATCH);
	assert_non_null(strstr(event_text[0], "HVC64"));
	assert_non_null(strstr(event_text[0], "PSCI_VERSION"));
	/* Other classes do not stop it; catch clear removes it. */
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "catch exit HVC64"));
	monitor("catch clear", &ret);
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "no catchpoints"));
	out = monitor("catch exit NOPE", &ret);
	assert_non_null(strstr(out, "unknown exit class"));
}

static void test_monitor_trace_decodes_the_last_exits(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	out = monitor("trace", &ret);
	assert_non_null(strstr(out, "no exits of vcpu0"));
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	v0->regs.pc = CODE_IPA;
	v0->regs.x[0] = 0x84000000;
	v0->fault.esr = (uint64_t)ESR_EC_HVC64 << 26 | IL;
	gdb_exit_pre(v0, ESR_EC_HVC64);
	v0->regs.pc = CODE_IPA + 4;
	v0->fault.esr = (uint64_t)ESR_EC_WFX << 26 | IL;
	gdb_exit_pre(v0, ESR_EC_WFX);
	assert_int_equal(ops->stop(NULL, 0), 0);
	v0_leaves_cpu();
	out = monitor("trace 1", &ret);
	assert_null(strstr(out, "HVC64"));
	assert_non_null(strstr(out, "pc 0x40001004  WFX"));
	out = monitor("trace", &ret);
	assert_non_null(strstr(out, "pc 0x40001000  HVC64 imm=0x0 PSCI_VERSION"));
	assert_true(strstr(out, "HVC64") < strstr(out, "WFX"));
	out = monitor("trace x", &ret);
	assert_non_null(strstr(out, "usage: monitor trace"));
}

static void test_catch_sys64_filters_by_register(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	out = monitor("catch exit SYS64 cntv_ctl_el0", &ret);
	assert_non_null(strstr(out, "catchpoint: exit SYS64"));
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	/* MRS x1, CNTP_CTL_EL0 (op0 3, op1 3, CRn 14, CRm 2, op2 1): not that one. */
	v0->fault.esr = (uint64_t)ESR_EC_SYS64 << 26 | IL | (3u << 20) | (1u << 17) | (3u << 14) |
			(14u << 10) | (1u << 5) | (2u << 1) | 1;
	gdb_exit_pre(v0, ESR_EC_SYS64);
	assert_false(v0->gdb.catch_hit);
	/* CNTV_CTL_EL0: CRm 3. */
	v0->fault.esr = (uint64_t)ESR_EC_SYS64 << 26 | IL | (3u << 20) | (1u << 17) | (3u << 14) |
			(14u << 10) | (1u << 5) | (3u << 1) | 1;
	gdb_exit_pre(v0, ESR_EC_SYS64);
	assert_true(v0->gdb.catch_hit);
}

static void test_catch_irq_stops_once_per_arrival(void **state)
{
	struct vgic_irq *irq;
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	out = monitor("catch irq 27", &ret);
	assert_non_null(strstr(out, "catchpoint: irq 27"));
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_true(gdb_exit_post(v0, HYP_EXIT_IRQ, v0->regs.pc, true));
	irq = vgic_get_irq(&vm->vgic, 0, 27);
	irq->enabled = true;
	irq->hw = false;
	vm->vgic.ctlr = 3; /* both groups enabled */
	v0->vgic.waker = 0;
	vgic_inject(&vm->vgic, 0, 27, true);
	assert_false(gdb_exit_post(v0, HYP_EXIT_IRQ, v0->regs.pc, true));
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_CATCH);
	assert_non_null(strstr(event_text[0], "catch: irq 27 in flight for vcpu0"));
	out = monitor("vgic", &ret);
	assert_non_null(strstr(out, "INTID 27: pending"));
	/* Still waiting for the guest: continuing does not stop again at once. */
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_true(gdb_exit_post(v0, HYP_EXIT_IRQ, v0->regs.pc, true));
	out = monitor("catch irq 5000", &ret);
	assert_non_null(strstr(out, "usage: monitor catch irq"));
}

/* ------------------------------------------------------------ SDEI */

#define SDEI_EP (GUEST_RAM_IPA + 0x2000)

/* An SDEI call made by the vCPU (its HVC); returns x0. */
static int64_t sdei(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	v->regs.x[0] = fid;
	v->regs.x[1] = a1;
	v->regs.x[2] = a2;
	v->regs.x[3] = a3;
	v->regs.x[4] = 0;
	v->regs.x[5] = 0;
	sdei_call(v, fid);
	return (int64_t)v->regs.x[0];
}

/* v0 registers and enables event 0 and unmasks itself, as a guest does. */
static void v0_takes_event0(void)
{
	assert_int_equal(sdei(v0, SDEI_EVENT_REGISTER, 0, SDEI_EP, 0x77), SDEI_SUCCESS);
	assert_int_equal(sdei(v0, SDEI_EVENT_ENABLE, 0, 0, 0), SDEI_SUCCESS);
	assert_int_equal(sdei(v0, SDEI_PE_UNMASK, 0, 0, 0), SDEI_SUCCESS);
}

static void test_monitor_sdei_signal_reaches_the_vcpu(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	/* Not registered yet: the SDEI error, in words. */
	out = monitor("sdei signal", &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "SDEI error DENIED (-3): event 0 is not registered on "
				    "debugged/vcpu0"));
	assert_int_equal(v0->sdei.pending, 0);
	out = monitor("sdei signal 7", &ret);
	assert_non_null(strstr(out, "SDEI error INVALID_PARAMETERS (-2)"));
	out = monitor("sdei signal zero", &ret);
	assert_non_null(strstr(out, "usage: monitor sdei signal"));
	out = monitor("sdei", &ret);
	assert_non_null(strstr(out, "usage: monitor sdei signal"));

	v0_takes_event0();
	v0->regs.pc = CODE_IPA + 8;
	out = monitor("sdei signal 0", &ret);
	assert_non_null(strstr(out, "signalled event 0 to debugged/vcpu0"));
	/* Pending from the host; the VM stays stopped until resumed. */
	assert_int_equal(v0->sdei.pending, 1);
	assert_int_equal(v0->sdei.pending_cause, 1);
	assert_true(sdei_has_pending(v0));
	assert_int_equal(nr_events, 0);
	assert_int_equal(v0->regs.pc, CODE_IPA + 8);
	/* The run loop's next entry enters the handler. */
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_true(sdei_dispatch(v0));
	assert_int_equal(v0->regs.pc, SDEI_EP);
	assert_int_equal(v0->regs.x[0], 0);
	assert_int_equal(v0->regs.x[1], 0x77);
	assert_int_equal(v0->regs.x[2], CODE_IPA + 8);
	assert_int_equal(sdei_status(v0, 0),
			 SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING);
	/* No catchpoint: the guest is entered. */
	assert_true(gdb_sdei_dispatched(v0));
	assert_int_equal(nr_events, 0);
}

static void test_monitor_sdei_signal_to_vm_with_sdei_off(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	vm->sdei.off = true;
	out = monitor("sdei signal", &ret);
	assert_non_null(strstr(out, "SDEI error NOT_SUPPORTED (-1): debugged runs with sdei=off"));
	assert_int_equal(v0->sdei.pending, 0);
}

static void test_catch_sdei_stops_at_the_handler_entry(void **state)
{
	int ret;
	const char *out;

	(void)state;
	attach_stopped();
	v0_takes_event0();
	out = monitor("catch sdei 5", &ret);
	assert_non_null(strstr(out, "catchpoint: sdei event 5"));
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "catch sdei 5"));
	/* Another event is entered: no stop. */
	v0->regs.pc = CODE_IPA + 4;
	monitor("sdei signal", &ret);
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_true(sdei_dispatch(v0));
	assert_true(gdb_sdei_dispatched(v0));
	assert_int_equal(nr_events, 0);
	assert_false(v0->gdb.hold);
	assert_int_equal(sdei(v0, SDEI_EVENT_COMPLETE, 0, 0, 0), SDEI_SUCCESS);
	assert_int_equal(v0->regs.pc, CODE_IPA + 4);

	/* Event 0 caught: the VM stops with the handler about to run. */
	out = monitor("catch sdei 0", &ret);
	assert_non_null(strstr(out, "catchpoint: sdei event 0"));
	assert_int_equal(sdei_host_signal(vm, 0, 0), SDEI_SUCCESS);
	assert_true(sdei_dispatch(v0));
	assert_false(gdb_sdei_dispatched(v0));
	assert_true(v0->gdb.hold);
	assert_true(v1->gdb.hold);
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_CATCH);
	assert_int_equal(events[0].vcpu, 0);
	assert_non_null(strstr(event_text[0], "catch: sdei_dispatch event=0 cause=host "
					      "priority=0 pc=0x40001004 on vcpu0"));
	assert_non_null(strstr(event_text[0], "handler entry pc=0x40002000"));
	assert_int_equal(v0->regs.pc, SDEI_EP);

	/* catch sdei with no event catches any; catch clear removes it. */
	out = monitor("catch sdei", &ret);
	assert_non_null(strstr(out, "catchpoint: sdei, any event"));
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "catch sdei (any event)"));
	monitor("catch clear", &ret);
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "no catchpoints"));
	out = monitor("catch sdei -1", &ret);
	assert_non_null(strstr(out, "usage: monitor catch sdei"));
	out = monitor("catch list", &ret);
	assert_non_null(strstr(out, "no catchpoints"));
	nr_events = 0;
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_int_equal(sdei(v0, SDEI_EVENT_COMPLETE, 0, 0, 0), SDEI_SUCCESS);
	assert_int_equal(sdei_host_signal(vm, 0, 0), SDEI_SUCCESS);
	assert_true(sdei_dispatch(v0));
	assert_true(gdb_sdei_dispatched(v0));
	assert_int_equal(nr_events, 0);
	assert_false(v0->gdb.hold);
}

static void test_catch_sdei_any_event(void **state)
{
	int ret;

	(void)state;
	attach_stopped();
	v0_takes_event0();
	monitor("catch sdei", &ret);
	monitor("sdei signal", &ret);
	resume_all(GDB_ACT_CONT, GDB_ACT_CONT);
	assert_true(vcpu_claim(v0, 0));
	assert_true(sdei_dispatch(v0));
	assert_false(gdb_sdei_dispatched(v0));
	v0_leaves_cpu();
	assert_int_equal(nr_events, 1);
	assert_int_equal(events[0].reason, GDB_STOP_CATCH);
	assert_non_null(strstr(event_text[0], "event=0 cause=host"));
}

static void test_unattached_vm_is_never_disturbed(void **state)
{
	struct vcpu *o = &other_vm->vcpus[0];

	(void)state;
	attach_stopped();
	monitor("catch exit HVC64", &(int){ 0 });
	assert_int_equal(ops->bp_insert(NULL, 0, GDB_BP_SW, CODE_IPA, 4), 0);
	/* The bystander's memory holds its own code at the same IPA. */
	assert_int_equal(*(uint32_t *)phys_to_virt(other_vm->ram_pa + 0x1000), NOP);
	assert_false(o->gdb.active);
	assert_false(o->gdb.hold);
	assert_int_equal(ops->mem_read(NULL, 1, 0, GDB_ADDR_IPA, CODE_IPA, (uint8_t[4]){ 0 }, 4),
			 -ESRCH);
	assert_int_equal(ops->stop(NULL, 1), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_attach_reports_stop_once_every_vcpu_left_its_cpu),
		T(test_vcpu_on_another_cpu_is_kicked_off_it),
		T(test_held_vcpu_is_neither_picked_nor_claimed),
		T(test_vcpu_in_wfi_is_stopped_and_stays_blocked),
		T(test_ctrl_c_stops_with_sigint),
		T(test_resume_with_stay_leaves_other_vcpu_held),
		T(test_step_never_resumes_powered_off_vcpu),
		T(test_stop_reply_names_an_online_vcpu),
		T(test_detach_releases_and_deactivates),
		T(test_vm_end_reports_exit),
		T(test_registers_read_and_write_the_saved_context),
		T(test_sp_follows_pstate),
		T(test_fp_and_sysregs),
		T(test_registers_refused_while_running),
		T(test_memory_with_mmu_off_is_by_ipa),
		T(test_memory_short_read_at_end_of_ram),
		T(test_s1_walk_4k_page_and_block),
		T(test_s1_walk_ttbr1_and_39bit),
		T(test_memory_read_through_stage1),
		T(test_monitor_translate_shows_levels),
		T(test_sw_breakpoint_written_and_restored),
		T(test_brk_of_the_stub_stops_the_vm),
		T(test_guest_own_brk_is_its_exception),
		T(test_hw_breakpoints_and_watchpoints_fill_the_registers),
		T(test_debug_exits_not_at_gdb_slots_go_to_the_guest),
		T(test_watchpoint_stop_carries_the_address),
		T(test_step_exception_reports_step),
		T(test_step_over_emulated_hvc_lands_on_next_insn),
		T(test_step_survives_interrupt_exit),
		T(test_catch_hvc_shows_the_smccc_function),
		T(test_monitor_trace_decodes_the_last_exits),
		T(test_catch_sys64_filters_by_register),
		T(test_catch_irq_stops_once_per_arrival),
		T(test_monitor_sdei_signal_reaches_the_vcpu),
		T(test_monitor_sdei_signal_to_vm_with_sdei_off),
		T(test_catch_sdei_stops_at_the_handler_entry),
		T(test_catch_sdei_any_event),
		T(test_unattached_vm_is_never_disturbed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
