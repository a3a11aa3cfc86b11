/*
 * A fake debug target for the GDB protocol engine (gdbstub/target.h), shared
 * by the unit test, the fuzzer and the gdb-facing harness. Header-only so
 * each of those single-file programs includes it without build rules of
 * its own.
 *
 * It records every call in a log ("attach 0", "resume 0 cs--", ...), holds
 * registers, a little RAM per VM, breakpoints, and queues the events a real
 * target would report later; fake_deliver() hands them to the engine, the way
 * the hypervisor does once the vCPUs have stopped. The RAM is at FAKE_IPA as
 * guest physical and at FAKE_VA as guest virtual, so the address space the
 * engine asks for shows. With autorun set, a continue runs to the next
 * breakpoint above the PC (as if code ran straight on), else it runs until
 * stopped; a step moves the PC on by 4.
 */
#ifndef TESTS_GDBSTUB_FAKE_H
#define TESTS_GDBSTUB_FAKE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub/target.h"

#define FAKE_RAM      0x4000u
#define FAKE_IPA      0x40000000ull
#define FAKE_VA       0xffff800040000000ull
#define FAKE_MAX_BPS  8
#define FAKE_TX_MAX   (1u << 18)
#define FAKE_LOG_MAX  8192
#define FAKE_QUEUE    32

struct fake_bp {
	bool used;
	enum gdb_bp_type type;
	uint64_t addr;
	unsigned kind;
};

struct fake_vm {
	bool present;
	unsigned nr_vcpus;
	bool attached;
	bool running;
	uint32_t vmid;
	enum gdb_vcpu_state state[GDB_MAX_VCPUS];
	uint8_t regs[GDB_MAX_VCPUS][GDB_NR_REGS][16];
	uint8_t ram[FAKE_RAM];
	struct fake_bp bp[FAKE_MAX_BPS];
};

struct fake {
	struct gdb_stub *stub;
	struct fake_vm vm[GDB_MAX_VMS];
	char tx[FAKE_TX_MAX];
	size_t tx_len;
	bool tx_overflow;
	char log[FAKE_LOG_MAX];
	size_t log_len;
	struct gdb_event queue[FAKE_QUEUE];
	unsigned nq;
	bool autorun;
	bool refuse_stop;   /* stop() fails */
	bool no_awatch;     /* Z4 is not supported */
	bool target_ipa;    /* the target has a "monitor ipa" of its own */
	bool ipa_on;        /* what it was told */
	unsigned exit_status;
	char catch_text[64];
};

static inline void fake_log(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void fake_log(struct fake *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (f->log_len >= FAKE_LOG_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->log + f->log_len, FAKE_LOG_MAX - f->log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->log_len += (size_t)n < FAKE_LOG_MAX - f->log_len ? (size_t)n
								  : FAKE_LOG_MAX - 1 - f->log_len;
}

static inline void fake_queue(struct fake *f, const struct gdb_event *ev)
{
	if (f->nq < FAKE_QUEUE)
		f->queue[f->nq++] = *ev;
}

static inline void fake_queue_stop(struct fake *f, unsigned vm, unsigned vcpu,
			    enum gdb_stop_reason reason, int sig, uint64_t addr)
{
	struct gdb_event ev = {
		.type = GDB_EV_STOPPED, .vm = vm, .vcpu = vcpu, .reason = reason,
		.signal = sig, .addr = addr,
		.text = reason == GDB_STOP_CATCH ? f->catch_text : NULL,
	};

	f->vm[vm].running = false;
	fake_queue(f, &ev);
}

static inline uint64_t fake_get64(struct fake *f, unsigned vm, unsigned vcpu, unsigned regno)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)f->vm[vm].regs[vcpu][regno][i] << (8 * i);
	return v;
}

static inline void fake_set64(struct fake *f, unsigned vm, unsigned vcpu, unsigned regno, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		f->vm[vm].regs[vcpu][regno][i] = (uint8_t)(v >> (8 * i));
}

/* ---------------------------------------------------------------- the ops */

static inline void fake_tx(void *ctx, const char *buf, size_t len)
{
	struct fake *f = ctx;

	if (len > FAKE_TX_MAX - f->tx_len) {
		f->tx_overflow = true;
		len = FAKE_TX_MAX - f->tx_len;
	}
	memcpy(f->tx + f->tx_len, buf, len);
	f->tx_len += len;
}

static inline bool fake_vm_present(void *ctx, unsigned vm)
{
	struct fake *f = ctx;

	return vm < GDB_MAX_VMS && f->vm[vm].present;
}

static inline unsigned fake_vm_vcpus(void *ctx, unsigned vm)
{
	struct fake *f = ctx;

	return vm < GDB_MAX_VMS && f->vm[vm].present ? f->vm[vm].nr_vcpus : 0;
}

static inline int fake_vcpu_info(void *ctx, unsigned vm, unsigned vcpu, struct gdb_vcpu_info *info)
{
	struct fake *f = ctx;

	if (vm >= GDB_MAX_VMS || !f->vm[vm].present || vcpu >= f->vm[vm].nr_vcpus)
		return -ENOENT;
	info->state = f->vm[vm].state[vcpu];
	info->pcpu = vcpu % 2;
	info->vmid = f->vm[vm].vmid;
	return 0;
}

static inline unsigned fake_online_vcpu(struct fake *f, unsigned vm)
{
	for (unsigned k = 0; k < f->vm[vm].nr_vcpus; k++)
		if (f->vm[vm].state[k] != GDB_VCPU_OFF)
			return k;
	return 0;
}

static inline int fake_attach(void *ctx, unsigned vm)
{
	struct fake *f = ctx;

	fake_log(f, "attach %u\n", vm);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].present || f->vm[vm].attached)
		return -ENOENT;
	f->vm[vm].attached = true;
	fake_queue_stop(f, vm, fake_online_vcpu(f, vm), GDB_STOP_INTERRUPT, 5, 0);
	return 0;
}

static inline int fake_detach(void *ctx, unsigned vm)
{
	struct fake *f = ctx;

	fake_log(f, "detach %u\n", vm);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -ENOENT;
	memset(f->vm[vm].bp, 0, sizeof(f->vm[vm].bp));
	f->vm[vm].attached = false;
	f->vm[vm].running = true;
	return 0;
}

static inline int fake_kill(void *ctx, unsigned vm)
{
	struct fake *f = ctx;
	struct gdb_event ev = { .type = GDB_EV_EXITED, .vm = vm, .exit_status = 9 };

	fake_log(f, "kill %u\n", vm);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -ENOENT;
	f->vm[vm].present = false;
	f->vm[vm].attached = false;
	fake_queue(f, &ev);
	return 0;
}

static inline int fake_stop(void *ctx, unsigned vm)
{
	struct fake *f = ctx;

	fake_log(f, "stop %u\n", vm);
	if (f->refuse_stop || vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -EINVAL;
	if (f->vm[vm].running)
		fake_queue_stop(f, vm, fake_online_vcpu(f, vm), GDB_STOP_INTERRUPT, 2, 0);
	return 0;
}

/* autorun: the breakpoint a vCPU running on from pc reaches first. */
static inline const struct fake_bp *fake_next_bp(struct fake *f, unsigned vm, uint64_t pc)
{
	const struct fake_bp *best = NULL;

	for (unsigned i = 0; i < FAKE_MAX_BPS; i++) {
		const struct fake_bp *b = &f->vm[vm].bp[i];

		if (b->used && b->type <= GDB_BP_HW && b->addr > pc && (!best || b->addr < best->addr))
			best = b;
	}
	return best;
}

static inline int fake_resume(void *ctx, unsigned vm, const struct gdb_resume *r)
{
	struct fake *f = ctx;
	static const char act[] = "-cs";
	int step = -1, cont = -1;

	fake_log(f, "resume %u ", vm);
	for (unsigned k = 0; k < GDB_MAX_VCPUS; k++)
		fake_log(f, "%c", r->action[k] <= GDB_ACT_STEP ? act[r->action[k]] : '?');
	fake_log(f, "\n");
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached || f->vm[vm].running)
		return -EINVAL;
	for (unsigned k = 0; k < f->vm[vm].nr_vcpus; k++) {
		if (r->action[k] == GDB_ACT_STEP && step < 0 && f->vm[vm].state[k] != GDB_VCPU_OFF)
			step = (int)k;
		if (r->action[k] == GDB_ACT_CONT && cont < 0)
			cont = (int)k;
	}
	f->vm[vm].running = true;
	if (step >= 0) {
		fake_set64(f, vm, (unsigned)step, GDB_REG_PC,
			   fake_get64(f, vm, (unsigned)step, GDB_REG_PC) + 4);
		fake_queue_stop(f, vm, (unsigned)step, GDB_STOP_STEP, 5, 0);
	} else if (f->autorun && cont >= 0) {
		const struct fake_bp *b =
			fake_next_bp(f, vm, fake_get64(f, vm, (unsigned)cont, GDB_REG_PC));

		if (b) {
			fake_set64(f, vm, (unsigned)cont, GDB_REG_PC, b->addr);
			fake_queue_stop(f, vm, (unsigned)cont,
					b->type == GDB_BP_SW ? GDB_STOP_SWBREAK : GDB_STOP_HWBREAK, 5,
					0);
		}
	}
	return 0;
}

static inline int fake_reg_read(void *ctx, unsigned vm, unsigned vcpu, unsigned regno, uint8_t *buf)
{
	struct fake *f = ctx;
	unsigned size = regno < GDB_REG_CPSR ? 8 : regno == GDB_REG_CPSR ? 4
		      : regno < GDB_REG_FPSR  ? 16
		      : regno <= GDB_REG_FPCR ? 4
					      : 8;

	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached || vcpu >= f->vm[vm].nr_vcpus ||
	    regno >= GDB_NR_REGS)
		return -EINVAL;
	if (f->vm[vm].running)
		return -EBUSY;
	memcpy(buf, f->vm[vm].regs[vcpu][regno], size);
	return (int)size;
}

static inline int fake_reg_write(void *ctx, unsigned vm, unsigned vcpu, unsigned regno,
			  const uint8_t *buf)
{
	struct fake *f = ctx;
	unsigned size = regno < GDB_REG_CPSR ? 8 : regno == GDB_REG_CPSR ? 4
		      : regno < GDB_REG_FPSR  ? 16
		      : regno <= GDB_REG_FPCR ? 4
					      : 8;

	fake_log(f, "reg_write %u %u %u\n", vm, vcpu, regno);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached || vcpu >= f->vm[vm].nr_vcpus ||
	    regno >= GDB_NR_REGS || f->vm[vm].running)
		return -EINVAL;
	memcpy(f->vm[vm].regs[vcpu][regno], buf, size);
	return (int)size;
}

/* The RAM offset of addr in space as, or -1; n gets the bytes left from there. */
static inline long fake_ram_off(enum gdb_addr_space as, uint64_t addr, size_t *n)
{
	uint64_t base = as == GDB_ADDR_IPA ? FAKE_IPA : FAKE_VA;

	if (addr < base || addr - base >= FAKE_RAM)
		return -1;
	*n = FAKE_RAM - (size_t)(addr - base);
	return (long)(addr - base);
}

static inline long fake_mem_read(void *ctx, unsigned vm, unsigned vcpu, enum gdb_addr_space as,
			  uint64_t addr, uint8_t *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n;
	long off;

	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached || vcpu >= f->vm[vm].nr_vcpus)
		return -EINVAL;
	off = fake_ram_off(as, addr, &n);
	if (off < 0)
		return -EFAULT;
	if (len < n)
		n = len;
	memcpy(buf, f->vm[vm].ram + off, n);
	return (long)n;
}

static inline long fake_mem_write(void *ctx, unsigned vm, unsigned vcpu, enum gdb_addr_space as,
			   uint64_t addr, const uint8_t *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n;
	long off;

	fake_log(f, "mem_write %u %s %#llx %zu\n", vm, as == GDB_ADDR_IPA ? "ipa" : "va",
		 (unsigned long long)addr, len);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached || vcpu >= f->vm[vm].nr_vcpus)
		return -EINVAL;
	off = fake_ram_off(as, addr, &n);
	if (off < 0)
		return -EFAULT;
	if (len < n)
		n = len;
	memcpy(f->vm[vm].ram + off, buf, n);
	return (long)n;
}

static inline int fake_bp_insert(void *ctx, unsigned vm, enum gdb_bp_type type, uint64_t addr,
			  unsigned kind)
{
	struct fake *f = ctx;
	struct fake_bp *free_slot = NULL;

	fake_log(f, "bp_insert %u %d %#llx %u\n", vm, (int)type, (unsigned long long)addr, kind);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -EINVAL;
	if (type == GDB_WP_ACCESS && f->no_awatch)
		return -ENOTSUP;
	for (unsigned i = 0; i < FAKE_MAX_BPS; i++) {
		struct fake_bp *b = &f->vm[vm].bp[i];

		if (b->used && b->type == type && b->addr == addr && b->kind == kind)
			return 0;
		if (!b->used && !free_slot)
			free_slot = b;
	}
	if (!free_slot)
		return -ENOSPC;
	*free_slot = (struct fake_bp){ .used = true, .type = type, .addr = addr, .kind = kind };
	return 0;
}

static inline int fake_bp_remove(void *ctx, unsigned vm, enum gdb_bp_type type, uint64_t addr,
			  unsigned kind)
{
	struct fake *f = ctx;

	fake_log(f, "bp_remove %u %d %#llx %u\n", vm, (int)type, (unsigned long long)addr, kind);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -EINVAL;
	for (unsigned i = 0; i < FAKE_MAX_BPS; i++) {
		struct fake_bp *b = &f->vm[vm].bp[i];

		if (b->used && b->type == type && b->addr == addr && b->kind == kind)
			b->used = false;
	}
	return 0;
}

static inline int fake_monitor(void *ctx, unsigned vm, unsigned vcpu, const char *cmd,
			struct gdb_out *out)
{
	struct fake *f = ctx;

	fake_log(f, "monitor %u %u %s\n", vm, vcpu, cmd);
	if (vm >= GDB_MAX_VMS || !f->vm[vm].attached)
		return -EINVAL;
	if (strcmp(cmd, "help") == 0) {
		out->write(out, "vcpu          the fake's vCPU\n", 30);
		return 0;
	}
	if (strcmp(cmd, "vcpu") == 0) {
		char line[32];
		int n = snprintf(line, sizeof(line), "vm %u vcpu %u\n", vm, vcpu);

		out->write(out, line, (size_t)n);
		return 0;
	}
	if (strcmp(cmd, "fail") == 0)
		return -EINVAL;
	if (strcmp(cmd, "long") == 0) {
		char text[600];

		memset(text, 'a', sizeof(text));
		out->write(out, text, sizeof(text));
		return 0;
	}
	if (f->target_ipa && strncmp(cmd, "ipa", 3) == 0) {
		if (strcmp(cmd, "ipa on") == 0)
			f->ipa_on = true;
		else if (strcmp(cmd, "ipa off") == 0)
			f->ipa_on = false;
		out->write(out, f->ipa_on ? "ipa is on\n" : "ipa is off\n", f->ipa_on ? 10 : 11);
		return 0;
	}
	return -ENOENT;
}

static const struct gdb_target_ops fake_ops = {
	.tx = fake_tx,
	.vm_present = fake_vm_present,
	.vm_vcpus = fake_vm_vcpus,
	.vcpu_info = fake_vcpu_info,
	.attach = fake_attach,
	.detach = fake_detach,
	.kill = fake_kill,
	.stop = fake_stop,
	.resume = fake_resume,
	.reg_read = fake_reg_read,
	.reg_write = fake_reg_write,
	.mem_read = fake_mem_read,
	.mem_write = fake_mem_write,
	.bp_insert = fake_bp_insert,
	.bp_remove = fake_bp_remove,
	.monitor = fake_monitor,
};

/* ---------------------------------------------------------------- driving it */

/* A VM slot with n vCPUs: distinct register values, RAM of NOPs (0xd503201f). */
static inline void fake_add_vm(struct fake *f, unsigned vm, unsigned nr_vcpus)
{
	struct fake_vm *v = &f->vm[vm];

	v->present = true;
	v->nr_vcpus = nr_vcpus;
	v->running = true;
	v->vmid = vm + 1;
	for (unsigned k = 0; k < nr_vcpus; k++) {
		v->state[k] = GDB_VCPU_RUNNING;
		for (unsigned r = 0; r < GDB_NR_REGS; r++)
			fake_set64(f, vm, k, r, ((uint64_t)(vm + 1) << 16) | (k << 8) | r);
		fake_set64(f, vm, k, GDB_REG_PC, FAKE_VA + 0x1000 + 0x100 * k);
		memset(v->regs[k][GDB_REG_CPSR], 0, 4);
		v->regs[k][GDB_REG_CPSR][0] = 0xc5; /* EL1h, IRQ and FIQ masked */
	}
	for (unsigned i = 0; i < FAKE_RAM; i += 4) {
		v->ram[i] = 0x1f;
		v->ram[i + 1] = 0x20;
		v->ram[i + 2] = 0x03;
		v->ram[i + 3] = 0xd5;
	}
}

static inline void fake_init(struct fake *f, unsigned default_vm)
{
	memset(f, 0, sizeof(*f));
	f->stub = gdb_stub_init(&fake_ops, f, default_vm);
}

/* The queued events to the engine, as the hypervisor reports them (new ones included). */
static inline void fake_deliver(struct fake *f)
{
	unsigned guard = 0;

	while (f->nq && guard++ < 1000) {
		struct gdb_event ev = f->queue[0];

		memmove(f->queue, f->queue + 1, (f->nq - 1) * sizeof(f->queue[0]));
		f->nq--;
		gdb_stub_event(f->stub, &ev);
	}
}

/* A running attached VM hits something (the test plays the guest). */
static inline void fake_hit(struct fake *f, unsigned vm, unsigned vcpu, enum gdb_stop_reason reason,
		     uint64_t addr)
{
	fake_queue_stop(f, vm, vcpu, reason, 5, addr);
}

/* The VM powers off by itself. */
static inline void fake_exit(struct fake *f, unsigned vm, unsigned status)
{
	struct gdb_event ev = { .type = GDB_EV_EXITED, .vm = vm, .exit_status = status };

	f->vm[vm].present = false;
	f->vm[vm].attached = false;
	fake_queue(f, &ev);
}

#endif
