#!/usr/bin/env bash
# Issue 18 part 3: kernels without bpf_get_func_arg, bpf_loop and atomic
# fetch (Debian 11's 5.10) get the compat object (bpf/compat.bpf.h), chosen
# by feature probes. probes says so, with what is missing and what it costs;
# trace and check fall back from summary mode to full event mode with one
# line; what cannot work there (the differential test, which needs summary
# mode) is refused with one line and exit 2. kprobes, which learn their slot
# from bpf_get_attach_cookie elsewhere, find it by the probed address in the
# compat object: --kprobe traces and proves the same walks. Run by make
# check-matrix (tests/run --compat-suites), not in make check's suites.
# vm-suites: none
. "$(dirname "$0")/lib.sh"

vm -- sh -c '
	walkcov probes > /out/probes.txt 2> /out/probes.err; echo "probes=$?" > /out/status
	walkcov trace --duration 2 > /out/trace.txt 2> /out/trace.err; echo "trace=$?" >> /out/status
	walkcov check --json -- sh -c "cat /proc/self/smaps >/dev/null" > /out/check.json 2> /out/check.err
	echo "check=$?" >> /out/status
	walkcov check --differential --duration 1 > /out/diff.txt 2> /out/diff.err; echo "diff=$?" >> /out/status
	walkcov check --full --kprobe --json -- sh -c "cat /proc/self/smaps >/dev/null" > /out/kp.json 2> /out/kp.err
	echo "kp=$?" >> /out/status
	# kprobes under load: walkers asleep in traced functions on every vCPU
	# (a kretprobe with too few instances loses returns: incomplete walks)
	walkcov check --kprobe --duration 10 --json > /out/kps.json 2> /out/kps.err
	echo "kps=$?" >> /out/status
	cat /sys/kernel/tracing/kprobe_events > /out/kprobe_events; echo "kpev=$?" >> /out/status' \
	>"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT"/*.err 2>/dev/null
grep '^#' "$OUT/probes.txt" 2>/dev/null | sed 's/^/# /'

check "probes exits 0" grep -qx 'probes=0' "$OUT/status"
check "probes: the compat object, and what the kernel lacks" \
	grep -q '^# bpf object: compat .*lacks .*bpf_get_func_arg' "$OUT/probes.txt"
check "probes: what that costs (no summary mode; kprobes by the probed address)" \
	grep -q '^# bpf object: .*cost: .*no summary mode.*kprobes find their slot by the probed address' "$OUT/probes.txt"
check "probes: fentry" grep -q '^# kernel .*mechanism fentry$' "$OUT/probes.txt"

fallback='^walkcov: summary mode cannot load on this kernel (.*): full event mode$'
for n in trace check; do
	check "$n: one line says it falls back to full event mode" \
		[ "$(grep -c "$fallback" "$OUT/$n.err")" = 1 ]
done
check "trace exits 0" grep -qx 'trace=0' "$OUT/status"
check "trace: full event mode (no '# mode: summary' line)" \
	sh -c "grep -q '^# ' '$OUT/trace.txt' && ! grep -q '^# mode: summary' '$OUT/trace.txt'"
check "check proves the smaps walks (exit 0)" grep -qx 'check=0' "$OUT/status"
jqcheck "check: full event mode" "$OUT/check.json" '.summary.mode == "full"'
jqcheck "check: smaps walks traced, nothing lost" "$OUT/check.json" \
	'.summary.walks > 0 and .summary.lost.total == 0'

check "check --differential: exit 2" grep -qx 'diff=2' "$OUT/status"
check "check --differential: one line, summary mode cannot load" \
	grep -qx 'walkcov: summary mode cannot load on this kernel (.*)' "$OUT/diff.err"
check "check --full --kprobe proves the smaps walks (exit 0)" grep -qx 'kp=0' "$OUT/status"
jqcheck "check --kprobe: kprobes, full event mode" "$OUT/kp.json" \
	'.summary.mechanism == "kprobe" and .summary.mode == "full"'
jqcheck "check --kprobe: smaps walks traced, nothing lost" "$OUT/kp.json" \
	'.summary.walks > 0 and .summary.lost.total == 0'
note "kprobe: $(jq -c '.summary | {walks, events, lost: .lost.total}' "$OUT/kp.json" 2>/dev/null)"
note "kprobe stress: $(jq -c '.summary | {walks, proven_walks, incomplete_walks, unsure_walks, raced_walks, lost: .lost.total}' "$OUT/kps.json" 2>/dev/null)"
# exit 0, or 3 only for walks unsure because they raced a fault (check.sh)
check "check --kprobe over stress: proven (exit 0, or 3 for raced walks only)" \
	sh -c "grep -qx 'kps=0' '$OUT/status' || { grep -qx 'kps=3' '$OUT/status' &&
		jq -e '.summary.unsure_walks == .summary.raced_walks and .summary.unsure_walks > 0' '$OUT/kps.json' >/dev/null; }"
jqcheck "check --kprobe over stress: every walk complete, nothing lost" "$OUT/kps.json" \
	'.summary.walks > 1000 and .summary.incomplete_walks == 0 and .summary.lost.total == 0'
check "no kprobe event of walkcov left in tracefs (kretprobes made there)" \
	sh -c "grep -qx 'kpev=0' '$OUT/status' && ! grep -q walkcov '$OUT/kprobe_events'"
