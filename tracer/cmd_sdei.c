/*
 * hypscope sdei: signal a registered SDEI event into a VM of a running
 * machine, through the control block (formats/hypcfg.h struct
 * hypcfg_request). The guest's handler runs even on a vCPU that spins with
 * interrupts masked: a way to look into a hung guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "formats/hypcfg.h"
#include "tracer/hypscope.h"

#define HYPCFG_FILE_OFFSET  (HYPCFG_PA - HYP_RAM_BASE)
#define HYPSTAT_FILE_OFFSET (HYPSTAT_PA - HYP_RAM_BASE)
#define CONTROL_END         (HYPSTAT_FILE_OFFSET + sizeof(struct hypstat))

/* SDEI error codes as the hypervisor answers (hyp/include/sdei.h). */
#define SDEI_NOT_SUPPORTED      (-1)
#define SDEI_INVALID_PARAMETERS (-2)
#define SDEI_DENIED             (-3)

static const char usage[] =
	"Usage: hypscope sdei --attach PATH|PID signal VM[/VCPU] [EVENT]\n"
	"\n"
	"Signal an SDEI event (Arm DEN0054) into a VM of a running machine: the\n"
	"guest's registered handler for it runs on the vCPU (private events) or on\n"
	"one its routing allows (shared events), even while the vCPU spins with\n"
	"interrupts masked.\n"
	"\n"
	"  -a, --attach PATH|PID  a running machine: its RAM file, or the PID of\n"
	"                         'hypscope run' (/dev/shm/hypscope-PID.ram)\n"
	"  -t, --timeout S        wait at most S seconds for the hypervisor's answer\n"
	"                         (default 5)\n"
	"  -h, --help             show this help\n"
	"\n"
	"VM is a VM's name or its position on the run's command line (0, 1, ...);\n"
	"VCPU defaults to 0; EVENT to 0 (event 0, the signalable one).\n"
	"\n"
	"Exit status: 0 signalled; 1 refused (SDEI off, event not registered or no\n"
	"such event or vCPU); 2 bad usage or not a hypscope machine; 3 no answer in\n"
	"time; 4 the RAM file cannot be opened.\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope run --vm build/guests/sdei_hang.elf &\n"
	"  hypscope sdei --attach $! signal sdei_hang0\n"
	"  hypscope sdei --attach $! signal 1/2 1000\n";

static const struct option options[] = {
	{ "attach", required_argument, NULL, 'a' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffu)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* VM[/VCPU]: a name or a slot number of the machine's configuration. */
static int parse_target(const struct hypcfg *cfg, const char *arg, uint32_t *slot,
			uint32_t *vcpu, struct hs_err *err)
{
	char name[HYPCFG_NAME_LEN + 16];
	char *slash;

	if (strlen(arg) >= sizeof(name))
		return hs_errf(err, -EINVAL, "'%s' is not a VM[/VCPU]", arg);
	strcpy(name, arg);
	*vcpu = 0;
	slash = strchr(name, '/');
	if (slash) {
		*slash = '\0';
		if (!parse_u32(slash + 1, vcpu))
			return hs_errf(err, -EINVAL, "'%s': VCPU must be a number", arg);
	}
	for (uint32_t i = 0; i < cfg->nr_vms && i < HYPCFG_MAX_VMS; i++) {
		if (!strncmp(cfg->vms[i].name, name, HYPCFG_NAME_LEN)) {
			*slot = i;
			goto found;
		}
	}
	if (!parse_u32(name, slot) || *slot >= cfg->nr_vms)
		return hs_errf(err, -ENOENT, "no VM '%s' in this machine (it has %u)", name,
			       cfg->nr_vms);
found:
	if (*vcpu >= cfg->vms[*slot].nr_vcpus)
		return hs_errf(err, -ENOENT, "VM '%s' has %u vCPUs: no vCPU %u",
			       cfg->vms[*slot].name, cfg->vms[*slot].nr_vcpus, *vcpu);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Posts the request and waits for the answer. 0 with *result, or -ETIMEDOUT. */
static int post(uint8_t *ram, uint32_t slot, uint32_t vcpu, uint32_t event, double timeout,
		int64_t *result)
{
	struct hypcfg *cfg = (struct hypcfg *)(ram + HYPCFG_FILE_OFFSET);
	struct hypstat *st = (struct hypstat *)(ram + HYPSTAT_FILE_OFFSET);
	uint64_t seq = __atomic_load_n(&st->req_done, __ATOMIC_ACQUIRE) + 1;
	double end = hs_now_s() + timeout;

	cfg->req.op = HYPCFG_REQ_SDEI_SIGNAL;
	cfg->req.vm = slot;
	cfg->req.vcpu = vcpu;
	cfg->req.event = event;
	/* Release: the fields before the sequence number. Pairs with the
	 * load-acquire in hyp/core/host_req.c. */
	__atomic_store_n(&cfg->req.seq, seq, __ATOMIC_RELEASE);
	for (;;) {
		/* Acquire: pairs with the hypervisor's store-release of req_done. */
		if (__atomic_load_n(&st->req_done, __ATOMIC_ACQUIRE) == seq) {
			*result = st->req_result;
			return 0;
		}
		if (hs_now_s() > end)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

int cmd_sdei(int argc, char **argv)
{
	const char *attach = NULL, *p;
	char path[4096];
	double timeout = 5.0;
	uint32_t slot, vcpu, event = 0;
	struct hypcfg cfg;
	struct hypstat st;
	struct hs_err e;
	struct stat sb;
	uint8_t *ram = MAP_FAILED;
	int64_t result;
	int fd = -1, c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:t:h", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			attach = optarg;
			break;
		case 't':
			if (!hs_parse_double(optarg, 0.001, 3600, &timeout))
				return hs_usage_error("sdei", "--timeout %s: give seconds, 0.001 to 3600",
						      optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		default:
			return hs_usage_error("sdei", "see 'hypscope sdei --help'");
		}
	}
	if (!attach)
		return hs_usage_error("sdei", "give --attach PATH|PID: the running machine");
	if (optind >= argc || strcmp(argv[optind], "signal"))
		return hs_usage_error("sdei", "the only action is 'signal VM[/VCPU] [EVENT]'");
	if (argc - optind < 2 || argc - optind > 3)
		return hs_usage_error("sdei", "signal takes VM[/VCPU] and an optional EVENT");
	if (argc - optind == 3 && !parse_u32(argv[optind + 2], &event))
		return hs_usage_error("sdei", "EVENT '%s' is not a number", argv[optind + 2]);

	for (p = attach; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p)
		snprintf(path, sizeof(path), "/dev/shm/hypscope-%s.ram", attach);
	else
		snprintf(path, sizeof(path), "%s", attach);

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return hs_error("sdei", HS_EXIT_ENV, "%s: %s: is the machine running?", path,
				strerror(errno));
	if (fstat(fd, &sb) || (uint64_t)sb.st_size < CONTROL_END) {
		ret = hs_error("sdei", HS_EXIT_USAGE, "%s is not a hypscope machine's RAM file", path);
		goto cleanup;
	}
	ram = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ram == MAP_FAILED) {
		ret = hs_error("sdei", HS_EXIT_ENV, "mapping %s: %s", path, strerror(errno));
		goto cleanup;
	}
	memcpy(&cfg, ram + HYPCFG_FILE_OFFSET, sizeof(cfg));
	memcpy(&st, ram + HYPSTAT_FILE_OFFSET, sizeof(st));
	if (cfg.magic != HYPCFG_MAGIC || cfg.version != HYPCFG_VERSION ||
	    cfg.size != sizeof(cfg)) {
		ret = hs_usage_error("sdei",
				     "%s holds no control block this hypscope knows: rebuild "
				     "hypscope and the hypervisor together",
				     path);
		goto cleanup;
	}
	if (st.magic != HYPSTAT_MAGIC || st.state != HYPSTAT_RUNNING) {
		ret = hs_error("sdei", HS_EXIT_GUEST,
			       "the hypervisor is not running (still booting, or done)");
		goto cleanup;
	}
	if (parse_target(&cfg, argv[optind + 1], &slot, &vcpu, &e)) {
		ret = hs_usage_error("sdei", "%s", e.msg);
		goto cleanup;
	}
	if (post(ram, slot, vcpu, event, timeout, &result)) {
		ret = hs_error("sdei", HS_EXIT_TIMEOUT, "no answer from the hypervisor in %.3g s",
			       timeout);
		goto cleanup;
	}
	ret = HS_EXIT_GUEST;
	switch (result) {
	case 0:
		printf("hypscope sdei: event %u signalled to %s/%u\n", event, cfg.vms[slot].name,
		       vcpu);
		ret = HS_EXIT_OK;
		break;
	case SDEI_NOT_SUPPORTED:
		hs_error("sdei", ret, "%s runs with sdei=off", cfg.vms[slot].name);
		break;
	case SDEI_INVALID_PARAMETERS:
		hs_error("sdei", ret, "%s has no event %u (bind it first)", cfg.vms[slot].name,
			 event);
		break;
	case SDEI_DENIED:
		hs_error("sdei", ret, "event %u is not registered on %s/%u (or the VM is not running)",
			 event, cfg.vms[slot].name, vcpu);
		break;
	default:
		hs_error("sdei", ret, "refused with %lld", (long long)result);
		break;
	}
cleanup:
	if (ram != MAP_FAILED)
		munmap(ram, (size_t)sb.st_size);
	if (fd >= 0)
		close(fd);
	return ret;
}
