/*
 * The machine hypscope boots: where the host stages images in physical
 * memory, the control block it writes, how much RAM QEMU gets, and the QEMU
 * command line. All pure: no process is started and no file is written here.
 */
#ifndef TRACER_MACHINE_H
#define TRACER_MACHINE_H

#include <stdint.h>
#include <stdio.h>

#include "formats/hypcfg.h"
#include "tracer/lib/util.h"
#include "tracer/lib/image.h"
#include "tracer/lib/vmspec.h"

#define STAGING_ALIGN     (2ull << 20)
#define MACHINE_RAM_MIN   (1ull << 30)
#define MACHINE_RAM_SLACK (64ull << 20)
#define MACHINE_MAX_BLOBS (2 * HYPCFG_MAX_VMS) /* an image and an initrd per VM */
#define MACHINE_MAX_CPUS  HYP_MAX_CPUS
#define QEMU_DEFAULT      "qemu-system-aarch64"
#define QEMU_PACKAGE      "qemu-system-arm"

/* A file QEMU copies into physical memory with -device loader. */
struct blob {
	char *file; /* owned */
	uint64_t size;
	uint64_t pa;
};

struct machine {
	const char *qemu;      /* QEMU binary */
	const char *hyp;       /* the hypervisor ELF, for -kernel */
	const char *cpu_model; /* -cpu */
	const char *cfg_file;  /* struct hypcfg, loaded at HYPCFG_PA */
	const char *shm_path;  /* memory-backend-file behind all of RAM */
	unsigned int cpus;     /* -smp */
	uint64_t ram_size;     /* -m, see machine_ram_size() */
	uint64_t staging_end;  /* first byte above the staged blobs */
	struct blob blobs[MACHINE_MAX_BLOBS];
	size_t nr_blobs;
	const char *gdb_serial;  /* -serial of the second UART (the GDB stub); NULL: none */
	bool mte;                /* -M virt,mte=on: tag memory for MTE */
	char *const *extra_args; /* --qemu-arg, appended as given */
	size_t nr_extra_args;
};

/*
 * Reserves @size bytes of machine RAM above everything staged (2 MiB
 * aligned) for the hypervisor's own use, e.g. the trace rings. Returns the
 * physical address.
 */
uint64_t machine_reserve(struct machine *m, uint64_t size);

/* Zeroes @m and starts staging at HYP_STAGING_PA. */
void machine_init(struct machine *m);

/* Frees the blob list; accepts NULL. */
void machine_destroy(struct machine *m);

/*
 * Places @file (@size bytes) at the next 2 MiB boundary above the blobs
 * already staged, or returns the address it already has when the same file
 * was staged before: blobs never overlap and each file is loaded once.
 */
int machine_stage(struct machine *m, const char *file, uint64_t size, uint64_t *pa,
		  struct hs_err *err);

/*
 * Loads @file (@size bytes) at @pa, inside a region machine_reserve() gave
 * (a VM's RAM, loaded in place): never shared with another blob.
 */
int machine_place(struct machine *m, const char *file, uint64_t size, uint64_t pa,
		  struct hs_err *err);

/*
 * RAM for QEMU: everything up to the end of staging, plus @guest_mem (the sum
 * of every VM slot's mem=; instances of a slot run one after the other), plus
 * slack, rounded to a power of two up to 4 GiB and to GiB above; at least 1 GiB.
 */
uint64_t machine_ram_size(uint64_t staging_end, uint64_t guest_mem);

/* The QEMU argv, NULL-terminated; NULL when out of memory. */
char **machine_argv(const struct machine *m);
void machine_argv_free(char **argv);

/* Prints argv as one shell-quoted line. */
void machine_print_cmdline(FILE *f, char *const argv[]);

/* QEMU's option parser splits at ',': a ',' in a value is written ",,". */
char *qemu_opt_escape(const char *s);

/*
 * Finds the QEMU binary: @opt (--qemu) if given, else @env ($HYPSCOPE_QEMU)
 * if set, else qemu-system-aarch64 searched in @path ($PATH). A name without
 * '/' is searched in @path too.
 */
int machine_find_qemu(const char *opt, const char *env, const char *path, char *out, size_t len,
	      struct hs_err *err);

/* The control block. */
void hypcfg_init(struct hypcfg *cfg, uint32_t vmid_bits, uint32_t slice_us);
/* @ram_pa: the RAM image and initrd were loaded into (hypcfg_vm.ram_pa), or 0. */
int hypcfg_add_vm(struct hypcfg *cfg, const struct vmspec *spec, const struct image *img,
		  uint64_t ram_pa, uint64_t image_pa, uint64_t initrd_pa, uint64_t initrd_size,
		  struct hs_err *err);

/* Describes @cfg as "# " comment lines; @images names each VM's file, may be NULL. */
void hypcfg_print(FILE *f, const struct hypcfg *cfg, const char *const *images);

#endif
