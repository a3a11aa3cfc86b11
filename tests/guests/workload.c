/*
 * A fixed amount of work, for regression tests of `hypscope diff`.
 *
 * UNITS units of work; each makes HVC null hypercalls (HYPSCOPE_HVC_NOP) and
 * MMIO reads of the UART's flag register, then a little arithmetic. The
 * same command line gives the same exits on every run, whatever the host
 * does: what a run costs may vary, what it does does not. The command line
 * (--vm build/guests/workload.elf:cmdline=...) sets the shape:
 *
 *   units=N   units of work (default 2000)
 *   hvc=N     hypercalls per unit (default 2)
 *   mmio=N    MMIO reads per unit (default 1)
 */
#include "libguest.h"

struct shape {
	uint64_t units, hvc, mmio;
};

/* "key=N" in s for key; def when absent or not a number. */
static uint64_t arg(const char *s, const char *key, uint64_t def)
{
	size_t klen = strlen(key);
	uint64_t v;
	const char *p;

	for (p = s; p && *p; p++) {
		if ((p != s && p[-1] != ' ') || strncmp(p, key, klen) || p[klen] != '=')
			continue;
		p += klen + 1;
		if (*p < '0' || *p > '9')
			return def;
		for (v = 0; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		return v;
	}
	return def;
}

int main(void)
{
	const char *cmdline = boot.dtb ? fdt_bootargs(boot.dtb) : NULL;
	struct shape w = {
		.units = arg(cmdline, "units", 2000),
		.hvc = arg(cmdline, "hvc", 2),
		.mmio = arg(cmdline, "mmio", 1),
	};
	uint64_t hvc = 0, mmio = 0, acc = 1;

	for (uint64_t u = 0; u < w.units; u++) {
		for (uint64_t i = 0; i < w.hvc; i++, hvc++)
			smccc_hvc(HYPSCOPE_HVC_NOP, 0, 0, 0);
		for (uint64_t i = 0; i < w.mmio; i++, mmio++)
			acc += mmio_read32(GUEST_UART_IPA + UART_FR) & 1;
		for (unsigned i = 0; i < 64; i++)
			acc = mix64(acc + i);
	}
	report(hvc == w.units * w.hvc && mmio == w.units * w.mmio,
	       "workload: %lu units, %lu hypercalls, %lu MMIO reads (%lx)", (unsigned long)w.units,
	       (unsigned long)hvc, (unsigned long)mmio, (unsigned long)(acc & 0xf));
	return report_summary();
}
