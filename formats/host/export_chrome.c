/*
 * Chrome trace-event JSON export, for the Perfetto UI (ui.perfetto.dev) and
 * chrome://tracing:
 *
 *   {"traceEvents":[...],"displayTimeUnit":"ns","otherData":{...}}
 *
 * Tracks. Every VM slot is a process, every vCPU a thread in it; the
 * physical CPUs are threads of one more process, "physical CPUs". Perfetto
 * gives pid 0 the meaning of the kernel's idle task, so nothing here uses 0:
 *
 *   VM slot N             pid N + 1            "vmN NAME[, NAME...]"
 *   vCPU V of VM slot N   tid (N + 1) * 65536 + V + 1
 *   VM lifecycle          tid (N + 1) * 65536  (process-scoped instants)
 *   physical CPUs         pid CHROME_CPU_PID
 *   physical CPU C        tid C + 1
 *
 * Events. ts and dur are microseconds since the first record of the trace,
 * with three decimals (nanoseconds).
 *
 *   exit        "X" slice on the vCPU, named by its exit class (HVC64,
 *               DABT_LOW...), from the EXIT record to the next ENTRY of the
 *               same vCPU; when no entry follows (trace ends, records lost),
 *               its length is the exit's cycle cost at cycle_hz
 *   sched       "X" slice "running vmN/vcpuV" on the physical CPU, from
 *               SCHED_IN to SCHED_OUT (a lone SCHED_OUT starts ticks before)
 *   sdei        "X" slice "sdei event N" per SDEI handler, from its dispatch
 *               to its completion (from the COMPLETE record, which carries
 *               the handler time), on a track of its own beside the vCPU's
 *               (tid + SDEI_TID_OFFSET: exits inside a handler do not nest)
 *   instants    "i": VMID rollovers (global), interrupt injections, MMIO,
 *               SMCCC calls, WFI block/wake, vGIC maintenance (vCPU), VM
 *               create/destroy and VMID allocation (VM process), log lines
 *   metadata    "M": process_name, thread_name, sort indices
 *
 * ENTRY records only end exit slices and list register snapshots
 * (TRACE_VGIC_LRS) are left out: CTF and CSV carry them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/host/export.h"
#include "formats/smccc.h"
#include "formats/host/trace_types.h"

#define CHROME_CPU_PID   100000u
#define VCPU_TID(vm, v)  (((uint64_t)(vm) + 1) * 65536u + (uint64_t)(v) + 1)
#define VM_PID(vm)       ((uint64_t)(vm) + 1)
#define VM_TID(vm)       (((uint64_t)(vm) + 1) * 65536u)
#define SDEI_TID_OFFSET  0x100u
#define VCPU_EMPTY       UINT64_MAX
#define NO_TS            UINT64_MAX
#define MAX_VM_NAMES     4u /* instances named in a VM slot's process name */

/* An exit waiting for the entry that ends it. */
struct pending_exit {
	bool     valid;
	uint32_t cpu;
	struct trace_exit e;
};

/* What is known about one vCPU: the hash table's value. */
struct vcpu_slot {
	uint64_t key; /* vm << 16 | vcpu; VCPU_EMPTY: a free slot */
	struct pending_exit exit;
};

struct vm_slot {
	bool     seen;
	unsigned nr_names;
	unsigned more;
	char     names[MAX_VM_NAMES][33];
};

struct cpu_run {
	bool     running;
	uint64_t since;
	uint64_t last_end; /* end of the last slice: the next may not start before */
	uint16_t vm, vcpu;
	bool     seen;
};

struct chrome {
	struct export_out out;
	const struct export_opts *o;
	uint64_t freq;
	uint64_t start;   /* ticks of the first record: time 0 */
	uint64_t last_ts; /* latest timestamp seen */
	bool     first_event;

	struct vcpu_slot *vcpus;
	size_t   cap_vcpus, nr_vcpus;

	struct vm_slot *vms; /* indexed by slot, 65536 entries */
	struct cpu_run *cpus;
	uint32_t nr_cpus;
};

/* -------------------------------------------------------------- JSON bits */

static void put_json_string(struct export_out *out, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	export_out_char(out, '"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			export_out_char(out, '\\');
			export_out_char(out, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes outside ASCII become U+0080..U+00FF: always valid JSON. */
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

			export_out_put(out, esc, sizeof(esc));
		} else {
			export_out_char(out, (char)c);
		}
	}
	export_out_char(out, '"');
}

static void put_time(struct chrome *x, uint64_t ticks)
{
	export_out_us(&x->out, export_ticks_to_ns(ticks > x->start ? ticks - x->start : 0, x->freq));
}

/*
 * {"name":NAME,"cat":CAT,"ph":PH,"ts":TS,"pid":PID,"tid":TID  -- args and "}"
 * follow. Metadata events go without "ts" (NO_TS), as Perfetto prefers.
 */
static void ev_begin(struct chrome *x, const char *name, size_t name_max, const char *cat,
		     const char *ph, uint64_t ts, uint64_t pid, uint64_t tid)
{
	struct export_out *out = &x->out;

	export_out_str(out, x->first_event ? "\n{\"name\":" : ",\n{\"name\":");
	x->first_event = false;
	put_json_string(out, name, name_max);
	export_out_str(out, ",\"cat\":\"");
	export_out_str(out, cat);
	export_out_str(out, "\",\"ph\":\"");
	export_out_str(out, ph);
	if (ts != NO_TS) {
		export_out_str(out, "\",\"ts\":");
		put_time(x, ts);
		export_out_str(out, ",\"pid\":");
	} else {
		export_out_str(out, "\",\"pid\":");
	}
	export_out_u64(out, pid);
	export_out_str(out, ",\"tid\":");
	export_out_u64(out, tid);
}

static void arg_u64(struct export_out *out, const char *key, uint64_t v, bool first)
{
	export_out_str(out, first ? ",\"args\":{\"" : ",\"");
	export_out_str(out, key);
	export_out_str(out, "\":");
	export_out_u64(out, v);
}

static void arg_hex(struct export_out *out, const char *key, uint64_t v, bool first)
{
	export_out_str(out, first ? ",\"args\":{\"" : ",\"");
	export_out_str(out, key);
	export_out_str(out, "\":\"");
	export_out_hex(out, v);
	export_out_char(out, '"');
}

static void arg_str(struct export_out *out, const char *key, const char *s, size_t max, bool first)
{
	export_out_str(out, first ? ",\"args\":{\"" : ",\"");
	export_out_str(out, key);
	export_out_str(out, "\":");
	put_json_string(out, s, max);
}

static void ev_end(struct export_out *out, bool had_args)
{
	export_out_str(out, had_args ? "}}" : "}");
}

/* A field of a record without Chrome arguments of its own: element e of f. */
static bool put_field(struct export_out *out, const struct trace_field *f, unsigned e,
		      const uint8_t *rec, bool first)
{
	const uint8_t *at = rec + f->off + (size_t)e * f->size;
	uint64_t v = trace_load(at, f->size);
	const char *name;
	char key[40];

	if (f->count > 1)
		snprintf(key, sizeof(key), "%s%u", f->name, e);
	else
		snprintf(key, sizeof(key), "%s", f->name);
	switch (f->kind) {
	case TFK_DEC:
		arg_u64(out, key, v, first);
		return true;
	case TFK_HEX:
		arg_hex(out, key, v, first);
		return true;
	case TFK_ENUM:
		name = trace_enum_name(f->names, v);
		if (name)
			arg_str(out, key, name, 64, first);
		else
			arg_u64(out, key, v, first);
		return true;
	case TFK_STR:
		arg_str(out, key, (const char *)at, f->size, first);
		return true;
	default:
		name = trace_field_text(f, rec);
		if (!name)
			return false;
		arg_str(out, key, name, 64, first);
		return true;
	}
}

/*
 * The event's arguments, as the record's entry in formats/host/trace_types.c
 * lists them (every field when it lists none), and the closing braces. cpu
 * is the physical CPU the record came from, end what ended an exit's slice.
 */
static void put_args(struct chrome *x, const struct trace_hdr *h, uint32_t cpu, const char *end)
{
	const struct trace_type_info *tt = trace_type_of(h->type);
	const uint8_t *rec = (const uint8_t *)h;
	struct export_out *out = &x->out;
	const struct trace_arg *a;
	bool first = true;
	const char *name;
	unsigned i, e;
	uint64_t v;

	for (i = 0; tt && tt->chrome && i < tt->nr_chrome; i++) {
		a = &tt->chrome[i];
		if (!trace_arg_shown(a, rec))
			continue;
		v = a->size ? trace_load(rec + a->off, a->size) : 0;
		switch (a->show) {
		case TSH_DEC:
			arg_u64(out, a->key, v, first);
			break;
		case TSH_HEX:
		case TSH_PC:
			arg_hex(out, a->key, v, first);
			break;
		case TSH_NAME:
			name = trace_enum_name(a->names, v);
			arg_str(out, a->key, name ? name : a->dflt ? a->dflt : "?", 64, first);
			break;
		case TSH_STR:
			arg_str(out, a->key, (const char *)rec + a->off, a->size, first);
			break;
		case TSH_CPU:
			arg_u64(out, a->key, cpu, first);
			break;
		case TSH_END:
			arg_str(out, a->key, end ? end : "", 8, first);
			break;
		}
		first = false;
	}
	for (i = 0; tt && !tt->chrome && i < tt->nr_fields; i++) {
		for (e = 0; e < tt->field[i].count; e++) {
			if (put_field(out, &tt->field[i], e, rec, first))
				first = false;
		}
	}
	ev_end(out, !first);
}

/* ------------------------------------------------------------ vCPU table */

static struct vcpu_slot *vcpu_find(struct chrome *x, uint16_t vm, uint16_t vcpu)
{
	uint64_t key = (uint64_t)vm << 16 | vcpu;
	size_t mask, i;

	if (x->nr_vcpus * 2 >= x->cap_vcpus) {
		size_t cap = x->cap_vcpus ? 2 * x->cap_vcpus : 64, j;
		struct vcpu_slot *grown = malloc(cap * sizeof(*grown));

		if (!grown)
			return NULL;
		for (j = 0; j < cap; j++)
			grown[j].key = VCPU_EMPTY;
		for (j = 0; j < x->cap_vcpus; j++) {
			struct vcpu_slot *old = &x->vcpus[j];

			if (old->key == VCPU_EMPTY)
				continue;
			i = (size_t)(old->key * 2654435761u) & (cap - 1);
			while (grown[i].key != VCPU_EMPTY)
				i = (i + 1) & (cap - 1);
			grown[i] = *old;
		}
		free(x->vcpus);
		x->vcpus = grown;
		x->cap_vcpus = cap;
	}
	mask = x->cap_vcpus - 1;
	i = (size_t)(key * 2654435761u) & mask;
	while (x->vcpus[i].key != key) {
		if (x->vcpus[i].key == VCPU_EMPTY) {
			memset(&x->vcpus[i], 0, sizeof(x->vcpus[i]));
			x->vcpus[i].key = key;
			x->nr_vcpus++;
			break;
		}
		i = (i + 1) & mask;
	}
	return &x->vcpus[i];
}

/* ------------------------------------------------------------ the events */

/*
 * The exit's slice, up to its entry at end_ts; NO_TS: no entry, the slice
 * lasts the exit's cost, but never past limit (the vCPU's next exit), so the
 * slices of a vCPU never overlap.
 */
static void emit_exit(struct chrome *x, const struct pending_exit *p, uint64_t end_ts,
		      uint64_t limit)
{
	const struct trace_exit *e = &p->e;
	struct export_out *out = &x->out;
	const char *name = exit_class_name(e->exit_class);
	uint64_t dur_ns, max_ns;

	if (end_ts != NO_TS) {
		dur_ns = export_ticks_to_ns(end_ts - e->hdr.ts, x->freq);
	} else {
		dur_ns = (uint64_t)((unsigned __int128)e->cost * 1000000000u /
				    (x->o->cycle_hz ? x->o->cycle_hz : EXPORT_CYCLE_HZ));
		if (limit != NO_TS) {
			max_ns = export_ticks_to_ns(limit > e->hdr.ts ? limit - e->hdr.ts : 0, x->freq);
			if (dur_ns > max_ns)
				dur_ns = max_ns;
		}
	}
	ev_begin(x, name ? name : "exit", 32, "exit", "X", e->hdr.ts, VM_PID(e->hdr.vm),
		 VCPU_TID(e->hdr.vm, e->hdr.vcpu));
	export_out_str(out, ",\"dur\":");
	export_out_us(out, dur_ns);
	put_args(x, &e->hdr, p->cpu, end_ts != NO_TS ? "entry" : "cost");
}

static void emit_running(struct chrome *x, uint32_t cpu, uint64_t from, uint64_t to, uint16_t vm,
			 uint16_t vcpu, uint32_t reason)
{
	struct export_out *out = &x->out;
	char name[48];

	if (from < x->cpus[cpu].last_end)
		from = x->cpus[cpu].last_end;
	if (to < from)
		to = from;
	x->cpus[cpu].last_end = to;
	snprintf(name, sizeof(name), "running vm%u/vcpu%u", vm, vcpu);
	ev_begin(x, name, sizeof(name), "sched", "X", from, CHROME_CPU_PID, cpu + 1);
	export_out_str(out, ",\"dur\":");
	export_out_us(out, export_ticks_to_ns(to > from ? to - from : 0, x->freq));
	arg_u64(out, "vm", vm, true);
	arg_u64(out, "vcpu", vcpu, false);
	if (reason != UINT32_MAX)
		arg_u64(out, "out_reason", reason, false);
	ev_end(out, true);
}

static void on_sched(struct chrome *x, const struct trace_sched *s, uint32_t cpu)
{
	struct cpu_run *c = &x->cpus[cpu];
	const struct trace_hdr *h = &s->hdr;

	if (h->type == TRACE_SCHED_IN) {
		if (c->running)
			emit_running(x, cpu, c->since, h->ts, c->vm, c->vcpu, UINT32_MAX);
		c->running = true;
		c->since = h->ts;
		c->vm = h->vm;
		c->vcpu = h->vcpu;
	} else if (c->running) {
		emit_running(x, cpu, c->since, h->ts, c->vm, c->vcpu, s->reason);
		c->running = false;
	} else {
		/* The SCHED_IN fell before the trace (or the window) began. */
		uint64_t from = s->ticks < h->ts - x->start ? h->ts - s->ticks : x->start;

		emit_running(x, cpu, from, h->ts, h->vm, h->vcpu, s->reason);
	}
}

static void instant_begin(struct chrome *x, const struct trace_hdr *h, uint32_t cpu,
			  const char *name, size_t max, const char *cat)
{
	if (h->vm != TRACE_NO_VM && h->vcpu != TRACE_NO_VCPU) {
		ev_begin(x, name, max, cat, "i", h->ts, VM_PID(h->vm), VCPU_TID(h->vm, h->vcpu));
		vcpu_find(x, h->vm, h->vcpu);
	} else {
		ev_begin(x, name, max, cat, "i", h->ts, CHROME_CPU_PID, cpu + 1);
	}
	export_out_str(&x->out, ",\"s\":\"t\"");
}

static void on_vm(struct chrome *x, const struct trace_vm *v)
{
	struct export_out *out = &x->out;
	struct vm_slot *vs = &x->vms[v->hdr.vm];
	bool create = v->hdr.type == TRACE_VM_CREATE;
	char name[64];
	unsigned i;

	if (create && v->hdr.vm != TRACE_NO_VM) {
		for (i = 0; i < vs->nr_names; i++) {
			if (!strncmp(vs->names[i], v->name, sizeof(v->name)))
				break;
		}
		if (i == vs->nr_names) {
			if (vs->nr_names < MAX_VM_NAMES)
				snprintf(vs->names[vs->nr_names++], sizeof(vs->names[0]), "%.32s",
					 v->name);
			else
				vs->more++;
		}
	}
	snprintf(name, sizeof(name), "%s %.32s", create ? "create" : "destroy", v->name);
	ev_begin(x, name, sizeof(name), "vm", "i", v->hdr.ts, VM_PID(v->hdr.vm),
		 VM_TID(v->hdr.vm));
	export_out_str(out, ",\"s\":\"p\"");
	put_args(x, &v->hdr, v->hdr.cpu, NULL);
}

/* An exit opens a slice on its vCPU; the next entry closes it. */
static void on_exit_entry(struct chrome *x, const struct trace_hdr *h, uint32_t cpu)
{
	struct vcpu_slot *vs = vcpu_find(x, h->vm, h->vcpu);

	if (h->type == TRACE_ENTRY) {
		if (vs && vs->exit.valid) {
			emit_exit(x, &vs->exit, h->ts, NO_TS);
			vs->exit.valid = false;
		}
		return;
	}
	if (!vs)
		return;
	if (vs->exit.valid)
		emit_exit(x, &vs->exit, NO_TS, h->ts); /* its entry was never seen */
	vs->exit.valid = true;
	vs->exit.cpu = cpu;
	vs->exit.e = *(const struct trace_exit *)h;
}

/* VMID allocations on their VM's track, rollovers global on the CPU. */
static void on_vmid(struct chrome *x, const struct trace_hdr *h, uint32_t cpu)
{
	if (h->type == TRACE_VMID_ALLOC) {
		ev_begin(x, "vmid alloc", 16, "vmid", "i", h->ts, VM_PID(h->vm), VM_TID(h->vm));
		export_out_str(&x->out, ",\"s\":\"p\"");
	} else {
		ev_begin(x, "VMID rollover", 16, "vmid", "i", h->ts, CHROME_CPU_PID, cpu + 1);
		export_out_str(&x->out, ",\"s\":\"g\"");
	}
	put_args(x, h, cpu, NULL);
}

static void on_smccc(struct chrome *x, const struct trace_smccc *c, uint32_t cpu)
{
	const char *s = smccc_name(c->fid);
	char name[64];

	if (!s) {
		snprintf(name, sizeof(name), "SMCCC 0x%08x", c->fid);
		s = name;
	}
	instant_begin(x, &c->hdr, cpu, s, 64, "smccc");
	put_args(x, &c->hdr, cpu, NULL);
}

/* An injected vIRQ, on the vCPU it targets. */
static void on_irq_inject(struct chrome *x, const struct trace_irq_inject *q, uint32_t cpu)
{
	const struct trace_hdr *h = &q->hdr;
	uint16_t target = q->target_vcpu != TRACE_NO_VCPU ? q->target_vcpu : h->vcpu;
	char name[64];

	snprintf(name, sizeof(name), "vIRQ %u", q->vintid);
	if (h->vm != TRACE_NO_VM && target != TRACE_NO_VCPU) {
		ev_begin(x, name, sizeof(name), "irq", "i", h->ts, VM_PID(h->vm),
			 VCPU_TID(h->vm, target));
		vcpu_find(x, h->vm, target);
	} else {
		ev_begin(x, name, sizeof(name), "irq", "i", h->ts, CHROME_CPU_PID, cpu + 1);
	}
	export_out_str(&x->out, ",\"s\":\"t\"");
	put_args(x, h, cpu, NULL);
}

/* A completed SDEI handler: a slice on its vCPU's SDEI track. */
static void on_sdei_complete(struct chrome *x, const struct trace_sdei_complete *c, uint32_t cpu)
{
	const struct trace_hdr *h = &c->hdr;
	uint64_t start = h->ts > c->handler_ticks ? h->ts - c->handler_ticks : 0;
	char name[32];

	if (h->vm == TRACE_NO_VM || h->vcpu == TRACE_NO_VCPU)
		return;
	snprintf(name, sizeof(name), "sdei event %" PRIu32, c->event_num);
	ev_begin(x, name, sizeof(name), "sdei", "X", start, VM_PID(h->vm),
		 VCPU_TID(h->vm, h->vcpu) + SDEI_TID_OFFSET);
	export_out_str(&x->out, ",\"dur\":");
	export_out_us(&x->out, export_ticks_to_ns(h->ts - start, x->freq));
	put_args(x, h, cpu, NULL);
}

/*
 * A type without a track of its own: an instant with its fields as
 * arguments, named by the switch below or else by the record table (a type
 * the table does not know, or keeps out of Chrome, is not shown).
 */
static void on_instant(struct chrome *x, const struct trace_hdr *h, uint32_t cpu)
{
	const struct trace_type_info *tt;

	switch (h->type) {
	case TRACE_WFI_BLOCK:
	case TRACE_WFI_WAKE:
		instant_begin(x, h, cpu, h->type == TRACE_WFI_BLOCK ? "wfi block" : "wfi wake", 16,
			      "sched");
		break;
	case TRACE_MMIO:
		instant_begin(x, h, cpu,
			      ((const struct trace_mmio *)h)->is_write ? "mmio write" : "mmio read",
			      16, "mmio");
		break;
	case TRACE_VGIC_MAINT:
		instant_begin(x, h, cpu, "vgic maintenance", 20, "irq");
		break;
	case TRACE_LOG:
		instant_begin(x, h, cpu, ((const struct trace_log *)h)->text, TRACE_LOG_LEN, "log");
		break;
	default:
		tt = trace_type_of(h->type);
		if (!tt || tt->flags & TRACE_TYPE_NO_CHROME)
			return;
		instant_begin(x, h, cpu, tt->name, 32, tt->name);
		break;
	}
	put_args(x, h, cpu, NULL);
}

static void on_record(struct chrome *x, const struct trace_hdr *h, uint32_t cpu)
{
	if (h->vm != TRACE_NO_VM)
		x->vms[h->vm].seen = true;
	x->cpus[cpu].seen = true;
	if (h->ts > x->last_ts)
		x->last_ts = h->ts;

	switch (h->type) {
	case TRACE_EXIT:
	case TRACE_ENTRY:
		on_exit_entry(x, h, cpu);
		break;
	case TRACE_SCHED_IN:
	case TRACE_SCHED_OUT:
		on_sched(x, (const struct trace_sched *)h, cpu);
		break;
	case TRACE_VM_CREATE:
	case TRACE_VM_DESTROY:
		on_vm(x, (const struct trace_vm *)h);
		break;
	case TRACE_VMID_ALLOC:
	case TRACE_VMID_ROLLOVER:
		on_vmid(x, h, cpu);
		break;
	case TRACE_SMCCC:
		on_smccc(x, (const struct trace_smccc *)h, cpu);
		break;
	case TRACE_IRQ_INJECT:
		on_irq_inject(x, (const struct trace_irq_inject *)h, cpu);
		break;
	case TRACE_SDEI_COMPLETE:
		on_sdei_complete(x, (const struct trace_sdei_complete *)h, cpu);
		break;
	default:
		on_instant(x, h, cpu);
		break;
	}
}

/* Close what is still open when the records end, then name the tracks. */
static void finish(struct chrome *x)
{
	struct export_out *out = &x->out;
	char name[MAX_VM_NAMES * 34 + 64];
	size_t i, len;
	uint32_t cpu;
	unsigned vm, j;

	for (i = 0; i < x->cap_vcpus; i++) {
		if (x->vcpus[i].key != VCPU_EMPTY && x->vcpus[i].exit.valid)
			emit_exit(x, &x->vcpus[i].exit, NO_TS, NO_TS);
	}
	for (cpu = 0; cpu < x->nr_cpus; cpu++) {
		struct cpu_run *c = &x->cpus[cpu];

		if (c->running)
			emit_running(x, cpu, c->since, x->last_ts, c->vm, c->vcpu, UINT32_MAX);
	}

	for (vm = 0; vm < TRACE_NO_VM; vm++) {
		struct vm_slot *vs = &x->vms[vm];

		if (!vs->seen)
			continue;
		len = (size_t)snprintf(name, sizeof(name), "vm%u", vm);
		for (j = 0; j < vs->nr_names; j++)
			len += (size_t)snprintf(name + len, sizeof(name) - len, "%s%s",
						j ? ", " : " ", vs->names[j]);
		if (vs->more)
			snprintf(name + len, sizeof(name) - len, " (+%u more)", vs->more);
		ev_begin(x, "process_name", 16, "__metadata", "M", NO_TS, VM_PID(vm), VM_TID(vm));
		arg_str(out, "name", name, sizeof(name), true);
		ev_end(out, true);
		ev_begin(x, "process_sort_index", 24, "__metadata", "M", NO_TS, VM_PID(vm),
			 VM_TID(vm));
		arg_u64(out, "sort_index", vm, true);
		ev_end(out, true);
	}
	for (i = 0; i < x->cap_vcpus; i++) {
		uint64_t key = x->vcpus[i].key;

		if (key == VCPU_EMPTY)
			continue;
		snprintf(name, sizeof(name), "vCPU %u", (unsigned)(key & 0xffff));
		ev_begin(x, "thread_name", 16, "__metadata", "M", NO_TS, VM_PID(key >> 16),
			 VCPU_TID(key >> 16, key & 0xffff));
		arg_str(out, "name", name, sizeof(name), true);
		ev_end(out, true);
		ev_begin(x, "thread_sort_index", 24, "__metadata", "M", NO_TS, VM_PID(key >> 16),
			 VCPU_TID(key >> 16, key & 0xffff));
		arg_u64(out, "sort_index", key & 0xffff, true);
		ev_end(out, true);
	}
	ev_begin(x, "process_name", 16, "__metadata", "M", NO_TS, CHROME_CPU_PID, 0);
	arg_str(out, "name", "physical CPUs", 16, true);
	ev_end(out, true);
	ev_begin(x, "process_sort_index", 24, "__metadata", "M", NO_TS, CHROME_CPU_PID, 0);
	arg_u64(out, "sort_index", 1000000, true);
	ev_end(out, true);
	for (cpu = 0; cpu < x->nr_cpus; cpu++) {
		if (!x->cpus[cpu].seen)
			continue;
		snprintf(name, sizeof(name), "CPU %u", cpu);
		ev_begin(x, "thread_name", 16, "__metadata", "M", NO_TS, CHROME_CPU_PID, cpu + 1);
		arg_str(out, "name", name, sizeof(name), true);
		ev_end(out, true);
		ev_begin(x, "thread_sort_index", 24, "__metadata", "M", NO_TS, CHROME_CPU_PID,
			 cpu + 1);
		arg_u64(out, "sort_index", cpu, true);
		ev_end(out, true);
	}
}

static void put_other_data(struct chrome *x, const struct tf_reader *r,
			   const struct export_stats *st)
{
	const struct tf_file_header *fh = tf_reader_header(r);
	struct export_out *out = &x->out;
	struct tf_reader_stats rs;

	tf_reader_stats(r, &rs);
	export_out_str(out, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"producer\":\"hypscope export\"");
	export_out_str(out, ",\"source\":");
	put_json_string(out, x->o->source ? x->o->source : "", 4096);
	export_out_str(out, ",\"description\":");
	put_json_string(out, fh->description, sizeof(fh->description));
	export_out_str(out, ",\"nr_cpus\":");
	export_out_u64(out, fh->nr_cpus);
	export_out_str(out, ",\"cntfrq\":");
	export_out_u64(out, fh->cntfrq);
	export_out_str(out, ",\"created_ns\":");
	export_out_u64(out, fh->created_ns);
	export_out_str(out, ",\"time_zero_cntpct\":");
	export_out_u64(out, x->start);
	export_out_str(out, ",\"records\":");
	export_out_u64(out, st->records);
	export_out_str(out, ",\"exported\":");
	export_out_u64(out, st->exported);
	export_out_str(out, ",\"lost\":");
	export_out_u64(out, rs.lost);
	export_out_str(out, ",\"bad_chunks\":");
	export_out_u64(out, rs.bad_chunks);
	export_out_str(out, ",\"cycle_hz\":");
	export_out_u64(out, x->o->cycle_hz ? x->o->cycle_hz : EXPORT_CYCLE_HZ);
	export_out_str(out, "}}\n");
}

int export_chrome(struct tf_reader *r, const char *path, const struct export_opts *o,
		  struct export_stats *st, char *err, size_t errlen)
{
	struct export_stats local;
	struct tf_reader_stats rs;
	struct tf_record rec;
	struct chrome x;
	int ret, n;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.freq = tf_reader_header(r)->cntfrq;
	x.start = export_first_ts(r);
	x.last_ts = x.start;
	x.first_event = true;
	x.nr_cpus = tf_reader_header(r)->nr_cpus;
	x.vms = calloc(TRACE_NO_VM + 1, sizeof(*x.vms));
	x.cpus = calloc(x.nr_cpus, sizeof(*x.cpus));
	if (!x.vms || !x.cpus) {
		free(x.vms);
		free(x.cpus);
		free(x.vcpus);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ret = export_out_open(&x.out, path, 1u << 20, err, errlen);
	if (ret)
		goto cleanup;
	export_out_str(&x.out, "{\"traceEvents\":[");
	tf_reader_rewind(r);
	while ((n = tf_reader_next(r, &rec)) > 0) {
		st->records++;
		if (!export_keep(o, rec.hdr))
			continue;
		on_record(&x, rec.hdr, rec.cpu);
		st->exported++;
		if (!trace_type_name(rec.hdr->type))
			st->unknown++;
		if (x.out.error)
			break;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: reading the trace: %s", o->source ? o->source : "trace",
			 strerror(-n));
		export_out_close(&x.out, NULL, 0);
		ret = n;
		goto cleanup;
	}
	finish(&x);
	put_other_data(&x, r, st);
	ret = export_out_close(&x.out, err, errlen);
	st->bytes = x.out.bytes;
	tf_reader_stats(r, &rs);
	st->lost = rs.lost;
cleanup:
	free(x.vms);
	free(x.cpus);
	free(x.vcpus);
	return ret;
}
