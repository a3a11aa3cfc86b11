/*
 * What every physical CPU does once it is up: pick a vCPU, take it onto the
 * CPU, run it until it blocks, stops or its slice ends, and idle when there
 * is nothing to run.
 */
#include <string.h>

#include "formats/esr.h"
#include "hyp/include/arch.h"
#include "hyp/include/log.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/vm.h"

struct vmid_allocator vmids;
struct hypcfg *hypcfg;
struct hypstat *hypstat;
unsigned stage2_ipa_bits;

void vcpu_kick(struct vcpu *v)
{
	/* On this CPU the run loop sees the change after the current exit. */
	if (v->pcpu != this_cpu_id())
		arch_kick_cpu(v->pcpu);
}

static bool keep_running(struct percpu *pc, const struct vcpu *v)
{
	return !READ_ONCE(pc->rq.need_resched) && READ_ONCE(v->run) == VCPU_RUNNABLE &&
	       !READ_ONCE(v->reset_pending);
}

static void vcpu_run(struct percpu *pc, struct vcpu *v)
{
	bool cont;

	arch_vcpu_load(v);
	do {
		uint64_t t_enter, t_exit;
		unsigned type;

		arch_timer_set(sched_next_event(&pc->rq, arch_counter()));
		t_enter = arch_counter();
		type = arch_vcpu_enter(v);
		t_exit = arch_counter();
		v->stat->guest_ticks += t_exit - t_enter;
		cont = handle_exit(v, type);
		v->stat->hyp_ticks += arch_counter() - t_exit;
	} while (cont && keep_running(pc, v));
	arch_vcpu_put(v);
}

__noreturn void cpu_run_loop(void)
{
	struct percpu *pc = this_cpu();

	for (;;) {
		struct vcpu *v = sched_pick(&pc->rq, arch_counter());

		if (!v) {
			arch_timer_set(sched_next_event(&pc->rq, arch_counter()));
			arch_idle();
			if (arch_handle_irqs() & IRQ_EV_TICK)
				sched_tick(&pc->rq, arch_counter());
			hypstat->heartbeat++;
			continue;
		}
		if (!vcpu_claim(v, pc->id))
			continue;
		vcpu_run(pc, v);
		vcpu_unclaim(v);
	}
}

static void print_summary(void)
{
	hyp_log("all VMs ended: %llu created, VMID generation %llu, %llu rollovers",
		(unsigned long long)hypstat->vms_created,
		(unsigned long long)vmid_generation_number(&vmids),
		(unsigned long long)vmids.rollovers);
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		const struct hypstat_vm *st = &hypstat->vms[i];

		for (unsigned c = 0; c < st->nr_vcpus; c++) {
			const struct hypstat_vcpu *sv = &st->vcpus[c];
			char line[200];
			int n = fmt_snprintf(line, sizeof(line), "%s vcpu%u exits:", hypcfg->vms[i].name,
					     c);

			for (unsigned cls = 0; cls < HYP_EXIT_CLASSES && n < (int)sizeof(line); cls++)
				if (sv->exits[cls])
					n += fmt_snprintf(line + n, sizeof(line) - n, " %s=%llu",
							  exit_class_name(cls),
							  (unsigned long long)sv->exits[cls]);
			hyp_log("%s", line);
		}
	}
}

__noreturn void hyp_shutdown(void)
{
	hypstat->vmid_generation = vmid_generation_number(&vmids);
	hypstat->vmid_rollovers = vmids.rollovers;
	print_summary();
	hypstat->state = HYPSTAT_DONE;
	arch_system_off();
}
