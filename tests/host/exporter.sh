#!/usr/bin/env bash
# walkcov exporter's bad input on the host (which cannot trace): a port in
# use, a bad address, an unwritable textfile directory, bad numbers: one
# line and exit 2, found before tracing starts (so the message is about
# the input, not the kernel), and no textfile left behind.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# hold a port on 127.0.0.1 (the kernel's pick) while walkcov tries it
python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$tmp/port" &
holder=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
expect_fail "exporter: a port in use" "^walkcov: cannot listen on 127.0.0.1:$port: Address already in use$" \
	$W exporter --listen "127.0.0.1:$port"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

expect_fail "exporter: an address not on this host" "^walkcov: cannot listen on 192.0.2.1:9851: Cannot assign requested address$" \
	$W exporter --listen 192.0.2.1:9851
expect_fail "exporter: a host name" "^walkcov: invalid listen address 'localhost:9851'" $W exporter --listen localhost:9851
expect_fail "exporter: no port" "^walkcov: invalid listen address '127.0.0.1'" $W exporter --listen 127.0.0.1
expect_fail "exporter: port out of range" "^walkcov: invalid port in '127.0.0.1:70000' \(1 to 65535\)$" \
	$W exporter --listen 127.0.0.1:70000
: >"$tmp/afile"
expect_fail "exporter: textfile directory is a file" "^walkcov: $tmp/afile/m.prom: Not a directory$" \
	$W exporter --textfile "$tmp/afile/m.prom"
expect_fail "exporter: textfile directory missing" "^walkcov: $tmp/nodir/m.prom: cannot create a file in its directory: No such file or directory$" \
	$W exporter --textfile "$tmp/nodir/m.prom"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	mkdir "$tmp/ro" && chmod 755 "$tmp/ro" && chmod 755 "$tmp"
	expect_fail "exporter: textfile directory not writable" "^walkcov: $tmp/ro/m.prom: cannot create a file in its directory: Permission denied$" \
		setpriv --reuid=65534 --regid=65534 --clear-groups $W exporter --textfile "$tmp/ro/m.prom"
fi
expect_fail "exporter: bad max series" "invalid max series '-1'" $W exporter --max-series -1
expect_fail "exporter: bad interval" "invalid interval '0'" $W exporter --interval 0
expect_fail "exporter: the static build has no HTTP server" "^walkcov: this static build has no HTTP server" \
	build/walkcov.static exporter

# input is good: the only complaint is the kernel's, and nothing is left
if ! $W probes >/dev/null 2>&1; then
	free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	expect_fail "exporter: good input on a host that cannot trace" "^walkcov: cannot trace on this kernel" \
		$W exporter --listen "127.0.0.1:$free" --textfile "$tmp/m.prom"
	if compgen -G "$tmp/m.prom*" >/dev/null; then
		echo "not ok - exporter that could not trace leaves no textfile"
	else
		echo "ok - exporter that could not trace leaves no textfile"
	fi
fi
