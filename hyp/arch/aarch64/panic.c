/* The hypervisor's own failures: message, registers, status block, power off. */
#include <stdarg.h>
#include <string.h>

#include "formats/esr.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/log.h"
#include "hyp/include/panic.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"

static void raw_line(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	/* No console lock: the panicking CPU may hold it. */
	arch_console_write(line, (size_t)n);
}

static __noreturn void stop(const char *msg)
{
	if (hypstat) {
		strncpy(hypstat->message, msg, sizeof(hypstat->message) - 1);
		hypstat->state = HYPSTAT_PANIC;
		__atomic_store_n(&hypstat->magic, HYPSTAT_MAGIC, __ATOMIC_RELEASE);
	}
	arch_system_off();
}

__noreturn void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	raw_line("[hyp] PANIC on CPU %u: %s", this_cpu_id(), msg);
	raw_line("[hyp] ELR_EL2 %016llx ESR_EL2 %016llx FAR_EL2 %016llx",
		 (unsigned long long)read_sysreg(elr_el2), (unsigned long long)read_sysreg(esr_el2),
		 (unsigned long long)read_sysreg(far_el2));
	stop(msg);
}

static const char *const vector_names[16] = {
	"sync (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
	"sync", "IRQ", "FIQ", "SError",
	"guest sync", "guest IRQ", "guest FIQ", "guest SError",
	"AArch32 guest sync", "AArch32 guest IRQ", "AArch32 guest FIQ", "AArch32 guest SError",
};

/* Frame from entry.S: x0..x30, sp, elr, spsr, esr, far. */
void hyp_fault_handler(unsigned vector, const uint64_t *frame);
__noreturn void hyp_fault_handler(unsigned vector, const uint64_t *frame)
{
	char msg[160];

	fmt_snprintf(msg, sizeof(msg), "unexpected %s exception at EL2: %s at ELR %llx FAR %llx",
		     vector_names[vector & 15], esr_class_name(esr_ec(frame[34])),
		     (unsigned long long)frame[32], (unsigned long long)frame[35]);
	raw_line("[hyp] PANIC on CPU %u: %s", this_cpu_id(), msg);
	raw_line("[hyp] ESR %016llx SPSR %016llx SP %016llx", (unsigned long long)frame[34],
		 (unsigned long long)frame[33], (unsigned long long)frame[31]);
	for (unsigned i = 0; i < 31; i += 3)
		raw_line("[hyp] x%-2u %016llx  x%-2u %016llx  x%-2u %016llx", i,
			 (unsigned long long)frame[i], i + 1,
			 (unsigned long long)(i + 1 < 31 ? frame[i + 1] : 0), i + 2,
			 (unsigned long long)(i + 2 < 31 ? frame[i + 2] : 0));
	stop(msg);
}
