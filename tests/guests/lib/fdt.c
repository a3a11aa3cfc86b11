/*
 * Just enough of a flattened device tree reader to find the vCPUs and the
 * RAM (Devicetree Specification v0.4, chapter 5, "Flattened Devicetree
 * (DTB) Format"). Everything is read byte by byte: the blob is big-endian
 * and, with the MMU off, unaligned wider loads would fault.
 */
#include "libguest.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP	       4u
#define FDT_END	       9u
#define FDT_MAX_SIZE   (4u << 20)
#define FDT_MAX_DEPTH  16

struct fdt_header_offsets {
	uint32_t totalsize, off_struct, off_strings, version, size_strings, size_struct;
};

static uint32_t be32(const void *p)
{
	const volatile uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void read_header(const uint8_t *blob, struct fdt_header_offsets *h)
{
	h->totalsize = be32(blob + 4);
	h->off_struct = be32(blob + 8);
	h->off_strings = be32(blob + 12);
	h->version = be32(blob + 20);
	h->size_strings = be32(blob + 32);
	h->size_struct = be32(blob + 36);
}

bool fdt_check(const void *blob, uint32_t *size)
{
	struct fdt_header_offsets h;

	if (!blob || be32(blob) != FDT_MAGIC)
		return false;
	read_header(blob, &h);
	if (h.totalsize < 40 || h.totalsize > FDT_MAX_SIZE || h.version < 17)
		return false;
	if (h.off_struct > h.totalsize || h.size_struct > h.totalsize - h.off_struct ||
	    h.off_strings > h.totalsize || h.size_strings > h.totalsize - h.off_strings)
		return false;
	if (size)
		*size = h.totalsize;
	return true;
}

/*
 * One pass over the structure block. For each node the visitor sees a
 * begin event (prop == NULL), its properties, then an end event
 * (prop == NULL, value == NULL, len == -1). depth 1 is the root.
 */
typedef void (*fdt_visit_fn)(void *ctx, int depth, const char *node, const char *prop,
			     const uint8_t *value, int len);

static bool str_eq(const uint8_t *s, uint32_t max, const char *lit)
{
	uint32_t i;

	for (i = 0; lit[i]; i++) {
		if (i >= max || s[i] != (uint8_t)lit[i])
			return false;
	}
	return i < max && s[i] == 0;
}

static bool fdt_walk(const void *blob, fdt_visit_fn visit, void *ctx)
{
	const uint8_t *b = blob;
	struct fdt_header_offsets h;
	uint32_t off, end;
	int depth = 0;
	char names[FDT_MAX_DEPTH][32];

	if (!fdt_check(blob, NULL))
		return false;
	read_header(b, &h);
	off = h.off_struct;
	end = h.off_struct + h.size_struct;

	while (off + 4 <= end) {
		uint32_t token = be32(b + off);

		off += 4;
		switch (token) {
		case FDT_BEGIN_NODE: {
			uint32_t n = 0;

			if (depth >= FDT_MAX_DEPTH)
				return false;
			while (off + n < end && b[off + n])
				n++;
			if (off + n >= end)
				return false;
			for (uint32_t i = 0; i < sizeof(names[0]); i++)
				names[depth][i] = i < n ? (char)b[off + i] : 0;
			names[depth][sizeof(names[0]) - 1] = 0;
			off = (off + n + 1 + 3) & ~3u;
			depth++;
			visit(ctx, depth, names[depth - 1], NULL, NULL, 0);
			break;
		}
		case FDT_END_NODE:
			if (depth == 0)
				return false;
			visit(ctx, depth, names[depth - 1], NULL, NULL, -1);
			depth--;
			break;
		case FDT_PROP: {
			uint32_t len, nameoff;
			char pname[32];

			if (off + 8 > end || depth == 0)
				return false;
			len = be32(b + off);
			nameoff = be32(b + off + 4);
			off += 8;
			if (len > end - off || nameoff >= h.size_strings)
				return false;
			for (uint32_t i = 0; i < sizeof(pname); i++) {
				uint32_t at = nameoff + i;

				pname[i] = at < h.size_strings ? (char)b[h.off_strings + at] : 0;
				if (!pname[i])
					break;
			}
			pname[sizeof(pname) - 1] = 0;
			visit(ctx, depth, names[depth - 1], pname, b + off, (int)len);
			off = (off + len + 3) & ~3u;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0;
		default:
			return false;
		}
	}
	return false;
}

/* ------------------------------------------------------------ /cpus */

struct cpu_count {
	int cpus_depth; /* depth of the /cpus node while inside it, else 0 */
	unsigned int count;
};

static void count_cpus_visit(void *ctx, int depth, const char *node, const char *prop,
			     const uint8_t *value, int len)
{
	struct cpu_count *c = ctx;

	if (!prop) {
		if (len == 0 && depth == 2 && !strcmp(node, "cpus"))
			c->cpus_depth = depth;
		else if (len < 0 && depth == c->cpus_depth)
			c->cpus_depth = 0;
		return;
	}
	/* A direct child of /cpus that says it is a cpu (the cpu-map is not). */
	if (c->cpus_depth && depth == c->cpus_depth + 1 && !strcmp(prop, "device_type") &&
	    str_eq(value, len, "cpu"))
		c->count++;
}

unsigned int fdt_count_cpus(const void *blob)
{
	struct cpu_count c = { 0, 0 };

	if (!fdt_walk(blob, count_cpus_visit, &c))
		return 0;
	return c.count;
}

/* ------------------------------------------------------------ /memory */

struct mem_find {
	uint32_t addr_cells, size_cells; /* the root's, defaults 2 and 1 */
	bool is_memory, have_reg, found;
	uint64_t reg_base, reg_size, base, size;
};

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < cells; i++)
		v = v << 32 | be32(p + 4 * i);
	return v;
}

static void memory_visit(void *ctx, int depth, const char *node, const char *prop,
			 const uint8_t *value, int len)
{
	struct mem_find *m = ctx;

	(void)node;
	if (depth == 1 && prop && len == 4) {
		if (!strcmp(prop, "#address-cells"))
			m->addr_cells = be32(value);
		else if (!strcmp(prop, "#size-cells"))
			m->size_cells = be32(value);
		return;
	}
	if (depth != 2)
		return;
	if (!prop) {
		if (len == 0) {
			m->is_memory = m->have_reg = false;
		} else if (m->is_memory && m->have_reg && !m->found) {
			m->found = true;
			m->base = m->reg_base;
			m->size = m->reg_size;
		}
		return;
	}
	if (!strcmp(prop, "device_type") && str_eq(value, len, "memory")) {
		m->is_memory = true;
	} else if (!strcmp(prop, "reg") && m->addr_cells <= 2 && m->size_cells <= 2 &&
		   (uint32_t)len >= 4 * (m->addr_cells + m->size_cells)) {
		m->reg_base = read_cells(value, m->addr_cells);
		m->reg_size = read_cells(value + 4 * m->addr_cells, m->size_cells);
		m->have_reg = true;
	}
}

bool fdt_memory(const void *blob, uint64_t *base, uint64_t *size)
{
	struct mem_find m = { .addr_cells = 2, .size_cells = 1 };

	if (!fdt_walk(blob, memory_visit, &m) || !m.found)
		return false;
	*base = m.base;
	*size = m.size;
	return true;
}

/* ------------------------------------------------------------ /chosen */

struct bootargs_find {
	bool in_chosen;
	const char *value;
};

static void bootargs_visit(void *ctx, int depth, const char *node, const char *prop,
			   const uint8_t *value, int len)
{
	struct bootargs_find *f = ctx;

	if (!prop) {
		if (depth == 2)
			f->in_chosen = len == 0 && !strcmp(node, "chosen");
		return;
	}
	/* a string property: NUL-terminated within its length */
	if (f->in_chosen && depth == 2 && !strcmp(prop, "bootargs") && len > 0 && !value[len - 1])
		f->value = (const char *)value;
}

const char *fdt_bootargs(const void *blob)
{
	struct bootargs_find f = { false, NULL };

	if (!fdt_walk(blob, bootargs_visit, &f))
		return NULL;
	return f.value;
}
