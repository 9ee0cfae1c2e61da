#!/usr/bin/env bash
# Issue 10: the in-kernel filters. One deterministic workload: wc_workload
# (comm wc_workload, in cgroup wc/sub) and two cat processes (comm cat, in
# the root cgroup), traced unfiltered (the reference) and with each filter.
# A filtered run must see every walk of its target, as many as the
# reference has, and no other walk. The --ops runs are recorded and judged:
# every walk complete and proven, since --ops drops whole walks, never part
# of one. --comm and --cgroup are per task; count (which attaches only the
# walk entry points and chunks, so it is quick) checks them.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: bookworm sid
. "$(dirname "$0")/lib.sh"

cat >"$OUT/wl.sh" <<'EOF'
#!/bin/sh
# the filtered workload: wc_workload in cgroup wc/sub, cat outside it
sh -c 'echo $$ > /cg/wc/sub/cgroup.procs && exec wc_workload' > /dev/null || exit 1
cat /proc/self/smaps > /dev/null
cat /proc/self/numa_maps > /dev/null
EOF
cat >"$OUT/guest.sh" <<'EOF'
#!/bin/sh
mkdir -p /cg && mount -t cgroup2 none /cg 2>> /out/cgroup.err && mkdir -p /cg/wc/sub || echo cgroup=fail >> /out/status
record() {	# record NAME ARGS...
	name=$1; shift
	walkcov record -o /out/$name.data "$@" -- sh /root/wl.sh 2> /out/$name.err
	echo "$name=$?" >> /out/status
}
count() {	# count NAME ARGS...
	name=$1; shift
	walkcov count "$@" -- sh /root/wl.sh > /out/$name.txt 2> /out/$name.err
	echo "$name=$?" >> /out/status
}
record all
count comm --comm wc_workload
count cgroup --cgroup /cg/wc
record ops --ops mincore_walk_ops
record callback --ops madvise_free_pte_range
EOF
chmod +x "$OUT/wl.sh" "$OUT/guest.sh"
vm --add "$OUT/wl.sh:/root/wl.sh" --add "$OUT/guest.sh:/root/guest.sh" -- sh /root/guest.sh >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT"/*.err 2>/dev/null | head -30
check "cgroup v2 set up in the guest" sh -c "! grep -q cgroup=fail '$OUT/status'"

for r in all ops callback; do
	check "record $r exits 0" grep -qx "$r=0" "$OUT/status"
	$W report -i "$OUT/$r.data" --json >"$OUT/$r.json" 2>>"$OUT/report.err"
	check "report of $r exits 0" [ $? -eq 0 ]
	note "$r: $(jq -c '{filters: .summary.filters, walks: .summary.walks, events: .summary.events,
		commands: [.commands[] | {(.name): .walks}] | add,
		ops: [.ops[] | {(.name): .walks}] | add}' "$OUT/$r.json" 2>/dev/null)"
	jqcheck "$r: every walk complete and proven, nothing lost" "$OUT/$r.json" \
		'.summary.walks > 0 and .summary.incomplete_walks == 0 and .summary.proven_walks == .summary.walks and .summary.lost.total == 0'
done

# walks of a command / an ops struct in a recording
comm_walks() { jq -r --arg c "$2" '[.commands[] | select(.name == $c) | .walks] | add // 0' "$OUT/$1.json"; }
ops_walks() { jq -r --arg re "$2" '[.ops[] | select(.name | test($re)) | .walks] | add // 0' "$OUT/$1.json"; }
want=$(comm_walks all wc_workload)
cat_walks=$(comm_walks all cat)
check "reference: walks of wc_workload ($want) and of cat ($cat_walks)" [ "$want" -gt 0 -a "$cat_walks" -gt 0 ]
jqcheck "reference: no filters in the header" "$OUT/all.json" '.summary.filters == {}'

# --comm, --cgroup (the parent of wc_workload's cgroup): its walks, and no
# walk of cat (which the total would include)
for r in comm cgroup; do
	check "count $r exits 0" grep -qx "$r=0" "$OUT/status"
	sed 's/^/# /' "$OUT/$r.txt"
	got=$(awk '$1 == "total" {print $2}' "$OUT/$r.txt")
	check "$r: the walks of wc_workload and no other (${got:-none} of $want)" [ "$want" -gt 0 -a "${got:-0}" -eq "$want" ]
done
check "count prints --comm" grep -qx "# filters: comm 'wc_workload'" "$OUT/comm.txt"
check "count prints --cgroup and its id" grep -Eqx "# filters: cgroup /cg/wc \(id [1-9][0-9]*\) and below" "$OUT/cgroup.txt"

# --ops by struct name: mincore only, all of it
want=$(ops_walks all '^mincore_walk_ops$')
got=$(ops_walks ops '^mincore_walk_ops$')
check "ops: every mincore walk ($got of $want, the workload makes >= 2)" [ "$want" -ge 2 -a "${got:-0}" -eq "$want" ]
jqcheck "ops: no walk of other ops" "$OUT/ops.json" '[.ops[] | select(.name != "mincore_walk_ops" and .walks > 0)] | length == 0'
jqcheck "ops: splits are not filtered (both of the workload's)" "$OUT/ops.json" '.summary.splits.seen >= 2'
jqcheck "ops: the header records it" "$OUT/ops.json" '.summary.filters == {"ops": "mincore_walk_ops"}'
check "report prints the filters" sh -c "$W report -i '$OUT/ops.data' | grep -qx '# filters: ops mincore_walk_ops (splits are never filtered)'"

# --ops by callback: the MADV_FREE walks, of madvise_free_walk_ops (6.1,
# 6.12) or of ops 7.x builds on the stack, named after that first callback
re='^(madvise_free_walk_ops|ops of madvise_free_pte_range)$'
want=$(ops_walks all "$re")
got=$(ops_walks callback "$re")
check "callback: every MADV_FREE walk ($got of $want)" [ "$want" -ge 1 -a "${got:-0}" -eq "$want" ]
jqcheck "callback: no walk of other ops" "$OUT/callback.json" \
	"[.ops[] | select((.name | test(\"$re\") | not) and .walks > 0)] | length == 0"
