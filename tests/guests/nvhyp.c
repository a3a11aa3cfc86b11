/*
 * A guest hypervisor (run with el2=on): it starts at virtual EL2, sets its
 * vectors (VBAR_EL2) and HCR_EL2, enters an L2 at EL1 (code in this image,
 * MMU off, L1's stage 2 off), receives and checks L2's HVCs (ESR_EL2 class
 * 0x16 and immediate, ELR_EL2 just after the HVC, SPSR_EL2 mode EL1h), and
 * powers off with PSCI SYSTEM_OFF over SMC.
 *
 * Command line (bootargs):
 *   nv_hvcs=N  L2 makes N HVCs (default 8), then a last one to end it
 *   nv_twi=1   L1 sets HCR_EL2.TWI: L2's WFI comes to L1 (else L0 handles it)
 *   nv_dev=1   L2 reads the UART's and the GIC distributor's registers,
 *              which L1 does not map: L0 emulates them and L1 sees nothing
 *   nv_irq=N   L1 sets HCR_EL2.IMO and enables SGI 5; L2 sends itself N
 *              SGI 5s (ICC_SGI1R_EL1, emulated in L0): each enters L1 at its
 *              IRQ vector from a lower EL, where L1 acknowledges it
 *   nv_traps=1 L1 sets HCR_EL2.TVM and TSC: L2's write of CONTEXTIDR_EL1 and
 *              its SMC come to L1 (EC 0x18, EC 0x17), which steps over them
 *   nv_mmu=1   L1 turns its own MMU on first (TTBR0_EL2, TCR_EL2, MAIR_EL2,
 *              SCTLR_EL2: trapped, carried by the EL1 registers): RAM 1:1 and
 *              cacheable, plus an alias of RAM at 2 GiB that proves it
 *   nv_s2=1    L1 turns its stage 2 on for L2: RAM identity-mapped, the UART
 *              passed through, a window at 0x80000000 with a page mapped,
 *              one not, one read-only. L2 reads inside (works), reads and
 *              writes outside (each reaches L1 as a stage-2 abort, its
 *              ESR_EL2, FAR_EL2 and HPFAR_EL2 checked), reads the UART (L0
 *              emulates it at L1's IPA), then L1 maps another page there,
 *              invalidates (TLBI IPAS2E1IS) and L2 must read the new one
 *   nv_bench=1 first, L2 counts the EL2 instructions (HYPSCOPE_HVC_EL2_INSNS
 *              over SMC, exact under QEMU's -icount) of an SMC handled in L0
 *              (PSCI_VERSION; L1 leaves TSC clear) and of an HVC reflected to
 *              L1 and resumed by its ERET; L1 prints them as BENCH lines
 *
 * The runtime (lib/) is EL1 code; at virtual EL2 its EL1 register writes
 * (SCTLR_EL1, VBAR_EL1...) land in the VNCR page as L2's, which is harmless:
 * L1 sets L2's registers itself below, and has its own vectors here.
 */
#include "libguest.h"

#define L2_HVC_IMM   0x4e56 /* "NV" */
#define L2_END_IMM   0xffff
#define L2_BAD_IMM   0xbad  /* L2's own vectors: an exception L2 did not expect */
#define L2_BENCH_IMM 0x4e57 /* the bench's HVCs: L1 returns at once */
#define BENCH_ROUND_TRIPS 500
#define HCR_RW       (1ull << 31)
#define HCR_TWI      (1ull << 13)
#define SPSR_EL1H_DAIF 0x3c5ull
#define SPSR_EL2H_DAIF 0x3c9ull
#define EC_WFX       0x01
#define EC_HVC64     0x16
#define L2_STACK_SIZE 4096

/* L1's exception frame, as el2_vectors saves it: x0..x30. */
struct l1_frame {
	uint64_t x[31];
	uint64_t pad;
};

/* Written by L2 (MMU off on both sides: no cache to clean in between). */
volatile uint64_t l2_currentel, l2_mpidr;
#define L2_VMPIDR 0x80000042ull /* the MPIDR L1 gives L2 (Aff0 0x42) */
static volatile unsigned hvcs_seen, hvcs_bad, wfi_seen, unexpected, irqs_seen, irqs_bad;
static volatile uint64_t first_bad_esr, first_bad_elr, first_bad_spsr;
static volatile bool l2_ended, illegal_expected;
static volatile unsigned illegal_seen, traps_seen, traps_bad;
static volatile uint64_t illegal_spsr;
static uint64_t l2_stack[L2_STACK_SIZE / 8] __attribute__((aligned(16)));

/* Labels in the L2 code below. */
extern char l1_illegal_at[];
extern char l2_entry[], l2_hvc_ret[], l2_wfi[], l2_sgi_ret[], l2_tvm_at[], l2_smc_at[], l2_vectors[], el2_vectors[];
uint64_t l2_run(uint64_t hvcs, uint64_t flags, uint64_t irqs);
void l1_back_from_l2(void);

#define L2_F_WFI 1
#define L2_F_DEV 2
#define L2_F_BENCH 4
#define L2_F_IRQ 8
#define L2_F_TRAPS 16
#define HCR_TSC (1ull << 19)
#define HCR_TVM (1ull << 26)
#define EC_SMC64 0x17
#define EC_SYS64 0x18
#define ISS_SYSREG_MASK 0x3ffc1eull /* op0, op2, op1, CRn, CRm: the register */
#define ISS_CONTEXTIDR_EL1 ((3ull << 20) | (1ull << 17) | (13ull << 10))
#define NV_SGI 5
#define HCR_IMO (1ull << 4)

/* The bench's figures, per mille of an instruction, written by L2. */
volatile uint64_t bench_l0_milli, bench_l1_milli;
void l2_bench(void);

/* An SMCCC call over SMC from L2: x1 back. */
static uint64_t l2_smc(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = 0;
	register uint64_t x2 __asm__("x2") = 0;
	register uint64_t x3 __asm__("x3") = 0;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x1;
}

static uint64_t l2_el2_insns(void)
{
	return l2_smc(HYPSCOPE_HVC_EL2_INSNS);
}

/* EL2 instructions of n round trips: SMCs handled in L0, or HVCs to L1. */
static uint64_t l2_window(unsigned n, bool reflected)
{
	uint64_t start = l2_el2_insns();

	for (unsigned i = 0; i < n; i++) {
		if (reflected)
			__asm__ volatile("hvc #0x4e57" ::: "memory");
		else
			l2_smc(PSCI_VERSION);
	}
	return l2_el2_insns() - start;
}

/* At EL1 in L2, on L2's stack, called from l2_entry. */
void l2_bench(void)
{
	for (unsigned r = 0; r < 2; r++) {
		uint64_t empty, full;

		l2_window(BENCH_ROUND_TRIPS, r); /* warm up: first-touch effects out of the way */
		empty = l2_window(0, r);
		full = l2_window(BENCH_ROUND_TRIPS, r);
		if (r)
			bench_l1_milli = (full - empty) * 1000 / BENCH_ROUND_TRIPS;
		else
			bench_l0_milli = (full - empty) * 1000 / BENCH_ROUND_TRIPS;
	}
}

/*
 * L2, at EL1: x0 = HVCs to make, x1 = flags, x2 = SGIs to send itself. Each
 * HVC carries its index in x0. Then the SGIs, a WFI (with its virtual timer due at once, so that when L0
 * handles the WFI it ends), the device reads, and the last HVC.
 */
__asm__(".text\n"
	".balign 4\n"
	".global l2_entry\n"
	"l2_entry:\n"
	"	mrs	x4, CurrentEL\n"
	"	adrp	x5, l2_currentel\n"
	"	str	x4, [x5, :lo12:l2_currentel]\n"
	"	mrs	x4, mpidr_el1\n"
	"	adrp	x5, l2_mpidr\n"
	"	str	x4, [x5, :lo12:l2_mpidr]\n"
	"	mov	x19, x0\n"
	"	mov	x20, x1\n"
	"	mov	x21, #0\n"
	"	mov	x23, x2\n"
	"	tbnz	x20, #5, l2_s2\n"
	"	tbz	x20, #2, 1f\n"
	"	bl	l2_bench\n"
	"1:	cmp	x21, x19\n"
	"	b.hs	2f\n"
	"	mov	x0, x21\n"
	"	hvc	#0x4e56\n"
	".global l2_hvc_ret\n"
	"l2_hvc_ret:\n"
	"	add	x21, x21, #1\n"
	"	b	1b\n"
	"2:	tbz	x20, #3, 7f\n"
	"	mov	x22, #0\n"
	"6:	cmp	x22, x23\n"
	"	b.hs	7f\n"
	"	mov	x3, #1\n"			/* TargetList: Aff0 0, itself */
	"	movk	x3, #0x500, lsl #16\n"	/* INTID 5 */
	"	msr	s3_0_c12_c11_5, x3\n"		/* ICC_SGI1R_EL1 */
	".global l2_sgi_ret\n"
	"l2_sgi_ret:\n"
	"	add	x22, x22, #1\n"
	"	b	6b\n"
	"7:	tbz	x20, #4, 8f\n"
	".global l2_tvm_at\n"
	"l2_tvm_at:\n"
	"	msr	contextidr_el1, xzr\n"
	"	mov	x0, #0x84000000\n"		/* PSCI_VERSION */
	".global l2_smc_at\n"
	"l2_smc_at:\n"
	"	smc	#0\n"
	"8:	tbz	x20, #0, 3f\n"
	"	mrs	x2, cntvct_el0\n"
	"	add	x2, x2, #16\n"
	"	msr	cntv_cval_el0, x2\n"
	"	mov	x2, #1\n"
	"	msr	cntv_ctl_el0, x2\n"
	"	isb\n"
	".global l2_wfi\n"
	"l2_wfi:\n"
	"	wfi\n"
	"	msr	cntv_ctl_el0, xzr\n"
	"3:	tbz	x20, #1, 4f\n"
	"	mov	x2, #0x09000000\n"	/* PL011 FR */
	"	ldr	w3, [x2, #0x18]\n"
	"	mov	x2, #0x08000000\n"	/* GICD_CTLR */
	"	ldr	w3, [x2]\n"
	"4:	hvc	#0xffff\n"
	"	b	4b\n"
	/* nv_s2: L2 behind L1's stage 2 (x1 = the window, 0x80000000). */
	".global l2_s2\n"
	"l2_s2:\n"
	"	movz	x1, #0x8000, lsl #16\n"
	"	ldr	x2, [x1]\n"			/* inside: page A */
	"	hvc	#0x5301\n"
	".global l2_s2_out\n"
	"l2_s2_out:\n"
	"	ldr	x3, [x1, #0x1000]\n"		/* outside: not mapped */
	".global l2_s2_ro\n"
	"l2_s2_ro:\n"
	"	str	x2, [x1, #0x2000]\n"		/* read-only */
	"	mov	x4, #0x09000000\n"
	"	ldr	w3, [x4, #0x18]\n"		/* the UART, through L1's mapping */
	"	hvc	#0x5302\n"			/* L1 remaps the window's first page */
	"	ldr	x2, [x1]\n"
	"	hvc	#0x5303\n"
	"	b	4b\n"
	/* L2's own vectors: nothing should arrive; say so to L1. */
	".balign 2048\n"
	".global l2_vectors\n"
	"l2_vectors:\n"
	".rept 16\n"
	".balign 128\n"
	"	hvc	#0xbad\n"
	"	b	.\n"
	".endr\n");

/*
 * L1's vectors (VBAR_EL2). Every entry saves x0..x30, calls
 * l1_exception(frame, index), restores and ERETs (emulated by L0: EC 0x1A).
 * l2_run() enters L2 with an ERET and comes back through l1_back_from_l2,
 * which the handler makes the return address of the last ERET.
 */
__asm__(".text\n"
	".macro l1_vector idx\n"
	".balign 128\n"
	"	sub	sp, sp, #256\n"
	"	stp	x0, x1, [sp, #0]\n"
	"	mov	x1, #\\idx\n"
	"	b	l1_vector_common\n"
	".endm\n"
	".balign 2048\n"
	".global el2_vectors\n"
	"el2_vectors:\n"
	"	l1_vector 0\n	l1_vector 1\n	l1_vector 2\n	l1_vector 3\n"
	"	l1_vector 4\n	l1_vector 5\n	l1_vector 6\n	l1_vector 7\n"
	"	l1_vector 8\n	l1_vector 9\n	l1_vector 10\n	l1_vector 11\n"
	"	l1_vector 12\n	l1_vector 13\n	l1_vector 14\n	l1_vector 15\n"
	"l1_vector_common:\n"
	"	stp	x2, x3, [sp, #16]\n"
	"	stp	x4, x5, [sp, #32]\n"
	"	stp	x6, x7, [sp, #48]\n"
	"	stp	x8, x9, [sp, #64]\n"
	"	stp	x10, x11, [sp, #80]\n"
	"	stp	x12, x13, [sp, #96]\n"
	"	stp	x14, x15, [sp, #112]\n"
	"	stp	x16, x17, [sp, #128]\n"
	"	stp	x18, x19, [sp, #144]\n"
	"	stp	x20, x21, [sp, #160]\n"
	"	stp	x22, x23, [sp, #176]\n"
	"	stp	x24, x25, [sp, #192]\n"
	"	stp	x26, x27, [sp, #208]\n"
	"	stp	x28, x29, [sp, #224]\n"
	"	str	x30, [sp, #240]\n"
	"	mov	x0, sp\n"
	"	bl	l1_exception\n"
	"	ldp	x0, x1, [sp, #0]\n"
	"	ldp	x2, x3, [sp, #16]\n"
	"	ldp	x4, x5, [sp, #32]\n"
	"	ldp	x6, x7, [sp, #48]\n"
	"	ldp	x8, x9, [sp, #64]\n"
	"	ldp	x10, x11, [sp, #80]\n"
	"	ldp	x12, x13, [sp, #96]\n"
	"	ldp	x14, x15, [sp, #112]\n"
	"	ldp	x16, x17, [sp, #128]\n"
	"	ldp	x18, x19, [sp, #144]\n"
	"	ldp	x20, x21, [sp, #160]\n"
	"	ldp	x22, x23, [sp, #176]\n"
	"	ldp	x24, x25, [sp, #192]\n"
	"	ldp	x26, x27, [sp, #208]\n"
	"	ldp	x28, x29, [sp, #224]\n"
	"	ldr	x30, [sp, #240]\n"
	"	add	sp, sp, #256\n"
	"	eret\n"
	/* uint64_t l2_run(hvcs, flags): L1's callee-saved registers and SP
	 * are kept in l1_saved while L2 runs. */
	".global l2_run\n"
	"l2_run:\n"
	"	adrp	x9, l1_saved\n"
	"	add	x9, x9, :lo12:l1_saved\n"
	"	stp	x19, x20, [x9, #0]\n"
	"	stp	x21, x22, [x9, #16]\n"
	"	stp	x23, x24, [x9, #32]\n"
	"	stp	x25, x26, [x9, #48]\n"
	"	stp	x27, x28, [x9, #64]\n"
	"	stp	x29, x30, [x9, #80]\n"
	"	mov	x10, sp\n"
	"	str	x10, [x9, #96]\n"
	"	adrp	x10, l2_entry\n"
	"	add	x10, x10, :lo12:l2_entry\n"
	"	msr	elr_el2, x10\n"
	"	mov	x10, #0x3c5\n"		/* EL1h, DAIF masked */
	"	msr	spsr_el2, x10\n"
	"	eret\n"
	".global l1_back_from_l2\n"
	"l1_back_from_l2:\n"
	"	adrp	x9, l1_saved\n"
	"	add	x9, x9, :lo12:l1_saved\n"
	"	ldp	x19, x20, [x9, #0]\n"
	"	ldp	x21, x22, [x9, #16]\n"
	"	ldp	x23, x24, [x9, #32]\n"
	"	ldp	x25, x26, [x9, #48]\n"
	"	ldp	x27, x28, [x9, #64]\n"
	"	ldp	x29, x30, [x9, #80]\n"
	"	ldr	x10, [x9, #96]\n"
	"	mov	sp, x10\n"
	"	mov	x0, #0\n"
	"	ret\n");

uint64_t l1_saved[13];

/*
 * nv_s2: L1's stage 2 for L2 (4 KiB granule, 39-bit IPA from level 1), its
 * pages, and what L1 saw of L2's accesses.
 */
#define L2_F_S2      32
#define S2_WINDOW    0x80000000ull
#define S2_RW        (0xfull << 2 | 3ull << 6 | 3ull << 8 | 1ull << 10) /* normal WB, RW, AF */
#define S2_RO        (0xfull << 2 | 1ull << 6 | 3ull << 8 | 1ull << 10)
#define S2_DEV       (1ull << 2 | 3ull << 6 | 1ull << 10)               /* Device-nGnRE */
#define S2_VTCR      (25ull | 1ull << 6 | 1ull << 8 | 1ull << 10 | 3ull << 12 | 2ull << 16)
#define S2_VMID      (7ull << 48)
#define HCR_VM       (1ull << 0)
#define EC_DABT_LOW  0x24
#define A_MAGIC      0xaaaa5301aaaa5301ull
#define B_MAGIC      0xbbbb5303bbbb5303ull
static uint64_t s2_root[512] __attribute__((aligned(4096)));
static uint64_t s2_low[512] __attribute__((aligned(4096)));   /* [0, 1 GiB): the UART */
static uint64_t s2_ram[512] __attribute__((aligned(4096)));   /* [1, 2 GiB): RAM */
static uint64_t s2_win[512] __attribute__((aligned(4096)));   /* [2, 3 GiB): the window */
static uint64_t s2_win3[512] __attribute__((aligned(4096)));
static volatile uint64_t s2_page_a[512] __attribute__((aligned(4096)));
static volatile uint64_t s2_page_b[512] __attribute__((aligned(4096)));
static volatile unsigned s2_in_ok, s2_out_ok, s2_ro_ok, s2_new_ok, s2_remapped;
static volatile uint64_t s2_out_esr, s2_out_far, s2_out_hpfar, s2_ro_esr;
extern char l2_s2_out[], l2_s2_ro[];

static void s2_build(void)
{
	s2_page_a[0] = A_MAGIC;
	s2_page_b[0] = B_MAGIC;
	s2_root[0] = (uint64_t)(uintptr_t)s2_low | 3;
	s2_root[1] = (uint64_t)(uintptr_t)s2_ram | 3;
	s2_root[2] = (uint64_t)(uintptr_t)s2_win | 3;
	s2_low[0x09000000 >> 21] = 0x09000000 | S2_DEV | 1;	/* the UART's 2 MiB */
	for (unsigned i = 0; i < 64; i++)			/* 128 MiB of RAM, 1:1 */
		s2_ram[i] = (0x40000000ull + ((uint64_t)i << 21)) | S2_RW | 1;
	s2_win[0] = (uint64_t)(uintptr_t)s2_win3 | 3;
	s2_win3[0] = (uint64_t)(uintptr_t)s2_page_a | S2_RW | 3;
	s2_win3[2] = (uint64_t)(uintptr_t)s2_page_a | S2_RO | 3; /* [1]: nothing */
	write_sysreg(S2_VTCR, vtcr_el2);
	write_sysreg((uint64_t)(uintptr_t)s2_root | S2_VMID, vttbr_el2);
}

static void note_bad(uint64_t esr, uint64_t elr, uint64_t spsr);

/* A stage-2 abort of L2 in the window, as L1 must see it. */
static void s2_abort(uint64_t esr, uint64_t elr)
{
	uint64_t far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
	unsigned dfsc = (unsigned)esr & 0x3f;
	bool wnr = esr & (1ull << 6);

	if (elr == (uint64_t)(uintptr_t)l2_s2_out) {
		s2_out_esr = esr;
		s2_out_far = far;
		s2_out_hpfar = hpfar;
		/* translation fault, level 3; a read; the IPA and VA of the access */
		s2_out_ok = dfsc == 0x07 && !wnr && far == S2_WINDOW + 0x1000 &&
			    hpfar == (S2_WINDOW + 0x1000) >> 8;
	} else if (elr == (uint64_t)(uintptr_t)l2_s2_ro) {
		s2_ro_esr = esr;
		/* permission fault, level 3; a write */
		s2_ro_ok = dfsc == 0x0f && wnr && far == S2_WINDOW + 0x2000 &&
			   hpfar == (S2_WINDOW + 0x2000) >> 8;
	} else {
		note_bad(esr, elr, 0);
		unexpected++;
	}
	write_sysreg(elr + 4, elr_el2);
}

/* L1 maps page B where page A was, and invalidates what L2 may hold of it. */
static void s2_remap(void)
{
	s2_win3[0] = (uint64_t)(uintptr_t)s2_page_b | S2_RW | 3;
	__asm__ volatile("dsb	ishst\n"
			 "tlbi	ipas2e1is, %0\n"
			 "dsb	ish\n"
			 "tlbi	vmalle1is\n"
			 "dsb	ish\n"
			 "isb" : : "r"(S2_WINDOW >> 12) : "memory");
	s2_remapped++;
}

static void note_bad(uint64_t esr, uint64_t elr, uint64_t spsr)
{
	if (!hvcs_bad && !unexpected) {
		first_bad_esr = esr;
		first_bad_elr = elr;
		first_bad_spsr = spsr;
	}
}

void l1_exception(struct l1_frame *f, uint64_t idx);
void l1_exception(struct l1_frame *f, uint64_t idx)
{
	uint64_t esr = read_sysreg(esr_el2);
	uint64_t elr = read_sysreg(elr_el2);
	uint64_t spsr = read_sysreg(spsr_el2);
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	unsigned imm = (unsigned)(esr & 0xffff);

	if (idx == 9) {
		/* An IRQ from L2 (HCR_EL2.IMO): it is in L1's CPU interface. */
		uint64_t iar = read_sysreg(s3_0_c12_c12_0); /* ICC_IAR1_EL1 */

		if ((iar & 0xffffff) != NV_SGI || elr != (uint64_t)(uintptr_t)l2_sgi_ret ||
		    (spsr & 0xf) != 0x5) {
			note_bad(esr, elr, spsr);
			irqs_bad++;
		}
		irqs_seen++;
		if ((iar & 0xffffff) < 1020)
			write_sysreg(iar, s3_0_c12_c12_1); /* ICC_EOIR1_EL1 */
		return;
	}
	if (idx == 4 && illegal_expected && ec == 0x0e && elr == (uint64_t)(uintptr_t)l1_illegal_at) {
		/* The Illegal State exception after L1's illegal ERET: at its
		 * own level (current EL, SP_ELx), PSTATE.IL in SPSR_EL2. Clear
		 * it, or the ERET back would be illegal again. */
		illegal_seen++;
		illegal_spsr = spsr;
		write_sysreg(spsr & ~(1ull << 20), spsr_el2);
		return;
	}
	if (idx != 8) {
		/* Not a synchronous exception from L2 (lower EL, AArch64). */
		note_bad(esr, elr, spsr);
		unexpected++;
		printf("L1: exception at vector %lu: ESR_EL2 %#lx ELR_EL2 %#lx SPSR_EL2 %#lx\n",
		       (unsigned long)idx, (unsigned long)esr, (unsigned long)elr,
		       (unsigned long)spsr);
		if (idx < 8) /* L1's own: there is nothing sane to return to */
			guest_exit(GUEST_EXIT_RUNTIME_ERROR);
	} else if (ec == EC_HVC64 && imm == L2_END_IMM) {
		l2_ended = true;
		/* Back to L1 itself: an ERET that stays at (virtual) EL2. */
		write_sysreg((uint64_t)(uintptr_t)l1_back_from_l2, elr_el2);
		write_sysreg(SPSR_EL2H_DAIF, spsr_el2);
		return;
	} else if (ec == EC_DABT_LOW) {
		s2_abort(esr, elr);
	} else if (ec == EC_HVC64 && imm == 0x5301) {
		s2_in_ok = f->x[2] == A_MAGIC;
	} else if (ec == EC_HVC64 && imm == 0x5302) {
		s2_remap();
	} else if (ec == EC_HVC64 && imm == 0x5303) {
		s2_new_ok = f->x[2] == B_MAGIC;
		/* the end, as L2's last HVC */
		l2_ended = true;
		write_sysreg((uint64_t)(uintptr_t)l1_back_from_l2, elr_el2);
		write_sysreg(SPSR_EL2H_DAIF, spsr_el2);
	} else if (ec == EC_HVC64 && imm == L2_BENCH_IMM) {
		return; /* the bench's round trip: straight back */
	} else if (ec == EC_HVC64 && imm == L2_HVC_IMM) {
		bool ok = elr == (uint64_t)(uintptr_t)l2_hvc_ret && (spsr & 0xf) == 0x5 &&
			  f->x[0] == hvcs_seen && (esr & (1ull << 25));

		if (!ok) {
			note_bad(esr, elr, spsr);
			hvcs_bad++;
		}
		hvcs_seen++;
	} else if (ec == EC_SYS64 && elr == (uint64_t)(uintptr_t)l2_tvm_at) {
		/* TVM: a write (ISS[0] 0) of CONTEXTIDR_EL1, from XZR. */
		if ((esr & ISS_SYSREG_MASK) != ISS_CONTEXTIDR_EL1 || (esr & 1) ||
		    ((esr >> 5) & 31) != 31)
			traps_bad++;
		traps_seen++;
		write_sysreg(elr + 4, elr_el2);
	} else if (ec == EC_SMC64 && elr == (uint64_t)(uintptr_t)l2_smc_at) {
		/* TSC: a trapped SMC returns to itself; L1 answers it. */
		if ((esr & 0xffff) != 0)
			traps_bad++;
		traps_seen++;
		f->x[0] = 0x4c31; /* "L1" */
		write_sysreg(elr + 4, elr_el2);
	} else if (ec == EC_WFX && (esr & 3) == 0 && elr == (uint64_t)(uintptr_t)l2_wfi) {
		wfi_seen++;
		/* A trapped WFI returns to itself: step over it. */
		write_sysreg(elr + 4, elr_el2);
	} else {
		note_bad(esr, elr, spsr);
		unexpected++;
		write_sysreg(elr + 4, elr_el2);
	}
}

/* L1's EL2 stage 1 (nv_mmu=1): level-1 blocks of 1 GiB, 39-bit VAs. */
static uint64_t l1_pgd[512] __attribute__((aligned(4096)));
static volatile uint64_t alias_probe = 0x4c314d4d55ull; /* "L1MMU" */

#define PTE_BLOCK     1ull
#define PTE_ATTR(i)   ((uint64_t)(i) << 2)
#define PTE_SH_INNER  (3ull << 8)
#define PTE_AF        (1ull << 10)
#define PTE_XN        (1ull << 54)  /* EL2 regime: XN */
#define ALIAS_VA      0x80000000ull

static bool l1_mmu_on(void)
{
	uint64_t ram = 0x40000000ull;
	uint64_t sctlr;

	l1_pgd[0] = 0x0 | PTE_BLOCK | PTE_ATTR(0) | PTE_AF | PTE_XN; /* devices */
	l1_pgd[1] = ram | PTE_BLOCK | PTE_ATTR(1) | PTE_SH_INNER | PTE_AF;
	l1_pgd[2] = ram | PTE_BLOCK | PTE_ATTR(1) | PTE_SH_INNER | PTE_AF | PTE_XN; /* alias */
	dsb(ish);
	/* MAIR_EL2: 0 Device-nGnRE, 1 Normal write-back. */
	write_sysreg(0x04ull | (0xffull << 8), mair_el2);
	/* TCR_EL2: T0SZ 25, inner/outer write-back walks, inner shareable, 4K, PS 40 bits. */
	write_sysreg(25 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (2ull << 16) | (1ull << 23) |
			     (1ull << 31),
		     tcr_el2);
	write_sysreg((uint64_t)(uintptr_t)l1_pgd, ttbr0_el2);
	__asm__ volatile("isb\n"
			 "tlbi alle2\n"
			 "dsb nsh\n"
			 "isb" ::: "memory");
	sctlr = read_sysreg(sctlr_el2) | 1 | (1 << 2) | (1 << 12); /* M, C, I */
	write_sysreg(sctlr, sctlr_el2);
	isb();
	return (read_sysreg(sctlr_el2) & 5) == 5;
}

static void psci_off_smc(void)
{
	register uint64_t x0 __asm__("x0") = 0x84000008; /* PSCI SYSTEM_OFF */

	__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

int main(void)
{
	uint64_t hvcs = 8, twi = 0, dev = 0, bench = 0, irqs = 0, traps = 0, mmu = 0, s2 = 0, hcr, flags;

	boot_arg_u64("nv_hvcs", &hvcs);
	boot_arg_u64("nv_twi", &twi);
	boot_arg_u64("nv_dev", &dev);
	boot_arg_u64("nv_bench", &bench);
	boot_arg_u64("nv_irq", &irqs);
	boot_arg_u64("nv_traps", &traps);
	boot_arg_u64("nv_s2", &s2);
	boot_arg_u64("nv_mmu", &mmu);

	report((read_sysreg(CurrentEL) >> 2) == 2, "L1 runs at EL2 (CurrentEL %lu)",
	       (unsigned long)(read_sysreg(CurrentEL) >> 2));
	report(((read_sysreg(id_aa64pfr0_el1) >> 8) & 0xf) == 1,
	       "ID_AA64PFR0_EL1.EL2 says EL2 (AArch64)");
	report(((read_sysreg(s3_0_c0_c7_2) >> 24) & 0xf) == 0,
	       "ID_AA64MMFR2_EL1.NV is 0: no nested virtualization inside");

	report((int64_t)smccc_hvc(0xc4000020, 0, 0, 0).a0 == -1,
	       "SDEI is off for a guest hypervisor (SDEI_VERSION: NOT_SUPPORTED)");

	write_sysreg((uint64_t)(uintptr_t)el2_vectors, vbar_el2);
	isb();
	report(read_sysreg(vbar_el2) == (uint64_t)(uintptr_t)el2_vectors,
	       "VBAR_EL2 keeps what L1 wrote");

	if (mmu) {
		uint64_t alias = (uint64_t)(uintptr_t)&alias_probe - 0x40000000ull + ALIAS_VA;

		report(l1_mmu_on(), "L1's EL2 MMU is on (SCTLR_EL2.M, C, I read back)");
		report(*(volatile uint64_t *)(uintptr_t)alias == alias_probe,
		       "L1 reads RAM through its alias at %#lx: its stage 1 translates",
		       (unsigned long)alias);
	}

	/* An illegal return (to EL3): PSTATE.IL, the same EL, then an Illegal
	 * State exception at the next instruction, taken by L1 itself. */
	illegal_expected = true;
	__asm__ volatile("adr	x9, l1_illegal_at\n"
			 "msr	elr_el2, x9\n"
			 "mov	x9, #0x3cd\n" /* EL3h, DAIF masked */
			 "msr	spsr_el2, x9\n"
			 "eret\n"
			 ".global l1_illegal_at\n"
			 "l1_illegal_at:\n"
			 "nop\n" ::: "x9", "memory");
	illegal_expected = false;
	report(illegal_seen == 1 && (illegal_spsr & (1ull << 20)) && (illegal_spsr & 0xf) == 0x9,
	       "an illegal ERET (to EL3) sets PSTATE.IL and stays at EL2: SPSR_EL2 %#lx",
	       (unsigned long)illegal_spsr);
	if (irqs) {
		report(gic_init(), "L1's GIC interface and distributor are up");
		gic_irq_enable(NV_SGI);
	}
	hcr = HCR_RW | (twi ? HCR_TWI : 0) | (irqs ? HCR_IMO : 0) | (traps ? HCR_TVM | HCR_TSC : 0) |
	      (s2 ? HCR_VM : 0);
	if (s2)
		s2_build();
	write_sysreg(hcr, hcr_el2);
	report(read_sysreg(hcr_el2) == hcr, "HCR_EL2 keeps what L1 wrote (%#lx)",
	       (unsigned long)hcr);

	/* L2's MPIDR (VMPIDR_EL2, in the VNCR page) and EL1 state: MMU off,
	 * its own vectors and stack. */
	write_sysreg(L2_VMPIDR, vmpidr_el2);
	write_sysreg(0x30d00800ull, sctlr_el1);
	write_sysreg((uint64_t)(uintptr_t)l2_vectors, vbar_el1);
	write_sysreg((uint64_t)(uintptr_t)&l2_stack[L2_STACK_SIZE / 8], sp_el1);
	isb();

	flags = L2_F_WFI | (dev ? L2_F_DEV : 0) | (bench ? L2_F_BENCH : 0) | (irqs ? L2_F_IRQ : 0) |
		(traps ? L2_F_TRAPS : 0) | (s2 ? L2_F_S2 : 0);
	printf("L1: entering L2 for %lu HVCs, TWI %s%s\n", (unsigned long)hvcs,
	       twi ? "set" : "clear", dev ? ", device reads" : "");
	l2_run(hvcs, flags, irqs);

	report(l2_ended, "L2 ran to its last HVC");
	report(l2_currentel == (1 << 2), "L2 runs at EL1 (CurrentEL %lu)",
	       (unsigned long)(l2_currentel >> 2));
	report(l2_mpidr == L2_VMPIDR && (read_sysreg(mpidr_el1) & 0xff) == 0,
	       "L2 reads the MPIDR L1 gave it (%#lx), L1 its own",
	       (unsigned long)l2_mpidr);
	if (!s2)
		report(hvcs_seen == hvcs, "L1 received %u of L2's %lu HVCs", hvcs_seen,
		       (unsigned long)hvcs);
	if (s2) {
		report(s2_in_ok, "nv_s2: L2 read the page L1 maps at %#lx",
		       (unsigned long)S2_WINDOW);
		report(s2_out_ok, "nv_s2: L2's read outside reached L1 as a stage-2 abort: "
		       "translation level 3, FAR_EL2 and HPFAR_EL2 its address (ESR_EL2 %#lx "
		       "FAR_EL2 %#lx HPFAR_EL2 %#lx)", (unsigned long)s2_out_esr,
		       (unsigned long)s2_out_far, (unsigned long)s2_out_hpfar);
		report(s2_ro_ok, "nv_s2: L2's write to a read-only page reached L1: permission "
		       "level 3, WnR (ESR_EL2 %#lx)", (unsigned long)s2_ro_esr);
		report(s2_remapped == 1 && s2_new_ok,
		       "nv_s2: after L1 remapped and invalidated, L2 read the new page");
	}
	report(hvcs_bad == 0, "each HVC: ESR_EL2 class 0x16 with #0x%x, ELR_EL2 after it, "
	       "SPSR_EL2 EL1h, x0 its index (%u wrong)", L2_HVC_IMM, hvcs_bad);
	report(wfi_seen == (twi ? 1u : 0u), "L2's WFI %s L1 (%u seen)",
	       twi ? "reached" : "was handled by L0 and never reached", wfi_seen);
	report(unexpected == 0, "no other exception reached L1 (%u)", unexpected);
	if (irqs)
		report(irqs_seen == irqs && irqs_bad == 0,
		       "L1 took %u of L2's %lu SGIs at its IRQ vector, ELR_EL2 after each, "
		       "SPSR_EL2 EL1h (%u wrong)", irqs_seen, (unsigned long)irqs, irqs_bad);
	if (traps)
		report(traps_seen == 2 && traps_bad == 0,
		       "L2's CONTEXTIDR_EL1 write (TVM) and SMC (TSC) reached L1 with their "
		       "syndromes (%u of 2, %u wrong)", traps_seen, traps_bad);
	if (hvcs_bad || unexpected || irqs_bad || traps_bad)
		printf("L1: first wrong exception: ESR_EL2 %#lx ELR_EL2 %#lx SPSR_EL2 %#lx\n",
		       (unsigned long)first_bad_esr, (unsigned long)first_bad_elr,
		       (unsigned long)first_bad_spsr);
	printf("NV reflected=%u\n", hvcs_seen + 1 + wfi_seen + traps_seen + unexpected);
	if (bench) {
		report(bench_l0_milli > 0 && bench_l1_milli > bench_l0_milli,
		       "bench: EL2 counts instructions, a reflected round trip costs more");
		printf("BENCH nv_el2_insns_l2_smc_l0=%lu.%03lu round_trips=%u\n",
		       (unsigned long)(bench_l0_milli / 1000), (unsigned long)(bench_l0_milli % 1000),
		       BENCH_ROUND_TRIPS);
		printf("BENCH nv_el2_insns_l2_hvc_reflected=%lu.%03lu round_trips=%u\n",
		       (unsigned long)(bench_l1_milli / 1000), (unsigned long)(bench_l1_milli % 1000),
		       BENCH_ROUND_TRIPS);
	}
	if (report_summary())
		return 1;
	printf("L1: powering off with PSCI SYSTEM_OFF over SMC\n");
	psci_off_smc();
	return 1; /* SYSTEM_OFF does not return */
}
