/*
 * hypscope print: one decoded line per trace record, in time order.
 *
 *   0.000123456 cpu0 vm0/1  exit          DABT_LOW isv=1 ... pc=0x40081234 <uart_putc+0x14>
 *                                          insn=0xb9000001 "str w1, [x0]" cost=812
 *
 * Exits are decoded by formats/esr_fmt.h, the trapping instruction by
 * capstone, guest PCs by the ELF symbols given with --elf.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/host/mmio_regs.h"
#include "formats/esr.h"
#include "formats/esr_fmt.h"
#include "formats/host/trace_types.h"
#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "formats/smccc.h"
#include "formats/host/tracefile.h"
#include "tracer/lib/progress.h"
#include "tracer/lib/analysis.h"
#include "tracer/lib/evfmt.h"
#include "tracer/hypscope.h"
#include "tracer/lib/stats.h"

#define ANY UINT32_MAX

static struct env {
	const char *file;
	uint32_t vm, vcpu, cls;
	double since, until;
	bool has_since, has_until;
	bool raw;
	struct hs_elfmap elfs;
} env;

static const char usage[] =
	"Usage: hypscope print FILE [OPTIONS]\n"
	"\n"
	"Print a trace file one decoded line per record, in time order: seconds since\n"
	"the first record, CPU, vm/vcpu, event and its details. Exits show the exit\n"
	"class and ESR fields, the guest PC (symbolized with --elf), the trapping\n"
	"instruction disassembled, the handling cost in cycles and the outcome.\n"
	"\n"
	"  -V, --vm N          only records of VM slot N\n"
	"  -c, --vcpu N        only records of vCPU N\n"
	"  -C, --class EC      only exits of this class: a number (22, 0x16) or a\n"
	"                      name (HVC64, DABT_LOW, SYS64, WFX, IRQ...)\n"
	"  -s, --since T       only records at or after T seconds (as printed)\n"
	"  -u, --until T       only records at or before T seconds\n"
	"      --elf VM=PATH   symbolize guest PCs of VM (slot number or name) with\n"
	"                      the ELF's function symbols; repeatable\n"
	"  -r, --raw           nothing decoded: the header's fields, then the rest of\n"
	"                      the record as 64-bit words in hex\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 success; 2 bad usage or a file that is not a readable trace\n"
	"(damage inside a trace is reported and skipped); 4 I/O error.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope print demo.trace | less\n"
	"  hypscope print demo.trace --vm 0 --class DABT_LOW --elf 0=build/guests/demo.elf\n"
	"  hypscope print demo.trace --since 1.5 --until 1.6 --vcpu 1\n"
	"  hypscope print demo.trace --raw | grep vmid_rollover\n";

enum { OPT_ELF = 0x100 };

static const struct option long_opts[] = {
	{ "vm", required_argument, NULL, 'V' },
	{ "vcpu", required_argument, NULL, 'c' },
	{ "class", required_argument, NULL, 'C' },
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "elf", required_argument, NULL, OPT_ELF },
	{ "raw", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("print", __VA_ARGS__)

static bool parse_u16(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v >= 0xffff)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_secs(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out >= 0 && isfinite(*out);
}

static int parse_args(int argc, char **argv)
{
	struct hs_err e;
	unsigned cls;
	int opt;

	hs_elfmap_release(&env.elfs);
	memset(&env, 0, sizeof(env));
	env.vm = env.vcpu = env.cls = ANY;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":V:c:C:s:u:rh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'V':
			if (!parse_u16(optarg, &env.vm))
				return usage_error("--vm needs a VM slot number, not '%s'", optarg);
			break;
		case 'c':
			if (!parse_u16(optarg, &env.vcpu))
				return usage_error("--vcpu needs a vCPU number, not '%s'", optarg);
			break;
		case 'C':
			if (!hs_parse_class(optarg, &cls))
				return usage_error("--class: '%s' is no exit class (a number below 0x%x, "
						   "or a name like HVC64, DABT_LOW, IRQ)",
						   optarg, HYP_EXIT_CLASSES);
			env.cls = cls;
			break;
		case 's':
			if (!parse_secs(optarg, &env.since))
				return usage_error("--since needs seconds, not '%s'", optarg);
			env.has_since = true;
			break;
		case 'u':
			if (!parse_secs(optarg, &env.until))
				return usage_error("--until needs seconds, not '%s'", optarg);
			env.has_until = true;
			break;
		case OPT_ELF:
			if (hs_elfmap_add(&env.elfs, optarg, &e))
				return usage_error("%s", e.msg);
			break;
		case 'r':
			env.raw = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value: see 'hypscope print --help'",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s': see 'hypscope print --help'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("which trace file? see 'hypscope print --help'");
	env.file = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s': one trace file at a time",
				   argv[optind]);
	if (env.has_since && env.has_until && env.until < env.since)
		return usage_error("--until %g is before --since %g", env.until, env.since);
	return -1;
}

static bool wanted(const struct ev_fmt *p, const struct trace_hdr *h, uint32_t size)
{
	double t;

	if (env.vm != ANY && h->vm != env.vm)
		return false;
	if (env.vcpu != ANY && h->vcpu != env.vcpu)
		return false;
	if (env.cls != ANY) {
		if (h->type != TRACE_EXIT || size < sizeof(struct trace_exit) ||
		    ((const struct trace_exit *)h)->exit_class != env.cls)
			return false;
	}
	if (env.has_since || env.has_until) {
		t = (double)(h->ts - p->t0) / (double)p->cntfrq;
		/* a nanosecond of slack: the user types what was printed, rounded */
		if (env.has_since && t < env.since - 1e-9)
			return false;
		if (env.has_until && t > env.until + 1e-9)
			return false;
	}
	return true;
}

int cmd_print(int argc, char **argv)
{
	char damage[2 * TF_MSG_LEN];
	struct ev_fmt *p = NULL;
	struct tf_reader *rd = NULL;
	struct tf_record rec;
	struct hs_progress progress;
	char msg[TF_MSG_LEN];
	bool first = true;
	int ret, n;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		goto cleanup;
	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = hs_error("print", HS_EXIT_ENV, "out of memory");
		goto cleanup;
	}
	ev_fmt_init(p, 0, 0);
	p->elfs = &env.elfs;
	p->raw = env.raw;
	ret = tf_reader_open(&rd, env.file, msg, sizeof(msg));
	if (ret) {
		ret = hs_error("print", hs_read_exit(ret), "%s", msg);
		goto cleanup;
	}
	p->cntfrq = tf_reader_header(rd)->cntfrq ? tf_reader_header(rd)->cntfrq : 62500000;

	hs_progress_reader(&progress, "print", rd);
	while ((n = tf_reader_next(rd, &rec)) > 0) {
		const struct trace_hdr *h = rec.hdr;
		uint32_t min = trace_min_size(h->type);

		if (first) {
			p->t0 = h->ts;
			first = false;
		}
		if (min && rec.size < min)
			continue; /* the reader refuses those; never decode past the record */
		ev_fmt_note_vm(p, h, rec.size);
		/* records come in time order: nothing later can be wanted */
		if (env.has_until && (double)(h->ts - p->t0) / (double)p->cntfrq > env.until + 1e-9)
			break;
		if (!wanted(p, h, rec.size))
			continue;
		ev_format(p, stdout, h, rec.size, rec.cpu);
		putchar('\n');
	}
	hs_progress_end(&progress);
	ret = HS_EXIT_OK;
	if (n < 0)
		ret = hs_error("print", HS_EXIT_ENV, "%s: read error: %s", env.file, strerror(-n));
	if (tf_reader_summary(rd, damage, sizeof(damage)))
		fprintf(stderr, "hypscope print: %s: %s\n", env.file, damage);
	if (tf_reader_nr_problems(rd))
		fprintf(stderr, "hypscope print: %s: %zu problems, first: %s\n", env.file,
			tf_reader_nr_problems(rd), tf_reader_problem(rd, 0));
	if (fflush(stdout) || ferror(stdout))
		ret = hs_error("print", HS_EXIT_ENV, "cannot write: %s", strerror(errno));
cleanup:
	ev_fmt_release(p);
	free(p);
	tf_reader_close(rd);
	hs_elfmap_release(&env.elfs);
	return ret;
}
