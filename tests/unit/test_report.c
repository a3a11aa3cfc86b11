/*
 * Unit tests for `hypscope report` and `print`, run as commands on trace
 * files written with tf_writer: exact counts and rows in every output
 * format, decoded and filtered print lines. `diff` has tests/unit/test_diff.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/hypcfg.h"
#include "formats/smccc.h"
#include "formats/sysreg_names.h"
#include "formats/host/tracefile.h"
#include "tests/tracegen.h"
#include "tracer/hypscope.h"

/* ---------------------------------------------------------------- fixture */

static char dir[64];

/* Two CPUs, each with a VM of one vCPU: VM cpu ("guestCPU") on CPU cpu. */
static void gen_open(struct tgen *g, const char *path)
{
	struct trace_vm v;
	unsigned cpu;

	tgen_open(g, path, 2);
	for (cpu = 0; cpu < 2; cpu++) {
		memset(&v, 0, sizeof(v));
		snprintf(v.name, sizeof(v.name), "guest%u", cpu);
		v.nr_vcpus = 1;
		v.mem_size = 64 << 20;
		tgen_put(g, cpu, &v, TRACE_VM_CREATE, sizeof(v), cpu, TRACE_NO_VCPU);
	}
}

/* entry, [detail], exit on cpu (VM cpu, vCPU 0); the exit costs `cost`, takes `hyp` ticks. */
static void exit_cycle(struct tgen *g, unsigned cpu, unsigned cls, uint64_t esr, uint64_t pc,
		       uint64_t cost, uint64_t hyp, void *detail, unsigned dtype, size_t dsize)
{
	struct trace_entry en = { 0 };
	struct trace_exit ex = { 0 };

	g->ts[cpu] += 100;
	if (detail)
		tgen_put(g, cpu, detail, dtype, dsize, cpu, 0);
	ex.esr = esr ? esr : (uint64_t)cls << ESR_EC_SHIFT | 1u << ESR_IL_SHIFT;
	ex.elr = pc;
	ex.cost = cost;
	ex.exit_class = (uint16_t)cls;
	if (cls == ESR_EC_DABT_LOW || cls == ESR_EC_SYS64) {
		ex.insn = 0xb9000001; /* str w1, [x0] */
		ex.flags = TRACE_EXIT_INSN_VALID;
	}
	tgen_put(g, cpu, &ex, TRACE_EXIT, sizeof(ex), cpu, 0);
	g->ts[cpu] += hyp;
	en.pc = pc + 4;
	tgen_put(g, cpu, &en, TRACE_ENTRY, sizeof(en), cpu, 0);
}

/*
 * The reference trace: on CPU 0 (VM 0) 300 HVCs (PSCI_VERSION, 2 ticks each)
 * and 100 UART DR writes; on CPU 1 (VM 1) 200 CNTP_CTL_EL0 reads and 50 IRQs.
 */
static void write_reference(const char *path, uint64_t pc_hvc)
{
	struct trace_smccc c;
	struct trace_mmio m;
	struct tgen g;
	int i;

	gen_open(&g, path);
	for (i = 0; i < 300; i++) {
		memset(&c, 0, sizeof(c));
		c.fid = PSCI_VERSION;
		c.result[0] = PSCI_VERSION_OF(1, 1);
		exit_cycle(&g, 0, ESR_EC_HVC64, 0, pc_hvc, 500 + (uint64_t)i, 2, &c, TRACE_SMCCC,
			   sizeof(c));
		if (i % 3 == 0) {
			memset(&m, 0, sizeof(m));
			m.ipa = GUEST_UART_IPA;
			m.value = 'A';
			m.device = TRACE_DEV_UART;
			m.width = 4;
			m.is_write = 1;
			exit_cycle(&g, 0, ESR_EC_DABT_LOW, 0, 0x40081000, 900, 3, &m, TRACE_MMIO,
				   sizeof(m));
		}
	}
	for (i = 0; i < 200; i++) {
		exit_cycle(&g, 1, ESR_EC_SYS64,
			   (uint64_t)ESR_EC_SYS64 << ESR_EC_SHIFT | SYSREG_CNTP_CTL_EL0 | 1, 0x40082000,
			   300, 1, NULL, 0, 0);
		if (i % 4 == 0)
			exit_cycle(&g, 1, HYP_EXIT_IRQ, 0, 0x40083000, 2000, 5, NULL, 0, 0);
	}
	tgen_close(&g);
}

static int setup(void **state)
{
	(void)state;
	scratch_make(dir, sizeof(dir), "report");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Run a command with stdout into a file and stderr discarded; returns its exit status. */
static int run(int (*cmd)(int, char **), char *out_path, ...)
{
	char *argv[24];
	va_list ap;
	int argc = 0;

	va_start(ap, out_path);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return run_to_file(cmd, argc, argv, out_path);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int count_lines(const char *text, const char *needle)
{
	const char *p = text, *eol;
	int n = 0;

	while (*p) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (!needle || memmem(p, (size_t)(eol - p), needle, strlen(needle)))
			n++;
		p = *eol ? eol + 1 : eol;
	}
	return n;
}

static void expect(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("output lacks '%s':\n%s", needle, text);
}

/* ------------------------------------------------------------------ report */

static void test_report_csv_has_exact_rows(void **state)
{
	char trace[128], out[128], *text;

	(void)state;
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "report.csv");
	write_reference(trace, 0x40080000);
	assert_int_equal(run(cmd_report, out, "report", trace, "--format", "csv", NULL), 0);
	text = slurp(out);
	/* section,key,name,count,... */
	expect(text, "\nclass,22,HVC64,300,");
	expect(text, "\nclass,24,SYS64,200,");
	expect(text, "\nclass,36,DABT_LOW,100,");
	expect(text, "\nclass,64,IRQ,50,");
	expect(text, "\ntotal,all,TOTAL,650,");
	expect(text, "\nmmio,3:0x0:write,UART 0x0 UARTDR write,100,");
	expect(text, "\nsysreg,0x");
	expect(text, ",CNTP_CTL_EL0 read,200,");
	expect(text, "\nhypercall,0x84000000,PSCI_VERSION,300,");
	/* HVC handling cost 500..799: min and max exact; 2 ticks are 32 ns */
	expect(text, "\nclass,22,HVC64,300,");
	expect(strstr(text, "\nclass,22,"), ",0,500,649.5,");
	expect(strstr(text, "\nclass,22,"), ",799,32,32.0,32,32,32\n");
	assert_int_equal(count_lines(text, NULL), 1 + 4 + 1 + 1 + 1 + 1 + 2);
	free(text);
}

static void test_report_text_sorts_and_breaks_down(void **state)
{
	char trace[128], out[128], *text, *hvc, *sys;

	(void)state;
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "report.txt");
	write_reference(trace, 0x40080000);
	assert_int_equal(run(cmd_report, out, "report", trace, NULL), 0);
	text = slurp(out);
	expect(text, "Exits by class: 650 exits");
	hvc = strstr(text, "\nHVC64 ");
	sys = strstr(text, "\nSYS64 ");
	assert_non_null(hvc);
	assert_non_null(sys);
	assert_true(hvc < sys); /* by count */
	expect(text, "MMIO accesses by device and register");
	expect(text, "CNTP_CTL_EL0");
	expect(text, "PSCI_VERSION");
	expect(text, "Losses: 0 records lost");
	free(text);

	assert_int_equal(run(cmd_report, out, "report", trace, "--sort", "name", NULL), 0);
	text = slurp(out);
	hvc = strstr(text, "\nHVC64 ");
	sys = strstr(text, "\nSYS64 ");
	assert_true(hvc < sys);
	assert_true(strstr(text, "\nIRQ ") > sys); /* class 0x40 after 0x18 */
	free(text);

	assert_int_equal(run(cmd_report, out, "report", trace, "--by", "vm", NULL), 0);
	text = slurp(out);
	expect(text, "vm0 (guest0)        400");
	expect(text, "vm1 (guest1)        250");
	free(text);

	assert_int_equal(run(cmd_report, out, "report", trace, "--by", "vcpu", "-f", "json", NULL),
			 0);
	text = slurp(out);
	expect(text, "\"vm\": 0, \"vcpu\": 0, \"guest_s\": 0.000638400, \"count\": 400,");
	expect(text, "\"records\": 1702,");
	expect(text, "\"hypercalls\": [\n    {\"function\": \"PSCI_VERSION\"");
	free(text);
}

static void test_report_usage_and_file_errors(void **state)
{
	char trace[128], out[128], bogus[128];
	FILE *f;

	(void)state;
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "out");
	path_of(bogus, sizeof(bogus), "bogus.trace");
	write_reference(trace, 0x40080000);
	f = fopen(bogus, "w");
	fputs("not a trace at all, just some text that is long enough\n", f);
	fclose(f);
	assert_int_equal(run(cmd_report, out, "report", NULL), HS_EXIT_USAGE);
	assert_int_equal(run(cmd_report, out, "report", trace, "--by", "nothing", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run(cmd_report, out, "report", bogus, NULL), HS_EXIT_USAGE);
	assert_int_equal(run(cmd_report, out, "report", "/nonexistent.trace", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run(cmd_report, out, "report", "--help", NULL), HS_EXIT_OK);
}

/* ------------------------------------------------------------------ print */

/* st_value of function `name` in the ELF at path, read independently of tracer/lib/analysis.c. */
static uint64_t elf_func(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	uint64_t addr = 0;
	size_t i;
	Elf *e;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			gelf_getsym(data, (int)i, &sym);
			if (GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
			    !strcmp(elf_strptr(e, sh.sh_link, sym.st_name), name))
				addr = sym.st_value;
		}
	}
	elf_end(e);
	close(fd);
	return addr;
}

static void test_print_decodes_and_symbolizes(void **state)
{
	char trace[128], out[128], elf[160], exe[128], *text;
	uint64_t fn;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	fn = elf_func(exe, "main");
	assert_true(fn != 0);
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "print.txt");
	write_reference(trace, fn + 8);
	snprintf(elf, sizeof(elf), "guest0=%s", exe);

	assert_int_equal(run(cmd_print, out, "print", trace, "--elf", elf, NULL), 0);
	text = slurp(out);
	assert_int_equal(count_lines(text, NULL), 1702);
	assert_int_equal(count_lines(text, " exit "), 650);
	assert_int_equal(count_lines(text, " entry "), 650);
	expect(text, "vm_create     name=guest0");
	expect(text, " <main+0x8> ");
	expect(text, "\"str w1, [x0]\"");
	expect(text, "SYS64 CNTP_CTL_EL0 read");
	expect(text, "UART+0x0 UARTDR write 4B value=0x41");
	expect(text, "PSCI_VERSION hvc");
	expect(text, " -> x0=0x10001");
	/* the first record is at time zero */
	assert_int_equal(strncmp(text, "   0.000000000 cpu0 ", 20), 0);
	free(text);
}

static void test_print_filters(void **state)
{
	char trace[128], out[128], *text;

	(void)state;
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "print.txt");
	write_reference(trace, 0x40080000);

	assert_int_equal(run(cmd_print, out, "print", trace, "--class", "hvc64", NULL), 0);
	text = slurp(out);
	assert_int_equal(count_lines(text, NULL), 300);
	assert_int_equal(count_lines(text, "HVC64"), 300);
	free(text);

	assert_int_equal(run(cmd_print, out, "print", trace, "--class", "0x40", "--vm", "1", NULL),
			 0);
	text = slurp(out);
	assert_int_equal(count_lines(text, " IRQ "), 50);
	assert_int_equal(count_lines(text, NULL), 50);
	free(text);

	assert_int_equal(run(cmd_print, out, "print", trace, "--vm", "1", NULL), 0);
	text = slurp(out);
	/* VM_CREATE, then 250 exits and entries */
	assert_int_equal(count_lines(text, NULL), 1 + 500);
	assert_int_equal(count_lines(text, " vm0"), 0);
	free(text);

	/*
	 * CPU 1's records every 100..105 ticks from 1000000: the first 200 us
	 * (12500 ticks) of the trace hold its VM_CREATE and its first cycles.
	 */
	assert_int_equal(run(cmd_print, out, "print", trace, "--vm", "1", "--until", "0.0002",
			     NULL),
			 0);
	text = slurp(out);
	assert_true(count_lines(text, NULL) > 100);
	assert_true(count_lines(text, NULL) < 260);
	free(text);
	assert_int_equal(run(cmd_print, out, "print", trace, "--since", "100", NULL), 0);
	text = slurp(out);
	assert_int_equal(count_lines(text, NULL), 0);
	free(text);

	assert_int_equal(run(cmd_print, out, "print", trace, "--class", "NOPE", NULL),
			 HS_EXIT_USAGE);
	assert_int_equal(run(cmd_print, out, "print", trace, "--elf", "0", NULL), HS_EXIT_USAGE);
	assert_int_equal(run(cmd_print, out, "print", trace, "--since", "2", "--until", "1", NULL),
			 HS_EXIT_USAGE);
}

static void test_print_raw_shows_every_record(void **state)
{
	char trace[128], out[128], *text;

	(void)state;
	path_of(trace, sizeof(trace), "ref.trace");
	path_of(out, sizeof(out), "raw.txt");
	write_reference(trace, 0x40080000);
	assert_int_equal(run(cmd_print, out, "print", trace, "--raw", NULL), 0);
	text = slurp(out);
	assert_int_equal(count_lines(text, NULL), 1702);
	assert_int_equal(count_lines(text, "type=0x0001 size=88"), 650);
	assert_int_equal(count_lines(text, "HVC64"), 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_csv_has_exact_rows),
		cmocka_unit_test(test_report_text_sorts_and_breaks_down),
		cmocka_unit_test(test_report_usage_and_file_errors),
		cmocka_unit_test(test_print_decodes_and_symbolizes),
		cmocka_unit_test(test_print_filters),
		cmocka_unit_test(test_print_raw_shows_every_record),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
