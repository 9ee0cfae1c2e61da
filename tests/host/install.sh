#!/usr/bin/env bash
# `make install` and `make uninstall` into a scratch DESTDIR: the binary and
# every man page land in $(PREFIX)/bin and $(PREFIX)/share/man/man1, man finds
# them there, each page renders without a warning (mandoc -T lint where
# installed, else groff -ww), and uninstall leaves no file behind.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v scdoc >/dev/null; then
	echo "skip - make install (scdoc is not installed; 'make deps' installs it)"
	exit 0
fi
# a make of our own, not a part of the caller's (make check's) job server
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

dest=$tmp/dest
if mk install DESTDIR="$dest" PREFIX=/usr >"$tmp/log" 2>&1; then
	echo "ok - make install DESTDIR=... PREFIX=/usr"
else
	echo "not ok - make install DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$tmp/log" | tail -5
	exit 1
fi

bin=$dest/usr/bin/walkcov
if [ -x "$bin" ] && [ "$("$bin" --version)" = "$($W --version)" ]; then
	echo "ok - the binary is installed in PREFIX/bin and runs"
else
	echo "not ok - the binary is installed in PREFIX/bin and runs"
fi

mandir=$dest/usr/share/man/man1
n=0
for src in man/*.1.scd; do
	page=$(basename "$src" .scd)
	f=$mandir/$page
	n=$((n + 1))
	if [ ! -f "$f" ] || [ "$(stat -c %a "$f")" != 644 ]; then
		echo "not ok - $page is installed mode 644 in PREFIX/share/man/man1"
		continue
	fi
	# mandoc's lint where installed, and groff's warnings (groff-base comes
	# with man-db). scdoc opens every section and list item with a paragraph
	# macro that mandoc calls redundant ("skipping paragraph macro"): its
	# style, not a fault.
	lint="" how=""
	if command -v mandoc >/dev/null; then
		lint+=$(mandoc -T lint -W warning "$f" 2>&1 | grep -v 'skipping paragraph macro')
		how+=" mandoc -T lint"
	fi
	if command -v groff >/dev/null; then
		lint+=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
		how+=" groff -ww"
	fi
	if [ -z "$how" ]; then
		echo "not ok - $page renders without warnings (neither mandoc nor groff is installed)"
	elif [ -z "$lint" ]; then
		echo "ok - $page renders without warnings (${how# })"
	else
		echo "not ok - $page renders without warnings (${how# })"
		head -5 <<<"$lint" | sed 's/^/# /'
	fi
	# man finds the installed page by name, and its NAME section is the page's
	name=${page%.1}
	if command -v man >/dev/null; then
		MANPATH=$dest/usr/share/man MANWIDTH=80 man "$name" >"$tmp/shown" 2>"$tmp/err"
		if grep -q "^ *$name - " "$tmp/shown"; then
			echo "ok - man $name shows the installed page"
		else
			echo "not ok - man $name shows the installed page"
			sed 's/^/# /' "$tmp/err" | head -3
		fi
	fi
done
extra=$(find "$mandir" -type f | wc -l)
[ "$extra" -eq "$n" ] && echo "ok - $n man pages installed, no other file" ||
	echo "not ok - $n man pages installed, no other file (found $extra)"

# the default PREFIX is /usr/local
# (into a file: grep -q would close the pipe on make, and pipefail sees that)
mk -n install DESTDIR="$tmp/none" >"$tmp/dry" 2>&1
if grep -q "$tmp/none/usr/local/share/man/man1" "$tmp/dry"; then
	echo "ok - PREFIX defaults to /usr/local"
else
	echo "not ok - PREFIX defaults to /usr/local"
fi

mk uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/log" 2>&1
left=$(find "$dest" -type f)
if [ -z "$left" ]; then
	echo "ok - make uninstall removes every installed file"
else
	echo "not ok - make uninstall removes every installed file"
	head -5 <<<"$left" | sed 's/^/# left: /'
fi
