/* The hypervisor's status block: reading, judging, summarising. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/esr.h"
#include "formats/ich_lr.h"
#include "tracer/lib/hypstat.h"

int hypstat_snapshot(const void *ram, size_t len, struct hypstat *st, struct hs_err *err)
{
	if (len < HYPSTAT_FILE_OFFSET + sizeof(*st))
		return hs_errf(err, -EINVAL,
			       "the RAM file holds %zu bytes, too few for the status block at "
			       "0x%llx",
			       len, (unsigned long long)HYPSTAT_PA);
	memcpy(st, (const char *)ram + HYPSTAT_FILE_OFFSET, sizeof(*st));
	st->message[sizeof(st->message) - 1] = '\0';

	if (st->magic == 0)
		return hs_errf(err, -ENODATA,
			       "the hypervisor never wrote its status block: it did not start "
			       "(check --hyp and QEMU's messages above)");
	if (st->magic != HYPSTAT_MAGIC)
		return hs_errf(err, -EINVAL,
			       "the status block at 0x%llx has magic 0x%016llx, not HYPSSTA1: "
			       "is --hyp a hypscope hypervisor?",
			       (unsigned long long)HYPSTAT_PA, (unsigned long long)st->magic);
	if (st->version != HYPCFG_VERSION)
		return hs_errf(err, -EPROTO,
			       "the status block is version %u, this hypscope reads version %u: "
			       "rebuild hypscope and the hypervisor together",
			       st->version, HYPCFG_VERSION);
	if (st->size != sizeof(*st))
		return hs_errf(err, -EPROTO,
			       "the status block is %u bytes, this hypscope expects %zu: rebuild "
			       "hypscope and the hypervisor together",
			       st->size, sizeof(*st));
	return 0;
}

int hypstat_read_file(const char *path, struct hypstat *st, struct hs_err *err)
{
	size_t len = HYPSTAT_FILE_OFFSET + sizeof(*st);
	struct stat sb;
	void *map;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hs_errf(err, -errno, "cannot open the RAM file %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &sb)) {
		ret = hs_errf(err, -errno, "cannot stat %s: %s", path, strerror(errno));
		goto cleanup;
	}
	/* mapping past the end of the file would fault on access, not on mmap */
	if ((uint64_t)sb.st_size < len) {
		ret = hs_errf(err, -EINVAL,
			      "the RAM file %s is %lld bytes, too short for the status block: "
			      "QEMU did not start the machine",
			      path, (long long)sb.st_size);
		goto cleanup;
	}
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = hs_errf(err, -errno, "cannot map %s: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = hypstat_snapshot(map, len, st, err);
	munmap(map, len);
cleanup:
	close(fd);
	return ret;
}

/* ------------------------------------------------------------ names */

static void print_class(FILE *f, unsigned int cls)
{
	const char *name = exit_class_name(cls);

	if (cls > HYP_EXIT_SYNC_LAST)
		fputs(name, f);
	else if (!strncmp(name, "EC_", 3)) /* an unallocated class has no name of its own */
		fprintf(f, "EC 0x%02x", cls);
	else
		fprintf(f, "EC 0x%02x %s", cls, name);
}

const char *hypstat_vm_state_str(const struct hypstat_vm *vm, char *buf, size_t len)
{
	switch (vm->state) {
	case HYPSTAT_VM_EMPTY:
		return "not started";
	case HYPSTAT_VM_RUNNING:
		return "running";
	case HYPSTAT_VM_OFF:
		return "off";
	case HYPSTAT_VM_RESET:
		return "reset";
	case HYPSTAT_VM_EXITED:
		snprintf(buf, len, "exited with status %u", vm->exit_status);
		return buf;
	case HYPSTAT_VM_FAILED:
		return "failed to start";
	default:
		snprintf(buf, len, "in unknown state %u", vm->state);
		return buf;
	}
}

/* The hypervisor's message, with anything unprintable made '?' and no trailing space. */
static void clean_message(const struct hypstat *st, char *out, size_t len)
{
	size_t i, n = 0;

	for (i = 0; st->message[i] && n + 1 < len; i++)
		out[n++] = isprint((unsigned char)st->message[i]) ? st->message[i] : '?';
	while (n && (out[n - 1] == ' ' || out[n - 1] == '?'))
		n--;
	out[n] = '\0';
	if (!n)
		strcpy(out, "(no message)");
}

/* ------------------------------------------------------------ verdict */

/* Why VM slot @i did not end cleanly, or NULL when it did. */
static const char *vm_problem(const struct hypstat_vm *vm, const struct hypcfg_vm *cv, char *buf,
			      size_t len)
{
	char state[48];

	switch (vm->state) {
	case HYPSTAT_VM_OFF:
		break;
	case HYPSTAT_VM_EXITED:
		if (vm->exit_status == 0)
			break;
		snprintf(buf, len, "%s exited with status %u", cv->name, vm->exit_status);
		return buf;
	case HYPSTAT_VM_EMPTY:
	case HYPSTAT_VM_RUNNING:
		snprintf(buf, len, "%s did not end (%s)", cv->name,
			 hypstat_vm_state_str(vm, state, sizeof(state)));
		return buf;
	default:
		snprintf(buf, len, "%s %s", cv->name,
			 hypstat_vm_state_str(vm, state, sizeof(state)));
		return buf;
	}
	if (vm->instances_failed) {
		snprintf(buf, len, "%s: %u of %u instances failed", cv->name, vm->instances_failed,
			 vm->instances_started);
		return buf;
	}
	if (vm->instances_started < cv->instances) {
		snprintf(buf, len, "%s ran %u of %u instances", cv->name, vm->instances_started,
			 cv->instances);
		return buf;
	}
	return NULL;
}

int hypstat_verdict(const struct hypstat *st, const struct hypcfg *cfg, struct hs_err *why)
{
	char msg[sizeof(st->message)], one[128], list[HS_ERR_LEN - 64] = "";
	unsigned int bad = 0, i, n = cfg->nr_vms;
	const char *p;
	size_t used = 0;

	if (st->state == HYPSTAT_PANIC) {
		clean_message(st, msg, sizeof(msg));
		return hs_errf(why, HS_EXIT_HYP, "hypervisor panic: %s", msg);
	}
	if (st->state == HYPSTAT_BADCFG) {
		clean_message(st, msg, sizeof(msg));
		return hs_errf(why, HS_EXIT_HYP, "the hypervisor refused the configuration: %s",
			       msg);
	}

	if (n > HYPCFG_MAX_VMS)
		n = HYPCFG_MAX_VMS;
	for (i = 0; i < n; i++) {
		p = vm_problem(&st->vms[i], &cfg->vms[i], one, sizeof(one));
		if (!p)
			continue;
		bad++;
		if (used + strlen(p) + 3 < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? "; " : "", p);
	}
	if (bad)
		return hs_errf(why, HS_EXIT_GUEST, "%u of %u VM%s did not end cleanly: %s", bad, n,
			       n == 1 ? "" : "s", list);
	if (st->state != HYPSTAT_DONE)
		return hs_errf(why, HS_EXIT_GUEST,
			       "the machine stopped before the hypervisor finished (state %u)",
			       st->state);
	return HS_EXIT_OK;
}

/* ------------------------------------------------------------ summary */

static double seconds(uint64_t ticks, uint64_t freq)
{
	return freq ? (double)ticks / (double)freq : 0.0;
}

static void print_vcpu(FILE *f, const struct hypstat *st, unsigned int id,
		       const struct hypstat_vcpu *vc)
{
	uint64_t total = 0;
	unsigned int c;
	bool first = true;

	for (c = 0; c < HYP_EXIT_CLASSES; c++)
		total += vc->exits[c];
	fprintf(f, "    vCPU %u on CPU %u: guest %.3f s, hyp %.3f s, %llu exit%s", id, vc->pcpu,
		seconds(vc->guest_ticks, st->cntfrq), seconds(vc->hyp_ticks, st->cntfrq),
		(unsigned long long)total, total == 1 ? "" : "s");
	for (c = 0; c < HYP_EXIT_CLASSES; c++) {
		if (!vc->exits[c])
			continue;
		fputs(first ? ": " : ", ", f);
		first = false;
		print_class(f, c);
		fprintf(f, " %llu", (unsigned long long)vc->exits[c]);
	}
	fputc('\n', f);
	if (vc->vgic_flushes) {
		fprintf(f, "      vGIC: %llu LR loads, %llu with more interrupts than LRs",
			(unsigned long long)vc->vgic_flushes, (unsigned long long)vc->vgic_overflows);
		first = true;
		for (c = 0; c < ICH_MISR_NR_CAUSES; c++) {
			if (!vc->vgic_maint[c])
				continue;
			fprintf(f, "%s%s %llu", first ? "; maintenance " : ", ",
				ich_misr_cause_name(c), (unsigned long long)vc->vgic_maint[c]);
			first = false;
		}
		fputc('\n', f);
	}
}

static void print_vm_line(FILE *f, const struct hypstat_vm *vm, const struct hypcfg_vm *cv,
			  unsigned int i)
{
	char state[48], failed[32] = "";

	if (vm->instances_failed)
		snprintf(failed, sizeof(failed), " (%u failed)", vm->instances_failed);
	fprintf(f, "  %s (VM %u): %s, %u of %u instance%s ran%s, vmid %u\n", cv->name, i,
		hypstat_vm_state_str(vm, state, sizeof(state)), vm->instances_started,
		cv->instances, cv->instances == 1 ? "" : "s", failed, vm->vmid);
}

void hypstat_print_states(FILE *f, const struct hypstat *st, const struct hypcfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_vms && i < HYPCFG_MAX_VMS; i++)
		print_vm_line(f, &st->vms[i], &cfg->vms[i], i);
}

void hypstat_print(FILE *f, const struct hypstat *st, const struct hypcfg *cfg)
{
	unsigned int i, v, nv;

	fprintf(f,
		"hypscope: %u CPU%s, VMID %u bits, generation %llu, %llu rollover%s, "
		"%llu VM%s created\n",
		st->nr_cpus, st->nr_cpus == 1 ? "" : "s", st->vmid_bits,
		(unsigned long long)st->vmid_generation, (unsigned long long)st->vmid_rollovers,
		st->vmid_rollovers == 1 ? "" : "s", (unsigned long long)st->vms_created,
		st->vms_created == 1 ? "" : "s");
	for (i = 0; i < cfg->nr_vms && i < HYPCFG_MAX_VMS; i++) {
		const struct hypstat_vm *vm = &st->vms[i];

		print_vm_line(f, vm, &cfg->vms[i], i);
		nv = vm->nr_vcpus ? vm->nr_vcpus : cfg->vms[i].nr_vcpus;
		if (nv > HYPCFG_MAX_VCPUS)
			nv = HYPCFG_MAX_VCPUS;
		for (v = 0; v < nv; v++)
			print_vcpu(f, st, v, &vm->vcpus[v]);
	}
}
