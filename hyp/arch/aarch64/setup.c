/*
 * The hardware side of boot (hyp/include/arch.h, "boot"): the C entry
 * points boot.S calls on each CPU, the CPU's features and MMU, its ID
 * registers, the GIC, and starting the other CPUs. The order in which these
 * run is core's (hyp/core/boot.c).
 */
#include <errno.h>

#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/arch.h"
#include "hyp/include/boot.h"
#include "hyp/include/log.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"

extern char __hyp_start[], __hyp_end[], secondary_entry[];

void arch_boot_cpu_init(struct arch_caps *caps)
{
	cpu_detect_features();
	mmu_init_tables(platform.ram_base, platform.ram_size);
	mmu_enable();
	caps->ipa_bits = cpu.ipa_bits;
	caps->vmid_bits = cpu.vmid_bits;
	caps->nr_lrs = cpu.nr_lrs;
	caps->pauth = cpu.pauth;
}

const char *arch_config_offer(const struct hypcfg *c)
{
	if (!cpu_mte_offer(c->flags & HYPCFG_F_MTE))
		return "--mte: the CPU has no MTE tag memory (ID_AA64PFR1_EL1.MTE < 2)";
	if (cpu.mte_guest)
		hyp_log("MTE for guests: ID_AA64PFR1_EL1.MTE %u", cpu.mte);
	for (unsigned i = 0; i < c->nr_vms && i < HYPCFG_MAX_VMS; i++)
		if ((c->vms[i].flags & HYPCFG_VM_F_EL2) && cpu.nv < 2)
			return "el2=on: the CPU has no FEAT_NV2 (ID_AA64MMFR2_EL1.NV < 2): use -cpu max";
	return NULL;
}

void arch_read_id_regs(uint64_t raw[NR_ID_REGS])
{
	raw[ID_PFR0] = read_sysreg(id_aa64pfr0_el1);
	raw[ID_PFR1] = read_sysreg(id_aa64pfr1_el1);
	raw[ID_PFR2] = read_sysreg(SYS_ID_AA64PFR2_EL1);
	raw[ID_ZFR0] = read_sysreg(SYS_ID_AA64ZFR0_EL1);
	raw[ID_SMFR0] = read_sysreg(SYS_ID_AA64SMFR0_EL1);
	raw[ID_DFR0] = read_sysreg(id_aa64dfr0_el1);
	raw[ID_DFR1] = read_sysreg(SYS_ID_AA64DFR1_EL1);
	raw[ID_AFR0] = read_sysreg(id_aa64afr0_el1);
	raw[ID_AFR1] = read_sysreg(id_aa64afr1_el1);
	raw[ID_ISAR0] = read_sysreg(id_aa64isar0_el1);
	raw[ID_ISAR1] = read_sysreg(id_aa64isar1_el1);
	raw[ID_ISAR2] = read_sysreg(SYS_ID_AA64ISAR2_EL1);
	raw[ID_MMFR0] = read_sysreg(id_aa64mmfr0_el1);
	raw[ID_MMFR1] = read_sysreg(id_aa64mmfr1_el1);
	raw[ID_MMFR2] = read_sysreg(SYS_ID_AA64MMFR2_EL1);
	raw[ID_MMFR3] = read_sysreg(SYS_ID_AA64MMFR3_EL1);
	raw[ID_MMFR4] = read_sysreg(SYS_ID_AA64MMFR4_EL1);
	if (!cpu.mte_guest && FIELD(raw[ID_PFR1], 11, 8)) {
		hyp_log("MTE hidden from guests (ID_AA64PFR1_EL1.MTE %u: %s)",
			(unsigned)FIELD(raw[ID_PFR1], 11, 8),
			cpu.mte ? "tag memory, but no --mte" : "instructions only, no tag memory");
		raw[ID_PFR1] &= ~(GENMASK(11, 8) | GENMASK(43, 40));
	}
}

void arch_irqchip_init(void)
{
	gic_dist_init();
}

int arch_cpu_init(struct percpu *pc)
{
	if (gic_cpu_init(pc))
		return -ENODEV;
	cpu_init_el2();
	return 0;
}

int arch_cpu_start(unsigned idx)
{
	/* The CPU starts with its MMU off: make what it reads first (its
	 * stack's neighbours, percpu, cpu features) reach memory. */
	arch_dcache_clean((uint64_t)(uintptr_t)__hyp_start,
			  (uint64_t)(uintptr_t)(__hyp_end - __hyp_start));
	return arch_cpu_on(percpu[idx].mpidr, (uint64_t)(uintptr_t)secondary_entry, idx);
}

/* boot.S, boot CPU: x0 is the DTB QEMU passed, or 0. */
void hyp_boot_main(uint64_t dtb);
void hyp_boot_main(uint64_t dtb)
{
	percpu[0].id = 0;
	write_sysreg((uint64_t)(uintptr_t)&percpu[0], tpidr_el2);
	boot_main((const void *)(uintptr_t)dtb);
}

/* boot.S, secondary_entry: CPU idx, started by arch_cpu_start(). */
void hyp_secondary_main(unsigned idx);
void hyp_secondary_main(unsigned idx)
{
	write_sysreg((uint64_t)(uintptr_t)&percpu[idx], tpidr_el2);
	mmu_enable();
	boot_secondary(idx);
}
