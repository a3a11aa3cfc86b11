/* SDEI calls and the C side of the handler entry (sdei.h, sdei_entry.S). */
#include "libguest.h"
#include "sdei.h"

static sdei_handler_t handlers[GUEST_MAX_VCPUS];

void sdei_set_handler(unsigned int cpu, sdei_handler_t fn)
{
	if (cpu < GUEST_MAX_VCPUS)
		handlers[cpu] = fn;
	dsb(ish);
}

int64_t sdei_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t x0 asm("x0") = fn;
	register uint64_t x1 asm("x1") = a1;
	register uint64_t x2 asm("x2") = a2;
	register uint64_t x3 asm("x3") = a3;
	register uint64_t x4 asm("x4") = a4;
	register uint64_t x5 asm("x5") = a5;

	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5)
		     :
		     : "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
		       "x17", "memory");
	return (int64_t)x0;
}

uint64_t sdei_handler_c(struct sdei_frame *f);
uint64_t sdei_handler_c(struct sdei_frame *f)
{
	unsigned int cpu = smp_processor_id();
	sdei_handler_t fn = cpu < GUEST_MAX_VCPUS ? handlers[cpu] : NULL;

	if (!fn) {
		report(false, "vCPU %u: SDEI event %lu with no handler", cpu, f->x[0]);
		guest_exit(GUEST_EXIT_RUNTIME_ERROR);
	}
	return fn(f);
}

void sdei_complete_failed(void) __noreturn;
void sdei_complete_failed(void)
{
	report(false, "vCPU %u: SDEI COMPLETE refused", smp_processor_id());
	guest_exit(GUEST_EXIT_RUNTIME_ERROR);
}
