/*
 * The contract between the GDB remote protocol engine (gdbstub/) and the
 * target it debugs: the hypervisor at EL2 (hyp/core/gdb_target.c and the arch
 * code it calls), or a fake in the host unit tests and the fuzzer.
 *
 * The engine speaks the protocol: framing, checksums, escapes, run-length
 * replies, qSupported, threads, target.xml, the stop replies. It knows VMs and
 * vCPUs only as numbers: VM slot n is gdb process n + 1, vCPU k is thread k + 1.
 * The target owns everything guest-facing: stopping and resuming vCPUs,
 * registers, memory (stage-1 and stage-2 walks), breakpoints, watchpoints,
 * stepping and the monitor commands.
 *
 * Concurrency: every engine entry point (gdb_stub_rx, gdb_stub_event) and
 * every target callback runs with the stub's lock held, taken by the target.
 * Callbacks never call back into the engine.
 *
 * Freestanding: compiled into hyp.elf and for the host.
 */
#ifndef GDBSTUB_TARGET_H
#define GDBSTUB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"

#define GDB_MAX_VMS   HYPCFG_MAX_VMS
#define GDB_MAX_VCPUS HYPCFG_MAX_VCPUS

/*
 * Register numbers, as target.xml gives them (the engine generates target.xml
 * from these): org.gnu.gdb.aarch64.core, org.gnu.gdb.aarch64.fpu, then the
 * guest's EL1 system registers in their own feature.
 */
enum gdb_regno {
	GDB_REG_X0 = 0,     /* x0..x30: 0..30, 64 bits */
	GDB_REG_SP = 31,    /* the SP the guest uses now (SP_EL0 or SP_EL1 by PSTATE) */
	GDB_REG_PC = 32,
	GDB_REG_CPSR = 33,  /* 32 bits */
	GDB_REG_V0 = 34,    /* v0..v31: 34..65, 128 bits */
	GDB_REG_FPSR = 66,  /* 32 bits */
	GDB_REG_FPCR = 67,  /* 32 bits */
	GDB_REG_SYS0 = 68,  /* GDB_SYSREGS in order, 64 bits each */
};

/* The EL1 system registers shown to gdb: X(name, writable). */
#define GDB_SYSREGS(X)          \
	X(SCTLR_EL1, 1)         \
	X(TTBR0_EL1, 1)         \
	X(TTBR1_EL1, 1)         \
	X(TCR_EL1, 1)           \
	X(MAIR_EL1, 1)          \
	X(VBAR_EL1, 1)          \
	X(ESR_EL1, 1)           \
	X(FAR_EL1, 1)           \
	X(ELR_EL1, 1)           \
	X(SPSR_EL1, 1)          \
	X(SP_EL0, 1)            \
	X(SP_EL1, 1)            \
	X(TPIDR_EL0, 1)         \
	X(TPIDRRO_EL0, 1)       \
	X(TPIDR_EL1, 1)         \
	X(CNTV_CTL_EL0, 1)      \
	X(CNTV_CVAL_EL0, 1)     \
	X(MPIDR_EL1, 0)

enum gdb_sysreg {
#define GDB_SYSREG_ENUM(name, writable) GDB_SYSREG_##name,
	GDB_SYSREGS(GDB_SYSREG_ENUM)
#undef GDB_SYSREG_ENUM
	GDB_NR_SYSREGS
};

#define GDB_NR_REGS (GDB_REG_SYS0 + GDB_NR_SYSREGS)

/* A vCPU as qXfer:threads:read and qThreadExtraInfo show it. */
enum gdb_vcpu_state {
	GDB_VCPU_OFF = 0,     /* powered off (PSCI): listed, never resumed by a step */
	GDB_VCPU_RUNNING = 1,
	GDB_VCPU_WFI = 2,
};

struct gdb_vcpu_info {
	enum gdb_vcpu_state state;
	unsigned pcpu;        /* physical CPU it is pinned to */
	uint32_t vmid;        /* current VMID, 0 when none */
};

/* Breakpoints and watchpoints: the Z packet types. */
enum gdb_bp_type {
	GDB_BP_SW = 0,        /* Z0: BRK written through stage 2 */
	GDB_BP_HW = 1,        /* Z1: a hardware breakpoint register */
	GDB_WP_WRITE = 2,     /* Z2 */
	GDB_WP_READ = 3,      /* Z3 */
	GDB_WP_ACCESS = 4,    /* Z4 */
};

/* What one vCPU does on a resume (vCont actions; c/s apply to one or all). */
enum gdb_action {
	GDB_ACT_STAY = 0,     /* stays stopped (no action named it) */
	GDB_ACT_CONT = 1,     /* c, C */
	GDB_ACT_STEP = 2,     /* s, S: one instruction, then a GDB_STOP_STEP event */
};

struct gdb_resume {
	uint8_t action[GDB_MAX_VCPUS]; /* enum gdb_action, by vCPU index */
};

/* Why a VM stopped. */
enum gdb_stop_reason {
	GDB_STOP_INTERRUPT = 0, /* Ctrl-C, attach, --gdb-wait: SIGINT (attach: SIGTRAP) */
	GDB_STOP_SWBREAK = 1,   /* a Z0 breakpoint: T05 swbreak */
	GDB_STOP_HWBREAK = 2,   /* a Z1 breakpoint: T05 hwbreak */
	GDB_STOP_WATCH = 3,     /* T05 watch:ADDR */
	GDB_STOP_RWATCH = 4,    /* T05 rwatch:ADDR */
	GDB_STOP_AWATCH = 5,    /* T05 awatch:ADDR */
	GDB_STOP_STEP = 6,      /* a step finished: T05 */
	GDB_STOP_CATCH = 7,     /* a monitor catchpoint: T05, with text for gdb to print */
};

enum gdb_event_type {
	GDB_EV_STOPPED = 0, /* every vCPU of the VM is stopped; vcpu says which one caused it */
	GDB_EV_EXITED = 1,  /* the VM ended (powered off, reset, killed): W or X reply */
};

struct gdb_event {
	enum gdb_event_type type;
	unsigned vm;
	unsigned vcpu;                /* STOPPED: the vCPU the stop reply names (online) */
	enum gdb_stop_reason reason;  /* STOPPED */
	int signal;                   /* STOPPED: 2 (SIGINT) or 5 (SIGTRAP) */
	uint64_t addr;                /* WATCH, RWATCH, AWATCH: the data address */
	uint32_t exit_status;         /* EXITED: the VM's exit status */
	const char *text;             /* optional, NUL-terminated: printed by gdb before the stop */
};

/* Text a monitor command prints; the engine sends it to gdb as O packets. */
struct gdb_out {
	void (*write)(struct gdb_out *out, const char *s, size_t n);
};

enum gdb_addr_space {
	GDB_ADDR_VA = 0,    /* guest virtual, through the vCPU's stage 1 (IPA when its MMU is off) */
	GDB_ADDR_IPA = 1,   /* guest physical (monitor ipa on) */
};

/*
 * What the engine asks of the target. Calls that name a VM are only made for
 * a VM the engine has attached (except attach itself and vm_present). Return
 * values: 0 or a positive count on success, a negative errno otherwise; the
 * engine turns failures into E replies.
 */
struct gdb_target_ops {
	/* Bytes to the debugger (the UART, or a test buffer). */
	void (*tx)(void *ctx, const char *buf, size_t len);

	/* Whether VM slot vm runs now, and how many vCPUs it has. */
	bool (*vm_present)(void *ctx, unsigned vm);
	unsigned (*vm_vcpus)(void *ctx, unsigned vm);
	int (*vcpu_info)(void *ctx, unsigned vm, unsigned vcpu, struct gdb_vcpu_info *info);

	/*
	 * Attach: the VM comes under the debugger and is stopped; the target
	 * reports GDB_EV_STOPPED (GDB_STOP_INTERRUPT) once every vCPU is held,
	 * possibly before attach returns.
	 */
	int (*attach)(void *ctx, unsigned vm);
	/* Detach: every breakpoint and watchpoint of the VM removed, it resumes. */
	int (*detach)(void *ctx, unsigned vm);
	/* Kill: the VM ends (the others keep running); GDB_EV_EXITED follows. */
	int (*kill)(void *ctx, unsigned vm);

	/* Stop a running VM (Ctrl-C); GDB_EV_STOPPED follows, asynchronously. */
	int (*stop)(void *ctx, unsigned vm);
	/* Resume a stopped VM; each vCPU per its action. */
	int (*resume)(void *ctx, unsigned vm, const struct gdb_resume *r);

	/*
	 * One register of a stopped vCPU, little-endian, in its target.xml size
	 * (returned). Writes take effect when the vCPU resumes.
	 */
	int (*reg_read)(void *ctx, unsigned vm, unsigned vcpu, unsigned regno, uint8_t *buf);
	int (*reg_write)(void *ctx, unsigned vm, unsigned vcpu, unsigned regno, const uint8_t *buf);

	/*
	 * Guest memory as the vCPU sees it (or by IPA). Returns the bytes
	 * transferred, which may be fewer than len when the range runs into
	 * unmapped memory, or -EFAULT when not even the first byte is there.
	 * Writes keep the instruction cache coherent.
	 */
	long (*mem_read)(void *ctx, unsigned vm, unsigned vcpu, enum gdb_addr_space as,
			 uint64_t addr, uint8_t *buf, size_t len);
	long (*mem_write)(void *ctx, unsigned vm, unsigned vcpu, enum gdb_addr_space as,
			  uint64_t addr, const uint8_t *buf, size_t len);

	/* Z and z: idempotent; kind is the Z packet's kind (length for watchpoints). */
	int (*bp_insert)(void *ctx, unsigned vm, enum gdb_bp_type type, uint64_t addr,
			 unsigned kind);
	int (*bp_remove)(void *ctx, unsigned vm, enum gdb_bp_type type, uint64_t addr,
			 unsigned kind);

	/*
	 * qRcmd: a monitor command (decoded text) for a VM, vcpu = the current
	 * thread; output through out. 0, or -ENOENT for an unknown command.
	 */
	int (*monitor)(void *ctx, unsigned vm, unsigned vcpu, const char *cmd,
		       struct gdb_out *out);
};

struct gdb_stub;

/* What the target calls. The stub's state lives in its own static storage. */
struct gdb_stub *gdb_stub_init(const struct gdb_target_ops *ops, void *ctx,
			       unsigned default_vm);
/* Bytes from the debugger, in any pieces (0x03 outside a packet is Ctrl-C). */
void gdb_stub_rx(struct gdb_stub *s, const uint8_t *buf, size_t len);
/* A stop or exit the target reports (see struct gdb_event). */
void gdb_stub_event(struct gdb_stub *s, const struct gdb_event *ev);
/* The debugger went away (connection closed): detach from every VM, forget state. */
void gdb_stub_reset(struct gdb_stub *s);

#endif
