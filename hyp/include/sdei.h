/*
 * SDEI for guests (Arm DEN0054 v1.1): events the hypervisor delivers to a
 * vCPU's registered handler as a non-maskable entry, through HVC.
 *
 * Events: event 0 (private, normal priority, the only one EVENT_SIGNAL
 * raises) and bindable slots, private (PPIs) and shared (SPIs), whose
 * numbers INTERRUPT_BIND hands out. A bound interrupt leaves the list
 * registers and is dispatched as its event instead. See docs/sdei.md.
 *
 * Pure logic on struct vcpu/struct vm: runs at EL2 and in the host unit
 * tests. One lock per VM (struct sdei_vm.lock) covers every event of it;
 * it nests inside vm->lock and outside the vGIC's lock.
 */
#ifndef HYP_SDEI_H
#define HYP_SDEI_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/smccc.h"
#include "hyp/include/spinlock.h"

struct vcpu;
struct vm;

/* Function IDs, error codes, STATUS bits, GET_INFO types, routing modes:
 * formats/smccc.h. */
#define SDEI_FN_FIRST              SDEI_VERSION
#define SDEI_FN_LAST               SDEI_SHARED_RESET

/* VERSION: major 1, minor 1, vendor 0. */
#define SDEI_VERSION_VALUE ((1ull << 48) | (1ull << 32))

#define SDEI_PRIO_NORMAL   0u
#define SDEI_PRIO_CRITICAL 1u

/*
 * Bindable slots. Private slot i is event SDEI_EV_PRIV_BASE + i, shared slot
 * i is SDEI_EV_SHARED_BASE + i. An interrupt whose GIC priority (GICD_/
 * GICR_IPRIORITYR) is below 0x80 at bind time gets a critical event, any
 * other a normal one.
 */
#define SDEI_NR_PRIV_SLOTS   4u
#define SDEI_NR_SHARED_SLOTS 4u
#define SDEI_EV_PRIV_BASE    1000u
#define SDEI_EV_SHARED_BASE  2000u
#define SDEI_NR_PRIV_EVENTS  (1u + SDEI_NR_PRIV_SLOTS) /* index 0 is event 0 */
#define SDEI_CRITICAL_BELOW  0x80u

/* Why a handler was entered (trace). */
enum sdei_cause {
	SDEI_CAUSE_SIGNAL = 0,    /* EVENT_SIGNAL from a vCPU */
	SDEI_CAUSE_INTERRUPT = 1, /* its bound interrupt */
	SDEI_CAUSE_HOST = 2,      /* hypscope sdei signal */
};

struct sdei_handler {
	uint64_t ep, arg;
	uint8_t state;   /* SDEI_ST_* */
};

/* What the dispatcher keeps of the interrupted context, per priority. */
struct sdei_ctx {
	uint64_t x[18];
	uint64_t pc, pstate;
	uint32_t event;
	uint8_t cause;
	bool active;
	uint64_t t_start;  /* counter at dispatch */
};

struct sdei_vcpu {
	bool masked;
	uint32_t pending;       /* private events signalled, bit = private index */
	uint32_t pending_cause; /* bit set: the signal came from the host */
	struct sdei_handler priv[SDEI_NR_PRIV_EVENTS];
	struct sdei_ctx ctx[2]; /* by priority: the running handlers */
};

struct sdei_binding {
	uint16_t intid;   /* 0 = slot free */
	uint8_t prio;     /* SDEI_PRIO_* */
};

struct sdei_shared {
	struct sdei_handler h;
	uint8_t mode;        /* SDEI_RM_* */
	uint8_t target;      /* RM_PE: the vCPU */
	uint8_t running_on;  /* the vCPU running its handler, or SDEI_NO_VCPU */
	bool pending;        /* signalled by the host */
};

#define SDEI_NO_VCPU 0xffu

struct sdei_vm {
	spinlock_t lock;
	bool off;               /* the VM key sdei=off: every call NOT_SUPPORTED */
	uint32_t nr_registered; /* handlers registered, any vCPU (fast path at entry) */
	struct sdei_binding priv_bind[SDEI_NR_PRIV_SLOTS];
	struct sdei_binding shared_bind[SDEI_NR_SHARED_SLOTS];
	struct sdei_shared shared[SDEI_NR_SHARED_SLOTS];
};

/* VM creation; off hides SDEI from the guest. */
void sdei_vm_init(struct vm *vm, bool off);
/* Creation and PSCI CPU_ON / CPU_OFF: masked, no private registrations,
 * nothing running (a shared handler it ran is completed). */
void sdei_vcpu_reset(struct vcpu *v);

/* SDEI_FN_FIRST..SDEI_FN_LAST by HVC: writes x0 (and the registers a
 * COMPLETE restores). Always handled. */
void sdei_call(struct vcpu *v, uint32_t fid);

/* Before entering the guest, on the vCPU's own CPU: enters the handler of
 * the highest-priority deliverable event, if any. true if one was entered. */
bool sdei_dispatch(struct vcpu *v);
/* An event could be dispatched to it (WFI wake-up). */
bool sdei_has_pending(struct vcpu *v);

/*
 * The host signals a registered event into a vCPU (private events) or the
 * VM (shared events; vcpu is then only a preference, ignored). 0, or an
 * SDEI error code.
 */
int sdei_host_signal(struct vm *vm, unsigned vcpu, uint32_t event);

/* Inspection for tests and the trace. */
unsigned sdei_status(struct vcpu *v, uint32_t event); /* SDEI_ST_* or 0 */

#endif
