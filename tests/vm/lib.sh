# shellcheck shell=bash
# Shared by the VM tests: boot helpers and TAP-like result lines.
# Each test is run as: tests/vm/NAME.sh SUITE
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
SUITE=${1:?usage: $0 SUITE}
# SUITE is a Debian suite (bookworm, trixie, sid, experimental), optionally
# with a kernel flavour: bookworm-rt is bookworm's PREEMPT_RT kernel.
# arm64 (docs/arm64.md): bookworm-arm64 is bookworm's cloud-arm64 kernel,
# trixie-16k trixie's arm64-16k (16 KiB pages), built with make ARCH=arm64.
KARCH=x86
case $SUITE in
*-arm64) KARCH=arm64 DEBIAN_SUITE=${SUITE%-arm64} FLAVOUR=cloud ;;
*-16k) KARCH=arm64 DEBIAN_SUITE=${SUITE%-16k} FLAVOUR=16k ;;
*-rt | *-amd64 | *-cloud) DEBIAN_SUITE=${SUITE%-*} FLAVOUR=${SUITE##*-} ;;
*) DEBIAN_SUITE=$SUITE FLAVOUR=cloud ;;
esac
VMTEST=${VMTEST:-scripts/vmtest}
# shellcheck disable=SC2034 # W is used by the tests
W=build/walkcov
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# vm ARGS... -- CMD: boot SUITE's kernel, files from /out land in $OUT
vm() {
	"$VMTEST" --arch "$KARCH" --debian "$DEBIAN_SUITE" --flavour "$FLAVOUR" --timeout "${VM_TIMEOUT:-600}" --out "$OUT" "$@"
}

ok() { echo "ok - $SUITE: $*"; }
notok() { echo "not ok - $SUITE: $*"; }
# check NAME CMD...: ok if CMD succeeds
check() {
	local name="$1"
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
# jqcheck NAME FILE FILTER: ok if the jq filter yields true
jqcheck() {
	local name="$1" file="$2" filter="$3" got
	got=$(jq -r "$filter" "$file" 2>&1)
	if [ "$got" = "true" ]; then ok "$name"; else notok "$name ($filter gave '$got')"; fi
}
# note TEXT: a measurement kept in the test log
note() { echo "# $SUITE: $*"; }
# build_module: the test module (tests/module) for SUITE's kernel into $ko,
# or its build errors as comments, one not-ok line and the test ends
build_module() {
	ko=$(scripts/build-module --arch "$KARCH" --flavour "$FLAVOUR" "$DEBIAN_SUITE" 2>"$OUT/build.err") || {
		sed 's/^/# /' "$OUT/build.err"
		notok "module builds for $SUITE"
		exit 1
	}
}
