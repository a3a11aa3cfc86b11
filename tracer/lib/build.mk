# tracer/lib/: the host library at the bottom of the host side (stats model,
# recorder, QEMU launcher, image loader, machine, analysis, the KVM collector
# in tracer/lib/kvm/). Built with formats/ into $(O)/libhypscope.a; it
# includes formats/ only, never tui/ nor the commands (scripts/layers.sh).
HOSTLIB_SRCS += $(wildcard tracer/lib/*.c)
