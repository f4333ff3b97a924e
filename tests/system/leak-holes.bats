#!/usr/bin/env bats
# leak-holes.bats: the leak paths of issue 9 that are not a cell of the leak matrix. Each is
# proved with a packet capture or a counter, and each has its control, a run in which the same
# check does see the hole:
#   - TCP hijack: the redirect's target, port 54, is privileged: while dnsfence does not listen
#     there, no local user can take it (an unprivileged port: anyone can); dnsfence and the loader
#     refuse an unprivileged one;
#   - the kernel's TCP reset for a redirected connection that conntrack forgot (dnsfence stalled
#     longer than the conntrack timeouts) stays in ws;
#   - DNAT in ws does not change the address a forwarded client's reply comes from (queued in
#     mangle PREROUTING, before nat);
#   - EDNS: COOKIE, Client Subnet, NSID and dnsmasq's MAC options never reach the recursor, DO
#     does; options in a recursor's answer never reach the client; only padding passes;
#   - an answer near 64 KiB over UDP, IPv4 and IPv6: a reply arrives, dnsfence stays up;
#   - a forwarded client with a strict conntrack INPUT policy takes the reply.
#
# The topology and the ruleset are the leak matrix's (leak_setup_file in leak-helpers.bash): ws
# with the project's ruleset and default routes towards net, and ct behind ws.

load ../lib/netns
load helpers
load leak-helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

PCAP_DNS=$DF_REPO/tests/system/pcap-dns.py
FAKE_PORT=5300			# the fake recursor (dnsq.py serve-tcp --edns-options) in net
DNAT4=192.0.2.53		# where ws's DNAT sends ct's DNS
DNAT6=2001:db8:53::53
FIREWALL=$DF_REPO/src/dnsfence-firewall.sh
EDNS_DIG=(+cookie +subnet=192.0.2.0/24 +nsid +padding=128 +dnssec)	# kdig takes the same

setup_file() {
	leak_file_up
}

teardown_file() {
	leak_file_down
}

setup() {
	df_alive dnsfence || dnsfence_start
}

teardown() {
	df_teardown_common
	leak_teardown
	df_stop caplo_net
	df_stop caplo_ws
	df_stop capct
	df_stop fakeres
	holes_undo
	if [[ -f $DF_TMP/need-restart ]]; then
		dnsfence_stop
		rm -f "$DF_TMP/need-restart"
	fi
}

# ---------------------------------------------------------------------------------------------
# Rules the tests add to ws and ct. Each is marked in $DF_TMP/holes.NAME while it is in place,
# and holes_undo (teardown) removes what a failed test left, by its exact spec.

holes_rule() {	# -I|-D NAME
	local op
	case $2 in
	dnat4) ws iptables -w -t nat "$1" PREROUTING -i "$DF_VCTGW" -p udp --dport 53 \
	    -j DNAT --to-destination "$DNAT4" ;;
	dnat6) ws ip6tables -w -t nat "$1" PREROUTING -i "$DF_VCTGW" -p udp --dport 53 \
	    -j DNAT --to-destination "$DNAT6" ;;
	# The control of the DNAT test: the query queued after the DNAT, in filter FORWARD.
	fwdqueue) ws iptables -w "$1" FORWARD -i "$DF_VCTGW" -p udp --dport 53 \
	    -j NFQUEUE --queue-num "$DF_QUEUE" ;;
	# ...and the ruleset's own capture in mangle PREROUTING taken away meanwhile.
	prejump) if [[ $1 == -I ]]; then op=-D; else op=-I; fi
		ws iptables -w -t mangle "$op" PREROUTING -j DNSFENCE_PRE ;;
	*) echo "holes_rule: unknown rule $2"; return 1 ;;
	esac || return 1
	if [[ $1 == -I ]]; then : >"$DF_TMP/holes.$2"; else rm -f "$DF_TMP/holes.$2"; fi
}

# holes_ct_strict -A|-D: ct drops what it did not ask for: INPUT policy DROP, accepting lo,
# conntrack ESTABLISHED/RELATED and (IPv6) neighbour discovery. -D undoes all of it, also after
# a partial -A (the policy first).
holes_ct_strict() {
	local ipt rc=0 rules=(
	    "-i lo -j ACCEPT"
	    "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"
	    "6 -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT"
	    "6 -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT")
	local r
	: >"$DF_TMP/holes.ctstrict"
	for ipt in iptables ip6tables; do
		[[ $1 == -A ]] || ctcmd "$ipt" -w -P INPUT ACCEPT || rc=1
		for r in "${rules[@]}"; do
			[[ $r != "6 "* || $ipt == ip6tables ]] || continue
			# shellcheck disable=SC2086 # a rule is words
			ctcmd "$ipt" -w "$1" INPUT ${r#6 } 2>/dev/null || rc=1
		done
		[[ $1 == -D ]] || ctcmd "$ipt" -w -P INPUT DROP || rc=1
	done
	[[ $1 == -A ]] || rm -f "$DF_TMP/holes.ctstrict"
	return $rc
}

# holes_ct_timeouts set|restore: ws's conntrack forgets closing TCP connections after 1 s (the
# values before are kept in the marker file).
HOLES_CT_TIMEOUTS="fin_wait close_wait last_ack"
holes_ct_timeouts() {
	local t v
	if [[ $1 == set ]]; then
		for t in $HOLES_CT_TIMEOUTS; do
			echo "$t=$(ws sysctl -n "net.netfilter.nf_conntrack_tcp_timeout_$t")"
		done >"$DF_TMP/holes.cttimeouts"
		for t in $HOLES_CT_TIMEOUTS; do
			ws sysctl -qw "net.netfilter.nf_conntrack_tcp_timeout_$t=1" || return 1
		done
	else
		while IFS='=' read -r t v; do
			ws sysctl -qw "net.netfilter.nf_conntrack_tcp_timeout_$t=$v" || return 1
		done <"$DF_TMP/holes.cttimeouts"
		rm -f "$DF_TMP/holes.cttimeouts"
	fi
}

holes_undo() {
	local f
	[[ -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	if df_alive dnsfence; then kill -CONT "$(dnsfence_worker_pid)" 2>/dev/null || true; fi
	for f in "$DF_TMP"/holes.*; do
		[[ -f $f ]] || continue
		case ${f##*.} in
		ctstrict) holes_ct_strict -D ;;
		cttimeouts) holes_ct_timeouts restore ;;
		*) holes_rule -D "${f##*.}" ;;
		esac || echo "teardown: could not undo ${f##*.}" >&2
	done
}

# holes_tcp53_open: ws's conntrack still tracks a TCP/53 connection that is not over.
holes_tcp53_open() {
	ws cat /proc/net/nf_conntrack | grep -E ' tcp +6 [0-9]+ [A-Z_]+ ' |
	    grep -vE ' (TIME_WAIT|CLOSE) ' | grep -q ' dport=53 '
}

# holes_answered N: dnsfence has answered N queries or more.
holes_answered() {
	local a
	a=$(holes_stat answered answers) && ((a >= $1))
}

# holes_ct_asks: ct asks net's addresses, v4 and v6; each answer must come from the address asked.
holes_ct_asks() {
	local out
	out=$(LEAK_IN=$DF_CT _leak_dig "$DF_NET4" A 192.0.2.1)
	printf '%s\n' "$out"
	[[ $out == *"outcome=answered" ]] || fail "ct's IPv4 query was not answered from $DF_NET4"
	out=$(LEAK_IN=$DF_CT _leak_dig "$DF_NET6" AAAA 2001:db8::1)
	printf '%s\n' "$out"
	[[ $out == *"outcome=answered" ]] || fail "ct's IPv6 query was not answered from $DF_NET6"
}

# holes_pkts TABLE CHAIN PATTERN: packets counted by the ws iptables rule whose listing matches.
holes_pkts() {
	ws iptables -w -t "$1" -L "$2" -v -n -x | awk -v p="$3" '$0 ~ p { print $1; exit }'
}

# holes_restart [--key value ...]: this test's own daemon; teardown() stops it again.
holes_restart() {
	: >"$DF_TMP/need-restart"
	dnsfence_stop
	dnsfence_start "$@"
}

# holes_stat NAME GROUP: a fresh counter from dnsfence.
holes_stat() {
	dnsfence_stats >/dev/null && stat_value "$1" "$2"
}

# holes_dns FILE: the DNS messages in a capture (tests/system/pcap-dns.py); fails on a message or
# stream it cannot read.
holes_dns() {
	"$DF_PYTHON" "$PCAP_DNS" "$1" || { echo "pcap-dns.py could not read all of $1"; return 1; }
}

# holes_bad_options: the lines on stdin whose EDNS options are other than padding (12).
holes_bad_options() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^options=/) { o = substr($i, 9) } }
		o != "-" && o !~ /^12(,12)*$/ { print }'
}

# ---------------------------------------------------------------------------------------------
# TCP hijack

@test "TCP hijack: without dnsfence, uid 65534 cannot bind the redirect's port 54 (control: 9054)" {
	local a ipt
	dnsfence_stop
	for ipt in iptables ip6tables; do
		run ws "$ipt" -w -t nat -S DNSFENCE_TCP
		[[ $output == *"--to-ports 54"* ]] || fail "$ipt: the ruleset does not redirect to port 54"
	done
	for a in 127.0.0.1 ::1; do
		run ws "${LEAK_NOBODY[@]}" "$LEAK_PROBE" bind-tcp "$a" 54
		echo "$output"
		[[ $output == EACCES* ]] || fail "uid 65534 could bind $a port 54"
		# The control: an unprivileged port, as the redirect target was before, is anyone's.
		run ws "${LEAK_NOBODY[@]}" "$LEAK_PROBE" bind-tcp "$a" 9054
		echo "$output"
		[[ $output == bound* ]] || fail "control: uid 65534 could not bind $a port 9054 either"
	done
}

@test "TCP hijack: dnsfence refuses to listen on an unprivileged port, naming the sysctl" {
	local l
	dnsfence_stop
	dnsfence_write_conf "$DF_CONF"
	for l in 127.0.0.1:9054 '[::1]:9054'; do
		run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --listen-tcp "$l"
		echo "$output"
		((status == 1)) || fail "--listen-tcp $l: exit $status, not 1"
		[[ $output == *ip_unprivileged_port_start* ]] ||
			fail "--listen-tcp $l: the message does not name ip_unprivileged_port_start"
	done
	# The control: the same command line with port 54 starts.
	holes_restart --listen-tcp 127.0.0.1:54
}

@test "TCP hijack: the loader refuses --tcp-port 9054 and changes nothing" {
	local before cmd
	before=$(ws iptables-save -t nat | grep -- '-j DNSFENCE\|DNSFENCE_TCP')
	for cmd in load check; do
		run ws sh "$FIREWALL" "$cmd" --backend iptables --tcp-port 9054
		echo "$output"
		((status != 0)) || fail "$cmd --tcp-port 9054 succeeded"
		[[ $output == *ip_unprivileged_port_start* ]] ||
			fail "$cmd --tcp-port 9054: the message does not name ip_unprivileged_port_start"
	done
	[[ $(ws iptables-save -t nat | grep -- '-j DNSFENCE\|DNSFENCE_TCP') == "$before" ]] ||
		fail "the refused load changed the nat rules"
	# The control: port 54 passes the same check.
	run ws sh "$FIREWALL" check --backend iptables --tcp-port 54
	echo "$output"
	((status == 0)) || fail "control: check --tcp-port 54 failed"
}

# ---------------------------------------------------------------------------------------------
# DNAT

@test "DNAT in ws: a forwarded client's reply still comes from the address it asked" {
	local out f=$DF_TMP/dnat-ct.pcap g=$DF_TMP/dnat-control.pcap
	holes_rule -I dnat4
	holes_rule -I dnat6
	df_tcpdump capct "$DF_CT" "$DF_VCT" "$f" udp port 53
	capture_start
	holes_ct_asks
	capture_stop
	df_stop capct
	assert_capture_clean
	run tcpdump -r "$f" -n src port 53
	echo "replies on ct's link:"
	echo "$output"
	[[ $output != *"$DNAT4.53 >"* && $output != *"$DNAT6.53 >"* ]] ||
		fail "a reply came from the DNAT's address"
	# The query was queued in mangle PREROUTING: it never reached the DNAT in nat PREROUTING.
	(($(holes_pkts nat PREROUTING "to:$DNAT4") == 0)) || fail "a query reached the DNAT rule"

	# The control: queued after the DNAT (the ruleset's PREROUTING jump taken away, a queue in
	# filter FORWARD), the reply is forged from the DNAT's address, and the client drops it.
	holes_rule -I prejump
	holes_rule -I fwdqueue
	df_tcpdump capct "$DF_CT" "$DF_VCT" "$g" udp port 53
	out=$(LEAK_IN=$DF_CT _leak_dig "$DF_NET4" A 192.0.2.1)
	printf '%s\n' "$out"
	df_stop capct
	holes_rule -D fwdqueue
	holes_rule -D prejump
	run tcpdump -r "$g" -n src port 53
	echo "control, replies on ct's link:"
	echo "$output"
	(($(holes_pkts nat PREROUTING "to:$DNAT4") > 0)) || fail "control: the DNAT rule saw nothing"
	[[ $output == *"$DNAT4.53 >"* ]] || fail "control: no reply forged from $DNAT4"
	[[ $out != *"outcome=answered" ]] || fail "control: answered although queued after the DNAT"
	run ws sh "$FIREWALL" status --backend iptables
	echo "$output"
	((status == 0)) || fail "the ruleset is not whole again after the control"
}

# ---------------------------------------------------------------------------------------------
# EDNS

@test "EDNS: COOKIE, Client Subnet, NSID and MAC options never reach the recursor, DO does" {
	local n0 n1 n net ws_dns bad
	n0=$(holes_stat stripped_queries edns)
	df_tcpdump caplo_net "$DF_NET" lo "$DF_TMP/edns-net.pcap" port 53
	df_tcpdump caplo_ws "$DF_WS" lo "$DF_TMP/edns-ws.pcap" port 53 or port 54
	capture_start
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=5 "${EDNS_DIG[@]}" \
	    +ednsopt=65001:0011223344aa e1.test A
	echo "$output"
	[[ $output == *"status: NXDOMAIN,"* ]] || fail "dig over UDP: no answer"
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET6" +tcp +tries=1 +time=5 "${EDNS_DIG[@]}" \
	    +ednsopt=65073:0011223344aa e2.test A
	echo "$output"
	[[ $output == *"status: NXDOMAIN,"* ]] || fail "dig over TCP: no answer"
	run timeout 20 ip netns exec "$DF_WS" kdig "@$DF_NET6" +notcp +retry=0 +timeout=5 \
	    "${EDNS_DIG[@]}" +ednsopt=65001:0011223344aa e3.test A
	echo "$output"
	[[ $output == *"status: NXDOMAIN;"* ]] || fail "kdig over UDP: no answer"
	run timeout 20 ip netns exec "$DF_WS" kdig "@$DF_NET4" +tcp +retry=0 +timeout=5 \
	    "${EDNS_DIG[@]}" e4.test A
	echo "$output"
	[[ $output == *"status: NXDOMAIN;"* ]] || fail "kdig over TCP: no answer"
	capture_stop
	df_stop caplo_net
	df_stop caplo_ws
	assert_capture_clean

	net=$(holes_dns "$DF_TMP/edns-net.pcap") || fail "$net"
	ws_dns=$(holes_dns "$DF_TMP/edns-ws.pcap") || fail "$ws_dns"
	echo "--- what reached unbound (net's lo):"
	printf '%s\n' "$net"
	echo "--- DNS on ws's lo (clients' TCP queries, every answer to a client):"
	printf '%s\n' "$ws_dns"
	for n in 1 2 3 4; do
		(($(grep -c " qr=0 .* q=e$n.test./1 .* do=1 " <<<"$net") == 1)) ||
			fail "unbound did not get the query for e$n.test exactly once, with DO"
	done
	bad=$(grep ' qr=0 ' <<<"$net" | holes_bad_options)
	[[ -z $bad ]] || fail "options other than padding reached unbound: $bad"
	grep ' qr=0 ' <<<"$net" | grep -qv ' extra=0$' && fail "extra additional records reached unbound"
	(($(grep -c ' qr=1 ' <<<"$ws_dns") >= 4)) || fail "fewer than 4 answers to the clients on ws's lo"
	bad=$(grep ' qr=1 ' <<<"$ws_dns" | holes_bad_options)
	[[ -z $bad ]] || fail "an answer to a client carries options other than padding: $bad"
	# The control: the clients' own TCP queries, seen by the same reader, do carry the options.
	grep ' qr=0 .* q=e2.test' <<<"$ws_dns" | grep -qE 'options=([0-9]+,)*10(,| )' ||
		fail "control: the reader did not see the COOKIE in the client's own query"
	n1=$(holes_stat stripped_queries edns)
	echo "stripped_queries: $n0 -> $n1"
	((n1 - n0 >= 4)) || fail "stripped_queries grew by $((n1 - n0)), not by 4"
}

@test "EDNS: options a recursor puts in its answers never reach the client; padding may" {
	local n0 n1 n ws_dns bad
	df_spawn fakeres "$DF_NET" "$DF_TMP/fakeres.log" "$DF_PYTHON" -u "$DF_LIB/dnsq.py" \
	    serve-tcp 127.0.0.1 "$FAKE_PORT" --edns-options
	# The control: asked directly, the fake recursor does answer with NSID, COOKIE and the rest.
	for ((n = 0; n < 50; n++)); do
		run netcmd dig +tcp -p "$FAKE_PORT" @127.0.0.1 +tries=1 +time=1 +nsid probe.test A
		[[ $output == *"; NSID:"* ]] && break
		sleep 0.1
	done
	echo "$output"
	[[ $output == *"; NSID:"* && $output == *"; COOKIE:"* ]] ||
		fail "control: the fake recursor's answer has no NSID or COOKIE"
	holes_restart --resolver "127.0.0.1:$FAKE_PORT"
	n0=$(holes_stat stripped_answers edns)
	df_tcpdump caplo_ws "$DF_WS" lo "$DF_TMP/edns-ans.pcap" port 53 or port 54
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=5 +nsid +dnssec f1.test A
	echo "$output"
	[[ $output == *"status: NOERROR,"* ]] || fail "dig over UDP: no answer"
	run timeout 20 ip netns exec "$DF_WS" dig "@$DF_NET6" +tcp +tries=1 +time=5 +nsid f2.test A
	echo "$output"
	[[ $output == *"status: NOERROR,"* ]] || fail "dig over TCP: no answer"
	run timeout 20 ip netns exec "$DF_WS" kdig "@$DF_NET6" +notcp +retry=0 +timeout=5 +nsid \
	    +cookie f3.test A
	echo "$output"
	[[ $output == *"status: NOERROR;"* ]] || fail "kdig over UDP: no answer"
	df_stop caplo_ws
	ws_dns=$(holes_dns "$DF_TMP/edns-ans.pcap") || fail "$ws_dns"
	printf '%s\n' "$ws_dns"
	(($(grep -c ' qr=1 .* q=f[123].test./1 .* opt=1 ' <<<"$ws_dns") == 3)) ||
		fail "not 3 answers with an OPT record to the clients on ws's lo"
	bad=$(grep ' qr=1 ' <<<"$ws_dns" | holes_bad_options)
	[[ -z $bad ]] || fail "an answer to a client carries options other than padding: $bad"
	cat "$DF_TMP/fakeres.log"
	(($(grep -cE '^query f[123].test. 1 .* opts=(-|12)$' "$DF_TMP/fakeres.log") == 3)) ||
		fail "the fake recursor did not get the 3 queries with no option but padding"
	n1=$(holes_stat stripped_answers edns)
	echo "stripped_answers: $n0 -> $n1"
	((n1 - n0 >= 3)) || fail "stripped_answers grew by $((n1 - n0)), not by 3"
}

# ---------------------------------------------------------------------------------------------
# An answer near 64 KiB

@test "a ~64 KiB answer over UDP, IPv4 and IPv6: a reply arrives, dnsfence stays up" {
	local server t0 t1 e0 e1 a0 a1 tc=0 size max
	# unbound serves the whole RRset over TCP in net.
	run netcmd dig +tcp @127.0.0.1 +tries=1 +time=5 +bufsize=65535 huge.test TXT
	[[ $output == *"ANSWER: $DF_HUGE_RECORDS,"* ]] ||
		fail "unbound does not serve huge.test's $DF_HUGE_RECORDS records over TCP"
	size=$(sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\)$/\1/p' <<<"$output")
	echo "unbound's answer over TCP: $size bytes"
	((size > 65507)) || fail "huge.test's answer ($size bytes) is not above what IPv4 UDP carries"
	dnsfence_stats
	t0=$(stat_value truncated answers)
	e0=$(stat_value inject_errors answers)
	a0=$(stat_value answered answers)
	capture_start
	# dig asks with a 1232-byte buffer whatever +bufsize says: kdig asks with 65535.
	for server in "$DF_NET4" "$DF_NET6"; do
		run timeout 20 ip netns exec "$DF_WS" kdig "@$server" +notcp +ignore +retry=0 +timeout=5 \
		    +bufsize=65535 huge.test TXT
		grep -E '^;; (Flags|Received|From)|status' <<<"$output" || true
		[[ $output == *"status: NOERROR;"* ]] || fail "no reply from $server over UDP"
		[[ ${output,,} == *"from ${server,,}@53(udp)"* ]] || fail "the reply is not from $server"
		size=$(sed -n 's/^;; Received \([0-9]*\) B$/\1/p' <<<"$output")
		max=65507
		[[ $server == "$DF_NET4" ]] || max=65527
		((size <= max)) || fail "a $size-byte UDP reply from $server: more than UDP carries"
		if [[ $output == *";; Flags: qr aa tc"* ]]; then tc=$((tc + 1)); fi
		df_alive dnsfence || fail "dnsfence died on the reply to $server"
	done
	# The next query is answered, over UDP and over TCP (whole, through the listener).
	qdig a.test A
	assert_dig NOERROR
	run timeout 20 ip netns exec "$DF_WS" kdig "@$DF_NET4" +tcp +retry=0 +timeout=5 huge.test TXT
	[[ $output == *"ANSWER: $DF_HUGE_RECORDS;"* ]] || fail "over TCP the whole answer did not arrive"
	capture_stop
	assert_capture_clean
	dnsfence_stats
	dnsfence_stats_lines
	t1=$(stat_value truncated answers)
	e1=$(stat_value inject_errors answers)
	a1=$(stat_value answered answers)
	echo "TC replies: $tc; truncated $t0 -> $t1; inject_errors $e0 -> $e1; answered $a0 -> $a1"
	((t1 - t0 == tc)) || fail "truncated grew by $((t1 - t0)), but $tc replies had TC"
	((e1 == e0)) || fail "inject_errors grew: a reply was not sent"
	((a1 - a0 >= 4)) || fail "answered grew by $((a1 - a0)), not by 4"
}

# ---------------------------------------------------------------------------------------------
# A forwarded client that drops what it did not ask for

@test "a forwarded client with a strict conntrack INPUT policy takes the reply (its own 5-tuple)" {
	local p0 p1 rc=0
	holes_ct_strict -A
	# The control: the policy drops what ct did not ask for (a TCP SYN from ws: no RST comes).
	p0=$(ctcmd iptables -w -L INPUT -v -x -n | sed -n 's/^Chain INPUT (policy DROP \([0-9]*\) .*/\1/p')
	# shellcheck disable=SC2016 # expanded by the inner bash
	ws timeout 2 bash -c 'exec 9<>"/dev/tcp/$1/5555"' probe "$DF_CT4" 2>/dev/null || rc=$?
	p1=$(ctcmd iptables -w -L INPUT -v -x -n | sed -n 's/^Chain INPUT (policy DROP \([0-9]*\) .*/\1/p')
	echo "unsolicited SYN to ct: exit $rc; ct's INPUT policy dropped $p0 -> $p1"
	((rc == 124 && p1 > p0)) || fail "control: ct's INPUT policy did not drop an unsolicited SYN"
	capture_start
	holes_ct_asks
	capture_stop
	assert_capture_clean
	holes_ct_strict -D
}

# ---------------------------------------------------------------------------------------------
# Last: where the reset does leave, the listener retransmits its FIN for minutes (the reset never
# reaches it), and each retransmission draws another reset, which later captures would see.

@test "TCP: the kernel's reset for a redirected connection that conntrack forgot stays in ws" {
	local a0 v i
	# dnsfence stalls while clients give up over TCP; their conntrack entries expire (ws's
	# timeouts cut to 1 s). When dnsfence goes on, it answers clients that are gone, from the
	# listener's address, which nothing translates back now, and the kernel answers each with
	# a reset. That reset must stay in ws.
	a0=$(holes_stat answered answers)
	holes_ct_timeouts set
	kill -STOP "$(dnsfence_worker_pid)"
	for v in "$DF_NET4" "$DF_NET6"; do
		run timeout 10 ip netns exec "$DF_WS" dig "@$v" +tcp +tries=1 +time=1 a.test A
		[[ $output == *"timed out"* ]] || fail "dig +tcp to $v was not left waiting"
	done
	for ((i = 0; i < 100; i++)); do
		holes_tcp53_open || break
		sleep 0.1
	done
	! holes_tcp53_open || fail "ws's conntrack did not forget the connections within 10 s"
	capture_start
	kill -CONT "$(dnsfence_worker_pid)"
	leak_wait_for holes_answered $((a0 + 2)) || fail "dnsfence did not answer the two queries"
	capture_stop
	holes_ct_timeouts restore
	assert_capture_clean
}
