#!/usr/bin/env bash
# Issue 8: a proof you can trust. walkcov check's verdict covers only what it
# saw: a workload that fails (exit status or signal) makes check exit 2 and
# say why, never "no double"; a bad duration is refused with exit 2.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: sid
. "$(dirname "$0")/lib.sh"

vm -- sh -c '
	walkcov check -- false > /out/false.txt 2>&1
	echo "false=$?" > /out/status
	walkcov check -- sh -c "kill -9 \$\$" > /out/kill.txt 2>&1
	echo "kill=$?" >> /out/status
	walkcov check -d 100000 > /out/duration.txt 2>&1
	echo "duration=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" 2>/dev/null
for f in false kill duration; do
	grep -hE 'walkcov|verdict|status|signal' "$OUT/$f.txt" 2>/dev/null | head -5 | sed "s/^/# $f: /"
done

check "check -- false exits 2" grep -qx 'false=2' "$OUT/status"
check "check -- false names the exit status 1" grep -q 'status 1\b' "$OUT/false.txt"
check "check -- (killed by SIGKILL) exits 2" grep -qx 'kill=2' "$OUT/status"
check "check -- (killed by SIGKILL) names signal 9" grep -q 'signal 9\b' "$OUT/kill.txt"
check "check -d 100000 (more than a day) exits 2" grep -qx 'duration=2' "$OUT/status"
check "check -d 100000 says the duration is invalid" grep -q "invalid duration '100000'" "$OUT/duration.txt"
