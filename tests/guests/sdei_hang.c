/*
 * A guest that hangs: it registers an SDEI handler for event 0, masks IRQs
 * and spins forever. Only the host can get it out (hypscope sdei signal,
 * tests/e2e/sdei_poke.sh): the handler prints the interrupted PC, checks it
 * is the spin loop and powers the VM off.
 */
#include "libguest.h"
#include "sdei.h"

void hang(void) __noreturn;
extern char hang_loop[], hang_loop_end[];
asm(".text\n"
    ".balign 4\n"
    ".global hang\n"
    "hang:\n"
    "	msr daifset, #2\n"
    ".global hang_loop\n"
    "hang_loop:\n"
    "	b hang_loop\n"
    ".global hang_loop_end\n"
    "hang_loop_end:\n");

static uint64_t h_poke(struct sdei_frame *f)
{
	uint64_t pc = f->x[2], pstate = f->x[3];

	printf("sdei_hang: event %lu on vCPU %u: interrupted PC 0x%lx, PSTATE 0x%lx\n", f->x[0],
	       smp_processor_id(), pc, pstate);
	report(f->x[0] == 0 && f->x[1] == 0x600d, "the handler got event 0 and its argument");
	report(pc >= (uint64_t)hang_loop && pc < (uint64_t)hang_loop_end,
	       "the interrupted PC is the hung loop (0x%lx)", pc);
	report(pstate & DAIF_I, "the hung context had IRQs masked");
	if (report_summary())
		guest_exit(1);
	psci_system_off();
}

int main(void)
{
	unsigned int cpu = smp_processor_id();

	if (!boot.hypscope) {
		report_skip("not under hypscope");
		return report_summary();
	}
	sdei_set_handler(cpu, h_poke);
	report(sdei_register(0, 0x600d, 0, 0) == 0 && sdei1(SDEI_EVENT_ENABLE, 0) == 0 &&
		       sdei1(SDEI_PE_UNMASK, 0) == 0,
	       "event 0 registered, enabled, vCPU unmasked");
	printf("sdei_hang: hanging with IRQs masked at 0x%lx\n", (uint64_t)hang_loop);
	hang();
}
