/*
 * Test reporting: every check is one report() line, and a failed check
 * does not stop the program. Any vCPU may report. Each vCPU has its own
 * prefix stack: report_prefix_push("virtual timer") makes the lines that
 * follow read "PASS: virtual timer: ...", until report_prefix_pop().
 */
#include "libguest.h"

#define PREFIX_DEPTH 4

static uint64_t tests, failures, skipped;
static const char *prefix[GUEST_MAX_VCPUS][PREFIX_DEPTH];
static unsigned int prefix_depth[GUEST_MAX_VCPUS];

void report_prefix_push(const char *p)
{
	unsigned int cpu = smp_processor_id();

	if (cpu < GUEST_MAX_VCPUS && prefix_depth[cpu] < PREFIX_DEPTH)
		prefix[cpu][prefix_depth[cpu]] = p;
	/* Counted past the depth too, so pushes and pops stay paired. */
	if (cpu < GUEST_MAX_VCPUS)
		prefix_depth[cpu]++;
}

void report_prefix_pop(void)
{
	unsigned int cpu = smp_processor_id();

	if (cpu < GUEST_MAX_VCPUS && prefix_depth[cpu])
		prefix_depth[cpu]--;
}

static void report_line(const char *tag, const char *fmt, va_list ap)
{
	unsigned int cpu = smp_processor_id();
	char msg[200];
	int n = 0;

	if (cpu < GUEST_MAX_VCPUS) {
		unsigned int depth = prefix_depth[cpu];

		for (unsigned int i = 0; i < depth && i < PREFIX_DEPTH; i++)
			n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s: ", prefix[cpu][i]);
		if (n >= (int)sizeof(msg))
			n = sizeof(msg) - 1;
	}
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	printf("%s: %s\n", tag, msg);
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	atomic_add_return(&tests, 1);
	if (!pass)
		atomic_add_return(&failures, 1);
	va_start(ap, fmt);
	report_line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line("INFO", fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	atomic_add_return(&skipped, 1);
	va_start(ap, fmt);
	report_line("SKIP", fmt, ap);
	va_end(ap);
}

int report_summary(void)
{
	uint64_t t = load_acquire64(&tests), f = load_acquire64(&failures);
	uint64_t s = load_acquire64(&skipped);

	if (s)
		printf("SUMMARY: %lu tests, %lu unexpected failures, %lu skipped\n", t, f, s);
	else
		printf("SUMMARY: %lu tests, %lu unexpected failures\n", t, f);
	return f ? 1 : 0;
}

void guest_exit(int status)
{
	/* Under hypscope this ends the VM and does not return. */
	smccc_hvc(HYPSCOPE_HVC_EXIT, (uint32_t)status, 0, 0);

	/* Elsewhere (plain QEMU), only power-off is left: say what the status was. */
	printf("EXIT: status %d (no hypscope exit call; powering off)\n", status);
	psci_system_off();
}
