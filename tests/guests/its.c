/*
 * The GICv3 ITS (IHI 0069, 6 "Locality-specific Peripheral Interrupts and
 * the ITS") as a driver uses it: LPIs in GICD_TYPER and GICR_TYPER, the
 * LPI configuration and pending tables, the ITS's device and collection
 * tables and command queue in this guest's memory; then MAPD, MAPC, MAPTI,
 * MAPI, SYNC, and LPIs delivered by MSIs (writes to GITS_TRANSLATER, from
 * DeviceID 0) and by INT, checked by INTID, target vCPU and running
 * priority; MOVI to another vCPU, DISCARD, CLEAR, INV and INVALL after the
 * configuration table changes, MOVALL, and commands with bad arguments
 * (ignored: the queue goes on, never stalls).
 *
 * The guest runs with its MMU off: its data accesses are Device memory, so
 * every table write is an aligned store, and a DSB orders the table
 * writes before the GITS_CWRITER write that makes the ITS read them.
 */
#include "libguest.h"

#define ITS_BASE        0x08080000ull
#define GITS_CTLR       0x0000u
#define GITS_TYPER      0x0008u
#define GITS_CBASER     0x0080u
#define GITS_CWRITER    0x0088u
#define GITS_CREADR     0x0090u
#define GITS_BASER(n)   (0x0100u + 8u * (n))
#define GITS_PIDR2      0xffe8u
#define GITS_TRANSLATER 0x10040u

#define GICR_PROPBASER  0x0070u
#define GICR_PENDBASER  0x0078u
#define GICD_TYPER_LPIS (1u << 17)

#define CMD_MOVI    0x01u
#define CMD_INT     0x03u
#define CMD_CLEAR   0x04u
#define CMD_SYNC    0x05u
#define CMD_MAPD    0x08u
#define CMD_MAPC    0x09u
#define CMD_MAPTI   0x0au
#define CMD_MAPI    0x0bu
#define CMD_INV     0x0cu
#define CMD_INVALL  0x0du
#define CMD_MOVALL  0x0eu
#define CMD_DISCARD 0x0fu

#define LPI(n)      (8192u + (n))
#define NR_CPUS     2u
#define QUEUE_BYTES 0x1000u

/* Tables: the configuration table covers LPIs 8192..16383 (14 ID bits). */
static volatile uint8_t prop_table[0x2000] __aligned(0x1000);
static volatile uint8_t pend_table[NR_CPUS][0x10000] __aligned(0x10000);
static volatile uint64_t dev_table[512] __aligned(0x1000);
static volatile uint64_t coll_table[512] __aligned(0x1000);
static volatile uint64_t itt[2][32] __aligned(0x100);
static volatile uint64_t queue[QUEUE_BYTES / 8] __aligned(0x1000);
static uint64_t cwriter;

static volatile uint32_t taken[NR_CPUS], last_intid[NR_CPUS], last_rpr[NR_CPUS];
static volatile uint32_t spurious, running, done;

static void lpi_handler(void)
{
	uint32_t intid = gic_ack();
	unsigned int cpu = smp_processor_id();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (cpu < NR_CPUS) {
		last_intid[cpu] = intid;
		last_rpr[cpu] = gic_rpr();
		taken[cpu]++;
	}
	gic_eoi(intid);
}

static void its_cmd(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	volatile uint64_t *slot = &queue[cwriter / 8];
	uint64_t deadline = timer_now() + timer_ticks_us(1000000);

	slot[0] = dw0;
	slot[1] = dw1;
	slot[2] = dw2;
	slot[3] = dw3;
	cwriter = (cwriter + 32) % QUEUE_BYTES;
	/* The command is in memory before the ITS is told to read it. */
	dsb(sy);
	mmio_write64(ITS_BASE + GITS_CWRITER, cwriter);
	while (mmio_read64(ITS_BASE + GITS_CREADR) != cwriter && timer_now() < deadline)
		cpu_relax();
}

static void mapd(uint32_t dev, volatile uint64_t *table, unsigned int event_bits)
{
	its_cmd(CMD_MAPD | (uint64_t)dev << 32, event_bits - 1,
		1ull << 63 | (uint64_t)(uintptr_t)table, 0);
}

static void mapc(uint16_t icid, unsigned int cpu)
{
	/* GITS_TYPER.PTA = 0: RDbase is the processor number. */
	its_cmd(CMD_MAPC, 0, 1ull << 63 | (uint64_t)cpu << 16 | icid, 0);
}

static void mapti(uint32_t dev, uint32_t event, uint32_t intid, uint16_t icid)
{
	its_cmd(CMD_MAPTI | (uint64_t)dev << 32, event | (uint64_t)intid << 32, icid, 0);
}

static void dev_cmd(unsigned int cmd, uint32_t dev, uint32_t event)
{
	its_cmd(cmd | (uint64_t)dev << 32, event, 0, 0);
}

static void set_config(unsigned int intid, uint8_t prio, bool enable)
{
	prop_table[intid - 8192] = (uint8_t)(prio | (enable ? 1 : 0));
	dsb(sy);
}

static void msi(uint32_t event)
{
	mmio_write32(ITS_BASE + GITS_TRANSLATER, event);
}

/* Wait until vCPU cpu has taken want LPIs in all (or the time is up). */
static bool wait_taken(unsigned int cpu, uint32_t want, uint64_t us)
{
	uint64_t deadline = timer_now() + timer_ticks_us(us);

	while (taken[cpu] < want && timer_now() < deadline)
		cpu_relax();
	return taken[cpu] >= want;
}

static void secondary(void *arg)
{
	(void)arg;
	gic_init();
	irq_set_handler(lpi_handler);
	irq_enable();
	running = 1;
	while (!load_acquire32((const uint32_t *)&done))
		asm volatile("wfi");
	irq_disable();
}

static bool setup_lpis(void)
{
	uint32_t typer = mmio_read32(GUEST_GICD_IPA + GICD_TYPER);
	bool plpis = true;

	report(typer & GICD_TYPER_LPIS, "GICD_TYPER.LPIS is set");
	report(((typer >> 19) & 0x1f) >= 13, "GICD_TYPER.IDbits %u: at least 14 bits for LPIs",
	       (typer >> 19) & 0x1f);
	for (unsigned int i = 0; i < 0x2000; i++)
		prop_table[i] = 0;
	for (unsigned int i = 0; i < 16; i++)
		prop_table[i] = GIC_PRIO_DEFAULT | 1;
	dsb(sy);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		uint64_t rd = gic_rd_base(cpu);

		plpis &= mmio_read64(rd + GICR_TYPER) & 1;
		mmio_write64(rd + GICR_PROPBASER, (uint64_t)(uintptr_t)prop_table | 13);
		mmio_write64(rd + GICR_PENDBASER, (uint64_t)(uintptr_t)pend_table[cpu]);
		mmio_write32(rd + GICR_CTLR, 1); /* EnableLPIs */
		plpis &= mmio_read32(rd + GICR_CTLR) & 1;
	}
	report(plpis, "both redistributors have GICR_TYPER.PLPIS and take EnableLPIs");
	return typer & GICD_TYPER_LPIS;
}

static void setup_its(void)
{
	uint64_t typer = mmio_read64(ITS_BASE + GITS_TYPER);

	report((mmio_read32(ITS_BASE + GITS_PIDR2) & 0xf0) == 0x30, "GITS_PIDR2.ArchRev is 3");
	report((typer & 1) && ((typer >> 4) & 0xf) == 7,
	       "GITS_TYPER: physical LPIs, 8-byte ITT entries (%#lx)", typer);
	report(((mmio_read64(ITS_BASE + GITS_BASER(0)) >> 56) & 7) == 1 &&
		       ((mmio_read64(ITS_BASE + GITS_BASER(1)) >> 56) & 7) == 4,
	       "GITS_BASER0 is the device table, GITS_BASER1 the collection table");
	mmio_write64(ITS_BASE + GITS_BASER(0), 1ull << 63 | (uint64_t)(uintptr_t)dev_table);
	mmio_write64(ITS_BASE + GITS_BASER(1), 1ull << 63 | (uint64_t)(uintptr_t)coll_table);
	mmio_write64(ITS_BASE + GITS_CBASER, 1ull << 63 | (uint64_t)(uintptr_t)queue);
	mmio_write64(ITS_BASE + GITS_CWRITER, 0);
	mmio_write32(ITS_BASE + GITS_CTLR, 1);
	report(mmio_read32(ITS_BASE + GITS_CTLR) & 1, "GITS_CTLR.Enabled reads back");
}

int main(void)
{
	uint32_t t0, t1;
	bool quiet;

	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(lpi_handler);
	report(boot.nr_vcpus >= NR_CPUS, "%u vCPUs (at least 2)", boot.nr_vcpus);
	if (boot.nr_vcpus < NR_CPUS || !setup_lpis())
		return report_summary();
	report(smp_start(1, secondary, NULL) == PSCI_RET_SUCCESS, "vCPU 1 started");
	while (!running)
		cpu_relax();
	setup_its();

	/* Device 0: events 0..15 -> LPIs 8192..8207 on collection 0 (vCPU 0). */
	mapd(0, itt[0], 4);
	mapd(1, itt[1], 5);
	mapc(0, 0);
	mapc(1, 1);
	for (unsigned int ev = 0; ev < 4; ev++)
		mapti(0, ev, LPI(ev), 0);
	/* Device 1: MAPI makes the EventID the INTID, so event 0 is no LPI (ignored). */
	its_cmd(CMD_MAPI | 1ull << 32, 0, 1, 0);
	mapti(1, 9, LPI(9), 1);
	its_cmd(CMD_SYNC, 0, 1ull << 16, 0);
	report(mmio_read64(ITS_BASE + GITS_CREADR) == cwriter,
	       "GITS_CREADR caught up with GITS_CWRITER (%#lx)", cwriter);
	report(mmio_read32(ITS_BASE + GITS_CTLR) & (1u << 31), "GITS_CTLR.Quiescent");

	irq_enable();
	/* MSI from the CPU: DeviceID 0, EventID 0 -> LPI 8192 on vCPU 0. */
	msi(0);
	report(wait_taken(0, 1, 1000000) && last_intid[0] == LPI(0),
	       "MSI event 0: LPI %u taken on vCPU 0", last_intid[0]);
	report(last_rpr[0] == GIC_PRIO_DEFAULT, "its priority is the configuration table's (%#x)",
	       last_rpr[0]);
	/* INT: device 1 event 9 -> LPI 8201 on vCPU 1. */
	dev_cmd(CMD_INT, 1, 9);
	report(wait_taken(1, 1, 1000000) && last_intid[1] == LPI(9),
	       "INT device 1 event 9: LPI %u taken on vCPU 1", last_intid[1]);

	/* MOVI: event 1 moves to collection 1; its MSI reaches vCPU 1. */
	its_cmd(CMD_MOVI, 1, 1, 0);
	t0 = taken[0];
	msi(1);
	report(wait_taken(1, 2, 1000000) && last_intid[1] == LPI(1) && taken[0] == t0,
	       "after MOVI, MSI event 1: LPI %u taken on vCPU 1, not on vCPU 0", last_intid[1]);

	/* DISCARD: event 2's mapping is gone, its MSI is dropped. */
	dev_cmd(CMD_DISCARD, 0, 2);
	t0 = taken[0];
	msi(2);
	report(!wait_taken(0, t0 + 1, 20000), "after DISCARD, MSI event 2 is not delivered");

	/* Pending while masked, delivered on unmask; CLEAR takes it back. */
	irq_disable();
	t0 = taken[0];
	msi(3);
	delay_us(2000);
	irq_enable();
	report(wait_taken(0, t0 + 1, 1000000) && last_intid[0] == LPI(3),
	       "MSI event 3 while masked: LPI %u taken once unmasked", last_intid[0]);
	irq_disable();
	t0 = taken[0];
	msi(3);
	dev_cmd(CMD_CLEAR, 0, 3);
	irq_enable();
	report(!wait_taken(0, t0 + 1, 20000), "MSI then CLEAR while masked: nothing taken");

	/* INV: disabled in the configuration table, the LPI stays pending. */
	set_config(LPI(3), GIC_PRIO_DEFAULT, false);
	dev_cmd(CMD_INV, 0, 3);
	t0 = taken[0];
	msi(3);
	report(!wait_taken(0, t0 + 1, 20000), "disabled and INV: MSI event 3 not taken");
	set_config(LPI(3), 0x60, true);
	dev_cmd(CMD_INV, 0, 3);
	report(wait_taken(0, t0 + 1, 1000000) && last_intid[0] == LPI(3) && last_rpr[0] == 0x60,
	       "enabled at priority 0x60 and INV: the pending LPI %u taken at priority %#x",
	       last_intid[0], last_rpr[0]);
	/* INVALL: a new priority for LPI 8192 through its collection. */
	set_config(LPI(0), 0x40, true);
	its_cmd(CMD_INVALL, 0, 0, 0);
	t0 = taken[0];
	msi(0);
	report(wait_taken(0, t0 + 1, 1000000) && last_rpr[0] == 0x40,
	       "INVALL: LPI 8192 now taken at priority %#x", last_rpr[0]);

	/* MOVALL: everything pending on vCPU 0 moves to vCPU 1. */
	irq_disable();
	t0 = taken[0];
	t1 = taken[1];
	msi(0);
	its_cmd(CMD_MOVALL, 0, 0ull << 16, 1ull << 16);
	irq_enable();
	report(wait_taken(1, t1 + 1, 1000000) && last_intid[1] == LPI(0) && taken[0] == t0,
	       "MOVALL 0 -> 1: pending LPI %u taken on vCPU 1", last_intid[1]);

	/* Bad arguments: ignored, the queue goes on. */
	mapti(0, 5, 100, 0);          /* not an LPI */
	mapti(0, 16, LPI(5), 0);      /* beyond the device's 16 events */
	mapd(4096, itt[0], 4);        /* beyond the one-page device table */
	mapc(2, 7);                   /* no vCPU 7 */
	its_cmd(0x2a, 0, 0, 0);       /* not a command */
	dev_cmd(CMD_INT, 0, 5);       /* never mapped */
	quiet = mmio_read64(ITS_BASE + GITS_CREADR) == cwriter;
	report(quiet && !(mmio_read64(ITS_BASE + GITS_CREADR) & 1),
	       "six bad commands: consumed, GITS_CREADR not stalled");
	t0 = taken[0];
	msi(5);
	msi(16);
	report(!wait_taken(0, t0 + 1, 20000), "MSIs to the events the bad commands named: nothing");
	msi(0);
	report(wait_taken(0, t0 + 1, 1000000) && last_intid[0] == LPI(0),
	       "the ITS still works: MSI event 0 -> LPI %u", last_intid[0]);

	irq_disable();
	store_release32((uint32_t *)&done, 1);
	msi(1); /* wakes vCPU 1 from WFI: event 1 is on its collection since MOVI */
	report(smp_wait(1), "vCPU 1 powered off");
	report(!spurious, "no spurious acknowledge (%u)", spurious);
	return report_summary();
}
