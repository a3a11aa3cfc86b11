/*
 * hypscope bench: record N repetitions of one `hypscope run`, the samples
 * `hypscope diff` judges regressions on.
 *
 * Each repetition is `hypscope run RUN-ARGS --record DIR/run-NNN.trace`, its
 * output kept in DIR/run-NNN.log. With --ab NEWDIR the runs of a second
 * configuration (RUN-ARGS plus the --new-arg arguments) alternate with them,
 * so a change in host load between the two halves of an hour lands on both
 * sides alike instead of looking like a regression. --exact runs QEMU with
 * -icount shift=0: every run then executes the same instructions in the same
 * virtual time, and one run per side is enough (hypscope diff --exact).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracer/hypscope.h"

#define MAX_REPS     1000u
#define MAX_NEW_ARGS 32u

static struct env {
	unsigned reps;
	const char *dir[2];    /* BASE and, with --ab, NEW */
	char *side_args[2][MAX_NEW_ARGS]; /* --base-arg, --new-arg */
	unsigned nr_side_args[2];
	bool exact;
	bool keep_going;
	char **run_args;       /* after "--" */
	int nr_run_args;
} env;

static const char usage[] =
	"Usage: hypscope bench -n N -o DIR [OPTIONS] -- RUN-ARGS...\n"
	"\n"
	"Record N repetitions of 'hypscope run RUN-ARGS' into DIR/run-001.trace,\n"
	"DIR/run-002.trace, ... (the console of each in DIR/run-NNN.log): the runs\n"
	"'hypscope diff' compares. Every run must end with status 0.\n"
	"\n"
	"  -n, --runs N         repetitions (1-1000); 5 or more for hypscope diff's\n"
	"                       99 % intervals\n"
	"  -o, --output DIR     where the runs go (created; must hold no run-*.trace)\n"
	"      --ab NEWDIR      also record N runs of a second configuration into\n"
	"                       NEWDIR, alternating with DIR's: base, new, base, ...\n"
	"                       (host load that drifts lands on both sides alike)\n"
	"      --new-arg ARG    one more 'hypscope run' argument for the NEWDIR runs\n"
	"                       (repeatable), e.g. --new-arg=--test-hvc-pad=40\n"
	"      --base-arg ARG   one more argument for the DIR runs only (repeatable):\n"
	"                       with --new-arg, two configurations that differ in a\n"
	"                       --vm, e.g. --base-arg=--vm=a.elf --new-arg=--vm=b.elf\n"
	"  -x, --exact          deterministic runs: QEMU -icount shift=0, so every run\n"
	"                       of a configuration gives the same counts and cycles\n"
	"                       (compare with hypscope diff --exact; one run is enough)\n"
	"  -k, --keep-going     record the other runs when one fails (status 1 at the end)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 every run recorded; 1 a run failed; 2 bad usage; 4 an\n"
	"environment error (DIR cannot be made, hypscope cannot be started).\n"
	"\n"
	"EXAMPLES:\n"
	"  hypscope bench -n 5 -o base -- --vm build/guests/workload.elf --cpus 1\n"
	"  hypscope bench -n 5 -o base --ab new --new-arg=--test-hvc-pad=60 \\\n"
	"      -- --vm build/guests/workload.elf --cpus 1\n"
	"  hypscope diff base -- new\n"
	"  hypscope bench -n 1 -o exact --exact -- --vm build/guests/workload.elf\n";

enum { OPT_AB = 0x100, OPT_NEW_ARG, OPT_BASE_ARG };

static const struct option long_opts[] = {
	{ "runs", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "ab", required_argument, NULL, OPT_AB },
	{ "new-arg", required_argument, NULL, OPT_NEW_ARG },
	{ "base-arg", required_argument, NULL, OPT_BASE_ARG },
	{ "exact", no_argument, NULL, 'x' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define usage_error(...) hs_usage_error("bench", __VA_ARGS__)

static int parse_args(int argc, char **argv)
{
	double v;
	int opt, sep, i;

	memset(&env, 0, sizeof(env));
	for (sep = 1; sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(sep, argv, ":n:o:xkh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!hs_parse_double(optarg, 1, MAX_REPS, &v) || v != (unsigned)v)
				return usage_error("--runs needs a whole number from 1 to %u, not '%s'",
						   MAX_REPS, optarg);
			env.reps = (unsigned)v;
			break;
		case 'o':
			env.dir[0] = optarg;
			break;
		case OPT_AB:
			env.dir[1] = optarg;
			break;
		case OPT_BASE_ARG:
		case OPT_NEW_ARG:
			i = opt == OPT_NEW_ARG;
			if (env.nr_side_args[i] == MAX_NEW_ARGS)
				return usage_error("at most %u --%s-arg", MAX_NEW_ARGS,
						   i ? "new" : "base");
			env.side_args[i][env.nr_side_args[i]++] = optarg;
			break;
		case 'x':
			env.exact = true;
			break;
		case 'k':
			env.keep_going = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return HS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value: see 'hypscope bench --help'",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s': see 'hypscope bench --help'",
					   argv[optind - 1]);
		}
	}
	if (optind < sep)
		return usage_error("unexpected '%s': the run's arguments go after '--'",
				   argv[optind]);
	if (!env.reps)
		return usage_error("say how many runs: -n N");
	if (!env.dir[0])
		return usage_error("say where the runs go: -o DIR");
	if ((env.nr_side_args[0] || env.nr_side_args[1]) && !env.dir[1])
		return usage_error("--new-arg and --base-arg need --ab NEWDIR");
	if (env.dir[1] && !strcmp(env.dir[0], env.dir[1]))
		return usage_error("--ab needs a directory other than -o's");
	env.run_args = argv + (sep < argc ? sep + 1 : argc);
	env.nr_run_args = sep < argc ? argc - sep - 1 : 0;
	for (i = 0; i < env.nr_run_args + (int)(env.nr_side_args[0] + env.nr_side_args[1]); i++) {
		const char *a = i < env.nr_run_args ? env.run_args[i] :
				i - env.nr_run_args < (int)env.nr_side_args[0] ?
						      env.side_args[0][i - env.nr_run_args] :
						      env.side_args[1][i - env.nr_run_args -
								       (int)env.nr_side_args[0]];

		if (!strcmp(a, "--record") || !strncmp(a, "--record=", 9) || !strcmp(a, "--top"))
			return usage_error("'%s' is bench's to set: leave it out of RUN-ARGS", a);
	}
	return -1;
}

/* Create dir (one level) and refuse one that holds runs already. */
static int prepare_dir(const char *dir)
{
	char pattern[PATH_MAX];
	glob_t g;
	int found;

	if (mkdir(dir, 0777) && errno != EEXIST)
		return hs_error("bench", HS_EXIT_ENV, "cannot create %s: %s", dir, strerror(errno));
	snprintf(pattern, sizeof(pattern), "%s/run-*.trace", dir);
	found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	if (found)
		return usage_error("%s already holds run-*.trace files: use a new directory or "
				   "remove them",
				   dir);
	return 0;
}

/* One `hypscope run`; its exit status, or -1 when it could not be started. */
static int run_once(const char *self, unsigned side, const char *trace, const char *log)
{
	static char a_run[] = "run", a_rec[] = "--record", a_qa[] = "--qemu-arg",
		    a_icount[] = "-icount", a_shift[] = "shift=0";
	char **argv, self_copy[PATH_MAX];
	unsigned n = 0, i;
	int status, fd;
	pid_t pid;

	argv = calloc((size_t)env.nr_run_args + env.nr_side_args[side] + 10, sizeof(*argv));
	if (!argv)
		return -1;
	snprintf(self_copy, sizeof(self_copy), "%s", self);
	argv[n++] = self_copy;
	argv[n++] = a_run;
	for (i = 0; i < (unsigned)env.nr_run_args; i++)
		argv[n++] = env.run_args[i];
	for (i = 0; i < env.nr_side_args[side]; i++)
		argv[n++] = env.side_args[side][i];
	if (env.exact) {
		argv[n++] = a_qa;
		argv[n++] = a_icount;
		argv[n++] = a_qa;
		argv[n++] = a_shift;
	}
	argv[n++] = a_rec;
	argv[n++] = (char *)trace;
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -1;
	}
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			_exit(HS_EXIT_ENV);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		execv(self, argv);
		_exit(127);
	}
	free(argv);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int cmd_bench(int argc, char **argv)
{
	char self[PATH_MAX], trace[PATH_MAX + 32], log[PATH_MAX + 32];
	unsigned sides, rep, side, failed = 0;
	double t0, secs[2] = { 0, 0 };
	struct hs_err e;
	int ret, rc;

	ret = parse_args(argc, argv);
	if (ret >= 0)
		return ret;
	if (hs_self_dir(self, sizeof(self), &e))
		return hs_error("bench", HS_EXIT_ENV, "%s", e.msg);
	strncat(self, "/hypscope", sizeof(self) - strlen(self) - 1);
	sides = env.dir[1] ? 2 : 1;
	for (side = 0; side < sides; side++) {
		ret = prepare_dir(env.dir[side]);
		if (ret)
			return ret;
	}
	for (rep = 1; rep <= env.reps; rep++) {
		for (side = 0; side < sides; side++) {
			snprintf(trace, sizeof(trace), "%s/run-%03u.trace", env.dir[side], rep);
			snprintf(log, sizeof(log), "%s/run-%03u.log", env.dir[side], rep);
			t0 = hs_now_s();
			rc = run_once(self, side, trace, log);
			t0 = hs_now_s() - t0;
			secs[side] += t0;
			if (rc < 0)
				return hs_error("bench", HS_EXIT_ENV, "cannot start %s: %s", self,
						strerror(errno));
			printf("hypscope bench: %s %u/%u: %s in %.2f s\n",
			       sides == 1 ? "run" : side ? "new" : "base", rep, env.reps, trace, t0);
			if (rc) {
				fprintf(stderr,
					"hypscope bench: 'hypscope run' exited with status %d: see %s\n",
					rc, log);
				failed++;
				if (!env.keep_going)
					return HS_EXIT_GUEST;
			}
		}
	}
	printf("hypscope bench: %u run%s in %s (%.1f s a run)", env.reps, env.reps == 1 ? "" : "s",
	       env.dir[0], secs[0] / env.reps);
	if (sides == 2)
		printf(", %u in %s (%.1f s a run)", env.reps, env.dir[1], secs[1] / env.reps);
	printf("%s; compare: hypscope diff%s %s -- %s\n", env.exact ? ", exact (-icount)" : "",
	       env.exact ? " --exact" : "", env.dir[0], sides == 2 ? env.dir[1] : "NEWDIR");
	if (fflush(stdout) || ferror(stdout))
		return HS_EXIT_ENV;
	return failed ? HS_EXIT_GUEST : HS_EXIT_OK;
}
