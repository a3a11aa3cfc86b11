/*
 * The CSV reader (formats/host/export_csv.c) on any text: every row it accepts
 * becomes a record whose header agrees with its size, every row it refuses
 * gets a one-line error, and it always reaches the end.
 */
#include "formats/host/export.h"
#include "formats/trace.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct export_csv_reader *c = NULL;
	uint64_t rec[TRACE_MAX_RECORD / 8];
	char path[64], err[256];
	unsigned rows = 0;
	int fd, n;

	fd = fz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (export_csv_reader_open(&c, path, err, sizeof(err))) {
		if (!err[0])
			abort();
		close(fd);
		return 0;
	}
	while ((n = export_csv_reader_next(c, rec, sizeof(rec))) > 0) {
		const struct trace_hdr *h = (const struct trace_hdr *)rec;

		if (h->size < sizeof(*h) || h->size > sizeof(rec))
			abort();
		if (++rows > size + 1)
			abort(); /* more rows than lines: it loops */
	}
	if (n < 0 && !export_csv_reader_error(c)[0])
		abort();
	export_csv_reader_close(c);
	close(fd);
	return 0;
}
