#!/usr/bin/env bash
# Issue 9 on the host: output errors (one line, exit 2), a closed pipe (quiet,
# SIGPIPE), kernel addresses hidden from a reader who cannot see them in
# /proc/kallsyms, bounded memory on crafted files, and the usage lines.
# Record files are crafted by tests/host/mkrec.py.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"
MK=tests/host/mkrec.py
if ! command -v python3 >/dev/null; then
	echo "not ok - python3 is needed to craft the test files (scripts/deps)"
	exit 1
fi
S=$tmp/script.wc
$MK "$S" script 2000

# is NAME WANT GOT: exact comparison
is() {
	if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1 (want '$2', got '$3')"; fi
}

# ---- write errors: one line, exit 2, for every way of printing
for args in "report" "report --json" "script" "script --json"; do
	# shellcheck disable=SC2086
	$W $args -i "$S" >/dev/full 2>"$tmp/err"
	rc=$?
	is "$args > /dev/full: exit 2" 2 "$rc"
	is "$args > /dev/full: one line" "walkcov: writing the output: No space left on device" "$(cat "$tmp/err")"
done
$W --help >/dev/full 2>"$tmp/err"
is "--help > /dev/full: exit 2" 2 $?
$W report --help >/dev/full 2>"$tmp/err"
rc=$?
is "report --help (argp exits by itself) > /dev/full: exit 2" 2 "$rc"
is "report --help > /dev/full: one line" "walkcov: writing the output: No space left on device" "$(cat "$tmp/err")"

# ---- a closed pipe: no message, death by SIGPIPE (141) as git's
for args in "script" "script --json"; do
	# shellcheck disable=SC2086
	$W $args -i "$S" 2>"$tmp/err" | head -1 >/dev/null
	rc=${PIPESTATUS[0]}
	is "$args | head -1: status 141 (SIGPIPE)" 141 "$rc"
	is "$args | head -1: nothing on stderr" "" "$(cat "$tmp/err")"
done

# ---- exact counts of a crafted file
$W report --json -i "$S" >"$tmp/r.json" 2>"$tmp/err"
is "crafted file: report exits 0" 0 $?
is "crafted file: 2000 walks" 2000 "$(jq -r .summary.walks "$tmp/r.json")"
is "crafted file: 4000 events" 4000 "$(jq -r .summary.events "$tmp/r.json")"
is "crafted file: script prints 4000 events + 5 comment lines" 4005 "$($W script -i "$S" | wc -l)"

# ---- kernel addresses: hidden from a user who sees zeros in /proc/kallsyms
chmod 755 "$tmp"
chmod 644 "$S"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if ! command -v setpriv >/dev/null || [ "$(id -u)" -ne 0 ]; then
	echo "skip - addresses as another user (needs root and setpriv)"
elif nobody head -1 /proc/kallsyms | grep -q '^0*[ ]'; then
	nobody $W script -i "$S" >"$tmp/s.txt" 2>&1
	is "nobody: script exits 0" 0 $?
	n=$(grep -c 'ops=#[0-9a-f]\{12\} walk=#[0-9a-f]\{12\} wid=' "$tmp/s.txt")
	is "nobody: every event shows ids, not kernel pointers" 4000 "$n"
	is "nobody: no kernel address anywhere" 0 "$(grep -c 'ffff' "$tmp/s.txt")"
	is "nobody: one walk pointer, one id (4000 events of one thread)" 4000 \
		"$(grep -c "walk=$(grep -m1 -o 'walk=#[0-9a-f]*' "$tmp/s.txt" | cut -d= -f2) " "$tmp/s.txt")"
	nobody $W script --json -i "$S" >"$tmp/s.json" 2>&1
	is "nobody: script --json hides mm, ops, walk" 0 "$(grep -c '"0xffff' "$tmp/s.json")"
	is "nobody: user ranges stay (2000 walk begins)" 2000 "$(grep -c '"start":"0x400000"' "$tmp/s.json")"
	nobody $W report --json -i "$S" >"$tmp/n.json" 2>&1
	is "nobody: report --json ops address is an id" 1 \
		"$(jq -r '[.ops[].addr | select(test("^#[0-9a-f]{12}$"))] | length' "$tmp/n.json")"
	expect_fail "nobody: --raw-addresses refused" \
		"^walkcov: --raw-addresses: this user cannot read kernel addresses \(/proc/kallsyms shows zeros; see kptr_restrict\)$" \
		nobody $W script --raw-addresses -i "$S"
else
	echo "skip - addresses as another user (kptr_restrict lets everyone see them)"
fi
if head -1 /proc/kallsyms | grep -q '^0*[ ]'; then
	echo "skip - raw addresses for root (this root sees zeros in /proc/kallsyms)"
else
	is "root: raw addresses by default" 4000 "$($W script -i "$S" | grep -c 'walk=0xffffc9')"
	is "root: --raw-addresses accepted" 0 "$($W script --raw-addresses -i "$S" >/dev/null; echo $?)"
fi

# ---- bounded memory on crafted files (a ceiling of 512 MB address space)
$MK "$tmp/hdr.wc" bighdr 2000000
expect_fail "a 2 MB header is refused" "^walkcov: $tmp/hdr.wc: corrupt header: length [0-9]+ at offset 12$" \
	$W report -i "$tmp/hdr.wc"
$MK "$tmp/hdr1.wc" bighdr 250000
(ulimit -v 524288; $W report --json -i "$tmp/hdr1.wc" >"$tmp/h.json" 2>"$tmp/err")
is "a 250 KB header (the cap is 256 KiB) reads under 512 MB" 0 $?
$MK "$tmp/sym.wc" symbols 5000
(ulimit -v 524288; $W report --json -i "$tmp/sym.wc" >"$tmp/sym.json" 2>"$tmp/err")
is "5000 symbols of 4 KB read under 512 MB (truncated: exit 0)" 0 $?
$MK "$tmp/zero.wc" zeros 1000000
expect_fail "1 MB of zero bytes as records: corrupt at once (type 0 is never written)" \
	"^walkcov: $tmp/zero.wc: corrupt record at stream offset 0 \(file offset ~[0-9]+\): type 0, length 0$" \
	$W report -i "$tmp/zero.wc"
# more threads than the engine keeps open walks (32768): the oldest are
# closed as incomplete, none is dropped
$MK "$tmp/threads.wc" events 100000
(ulimit -v 524288; $W report --json -i "$tmp/threads.wc" >"$tmp/t.json" 2>"$tmp/err")
is "100000 threads with open walks: exit 0 under 512 MB" 0 $?
is "100000 threads with open walks: 100000 walks, all incomplete" "100000 100000" \
	"$(jq -r '"\(.summary.walks) \(.summary.incomplete_walks)"' "$tmp/t.json")"

# ---- usage
$W >"$tmp/out" 2>"$tmp/err"
rc=$?
is "no command: exit 2" 2 "$rc"
is "no command: two lines on stderr" 2 "$(wc -l <"$tmp/err")"
is "no command: nothing on stdout" 0 "$(wc -c <"$tmp/out")"
is "--help names no web address" 0 "$($W record --help | grep -c 'http\|Report bugs')"
# check and trace take report's short options (parsing stops at the bad value)
expect_fail "check -l 0 is parsed as --livelock" "invalid livelock threshold '0'" $W check -l 0
expect_fail "trace -l x is parsed as --livelock" "invalid livelock threshold 'x'" $W trace -l x
