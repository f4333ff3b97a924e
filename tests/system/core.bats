#!/usr/bin/env bats
# core.bats: dnsfence answers every record type for leaky UDP clients in a namespace, over IPv4
# and IPv6, and nothing but SOCKS TCP crosses the wire. One topology and one daemon for the file.
#
# ws (dnsfence + clients) --veth-- net (unbound on 127.0.0.1/::1:53, microsocks on :1080)
# The clients ask 198.51.100.2 / 2001:db8:53::2, where no DNS server listens: every answer they
# get came through dnsfence, SOCKS and net's loopback unbound.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats: the tests share one daemon and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	df_setup_file_common
	dnsfence_start
}

teardown_file() {
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
# One test per record type, IPv4, dig.

@test "A over IPv4" {
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
}

@test "AAAA over IPv4" {
	qdig a.test AAAA
	assert_dig NOERROR
	assert_rr a.test. AAAA 2001:db8::1
}

@test "MX over IPv4" {
	qdig test MX
	assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
}

@test "TXT over IPv4" {
	qdig txt.test TXT
	assert_dig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
}

@test "SRV over IPv4" {
	qdig _xmpp-client._tcp.test SRV
	assert_dig NOERROR
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
}

@test "SOA over IPv4" {
	qdig test SOA
	assert_dig NOERROR
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
}

@test "NS over IPv4" {
	qdig test NS
	assert_dig NOERROR
	assert_rr test. NS ns1.test.
}

@test "CNAME over IPv4" {
	qdig www.test CNAME
	assert_dig NOERROR
	assert_rr www.test. CNAME a.test.
}

@test "PTR over IPv4" {
	qdig -x 192.0.2.10
	assert_dig NOERROR
	assert_rr 10.2.0.192.in-addr.arpa. PTR host10.test.
}

@test "CAA over IPv4" {
	qdig test CAA
	assert_dig NOERROR
	assert_rr test. CAA '0 issue "ca.example.net"'
}

@test "NXDOMAIN is passed through, with the SOA" {
	local name
	name=$(uniq_name)
	qdig "$name" A
	assert_dig NXDOMAIN
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
}

@test "a query to an address where no server exists is answered as that address" {
	# 198.51.100.77 is on the link but nobody has it: only dnsfence can answer, and it must
	# answer as 198.51.100.77 or dig would not accept the reply.
	SERVER=198.51.100.77 qdig a.test A
	SERVER=198.51.100.77 assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
}

# ---------------------------------------------------------------------------------------------
# IPv6 and other clients.

@test "dig over IPv6: A, AAAA, MX, TXT, SRV, PTR" {
	local SERVER=$DF_NET6
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	qdig a.test AAAA
	assert_dig NOERROR
	assert_rr a.test. AAAA 2001:db8::1
	qdig test MX
	assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
	qdig txt.test TXT
	assert_dig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
	qdig _xmpp-client._tcp.test SRV
	assert_dig NOERROR
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
	qdig -x 192.0.2.10
	assert_dig NOERROR
	assert_rr 10.2.0.192.in-addr.arpa. PTR host10.test.
}

@test "kdig over IPv4: SRV, MX, CAA" {
	qkdig _xmpp-client._tcp.test SRV
	assert_kdig NOERROR
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
	qkdig test MX
	assert_kdig NOERROR
	assert_rr test. MX "10 mail.test."
	qkdig test CAA
	assert_kdig NOERROR
	assert_rr test. CAA '0 issue "ca.example.net"'
}

@test "kdig over IPv6: TXT, AAAA, SOA" {
	local SERVER=$DF_NET6
	qkdig txt.test TXT
	assert_kdig NOERROR
	assert_rr txt.test. TXT '"v=dnsfence1 hello from the recursor"'
	qkdig a.test AAAA
	assert_kdig NOERROR
	assert_rr a.test. AAAA 2001:db8::1
	qkdig test SOA
	assert_kdig NOERROR
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
}

@test "getent (glibc resolver, namespace resolv.conf) resolves names" {
	[[ -f /etc/netns/$DF_WS/resolv.conf ]] || fail "no /etc/netns/$DF_WS/resolv.conf"
	run timeout 20 ip netns exec "$DF_WS" getent ahostsv4 mail.test
	((status == 0)) || fail "getent ahostsv4 mail.test exited $status"
	[[ $output == *"192.0.2.25"* ]] || fail "no 192.0.2.25 for mail.test"
	run timeout 20 ip netns exec "$DF_WS" getent hosts a.test
	((status == 0)) || fail "getent hosts a.test exited $status"
	[[ $output =~ ^(2001:db8::1|192\.0\.2\.1)[[:space:]]+a\.test ]] ||
		fail "getent hosts a.test did not print a.test's address"
	run timeout 20 ip netns exec "$DF_WS" getent hosts 192.0.2.10
	((status == 0)) || fail "getent hosts 192.0.2.10 (PTR) exited $status"
	[[ $output == *"host10.test"* ]] || fail "no host10.test for 192.0.2.10"
}

@test "python sendto client over IPv4: reply carries the ID it sent, from the server asked" {
	local id
	for id in 0xbeef 0x0000 0xffff; do
		run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp \
		    "$DF_NET4" xmpp.test A --id "$id" --timeout 5
		((status == 0)) || fail "dnsq udp exited $status (2 = timeout, 3 = wrong reply)"
		[[ $output == *"id=$(printf '0x%04x' "$id") "* ]] || fail "reply ID is not $id"
		[[ $output == *"from=$DF_NET4 port=53 rcode=0 qr=1"* ]] || fail "wrong source or rcode"
		[[ $output == *"answers=192.0.2.52" ]] || fail "wrong answer"
	done
}

@test "python sendto client over IPv6: reply carries the ID it sent, from the server asked" {
	run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp \
	    "$DF_NET6" a.test AAAA --id 0x1234 --timeout 5
	((status == 0)) || fail "dnsq udp exited $status (2 = timeout, 3 = wrong reply)"
	[[ $output == *"id=0x1234 "* ]] || fail "reply ID is not 0x1234"
	[[ $output == *"from=$DF_NET6 port=53 rcode=0 qr=1"* ]] || fail "wrong source or rcode"
	[[ $output == *"answers=2001:db8::1" ]] || fail "wrong answer"
}

# ---------------------------------------------------------------------------------------------
# Size limits.

@test "big TXT without EDNS: truncated to 512 bytes with TC set" {
	qdig +noedns +ignore big.test TXT
	assert_dig NOERROR
	[[ $output =~ ";; flags: qr"[a-z\ ]*" tc" ]] || fail "no tc flag"
	local size
	size=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$output")
	[[ -n $size ]] && ((size <= 512)) || fail "reply of $size bytes exceeds 512 without EDNS"
}

@test "big TXT with a 4096-byte EDNS buffer: complete, no TC" {
	qdig +bufsize=4096 +ignore big.test TXT
	assert_dig NOERROR
	[[ ! $output =~ ";; flags: qr"[a-z\ ]*" tc" ]] || fail "tc flag set"
	(($(count_rr big.test. TXT) == 8)) || fail "expected 8 TXT records, got $(count_rr big.test. TXT)"
	local size
	size=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$output")
	[[ -n $size ]] && ((size > 512)) || fail "reply of $size bytes, expected more than 512"
}

# ---------------------------------------------------------------------------------------------
# Leaks and counters.

@test "no UDP leaves ws: a batch of v4 and v6 queries, only SOCKS TCP on the wire" {
	local name t SERVER
	capture_start
	# shellcheck disable=SC2034 # SERVER is read by qdig and assert_dig
	for SERVER in "$DF_NET4" "$DF_NET6"; do
		for t in "a.test A" "a.test AAAA" "test MX" "txt.test TXT" "_xmpp-client._tcp.test SRV" \
		    "test SOA" "test NS" "www.test CNAME" "test CAA"; do
			# shellcheck disable=SC2086
			qdig $t
			assert_dig NOERROR
		done
		# Names no cache can answer: these must have gone upstream, through SOCKS.
		for t in 1 2 3; do
			qdig "$(uniq_name)" A
			assert_dig NXDOMAIN
		done
	done
	unset SERVER
	run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" \
	    "$(uniq_name)" TXT --timeout 5
	[[ $output == *"rcode=3 "* ]] || fail "python query for an unknown name: expected NXDOMAIN"
	qkdig "$(uniq_name)" MX
	assert_kdig NXDOMAIN
	capture_stop
	assert_capture_clean
	(($(capture_socks_count) > 0)) || fail "no SOCKS traffic: the uncached queries went nowhere?"
}

@test "counters: captured and answered grow with the queries" {
	local c0 a0 c1 a1 _
	dnsfence_stats
	c0=$(stat_value captured capture)
	a0=$(stat_value answered answers)
	for _ in 1 2 3 4; do
		qdig "$(uniq_name)" A
		assert_dig NXDOMAIN
	done
	qdig a.test A
	assert_dig NOERROR
	dnsfence_stats
	c1=$(stat_value captured capture)
	a1=$(stat_value answered answers)
	echo "captured $c0 -> $c1, answered $a0 -> $a1"
	((c1 > 0 && a1 > 0)) || fail "captured=$c1 answered=$a1 after queries"
	((c1 - c0 >= 5)) || fail "captured grew by $((c1 - c0)), expected at least 5"
	((a1 - a0 >= 5)) || fail "answered grew by $((a1 - a0)), expected at least 5"
	run stat_value p50_us latency
	((status == 0)) || fail "no p50_us in the stats latency line"
}

@test "malformed packets: no answer, counted, nothing leaks" {
	local m0 m1 n0 n1 kind
	dnsfence_stats
	m0=$(stat_value malformed capture)
	n0=$(stat_value notquery capture)
	capture_start
	for kind in short badname loop; do
		run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" garbage \
		    "$DF_NET4" --kind "$kind" --timeout 2
		((status == 0)) || fail "got an answer to $kind garbage over IPv4"
	done
	run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" garbage \
	    "$DF_NET6" --kind short --timeout 2
	((status == 0)) || fail "got an answer to short garbage over IPv6"
	run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" garbage \
	    "$DF_NET4" --kind response --timeout 2
	((status == 0)) || fail "got an answer to a DNS response sent to port 53"
	capture_stop
	assert_capture_clean
	dnsfence_stats
	m1=$(stat_value malformed capture)
	n1=$(stat_value notquery capture)
	echo "malformed $m0 -> $m1, notquery $n0 -> $n1"
	((m1 - m0 == 4)) || fail "malformed grew by $((m1 - m0)), expected 4"
	((n1 - n0 == 1)) || fail "notquery grew by $((n1 - n0)), expected 1"
	# and the daemon still answers
	qdig a.test A
	assert_dig NOERROR
}

@test "addresses added after start are this host's at once (IPv4 and IPv6), removed ones not" {
	local s0 s1
	# as DHCP or a VPN would, after dnsfence started (the systemd unit starts it before the
	# network is up): `ip addr add` tags its notification with its own netlink port
	ws ip addr add 198.51.100.10/24 dev "$DF_VWS"
	ws ip addr add 2001:db8:53::10/64 dev "$DF_VWS" nodad
	sleep 0.5
	run timeout 20 ip netns exec "$DF_WS" dig @"$DF_NET4" -b 198.51.100.10 +tries=1 +time=5 \
	    a.test A
	assert_dig NOERROR
	run timeout 20 ip netns exec "$DF_WS" dig @"$DF_NET6" -b 2001:db8:53::10 +tries=1 +time=5 \
	    a.test AAAA
	SERVER=$DF_NET6 assert_dig NOERROR
	dnsfence_stats
	s0=$(stat_value spoofed capture)
	ws ip addr del 198.51.100.10/24 dev "$DF_VWS"
	ws ip addr del 2001:db8:53::10/64 dev "$DF_VWS"
	sleep 0.5
	# gone: a query from it (IP_TRANSPARENT, as root) is spoofed now
	run timeout 10 ip netns exec "$DF_WS" "${DF_PROBE:-$DF_REPO/build/dfprobe}" -w 1500 -t \
	    freebind-query 4 198.51.100.10 "$DF_NET4"
	dnsfence_stats
	s1=$(stat_value spoofed capture)
	echo "# spoofed $s0 -> $s1; probe: $output"
	((s1 == s0 + 1)) || fail "a query from the removed address was not dropped as spoofed"
}
