#!/usr/bin/env bash
# walkcov diff on the host: record files and JSON reports compared, exit
# status 0/1 by the regression rule, and hostile input: one line, exit 2.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

ok_if() {
	local name="$1"
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}

py=tests/host/mkrec.py
python3 $py "$tmp/double.data" map-double
python3 $py "$tmp/clean.data" map-clean 20
$W report -i "$tmp/double.data" --json >"$tmp/double.json"
$W report -i "$tmp/clean.data" --json >"$tmp/clean.json"

$W diff "$tmp/double.data" "$tmp/double.data" >"$tmp/same.txt" 2>&1
ok_if "diff of a file with itself exits 0" [ $? -eq 0 ]
ok_if "diff of a file with itself: no difference" grep -q '^  (no difference)' "$tmp/same.txt"
$W diff "$tmp/double.data" "$tmp/double.json" >/dev/null 2>&1
ok_if "a record file and its report compare equal" [ $? -eq 0 ]
$W diff "$tmp/clean.json" "$tmp/double.data" >"$tmp/reg.txt" 2>&1
ok_if "a new double and a lost ops struct: exit 1" [ $? -eq 1 ]
ok_if "the new anomaly type is named" grep -q '^# new in B: anomaly type double' "$tmp/reg.txt"
ok_if "the ops struct no longer reached is named" \
	grep -q '^# not reached in B: ops of wct_clean_pmd_entry' "$tmp/reg.txt"
$W diff "$tmp/double.data" "$tmp/clean.json" >/dev/null 2>&1
ok_if "the reverse is no regression in types, but loses an ops struct: exit 1" [ $? -eq 1 ]
$W diff --json "$tmp/clean.json" "$tmp/double.data" >"$tmp/reg.json"
ok_if "--json: rows sorted by change" [ "$(jq '[.rows[].change | fabs] | . == (sort | reverse)' "$tmp/reg.json")" = true ]
ok_if "--json: new_anomaly_types" [ "$(jq -c .new_anomaly_types "$tmp/reg.json")" = '["double"]' ]

# hostile input
printf '{"summary":{},"ops":[' >"$tmp/trunc.json"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$tmp/deep.json"
echo '{"summary":{"walks":99999999999999999999999},"ops":[]}' >"$tmp/huge.json"
echo '{"summary":{"walks":"1"},"ops":[]}' >"$tmp/str.json"
echo '{"summary":{},"ops":[{"name":"x","walks":-3}]}' >"$tmp/neg.json"
echo '{"summary":{},"ops":[]} trailing' >"$tmp/tail.json"
head -c 4096 /dev/urandom >"$tmp/random.bin"
printf 'WALKCOV\0garbage' >"$tmp/badrec.data"
mkfifo "$tmp/fifo"
for f in trunc deep huge str neg tail; do
	expect_fail "diff refuses $f.json" '^walkcov: diff: ' $W diff "$tmp/clean.json" "$tmp/$f.json"
done
expect_fail "diff refuses random bytes" 'neither a record file nor' $W diff "$tmp/random.bin" "$tmp/clean.json"
expect_fail "diff refuses a broken record file" 'badrec' $W diff "$tmp/badrec.data" "$tmp/clean.json"
expect_fail "diff refuses a FIFO" 'not a regular file' $W diff "$tmp/fifo" "$tmp/clean.json"
expect_fail "diff refuses a directory" 'not a regular file' $W diff "$tmp" "$tmp/clean.json"
expect_fail "diff refuses a missing file" 'No such file' $W diff "$tmp/none" "$tmp/clean.json"
expect_fail "diff wants two files" 'two files' $W diff "$tmp/clean.json"
expect_fail "diff wants two files, not three" 'unexpected argument' $W diff "$tmp/clean.json" "$tmp/clean.json" x
# a control byte in a name never reaches the terminal
jq '.ops[0].name = "evil\u001b[2J"' "$tmp/clean.json" >"$tmp/ctl.json"
$W diff "$tmp/ctl.json" "$tmp/double.json" >"$tmp/ctl.txt" 2>&1
ok_if "a control byte in an ops name is not printed" bash -c "! grep -q \$'\\x1b' '$tmp/ctl.txt' && grep -q 'evil?\\[2J' '$tmp/ctl.txt'"
