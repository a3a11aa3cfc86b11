# tests/fuzz/: libFuzzer harnesses. Each tests/fuzz/fuzz_NAME.c is one harness,
# built to $(O)/fuzz/fuzz_NAME, with its seed corpus in tests/fuzz/corpus/NAME/.
#
#   make fuzz FUZZ_SECONDS=N   run each harness for N seconds (new inputs go to
#                              $(O)/fuzz/corpus/NAME/, crashes to $(O)/fuzz/crashes/)
#   make check-fuzz            run each over its committed corpus (make check does)
#
# Everything the harnesses exercise is compiled again with clang: gcc's ASan
# objects do not link with clang's fuzzer runtime.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 $(WARN) -O1 -g -I. -I$(O)/bpf $(HYP_HOST_INC) -D_GNU_SOURCE -DHYP_HOST -DHYP_FUZZ $(FUZZ_SAN) \
	$(shell pkg-config --cflags ncursesw 2>/dev/null)

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst %.c,$(O)/fuzz/obj/%.o,$(HOSTLIB_SRCS) $(TOOL_SRCS) $(HYP_HOST_SRCS))

$(O)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [FUZZ] $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

# generated headers the host sources include (tracer/lib/kvm/build.mk)
ifdef KVM_BPF_SKEL
$(O)/fuzz/obj/tracer/lib/kvm/kvm_collect.o: $(KVM_BPF_SKEL)
endif

$(O)/libhypscope-fuzz.a: $(FUZZ_OBJS)
	@$(if $(Q),echo "  AR        $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(O)/libhypscope-fuzz.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) -o $@ $< \
		$(O)/libhypscope-fuzz.a $(HOST_LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)scripts/fuzz.sh run $(FUZZ_SECONDS)
