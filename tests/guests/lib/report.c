/*
 * Test reporting: every check is one report() line, and a failed check
 * does not stop the program. Any vCPU may report.
 */
#include "libguest.h"

static uint64_t tests, failures, skipped;

static void report_line(const char *tag, const char *fmt, va_list ap)
{
	char msg[200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
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
