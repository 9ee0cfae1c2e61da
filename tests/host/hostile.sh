#!/usr/bin/env bash
# Issue 20 on the host, as a hostile user would try it: crafted record files
# (tests/host/mkrec.py) whose JSON would cost hundreds of MB, control bytes in
# every printed string, odd numbers in options, FIFOs and directories where a
# file is expected. Every bad input: one line on stderr, exit 2, nothing on
# stdout. Memory ceilings are `ulimit -v` (address space, a bit above RSS).
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"
MK=tests/host/mkrec.py
if ! command -v python3 >/dev/null || ! command -v jq >/dev/null; then
	echo "not ok - python3 and jq are needed (scripts/deps)"
	exit 1
fi

is() {
	if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1 (want '$2', got '$3')"; fi
}
# under MB CMD...: CMD's status within an address space of MB megabytes
under() {
	local mb="$1"
	shift
	(ulimit -v $((mb * 1024)); "$@")
}

# ---- numbers: one parser, digits only
for a in "-1" "-18446744073709551615" " 5" "+5" "5 " "0x10" "1e3" ""; do
	expect_fail "report -l '$a' refused" "^walkcov report: invalid livelock threshold '${a//+/\\+}'$" \
		$W report -l "$a" -i "$tmp/none"
done
for a in " -1" "-1" "18446744073709551616" "+1" "0"; do
	expect_fail "map --walk '$a' refused" "^walkcov map: invalid walk id '${a//+/\\+}' \(a number from 1\)$" \
		$W map --walk "$a" -i "$tmp/none"
done
expect_fail "record -p ' 12' refused" "^walkcov record: invalid PID ' 12'$" $W record -p " 12"
expect_fail "trace --ring-size -4096 refused" "invalid ring size '-4096'" $W trace --ring-size -4096
expect_fail "exporter --interval 1e1 refused" "invalid interval '1e1'" $W exporter --interval 1e1
expect_fail "top -d ' 1' refused" "invalid delay ' 1'" $W top -d " 1"
expect_fail "stress -t +2 refused" "invalid thread count '\+2'" $W stress -t +2

# ---- header and trailer JSON: capped before json-c allocates (about 800
# bytes per "{}", 70 per "1"): each would cost 40 to 270 MB
$MK "$tmp/ho.wc" hdr-objs 80000
expect_fail "header of 80000 objects (240 KB) refused" \
	"^walkcov: $tmp/ho.wc: corrupt header: 80001 JSON objects, at most 1024$" \
	under 100 $W report -i "$tmp/ho.wc"
$MK "$tmp/hi.wc" hdr-ints 120000
expect_fail "header of 120000 integers refused" \
	"^walkcov: $tmp/hi.wc: corrupt header: [0-9]+ JSON elements, at most 16384$" \
	under 100 $W script -i "$tmp/hi.wc"
$MK "$tmp/hb.wc" hdr-objs 340000
expect_fail "header of 1 MB refused" "^walkcov: $tmp/hb.wc: corrupt header: length [0-9]+ at offset 12$" \
	$W report -i "$tmp/hb.wc"
$MK "$tmp/hd.wc" hdr-deep 20
expect_fail "header nested 20 deep refused" "^walkcov: $tmp/hd.wc: corrupt header: nesting too deep at byte [0-9]+$" \
	$W report -i "$tmp/hd.wc"
$MK "$tmp/eo.wc" end-objs 340000
expect_fail "trailer of 340000 objects (5 KB on disk) refused" \
	"^walkcov: $tmp/eo.wc: corrupt END record at stream offset [0-9]+: [0-9]+ bytes of JSON, at most 65536$" \
	under 100 $W report -i "$tmp/eo.wc"
$MK "$tmp/eo2.wc" end-objs 5000
expect_fail "trailer of 5000 objects refused" \
	"^walkcov: $tmp/eo2.wc: corrupt END record at stream offset [0-9]+: 5001 JSON objects, at most 1024$" \
	$W report -i "$tmp/eo2.wc"
$MK "$tmp/ed.wc" end-deep 20
expect_fail "trailer nested 20 deep refused" "corrupt END record at stream offset [0-9]+: nesting too deep" \
	$W report --json -i "$tmp/ed.wc"
$MK "$tmp/ok.wc" end-ints 8000
under 100 $W report --json -i "$tmp/ok.wc" >"$tmp/ok.json" 2>"$tmp/err"
is "trailer of 8000 integers (within the caps) reads under 100 MB" "0 1" "$? $(jq .summary.walks "$tmp/ok.json")"
$MK "$tmp/tail.wc" hdr-tail
expect_fail "garbage after the header's object refused" \
	"^walkcov: $tmp/tail.wc: corrupt header: data after the JSON object at byte [0-9]+$" $W report -i "$tmp/tail.wc"
$MK "$tmp/evs.wc" hdr-evsize
expect_fail "event_size past 2^64 is out of range, not 9223372036854775807" \
	"^walkcov: $tmp/evs.wc: corrupt header: event_size out of range \(0 to 1048576\)$" $W script -i "$tmp/evs.wc"

# ---- the worst files: JSON at the caps in its costliest shapes, 70000
# threads' walks never ended (the engine keeps 4096 open), in 0.9 MB:
# 27 MB peak RSS (665 MB before the caps); then, with symbols, the engine's
# interval budget (4 Mi intervals, 64 MiB, user/coverage.c) filled by 4095
# open walks of 1100 fragments and a walk of 600000 pmds to map: 96 MB
# (report) to 73 MB (report --svg) peak RSS, in 53 MB here (version 2) or
# 365 KB packed (version 3). ulimit -v counts address space: 25 MB more,
# and 16 MB more for the compat BPF object the binary embeds next to the
# main one (bpf/compat.bpf.h; mapped, never touched here): 116 MB.
$MK "$tmp/worst.wc" worst 70000
for args in "report" "report --json" "script" "map --walk 69000 -o $tmp/w.svg"; do
	# shellcheck disable=SC2086
	under 100 $W $args -i "$tmp/worst.wc" >/dev/null 2>"$tmp/err"
	is "worst JSON + 70000 open walks ($(stat -c %s "$tmp/worst.wc") bytes): $args under 100 MB" 0 $?
done
$MK "$tmp/wf.wc" worst-all 300000
for args in "report --json" "map --walk 99999 -o $tmp/w.svg" "report --svg $tmp/wsvg"; do
	# shellcheck disable=SC2086
	under 116 $W $args -i "$tmp/wf.wc" >"$tmp/out" 2>"$tmp/err"
	is "worst JSON, symbols, the engine's interval budget and a fragmented map: $args under 116 MB" 0 $?
done
is "the interval budget: 4096 walks, every one past its budget reported incomplete" "4096 4096" \
	"$($W report --json -i "$tmp/wf.wc" | jq -r '"\(.summary.walks) \(.summary.incomplete_walks)"')"
rm -f "$tmp/wf.wc"

# ---- control bytes in every printed string (header, plan, symbol, END)
$MK "$tmp/ctl.wc" ctl
for args in "report" "report --json" "script" "script --json"; do
	# shellcheck disable=SC2086
	$W $args -i "$tmp/ctl.wc" >"$tmp/ctl.out" 2>"$tmp/err"
	is "control bytes, $args: exit 0" 0 $?
	is "control bytes, $args: no raw control byte" 0 \
		"$(tr -d '\n' <"$tmp/ctl.out" | LC_ALL=C grep -c '[[:cntrl:]]')"
	is "control bytes, $args: no forged line" 0 "$(grep -c '^1.0: forged\|^# forged' "$tmp/ctl.out")"
done
is "control bytes: ESC shown as \\x1b in the symbol name" 1 \
	"$($W script -i "$tmp/ctl.wc" | grep -c '^# symbol 0x[0-9a-f]* ops\\x01.*\\x1b.*\\x0a# forged$')"
is "control bytes: script --json is valid JSON" 5 "$($W script --json -i "$tmp/ctl.wc" | jq -c . | wc -l)"
is "control bytes: report --json is valid JSON, the key escaped" 'walk_page_range\x01' \
	"$($W report --json -i "$tmp/ctl.wc" | jq -r '.summary.prog_misses | keys[0]' | cut -c1-19)"

# ---- files read: only a regular file (or '-'); a FIFO without a writer
# used to block the open forever
mkfifo "$tmp/fifo"
expect_fail "report -i FIFO refused at once" \
	"^walkcov: $tmp/fifo: not a regular file \(give '-' to read a pipe or device on stdin\)$" \
	timeout 10 $W report -i "$tmp/fifo"
expect_fail "script -i DIR refused" "^walkcov: $tmp: a directory, not a record file$" $W script -i "$tmp"
is "report -i - still reads a pipe" 1 "$(cat "$tmp/ok.wc" | $W report --json -i - | jq .summary.walks)"

# ---- files written whole (map -o, report --svg, exporter --textfile)
if head -1 /proc/kallsyms | grep -q '^0*[ ]'; then mode=644; else mode=600; fi
$MK "$tmp/d.wc" map-double
expect_fail "map -o FIFO (no reader) refused at once, before reading" \
	"^walkcov: $tmp/fifo: not a regular file \(a FIFO or device\); walkcov writes only regular files here$" \
	timeout 10 $W map -i "$tmp/none.wc" -o "$tmp/fifo"
mkdir "$tmp/m"
$W map -i "$tmp/d.wc" -o "$tmp/m/a.svg" 2>"$tmp/err"
is "map: a new map, mode $mode (0600 when it shows kernel addresses)" "0 $mode" "$? $(stat -c %a "$tmp/m/a.svg")"
echo old >"$tmp/m/a.svg"
$W map -i "$tmp/d.wc" -o "$tmp/m/a.svg" 2>"$tmp/err"
is "map: an existing map is kept as .old" "0 old" "$? $(cat "$tmp/m/a.svg.old")"
cp "$tmp/m/a.svg" "$tmp/m/keep"
(trap '' XFSZ; ulimit -f 4; $W map -i "$tmp/d.wc" -o "$tmp/m/a.svg" >"$tmp/out" 2>"$tmp/err")
is "map on a full disk (ulimit -f): exit 2, one line" "2 1" "$? $(wc -l <"$tmp/err")"
is "map on a full disk: the previous map intact, no partial file left" "same 3" \
	"$(cmp -s "$tmp/m/a.svg" "$tmp/m/keep" && echo same) $(find "$tmp/m" -type f | wc -l)"
ln -s "$tmp/m" "$tmp/svglink"
expect_fail "report --svg through a symbolic link refused" \
	"^walkcov: $tmp/svglink: is a symbolic link; walkcov does not write through one" \
	$W report -i "$tmp/d.wc" --svg "$tmp/svglink"
$W report -i "$tmp/d.wc" --svg "$tmp/svg" >/dev/null 2>"$tmp/err"
is "report --svg: a new directory, mode 0${mode/6/7}, its maps mode 0$mode" "7${mode:1} $mode" \
	"$(stat -c %a "$tmp/svg") $(stat -c %a "$tmp/svg/anomaly-1.svg")"
# a DIR the system takes whose map path it does not: never cut short
long=$(python3 -c '
d = "."
while len(d) < 3880:
    d += "/" + "d" * 200
print(d + "/" + "e" * (4088 - len(d) - 1))')
(cd "$tmp" && mkdir -p "$long")
wabs=$(realpath "$W")
(cd "$tmp" && "$wabs" report -i "$tmp/d.wc" --svg "$long" >/dev/null 2>"$tmp/err")
is "report --svg DIR of ${#long} bytes: exit 2, one line" "2 1" "$? $(wc -l <"$tmp/err")"
is "report --svg DIR too long: refused before reading, nothing written" "1 0" \
	"$(grep -c '^walkcov: --svg: DIR is too long for its maps. paths (4110 bytes with /anomaly-20.svg, at most 4095)$' "$tmp/err") $(cd "$tmp" && find "$long" -type f | wc -l)"
# the exporter's pre-flight check never touches a file it did not make
echo precious >"$tmp/victim"
ln "$tmp/victim" "$tmp/m.prom.tmp"
$W exporter --textfile "$tmp/m.prom" --listen 127.0.0.1:1 -d 0.1 >/dev/null 2>"$tmp/err"
is "exporter: a hard-linked PATH.tmp is left alone" "precious 0" \
	"$(cat "$tmp/victim") $(find "$tmp" -maxdepth 1 -name 'm.prom.??????' | wc -l)"
expect_fail "exporter --textfile DIR refused" "^walkcov: $tmp/m: is a directory \(give a file name\)$" \
	$W exporter --textfile "$tmp/m"

# ---- a truncated file: one line per run, never the warning twice or plus
# another line
head -c $(($(stat -c %s "$tmp/d.wc") / 2)) "$tmp/d.wc" >"$tmp/dt.wc"
$W map -i "$tmp/dt.wc" -o "$tmp/m/t.svg" 2>"$tmp/err"
is "map of a truncated file: exit 0, one warning" "0 1" "$? $(grep -c 'truncated after' "$tmp/err")"
is "map of a truncated file: nothing else on stderr" 1 "$(wc -l <"$tmp/err")"
expect_fail "map --walk of a walk not in a truncated file: one line" \
	"^walkcov: $tmp/dt.wc: no walk 8 in this file \('walkcov script' shows walk ids\); the file is truncated$" \
	$W map -i "$tmp/dt.wc" --walk 8 -o "$tmp/m/t.svg"
expect_fail "map --anomaly past a truncated file's: one line" \
	"^walkcov: $tmp/dt.wc: no anomaly 9 \(the report lists [0-9]+\); the file is truncated$" \
	$W map -i "$tmp/dt.wc" --anomaly 9 -o "$tmp/m/t.svg"
$W report -i "$tmp/dt.wc" --svg "$tmp/svgt" >/dev/null 2>"$tmp/err"
is "report --svg of a truncated file: the warning once" "0 1" "$? $(wc -l <"$tmp/err")"

# ---- output bounded: a map's cells, report --svg's maps
$MK "$tmp/frag.wc" map-frag 100000
$W map -i "$tmp/frag.wc" -o "$tmp/m/frag.svg" 2>"$tmp/err"
is "map of a walk of 200000 unmergeable pmds: exit 0, one line" "0 1" "$? $(wc -l <"$tmp/err")"
is "map of 200000 unmergeable pmds: the line says what was cut" 1 \
	"$(grep -c "^walkcov: $tmp/frag.wc: walk 7 drawn in part: 191808 pmds not drawn (a map has at most 8192 cells; its note says where)$" "$tmp/err")"
size=$(stat -c %s "$tmp/m/frag.svg")
is "map of 200000 unmergeable pmds: under 4 MB (was 54 MB), with its note" "yes 1" \
	"$([ "$size" -lt 4000000 ] && echo yes || echo "no: $size") $(grep -c 'note:.* 191808 pmds from 0x7f0400000000 not drawn' "$tmp/m/frag.svg")"
$MK "$tmp/walks.wc" walks 2000
$W report -i "$tmp/walks.wc" --svg "$tmp/svg2k" >/dev/null 2>"$tmp/err"
is "report --svg of 2000 anomalies: 20 maps by default" "0 20" "$? $(find "$tmp/svg2k" -type f | wc -l)"
is "report --svg of 2000 anomalies: one line says what was left out" \
	"walkcov: --svg: maps of the first 20 of 2000 anomalies only (--svg-maps N draws more)" "$(cat "$tmp/err")"
$W report -i "$tmp/walks.wc" --svg "$tmp/svg50" --svg-maps 50 >/dev/null 2>"$tmp/err"
is "report --svg-maps 50: 50 maps" "0 50" "$? $(find "$tmp/svg50" -type f | wc -l)"
expect_fail "report --svg-maps 1001 refused" "^walkcov report: invalid number of maps '1001' \(1 to 1000\)$" \
	$W report --svg-maps 1001 -i "$tmp/walks.wc"

# ---- a decompression bomb of events (10.5 million 2-byte events in 45 KB):
# script prints about 1 us and 170 bytes per event, so --limit
$MK "$tmp/bomb.wc" bomb 20
s0=$SECONDS
timeout 30 $W script --limit 1000 -i "$tmp/bomb.wc" >"$tmp/out" 2>"$tmp/err"
is "script --limit 1000 of a bomb: exit 0, within 5 s" "0 yes" "$? $([ $((SECONDS - s0)) -le 5 ] && echo yes)"
is "script --limit 1000: 1000 events" 1000 "$(grep -vc '^#' "$tmp/out")"
is "script --limit 1000: one line says it stopped" \
	"walkcov: $tmp/bomb.wc: stopped after 1000 events (--limit)" "$(cat "$tmp/err")"
is "script --json --limit 3: 3 events" 3 \
	"$($W script --json --limit 3 -i "$tmp/bomb.wc" 2>/dev/null | jq -r .record | grep -c '^event$')"
expect_fail "script --limit 0 refused" "^walkcov script: invalid limit '0' \(a number of events from 1\)$" \
	$W script --limit 0 -i "$tmp/bomb.wc"
$W script --limit 100000 -i "$tmp/d.wc" >/dev/null 2>"$tmp/err"
is "script --limit past the events: the whole file, no line" "0 0" "$? $(wc -l <"$tmp/err")"
