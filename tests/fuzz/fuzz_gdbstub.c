/*
 * libFuzzer harness for the GDB protocol engine (gdbstub/) over the fake
 * target (tests/gdbstub_fake.h). Build: clang -fsanitize=fuzzer,address,undefined
 * -I. -DHYP_HOST tests/fuzz/fuzz_gdbstub.c and every gdbstub/ source
 *
 * Input: bytes from gdb, fed a packet at a time (split after each '#' and
 * its two checksum characters), the target's queued events delivered after
 * each piece, as the hypervisor would. So a recorded gdb session is a seed
 * as it is (tests/fuzz/corpus/gdbstub/). Besides:
 *   0xff C (first two bytes only)  configuration C: bits 0-1 VMs - 1,
 *           bit 2 autorun off, bit 3 stop() refused, bit 4 no Z4,
 *           bits 5-7 default VM
 *   0xfe OP  a target event instead of bytes: OP bits 0-2 what (0 deliver
 *           nothing yet, 1 the oldest event only, 2 a breakpoint/step/catch
 *           hit in VM bits 3-4, vCPU bit 5, reason bits 5-7, 3 that VM
 *           exits, 4 the connection drops, 5 an event for a VM the
 *           engine does not know, 6 Ctrl-C, 7 deliver everything)
 *
 * Every byte the engine sends must be a well-formed, correctly checksummed
 * packet or an acknowledgement, no longer than PacketSize; anything else
 * aborts, as does any memory error the sanitizers see.
 */
#include <stdint.h>
#include <stdlib.h>

#include "gdbstub/internal.h"
#include "tests/gdbstub_fake.h"

static struct fake f;

static void check_output(void)
{
	size_t i = 0;

	if (f.tx_overflow)
		abort();
	while (i < f.tx_len) {
		char c = f.tx[i++];
		uint8_t sum = 0;
		size_t start = i;

		if (c == '+' || c == '-')
			continue;
		if (c != '$')
			abort();
		while (i < f.tx_len && f.tx[i] != '#') {
			if (f.tx[i] == '$')
				abort();
			sum = (uint8_t)(sum + (uint8_t)f.tx[i++]);
		}
		if (i - start > GDB_PACKET_SIZE || i + 3 > f.tx_len)
			abort();
		if (gdb_hexval(f.tx[i + 1]) != sum >> 4 || gdb_hexval(f.tx[i + 2]) != (sum & 15))
			abort();
		i += 3;
	}
	f.tx_len = 0;
}

static void deliver_one(void)
{
	struct gdb_event ev;

	if (!f.nq)
		return;
	ev = f.queue[0];
	memmove(f.queue, f.queue + 1, (f.nq - 1) * sizeof(f.queue[0]));
	f.nq--;
	gdb_stub_event(f.stub, &ev);
}

static void control(uint8_t op)
{
	unsigned vm = (op >> 3) & 3, vcpu = (op >> 5) & 1;
	struct gdb_event ev;

	switch (op & 7) {
	case 0:
		return;
	case 1:
		deliver_one();
		return;
	case 2:
		/* only a VM that runs can hit anything */
		if (f.vm[vm].attached && f.vm[vm].running && vcpu < f.vm[vm].nr_vcpus)
			fake_hit(&f, vm, vcpu, (enum gdb_stop_reason)(op >> 5), 0x1000 + op);
		return;
	case 3:
		if (f.vm[vm].present)
			fake_exit(&f, vm, op);
		return;
	case 4:
		gdb_stub_reset(f.stub);
		return;
	case 5:
		memset(&ev, 0, sizeof(ev));
		ev.type = (enum gdb_event_type)(op >> 7);
		ev.vm = GDB_MAX_VMS + op;
		gdb_stub_event(f.stub, &ev);
		return;
	case 6:
		gdb_stub_rx(f.stub, (const uint8_t *)"\x03", 1);
		return;
	default:
		while (f.nq)
			deliver_one();
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg = 0;
	size_t i = 0, start;

	if (size >= 2 && data[0] == 0xff) {
		cfg = data[1];
		i = 2;
	}
	fake_init(&f, cfg >> 5);
	f.autorun = !(cfg & 4);
	f.refuse_stop = cfg & 8;
	f.no_awatch = cfg & 16;
	for (unsigned v = 0; v <= (cfg & 3u); v++)
		fake_add_vm(&f, v, 1 + (v + 1) % GDB_MAX_VCPUS);

	start = i;
	while (i < size) {
		if (data[i] == 0xfe && i + 1 < size) {
			gdb_stub_rx(f.stub, data + start, i - start);
			control(data[i + 1]);
			i += 2;
			start = i;
		} else if (data[i] == '#') {
			i = i + 3 < size ? i + 3 : size;
			gdb_stub_rx(f.stub, data + start, i - start);
			while (f.nq)
				deliver_one();
			start = i;
		} else {
			i++;
		}
		check_output();
	}
	gdb_stub_rx(f.stub, data + start, size - start);
	while (f.nq)
		deliver_one();
	gdb_stub_reset(f.stub);
	check_output();
	return 0;
}
