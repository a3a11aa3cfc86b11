/*
 * The shadow stage 2 of a nested guest (docs/nested.md, "Shadow stage 2").
 *
 * A VM with el2=on runs its own hypervisor (L1) at virtual EL2. When L1 turns
 * its stage 2 on (vHCR_EL2.VM), its guest (L2) cannot run on L1's tables:
 * they translate L2 IPAs to L1 IPAs, and the hardware needs PAs. L2 runs on a
 * shadow table instead, one per L1 VTTBR_EL2, that combines L1's mapping
 * (L2 IPA -> L1 IPA) with this hypervisor's own (L1 IPA -> PA) a page at a
 * time, filled when L2 faults on it:
 *
 *   - L1's tables refuse the access (no mapping, access flag, permission,
 *     a table outside the VM's RAM): the fault is L1's, reflected into
 *     virtual EL2 as the stage-2 abort L1 would have taken on the hardware
 *     (ns2_syndrome()).
 *   - L1 maps it, but to an L1 IPA that is not RAM (an emulated device): L0
 *     handles the access as MMIO at that L1 IPA; L1 never sees it.
 *   - Both map it: the shadow page is made with the intersection of the
 *     permissions and the more restrictive memory attributes, and L2 retries.
 *
 * L1's TLB maintenance (trapped: EL2 TLBIs always trap under HCR_EL2.NV, the
 * EL1 ones with HCR_EL2.TTLB) drops the shadow pages it covers. The tables
 * live in a fixed pool of pages handed over at init; when it runs dry every
 * shadow table is emptied and refilled on demand, so the guest never sees a
 * failure. Every fault and invalidation is traced (TRACE_NV_S2_FAULT/INVAL).
 *
 * Portable: the walk reads L1's memory and L0's mapping through struct
 * ns2_l0, so the unit tests hand in their own memory. One lock per VM.
 */
#ifndef HYP_NESTED_S2_H
#define HYP_NESTED_S2_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/mm.h"
#include "hyp/include/spinlock.h"

/* Not vm.h: it holds a struct nested_s2 in each VM. */
struct vm;
struct vcpu;
struct vmid_allocator;

/* VTCR_EL2 fields the walk reads (Arm ARM D19.2, VTCR_EL2). */
#define VTCR_T0SZ(v) ((unsigned)(v) & 0x3fu)
#define VTCR_SL0(v)  ((unsigned)((v) >> 6) & 3u)
#define VTCR_TG0(v)  ((unsigned)((v) >> 14) & 3u) /* 0: 4 KiB, 1: 64 KiB, 2: 16 KiB */
#define VTCR_PS(v)   ((unsigned)((v) >> 16) & 7u)

/* VTTBR_EL2: the table's base address and the VMID (16 bits; 8 use [55:48]). */
#define VTTBR_BADDR(v) ((v) & 0x0000fffffffffffeull)
#define VTTBR_VMID(v)  ((v) >> 48)

/* What stopped the walk of L1's tables; the syndrome's fault status says it. */
enum ns2_fault {
	NS2_OK = 0,
	NS2_TRANSLATION,  /* no mapping, or VTCR_EL2 inconsistent (level 0) */
	NS2_ACCESS_FLAG,  /* the leaf's AF is clear */
	NS2_PERMISSION,   /* the leaf forbids the access */
	NS2_ADDR_SIZE,    /* an output address beyond VTCR_EL2.PS */
	NS2_WALK_EXTERNAL, /* a table outside the VM's RAM: external abort on the walk */
};

struct ns2_walk {
	enum ns2_fault fault;
	unsigned level;   /* of the leaf, or where the walk stopped */
	uint64_t out;     /* NS2_OK: the L1 IPA */
	uint64_t desc;    /* the last descriptor read (0 when none) */
	uint64_t size;    /* NS2_OK: bytes the leaf maps */
	bool r, w, x;     /* NS2_OK: S2AP read, write; executable (XN clear) */
};

/*
 * L0's side, for the walk and the fill. read: 8 bytes of L1's memory at an L1
 * IPA (0, or -EFAULT outside the VM's RAM). translate: L0's stage 2 for an L1
 * IPA (0 with the PA and L0's leaf descriptor, or -ENOENT: not RAM).
 */
struct ns2_l0 {
	int (*read)(void *ctx, uint64_t l1_ipa, uint64_t *val);
	int (*translate)(void *ctx, uint64_t l1_ipa, uint64_t *pa, uint64_t *desc);
	void *ctx;
};

/*
 * Walks L1's stage 2 (vtcr, vttbr as L1 wrote them) for an L2 IPA. 4, 16 and
 * 64 KiB granules, concatenated start tables, blocks where the granule
 * allows them. Whatever L1 wrote, the answer is in *w; no error return.
 * max_ipa_bits: the IPA size L0 offers (a larger VTCR_EL2.T0SZ faults).
 */
void ns2_walk(const struct ns2_l0 *l0, uint64_t vtcr, uint64_t vttbr, unsigned max_ipa_bits,
	      uint64_t ipa, struct ns2_walk *w);

/* Whether the leaf w allows the access the abort esr describes (ESR_EL2: EC
 * 0x20/0x24, WnR, S1PTW); a refusal becomes NS2_PERMISSION at w->level. */
bool ns2_access_ok(const struct ns2_walk *w, uint64_t esr);

/* The L2 IPA of a stage-2 abort: HPFAR_EL2.FIPA with FAR_EL2's page offset. */
static inline uint64_t ns2_fault_ipa(uint64_t far, uint64_t hpfar)
{
	return ((hpfar >> 4) & 0xfffffffffull) << 12 | (far & 0xfff);
}

/* What L0 writes into L1's virtual EL2 registers to reflect a stage-2 abort. */
struct ns2_syndrome {
	uint64_t esr;   /* vESR_EL2 */
	uint64_t far;   /* vFAR_EL2: L2's VA, as the original exit had it */
	uint64_t hpfar; /* vHPFAR_EL2: FIPA = IPA[47:12] at [39:4] */
};

/* The fault status code (DFSC/IFSC) for a fault kind at a level, 0 for NS2_OK. */
unsigned ns2_fsc(enum ns2_fault kind, unsigned level);

/*
 * The stage-2 abort L1 takes for an L2 access that the original exit (esr,
 * far) describes, at L2 IPA ipa, refused by L1's tables as w says: EC and IL
 * as the original had them (0x24 data, 0x20 instruction: from a lower EL as
 * seen from EL2), DFSC/IFSC from w, WnR, S1PTW, CM and FnV kept, the ISV
 * syndrome (SAS, SSE, SRT, SF, AR) only when the original had ISV set, the
 * rest (EA, SET, VNCR) clear.
 */
void ns2_syndrome(uint64_t esr, uint64_t far, uint64_t ipa, const struct ns2_walk *w,
		  struct ns2_syndrome *out);

/* ------------------------------------------------------------ shadow tables */

#define NS2_MAX_SHADOWS 4 /* > HYPCFG_MAX_VCPUS - 1: a free one always exists */
#define NS2_MIN_POOL    (NS2_MAX_SHADOWS + 8) /* pages: the roots and one fill */

struct ns2_shadow {
	uint64_t l1_vttbr;      /* the key: L1's VTTBR_EL2 (BADDR and VMID) */
	uint64_t l1_vtcr;       /* L1's VTCR_EL2 the entries were made with */
	uint64_t root_pa;       /* the shadow table's root: a fixed pool page */
	unsigned start_level;   /* of L0's stage 2 (s2_start_level()) */
	uint64_t vmid;          /* L0's VMID for L2 on it (vmid_acquire()) */
	uint64_t hw_vttbr;      /* the VTTBR_EL2 last given for it; 0: never run */
	uint64_t last_use;
	unsigned entries;       /* pages mapped now */
	uint32_t users;         /* vCPUs (bit per id) running L2 on it */
	bool used;
};

struct nested_s2 {
	spinlock_t lock;
	struct ns2_l0 l0;
	unsigned ipa_bits;         /* L0's stage-2 input size: the shadows' too */
	struct page_allocator pool; /* the pages after the roots */
	struct ns2_shadow sh[NS2_MAX_SHADOWS];
	uint64_t clock;
	/* Counts, for the status and tests. */
	uint64_t fills, reflected, l0_handled, resets, evictions;
};

/*
 * pool_pa/pool_size: pages the hypervisor owns for the shadow tables (at
 * least NS2_MIN_POOL; a 2 MiB chunk gives 512). ipa_bits: L0's stage-2 IPA
 * size. 0 or -EINVAL.
 */
int nested_s2_init(struct nested_s2 *ns, uint64_t pool_pa, uint64_t pool_size,
		   unsigned ipa_bits, const struct ns2_l0 *l0);
/* The VM goes: the shadows' VMIDs are released (vmids may be NULL). */
void nested_s2_destroy(struct nested_s2 *ns, struct vmid_allocator *vmids);

/* L0's side for a VM: its RAM and its own stage 2 (vm->s2). */
void nested_s2_vm_l0(struct vm *vm, struct ns2_l0 *l0);
/* A VM with el2=on: a chunk of guest_pool for vm->ns2, over L0's side for
 * the VM. 0 or -ENOMEM. */
int nested_s2_vm_init(struct vm *vm, unsigned ipa_bits);
/* Its end: the shadows' VMIDs released, the chunk given back (none: nothing). */
void nested_s2_vm_free(struct vm *vm, struct vmid_allocator *vmids);

/*
 * At ERET into L2 with L1's vHCR_EL2.VM set: the shadow for L1's VTTBR,
 * selected or made (an unused one evicted; a VTCR change empties it), and
 * marked as in use by vCPU v. Returns the shadow; the VTTBR_EL2 to run L2
 * on is nested_s2_vttbr() of it. Never fails.
 */
struct ns2_shadow *nested_s2_enter(struct nested_s2 *ns, const struct vcpu *v,
				   uint64_t l1_vttbr, uint64_t l1_vtcr);
/* The vCPU left L2 (an exit reflected to L1, or L1's stage 2 turned off). */
void nested_s2_leave(struct nested_s2 *ns, const struct vcpu *v);
/* VTTBR_EL2 for L2 on sh, its VMID acquired on cpu (at every entry, as the VM's own). */
uint64_t nested_s2_vttbr(struct ns2_shadow *sh, struct vmid_allocator *vmids, unsigned cpu);
/* The shadow page for an L2 IPA: 0 with L0's PA and the descriptor, or -ENOENT. */
int nested_s2_lookup(const struct ns2_shadow *sh, uint64_t ipa, uint64_t *pa, uint64_t *desc);

enum ns2_result {
	NS2_FILLED = 0,  /* the shadow page is there; L2 retries the access */
	NS2_REFLECT = 1, /* inject syn into virtual EL2 as a stage-2 abort */
	NS2_MMIO = 2,    /* L0 emulates the access as MMIO at l1_ipa */
};

struct ns2_fault_info {
	enum ns2_result result;
	struct ns2_walk walk;
	struct ns2_syndrome syn; /* NS2_REFLECT */
	uint64_t l2_ipa;
	uint64_t l1_ipa;         /* NS2_FILLED, NS2_MMIO */
};

/*
 * L2 took a stage-2 abort (esr EC 0x20 or 0x24, far, hpfar as the exit had
 * them; hpfar must be valid: on hardware that leaves it UNKNOWN for a
 * permission fault, resolve it first) while running on L1's tables vtcr and
 * vttbr. 0 with *out, or -EINVAL when esr is not an abort from a lower EL.
 */
int nested_s2_fault(struct nested_s2 *ns, const struct vcpu *v, uint64_t l1_vtcr,
		    uint64_t l1_vttbr, uint64_t esr, uint64_t far, uint64_t hpfar,
		    struct ns2_fault_info *out);

/* L1's TLB maintenance, as nested_s2_tlbi() takes it. */
enum ns2_tlbi_op {
	NS2_TLBI_IPA = 0,      /* IPAS2E1(IS/OS), IPAS2LE1(IS/OS): one IPA of L1's VMID */
	NS2_TLBI_VMALLS12 = 1, /* VMALLS12E1(IS/OS): everything of L1's VMID */
	NS2_TLBI_VMALLE1 = 2,  /* VMALLE1(IS/OS): L2's stage 1 only; no shadow page goes */
	NS2_TLBI_ALL = 3,      /* ALLE1(IS/OS): every VMID */
};

/*
 * A trapped system instruction (ESR_EL2 EC 0x18: Op0 1, op1, CRn 8 or 9, CRm,
 * op2, and Xt) that is one of the above: true with *op, *ipa and *size (the
 * TTL hint's block size, 0 when the hint is absent). False for anything else.
 */
bool ns2_tlbi_decode(unsigned op1, unsigned crn, unsigned crm, unsigned op2, uint64_t xt,
		     enum ns2_tlbi_op *op, uint64_t *ipa, uint64_t *size);

/*
 * Runs L1's TLBI: drops the shadow pages it covers (op NS2_TLBI_IPA: ipa and
 * size, size 0 widened to the largest block L1's granule allows, since the
 * entry L1 removed may have been a block) in the shadows of l1_vttbr's VMID,
 * and invalidates L0's TLB entries for them. Returns the pages dropped.
 */
unsigned nested_s2_tlbi(struct nested_s2 *ns, const struct vcpu *v, enum ns2_tlbi_op op,
			uint64_t l1_vttbr, uint64_t ipa, uint64_t size);

#endif
