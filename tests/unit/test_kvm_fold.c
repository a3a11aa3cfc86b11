/*
 * Unit tests for tracer/lib/kvm/kvm_fold.c: the KVM collector's events, made by
 * hand as the BPF programs would write them, folded into trace records.
 * Exits wait for their outcome (next entry: handled; KVM_RUN returning:
 * handed to the VMM), emulation records come just before their exit, IRQ
 * exits are IRQ and carry no ESR, VMs and vCPUs are numbered as first seen,
 * sequence numbers count per CPU, VMIDs split at the inferred width, and
 * events without a vCPU are counted, not folded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/exits.h"
#include "formats/trace.h"
#include "tracer/lib/kvm/kvm_fold.h"

#define MAX_OUT 64

struct out {
	unsigned n;
	unsigned cpu[MAX_OUT];
	uint64_t rec[MAX_OUT][TRACE_MAX_RECORD / 8];
	int fail_at; /* emit returns an error at this record, -1 never */
};

static int emit(void *ctx, unsigned cpu, const struct trace_hdr *rec, uint32_t size)
{
	struct out *o = ctx;

	assert_int_equal(rec->size, size);
	assert_int_equal(rec->cpu, cpu);
	if ((int)o->n == o->fail_at)
		return -EIO;
	assert_true(o->n < MAX_OUT);
	o->cpu[o->n] = cpu;
	memcpy(o->rec[o->n], rec, size);
	o->n++;
	return 0;
}

static const struct trace_hdr *rec(const struct out *o, unsigned i)
{
	assert_true(i < o->n);
	return (const struct trace_hdr *)o->rec[i];
}

#define VCPU_A 0xffff000012340000ull
#define VCPU_B 0xffff000012350000ull
#define KVM_1  0xffff000099990000ull
#define KVM_2  0xffff000088880000ull

static struct kvm_ev ev(uint16_t type, uint64_t ts, unsigned cpu, uint64_t vcpu, uint64_t kvm,
			int id)
{
	struct kvm_ev e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.ts = ts;
	e.cpu = cpu;
	e.vcpu = vcpu;
	e.kvm = kvm;
	e.vcpu_id = id;
	e.pid = 4242;
	e.tid = 4243;
	e.vmid = (1ull << 16) | 3; /* generation 1, VMID 3, 16-bit VMIDs */
	e.flags = KVM_EV_F_VCPU;
	return e;
}

static struct kvm_ev exit_ev(uint64_t ts, unsigned cpu, uint64_t vcpu, uint64_t kvm, int id,
			     uint32_t ret, uint64_t esr)
{
	struct kvm_ev e = ev(KVM_EV_EXIT, ts, cpu, vcpu, kvm, id);

	e.a[0] = ret;
	e.a[1] = esr;
	e.a[2] = 0x10000000; /* FAR */
	e.a[3] = 0x100000;   /* HPFAR */
	e.a[4] = 0x40000038; /* PC */
	return e;
}

static struct kvm_fold *new_fold(struct out *o)
{
	struct kvm_fold *f;

	memset(o, 0, sizeof(*o));
	o->fail_at = -1;
	f = kvm_fold_new(4, emit, NULL, o);
	assert_non_null(f);
	return f;
}

/* ESR_EL2 of a 32-bit store with a valid syndrome, translation fault level 1 */
#define ESR_DABT_STORE ((0x24ull << 26) | (1u << 25) | (1u << 24) | (2u << 22) | (1u << 6) | 0x5)
#define ESR_HVC        ((0x16ull << 26) | (1u << 25))
#define ESR_SYS64      ((0x18ull << 26) | (1u << 25) | 1u)

static void test_trapped_exit_waits_for_entry_and_is_handled(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = exit_ev(100, 1, VCPU_A, KVM_1, 0, 2, ESR_SYS64);
	const struct trace_exit *x;
	const struct trace_entry *n;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	/* the VM's record only: the exit waits for its outcome */
	assert_int_equal(o.n, 1);
	assert_int_equal(rec(&o, 0)->type, TRACE_VM_CREATE);
	assert_string_equal(((const struct trace_vm *)rec(&o, 0))->name, "pid 4242");

	e = ev(KVM_EV_ENTRY, 150, 1, VCPU_A, KVM_1, 0);
	e.a[0] = 0x4000003c;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 3);
	x = (const struct trace_exit *)rec(&o, 1);
	assert_int_equal(x->hdr.type, TRACE_EXIT);
	assert_int_equal(x->hdr.ts, 100);
	assert_int_equal(x->exit_class, 0x18);
	assert_int_equal(x->esr, ESR_SYS64);
	assert_int_equal(x->elr, 0x40000038);
	assert_int_equal(x->outcome, TRACE_EXIT_HANDLED);
	assert_int_equal(x->flags, TRACE_EXIT_NO_COST); /* no FAR for a sysreg trap */
	assert_int_equal(x->far, 0);
	assert_int_equal(x->hdr.vm, 0);
	assert_int_equal(x->hdr.vcpu, 0);
	assert_int_equal(x->hdr.vmid, 3);
	assert_int_equal(x->hdr.vmid_gen, 1);
	n = (const struct trace_entry *)rec(&o, 2);
	assert_int_equal(n->hdr.type, TRACE_ENTRY);
	assert_int_equal(n->pc, 0x4000003c);
	/* one sequence per CPU, in emission order */
	assert_int_equal(rec(&o, 0)->seq, 0);
	assert_int_equal(x->hdr.seq, 1);
	assert_int_equal(n->hdr.seq, 2);
	kvm_fold_free(f);
}

static void test_irq_exit_is_irq_without_esr(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	/* ESR is stale after an IRQ exit: whatever it holds is not used */
	struct kvm_ev e = exit_ev(100, 0, VCPU_A, KVM_1, 0, 0, ESR_HVC);
	const struct trace_exit *x;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_ENTRY, 120, 0, VCPU_A, KVM_1, 0);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	x = (const struct trace_exit *)rec(&o, 1);
	assert_int_equal(x->exit_class, HYP_EXIT_IRQ);
	assert_int_equal(x->esr, 0);
	assert_true(x->flags & TRACE_EXIT_NO_ESR);
	/* and an SError exit (with the pending-SError bit) is SERROR */
	e = exit_ev(200, 0, VCPU_A, KVM_1, 0, 1u | 1u << 31, 0);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(kvm_fold_flush(f), 0);
	x = (const struct trace_exit *)rec(&o, o.n - 1);
	assert_int_equal(x->exit_class, HYP_EXIT_SERROR);
	kvm_fold_free(f);
}

static void test_mmio_store_to_vmm_comes_before_its_exit(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = exit_ev(100, 1, VCPU_A, KVM_1, 0, 2, ESR_DABT_STORE);
	const struct trace_mmio *m;
	const struct trace_exit *x;
	const struct trace_log *l;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_MMIO, 110, 1, VCPU_A, KVM_1, 0);
	e.a[0] = KVM_TRACE_MMIO_WRITE;
	e.a[1] = 4;
	e.a[2] = 0x10000000;
	e.a[3] = 0xdeadbeefcafef00dull; /* the unsigned long holds more than the store */
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_RUN_LEAVE, 130, 1, VCPU_A, KVM_1, 0);
	e.a[0] = 6; /* KVM_EXIT_MMIO */
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 4);
	m = (const struct trace_mmio *)rec(&o, 1);
	assert_int_equal(m->hdr.type, TRACE_MMIO);
	assert_int_equal(m->ipa, 0x10000000);
	assert_int_equal(m->value, 0xcafef00d);
	assert_int_equal(m->width, 4);
	assert_int_equal(m->is_write, 1);
	assert_int_equal(m->device, TRACE_DEV_KVM_USER);
	/* stamped with its exit's time and CPU: the CPU's records stay in order */
	assert_int_equal(m->hdr.ts, 100);
	x = (const struct trace_exit *)rec(&o, 2);
	assert_int_equal(x->exit_class, 0x24);
	assert_int_equal(x->outcome, TRACE_EXIT_TO_HOST);
	assert_true(x->flags & TRACE_EXIT_FAR_VALID);
	assert_int_equal(x->far, 0x10000000);
	assert_int_equal(x->hpfar, 0x100000);
	l = (const struct trace_log *)rec(&o, 3);
	assert_int_equal(l->hdr.type, TRACE_LOG);
	assert_non_null(strstr(l->text, "exit MMIO"));
	kvm_fold_free(f);
}

static void test_mmio_load_gets_the_vmm_answer(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = exit_ev(100, 0, VCPU_A, KVM_1, 0, 2, ESR_DABT_STORE & ~(1ull << 6));
	const struct trace_mmio *m;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_MMIO, 110, 0, VCPU_A, KVM_1, 0);
	e.a[0] = KVM_TRACE_MMIO_READ_UNSATISFIED;
	e.a[1] = 2;
	e.a[2] = 0x9000000;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_RUN_LEAVE, 130, 0, VCPU_A, KVM_1, 0);
	e.a[0] = 6;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	/* VM, exit, log: the load waits for the value */
	assert_int_equal(o.n, 3);
	e = ev(KVM_EV_MMIO, 500, 1, VCPU_A, KVM_1, 0);
	e.a[0] = KVM_TRACE_MMIO_READ;
	e.a[1] = 2;
	e.a[2] = 0x9000000;
	e.a[3] = 0x12345678;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 4);
	m = (const struct trace_mmio *)rec(&o, 3);
	assert_int_equal(m->is_write, 0);
	assert_int_equal(m->value, 0x5678);
	/* written after its exit: its own time and CPU */
	assert_int_equal(m->hdr.ts, 500);
	assert_int_equal(m->hdr.cpu, 1);
	assert_int_equal(m->device, TRACE_DEV_KVM_USER);
	kvm_fold_free(f);
}

static void test_hvc_results_come_from_the_next_entry(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = exit_ev(100, 0, VCPU_A, KVM_1, 0, 2, ESR_HVC);
	const struct trace_smccc *c;
	int i;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_HVC, 105, 0, VCPU_A, KVM_1, 0);
	e.a[1] = 0x84000000; /* PSCI_VERSION */
	for (i = 0; i < 6; i++)
		e.a[3 + i] = 0x100 + (uint64_t)i;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_ENTRY, 120, 0, VCPU_A, KVM_1, 0);
	e.a[1] = 0x10001;
	e.a[2] = 7;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 4); /* VM, SMCCC, exit, entry */
	c = (const struct trace_smccc *)rec(&o, 1);
	assert_int_equal(c->hdr.type, TRACE_SMCCC);
	assert_int_equal(c->fid, 0x84000000);
	assert_int_equal(c->conduit, TRACE_SMCCC_HVC);
	assert_int_equal(c->args[0], 0x100);
	assert_int_equal(c->args[5], 0x105);
	assert_int_equal(c->result[0], 0x10001);
	assert_int_equal(c->result[1], 7);
	assert_int_equal(rec(&o, 2)->type, TRACE_EXIT);
	kvm_fold_free(f);
}

static void test_vms_and_vcpus_numbered_as_first_seen(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_fold_stats st;
	struct kvm_ev e;
	unsigned i, vm_records = 0;

	(void)state;
	e = ev(KVM_EV_RUN_ENTER, 1, 0, VCPU_B, KVM_2, 1);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_RUN_ENTER, 2, 1, VCPU_A, KVM_1, 0);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_RUN_ENTER, 3, 1, VCPU_A, KVM_1, 0);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = exit_ev(4, 1, VCPU_A, KVM_1, 0, 2, ESR_SYS64);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(kvm_fold_flush(f), 0);
	for (i = 0; i < o.n; i++)
		vm_records += rec(&o, i)->type == TRACE_VM_CREATE;
	assert_int_equal(vm_records, 2);
	assert_int_equal(rec(&o, o.n - 1)->vm, 1);  /* KVM_1 was seen second */
	assert_int_equal(rec(&o, o.n - 1)->vcpu, 0);
	kvm_fold_stats(f, &st);
	assert_int_equal(st.vms, 2);
	assert_int_equal(st.vcpus, 2);
	assert_int_equal(st.vmid_bits, 16);
	kvm_fold_free(f);
}

static void test_events_without_vcpu_or_bad_cpu_are_counted_not_folded(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_fold_stats st;
	struct kvm_ev e = exit_ev(1, 0, VCPU_A, KVM_1, 0, 2, ESR_SYS64);

	(void)state;
	e.flags = 0;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = exit_ev(1, 9, VCPU_A, KVM_1, 0, 2, ESR_SYS64); /* CPU 9 of 4 */
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(kvm_fold_flush(f), 0);
	assert_int_equal(o.n, 0);
	kvm_fold_stats(f, &st);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.no_vcpu, 1);
	assert_int_equal(st.bad_cpu, 1);
	kvm_fold_free(f);
}

static void test_lost_entry_still_writes_the_exit(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_fold_stats st;
	struct kvm_ev e = exit_ev(1, 0, VCPU_A, KVM_1, 0, 2, ESR_SYS64);

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = exit_ev(5, 0, VCPU_A, KVM_1, 0, 2, ESR_HVC);
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(((const struct trace_exit *)rec(&o, 1))->exit_class, 0x18);
	kvm_fold_stats(f, &st);
	assert_int_equal(st.unpaired, 1);
	kvm_fold_free(f);
}

static void test_vmid_change_is_logged_and_injections_traced(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = ev(KVM_EV_RUN_ENTER, 1, 0, VCPU_A, KVM_1, 0);
	const struct trace_irq_inject *q;
	const struct trace_log *l;

	(void)state;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_RUN_ENTER, 2, 0, VCPU_A, KVM_1, 0);
	e.vmid = (2ull << 16) | 9;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 2);
	l = (const struct trace_log *)rec(&o, 1);
	assert_string_equal(l->text, "VMID 3 generation 1 -> VMID 9 generation 2");
	/* a timer PPI raised from the vCPU's thread, then lowered (not an injection) */
	e = ev(KVM_EV_TIMER_IRQ, 3, 0, VCPU_A, KVM_1, 0);
	e.vmid = (2ull << 16) | 9;
	e.a[0] = 0;
	e.a[1] = 27;
	e.a[2] = 1;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e.a[2] = 0;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	/* an SPI from the VMM's main thread: the VM found by its pid */
	e = ev(KVM_EV_VGIC_IRQ, 4, 1, 0, 0, -1);
	e.flags = 0;
	e.a[0] = 1;
	e.a[1] = 40;
	e.a[2] = 1;
	assert_int_equal(kvm_fold_event(f, &e), 0);
	assert_int_equal(o.n, 4);
	q = (const struct trace_irq_inject *)rec(&o, 2);
	assert_int_equal(q->source, TRACE_IRQ_SRC_TIMER);
	assert_int_equal(q->vintid, 27);
	q = (const struct trace_irq_inject *)rec(&o, 3);
	assert_int_equal(q->source, TRACE_IRQ_SRC_DEVICE);
	assert_int_equal(q->hdr.vm, 0);
	assert_int_equal(q->target_vcpu, 1);
	kvm_fold_free(f);
}

static void test_emit_error_stops_the_fold(void **state)
{
	struct out o;
	struct kvm_fold *f = new_fold(&o);
	struct kvm_ev e = exit_ev(1, 0, VCPU_A, KVM_1, 0, 2, ESR_SYS64);

	(void)state;
	o.fail_at = 1; /* the VM record goes, the exit does not */
	assert_int_equal(kvm_fold_event(f, &e), 0);
	e = ev(KVM_EV_ENTRY, 2, 0, VCPU_A, KVM_1, 0);
	assert_int_equal(kvm_fold_event(f, &e), -EIO);
	kvm_fold_free(f);
	assert_null(kvm_fold_new(0, emit, NULL, NULL));
	assert_null(kvm_fold_new(4, NULL, NULL, NULL));
	kvm_fold_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trapped_exit_waits_for_entry_and_is_handled),
		cmocka_unit_test(test_irq_exit_is_irq_without_esr),
		cmocka_unit_test(test_mmio_store_to_vmm_comes_before_its_exit),
		cmocka_unit_test(test_mmio_load_gets_the_vmm_answer),
		cmocka_unit_test(test_hvc_results_come_from_the_next_entry),
		cmocka_unit_test(test_vms_and_vcpus_numbered_as_first_seen),
		cmocka_unit_test(test_events_without_vcpu_or_bad_cpu_are_counted_not_folded),
		cmocka_unit_test(test_lost_entry_still_writes_the_exit),
		cmocka_unit_test(test_vmid_change_is_logged_and_injections_traced),
		cmocka_unit_test(test_emit_error_stops_the_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
