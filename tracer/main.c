/*
 * hypscope: debugger and tracing toolkit for AArch64 hypervisors.
 *
 * This file only dispatches: each subcommand lives in its own file and is
 * one entry in the table below.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tracer/hypscope.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "run", cmd_run, "boot guests under the hypervisor in QEMU and report how they ended" },
	{ "record", cmd_record, "drain a machine's trace rings, or this host's KVM, into a trace file" },
	{ "report", cmd_report, "exit counts, rates and latencies of a trace, and its breakdowns" },
	{ "print", cmd_print, "one decoded line per trace record, in time order" },
	{ "diff", cmd_diff, "judge runs against runs for exit latency and count regressions" },
	{ "bench", cmd_bench, "record N repetitions of a run, the samples diff judges" },
	{ "export", cmd_export, "convert a trace file to CTF, Chrome JSON (Perfetto) or CSV" },
	{ "top", cmd_top, "live view: exits, VMs and vCPUs, vGIC list registers, latency, events" },
	{ "sdei", cmd_sdei, "signal an SDEI event into a running VM (poke a hung vCPU)" },
};

#define NR_SUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: hypscope COMMAND [OPTIONS]\n"
	      "       hypscope help COMMAND\n"
	      "       hypscope --help | --version\n"
	      "\n"
	      "Debugger and tracing toolkit for AArch64 hypervisors, with its own EL2\n"
	      "hypervisor booted in QEMU.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < NR_SUBCMDS; i++)
		fprintf(f, "  %-10s %s\n", subcmds[i].name, subcmds[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "'hypscope help COMMAND' or 'hypscope COMMAND --help' describes a command.\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  hypscope run                     # boot the demo guests\n"
	      "  hypscope run --vm build/guests/demo.elf:vcpus=2 --timeout 30\n"
	      "  hypscope help run\n",
	      f);
}

static const struct subcmd *find_subcmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_SUBCMDS; i++) {
		if (!strcmp(subcmds[i].name, name))
			return &subcmds[i];
	}
	return NULL;
}

static int unknown(const char *name)
{
	fprintf(stderr, "hypscope: unknown command '%s': see 'hypscope --help'\n", name);
	return HS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const struct subcmd *sc;
	char help_arg[] = "--help";
	char *help_argv[3];

	/* a file-size limit (ulimit -f) is an error to report (EFBIG), not a death */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return HS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return HS_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("hypscope %s\n", HYPSCOPE_VERSION);
		return HS_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return HS_EXIT_OK;
		}
		sc = find_subcmd(argv[2]);
		if (!sc)
			return unknown(argv[2]);
		help_argv[0] = argv[2];
		help_argv[1] = help_arg;
		help_argv[2] = NULL;
		return sc->fn(2, help_argv);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "hypscope: unknown option '%s': see 'hypscope --help'\n", argv[1]);
		return HS_EXIT_USAGE;
	}
	sc = find_subcmd(argv[1]);
	if (!sc)
		return unknown(argv[1]);
	return sc->fn(argc - 1, argv + 1);
}
