/*
 * The emulated PL011 (hyp/dev/pl011.c): guest accesses at any offset, width
 * and value, console input pushed in between, the interactive mode turned on
 * and off, and partial lines flushed. Lines handed to the console never
 * exceed PL011_LINE_MAX, the FIFO and the backlog never hold more than they
 * can, and the interrupt line the vGIC sees is the one the device keeps.
 */
#include "hyp/dev/pl011.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 2048

static void line_out(void *opaque, const char *line, unsigned len)
{
	(void)opaque;
	if (len > PL011_LINE_MAX)
		abort();
	if (len && !memchr(line, line[len - 1], len)) /* touches every byte: ASan checks */
		abort();
}

static void chars_out(void *opaque, const char *s, unsigned len)
{
	(void)opaque;
	if (len && !memchr(s, s[len - 1], len))
		abort();
}

static bool line_level;

static void set_irq(void *opaque, bool level)
{
	(void)opaque;
	line_level = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl011 u;
	struct fz f = { data, size };
	unsigned ops;
	uint64_t val;

	memset(&u, 0, sizeof(u));
	line_level = false;
	pl011_init(&u, line_out, set_irq, &u);
	for (ops = 0; ops < MAX_OPS && f.n; ops++) {
		uint8_t op = fz_u8(&f);

		switch (op % 5) {
		case 0:
		case 1: { /* guest access: the register block, or anywhere */
			uint64_t off = op & 0x80 ? fz_u64(&f) : fz_u16(&f) & 0xfff;
			unsigned sz = op & 0x40 ? fz_u8(&f) : 1u << (fz_u8(&f) & 3);

			val = fz_u64(&f);
			pl011_mmio(&u, NULL, off, sz, op & 0x20, &val);
			break;
		}
		case 2: /* a burst of DR writes: lines, long lines, control characters */
			for (unsigned n = fz_u8(&f); n && f.n; n--) {
				val = fz_u8(&f);
				pl011_mmio(&u, NULL, 0, 4, true, &val);
			}
			break;
		case 3: /* typed input */
			for (unsigned n = fz_u8(&f) * 8u; n; n--)
				pl011_rx_push(&u, fz_u8(&f));
			break;
		default:
			if (fz_bool(&f))
				pl011_flush(&u); /* the VM ends */
			pl011_set_interactive(&u, chars_out, fz_bool(&f));
			break;
		}
		if (line_level != u.irq_level ||u.rx_count > PL011_RX_FIFO || u.bl_count > PL011_RX_BACKLOG ||
		    u.line_len > PL011_LINE_MAX)
			abort();
	}
	return 0;
}
