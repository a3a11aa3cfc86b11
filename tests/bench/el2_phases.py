#!/usr/bin/env python3
"""Where a round trip's EL2 instructions go, phase by phase: a null exit's,
or a switch between two vCPUs (from one vCPU's exit to the other's).

Reads QEMU's `-d in_asm,exec,nochain` log of a run (filtered to the
hypervisor's addresses with -dfilter) on stdin. Under -icount with chaining
off every executed translation block is logged, and its instructions are
known from its translation, so the count is exact. The log is cut into round
trips at each guest exit's vector (lower EL, AArch64); the round trip seen
most often is the one measured: the null hypercall's for the bench_hvc guest
(thousands of them), the switch's for two bench_switch guests yielding to
each other on one CPU. Its instructions are attributed to phases: the
assembly by label, C code by the function called from the run loop
(vcpu_run) that it is in, inlined or called (addr2line's inline chain, a
call stack kept from the bl/blr/ret that end blocks); cpu_run_loop and the
vCPU's load and put by the function they call or inline.

usage: el2_phases.py HYP_ELF < qemu.log
"""
import collections
import re
import subprocess
import sys

CROSS = "aarch64-linux-gnu-"

# The function called from vcpu_run's loop (or the assembly label) -> phase.
PHASES = [
    ("vector", {"hyp_vectors"}),
    ("save guest registers", {"guest_exit"}),
    ("SError window", {"__serror_window"}),
    ("fast path (check, answer, count, time)", {"__exit_fast"}),
    ("yield in the fast path (the pick, count, time)", {"exit_fast_yield"}),
    ("restore hypervisor registers", {"guest_exit_restore"}),
    ("exit bookkeeping (syndrome, VSE, stats)", {"arch_vcpu_enter:exit", "vcpu_run"}),
    ("vGIC fold", {"arch_vgic_fold"}),
    ("timer sample", {"timer_sync"}),
    ("dispatch and handler", {"handle_exit", "traced_exit", "debugged_exit"}),
    ("trace records", {"trace_entry", "trace_exit", "trace_smccc"}),
    ("scheduler, timer and host checks",
     {"sched_next_event_cached", "timer_ptimer_due", "arch_timer_set", "host_requests_poll",
      "keep_running", "sdei_dispatch", "vcpu_run:checks"}),
    ("vGIC flush", {"arch_vgic_flush"}),
    ("entry (VMID, VTTBR, HCR, CPTR, checks)", {"arch_vcpu_enter"}),
    ("load guest registers, ERET", {"__guest_enter", "guest_exit_fast_return"}),
    ("counter reads", {"arch_counter"}),
    # A switch (bench_switch): the run loop between two vCPUs.
    ("run queue: pick, claim, release (cpu_run_loop)",
     {"cpu_run_loop", "cpu_run_loop:sched_pick", "cpu_run_loop:vcpu_claim",
      "cpu_run_loop:vcpu_unclaim", "cpu_run_loop:cpu_run_loop", "cpu_run_loop:arch_counter"}),
    ("VMID and VTTBR_EL2 at the load", {"arch_vcpu_load:vmid_load",
                                        "arch_vcpu_load:vmid_load_slow"}),
    ("EL1 registers saved, restored", {"arch_vcpu_put:el1_save", "arch_vcpu_load:el1_restore"}),
    ("pointer-authentication keys", {"arch_vcpu_put:pauth_save", "arch_vcpu_load:pauth_restore",
                                     "arch_vcpu_put:pauth_live", "arch_vcpu_load:pauth_live"}),
    ("vGIC put, load", {"arch_vcpu_put:arch_vgic_put", "arch_vcpu_load:arch_vgic_load"}),
    ("PMU put, load", {"arch_vcpu_put:vpmu_put", "arch_vcpu_load:vpmu_load",
                       "arch_vcpu_load:vpmu_live"}),
    ("timers put, load, first sample",
     {"timer_vcpu_load", "timer_vcpu_loaded", "arch_vtimer_load",
      "arch_vtimer_ppi_active", "gic_set_ppi_active"}),
    ("vCPU load and put, the rest (VMPIDR, debug, MTE tests)",
     {"arch_vcpu_load:arch_vcpu_load",
      "arch_vcpu_put:arch_vcpu_put", "arch_vcpu_load:guest_debug_may_load",
      "arch_vcpu_load:vcpu_nested", "arch_vcpu_load:live"}),
]

# Functions whose parts are told apart: by the function they call or inline.
REFINE = {"cpu_run_loop", "arch_vcpu_load", "arch_vcpu_put"}
# Inlined helpers that only group other parts: their parts are told apart.
TRANSPARENT = {"put_common"}


ASM = {"hyp_vectors", "guest_exit", "guest_exit_restore", "__serror_window", "__guest_enter",
       "guest_exit_fast_return", "guest_exit_full"}
VERBOSE = False


def symbols(elf):
    out = subprocess.run([CROSS + "nm", "-n", elf], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    return syms


def sym_of(syms, addr):
    lo, hi = 0, len(syms) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if syms[mid][0] <= addr:
            lo = mid
        else:
            hi = mid - 1
    return syms[lo][1]


def inline_chains(elf, addrs):
    """addr -> [(function, line)] innermost first, as addr2line -i tells."""
    text = "\n".join("0x%x" % a for a in addrs)
    out = subprocess.run([CROSS + "addr2line", "-a", "-f", "-i", "-e", elf], input=text,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    chains, cur, i = {}, None, 0
    while i < len(out):
        if re.fullmatch(r"0x[0-9a-f]+", out[i]):
            cur = int(out[i], 16)
            chains[cur] = []
            i += 1
            continue
        fn = out[i]
        loc = out[i + 1] if i + 1 < len(out) else "?"
        m = re.search(r":(\d+)", loc)
        chains[cur].append((fn, int(m.group(1)) if m else 0))
        i += 2
    return chains


def read_log(stream, lo, hi):
    """The executed blocks: a list of (pc, (insn addresses), last mnemonic)."""
    pending = {}  # pc -> translation not yet executed
    blocks = {}   # host TB pointer -> (insns, last mnemonic)
    trace = []
    cur = None
    for line in stream:
        if line.startswith("Trace "):
            m = re.match(r"Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/", line)
            if not m:
                continue
            tb, pc = m.group(1), int(m.group(2), 16)
            if pc < lo or pc >= hi:
                continue
            if pc in pending:
                blocks[tb] = pending.pop(pc)
            b = blocks.get(tb)
            if b is None or b[0][0] != pc:
                continue
            trace.append((pc, b[0], b[1]))
        elif line.startswith("IN:"):
            cur = []
        elif cur is not None and line.startswith("0x"):
            m = re.match(r"0x([0-9a-f]+):\s+[0-9a-f]+\s+(\S+)", line)
            if m:
                cur.append((int(m.group(1), 16), m.group(2)))
        elif cur is not None and not line.strip():
            if cur:
                pending[cur[0][0]] = (tuple(a for a, _ in cur), cur[-1][1])
            cur = None
    return trace


def main():
    global VERBOSE
    if sys.argv[1] == "-v":
        VERBOSE = True
        sys.argv.pop(1)
    elf = sys.argv[1]
    syms = symbols(elf)
    addr = {name: a for a, name in syms}
    vec = addr["hyp_vectors"]
    lo, hi = addr["__hyp_start"], max(a for a, _ in syms) + 0x10000
    trace = read_log(sys.stdin, lo, hi)

    # Round trips: from one lower-EL AArch64 vector to the next.
    trips, cur = collections.Counter(), None
    for pc, insns, last in trace:
        if vec + 0x400 <= pc < vec + 0x600:
            if cur:
                trips[tuple(cur)] += 1
            cur = []
        if cur is not None:
            cur.append((pc, insns, last))
    if not trips:
        sys.exit("el2_phases: no round trip in the log")
    trip, seen = trips.most_common(1)[0]

    chains = inline_chains(elf, sorted({a for _, insns, _ in trip for a in insns}))
    enter_call = None  # the bl __guest_enter in arch_vcpu_enter: entry before, exit after

    def key(a):
        s = sym_of(syms, a)
        if s in ASM or s in ("serror_window_start", "serror_window_end"):
            return {"serror_window_start": "__serror_window",
                    "serror_window_end": "__serror_window",
                    "guest_exit_full": "guest_exit"}.get(s, s)
        chain = chains.get(a) or [(s, 0)]
        names = [f for f, _ in chain]
        if "vcpu_run" in names:  # inlined into cpu_run_loop, or not
            i = names.index("vcpu_run")
            return names[i - 1] if i > 0 else "vcpu_run"
        if names[-1] == "arch_vcpu_enter" and enter_call is not None and a > enter_call:
            return "arch_vcpu_enter:exit"
        if names[-1] == "cpu_run_loop" and len(names) > 1:
            return "cpu_run_loop:" + names[-2]
        return names[-1]

    def refine(k, a):
        """k:part for the functions of REFINE: the function inlined into k at a."""
        names = [f for f, _ in (chains.get(a) or [(sym_of(syms, a), 0)])]
        if k in names:
            i = names.index(k)
            while i > 0 and names[i - 1] in TRANSPARENT:
                i -= 1
            return "%s:%s" % (k, names[i - 1] if i > 0 else k)
        return "%s:%s" % (k, names[-1])  # a tail call out of k

    for pc, insns, last in trip:
        if last == "bl" and sym_of(syms, insns[-1]) == "arch_vcpu_enter":
            enter_call = insns[-1]
    per_key, detail = collections.Counter(), collections.Counter()
    stack, calling = [], None  # (phase key, part) of each call the run loop made
    for pc, insns, last in trip:
        if calling is not None:
            # A call from the run loop itself is the callee's phase; a call
            # from a function of REFINE is the part of it that the callee is.
            k, part = calling
            if k == "vcpu_run":
                stack.append((sym_of(syms, pc), None))
            elif k in REFINE and part is None:
                stack.append((k, "%s:%s" % (k, sym_of(syms, pc))))
            else:
                stack.append((k, part))
            calling = None
        for a in insns:
            k = key(a)
            if stack and k not in ASM:
                k, part = stack[-1]
                if k in REFINE:
                    k = part or refine(k, a)
            elif k in REFINE:
                k = refine(k, a)
            per_key[k] += 1
            if VERBOSE:
                c = chains.get(a) or [("?", 0)]
                detail[(k, c[0][0], c[0][1])] += 1
        if last in ("bl", "blr"):
            k, part = stack[-1] if stack else (key(insns[-1]), None)
            # Assembly's own calls (guest_exit -> __serror_window) are by label.
            if k not in ASM:
                calling = (k, part)
        elif last == "ret" and stack:
            stack.pop()
    total = sum(per_key.values())
    print("  round trip seen %d times: %d EL2 instructions" % (seen, total))
    done = set()
    for phase, keys in PHASES:
        n = sum(per_key[k] for k in keys)
        done |= keys
        if n:
            parts = ", ".join("%s %d" % (k, per_key[k]) for k in sorted(keys, key=lambda k: -per_key[k])
                              if per_key[k] and len(keys) > 1)
            print("  %-42s %4d%s" % (phase, n, "  (" + parts + ")" if parts else ""))
    for k, n in per_key.most_common():
        if k not in done:
            print("  %-42s %4d" % ("other: " + k, n))
    if VERBOSE:
        for (k, fn, line), n in sorted(detail.items()):
            print("    %-24s %-28s %5d %3d" % (k, fn, line, n))


if __name__ == "__main__":
    main()
