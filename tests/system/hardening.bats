#!/usr/bin/env bats
# hardening.bats: what docs/security.md promises, checked on the running daemon (the two
# processes' privileges themselves are in privsep.bats).
#   - seccomp kills a forbidden system call (build/dnsfence-testhooks, SIGUSR2 -> ptrace), while
#     SIGUSR1 and SIGHUP (a reload that re-tunes the queue over netlink) keep working;
#   - start-up refusals: not root, an unknown or root user, an unsafe chroot;
#   - answer safety: reject-private, allow-private, AD cleared, DO/CD/RRSIG passed through;
#   - names answered locally never go upstream; max-query-size.
#
# One topology (netns.bash's minimal capture rules) for the file. The tests run in order; setup()
# starts a daemon with the test configuration when none runs. A test that needs other options
# restarts it and marks that with need_restart, so teardown() stops that one again.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

TESTHOOKS=${DNSFENCE_TESTHOOKS:-$DF_REPO/build/dnsfence-testhooks}
FAKE_PORT=5300		# the fake recursor (dnsq.py serve-tcp) in net, for the AD/DO/CD test

setup_file() {
	df_setup_file_common
}

teardown_file() {
	topo_down
}

setup() {
	if ! df_alive dnsfence; then
		dnsfence_start
	fi
}

teardown() {
	df_teardown_common
	df_stop fakeres
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

# count_rr_any TYPE: records of TYPE in $output's answer lines, whatever the owner.
count_rr_any() {
	printf '%s\n' "$output" | awk -v t="$1" '$0 !~ /^;/ && NF >= 5 && $3 == "IN" && $4 == t { c++ }
		END { print c + 0 }'
}

# answer_count: the ANSWER: count in dig's header line.
answer_count() {
	sed -n 's/^;; flags:.* ANSWER: \([0-9]*\),.*/\1/p' <<<"$output"
}

# dig_flags: the header flags of the reply ("qr aa rd ra", ...).
dig_flags() {
	sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$output"
}

# wait_log_count PATTERN N: wait (5 s) until the log holds at least N lines matching PATTERN.
wait_log_count() {
	local i
	for ((i = 0; i < 50; i++)); do
		(($(grep -c -- "$1" "$DF_TMP/dnsfence.log" || true) >= $2)) && return 0
		sleep 0.1
	done
	return 1
}

# hup_wait N: SIGHUP, then wait (5 s) for the Nth "reload: configuration reloaded" line.
hup_wait() {
	local i
	kill -HUP "$(df_pid dnsfence)"
	for ((i = 0; i < 50; i++)); do
		(($(grep -c 'reload: configuration reloaded' "$DF_TMP/dnsfence.log" || true) >= $1)) &&
			return 0
		df_alive dnsfence || { echo "dnsfence died on SIGHUP"; return 1; }
		sleep 0.1
	done
	echo "no reload line $1 within 5 s of SIGHUP"
	return 1
}

# nothing_bound: no dnsfence listener and no NFQUEUE binding is left in ws.
nothing_bound() {
	local q l
	l=$(ws ss -Hltn 'sport = :54' 2>/dev/null) || true
	[[ -z $l ]] || { echo "a listener on port 54 is left: $l"; return 1; }
	q=$(ws cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null) || true
	if awk -v q="$DF_QUEUE" '$1 == q { found = 1 } END { exit !found }' <<<"$q"; then
		echo "NFQUEUE $DF_QUEUE is still bound: $q"
		return 1
	fi
}

# upstream_quiet: wait (5 s) until the upstream pool has a ready connection and opens no more,
# so that a capture taken next sees SOCKS traffic only if a query is sent.
upstream_quiet() {
	local i c prev=-1 ready
	for ((i = 0; i < 20; i++)); do
		dnsfence_stats >/dev/null 2>&1 || return 1
		c=$(stat_value connects upstream) || return 1
		ready=$(grep 'stats upstream:' "$DF_TMP/dnsfence.log" | tail -n 1 |
		    sed -n 's/.* ready=\([0-9]*\)\/.*/\1/p')
		[[ $c == "$prev" && ${ready:-0} -gt 0 ]] && return 0
		prev=$c
		sleep 0.25
	done
	echo "the upstream pool did not settle within 5 s"
	return 1
}

# ---------------------------------------------------------------------------------------------
# Privileges

@test "seccomp is enforced: a forbidden system call (ptrace) kills the daemon with SIGSYS" {
	[[ -x $TESTHOOKS ]] ||
		fail "no test build at $TESTHOOKS: build it with 'make build/dnsfence-testhooks'"
	: >"$DF_TMP/need-restart"
	dnsfence_stop
	# Started from this test's shell, so df_stop can reap it and read how it died.
	DNSFENCE=$TESTHOOKS dnsfence_start
	grep -q 'seccomp on' "$DF_TMP/dnsfence.log" || fail "the test build did not install seccomp"
	qdig a.test A
	assert_dig NOERROR
	local pid
	pid=$(df_pid dnsfence)
	kill -USR2 "$pid"
	if ! df_wait_exit dnsfence 5; then
		grep 'test hook' "$DF_TMP/dnsfence.log" || true
		fail "dnsfence-testhooks still runs 5 s after SIGUSR2 (the ptrace was not killed)"
	fi
	echo "dnsfence-testhooks exit status after SIGUSR2: ${DF_STOP_STATUS:-?}"
	grep 'test hook' "$DF_TMP/dnsfence.log" || true
	grep -q 'test hook: calling ptrace' "$DF_TMP/dnsfence.log" ||
		fail "the hook did not run (no 'test hook: calling ptrace' line)"
	! grep -q 'seccomp is not enforcing' "$DF_TMP/dnsfence.log" ||
		fail "ptrace returned: seccomp did not stop it"
	[[ ${DF_STOP_STATUS:-} == 159 ]] ||
		fail "exit status ${DF_STOP_STATUS:-unknown}, expected 159 (killed by SIGSYS, 128+31)"
	[[ ! -e /proc/$pid ]] || fail "/proc/$pid still exists"
}

@test "under seccomp SIGUSR1 prints stats and SIGHUP reloads, also a new rcvbuf and queue-maxlen" {
	local pid n
	: >"$DF_TMP/need-restart"	# the reloaded configuration is not the file's default
	pid=$(df_pid dnsfence)
	dnsfence_stats
	dnsfence_stats
	n=$(grep -c 'reload: configuration reloaded' "$DF_TMP/dnsfence.log") || true
	# A reload with nothing changed, then one that re-tunes the queue (netlink config + ACK poll).
	run hup_wait $((n + 1))
	((status == 0)) || fail "SIGHUP, nothing changed"
	printf 'rcvbuf 8388608\nqueue-maxlen 1024\n' >>"$DF_CONF"
	run hup_wait $((n + 2))
	((status == 0)) || fail "SIGHUP with a new rcvbuf and queue-maxlen"
	! grep -q 'cannot apply rcvbuf/queue-maxlen' "$DF_TMP/dnsfence.log" ||
		fail "the reload could not apply rcvbuf/queue-maxlen"
	# Back the other way, and a broken file: kept, with a warning, still alive.
	printf 'rcvbuf 1048576\nqueue-maxlen 4096\n' >>"$DF_CONF"
	run hup_wait $((n + 3))
	((status == 0)) || fail "SIGHUP with rcvbuf and queue-maxlen back to the defaults"
	printf 'timeout banana\n' >>"$DF_CONF"
	kill -HUP "$pid"
	wait_log_count 'keeping the running configuration' 1 ||
		fail "a broken file on SIGHUP: no 'keeping the running configuration' warning"
	dnsfence_stats
	sed -n '/reload:/p' "$DF_TMP/dnsfence.log"
	df_alive dnsfence || fail "dnsfence died during the reloads"
	[[ $(df_pid dnsfence) == "$pid" ]] || fail "a different process now"
	grep -qx $'Seccomp:\t2' "/proc/$pid/status" || fail "Seccomp is not 2 after the reloads"
	! grep -q 'cannot apply rcvbuf/queue-maxlen' "$DF_TMP/dnsfence.log" ||
		fail "a reload could not apply rcvbuf/queue-maxlen"
	qdig "$(uniq_name)" A
	assert_dig NXDOMAIN
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
}

# ---------------------------------------------------------------------------------------------
# Start-up refusals

@test "started without root: exit 1 and the message says it must be started as root" {
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
	run timeout 10 ip netns exec "$DF_WS" setpriv --reuid="$DF_USER" --regid="$(id -g "$DF_USER")" \
	    --clear-groups "$DNSFENCE" -d -c "$DF_CONF"
	echo "status $status: $output"
	((status != 124)) || fail "dnsfence as $DF_USER was still running after 10 s"
	((status == 1)) || fail "exit status $status, expected 1"
	[[ $output == *"must be started as root"* ]] || fail "the message does not say it needs root"
	df_alive dnsfence || fail "the running dnsfence died"
}

@test "an unknown user or root as user: exit 1, the message names the user; nothing left bound" {
	dnsfence_stop
	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --user nosuchuser
	echo "nosuchuser: status $status: $output"
	((status == 1)) || fail "--user nosuchuser: exit status $status, expected 1"
	[[ $output == *'user "nosuchuser" does not exist'* ]] || fail "the message does not name the user"
	run nothing_bound
	((status == 0)) || fail "after --user nosuchuser: $output"

	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --user root
	echo "root: status $status: $output"
	((status == 1)) || fail "--user root: exit status $status, expected 1"
	[[ $output == *'user "root" is root'* ]] || fail "the message does not refuse root"
	run nothing_bound
	((status == 0)) || fail "after --user root: $output"

	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
}

@test "an unsafe chroot (mode 0777, owned by another user, missing): exit 1, says why; nothing left bound" {
	local open=$DF_TMP/chroot-0777 owned=$DF_TMP/chroot-owned missing=$DF_TMP/chroot-missing
	mkdir -p "$open" "$owned"
	chmod 0777 "$open"
	chmod 0755 "$owned"
	chown "$DF_USER" "$owned"
	dnsfence_stop

	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --chroot "$open"
	echo "0777: status $status: $output"
	((status == 1)) || fail "chroot mode 0777: exit status $status, expected 1"
	[[ $output == *"chroot $open: must be owned by root and writable by nobody else"*"mode 777"* ]] ||
		fail "chroot mode 0777: the message does not say what is wrong"
	run nothing_bound
	((status == 0)) || fail "after the 0777 chroot: $output"

	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --chroot "$owned"
	echo "owned by $DF_USER: status $status: $output"
	((status == 1)) || fail "chroot owned by $DF_USER: exit status $status, expected 1"
	[[ $output == *"chroot $owned: must be owned by root"*"owner $(id -u "$DF_USER")"* ]] ||
		fail "chroot owned by $DF_USER: the message does not say what is wrong"
	run nothing_bound
	((status == 0)) || fail "after the chroot owned by $DF_USER: $output"

	run timeout 10 ip netns exec "$DF_WS" "$DNSFENCE" -d -c "$DF_CONF" --chroot "$missing"
	echo "missing: status $status: $output"
	((status == 1)) || fail "missing chroot: exit status $status, expected 1"
	[[ $output == *"chroot $missing"* ]] || fail "missing chroot: the message does not name it"

	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
}

# ---------------------------------------------------------------------------------------------
# Answer safety

@test "reject-private: private, loopback, CGNAT, ULA, link-local and mapped addresses are removed" {
	local a0 r0 a1 r1 t
	# The records are there: unbound itself gives them (so an empty answer below means removed).
	for t in "private.test A 10.1.2.3" "loop.test A 127.0.0.1" "cgnat.test A 100.64.1.1" \
	    "mapped.test AAAA ::ffff:10.0.0.1" "ll.test AAAA fe80::1"; do
		# shellcheck disable=SC2086
		set -- $t
		run netcmd dig @127.0.0.1 +tries=1 +time=2 +short "$1" "$2"
		[[ $output == "$3" ]] || fail "unbound has no $1 $2 $3 (test data missing?)"
	done
	run netcmd dig @127.0.0.1 +tries=1 +time=2 +short mixed.test A
	(($(wc -l <<<"$output") == 2)) || fail "unbound: mixed.test should have 2 A records"

	dnsfence_stats
	a0=$(stat_value private_answers policy)
	r0=$(stat_value private_removed policy)

	qdig mixed.test A
	assert_dig NOERROR
	assert_rr mixed.test. A 192.0.2.7
	(($(count_rr mixed.test. A) == 1)) || fail "mixed.test A: $(count_rr mixed.test. A) records, expected only 192.0.2.7"
	qdig mixed.test AAAA
	assert_dig NOERROR
	assert_rr mixed.test. AAAA 2001:db8::7
	(($(count_rr mixed.test. AAAA) == 1)) || fail "mixed.test AAAA: expected only 2001:db8::7"
	for t in "private.test A" "loop.test A" "cgnat.test A" "mapped.test AAAA" "ll.test AAAA"; do
		# shellcheck disable=SC2086
		qdig $t
		assert_dig NOERROR
		[[ $(answer_count) == 0 ]] || fail "$t: ANSWER $(answer_count), expected 0 (address removed)"
	done
	# The same over IPv6 transport.
	SERVER=$DF_NET6 qdig mixed.test A
	SERVER=$DF_NET6 assert_dig NOERROR
	(($(count_rr mixed.test. A) == 1)) || fail "mixed.test A over IPv6: expected only 192.0.2.7"

	dnsfence_stats
	a1=$(stat_value private_answers policy)
	r1=$(stat_value private_removed policy)
	echo "private_answers $a0 -> $a1, private_removed $r0 -> $r1"
	# 8 answers, 7 from upstream: the IPv6 repeat of mixed.test A is the cached answer, kept
	# once filtered
	((a1 - a0 == 7)) || fail "private_answers grew by $((a1 - a0)), expected 7"
	((r1 - r0 == 7)) || fail "private_removed grew by $((r1 - r0)), expected 7"
	grep -q 'removed 1 private or loopback address record(s) and 0 SVCB/HTTPS hint address(es) (reject-private)' \
	    "$DF_TMP/dnsfence.log" || fail "no reject-private log line"
}

@test "reject-private: NAT64 and 6to4 forms, SVCB/HTTPS address hints; reverse names of mapped private addresses stay local" {
	local r0 r1 p0 p1 t
	for t in "nat64.test AAAA 64:ff9b::a01:203" "sixto4.test AAAA 2002:c0a8:101::1"; do
		# shellcheck disable=SC2086
		set -- $t
		run netcmd dig @127.0.0.1 +tries=1 +time=2 +short "$1" "$2"
		[[ $output == "$3" ]] || fail "unbound has no $1 $2 $3 (test data missing?)"
	done
	run netcmd dig @127.0.0.1 +tries=1 +time=2 +short svc.test HTTPS
	[[ $output == *"ipv4hint=10.0.0.1,192.0.2.9"* ]] || fail "unbound has no svc.test HTTPS with hints"
	dnsfence_stats
	r0=$(stat_value private_removed policy)
	p0=$(stat_value private_ptr policy)
	for t in "nat64.test AAAA" "sixto4.test AAAA"; do
		# shellcheck disable=SC2086
		qdig $t
		assert_dig NOERROR
		[[ $(answer_count) == 0 ]] || fail "$t: ANSWER $(answer_count), expected 0 (address removed)"
	done
	# HTTPS: the private hint addresses go, the public ones and the rest of the record stay.
	qdig svc.test HTTPS
	assert_dig NOERROR
	printf '%s\n' "$output" | grep -E '^svc\.test\.' || fail "no svc.test HTTPS record left"
	printf '%s\n' "$output" | grep -qE 'svc\.test\..*alpn="h2" ipv4hint=192\.0\.2\.9 ipv6hint=2001:db8::9$' ||
		fail "the HTTPS record is not the one with only the public hints"
	# SVCB whose only hint is private: the hint parameter goes whole.
	qdig svc4.test SVCB
	assert_dig NOERROR
	printf '%s\n' "$output" | grep -qE '^svc4\.test\..*SVCB[[:space:]]+1 svc\.test\.$' ||
		fail "svc4.test SVCB still has its private ipv4hint"
	# PTR of ::ffff:10.0.0.1 and of 64:ff9b::10.1.2.3: answered here, never sent on.
	qdig -x ::ffff:10.0.0.1
	assert_dig NXDOMAIN
	qdig -x 64:ff9b::10.1.2.3
	assert_dig NXDOMAIN
	dnsfence_stats
	r1=$(stat_value private_removed policy)
	p1=$(stat_value private_ptr policy)
	echo "private_removed $r0 -> $r1, private_ptr $p0 -> $p1"
	((r1 - r0 == 5)) || fail "private_removed grew by $((r1 - r0)), expected 5 (2 AAAA, 3 hints)"
	((p1 - p0 == 2)) || fail "private_ptr grew by $((p1 - p0)), expected 2"
}

@test "allow-private: an exempted name gets its private address, the others still do not" {
	local r0 r1
	restart_with --allow-private private.test
	dnsfence_stats
	r0=$(stat_value private_removed policy)
	qdig private.test A
	assert_dig NOERROR
	assert_rr private.test. A 10.1.2.3
	qdig loop.test A
	assert_dig NOERROR
	[[ $(answer_count) == 0 ]] || fail "loop.test is not under private.test but got its 127.0.0.1"
	dnsfence_stats
	r1=$(stat_value private_removed policy)
	((r1 - r0 == 1)) || fail "private_removed grew by $((r1 - r0)), expected 1 (loop.test only)"

	restart_with --allow-private test
	qdig private.test A
	assert_dig NOERROR
	assert_rr private.test. A 10.1.2.3
	qdig mixed.test A
	assert_dig NOERROR
	assert_rr mixed.test. A 192.168.1.1
	assert_rr mixed.test. A 192.0.2.7
	qdig mixed.test AAAA
	assert_dig NOERROR
	assert_rr mixed.test. AAAA fd00::1
	dnsfence_stats
	[[ $(stat_value private_removed policy) == 0 ]] || fail "something was removed under allow-private test"
}

@test "AD is cleared; DO and CD reach the recursor; RRSIG records pass through (UDP and TCP)" {
	local i n
	# Through unbound first: DO on, NOERROR, DO echoed.
	qdig +dnssec a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	[[ $output == *"; EDNS: version: 0, flags: do;"* ]] || fail "no DO flag in the reply's OPT"

	# unbound sets AD only for data it validated, never for its local zone: a fake recursor
	# that always sets AD (and signs with a dummy RRSIG when DO is set) stands in for a
	# validating one, so that a missed clearing shows.
	df_spawn fakeres "$DF_NET" "$DF_TMP/fakeres.log" "$DF_PYTHON" -u "$DF_LIB/dnsq.py" \
	    serve-tcp 127.0.0.1 "$FAKE_PORT" --ad
	for ((i = 0; i < 50; i++)); do
		run netcmd dig +tcp -p "$FAKE_PORT" @127.0.0.1 +tries=1 +time=1 +adflag probe.test A
		[[ $output == *"status: NOERROR"* ]] && break
		sleep 0.1
	done
	[[ $(dig_flags) == *" ad"* ]] || fail "control: the fake recursor does not set AD ($(dig_flags))"
	restart_with --resolver "127.0.0.1:$FAKE_PORT"

	n=ad$RANDOM
	qdig +adflag "$n.test" A
	assert_dig NOERROR
	assert_rr "$n.test." A 192.0.2.99
	echo "flags over UDP: $(dig_flags)"
	[[ " $(dig_flags) " != *" ad "* ]] || fail "the AD bit reached the client over UDP"

	n=do$RANDOM
	qdig +dnssec "$n.test" A
	assert_dig NOERROR
	assert_rr "$n.test." A 192.0.2.99
	(($(count_rr "$n.test." RRSIG) == 1)) || fail "the RRSIG record did not pass through"
	[[ $output == *"; EDNS: version: 0, flags: do;"* ]] || fail "DO not echoed to the client"
	[[ " $(dig_flags) " != *" ad "* ]] || fail "the AD bit reached the client (+dnssec)"
	grep -q "^query $n.test. 1 do=1 " "$DF_TMP/fakeres.log" || fail "the recursor did not see DO"

	n=cd$RANDOM
	qdig +dnssec +cdflag "$n.test" A
	assert_dig NOERROR
	grep -q "^query $n.test. 1 do=1 cd=1" "$DF_TMP/fakeres.log" || fail "the recursor did not see CD"

	n=nodo$RANDOM
	qdig "$n.test" A
	assert_dig NOERROR
	(($(count_rr "$n.test." RRSIG) == 0)) || fail "RRSIG without DO (the fake recursor misbehaves?)"
	grep -q "^query $n.test. 1 do=0 cd=0" "$DF_TMP/fakeres.log" || fail "DO or CD set without asking"

	# The TCP listener, straight (no redirect rules in this file): the same clearing.
	n=tcp$RANDOM
	run timeout 20 ip netns exec "$DF_WS" dig +tcp -p 54 @127.0.0.1 +tries=1 +time=5 \
	    +dnssec +adflag "$n.test" A
	((status == 0)) || fail "dig +tcp to 127.0.0.1:54 exited $status"
	[[ $output == *"status: NOERROR,"* ]] || fail "no NOERROR over TCP"
	assert_rr "$n.test." A 192.0.2.99
	(($(count_rr "$n.test." RRSIG) == 1)) || fail "the RRSIG record did not pass through over TCP"
	[[ " $(dig_flags) " != *" ad "* ]] || fail "the AD bit reached the client over TCP"
	cat "$DF_TMP/fakeres.log"
}

# ---------------------------------------------------------------------------------------------
# Names answered locally

@test "special names are answered locally, never sent upstream, and counted by kind" {
	local s0 s1 k name
	local -A before after want=([onion]=2 [exit]=1 [localhost]=3 [mdns]=2 [private_ptr]=7 [invalid]=3)
	# One forwarded query first, so the pool is up and idle before the capture starts.
	qdig a.test A
	assert_dig NOERROR
	upstream_quiet
	s0=$(stat_value sent upstream)
	for k in "${!want[@]}"; do before[$k]=$(stat_value "$k" policy); done

	capture_start
	qdig foo.onion A
	assert_dig NXDOMAIN
	qdig www.example.onion AAAA
	assert_dig NXDOMAIN
	qdig x.exit A
	assert_dig NXDOMAIN
	qdig localhost A
	assert_dig NOERROR
	assert_rr localhost. A 127.0.0.1
	qdig localhost AAAA
	assert_dig NOERROR
	assert_rr localhost. AAAA ::1
	qdig foo.localhost MX
	assert_dig NOERROR
	[[ $(answer_count) == 0 ]] || fail "foo.localhost MX: expected no data"
	qdig printer.local A
	assert_dig NXDOMAIN
	SERVER=$DF_NET6 qdig printer.local AAAA
	SERVER=$DF_NET6 assert_dig NXDOMAIN
	for name in 1.1.168.192.in-addr.arpa 1.0.0.10.in-addr.arpa 1.2.70.100.in-addr.arpa \
	    1.0.20.172.in-addr.arpa 1.0.0.127.in-addr.arpa 2.0.254.169.in-addr.arpa \
	    1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa; do
		qdig "$name" PTR
		assert_dig NXDOMAIN
	done
	# Bytes no host name has: a control byte, a space, a dot inside a label.
	for name in 'a\001b.test' 'a\032b.test' 'a\.b.test'; do
		run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" raw "$DF_NET4" \
		    "$name" A --timeout 5
		echo "$name: $output"
		((status == 0)) || fail "$name: no valid reply (status $status)"
		[[ $output == *"from=$DF_NET4 port=53 rcode=5 "* ]] || fail "$name: expected REFUSED (rcode 5)"
	done
	capture_stop
	assert_capture_clean
	(($(capture_socks_count) == 0)) ||
		fail "$(capture_socks_count) SOCKS packets: something went upstream"
	# None of the names' labels is in any packet on the wire.
	! tcpdump -r "$DF_CAP" -n -A 2>/dev/null | grep -aE 'onion|x.exit|localhost|printer|in-addr|ip6.arpa' ||
		fail "a special name's label crossed the wire"

	dnsfence_stats
	s1=$(stat_value sent upstream)
	for k in "${!want[@]}"; do after[$k]=$(stat_value "$k" policy); done
	echo "sent $s0 -> $s1"
	grep 'stats policy:' "$DF_TMP/dnsfence.log" | tail -n 1
	((s1 == s0)) || fail "sent grew by $((s1 - s0)): a local name went upstream"
	for k in "${!want[@]}"; do
		((after[$k] - before[$k] == want[$k])) ||
			fail "$k grew by $((after[$k] - before[$k])), expected ${want[$k]}"
	done

	# Control: names that merely contain those labels are not special. They go upstream, and
	# unbound's NXDOMAIN (with the test. SOA) comes back; sent rises by exactly that many.
	for name in onion.test exit.test local.test localhost.test; do
		qdig "$name" A
		assert_dig NXDOMAIN
		assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	done
	dnsfence_stats
	(($(stat_value sent upstream) - s1 == 4)) ||
		fail "sent grew by $(($(stat_value sent upstream) - s1)) for 4 ordinary names, expected 4"
}

# ---------------------------------------------------------------------------------------------
# Bounds

@test "max-query-size 600: 600 bytes are answered, 601 and 700 dropped and counted" {
	local d0 d1 m0 m1
	# Control on the default limit (1232): the same padded 700-byte query is a valid one.
	run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" raw "$DF_NET4" \
	    a.test A --size 700 --timeout 5
	echo "$output"
	((status == 0)) || fail "a 700-byte query under the default limit was not answered"
	[[ $output == *"sent=700 bytes"* && $output == *"rcode=0 "*"answers=192.0.2.1"* ]] ||
		fail "a 700-byte query under the default limit: wrong answer"

	restart_with --max-query-size 600
	dnsfence_stats
	d0=$(stat_value drop_oversize bounds)
	m0=$(stat_value malformed capture)
	run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" raw "$DF_NET4" \
	    a.test A --size 600 --timeout 5
	echo "$output"
	((status == 0)) || fail "a 600-byte query (at the limit) was not answered"
	[[ $output == *"sent=600 bytes"* && $output == *"answers=192.0.2.1"* ]] || fail "600 bytes: wrong answer"
	for size in 601 700; do
		run timeout 10 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" raw "$DF_NET4" \
		    a.test A --size "$size" --timeout 2
		echo "$output"
		[[ $output == *"sent=$size bytes"* ]] || fail "the client did not send $size bytes"
		((status == 2)) || fail "a $size-byte query got an answer (status $status), expected none"
	done
	dnsfence_stats
	d1=$(stat_value drop_oversize bounds)
	m1=$(stat_value malformed capture)
	echo "drop_oversize $d0 -> $d1, malformed $m0 -> $m1"
	((d1 - d0 == 2)) || fail "drop_oversize grew by $((d1 - d0)), expected 2"
	((m1 == m0)) || fail "malformed grew: the padded queries were not well-formed"
	grep -q 'query of 601 bytes exceeds max-query-size 600: dropped' "$DF_TMP/dnsfence.log" ||
		fail "no 'exceeds max-query-size' log line"
}

# ---------------------------------------------------------------------------------------------
# socks-owner: a local user squatting the SOCKS port while Tor is down gets nothing

# squatter_start PORT: uid 65534 listens on 127.0.0.1:PORT in ws and logs what it receives.
squatter_start() {
	df_spawn squatter "$DF_WS" "$DF_TMP/squatter.log" setpriv --reuid 65534 --regid 65534 \
	    --clear-groups "$DF_PYTHON" -u -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
print("squatter: listening", flush=True)
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        d = c.recv(512)
    except OSError:
        d = b""
    print("squatter: got %d bytes" % len(d), flush=True)
    c.close()
' "$1"
	for ((i = 0; i < 50; i++)); do
		grep -q 'squatter: listening' "$DF_TMP/squatter.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the squatter did not start"
	return 1
}

squatter_bytes() {
	awk '/squatter: got/ { s += $3 } END { print s + 0 }' "$DF_TMP/squatter.log"
}

@test "socks-owner: a SOCKS port held by another local user gets no query; socks-owner's does" {
	local port=19050
	squatter_start "$port"
	# Default socks-owner (debian-tor): the squatter (uid 65534) is refused before any byte.
	restart_with --socks "127.0.0.1:$port"
	qdig "$(uniq_name)" A
	assert_dig SERVFAIL
	dnsfence_stats
	(($(stat_value socks_refused upstream) >= 1)) || fail "socks_refused did not rise"
	grep -q "the SOCKS port is held by uid 65534" "$DF_TMP/dnsfence.log" ||
		fail "the log does not name the uid holding the SOCKS port"
	(($(squatter_bytes) == 0)) || fail "the squatter received $(squatter_bytes) bytes"
	# Control: naming the squatter's uid as socks-owner lets the SOCKS greeting reach it.
	restart_with --socks "127.0.0.1:$port" --socks-owner 65534
	qdig "$(uniq_name)" A
	for ((i = 0; i < 30; i++)); do
		(($(squatter_bytes) > 0)) && break
		sleep 0.1
	done
	(($(squatter_bytes) > 0)) || fail "with socks-owner 65534 the squatter got nothing (control)"
	df_stop squatter
}
