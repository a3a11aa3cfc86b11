/*
 * The trace file reader (formats/host/tracefile.c) on any bytes: open, index,
 * summarise, load every chunk, merge every record, rewind and merge again;
 * then a one-thread reader (a buffer, not a mapping) merges the same records;
 * then readers that check each chunk when they load it (one thread, and two)
 * merge them in batches, and end with the same chunks, problems and stats as
 * the check at open. Whatever the file holds, the reader returns errors and
 * problems, never reads out of bounds, and hands out only records that fit
 * their chunk.
 */
#include "formats/host/tracefile.h"
#include "tests/fuzz/fuzz.h"

/* Merge path's records in batches under TF_OPEN_CHECK_ON_LOAD; compare the end with ref's. */
static void check_on_load(const char *path, unsigned threads, const struct tf_reader *ref,
			  uint64_t n_ref)
{
	struct tf_reader_stats st, st_ref;
	struct tf_record rec[7];
	char err[TF_MSG_LEN];
	struct tf_reader *r;
	uint64_t n = 0;
	size_t i;
	int got;

	if (tf_reader_open_flags(&r, path, threads, TF_OPEN_CHECK_ON_LOAD, err, sizeof(err)))
		abort(); /* the same header and chunk headers opened for ref */
	while ((got = tf_reader_next_batch(r, rec, 7)) > 0) {
		for (i = 0; i < (size_t)got; i++) {
			if (rec[i].size < sizeof(*rec[i].hdr) || rec[i].hdr->size != rec[i].size ||
			    rec[i].cpu >= tf_reader_header(r)->nr_cpus)
				abort();
			n++;
		}
	}
	tf_reader_stats(r, &st);
	tf_reader_stats(ref, &st_ref);
	if (got || n != n_ref || memcmp(&st, &st_ref, sizeof(st)) ||
	    tf_reader_nr_chunks(r) != tf_reader_nr_chunks(ref) ||
	    tf_reader_nr_problems(r) != tf_reader_nr_problems(ref))
		abort();
	for (i = 0; i < tf_reader_nr_problems(r); i++)
		if (strcmp(tf_reader_problem(r, i), tf_reader_problem(ref, i)))
			abort();
	tf_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[TF_MSG_LEN], summary[2 * TF_MSG_LEN];
	struct tf_reader_stats st;
	struct tf_reader *r = NULL;
	struct tf_record rec;
	const void *payload;
	uint64_t n1 = 0, n2 = 0;
	size_t i;
	int fd, ret;

	fd = fz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (tf_reader_open(&r, path, err, sizeof(err))) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort(); /* an error always comes with its one line */
		close(fd);
		return 0;
	}
	tf_reader_stats(r, &st);
	tf_reader_summary(r, summary, sizeof(summary));
	for (i = 0; i < tf_reader_nr_problems(r); i++)
		if (!tf_reader_problem(r, i))
			abort();
	for (i = 0; i < tf_reader_nr_chunks(r); i++) {
		ret = tf_reader_load_chunk(r, i, &payload);
		if (ret >= 0 && (uint32_t)ret != tf_reader_chunk(r, i)->hdr.payload_len)
			abort();
	}
	while ((ret = tf_reader_next(r, &rec)) > 0) {
		if (rec.size < sizeof(*rec.hdr) || rec.hdr->size != rec.size ||
		    rec.cpu >= tf_reader_header(r)->nr_cpus)
			abort();
		n1++;
	}
	tf_reader_rewind(r);
	while (tf_reader_next(r, &rec) > 0)
		n2++;
	/* a second pass reads the same, unless a chunk changed under it (it cannot here) */
	if (ret == 0 && n1 != n2)
		abort();
	tf_reader_close(r);
	n2 = 0;
	if (ret == 0 && !tf_reader_open_threads(&r, path, 1, err, sizeof(err))) {
		while (tf_reader_next(r, &rec) > 0) {
			if (rec.size < sizeof(*rec.hdr) || rec.hdr->size != rec.size)
				abort();
			n2++;
		}
		if (n1 != n2)
			abort();
		if (!tf_reader_nr_problems(r) || !strstr(tf_reader_problem(r, 0), "changed since")) {
			check_on_load(path, 1, r, n1);
			check_on_load(path, 2, r, n1);
		}
		tf_reader_close(r);
	}
	close(fd);
	return 0;
}
