/*
 * EL2 configuration: what the CPU offers, the traps every guest runs
 * under, and the hypervisor's own stage-1 translation (a 1:1 map).
 */
#include <stdint.h>
#include <string.h>

#include "formats/vmid.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/compiler.h"
#include "hyp/include/panic.h"
#include "hyp/include/vpmu.h"

struct cpu_features cpu;

static const unsigned parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

void cpu_detect_features(void)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	uint64_t mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	uint64_t isar1 = read_sysreg(id_aa64isar1_el1);
	uint64_t isar2 = read_sysreg(SYS_ID_AA64ISAR2_EL1);
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	unsigned parange = FIELD(mmfr0, 3, 0);
	unsigned ps;

	if (parange >= ARRAY_SIZE(parange_bits))
		parange = ARRAY_SIZE(parange_bits) - 1;
	/* 52-bit output needs FEAT_LPA/LPA2 descriptors: stay at 48. */
	ps = MIN(parange, 5u);
	cpu.pa_bits = parange_bits[ps];
	cpu.ipa_bits = cpu.pa_bits;
	cpu.vmid_bits = vmid_bits_from_mmfr1(mmfr1);
	cpu.hcx = FIELD(mmfr1, 43, 40) != 0;
	cpu.nv = FIELD(read_sysreg(SYS_ID_AA64MMFR2_EL1), 27, 24);
	/* 1 is FEAT_MTE, the instructions without tag memory (QEMU's max without mte=on) */
	cpu.mte = FIELD(read_sysreg(id_aa64pfr1_el1), 11, 8);
	if (cpu.mte < 2)
		cpu.mte = 0;
	/* ID_AA64ISAR1_EL1.{APA,API,GPA,GPI} and ID_AA64ISAR2_EL1.{APA3,GPA3} */
	cpu.pauth = FIELD(isar1, 7, 4) || FIELD(isar1, 11, 8) || FIELD(isar1, 27, 24) ||
		    FIELD(isar1, 31, 28) || FIELD(isar2, 15, 12) || FIELD(isar2, 11, 8);
	cpu.brps = FIELD(dfr0, 15, 12) + 1;
	cpu.wrps = FIELD(dfr0, 23, 20) + 1;
	cpu.nr_lrs = FIELD(read_sysreg(SYS_ICH_VTR_EL2), 4, 0) + 1;
	cpu.midr = read_sysreg(midr_el1);

	/*
	 * The PMU: the top two event counters are the hypervisor's (EL2
	 * cycles for the exit cost, EL2 instructions for the benchmarks), the
	 * rest and the cycle counter the guests' (MDCR_EL2.HPMN). PMCEID0
	 * lists what really counts here, CHAIN being emulated (vpmu.c).
	 */
	cpu.pmu_n = FIELD(read_sysreg(pmcr_el0), 15, 11);
	if (cpu.pmu_n < 2)
		panic("the PMU has %u event counters: the hypervisor needs 2 (EL2 cycles for "
		      "exit costs, EL2 instructions)", cpu.pmu_n);
	if (cpu.pmu_n >= 3 && FIELD(dfr0, 11, 8) != 0xf) {
		uint64_t events = BIT(PMU_EVT_SW_INCR) | BIT(PMU_EVT_INST_RETIRED) |
				  BIT(PMU_EVT_CPU_CYCLES);

		vpmu_info.nr_counters = cpu.pmu_n - 2;
		vpmu_info.pmcr_id = read_sysreg(pmcr_el0) & GENMASK(31, 16);
		vpmu_info.ceid0 = (read_sysreg(pmceid0_el0) & events) | BIT(PMU_EVT_CHAIN);
	}
	cpu.pmu_guest = BIT(VPMU_CYCLE) | (BIT(vpmu_info.nr_counters) - 1);

	/*
	 * VTCR_EL2 (Arm ARM D23.2.185): T0SZ from the IPA size, walks starting
	 * at level 0 for more than 39 bits, write-back inner shareable walks,
	 * 4 KiB granule, PS = the physical size, VS for 16-bit VMIDs.
	 */
	cpu.vtcr = (64 - cpu.ipa_bits) | ((cpu.ipa_bits > 39 ? 2ull : 1ull) << 6) | (1ull << 8) |
		   (1ull << 10) | (3ull << 12) | ((uint64_t)ps << 16) |
		   (cpu.vmid_bits == 16 ? 1ull << 19 : 0) | (1ull << 31);

	cpu.hcr_guest = HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS |
			HCR_TWI | HCR_TWE | HCR_TID3 | HCR_TSC | HCR_TACR | HCR_TSW | HCR_RW;
	/* RAS error records and LORegions are hidden from guests; their
	 * trap bits exist only with the features (RES0 otherwise). */
	if (FIELD(read_sysreg(id_aa64pfr0_el1), 31, 28))
		cpu.hcr_guest |= HCR_TERR;
	if (FIELD(mmfr1, 19, 16))
		cpu.hcr_guest |= HCR_TLOR;
	/* HCR_EL2.API/APK stay clear: a vCPU's first use of its keys traps,
	 * and sets them for that vCPU (arch_vcpu_pauth_trap()). */

	/* SVE, SME, trace and activity monitors are not offered: they trap. */
	cpu.cptr_guest = CPTR_EL2_RES1 | CPTR_EL2_TZ | CPTR_EL2_TSM | CPTR_EL2_TTA | CPTR_EL2_TAM |
			 CPTR_EL2_TFP;
}

bool cpu_mte_offer(bool want)
{
	cpu.mte_guest = want && cpu.mte;
	/* HCR_EL2.ATA (Arm ARM D23.2.53): EL1 and EL0 may access allocation
	 * tags and GCR_EL1, RGSR_EL1, TFSR_EL1, TFSRE0_EL1 do not trap. Left 0
	 * without --mte: the registers UNDEF (sysreg.c knows none of them). */
	if (cpu.mte_guest)
		cpu.hcr_guest |= HCR_ATA;
	return cpu.mte_guest == want;
}

void cpu_init_el2(void)
{
	unsigned hpmn = vpmu_info.nr_counters;
	/* Cycles and instructions at EL2 only: P and U exclude EL1 and EL0,
	 * NSH includes EL2 (PMEVTYPER<n>_EL0). */
	uint64_t el2_only = PMEVTYPER_P | PMEVTYPER_U | PMEVTYPER_NSH;

	write_sysreg(cpu.hcr_guest, hcr_el2);
	/* FP stays usable at EL2 until a vCPU is loaded (libfdt uses it). */
	write_sysreg(cpu.cptr_guest & ~CPTR_EL2_TFP, cptr_el2);
	/* Debug and PMU registers trap (the PMU is emulated on top of the
	 * counters below HPMN, hyp/core/vpmu.c); the counters from HPMN up
	 * are the hypervisor's and count while HPME is set. */
	cpu.mdcr = MDCR_TDA | MDCR_TDOSA | MDCR_TDRA | MDCR_TPM | MDCR_TPMCR | MDCR_HPME | hpmn;
	write_sysreg(cpu.mdcr, mdcr_el2);
	/* The hardware OS lock (set at reset on some CPUs, QEMU's among them)
	 * would mask the debug exceptions the GDB stub uses. Guests never see
	 * it: their OS lock is the emulated one (TDOSA, struct vdebug). */
	write_sysreg(0, oslar_el1);
	/* Every counter zero; the guests' stopped (PMCR_EL0.E) until a vCPU enables them. */
	write_sysreg(PMCR_P | PMCR_C, pmcr_el0);
	write_sysreg(~0ull, pmcntenclr_el0);
	write_sysreg(~0ull, pmintenclr_el1);
	write_sysreg(~0ull, pmovsclr_el0);
	write_sysreg(0, pmuserenr_el0);
	/* Counter N-2: instructions retired at EL2 (arch_el2_insns()). */
	write_sysreg(cpu.pmu_n - 2, pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* the selection before PMXEVTYPER_EL0 */
	write_sysreg(el2_only | PMU_EVT_INST_RETIRED, pmxevtyper_el0);
	/* Counter N-1: cycles at EL2, the exit cost (arch_cycles()); it stays selected. */
	write_sysreg(cpu.pmu_n - 1, pmselr_el0);
	__asm__ volatile("isb" ::: "memory"); /* the selection before PMXEVTYPER_EL0 */
	write_sysreg(el2_only | PMU_EVT_CPU_CYCLES, pmxevtyper_el0);
	write_sysreg(BIT(cpu.pmu_n - 1) | BIT(cpu.pmu_n - 2), pmcntenset_el0);
	/* EL1 may read the physical counter; the physical timer is emulated. */
	write_sysreg(CNTHCTL_EL1PCTEN, cnthctl_el2);
	write_sysreg(0, cntvoff_el2);
	write_sysreg(cpu.vtcr, vtcr_el2);
	write_sysreg(cpu.midr, vpidr_el2);
	write_sysreg(0, hstr_el2);
	write_sysreg(0, vttbr_el2);
	if (cpu.hcx)
		write_sysreg(0, SYS_HCRX_EL2);
	__asm__ volatile("isb" ::: "memory"); /* the traps are in force before any guest runs */
}

/* ------------------------------------------------------------ EL2 stage 1 */

/* One level-1 table of 1 GiB blocks covers a 39-bit VA space (TCR_EL2.T0SZ = 25). */
static uint64_t el2_l1_table[512] __aligned(4096);

#define MAIR_DEVICE_nGnRnE 0
#define MAIR_DEVICE_nGnRE  1
#define MAIR_NORMAL_WB     2
#define MAIR_TAGGED_WB     3 /* with tag memory: Normal WB, Tagged (0xf0), for RAM */
#define MAIR_EL2_VALUE     (0x00ull | (0x04ull << 8) | (0xffull << 16))
#define MAIR_EL2_TAGGED    (0xf0ull << 24)

#define S1_BLOCK    1ull
#define S1_ATTR(i)  ((uint64_t)(i) << 2)
#define S1_SH_INNER (3ull << 8)
#define S1_AF       (1ull << 10)
#define S1_XN       (1ull << 54)

void mmu_init_tables(uint64_t ram_base, uint64_t ram_size)
{
	uint64_t first = ram_base >> 30, last = (ram_base + ram_size - 1) >> 30;
	/* With tag memory, RAM is Tagged at EL2 so that DC GZVA clears the tags
	 * of a new VM's RAM; SCTLR_EL2.TCF stays 0, so the hypervisor's own
	 * accesses to guest memory are never tag checked. */
	unsigned ram_attr = cpu.mte ? MAIR_TAGGED_WB : MAIR_NORMAL_WB;

	memset(el2_l1_table, 0, sizeof(el2_l1_table));
	/* The first GiB of the virt board is devices (GIC, UARTs, ...). */
	el2_l1_table[0] = S1_BLOCK | S1_ATTR(MAIR_DEVICE_nGnRE) | S1_AF | S1_XN;
	for (uint64_t i = first; i <= last && i < 512; i++)
		el2_l1_table[i] = (i << 30) | S1_BLOCK | S1_ATTR(ram_attr) | S1_SH_INNER | S1_AF;
	/* The tables are read by other CPUs' walkers with the MMU on. */
	__asm__ volatile("dsb ish" ::: "memory");
}

void mmu_enable(void)
{
	unsigned ps = 0;

	while (ps < ARRAY_SIZE(parange_bits) && parange_bits[ps] < cpu.pa_bits)
		ps++;
	write_sysreg(MAIR_EL2_VALUE | (cpu.mte ? MAIR_EL2_TAGGED : 0), mair_el2);
	/* TCR_EL2: T0SZ = 25, write-back inner shareable walks, 4 KiB granule, PS. */
	write_sysreg(25 | (1ull << 8) | (1ull << 10) | (3ull << 12) | ((uint64_t)ps << 16) |
			     (1ull << 23) | (1ull << 31),
		     tcr_el2);
	write_sysreg((uint64_t)(uintptr_t)el2_l1_table, ttbr0_el2);
	/* Registers in place, no stale EL2 translations, then turn it on. */
	__asm__ volatile("isb\n"
			 "tlbi alle2\n"
			 "ic iallu\n"
			 "dsb nsh\n"
			 "isb" ::: "memory");
	write_sysreg(SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA |
			     (cpu.mte ? SCTLR_ATA : 0),
		     sctlr_el2);
	__asm__ volatile("isb" ::: "memory"); /* fetches after this use the new map */
}

/* ------------------------------------------------------------ guest RAM */

void arch_ram_scrub(uint64_t pa, uint64_t size)
{
	uint64_t block, p = pa, end = pa + size;

	if (!cpu.mte) {
		memset((void *)(uintptr_t)pa, 0, size);
		return;
	}
	/* DC GZVA zeroes a DCZID_EL0.BS block and its allocation tags (tag 0,
	 * the address's); RAM is Tagged at EL2 (mmu_init_tables). DCZID_EL0.DZP
	 * prohibits only EL1 and EL0 use. */
	block = 4ull << FIELD(read_sysreg(dczid_el0), 3, 0);
	for (; p < end && (p & (block - 1)); p++)
		*(volatile uint8_t *)(uintptr_t)p = 0;
	for (; p + block <= end; p += block)
		__asm__ volatile(".arch_extension memtag\n"
				 "dc gzva, %0" ::"r"(p) : "memory");
	memset((void *)(uintptr_t)p, 0, end - p);
	/* The zeroes and tags are in place before the VM's first access. */
	__asm__ volatile("dsb ish" ::: "memory");
}
