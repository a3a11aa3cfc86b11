/*
 * Hypercalls: PSCI 1.1 (Arm DEN0022), the SMCCC architecture calls (Arm
 * DEN0028) and hypscope's vendor calls, all over HVC #0, plus the vCPU life
 * cycle through CPU_ON / AFFINITY_INFO / CPU_OFF on every secondary vCPU.
 */
#include "libguest.h"

#define PSCI_FN_UNKNOWN	 0x8400001fu /* inside the PSCI range, not allocated */

static const struct {
	uint32_t fn;
	const char *name;
} psci_functions[] = {
	{ PSCI_VERSION, "PSCI_VERSION" },
	{ PSCI_CPU_OFF, "CPU_OFF" },
	{ PSCI_CPU_ON_SMC64, "CPU_ON" },
	{ PSCI_AFFINITY_INFO_SMC64, "AFFINITY_INFO" },
	{ PSCI_MIGRATE_INFO_TYPE, "MIGRATE_INFO_TYPE" },
	{ PSCI_SYSTEM_OFF, "SYSTEM_OFF" },
	{ PSCI_SYSTEM_RESET, "SYSTEM_RESET" },
	{ PSCI_FEATURES, "PSCI_FEATURES" },
};

/* Function ids no service here implements: SiP, OEM, standard and vendor hypervisor. */
static const uint32_t unknown_ids[] = { 0x8200ff00u, 0xc300ff00u, 0xc500ff00u, 0xc60000ffu };

static void check_psci(void)
{
	int32_t v = psci_version();

	report(v == PSCI_VERSION_1_1, "PSCI_VERSION is 1.1 (got %d.%d)", v >> 16, v & 0xffff);
	for (unsigned int i = 0; i < ARRAY_SIZE(psci_functions); i++) {
		int32_t r = psci_features(psci_functions[i].fn);

		report(r >= 0, "PSCI_FEATURES(%s) says supported (%d)", psci_functions[i].name, r);
	}
	report(psci_features(PSCI_FN_UNKNOWN) == PSCI_RET_NOT_SUPPORTED,
	       "PSCI_FEATURES(unallocated PSCI id %#x) is NOT_SUPPORTED", PSCI_FN_UNKNOWN);
	report(psci_features(HYPSCOPE_HVC_EXIT) == PSCI_RET_NOT_SUPPORTED,
	       "PSCI_FEATURES(non-PSCI id %#x) is NOT_SUPPORTED", HYPSCOPE_HVC_EXIT);
	v = psci_migrate_info_type();
	report(v == PSCI_MIGRATE_NOT_REQUIRED,
	       "MIGRATE_INFO_TYPE is 2, no Trusted OS to migrate (got %d)", v);
}

static void check_smccc(void)
{
	int32_t v = (int32_t)smccc_hvc(SMCCC_VERSION, 0, 0, 0).a0;
	int32_t r;

	report(v >= (int32_t)SMCCC_VERSION_1_1, "SMCCC_VERSION >= 1.1 (got %#x)", (uint32_t)v);
	/* SMCCC 1.1: PSCI_FEATURES is how an OS discovers SMCCC_VERSION. */
	r = psci_features(SMCCC_VERSION);
	report(r == 0, "PSCI_FEATURES(SMCCC_VERSION) is 0 (got %d)", r);

	r = (int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0).a0;
	report(r == 0, "SMCCC_ARCH_FEATURES(SMCCC_VERSION) is 0 (got %d)", r);
	r = (int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0).a0;
	report(r == 0, "SMCCC_ARCH_FEATURES(SMCCC_ARCH_FEATURES) is 0 (got %d)", r);
	r = (int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, 0x8000ff00u, 0, 0).a0;
	report(r == SMCCC_RET_NOT_SUPPORTED,
	       "SMCCC_ARCH_FEATURES(unallocated arch id) is NOT_SUPPORTED (got %d)", r);
	/* Workaround queries: implemented (0), unaffected (1), or not supported/required. */
	r = (int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0).a0;
	report(r >= -2 && r <= 1, "SMCCC_ARCH_FEATURES(ARCH_WORKAROUND_1) is a valid answer (%d)",
	       r);

	for (unsigned int i = 0; i < ARRAY_SIZE(unknown_ids); i++) {
		uint32_t fn = unknown_ids[i];
		uint64_t x0 = smccc_hvc(fn, 1, 2, 3).a0;
		/* SMC64 ids answer in x0, SMC32 ids in w0 (SMCCC, "Return values"). */
		bool smc64 = fn & (1u << 30);
		bool ok = smc64 ? x0 == (uint64_t)-1 : (uint32_t)x0 == 0xffffffffu;

		report(ok, "unknown function id %#x returns NOT_SUPPORTED (x0 %#lx)", fn, x0);
	}
}

static void check_vendor(void)
{
	struct smccc_res r = smccc_hvc(HYPSCOPE_HVC_CALL_UID, 0, 0, 0);
	struct vm_info info;
	int64_t nop;

	report((uint32_t)r.a0 == HYPSCOPE_UID_0 && (uint32_t)r.a1 == HYPSCOPE_UID_1 &&
		       (uint32_t)r.a2 == HYPSCOPE_UID_2 && (uint32_t)r.a3 == HYPSCOPE_UID_3,
	       "vendor UID call returns hypscope's UID (%08x %08x %08x %08x)", (uint32_t)r.a0,
	       (uint32_t)r.a1, (uint32_t)r.a2, (uint32_t)r.a3);

	r = smccc_hvc(HYPSCOPE_HVC_REVISION, 0, 0, 0);
	report_info("vendor service revision %ld.%ld", (int64_t)r.a0, (int64_t)r.a1);

	report(hypscope_vm_info(&info), "VM_INFO succeeds");
	report(info.vcpu == 0, "VM_INFO on the boot vCPU says vCPU 0 (got %lu)", info.vcpu);
	report(info.slot < HYPCFG_MAX_VMS, "VM_INFO slot %lu is a valid VM slot", info.slot);
	report_info("VM serial %lu, slot %lu", info.serial, info.slot);

	nop = hypscope_nop();
	report(nop == 0, "NOP hypercall returns 0 (got %ld)", nop);

	r = smccc_hvc(HYPSCOPE_HVC_PCPU, 0, 0, 0);
	report(r.a0 == 0 && r.a1 < HYP_MAX_CPUS, "PCPU hypercall names a physical CPU (%lu)", r.a1);
}

/* ------------------------------------------------------------ vCPU life cycle */

struct secondary_check {
	uint32_t started;  /* the secondary runs: the boot vCPU may probe it */
	uint32_t release;  /* the boot vCPU is done probing: the secondary may return */
};

static struct secondary_check checks[GUEST_MAX_VCPUS];

static void secondary_main(void *arg)
{
	struct secondary_check *c = arg;
	unsigned int cpu = smp_processor_id();
	uint64_t mpidr = read_sysreg(mpidr_el1);
	struct vm_info info;

	report(smp_context_id() == smp_expected_context(cpu),
	       "vCPU %u: x0 at entry is the CPU_ON context id (%#lx)", cpu, smp_context_id());
	report(c == &checks[cpu], "vCPU %u: MPIDR_EL1.Aff0 matches the CPU_ON target", cpu);
	report(mpidr & (1ull << 31), "vCPU %u: MPIDR_EL1 bit 31 (RES1) is set (%#lx)", cpu, mpidr);
	report(read_sysreg(currentel) == (1u << 2), "vCPU %u: starts at EL1", cpu);
	if (hypscope_vm_info(&info))
		report(info.vcpu == cpu, "vCPU %u: VM_INFO says vCPU %lu", cpu, info.vcpu);

	/* Pairs with the load_acquire32() of started in check_cpu_on(). */
	store_release32(&c->started, 1);
	smp_notify();
	while (!load_acquire32(&c->release))
		wfe();
}

static void check_cpu_on(unsigned int cpu, unsigned int round)
{
	struct secondary_check *c = &checks[cpu];
	int32_t r;

	c->started = 0;
	c->release = 0;
	r = psci_affinity_info(cpu);
	report(r == PSCI_AFF_OFF, "vCPU %u: AFFINITY_INFO is OFF before CPU_ON (%d)", cpu, r);

	r = smp_start(cpu, secondary_main, c);
	report(r == PSCI_RET_SUCCESS, "vCPU %u: CPU_ON succeeds%s (%d)", cpu,
	       round ? " again after CPU_OFF" : "", r);
	if (r != PSCI_RET_SUCCESS)
		return;

	while (!load_acquire32(&c->started))
		wfe();
	r = psci_affinity_info(cpu);
	report(r == PSCI_AFF_ON, "vCPU %u: AFFINITY_INFO is ON while it runs (%d)", cpu, r);
	r = psci_cpu_on(cpu, (uintptr_t)secondary_entry, 0);
	report(r == PSCI_RET_ALREADY_ON, "vCPU %u: CPU_ON of a running vCPU is ALREADY_ON (%d)",
	       cpu, r);

	/* Pairs with the load_acquire32() of release in secondary_main(). */
	store_release32(&c->release, 1);
	smp_notify();
	report(smp_wait(cpu), "vCPU %u: AFFINITY_INFO goes OFF after CPU_OFF", cpu);
}

static void check_vcpus(void)
{
	unsigned int n = boot.nr_vcpus;
	int32_t r;

	report_info("%u vCPUs", n);
	if (n < 2)
		report_skip("only one vCPU: no secondary to start");
	for (unsigned int cpu = 1; cpu < n; cpu++)
		check_cpu_on(cpu, 0);
	if (n >= 2)
		check_cpu_on(1, 1);

	/* MPIDR values that name no vCPU of this VM. */
	r = psci_cpu_on(n, (uintptr_t)secondary_entry, 0);
	report(r == PSCI_RET_INVALID_PARAMETERS,
	       "CPU_ON of non-existent MPIDR Aff0=%u is INVALID_PARAMETERS (%d)", n, r);
	r = psci_cpu_on(0x100, (uintptr_t)secondary_entry, 0);
	report(r == PSCI_RET_INVALID_PARAMETERS,
	       "CPU_ON of non-existent MPIDR Aff1=1 is INVALID_PARAMETERS (%d)", r);
	r = psci_affinity_info(n);
	report(r == PSCI_RET_INVALID_PARAMETERS,
	       "AFFINITY_INFO of non-existent MPIDR is INVALID_PARAMETERS (%d)", r);
	r = psci_cpu_on(0, (uintptr_t)secondary_entry, 0);
	report(r == PSCI_RET_ALREADY_ON, "CPU_ON of the calling vCPU is ALREADY_ON (%d)", r);
}

int main(void)
{
	check_psci();
	check_smccc();
	check_vendor();
	check_vcpus();
	return report_summary();
}
