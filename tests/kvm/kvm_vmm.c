/*
 * kvm_vmm: the smallest VMM the KVM collector's tests need, on raw KVM
 * ioctls (arm64 only). VMS VMs of VCPUS vCPUs each run tests/kvm/guest.S:
 * N hypercalls, N trapped system register reads, a busy loop, N MMIO stores.
 * Each vCPU runs on its own thread and stops after its Nth MMIO exit.
 *
 *   kvm_vmm [-m VMS] [-c VCPUS] [-n N] [-s SPIN]
 *
 * Prints one line per vCPU with the exits it saw in user space, then
 * "kvm_vmm: ... S s" (wall time of the runs, for overhead figures), and
 * exits 0 when every vCPU made exactly N MMIO stores with the values the
 * guest counts down.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_RAM_IPA  0x40000000ull
#define GUEST_RAM_SIZE 0x10000ull
#define GUEST_MMIO_IPA 0x10000000ull /* outside the memory slot: a stage-2 fault */
#define MAX_VMS        8
#define MAX_VCPUS      8

extern const uint8_t kvm_guest_start[], kvm_guest_end[];

struct vcpu {
	int vm, id, fd;
	struct kvm_run *run;
	pthread_t thread;
	unsigned long mmio, other;
	int failed;
	char why[128];
};

static int kvm_fd;
static size_t run_size;
static unsigned long n_exits = 100, spin;

#define CORE_REG(x) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, x) / 4))

static void die(const char *what)
{
	fprintf(stderr, "kvm_vmm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void set_reg(int fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	if (ioctl(fd, KVM_SET_ONE_REG, &r))
		die("KVM_SET_ONE_REG");
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	uint32_t want, got;

	while (v->mmio < n_exits) {
		if (ioctl(v->fd, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(v->why, sizeof(v->why), "KVM_RUN: %s", strerror(errno));
			v->failed = 1;
			return NULL;
		}
		if (v->run->exit_reason != KVM_EXIT_MMIO) {
			v->other++;
			snprintf(v->why, sizeof(v->why), "unexpected exit reason %u",
				 v->run->exit_reason);
			v->failed = 1;
			return NULL;
		}
		want = (uint32_t)(n_exits - v->mmio);
		memcpy(&got, v->run->mmio.data, sizeof(got));
		if (!v->run->mmio.is_write || v->run->mmio.phys_addr != GUEST_MMIO_IPA ||
		    v->run->mmio.len != 4 || got != want) {
			snprintf(v->why, sizeof(v->why),
				 "MMIO %s of %u bytes at 0x%llx value %u, expected a 4-byte store "
				 "of %u at 0x%llx",
				 v->run->mmio.is_write ? "store" : "load", v->run->mmio.len,
				 (unsigned long long)v->run->mmio.phys_addr, got, want,
				 GUEST_MMIO_IPA);
			v->failed = 1;
			return NULL;
		}
		v->mmio++;
	}
	return NULL;
}

static void create_vm(int vm, int nr_vcpus, struct vcpu *vcpus)
{
	struct kvm_userspace_memory_region region;
	struct kvm_vcpu_init init;
	void *ram;
	int vm_fd, i;

	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest RAM");
	memcpy(ram, kvm_guest_start, (size_t)(kvm_guest_end - kvm_guest_start));
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = GUEST_RAM_IPA,
		.memory_size = GUEST_RAM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)ram,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init))
		die("KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	for (i = 0; i < nr_vcpus; i++) {
		struct vcpu *v = &vcpus[i];

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU");
		if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init))
			die("KVM_ARM_VCPU_INIT");
		v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap kvm_run");
		set_reg(v->fd, CORE_REG(regs.pc), GUEST_RAM_IPA);
		set_reg(v->fd, CORE_REG(regs.regs[19]), n_exits);
		set_reg(v->fd, CORE_REG(regs.regs[21]), GUEST_MMIO_IPA);
		set_reg(v->fd, CORE_REG(regs.regs[22]), spin);
	}
}

static unsigned long number(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "kvm_vmm: '%s' is not a number from %lu to %lu\n", s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct vcpu vcpus[MAX_VMS][MAX_VCPUS];
	struct timespec t0, t1;
	int nr_vms = 2, nr_vcpus = 2, opt, vm, i, failed = 0;

	while ((opt = getopt(argc, argv, "m:c:n:s:h")) != -1) {
		switch (opt) {
		case 'm':
			nr_vms = (int)number(optarg, 1, MAX_VMS);
			break;
		case 'c':
			nr_vcpus = (int)number(optarg, 1, MAX_VCPUS);
			break;
		case 'n':
			n_exits = number(optarg, 1, 100000000);
			break;
		case 's':
			spin = number(optarg, 0, 1ul << 40);
			break;
		default:
			fprintf(stderr, "usage: kvm_vmm [-m VMS] [-c VCPUS] [-n N] [-s SPIN]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("/dev/kvm");
	run_size = (size_t)ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	for (vm = 0; vm < nr_vms; vm++)
		create_vm(vm, nr_vcpus, vcpus[vm]);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (vm = 0; vm < nr_vms; vm++)
		for (i = 0; i < nr_vcpus; i++)
			if (pthread_create(&vcpus[vm][i].thread, NULL, vcpu_thread, &vcpus[vm][i]))
				die("pthread_create");
	for (vm = 0; vm < nr_vms; vm++)
		for (i = 0; i < nr_vcpus; i++)
			pthread_join(vcpus[vm][i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (vm = 0; vm < nr_vms; vm++) {
		for (i = 0; i < nr_vcpus; i++) {
			struct vcpu *v = &vcpus[vm][i];

			printf("kvm_vmm: pid %d vm%d vcpu%d: %lu MMIO exits%s%s\n", (int)getpid(), vm,
			       i, v->mmio, v->failed ? ", FAILED: " : "", v->failed ? v->why : "");
			failed |= v->failed;
		}
	}
	printf("kvm_vmm: %d VMs x %d vCPUs x %lu of each exit: %.3f s\n", nr_vms, nr_vcpus, n_exits,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return failed;
}
