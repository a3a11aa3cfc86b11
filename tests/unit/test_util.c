/*
 * tracer/lib/util.c: helpers the subcommands share. hs_ram_path() turns the
 * --attach argument of `top` and `record` into the machine's RAM file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tracer/lib/util.h"

static void test_a_pid_names_the_ram_file_of_that_run(void **state)
{
	char buf[64];

	(void)state;
	hs_ram_path("4242", buf, sizeof(buf));
	assert_string_equal(buf, "/dev/shm/hypscope-4242.ram");
}

static void test_anything_else_is_a_path(void **state)
{
	char buf[64];

	(void)state;
	hs_ram_path("/dev/shm/hypscope-7.ram", buf, sizeof(buf));
	assert_string_equal(buf, "/dev/shm/hypscope-7.ram");
	hs_ram_path("12ab", buf, sizeof(buf));
	assert_string_equal(buf, "12ab");
	hs_ram_path("", buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* cut to the buffer, still terminated */
	hs_ram_path("123456789012345678901234567890", buf, 16);
	assert_int_equal(strlen(buf), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_pid_names_the_ram_file_of_that_run),
		cmocka_unit_test(test_anything_else_is_a_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
