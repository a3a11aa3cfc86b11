/*
 * Console output of the hypervisor itself. Lines go out whole, prefixed with
 * "[hyp]" (or the guest's name for guest console output), so that output of
 * several CPUs and VMs never interleaves inside a line.
 */
#ifndef HYP_LOG_H
#define HYP_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "hyp/include/compiler.h"

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);

__printf(1, 2) void hyp_log(const char *fmt, ...);
void hyp_vlog(const char *fmt, va_list ap);

/* Writes raw characters to the physical console (whole lines, under the console lock). */
void console_write_line(const char *prefix, const char *s, size_t len);

#endif
