# hypscope: one Makefile for the EL2 hypervisor, the host tools and the tests.
#
#   make            build everything (hypervisor, hypscope, test guests)
#   make run        install what is missing, build, boot the demo guests
#   make check      the whole test suite (unit tests under ASan/UBSan, end-to-end under QEMU)
#   make bench      benchmarks (figures are printed, never asserted)
#   make fuzz       the libFuzzer harnesses, FUZZ_SECONDS=N each (tests/fuzz/)
#   make soak       10^6 chaos operations beside healthy VMs; 1,000 VM lifetimes on 3-bit VMIDs
#   make V=1        show full commands
#
# Each directory describes its sources in a build.mk fragment included below.

.DEFAULT_GOAL := all
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

O := build

# ---------------------------------------------------------------- toolchains
CROSS_COMPILE ?= aarch64-linux-gnu-
EL2_CC      := $(CROSS_COMPILE)gcc
EL2_OBJCOPY := $(CROSS_COMPILE)objcopy
HOST_CC     ?= gcc

SYSROOT64 := $(O)/sysroot-arm64
LIBFDT64  := $(SYSROOT64)/usr/lib/aarch64-linux-gnu/libfdt.a

WARN := -Wall -Wextra -Werror
DEPFLAGS = -MMD -MP

# Host tools: optimised, no instrumentation. Unit tests: ASan + UBSan.
HOST_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -D_GNU_SOURCE -DHYP_HOST \
	$(shell pkg-config --cflags ncursesw 2>/dev/null)
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS  := -std=gnu11 $(WARN) -O1 -g -I. -D_GNU_SOURCE -DHYP_HOST -DHYP_UNIT_TEST $(SAN_FLAGS) \
	$(shell pkg-config --cflags ncursesw 2>/dev/null)
HOST_LIBS   := -lelf -lcapstone -lfdt -ldeflate -lisal -lpthread -lm \
	$(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

# EL2: freestanding, our own minimal libc headers, no host instrumentation.
EL2_GCC_INC := $(shell $(EL2_CC) -print-file-name=include 2>/dev/null)
EL2_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -DHYP_EL2 \
	-ffreestanding -nostdinc -isystem hyp/lib/include -isystem $(EL2_GCC_INC) \
	-isystem $(SYSROOT64)/usr/include \
	-mgeneral-regs-only -mstrict-align -mbranch-protection=none -mno-outline-atomics \
	-fno-stack-protector -fno-pic -fno-pie -fno-common -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks
EL2_ASFLAGS := -I. -DHYP_EL2 -D__ASSEMBLY__ -isystem hyp/lib/include
EL2_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,--no-warn-rwx-segments

# Guests: freestanding EL1 programs.
GUEST_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -Itests/guests/lib \
	-ffreestanding -nostdinc -isystem $(EL2_GCC_INC) \
	-mgeneral-regs-only -mstrict-align -mbranch-protection=none -mno-outline-atomics \
	-fno-stack-protector -fno-pic -fno-pie -fno-common
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,--no-warn-rwx-segments

# ---------------------------------------------------------------- fragments
# Each fragment appends to these lists.
EL2_SRCS :=          # C and .S files linked into hyp.elf
HYP_HOST_SRCS :=     # hypervisor logic compiled for the host, plus the fake arch (unit tests)
HOSTLIB_SRCS :=      # the host library, $(O)/libhypscope.a (formats/, tracer/lib/)
TOOL_SRCS :=         # the rest of hypscope, main excluded (tui/, tracer/cmd_*.c)
TOOL_MAIN :=         # hypscope main
GUESTS :=            # names of test guests, built to $(O)/guests/NAME.elf

include hyp/build.mk
include formats/build.mk
-include gdbstub/build.mk
include tracer/lib/build.mk
include tracer/lib/kvm/build.mk
-include tui/build.mk
include tracer/build.mk
include tests/unit/build.mk
include tests/guests/build.mk
-include tests/bench/build.mk
-include tests/kvm/build.mk
-include tests/fuzz/build.mk # after every fragment: it rebuilds their sources with clang

# ---------------------------------------------------------------- deps
.PHONY: deps
deps:
	$(Q)scripts/deps.sh

$(LIBFDT64):
	$(Q)scripts/deps.sh

# ---------------------------------------------------------------- EL2 rules
EL2_OBJS := $(patsubst %,$(O)/el2/%.o,$(basename $(EL2_SRCS)))

$(O)/el2/%.o: %.c $(O)/el2/asm-offsets.h | $(LIBFDT64)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [EL2]  $<")
	$(Q)$(EL2_CC) $(EL2_CFLAGS) -I$(O)/el2 $(DEPFLAGS) -c $< -o $@

$(O)/el2/%.o: %.S $(O)/el2/asm-offsets.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS [EL2]  $<")
	$(Q)$(EL2_CC) $(EL2_CFLAGS) $(EL2_ASFLAGS) -I$(O)/el2 $(DEPFLAGS) -c $< -o $@

# Offsets for assembly are generated from the C structs.
$(O)/el2/asm-offsets.h: hyp/arch/aarch64/asm-offsets.c $(wildcard hyp/include/*.h hyp/arch/aarch64/include/*.h) | $(LIBFDT64)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN       $@")
	$(Q)$(EL2_CC) $(EL2_CFLAGS) -S $< -o $(O)/el2/asm-offsets.s
	$(Q)scripts/gen-asm-offsets.sh < $(O)/el2/asm-offsets.s > $@.tmp && mv $@.tmp $@

$(O)/hyp.elf: $(EL2_OBJS) hyp/arch/aarch64/hyp.ld $(LIBFDT64)
	@$(if $(Q),echo "  LD        $@")
	$(Q)$(EL2_CC) $(EL2_LDFLAGS) -T hyp/arch/aarch64/hyp.ld -o $@ $(EL2_OBJS) $(LIBFDT64) -lgcc

# ---------------------------------------------------------------- host rules
$(O)/host/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC        $<")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(O)/san/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [SAN]  $<")
	$(Q)$(HOST_CC) $(SAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

# The host library at the bottom; the live view and the commands link on it.
HOSTLIB_OBJS := $(patsubst %.c,$(O)/host/%.o,$(HOSTLIB_SRCS))
$(O)/libhypscope.a: $(HOSTLIB_OBJS)
	@$(if $(Q),echo "  AR        $@")
	$(Q)rm -f $@ && ar rcs $@ $^

TOOL_OBJS := $(patsubst %.c,$(O)/host/%.o,$(TOOL_MAIN) $(TOOL_SRCS))
$(O)/hypscope: $(TOOL_OBJS) $(O)/libhypscope.a
	@$(if $(Q),echo "  LD        $@")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)

# Everything that compiles for the host, sanitized, for the unit tests.
SAN_OBJS := $(patsubst %.c,$(O)/san/%.o,$(HOSTLIB_SRCS) $(TOOL_SRCS) $(HYP_HOST_SRCS))
$(O)/libhypscope-san.a: $(SAN_OBJS)
	@$(if $(Q),echo "  AR        $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- guests
GUEST_ELFS := $(patsubst %,$(O)/guests/%.elf,$(GUESTS))

# ---------------------------------------------------------------- top targets
.PHONY: all hyp tools guests linux-guest run check check-unit check-fuzz check-e2e bench clean
all: hyp tools guests
hyp: $(O)/hyp.elf
tools: $(O)/hypscope
guests: $(GUEST_ELFS)

# Debian's arm64 kernel and a busybox initramfs (downloaded once, cached).
linux-guest:
	$(Q)scripts/linux-guest.sh

# The main job: install what is missing, build, boot the demo guests with the
# live view; without a terminal, their consoles and the summary, then exit.
run: deps
	$(Q)$(MAKE) --no-print-directory all linux-guest
	$(Q)$(O)/hypscope run --top $(RUN_ARGS)

# The whole suite. Every stage runs even when an earlier one fails.
# The bench helpers (tests/bench/*.c) are built too, so that they keep compiling
# against the library while only `make bench` runs them.
check: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests fuzz-build linux-guest arm64 kvm-vmm $(BENCH_BINS)
	$(Q)scripts/check.sh

check-unit: unit-tests
	$(Q)scripts/check.sh unit

check-fuzz: fuzz-build
	$(Q)scripts/check.sh fuzz

check-e2e: all linux-guest arm64 kvm-vmm
	$(Q)scripts/check.sh e2e

# Benchmarks: every tests/bench/*.sh prints its figures; nothing is asserted.
# tests/bench/baseline.sh is not one: report_vs_babeltrace.sh calls it to
# build the host tools before issue 11's work into build/bench/base, once.
bench: deps
	$(Q)$(MAKE) --no-print-directory all linux-guest $(BENCH_BINS)
	$(Q)for b in tests/bench/*.sh; do [ "$$b" = tests/bench/baseline.sh ] && continue; \
		"$$b" || echo "bench: $$b failed"; done

# Long runs (scripts/soak.sh): SOAK_CHAOS chaos guests of 10^4 rounds each, SOAK_VMS VMIDs soaked.
SOAK_CHAOS ?= 100
SOAK_VMS   ?= 1000
.PHONY: soak
soak: all
	$(Q)scripts/soak.sh chaos $(SOAK_CHAOS); a=$$?; scripts/soak.sh vmid $(SOAK_VMS) && exit $$a

clean:
	$(Q)rm -rf $(O)/el2 $(O)/host $(O)/san $(O)/fuzz $(O)/guests $(O)/tests $(O)/*.elf $(O)/*.a $(O)/hypscope $(O)/bpf

-include $(shell find $(O) -name '*.d' -type f 2>/dev/null)

# ---------------------------------------------------------------- arm64 hypscope
# `make arm64`: a statically linked hypscope for arm64 hosts (the KVM
# collector's home), linked against Debian's arm64 static libraries that
# scripts/deps.sh unpacks into build/sysroot-arm64.
ARM64_CC     := $(CROSS_COMPILE)gcc
ARM64_LIBDIR := $(SYSROOT64)/usr/lib/aarch64-linux-gnu
ARM64_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -I$(O)/bpf -D_GNU_SOURCE -DHYP_HOST \
	-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 -isystem $(SYSROOT64)/usr/include
ARM64_LIBS   := -L$(ARM64_LIBDIR) -lbpf -lelf -lzstd -lz -lcapstone -lfdt -ldeflate -lncursesw -ltinfo \
	-lpthread -lm
ARM64_OBJS   := $(patsubst %.c,$(O)/arm64/obj/%.o,$(TOOL_MAIN) $(TOOL_SRCS) $(HOSTLIB_SRCS))

$(ARM64_LIBDIR)/libbpf.a:
	$(Q)scripts/deps.sh

$(O)/arm64/obj/%.o: %.c | $(ARM64_LIBDIR)/libbpf.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [A64]  $<")
	$(Q)$(ARM64_CC) $(ARM64_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(O)/arm64/obj/tracer/lib/kvm/kvm_collect.o: $(KVM_BPF_SKEL)

$(O)/arm64/hypscope: $(ARM64_OBJS)
	@$(if $(Q),echo "  LD [A64]  $@")
	$(Q)$(ARM64_CC) -static -o $@ $^ $(ARM64_LIBS)

.PHONY: arm64
arm64: $(O)/arm64/hypscope

# ---------------------------------------------------------------- install
# `make install PREFIX=/usr/local DESTDIR=...`: hypscope finds hyp.elf and
# the demo guests next to its binary, so they live together in
# $(PREFIX)/lib/hypscope and $(PREFIX)/bin/hypscope links there (the binary
# resolves /proc/self/exe). Man pages, a bash completion. `make uninstall`
# removes what install put in place.
PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL_LIB  := $(DESTDIR)$(PREFIX)/lib/hypscope
INSTALL_BIN  := $(DESTDIR)$(PREFIX)/bin
INSTALL_MAN  := $(DESTDIR)$(PREFIX)/share/man/man1
INSTALL_COMP := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

.PHONY: install uninstall
install: all
	@echo "  INSTALL   $(DESTDIR)$(PREFIX)"
	$(Q)install -d $(INSTALL_LIB)/guests $(INSTALL_BIN) $(INSTALL_MAN) $(INSTALL_COMP)
	$(Q)install -m 755 $(O)/hypscope $(INSTALL_LIB)/hypscope
	$(Q)install -m 644 $(O)/hyp.elf $(INSTALL_LIB)/hyp.elf
	$(Q)install -m 644 $(GUEST_ELFS) $(INSTALL_LIB)/guests/
	$(Q)if [ -f $(O)/linux/Image ] && [ -f $(O)/linux/initramfs.cpio ]; then \
		install -d $(INSTALL_LIB)/linux && \
		install -m 644 $(O)/linux/Image $(O)/linux/initramfs.cpio $(INSTALL_LIB)/linux/; \
	fi
	$(Q)ln -sfn ../lib/hypscope/hypscope $(INSTALL_BIN)/hypscope
	$(Q)install -m 644 man/*.1 $(INSTALL_MAN)/
	$(Q)install -m 644 scripts/completion/hypscope $(INSTALL_COMP)/hypscope

uninstall:
	@echo "  UNINSTALL $(DESTDIR)$(PREFIX)"
	$(Q)rm -f $(INSTALL_BIN)/hypscope $(INSTALL_COMP)/hypscope
	$(Q)rm -f $(addprefix $(INSTALL_MAN)/,$(notdir $(wildcard man/*.1)))
	$(Q)rm -rf $(INSTALL_LIB)
