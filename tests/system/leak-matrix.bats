#!/usr/bin/env bats
# leak-matrix.bats: zero leaks, whatever state dnsfence is in. Every client in every state, each
# cell captured on net's side of the veth: nothing but SOCKS TCP (and the ICMP sentinels) may
# cross, and the client must see what the state promises (answered, servfail, timeout, reset,
# or blocked). The ruleset is the project's own: src/dnsfence-firewall.sh load --backend iptables.
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
	export DF_TIMEOUT
	command -v nslookup >/dev/null 2>&1 || skip "nslookup is not installed (dnsutils)"
	df_setup_file_common
	leak_setup_file || {
		leak_teardown_file
		topo_down
		return 1
	}
}

teardown_file() {
	leak_teardown_file
	topo_down
}

teardown() {
	df_teardown_common
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

@test "sigstopped-flood: after SIGCONT it drains the queue and answers again, nothing leaks" {
	local i ok='' icmp0 icmp1 out
	[[ $(cat "$DF_TMP/leak-state") == sigstopped-flood ]] || fail "the state was not set up"
	icmp0=$(leak_icmp_drops)
	capture_start
	kill -CONT "$(df_pid dnsfence)"
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

