/*
 * Stage-2 translation tables (Arm ARM D8.3, VMSAv8-64 with the 4 KiB
 * granule). Guest RAM is mapped as normal write-back memory, read-write,
 * executable; everything else stays unmapped so that a guest access there
 * faults to EL2 (MMIO emulation or an injected abort).
 */
#ifndef HYP_STAGE2_H
#define HYP_STAGE2_H

#include <stdint.h>

#include "hyp/include/mm.h"
#include "hyp/include/vm.h"

/* Lower and upper attributes of a stage-2 block or page descriptor. */
#define S2_MEMATTR_NORMAL_WB (0xfull << 2) /* MemAttr[5:2] = 0b1111 */
#define S2_AP_RW             (3ull << 6)   /* S2AP[7:6] */
#define S2_SH_INNER          (3ull << 8)
#define S2_AF                (1ull << 10)
#define S2_XN                (1ull << 54)  /* XN[1] (XN[0] only with FEAT_XNX) */
#define S2_NORMAL_RWX        (S2_MEMATTR_NORMAL_WB | S2_AP_RW | S2_SH_INNER | S2_AF)

#define PTE_VALID  1ull
#define PTE_TABLE  3ull /* at levels 0-2; at level 3 the same bits mean "page" */
#define PTE_BLOCK  1ull
#define PTE_ADDR_MASK 0x0000fffffffff000ull

/*
 * ipa_bits comes from ID_AA64MMFR0_EL1.PARange (at most 48 with this granule).
 * A 40..48-bit IPA space starts the walk at level 0, 32..39 bits at level 1.
 */
unsigned s2_start_level(unsigned ipa_bits);

int s2_init(struct s2_pgtable *s2, struct page_allocator *pages, unsigned ipa_bits);
/* Maps [ipa, ipa + size) to [pa, ...) with 2 MiB blocks where aligned, pages elsewhere. */
int s2_map(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa, uint64_t pa,
	   uint64_t size, uint64_t attrs);
/*
 * The same with 4 KiB pages only, whatever the alignment: what guest RAM is
 * mapped with (vm.c says why). 2 KiB of leaf tables per MiB mapped.
 */
int s2_map_pages(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa, uint64_t pa,
		 uint64_t size, uint64_t attrs);
/* The PA behind an IPA, or -ENOENT (also for gdb stub memory access). */
int s2_translate(const struct s2_pgtable *s2, uint64_t ipa, uint64_t *pa);
/* The same, with the leaf descriptor that maps it (desc may be NULL). */
int s2_leaf(const struct s2_pgtable *s2, uint64_t ipa, uint64_t *pa, uint64_t *desc);
/*
 * The entry at `level` on the way to ipa. With pages, missing tables above
 * it are made (*err -ENOMEM when none is left); without, a missing one gives
 * NULL and -ENOENT. A block above `level` gives NULL and -EEXIST.
 */
uint64_t *s2_entry(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa,
		   unsigned level, int *err);
void s2_destroy(struct s2_pgtable *s2, struct page_allocator *pages);

#endif
