# hyp/: the EL2 hypervisor.
#
#   arch/aarch64/  hardware: boot, vectors, world switch, MMU, GIC, timer (EL2 only)
#   arch/fake/     host stand-ins for arch/ so the logic runs under cmocka
#   core/ dev/ vgic/  logic: compiles for EL2 and for the host
#   lib/           freestanding libc subset (EL2 only; the host has its libc)
#
# The arch contract (hyp/include/arch.h) takes the arch's own arch_inline.h
# from the include path: the aarch64 one at EL2, the fake one on the host.
HYP_EL2_INC  := -Ihyp/arch/aarch64/include
HYP_HOST_INC := -Ihyp/arch/fake/include
EL2_CFLAGS   += $(HYP_EL2_INC)
HOST_CFLAGS  += $(HYP_HOST_INC)
SAN_CFLAGS   += $(HYP_HOST_INC)

HYP_ARCH_SRCS  := $(filter-out hyp/arch/aarch64/asm-offsets.c, \
	$(wildcard hyp/arch/aarch64/*.c hyp/arch/aarch64/*.S))
HYP_LOGIC_SRCS := $(wildcard hyp/core/*.c hyp/dev/*.c hyp/vgic/*.c)
HYP_LIB_SRCS   := $(wildcard hyp/lib/*.c)

EL2_SRCS      += $(HYP_ARCH_SRCS) $(HYP_LOGIC_SRCS) $(HYP_LIB_SRCS)
HYP_HOST_SRCS += $(HYP_LOGIC_SRCS) $(wildcard hyp/arch/fake/*.c)
