/*
 * A vCPU's two EL1 timers (Arm ARM D11, "The Generic Timer") and the
 * interrupt lines they drive, all in hyp/core/timer.c:
 *
 *  - the virtual timer runs in the hardware while its vCPU is loaded
 *    (CNTV_CTL/CVAL are EL1 registers, CNTVOFF_EL2 the VM's offset); its
 *    physical PPI 27 is forwarded to the guest's PPI 27 with HW = 1;
 *  - the EL1 physical timer is trapped (CNTHCTL_EL2.EL1PCEN = 0) and
 *    emulated on the physical counter; it drives PPI 30.
 *
 * Both interrupts are level-sensitive and follow the timer's output
 * (ISTATUS && ENABLE && !IMASK): the vGIC line goes up when the condition
 * is met and down when the guest disables the timer, masks it or moves the
 * compare value into the future, so the interrupt stops being pending. The
 * lines are resampled after every exit, before its handler runs, and when
 * the vCPU is loaded; the emulated timer's also at each trapped access.
 */
#ifndef HYP_TIMER_H
#define HYP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define CNT_CTL_ENABLE  (1ull << 0)
#define CNT_CTL_IMASK   (1ull << 1)
#define CNT_CTL_ISTATUS (1ull << 2)

/* The EL1 physical timer, emulated: what the guest wrote. */
struct vptimer {
	uint64_t ctl;  /* ENABLE and IMASK; ISTATUS is computed from the counter */
	uint64_t cval;
};

struct vgic_irq;

struct vcpu_timers {
	struct vptimer phys;
	struct vgic_irq *virq; /* its virtual PPI 27 in the vGIC (timer_vcpu_init) */
	bool vlevel;     /* PPI 27 as last given to the vGIC */
	bool plevel;     /* PPI 30 as last given to the vGIC */
	bool ppi_active; /* the physical PPI 27's active state as last set (loaded only) */
};

/* A vCPU (re)starts: both timers off, both lines low. */
void timer_vcpu_reset(struct vcpu *v);
/* Once per vCPU at VM creation: PPI 27 forwarded to the hardware's. */
bool timer_vcpu_init(struct vcpu *v);

/* Before arch_vcpu_load(): the VM's counter offset, and the physical PPI 27
 * active while the guest owns a pending or active timer interrupt. After it:
 * the lines resampled from the restored timers. */
void timer_vcpu_load(struct vcpu *v);
void timer_vcpu_loaded(struct vcpu *v);

/*
 * After every exit (once the list registers are folded) and before its
 * handler: both lines follow their timers' outputs at counter value now.
 */
void timer_sync(struct vcpu *v, uint64_t now);

/* When the emulated physical timer's line will rise, as a counter value
 * (0: never, or it is already up): the hypervisor's own timer event for it. */
uint64_t timer_ptimer_due(const struct vcpu *v);

/* The earlier of two counter deadlines, where 0 means none. */
static inline uint64_t deadline_earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* WFI: the earliest counter value at which either timer's interrupt is
 * asserted (0 = neither is armed). */
uint64_t timer_wake_deadline(const struct vcpu *v);

/*
 * WFI found the virtual timer due (CVAL + CNTVOFF reached) with its line
 * still low: the CPU has not updated the timer's ISTATUS yet (QEMU's TCG
 * does so from a host timer that can run milliseconds late under load).
 * Makes the CPU evaluate the condition now and resamples the line, so that
 * the WFI completes with the interrupt pending instead of returning to a
 * guest that would only trap on the same WFI again.
 */
void timer_vtimer_catch_up(struct vcpu *v, uint64_t now);

/*
 * A trapped CNTP_CTL/CVAL/TVAL_EL0 access (key as SYSREG_KEY): -1 when key is
 * not a timer register, else 1 (done, *val read or written).
 */
int timer_sysreg_access(struct vcpu *v, uint32_t key, bool is_read, uint64_t *val);

#endif
