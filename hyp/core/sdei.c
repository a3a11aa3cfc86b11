/*
 * SDEI for guests (Arm DEN0054 v1.1): the per-VM and per-vCPU event model,
 * the calls, and dispatch and completion at EL2. See hyp/include/sdei.h
 * and docs/sdei.md.
 *
 * Everything a guest passes is checked: a bad argument is an SDEI error
 * code in x0, never a hypervisor panic.
 */
#include <stddef.h>
#include <string.h>

#include "hyp/include/arch.h"
#include "hyp/include/sdei.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

#define PSR_MODE_EL1h  0x5ull
#define PSR_DAIF       (0xfull << 6)
#define PSR_PAN        (1ull << 22)
#define SCTLR_EL1_SPAN (1ull << 23)

/* INTIDs the hypervisor keeps: the maintenance interrupt, the forwarded virtual timer. */
#define INTID_MAINT  25u
#define INTID_VTIMER 27u

#define G SDEI_ST_REGISTERED
#define E SDEI_ST_ENABLED
#define R SDEI_ST_RUNNING

enum sdei_act {
	ACT_REGISTER,
	ACT_ENABLE,
	ACT_DISABLE,
	ACT_UNREGISTER,
	ACT_ROUTING,
	ACT_COMPLETE,
	ACT_DISPATCH,
	NR_ACTS
};

#define NO   0xffu /* refused: DENIED */
#define KEEP 0xfeu /* allowed, the state stays */

/*
 * The handler state machine of DEN0054 section 6.1, per event (per vCPU
 * for private events): the new state for each call, NO where the call is
 * refused. R alone is "unregister pending": running, unregistered at
 * COMPLETE. The other combinations (enabled but not registered) cannot
 * happen and refuse everything. CONTEXT is allowed exactly when a handler
 * runs on the calling vCPU; STATUS, GET_INFO and the per-vCPU and reset
 * calls are allowed in every state and do not appear here.
 */
static const uint8_t transition[8][NR_ACTS] = {
	/*            REGISTER ENABLE  DISABLE UNREG ROUTING COMPLETE DISPATCH */
	[0]         = { G,     NO,     NO,     NO,   NO,     NO,      NO },
	[G]         = { NO,    G | E,  KEEP,   0,    KEEP,   NO,      NO },
	[G | E]     = { NO,    KEEP,   G,      0,    NO,     NO,      G | E | R },
	[G | R]     = { NO,    G | E | R, KEEP, R,   NO,     G,       NO },
	[G | E | R] = { NO,    KEEP,   G | R,  R,    NO,     G | E,   NO },
	[R]         = { NO,    NO,     NO,     NO,   NO,     0,       NO },
	[E]         = { NO,    NO,     NO,     NO,   NO,     NO,      NO },
	[E | R]     = { NO,    NO,     NO,     NO,   NO,     NO,      NO },
};

#undef G
#undef E
#undef R

/* An event as a call names it, resolved for the calling vCPU. */
struct ev {
	uint32_t num;
	struct sdei_handler *h;
	struct sdei_shared *sh;  /* shared events only */
	unsigned idx;            /* private index (0 = event 0) or shared slot */
	uint16_t intid;          /* bound interrupt, 0 for event 0 */
	uint8_t prio;
};

static void set_ret(struct vcpu *v, int64_t r)
{
	v->regs.x[0] = (uint64_t)r;
}

/* Lock held. false when the event does not exist (unbound slot, unknown number). */
static bool lookup(struct vcpu *v, uint64_t num, struct ev *e)
{
	struct sdei_vm *s = &v->vm->sdei;

	memset(e, 0, sizeof(*e));
	e->num = (uint32_t)num;
	if (num == 0) {
		e->h = &v->sdei.priv[0];
		e->prio = SDEI_PRIO_NORMAL;
		return true;
	}
	if (num >= SDEI_EV_PRIV_BASE && num < SDEI_EV_PRIV_BASE + SDEI_NR_PRIV_SLOTS) {
		unsigned i = (unsigned)(num - SDEI_EV_PRIV_BASE);

		if (!s->priv_bind[i].intid)
			return false;
		e->idx = 1 + i;
		e->h = &v->sdei.priv[e->idx];
		e->intid = s->priv_bind[i].intid;
		e->prio = s->priv_bind[i].prio;
		return true;
	}
	if (num >= SDEI_EV_SHARED_BASE && num < SDEI_EV_SHARED_BASE + SDEI_NR_SHARED_SLOTS) {
		unsigned i = (unsigned)(num - SDEI_EV_SHARED_BASE);

		if (!s->shared_bind[i].intid)
			return false;
		e->idx = i;
		e->sh = &s->shared[i];
		e->h = &s->shared[i].h;
		e->intid = s->shared_bind[i].intid;
		e->prio = s->shared_bind[i].prio;
		return true;
	}
	return false;
}

/* Lock held. The new state, counted for the fast path at entry. */
static void set_state(struct sdei_vm *s, struct sdei_handler *h, uint8_t next)
{
	bool was = h->state & SDEI_ST_REGISTERED, is = next & SDEI_ST_REGISTERED;

	if (was && !is)
		__atomic_store_n(&s->nr_registered, s->nr_registered - 1, __ATOMIC_RELAXED);
	else if (!was && is)
		__atomic_store_n(&s->nr_registered, s->nr_registered + 1, __ATOMIC_RELAXED);
	h->state = next;
}

/* Lock held. false if the state machine refuses act in the event's state. */
static bool step(struct sdei_vm *s, struct sdei_handler *h, enum sdei_act act)
{
	uint8_t next = transition[h->state & 7][act];

	if (next == NO)
		return false;
	if (next != KEEP)
		set_state(s, h, next);
	return true;
}

/* vCPUs a bound shared event's interrupt kicks: its RM_PE target, or all (RM_ANY). */
static uint8_t shared_kick_mask(const struct vm *vm, const struct sdei_shared *sh)
{
	if (sh->mode == SDEI_RM_PE)
		return (uint8_t)(1u << sh->target);
	return (uint8_t)((1u << vm->nr_vcpus) - 1);
}

/* ---------------------------------------------------------------- setup and reset */

void sdei_vm_init(struct vm *vm, bool off)
{
	memset(&vm->sdei, 0, sizeof(vm->sdei));
	vm->sdei.off = off;
	for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++)
		vm->sdei.shared[i].running_on = SDEI_NO_VCPU;
}

/* Lock held: the vCPU's private events unregistered, its handlers gone. */
static void private_reset_locked(struct vcpu *v)
{
	struct sdei_vm *s = &v->vm->sdei;

	for (unsigned i = 0; i < SDEI_NR_PRIV_EVENTS; i++)
		set_state(s, &v->sdei.priv[i], 0);
	v->sdei.pending = 0;
	v->sdei.pending_cause = 0;
}

void sdei_vcpu_reset(struct vcpu *v)
{
	struct sdei_vm *s = &v->vm->sdei;

	spin_lock(&s->lock);
	private_reset_locked(v);
	/* A shared handler it was running is over: its event completes. */
	for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++) {
		struct sdei_shared *sh = &s->shared[i];

		if (sh->running_on == v->id) {
			step(s, &sh->h, ACT_COMPLETE);
			sh->running_on = SDEI_NO_VCPU;
		}
	}
	memset(v->sdei.ctx, 0, sizeof(v->sdei.ctx));
	v->sdei.masked = true;
	spin_unlock(&s->lock);
	trace_sdei_state(v, TRACE_SDEI_NO_EVENT, TRACE_SDEI_OP_VCPU_RESET, 0, 0, 0);
}

/* ---------------------------------------------------------------- dispatch */

struct pick {
	struct ev e;
	uint8_t cause;
};

/* Lock held. The event is registered, enabled, idle and pending for v. */
static bool deliverable(struct vcpu *v, const struct ev *e, uint8_t *cause)
{
	struct vm *vm = v->vm;

	if (e->h->state != (SDEI_ST_REGISTERED | SDEI_ST_ENABLED))
		return false;
	if (e->sh) {
		if (e->sh->running_on != SDEI_NO_VCPU)
			return false;
		if (e->sh->mode == SDEI_RM_PE && e->sh->target != v->id)
			return false;
		if (e->sh->pending) {
			*cause = SDEI_CAUSE_HOST;
			return true;
		}
		*cause = SDEI_CAUSE_INTERRUPT;
		return vgic_sdei_pending(&vm->vgic, v->id, e->intid);
	}
	if (v->sdei.pending & (1u << e->idx)) {
		*cause = (v->sdei.pending_cause & (1u << e->idx)) ? SDEI_CAUSE_HOST
								   : SDEI_CAUSE_SIGNAL;
		return true;
	}
	*cause = SDEI_CAUSE_INTERRUPT;
	return e->intid && vgic_sdei_pending(&vm->vgic, v->id, e->intid);
}

/* Lock held. The highest-priority deliverable event, lowest number first. */
static bool pick_event(struct vcpu *v, struct pick *p)
{
	const struct sdei_vcpu *sv = &v->sdei;

	if (sv->masked || sv->ctx[SDEI_PRIO_CRITICAL].active)
		return false;
	for (int prio = SDEI_PRIO_CRITICAL; prio >= (int)SDEI_PRIO_NORMAL; prio--) {
		if (prio == SDEI_PRIO_NORMAL && sv->ctx[SDEI_PRIO_NORMAL].active)
			return false;
		if (lookup(v, 0, &p->e) && p->e.prio == (unsigned)prio &&
		    deliverable(v, &p->e, &p->cause))
			return true;
		for (unsigned i = 0; i < SDEI_NR_PRIV_SLOTS; i++)
			if (lookup(v, SDEI_EV_PRIV_BASE + i, &p->e) &&
			    p->e.prio == (unsigned)prio && deliverable(v, &p->e, &p->cause))
				return true;
		for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++)
			if (lookup(v, SDEI_EV_SHARED_BASE + i, &p->e) &&
			    p->e.prio == (unsigned)prio && deliverable(v, &p->e, &p->cause))
				return true;
	}
	return false;
}

/* PSTATE a handler (or a resumed context) starts with: EL1h, DAIF set,
 * PAN as exception entry sets it (Arm ARM D1.3: SCTLR_EL1.SPAN). */
static uint64_t handler_pstate(const struct vcpu *v, uint64_t old)
{
	uint64_t pstate = PSR_MODE_EL1h | PSR_DAIF;

	if (!(vcpu_el1_read(v, SCTLR_EL1) & SCTLR_EL1_SPAN))
		pstate |= PSR_PAN;
	else
		pstate |= old & PSR_PAN;
	return pstate;
}

static void enter_handler(struct vcpu *v, struct pick *p)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct sdei_ctx *ctx = &v->sdei.ctx[p->e.prio];
	const struct ev *e = &p->e;

	step(s, e->h, ACT_DISPATCH);
	memcpy(ctx->x, v->regs.x, sizeof(ctx->x));
	ctx->pc = v->regs.pc;
	ctx->pstate = v->regs.pstate;
	ctx->event = e->num;
	ctx->cause = p->cause;
	ctx->active = true;
	ctx->t_start = arch_counter();
	if (e->sh) {
		e->sh->running_on = (uint8_t)v->id;
		e->sh->pending = false;
	} else {
		v->sdei.pending &= ~(1u << e->idx);
		v->sdei.pending_cause &= ~(1u << e->idx);
	}
	if (p->cause == SDEI_CAUSE_INTERRUPT)
		vgic_sdei_ack(&v->vm->vgic, v->id, e->intid);

	v->regs.x[0] = e->num;
	v->regs.x[1] = e->h->arg;
	v->regs.x[2] = ctx->pc;
	v->regs.x[3] = ctx->pstate;
	v->regs.pc = e->h->ep;
	v->regs.pstate = handler_pstate(v, ctx->pstate);
	trace_sdei_dispatch(v, e->num, p->cause, e->prio, ctx->pc, ctx->pstate);
}

bool sdei_dispatch(struct vcpu *v)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct pick p;
	bool found;

	if (!__atomic_load_n(&s->nr_registered, __ATOMIC_RELAXED))
		return false;
	spin_lock(&s->lock);
	found = pick_event(v, &p);
	if (found)
		enter_handler(v, &p);
	spin_unlock(&s->lock);
	return found;
}

bool sdei_has_pending(struct vcpu *v)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct pick p;
	bool found;

	if (!__atomic_load_n(&s->nr_registered, __ATOMIC_RELAXED))
		return false;
	spin_lock(&s->lock);
	found = pick_event(v, &p);
	spin_unlock(&s->lock);
	return found;
}

/* ---------------------------------------------------------------- the calls */

/* The running handler on v: critical over normal. NULL when none. */
static struct sdei_ctx *running_ctx(struct vcpu *v)
{
	if (v->sdei.ctx[SDEI_PRIO_CRITICAL].active)
		return &v->sdei.ctx[SDEI_PRIO_CRITICAL];
	if (v->sdei.ctx[SDEI_PRIO_NORMAL].active)
		return &v->sdei.ctx[SDEI_PRIO_NORMAL];
	return NULL;
}

static int64_t ev_register(struct vcpu *v, const struct ev *e, uint64_t ep, uint64_t arg,
			   uint64_t flags, uint64_t aff)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct vcpu *target = NULL;

	if (flags & ~1ull)
		return SDEI_INVALID_PARAMETERS;
	if (!ep || (ep & 3))
		return SDEI_INVALID_PARAMETERS;
	if (e->sh && flags == SDEI_RM_PE) {
		target = vm_vcpu_by_mpidr(v->vm, aff);
		if (!target)
			return SDEI_INVALID_PARAMETERS;
	}
	if (!step(s, e->h, ACT_REGISTER))
		return SDEI_DENIED;
	e->h->ep = ep;
	e->h->arg = arg;
	if (e->sh) {
		e->sh->mode = (uint8_t)flags;
		e->sh->target = target ? (uint8_t)target->id : 0;
		e->sh->pending = false;
		vgic_sdei_set_kick(&v->vm->vgic, e->intid, shared_kick_mask(v->vm, e->sh));
	} else {
		v->sdei.pending &= ~(1u << e->idx);
	}
	return SDEI_SUCCESS;
}

static int64_t ev_unregister(struct vcpu *v, const struct ev *e)
{
	struct sdei_vm *s = &v->vm->sdei;

	if (!step(s, e->h, ACT_UNREGISTER))
		return SDEI_DENIED;
	if (e->sh)
		e->sh->pending = false;
	else
		v->sdei.pending &= ~(1u << e->idx);
	return (e->h->state & SDEI_ST_RUNNING) ? SDEI_PENDING : SDEI_SUCCESS;
}

static int64_t ev_get_info(const struct ev *e, uint64_t info)
{
	switch (info) {
	case SDEI_INFO_TYPE:
		return e->sh ? 1 : 0;
	case SDEI_INFO_SIGNALED:
		return e->num == 0;
	case SDEI_INFO_PRIORITY:
		return e->prio;
	case SDEI_INFO_ROUTING_MODE:
	case SDEI_INFO_ROUTING_AFF:
		if (!e->sh)
			return SDEI_INVALID_PARAMETERS;
		if (!(e->h->state & SDEI_ST_REGISTERED))
			return SDEI_DENIED;
		if (info == SDEI_INFO_ROUTING_MODE)
			return e->sh->mode;
		if (e->sh->mode != SDEI_RM_PE)
			return SDEI_INVALID_PARAMETERS;
		return e->sh->target; /* MPIDR Aff0 = vCPU id */
	default:
		return SDEI_INVALID_PARAMETERS;
	}
}

static int64_t ev_routing_set(struct vcpu *v, const struct ev *e, uint64_t mode, uint64_t aff)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct vcpu *target = NULL;

	if (!e->sh || mode > SDEI_RM_PE)
		return SDEI_INVALID_PARAMETERS;
	if (mode == SDEI_RM_PE) {
		target = vm_vcpu_by_mpidr(v->vm, aff);
		if (!target)
			return SDEI_INVALID_PARAMETERS;
	}
	if (!step(s, e->h, ACT_ROUTING))
		return SDEI_DENIED;
	e->sh->mode = (uint8_t)mode;
	e->sh->target = target ? (uint8_t)target->id : 0;
	vgic_sdei_set_kick(&v->vm->vgic, e->intid, shared_kick_mask(v->vm, e->sh));
	trace_sdei_state(v, e->num, TRACE_SDEI_OP_ROUTING, e->h->state, e->h->state,
			 e->sh->mode | (uint32_t)e->sh->target << 8);
	return SDEI_SUCCESS;
}

/* Lock held. The private slot's event is registered on no vCPU. */
static bool priv_slot_idle(const struct vm *vm, unsigned slot)
{
	for (unsigned c = 0; c < vm->nr_vcpus; c++)
		if (vm->vcpus[c].sdei.priv[1 + slot].state)
			return false;
	return true;
}

static int64_t interrupt_bind(struct vcpu *v, uint64_t intid)
{
	struct sdei_vm *s = &v->vm->sdei;
	bool ppi = intid < 32;
	struct sdei_binding *slots = ppi ? s->priv_bind : s->shared_bind;
	unsigned n = ppi ? SDEI_NR_PRIV_SLOTS : SDEI_NR_SHARED_SLOTS;
	uint32_t base = ppi ? SDEI_EV_PRIV_BASE : SDEI_EV_SHARED_BASE;
	uint8_t gic_prio = 0;
	unsigned free = n;

	/* SGIs cannot be bound; the hypervisor's own PPIs are not the guest's. */
	if (intid < 16 || intid >= VGIC_NR_IRQS || intid == INTID_MAINT || intid == INTID_VTIMER)
		return SDEI_INVALID_PARAMETERS;
	for (unsigned i = 0; i < n; i++) {
		if (slots[i].intid == intid)
			return base + i; /* bound already: the same event */
		if (!slots[i].intid && free == n)
			free = i;
	}
	if (free == n)
		return SDEI_OUT_OF_RESOURCE;
	if (!vgic_sdei_bind(&v->vm->vgic, v->id, (unsigned)intid,
			    (uint8_t)((1u << v->vm->nr_vcpus) - 1), &gic_prio))
		return SDEI_INVALID_PARAMETERS;
	slots[free].intid = (uint16_t)intid;
	slots[free].prio = gic_prio < SDEI_CRITICAL_BELOW ? SDEI_PRIO_CRITICAL : SDEI_PRIO_NORMAL;
	if (!ppi) {
		s->shared[free].mode = SDEI_RM_ANY;
		s->shared[free].pending = false;
	}
	trace_sdei_state(v, base + free, TRACE_SDEI_OP_BIND, 0, 0, (uint32_t)intid);
	return base + free;
}

/* Lock held. Gives a bound slot's interrupt back to the list registers. */
static void release_slot(struct vm *vm, struct sdei_binding *b)
{
	vgic_sdei_unbind(&vm->vgic, b->intid);
	b->intid = 0;
	b->prio = 0;
}

static int64_t interrupt_release(struct vcpu *v, const struct ev *e)
{
	struct sdei_vm *s = &v->vm->sdei;

	if (!e->intid)
		return SDEI_INVALID_PARAMETERS;
	if (e->sh ? e->h->state != 0 : !priv_slot_idle(v->vm, e->idx - 1))
		return SDEI_DENIED;
	release_slot(v->vm, e->sh ? &s->shared_bind[e->idx] : &s->priv_bind[e->idx - 1]);
	trace_sdei_state(v, e->num, TRACE_SDEI_OP_RELEASE, 0, 0, e->intid);
	return SDEI_SUCCESS;
}

static int64_t event_signal(struct vcpu *v, uint64_t num, uint64_t target_pe, uint32_t *kick)
{
	struct vcpu *t;

	if (num != 0)
		return SDEI_INVALID_PARAMETERS;
	t = vm_vcpu_by_mpidr(v->vm, target_pe);
	if (!t)
		return SDEI_INVALID_PARAMETERS;
	/* Kept while event 0 is registered on the target (dispatched once it
	 * is enabled and the target unmasked); dropped otherwise. */
	if (t->sdei.priv[0].state & SDEI_ST_REGISTERED) {
		t->sdei.pending |= 1u;
		t->sdei.pending_cause &= ~1u;
		*kick |= 1u << t->id;
	}
	return SDEI_SUCCESS;
}

static int64_t private_reset(struct vcpu *v)
{
	for (unsigned i = 0; i < SDEI_NR_PRIV_EVENTS; i++)
		if (v->sdei.priv[i].state & SDEI_ST_RUNNING)
			return SDEI_DENIED;
	private_reset_locked(v);
	return SDEI_SUCCESS;
}

static int64_t shared_reset(struct vcpu *v)
{
	struct sdei_vm *s = &v->vm->sdei;

	for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++)
		if (s->shared[i].h.state & SDEI_ST_RUNNING)
			return SDEI_DENIED;
	for (unsigned i = 0; i < SDEI_NR_SHARED_SLOTS; i++) {
		set_state(s, &s->shared[i].h, 0);
		s->shared[i].pending = false;
		if (s->shared_bind[i].intid)
			release_slot(v->vm, &s->shared_bind[i]);
	}
	/* Private bindings go too where no vCPU has the event registered. */
	for (unsigned i = 0; i < SDEI_NR_PRIV_SLOTS; i++)
		if (s->priv_bind[i].intid && priv_slot_idle(v->vm, i))
			release_slot(v->vm, &s->priv_bind[i]);
	return SDEI_SUCCESS;
}

/* COMPLETE and COMPLETE_AND_RESUME. Returns to the caller only on refusal. */
static int64_t complete(struct vcpu *v, bool resume, uint64_t resume_pc)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct sdei_ctx *ctx = running_ctx(v);
	struct ev e;

	if (!ctx)
		return SDEI_DENIED;
	if (lookup(v, ctx->event, &e)) {
		step(s, e.h, ACT_COMPLETE);
		if (e.sh)
			e.sh->running_on = SDEI_NO_VCPU;
	}
	memcpy(v->regs.x, ctx->x, sizeof(ctx->x));
	if (resume) {
		/* As if an IRQ had been taken at the interrupted context. */
		vcpu_el1_write(v, ELR_EL1, ctx->pc);
		vcpu_el1_write(v, SPSR_EL1, ctx->pstate);
		v->regs.pc = resume_pc;
		v->regs.pstate = handler_pstate(v, ctx->pstate);
	} else {
		v->regs.pc = ctx->pc;
		v->regs.pstate = ctx->pstate;
	}
	ctx->active = false;
	trace_sdei_complete(v, ctx->event,
			    resume ? TRACE_SDEI_COMPLETE_RESUME : TRACE_SDEI_COMPLETE_RESTORE,
			    v->regs.pc, arch_counter() - ctx->t_start);
	return SDEI_SUCCESS;
}

/* Calls naming an event: the event must exist. */
static int64_t event_call(struct vcpu *v, uint32_t fid, const uint64_t *a)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct ev e;

	uint8_t old;
	int64_t ret;
	unsigned op;

	if (a[1] > 0xffffffffull || !lookup(v, a[1], &e))
		return SDEI_INVALID_PARAMETERS;
	old = e.h->state;
	switch (fid) {
	case SDEI_EVENT_REGISTER:
		ret = ev_register(v, &e, a[2], a[3], a[4], a[5]);
		op = TRACE_SDEI_OP_REGISTER;
		break;
	case SDEI_EVENT_ENABLE:
		ret = step(s, e.h, ACT_ENABLE) ? SDEI_SUCCESS : SDEI_DENIED;
		op = TRACE_SDEI_OP_ENABLE;
		break;
	case SDEI_EVENT_DISABLE:
		ret = step(s, e.h, ACT_DISABLE) ? SDEI_SUCCESS : SDEI_DENIED;
		op = TRACE_SDEI_OP_DISABLE;
		break;
	case SDEI_EVENT_UNREGISTER:
		ret = ev_unregister(v, &e);
		op = ret == SDEI_PENDING ? TRACE_SDEI_OP_UNREG_PENDING : TRACE_SDEI_OP_UNREGISTER;
		break;
	case SDEI_EVENT_STATUS:
		return e.h->state & (SDEI_ST_REGISTERED | SDEI_ST_ENABLED | SDEI_ST_RUNNING);
	case SDEI_EVENT_GET_INFO:
		return ev_get_info(&e, a[2]);
	case SDEI_EVENT_ROUTING_SET:
		return ev_routing_set(v, &e, a[2], a[3]);
	case SDEI_INTERRUPT_RELEASE:
		return interrupt_release(v, &e);
	default:
		return SDEI_NOT_SUPPORTED;
	}
	if (e.h->state != old)
		trace_sdei_state(v, e.num, op, old, e.h->state, 0);
	return ret;
}

void sdei_call(struct vcpu *v, uint32_t fid)
{
	struct sdei_vm *s = &v->vm->sdei;
	uint64_t a[6];
	uint32_t kick = 0;
	int64_t ret;

	for (unsigned i = 0; i < 6; i++)
		a[i] = v->regs.x[i];
	if (s->off) {
		set_ret(v, SDEI_NOT_SUPPORTED);
		trace_sdei_call(v, fid - SDEI_FN_FIRST, &a[1], SDEI_NOT_SUPPORTED);
		return;
	}
	spin_lock(&s->lock);
	switch (fid) {
	case SDEI_VERSION:
		ret = (int64_t)SDEI_VERSION_VALUE;
		break;
	case SDEI_EVENT_CONTEXT: {
		struct sdei_ctx *ctx = running_ctx(v);

		if (!ctx)
			ret = SDEI_DENIED;
		else if (a[1] >= 18)
			ret = SDEI_INVALID_PARAMETERS;
		else
			ret = (int64_t)ctx->x[a[1]];
		break;
	}
	case SDEI_EVENT_COMPLETE:
	case SDEI_EVENT_COMPLETE_AND_RESUME:
		ret = complete(v, fid == SDEI_EVENT_COMPLETE_AND_RESUME, a[1]);
		if (ret == SDEI_SUCCESS) {
			spin_unlock(&s->lock);
			trace_sdei_call(v, fid - SDEI_FN_FIRST, &a[1], SDEI_SUCCESS);
			return; /* the restored context's x0 stays */
		}
		break;
	case SDEI_PE_MASK:
	case SDEI_PE_UNMASK: {
		bool mask = fid == SDEI_PE_MASK;

		if (v->sdei.masked != mask)
			trace_sdei_state(v, TRACE_SDEI_NO_EVENT,
					 mask ? TRACE_SDEI_OP_MASK : TRACE_SDEI_OP_UNMASK, 0, 0, 0);
		v->sdei.masked = mask;
		ret = SDEI_SUCCESS;
		break;
	}
	case SDEI_INTERRUPT_BIND:
		ret = interrupt_bind(v, a[1]);
		break;
	case SDEI_EVENT_SIGNAL:
		ret = event_signal(v, a[1], a[2], &kick);
		break;
	case SDEI_FEATURES:
		/* Feature 0, BIND_SLOTS: private slots in [31:16], shared in [15:0]. */
		ret = a[1] == 0 ? (int64_t)(SDEI_NR_PRIV_SLOTS << 16 | SDEI_NR_SHARED_SLOTS)
				: SDEI_INVALID_PARAMETERS;
		break;
	case SDEI_PRIVATE_RESET:
		ret = private_reset(v);
		if (ret == SDEI_SUCCESS)
			trace_sdei_state(v, TRACE_SDEI_NO_EVENT, TRACE_SDEI_OP_PRIVATE_RESET, 0, 0, 0);
		break;
	case SDEI_SHARED_RESET:
		ret = shared_reset(v);
		if (ret == SDEI_SUCCESS)
			trace_sdei_state(v, TRACE_SDEI_NO_EVENT, TRACE_SDEI_OP_SHARED_RESET, 0, 0, 0);
		break;
	default:
		ret = event_call(v, fid, a);
		break;
	}
	spin_unlock(&s->lock);
	set_ret(v, ret);
	trace_sdei_call(v, fid - SDEI_FN_FIRST, &a[1], ret);
	if (kick)
		vgic_kick(&v->vm->vgic, kick);
}

int sdei_host_signal(struct vm *vm, unsigned vcpu, uint32_t num)
{
	struct sdei_vm *s = &vm->sdei;
	uint32_t kick = 0;
	struct vcpu *v;
	struct ev e;
	int ret = SDEI_SUCCESS;

	if (vcpu >= vm->nr_vcpus)
		return SDEI_INVALID_PARAMETERS;
	v = &vm->vcpus[vcpu];
	spin_lock(&s->lock);
	if (s->off) {
		ret = SDEI_NOT_SUPPORTED;
	} else if (!lookup(v, num, &e)) {
		ret = SDEI_INVALID_PARAMETERS;
	} else if (!(e.h->state & SDEI_ST_REGISTERED)) {
		ret = SDEI_DENIED;
	} else if (e.sh) {
		e.sh->pending = true;
		kick = shared_kick_mask(vm, e.sh);
	} else {
		v->sdei.pending |= 1u << e.idx;
		v->sdei.pending_cause |= 1u << e.idx;
		kick = 1u << vcpu;
	}
	spin_unlock(&s->lock);
	if (kick)
		vgic_kick(&vm->vgic, kick);
	return ret;
}

unsigned sdei_status(struct vcpu *v, uint32_t num)
{
	struct sdei_vm *s = &v->vm->sdei;
	struct ev e;
	unsigned st = 0;

	spin_lock(&s->lock);
	if (lookup(v, num, &e))
		st = e.h->state;
	spin_unlock(&s->lock);
	return st;
}
