# tests/kvm/: the KVM collector's test VMM (static arm64) and its initramfs.
KVM_VMM := $(O)/arm64/kvm_vmm

$(KVM_VMM): tests/kvm/kvm_vmm.c tests/kvm/guest.S
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD [A64]  $@")
	$(Q)$(CROSS_COMPILE)gcc -std=gnu11 $(WARN) -O2 -static -o $@ tests/kvm/kvm_vmm.c tests/kvm/guest.S -lpthread

.PHONY: kvm-vmm
kvm-vmm: $(KVM_VMM)
