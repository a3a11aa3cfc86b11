/*
 * The virtual GICv3 (hyp/vgic/) as guests drive it: distributor and
 * redistributor accesses at any offset, width and value (inside the frames,
 * across their ends and past them), SGI register writes naming any targets,
 * interrupts injected from devices, and world switches in between: flush,
 * the guest acknowledging and EOIing through the virtual CPU interface model
 * with any VMCR and active-priority state, then fold and the maintenance
 * interrupt. Nothing a guest does may read or write outside the vGIC's state,
 * and an access inside a frame is always handled.
 */
#include "hyp/vgic/vgic.h"
#include "tests/vgic_model.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 1024

struct fx {
	struct vgic_vm vm;
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
	unsigned kicks;
};

static void count_kick(void *opaque, unsigned vcpu_id)
{
	struct fx *f = opaque;

	if (vcpu_id >= f->vm.nr_vcpus)
		abort(); /* a kick for a vCPU that does not exist */
	f->kicks++;
}

static const unsigned sizes[] = { 1, 2, 4, 8 };

/* A frame offset: mostly the registers that exist, sometimes anything. */
static uint64_t offset(struct fz *f, uint64_t span)
{
	switch (fz_u8(f) & 3) {
	case 0:
		return fz_u64(f);
	case 1:
		return fz_u16(f) & 0x1fff; /* the dense register block */
	default:
		return fz_u32(f) % (span + 16);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx fx;
	struct fz f = { data, size };
	struct vgic_snapshot snap;
	struct vgic_irq irq;
	unsigned nr = 1 + fz_below(&f, VGIC_MAX_VCPUS), ops, v, sz;
	uint64_t off, val;
	bool ok;

	memset(&fx, 0, sizeof(fx));
	vgic_vm_init(&fx.vm, nr, count_kick, &fx);
	for (v = 0; v < nr; v++)
		if (!vgic_cpu_init(&fx.vm, &fx.cpu[v], v))
			abort();

	for (ops = 0; ops < MAX_OPS && f.n; ops++) {
		uint8_t op = fz_u8(&f);
		struct vgic_cpu *vc = &fx.cpu[fz_below(&f, nr)];

		switch (op % 10) {
		case 0:
		case 1: /* GICD */
			off = offset(&f, VGIC_DIST_SIZE);
			sz = op & 0x80 ? fz_u8(&f) : sizes[fz_u8(&f) & 3];
			val = fz_u64(&f);
			ok = vgic_dist_mmio(&fx.vm, vc->id, off, sz, op & 0x40, &val);
			if (!ok && off < VGIC_DIST_SIZE && (sz == 1 || sz == 2 || sz == 4 || sz == 8))
				abort(); /* "false only outside the frame" */
			break;
		case 2:
		case 3: /* GICR: RD and SGI frames of any vCPU, and beyond */
			off = offset(&f, (uint64_t)nr * VGIC_REDIST_STRIDE);
			if (fz_bool(&f))
				off = (uint64_t)fz_below(&f, nr + 1) * VGIC_REDIST_STRIDE +
				      (fz_bool(&f) ? VGIC_SGI_FRAME : 0) + (fz_u16(&f) & 0xfff);
			sz = op & 0x80 ? fz_u8(&f) : sizes[fz_u8(&f) & 3];
			val = fz_u64(&f);
			vgic_redist_mmio(&fx.vm, off, sz, op & 0x40, &val);
			break;
		case 4: /* SGI registers */
			val = fz_u64(&f);
			switch (fz_u8(&f) % 3) {
			case 0: vgic_sgi1r_write(&fx.vm, vc->id, val); break;
			case 1: vgic_asgi1r_write(&fx.vm, vc->id, val); break;
			default: vgic_sgi0r_write(&fx.vm, vc->id, val); break;
			}
			break;
		case 5: /* a device drives a line */
			vgic_inject(&fx.vm, fz_u8(&f) % (nr + 1), fz_u16(&f) & 0x3ff, fz_bool(&f));
			break;
		case 6: /* forwarded interrupts */
			if (fz_bool(&f))
				vgic_set_hw_forward(&fx.vm, fz_u8(&f) % (nr + 1), fz_u16(&f) & 0x3ff,
						    fz_u16(&f) & 0x3ff);
			else
				vgic_clear_hw_forward(&fx.vm, fz_u8(&f) % (nr + 1), fz_u16(&f) & 0x3ff);
			break;
		case 7: /* enter the guest: flush */
			vgic_flush(vc, 1 + fz_below(&f, VGIC_MAX_LRS));
			break;
		case 8: /* the guest at its virtual CPU interface */
			vc->hw.vmcr = fz_u32(&f);
			if (fz_bool(&f))
				vc->hw.ap1r[fz_u8(&f) & 3] = fz_u32(&f);
			for (v = fz_u8(&f) & 7; v; v--) {
				if (fz_bool(&f))
					vgic_vif_ack(&vc->hw);
				else
					vgic_vif_eoi(&vc->hw, fz_u16(&f) & 0x3ff);
			}
			break;
		default: { /* leave the guest: fold, maintenance */
			uint32_t elrsr = vgic_vif_elrsr(&vc->hw);
			uint32_t eisr = vgic_vif_eisr(&vc->hw);
			uint32_t misr = vgic_vif_misr(&vc->hw);

			vgic_fold(vc, elrsr, eisr);
			if (misr)
				vgic_maint(vc, misr);
			vgic_cpu_has_pending(vc);
			vgic_snapshot(vc, &snap);
			vgic_irq_peek(&fx.vm, vc->id, fz_u16(&f) & 0x3ff, &irq);
			break;
		}
		}
		if (vc->ap_count > VGIC_NR_IRQS)
			abort();
	}
	return 0;
}
