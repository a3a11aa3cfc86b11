/* Host tools' requests to the running machine (hyp/core/host_req.c). */
#ifndef HYP_HOST_REQ_H
#define HYP_HOST_REQ_H

#include "formats/hypcfg.h"
#include "hyp/include/compiler.h"
#include "hyp/include/run.h"

/* Serve the pending struct hypcfg_request, if it is still pending. */
void host_requests_serve(void);

/*
 * On every entry and when idle: two plain loads when nothing is asked (the
 * usual case); host_requests_serve() reads the request with acquire.
 */
static inline void host_requests_poll(void)
{
	if (unlikely(READ_ONCE(hypcfg->req.seq) != READ_ONCE(hypstat->req_done)))
		host_requests_serve();
}

#endif
