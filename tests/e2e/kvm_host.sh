#!/usr/bin/env bash
# End-to-end test of `hypscope record --kvm` on a real KVM host: Debian's
# arm64 kernel (the Linux guest's, scripts/linux-guest.sh) booted directly
# under QEMU with virtualization=on runs KVM at EL2; its initramfs holds the
# static arm64 hypscope and the test VMM tests/kvm/kvm_vmm (2 VMs x 2 vCPUs,
# each making N hypercalls, N ID_AA64PFR0_EL1 reads, a busy loop, N MMIO
# stores). In each KVM mode that boots (VHE, nVHE, protected) the recording
# must show, per vCPU, exactly N HVC64, N SYS64 and N DABT_LOW exits; the
# register and the SMCCC function named, the data abort decoded, IRQ exits
# counted as IRQ; the mode in the file's description. In VHE mode also: the
# diff of two recordings, losses with a one-page ring, `top --kvm --batch`,
# and with KVM_BENCH_N the collector's overhead per exit (FIGURE: lines).
#
#   tests/e2e/kvm_host.sh [MODEL]      (the model is ignored: KVM needs -cpu max)
#
# KVM_MODES (default "vhe nvhe protected") picks the boots; KVM_BENCH_N the
# exits of each kind per vCPU of the overhead measurement (default 500).
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/kvm_host.d/.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

work=build/e2e-logs/kvm_host.d
n=100
bench_n=${KVM_BENCH_N:-0} # >0: also an overhead run without a busy loop, N of each exit per vCPU
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work/add" || exit 2
for f in build/linux/Image build/arm64/hypscope build/arm64/kvm_vmm; do
	[ -f "$f" ] || { fail "$f is missing: make all arm64 kvm-vmm linux-guest"; exit 1; }
done
tests/kvm/mkinitramfs.sh "$work/base.cpio" || { fail "cannot build the initramfs"; exit 1; }

# On this (build) host: bad usage, and a host that is not arm64 KVM, each get one line.
hs=build/hypscope
out=$("$hs" record --kvm --ring-size 3000 2>&1)
[ $? -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && pass "record --kvm --ring-size 3000: usage error: $out" ||
	fail "record --kvm --ring-size 3000 said: $out"
if [ "$(uname -m)" != aarch64 ]; then
	out=$("$hs" record --kvm -o "$work/none.trace" 2>&1)
	rc=$?
	if [ "$rc" -eq 4 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "$(uname -m) host"; then
		pass "record --kvm on a $(uname -m) host: one line, status 4"
	else
		fail "record --kvm on a $(uname -m) host: status $rc: $out"
	fi
fi

# The commands every mode runs inside the machine; results go to the console
# as tagged lines, checked here on the host.
common_test='
hypscope record --kvm -q -o /tmp/a.trace -- kvm_vmm -n '$n' -s 3000000 >/tmp/vmm.out 2>&1
echo "RECORD rc=$?"
sed "s/^/VMM| /" /tmp/vmm.out
hypscope report /tmp/a.trace >/tmp/report.txt 2>&1
echo "REPORT rc=$?"
sed "s/^/REPORT| /" /tmp/report.txt
hypscope print /tmp/a.trace >/tmp/print.txt 2>&1
echo "PRINT rc=$?"
awk '"'"'$4 == "exit" { n[$3 " " $5]++ } END { for (k in n) print "COUNT", k, n[k] }'"'"' /tmp/print.txt
grep -m1 " exit *DABT_LOW" /tmp/print.txt | sed "s/^/DABT| /"
grep -m1 " exit *IRQ" /tmp/print.txt | sed "s/^/IRQ| /"
'

vhe_extra='
hypscope record --kvm -q -o /tmp/b.trace -- kvm_vmm -n '$n' -s 3000000 >/tmp/vmm-b.out 2>&1
hypscope diff --metric time /tmp/a.trace /tmp/b.trace >/tmp/diff.txt 2>&1
echo "DIFF rc=$?"
sed "s/^/DIFF| /" /tmp/diff.txt
hypscope record --kvm --ring-size 4096 -o /tmp/small.trace -- kvm_vmm -n 200 >/tmp/small.out 2>&1
echo "SMALL rc=$?"
sed "s/^/SMALL| /" /tmp/small.out
hypscope report /tmp/small.trace | sed -n "s/^Losses/SMALLREPORT| Losses/p"
hypscope top --kvm --batch --iterations 7 >/tmp/top.txt 2>&1 &
top=$!
sleep 3
kvm_vmm -n 100 -s 0 >/dev/null 2>&1
wait $top
echo "TOP rc=$?"
sed "s/^/TOP| /" /tmp/top.txt
for i in 1 2 3; do
	[ '$bench_n' -gt 0 ] || break
	kvm_vmm -n '$bench_n' -s 0 | sed -n "s/.*exit: \([0-9.]*\) s/BENCHPLAIN \1/p"
	hypscope record --kvm -q -o /tmp/o.trace -- kvm_vmm -n '$bench_n' -s 0 | sed -n "s/.*exit: \([0-9.]*\) s/BENCHTRACED \1/p"
done
'

# boot NAME CMDLINE-EXTRA SCRIPT: the console log in $work/NAME.log
boot() {
	local name=$1 extra=$2 script=$3
	mkdir -p "$work/add/$name"
	printf '#!/bin/sh\n%s\n' "$script" >"$work/add/$name/test.sh"
	chmod +x "$work/add/$name/test.sh"
	(cd "$work/add/$name" && echo ./test.sh | cpio -o -H newc --quiet) >"$work/$name.add.cpio"
	cat "$work/base.cpio" "$work/$name.add.cpio" >"$work/$name.cpio"
	echo "# boot $name: kvm-arm.mode ${extra:-default}"
	timeout --kill-after=5 240 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
		-cpu max -smp 2 -m 1024 -nographic -nic none -no-reboot \
		-kernel build/linux/Image -initrd "$work/$name.cpio" \
		-append "console=ttyAMA0 rdinit=/init quiet $extra" </dev/null >"$work/$name.log" 2>&1
	tr -d '\r' <"$work/$name.log" >"$work/$name.txt"
}

# check NAME MODE: the checks every mode makes
check() {
	local name=$1 mode=$2 log=$work/$1.txt vm vcpu cls got
	if ! grep -q "^kvm-host: test.sh exited" "$log"; then
		fail "$name: the machine did not run the test (log: $work/$name.log)"
		tail -n 20 "$log" | sed 's/^/  | /'
		return
	fi
	grep -q "^RECORD rc=0" "$log" && pass "$name: record --kvm -- kvm_vmm exits 0" ||
		fail "$name: record --kvm: $(grep -m1 '^RECORD' "$log") $(grep -m3 'hypscope record' "$log")"
	got=$(grep -c "^VMM| kvm_vmm: pid [0-9]* vm[01] vcpu[01]: $n MMIO exits$" "$log")
	[ "$got" -eq 4 ] && pass "$name: the VMM saw $n MMIO stores on each of its 4 vCPUs" ||
		fail "$name: the VMM: $(grep '^VMM|' "$log" | tr '\n' ' ')"
	grep -q "^REPORT|   KVM host .*KVM mode $mode" "$log" &&
		pass "$name: the file says KVM host, kernel and mode $mode" ||
		fail "$name: description: $(grep -m1 '^REPORT|   KVM' "$log")"
	for vm in 0 1; do
		for vcpu in 0 1; do
			for cls in HVC64 SYS64 DABT_LOW; do
				got=$(sed -n "s|^COUNT vm$vm/$vcpu $cls \([0-9]*\)$|\1|p" "$log")
				if [ "${got:-0}" -eq "$n" ]; then
					pass "$name: vm$vm vCPU $vcpu: exactly $n $cls exits"
				else
					fail "$name: vm$vm vCPU $vcpu: ${got:-0} $cls exits, expected $n"
				fi
			done
		done
	done
	got=$(grep '^COUNT ' "$log" | awk '{print $2}' | sort -u | tr '\n' ' ')
	[ "$got" = "vm0/0 vm0/1 vm1/0 vm1/1 " ] && pass "$name: exits split over 2 VMs x 2 vCPUs" ||
		fail "$name: exits of vCPUs '$got', expected vm0/0 vm0/1 vm1/0 vm1/1"
	if grep -q '^COUNT .* UNKNOWN ' "$log"; then
		fail "$name: exits counted as class UNKNOWN (IRQ exits mistaken for EC 0?)"
	elif grep -q '^COUNT .* IRQ [0-9]' "$log" && grep -q '^REPORT| IRQ  *[0-9]' "$log"; then
		pass "$name: IRQ exits counted on their own: $(grep -m1 '^REPORT| IRQ ' "$log" | awk '{print $3}')"
	else
		fail "$name: no IRQ exits in the report"
	fi
	grep -q "^REPORT| ID_AA64PFR0_EL1 read  *$((4 * n)) " "$log" &&
		pass "$name: the trapped register is named: ID_AA64PFR0_EL1, $((4 * n)) reads" ||
		fail "$name: sysreg table: $(grep -A4 '^REPORT| System register' "$log" | tr '\n' ' ')"
	grep -q "^REPORT| SMCCC_VERSION 0x80000000  *$((4 * n)) " "$log" &&
		pass "$name: the SMCCC function is named: SMCCC_VERSION, $((4 * n)) calls" ||
		fail "$name: hypercall table: $(grep -A4 '^REPORT| Hypercalls' "$log" | tr '\n' ' ')"
	grep -q "^REPORT| vmm  *0x10000000 .* write  *$((4 * n)) " "$log" &&
		pass "$name: $((4 * n)) MMIO stores to 0x10000000 handed to the VMM" ||
		fail "$name: MMIO table: $(grep -A4 '^REPORT| MMIO' "$log" | tr '\n' ' ')"
	# ISV set, SAS a word (len=4), WnR a write, DFSC a translation fault
	if grep -Eq '^DABT\| .*DABT_LOW isv=1 len=4 .*wnr=write dfsc=TRANS_L[0-3] .*far=0x10000000' "$log"; then
		pass "$name: the data abort decoded: $(sed -n 's/^DABT| *[0-9.]* *cpu[0-9]* *//p' "$log")"
	else
		fail "$name: data abort line: $(grep -m1 '^DABT|' "$log")"
	fi
}

modes=${KVM_MODES:-vhe nvhe protected}
case " $modes " in *" vhe "*)
boot vhe "" "$common_test$vhe_extra"
check vhe VHE
# diff, losses, top, overhead (VHE only)
grep -q '^DIFF rc=[01]$' "$work/vhe.txt" && grep -q '^DIFF| .*HVC64' "$work/vhe.txt" &&
	pass "vhe: diff of two recordings compares HVC64 ($(grep -m1 '^DIFF rc' "$work/vhe.txt"))" ||
	fail "vhe: diff: $(grep -m3 '^DIFF' "$work/vhe.txt" | tr '\n' ' ')"
lost=$(sed -n 's/^SMALL| hypscope record: .* \([0-9][0-9]*\) lost,.*/\1/p' "$work/vhe.txt")
rlost=$(sed -n 's/^SMALLREPORT| Losses: \([0-9]*\) records lost.*/\1/p' "$work/vhe.txt")
if [ "${lost:-0}" -gt 0 ] && [ "${rlost:-0}" -eq "$lost" ]; then
	pass "vhe: a one-page ring buffer loses $lost events, and report says so"
else
	fail "vhe: losses with --ring-size 4096: record '${lost:-}', report '${rlost:-}'"
fi
if grep -q '^TOP rc=0' "$work/vhe.txt" && grep -q '^TOP| .*DABT_LOW' "$work/vhe.txt"; then
	pass "vhe: top --kvm --batch prints the exits table"
else
	fail "vhe: top --kvm --batch: $(grep -m3 '^TOP' "$work/vhe.txt" | tr '\n' ' ')"
fi
# The overhead: the VMM's run time with and without recording, best of 3
# (KVM_BENCH_N > 0 only: one sample on a shared machine means little)
figure() { # plain-tag traced-tag n spin
	local plain traced
	plain=$(sed -n "s/^$1 //p" "$work/vhe.txt" | sort -n | head -n1)
	traced=$(sed -n "s/^$2 //p" "$work/vhe.txt" | sort -n | head -n1)
	[ -n "$plain" ] && [ -n "$traced" ] || return 0
	awk -v p="$plain" -v t="$traced" -v n="$3" -v spin="$4" 'BEGIN {
		exits = 4 * 3 * n
		printf "FIGURE: kvm_vmm 2 VMs x 2 vCPUs x %d of each exit (%d exits, busy loop %s): %.3f s plain, %.3f s recorded: ratio %.2f, %.1f us more per exit (QEMU TCG)\n", n, exits, spin, p, t, t / p, (t - p) / exits * 1e6 }'
}
figure BENCHPLAIN BENCHTRACED "$bench_n" 0

esac
case " $modes " in *" nvhe "*)
boot nvhe "kvm-arm.mode=nvhe" "$common_test"
check nvhe nVHE
esac
case " $modes " in *" protected "*)
boot protected "kvm-arm.mode=protected" "$common_test"
if grep -q "Protected nVHE mode initialized" "$work/protected.txt" ||
	grep -q "^REPORT|   KVM host" "$work/protected.txt"; then
	check protected protected
else
	echo "# protected mode did not come up on this kernel: $(grep -m1 -i 'kvm' "$work/protected.txt")"
fi
esac
exit "$failed"
