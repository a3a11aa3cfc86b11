/* The part of <stdio.h> that shared formatting code (formats/esr_fmt.c) uses at EL2. */
#ifndef HYP_LIB_STDIO_H
#define HYP_LIB_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
#define vsnprintf fmt_vsnprintf

#endif
