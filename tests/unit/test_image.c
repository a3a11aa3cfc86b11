/* tracer/lib/image.c: image detection, ELF flattening, placement checks. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/lib/image.h"

#define MEM_64M (64ull << 20)
#define FILLER  0xee /* file bytes that no segment covers */

static void assert_msg_has(const struct hs_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("message '%s' does not contain '%s'", e->msg, needle);
}

struct seg {
	uint32_t type;
	uint64_t paddr;
	uint8_t fill; /* every file byte of the segment */
	uint64_t filesz;
	uint64_t memsz;
};

struct elf_opts {
	uint16_t machine;
	uint16_t type;
	uint8_t class;
	uint8_t data;
	uint64_t entry;
};

static const struct elf_opts aarch64_exec = {
	.machine = EM_AARCH64,
	.type = ET_EXEC,
	.class = ELFCLASS64,
	.data = ELFDATA2LSB,
};

/*
 * Builds an ELF by hand: header, program headers, then each segment's file
 * bytes 0x100 apart with FILLER in between. Returns the malloc()ed file.
 */
static uint8_t *build_elf(const struct elf_opts *o, uint64_t entry, const struct seg *segs,
			  size_t n, size_t *len)
{
	size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr), total = off, i;
	Elf64_Ehdr eh = { 0 };
	uint8_t *buf;

	for (i = 0; i < n; i++)
		total += 0x100 + segs[i].filesz;
	total += 0x100;
	buf = malloc(total);
	assert_non_null(buf);
	memset(buf, FILLER, total);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = o->class;
	eh.e_ident[EI_DATA] = o->data;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = o->type;
	eh.e_machine = o->machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)n;
	memcpy(buf, &eh, sizeof(eh));

	for (i = 0; i < n; i++) {
		Elf64_Phdr ph = {
			.p_type = segs[i].type,
			.p_flags = PF_R | PF_X,
			.p_offset = off + 0x100,
			.p_vaddr = segs[i].paddr,
			.p_paddr = segs[i].paddr,
			.p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz,
			.p_align = 8,
		};

		off += 0x100;
		memset(buf + off, segs[i].fill, segs[i].filesz);
		off += segs[i].filesz;
		memcpy(buf + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), &ph, sizeof(ph));
	}
	*len = total;
	return buf;
}

static void assert_all(const uint8_t *p, uint8_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
	}
}

static void test_elf_segments_flatten_with_zeroed_gap_and_bss(void **state)
{
	const struct seg segs[] = {
		{ PT_LOAD, 0x40082000, 0xbb, 8, 0x100 }, /* out of order on purpose */
		{ PT_NOTE, 0x10, 0xcc, 4, 4 },            /* not loaded */
		{ PT_LOAD, 0x40080000, 0xaa, 16, 16 },
	};
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = build_elf(&aarch64_exec, 0x40080004, segs, 3, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), 0);
	assert_int_equal(img.kind, HYPCFG_IMAGE_FLAT);
	assert_true(img.flattened);
	assert_int_equal(img.load_ipa, 0x40080000);
	assert_int_equal(img.entry_ipa, 0x40080004);
	assert_int_equal(img.size, 0x2100);
	assert_int_equal(img.span, 0x2100);
	assert_all(img.flat, 0xaa, 16);
	assert_all(img.flat + 16, 0, 0x2000 - 16);      /* gap: zero, not file filler */
	assert_all(img.flat + 0x2000, 0xbb, 8);
	assert_all(img.flat + 0x2008, 0, 0x100 - 8);    /* bss */
	image_release(&img);
	free(elf);
}

static void test_elf_segment_outside_guest_ram_is_rejected(void **state)
{
	const struct seg below[] = { { PT_LOAD, 0x3ffff000, 0xaa, 0x10, 0x2000 } };
	const struct seg beyond[] = {
		{ PT_LOAD, 0x40000000, 0xaa, 0x10, 0x10 },
		{ PT_LOAD, 0x401ff000, 0xaa, 0x10, 0x2000 }, /* bss crosses the 2M end */
	};
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = build_elf(&aarch64_exec, 0x40000000, below, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -ERANGE);
	assert_msg_has(&e, "segment 0 0x3ffff000-0x40001000 lies outside guest RAM "
			   "0x40000000-0x44000000");
	assert_msg_has(&e, "link it at 0x40000000 or above");
	assert_null(img.flat);
	free(elf);

	elf = build_elf(&aarch64_exec, 0x40000000, beyond, 2, &len);
	assert_int_equal(image_parse("g.elf", elf, len, 2ull << 20, &img, &e), -ERANGE);
	assert_msg_has(&e, "segment 1");
	assert_msg_has(&e, "(mem=2M): raise mem=");
	/* the same file fits once guest RAM is larger */
	assert_int_equal(image_parse("g.elf", elf, len, 4ull << 20, &img, &e), 0);
	assert_int_equal(img.span, 0x201000);
	image_release(&img);
	free(elf);
}

static void test_elf_entry_outside_segments_is_rejected(void **state)
{
	const struct seg segs[] = { { PT_LOAD, 0x40080000, 0xaa, 16, 16 } };
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = build_elf(&aarch64_exec, 0x40080010, segs, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "entry point 0x40080010 is outside the loaded segments");
	free(elf);
}

static void test_elf_for_other_targets_is_rejected_by_name(void **state)
{
	const struct seg segs[] = { { PT_LOAD, 0x40080000, 0xaa, 16, 16 } };
	struct elf_opts o;
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;

	(void)state;
	o = aarch64_exec;
	o.machine = EM_X86_64;
	elf = build_elf(&o, 0x40080000, segs, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "ELF for x86-64 (e_machine 62), not aarch64");
	free(elf);

	o = aarch64_exec;
	o.class = ELFCLASS32;
	elf = build_elf(&o, 0x40080000, segs, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "is a 32-bit ELF");
	free(elf);

	o = aarch64_exec;
	o.data = ELFDATA2MSB;
	elf = build_elf(&o, 0x40080000, segs, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "big-endian ELF");
	free(elf);

	o = aarch64_exec;
	o.type = ET_DYN;
	elf = build_elf(&o, 0x40080000, segs, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "not an ELF executable");
	free(elf);
}

static void test_elf_without_loadable_segment_or_truncated_is_rejected(void **state)
{
	const struct seg none[] = { { PT_NOTE, 0x40080000, 0xaa, 16, 16 } };
	const struct seg ok[] = { { PT_LOAD, 0x40080000, 0xaa, 16, 16 } };
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = build_elf(&aarch64_exec, 0x40080000, none, 1, &len);
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "no loadable segment");
	free(elf);

	/* cut the file inside the segment's bytes */
	elf = build_elf(&aarch64_exec, 0x40080000, ok, 1, &len);
	len = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 0x100 + 8;
	assert_int_equal(image_parse("g.elf", elf, len, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "reaches past the file");
	free(elf);
}

static uint8_t *build_linux(size_t len, uint64_t text_offset, uint64_t image_size,
			    uint64_t flags)
{
	uint8_t *buf = calloc(1, len);
	int i;

	assert_non_null(buf);
	for (i = 0; i < 8; i++) {
		buf[ARM64_IMAGE_TEXT_OFFSET + i] = (uint8_t)(text_offset >> (8 * i));
		buf[ARM64_IMAGE_SIZE + i] = (uint8_t)(image_size >> (8 * i));
		buf[ARM64_IMAGE_FLAGS + i] = (uint8_t)(flags >> (8 * i));
	}
	buf[0] = 'M'; /* EFI stub kernels start with "MZ" too */
	buf[1] = 'Z';
	memcpy(buf + ARM64_IMAGE_MAGIC_OFFSET, "ARM\x64", 4);
	return buf;
}

static void test_linux_image_loads_at_text_offset_with_header_span(void **state)
{
	struct image img;
	struct hs_err e;
	uint8_t *k;

	(void)state;
	k = build_linux(0x1000, 0x80000, 0x300000, 0xa);
	assert_int_equal(image_parse("Image", k, 0x1000, MEM_64M, &img, &e), 0);
	assert_int_equal(img.kind, HYPCFG_IMAGE_LINUX);
	assert_false(img.flattened);
	assert_null(img.flat);
	assert_int_equal(img.load_ipa, GUEST_RAM_IPA + 0x80000);
	assert_int_equal(img.entry_ipa, GUEST_RAM_IPA + 0x80000);
	assert_int_equal(img.size, 0x1000);
	assert_int_equal(img.span, 0x300000);
	free(k);

	/* image_size 0 (before v3.17): the file size rounded up to 2 MiB */
	k = build_linux(0x1000, 0, 0, 0);
	assert_int_equal(image_parse("Image", k, 0x1000, MEM_64M, &img, &e), 0);
	assert_int_equal(img.load_ipa, GUEST_RAM_IPA);
	assert_int_equal(img.span, 2ull << 20);
	free(k);
}

static void test_linux_image_too_big_or_big_endian_is_rejected(void **state)
{
	struct image img;
	struct hs_err e;
	uint8_t *k;

	(void)state;
	k = build_linux(0x1000, 0x80000, 0x300000, 0);
	assert_int_equal(image_parse("Image", k, 0x1000, 2ull << 20, &img, &e), -ERANGE);
	assert_msg_has(&e, "the kernel 0x40080000-0x40380000 lies outside guest RAM");
	free(k);

	k = build_linux(0x1000, 0x80000, 0x300000, ARM64_IMAGE_FLAG_BE);
	assert_int_equal(image_parse("Image", k, 0x1000, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "big-endian kernel");
	free(k);
}

static void test_compressed_kernels_must_be_uncompressed(void **state)
{
	uint8_t gz[64] = { 0x1f, 0x8b, 0x08 };
	uint8_t xz[64] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	uint8_t zboot[64] = { 'M', 'Z', 0, 0, 'z', 'i', 'm', 'g' };
	struct image img;
	struct hs_err e;

	(void)state;
	assert_int_equal(image_parse("Image.gz", gz, sizeof(gz), MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "Image.gz is gzip-compressed: it must be an uncompressed arm64 Image");
	assert_int_equal(image_parse("Image.xz", xz, sizeof(xz), MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "xz-compressed");
	assert_int_equal(image_parse("vmlinuz.efi", zboot, sizeof(zboot), MEM_64M, &img, &e),
			 -EINVAL);
	assert_msg_has(&e, "EFI zboot compressed kernel: it must be an uncompressed");
}

static void test_anything_else_is_flat_at_guest_ram_base(void **state)
{
	const uint8_t code[8] = { 0x1f, 0x20, 0x03, 0xd5, 0x00, 0x00, 0x00, 0x14 };
	struct image img;
	struct hs_err e;
	uint8_t *big;

	(void)state;
	assert_int_equal(image_parse("g.bin", code, sizeof(code), MEM_64M, &img, &e), 0);
	assert_int_equal(img.kind, HYPCFG_IMAGE_FLAT);
	assert_false(img.flattened);
	assert_int_equal(img.load_ipa, GUEST_RAM_IPA);
	assert_int_equal(img.entry_ipa, GUEST_RAM_IPA);
	assert_int_equal(img.size, sizeof(code));
	assert_int_equal(img.span, sizeof(code));

	big = calloc(1, (2u << 20) + 1);
	assert_non_null(big);
	assert_int_equal(image_parse("g.bin", big, (2u << 20) + 1, 2ull << 20, &img, &e), -ERANGE);
	assert_msg_has(&e, "the flat binary");
	assert_int_equal(image_parse("g.bin", big, 2u << 20, 2ull << 20, &img, &e), 0);
	free(big);

	assert_int_equal(image_parse("g.bin", code, 0, MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "g.bin is empty");
}

static void test_image_load_reads_the_file(void **state)
{
	const struct seg segs[] = { { PT_LOAD, 0x40080000, 0x5a, 32, 64 } };
	char path[] = "/tmp/test_image-XXXXXX";
	struct image img;
	struct hs_err e;
	uint8_t *elf;
	size_t len;
	int fd;

	(void)state;
	elf = build_elf(&aarch64_exec, 0x40080000, segs, 1, &len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, elf, len), (ssize_t)len);
	close(fd);

	assert_int_equal(image_load(path, MEM_64M, &img, &e), 0);
	assert_int_equal(img.size, 64);
	assert_all(img.flat, 0x5a, 32);
	assert_all(img.flat + 32, 0, 32);
	image_release(&img);
	image_release(NULL);
	unlink(path);
	free(elf);

	assert_int_equal(image_load(path, MEM_64M, &img, &e), -ENOENT);
	assert_msg_has(&e, "cannot open /tmp/test_image-");
	assert_int_equal(image_load("/tmp", MEM_64M, &img, &e), -EINVAL);
	assert_msg_has(&e, "/tmp is not a regular file");
}

static void test_image_initrd_and_device_tree_must_fit(void **state)
{
	struct image img = { .load_ipa = GUEST_RAM_IPA + 0x80000, .span = 0x300001 };
	uint64_t mem = 8ull << 20, room;
	struct hs_err e;

	(void)state;
	/* the initrd starts on the page after the span: 0x40381000 */
	room = GUEST_RAM_IPA + mem - GUEST_DTB_RESERVE - 0x40381000;
	assert_int_equal(image_check_fit(&img, 0, mem, &e), 0);
	assert_int_equal(image_check_fit(&img, room, mem, &e), 0);
	assert_int_equal(image_check_fit(&img, room + 1, mem, &e), -ERANGE);
	assert_msg_has(&e, "initrd and the device tree do not fit in mem=8M");

	/* without initrd the image may reach up to the device tree, not into it */
	img.load_ipa = GUEST_RAM_IPA;
	img.span = mem - GUEST_DTB_RESERVE;
	assert_int_equal(image_check_fit(&img, 0, mem, &e), 0);
	img.span++;
	assert_int_equal(image_check_fit(&img, 0, mem, &e), -ERANGE);
	assert_msg_has(&e, "no room for the device tree");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_segments_flatten_with_zeroed_gap_and_bss),
		cmocka_unit_test(test_elf_segment_outside_guest_ram_is_rejected),
		cmocka_unit_test(test_elf_entry_outside_segments_is_rejected),
		cmocka_unit_test(test_elf_for_other_targets_is_rejected_by_name),
		cmocka_unit_test(test_elf_without_loadable_segment_or_truncated_is_rejected),
		cmocka_unit_test(test_linux_image_loads_at_text_offset_with_header_span),
		cmocka_unit_test(test_linux_image_too_big_or_big_endian_is_rejected),
		cmocka_unit_test(test_compressed_kernels_must_be_uncompressed),
		cmocka_unit_test(test_anything_else_is_flat_at_guest_ram_base),
		cmocka_unit_test(test_image_load_reads_the_file),
		cmocka_unit_test(test_image_initrd_and_device_tree_must_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
