/*
 * Synthetic inputs for the unit tests of the trace commands (test_diff,
 * test_report, test_stats): a seeded random source, a trace writer over
 * tf_writer that stamps each record's header, a scratch directory, and a
 * command run with its stdout into a file. Header-only so each of those
 * single-file cmocka programs includes it without build rules of its own.
 */
#ifndef TESTS_TRACEGEN_H
#define TESTS_TRACEGEN_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/host/tracefile.h"

/* ------------------------------------------------------ random (splitmix64) */

static uint64_t rng_state;

static inline uint64_t rnd(void)
{
	uint64_t x = (rng_state += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Uniform in [0, 1). */
static inline double rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------ trace writer */

#define TGEN_MAX_CPUS 2

/* A trace being written: each CPU's next sequence number and its clock. */
struct tgen {
	struct tf_writer *w;
	uint64_t seq[TGEN_MAX_CPUS], ts[TGEN_MAX_CPUS];
};

/* A trace of nr_cpus CPUs at a 62.5 MHz counter, every clock at 1000000. */
static inline void tgen_open(struct tgen *g, const char *path, unsigned nr_cpus)
{
	struct tf_info info = { .nr_cpus = nr_cpus, .cntfrq = 62500000,
				.description = "unit test" };
	char err[256];

	assert_true(nr_cpus >= 1 && nr_cpus <= TGEN_MAX_CPUS);
	memset(g, 0, sizeof(*g));
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++)
		g->ts[cpu] = 1000000;
	if (tf_writer_open(&g->w, path, &info, err, sizeof(err)))
		fail_msg("%s", err);
}

/* rec (type, size bytes) on cpu for vCPU vcpu of VM vm (VMID vm + 1), at cpu's clock. */
static inline void tgen_put(struct tgen *g, unsigned cpu, void *rec, unsigned type, size_t size,
			    unsigned vm, unsigned vcpu)
{
	struct trace_hdr *h = rec;

	h->type = (uint16_t)type;
	h->size = (uint16_t)size;
	h->cpu = (uint16_t)cpu;
	h->vmid = (uint16_t)(vm + 1);
	h->seq = g->seq[cpu]++;
	h->ts = g->ts[cpu];
	h->vmid_gen = 1;
	h->vm = (uint16_t)vm;
	h->vcpu = (uint16_t)vcpu;
	h->reserved = 0;
	assert_int_equal(tf_writer_append(g->w, cpu, rec, size), 0);
}

static inline void tgen_close(struct tgen *g)
{
	assert_int_equal(tf_writer_close(g->w, NULL), 0);
}

/* ------------------------------------------------------- scratch and runs */

/* A fresh directory /tmp/hypscope-test-NAME-XXXXXX into dir. */
static inline void scratch_make(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/hypscope-test-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

/* Removes it and all in it; 0, or -1 when that failed. */
static inline int scratch_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* cmd(argc, argv) with its stdout into out_path and its stderr discarded; its exit status. */
static inline int run_to_file(int (*cmd)(int, char **), int argc, char **argv,
			      const char *out_path)
{
	int fd, saved_out, saved_err, devnull, ret;

	fflush(stdout);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	devnull = open("/dev/null", O_WRONLY);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(devnull, STDERR_FILENO);
	ret = cmd(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(fd);
	close(devnull);
	return ret;
}

#endif
