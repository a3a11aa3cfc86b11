/*
 * The live view's model: scopes of tracer/lib/stats.c aggregations, interval
 * rates and history, vCPU state, list register snapshots and the event log.
 * See tui/model.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/host/trace_types.h"
#include "tui/model.h"

/* ---------------------------------------------------------------- scopes */

static int scope_init(struct top_scope *sc, uint64_t cntfrq)
{
	struct hs_stats_opts o = { .groups = 0, .cntfrq = cntfrq };

	memset(sc, 0, sizeof(*sc));
	sc->st = hs_stats_new(&o);
	sc->hist = calloc(TOP_HISTORY, sizeof(*sc->hist));
	if (!sc->st || !sc->hist) {
		hs_stats_destroy(sc->st);
		free(sc->hist);
		memset(sc, 0, sizeof(*sc));
		return -ENOMEM;
	}
	return 0;
}

static void scope_release(struct top_scope *sc)
{
	if (!sc)
		return;
	hs_stats_destroy(sc->st);
	free(sc->hist);
	memset(sc, 0, sizeof(*sc));
}

static struct top_scope *scope_new(struct top_model *m)
{
	struct top_scope *sc = malloc(sizeof(*sc));

	if (!sc || scope_init(sc, m->mach.cntfrq)) {
		free(sc);
		m->nomem++;
		return NULL;
	}
	return sc;
}

/* Every scope that exists, the whole machine first. */
#define for_each_scope(m, sc, i)                                                              \
	for (i = 0; i <= TOP_MAX_VMS * (TOP_MAX_VCPUS + 1); i++)                              \
		if ((sc = scope_at(m, i)))

static struct top_scope *scope_at(struct top_model *m, unsigned i)
{
	if (i == 0)
		return &m->all;
	i--;
	if (i < TOP_MAX_VMS)
		return m->vm_scope[i];
	i -= TOP_MAX_VMS;
	return m->vcpu_scope[i / TOP_MAX_VCPUS][i % TOP_MAX_VCPUS];
}

/*
 * Feed a scope that sees only some of a CPU's records. tracer/lib/stats.c reads
 * a jump in a CPU's sequence numbers as a loss and forgets the exits waiting
 * for their entry; records of other VMs are no loss, so the scope is told to
 * expect this record's number (no copy of the record). A real gap (the whole
 * machine's scope saw one) is passed on as it is.
 */
static void feed_part(struct top_scope *sc, const struct trace_hdr *h, uint32_t size, bool gap)
{
	if (!gap && h->cpu < HS_MAX_CPUS)
		sc->st->next_seq[h->cpu] = h->seq;
	hs_stats_feed(sc->st, h, size);
}

/* ------------------------------------------------------------------ model */

struct top_model *top_model_new(void)
{
	struct top_model *m = calloc(1, sizeof(*m));
	unsigned i;

	if (!m)
		return NULL;
	m->mach.cntfrq = 62500000;
	m->sel_vm = TOP_NO_SEL;
	m->sel_vcpu = TOP_NO_SEL;
	m->sort = TOP_COL_COUNT;
	for (i = 0; i < TOP_MAX_VMS; i++)
		m->vms[i].state = -1;
	m->log = calloc(TOP_LOG_SLOTS, sizeof(*m->log));
	m->log_size = calloc(TOP_LOG_SLOTS, sizeof(*m->log_size));
	if (!m->log || !m->log_size || scope_init(&m->all, m->mach.cntfrq)) {
		free(m->log);
		free(m->log_size);
		free(m);
		return NULL;
	}
	return m;
}

void top_model_destroy(struct top_model *m)
{
	unsigned i, j;

	if (!m)
		return;
	scope_release(&m->all);
	for (i = 0; i < TOP_MAX_VMS; i++) {
		scope_release(m->vm_scope[i]);
		free(m->vm_scope[i]);
		for (j = 0; j < TOP_MAX_VCPUS; j++) {
			scope_release(m->vcpu_scope[i][j]);
			free(m->vcpu_scope[i][j]);
		}
	}
	if (m->have_filter)
		regfree(&m->filter);
	free(m->log);
	free(m->log_size);
	free(m);
}

void top_model_set_cntfrq(struct top_model *m, uint64_t cntfrq)
{
	struct top_scope *sc;
	unsigned i;

	if (!cntfrq || cntfrq == m->mach.cntfrq)
		return;
	m->mach.cntfrq = cntfrq;
	for_each_scope(m, sc, i)
		hs_stats_set_cntfrq(sc->st, cntfrq);
}

static void log_put(struct top_model *m, const struct trace_hdr *h, uint32_t size)
{
	uint64_t slot = m->log_total % TOP_LOG_SLOTS;
	uint32_t keep = size < TOP_LOG_SLOT ? size : TOP_LOG_SLOT;

	memcpy(m->log[slot], h, keep);
	m->log_size[slot] = (uint16_t)keep;
	m->log_total++;
}

static struct top_vcpu *vcpu_of(struct top_model *m, const struct trace_hdr *h)
{
	struct top_vm *vm;
	struct top_vcpu *v;

	if (h->vm >= TOP_MAX_VMS || h->vcpu >= TOP_MAX_VCPUS)
		return NULL;
	vm = &m->vms[h->vm];
	v = &vm->vcpus[h->vcpu];
	if (!v->seen) {
		v->seen = true;
		v->state = TOP_VCPU_UNKNOWN;
		v->pcpu = -1;
	}
	vm->seen = true;
	if (h->vcpu >= vm->nr_vcpus)
		vm->nr_vcpus = h->vcpu + 1u;
	return v;
}

/* Guest and hypervisor time of a vCPU from its exits, entries and switches. */
enum { PHASE_OUT, PHASE_GUEST, PHASE_HYP };

static void vcpu_phase(struct top_vcpu *v, uint64_t ts, int phase)
{
	if (v->last_ts && ts >= v->last_ts) {
		if (v->in_guest)
			v->guest_ticks += ts - v->last_ts;
		else
			v->hyp_ticks += ts - v->last_ts;
	}
	v->in_guest = phase == PHASE_GUEST;
	/* UINT64_MAX: switched out, the time until the next switch-in counts nowhere */
	v->last_ts = phase == PHASE_OUT ? UINT64_MAX : ts;
}

static void track_vcpu(struct top_model *m, const struct trace_hdr *h)
{
	const struct trace_sched *s = (const void *)h;
	struct top_vcpu *v = vcpu_of(m, h);

	if (!v)
		return;
	if (h->vmid != TRACE_NO_VMID && !v->have_status) {
		v->vmid = h->vmid;
		v->vmid_gen = h->vmid_gen;
		m->vms[h->vm].vmid = h->vmid;
		m->vms[h->vm].vmid_gen = h->vmid_gen;
	}
	switch (h->type) {
	case TRACE_EXIT:
		vcpu_phase(v, h->ts, PHASE_HYP);
		v->exits++;
		v->state = TOP_VCPU_RUNNING;
		v->pcpu = h->cpu;
		break;
	case TRACE_ENTRY:
		vcpu_phase(v, h->ts, PHASE_GUEST);
		v->state = TOP_VCPU_RUNNING;
		v->pcpu = h->cpu;
		break;
	case TRACE_SCHED_IN:
		v->in_guest = false;
		v->last_ts = h->ts;
		v->state = TOP_VCPU_RUNNING;
		v->pcpu = h->cpu;
		break;
	case TRACE_SCHED_OUT:
		vcpu_phase(v, h->ts, PHASE_OUT);
		if (s->reason == TRACE_SCHED_WFI)
			v->state = TOP_VCPU_WFI;
		else if (s->reason == TRACE_SCHED_CPU_OFF || s->reason == TRACE_SCHED_VM_END)
			v->state = TOP_VCPU_OFF;
		else
			v->state = TOP_VCPU_RUNNING;
		break;
	case TRACE_WFI_BLOCK:
		vcpu_phase(v, h->ts, PHASE_HYP);
		v->state = TOP_VCPU_WFI;
		break;
	case TRACE_WFI_WAKE:
		v->state = TOP_VCPU_RUNNING;
		break;
	case TRACE_SDEI_CALL:
		v->sdei_calls++;
		break;
	case TRACE_SDEI_DISPATCH:
		v->sdei_dispatches++;
		break;
	case TRACE_ITS_CMD:
		v->its_cmds++;
		break;
	case TRACE_NV_EXIT:
		v->l2_exits++;
		v->l2_reflected += ((const struct trace_nv_exit *)h)->decision == TRACE_NV_REFLECTED;
		break;
	case TRACE_ITS_LPI: {
		const struct trace_its *r = (const void *)h;

		/* Counted on the vCPU it was delivered to (the record is the sender's). */
		if (!r->result && r->target_vcpu < TOP_MAX_VCPUS &&
		    m->vms[h->vm].vcpus[r->target_vcpu].seen)
			m->vms[h->vm].vcpus[r->target_vcpu].lpis++;
		break;
	}
	case TRACE_VGIC_LRS:
		memcpy(&v->lrs, h, sizeof(v->lrs));
		if (v->lrs.nr_lrs > TRACE_MAX_LRS)
			v->lrs.nr_lrs = TRACE_MAX_LRS;
		v->have_lrs = true;
		m->lrs_snapshots++;
		break;
	default:
		break;
	}
}

static void track_vm(struct top_model *m, const struct trace_hdr *h)
{
	const struct trace_vm *r = (const void *)h;
	struct top_vm *vm;
	unsigned j;

	if (h->vm >= TOP_MAX_VMS)
		return;
	vm = &m->vms[h->vm];
	vm->seen = true;
	if (h->vmid != TRACE_NO_VMID) {
		vm->vmid = h->vmid;
		vm->vmid_gen = h->vmid_gen;
	}
	switch (h->type) {
	case TRACE_VM_CREATE:
		memcpy(vm->name, r->name, sizeof(vm->name));
		vm->name[sizeof(vm->name) - 1] = '\0';
		vm->nr_vcpus = r->nr_vcpus < TOP_MAX_VCPUS ? r->nr_vcpus : TOP_MAX_VCPUS;
		vm->state = HYPSTAT_VM_RUNNING;
		for (j = 0; j < vm->nr_vcpus; j++) {
			if (vm->vcpus[j].seen && vm->vcpus[j].state != TOP_VCPU_UNKNOWN)
				continue;
			vm->vcpus[j].seen = true;
			vm->vcpus[j].state = TOP_VCPU_OFF;
			vm->vcpus[j].pcpu = -1;
		}
		break;
	case TRACE_VM_DESTROY:
		vm->state = (int)r->state;
		vm->exit_status = r->exit_status;
		for (j = 0; j < TOP_MAX_VCPUS; j++) {
			if (vm->vcpus[j].seen)
				vm->vcpus[j].state = TOP_VCPU_OFF;
			vm->vcpus[j].in_guest = false;
			vm->vcpus[j].last_ts = 0;
		}
		break;
	default:
		break;
	}
}

/* What the records say about VMIDs, unless the status block says it better. */
static void track_vmids(struct top_model *m, const struct trace_hdr *h)
{
	struct top_machine *mc = &m->mach;

	if (mc->have_status)
		return;
	if (h->type == TRACE_VMID_ROLLOVER) {
		const struct trace_vmid_rollover *r = (const void *)h;

		mc->vmid_rollovers++;
		mc->vmid_bits = r->vmid_bits;
		if (r->new_gen > mc->vmid_generation)
			mc->vmid_generation = r->new_gen;
	} else if (h->type == TRACE_VMID_ALLOC) {
		mc->vmid_bits = ((const struct trace_vmid_alloc *)h)->vmid_bits;
	}
	if (h->vmid != TRACE_NO_VMID && h->vmid_gen > mc->vmid_generation)
		mc->vmid_generation = h->vmid_gen;
	if (h->cpu < HS_MAX_CPUS && h->cpu + 1u > mc->nr_cpus)
		mc->nr_cpus = h->cpu + 1u;
}

void top_model_feed(struct top_model *m, const struct trace_hdr *h, uint32_t size)
{
	uint32_t min = trace_min_size(h->type);
	uint64_t gaps = m->all.st->gaps;
	struct top_scope **vsc, **csc;
	bool gap;

	if (size < sizeof(*h) || (min && size < min))
		return;
	if (!m->have_ts) {
		m->first_ts = h->ts;
		m->last_ts = h->ts;
		m->have_ts = true;
	} else if (h->ts > m->last_ts) {
		m->last_ts = h->ts;
	}
	log_put(m, h, size);
	hs_stats_feed(m->all.st, h, size);
	gap = m->all.st->gaps != gaps;

	if (h->vm < TOP_MAX_VMS) {
		vsc = &m->vm_scope[h->vm];
		if (!*vsc)
			*vsc = scope_new(m);
		if (*vsc)
			feed_part(*vsc, h, size, gap);
		if (h->vcpu < TOP_MAX_VCPUS) {
			csc = &m->vcpu_scope[h->vm][h->vcpu];
			if (!*csc)
				*csc = scope_new(m);
			if (*csc)
				feed_part(*csc, h, size, gap);
		}
	}
	if (h->type == TRACE_VM_CREATE || h->type == TRACE_VM_DESTROY)
		track_vm(m, h);
	else
		track_vcpu(m, h);
	track_vmids(m, h);
}

void top_model_add_lost(struct top_model *m, unsigned cpu, uint64_t n)
{
	if (n)
		hs_stats_add_lost(m->all.st, cpu, n);
}

void top_model_set_status(struct top_model *m, const struct hypstat *st, const struct hypcfg *cfg)
{
	struct top_machine *mc = &m->mach;
	const struct hypstat_vcpu *sv;
	struct top_vcpu *v;
	struct top_vm *vm;
	unsigned i, j, c;
	uint64_t exits;

	mc->have_status = true;
	mc->hyp_state = st->state;
	mc->nr_cpus = st->nr_cpus;
	mc->boot_cntpct = st->boot_cntpct;
	mc->vmid_bits = st->vmid_bits;
	mc->vmid_generation = st->vmid_generation;
	mc->vmid_rollovers = st->vmid_rollovers;
	mc->ended = st->state >= HYPSTAT_DONE;
	if (st->state == HYPSTAT_PANIC || st->state == HYPSTAT_BADCFG)
		snprintf(mc->message, sizeof(mc->message), "%s: %.200s",
			 st->state == HYPSTAT_PANIC ? "hypervisor panic" : "configuration refused",
			 st->message);
	top_model_set_cntfrq(m, st->cntfrq);

	for (i = 0; i < TOP_MAX_VMS; i++) {
		vm = &m->vms[i];
		if (cfg && i < cfg->nr_vms && !vm->name[0]) {
			memcpy(vm->name, cfg->vms[i].name, sizeof(vm->name));
			vm->name[sizeof(vm->name) - 1] = '\0';
		}
		if (st->vms[i].state == HYPSTAT_VM_EMPTY && !(cfg && i < cfg->nr_vms))
			continue;
		vm->seen = true;
		vm->state = (int)st->vms[i].state;
		vm->exit_status = st->vms[i].exit_status;
		vm->vmid = (uint16_t)st->vms[i].vmid;
		vm->vmid_gen = st->vms[i].vmid_generation;
		vm->nr_vcpus = st->vms[i].nr_vcpus;
		if (!vm->nr_vcpus && cfg && i < cfg->nr_vms)
			vm->nr_vcpus = cfg->vms[i].nr_vcpus;
		if (vm->nr_vcpus > TOP_MAX_VCPUS)
			vm->nr_vcpus = TOP_MAX_VCPUS;
		for (j = 0; j < vm->nr_vcpus; j++) {
			sv = &st->vms[i].vcpus[j];
			v = &vm->vcpus[j];
			v->seen = true;
			v->state = vm->state == HYPSTAT_VM_RUNNING ? (int)sv->state : TOP_VCPU_OFF;
			v->pcpu = (int)sv->pcpu;
			v->vmid = vm->vmid;
			v->vmid_gen = vm->vmid_gen;
			for (c = 0, exits = 0; c < HYP_EXIT_CLASSES; c++)
				exits += sv->exits[c];
			v->st_guest_ticks = sv->guest_ticks;
			v->st_hyp_ticks = sv->hyp_ticks;
			v->st_exits = exits;
			v->have_status = true;
		}
	}
}

static void vcpu_tick(struct top_vcpu *v, double dt_ticks, double dt)
{
	uint64_t g = v->have_status ? v->st_guest_ticks : v->guest_ticks;
	uint64_t hy = v->have_status ? v->st_hyp_ticks : v->hyp_ticks;
	uint64_t e = v->have_status ? v->st_exits : v->exits;

	/* first seen during this interval: everything it counted belongs to it */
	if (!v->have_prev && dt > 0) {
		v->prev_guest = v->prev_hyp = v->prev_exits = v->prev_l2 = 0;
		v->have_prev = true;
	}
	if (v->have_prev && dt > 0) {
		v->exit_rate = e >= v->prev_exits ? (double)(e - v->prev_exits) / dt : 0;
		v->l2_rate = v->l2_exits >= v->prev_l2 ? (double)(v->l2_exits - v->prev_l2) / dt : 0;
		v->guest_share = g >= v->prev_guest ? (double)(g - v->prev_guest) / dt_ticks : 0;
		v->hyp_share = hy >= v->prev_hyp ? (double)(hy - v->prev_hyp) / dt_ticks : 0;
		if (v->guest_share > 1)
			v->guest_share = 1;
		if (v->hyp_share > 1)
			v->hyp_share = 1;
	}
	v->prev_guest = g;
	v->prev_hyp = hy;
	v->prev_l2 = v->l2_exits;
	v->prev_exits = e;
	v->have_prev = true;
}

static void scope_tick(struct top_scope *sc, double now, double dt, bool first)
{
	const struct hs_stats *st = sc->st;
	struct top_sample *s = NULL;
	uint64_t n, d;
	unsigned c;

	if (!first) {
		s = &sc->hist[sc->hist_head];
		s->t = now;
		s->dt = dt;
		sc->hist_head = (sc->hist_head + 1) % TOP_HISTORY;
		if (sc->hist_len < TOP_HISTORY)
			sc->hist_len++;
	}
	for (c = 0; c < HS_CLASS_ROWS; c++) {
		n = st->classes[c].count;
		d = n >= sc->prev[c] ? n - sc->prev[c] : n;
		sc->prev[c] = n;
		if (!s)
			continue;
		sc->rate[c] = (double)d / dt;
		s->n[c] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	n = st->total.count;
	d = n >= sc->prev_exits ? n - sc->prev_exits : n;
	if (s)
		sc->exit_rate = (double)d / dt;
	sc->prev_exits = n;
	n = st->records;
	d = n >= sc->prev_records ? n - sc->prev_records : n;
	if (s)
		sc->record_rate = (double)d / dt;
	sc->prev_records = n;
}

void top_model_tick(struct top_model *m, double now)
{
	struct top_scope *sc;
	double dt = now - m->last_tick;
	bool first = !m->ticked;
	unsigned i, j;

	if (!first && !(dt > 0))
		return;
	for_each_scope(m, sc, i)
		scope_tick(sc, now, dt, first);
	for (i = 0; i < TOP_MAX_VMS; i++)
		for (j = 0; j < TOP_MAX_VCPUS; j++)
			if (m->vms[i].vcpus[j].seen)
				vcpu_tick(&m->vms[i].vcpus[j], dt * (double)m->mach.cntfrq,
					  first ? 0 : dt);
	m->last_tick = now;
	m->ticked = true;
	if (!first)
		m->ticks++;
}

void top_model_reset(struct top_model *m)
{
	struct top_scope *sc;
	struct top_vcpu *v;
	unsigned i, j;

	for_each_scope(m, sc, i) {
		hs_stats_reset(sc->st);
		memset(sc->prev, 0, sizeof(sc->prev));
		memset(sc->rate, 0, sizeof(sc->rate));
		sc->prev_exits = sc->prev_records = 0;
		sc->exit_rate = sc->record_rate = 0;
		sc->hist_head = sc->hist_len = 0;
	}
	for (i = 0; i < TOP_MAX_VMS; i++) {
		for (j = 0; j < TOP_MAX_VCPUS; j++) {
			v = &m->vms[i].vcpus[j];
			v->guest_ticks = v->hyp_ticks = v->exits = 0;
			v->l2_exits = v->l2_reflected = 0;
			v->prev_guest = v->prev_hyp = v->prev_exits = v->prev_l2 = 0;
			v->have_prev = false;
			v->exit_rate = v->guest_share = v->hyp_share = v->l2_rate = 0;
		}
	}
	if (!m->mach.have_status)
		m->mach.vmid_rollovers = 0;
}

/* ------------------------------------------------------------- selection */

const struct top_scope *top_model_scope(const struct top_model *m)
{
	const struct top_scope *sc = NULL;

	if (m->sel_vm >= 0 && m->sel_vcpu >= 0)
		sc = m->vcpu_scope[m->sel_vm][m->sel_vcpu];
	else if (m->sel_vm >= 0)
		sc = m->vm_scope[m->sel_vm];
	/* only when the selection's scope could not be allocated */
	return sc ? sc : &m->all;
}

void top_model_select(struct top_model *m, int vm, int vcpu)
{
	struct top_scope **sc;

	if (vm < 0 || vm >= (int)TOP_MAX_VMS) {
		m->sel_vm = TOP_NO_SEL;
		m->sel_vcpu = TOP_NO_SEL;
		return;
	}
	m->sel_vm = vm;
	m->sel_vcpu = vcpu >= 0 && vcpu < (int)TOP_MAX_VCPUS ? vcpu : TOP_NO_SEL;
	/* a selection with nothing counted yet shows an empty table, not everything */
	sc = m->sel_vcpu >= 0 ? &m->vcpu_scope[vm][m->sel_vcpu] : &m->vm_scope[vm];
	if (!*sc)
		*sc = scope_new(m);
}

void top_model_next_vm(struct top_model *m)
{
	int i;

	for (i = m->sel_vm + 1; i < (int)TOP_MAX_VMS; i++) {
		if (m->vms[i].seen) {
			top_model_select(m, i, TOP_NO_SEL);
			return;
		}
	}
	top_model_select(m, TOP_NO_SEL, TOP_NO_SEL);
}

void top_model_next_vcpu(struct top_model *m)
{
	int vm, vcpu, last_vm;

	/* from all VMs: every vCPU, then all; from a VM: its vCPUs, then the VM */
	if (m->sel_vm < 0)
		m->vcpu_cycle_all = true;
	else if (m->sel_vcpu < 0)
		m->vcpu_cycle_all = false;
	vm = m->sel_vm < 0 ? 0 : m->sel_vm;
	vcpu = m->sel_vcpu + 1;
	last_vm = m->vcpu_cycle_all ? (int)TOP_MAX_VMS - 1 : m->sel_vm;
	for (; vm <= last_vm; vm++, vcpu = 0) {
		for (; vcpu < (int)TOP_MAX_VCPUS; vcpu++) {
			if (m->vms[vm].vcpus[vcpu].seen) {
				top_model_select(m, vm, vcpu);
				return;
			}
		}
	}
	if (m->vcpu_cycle_all)
		top_model_select(m, TOP_NO_SEL, TOP_NO_SEL);
	else
		top_model_select(m, m->sel_vm, TOP_NO_SEL);
}

bool top_model_selected(const struct top_model *m, const struct trace_hdr *h)
{
	if (m->sel_vm < 0)
		return true;
	if (h->vm != m->sel_vm)
		return false;
	return m->sel_vcpu < 0 || h->vcpu == m->sel_vcpu;
}

/* ---------------------------------------------------------------- filter */

int top_model_set_filter(struct top_model *m, const char *re, char *err, size_t errlen)
{
	regex_t r;
	int ret;

	if (!re || !*re) {
		if (m->have_filter)
			regfree(&m->filter);
		m->have_filter = false;
		m->filter_text[0] = '\0';
		return 0;
	}
	if (strlen(re) >= sizeof(m->filter_text)) {
		snprintf(err, errlen, "the regex is longer than %zu characters",
			 sizeof(m->filter_text) - 1);
		return -EINVAL;
	}
	ret = regcomp(&r, re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (ret) {
		regerror(ret, &r, err, errlen);
		return -EINVAL;
	}
	if (m->have_filter)
		regfree(&m->filter);
	m->filter = r;
	m->have_filter = true;
	snprintf(m->filter_text, sizeof(m->filter_text), "%s", re);
	return 0;
}

static const char *class_name(uint32_t cls)
{
	return cls < HYP_EXIT_CLASSES ? exit_class_name(cls) : "OTHER";
}

bool top_model_class_visible(const struct top_model *m, uint32_t cls)
{
	return !m->have_filter || !regexec(&m->filter, class_name(cls), 0, NULL, 0);
}

/* ---------------------------------------------------------------- rows */

static int cmp_f(double x, double y)
{
	return x > y ? -1 : x < y;
}

static int cmp_row(const void *a, const void *b, void *arg)
{
	const struct top_row *x = a, *y = b;
	const struct top_model *m = arg;
	int c = 0;

	switch (m->sort) {
	case TOP_COL_NAME:
		/* names read A to Z, numbers largest first */
		c = strcmp(class_name(x->cls), class_name(y->cls));
		break;
	case TOP_COL_COUNT:
	case TOP_COL_SHARE:
		c = cmp_f((double)x->count, (double)y->count);
		break;
	case TOP_COL_RATE:
		c = cmp_f(x->rate, y->rate);
		break;
	case TOP_COL_AVG:
		c = cmp_f(x->avg_ns, y->avg_ns);
		break;
	case TOP_COL_P50:
		c = cmp_f((double)x->p50_ns, (double)y->p50_ns);
		break;
	case TOP_COL_P99:
		c = cmp_f((double)x->p99_ns, (double)y->p99_ns);
		break;
	case TOP_COL_TIME:
	case TOP_NR_COLS:
		c = cmp_f((double)x->time_ns, (double)y->time_ns);
		break;
	}
	if (m->sort_reverse)
		c = -c;
	if (!c)
		c = x->cls < y->cls ? -1 : x->cls > y->cls;
	return c;
}

size_t top_model_rows(const struct top_model *m, struct top_row *rows, size_t max)
{
	const struct top_scope *sc = top_model_scope(m);
	const struct hs_stats *st = sc->st;
	const struct hs_row *r;
	uint64_t total = st->total.count;
	size_t n = 0;
	uint32_t c;

	for (c = 0; c < HS_CLASS_ROWS && n < max; c++) {
		r = &st->classes[c];
		if (!r->count || !top_model_class_visible(m, c))
			continue;
		rows[n] = (struct top_row){
			.cls = c,
			.row = r,
			.count = r->count,
			.rate = sc->rate[c],
			.share = total ? (double)r->count / (double)total : 0,
			.avg_ns = hs_hist_mean(&r->time),
			.p50_ns = hs_hist_quantile(&r->time, 0.50),
			.p99_ns = hs_hist_quantile(&r->time, 0.99),
			.time_ns = r->time.sum,
		};
		n++;
	}
	qsort_r(rows, n, sizeof(*rows), cmp_row, (void *)m);
	return n;
}

/* ----------------------------------------------------------------- names */

const char *top_vcpu_state_name(int state)
{
	switch (state) {
	case TOP_VCPU_OFF:
		return "off";
	case TOP_VCPU_RUNNING:
		return "running";
	case TOP_VCPU_WFI:
		return "wfi";
	default:
		return "?";
	}
}

const char *top_vm_state_name(const struct top_vm *vm, char *buf, size_t len)
{
	switch (vm->state) {
	case HYPSTAT_VM_EMPTY:
		snprintf(buf, len, "not created");
		break;
	case HYPSTAT_VM_RUNNING:
		snprintf(buf, len, "running");
		break;
	case HYPSTAT_VM_OFF:
		snprintf(buf, len, "off");
		break;
	case HYPSTAT_VM_RESET:
		snprintf(buf, len, "reset");
		break;
	case HYPSTAT_VM_EXITED:
		snprintf(buf, len, "exited %u", vm->exit_status);
		break;
	case HYPSTAT_VM_FAILED:
		snprintf(buf, len, "failed");
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}

void top_model_counts(const struct top_model *m, unsigned *vms, unsigned *vcpus)
{
	unsigned i, j;

	*vms = *vcpus = 0;
	for (i = 0; i < TOP_MAX_VMS; i++) {
		if (!m->vms[i].seen)
			continue;
		(*vms)++;
		for (j = 0; j < TOP_MAX_VCPUS; j++)
			*vcpus += m->vms[i].vcpus[j].seen;
	}
}

double top_model_uptime(const struct top_model *m)
{
	uint64_t base = m->mach.have_status && m->mach.boot_cntpct ? m->mach.boot_cntpct
								    : m->first_ts;

	if (!m->have_ts || m->last_ts < base || !m->mach.cntfrq)
		return 0;
	return (double)(m->last_ts - base) / (double)m->mach.cntfrq;
}

/* ------------------------------------------------------------- event log */

uint64_t top_log_first(const struct top_model *m)
{
	return m->log_total > TOP_LOG_SLOTS ? m->log_total - TOP_LOG_SLOTS : 0;
}

uint64_t top_log_end(const struct top_model *m)
{
	return m->log_total;
}

const struct trace_hdr *top_log_get(const struct top_model *m, uint64_t i, uint32_t *size)
{
	uint64_t slot;

	if (i < top_log_first(m) || i >= m->log_total)
		return NULL;
	slot = i % TOP_LOG_SLOTS;
	*size = m->log_size[slot];
	return (const struct trace_hdr *)m->log[slot];
}

/* ----------------------------------------------- histograms and sparklines */

/* Power-of-two range of a value: 0 for 0, k + 1 for 2^k <= v < 2^(k+1). */
static unsigned pow2_index(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

static uint64_t pow2_low(unsigned b)
{
	if (!b)
		return 0;
	if (b > 64)
		return UINT64_MAX;
	return 1ull << (b - 1);
}

unsigned top_hist_buckets(const struct hs_hist *h, unsigned max_rows, struct top_hbucket *out)
{
	uint64_t by_pow2[65] = { 0 }, buf[HS_HIST_SUB], c;
	unsigned g, s, b, first = 65, last = 0, span, f, n, i;

	if (!h->count || !max_rows)
		return 0;
	for (g = 0; g < HS_HIST_GROUPS; g++) {
		const uint64_t *blk = hs_hist_group(h, g, buf);

		if (!blk)
			continue;
		for (s = 0; s < HS_HIST_SUB; s++) {
			c = blk[s];
			if (!c)
				continue;
			/* a bucket never straddles a power of two: its low bound names its range */
			b = pow2_index(hs_hist_bucket_low(g, s));
			by_pow2[b] += c;
			if (b < first)
				first = b;
			if (b > last)
				last = b;
		}
	}
	if (first > last)
		return 0;
	span = last - first + 1;
	f = (span + max_rows - 1) / max_rows;
	n = (span + f - 1) / f;
	for (i = 0; i < n; i++) {
		out[i].lo = pow2_low(first + i * f);
		out[i].hi = pow2_low(first + (i + 1) * f);
		out[i].count = 0;
		for (b = first + i * f; b < first + (i + 1) * f && b <= 64; b++)
			out[i].count += by_pow2[b];
	}
	return n;
}

unsigned top_bar_len(uint64_t count, uint64_t max, unsigned width)
{
	uint64_t len;

	if (!count || !max || !width)
		return 0;
	if (count >= max)
		return width;
	len = (uint64_t)((unsigned __int128)count * width / max);
	return len ? (unsigned)len : 1;
}

void top_scope_spark(const struct top_scope *sc, uint32_t cls, double now, double window,
		     unsigned n, double *out)
{
	double start = now - window, w = window / n, lo, hi, a, b, ov, rate;
	double *cover = out;
	double sum[512];
	const struct top_sample *s;
	unsigned i, k;

	if (n > 512)
		n = 512;
	for (i = 0; i < n; i++) {
		cover[i] = 0;
		sum[i] = 0;
	}
	for (k = 0; k < sc->hist_len && cls < HS_CLASS_ROWS; k++) {
		s = &sc->hist[(sc->hist_head + TOP_HISTORY - 1 - k) % TOP_HISTORY];
		hi = s->t;
		lo = s->t - s->dt;
		if (hi <= start)
			break; /* older samples lie further back */
		if (!(s->dt > 0))
			continue;
		rate = s->n[cls] / s->dt;
		for (i = 0; i < n; i++) {
			a = start + i * w;
			b = a + w;
			ov = (hi < b ? hi : b) - (lo > a ? lo : a);
			if (ov <= 0)
				continue;
			cover[i] += ov;
			sum[i] += rate * ov;
		}
	}
	for (i = 0; i < n; i++)
		out[i] = cover[i] > 0 ? sum[i] / cover[i] : -1;
}

void top_spark_levels(const double *v, unsigned n, uint8_t *levels)
{
	double max = 0;
	unsigned i, l;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < n; i++) {
		if (!(v[i] > 0) || !(max > 0)) {
			levels[i] = 0;
			continue;
		}
		l = (unsigned)ceil(v[i] / max * 8.0 - 1e-9);
		levels[i] = (uint8_t)(l < 1 ? 1 : l > 8 ? 8 : l);
	}
}
