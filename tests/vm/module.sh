#!/usr/bin/env bash
# Issue 4: ground truth. The test module drives the kernel's real
# walk_page_range with its own callbacks and counts what it handled; walkcov
# check must report exactly the module's doubles and retries for the module's
# ops, flag the retry that raced a split, and give the right verdict.
# Issue 8: overrun and rewalk handle one pmd twice across two chunks of ONE
# walk (the module calls __walk_page_range itself): exactly 1 double each.
# Issue 11: walkcov map of the recorded double draws its three pmds red.
. "$(dirname "$0")/lib.sh"

build_module
ok "module builds for $SUITE"

# load the module first: walkcov finds its callbacks at start (module BTF;
# on 5.10, which has none, the module's ops structs through /proc/kallsyms
# and /proc/kcore, and traces them with kprobes)
vm --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	walkcov probes > /out/probes.txt
	grep -cE "^wct_[a-z_]+ \[wc_testmod\] +callback +[a-z_]+ +(fentry|kprobe|kprobe\.multi) +(ok|no module BTF .*kprobe used)$" \
		/out/probes.txt > /out/module_callbacks
	for s in correct double retry:2 race mixed overrun rewalk; do
		n=${s%%:*}
		walkcov check --json -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/$n.jsonl $s >/dev/null" \
			> /out/$n.json 2> /out/$n.err
		echo "$n=$?" >> /out/status
	done
	# the kprobe path (where fentry is refused) must give the same counts,
	# and so must full event mode (the user-space engine; check judges in
	# the kernel by default)
	for s in double retry:2 overrun; do
		n=${s%%:*}
		walkcov check --full --kprobe --json -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/kp-$n.jsonl $s >/dev/null" \
			> /out/kp-$n.json 2> /out/kp-$n.err
		echo "kp-$n=$?" >> /out/status
	done
	# a record file of the double, for walkcov map on the host
	walkcov record -o /out/double.data -- \
		wc_modtest --ko /wc_testmod.ko --out /out/rec-double.jsonl double >/dev/null 2>&1' \
	>"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status"
note "module callbacks attachable: $(cat "$OUT/module_callbacks" 2>/dev/null)"
check "walkcov probes finds the module's 15 callbacks and attaches them (module BTF, or its ops structs)" \
	grep -qx 15 "$OUT/module_callbacks"

for n in correct double retry race mixed overrun rewalk; do
	M=$OUT/$n.jsonl R=$OUT/$n.json
	if ! jq -e . "$M" >/dev/null 2>&1 || ! jq -e .summary "$R" >/dev/null 2>&1; then
		notok "$n: module result and walkcov report present"
		sed 's/^/# /' "$OUT/$n.err" 2>/dev/null | head -5
		continue
	fi
	jqcheck "$n: module's own expectations hold" "$M" '.ok == true'
	mod_d=$(jq -r .doubles "$M") mod_r=$(jq -r .retries "$M")
	# walkcov's counts for the module's ops only (the driver reads smaps too)
	wc_d=$(jq -r '[.ops[] | select(.name | test("wct")) | .doubles] | add // 0' "$R")
	wc_r=$(jq -r '[.ops[] | select(.name | test("wct")) | .retries] | add // 0' "$R")
	wc_w=$(jq -r '[.ops[] | select(.name | test("wct")) | .walks] | add // 0' "$R")
	note "$n: module doubles=$mod_d retries=$mod_r; walkcov doubles=$wc_d retries=$wc_r walks=$wc_w"
	check "$n: walkcov counts the module's one walk ($wc_w)" [ "$wc_w" = 1 ]
	check "$n: doubles match the module ($wc_d == $mod_d)" [ "$wc_d" = "$mod_d" ]
	check "$n: retries match the module ($wc_r == $mod_r)" [ "$wc_r" = "$mod_r" ]
	jqcheck "$n: no out-of-order visit or livelock" "$R" '.summary.out_of_order == 0 and .summary.livelocks == 0'
	jqcheck "$n: nothing lost" "$R" '.summary.lost.total == 0'
	want=0
	case $n in double | overrun | rewalk) want=1 ;; esac
	check "$n: check exits $want" grep -qx "$n=$want" "$OUT/status"
done
for n in double retry overrun; do
	M=$OUT/kp-$n.jsonl R=$OUT/kp-$n.json
	if ! jq -e .summary "$R" >/dev/null 2>&1; then
		notok "kprobe $n: walkcov report present"
		sed 's/^/# /' "$OUT/kp-$n.err" 2>/dev/null | head -5
		continue
	fi
	jqcheck "kprobe $n: kprobes were used" "$R" '.summary.mechanism == "kprobe"'
	jqcheck "kprobe $n: full event mode" "$R" '.summary.mode == "full"'
	for f in doubles retries; do
		mod=$(jq -r ".$f" "$M")
		got=$(jq -r "[.ops[] | select(.name | test(\"wct\")) | .$f] | add // 0" "$R")
		check "kprobe $n: $f match the module ($got == $mod)" [ "$got" = "$mod" ]
	done
done

jqcheck "double: the walker's own split is attributed to the walking task" "$OUT/double.json" \
	'[.anomalies[] | select(.type == "double" and .split == "own")] | length > 0'
jqcheck "race: the retry is flagged as a split race (split by another task)" "$OUT/race.json" \
	'[.anomalies[] | select(.type == "retry" and .split == "other")] | length >= 1'
jqcheck "mixed: every byte handled once (holes included)" "$OUT/mixed.jsonl" \
	'.handled_bytes == (.end - .start) and .doubles == 0'

# the double is the pmd handled in both chunks: module start + 2 pmds
# (overrun: the next VMA's first pmd) or + 1 pmd (rewalk: the first VMA's
# last); a pmd is 2 MiB with 4 KiB pages, 32 MiB with 16 KiB (probes says)
pmd=$(sed -n 's/^# geometry: page [0-9]* bytes, pmd \([0-9]*\) bytes.*/\1/p' "$OUT/probes.txt" 2>/dev/null)
note "geometry: $(grep '^# geometry' "$OUT/probes.txt" 2>/dev/null)"
[ -n "$pmd" ] || pmd=0
for n in overrun:2 rewalk:1; do
	m=${n#*:} n=${n%%:*}
	s=$(jq -r .start "$OUT/$n.jsonl" 2>/dev/null)
	[ -n "$s" ] || s=0
	want=$(printf '[["0x%x","0x%x"]]' $((s + m * pmd)) $((s + (m + 1) * pmd)))
	got=$(jq -c '[.anomalies[] | select(.type == "double" and (.ops | test("wct"))) | [.start, .end]]' \
		"$OUT/$n.json" 2>&1)
	check "$n: the one double is [start+$m pmd, start+$((m + 1)) pmd) ($got)" [ "$got" = "$want" ]
done

# walkcov map of a real recording: the module's three doubled pmds drawn red,
# the first at the module's start (tests/host/map.sh checks the pixels)
s=$(printf '0x%x' "$(jq -r .start "$OUT/rec-double.jsonl" 2>/dev/null)" 2>/dev/null)
if $W map -i "$OUT/double.data" -o "$OUT/double.svg" 2>"$OUT/map.err"; then
	red=$(grep -o 'class="cell" data-level="pmd" data-fill="double" data-start="0x[0-9a-f]*"' \
		"$OUT/double.svg" | sed 's/.*data-start="//; s/"$//')
	check "map: the double's 3 pmds drawn red ($(echo "$red" | tr '\n' ' '))" [ "$(echo "$red" | wc -l)" = 3 ]
	check "map: the first red pmd is the module's start ($s)" [ "$(echo "$red" | head -1)" = "$s" ]
else
	notok "map of the recorded double ($(cat "$OUT/map.err"))"
fi
