/*
 * Every record type the host decodes: one entry each in TRACE_TYPE_LIST
 * below, with its fields and how print and the Chrome exporter show them
 * (formats/host/trace_types.h).
 */
#include <stddef.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "formats/smccc.h"
#include "formats/host/trace_types.h"

/* ---------------------------------------------------------- enumerations */

#define ENUM(id, ename, bytes, other_name, ...)                                          \
	static const char *const id##_values[] = { __VA_ARGS__ };                          \
	const struct trace_enum id = { ename, id##_values,                                 \
				       sizeof(id##_values) / sizeof(id##_values[0]), bytes, \
				       other_name }

ENUM(trace_enum_exit_outcome, "exit_outcome", 1, NULL, "handled", "injected", "to_host");
ENUM(trace_enum_sched_reason, "sched_reason", 4, NULL, "slice", "wfi", "yield", "cpu_off",
     "vm_end", "start", "irq", "timer", "debug", "other");
ENUM(trace_enum_mmio_device, "mmio_device", 4, "other", "none", "gicd", "gicr", "uart", "its");
ENUM(trace_enum_mmio_result, "mmio_result", 1, NULL, "ok", "abort", "ignored");
ENUM(trace_enum_smccc_conduit, "smccc_conduit", 1, NULL, "hvc", "smc");
ENUM(trace_enum_irq_source, "irq_source", 4, NULL, "sgi", "timer", "device", "host", "other",
     "pmu");
ENUM(trace_enum_lrs_point, "lrs_point", 1, NULL, "flush", "fold");
ENUM(trace_enum_log_level, "log_level", 1, NULL, "error", "warn", "info", "debug");
ENUM(trace_enum_gdb_reason, "gdb_reason", 4, NULL, "interrupt", "swbreak", "hwbreak", "watch",
     "rwatch", "awatch", "step", "catch");
ENUM(trace_enum_sdei_cause, "sdei_cause", 1, NULL, "signal", "interrupt", "host");
ENUM(trace_enum_sdei_complete_kind, "sdei_complete_kind", 1, NULL, "complete", "resume");
ENUM(trace_enum_sdei_op, "sdei_op", 1, NULL, "register", "enable", "disable", "unregister",
     "unregister_pending", "bind", "release", "mask", "unmask", "private_reset",
     "shared_reset", "vcpu_reset", "routing");
ENUM(trace_enum_sdei_fn, "sdei_fn", 4, "unknown", "version", "event_register", "event_enable",
     "event_disable", "event_context", "event_complete", "event_complete_and_resume",
     "event_unregister", "event_status", "event_get_info", "event_routing_set", "pe_mask",
     "pe_unmask", "interrupt_bind", "interrupt_release", "event_signal", "features",
     "private_reset", "shared_reset");
/* ITS command numbers (IHI 0069 "ITS commands"), and 0x10 for a GITS_TRANSLATER write. */
ENUM(trace_enum_its_cmd, "its_cmd", 1, "unknown", "cmd_0x00", "movi", "cmd_0x02", "int", "clear",
     "sync", "cmd_0x06", "cmd_0x07", "mapd", "mapc", "mapti", "mapi", "inv", "invall", "movall",
     "discard", "msi");
/* hyp/vgic/vits.h enum vits_result */
ENUM(trace_enum_its_result, "its_result", 1, "unknown", "ok", "bad_device", "unmapped_device",
     "bad_event", "unmapped_event", "bad_collection", "unmapped_collection", "bad_target",
     "bad_intid", "bad_size", "table_fault", "unknown_command", "its_disabled");
ENUM(trace_enum_nv_decision, "nv_decision", 1, NULL, "l0", "reflected");
ENUM(trace_enum_nv_reason, "nv_reason", 1, "unknown", "hvc", "l1_trap", "l1_stage2", "l1_irq",
     "not_asked", "l0_device", "l0_stage2", "l0_irq", "l0_smc", "l0_other");
ENUM(trace_enum_nv_inject_kind, "nv_inject_kind", 1, NULL, "sync", "irq", "fiq", "serror");
ENUM(trace_enum_nv_s2_result, "nv_s2_result", 1, NULL, "filled", "reflected", "l0", "dropped");
/* enum hypstat_vm_state: print names it, CTF and CSV carry the number. */
ENUM(trace_enum_vm_state, "vm_state", 4, NULL, "empty", "running", "off", "reset", "exited",
     "failed");

/* The enumerations the CTF metadata declares, in its order. */
const struct trace_enum *const trace_enums[] = {
	&trace_enum_exit_outcome, &trace_enum_sched_reason,  &trace_enum_mmio_device,
	&trace_enum_mmio_result,  &trace_enum_smccc_conduit, &trace_enum_irq_source,
	&trace_enum_lrs_point,    &trace_enum_log_level,     &trace_enum_gdb_reason,
	&trace_enum_sdei_cause, &trace_enum_sdei_complete_kind, &trace_enum_sdei_op,
	&trace_enum_sdei_fn, &trace_enum_its_cmd, &trace_enum_its_result,
	&trace_enum_nv_decision, &trace_enum_nv_reason, &trace_enum_nv_inject_kind,
	&trace_enum_nv_s2_result, NULL,
};

const char *trace_enum_name(const struct trace_enum *e, uint64_t v)
{
	if (v < e->nr)
		return e->value[v];
	return e->other;
}

/* ---------------------------------------------------------------- fields */

#define MSIZE(st, m) sizeof(((struct st *)0)->m)

/* Fields: F plain, FE enumerated, FA array of n, FC a name computed from field m. */
#define F(st, m, k) { #m, NULL, TFK_##k, MSIZE(st, m), 1, offsetof(struct st, m) }
#define FE(st, m, e) { #m, &trace_enum_##e, TFK_ENUM, MSIZE(st, m), 1, offsetof(struct st, m) }
#define FA(st, m, k, n) { #m, NULL, TFK_##k, MSIZE(st, m[0]), n, offsetof(struct st, m) }
#define FC(name, st, m, k) { name, NULL, TFK_##k, MSIZE(st, m), 1, offsetof(struct st, m) }

/*
 * Arguments (print and Chrome): A shows member m (which may be hdr.vmid or
 * args[2]) under key, AN by the name of its value, AW only when the flags
 * member has a bit of mask, AX a value the one who shows it supplies.
 */
#define A(key, st, m, s) { key, NULL, NULL, offsetof(struct st, m), MSIZE(st, m), TSH_##s, 0, 0 }
#define AN(key, st, m, e, dflt)                                                         \
	{ key, &trace_enum_##e, dflt, offsetof(struct st, m), MSIZE(st, m), TSH_NAME, 0, 0 }
#define AW(key, st, m, s, flags, mask)                                                  \
	{ key, NULL, NULL, offsetof(struct st, m), MSIZE(st, m), TSH_##s,                  \
	  offsetof(struct st, flags), mask }
#define AX(key, s) { key, NULL, NULL, 0, 0, TSH_##s, 0, 0 }

static const struct trace_field exit_fields[] = {
	F(trace_exit, esr, HEX),
	F(trace_exit, elr, HEX),
	F(trace_exit, far, HEX),
	F(trace_exit, hpfar, HEX),
	F(trace_exit, cost, DEC),
	F(trace_exit, insn, HEX),
	F(trace_exit, exit_class, DEC),
	FC("exit_class_name", trace_exit, exit_class, EXIT_CLASS_NAME),
	FE(trace_exit, outcome, exit_outcome),
	F(trace_exit, flags, HEX),
};

static const struct trace_arg exit_chrome[] = {
	A("esr", trace_exit, esr, HEX),
	A("elr", trace_exit, elr, HEX),
	AW("far", trace_exit, far, HEX, flags, TRACE_EXIT_FAR_VALID),
	AW("hpfar", trace_exit, hpfar, HEX, flags, TRACE_EXIT_FAR_VALID),
	AW("insn", trace_exit, insn, HEX, flags, TRACE_EXIT_INSN_VALID),
	A("cost_cycles", trace_exit, cost, DEC),
	AN("outcome", trace_exit, outcome, exit_outcome, "unknown"),
	AX("end", END),
	AX("cpu", CPU),
	A("vmid", trace_exit, hdr.vmid, DEC),
	A("seq", trace_exit, hdr.seq, DEC),
};

static const struct trace_field entry_fields[] = {
	F(trace_entry, pc, HEX),
	F(trace_entry, pending_irqs, DEC),
	F(trace_entry, lrs_used, DEC),
};

static const struct trace_arg entry_print[] = {
	A("pc", trace_entry, pc, PC),
	A("pending", trace_entry, pending_irqs, DEC),
	A("lrs", trace_entry, lrs_used, DEC),
};

static const struct trace_field sched_fields[] = {
	F(trace_sched, pc, HEX),
	F(trace_sched, ticks, DEC),
	FE(trace_sched, reason, sched_reason),
	F(trace_sched, runnable, DEC),
};

static const struct trace_arg sched_chrome[] = {
	A("pc", trace_sched, pc, HEX),
	A("ticks", trace_sched, ticks, DEC),
	A("reason", trace_sched, reason, DEC),
};

static const struct trace_field vm_fields[] = {
	F(trace_vm, serial, DEC),
	F(trace_vm, mem_size, DEC),
	F(trace_vm, nr_vcpus, DEC),
	F(trace_vm, state, DEC),
	F(trace_vm, exit_status, DEC),
	F(trace_vm, name, STR),
};

static const struct trace_arg vm_create_chrome[] = {
	A("serial", trace_vm, serial, DEC),
	A("mem_size", trace_vm, mem_size, DEC),
	A("nr_vcpus", trace_vm, nr_vcpus, DEC),
};

static const struct trace_arg vm_destroy_chrome[] = {
	A("serial", trace_vm, serial, DEC),
	A("mem_size", trace_vm, mem_size, DEC),
	A("nr_vcpus", trace_vm, nr_vcpus, DEC),
	A("state", trace_vm, state, DEC),
	A("exit_status", trace_vm, exit_status, DEC),
};

static const struct trace_field vmid_alloc_fields[] = {
	F(trace_vmid_alloc, serial, DEC),
	F(trace_vmid_alloc, in_use, DEC),
	F(trace_vmid_alloc, vmid_bits, DEC),
};

static const struct trace_arg vmid_alloc_chrome[] = {
	A("vmid", trace_vmid_alloc, hdr.vmid, DEC),
	A("vmid_gen", trace_vmid_alloc, hdr.vmid_gen, DEC),
	A("serial", trace_vmid_alloc, serial, DEC),
	A("in_use", trace_vmid_alloc, in_use, DEC),
};

static const struct trace_arg vmid_alloc_print[] = {
	A("vmid", trace_vmid_alloc, hdr.vmid, DEC),
	A("gen", trace_vmid_alloc, hdr.vmid_gen, DEC),
	A("serial", trace_vmid_alloc, serial, DEC),
	A("in_use", trace_vmid_alloc, in_use, DEC),
	A("bits", trace_vmid_alloc, vmid_bits, DEC),
};

static const struct trace_field vmid_rollover_fields[] = {
	F(trace_vmid_rollover, old_gen, DEC),
	F(trace_vmid_rollover, new_gen, DEC),
	F(trace_vmid_rollover, flush_cost, DEC),
	F(trace_vmid_rollover, in_use, DEC),
	F(trace_vmid_rollover, vmid_bits, DEC),
};

static const struct trace_arg vmid_rollover_chrome[] = {
	A("old_gen", trace_vmid_rollover, old_gen, DEC),
	A("new_gen", trace_vmid_rollover, new_gen, DEC),
	A("flush_cost_cycles", trace_vmid_rollover, flush_cost, DEC),
	A("in_use", trace_vmid_rollover, in_use, DEC),
	A("vmid_bits", trace_vmid_rollover, vmid_bits, DEC),
	AX("cpu", CPU),
};

static const struct trace_field mmio_fields[] = {
	F(trace_mmio, ipa, HEX),
	F(trace_mmio, value, HEX),
	FE(trace_mmio, device, mmio_device),
	F(trace_mmio, width, DEC),
	F(trace_mmio, is_write, DEC),
	FE(trace_mmio, result, mmio_result),
};

static const struct trace_arg mmio_chrome[] = {
	A("ipa", trace_mmio, ipa, HEX),
	A("value", trace_mmio, value, HEX),
	A("width", trace_mmio, width, DEC),
	A("device", trace_mmio, device, DEC),
	A("result", trace_mmio, result, DEC),
};

static const struct trace_field smccc_fields[] = {
	FA(trace_smccc, args, HEX, 6),
	FA(trace_smccc, result, HEX, 4),
	F(trace_smccc, fid, HEX),
	FC("fid_name", trace_smccc, fid, SMCCC_NAME),
	FE(trace_smccc, conduit, smccc_conduit),
};

static const struct trace_arg smccc_chrome[] = {
	A("fid", trace_smccc, fid, HEX),
	A("x1", trace_smccc, args[0], HEX),
	A("x2", trace_smccc, args[1], HEX),
	A("x3", trace_smccc, args[2], HEX),
	A("ret_x0", trace_smccc, result[0], HEX),
	AN("conduit", trace_smccc, conduit, smccc_conduit, "unknown"),
};

static const struct trace_field irq_inject_fields[] = {
	F(trace_irq_inject, vintid, DEC),
	FE(trace_irq_inject, source, irq_source),
	F(trace_irq_inject, target_vcpu, DEC),
	F(trace_irq_inject, source_vcpu, DEC),
	F(trace_irq_inject, priority, DEC),
};

static const struct trace_arg irq_inject_chrome[] = {
	A("vintid", trace_irq_inject, vintid, DEC),
	A("source", trace_irq_inject, source, DEC),
	A("source_vcpu", trace_irq_inject, source_vcpu, DEC),
	A("priority", trace_irq_inject, priority, DEC),
};

static const struct trace_field vgic_lrs_fields[] = {
	FA(trace_vgic_lrs, lr, HEX, TRACE_MAX_LRS),
	F(trace_vgic_lrs, hcr, HEX),
	F(trace_vgic_lrs, misr, HEX),
	F(trace_vgic_lrs, eisr, HEX),
	F(trace_vgic_lrs, elrsr, HEX),
	F(trace_vgic_lrs, nr_lrs, DEC),
	FE(trace_vgic_lrs, point, lrs_point),
	F(trace_vgic_lrs, used, HEX),
};

static const struct trace_field vgic_maint_fields[] = {
	F(trace_vgic_maint, misr, HEX),
	F(trace_vgic_maint, eisr, HEX),
	F(trace_vgic_maint, hcr, HEX),
};

static const struct trace_field irq_line_fields[] = {
	F(trace_irq_line, vintid, DEC),
	FE(trace_irq_line, source, irq_source),
	F(trace_irq_line, level, DEC),
};

static const struct trace_field log_fields[] = {
	FE(trace_log, level, log_level),
	F(trace_log, len, DEC),
	F(trace_log, text, STR),
};

static const struct trace_arg log_chrome[] = {
	AN("level", trace_log, level, log_level, "?"),
};

static const struct trace_field gdb_stop_fields[] = {
	F(trace_gdb_stop, pc, HEX),
	F(trace_gdb_stop, addr, HEX),
	FE(trace_gdb_stop, reason, gdb_reason),
	F(trace_gdb_stop, signal, DEC),
};

static const struct trace_arg gdb_stop_chrome[] = {
	A("pc", trace_gdb_stop, pc, HEX),
	AN("reason", trace_gdb_stop, reason, gdb_reason, "?"),
	A("addr", trace_gdb_stop, addr, HEX),
};

static const struct trace_field gdb_resume_fields[] = {
	F(trace_gdb_resume, held_ticks, DEC),
	F(trace_gdb_resume, cont_mask, HEX),
	F(trace_gdb_resume, step_mask, HEX),
};

static const struct trace_field sdei_call_fields[] = {
	FA(trace_sdei_call, args, HEX, 5),
	F(trace_sdei_call, result, HEX),
	FE(trace_sdei_call, fn, sdei_fn),
};

static const struct trace_arg sdei_call_print[] = {
	AN("fn", trace_sdei_call, fn, sdei_fn, "unknown"),
	A("x1", trace_sdei_call, args[0], HEX),
	A("x2", trace_sdei_call, args[1], HEX),
	A("x3", trace_sdei_call, args[2], HEX),
	A("ret", trace_sdei_call, result, HEX),
};

static const struct trace_field sdei_dispatch_fields[] = {
	F(trace_sdei_dispatch, pc, HEX),
	F(trace_sdei_dispatch, pstate, HEX),
	F(trace_sdei_dispatch, event_num, DEC),
	FE(trace_sdei_dispatch, cause, sdei_cause),
	F(trace_sdei_dispatch, priority, DEC),
};

static const struct trace_arg sdei_dispatch_print[] = {
	A("event", trace_sdei_dispatch, event_num, DEC),
	AN("cause", trace_sdei_dispatch, cause, sdei_cause, "unknown"),
	A("priority", trace_sdei_dispatch, priority, DEC),
	A("pc", trace_sdei_dispatch, pc, PC),
	A("pstate", trace_sdei_dispatch, pstate, HEX),
};

static const struct trace_field sdei_complete_fields[] = {
	F(trace_sdei_complete, resume_pc, HEX),
	F(trace_sdei_complete, handler_ticks, DEC),
	F(trace_sdei_complete, event_num, DEC),
	FE(trace_sdei_complete, kind, sdei_complete_kind),
};

static const struct trace_arg sdei_complete_print[] = {
	A("event", trace_sdei_complete, event_num, DEC),
	AN("kind", trace_sdei_complete, kind, sdei_complete_kind, "unknown"),
	A("resume_pc", trace_sdei_complete, resume_pc, PC),
	A("ticks", trace_sdei_complete, handler_ticks, DEC),
};

static const struct trace_field sdei_state_fields[] = {
	F(trace_sdei_state, event_num, DEC),
	F(trace_sdei_state, arg, HEX),
	FE(trace_sdei_state, op, sdei_op),
	F(trace_sdei_state, old_state, HEX),
	F(trace_sdei_state, new_state, HEX),
};

static const struct trace_arg sdei_state_print[] = {
	AN("op", trace_sdei_state, op, sdei_op, "unknown"),
	A("event", trace_sdei_state, event_num, DEC),
	A("arg", trace_sdei_state, arg, HEX),
	A("old", trace_sdei_state, old_state, HEX),
	A("new", trace_sdei_state, new_state, HEX),
};

/* ----------------------------------------------------------------- types */

/*
 * X(type, name, struct, flags, fields, chrome args, print args), in
 * ascending type order. Chrome and print args may be NONE: every field is
 * shown then, by its name.
 */
static const struct trace_field its_fields[] = {
	FE(trace_its, cmd, its_cmd),
	FE(trace_its, result, its_result),
	F(trace_its, device_id, DEC),
	F(trace_its, event_id, DEC),
	F(trace_its, intid, DEC),
	F(trace_its, icid, DEC),
	F(trace_its, target_vcpu, DEC),
	F(trace_its, source_vcpu, DEC),
};

static const struct trace_arg its_print[] = {
	AN("cmd", trace_its, cmd, its_cmd, "unknown"),
	A("device", trace_its, device_id, DEC),
	A("event", trace_its, event_id, DEC),
	A("lpi", trace_its, intid, DEC),
	A("icid", trace_its, icid, DEC),
	A("target", trace_its, target_vcpu, DEC),
	AN("result", trace_its, result, its_result, "unknown"),
};

/* Nested virtualization (docs/nested.md). */
static const struct trace_field nv_exit_fields[] = {
	F(trace_nv_exit, esr, HEX),
	F(trace_nv_exit, elr, HEX),
	F(trace_nv_exit, detail, HEX),
	F(trace_nv_exit, cost, DEC),
	F(trace_nv_exit, exit_class, DEC),
	FC("exit_class_name", trace_nv_exit, exit_class, EXIT_CLASS_NAME),
	FE(trace_nv_exit, decision, nv_decision),
	FE(trace_nv_exit, reason, nv_reason),
	F(trace_nv_exit, l2_el, DEC),
};

static const struct trace_arg nv_exit_print[] = {
	AN("decision", trace_nv_exit, decision, nv_decision, "?"),
	AN("why", trace_nv_exit, reason, nv_reason, "unknown"),
	A("esr", trace_nv_exit, esr, HEX),
	A("pc", trace_nv_exit, elr, PC),
	A("el", trace_nv_exit, l2_el, DEC),
	A("detail", trace_nv_exit, detail, HEX),
	A("cost", trace_nv_exit, cost, DEC),
};

static const struct trace_field nv_eret_fields[] = {
	F(trace_nv_eret, pc, HEX),
	F(trace_nv_eret, spsr, HEX),
	F(trace_nv_eret, hcr, HEX),
	F(trace_nv_eret, vttbr, HEX),
	F(trace_nv_eret, target, DEC),
	F(trace_nv_eret, illegal, DEC),
};

static const struct trace_arg nv_eret_print[] = {
	A("pc", trace_nv_eret, pc, PC),
	A("el", trace_nv_eret, target, DEC),
	A("spsr", trace_nv_eret, spsr, HEX),
	A("hcr", trace_nv_eret, hcr, HEX),
	A("vttbr", trace_nv_eret, vttbr, HEX),
	A("illegal", trace_nv_eret, illegal, DEC),
};

static const struct trace_field nv_inject_fields[] = {
	F(trace_nv_inject, esr, HEX),
	F(trace_nv_inject, far, HEX),
	F(trace_nv_inject, hpfar, HEX),
	F(trace_nv_inject, elr, HEX),
	F(trace_nv_inject, vector, HEX),
	FE(trace_nv_inject, kind, nv_inject_kind),
	F(trace_nv_inject, from_el, DEC),
};

static const struct trace_arg nv_inject_print[] = {
	AN("kind", trace_nv_inject, kind, nv_inject_kind, "?"),
	A("from_el", trace_nv_inject, from_el, DEC),
	A("esr", trace_nv_inject, esr, HEX),
	A("elr", trace_nv_inject, elr, PC),
	A("vector", trace_nv_inject, vector, PC),
	A("far", trace_nv_inject, far, HEX),
	A("hpfar", trace_nv_inject, hpfar, HEX),
};

static const struct trace_field nv_s2_fields[] = {
	F(trace_nv_s2, ipa, HEX),
	F(trace_nv_s2, out, HEX),
	F(trace_nv_s2, vttbr, HEX),
	F(trace_nv_s2, size, DEC),
	F(trace_nv_s2, count, DEC),
	FE(trace_nv_s2, result, nv_s2_result),
	F(trace_nv_s2, level, DEC),
	F(trace_nv_s2, op, DEC),
};

static const struct trace_arg nv_s2_print[] = {
	AN("result", trace_nv_s2, result, nv_s2_result, "?"),
	A("ipa", trace_nv_s2, ipa, HEX),
	A("out", trace_nv_s2, out, HEX),
	A("size", trace_nv_s2, size, DEC),
	A("count", trace_nv_s2, count, DEC),
	A("level", trace_nv_s2, level, DEC),
	A("op", trace_nv_s2, op, DEC),
	A("vttbr", trace_nv_s2, vttbr, HEX),
};

#define TRACE_TYPE_LIST(X)                                                                   \
	X(TRACE_EXIT, "exit", trace_exit, 0, exit_fields, exit_chrome, NONE)                     \
	X(TRACE_ENTRY, "entry", trace_entry, 0, entry_fields, NONE, entry_print)                 \
	X(TRACE_SCHED_IN, "sched_in", trace_sched, 0, sched_fields, sched_chrome, NONE)          \
	X(TRACE_SCHED_OUT, "sched_out", trace_sched, 0, sched_fields, sched_chrome, NONE)        \
	X(TRACE_WFI_BLOCK, "wfi_block", trace_sched, 0, sched_fields, sched_chrome, NONE)        \
	X(TRACE_WFI_WAKE, "wfi_wake", trace_sched, 0, sched_fields, sched_chrome, NONE)          \
	X(TRACE_VM_CREATE, "vm_create", trace_vm, 0, vm_fields, vm_create_chrome, NONE)          \
	X(TRACE_VM_DESTROY, "vm_destroy", trace_vm, 0, vm_fields, vm_destroy_chrome, NONE)       \
	X(TRACE_VMID_ALLOC, "vmid_alloc", trace_vmid_alloc, 0, vmid_alloc_fields,                \
	  vmid_alloc_chrome, vmid_alloc_print)                                                   \
	X(TRACE_VMID_ROLLOVER, "vmid_rollover", trace_vmid_rollover, 0, vmid_rollover_fields,    \
	  vmid_rollover_chrome, NONE)                                                            \
	X(TRACE_MMIO, "mmio", trace_mmio, 0, mmio_fields, mmio_chrome, NONE)                     \
	X(TRACE_SMCCC, "smccc", trace_smccc, 0, smccc_fields, smccc_chrome, NONE)                \
	X(TRACE_IRQ_INJECT, "irq_inject", trace_irq_inject, 0, irq_inject_fields,                \
	  irq_inject_chrome, NONE)                                                               \
	X(TRACE_VGIC_LRS, "vgic_lrs", trace_vgic_lrs, TRACE_TYPE_NO_CHROME, vgic_lrs_fields,     \
	  NONE, NONE)                                                                            \
	X(TRACE_VGIC_MAINT, "vgic_maint", trace_vgic_maint, 0, vgic_maint_fields, NONE, NONE)   \
	X(TRACE_IRQ_LINE, "irq_line", trace_irq_line, 0, irq_line_fields, NONE, NONE)           \
	X(TRACE_LOG, "log", trace_log, 0, log_fields, log_chrome, NONE)                         \
	X(TRACE_SDEI_CALL, "sdei_call", trace_sdei_call, 0, sdei_call_fields, sdei_call_print,   \
	  sdei_call_print)                                                                       \
	X(TRACE_SDEI_DISPATCH, "sdei_dispatch", trace_sdei_dispatch, 0, sdei_dispatch_fields,    \
	  sdei_dispatch_print, sdei_dispatch_print)                                              \
	X(TRACE_SDEI_COMPLETE, "sdei_complete", trace_sdei_complete, 0, sdei_complete_fields,    \
	  sdei_complete_print, sdei_complete_print)                                              \
	X(TRACE_SDEI_STATE, "sdei_state", trace_sdei_state, 0, sdei_state_fields,                \
	  sdei_state_print, sdei_state_print) \
	X(TRACE_GDB_STOP, "gdb_stop", trace_gdb_stop, 0, gdb_stop_fields, gdb_stop_chrome, NONE) \
	X(TRACE_GDB_RESUME, "gdb_resume", trace_gdb_resume, 0, gdb_resume_fields, NONE, NONE)  \
	X(TRACE_ITS_CMD, "its_cmd", trace_its, 0, its_fields, its_print, its_print)             \
	X(TRACE_ITS_LPI, "its_lpi", trace_its, 0, its_fields, its_print, its_print)             \
	X(TRACE_NV_EXIT, "nv_exit", trace_nv_exit, 0, nv_exit_fields, nv_exit_print,             \
	  nv_exit_print)                                                                         \
	X(TRACE_NV_ERET, "nv_eret", trace_nv_eret, 0, nv_eret_fields, nv_eret_print,             \
	  nv_eret_print)                                                                         \
	X(TRACE_NV_INJECT, "nv_inject", trace_nv_inject, 0, nv_inject_fields, nv_inject_print,   \
	  nv_inject_print)                                                                       \
	X(TRACE_NV_S2_FAULT, "nv_s2_fault", trace_nv_s2, 0, nv_s2_fields, nv_s2_print,           \
	  nv_s2_print)                                                                           \
	X(TRACE_NV_S2_INVAL, "nv_s2_inval", trace_nv_s2, 0, nv_s2_fields, nv_s2_print, nv_s2_print)

/* NONE stands for an absent argument list: empty, so the entry says NULL. */
static const struct trace_arg NONE[0];
#define NR(a) (sizeof(a) / sizeof((a)[0]))
#define ARGS(a) (NR(a) ? (a) : NULL)

#define TYPE_ENTRY(t, n, st, fl, f, c, p)                                                      \
	{ t, sizeof(struct st), n, fl, NR(f), NR(c), NR(p), f, ARGS(c), ARGS(p) },
const struct trace_type_info trace_types[] = { TRACE_TYPE_LIST(TYPE_ENTRY) };
const unsigned trace_nr_types = NR(trace_types);

#define TYPE_INDEX(t, ...) TTI_##t,
enum { TRACE_TYPE_LIST(TYPE_INDEX) NR_TYPES };
#define TYPE_SLOT(t, ...) [t] = TTI_##t + 1,
const uint8_t trace_type_slot[TRACE_TYPE_LIMIT] = { TRACE_TYPE_LIST(TYPE_SLOT) };
#define TYPE_MIN(t, n, st, ...) [t] = sizeof(struct st),
const uint16_t trace_type_min[TRACE_TYPE_LIMIT] = { TRACE_TYPE_LIST(TYPE_MIN) };

_Static_assert(NR_TYPES <= TRACE_TYPES_MAX, "raise TRACE_TYPES_MAX");
_Static_assert(NR_TYPES < 255, "trace_type_slot holds 1 + an index in a byte");

/* The name a computed field of kind gives the value v, NULL when it has none. */
static const char *computed_name(unsigned kind, uint64_t v)
{
	switch (kind) {
	case TFK_EXIT_CLASS_NAME:
		return exit_class_name((unsigned)v);
	case TFK_SMCCC_NAME:
		return smccc_name((uint32_t)v);
	default:
		return NULL;
	}
}

const char *trace_field_text(const struct trace_field *f, const uint8_t *rec)
{
	return computed_name(f->kind, trace_load(rec + f->off, f->size));
}

void trace_field_names(const struct trace_field *f, trace_name_fn fn, void *ctx)
{
	uint64_t max = f->size >= 8 ? UINT64_MAX : (1ull << (8 * f->size)) - 1;
	const struct smccc_fid_name *fids;
	size_t nr, i;
	uint32_t fid;
	unsigned v;

	switch (f->kind) {
	case TFK_EXIT_CLASS_NAME:
		/* each class by its name; every value from HYP_EXIT_CLASSES up has the same one */
		for (v = 0; v < HYP_EXIT_CLASSES && v <= max; v++)
			fn(ctx, v, v, computed_name(f->kind, v));
		if (HYP_EXIT_CLASSES <= max)
			fn(ctx, HYP_EXIT_CLASSES, max, computed_name(f->kind, HYP_EXIT_CLASSES));
		break;
	case TFK_SMCCC_NAME:
		/* the named function ids, with and without the SVE hint the name ignores */
		fids = smccc_name_table(&nr);
		for (i = 0; i < nr; i++) {
			fid = fids[i].fid;
			fn(ctx, fid, fid, computed_name(f->kind, fid));
			if (!(fid & SMCCC_SVE_HINT))
				fn(ctx, fid | SMCCC_SVE_HINT, fid | SMCCC_SVE_HINT,
				   computed_name(f->kind, fid | SMCCC_SVE_HINT));
		}
		break;
	default:
		break;
	}
}
