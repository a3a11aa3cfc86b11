/*
 * Folding the KVM collector's events into trace records (kvm_fold.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exits.h"
#include "tracer/lib/kvm/kvm_fold.h"

/* arch/arm64/include/asm/kvm_asm.h: the exception code kvm_exit reports. */
#define ARM_EXCEPTION_IRQ       0
#define ARM_EXCEPTION_EL1_SERROR 1
#define ARM_EXCEPTION_TRAP      2
#define ARM_EXCEPTION_IL        3
#define ARM_EXIT_WITH_SERROR    (1u << 31)

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_HVC64    0x16
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24

/* KVM_EXIT_* of include/uapi/linux/kvm.h that tests and people meet most. */
static const char *const user_exit_names[] = {
	[0] = "UNKNOWN",        [1] = "EXCEPTION",   [2] = "IO",          [3] = "HYPERCALL",
	[4] = "DEBUG",          [5] = "HLT",         [6] = "MMIO",        [7] = "IRQ_WINDOW_OPEN",
	[8] = "SHUTDOWN",       [9] = "FAIL_ENTRY",  [10] = "INTR",       [17] = "INTERNAL_ERROR",
	[24] = "SYSTEM_EVENT",  [28] = "ARM_NISV",
};

struct fold_vm {
	uint64_t kvm;
	uint32_t pid;
	uint64_t vmid_raw; /* last VMID counter seen, 0 none */
};

struct fold_vcpu {
	uint64_t vcpu;
	uint16_t vm;
	uint16_t id;
	bool have_exit, have_mmio, have_smccc;
	bool user;         /* KVM_RUN returned to the VMM since the exit */
	struct trace_exit exit;
	struct trace_mmio mmio;
	struct trace_smccc smccc;
};

struct kvm_fold {
	unsigned nr_cpus;
	kvm_fold_emit_fn emit;
	kvm_fold_name_fn name;
	void *ctx;
	uint64_t seq[KVM_FOLD_MAX_CPUS];
	struct fold_vm vms[KVM_FOLD_MAX_VMS];
	struct fold_vcpu *vcpus; /* KVM_FOLD_MAX_VCPUS */
	struct kvm_fold_stats st;
};

struct kvm_fold *kvm_fold_new(unsigned nr_cpus, kvm_fold_emit_fn emit, kvm_fold_name_fn name,
			      void *ctx)
{
	struct kvm_fold *f;

	if (!nr_cpus || nr_cpus > KVM_FOLD_MAX_CPUS || !emit)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->vcpus = calloc(KVM_FOLD_MAX_VCPUS, sizeof(*f->vcpus));
	if (!f->vcpus) {
		free(f);
		return NULL;
	}
	f->nr_cpus = nr_cpus;
	f->emit = emit;
	f->name = name;
	f->ctx = ctx;
	return f;
}

void kvm_fold_free(struct kvm_fold *f)
{
	if (!f)
		return;
	free(f->vcpus);
	free(f);
}

void kvm_fold_stats(const struct kvm_fold *f, struct kvm_fold_stats *st)
{
	*st = f->st;
}

static int emit(struct kvm_fold *f, struct trace_hdr *h)
{
	h->seq = f->seq[h->cpu]++;
	f->st.records++;
	return f->emit(f->ctx, h->cpu, h, h->size);
}

/*
 * The kernel's VMID counter is generation << vmid_bits | VMID, the first
 * generation being 1 << vmid_bits. The width is not exported, so it is
 * inferred from the first counter seen: at or above 1 << 16 the VMIDs are
 * 16 bits wide (an 8-bit counter gets there only after 255 rollovers).
 */
static void split_vmid(struct kvm_fold *f, uint64_t raw, uint16_t *vmid, uint64_t *gen)
{
	unsigned bits;

	if (!raw) {
		*vmid = TRACE_NO_VMID;
		*gen = 0;
		return;
	}
	if (!f->st.vmid_bits)
		f->st.vmid_bits = raw >= (1u << 16) ? 16 : 8;
	bits = f->st.vmid_bits;
	*vmid = (uint16_t)(raw & ((1u << bits) - 1));
	*gen = raw >> bits;
}

static void hdr_init(struct kvm_fold *f, struct trace_hdr *h, uint16_t type, uint16_t size,
		     const struct kvm_ev *e, uint16_t vm, uint16_t vcpu)
{
	uint16_t vmid;
	uint64_t gen;

	memset(h, 0, sizeof(*h));
	split_vmid(f, e->vmid, &vmid, &gen);
	h->type = type;
	h->size = size;
	h->cpu = (uint16_t)e->cpu;
	h->vmid = vmid;
	h->ts = e->ts;
	h->vmid_gen = gen;
	h->vm = vm;
	h->vcpu = vcpu;
}

static int log_line(struct kvm_fold *f, const struct kvm_ev *e, uint16_t vm, uint16_t vcpu,
		    unsigned level, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int log_line(struct kvm_fold *f, const struct kvm_ev *e, uint16_t vm, uint16_t vcpu,
		    unsigned level, const char *fmt, ...)
{
	struct trace_log l;
	va_list ap;
	int n;

	memset(&l, 0, sizeof(l));
	hdr_init(f, &l.hdr, TRACE_LOG, sizeof(l), e, vm, vcpu);
	l.level = (uint8_t)level;
	va_start(ap, fmt);
	n = vsnprintf(l.text, sizeof(l.text), fmt, ap);
	va_end(ap);
	l.len = n < 0 ? 0 : (uint32_t)(n < (int)sizeof(l.text) ? n : (int)sizeof(l.text) - 1);
	return emit(f, &l.hdr);
}

/*
 * The VM slot of (kvm, pid), creating it (and its record) on first sight; -1
 * when the table is full. *err is the emit callback's error, if any.
 */
static int vm_slot(struct kvm_fold *f, const struct kvm_ev *e, int *err)
{
	struct trace_vm v;
	uint32_t i;

	for (i = 0; i < f->st.vms; i++) {
		if (f->vms[i].kvm == e->kvm && f->vms[i].pid == e->pid)
			return (int)i;
	}
	if (f->st.vms >= KVM_FOLD_MAX_VMS)
		return -1;
	i = f->st.vms++;
	f->vms[i].kvm = e->kvm;
	f->vms[i].pid = e->pid;
	memset(&v, 0, sizeof(v));
	hdr_init(f, &v.hdr, TRACE_VM_CREATE, sizeof(v), e, (uint16_t)i, TRACE_NO_VCPU);
	v.serial = i;
	if (f->name)
		f->name(f->ctx, e->pid, v.name, sizeof(v.name));
	else
		snprintf(v.name, sizeof(v.name), "pid %u", e->pid);
	*err = emit(f, &v.hdr);
	return (int)i;
}

static struct fold_vcpu *vcpu_of(struct kvm_fold *f, const struct kvm_ev *e, int *err)
{
	struct fold_vcpu *v;
	uint32_t i;
	int vm;

	*err = 0;
	for (i = 0; i < f->st.vcpus; i++) {
		if (f->vcpus[i].vcpu == e->vcpu) {
			v = &f->vcpus[i];
			if (f->vms[v->vm].kvm == e->kvm && f->vms[v->vm].pid == e->pid &&
			    v->id == (uint16_t)e->vcpu_id)
				goto found;
			/* the address was freed and reused by another vCPU */
			v->vcpu = 0;
		}
	}
	vm = vm_slot(f, e, err);
	if (*err)
		return NULL;
	if (vm < 0 || f->st.vcpus >= KVM_FOLD_MAX_VCPUS) {
		f->st.too_many++;
		return NULL;
	}
	v = &f->vcpus[f->st.vcpus++];
	memset(v, 0, sizeof(*v));
	v->vcpu = e->vcpu;
	v->vm = (uint16_t)vm;
	v->id = (uint16_t)e->vcpu_id;
found:
	vm = v->vm;
	if (e->vmid && f->vms[vm].vmid_raw != e->vmid) {
		uint64_t old = f->vms[vm].vmid_raw;

		f->vms[vm].vmid_raw = e->vmid;
		if (old) {
			uint16_t ov, nv;
			uint64_t og, ng;

			split_vmid(f, old, &ov, &og);
			split_vmid(f, e->vmid, &nv, &ng);
			*err = log_line(f, e, v->vm, v->id, TRACE_LOG_INFO,
					"VMID %u generation %llu -> VMID %u generation %llu", ov,
					(unsigned long long)og, nv, (unsigned long long)ng);
		}
	}
	return v;
}

static uint32_t exit_class(const struct kvm_ev *e, bool *esr_ok)
{
	uint32_t code = (uint32_t)e->a[0] & ~ARM_EXIT_WITH_SERROR;

	*esr_ok = false;
	switch (code) {
	case ARM_EXCEPTION_TRAP:
		*esr_ok = true;
		return ESR_EC(e->a[1]);
	case ARM_EXCEPTION_IRQ:
		return HYP_EXIT_IRQ;
	case ARM_EXCEPTION_EL1_SERROR:
		return HYP_EXIT_SERROR;
	default:
		return HYP_EXIT_ILLEGAL;
	}
}

/*
 * An emulation record written before its exit's record takes the exit's
 * time and CPU, so a CPU's records stay in time order (the hypervisor's
 * own records are written in that order too).
 */
static void before_exit(const struct fold_vcpu *v, struct trace_hdr *h)
{
	if (!v->have_exit)
		return;
	h->ts = v->exit.hdr.ts;
	h->cpu = v->exit.hdr.cpu;
}

static int flush_mmio(struct kvm_fold *f, struct fold_vcpu *v, uint32_t device)
{
	if (!v->have_mmio)
		return 0;
	v->have_mmio = false;
	v->mmio.device = device;
	before_exit(v, &v->mmio.hdr);
	return emit(f, &v->mmio.hdr);
}

static int flush_smccc(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *entry)
{
	if (!v->have_smccc)
		return 0;
	v->have_smccc = false;
	/* the results are what the guest finds in x0..x3 when it resumes */
	memcpy(v->smccc.result, &entry->a[1], sizeof(v->smccc.result));
	before_exit(v, &v->smccc.hdr);
	return emit(f, &v->smccc.hdr);
}

static int flush_exit(struct kvm_fold *f, struct fold_vcpu *v, uint8_t outcome)
{
	if (!v->have_exit)
		return 0;
	v->have_exit = false;
	v->exit.outcome = outcome;
	return emit(f, &v->exit.hdr);
}

static int fold_exit(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *e)
{
	struct trace_exit *x = &v->exit;
	bool esr_ok;
	uint32_t cls;
	int ret = 0;

	if (v->have_exit) {
		/* its entry or return was lost: it is still an exit */
		f->st.unpaired++;
		ret = flush_mmio(f, v, TRACE_DEV_KVM_KERNEL);
		ret = ret ? ret : flush_exit(f, v, TRACE_EXIT_HANDLED);
		if (ret)
			return ret;
	}
	v->have_smccc = false;
	v->user = false;
	cls = exit_class(e, &esr_ok);
	memset(x, 0, sizeof(*x));
	hdr_init(f, &x->hdr, TRACE_EXIT, sizeof(*x), e, v->vm, v->id);
	x->exit_class = (uint16_t)cls;
	x->elr = e->a[4];
	x->flags = TRACE_EXIT_NO_COST;
	if (esr_ok) {
		x->esr = e->a[1];
		/* KVM saves FAR_EL2 and HPFAR_EL2 only for aborts */
		if (cls == EC_DABT_LOW || cls == EC_IABT_LOW) {
			x->far = e->a[2];
			x->hpfar = e->a[3];
			x->flags |= TRACE_EXIT_FAR_VALID;
		}
	} else {
		x->flags |= TRACE_EXIT_NO_ESR;
	}
	v->have_exit = true;
	return 0;
}

static int fold_entry(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *e)
{
	struct trace_entry n;
	int ret;

	ret = flush_mmio(f, v, v->user ? TRACE_DEV_KVM_USER : TRACE_DEV_KVM_KERNEL);
	ret = ret ? ret : flush_smccc(f, v, e);
	ret = ret ? ret : flush_exit(f, v, TRACE_EXIT_HANDLED);
	if (ret)
		return ret;
	v->user = false;
	memset(&n, 0, sizeof(n));
	hdr_init(f, &n.hdr, TRACE_ENTRY, sizeof(n), e, v->vm, v->id);
	n.pc = e->a[0];
	return emit(f, &n.hdr);
}

static int fold_hvc(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *e)
{
	struct trace_smccc *c = &v->smccc;

	memset(c, 0, sizeof(*c));
	hdr_init(f, &c->hdr, TRACE_SMCCC, sizeof(*c), e, v->vm, v->id);
	c->fid = (uint32_t)e->a[1];
	c->conduit = TRACE_SMCCC_HVC;
	memcpy(c->args, &e->a[3], sizeof(c->args));
	v->have_smccc = true;
	return 0;
}

static uint64_t width_mask(uint64_t val, unsigned width)
{
	return width >= 8 ? val : val & ((1ull << (width * 8)) - 1);
}

static int fold_mmio(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *e)
{
	struct trace_mmio *m = &v->mmio;
	unsigned width = (unsigned)e->a[1];

	if (width != 1 && width != 2 && width != 4 && width != 8)
		width = 8;
	if (e->a[0] == KVM_TRACE_MMIO_READ && v->have_mmio && !m->is_write && m->ipa == e->a[2]) {
		/* the VMM's answer to an unsatisfied read, as the guest gets it, when it gets it */
		m->value = width_mask(e->a[3], width);
		m->hdr.ts = e->ts;
		m->hdr.cpu = (uint16_t)e->cpu;
		return flush_mmio(f, v, TRACE_DEV_KVM_USER);
	}
	if (v->have_mmio) {
		int ret = flush_mmio(f, v, v->user ? TRACE_DEV_KVM_USER : TRACE_DEV_KVM_KERNEL);

		if (ret)
			return ret;
	}
	memset(m, 0, sizeof(*m));
	hdr_init(f, &m->hdr, TRACE_MMIO, sizeof(*m), e, v->vm, v->id);
	m->ipa = e->a[2];
	m->width = (uint8_t)width;
	m->is_write = e->a[0] == KVM_TRACE_MMIO_WRITE;
	m->value = e->a[0] == KVM_TRACE_MMIO_READ_UNSATISFIED ? 0 : width_mask(e->a[3], width);
	m->result = TRACE_MMIO_OK;
	v->have_mmio = true;
	if (e->a[0] == KVM_TRACE_MMIO_READ)
		return flush_mmio(f, v, TRACE_DEV_KVM_KERNEL); /* satisfied in the kernel */
	return 0;
}

static int fold_run_leave(struct kvm_fold *f, struct fold_vcpu *v, const struct kvm_ev *e)
{
	uint32_t reason = (uint32_t)e->a[0];
	const char *name = reason < sizeof(user_exit_names) / sizeof(user_exit_names[0]) &&
					   user_exit_names[reason]
				   ? user_exit_names[reason]
				   : NULL;
	int ret = 0;

	v->user = true;
	/* a store's data went out with the exit; a load waits for the VMM's answer */
	if (v->have_mmio && v->mmio.is_write)
		ret = flush_mmio(f, v, TRACE_DEV_KVM_USER);
	ret = ret ? ret : flush_exit(f, v, TRACE_EXIT_TO_HOST);
	if (ret)
		return ret;
	if (name)
		return log_line(f, e, v->vm, v->id, TRACE_LOG_DEBUG, "KVM_RUN returned %lld: exit %s",
				(long long)e->a[1], name);
	return log_line(f, e, v->vm, v->id, TRACE_LOG_DEBUG, "KVM_RUN returned %lld: exit %u",
			(long long)e->a[1], reason);
}

static int fold_irq(struct kvm_fold *f, const struct kvm_ev *e)
{
	struct trace_irq_inject q;
	uint16_t vm = TRACE_NO_VM;
	uint32_t i, found = 0;
	int ret = 0;

	if (!e->a[2])
		return 0; /* a line lowered: not an injection */
	if (e->flags & KVM_EV_F_VCPU) {
		struct fold_vcpu *v = vcpu_of(f, e, &ret);

		if (ret)
			return ret;
		if (v)
			vm = v->vm;
	} else {
		/* from a VMM thread: the VM is known when that process has only one */
		for (i = 0; i < f->st.vms; i++) {
			if (f->vms[i].pid == e->pid) {
				vm = (uint16_t)i;
				found++;
			}
		}
		if (found != 1)
			vm = TRACE_NO_VM;
	}
	memset(&q, 0, sizeof(q));
	hdr_init(f, &q.hdr, TRACE_IRQ_INJECT, sizeof(q), e, vm, (uint16_t)e->a[0]);
	q.vintid = (uint32_t)e->a[1];
	q.target_vcpu = (uint16_t)e->a[0];
	q.source_vcpu = TRACE_NO_VCPU;
	if (e->type == KVM_EV_TIMER_IRQ)
		q.source = TRACE_IRQ_SRC_TIMER;
	else if (q.vintid < 16)
		q.source = TRACE_IRQ_SRC_SGI;
	else if (q.vintid < 32)
		q.source = TRACE_IRQ_SRC_OTHER;
	else
		q.source = TRACE_IRQ_SRC_DEVICE;
	return emit(f, &q.hdr);
}

int kvm_fold_event(struct kvm_fold *f, const struct kvm_ev *e)
{
	struct fold_vcpu *v;
	int ret;

	f->st.events++;
	if (e->cpu >= f->nr_cpus) {
		f->st.bad_cpu++;
		return 0;
	}
	if (e->type == KVM_EV_VGIC_IRQ || e->type == KVM_EV_TIMER_IRQ)
		return fold_irq(f, e);
	if (!(e->flags & KVM_EV_F_VCPU) || !e->vcpu || e->vcpu_id < 0) {
		f->st.no_vcpu++;
		return 0;
	}
	v = vcpu_of(f, e, &ret);
	if (!v)
		return ret;
	if (ret)
		return ret;
	switch (e->type) {
	case KVM_EV_EXIT:
		return fold_exit(f, v, e);
	case KVM_EV_ENTRY:
		return fold_entry(f, v, e);
	case KVM_EV_HVC:
		return fold_hvc(f, v, e);
	case KVM_EV_MMIO:
		return fold_mmio(f, v, e);
	case KVM_EV_RUN_LEAVE:
		return fold_run_leave(f, v, e);
	case KVM_EV_RUN_ENTER:
	case KVM_EV_SYSREG: /* the register is named by the exit's ESR */
	default:
		return 0;
	}
}

int kvm_fold_flush(struct kvm_fold *f)
{
	uint32_t i;
	int ret = 0;

	for (i = 0; i < f->st.vcpus && !ret; i++) {
		ret = flush_mmio(f, &f->vcpus[i],
				 f->vcpus[i].user ? TRACE_DEV_KVM_USER : TRACE_DEV_KVM_KERNEL);
		ret = ret ? ret : flush_exit(f, &f->vcpus[i], TRACE_EXIT_HANDLED);
	}
	return ret;
}
