/*
 * Until gdbstub/ provides the protocol engine, these weak definitions
 * stand in for it: --gdb then says there is no engine and nothing else
 * changes. The engine's own (strong) definitions replace them.
 */
#include "gdbstub/target.h"
#include "hyp/include/log.h"

__attribute__((weak)) struct gdb_stub *gdb_stub_init(const struct gdb_target_ops *ops, void *ctx,
						     unsigned default_vm)
{
	(void)ops;
	(void)ctx;
	(void)default_vm;
	hyp_log("gdb: this hypervisor was built without the protocol engine (gdbstub/)");
	return NULL;
}

__attribute__((weak)) void gdb_stub_rx(struct gdb_stub *s, const uint8_t *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
}

__attribute__((weak)) void gdb_stub_event(struct gdb_stub *s, const struct gdb_event *ev)
{
	(void)s;
	(void)ev;
}

__attribute__((weak)) void gdb_stub_reset(struct gdb_stub *s)
{
	(void)s;
}
