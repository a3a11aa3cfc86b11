/* Shared by report, print and diff: see tracer/lib/analysis.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "formats/esr.h"
#include "tracer/lib/progress.h"
#include "tracer/lib/analysis.h"

/* ------------------------------------------------------------ loading */

int hs_load_trace(const char *path, struct hs_stats *s, struct hs_trace_info *info,
		  struct hs_err *err)
{
	return hs_load_trace_threads(path, s, 0, info, err);
}

int hs_load_trace_threads(const char *path, struct hs_stats *s, unsigned threads,
			  struct hs_trace_info *info, struct hs_err *err)
{
	struct tf_record rec[HS_LOAD_BATCH];
	const struct tf_chunk_info *ci;
	struct tf_reader *rd;
	struct hs_progress progress;
	char msg[TF_MSG_LEN];
	size_t i, n;
	int ret, got;

	memset(info, 0, sizeof(*info));
	info->path = path;
	/*
	 * The file is read once: each chunk is checked when the merge loads it
	 * (with two threads or more, the reader loads and checks chunks ahead
	 * on a thread of its own), and the model takes the records in the
	 * merge's order.
	 */
	ret = tf_reader_open_flags(&rd, path, threads, TF_OPEN_CHECK_ON_LOAD, msg, sizeof(msg));
	if (ret)
		return hs_errf(err, ret, "%s", msg);
	info->hdr = *tf_reader_header(rd);
	hs_stats_set_cntfrq(s, info->hdr.cntfrq);

	hs_progress_reader(&progress, "reading", rd);
	/* the model is read once every record is in: it may leave sums to the end */
	hs_stats_defer(s);
	/* the model's only error is -ENOMEM: counted in it, and the reading goes on */
	while ((got = tf_reader_next_batch(rd, rec, HS_LOAD_BATCH)) > 0)
		hs_stats_feed_batch(s, rec, (unsigned)got);
	ret = got;
	hs_stats_settle(s);
	hs_progress_end(&progress);
	if (ret < 0 && ret != -ENOMEM) {
		hs_errf(err, ret, "%s: read error: %s", path, strerror(-ret));
		goto cleanup;
	}
	ret = 0;
	n = tf_reader_nr_chunks(rd);
	for (i = 0; i < n; i++) {
		ci = tf_reader_chunk(rd, i);
		if (ci->hdr.lost)
			hs_stats_add_lost(s, ci->hdr.cpu, ci->hdr.lost);
	}
	/* a file of a machine with more CPUs than ever wrote a record */
	if (s->nr_cpus < info->hdr.nr_cpus)
		s->nr_cpus = info->hdr.nr_cpus;
	tf_reader_stats(rd, &info->rst);
	info->nr_problems = tf_reader_nr_problems(rd);
	if (info->nr_problems)
		snprintf(info->first_problem, sizeof(info->first_problem), "%s",
			 tf_reader_problem(rd, 0));
	tf_reader_summary(rd, info->damage, sizeof(info->damage));
cleanup:
	tf_reader_close(rd);
	return ret;
}

/* ------------------------------------------------------------ names */

bool hs_parse_class(const char *text, unsigned *cls)
{
	unsigned long v;
	unsigned i;
	char *end;

	if (!text || !*text)
		return false;
	if (isdigit((unsigned char)text[0])) {
		errno = 0;
		v = strtoul(text, &end, 0);
		if (errno || *end || v >= HYP_EXIT_CLASSES)
			return false;
		*cls = (unsigned)v;
		return true;
	}
	for (i = 0; i < HYP_EXIT_CLASSES; i++) {
		if (!strcasecmp(text, exit_class_name(i))) {
			*cls = i;
			return true;
		}
	}
	return false;
}

void hs_json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else if (*p >= 0x80)
				fputc('?', f); /* trace text is ASCII; keep the JSON valid UTF-8 */
			else
				fputc(*p, f);
		}
	}
}

void hs_csv_str(FILE *f, const char *s)
{
	const char *p;

	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	}
	fputc('"', f);
}

/* ------------------------------------------------------------ symbols */

struct hs_sym {
	uint64_t addr;
	const char *name;
};

struct hs_syms {
	struct hs_sym *v;
	size_t nr;
	char *names;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct hs_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Collect the functions of one symbol table section (names point into the ELF for now). */
static int collect(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct hs_syms *s, size_t *cap,
		   size_t *names_len)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	struct hs_sym *grown;
	const char *name;
	GElf_Sym sym;

	if (!data)
		return 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (s->nr == *cap) {
			*cap = *cap ? 2 * *cap : 256;
			grown = realloc(s->v, *cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			s->v = grown;
		}
		s->v[s->nr].addr = sym.st_value;
		s->v[s->nr].name = name;
		s->nr++;
		*names_len += strlen(name) + 1;
	}
	return 0;
}

int hs_syms_load(struct hs_syms **out, const char *path, struct hs_err *err)
{
	struct hs_syms *s = NULL;
	size_t cap = 0, names_len = 0, i, j;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *e = NULL;
	bool have_symtab = false;
	char *p;
	int fd, ret = 0;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return hs_errf(err, -EINVAL, "libelf is unusable: %s", elf_errmsg(-1));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hs_errf(err, -errno, "cannot open %s: %s", path, strerror(errno));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		ret = hs_errf(err, -EINVAL, "%s is not an ELF file", path);
		goto cleanup;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = hs_errf(err, -ENOMEM, "out of memory reading %s", path);
		goto cleanup;
	}
	/* the full symbol table when there is one, else the dynamic one */
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			have_symtab = true;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != (have_symtab ? SHT_SYMTAB : SHT_DYNSYM))
			continue;
		if (collect(e, scn, &sh, s, &cap, &names_len)) {
			ret = hs_errf(err, -ENOMEM, "out of memory reading %s", path);
			goto cleanup;
		}
	}
	if (!s->nr) {
		ret = hs_errf(err, -ENOENT, "%s has no function symbols (stripped?)", path);
		goto cleanup;
	}
	/* own the names: the ELF handle goes away */
	s->names = malloc(names_len);
	if (!s->names) {
		ret = hs_errf(err, -ENOMEM, "out of memory reading %s", path);
		goto cleanup;
	}
	for (i = 0, p = s->names; i < s->nr; i++) {
		size_t len = strlen(s->v[i].name) + 1;

		memcpy(p, s->v[i].name, len);
		s->v[i].name = p;
		p += len;
	}
	qsort(s->v, s->nr, sizeof(*s->v), cmp_sym);
	/* one name per address: aliases keep the first in order */
	for (i = 1, j = 1; i < s->nr; i++)
		if (s->v[i].addr != s->v[j - 1].addr)
			s->v[j++] = s->v[i];
	s->nr = j;
	*out = s;
	s = NULL;
cleanup:
	hs_syms_destroy(s);
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

void hs_syms_destroy(struct hs_syms *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->names);
	free(s);
}

const char *hs_syms_lookup(const struct hs_syms *s, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi, mid;

	if (!s || !s->nr || addr < s->v[0].addr)
		return NULL;
	hi = s->nr;
	/* the last symbol at or below addr */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (s->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - s->v[lo].addr;
	return s->v[lo].name;
}

int hs_elfmap_add(struct hs_elfmap *m, const char *spec, struct hs_err *err)
{
	const char *eq = strchr(spec, '=');
	size_t len;
	int ret;

	if (!eq || eq == spec || !eq[1])
		return hs_errf(err, -EINVAL, "--elf needs VM=PATH (a VM number or name), not '%s'",
			       spec);
	if (m->nr == HS_MAX_ELFS)
		return hs_errf(err, -E2BIG, "too many --elf: at most %d", HS_MAX_ELFS);
	len = (size_t)(eq - spec);
	if (len >= sizeof(m->ents[0].vm))
		return hs_errf(err, -EINVAL, "--elf %s: the VM name is too long", spec);
	memcpy(m->ents[m->nr].vm, spec, len);
	m->ents[m->nr].vm[len] = '\0';
	ret = hs_syms_load(&m->ents[m->nr].syms, eq + 1, err);
	if (ret)
		return ret;
	m->nr++;
	return 0;
}

void hs_elfmap_release(struct hs_elfmap *m)
{
	unsigned i;

	for (i = 0; i < m->nr; i++)
		hs_syms_destroy(m->ents[i].syms);
	m->nr = 0;
}

const struct hs_syms *hs_elfmap_find(const struct hs_elfmap *m, unsigned vm, const char *name)
{
	char num[16];
	unsigned i;

	snprintf(num, sizeof(num), "%u", vm);
	for (i = 0; i < m->nr; i++) {
		if (!strcmp(m->ents[i].vm, num))
			return m->ents[i].syms;
		if (name && *name && !strcmp(m->ents[i].vm, name))
			return m->ents[i].syms;
	}
	return NULL;
}

const char *hs_symbolize(const struct hs_elfmap *m, unsigned vm, const char *name, uint64_t pc,
			 char *buf, size_t len)
{
	const struct hs_syms *s = hs_elfmap_find(m, vm, name);
	const char *fn;
	uint64_t off;

	buf[0] = '\0';
	fn = s ? hs_syms_lookup(s, pc, &off) : NULL;
	if (fn && off)
		snprintf(buf, len, "%s+0x%llx", fn, (unsigned long long)off);
	else if (fn)
		snprintf(buf, len, "%s", fn);
	return buf;
}
