#!/usr/bin/env bash
# Issue 10: walkcov top. One boot:
# - the live screen on a pseudo-terminal (tests/guest/wc_pty.c; the guest has
#   no tmux): the test module's double shows in the anomaly list within 2 s
#   of the module's walk (guest clock: from the start of the driver to the
#   moment the line reached the terminal), the walker rows appear, s and c
#   change the sort column and the grouping, q exits 0 and restores the
#   terminal (detaching fentry programs under emulation took over 10 s on
#   trixie with two VMs on two cores, so the exit gets 90 s: how long a
#   detach takes is the teardown test's business);
# - plain snapshots: --once prints one table, -n 3 three, a pipe prints one
#   per refresh and the final one; with the module's double as workload the
#   final table counts the module's doubles and lists the anomaly;
# - TERM=dumb on a terminal: one line, exit 2.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: trixie sid
. "$(dirname "$0")/lib.sh"

build_module

# shellcheck disable=SC2016 # expanded in the guest
vm --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	MOD="wc_modtest --ko /wc_testmod.ko --out /out/live.jsonl double >/dev/null"
	TERM=xterm wc_pty --log /out/screen.txt --size 160x50 --timeout 60 \
		--expect "walks open" --timeout 10 \
		--run "$MOD" --expect "s double " \
		--expect "\nsmaps" \
		--send s --expect "sort bytes" \
		--send c --expect "\nCOMM " --expect "\nwc_modtest " \
		--timeout 90 --send q --expect "top-exit=" --expect "\n" --wait \
		-- sh -c "walkcov top; echo top-exit=\$?; stty -a" > /out/pty.out 2>&1
	echo "pty=$?" >> /out/status
	# kprobes where fentry is the default: the same output, attached and
	# detached in a fraction of the time under emulation
	walkcov top --kprobe --once > /out/once.txt 2> /out/once.err
	echo "once=$?" >> /out/status
	{ walkcov top --kprobe --by comm --sort name -d 0.5 \
		-- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/plain.jsonl double >/dev/null; sleep 1" \
		2> /out/plain.err; echo "plain=$?" >> /out/status; } | cat > /out/plain.txt
	TERM=dumb wc_pty --log /out/dumb.txt --timeout 30 --wait -- walkcov top > /out/dumb.out 2>&1
	echo "dumb=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT/pty.out" 2>/dev/null

# ---- the live screen
step() { grep -q "^found [0-9.]* $1\$" "$OUT/pty.out"; }
check "the screen came up (walks open in its header)" step "walks open"
run_line=$(grep '^run ' "$OUT/pty.out")
found=$(grep '^found .* s double $' "$OUT/pty.out" | awk '{print $2}')
t0=$(echo "$run_line" | awk '{print $2}')
t1=$(echo "$run_line" | awk '{print $3}')
jqcheck "the module's double scenario ran and met its own counts" "$OUT/live.jsonl" \
	'.ok == true and .doubles > 0'
if [ -n "$found" ] && [ -n "$t0" ]; then
	lat=$(awk -v a="$t0" -v f="$found" 'BEGIN { printf "%.3f", f - a }')
	note "double on screen $lat s after the module's driver started (it ran $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s)"
	check "the double shows within 2 s of the module's walk ($lat s)" \
		awk -v l="$lat" 'BEGIN { exit !(l <= 2.0) }'
else
	notok "the double shows in the anomaly list"
fi
check "walker rows appear (smaps)" step '\\nsmaps'
check "s: the sort column changes (walks -> bytes)" step "sort bytes"
check "c: one row per command, the module's driver among them" step '\\nwc_modtest '
check "q: walkcov top exits 0" grep -aq 'top-exit=0' "$OUT/screen.txt"
check "every step of the terminal script succeeded" grep -qx 'pty=0' "$OUT/status"
# the raw bytes: the last screen switch goes back to the main screen, the
# cursor is shown again, and stty (run after top) finds echo and canonical
# input back on
last=$(grep -ao $'\e\[?1049[hl]' "$OUT/screen.txt" | tail -1 | tr -d '\033')
check "q: back on the main screen ($last)" [ "$last" = "[?1049l" ]
check "q: the cursor is shown again" grep -aq $'\e\[?25h' "$OUT/screen.txt"
# the last stty word for each mode (stty ran after top): "-echo" if top left it off
mode() { tr -s ' ;\r' '\n' <"$OUT/screen.txt" | grep -ax -- "-\?$1" | tail -1; }
check "q: the terminal modes are restored ($(mode echo) $(mode icanon))" \
	[ "$(mode echo) $(mode icanon)" = "echo icanon" ]

# ---- plain snapshots
tables() { grep -c '^walkcov top  kernel' "$1"; }
once_ok() {
	! grep -q '(final)' "$OUT/once.txt" && grep -q '^OPS  *WALKS/s' "$OUT/once.txt" &&
		grep -q '^total ' "$OUT/once.txt"
}
check "--once: exit 0" grep -qx 'once=0' "$OUT/status"
check "--once: exactly one table ($(tables "$OUT/once.txt"))" [ "$(tables "$OUT/once.txt")" = 1 ]
check "--once: not the final snapshot, with the column header and a total" once_ok
# the pipe: a table per refresh (0.5 s) while the workload runs, the final one last
el=$(sed -n 's/^walkcov top .* elapsed \([0-9.]*\)s  by comm  sort name.*/\1/p' "$OUT/plain.txt" | tr '\n' ' ')
note "a pipe, -d 0.5, the double as workload: tables at $el"
check "a pipe: exit 0" grep -qx 'plain=0' "$OUT/status"
check "a pipe: a table per refresh, by comm, elapsed not going back ($el)" \
	awk -v e="$el" 'BEGIN { n = split(e, a, " "); for (i = 2; i <= n; i++) if (a[i] < a[i - 1]) exit 1; exit !(n >= 3) }'
final_ok() {
	[ "$(grep -c '(final)' "$OUT/plain.txt")" = 1 ] &&
		grep '^walkcov top' "$OUT/plain.txt" | tail -1 | grep -q '(final)$'
}
check "a pipe: the last table is the final one, and only it" final_ok
mod_d=$(jq -r .doubles "$OUT/plain.jsonl" 2>/dev/null)
# the final table's row of the module's driver (the walk runs in its context): DOUBLES, before GAPS
wc_d=$(awk '/^walkcov top .*\(final\)/ { f = 1 } f && $1 == "wc_modtest" { print $(NF - 1) }' "$OUT/plain.txt")
note "with the double as workload: module doubles=$mod_d, top's final DOUBLES for wc_modtest=$wc_d"
check "workload: the final table counts the module's doubles ($wc_d == $mod_d)" \
	[ -n "$mod_d" -a "$wc_d" = "$mod_d" ]
# the kernel sends one anomaly per pte piece; top lists the engine's
# anomalies: one double per 2 MiB block, as many as the module counts
blocks() {
	grep 's double  .*wc_modtest/' "$OUT/plain.txt" | grep -o '0x[0-9a-f]*-0x[0-9a-f]*' |
		while IFS=- read -r a b; do echo $((b - a)); done | sort | uniq -c | awk '{print $1 "x" $2}'
}
note "double lines under the tables (count x bytes): $(blocks | tr '\n' ' ')"
check "workload: the anomaly list has one double per 2 MiB block, $mod_d of them" \
	[ "$(blocks)" = "${mod_d}x2097152" ]

# ---- a terminal that cannot draw
check "TERM=dumb: exit 2" grep -q '^exit 2 ' "$OUT/dumb.out"
dumb_ok() { [ "$(grep -ac . "$OUT/dumb.txt")" = 1 ] && grep -q 'TERM=dumb' "$OUT/dumb.txt"; }
check "TERM=dumb: one line saying why" dumb_ok
