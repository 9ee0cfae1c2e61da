#!/usr/bin/env bash
# Smoke run of the libFuzzer targets (tests/fuzz, built by `make unit`): a
# fixed number of runs from the seed corpus with a fixed seed, under ASan
# and UBSan. `make fuzz` runs them for FUZZ_SECONDS each.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

for t in recfile:3000 engine:30000; do
	name=${t%%:*} runs=${t#*:} bin=build/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz_$name: $bin not built (make unit)"
		continue
	fi
	mkdir -p "$tmp/corpus-$name"
	"$bin" -runs="$runs" -seed=1 -max_len=65536 -rss_limit_mb=1024 -close_fd_mask=2 \
		-artifact_prefix="$tmp/" "$tmp/corpus-$name" "tests/fuzz/corpus-$name" \
		>"$tmp/$name.log" 2>&1
	rc=$?
	done_line=$(grep -o "^Done $runs runs" "$tmp/$name.log")
	if [ "$rc" -eq 0 ] && [ "$done_line" = "Done $runs runs" ]; then
		echo "ok - fuzz_$name: $runs runs from the seed corpus, no finding"
	else
		echo "not ok - fuzz_$name: exit $rc"
		grep -E 'ERROR|SUMMARY|runtime error' "$tmp/$name.log" | head -5 | sed 's/^/# /'
	fi
done
