/*
 * The control block: where the host tool and the hypervisor meet.
 *
 * The host writes a struct hypcfg into a file that QEMU loads at HYPCFG_PA
 * (-device loader,force-raw=on) before the hypervisor starts. The hypervisor
 * answers in a struct hypstat at cfg->status_pa, which the host reads live
 * through the shared memory-backend-file that backs guest RAM.
 *
 * Flat and fixed-width: no pointers, explicit padding, sizes asserted. The
 * same header is compiled into the EL2 image and into the host tool.
 */
#ifndef FORMATS_HYPCFG_H
#define FORMATS_HYPCFG_H

#include <stdint.h>

#include "formats/exits.h"

/* Physical memory map of the QEMU virt board as hypscope uses it. */
#define HYP_RAM_BASE       0x40000000ull /* QEMU's DTB sits here */
#define HYP_LOAD_PA        0x40200000ull /* hyp.elf is linked here */
#define HYPCFG_PA          0x41000000ull /* struct hypcfg */
#define HYPCFG_AREA_SIZE   0x00100000ull /* config + status, 1 MiB */
#define HYPSTAT_PA         (HYPCFG_PA + 0x10000ull)
#define HYP_HEAP_PA        0x41100000ull /* hypervisor page allocator */
#define HYP_HEAP_SIZE      0x02f00000ull /* up to 0x44000000 */
#define HYP_STAGING_PA     0x44000000ull /* default base for host-placed blobs */

/* Guest-physical map: the same places QEMU's virt board uses. */
#define GUEST_GICD_IPA     0x08000000ull
#define GUEST_GICD_SIZE    0x00010000ull
#define GUEST_ITS_IPA      0x08080000ull /* GICv3 ITS: ITS_base and translation frames */
#define GUEST_ITS_SIZE     0x00020000ull
#define GUEST_GICR_IPA     0x080a0000ull
#define GUEST_GICR_STRIDE  0x00020000ull /* RD frame + SGI frame per vCPU */
#define GUEST_UART_IPA     0x09000000ull
#define GUEST_UART_SIZE    0x00001000ull
#define GUEST_UART_SPI     1u            /* INTID 33 */
#define GUEST_RAM_IPA      0x40000000ull
#define GDB_UART_PA        0x09040000ull /* the second PL011: the GDB stub's (--gdb) */

#define HYPCFG_MAGIC       0x3147464353505948ull /* "HYPSCFG1" */
#define HYPSTAT_MAGIC      0x3154415453505948ull /* "HYPSSTA1" */
#define HYPCFG_VERSION     5u /* 3: the GDB stub (flags, gdb_vm); 4: VM flags, host requests
                                 (SDEI); 5: RAM loaded in place (hypcfg_vm.ram_pa) */

#define HYPCFG_MAX_VMS     8u
#define HYPCFG_MAX_VCPUS   4u   /* per VM */
#define HYP_MAX_CPUS       4u   /* physical */
#define HYPCFG_NAME_LEN    32u
#define HYPCFG_CMDLINE_LEN 512u

enum hypcfg_image_kind {
	HYPCFG_IMAGE_FLAT  = 0, /* raw bytes at load_ipa; ELF files are flattened by the host */
	HYPCFG_IMAGE_LINUX = 1, /* arm64 Linux Image: text_offset and image_size honoured */
};

/* struct hypcfg.flags */
#define HYPCFG_F_INTERACTIVE (1ull << 0) /* someone types at the console (a terminal): the
                                            focused VM's output goes out a character at a
                                            time; without it every VM's is line-buffered */
#define HYPCFG_F_TEST_HVC_PAD (1ull << 1) /* TEST ONLY: every HVC exit runs test_hvc_pad more
                                             EL2 instructions, a known slowdown for the A/B
                                             test of `hypscope diff`; never in production */
#define HYPCFG_F_GDB         (1ull << 2) /* the GDB stub owns the second PL011 (0x09040000) */
#define HYPCFG_F_GDB_WAIT    (1ull << 3) /* every VM held at its first instruction until a
                                            debugger resumes it */
#define HYPCFG_F_MTE         (1ull << 4) /* QEMU runs with mte=on (--mte): guests get MTE
                                            (FEAT_MTE2 and up); without it MTE is hidden */
#define HYPCFG_F_RAM_ZEROED  (1ull << 5) /* the host made the RAM file afresh: RAM no VM
                                            has had reads as zeroes (and tag 0), so the
                                            hypervisor scrubs only RAM a VM gave back */

enum hypcfg_trace_mode {
	HYPCFG_TRACE_OFF       = 0,
	HYPCFG_TRACE_OVERWRITE = 1, /* flight recorder: oldest records are overwritten */
	HYPCFG_TRACE_DROP      = 2, /* no-overwrite: records that do not fit are dropped, counted */
};

/* struct hypcfg_vm.flags */
#define HYPCFG_VM_F_NO_SDEI (1u << 0) /* sdei=off: no /firmware/sdei, SDEI calls NOT_SUPPORTED */
#define HYPCFG_VM_F_EL2     (1u << 1) /* el2=on: the guest starts at virtual EL2 (FEAT_NV2,
                                         docs/nested.md); refused without NV2 */

/* One guest as the host describes it. */
struct hypcfg_vm {
	char     name[HYPCFG_NAME_LEN];
	uint64_t image_pa;    /* where QEMU placed the image bytes (staging) */
	uint64_t image_size;  /* bytes to copy into guest RAM */
	uint64_t load_ipa;    /* guest-physical address of the image's first byte */
	uint64_t entry_ipa;   /* first instruction of the boot vCPU */
	uint64_t image_span;  /* bytes the image occupies in guest RAM (>= image_size, bss included) */
	uint64_t initrd_pa;   /* staging address of the initrd, 0 when none */
	uint64_t initrd_size;
	uint64_t mem_size;    /* guest RAM at GUEST_RAM_IPA, a multiple of 2 MiB */
	uint64_t ram_pa;      /* 0: the hypervisor takes the VM's RAM from its pool and copies
	                         image and initrd into it from staging. Else the RAM of the
	                         one instance (mem_size bytes, 2 MiB aligned), into which the
	                         host loaded image and initrd where the guest finds them:
	                         image_pa = ram_pa + load_ipa - GUEST_RAM_IPA, initrd_pa =
	                         ram_pa + hypcfg_initrd_ipa() - GUEST_RAM_IPA. Needs
	                         HYPCFG_F_RAM_ZEROED (the rest of it reads as zeroes) and
	                         instances 1 (no pristine copy is left for a second) */
	uint32_t nr_vcpus;    /* 1..HYPCFG_MAX_VCPUS */
	uint32_t kind;        /* enum hypcfg_image_kind */
	uint32_t instances;   /* VMs created from this entry in sequence: each power-off
	                         destroys the VM and creates a fresh one until this many ran */
	uint32_t flags;
	char     cmdline[HYPCFG_CMDLINE_LEN];
};

/* Where the initrd goes in guest RAM: the first page above the image's span. */
static inline uint64_t hypcfg_initrd_ipa(uint64_t load_ipa, uint64_t image_size,
					 uint64_t image_span)
{
	uint64_t span = image_span > image_size ? image_span : image_size;

	return (load_ipa + span + 0xfffull) & ~0xfffull;
}

/*
 * A request a host tool makes of the running machine (hypscope sdei): the
 * tool fills the fields, then bumps seq with a store-release; the
 * hypervisor polls seq, serves the request and answers with struct
 * hypstat.req_done = seq (store-release) after req_result. One requester at
 * a time: the tool waits for the answer before the next request.
 */
enum hypcfg_req_op {
	HYPCFG_REQ_NONE        = 0,
	HYPCFG_REQ_SDEI_SIGNAL = 1, /* signal event in VM slot vm, vCPU vcpu */
};

struct hypcfg_request {
	uint64_t seq;
	uint32_t op;          /* enum hypcfg_req_op */
	uint32_t vm;          /* configuration slot */
	uint32_t vcpu;
	uint32_t event;
};

struct hypcfg {
	uint64_t magic;       /* HYPCFG_MAGIC */
	uint32_t version;     /* HYPCFG_VERSION */
	uint32_t size;        /* sizeof(struct hypcfg) */
	uint32_t nr_vms;
	uint32_t vmid_bits;   /* 0: as the CPU offers (8 or 16); else narrowed to this (3..16) */
	uint32_t slice_us;    /* scheduler time slice, 0: default */
	uint32_t trace_mode;  /* enum hypcfg_trace_mode */
	uint64_t trace_pa;    /* base of the per-CPU trace rings, 0 when tracing is off */
	uint64_t trace_size;  /* bytes of ring per physical CPU */
	uint64_t status_pa;   /* where the hypervisor writes struct hypstat */
	uint64_t flags;
	uint64_t test_hvc_pad; /* with HYPCFG_F_TEST_HVC_PAD: instructions added per HVC exit */
	uint32_t gdb_vm;      /* HYPCFG_F_GDB: the VM slot 'target remote' attaches */
	uint32_t reserved32;
	uint64_t reserved[6];
	struct hypcfg_vm vms[HYPCFG_MAX_VMS];
	struct hypcfg_request req; /* written by host tools while the machine runs */
};

/* --------------------------------------------------------------- status */

enum hypstat_state {
	HYPSTAT_BOOTING = 0,
	HYPSTAT_RUNNING = 1,
	HYPSTAT_DONE    = 2, /* every VM ended; the hypervisor powers the machine off */
	HYPSTAT_PANIC   = 3, /* a hypervisor bug: panic_msg says what */
	HYPSTAT_BADCFG  = 4, /* the configuration was refused: panic_msg says why */
};

enum hypstat_vm_state {
	HYPSTAT_VM_EMPTY   = 0, /* not created yet */
	HYPSTAT_VM_RUNNING = 1,
	HYPSTAT_VM_OFF     = 2, /* PSCI SYSTEM_OFF, or every vCPU called CPU_OFF */
	HYPSTAT_VM_RESET   = 3, /* PSCI SYSTEM_RESET: ended, not restarted */
	HYPSTAT_VM_EXITED  = 4, /* HYPSCOPE_HVC_EXIT with exit_status */
	HYPSTAT_VM_FAILED  = 5, /* could not be created (no memory, bad image) */
};

enum hypstat_vcpu_state {
	HYPSTAT_VCPU_OFF     = 0,
	HYPSTAT_VCPU_RUNNING = 1, /* runnable or on a CPU */
	HYPSTAT_VCPU_WFI     = 2, /* blocked in WFI */
};

struct hypstat_vcpu {
	uint32_t state;       /* enum hypstat_vcpu_state */
	uint32_t pcpu;        /* physical CPU it is pinned to */
	uint64_t guest_ticks; /* counter ticks spent in the guest */
	uint64_t hyp_ticks;   /* counter ticks spent handling its exits */
	uint64_t exits[HYP_EXIT_CLASSES]; /* by class, see formats/exits.h */
	/* The vGIC, as of the vCPU's last time off its CPU. */
	uint64_t vgic_flushes;     /* entries that loaded list registers */
	uint64_t vgic_overflows;   /* of which more interrupts were in flight than LRs */
	uint64_t vgic_maint[8];    /* maintenance interrupts by ICH_MISR_EL2 cause bit */
	uint64_t vgic_lr[16];      /* ICH_LR<n>_EL2 as last read back (formats/ich_lr.h) */
	uint32_t vgic_nr_lrs;
	uint32_t vgic_pending;     /* interrupts in flight for it */
};

struct hypstat_vm {
	uint32_t state;       /* enum hypstat_vm_state of the latest instance */
	uint32_t exit_status; /* for HYPSTAT_VM_EXITED */
	uint32_t vmid;
	uint32_t nr_vcpus;
	uint64_t vmid_generation;
	uint64_t serial;      /* unique id of the latest instance */
	uint32_t instances_started;
	uint32_t instances_failed; /* instances that ended other than OFF or EXITED(0) */
	struct hypstat_vcpu vcpus[HYPCFG_MAX_VCPUS]; /* summed over instances */
};

struct hypstat {
	uint64_t magic;       /* HYPSTAT_MAGIC, written last at boot */
	uint32_t version;
	uint32_t size;
	uint32_t state;       /* enum hypstat_state */
	uint32_t nr_cpus;
	uint64_t cntfrq;      /* counter frequency, Hz */
	uint64_t boot_cntpct; /* counter when the hypervisor started */
	uint64_t heartbeat;   /* bumped by every scheduler tick */
	uint32_t vmid_bits;
	uint32_t vmids_in_use;
	uint64_t vmid_generation;
	uint64_t vmid_rollovers;
	uint64_t vms_created;
	uint64_t vms_destroyed;
	uint64_t reserved[8];
	char     message[256]; /* panic or refusal text */
	struct hypstat_vm vms[HYPCFG_MAX_VMS];
	uint64_t req_done;    /* struct hypcfg_request.seq last served */
	int64_t  req_result;  /* its result: 0 or an SDEI error code (hyp/include/sdei.h) */
};

_Static_assert(sizeof(struct hypcfg_vm) == 632, "hypcfg_vm layout");
_Static_assert(sizeof(struct hypcfg) % 8 == 0, "hypcfg layout");
_Static_assert(sizeof(struct hypcfg) <= 0x10000, "hypcfg fits before the status block");
_Static_assert(sizeof(struct hypstat) % 8 == 0, "hypstat layout");
_Static_assert(HYPSTAT_PA + sizeof(struct hypstat) <= HYPCFG_PA + HYPCFG_AREA_SIZE,
	       "hypstat fits in the control area");

#endif
