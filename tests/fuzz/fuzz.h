/*
 * What the libFuzzer harnesses share: the input read as a stream of numbers
 * (an input that runs out reads as zeros), and the input as a file for the
 * readers that take a path.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fz_bytes(struct fz *f, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len && f->n; i++, f->p++, f->n--)
		v |= (uint64_t)*f->p << (8 * i);
	return v;
}

static inline uint8_t fz_u8(struct fz *f) { return (uint8_t)fz_bytes(f, 1); }
static inline uint16_t fz_u16(struct fz *f) { return (uint16_t)fz_bytes(f, 2); }
static inline uint32_t fz_u32(struct fz *f) { return (uint32_t)fz_bytes(f, 4); }
static inline uint64_t fz_u64(struct fz *f) { return fz_bytes(f, 8); }
static inline bool fz_bool(struct fz *f) { return fz_u8(f) & 1; }

/* A value below n (n > 0). */
static inline unsigned fz_below(struct fz *f, unsigned n)
{
	return (unsigned)(fz_u16(f) % n);
}

/*
 * The input as a file, for readers that take a path: a memfd, named
 * /proc/self/fd/N in *path. Returns the fd (close it), -1 on failure.
 */
static inline int fz_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
