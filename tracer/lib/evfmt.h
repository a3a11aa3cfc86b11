/*
 * The text of one trace record, as `hypscope print` writes it and the live
 * view's event log shows it:
 *
 *   0.000123456 cpu0 vm0/1  exit          DABT_LOW isv=1 ... pc=0x40081234 <uart_putc+0x14>
 *                                          insn=0xb9000001 "str w1, [x0]" cost=812
 *
 * Exits are decoded by formats/esr_fmt.h, the trapping instruction by
 * capstone, guest PCs by the ELF symbols of an hs_elfmap (tracer/lib/analysis.h),
 * MMIO registers by formats/host/mmio_regs.h, LRs by formats/ich_lr.h.
 */
#ifndef TRACER_EVFMT_H
#define TRACER_EVFMT_H

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "formats/trace.h"
#include "formats/host/trace_types.h"
#include "tracer/lib/analysis.h"

/* What decoding needs besides the record. */
struct ev_fmt {
	FILE *f;
	uint64_t t0;      /* counter value shown as time 0 */
	uint64_t cntfrq;
	const struct hs_elfmap *elfs; /* symbols for guest PCs, may be NULL */
	bool raw;         /* the header and payload words, undecoded */
	char vm_names[HS_MAX_VM_NAMES][32];
	csh cs;
	bool cs_open, cs_failed;
};

void ev_fmt_init(struct ev_fmt *p, uint64_t t0, uint64_t cntfrq);
/* VM names come from VM_CREATE/VM_DESTROY records: pass every record seen. */
void ev_fmt_note_vm(struct ev_fmt *p, const struct trace_hdr *h, uint32_t size);
void ev_fmt_release(struct ev_fmt *p);

/* The line for a record of `size` bytes from physical CPU `cpu`, without newline. */
void ev_format(struct ev_fmt *p, FILE *out, const struct trace_hdr *h, uint32_t size, unsigned cpu);
/* The same into buf (cut to len, always terminated); returns the full length. */
int ev_format_buf(struct ev_fmt *p, char *buf, size_t len, const struct trace_hdr *h, uint32_t size,
		  unsigned cpu);

/*
 * The payload of a record of type tt that has no decoder of its own, as
 * ev_format() shows it: key=value for each value tt lists for print, or for
 * each field when it lists none.
 */
void ev_format_fields(struct ev_fmt *p, FILE *out, const struct trace_type_info *tt,
		      const struct trace_hdr *h);

/* "exit", "sched_out", "vgic_lrs"...; "sdei", "gdb", "unknown". */
const char *ev_type_name(unsigned type);

#endif
