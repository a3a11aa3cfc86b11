/*
 * The virtual GICv3: the distributor, redistributors and interrupt state a VM
 * sees, with the hardware virtual CPU interface (ICH_*_EL2) doing the fast
 * path. See docs/vgic.md for the data flow.
 *
 * Pure logic: nothing here touches a system register. The per-vCPU struct
 * vgic_hw holds ICH_* register values; the integrator copies them to and from
 * the hardware around vgic_flush() and vgic_fold(). The same code runs at EL2
 * and in the host unit tests.
 *
 * Locking: one spinlock per VM (struct vgic_vm.lock) covers every interrupt,
 * every ap_list and the distributor state. Every entry point below takes it
 * itself; the kick callback is called after it is released.
 *
 * The VM sees a GICv3 with one Security state (GICD_CTLR.DS == 1), affinity
 * routing always on (ARE RAO/WI), 5 priority bits, vCPUs whose MPIDR is
 * Aff3.Aff2.Aff1.Aff0 = 0.0.0.<vCPU id>, and LPIs (INTIDs 8192..16383) that
 * the ITS (hyp/vgic/vits.h) makes pending.
 */
#ifndef HYP_VGIC_H
#define HYP_VGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/ich_lr.h"
#include "hyp/include/compiler.h"
#include "hyp/include/spinlock.h"

/* ---------------------------------------------------------------- sizes */
#define VGIC_NR_SGIS      16u
#define VGIC_NR_PRIVATE   32u /* SGIs 0-15 and PPIs 16-31, banked per vCPU */
#define VGIC_NR_SPIS      96u /* INTIDs 32..127 */
#define VGIC_NR_IRQS      (VGIC_NR_PRIVATE + VGIC_NR_SPIS)
#define VGIC_MAX_VCPUS    HYPCFG_MAX_VCPUS
#define VGIC_MAX_LRS      16u /* ICH_VTR_EL2.ListRegs can describe at most 16 */
#define VGIC_NO_VCPU      0xffu

/*
 * LPIs: 14 INTID bits (GICD_TYPER.IDbits = 13, the least an implementation
 * with LPIs may have), so INTIDs 8192..16383, all of them backed by state
 * here. ICH_VTR_EL2.IDbits is at least 16 bits on every implementation, so
 * every LPI fits an LR's vINTID.
 */
#define VGIC_LPI_BASE     8192u
#define VGIC_ID_BITS      14u
#define VGIC_NR_LPIS      ((1u << VGIC_ID_BITS) - VGIC_LPI_BASE)
/* Interrupts one vCPU can have in flight: its own, every SPI and every LPI. */
#define VGIC_AP_MAX       (VGIC_NR_IRQS + VGIC_NR_LPIS)

/*
 * Priority bits the distributor implements. The architecture guarantees at
 * least 5 in every virtual CPU interface (ICH_VTR_EL2.PRIbits >= 4), so with
 * 5 here the priority the guest wrote is exactly the priority the virtual
 * interface compares against VPMR and the running priority: no rounding
 * happens between GICD_IPRIORITYR and the list register.
 */
#define VGIC_PRI_BITS     5u
#define VGIC_PRI_MASK     ((uint8_t)(0xffu << (8 - VGIC_PRI_BITS)))

_Static_assert(VGIC_NR_SPIS % 32 == 0 && VGIC_NR_SPIS >= 64, "SPIs come in 32s, at least 64");
_Static_assert(VGIC_NR_IRQS <= 1020, "SPIs end at INTID 1019");
_Static_assert(VGIC_MAX_VCPUS <= 16, "vCPU masks and SGI target lists are 16 bits wide");

/* INTIDs the hypervisor wires. */
#define VGIC_INTID_MAINT  25u /* the GIC maintenance interrupt (physical PPI at EL2) */
#define VGIC_INTID_VTIMER 27u /* EL1 virtual timer, forwarded with HW = 1 */
#define VGIC_INTID_PTIMER 30u /* EL1 physical timer, emulated, level */
#define VGIC_INTID_UART   (32u + GUEST_UART_SPI) /* PL011, level */

/* ---------------------------------------------------------------- state */

/* Changes made to an interrupt while a running vCPU's LR held it (see fold). */
#define VGIC_LR_REQ_CLR_PEND 0x1u
#define VGIC_LR_REQ_SET_ACT  0x2u
#define VGIC_LR_REQ_CLR_ACT  0x4u

struct vgic_irq {
	uint16_t intid;
	uint16_t pintid;     /* hw: physical INTID the guest's deactivation also deactivates */
	uint8_t priority;    /* implemented bits only (VGIC_PRI_MASK) */
	uint8_t target;      /* vCPU it is delivered to; VGIC_NO_VCPU when routed nowhere */
	uint8_t ap_vcpu;     /* vCPU whose ap_list holds it, or VGIC_NO_VCPU */
	uint8_t lr_vcpu;     /* vCPU whose LRs hold it between flush and fold, or VGIC_NO_VCPU */
	uint8_t lr_req;      /* VGIC_LR_REQ_* */
	bool enabled;
	bool group1;         /* GICD_IGROUPR: 0 = Group 0, 1 = Group 1 */
	bool edge;           /* GICD_ICFGR Int_config: edge-triggered */
	bool hw;             /* forwarded: LR carries HW = 1 and pintid */
	bool pending_latch;  /* edge: the latched edge; level: set by GICD_ISPENDR */
	bool line_level;     /* the input line, as the device model drives it */
	bool active;
	bool latch_in_lr;    /* flush handed pending_latch to the LR it loaded */
	bool sdei_bound;     /* SDEI INTERRUPT_BIND: never in an LR, dispatched as an event */
	uint8_t sdei_kick;   /* bound: vCPUs to kick when it is pending (vCPU bit mask) */
	uint64_t irouter;    /* SPIs: GICD_IROUTER<n> (Aff3 [39:32], Aff2.Aff1.Aff0 [23:0]) */
};

/*
 * The ICH_* register values of one vCPU. vgic_flush() writes lr[0..nr_lrs) and hcr
 * for the integrator to load; on exit the integrator stores back lr[n] for
 * n < used_lrs (it may skip the ones ICH_ELRSR_EL2 says are empty) and hcr,
 * then calls vgic_fold(). vmcr, ap0r and ap1r are the guest's virtual CPU
 * interface state: the vGIC never changes them, the integrator saves them on
 * vCPU put and restores them on load.
 */
struct vgic_hw {
	uint64_t lr[VGIC_MAX_LRS]; /* ICH_LR<n>_EL2 */
	uint32_t hcr;              /* ICH_HCR_EL2 */
	uint32_t vmcr;             /* ICH_VMCR_EL2 */
	uint32_t ap0r[4];          /* ICH_AP0R<n>_EL2 */
	uint32_t ap1r[4];          /* ICH_AP1R<n>_EL2 */
	uint32_t used_lrs;         /* lr[0..used_lrs) hold interrupts until fold */
	uint32_t nr_lrs;           /* LRs the last flush wrote (the rest are zero) */
};

struct vgic_cpu_stats {
	uint64_t flushes;
	uint64_t folds;
	uint64_t overflows;        /* flushes with more interrupts in flight than LRs */
	uint64_t maint_irqs;       /* vgic_maint() calls */
	uint64_t maint[ICH_MISR_NR_CAUSES]; /* by ICH_MISR_EL2 cause */
	uint64_t eoicount;         /* deactivations of interrupts no LR held */
	uint64_t lr_mismatches;    /* folded LRs whose vINTID is not what flush wrote */
};

struct vgic_vm;

struct vgic_cpu {
	struct vgic_vm *vm;
	uint32_t id;               /* vCPU index; MPIDR Aff0 */
	uint32_t waker;            /* GICR_WAKER.ProcessorSleep */
	struct vgic_irq private_irqs[VGIC_NR_PRIVATE];

	/*
	 * Interrupts in flight for this vCPU: pending and deliverable, or active.
	 * INTIDs (private ones are this vCPU's), kept sorted: active first, then
	 * by priority, then by INTID. Each interrupt is on at most one list.
	 */
	uint16_t ap_list[VGIC_AP_MAX];
	uint32_t ap_count;

	/* LPIs (vgic_lpi.c): GICR_CTLR.EnableLPIs, GICR_PROPBASER, GICR_PENDBASER. */
	bool lpis_enabled;
	uint64_t propbaser;
	uint64_t pendbaser;

	uint16_t lr_intid[VGIC_MAX_LRS]; /* what flush loaded into each LR */
	struct vgic_hw hw;

	/* For tracing: the LRs as last flushed and as last folded. */
	uint64_t lr_flushed[VGIC_MAX_LRS];
	uint64_t lr_folded[VGIC_MAX_LRS];
	uint32_t nr_flushed;
	uint32_t hcr_flushed;
	uint32_t elrsr_folded;
	uint32_t eisr_folded;
	uint32_t misr_last;
	uint32_t waiting;          /* in flight but left out of the LRs by the last flush */
	uint32_t pending_flushed;  /* pending (not active) at the last flush, in the LRs or not */
	struct vgic_cpu_stats stats;
};

/* Accesses the register maps do not define, or do not allow in that width. */
struct vgic_mmio_stats {
	uint64_t unknown_reads;
	uint64_t unknown_writes;
	uint64_t bad_size_reads;
	uint64_t bad_size_writes;
};

typedef void (*vgic_kick_fn)(void *opaque, unsigned vcpu_id);

/*
 * The VM's RAM as the vGIC reads and writes it (LPI configuration tables,
 * the ITS's tables and command queue): the IPA range [ipa, ipa + size) at
 * base. Every access is bounds-checked against it; anything outside is a
 * fault the caller reports, never an access.
 */
struct vgic_guest_mem {
	uint8_t *base;
	uint64_t ipa;
	uint64_t size;
};

struct vgic_lpi_stats {
	uint64_t config_loads;     /* LPI configuration bytes read from guest memory */
	uint64_t config_faults;    /* configuration table outside guest memory */
	uint64_t pending_set;      /* LPIs made pending (ITS translations, INT) */
};

struct vgic_vm {
	spinlock_t lock;
	uint32_t nr_vcpus;
	uint32_t ctlr;             /* GICD_CTLR EnableGrp0 / EnableGrp1 */
	struct vgic_cpu *cpus[VGIC_MAX_VCPUS];
	struct vgic_irq spis[VGIC_NR_SPIS];
	struct vgic_irq lpis[VGIC_NR_LPIS];
	struct vgic_guest_mem mem;
	struct vgic_lpi_stats lpi_stats;
	vgic_kick_fn kick;
	void *opaque;
	struct vgic_mmio_stats dist_stats;
	struct vgic_mmio_stats redist_stats;
};

/* ---------------------------------------------------------------- setup */

/*
 * Reset state: everything disabled, inactive, not pending, Group 1, priority
 * 0, SPIs level-sensitive and routed to vCPU 0, SGIs edge, PPIs level,
 * redistributors asleep. kick may be NULL.
 */
void vgic_vm_init(struct vgic_vm *vm, unsigned nr_vcpus, vgic_kick_fn kick, void *opaque);
/* Attach vCPU vcpu_id's state (embedded in the core's vCPU). false if the id is bad. */
bool vgic_cpu_init(struct vgic_vm *vm, struct vgic_cpu *vc, unsigned vcpu_id);

/* ---------------------------------------------------------------- injection */

/*
 * Drive an interrupt's input. vcpu_id selects the bank for SGIs/PPIs and is
 * ignored for SPIs. Level-sensitive: pending follows the line. Edge-triggered:
 * level = true is one edge (pending is latched), level = false only lowers
 * the line. The target vCPU is kicked when the interrupt becomes deliverable.
 * false for an INTID or vCPU that does not exist.
 */
bool vgic_inject(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, bool level);

/*
 * Forward an interrupt to a physical one: its LRs carry HW = 1 and pintid, so
 * the guest's deactivation deactivates the physical interrupt too. For a
 * level-sensitive forwarded interrupt, deactivation also lowers the virtual
 * line: the physical interrupt, once inactive, fires again at EL2 if its
 * source is still asserted, and the integrator injects it again.
 */
bool vgic_set_hw_forward(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, unsigned pintid);
bool vgic_clear_hw_forward(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid);

/* The physical PPI 27 fired at EL2 while vCPU vcpu_id owned the virtual timer. */
static inline bool vgic_vtimer_fired(struct vgic_vm *vm, unsigned vcpu_id)
{
	return vgic_inject(vm, vcpu_id, VGIC_INTID_VTIMER, true);
}

/* Emulated EL1 physical timer: ISTATUS && ENABLE && !IMASK, whenever it may change. */
static inline bool vgic_ptimer_set_level(struct vgic_vm *vm, unsigned vcpu_id, bool level)
{
	return vgic_inject(vm, vcpu_id, VGIC_INTID_PTIMER, level);
}

/* PL011 interrupt output (UARTINTR), level-sensitive SPI. */
static inline bool vgic_uart_set_level(struct vgic_vm *vm, bool level)
{
	return vgic_inject(vm, 0, VGIC_INTID_UART, level);
}

/* ---------------------------------------------------------------- world switch */

/*
 * Before entering the guest: fill vc->hw.lr[0..nr_lrs) from the ap_list and
 * compute vc->hw.hcr (En, plus UIE/NPIE/LRENPIE when not everything fits).
 * nr_lrs is ICH_VTR_EL2.ListRegs + 1. Returns the number of LRs in use.
 * Calling it again without a fold in between treats the LRs as untouched.
 */
unsigned vgic_flush(struct vgic_cpu *vc, unsigned nr_lrs);

/*
 * After leaving the guest, with vc->hw.lr[0..used_lrs) and vc->hw.hcr read
 * back: elrsr and eisr are ICH_ELRSR_EL2 and ICH_EISR_EL2. Takes back the
 * state the guest changed (acknowledge, EOI, deactivation), re-latches edge
 * pending state, resamples level lines and frees consumed entries.
 */
void vgic_fold(struct vgic_cpu *vc, uint32_t elrsr, uint32_t eisr);

/*
 * The maintenance interrupt (PPI 25) fired: misr is ICH_MISR_EL2, read before
 * fold. Counts it by cause. The work each cause asks for is done by fold
 * (EOI: resample the EOI'd level lines; LRENP: EOIcount deactivations) and by
 * the next flush (U, NP: refill the LRs); meanwhile the interrupt enables
 * that fired are dropped from vc->hw.hcr so the level-sensitive maintenance
 * interrupt cannot fire again before that flush.
 */
void vgic_maint(struct vgic_cpu *vc, uint32_t misr);

/* Something is pending and deliverable for this vCPU (WFI wake-up test). */
bool vgic_cpu_has_pending(struct vgic_cpu *vc);

/* ---------------------------------------------------------------- SGIs */

/*
 * A trapped write to ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 by vCPU
 * src_vcpu. Makes the SGI pending on each target and kicks the targets it
 * became deliverable on. Returns the mask of vCPUs the SGI was forwarded to.
 * With one Security state, SGI1R forwards to either group; SGI0R and ASGI1R
 * forward only to targets where that SGI is Group 0 (IHI 0069, "Forwarding
 * an SGI to a target PE").
 */
uint32_t vgic_sgi1r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value);
uint32_t vgic_asgi1r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value);
uint32_t vgic_sgi0r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value);

/* ICC_SGI1R_EL1 fields */
#define ICC_SGIR_TARGETLIST(v) ((unsigned)((v) & 0xffff))
#define ICC_SGIR_AFF1(v)       ((unsigned)(((v) >> 16) & 0xff))
#define ICC_SGIR_INTID(v)      ((unsigned)(((v) >> 24) & 0xf))
#define ICC_SGIR_AFF2(v)       ((unsigned)(((v) >> 32) & 0xff))
#define ICC_SGIR_IRM           (1ull << 40)
#define ICC_SGIR_RS(v)         ((unsigned)(((v) >> 44) & 0xf))
#define ICC_SGIR_AFF3(v)       ((unsigned)(((v) >> 48) & 0xff))

/* ---------------------------------------------------------------- SDEI */

/*
 * Bind an interrupt to an SDEI event (all vCPUs' banks for a PPI): it leaves
 * the ap_lists and the LRs, its pending state is read by the SDEI dispatcher
 * and kicks the vCPUs in kick_mask (a PPI: its own vCPU whatever the mask).
 * *priority gets its GIC priority (a PPI: in vcpu_id's bank). false for an
 * INTID that does not exist. Unbinding gives it back to the list registers.
 */
bool vgic_sdei_bind(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, uint8_t kick_mask,
		    uint8_t *priority);
bool vgic_sdei_unbind(struct vgic_vm *vm, unsigned intid);
/* Which vCPUs a bound SPI's pending state kicks. */
void vgic_sdei_set_kick(struct vgic_vm *vm, unsigned intid, uint8_t kick_mask);
/* A bound interrupt's pending state for vCPU vcpu_id's bank (SPIs: the one state). */
bool vgic_sdei_pending(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid);
/* Dispatched: an edge's latched pending state is consumed (a level line stays). */
void vgic_sdei_ack(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid);

/* ---------------------------------------------------------------- LPIs (vgic_lpi.c) */

struct vgic_mmio_ctx;

/* Guest RAM the LPI tables and the ITS are read from (set once, after init). */
void vgic_set_guest_mem(struct vgic_vm *vm, void *base, uint64_t ipa, uint64_t size);
/* Bounds-checked copies from and to guest memory; false (nothing copied) outside it. */
bool vgic_mem_read(const struct vgic_vm *vm, uint64_t ipa, void *dst, uint64_t len);
bool vgic_mem_write(const struct vgic_vm *vm, uint64_t ipa, const void *src, uint64_t len);

static inline bool vgic_is_lpi(unsigned intid)
{
	return intid >= VGIC_LPI_BASE && intid < VGIC_LPI_BASE + VGIC_NR_LPIS;
}

/*
 * The ITS's side of the redistributors. Each takes the lock and kicks.
 * set_pending: the LPI becomes pending on vCPU vcpu_id (its target from now
 * on); it is delivered once the configuration table enables it and that
 * redistributor has EnableLPIs. move: retarget (pending state moves with
 * it). clear: not pending any more. reload: read its configuration byte
 * (priority, enable) again from the target's GICR_PROPBASER table; a
 * vcpu_id of VGIC_NO_VCPU reloads every LPI targeting any vCPU (INVALL).
 * move_all: every LPI targeting from goes to to (MOVALL). false for an INTID
 * that is not an LPI or a vCPU that does not exist.
 */
bool vgic_lpi_set_pending(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id);
bool vgic_lpi_clear_pending(struct vgic_vm *vm, unsigned intid);
bool vgic_lpi_move(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id);
bool vgic_lpi_reload(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id);
void vgic_lpi_reload_all(struct vgic_vm *vm, unsigned vcpu_id);
bool vgic_lpi_move_all(struct vgic_vm *vm, unsigned from, unsigned to);

/* GICR_CTLR, GICR_PROPBASER and GICR_PENDBASER of one redistributor (lock held). */
uint64_t vgic_lpi_read_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size);
void vgic_lpi_write_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val);
uint64_t vgic_lpi_read_propbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size);
void vgic_lpi_write_propbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val);
uint64_t vgic_lpi_read_pendbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size);
void vgic_lpi_write_pendbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val);

#define GICR_CTLR_ENABLE_LPIS   (1u << 0)
#define GICR_TYPER_PLPIS        (1ull << 0)
#define GICR_PROPBASER_IDBITS   0x1full
#define GICR_BASER_PA_MASK      0x000ffffffffff000ull /* [51:12] */
#define GICR_PENDBASER_PTZ      (1ull << 62)
#define GICD_TYPER_LPIS         (1u << 17)
#define LPI_PROP_ENABLE         0x01u
#define LPI_PROP_PRIORITY_MASK  0xfcu

/* ---------------------------------------------------------------- MMIO */

/* GICD frame (64 KiB) access by vCPU vcpu_id. false only outside the frame. */
bool vgic_dist_mmio(struct vgic_vm *vm, unsigned vcpu_id, uint64_t offset, unsigned size,
		    bool write, uint64_t *val);
/*
 * Redistributor region: per vCPU an RD frame and an SGI frame, 64 KiB each,
 * contiguous in vCPU order. false outside the frames of existing vCPUs.
 */
bool vgic_redist_mmio(struct vgic_vm *vm, uint64_t offset_in_region, unsigned size, bool write,
		      uint64_t *val);

#define VGIC_DIST_SIZE     0x10000u
#define VGIC_REDIST_STRIDE 0x20000u
#define VGIC_SGI_FRAME     0x10000u

/* GICD_CTLR, one Security state */
#define GICD_CTLR_ENABLE_G0 (1u << 0)
#define GICD_CTLR_ENABLE_G1 (1u << 1)
#define GICD_CTLR_ARE       (1u << 4)
#define GICD_CTLR_DS        (1u << 6)
#define GICD_CTLR_RWP       (1u << 31)

#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

#define GICR_TYPER_LAST       (1ull << 4)
#define GICR_TYPER_PROCNUM(n) ((uint64_t)(n) << 8)
#define GICR_TYPER_AFF(a)     ((uint64_t)(a) << 32)

/* ---------------------------------------------------------------- inspection */

/* Flat, fixed-width: copied into trace records as is. */
struct vgic_snapshot {
	uint64_t lr_flushed[VGIC_MAX_LRS];
	uint64_t lr_folded[VGIC_MAX_LRS];  /* LRs ELRSR called empty: state bits cleared */
	uint64_t maint[ICH_MISR_NR_CAUSES];
	uint64_t flushes;
	uint64_t folds;
	uint64_t overflows;
	uint64_t maint_irqs;
	uint64_t eoicount;
	uint64_t lr_mismatches;
	uint32_t nr_flushed;
	uint32_t hcr_flushed;
	uint32_t elrsr_folded;
	uint32_t eisr_folded;
	uint32_t misr_last;
	uint32_t ap_count;
	uint32_t waiting;
	uint32_t pad;
};
_Static_assert(sizeof(struct vgic_snapshot) ==
		       (2 * VGIC_MAX_LRS + ICH_MISR_NR_CAUSES + 6) * 8 + 8 * 4,
	       "no hidden padding in the snapshot");

void vgic_snapshot(struct vgic_cpu *vc, struct vgic_snapshot *out);
/* A copy of one interrupt's state. false if it does not exist. */
bool vgic_irq_peek(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, struct vgic_irq *out);
/*
 * Whether the guest owns the interrupt (pending, active or its line high),
 * read without the lock, for the timer's load. A lock would only make the
 * answer a snapshot, stale once released, which a lone read already is:
 * each flag is a byte written under the lock by one change at a time
 * (another vCPU's GICR_ISPENDR0/ICACTIVER0 write sets or clears one), and
 * the flags that move together (an acknowledge: pending to active; the
 * line) move only on the owning vCPU's own CPU, here not running. A change
 * made right after the read comes with a kick, as with the lock.
 */
static inline bool vgic_irq_owned(const struct vgic_irq *irq)
{
	/* As bytes ORed, no branch: each flag is 0 or 1. */
	return READ_ONCE(*(const uint8_t *)&irq->pending_latch) |
	       READ_ONCE(*(const uint8_t *)&irq->active) |
	       READ_ONCE(*(const uint8_t *)&irq->line_level);
}

/* An interrupt of the VM (a vCPU's private one by vcpu_id), NULL if none.
 * Its state is read and changed under the lock, vgic_irq_owned() aside. */
struct vgic_irq *vgic_get_irq(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid);

/* ---------------------------------------------------------------- internal to hyp/vgic */
/* MPIDR affinity of a vCPU, packed Aff3.Aff2.Aff1.Aff0: 0.0.0.<vCPU id>. */
static inline uint32_t vgic_affinity(unsigned vcpu_id)
{
	return vcpu_id;
}
/* vCPU an IROUTER value selects, or VGIC_NO_VCPU. */
uint8_t vgic_route(const struct vgic_vm *vm, uint64_t irouter);
/* Visible state for register reads (includes what an LR holds). */
bool vgic_irq_pending_view(const struct vgic_irq *irq);
bool vgic_irq_active_view(const struct vgic_irq *irq);
/* Lock held: put the interrupt on the right ap_list after a change; collect kicks. */
void vgic_irq_update(struct vgic_vm *vm, struct vgic_irq *irq, uint32_t *kicks);
void vgic_update_all(struct vgic_vm *vm, uint32_t *kicks);
/* Lock not held. */
void vgic_kick(struct vgic_vm *vm, uint32_t kicks);

/* Register maps shared by the distributor and the redistributors. */
struct vgic_mmio_ctx {
	struct vgic_vm *vm;
	struct vgic_cpu *rd; /* redistributor's vCPU; NULL for the distributor */
	uint32_t kicks;
};

/*
 * One register or a run of per-interrupt registers. For per-interrupt runs
 * (bits_per_irq != 0) the handlers get the first INTID the access covers;
 * otherwise the byte offset into the register (4 for the upper half of a
 * 64-bit register). sizes: bit n set when an n-byte access is allowed.
 * NULL handlers read as zero / ignore writes.
 */
struct vgic_reg {
	uint32_t offset;
	uint32_t len;
	uint8_t bits_per_irq;
	uint16_t sizes;
	uint64_t (*read)(struct vgic_mmio_ctx *ctx, uint32_t arg, unsigned size);
	void (*write)(struct vgic_mmio_ctx *ctx, uint32_t arg, unsigned size, uint64_t val);
};

#define VGIC_ACC_8  (1u << 1)
#define VGIC_ACC_32 (1u << 4)
#define VGIC_ACC_64 (1u << 8)

bool vgic_mmio_access(struct vgic_mmio_ctx *ctx, const struct vgic_reg *regs, size_t nr,
		      struct vgic_mmio_stats *stats, uint64_t offset, unsigned size, bool write,
		      uint64_t *val);

/* Per-interrupt registers, shared by GICD_* and the GICR SGI frame. */
uint64_t vgic_read_group(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_group(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
uint64_t vgic_read_enable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_senable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
void vgic_write_cenable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
uint64_t vgic_read_pending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_spending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
void vgic_write_cpending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
uint64_t vgic_read_active(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_sactive(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
void vgic_write_cactive(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
uint64_t vgic_read_priority(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_priority(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
uint64_t vgic_read_config(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size);
void vgic_write_config(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val);
/* GICD_PIDR4..GICD_CIDR3 and the same in each RD frame; arg is the offset from 0xffd0. */
uint64_t vgic_read_id(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size);
uint32_t vgic_iidr(void);

#define VGIC_ID_REGS_OFFSET 0xffd0u
#define VGIC_ID_REGS_LEN    0x30u

#endif
