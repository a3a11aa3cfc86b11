/*
 * read_trace: the trace reader alone, as `hypscope report` drives it, with
 * no model behind it: for `make bench` to split report's time between the
 * reader and the model.
 *
 *   read_trace [-j THREADS] FILE
 *
 * Opens FILE as hs_load_trace_threads() does (each chunk checked when it is
 * loaded: CRC and records), takes the merged records in batches of the same
 * size and only counts them and sums their sizes, which the merge hands over
 * anyway. Prints "RECORDS records, BYTES bytes". Exit status 0, or 2 when the
 * file cannot be read as a trace.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/host/tracefile.h"
#include "tracer/lib/analysis.h"

int main(int argc, char **argv)
{
	struct tf_record rec[HS_LOAD_BATCH];
	uint64_t records = 0, bytes = 0;
	unsigned threads = 1;
	char msg[TF_MSG_LEN];
	struct tf_reader *rd;
	int opt, got, ret, i;

	while ((opt = getopt(argc, argv, "j:")) != -1) {
		if (opt != 'j')
			goto usage;
		threads = (unsigned)strtoul(optarg, NULL, 0);
	}
	if (optind != argc - 1)
		goto usage;
	ret = tf_reader_open_flags(&rd, argv[optind], threads, TF_OPEN_CHECK_ON_LOAD, msg,
				   sizeof(msg));
	if (ret) {
		fprintf(stderr, "read_trace: %s\n", msg);
		return 2;
	}
	while ((got = tf_reader_next_batch(rd, rec, HS_LOAD_BATCH)) > 0) {
		records += (uint64_t)got;
		for (i = 0; i < got; i++)
			bytes += rec[i].size;
	}
	tf_reader_close(rd);
	if (got < 0) {
		fprintf(stderr, "read_trace: %s: %s\n", argv[optind], strerror(-got));
		return 2;
	}
	printf("%" PRIu64 " records, %" PRIu64 " bytes\n", records, bytes);
	return 0;
usage:
	fprintf(stderr, "usage: read_trace [-j THREADS] FILE\n");
	return 2;
}
