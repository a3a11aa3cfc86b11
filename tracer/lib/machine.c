/* Staging layout, control block, RAM size and QEMU command line. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracer/lib/machine.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void machine_init(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->staging_end = HYP_STAGING_PA;
}

void machine_destroy(struct machine *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr_blobs; i++) {
		free(m->blobs[i].file);
		m->blobs[i].file = NULL;
	}
	m->nr_blobs = 0;
}

uint64_t machine_reserve(struct machine *m, uint64_t size)
{
	uint64_t at = align_up(m->staging_end, STAGING_ALIGN);

	m->staging_end = at + size;
	return at;
}

int machine_stage(struct machine *m, const char *file, uint64_t size, uint64_t *pa,
		  struct hs_err *err)
{
	struct blob *b;
	uint64_t at;
	size_t i;

	for (i = 0; i < m->nr_blobs; i++) {
		if (!strcmp(m->blobs[i].file, file) && m->blobs[i].size == size) {
			*pa = m->blobs[i].pa;
			return 0;
		}
	}
	if (m->nr_blobs == MACHINE_MAX_BLOBS)
		return hs_errf(err, -E2BIG, "too many files to stage: at most %u",
			       MACHINE_MAX_BLOBS);
	if (size == 0)
		return hs_errf(err, -EINVAL, "%s is empty", file);
	at = align_up(m->staging_end, STAGING_ALIGN);
	/* keep the whole layout far below where 64-bit arithmetic could wrap */
	if (size > (1ull << 40) || at + size > (1ull << 40))
		return hs_errf(err, -E2BIG, "%s is too large to stage", file);

	b = &m->blobs[m->nr_blobs];
	b->file = strdup(file);
	if (!b->file)
		return hs_errf(err, -ENOMEM, "out of memory");
	b->size = size;
	b->pa = at;
	m->nr_blobs++;
	m->staging_end = at + size;
	*pa = at;
	return 0;
}

int machine_place(struct machine *m, const char *file, uint64_t size, uint64_t pa,
		  struct hs_err *err)
{
	struct blob *b;

	if (m->nr_blobs == MACHINE_MAX_BLOBS)
		return hs_errf(err, -E2BIG, "too many files to stage: at most %u",
			       MACHINE_MAX_BLOBS);
	if (size == 0)
		return hs_errf(err, -EINVAL, "%s is empty", file);
	if (size > (1ull << 40) || pa > (1ull << 40) || pa + size > m->staging_end)
		return hs_errf(err, -E2BIG, "%s does not fit where it is to be loaded", file);
	b = &m->blobs[m->nr_blobs];
	b->file = strdup(file);
	if (!b->file)
		return hs_errf(err, -ENOMEM, "out of memory");
	b->size = size;
	b->pa = pa;
	m->nr_blobs++;
	return 0;
}

uint64_t machine_ram_size(uint64_t staging_end, uint64_t guest_mem)
{
	uint64_t need = (staging_end - HYP_RAM_BASE) + guest_mem + MACHINE_RAM_SLACK;
	uint64_t ram = MACHINE_RAM_MIN;

	while (ram < need && ram < (4ull << 30))
		ram <<= 1;
	if (ram < need)
		ram = align_up(need, 1ull << 30);
	return ram;
}

/* ------------------------------------------------------------ argv */

struct argv_vec {
	char **v;
	size_t n, cap;
	bool failed;
};

static void push_owned(struct argv_vec *a, char *s)
{
	char **nv;

	if (!s)
		a->failed = true;
	if (a->failed) {
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		nv = realloc(a->v, a->cap * sizeof(*nv));
		if (!nv) {
			a->failed = true;
			free(s);
			return;
		}
		a->v = nv;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void pushf(struct argv_vec *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pushf(struct argv_vec *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	push_owned(a, s);
}

static void push(struct argv_vec *a, const char *s)
{
	push_owned(a, strdup(s));
}

char *qemu_opt_escape(const char *s)
{
	size_t n = strlen(s), commas = 0, i;
	char *out, *o;

	for (i = 0; i < n; i++)
		commas += s[i] == ',';
	out = malloc(n + commas + 1);
	if (!out)
		return NULL;
	for (o = out, i = 0; i < n; i++) {
		*o++ = s[i];
		if (s[i] == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

static void push_loader(struct argv_vec *a, const char *file, uint64_t pa)
{
	char *esc = qemu_opt_escape(file);

	if (!esc) {
		a->failed = true;
		return;
	}
	push(a, "-device");
	pushf(a, "loader,file=%s,addr=0x%llx,force-raw=on", esc, (unsigned long long)pa);
	free(esc);
}

char **machine_argv(const struct machine *m)
{
	struct argv_vec a = { 0 };
	unsigned long long ram_mib = m->ram_size >> 20;
	char *shm;
	size_t i;

	push(&a, m->qemu);
	push(&a, "-M");
	push(&a, m->mte ? "virt,virtualization=on,gic-version=3,mte=on"
			: "virt,virtualization=on,gic-version=3");
	push(&a, "-cpu");
	push(&a, m->cpu_model);
	push(&a, "-smp");
	pushf(&a, "%u", m->cpus);
	push(&a, "-m");
	pushf(&a, "%lluM", ram_mib);
	push(&a, "-nographic");
	push(&a, "-no-reboot");
	/* no default NIC: the hypervisor has no use for it, and its option ROM may be missing */
	push(&a, "-nic");
	push(&a, "none");
	push(&a, "-serial");
	push(&a, "stdio");
	push(&a, "-serial");
	push(&a, m->gdb_serial ? m->gdb_serial : "null");
	push(&a, "-monitor");
	push(&a, "none");
	push(&a, "-kernel");
	push(&a, m->hyp);
	push_loader(&a, m->cfg_file, HYPCFG_PA);
	for (i = 0; i < m->nr_blobs; i++)
		push_loader(&a, m->blobs[i].file, m->blobs[i].pa);
	shm = qemu_opt_escape(m->shm_path);
	push(&a, "-object");
	if (shm)
		pushf(&a, "memory-backend-file,id=ram0,size=%lluM,mem-path=%s,share=on", ram_mib,
		      shm);
	else
		a.failed = true;
	free(shm);
	push(&a, "-machine");
	push(&a, "memory-backend=ram0");
	for (i = 0; i < m->nr_extra_args; i++)
		push(&a, m->extra_args[i]);

	if (a.failed) {
		machine_argv_free(a.v);
		return NULL;
	}
	return a.v;
}

void machine_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "_@%+=:,./-",
			    *s))
			return false;
	}
	return true;
}

void machine_print_cmdline(FILE *f, char *const argv[])
{
	const char *s;
	size_t i;

	for (i = 0; argv[i]; i++) {
		if (i)
			fputc(' ', f);
		if (shell_safe(argv[i])) {
			fputs(argv[i], f);
			continue;
		}
		fputc('\'', f);
		for (s = argv[i]; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", f);
			else
				fputc(*s, f);
		}
		fputc('\'', f);
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------ QEMU binary */

static bool is_executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

static bool search_path(const char *name, const char *path, char *out, size_t len)
{
	const char *dir = path, *end;
	int n;

	while (dir) {
		end = strchr(dir, ':');
		if (end == dir || !*dir) /* an empty entry means "." */
			n = snprintf(out, len, "./%s", name);
		else
			n = snprintf(out, len, "%.*s/%s",
				     (int)(end ? (size_t)(end - dir) : strlen(dir)), dir, name);
		if (n > 0 && (size_t)n < len && is_executable(out))
			return true;
		dir = end ? end + 1 : NULL;
	}
	return false;
}

int machine_find_qemu(const char *opt, const char *env, const char *path, char *out, size_t len,
	      struct hs_err *err)
{
	const char *name = QEMU_DEFAULT, *from = NULL;

	if (opt && *opt) {
		name = opt;
		from = "--qemu";
	} else if (env && *env) {
		name = env;
		from = "HYPSCOPE_QEMU=";
	}

	if (strchr(name, '/')) {
		if (strlen(name) >= len)
			return hs_errf(err, -ENAMETOOLONG, "%s%s: path too long", from ? from : "",
				       name);
		if (!is_executable(name))
			return hs_errf(err, -ENOENT, "%s%s%s is not an executable file",
				       from ? from : "", from && from[0] == '-' ? " " : "", name);
		strcpy(out, name);
		return 0;
	}
	if (path && search_path(name, path, out, len))
		return 0;
	if (from)
		return hs_errf(err, -ENOENT, "%s%s%s: not found in PATH", from,
			       from[0] == '-' ? " " : "", name);
	return hs_errf(err, -ENOENT,
		       "%s not found in PATH: install the Debian package %s "
		       "(apt-get install %s) or pass --qemu PATH",
		       QEMU_DEFAULT, QEMU_PACKAGE, QEMU_PACKAGE);
}

/* ------------------------------------------------------------ control block */

void hypcfg_init(struct hypcfg *cfg, uint32_t vmid_bits, uint32_t slice_us)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->magic = HYPCFG_MAGIC;
	cfg->version = HYPCFG_VERSION;
	cfg->size = sizeof(*cfg);
	cfg->vmid_bits = vmid_bits;
	cfg->slice_us = slice_us;
	cfg->trace_mode = HYPCFG_TRACE_OFF;
	cfg->status_pa = HYPSTAT_PA;
}

int hypcfg_add_vm(struct hypcfg *cfg, const struct vmspec *spec, const struct image *img,
		  uint64_t ram_pa, uint64_t image_pa, uint64_t initrd_pa, uint64_t initrd_size,
		  struct hs_err *err)
{
	struct hypcfg_vm *vm;

	if (cfg->nr_vms >= HYPCFG_MAX_VMS)
		return hs_errf(err, -E2BIG, "at most %u VMs", HYPCFG_MAX_VMS);
	vm = &cfg->vms[cfg->nr_vms];
	memset(vm, 0, sizeof(*vm));
	/* vmspec_parse() bounded both strings by these very sizes */
	memcpy(vm->name, spec->name, sizeof(vm->name));
	vm->name[sizeof(vm->name) - 1] = '\0';
	memcpy(vm->cmdline, spec->cmdline, sizeof(vm->cmdline));
	vm->cmdline[sizeof(vm->cmdline) - 1] = '\0';
	vm->image_pa = image_pa;
	vm->image_size = img->size;
	vm->load_ipa = img->load_ipa;
	vm->entry_ipa = img->entry_ipa;
	vm->image_span = img->span;
	vm->initrd_pa = initrd_size ? initrd_pa : 0;
	vm->initrd_size = initrd_size;
	vm->mem_size = spec->mem_size;
	vm->ram_pa = ram_pa;
	vm->nr_vcpus = spec->nr_vcpus;
	vm->kind = img->kind;
	vm->instances = spec->instances;
	vm->flags = spec->flags;
	cfg->nr_vms++;
	return 0;
}

static const char *kind_name(uint32_t kind)
{
	return kind == HYPCFG_IMAGE_LINUX ? "LINUX" : kind == HYPCFG_IMAGE_FLAT ? "FLAT" : "?";
}

void hypcfg_print(FILE *f, const struct hypcfg *cfg, const char *const *images)
{
	uint32_t i;

	fprintf(f, "# hypcfg at 0x%llx: version %u, %u bytes, %u VM%s, status at 0x%llx\n",
		(unsigned long long)HYPCFG_PA, cfg->version, cfg->size, cfg->nr_vms,
		cfg->nr_vms == 1 ? "" : "s", (unsigned long long)cfg->status_pa);
	fprintf(f, "#   vmid_bits %u%s, slice_us %u%s, trace %s\n", cfg->vmid_bits,
		cfg->vmid_bits ? "" : " (as the CPU offers)", cfg->slice_us,
		cfg->slice_us ? "" : " (default)", cfg->trace_mode ? "on" : "off");
	if (cfg->flags & HYPCFG_F_GDB)
		fprintf(f, "#   gdb stub on the second UART, target remote debugs VM %u%s\n",
			cfg->gdb_vm, (cfg->flags & HYPCFG_F_GDB_WAIT) ? ", every VM waits for it" : "");
	if (cfg->flags & HYPCFG_F_MTE)
		fprintf(f, "#   MTE for guests (the board's tag memory, mte=on)\n");
	for (i = 0; i < cfg->nr_vms && i < HYPCFG_MAX_VMS; i++) {
		const struct hypcfg_vm *vm = &cfg->vms[i];

		fprintf(f, "# VM %u %s: %s\n", i, vm->name, images && images[i] ? images[i] : "");
		if (vm->ram_pa)
			fprintf(f, "#   RAM at 0x%llx, image and initrd loaded in place\n",
				(unsigned long long)vm->ram_pa);
		fprintf(f,
			"#   kind %s, %s 0x%llx (%llu bytes), load 0x%llx, span 0x%llx, "
			"entry 0x%llx\n",
			kind_name(vm->kind), vm->ram_pa ? "at" : "staged at",
			(unsigned long long)vm->image_pa,
			(unsigned long long)vm->image_size, (unsigned long long)vm->load_ipa,
			(unsigned long long)vm->image_span, (unsigned long long)vm->entry_ipa);
		fprintf(f, "#   mem %lluM, %u vCPU%s, %u instance%s",
			(unsigned long long)(vm->mem_size >> 20), vm->nr_vcpus,
			vm->nr_vcpus == 1 ? "" : "s", vm->instances, vm->instances == 1 ? "" : "s");
		if (vm->initrd_size)
			fprintf(f, ", initrd at 0x%llx (%llu bytes)",
				(unsigned long long)vm->initrd_pa,
				(unsigned long long)vm->initrd_size);
		if (vm->flags & HYPCFG_VM_F_EL2)
			fprintf(f, ", at virtual EL2 (el2=on)");
		if (vm->cmdline[0])
			fprintf(f, ", cmdline \"%s\"", vm->cmdline);
		fputc('\n', f);
	}
}
