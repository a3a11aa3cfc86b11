/*
 * Accesses to guest-physical addresses with nothing behind them: neither
 * RAM nor an emulated device. The hypervisor injects a synchronous external
 * abort: ESR_EL1.EC = 0x25 (data abort, same EL), DFSC = 0b010000, FAR_EL1 =
 * the address (Arm ARM, ESR_EL1, "ISS encoding for an exception from a Data
 * Abort"). The guest skips the access and carries on.
 */
#include "libguest.h"

#define HOLE_IPA 0x0a100000ull /* between the virtio-mmio slots and the platform bus */

static void check_abort(uint64_t addr, bool write, const char *what)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
	struct exception_info ex;
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;
	bool taken;

	expect_exception();
	if (write)
		*p = v;
	else
		v = *p;
	taken = exception_taken(&ex);

	report(taken, "%s %s %#lx: exception taken", write ? "store to" : "load from", what, addr);
	if (!taken)
		return;
	report(ESR_EC(ex.esr) == ESR_EC_DABT_CUR, "%s %#lx: ESR_EL1.EC is 0x25, data abort (%#x)",
	       what, addr, ESR_EC(ex.esr));
	report(ESR_DABT_DFSC(ex.esr) == DFSC_SYNC_EXT_ABORT,
	       "%s %#lx: DFSC is 0x10, synchronous external abort (%#x)", what, addr,
	       ESR_DABT_DFSC(ex.esr));
	report(!(ex.esr & ESR_DABT_FNV) && ex.far == addr, "%s %#lx: FAR_EL1 holds the address (%#lx)",
	       what, addr, ex.far);
	report(!!(ex.esr & ESR_DABT_WNR) == write, "%s %#lx: ESR_EL1.WnR says %s", what, addr,
	       write ? "write" : "read");
	(void)v;
}

int main(void)
{
	uint64_t above_ram;
	uint32_t after = 0;

	check_abort(HOLE_IPA, false, "unmapped hole");
	check_abort(HOLE_IPA, true, "unmapped hole");
	check_abort(HOLE_IPA + 0x1238, false, "unmapped hole");

	/*
	 * Just past the end of RAM, as the DTB gives it. Without a DTB (plain
	 * board) 1 GiB above the RAM base stands in: the virt board's RAM is
	 * smaller in the configurations these guests run in.
	 */
	if (boot.ram_size)
		above_ram = boot.ram_base + boot.ram_size;
	else
		above_ram = boot.ram_base + (1ull << 30);
	check_abort(above_ram, false, "above RAM");
	check_abort(above_ram + 0x10000, true, "above RAM");

	/* The guest is still healthy: its own memory and console work. */
	store_release32(&after, 0xc0ffee);
	report(load_acquire32(&after) == 0xc0ffee, "guest continues after the aborts");
	return report_summary();
}
