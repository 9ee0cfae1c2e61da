#!/usr/bin/env bash
# walkcov stress on the host: --list names every unit in a fixed order, bad
# input gets one line and exit status 2, and --only/--skip select units.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# ok_if NAME CMD...: "ok - NAME" when CMD succeeds
ok_if() {
	local name="$1"
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}

units="smaps smaps_rollup pagemap numa_maps clear_refs mincore mlock mbind migrate_pages \
willneed cold pageout free pagemap_scan guard zap_partial zap_tail mprotect fork_cow collapse \
debugfs_split"

$W stress --list >"$tmp/list" 2>"$tmp/list.err"
ok_if "stress --list exits 0" [ $? -eq 0 ]
ok_if "stress --list: nothing on stderr" [ ! -s "$tmp/list.err" ]
ok_if "stress --list: header" [ "$(head -1 "$tmp/list")" = \
	"NAME           KIND     KERNEL   REACHES / WHY MISSING" ]
# unit lines; under a walker an indented "census:" line, a "#" note at the end
grep -v '^ \|^#' "$tmp/list" | tail -n +2 >"$tmp/units"
ok_if "stress --list: every unit, in order" [ "$(awk '{print $1}' "$tmp/units" | xargs)" = "$units" ]
ok_if "stress --list: 15 walkers, 6 splitters" [ "$(awk '{print $2}' "$tmp/units" | sort | uniq -c | xargs)" = \
	"6 splitter 15 walker" ]
ok_if "stress --list: KERNEL is has or missing" [ "$(awk '$3 != "has" && $3 != "missing"' "$tmp/units")" = "" ]
ok_if "stress --list: a census line under each walker" [ "$(grep -c '^ *census: ' "$tmp/list")" = 15 ]
ok_if "stress --list: mincore's census names mincore_pte_range where kallsyms has it" \
	bash -c "! grep -qw mincore_pte_range /proc/kallsyms || grep -A1 '^mincore ' '$tmp/list' | grep -q 'census: mincore_pte_range'"
$W stress --list --json >"$tmp/list.json"
ok_if "stress --list --json: the same units" [ "$(jq -r '[.units[].name] | join(" ")' "$tmp/list.json")" = "$units" ]

expect_fail "stress: zero duration" \
	"^walkcov stress: invalid duration '0' \(seconds, > 0, at most 86400\)$" $W stress -d 0
expect_fail "stress: duration over a day" \
	"^walkcov stress: invalid duration '100000' \(seconds, > 0, at most 86400\)$" $W stress -d 100000
expect_fail "stress: zero threads" "^walkcov stress: invalid thread count '0' \(1 to 64\)$" $W stress --threads 0
expect_fail "stress: 65 threads" "^walkcov stress: invalid thread count '65' \(1 to 64\)$" $W stress -t 65
expect_fail "stress: arena too small" "^walkcov stress: invalid size '7' \(MiB, 8 to 4096\)$" $W stress -s 7
expect_fail "stress: unknown unit in --only" \
	"^walkcov stress: unknown walker or splitter 'frob' \(see 'walkcov stress --list'\)$" $W stress --only smaps,frob
expect_fail "stress: unknown unit in --skip" "unknown walker or splitter 'x'" $W stress --skip x
expect_fail "stress: unexpected argument" "^walkcov stress: unexpected argument 'extra'$" $W stress extra
expect_fail "stress: unknown option" "^walkcov stress: unrecognized option '--frob'$" $W stress --frob

# a short run: --only naming a walker and a splitter skips every other unit
$W stress -d 0.2 --json --only smaps,zap_tail >"$tmp/run.json" 2>"$tmp/run.err"
ok_if "stress --json run exits 0" [ $? -eq 0 ]
ok_if "stress --json run: result ok" [ "$(jq -r .result "$tmp/run.json")" = ok ]
ok_if "stress --json run: 15 walkers, 6 splitters" \
	[ "$(jq -c '[(.walkers | length), (.splitters | length)]' "$tmp/run.json")" = "[15,6]" ]
ok_if "stress --only: the others are skipped" [ "$(jq -r '[.walkers[], .splitters[] |
	select(.state == "skipped") | .name] | join(" ")' "$tmp/run.json")" = \
	"$(echo "$units" | tr ' ' '\n' | grep -vx 'smaps\|zap_tail' | xargs)" ]
ok_if "stress --json run: options echoed" [ "$(jq -c '[.duration_s, .threads, .arena_mib, .retry_vma_mib]' \
	"$tmp/run.json")" = "[0.2,3,16,8]" ]
$W stress -q -d 0.1 --only smaps,zap_tail >"$tmp/q.out" 2>&1
ok_if "stress -q: exit 0 and no output" [ $? -eq 0 -a ! -s "$tmp/q.out" ]

# --seed: deterministic; bad seeds and --ops without --seed refused
expect_fail "stress: --ops without --seed" "[-]-ops goes with --seed" $W stress --ops 5
expect_fail "stress: seed not a number" "invalid seed" $W stress --seed 1x
expect_fail "stress: zero operations" "invalid number of operations" $W stress --seed 1 --ops 0
$W stress --seed 5 --ops 40 -s 8 --json >"$tmp/s1.json" 2>/dev/null
$W stress --seed 5 --ops 40 -s 8 --json >"$tmp/s2.json" 2>/dev/null
calls() { jq -c '[.walkers[], .splitters[] | {name, calls}]' "$1"; }
ok_if "stress --seed: the same calls per unit twice" [ -n "$(calls "$tmp/s1.json")" ] && \
	[ "$(calls "$tmp/s1.json")" = "$(calls "$tmp/s2.json")" ]
ok_if "stress --seed: one thread, the seed and ops in the summary" \
	[ "$(jq -c '[.threads, .seed, .ops]' "$tmp/s1.json")" = "[1,5,40]" ]
$W stress --seed 6 --ops 40 -s 8 --json >"$tmp/s3.json" 2>/dev/null
ok_if "stress --seed: another seed, another sequence" [ "$(calls "$tmp/s1.json")" != "$(calls "$tmp/s3.json")" ]
