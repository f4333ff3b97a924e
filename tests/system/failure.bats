#!/usr/bin/env bats
# failure.bats: dnsfence fails closed. SOCKS down -> SERVFAIL within the timeout and recovery
# after; a second instance on a held queue refuses to start; bad config -> file:line and exit 1;
# SIGTERM -> exit 0 and then the kernel drops queries (no listener, no --queue-bypass).
# Own topology. The tests run in order; the last one stops the daemon.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats: the tests share one daemon and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true

# The configured per-query timeout is 3 s (DF_TIMEOUT); a SERVFAIL must arrive within it plus this.
SLACK_MS=1500

setup_file() {
	DF_TIMEOUT=3s
	export DF_TIMEOUT
	df_setup_file_common
}

teardown_file() {
	topo_down
}

setup() {
	df_alive microsocks || microsocks_start
	if ! df_alive dnsfence; then
		dnsfence_start
	fi
}

teardown() {
	df_teardown_common
}

@test "a new user's first query waits for its slow circuit instead of failing at the timeout" {
	local t0 t1
	# A SOCKS server whose CONNECT takes 5 s (a slow Tor circuit build), longer than the 3 s
	# timeout; the uid 65534 has no tunnel yet, so its first query waits for one.
	slowsocks_start 1081 5 || fail "slowsocks did not start"
	dnsfence_stop
	dnsfence_start --socks "$DF_NET4:1081"
	t0=$(now_ms)
	run timeout 30 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig "@$DF_NET4" +tries=1 +time=15 a.test A
	t1=$(now_ms)
	echo "answered after $((t1 - t0)) ms"
	cat "$DF_TMP/slowsocks.log"
	dnsfence_stop
	df_stop slowsocks
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	# It really waited for the set-up (5 s), beyond the 3 s timeout.
	((t1 - t0 >= 4500)) || fail "answered after $((t1 - t0)) ms: the CONNECT did not take 5 s?"
}

@test "SOCKS server down: SERVFAIL within the timeout, nothing leaks; answers again once it is back" {
	local t0 t1 i ok=
	# Warm up: the path works.
	qdig "$(uniq_name)" A
	assert_dig NXDOMAIN

	microsocks_stop
	capture_start
	t0=$(now_ms)
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=6 "$(uniq_name)" A
	t1=$(now_ms)
	echo "SERVFAIL after $((t1 - t0)) ms"
	assert_dig SERVFAIL
	((t1 - t0 <= 3000 + SLACK_MS)) || fail "SERVFAIL took $((t1 - t0)) ms (timeout 3 s + slack)"
	# The same over IPv6, and a cached name must not be needed for the SERVFAIL either.
	SERVER=$DF_NET6 qdig "$(uniq_name)" MX
	SERVER=$DF_NET6 assert_dig SERVFAIL
	capture_stop
	assert_capture_clean

	microsocks_start
	t0=$(now_ms)
	for ((i = 0; i < 20; i++)); do
		run timeout 10 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=4 "$(uniq_name)" A
		if [[ $output == *"status: NXDOMAIN,"* ]]; then
			ok=1
			break
		fi
		sleep 1
	done
	t1=$(now_ms)
	echo "answered again $((t1 - t0)) ms after microsocks came back"
	[[ -n $ok ]] || fail "no answer within 20 s after the SOCKS server came back"
	qdig txt.test TXT
	assert_dig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
}

@test "a second dnsfence on the same queue exits non-zero and says why" {
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF"
	echo "second instance: status $status"
	((status != 124)) || fail "the second instance was still running after 10 s (bound nothing?)"
	((status != 0)) || fail "the second instance exited 0"
	[[ $output =~ [Qq][Uu][Ee][Uu][Ee] ]] || fail "its message does not mention the queue"
	# The first one is unharmed.
	df_alive dnsfence || fail "the first dnsfence died"
	qdig a.test A
	assert_dig NOERROR
}

@test "config check: a bad line gives FILE:LINE: and exit 1; a good config exits 0" {
	local bad=$DF_TMP/bad.conf good=$DF_TMP/good.conf
	dnsfence_write_conf "$good"
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -n -c "$good"
	((status == 0)) || fail "-n on the test's own config exited $status"

	# line 3 is an unknown key
	printf 'queue 0\nmark 0x646e73\nno-such-key 1\nsocks 198.51.100.2:1080\nresolver 127.0.0.1\n' >"$bad"
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -n -c "$bad"
	((status == 1)) || fail "unknown key: exit $status, expected 1"
	[[ $output == *"$bad:3:"* ]] || fail "unknown key: no '$bad:3:' in the message"

	# line 4 has a bad value
	printf 'queue 0\nsocks 198.51.100.2:1080\nresolver 127.0.0.1\ntimeout banana\n' >"$bad"
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -n -c "$bad"
	((status == 1)) || fail "bad timeout: exit $status, expected 1"
	[[ $output == *"$bad:4:"* ]] || fail "bad timeout: no '$bad:4:' in the message"

	# line 2 has a bad address
	printf 'queue 0\nsocks 198.51.100.2:99999\nresolver 127.0.0.1\n' >"$bad"
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -n -c "$bad"
	((status == 1)) || fail "bad socks port: exit $status, expected 1"
	[[ $output == *"$bad:2:"* ]] || fail "bad socks port: no '$bad:2:' in the message"

	# a bad option on the command line is refused too
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -n -c "$good" --timeout banana
	((status != 0)) || fail "--timeout banana was accepted"
}

@test "SIGTERM: exit 0, then queries are dropped by the kernel (fail closed), nothing leaks" {
	# Restart the daemon from this test so that its exit status can be collected with wait.
	dnsfence_stop
	dnsfence_start
	qdig a.test A
	assert_dig NOERROR

	dnsfence_stop TERM
	echo "dnsfence exit status: ${DF_STOP_STATUS:-unknown}"
	[[ ${DF_STOP_STATUS:-} == 0 ]] || fail "dnsfence exited ${DF_STOP_STATUS:-?} on SIGTERM"
	grep -q 'dnsfence: ready' "$DF_TMP/dnsfence.log" || fail "log lost"

	capture_start
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=2 a.test A
	echo "$output"
	((status == 9)) || fail "dig exited $status, expected 9 (no reply)"
	[[ $output == *"timed out"* ]] || fail "dig did not time out"
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET6" +tries=1 +time=2 a.test AAAA
	((status == 9)) || fail "dig over IPv6 exited $status, expected 9 (no reply)"
	run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" \
	    a.test A --timeout 2
	((status == 2)) || fail "python client: status $status, expected 2 (timeout)"
	capture_stop
	assert_capture_clean
	# Connections closing after the exit may still show FIN/ACK; a SYN would be a new one.
	(($(_capture_count "tcp dst port $DF_SOCKS_PORT and tcp[tcpflags] & tcp-syn != 0") == 0)) ||
		fail "a new SOCKS connection was opened after the daemon exited"
}
