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

#define SDEI_FN(n)                 (0xc4000020u + (n))
#define SDEI_VERSION               SDEI_FN(0x0)
#define SDEI_EVENT_REGISTER        SDEI_FN(0x1)
#define SDEI_EVENT_ENABLE          SDEI_FN(0x2)
#define SDEI_EVENT_DISABLE         SDEI_FN(0x3)
#define SDEI_EVENT_CONTEXT         SDEI_FN(0x4)
#define SDEI_EVENT_COMPLETE        SDEI_FN(0x5)
#define SDEI_EVENT_COMPLETE_AND_RESUME SDEI_FN(0x6)
#define SDEI_EVENT_UNREGISTER      SDEI_FN(0x7)
#define SDEI_EVENT_STATUS          SDEI_FN(0x8)
#define SDEI_EVENT_GET_INFO        SDEI_FN(0x9)
#define SDEI_EVENT_ROUTING_SET     SDEI_FN(0xa)
#define SDEI_PE_MASK               SDEI_FN(0xb)
#define SDEI_PE_UNMASK             SDEI_FN(0xc)
#define SDEI_INTERRUPT_BIND        SDEI_FN(0xd)
#define SDEI_INTERRUPT_RELEASE     SDEI_FN(0xe)
#define SDEI_EVENT_SIGNAL          SDEI_FN(0xf)
#define SDEI_FEATURES              SDEI_FN(0x10)
#define SDEI_PRIVATE_RESET         SDEI_FN(0x11)
#define SDEI_SHARED_RESET          SDEI_FN(0x12)

#define SDEI_NOT_SUPPORTED      (-1)
#define SDEI_INVALID_PARAMETERS (-2)
#define SDEI_DENIED             (-3)
#define SDEI_PENDING            (-5)
#define SDEI_OUT_OF_RESOURCE    (-10)

#define SDEI_ST_REGISTERED 1
#define SDEI_ST_ENABLED    2
#define SDEI_ST_RUNNING    4

#define SDEI_INFO_TYPE         0
#define SDEI_INFO_SIGNALED     1
#define SDEI_INFO_PRIORITY     2
#define SDEI_INFO_ROUTING_MODE 3
#define SDEI_INFO_ROUTING_AFF  4

#define SDEI_RM_ANY 0
#define SDEI_RM_PE  1

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
