/* Guest image detection, ELF flattening and placement checks. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracer/lib/image.h"

#define SZ_2M (2ull << 20)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Compressed formats a kernel is commonly shipped in, by leading bytes. */
static const struct {
	const char *name;
	uint8_t magic[6];
	size_t len;
} compressed[] = {
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4 },
};

static int reject_compressed(const char *name, const uint8_t *buf, size_t len, struct hs_err *err)
{
	size_t i;

	/* EFI zboot (vmlinuz.efi): "MZ", then "zimg" and the compression type */
	if (len >= 8 && buf[0] == 'M' && buf[1] == 'Z' && !memcmp(buf + 4, "zimg", 4))
		return hs_errf(err, -EINVAL,
			       "%s is an EFI zboot compressed kernel: it must be an uncompressed "
			       "arm64 Image (arch/arm64/boot/Image)",
			       name);
	for (i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++) {
		if (len < compressed[i].len || memcmp(buf, compressed[i].magic, compressed[i].len))
			continue;
		return hs_errf(err, -EINVAL,
			       "%s is %s-compressed: it must be an uncompressed arm64 Image or "
			       "ELF (decompress it first)",
			       name, compressed[i].name);
	}
	return 0;
}

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_386:
		return "x86";
	case EM_X86_64:
		return "x86-64";
	case EM_ARM:
		return "32-bit Arm";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC64:
		return "PowerPC64";
	default:
		return "another architecture";
	}
}

static int check_range(const char *name, const char *what, uint64_t start, uint64_t size,
		       uint64_t mem_size, struct hs_err *err)
{
	uint64_t ram_end = GUEST_RAM_IPA + mem_size;

	if (start >= GUEST_RAM_IPA && start <= ram_end && size <= ram_end - start)
		return 0;
	return hs_errf(err, -ERANGE,
		       "%s: %s 0x%llx-0x%llx lies outside guest RAM 0x%llx-0x%llx (mem=%lluM): %s",
		       name, what, (unsigned long long)start, (unsigned long long)(start + size),
		       (unsigned long long)GUEST_RAM_IPA, (unsigned long long)ram_end,
		       (unsigned long long)(mem_size >> 20),
		       start < GUEST_RAM_IPA ? "link it at 0x40000000 or above" : "raise mem=");
}

/* The ELF header says a 64-bit little-endian aarch64 executable: 0 or -EINVAL. */
static int check_elf_header(const char *name, Elf *elf, GElf_Ehdr *eh, struct hs_err *err)
{
	if (!gelf_getehdr(elf, eh))
		return hs_errf(err, -EINVAL, "%s is a damaged ELF: %s", name, elf_errmsg(-1));
	if (eh->e_machine != EM_AARCH64)
		return hs_errf(err, -EINVAL,
			       "%s is an ELF for %s (e_machine %u), not aarch64: build the guest "
			       "with an aarch64 toolchain",
			       name, machine_name(eh->e_machine), eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return hs_errf(err, -EINVAL,
			       "%s is not an ELF executable (e_type %u): link it as a static, "
			       "non-PIE executable",
			       name, eh->e_type);
	return 0;
}

/*
 * First pass over the n program headers: every loadable segment within the
 * file and guest RAM; their span [*lo, *hi) holds the entry point.
 */
static int elf_bounds(const char *name, Elf *elf, size_t n, size_t len, uint64_t mem_size,
		      uint64_t entry, uint64_t *lo, uint64_t *hi, struct hs_err *err)
{
	char what[32];
	GElf_Phdr ph;
	size_t i;
	int ret;

	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph))
			return hs_errf(err, -EINVAL, "%s: damaged program header %zu: %s", name, i,
				       elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			return hs_errf(err, -EINVAL,
				       "%s is a damaged ELF: segment %zu reaches past the file", name,
				       i);
		snprintf(what, sizeof(what), "segment %zu", i);
		ret = check_range(name, what, ph.p_paddr, ph.p_memsz, mem_size, err);
		if (ret)
			return ret;
		if (ph.p_paddr < *lo)
			*lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > *hi)
			*hi = ph.p_paddr + ph.p_memsz;
	}
	if (*lo >= *hi)
		return hs_errf(err, -EINVAL, "%s: the ELF has no loadable segment", name);
	if (entry < *lo || entry >= *hi)
		return hs_errf(err, -EINVAL,
			       "%s: entry point 0x%llx is outside the loaded segments 0x%llx-0x%llx",
			       name, (unsigned long long)entry, (unsigned long long)*lo,
			       (unsigned long long)*hi);
	return 0;
}

/* Second pass: the file bytes of every loadable segment into one flat image from lo. */
static int elf_flatten(const char *name, Elf *elf, size_t n, const uint8_t *buf, uint64_t lo,
		       uint64_t hi, struct image *img, struct hs_err *err)
{
	GElf_Phdr ph;
	size_t i;

	/* gaps and bss stay zero */
	img->flat = calloc(1, hi - lo);
	if (!img->flat)
		return hs_errf(err, -ENOMEM, "%s: out of memory flattening %llu bytes", name,
			       (unsigned long long)(hi - lo));
	for (i = 0; i < n; i++) {
		gelf_getphdr(elf, (int)i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy(img->flat + (ph.p_paddr - lo), buf + ph.p_offset, ph.p_filesz);
	}
	return 0;
}

static int parse_elf(const char *name, const uint8_t *buf, size_t len, uint64_t mem_size,
		     struct image *img, struct hs_err *err)
{
	uint64_t lo, hi;
	Elf *elf = NULL;
	char *copy = NULL;
	GElf_Ehdr eh;
	size_t n;
	int ret;

	if (len < EI_NIDENT || buf[EI_CLASS] != ELFCLASS64)
		return hs_errf(err, -EINVAL,
			       "%s is a 32-bit ELF: hypscope runs 64-bit aarch64 executables",
			       name);
	if (buf[EI_DATA] != ELFDATA2LSB)
		return hs_errf(err, -EINVAL,
			       "%s is a big-endian ELF: hypscope runs little-endian aarch64 "
			       "executables",
			       name);

	if (elf_version(EV_CURRENT) == EV_NONE)
		return hs_errf(err, -EINVAL, "libelf is unusable: %s", elf_errmsg(-1));
	/* libelf wants a writable buffer; never write through the caller's */
	copy = malloc(len);
	if (!copy)
		return hs_errf(err, -ENOMEM, "%s: out of memory reading the ELF", name);
	memcpy(copy, buf, len);
	elf = elf_memory(copy, len);
	if (!elf) {
		ret = hs_errf(err, -EINVAL, "%s is a damaged ELF: %s", name, elf_errmsg(-1));
		goto cleanup;
	}
	ret = check_elf_header(name, elf, &eh, err);
	if (ret)
		goto cleanup;
	if (elf_getphdrnum(elf, &n)) {
		ret = hs_errf(err, -EINVAL, "%s is a damaged ELF: %s", name, elf_errmsg(-1));
		goto cleanup;
	}
	ret = elf_bounds(name, elf, n, len, mem_size, eh.e_entry, &lo, &hi, err);
	if (!ret)
		ret = elf_flatten(name, elf, n, buf, lo, hi, img, err);
	if (ret)
		goto cleanup;

	img->kind = HYPCFG_IMAGE_FLAT;
	img->flattened = true;
	img->size = hi - lo;
	img->span = hi - lo;
	img->load_ipa = lo;
	img->entry_ipa = eh.e_entry;
	img->format = "ELF";
cleanup:
	elf_end(elf);
	free(copy);
	return ret;
}

static int parse_linux(const char *name, const uint8_t *buf, size_t len, uint64_t mem_size,
		       struct image *img, struct hs_err *err)
{
	uint64_t text_offset = le64(buf + ARM64_IMAGE_TEXT_OFFSET);
	uint64_t image_size = le64(buf + ARM64_IMAGE_SIZE);
	uint64_t flags = le64(buf + ARM64_IMAGE_FLAGS);

	if (flags & ARM64_IMAGE_FLAG_BE)
		return hs_errf(err, -EINVAL,
			       "%s is a big-endian kernel: build a little-endian arm64 Image",
			       name);
	if (text_offset >= mem_size)
		return hs_errf(err, -EINVAL, "%s: text_offset 0x%llx lies beyond guest RAM", name,
			       (unsigned long long)text_offset);

	img->kind = HYPCFG_IMAGE_LINUX;
	img->flattened = false;
	img->size = len;
	img->load_ipa = GUEST_RAM_IPA + text_offset;
	img->entry_ipa = img->load_ipa;
	/* image_size 0: a kernel older than v3.17, whose bss size is unknown */
	img->span = image_size ? image_size : align_up(len, SZ_2M);
	if (img->span < len)
		img->span = len;
	img->format = "Linux Image";
	return check_range(name, "the kernel", img->load_ipa, img->span, mem_size, err);
}

int image_parse(const char *name, const uint8_t *buf, size_t len, uint64_t mem_size,
		struct image *img, struct hs_err *err)
{
	int ret;

	memset(img, 0, sizeof(*img));
	if (len == 0)
		return hs_errf(err, -EINVAL, "%s is empty", name);

	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return parse_elf(name, buf, len, mem_size, img, err);
	if (len >= ARM64_IMAGE_HDR_SIZE &&
	    le32(buf + ARM64_IMAGE_MAGIC_OFFSET) == ARM64_IMAGE_MAGIC)
		return parse_linux(name, buf, len, mem_size, img, err);
	ret = reject_compressed(name, buf, len, err);
	if (ret)
		return ret;

	img->kind = HYPCFG_IMAGE_FLAT;
	img->flattened = false;
	img->size = len;
	img->span = len;
	img->load_ipa = GUEST_RAM_IPA;
	img->entry_ipa = GUEST_RAM_IPA;
	img->format = "flat binary";
	return check_range(name, "the flat binary", GUEST_RAM_IPA, len, mem_size, err);
}

int image_read_file(const char *path, uint8_t **bufp, size_t *lenp, struct hs_err *err)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hs_errf(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = hs_errf(err, -errno, "cannot stat %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = hs_errf(err, -EINVAL, "%s is not a regular file", path);
		goto cleanup;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = hs_errf(err, -ENOMEM, "%s: out of memory reading %lld bytes", path,
			      (long long)st.st_size);
		goto cleanup;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = hs_errf(err, -errno, "cannot read %s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break; /* shrank under us: take what is there */
		done += (size_t)n;
	}
	*bufp = buf;
	*lenp = done;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	close(fd);
	return ret;
}

int image_load(const char *path, uint64_t mem_size, struct image *img, struct hs_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = image_read_file(path, &buf, &len, err);
	if (ret)
		return ret;
	ret = image_parse(path, buf, len, mem_size, img, err);
	free(buf);
	return ret;
}

int image_check_fit(const struct image *img, uint64_t initrd_size, uint64_t mem_size,
		    struct hs_err *err)
{
	uint64_t end = img->load_ipa + img->span;
	uint64_t dtb = GUEST_RAM_IPA + mem_size - GUEST_DTB_RESERVE;

	if (initrd_size)
		end = align_up(end, GUEST_INITRD_ALIGN) + initrd_size;
	if (end <= dtb)
		return 0;
	if (initrd_size)
		return hs_errf(err, -ERANGE,
			       "the image, a %lluK initrd and the device tree do not fit in "
			       "mem=%lluM: raise mem=",
			       (unsigned long long)(initrd_size >> 10),
			       (unsigned long long)(mem_size >> 20));
	return hs_errf(err, -ERANGE,
		       "the image leaves no room for the device tree in the top 64K of "
		       "mem=%lluM: raise mem=",
		       (unsigned long long)(mem_size >> 20));
}

void image_release(struct image *img)
{
	if (!img)
		return;
	free(img->flat);
	img->flat = NULL;
}
