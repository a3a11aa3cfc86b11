# tracer/lib/kvm/: the KVM host collector. kvm_host.bpf.c is compiled with
# clang -target bpf (CO-RE: kernel types from kvm_types.h, no kernel BTF
# needed to build) and embedded in hypscope as a bpftool skeleton. The
# libbpf program macros pass ctx to every program: unused parameters are fine.
BPF_CLANG ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip

KVM_BPF_OBJ  := $(O)/bpf/kvm_host.bpf.o
KVM_BPF_SKEL := $(O)/bpf/kvm_host.skel.h

HOSTLIB_SRCS += $(filter-out %.bpf.c,$(wildcard tracer/lib/kvm/*.c))
HOST_CFLAGS += -I$(O)/bpf
SAN_CFLAGS  += -I$(O)/bpf
HOST_LIBS   += -lbpf -lz

$(KVM_BPF_OBJ): tracer/lib/kvm/kvm_host.bpf.c tracer/lib/kvm/kvm_host.h tracer/lib/kvm/kvm_types.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BPF       $<")
	$(Q)$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_arm64 -I. $(WARN) -Wno-unused-parameter -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(KVM_BPF_SKEL): $(KVM_BPF_OBJ)
	@$(if $(Q),echo "  SKEL      $@")
	$(Q)$(BPFTOOL) gen skeleton $< name kvm_host_bpf > $@.tmp && mv $@.tmp $@

$(O)/host/tracer/lib/kvm/kvm_collect.o $(O)/san/tracer/lib/kvm/kvm_collect.o: $(KVM_BPF_SKEL)
