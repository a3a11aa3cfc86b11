/*
 * scripts/hyp-layers.sh: the hypervisor's include rules. This tree passes;
 * small scratch trees that break one rule each (core reaching into the
 * aarch64 headers, the contract header doing it, the vGIC including the host
 * tool) fail with the file, the line and the include named, and what the
 * rules leave alone (the arch's own folder, a path-less header) passes.
 */
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
	char script[PATH_MAX + 32]; /* scripts/hyp-layers.sh of this checkout */
	char top[PATH_MAX];         /* this checkout */
	char root[64];              /* a scratch tree */
	char out[4096];             /* what the last run printed */
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
		snprintf(path, sizeof(path), "%s/scripts/hyp-layers.sh", t->top);
		if (!access(path, X_OK)) {
			snprintf(t->script, sizeof(t->script), "%s", path);
			return;
		}
	}
	fail_msg("scripts/hyp-layers.sh not found above the test binary");
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	find_top(t);
	snprintf(t->root, sizeof(t->root), "/tmp/test_hyp_layers-XXXXXX");
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

/* Writes one include line to ROOT/rel, making the folders on the way. */
static void put(struct tree *t, const char *rel, const char *include)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (char *p = path + strlen(t->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "/* scratch */\n#include \"%s\"\n", include);
	fclose(f);
}

/* Runs the script on dir; its exit status, its output in t->out. */
static int run(struct tree *t, const char *dir)
{
	char cmd[PATH_MAX * 2 + 64];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>&1", t->script, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(t->out, 1, sizeof(t->out) - 1, p);
	t->out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_this_tree_follows_the_rules(void **state)
{
	struct tree *t = *state;

	if (run(t, t->top) != 0)
		fail_msg("%s", t->out);
}

static void test_core_including_aarch64_fails(void **state)
{
	struct tree *t = *state;

	put(t, "hyp/core/inject.c", "hyp/arch/aarch64/include/sysreg.h");
	assert_int_equal(run(t, t->root), 1);
	assert_non_null(strstr(t->out, "hyp/core/inject.c:2: includes hyp/arch/aarch64/include/sysreg.h"));
}

static void test_contract_header_including_aarch64_fails(void **state)
{
	struct tree *t = *state;

	put(t, "hyp/include/arch.h", "hyp/arch/aarch64/include/arch_inline.h");
	assert_int_equal(run(t, t->root), 1);
	assert_non_null(strstr(t->out, "hyp/include/arch.h:2:"));
}

static void test_vgic_including_the_host_tool_fails(void **state)
{
	struct tree *t = *state;

	put(t, "hyp/vgic/vgic.c", "tracer/lib/stats.h");
	put(t, "hyp/dev/pl011.c", "tui/top.h");
	assert_int_equal(run(t, t->root), 1);
	assert_non_null(strstr(t->out, "hyp/vgic/vgic.c:2: includes tracer/lib/stats.h"));
	assert_non_null(strstr(t->out, "hyp/dev/pl011.c:2: includes tui/top.h"));
}

static void test_fake_arch_including_aarch64_fails(void **state)
{
	struct tree *t = *state;

	put(t, "hyp/arch/fake/fake.c", "hyp/arch/aarch64/include/cpu.h");
	assert_int_equal(run(t, t->root), 1);
}

static void test_arch_own_headers_and_pathless_pass(void **state)
{
	struct tree *t = *state;

	put(t, "hyp/arch/aarch64/vcpu.c", "hyp/arch/aarch64/include/sysreg.h");
	put(t, "hyp/arch/aarch64/gic.c", "hyp/include/arch.h");
	put(t, "hyp/include/arch.h", "arch_inline.h");
	put(t, "hyp/core/gdb_target.c", "gdbstub/target.h");
	assert_int_equal(run(t, t->root), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_this_tree_follows_the_rules),
		T(test_core_including_aarch64_fails),
		T(test_contract_header_including_aarch64_fails),
		T(test_vgic_including_the_host_tool_fails),
		T(test_fake_arch_including_aarch64_fails),
		T(test_arch_own_headers_and_pathless_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
