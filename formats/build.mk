# formats/: the records the EL2 producer and the host consumer share.
#
# formats/*.c and formats/*.h are the freestanding ABI: every formats/*.c is
# linked into hyp.elf as well as the host tool, so it builds against the
# hypervisor's own libc headers (hyp/lib/include) and includes no other
# project folder.
# formats/host/ is host-only (the trace file, the exporters, the record
# table and decoders that use libc I/O): it may include formats/ but never
# the other way round (scripts/layers.sh).
FORMATS_EL2_SRCS := $(wildcard formats/*.c)

HOSTLIB_SRCS += $(FORMATS_EL2_SRCS) $(wildcard formats/host/*.c)
EL2_SRCS     += $(FORMATS_EL2_SRCS)
