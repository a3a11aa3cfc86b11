#!/usr/bin/env bash
# End-to-end tests: boot the test guests under the hypervisor in QEMU.
#
#   tests/e2e/run.sh [-j JOBS] [-m MODEL] [-f CFG] [-l] [NAME...]
#
#   -j JOBS   tests run at a time (default 2, or $E2E_JOBS)
#   -m MODEL  only the runs on this CPU model
#   -f CFG    the manifest (default tests/e2e/tests.cfg)
#   -l        list the runs and exit
#   NAME      only these tests (default: all of them)
#
# Each test of the manifest runs once per CPU model it lists; the log goes to
# build/e2e-logs/NAME.MODEL.log. One line per run, "PASS name (model)" or
# "FAIL name (model): why" followed by the end of its log; the last line is
# "e2e: N passed, M failed". Exit status 0 only when nothing failed.
#
# Environment: HYPSCOPE (default build/hypscope), E2E_JOBS.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
cfg=tests/e2e/tests.cfg
logdir=build/e2e-logs
jobs=${E2E_JOBS:-2}
only_model=""
list=0
tail_lines=20

usage() {
	sed -n '2,17s/^# \{0,1\}//p' "$0"
	exit 2
}

while getopts "j:m:f:lh" opt; do
	case "$opt" in
	j) jobs=$OPTARG ;;
	m) only_model=$OPTARG ;;
	f) cfg=$OPTARG ;;
	l) list=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
selected=("$@")

case "$jobs" in
'' | *[!0-9]* | 0) echo "e2e: -j needs a positive number" >&2; exit 2 ;;
esac
[ -r "$cfg" ] || { echo "e2e: cannot read $cfg" >&2; exit 2; }

# ------------------------------------------------------------ the manifest

# Parallel arrays, one entry per test.
t_names=()
t_args=()
t_models=()
t_scripts=() # a test script run instead of `hypscope run`
t_checks=() # newline-separated "COUNT<TAB>REGEX"

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

cur=-1
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=$(trim "$line")
	case "$line" in
	'' | '#'*) continue ;;
	'['*']')
		cur=${#t_names[@]}
		t_names+=("${line:1:${#line}-2}")
		t_args+=("")
		t_models+=("")
		t_scripts+=("")
		t_checks+=("")
		continue
		;;
	esac
	if [ "$cur" -lt 0 ] || [[ "$line" != *=* ]]; then
		echo "e2e: $cfg:$lineno: expected [name] or key = value" >&2
		exit 2
	fi
	key=$(trim "${line%%=*}")
	val=$(trim "${line#*=}")
	case "$key" in
	args) t_args[cur]=$val ;;
	models) t_models[cur]=$val ;;
	script) t_scripts[cur]=$val ;;
	pattern) t_checks[cur]+=$'1\t'"$val"$'\n' ;;
	count)
		n=${val%%[[:space:]]*}
		re=$(trim "${val#"$n"}")
		case "$n" in
		'' | *[!0-9]*) echo "e2e: $cfg:$lineno: count = N REGEX" >&2; exit 2 ;;
		esac
		t_checks[cur]+="$n"$'\t'"$re"$'\n'
		;;
	*) echo "e2e: $cfg:$lineno: unknown key '$key'" >&2; exit 2 ;;
	esac
done <"$cfg"

# The runs: "test index<TAB>model", in manifest order.
runs=()
for i in "${!t_names[@]}"; do
	if [ ${#selected[@]} -gt 0 ]; then
		match=0
		for s in "${selected[@]}"; do
			[ "$s" = "${t_names[i]}" ] && match=1
		done
		[ "$match" -eq 1 ] || continue
	fi
	for m in ${t_models[i]}; do
		[ -n "$only_model" ] && [ "$m" != "$only_model" ] && continue
		runs+=("$i"$'\t'"$m")
	done
done

if [ "$list" -eq 1 ]; then
	for r in "${runs[@]}"; do
		i=${r%%$'\t'*}
		if [ -n "${t_scripts[i]}" ]; then
			echo "${t_names[i]} (${r#*$'\t'}): ${t_scripts[i]} ${r#*$'\t'}"
		else
			echo "${t_names[i]} (${r#*$'\t'}): $hypscope run ${t_args[i]} --cpu ${r#*$'\t'}"
		fi
	done
	exit 0
fi

mkdir -p "$logdir"

# ------------------------------------------------------------ one run

log_file() { # test-name model
	printf '%s/%s.%s.log' "$logdir" "$1" "$(printf '%s' "$2" | tr -c 'A-Za-z0-9_.-' '_')"
}

# The seconds hypscope's own --timeout allows, plus a margin: past that the
# runner stops hypscope itself, so a hung QEMU cannot stall the suite.
outer_timeout() {
	local prev="" a
	for a in "$@"; do
		if [ "$prev" = "--timeout" ] || [ "$prev" = "-t" ]; then
			echo $((a + 60))
			return
		fi
		prev=$a
	done
	echo 600
}

# Runs one test on one model; writes the verdict ("PASS" or "FAIL: why") to
# $log.verdict last, which is what the scheduler below waits for.
run_one() {
	local i=$1 model=$2 log verdict="" rc n re found args
	log=$(log_file "${t_names[i]}" "$model")
	# The manifest is ours: shell quoting in args (a kernel command line) is honoured.
	eval "args=(${t_args[i]})"

	{
		if [ -n "${t_scripts[i]}" ]; then
			echo "# ${t_scripts[i]} $model"
		else
			echo "# $hypscope run ${t_args[i]} --cpu $model"
		fi
		if [ ! -x "$hypscope" ]; then
			echo "# $hypscope is missing: build it with make"
			rc=127
		elif [ -n "${t_scripts[i]}" ]; then
			# The script runs hypscope itself and prints PASS:/FAIL: lines.
			timeout --kill-after=10 600 env HYPSCOPE="$hypscope" \
				"${t_scripts[i]}" "$model" </dev/null 2>&1
			rc=$?
		else
			timeout --kill-after=10 "$(outer_timeout "${args[@]}")" \
				"$hypscope" run "${args[@]}" --cpu "$model" </dev/null 2>&1
			rc=$?
		fi
		echo "# exit status $rc"
	} >"$log" 2>&1
	rc=$(sed -n 's/^# exit status \([0-9]*\)$/\1/p' "$log" | tail -n1)

	if [ "$rc" != 0 ]; then
		case "$rc" in
		124 | 137) verdict="FAIL: the runner stopped it (hung past its --timeout)" ;;
		127) verdict="FAIL: $hypscope not found or not executable" ;;
		3) verdict="FAIL: hypscope timed out (exit status 3)" ;;
		*) verdict="FAIL: hypscope exit status $rc" ;;
		esac
		if grep -q 'FAIL:' "$log"; then
			verdict+="; first failure: $(grep -m1 'FAIL:' "$log" | sed 's/.*FAIL: *//')"
		fi
	elif ! grep -q 'PASS:' "$log"; then
		verdict="FAIL: no PASS: line in the output"
	elif grep -q 'FAIL:' "$log"; then
		verdict="FAIL: $(grep -m1 'FAIL:' "$log" | sed 's/.*FAIL: *//')"
	else
		while IFS=$'\t' read -r n re; do
			[ -n "$re" ] || continue
			found=$(grep -Ec -- "$re" "$log")
			if [ "$found" -lt "$n" ]; then
				if [ "$n" -eq 1 ]; then
					verdict="FAIL: no line matches /$re/"
				else
					verdict="FAIL: $found of $n lines match /$re/"
				fi
				break
			fi
		done <<<"${t_checks[i]}"
	fi
	printf '%s\n' "${verdict:-PASS}" >"$log.verdict"
}

# ------------------------------------------------------------ scheduling

passed=0
failed=0
next_report=0 # results are printed in manifest order

report_ready() {
	local r i model log verdict
	while [ "$next_report" -lt ${#runs[@]} ]; do
		r=${runs[next_report]}
		i=${r%%$'\t'*}
		model=${r#*$'\t'}
		log=$(log_file "${t_names[i]}" "$model")
		[ -s "$log.verdict" ] || return
		verdict=$(cat "$log.verdict")
		rm -f "$log.verdict"
		if [ "$verdict" = PASS ]; then
			echo "PASS ${t_names[i]} ($model)"
			passed=$((passed + 1))
		else
			echo "FAIL ${t_names[i]} ($model): ${verdict#FAIL: }"
			echo "  --- last $tail_lines lines of $log"
			tail -n "$tail_lines" "$log" | sed 's/^/  | /'
			failed=$((failed + 1))
		fi
		next_report=$((next_report + 1))
	done
}

for r in "${runs[@]}"; do
	i=${r%%$'\t'*}
	model=${r#*$'\t'}
	rm -f "$(log_file "${t_names[i]}" "$model").verdict"
done

for r in "${runs[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n 2>/dev/null
		report_ready
	done
	run_one "${r%%$'\t'*}" "${r#*$'\t'}" &
done
wait
report_ready

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
