/*
 * The remote serial protocol's framing (gdb manual, "Overview" of the remote
 * protocol): $payload#cs packets, '+'/'-' acknowledgements until
 * QStartNoAckMode, '}' escapes (byte ^ 0x20) of '#', '$', '}' and '*', and
 * '*' run-length encoding (the count is a printable character, repeats =
 * char - 29). Input: any byte sequence, in any pieces; 0x03 between packets
 * is an interrupt. Output: replies run-length encoded where it saves bytes.
 */
#include <string.h>

#include "gdbstub/internal.h"

static const char hexdigits[] = "0123456789abcdef";

int gdb_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gdb_parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *q = *p;
	uint64_t x = 0;
	unsigned n = 0;

	while (q < end && gdb_hexval(*q) >= 0) {
		if (++n > 16)
			return false;
		x = (x << 4) | (uint64_t)gdb_hexval(*q);
		q++;
	}
	if (n == 0)
		return false;
	*p = q;
	*v = x;
	return true;
}

bool gdb_decode_hex(const char *p, size_t ndigits, uint8_t *out, size_t n)
{
	if (ndigits != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hexval(p[2 * i]), lo = gdb_hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---------------------------------------------------------------- replies */

void gdb_buf_reset(struct gdb_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->overflow = false;
}

void gdb_put(struct gdb_buf *b, const char *p, size_t n)
{
	if (n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void gdb_puts(struct gdb_buf *b, const char *str)
{
	gdb_put(b, str, strlen(str));
}

void gdb_putc(struct gdb_buf *b, char c)
{
	gdb_put(b, &c, 1);
}

void gdb_put_hex(struct gdb_buf *b, uint64_t v)
{
	char tmp[16];
	unsigned n = 0;

	do {
		tmp[15 - n++] = hexdigits[v & 0xf];
		v >>= 4;
	} while (v);
	gdb_put(b, tmp + 16 - n, n);
}

void gdb_put_dec(struct gdb_buf *b, uint64_t v)
{
	char tmp[20];
	unsigned n = 0;

	do {
		tmp[19 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gdb_put(b, tmp + 20 - n, n);
}

void gdb_put_hex_bytes(struct gdb_buf *b, const uint8_t *p, size_t n)
{
	if (n > (b->cap - b->len) / 2) {
		b->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = hexdigits[p[i] >> 4];
		b->p[b->len++] = hexdigits[p[i] & 0xf];
	}
}

static bool needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t gdb_put_binary(struct gdb_buf *b, const uint8_t *p, size_t n, size_t max)
{
	size_t used = 0, i;

	if (max > b->cap - b->len)
		max = b->cap - b->len;
	for (i = 0; i < n; i++) {
		size_t w = needs_escape(p[i]) ? 2 : 1;

		if (used + w > max)
			break;
		if (w == 2) {
			b->p[b->len++] = '}';
			b->p[b->len++] = (char)(p[i] ^ 0x20);
		} else {
			b->p[b->len++] = (char)p[i];
		}
		used += w;
	}
	return i;
}

/* ---------------------------------------------------------------- output */

/* Characters that never start a run: framing and escape bytes. */
static bool rle_ok(char c)
{
	return c != '#' && c != '$' && c != '}' && c != '*';
}

void gdb_send(struct gdb_stub *s, const char *payload, size_t len)
{
	char *f = s->frame;
	size_t n = 0;
	uint8_t sum = 0;

	f[n++] = '$';
	for (size_t i = 0; i < len;) {
		char c = payload[i];
		size_t run = 1;

		while (i + run < len && payload[i + run] == c)
			run++;
		f[n++] = c;
		i += run;
		run--; /* the repeats after the first */
		while (rle_ok(c) && run >= 3) {
			/* count char = repeats + 29, printable, never '#' (6) or '$' (7) */
			size_t k = run > 97 ? 97 : run;

			if (k == 6 || k == 7)
				k = 5;
			f[n++] = '*';
			f[n++] = (char)(k + 29);
			run -= k;
		}
		while (run--)
			f[n++] = c;
	}
	for (size_t i = 1; i < n; i++)
		sum = (uint8_t)(sum + (uint8_t)f[i]);
	f[n++] = '#';
	f[n++] = hexdigits[sum >> 4];
	f[n++] = hexdigits[sum & 0xf];
	s->frame_len = n;
	s->resends_left = GDB_NAK_RESENDS;
	s->ops->tx(s->ctx, f, n);
}

void gdb_send_str(struct gdb_stub *s, const char *str)
{
	gdb_send(s, str, strlen(str));
}

void gdb_send_reply(struct gdb_stub *s)
{
	if (s->out.overflow)
		gdb_send_str(s, GDB_E_TOOLONG);
	else
		gdb_send(s, s->out.p, s->out.len);
}

void gdb_send_console(struct gdb_stub *s, const char *text, size_t len)
{
	const size_t per = (sizeof(s->obuf) - 1) / 2;

	while (len) {
		size_t n = len < per ? len : per;
		struct gdb_buf b;

		gdb_buf_reset(&b, s->obuf, sizeof(s->obuf));
		gdb_putc(&b, 'O');
		gdb_put_hex_bytes(&b, (const uint8_t *)text, n);
		gdb_send(s, b.p, b.len);
		text += n;
		len -= n;
	}
}

/* ---------------------------------------------------------------- input */

static void rx_start(struct gdb_rx *rx)
{
	rx->state = GDB_RX_DATA;
	rx->sum = 0;
	rx->len = 0;
	rx->overflow = false;
	rx->malformed = false;
}

static void rx_append(struct gdb_rx *rx, uint8_t c, size_t count)
{
	if (count > GDB_RX_MAX - rx->len) {
		rx->overflow = true;
		count = GDB_RX_MAX - rx->len;
	}
	memset(rx->buf + rx->len, c, count);
	rx->len += count;
}

/* '}' x becomes x ^ 0x20, in place; false for a '}' at the very end. */
static bool rx_unescape(struct gdb_rx *rx)
{
	size_t r = 0, w = 0;

	while (r < rx->len) {
		uint8_t c = rx->buf[r++];

		if (c == '}') {
			if (r == rx->len)
				return false;
			c = rx->buf[r++] ^ 0x20;
		}
		rx->buf[w++] = c;
	}
	rx->len = w;
	return true;
}

static void rx_complete(struct gdb_stub *s)
{
	struct gdb_rx *rx = &s->rx;
	bool good = rx->cs == rx->sum;

	rx->state = GDB_RX_IDLE;
	if (!good) {
		/* No-ack mode has no way to ask again: the packet is dropped. */
		if (!s->noack)
			s->ops->tx(s->ctx, "-", 1);
		return;
	}
	if (!rx_unescape(rx))
		rx->malformed = true;
	rx->buf[rx->len] = '\0';
	/* A new connection's first packet: its '+' goes out in ack mode. */
	if (gdb_starts_session((const char *)rx->buf, rx->len))
		gdb_session_reset(s);
	if (!s->noack)
		s->ops->tx(s->ctx, "+", 1);
	if (rx->malformed) {
		gdb_send_str(s, GDB_E_ARGS);
		return;
	}
	gdb_handle_packet(s, (char *)rx->buf, rx->len, rx->overflow);
}

void gdb_rx_bytes(struct gdb_stub *s, const uint8_t *buf, size_t len)
{
	struct gdb_rx *rx = &s->rx;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];
		int h;

		switch (rx->state) {
		case GDB_RX_IDLE:
			if (c == '$')
				rx_start(rx);
			else if (c == 0x03)
				gdb_interrupt(s);
			else if (c == '-' && !s->noack && s->frame_len && s->resends_left) {
				s->resends_left--;
				s->ops->tx(s->ctx, s->frame, s->frame_len);
			}
			/* '+' and anything else between packets: nothing to do */
			break;
		case GDB_RX_DATA:
			if (c == '$') {
				rx_start(rx); /* the sender gave up on the last one */
			} else if (c == '#') {
				rx->state = GDB_RX_CS1;
			} else {
				rx->sum = (uint8_t)(rx->sum + c);
				if (c == '*')
					rx->state = GDB_RX_RLE;
				else
					rx_append(rx, c, 1);
			}
			break;
		case GDB_RX_RLE:
			if (c == '$') {
				rx_start(rx);
				break;
			}
			if (c == '#') {
				rx->malformed = true;
				rx->state = GDB_RX_CS1;
				break;
			}
			rx->sum = (uint8_t)(rx->sum + c);
			rx->state = GDB_RX_DATA;
			if (c < 32 || c > 126 || rx->len == 0)
				rx->malformed = true;
			else
				rx_append(rx, rx->buf[rx->len - 1], (size_t)c - 29);
			break;
		case GDB_RX_CS1:
		case GDB_RX_CS2:
			h = gdb_hexval(c);
			if (h < 0) {
				/* not a checksum: a bad one, then this byte anew */
				rx->cs = (uint8_t)~rx->sum;
				rx_complete(s);
				if (c == '$')
					rx_start(rx);
				break;
			}
			if (rx->state == GDB_RX_CS1) {
				rx->cs = (uint8_t)(h << 4);
				rx->state = GDB_RX_CS2;
			} else {
				rx->cs |= (uint8_t)h;
				rx_complete(s);
			}
			break;
		}
	}
}
