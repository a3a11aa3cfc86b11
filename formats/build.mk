# formats/: shared by the EL2 producer and the host consumer.
#
# Every formats/*.c builds into the host tool. The files listed in
# FORMATS_EL2_SRCS are also linked into hyp.elf, so they must stay
# freestanding: <stdint.h> <stddef.h> <stdbool.h> <string.h> only.
FORMATS_EL2_SRCS := $(wildcard formats/esr.c formats/sysreg_names.c formats/smccc.c formats/ring.c formats/trace_emit.c formats/ich_lr.c formats/esr_fmt.c)

TOOL_SRCS += $(wildcard formats/*.c)
EL2_SRCS  += $(FORMATS_EL2_SRCS)
