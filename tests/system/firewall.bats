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
#     kernel lacks nft_queue (this one does).
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
		[[ $output == *"ipv$f: queued=0 udp_dropped=0 proto_dropped=0 icmp_dropped=0 marked_dropped=0 fwd_queued=0 fwd_dropped=0"* ]] ||
			fail "status: no counters line for ipv$f"
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
	    <<<"$output" || fail "status: no counters line"

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
