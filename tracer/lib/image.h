/*
 * Guest images: what a file is, where it goes in guest RAM, where it starts.
 *
 *   ELF (aarch64, 64-bit, executable): PT_LOAD segments flattened into one
 *       blob from the lowest p_paddr to the highest p_paddr + p_memsz, gaps
 *       and bss zero; staged as that blob, kind FLAT.
 *   Linux arm64 Image: loaded at GUEST_RAM_IPA + text_offset, kind LINUX.
 *   anything else: raw bytes at GUEST_RAM_IPA, entry at the first byte.
 */
#ifndef TRACER_IMAGE_H
#define TRACER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "tracer/lib/util.h"

/* The arm64 Image header (Documentation/arch/arm64/booting.rst), little-endian. */
#define ARM64_IMAGE_HDR_SIZE     64u
#define ARM64_IMAGE_TEXT_OFFSET  0x08u
#define ARM64_IMAGE_SIZE         0x10u
#define ARM64_IMAGE_FLAGS        0x18u
#define ARM64_IMAGE_MAGIC_OFFSET 0x38u
#define ARM64_IMAGE_MAGIC        0x644d5241u /* "ARM\x64" */
#define ARM64_IMAGE_FLAG_BE      0x1u

struct image {
	uint32_t kind;      /* enum hypcfg_image_kind */
	bool flattened;     /* an ELF: stage @flat; else stage the file as it is */
	uint8_t *flat;      /* the flattened ELF, @size bytes */
	uint64_t size;      /* bytes to stage (image_size) */
	uint64_t load_ipa;
	uint64_t entry_ipa;
	uint64_t span;      /* bytes occupied in guest RAM, bss included */
	const char *format; /* "ELF", "Linux Image", "flat binary" */
};

/*
 * Classifies the whole content @buf of the file @name and checks that it fits
 * guest RAM of @mem_size bytes. On success an ELF's flattened copy is in
 * img->flat (free with image_release()).
 */
int image_parse(const char *name, const uint8_t *buf, size_t len, uint64_t mem_size,
		struct image *img, struct hs_err *err);

/* Reads @path and image_parse()s it. */
int image_load(const char *path, uint64_t mem_size, struct image *img, struct hs_err *err);

/*
 * How the hypervisor lays out guest RAM: the initrd on the first page after
 * the image's span, the device tree in the top 64 KiB.
 */
#define GUEST_INITRD_ALIGN 0x1000ull
#define GUEST_DTB_RESERVE  0x10000ull

/* Checks that the image, an initrd of @initrd_size bytes (0: none) and the device tree fit. */
int image_check_fit(const struct image *img, uint64_t initrd_size, uint64_t mem_size,
		    struct hs_err *err);

/* Frees what image_parse() allocated; accepts NULL and a zeroed image. */
void image_release(struct image *img);

/* Reads a whole regular file into a malloc()ed buffer. */
int image_read_file(const char *path, uint8_t **buf, size_t *len, struct hs_err *err);

#endif
