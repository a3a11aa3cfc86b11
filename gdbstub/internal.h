/*
 * The GDB remote protocol engine's private state and the helpers its three
 * parts share: rsp.c (framing, checksums, escapes, run-length, hex),
 * features.c (target.xml and its features, the thread list) and stub.c (the
 * session: packets, threads, all-stop, stop replies).
 *
 * Everything lives in one static struct gdb_stub: no allocation, it runs at
 * EL2. Freestanding: <string.h> is hyp/lib's at EL2 and the libc's on the host.
 */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdbstub/target.h"

/*
 * PacketSize in qSupported: gdb never sends a packet whose frame ($, payload,
 * #, checksum) is longer, and the engine never sends a payload longer either.
 */
#define GDB_PACKET_SIZE 0x4000u
/* Received payload after run-length expansion; anything longer is an E reply. */
#define GDB_RX_MAX      GDB_PACKET_SIZE
/* Reply payload the handlers build (before run-length encoding). */
#define GDB_REPLY_MAX   GDB_PACKET_SIZE
/* One frame on the wire: '$' payload '#' two hex digits. */
#define GDB_FRAME_MAX   (GDB_REPLY_MAX + 4)
/*
 * Times one frame is sent again on '-': gdb asks a few times at most; a flood
 * of '-' must not turn each byte in into a packet out.
 */
#define GDB_NAK_RESENDS 3
/* Catchpoint text kept with a stop, NUL included (longer text is cut). */
#define GDB_TEXT_MAX    256
/* The thread list and feature documents. */
#define GDB_XML_MAX     8192
/* Bytes per m/M packet: their hex must fit a packet. */
#define GDB_MEM_MAX     ((GDB_PACKET_SIZE - 32) / 2)

/*
 * E replies (gdb shows the number): what was wrong with the packet.
 */
#define GDB_E_ARGS    "E01" /* malformed packet or arguments */
#define GDB_E_THREAD  "E02" /* no such process or thread, or not attached */
#define GDB_E_RUNNING "E03" /* the thread is running: stop it first */
#define GDB_E_MEMORY  "E04" /* no memory there */
#define GDB_E_TOOLONG "E05" /* the packet or its reply exceeds PacketSize */
#define GDB_E_TARGET  "E06" /* the target refused (its errno is not sent) */

/* Receive state: between packets, in the payload, the two checksum digits. */
enum gdb_rx_state {
	GDB_RX_IDLE = 0,
	GDB_RX_DATA,
	GDB_RX_RLE,   /* after '*': the repeat count comes next */
	GDB_RX_CS1,
	GDB_RX_CS2,
};

struct gdb_rx {
	enum gdb_rx_state state;
	uint8_t sum;          /* of the raw payload bytes, as the sender computed it */
	uint8_t cs;           /* the checksum the sender wrote */
	bool overflow;        /* the payload did not fit: E reply */
	bool malformed;       /* a run-length count with nothing to repeat, or out of range */
	size_t len;
	uint8_t buf[GDB_RX_MAX + 1]; /* +1: a NUL after the payload */
};

/* A reply under construction; overflow turns it into an E reply when sent. */
struct gdb_buf {
	char *p;
	size_t cap;
	size_t len;
	bool overflow;
};

/* What a VM last did that gdb has to hear about. */
enum gdb_pending {
	GDB_PEND_NONE = 0,
	GDB_PEND_STOP,
	GDB_PEND_EXIT,
};

struct gdb_vmstop {
	enum gdb_pending kind;
	bool reported;               /* sent to gdb already (kept for a later '?') */
	unsigned vcpu;
	enum gdb_stop_reason reason;
	int signal;
	uint64_t addr;
	uint32_t exit_status;
	char text[GDB_TEXT_MAX];     /* "" when none */
};

struct gdb_vm {
	bool attached;
	bool running;     /* resumed (or being attached) and no stop seen since */
	bool stop_req;    /* target->stop called, its GDB_EV_STOPPED not seen yet */
	bool quiesce;     /* stopped by the engine for all-stop: an INTERRUPT stop is not news */
	bool ipa;         /* monitor ipa on: m/M/X addresses are guest physical */
	struct gdb_vmstop ev;
};

/* A thread-id as the packets give it: -1 all, 0 any, else pid or tid (1-based). */
struct gdb_tid {
	int pid;
	int tid;
};

struct gdb_stub {
	const struct gdb_target_ops *ops;
	void *ctx;
	unsigned default_vm;

	struct gdb_rx rx;

	/* The session (reset by qSupported, gdb_stub_reset). */
	bool noack;         /* QStartNoAckMode accepted */
	bool extended;      /* '!' */
	bool multiprocess;  /* gdb said multiprocess+: pPID.TID thread-ids */
	bool swbreak;       /* gdb said swbreak+: stop replies give the reason */
	bool hwbreak;
	bool auto_attached; /* default_vm attached (or tried) for target remote */
	bool waiting;       /* gdb waits for a stop reply */
	bool wait_resume;   /* ... after a resume (O packets allowed before it) */
	int reply_vm;       /* the VM whose stop becomes the reply, -1 none yet */
	int last_vm;        /* the VM of the last stop reply, -1 none */
	struct gdb_tid g;   /* Hg: registers, memory, breakpoints, monitor */
	struct gdb_tid c;   /* Hc: legacy c/s */
	struct gdb_vm vm[GDB_MAX_VMS];

	/* The thread list of the last qXfer:threads:read at offset 0. */
	char threads_xml[GDB_XML_MAX];
	size_t threads_len;

	/* The last frame sent, resent on '-' (ack mode only), at most GDB_NAK_RESENDS times. */
	char frame[GDB_FRAME_MAX];
	size_t frame_len;
	unsigned resends_left;

	char reply[GDB_REPLY_MAX];
	struct gdb_buf out;
	char obuf[512];          /* an O packet's payload */
	uint8_t mem[GDB_MEM_MAX];
};

/* rsp.c: bytes in, packets out. */
void gdb_rx_bytes(struct gdb_stub *s, const uint8_t *buf, size_t len);
void gdb_send(struct gdb_stub *s, const char *payload, size_t len);
void gdb_send_reply(struct gdb_stub *s);   /* s->out, or E01 when it overflowed */
void gdb_send_str(struct gdb_stub *s, const char *str);
void gdb_send_console(struct gdb_stub *s, const char *text, size_t len); /* O packets */

void gdb_buf_reset(struct gdb_buf *b, char *p, size_t cap);
void gdb_put(struct gdb_buf *b, const char *p, size_t n);
void gdb_puts(struct gdb_buf *b, const char *str);
void gdb_putc(struct gdb_buf *b, char c);
void gdb_put_hex(struct gdb_buf *b, uint64_t v);        /* no leading zeros */
void gdb_put_dec(struct gdb_buf *b, uint64_t v);
void gdb_put_hex_bytes(struct gdb_buf *b, const uint8_t *p, size_t n);
/* Binary data escaped ('}' x^0x20) for '#', '$', '}', '*'; stops before max escaped bytes. */
size_t gdb_put_binary(struct gdb_buf *b, const uint8_t *p, size_t n, size_t max);

int gdb_hexval(int c);
/* Hex number at *p (below end): at least one digit, at most 16. */
bool gdb_parse_hex(const char **p, const char *end, uint64_t *v);
/* Hex-encoded bytes: exactly 2 * n digits. */
bool gdb_decode_hex(const char *p, size_t ndigits, uint8_t *out, size_t n);

/* stub.c: one whole, checked packet (NUL-terminated at buf[len]). */
void gdb_handle_packet(struct gdb_stub *s, char *buf, size_t len, bool too_long);
void gdb_interrupt(struct gdb_stub *s);
bool gdb_starts_session(const char *buf, size_t len);
void gdb_session_reset(struct gdb_stub *s);

/* features.c: the documents qXfer serves. */
/* The feature document named annex, or NULL. */
const char *gdb_feature_xml(const char *annex, size_t *len);
/* Register size in bytes by regno (0 past the last). */
unsigned gdb_reg_size(unsigned regno);
bool gdb_reg_writable(unsigned regno);

#endif
