#!/usr/bin/env bash
# Issue 18, part 1: the walker census. walkcov probes --census lists the
# walker's users this kernel has; check, trace and record/report say which
# of them a run reached (per callback in full mode); and each walker unit of
# walkcov stress is traced alone, so its reach on this kernel is measured
# (the census rows it reaches beyond the stress process's own start-up,
# which reads smaps).
# vm-suites: none
# (not in make check, for its 30-minute budget: `make check-census` runs it
# on every x86 kernel of the matrix, CENSUS_SUITES; docs/stress.md has what
# it measured)
. "$(dirname "$0")/lib.sh"

units=$($W stress --list --json | jq -r '.units[] | select(.kind == "walker") | .name' | tr '\n' ' ')
vm -- sh -c '
	walkcov probes --census --json > /out/census.json 2>/out/census.err
	# the ops structs have symbols only with CONFIG_KALLSYMS_ALL
	grep -c " [dDrR] smaps_walk_ops" /proc/kallsyms > /out/ops_symbols
	echo "census=$?" > /out/status
	walkcov stress --list --json > /out/list.json 2>/out/list.err
	walkcov check --full --json -- walkcov stress --duration 4 -q > /out/full.json 2>/out/full.err
	echo "full=$?" >> /out/status
	walkcov check --json -- walkcov stress --duration 2 -q > /out/summary.json 2>/out/summary.err
	echo "summary=$?" >> /out/status
	walkcov trace --full --json -- walkcov stress --seed 1 --ops 60 -q > /out/trace.json 2>/out/trace.err
	echo "trace=$?" >> /out/status
	walkcov record -o /out/w.data -- walkcov stress --seed 1 --ops 60 -q 2>/out/record.err
	echo "record=$?" >> /out/status
	# one record, each unit run alone under its own command name (a
	# link named after it); "baseline" runs no walker (the start-up only)
	mkdir -p /tmp/u
	for u in baseline '"$units"'; do ln -s "$(command -v walkcov)" /tmp/u/$u; done
	walkcov record -o /out/units.data -- sh -c "
		/tmp/u/baseline stress --seed 1 --ops 12 -q --only zap_partial --skip '"$(echo $units | tr ' ' ,)"'
		for u in '"$units"'; do /tmp/u/\$u stress --seed 1 --ops 12 -q --only \$u,zap_partial; done" \
		2>/out/units.err
	echo "units=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status"

jqcheck "probes --census lists entry points" "$OUT/census.json" '.roles.entry.exist >= 3'
jqcheck "probes --census lists pmd_entry callbacks" "$OUT/census.json" '.roles.pmd_entry.exist >= 10'
jqcheck "probes --census lists smaps_pte_range as a pmd_entry" "$OUT/census.json" \
	'[.entries[] | select(.name == "smaps_pte_range" and .role == "pmd_entry")] | length == 1'
note "census: $(jq -c '.roles | with_entries(.value |= .exist)' "$OUT/census.json" 2>/dev/null)"

# full mode: counts per callback, a known reached one and a known unreachable one
for f in full trace; do
	R=$OUT/$f.json
	jqcheck "$f: per-callback counts" "$R" '.census.measured == true'
	jqcheck "$f: smaps_pte_range reached, with visits" "$R" \
		'[.census.entries[] | select(.name == "smaps_pte_range") | .reached and .visits > 0] == [true]'
	# migrate_vma_collect_pmd: only drivers (HMM, device memory) call
	# migrate_vma_setup; hmm_vma_walk_pmd: only drivers call
	# hmm_range_fault. 5.10's cloud kernel has no migrate_vma (no
	# CONFIG_DEVICE_PRIVATE): whichever the kernel has must be listed
	jqcheck "$f: driver-only callbacks (migrate_vma_collect_pmd, hmm_vma_walk_pmd) listed, not reached" "$R" \
		'[.census.entries[] | select(.name == "migrate_vma_collect_pmd" or .name == "hmm_vma_walk_pmd") | .reached] | length > 0 and all(. == false)'
	jqcheck "$f: walks per entry point add up to the run's walks" "$R" \
		'([.census.entries[] | select(.role == "entry") | .walks] | add) == .summary.walks'
	note "$f: reached $(jq -r '.census.roles | to_entries | map("\(.key) \(.value.reached // "-")/\(.value.exist)") | join(", ")' "$R")"
done
if [ "$(jq -r .summary.mode "$OUT/summary.json" 2>/dev/null)" = full ] &&
	grep -q '^walkcov: summary mode cannot load on this kernel' "$OUT/summary.err"; then
	# the compat object (5.10): check fell back to full event mode
	echo "skip - $SUITE: summary mode: the census lists, counts no callback (no summary mode on this kernel: $(head -1 "$OUT/summary.err"))"
	echo "skip - $SUITE: summary mode: callbacks of ops structs that ran (no summary mode on this kernel)"
else
	jqcheck "summary mode: the census lists, counts no callback" "$OUT/summary.json" \
		'.census.measured == false and .census.roles.pmd_entry.exist >= 10'
	jqcheck "summary mode: callbacks of ops structs that ran" "$OUT/summary.json" \
		'.census.by_ops == true and .census.roles.pmd_entry.in_ops_that_ran > 0'
fi
if [ "$(cat "$OUT/ops_symbols" 2>/dev/null)" = 0 ]; then
	# Debian's arm64 cloud kernel: no symbol names an ops struct
	echo "skip - $SUITE: probes --census: smaps_pte_range grouped into its smaps ops structs (smaps_walk_ops has no symbol: CONFIG_KALLSYMS_ALL is off)"
	jqcheck "probes --census: no group where no ops struct has a symbol" "$OUT/census.json" \
		'[.entries[] | select(.group != null and .group != "")] | length == 0'
else
	jqcheck "probes --census: smaps_pte_range grouped into its smaps ops structs" "$OUT/census.json" \
		'[.entries[] | select(.name == "smaps_pte_range") | .group | test("smaps_walk")] == [true]'
fi
note "named ops structs: $(jq '[.entries[].group // empty | split(",")[]] | unique | length' "$OUT/census.json")"
if [ -s "$OUT/w.data" ]; then
	$W report -i "$OUT/w.data" > "$OUT/report.txt" 2>&1
	check "report of a record: 'reached N of M pmd_entry'" grep -Eq '^#   pmd_entry +reached [0-9]+ of [0-9]+' "$OUT/report.txt"
	grep -E '^#   (entry|pmd_entry|pte_hole) ' "$OUT/report.txt" | sed "s/^#/# $SUITE report:/"
else
	notok "record file present"
fi

# each walker unit's reach: the callbacks its process visited beyond the
# baseline's (every stress process reads smaps at start-up)
$W script -i "$OUT/units.data" --json 2>/dev/null |
	jq -r 'select(.type == "visit") | "\(.comm) \(.func)"' | sort -u > "$OUT/visits"
reach() { awk -v c="$1" '$1 == c {print $2}' "$OUT/visits"; }
reach baseline > "$OUT/base"
check "baseline run traced" [ -s "$OUT/base" ]
echo "# $SUITE baseline (stress start-up): $(tr '\n' ' ' < "$OUT/base")"
for u in $units; do
	own=$(reach "$u" | comm -23 - "$OUT/base" | tr '\n' ' ')
	echo "# $SUITE unit $u: ${own:-(nothing beyond the baseline)}"
done
# what stress --list claims on this kernel is what each unit was measured to reach
wrong=""
for u in $units; do
	for cb in $(jq -r --arg u "$u" '.units[] | select(.name == $u and .present) | .callbacks[]' "$OUT/list.json"); do
		reach "$u" | grep -qx "$cb" || wrong="$wrong $u:$cb"
	done
done
check "stress --list: every callback it names for a unit was reached by it${wrong:+ (not:$wrong)}" [ -z "$wrong" ]
check "smaps unit reaches smaps_pte_range" grep -qx smaps_pte_range <(reach smaps)
check "mincore unit reaches mincore_pte_range beyond the baseline" \
	grep -qx mincore_pte_range <(reach mincore | comm -23 - "$OUT/base")
check "the baseline reaches no mincore callback" bash -c "! grep -q mincore '$OUT/base'"
