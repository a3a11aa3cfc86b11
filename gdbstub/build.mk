# gdbstub/: the GDB remote stub that runs inside the hypervisor.
GDBSTUB_SRCS := $(wildcard gdbstub/*.c)
EL2_SRCS      += $(GDBSTUB_SRCS)
HYP_HOST_SRCS += $(GDBSTUB_SRCS)
