/*
 * The target description gdb reads with qXfer:features:read (gdb manual,
 * "Target Descriptions"): target.xml includes three features, generated here
 * from target.h so the register numbers and sizes are the ones the g/p
 * packets use. gdb's aarch64 code finds the core and fpu registers by their
 * feature and register names; the system registers are a feature of their
 * own that gdb shows as it finds it ("info registers system").
 */
#include <string.h>

#include "gdbstub/internal.h"

#define FEATURE_CORE    "aarch64-core.xml"
#define FEATURE_FPU     "aarch64-fpu.xml"
#define FEATURE_SYSREGS "hypscope-sysregs.xml"

static const struct {
	const char *name;
	bool writable;
} sysregs[GDB_NR_SYSREGS] = {
#define GDB_SYSREG_ROW(n, w) [GDB_SYSREG_##n] = { #n, w },
	GDB_SYSREGS(GDB_SYSREG_ROW)
#undef GDB_SYSREG_ROW
};

/* Types gdb prints more usefully than a plain number; the rest are uint64. */
static const char *const sysreg_types[GDB_NR_SYSREGS] = {
	[GDB_SYSREG_VBAR_EL1] = "code_ptr",
	[GDB_SYSREG_ELR_EL1] = "code_ptr",
	[GDB_SYSREG_FAR_EL1] = "data_ptr",
	[GDB_SYSREG_SP_EL0] = "data_ptr",
	[GDB_SYSREG_SP_EL1] = "data_ptr",
};

unsigned gdb_reg_size(unsigned regno)
{
	if (regno < GDB_REG_CPSR)
		return 8;
	if (regno == GDB_REG_CPSR)
		return 4;
	if (regno < GDB_REG_FPSR)
		return 16;
	if (regno <= GDB_REG_FPCR)
		return 4;
	if (regno < GDB_NR_REGS)
		return 8;
	return 0;
}

bool gdb_reg_writable(unsigned regno)
{
	if (regno >= GDB_NR_REGS)
		return false;
	if (regno < GDB_REG_SYS0)
		return true;
	return sysregs[regno - GDB_REG_SYS0].writable;
}

static char doc[GDB_XML_MAX];

static void header(struct gdb_buf *b, const char *name)
{
	gdb_puts(b, "<?xml version=\"1.0\"?>\n"
		    "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
		    "<feature name=\"");
	gdb_puts(b, name);
	gdb_puts(b, "\">\n");
}

static void reg(struct gdb_buf *b, const char *name, unsigned regno, const char *type,
		const char *group)
{
	gdb_puts(b, "<reg name=\"");
	gdb_puts(b, name);
	gdb_puts(b, "\" bitsize=\"");
	gdb_put_dec(b, gdb_reg_size(regno) * 8);
	gdb_puts(b, "\" regnum=\"");
	gdb_put_dec(b, regno);
	gdb_puts(b, "\"");
	if (type) {
		gdb_puts(b, " type=\"");
		gdb_puts(b, type);
		gdb_puts(b, "\"");
	}
	if (group) {
		gdb_puts(b, " group=\"");
		gdb_puts(b, group);
		gdb_puts(b, "\"");
	}
	gdb_puts(b, "/>\n");
}

static void numbered(char *name, const char *prefix, unsigned n)
{
	struct gdb_buf b;

	gdb_buf_reset(&b, name, 7);
	gdb_puts(&b, prefix);
	gdb_put_dec(&b, n);
	name[b.len] = '\0';
}

static void core(struct gdb_buf *b)
{
	/* PSTATE as SPSR_EL1 lays it out (Arm ARM C5.2.18) */
	static const struct {
		const char *name;
		unsigned lo, hi;
	} cpsr[] = {
		{ "SP", 0, 0 },   { "EL", 2, 3 },   { "nRW", 4, 4 },  { "F", 6, 6 },
		{ "I", 7, 7 },    { "A", 8, 8 },    { "D", 9, 9 },    { "IL", 20, 20 },
		{ "SS", 21, 21 }, { "PAN", 22, 22 }, { "UAO", 23, 23 }, { "V", 28, 28 },
		{ "C", 29, 29 },  { "Z", 30, 30 },  { "N", 31, 31 },
	};
	char name[8];

	header(b, "org.gnu.gdb.aarch64.core");
	for (unsigned i = 0; i <= 30; i++) {
		numbered(name, "x", i);
		reg(b, name, GDB_REG_X0 + i, NULL, NULL);
	}
	reg(b, "sp", GDB_REG_SP, "data_ptr", NULL);
	reg(b, "pc", GDB_REG_PC, "code_ptr", NULL);
	gdb_puts(b, "<flags id=\"cpsr_flags\" size=\"4\">\n");
	for (size_t i = 0; i < sizeof(cpsr) / sizeof(cpsr[0]); i++) {
		gdb_puts(b, "<field name=\"");
		gdb_puts(b, cpsr[i].name);
		gdb_puts(b, "\" start=\"");
		gdb_put_dec(b, cpsr[i].lo);
		gdb_puts(b, "\" end=\"");
		gdb_put_dec(b, cpsr[i].hi);
		gdb_puts(b, "\"/>\n");
	}
	gdb_puts(b, "</flags>\n");
	reg(b, "cpsr", GDB_REG_CPSR, "cpsr_flags", NULL);
	gdb_puts(b, "</feature>\n");
}

static void fpu(struct gdb_buf *b)
{
	/* The views of a 128-bit V register: lanes of each width, as gdb's own aarch64 shows them. */
	static const struct {
		const char *id, *type;
		unsigned count;
	} vectors[] = {
		{ "v2d", "ieee_double", 2 }, { "v2u", "uint64", 2 },  { "v2i", "int64", 2 },
		{ "v4f", "ieee_single", 4 }, { "v4u", "uint32", 4 },  { "v4i", "int32", 4 },
		{ "v8f", "ieee_half", 8 },   { "v8u", "uint16", 8 },  { "v8i", "int16", 8 },
		{ "v16u", "uint8", 16 },     { "v16i", "int8", 16 },  { "v1u", "uint128", 1 },
		{ "v1i", "int128", 1 },
	};
	static const struct {
		const char *id;
		const char *fields[5][2];
	} unions[] = {
		{ "vnd", { { "f", "v2d" }, { "u", "v2u" }, { "s", "v2i" } } },
		{ "vns", { { "f", "v4f" }, { "u", "v4u" }, { "s", "v4i" } } },
		{ "vnh", { { "f", "v8f" }, { "u", "v8u" }, { "s", "v8i" } } },
		{ "vnb", { { "u", "v16u" }, { "s", "v16i" } } },
		{ "vnq", { { "u", "v1u" }, { "s", "v1i" } } },
		{ "aarch64v",
		  { { "d", "vnd" }, { "s", "vns" }, { "h", "vnh" }, { "b", "vnb" }, { "q", "vnq" } } },
	};
	char name[8];

	header(b, "org.gnu.gdb.aarch64.fpu");
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		gdb_puts(b, "<vector id=\"");
		gdb_puts(b, vectors[i].id);
		gdb_puts(b, "\" type=\"");
		gdb_puts(b, vectors[i].type);
		gdb_puts(b, "\" count=\"");
		gdb_put_dec(b, vectors[i].count);
		gdb_puts(b, "\"/>\n");
	}
	for (size_t i = 0; i < sizeof(unions) / sizeof(unions[0]); i++) {
		gdb_puts(b, "<union id=\"");
		gdb_puts(b, unions[i].id);
		gdb_puts(b, "\">\n");
		for (size_t f = 0; f < 5 && unions[i].fields[f][0]; f++) {
			gdb_puts(b, "<field name=\"");
			gdb_puts(b, unions[i].fields[f][0]);
			gdb_puts(b, "\" type=\"");
			gdb_puts(b, unions[i].fields[f][1]);
			gdb_puts(b, "\"/>\n");
		}
		gdb_puts(b, "</union>\n");
	}
	for (unsigned i = 0; i < 32; i++) {
		numbered(name, "v", i);
		reg(b, name, GDB_REG_V0 + i, "aarch64v", "vector");
	}
	reg(b, "fpsr", GDB_REG_FPSR, NULL, "float");
	reg(b, "fpcr", GDB_REG_FPCR, NULL, "float");
	gdb_puts(b, "</feature>\n");
}

static void sysregs_feature(struct gdb_buf *b)
{
	header(b, "org.hypscope.aarch64.sysregs");
	for (unsigned i = 0; i < GDB_NR_SYSREGS; i++) {
		/* gdb's register names are lower case: $sctlr_el1 */
		char name[32];
		size_t n = 0;

		for (const char *p = sysregs[i].name; *p && n < sizeof(name) - 1; p++)
			name[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
		name[n] = '\0';
		reg(b, name, GDB_REG_SYS0 + i, sysreg_types[i] ? sysreg_types[i] : "uint64",
		    "system");
	}
	gdb_puts(b, "</feature>\n");
}

static void target(struct gdb_buf *b)
{
	gdb_puts(b, "<?xml version=\"1.0\"?>\n"
		    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		    "<target version=\"1.0\">\n"
		    "<architecture>aarch64</architecture>\n"
		    "<xi:include href=\"" FEATURE_CORE "\"/>\n"
		    "<xi:include href=\"" FEATURE_FPU "\"/>\n"
		    "<xi:include href=\"" FEATURE_SYSREGS "\"/>\n"
		    "</target>\n");
}

const char *gdb_feature_xml(const char *annex, size_t *len)
{
	static const struct {
		const char *annex;
		void (*gen)(struct gdb_buf *b);
	} docs[] = {
		{ "target.xml", target },
		{ FEATURE_CORE, core },
		{ FEATURE_FPU, fpu },
		{ FEATURE_SYSREGS, sysregs_feature },
	};
	struct gdb_buf b;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (strcmp(annex, docs[i].annex) != 0)
			continue;
		gdb_buf_reset(&b, doc, sizeof(doc));
		docs[i].gen(&b);
		if (b.overflow)
			return NULL;
		*len = b.len;
		return doc;
	}
	return NULL;
}
