#!/usr/bin/env bash
# Issue 10: walkcov top. One boot:
# - the live screen on a pseudo-terminal (tests/guest/wc_pty.c; the guest has
#   no tmux): the test module's double shows in the anomaly list within 2 s
#   of the module's walk (guest clock: from the start of the driver to the
#   moment the line reached the terminal), the walker rows appear, s and c
#   change the sort column and the grouping, q exits 0 and restores the
#   terminal;
# - plain snapshots: --once prints one table, -n 3 three, a pipe prints one
#   per refresh and the final one; with the module's double as workload the
#   final table counts the module's doubles and lists the anomaly;
# - TERM=dumb on a terminal: one line, exit 2.
. "$(dirname "$0")/lib.sh"

ko=$(scripts/build-module --flavour "$FLAVOUR" "$DEBIAN_SUITE" 2>"$OUT/build.err") || {
	sed 's/^/# /' "$OUT/build.err"
	notok "module builds for $SUITE"
	exit 1
}

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
		--send q --expect "top-exit=" --expect "\n" --wait \
		-- sh -c "walkcov top; echo top-exit=\$?; stty -a" > /out/pty.out 2>&1
	echo "pty=$?" >> /out/status
	walkcov top --once > /out/once.txt 2> /out/once.err
	echo "once=$?" >> /out/status
	walkcov top -n 3 -d 0.5 --by comm --sort name > /out/n3.txt 2> /out/n3.err
	echo "n3=$?" >> /out/status
	walkcov top --duration 2.5 2> /out/pipe.err | cat > /out/pipe.txt
	echo "pipe=$?" >> /out/status
	walkcov top --by comm -n 1000 -- sh -c "wc_modtest --ko /wc_testmod.ko --out /out/plain.jsonl double >/dev/null" \
		> /out/plain.txt 2> /out/plain.err
	echo "plain=$?" >> /out/status
	TERM=dumb wc_pty --log /out/dumb.txt --timeout 30 --wait -- walkcov top > /out/dumb.out 2>&1
	echo "dumb=$?" >> /out/status' >"$OUT/console" 2>&1
sed 's/^/# /' "$OUT/status" "$OUT/pty.out" 2>/dev/null

# ---- the live screen
check "the screen came up (walks open in its header)" grep -q '^found .* walks open$' "$OUT/pty.out"
run_line=$(grep '^run ' "$OUT/pty.out")
found=$(grep '^found .* s double $' "$OUT/pty.out" | awk '{print $2}')
t0=$(echo "$run_line" | awk '{print $2}')
t1=$(echo "$run_line" | awk '{print $3}')
check "the module's double scenario ran and met its own counts" \
	jq -e '.ok == true and .doubles > 0' "$OUT/live.jsonl"
if [ -n "$found" ] && [ -n "$t0" ]; then
	lat=$(awk -v a="$t0" -v b="$t1" -v f="$found" 'BEGIN { printf "%.3f %.3f", f - a, f - b }')
	note "double on screen ${lat% *} s after the driver started, ${lat#* } s after it exited"
	check "the double shows within 2 s of the module's walk (${lat% *} s)" \
		awk -v l="${lat% *}" 'BEGIN { exit !(l <= 2.0) }'
else
	notok "the double shows in the anomaly list"
fi
check "walker rows appear (smaps)" grep -q '^found .* \\nsmaps$' "$OUT/pty.out"
check "s: the sort column changes (walks -> bytes)" grep -q '^found .* sort bytes$' "$OUT/pty.out"
check "c: one row per command, the module's driver among them" grep -q '^found .* \\nwc_modtest $' "$OUT/pty.out"
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
check "--once: exit 0" grep -qx 'once=0' "$OUT/status"
check "--once: exactly one table ($(tables "$OUT/once.txt"))" [ "$(tables "$OUT/once.txt")" = 1 ]
check "--once: not the final snapshot, with the column header and a total" \
	sh -c "! grep -q '(final)' '$1' && grep -q '^OPS  *WALKS/s' '$1' && grep -q '^total ' '$1'" _ "$OUT/once.txt"
check "-n 3: exit 0, three tables by comm" \
	sh -c "grep -qx 'n3=0' '$1' && [ \$(grep -c '^walkcov top .* by comm  sort name' '$2') = 3 ] && [ \$(grep -c '^COMM ' '$2') = 3 ]" \
	_ "$OUT/status" "$OUT/n3.txt"
el=$(sed -n 's/^walkcov top .* elapsed \([0-9.]*\)s.*/\1/p' "$OUT/n3.txt" | tr '\n' ' ')
note "-n 3 -d 0.5 elapsed: $el"
check "-n 3: elapsed grows ($el)" awk -v e="$el" 'BEGIN { n = split(e, a, " "); exit !(n == 3 && a[1] < a[2] && a[2] < a[3]) }'
np=$(tables "$OUT/pipe.txt")
check "a pipe: exit 0, a table per second and the final one ($np tables)" \
	sh -c "grep -qx 'pipe=0' '$1' && [ '$np' -ge 2 ] && [ \$(grep -c '(final)' '$2') = 1 ] && grep '^walkcov top' '$2' | tail -1 | grep -q '(final)'" \
	_ "$OUT/status" "$OUT/pipe.txt"
mod_d=$(jq -r .doubles "$OUT/plain.jsonl" 2>/dev/null)
# the final table's row of the module's driver (the walk runs in its context)
wc_d=$(awk '/^walkcov top .*\(final\)/ { f = 1 } f && $1 == "wc_modtest" { print $NF }' "$OUT/plain.txt")
note "with the double as workload: module doubles=$mod_d, top's final DOUBLES for wc_modtest=$wc_d"
check "workload: exit 0, the final table counts the module's doubles ($wc_d == $mod_d)" \
	sh -c "grep -qx 'plain=0' '$1' && [ -n '$mod_d' ] && [ '$wc_d' = '$mod_d' ]" _ "$OUT/status"
check "workload: the anomaly is listed under the table" grep -q 's double  .*wc_modtest/' "$OUT/plain.txt"

# ---- a terminal that cannot draw
check "TERM=dumb: exit 2" grep -q '^exit 2 ' "$OUT/dumb.out"
check "TERM=dumb: one line saying why" \
	sh -c "[ \$(grep -ac . '$1') = 1 ] && grep -q 'TERM=dumb' '$1'" _ "$OUT/dumb.txt"
