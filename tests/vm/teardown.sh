#!/usr/bin/env bash
# Issue 9: a workload that ignores SIGTERM cannot hang walkcov. At the end
# walkcov sends SIGTERM, waits 2 s, then SIGKILL (a second Ctrl-C kills at
# once); the file was closed before that and reads back complete. In the
# same boot: the record file's mode, FILE.old, and -o /dev/null.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: sid
. "$(dirname "$0")/lib.sh"

# the workload ignores TERM and INT (sleep 0.1 at a time, so no grandchild
# outlives it); without the SIGKILL it would run for 60 s
# shellcheck disable=SC2016 # expanded in the guest
vm -- sh -c 'W="trap \"\" TERM INT; i=0; while [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done"
	t0=$(date +%s)
	walkcov record -d 2 -o /out/term.data -- sh -c "$W" 2>/out/term.err
	echo "term=$? secs=$(( $(date +%s) - t0 ))" > /out/status
	# Ctrl-C twice: the second one kills the workload at once
	walkcov record -o /out/int.data -- sh -c "$W" 2>/out/int.err & pid=$!
	while [ ! -s /out/int.data ]; do sleep 0.2; done
	sleep 1; kill -INT $pid; sleep 0.3; kill -INT $pid; wait $pid
	echo "int=$?" >> /out/status
	# the file on disk: 0600, an existing one kept as .old, /dev/null left alone
	walkcov record -o /tmp/m.data -- true 2>/dev/null; walkcov record -o /tmp/m.data -- true 2>/dev/null
	ls -l /tmp/m.data /tmp/m.data.old | cut -c1-10 > /out/modes
	walkcov record -o /dev/null -- true 2>/dev/null
	echo "devnull=$? $(ls -l /dev/null | cut -c1)" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT/term.err" "$OUT/int.err" 2>/dev/null
check "record -d 2 with a workload ignoring SIGTERM exits 0" grep -q '^term=0 ' "$OUT/status"
secs=$(sed -n 's/^term=[0-9]* secs=\([0-9]*\)$/\1/p' "$OUT/status")
note "record -d 2 took ${secs:-?} s (the workload alone would take 60 s)"
# a hang detector, not a timing test: 2 s tracing + 2 s grace, slow attach under TCG
check "record -d 2 ends long before the workload would (< 45 s)" [ "${secs:-999}" -lt 45 ]
check "two Ctrl-C: record exits 0" grep -qx 'int=0' "$OUT/status"
check "record: the file is 0600, the old one kept as .old (0600)" \
	[ "$(tr '\n' ' ' <"$OUT/modes" 2>/dev/null)" = "-rw------- -rw------- " ]
check "record -o /dev/null: exit 0, /dev/null still a device" grep -qx 'devnull=0 c' "$OUT/status"
for f in term int; do
	$W report --json -i "$OUT/$f.data" >"$OUT/$f.json" 2>"$OUT/$f.rerr"
	check "$f.data: report exits 0" [ $? -eq 0 ]
	jqcheck "$f.data: complete (has its trailer)" "$OUT/$f.json" '.summary.truncated == false'
	check "$f.data: no truncation warning" [ ! -s "$OUT/$f.rerr" ]
done
