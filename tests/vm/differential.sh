#!/usr/bin/env bash
# Issue 10: one truth, two engines. check --differential runs the in-kernel
# judge (summary mode) and the user-space engine (full mode) on the same
# events in one session and compares them per ops struct (every counter)
# and by their anomaly sets (type, walk, mm, range, count, split
# attribution); any difference
# exits 1. Over the test module's scenarios (the 2019 double, overrun,
# rewalk, retries, a split race), with the default mechanism and kprobes,
# and over a short stress run. Also: summary mode's anomalies carry a
# kernel stack that includes the walker's entry point.
. "$(dirname "$0")/lib.sh"

build_module

SCEN="double retry:2 race overrun rewalk"
vm --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	run="for s in '"$SCEN"'; do wc_modtest --ko /wc_testmod.ko --out /out/\${s%%:*}.jsonl \$s >/dev/null; done"
	walkcov check --differential -- sh -c "$run" > /out/module.diff 2> /out/module.err
	echo "module=$?" >> /out/status
	walkcov check --differential --kprobe -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/kp.jsonl double >/dev/null" \
		> /out/kp.diff 2> /out/kp.err
	echo "kp=$?" >> /out/status
	walkcov check --differential --duration 4 > /out/stress.diff 2> /out/stress.err
	echo "stress=$?" >> /out/status
	walkcov check --json -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/sum.jsonl double >/dev/null" \
		> /out/sum.json 2> /out/sum.err
	echo "sum=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status"

for n in module kp stress; do
	D=$OUT/$n.diff
	if ! grep -q '^# differential:' "$D" 2>/dev/null; then
		notok "$n: differential ran"
		sed 's/^/# /' "$OUT/$n.err" 2>/dev/null | head -5
		continue
	fi
	grep -E '^DIFF' "$D" | head -20 | sed 's/^/# /'
	note "$n: $(grep '^# differential:' "$D") ($(grep '^# anomalies:' "$D"))"
	note "$n: $(awk '/^same ops/ {split($0, a, "walks "); split(a[2], b, "/"); w += b[1]} END {print w + 0}' "$D") walks compared"
	check "$n: both judges agree (exit 0)" grep -qx "$n=0" "$OUT/status"
	check "$n: no difference per ops struct or anomaly" grep -q '^# differential: .* 0 differences$' "$D"
	check "$n: walks were compared" grep -Eq '^same ops .*: walks [1-9]' "$D"
done
# the module's known anomalies are in both sets
want=0
for s in double overrun rewalk; do
	want=$((want + $(jq -r .doubles "$OUT/$s.jsonl" 2>/dev/null || echo 100)))
done
got=$(grep -c '^both: *double ' "$OUT/module.diff" 2>/dev/null)
check "module: the module's $want doubles (double, overrun, rewalk) are found by both judges ($got)" \
	[ "${got:-0}" = "$want" ]
got=$(grep -c '^both: *retry ' "$OUT/module.diff" 2>/dev/null)
check "module: the module's retries (retry, race) are found by both judges ($got)" [ "${got:-0}" -ge 2 ]
check "module: the race scenario's retry is a split race in both" grep -Eq '^both: *retry .* split-race$' "$OUT/module.diff"
want=$(jq -r .doubles "$OUT/kp.jsonl" 2>/dev/null)
got=$(grep -c '^both: *double ' "$OUT/kp.diff" 2>/dev/null)
check "kp: the module's $want doubles are found by both judges ($got)" [ "${got:-0}" = "${want:-x}" ]

# summary mode (check's default): the double with its kernel stack
S=$OUT/sum.json
check "summary check exits 1 on the double" grep -qx "sum=1" "$OUT/status"
jqcheck "summary mode judged in the kernel" "$S" '.summary.mode == "summary"'
jqcheck "summary mode: the module's doubles" "$S" \
	"[.ops[] | select(.name | test(\"wct\")) | .doubles] | add == $(jq -r .doubles "$OUT/sum.jsonl" 2>/dev/null || echo -1)"
jqcheck "an anomaly's stack includes the walker's entry point" "$S" \
	'[.anomalies[] | select(.type == "double") | .stack // [] | map(test("^_*walk_page_range")) | any] | any'
jq -r '.anomalies[0].stack // [] | .[]' "$S" 2>/dev/null | head -12 | sed 's/^/#   /'
