/*
 * Exceptions taken to EL1: expected ones are recorded and skipped, any
 * other one fails the guest.
 */
#include "libguest.h"

/* The frame entry.S builds; FRAME_SIZE there is sizeof(struct ex_regs). */
struct ex_regs {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
};
_Static_assert(sizeof(struct ex_regs) == 34 * 8, "entry.S FRAME_SIZE");

/* VBAR_EL1 offsets / 0x80 (Arm ARM, "Exception vectors"). */
enum vector {
	VEC_CUR_SP0_SYNC = 0,
	VEC_CUR_SPX_SYNC = 4,
	VEC_CUR_SPX_IRQ = 5,
	VEC_LOWER64_SYNC = 8,
};

#define ESR_EC_SVC64 0x15u

void el0_resume(uint64_t x0) __noreturn;

static const char *const vector_names[16] = {
	"sync (EL1t)",		"IRQ (EL1t)",	     "FIQ (EL1t)",	  "SError (EL1t)",
	"sync",			"IRQ",		     "FIQ",		  "SError",
	"sync (lower EL64)",	"IRQ (lower EL64)",  "FIQ (lower EL64)",  "SError (lower EL64)",
	"sync (lower EL32)",	"IRQ (lower EL32)",  "FIQ (lower EL32)",  "SError (lower EL32)",
};

struct expectation {
	uint32_t armed;
	uint32_t taken;
	struct exception_info info;
};

static struct expectation expect[GUEST_MAX_VCPUS];
static irq_handler_t irq_handlers[GUEST_MAX_VCPUS];

void irq_set_handler(irq_handler_t fn)
{
	irq_handlers[smp_processor_id()] = fn;
	/* Installed before the caller unmasks the IRQs it is meant for. */
	barrier();
}

void expect_exception(void)
{
	struct expectation *e = &expect[smp_processor_id()];

	e->taken = 0;
	e->armed = 1;
	/* The instruction expected to fault must not be hoisted above this. */
	barrier();
}

bool exception_taken(struct exception_info *info)
{
	struct expectation *e = &expect[smp_processor_id()];

	barrier();
	e->armed = 0;
	if (e->taken && info)
		*info = e->info;
	return e->taken;
}

void handle_exception(struct ex_regs *regs, unsigned int vec);
void handle_exception(struct ex_regs *regs, unsigned int vec)
{
	unsigned int cpu = smp_processor_id();
	struct expectation *e = &expect[cpu < GUEST_MAX_VCPUS ? cpu : 0];
	uint64_t esr, far;

	if (vec == VEC_CUR_SPX_IRQ && cpu < GUEST_MAX_VCPUS && irq_handlers[cpu]) {
		irq_handlers[cpu]();
		/*
		 * entry.S restores ELR_EL1 and SPSR_EL1 from the frame next; an
		 * IRQ taken between that and the ERET would overwrite them, so
		 * return with IRQs masked even if the handler unmasked them.
		 */
		irq_disable();
		return;
	}

	esr = read_sysreg(esr_el1);
	far = read_sysreg(far_el1);
	/* el0_run()'s function returned into its SVC #0. */
	if (vec == VEC_LOWER64_SYNC && ESR_EC(esr) == ESR_EC_SVC64)
		el0_resume(regs->x[0]);
	if ((vec == VEC_CUR_SPX_SYNC || vec == VEC_LOWER64_SYNC) && e->armed) {
		e->info.esr = esr;
		e->info.far = far;
		e->info.elr = regs->elr;
		e->taken = 1;
		e->armed = 0;
		/*
		 * Skip the faulting instruction. ESR_EL1.IL = 1 for every
		 * A64 instruction, EC 0 included (Arm ARM, ESR_EL1), so
		 * it is always 4 bytes.
		 */
		regs->elr += 4;
		return;
	}

	printf("FAIL: unexpected exception on vCPU %u: %s, ESR_EL1 %#lx (EC %#x), FAR_EL1 %#lx, "
	       "ELR_EL1 %#lx, SPSR_EL1 %#lx\n",
	       cpu, vector_names[vec & 15], esr, ESR_EC(esr), far, regs->elr, regs->spsr);
	for (int i = 0; i < 31; i += 4)
		printf("  x%-2d %016lx %016lx %016lx %016lx\n", i, regs->x[i], regs->x[i + 1],
		       regs->x[i + 2], i + 3 < 31 ? regs->x[i + 3] : regs->sp);
	guest_exit(GUEST_EXIT_RUNTIME_ERROR);
}
