#!/usr/bin/env bats
# leak-matrix.bats: zero leaks, whatever state dnsfence is in. Every client in every state, each
# cell captured on net's side of the veth: nothing but SOCKS TCP (and the TCP sentinels) may
# cross, and the client must see what the state promises (answered, servfail, timeout, reset,
# blocked, dropped or noreply; see leak_expected). The clients are applications on ws, local
# users who forge their source (freebind*) or speak protocols other than UDP and TCP, root
# sending ICMP, and a container or VM behind ws (fwd-*, from namespace ct). The ruleset is the
# project's own: src/dnsfence-firewall.sh load --backend iptables. The first test is the control:
# without the ruleset, each new client's packets do reach the wire.
#
# One topology for the file; the states are entered in the order of the tests below (each group's
# first cell sets it up, see leak_enter in leak-helpers.bash). The last test prints the matrix
# (TAP, through fd 3) and writes it to $BATS_RUN_TMPDIR/leak-matrix.txt (and to $LEAK_MATRIX_OUT
# if set). The ruleset can be swapped for a mutated copy with DNSFENCE_RULESDIR=DIR (the loader's
# own variable): each mutation must turn cells red.

load ../lib/netns
load helpers
load leak-helpers

BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	DF_TIMEOUT=$LEAK_SERVFAIL_TIMEOUT
	# the states ask the warm-up's name again once the upstream is gone: they must see SERVFAIL,
	# not a cached answer (cache.bats covers the cache)
	DF_CONF_EXTRA="cache no"
	export DF_CONF_EXTRA
	export DF_TIMEOUT
	command -v nslookup >/dev/null 2>&1 || skip "nslookup is not installed (dnsutils)"
	leak_file_up
}

teardown_file() {
	leak_file_down
}

teardown() {
	df_teardown_common
	leak_teardown
}

@test "control: without the ruleset, every probe of the new clients reaches net's wire" {
	run leak_control
	echo "$output"
	((status == 0)) || fail "a probe put nothing on the wire, or the ruleset is not back"
}

# ---------------------------------------------------------------------------------------------
# never-started

@test "never-started: dig-udp4" { leak_cell never-started dig-udp4; }
@test "never-started: dig-udp6" { leak_cell never-started dig-udp6; }
@test "never-started: kdig-udp4" { leak_cell never-started kdig-udp4; }
@test "never-started: kdig-udp6" { leak_cell never-started kdig-udp6; }
@test "never-started: dig-tcp4" { leak_cell never-started dig-tcp4; }
@test "never-started: dig-tcp6" { leak_cell never-started dig-tcp6; }
@test "never-started: getent" { leak_cell never-started getent; }
@test "never-started: nslookup" { leak_cell never-started nslookup; }
@test "never-started: python-sendto" { leak_cell never-started python-sendto; }
@test "never-started: reuse-socket4" { leak_cell never-started reuse-socket4; }
@test "never-started: reuse-socket6" { leak_cell never-started reuse-socket6; }
@test "never-started: close-early4" { leak_cell never-started close-early4; }
@test "never-started: close-early6" { leak_cell never-started close-early6; }
@test "never-started: udp-mdns-5353" { leak_cell never-started udp-mdns-5353; }
@test "never-started: udp-llmnr-5355" { leak_cell never-started udp-llmnr-5355; }
@test "never-started: udp-ntp-123" { leak_cell never-started udp-ntp-123; }
@test "never-started: udp-quic-443" { leak_cell never-started udp-quic-443; }
@test "never-started: freebind4" { leak_cell never-started freebind4; }
@test "never-started: freebind6" { leak_cell never-started freebind6; }
@test "never-started: udplite4" { leak_cell never-started udplite4; }
@test "never-started: udplite6" { leak_cell never-started udplite6; }
@test "never-started: sctp4" { leak_cell never-started sctp4; }
@test "never-started: rawproto4" { leak_cell never-started rawproto4; }
@test "never-started: ping4" { leak_cell never-started ping4; }
@test "never-started: ping6" { leak_cell never-started ping6; }
@test "never-started: icmp-error4" { leak_cell never-started icmp-error4; }
@test "never-started: icmp-error6" { leak_cell never-started icmp-error6; }
@test "never-started: reject-icmp4" { leak_cell never-started reject-icmp4; }
@test "never-started: reject-icmp6" { leak_cell never-started reject-icmp6; }
@test "never-started: fwd-dig4" { leak_cell never-started fwd-dig4; }
@test "never-started: fwd-dig6" { leak_cell never-started fwd-dig6; }
@test "never-started: fwd-udp-other" { leak_cell never-started fwd-udp-other; }
@test "never-started: fwd-udplite" { leak_cell never-started fwd-udplite; }
@test "never-started: fwd-tcp53" { leak_cell never-started fwd-tcp53; }
@test "never-started: fwd-spoofed" { leak_cell never-started fwd-spoofed; }

# ---------------------------------------------------------------------------------------------
# running

@test "running: dig-udp4" { leak_cell running dig-udp4; }
@test "running: dig-udp6" { leak_cell running dig-udp6; }
@test "running: kdig-udp4" { leak_cell running kdig-udp4; }
@test "running: kdig-udp6" { leak_cell running kdig-udp6; }
@test "running: dig-tcp4" { leak_cell running dig-tcp4; }
@test "running: dig-tcp6" { leak_cell running dig-tcp6; }
@test "running: getent" { leak_cell running getent; }
@test "running: nslookup" { leak_cell running nslookup; }
@test "running: python-sendto" { leak_cell running python-sendto; }
@test "running: reuse-socket4" { leak_cell running reuse-socket4; }
@test "running: reuse-socket6" { leak_cell running reuse-socket6; }
@test "running: close-early4" { leak_cell running close-early4; }
@test "running: close-early6" { leak_cell running close-early6; }
@test "running: udp-mdns-5353" { leak_cell running udp-mdns-5353; }
@test "running: udp-llmnr-5355" { leak_cell running udp-llmnr-5355; }
@test "running: udp-ntp-123" { leak_cell running udp-ntp-123; }
@test "running: udp-quic-443" { leak_cell running udp-quic-443; }
@test "running: freebind4" { leak_cell running freebind4; }
@test "running: freebind6" { leak_cell running freebind6; }
@test "running: udplite4" { leak_cell running udplite4; }
@test "running: udplite6" { leak_cell running udplite6; }
@test "running: sctp4" { leak_cell running sctp4; }
@test "running: rawproto4" { leak_cell running rawproto4; }
@test "running: ping4" { leak_cell running ping4; }
@test "running: ping6" { leak_cell running ping6; }
@test "running: icmp-error4" { leak_cell running icmp-error4; }
@test "running: icmp-error6" { leak_cell running icmp-error6; }
@test "running: reject-icmp4" { leak_cell running reject-icmp4; }
@test "running: reject-icmp6" { leak_cell running reject-icmp6; }
@test "running: fwd-dig4" { leak_cell running fwd-dig4; }
@test "running: fwd-dig6" { leak_cell running fwd-dig6; }
@test "running: fwd-udp-other" { leak_cell running fwd-udp-other; }
@test "running: fwd-udplite" { leak_cell running fwd-udplite; }
@test "running: fwd-tcp53" { leak_cell running fwd-tcp53; }
@test "running: fwd-spoofed" { leak_cell running fwd-spoofed; }

# ---------------------------------------------------------------------------------------------
# sigstopped-flood

@test "sigstopped-flood: dig-udp4" { leak_cell sigstopped-flood dig-udp4; }
@test "sigstopped-flood: dig-udp6" { leak_cell sigstopped-flood dig-udp6; }
@test "sigstopped-flood: kdig-udp4" { leak_cell sigstopped-flood kdig-udp4; }
@test "sigstopped-flood: kdig-udp6" { leak_cell sigstopped-flood kdig-udp6; }
@test "sigstopped-flood: dig-tcp4" { leak_cell sigstopped-flood dig-tcp4; }
@test "sigstopped-flood: dig-tcp6" { leak_cell sigstopped-flood dig-tcp6; }
@test "sigstopped-flood: getent" { leak_cell sigstopped-flood getent; }
@test "sigstopped-flood: nslookup" { leak_cell sigstopped-flood nslookup; }
@test "sigstopped-flood: python-sendto" { leak_cell sigstopped-flood python-sendto; }
@test "sigstopped-flood: reuse-socket4" { leak_cell sigstopped-flood reuse-socket4; }
@test "sigstopped-flood: reuse-socket6" { leak_cell sigstopped-flood reuse-socket6; }
@test "sigstopped-flood: close-early4" { leak_cell sigstopped-flood close-early4; }
@test "sigstopped-flood: close-early6" { leak_cell sigstopped-flood close-early6; }
@test "sigstopped-flood: udp-mdns-5353" { leak_cell sigstopped-flood udp-mdns-5353; }
@test "sigstopped-flood: udp-llmnr-5355" { leak_cell sigstopped-flood udp-llmnr-5355; }
@test "sigstopped-flood: udp-ntp-123" { leak_cell sigstopped-flood udp-ntp-123; }
@test "sigstopped-flood: udp-quic-443" { leak_cell sigstopped-flood udp-quic-443; }
@test "sigstopped-flood: freebind4" { leak_cell sigstopped-flood freebind4; }
@test "sigstopped-flood: freebind6" { leak_cell sigstopped-flood freebind6; }
@test "sigstopped-flood: udplite4" { leak_cell sigstopped-flood udplite4; }
@test "sigstopped-flood: udplite6" { leak_cell sigstopped-flood udplite6; }
@test "sigstopped-flood: sctp4" { leak_cell sigstopped-flood sctp4; }
@test "sigstopped-flood: rawproto4" { leak_cell sigstopped-flood rawproto4; }
@test "sigstopped-flood: ping4" { leak_cell sigstopped-flood ping4; }
@test "sigstopped-flood: ping6" { leak_cell sigstopped-flood ping6; }
@test "sigstopped-flood: icmp-error4" { leak_cell sigstopped-flood icmp-error4; }
@test "sigstopped-flood: icmp-error6" { leak_cell sigstopped-flood icmp-error6; }
@test "sigstopped-flood: reject-icmp4" { leak_cell sigstopped-flood reject-icmp4; }
@test "sigstopped-flood: reject-icmp6" { leak_cell sigstopped-flood reject-icmp6; }
@test "sigstopped-flood: fwd-dig4" { leak_cell sigstopped-flood fwd-dig4; }
@test "sigstopped-flood: fwd-dig6" { leak_cell sigstopped-flood fwd-dig6; }
@test "sigstopped-flood: fwd-udp-other" { leak_cell sigstopped-flood fwd-udp-other; }
@test "sigstopped-flood: fwd-udplite" { leak_cell sigstopped-flood fwd-udplite; }
@test "sigstopped-flood: fwd-tcp53" { leak_cell sigstopped-flood fwd-tcp53; }
@test "sigstopped-flood: fwd-spoofed" { leak_cell sigstopped-flood fwd-spoofed; }

@test "sigstopped-flood: after SIGCONT it drains the queue and answers again, nothing leaks" {
	local i ok='' icmp0 icmp1 out
	[[ $(cat "$DF_TMP/leak-state") == sigstopped-flood ]] || fail "the state was not set up"
	icmp0=$(leak_icmp_drops)
	capture_start
	kill -CONT "$(dnsfence_worker_pid)"
	for ((i = 0; i < 20; i++)); do
		out=$(timeout 10 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=2 a.test A 2>&1) ||
			true
		if [[ $(_leak_word_dig "$out" "$DF_NET4" A 192.0.2.1) == answered ]]; then
			ok=1
			break
		fi
		sleep 0.5
	done
	capture_stop
	icmp1=$(leak_icmp_drops)
	printf '%s\n' "$out"
	[[ -n $ok ]] || fail "not answered within about 20 s of SIGCONT"
	assert_capture_clean
	dnsfence_stats
	dnsfence_stats_lines
	echo "queue: $(leak_queue_line); ICMP port-unreachables dropped: $((icmp1 - icmp0))"
	(($(stat_value captured capture) >= LEAK_QMAXLEN)) ||
		fail "dnsfence read fewer than the $LEAK_QMAXLEN queued packets"
	# The flood's sender had exited: the late answers hit closed ports, the ICMP was dropped.
	((icmp1 > icmp0)) || fail "no port-unreachable for the flood's late answers was dropped"
	echo recovered >"$DF_TMP/leak-state"
}

# ---------------------------------------------------------------------------------------------
# killed-9

@test "killed-9: dig-udp4" { leak_cell killed-9 dig-udp4; }
@test "killed-9: dig-udp6" { leak_cell killed-9 dig-udp6; }
@test "killed-9: kdig-udp4" { leak_cell killed-9 kdig-udp4; }
@test "killed-9: kdig-udp6" { leak_cell killed-9 kdig-udp6; }
@test "killed-9: dig-tcp4" { leak_cell killed-9 dig-tcp4; }
@test "killed-9: dig-tcp6" { leak_cell killed-9 dig-tcp6; }
@test "killed-9: getent" { leak_cell killed-9 getent; }
@test "killed-9: nslookup" { leak_cell killed-9 nslookup; }
@test "killed-9: python-sendto" { leak_cell killed-9 python-sendto; }
@test "killed-9: reuse-socket4" { leak_cell killed-9 reuse-socket4; }
@test "killed-9: reuse-socket6" { leak_cell killed-9 reuse-socket6; }
@test "killed-9: close-early4" { leak_cell killed-9 close-early4; }
@test "killed-9: close-early6" { leak_cell killed-9 close-early6; }
@test "killed-9: udp-mdns-5353" { leak_cell killed-9 udp-mdns-5353; }
@test "killed-9: udp-llmnr-5355" { leak_cell killed-9 udp-llmnr-5355; }
@test "killed-9: udp-ntp-123" { leak_cell killed-9 udp-ntp-123; }
@test "killed-9: udp-quic-443" { leak_cell killed-9 udp-quic-443; }
@test "killed-9: freebind4" { leak_cell killed-9 freebind4; }
@test "killed-9: freebind6" { leak_cell killed-9 freebind6; }
@test "killed-9: udplite4" { leak_cell killed-9 udplite4; }
@test "killed-9: udplite6" { leak_cell killed-9 udplite6; }
@test "killed-9: sctp4" { leak_cell killed-9 sctp4; }
@test "killed-9: rawproto4" { leak_cell killed-9 rawproto4; }
@test "killed-9: ping4" { leak_cell killed-9 ping4; }
@test "killed-9: ping6" { leak_cell killed-9 ping6; }
@test "killed-9: icmp-error4" { leak_cell killed-9 icmp-error4; }
@test "killed-9: icmp-error6" { leak_cell killed-9 icmp-error6; }
@test "killed-9: reject-icmp4" { leak_cell killed-9 reject-icmp4; }
@test "killed-9: reject-icmp6" { leak_cell killed-9 reject-icmp6; }
@test "killed-9: fwd-dig4" { leak_cell killed-9 fwd-dig4; }
@test "killed-9: fwd-dig6" { leak_cell killed-9 fwd-dig6; }
@test "killed-9: fwd-udp-other" { leak_cell killed-9 fwd-udp-other; }
@test "killed-9: fwd-udplite" { leak_cell killed-9 fwd-udplite; }
@test "killed-9: fwd-tcp53" { leak_cell killed-9 fwd-tcp53; }
@test "killed-9: fwd-spoofed" { leak_cell killed-9 fwd-spoofed; }

@test "killed-9: a restarted dnsfence binds the queue again and answers, nothing leaks" {
	local out
	[[ $(cat "$DF_TMP/leak-state") == killed-9 ]] || fail "the state was not set up"
	echo restarted >"$DF_TMP/leak-state"
	dnsfence_start
	capture_start
	out=$(timeout 10 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=3 a.test A 2>&1) || true
	capture_stop
	printf '%s\n' "$out"
	[[ $(_leak_word_dig "$out" "$DF_NET4" A 192.0.2.1) == answered ]] || fail "not answered"
	assert_capture_clean
}

# ---------------------------------------------------------------------------------------------
# socks-down

@test "socks-down: dig-udp4" { leak_cell socks-down dig-udp4; }
@test "socks-down: dig-udp6" { leak_cell socks-down dig-udp6; }
@test "socks-down: kdig-udp4" { leak_cell socks-down kdig-udp4; }
@test "socks-down: kdig-udp6" { leak_cell socks-down kdig-udp6; }
@test "socks-down: dig-tcp4" { leak_cell socks-down dig-tcp4; }
@test "socks-down: dig-tcp6" { leak_cell socks-down dig-tcp6; }
@test "socks-down: getent" { leak_cell socks-down getent; }
@test "socks-down: nslookup" { leak_cell socks-down nslookup; }
@test "socks-down: python-sendto" { leak_cell socks-down python-sendto; }
@test "socks-down: reuse-socket4" { leak_cell socks-down reuse-socket4; }
@test "socks-down: reuse-socket6" { leak_cell socks-down reuse-socket6; }
@test "socks-down: close-early4" { leak_cell socks-down close-early4; }
@test "socks-down: close-early6" { leak_cell socks-down close-early6; }
@test "socks-down: udp-mdns-5353" { leak_cell socks-down udp-mdns-5353; }
@test "socks-down: udp-llmnr-5355" { leak_cell socks-down udp-llmnr-5355; }
@test "socks-down: udp-ntp-123" { leak_cell socks-down udp-ntp-123; }
@test "socks-down: udp-quic-443" { leak_cell socks-down udp-quic-443; }
@test "socks-down: freebind4" { leak_cell socks-down freebind4; }
@test "socks-down: freebind6" { leak_cell socks-down freebind6; }
@test "socks-down: udplite4" { leak_cell socks-down udplite4; }
@test "socks-down: udplite6" { leak_cell socks-down udplite6; }
@test "socks-down: sctp4" { leak_cell socks-down sctp4; }
@test "socks-down: rawproto4" { leak_cell socks-down rawproto4; }
@test "socks-down: ping4" { leak_cell socks-down ping4; }
@test "socks-down: ping6" { leak_cell socks-down ping6; }
@test "socks-down: icmp-error4" { leak_cell socks-down icmp-error4; }
@test "socks-down: icmp-error6" { leak_cell socks-down icmp-error6; }
@test "socks-down: reject-icmp4" { leak_cell socks-down reject-icmp4; }
@test "socks-down: reject-icmp6" { leak_cell socks-down reject-icmp6; }
@test "socks-down: fwd-dig4" { leak_cell socks-down fwd-dig4; }
@test "socks-down: fwd-dig6" { leak_cell socks-down fwd-dig6; }
@test "socks-down: fwd-udp-other" { leak_cell socks-down fwd-udp-other; }
@test "socks-down: fwd-udplite" { leak_cell socks-down fwd-udplite; }
@test "socks-down: fwd-tcp53" { leak_cell socks-down fwd-tcp53; }
@test "socks-down: fwd-spoofed" { leak_cell socks-down fwd-spoofed; }

# ---------------------------------------------------------------------------------------------
# resolver-down

@test "resolver-down: dig-udp4" { leak_cell resolver-down dig-udp4; }
@test "resolver-down: dig-udp6" { leak_cell resolver-down dig-udp6; }
@test "resolver-down: kdig-udp4" { leak_cell resolver-down kdig-udp4; }
@test "resolver-down: kdig-udp6" { leak_cell resolver-down kdig-udp6; }
@test "resolver-down: dig-tcp4" { leak_cell resolver-down dig-tcp4; }
@test "resolver-down: dig-tcp6" { leak_cell resolver-down dig-tcp6; }
@test "resolver-down: getent" { leak_cell resolver-down getent; }
@test "resolver-down: nslookup" { leak_cell resolver-down nslookup; }
@test "resolver-down: python-sendto" { leak_cell resolver-down python-sendto; }
@test "resolver-down: reuse-socket4" { leak_cell resolver-down reuse-socket4; }
@test "resolver-down: reuse-socket6" { leak_cell resolver-down reuse-socket6; }
@test "resolver-down: close-early4" { leak_cell resolver-down close-early4; }
@test "resolver-down: close-early6" { leak_cell resolver-down close-early6; }
@test "resolver-down: udp-mdns-5353" { leak_cell resolver-down udp-mdns-5353; }
@test "resolver-down: udp-llmnr-5355" { leak_cell resolver-down udp-llmnr-5355; }
@test "resolver-down: udp-ntp-123" { leak_cell resolver-down udp-ntp-123; }
@test "resolver-down: udp-quic-443" { leak_cell resolver-down udp-quic-443; }
@test "resolver-down: freebind4" { leak_cell resolver-down freebind4; }
@test "resolver-down: freebind6" { leak_cell resolver-down freebind6; }
@test "resolver-down: udplite4" { leak_cell resolver-down udplite4; }
@test "resolver-down: udplite6" { leak_cell resolver-down udplite6; }
@test "resolver-down: sctp4" { leak_cell resolver-down sctp4; }
@test "resolver-down: rawproto4" { leak_cell resolver-down rawproto4; }
@test "resolver-down: ping4" { leak_cell resolver-down ping4; }
@test "resolver-down: ping6" { leak_cell resolver-down ping6; }
@test "resolver-down: icmp-error4" { leak_cell resolver-down icmp-error4; }
@test "resolver-down: icmp-error6" { leak_cell resolver-down icmp-error6; }
@test "resolver-down: reject-icmp4" { leak_cell resolver-down reject-icmp4; }
@test "resolver-down: reject-icmp6" { leak_cell resolver-down reject-icmp6; }
@test "resolver-down: fwd-dig4" { leak_cell resolver-down fwd-dig4; }
@test "resolver-down: fwd-dig6" { leak_cell resolver-down fwd-dig6; }
@test "resolver-down: fwd-udp-other" { leak_cell resolver-down fwd-udp-other; }
@test "resolver-down: fwd-udplite" { leak_cell resolver-down fwd-udplite; }
@test "resolver-down: fwd-tcp53" { leak_cell resolver-down fwd-tcp53; }
@test "resolver-down: fwd-spoofed" { leak_cell resolver-down fwd-spoofed; }

# ---------------------------------------------------------------------------------------------
# max-pending-exhausted

@test "max-pending-exhausted: dig-udp4" { leak_cell max-pending-exhausted dig-udp4; }
@test "max-pending-exhausted: dig-udp6" { leak_cell max-pending-exhausted dig-udp6; }
@test "max-pending-exhausted: kdig-udp4" { leak_cell max-pending-exhausted kdig-udp4; }
@test "max-pending-exhausted: kdig-udp6" { leak_cell max-pending-exhausted kdig-udp6; }
@test "max-pending-exhausted: dig-tcp4" { leak_cell max-pending-exhausted dig-tcp4; }
@test "max-pending-exhausted: dig-tcp6" { leak_cell max-pending-exhausted dig-tcp6; }
@test "max-pending-exhausted: getent" { leak_cell max-pending-exhausted getent; }
@test "max-pending-exhausted: nslookup" { leak_cell max-pending-exhausted nslookup; }
@test "max-pending-exhausted: python-sendto" { leak_cell max-pending-exhausted python-sendto; }
@test "max-pending-exhausted: reuse-socket4" { leak_cell max-pending-exhausted reuse-socket4; }
@test "max-pending-exhausted: reuse-socket6" { leak_cell max-pending-exhausted reuse-socket6; }
@test "max-pending-exhausted: close-early4" { leak_cell max-pending-exhausted close-early4; }
@test "max-pending-exhausted: close-early6" { leak_cell max-pending-exhausted close-early6; }
@test "max-pending-exhausted: udp-mdns-5353" { leak_cell max-pending-exhausted udp-mdns-5353; }
@test "max-pending-exhausted: udp-llmnr-5355" { leak_cell max-pending-exhausted udp-llmnr-5355; }
@test "max-pending-exhausted: udp-ntp-123" { leak_cell max-pending-exhausted udp-ntp-123; }
@test "max-pending-exhausted: udp-quic-443" { leak_cell max-pending-exhausted udp-quic-443; }
@test "max-pending-exhausted: freebind4" { leak_cell max-pending-exhausted freebind4; }
@test "max-pending-exhausted: freebind6" { leak_cell max-pending-exhausted freebind6; }
@test "max-pending-exhausted: udplite4" { leak_cell max-pending-exhausted udplite4; }
@test "max-pending-exhausted: udplite6" { leak_cell max-pending-exhausted udplite6; }
@test "max-pending-exhausted: sctp4" { leak_cell max-pending-exhausted sctp4; }
@test "max-pending-exhausted: rawproto4" { leak_cell max-pending-exhausted rawproto4; }
@test "max-pending-exhausted: ping4" { leak_cell max-pending-exhausted ping4; }
@test "max-pending-exhausted: ping6" { leak_cell max-pending-exhausted ping6; }
@test "max-pending-exhausted: icmp-error4" { leak_cell max-pending-exhausted icmp-error4; }
@test "max-pending-exhausted: icmp-error6" { leak_cell max-pending-exhausted icmp-error6; }
@test "max-pending-exhausted: reject-icmp4" { leak_cell max-pending-exhausted reject-icmp4; }
@test "max-pending-exhausted: reject-icmp6" { leak_cell max-pending-exhausted reject-icmp6; }
@test "max-pending-exhausted: fwd-dig4" { leak_cell max-pending-exhausted fwd-dig4; }
@test "max-pending-exhausted: fwd-dig6" { leak_cell max-pending-exhausted fwd-dig6; }
@test "max-pending-exhausted: fwd-udp-other" { leak_cell max-pending-exhausted fwd-udp-other; }
@test "max-pending-exhausted: fwd-udplite" { leak_cell max-pending-exhausted fwd-udplite; }
@test "max-pending-exhausted: fwd-tcp53" { leak_cell max-pending-exhausted fwd-tcp53; }
@test "max-pending-exhausted: fwd-spoofed" { leak_cell max-pending-exhausted fwd-spoofed; }

# ---------------------------------------------------------------------------------------------

@test "leak matrix: the table" {
	local f=$BATS_RUN_TMPDIR/leak-matrix.txt
	leak_matrix_table >"$f"
	{
		echo "# leak matrix (cells: outcome/packets other than SOCKS TCP on the wire)"
		sed 's/^/# /' "$f"
	} >&3
	echo "written to $f"
	# BATS_RUN_TMPDIR goes away with the run; LEAK_MATRIX_OUT=FILE keeps a copy.
	if [[ -n ${LEAK_MATRIX_OUT:-} ]]; then
		cp "$f" "$LEAK_MATRIX_OUT"
	fi
}

