#!/usr/bin/env bash
# Issue 19: the Debian package. `make deb` builds it (dpkg-buildpackage in a
# copy of the tree); lintian finds no error or warning, and every other tag
# it shows is explained in debian/README.source; unpacked into a scratch root
# (dpkg -x) it holds exactly `make install DESTDIR=... PREFIX=/usr`'s files
# (man pages compressed) plus the service, its defaults file and the docs.
# The unit passes `systemd-analyze verify` in that root, runs the binary
# with the defaults file's options (which walkcov accepts and which listen on
# loopback), as a non-root user with the documented capabilities and
# sandbox, and `systemd-analyze security` gives it the score docs/exporter.md
# records.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/../host/lib.sh"

for t in dpkg-buildpackage dh lintian systemd-analyze scdoc; do
	command -v "$t" >/dev/null || { echo "not ok - $t is installed (make deps)"; exit 1; }
done
# a make of our own, not a part of the caller's (make check's) job server
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

t0=$SECONDS
if mk deb >"$tmp/deb.log" 2>&1; then
	echo "ok - make deb builds the package"
else
	echo "not ok - make deb builds the package"
	tail -15 "$tmp/deb.log" | sed 's/^/# /'
	exit 1
fi
echo "# make deb took $((SECONDS - t0)) s"
debs=(build/deb/walkcov_*_amd64.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
	echo "not ok - make deb leaves one build/deb/walkcov_*_amd64.deb (found: ${debs[*]})"
	exit 1
fi
deb=${debs[0]}
echo "ok - the package is $deb"

# lintian: no error or warning; the other tags shown (info, pedantic) are
# each named in debian/README.source with the reason they stay
lintian -I --pedantic "$deb" 2>"$tmp/lintian.err" >"$tmp/lintian"
grep -v 'running with root privileges is not recommended' "$tmp/lintian.err" >>"$tmp/lintian"
sed 's/^/# lintian: /' "$tmp/lintian"
if grep -qE '^[EW]: ' "$tmp/lintian"; then
	echo "not ok - lintian reports no error or warning"
else
	echo "ok - lintian reports no error or warning"
fi
unexplained=''
while read -r tag; do
	grep -q -- "$tag" debian/README.source || unexplained+=" $tag"
done < <(awk '/^[IPX]: / { print $3 }' "$tmp/lintian" | sort -u)
if [ -n "$unexplained" ]; then
	echo "not ok - every lintian tag shown is explained in debian/README.source (not:$unexplained)"
else
	echo "ok - every lintian tag shown is explained in debian/README.source"
fi

# the package's files against make install's
root=$tmp/root inst=$tmp/inst
dpkg -x "$deb" "$root" || { echo "not ok - dpkg -x unpacks the package"; exit 1; }
if ! mk install DESTDIR="$inst" PREFIX=/usr >"$tmp/inst.log" 2>&1; then
	echo "not ok - make install DESTDIR=... PREFIX=/usr"
	tail -5 "$tmp/inst.log" | sed 's/^/# /'
	exit 1
fi
missing='' differ=''
while read -r f; do
	case $f in
	./usr/share/man/*)
		if [ ! -f "$root/$f.gz" ]; then
			missing+=" $f.gz"
		elif ! zcat "$root/$f.gz" | cmp -s - "$inst/$f"; then
			differ+=" $f"
		fi
		;;
	*)
		if [ ! -f "$root/$f" ]; then
			missing+=" $f"
		elif [ "$(stat -c %a "$root/$f")" != "$(stat -c %a "$inst/$f")" ]; then
			differ+=" $f(mode)"
		fi
		;;
	esac
done < <(cd "$inst" && find . -type f | sort)
if [ -z "$missing$differ" ]; then
	echo "ok - the package holds every file make install installs, same modes, same man pages"
else
	echo "not ok - the package holds every file make install installs, same modes, same man pages"
	[ -z "$missing" ] || echo "# missing:$missing"
	[ -z "$differ" ] || echo "# differ:$differ"
fi
b=$root/usr/bin/walkcov
if [ -x "$b" ] && [ "$("$b" --version)" = "$($W --version)" ] &&
	cmp -s <("$b" exporter --help 2>&1) <($W exporter --help 2>&1); then
	echo "ok - the package's walkcov runs and has the tree's version and options"
else
	echo "not ok - the package's walkcov runs and has the tree's version and options"
fi

# what the package has beyond make install: the service, its defaults, the docs
expected=$tmp/expected
{
	(cd "$inst" && find . -type f | sed 's#^\(\./usr/share/man/.*\)#\1.gz#')
	echo ./etc/default/walkcov-exporter
	echo ./lib/systemd/system/walkcov-exporter.service
	echo ./usr/share/doc/walkcov/copyright
	echo ./usr/share/doc/walkcov/changelog.gz
	echo ./usr/share/doc/walkcov/README.md.gz
	for d in docs/*; do
		case $d in
		*.svg) echo "./usr/share/doc/walkcov/$d" ;;
		*) echo "./usr/share/doc/walkcov/$d.gz" ;;
		esac
	done
} | sort >"$expected"
(cd "$root" && find . ! -type d | sort) >"$tmp/got"
if cmp -s "$expected" "$tmp/got"; then
	echo "ok - the package's files are make install's, the service, its defaults file and the docs ($(wc -l <"$tmp/got") files)"
else
	echo "not ok - the package's files are make install's, the service, its defaults file and the docs"
	diff "$expected" "$tmp/got" | grep '^[<>]' | head -10 | sed 's/^</# missing:/; s/^>/# unexpected:/'
fi
if dpkg-deb -f "$deb" Depends | grep -q 'libbpf1' && dpkg-deb -e "$deb" "$tmp/ctl" &&
	grep -qx /etc/default/walkcov-exporter "$tmp/ctl/conffiles"; then
	echo "ok - Depends has the shared libraries (libbpf1...), /etc/default/walkcov-exporter is a conffile"
else
	echo "not ok - Depends has the shared libraries (libbpf1...), /etc/default/walkcov-exporter is a conffile"
fi

# ---- the unit ----
unit=$root/lib/systemd/system/walkcov-exporter.service
# setting KEY: the unit's last KEY= line's value
setting() { sed -n "s/^$1=//p" "$unit" | tail -1; }
is() {
	if [ "$2" = "$3" ]; then echo "ok - unit: $1"; else echo "not ok - unit: $1 (want '$2', got '$3')"; fi
}

# verify in the scratch root: it needs systemd's own units (the targets) and
# finds the man pages named in Documentation= through MANPATH. Any message
# (an unknown key is only a warning) is a failure.
cp -an /lib/systemd/system/. "$root/lib/systemd/system/"
if MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" walkcov-exporter.service \
	>"$tmp/verify" 2>&1 && [ ! -s "$tmp/verify" ]; then
	echo "ok - systemd-analyze verify passes, without a message"
else
	echo "not ok - systemd-analyze verify passes, without a message"
	sed 's/^/# /' "$tmp/verify" | head -5
fi

# shellcheck disable=SC2016 # the unit's text, $ and all
is "ExecStart runs the packaged binary with the defaults file's options" \
	'/usr/bin/walkcov exporter $WALKCOV_EXPORTER_OPTS' "$(setting ExecStart)"
is "EnvironmentFile is the package's defaults file" \
	'-/etc/default/walkcov-exporter' "$(setting EnvironmentFile)"
is "DynamicUser (not root)" yes "$(setting DynamicUser)"
is "NoNewPrivileges" yes "$(setting NoNewPrivileges)"
is "ProtectSystem" strict "$(setting ProtectSystem)"
is "ProtectHome" yes "$(setting ProtectHome)"
is "Restart" on-failure "$(setting Restart)"
is "ambient capabilities are the bounding set" "$(setting CapabilityBoundingSet)" "$(setting AmbientCapabilities)"
caps=$(setting AmbientCapabilities)
case " $caps " in
*" CAP_SYS_ADMIN "* | *" CAP_DAC_OVERRIDE "* | *" CAP_SYS_PTRACE "*)
	echo "not ok - unit: no CAP_SYS_ADMIN, CAP_DAC_OVERRIDE or CAP_SYS_PTRACE ($caps)" ;;
*)	echo "ok - unit: no CAP_SYS_ADMIN, CAP_DAC_OVERRIDE or CAP_SYS_PTRACE ($caps)" ;;
esac
# the capabilities docs/exporter.md lists first (its drop-in for walkers in
# modules comes after)
doc_caps=$(sed -n 's/^AmbientCapabilities=//p' docs/exporter.md | head -1)
is "its capabilities are docs/exporter.md's" "$doc_caps" "$caps"

# the defaults file: loopback, and options walkcov accepts. Run with them
# (and -d 1): on a host that cannot trace, the one line is about tracing,
# never about an option or the address.
unset WALKCOV_EXPORTER_OPTS
# shellcheck source=/dev/null
. "$root/etc/default/walkcov-exporter"
opts=${WALKCOV_EXPORTER_OPTS-}
case " $opts " in
*" --listen 127.0.0.1:"*) echo "ok - defaults: the exporter listens on loopback ($opts)" ;;
*) echo "not ok - defaults: the exporter listens on loopback ($opts)" ;;
esac
# shellcheck disable=SC2086 # the options are words, as systemd splits $VAR
"$b" exporter $opts -d 1 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
if [ "$rc" -eq 0 ] || { [ "$rc" -eq 2 ] && grep -q '^walkcov: cannot trace on this kernel' "$tmp/run.err"; }; then
	echo "ok - walkcov exporter accepts the defaults file's options (exit $rc)"
else
	echo "not ok - walkcov exporter accepts the defaults file's options (exit $rc)"
	sed 's/^/# /' "$tmp/run.err" | head -3
fi

# systemd-analyze security: the score docs/exporter.md records
systemd-analyze security --offline=yes --root="$root" walkcov-exporter.service >"$tmp/sec" 2>&1
score=$(sed -n 's/.*Overall exposure level for walkcov-exporter.service: \([0-9.]*\) .*/\1/p' "$tmp/sec")
grep -E '✗|Overall' "$tmp/sec" | sed 's/^/# /'
# shellcheck disable=SC2016 # backquotes of the Markdown
doc_score=$(sed -n 's/.*`systemd-analyze security` scores it \([0-9.]*\) .*/\1/p' docs/exporter.md)
if [ -n "$score" ] && [ "$score" = "$doc_score" ]; then
	echo "ok - systemd-analyze security: exposure $score, as docs/exporter.md says"
else
	echo "not ok - systemd-analyze security: exposure '$score', docs/exporter.md says '$doc_score'"
fi
