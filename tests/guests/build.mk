# tests/guests/: bare-metal EL1 test guests and their tiny runtime (lib/).
# Every tests/guests/<name>.c is one guest, linked with the runtime.
GUEST_LIB_SRCS := $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst %,$(O)/guests/obj/%.o,$(basename $(GUEST_LIB_SRCS)))
GUESTS += $(patsubst tests/guests/%.c,%,$(wildcard tests/guests/*.c))

$(O)/guests/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [EL1]  $<")
	$(Q)$(EL2_CC) $(GUEST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(O)/guests/obj/%.o: %.S
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS [EL1]  $<")
	$(Q)$(EL2_CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ $(DEPFLAGS) -c $< -o $@

$(O)/guests/%.elf: $(O)/guests/obj/tests/guests/%.o $(GUEST_LIB_OBJS) tests/guests/lib/guest.ld
	@$(if $(Q),echo "  LD [EL1]  $@")
	$(Q)$(EL2_CC) $(GUEST_LDFLAGS) -T tests/guests/lib/guest.ld -o $@ $(filter %.o,$^) -lgcc

# Keep the objects: they are only reached through pattern rules, so make
# would otherwise delete them as intermediates and rebuild them every time.
.SECONDARY: $(GUEST_LIB_OBJS) $(patsubst tests/guests/%.c,$(O)/guests/obj/tests/guests/%.o,$(wildcard tests/guests/*.c))

# The MTE guest uses the tag instructions (IRG, STG, LDG): Armv8.5 with memtag.
$(O)/guests/obj/tests/guests/mte.o: GUEST_CFLAGS += -march=armv8.5-a+memtag
