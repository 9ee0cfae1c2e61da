#!/usr/bin/env bash
# Issue 18, part 2: walkcov diff and the seeded stress. Two runs of
# `walkcov stress --seed 7` on one kernel give the same walks per ops
# struct and entry point (diff exits 0, no walk count differs); the test
# module's double added to the same workload is named by the diff as a new
# anomaly type (exit 1). On sid, the same seeded run on trixie's kernel is
# diffed against sid's (what changed between 6.12 and 7.2).
# vm-suites: sid
# (sid only in make check: it boots trixie itself for the cross-kernel diff)
. "$(dirname "$0")/lib.sh"

SEEDED='walkcov stress --seed 7 --ops 200 -q'
build_module
vm --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	for i in 1 2; do
		walkcov check --full --json -- '"$SEEDED"' > /out/seed$i.json 2>/out/seed$i.err
		echo "seed$i=$?" >> /out/status
	done
	walkcov record -o /out/seed.data -- '"$SEEDED"' 2>/out/record.err
	echo "record=$?" >> /out/status
	for s in correct double; do
		walkcov check --full --json -- sh -c "'"$SEEDED"'; wc_modtest --ko /wc_testmod.ko --out /out/$s.jsonl $s >/dev/null" \
			> /out/$s.json 2>/out/$s.err
		echo "$s=$?" >> /out/status
	done' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status"

# walks per ops struct and entry point repeat exactly
$W diff "$OUT/seed1.json" "$OUT/seed2.json" > "$OUT/d12.txt" 2>&1
rc=$?
sed 's/^/#   /' "$OUT/d12.txt" | head -30
check "diff of two seeded runs exits 0 (got $rc)" [ "$rc" = 0 ]
$W diff --json "$OUT/seed1.json" "$OUT/seed2.json" > "$OUT/d12.json" 2>&1
jqcheck "two seeded runs: no walk count differs (ops, entry points)" "$OUT/d12.json" \
	'[.rows[] | select(.metric == "walks" or .metric == "calls")] == []'
jqcheck "two seeded runs: callbacks compared" "$OUT/d12.json" '.callbacks_compared == true'
jqcheck "two seeded runs: walks > 0" "$OUT/d12.json" '.a.walks > 0 and .a.walks == .b.walks'
note "seeded runs: $(jq -r '.a.walks' "$OUT/d12.json") walks; other counts that differ: $(jq -r '[.rows[] | "\(.name): \(.metric) \(.a)->\(.b)"] | join("; ")' "$OUT/d12.json")"
# a record file diffs like a report (its walks repeat too)
$W diff --json "$OUT/seed1.json" "$OUT/seed.data" > "$OUT/d1r.json" 2>"$OUT/d1r.err"
rc=$?
check "diff of a report and a record file exits 0 (got $rc)" [ "$rc" = 0 ]
jqcheck "record file: the same walks per ops struct" "$OUT/d1r.json" \
	'[.rows[] | select(.kind == "ops" and .metric == "walks")] == []'

# the module's double, added to the same workload
$W diff "$OUT/correct.json" "$OUT/double.json" > "$OUT/dd.txt" 2>&1
rc=$?
sed 's/^/#   /' "$OUT/dd.txt" | head -40
check "diff without and with the double exits 1 (got $rc)" [ "$rc" = 1 ]
check "the diff names the new anomaly type" grep -q '^# new in B: anomaly type double' "$OUT/dd.txt"
$W diff --json "$OUT/correct.json" "$OUT/double.json" > "$OUT/dd.json" 2>&1
jqcheck "JSON: new_anomaly_types is [double]" "$OUT/dd.json" '.new_anomaly_types == ["double"]'
jqcheck "JSON: the double's ops has 3 doubles in B" "$OUT/dd.json" \
	'[.rows[] | select(.kind == "ops" and .metric == "doubles" and (.name | test("wct_double"))) | .b] == [3]'
jqcheck "JSON: the seeded workload's walks are unchanged" "$OUT/dd.json" \
	'[.rows[] | select(.kind == "ops" and .metric == "walks" and (.name | test("wct") | not))] == []'

# the same seeded run on 6.12 (trixie) against this kernel
if [ "$SUITE" != sid ]; then
	echo "skip - $SUITE: trixie against sid (runs with sid)"
	exit 0
fi
mkdir -p "$OUT/trixie"
"$VMTEST" --debian trixie --flavour cloud --timeout 600 --out "$OUT/trixie" -- sh -c \
	"walkcov check --full --json -- $SEEDED > /out/seed.json 2>/out/seed.err" >"$OUT/console.trixie" 2>&1
$W diff "$OUT/trixie/seed.json" "$OUT/seed1.json" > "$OUT/dk.txt" 2>&1
rc=$?
sed 's/^/#   /' "$OUT/dk.txt" | head -60
check "diff trixie 6.12 -> sid 7.2 runs (exit $rc: 0 or 1)" [ "$rc" -le 1 ]
$W diff --json "$OUT/trixie/seed.json" "$OUT/seed1.json" > "$OUT/dk.json" 2>&1
jqcheck "diff trixie -> sid names both kernels" "$OUT/dk.json" \
	'(.a.kernel | test("^6\\.12")) and (.b.kernel | test("^7\\."))'
