/*
 * The virtual ITS (hyp/vgic/vits.c) and the LPI side of the redistributors
 * (vgic_lpi.c), driven as a hostile guest would: commands with any
 * arguments in the queue, the GITS and GICR LPI registers at any offset,
 * width and value, tables and the queue pointed anywhere (inside, across
 * the end of and outside guest memory, which is allocated to its exact
 * size so ASan sees any access past it), table contents rewritten behind
 * the ITS's back, MSIs, and LPIs taken and completed through the list
 * registers. The queue never stalls, CREADR stays inside the queue and
 * catches up with CWRITER, and the ap_lists stay consistent.
 */
#include "hyp/vgic/vgic.h"
#include "tests/vgic_model.h"
#include "hyp/vgic/vits.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS  1024
#define NR_VCPUS 2u
#define RAM_IPA  0x40000000ull
#define RAM_SIZE 0x20000ull /* 128 KiB */

static struct vgic_vm vm;
static struct vgic_cpu cpus[NR_VCPUS];
static struct vits its;
static uint8_t *ram;

/* An IPA: mostly inside guest memory and aligned, sometimes anywhere. */
static uint64_t fz_ipa(struct fz *f, uint64_t align)
{
	uint8_t how = fz_u8(f);

	if (how < 200)
		return (RAM_IPA + (fz_u32(f) % RAM_SIZE)) & ~(align - 1);
	if (how < 240)
		return RAM_IPA + RAM_SIZE - (fz_u8(f) & ~(align - 1)); /* across the end */
	return fz_u64(f);
}

static void check_lists(void)
{
	for (unsigned c = 0; c < NR_VCPUS; c++) {
		struct vgic_cpu *vc = &cpus[c];

		if (vc->ap_count > VGIC_AP_MAX)
			abort();
		for (unsigned i = 0; i < vc->ap_count; i++) {
			struct vgic_irq *irq = vgic_get_irq(&vm, c, vc->ap_list[i]);

			if (!irq || irq->ap_vcpu != c)
				abort();
		}
	}
}

static void its_write(unsigned vcpu, uint64_t off, unsigned size, uint64_t v)
{
	vits_mmio(&its, vcpu, off, size, true, &v);
}

/* A command: mostly a real one with small arguments, sometimes anything. */
static void queue_cmd(struct fz *f)
{
	static const uint8_t nums[] = {0x01, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a,
				       0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x2a};
	uint64_t base = its.cbaser & GITS_CBASER_PA_MASK, dw[4];
	uint64_t qsize = ((its.cbaser & GITS_CBASER_SIZE_MASK) + 1) * 0x1000;
	uint8_t how = fz_u8(f);

	if (how & 1) {
		for (unsigned i = 0; i < 4; i++)
			dw[i] = fz_u64(f);
	} else {
		dw[0] = nums[fz_below(f, sizeof(nums))] | (uint64_t)(fz_u8(f) & 7) << 32;
		dw[1] = fz_u8(f) % 40 | (uint64_t)(VGIC_LPI_BASE + fz_below(f, 64)) << 32;
		dw[2] = (how & 2 ? 1ull << 63 : 0) | (uint64_t)(fz_u8(f) % 3) << 16 | fz_u8(f) % 4;
		if (fz_bool(f))
			dw[2] |= fz_ipa(f, 256) & 0x000fffffffffff00ull;
		dw[3] = (uint64_t)(fz_u8(f) % 3) << 16;
	}
	/* Into the queue slot at CWRITER, when the queue is in guest memory. */
	if (base >= RAM_IPA && base - RAM_IPA + its.cwriter + 32 <= RAM_SIZE)
		memcpy(ram + (base - RAM_IPA) + its.cwriter, dw, sizeof(dw));
	its_write(fz_below(f, NR_VCPUS), GITS_CWRITER, 8, (its.cwriter + 32) % qsize);
}

static void play_guest(struct fz *f, unsigned c)
{
	struct vgic_cpu *vc = &cpus[c];
	unsigned n;

	vgic_flush(vc, 4);
	vc->hw.vmcr = 0xff000000u | 2; /* VPMR 0xff, VENG1 */
	for (n = fz_u8(f) % 4; n; n--) {
		uint32_t intid = vgic_vif_ack(&vc->hw);

		if (intid == 1023)
			break;
		if (fz_bool(f))
			vgic_vif_eoi(&vc->hw, intid);
	}
	vgic_fold(vc, vgic_vif_elrsr(&vc->hw), vgic_vif_eisr(&vc->hw));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	ram = malloc(RAM_SIZE);
	if (!ram)
		return 0;
	memset(ram, 0, RAM_SIZE);
	vgic_vm_init(&vm, NR_VCPUS, NULL, NULL);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		vgic_cpu_init(&vm, &cpus[i], i);
	vm.ctlr = GICD_CTLR_ENABLE_G1;
	vgic_set_guest_mem(&vm, ram, RAM_IPA, RAM_SIZE);
	vits_init(&its, &vm, NULL, NULL);

	for (unsigned ops = 0; ops < MAX_OPS && f.n; ops++) {
		uint8_t op = fz_u8(&f);
		unsigned c = fz_below(&f, NR_VCPUS);
		uint64_t v;

		switch (op % 8) {
		case 0: /* the tables and the queue: BASER0/1 and CBASER */
			its_write(c, GITS_CTLR, 4, 0);
			its_write(c, GITS_BASER, 8, GITS_BASER_VALID | fz_ipa(&f, 0x1000) | (fz_u8(&f) & 0x3));
			its_write(c, GITS_BASER + 8, 8, GITS_BASER_VALID | fz_ipa(&f, 0x1000));
			its_write(c, GITS_CBASER, 8, GITS_CBASER_VALID | fz_ipa(&f, 0x1000) | (fz_u8(&f) & 1));
			its_write(c, GITS_CTLR, 4, fz_u8(&f) < 240);
			break;
		case 1: /* LPI registers of a redistributor */
			v = fz_ipa(&f, 0x1000) | fz_u8(&f) % 16;
			vgic_redist_mmio(&vm, c * VGIC_REDIST_STRIDE + 0x70, 8, true, &v);
			v = fz_ipa(&f, 0x10000) | (fz_bool(&f) ? GICR_PENDBASER_PTZ : 0);
			vgic_redist_mmio(&vm, c * VGIC_REDIST_STRIDE + 0x78, 8, true, &v);
			v = fz_u8(&f) & 1;
			vgic_redist_mmio(&vm, c * VGIC_REDIST_STRIDE, 4, true, &v);
			break;
		case 2:
		case 3:
			queue_cmd(&f);
			/* Enabled with a queue in memory: every command ran, none stalled. */
			if ((its.ctlr & GITS_CTLR_ENABLED) && (its.cbaser & GITS_CBASER_VALID) &&
			    its.creadr != its.cwriter)
				abort();
			break;
		case 4: /* any ITS register access */
			v = fz_u64(&f);
			vits_mmio(&its, c, fz_u32(&f) % (VITS_FRAME_SIZE + 16), 1u << (fz_u8(&f) & 3),
				  op & 0x80, &v);
			break;
		case 5: /* an MSI */
			v = fz_u8(&f) % 40;
			its_write(c, GITS_TRANSLATER, 4, v);
			break;
		case 6: /* the guest rewrites its memory (tables, configuration) */
			for (unsigned n = fz_u8(&f) % 16; n; n--)
				ram[fz_u32(&f) % RAM_SIZE] = fz_u8(&f);
			break;
		default:
			play_guest(&f, c);
			break;
		}
		if (its.creadr >= ((its.cbaser & GITS_CBASER_SIZE_MASK) + 1) * 0x1000 ||
		    (its.creadr & GITS_CREADR_STALLED))
			abort();
		check_lists();
	}
	free(ram);
	return 0;
}
