#!/usr/bin/env bats
# firewall.bats: dnsfence-firewall and its rulesets, with no daemon (nobody is bound to the
# queue: what is queued is dropped).
#   - the loader: check, load/status/unload, idempotence, jumps first again after a foreign rule,
#     status naming what is missing, all-or-nothing load across families (a failing
#     ip6tables-restore), option checks (--tcp-port privileged, --mark-forward, --allow-udp,
#     --allow-ping);
#   - traffic through the iptables ruleset, captured on the far side: non-TCP protocols and ICMP
#     from the fenced host, marked packets off their path, forwarded DNS and non-TCP;
#   - the nftables ruleset in a namespace, with its queue statement replaced by drop where the
#     kernel lacks nft_queue (this one does);
#   - gateway mode (A the gateway, C its client behind the internal interface, B outside): the
#     options and refusals, load/status/unload and mode changes, and traffic through both
#     backends: C's DNS queued or redirected whatever it asks, its other non-TCP dropped, what the
#     gateway serves C (DHCP, ICMP) out of the internal interface only, the forward mark only
#     there, and a Whonix-style DNSPort redirect that never sees C's query.
#   - --audit: the NFLOG/log rule before each leak drop (print, both backends), nothing else
#     changed without it; its options; status (group, rate, audit_logged, a wrong group or rate);
#     traffic logged to a listener on the group (tcpdump -i nflog:G) and still dropped; a load
#     the kernel refuses for want of NFLOG, rolled back.
# Every "does not cross" has a control showing that the same probe crosses without the ruleset.
# Topology and probes: firewall-helpers.bash (namespaces A, B, C; the ruleset lives in A).

load ../lib/netns
load helpers
load firewall-helpers

# shellcheck disable=SC2034 # read by bats: the tests share the namespaces
BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	local why
	if why=$(fw_env_missing); then
		skip "$why"
	fi
	fw_up || {
		fw_down
		return 1
	}
}

teardown_file() {
	fw_down
}

setup() {
	fw_clean
}

teardown() {
	df_stop capture
	df_stop listen
	fw_clean
}

# ---------------------------------------------------------------------------------------------
# The loader

@test "check: both rulesets validate with any options; a broken rules file fails the check" {
	local b opts=(--allow-ping --keep-loopback-dns --allow-udp 0:67 --queue 3 --mark 0x10
		--mark-forward 0x20)
	for b in iptables nftables; do
		run fw check --backend "$b"
		((status == 0)) || fail "check --backend $b"
		[[ $output == *"$b ruleset valid"* ]] || fail "check --backend $b says nothing valid"
		run fw check --backend "$b" "${opts[@]}"
		((status == 0)) || fail "check --backend $b ${opts[*]}"
	done
	# Without nft_queue the nftables check says what it could not check.
	if ! fw_has_nft_queue; then
		run fw check --backend nftables
		[[ $output == *"except the queue statement"* ]] || fail "nftables check hides the queue"
	fi
	assert_nothing_loaded

	# The control: check does fail on a broken ruleset (iptables-restore --test only parses: an
	# unknown match is caught, an unknown target would pass as a chain name).
	mkdir -p "$BATS_TEST_TMPDIR/rules/iptables" "$BATS_TEST_TMPDIR/rules/nftables"
	sed 's/-m addrtype/-m no_such_match/' "$DF_REPO/iptables/dnsfence.rules" \
	    >"$BATS_TEST_TMPDIR/rules/iptables/dnsfence.rules"
	sed 's/fib daddr type unicast/fib daddr type no-such-type/' "$DF_REPO/nftables/dnsfence.nft" \
	    >"$BATS_TEST_TMPDIR/rules/nftables/dnsfence.nft"
	for b in iptables nftables; do
		run nsa env DNSFENCE_RULESDIR="$BATS_TEST_TMPDIR/rules" sh "$FW_LOADER" check --backend "$b"
		((status != 0)) || fail "check --backend $b passed a broken ruleset"
	done
}

@test "load, status, unload: a round trip in both families (iptables)" {
	run fw status --backend iptables
	((status == 1)) || fail "status before load exited $status"
	[[ $output == *"loaded: no (iptables)"* ]] || fail "status before load"

	run fw load --backend iptables
	((status == 0)) || fail "load"
	[[ $output == *"loaded (iptables, queue 0, mark 0x646e73, mark-forward 0x646e74, tcp port 54)"* ]] ||
		fail "load does not say what it loaded"
	run fw status --backend iptables
	((status == 0)) || fail "status after load exited $status"
	[[ $output == *"loaded: yes (iptables)"* ]] || fail "status: not loaded: yes"
	local f
	for f in 4 6; do
		grep -qx "ipv$f: queued=0 udp_dropped=0 proto_dropped=0 icmp_dropped=0 marked_dropped=0 fwd_queued=0 fwd_dropped=0" \
		    <<<"$output" || fail "status: no counters line for ipv$f (workstation mode: no gateway counters)"
	done
	[[ $output == *"queue 0: nobody bound"* ]] || fail "status: no queue line"
	[[ $output != *"missing:"* && $output != *"not first:"* ]] || fail "status reports problems"
	assert_jumps_first

	run fw unload --backend iptables
	((status == 0)) || fail "unload"
	assert_nothing_loaded
	run fw status --backend iptables
	((status == 1)) || fail "status after unload exited $status"
	[[ $output == *"loaded: no (iptables)"* ]] || fail "status after unload"
	run fw unload --backend iptables
	((status == 0)) || fail "a second unload"
}

@test "a second load is idempotent: the same rules, one jump each" {
	local a4 a6 f j t b c n
	fw load --backend iptables >/dev/null
	a4=$(fw_ours 4)
	a6=$(fw_ours 6)
	fw load --backend iptables >/dev/null
	[[ $(fw_ours 4) == "$a4" ]] || fail "ipv4 rules differ after the second load"
	[[ $(fw_ours 6) == "$a6" ]] || fail "ipv6 rules differ after the second load"
	for f in 4 6; do
		for j in "${FW_JUMPS[@]}"; do
			read -r t b c <<<"$j"
			n=$(fw_ours "$f" | grep -c -- "^-A $b -j $c\$") || true
			((n == 1)) || fail "ipv$f $t: $n jumps $b -> $c"
		done
	done
	assert_jumps_first
}

@test "load again puts the jumps first after foreign rules were inserted above them" {
	local f j t b c
	fw load --backend iptables >/dev/null
	fw_foreign
	run fw status --backend iptables
	((status == 1)) || fail "status exited $status with foreign rules above the jumps"
	[[ $output == *"not first: ipv6 filter FORWARD -> DNSFENCE_FWD (rule 2)"* ]] ||
		fail "status does not name the FORWARD jump"
	(($(grep -c '^not first: ' <<<"$output") == 12)) || fail "status does not name all 12 jumps"

	run fw load --backend iptables
	((status == 0)) || fail "the second load"
	assert_jumps_first
	for f in 4 6; do
		for j in "${FW_JUMPS[@]}"; do
			read -r t b c <<<"$j"
			[[ $(nsa "$(fw_ipt "$f")" -w -t "$t" -S "$b" | grep '^-A ' | sed -n 2p) == *foreign* ]] ||
				fail "ipv$f $t $b: the foreign rule is not second any more"
		done
	done
	run fw status --backend iptables
	((status == 0)) || fail "status after the second load"
}

@test "status exits 1 and names a jump deleted by hand, a missing chain and a flushed chain" {
	fw load --backend iptables >/dev/null
	nsa ip6tables -w -t raw -D OUTPUT -j DNSFENCE_RAW
	run fw status --backend iptables
	((status == 1)) || fail "status exited $status without the ipv6 raw jump"
	[[ $output == *"loaded: incomplete (iptables)"* ]] || fail "status: not incomplete"
	[[ $(grep -E '^(missing|not first): ' <<<"$output") == "missing: ipv6 raw jump OUTPUT -> DNSFENCE_RAW" ]] ||
		fail "status does not name exactly the deleted jump"

	nsa iptables -w -t mangle -D PREROUTING -j DNSFENCE_PRE
	nsa iptables -w -t mangle -F DNSFENCE_PRE
	nsa iptables -w -t mangle -X DNSFENCE_PRE
	run fw status --backend iptables
	((status == 1)) || fail "status exited $status"
	[[ $output == *"missing: ipv4 mangle chain DNSFENCE_PRE"* ]] || fail "no missing chain"
	[[ $output == *"missing: ipv4 mangle jump PREROUTING -> DNSFENCE_PRE"* ]] || fail "no missing jump"

	nsa iptables -w -t filter -F DNSFENCE_FILTER
	run fw status --backend iptables
	[[ $output == *'missing: ipv4 filter rule "dnsfence: other protocols" in DNSFENCE_FILTER'* ]] ||
		fail "status does not see the flushed chain"

	# Re-asserting is loading again.
	fw load --backend iptables >/dev/null
	run fw status --backend iptables
	((status == 0)) || fail "status after loading again"
}

@test "a failing ip6tables-restore: load exits non-zero with the reason, nothing is left in either family" {
	local shim
	shim=$(fw_shim)
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables
	((status != 0)) || fail "load succeeded with a failing ip6tables-restore"
	[[ $output == *"ip6tables-restore failed (ipv6): shim: ip6tables-restore refuses"* ]] ||
		fail "load does not name the step and the reason"
	[[ $output == *"nothing of dnsfence is loaded"* ]] || fail "load does not say what is left"
	# IPv4 had been loaded when IPv6 failed: the rollback removed it.
	grep -q -- '-j DNSFENCE_FILTER' "$BATS_TEST_TMPDIR/ipv4-during-load" ||
		fail "ipv4 was not loaded when ip6tables-restore ran (the test proves nothing)"
	assert_nothing_loaded
}

@test "an ip6tables-restore that fails half-way (raw, mangle, nat committed) leaves nothing either" {
	local shim
	mkdir -p "$BATS_TEST_TMPDIR/rules/iptables"
	sed 's/^-A DNSFENCE_FWD .*forwarded non-TCP.*/&\n-6 -A DNSFENCE_FWD -j NO_SUCH_CHAIN/' \
	    "$DF_REPO/iptables/dnsfence.rules" >"$BATS_TEST_TMPDIR/rules/iptables/dnsfence.rules"
	shim=$(fw_shim pass)
	run nsa env PATH="$shim:$PATH" DNSFENCE_RULESDIR="$BATS_TEST_TMPDIR/rules" sh "$FW_LOADER" \
	    load --backend iptables
	((status != 0)) || fail "load succeeded with a broken ipv6 filter table"
	[[ $output == *"ip6tables-restore failed (ipv6): "*NO_SUCH_CHAIN*"nothing of dnsfence is loaded"* ]] ||
		fail "load does not name the step and the reason"
	grep -q -- '-j DNSFENCE_RAW' "$BATS_TEST_TMPDIR/ipv6-after-restore" ||
		fail "ipv6 raw was not committed before the failure (the test proves nothing)"
	assert_nothing_loaded
}

@test "a failing ip6tables-restore on a re-load puts the previous complete rules back, counters too" {
	local shim b4 b6
	fw load --backend iptables >/dev/null
	fw_send "$FW_A" udp 4 "$FW_B4" 9	# one "all other UDP" drop
	b4=$(fw_ours 4)
	b6=$(fw_ours 6)
	shim=$(fw_shim)
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables --allow-ping \
	    --allow-udp 0:67 --tcp-port 55
	((status != 0)) || fail "load succeeded with a failing ip6tables-restore"
	[[ $output == *"ip6tables-restore failed"*"the rules loaded before are back"* ]] ||
		fail "load does not say what happened"
	grep -q -- '--icmp-type 8' "$BATS_TEST_TMPDIR/ipv4-during-load" ||
		fail "the new ipv4 rules were not loaded when ip6tables-restore ran (the test proves nothing)"
	[[ $(fw_ours 4) == "$b4" ]] || fail "ipv4 rules differ from before: $(diff <(echo "$b4") <(fw_ours 4))"
	[[ $(fw_ours 6) == "$b6" ]] || fail "ipv6 rules differ from before"
	run fw status --backend iptables
	((status == 0)) || fail "status after the rollback"
	assert_counter udp_dropped == 1 "ipv4: "	# the counter was restored
}

@test "--tcp-port: an unprivileged port is refused with the reason; 54 is the default and accepted" {
	run fw load --backend iptables --tcp-port 9054
	((status == 1)) || fail "--tcp-port 9054 accepted"
	[[ $output == *"not below net.ipv4.ip_unprivileged_port_start (1024)"*"any local user could bind it"* ]] ||
		fail "no reason given"
	assert_nothing_loaded
	run fw check --backend nftables --tcp-port 9054
	((status == 1)) || fail "check --tcp-port 9054 accepted"

	run fw load --backend iptables
	((status == 0)) || fail "load with the default port"
	[[ $(nsa iptables -w -t nat -S DNSFENCE_TCP) == *"--to-ports 54"* ]] || fail "the default is not 54"
	[[ $(nsa ip6tables -w -t nat -S DNSFENCE_TCP) == *"--to-ports 54"* ]] || fail "ipv6: not 54"
	run fw load --backend iptables --tcp-port 54
	((status == 0)) || fail "--tcp-port 54 refused"

	# The limit is the namespace's own sysctl.
	nsa sysctl -qw net.ipv4.ip_unprivileged_port_start=54
	run fw load --backend iptables --tcp-port 54
	((status == 1)) || fail "--tcp-port 54 accepted where ports from 54 are unprivileged"
	[[ $output == *"ip_unprivileged_port_start (54)"* ]] || fail "the sysctl's value is not named"
}

@test "refused: --mark-forward equal to --mark, a zero mark, --allow-udp UID:53" {
	run fw load --backend iptables --mark-forward 0x646e73
	((status == 1)) || fail "--mark-forward equal to the default --mark accepted"
	[[ $output == *"--mark-forward"*"also --mark"* ]] || fail "no reason given"
	run fw load --backend iptables --mark 0x10 --mark-forward 16
	((status == 1)) || fail "--mark 0x10 --mark-forward 16 accepted"
	run fw load --backend iptables --mark 0x0
	((status == 1)) || fail "--mark 0x0 accepted"
	run fw load --backend iptables --allow-udp 1000:53
	((status == 1)) || fail "--allow-udp 1000:53 accepted"
	[[ $output == *"port 53 would let DNS out in clear"* ]] || fail "no reason given"
	assert_nothing_loaded

	run fw load --backend iptables --mark 0x10 --mark-forward 17
	((status == 0)) || fail "distinct marks refused"
	[[ $(nsa iptables -w -t raw -S DNSFENCE_RAW) == *"--mark 0x10 "*"--mark 0x11 "* ]] ||
		fail "the marks are not in the rules"
}

@test "--allow-ping renders the echo RETURN rules, without it they are absent (both backends)" {
	local c
	fw load --backend iptables >/dev/null
	for c in DNSFENCE_FILTER DNSFENCE_FWD; do
		[[ $(nsa iptables -w -S "$c") != *"--icmp-type 8 "* ]] || fail "ipv4 $c: echo allowed"
		[[ $(nsa ip6tables -w -S "$c") != *"--icmpv6-type 128 "* ]] || fail "ipv6 $c: echo allowed"
	done
	fw load --backend iptables --allow-ping >/dev/null
	for c in DNSFENCE_FILTER DNSFENCE_FWD; do
		[[ $(nsa iptables -w -S "$c") == *"--icmp-type 8 "*"--icmp-type 0 "* ]] ||
			fail "ipv4 $c: no echo RETURN rules"
		[[ $(nsa ip6tables -w -S "$c") == *"--icmpv6-type 128 "*"--icmpv6-type 129 "* ]] ||
			fail "ipv6 $c: no echo RETURN rules"
	done
	run fw print --backend nftables
	[[ $output != *echo-request* ]] || fail "nftables: echo allowed without --allow-ping"
	run fw print --backend nftables --allow-ping
	(($(grep -c 'icmp type { echo-request, echo-reply } return' <<<"$output") == 2)) ||
		fail "nftables: not 2 ICMP echo rules (output and forward)"
	(($(grep -c 'icmpv6 type { echo-request, echo-reply } return' <<<"$output") == 2)) ||
		fail "nftables: not 2 ICMPv6 echo rules (output and forward)"
}

# ---------------------------------------------------------------------------------------------
# Traffic from the fenced host (A), captured on B

# send_nontcp: UDP-Lite (as nobody), SCTP, raw protocol 253, ICMP echo and an ICMP error from A
# to B, IPv4 and IPv6.
send_nontcp() {
	local f dst
	for f in 4 6; do
		dst=$(fw_b "$f")
		fw_send_as_nobody "$FW_A" udplite "$f" "$dst" 9
		fw_send "$FW_A" sctp "$f" "$dst"
		fw_send "$FW_A" raw253 "$f" "$dst"
		fw_send "$FW_A" echo "$f" "$dst"
		fw_send "$FW_A" unreach "$f" "$dst"
		fw_send "$FW_A" tcp "$f" "$dst" 80
	done
}

# crossed KIND FAMILY [PORT]: how many such probes the capture holds.
crossed() { _capture_count "$(fw_filter "$@")"; }

@test "control: with no ruleset, UDP-Lite, SCTP, raw 253, ICMP echo and errors from A reach B" {
	local f k
	capture_start
	send_nontcp
	capture_stop
	for f in 4 6; do
		for k in udplite sctp raw253 echo unreach; do
			(($(crossed "$k" "$f") >= 1)) || fail "control: $k over IPv$f did not cross (broken probe)"
		done
	done
}

@test "ruleset: UDP-Lite, SCTP, raw 253, ICMP echo and errors do not cross, TCP does; counters rise" {
	local f k
	fw load --backend iptables >/dev/null
	capture_start
	send_nontcp
	capture_stop
	for f in 4 6; do
		for k in udplite sctp raw253 echo unreach; do
			(($(crossed "$k" "$f") == 0)) || fail "$k over IPv$f crossed the fence"
		done
		# TCP over IPv6 needs neighbour discovery: the ruleset must let it through.
		(($(crossed tcp "$f" 80) >= 1)) || fail "TCP over IPv$f did not cross"
	done
	run fw status --backend iptables
	assert_counter proto_dropped '>=' 3 "ipv4: " "ipv6: "
	assert_counter icmp_dropped '>=' 2 "ipv4: " "ipv6: "
}

@test "--allow-ping: ICMP echo crosses, an ICMP error still does not" {
	local f dst
	fw load --backend iptables --allow-ping >/dev/null
	capture_start
	for f in 4 6; do
		dst=$(fw_b "$f")
		fw_send "$FW_A" echo "$f" "$dst"
		fw_send "$FW_A" unreach "$f" "$dst"
	done
	capture_stop
	for f in 4 6; do
		(($(crossed echo "$f") >= 1)) || fail "echo over IPv$f did not cross with --allow-ping"
		(($(crossed unreach "$f") == 0)) || fail "an ICMP error over IPv$f crossed with --allow-ping"
	done
	run fw status --backend iptables
	assert_counter icmp_dropped '>=' 1 "ipv4: " "ipv6: "
}

@test "marked packets: the host's mark only out lo, the forward mark only off lo; others dropped and counted" {
	local f dst
	fw load --backend iptables >/dev/null
	capture_start
	for f in 4 6; do
		dst=$(fw_b "$f")
		fw_send "$FW_A" udp "$f" "$dst" 5300 "$FW_MARK"	# off its path: dropped
		fw_send "$FW_A" udp "$f" "$dst" 5301 "$FW_MARKFWD"	# a reply to a forwarded client
	done
	fw_send "$FW_A" udp 4 127.0.0.1 5302 "$FW_MARKFWD"	# on lo: dropped
	fw_send "$FW_A" udp 4 127.0.0.1 5303 "$FW_MARK"	# a reply to this host: accepted
	capture_stop
	for f in 4 6; do
		(($(crossed udp "$f" 5300) == 0)) || fail "IPv$f: a packet with mark $FW_MARK left off lo"
		(($(crossed udp "$f" 5301) >= 1)) || fail "IPv$f: a packet with mark $FW_MARKFWD did not cross"
	done
	run fw status --backend iptables
	assert_counter marked_dropped == 2 "ipv4: "
	assert_counter marked_dropped == 1 "ipv6: "
	assert_counter udp_dropped == 0 "ipv4: " "ipv6: "	# no marked packet reached the UDP drop
}

# ---------------------------------------------------------------------------------------------
# Forwarded traffic: client C, through A, to B

# send_forwarded: UDP/53 (v4 and v6), TCP/53, UDP to another port, UDP-Lite, ICMP echo, and TCP
# to port 80, from C to B.
send_forwarded() {
	local f dst
	for f in 4 6; do
		dst=$(fw_b "$f")
		fw_send "$FW_C" udp "$f" "$dst" 53
		fw_send "$FW_C" tcp "$f" "$dst" 53
		fw_send "$FW_C" udp "$f" "$dst" 5000
		fw_send "$FW_C" udplite "$f" "$dst" 5000
		fw_send "$FW_C" echo "$f" "$dst"
		fw_send "$FW_C" tcp "$f" "$dst" 80
	done
}

# A DNAT of forwarded UDP DNS to B:5353, as a container runtime or a Whonix gateway would have.
dnat_udp53() {
	nsa iptables -w -t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination "$FW_B4:5353"
}

# dnat_count: packets the DNAT rule saw.
dnat_count() {
	nsa iptables -w -t nat -L PREROUTING -v -n -x | awk '/DNAT/ { s += $1 } END { print s + 0 }'
}

@test "control: with no ruleset, C's DNS, UDP, UDP-Lite and ICMP cross A to B (DNAT applies)" {
	local f
	dnat_udp53
	capture_start
	send_forwarded
	capture_stop
	(($(crossed udp 4 5353) >= 1)) || fail "control: C's UDP/53 was not DNATed to B:5353"
	(($(dnat_count) >= 1)) || fail "control: the DNAT rule counted nothing"
	(($(crossed udp 6 53) >= 1)) || fail "control: C's UDP/53 over IPv6 did not cross"
	for f in 4 6; do
		(($(crossed tcp "$f" 53) >= 1)) || fail "control: TCP/53 over IPv$f did not cross"
		(($(crossed udp "$f" 5000) >= 1)) || fail "control: UDP over IPv$f did not cross"
		(($(crossed udplite "$f") >= 1)) || fail "control: UDP-Lite over IPv$f did not cross"
		(($(crossed echo "$f") >= 1)) || fail "control: echo over IPv$f did not cross"
	done
}

@test "forwarded: UDP DNS is queued before the DNAT, TCP DNS and all non-TCP dropped, TCP crosses" {
	local f
	dnat_udp53
	fw load --backend iptables >/dev/null
	capture_start
	send_forwarded
	capture_stop
	(($(crossed udp 4 5353) == 0)) || fail "C's UDP/53 crossed after the DNAT"
	(($(dnat_count) == 0)) || fail "C's UDP/53 reached the DNAT: it was not queued before it"
	for f in 4 6; do
		(($(crossed udp "$f" 53) == 0)) || fail "C's UDP/53 over IPv$f crossed"
		(($(crossed tcp "$f" 53) == 0)) || fail "C's TCP/53 over IPv$f crossed"
		(($(crossed udp "$f" 5000) == 0)) || fail "C's UDP over IPv$f crossed"
		(($(crossed udplite "$f") == 0)) || fail "C's UDP-Lite over IPv$f crossed"
		(($(crossed echo "$f") == 0)) || fail "C's echo over IPv$f crossed"
		(($(crossed tcp "$f" 80) >= 1)) || fail "C's TCP over IPv$f did not cross"
	done
	run fw status --backend iptables
	assert_counter fwd_queued '>=' 1 "ipv4: " "ipv6: "
	assert_counter fwd_dropped '>=' 4 "ipv4: " "ipv6: "
}

# ---------------------------------------------------------------------------------------------
# nftables

@test "nftables (queue replaced by drop without nft_queue): status, traffic, missing chain, unload" {
	local f
	fw_has_nft_queue || echo "# this kernel has no nft_queue: loading with 'queue' replaced by 'drop'" >&3
	fw_nft_load
	run fw status
	((status == 0)) || fail "status exited $status"
	[[ $output == *"loaded: yes (nftables)"* ]] || fail "status: not loaded: yes (nftables)"
	grep -qx 'queued=0 udp_dropped=0 proto_dropped=0 icmp_dropped=0 marked_dropped=0 fwd_queued=0 fwd_dropped=0' \
	    <<<"$output" || fail "status: no counters line (workstation mode: no gateway counters)"

	capture_start
	send_nontcp
	send_forwarded
	capture_stop
	for f in 4 6; do
		(($(crossed udplite "$f") + $(crossed sctp "$f") + $(crossed raw253 "$f") == 0)) ||
			fail "non-TCP over IPv$f crossed"
		(($(crossed echo "$f") + $(crossed unreach "$f") == 0)) || fail "ICMP over IPv$f crossed"
		(($(crossed udp "$f" 53) + $(crossed tcp "$f" 53) + $(crossed udp "$f" 5000) == 0)) ||
			fail "C's DNS or UDP over IPv$f crossed"
		(($(crossed tcp "$f" 80) >= 2)) || fail "TCP over IPv$f (from A and from C) did not cross"
	done
	run fw status
	assert_counter proto_dropped '>=' 6 ""
	assert_counter icmp_dropped '>=' 4 ""
	assert_counter fwd_queued '>=' 2 ""
	assert_counter fwd_dropped '>=' 8 ""

	nsa nft delete chain inet dnsfence filter_fwd
	run fw status
	((status == 1)) || fail "status exited $status without filter_fwd"
	[[ $output == *"missing: inet dnsfence chain filter_fwd"* ]] || fail "status does not name it"

	run fw unload
	((status == 0)) || fail "unload"
	assert_nothing_loaded
	run fw status --backend nftables
	((status == 1)) || fail "status after unload exited $status"
	[[ $output == *"loaded: no (nftables)"* ]] || fail "status after unload"
}

# ---------------------------------------------------------------------------------------------
# Gateway mode: A is the gateway, $FW_IN (to C) its internal interface, $FW_OUT (to B) the outside

@test "gateway options: --internal required and only with gateway mode; lo, bad names, twice refused" {
	local bad b
	run fw load --backend iptables --mode gateway
	((status == 1)) || fail "--mode gateway without --internal accepted"
	[[ $output == *"--mode gateway needs --internal IF"* ]] || fail "no reason given"
	run fw load --backend iptables --internal "$FW_IN"
	((status == 1)) || fail "--internal without --mode gateway accepted"
	[[ $output == *"--internal goes with --mode gateway"* ]] || fail "no reason given"
	run fw check --backend nftables --mode workstation --internal "$FW_IN"
	((status == 1)) || fail "--internal with --mode workstation accepted"
	# lo, empty, '/', white space, 16 bytes, the wildcards of iptables and nftables, a quote
	for bad in lo "" eth/1 "eth 1" $'eth\t1' 0123456789abcdef eth+ 'eth*' 'e"th' . ..; do
		run fw load --backend iptables --mode gateway --internal "$bad"
		((status == 1)) || fail "--internal '$bad' accepted"
		[[ $output == *"--internal: "* ]] || fail "--internal '$bad': no reason given"
	done
	run fw load --backend iptables --mode gateway --internal "$FW_IN" --internal "$FW_IN"
	[[ $status == 1 && $output == *"given twice"* ]] || fail "an interface given twice accepted"
	run fw load --backend iptables --mode gateway --internal e1 --internal e2 --internal e3 \
	    --internal e4 --internal e5 --internal e6 --internal e7 --internal e8 --internal e9
	[[ $status == 1 && $output == *"more than 8"* ]] || fail "9 interfaces accepted"
	assert_nothing_loaded

	# 15 bytes is an interface name; interfaces that do not exist yet are fine (boot).
	for b in iptables nftables; do
		run fw check --backend "$b" --mode gateway --internal "$FW_IN" --internal 0123456789abcde
		((status == 0)) || fail "check --backend $b in gateway mode"
	done
	# Every interface gets its rules; the forward mark is no longer accepted off lo at large.
	run fw print --backend iptables --mode gateway --internal eth1 --internal eth2
	(($(grep -c -- '^-A DNSFENCE_PRE -i eth2 -p udp --dport 53 .*-j NFQUEUE' <<<"$output") == 2)) ||
		fail "iptables: not one eth2 queue rule per family"
	(($(grep -c -- '^-A DNSFENCE_GWTCP -i eth1 .*-j REDIRECT --to-ports 54' <<<"$output") == 2)) ||
		fail "iptables: not one eth1 redirect per family"
	[[ $output != *"! -o lo -m comment --comment \"dnsfence: injected replies"* ]] ||
		fail "iptables: the forward mark accepted off lo in gateway mode"
	run fw print --backend nftables --mode gateway --internal eth1 --internal eth2
	[[ $output == *'iifname "eth2" udp dport 53 counter queue num 0'* ]] || fail "nftables: no eth2 queue rule"
	[[ $output == *"chain nat_pre {"*"priority dstnat - 10;"* ]] || fail "nftables: no nat_pre chain"
	[[ $output != *'oif != "lo" accept'* ]] || fail "nftables: the forward mark accepted off lo"
	run fw print --backend nftables
	[[ $output != *'comment "gateway'* && $output != *"chain nat_pre"* && $output != *"Gateway mode"* ]] ||
		fail "workstation mode prints gateway rules or their comments"
}

@test "gateway (iptables): load, status naming the interfaces and any missing piece, unload; both families" {
	local f
	run fw load --backend iptables --mode gateway --internal "$FW_IN" --internal dffwx0
	((status == 0)) || fail "load"
	[[ $output == *"loaded (iptables, queue 0, mark 0x646e73, mark-forward 0x646e74, tcp port 54, gateway: $FW_IN dffwx0)"* ]] ||
		fail "load does not say what it loaded"
	run fw status
	((status == 0)) || fail "status exited $status"
	[[ $output == *"loaded: yes (iptables, gateway: $FW_IN dffwx0)"* ]] || fail "status does not name the mode"
	for f in 4 6; do
		grep -qx "ipv$f: queued=0 udp_dropped=0 proto_dropped=0 icmp_dropped=0 marked_dropped=0 fwd_queued=0 fwd_dropped=0 gw_queued=0 gw_redirected=0" \
		    <<<"$output" || fail "status: no counters line for ipv$f"
		[[ $(fw_first "$f" nat PREROUTING) == "-A PREROUTING -j DNSFENCE_GWTCP" ]] ||
			fail "ipv$f: the gateway's jump is not first in nat PREROUTING"
	done
	assert_jumps_first

	# Given the mode, status checks it: an interface that is not loaded, workstation mode.
	run fw status --mode gateway --internal "$FW_IN" --internal dffwx1
	((status == 1)) || fail "status with an interface that is not loaded exited $status"
	[[ $output == *'missing: ipv6 mangle rule "dnsfence: gateway dffwx1: UDP DNS to the daemon" in DNSFENCE_PRE'* ]] ||
		fail "status does not name the missing interface's rules"
	run fw status --mode workstation
	((status == 1)) || fail "status --mode workstation over gateway mode exited $status"
	[[ $output == *'missing: ipv4 filter rule "dnsfence: injected replies to forwarded clients"'* ]] ||
		fail "status --mode workstation does not name the workstation rule"

	# Pieces deleted by hand: the ipv4 jump, an ipv6 rule of one interface.
	nsa iptables -w -t nat -D PREROUTING -j DNSFENCE_GWTCP
	nsa ip6tables -w -t mangle -D DNSFENCE_PRE 1
	run fw status
	((status == 1)) || fail "status exited $status with pieces missing"
	[[ $output == *"loaded: incomplete (iptables, gateway: $FW_IN dffwx0)"* ]] || fail "status: not incomplete"
	[[ $(grep -E '^(missing|not first): ' <<<"$output") == "missing: ipv4 nat jump PREROUTING -> DNSFENCE_GWTCP
missing: ipv6 mangle rule \"dnsfence: gateway $FW_IN: UDP DNS to the daemon\" in DNSFENCE_PRE" ]] ||
		fail "status does not name exactly what was deleted"

	run fw unload
	((status == 0)) || fail "unload"
	assert_nothing_loaded
	run fw status --backend iptables
	[[ $status == 1 && $output == *"loaded: no (iptables)"* ]] || fail "status after unload"
}

@test "gateway (nftables, queue replaced by drop): status naming the interface and a missing chain or rule, unload" {
	fw_has_nft_queue || echo "# this kernel has no nft_queue: loading with 'queue' replaced by 'drop'" >&3
	fw_gw_load nftables
	run fw status
	((status == 0)) || fail "status exited $status"
	[[ $output == *"loaded: yes (nftables, gateway: $FW_IN)"* ]] || fail "status does not name the mode"
	grep -qx 'queued=0 udp_dropped=0 proto_dropped=0 icmp_dropped=0 marked_dropped=0 fwd_queued=0 fwd_dropped=0 gw_queued=0 gw_redirected=0' \
	    <<<"$output" || fail "status: no counters line"

	nsa nft flush chain inet dnsfence queue_pre
	run fw status
	((status == 1)) || fail "status exited $status with queue_pre flushed"
	[[ $output == *"missing: inet dnsfence rule \"gateway $FW_IN: UDP DNS to the daemon\" in queue_pre"* ]] ||
		fail "status does not name the gateway queue rule"
	nsa nft delete chain inet dnsfence nat_pre
	run fw status
	[[ $output == *"missing: inet dnsfence chain nat_pre"* ]] || fail "status does not name nat_pre"

	run fw unload
	((status == 0)) || fail "unload"
	assert_nothing_loaded
}

@test "gateway over workstation and back: all or nothing, and nothing of the other mode stays" {
	local shim w4 w6 g4
	fw load --backend iptables >/dev/null
	w4=$(fw_ours 4)
	w6=$(fw_ours 6)
	shim=$(fw_shim)
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables --mode gateway \
	    --internal "$FW_IN"
	((status != 0)) || fail "load succeeded with a failing ip6tables-restore"
	[[ $output == *"the rules loaded before are back"* ]] || fail "load does not say what is left"
	grep -q -- '-j DNSFENCE_GWTCP' "$BATS_TEST_TMPDIR/ipv4-during-load" ||
		fail "ipv4 gateway rules were not loaded when ip6tables-restore ran (the test proves nothing)"
	[[ $(fw_ours 4) == "$w4" && $(fw_ours 6) == "$w6" ]] || fail "the workstation rules are not back"

	fw_gw_load iptables
	g4=$(fw_ours 4)
	[[ $g4 == *DNSFENCE_GWTCP* ]] || fail "gateway mode did not load over workstation mode"
	rm -f "$BATS_TEST_TMPDIR/ipv4-during-load"
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables
	((status != 0)) || fail "load succeeded with a failing ip6tables-restore"
	[[ $(fw_ours 4) == "$g4" ]] || fail "the gateway rules are not back"
	run fw status
	[[ $status == 0 && $output == *"loaded: yes (iptables, gateway: $FW_IN)"* ]] || fail "status after the rollback"

	# And back: exactly the workstation rules, no gateway chain or jump left.
	fw load --backend iptables >/dev/null
	[[ $(fw_ours 4) == "$w4" && $(fw_ours 6) == "$w6" ]] || fail "gateway rules left after loading workstation mode"

	# nftables: the table is replaced whole, in one transaction.
	fw_unload_both
	fw_gw_load nftables
	nsa nft list chain inet dnsfence nat_pre >/dev/null || fail "nftables: no nat_pre in gateway mode"
	fw_nft_load
	! nsa nft list chain inet dnsfence nat_pre >/dev/null 2>&1 || fail "nftables: nat_pre left in workstation mode"
	run fw status
	[[ $status == 0 && $output == *"loaded: yes (nftables)"* ]] || fail "nftables status after the change"
}

# send_gw_client: from C, UDP/53 to B, to A's internal address and to the broadcast (IPv4) or
# all-nodes (IPv6) address; TCP/53 to B and to A; and to B other UDP, UDP-Lite, ICMP echo, raw
# protocol 253 and TCP to port 80.
send_gw_client() {
	local f dst
	fw_send "$FW_C" udp 4 10.99.1.255 53
	fw_send "$FW_C" udp 6 "ff02::1%$FW_CIF" 53
	for f in 4 6; do
		dst=$(fw_b "$f")
		fw_send "$FW_C" udp "$f" "$(fw_ac "$f")" 53
		fw_send "$FW_C" tcp "$f" "$(fw_ac "$f")" 53
		fw_send "$FW_C" udp "$f" "$dst" 53
		fw_send "$FW_C" tcp "$f" "$dst" 53
		fw_send "$FW_C" udp "$f" "$dst" 5000
		fw_send "$FW_C" udplite "$f" "$dst" 5000
		fw_send "$FW_C" echo "$f" "$dst"
		fw_send "$FW_C" raw253 "$f" "$dst"
		fw_send "$FW_C" tcp "$f" "$dst" 80
	done
}

# A's listeners: a UDP service on port 53 (any address), and dnsfence's stand-in for the TCP
# redirect: port 54 on the internal interface's addresses, bound to it.
listen_gw() {
	fw_listen udp,4,0.0.0.0,53 udp,6,::,53 "tcp,4,$FW_AC4,54,$FW_IN" "tcp,6,$FW_AC6,54,$FW_IN"
}

@test "gateway control: with no ruleset, C's DNS reaches B and A's port 53, and its non-TCP crosses" {
	local f k
	listen_gw
	capture_start
	send_gw_client
	capture_stop
	for f in 4 6; do
		(($(fw_heard "udp $f" 2) >= 2)) ||
			fail "control: C's UDP/53 over IPv$f to A and to the broadcast/all-nodes address did not reach A"
		for k in "udp $f 53" "tcp $f 53" "udp $f 5000" "udplite $f" "echo $f" "raw253 $f" "tcp $f 80"; do
			# shellcheck disable=SC2086 # KIND FAMILY [PORT]
			(($(crossed $k) >= 1)) || fail "control: C's $k did not cross to B"
		done
	done
	(($(fw_heard tcp) == 0)) || fail "control: a TCP connection reached port 54 without a redirect"
}

@test "gateway: C's UDP DNS to any address is queued, its TCP DNS redirected to the internal listener, its other non-TCP dropped, TCP crosses" {
	local b f k
	for b in $(fw_gw_backends); do
		fw_unload_both
		fw_gw_load "$b"
		listen_gw
		capture_start
		send_gw_client
		capture_stop
		for f in 4 6; do
			(($(fw_heard "udp $f") == 0)) || fail "$b: C's UDP/53 over IPv$f reached A's port 53"
			(($(fw_heard "tcp $f $(fw_c "$f") $(fw_ac "$f")" 2) == 2)) ||
				fail "$b: C's 2 TCP/53 connections over IPv$f did not reach the listener on $FW_IN"
			for k in "udp $f 53" "tcp $f 53" "udp $f 5000" "udplite $f" "echo $f" "raw253 $f"; do
				# shellcheck disable=SC2086 # KIND FAMILY [PORT]
				(($(crossed $k) == 0)) || fail "$b: C's $k crossed to B"
			done
			(($(crossed tcp "$f" 80) >= 1)) || fail "$b: C's TCP over IPv$f did not cross"
		done
		run fw status --backend "$b"
		((status == 0)) || fail "$b: status exited $status"
		assert_gw_counter "$b" gw_queued == 3
		assert_gw_counter "$b" gw_redirected == 2
		assert_gw_counter "$b" fwd_queued == 0
		assert_gw_counter "$b" fwd_dropped '>=' 4
		df_stop listen
	done
}

# SERVED: what A, a gateway, sends its clients (fw_send arguments after the namespace, "@" for
# the destination): a DHCP server's reply (UDP 67 -> 68), a DHCPv6 server's (547 -> 546), ICMP
# echo replies. serve_to C|B: a capture at C or at B around them; crossed then counts them.
SERVED=("udp 4 @ 68 0 67" "udp 6 @ 546 0 547" "echoreply 4 @" "echoreply 6 @")
serve_to() {
	local at=() s k f dst
	[[ $1 == C ]] && at=(fw_at_client)
	"${at[@]}" capture_start || return 1
	for s in "${SERVED[@]}"; do
		read -r k f _ <<<"$s"
		if [[ $1 == C ]]; then dst=$(fw_c "$f"); else dst=$(fw_b "$f"); fi
		# shellcheck disable=SC2086 # the probe's arguments
		fw_send "$FW_A" ${s/@/$dst}
	done
	"${at[@]}" capture_stop
}
# served_crossed PROBE: crossed's arguments for one of SERVED (KIND FAMILY [DPORT SPORT]).
served_crossed() {
	local k f _d p _m sp
	read -r k f _d p _m sp <<<"$1"
	crossed "$k" "$f" ${p:+"$p"} ${sp:+"$sp"}
}

@test "gateway: A's DHCP and DHCPv6 replies and ICMP echo replies leave out of the internal interface only" {
	local mode s n
	for mode in none workstation $(fw_gw_backends); do
		fw_unload_both
		case $mode in
		none) ;;
		workstation) fw load --backend iptables >/dev/null ;;
		*) fw_gw_load "$mode" ;;
		esac
		serve_to C
		for s in "${SERVED[@]}"; do
			n=$(served_crossed "$s")
			if [[ $mode == workstation ]]; then
				((n == 0)) || fail "workstation mode: A's '$s' reached C (the control proves nothing)"
			else
				((n >= 1)) || fail "$mode: A's '$s' did not reach C"
			fi
		done
		serve_to B
		for s in "${SERVED[@]}"; do
			n=$(served_crossed "$s")
			if [[ $mode == none ]]; then
				((n >= 1)) || fail "control: A's '$s' did not reach B"
			else
				((n == 0)) || fail "$mode: A's '$s' reached B"
			fi
		done
	done
}

@test "gateway: the forward mark leaves only out of the internal interface; out of the outside one it is dropped and counted" {
	local mode f
	for mode in workstation $(fw_gw_backends); do
		fw_unload_both
		if [[ $mode == workstation ]]; then fw load --backend iptables >/dev/null; else fw_gw_load "$mode"; fi
		fw_at_client capture_start
		for f in 4 6; do fw_send "$FW_A" udp "$f" "$(fw_c "$f")" 5301 "$FW_MARKFWD"; done
		fw_at_client capture_stop
		for f in 4 6; do
			(($(crossed udp "$f" 5301) >= 1)) || fail "$mode: the forward mark over IPv$f did not reach C"
		done
		capture_start
		for f in 4 6; do fw_send "$FW_A" udp "$f" "$(fw_b "$f")" 5301 "$FW_MARKFWD"; done
		capture_stop
		for f in 4 6; do
			if [[ $mode == workstation ]]; then	# the control: off lo it leaves anywhere
				(($(crossed udp "$f" 5301) >= 1)) || fail "control: the forward mark did not reach B"
			else
				(($(crossed udp "$f" 5301) == 0)) || fail "$mode: the forward mark over IPv$f reached B"
			fi
		done
		[[ $mode == workstation ]] && continue
		run fw status --backend "$mode"
		assert_gw_counter "$mode" marked_dropped == 1
		assert_gw_counter "$mode" udp_dropped == 0
	done
}

@test "gateway: a Whonix-style redirect to Tor's DNSPort never sees C's UDP DNS (forwarding off), dnsfence queues it first" {
	local b f
	nsa sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	whonix_redirect
	for f in 4 6; do
		fw_send "$FW_C" udp "$f" "$(fw_ac "$f")" 53
		fw_send "$FW_C" udp "$f" "$(fw_b "$f")" 53
	done
	(($(whonix_count) == 4)) || fail "control: the Whonix redirect saw $(whonix_count) of C's 4 queries"
	for b in $(fw_gw_backends); do
		fw_unload_both
		whonix_redirect
		fw_gw_load "$b"
		for f in 4 6; do
			fw_send "$FW_C" udp "$f" "$(fw_ac "$f")" 53
			fw_send "$FW_C" udp "$f" "$(fw_b "$f")" 53
		done
		(($(whonix_count) == 0)) || fail "$b: the Whonix redirect saw $(whonix_count) of C's queries"
		run fw status --backend "$b"
		assert_gw_counter "$b" gw_queued == 2
	done
}

@test "workstation mode: C's UDP DNS to A's own or the broadcast address is A's business, not queued (both backends)" {
	local b f
	for b in $(fw_gw_backends); do
		fw_unload_both
		if [[ $b == iptables ]]; then fw load --backend iptables >/dev/null; else fw_nft_load; fi
		listen_gw
		fw_send "$FW_C" udp 4 10.99.1.255 53
		for f in 4 6; do fw_send "$FW_C" udp "$f" "$(fw_ac "$f")" 53; done
		(($(fw_heard "udp 4" 2) == 2)) || fail "$b: C's UDP/53 to A and to the broadcast address did not reach A"
		(($(fw_heard "udp 6" 1) == 1)) || fail "$b: C's UDP/53 to A over IPv6 did not reach A"
		run fw status --backend "$b"
		assert_gw_counter "$b" fwd_queued == 0
		df_stop listen
	done
}

# ---------------------------------------------------------------------------------------------
# --audit: a rate-limited NFLOG (nftables: log group) rule before each leak drop

# The drops that get an audit rule, by the comment of the drop (iptables without "dnsfence: ").
AUDITED=("ICMP errors and echo" "all other UDP" "other protocols" "forwarded non-TCP")

@test "--audit: print puts a limited NFLOG/log rule with the group and rate right before each leak drop; without it nothing changes (both backends)" {
	local b o c prev n opts
	for o in "" "--mode gateway --internal eth1" "--allow-ping --allow-udp 0:67"; do
		# shellcheck disable=SC2206 # options, one word each
		opts=($o)
		run fw print --backend iptables --audit --nflog-group 77 --audit-rate 300 "${opts[@]}"
		((status == 0)) || fail "iptables print --audit $o"
		(($(grep -c -- '-j NFLOG' <<<"$output") == 8)) || fail "iptables $o: not 4 NFLOG rules per family"
		for c in "${AUDITED[@]}"; do
			# The rule before each drop: the drop's own match, the limit, NFLOG to the group.
			n=$(awk -v c="$c" '
				index($0, "--comment \"dnsfence: " c "\" -j DROP") {
					d = $0; sub(/ -m comment .*/, "", d)
					p = prev; sub(/ -m limit .*/, "", p)
					if (p == d && index(prev, " -m limit --limit 300/second --limit-burst 600 -m comment --comment \"dnsfence: audit: " c "\" -j NFLOG --nflog-group 77 --nflog-prefix \"dnsfence-audit\"")) n++
				}
				{ prev = $0 }
				END { print n + 0 }' <<<"$output")
			((n == 2)) || fail "iptables $o: '$c': $n of the 2 drops have the NFLOG rule just before them"
		done
		run fw print --backend nftables --audit --nflog-group 77 --audit-rate 300 "${opts[@]}"
		((status == 0)) || fail "nftables print --audit $o"
		(($(grep -c 'counter log group' <<<"$output") == 4)) || fail "nftables $o: not 4 log rules"
		for c in "${AUDITED[@]}"; do
			prev=$(grep -B1 -- "counter drop comment \"$c\"" <<<"$output" | head -n 1)
			[[ $prev == *"limit rate 300/second burst 600 packets counter log group 77 prefix \"dnsfence-audit\" comment \"audit: $c\"" ]] ||
				fail "nftables $o: the rule before the drop '$c' is '$prev'"
		done
		[[ $output != *"accept comment \"audit"* ]] || fail "nftables $o: an audit rule accepts"

		# Without --audit: no log rule, and --audit adds nothing but its rules (and, nftables,
		# its comment).
		for b in iptables nftables; do
			run fw print --backend "$b" "${opts[@]}"
			[[ $output != *NFLOG* && $output != *"log group"* && $output != *audit* ]] ||
				fail "$b $o: audit rules or comments without --audit"
			diff <(fw print --backend "$b" "${opts[@]}") \
			    <(fw print --backend "$b" "${opts[@]}" --audit) >"$BATS_TEST_TMPDIR/diff" || true
			! grep -q '^<' "$BATS_TEST_TMPDIR/diff" || fail "$b $o: --audit removes or changes lines"
			grep -q '^>' "$BATS_TEST_TMPDIR/diff" || fail "$b $o: --audit adds nothing"
			! grep '^>' "$BATS_TEST_TMPDIR/diff" | grep -v -e 'dnsfence-audit' -e '^>[[:blank:]]*#' ||
				fail "$b $o: --audit adds lines that are not audit rules"
		done
	done
	# The burst is twice the rate, at most 10000 (iptables' --limit-burst takes no more).
	run fw print --backend iptables --audit --audit-rate 5000
	[[ $output == *"--limit 5000/second --limit-burst 10000 "* ]] || fail "rate 5000: burst not 10000"
	run fw print --backend nftables --audit --audit-rate 10000
	[[ $output == *"limit rate 10000/second burst 10000 packets"* ]] || fail "rate 10000: burst not capped"
	run fw print --backend nftables --audit
	[[ $output == *"limit rate 100/second burst 200 packets counter log group 53 "* ]] ||
		fail "the defaults are not group 53, 100/s"
}

@test "--audit: without it the rendering is the rules files' without their @AUDIT@ lines, byte for byte" {
	local b o opts
	mkdir -p "$BATS_TEST_TMPDIR/rules/iptables" "$BATS_TEST_TMPDIR/rules/nftables"
	sed '/^[[:blank:]]*@AUDIT@/d' "$DF_REPO/iptables/dnsfence.rules" >"$BATS_TEST_TMPDIR/rules/iptables/dnsfence.rules"
	sed '/^[[:blank:]]*@AUDIT@/d' "$DF_REPO/nftables/dnsfence.nft" >"$BATS_TEST_TMPDIR/rules/nftables/dnsfence.nft"
	! grep -h -v '^[[:blank:]]*#' "$BATS_TEST_TMPDIR"/rules/*/* |
	    grep -q -e NFLOG -e 'log group' -e AUDIT -e dnsfence-audit ||
		fail "an audit line is not tagged @AUDIT@"
	for b in iptables nftables; do
		for o in "" "--mode gateway --internal eth1 --internal eth2" "--allow-ping --keep-loopback-dns --allow-udp 0:67"; do
			# shellcheck disable=SC2206 # options, one word each
			opts=($o)
			cmp <(fw print --backend "$b" "${opts[@]}") \
			    <(nsa env DNSFENCE_RULESDIR="$BATS_TEST_TMPDIR/rules" sh "$FW_LOADER" print --backend "$b" "${opts[@]}") ||
				fail "$b $o: the rendering without --audit differs"
		done
	done
}

@test "--audit options: bad values and --nflog-group/--audit-rate without --audit refused, nothing loaded" {
	local c a
	for c in load check print; do
		for a in "--nflog-group 65536" "--nflog-group x" "--nflog-group -1" "--nflog-group ''" \
		    "--audit-rate 0" "--audit-rate 10001" "--audit-rate 1.5" "--audit-rate ''"; do
			eval "run fw $c --backend iptables --audit $a"
			((status == 1)) || fail "$c --audit $a accepted"
			[[ $output == *"${a%% *}: "*"is not a"* ]] || fail "$c --audit $a: the option is not named"
		done
		run fw "$c" --backend nftables --nflog-group 54
		[[ $status == 1 && $output == *"--nflog-group needs --audit"* ]] || fail "$c: --nflog-group without --audit"
		run fw "$c" --backend iptables --audit-rate 5
		[[ $status == 1 && $output == *"--audit-rate needs --audit"* ]] || fail "$c: --audit-rate without --audit"
	done
	assert_nothing_loaded
	# The bounds themselves are fine.
	run fw check --backend iptables --audit --nflog-group 0 --audit-rate 1
	((status == 0)) || fail "group 0, rate 1 refused"
	run fw check --backend nftables --audit --nflog-group 65535 --audit-rate 10000
	((status == 0)) || fail "group 65535, rate 10000 refused"
}

@test "--audit: status shows the group and rate and audit_logged; another group or rate asked is wrong (exit 1); a missing audit rule is named (both backends)" {
	local b p
	for b in iptables nftables; do
		fw_unload_both
		if [[ $b == iptables ]]; then p=("ipv4: " "ipv6: "); else p=(""); fi
		fw_audit_load "$b"
		run fw status
		((status == 0)) || fail "$b: status without --audit exited $status"
		[[ $output == *$'\n'"audit: off"$'\n'* && $output != *audit_logged* ]] ||
			fail "$b: status without audit rules: $output"

		fw_audit_load "$b" --audit --nflog-group 54 --audit-rate 20
		run fw status
		((status == 0)) || fail "$b: status exited $status"
		[[ $output == *$'\n'"audit: nflog group 54, 20/s"$'\n'* ]] || fail "$b: no audit line: $output"
		assert_counter audit_logged == 0 "${p[@]}"
		run fw status --audit --nflog-group 54 --audit-rate 20
		((status == 0)) || fail "$b: status --audit with the loaded group and rate exited $status"
		run fw status --nflog-group 54 --audit-rate 20	# they imply --audit for status
		((status == 0)) || fail "$b: status --nflog-group 54 exited $status"

		# The mismatches: status with the defaults (group 53, 100/s), another group, another rate.
		run fw status --audit
		((status == 1)) || fail "$b: status --audit (group 53) over group 54 exited $status"
		[[ $output == *"loaded: incomplete"* ]] || fail "$b: not incomplete"
		[[ $output == *"wrong: "*"rule \""*"audit: all other UDP\" in "*": nflog group 54, 20/s (wanted: nflog group 53, 100/s)"* ]] ||
			fail "$b: the mismatch is not named: $output"
		run fw status --nflog-group 55 --audit-rate 20
		[[ $status == 1 && $output == *"(wanted: nflog group 55, 20/s)"* ]] || fail "$b: group 55 not wrong"
		run fw status --audit --nflog-group 54 --audit-rate 21
		[[ $status == 1 && $output == *"(wanted: nflog group 54, 21/s)"* ]] || fail "$b: rate 21 not wrong"

		# Audit rules deleted by hand: status without options checks those that are loaded.
		if [[ $b == iptables ]]; then
			nsa ip6tables -w -D DNSFENCE_FWD -m limit --limit 20/second --limit-burst 40 \
			    -m comment --comment "dnsfence: audit: forwarded non-TCP" -j NFLOG --nflog-group 54 \
			    --nflog-prefix dnsfence-audit
		else
			nsa nft delete rule inet dnsfence filter_fwd handle "$(nsa nft -a list chain inet dnsfence filter_fwd |
			    awk '/audit: forwarded non-TCP/ { print $NF }')"
		fi
		run fw status
		((status == 1)) || fail "$b: status with an audit rule deleted exited $status"
		[[ $output == *"missing: "*"rule \""*"audit: forwarded non-TCP\" in "*FWD* ||
		   $output == *"missing: "*"rule \""*"audit: forwarded non-TCP\" in filter_fwd"* ]] ||
			fail "$b: the deleted audit rule is not named: $output"

		# Audit rules asked for, none loaded.
		fw_audit_load "$b"
		run fw status --audit
		((status == 1)) || fail "$b: status --audit without audit rules exited $status"
		[[ $output == *"audit: off"* && $output == *"missing: "*"audit: other protocols"* ]] ||
			fail "$b: status --audit does not name the missing audit rules"
	done
}

@test "--audit: A's UDP to port 123 and UDP-Lite, and C's forwarded UDP, reach the nflog group's listener, are counted and are still dropped (both backends)" {
	local b f mode n
	tcpdump -D 2>/dev/null | grep -q '^[0-9]*\.nflog' || skip "this tcpdump cannot listen on nflog groups"
	for b in $(fw_gw_backends); do
		for mode in plain audit; do
			fw_unload_both
			if [[ $mode == audit ]]; then fw_audit_load "$b" --audit --nflog-group 54; else fw_audit_load "$b"; fi
			nflog_start 54
			capture_start
			for f in 4 6; do
				fw_send "$FW_A" udp "$f" "$(fw_b "$f")" 123
				fw_send_as_nobody "$FW_A" udplite "$f" "$(fw_b "$f")" 9
				fw_send "$FW_C" udp "$f" "$(fw_b "$f")" 5000
			done
			capture_stop
			nflog_wait 6
			nflog_stop
			for f in 4 6; do
				# Dropped all the same: NFLOG is no verdict.
				(($(crossed udp "$f" 123) + $(crossed udplite "$f") + $(crossed udp "$f" 5000) == 0)) ||
					fail "$b $mode: A's UDP/123 or UDP-Lite or C's UDP over IPv$f crossed"
				n=$(nflog_count "$(nflog_probe_re udp "$f" 123)")
				if [[ $mode == plain ]]; then	# the control: nothing is logged without --audit
					((n == 0)) || fail "control: $b without --audit logged $n packets"
					continue
				fi
				((n == 1)) || fail "$b: the listener saw $n of A's UDP/123 over IPv$f, not 1:" \
				    "$(tcpdump -r "$NFLOG_CAP" -n 2>&1; cat "$DF_TMP/nflog.log"; fw status)"
				n=$(nflog_count "$(nflog_probe_re udplite "$f")")
				((n == 1)) || fail "$b: the listener saw $n of A's UDP-Lite over IPv$f, not 1"
				n=$(nflog_count "$(nflog_probe_re udp "$f" 5000)")
				((n == 1)) || fail "$b: the listener saw $n of C's UDP over IPv$f, not 1"
			done
			(($(nflog_count .) == 0)) || [[ $mode == audit ]] ||
				fail "control: $b without --audit: the listener saw $(nflog_count .) packets"
			run fw status --backend "$b"
			((status == 0)) || fail "$b $mode: status exited $status"
			[[ $mode == audit ]] || continue
			assert_gw_counter "$b" audit_logged == 3
			assert_gw_counter "$b" udp_dropped == 1
			assert_gw_counter "$b" proto_dropped == 1
		done
	done
}

@test "--audit: a kernel without the NFLOG target fails the load cleanly: the modules named, the rules before are back" {
	local shim=$BATS_TEST_TMPDIR/shim b4 b6
	mkdir -p "$shim"
	# An ip6tables-restore that answers NFLOG as a kernel without it does (iptables-nft).
	printf '#!/bin/sh\nin=$(cat)\nif printf "%%s" "$in" | grep -q NFLOG; then\n echo "ip6tables-restore v1.8.9 (nf_tables): RULE_APPEND failed (No such file or directory): rule in chain DNSFENCE_FILTER" >&2\n exit 4\nfi\nprintf "%%s\\n" "$in" | %s "$@"\n' \
	    "$(command -v ip6tables-restore)" >"$shim/ip6tables-restore"
	chmod 0755 "$shim/ip6tables-restore"
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables --audit
	((status == 1)) || fail "load --audit succeeded with a kernel without NFLOG (exit $status)"
	[[ $output == *"RULE_APPEND failed"*xt_NFLOG*nfnetlink_log*"nothing of dnsfence is loaded"* ]] ||
		fail "the failure does not name the modules and the outcome: $output"
	assert_nothing_loaded

	# Over loaded rules: they stay as they were (the shim passes them: no NFLOG in them).
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables
	((status == 0)) || fail "the shim refuses rules without NFLOG (the test proves nothing)"
	b4=$(fw_ours 4)
	b6=$(fw_ours 6)
	run nsa env PATH="$shim:$PATH" sh "$FW_LOADER" load --backend iptables --audit
	[[ $status == 1 && $output == *"the rules loaded before are back"* ]] || fail "load over loaded rules"
	[[ $(fw_ours 4) == "$b4" && $(fw_ours 6) == "$b6" ]] || fail "the rules before are not back"
}
