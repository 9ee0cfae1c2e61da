#!/usr/bin/env bash
# Issue 11: walkcov exporter against the real thing. The guest runs the
# exporter (summary mode) and the test module's double; QEMU forwards its
# port to 127.0.0.1 on the host, where Debian's Prometheus scrapes it every
# second (its own config, storage and port, stopped at the end). The test
# asks Prometheus's HTTP API for walkcov_walks_total and for the module's
# doubles in walkcov_doubles_total, checks the exposition with promtool,
# 404/405 over the real network, and the --textfile the exporter kept
# writing. One boot; everything on loopback.
# Issue 19: the exporter is started the way walkcov-exporter.service starts
# it: the unit's ExecStart with the defaults file's options (then the test's
# own: an address QEMU can forward to, a faster interval, a textfile), as a
# non-root user (a uid of systemd's DynamicUser range) with the unit's
# capabilities, and the one its drop-in for walkers in modules adds (the
# double is a module's), as ambient, inheritable and bounding set, and
# no_new_privs, through util-linux's setpriv (busybox's setpriv cannot
# change the uid); stopped with SIGTERM as systemd stops it. The sandbox
# (ProtectSystem=, the system call filter...) needs systemd: not in the guest.
# A test of the frontend: make check runs it on these kernels only (its
# 30-minute budget); make check-matrix runs it on the others.
# check-suites: bookworm sid
. "$(dirname "$0")/lib.sh"

for t in prometheus promtool curl jq python3 setpriv capsh; do
	command -v "$t" >/dev/null || { notok "$t is installed (make deps)"; exit 1; }
done
[ -x build/walkcov ] || { notok "build/walkcov is built (make)"; exit 1; }

# the unit's command line and capabilities
unit=debian/walkcov.walkcov-exporter.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
unit_caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
default_opts=$(unset WALKCOV_EXPORTER_OPTS; . debian/walkcov-exporter.default; echo "${WALKCOV_EXPORTER_OPTS-}")
if [ -z "$exec_start" ] || [ -z "$unit_caps" ] || [ -z "$default_opts" ]; then
	notok "the unit has ExecStart= and AmbientCapabilities=, the defaults file its options"
	exit 1
fi
# The test's double is a module's walker (tests/module). Tracing a module's
# callbacks takes CAP_SYS_ADMIN on top of the unit's set (fentry needs the
# module's BTF, which the kernel hands to CAP_SYS_ADMIN only): the drop-in
# docs/exporter.md gives for walkers in modules. The test runs the unit
# with that drop-in; the in-tree walkers need only the unit's set
# (docs/exporter.md, measured per kernel).
dropin_caps=CAP_SYS_ADMIN
unit_caps+=" $dropin_caps"
# setpriv's form: -all,+bpf,+perfmon,...
setpriv_caps=-all
for c in $unit_caps; do
	setpriv_caps+=,+$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')
done
exporter_cmd=${exec_start//\$WALKCOV_EXPORTER_OPTS/$default_opts}
note "the unit's command: $exporter_cmd; capabilities (with the drop-in's) $setpriv_caps"
setpriv_bin=$(command -v setpriv)
capng=$(ldd "$setpriv_bin" | awk '/libcap-ng/ { print $3 }')

build_module

# three free ports on the host's loopback (the kernel's picks)
read -r HP HD PP < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

vmpid='' prompid=''
cleanup() {
	[ -z "$prompid" ] || kill "$prompid" 2>/dev/null
	[ -z "$vmpid" ] || kill "$vmpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT

# The guest: module loaded first (walkcov finds its callbacks at start);
# the exporter is ready once its exposition has walks (smaps reads make
# some); then the module's double; then it waits for the host's "done"
# (a connection to port 9999) and stops the exporter with SIGTERM.
# build/walkcov, not walkcov.static: only the dynamic build has HTTP.
WALKCOV_BIN=build/walkcov vm --hostfwd "$HP:9851" --hostfwd "$HD:9999" --add "$ko:/wc_testmod.ko" \
	--add "$setpriv_bin:/usr/local/sbin/setpriv" --add "$(readlink -f "$capng"):$capng" \
	--env "EXPORTER_CMD=$exporter_cmd" --env "CAPS=$setpriv_caps" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	# as the unit: a DynamicUser uid, the unit s capabilities, no_new_privs,
	# systemd s default memlock limit (8 MiB); /out is the writable place
	U=61234
	chown $U:$U /out
	ulimit -l 8192
	/usr/local/sbin/setpriv --reuid=$U --regid=$U --clear-groups --inh-caps=$CAPS \
		--ambient-caps=$CAPS --bounding-set=$CAPS --no-new-privs -- \
		$EXPORTER_CMD --listen 0.0.0.0:9851 --interval 0.5 --textfile /out/walkcov.prom \
		2>/out/exporter.err &
	exp=$!
	i=0
	while [ $i -lt 240 ] && kill -0 $exp 2>/dev/null; do
		cat /proc/self/smaps >/dev/null
		wget -q -O /tmp/m http://127.0.0.1:9851/metrics 2>/dev/null &&
			grep -q "^walkcov_walks_total{" /tmp/m && break
		sleep 0.5
		i=$((i + 1))
	done
	echo "exporter-ready after $i polls"
	echo "exporter-status $(awk "/^(Uid|CapEff|CapBnd|CapAmb|NoNewPrivs):/ { printf \"%s%s \", \$1, \$2 }" /proc/$exp/status) exe=$(readlink /proc/$exp/exe)"
	wc_modtest --ko /wc_testmod.ko --out /out/double.jsonl double >/dev/null
	echo "module: $(cat /out/double.jsonl)"
	kill -0 $exp 2>/dev/null && nc -l -p 9999 </dev/null >/dev/null
	kill -TERM $exp
	wait $exp
	echo "exporter-exit $?"
	ls /out' >"$OUT/console" 2>&1 &
vmpid=$!

cat >"$OUT/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: walkcov
    static_configs:
      - targets: ["127.0.0.1:$HP"]
EOF
promtool check config "$OUT/prometheus.yml" >/dev/null 2>&1 || notok "promtool accepts the generated config"
prometheus --config.file="$OUT/prometheus.yml" --storage.tsdb.path="$OUT/tsdb" \
	--web.listen-address="127.0.0.1:$PP" >"$OUT/prometheus.log" 2>&1 &
prompid=$!

# query EXPR: the first sample's value from Prometheus's HTTP API, or ""
query() {
	curl -s -m 5 --data-urlencode "query=$1" "http://127.0.0.1:$PP/api/v1/query" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

# a deadline against a hang only: every check below is about values
deadline=$((SECONDS + 400))
while ! grep -q '^module: {' "$OUT/console" && kill -0 "$vmpid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
	sleep 1
done
sed -n 's/^\(exporter-ready.*\)/# \1/p' "$OUT/console"
# the exporter ran as the unit runs it: not root, the unit's capabilities
# (effective, ambient, bounding), no_new_privs, the unit's binary
status=$(sed -n 's/^exporter-status //p' "$OUT/console")
note "exporter: $status"
field() { sed -n "s/.*$1:\([^ ]*\).*/\1/p" <<<"$status"; }
capnames() { capsh --decode="$1" 2>/dev/null | sed 's/.*=//' | tr ',' '\n' | sort | tr '\n' ' '; }
want_caps=$(for c in $unit_caps; do echo "$c" | tr '[:upper:]' '[:lower:]'; done | sort | tr '\n' ' ')
uid=$(field Uid)
check "the exporter runs as a user, not root (uid $uid)" [ -n "$uid" ] && [ "$uid" != 0 ]
for set in CapEff CapAmb CapBnd; do
	got=$(capnames "$(field $set)")
	check "the exporter's $set is the unit's capabilities and the drop-in's ($got)" [ "$got" = "$want_caps" ]
done
check "the exporter runs with no_new_privs" [ "$(field NoNewPrivs)" = 1 ]
check "the exporter is ExecStart's binary ($(sed -n 's/.*exe=//p' <<<"$status"))" \
	[ "$(sed -n 's/.*exe=//p' <<<"$status")" = "${exec_start%% *}" ]
mod_d=$(sed -n 's/^module: //p' "$OUT/console" | jq -r .doubles 2>/dev/null)
positive() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
check "the module ran in the guest and counted doubles ($mod_d)" positive "$mod_d"

want='sum(walkcov_doubles_total{ops=~".*wct.*"})'
got=''
scraped_by=$((SECONDS + 60))
while kill -0 "$vmpid" 2>/dev/null && [ $SECONDS -lt $scraped_by ] && positive "$mod_d"; do
	got=$(query "$want")
	[ "$got" = "$mod_d" ] && break
	sleep 1
done
check "Prometheus: $want is the module's doubles ($got == $mod_d)" [ "$got" = "$mod_d" ]
walks=$(query 'sum(walkcov_walks_total)')
note "Prometheus: sum(walkcov_walks_total) = $walks"
check "Prometheus: walkcov_walks_total > 0 ($walks)" awk -v w="$walks" 'BEGIN { exit !(w > 0) }'
check "Prometheus: the target is up" [ "$(query 'up{job="walkcov"}')" = 1 ]
check "Prometheus: build info scraped" [ "$(query 'walkcov_build_info')" = 1 ]
# counters never went down between scrapes (resets() counts each drop)
scrapes=$(query 'count_over_time(walkcov_build_info[10m])')
note "Prometheus: $scrapes scrapes"
for m in walks handled_bytes pte_visits doubles splits lost_events; do
	r=$(query "sum(resets(walkcov_${m}_total[10m]))")
	check "Prometheus: walkcov_${m}_total never went down over $scrapes scrapes (resets $r)" [ "$r" = 0 ]
done

# the exposition itself, through QEMU's forward
curl -s -m 5 "http://127.0.0.1:$HP/metrics" >"$OUT/scraped.prom"
if grep -q '^walkcov_build_info' "$OUT/scraped.prom" && promtool check metrics <"$OUT/scraped.prom" >"$OUT/promtool.out" 2>&1; then
	ok "promtool check metrics passes on the scraped exposition"
else
	notok "promtool check metrics passes on the scraped exposition"
	sed 's/^/# /' "$OUT/promtool.out" | head -10
fi
note "scraped $(grep -c '^walkcov_' "$OUT/scraped.prom") samples, $(grep -c '^walkcov_walks_total{' "$OUT/scraped.prom") walks series"
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
check "GET /nope is 404" [ "$(code "http://127.0.0.1:$HP/nope")" = 404 ]
check "POST /metrics is 405" [ "$(code -X POST "http://127.0.0.1:$HP/metrics")" = 405 ]
check "GET / links to /metrics" grep -q 'href="/metrics"' <(curl -s -m 5 "http://127.0.0.1:$HP/")

# done: tell the guest (until it has heard), then Prometheus stops
while kill -0 "$vmpid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
	(exec 3<>"/dev/tcp/127.0.0.1/$HD") 2>/dev/null
	sleep 2
done
wait "$vmpid"
vmrc=$?
vmpid=''
kill "$prompid" 2>/dev/null
wait "$prompid" 2>/dev/null
prompid=''
check "the guest finished (vmtest exit $vmrc)" [ "$vmrc" = 0 ]
check "the exporter exits 0 on SIGTERM (systemctl stop)" grep -qx 'exporter-exit 0' "$OUT/console"
if [ -s "$OUT/exporter.err" ]; then sed 's/^/# exporter: /' "$OUT/exporter.err" | head -5; fi

# --textfile: the last interval's metrics, renamed into place
T=$OUT/walkcov.prom
check "--textfile written" [ -s "$T" ]
check "--textfile: no PATH.tmp left" [ ! -e "$T.tmp" ]
tf_d=$(awk '/^walkcov_doubles_total\{ops="[^"]*wct/ { s += $NF } END { print s + 0 }' "$T" 2>/dev/null)
check "--textfile: the module's doubles ($tf_d == $mod_d)" [ "$tf_d" = "$mod_d" ]
if [ -s "$T" ] && promtool check metrics <"$T" >"$OUT/promtool.out" 2>&1; then
	ok "promtool check metrics passes on the textfile"
else
	notok "promtool check metrics passes on the textfile"
	sed 's/^/# /' "$OUT/promtool.out" | head -10
fi
