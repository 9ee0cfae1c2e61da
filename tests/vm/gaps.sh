#!/usr/bin/env bash
# Ground truth for gaps: the test module's gap_skip and gap_cut walks really
# leave one range unhandled (the module redirects one __walk_page_range call
# with an IPMODIFY ftrace_ops and walks only part of that chunk; its ops have
# pmd_entry and pte_hole, so nothing is silent by design). walkcov check must
# exit 1 and report exactly one anomaly of type "gap" per run, at exactly the
# module's [gap_start, gap_end), in summary mode (judged in the kernel), in
# full mode (the user-space engine) and with kprobes; the module's other
# scenarios must give no gap at all.
. "$(dirname "$0")/lib.sh"

build_module
ok "module builds for $SUITE"

# runs: NAME = MODE-SCENARIO; MODE sum (default: summary mode, the default
# mechanism), full (--full) or kp (--full --kprobe); "others" is every
# earlier scenario in one run
vm --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	dmesg | grep -q "wc_testmod: loaded.*gap scenarios ready" && echo ready > /out/gap_ready
	run() {
		n=$1 s=$2
		shift 2
		walkcov check "$@" --json -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/$n.jsonl $s >/dev/null" \
			> /out/$n.json 2> /out/$n.err
		echo "$n=$?" >> /out/status
	}
	for s in gap_skip gap_cut; do
		run sum-$s $s
		run full-$s $s --full
		run kp-$s $s --full --kprobe
	done
	run sum-others "correct double retry:2 race mixed overrun rewalk"
	run full-others "correct double retry:2 race mixed overrun rewalk" --full
	# smaps and numa_maps walk each VMA with walk_page_vma, [vvar] (VM_PFNMAP) too
	maps="cat /proc/self/smaps /proc/self/numa_maps >/dev/null"
	walkcov check --json -- sh -c "$maps" > /out/sum-maps.json 2> /out/sum-maps.err
	echo "sum-maps=$?" >> /out/status
	walkcov record -o /tmp/maps.data -- sh -c "$maps" 2> /out/rec-maps.err
	walkcov report --json -i /tmp/maps.data > /out/full-maps.json 2>> /out/rec-maps.err
	echo "full-maps=$?" >> /out/status
	walkcov script -i /tmp/maps.data > /out/maps.script 2>> /out/rec-maps.err
	grep -m1 "vvar" /proc/self/maps > /out/vvar
	rmmod wc_testmod && echo unloaded > /out/unloaded
	dmesg | grep -E "WARNING|BUG|Oops|ftrace (failed|bug)" > /out/kernel_warnings' \
	>"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" 2>/dev/null
check "the module can redirect __walk_page_range (gap scenarios ready)" [ -s "$OUT/gap_ready" ]

for s in gap_skip gap_cut; do
	for mode in sum full kp; do
		n=$mode-$s M=$OUT/$n.jsonl R=$OUT/$n.json
		if ! jq -e . "$M" >/dev/null 2>&1 || ! jq -e .summary "$R" >/dev/null 2>&1; then
			notok "$n: module result and walkcov report present"
			sed 's/^/# /' "$OUT/$n.err" 2>/dev/null | head -5
			continue
		fi
		jqcheck "$n: module's own expectations hold (one gap, redirected once)" "$M" \
			'.ok == true and .gaps == 1 and .redirects == 1'
		gs=$(printf '0x%x' "$(jq -r .gap_start "$M")") ge=$(printf '0x%x' "$(jq -r .gap_end "$M")")
		gaps=$(jq -c '[.anomalies[] | select(.type == "gap") | {"ops": .ops, "start": .start, "end": .end}]' "$R" 2>&1)
		note "$n: module gap [$gs, $ge); walkcov gaps $gaps"
		check "$n: check exits 1" grep -qx "$n=1" "$OUT/status"
		jqcheck "$n: exactly one gap anomaly" "$R" '[.anomalies[] | select(.type == "gap")] | length == 1'
		jqcheck "$n: the gap is the module's ops" "$R" \
			"[.anomalies[] | select(.type == \"gap\" and (.ops | test(\"wct_$s\")))] | length == 1"
		jqcheck "$n: the gap is [$gs, $ge)" "$R" \
			"[.anomalies[] | select(.type == \"gap\")] | map(.start == \"$gs\" and .end == \"$ge\") == [true]"
		jqcheck "$n: no double, out-of-order visit or livelock" "$R" \
			'[.anomalies[] | select(.type == "double" or .type == "out-of-order" or .type == "livelock")] | length == 0'
		jqcheck "$n: nothing lost" "$R" '.summary.lost.total == 0'
	done
	jqcheck "kp-$s: kprobes were used" "$OUT/kp-$s.json" '.summary.mechanism == "kprobe"'
	jqcheck "full-$s: full event mode" "$OUT/full-$s.json" '.summary.mode == "full"'
done

# the earlier scenarios: their walks leave nothing unhandled
jqs() { jq -e -s "$1" "$2" >/dev/null 2>&1; }
for n in sum-others full-others; do
	R=$OUT/$n.json
	if ! jq -e .summary "$R" >/dev/null 2>&1; then
		notok "$n: walkcov report present"
		sed 's/^/# /' "$OUT/$n.err" 2>/dev/null | head -5
		continue
	fi
	# the module's result lines (JSON Lines: one per scenario)
	got=$(jq -s -c 'map(.scenario + ":ok=" + (.ok | tostring) + ",gaps=" + (.gaps | tostring))' \
		"$OUT/$n.jsonl" 2>&1)
	check "$n: 7 scenarios, all ok, no module gap ($got)" \
		jqs 'length == 7 and all(.ok) and all(.gaps == 0 and .uncovered_bytes == 0)' "$OUT/$n.jsonl"
	jqcheck "$n: walkcov reports no gap for the module's ops" "$R" \
		'[.anomalies[] | select(.type == "gap" and (.ops | test("wct")))] | length == 0'
	note "$n: gap anomalies (any ops): $(jq -c '[.anomalies[] | select(.type == "gap") | {"ops": .ops, "start": .start, "end": .end}]' "$R")"
done

# a VM_PFNMAP VMA that smaps skips: proven, never "could not prove". 6.1
# inlines walk_page_test into walk_page_vma, so there the skip is inferred
# (WC_F_INFERRED): the walk's BEGIN says VM_PFNMAP and no test_walk, and
# walk_page_vma was seen calling __walk_page_range out of line
vvar=$(cut -d' ' -f1 "$OUT/vvar" 2>/dev/null)
pfn=$(grep -c 'walk_begin .*vma_pfnmap' "$OUT/maps.script" 2>/dev/null)
inferred=$(grep -c 'vma_skip .*flags=inferred' "$OUT/maps.script" 2>/dev/null)
note "maps: [vvar] at $vvar; walks of a VM_PFNMAP VMA $pfn, skips inferred $inferred"
check "maps: the walks of [vvar] were recorded as VM_PFNMAP ($pfn)" [ "${pfn:-0}" -ge 2 ]
for n in sum-maps full-maps; do
	check "$n: check/report exits 0" grep -qx "$n=0" "$OUT/status"
	jqcheck "$n: every walk proven, none unsure, no gap" "$OUT/$n.json" \
		'.summary.proven_walks == .summary.walks and .summary.unsure_walks == 0 and .summary.gaps == 0 and .summary.walks > 10'
done
# each inferred skip is a walk's whole VMA: its BEGIN's range, in the same walk
check "maps: every inferred skip covers its walk's VM_PFNMAP VMA" awk '
	/walk_begin .*vma_pfnmap/ { for (i = 1; i <= NF; i++) if ($i ~ /^wid=/) r[$i] = $0 }
	/vma_skip .*flags=inferred/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /^wid=/) w = $i
		match($0, /\[0x[0-9a-f]+, 0x[0-9a-f]+\)/); s = substr($0, RSTART, RLENGTH)
		if (!(w in r) || index(r[w], s) == 0) bad++ }
	END { exit bad > 0 }' "$OUT/maps.script"

check "the module unloads after the gap runs (ftrace_ops unregistered)" [ -s "$OUT/unloaded" ]
check "no kernel warning ($(head -c 200 "$OUT/kernel_warnings" 2>/dev/null))" [ ! -s "$OUT/kernel_warnings" ]
