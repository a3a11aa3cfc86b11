/*
 * Formatted output for EL2: a small vsnprintf (integers, strings, chars,
 * pointers; width, zero padding, left justification) and whole-line console
 * writes under one lock, so that CPUs and VMs never interleave within a line.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hyp/include/arch.h"
#include "hyp/include/log.h"
#include "hyp/include/spinlock.h"
#include "hyp/include/trace.h"

struct outbuf {
	char *buf;
	size_t size;
	size_t len; /* what would have been written */
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_padded(struct outbuf *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			out_char(o, pad);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (left)
		while (fill-- > 0)
			out_char(o, ' ');
}

static size_t utoa(uint64_t v, unsigned base, bool upper, char *tmp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		char tmp[24], pad = ' ';
		bool left = false, neg = false;
		int width = 0, lng = 0;
		uint64_t u;
		size_t n;

		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				pad = '0';
			else
				break;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		for (;; p++) {
			if (*p == 'l')
				lng++;
			else if (*p == 'z')
				lng = 2;
			else
				break;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			neg = s < 0;
			u = neg ? -(uint64_t)s : (uint64_t)s;
			n = utoa(u, 10, false, tmp + 1);
			if (neg && pad == '0' && !left) {
				/* C puts zero padding after the sign: "-0042". */
				out_char(&o, '-');
				out_padded(&o, tmp + 1, n, width - 1, left, pad);
			} else if (neg) {
				tmp[0] = '-';
				out_padded(&o, tmp, n + 1, width, left, ' ');
			} else {
				out_padded(&o, tmp + 1, n, width, left, pad);
			}
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			n = utoa(u, *p == 'u' ? 10 : 16, *p == 'X', tmp);
			out_padded(&o, tmp, n, width, left, pad);
			break;
		case 'p':
			u = (uint64_t)(uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			n = utoa(u, 16, false, tmp + 2) + 2;
			out_padded(&o, tmp, n, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			out_padded(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			out_padded(&o, tmp, 1, width, left, ' ');
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static spinlock_t console_lock;
static const char *partial_owner; /* prefix of an unfinished line on the console */

static void close_partial_line(void)
{
	if (partial_owner) {
		arch_console_write("\r\n", 2);
		partial_owner = NULL;
	}
}

void console_write_chars(const char *prefix, const char *s, size_t len)
{
	spin_lock(&console_lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r')
			continue;
		if (partial_owner != prefix) {
			close_partial_line();
			arch_console_write("[", 1);
			arch_console_write(prefix, strlen(prefix));
			arch_console_write("] ", 2);
			partial_owner = prefix;
		}
		if (s[i] == '\n') {
			arch_console_write("\r\n", 2);
			partial_owner = NULL;
		} else {
			arch_console_write(&s[i], 1);
		}
	}
	spin_unlock(&console_lock);
}

void console_write_line(const char *prefix, const char *s, size_t len)
{
	spin_lock(&console_lock);
	close_partial_line();
	if (prefix) {
		arch_console_write("[", 1);
		arch_console_write(prefix, strlen(prefix));
		arch_console_write("] ", 2);
	}
	arch_console_write(s, len);
	arch_console_write("\r\n", 2);
	spin_unlock(&console_lock);
}

void hyp_vlog(const char *fmt, va_list ap)
{
	char line[256];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1;

	console_write_line("hyp", line, len);
	trace_log_line(TRACE_LOG_INFO, line, (unsigned)len);
}

void hyp_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hyp_vlog(fmt, ap);
	va_end(ap);
}
