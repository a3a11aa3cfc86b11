/* Register names of the emulated devices, as tables of offset ranges. */
#include <stdio.h>

#include "formats/trace.h"
#include "tui/regnames.h"

struct reg_range {
	uint32_t start;
	uint32_t end;    /* exclusive */
	uint32_t stride; /* bytes per register; 0: a single register */
	const char *name;
};

static const struct reg_range pl011_regs[] = {
	{ 0x000, 0x004, 0, "DR" },      { 0x004, 0x008, 0, "RSR" },
	{ 0x018, 0x01c, 0, "FR" },      { 0x020, 0x024, 0, "ILPR" },
	{ 0x024, 0x028, 0, "IBRD" },    { 0x028, 0x02c, 0, "FBRD" },
	{ 0x02c, 0x030, 0, "LCR_H" },   { 0x030, 0x034, 0, "CR" },
	{ 0x034, 0x038, 0, "IFLS" },    { 0x038, 0x03c, 0, "IMSC" },
	{ 0x03c, 0x040, 0, "RIS" },     { 0x040, 0x044, 0, "MIS" },
	{ 0x044, 0x048, 0, "ICR" },     { 0x048, 0x04c, 0, "DMACR" },
	{ 0xfe0, 0xff0, 4, "PeriphID" }, { 0xff0, 0x1000, 4, "PCellID" },
	{ 0 },
};

static const struct reg_range gicd_regs[] = {
	{ 0x0000, 0x0004, 0, "GICD_CTLR" },        { 0x0004, 0x0008, 0, "GICD_TYPER" },
	{ 0x0008, 0x000c, 0, "GICD_IIDR" },        { 0x000c, 0x0010, 0, "GICD_TYPER2" },
	{ 0x0010, 0x0014, 0, "GICD_STATUSR" },     { 0x0040, 0x0044, 0, "GICD_SETSPI_NSR" },
	{ 0x0048, 0x004c, 0, "GICD_CLRSPI_NSR" },  { 0x0050, 0x0054, 0, "GICD_SETSPI_SR" },
	{ 0x0058, 0x005c, 0, "GICD_CLRSPI_SR" },   { 0x0080, 0x0100, 4, "GICD_IGROUPR" },
	{ 0x0100, 0x0180, 4, "GICD_ISENABLER" },   { 0x0180, 0x0200, 4, "GICD_ICENABLER" },
	{ 0x0200, 0x0280, 4, "GICD_ISPENDR" },     { 0x0280, 0x0300, 4, "GICD_ICPENDR" },
	{ 0x0300, 0x0380, 4, "GICD_ISACTIVER" },   { 0x0380, 0x0400, 4, "GICD_ICACTIVER" },
	{ 0x0400, 0x0800, 4, "GICD_IPRIORITYR" },  { 0x0800, 0x0c00, 4, "GICD_ITARGETSR" },
	{ 0x0c00, 0x0d00, 4, "GICD_ICFGR" },       { 0x0d00, 0x0d80, 4, "GICD_IGRPMODR" },
	{ 0x0e00, 0x0f00, 4, "GICD_NSACR" },       { 0x0f00, 0x0f04, 0, "GICD_SGIR" },
	{ 0x0f10, 0x0f20, 4, "GICD_CPENDSGIR" },   { 0x0f20, 0x0f30, 4, "GICD_SPENDSGIR" },
	{ 0x0f80, 0x1000, 4, "GICD_INMIR" },       { 0x6000, 0x8000, 8, "GICD_IROUTER" },
	{ 0xffe8, 0xffec, 0, "GICD_PIDR2" },       { 0xffd0, 0x10000, 4, "GICD_ID" },
	{ 0 },
};

/* One redistributor: RD_base frame, then SGI_base frame at 64K. */
static const struct reg_range gicr_regs[] = {
	{ 0x0000, 0x0004, 0, "GICR_CTLR" },         { 0x0004, 0x0008, 0, "GICR_IIDR" },
	{ 0x0008, 0x0010, 0, "GICR_TYPER" },        { 0x0010, 0x0014, 0, "GICR_STATUSR" },
	{ 0x0014, 0x0018, 0, "GICR_WAKER" },        { 0x0018, 0x001c, 0, "GICR_MPAMIDR" },
	{ 0x001c, 0x0020, 0, "GICR_PARTIDR" },      { 0x0040, 0x0048, 0, "GICR_SETLPIR" },
	{ 0x0048, 0x0050, 0, "GICR_CLRLPIR" },      { 0x0070, 0x0078, 0, "GICR_PROPBASER" },
	{ 0x0078, 0x0080, 0, "GICR_PENDBASER" },    { 0x00a0, 0x00a8, 0, "GICR_INVLPIR" },
	{ 0x00b0, 0x00b8, 0, "GICR_INVALLR" },      { 0x00c0, 0x00c4, 0, "GICR_SYNCR" },
	{ 0xffe8, 0xffec, 0, "GICR_PIDR2" },        { 0xffd0, 0x10000, 4, "GICR_ID" },
	{ 0x10080, 0x10084, 0, "GICR_IGROUPR0" },   { 0x10100, 0x10104, 0, "GICR_ISENABLER0" },
	{ 0x10180, 0x10184, 0, "GICR_ICENABLER0" }, { 0x10200, 0x10204, 0, "GICR_ISPENDR0" },
	{ 0x10280, 0x10284, 0, "GICR_ICPENDR0" },   { 0x10300, 0x10304, 0, "GICR_ISACTIVER0" },
	{ 0x10380, 0x10384, 0, "GICR_ICACTIVER0" }, { 0x10400, 0x10420, 4, "GICR_IPRIORITYR" },
	{ 0x10c00, 0x10c08, 4, "GICR_ICFGR" },      { 0x10d00, 0x10d04, 0, "GICR_IGRPMODR0" },
	{ 0x10e00, 0x10e04, 0, "GICR_NSACR" },      { 0x10f80, 0x10f84, 0, "GICR_INMIR0" },
	{ 0 },
};

static const struct reg_range *device_regs(uint32_t device)
{
	switch (device) {
	case TRACE_DEV_GICD:
		return gicd_regs;
	case TRACE_DEV_GICR:
		return gicr_regs;
	case TRACE_DEV_UART:
		return pl011_regs;
	default:
		return NULL;
	}
}

const char *top_mmio_reg_name(uint32_t device, uint64_t offset, char *buf, size_t len)
{
	const struct reg_range *r = device_regs(device);
	uint64_t idx, byte;

	for (; r && r->name; r++) {
		if (offset < r->start || offset >= r->end)
			continue;
		if (!r->stride) {
			byte = offset - r->start;
			if (byte)
				snprintf(buf, len, "%s+%u", r->name, (unsigned)byte);
			else
				snprintf(buf, len, "%s", r->name);
			return buf;
		}
		idx = (offset - r->start) / r->stride;
		byte = (offset - r->start) % r->stride;
		if (byte)
			snprintf(buf, len, "%s%u+%u", r->name, (unsigned)idx, (unsigned)byte);
		else
			snprintf(buf, len, "%s%u", r->name, (unsigned)idx);
		return buf;
	}
	return NULL;
}
