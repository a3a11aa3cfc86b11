/*
 * The guest PMUv3 (hyp/include/vpmu.h): trapped register accesses emulated
 * on struct vpmu, the hardware counting while the vCPU runs.
 */
#include "hyp/include/vpmu.h"

#include "formats/esr.h"
#include "formats/trace.h"
#include "hyp/include/arch.h"
#include "hyp/include/compiler.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

struct vpmu_info vpmu_info;

#define CNT32 0xffffffffull
#define PSR_EL_MASK 0xcull /* SPSR_EL2.M[3:2]: the exception level the access came from */

/* PMCNTENSET and friends: the cycle counter and the n event counters. */
static uint64_t counter_mask(void)
{
	return BIT(VPMU_CYCLE) | (BIT(vpmu_info.nr_counters) - 1);
}

static unsigned event_of(const struct vpmu *p, unsigned i)
{
	return (unsigned)(p->evtyper[i] & PMEVTYPER_EVT);
}

/* An odd counter counting CHAIN: the overflows of the even one below it. */
static bool chained(const struct vpmu *p, unsigned i)
{
	return (i & 1) && i < vpmu_info.nr_counters && event_of(p, i) == PMU_EVT_CHAIN;
}

static uint64_t chained_mask(const struct vpmu *p)
{
	uint64_t m = 0;

	for (unsigned i = 1; i < vpmu_info.nr_counters; i += 2)
		if (chained(p, i))
			m |= BIT(i);
	return m;
}

static bool counting(const struct vpmu *p, unsigned i)
{
	return (p->pmcr & PMCR_E) && (p->cnten & BIT(i));
}


static void count_overflows(struct vpmu *p, uint64_t ovf);

/* One event on event counter i (PMSWINC, a chained overflow): 32 bits wrap. */
static void bump(struct vpmu *p, unsigned i)
{
	p->evcntr[i] = (p->evcntr[i] + 1) & CNT32;
	if (!p->evcntr[i])
		count_overflows(p, BIT(i));
}

static void count_overflows(struct vpmu *p, uint64_t ovf)
{
	p->ovs |= ovf;
	for (unsigned i = 0; i + 1 < vpmu_info.nr_counters; i += 2)
		if ((ovf & BIT(i)) && chained(p, i + 1) && counting(p, i + 1))
			bump(p, i + 1);
}

static void hw_save(struct vpmu *p)
{
	uint64_t chain;

	if (!p->loaded)
		return;
	chain = chained_mask(p);
	/* Stopped first: nothing moves between the reads below. */
	arch_pmu_control(0, 0, 0, 0);
	for (unsigned i = 0; i < vpmu_info.nr_counters; i++)
		if (!(chain & BIT(i)))
			p->evcntr[i] = arch_pmu_read_counter(i) & CNT32;
	p->ccntr = arch_pmu_read_counter(VPMU_CYCLE);
	count_overflows(p, arch_pmu_take_overflow());
	p->loaded = false;
}

static void hw_load(struct vpmu *p)
{
	uint64_t chain = chained_mask(p), hw_en;

	for (unsigned i = 0; i < vpmu_info.nr_counters; i++) {
		arch_pmu_write_type(i, p->evtyper[i]);
		arch_pmu_write_counter(i, p->evcntr[i]);
	}
	arch_pmu_write_type(VPMU_CYCLE, p->ccfiltr);
	arch_pmu_write_counter(VPMU_CYCLE, p->ccntr);
	/* The odd counter of a chained pair is counted here; every counting
	 * counter interrupts, so that chained and guest-visible overflows are
	 * folded in as they happen (PMINTENSET as the guest sees it is p->inten). */
	hw_en = p->cnten & ~chain;
	arch_pmu_control(p->pmcr & PMCR_GUEST_RW, hw_en, hw_en, p->userenr);
	p->loaded = true;
}

/* The interrupt line follows the overflow state (level-sensitive, PPI 23). */
static void update_line(struct vcpu *v)
{
	struct vpmu *p = &v->pmu;
	bool level = (p->pmcr & PMCR_E) && (p->ovs & p->inten & counter_mask());

	if (level == p->level)
		return;
	p->level = level;
	vgic_inject(&v->vm->vgic, v->id, VGIC_INTID_PMU, level);
	if (level)
		trace_irq_inject(v, VGIC_INTID_PMU, TRACE_IRQ_SRC_PMU, TRACE_NO_VCPU);
}

void vpmu_load(struct vcpu *v)
{
	if (vpmu_live(&v->pmu))
		hw_load(&v->pmu);
}

/* Out of line, so that a put with nothing loaded (most) needs no stack frame. */
static __attribute__((noinline)) void put_loaded(struct vcpu *v)
{
	hw_save(&v->pmu);
	update_line(v);
}

void vpmu_put(struct vcpu *v)
{
	if (v->pmu.loaded)
		put_loaded(v);
}

void vpmu_overflow(struct vcpu *v)
{
	if (!v->pmu.loaded)
		return;
	hw_save(&v->pmu);
	hw_load(&v->pmu);
	update_line(v);
}

/* ------------------------------------------------------------ registers */

#define PMU_KEY(op1, crm, op2) SYSREG_KEY(3, op1, 9, crm, op2)

#define PMCR_EL0       PMU_KEY(3, 12, 0)
#define PMCNTENSET_EL0 PMU_KEY(3, 12, 1)
#define PMCNTENCLR_EL0 PMU_KEY(3, 12, 2)
#define PMOVSCLR_EL0   PMU_KEY(3, 12, 3)
#define PMSWINC_EL0    PMU_KEY(3, 12, 4)
#define PMSELR_EL0     PMU_KEY(3, 12, 5)
#define PMCEID0_EL0    PMU_KEY(3, 12, 6)
#define PMCEID1_EL0    PMU_KEY(3, 12, 7)
#define PMCCNTR_EL0    PMU_KEY(3, 13, 0)
#define PMXEVTYPER_EL0 PMU_KEY(3, 13, 1)
#define PMXEVCNTR_EL0  PMU_KEY(3, 13, 2)
#define PMUSERENR_EL0  PMU_KEY(3, 14, 0)
#define PMOVSSET_EL0   PMU_KEY(3, 14, 3)
#define PMINTENSET_EL1 PMU_KEY(0, 14, 1)
#define PMINTENCLR_EL1 PMU_KEY(0, 14, 2)

/* PMEVCNTR<n>_EL0: op0 3, op1 3, CRn 14, CRm 0b10:n[4:3], op2 n[2:0];
 * PMEVTYPER<n>_EL0 the same with CRm 0b11:n[4:3]; n = 31 is PMCCFILTR_EL0. */
static bool is_evreg(const struct esr_sysreg *s)
{
	return s->op0 == 3 && s->op1 == 3 && s->crn == 14 && s->crm >= 8;
}

bool vpmu_is_reg(const struct esr_sysreg *s)
{
	if (is_evreg(s))
		return true;
	return s->op0 == 3 && s->crn == 9 &&
	       ((s->op1 == 3 && s->crm >= 12 && s->crm <= 14) || (s->op1 == 0 && s->crm == 14));
}

/* An event counter or type register, by index; 31 is the cycle counter's. */
static bool access_counter(struct vpmu *p, unsigned idx, bool type, bool is_read, uint64_t *val)
{
	if (idx == VPMU_CYCLE) {
		uint64_t *r = type ? &p->ccfiltr : &p->ccntr;

		if (is_read)
			*val = *r;
		else
			*r = type ? *val & PMEVTYPER_FILTERS : *val;
		return true;
	}
	if (idx >= vpmu_info.nr_counters)
		return false; /* CONSTRAINED UNPREDICTABLE: UNDEFINED here */
	if (type) {
		if (is_read)
			*val = p->evtyper[idx];
		else
			p->evtyper[idx] = *val & (PMEVTYPER_FILTERS | PMEVTYPER_EVT);
	} else {
		if (is_read)
			*val = p->evcntr[idx];
		else
			p->evcntr[idx] = *val & CNT32;
	}
	return true;
}

static void write_pmcr(struct vpmu *p, uint64_t val)
{
	p->pmcr = val & PMCR_GUEST_RW;
	if (val & PMCR_C)
		p->ccntr = 0;
	if (val & PMCR_P)
		for (unsigned i = 0; i < vpmu_info.nr_counters; i++)
			p->evcntr[i] = 0;
}

/* PMSWINC_EL0: SW_INCR counters that count take one step (Arm ARM D7.x). */
static void write_swinc(struct vpmu *p, uint64_t val)
{
	for (unsigned i = 0; i < vpmu_info.nr_counters; i++)
		if ((val & BIT(i)) && counting(p, i) && event_of(p, i) == PMU_EVT_SW_INCR &&
		    !chained(p, i))
			bump(p, i);
}

static bool access_reg(struct vpmu *p, const struct esr_sysreg *s, uint64_t *val)
{
	uint64_t mask = counter_mask(), w = *val;

	if (is_evreg(s))
		return access_counter(p, (s->crm & 3u) << 3 | s->op2, s->crm >= 12, s->is_read,
				      val);
	if (s->is_read) {
		switch (s->key) {
		case PMCR_EL0:
			*val = p->pmcr | vpmu_info.pmcr_id |
			       (uint64_t)vpmu_info.nr_counters << PMCR_N_SHIFT;
			return true;
		case PMCNTENSET_EL0: case PMCNTENCLR_EL0: *val = p->cnten; return true;
		case PMINTENSET_EL1: case PMINTENCLR_EL1: *val = p->inten; return true;
		case PMOVSSET_EL0: case PMOVSCLR_EL0: *val = p->ovs; return true;
		case PMSELR_EL0: *val = p->selr; return true;
		case PMUSERENR_EL0: *val = p->userenr; return true;
		case PMCEID0_EL0: *val = vpmu_info.ceid0; return true;
		case PMCEID1_EL0: *val = 0; return true;
		case PMCCNTR_EL0: *val = p->ccntr; return true;
		case PMXEVTYPER_EL0: return access_counter(p, (unsigned)p->selr, true, true, val);
		case PMXEVCNTR_EL0:
			return p->selr != VPMU_CYCLE &&
			       access_counter(p, (unsigned)p->selr, false, true, val);
		default: return false; /* PMSWINC is write-only */
		}
	}
	switch (s->key) {
	case PMCR_EL0: write_pmcr(p, w); return true;
	case PMCNTENSET_EL0: p->cnten |= w & mask; return true;
	case PMCNTENCLR_EL0: p->cnten &= ~w; return true;
	case PMINTENSET_EL1: p->inten |= w & mask; return true;
	case PMINTENCLR_EL1: p->inten &= ~w; return true;
	case PMOVSSET_EL0: p->ovs |= w & mask; return true;
	case PMOVSCLR_EL0: p->ovs &= ~w; return true;
	case PMSWINC_EL0: write_swinc(p, w); return true;
	case PMSELR_EL0: p->selr = w & 0x1f; return true;
	case PMUSERENR_EL0: p->userenr = w & PMUSERENR_MASK; return true;
	case PMCCNTR_EL0: p->ccntr = w; return true;
	case PMXEVTYPER_EL0: return access_counter(p, (unsigned)p->selr, true, false, val);
	case PMXEVCNTR_EL0:
		return p->selr != VPMU_CYCLE &&
		       access_counter(p, (unsigned)p->selr, false, false, val);
	default: return false; /* PMCEID0/1 are read-only */
	}
}

bool vpmu_access(struct vcpu *v, const struct esr_sysreg *s, uint64_t *val)
{
	struct vpmu *p = &v->pmu;
	bool ok;

	if (!vpmu_info.nr_counters)
		return false; /* no PMU shown: its registers are UNDEFINED */
	/* EL0 got here past PMUSERENR_EL0 (the hardware holds the guest's and
	 * traps what it denies to EL1); the EL1-only registers stay UNDEFINED. */
	if (!(v->regs.pstate & PSR_EL_MASK) &&
	    (s->op1 == 0 || (s->key == PMUSERENR_EL0 && !s->is_read)))
		return false;
	/* The hardware's counts into the copy, the access on the copy, then
	 * back into the hardware if anything still counts. */
	hw_save(p);
	ok = access_reg(p, s, val);
	if (vpmu_live(p)) {
		hw_load(p);
		v->switch_extra = true; /* the put saves it, the next load loads it */
	}
	update_line(v);
	return ok;
}
