/*
 * tui/top.c: the live view's keys. One table binds every key, and the help
 * screen is made from it: each bound key is listed there, Q, I and Esc
 * included, and no line is wider than the narrowest terminal it serves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/screen.h"
#include "tui/top.h"

/* The whole help screen, one line after another. */
static char help[8192];

static void read_help(void)
{
	size_t i, n = top_help_nr_lines(), used = 0;
	char line[200];

	help[0] = '\0';
	for (i = 0; i < n; i++) {
		top_help_line(i, line, sizeof(line));
		assert_true(strlen(line) <= 80);
		assert_true(used + strlen(line) + 2 < sizeof(help));
		used += (size_t)snprintf(help + used, sizeof(help) - used, "%s\n", line);
	}
}

static void test_upper_case_keys_and_esc_are_bound_and_listed(void **state)
{
	(void)state;
	read_help();
	assert_non_null(top_key_help('Q'));
	assert_ptr_equal(top_key_help('Q'), top_key_help('q'));
	assert_ptr_equal(top_key_help('I'), top_key_help('i'));
	assert_non_null(top_key_help(SCR_KEY_ESC));
	assert_non_null(strstr(help, "  q, Q, F10     quit\n"));
	assert_non_null(strstr(help, "  i, I          reverse the sort order\n"));
	assert_non_null(strstr(help, "  Esc           clear the message line\n"));
}

/* Every key that does something has its help listed on the screen. */
static void test_every_bound_key_is_on_the_help_screen(void **state)
{
	static const int probe[] = { 'q', 'h', '?', 'p', ' ', 'n', '+', '-', 's', '>', '<', 'i',
				     'f', '/', 'g', 'v', 'r', '1', '9', SCR_KEY_ENTER,
				     SCR_KEY_TAB, SCR_KEY_BTAB, SCR_KEY_LEFT, SCR_KEY_RIGHT,
				     SCR_KEY_UP, SCR_KEY_END, SCR_KEY_F1, SCR_KEY_F10 };
	char first[200];
	size_t i;

	(void)state;
	read_help();
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		const char *h = top_key_help(probe[i]);
		const char *nl;

		assert_non_null(h);
		/* its first line of text (a list may start on the next line) */
		while (*h == '\n')
			h++;
		nl = strchr(h, '\n');
		snprintf(first, sizeof(first), "%.*s", (int)(nl ? (size_t)(nl - h) : strlen(h)), h);
		assert_non_null(strstr(help, first));
	}
}

static void test_unbound_keys_do_nothing(void **state)
{
	(void)state;
	assert_null(top_key_help('z'));
	assert_null(top_key_help('0'));
	assert_null(top_key_help(SCR_KEY_RESIZE));
	assert_null(top_key_help(SCR_KEY_NONE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upper_case_keys_and_esc_are_bound_and_listed),
		cmocka_unit_test(test_every_bound_key_is_on_the_help_screen),
		cmocka_unit_test(test_unbound_keys_do_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
