#!/usr/bin/env bash
# Command-line behaviour on the host: bad input gets one clear line on stderr
# and exit status 2; a host that cannot trace says why in one line.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

expect_fail "unknown command" "^walkcov: unknown command 'frobnicate'" $W frobnicate
expect_fail "bad duration" "invalid duration" $W count -d abc
expect_fail "negative duration" "invalid duration" $W record -d -1
expect_fail "check: duration over a day" "^walkcov check: invalid duration '100000' \(seconds, > 0, at most 86400\)$" $W check -d 100000
expect_fail "trace: zero duration" "invalid duration '0'" $W trace -d 0
expect_fail "check: bad livelock threshold" "invalid livelock threshold '0'" $W check --livelock 0
expect_fail "top: bad sort column" "^walkcov top: invalid sort column 'lost'" $W top -s lost
expect_fail "top: bad grouping" "^walkcov top: invalid grouping 'pid' \(ops or comm\)$" $W top --by pid
expect_fail "top: bad delay" "^walkcov top: invalid delay '0.01'" $W top -d 0.01
expect_fail "top: bad number of snapshots" "^walkcov top: invalid number of snapshots '0'" $W top -n 0
# a live screen on a terminal that cannot draw it (wc_pty gives top a terminal)
if [ ! -x build/guest/wc_pty ]; then
	echo "skip - top on a dumb terminal (build/guest/wc_pty not built: make)"
elif TERM=dumb build/guest/wc_pty --log "$tmp/dumb" --wait -- $W top >"$tmp/dumb.out" 2>&1 &&
	grep -q '^exit 2 ' "$tmp/dumb.out" && [ "$(grep -c . "$tmp/dumb")" -eq 1 ] &&
	grep -q "^walkcov: the terminal (TERM=dumb) cannot show top's live table" "$tmp/dumb"; then
	echo "ok - top on a dumb terminal: one line, exit 2"
else
	echo "not ok - top on a dumb terminal: one line, exit 2"
	sed 's/^/# /' "$tmp/dumb.out" "$tmp/dumb" | head -5
fi
expect_fail "bad ring size" "invalid ring size" $W trace --ring-size 1000
expect_fail "bad pid" "invalid PID" $W record -p 12x
# Filters (docs/production.md): bad values are refused while parsing, a
# bad --ops once kallsyms is read, all before anything is loaded.
expect_fail "empty --comm" "^walkcov trace: --comm wants a command name, not an empty one$" $W trace --comm ''
expect_fail "--comm over 15 bytes" "^walkcov count: command name 'abcdefghijklmnop' is longer than 15 bytes" $W count --comm abcdefghijklmnop
expect_fail "--cgroup of a plain directory" "^walkcov record: '$tmp' is not a cgroup v2 directory$" $W record --cgroup "$tmp" -o "$tmp/f.data"
expect_fail "--cgroup of a missing path" "^walkcov check: cgroup '$tmp/none': No such file or directory$" $W check --cgroup "$tmp/none"
expect_fail "unknown --ops" "^walkcov: unknown --ops 'no_such_walk_ops': no such symbol in /proc/kallsyms" $W count --ops no_such_walk_ops
expect_fail "--ops of a function that is no callback" "^walkcov: --ops 'schedule' is neither an mm_walk_ops struct nor a walk callback" $W trace --ops schedule
expect_fail "unknown option" "unrecognized option|invalid option" $W probes --frob
expect_fail "report of a missing file" "^walkcov: $tmp/no-such-file: No such file or directory$" $W report -i "$tmp/no-such-file"
printf 'this is not a walkcov file, just text\n' >"$tmp/garbage"
expect_fail "report of a garbage file" "^walkcov: $tmp/garbage: not a walkcov file \(bad magic\)$" $W report -i "$tmp/garbage"
expect_fail "script of a garbage file" "^walkcov: $tmp/garbage: not a walkcov file \(bad magic\)$" $W script -i "$tmp/garbage"
: >"$tmp/empty"
expect_fail "report of an empty file" "^walkcov: $tmp/empty: empty file, not a walkcov file$" $W report -i "$tmp/empty"

# No usage: help on stdout and success.
if $W --help | grep -q '^  record'; then echo "ok - --help lists commands"; else echo "not ok - --help lists commands"; fi
$W >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && echo "ok - no command exits 2" || echo "not ok - no command exits 2 (got $rc)"

# On a host that refuses tracing (locked down, no kprobes, or not root) every
# tracing command says why in one line and exits 2.
if $W probes >/dev/null 2>&1; then
	echo "skip - refusal on a locked-down host (this host can trace)"
else
	for cmd in "probes" "count -d 1" "record -d 1 -o $tmp/x.data" "trace -d 1" "check -d 1" "top --once"; do
		# shellcheck disable=SC2086
		expect_fail "refused: walkcov $cmd" "^walkcov: cannot trace on this kernel: .*(fentry|kprobe)" $W $cmd
	done
	if [ -e "$tmp/x.data" ]; then echo "not ok - refused record leaves no file"; else echo "ok - refused record leaves no file"; fi
	# good filter values get as far as the refusal
	expect_fail "--comm accepted" "^walkcov: cannot trace on this kernel" $W count --comm cat
	expect_fail "--ops of a callback accepted" "^walkcov: cannot trace on this kernel" $W count --ops pagemap_pmd_range
	cg=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
	if [ -n "$cg" ]; then
		expect_fail "--cgroup of a cgroup v2 directory accepted" "^walkcov: cannot trace on this kernel" $W count --cgroup "$cg"
	else
		echo "skip - --cgroup accepted (no cgroup v2 mounted here)"
	fi
fi
