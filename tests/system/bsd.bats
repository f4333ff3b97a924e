#!/usr/bin/env bats
# bsd.bats: the OpenBSD and FreeBSD daemon, as far as a Linux machine can run it. Makefile.bsd
# is run with bmake (tests/bsd/build.sh) against the test-only emulations in tests/bsd: divert
# sockets (named AF_UNIX sockets carrying the divert address before each packet), kqueue (over
# epoll), routing messages, and pledge/unveil (no-ops), procctl and getpeereid (prctl,
# SO_PEERCRED). The OpenBSD build then runs in ws with its real config, chroot and user, the
# real microsocks and unbound in net, and tests/bsd/divertkernel.py as the kernel. What this
# proves and what it does not: docs/bsd.md, "Tests, and what they prove".
#
# The C library underneath is glibc and the kernel is Linux: nothing here was run on a BSD.

load ../lib/netns
load helpers
load bsd-helpers

# shellcheck disable=SC2034 # read by bats: the tests share one daemon and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true
PORT=$BSD_PORT

setup_file() {
	bsd_setup_file OpenBSD
}

teardown_file() {
	topo_down
}

setup() {
	bsd_setup
}

teardown() {
	df_teardown_common
}

@test "Makefile.bsd with bmake, -Werror: daemon, archive and unit tests for OpenBSD and FreeBSD; the unit tests pass; only calls both BSDs have" {
	local os out
	for os in OpenBSD FreeBSD; do
		run "$BSD_BUILD" "$os" "$DF_TMP/bsd-check-$os" all check
		out=$output
		[[ $status -eq 0 ]] || fail "$os: build or unit tests failed"
		[[ -x $DF_TMP/bsd-check-$os/dnsfence ]] || fail "$os: no daemon built"
		[[ -f $DF_TMP/bsd-check-$os/libdnsfence-bsd.a ]] || fail "$os: no archive"
		# every suite ran and none failed
		[[ $(grep -c '^== ' <<<"$out") -ge 17 ]] || fail "$os: fewer than 17 unit suites ran"
		! grep -q '^not ok' <<<"$out" || fail "$os: a unit test failed"
		# no C library call the BSDs lack (tests/bsd/libc.allow)
		run "$BATS_TEST_DIRNAME/../bsd/libc-check.sh" "$DF_TMP/bsd-check-$os"
		[[ $status -eq 0 ]] || fail "$os: calls outside tests/bsd/libc.allow"
	done
	# the FreeBSD build has FreeBSD's privilege file, the OpenBSD one OpenBSD's
	[[ -f $DF_TMP/bsd-check-FreeBSD/privs_freebsd.o && ! -f $DF_TMP/bsd-check-FreeBSD/privs_openbsd.o ]] ||
		fail "FreeBSD build: wrong privilege file"
	[[ -f $DF_TMP/bsd-check-OpenBSD/privs_openbsd.o ]] || fail "OpenBSD build: no privs_openbsd.o"
}

@test "the BSD build refuses, with file and line, what those systems cannot do" {
	local conf=$DF_TMP/bsd-refuse.conf key
	for key in "listen-tcp 127.0.0.1:54" "socks-owner debian-tor" "audit-log /var/log/a.json" \
	    "control-socket @dnsfence"; do
		printf 'socks 127.0.0.1:9050\n%s\n' "$key" >"$conf"
		run "$DNSFENCE" -n -c "$conf"
		[[ $status -eq 1 ]] || fail "$key: accepted (status $status)"
		[[ $output == "$conf:2: ${key%% *} "*"not available on this system"* ]] ||
			fail "$key: the error does not name $conf:2 and say why"
	done
	printf 'socks 127.0.0.1:9050\nlisten-tcp none\nsocks-owner any\n' >"$conf"
	run "$DNSFENCE" -n -c "$conf"
	[[ $status -eq 0 ]] || fail "the off values are refused"
}

@test "an IPv4 query read from the divert socket is answered through SOCKS and unbound, written back inbound to the asker" {
	kq query "$PORT" "$DF_WS4" 40001 "$DF_NET4" a.test A
	[[ $status -eq 0 ]] || fail "no valid reply"
	[[ $output == "rcode=0 tc=0 answers=192.0.2.1" ]] || fail "wrong answer"
	kq query "$PORT" "$DF_WS4" 40002 "$DF_NET4" test MX
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=type15/"* ]] || fail "MX"
	kq query "$PORT" 127.0.0.1 40003 127.0.0.53 txt.test TXT
	[[ $status -eq 0 && $output == *'"v=dnsfence1 hello from the recursor"'* ]] ||
		fail "TXT from the loopback address"
}

@test "an IPv6 query through the IPv6 divert socket: AAAA and SRV" {
	kq query "$PORT" "$DF_WS6" 40011 "$DF_NET6" a.test AAAA
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=2001:db8::1" ]] || fail "AAAA"
	kq query "$PORT" "$DF_WS6" 40012 "$DF_NET6" _xmpp-client._tcp.test SRV
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=type33/"* ]] || fail "SRV"
}

@test "dropped and counted: UDP to another port, garbage, a cut header, a source this host does not hold" {
	local kind foreign malformed spoofed injected
	dnsfence_stats
	foreign=$(stat_value foreign divert) && malformed=$(stat_value malformed divert) &&
		spoofed=$(stat_value spoofed capture) && injected=$(stat_value injected divert) ||
		fail "no divert or capture stats line"
	for kind in other-port garbage short spoofed; do
		kq send "$PORT" "$kind"
		[[ $status -eq 0 ]] || fail "$kind: something was written back"
	done
	dnsfence_stats
	[[ $(stat_value foreign divert) -eq $((foreign + 1)) ]] ||
		fail "divert foreign did not count the NTP packet"
	[[ $(stat_value malformed divert) -eq $((malformed + 2)) ]] ||
		fail "divert malformed did not count garbage and the cut header"
	[[ $(stat_value spoofed capture) -eq $((spoofed + 1)) ]] ||
		fail "capture spoofed did not count the foreign source"
	[[ $(stat_value injected divert) -eq $injected ]] || fail "a reply was written back"
	# and the daemon still answers
	kq query "$PORT" "$DF_WS4" 40021 "$DF_NET4" a.test A
	[[ $status -eq 0 ]] || fail "no answer after the bad packets"
}

@test "the worker runs as the configured user inside the chroot; the parent stays root" {
	local w p
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid) || fail "no worker"
	[[ $(awk '/^Uid:/ { print $2 }' "/proc/$w/status") == "$(id -u "$DF_USER")" ]] ||
		fail "the worker's uid is not $DF_USER's"
	[[ $(readlink "/proc/$w/root") == "$DF_TMP/chroot" ]] || fail "the worker is not chrooted"
	[[ $(awk '/^Uid:/ { print $2 }' "/proc/$p/status") == 0 ]] || fail "the parent is not root"
	grep -q 'privileges dropped: user '"$DF_USER"', chroot '"$DF_TMP/chroot"', unveil none, pledge "stdio inet"' \
	    "$DF_TMP/dnsfence.log" || fail "no privilege drop line (OpenBSD's)"
}

@test "fail closed: the worker killed, both divert ports are released (a BSD kernel then drops what pf diverts)" {
	bsd_kill_worker_released 4 6
	# started again, it answers again
	kq query "$PORT" "$DF_WS4" 40031 "$DF_NET4" a.test A
	[[ $status -eq 0 ]] || fail "no answer after the restart"
}
