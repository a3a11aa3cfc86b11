/*
 * top_trace: a small synthetic trace file whose contents the end-to-end test
 * of `hypscope top` (tests/e2e/top.sh) knows exactly.
 *
 *   top_trace FILE
 *
 * Three physical CPUs, one vCPU on each, 62.5 MHz counter, about three
 * seconds. vm0 "alpha" has two vCPUs, vm1 "beta" one. Exits per class,
 * spread evenly over the three seconds and over the vCPUs, with a fixed
 * time from exit to entry:
 *
 *   HVC64     3000   1 us     (each with a PSCI_VERSION SMCCC record)
 *   DABT_LOW  2000   4 us     (each with a UART FR read)
 *   SYS64     1000   20 us
 *   WFX        500   2 ms
 *   IRQ        100   50 us
 *
 * so that sorting by count, by name and by p99 gives three different orders.
 * At the end every vCPU gets one list register snapshot (TRACE_VGIC_LRS,
 * fold), then come ten maintenance interrupts: 7 for EOI, 3 for underflow:
 *
 *   vm0/0  LR0 P  vINTID 27 HW pINTID 27 prio a0, LR1 A 33 prio 80,
 *          LR2 PA 1 prio 10, LR3 empty
 *   vm0/1  LR0 PA 30 HW 30 prio 90, LR1..3 empty
 *   vm1/0  LR0 A 27 HW 27 prio a0, LR1 P 44 prio c0, LR2..3 empty
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "formats/host/tracefile.h"

#define CNTFRQ   62500000ull
#define US(x)    ((uint64_t)(x) * CNTFRQ / 1000000)
#define NR_CPUS  3u
#define SECONDS  3u

static struct tf_writer *w;
static uint64_t seq[NR_CPUS];
static int err;

/* vCPUs: vm0/0 on CPU 0, vm0/1 on CPU 1, vm1/0 on CPU 2 */
static const struct {
	uint16_t vm, vcpu, cpu;
} vcpus[] = { { 0, 0, 0 }, { 0, 1, 1 }, { 1, 0, 2 } };

/* Each vCPU's clock: an exit never comes before the previous entry. */
static uint64_t vcpu_now[3];

static void hdr(struct trace_hdr *h, uint16_t type, size_t size, unsigned cpu, uint16_t vm,
		uint16_t vcpu, uint64_t ts)
{
	memset(h, 0, size);
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->seq = seq[cpu]++;
	h->ts = ts;
	h->vm = vm;
	h->vcpu = vcpu;
	h->vmid = vm == TRACE_NO_VM ? TRACE_NO_VMID : (uint16_t)(vm + 1);
	h->vmid_gen = 1;
}

static void put(unsigned cpu, const void *rec, size_t size)
{
	if (!err)
		err = tf_writer_append(w, cpu, rec, size);
}

static void vm_create(uint16_t vm, const char *name, uint32_t nr_vcpus, uint64_t ts)
{
	struct trace_vm r;

	hdr(&r.hdr, TRACE_VM_CREATE, sizeof(r), 0, vm, TRACE_NO_VCPU, ts);
	r.serial = vm + 1u;
	r.mem_size = 64ull << 20;
	r.nr_vcpus = nr_vcpus;
	strncpy(r.name, name, sizeof(r.name) - 1);
	put(0, &r, sizeof(r));
}

static void round_trip(unsigned v, unsigned cls, uint64_t ts, uint64_t lat)
{
	unsigned cpu = vcpus[v].cpu;
	struct trace_exit e;
	struct trace_entry n;
	struct trace_mmio m;
	struct trace_smccc c;

	if (cls == ESR_EC_DABT_LOW) {
		hdr(&m.hdr, TRACE_MMIO, sizeof(m), cpu, vcpus[v].vm, vcpus[v].vcpu, ts);
		m.ipa = GUEST_UART_IPA + 0x18;
		m.device = TRACE_DEV_UART;
		m.width = 4;
		m.value = 0x90;
		put(cpu, &m, sizeof(m));
	} else if (cls == ESR_EC_HVC64) {
		hdr(&c.hdr, TRACE_SMCCC, sizeof(c), cpu, vcpus[v].vm, vcpus[v].vcpu, ts);
		c.fid = PSCI_VERSION;
		c.result[0] = 0x10001;
		put(cpu, &c, sizeof(c));
	}
	hdr(&e.hdr, TRACE_EXIT, sizeof(e), cpu, vcpus[v].vm, vcpus[v].vcpu, ts + 1);
	e.exit_class = (uint16_t)cls;
	e.esr = cls <= HYP_EXIT_SYNC_LAST ? (uint64_t)cls << ESR_EC_SHIFT : 0;
	e.elr = 0x40080000 + 4 * cls;
	e.cost = 500;
	put(cpu, &e, sizeof(e));
	hdr(&n.hdr, TRACE_ENTRY, sizeof(n), cpu, vcpus[v].vm, vcpus[v].vcpu, ts + 1 + lat);
	n.pc = e.elr + 4;
	put(cpu, &n, sizeof(n));
}

static uint64_t lr(enum ich_lr_state state, uint32_t vintid, bool hw, uint8_t prio)
{
	struct ich_lr l = { .state = state, .hw = hw, .group1 = true, .priority = prio,
			    .vintid = vintid, .pintid = hw ? vintid : 0 };

	return ich_lr_encode(&l);
}

static void snapshot(unsigned v, const uint64_t *lrs, uint64_t ts)
{
	struct trace_vgic_lrs l;
	unsigned i;

	hdr(&l.hdr, TRACE_VGIC_LRS, sizeof(l), vcpus[v].cpu, vcpus[v].vm, vcpus[v].vcpu, ts);
	l.nr_lrs = 4;
	l.point = TRACE_LRS_FOLD;
	l.hcr = ICH_HCR_EN;
	for (i = 0; i < 4; i++) {
		l.lr[i] = lrs[i];
		if (ich_lr_get_state(lrs[i]) != ICH_LR_STATE_INVALID)
			l.used |= (uint16_t)(1u << i);
		else
			l.elrsr |= 1u << i;
	}
	put(vcpus[v].cpu, &l, sizeof(l));
}

int main(int argc, char **argv)
{
	static const struct {
		unsigned cls, count;
		uint64_t lat;
	} classes[] = {
		{ ESR_EC_HVC64, 3000, US(1) },  { ESR_EC_DABT_LOW, 2000, US(4) },
		{ ESR_EC_SYS64, 1000, US(20) }, { ESR_EC_WFX, 500, US(2000) },
		{ HYP_EXIT_IRQ, 100, US(50) },
	};
	const uint64_t lrs[3][4] = {
		{ lr(ICH_LR_STATE_PENDING, 27, true, 0xa0),
		  lr(ICH_LR_STATE_ACTIVE, 33, false, 0x80),
		  lr(ICH_LR_STATE_PENDING_ACTIVE, 1, false, 0x10), 0 },
		{ lr(ICH_LR_STATE_PENDING_ACTIVE, 30, true, 0x90), 0, 0, 0 },
		{ lr(ICH_LR_STATE_ACTIVE, 27, true, 0xa0),
		  lr(ICH_LR_STATE_PENDING, 44, false, 0xc0), 0, 0 },
	};
	struct tf_info info = { .nr_cpus = NR_CPUS, .cntfrq = CNTFRQ,
				.description = "top_trace: synthetic trace for the top e2e test" };
	struct trace_vgic_maint mt;
	char msg[TF_MSG_LEN];
	uint64_t t0 = 1000000, span = SECONDS * CNTFRQ, ts, end = t0 + span;
	unsigned c, i, v, k;

	if (argc != 2) {
		fprintf(stderr, "usage: top_trace FILE\n");
		return 2;
	}
	if (tf_writer_open(&w, argv[1], &info, msg, sizeof(msg))) {
		fprintf(stderr, "top_trace: %s\n", msg);
		return 1;
	}
	vm_create(0, "alpha", 2, t0 - 100);
	vm_create(1, "beta", 1, t0 - 50);
	/*
	 * Time is cut into 6600 slots; class c takes its i-th exit in the slot
	 * where i * 6600 / count falls, on vCPU i % 3, no earlier than that
	 * vCPU's previous entry.
	 */
	for (k = 0; k < 6600; k++) {
		ts = t0 + span * k / 6600;
		for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
			if ((uint64_t)(k + 1) * classes[c].count / 6600 ==
			    (uint64_t)k * classes[c].count / 6600)
				continue;
			i = (unsigned)((uint64_t)k * classes[c].count / 6600);
			v = i % 3;
			if (vcpu_now[v] < ts)
				vcpu_now[v] = ts;
			round_trip(v, classes[c].cls, vcpu_now[v], classes[c].lat);
			vcpu_now[v] += 1 + classes[c].lat + US(1);
		}
	}
	for (v = 0; v < 3; v++)
		if (vcpu_now[v] > end)
			end = vcpu_now[v];
	for (v = 0; v < 3; v++)
		snapshot(v, lrs[v], end + US(3000) + v);
	for (i = 0; i < 10; i++) {
		hdr(&mt.hdr, TRACE_VGIC_MAINT, sizeof(mt), 0, 0, 0, end + US(3100) + i);
		mt.misr = i < 7 ? ICH_MISR_EOI : ICH_MISR_U;
		mt.hcr = ICH_HCR_EN;
		put(0, &mt, sizeof(mt));
	}
	if (err)
		fprintf(stderr, "top_trace: %s\n", tf_writer_error(w));
	if (tf_writer_close(w, NULL) || err)
		return 1;
	return 0;
}
