#!/usr/bin/env bash
# Issue 3: walkcov record in the guest while wc_workload reaches each walker
# and splits THPs; the file comes back and is reported on the host.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: trixie sid
. "$(dirname "$0")/lib.sh"

vm -- sh -c '
	# waitfile FILE PID: wait (at most 120 s) until the recorder PID has
	# written FILE (its header); give up if PID has ended
	waitfile() {
		i=0
		while [ ! -s "$1" ]; do
			kill -0 $2 2>/dev/null || { echo "$1: recorder ended before writing it" >> /out/timeouts; return 1; }
			i=$((i + 1))
			[ $i -le 600 ] || { echo "$1 still empty after 120 s" >> /out/timeouts; return 1; }
			sleep 0.2
		done
	}
	# waitexit PID: its exit status, waiting at most 60 s (then SIGKILL)
	waitexit() {
		i=0
		while kill -0 $1 2>/dev/null && [ $i -lt 300 ]; do i=$((i + 1)); sleep 0.2; done
		kill -0 $1 2>/dev/null && { echo "recorder $1 still running 60 s after its signal" >> /out/timeouts; kill -KILL $1; }
		wait $1
	}
	walkcov record -o /out/w.data -- wc_workload > /out/workload.txt 2>/out/record.err;
	echo "record=$?" > /out/status
	# the same workload analysed live, no file
	walkcov trace --json -- sh -c "wc_workload >/dev/null" > /out/trace.json 2>/out/trace.err
	echo "trace=$?" >> /out/status
	# Ctrl-C ends a system-wide recording with a complete file
	# (the header is written once attached: wait for it, loading is slow under TCG)
	walkcov record -a -o /out/int.data 2>/out/int.err & pid=$!
	waitfile /out/int.data $pid
	cat /proc/self/smaps > /dev/null; sleep 1; kill -INT $pid; waitexit $pid
	echo "int=$?" >> /out/status
	# a killed recorder leaves a file readable up to the last flush
	walkcov record -a -o /out/kill.data 2>/dev/null & pid=$!
	waitfile /out/kill.data $pid
	cat /proc/self/smaps > /dev/null; sleep 1; kill -KILL $pid; waitexit $pid
	echo "kill=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT/record.err" "$OUT/workload.txt" 2>/dev/null
check "recorders started within 120 s and stopped within 60 s" [ ! -e "$OUT/timeouts" ]
sed 's/^/# /' "$OUT/timeouts" 2>/dev/null
check "record exits 0" grep -qx 'record=0' "$OUT/status"
check "workload formed THPs" grep -q '^AnonHugePages: [1-9]' "$OUT/workload.txt"

F=$OUT/w.data
$W report -i "$F" --json >"$OUT/report.json" 2>"$OUT/report.err"
check "report --json exits 0" [ $? -eq 0 ]
$W report -i "$F" >"$OUT/report.txt" 2>&1
sed 's/^/# /' "$OUT/report.txt"

R=$OUT/report.json
walks() { jq -r --arg re "$1" '[.ops[] | select(.name | test($re)) | .walks] | add // 0' "$R"; }
for ops in '^smaps_walk' '^pagemap_ops$' '^show_numa' '^mincore_walk_ops$' '^mlock_walk_ops' \
	   '^swapin_walk_ops$' '^cold_walk_ops$' '(madvise_free_walk_ops|ops of madvise_free_pte_range)'; do
	n=$(walks "$ops")
	note "walks for $ops: $n"
	check "walks > 0 for $ops" [ "${n:-0}" -gt 0 ]
done
jqcheck "both THP splits of the workload seen" "$R" '.summary.splits.seen >= 2'
jqcheck "doubles == 0" "$R" '.summary.doubles == 0'
jqcheck "lost == 0" "$R" '.summary.lost.total == 0'
jqcheck "file complete (trailer read)" "$R" '.summary.truncated == false'
jqcheck "kernel release in header" "$R" '.summary.kernel | test("^[0-9]+\\.[0-9]+")'
note "$(jq -c '.summary | {events, walks, retries, doubles, splits}' "$R")"

# script: one line per event
events=$(jq -r '.summary.events' "$R")
lines=$($W script -i "$F" | grep -vc '^#')
check "script prints one line per event ($lines, $events)" [ "$lines" -eq "$events" ]
check "script --json lines parse" sh -c "$W script -i '$F' --json | jq -e . >/dev/null"

# a file cut short (a killed recorder) still reads, with a warning
# (cut in the events: two thirds past the uncompressed header, whose size
# the census made depend on the kernel; docs/file-format.md)
size=$(stat -c %s "$F")
hdr=$((16 + $(od -An -tu4 -j12 -N4 "$F")))
head -c $((hdr + (size - hdr) * 2 / 3)) "$F" >"$OUT/cut.data"
$W report -i "$OUT/cut.data" >/dev/null 2>"$OUT/cut.err"
rc=$?
check "truncated file reports (exit 0; header $hdr of $size bytes)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$OUT/cut.err"
check "truncated file warns" grep -q 'truncated' "$OUT/cut.err"

# Ctrl-C: exit 0, complete file with its trailer
check "Ctrl-C ends record with exit 0" grep -qx 'int=0' "$OUT/status"
$W report -i "$OUT/int.data" --json >"$OUT/int.json" 2>"$OUT/int.rerr"
jqcheck "Ctrl-C recording is complete and saw walks" "$OUT/int.json" \
	'.summary.truncated == false and .summary.walks > 0'
# kill -9: no trailer, but the events up to the last flush are there
$W report -i "$OUT/kill.data" --json >"$OUT/kill.json" 2>"$OUT/kill.err"
check "killed recording still reports (exit 0)" [ $? -eq 0 ]
check "killed recording warns it is truncated" grep -q 'truncated' "$OUT/kill.err"
jqcheck "killed recording kept the walks before the kill" "$OUT/kill.json" '.summary.walks > 0'

# walkcov trace: the live report agrees with the recorded one
T=$OUT/trace.json
check "trace exits 0" grep -qx 'trace=0' "$OUT/status"
jqcheck "trace: no double, nothing lost" "$T" '.summary.doubles == 0 and .summary.lost.total == 0'
rec_ops=$(jq -c '[.ops[] | select(.walks > 0) | .name | select(startswith("ops of") | not)] | sort' "$R")
live_ops=$(jq -c '[.ops[] | select(.walks > 0) | .name | select(startswith("ops of") | not)] | sort' "$T")
note "ops recorded: $rec_ops"
check "trace sees the same ops structs as record" [ "$rec_ops" = "$live_ops" ]
