# gdbstub/: the GDB remote stub that runs inside the hypervisor.
GDBSTUB_SRCS := $(wildcard gdbstub/*.c)
EL2_SRCS      += $(GDBSTUB_SRCS)
HYP_HOST_SRCS += $(GDBSTUB_SRCS)

# The engine on a TCP port over the fake target, for tests/e2e/gdbstub_gdb.sh
# (a real gdb without QEMU); sanitized like the unit tests.
GDBSTUB_SERVE := $(O)/tests/gdbstub_serve
$(GDBSTUB_SERVE): tests/gdbstub_serve.c tests/gdbstub_fake.h $(GDBSTUB_SRCS) $(wildcard gdbstub/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC        $@")
	$(Q)$(HOST_CC) $(SAN_CFLAGS) -o $@ tests/gdbstub_serve.c $(GDBSTUB_SRCS)
tools: $(GDBSTUB_SERVE)
