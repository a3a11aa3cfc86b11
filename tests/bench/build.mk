# tests/bench/: benchmark helpers for `make bench` (figures are printed, never
# asserted). Every tests/bench/<name>.c is one host program, linked with the
# optimised (uninstrumented) hypscope library like the tool itself.
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(O)/tests/bench/%,$(BENCH_SRCS))

$(O)/tests/bench/%: tests/bench/%.c $(O)/libhypscope.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC        $@")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(DEPFLAGS) -o $@ $< $(O)/libhypscope.a $(HOST_LIBS)
