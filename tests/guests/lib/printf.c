/*
 * A small printf: %d %i %u %x %X %o %p %s %c %%, with the l, ll, z and h
 * length modifiers, a width (digits or *), '0' padding, '-' to left-align
 * and '#' for a 0x prefix.
 * No floating point: the runtime is built -mgeneral-regs-only.
 */
#include "libguest.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* what the whole output would take, like C's vsnprintf */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_string(struct out *o, const char *s, int width, bool left)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	if (!left)
		out_pad(o, ' ', width - n);
	while (*s)
		out_char(o, *s++);
	if (left)
		out_pad(o, ' ', width - n);
}

static void out_number(struct out *o, uint64_t v, bool negative, unsigned int base, bool upper,
		       int width, bool zero, bool left, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	if (prefix)
		plen = strlen(prefix);
	total = n + plen;

	if (!left && !zero)
		out_pad(o, ' ', width - total);
	while (prefix && *prefix)
		out_char(o, *prefix++);
	if (!left && zero)
		out_pad(o, '0', width - total);
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - total);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	for (; *fmt; fmt++) {
		bool zero = false, left = false, alt = false;
		int width = 0, longs = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				longs++;
			else if (*fmt != 'h')
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			out_number(&o, u, s < 0, 10, false, width, zero, left, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			out_number(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				   *fmt == 'X', width, zero, left,
				   alt && u && (*fmt == 'x' || *fmt == 'X') ? "0x" : NULL);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			out_number(&o, u, false, 16, false, width, zero, left, "0x");
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			/* Unknown conversion: show it rather than guess. */
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Console output from several vCPUs: each printf() formats into a buffer
 * first and writes it under one lock, so lines do not interleave.
 */
static struct spinlock console_lock = SPINLOCK_INIT;

static void console_write(const char *s, size_t n)
{
	/*
	 * An unexpected exception taken while this vCPU holds the lock must
	 * still be able to print: it writes unlocked rather than deadlock.
	 */
	bool locked = !spin_is_held_by_me(&console_lock);

	if (locked)
		spin_lock(&console_lock);
	uart_write(s, n);
	if (locked)
		spin_unlock(&console_lock);
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, strlen(buf));
	return n;
}

int puts(const char *s)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", s);

	console_write(buf, strlen(buf));
	return n;
}
