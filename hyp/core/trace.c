/*
 * Trace emission at EL2 (hyp/include/trace.h): the rings' setup and the
 * records that are not written inline on the hot path.
 */
#include <string.h>

#include "formats/vmid.h"
#include "hyp/include/arch.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

bool trace_on;
static void *trace_base;
static uint64_t trace_size_per_cpu;
static unsigned trace_mode;

int trace_setup(void *base, uint64_t size_per_cpu, unsigned ncpus, unsigned mode)
{
	int ret = ring_area_init(base, size_per_cpu, ncpus, mode);

	if (ret)
		return ret;
	trace_base = base;
	trace_size_per_cpu = size_per_cpu;
	trace_mode = mode;
	trace_on = true;
	return 0;
}

void trace_cpu_init(unsigned cpu)
{
	if (trace_on && ring_area_producer(&percpu[cpu].trace, trace_base, trace_size_per_cpu, cpu,
					   trace_mode))
		trace_on = false;
}

void *trace_begin(unsigned type, uint32_t size, const struct vcpu *v)
{
	struct trace_hdr *h;

	/* Always this CPU's ring: VM-wide events (creation, teardown) are
	 * emitted by whichever CPU does them, not by the vCPU's own. */
	if (!trace_on)
		return NULL;
	h = ring_reserve(&this_cpu()->trace, size);
	if (!h)
		return NULL;
	h->type = (uint16_t)type;
	h->ts = arch_counter();
	if (v) {
		h->vmid = (uint16_t)(v->trace_word0 >> 48);
		h->vmid_gen = v->trace_vmid_gen;
		h->ident = v->trace_ident;
	} else {
		h->vmid = TRACE_NO_VMID;
		h->vmid_gen = 0;
		h->vm = TRACE_NO_VM;
		h->vcpu = TRACE_NO_VCPU;
		h->reserved = 0;
	}
	return h;
}

void trace_commit(void)
{
	ring_commit(&this_cpu()->trace);
}

void trace_sched(unsigned type, const struct vcpu *v, uint64_t ticks, unsigned reason)
{
	struct trace_sched *e = trace_begin(type, sizeof(*e), v);

	if (!e)
		return;
	e->pc = v->regs.pc;
	e->ticks = ticks;
	e->reason = reason;
	/* Always on the vCPU's own CPU: its queue is this CPU's. */
	e->runnable = sched_nr_runnable(&percpu[v->pcpu].rq, e->hdr.ts);
	trace_commit();
}

void trace_vm(unsigned type, const struct vm *vm)
{
	struct trace_vm *e = trace_begin(type, sizeof(*e), &vm->vcpus[0]);

	if (!e)
		return;
	e->serial = vm->serial;
	e->mem_size = vm->ram_size;
	e->nr_vcpus = vm->nr_vcpus;
	e->state = type == TRACE_VM_DESTROY ? vm->end_state : 0;
	e->exit_status = type == TRACE_VM_DESTROY ? vm->exit_status : 0;
	e->reserved = 0;
	memset(e->name, 0, sizeof(e->name));
	strncpy(e->name, vm->cfg->name, sizeof(e->name) - 1);
	e->hdr.vcpu = TRACE_NO_VCPU;
	trace_commit();
}

void trace_vmid_alloc(const struct vm *vm, uint64_t vmid, unsigned in_use, unsigned bits)
{
	struct trace_vmid_alloc *e = trace_begin(TRACE_VMID_ALLOC, sizeof(*e), &vm->vcpus[0]);

	if (!e)
		return;
	e->hdr.vmid = (uint16_t)vmid_of(vmid, bits);
	e->hdr.vmid_gen = vmid_gen_number(vmid, bits);
	e->hdr.vcpu = TRACE_NO_VCPU;
	e->serial = vm->serial;
	e->in_use = in_use;
	e->vmid_bits = bits;
	trace_commit();
}

void trace_vmid_rollover(uint64_t old_gen, uint64_t new_gen, uint64_t cost, unsigned in_use,
			 unsigned bits)
{
	struct trace_vmid_rollover *e = trace_begin(TRACE_VMID_ROLLOVER, sizeof(*e), NULL);

	if (!e)
		return;
	e->old_gen = old_gen;
	e->new_gen = new_gen;
	e->flush_cost = cost;
	e->in_use = in_use;
	e->vmid_bits = bits;
	trace_commit();
}

void trace_mmio(const struct vcpu *v, uint64_t ipa, uint64_t value, unsigned device,
		unsigned width, bool write, unsigned result)
{
	struct trace_mmio *e = trace_begin(TRACE_MMIO, sizeof(*e), v);

	if (!e)
		return;
	e->ipa = ipa;
	e->value = value;
	e->device = device;
	e->width = (uint8_t)width;
	e->is_write = write;
	e->result = (uint8_t)result;
	e->reserved = 0;
	trace_commit();
}

void trace_log_line(unsigned level, const char *text, unsigned len)
{
	struct trace_log *e = trace_begin(TRACE_LOG, sizeof(*e), NULL);

	if (!e)
		return;
	if (len >= TRACE_LOG_LEN)
		len = TRACE_LOG_LEN - 1;
	e->level = (uint8_t)level;
	memset(e->reserved, 0, sizeof(e->reserved));
	e->len = len;
	memset(e->text, 0, sizeof(e->text));
	memcpy(e->text, text, len);
	trace_commit();
}

void trace_its(const struct vcpu *src, unsigned type, const struct vits_event *e)
{
	struct trace_its *t = trace_begin(type, sizeof(*t), src);

	if (!t)
		return;
	t->device_id = e->device;
	t->event_id = e->event;
	t->intid = e->intid;
	t->icid = e->icid;
	t->target_vcpu = e->target == VITS_NO_TARGET ? TRACE_NO_VCPU : (uint16_t)e->target;
	t->cmd = e->cmd;
	t->result = e->result;
	t->source_vcpu = (uint16_t)src->id;
	t->reserved = 0;
	trace_commit();
}

void trace_irq_inject(const struct vcpu *target, unsigned vintid, unsigned source,
		      unsigned source_vcpu)
{
	struct trace_irq_inject *e = trace_begin(TRACE_IRQ_INJECT, sizeof(*e), target);
	struct vgic_irq irq;

	if (!e)
		return;
	e->vintid = vintid;
	e->source = source;
	e->target_vcpu = (uint16_t)target->id;
	e->source_vcpu = (uint16_t)source_vcpu;
	e->priority = vgic_irq_peek(&target->vm->vgic, target->id, vintid, &irq) ? irq.priority : 0;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_commit();
}

void trace_irq_line(const struct vcpu *v, unsigned vintid, unsigned source, bool level)
{
	struct ring_slot s;
	struct trace_irq_line *e = trace_vcpu_begin(v, TRACE_IRQ_LINE, sizeof(*e), &s);

	if (!e)
		return;
	e->vintid = vintid;
	e->source = source;
	e->level = level;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_vcpu_commit(&s);
}

void trace_gdb_stop(const struct vcpu *v, unsigned reason, int signal, uint64_t addr)
{
	struct trace_gdb_stop *e = trace_begin(TRACE_GDB_STOP, sizeof(*e), v);

	if (!e)
		return;
	e->pc = v->regs.pc;
	e->addr = addr;
	e->reason = reason;
	e->signal = (uint32_t)signal;
	trace_commit();
}

void trace_gdb_resume(const struct vcpu *v, uint64_t held_ticks, uint32_t cont_mask,
		      uint32_t step_mask)
{
	struct trace_gdb_resume *e = trace_begin(TRACE_GDB_RESUME, sizeof(*e), v);

	if (!e)
		return;
	e->held_ticks = held_ticks;
	e->cont_mask = cont_mask;
	e->step_mask = step_mask;
	trace_commit();
}

/* ---------------------------------------------------------------- SDEI */

void trace_sdei_call(const struct vcpu *v, uint32_t fn, const uint64_t args[5], int64_t result)
{
	struct trace_sdei_call *e = trace_begin(TRACE_SDEI_CALL, sizeof(*e), v);

	if (!e)
		return;
	memcpy(e->args, args, sizeof(e->args));
	e->result = result;
	e->fn = fn;
	e->reserved = 0;
	trace_commit();
}

void trace_sdei_dispatch(const struct vcpu *v, uint32_t event, unsigned cause, unsigned prio,
			 uint64_t pc, uint64_t pstate)
{
	struct trace_sdei_dispatch *e = trace_begin(TRACE_SDEI_DISPATCH, sizeof(*e), v);

	if (!e)
		return;
	e->pc = pc;
	e->pstate = pstate;
	e->event_num = event;
	e->cause = (uint8_t)cause;
	e->priority = (uint8_t)prio;
	e->reserved = 0;
	trace_commit();
}

void trace_sdei_complete(const struct vcpu *v, uint32_t event, unsigned kind, uint64_t resume_pc,
			 uint64_t ticks)
{
	struct trace_sdei_complete *e = trace_begin(TRACE_SDEI_COMPLETE, sizeof(*e), v);

	if (!e)
		return;
	e->resume_pc = resume_pc;
	e->handler_ticks = ticks;
	e->event_num = event;
	e->kind = (uint8_t)kind;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_commit();
}

void trace_sdei_state(const struct vcpu *v, uint32_t event, unsigned op, unsigned old_state,
		      unsigned new_state, uint32_t arg)
{
	struct trace_sdei_state *e = trace_begin(TRACE_SDEI_STATE, sizeof(*e), v);

	if (!e)
		return;
	e->event_num = event;
	e->arg = arg;
	e->op = (uint8_t)op;
	e->old_state = (uint8_t)old_state;
	e->new_state = (uint8_t)new_state;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_commit();
}
