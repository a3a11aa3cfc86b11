/*
 * Context switch soak: every vCPU fills V0-V31, FPCR, FPSR and the EL1
 * system registers a guest owns with values derived from its VM serial and
 * vCPU id, then re-reads them for a few seconds while exiting to the
 * hypervisor (NOP hypercall) and yielding (WFE). Two such VMs pinned to one
 * physical CPU are switched many times; any register the hypervisor fails to
 * save or restore shows up as a mismatch, often holding the other VM's value.
 *
 * The V registers are only touched from the inline assembly below: the rest
 * of the guest is built -mgeneral-regs-only, so C code never disturbs them.
 */
#include "libguest.h"

#define SOAK_SECONDS	    3
#define MAX_MISMATCH_REPORTS 6
#define GAP_US		    1000 /* a longer gap between two checks: the vCPU was descheduled */

/* ------------------------------------------------------------ V0-V31 */

#define V_LOAD(n)                                                                                  \
	"ldp	x9, x10, [%0, #" #n " * 16]\n"                                                     \
	"fmov	d" #n ", x9\n"                                                                     \
	"mov	v" #n ".d[1], x10\n"
#define V_STORE(n)                                                                                 \
	"fmov	x9, d" #n "\n"                                                                     \
	"mov	x10, v" #n ".d[1]\n"                                                               \
	"stp	x9, x10, [%0, #" #n " * 16]\n"
#define V_ALL(op)                                                                                  \
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) op(11) op(12) op(13)    \
		op(14) op(15) op(16) op(17) op(18) op(19) op(20) op(21) op(22) op(23) op(24)       \
			op(25) op(26) op(27) op(28) op(29) op(30) op(31)

struct vregs {
	uint64_t v[32][2];
};

static void vregs_write(const struct vregs *r)
{
	asm volatile(V_ALL(V_LOAD)::"r"(r->v) : "x9", "x10", "memory");
}

static void vregs_read(struct vregs *r)
{
	asm volatile(V_ALL(V_STORE)::"r"(r->v) : "x9", "x10", "memory");
}

static uint64_t fpcr_read(void)
{
	uint64_t v;

	asm volatile("mrs %0, fpcr" : "=r"(v));
	return v;
}

static void fpcr_write(uint64_t v)
{
	asm volatile("msr fpcr, %0" ::"r"(v));
}

static uint64_t fpsr_read(void)
{
	uint64_t v;

	asm volatile("mrs %0, fpsr" : "=r"(v));
	return v;
}

static void fpsr_write(uint64_t v)
{
	asm volatile("msr fpsr, %0" ::"r"(v));
}

/* ------------------------------------------------------------ EL1 registers */

/* One accessor pair per register: mrs/msr need the name in the instruction. */
#define SR_ACCESSORS(name)                                                                         \
	static uint64_t rd_##name(void)                                                            \
	{                                                                                          \
		return read_sysreg(name);                                                          \
	}                                                                                          \
	static void wr_##name(uint64_t v)                                                          \
	{                                                                                          \
		write_sysreg(v, name);                                                             \
	}

SR_ACCESSORS(tpidr_el0)
SR_ACCESSORS(tpidrro_el0)
SR_ACCESSORS(tpidr_el1)
SR_ACCESSORS(contextidr_el1)
SR_ACCESSORS(mair_el1)
SR_ACCESSORS(amair_el1)
SR_ACCESSORS(tcr_el1)
SR_ACCESSORS(ttbr0_el1)
SR_ACCESSORS(ttbr1_el1)
SR_ACCESSORS(vbar_el1)
SR_ACCESSORS(cntkctl_el1)
SR_ACCESSORS(sp_el0)
SR_ACCESSORS(elr_el1)
SR_ACCESSORS(spsr_el1)
SR_ACCESSORS(par_el1)
SR_ACCESSORS(afsr0_el1)
SR_ACCESSORS(afsr1_el1)
SR_ACCESSORS(far_el1)
SR_ACCESSORS(esr_el1)
SR_ACCESSORS(csselr_el1)
SR_ACCESSORS(cpacr_el1)
SR_ACCESSORS(SYS_APIAKEYLO_EL1)
SR_ACCESSORS(SYS_APIAKEYHI_EL1)
SR_ACCESSORS(SYS_APIBKEYLO_EL1)
SR_ACCESSORS(SYS_APIBKEYHI_EL1)
SR_ACCESSORS(SYS_APDAKEYLO_EL1)
SR_ACCESSORS(SYS_APDAKEYHI_EL1)
SR_ACCESSORS(SYS_APDBKEYLO_EL1)
SR_ACCESSORS(SYS_APDBKEYHI_EL1)
SR_ACCESSORS(SYS_APGAKEYLO_EL1)
SR_ACCESSORS(SYS_APGAKEYHI_EL1)

static uint64_t vbar_choice(uint64_t p)
{
	/* Either copy of the vector table: VBAR_EL1 varies, exceptions keep working. */
	return (uintptr_t)(p & 1 ? exception_vectors_alt : exception_vectors);
}

static uint64_t csselr_choice(uint64_t p)
{
	/* L1 data, L1 instruction or L2 unified: levels every virt CPU model has. */
	return p % 3;
}

static uint64_t cpacr_choice(uint64_t p)
{
	/* FP/SIMD must stay enabled; TTA (bit 28) only traps trace registers. */
	return CPACR_FPEN_ALL | (p & 1 ? 1ull << 28 : 0);
}

enum { SR_PLAIN, SR_PAUTH };

struct sysreg_desc {
	const char *name;
	uint64_t (*rd)(void);
	void (*wr)(uint64_t);
	uint64_t mask;			/* bits of the pattern written */
	uint64_t (*choose)(uint64_t);	/* or: a value chosen from the pattern */
	bool exact;			/* must read back exactly as written */
	int kind;
};

#define SR(n, m, e)                                                                                \
	{ #n, rd_##n, wr_##n, m, NULL, e, SR_PLAIN }
#define SR_CHOOSE(n, f)                                                                            \
	{ #n, rd_##n, wr_##n, 0, f, true, SR_PLAIN }
#define SR_KEY(n, label)                                                                           \
	{ label, rd_##n, wr_##n, ~0ull, NULL, true, SR_PAUTH }

/*
 * Registers that can hold reserved or RES0 bits are compared with what they
 * read back right after the write ("exact" false): that value, not the
 * pattern, is what a context switch must preserve. AMAIR_EL1 and AFSRn_EL1
 * are IMPLEMENTATION DEFINED and may be RAZ/WI.
 */
static const struct sysreg_desc sysregs[] = {
	SR(tpidr_el0, ~0ull, true),
	SR(tpidrro_el0, ~0ull, true),
	SR(tpidr_el1, ~0ull, true),
	SR(contextidr_el1, 0xffffffffull, true),
	SR(mair_el1, ~0ull, false),
	SR(amair_el1, ~0ull, false),
	SR(tcr_el1, 0x0000007fffffffbfull, false),
	SR(ttbr0_el1, 0xfffffffffffffffeull, false),
	SR(ttbr1_el1, 0xfffffffffffffffeull, false),
	SR_CHOOSE(vbar_el1, vbar_choice),
	SR(cntkctl_el1, 0x3ffull, false),
	SR(sp_el0, ~0ull, true),
	SR(elr_el1, ~0ull, true),
	SR(spsr_el1, 0xf0f003dfull, false),
	SR(par_el1, ~0ull, false),
	SR(afsr0_el1, ~0ull, false),
	SR(afsr1_el1, ~0ull, false),
	SR(far_el1, ~0ull, true),
	SR(esr_el1, 0xffffffffull, false),
	SR_CHOOSE(csselr_el1, csselr_choice),
	SR_CHOOSE(cpacr_el1, cpacr_choice),
	SR_KEY(SYS_APIAKEYLO_EL1, "APIAKeyLo_EL1"),
	SR_KEY(SYS_APIAKEYHI_EL1, "APIAKeyHi_EL1"),
	SR_KEY(SYS_APIBKEYLO_EL1, "APIBKeyLo_EL1"),
	SR_KEY(SYS_APIBKEYHI_EL1, "APIBKeyHi_EL1"),
	SR_KEY(SYS_APDAKEYLO_EL1, "APDAKeyLo_EL1"),
	SR_KEY(SYS_APDAKEYHI_EL1, "APDAKeyHi_EL1"),
	SR_KEY(SYS_APDBKEYLO_EL1, "APDBKeyLo_EL1"),
	SR_KEY(SYS_APDBKEYHI_EL1, "APDBKeyHi_EL1"),
	SR_KEY(SYS_APGAKEYLO_EL1, "APGAKeyLo_EL1"),
	SR_KEY(SYS_APGAKEYHI_EL1, "APGAKeyHi_EL1"),
};

#define NR_SYSREGS ARRAY_SIZE(sysregs)

/* ------------------------------------------------------------ PAuth */

static bool has_pauth, has_generic_auth;

static void detect_pauth(void)
{
	uint64_t isar1 = read_sysreg(id_aa64isar1_el1);
	uint64_t isar2 = read_sysreg_s(SYS_ID_AA64ISAR2_EL1);

	/*
	 * ID_AA64ISAR1_EL1: APA [7:4], API [11:8], GPA [27:24], GPI [31:28];
	 * ID_AA64ISAR2_EL1: GPA3 [11:8], APA3 [15:12].
	 */
	has_pauth = ID_FIELD(isar1, 4) || ID_FIELD(isar1, 8) || ID_FIELD(isar2, 12) ||
		    ID_FIELD(isar1, 24) || ID_FIELD(isar1, 28) || ID_FIELD(isar2, 8);
	has_generic_auth = ID_FIELD(isar1, 24) || ID_FIELD(isar1, 28) || ID_FIELD(isar2, 8);
}

/* PACGA x0, x1, x2: a MAC of x1 with modifier x2 under the APGA key. */
static uint64_t pacga(uint64_t value, uint64_t modifier)
{
	register uint64_t x0 asm("x0");
	register uint64_t x1 asm("x1") = value;
	register uint64_t x2 asm("x2") = modifier;

	/* Encoded by hand: the runtime's -march predates Armv8.3 PAuth. */
	asm volatile(".inst 0x9ac23020" : "=r"(x0) : "r"(x1), "r"(x2));
	return x0;
}

/* ------------------------------------------------------------ the soak */

struct vcpu_soak {
	struct vregs want_v;
	uint64_t want_fpcr, want_fpsr;
	uint64_t want_sr[NR_SYSREGS];
	uint64_t want_pac;
	uint64_t checks, mismatches, gaps;
	uint32_t reported;
	uint32_t done;
	struct vregs got_v; /* scratch for each check */
};

static struct vcpu_soak soak[GUEST_MAX_VCPUS];
static uint64_t serial;

static void mismatch(struct vcpu_soak *s, const char *what, uint64_t want, uint64_t got)
{
	s->mismatches++;
	if (s->reported++ < MAX_MISMATCH_REPORTS)
		report(false, "vCPU %u: %s changed after %lu checks: want %#lx, got %#lx",
		       smp_processor_id(), what, s->checks, want, got);
}

static void setup(struct vcpu_soak *s, uint64_t seed)
{
	uint64_t p;

	for (unsigned int i = 0; i < 32; i++) {
		s->want_v.v[i][0] = mix64(seed + 2 * i);
		s->want_v.v[i][1] = mix64(seed + 2 * i + 1);
	}
	vregs_write(&s->want_v);

	/* FPCR AHP, DN, FZ, RMode; FPSR QC, IDC and the cumulative flags. */
	p = mix64(seed ^ 0xf0);
	fpcr_write(p & 0x07c00000ull);
	fpsr_write(p & 0x0800009full);
	s->want_fpcr = fpcr_read();
	s->want_fpsr = fpsr_read();

	for (unsigned int i = 0; i < NR_SYSREGS; i++) {
		const struct sysreg_desc *d = &sysregs[i];
		uint64_t v;

		if (d->kind == SR_PAUTH && !has_pauth)
			continue;
		p = mix64(seed ^ (0x100 + i));
		v = d->choose ? d->choose(p) : p & d->mask;
		d->wr(v);
		isb();
		s->want_sr[i] = d->rd();
		if (d->exact && s->want_sr[i] != v)
			report(false, "vCPU %u: %s reads back %#lx after writing %#lx",
			       smp_processor_id(), d->name, s->want_sr[i], v);
	}
	if (has_generic_auth)
		s->want_pac = pacga(seed, 0x1234);
}

static void check(struct vcpu_soak *s)
{
	uint64_t v;

	vregs_read(&s->got_v);
	for (unsigned int i = 0; i < 32; i++) {
		for (unsigned int h = 0; h < 2; h++) {
			if (s->got_v.v[i][h] != s->want_v.v[i][h]) {
				char what[24];

				snprintf(what, sizeof(what), "V%u.D[%u]", i, h);
				mismatch(s, what, s->want_v.v[i][h], s->got_v.v[i][h]);
			}
		}
	}
	v = fpcr_read();
	if (v != s->want_fpcr)
		mismatch(s, "FPCR", s->want_fpcr, v);
	v = fpsr_read();
	if (v != s->want_fpsr)
		mismatch(s, "FPSR", s->want_fpsr, v);
	for (unsigned int i = 0; i < NR_SYSREGS; i++) {
		if (sysregs[i].kind == SR_PAUTH && !has_pauth)
			continue;
		v = sysregs[i].rd();
		if (v != s->want_sr[i])
			mismatch(s, sysregs[i].name, s->want_sr[i], v);
	}
	s->checks++;
}

static void soak_run(void *arg)
{
	struct vcpu_soak *s = arg;
	unsigned int cpu = smp_processor_id();
	uint64_t seed = mix64(serial * 0x9e3779b97f4a7c15ull + cpu + 1);
	uint64_t freq = timer_freq(), start, last, next_progress, end;

	/*
	 * The first PAuth use of this vCPU is an instruction, before any key
	 * write: the hypervisor loads the vCPU's keys then (reset: zero), not
	 * whatever keys the CPU held for the vCPU that ran before.
	 */
	if (has_generic_auth) {
		uint64_t first = pacga(seed, 0x1234), again;

		write_sysreg_s(0, SYS_APGAKEYLO_EL1);
		write_sysreg_s(0, SYS_APGAKEYHI_EL1);
		isb();
		again = pacga(seed, 0x1234);
		report(first == again,
		       "vCPU %u: PACGA as the first PAuth use runs under its reset APGA key (%#lx, %#lx)",
		       cpu, first, again);
	}
	setup(s, seed);
	start = last = timer_now();
	next_progress = start + freq;
	end = start + SOAK_SECONDS * freq;
	while (last < end) {
		uint64_t now;

		check(s);
		if (has_generic_auth) {
			uint64_t pac = pacga(seed, 0x1234);

			if (pac != s->want_pac)
				mismatch(s, "PACGA result (APGAKey)", s->want_pac, pac);
		}
		/* An exit to the hypervisor, then a chance for it to run another vCPU. */
		hypscope_nop();
		wfe();

		now = timer_now();
		if (now - last > timer_ticks_us(GAP_US))
			s->gaps++;
		last = now;
		if (cpu == 0 && now >= next_progress) {
			printf("fpsimd: %lu s, %lu checks, %lu mismatches\n", (now - start) / freq,
			       s->checks, s->mismatches);
			next_progress += freq;
		}
	}
	/* Pairs with the load_acquire32() in main(). */
	store_release32(&s->done, 1);
	smp_notify();
}

static unsigned int nr_checked_sysregs(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NR_SYSREGS; i++)
		n += sysregs[i].kind != SR_PAUTH || has_pauth;
	return n;
}

int main(void)
{
	struct vm_info info;
	unsigned int started = 1;

	hypscope_vm_info(&info);
	serial = info.serial;
	detect_pauth();
	report_info("VM serial %lu, %u vCPUs, pointer authentication %s%s", serial,
		    boot.nr_vcpus, has_pauth ? "present" : "absent",
		    has_generic_auth ? " (with PACGA)" : "");

	for (unsigned int cpu = 1; cpu < boot.nr_vcpus; cpu++) {
		int32_t r = smp_start(cpu, soak_run, &soak[cpu]);

		report(r == PSCI_RET_SUCCESS, "vCPU %u started (%d)", cpu, r);
		if (r == PSCI_RET_SUCCESS)
			started = cpu + 1;
		else
			break;
	}
	soak_run(&soak[0]);

	for (unsigned int cpu = 0; cpu < started; cpu++) {
		struct vcpu_soak *s = &soak[cpu];

		while (!load_acquire32(&s->done))
			wfe();
		report(s->checks > 0 && s->mismatches == 0,
		       "vCPU %u: V0-V31, FPCR, FPSR and %u EL1 registers%s intact over %lu checks",
		       cpu, nr_checked_sysregs(),
		       has_pauth ? " (PAuth keys included)" : "", s->checks);
		report_info("vCPU %u: descheduled %lu times during the soak", cpu, s->gaps);
		if (cpu)
			smp_wait(cpu);
	}
	/* Leave the boot vCPU's system registers sane for the exit path. */
	write_sysreg((uintptr_t)exception_vectors, vbar_el1);
	write_sysreg(CPACR_FPEN_ALL, cpacr_el1);
	isb();
	return report_summary();
}
