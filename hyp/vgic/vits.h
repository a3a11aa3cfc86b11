/*
 * The virtual GICv3 ITS (IHI 0069, 6 "Locality-specific Peripheral
 * Interrupts and the ITS"): the GITS register frame, the command queue, and
 * the device, collection and interrupt translation tables, all in the VM's
 * own memory (struct vgic_vm.mem, every access bounds-checked). It turns
 * (DeviceID, EventID) into an LPI on a vCPU and hands it to the
 * redistributors (vgic_lpi.c). See docs/its.md.
 *
 * Pure logic, the same at EL2 and in the host unit tests. One lock per ITS
 * (taken before the vGIC's).
 */
#ifndef HYP_VITS_H
#define HYP_VITS_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/spinlock.h"
#include "hyp/vgic/vgic.h"

/* Identifier widths (GITS_TYPER.Devbits / IDbits) and table entry size. */
#define VITS_DEV_BITS     16u
#define VITS_EVENT_BITS   16u
#define VITS_ICID_BITS    16u
#define VITS_ENTRY_SIZE   8u  /* device, collection and interrupt translation entries */
#define VITS_CMD_SIZE     32u
#define VITS_NR_BASER     8u

/* The two 64 KiB frames: ITS_base (control) and the translation frame. */
#define VITS_FRAME_SIZE   0x20000u
#define GITS_CTLR         0x0000u
#define GITS_IIDR         0x0004u
#define GITS_TYPER        0x0008u
#define GITS_CBASER       0x0080u
#define GITS_CWRITER      0x0088u
#define GITS_CREADR       0x0090u
#define GITS_BASER        0x0100u /* + 8 n, n = 0..7 */
#define GITS_PIDR2        0xffe8u
#define GITS_TRANSLATER   0x10040u

#define GITS_CTLR_ENABLED     (1u << 0)
#define GITS_CTLR_QUIESCENT   (1u << 31)
#define GITS_CREADR_STALLED   (1ull << 0)
#define GITS_CWRITER_RETRY    (1ull << 0)
#define GITS_QUEUE_OFFSET     0x00000000000fffe0ull /* [19:5] */
#define GITS_CBASER_VALID     (1ull << 63)
#define GITS_CBASER_PA_MASK   0x000ffffffffff000ull /* [51:12] */
#define GITS_CBASER_SIZE_MASK 0xffull               /* 4 KiB pages - 1 */
#define GITS_BASER_VALID      (1ull << 63)
#define GITS_BASER_INDIRECT   (1ull << 62)
#define GITS_BASER_TYPE_SHIFT 56
#define GITS_BASER_ESIZE_SHIFT 48
#define GITS_BASER_PA_MASK    0x0000fffffffff000ull /* [47:12] */
#define GITS_BASER_PSZ_SHIFT  8
#define GITS_BASER_SIZE_MASK  0xffull

enum gits_baser_type {
	GITS_BASER_TYPE_NONE = 0,
	GITS_BASER_TYPE_DEVICE = 1,
	GITS_BASER_TYPE_COLLECTION = 4,
};

/* Command numbers (DW0 [7:0]). */
enum vits_cmd {
	VITS_CMD_MOVI = 0x01,
	VITS_CMD_INT = 0x03,
	VITS_CMD_CLEAR = 0x04,
	VITS_CMD_SYNC = 0x05,
	VITS_CMD_MAPD = 0x08,
	VITS_CMD_MAPC = 0x09,
	VITS_CMD_MAPTI = 0x0a,
	VITS_CMD_MAPI = 0x0b,
	VITS_CMD_INV = 0x0c,
	VITS_CMD_INVALL = 0x0d,
	VITS_CMD_MOVALL = 0x0e,
	VITS_CMD_DISCARD = 0x0f,
	VITS_CMD_MSI = 0x10, /* not a command: a GITS_TRANSLATER write, for tracing */
};

/*
 * What a command (or a translation) came to. A command error is ignored:
 * the command has no effect, the queue goes on (IHI 0069 leaves the choice
 * between ignoring and stalling IMPLEMENTATION DEFINED), so GITS_CREADR
 * never stalls. The numbers are in trace records (formats/trace.h).
 */
enum vits_result {
	VITS_OK = 0,
	VITS_ERR_DEVICE_ID,     /* DeviceID beyond Devbits or the device table */
	VITS_ERR_UNMAPPED_DEVICE,
	VITS_ERR_EVENT_ID,      /* EventID beyond the device's ITT size */
	VITS_ERR_UNMAPPED_EVENT,
	VITS_ERR_COLLECTION_ID, /* ICID beyond the collection table */
	VITS_ERR_UNMAPPED_COLLECTION,
	VITS_ERR_TARGET,        /* RDbase names no redistributor */
	VITS_ERR_INTID,         /* pINTID is not an LPI */
	VITS_ERR_SIZE,          /* MAPD Size beyond IDbits */
	VITS_ERR_TABLE,         /* a table not valid, or outside guest memory */
	VITS_ERR_UNKNOWN_CMD,
	VITS_ERR_DISABLED,      /* translation while GITS_CTLR.Enabled is 0 */
	VITS_NR_RESULTS,
};

/*
 * One command or translation, as traced: the arguments the command has and
 * what it found (LPI, collection, target); VITS_NONE / VITS_NO_ICID for
 * those it has not or did not get to.
 */
struct vits_event {
	uint8_t cmd;       /* enum vits_cmd */
	uint8_t result;    /* enum vits_result */
	uint16_t icid;     /* collection */
	uint32_t device;
	uint32_t event;
	uint32_t intid;    /* LPI */
	uint32_t target;   /* vCPU */
};
#define VITS_NONE      0xffffffffu
#define VITS_NO_TARGET VITS_NONE
#define VITS_NO_ICID   0xffffu

typedef void (*vits_event_fn)(void *opaque, unsigned vcpu_id, const struct vits_event *e);

struct vits_stats {
	uint64_t cmds[16];           /* by command number (0..15) */
	uint64_t errors[VITS_NR_RESULTS];
	uint64_t msis;               /* GITS_TRANSLATER writes */
	uint64_t lpis;               /* LPIs made pending (MSIs and INT) */
	uint64_t bad_cwriter;        /* CWRITER writes beyond the queue, ignored */
	uint64_t unknown_accesses;   /* reserved offsets and bad widths: RAZ/WI */
};

struct vits {
	spinlock_t lock;
	struct vgic_vm *vgic;
	uint32_t ctlr;               /* GITS_CTLR.Enabled */
	uint64_t cbaser;
	uint64_t cwriter;            /* offset [19:5] */
	uint64_t creadr;
	uint64_t baser[VITS_NR_BASER];
	vits_event_fn on_event;
	void *opaque;
	struct vits_stats stats;
};

/* Reset state: disabled, no queue, no tables. on_event may be NULL. */
void vits_init(struct vits *its, struct vgic_vm *vgic, vits_event_fn on_event, void *opaque);

/*
 * An access to the ITS frames (VITS_FRAME_SIZE) by vCPU vcpu_id. 32-bit
 * accesses everywhere, 64-bit to the 64-bit registers, 16-bit to
 * GITS_TRANSLATER; anything else is RAZ/WI and counted. A write of
 * GITS_CWRITER processes the queue up to it before returning. A write to
 * GITS_TRANSLATER is an MSI from DeviceID VITS_CPU_DEVICE_ID. false only
 * outside the frames.
 */
bool vits_mmio(struct vits *its, unsigned vcpu_id, uint64_t offset, unsigned size, bool write,
	       uint64_t *val);

/*
 * The DeviceID of writes to GITS_TRANSLATER by a CPU. A CPU is not a device
 * and sends no DeviceID; like QEMU's own ITS, the virtual one takes 0.
 */
#define VITS_CPU_DEVICE_ID 0u

/* An MSI: translate (device, event) and make the LPI pending. */
enum vits_result vits_translate(struct vits *its, unsigned vcpu_id, uint32_t device,
				uint32_t event);

#endif
