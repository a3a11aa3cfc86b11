/* tracer/lib/hypstat.c: reading, judging and summarising the status block. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/lib/hypstat.h"

static void assert_msg_has(const char *msg, const char *needle)
{
	if (!strstr(msg, needle))
		fail_msg("'%s' does not contain '%s'", msg, needle);
}

static void assert_msg_lacks(const char *msg, const char *needle)
{
	if (strstr(msg, needle))
		fail_msg("'%s' should not contain '%s'", msg, needle);
}

/* A finished run of two VMs, both powered off; VM 1 ran two instances. */
static void good_run(struct hypstat *st, struct hypcfg *cfg)
{
	memset(st, 0, sizeof(*st));
	memset(cfg, 0, sizeof(*cfg));
	st->magic = HYPSTAT_MAGIC;
	st->version = HYPCFG_VERSION;
	st->size = sizeof(*st);
	st->state = HYPSTAT_DONE;
	st->nr_cpus = 2;
	st->cntfrq = 1000;
	st->vmid_bits = 4;
	st->vmid_generation = 7;
	st->vmid_rollovers = 3;
	st->vms_created = 3;

	cfg->nr_vms = 2;
	strcpy(cfg->vms[0].name, "demo0");
	cfg->vms[0].instances = 1;
	cfg->vms[0].nr_vcpus = 2;
	strcpy(cfg->vms[1].name, "demo1");
	cfg->vms[1].instances = 2;
	cfg->vms[1].nr_vcpus = 1;

	st->vms[0].state = HYPSTAT_VM_OFF;
	st->vms[0].nr_vcpus = 2;
	st->vms[0].vmid = 1;
	st->vms[0].instances_started = 1;
	st->vms[0].vcpus[0].exits[0x16] = 12;
	st->vms[0].vcpus[0].exits[HYP_EXIT_IRQ] = 1500;
	st->vms[0].vcpus[0].guest_ticks = 2500;
	st->vms[0].vcpus[1].pcpu = 1;
	st->vms[0].vcpus[1].exits[0x0b] = 4; /* an unallocated class */
	st->vms[1].state = HYPSTAT_VM_EXITED;
	st->vms[1].exit_status = 0;
	st->vms[1].nr_vcpus = 1;
	st->vms[1].instances_started = 2;
}

/* A RAM file with @st at the status block's offset and zeros elsewhere. */
static void write_ram_file(char *path, const struct hypstat *st, off_t size)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	if (st)
		assert_int_equal(pwrite(fd, st, sizeof(*st), (off_t)HYPSTAT_FILE_OFFSET),
				 (ssize_t)sizeof(*st));
	close(fd);
}

static void test_status_is_read_at_its_offset_in_the_ram_file(void **state)
{
	char path[] = "/tmp/test_hypstat-XXXXXX";
	struct hypstat st, got;
	struct hypcfg cfg;
	struct hs_err e;

	(void)state;
	assert_int_equal(HYPSTAT_FILE_OFFSET, 0x1010000);
	good_run(&st, &cfg);
	write_ram_file(path, &st, 64 << 20);
	assert_int_equal(hypstat_read_file(path, &got, &e), 0);
	assert_memory_equal(&got, &st, sizeof(st));
	unlink(path);

	assert_int_equal(hypstat_read_file(path, &got, &e), -ENOENT);
	assert_msg_has(e.msg, "cannot open the RAM file /tmp/test_hypstat-");
}

static void test_short_or_unwritten_ram_file_is_reported(void **state)
{
	char path[] = "/tmp/test_hypstat-XXXXXX";
	char path2[] = "/tmp/test_hypstat-XXXXXX";
	struct hypstat got;
	struct hs_err e;

	(void)state;
	write_ram_file(path, NULL, HYPSTAT_FILE_OFFSET + 16);
	assert_int_equal(hypstat_read_file(path, &got, &e), -EINVAL);
	assert_msg_has(e.msg, "too short for the status block");
	unlink(path);

	write_ram_file(path2, NULL, 64 << 20);
	assert_int_equal(hypstat_read_file(path2, &got, &e), -ENODATA);
	assert_msg_has(e.msg, "the hypervisor never wrote its status block");
	unlink(path2);
}

static void test_magic_version_and_size_are_validated(void **state)
{
	size_t len = HYPSTAT_FILE_OFFSET + sizeof(struct hypstat);
	struct hypstat st, got, *at;
	struct hypcfg cfg;
	struct hs_err e;
	char *ram;

	(void)state;
	ram = calloc(1, len);
	assert_non_null(ram);
	at = (struct hypstat *)(ram + HYPSTAT_FILE_OFFSET);
	good_run(&st, &cfg);

	*at = st;
	assert_int_equal(hypstat_snapshot(ram, len, &got, &e), 0);
	assert_int_equal(hypstat_snapshot(ram, len - 1, &got, &e), -EINVAL);

	*at = st;
	at->magic = HYPCFG_MAGIC;
	assert_int_equal(hypstat_snapshot(ram, len, &got, &e), -EINVAL);
	assert_msg_has(e.msg, "magic 0x3147464353505948, not HYPSSTA1");

	*at = st;
	at->version = HYPCFG_VERSION + 1;
	assert_int_equal(hypstat_snapshot(ram, len, &got, &e), -EPROTO);
	{
		char want[80];

		snprintf(want, sizeof(want), "version %u, this hypscope reads version %u",
			 HYPCFG_VERSION + 1, HYPCFG_VERSION);
		assert_msg_has(e.msg, want);
	}

	*at = st;
	at->size = sizeof(st) - 8;
	assert_int_equal(hypstat_snapshot(ram, len, &got, &e), -EPROTO);
	assert_msg_has(e.msg, "rebuild hypscope and the hypervisor together");

	/* an unterminated message is cut inside the copy */
	*at = st;
	memset(at->message, 'x', sizeof(at->message));
	assert_int_equal(hypstat_snapshot(ram, len, &got, &e), 0);
	assert_int_equal(strlen(got.message), sizeof(got.message) - 1);
	free(ram);
}

static int verdict(const struct hypstat *st, const struct hypcfg *cfg, char *why)
{
	struct hs_err e = { "" };
	int code = hypstat_verdict(st, cfg, &e);

	strcpy(why, e.msg);
	return code;
}

static char *summary(const struct hypstat *st, const struct hypcfg *cfg, bool states_only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (states_only)
		hypstat_print_states(f, st, cfg);
	else
		hypstat_print(f, st, cfg);
	fclose(f);
	return buf;
}

static void test_clean_run_is_exit_0(void **state)
{
	char why[HS_ERR_LEN];
	struct hypstat st;
	struct hypcfg cfg;

	(void)state;
	good_run(&st, &cfg);
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_OK);
}

static void test_failing_guests_are_exit_1_and_named(void **state)
{
	char why[HS_ERR_LEN];
	struct hypstat st;
	struct hypcfg cfg;

	(void)state;
	good_run(&st, &cfg);
	st.vms[1].exit_status = 3;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "1 of 2 VMs did not end cleanly: demo1 exited with status 3");

	good_run(&st, &cfg);
	st.vms[0].state = HYPSTAT_VM_RESET;
	st.vms[1].state = HYPSTAT_VM_FAILED;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "2 of 2 VMs did not end cleanly: demo0 reset; demo1 failed to start");

	good_run(&st, &cfg);
	st.vms[0].state = HYPSTAT_VM_RUNNING;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "demo0 did not end (running)");

	good_run(&st, &cfg);
	st.vms[1].instances_started = 1;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "demo1 ran 1 of 2 instances");

	good_run(&st, &cfg);
	st.vms[1].instances_failed = 1;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "demo1: 1 of 2 instances failed");
	{
		char *s = summary(&st, &cfg, false);

		assert_msg_has(s, "demo1 (VM 1): exited with status 0, 2 of 2 instances ran "
				  "(1 failed), vmid 0\n");
		free(s);
	}

	/* every VM fine, but the hypervisor never said it was done */
	good_run(&st, &cfg);
	st.state = HYPSTAT_RUNNING;
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_GUEST);
	assert_msg_has(why, "stopped before the hypervisor finished");
}

static void test_panic_and_refused_config_are_exit_5_with_message(void **state)
{
	char why[HS_ERR_LEN];
	struct hypstat st;
	struct hypcfg cfg;

	(void)state;
	good_run(&st, &cfg);
	st.state = HYPSTAT_PANIC;
	strcpy(st.message, "vgic: LR overflow on CPU 1\n");
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_HYP);
	assert_string_equal(why, "hypervisor panic: vgic: LR overflow on CPU 1");

	good_run(&st, &cfg);
	st.state = HYPSTAT_BADCFG;
	strcpy(st.message, "vm 1: mem_size 0x100 is not 2 MiB aligned");
	assert_int_equal(verdict(&st, &cfg, why), HS_EXIT_HYP);
	assert_string_equal(why, "the hypervisor refused the configuration: vm 1: mem_size "
				 "0x100 is not 2 MiB aligned");
}

static void test_summary_lists_nonzero_exit_classes_per_vcpu(void **state)
{
	struct hypstat st;
	struct hypcfg cfg;
	char *s;

	(void)state;
	good_run(&st, &cfg);
	s = summary(&st, &cfg, false);
	assert_msg_has(s, "generation 7, 3 rollovers");
	assert_msg_has(s, "VMID 4 bits");
	assert_msg_has(s, "demo0 (VM 0): off, 1 of 1 instance ran");
	assert_msg_has(s, "demo1 (VM 1): exited with status 0, 2 of 2 instances ran");
	assert_msg_has(s, "vCPU 0 on CPU 0: guest 2.500 s, hyp 0.000 s, 1512 exits: "
			  "EC 0x16 HVC64 12, IRQ 1500\n");
	assert_msg_has(s, "vCPU 1 on CPU 1: guest 0.000 s, hyp 0.000 s, 4 exits: EC 0x0b 4\n");
	assert_msg_has(s, "vCPU 0 on CPU 0: guest 0.000 s, hyp 0.000 s, 0 exits\n");
	assert_msg_lacks(s, "EC 0x00");
	assert_msg_lacks(s, "EC 0x01");
	assert_msg_lacks(s, "EC_0x0b");
	assert_msg_lacks(s, "vCPU 2");
	free(s);

	s = summary(&st, &cfg, true);
	assert_msg_has(s, "demo0 (VM 0): off");
	assert_msg_lacks(s, "vCPU");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_is_read_at_its_offset_in_the_ram_file),
		cmocka_unit_test(test_short_or_unwritten_ram_file_is_reported),
		cmocka_unit_test(test_magic_version_and_size_are_validated),
		cmocka_unit_test(test_clean_run_is_exit_0),
		cmocka_unit_test(test_failing_guests_are_exit_1_and_named),
		cmocka_unit_test(test_panic_and_refused_config_are_exit_5_with_message),
		cmocka_unit_test(test_summary_lists_nonzero_exit_classes_per_vcpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
