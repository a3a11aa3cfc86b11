/*
 * hypscope report: what a trace says, summed up.
 *
 * The main table is `perf kvm stat`'s (count, rate, share, latency per exit
 * class, VM, vCPU or guest PC) with two latencies instead of one: the
 * handler's cost in cycles and the time from the exit to the vCPU's next
 * entry. Below it come the breakdowns of tracer/lib/stats.h and the losses. The
 * same data goes out as JSON or CSV.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/host/export.h"
#include "formats/host/mmio_regs.h"
#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "formats/host/trace_types.h"
#include "tracer/lib/analysis.h"
#include "tracer/lib/nested.h"
#include "tracer/hypscope.h"
#include "tracer/lib/stats.h"

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV };

static struct env {
	const char *file;
	enum hs_by by;
	enum hs_sort sort;
	enum report_format format;
	unsigned limit;
	unsigned threads;
	struct hs_elfmap elfs;
} env;

static const char usage[] =
	"Usage: hypscope report FILE [OPTIONS]\n"
	"\n"
	"Summarise a trace file: exits per class (or VM, vCPU, guest PC) with count,\n"
	"rate, share and latency (min/avg/p50/p99/max), then MMIO accesses by device\n"
	"and register, trapped system registers, hypercalls, VMID rollovers, vGIC list\n"
	"register occupancy and maintenance interrupts, scheduling, and losses.\n"
	"\n"
	"Two latencies per row: COST, the cycles the hypervisor's handler took\n"
	"(PMCCNTR_EL0), and TIME, from the exit to the next entry of the same vCPU\n"
	"(counter ticks in microseconds; includes time the vCPU spent descheduled,\n"
	"e.g. blocked in WFI). Percentiles are within 1.6% of the exact ones.\n"
	"\n"
	"  -b, --by KEY        class (default), vm, vcpu or pc\n"
	"  -f, --format FMT    text (default), json or csv\n"
	"  -s, --sort KEY      count (default), time (total exit-to-entry time), p99\n"
	"                      (of exit-to-entry time), cost (total cycles) or name\n"
	"  -n, --limit N       at most N rows in the main table (default: all)\n"
	"      --elf VM=PATH   symbolize guest PCs of VM (slot number or name) with\n"
	"                      the ELF's function symbols (--by pc); repeatable\n"
	"  -j, --threads N     read on N threads (default: one per online CPU; the\n"
	"                      report is the same whatever N)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 success; 2 bad usage or a file that is not a readable trace\n"
	"(damage inside a trace is reported and skipped); 4 out of memory or I/O error.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope report demo.trace\n"
	"  hypscope report demo.trace --by vcpu --sort time\n"
	"  hypscope report demo.trace --by pc -n 20 --elf 0=build/guests/demo.elf\n"
	"  hypscope report demo.trace --format json | python3 -m json.tool\n"
	"  hypscope report demo.trace --format csv > exits.csv\n";

enum { OPT_ELF = 0x100 };

static const struct option long_opts[] = {
	{ "by", required_argument, NULL, 'b' },
	{ "format", required_argument, NULL, 'f' },
	{ "sort", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'n' },
	{ "elf", required_argument, NULL, OPT_ELF },
	{ "threads", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static const char *const by_names[] = { "class", "vm", "vcpu", "pc" };
static const char *const sort_names[] = { "count", "time", "p99", "cost", "name" };
static const char *const format_names[] = { "text", "json", "csv" };

#define usage_error(...) hs_usage_error("report", __VA_ARGS__)

static int pick(const char *what, const char *arg, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return hs_error("report", -1, "--%s: unknown value '%s'", what, arg);
}

static int parse_args(int argc, char **argv)
{
	struct hs_err e;
	unsigned long ul;
	char *end;
	int opt, v;

	hs_elfmap_release(&env.elfs);
	memset(&env, 0, sizeof(env));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":b:f:s:n:j:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			v = pick("by", optarg, by_names, 4);
			if (v < 0)
				return HS_EXIT_USAGE;
			env.by = (enum hs_by)v;
			break;
		case 'f':
			v = pick("format", optarg, format_names, 3);
			if (v < 0)
				return HS_EXIT_USAGE;
			env.format = (enum report_format)v;
			break;
		case 's':
			v = pick("sort", optarg, sort_names, 5);
			if (v < 0)
				return HS_EXIT_USAGE;
			env.sort = (enum hs_sort)v;
			break;
		case 'n':
			errno = 0;
			env.limit = (unsigned)strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return usage_error("--limit needs a number, not '%s'", optarg);
			break;
		case 'j':
			errno = 0;
			ul = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || !ul || ul > 64)
				return usage_error("--threads needs a number from 1 to 64, not '%s'",
						   optarg);
			env.threads = (unsigned)ul;
			break;
		case OPT_ELF:
			if (hs_elfmap_add(&env.elfs, optarg, &e))
				return usage_error("%s", e.msg);
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value: see 'hypscope report --help'",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s': see 'hypscope report --help'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("which trace file? see 'hypscope report --help'");
	env.file = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s': one trace file at a time",
				   argv[optind]);
	return -1;
}

/* ------------------------------------------------------------ labels */

static const char *vm_name(const struct hs_stats *s, uint32_t vm)
{
	return vm < HS_MAX_VM_NAMES ? s->vm_names[vm] : "";
}

/* The name of a main-table row. */
static const char *row_label(const struct hs_stats *s, const struct hs_ref *r, char *buf,
			     size_t len)
{
	char vmb[64], sym[128];

	if (r->other) {
		snprintf(buf, len, "(other)");
		return buf;
	}
	switch (env.by) {
	case HS_BY_CLASS:
		snprintf(buf, len, "%s",
			 r->cls == HS_CLASS_BAD ? "INVALID" : exit_class_name(r->cls));
		break;
	case HS_BY_VM:
		hs_vm_label(s, r->vm, buf, len);
		break;
	case HS_BY_VCPU:
		if (vm_name(s, r->vm)[0])
			snprintf(buf, len, "vm%u/%u (%s)", r->vm, r->vcpu, vm_name(s, r->vm));
		else
			snprintf(buf, len, "vm%u/%u", r->vm, r->vcpu);
		break;
	case HS_BY_PC:
		hs_symbolize(&env.elfs, r->vm, vm_name(s, r->vm), r->pc, sym, sizeof(sym));
		snprintf(vmb, sizeof(vmb), "vm%u", r->vm);
		if (sym[0])
			snprintf(buf, len, "%s 0x%016" PRIx64 " %s", vmb, r->pc, sym);
		else
			snprintf(buf, len, "%s 0x%016" PRIx64, vmb, r->pc);
		break;
	}
	return buf;
}

static const char *fid_name(uint32_t fid, char *buf, size_t len)
{
	smccc_format(buf, len, fid);
	return buf;
}

static const char *sysreg_label(uint32_t key, char *buf, size_t len)
{
	sysreg_format(buf, len, key);
	return buf;
}

static const char *device_label(uint32_t dev, char *buf, size_t len)
{
	const char *name = hs_device_name(dev);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "dev%u", dev);
	return buf;
}

static double rate(uint64_t n, double span)
{
	return span > 0 ? (double)n / span : 0.0;
}

static double pct(uint64_t n, uint64_t of)
{
	return of ? 100.0 * (double)n / (double)of : 0.0;
}

/* ------------------------------------------------------------ text */

static void text_cost(FILE *f, const struct hs_hist *h)
{
	if (!h->count) {
		fprintf(f, " %9s %9s %9s %9s %9s", "-", "-", "-", "-", "-");
		return;
	}
	fprintf(f, " %9" PRIu64 " %9.0f %9" PRIu64 " %9" PRIu64 " %9" PRIu64, h->min,
		hs_hist_mean(h), hs_hist_quantile(h, 0.5), hs_hist_quantile(h, 0.99), h->max);
}

static void text_time(FILE *f, const struct hs_hist *h)
{
	if (!h->count) {
		fprintf(f, " %9s %9s %9s %9s %9s", "-", "-", "-", "-", "-");
		return;
	}
	fprintf(f, " %9.2f %9.2f %9.2f %9.2f %9.2f", (double)h->min / 1e3, hs_hist_mean(h) / 1e3,
		(double)hs_hist_quantile(h, 0.5) / 1e3, (double)hs_hist_quantile(h, 0.99) / 1e3,
		(double)h->max / 1e3);
}

/* "------ text ------", width characters wide. */
static void title(FILE *f, int width, const char *text)
{
	int len = (int)strlen(text) + 2, left = (width - len) / 2, i;

	for (i = 0; i < left; i++)
		fputc('-', f);
	fprintf(f, " %s ", text);
	for (i = left + len; i < width; i++)
		fputc('-', f);
}

static void text_header(FILE *f, const struct hs_trace_info *info, const struct hs_stats *s)
{
	double span = hs_stats_span_s(s);

	fprintf(f, "hypscope report: %s\n", info->path);
	if (info->hdr.description[0])
		fprintf(f, "  %s\n", info->hdr.description);
	fprintf(f, "  %u CPUs, %.2f MHz counter, %" PRIu64 " records over %.6f s, %" PRIu64
		   " lost\n",
		info->hdr.nr_cpus, (double)info->hdr.cntfrq / 1e6, s->records, span, s->lost);
	if (s->total.guest_ns || s->total.time.count)
		fprintf(f, "  vCPUs ran %.6f s in the guest and %.6f s from exits to entries\n",
			hs_stats_guest_s(s), (double)s->total.time.sum / 1e9);
}

static void text_main(FILE *f, const struct hs_stats *s, const struct hs_ref *refs, int n)
{
	static const char *const heads[] = { "CLASS", "VM", "VCPU", "GUEST PC" };
	double span = hs_stats_span_s(s);
	char label[256];
	int i, w = 5, shown = n;

	if (env.limit && (unsigned)n > env.limit)
		shown = (int)env.limit;
	for (i = 0; i < shown; i++) {
		int l = (int)strlen(row_label(s, &refs[i], label, sizeof(label)));

		if (l > w)
			w = l;
	}
	fprintf(f, "\nExits by %s: %" PRIu64 " exits, %.1f/s", by_names[env.by], s->total.count,
		rate(s->total.count, span));
	if (shown < n)
		fprintf(f, " (top %d of %d rows)", shown, n);
	fprintf(f, "\n\n%-*s %10s %11s %7s %8s | ", w, "", "", "", "", "");
	title(f, 49, "handling cost (cycles)");
	fputs(" | ", f);
	title(f, 49, "exit to next entry (us)");
	fputc('\n', f);
	fprintf(f, "%-*s %10s %11s %7s %8s | %9s %9s %9s %9s %9s | %9s %9s %9s %9s %9s\n", w,
		heads[env.by], "COUNT", "RATE/s", "SHARE%", "INJECTED", "min", "avg", "p50", "p99",
		"max", "min", "avg", "p50", "p99", "max");
	for (i = 0; i < shown; i++) {
		const struct hs_row *r = refs[i].row;

		fprintf(f, "%-*s %10" PRIu64 " %11.1f %7.2f %8" PRIu64 " |", w,
			row_label(s, &refs[i], label, sizeof(label)), r->count, rate(r->count, span),
			pct(r->count, s->total.count), r->failed);
		text_cost(f, &r->cost);
		fputs(" |", f);
		text_time(f, &r->time);
		fputc('\n', f);
	}
	fprintf(f, "%-*s %10" PRIu64 " %11.1f %7.2f %8" PRIu64 " |", w, "TOTAL", s->total.count,
		rate(s->total.count, span), s->total.count ? 100.0 : 0.0, s->total.failed);
	text_cost(f, &s->total.cost);
	fputs(" |", f);
	text_time(f, &s->total.time);
	fputc('\n', f);
}

static void text_mmio(FILE *f, const struct hs_stats *s)
{
	const struct hs_keyed_row **rows;
	char dev[32], off[24], reg[40];
	int n, i;

	n = hs_table_sorted(&s->mmio, &rows);
	if (n > 0) {
		fprintf(f, "\nMMIO accesses by device and register (offset within the device; "
			   "GICR frames folded over vCPUs): %" PRIu64 " accesses\n\n",
			hs_stats_count(s, TRACE_MMIO));
		fprintf(f, "%-8s %10s %-20s %-5s %10s %7s %8s | %9s %9s %9s %9s %9s\n", "DEVICE",
			"OFFSET", "REGISTER", "DIR", "COUNT", "SHARE%", "FAILED", "min", "avg", "p50",
			"p99", "max");
		for (i = 0; i < n; i++) {
			snprintf(off, sizeof(off), "0x%" PRIx64, rows[i]->key.a);
			mmio_reg_name(rows[i]->key.b, rows[i]->key.a, reg, sizeof(reg));
			fprintf(f, "%-8s %10s %-20s %-5s %10" PRIu64 " %7.2f %8" PRIu64 " |",
				device_label(rows[i]->key.b, dev, sizeof(dev)), off, reg[0] ? reg : "-",
				rows[i]->key.write ? "write" : "read", rows[i]->row.count,
				pct(rows[i]->row.count, hs_stats_count(s, TRACE_MMIO)), rows[i]->row.failed);
			text_cost(f, &rows[i]->row.cost);
			fputc('\n', f);
		}
		if (s->mmio.other.count)
			fprintf(f, "(%" PRIu64 " more accesses to registers past the table's %u)\n",
				s->mmio.other.count, s->mmio.max_rows);
	}
	free(rows);
}

static void text_sysregs(FILE *f, const struct hs_stats *s)
{
	const struct hs_keyed_row **rows;
	char name[64];
	int n, i, w = 12;

	n = hs_table_sorted(&s->sysregs, &rows);
	for (i = 0; i < n; i++)
		if ((int)strlen(sysreg_label((uint32_t)rows[i]->key.a, name, sizeof(name))) > w)
			w = (int)strlen(name);
	if (n > 0) {
		fprintf(f, "\nSystem register traps: %" PRIu64 " traps\n\n",
			s->classes[ESR_EC_SYS64].count);
		fprintf(f, "%-*s %-5s %10s %7s %8s | %9s %9s %9s %9s %9s\n", w, "REGISTER", "DIR",
			"COUNT", "SHARE%", "INJECTED", "min", "avg", "p50", "p99", "max");
		for (i = 0; i < n; i++) {
			fprintf(f, "%-*s %-5s %10" PRIu64 " %7.2f %8" PRIu64 " |", w,
				sysreg_label((uint32_t)rows[i]->key.a, name, sizeof(name)),
				rows[i]->key.write ? "write" : "read", rows[i]->row.count,
				pct(rows[i]->row.count, s->classes[ESR_EC_SYS64].count),
				rows[i]->row.failed);
			text_cost(f, &rows[i]->row.cost);
			fputc('\n', f);
		}
	}
	free(rows);
}

static void text_hypercalls(FILE *f, const struct hs_stats *s)
{
	const struct hs_keyed_row **rows;
	char name[96];
	int n, i, w = 12;

	n = hs_table_sorted(&s->hypercalls, &rows);
	for (i = 0; i < n; i++)
		if ((int)strlen(fid_name((uint32_t)rows[i]->key.a, name, sizeof(name))) > w)
			w = (int)strlen(name);
	if (n > 0) {
		fprintf(f, "\nHypercalls (SMCCC): %" PRIu64 " calls\n\n", hs_stats_count(s, TRACE_SMCCC));
		fprintf(f, "%-*s %10s %10s %7s %8s | %9s %9s %9s %9s %9s\n", w, "FUNCTION", "FID",
			"COUNT", "SHARE%", "ERRORS", "min", "avg", "p50", "p99", "max");
		for (i = 0; i < n; i++) {
			fprintf(f, "%-*s 0x%08" PRIx64 " %10" PRIu64 " %7.2f %8" PRIu64 " |", w,
				fid_name((uint32_t)rows[i]->key.a, name, sizeof(name)), rows[i]->key.a,
				rows[i]->row.count, pct(rows[i]->row.count, hs_stats_count(s, TRACE_SMCCC)),
				rows[i]->row.failed);
			text_cost(f, &rows[i]->row.cost);
			fputc('\n', f);
		}
	}
	free(rows);
}

static void text_vmids(FILE *f, const struct hs_stats *s)
{
	if (!s->vmid_allocs && !s->vmid_rollovers && !s->vm_creates)
		return;
	fprintf(f, "\nVMs and VMIDs: %" PRIu64 " created, %" PRIu64 " destroyed, %" PRIu64
		   " VMID allocations, %" PRIu64 " rollovers",
		s->vm_creates, s->vm_destroys, s->vmid_allocs, s->vmid_rollovers);
	if (s->vmid_bits)
		fprintf(f, " (%u-bit VMIDs, at most %u in use)", s->vmid_bits, s->vmids_in_use_max);
	fputc('\n', f);
	if (s->vmid_rollovers) {
		fprintf(f, "  rollover TLB flush (cycles):      %9s %9s %9s %9s %9s\n", "min", "avg",
			"p50", "p99", "max");
		fprintf(f, "  %-32s", "");
		text_cost(f, &s->flush_cost);
		fputc('\n', f);
	}
}

static void text_vgic(FILE *f, const struct hs_stats *s)
{
	static const char *const points[] = { "before entry (flush)", "after exit (fold)" };
	const struct hs_vgic_point *p;
	unsigned i, j;

	for (i = 0; i < 2; i++) {
		p = &s->vgic[i];
		if (!p->snapshots)
			continue;
		fprintf(f, "\nvGIC list registers %s: %" PRIu64 " snapshots, %u LRs, %.2f in use on "
			   "average, overflow in %" PRIu64 " (%.2f%%)\n  in use:",
			points[i], p->snapshots, p->nr_lrs,
			(double)p->used_sum / (double)p->snapshots, p->overflow,
			pct(p->overflow, p->snapshots));
		for (j = 0; j < HS_LR_BINS; j++)
			if (p->lrs[j])
				fprintf(f, "  %u: %" PRIu64 " (%.1f%%)", j, p->lrs[j],
					pct(p->lrs[j], p->snapshots));
		fputc('\n', f);
	}
	if (s->maint) {
		fprintf(f, "\nMaintenance interrupts: %" PRIu64 "; causes (ICH_MISR_EL2):", s->maint);
		for (j = 0; j < HS_MISR_CAUSES; j++)
			if (s->maint_causes[j])
				fprintf(f, " %s %" PRIu64, ich_misr_cause_name(j), s->maint_causes[j]);
		fputc('\n', f);
	}
}

static const char *const irq_sources[HS_IRQ_SOURCES + 1] = { "SGI",  "timer", "device",
							    "host", "other", "PMU", "unknown" };
static const char *const log_levels[4] = { "error", "warn", "info", "debug" };

static void text_sched(FILE *f, const struct hs_stats *s)
{
	unsigned i;
	uint64_t irqs = 0;

	if (hs_stats_count(s, TRACE_SCHED_IN) || hs_stats_count(s, TRACE_WFI_BLOCK)) {
		fprintf(f, "\nScheduling: %" PRIu64 " vCPU switches in, %" PRIu64 " out, %" PRIu64
			   " WFI blocks, %" PRIu64 " wakes\n",
			hs_stats_count(s, TRACE_SCHED_IN), hs_stats_count(s, TRACE_SCHED_OUT),
			hs_stats_count(s, TRACE_WFI_BLOCK), hs_stats_count(s, TRACE_WFI_WAKE));
		if (s->wfi_blocked.count) {
			fprintf(f, "  blocked in WFI (us):              %9s %9s %9s %9s %9s\n",
				"min", "avg", "p50", "p99", "max");
			fprintf(f, "  %-32s", "");
			text_time(f, &s->wfi_blocked);
			fputc('\n', f);
		}
	}
	for (i = 0; i <= HS_IRQ_SOURCES; i++)
		irqs += s->irq_injects[i];
	if (irqs) {
		fprintf(f, "\nVirtual interrupts injected: %" PRIu64 ":", irqs);
		for (i = 0; i <= HS_IRQ_SOURCES; i++)
			if (s->irq_injects[i])
				fprintf(f, " %s %" PRIu64, irq_sources[i], s->irq_injects[i]);
		fputc('\n', f);
	}
	if (hs_stats_count(s, TRACE_LOG)) {
		fprintf(f, "\nHypervisor log lines: %" PRIu64 ":", hs_stats_count(s, TRACE_LOG));
		for (i = 0; i < 4; i++)
			if (s->logs[i])
				fprintf(f, " %s %" PRIu64, log_levels[i], s->logs[i]);
		fputc('\n', f);
	}
}

static const char *const sdei_fn_names[HS_SDEI_FNS + 1] = {
	"VERSION", "EVENT_REGISTER", "EVENT_ENABLE", "EVENT_DISABLE", "EVENT_CONTEXT",
	"EVENT_COMPLETE", "EVENT_COMPLETE_AND_RESUME", "EVENT_UNREGISTER", "EVENT_STATUS",
	"EVENT_GET_INFO", "EVENT_ROUTING_SET", "PE_MASK", "PE_UNMASK", "INTERRUPT_BIND",
	"INTERRUPT_RELEASE", "EVENT_SIGNAL", "FEATURES", "PRIVATE_RESET", "SHARED_RESET",
	"unknown",
};

/* SDEI: events by number (dispatches, completions, handler time in us), calls. */
static void text_sdei(FILE *f, const struct hs_stats *s)
{
	const struct hs_sdei *sd = &s->sdei;
	uint64_t calls = hs_stats_count(s, TRACE_SDEI_CALL);
	unsigned i;

	if (!calls && !hs_stats_count(s, TRACE_SDEI_DISPATCH))
		return;
	fprintf(f, "\nSDEI: %" PRIu64 " calls, %" PRIu64 " dispatches; %" PRIu64 " denied, %" PRIu64
		   " invalid, %" PRIu64 " not supported, %" PRIu64 " pending\n\n",
		calls, hs_stats_count(s, TRACE_SDEI_DISPATCH), sd->denied, sd->invalid,
		sd->not_supported, sd->pending);
	fprintf(f, "  %-8s %8s %8s %8s %8s %8s %8s %9s %9s %9s %9s %9s\n", "EVENT", "DISPATCH",
		"SIGNAL", "IRQ", "HOST", "COMPLETE", "RESUME", "MIN us", "AVG us", "P50 us",
		"P99 us", "MAX us");
	for (i = 0; i < HS_SDEI_EVENTS; i++) {
		const struct hs_sdei_event *e = &sd->ev[i];

		if (!e->used)
			continue;
		fprintf(f, "  %-8" PRIu32 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
			   " %8" PRIu64 " %8" PRIu64,
			e->event, e->dispatches, e->by_cause[TRACE_SDEI_CAUSE_SIGNAL],
			e->by_cause[TRACE_SDEI_CAUSE_INTERRUPT], e->by_cause[TRACE_SDEI_CAUSE_HOST],
			e->completes, e->resumes);
		text_time(f, &e->handler);
		fputc('\n', f);
	}
	if (sd->other_events)
		fprintf(f, "  (%" PRIu64 " records of further events not broken down)\n",
			sd->other_events);
	fputs("\n  calls:", f);
	for (i = 0; i <= HS_SDEI_FNS; i++)
		if (sd->calls[i])
			fprintf(f, " %s %" PRIu64, sdei_fn_names[i], sd->calls[i]);
	fputc('\n', f);
}

static const char *const its_cmd_names[HS_ITS_CMDS + 1] = {
	"cmd_0x00", "MOVI", "cmd_0x02", "INT", "CLEAR", "SYNC", "cmd_0x06", "cmd_0x07", "MAPD",
	"MAPC", "MAPTI", "MAPI", "INV", "INVALL", "MOVALL", "DISCARD", "other",
};

/* The ITS: commands by kind, errors, LPIs delivered by MSI and by INT. */
static void text_its(FILE *f, const struct hs_stats *s)
{
	const struct hs_its *its = &s->its;
	uint64_t cmds = hs_stats_count(s, TRACE_ITS_CMD);
	unsigned i;

	if (!cmds && !hs_stats_count(s, TRACE_ITS_LPI))
		return;
	fprintf(f, "\nITS: %" PRIu64 " commands, %" PRIu64 " with errors (ignored); LPIs %" PRIu64
		   ": %" PRIu64 " by MSI, %" PRIu64 " by INT; %" PRIu64 " MSIs dropped\n",
		cmds, its->cmd_errors, its->lpis_msi + its->lpis_int, its->lpis_msi, its->lpis_int,
		its->msis_dropped);
	if (cmds) {
		fputs("  commands:", f);
		for (i = 0; i <= HS_ITS_CMDS; i++)
			if (its->cmds[i])
				fprintf(f, " %s %" PRIu64, its_cmd_names[i], its->cmds[i]);
		fputc('\n', f);
	}
}

/* Median and p99 of h, or dashes. */
static void text_p50_p99(FILE *f, const struct hs_hist *h, double div, int prec)
{
	if (!h->count) {
		fprintf(f, " %9s %9s", "-", "-");
		return;
	}
	fprintf(f, " %9.*f %9.*f", prec, (double)hs_hist_quantile(h, 0.5) / div, prec,
		(double)hs_hist_quantile(h, 0.99) / div);
}

/* "name n, name n" for the non-zero counts of an enumeration, "none" when all are;
 * the last of the n counts is the one of the values past the known ones. */
static void text_enum_counts(FILE *f, const struct trace_enum *e, const char *(*name)(unsigned),
			     const uint64_t *v, unsigned n)
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		const char *nm = i == n - 1 ? NULL : e ? trace_enum_name(e, i) : name(i);

		if (!v[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, any ? ", " : " ", nm ? nm : "unknown", v[i]);
		any = true;
	}
	if (!any)
		fputs(" none", f);
}

/*
 * Nested virtualization: L2 exits by class and L0's decision with L0's cost
 * of each, and for the reflected ones the round trip through L1 until it
 * returned into L2; why, nested ERETs, injections into virtual EL2, the
 * shadow stage 2. Only for a trace with nested records.
 */
static void text_nested(FILE *f, const struct hs_stats *s)
{
	const struct hs_nested *n = s->nested;
	uint64_t l2 = hs_nested_l2_exits(n), reflected;
	char cls[32];

	if (!n)
		return;
	reflected = n->l2_exits[TRACE_NV_REFLECTED];
	fprintf(f, "\nNested: %" PRIu64 " L2 exits, %" PRIu64 " handled in L0, %" PRIu64
		   " reflected to L1 (%.1f%%); %" PRIu64 " L1 exits; %" PRIu64 " nested ERETs",
		l2, n->l2_exits[TRACE_NV_L0], reflected, pct(reflected, l2), n->l1_exits, n->erets);
	if (n->illegal_erets)
		fprintf(f, " (%" PRIu64 " illegal)", n->illegal_erets);
	fputc('\n', f);
	if (l2) {
		fprintf(f, "\n%-12s %-9s %10s %7s | %-19s | %-19s | %-19s | %s\n", "", "", "", "",
			"L0 cost (cycles)", "round trip (cycles)", "round trip (us)", "L1 EXITS");
		fprintf(f, "%-12s %-9s %10s %7s | %9s %9s | %9s %9s | %9s %9s | %s\n", "CLASS",
			"DECISION", "COUNT", "SHARE%", "p50", "p99", "p50", "p99", "p50", "p99",
			"PER TRIP");
	}
	for (unsigned c = 0; c < HS_CLASS_ROWS; c++) {
		const struct hs_nv_class *r = &n->cls[c];

		if (c == HS_CLASS_BAD)
			snprintf(cls, sizeof(cls), "other");
		else
			snprintf(cls, sizeof(cls), "%s", exit_class_name(c));
		for (unsigned d = 0; d < HS_NV_DECISIONS; d++) {
			if (!r->count[d])
				continue;
			fprintf(f, "%-12s %-9s %10" PRIu64 " %7.2f |", cls,
				trace_enum_name(&trace_enum_nv_decision, d), r->count[d],
				pct(r->count[d], l2));
			text_p50_p99(f, &r->cost[d], 1, 0);
			fputs(" |", f);
			if (d == TRACE_NV_REFLECTED && r->trip_cost.count) {
				text_p50_p99(f, &r->trip_cost, 1, 0);
				fputs(" |", f);
				text_p50_p99(f, &r->trip_ns, 1e3, 2);
				fprintf(f, " | %.1f\n",
					(double)r->trip_l1_exits / (double)r->trip_cost.count);
			} else {
				fprintf(f, " %9s %9s | %9s %9s | -\n", "-", "-", "-", "-");
			}
		}
	}
	fputs("  why:", f);
	text_enum_counts(f, &trace_enum_nv_reason, NULL, n->reasons, HS_NV_REASONS + 1);
	fputs("\n  injections into virtual EL2:", f);
	text_enum_counts(f, &trace_enum_nv_inject_kind, NULL, n->injects, HS_NV_INJ_KINDS + 1);
	fprintf(f, "\n  shadow stage 2: %" PRIu64 " faults:",
		hs_stats_count(s, TRACE_NV_S2_FAULT));
	text_enum_counts(f, &trace_enum_nv_s2_result, NULL, n->s2_faults, HS_NV_S2_RESULTS + 1);
	fprintf(f, " (%" PRIu64 " pages filled); %" PRIu64 " invalidations:", n->s2_filled_pages,
		hs_stats_count(s, TRACE_NV_S2_INVAL));
	text_enum_counts(f, NULL, hs_nv_inval_name, n->invals, HS_NV_INVAL_OPS + 1);
	fprintf(f, " (%" PRIu64 " pages dropped)\n", n->inval_pages);
}

static void text_losses(FILE *f, const struct hs_stats *s, const struct hs_trace_info *info)
{
	unsigned cpu;

	fprintf(f, "\nLosses: %" PRIu64 " records lost (%.3f%% of %" PRIu64 " produced)", s->lost,
		pct(s->lost, s->records + s->lost), s->records + s->lost);
	if (s->lost) {
		fputs(";", f);
		for (cpu = 0; cpu < s->nr_cpus && cpu < HS_MAX_CPUS; cpu++)
			fprintf(f, " cpu%u %" PRIu64, cpu, s->cpu_lost[cpu]);
	}
	fputc('\n', f);
	if (info->rst.bad_chunks || !info->rst.trailer_ok)
		fprintf(f, "  file damage: %" PRIu64 " chunks skipped (%" PRIu64
			   " records), %s; first problem: %s\n",
			info->rst.bad_chunks, info->rst.records_skipped,
			info->rst.trailer_ok ? "end marker intact" : "no end marker",
			info->first_problem);
	if (s->unpaired > s->nr_cpus + s->vcpus.nr || s->short_records || s->other_types)
		fprintf(f, "  %" PRIu64 " entries without their exit, %" PRIu64
			   " records too short, %" PRIu64 " of types this version does not decode\n",
			s->unpaired, s->short_records, s->other_types);
	if (s->nomem)
		fprintf(f, "  %" PRIu64 " samples not counted: out of memory\n", s->nomem);
}

static void report_text(FILE *f, const struct hs_stats *s, const struct hs_trace_info *info,
			const struct hs_ref *refs, int n)
{
	text_header(f, info, s);
	text_main(f, s, refs, n);
	text_mmio(f, s);
	text_sysregs(f, s);
	text_hypercalls(f, s);
	text_vmids(f, s);
	text_vgic(f, s);
	text_sched(f, s);
	text_sdei(f, s);
	text_its(f, s);
	text_nested(f, s);
	text_losses(f, s, info);
}

/* ------------------------------------------------------------ json */

static void json_lat(FILE *f, const char *name, const struct hs_hist *h)
{
	fprintf(f, "\"%s\": ", name);
	if (!h->count) {
		fputs("null", f);
		return;
	}
	fprintf(f,
		"{\"samples\": %" PRIu64 ", \"min\": %" PRIu64 ", \"avg\": %.1f, \"p50\": %" PRIu64
		", \"p99\": %" PRIu64 ", \"max\": %" PRIu64 "}",
		h->count, h->min, hs_hist_mean(h), hs_hist_quantile(h, 0.5),
		hs_hist_quantile(h, 0.99), h->max);
}

static void json_row_body(FILE *f, const struct hs_row *r, double span, uint64_t of,
			  const char *failed_name, bool with_time)
{
	fprintf(f, "\"count\": %" PRIu64 ", \"rate\": %.3f, \"share\": %.4f, \"%s\": %" PRIu64 ", ",
		r->count, rate(r->count, span), pct(r->count, of), failed_name, r->failed);
	json_lat(f, "cost_cycles", &r->cost);
	if (with_time) {
		fputs(", ", f);
		json_lat(f, "time_ns", &r->time);
	}
}

static void json_main_rows(FILE *f, const struct hs_stats *s, const struct hs_ref *refs, int n)
{
	double span = hs_stats_span_s(s);
	char label[256], sym[128];
	int i, shown = env.limit && (unsigned)n > env.limit ? (int)env.limit : n;

	fputs("  \"rows\": [", f);
	for (i = 0; i < shown; i++) {
		const struct hs_ref *r = &refs[i];

		fprintf(f, "%s\n    {\"name\": \"", i ? "," : "");
		hs_json_str(f, row_label(s, r, label, sizeof(label)));
		fputs("\", ", f);
		if (r->other) {
			fputs("\"other\": true, ", f);
		} else {
			switch (env.by) {
			case HS_BY_CLASS:
				fprintf(f, "\"class\": %u, ", r->cls);
				break;
			case HS_BY_VM:
				fprintf(f, "\"vm\": %u, \"guest_s\": %.9f, ", r->vm,
					(double)r->row->guest_ns / 1e9);
				break;
			case HS_BY_VCPU:
				fprintf(f, "\"vm\": %u, \"vcpu\": %u, \"guest_s\": %.9f, ", r->vm,
					r->vcpu, (double)r->row->guest_ns / 1e9);
				break;
			case HS_BY_PC:
				hs_symbolize(&env.elfs, r->vm, vm_name(s, r->vm), r->pc, sym,
					     sizeof(sym));
				fprintf(f, "\"vm\": %u, \"pc\": \"0x%" PRIx64 "\", \"symbol\": \"",
					r->vm, r->pc);
				hs_json_str(f, sym);
				fputs("\", ", f);
				break;
			}
		}
		json_row_body(f, r->row, span, s->total.count, "injected", true);
		fputs("}", f);
	}
	fputs(shown ? "\n  ],\n" : "],\n", f);
}

static void json_table(FILE *f, const struct hs_stats *s, const char *name,
		       const struct hs_table *t, uint64_t of)
{
	const struct hs_keyed_row **rows;
	char buf[96];
	int n, i;

	n = hs_table_sorted(t, &rows);
	fprintf(f, "  \"%s\": [", name);
	for (i = 0; i < n; i++) {
		const struct hs_keyed_row *kr = rows[i];

		fprintf(f, "%s\n    {", i ? "," : "");
		if (t == &s->mmio) {
			char reg[40];

			fprintf(f, "\"device\": \"%s\", \"device_id\": %u, \"offset\": %" PRIu64
				   ", \"register\": \"%s\", \"dir\": \"%s\", ",
				device_label(kr->key.b, buf, sizeof(buf)), kr->key.b, kr->key.a,
				mmio_reg_name(kr->key.b, kr->key.a, reg, sizeof(reg)),
				kr->key.write ? "write" : "read");
			json_row_body(f, &kr->row, hs_stats_span_s(s), of, "failed", false);
		} else if (t == &s->sysregs) {
			fputs("\"register\": \"", f);
			hs_json_str(f, sysreg_label((uint32_t)kr->key.a, buf, sizeof(buf)));
			fprintf(f, "\", \"key\": %" PRIu64 ", \"dir\": \"%s\", ", kr->key.a,
				kr->key.write ? "write" : "read");
			json_row_body(f, &kr->row, hs_stats_span_s(s), of, "injected", false);
		} else {
			fputs("\"function\": \"", f);
			hs_json_str(f, fid_name((uint32_t)kr->key.a, buf, sizeof(buf)));
			fprintf(f, "\", \"fid\": \"0x%08" PRIx64 "\", ", kr->key.a);
			json_row_body(f, &kr->row, hs_stats_span_s(s), of, "errors", false);
		}
		fputs("}", f);
	}
	fputs(n > 0 ? "\n  ],\n" : "],\n", f);
	free(rows);
}

static void json_u64_array(FILE *f, const uint64_t *v, unsigned n)
{
	unsigned i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", v[i]);
	fputc(']', f);
}

static void json_vgic(FILE *f, const struct hs_stats *s)
{
	static const char *const points[] = { "flush", "fold" };
	const struct hs_vgic_point *p;
	unsigned i;

	fputs("  \"vgic\": {", f);
	for (i = 0; i < 2; i++) {
		p = &s->vgic[i];
		fprintf(f, "\"%s\": {\"snapshots\": %" PRIu64 ", \"list_registers\": %u, "
			   "\"mean_in_use\": %.3f, \"overflow\": %" PRIu64 ", \"in_use\": ",
			points[i], p->snapshots, p->nr_lrs,
			p->snapshots ? (double)p->used_sum / (double)p->snapshots : 0.0,
			p->overflow);
		json_u64_array(f, p->lrs, HS_LR_BINS);
		fputs("}, ", f);
	}
	fprintf(f, "\"maintenance\": {\"count\": %" PRIu64 ", \"causes\": {", s->maint);
	for (i = 0; i < HS_MISR_CAUSES; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", ich_misr_cause_name(i),
			s->maint_causes[i]);
	fputs("}}},\n", f);
}

/* {"name": n, ...} over an enumeration's values (names as text_enum_counts()). */
static void json_enum_counts(FILE *f, const struct trace_enum *e, const char *(*name)(unsigned),
			     const uint64_t *v, unsigned n)
{
	fputc('{', f);
	for (unsigned i = 0; i < n; i++) {
		const char *nm = i == n - 1 ? NULL : e ? trace_enum_name(e, i) : name(i);

		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", nm ? nm : "unknown", v[i]);
	}
	fputc('}', f);
}

/* "nested": the text section's figures; absent without nested records. */
static void json_nested(FILE *f, const struct hs_stats *s)
{
	const struct hs_nested *n = s->nested;
	bool first = true;

	if (!n)
		return;
	fprintf(f, "  \"nested\": {\"l2_exits\": %" PRIu64 ", \"handled_l0\": %" PRIu64
		   ", \"reflected\": %" PRIu64 ", \"l1_exits\": %" PRIu64 ", \"erets\": %" PRIu64
		   ", \"illegal_erets\": %" PRIu64 ", \"classes\": [",
		hs_nested_l2_exits(n), n->l2_exits[TRACE_NV_L0], n->l2_exits[TRACE_NV_REFLECTED],
		n->l1_exits, n->erets, n->illegal_erets);
	for (unsigned c = 0; c < HS_CLASS_ROWS; c++) {
		const struct hs_nv_class *r = &n->cls[c];

		for (unsigned d = 0; d < HS_NV_DECISIONS; d++) {
			if (!r->count[d])
				continue;
			fprintf(f, "%s\n    {\"class\": %u, \"name\": \"%s\", "
				   "\"decision\": \"%s\", \"count\": %" PRIu64 ", ",
				first ? "" : ",", c,
				c == HS_CLASS_BAD ? "other" : exit_class_name(c),
				trace_enum_name(&trace_enum_nv_decision, d), r->count[d]);
			json_lat(f, "cost_cycles", &r->cost[d]);
			if (d == TRACE_NV_REFLECTED) {
				fputs(", ", f);
				json_lat(f, "round_trip_cycles", &r->trip_cost);
				fputs(", ", f);
				json_lat(f, "round_trip_ns", &r->trip_ns);
				fprintf(f, ", \"round_trip_l1_exits\": %" PRIu64, r->trip_l1_exits);
			}
			fputc('}', f);
			first = false;
		}
	}
	fputs("],\n    \"reasons\": ", f);
	json_enum_counts(f, &trace_enum_nv_reason, NULL, n->reasons, HS_NV_REASONS + 1);
	fputs(", \"injections\": ", f);
	json_enum_counts(f, &trace_enum_nv_inject_kind, NULL, n->injects, HS_NV_INJ_KINDS + 1);
	fputs(",\n    \"s2_faults\": ", f);
	json_enum_counts(f, &trace_enum_nv_s2_result, NULL, n->s2_faults, HS_NV_S2_RESULTS + 1);
	fprintf(f, ", \"s2_filled_pages\": %" PRIu64 ", \"s2_invalidations\": ",
		n->s2_filled_pages);
	json_enum_counts(f, NULL, hs_nv_inval_name, n->invals, HS_NV_INVAL_OPS + 1);
	fprintf(f, ", \"s2_dropped_pages\": %" PRIu64 "},\n", n->inval_pages);
}

static void report_json(FILE *f, const struct hs_stats *s, const struct hs_trace_info *info,
			const struct hs_ref *refs, int n)
{
	double span = hs_stats_span_s(s);
	unsigned i;

	fputs("{\n  \"file\": \"", f);
	hs_json_str(f, info->path);
	fputs("\",\n  \"description\": \"", f);
	hs_json_str(f, info->hdr.description);
	fprintf(f, "\",\n  \"cpus\": %u,\n  \"cntfrq\": %" PRIu64 ",\n  \"records\": %" PRIu64
		   ",\n  \"first_ts\": %" PRIu64 ",\n  \"last_ts\": %" PRIu64 ",\n  \"span_s\": %.9f,\n"
		   "  \"guest_s\": %.9f,\n",
		info->hdr.nr_cpus, info->hdr.cntfrq, s->records, s->first_ts, s->last_ts, span,
		hs_stats_guest_s(s));
	fprintf(f, "  \"by\": \"%s\",\n  \"sort\": \"%s\",\n", by_names[env.by],
		sort_names[env.sort]);
	fputs("  \"records_by_type\": {", f);
	for (i = 0; i < trace_nr_types; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", trace_types[i].name,
			s->by_type_index[i]);
	fprintf(f, ", \"other\": %" PRIu64 "},\n", s->other_types);
	fputs("  \"exits\": {", f);
	json_row_body(f, &s->total, span, s->total.count, "injected", true);
	fputs("},\n", f);
	json_main_rows(f, s, refs, n);
	json_table(f, s, "mmio", &s->mmio, hs_stats_count(s, TRACE_MMIO));
	json_table(f, s, "sysregs", &s->sysregs, s->classes[ESR_EC_SYS64].count);
	json_table(f, s, "hypercalls", &s->hypercalls, hs_stats_count(s, TRACE_SMCCC));
	fprintf(f, "  \"vms\": {\"created\": %" PRIu64 ", \"destroyed\": %" PRIu64 "},\n",
		s->vm_creates, s->vm_destroys);
	fprintf(f, "  \"vmids\": {\"allocations\": %" PRIu64 ", \"rollovers\": %" PRIu64
		   ", \"bits\": %u, \"max_in_use\": %u, ",
		s->vmid_allocs, s->vmid_rollovers, s->vmid_bits, s->vmids_in_use_max);
	json_lat(f, "flush_cost_cycles", &s->flush_cost);
	fputs("},\n", f);
	json_vgic(f, s);
	fprintf(f, "  \"sched\": {\"sched_in\": %" PRIu64 ", \"sched_out\": %" PRIu64
		   ", \"wfi_blocks\": %" PRIu64 ", \"wfi_wakes\": %" PRIu64 ", ",
		hs_stats_count(s, TRACE_SCHED_IN), hs_stats_count(s, TRACE_SCHED_OUT),
		hs_stats_count(s, TRACE_WFI_BLOCK), hs_stats_count(s, TRACE_WFI_WAKE));
	json_lat(f, "wfi_blocked_ns", &s->wfi_blocked);
	fputs("},\n  \"irq_injections\": {", f);
	for (i = 0; i <= HS_IRQ_SOURCES; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", irq_sources[i], s->irq_injects[i]);
	fprintf(f, "},\n  \"its\": {\"commands\": %" PRIu64 ", \"command_errors\": %" PRIu64
		   ", \"lpis_msi\": %" PRIu64 ", \"lpis_int\": %" PRIu64 ", \"msis_dropped\": %" PRIu64
		   ", \"by_command\": {",
		hs_stats_count(s, TRACE_ITS_CMD), s->its.cmd_errors, s->its.lpis_msi, s->its.lpis_int,
		s->its.msis_dropped);
	for (i = 0; i <= HS_ITS_CMDS; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", its_cmd_names[i], s->its.cmds[i]);
	fputs("}},\n", f);
	json_nested(f, s);
	fputs("  \"logs\": {", f);
	for (i = 0; i < 4; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", log_levels[i], s->logs[i]);
	fprintf(f, "},\n  \"losses\": {\"lost\": %" PRIu64 ", \"per_cpu\": ", s->lost);
	json_u64_array(f, s->cpu_lost, s->nr_cpus < HS_MAX_CPUS ? s->nr_cpus : HS_MAX_CPUS);
	fprintf(f, ", \"sequence_gaps\": %" PRIu64 ", \"damaged_chunks\": %" PRIu64
		   ", \"records_skipped\": %" PRIu64 ", \"end_marker\": %s, \"problems\": %" PRIu64
		   ", \"first_problem\": \"",
		s->gaps, info->rst.bad_chunks, info->rst.records_skipped,
		info->rst.trailer_ok ? "true" : "false", info->nr_problems);
	hs_json_str(f, info->first_problem);
	fprintf(f, "\", \"unpaired_entries\": %" PRIu64 ", \"short_records\": %" PRIu64
		   ", \"out_of_memory\": %" PRIu64 "}\n}\n",
		s->unpaired, s->short_records, s->nomem);
}

/* ------------------------------------------------------------ csv */

static void csv_lat(FILE *f, const struct hs_hist *h)
{
	if (!h || !h->count) {
		fputs(",,,,,", f);
		return;
	}
	fprintf(f, ",%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64, h->min, hs_hist_mean(h),
		hs_hist_quantile(h, 0.5), hs_hist_quantile(h, 0.99), h->max);
}

/* section,key,name,count,rate_per_s,share_pct,failed,cost...,time... */
static void csv_row(FILE *f, const char *section, const char *key, const char *name,
		    uint64_t count, double span, uint64_t of, uint64_t failed,
		    const struct hs_hist *cost, const struct hs_hist *time)
{
	fprintf(f, "%s,", section);
	hs_csv_str(f, key);
	fputc(',', f);
	hs_csv_str(f, name);
	fprintf(f, ",%" PRIu64 ",%.3f,%.4f,%" PRIu64, count, rate(count, span), pct(count, of),
		failed);
	csv_lat(f, cost);
	csv_lat(f, time);
	fputc('\n', f);
}

static void csv_table(FILE *f, const struct hs_stats *s, const char *section,
		      const struct hs_table *t, uint64_t of)
{
	const struct hs_keyed_row **rows;
	char key[64], name[200], buf[96];
	int n, i;

	n = hs_table_sorted(t, &rows);
	for (i = 0; i < n; i++) {
		const struct hs_keyed_row *kr = rows[i];

		if (t == &s->mmio) {
			device_label(kr->key.b, buf, sizeof(buf));
			snprintf(key, sizeof(key), "%u:0x%" PRIx64 ":%s", kr->key.b, kr->key.a,
				 kr->key.write ? "write" : "read");
			char reg[40];

			mmio_reg_name(kr->key.b, kr->key.a, reg, sizeof(reg));
			snprintf(name, sizeof(name), "%s 0x%" PRIx64 "%s%s %s", buf, kr->key.a,
				 reg[0] ? " " : "", reg, kr->key.write ? "write" : "read");
		} else if (t == &s->sysregs) {
			snprintf(key, sizeof(key), "0x%" PRIx64 ":%s", kr->key.a,
				 kr->key.write ? "write" : "read");
			snprintf(name, sizeof(name), "%s %s",
				 sysreg_label((uint32_t)kr->key.a, buf, sizeof(buf)),
				 kr->key.write ? "write" : "read");
		} else {
			snprintf(key, sizeof(key), "0x%08" PRIx64, kr->key.a);
			fid_name((uint32_t)kr->key.a, name, sizeof(name));
		}
		csv_row(f, section, key, name, kr->row.count, hs_stats_span_s(s), of,
			kr->row.failed, &kr->row.cost, NULL);
	}
	free(rows);
}

/* Rows of the nested section (docs/nested.md): L2 exits by class per decision,
 * reflected exits' round trips, reasons, shadow stage-2 faults and invalidations. */
static void csv_nested(FILE *f, const struct hs_stats *s, double span)
{
	static const char *const sections[HS_NV_DECISIONS] = { "nested_l0", "nested_reflected" };
	const struct hs_nested *n = s->nested;
	uint64_t l2 = hs_nested_l2_exits(n);
	char key[16];

	if (!n)
		return;
	for (unsigned c = 0; c < HS_CLASS_ROWS; c++) {
		const struct hs_nv_class *r = &n->cls[c];
		const char *name = c == HS_CLASS_BAD ? "other" : exit_class_name(c);

		snprintf(key, sizeof(key), "%u", c);
		for (unsigned d = 0; d < HS_NV_DECISIONS; d++)
			if (r->count[d])
				csv_row(f, sections[d], key, name, r->count[d], span, l2, 0,
					&r->cost[d], NULL);
		if (r->trip_cost.count)
			csv_row(f, "nested_round_trip", key, name, r->trip_cost.count, span,
				r->count[TRACE_NV_REFLECTED], 0, &r->trip_cost, &r->trip_ns);
	}
	for (unsigned i = 0; i <= HS_NV_REASONS; i++) {
		const char *name = i < HS_NV_REASONS ?
			trace_enum_name(&trace_enum_nv_reason, i) : "unknown";

		if (n->reasons[i])
			csv_row(f, "nested_reason", name, name, n->reasons[i], span, l2, 0, NULL,
				NULL);
	}
	for (unsigned i = 0; i <= HS_NV_S2_RESULTS; i++) {
		const char *name = i < HS_NV_S2_RESULTS ?
			trace_enum_name(&trace_enum_nv_s2_result, i) : "unknown";

		if (n->s2_faults[i])
			csv_row(f, "nested_s2_fault", name, name, n->s2_faults[i], span,
				hs_stats_count(s, TRACE_NV_S2_FAULT), 0, NULL, NULL);
	}
	for (unsigned i = 0; i <= HS_NV_INVAL_OPS; i++)
		if (n->invals[i])
			csv_row(f, "nested_s2_inval", hs_nv_inval_name(i), hs_nv_inval_name(i),
				n->invals[i], span, hs_stats_count(s, TRACE_NV_S2_INVAL), 0, NULL,
				NULL);
}

static void report_csv(FILE *f, const struct hs_stats *s, const struct hs_ref *refs, int n)
{
	double span = hs_stats_span_s(s);
	char key[64], label[256];
	unsigned i, j;
	int shown = env.limit && (unsigned)n > env.limit ? (int)env.limit : n, r;

	fputs("section,key,name,count,rate_per_s,share_pct,failed,"
	      "cost_min,cost_avg,cost_p50,cost_p99,cost_max,"
	      "time_min_ns,time_avg_ns,time_p50_ns,time_p99_ns,time_max_ns\n",
	      f);
	for (r = 0; r < shown; r++) {
		const struct hs_ref *ref = &refs[r];

		if (ref->other)
			snprintf(key, sizeof(key), "other");
		else if (env.by == HS_BY_CLASS)
			snprintf(key, sizeof(key), "%u", ref->cls);
		else if (env.by == HS_BY_VM)
			snprintf(key, sizeof(key), "%u", ref->vm);
		else if (env.by == HS_BY_VCPU)
			snprintf(key, sizeof(key), "%u/%u", ref->vm, ref->vcpu);
		else
			snprintf(key, sizeof(key), "%u:0x%" PRIx64, ref->vm, ref->pc);
		csv_row(f, by_names[env.by], key, row_label(s, ref, label, sizeof(label)),
			ref->row->count, span, s->total.count, ref->row->failed, &ref->row->cost,
			&ref->row->time);
	}
	csv_row(f, "total", "all", "TOTAL", s->total.count, span, s->total.count, s->total.failed,
		&s->total.cost, &s->total.time);
	csv_table(f, s, "mmio", &s->mmio, hs_stats_count(s, TRACE_MMIO));
	csv_table(f, s, "sysreg", &s->sysregs, s->classes[ESR_EC_SYS64].count);
	csv_table(f, s, "hypercall", &s->hypercalls, hs_stats_count(s, TRACE_SMCCC));
	if (s->vmid_rollovers)
		csv_row(f, "vmid_rollover", "flush", "VMID rollover TLB flush", s->vmid_rollovers,
			span, s->vmid_rollovers, 0, &s->flush_cost, NULL);
	for (i = 0; i < 2; i++) {
		const struct hs_vgic_point *p = &s->vgic[i];

		for (j = 0; j < HS_LR_BINS; j++) {
			if (!p->lrs[j])
				continue;
			snprintf(key, sizeof(key), "%u", j);
			snprintf(label, sizeof(label), "%u LRs in use", j);
			csv_row(f, i ? "lr_fold" : "lr_flush", key, label, p->lrs[j], span,
				p->snapshots, 0, NULL, NULL);
		}
		if (p->overflow)
			csv_row(f, i ? "lr_fold" : "lr_flush", "overflow", "UIE or NPIE set",
				p->overflow, span, p->snapshots, 0, NULL, NULL);
	}
	for (j = 0; j < HS_MISR_CAUSES; j++)
		if (s->maint_causes[j])
			csv_row(f, "maint_cause", ich_misr_cause_name(j), ich_misr_cause_name(j),
				s->maint_causes[j], span, s->maint, 0, NULL, NULL);
	csv_nested(f, s, span);
	for (j = 0; j < s->nr_cpus && j < HS_MAX_CPUS; j++) {
		snprintf(key, sizeof(key), "%u", j);
		snprintf(label, sizeof(label), "cpu%u", j);
		csv_row(f, "lost", key, label, s->cpu_lost[j], span,
			s->cpu_records[j] + s->cpu_lost[j], 0, NULL, NULL);
	}
}

/* ------------------------------------------------------------ command */

int cmd_report(int argc, char **argv)
{
	struct hs_stats_opts o = { 0 };
	struct hs_trace_info info;
	struct hs_stats *s = NULL;
	struct hs_ref *refs = NULL;
	struct hs_err e;
	int ret, n;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		goto cleanup;

	o.groups = env.by == HS_BY_VM ? HS_GROUP_VM : env.by == HS_BY_PC ? HS_GROUP_PC : 0;
	s = hs_stats_new(&o);
	if (!s) {
		ret = hs_error("report", HS_EXIT_ENV, "out of memory");
		goto cleanup;
	}
	ret = hs_load_trace_threads(env.file, s, env.threads, &info, &e);
	if (ret) {
		ret = hs_error("report", hs_read_exit(ret), "%s", e.msg);
		goto cleanup;
	}
	if (info.damage[0])
		fprintf(stderr, "hypscope report: %s: %s\n", env.file, info.damage);
	if (info.nr_problems)
		fprintf(stderr, "hypscope report: %s: %" PRIu64 " problems, first: %s\n", env.file,
			info.nr_problems, info.first_problem);
	n = hs_stats_rows(s, env.by, env.sort, &refs);
	if (n < 0) {
		ret = hs_error("report", HS_EXIT_ENV, "out of memory");
		goto cleanup;
	}
	switch (env.format) {
	case FMT_TEXT:
		report_text(stdout, s, &info, refs, n);
		break;
	case FMT_JSON:
		report_json(stdout, s, &info, refs, n);
		break;
	case FMT_CSV:
		report_csv(stdout, s, refs, n);
		break;
	}
	ret = HS_EXIT_OK;
	if (fflush(stdout) || ferror(stdout))
		ret = hs_error("report", HS_EXIT_ENV, "cannot write the report: %s", strerror(errno));
cleanup:
	free(refs);
	hs_stats_destroy(s);
	hs_elfmap_release(&env.elfs);
	return ret;
}
