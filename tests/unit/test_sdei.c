/*
 * SDEI (hyp/core/sdei.c) as guests call it through the SMCCC dispatch: every
 * cell of the handler state table, handler entry and exit registers,
 * priorities, routing of shared events, interrupt binding, masking, the
 * resets, sdei=off, and the host's signal.
 *
 * The VM is built by hand over a zeroed struct vm with its vGIC, so the
 * vGIC's side of bound interrupts is the real one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/arch/fake/fake.h"
#include "hyp/include/psci.h"
#include "hyp/include/sdei.h"
#include "hyp/include/vm.h"

#define NOT_SUPPORTED ((uint64_t)-1)
#define INVALID       ((uint64_t)-2)
#define DENIED        ((uint64_t)-3)
#define PENDING       ((uint64_t)-5)
#define OUT_OF_RES    ((uint64_t)-10)

#define EP   0x40001000ull
#define ARG  0x1234ull
#define PC0  0x40008000ull
#define PSTATE0 0x3c5ull /* EL1h, DAIF set: IRQs masked, SDEI still comes */
#define HANDLER_PSTATE (0x3c5ull | (1ull << 22)) /* EL1h, DAIF, PAN (SCTLR_EL1.SPAN = 0) */

static struct vm tvm;
static uint32_t kicked;

static void kick(void *opaque, unsigned id)
{
	(void)opaque;
	kicked |= 1u << id;
}

static void make_vm(unsigned n, bool off)
{
	memset(&tvm, 0, sizeof(tvm));
	tvm.nr_vcpus = n;
	vgic_vm_init(&tvm.vgic, n, kick, NULL);
	sdei_vm_init(&tvm, off);
	for (unsigned i = 0; i < n; i++) {
		struct vcpu *v = &tvm.vcpus[i];

		v->vm = &tvm;
		v->id = i;
		assert_true(vgic_cpu_init(&tvm.vgic, &v->vgic, i));
		sdei_vcpu_reset(v);
		v->regs.pc = PC0 + i * 0x100;
		v->regs.pstate = PSTATE0;
		for (unsigned r = 0; r < 31; r++)
			v->regs.x[r] = 0x1000 * (i + 1) + r;
	}
	kicked = 0;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	make_vm(4, false);
	return 0;
}

static struct vcpu *V(unsigned i)
{
	return &tvm.vcpus[i];
}

/* The call from vCPU v by HVC; returns x0. */
static uint64_t call(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	v->regs.x[0] = fid;
	v->regs.x[1] = a1;
	v->regs.x[2] = a2;
	v->regs.x[3] = a3;
	v->regs.x[4] = a4;
	v->regs.x[5] = a5;
	assert_true(smccc_call(v, false));
	return v->regs.x[0];
}

#define CALL1(v, fid, a) call(v, fid, a, 0, 0, 0, 0)
#define CALL0(v, fid)    call(v, fid, 0, 0, 0, 0, 0)

static uint64_t reg(struct vcpu *v, uint32_t ev)
{
	return call(v, SDEI_EVENT_REGISTER, ev, EP, ARG, 0, 0);
}

static uint64_t status(struct vcpu *v, uint32_t ev)
{
	return CALL1(v, SDEI_EVENT_STATUS, ev);
}

static void set_ppi_priority(unsigned intid, uint8_t prio)
{
	for (unsigned c = 0; c < tvm.nr_vcpus; c++)
		tvm.vgic.cpus[c]->private_irqs[intid].priority = prio;
}

/* ---------------------------------------------------------------- discovery */

static void test_version_and_features(void **state)
{
	(void)state;
	assert_int_equal(CALL0(V(0), SDEI_VERSION), 0x0001000100000000ull);
	assert_int_equal(CALL1(V(0), SDEI_FEATURES, 0),
			 (uint64_t)SDEI_NR_PRIV_SLOTS << 16 | SDEI_NR_SHARED_SLOTS);
	assert_int_equal(CALL1(V(0), SDEI_FEATURES, 1), INVALID);
}

static void test_smc32_forms_unknown_ids_and_smc_conduit_not_supported(void **state)
{
	(void)state;
	/* SMC32 forms of every SDEI ID, and the next ID after SHARED_RESET. */
	for (uint32_t n = 0; n <= 0x12; n++)
		assert_int_equal(CALL0(V(0), 0x84000020u + n), NOT_SUPPORTED);
	assert_int_equal(CALL0(V(0), 0xc4000033u), NOT_SUPPORTED);
	/* Over SMC: the guest was told hvc. */
	V(0)->regs.x[0] = SDEI_VERSION;
	assert_true(smccc_call(V(0), true));
	assert_int_equal(V(0)->regs.x[0], NOT_SUPPORTED);
}

static void test_sdei_off_answers_not_supported(void **state)
{
	(void)state;
	make_vm(2, true);
	for (uint32_t fid = SDEI_FN_FIRST; fid <= SDEI_FN_LAST; fid++)
		assert_int_equal(call(V(0), fid, 0, EP, 0, 0, 0), NOT_SUPPORTED);
	assert_int_equal(sdei_host_signal(&tvm, 0, 0), SDEI_NOT_SUPPORTED);
}

/* ---------------------------------------------------------------- the state table */

enum st { S_UNREG, S_REG, S_ENABLED, S_RUN_DISABLED, S_RUN_ENABLED, S_UNREG_PENDING, NR_ST };

static const uint64_t st_bits[NR_ST] = {
	[S_UNREG] = 0,
	[S_REG] = SDEI_ST_REGISTERED,
	[S_ENABLED] = SDEI_ST_REGISTERED | SDEI_ST_ENABLED,
	[S_RUN_DISABLED] = SDEI_ST_REGISTERED | SDEI_ST_RUNNING,
	[S_RUN_ENABLED] = SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING,
	[S_UNREG_PENDING] = SDEI_ST_RUNNING,
};

/* Raises ev on vCPU v the way it can be: EVENT_SIGNAL for event 0, the host for others. */
static void raise_event(struct vcpu *v, uint32_t ev)
{
	if (ev == 0)
		assert_int_equal(call(v, SDEI_EVENT_SIGNAL, 0, v->id, 0, 0, 0), 0);
	else
		assert_int_equal(sdei_host_signal(&tvm, v->id, ev), 0);
}

static void reach(struct vcpu *v, uint32_t ev, enum st s)
{
	assert_int_equal(CALL0(v, SDEI_PE_UNMASK), 0);
	if (s == S_UNREG)
		return;
	assert_int_equal(reg(v, ev), 0);
	if (s == S_REG)
		return;
	assert_int_equal(CALL1(v, SDEI_EVENT_ENABLE, ev), 0);
	if (s == S_ENABLED)
		return;
	raise_event(v, ev);
	assert_true(sdei_dispatch(v));
	if (s == S_RUN_DISABLED)
		assert_int_equal(CALL1(v, SDEI_EVENT_DISABLE, ev), 0);
	if (s == S_UNREG_PENDING)
		assert_int_equal(CALL1(v, SDEI_EVENT_UNREGISTER, ev), PENDING);
	assert_int_equal(status(v, ev), st_bits[s]);
}

enum act { A_REGISTER, A_ENABLE, A_DISABLE, A_UNREGISTER, A_ROUTING, A_CONTEXT, A_COMPLETE,
	   A_DISPATCH, NR_A };

struct cell {
	uint64_t ret;      /* x0 after the call (for DISPATCH: 1 entered, 0 not) */
	enum st next;
};

#define OK(n)   { 0, n }
#define DEN(n)  { DENIED, n }

/*
 * DEN0054 6.1: what each call does in each state. CONTEXT answers x0 of the
 * interrupted context when running; COMPLETE "returns" the restored x0
 * (x0 of the interrupted context) on success. ROUTING_SET is for shared
 * events (the private table has INVALID there).
 */
static const struct cell table[NR_ST][NR_A] = {
	[S_UNREG] = { OK(S_REG), DEN(S_UNREG), DEN(S_UNREG), DEN(S_UNREG), DEN(S_UNREG),
		      DEN(S_UNREG), DEN(S_UNREG), { 0, S_UNREG } },
	[S_REG] = { DEN(S_REG), OK(S_ENABLED), OK(S_REG), OK(S_UNREG), OK(S_REG), DEN(S_REG),
		    DEN(S_REG), { 0, S_REG } },
	[S_ENABLED] = { DEN(S_ENABLED), OK(S_ENABLED), OK(S_REG), OK(S_UNREG), DEN(S_ENABLED),
			DEN(S_ENABLED), DEN(S_ENABLED), { 1, S_RUN_ENABLED } },
	[S_RUN_DISABLED] = { DEN(S_RUN_DISABLED), OK(S_RUN_ENABLED), OK(S_RUN_DISABLED),
			     { PENDING, S_UNREG_PENDING }, DEN(S_RUN_DISABLED),
			     { 0, S_RUN_DISABLED }, { 0, S_REG }, { 0, S_RUN_DISABLED } },
	[S_RUN_ENABLED] = { DEN(S_RUN_ENABLED), OK(S_RUN_ENABLED), OK(S_RUN_DISABLED),
			    { PENDING, S_UNREG_PENDING }, DEN(S_RUN_ENABLED),
			    { 0, S_RUN_ENABLED }, { 0, S_ENABLED }, { 0, S_RUN_ENABLED } },
	[S_UNREG_PENDING] = { DEN(S_UNREG_PENDING), DEN(S_UNREG_PENDING), DEN(S_UNREG_PENDING),
			      DEN(S_UNREG_PENDING), DEN(S_UNREG_PENDING),
			      { 0, S_UNREG_PENDING }, { 0, S_UNREG }, { 0, S_UNREG_PENDING } },
};

static uint64_t act(struct vcpu *v, uint32_t ev, enum act a, bool shared)
{
	switch (a) {
	case A_REGISTER: return reg(v, ev);
	case A_ENABLE: return CALL1(v, SDEI_EVENT_ENABLE, ev);
	case A_DISABLE: return CALL1(v, SDEI_EVENT_DISABLE, ev);
	case A_UNREGISTER: return CALL1(v, SDEI_EVENT_UNREGISTER, ev);
	case A_ROUTING: return call(v, SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_ANY, 0, 0, 0);
	case A_CONTEXT: return CALL1(v, SDEI_EVENT_CONTEXT, 0);
	case A_COMPLETE: return CALL0(v, SDEI_EVENT_COMPLETE);
	case A_DISPATCH:
		/* Raised with the state as it is (the host can raise only
		 * registered events: DENIED otherwise, nothing pending). */
		if (ev == 0)
			call(v, SDEI_EVENT_SIGNAL, 0, v->id, 0, 0, 0);
		else
			sdei_host_signal(&tvm, v->id, ev);
		(void)shared;
		return sdei_dispatch(v);
	default: return ~0ull;
	}
}

static void check_table(uint32_t (*event)(void), bool shared)
{
	for (unsigned s = 0; s < NR_ST; s++) {
		for (unsigned a = 0; a < NR_A; a++) {
			struct vcpu *v;
			uint32_t ev;
			uint64_t want, got;

			make_vm(4, false);
			v = V(0);
			ev = event();
			reach(v, ev, (enum st)s);
			want = table[s][a].ret;
			if (!shared && a == A_ROUTING)
				want = INVALID;
			/* CONTEXT(0) and a successful COMPLETE give x0 of the
			 * interrupted context: 0, what the raising call returned. */
			got = act(v, ev, (enum act)a, shared);
			if (got != want || status(v, ev) != st_bits[table[s][a].next])
				fail_msg("%s event %u: state %u, call %u: x0 0x%llx (want 0x%llx), "
					 "status 0x%llx (want 0x%llx)",
					 shared ? "shared" : "private", ev, s, a,
					 (unsigned long long)got, (unsigned long long)want,
					 (unsigned long long)status(v, ev),
					 (unsigned long long)st_bits[table[s][a].next]);
		}
	}
}

static uint32_t event0(void)
{
	return 0;
}

static uint32_t shared_spi_event(void)
{
	uint64_t ev = CALL1(V(0), SDEI_INTERRUPT_BIND, 40);

	assert_int_equal(ev, SDEI_EV_SHARED_BASE);
	return (uint32_t)ev;
}

static uint32_t private_ppi_event(void)
{
	uint64_t ev;

	set_ppi_priority(23, 0xa0);
	ev = CALL1(V(0), SDEI_INTERRUPT_BIND, 23);
	assert_int_equal(ev, SDEI_EV_PRIV_BASE);
	return (uint32_t)ev;
}

static void test_state_table_event0(void **state)
{
	(void)state;
	check_table(event0, false);
}

static void test_state_table_private_bound(void **state)
{
	(void)state;
	check_table(private_ppi_event, false);
}

static void test_state_table_shared(void **state)
{
	(void)state;
	check_table(shared_spi_event, true);
}

static void test_unknown_events_invalid(void **state)
{
	static const uint32_t calls[] = { SDEI_EVENT_REGISTER, SDEI_EVENT_ENABLE,
					  SDEI_EVENT_DISABLE, SDEI_EVENT_UNREGISTER,
					  SDEI_EVENT_STATUS, SDEI_EVENT_GET_INFO,
					  SDEI_EVENT_ROUTING_SET, SDEI_INTERRUPT_RELEASE };
	static const uint64_t events[] = { 1, SDEI_EV_PRIV_BASE, SDEI_EV_SHARED_BASE + 3,
					   0x100000000ull, ~0ull };

	(void)state;
	for (unsigned c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
		for (unsigned e = 0; e < sizeof(events) / sizeof(events[0]); e++)
			assert_int_equal(call(V(0), calls[c], events[e], EP, 0, 0, 0), INVALID);
	/* Event 0 is not an interrupt's. */
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_RELEASE, 0), INVALID);
}

static void test_register_checks_arguments(void **state)
{
	uint32_t sh;

	(void)state;
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, 0, 0, ARG, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, 0, EP + 2, ARG, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, 0, EP, ARG, 2, 0), INVALID);
	sh = shared_spi_event();
	/* RM_PE to a vCPU that does not exist. */
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, sh, EP, ARG, SDEI_RM_PE, 4), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, sh, EP, ARG, SDEI_RM_PE, 0x100), INVALID);
	assert_int_equal(status(V(0), sh), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, sh, EP, ARG, SDEI_RM_PE, 3), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, sh, SDEI_INFO_ROUTING_AFF, 0, 0, 0), 3);
}

static void test_private_events_are_per_vcpu(void **state)
{
	(void)state;
	assert_int_equal(reg(V(1), 0), 0);
	assert_int_equal(status(V(1), 0), SDEI_ST_REGISTERED);
	assert_int_equal(status(V(0), 0), 0);
	assert_int_equal(CALL1(V(0), SDEI_EVENT_UNREGISTER, 0), DENIED);
}

/* ---------------------------------------------------------------- entry and exit */

static void enter_event0(struct vcpu *v)
{
	reach(v, 0, S_ENABLED);
	raise_event(v, 0);
}

static void test_handler_entry_registers(void **state)
{
	struct vcpu *v = V(1);
	struct gp_regs before;

	(void)state;
	enter_event0(v);
	v->regs.x[0] = 0xa0;
	v->regs.x[5] = 0xa5;
	v->el1[SP_EL1] = 0x5151;
	before = v->regs;
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], 0);
	assert_int_equal(v->regs.x[1], ARG);
	assert_int_equal(v->regs.x[2], before.pc);
	assert_int_equal(v->regs.x[3], before.pstate);
	for (unsigned r = 4; r < 31; r++)
		assert_int_equal(v->regs.x[r], before.x[r]);
	assert_int_equal(v->el1[SP_EL1], 0x5151);
	assert_int_equal(v->regs.pc, EP);
	assert_int_equal(v->regs.pstate, HANDLER_PSTATE);
	/* Once running, nothing more of it comes. */
	assert_false(sdei_dispatch(v));

	/* CONTEXT gives x0..x17 of the interrupted context; 18 and up are invalid. */
	for (unsigned r = 0; r < 18; r++)
		assert_int_equal(CALL1(v, SDEI_EVENT_CONTEXT, r), before.x[r]);
	assert_int_equal(CALL1(v, SDEI_EVENT_CONTEXT, 18), INVALID);
	assert_int_equal(CALL1(v, SDEI_EVENT_CONTEXT, ~0ull), INVALID);

	/* The handler scribbles everything; COMPLETE restores x0..x17, PC,
	 * PSTATE exactly and leaves x18..x30 as the handler left them. */
	for (unsigned r = 0; r < 31; r++)
		v->regs.x[r] = 0xdead0000 + r;
	v->regs.x[0] = SDEI_EVENT_COMPLETE;
	assert_true(smccc_call(v, false));
	for (unsigned r = 0; r < 18; r++)
		assert_int_equal(v->regs.x[r], before.x[r]);
	for (unsigned r = 18; r < 31; r++)
		assert_int_equal(v->regs.x[r], 0xdead0000 + r);
	assert_int_equal(v->regs.pc, before.pc);
	assert_int_equal(v->regs.pstate, before.pstate);
	assert_int_equal(status(v, 0), SDEI_ST_REGISTERED | SDEI_ST_ENABLED);
	/* Nothing is running now. */
	assert_int_equal(CALL0(v, SDEI_EVENT_COMPLETE), DENIED);
	assert_int_equal(CALL1(v, SDEI_EVENT_CONTEXT, 0), DENIED);
}

static void test_complete_and_resume(void **state)
{
	struct vcpu *v = V(0);
	struct gp_regs before;

	(void)state;
	enter_event0(v);
	before = v->regs;
	assert_true(sdei_dispatch(v));
	v->regs.x[7] = 0x77;
	v->regs.x[20] = 0x2020;
	call(v, SDEI_EVENT_COMPLETE_AND_RESUME, 0x40002000, 0, 0, 0, 0);
	for (unsigned r = 0; r < 18; r++)
		assert_int_equal(v->regs.x[r], before.x[r]);
	assert_int_equal(v->regs.x[20], 0x2020);
	assert_int_equal(v->regs.pc, 0x40002000);
	assert_int_equal(v->regs.pstate, HANDLER_PSTATE);
	assert_int_equal(v->el1[ELR_EL1], before.pc);
	assert_int_equal(v->el1[SPSR_EL1], before.pstate);
	assert_int_equal(status(v, 0), SDEI_ST_REGISTERED | SDEI_ST_ENABLED);
}

static void test_unregister_in_handler_pending_until_complete(void **state)
{
	struct vcpu *v = V(0);

	(void)state;
	enter_event0(v);
	assert_true(sdei_dispatch(v));
	assert_int_equal(CALL1(v, SDEI_EVENT_UNREGISTER, 0), PENDING);
	assert_int_equal(status(v, 0), SDEI_ST_RUNNING);
	/* A signal now is dropped: the event is not registered. */
	assert_int_equal(call(v, SDEI_EVENT_SIGNAL, 0, 0, 0, 0, 0), 0);
	call(v, SDEI_EVENT_COMPLETE, 0, 0, 0, 0, 0);
	assert_int_equal(status(v, 0), 0);
	assert_false(sdei_dispatch(v));
	assert_int_equal(reg(v, 0), 0);
}

/* ---------------------------------------------------------------- priorities */

static void test_critical_preempts_normal_normal_waits(void **state)
{
	struct vcpu *v = V(0);
	uint64_t crit, pc_in_normal;

	(void)state;
	set_ppi_priority(30, 0x20);
	crit = CALL1(v, SDEI_INTERRUPT_BIND, 30);
	assert_int_equal(crit, SDEI_EV_PRIV_BASE);
	assert_int_equal(call(v, SDEI_EVENT_GET_INFO, crit, SDEI_INFO_PRIORITY, 0, 0, 0),
			 SDEI_PRIO_CRITICAL);
	assert_int_equal(call(v, SDEI_EVENT_GET_INFO, 0, SDEI_INFO_PRIORITY, 0, 0, 0),
			 SDEI_PRIO_NORMAL);
	assert_int_equal(call(v, SDEI_EVENT_REGISTER, crit, EP + 0x100, 0xc, 0, 0), 0);
	assert_int_equal(CALL1(v, SDEI_EVENT_ENABLE, crit), 0);
	enter_event0(v);
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.pc, EP);
	pc_in_normal = v->regs.pc = EP + 0x40;
	v->regs.x[0] = 0x4444;

	/* The physical timer's line rises: the critical handler preempts. */
	assert_true(vgic_ptimer_set_level(&tvm.vgic, 0, true));
	assert_true(kicked & 1);
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], crit);
	assert_int_equal(v->regs.x[1], 0xc);
	assert_int_equal(v->regs.x[2], pc_in_normal);
	assert_int_equal(v->regs.pc, EP + 0x100);
	assert_int_equal(CALL1(v, SDEI_EVENT_CONTEXT, 0), 0x4444);

	/* Event 0 again meanwhile: normal, waits for both handlers. */
	raise_event(v, 0);
	assert_false(sdei_dispatch(v));
	assert_true(vgic_ptimer_set_level(&tvm.vgic, 0, false));
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_int_equal(v->regs.pc, pc_in_normal);
	assert_int_equal(v->regs.x[0], 0x4444);
	/* Still in the normal handler: event 0 is running, nothing enters. */
	assert_false(sdei_dispatch(v));
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_int_equal(v->regs.pc, PC0);
	/* Now the second event 0. */
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], 0);
}

static void test_critical_does_not_preempt_critical(void **state)
{
	struct vcpu *v = V(0);
	uint64_t a, b;

	(void)state;
	set_ppi_priority(30, 0);
	set_ppi_priority(23, 0);
	a = CALL1(v, SDEI_INTERRUPT_BIND, 30);
	b = CALL1(v, SDEI_INTERRUPT_BIND, 23);
	assert_int_equal(a, SDEI_EV_PRIV_BASE);
	assert_int_equal(b, SDEI_EV_PRIV_BASE + 1);
	reach(v, (uint32_t)a, S_ENABLED);
	assert_int_equal(reg(v, (uint32_t)b), 0);
	assert_int_equal(CALL1(v, SDEI_EVENT_ENABLE, b), 0);
	vgic_inject(&tvm.vgic, 0, 23, true);
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], b);
	vgic_inject(&tvm.vgic, 0, 30, true);
	assert_false(sdei_dispatch(v));
	vgic_inject(&tvm.vgic, 0, 23, false);
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], a);
}

/* ---------------------------------------------------------------- binding */

static void test_bind_refuses_sgis_and_hypervisor_interrupts(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, i), INVALID);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 25), INVALID);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 27), INVALID);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, VGIC_NR_IRQS), INVALID);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 1023), INVALID);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 1ull << 32 | 30), INVALID);
}

static void test_bind_slots_same_event_and_out_of_resource(void **state)
{
	static const unsigned ppis[] = { 16, 17, 18, 19 };

	(void)state;
	for (unsigned i = 0; i < SDEI_NR_PRIV_SLOTS; i++)
		assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, ppis[i]),
				 SDEI_EV_PRIV_BASE + i);
	assert_int_equal(CALL1(V(2), SDEI_INTERRUPT_BIND, 17), SDEI_EV_PRIV_BASE + 1);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 20), OUT_OF_RES);
	for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++)
		assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 40 + i),
				 SDEI_EV_SHARED_BASE + i);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 33), OUT_OF_RES);
	/* Released, the slot is taken again. */
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_RELEASE, SDEI_EV_SHARED_BASE + 2), 0);
	assert_int_equal(CALL1(V(0), SDEI_INTERRUPT_BIND, 33), SDEI_EV_SHARED_BASE + 2);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, SDEI_EV_SHARED_BASE + 2, SDEI_INFO_TYPE,
			      0, 0, 0), 1);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, SDEI_EV_PRIV_BASE, SDEI_INFO_TYPE, 0,
			      0, 0), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, SDEI_EV_PRIV_BASE,
			      SDEI_INFO_SIGNALED, 0, 0, 0), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, 0, SDEI_INFO_SIGNALED, 0, 0, 0), 1);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, 0, 5, 0, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_GET_INFO, 0, SDEI_INFO_ROUTING_MODE, 0, 0, 0),
			 INVALID);
}

static void test_bound_interrupt_leaves_the_lrs_until_released(void **state)
{
	struct vcpu *v = V(1);
	struct vgic_irq irq;
	uint64_t ev;

	(void)state;
	/* Enabled and deliverable through the vGIC first. */
	tvm.vgic.ctlr = GICD_CTLR_ENABLE_G1;
	tvm.vgic.cpus[1]->private_irqs[30].enabled = true;
	set_ppi_priority(30, 0xa0);
	ev = CALL1(v, SDEI_INTERRUPT_BIND, 30);
	assert_int_equal(call(v, SDEI_EVENT_GET_INFO, ev, SDEI_INFO_PRIORITY, 0, 0, 0),
			 SDEI_PRIO_NORMAL);
	reach(v, (uint32_t)ev, S_ENABLED);
	kicked = 0;
	vgic_ptimer_set_level(&tvm.vgic, 1, true);
	assert_int_equal(kicked, 1u << 1);
	/* Not for the list registers, not a WFI wake-up of the vGIC: an event. */
	assert_false(vgic_cpu_has_pending(&v->vgic));
	assert_int_equal(vgic_flush(&v->vgic, 4), 0);
	assert_true(sdei_has_pending(v));
	/* Delivered with PSTATE.I set. */
	v->regs.pstate = PSTATE0;
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], ev);
	/* Level: comes again after COMPLETE while the line is high. */
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_true(sdei_dispatch(v));
	vgic_ptimer_set_level(&tvm.vgic, 1, false);
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_false(sdei_dispatch(v));

	/* Release: DENIED while registered on any vCPU, then back to the vGIC. */
	assert_int_equal(CALL1(v, SDEI_INTERRUPT_RELEASE, ev), DENIED);
	assert_int_equal(CALL1(v, SDEI_EVENT_UNREGISTER, ev), 0);
	assert_int_equal(reg(V(3), (uint32_t)ev), 0);
	assert_int_equal(CALL1(v, SDEI_INTERRUPT_RELEASE, ev), DENIED);
	assert_int_equal(CALL1(V(3), SDEI_EVENT_UNREGISTER, ev), 0);
	assert_int_equal(CALL1(v, SDEI_INTERRUPT_RELEASE, ev), 0);
	assert_true(vgic_irq_peek(&tvm.vgic, 1, 30, &irq));
	assert_false(irq.sdei_bound);
	vgic_ptimer_set_level(&tvm.vgic, 1, true);
	assert_true(vgic_cpu_has_pending(&v->vgic));
	assert_int_equal(vgic_flush(&v->vgic, 4), 1);
	assert_int_equal(CALL1(v, SDEI_EVENT_STATUS, ev), INVALID);
}

static void test_edge_bound_interrupt_consumed_at_dispatch(void **state)
{
	struct vcpu *v = V(0);
	uint64_t ev;

	(void)state;
	tvm.vgic.spis[44 - 32].edge = true;
	ev = CALL1(v, SDEI_INTERRUPT_BIND, 44);
	reach(v, (uint32_t)ev, S_ENABLED);
	vgic_inject(&tvm.vgic, 0, 44, true);
	assert_true(sdei_dispatch(v));
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_false(sdei_dispatch(v));
}

/* ---------------------------------------------------------------- routing */

static uint64_t shared_enabled(unsigned mode, unsigned target)
{
	uint64_t ev = CALL1(V(0), SDEI_INTERRUPT_BIND, 40);

	for (unsigned i = 0; i < 4; i++)
		CALL0(V(i), SDEI_PE_UNMASK);
	assert_int_equal(call(V(0), SDEI_EVENT_REGISTER, ev, EP, ARG, mode, target), 0);
	assert_int_equal(CALL1(V(0), SDEI_EVENT_ENABLE, ev), 0);
	return ev;
}

static void test_shared_rm_pe_goes_to_its_vcpu_only(void **state)
{
	uint64_t ev;

	(void)state;
	ev = shared_enabled(SDEI_RM_PE, 2);
	assert_int_equal(call(V(1), SDEI_EVENT_GET_INFO, ev, SDEI_INFO_ROUTING_MODE, 0, 0, 0),
			 SDEI_RM_PE);
	kicked = 0;
	vgic_inject(&tvm.vgic, 0, 40, true);
	assert_int_equal(kicked, 1u << 2);
	assert_false(sdei_dispatch(V(0)));
	assert_false(sdei_dispatch(V(1)));
	assert_true(sdei_dispatch(V(2)));
	assert_int_equal(V(2)->regs.x[0], ev);
	/* ROUTING_SET only while registered, disabled and idle. */
	assert_int_equal(call(V(0), SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_ANY, 0, 0, 0), DENIED);
	vgic_inject(&tvm.vgic, 0, 40, false);
	CALL0(V(2), SDEI_EVENT_COMPLETE);
	assert_int_equal(CALL1(V(0), SDEI_EVENT_DISABLE, ev), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_ROUTING_SET, ev, 2, 0, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_PE, 9, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_ROUTING_SET, ev, SDEI_RM_PE, 3, 0, 0), 0);
	assert_int_equal(CALL1(V(0), SDEI_EVENT_ENABLE, ev), 0);
	vgic_inject(&tvm.vgic, 0, 40, true);
	assert_false(sdei_dispatch(V(2)));
	assert_true(sdei_dispatch(V(3)));
	/* Private events cannot be routed. */
	assert_int_equal(call(V(0), SDEI_EVENT_ROUTING_SET, 0, SDEI_RM_ANY, 0, 0, 0), INVALID);
}

static void test_shared_rm_any_never_on_two_vcpus(void **state)
{
	uint64_t ev;

	(void)state;
	ev = shared_enabled(SDEI_RM_ANY, 0);
	kicked = 0;
	vgic_inject(&tvm.vgic, 0, 40, true);
	assert_int_equal(kicked, 0xf);
	assert_true(sdei_dispatch(V(3)));
	/* The line is still high, but the event runs on vCPU 3. */
	for (unsigned i = 0; i < 3; i++)
		assert_false(sdei_dispatch(V(i)));
	assert_int_equal(status(V(1), (uint32_t)ev),
			 SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING);
	/* COMPLETE on a vCPU not running it is refused. */
	assert_int_equal(CALL0(V(1), SDEI_EVENT_COMPLETE), DENIED);
	CALL0(V(3), SDEI_EVENT_COMPLETE);
	/* A masked vCPU does not take it; another one does. */
	CALL0(V(0), SDEI_PE_MASK);
	assert_false(sdei_dispatch(V(0)));
	assert_true(sdei_dispatch(V(1)));
}

/* ---------------------------------------------------------------- masking and resets */

static void test_vcpus_start_masked_signal_waits_for_unmask(void **state)
{
	struct vcpu *v = V(1);

	(void)state;
	assert_int_equal(reg(v, 0), 0);
	assert_int_equal(CALL1(v, SDEI_EVENT_ENABLE, 0), 0);
	assert_int_equal(call(V(0), SDEI_EVENT_SIGNAL, 0, 1, 0, 0, 0), 0);
	assert_int_equal(kicked, 1u << 1);
	assert_false(sdei_dispatch(v));
	assert_false(sdei_has_pending(v));
	assert_int_equal(CALL0(v, SDEI_PE_UNMASK), 0);
	assert_true(sdei_has_pending(v));
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->regs.x[0], 0);
	/* Bad target. */
	assert_int_equal(call(V(0), SDEI_EVENT_SIGNAL, 0, 4, 0, 0, 0), INVALID);
	assert_int_equal(call(V(0), SDEI_EVENT_SIGNAL, 1, 1, 0, 0, 0), INVALID);
	/* PE_MASK while a handler runs: the handler carries on; masks what comes next. */
	assert_int_equal(CALL0(v, SDEI_PE_MASK), 0);
	CALL0(v, SDEI_EVENT_COMPLETE);
	raise_event(v, 0);
	assert_false(sdei_dispatch(v));
}

static void test_cpu_on_reset_masks_and_unregisters(void **state)
{
	struct vcpu *v = V(2);
	uint64_t sh;

	(void)state;
	sh = shared_enabled(SDEI_RM_PE, 2);
	reach(v, 0, S_ENABLED);
	vgic_inject(&tvm.vgic, 0, 40, true);
	assert_true(sdei_dispatch(v));
	/* CPU_OFF / CPU_ON: private registrations go, the shared handler it ran completes. */
	sdei_vcpu_reset(v);
	assert_int_equal(status(v, 0), 0);
	assert_int_equal(status(v, (uint32_t)sh), SDEI_ST_REGISTERED | SDEI_ST_ENABLED);
	assert_int_equal(CALL0(v, SDEI_EVENT_COMPLETE), DENIED);
	/* Masked again: the still-high line waits. */
	assert_false(sdei_dispatch(v));
	CALL0(v, SDEI_PE_UNMASK);
	assert_true(sdei_dispatch(v));
}

static void test_private_reset(void **state)
{
	struct vcpu *v = V(0);
	uint64_t ev;

	(void)state;
	ev = private_ppi_event();
	reach(v, 0, S_RUN_ENABLED);
	assert_int_equal(reg(v, (uint32_t)ev), 0);
	assert_int_equal(reg(V(1), 0), 0);
	assert_int_equal(CALL0(v, SDEI_PRIVATE_RESET), DENIED);
	assert_int_equal(status(v, 0), SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING);
	CALL0(v, SDEI_EVENT_COMPLETE);
	assert_int_equal(CALL0(v, SDEI_PRIVATE_RESET), 0);
	assert_int_equal(status(v, 0), 0);
	assert_int_equal(status(v, (uint32_t)ev), 0);
	/* Only its own: vCPU 1's event 0 stays; the binding stays. */
	assert_int_equal(status(V(1), 0), SDEI_ST_REGISTERED);
	assert_int_equal(status(v, (uint32_t)ev), 0);
	assert_int_equal(CALL1(v, SDEI_EVENT_GET_INFO, ev), 0);
}

static void test_shared_reset(void **state)
{
	uint64_t sh, pr;
	struct vgic_irq irq;

	(void)state;
	pr = private_ppi_event();
	sh = shared_enabled(SDEI_RM_ANY, 0);
	vgic_inject(&tvm.vgic, 0, 40, true);
	assert_true(sdei_dispatch(V(1)));
	assert_int_equal(CALL0(V(0), SDEI_SHARED_RESET), DENIED);
	assert_int_equal(status(V(0), (uint32_t)sh),
			 SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING);
	vgic_inject(&tvm.vgic, 0, 40, false);
	CALL0(V(1), SDEI_EVENT_COMPLETE);
	assert_int_equal(reg(V(2), (uint32_t)pr), 0);
	assert_int_equal(CALL0(V(0), SDEI_SHARED_RESET), 0);
	/* Shared events and their bindings are gone; a private slot
	 * registered on a vCPU keeps its binding. */
	assert_int_equal(CALL1(V(0), SDEI_EVENT_STATUS, sh), INVALID);
	assert_true(vgic_irq_peek(&tvm.vgic, 0, 40, &irq));
	assert_false(irq.sdei_bound);
	assert_int_equal(status(V(2), (uint32_t)pr), SDEI_ST_REGISTERED);
	assert_int_equal(CALL1(V(2), SDEI_EVENT_UNREGISTER, pr), 0);
	assert_int_equal(CALL0(V(0), SDEI_SHARED_RESET), 0);
	assert_int_equal(CALL1(V(0), SDEI_EVENT_STATUS, pr), INVALID);
}

/* ---------------------------------------------------------------- the host */

static void test_host_signal(void **state)
{
	struct vcpu *v = V(3);

	(void)state;
	assert_int_equal(sdei_host_signal(&tvm, 3, 0), SDEI_DENIED);
	assert_int_equal(sdei_host_signal(&tvm, 4, 0), SDEI_INVALID_PARAMETERS);
	assert_int_equal(sdei_host_signal(&tvm, 3, 77), SDEI_INVALID_PARAMETERS);
	reach(v, 0, S_ENABLED);
	kicked = 0;
	assert_int_equal(sdei_host_signal(&tvm, 3, 0), 0);
	assert_int_equal(kicked, 1u << 3);
	/* A vCPU spinning with IRQs masked still takes it. */
	v->regs.pstate = PSTATE0;
	assert_true(sdei_dispatch(v));
	assert_int_equal(v->sdei.ctx[SDEI_PRIO_NORMAL].cause, SDEI_CAUSE_HOST);
	assert_int_equal(v->regs.x[2], PC0 + 0x300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_version_and_features, setup),
		cmocka_unit_test_setup(test_smc32_forms_unknown_ids_and_smc_conduit_not_supported,
				       setup),
		cmocka_unit_test_setup(test_sdei_off_answers_not_supported, setup),
		cmocka_unit_test_setup(test_state_table_event0, setup),
		cmocka_unit_test_setup(test_state_table_private_bound, setup),
		cmocka_unit_test_setup(test_state_table_shared, setup),
		cmocka_unit_test_setup(test_unknown_events_invalid, setup),
		cmocka_unit_test_setup(test_register_checks_arguments, setup),
		cmocka_unit_test_setup(test_private_events_are_per_vcpu, setup),
		cmocka_unit_test_setup(test_handler_entry_registers, setup),
		cmocka_unit_test_setup(test_complete_and_resume, setup),
		cmocka_unit_test_setup(test_unregister_in_handler_pending_until_complete, setup),
		cmocka_unit_test_setup(test_critical_preempts_normal_normal_waits, setup),
		cmocka_unit_test_setup(test_critical_does_not_preempt_critical, setup),
		cmocka_unit_test_setup(test_bind_refuses_sgis_and_hypervisor_interrupts, setup),
		cmocka_unit_test_setup(test_bind_slots_same_event_and_out_of_resource, setup),
		cmocka_unit_test_setup(test_bound_interrupt_leaves_the_lrs_until_released, setup),
		cmocka_unit_test_setup(test_edge_bound_interrupt_consumed_at_dispatch, setup),
		cmocka_unit_test_setup(test_shared_rm_pe_goes_to_its_vcpu_only, setup),
		cmocka_unit_test_setup(test_shared_rm_any_never_on_two_vcpus, setup),
		cmocka_unit_test_setup(test_vcpus_start_masked_signal_waits_for_unmask, setup),
		cmocka_unit_test_setup(test_cpu_on_reset_masks_and_unregisters, setup),
		cmocka_unit_test_setup(test_private_reset, setup),
		cmocka_unit_test_setup(test_shared_reset, setup),
		cmocka_unit_test_setup(test_host_signal, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
