#!/usr/bin/env bats
# gateway.bats: dnsfence as a Whonix-style gateway for the workstations behind it.
#
#   cl1 10.152.152.11 fd19:c33d:88bc::11 --+
#   cl2 10.152.152.12 fd19:c33d:88bc::12 --+-- eth1 (bridge) ws, the gateway: 10.152.152.10,
#                                              fd19:c33d:88bc::10; forwarding on; the project's
#                                              loader: load --mode gateway --internal eth1;
#                                              dnsfence with "gateway eth1" in its config file
#                                           ws dfw<ID> 198.51.100.1 -- net dfn<ID> 198.51.100.2:
#                                              unbound on net's 127.0.0.1:53, logsocks.py (a
#                                              SOCKS5 server that logs user names) on :1080
#
# What it proves: the workstations' queries, to any address (the gateway's own included), every
# record type, over UDP and TCP, IPv4 and IPv6, are answered from the address asked (from eth1's
# own address for a broadcast or multicast one); TC falls back to TCP; a DNAT on the gateway
# does not change the reply's source; a workstation with a strict conntrack INPUT policy takes
# its replies; each workstation's queries go upstream under a SOCKS user name of its own
# (host-ADDRESS); nothing a workstation sends reaches the outside wire but SOCKS TCP, whatever
# state dnsfence is in (a table at the end, as the leak matrix's); queries from the outside, or
# with a source no workstation has, are dropped and counted; and the recipe of docs/gateway.md
# beside a Whonix-Gateway firewall. The control test shows that without the ruleset each probe
# of the workstations does reach the outside wire. The workstations' clients run as uid 65534
# (setpriv), but for those that need root (raw ICMP, IP_TRANSPARENT).
#
# One topology for the file; the tests run in order.

load ../lib/netns
load helpers
load leak-helpers
load gateway-helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true
FIREWALL=$DF_REPO/src/dnsfence-firewall.sh

setup_file() {
	gw_setup_file
}

teardown_file() {
	gw_teardown_file
}

teardown() {
	df_teardown_common
	df_stop capcl
	df_stop capgw
	gw_undo
}

# gw_running: dnsfence up in the plain gateway configuration (after the state tests, again).
gw_running() {
	if [[ $(cat "$DF_TMP/gw-state") != plain ]] || ! leak_dnsfence_live; then
		echo "failed:plain" >"$DF_TMP/gw-state"
		gw_baseline
		DF_TIMEOUT=3s dnsfence_start
		echo plain >"$DF_TMP/gw-state"
	fi
}

# Rules a test adds, each marked in $DF_TMP/gw-hole.NAME while it is there; gw_undo (teardown)
# takes away what a failed test left behind.
gw_hole() {	# -I|-D NAME
	case $2 in
	dnat) ws iptables -w -t nat "$1" PREROUTING -i "$DF_GWIF" -p udp --dport 53 \
	    -j DNAT --to-destination "$GW_DNAT4" &&
	      ws ip6tables -w -t nat "$1" PREROUTING -i "$DF_GWIF" -p udp --dport 53 \
	    -j DNAT --to-destination "$GW_DNAT6" ;;
	strict) _gw_strict "$1" ;;
	*) echo "gw_hole: unknown $2"; return 1 ;;
	esac || return 1
	if [[ $1 == -I ]]; then : >"$DF_TMP/gw-hole.$2"; else rm -f "$DF_TMP/gw-hole.$2"; fi
}

gw_undo() {
	local f
	[[ -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	for f in "$DF_TMP"/gw-hole.*; do
		[[ -f $f ]] || continue
		gw_hole -D "${f##*gw-hole.}" 2>/dev/null || true
		rm -f "$f"
	done
	if [[ -f $DF_TMP/gw-whonix ]]; then
		gw_whonix_off || true
	fi
}

# _gw_strict -I|-D: cl2 drops what it did not ask for: INPUT policy DROP, accepting lo,
# conntrack ESTABLISHED,RELATED and (IPv6) neighbour discovery.
_gw_strict() {
	local ipt r rc=0 rules=(
	    "-i lo -j ACCEPT"
	    "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"
	    "6 -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT"
	    "6 -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT")
	for ipt in iptables ip6tables; do
		[[ $1 == -I ]] || cl 2 "$ipt" -w -P INPUT ACCEPT || rc=1
		for r in "${rules[@]}"; do
			[[ $r != "6 "* || $ipt == ip6tables ]] || continue
			# shellcheck disable=SC2086 # a rule is words
			cl 2 "$ipt" -w "${1/-I/-A}" INPUT ${r#6 } 2>/dev/null || rc=1
		done
		[[ $1 == -D ]] || cl 2 "$ipt" -w -P INPUT DROP || rc=1
	done
	return $rc
}

# gw_pkts TABLE CHAIN FAMILY PATTERN: packets counted by the rules of CHAIN that match PATTERN.
gw_pkts() {
	local ipt=iptables
	[[ $3 == 6 ]] && ipt=ip6tables
	ws "$ipt" -w -t "$1" -L "$2" -v -x -n | awk -v p="$4" 'index($0, p) { s += $1 } END { print s + 0 }'
}

# ---------------------------------------------------------------------------------------------

@test "gateway: the loader is in gateway mode on eth1 (status); the daemon takes gateway eth1" {
	cat "$DF_TMP/firewall-status.txt"
	[[ $(head -n 1 "$DF_TMP/firewall-status.txt") == "loaded: yes (iptables, gateway: $DF_GWIF)" ]] ||
		fail "status does not say: loaded: yes (iptables, gateway: $DF_GWIF)"
	dnsfence_write_conf "$DF_TMP/gateway.conf"
	grep -x "gateway $DF_GWIF" "$DF_TMP/gateway.conf"
	run "$DNSFENCE" -n -c "$DF_TMP/gateway.conf"
	echo "dnsfence -n: $output"
	((status == 0)) || fail "dnsfence -n refuses the configuration"
}

@test "control: without the ruleset, each workstation probe reaches the outside wire" {
	local c n rc=0
	gw_baseline
	ws sh "$FIREWALL" unload --backend iptables
	gw_capture_start
	for c in udp4-out udp6-out udp4-any tcp4-out getent udp-other udplite icmp-error ping spoofed; do
		_leak_bg "$c" gw_client "$c"
	done
	_leak_bg_wait >"$DF_TMP/control.out"
	gw_capture_stop || rc=1
	topo_gw_load_rules >/dev/null
	((rc == 0)) || fail "the capture was not live throughout"
	for c in udp4-out udp6-out udp4-any tcp4-out getent udp-other udplite icmp-error ping spoofed; do
		n=$(_capture_count "$(gw_signature "$c")")
		echo "without the ruleset, $c: $n packet(s) on the outside wire ($(gw_signature "$c"))"
		((n > 0)) || rc=1
	done
	((rc == 0)) || { cat "$DF_TMP/control.out"; fail "a probe put nothing on the wire"; }
	run ws sh "$FIREWALL" status --backend iptables
	((status == 0)) || fail "the ruleset is not whole again"
}

# ---------------------------------------------------------------------------------------------
# What a workstation gets

@test "gateway: A, AAAA, MX, TXT, SRV over IPv4 and IPv6, each from the address asked" {
	local n server t name rdata
	gw_running
	for spec in "1 $DF_NET4" "1 $DF_NET6" "2 $DF_GW4" "2 $DF_GW6"; do
		read -r n server <<<"$spec"
		for t in A AAAA MX TXT SRV; do
			case $t in
			A) name=a.test rdata=192.0.2.1 ;;
			AAAA) name=a.test rdata=2001:db8::1 ;;
			MX) name=test rdata="10 mail.test." ;;
			TXT) name=txt.test rdata='"v=dnsfence1 hello from the recursor"' ;;
			SRV) name=_xmpp-client._tcp.test rdata="5 0 5222 xmpp.test." ;;
			esac
			gw_dig "$n" "$server" "$t" "$name"
			SERVER=$server assert_dig NOERROR
			assert_rr "$name." "$t" "$rdata"
			echo "cl$n @$server $t $name: $rdata"
		done
	done
}

@test "gateway: TCP/53 from a workstation is redirected to dnsfence's listener on the gateway" {
	gw_running
	gw_dig 1 "$DF_NET4" MX test +tcp
	SERVER=$DF_NET4 assert_dig NOERROR
	[[ $output == *"($DF_NET4) (TCP)"* ]] || fail "not over TCP"
	assert_rr test. MX "10 mail.test."
	gw_dig 2 "$DF_GW6" SRV _xmpp-client._tcp.test +tcp
	SERVER=$DF_GW6 assert_dig NOERROR
	[[ $output == *"($DF_GW6) (TCP)"* ]] || fail "not over TCP"
	assert_rr _xmpp-client._tcp.test. SRV "5 0 5222 xmpp.test."
	gw_dig 1 "$DF_GW4" TXT txt.test +tcp
	SERVER=$DF_GW4 assert_dig NOERROR
	run ws ss -Htln "sport = :54"
	echo "$output"
	[[ $output == *"$DF_GW4%$DF_GWIF:54"* ]] || fail "no listener on $DF_GW4%$DF_GWIF:54"
}

@test "gateway: a big answer without EDNS comes truncated over UDP, then whole over TCP" {
	gw_running
	gw_dig 1 "$DF_NET4" TXT big.test +noedns
	echo "$output"
	SERVER=$DF_NET4 assert_dig NOERROR
	[[ $output == *"Truncated, retrying in TCP mode"* ]] || fail "no TC=1 over UDP"
	[[ $output == *"($DF_NET4) (TCP)"* ]] || fail "the whole answer did not come over TCP"
	(($(count_rr big.test. TXT) == 8)) || fail "expected 8 TXT records, got $(count_rr big.test. TXT)"
	dnsfence_stats
	(($(stat_value truncated answers) >= 1)) || fail "dnsfence counted no truncated answer"
}

# gw_bcast_query DST: workstation cl1 (uid 65534) sends "a.test A" to the broadcast or multicast
# address DST, port 53, and prints where the reply came from.
gw_bcast_query() {
	clnobody 1 "$DF_PYTHON" - "$1" <<'PY'
import socket, struct, sys
dst = sys.argv[1]
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.settimeout(3)
q = struct.pack("!HHHHHH", 0x6263, 0x0100, 1, 0, 0, 0) + b"\x01a\x04test\x00\x00\x01\x00\x01"
s.sendto(q, (dst, 53, 0, socket.if_nametoindex("eth0")) if fam == socket.AF_INET6 else (dst, 53))
try:
    data, src = s.recvfrom(4096)
except socket.timeout:
    print("no reply")
    sys.exit(2)
print("reply from %s port %d, id %s, %d bytes" % (src[0].split("%")[0], src[1],
      "ok" if data[:2] == q[:2] else "wrong", len(data)))
PY
}

@test "gateway: a query to a broadcast or multicast address is answered from eth1's own address" {
	gw_running
	run gw_bcast_query 10.152.152.255
	echo "to 10.152.152.255: $output"
	[[ $output == "reply from $DF_GW4 port 53, id ok"* ]] || fail "not answered from $DF_GW4"
	run gw_bcast_query ff02::1
	echo "to ff02::1%eth0: $output"
	[[ $output == "reply from $DF_GW6 port 53, id ok"* ]] || fail "not answered from $DF_GW6"
}

@test "gateway: a DNAT on eth1 does not change the address the reply comes from" {
	local f=$DF_TMP/dnat-cl1.pcap
	gw_running
	gw_hole -I dnat
	df_tcpdump capcl "$DF_CL1" eth0 "$f" udp port 53
	gw_dig 1 "$DF_NET4" A a.test
	SERVER=$DF_NET4 assert_dig NOERROR
	gw_dig 1 "$DF_NET6" AAAA a.test
	SERVER=$DF_NET6 assert_dig NOERROR
	df_stop capcl
	gw_hole -D dnat
	run tcpdump -r "$f" -n src port 53
	echo "replies on cl1's link:"
	echo "$output"
	[[ $output == *"$DF_NET4.53 > $DF_CL1_4."* && $output == *"$DF_NET6.53 > $DF_CL1_6."* ]] ||
		fail "no reply from the addresses asked"
	[[ $output != *"$GW_DNAT4"* && $output != *"$GW_DNAT6"* ]] || fail "a reply came from the DNAT's address"
	echo "the DNAT rules saw $(gw_pkts nat PREROUTING 4 "to:$GW_DNAT4") + $(gw_pkts nat PREROUTING 6 "to:$GW_DNAT6") packets"
	(($(gw_pkts nat PREROUTING 4 "to:$GW_DNAT4") == 0)) || fail "a query reached the DNAT rule"
}

@test "gateway: a workstation whose INPUT accepts only ESTABLISHED,RELATED takes its replies" {
	gw_running
	gw_hole -I strict
	cl 2 iptables -w -S INPUT
	gw_dig 2 "$DF_GW4" A a.test
	SERVER=$DF_GW4 assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	gw_dig 2 "$DF_NET6" AAAA a.test
	SERVER=$DF_NET6 assert_dig NOERROR
	assert_rr a.test. AAAA 2001:db8::1
	gw_dig 2 "$DF_NET4" MX test +tcp
	SERVER=$DF_NET4 assert_dig NOERROR
	gw_hole -D strict
}

@test "gateway: each workstation's queries go upstream under a SOCKS user of its own, UDP and TCP" {
	local r=iso$RANDOM$RANDOM spec n server proto opt name want got users keys
	gw_running
	# name suffix, workstation, server, protocol, the SOCKS user it must travel under
	for spec in "cl1-udp4 1 $DF_NET4 udp host-$DF_CL1_4" "cl1-tcp4 1 $DF_NET4 tcp host-$DF_CL1_4" \
	    "cl1-udp6 1 $DF_NET6 udp host-$DF_CL1_6" "cl1-tcp6 1 $DF_GW6 tcp host-$DF_CL1_6" \
	    "cl2-udp4 2 $DF_GW4 udp host-$DF_CL2_4" "cl2-tcp4 2 $DF_GW4 tcp host-$DF_CL2_4" \
	    "cl2-udp6 2 $DF_GW6 udp host-$DF_CL2_6" "cl2-tcp6 2 $DF_NET6 tcp host-$DF_CL2_6"; do
		read -r name n server proto want <<<"$spec"
		name=$r-$name.test
		if [[ $proto == tcp ]]; then opt=+tcp; else opt=+notcp; fi
		gw_dig "$n" "$server" A "$name" "$opt"
		SERVER=$server assert_dig NXDOMAIN
		got=$(sed -n "s/^logsocks: conn=[0-9]* user=\([^ ]*\) query $name\. A$/\1/p" \
		    "$DF_TMP/logsocks.log" | sort -u | paste -sd, -)
		echo "cl$n $proto to $server, $name: SOCKS user ${got:-none}"
		[[ $got == "$want" ]] || fail "$name went upstream as '${got:-nobody}', not $want"
	done
	# The gateway's own processes keep their uid keys.
	name=$r-gateway.test
	run timeout 20 ip netns exec "$DF_WS" "${DF_NOBODY[@]}" dig "@$DF_NET4" +tries=1 +time=5 "$name" A
	SERVER=$DF_NET4 assert_dig NXDOMAIN
	got=$(sed -n "s/^logsocks: conn=[0-9]* user=\([^ ]*\) query $name\. A$/\1/p" "$DF_TMP/logsocks.log")
	echo "the gateway's uid 65534, $name: SOCKS user ${got:-none}"
	[[ $got == uid-65534 ]] || fail "the gateway's own query went upstream as '$got', not uid-65534"
	users=$(grep -o 'user=[^ ]*' "$DF_TMP/logsocks.log" | sort | uniq -c)
	echo "SOCKS connections per user name:"
	echo "$users"
	dnsfence_stats
	grep 'stats isolation:' "$DF_TMP/dnsfence.log" | tail -n 1
	keys=$(stat_value keys isolation)
	[[ $(grep 'stats isolation:' "$DF_TMP/dnsfence.log" | tail -n 1) == *"mode=host"* ]] ||
		fail "isolation mode is not host"
	((keys >= 5)) || fail "dnsfence has $keys isolation keys, expected at least 5"
}

@test "gateway: a query from the outside, routed through the gateway, is dropped and counted" {
	local b a f=$DF_TMP/internal.pcap
	gw_running
	dnsfence_stats
	b=$(stat_value not_internal capture)
	df_tcpdump capgw "$DF_WS" "$DF_GWIF" "$f" udp port 53
	capture_start
	run netcmd "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_CL1_4" a.test A --timeout 1
	echo "from net to $DF_CL1_4: $output"
	((status == 2)) || fail "answered, or not a timeout"
	run netcmd "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_CL2_6" a.test AAAA --timeout 1
	echo "from net to $DF_CL2_6: $output"
	((status == 2)) || fail "answered, or not a timeout"
	capture_stop
	df_stop capgw
	dnsfence_stats
	a=$(stat_value not_internal capture)
	echo "not_internal: $b -> $a"
	echo "on eth1: $(tcpdump -r "$f" -n 2>/dev/null | wc -l) packet(s)"
	(($(tcpdump -r "$f" -n 2>/dev/null | wc -l) == 0)) || fail "a query reached the workstations' link"
	# net's own queries are on that wire; nothing else may be, but SOCKS TCP and the sentinels.
	(($(_capture_count "not (src host $DF_NET4 or src host $DF_NET6) and not $DF_SENTINELS" \
	    "and not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE)") == 0)) ||
		fail "the gateway answered the outside"
	((a - b == 2)) || fail "dnsfence counted $((a - b)) not_internal queries, not 2"
}

@test "gateway: a workstation spoofing an outside source is dropped, never answered, counted" {
	local b a
	gw_running
	dnsfence_stats
	b=$(stat_value spoofed capture)
	gw_capture_start
	run cl 1 "$LEAK_PROBE" -t -w 700 freebind-query 4 198.51.100.77 "$DF_NET4"
	echo "$output"
	[[ $output == noreply* ]] || fail "v4 to net: not noreply"
	run cl 1 "$LEAK_PROBE" -t -w 700 freebind-query 4 198.51.100.77 "$DF_GW4"
	echo "$output"
	[[ $output == noreply* ]] || fail "v4 to the gateway: not noreply"
	run cl 1 "$LEAK_PROBE" -t -w 700 freebind-query 6 2001:db8:53::77 "$DF_GW6"
	echo "$output"
	[[ $output == noreply* ]] || fail "v6 to the gateway: not noreply"
	gw_capture_stop
	assert_capture_clean_gw
	dnsfence_stats
	a=$(stat_value spoofed capture)
	echo "spoofed: $b -> $a"
	((a - b == 3)) || fail "dnsfence counted $((a - b)) spoofed queries, not 3"
}

# assert_capture_clean_gw: 2 workstation sentinels, nothing but SOCKS TCP.
assert_capture_clean_gw() {
	local s o
	s=$(gw_capture_sentinels)
	o=$(capture_non_socks_count)
	echo "capture: sentinels=$s non_socks=$o socks_tcp=$(capture_socks_count)"
	((s == 2 && o == 0)) || {
		_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE)"
		fail "the capture is not clean"
	}
}

# ---------------------------------------------------------------------------------------------
# The leak table: each state of the daemon, every case at once, one capture

@test "gateway state running: answered, nothing else on the wire" { gw_state running; }
@test "gateway state never-started: timeouts, nothing on the wire" { gw_state never-started; }
@test "gateway state sigstopped-flood: timeouts, nothing on the wire" { gw_state sigstopped-flood; }
@test "gateway state killed-9: timeouts, nothing on the wire" { gw_state killed-9; }
@test "gateway state socks-down: SERVFAIL, nothing on the wire" { gw_state socks-down; }
@test "gateway state resolver-down: SERVFAIL, nothing on the wire" { gw_state resolver-down; }
@test "gateway state max-pending-exhausted: SERVFAIL, nothing on the wire" {
	gw_state max-pending-exhausted
}

# ---------------------------------------------------------------------------------------------
# docs/gateway.md: beside a Whonix-Gateway firewall

# gw_whonix_on: ws as a Whonix-Gateway (whonix-gateway-firewall, iptables): forwarding off;
# IPv4 filter, nat and mangle flushed (raw is not), policies DROP, then the rules that matter
# here: INPUT drops all but lo, ESTABLISHED and Tor's ports on eth1 (DNSPort 5300, TransPort
# 9040), and ICMP; FORWARD rejects; OUTPUT rejects all but ESTABLISHED, the internal network
# (10.152.152.0-24) and lo; nat PREROUTING sends eth1's UDP/53 to the DNSPort and every new TCP
# connection to the TransPort. IPv6: filter and mangle flushed, everything dropped or rejected.
# Two holes stand in for Tor on the gateway: the test's SOCKS server is in net, and the
# sentinels. iptables-restore without --noflush flushes every table it names and deletes its
# chains, as Whonix's `iptables -F; iptables -X; iptables -t nat -F; ...` does.
gw_whonix_on() {
	: >"$DF_TMP/gw-whonix"
	ws sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
	ws iptables-restore -w <<EOF4
*mangle
COMMIT
*nat
-A PREROUTING -i $DF_GWIF -p udp --dport 53 -j REDIRECT --to-ports 5300
-A PREROUTING -i $DF_GWIF -p tcp --syn -j REDIRECT --to-ports 9040
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -i lo -j ACCEPT
-A INPUT -m state --state ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j DROP
-A INPUT -i $DF_GWIF -p udp --dport 5300 -j ACCEPT
-A INPUT -i $DF_GWIF -p tcp --dport 9040 -j ACCEPT
-A INPUT -j DROP
-A FORWARD -j REJECT --reject-with icmp-admin-prohibited
-A OUTPUT -m conntrack --ctstate INVALID -j REJECT --reject-with icmp-admin-prohibited
-A OUTPUT -m state --state ESTABLISHED -j ACCEPT
-A OUTPUT -m iprange --dst-range 10.152.152.0-10.152.152.24 -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -d $DF_NET4 -p tcp --dport $DF_SOCKS_PORT -m comment --comment "test: Tor" -j ACCEPT
-A OUTPUT -d $DF_NET4 -p tcp --dport $DF_SENTINEL_PORT -m comment --comment "test: sentinels" -j ACCEPT
-A OUTPUT -j REJECT --reject-with icmp-admin-prohibited
COMMIT
EOF4
	ws ip6tables-restore -w <<EOF6
*mangle
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -j DROP
-A FORWARD -j REJECT
-A OUTPUT -j REJECT
COMMIT
EOF6
}

# gw_whonix_off: the gateway of the other tests again (forwarding on, only dnsfence's rules).
gw_whonix_off() {
	local ipt
	for ipt in iptables ip6tables; do
		printf '*%s\nCOMMIT\n' raw mangle nat | ws "$ipt-restore" -w &&
		    printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' |
		    ws "$ipt-restore" -w
	done
	ws sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	topo_gw_load_rules >/dev/null
	rm -f "$DF_TMP/gw-whonix"
}

@test "docs/gateway.md: beside Whonix's firewall, forwarding off, dnsfence takes the DNS first" {
	gw_running
	gw_whonix_on
	run ws sh "$FIREWALL" status --backend iptables
	echo "after Whonix's (re)load, status says ($status):"
	echo "$output" | head -n 5
	((status != 0)) || fail "status did not notice that Whonix's flush removed the rules"
	# Meanwhile a query goes to Whonix's redirect (Tor's DNSPort; nothing listens in the test).
	capture_start
	gw_dig 1 "$DF_NET4" A a.test +time=1
	capture_stop
	assert_capture_clean
	echo "without dnsfence's rules, Whonix's DNSPort redirect took $(gw_pkts nat PREROUTING 4 'redir ports 5300') query"
	(($(gw_pkts nat PREROUTING 4 'redir ports 5300') == 1)) || fail "the query did not go to the DNSPort redirect"
	ws iptables -w -t nat -Z PREROUTING
	topo_gw_load_rules >/dev/null
	run ws sh "$FIREWALL" status --backend iptables
	((status == 0)) || fail "dnsfence-firewall load did not put the rules back"
	capture_start
	gw_dig 1 "$DF_NET4" MX test
	SERVER=$DF_NET4 assert_dig NOERROR
	assert_rr test. MX "10 mail.test."
	gw_dig 2 "$DF_GW4" SRV _xmpp-client._tcp.test
	SERVER=$DF_GW4 assert_dig NOERROR
	gw_dig 1 "$GW_ANY4" TXT txt.test
	SERVER=$GW_ANY4 assert_dig NOERROR
	# Whonix's INPUT drops port 54 on eth1: TCP/53 times out until it is opened.
	gw_dig 1 "$DF_NET4" A a.test +tcp +time=2
	echo "$output" | grep -E 'timed out|no servers' || fail "TCP/53 was answered although INPUT drops port 54"
	capture_stop
	assert_capture_clean
	echo "Whonix's UDP/53 -> DNSPort redirect saw $(gw_pkts nat PREROUTING 4 'redir ports 5300') packets," \
	    "its TCP -> TransPort redirect $(gw_pkts nat PREROUTING 4 'redir ports 9040')"
	(($(gw_pkts nat PREROUTING 4 'redir ports 5300') == 0)) || fail "a query reached Whonix's DNS redirect"

	# Port 54 opened on eth1, the command of docs/gateway.md:
	ws iptables -w -I INPUT -i "$DF_GWIF" -p tcp --dport 54 -j ACCEPT
	capture_start
	gw_dig 1 "$DF_NET4" A a.test +tcp
	SERVER=$DF_NET4 assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	gw_dig 2 "$DF_GW4" TXT txt.test +tcp
	SERVER=$DF_GW4 assert_dig NOERROR
	capture_stop
	assert_capture_clean
	(($(gw_pkts nat PREROUTING 4 'redir ports 9040') == 0)) || fail "TCP/53 reached Whonix's TransPort redirect"
	(($(gw_pkts nat DNSFENCE_GWTCP 4 'redir ports 54') >= 2)) || fail "dnsfence's redirect did not count the TCP/53"
	gw_whonix_off
}

# ---------------------------------------------------------------------------------------------

@test "gateway leak table" {
	local f=$BATS_RUN_TMPDIR/gateway-leaks.txt
	gw_table >"$f"
	{
		echo "# gateway leak table (cells: outcome/packets of that case on the outside wire)"
		sed 's/^/# /' "$f"
	} >&3
	echo "written to $f"
	if [[ -n ${GATEWAY_TABLE_OUT:-} ]]; then
		cp "$f" "$GATEWAY_TABLE_OUT"
	fi
	! grep -q '!' <(sed '/^! = /,$d' "$f") || fail "a cell failed"
}
