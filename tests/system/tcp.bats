#!/usr/bin/env bats
# tcp.bats: DNS over TCP. The project's own ruleset (src/dnsfence-firewall.sh load --backend
# iptables) redirects TCP/53 in ws to dnsfence's listener (127.0.0.1:54, [::1]:54), which
# sends each query through the same SOCKS pipeline as the UDP ones and answers on the connection.
#   - redirected v4 and v6, and the listener asked directly; nothing but SOCKS on the wire;
#   - RFC 7766 pipelining: ten queries on one connection, answers matched by ID;
#   - TC=1 over UDP, then the client's TCP retry gets the whole answer;
#   - bounds: tcp-idle-timeout closes a stalled client, max-tcp-clients refuses the extra one;
#   - the "stats tcp:" counters;
#   - with dnsfence stopped TCP DNS fails at once (reset by the redirect target), nothing leaks.
#
# One topology for the file. setup() starts a daemon with the test configuration when none runs;
# a test that needs other options restarts it (restart_with) and teardown() stops that one again.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

TCP_PORT=54	# dnsfence's default listen-tcp port, and the ruleset's default --tcp-port

setup_file() {
	local ipt
	df_setup_file_common
	# Replace topo_up's two minimal capture rules by the project's ruleset.
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -t raw -D OUTPUT -m mark --mark "$DF_MARK" -j NOTRACK || return 1
		ws "$ipt" -w -t mangle -D OUTPUT -p udp --dport 53 -m mark ! --mark "$DF_MARK" \
		    -j NFQUEUE --queue-num "$DF_QUEUE" || return 1
	done
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" load --backend iptables --queue "$DF_QUEUE" \
	    --mark "$DF_MARK" --tcp-port "$TCP_PORT" || return 1
}

teardown_file() {
	if [[ -n ${DF_WS:-} ]] && ip netns list | awk '{print $1}' | grep -qx "$DF_WS"; then
		ws sh "$DF_REPO/src/dnsfence-firewall.sh" unload --backend iptables >/dev/null 2>&1 || true
	fi
	topo_down
}

setup() {
	if ! df_alive dnsfence; then
		dnsfence_start
	fi
}

teardown() {
	df_teardown_common
	if [[ -f $DF_TMP/pids/slowsocks ]]; then
		df_stop slowsocks
	fi
	if [[ -f $DF_TMP/need-restart ]]; then
		dnsfence_stop
		rm -f "$DF_TMP/need-restart"
	fi
}

# restart_with [--key value ...]: this test's own daemon; teardown() stops it again.
restart_with() {
	: >"$DF_TMP/need-restart"
	dnsfence_stop
	dnsfence_start "$@"
}

# qdigt [dig args]: qdig over TCP.
qdigt() { qdig +tcp "$@"; }

# assert_tcp: the reply came over TCP.
assert_tcp() {
	[[ $output == *";; SERVER: "*"(TCP)"* ]] || fail "the reply did not come over TCP"
}

# dnsq ARGS...: tests/lib/dnsq.py in ws.
dnsq() { run timeout 30 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" "$@"; }

# tcp_stat NAME: NAME= from a fresh "stats tcp:" line.
tcp_stat() { stat_value "$1" tcp; }

# wait_tcp_open N: wait (5 s) until stats tcp says open=N.
wait_tcp_open() {
	local i
	for ((i = 0; i < 25; i++)); do
		dnsfence_stats >/dev/null 2>&1 || return 1
		[[ $(tcp_stat open) == "$1" ]] && return 0
		sleep 0.2
	done
	return 1
}

# elapsed_ok SECONDS LOW HIGH: LOW <= SECONDS <= HIGH (decimals allowed).
elapsed_ok() { awk -v t="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(t >= lo && t <= hi) }'; }

# ---------------------------------------------------------------------------------------------

@test "the ruleset is loaded: TCP/53 is redirected to port $TCP_PORT, v4 and v6" {
	local ipt
	for ipt in iptables ip6tables; do
		run ws "$ipt" -w -t nat -S DNSFENCE_TCP
		echo "$output"
		[[ $output == *"--dport 53"*"-j REDIRECT --to-ports $TCP_PORT"* ]] ||
			fail "$ipt: no REDIRECT of TCP/53 to $TCP_PORT"
	done
	run ws ss -Hltn "sport = :$TCP_PORT"
	echo "$output"
	[[ $output == *"127.0.0.1:$TCP_PORT"* ]] || fail "dnsfence does not listen on 127.0.0.1:$TCP_PORT"
	[[ $output == *"[::1]:$TCP_PORT"* ]] || fail "dnsfence does not listen on [::1]:$TCP_PORT"
}

@test "TCP over IPv4: redirected to dnsfence and answered, only SOCKS on the wire" {
	capture_start
	qdigt a.test A
	assert_dig NOERROR
	assert_tcp
	assert_rr a.test. A 192.0.2.1
	qdigt txt.test TXT
	assert_dig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
	qdigt "$(uniq_name)" A
	assert_dig NXDOMAIN
	# 198.51.100.77 is on the link but nobody has it: only the redirect can answer.
	SERVER=198.51.100.77 qdigt _xmpp-client._tcp.test SRV
	SERVER=198.51.100.77 assert_dig NOERROR
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
	capture_stop
	assert_capture_clean
	(($(_capture_count 'tcp port 53') == 0)) || fail "TCP port 53 on the wire"
	(($(capture_socks_count) > 0)) || fail "no SOCKS traffic: the queries went nowhere?"
}

@test "TCP over IPv6: redirected to dnsfence and answered, only SOCKS on the wire" {
	local SERVER=$DF_NET6
	capture_start
	qdigt a.test AAAA
	assert_dig NOERROR
	assert_tcp
	assert_rr a.test. AAAA 2001:db8::1
	qdigt test MX
	assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
	qdigt "$(uniq_name)" AAAA
	assert_dig NXDOMAIN
	capture_stop
	assert_capture_clean
	(($(_capture_count 'tcp port 53') == 0)) || fail "TCP port 53 on the wire"
}

@test "the listener answers when asked directly on 127.0.0.1:$TCP_PORT and [::1]:$TCP_PORT" {
	local a
	for a in 127.0.0.1 ::1; do
		run timeout 20 ip netns exec "$DF_WS" dig +tcp -p "$TCP_PORT" "@$a" +tries=1 +time=5 a.test A
		((status == 0)) || fail "dig @$a -p $TCP_PORT exited $status"
		[[ $output == *"status: NOERROR,"* ]] || fail "@$a: expected NOERROR"
		[[ $output == *";; SERVER: $a#$TCP_PORT($a) (TCP)"* ]] || fail "@$a: not from $a#$TCP_PORT"
		assert_rr a.test. A 192.0.2.1
	done
}

@test "pipelining: ten queries written back to back on one connection, ten answers matched by ID" {
	local specs=(a.test/A a.test/AAAA txt.test/TXT test/MX test/SOA xmpp.test/A mail.test/A
	    "$(uniq_name)/A" "$(uniq_name)/AAAA" big.test/TXT)
	dnsq tcp-pipeline "$DF_NET4" 53 "${specs[@]}" --timeout 10
	echo "$output" | cut -c1-160
	((status == 0)) || fail "tcp-pipeline exited $status (3: an answer that is not ours)"
	[[ $output == *"received 10/10 answers on one connection"* ]] || fail "not 10 answers"
	[[ $output == *"question=a.test./1 rcode=0 answers=192.0.2.1"* ]] || fail "a.test A wrong"
	[[ $output == *"question=a.test./28 rcode=0 answers=2001:db8::1"* ]] || fail "a.test AAAA wrong"
	[[ $output == *"question=xmpp.test./1 rcode=0 answers=192.0.2.52"* ]] || fail "xmpp.test A wrong"
	(($(grep -c 'rcode=3 ' <<<"$output") == 2)) || fail "expected 2 NXDOMAIN answers"
	(($(grep -o '"big[1-8]-' <<<"$output" | sort -u | wc -l) == 8)) || fail "big.test TXT incomplete"
	# and the same over IPv6
	dnsq tcp-pipeline "$DF_NET6" 53 a.test/A a.test/AAAA "$(uniq_name)/A" txt.test/TXT --timeout 10
	echo "$output"
	((status == 0)) || fail "tcp-pipeline over IPv6 exited $status"
	[[ $output == *"received 4/4 answers"* ]] || fail "not 4 answers over IPv6"
}

@test "TC retry: a truncated UDP answer, then dig's TCP retry gets all eight TXT records" {
	# First, the UDP answer alone really is truncated.
	qdig +noedns +ignore big.test TXT
	assert_dig NOERROR
	[[ $output =~ ";; flags: qr"[a-z\ ]*" tc" ]] || fail "the UDP answer has no TC flag"
	(($(count_rr big.test. TXT) < 8)) || fail "the UDP answer was not truncated"
	# Now as a client does it: dig without +ignore retries over TCP, through the redirect.
	capture_start
	qdig +noedns big.test TXT
	assert_dig NOERROR
	[[ $output == *";; Truncated, retrying in TCP mode."* ]] || fail "dig did not retry over TCP"
	assert_tcp
	[[ ! $output =~ ";; flags: qr"[a-z\ ]*" tc" ]] || fail "the TCP answer has TC set"
	(($(count_rr big.test. TXT) == 8)) || fail "expected 8 TXT records, got $(count_rr big.test. TXT)"
	capture_stop
	assert_capture_clean
}

@test "tcp-idle-timeout 2s: a client stalled inside a frame is closed after ~2 s and counted" {
	local s0 s1 t
	restart_with --tcp-idle-timeout 2s
	dnsfence_stats
	s0=$(tcp_stat stalled)
	# One byte of a length prefix, then silence.
	dnsq tcp-stall "$DF_NET4" 53 --send-hex 00 --timeout 10
	echo "one byte: $output"
	((status == 0)) || fail "the stalled client was not closed within 10 s"
	t=$(sed -n 's/^closed after \([0-9.]*\)s.*/\1/p' <<<"$output")
	elapsed_ok "$t" 1.8 5 || fail "closed after ${t}s, expected between 2 and 5 s"
	# A frame that announces 100 bytes and brings 50, over IPv6.
	dnsq tcp-stall "$DF_NET6" 53 --send-hex "0064$(printf '00%.0s' {1..50})" --timeout 10
	echo "half a frame: $output"
	((status == 0)) || fail "the half-frame client was not closed within 10 s"
	t=$(sed -n 's/^closed after \([0-9.]*\)s.*/\1/p' <<<"$output")
	elapsed_ok "$t" 1.8 5 || fail "closed after ${t}s, expected between 2 and 5 s"
	dnsfence_stats
	s1=$(tcp_stat stalled)
	echo "stalled $s0 -> $s1"
	((s1 - s0 == 2)) || fail "stalled grew by $((s1 - s0)), expected 2"
	# A client that sends nothing is closed as idle too, but it did not stall inside a frame.
	dnsq tcp-stall "$DF_NET4" 53 --send-hex "" --timeout 10
	echo "silent: $output"
	((status == 0)) || fail "the silent client was not closed within 10 s"
	t=$(sed -n 's/^closed after \([0-9.]*\)s.*/\1/p' <<<"$output")
	elapsed_ok "$t" 1.8 5 || fail "closed after ${t}s, expected between 2 and 5 s"
	dnsfence_stats
	(($(tcp_stat stalled) == s1)) || fail "a silent client was counted as stalled"
	# and the listener still serves
	qdigt a.test A
	assert_dig NOERROR
}

@test "max-tcp-clients 2: a third connection is closed at once and counted; the two are served" {
	local r0 r1 t
	restart_with --max-tcp-clients 2
	dnsfence_stats
	r0=$(tcp_stat refused)
	dnsq tcp-clients "$DF_NET4" 53 a.test A --hold 2 --timeout 3
	echo "$output"
	((status == 0)) || fail "tcp-clients exited $status"
	t=$(sed -n 's/^extra connection: closed after \([0-9.]*\)s.*/\1/p' <<<"$output")
	[[ -n $t ]] || fail "the third connection was not closed"
	elapsed_ok "$t" 0 1 || fail "the third connection was closed after ${t}s, not at once"
	[[ $output == *"held connections answered: 2/2"* ]] || fail "the two held connections were not served"
	dnsfence_stats
	r1=$(tcp_stat refused)
	echo "refused $r0 -> $r1"
	((r1 - r0 == 1)) || fail "refused grew by $((r1 - r0)), expected 1"
	# The slots are free again once those clients are gone.
	wait_tcp_open 0 || fail "stats tcp: open did not fall back to 0"
	qdigt a.test A
	assert_dig NOERROR
	SERVER=$DF_NET6 qdigt a.test AAAA
	SERVER=$DF_NET6 assert_dig NOERROR
}

@test "a TCP client writing 20000 pipelined queries without reading does not stall UDP clients" {
	local i answered=0 out dp0
	# The flooder: 20000 frames back to back on one connection, never reading; it stops when
	# everything is written or the connection is closed, and says which.
	df_spawn flooder "$DF_WS" "$DF_TMP/flooder.log" "$DF_PYTHON" -u -c '
import socket, struct, sys
def q(i):
    name = b"".join(bytes([len(l)]) + l for l in (b"f%d" % i, b"test")) + b"\0"
    return struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
data = b"".join(struct.pack(">H", len(m)) + m for m in (q(i) for i in range(20000)))
s = socket.create_connection((sys.argv[1], 53), timeout=30)
print("flooder: connected, writing %d bytes" % len(data), flush=True)
try:
    s.sendall(data)
    print("flooder: all written", flush=True)
except OSError as e:
    print("flooder: stopped: %s" % e, flush=True)
s.settimeout(None)
import time
time.sleep(60)
' "$DF_NET4"
	for ((i = 0; i < 50; i++)); do
		grep -q 'flooder: connected' "$DF_TMP/flooder.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'flooder: connected' "$DF_TMP/flooder.log" || fail "the flooder did not connect"
	dnsfence_stats
	dp0=$(stat_value drop_pending bounds)
	# Meanwhile another client's UDP queries, one by one, each must be answered.
	for ((i = 0; i < 20; i++)); do
		out=$(timeout 10 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=3 a.test A 2>&1) ||
			true
		[[ $out == *"status: NOERROR,"* ]] && answered=$((answered + 1))
	done
	cat "$DF_TMP/flooder.log"
	dnsfence_stats
	grep 'stats tcp:' "$DF_TMP/dnsfence.log" | tail -n 1
	df_stop flooder
	((answered == 20)) || fail "only $answered of 20 UDP queries were answered during the flood"
	# One client holds at most max-tcp-outstanding (32) of the 4096 pending entries: the others
	# never find the table full.
	(($(stat_value drop_pending bounds) == dp0)) ||
		fail "the pending table overflowed: drop_pending $dp0 -> $(stat_value drop_pending bounds)"
	(($(tcp_stat throttled) >= 1)) || fail "the flooder never reached max-tcp-outstanding"
	df_alive dnsfence || fail "dnsfence died"
}

@test "a client paused at max-tcp-outstanding that resets is closed at once, not spun on" {
	local t0
	# A SOCKS server whose CONNECT takes 15 s holds the answers; the client writes three
	# queries (paused at 2), then resets. epoll reports the reset even for a paused client:
	# it must be closed then, not woken on every turn until its answers come.
	slowsocks_start 1081 15 || fail "slowsocks did not start"
	restart_with --socks "$DF_NET4:1081" --max-tcp-outstanding 2 --timeout 30s
	dnsfence_stats
	t0=$(tcp_stat throttled)
	run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" -c '
import socket, struct, sys, time
def q(i):
    name = b"".join(bytes([len(l)]) + l for l in (b"p%d" % i, b"test")) + b"\0"
    return struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
s = socket.create_connection((sys.argv[1], 53), timeout=10)
s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in (q(i) for i in range(3))))
time.sleep(1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print("reset sent")
' "$DF_NET4"
	echo "$output"
	((status == 0)) || fail "the client exited $status"
	dnsfence_stats
	(($(tcp_stat throttled) > t0)) || fail "the client was never paused (throttled $t0)"
	# closed within 5 s of the reset; its answers are 15 s away
	wait_tcp_open 0 || fail "the reset client stayed open: stats tcp open=$(tcp_stat open)"
	df_alive dnsfence || fail "dnsfence died"
}

@test "counters: stats tcp accepted and queries count connections and queries" {
	local a0 q0 r0 a1 q1 r1
	wait_tcp_open 0 || fail "stats tcp: open is not 0 before the test"
	a0=$(tcp_stat accepted)
	q0=$(tcp_stat queries)
	r0=$(tcp_stat refused)
	qdigt a.test A				# 1 connection, 1 query
	assert_dig NOERROR
	SERVER=$DF_NET6 qdigt txt.test TXT	# 1, 1
	SERVER=$DF_NET6 assert_dig NOERROR
	qdigt "$(uniq_name)" A			# 1, 1
	assert_dig NXDOMAIN
	dnsq tcp-pipeline "$DF_NET4" 53 a.test/A a.test/AAAA test/MX test/NS "$(uniq_name)/A" --timeout 10
	((status == 0)) || fail "tcp-pipeline exited $status"	# 1, 5
	wait_tcp_open 0 || fail "stats tcp: open did not fall back to 0"
	a1=$(tcp_stat accepted)
	q1=$(tcp_stat queries)
	r1=$(tcp_stat refused)
	grep 'stats tcp:' "$DF_TMP/dnsfence.log" | tail -n 1
	echo "accepted $a0 -> $a1, queries $q0 -> $q1, refused $r0 -> $r1"
	((a1 - a0 == 4)) || fail "accepted grew by $((a1 - a0)), expected 4"
	((q1 - q0 == 8)) || fail "queries grew by $((q1 - q0)), expected 8"
	((r1 == r0)) || fail "refused grew"
}

@test "dnsfence stopped: TCP DNS is refused at once (v4 and v6) and nothing leaks" {
	local t0 t1 SERVER
	dnsfence_stop
	capture_start
	for SERVER in "$DF_NET4" "$DF_NET6"; do
		t0=$(now_ms)
		run timeout 20 ip netns exec "$DF_WS" dig +tcp "@$SERVER" +tries=1 +time=5 a.test A
		t1=$(now_ms)
		echo "$SERVER: $((t1 - t0)) ms: $output"
		((status == 9)) || fail "dig exited $status, expected 9 (no server reached)"
		[[ $output == *"connection refused"* || $output == *"connection reset"* ]] ||
			fail "dig did not report a refused or reset connection"
		((t1 - t0 < 2000)) || fail "took $((t1 - t0)) ms, expected a fast failure"
	done
	capture_stop
	assert_capture_clean
	(($(_capture_count 'tcp port 53') == 0)) || fail "TCP port 53 on the wire"
	# Connections closing after the exit may still show FIN/ACK; a SYN would be a new one.
	(($(_capture_count "tcp dst port $DF_SOCKS_PORT and tcp[tcpflags] & tcp-syn != 0") == 0)) ||
		fail "a new SOCKS connection was opened with dnsfence stopped"
}
