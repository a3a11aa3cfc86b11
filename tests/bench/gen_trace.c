/*
 * gen_trace: write a synthetic trace file of any size for benchmarks.
 *
 *   gen_trace [-n EVENTS] [-c CPUS] [-v VMS] [-f CNTFRQ] [-s SEED] FILE
 *
 * Every physical CPU runs vCPUs of a few VMs and produces what the hypervisor
 * would: a guest exit (HVC, data abort, sysreg trap, WFI or IRQ), the MMIO
 * access or SMCCC call it led to, list register flushes and interrupt
 * injections, then the entry back into the guest; now and then a scheduling
 * switch, a log line, a VMID allocation or rollover. Timestamps grow per CPU
 * at a 62.5 MHz counter unless -f says otherwise. The same seed gives the
 * same file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "formats/host/tracefile.h"

struct cpu_state {
	uint64_t seq;
	uint64_t ts;
	uint16_t vm, vcpu;
	unsigned phase; /* 0: exit next, 1: detail, 2: entry */
	struct trace_exit last_exit;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = (rng_state += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void hdr(struct trace_hdr *h, uint16_t type, size_t size, unsigned cpu,
		struct cpu_state *c)
{
	memset(h, 0, size);
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->seq = c->seq++;
	c->ts += 20 + rng() % 400;
	h->ts = c->ts;
	h->vm = c->vm;
	h->vcpu = c->vcpu;
	h->vmid = (uint16_t)(c->vm + 1);
	h->vmid_gen = 1;
}

/* One record of CPU cpu into buf; returns its size. */
static size_t next_record(uint8_t *buf, unsigned cpu, struct cpu_state *c, unsigned nr_vms)
{
	static const uint16_t classes[] = { ESR_EC_HVC64, ESR_EC_DABT_LOW, ESR_EC_SYS64,
					    ESR_EC_WFX, HYP_EXIT_IRQ };
	uint64_t r = rng();

	if (c->phase == 0) {
		struct trace_exit *e = (struct trace_exit *)buf;

		if (r % 64 == 0) {
			struct trace_sched *s = (struct trace_sched *)buf;

			hdr(&s->hdr, TRACE_SCHED_OUT, sizeof(*s), cpu, c);
			s->ticks = 1000 + r % 100000;
			s->reason = TRACE_SCHED_SLICE;
			c->vm = (uint16_t)(rng() % nr_vms);
			c->vcpu = (uint16_t)(rng() % 4);
			return sizeof(*s);
		}
		if (r % 97 == 1) {
			struct trace_log *l = (struct trace_log *)buf;

			hdr(&l->hdr, TRACE_LOG, sizeof(*l), cpu, c);
			l->level = TRACE_LOG_INFO;
			l->len = (uint32_t)snprintf(l->text, sizeof(l->text),
						    "vm%u vcpu%u: \"status\", step %" PRIu64, c->vm,
						    c->vcpu, c->seq);
			return sizeof(*l);
		}
		if (r % 5003 == 2) {
			struct trace_vmid_rollover *v = (struct trace_vmid_rollover *)buf;

			hdr(&v->hdr, TRACE_VMID_ROLLOVER, sizeof(*v), cpu, c);
			v->old_gen = 1;
			v->new_gen = 2;
			v->flush_cost = 3000 + r % 1000;
			v->in_use = 8;
			v->vmid_bits = 3;
			return sizeof(*v);
		}
		hdr(&e->hdr, TRACE_EXIT, sizeof(*e), cpu, c);
		e->exit_class = classes[r % 5];
		e->esr = (uint64_t)(e->exit_class < 0x40 ? e->exit_class : 0) << ESR_EC_SHIFT |
			 1u << ESR_IL_SHIFT | (r >> 40 & 0xffff);
		e->elr = 0x40080000u + (r >> 20) % 0x10000 * 4;
		e->far = e->exit_class == ESR_EC_DABT_LOW ? 0x09000000u + (r >> 8) % 0x1000 : 0;
		e->hpfar = e->far >> 8;
		e->cost = 200 + r % 3000;
		e->insn = 0xd4000002u;
		e->outcome = TRACE_EXIT_HANDLED;
		e->flags = TRACE_EXIT_INSN_VALID;
		c->last_exit = *e;
		c->phase = 1;
		return sizeof(*e);
	}
	if (c->phase == 1) {
		c->phase = 2;
		if (c->last_exit.exit_class == ESR_EC_DABT_LOW) {
			struct trace_mmio *m = (struct trace_mmio *)buf;

			hdr(&m->hdr, TRACE_MMIO, sizeof(*m), cpu, c);
			m->ipa = c->last_exit.far;
			m->value = r & 0xff;
			m->device = TRACE_DEV_UART;
			m->width = 4;
			m->is_write = (uint8_t)(r >> 9 & 1);
			return sizeof(*m);
		}
		if (c->last_exit.exit_class == ESR_EC_HVC64) {
			struct trace_smccc *s = (struct trace_smccc *)buf;

			hdr(&s->hdr, TRACE_SMCCC, sizeof(*s), cpu, c);
			s->fid = 0x84000000u;
			s->result[0] = 0x10001;
			return sizeof(*s);
		}
		if (c->last_exit.exit_class == HYP_EXIT_IRQ) {
			struct trace_irq_inject *q = (struct trace_irq_inject *)buf;

			hdr(&q->hdr, TRACE_IRQ_INJECT, sizeof(*q), cpu, c);
			q->vintid = 27;
			q->source = TRACE_IRQ_SRC_TIMER;
			q->target_vcpu = c->vcpu;
			q->source_vcpu = TRACE_NO_VCPU;
			q->priority = 0xa0;
			return sizeof(*q);
		}
		if (r % 2) {
			struct trace_vgic_lrs *l = (struct trace_vgic_lrs *)buf;

			hdr(&l->hdr, TRACE_VGIC_LRS, sizeof(*l), cpu, c);
			l->lr[0] = 0x500000000000001bull | r << 32 >> 40;
			l->nr_lrs = 4;
			l->used = 1;
			l->elrsr = 0xe;
			return sizeof(*l);
		}
	}
	{
		struct trace_entry *en = (struct trace_entry *)buf;

		hdr(&en->hdr, TRACE_ENTRY, sizeof(*en), cpu, c);
		en->pc = c->last_exit.elr + 4;
		c->phase = 0;
		return sizeof(*en);
	}
}

int main(int argc, char **argv)
{
	uint64_t events = 1000000, n, freq = 62500000;
	unsigned cpus = 4, vms = 2, cpu, vm;
	struct tf_info info = { 0 };
	struct tf_totals totals;
	struct cpu_state *cs;
	struct tf_writer *w;
	uint8_t buf[TRACE_MAX_RECORD];
	char err[TF_MSG_LEN];
	size_t size;
	int opt, ret;

	rng_state = 1;
	while ((opt = getopt(argc, argv, "n:c:v:f:s:h")) != -1) {
		switch (opt) {
		case 'n': events = strtoull(optarg, NULL, 0); break;
		case 'c': cpus = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'v': vms = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'f': freq = strtoull(optarg, NULL, 0); break;
		case 's': rng_state = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: gen_trace [-n EVENTS] [-c CPUS] [-v VMS] [-f CNTFRQ] [-s SEED] FILE\n");
			return 2;
		}
	}
	if (optind + 1 != argc || !cpus || cpus > TF_MAX_CPUS || !vms || vms > 8 || !freq) {
		fprintf(stderr, "usage: gen_trace [-n EVENTS] [-c CPUS 1-%u] [-v VMS 1-8] [-f CNTFRQ] [-s SEED] FILE\n",
			TF_MAX_CPUS);
		return 2;
	}
	cs = calloc(cpus, sizeof(*cs));
	if (!cs)
		return 1;
	info.nr_cpus = cpus;
	info.cntfrq = freq;
	info.created_cntpct = 1000000;
	info.description = "synthetic trace from tests/bench/gen_trace";
	if (tf_writer_open(&w, argv[optind], &info, err, sizeof(err))) {
		fprintf(stderr, "gen_trace: %s\n", err);
		return 1;
	}
	for (cpu = 0; cpu < cpus; cpu++) {
		cs[cpu].ts = 1000000 + cpu * 7;
		cs[cpu].vm = (uint16_t)(cpu % vms);
		cs[cpu].vcpu = (uint16_t)(cpu / vms);
	}
	/* The VMs come into being on CPU 0 first. */
	for (vm = 0; vm < vms && vm < events; vm++) {
		struct trace_vm *v = (struct trace_vm *)buf;

		cs[0].vm = (uint16_t)vm;
		cs[0].vcpu = TRACE_NO_VCPU;
		hdr(&v->hdr, TRACE_VM_CREATE, sizeof(*v), 0, &cs[0]);
		v->serial = vm + 1;
		v->mem_size = 64u << 20;
		v->nr_vcpus = 4;
		snprintf(v->name, sizeof(v->name), "bench-%u", vm);
		if (tf_writer_append(w, 0, v, sizeof(*v)))
			goto fail;
	}
	cs[0].vm = 0;
	cs[0].vcpu = 0;
	for (n = vm; n < events; n++) {
		cpu = (unsigned)(rng() % cpus);
		size = next_record(buf, cpu, &cs[cpu], vms);
		if (tf_writer_append(w, cpu, buf, size))
			goto fail;
	}
	ret = tf_writer_close(w, &totals); /* frees w, message included */
	if (ret) {
		fprintf(stderr, "gen_trace: %s: %s\n", argv[optind], strerror(-ret));
		return 1;
	}
	printf("%" PRIu64 " records, %" PRIu64 " chunks, %" PRIu64 " bytes\n", totals.records,
	       totals.chunks, totals.bytes);
	free(cs);
	return 0;
fail:
	fprintf(stderr, "gen_trace: %s\n", tf_writer_error(w));
	tf_writer_close(w, NULL);
	return 1;
}
