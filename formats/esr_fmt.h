/*
 * One-line text for ESR_EL2 values and SMCCC function ids, in the key=value
 * style of trace reports. Also linked into hyp.elf (the GDB stub's catchpoints).
 *
 *	DABT_LOW isv=1 len=4 sse=0 srt=x1 sf=0 wnr=write dfsc=TRANS_L3
 *	SYS64 CNTV_CTL_EL0 read x1
 *	HVC64 imm=0x0
 *	WFX wfi
 */
#ifndef FORMATS_ESR_FMT_H
#define FORMATS_ESR_FMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * snprintf semantics: writes at most len bytes including the NUL and
 * returns the length the whole text needs.
 */
int esr_format(char *buf, size_t len, uint64_t esr);

/* "PSCI_CPU_ON_SMC64", or "smc64 fast owner=STD fn=0x63" when unnamed. */
int smccc_format(char *buf, size_t len, uint32_t fid);

#endif
