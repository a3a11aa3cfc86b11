/* One line of text per trace record, and one LR cell. See tui/evtext.h. */
#include <stdbool.h>
#include <stdio.h>

#include "formats/ich_lr.h"
#include "tracer/lib/evfmt.h"
#include "tui/evtext.h"

const char *top_event_type_name(uint32_t type)
{
	return ev_type_name(type);
}

int top_lr_text(char *buf, size_t len, uint64_t lr)
{
	struct ich_lr d;

	ich_lr_decode(lr, &d);
	if (d.state == ICH_LR_STATE_INVALID)
		return snprintf(buf, len, "-");
	if (d.hw)
		return snprintf(buf, len, "%-2s %4u hw=%u pri=%02x", ich_lr_state_str(d.state),
				d.vintid, d.pintid, d.priority);
	return snprintf(buf, len, "%-2s %4u pri=%02x%s", ich_lr_state_str(d.state), d.vintid,
			d.priority, d.eoi ? " eoi" : "");
}

/*
 * The event log's lines are `hypscope print`'s (tracer/lib/evfmt.c). One
 * formatter for the view, which runs in one thread: its disassembler is
 * opened once and kept.
 */
int top_event_text(char *buf, size_t len, const struct trace_hdr *h, uint32_t size,
		   uint64_t base, uint64_t cntfrq)
{
	static struct ev_fmt fmt;
	static bool ready;

	if (!ready) {
		ev_fmt_init(&fmt, base, cntfrq);
		ready = true;
	}
	fmt.t0 = base;
	fmt.cntfrq = cntfrq ? cntfrq : 62500000;
	return ev_format_buf(&fmt, buf, len, h, size, h->cpu);
}
