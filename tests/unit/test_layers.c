/*
 * scripts/layers.sh: the table of which folder may include which, host side
 * and hypervisor. Run on this tree it passes; run on small trees that break
 * one rule each (among them hypervisor logic naming an arch header), it
 * fails and names the file, the line and the include.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

struct tree {
	char script[PATH_MAX + 32]; /* scripts/layers.sh of this checkout */
	char top[PATH_MAX];    /* this checkout */
	char root[64];         /* a scratch tree */
	char out[4096];        /* what the last run printed */
};

/* The checkout: the first directory above this binary holding the script. */
static void find_top(struct tree *t)
{
	char path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", t->top, sizeof(t->top) - 1);
	char *slash;

	assert_true(n > 0);
	t->top[n] = '\0';
	while ((slash = strrchr(t->top, '/')) && slash != t->top) {
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/scripts/layers.sh", t->top);
		if (!access(path, X_OK)) {
			snprintf(t->script, sizeof(t->script), "%s", path);
			return;
		}
	}
	fail_msg("scripts/layers.sh not found above the test binary");
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	find_top(t);
	snprintf(t->root, sizeof(t->root), "/tmp/test_layers-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

/* Writes @text to ROOT/@rel, making the folders on the way. */
static void put(struct tree *t, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (p = path + strlen(t->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(!mkdir(path, 0700) || errno == EEXIST);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Runs the check on @root; its exit status, its output in t->out. */
static int check(struct tree *t, const char *root)
{
	char cmd[PATH_MAX * 3];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>&1", t->script, root);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(t->out, 1, sizeof(t->out) - 1, p);
	t->out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in:\n%s", needle, hay);
}

/* A tree where every layer includes what the table allows it. */
static void put_good_tree(struct tree *t)
{
	put(t, "formats/trace.h", "#include <stdint.h>\n");
	put(t, "formats/ring.h", "#include \"formats/trace.h\"\n");
	put(t, "formats/host/tracefile.c", "#include \"formats/ring.h\"\n#include \"formats/host/tracefile.h\"\n");
	put(t, "formats/host/tracefile.h", "#include \"formats/trace.h\"\n");
	put(t, "tracer/lib/stats.c", "#include \"formats/host/tracefile.h\"\n#include \"tracer/lib/stats.h\"\n");
	put(t, "tracer/lib/stats.h", "");
	put(t, "tracer/lib/kvm/kvm_collect.c",
	    "#include \"tracer/lib/stats.h\"\n#include \"kvm_host.skel.h\"\n");
	put(t, "tui/top.c", "#include \"tracer/lib/stats.h\"\n#include \"tui/top.h\"\n");
	put(t, "tui/top.h", "#include \"formats/trace.h\"\n");
	put(t, "tracer/cmd_top.c", "#include \"tui/top.h\"\n#include \"tracer/hypscope.h\"\n");
	put(t, "tracer/hypscope.h", "#include \"tracer/lib/stats.h\"\n");
}

static void test_this_tree_keeps_its_layers(void **state)
{
	struct tree *t = *state;

	assert_int_equal(check(t, t->top), 0);
	assert_string_equal(t->out, "");
}

static void test_includes_the_table_allows_pass(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	assert_int_equal(check(t, t->root), 0);
	assert_string_equal(t->out, "");
}

static void test_tui_including_a_command_header_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put(t, "tui/top.c", "#include \"tracer/lib/stats.h\"\n\n#include \"tracer/hypscope.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "tui/top.c:3: includes tracer/hypscope.h");
	assert_contains(t->out, "1 include(s) break");
}

static void test_the_library_including_the_live_view_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put(t, "tracer/lib/kvm/kvm_collect.c", "#include \"tui/top.h\"\n");
	put(t, "tracer/lib/stats.h", "#include \"tracer/hypscope.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "tracer/lib/kvm/kvm_collect.c:1: includes tui/top.h");
	assert_contains(t->out, "tracer/lib/stats.h:1: includes tracer/hypscope.h");
	assert_contains(t->out, "2 include(s) break");
}

static void test_the_abi_including_host_formats_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put(t, "formats/ring.h", "#include \"formats/host/tracefile.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "formats/ring.h:1: includes formats/host/tracefile.h");
	assert_contains(t->out, "(formats may include: formats)");
}

static void test_host_formats_including_the_library_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put(t, "formats/host/tracefile.c", "#  include \"tracer/lib/stats.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "formats/host/tracefile.c:1: includes tracer/lib/stats.h");
}

static void test_a_folder_outside_the_table_is_refused(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put(t, "formats/trace.h", "#include \"hyp/include/vm.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "formats/trace.h:1: includes hyp/include/vm.h");
}

/* The hypervisor's rows: the logic and the contract header never name an arch. */
static void put_good_hyp(struct tree *t)
{
	put(t, "hyp/include/arch.h", "#include \"arch_inline.h\"\n#include \"hyp/include/vm.h\"\n");
	put(t, "hyp/include/vm.h", "#include \"formats/trace.h\"\n#include \"hyp/vgic/vgic.h\"\n");
	put(t, "hyp/vgic/vgic.h", "#include \"hyp/include/spinlock.h\"\n");
	put(t, "hyp/core/gdb_target.c", "#include \"gdbstub/target.h\"\n#include \"hyp/include/arch.h\"\n");
	put(t, "hyp/arch/aarch64/vcpu.c",
	    "#include \"hyp/arch/aarch64/include/sysreg.h\"\n#include \"hyp/include/arch.h\"\n");
	put(t, "hyp/arch/aarch64/entry.S", "#include \"asm-offsets.h\"\n");
	put(t, "hyp/arch/fake/fake.c", "#include \"hyp/arch/fake/fake.h\"\n");
}

static void test_hypervisor_includes_the_table_allows_pass(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put_good_hyp(t);
	assert_int_equal(check(t, t->root), 0);
	assert_string_equal(t->out, "");
}

static void test_hypervisor_logic_including_an_arch_header_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put_good_hyp(t);
	put(t, "hyp/core/inject.c", "#include \"hyp/include/arch.h\"\n"
				    "#include \"hyp/arch/aarch64/include/sysreg.h\"\n");
	put(t, "hyp/include/arch.h", "#include \"hyp/arch/aarch64/include/arch_inline.h\"\n");
	put(t, "hyp/arch/fake/fake.c", "#include \"hyp/arch/aarch64/include/cpu.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "hyp/core/inject.c:2: includes hyp/arch/aarch64/include/sysreg.h");
	assert_contains(t->out, "hyp/include/arch.h:1: includes hyp/arch/aarch64/include/arch_inline.h");
	assert_contains(t->out, "hyp/arch/fake/fake.c:1: includes hyp/arch/aarch64/include/cpu.h");
	assert_contains(t->out, "3 include(s) break");
}

static void test_hypervisor_including_the_host_side_fails(void **state)
{
	struct tree *t = *state;

	put_good_tree(t);
	put_good_hyp(t);
	put(t, "hyp/vgic/vgic.c", "#include \"tracer/lib/stats.h\"\n");
	put(t, "hyp/dev/pl011.c", "#include \"tui/top.h\"\n");
	put(t, "gdbstub/stub.c", "#include \"hyp/include/vm.h\"\n");
	assert_int_equal(check(t, t->root), 1);
	assert_contains(t->out, "hyp/vgic/vgic.c:1: includes tracer/lib/stats.h");
	assert_contains(t->out, "hyp/dev/pl011.c:1: includes tui/top.h");
	assert_contains(t->out, "gdbstub/stub.c:1: includes hyp/include/vm.h");
}

static void test_a_missing_root_is_a_usage_error(void **state)
{
	struct tree *t = *state;
	char missing[96];

	snprintf(missing, sizeof(missing), "%s/none", t->root);
	assert_int_equal(check(t, missing), 2);
	assert_contains(t->out, "usage: scripts/layers.sh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_this_tree_keeps_its_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_includes_the_table_allows_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tui_including_a_command_header_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_library_including_the_live_view_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_abi_including_host_formats_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_formats_including_the_library_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_folder_outside_the_table_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hypervisor_includes_the_table_allows_pass, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hypervisor_logic_including_an_arch_header_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hypervisor_including_the_host_side_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_root_is_a_usage_error, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
