/*
 * hypscope top: the live view of a running machine (--attach) or of a trace
 * file (--replay). The view itself lives in tui/ (tui/top.h); this file
 * only reads the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/hypscope.h"
#include "tui/top.h"

static const char usage[] =
	"Usage: hypscope top --attach PATH|PID [OPTIONS]\n"
	"       hypscope top --replay FILE [--speed X] [OPTIONS]\n"
	"       hypscope top --kvm [OPTIONS]\n"
	"\n"
	"The live view of a hypscope machine: exits by class with rates, latency\n"
	"percentiles and a sparkline of the last minute, their ISS breakdowns, VM and\n"
	"vCPU state and time in guest and hypervisor, vGIC list registers,\n"
	"maintenance interrupts, a latency histogram and the newest events. Press h\n"
	"in the view for its keys.\n"
	"\n"
	"  -a, --attach PATH|PID  a running machine: its RAM file\n"
	"                         (/dev/shm/hypscope-PID.ram), or the PID of the\n"
	"                         'hypscope run' that started it\n"
	"  -r, --replay FILE      a trace file ('hypscope run --record', 'hypscope record')\n"
	"      --kvm              this arm64 host's KVM, through BPF (root, or\n"
	"                         CAP_BPF and CAP_PERFMON): VMs are VMM processes\n"
	"  -x, --speed X          replay speed: 1 real time (default), 0.5, 10 ...,\n"
	"                         or max: as fast as possible\n"
	"      --paused           start the replay paused (n steps, p plays)\n"
	"  -d, --interval S       refresh every S seconds (default 1, at least 0.1)\n"
	"  -b, --batch            print the tables as text every interval, no curses\n"
	"                         (the default when standard output is not a terminal)\n"
	"  -n, --iterations N     stop after N intervals\n"
	"  -f, --filter REGEX     only exit classes whose name matches (POSIX extended,\n"
	"                         case-insensitive)\n"
	"  -s, --sort COLUMN      name, count (default), rate, share, avg, p50, p99, time\n"
	"      --reverse          the other way round\n"
	"      --vm N[/M]         only VM N, or only its vCPU M\n"
	"  -m, --mode MODE        attach: peek (default) never writes to the machine;\n"
	"                         consume frees ring space as it is read (a drop-mode\n"
	"                         machine nothing else records)\n"
	"      --wait S           attach: wait up to S seconds for QEMU to create the\n"
	"                         RAM file (default 0)\n"
	"  -w, --width N          batch: columns (default: the terminal's, or 132)\n"
	"      --no-color         no colours (also when NO_COLOR is set)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 quit, or the end of the trace or of the machine in batch mode;\n"
	"2 bad usage, not a hypscope machine, tracing off, or a bad trace file; 4 no\n"
	"usable terminal, or the rings failed; 5 the hypervisor panicked or refused its\n"
	"configuration; 128+N ended by signal N (SIGINT, SIGTERM, SIGHUP).\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope run --keep &                    # the demo, rings in overwrite mode\n"
	"  hypscope top --attach $!\n"
	"  hypscope top --replay demo.trace --speed 4\n"
	"  hypscope top -r demo.trace --batch --speed max --iterations 1\n"
	"  hypscope top -a /dev/shm/hypscope-4242.ram -f 'DABT|SYS' -s p99 --vm 1\n"
	"  sudo hypscope top --kvm --batch --iterations 10\n";

enum {
	OPT_PAUSED = 0x100,
	OPT_REVERSE,
	OPT_VM,
	OPT_WAIT,
	OPT_NO_COLOR,
	OPT_KVM,
};

static const struct option long_opts[] = {
	{ "attach", required_argument, NULL, 'a' },
	{ "replay", required_argument, NULL, 'r' },
	{ "speed", required_argument, NULL, 'x' },
	{ "paused", no_argument, NULL, OPT_PAUSED },
	{ "interval", required_argument, NULL, 'd' },
	{ "batch", no_argument, NULL, 'b' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "filter", required_argument, NULL, 'f' },
	{ "sort", required_argument, NULL, 's' },
	{ "reverse", no_argument, NULL, OPT_REVERSE },
	{ "vm", required_argument, NULL, OPT_VM },
	{ "mode", required_argument, NULL, 'm' },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "width", required_argument, NULL, 'w' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "kvm", no_argument, NULL, OPT_KVM },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("top", __VA_ARGS__)


static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && *out <= max;
}

static bool parse_sort(const char *s, enum top_col *col)
{
	static const char *const names[TOP_NR_COLS] = {
		[TOP_COL_NAME] = "name", [TOP_COL_COUNT] = "count", [TOP_COL_RATE] = "rate",
		[TOP_COL_SHARE] = "share", [TOP_COL_AVG] = "avg", [TOP_COL_P50] = "p50",
		[TOP_COL_P99] = "p99", [TOP_COL_TIME] = "time",
	};
	int i;

	for (i = 0; i < TOP_NR_COLS; i++) {
		if (!strcmp(s, names[i])) {
			*col = (enum top_col)i;
			return true;
		}
	}
	return false;
}

/* "1" or "1/0" */
static bool parse_vm(const char *s, int *vm, int *vcpu)
{
	unsigned long a, b;
	char buf[32], *slash;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!parse_uint(buf, TOP_MAX_VMS - 1, &a))
		return false;
	*vm = (int)a;
	*vcpu = TOP_NO_SEL;
	if (!slash)
		return true;
	if (!parse_uint(slash + 1, TOP_MAX_VCPUS - 1, &b))
		return false;
	*vcpu = (int)b;
	return true;
}

/* What the command line asks for: one source, and how to show it. */
struct top_args {
	const char *attach, *replay;
	bool kvm;
	struct top_opts o;
};

/* How the records are played: -1 taken, 0 not one of these, or the exit code. */
static int play_option(int opt, const char *arg, struct top_opts *o)
{
	unsigned long n;

	switch (opt) {
	case 'x':
		if (!strcmp(arg, "max"))
			o->speed = 0;
		else if (!hs_parse_double(arg, 1.0 / 64, 1024, &o->speed))
			return usage_error("--speed is a factor from 1/64 to 1024, or max; not '%s'",
					   arg);
		return -1;
	case OPT_PAUSED:
		o->start_paused = true;
		return -1;
	case 'd':
		if (!hs_parse_double(arg, 0.1, 3600, &o->interval_s))
			return usage_error("--interval needs seconds from 0.1 to 3600, not '%s'", arg);
		return -1;
	case 'b':
		o->mode = TOP_MODE_BATCH;
		return -1;
	case 'n':
		if (!parse_uint(arg, 1000000000ul, &n) || !n)
			return usage_error("--iterations needs a positive count, not '%s'", arg);
		o->iterations = (unsigned)n;
		return -1;
	case 'm':
		if (!strcmp(arg, "peek"))
			o->consume = false;
		else if (!strcmp(arg, "consume"))
			o->consume = true;
		else
			return usage_error("--mode is peek or consume, not '%s'", arg);
		return -1;
	case OPT_WAIT:
		if (!hs_parse_double(arg, 0, 3600, &o->wait_s))
			return usage_error("--wait needs seconds from 0 to 3600, not '%s'", arg);
		return -1;
	}
	return 0;
}

/* What the tables show: -1 taken, 0 not one of these, or the exit code. */
static int show_option(int opt, const char *arg, struct top_opts *o)
{
	unsigned long n;

	switch (opt) {
	case 'f':
		o->filter = arg;
		return -1;
	case 's':
		if (!parse_sort(arg, &o->sort))
			return usage_error("--sort takes name, count, rate, share, avg, p50, p99 or "
					   "time, not '%s'",
					   arg);
		return -1;
	case OPT_REVERSE:
		o->sort_reverse = true;
		return -1;
	case OPT_VM:
		if (!parse_vm(arg, &o->vm, &o->vcpu))
			return usage_error("--vm takes a VM slot 0-%u, optionally /vCPU 0-%u, not '%s'",
					   TOP_MAX_VMS - 1, TOP_MAX_VCPUS - 1, arg);
		return -1;
	case 'w':
		if (!parse_uint(arg, 1000, &n) || n < 40)
			return usage_error("--width needs 40 to 1000 columns, not '%s'", arg);
		o->width = (unsigned)n;
		return -1;
	case OPT_NO_COLOR:
		o->color = false;
		return -1;
	}
	return 0;
}

/* -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_args(int argc, char **argv, struct top_args *t)
{
	int opt, ret;

	memset(t, 0, sizeof(*t));
	top_opts_init(&t->o);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":a:r:x:d:bn:f:s:m:w:h", long_opts, NULL)) != -1) {
		if (opt == 'a') {
			t->attach = optarg;
		} else if (opt == 'r') {
			t->replay = optarg;
		} else if (opt == OPT_KVM) {
			t->kvm = true;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return HS_EXIT_OK;
		} else if (opt == ':') {
			return usage_error("option '%s' needs a value: see 'hypscope top --help'",
					   argv[optind - 1]);
		} else {
			ret = play_option(opt, optarg, &t->o);
			if (!ret)
				ret = show_option(opt, optarg, &t->o);
			if (!ret)
				return usage_error("unknown option '%s': see 'hypscope top --help'",
						   argv[optind - 1]);
			if (ret > 0)
				return ret;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s': see 'hypscope top --help'",
				   argv[optind]);
	if (t->kvm + !!t->attach + !!t->replay != 1)
		return usage_error("give one of --attach PATH|PID (a running machine), "
				   "--replay FILE (a trace file) or --kvm (this host's KVM)");
	return -1;
}

int cmd_top(int argc, char **argv)
{
	struct top_args t;
	char path[PATH_MAX];
	int ret;

	ret = parse_args(argc, argv, &t);
	if (ret >= 0)
		return ret;
	if (t.kvm)
		return top_run_kvm(&t.o);
	if (t.replay)
		return top_run_replay(t.replay, &t.o);

	hs_ram_path(t.attach, path, sizeof(path));
	return top_run_live(path, &t.o);
}
