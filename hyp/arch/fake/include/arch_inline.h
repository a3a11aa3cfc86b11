/*
 * The fake arch's arch_inline.h (hyp/include/arch.h includes the arch's own
 * from the include path): on the host the exit path's counter reads are
 * and timer reads are ordinary functions of hyp/arch/fake/fake.c, so tests
 * set what they return.
 */
#ifndef HYP_ARCH_INLINE_H
#define HYP_ARCH_INLINE_H

#include <stdbool.h>
#include <stdint.h>

struct percpu;
struct vcpu;

struct percpu *this_cpu(void); /* &percpu[fake.cpu] */

uint64_t arch_counter(void); /* CNTPCT_EL0 */
uint64_t arch_cycles(void);  /* PMCCNTR_EL0 */
/* CNTV_CTL_EL0 of v: the fake keeps it in v->el1[] (tests set ISTATUS there). */
uint64_t arch_vtimer_ctl(const struct vcpu *v);
void arch_vtimer_load(uint64_t cntvoff, bool ppi_active);
void arch_test_pad(uint64_t insns); /* counted in fake.test_pad_calls */

#endif
