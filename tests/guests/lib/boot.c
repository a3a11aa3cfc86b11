/*
 * From entry.S to main(): learn what the VM looks like, then run the test.
 */
#include "libguest.h"

struct boot_info boot;

/*
 * x0 is trusted only if it points into RAM above the image and holds a
 * valid FDT header: on a plain virt board an ELF image gets no DTB at all.
 */
static const void *dtb_from_x0(uint64_t x0, uint32_t *size)
{
	if (x0 < (uintptr_t)__image_end || x0 & 7)
		return NULL;
	if (!fdt_check((const void *)(uintptr_t)x0, size))
		return NULL;
	return (const void *)(uintptr_t)x0;
}

/* Without a DTB: AFFINITY_INFO answers INVALID_PARAMETERS for a vCPU that does not exist. */
static unsigned int probe_vcpus(void)
{
	unsigned int n = 1;

	for (unsigned int cpu = 1; cpu < GUEST_MAX_VCPUS; cpu++) {
		int32_t r = psci_affinity_info(cpu);

		if (r == PSCI_AFF_ON || r == PSCI_AFF_OFF || r == PSCI_AFF_ON_PENDING)
			n = cpu + 1;
		else
			break;
	}
	return n;
}

void boot_start(uint64_t x0) __noreturn;
void boot_start(uint64_t x0)
{
	uint64_t base, size;

	boot.ram_base = GUEST_RAM_IPA;
	boot.dtb = dtb_from_x0(x0, &boot.dtb_size);
	if (boot.dtb) {
		boot.nr_vcpus = fdt_count_cpus(boot.dtb);
		if (fdt_memory(boot.dtb, &base, &size)) {
			boot.ram_base = base;
			boot.ram_size = size;
		}
	}
	if (!boot.nr_vcpus)
		boot.nr_vcpus = probe_vcpus();
	if (boot.nr_vcpus > GUEST_MAX_VCPUS)
		boot.nr_vcpus = GUEST_MAX_VCPUS;
	boot.hypscope = hypscope_present();

	if (boot.dtb)
		report_info("%u vCPUs, RAM %#lx+%#lx, DTB at %p (%u bytes)%s", boot.nr_vcpus,
			    boot.ram_base, boot.ram_size, boot.dtb, boot.dtb_size,
			    boot.hypscope ? ", hypscope" : "");
	else
		report_info("%u vCPUs (probed), no DTB in x0 (%#lx)%s", boot.nr_vcpus, x0,
			    boot.hypscope ? ", hypscope" : "");

	guest_exit(main());
}

bool boot_arg_u64(const char *key, uint64_t *val)
{
	const char *args = boot.dtb ? fdt_bootargs(boot.dtb) : NULL;
	size_t klen = strlen(key);
	const char *p;
	uint64_t v = 0;
	unsigned base = 10, d;

	if (!args)
		return false;
	for (p = args; *p; p++) {
		/* KEY= at the start of a word */
		if ((p == args || p[-1] == ' ') && !strncmp(p, key, klen) && p[klen] == '=')
			break;
	}
	if (!*p)
		return false;
	p += klen + 1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p || *p == ' ')
		return false;
	for (; *p && *p != ' '; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			return false;
		v = v * base + d;
	}
	*val = v;
	return true;
}
