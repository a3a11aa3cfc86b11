/* Host tools' requests to the running machine (hyp/core/host_req.c). */
#ifndef HYP_HOST_REQ_H
#define HYP_HOST_REQ_H

/* Serve a pending struct hypcfg_request, if any; cheap when there is none. */
void host_requests_poll(void);

#endif
