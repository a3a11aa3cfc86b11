/*
 * The GDB remote protocol engine: one debugger session over the VMs of the
 * machine. VM slot n is process n + 1 and vCPU k of it thread k + 1; with
 * gdb's multiprocess extension a thread-id is pPID.TID, without it thread
 * ids are global (slot * GDB_MAX_VCPUS + vCPU + 1).
 *
 * All-stop, per attached VM. gdb believes every attached VM is stopped once
 * it has a stop reply, so:
 *  - the first event (stop or exit) while gdb waits becomes the reply; the
 *    engine then stops every other attached VM still running ("quiesce") and
 *    sends the reply when none runs any more;
 *  - a quiesced VM's GDB_STOP_INTERRUPT stop is the engine's own doing and is
 *    not news (nor is a Ctrl-C stop that another VM's stop overtook: gdb got
 *    its stop reply); any other stop of it (a breakpoint it hit at the same
 *    time) is kept, unreported;
 *  - a resume while some VM has an unreported event resumes nothing and
 *    reports that event at once (gdb re-issues the resume afterwards), so no
 *    breakpoint hit is ever lost;
 *  - an event while gdb does not wait (attach at connection, an exit while
 *    stopped) is kept for the next '?' or resume.
 * VMs gdb has not attached are never stopped, resumed or touched.
 *
 * Which VM a packet acts on: the Hg thread's (g/G/p/P, m/M/X, Z/z, qRcmd);
 * gdb's multiprocess code selects it with Hg before each. "Any" (Hg0)
 * resolves to the VM of the last stop reply, else the lowest attached VM.
 */
#include <errno.h>
#include <string.h>

#include "gdbstub/internal.h"

static struct gdb_stub stub;

/* ---------------------------------------------------------------- VMs and threads */

static unsigned nr_vcpus(struct gdb_stub *s, unsigned vm)
{
	unsigned n = s->ops->vm_vcpus(s->ctx, vm);

	return n > GDB_MAX_VCPUS ? GDB_MAX_VCPUS : n;
}

static int first_attached(struct gdb_stub *s)
{
	for (unsigned v = 0; v < GDB_MAX_VMS; v++)
		if (s->vm[v].attached)
			return (int)v;
	return -1;
}

static bool any_running(struct gdb_stub *s)
{
	for (unsigned v = 0; v < GDB_MAX_VMS; v++)
		if (s->vm[v].attached && s->vm[v].running)
			return true;
	return false;
}

/* A thread-id to one attached VM and one of its vCPUs; "any" picks one. */
static bool resolve(struct gdb_stub *s, const struct gdb_tid *t, unsigned *vm, unsigned *vcpu)
{
	int v;
	unsigned n;

	if (t->pid > 0)
		v = t->pid - 1;
	else if (s->last_vm >= 0 && s->vm[s->last_vm].attached)
		v = s->last_vm;
	else
		v = first_attached(s);
	if (v < 0 || v >= (int)GDB_MAX_VMS || !s->vm[v].attached)
		return false;
	n = nr_vcpus(s, (unsigned)v);
	if (n == 0)
		return false;
	if (t->tid > 0) {
		if ((unsigned)t->tid > n)
			return false;
		*vcpu = (unsigned)t->tid - 1;
	} else {
		const struct gdb_vmstop *ev = &s->vm[v].ev;

		*vcpu = ev->kind == GDB_PEND_STOP && ev->vcpu < n ? ev->vcpu : 0;
	}
	*vm = (unsigned)v;
	return true;
}

static void put_thread(struct gdb_stub *s, struct gdb_buf *b, unsigned vm, unsigned vcpu)
{
	if (s->multiprocess) {
		gdb_putc(b, 'p');
		gdb_put_hex(b, vm + 1);
		gdb_putc(b, '.');
		gdb_put_hex(b, vcpu + 1);
	} else {
		gdb_put_hex(b, (uint64_t)vm * GDB_MAX_VCPUS + vcpu + 1);
	}
}

/* "-1", or a hex number that fits an int (0 included). */
static bool parse_id(const char **p, const char *end, int *id)
{
	uint64_t v;

	if (end - *p >= 2 && (*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*id = -1;
		return true;
	}
	if (!gdb_parse_hex(p, end, &v) || v > 0x7fffffff)
		return false;
	*id = (int)v;
	return true;
}

/* pPID[.TID], or TID (in the Hg thread's process, or a global id). */
static bool parse_tid(struct gdb_stub *s, const char **p, const char *end, struct gdb_tid *t)
{
	int id;

	if (*p < end && **p == 'p') {
		(*p)++;
		if (!parse_id(p, end, &t->pid))
			return false;
		t->tid = -1;
		if (*p < end && **p == '.') {
			(*p)++;
			if (!parse_id(p, end, &t->tid))
				return false;
		}
		return true;
	}
	if (!parse_id(p, end, &id))
		return false;
	if (id <= 0) {
		t->pid = id;
		t->tid = id;
	} else if (s->multiprocess) {
		t->pid = s->g.pid > 0 ? s->g.pid : 0;
		t->tid = id;
	} else {
		t->pid = (id - 1) / (int)GDB_MAX_VCPUS + 1;
		t->tid = (id - 1) % (int)GDB_MAX_VCPUS + 1;
	}
	return true;
}

/* A thread-id that must be the whole rest of the packet. */
static bool parse_tid_all(struct gdb_stub *s, const char *p, const char *end, struct gdb_tid *t)
{
	return parse_tid(s, &p, end, t) && p == end;
}

static const char *state_name(enum gdb_vcpu_state st)
{
	switch (st) {
	case GDB_VCPU_OFF:
		return "off";
	case GDB_VCPU_RUNNING:
		return "running";
	case GDB_VCPU_WFI:
		return "wfi";
	}
	return "unknown";
}

/* qThreadExtraInfo and qXfer:threads: "running, pcpu 1, VMID 3". */
static void put_extra_info(struct gdb_stub *s, struct gdb_buf *b, unsigned vm, unsigned vcpu)
{
	struct gdb_vcpu_info info;

	if (s->ops->vcpu_info(s->ctx, vm, vcpu, &info) < 0) {
		gdb_puts(b, "unknown");
		return;
	}
	gdb_puts(b, state_name(info.state));
	gdb_puts(b, ", pcpu ");
	gdb_put_dec(b, info.pcpu);
	gdb_puts(b, ", VMID ");
	gdb_put_dec(b, info.vmid);
}

/* ---------------------------------------------------------------- replies */

static struct gdb_buf *reply(struct gdb_stub *s)
{
	gdb_buf_reset(&s->out, s->reply, sizeof(s->reply));
	return &s->out;
}

static void send_ok(struct gdb_stub *s)
{
	gdb_send_str(s, "OK");
}

static void send_empty(struct gdb_stub *s)
{
	gdb_send(s, "", 0);
}

/* A T or W stop reply for vm's pending event (gdb manual, "Stop Reply Packets"). */
static void send_stop_reply(struct gdb_stub *s, unsigned vm, bool with_text)
{
	struct gdb_vmstop *ev = &s->vm[vm].ev;
	struct gdb_buf *b = reply(s);
	struct gdb_vcpu_info info;
	int sig = ev->signal;

	if (ev->kind == GDB_PEND_EXIT) {
		gdb_putc(b, 'W');
		gdb_put_hex_bytes(b, (const uint8_t[]){ (uint8_t)ev->exit_status }, 1);
		if (s->multiprocess) {
			gdb_puts(b, ";process:");
			gdb_put_hex(b, vm + 1);
		}
		ev->reported = true;
		gdb_send_reply(s);
		return;
	}
	if (with_text && ev->text[0])
		gdb_send_console(s, ev->text, strnlen(ev->text, sizeof(ev->text)));
	if (sig < 0 || sig > 255)
		sig = 5;
	gdb_putc(b, 'T');
	gdb_put_hex_bytes(b, (const uint8_t[]){ (uint8_t)sig }, 1);
	gdb_puts(b, "thread:");
	put_thread(s, b, vm, ev->vcpu);
	gdb_putc(b, ';');
	if (s->ops->vcpu_info(s->ctx, vm, ev->vcpu, &info) == 0) {
		gdb_puts(b, "core:");
		gdb_put_hex(b, info.pcpu);
		gdb_putc(b, ';');
	}
	switch (ev->reason) {
	case GDB_STOP_SWBREAK:
		if (s->swbreak)
			gdb_puts(b, "swbreak:;");
		break;
	case GDB_STOP_HWBREAK:
		if (s->hwbreak)
			gdb_puts(b, "hwbreak:;");
		break;
	case GDB_STOP_WATCH:
	case GDB_STOP_RWATCH:
	case GDB_STOP_AWATCH:
		gdb_puts(b, ev->reason == GDB_STOP_WATCH    ? "watch:"
			    : ev->reason == GDB_STOP_RWATCH ? "rwatch:"
							    : "awatch:");
		gdb_put_hex(b, ev->addr);
		gdb_putc(b, ';');
		break;
	default:
		break;
	}
	ev->reported = true;
	s->last_vm = (int)vm;
	/* gdbserver does the same: the thread that stopped becomes current */
	s->g.pid = (int)vm + 1;
	s->g.tid = (int)ev->vcpu + 1;
	gdb_send_reply(s);
}

/* The VM with an event gdb has not heard of, -1 when none. */
static int find_unreported(struct gdb_stub *s)
{
	for (unsigned v = 0; v < GDB_MAX_VMS; v++)
		if (s->vm[v].ev.kind != GDB_PEND_NONE && !s->vm[v].ev.reported)
			return (int)v;
	return -1;
}

/* Ask a running attached VM to stop. A refusal counts as stopped: gdb must not wait forever. */
static void stop_vm(struct gdb_stub *s, unsigned vm, bool quiesce)
{
	struct gdb_vm *v = &s->vm[vm];

	if (!v->attached || !v->running || v->stop_req)
		return;
	if (s->ops->stop(s->ctx, vm) < 0) {
		v->running = false;
		return;
	}
	v->stop_req = true;
	v->quiesce = quiesce;
}

/* While gdb waits: pick the event to report, stop the rest, reply once nothing runs. */
static void settle(struct gdb_stub *s)
{
	int v;

	if (!s->waiting)
		return;
	if (s->reply_vm < 0) {
		s->reply_vm = find_unreported(s);
		if (s->reply_vm >= 0) {
			for (unsigned i = 0; i < GDB_MAX_VMS; i++) {
				/* a Ctrl-C still on its way is answered by this reply */
				if (s->vm[i].stop_req)
					s->vm[i].quiesce = true;
				stop_vm(s, i, true);
			}
		}
	}
	if (any_running(s))
		return;
	s->waiting = false;
	v = s->reply_vm;
	s->reply_vm = -1;
	if (v >= 0) {
		send_stop_reply(s, (unsigned)v, s->wait_resume);
		return;
	}
	/* Everything stopped with nothing to tell (a target refused a stop). */
	v = s->last_vm >= 0 && s->vm[s->last_vm].attached ? s->last_vm : first_attached(s);
	if (v < 0) {
		gdb_send_str(s, "W00");
		return;
	}
	s->vm[v].ev.kind = GDB_PEND_STOP;
	s->vm[v].ev.reason = GDB_STOP_INTERRUPT;
	s->vm[v].ev.signal = 0;
	s->vm[v].ev.text[0] = '\0';
	if (s->vm[v].ev.vcpu >= nr_vcpus(s, (unsigned)v))
		s->vm[v].ev.vcpu = 0;
	send_stop_reply(s, (unsigned)v, false);
}

static void wait_for_stop(struct gdb_stub *s, bool after_resume)
{
	s->waiting = true;
	s->wait_resume = after_resume;
	s->reply_vm = -1;
	settle(s);
}

static void forget_vm(struct gdb_stub *s, unsigned vm)
{
	memset(&s->vm[vm], 0, sizeof(s->vm[vm]));
	if (s->last_vm == (int)vm)
		s->last_vm = -1;
	if (s->g.pid == (int)vm + 1)
		s->g.pid = s->g.tid = 0;
	if (s->c.pid == (int)vm + 1)
		s->c.pid = s->c.tid = -1;
}

static int attach_vm(struct gdb_stub *s, unsigned vm)
{
	int r = s->ops->attach(s->ctx, vm);

	if (r < 0)
		return r;
	forget_vm(s, vm);
	s->vm[vm].attached = true;
	s->vm[vm].running = true; /* until its GDB_EV_STOPPED */
	return 0;
}

static void session_clear(struct gdb_stub *s)
{
	s->noack = false;
	s->extended = false;
	s->multiprocess = false;
	s->swbreak = false;
	s->hwbreak = false;
	s->auto_attached = false;
	s->waiting = false;
	s->wait_resume = false;
	s->reply_vm = -1;
	s->last_vm = -1;
	s->g.pid = s->g.tid = 0;
	s->c.pid = s->c.tid = -1;
	s->threads_len = 0;
	s->frame_len = 0;
	memset(s->vm, 0, sizeof(s->vm));
}

void gdb_session_reset(struct gdb_stub *s)
{
	for (unsigned v = 0; v < GDB_MAX_VMS; v++)
		if (s->vm[v].attached)
			s->ops->detach(s->ctx, v);
	session_clear(s);
}

bool gdb_starts_session(const char *buf, size_t len)
{
	return len >= 10 && memcmp(buf, "qSupported", 10) == 0 && (len == 10 || buf[10] == ':');
}

/* ---------------------------------------------------------------- resuming */

struct gdb_action_req {
	enum gdb_action act;
	struct gdb_tid t;
};

#define GDB_MAX_ACTIONS 32

static bool tid_matches(const struct gdb_tid *t, unsigned vm, unsigned vcpu)
{
	return (t->pid <= 0 || t->pid == (int)vm + 1) && (t->tid <= 0 || t->tid == (int)vcpu + 1);
}

/*
 * Resume per the actions (leftmost match wins, unmatched threads stay).
 * A powered-off vCPU never steps (the target leaves it off): a step that
 * names one, or whose every vCPU is off, is refused, as it would never end.
 */
static void resume(struct gdb_stub *s, const struct gdb_action_req *a, unsigned n)
{
	struct gdb_resume r[GDB_MAX_VMS];
	bool any[GDB_MAX_VMS] = { false };
	bool resumed = false;
	unsigned steps = 0, online_steps = 0;
	int pending;

	memset(r, 0, sizeof(r));
	for (unsigned v = 0; v < GDB_MAX_VMS; v++) {
		unsigned nv;

		if (!s->vm[v].attached)
			continue;
		nv = nr_vcpus(s, v);
		for (unsigned k = 0; k < nv; k++) {
			for (unsigned i = 0; i < n; i++) {
				struct gdb_vcpu_info info;

				if (!tid_matches(&a[i].t, v, k))
					continue;
				if (a[i].act == GDB_ACT_STEP) {
					bool off = s->ops->vcpu_info(s->ctx, v, k, &info) == 0 &&
						   info.state == GDB_VCPU_OFF;

					if (off && a[i].t.tid > 0) {
						gdb_send_str(s, GDB_E_THREAD);
						return;
					}
					steps++;
					online_steps += !off;
				}
				r[v].action[k] = (uint8_t)a[i].act;
				any[v] = true;
				break;
			}
		}
	}
	if (steps && !online_steps) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	pending = find_unreported(s);
	if (pending >= 0) {
		wait_for_stop(s, true);
		return;
	}
	for (unsigned v = 0; v < GDB_MAX_VMS; v++) {
		if (!any[v] || s->vm[v].running)
			continue;
		if (s->ops->resume(s->ctx, v, &r[v]) < 0)
			continue;
		s->vm[v].running = true;
		s->vm[v].ev.kind = GDB_PEND_NONE;
		resumed = true;
	}
	if (!resumed) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	wait_for_stop(s, true);
}

/* vCont;ACTION[:THREAD]... with c, Csig, s, Ssig (signals are not given to guests). */
static void h_vcont(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_action_req a[GDB_MAX_ACTIONS];
	unsigned n = 0;

	if (p < end && *p == '?' && p + 1 == end) {
		gdb_send_str(s, "vCont;c;C;s;S");
		return;
	}
	while (p < end) {
		uint64_t sig;
		char c;

		if (*p++ != ';' || p == end || n == GDB_MAX_ACTIONS)
			goto bad;
		c = *p++;
		if (c == 'c' || c == 's') {
			a[n].act = c == 'c' ? GDB_ACT_CONT : GDB_ACT_STEP;
		} else if (c == 'C' || c == 'S') {
			if (end - p < 2 || !gdb_parse_hex(&p, p + 2, &sig))
				goto bad;
			a[n].act = c == 'C' ? GDB_ACT_CONT : GDB_ACT_STEP;
		} else {
			/* t, r: all-stop only, not offered in vCont? */
			goto bad;
		}
		a[n].t.pid = a[n].t.tid = -1;
		if (p < end && *p == ':') {
			p++;
			if (!parse_tid(s, &p, end, &a[n].t))
				goto bad;
		}
		n++;
	}
	if (n == 0)
		goto bad;
	resume(s, a, n);
	return;
bad:
	gdb_send_str(s, GDB_E_ARGS);
}

/*
 * c [addr], Csig[;addr], s [addr], Ssig[;addr]: the Hc thread only, or with
 * Hc-1/Hc0 everything attached (a step steps the current thread and
 * continues the rest). An address is written to the PC first.
 */
static void h_legacy_resume(struct gdb_stub *s, char cmd, const char *p, const char *end)
{
	struct gdb_action_req a[2];
	unsigned n = 0, vm, vcpu;
	uint64_t addr, sig;
	bool step = cmd == 's' || cmd == 'S';
	struct gdb_tid cur = s->c.pid > 0 ? s->c : s->g;

	if (cmd == 'C' || cmd == 'S') {
		if (end - p < 2 || !gdb_parse_hex(&p, p + 2, &sig))
			goto bad;
		if (p < end && *p++ != ';')
			goto bad;
	}
	if (!resolve(s, &cur, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	if (p < end) {
		uint8_t pc[8];

		if (!gdb_parse_hex(&p, end, &addr) || p != end)
			goto bad;
		for (unsigned i = 0; i < 8; i++)
			pc[i] = (uint8_t)(addr >> (8 * i));
		if (s->ops->reg_write(s->ctx, vm, vcpu, GDB_REG_PC, pc) < 0) {
			gdb_send_str(s, GDB_E_TARGET);
			return;
		}
	}
	a[n].act = step ? GDB_ACT_STEP : GDB_ACT_CONT;
	a[n].t.pid = (int)vm + 1;
	a[n].t.tid = (int)vcpu + 1;
	if (s->c.pid <= 0 && !step)
		a[n].t.pid = a[n].t.tid = -1;
	n++;
	if (s->c.pid <= 0 && step) {
		a[n].act = GDB_ACT_CONT;
		a[n].t.pid = a[n].t.tid = -1;
		n++;
	}
	resume(s, a, n);
	return;
bad:
	gdb_send_str(s, GDB_E_ARGS);
}

/* ---------------------------------------------------------------- registers */

/* The Hg thread, attached and stopped; else an E reply is sent and false returned. */
static bool g_thread(struct gdb_stub *s, unsigned *vm, unsigned *vcpu)
{
	if (!resolve(s, &s->g, vm, vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return false;
	}
	if (s->vm[*vm].running) {
		gdb_send_str(s, GDB_E_RUNNING);
		return false;
	}
	return true;
}

/* One register as hex; "xx.." when the target cannot give it. */
static bool put_reg(struct gdb_stub *s, struct gdb_buf *b, unsigned vm, unsigned vcpu, unsigned regno)
{
	uint8_t val[16];
	unsigned size = gdb_reg_size(regno);
	int r = s->ops->reg_read(s->ctx, vm, vcpu, regno, val);

	if (r != (int)size) {
		for (unsigned i = 0; i < 2 * size; i++)
			gdb_putc(b, 'x');
		return false;
	}
	gdb_put_hex_bytes(b, val, size);
	return true;
}

static void h_g(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm, vcpu;
	bool any = false;
	struct gdb_buf *b;

	if (p != end) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!g_thread(s, &vm, &vcpu))
		return;
	b = reply(s);
	for (unsigned r = 0; r < GDB_NR_REGS; r++)
		any |= put_reg(s, b, vm, vcpu, r);
	if (!any) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	gdb_send_reply(s);
}

static void h_G(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm, vcpu;
	size_t need = 0;

	for (unsigned r = 0; r < GDB_NR_REGS; r++)
		need += 2 * gdb_reg_size(r);
	if ((size_t)(end - p) != need) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!g_thread(s, &vm, &vcpu))
		return;
	for (unsigned r = 0; r < GDB_NR_REGS; r++) {
		uint8_t val[16];
		unsigned size = gdb_reg_size(r);

		if (!gdb_decode_hex(p, 2 * size, val, size)) {
			gdb_send_str(s, GDB_E_ARGS);
			return;
		}
		p += 2 * size;
	}
	p = end - need;
	for (unsigned r = 0; r < GDB_NR_REGS; r++) {
		uint8_t val[16];
		unsigned size = gdb_reg_size(r);

		gdb_decode_hex(p, 2 * size, val, size);
		p += 2 * size;
		/* read-only registers are in G too: gdb sends back what it read */
		if (gdb_reg_writable(r) && s->ops->reg_write(s->ctx, vm, vcpu, r, val) < 0) {
			gdb_send_str(s, GDB_E_TARGET);
			return;
		}
	}
	send_ok(s);
}

static void h_p(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t regno;
	unsigned vm, vcpu;
	struct gdb_buf *b;

	if (!gdb_parse_hex(&p, end, &regno) || p != end || regno >= GDB_NR_REGS) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!g_thread(s, &vm, &vcpu))
		return;
	b = reply(s);
	if (!put_reg(s, b, vm, vcpu, (unsigned)regno)) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	gdb_send_reply(s);
}

static void h_P(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t regno;
	unsigned vm, vcpu, size;
	uint8_t val[16];

	if (!gdb_parse_hex(&p, end, &regno) || p == end || *p++ != '=' ||
	    regno >= GDB_NR_REGS) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	size = gdb_reg_size((unsigned)regno);
	if (!gdb_decode_hex(p, (size_t)(end - p), val, size)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!g_thread(s, &vm, &vcpu))
		return;
	if (!gdb_reg_writable((unsigned)regno) ||
	    s->ops->reg_write(s->ctx, vm, vcpu, (unsigned)regno, val) < 0) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	send_ok(s);
}

/* ---------------------------------------------------------------- memory */

static enum gdb_addr_space space(struct gdb_stub *s, unsigned vm)
{
	return s->vm[vm].ipa ? GDB_ADDR_IPA : GDB_ADDR_VA;
}

/* "ADDR,LEN" then sep (or the end when sep is 0); the range must not wrap. */
static bool parse_range(const char **p, const char *end, char sep, uint64_t *addr, uint64_t *len)
{
	if (!gdb_parse_hex(p, end, addr) || *p == end || *(*p)++ != ',' ||
	    !gdb_parse_hex(p, end, len))
		return false;
	if (*len && *addr + *len - 1 < *addr)
		return false;
	if (sep == 0)
		return *p == end;
	return *p < end && *(*p)++ == sep;
}

static void h_m(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t addr, len;
	unsigned vm, vcpu;
	long n;
	struct gdb_buf *b;

	if (!parse_range(&p, end, 0, &addr, &len)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!g_thread(s, &vm, &vcpu))
		return;
	if (len == 0) {
		send_empty(s);
		return;
	}
	/* a shorter reply is a partial read: gdb asks for the rest */
	if (len > GDB_MEM_MAX)
		len = GDB_MEM_MAX;
	n = s->ops->mem_read(s->ctx, vm, vcpu, space(s, vm), addr, s->mem, (size_t)len);
	if (n <= 0) {
		gdb_send_str(s, GDB_E_MEMORY);
		return;
	}
	if ((uint64_t)n > len)
		n = (long)len;
	b = reply(s);
	gdb_put_hex_bytes(b, s->mem, (size_t)n);
	gdb_send_reply(s);
}

static void write_mem(struct gdb_stub *s, uint64_t addr, size_t len)
{
	unsigned vm, vcpu;
	long n;

	if (!g_thread(s, &vm, &vcpu))
		return;
	if (len == 0) {
		send_ok(s); /* gdb probes X support with a zero-length write */
		return;
	}
	n = s->ops->mem_write(s->ctx, vm, vcpu, space(s, vm), addr, s->mem, len);
	if (n != (long)len) {
		gdb_send_str(s, GDB_E_MEMORY);
		return;
	}
	send_ok(s);
}

static void h_M(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t addr, len;

	if (!parse_range(&p, end, ':', &addr, &len) || len > GDB_MEM_MAX ||
	    !gdb_decode_hex(p, (size_t)(end - p), s->mem, (size_t)len)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	write_mem(s, addr, (size_t)len);
}

/* X: binary data, already unescaped by the framing. */
static void h_X(struct gdb_stub *s, const char *p, const char *end)
{
	uint64_t addr, len;

	if (!parse_range(&p, end, ':', &addr, &len) || len > sizeof(s->mem) ||
	    (uint64_t)(end - p) != len) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	memcpy(s->mem, p, (size_t)len);
	write_mem(s, addr, (size_t)len);
}

/* ---------------------------------------------------------------- breakpoints */

static void h_Z(struct gdb_stub *s, char cmd, const char *p, const char *end)
{
	uint64_t type, addr, kind;
	unsigned vm, vcpu;
	int r;

	if (!gdb_parse_hex(&p, end, &type) || p == end || *p++ != ',' ||
	    !gdb_parse_hex(&p, end, &addr) || p == end || *p++ != ',' ||
	    !gdb_parse_hex(&p, end, &kind) || kind > 0xffffffffu || (p != end && *p != ';')) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (type > GDB_WP_ACCESS) {
		send_empty(s);
		return;
	}
	if (!resolve(s, &s->g, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	if (cmd == 'Z')
		r = s->ops->bp_insert(s->ctx, vm, (enum gdb_bp_type)type, addr, (unsigned)kind);
	else
		r = s->ops->bp_remove(s->ctx, vm, (enum gdb_bp_type)type, addr, (unsigned)kind);
	if (r == -ENOTSUP)
		send_empty(s); /* gdb then knows this type is not supported */
	else if (r < 0)
		gdb_send_str(s, GDB_E_TARGET);
	else
		send_ok(s);
}

/* ---------------------------------------------------------------- processes */

/* ";PID" (hex) of an attachable slot into vm. */
static bool parse_pid(const char *p, const char *end, unsigned *vm)
{
	uint64_t pid;

	if (p == end || *p++ != ';' || !gdb_parse_hex(&p, end, &pid) || p != end || pid == 0 ||
	    pid > GDB_MAX_VMS)
		return false;
	*vm = (unsigned)pid - 1;
	return true;
}

static void h_status(struct gdb_stub *s, const char *p, const char *end)
{
	int v;

	(void)p;
	(void)end;
	/* target remote: the default VM comes under the debugger now */
	if (!s->extended && !s->auto_attached) {
		s->auto_attached = true;
		if (first_attached(s) < 0 && s->default_vm < GDB_MAX_VMS &&
		    s->ops->vm_present(s->ctx, s->default_vm))
			(void)attach_vm(s, s->default_vm);
	}
	if (any_running(s) || find_unreported(s) >= 0) {
		wait_for_stop(s, false);
		return;
	}
	/* nothing new: the last stop again */
	v = s->last_vm >= 0 && s->vm[s->last_vm].attached ? s->last_vm : first_attached(s);
	if (v < 0) {
		gdb_send_str(s, "W00"); /* no process: extended-remote waits for attach */
		return;
	}
	if (s->vm[v].ev.kind != GDB_PEND_STOP) {
		s->vm[v].ev.kind = GDB_PEND_STOP;
		s->vm[v].ev.reason = GDB_STOP_INTERRUPT;
		s->vm[v].ev.signal = 5;
		s->vm[v].ev.vcpu = 0;
		s->vm[v].ev.text[0] = '\0';
	}
	send_stop_reply(s, (unsigned)v, false);
}

static void h_vattach(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm;

	if (!parse_pid(p, end, &vm)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (s->vm[vm].attached || !s->ops->vm_present(s->ctx, vm)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	if (attach_vm(s, vm) < 0) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	wait_for_stop(s, false);
}

static void kill_vm(struct gdb_stub *s, unsigned vm)
{
	/* its GDB_EV_EXITED finds it unattached and is dropped: gdb had OK */
	(void)s->ops->kill(s->ctx, vm);
	forget_vm(s, vm);
}

/*
 * The PID argument of vKill;PID and D;PID: an attached VM, else the E reply
 * is sent (E_ARGS malformed, E_THREAD not attached) and false returned.
 */
static bool attached_pid_arg(struct gdb_stub *s, const char *p, const char *end, unsigned *vm)
{
	if (!parse_pid(p, end, vm)) {
		gdb_send_str(s, GDB_E_ARGS);
		return false;
	}
	if (!s->vm[*vm].attached) {
		gdb_send_str(s, GDB_E_THREAD);
		return false;
	}
	return true;
}

static void h_vkill(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm;

	if (!attached_pid_arg(s, p, end, &vm))
		return;
	kill_vm(s, vm);
	send_ok(s);
}

/* k: every attached VM ends; gdb reads no reply. */
static void h_k(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	for (unsigned v = 0; v < GDB_MAX_VMS; v++)
		if (s->vm[v].attached)
			kill_vm(s, v);
}

static void detach_vm(struct gdb_stub *s, unsigned vm)
{
	(void)s->ops->detach(s->ctx, vm);
	forget_vm(s, vm);
}

static void h_D(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm;

	if (p == end) {
		for (unsigned v = 0; v < GDB_MAX_VMS; v++)
			if (s->vm[v].attached)
				detach_vm(s, v);
		send_ok(s);
		return;
	}
	if (!attached_pid_arg(s, p, end, &vm))
		return;
	detach_vm(s, vm);
	send_ok(s);
}

/* ---------------------------------------------------------------- threads */

static void h_H(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_tid t;
	unsigned vm, vcpu;
	char which;

	if (p == end) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	which = *p++;
	if ((which != 'g' && which != 'c') || !parse_tid_all(s, p, end, &t)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	/* a named process or thread must exist; "any" and "all" always do */
	if ((t.pid > 0 || t.tid > 0) && !resolve(s, &t, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	if (which == 'g')
		s->g = t;
	else
		s->c = t;
	send_ok(s);
}

static void h_T(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_tid t;
	unsigned vm, vcpu;

	if (!parse_tid_all(s, p, end, &t) || t.pid < 0 || t.tid <= 0) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!resolve(s, &t, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	send_ok(s);
}

static void h_qfthreadinfo(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_buf *b = reply(s);
	bool first = true;

	(void)p;
	(void)end;
	for (unsigned v = 0; v < GDB_MAX_VMS; v++) {
		unsigned n;

		if (!s->vm[v].attached)
			continue;
		n = nr_vcpus(s, v);
		for (unsigned k = 0; k < n; k++) {
			gdb_putc(b, first ? 'm' : ',');
			put_thread(s, b, v, k);
			first = false;
		}
	}
	if (first)
		gdb_putc(b, 'l');
	gdb_send_reply(s);
}

static void h_qsthreadinfo(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	gdb_send_str(s, "l");
}

static void h_qc(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm, vcpu;
	struct gdb_buf *b;

	(void)p;
	(void)end;
	if (!resolve(s, &s->g, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	b = reply(s);
	gdb_puts(b, "QC");
	put_thread(s, b, vm, vcpu);
	gdb_send_reply(s);
}

static void h_qattached(struct gdb_stub *s, const char *p, const char *end)
{
	unsigned vm;

	if (p != end) {
		/* qAttached:PID */
		uint64_t pid;

		if (*p++ != ':' || !gdb_parse_hex(&p, end, &pid) || p != end || pid == 0 ||
		    pid > GDB_MAX_VMS) {
			gdb_send_str(s, GDB_E_ARGS);
			return;
		}
		vm = (unsigned)pid - 1;
		if (!s->vm[vm].attached) {
			gdb_send_str(s, GDB_E_THREAD);
			return;
		}
	}
	gdb_send_str(s, "1"); /* always an existing VM: detach leaves it running */
}

static void h_qthreadextrainfo(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_tid t;
	unsigned vm, vcpu;
	char text[64];
	struct gdb_buf tb, *b;

	if (p == end || *p++ != ',' || !parse_tid_all(s, p, end, &t) || t.tid <= 0) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!resolve(s, &t, &vm, &vcpu)) {
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	gdb_buf_reset(&tb, text, sizeof(text));
	put_extra_info(s, &tb, vm, vcpu);
	b = reply(s);
	gdb_put_hex_bytes(b, (const uint8_t *)text, tb.len);
	gdb_send_reply(s);
}

static void threads_xml(struct gdb_stub *s)
{
	struct gdb_buf b;

	gdb_buf_reset(&b, s->threads_xml, sizeof(s->threads_xml));
	gdb_puts(&b, "<?xml version=\"1.0\"?>\n<threads>\n");
	for (unsigned v = 0; v < GDB_MAX_VMS; v++) {
		struct gdb_vcpu_info info;
		unsigned n;

		if (!s->vm[v].attached)
			continue;
		n = nr_vcpus(s, v);
		for (unsigned k = 0; k < n; k++) {
			gdb_puts(&b, "<thread id=\"");
			put_thread(s, &b, v, k);
			gdb_puts(&b, "\" name=\"vm");
			gdb_put_dec(&b, v);
			gdb_puts(&b, "/vcpu");
			gdb_put_dec(&b, k);
			gdb_putc(&b, '"');
			if (s->ops->vcpu_info(s->ctx, v, k, &info) == 0) {
				gdb_puts(&b, " core=\"");
				gdb_put_dec(&b, info.pcpu);
				gdb_putc(&b, '"');
			}
			gdb_putc(&b, '>');
			put_extra_info(s, &b, v, k);
			gdb_puts(&b, "</thread>\n");
		}
	}
	gdb_puts(&b, "</threads>\n");
	/* 32 threads of about 100 bytes each cannot overflow 8 KiB */
	s->threads_len = b.overflow ? 0 : b.len;
}

/* qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH (features and threads). */
static void h_qxfer(struct gdb_stub *s, const char *p, const char *end)
{
	const char *obj, *annex, *data;
	size_t obj_len, annex_len, doc_len, used;
	uint64_t off, len;
	char name[32];
	struct gdb_buf *b;

	if (p == end || *p++ != ':')
		goto bad;
	obj = p;
	while (p < end && *p != ':')
		p++;
	obj_len = (size_t)(p - obj);
	if (end - p < 6 || memcmp(p, ":read:", 6) != 0) {
		send_empty(s); /* writes and other operations are not offered */
		return;
	}
	p += 6;
	annex = p;
	while (p < end && *p != ':')
		p++;
	annex_len = (size_t)(p - annex);
	if (p == end || *p++ != ':' || !parse_range(&p, end, 0, &off, &len) || len == 0)
		goto bad;
	if (obj_len == 8 && memcmp(obj, "features", 8) == 0) {
		if (annex_len >= sizeof(name))
			goto unknown;
		memcpy(name, annex, annex_len);
		name[annex_len] = '\0';
		data = gdb_feature_xml(name, &doc_len);
		if (!data)
			goto unknown;
	} else if (obj_len == 7 && memcmp(obj, "threads", 7) == 0) {
		if (annex_len != 0)
			goto unknown;
		/* a snapshot at offset 0, so later chunks of one read agree */
		if (off == 0)
			threads_xml(s);
		data = s->threads_xml;
		doc_len = s->threads_len;
	} else {
		send_empty(s);
		return;
	}
	b = reply(s);
	if (off >= doc_len) {
		gdb_putc(b, 'l');
		gdb_send_reply(s);
		return;
	}
	gdb_putc(b, 'l');
	used = gdb_put_binary(b, (const uint8_t *)data + off, doc_len - (size_t)off,
			      len < GDB_REPLY_MAX - 1 ? (size_t)len : GDB_REPLY_MAX - 1);
	if (off + used < doc_len)
		b->p[0] = 'm';
	gdb_send_reply(s);
	return;
unknown:
	gdb_send_str(s, GDB_E_THREAD);
	return;
bad:
	gdb_send_str(s, GDB_E_ARGS);
}

/* ---------------------------------------------------------------- monitor */

struct engine_out {
	struct gdb_out out;
	struct gdb_stub *s;
};

static void out_write(struct gdb_out *out, const char *str, size_t n)
{
	struct engine_out *eo = (struct engine_out *)out;

	gdb_send_console(eo->s, str, n);
}

static void say(struct gdb_stub *s, const char *str)
{
	gdb_send_console(s, str, strlen(str));
}

static bool word_is(const char *cmd, const char *w)
{
	size_t n = strlen(w);

	return strncmp(cmd, w, n) == 0 && (cmd[n] == '\0' || cmd[n] == ' ');
}

/*
 * monitor ipa [on|off], per attached VM. The engine keeps the mode (it is
 * the address space of every mem_read/mem_write for that VM) and passes the
 * command on, so a target that also translates addresses elsewhere
 * (breakpoints, its own monitor commands) agrees; when the target does not
 * know the command the engine answers it alone.
 */
static void h_monitor_ipa(struct gdb_stub *s, const char *arg, bool have_vm, unsigned vm,
			  unsigned vcpu, struct gdb_out *out)
{
	int on = -1, r;

	while (*arg == ' ')
		arg++;
	if (strcmp(arg, "on") == 0) {
		on = 1;
	} else if (strcmp(arg, "off") == 0) {
		on = 0;
	} else if (*arg) {
		say(s, "usage: monitor ipa [on|off]\n");
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (!have_vm) {
		say(s, "no VM attached\n");
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	r = s->ops->monitor(s->ctx, vm, vcpu, on < 0 ? "ipa" : on ? "ipa on" : "ipa off", out);
	if (r < 0 && r != -ENOENT) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	if (on >= 0)
		s->vm[vm].ipa = on;
	if (r == -ENOENT)
		say(s, s->vm[vm].ipa ? "addresses are guest physical (IPA)\n"
				     : "addresses are guest virtual\n");
	send_ok(s);
}

/* qRcmd,HEX: the engine's own commands, then the target's. */
static void h_qrcmd(struct gdb_stub *s, const char *p, const char *end)
{
	struct engine_out eo = { .out = { .write = out_write }, .s = s };
	char *cmd = (char *)s->mem, *e;
	size_t n;
	unsigned vm, vcpu;
	bool have_vm;
	int r;

	if (p == end || *p++ != ',' || (size_t)(end - p) % 2 ||
	    (size_t)(end - p) / 2 >= sizeof(s->mem) ||
	    !gdb_decode_hex(p, (size_t)(end - p), s->mem, (size_t)(end - p) / 2)) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	n = (size_t)(end - p) / 2;
	cmd[n] = '\0';
	if (strlen(cmd) != n) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	while (*cmd == ' ')
		cmd++;
	e = cmd + strlen(cmd);
	while (e > cmd && (e[-1] == ' ' || e[-1] == '\n'))
		*--e = '\0';
	have_vm = resolve(s, &s->g, &vm, &vcpu);
	if (word_is(cmd, "help") || *cmd == '\0') {
		say(s, "ipa [on|off]  m/M/X addresses are guest physical (on) or virtual (off)\n"
		       "help          this list\n");
		if (have_vm)
			(void)s->ops->monitor(s->ctx, vm, vcpu, "help", &eo.out);
		send_ok(s);
		return;
	}
	if (word_is(cmd, "ipa")) {
		h_monitor_ipa(s, cmd + 3, have_vm, vm, vcpu, &eo.out);
		return;
	}
	if (!have_vm) {
		say(s, "no VM attached\n");
		gdb_send_str(s, GDB_E_THREAD);
		return;
	}
	r = s->ops->monitor(s->ctx, vm, vcpu, cmd, &eo.out);
	if (r == -ENOENT) {
		say(s, "unknown monitor command (try: monitor help)\n");
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	if (r < 0) {
		gdb_send_str(s, GDB_E_TARGET);
		return;
	}
	send_ok(s);
}

/* ---------------------------------------------------------------- the rest */

static void h_qsupported(struct gdb_stub *s, const char *p, const char *end)
{
	struct gdb_buf *b;

	/* gdb's features: name+, name-, name? or name=value, ';'-separated */
	if (p < end && *p == ':')
		p++;
	while (p < end) {
		const char *f = p;
		size_t n;

		while (p < end && *p != ';')
			p++;
		n = (size_t)(p - f);
		if (n == 13 && memcmp(f, "multiprocess+", 13) == 0)
			s->multiprocess = true;
		else if (n == 8 && memcmp(f, "swbreak+", 8) == 0)
			s->swbreak = true;
		else if (n == 8 && memcmp(f, "hwbreak+", 8) == 0)
			s->hwbreak = true;
		if (p < end)
			p++;
	}
	b = reply(s);
	gdb_puts(b, "PacketSize=");
	gdb_put_hex(b, GDB_PACKET_SIZE);
	gdb_puts(b, ";QStartNoAckMode+;multiprocess+;swbreak+;hwbreak+"
		    ";qXfer:features:read+;qXfer:threads:read+;vContSupported+");
	gdb_send_reply(s);
}

static void h_noack(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	send_ok(s); /* gdb acknowledges this OK, then neither side does */
	s->noack = true;
}

static void h_extended(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	s->extended = true;
	send_ok(s);
}

static void h_ok(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	send_ok(s);
}

static void h_empty(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	send_empty(s);
}

static void h_vrun(struct gdb_stub *s, const char *p, const char *end)
{
	(void)p;
	(void)end;
	gdb_send_str(s, GDB_E_TARGET); /* VMs are started by hypscope run, not by gdb */
}

static void h_vcont_pkt(struct gdb_stub *s, const char *p, const char *end)
{
	h_vcont(s, p, end);
}

typedef void (*handler_fn)(struct gdb_stub *s, const char *args, const char *end);

/* Named packets: the name, then the end or a non-alphanumeric character. */
static const struct {
	const char *name;
	handler_fn fn;
} named[] = {
	{ "qSupported", h_qsupported },
	{ "QStartNoAckMode", h_noack },
	{ "vMustReplyEmpty", h_empty },
	{ "qXfer", h_qxfer },
	{ "qfThreadInfo", h_qfthreadinfo },
	{ "qsThreadInfo", h_qsthreadinfo },
	{ "qThreadExtraInfo", h_qthreadextrainfo },
	{ "qC", h_qc },
	{ "qAttached", h_qattached },
	{ "qRcmd", h_qrcmd },
	{ "qSymbol", h_ok },
	{ "qTStatus", h_empty },
	{ "vCont", h_vcont_pkt },
	{ "vAttach", h_vattach },
	{ "vKill", h_vkill },
	{ "vRun", h_vrun },
};

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* One-letter packets. */
static const handler_fn letters[128] = {
	['?'] = h_status, ['!'] = h_extended, ['H'] = h_H, ['T'] = h_T,
	['g'] = h_g,      ['G'] = h_G,        ['p'] = h_p, ['P'] = h_P,
	['m'] = h_m,      ['M'] = h_M,        ['X'] = h_X, ['D'] = h_D,
	['k'] = h_k,
};

void gdb_handle_packet(struct gdb_stub *s, char *buf, size_t len, bool too_long)
{
	const char *end = buf + len;
	char c = len ? buf[0] : 0;

	if (too_long) {
		gdb_send_str(s, GDB_E_TOOLONG);
		return;
	}
	if (c == 'q' || c == 'Q' || c == 'v') {
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
			size_t n = strlen(named[i].name);

			if (len >= n && memcmp(buf, named[i].name, n) == 0 &&
			    (len == n || !is_name_char(buf[n]))) {
				named[i].fn(s, buf + n, end);
				return;
			}
		}
		send_empty(s);
		return;
	}
	switch (c) {
	case 'c':
	case 'C':
	case 's':
	case 'S':
		h_legacy_resume(s, c, buf + 1, end);
		return;
	case 'Z':
	case 'z':
		h_Z(s, c, buf + 1, end);
		return;
	default:
		break;
	}
	if (c > 0 && letters[(unsigned char)c]) {
		letters[(unsigned char)c](s, buf + 1, end);
		return;
	}
	send_empty(s);
}

/* ---------------------------------------------------------------- entry points */

void gdb_interrupt(struct gdb_stub *s)
{
	unsigned vm, vcpu;

	/* All-stop: gdb only interrupts while it waits; then the current VM stops first. */
	if (!s->waiting)
		return;
	if (resolve(s, &s->g, &vm, &vcpu) && s->vm[vm].running && !s->vm[vm].stop_req) {
		stop_vm(s, vm, false);
	} else {
		for (unsigned v = 0; v < GDB_MAX_VMS; v++) {
			if (s->vm[v].attached && s->vm[v].running && !s->vm[v].stop_req) {
				stop_vm(s, v, false);
				break;
			}
		}
	}
	settle(s);
}

struct gdb_stub *gdb_stub_init(const struct gdb_target_ops *ops, void *ctx, unsigned default_vm)
{
	struct gdb_stub *s = &stub;

	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->default_vm = default_vm;
	session_clear(s);
	return s;
}

void gdb_stub_rx(struct gdb_stub *s, const uint8_t *buf, size_t len)
{
	if (!s || !buf)
		return;
	gdb_rx_bytes(s, buf, len);
}

void gdb_stub_event(struct gdb_stub *s, const struct gdb_event *ev)
{
	struct gdb_vm *v;
	struct gdb_vmstop *st;

	if (!s || !ev || ev->vm >= GDB_MAX_VMS)
		return;
	v = &s->vm[ev->vm];
	if (!v->attached)
		return; /* not ours, or killed/detached already */
	st = &v->ev;
	if (ev->type == GDB_EV_EXITED) {
		v->attached = false;
		v->running = v->stop_req = v->quiesce = false;
		st->kind = GDB_PEND_EXIT;
		st->reported = false;
		st->exit_status = ev->exit_status;
		settle(s);
		return;
	}
	if (ev->type != GDB_EV_STOPPED)
		return;
	if (v->quiesce && ev->reason == GDB_STOP_INTERRUPT) {
		/* the engine's own all-stop stop: not news, but it names the vCPU */
		st->kind = GDB_PEND_NONE;
	} else {
		st->kind = GDB_PEND_STOP;
		st->reported = false;
		st->reason = ev->reason;
		st->signal = ev->signal;
		st->addr = ev->addr;
		st->text[0] = '\0';
		if (ev->text && ev->text[0]) {
			/* gdb prints it as it comes: it gets a line of its own */
			size_t n = strnlen(ev->text, sizeof(st->text) - 2);

			memcpy(st->text, ev->text, n);
			if (st->text[n - 1] != '\n')
				st->text[n++] = '\n';
			st->text[n] = '\0';
		}
	}
	st->vcpu = ev->vcpu < nr_vcpus(s, ev->vm) ? ev->vcpu : 0;
	v->running = v->stop_req = v->quiesce = false;
	settle(s);
}

void gdb_stub_reset(struct gdb_stub *s)
{
	if (!s)
		return;
	gdb_session_reset(s);
	s->rx.state = GDB_RX_IDLE;
}
