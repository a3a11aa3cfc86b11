/*
 * SDEI (Arm DEN0054) for the test guests: the calls, and a handler entry
 * (sdei_entry.S) that keeps what the specification leaves to the client.
 *
 * sdei_entry is the entry point to register. It saves x0..x30 and SP in a
 * struct sdei_frame on the interrupted stack, calls the C function of the
 * calling vCPU (sdei_set_handler), restores x18..x30 and SP (COMPLETE
 * restores x0..x17) and completes: COMPLETE when the function returns 0,
 * COMPLETE_AND_RESUME at the address it returns otherwise.
 */
#ifndef GUEST_SDEI_H
#define GUEST_SDEI_H

#include <stdint.h>

#include "formats/smccc.h"

struct sdei_frame {
	uint64_t x[31];
	uint64_t sp;   /* SP at entry */
};

/* The handler's C part: returns 0 (COMPLETE) or the address to resume at. */
typedef uint64_t (*sdei_handler_t)(struct sdei_frame *f);

void sdei_set_handler(unsigned int cpu, sdei_handler_t fn);
void sdei_entry(void);

/* HVC with x1..x5; x0 back. */
int64_t sdei_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

static inline int64_t sdei_register(uint64_t event, uint64_t arg, uint64_t flags, uint64_t aff)
{
	return sdei_call(SDEI_EVENT_REGISTER, event, (uint64_t)sdei_entry, arg, flags, aff);
}

static inline int64_t sdei1(uint32_t fn, uint64_t a1)
{
	return sdei_call(fn, a1, 0, 0, 0, 0);
}

#endif
