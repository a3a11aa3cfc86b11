# tests/unit/: one cmocka program per module, tests/unit/test_<module>.c.
# Each links the sanitized host build of everything (formats, hypervisor logic
# with the fake arch, tracer, tui); the linker takes only what it uses.
UNIT_TEST_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS     := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_TEST_SRCS))

$(O)/tests/unit/%: tests/unit/%.c $(O)/libhypscope-san.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST      $@")
	$(Q)$(HOST_CC) $(SAN_CFLAGS) $(DEPFLAGS) -o $@ $< $(O)/libhypscope-san.a -lcmocka $(HOST_LIBS)

.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)
