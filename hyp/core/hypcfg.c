/*
 * Validation of the control block (formats/hypcfg.h) the host wrote before
 * the hypervisor started. Nothing in it is trusted: counts, sizes and every
 * physical address are checked against the machine before boot reads memory
 * through them, and a refusal says in one sentence what was wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "hyp/include/boot.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/platform.h"
#include "hyp/include/vm.h"
#include "hyp/include/vmid.h"

#define TRACE_RING_MIN (64ull << 10)
#define TRACE_RING_MAX (256ull << 20)
#define SLICE_US_MAX   1000000u

/* A block of host-staged memory the boot reads or reserves. */
struct region {
	uint64_t pa, size;
	unsigned vm;       /* index of the VM it belongs to; unused for the rings */
	const char *what;  /* "image", "initrd", "RAM", "trace rings" */
	bool shareable;    /* a staged image or initrd: another VM may use the same */
};

const char *hypcfg_check_vm(const struct hypcfg_vm *c)
{
	uint64_t span = c->image_span > c->image_size ? c->image_span : c->image_size;

	if (!c->nr_vcpus || c->nr_vcpus > HYPCFG_MAX_VCPUS)
		return "vCPU count must be 1 to 4";
	if (c->mem_size < CHUNK_SIZE || c->mem_size % CHUNK_SIZE || c->mem_size > GUEST_MEM_MAX)
		return "memory size must be a multiple of 2 MiB, at most 4 GiB";
	if (!c->image_size)
		return "image is empty";
	if (c->kind != HYPCFG_IMAGE_FLAT && c->kind != HYPCFG_IMAGE_LINUX)
		return "unknown image kind";
	if (c->load_ipa < GUEST_RAM_IPA || span > c->mem_size ||
	    c->load_ipa - GUEST_RAM_IPA > c->mem_size - span)
		return "image does not fit in guest RAM";
	if (c->entry_ipa < GUEST_RAM_IPA || c->entry_ipa - GUEST_RAM_IPA >= c->mem_size)
		return "entry point outside guest RAM";
	if (c->initrd_size > c->mem_size)
		return "initrd larger than guest RAM";
	return NULL;
}

/* A VM whose RAM the host loaded (ram_pa): image and initrd where the guest finds them. */
static const char *check_in_place(const struct hypcfg *cfg, const struct hypcfg_vm *c)
{
	uint64_t initrd_ipa = hypcfg_initrd_ipa(c->load_ipa, c->image_size, c->image_span);

	if (!(cfg->flags & HYPCFG_F_RAM_ZEROED))
		return "RAM loaded by the host needs RAM made afresh (HYPCFG_F_RAM_ZEROED)";
	if (c->ram_pa % CHUNK_SIZE)
		return "RAM loaded by the host is not 2 MiB aligned";
	if (c->instances > 1)
		return "RAM loaded by the host serves one instance, not several";
	/* hypcfg_check_vm() bounded load_ipa and the initrd by mem_size. */
	if (c->image_pa != c->ram_pa + (c->load_ipa - GUEST_RAM_IPA))
		return "image is not at its load address in the RAM the host loaded";
	if (c->initrd_size && (initrd_ipa - GUEST_RAM_IPA > c->mem_size - c->initrd_size ||
			       c->initrd_pa != c->ram_pa + (initrd_ipa - GUEST_RAM_IPA)))
		return "initrd is not above the image in the RAM the host loaded";
	return NULL;
}

__printf(3, 4) static int refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A VM's name as the host wrote it, which need not be NUL-terminated. */
static void vm_name(const struct hypcfg_vm *v, char name[HYPCFG_NAME_LEN])
{
	memcpy(name, v->name, HYPCFG_NAME_LEN - 1);
	name[HYPCFG_NAME_LEN - 1] = '\0';
}

/* Names a region in a refusal: "VM 2 (web) image" or "trace rings". */
static void region_name(const struct hypcfg *c, const struct region *r, char *buf, size_t len)
{
	char name[HYPCFG_NAME_LEN];

	if (r->vm < HYPCFG_MAX_VMS) {
		vm_name(&c->vms[r->vm], name);
		fmt_snprintf(buf, len, "VM %u (%s) %s", r->vm, name, r->what);
	} else {
		fmt_snprintf(buf, len, "%s", r->what);
	}
}

/*
 * Host-staged blobs live between the hypervisor's own area and the end of
 * RAM, page-aligned. Two VMs may share one staged copy of the same file
 * (same address and size); any other overlap is an error.
 */
static int check_regions(const struct hypcfg *c, const struct region *r, unsigned n,
			 uint64_t ram_end, char *why, size_t len)
{
	char a[HYPCFG_NAME_LEN + 40], b[HYPCFG_NAME_LEN + 40];

	for (unsigned i = 0; i < n; i++) {
		region_name(c, &r[i], a, sizeof(a));
		if (r[i].pa % PAGE_SIZE)
			return refuse(why, len, "%s at 0x%llx is not 4 KiB aligned", a,
				      (unsigned long long)r[i].pa);
		if (r[i].pa < HYP_STAGING_PA || r[i].pa >= ram_end ||
		    r[i].size > ram_end - r[i].pa)
			return refuse(why, len,
				      "%s at 0x%llx, 0x%llx bytes, is outside the staging area "
				      "0x%llx..0x%llx",
				      a, (unsigned long long)r[i].pa, (unsigned long long)r[i].size,
				      HYP_STAGING_PA, (unsigned long long)ram_end);
	}
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = i + 1; j < n; j++) {
			bool shared = r[i].pa == r[j].pa && r[i].size == r[j].size &&
				      r[i].shareable && r[j].shareable;

			if (shared || r[i].pa >= r[j].pa + r[j].size || r[j].pa >= r[i].pa + r[i].size)
				continue;
			region_name(c, &r[i], a, sizeof(a));
			region_name(c, &r[j], b, sizeof(b));
			return refuse(why, len, "%s at 0x%llx overlaps %s at 0x%llx", a,
				      (unsigned long long)r[i].pa, b, (unsigned long long)r[j].pa);
		}
	}
	return 0;
}

int hypcfg_check(const struct hypcfg *c, const struct platform *p, char *why, size_t len)
{
	struct region r[2 * HYPCFG_MAX_VMS + 1];
	uint64_t ram_end = p->ram_base + p->ram_size;
	unsigned n = 0;

	if (c->magic != HYPCFG_MAGIC)
		return refuse(why, len, "no configuration at 0x%llx (start it with 'hypscope run')",
			      HYPCFG_PA);
	if (c->version != HYPCFG_VERSION || c->size != sizeof(*c))
		return refuse(why, len, "configuration version %u (%u bytes), this hypervisor "
			      "reads version %u (%u bytes): rebuild hypscope and hyp.elf together",
			      c->version, c->size, HYPCFG_VERSION, (unsigned)sizeof(*c));
	if (!c->nr_vms || c->nr_vms > HYPCFG_MAX_VMS)
		return refuse(why, len, "configuration has %u VMs: 1 to %u", c->nr_vms,
			      HYPCFG_MAX_VMS);
	if (c->vmid_bits && (c->vmid_bits < 3 || c->vmid_bits > VMID_MAX_BITS))
		return refuse(why, len, "VMID width %u: must be 3 to 16 bits", c->vmid_bits);
	if (c->slice_us > SLICE_US_MAX)
		return refuse(why, len, "time slice of %u us: at most 1 s", c->slice_us);
	if (c->status_pa != HYPSTAT_PA)
		return refuse(why, len, "status block at 0x%llx, not at HYPSTAT_PA 0x%llx",
			      (unsigned long long)c->status_pa, HYPSTAT_PA);
	if (c->trace_mode > HYPCFG_TRACE_DROP)
		return refuse(why, len, "unknown trace mode %u", c->trace_mode);
	if (p->ram_base > HYP_STAGING_PA || ram_end <= HYP_STAGING_PA)
		return refuse(why, len, "RAM ends at 0x%llx: below the staging area at 0x%llx",
			      (unsigned long long)ram_end, HYP_STAGING_PA);
	if (c->trace_mode != HYPCFG_TRACE_OFF) {
		if (c->trace_size < TRACE_RING_MIN || c->trace_size > TRACE_RING_MAX ||
		    c->trace_size % PAGE_SIZE)
			return refuse(why, len, "trace ring of 0x%llx bytes per CPU: must be whole "
				      "pages, 64 KiB to 256 MiB", (unsigned long long)c->trace_size);
		r[n++] = (struct region){ c->trace_pa, c->trace_size * p->nr_cpus, HYPCFG_MAX_VMS,
					  "trace rings", false };
	}
	for (unsigned i = 0; i < c->nr_vms; i++) {
		const struct hypcfg_vm *v = &c->vms[i];
		const char *vm_why = hypcfg_check_vm(v);
		char name[HYPCFG_NAME_LEN];

		if (!vm_why && v->ram_pa)
			vm_why = check_in_place(c, v);
		if (vm_why) {
			vm_name(v, name);
			return refuse(why, len, "VM %u (%s): %s", i, name, vm_why);
		}
		/* Loaded in place, image and initrd lie inside the VM's RAM. */
		if (v->ram_pa) {
			r[n++] = (struct region){ v->ram_pa, v->mem_size, i, "RAM", false };
			continue;
		}
		r[n++] = (struct region){ v->image_pa, v->image_size, i, "image", true };
		if (v->initrd_size)
			r[n++] = (struct region){ v->initrd_pa, v->initrd_size, i, "initrd", true };
	}
	return check_regions(c, r, n, ram_end, why, len);
}

void hypstat_refuse(struct hypstat *st, const char *why)
{
	memset(st, 0, sizeof(*st));
	st->version = HYPCFG_VERSION;
	st->size = sizeof(*st);
	st->state = HYPSTAT_BADCFG;
	strncpy(st->message, why, sizeof(st->message) - 1);
	/* The host polls the magic: the message is visible before it. */
	__atomic_store_n(&st->magic, HYPSTAT_MAGIC, __ATOMIC_RELEASE);
}
