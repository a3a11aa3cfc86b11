/* tracer/lib/reaper.c: what a killed hypscope run leaves behind is cleaned up. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/lib/reaper.h"

struct fixture {
	char dir[64];    /* a run's temporary directory */
	char file[128];  /* a file outside it (the RAM file) */
	char inner[128]; /* a file inside the directory */
};

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char base[] = "/tmp/test_reaper-XXXXXX";

	assert_non_null(f);
	assert_non_null(mkdtemp(base));
	snprintf(f->dir, sizeof(f->dir), "%s/run", base);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	snprintf(f->inner, sizeof(f->inner), "%s/hypcfg.bin", f->dir);
	snprintf(f->file, sizeof(f->file), "%s/hypscope.ram", base);
	touch(f->inner);
	touch(f->file);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char base[64];

	unlink(f->inner);
	rmdir(f->dir);
	unlink(f->file);
	snprintf(base, sizeof(base), "%s", f->dir);
	*strrchr(base, '/') = '\0';
	rmdir(base);
	free(f);
	return 0;
}

static void say(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* A process to be killed: it would sleep for a minute. */
static pid_t sleeper(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		sleep(60);
		_exit(0);
	}
	return p;
}

static void test_eof_kills_the_processes_then_removes_the_paths(void **state)
{
	struct fixture *f = *state;
	char line[256];
	int sv[2], status = 0;
	pid_t p = sleeper();

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(line, sizeof(line), "d %s\nf %s\np %d\n", f->dir, f->file, (int)p);
	say(sv[0], line);
	close(sv[0]); /* the run is gone */
	assert_int_equal(reaper_serve(sv[1], 5000), 2);
	assert_false(exists(f->inner));
	assert_false(exists(f->dir));
	assert_false(exists(f->file));
	assert_int_equal(waitpid(p, &status, 0), p);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_disarmed_reaper_touches_nothing(void **state)
{
	struct fixture *f = *state;
	char line[256];
	int sv[2], status = 0;
	pid_t p = sleeper();

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(line, sizeof(line), "d %s\nf %s\np %d\nx \n", f->dir, f->file, (int)p);
	say(sv[0], line);
	close(sv[0]);
	assert_int_equal(reaper_serve(sv[1], 5000), 0);
	assert_true(exists(f->inner));
	assert_true(exists(f->file));
	assert_int_equal(waitpid(p, &status, WNOHANG), 0); /* still sleeping */
	kill(p, SIGKILL);
	waitpid(p, &status, 0);
}

static void test_commands_split_across_reads_and_nonsense_are_handled(void **state)
{
	struct fixture *f = *state;
	char line[256];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	say(sv[0], "q what\np abc\np -1\np 99999999999\nf \nf");
	snprintf(line, sizeof(line), " %s\n\nzz\n", f->file);
	say(sv[0], line);
	close(sv[0]);
	assert_int_equal(reaper_serve(sv[1], 100), 1);
	assert_false(exists(f->file));
	assert_true(exists(f->inner));
}

static void test_reaper_cleans_up_after_a_killed_caller(void **state)
{
	struct fixture *f = *state;
	int status = 0, i;
	pid_t caller = fork();

	assert_true(caller >= 0);
	if (caller == 0) {
		struct reaper *rp;
		struct hs_err e;

		if (reaper_start(&rp, &e) || reaper_add_dir(rp, f->dir) ||
		    reaper_add_file(rp, f->file))
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(caller, &status, 0), caller);
	assert_true(WIFSIGNALED(status));
	/* the reaper is the killed caller's orphan: give it a moment */
	for (i = 0; i < 500 && (exists(f->file) || exists(f->dir)); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	assert_false(exists(f->file));
	assert_false(exists(f->dir));
}

static void test_reaper_disarmed_by_its_caller_leaves_files(void **state)
{
	struct fixture *f = *state;
	struct reaper *rp;
	struct hs_err e;

	assert_int_equal(reaper_start(&rp, &e), 0);
	assert_int_equal(reaper_add_file(rp, f->file), 0);
	assert_int_equal(reaper_add_file(NULL, f->file), 0); /* no reaper (--keep) */
	reaper_disarm(rp); /* waits for the reaper to exit */
	reaper_disarm(NULL);
	assert_true(exists(f->file));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eof_kills_the_processes_then_removes_the_paths,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_disarmed_reaper_touches_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_commands_split_across_reads_and_nonsense_are_handled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reaper_cleans_up_after_a_killed_caller, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reaper_disarmed_by_its_caller_leaves_files,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
