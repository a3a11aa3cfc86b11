/*
 * hypscope run: boot guests under the hypervisor in QEMU and report how they
 * ended.
 *
 * The host writes the control block and QEMU loads it, the images and the
 * hypervisor; the console passes straight through; afterwards the status
 * block is read out of the file that backed the machine's RAM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tracer/hypscope.h"
#include "tracer/lib/hypstat.h"
#include "tracer/lib/image.h"
#include "tracer/lib/machine.h"
#include "tracer/lib/qemu.h"
#include "tracer/lib/reaper.h"
#include "tracer/lib/record.h"
#include "tracer/lib/vmspec.h"
#include "tui/top.h"

#define DEMO_GUEST     "guests/demo.elf"
#define DEMO_VMS       2
#define DEMO_VCPUS     2
#define DEMO_LINUX     "linux/initramfs.cpio"
#define DEMO_LINUX_WORK_S 4
#define DEFAULT_CPUS   2
#define SHM_DIR        "/dev/shm"
#define MAX_TEMP_FILES (HYPCFG_MAX_VMS + 1)
#define DEFAULT_TRACE_SIZE (4ull << 20)

static struct env {
	struct vmspec vms[HYPCFG_MAX_VMS];
	unsigned int nr_vms;
	unsigned int cpus;
	const char *cpu_model;
	unsigned int timeout_s;
	unsigned int vmid_bits;
	unsigned int slice_us;
	const char *qemu;
	const char *hyp;
	bool keep;
	bool dry_run;
	unsigned int trace_mode;   /* enum hypcfg_trace_mode; default below */
	bool trace_mode_set;
	uint64_t trace_size;       /* ring bytes per CPU */
	const char *record;        /* --record FILE */
	bool top;                  /* --top: the live view while it runs */
	char *qemu_args[32];       /* --qemu-arg */
	unsigned int nr_qemu_args;
	uint64_t test_hvc_pad;     /* --test-hvc-pad: TEST ONLY */
	char gdb_serial[160];      /* --gdb: QEMU's -serial for the stub's UART, "" when off */
	bool gdb_wait;             /* --gdb-wait */
	bool mte;                  /* --mte: QEMU's mte=on, MTE for guests */
	unsigned int gdb_vm;       /* --gdb-vm */
	bool gdb_vm_set;
} env;

/* Everything a run creates, released by run_destroy(). */
struct run {
	char self_dir[PATH_MAX];
	char hyp[PATH_MAX];
	char qemu[PATH_MAX];
	char tmpdir[PATH_MAX];
	char cfg_file[PATH_MAX];
	char console_file[PATH_MAX + 16];
	char shm_path[PATH_MAX];
	char *temp_files[MAX_TEMP_FILES];
	size_t nr_temp_files;
	char image_paths[HYPCFG_MAX_VMS][PATH_MAX];
	const char *image_names[HYPCFG_MAX_VMS];
	struct image images[HYPCFG_MAX_VMS];
	struct machine machine;
	struct hypcfg cfg;
	char **argv;
	bool shm_used;
	bool keep;
	struct recorder *rec;   /* --record: opened once QEMU has created the RAM file */
	char rec_err[256];
	struct reaper *reaper;  /* cleans up if this process is killed; NULL with --keep */
};

static const char usage[] =
	"Usage: hypscope run [OPTIONS] [--vm IMAGE[:KEY=VALUE,...]]...\n"
	"\n"
	"Boot guests under the hypscope hypervisor in QEMU, pass the console through\n"
	"and report how every guest ended.\n"
	"\n"
	"  --vm IMAGE[:KEY=VALUE,...]  a guest (up to 8): an aarch64 ELF executable,\n"
	"                       an uncompressed arm64 Linux Image, or a flat binary\n"
	"                       loaded at 0x40000000. KEYs:\n"
	"                         vcpus=N      vCPUs, 1-4 (default 1)\n"
	"                         mem=SIZE     guest RAM, K/M/G suffix, a multiple of 2M\n"
	"                                      (default 64M)\n"
	"                         initrd=FILE  an initial ramdisk\n"
	"                         instances=N  run N VMs from it, one after the other\n"
	"                         name=NAME    (default: image basename and its index)\n"
	"                         sdei=off     no SDEI for it (calls NOT_SUPPORTED)\n"
	"                         el2=on       it starts at virtual EL2, a guest\n"
	"                                      hypervisor (FEAT_NV2: --cpu max only)\n"
	"                         cmdline=STR  goes last: takes the rest, commas included\n"
	"                       Without --vm: two VMs of guests/demo.elf (next to the\n"
	"                       hypscope binary) with 2 vCPUs each, and Debian's Linux\n"
	"                       with 2 vCPUs when 'make linux-guest' has built it.\n"
	"      --cpus N         physical CPUs of the machine, 1-4 (default 2)\n"
	"      --cpu MODEL      QEMU CPU model (default max)\n"
	"  -t, --timeout S      stop QEMU after S seconds (exit status 3)\n"
	"      --vmid-bits N    narrow VMIDs to N bits, 3-16, to force rollovers\n"
	"                       (default: what the CPU offers)\n"
	"      --slice-us N     scheduler time slice in microseconds (default: the\n"
	"                       hypervisor's)\n"
	"      --top            the live view (hypscope-top(1)) while the guests run,\n"
	"                       their consoles saved and shown after it; without a\n"
	"                       terminal, the consoles and summary as usual\n"
	"      --record FILE    drain the trace rings live into FILE (see\n"
	"                       hypscope-report(1)); implies --trace drop\n"
	"      --trace MODE     the hypervisor's trace rings: overwrite (a flight\n"
	"                       recorder others can attach to, the default), drop\n"
	"                       (no-overwrite: what does not fit is dropped and\n"
	"                       counted) or off\n"
	"      --trace-size SIZE  ring bytes per physical CPU, K/M suffix (default 4M)\n"
	"      --gdb [HOST:]PORT  the GDB remote stub: gdb-multiarch connects with\n"
	"                       'target remote HOST:PORT' (HOST 127.0.0.1 unless given;\n"
	"                       reconnects allowed). See docs/gdbstub.md\n"
	"      --gdb-wait       hold every VM at its first instruction until a debugger\n"
	"                       resumes it (needs --gdb)\n"
	"      --gdb-vm N       the VM slot 'target remote' debugs (default 0; needs --gdb)\n"
	"      --mte            MTE for guests: QEMU's virt board with mte=on (tag\n"
	"                       memory; a CPU model with MTE, e.g. max); without it\n"
	"                       guests see no MTE\n"
	"      --hyp PATH       the hypervisor (default: hyp.elf next to hypscope)\n"
	"      --qemu PATH      QEMU binary (default: $HYPSCOPE_QEMU, else\n"
	"                       qemu-system-aarch64 from PATH)\n"
	"      --qemu-arg ARG   one more QEMU argument, appended as given (repeatable),\n"
	"                       e.g. --qemu-arg -icount --qemu-arg shift=0\n"
	"      --test-hvc-pad N  TEST ONLY: every HVC exit runs N more EL2\n"
	"                       instructions (a known slowdown for testing\n"
	"                       hypscope diff); never use it to measure anything else\n"
	"  -k, --keep           keep the RAM file /dev/shm/hypscope-PID.ram and the\n"
	"                       temporary directory\n"
	"  -n, --dry-run        print the control block and the QEMU command line,\n"
	"                       run nothing\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 every guest ended cleanly; 1 a guest failed, reset, exited\n"
	"non-zero or did not end; 2 bad usage; 3 timeout; 4 QEMU or environment error;\n"
	"5 hypervisor panic or refused configuration.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope run                       # the demo: 2 bare-metal VMs and Linux\n"
	"  hypscope run --vm build/guests/demo.elf:vcpus=2,instances=3\n"
	"  hypscope run --cpus 4 --vm a.elf:name=a --vm b.elf:vcpus=4,mem=128M\n"
	"  hypscope run --timeout 60 \\\n"
	"      --vm Image:mem=256M,initrd=rootfs.cpio,cmdline=console=ttyAMA0\n"
	"  hypscope run --vmid-bits 3 --vm build/guests/demo.elf:instances=8\n"
	"  hypscope run --dry-run --keep      # show what would run, keep the files\n"
	"  hypscope run --record demo.trace   # then: hypscope report demo.trace\n"
	"  hypscope run --top                 # the demo in the live view\n"
	"  hypscope run --gdb 1234 --gdb-wait --vm build/guests/gdb.elf:vcpus=2\n"
	"      # then: gdb-multiarch -ex 'target remote :1234' build/guests/gdb.elf\n";

enum {
	OPT_VM = 0x100,
	OPT_CPUS,
	OPT_CPU,
	OPT_VMID_BITS,
	OPT_SLICE_US,
	OPT_HYP,
	OPT_QEMU,
	OPT_RECORD,
	OPT_TRACE,
	OPT_TRACE_SIZE,
	OPT_QEMU_ARG,
	OPT_TOP,
	OPT_TEST_HVC_PAD,
	OPT_GDB,
	OPT_GDB_WAIT,
	OPT_GDB_VM,
	OPT_MTE,
};

static const struct option long_opts[] = {
	{ "vm", required_argument, NULL, OPT_VM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "timeout", required_argument, NULL, 't' },
	{ "vmid-bits", required_argument, NULL, OPT_VMID_BITS },
	{ "slice-us", required_argument, NULL, OPT_SLICE_US },
	{ "hyp", required_argument, NULL, OPT_HYP },
	{ "qemu", required_argument, NULL, OPT_QEMU },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "trace-size", required_argument, NULL, OPT_TRACE_SIZE },
	{ "qemu-arg", required_argument, NULL, OPT_QEMU_ARG },
	{ "top", no_argument, NULL, OPT_TOP },
	{ "test-hvc-pad", required_argument, NULL, OPT_TEST_HVC_PAD },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
	{ "gdb-vm", required_argument, NULL, OPT_GDB_VM },
	{ "mte", no_argument, NULL, OPT_MTE },
	{ "keep", no_argument, NULL, 'k' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int fail(int code, const struct hs_err *e)
{
	return hs_error("run", code, "%s", e->msg);
}

/*
 * --gdb [HOST:]PORT into QEMU's -serial for the stub's UART: a TCP server
 * that does not wait for a client and takes a new one after a disconnect.
 */
static int parse_gdb(const char *arg, struct hs_err *e)
{
	const char *colon = strrchr(arg, ':');
	char host[64] = "127.0.0.1";
	unsigned long port;

	if (colon) {
		size_t n = (size_t)(colon - arg);

		if (n >= sizeof(host))
			return hs_errf(e, -EINVAL, "--gdb: host name too long");
		if (n) {
			memcpy(host, arg, n);
			host[n] = '\0';
		}
		if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    strlen(host))
			return hs_errf(e, -EINVAL, "--gdb: '%s' is not a host name or IPv4 address",
				       host);
		arg = colon + 1;
	}
	if (hs_parse_uint("--gdb port", arg, 1, 65535, &port, e))
		return -EINVAL;
	snprintf(env.gdb_serial, sizeof(env.gdb_serial), "tcp:%s:%lu,server=on,wait=off,nodelay=on",
		 host, port);
	return 0;
}

/* Options that shape the machine and its VMs: 0, 1 when @opt is not one, or -EINVAL. */
static int machine_option(int opt, const char *arg, struct hs_err *e)
{
	unsigned long n;

	switch (opt) {
	case OPT_VM:
		if (env.nr_vms == HYPCFG_MAX_VMS)
			return hs_errf(e, -EINVAL, "too many --vm: at most %u", HYPCFG_MAX_VMS);
		if (vmspec_parse(arg, env.nr_vms, &env.vms[env.nr_vms], e))
			return -EINVAL;
		env.nr_vms++;
		return 0;
	case OPT_CPUS:
		if (hs_parse_uint("--cpus", arg, 1, MACHINE_MAX_CPUS, &n, e))
			return -EINVAL;
		env.cpus = (unsigned int)n;
		return 0;
	case OPT_CPU:
		if (!*arg)
			return hs_errf(e, -EINVAL, "--cpu needs a QEMU CPU model, e.g. max");
		env.cpu_model = arg;
		return 0;
	case 't':
		if (hs_parse_uint("--timeout", arg, 1, 7 * 24 * 3600, &n, e))
			return -EINVAL;
		env.timeout_s = (unsigned int)n;
		return 0;
	case OPT_VMID_BITS:
		if (hs_parse_uint("--vmid-bits", arg, 3, 16, &n, e))
			return -EINVAL;
		env.vmid_bits = (unsigned int)n;
		return 0;
	case OPT_SLICE_US:
		if (hs_parse_uint("--slice-us", arg, 1, 10000000, &n, e))
			return -EINVAL;
		env.slice_us = (unsigned int)n;
		return 0;
	case OPT_TEST_HVC_PAD:
		if (hs_parse_uint("--test-hvc-pad", arg, 0, 1000000, &n, e))
			return -EINVAL;
		env.test_hvc_pad = n;
		return 0;
	}
	return 1;
}

/* Options of the trace rings and who drains them: 0, 1 when @opt is not one, or -EINVAL. */
static int trace_option(int opt, const char *arg, struct hs_err *e)
{
	switch (opt) {
	case OPT_RECORD:
		env.record = arg;
		return 0;
	case OPT_TOP:
		env.top = true;
		return 0;
	case OPT_TRACE:
		if (!strcmp(arg, "overwrite"))
			env.trace_mode = HYPCFG_TRACE_OVERWRITE;
		else if (!strcmp(arg, "drop"))
			env.trace_mode = HYPCFG_TRACE_DROP;
		else if (!strcmp(arg, "off"))
			env.trace_mode = HYPCFG_TRACE_OFF;
		else
			return hs_errf(e, -EINVAL, "--trace takes overwrite, drop or off, not '%s'",
				       arg);
		env.trace_mode_set = true;
		return 0;
	case OPT_TRACE_SIZE:
		if (hs_parse_size("--trace-size", arg, &env.trace_size, e))
			return -EINVAL;
		if (env.trace_size < (64u << 10) || env.trace_size > (256ull << 20) ||
		    env.trace_size % 4096)
			return hs_errf(e, -EINVAL,
				       "--trace-size must be a multiple of 4K from 64K to 256M");
		return 0;
	}
	return 1;
}

/* Options of the host side (QEMU, the debugger, files): 0, 1 when @opt is not one, or -EINVAL. */
static int host_option(int opt, char *arg, struct hs_err *e)
{
	unsigned long n;

	switch (opt) {
	case OPT_HYP:
		env.hyp = arg;
		return 0;
	case OPT_QEMU:
		env.qemu = arg;
		return 0;
	case OPT_QEMU_ARG:
		if (env.nr_qemu_args == sizeof(env.qemu_args) / sizeof(env.qemu_args[0]))
			return hs_errf(e, -EINVAL, "too many --qemu-arg: at most 32");
		env.qemu_args[env.nr_qemu_args++] = arg;
		return 0;
	case OPT_GDB:
		return parse_gdb(arg, e);
	case OPT_GDB_WAIT:
		env.gdb_wait = true;
		return 0;
	case OPT_MTE:
		env.mte = true;
		return 0;
	case OPT_GDB_VM:
		if (hs_parse_uint("--gdb-vm", arg, 0, HYPCFG_MAX_VMS - 1, &n, e))
			return -EINVAL;
		env.gdb_vm = (unsigned int)n;
		env.gdb_vm_set = true;
		return 0;
	case 'k':
		env.keep = true;
		return 0;
	case 'n':
		env.dry_run = true;
		return 0;
	}
	return 1;
}

/* The options that only make sense together, once all are read: 0 or -EINVAL. */
static int check_args(struct hs_err *e)
{
	if ((env.gdb_wait || env.gdb_vm_set) && !env.gdb_serial[0])
		return hs_errf(e, -EINVAL, "--gdb-wait and --gdb-vm need --gdb [HOST:]PORT");
	if (env.gdb_vm_set && env.nr_vms && env.gdb_vm >= env.nr_vms)
		return hs_errf(e, -EINVAL, "--gdb-vm %u: there are only %u VMs (0-%u)", env.gdb_vm,
			       env.nr_vms, env.nr_vms - 1);
	for (unsigned i = 0; i < env.nr_vms; i++)
		if ((env.vms[i].flags & HYPCFG_VM_F_EL2) && strcmp(env.cpu_model, "max"))
			return hs_errf(e, -EINVAL,
				       "--vm %s: el2=on needs FEAT_NV2, which --cpu %s lacks: use --cpu max",
				       env.vms[i].image, env.cpu_model);
	if (env.nr_vms && vmspec_check_all(env.vms, env.nr_vms, e))
		return -EINVAL;
	if (env.top && env.record)
		return hs_errf(e, -EINVAL,
			       "--top and --record both drain the rings: record with 'hypscope "
			       "record --attach PID' from another terminal, or replay the file with "
			       "'hypscope top --replay FILE'");
	if (env.top && env.trace_mode_set && env.trace_mode == HYPCFG_TRACE_OFF)
		return hs_errf(e, -EINVAL, "--top shows the trace rings: drop --trace off");
	if (env.record) {
		if (env.trace_mode_set && env.trace_mode == HYPCFG_TRACE_OFF)
			return hs_errf(e, -EINVAL, "--record needs the trace rings: drop --trace off");
		/* A recording should be complete: what does not fit is counted, never overwritten. */
		if (!env.trace_mode_set)
			env.trace_mode = HYPCFG_TRACE_DROP;
	}
	return 0;
}

/* Returns -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_args(int argc, char **argv)
{
	struct hs_err e;
	int opt, ret;

	memset(&env, 0, sizeof(env));
	env.cpus = DEFAULT_CPUS;
	env.cpu_model = "max";
	env.trace_mode = HYPCFG_TRACE_OVERWRITE;
	env.trace_size = DEFAULT_TRACE_SIZE;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":t:knh", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return HS_EXIT_OK;
		}
		if (opt == ':') {
			hs_errf(&e, 0, "option '%s' needs a value: see 'hypscope run --help'",
				argv[optind - 1]);
			return fail(HS_EXIT_USAGE, &e);
		}
		ret = machine_option(opt, optarg, &e);
		if (ret == 1)
			ret = trace_option(opt, optarg, &e);
		if (ret == 1)
			ret = host_option(opt, optarg, &e);
		if (ret == 1)
			hs_errf(&e, 0, "unknown option '%s': see 'hypscope run --help'",
				argv[optind - 1]);
		if (ret)
			return fail(HS_EXIT_USAGE, &e);
	}
	if (optind < argc) {
		hs_errf(&e, 0, "unexpected argument '%s': guests are given with --vm IMAGE",
			argv[optind]);
		return fail(HS_EXIT_USAGE, &e);
	}
	if (check_args(&e))
		return fail(HS_EXIT_USAGE, &e);
	return -1;
}

/* The demo: DEMO_VMS VMs of guests/demo.elf next to the binary. */
static int add_demo_vms(const struct run *r)
{
	char path[PATH_MAX + 32];
	struct hs_err e;
	unsigned int i;

	snprintf(path, sizeof(path), "%s/%s", r->self_dir, DEMO_GUEST);
	if (access(path, R_OK)) {
		hs_errf(&e, 0, "the demo guest %s is missing: run 'make' first, or give --vm IMAGE",
			path);
		return fail(HS_EXIT_ENV, &e);
	}
	for (i = 0; i < DEMO_VMS; i++) {
		if (vmspec_parse(path, i, &env.vms[i], &e))
			return fail(HS_EXIT_ENV, &e);
		env.vms[i].nr_vcpus = DEMO_VCPUS;
	}
	env.nr_vms = DEMO_VMS;

	/* With the Linux guest built (make linux-guest), it joins the demo. */
	snprintf(path, sizeof(path), "%s/%s", r->self_dir, DEMO_LINUX);
	if (!access(path, R_OK)) {
		char spec[2 * PATH_MAX + 160];

		snprintf(spec, sizeof(spec),
			 "%s/linux/Image:name=linux,vcpus=2,mem=256M,initrd=%s/linux/initramfs.cpio,"
			 "cmdline=console=ttyAMA0 quiet hypscope.work=%u",
			 r->self_dir, r->self_dir, DEMO_LINUX_WORK_S);
		if (vmspec_parse(spec, env.nr_vms, &env.vms[env.nr_vms], &e))
			return fail(HS_EXIT_ENV, &e);
		env.nr_vms++;
	}
	return 0;
}

static void run_destroy(struct run *r)
{
	size_t i;

	if (!r)
		return;
	recorder_destroy(r->rec);
	machine_argv_free(r->argv);
	machine_destroy(&r->machine);
	for (i = 0; i < HYPCFG_MAX_VMS; i++)
		image_release(&r->images[i]);
	if (!r->keep) {
		for (i = 0; i < r->nr_temp_files; i++)
			unlink(r->temp_files[i]);
		if (r->tmpdir[0])
			rmdir(r->tmpdir);
		if (r->shm_used)
			unlink(r->shm_path);
	}
	reaper_disarm(r->reaper);
	for (i = 0; i < r->nr_temp_files; i++)
		free(r->temp_files[i]);
	free(r);
}

/* Writes @len bytes to a new file @name in the run's temporary directory. */
static int write_temp(struct run *r, const char *name, const void *buf, size_t len, char *path,
		      size_t plen, struct hs_err *e)
{
	const char *p = buf;
	ssize_t n;
	int fd, ret = 0;

	if (r->nr_temp_files == MAX_TEMP_FILES)
		return hs_errf(e, -E2BIG, "too many temporary files");
	if ((size_t)snprintf(path, plen, "%s/%s", r->tmpdir, name) >= plen)
		return hs_errf(e, -ENAMETOOLONG, "temporary path too long: set TMPDIR shorter");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return hs_errf(e, -errno, "cannot create %s: %s", path, strerror(errno));
	r->temp_files[r->nr_temp_files] = strdup(path);
	if (r->temp_files[r->nr_temp_files])
		r->nr_temp_files++;
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = hs_errf(e, -errno, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = hs_errf(e, -errno, "cannot write %s: %s", path, strerror(errno));
	return ret;
}

static int make_tmpdir(struct run *r, struct hs_err *e)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(r->tmpdir, sizeof(r->tmpdir), "%s/hypscope-XXXXXX", base) >=
	    sizeof(r->tmpdir) - 64)
		return hs_errf(e, -ENAMETOOLONG, "TMPDIR is too long");
	if (!mkdtemp(r->tmpdir)) {
		r->tmpdir[0] = '\0';
		return hs_errf(e, -errno,
			       "cannot create a temporary directory in %s: %s (set TMPDIR)", base,
			       strerror(errno));
	}
	return 0;
}

/*
 * A VM of one instance has its image and initrd loaded by QEMU straight into
 * its RAM, reserved in the staging layout, where the guest finds them: the
 * hypervisor copies nothing (32 MiB for Debian's kernel, every page of it
 * backed twice by the host otherwise). Later instances need a pristine copy,
 * so a VM of several gets them staged apart and copied into each instance's
 * RAM.
 */
static int place_vm(struct run *r, const struct vmspec *vm, const struct image *img,
		    const char *image, const char *initrd, uint64_t initrd_size, uint64_t *ram_pa,
		    uint64_t *image_pa, uint64_t *initrd_pa, struct hs_err *e)
{
	uint64_t initrd_ipa = hypcfg_initrd_ipa(img->load_ipa, img->size, img->span);

	if (vm->instances > 1) {
		*ram_pa = 0;
		if (machine_stage(&r->machine, image, img->size, image_pa, e))
			return -1;
		return initrd_size ? machine_stage(&r->machine, initrd, initrd_size, initrd_pa, e)
				   : 0;
	}
	*ram_pa = machine_reserve(&r->machine, vm->mem_size);
	*image_pa = *ram_pa + (img->load_ipa - GUEST_RAM_IPA);
	if (machine_place(&r->machine, image, img->size, *image_pa, e))
		return -1;
	if (!initrd_size)
		return 0;
	*initrd_pa = *ram_pa + (initrd_ipa - GUEST_RAM_IPA);
	return machine_place(&r->machine, initrd, initrd_size, *initrd_pa, e);
}

/*
 * Loads VM @i's image and initrd, places them (place_vm()) and adds the VM
 * to the control block. Returns an exit code, HS_EXIT_OK on success.
 */
static int prepare_vm(struct run *r, unsigned int i)
{
	const struct vmspec *vm = &env.vms[i];
	struct image *img = &r->images[i];
	char staged[PATH_MAX + 64], rp[PATH_MAX];
	uint64_t ram_pa, image_pa, initrd_pa = 0, initrd_size = 0;
	struct hs_err e;
	struct stat st;
	unsigned int j;

	if (!realpath(vm->image, r->image_paths[i])) {
		hs_errf(&e, 0, "cannot open %s: %s", vm->image, strerror(errno));
		return fail(HS_EXIT_USAGE, &e);
	}
	r->image_names[i] = r->image_paths[i];
	if (image_load(r->image_paths[i], vm->mem_size, img, &e))
		return fail(HS_EXIT_USAGE, &e);

	/* the file QEMU loads: the image itself, or its flattened copy */
	snprintf(staged, sizeof(staged), "%s", r->image_paths[i]);
	if (img->flattened) {
		snprintf(staged, sizeof(staged), "%s/%s.flat", r->tmpdir, vm->name);
		for (j = 0; j < i; j++) {
			/* the same ELF again: share the first copy */
			if (!strcmp(r->image_paths[j], r->image_paths[i])) {
				snprintf(staged, sizeof(staged), "%s/%s.flat", r->tmpdir,
					 env.vms[j].name);
				break;
			}
		}
		if (j == i && write_temp(r, strrchr(staged, '/') + 1, img->flat, img->size,
					 staged, sizeof(staged), &e))
			return fail(HS_EXIT_ENV, &e);
	}
	if (vm->initrd[0]) {
		if (!realpath(vm->initrd, rp) || stat(rp, &st)) {
			hs_errf(&e, 0, "cannot open initrd %s: %s", vm->initrd, strerror(errno));
			return fail(HS_EXIT_USAGE, &e);
		}
		if (!S_ISREG(st.st_mode) || st.st_size == 0) {
			hs_errf(&e, 0, "initrd %s is %s", vm->initrd,
				S_ISREG(st.st_mode) ? "empty" : "not a regular file");
			return fail(HS_EXIT_USAGE, &e);
		}
		initrd_size = (uint64_t)st.st_size;
	}
	if (image_check_fit(img, initrd_size, vm->mem_size, &e))
		return fail(HS_EXIT_USAGE, &e);
	if (place_vm(r, vm, img, staged, rp, initrd_size, &ram_pa, &image_pa, &initrd_pa, &e))
		return fail(HS_EXIT_USAGE, &e);
	if (hypcfg_add_vm(&r->cfg, vm, img, ram_pa, image_pa, initrd_pa, initrd_size, &e))
		return fail(HS_EXIT_USAGE, &e);
	/* the flattened copy is on disk now */
	image_release(img);
	return HS_EXIT_OK;
}

/* The hypervisor, QEMU and the RAM file's directory. Returns an exit code. */
static int find_tools(struct run *r)
{
	const char *qemu_env = getenv("HYPSCOPE_QEMU");
	struct hs_err e;
	struct stat st;
	int n, hyp_errno;

	if (env.hyp)
		n = snprintf(r->hyp, sizeof(r->hyp), "%s", env.hyp);
	else
		n = snprintf(r->hyp, sizeof(r->hyp), "%s/hyp.elf", r->self_dir);
	if (n < 0 || (size_t)n >= sizeof(r->hyp)) {
		hs_errf(&e, 0, "the hypervisor's path is too long");
		return fail(HS_EXIT_USAGE, &e);
	}
	hyp_errno = access(r->hyp, R_OK) ? errno : 0;
	/* QEMU would take a directory for -kernel and fail later, less clearly */
	if (!hyp_errno && !stat(r->hyp, &st) && !S_ISREG(st.st_mode))
		hyp_errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	if (hyp_errno) {
		if (env.hyp)
			hs_errf(&e, 0, "--hyp %s: %s", r->hyp, strerror(hyp_errno));
		else
			hs_errf(&e, 0,
				"the hypervisor %s is missing: run 'make' first, or pass "
				"--hyp PATH",
				r->hyp);
		if (!env.dry_run)
			return fail(env.hyp ? HS_EXIT_USAGE : HS_EXIT_ENV, &e);
		fprintf(stderr, "hypscope: note: %s\n", e.msg);
	}

	if (machine_find_qemu(env.qemu, qemu_env, getenv("PATH"), r->qemu, sizeof(r->qemu), &e)) {
		if (!env.dry_run)
			return fail(HS_EXIT_ENV, &e);
		fprintf(stderr, "hypscope: note: %s\n", e.msg);
		snprintf(r->qemu, sizeof(r->qemu), "%s",
			 env.qemu ? env.qemu : qemu_env && *qemu_env ? qemu_env : QEMU_DEFAULT);
	}

	/* the hypervisor's status is read out of the file behind the machine's RAM */
	if (!env.dry_run && (stat(SHM_DIR, &st) || !S_ISDIR(st.st_mode))) {
		hs_errf(&e, 0, "%s is missing: hypscope needs a tmpfs there for the machine's RAM",
			SHM_DIR);
		return fail(HS_EXIT_ENV, &e);
	}
	snprintf(r->shm_path, sizeof(r->shm_path), "%s/hypscope-%d.ram", SHM_DIR, (int)getpid());
	return HS_EXIT_OK;
}

/* The control block's trace rings, console mode, test padding and debugger. */
static void configure(struct run *r)
{
	if (env.trace_mode != HYPCFG_TRACE_OFF) {
		r->cfg.trace_mode = env.trace_mode;
		r->cfg.trace_size = env.trace_size;
		r->cfg.trace_pa = machine_reserve(&r->machine, env.trace_size * env.cpus);
	}
	/* Typing at a shell in a guest wants its prompt and echo at once; a log
	 * file or a pipe wants whole lines. The live view keeps consoles in a file. */
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !env.top)
		r->cfg.flags |= HYPCFG_F_INTERACTIVE;
	if (env.test_hvc_pad) {
		r->cfg.flags |= HYPCFG_F_TEST_HVC_PAD;
		r->cfg.test_hvc_pad = env.test_hvc_pad;
		fprintf(stderr, "hypscope: TEST ONLY: every HVC exit runs %llu more instructions\n",
			(unsigned long long)env.test_hvc_pad);
	}
	if (env.gdb_serial[0]) {
		r->cfg.flags |= HYPCFG_F_GDB | (env.gdb_wait ? HYPCFG_F_GDB_WAIT : 0);
		r->cfg.gdb_vm = env.gdb_vm;
		r->machine.gdb_serial = env.gdb_serial;
	}
	/* start_qemu() unlinks the RAM file before QEMU makes it: all zeroes */
	r->cfg.flags |= HYPCFG_F_RAM_ZEROED;
	if (env.mte) { /* QEMU gives the board tag memory; the hypervisor offers it */
		r->cfg.flags |= HYPCFG_F_MTE;
		r->machine.mte = true;
	}
}

/* The QEMU command line of the machine: HS_EXIT_OK, or the exit code. */
static int build_argv(struct run *r, uint64_t guest_mem)
{
	struct hs_err e;

	r->machine.qemu = r->qemu;
	r->machine.hyp = r->hyp;
	r->machine.cpu_model = env.cpu_model;
	r->machine.cpus = env.cpus;
	r->machine.extra_args = env.qemu_args;
	r->machine.nr_extra_args = env.nr_qemu_args;
	r->machine.cfg_file = r->cfg_file;
	r->machine.shm_path = r->shm_path;
	r->machine.ram_size = machine_ram_size(r->machine.staging_end, guest_mem);
	r->argv = machine_argv(&r->machine);
	if (!r->argv) {
		hs_errf(&e, 0, "out of memory building the QEMU command line");
		return fail(HS_EXIT_ENV, &e);
	}
	return HS_EXIT_OK;
}

/*
 * Stages the images, finds the tools, writes the control block and builds
 * the QEMU command line. Returns an exit code.
 */
static int prepare(struct run *r)
{
	uint64_t guest_mem = 0;
	struct hs_err e;
	unsigned int i;
	int ret;

	if (hs_self_dir(r->self_dir, sizeof(r->self_dir), &e))
		return fail(HS_EXIT_ENV, &e);
	if (!env.nr_vms) {
		ret = add_demo_vms(r);
		if (ret)
			return ret;
	}
	/* from here on, a kill of any kind leaves nothing behind (except with --keep) */
	if (!env.keep && reaper_start(&r->reaper, &e))
		return fail(HS_EXIT_ENV, &e);
	if (make_tmpdir(r, &e))
		return fail(HS_EXIT_ENV, &e);
	reaper_add_dir(r->reaper, r->tmpdir);

	machine_init(&r->machine);
	hypcfg_init(&r->cfg, env.vmid_bits, env.slice_us);
	for (i = 0; i < env.nr_vms; i++) {
		ret = prepare_vm(r, i);
		if (ret)
			return ret;
		/* RAM loaded in place is in the staging layout already */
		if (!r->cfg.vms[i].ram_pa)
			guest_mem += env.vms[i].mem_size;
	}
	configure(r);
	ret = find_tools(r);
	if (ret)
		return ret;
	if (write_temp(r, "hypcfg.bin", &r->cfg, sizeof(r->cfg), r->cfg_file, sizeof(r->cfg_file),
		       &e))
		return fail(HS_EXIT_ENV, &e);
	return build_argv(r, guest_mem);
}

static const char *signame(int sig)
{
	static char buf[32];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

/*
 * --record: called every few milliseconds while QEMU runs. The RAM file
 * appears (and gets its size) only once QEMU has started, so opening is
 * retried until then; after that, every poll drains the rings.
 */
static int record_poll(void *arg)
{
	struct run *r = arg;
	struct stat sb;
	int ret;

	if (!r->rec) {
		if (stat(r->shm_path, &sb) || (uint64_t)sb.st_size < r->machine.ram_size)
			return 0;
		ret = recorder_open(&r->rec, r->shm_path, env.record, r->rec_err,
				    sizeof(r->rec_err));
		if (ret)
			return ret;
	}
	ret = recorder_poll(r->rec);
	if (ret < 0) {
		snprintf(r->rec_err, sizeof(r->rec_err), "%s", recorder_error(r->rec));
		return ret;
	}
	return 0;
}

/* After QEMU: the final drain, and one line saying what the file holds. */
static int record_finish(struct run *r)
{
	struct recorder_totals t;
	int ret;

	if (!r->rec) {
		/* QEMU ended before its RAM file was complete: one last try. */
		if (recorder_open(&r->rec, r->shm_path, env.record, r->rec_err,
				  sizeof(r->rec_err)))
			return -1;
	}
	ret = recorder_close(r->rec, &t);
	if (ret) {
		snprintf(r->rec_err, sizeof(r->rec_err), "%s", recorder_error(r->rec));
		return -1;
	}
	printf("hypscope: recorded %llu records (%llu lost) from %u CPUs to %s\n",
	       (unsigned long long)t.records, (unsigned long long)t.lost, t.nr_cpus, env.record);
	if (t.attached) {
		char hwm[64 + 48 * HYP_MAX_CPUS];

		recorder_hwm_text(&t, hwm, sizeof(hwm));
		printf("hypscope: %s\n", hwm);
	}
	return 0;
}

static bool have_tty_out(void)
{
	return isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
}

/* --top: the live view of this machine until it is done or the user quits. */
static int run_view(struct run *r)
{
	struct top_opts o;

	top_opts_init(&o);
	o.mode = TOP_MODE_SCREEN;
	o.wait_s = 30;          /* QEMU is still creating the RAM file */
	o.quit_at_end = true;   /* the view ends with the machine */
	/* The only reader of a drop-mode machine frees ring space as it reads. */
	o.consume = env.trace_mode == HYPCFG_TRACE_DROP;
	/* --timeout: the view stops after that many intervals. */
	if (env.timeout_s)
		o.iterations = (unsigned)(env.timeout_s / o.interval_s + 0.5);
	return top_run_live(r->shm_path, &o);
}

/* After the view: the last lines the guests printed, and where the rest is. */
static void show_console_tail(const struct run *r)
{
	enum { TAIL = 20 };
	char *lines[TAIL] = { 0 }, buf[512];
	unsigned n = 0;
	FILE *f = fopen(r->console_file, "r");

	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		free(lines[n % TAIL]);
		lines[n % TAIL] = strdup(buf);
		n++;
	}
	fclose(f);
	printf("hypscope: the consoles' last %u lines (all of them in %s%s):\n", n < TAIL ? n : TAIL,
	       r->console_file, env.keep ? "" : ", removed at exit: --keep keeps it");
	for (unsigned i = n > TAIL ? n - TAIL : 0; i < n; i++) {
		if (lines[i % TAIL])
			fputs(lines[i % TAIL], stdout);
	}
	for (unsigned i = 0; i < TAIL; i++)
		free(lines[i]);
}

/*
 * Starts QEMU, its console to a file under the live view (which must not
 * be written over). -1 with *pid set, or the exit code.
 */
static int start_qemu(struct run *r, const sigset_t *child_mask, bool view, bool keep_stdin,
		      pid_t *pid)
{
	int sig, console_fd = -1;
	struct hs_err e;

	sig = qemu_interrupted();
	if (sig) {
		hs_errf(&e, 0, "interrupted by %s before QEMU started", signame(sig));
		return fail(128 + sig, &e);
	}

	/* a stale file of an earlier run with this pid would hand QEMU old RAM */
	unlink(r->shm_path);
	r->shm_used = true;
	reaper_add_file(r->reaper, r->shm_path);
	fflush(stdout);
	if (view) {
		/* The guests' consoles must not write over the view: to a file. */
		snprintf(r->console_file, sizeof(r->console_file), "%s/console.log", r->tmpdir);
		console_fd = open(r->console_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (console_fd < 0) {
			hs_errf(&e, -errno, "cannot create %s: %s", r->console_file, strerror(errno));
			return fail(HS_EXIT_ENV, &e);
		}
		keep_stdin = false;
	}
	if (qemu_spawn(r->argv, keep_stdin, console_fd, child_mask, pid, &e)) {
		if (console_fd >= 0)
			close(console_fd);
		return fail(HS_EXIT_ENV, &e);
	}
	reaper_add_pid(r->reaper, *pid);
	if (console_fd >= 0)
		close(console_fd);
	return -1;
}

/*
 * The live view, until the machine ends, the user quits it or --timeout:
 * -1 when the machine ended by itself (QEMU is on its way out), else the
 * exit code once QEMU is stopped.
 */
static int view_machine(struct run *r, pid_t pid, double t0, struct qemu_result *res)
{
	struct hypstat now;
	struct hs_err e, se;
	bool timed_out;
	int view_rc;

	view_rc = run_view(r);
	if (view_rc >= 128) {
		qemu_stop(pid, &res->status);
		show_console_tail(r);
		hs_errf(&e, 0, "interrupted by %s: QEMU stopped", signame(view_rc - 128));
		return fail(view_rc, &e);
	}
	if (hypstat_read_file(r->shm_path, &now, &se) || now.state != HYPSTAT_RUNNING ||
	    !qemu_running(pid, &res->status))
		return -1;
	timed_out = env.timeout_s && hs_now_s() - t0 >= env.timeout_s - 0.5;
	qemu_stop(pid, &res->status);
	show_console_tail(r);
	if (timed_out) {
		fprintf(stderr, "hypscope: timeout after %u s\n", env.timeout_s);
		hypstat_print_states(stderr, &now, &r->cfg);
		return HS_EXIT_TIMEOUT;
	}
	printf("hypscope: stopped from the live view after %.1f s\n", hs_now_s() - t0);
	hypstat_print_states(stdout, &now, &r->cfg);
	return HS_EXIT_OK;
}

/* Waits for QEMU, recording as it runs with --record: -1, or the exit code. */
static int wait_machine(struct run *r, pid_t pid, bool view, struct qemu_result *res)
{
	struct hs_err e;

	if (qemu_wait(pid, view ? 30 : env.timeout_s, env.record ? record_poll : NULL, r, res, &e))
		return fail(HS_EXIT_ENV, &e);
	if (view)
		show_console_tail(r);
	if (res->poll_error) {
		hs_errf(&e, 0, "recording stopped: %s", r->rec_err);
		return fail(HS_EXIT_ENV, &e);
	}
	if (env.record && record_finish(r)) {
		hs_errf(&e, 0, "recording failed: %s", r->rec_err);
		return fail(HS_EXIT_ENV, &e);
	}
	return -1;
}

/* After --timeout: the VMs' states, and a panic if the hypervisor had one. */
static int judge_timeout(struct run *r, int st_ret, const struct hypstat *st,
			 const struct hs_err *se)
{
	struct hs_err e;
	int code;

	fprintf(stderr, "hypscope: timeout after %u s\n", env.timeout_s);
	if (st_ret) {
		fprintf(stderr, "  no VM state: %s\n", se->msg);
		return HS_EXIT_TIMEOUT;
	}
	hypstat_print_states(stderr, st, &r->cfg);
	code = hypstat_verdict(st, &r->cfg, &e);
	return code == HS_EXIT_HYP ? fail(code, &e) : HS_EXIT_TIMEOUT;
}

/* The outcome of a QEMU that ended: the status block's verdict, or why there is none. */
static int judge_machine(struct run *r, const struct qemu_result *res, double elapsed)
{
	struct hypstat st;
	struct hs_err e, se;
	int code, st_ret;

	if (res->signo) {
		hs_errf(&e, 0, "interrupted by %s: QEMU stopped", signame(res->signo));
		return fail(128 + res->signo, &e);
	}
	st_ret = hypstat_read_file(r->shm_path, &st, &se);
	if (res->timed_out)
		return judge_timeout(r, st_ret, &st, &se);
	if (!st_ret && (st.state == HYPSTAT_PANIC || st.state == HYPSTAT_BADCFG)) {
		/* a refused config ran nothing: only a panic has a run to show */
		if (st.state == HYPSTAT_PANIC)
			hypstat_print(stdout, &st, &r->cfg);
		fflush(stdout);
		return fail(hypstat_verdict(&st, &r->cfg, &e), &e);
	}
	if (WIFSIGNALED(res->status)) {
		hs_errf(&e, 0, "QEMU was killed by %s", signame(WTERMSIG(res->status)));
		return fail(HS_EXIT_ENV, &e);
	}
	if (WEXITSTATUS(res->status)) {
		hs_errf(&e, 0, "QEMU exited with status %d: see its messages above",
			WEXITSTATUS(res->status));
		return fail(HS_EXIT_ENV, &e);
	}
	if (st_ret)
		return fail(HS_EXIT_ENV, &se);

	hypstat_print(stdout, &st, &r->cfg);
	code = hypstat_verdict(&st, &r->cfg, &e);
	if (code) {
		fflush(stdout);
		return fail(code, &e);
	}
	if (r->cfg.nr_vms == 1)
		printf("hypscope: the VM ended cleanly in %.2f s\n", elapsed);
	else
		printf("hypscope: all %u VMs ended cleanly in %.2f s\n", r->cfg.nr_vms, elapsed);
	return HS_EXIT_OK;
}

/* Runs QEMU and judges the outcome. Returns the exit code. */
static int run_machine(struct run *r, const sigset_t *child_mask)
{
	bool keep_stdin = isatty(STDOUT_FILENO);
	bool have_tty = keep_stdin && isatty(STDIN_FILENO);
	bool view = env.top && have_tty_out();
	struct qemu_result res;
	struct termios tio;
	double t0, elapsed;
	pid_t pid;
	int code;

	if (have_tty && tcgetattr(STDIN_FILENO, &tio))
		have_tty = false;
	t0 = hs_now_s();
	code = start_qemu(r, child_mask, view, keep_stdin, &pid);
	if (code >= 0)
		return code;
	if (view) {
		code = view_machine(r, pid, t0, &res);
		if (code >= 0)
			return code;
	}
	/* After a view that ended with the machine, QEMU is on its way out. */
	code = wait_machine(r, pid, view, &res);
	if (code >= 0)
		return code;
	elapsed = hs_now_s() - t0;
	/* QEMU restores the terminal when it exits, but not when it is killed */
	if (have_tty && WIFSIGNALED(res.status))
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	return judge_machine(r, &res, elapsed);
}

int cmd_run(int argc, char **argv)
{
	struct run *r = NULL;
	sigset_t old_mask;
	struct hs_err e;
	int ret;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		return ret;

	if (qemu_block_signals(&old_mask)) {
		hs_errf(&e, 0, "cannot block signals: %s", strerror(errno));
		return fail(HS_EXIT_ENV, &e);
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		hs_errf(&e, 0, "out of memory");
		ret = fail(HS_EXIT_ENV, &e);
		goto cleanup;
	}
	r->keep = env.keep;

	ret = prepare(r);
	if (ret)
		goto cleanup;

	if (env.dry_run) {
		hypcfg_print(stdout, &r->cfg, r->image_names);
		machine_print_cmdline(stdout, r->argv);
		if (env.keep)
			fprintf(stderr, "hypscope: kept %s for the command above\n", r->tmpdir);
		ret = HS_EXIT_OK;
		goto cleanup;
	}
	ret = run_machine(r, &old_mask);
	if (env.keep)
		fprintf(stderr, "hypscope: kept %s and %s\n", r->shm_path, r->tmpdir);
cleanup:
	run_destroy(r);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return ret;
}
