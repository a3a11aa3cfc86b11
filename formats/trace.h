/*
 * Trace records: what the hypervisor tells the host tool about itself.
 *
 * Every record is a flat, fixed-width struct that starts with struct
 * trace_hdr. The EL2 producer writes them into the per-CPU rings
 * (formats/ring.h); the host tool copies them out and stores them unchanged
 * in trace files (formats/host/tracefile.h). No pointers, explicit padding, every
 * size a multiple of 8 and asserted below.
 *
 * Versioning (docs/trace-format.md says it at length): a record type never
 * changes the meaning or offset of a field it has once shipped. New fields are
 * appended, so a record may grow; hdr.size always says how large it is and a
 * reader takes the prefix it knows. New types get new numbers. Anything that
 * breaks those rules bumps TRACE_RECORD_VERSION, and readers refuse versions
 * they do not know.
 *
 * A struct here is half of a record type; the other half, what a reader
 * makes of it (name, fields, how they print), is its entry in
 * formats/host/trace_types.c.
 *
 * Freestanding: compiled into the EL2 image and into the host tool.
 */
#ifndef FORMATS_TRACE_H
#define FORMATS_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_RECORD_VERSION 1u

/* No record is larger than this; the ring refuses larger reservations. */
#define TRACE_MAX_RECORD 512u

/* Values of the header's identity fields when they do not apply. */
#define TRACE_NO_VM   0xffffu
#define TRACE_NO_VCPU 0xffffu
#define TRACE_NO_VMID 0xffffu /* VMIDs are at most 16 bits wide */

enum trace_type {
	/* Ring filler up to the end of a block: never delivered, never in files. */
	TRACE_PAD = 0x0000,

	/* Guest exits and entries. */
	TRACE_EXIT  = 0x0001, /* struct trace_exit */
	TRACE_ENTRY = 0x0002, /* struct trace_entry */

	/* Scheduling; all four use struct trace_sched. */
	TRACE_SCHED_IN  = 0x0010,
	TRACE_SCHED_OUT = 0x0011,
	TRACE_WFI_BLOCK = 0x0012,
	TRACE_WFI_WAKE  = 0x0013,

	/* VM lifecycle and VMIDs. */
	TRACE_VM_CREATE     = 0x0020, /* struct trace_vm */
	TRACE_VM_DESTROY    = 0x0021, /* struct trace_vm */
	TRACE_VMID_ALLOC    = 0x0022, /* struct trace_vmid_alloc */
	TRACE_VMID_ROLLOVER = 0x0023, /* struct trace_vmid_rollover */

	/* Emulation. */
	TRACE_MMIO  = 0x0030, /* struct trace_mmio */
	TRACE_SMCCC = 0x0031, /* struct trace_smccc: PSCI and every other SMCCC call */

	/* Virtual interrupts. */
	TRACE_IRQ_INJECT = 0x0040, /* struct trace_irq_inject */
	TRACE_VGIC_LRS   = 0x0041, /* struct trace_vgic_lrs */
	TRACE_VGIC_MAINT = 0x0042, /* struct trace_vgic_maint */
	TRACE_IRQ_LINE   = 0x0043, /* struct trace_irq_line: a level line went up or down */

	/* Text. */
	TRACE_LOG = 0x0050, /* struct trace_log */

	/* SDEI (hyp/core/sdei.c, docs/sdei.md) */
	TRACE_SDEI_CALL     = 0x0100, /* struct trace_sdei_call: every SDEI call */
	TRACE_SDEI_DISPATCH = 0x0101, /* struct trace_sdei_dispatch: a handler entered */
	TRACE_SDEI_COMPLETE = 0x0102, /* struct trace_sdei_complete: a handler finished */
	TRACE_SDEI_STATE    = 0x0103, /* struct trace_sdei_state: registration, binding, masking */

	/*
	 * Reserved ranges. Their layouts are defined by the code that owns
	 * them when it lands; until then readers treat them as opaque records
	 * (header plus payload) and must not reuse the numbers.
	 */
	TRACE_SDEI_FIRST = 0x0100, /* SDEI events: register, signal, dispatch, complete */
	TRACE_SDEI_LAST  = 0x01ff,
	TRACE_GDB_FIRST  = 0x0200, /* gdb stub: stop, resume, breakpoint, memory access */
	TRACE_GDB_STOP   = 0x0200, /* struct trace_gdb_stop: a debugger stopped a VM */
	TRACE_GDB_RESUME = 0x0201, /* struct trace_gdb_resume: a debugger resumed it */
	TRACE_GDB_LAST   = 0x02ff,
	TRACE_ITS_FIRST  = 0x0300, /* GICv3 ITS: commands and LPI translations */
	TRACE_ITS_CMD    = 0x0300, /* struct trace_its: one command from the queue */
	TRACE_ITS_LPI    = 0x0301, /* struct trace_its: an MSI or INT translated to an LPI */
	TRACE_ITS_LAST   = 0x03ff,
	TRACE_NV_FIRST    = 0x0400, /* nested virtualization (docs/nested.md) */
	TRACE_NV_EXIT     = 0x0400, /* struct trace_nv_exit: an L2 exit and L0's decision */
	TRACE_NV_ERET     = 0x0401, /* struct trace_nv_eret: the guest hypervisor entered L2 */
	TRACE_NV_INJECT   = 0x0402, /* struct trace_nv_inject: an exception into virtual EL2 */
	TRACE_NV_S2_FAULT = 0x0403, /* struct trace_nv_s2: a shadow stage-2 fault */
	TRACE_NV_S2_INVAL = 0x0404, /* struct trace_nv_s2: shadow stage-2 entries dropped */
	TRACE_NV_LAST     = 0x04ff,
};

/*
 * The common header, 40 bytes, on every record.
 *
 * The ring fills size, seq and cpu when it hands out space; the caller fills
 * the rest. Pads carry only type and size (their first 8 bytes).
 */
struct trace_hdr {
	union {
		struct {
			uint16_t type; /* enum trace_type */
			uint16_t size; /* bytes of the whole record, header included, multiple of 8 */
			uint16_t cpu;  /* physical CPU that wrote it */
			uint16_t vmid; /* VTTBR_EL2.VMID in force, TRACE_NO_VMID when none */
		};
		/* The four as one little-endian word: type | size << 16 | cpu << 32 | vmid << 48.
		 * The producer writes the header in whole words. */
		uint64_t word0;
	};
	uint64_t seq;      /* per-CPU sequence number: 0, 1, 2...; a gap is a loss */
	uint64_t ts;       /* CNTPCT_EL0 when the event happened */
	uint64_t vmid_gen; /* generation of vmid */
	union {
		struct {
			uint16_t vm;       /* VM slot, TRACE_NO_VM when none */
			uint16_t vcpu;     /* vCPU id within the VM, TRACE_NO_VCPU when none */
			uint32_t reserved; /* zero */
		};
		uint64_t ident;    /* vm | vcpu << 16 (reserved zero), as one word */
	};
};

#define TRACE_WORD0(type, size, cpu, vmid)                                                         \
	((uint64_t)(type) | (uint64_t)(size) << 16 | (uint64_t)(cpu) << 32 | (uint64_t)(vmid) << 48)
#define TRACE_IDENT(vm, vcpu) ((uint64_t)(vm) | (uint64_t)(vcpu) << 16)

/* ------------------------------------------------------------ exit, entry */

enum trace_exit_outcome {
	TRACE_EXIT_HANDLED  = 0, /* emulated, the guest continues */
	TRACE_EXIT_INJECTED = 1, /* an exception was injected into the guest */
	TRACE_EXIT_TO_HOST  = 2, /* handed to the host tool (debugger stop, fatal) */
};

/* trace_exit.flags */
#define TRACE_EXIT_INSN_VALID 0x01u /* insn holds the trapping instruction */
#define TRACE_EXIT_FAR_VALID  0x02u /* far and hpfar are meaningful */
#define TRACE_EXIT_NO_COST    0x04u /* cost was not measured (KVM host): 0 means unknown */
#define TRACE_EXIT_NO_ESR     0x08u /* esr is unknown (KVM host, asynchronous exits) */
/* Nested virtualization: the level that exited. Neither bit: a VM without el2=on. */
#define TRACE_EXIT_L1         0x10u /* the VM's own hypervisor, at virtual EL2 */
#define TRACE_EXIT_L2         0x20u /* a guest of that hypervisor (its EL1 or EL0) */

struct trace_exit {
	struct trace_hdr hdr;
	uint64_t esr;        /* ESR_EL2 */
	uint64_t elr;        /* ELR_EL2: the guest PC */
	uint64_t far;        /* FAR_EL2 */
	uint64_t hpfar;      /* HPFAR_EL2 */
	uint64_t cost;       /* PMCCNTR_EL0 cycles spent handling the exit */
	uint32_t insn;       /* trapping instruction word (aborts, sysreg traps) */
	uint16_t exit_class; /* formats/exits.h: ESR_EL2.EC, or HYP_EXIT_IRQ and above */
	uint8_t  outcome;    /* enum trace_exit_outcome */
	uint8_t  flags;      /* TRACE_EXIT_* */
};

struct trace_entry {
	struct trace_hdr hdr;
	uint64_t pc;           /* ELR_EL2 the guest resumes at */
	uint32_t pending_irqs; /* virtual interrupts pending for this vCPU (in the LRs or waiting) */
	uint32_t lrs_used;     /* list registers loaded for this entry */
};

/* ------------------------------------------------------------- scheduling */

enum trace_sched_reason {
	TRACE_SCHED_SLICE    = 0, /* time slice over */
	TRACE_SCHED_WFI      = 1, /* the vCPU blocked in WFI */
	TRACE_SCHED_YIELD    = 2, /* WFE or an explicit yield */
	TRACE_SCHED_CPU_OFF  = 3, /* PSCI CPU_OFF */
	TRACE_SCHED_VM_END   = 4, /* the VM ended */
	TRACE_SCHED_START    = 5, /* first run, or PSCI CPU_ON */
	TRACE_SCHED_IRQ      = 6, /* wake: a virtual interrupt became pending */
	TRACE_SCHED_TIMER    = 7, /* wake: its deadline came (a timer, or WFIT's timeout) */
	TRACE_SCHED_DEBUG    = 8, /* stopped or resumed by the debugger */
	TRACE_SCHED_OTHER    = 9, /* wake: anything else (PSCI CPU_ON, a reset) */
};

/* TRACE_SCHED_IN, TRACE_SCHED_OUT, TRACE_WFI_BLOCK, TRACE_WFI_WAKE */
struct trace_sched {
	struct trace_hdr hdr;
	uint64_t pc;       /* guest PC */
	uint64_t ticks;    /* SCHED_OUT: counter ticks run; WFI_WAKE: ticks blocked; else 0 */
	uint32_t reason;   /* enum trace_sched_reason; WFI_WAKE: what ended the block */
	uint32_t runnable; /* vCPUs runnable on this physical CPU after the event, itself included */
};

/* ------------------------------------------------------ VMs and VMIDs */

/* TRACE_VM_CREATE, TRACE_VM_DESTROY */
struct trace_vm {
	struct trace_hdr hdr;
	uint64_t serial;      /* unique per VM instance (hypstat_vm.serial) */
	uint64_t mem_size;    /* guest RAM bytes */
	uint32_t nr_vcpus;
	uint32_t state;       /* DESTROY: enum hypstat_vm_state; CREATE: 0 */
	uint32_t exit_status; /* DESTROY after HYPSCOPE_HVC_EXIT */
	uint32_t reserved;
	char     name[32];    /* NUL padded */
};

/* hdr.vmid and hdr.vmid_gen are the VMID just handed out. */
struct trace_vmid_alloc {
	struct trace_hdr hdr;
	uint64_t serial;    /* the VM that received it */
	uint32_t in_use;    /* VMIDs in use after the allocation */
	uint32_t vmid_bits; /* VMID width in force */
};

struct trace_vmid_rollover {
	struct trace_hdr hdr;
	uint64_t old_gen;
	uint64_t new_gen;
	uint64_t flush_cost; /* PMCCNTR_EL0 cycles for the TLB invalidation and its DSB */
	uint32_t in_use;     /* VMIDs in use when the space ran out */
	uint32_t vmid_bits;
};

/* ---------------------------------------------------------- emulation */

enum trace_device {
	TRACE_DEV_NONE = 0, /* no device claims the address */
	TRACE_DEV_GICD = 1,
	TRACE_DEV_GICR = 2,
	TRACE_DEV_UART = 3,
	TRACE_DEV_ITS  = 4,
	/* 4..0xfffc: other emulated devices, numbered by hyp/dev */
	TRACE_DEV_KVM_KERNEL = 0xfffd, /* KVM host: a device inside the kernel (vGIC...) */
	TRACE_DEV_KVM_USER   = 0xfffe, /* KVM host: handed to the VMM in user space */
};

enum trace_mmio_result {
	TRACE_MMIO_OK       = 0,
	TRACE_MMIO_ABORT    = 1, /* no device or bad access: an abort was injected */
	TRACE_MMIO_IGNORED  = 2, /* write ignored, read as zero */
};

struct trace_mmio {
	struct trace_hdr hdr;
	uint64_t ipa;      /* guest-physical address of the access */
	uint64_t value;    /* written value, or value returned to the guest */
	uint32_t device;   /* enum trace_device */
	uint8_t  width;    /* bytes: 1, 2, 4 or 8 */
	uint8_t  is_write; /* 1: guest store, 0: guest load */
	uint8_t  result;   /* enum trace_mmio_result */
	uint8_t  reserved;
};

/* trace_smccc.conduit */
#define TRACE_SMCCC_HVC 0u
#define TRACE_SMCCC_SMC 1u

struct trace_smccc {
	struct trace_hdr hdr;
	uint64_t args[6];   /* x1..x6 as the guest passed them */
	uint64_t result[4]; /* x0..x3 as returned to the guest */
	union {
		struct {
			uint32_t fid;     /* function id, w0 */
			uint8_t  conduit; /* TRACE_SMCCC_HVC or TRACE_SMCCC_SMC */
			uint8_t  reserved[3];
		};
		uint64_t call;    /* fid | conduit << 32 (reserved zero), as one word */
	};
};

/* ----------------------------------------------------------- interrupts */

enum trace_irq_source {
	TRACE_IRQ_SRC_SGI    = 0, /* guest SGI; source_vcpu says from whom */
	TRACE_IRQ_SRC_TIMER  = 1, /* virtual or physical timer PPI */
	TRACE_IRQ_SRC_DEVICE = 2, /* an emulated device's SPI */
	TRACE_IRQ_SRC_HOST   = 3, /* injected on the host tool's request */
	TRACE_IRQ_SRC_OTHER  = 4,
	TRACE_IRQ_SRC_PMU    = 5, /* the guest PMU's overflow interrupt (PPI 23) */
};

struct trace_irq_inject {
	struct trace_hdr hdr;
	uint32_t vintid;      /* virtual INTID */
	uint32_t source;      /* enum trace_irq_source */
	uint16_t target_vcpu;
	uint16_t source_vcpu; /* SGIs: sender, else TRACE_NO_VCPU */
	uint8_t  priority;
	uint8_t  reserved[3];
};

/*
 * The ITS (hyp/vgic/vits.h). TRACE_ITS_CMD: a command, its arguments and
 * what it came to. TRACE_ITS_LPI: a translation, by a GITS_TRANSLATER write
 * (cmd = TRACE_ITS_MSI) or an INT command, that made an LPI pending on
 * target_vcpu (result 0) or failed (result says why, target is
 * TRACE_NO_VCPU).
 */
#define TRACE_ITS_MSI     0x10u   /* trace_its.cmd of a GITS_TRANSLATER write */
#define TRACE_ITS_NONE    0xffffffffu /* device, event, intid: the command has none */
#define TRACE_ITS_NO_ICID 0xffffu

enum trace_its_result {
	TRACE_ITS_OK = 0, /* the rest: vits.h enum vits_result, named in trace_types.c */
};

struct trace_its {
	struct trace_hdr hdr;
	uint32_t device_id;   /* DeviceID, TRACE_ITS_NONE when the command has none */
	uint32_t event_id;    /* EventID, TRACE_ITS_NONE likewise */
	uint32_t intid;       /* LPI INTID (mapped or found), TRACE_ITS_NONE when none */
	uint16_t icid;        /* collection, TRACE_ITS_NO_ICID when none */
	uint16_t target_vcpu; /* TRACE_NO_VCPU when none */
	uint8_t  cmd;         /* command number (IHI 0069 "ITS commands"), TRACE_ITS_MSI */
	uint8_t  result;      /* enum vits_result: 0 done, else the command error */
	uint16_t source_vcpu; /* the vCPU whose CWRITER or TRANSLATER write ran it */
	uint32_t reserved;
};

/* trace_vgic_lrs.point */
#define TRACE_LRS_FLUSH 0u /* written to the list registers before guest entry */
#define TRACE_LRS_FOLD  1u /* read back from the list registers after an exit */

#define TRACE_MAX_LRS 16u /* ICH_VTR_EL2.ListRegs allows up to 16 */

struct trace_vgic_lrs {
	struct trace_hdr hdr;
	uint64_t lr[TRACE_MAX_LRS]; /* ICH_LR<n>_EL2; entries past nr_lrs are zero */
	uint32_t hcr;               /* ICH_HCR_EL2 */
	uint32_t misr;              /* ICH_MISR_EL2 */
	uint32_t eisr;              /* ICH_EISR_EL2 */
	uint32_t elrsr;             /* ICH_ELRSR_EL2 */
	uint8_t  nr_lrs;            /* implemented list registers */
	uint8_t  point;             /* TRACE_LRS_FLUSH or TRACE_LRS_FOLD */
	uint16_t used;              /* bitmap: list registers the vGIC had loaded */
	uint32_t reserved;
};

/*
 * A level-sensitive line the hypervisor drives changed (today the timers'
 * PPIs 27 and 30): up, the interrupt is pending; down, it no longer is
 * (the guest disabled or masked the timer, or moved its compare value on).
 */
struct trace_irq_line {
	struct trace_hdr hdr;
	uint32_t vintid; /* virtual INTID */
	uint32_t source; /* enum trace_irq_source */
	uint8_t  level;  /* 1: asserted, 0: deasserted */
	uint8_t  reserved[7];
};

/* A maintenance interrupt (PPI 25) and what caused it. */
struct trace_vgic_maint {
	struct trace_hdr hdr;
	uint32_t misr; /* ICH_MISR_EL2: EOI, U, LRENP, NP, VGrp0E... cause bits */
	uint32_t eisr; /* ICH_EISR_EL2: list registers with an EOI */
	uint32_t hcr;  /* ICH_HCR_EL2 when it fired */
	uint32_t reserved;
};

/* ---------------------------------------------------------------- log */

#define TRACE_LOG_LEN 96u

enum trace_log_level {
	TRACE_LOG_ERROR = 0,
	TRACE_LOG_WARN  = 1,
	TRACE_LOG_INFO  = 2,
	TRACE_LOG_DEBUG = 3,
};

struct trace_log {
	struct trace_hdr hdr;
	uint8_t  level;    /* enum trace_log_level */
	uint8_t  reserved[3];
	uint32_t len;      /* bytes of text before the NUL padding, < TRACE_LOG_LEN */
	char     text[TRACE_LOG_LEN]; /* NUL padded, always NUL terminated */
};

/* ------------------------------------------------------------- gdb stub */

/*
 * TRACE_GDB_STOP: every vCPU of the VM is held (docs/gdbstub.md); the header
 * names the vCPU the stop reply names. TRACE_GDB_RESUME: the debugger let it
 * go again; held_ticks is how long the VM was stopped, time that counts as
 * neither guest nor hypervisor time.
 */
struct trace_gdb_stop {
	struct trace_hdr hdr;
	uint64_t pc;       /* that vCPU's PC */
	uint64_t addr;     /* watchpoints: the data address, else 0 */
	uint32_t reason;   /* enum gdb_stop_reason (gdbstub/target.h) */
	uint32_t signal;   /* 2 (SIGINT) or 5 (SIGTRAP) */
};

struct trace_gdb_resume {
	struct trace_hdr hdr;
	uint64_t held_ticks; /* counter ticks from the stop to this resume */
	uint32_t cont_mask;  /* vCPUs continued, bit per vCPU */
	uint32_t step_mask;  /* vCPUs stepping one instruction */
};

/* ---------------------------------------------------------------- SDEI */

#define TRACE_SDEI_NO_EVENT 0xffffffffu /* a record about the vCPU, not one event */

struct trace_sdei_call {
	struct trace_hdr hdr;
	uint64_t args[5];  /* x1..x5 as the guest passed them */
	int64_t  result;   /* x0 returned: a value or an SDEI error; 0 for a COMPLETE that completed */
	uint32_t fn;       /* function number: function id - 0xc4000020 (0 VERSION .. 0x12) */
	uint32_t reserved;
};

enum trace_sdei_cause {
	TRACE_SDEI_CAUSE_SIGNAL    = 0, /* EVENT_SIGNAL by a vCPU */
	TRACE_SDEI_CAUSE_INTERRUPT = 1, /* its bound interrupt */
	TRACE_SDEI_CAUSE_HOST      = 2, /* hypscope sdei signal */
};

struct trace_sdei_dispatch {
	struct trace_hdr hdr;
	uint64_t pc;       /* interrupted PC (x2 of the handler) */
	uint64_t pstate;   /* interrupted PSTATE (x3) */
	uint32_t event_num;
	uint8_t  cause;    /* enum trace_sdei_cause */
	uint8_t  priority; /* 0 normal, 1 critical */
	uint16_t reserved;
};

enum trace_sdei_complete_kind {
	TRACE_SDEI_COMPLETE_RESTORE = 0, /* COMPLETE: back to the interrupted context */
	TRACE_SDEI_COMPLETE_RESUME  = 1, /* COMPLETE_AND_RESUME at resume_pc */
};

struct trace_sdei_complete {
	struct trace_hdr hdr;
	uint64_t resume_pc;     /* where the vCPU continues: interrupted PC or resume address */
	uint64_t handler_ticks; /* counter ticks from dispatch to this completion */
	uint32_t event_num;
	uint8_t  kind;          /* enum trace_sdei_complete_kind */
	uint8_t  reserved[3];
};

enum trace_sdei_op {
	TRACE_SDEI_OP_REGISTER      = 0,
	TRACE_SDEI_OP_ENABLE        = 1,
	TRACE_SDEI_OP_DISABLE       = 2,
	TRACE_SDEI_OP_UNREGISTER    = 3,
	TRACE_SDEI_OP_UNREG_PENDING = 4, /* UNREGISTER while running: at COMPLETE */
	TRACE_SDEI_OP_BIND          = 5, /* intid bound, event made */
	TRACE_SDEI_OP_RELEASE       = 6,
	TRACE_SDEI_OP_MASK          = 7,
	TRACE_SDEI_OP_UNMASK        = 8,
	TRACE_SDEI_OP_PRIVATE_RESET = 9,
	TRACE_SDEI_OP_SHARED_RESET  = 10,
	TRACE_SDEI_OP_VCPU_RESET    = 11, /* PSCI CPU_ON / CPU_OFF */
	TRACE_SDEI_OP_ROUTING       = 12, /* ROUTING_SET, or a shared REGISTER's routing */
};

struct trace_sdei_state {
	struct trace_hdr hdr;
	uint32_t event_num;     /* TRACE_SDEI_NO_EVENT for mask, unmask, resets */
	uint32_t arg;       /* bind/release: the INTID; routing: mode | target vCPU << 8 */
	uint8_t  op;        /* enum trace_sdei_op */
	uint8_t  old_state; /* STATUS bits before (registered 1, enabled 2, running 4) */
	uint8_t  new_state; /* and after */
	uint8_t  reserved[5];
};

/* ------------------------------------------------- nested virtualization */

/*
 * A VM with el2=on runs its own hypervisor (L1) at virtual EL2; that
 * hypervisor's guest is L2. Every exit of L2 gets a TRACE_EXIT (flag
 * TRACE_EXIT_L2) and, after it, a TRACE_NV_EXIT with what this hypervisor
 * (L0) decided: handle it alone, or reflect it into virtual EL2.
 */
enum trace_nv_decision {
	TRACE_NV_L0        = 0, /* handled in L0; L1 never sees it */
	TRACE_NV_REFLECTED = 1, /* injected into virtual EL2 for L1 to handle */
};

enum trace_nv_reason {
	TRACE_NV_WHY_HVC       = 0, /* reflected: an HVC from L2 always goes to its EL2 */
	TRACE_NV_WHY_L1_TRAP   = 1, /* reflected: a trap L1 set (detail: its HCR_EL2 bits) */
	TRACE_NV_WHY_L1_STAGE2 = 2, /* reflected: L1's stage 2 has no mapping or permission */
	TRACE_NV_WHY_L1_IRQ    = 3, /* reflected: an interrupt routed to L1 (its IMO/FMO) */
	TRACE_NV_WHY_NOT_ASKED = 4, /* L0: L1 set no trap for it (WFI without TWI...) */
	TRACE_NV_WHY_L0_DEVICE = 5, /* L0: an emulated device L1 does not map */
	TRACE_NV_WHY_L0_STAGE2 = 6, /* L0: its own stage 2 (a shadow entry filled) */
	TRACE_NV_WHY_L0_IRQ    = 7, /* L0: a physical interrupt L0 owns (timer, UART...) */
	TRACE_NV_WHY_L0_SMC    = 8, /* L0: SMC, PSCI and firmware calls, not trapped by L1 */
	TRACE_NV_WHY_L0_OTHER  = 9, /* L0: anything else it handles itself */
};

struct trace_nv_exit {
	struct trace_hdr hdr;
	uint64_t esr;        /* ESR_EL2 of the exit, as L0 took it */
	uint64_t elr;        /* L2's PC */
	uint64_t detail;     /* TRACE_NV_WHY_L1_TRAP: the L1 HCR_EL2 bits that asked; else 0 */
	uint64_t cost;       /* PMCCNTR_EL0 cycles in L0: the decision and the handling or injection */
	uint16_t exit_class; /* formats/exits.h, as trace_exit.exit_class */
	uint8_t  decision;   /* enum trace_nv_decision */
	uint8_t  reason;     /* enum trace_nv_reason */
	uint8_t  l2_el;      /* the EL L2 ran at: 0 or 1 */
	uint8_t  reserved[3];
};

/* L1 ran ERET at virtual EL2 into L2 (emulated: ERET traps with EC 0x1A). */
struct trace_nv_eret {
	struct trace_hdr hdr;
	uint64_t pc;     /* vELR_EL2: where L2 resumes */
	uint64_t spsr;   /* vSPSR_EL2 */
	uint64_t hcr;    /* L1's HCR_EL2 (virtual) in force for L2 */
	uint64_t vttbr;  /* L1's VTTBR_EL2 (virtual); its stage 2 is on when hcr.VM */
	uint8_t  target; /* the EL entered: 0 or 1; 2 when the return stays at virtual EL2 */
	uint8_t  illegal; /* 1: an illegal return, PSTATE.IL set */
	uint8_t  reserved[6];
};

enum trace_nv_inject_kind {
	TRACE_NV_INJ_SYNC   = 0,
	TRACE_NV_INJ_IRQ    = 1,
	TRACE_NV_INJ_FIQ    = 2,
	TRACE_NV_INJ_SERROR = 3,
};

/* An exception entered virtual EL2: L0 wrote L1's EL2 syndrome registers. */
struct trace_nv_inject {
	struct trace_hdr hdr;
	uint64_t esr;    /* vESR_EL2 */
	uint64_t far;    /* vFAR_EL2 */
	uint64_t hpfar;  /* vHPFAR_EL2 */
	uint64_t elr;    /* vELR_EL2: the PC the exception came from */
	uint64_t vector; /* the PC L1 enters: vVBAR_EL2 + the offset */
	uint8_t  kind;   /* enum trace_nv_inject_kind */
	uint8_t  from_el; /* 0, 1 (from L2) or 2 (from virtual EL2 itself) */
	uint8_t  reserved[6];
};

enum trace_nv_s2_result {
	TRACE_NV_S2_FILLED    = 0, /* the shadow entry was made; L2 retries */
	TRACE_NV_S2_REFLECTED = 1, /* L1's tables refuse: a stage-2 abort into virtual EL2 */
	TRACE_NV_S2_L0        = 2, /* L0's own stage 2 refuses: handled in L0 (MMIO...) */
	TRACE_NV_S2_DROPPED   = 3, /* TRACE_NV_S2_INVAL: entries dropped */
};

/*
 * TRACE_NV_S2_FAULT: L2 faulted on the shadow stage 2. TRACE_NV_S2_INVAL:
 * an L1 TLBI (or a change of its VTTBR) dropped shadow entries.
 */
struct trace_nv_s2 {
	struct trace_hdr hdr;
	uint64_t ipa;    /* L2's IPA (fault), the TLBI's first address (inval) */
	uint64_t out;    /* what L1's stage 2 maps it to (an L1 IPA); 0 when none */
	uint64_t vttbr;  /* L1's VTTBR_EL2 (virtual) */
	uint64_t size;   /* bytes the TLBI covers; 0 for a fault */
	uint32_t count;  /* shadow entries filled (fault) or dropped (inval) */
	uint8_t  result; /* enum trace_nv_s2_result */
	uint8_t  level;  /* the translation level of L1's entry or fault */
	uint8_t  op;     /* inval: 0 by IPA, 1 by VMID, 2 all, 3 VTTBR change */
	uint8_t  reserved;
};

/* ------------------------------------------------------------- layout */

#define TRACE_CHECK_SIZE(type, bytes)                                           \
	_Static_assert(sizeof(struct type) == (bytes), #type " layout");          \
	_Static_assert(sizeof(struct type) % 8 == 0, #type " size multiple of 8"); \
	_Static_assert(sizeof(struct type) <= TRACE_MAX_RECORD, #type " too large")

TRACE_CHECK_SIZE(trace_hdr, 40);
TRACE_CHECK_SIZE(trace_exit, 88);
TRACE_CHECK_SIZE(trace_entry, 56);
TRACE_CHECK_SIZE(trace_sched, 64);
TRACE_CHECK_SIZE(trace_vm, 104);
TRACE_CHECK_SIZE(trace_vmid_alloc, 56);
TRACE_CHECK_SIZE(trace_vmid_rollover, 72);
TRACE_CHECK_SIZE(trace_mmio, 64);
TRACE_CHECK_SIZE(trace_smccc, 128);
TRACE_CHECK_SIZE(trace_irq_inject, 56);
TRACE_CHECK_SIZE(trace_vgic_lrs, 192);
TRACE_CHECK_SIZE(trace_vgic_maint, 56);
TRACE_CHECK_SIZE(trace_irq_line, 56);
TRACE_CHECK_SIZE(trace_log, 144);
TRACE_CHECK_SIZE(trace_gdb_stop, 64);
TRACE_CHECK_SIZE(trace_gdb_resume, 56);
TRACE_CHECK_SIZE(trace_sdei_call, 96);
TRACE_CHECK_SIZE(trace_sdei_dispatch, 64);
TRACE_CHECK_SIZE(trace_sdei_complete, 64);
TRACE_CHECK_SIZE(trace_sdei_state, 56);
TRACE_CHECK_SIZE(trace_its, 64);
TRACE_CHECK_SIZE(trace_nv_exit, 80);
TRACE_CHECK_SIZE(trace_nv_eret, 80);
TRACE_CHECK_SIZE(trace_nv_inject, 88);
TRACE_CHECK_SIZE(trace_nv_s2, 80);

_Static_assert(offsetof(struct trace_hdr, type) == 0, "type first");
_Static_assert(offsetof(struct trace_hdr, size) == 2, "size at 2");
_Static_assert(offsetof(struct trace_hdr, seq) == 8, "seq at 8");
_Static_assert(offsetof(struct trace_hdr, ts) == 16, "ts at 16");
_Static_assert(offsetof(struct trace_smccc, call) == offsetof(struct trace_smccc, fid) &&
		       offsetof(struct trace_smccc, conduit) == offsetof(struct trace_smccc, fid) + 4,
	       "smccc call word: fid low, conduit at bit 32");

#endif
