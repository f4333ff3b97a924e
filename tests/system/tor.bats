#!/usr/bin/env bats
# tor.bats: dnsfence through a real private Tor network instead of microsocks.
#
# ws (dnsfence + clients, the project's iptables ruleset)
#   --veth-- net: unbound on 127.0.0.1:53, and the Tor network of tests/tornet/tornet.sh
#                 (3 authorities, 2 relays, 2 exits on net's 127.0.0.1; the client's SocksPort
#                 and DNSPort on 198.51.100.2, its ControlPort on net's 127.0.0.1)
# dnsfence runs with --socks <the Tor client's SocksPort> --resolver 127.0.0.1:53: every query
# goes ws -> SocksPort -> guard -> middle -> exit -> unbound on net's loopback. Tor's ControlPort
# shows each of dnsfence's connections as a stream on a BUILT circuit (STREAM events carry the
# SOURCE_ADDR, which ties a stream to dnsfence's socket), and STREAM_BW events show the bytes
# of each query crossing it.
#
# One topology, one Tor network and one daemon for the file; the tests run in order. Needs
# the Debian package tor (tor, tor-gencert); without it every test is skipped, with the reason.

load ../lib/netns
load helpers
load tor-helpers

# shellcheck disable=SC2034 # read by bats: the tests share one daemon and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true

# dnsfence's per-query timeout here (a SERVFAIL must arrive within it plus SLACK_MS). Longer than
# the default 4 s: for its first two minutes a fresh private network republishes descriptors
# (after the relays' reachability and bandwidth self-tests), and a new circuit (a new isolation
# key) can then wait about 3 s until the client has fetched them. The tests are about dnsfence,
# not about that; tests/tornet/tornet.sh documents it.
TOR_TIMEOUT_MS=10000
SLACK_MS=1500

setup_file() {
	DF_TIMEOUT=${TOR_TIMEOUT_MS}ms
	export DF_TIMEOUT
	tor_setup_file
}

teardown_file() {
	tor_teardown_file
	topo_down
}

setup() {
	df_alive dnsfence || {
		topo_dump_logs >&2
		fail "dnsfence is not running (it died during an earlier test)"
	}
}

teardown() {
	df_teardown_common
}

# ---------------------------------------------------------------------------------------------
# Every record type through real circuits. Each query is new to dnsfence's cache, so it goes
# upstream; tor_assert_carried shows dnsfence's connections as Tor streams and this query's
# bytes on one of them.

@test "Tor: A through a real circuit" {
	tor_qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	tor_assert_carried
}

@test "Tor: AAAA through a real circuit" {
	tor_qdig a.test AAAA
	assert_dig NOERROR
	assert_rr a.test. AAAA 2001:db8::1
	tor_assert_carried
}

@test "Tor: MX through a real circuit" {
	tor_qdig test MX
	assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
	tor_assert_carried
}

@test "Tor: TXT through a real circuit" {
	tor_qdig txt.test TXT
	assert_dig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
	tor_assert_carried
}

@test "Tor: SRV through a real circuit" {
	tor_qdig _xmpp-client._tcp.test SRV
	assert_dig NOERROR
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
	tor_assert_carried
}

@test "Tor: SOA through a real circuit" {
	tor_qdig test SOA
	assert_dig NOERROR
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	tor_assert_carried
}

@test "Tor: NS through a real circuit" {
	tor_qdig test NS
	assert_dig NOERROR
	assert_rr test. NS ns1.test.
	tor_assert_carried
}

@test "Tor: CNAME through a real circuit" {
	tor_qdig www.test CNAME
	assert_dig NOERROR
	assert_rr www.test. CNAME a.test.
	tor_assert_carried
}

@test "Tor: PTR through a real circuit" {
	tor_qdig -x 192.0.2.10
	assert_dig NOERROR
	assert_rr 10.2.0.192.in-addr.arpa. PTR host10.test.
	tor_assert_carried
}

@test "Tor: CAA through a real circuit" {
	tor_qdig test CAA
	assert_dig NOERROR
	assert_rr test. CAA '0 issue "ca.example.net"'
	tor_assert_carried
}

@test "Tor: NXDOMAIN for a new name, with the SOA, through a real circuit" {
	tor_qdig "$(uniq_name)" A
	assert_dig NXDOMAIN
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	tor_assert_carried
}

@test "Tor: big TXT, TC over UDP, then complete over TCP (redirected to dnsfence)" {
	# No EDNS: the UDP answer must be cut to 512 bytes with TC=1; dig then retries over TCP to
	# 198.51.100.2:53, which the ruleset redirects to dnsfence's TCP listener.
	tor_qdig +noedns big.test TXT
	assert_dig NOERROR
	[[ $output == *"Truncated, retrying in TCP mode"* ]] || fail "dig did not see TC over UDP"
	[[ $output == *";; SERVER: $DF_NET4#53($DF_NET4) (TCP)"* ]] || fail "the final answer was not over TCP"
	(($(count_rr big.test. TXT) == 8)) || fail "expected 8 TXT records, got $(count_rr big.test. TXT)"
	local size
	size=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$output")
	[[ -n $size ]] && ((size > 512)) || fail "TCP reply of $size bytes, expected more than 512"
	tor_assert_carried
}

@test "Tor: every dnsfence upstream connection is a stream on a BUILT circuit to 127.0.0.1:53" {
	local n_conn n_ok
	run tor_assert_streams
	printf '%s\n' "$output"
	((status == 0)) || fail "tor_assert_streams"
	n_conn=$(tor_dnsfence_ports | wc -l)
	n_ok=$(grep -cE '^dnsfence .* -> Tor stream .* \(BUILT, .*\) -> ' <<<"$output")
	((n_conn > 0 && n_ok == n_conn)) || fail "$n_ok of $n_conn connections proven"
	{
		echo "# dnsfence's upstream connections as Tor streams:"
		sed 's/^/#   /' <<<"$output"
	} >&3
	# The circuits they use are BUILT exit circuits of 3 hops or more (purpose GENERAL, or
	# CONFLUX_LINKED: Tor 0.4.8+ links exit circuits in pairs; a stream pinned to an exit's own
	# 127.0.0.1 may get a cannibalised circuit extended by one hop to that exit, so 4 hops).
	local circs cid
	circs=$(tor_ctl circuits) || fail "GETINFO circuit-status"
	printf '%s\n' "$circs"
	for cid in $(tor_ctl streams | awk '$4 == "circ_status=BUILT" { sub("circ=", "", $3); print $3 }' |
	    sort -u); do
		grep -qE "^circ=$cid status=BUILT path=[^, ]+(,[^, ]+){2,} purpose=(GENERAL|CONFLUX_LINKED) " \
		    <<<"$circs" || fail "circuit $cid is not a BUILT exit circuit of 3 hops or more"
	done
	# Every SOCKS stream the client was asked for since dnsfence started (PURPOSE=USER) went to
	# 127.0.0.1:53: no other target was ever asked for.
	run awk '$2 == "STREAM" && $4 == "NEW" && / PURPOSE=USER / && $6 != "127.0.0.1:53"' \
	    "$DF_TMP/tor-events.log"
	[[ -z $output ]] || fail "SOCKS streams to other targets: $output"
	run grep -c ' STREAM [0-9]* NEW .* PURPOSE=USER ' "$DF_TMP/tor-events.log"
	echo "SOCKS streams so far: $output"
}

@test "Tor: another uid's queries go on other circuits (IsolateSOCKSAuth)" {
	local c0 c1 cid
	tor_quiet
	# uid 65534 in ws: dnsfence gives it its own SOCKS username, and Tor its own circuits.
	run timeout 20 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig "@$DF_NET4" +tries=1 +time=12 "$(uniq_name)" A
	assert_dig NXDOMAIN
	qdig +time=12 "$(uniq_name)" A
	assert_dig NXDOMAIN
	now_ms >"$DF_TMP/tor-last-query-ms"
	run tor_assert_streams
	printf '%s\n' "$output"
	((status == 0)) || fail "tor_assert_streams"
	c0=$(awk '/SOCKS user "uid-0"$/ { print $9 }' <<<"$output" | sort -u)
	c1=$(awk '/SOCKS user "uid-65534"$/ { print $9 }' <<<"$output" | sort -u)
	echo "circuits of uid 0: ${c0//$'\n'/ }; of uid 65534: ${c1//$'\n'/ }"
	[[ -n $c0 ]] || fail "no stream with SOCKS user uid-0"
	[[ -n $c1 ]] || fail "no stream with SOCKS user uid-65534"
	for cid in $c1; do
		grep -qx "$cid" <<<"$c0" && fail "uid 65534 shares circuit $cid with uid 0"
	done
	echo "# isolation: uid 0 on circuit(s) ${c0//$'\n'/ }, uid 65534 on circuit(s) ${c1//$'\n'/ }" >&3
}

@test "Tor: TCP clients are isolated by uid too (sock_diag names the redirected socket's owner)" {
	local c0 c1 cid
	tor_quiet
	# Over TCP the redirect hides the uid NFQUEUE gives for UDP: dnsfence asks sock_diag.
	run timeout 20 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig +tcp "@$DF_NET4" +tries=1 +time=12 "$(uniq_name)" A
	assert_dig NXDOMAIN
	qdig +tcp +time=12 "$(uniq_name)" A
	assert_dig NXDOMAIN
	now_ms >"$DF_TMP/tor-last-query-ms"
	run tor_assert_streams
	printf '%s\n' "$output"
	((status == 0)) || fail "tor_assert_streams"
	c0=$(awk '/SOCKS user "uid-0"$/ { print $9 }' <<<"$output" | sort -u)
	c1=$(awk '/SOCKS user "uid-65534"$/ { print $9 }' <<<"$output" | sort -u)
	[[ -n $c0 && -n $c1 ]] || fail "TCP queries did not get per-uid SOCKS users"
	! grep -q 'SOCKS user "tcp"$' <<<"$output" || fail "a TCP client still shares the key \"tcp\""
	for cid in $c1; do
		grep -qx "$cid" <<<"$c0" && fail "uid 65534 shares circuit $cid with uid 0 over TCP"
	done
	dnsfence_stats
	(($(stat_value no_owner tcp) == 0)) || fail "sock_diag could not name a TCP client's owner"
	echo "# TCP isolation: uid 0 on circuit(s) ${c0//$'\n'/ }, uid 65534 on ${c1//$'\n'/ }" >&3
}

# ---------------------------------------------------------------------------------------------
# Side by side: Tor's own DNSPort in the same network.

@test "Tor DNSPort vs dnsfence: A, AAAA, MX, TXT, SRV" {
	local q name type tor dfs table="" bad=""
	for q in "a.test A" "a.test AAAA" "test MX" "txt.test TXT" "_xmpp-client._tcp.test SRV"; do
		read -r name type <<<"$q"
		tor=$(tor_dnsport_dig "$name" "$type")
		qdig "$name" "$type"
		dfs="$(dig_status "$output")/$(dig_answers "$output")"
		[[ $status == 0 && $(dig_status "$output") == NOERROR && $(dig_answers "$output") -gt 0 ]] ||
			bad+=" $type"
		table+=$(printf '%-6s | %-22s | %-22s' "$type" "$tor" "$dfs")$'\n'
		[[ $type == A ]] && TOR_A=$tor
	done
	{
		echo "# record | Tor DNSPort (rcode/answers) | dnsfence (rcode/answers)"
		sed 's/^/#   /' <<<"${table%$'\n'}"
	} >&3
	printf '%s\n' "$table"
	[[ -z $bad ]] || fail "dnsfence did not answer NOERROR with data for:$bad"
	# Sanity of the comparison: Tor's DNSPort does resolve A in this network.
	[[ $TOR_A == NOERROR/[1-9]* ]] || fail "Tor's DNSPort gave '$TOR_A' for a.test A"
}

@test "latency: 200 A queries through dnsfence and through Tor's DNSPort (information)" {
	local names=$DF_TMP/latency-names i df tor
	for ((i = 0; i < 200; i++)); do echo "lat$i-$RANDOM$RANDOM.test"; done >"$names"
	# Names nobody asked for: no cache on either path can answer them (NXDOMAIN from unbound).
	# Measured here: on a TCP stream through Tor every 31st exchange or so waits 40-60 ms more
	# (31 = Tor's congestion-control SENDME increment), with or without dnsfence (a plain Python
	# SOCKS client on one stream shows the same), and unbound answers in under 1 ms: that tail is
	# Tor's. The DNSPort's RESOLVE cells do not pay it.
	run timeout 600 ip netns exec "$DF_WS" "$DF_PYTHON" "$TORNET_PY/udp_latency.py" \
	    "$DF_NET4" 53 "$names" --timeout 5
	df=$output
	echo "dnsfence: $df"
	((status == 0)) || fail "dnsfence did not answer every query"
	run timeout 600 ip netns exec "$DF_NET" "$DF_PYTHON" "$TORNET_PY/udp_latency.py" \
	    "$TORNET_SOCKS_ADDR" "$TORNET_DNS_PORT" "$names" --timeout 5
	tor=$output
	echo "Tor DNSPort: $tor"
	{
		echo "# latency, 200 sequential uncached A queries (ms):"
		echo "#   dnsfence (UDP from ws, via SocksPort):  $df"
		echo "#   Tor DNSPort (UDP from net):              $tor"
	} >&3
	now_ms >"$DF_TMP/tor-last-query-ms"
}

# ---------------------------------------------------------------------------------------------
# Tor client down and up.

@test "Tor client down: SERVFAIL within the timeout, nothing leaks; answers again once it is back" {
	local t0 t1 tstart tback i ok='' out dfpid
	dfpid=$(df_pid dnsfence)
	# The veth carries the SOCKS TCP to the Tor client; that is the only allowed traffic.
	# shellcheck disable=SC2034 # read by capture_* in netns.bash (dynamic scope)
	local DF_SOCKS_PORT=$TORNET_SOCKS_PORT
	qdig "$(uniq_name)" A
	assert_dig NXDOMAIN

	run "$TORNET_SH" stop-client "$TORNET_DIR"
	((status == 0)) || fail "tornet.sh stop-client"
	run "$TORNET_SH" status "$TORNET_DIR"
	[[ $output == *"c stopped"* ]] || fail "the Tor client still runs"
	capture_start
	t0=$(now_ms)
	run timeout 30 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=15 "$(uniq_name)" A
	t1=$(now_ms)
	echo "SERVFAIL after $((t1 - t0)) ms"
	assert_dig SERVFAIL
	((t1 - t0 <= TOR_TIMEOUT_MS + SLACK_MS)) ||
		fail "SERVFAIL took $((t1 - t0)) ms (timeout $TOR_TIMEOUT_MS ms + slack)"
	SERVER=$DF_NET6 qdig +time=15 "$(uniq_name)" MX
	SERVER=$DF_NET6 assert_dig SERVFAIL
	qdig +time=15 +noedns "$(uniq_name)" TXT
	assert_dig SERVFAIL
	capture_stop
	assert_capture_clean
	echo "non-SOCKS packets on the veth: $(capture_non_socks_count)"
	(($(capture_non_socks_count) == 0)) || fail "packets other than SOCKS TCP crossed the veth"
	echo "# Tor client down: SERVFAIL after $((t1 - t0)) ms; veth capture: $(capture_socks_count) SOCKS TCP packets, 0 others" >&3

	tstart=$(now_ms)
	run "$TORNET_SH" start-client "$TORNET_DIR"
	printf '%s\n' "$output"
	((status == 0)) || fail "tornet.sh start-client"
	tor_register c
	grep -q '^listening again' "$DF_TMP/tor-events.log" ||
		fail "the ControlPort event listener did not reconnect to the new client"
	tback=$(now_ms)
	for ((i = 0; i < 30; i++)); do
		out=$(timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=12 "$(uniq_name)" A 2>&1)
		if [[ $out == *"status: NXDOMAIN,"* ]]; then
			ok=1
			break
		fi
		sleep 1
		(($(now_ms) - tback < 30000)) || break
	done
	t1=$(now_ms)
	echo "answered again $((t1 - tback)) ms after the Tor client was back (bootstrapped), $((t1 - tstart)) ms after it was started"
	echo "# Tor client back: $(grep -o 'client bootstrapped.*more' <<<"$output"); dnsfence answered $((t1 - tback)) ms later ($((t1 - tstart)) ms after the client was started), no restart" >&3
	[[ -n $ok ]] || fail "no answer within 30 s after the Tor client came back: $out"
	df_alive dnsfence || fail "dnsfence died"
	[[ $(df_pid dnsfence) == "$dfpid" ]] || fail "dnsfence was restarted"
	tor_qdig txt.test TXT
	assert_dig NOERROR
	tor_qdig "$(uniq_name)" SRV
	assert_dig NXDOMAIN
	tor_assert_carried
}

# ---------------------------------------------------------------------------------------------
# The same uid keeps its circuits; isolate none shares them; mode hybrid and onion tor.

# tor_circuits_of USER: the circuits of dnsfence's current streams with that SOCKS user.
tor_circuits_of() {
	run tor_assert_streams
	((status == 0)) || fail "tor_assert_streams: $output"
	awk -v u="SOCKS user \"$1\"" 'index($0, u) { print $9 }' <<<"$output" | sort -u
}

@test "Tor: the same uid keeps the same circuit across queries" {
	local before after
	tor_quiet
	run timeout 20 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig "@$DF_NET4" +tries=1 +time=12 a.test A
	assert_dig NOERROR
	now_ms >"$DF_TMP/tor-last-query-ms"
	before=$(tor_circuits_of uid-65534)
	[[ -n $before ]] || fail "no stream for uid-65534"
	tor_quiet
	run timeout 20 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig "@$DF_NET4" +tries=1 +time=12 test MX
	assert_dig NOERROR
	now_ms >"$DF_TMP/tor-last-query-ms"
	after=$(tor_circuits_of uid-65534)
	echo "uid 65534: circuits ${before//$'\n'/ } then ${after//$'\n'/ }"
	[[ $before == "$after" ]] || fail "uid 65534 moved from circuit(s) $before to $after"
	echo "# isolation: uid 65534 stayed on circuit(s) ${after//$'\n'/ } across queries" >&3
}

@test "Tor: isolate none puts every uid on the same streams" {
	local out
	dnsfence_stop
	dnsfence_start --socks "$TORNET_SOCKS" --resolver 127.0.0.1:53 --isolate none
	tor_quiet
	qdig +time=12 a.test A
	assert_dig NOERROR
	run timeout 20 ip netns exec "$DF_WS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	    dig "@$DF_NET4" +tries=1 +time=12 test MX
	assert_dig NOERROR
	now_ms >"$DF_TMP/tor-last-query-ms"
	dnsfence_stats
	out=$(grep 'stats isolation:' "$DF_TMP/dnsfence.log" | tail -n 1)
	echo "$out"
	[[ $out == *"mode=none keys=1 "* ]] || fail "expected one shared key: $out"
	run tor_assert_streams
	((status == 0)) || fail "tor_assert_streams: $output"
	! grep -q 'SOCKS user "uid-' <<<"$output" || fail "per-uid credentials with isolate none"
	echo "# isolate none: one key for uid 0 and uid 65534, no per-uid SOCKS user" >&3
}

@test "Tor: mode hybrid resolves A and PTR by RESOLVE at the exit, MX by the recursor; onion tor" {
	local r0 r1 m0 m1 addr
	dnsfence_stop
	dnsfence_start --socks "$TORNET_SOCKS" --resolver 127.0.0.1:53 --mode hybrid --onion tor
	dnsfence_stats
	r0=$(stat_value resolved tor)
	m0=$(stat_value sent upstream)
	tor_quiet
	qdig +time=12 a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	qdig +time=12 -x 192.0.2.10
	assert_dig NOERROR
	assert_rr 10.2.0.192.in-addr.arpa. PTR host10.test.
	dnsfence_stats
	r1=$(stat_value resolved tor)
	m1=$(stat_value sent upstream)
	echo "RESOLVE answers $r0 -> $r1, recursor queries $m0 -> $m1"
	((r1 - r0 == 2)) || fail "A and PTR were not both answered by Tor's RESOLVE"
	((m1 == m0)) || fail "A or PTR reached the recursor in mode hybrid"
	qdig +time=12 test MX
	assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
	dnsfence_stats
	(($(stat_value sent upstream) == m1 + 1)) || fail "MX did not go to the recursor"
	# .onion: Tor's AutomapHostsOnResolve maps it into its VirtualAddrNetworkIPv4 (the test
	# torrc's 10.192.0.0/10, Tor's default 127.192.0.0/10); never the recursor
	qdig +time=12 duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion A
	assert_dig NOERROR
	addr=$(awk '$4 == "A" { print $5 }' <<<"$(sed -n '/ANSWER SECTION/,/^$/p' <<<"$output")" | head -n 1)
	echo ".onion mapped to $addr"
	[[ $addr =~ ^(10|127)\.(19[2-9]|2[0-4][0-9]|25[0-5])\. ]] || fail "not a Tor virtual address: $addr"
	dnsfence_stats
	(($(stat_value sent upstream) == m1 + 1)) || fail ".onion reached the recursor"
	(($(stat_value onion_mapped tor) >= 1)) || fail "onion_mapped did not count it"
	echo "# mode hybrid: a.test A and 192.0.2.10 PTR by Tor RESOLVE/RESOLVE_PTR, MX by the recursor; .onion A -> $addr (AutomapHostsOnResolve)" >&3
}
