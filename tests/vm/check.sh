#!/usr/bin/env bash
# Issue 4: walkcov check over walkcov stress (every walker, THPs splitting)
# for 20 s finds no double on these unpatched kernels. A focused run of one
# reader thread (so no fentry program is skipped) against the measured retry
# trigger adds to the count of ACTION_AGAIN retries each kernel shows; the
# count is recorded, and required > 0 on 7.x, where retries were measured.
# Issue 8: both runs lose no event and every walk is complete (its begin,
# end and every index between arrived) and proven exactly-once: check's
# exit 0 means "proven", 3 would mean "could not prove". Also run on
# bookworm-rt (PREEMPT_RT, no THP: no split is required there).
# Issue 15: no gap either. A walk of ops without pte_hole with an unvisited
# range found present cannot be proven (docs/coverage.md 5a): a fault filled
# it while the walk ran (raced: the tracer saw the fill), or, on 6.1, a VMA
# skipped by walk_page_test where the compiler inlined it (walk_page_vma of
# [vvar]: no event). Such walks are "unsure", check then exits 3; no walk may
# be incomplete for any other reason. The counts are recorded.
. "$(dirname "$0")/lib.sh"

vm -- sh -c '
	[ -d /sys/kernel/mm/transparent_hugepage ] && echo thp=yes > /out/status || echo thp=no > /out/status
	walkcov check --duration 20 --json > /out/full.json 2> /out/full.err
	echo "full=$?" >> /out/status
	walkcov check --json -- walkcov stress -q --duration 15 --threads 1 \
		--only smaps,pagemap,mincore,zap_tail,collapse > /out/focus.json 2> /out/focus.err
	echo "focus=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT/full.err" "$OUT/focus.err" 2>/dev/null | head -20

# every walk proven but those unsure for a fault race; exit 0, or 3 for those
proven_but_raced() {
	local name=$1 f=$2 st=$3
	jqcheck "$name: no gap" "$f" '.summary.gaps == 0'
	jqcheck "$name: every walk complete and proven, but walks unsure for a fault that filled the range" "$f" \
		'.summary.incomplete_walks == .summary.unsure_walks and .summary.proven_walks == .summary.walks - .summary.unsure_walks'
	jqcheck "$name: raced walks are among the unsure ones" "$f" '.summary.raced_walks <= .summary.unsure_walks'
	want=$(jq -r 'if .summary.unsure_walks == 0 then 0 else 3 end' "$f")
	check "$name: check exits $want (0: proven; 3: could not prove the raced walks)" grep -qx "$st=$want" "$OUT/status"
	note "$name: $(jq -c '.summary | {walks, unsure_walks, raced_walks, gaps, stopped_walks}' "$f")"
}

F=$OUT/full.json
jqcheck "stress walks were traced" "$F" '.summary.walks > 1000'
jqcheck "no double" "$F" '.summary.doubles == 0'
jqcheck "no out-of-order visit, no livelock" "$F" '.summary.out_of_order == 0 and .summary.livelocks == 0'
jqcheck "nothing lost" "$F" '.summary.lost.total == 0'
proven_but_raced stress "$F" full
if [ "$FLAVOUR" = rt ]; then
	check "no THP on PREEMPT_RT" grep -qx 'thp=no' "$OUT/status"
	echo "skip - $SUITE: THP splits (no THP on PREEMPT_RT)"
else
	check "THP enabled" grep -qx 'thp=yes' "$OUT/status"
	jqcheck "THP splits happened during the run" "$F" '.summary.splits.seen > 0'
fi
n_ops=$(jq '[.ops[] | select(.walks > 0)] | length' "$F")
note "ops structs walked: $(jq -c '[.ops[] | select(.walks > 0) | .name]' "$F")"
# 5.10's mlock does not walk page tables (mlock_walk_ops came with 6.1)
min_ops=10
[ "$DEBIAN_SUITE" = bullseye ] && min_ops=9
check "at least $min_ops ops structs walked" [ "$n_ops" -ge "$min_ops" ]
note "full: $(jq -c '.summary | {walks, proven_walks, incomplete_walks, events, lost, retries, split_races, splits}' "$F")"

R=$OUT/focus.json
jqcheck "focused run: no double" "$R" '.summary.doubles == 0'
# measured 15 s focused runs, alone: 73,441 walks (6.1-rt), 55,630 (7.3-rc)
focus_min=5000
jqcheck "focused run: at least $focus_min walks" "$R" ".summary.walks >= $focus_min"
jqcheck "focused run: nothing lost" "$R" '.summary.lost.total == 0'
proven_but_raced "focused run" "$R" focus
retries=$(( $(jq -r '.summary.retry_visits' "$F") + $(jq -r '.summary.retry_visits' "$R") ))
note "focused: $(jq -c '.summary | {walks, proven_walks, incomplete_walks, lost, retries, retry_visits, split_races, splits}' "$R")"
note "retries per ops: $(jq -c '[.ops[] | select(.retries > 0) | {(.name): .retries}] | add' "$R")"
case "$SUITE" in
sid | experimental*) check "ACTION_AGAIN retries observed in both runs ($retries)" [ "${retries:-0}" -gt 0 ] ;;
*) echo "skip - retries required only on 7.x (seen here: $retries)" ;;
esac
