#!/usr/bin/env bash
# The man pages (man/*.scd) against the code, so neither drifts alone: every
# command in user/main.c has a page, named in walkcov(1); each page documents
# exactly the options of 'walkcov CMD --help', with the same short forms and
# argument names (argp's own --help, --usage and --version are described once,
# in walkcov(1)). A page whose command is not in user/main.c (yet) is named
# and skipped.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

mapfile -t commands < <(sed -nE 's/^[[:space:]]*\{ "([a-z-]+)",[[:space:]]*cmd_.*/\1/p' user/main.c)
if [ "${#commands[@]}" -ge 8 ]; then
	echo "ok - user/main.c lists ${#commands[@]} commands"
else
	echo "not ok - user/main.c lists ${#commands[@]} commands (the pattern no longer matches its table?)"
fi

# help_options CMD: "-x, --long=ARG" or "--long=ARG", one per line, from
# argp's option lines ("  -x, --long" or "      --long"; descriptions start
# further right, so a "--word" in a description is never taken)
help_options() {
	"$W" "$1" --help | sed -nE 's/^  (-[^ ], |    )(--[^ ]+).*/\1\2/p' | sed -E 's/^ +//' |
		grep -vE -- '--(help|usage|version)$' | sort
}

# page_options PAGE: the option entries of a page, without their markup: a
# line such as "*-d*, *--duration*=_SECS_" or "*--fentry*" followed by its
# tab-indented description (scdoc's indented block)
page_options() {
	awk 'prev ~ /^\*-/ && /^\t/ { print prev } { prev = $0 }' "$1" | tr -d "*_\\\\" | sort
}

# comment PREFIX TEXT: each line of TEXT as a "#" line of the test's output
comment() {
	local line
	while IFS= read -r line; do echo "#   $1$line"; done <<<"$2"
}

is_command() {
	local c
	for c in "${commands[@]}"; do [ "$c" = "$1" ] && return 0; done
	return 1
}

for c in "${commands[@]}"; do
	page=man/walkcov-$c.1.scd
	if [ ! -f "$page" ]; then
		echo "not ok - walkcov $c has a man page ($page is missing)"
		continue
	fi
	echo "ok - walkcov $c has a man page"
	if grep -qF "*walkcov-$c*(1)" man/walkcov.1.scd; then
		echo "ok - walkcov(1) names walkcov-$c(1)"
	else
		echo "not ok - walkcov(1) names walkcov-$c(1)"
	fi
	help_options "$c" >"$tmp/help"
	page_options "$page" >"$tmp/page"
	if [ ! -s "$tmp/help" ]; then
		echo "not ok - walkcov $c --help lists options (none parsed)"
		continue
	fi
	missing=$(comm -23 "$tmp/help" "$tmp/page")
	stale=$(comm -13 "$tmp/help" "$tmp/page")
	twice=$(uniq -d "$tmp/page")
	if [ -z "$missing$stale$twice" ]; then
		echo "ok - walkcov-$c(1) documents exactly the $(wc -l <"$tmp/help") options of 'walkcov $c --help'"
	else
		echo "not ok - walkcov-$c(1) documents exactly the options of 'walkcov $c --help'"
		[ -z "$missing" ] || comment "missing from the page: " "$missing"
		[ -z "$stale" ] || comment "in the page, not in --help: " "$stale"
		[ -z "$twice" ] || comment "twice in the page: " "$twice"
		echo "#   (an entry in $page: a line '*-x*, *--long*=_ARG_' or '*--long*', then its description indented by a tab)"
	fi
done

# pages of commands the binary does not have (yet): said, not checked
for page in man/walkcov-*.1.scd; do
	c=${page#man/walkcov-}
	c=${c%.1.scd}
	is_command "$c" || echo "skip - walkcov-$c(1): no '$c' command in user/main.c yet, its options are not checked"
done

# every page is titled after its file, and every walkcov page a page names exists
for page in man/*.scd; do
	name=${page#man/}
	name=${name%.1.scd}
	if [ "$(head -1 "$page")" = "$name(1)" ]; then
		echo "ok - $page is titled $name(1)"
	else
		echo "not ok - $page is titled $name(1) (first line: '$(head -1 "$page")')"
	fi
	bad=$(grep -oE '\*walkcov [a-z]+\*\(1\)' "$page" | tr -d '*' | sort -u | tr '\n' ' ')
	[ -z "$bad" ] || echo "not ok - $page names pages as ${bad% }: a page is walkcov-COMMAND(1)"
	for ref in $(grep -oE '\*walkcov(-[a-z]+)?\*\(1\)' "$page" | tr -d '*' | sed 's/(1)$//' | sort -u); do
		[ -f "man/$ref.1.scd" ] || echo "not ok - $page refers to $ref(1), which has no page"
	done
done
