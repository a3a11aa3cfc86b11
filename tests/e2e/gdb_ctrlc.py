#!/usr/bin/env python3
"""Ctrl-C through the GDB stub, timed: a minimal remote-protocol client.

    tests/e2e/gdb_ctrlc.py PORT [ROUNDS [RECONNECTS]]

First throws garbage at the stub: random bytes (no '$', no 0x03), packets
with bad checksums, an oversize packet, malformed arguments; then attaches
('?') as a new session and goes on as gdb would. Then ROUNDS times: continue, let the guest run 0.2 s,
send 0x03 and time until the stop reply. Also counts the packets of one
'stepi' as gdb sends them for all-stop (vCont;s, then the stop reply).
Detaches at the end, so the guest runs on. Then RECONNECTS times (default
0): a new connection, as gdb opens it (qSupported), attaches ('?'), reads
the registers ('g'), detaches and closes; every round must see the same
start-up answers. Prints PASS:/FAIL: lines and the figures; exit status 0
only when every stop came back.
"""
import os
import socket
import sys
import time


def checksum(body):
    return sum(body) & 0xFF


class Rsp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _read(self):
        data = self.s.recv(65536)
        if not data:
            raise EOFError("the stub closed the connection")
        self.buf += data

    def send(self, body):
        pkt = b"$" + body + b"#%02x" % checksum(body)
        self.s.sendall(pkt)

    def reply(self):
        """The next packet's body (acks skipped, each packet acked)."""
        while True:
            while self.buf[:1] in (b"+", b"-"):
                self.buf = self.buf[1:]
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                body = self.buf[start + 1 : end]
                self.buf = self.buf[end + 3 :]
                self.s.sendall(b"+")
                if body.startswith(b"O") and not body.startswith(b"OK"):
                    continue  # console output
                return body
            self._read()

    def transact(self, body):
        self.send(body)
        return self.reply()


def garbage(r):
    """Bytes no debugger sends; the stub must shrug them off."""
    noise = bytes(b for b in os.urandom(8192) if b not in (0x24, 0x03))
    r.s.sendall(noise)
    r.s.sendall(b"$qSupported#00$g#00$m40000000,4#ff")          # bad checksums
    r.s.sendall(b"$" + b"A" * 20000 + b"#00")                   # beyond PacketSize
    for body in (b"m,", b"mzz,4", b"Z0,1", b"Hgp99.99", b"p9999", b"vCont;q", b"X1,1:",
                 b"qXfer:features:read:nope.xml:0,10", b"D;77"):
        r.send(body)                                            # well framed, wrong
    # The UART takes its time over all that: a new session's qSupported
    # answer marks the end of the answers to the garbage (E replies).
    r.s.settimeout(30)
    r.send(b"qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
    errors = 0
    while True:
        body = r.reply()
        if body.startswith(b"PacketSize="):
            break
        if body.startswith(b"E"):
            errors += 1
    r.s.settimeout(10)
    return errors


def main():
    port = int(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    reconnects = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    failed = False
    r = Rsp(port)
    errors = garbage(r)
    if errors >= 9:
        print("PASS: the stub answered noise, bad checksums, an oversize packet and %d "
              "malformed packets with E replies, then a new session" % errors)
    else:
        print("FAIL: only %d E replies to 10 bad packets" % errors)
        failed = True
    stop = r.transact(b"?")
    if stop[:1] in (b"T", b"S"):
        print("PASS: attached while the guest runs: %s" % stop.decode(errors="replace")[:40])
    else:
        print("FAIL: no stop reply on attach: %r" % stop)
        return 1
    times = []
    for _ in range(rounds):
        r.send(b"vCont;c")
        time.sleep(0.2)
        t0 = time.monotonic()
        r.s.sendall(b"\x03")
        body = r.reply()
        times.append(time.monotonic() - t0)
        if body[:1] not in (b"T", b"S"):
            print("FAIL: Ctrl-C answered %r" % body)
            failed = True
            break
    if times and not failed:
        times.sort()
        print("PASS: %d Ctrl-C stops, each answered with a stop reply" % len(times))
        print("gdb-ctrlc: stop latency ms: median %.1f, max %.1f (%d rounds)"
              % (1000 * times[len(times) // 2], 1000 * times[-1], len(times)))
    # One stepi as gdb does it in all-stop: vCont;s:THREAD, stop reply.
    t0 = time.monotonic()
    body = r.transact(b"vCont;s")
    step_ms = 1000 * (time.monotonic() - t0)
    if body[:1] in (b"T", b"S"):
        print("PASS: vCont;s steps and stops")
        print("gdb-ctrlc: one step round trip %.1f ms" % step_ms)
    else:
        print("FAIL: vCont;s answered %r" % body)
        failed = True
    ok = r.transact(b"D")
    if ok == b"OK":
        print("PASS: detach")
    else:
        print("FAIL: detach answered %r" % ok)
        failed = True
    r.s.close()
    if reconnects and not reconnect(port, reconnects):
        failed = True
    return 1 if failed else 0


def expand(body):
    """A reply with its run-length encoding undone ('x*N': x, then N - 29 more)."""
    out = bytearray()
    i = 0
    while i < len(body):
        if body[i:i + 1] == b"*" and out and i + 1 < len(body):
            out += out[-1:] * (body[i + 1] - 29)
            i += 2
        else:
            out += body[i:i + 1]
            i += 1
    return bytes(out)


def reconnect(port, rounds):
    """RECONNECTS sessions in a row, each closed after its detach."""
    for i in range(rounds):
        r = Rsp(port)
        r.s.settimeout(30)
        sup = r.transact(b"qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
        stop = r.transact(b"?")
        regs = expand(r.transact(b"g"))
        det = r.transact(b"D")
        r.s.close()
        if (not sup.startswith(b"PacketSize=") or stop[:1] not in (b"T", b"S")
                or len(regs) < 2 * 8 * 33 or det != b"OK"):
            print("FAIL: reconnect %d of %d: qSupported %r, ? %r, g %d bytes, D %r"
                  % (i + 1, rounds, sup[:20], stop[:20], len(regs), det))
            return False
    print("PASS: %d reconnects in a row, each attached, read the registers and detached"
          % rounds)
    return True


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
