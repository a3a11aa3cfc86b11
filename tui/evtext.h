/*
 * One line of text per trace record, for the live view's event log:
 *
 *	   1.204518000 cpu1  vm0/1    exit          DABT_LOW isv=1 ... pc=0x40080a1c cost=812
 *	   1.204519000 cpu1  vm0/1    mmio          UARTFR (+0x018) read 4B = 0x90
 *	   1.204530000 cpu0  vm1/0    vgic_lrs      fold 4 LRs hcr=0x1 misr=0x0: LR0 P 27 pri=a0
 *
 * The very lines of `hypscope print` (tracer/lib/evfmt.h): time in seconds since
 * `base` (counter ticks at cntfrq Hz), the physical CPU, the vCPU (or VM) the
 * record is about, the record type, the decoded payload. Host only.
 */
#ifndef TUI_EVTEXT_H
#define TUI_EVTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/trace.h"

/* "exit", "sched_out", "vgic_lrs"; "sdei", "gdb" or NULL for other types. */
const char *top_event_type_name(uint32_t type);

/*
 * The line for a record of size bytes (the prefix of a longer record is
 * fine: what it lacks is not decoded). snprintf semantics.
 */
int top_event_text(char *buf, size_t len, const struct trace_hdr *h, uint32_t size,
		   uint64_t base, uint64_t cntfrq);

/* "P   27 pri=a0", "PA  30 hw=30 pri=a0", "-": one list register. */
int top_lr_text(char *buf, size_t len, uint64_t lr);

#endif
