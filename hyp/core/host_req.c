/*
 * Requests host tools make of the running machine through the control
 * block (formats/hypcfg.h struct hypcfg_request): polled by every CPU on
 * its way into a guest and when idle, served by whichever sees one first.
 */
#include "hyp/include/host_req.h"
#include "hyp/include/run.h"
#include "hyp/include/sdei.h"
#include "hyp/include/spinlock.h"
#include "hyp/include/vm.h"

static spinlock_t req_lock;

static int64_t serve(const struct hypcfg_request *rq)
{
	struct vm *vm;
	int64_t ret;

	if (rq->op != HYPCFG_REQ_SDEI_SIGNAL)
		return SDEI_NOT_SUPPORTED;
	if (rq->vm >= hypcfg->nr_vms)
		return SDEI_INVALID_PARAMETERS;
	vm = &vms[rq->vm];
	/* vm->lock: the VM cannot be torn down under the signal. */
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING)
		ret = SDEI_DENIED;
	else
		ret = sdei_host_signal(vm, rq->vcpu, rq->event);
	spin_unlock(&vm->lock);
	return ret;
}

void host_requests_serve(void)
{
	struct hypcfg_request rq;
	uint64_t seq;

	/* Acquire: the request's fields are read after its seq. Pairs with the
	 * host tool's store-release of seq. */
	seq = __atomic_load_n(&hypcfg->req.seq, __ATOMIC_ACQUIRE);
	if (seq == READ_ONCE(hypstat->req_done))
		return;
	if (!spin_trylock(&req_lock))
		return; /* another CPU is serving it */
	if (seq != hypstat->req_done) {
		rq = hypcfg->req;
		hypstat->req_result = serve(&rq);
		/* Release: the result is visible before the answer. Pairs with
		 * the host tool's load-acquire of req_done. */
		__atomic_store_n(&hypstat->req_done, seq, __ATOMIC_RELEASE);
	}
	spin_unlock(&req_lock);
}
