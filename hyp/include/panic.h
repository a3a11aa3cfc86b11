/* The hypervisor's stop for its own bugs: panic() and BUG_ON(). */
#ifndef HYP_PANIC_H
#define HYP_PANIC_H

#include "hyp/include/compiler.h"

/*
 * Only the hypervisor's own bugs reach panic(): nothing a guest does may.
 * It prints the message and the CPU state, marks the status block, and stops
 * the machine.
 */
__noreturn __printf(1, 2) void panic(const char *fmt, ...);

#define BUG_ON(c)                                                                                  \
	do {                                                                                       \
		if (unlikely(c))                                                                   \
			panic("BUG: %s at %s:%d", #c, __FILE__, __LINE__);                         \
	} while (0)

#endif
