/*
 * gdbstub/: the GDB remote protocol engine, driven with real packet bytes
 * against the fake target (tests/gdbstub_fake.h). What the engine sends is
 * decoded (checksums checked, run-length expanded) into one line per packet
 * and '+'/'-' per acknowledgement, and compared whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gdbstub/internal.h"
#include "tests/gdbstub_fake.h"

/* What gdb 13.1 (Debian 12) sends first. */
#define GDB13_QSUPPORTED                                                                   \
	"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;" \
	"exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;"           \
	"xmlRegisters=i386"
#define QSUPPORTED_REPLY                                                                   \
	"PacketSize=4000;QStartNoAckMode+;multiprocess+;swbreak+;hwbreak+;"                  \
	"qXfer:features:read+;qXfer:threads:read+;vContSupported+"

static struct fake f;
static char decoded[1 << 18];

static int setup(void **state)
{
	(void)state;
	fake_init(&f, 0);
	fake_add_vm(&f, 0, 2);
	fake_add_vm(&f, 1, 2);
	return 0;
}

static void send_bytes(const void *p, size_t n)
{
	gdb_stub_rx(f.stub, p, n);
}

static void send_raw(const char *s)
{
	send_bytes(s, strlen(s));
}

static uint8_t checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

/* One packet, framed as gdb frames it (no run-length, no escapes added). */
static void send_pkt_n(const void *payload, size_t n)
{
	char tail[4];

	send_raw("$");
	send_bytes(payload, n);
	snprintf(tail, sizeof(tail), "#%02x", checksum(payload, n));
	send_raw(tail);
}

static void send_pkt(const char *payload)
{
	send_pkt_n(payload, strlen(payload));
}

/*
 * Everything the engine sent since the last call: "+" / "-" per ack, the
 * decoded payload per packet, each on its own line.
 */
static const char *rx(void)
{
	size_t o = 0, i = 0;

	assert_false(f.tx_overflow);
	while (i < f.tx_len) {
		char c = f.tx[i++];

		if (c == '+' || c == '-') {
			decoded[o++] = c;
			decoded[o++] = '\n';
			continue;
		}
		assert_int_equal(c, '$');
		{
			size_t start = i;
			uint8_t sum;
			unsigned cs;

			while (i < f.tx_len && f.tx[i] != '#') {
				char d = f.tx[i++];

				if (d == '*') {
					unsigned rep;

					assert_true(i < f.tx_len && o > 0);
					rep = (unsigned char)f.tx[i++] - 29u;
					assert_true(rep >= 3 && rep != 6 && rep != 7);
					memset(decoded + o, decoded[o - 1], rep);
					o += rep;
				} else {
					decoded[o++] = d;
				}
				assert_true(o < sizeof(decoded) - 100);
			}
			assert_true(i + 2 < f.tx_len + 1);
			sum = checksum(f.tx + start, i - start);
			i++;
			assert_int_equal(sscanf(f.tx + i, "%2x", &cs), 1);
			assert_int_equal(cs, sum);
			i += 2;
			decoded[o++] = '\n';
		}
	}
	decoded[o] = '\0';
	f.tx_len = 0;
	return decoded;
}

static const char *take_log(void)
{
	static char copy[FAKE_LOG_MAX];

	memcpy(copy, f.log, f.log_len + 1);
	f.log_len = 0;
	f.log[0] = '\0';
	return copy;
}

/* Only the oldest queued event reaches the engine (what it asks of the target queues more). */
static void deliver_first(void)
{
	struct gdb_event ev = f.queue[0];

	assert_true(f.nq > 0);
	memmove(f.queue, f.queue + 1, --f.nq * sizeof(f.queue[0]));
	gdb_stub_event(f.stub, &ev);
}

/* gdb 13's `target remote` up to the first stop reply, in no-ack mode. */
static void connect_remote(void)
{
	send_pkt(GDB13_QSUPPORTED);
	send_pkt("vMustReplyEmpty");
	send_pkt("QStartNoAckMode");
	send_raw("+");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n+\n\n+\nOK\n");
	send_pkt("?");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	take_log();
}

/* extended-remote with VMs 0 and 1 attached, both stopped. */
static void connect_extended_two(void)
{
	send_pkt(GDB13_QSUPPORTED);
	send_pkt("QStartNoAckMode");
	send_pkt("!");
	send_pkt("?");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n+\nOK\nOK\nW00\n");
	send_pkt("vAttach;1");
	fake_deliver(&f);
	send_pkt("vAttach;2");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\nT05thread:p2.1;core:0;\n");
	take_log();
}

/* ---------------------------------------------------------------- framing */

static void test_good_packet_is_acked_then_answered(void **state)
{
	(void)state;
	send_pkt("vMustReplyEmpty");
	assert_string_equal(rx(), "+\n\n");
	/* the exact bytes: an empty packet's checksum is 00 */
	send_pkt("vMustReplyEmpty");
	assert_int_equal(f.tx_len, 5);
	assert_memory_equal(f.tx, "+$#00", 5);
	f.tx_len = 0;
}

static void test_bad_checksum_gets_nak_and_no_reply(void **state)
{
	(void)state;
	send_raw("$vMustReplyEmpty#00");
	assert_string_equal(rx(), "-\n");
	send_raw("$vMustReplyEmpty#zz"); /* not even hex */
	assert_string_equal(rx(), "-\n");
	send_pkt("qSymbol::");
	assert_string_equal(rx(), "+\nOK\n");
}

static void test_nak_from_gdb_resends_the_last_packet(void **state)
{
	(void)state;
	send_pkt("qSymbol::");
	assert_string_equal(rx(), "+\nOK\n");
	send_raw("-");
	assert_string_equal(rx(), "OK\n");
	/* a flood of '-' gets the packet three times in all, not once per byte */
	send_raw("-----");
	assert_string_equal(rx(), "OK\nOK\n");
	send_pkt("qSymbol::");
	send_raw("--");
	assert_string_equal(rx(), "+\nOK\nOK\nOK\n");
}

static void test_no_ack_mode_sends_no_acks_and_drops_bad_packets(void **state)
{
	(void)state;
	send_pkt("QStartNoAckMode");
	assert_string_equal(rx(), "+\nOK\n");
	send_raw("+");
	send_pkt("qSymbol::");
	assert_string_equal(rx(), "OK\n");
	send_raw("$qSymbol::#00");
	send_raw("-");
	assert_string_equal(rx(), "");
}

static void test_packet_split_into_single_bytes(void **state)
{
	char frame[64];
	int n;

	(void)state;
	n = snprintf(frame, sizeof(frame), "$qSymbol::#%02x", checksum("qSymbol::", 9));
	for (int i = 0; i < n; i++)
		send_bytes(frame + i, 1);
	assert_string_equal(rx(), "+\nOK\n");
}

static void test_dollar_inside_a_packet_starts_a_new_one(void **state)
{
	(void)state;
	send_raw("$qSymb");
	send_pkt("qSymbol::");
	assert_string_equal(rx(), "+\nOK\n");
}

static void test_escaped_bytes_in_X_reach_memory(void **state)
{
	/* '#', '$', '}', '*' escaped as '}' then byte ^ 0x20 */
	static const char pkt[] = "Xffff800040000010,4:}\x03}\x04}]}\x0a";

	(void)state;
	connect_remote();
	send_pkt_n(pkt, sizeof(pkt) - 1);
	assert_string_equal(rx(), "OK\n");
	assert_memory_equal(f.vm[0].ram + 0x10, "#$}*", 4);
	assert_string_equal(take_log(), "mem_write 0 va 0xffff800040000010 4\n");
}

static void test_run_length_input_is_expanded(void **state)
{
	(void)state;
	connect_remote();
	/* "0*&": '0' and 38 - 29 = 9 more: ten zeros, five bytes */
	send_pkt("Mffff800040000020,5:0*&");
	assert_string_equal(rx(), "OK\n");
	assert_memory_equal(f.vm[0].ram + 0x20, "\0\0\0\0\0", 5);
	assert_memory_equal(f.vm[0].ram + 0x25, "\x20\x03\xd5", 3); /* the NOP after it untouched */
}

static void test_run_length_with_nothing_to_repeat_is_an_error(void **state)
{
	(void)state;
	send_pkt("*&");
	assert_string_equal(rx(), "+\nE01\n");
	send_pkt("m0,1*\x1f"); /* count below ' ' */
	assert_string_equal(rx(), "+\nE01\n");
}

static void test_trailing_escape_is_an_error(void **state)
{
	(void)state;
	send_pkt("X0,1:}");
	assert_string_equal(rx(), "+\nE01\n");
}

static void test_replies_are_run_length_encoded(void **state)
{
	(void)state;
	connect_remote();
	memset(f.vm[0].regs[0][GDB_REG_V0], 0, 16);
	send_pkt("p22");
	/* 32 '0' digits: '0' then "*" 97 is too many, 31 repeats: '0' '*' '<' (31 + 29 = 60) */
	assert_int_equal(f.tx_len, 7);
	assert_memory_equal(f.tx, "$0*<#", 5);
	assert_string_equal(rx(), "00000000000000000000000000000000\n");
}

static void test_run_length_never_uses_hash_or_dollar_counts(void **state)
{
	(void)state;
	connect_remote();
	/* 7 equal digits would be count 6 ('#'), 8 count 7 ('$') */
	memcpy(f.vm[0].regs[0][GDB_REG_CPSR], "\x11\x11\x11\x10", 4);
	send_pkt("p21");
	assert_null(memchr(f.tx + 1, '#', f.tx_len - 4));
	assert_string_equal(rx(), "11111110\n");
	memcpy(f.vm[0].regs[0][GDB_REG_CPSR], "\x11\x11\x11\x11", 4);
	send_pkt("p21");
	assert_null(memchr(f.tx + 1, '$', f.tx_len - 1));
	assert_string_equal(rx(), "11111111\n");
}

static void test_oversize_packet_gets_E05_and_the_next_one_works(void **state)
{
	static char big[GDB_PACKET_SIZE + 100];

	(void)state;
	memset(big, 'q', sizeof(big));
	send_pkt_n(big, sizeof(big));
	assert_string_equal(rx(), "+\nE05\n");
	/* run-length expanding past the buffer is the same */
	send_pkt("M0,1:0*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~"
		 "*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~"
		 "*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~"
		 "*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~"
		 "*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~"
		 "*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~");
	assert_string_equal(rx(), "+\nE05\n");
	send_pkt("qSymbol::");
	assert_string_equal(rx(), "+\nOK\n");
}

static void test_packet_of_exactly_packet_size_is_accepted(void **state)
{
	static char pkt[GDB_PACKET_SIZE];
	int n;

	(void)state;
	connect_remote();
	/* an M of the largest size gdb's PacketSize allows */
	n = snprintf(pkt, sizeof(pkt), "Mffff800040000000,%x:", (unsigned)((GDB_PACKET_SIZE - 32) / 2));
	memset(pkt + n, 'a', sizeof(pkt) - (size_t)n);
	send_pkt_n(pkt, (size_t)n + (GDB_PACKET_SIZE - 32));
	assert_string_equal(rx(), "OK\n");
	assert_int_equal(f.vm[0].ram[0], 0xaa);
}

/* ---------------------------------------------------------------- start-up */

static void test_gdb13_startup_sequence(void **state)
{
	char expect[2048], *e = expect;

	(void)state;
	send_raw("+");
	send_pkt(GDB13_QSUPPORTED);
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n");
	send_pkt("vMustReplyEmpty");
	assert_string_equal(rx(), "+\n\n");
	send_pkt("QStartNoAckMode");
	assert_string_equal(rx(), "+\nOK\n");
	send_raw("+");
	send_pkt("Hgp0.0");
	assert_string_equal(rx(), "OK\n");
	send_pkt("qXfer:features:read:target.xml:0,1000");
	assert_string_equal(rx(), "l<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
				  "<target version=\"1.0\">\n"
				  "<architecture>aarch64</architecture>\n"
				  "<xi:include href=\"aarch64-core.xml\"/>\n"
				  "<xi:include href=\"aarch64-fpu.xml\"/>\n"
				  "<xi:include href=\"hypscope-sysregs.xml\"/>\n"
				  "</target>\n\n");
	send_pkt("qTStatus");
	assert_string_equal(rx(), "\n");
	/* nothing is stopped before '?': target remote attaches VM 0 now */
	assert_string_equal(take_log(), "");
	send_pkt("?");
	assert_string_equal(take_log(), "attach 0\n");
	assert_string_equal(rx(), ""); /* until the VM has stopped */
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	send_pkt("qXfer:threads:read::0,1000");
	assert_string_equal(rx(), "l<?xml version=\"1.0\"?>\n<threads>\n"
				  "<thread id=\"p1.1\" name=\"vm0/vcpu0\" core=\"0\">"
				  "running, pcpu 0, VMID 1</thread>\n"
				  "<thread id=\"p1.2\" name=\"vm0/vcpu1\" core=\"1\">"
				  "running, pcpu 1, VMID 1</thread>\n"
				  "</threads>\n\n");
	send_pkt("qAttached:1");
	assert_string_equal(rx(), "1\n");
	send_pkt("Hc-1");
	assert_string_equal(rx(), "OK\n");
	send_pkt("g");
	for (unsigned r = 0; r < GDB_NR_REGS; r++)
		for (unsigned i = 0; i < gdb_reg_size(r); i++)
			e += sprintf(e, "%02x", f.vm[0].regs[0][r][i]);
	strcpy(e, "\n");
	assert_string_equal(rx(), expect);
	/* VM 1 was never touched */
	assert_false(f.vm[1].attached);
	assert_string_equal(take_log(), "");
}

/*
 * What one `stepi` costs, as gdb 13.1 did it against this engine (recorded
 * with `set debug remote 1`): the instruction at the PC, the step, the
 * registers, the instruction at the new PC and the one before it (twice:
 * prologue analysis and the frame), and the thread list. The figure is printed; the replies are checked.
 */
static void test_gdb13_stepi_sequence_and_its_cost(void **state)
{
	static const char *const seq[] = {
		"mffff800040001000,4", "vCont;s:p1.1;c:p1.-1", "g", "mffff800040001004,4", "mffff800040001000,4",
		"mffff800040001004,4", "qXfer:threads:read::0,1000", "mffff800040001004,4",
		"mffff800040001000,4", "mffff800040001004,4",
	};
	size_t sent = 0, received = 0, npkts = 0;
	const char *r;

	(void)state;
	connect_remote();
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		send_pkt(seq[i]);
		sent += strlen(seq[i]) + 4;
		fake_deliver(&f);
		received += f.tx_len;
		r = rx();
		npkts += (size_t)(strchr(r, '\n') != NULL);
		if (seq[i][0] == 'v')
			assert_string_equal(r, "T05thread:p1.1;core:0;\n");
		else if (seq[i][0] == 'm')
			assert_string_equal(r, "1f2003d5\n");
		else
			assert_true(r[0] == 'l' || (r[0] >= '0' && r[0] <= '9'));
	}
	assert_int_equal(npkts, 10);
	assert_int_equal(fake_get64(&f, 0, 0, GDB_REG_PC), FAKE_VA + 0x1004);
	print_message("stepi: 10 packets each way, %zu bytes from gdb, %zu bytes to gdb\n", sent,
		      received);
}

/* A tiny XML check: tags nest, and every <reg> is numbered in target.h order. */
static void check_feature(const char *doc, unsigned *next_regnum)
{
	const char *stack[16];
	unsigned depth = 0;

	for (const char *p = strchr(doc, '<'); p; p = strchr(p + 1, '<')) {
		const char *end = strchr(p, '>');
		size_t n;

		assert_non_null(end);
		if (p[1] == '?' || p[1] == '!')
			continue;
		if (p[1] == '/') {
			assert_true(depth > 0);
			depth--;
			n = strcspn(stack[depth], " />");
			assert_memory_equal(p + 2, stack[depth], n);
			continue;
		}
		if (strncmp(p, "<reg ", 5) == 0) {
			unsigned bits, regnum;
			const char *b = strstr(p, "bitsize=\""), *r = strstr(p, "regnum=\"");

			assert_true(b && b < end && r && r < end);
			assert_int_equal(sscanf(b, "bitsize=\"%u\"", &bits), 1);
			assert_int_equal(sscanf(r, "regnum=\"%u\"", &regnum), 1);
			assert_int_equal(regnum, *next_regnum);
			assert_int_equal(bits, 8 * gdb_reg_size(regnum));
			(*next_regnum)++;
		}
		if (end[-1] != '/') {
			assert_true(depth < 16);
			stack[depth++] = p + 1;
		}
	}
	assert_int_equal(depth, 0);
}

static const char *read_xfer(const char *object, const char *annex, unsigned chunk)
{
	static char doc[GDB_XML_MAX];
	size_t len = 0;

	for (;;) {
		char pkt[128];
		const char *r;
		size_t n;

		snprintf(pkt, sizeof(pkt), "qXfer:%s:read:%s:%zx,%x", object, annex, len, chunk);
		send_pkt(pkt);
		r = rx();
		if (r[0] == '+')
			r += 2;
		assert_true(r[0] == 'm' || r[0] == 'l');
		n = strlen(r + 1) - 1;
		assert_true(n <= chunk);
		memcpy(doc + len, r + 1, n);
		len += n;
		if (r[0] == 'l')
			break;
		assert_true(n > 0);
	}
	doc[len] = '\0';
	return doc;
}

static void test_target_xml_is_well_formed_and_numbers_every_register(void **state)
{
	unsigned regnum = 0;
	char copy[GDB_XML_MAX];

	(void)state;
	strcpy(copy, read_xfer("features", "target.xml", 0x1000));
	check_feature(copy, &regnum);
	assert_int_equal(regnum, 0);
	/* the included features, in order, number 0 .. GDB_NR_REGS - 1 */
	static const char *const inc[] = { "aarch64-core.xml", "aarch64-fpu.xml",
					   "hypscope-sysregs.xml" };
	for (unsigned i = 0; i < 3; i++) {
		char href[64];

		snprintf(href, sizeof(href), "<xi:include href=\"%s\"/>", inc[i]);
		assert_non_null(strstr(copy, href));
		check_feature(read_xfer("features", inc[i], 0x1000), &regnum);
	}
	assert_int_equal(regnum, GDB_NR_REGS);
	assert_non_null(strstr(read_xfer("features", "aarch64-core.xml", 0x1000),
			       "<feature name=\"org.gnu.gdb.aarch64.core\">"));
	assert_non_null(strstr(read_xfer("features", "aarch64-fpu.xml", 0x1000),
			       "<reg name=\"v31\" bitsize=\"128\" regnum=\"65\" type=\"aarch64v\""));
	assert_non_null(strstr(read_xfer("features", "hypscope-sysregs.xml", 0x1000),
			       "<reg name=\"mpidr_el1\" bitsize=\"64\" regnum=\"85\""));
}

static void test_qxfer_in_small_chunks_gives_the_same_document(void **state)
{
	char whole[GDB_XML_MAX];

	(void)state;
	strcpy(whole, read_xfer("features", "aarch64-fpu.xml", 0x1000));
	assert_string_equal(read_xfer("features", "aarch64-fpu.xml", 37), whole);
	/* past the end: an empty last chunk */
	send_pkt("qXfer:features:read:target.xml:10000,100");
	assert_string_equal(rx(), "+\nl\n");
}

static void test_qxfer_bad_requests(void **state)
{
	(void)state;
	send_pkt("qXfer:features:read:nosuch.xml:0,100");
	assert_string_equal(rx(), "+\nE02\n");
	send_pkt("qXfer:features:read:target.xml:0,0");
	assert_string_equal(rx(), "+\nE01\n");
	send_pkt("qXfer:features:read:target.xml:zz,10");
	assert_string_equal(rx(), "+\nE01\n");
	send_pkt("qXfer:libraries:read::0,100");
	assert_string_equal(rx(), "+\n\n");
	send_pkt("qXfer:features:write:target.xml:0:abc");
	assert_string_equal(rx(), "+\n\n");
}

/* ---------------------------------------------------------------- threads */

static void test_thread_queries(void **state)
{
	char hex[128], *h = hex;
	const char *text = "wfi, pcpu 1, VMID 1";

	(void)state;
	connect_remote();
	f.vm[0].state[1] = GDB_VCPU_WFI;
	send_pkt("qfThreadInfo");
	send_pkt("qsThreadInfo");
	assert_string_equal(rx(), "mp1.1,p1.2\nl\n");
	for (const char *t = text; *t; t++)
		h += sprintf(h, "%02x", (unsigned char)*t);
	strcpy(h, "\n");
	send_pkt("qThreadExtraInfo,p1.2");
	assert_string_equal(rx(), hex);
	send_pkt("qC");
	assert_string_equal(rx(), "QCp1.1\n");
	send_pkt("Tp1.2");
	send_pkt("Tp1.3");
	send_pkt("Tp2.1"); /* VM 1 runs, unattached */
	send_pkt("T2");    /* thread 2 of the current process */
	assert_string_equal(rx(), "OK\nE02\nE02\nOK\n");
	send_pkt("qThreadExtraInfo,p1.9");
	send_pkt("qThreadExtraInfo");
	assert_string_equal(rx(), "E02\nE01\n");
}

static void test_H_selects_threads_and_rejects_absent_ones(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("Hgp1.2");
	send_pkt("p1e");
	assert_string_equal(rx(), "OK\n1e01010000000000\n");
	send_pkt("Hgp2.1");
	send_pkt("Hgp1.5");
	send_pkt("Hgp1.2.3");
	send_pkt("Hx1");
	send_pkt("Hgpzz");
	send_pkt("Hg123456789abc");
	assert_string_equal(rx(), "E02\nE02\nE01\nE01\nE01\nE01\n");
	send_pkt("Hg0");
	send_pkt("Hc-1");
	send_pkt("Hcp1.-1");
	assert_string_equal(rx(), "OK\nOK\nOK\n");
}

static void test_without_multiprocess_thread_ids_are_global(void **state)
{
	(void)state;
	send_pkt("qSupported:swbreak+");
	send_pkt("?");
	fake_deliver(&f);
	send_pkt("qfThreadInfo");
	send_pkt("Hg2");
	send_pkt("p1e");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n+\nT05thread:1;core:0;\n"
				  "+\nm1,2\n+\nOK\n+\n1e01010000000000\n");
}

/* ---------------------------------------------------------------- registers */

static void test_register_sizes_follow_target_h(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("p21");
	send_pkt("p42");
	send_pkt("p22");
	assert_string_equal(rx(), "c5000000\n42000100\n22000100000000000000000000000000\n");
	send_pkt("P1=1122334455667788");
	send_pkt("p1");
	assert_string_equal(rx(), "OK\n1122334455667788\n");
	assert_string_equal(take_log(), "reg_write 0 0 1\n");
	send_pkt("P1=11");      /* wrong size */
	send_pkt("P56=00000000"); /* past the last register */
	send_pkt("p56");
	send_pkt("P55=0000000000000000"); /* mpidr_el1 is read-only */
	send_pkt("P1");
	assert_string_equal(rx(), "E01\nE01\nE01\nE06\nE01\n");
	assert_string_equal(take_log(), "");
}

static void test_G_writes_every_writable_register(void **state)
{
	char pkt[2 * 16 * GDB_NR_REGS + 8], *p = pkt;

	(void)state;
	connect_remote();
	*p++ = 'G';
	for (unsigned r = 0; r < GDB_NR_REGS; r++)
		for (unsigned i = 0; i < gdb_reg_size(r); i++)
			p += sprintf(p, "%02x", (r + i) & 0xff);
	send_pkt(pkt);
	assert_string_equal(rx(), "OK\n");
	assert_int_equal(f.vm[0].regs[0][GDB_REG_PC][1], (GDB_REG_PC + 1) & 0xff);
	assert_int_equal(f.vm[0].regs[0][GDB_REG_V0 + 3][15], (GDB_REG_V0 + 3 + 15) & 0xff);
	/* MPIDR kept */
	assert_int_equal(f.vm[0].regs[0][GDB_REG_SYS0 + GDB_SYSREG_MPIDR_EL1][0],
			 GDB_REG_SYS0 + GDB_SYSREG_MPIDR_EL1);
	pkt[strlen(pkt) - 2] = '\0';
	send_pkt(pkt);
	send_pkt("Gzz");
	assert_string_equal(rx(), "E01\nE01\n");
}

static void test_registers_of_a_running_vm_are_refused(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vCont;c");
	assert_string_equal(rx(), "");
	/* gdb would not, but a broken client might */
	send_pkt("g");
	send_pkt("p0");
	send_pkt("m40000000,4");
	assert_string_equal(rx(), "E03\nE03\nE03\n");
}

static void test_unreadable_register_is_xx_in_g(void **state)
{
	(void)state;
	connect_remote();
	/* the fake fails reads of a running VM: fake it for one vCPU's view */
	f.vm[0].running = true;
	send_pkt("g");
	f.vm[0].running = false;
	assert_string_equal(rx(), "E06\n");
}

/* ---------------------------------------------------------------- memory */

static void test_m_reads_memory_partially_at_the_end_and_E04_outside(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("mffff800040001000,8");
	assert_string_equal(rx(), "1f2003d51f2003d5\n");
	send_pkt("mffff800040003ffe,8"); /* two bytes left in RAM */
	assert_string_equal(rx(), "03d5\n");
	send_pkt("m40000000,4"); /* an IPA, not a VA: not mapped in VA mode */
	send_pkt("mffffffffffffffff,2"); /* wraps */
	send_pkt("m1,");
	send_pkt("m,1");
	send_pkt("m10000000000000000,1");
	assert_string_equal(rx(), "E04\nE01\nE01\nE01\nE01\n");
	send_pkt("mffff800040001000,0");
	assert_string_equal(rx(), "\n");
}

static void test_large_m_is_cut_to_fit_a_packet(void **state)
{
	const char *r;

	(void)state;
	connect_remote();
	send_pkt("mffff800040000000,4000");
	r = rx();
	assert_int_equal(strlen(r), 2 * GDB_MEM_MAX + 1);
}

static void test_M_and_X_write_memory(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("Mffff800040000100,3:a1b2c3");
	send_pkt("Xffff800040000200,0:");
	send_pkt("Xffff800040000200,2:hi");
	assert_string_equal(rx(), "OK\nOK\nOK\n");
	assert_memory_equal(f.vm[0].ram + 0x100, "\xa1\xb2\xc3", 3);
	assert_memory_equal(f.vm[0].ram + 0x200, "hi", 2);
	send_pkt("Mffff800040000100,3:a1b2");   /* too few digits */
	send_pkt("Mffff800040000100,1:zz");
	send_pkt("Xffff800040000200,3:hi");     /* length mismatch */
	send_pkt("M100,1:00");                  /* not mapped */
	send_pkt("Mffff800040003fff,2:0000");   /* runs off the end */
	assert_string_equal(rx(), "E01\nE01\nE01\nE04\nE04\n");
}

static void test_monitor_ipa_switches_the_address_space(void **state)
{
	char cmd[64], *p = cmd;

	(void)state;
	connect_remote();
	p += sprintf(p, "qRcmd,");
	for (const char *t = "ipa on"; *t; t++)
		p += sprintf(p, "%02x", *t);
	send_pkt(cmd);
	assert_non_null(strstr(rx(), "OK\n"));
	send_pkt("m40001000,4");
	send_pkt("mffff800040001000,4");
	assert_string_equal(rx(), "1f2003d5\nE04\n");
	send_pkt("M40000000,1:77");
	assert_string_equal(take_log(), "monitor 0 0 ipa on\nmem_write 0 ipa 0x40000000 1\n");
	send_pkt("qRcmd,697061206f6666"); /* ipa off */
	send_pkt("m40001000,4");
	assert_string_equal(rx(), "OK\nO61646472657373657320617265206775657374207669727475616c0a\nOK\nE04\n");
}

static void test_monitor_ipa_is_per_vm_and_reaches_the_target(void **state)
{
	(void)state;
	connect_extended_two();
	f.target_ipa = true;
	send_pkt("Hgp1.1");
	send_pkt("qRcmd,697061206f6e"); /* "ipa on": the target answers, the engine keeps it */
	assert_string_equal(rx(), "OK\nO69706120697320"
				  "6f6e0a\nOK\n");
	assert_true(f.ipa_on);
	send_pkt("m40001000,4");
	send_pkt("Hgp2.1");
	send_pkt("m40001000,4");         /* VM 1 is still in VA mode */
	send_pkt("mffff800040001000,4");
	assert_string_equal(rx(), "1f2003d5\nOK\nE04\n1f2003d5\n");
	send_pkt("qRcmd,697061206f6e20"); /* trailing blanks are trimmed */
	send_pkt("qRcmd,69706120");
	send_pkt("qRcmd,697061206d6179626");
	send_pkt("qRcmd,697061206d61796265"); /* "ipa maybe" */
	assert_string_equal(rx(), "O69706120697320" "6f6e0a\nOK\n"
				  "O69706120697320" "6f6e0a\nOK\n"
				  "E01\n"
				  "O75736167653a206d6f6e69746f7220697061205b6f6e7c6f66665d0a\nE01\n");
	/* a new session forgets it */
	gdb_stub_reset(f.stub);
	send_pkt("qRcmd,69706120");
	assert_string_equal(rx(), "+\nO6e6f20564d2061747461636865640a\nE02\n");
}

/* ---------------------------------------------------------------- breakpoints */

static void test_Z_and_z_reach_the_target_for_the_current_vm(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("Hgp2.1");
	send_pkt("Z0,ffff800040001100,4");
	send_pkt("Z1,ffff800040001104,4");
	send_pkt("Z2,ffff800040000010,8");
	send_pkt("Z3,ffff800040000010,4");
	send_pkt("Z4,ffff800040000010,1");
	send_pkt("z0,ffff800040001100,4");
	send_pkt("z0,ffff800040001100,4"); /* idempotent */
	assert_string_equal(rx(), "OK\nOK\nOK\nOK\nOK\nOK\nOK\nOK\n");
	assert_string_equal(take_log(), "bp_insert 1 0 0xffff800040001100 4\n"
					"bp_insert 1 1 0xffff800040001104 4\n"
					"bp_insert 1 2 0xffff800040000010 8\n"
					"bp_insert 1 3 0xffff800040000010 4\n"
					"bp_insert 1 4 0xffff800040000010 1\n"
					"bp_remove 1 0 0xffff800040001100 4\n"
					"bp_remove 1 0 0xffff800040001100 4\n");
}

static void test_Z_unsupported_types_get_empty_replies(void **state)
{
	(void)state;
	connect_remote();
	f.no_awatch = true;
	send_pkt("Z4,ffff800040000010,1");
	send_pkt("Z5,0,4");
	send_pkt("Z0,0");
	send_pkt("Z0,0,4;X1,0");   /* a condition: ignored */
	send_pkt("Z0,0,4x");
	assert_string_equal(rx(), "\n\nE01\nOK\nE01\n");
	for (unsigned i = 0; i < FAKE_MAX_BPS; i++) {
		char pkt[32];

		snprintf(pkt, sizeof(pkt), "Z0,%x,4", 0x100 + 4 * i);
		send_pkt(pkt);
	}
	f.tx_len = 0;
	send_pkt("Z0,1000,4"); /* the target has no room */
	assert_string_equal(rx(), "E06\n");
}

/* ---------------------------------------------------------------- resuming and stops */

static void test_vcont_query_and_per_thread_actions(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vCont?");
	assert_string_equal(rx(), "vCont;c;C;s;S\n");
	/* gdb 13's stepi: this thread steps, the rest of the process continues */
	send_pkt("vCont;s:p1.1;c:p1.-1");
	assert_string_equal(take_log(), "resume 0 sc--\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	/* scheduler locking: only the one thread */
	send_pkt("vCont;s:p1.2");
	assert_string_equal(take_log(), "resume 0 -s--\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.2;core:1;\n");
	send_pkt("vCont;C05:p1.1;c");
	assert_string_equal(take_log(), "resume 0 cc--\n");
	fake_hit(&f, 0, 1, GDB_STOP_SWBREAK, 0);
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.2;core:1;swbreak:;\n");
	send_pkt("vCont;S05:2");
	assert_string_equal(take_log(), "resume 0 -s--\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.2;core:1;\n");
}

static void test_vcont_malformed_is_E01(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vCont");
	send_pkt("vCont;");
	send_pkt("vCont;x");
	send_pkt("vCont;t");
	send_pkt("vCont;C");
	send_pkt("vCont;c:pzz");
	send_pkt("vCont;c;;");
	assert_string_equal(rx(), "E01\nE01\nE01\nE01\nE01\nE01\nE01\n");
	assert_string_equal(take_log(), "");
	/* naming only threads that do not exist resumes nothing */
	send_pkt("vCont;c:p5.1");
	assert_string_equal(rx(), "E06\n");
}

static void test_step_of_a_powered_off_vcpu_is_refused(void **state)
{
	(void)state;
	connect_remote();
	f.vm[0].state[1] = GDB_VCPU_OFF;
	send_pkt("vCont;s:p1.2;c:p1.-1");
	assert_string_equal(rx(), "E02\n");
	assert_string_equal(take_log(), "");
	/* a step of every thread steps the ones that are on */
	send_pkt("vCont;s");
	assert_string_equal(take_log(), "resume 0 ss--\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	/* ... and is refused when none is */
	f.vm[0].state[0] = GDB_VCPU_OFF;
	send_pkt("vCont;s:p1.-1");
	assert_string_equal(rx(), "E02\n");
	/* continuing them is fine: the target keeps them off */
	send_pkt("vCont;c");
	assert_string_equal(take_log(), "resume 0 cc--\n");
}

static void test_legacy_c_and_s(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("s");
	assert_string_equal(take_log(), "resume 0 sc--\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	send_pkt("Hcp1.2");
	send_pkt("c");
	assert_string_equal(take_log(), "resume 0 -c--\n");
	fake_hit(&f, 0, 1, GDB_STOP_HWBREAK, 0);
	fake_deliver(&f);
	assert_string_equal(rx(), "OK\nT05thread:p1.2;core:1;hwbreak:;\n");
	send_pkt("Hc-1");
	send_pkt("cffff800040002000");
	assert_string_equal(take_log(), "reg_write 0 1 32\nresume 0 cc--\n");
	assert_int_equal(fake_get64(&f, 0, 1, GDB_REG_PC), 0xffff800040002000ull);
	send_raw("\x03");
	fake_deliver(&f);
	assert_string_equal(rx(), "OK\nT02thread:p1.1;core:0;\n");
	send_pkt("C0x");
	send_pkt("S05;zz");
	assert_string_equal(rx(), "E01\nE01\n");
}

static void test_stop_reply_formats(void **state)
{
	static const struct {
		enum gdb_stop_reason reason;
		uint64_t addr;
		const char *reply;
	} cases[] = {
		{ GDB_STOP_SWBREAK, 0, "T05thread:p1.2;core:1;swbreak:;\n" },
		{ GDB_STOP_HWBREAK, 0, "T05thread:p1.2;core:1;hwbreak:;\n" },
		{ GDB_STOP_WATCH, 0xffff800040000010, "T05thread:p1.2;core:1;watch:ffff800040000010;\n" },
		{ GDB_STOP_RWATCH, 0x40, "T05thread:p1.2;core:1;rwatch:40;\n" },
		{ GDB_STOP_AWATCH, 0x0, "T05thread:p1.2;core:1;awatch:0;\n" },
		{ GDB_STOP_STEP, 0, "T05thread:p1.2;core:1;\n" },
		/* the catchpoint's text comes first, as console output */
		{ GDB_STOP_CATCH, 0, "O48564336340a\nT05thread:p1.2;core:1;\n" },
	};

	(void)state;
	connect_remote();
	strcpy(f.catch_text, "HVC64");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		send_pkt("vCont;c");
		fake_hit(&f, 0, 1, cases[i].reason, cases[i].addr);
		fake_deliver(&f);
		assert_string_equal(rx(), cases[i].reply);
	}
	/* '?' repeats the last stop, without the text */
	send_pkt("?");
	assert_string_equal(rx(), "T05thread:p1.2;core:1;\n");
	/* the Hg thread follows the stop */
	send_pkt("qC");
	assert_string_equal(rx(), "QCp1.2\n");
}

static void test_break_reasons_only_for_a_gdb_that_knows_them(void **state)
{
	(void)state;
	send_pkt("qSupported:multiprocess+");
	send_pkt("QStartNoAckMode");
	send_pkt("?");
	fake_deliver(&f);
	rx();
	send_pkt("vCont;c");
	fake_hit(&f, 0, 0, GDB_STOP_SWBREAK, 0);
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
}

static void test_all_stop_across_two_attached_vms(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("vCont;c");
	assert_string_equal(take_log(), "resume 0 cc--\nresume 1 cc--\n");
	/* VM 1 hits a breakpoint: VM 0 is stopped before gdb hears of it */
	fake_hit(&f, 1, 1, GDB_STOP_SWBREAK, 0);
	deliver_first();
	assert_string_equal(take_log(), "stop 0\n");
	assert_string_equal(rx(), "");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p2.2;core:1;swbreak:;\n");
	/* both are stopped: registers of either can be read */
	send_pkt("Hgp1.1");
	send_pkt("p1e");
	assert_string_equal(rx(), "OK\n1e00010000000000\n");
}

static void test_unattached_vm_is_never_touched(void **state)
{
	(void)state;
	connect_remote();
	fake_add_vm(&f, 2, 1);
	send_pkt("vCont;c");
	fake_hit(&f, 0, 0, GDB_STOP_SWBREAK, 0);
	fake_deliver(&f);
	rx();
	send_raw("\x03");
	send_pkt("D");
	/* only VM 0 in the whole log */
	assert_string_equal(take_log(), "resume 0 cc--\ndetach 0\n");
	assert_string_equal(rx(), "OK\n");
}

static void test_breakpoint_hit_while_quiesced_is_reported_on_next_resume(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("vCont;c");
	fake_hit(&f, 0, 0, GDB_STOP_HWBREAK, 0);
	deliver_first();
	/* VM 1 hit its own breakpoint before the engine's stop got to it */
	fake_hit(&f, 1, 1, GDB_STOP_SWBREAK, 0);
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;hwbreak:;\n");
	take_log();
	/* the next resume resumes nothing and reports VM 1's breakpoint */
	send_pkt("vCont;c");
	assert_string_equal(take_log(), "");
	assert_string_equal(rx(), "T05thread:p2.2;core:1;swbreak:;\n");
	send_pkt("vCont;c");
	assert_string_equal(take_log(), "resume 0 cc--\nresume 1 cc--\n");
}

static void test_ctrl_c_stops_the_current_vm_then_the_others(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("Hgp2.1");
	send_pkt("vCont;c");
	rx();
	take_log();
	send_raw("\x03");
	assert_string_equal(take_log(), "stop 1\n");
	fake_deliver(&f);
	assert_string_equal(take_log(), "stop 0\n");
	assert_string_equal(rx(), "T02thread:p2.1;core:0;\n");
}

static void test_ctrl_c_overtaken_by_a_breakpoint_is_not_reported_twice(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("Hgp1.1");
	send_pkt("vCont;c");
	rx();
	send_raw("\x03");
	/* VM 1 hits a breakpoint before VM 0's Ctrl-C stop lands */
	fake_hit(&f, 1, 0, GDB_STOP_SWBREAK, 0);
	assert_int_equal(f.nq, 2);
	{
		struct gdb_event ctrl_c = f.queue[0];

		f.queue[0] = f.queue[1];
		f.queue[1] = ctrl_c;
	}
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p2.1;core:0;swbreak:;\n");
	take_log();
	send_pkt("vCont;c");
	assert_string_equal(take_log(), "resume 0 cc--\nresume 1 cc--\n");
}

static void test_ctrl_c_when_nothing_runs_does_nothing(void **state)
{
	(void)state;
	connect_remote();
	send_raw("\x03\x03");
	assert_string_equal(take_log(), "");
	assert_string_equal(rx(), "");
}

static void test_a_refused_stop_does_not_leave_gdb_waiting(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vCont;c");
	f.refuse_stop = true;
	send_raw("\x03");
	assert_string_equal(rx(), "T00thread:p1.1;core:0;\n");
}

static void test_vm_exit_is_a_W_reply_with_its_process(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("vCont;c");
	fake_exit(&f, 1, 0x101);
	deliver_first();
	assert_string_equal(take_log(), "resume 0 cc--\nresume 1 cc--\nstop 0\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "W01;process:2\n");
	send_pkt("qfThreadInfo");
	assert_string_equal(rx(), "mp1.1,p1.2\n");
}

static void test_stop_while_gdb_is_not_waiting_is_kept_for_status(void **state)
{
	(void)state;
	send_pkt(GDB13_QSUPPORTED);
	send_pkt("QStartNoAckMode");
	send_pkt("!");
	send_pkt("vAttach;1");
	rx();
	/* the attach stop lands; then, a second '?' gives the same */
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
	send_pkt("?");
	assert_string_equal(rx(), "T05thread:p1.1;core:0;\n");
}

static void test_detach_one_or_all(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("D;2");
	assert_string_equal(rx(), "OK\n");
	assert_string_equal(take_log(), "detach 1\n");
	send_pkt("D;2");
	send_pkt("D;9");
	send_pkt("D;x");
	assert_string_equal(rx(), "E02\nE01\nE01\n");
	send_pkt("qfThreadInfo");
	assert_string_equal(rx(), "mp1.1,p1.2\n");
	send_pkt("D");
	assert_string_equal(rx(), "OK\n");
	assert_string_equal(take_log(), "detach 0\n");
	send_pkt("qfThreadInfo");
	assert_string_equal(rx(), "l\n");
}

static void test_kill_ends_one_vm_and_its_exit_is_not_reported(void **state)
{
	(void)state;
	connect_extended_two();
	send_pkt("vKill;2");
	assert_string_equal(rx(), "OK\n");
	fake_deliver(&f);
	assert_string_equal(rx(), "");
	assert_string_equal(take_log(), "kill 1\n");
	send_pkt("vKill;2");
	assert_string_equal(rx(), "E02\n");
	send_pkt("k");
	fake_deliver(&f);
	assert_string_equal(rx(), "");
	assert_string_equal(take_log(), "kill 0\n");
}

static void test_vattach_and_vrun(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vAttach;1");  /* attached already */
	send_pkt("vAttach;5");  /* no such VM */
	send_pkt("vAttach;0");
	send_pkt("vAttach");
	send_pkt("vRun;");
	assert_string_equal(rx(), "E02\nE02\nE01\nE01\nE06\n");
	send_pkt("vAttach;2");
	fake_deliver(&f);
	assert_string_equal(rx(), "T05thread:p2.1;core:0;\n");
	send_pkt("qAttached:2");
	send_pkt("qAttached:3");
	send_pkt("qAttached");
	assert_string_equal(rx(), "1\nE02\n1\n");
}

static void test_status_in_extended_mode_without_a_process_is_W00(void **state)
{
	(void)state;
	send_pkt("qSupported");
	send_pkt("!");
	send_pkt("?");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n+\nOK\n+\nW00\n");
	assert_string_equal(take_log(), "");
}

static void test_target_remote_with_the_default_vm_absent(void **state)
{
	(void)state;
	fake_init(&f, 3);
	fake_add_vm(&f, 0, 1);
	send_pkt("qSupported");
	send_pkt("?");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n+\nW00\n");
	assert_string_equal(take_log(), "");
}

static void test_new_connection_detaches_and_acks_again(void **state)
{
	(void)state;
	connect_extended_two();
	send_raw("+$qSupp"); /* the old connection broke mid-packet */
	send_pkt(GDB13_QSUPPORTED);
	assert_string_equal(take_log(), "detach 0\ndetach 1\n");
	assert_string_equal(rx(), "+\n" QSUPPORTED_REPLY "\n");
	send_pkt("?");
	fake_deliver(&f);
	assert_string_equal(rx(), "+\nT05thread:p1.1;core:0;\n");
}

static void test_fifty_reconnects_leave_nothing_attached(void **state)
{
	uint8_t regs[sizeof(f.vm[0].regs)];
	char expect[64 * 20] = "", *e = expect;

	(void)state;
	memcpy(regs, f.vm[0].regs, sizeof(regs));
	for (int i = 0; i < 50; i++) {
		/* each connection attaches, stops and vanishes without a word */
		send_raw("+");
		send_pkt(GDB13_QSUPPORTED);
		send_pkt("QStartNoAckMode");
		send_pkt("?");
		fake_deliver(&f);
		send_pkt("g");
		if (i % 2)
			send_raw("$vCont;c:p1.-1#"); /* cut mid-packet */
		assert_false(f.tx_overflow);
		f.tx_len = 0;
	}
	gdb_stub_reset(f.stub);
	for (int i = 0; i < 50; i++)
		e += sprintf(e, "%sattach 0\n", i ? "detach 0\n" : "");
	strcat(expect, "detach 0\n");
	assert_string_equal(take_log(), expect);
	assert_false(f.vm[0].attached);
	assert_memory_equal(f.vm[0].regs, regs, sizeof(regs));
}

static void test_reset_detaches_everything(void **state)
{
	(void)state;
	connect_remote();
	send_pkt("vCont;c");
	gdb_stub_reset(f.stub);
	assert_string_equal(take_log(), "resume 0 cc--\ndetach 0\n");
	/* a stop arriving late is dropped */
	fake_hit(&f, 0, 0, GDB_STOP_SWBREAK, 0);
	fake_deliver(&f);
	assert_string_equal(rx(), "");
}

static void test_qrcmd_monitor_commands(void **state)
{
	const char *r;

	(void)state;
	send_pkt("qRcmd,68656c70"); /* help, nothing attached: the engine's own */
	r = rx();
	assert_non_null(strstr(r, "O6970"));
	assert_non_null(strstr(r, "\nOK\n"));
	connect_remote();
	send_pkt("qRcmd,68656c70");
	r = rx();
	/* the engine's list then the fake's "vcpu ..." line */
	assert_non_null(strstr(r, "\nO76637075")); /* "vcpu" */
	assert_string_equal(take_log(), "monitor 0 0 help\n");
	send_pkt("Hgp1.2");
	send_pkt("qRcmd,2076637075200a"); /* " vcpu \n": trimmed */
	assert_string_equal(rx(), "OK\nO766d2030207663707520310a\nOK\n");
	send_pkt("qRcmd,626f677573"); /* bogus */
	r = rx();
	assert_non_null(strstr(r, "\nE01\n"));
	assert_true(r[0] == 'O');
	send_pkt("qRcmd,6661696c"); /* fail */
	send_pkt("qRcmd,6");
	send_pkt("qRcmd,zz");
	send_pkt("qRcmd,6100");   /* a NUL inside */
	assert_string_equal(rx(), "E06\nE01\nE01\nE01\n");
}

static void test_long_monitor_output_is_split_into_O_packets(void **state)
{
	const char *r, *line;
	size_t total = 0, packets = 0;

	(void)state;
	connect_remote();
	send_pkt("qRcmd,6c6f6e67"); /* long: 600 bytes of output */
	r = rx();
	for (line = r; *line == 'O' && line[1] != 'K'; line = strchr(line, '\n') + 1) {
		size_t n = (size_t)(strchr(line, '\n') - line - 1);

		assert_true(n % 2 == 0 && n + 1 <= sizeof(((struct gdb_stub *)0)->obuf));
		for (size_t i = 0; i < n; i += 2)
			assert_memory_equal(line + 1 + i, "61", 2);
		total += n / 2;
		packets++;
	}
	assert_string_equal(line, "OK\n");
	assert_int_equal(total, 600);
	assert_int_equal(packets, 3);
}

static void test_misc_packets(void **state)
{
	(void)state;
	send_pkt("qSymbol::");
	send_pkt("qTStatus");
	send_pkt("qOffsets");
	send_pkt("qCRC:0,4");
	send_pkt("QNonStop:1");
	send_pkt("vFile:setfs:0");
	send_pkt("bc");
	send_pkt("");
	send_pkt("\xff");
	assert_string_equal(rx(), "+\nOK\n+\n\n+\n\n+\n\n+\n\n+\n\n+\n\n+\n\n+\n\n");
	send_pkt("g");
	send_pkt("qC");
	assert_string_equal(rx(), "+\nE02\n+\nE02\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_packet_is_acked_then_answered, setup),
		cmocka_unit_test_setup(test_bad_checksum_gets_nak_and_no_reply, setup),
		cmocka_unit_test_setup(test_nak_from_gdb_resends_the_last_packet, setup),
		cmocka_unit_test_setup(test_no_ack_mode_sends_no_acks_and_drops_bad_packets, setup),
		cmocka_unit_test_setup(test_packet_split_into_single_bytes, setup),
		cmocka_unit_test_setup(test_dollar_inside_a_packet_starts_a_new_one, setup),
		cmocka_unit_test_setup(test_escaped_bytes_in_X_reach_memory, setup),
		cmocka_unit_test_setup(test_run_length_input_is_expanded, setup),
		cmocka_unit_test_setup(test_run_length_with_nothing_to_repeat_is_an_error, setup),
		cmocka_unit_test_setup(test_trailing_escape_is_an_error, setup),
		cmocka_unit_test_setup(test_replies_are_run_length_encoded, setup),
		cmocka_unit_test_setup(test_run_length_never_uses_hash_or_dollar_counts, setup),
		cmocka_unit_test_setup(test_oversize_packet_gets_E05_and_the_next_one_works, setup),
		cmocka_unit_test_setup(test_packet_of_exactly_packet_size_is_accepted, setup),
		cmocka_unit_test_setup(test_gdb13_startup_sequence, setup),
		cmocka_unit_test_setup(test_gdb13_stepi_sequence_and_its_cost, setup),
		cmocka_unit_test_setup(test_target_xml_is_well_formed_and_numbers_every_register, setup),
		cmocka_unit_test_setup(test_qxfer_in_small_chunks_gives_the_same_document, setup),
		cmocka_unit_test_setup(test_qxfer_bad_requests, setup),
		cmocka_unit_test_setup(test_thread_queries, setup),
		cmocka_unit_test_setup(test_H_selects_threads_and_rejects_absent_ones, setup),
		cmocka_unit_test_setup(test_without_multiprocess_thread_ids_are_global, setup),
		cmocka_unit_test_setup(test_register_sizes_follow_target_h, setup),
		cmocka_unit_test_setup(test_G_writes_every_writable_register, setup),
		cmocka_unit_test_setup(test_registers_of_a_running_vm_are_refused, setup),
		cmocka_unit_test_setup(test_unreadable_register_is_xx_in_g, setup),
		cmocka_unit_test_setup(test_m_reads_memory_partially_at_the_end_and_E04_outside, setup),
		cmocka_unit_test_setup(test_large_m_is_cut_to_fit_a_packet, setup),
		cmocka_unit_test_setup(test_M_and_X_write_memory, setup),
		cmocka_unit_test_setup(test_monitor_ipa_switches_the_address_space, setup),
		cmocka_unit_test_setup(test_monitor_ipa_is_per_vm_and_reaches_the_target, setup),
		cmocka_unit_test_setup(test_Z_and_z_reach_the_target_for_the_current_vm, setup),
		cmocka_unit_test_setup(test_Z_unsupported_types_get_empty_replies, setup),
		cmocka_unit_test_setup(test_vcont_query_and_per_thread_actions, setup),
		cmocka_unit_test_setup(test_vcont_malformed_is_E01, setup),
		cmocka_unit_test_setup(test_step_of_a_powered_off_vcpu_is_refused, setup),
		cmocka_unit_test_setup(test_legacy_c_and_s, setup),
		cmocka_unit_test_setup(test_stop_reply_formats, setup),
		cmocka_unit_test_setup(test_break_reasons_only_for_a_gdb_that_knows_them, setup),
		cmocka_unit_test_setup(test_all_stop_across_two_attached_vms, setup),
		cmocka_unit_test_setup(test_unattached_vm_is_never_touched, setup),
		cmocka_unit_test_setup(test_breakpoint_hit_while_quiesced_is_reported_on_next_resume, setup),
		cmocka_unit_test_setup(test_ctrl_c_stops_the_current_vm_then_the_others, setup),
		cmocka_unit_test_setup(test_ctrl_c_overtaken_by_a_breakpoint_is_not_reported_twice, setup),
		cmocka_unit_test_setup(test_ctrl_c_when_nothing_runs_does_nothing, setup),
		cmocka_unit_test_setup(test_a_refused_stop_does_not_leave_gdb_waiting, setup),
		cmocka_unit_test_setup(test_vm_exit_is_a_W_reply_with_its_process, setup),
		cmocka_unit_test_setup(test_stop_while_gdb_is_not_waiting_is_kept_for_status, setup),
		cmocka_unit_test_setup(test_detach_one_or_all, setup),
		cmocka_unit_test_setup(test_kill_ends_one_vm_and_its_exit_is_not_reported, setup),
		cmocka_unit_test_setup(test_vattach_and_vrun, setup),
		cmocka_unit_test_setup(test_status_in_extended_mode_without_a_process_is_W00, setup),
		cmocka_unit_test_setup(test_target_remote_with_the_default_vm_absent, setup),
		cmocka_unit_test_setup(test_new_connection_detaches_and_acks_again, setup),
		cmocka_unit_test_setup(test_fifty_reconnects_leave_nothing_attached, setup),
		cmocka_unit_test_setup(test_reset_detaches_everything, setup),
		cmocka_unit_test_setup(test_qrcmd_monitor_commands, setup),
		cmocka_unit_test_setup(test_long_monitor_output_is_split_into_O_packets, setup),
		cmocka_unit_test_setup(test_misc_packets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
