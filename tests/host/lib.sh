# shellcheck shell=bash
# Shared by the host tests (tests/host/*.sh): the binary, a scratch
# directory, and expect_fail. TAP-style lines: "ok - NAME", "not ok - NAME".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
# shellcheck disable=SC2034 # used by the tests that source this file
W=${WALKCOV_BIN:-build/walkcov}	# WALKCOV_BIN: run the tests on another build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_fail NAME PATTERN CMD...: exit 2, stdout empty, one stderr line matching PATTERN
expect_fail() {
	local name="$1" pattern="$2" rc lines
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -Eq "$pattern" "$tmp/err"; then
		echo "ok - $name"
	else
		echo "not ok - $name (exit $rc, $lines stderr lines)"
		sed 's/^/# /' "$tmp/err" | head -5
	fi
}
