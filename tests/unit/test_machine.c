/* tracer/lib/machine.c: staging layout, control block, RAM size, QEMU argv. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/lib/machine.h"

static void assert_msg_has(const struct hs_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("message '%s' does not contain '%s'", e->msg, needle);
}

static size_t argv_len(char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	return n;
}

/* How many times "-device" is followed by exactly @value. */
static int count_device(char **argv, const char *value)
{
	int n = 0;
	size_t i;

	for (i = 0; argv[i] && argv[i + 1]; i++)
		n += !strcmp(argv[i], "-device") && !strcmp(argv[i + 1], value);
	return n;
}

static int count_prefix(char **argv, const char *prefix)
{
	int n = 0;
	size_t i;

	for (i = 0; argv[i]; i++)
		n += !strncmp(argv[i], prefix, strlen(prefix));
	return n;
}

static void demo_machine(struct machine *m)
{
	machine_init(m);
	m->qemu = "/usr/bin/qemu-system-aarch64";
	m->hyp = "/b/hyp.elf";
	m->cpu_model = "max";
	m->cfg_file = "/tmp/hs/hypcfg.bin";
	m->shm_path = "/dev/shm/hypscope-42.ram";
	m->cpus = 2;
	m->ram_size = 1ull << 30;
}

static void test_argv_is_the_documented_command_line(void **state)
{
	static const char *const expect[] = {
		"/usr/bin/qemu-system-aarch64",
		"-M", "virt,virtualization=on,gic-version=3",
		"-cpu", "max",
		"-smp", "2",
		"-m", "1024M",
		"-nographic", "-no-reboot", "-nic", "none",
		"-serial", "stdio", "-serial", "null", "-monitor", "none",
		"-kernel", "/b/hyp.elf",
		"-device", "loader,file=/tmp/hs/hypcfg.bin,addr=0x41000000,force-raw=on",
		"-device", "loader,file=/tmp/hs/demo0.flat,addr=0x44000000,force-raw=on",
		"-device", "loader,file=/k/rootfs.cpio,addr=0x44200000,force-raw=on",
		"-object",
		"memory-backend-file,id=ram0,size=1024M,mem-path=/dev/shm/hypscope-42.ram,share=on",
		"-machine", "memory-backend=ram0",
	};
	struct machine m;
	struct hs_err e;
	uint64_t pa;
	char **argv;
	size_t i;

	(void)state;
	demo_machine(&m);
	assert_int_equal(machine_stage(&m, "/tmp/hs/demo0.flat", 0x12345, &pa, &e), 0);
	assert_int_equal(machine_stage(&m, "/k/rootfs.cpio", 100, &pa, &e), 0);
	argv = machine_argv(&m);
	assert_non_null(argv);
	assert_int_equal(argv_len(argv), sizeof(expect) / sizeof(expect[0]));
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		assert_string_equal(argv[i], expect[i]);
	assert_null(argv[i]);
	machine_argv_free(argv);
	machine_destroy(&m);
}

static void test_argv_has_exactly_one_config_loader_at_0x41000000(void **state)
{
	struct machine m;
	struct hs_err e;
	uint64_t pa;
	char **argv;
	int i;

	(void)state;
	demo_machine(&m);
	for (i = 0; i < 4; i++) {
		char f[32];

		snprintf(f, sizeof(f), "/tmp/vm%d.bin", i);
		assert_int_equal(machine_stage(&m, f, 4096, &pa, &e), 0);
	}
	argv = machine_argv(&m);
	assert_non_null(argv);
	assert_int_equal(count_device(argv, "loader,file=/tmp/hs/hypcfg.bin,addr=0x41000000,"
					    "force-raw=on"),
			 1);
	assert_int_equal(count_prefix(argv, "loader,"), 5);
	assert_int_equal(count_prefix(argv, "loader,file=/tmp/hs/hypcfg.bin,"), 1);
	assert_int_equal(count_device(argv, "loader,file=/tmp/vm3.bin,addr=0x44600000,"
					    "force-raw=on"),
			 1);
	machine_argv_free(argv);
	machine_destroy(&m);
}

static int serial_args(char **argv, const char **second)
{
	int n = 0;

	for (size_t i = 0; argv[i] && argv[i + 1]; i++) {
		if (strcmp(argv[i], "-serial"))
			continue;
		if (n == 1)
			*second = argv[i + 1];
		n++;
	}
	return n;
}

static void test_gdb_stub_gets_the_second_serial_port(void **state)
{
	struct machine m;
	const char *second = NULL;
	char **argv;

	(void)state;
	demo_machine(&m);
	argv = machine_argv(&m);
	assert_int_equal(serial_args(argv, &second), 2);
	assert_string_equal(second, "null");
	machine_argv_free(argv);
	m.gdb_serial = "tcp:127.0.0.1:1234,server=on,wait=off,nodelay=on";
	argv = machine_argv(&m);
	assert_int_equal(serial_args(argv, &second), 2);
	assert_string_equal(second, "tcp:127.0.0.1:1234,server=on,wait=off,nodelay=on");
	machine_argv_free(argv);
	machine_destroy(&m);
}

/* The value of the first "-M" (NULL when there is none). */
static const char *machine_opt(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "-M"))
			return argv[i + 1];
	return NULL;
}

static void test_mte_turns_on_the_boards_tag_memory(void **state)
{
	struct machine m;
	char **argv;

	(void)state;
	demo_machine(&m);
	argv = machine_argv(&m);
	assert_string_equal(machine_opt(argv), "virt,virtualization=on,gic-version=3");
	machine_argv_free(argv);
	m.mte = true;
	argv = machine_argv(&m);
	assert_string_equal(machine_opt(argv), "virt,virtualization=on,gic-version=3,mte=on");
	machine_argv_free(argv);
	machine_destroy(&m);
}

static void test_commas_in_paths_are_doubled_for_qemu(void **state)
{
	struct machine m;
	struct hs_err e;
	uint64_t pa;
	char **argv;

	(void)state;
	demo_machine(&m);
	m.cfg_file = "/tmp/a,b/hypcfg.bin";
	m.shm_path = "/dev/shm/x,y.ram";
	assert_int_equal(machine_stage(&m, "/g,1.bin", 10, &pa, &e), 0);
	argv = machine_argv(&m);
	assert_non_null(argv);
	assert_int_equal(count_device(argv, "loader,file=/tmp/a,,b/hypcfg.bin,addr=0x41000000,"
					    "force-raw=on"),
			 1);
	assert_int_equal(count_device(argv, "loader,file=/g,,1.bin,addr=0x44000000,force-raw=on"),
			 1);
	assert_int_equal(count_prefix(argv, "memory-backend-file,id=ram0,size=1024M,"
					     "mem-path=/dev/shm/x,,y.ram,share=on"),
			 1);
	machine_argv_free(argv);
	machine_destroy(&m);

	{
		char *s = qemu_opt_escape(",a,,b,");

		assert_string_equal(s, ",,a,,,,b,,");
		free(s);
	}
}

/* A small deterministic generator, so a failure reproduces. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_staging_is_2m_aligned_and_never_overlaps(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, sizes[MACHINE_MAX_BLOBS], pas[MACHINE_MAX_BLOBS];
	struct machine m;
	struct hs_err e;
	int round;
	size_t i, j;

	(void)state;
	for (round = 0; round < 200; round++) {
		machine_init(&m);
		for (i = 0; i < MACHINE_MAX_BLOBS; i++) {
			char f[32];

			/* around the 2 MiB boundary half the time */
			sizes[i] = (next_rand(&seed) & 1) ?
					   STAGING_ALIGN + (next_rand(&seed) % 3) - 1 :
					   1 + next_rand(&seed) % (48ull << 20);
			snprintf(f, sizeof(f), "/f%zu", i);
			assert_int_equal(machine_stage(&m, f, sizes[i], &pas[i], &e), 0);
			assert_int_equal(pas[i] % STAGING_ALIGN, 0);
			assert_true(pas[i] >= HYP_STAGING_PA);
			assert_int_equal(m.blobs[i].pa, pas[i]);
		}
		for (i = 0; i < MACHINE_MAX_BLOBS; i++) {
			assert_true(pas[i] + sizes[i] <= m.staging_end);
			for (j = 0; j < i; j++)
				assert_true(pas[i] >= pas[j] + sizes[j] ||
					    pas[j] >= pas[i] + sizes[i]);
		}
		machine_destroy(&m);
	}
}

static void test_same_file_is_staged_once(void **state)
{
	uint64_t a, b, c;
	struct machine m;
	struct hs_err e;
	char **argv;

	(void)state;
	demo_machine(&m);
	assert_int_equal(machine_stage(&m, "/g.bin", 5000, &a, &e), 0);
	assert_int_equal(machine_stage(&m, "/h.bin", 5000, &b, &e), 0);
	assert_int_equal(machine_stage(&m, "/g.bin", 5000, &c, &e), 0);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	assert_int_equal(m.nr_blobs, 2);
	argv = machine_argv(&m);
	assert_int_equal(count_prefix(argv, "loader,file=/g.bin,"), 1);
	machine_argv_free(argv);
	machine_destroy(&m);
	machine_destroy(NULL);
}

/* A VM's RAM loaded in place: each file where it is asked, the same file as often. */
static void test_files_are_placed_in_a_reserved_region_never_shared(void **state)
{
	struct machine m;
	struct hs_err e;
	uint64_t ram;
	char **argv;

	(void)state;
	demo_machine(&m);
	ram = machine_reserve(&m, 64ull << 20);
	assert_int_equal(ram % STAGING_ALIGN, 0);
	assert_int_equal(m.staging_end, ram + (64ull << 20));
	assert_int_equal(machine_place(&m, "/Image", 5000, ram, &e), 0);
	assert_int_equal(machine_place(&m, "/initrd", 100, ram + 0x2000, &e), 0);
	assert_int_equal(machine_place(&m, "/Image", 5000, ram + 0x100000, &e), 0);
	assert_int_equal(m.nr_blobs, 3);
	/* nothing past what was reserved, nothing empty */
	assert_int_equal(machine_place(&m, "/big", 0x1001, m.staging_end - 0x1000, &e), -E2BIG);
	assert_msg_has(&e, "/big does not fit");
	assert_int_equal(machine_place(&m, "/empty", 0, ram, &e), -EINVAL);
	assert_int_equal(m.nr_blobs, 3);
	argv = machine_argv(&m);
	assert_int_equal(count_prefix(argv, "loader,file=/Image,"), 2);
	assert_int_equal(count_prefix(argv, "loader,file=/initrd,"), 1);
	machine_argv_free(argv);
	machine_destroy(&m);
}

static void test_staging_refuses_too_many_and_empty_files(void **state)
{
	struct machine m;
	struct hs_err e;
	uint64_t pa;
	size_t i;

	(void)state;
	machine_init(&m);
	for (i = 0; i < MACHINE_MAX_BLOBS; i++) {
		char f[32];

		snprintf(f, sizeof(f), "/f%zu", i);
		assert_int_equal(machine_stage(&m, f, 1, &pa, &e), 0);
	}
	assert_int_equal(machine_stage(&m, "/one-more", 1, &pa, &e), -E2BIG);
	assert_msg_has(&e, "too many files to stage");
	assert_int_equal(machine_stage(&m, "/f0", 1, &pa, &e), 0); /* already there */
	machine_destroy(&m);

	machine_init(&m);
	assert_int_equal(machine_stage(&m, "/empty", 0, &pa, &e), -EINVAL);
	assert_msg_has(&e, "/empty is empty");
	assert_int_equal(m.nr_blobs, 0);
	machine_destroy(&m);
}

static void test_ram_covers_layout_and_guests_and_is_at_least_1g(void **state)
{
	uint64_t ram, need, staging_end;

	(void)state;
	/* the demo: two 2 MiB blobs, two 64M guests */
	ram = machine_ram_size(HYP_STAGING_PA + (4ull << 20), 128ull << 20);
	assert_int_equal(ram, 1ull << 30);

	staging_end = HYP_STAGING_PA + (100ull << 20);
	need = staging_end - HYP_RAM_BASE + (1ull << 30) + MACHINE_RAM_SLACK;
	ram = machine_ram_size(staging_end, 1ull << 30);
	assert_true(ram >= need);
	assert_int_equal(ram, 2ull << 30);

	/* just below and just above a power of two */
	staging_end = HYP_STAGING_PA;
	need = (2ull << 30) - (staging_end - HYP_RAM_BASE) - MACHINE_RAM_SLACK;
	assert_int_equal(machine_ram_size(staging_end, need), 2ull << 30);
	assert_int_equal(machine_ram_size(staging_end, need + 1), 4ull << 30);

	/* above 4 GiB: whole GiB, not the next power of two */
	ram = machine_ram_size(HYP_STAGING_PA, 8 * (4ull << 30));
	assert_true(ram >= 8 * (4ull << 30) + 0x4000000 + MACHINE_RAM_SLACK);
	assert_int_equal(ram % (1ull << 30), 0);
	assert_true(ram < 34ull << 30);
}

static void make_exec(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_qemu_is_found_by_option_env_then_path(void **state)
{
	char dir[] = "/tmp/test_machine-XXXXXX", sub[64], bin[96], other[96], path[256],
	     out[256];
	struct hs_err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/bin", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(bin, sizeof(bin), "%s/qemu-system-aarch64", sub);
	snprintf(other, sizeof(other), "%s/my-qemu", dir);
	make_exec(bin);
	make_exec(other);
	snprintf(path, sizeof(path), "/nonexistent:%s:/usr/bin", sub);

	assert_int_equal(machine_find_qemu(NULL, NULL, path, out, sizeof(out), &e), 0);
	assert_string_equal(out, bin);
	assert_int_equal(machine_find_qemu(NULL, other, path, out, sizeof(out), &e), 0);
	assert_string_equal(out, other);
	assert_int_equal(machine_find_qemu(other, "/nonexistent/q", path, out, sizeof(out), &e), 0);
	assert_string_equal(out, other);
	assert_int_equal(machine_find_qemu(NULL, "", path, out, sizeof(out), &e), 0);
	assert_string_equal(out, bin);

	assert_int_equal(machine_find_qemu(NULL, NULL, "/nonexistent", out, sizeof(out), &e),
			 -ENOENT);
	assert_msg_has(&e, "qemu-system-aarch64 not found in PATH: install the Debian package "
			   "qemu-system-arm");
	assert_int_equal(machine_find_qemu("/nonexistent/q", NULL, path, out, sizeof(out), &e),
			 -ENOENT);
	assert_msg_has(&e, "--qemu /nonexistent/q is not an executable file");
	assert_int_equal(machine_find_qemu(NULL, "nope-qemu", path, out, sizeof(out), &e), -ENOENT);
	assert_msg_has(&e, "HYPSCOPE_QEMU=nope-qemu: not found in PATH");

	/* not executable: skipped */
	assert_int_equal(chmod(bin, 0644), 0);
	assert_int_equal(machine_find_qemu(NULL, NULL, sub, out, sizeof(out), &e), -ENOENT);

	unlink(bin);
	unlink(other);
	rmdir(sub);
	rmdir(dir);
}

static void test_control_block_describes_each_vm(void **state)
{
	struct vmspec spec;
	struct image img = {
		.kind = HYPCFG_IMAGE_LINUX,
		.size = 0x1000,
		.load_ipa = 0x40080000,
		.entry_ipa = 0x40080000,
		.span = 0x300000,
	};
	struct hypcfg cfg;
	struct hs_err e;
	unsigned int i;

	(void)state;
	hypcfg_init(&cfg, 4, 2000);
	assert_int_equal(cfg.magic, HYPCFG_MAGIC);
	assert_int_equal(cfg.version, HYPCFG_VERSION);
	assert_int_equal(cfg.size, sizeof(cfg));
	assert_int_equal(cfg.status_pa, HYPSTAT_PA);
	assert_int_equal(cfg.trace_mode, HYPCFG_TRACE_OFF);
	assert_int_equal(cfg.trace_pa, 0);
	assert_int_equal(cfg.vmid_bits, 4);
	assert_int_equal(cfg.slice_us, 2000);

	assert_int_equal(vmspec_parse("Image:vcpus=3,mem=128M,instances=5,name=lx,cmdline=quiet",
				      0, &spec, &e),
			 0);
	assert_int_equal(hypcfg_add_vm(&cfg, &spec, &img, 0, 0x44000000, 0x44200000, 777, &e), 0);
	assert_int_equal(cfg.nr_vms, 1);
	assert_string_equal(cfg.vms[0].name, "lx");
	assert_string_equal(cfg.vms[0].cmdline, "quiet");
	assert_int_equal(cfg.vms[0].image_pa, 0x44000000);
	assert_int_equal(cfg.vms[0].image_size, 0x1000);
	assert_int_equal(cfg.vms[0].load_ipa, 0x40080000);
	assert_int_equal(cfg.vms[0].entry_ipa, 0x40080000);
	assert_int_equal(cfg.vms[0].image_span, 0x300000);
	assert_int_equal(cfg.vms[0].initrd_pa, 0x44200000);
	assert_int_equal(cfg.vms[0].initrd_size, 777);
	assert_int_equal(cfg.vms[0].mem_size, 128ull << 20);
	assert_int_equal(cfg.vms[0].nr_vcpus, 3);
	assert_int_equal(cfg.vms[0].kind, HYPCFG_IMAGE_LINUX);
	assert_int_equal(cfg.vms[0].instances, 5);

	/* no initrd: its address is 0 whatever was passed */
	assert_int_equal(hypcfg_add_vm(&cfg, &spec, &img, 0, 0x44000000, 0x44200000, 0, &e), 0);
	assert_int_equal(cfg.vms[1].initrd_pa, 0);

	for (i = 2; i < HYPCFG_MAX_VMS; i++)
		assert_int_equal(hypcfg_add_vm(&cfg, &spec, &img, 0, 0, 0, 0, &e), 0);
	assert_int_equal(hypcfg_add_vm(&cfg, &spec, &img, 0, 0, 0, 0, &e), -E2BIG);
	assert_int_equal(cfg.nr_vms, HYPCFG_MAX_VMS);
}

static void test_printed_command_line_is_shell_quoted(void **state)
{
	char *argv[] = { "/usr/bin/qemu", "-kernel", "/a b/hyp.elf", "it's", "", "x=1,y", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	machine_print_cmdline(f, argv);
	fclose(f);
	assert_string_equal(buf, "/usr/bin/qemu -kernel '/a b/hyp.elf' 'it'\\''s' '' x=1,y\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_is_the_documented_command_line),
		cmocka_unit_test(test_argv_has_exactly_one_config_loader_at_0x41000000),
		cmocka_unit_test(test_commas_in_paths_are_doubled_for_qemu),
		cmocka_unit_test(test_staging_is_2m_aligned_and_never_overlaps),
		cmocka_unit_test(test_same_file_is_staged_once),
		cmocka_unit_test(test_files_are_placed_in_a_reserved_region_never_shared),
		cmocka_unit_test(test_staging_refuses_too_many_and_empty_files),
		cmocka_unit_test(test_ram_covers_layout_and_guests_and_is_at_least_1g),
		cmocka_unit_test(test_qemu_is_found_by_option_env_then_path),
		cmocka_unit_test(test_control_block_describes_each_vm),
		cmocka_unit_test(test_printed_command_line_is_shell_quoted),
		cmocka_unit_test(test_gdb_stub_gets_the_second_serial_port),
		cmocka_unit_test(test_mte_turns_on_the_boards_tag_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
