/*
 * hypscope's own hypercalls, as seen by guests.
 *
 * They live in the SMCCC "vendor specific hypervisor service" range (owner
 * 6), fast calls, SMC64 convention, issued with HVC #0. x0 holds the function
 * id; arguments in x1..x3; results come back in x0..x3 with x0 an SMCCC
 * status (0 = success, -1 = NOT_SUPPORTED, -2 = NOT_REQUIRED, -3 = INVALID_PARAMETER).
 */
#ifndef FORMATS_HYPERCALL_H
#define FORMATS_HYPERCALL_H

/* Standard vendor hypervisor service queries (SMC32 fast calls). */
#define HYPSCOPE_HVC_CALL_COUNT 0x8600ff00u
#define HYPSCOPE_HVC_CALL_UID   0x8600ff01u /* x0..x3: the service UID below */
#define HYPSCOPE_HVC_REVISION   0x8600ff03u /* x0 major, x1 minor */

/* UID, as the four words returned in x0..x3 */
#define HYPSCOPE_UID_0 0x70796868u /* "hhyp" */
#define HYPSCOPE_UID_1 0x65706f63u /* "cope" */
#define HYPSCOPE_UID_2 0x73636f70u
#define HYPSCOPE_UID_3 0x00000001u

#define HYPSCOPE_HVC_NOP      0xc6000000u /* returns 0; the null hypercall for benchmarks */
#define HYPSCOPE_HVC_EXIT     0xc6000001u /* x1 = status: end this VM, status recorded (0 = pass) */
#define HYPSCOPE_HVC_VM_INFO  0xc6000002u /* x1 = VM serial (unique per instance), x2 = VM slot,
                                             x3 = vCPU id; x0 = 0 */
#define HYPSCOPE_HVC_PCPU     0xc6000003u /* x1 = physical CPU the vCPU runs on */
#define HYPSCOPE_HVC_EL2_INSNS 0xc6000004u /* x1 = instructions retired at EL2 on this physical
                                              CPU (PMU INST_RETIRED filtered to EL2; exact under
                                              QEMU -icount), x0 = 0, or NOT_SUPPORTED */
#define HYPSCOPE_HVC_TRACE_EMIT 0xc6000005u /* x1 = record type (TRACE_ENTRY, TRACE_EXIT or
                                               TRACE_SMCCC), x2 = count (at most 65536): emits
                                               that many records through the same code as real
                                               events; x0 = 0, or INVALID_PARAMETER. For
                                               benchmarks and exact-count tests */
#define HYPSCOPE_TRACE_EMIT_MAX 65536u
#define HYPSCOPE_HVC_YIELD    0xc6000006u /* give the physical CPU to another runnable vCPU, if
                                             one waits for it (what a trapped WFE does); x0 = 0 */

#endif
