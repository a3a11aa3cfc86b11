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

/*
 * The physical console, shared by every CPU and VM. console_write_line()
 * writes "[prefix] line"; console_write_chars() writes characters as they
 * come (an interactive guest), starting "[prefix] " at each new line. A
 * partial line is closed before anyone else's line, so lines never mix.
 */
void console_write_line(const char *prefix, const char *s, size_t len);
void console_write_chars(const char *prefix, const char *s, size_t len);

#endif
