/*
 * Offsets from the GICv3 architecture specification (IHI 0069, 12.9 "The
 * GIC Distributor register map" and 12.10/12.11 for the redistributor's RD
 * and SGI frames) and the PL011 TRM (3.2 "Summary of registers").
 */
#include <stdio.h>
#include <string.h>

#include "formats/host/mmio_regs.h"
#include "formats/trace.h"

struct reg_range {
	uint32_t offset;
	uint32_t len;    /* bytes the register (or array) covers */
	uint8_t stride;  /* bytes per element of an array, 0 for a single register */
	const char *name;
};

#define REG(off, name)                 { off, 4, 0, name }
#define REG64(off, name)               { off, 8, 0, name }
#define ARRAY(off, len, stride, name)  { off, len, stride, name }

static const struct reg_range gicd_regs[] = {
	REG(0x0000, "GICD_CTLR"),
	REG(0x0004, "GICD_TYPER"),
	REG(0x0008, "GICD_IIDR"),
	REG(0x000c, "GICD_TYPER2"),
	REG(0x0010, "GICD_STATUSR"),
	REG(0x0040, "GICD_SETSPI_NSR"),
	REG(0x0048, "GICD_CLRSPI_NSR"),
	REG(0x0050, "GICD_SETSPI_SR"),
	REG(0x0058, "GICD_CLRSPI_SR"),
	ARRAY(0x0080, 0x80, 4, "GICD_IGROUPR"),
	ARRAY(0x0100, 0x80, 4, "GICD_ISENABLER"),
	ARRAY(0x0180, 0x80, 4, "GICD_ICENABLER"),
	ARRAY(0x0200, 0x80, 4, "GICD_ISPENDR"),
	ARRAY(0x0280, 0x80, 4, "GICD_ICPENDR"),
	ARRAY(0x0300, 0x80, 4, "GICD_ISACTIVER"),
	ARRAY(0x0380, 0x80, 4, "GICD_ICACTIVER"),
	ARRAY(0x0400, 0x400, 4, "GICD_IPRIORITYR"),
	ARRAY(0x0800, 0x400, 4, "GICD_ITARGETSR"),
	ARRAY(0x0c00, 0x100, 4, "GICD_ICFGR"),
	ARRAY(0x0d00, 0x80, 4, "GICD_IGRPMODR"),
	ARRAY(0x0e00, 0x100, 4, "GICD_NSACR"),
	REG(0x0f00, "GICD_SGIR"),
	ARRAY(0x0f10, 0x10, 4, "GICD_CPENDSGIR"),
	ARRAY(0x0f20, 0x10, 4, "GICD_SPENDSGIR"),
	ARRAY(0x6000, 0x2000, 8, "GICD_IROUTER"),
	REG(0xffd0, "GICD_PIDR4"),
	REG(0xffd4, "GICD_PIDR5"),
	REG(0xffd8, "GICD_PIDR6"),
	REG(0xffdc, "GICD_PIDR7"),
	REG(0xffe0, "GICD_PIDR0"),
	REG(0xffe4, "GICD_PIDR1"),
	REG(0xffe8, "GICD_PIDR2"),
	REG(0xffec, "GICD_PIDR3"),
	ARRAY(0xfff0, 0x10, 4, "GICD_CIDR"),
};

/* One redistributor: the RD frame, then the SGI frame at +64 KiB. */
static const struct reg_range gicr_regs[] = {
	REG(0x0000, "GICR_CTLR"),
	REG(0x0004, "GICR_IIDR"),
	REG64(0x0008, "GICR_TYPER"),
	REG(0x0010, "GICR_STATUSR"),
	REG(0x0014, "GICR_WAKER"),
	REG64(0x0040, "GICR_SETLPIR"),
	REG64(0x0048, "GICR_CLRLPIR"),
	REG64(0x0070, "GICR_PROPBASER"),
	REG64(0x0078, "GICR_PENDBASER"),
	REG64(0x00a0, "GICR_INVLPIR"),
	REG64(0x00b0, "GICR_INVALLR"),
	REG(0x00c0, "GICR_SYNCR"),
	REG(0xffd0, "GICR_PIDR4"),
	REG(0xffe0, "GICR_PIDR0"),
	REG(0xffe4, "GICR_PIDR1"),
	REG(0xffe8, "GICR_PIDR2"),
	REG(0xffec, "GICR_PIDR3"),
	ARRAY(0xfff0, 0x10, 4, "GICR_CIDR"),
	REG(0x10080, "GICR_IGROUPR0"),
	REG(0x10100, "GICR_ISENABLER0"),
	REG(0x10180, "GICR_ICENABLER0"),
	REG(0x10200, "GICR_ISPENDR0"),
	REG(0x10280, "GICR_ICPENDR0"),
	REG(0x10300, "GICR_ISACTIVER0"),
	REG(0x10380, "GICR_ICACTIVER0"),
	ARRAY(0x10400, 0x20, 4, "GICR_IPRIORITYR"),
	ARRAY(0x10c00, 0x8, 4, "GICR_ICFGR"),
	REG(0x10d00, "GICR_IGRPMODR0"),
	REG(0x10e00, "GICR_NSACR"),
};

static const struct reg_range pl011_regs[] = {
	REG(0x000, "UARTDR"),
	REG(0x004, "UARTRSR"),
	REG(0x018, "UARTFR"),
	REG(0x020, "UARTILPR"),
	REG(0x024, "UARTIBRD"),
	REG(0x028, "UARTFBRD"),
	REG(0x02c, "UARTLCR_H"),
	REG(0x030, "UARTCR"),
	REG(0x034, "UARTIFLS"),
	REG(0x038, "UARTIMSC"),
	REG(0x03c, "UARTRIS"),
	REG(0x040, "UARTMIS"),
	REG(0x044, "UARTICR"),
	REG(0x048, "UARTDMACR"),
	ARRAY(0xfe0, 0x10, 4, "UARTPeriphID"),
	ARRAY(0xff0, 0x10, 4, "UARTPCellID"),
};

#define TABLE(t) { t, sizeof(t) / sizeof(t[0]) }

static const struct {
	const struct reg_range *regs;
	size_t n;
} tables[] = {
	[TRACE_DEV_GICD] = TABLE(gicd_regs),
	[TRACE_DEV_GICR] = TABLE(gicr_regs),
	[TRACE_DEV_UART] = TABLE(pl011_regs),
};

const char *mmio_reg_name(uint32_t device, uint64_t offset, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (device >= sizeof(tables) / sizeof(tables[0]) || !tables[device].regs || !len)
		return buf;
	for (size_t i = 0; i < tables[device].n; i++) {
		const struct reg_range *r = &tables[device].regs[i];
		uint64_t rel;

		if (offset < r->offset || offset - r->offset >= r->len)
			continue;
		rel = offset - r->offset;
		if (!r->stride) {
			if (rel)
				snprintf(buf, len, "%s+%u", r->name, (unsigned)rel);
			else
				snprintf(buf, len, "%s", r->name);
		} else if (rel % r->stride) {
			snprintf(buf, len, "%s%u+%u", r->name, (unsigned)(rel / r->stride),
				 (unsigned)(rel % r->stride));
		} else {
			snprintf(buf, len, "%s%u", r->name, (unsigned)(rel / r->stride));
		}
		break;
	}
	return buf;
}
