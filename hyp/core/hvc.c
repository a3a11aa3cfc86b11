/*
 * SMCCC dispatch for HVC and trapped SMC (Arm DEN0028): the architecture
 * calls, PSCI in the standard service range, hypscope's vendor calls.
 * Anything else answers NOT_SUPPORTED, never an exception.
 */
#include <string.h>

#include "formats/hypercall.h"
#include "formats/hypcfg.h"
#include "hyp/include/arch.h"
#include "hyp/include/psci.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

#define SMCCC_FAST_CALL   (1u << 31)
#define SMCCC_OWNER(fid)  (((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH  0
#define SMCCC_OWNER_STD   4
#define SMCCC_OWNER_VENDOR_HYP 6
#define PSCI_FN_MAX       0x1f

static void set_ret(struct vcpu *v, int64_t r)
{
	v->regs.x[0] = (uint64_t)r;
}

static bool arch_call(struct vcpu *v, uint32_t fid)
{
	switch (fid) {
	case SMCCC_VERSION_FID:
		set_ret(v, SMCCC_VERSION_1_1);
		break;
	case SMCCC_ARCH_FEATURES_FID:
		/* Of the architecture calls only these two exist here; the
		 * ARCH_WORKAROUND_* calls are not implemented. */
		switch ((uint32_t)v->regs.x[1]) {
		case SMCCC_VERSION_FID:
		case SMCCC_ARCH_FEATURES_FID:
			set_ret(v, SMCCC_RET_SUCCESS);
			break;
		default:
			set_ret(v, SMCCC_RET_NOT_SUPPORTED);
			break;
		}
		break;
	default:
		set_ret(v, SMCCC_RET_NOT_SUPPORTED);
		break;
	}
	return true;
}

/*
 * HYPSCOPE_HVC_TRACE_EMIT: records of one hot-path type through the very
 * functions real events use, with this call's registers as their content.
 */
static bool trace_emit_test(struct vcpu *v)
{
	uint64_t type = v->regs.x[1], n = v->regs.x[2];
	uint64_t args[6] = { v->regs.x[1], v->regs.x[2], v->regs.x[3], 0, 0, 0 };

	if (n > HYPSCOPE_TRACE_EMIT_MAX ||
	    (type != TRACE_ENTRY && type != TRACE_EXIT && type != TRACE_SMCCC)) {
		set_ret(v, SMCCC_RET_INVALID_PARAMETER);
		return true;
	}
	set_ret(v, SMCCC_RET_SUCCESS);
	for (uint64_t i = 0; i < n; i++) {
		if (type == TRACE_ENTRY)
			trace_entry(v);
		else if (type == TRACE_EXIT)
			trace_exit(v, v->regs.pc, 0x16, 0, false, 0, TRACE_EXIT_HANDLED);
		else
			trace_smccc(v, HYPSCOPE_HVC_TRACE_EMIT, args, false);
	}
	return true;
}

static bool vendor_call(struct vcpu *v, uint32_t fid)
{
	switch (fid) {
	case HYPSCOPE_HVC_CALL_COUNT:
		set_ret(v, 7);
		return true;
	case HYPSCOPE_HVC_CALL_UID:
		v->regs.x[0] = HYPSCOPE_UID_0;
		v->regs.x[1] = HYPSCOPE_UID_1;
		v->regs.x[2] = HYPSCOPE_UID_2;
		v->regs.x[3] = HYPSCOPE_UID_3;
		return true;
	case HYPSCOPE_HVC_REVISION:
		v->regs.x[0] = 1;
		v->regs.x[1] = 0;
		return true;
	case HYPSCOPE_HVC_NOP:
		set_ret(v, SMCCC_RET_SUCCESS);
		return true;
	case HYPSCOPE_HVC_EXIT:
		vm_end(v->vm, HYPSTAT_VM_EXITED, (uint32_t)v->regs.x[1]);
		return false;
	case HYPSCOPE_HVC_VM_INFO:
		v->regs.x[0] = SMCCC_RET_SUCCESS;
		v->regs.x[1] = v->vm->serial;
		v->regs.x[2] = v->vm->slot;
		v->regs.x[3] = v->id;
		return true;
	case HYPSCOPE_HVC_PCPU:
		v->regs.x[0] = SMCCC_RET_SUCCESS;
		v->regs.x[1] = v->pcpu;
		return true;
	case HYPSCOPE_HVC_TRACE_EMIT:
		return trace_emit_test(v);
	case HYPSCOPE_HVC_EL2_INSNS:
		v->regs.x[0] = SMCCC_RET_SUCCESS;
		v->regs.x[1] = arch_el2_insns();
		return true;
	case HYPSCOPE_HVC_YIELD:
		set_ret(v, SMCCC_RET_SUCCESS);
		return !sched_others_runnable(&percpu[v->pcpu].rq, v, arch_counter());
	default:
		set_ret(v, SMCCC_RET_NOT_SUPPORTED);
		return true;
	}
}

static bool smccc_dispatch(struct vcpu *v, uint32_t fid, bool smc);

bool smccc_call(struct vcpu *v, bool smc)
{
	uint32_t fid = (uint32_t)v->regs.x[0];
	uint64_t args[6];
	bool cont;

	if (!trace_on)
		return smccc_dispatch(v, fid, smc);
	args[0] = v->regs.x[1];
	args[1] = v->regs.x[2];
	args[2] = v->regs.x[3];
	args[3] = v->regs.x[4];
	args[4] = v->regs.x[5];
	args[5] = v->regs.x[6];
	cont = smccc_dispatch(v, fid, smc);
	trace_smccc(v, fid, args, smc);
	return cont;
}

static bool smccc_dispatch(struct vcpu *v, uint32_t fid, bool smc)
{
	/* Yielding calls and bits 23:16 set are not SMCCC fast calls we serve. */
	if (!(fid & SMCCC_FAST_CALL) || (fid & 0x00ff0000u)) {
		set_ret(v, SMCCC_RET_NOT_SUPPORTED);
		return true;
	}
	switch (SMCCC_OWNER(fid)) {
	case SMCCC_OWNER_ARCH:
		return arch_call(v, fid);
	case SMCCC_OWNER_STD:
		if ((fid & 0xffff) <= PSCI_FN_MAX)
			return psci_call(v, fid);
		/* SDEI: the SMC64 IDs, over the HVC conduit the DTB names. */
		if (!smc && fid >= SDEI_FN_FIRST && fid <= SDEI_FN_LAST) {
			sdei_call(v, fid);
			return true;
		}
		break;
	case SMCCC_OWNER_VENDOR_HYP:
		return vendor_call(v, fid);
	}
	set_ret(v, SMCCC_RET_NOT_SUPPORTED);
	return true;
}
