/*
 * VM isolation across VMID reuse. Many instances of this guest are created
 * and destroyed in sequence, several at a time, with VMIDs narrowed to a few
 * bits so they roll over constantly. Each instance:
 *   - finds its test pages fresh: all zero (a new VM's memory is scrubbed);
 *   - fills them with a pattern derived from its unique serial;
 *   - re-reads them many times while exiting to the hypervisor and yielding.
 * A stale stage 2 TLB entry tagged with a recycled VMID would map another
 * VM's page here, and its pattern (other serial) shows up as a mismatch.
 */
#include "libguest.h"

#define TEST_OFFSET 0x100000u /* 1 MiB into RAM: above the image, inside the 2 MiB minimum */
#define TEST_PAGES  8u
#define PAGE_SIZE   4096u
#define ROUNDS	    200u

static uint64_t pattern(uint64_t serial, uint64_t index)
{
	return mix64(serial * 0x9e3779b97f4a7c15ull + index) | 1; /* never 0: "fresh" differs */
}

/*
 * The DTB sits above the image but its address is the loader's choice: move
 * the test pages past it if they would overlap.
 */
static uint64_t test_base(void)
{
	uint64_t base = boot.ram_base + TEST_OFFSET, size = TEST_PAGES * PAGE_SIZE;
	uint64_t dtb = (uintptr_t)boot.dtb, dtb_end = dtb + boot.dtb_size;

	if (boot.dtb && dtb < base + size && dtb_end > base)
		base = (dtb_end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	return base;
}

int main(void)
{
	uint64_t base = test_base(), words = TEST_PAGES * PAGE_SIZE / 8;
	volatile uint64_t *mem = (volatile uint64_t *)(uintptr_t)base;
	uint64_t nonzero = 0, bad = 0, first_bad = 0, first_val = 0;
	struct vm_info info;

	hypscope_vm_info(&info);
	report_info("serial %lu slot %lu, test pages at %#lx", info.serial, info.slot, base);
	report(base >= (uintptr_t)__image_end &&
		       (!boot.ram_size || base + TEST_PAGES * PAGE_SIZE <= boot.ram_base + boot.ram_size),
	       "test pages lie in RAM above the image");

	for (uint64_t i = 0; i < words; i++) {
		if (mem[i])
			nonzero++;
	}
	report(nonzero == 0, "fresh VM memory reads as zero (%lu non-zero words of %lu)", nonzero,
	       words);

	for (uint64_t i = 0; i < words; i++)
		mem[i] = pattern(info.serial, i);

	for (unsigned int round = 0; round < ROUNDS; round++) {
		/* Sample every word each round would be slow under TCG: stride through. */
		for (uint64_t i = round % 8; i < words; i += 8) {
			uint64_t v = mem[i];

			if (v != pattern(info.serial, i)) {
				if (!bad++) {
					first_bad = i;
					first_val = v;
				}
			}
		}
		hypscope_nop();
		wfe();
	}
	report(bad == 0, "pattern of serial %lu intact over %u rounds (%lu bad words)",
	       info.serial, ROUNDS, bad);
	if (bad)
		report_info("first bad word at %#lx: want %#lx, got %#lx", base + 8 * first_bad,
			    pattern(info.serial, first_bad), first_val);
	return report_summary();
}
