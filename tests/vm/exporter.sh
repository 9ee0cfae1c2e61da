#!/usr/bin/env bash
# Issue 11: walkcov exporter against the real thing. The guest runs the
# exporter (summary mode) and the test module's double; QEMU forwards its
# port to 127.0.0.1 on the host, where Debian's Prometheus scrapes it every
# second (its own config, storage and port, stopped at the end). The test
# asks Prometheus's HTTP API for walkcov_walks_total and for the module's
# doubles in walkcov_doubles_total, checks the exposition with promtool,
# 404/405 over the real network, and the --textfile the exporter kept
# writing. One boot; everything on loopback.
. "$(dirname "$0")/lib.sh"

for t in prometheus promtool curl jq python3; do
	command -v "$t" >/dev/null || { notok "$t is installed (make deps)"; exit 1; }
done
[ -x build/walkcov ] || { notok "build/walkcov is built (make)"; exit 1; }

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
# (a connection to port 9999) and stops the exporter with Ctrl-C.
# build/walkcov, not walkcov.static: only the dynamic build has HTTP.
WALKCOV_BIN=build/walkcov vm --hostfwd "$HP:9851" --hostfwd "$HD:9999" --add "$ko:/wc_testmod.ko" -- sh -c '
	sym() { awk -v s=$1 "\$3 == s && NF == 3 {print \$1; exit}" /proc/kallsyms; }
	insmod /wc_testmod.ko walk_page_range_addr=0x$(sym walk_page_range) \
		walk_chunk_addr=0x$(sym __walk_page_range) || echo "insmod failed"
	walkcov exporter --listen 0.0.0.0:9851 --interval 0.5 --textfile /out/walkcov.prom \
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
	wc_modtest --ko /wc_testmod.ko --out /out/double.jsonl double >/dev/null
	echo "module: $(cat /out/double.jsonl)"
	kill -0 $exp 2>/dev/null && nc -l -p 9999 </dev/null >/dev/null
	kill -INT $exp
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
check "the exporter exits 0 on Ctrl-C" grep -qx 'exporter-exit 0' "$OUT/console"
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
