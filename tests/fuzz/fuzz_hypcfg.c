/*
 * The control block as the host could write it (hyp/core/hypcfg.c): any
 * bytes, on a machine of any RAM size and 1 to 4 CPUs. The first byte can
 * make magic, version, size and status address right and the VM count
 * plausible, so the fuzzer gets past the header to the VMs and the memory
 * layout. A refusal is one non-empty sentence that fits the status block;
 * an acceptance means every region boot reads or reserves lies in the
 * staging area of RAM, page-aligned, and overlaps no other (two VMs may
 * share one staged image); a VM's RAM loaded in place is one such region,
 * 2 MiB aligned, of fresh RAM, for one instance, with image and initrd
 * inside it.
 */
#include "formats/hypcfg.h"
#include "hyp/include/boot.h"
#include "hyp/include/mm.h"
#include "hyp/include/platform.h"
#include "tests/fuzz/fuzz.h"

#define FIX_HEADER  1u /* magic, version, size, status_pa as the host writes them */
#define FIX_NR_VMS  2u /* 1..8 VMs */

struct span {
	uint64_t pa, size;
	bool vm; /* a VM's blob (may be shared), not the rings */
};

static void check_inside(const struct span *s, uint64_t ram_end)
{
	if (s->pa % PAGE_SIZE || s->pa < HYP_STAGING_PA || s->pa >= ram_end ||
	    s->size > ram_end - s->pa)
		abort();
}

static void check_accepted(const struct hypcfg *c, const struct platform *p)
{
	struct span s[2 * HYPCFG_MAX_VMS + 1];
	uint64_t ram_end = p->ram_base + p->ram_size;
	unsigned n = 0;

	if (c->nr_vms < 1 || c->nr_vms > HYPCFG_MAX_VMS || c->status_pa != HYPSTAT_PA)
		abort();
	if (c->trace_mode != HYPCFG_TRACE_OFF)
		s[n++] = (struct span){ c->trace_pa, c->trace_size * p->nr_cpus, false };
	for (unsigned i = 0; i < c->nr_vms; i++) {
		const struct hypcfg_vm *v = &c->vms[i];

		if (hypcfg_check_vm(v) || !v->nr_vcpus || v->nr_vcpus > HYPCFG_MAX_VCPUS)
			abort();
		if (v->ram_pa) {
			if (!(c->flags & HYPCFG_F_RAM_ZEROED) || v->ram_pa % CHUNK_SIZE ||
			    v->instances > 1 || v->image_pa < v->ram_pa ||
			    v->image_size > v->mem_size ||
			    v->image_pa - v->ram_pa > v->mem_size - v->image_size ||
			    (v->initrd_size && (v->initrd_pa < v->ram_pa ||
						v->initrd_pa - v->ram_pa > v->mem_size - v->initrd_size)))
				abort();
			s[n++] = (struct span){ v->ram_pa, v->mem_size, false };
			continue;
		}
		s[n++] = (struct span){ v->image_pa, v->image_size, true };
		if (v->initrd_size)
			s[n++] = (struct span){ v->initrd_pa, v->initrd_size, true };
	}
	for (unsigned i = 0; i < n; i++) {
		check_inside(&s[i], ram_end);
		for (unsigned j = 0; j < i; j++) {
			bool same = s[i].vm && s[j].vm && s[i].pa == s[j].pa && s[i].size == s[j].size;

			if (!same && s[i].pa < s[j].pa + s[j].size && s[j].pa < s[i].pa + s[i].size)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hypcfg cfg;
	static struct hypstat st;
	struct fz f = { data, size };
	struct platform plat = { .ram_base = HYP_RAM_BASE };
	unsigned fix = fz_u8(&f);
	char why[sizeof(st.message)];
	size_t n;

	plat.ram_size = ((uint64_t)fz_u16(&f) + 1) << 20; /* 1 MiB to 64 GiB */
	plat.nr_cpus = 1 + fz_below(&f, HYP_MAX_CPUS);
	memset(&cfg, 0, sizeof(cfg));
	n = f.n < sizeof(cfg) ? f.n : sizeof(cfg);
	memcpy(&cfg, f.p, n);
	if (fix & FIX_HEADER) {
		cfg.magic = HYPCFG_MAGIC;
		cfg.version = HYPCFG_VERSION;
		cfg.size = sizeof(cfg);
		cfg.status_pa = HYPSTAT_PA;
	}
	if (fix & FIX_NR_VMS)
		cfg.nr_vms = 1 + cfg.nr_vms % HYPCFG_MAX_VMS;

	memset(why, 0x55, sizeof(why));
	if (hypcfg_check(&cfg, &plat, why, sizeof(why)) == 0) {
		check_accepted(&cfg, &plat);
		return 0;
	}
	n = strnlen(why, sizeof(why));
	if (n == 0 || n == sizeof(why))
		abort(); /* a refusal says something, and ends inside the buffer */
	hypstat_refuse(&st, why);
	if (st.state != HYPSTAT_BADCFG || st.magic != HYPSTAT_MAGIC || strcmp(st.message, why))
		abort();
	return 0;
}
