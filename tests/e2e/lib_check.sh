# Shared by the e2e scripts that judge values one by one (source it): each
# check prints one PASS or FAIL line, and a FAIL sets failed=1 for the script's
# exit status.
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
# check WHAT GOT WANT
check() {
	if [ "$2" = "$3" ]; then
		pass "$1: $2"
	else
		fail "$1: $2 ($3 expected)"
	fi
}
# expect WHAT FILE TEXT: a line of FILE holds TEXT
expect() {
	if grep -qF -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1: no '$3' in $2"
	fi
}
