#!/usr/bin/env bats
# bsd-freebsd.bats: the FreeBSD build of the daemon, run on Linux as bsd.bats runs the OpenBSD
# one (see there, and docs/bsd.md): tests/bsd/build.sh FreeBSD, so privs_freebsd.c (procctl
# over prctl here) and the divert backend's FreeBSD flavour: one PF_DIVERT socket for both
# families, bound with a sockaddr_in; outbound IPv4 packets arrive with an invalid header
# checksum; a reply to this host is written with a sockaddr_in naming the interface in
# sin_zero (for IPv6, whose address does not fit, 127.0.0.1 and the name).
#
# The C library underneath is glibc and the kernel is Linux: nothing here was run on FreeBSD.

load ../lib/netns
load helpers
load bsd-helpers

# shellcheck disable=SC2034 # read by bats: the tests share one daemon and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true
PORT=$BSD_PORT

setup_file() {
	bsd_setup_file FreeBSD
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

@test "FreeBSD: an IPv4 query with FreeBSD's invalid outbound header checksum is answered, the reply inbound with its interface" {
	kq query "$PORT" "$DF_WS4" 41001 "$DF_NET4" a.test A --flavor freebsd --ifname "$DF_VWS"
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=192.0.2.1" ]] || fail "A from $DF_WS4"
	kq query "$PORT" 127.0.0.1 41002 127.0.0.53 txt.test TXT --flavor freebsd --ifname lo
	[[ $status -eq 0 && $output == *'"v=dnsfence1 hello from the recursor"'* ]] ||
		fail "TXT from 127.0.0.1 (the reply must name lo in sin_zero)"
}

@test "FreeBSD: IPv6 queries through the one socket, replies addressed 127.0.0.1 with the interface's name" {
	kq query "$PORT" ::1 41011 ::1 a.test AAAA --flavor freebsd --ifname lo
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=2001:db8::1" ]] || fail "AAAA"
	kq query "$PORT" ::1 41012 ::1 test MX --flavor freebsd --ifname lo
	[[ $status -eq 0 && $output == "rcode=0 tc=0 answers=type15/"* ]] || fail "MX"
}

@test "FreeBSD: UDP to another port gets nothing back and is counted" {
	local foreign
	dnsfence_stats
	foreign=$(stat_value foreign divert) || fail "no stats divert line"
	kq send "$PORT" other-port
	[[ $status -eq 0 ]] || fail "something was written back"
	dnsfence_stats
	[[ $(stat_value foreign divert) -eq $((foreign + 1)) ]] || fail "foreign did not count it"
}

@test "FreeBSD: the worker runs as the user in the chroot with no_new_privs; the parent stays root" {
	local w p
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid) || fail "no worker"
	[[ $(awk '/^Uid:/ { print $2 }' "/proc/$w/status") == "$(id -u "$DF_USER")" ]] ||
		fail "the worker's uid is not $DF_USER's"
	[[ $(readlink "/proc/$w/root") == "$DF_TMP/chroot" ]] || fail "the worker is not chrooted"
	[[ $(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$w/status") == 1 ]] ||
		fail "procctl(PROC_NO_NEW_PRIVS_CTL) did not reach the worker"
	[[ $(awk '/^Uid:/ { print $2 }' "/proc/$p/status") == 0 ]] || fail "the parent is not root"
	grep -q "privileges dropped: user $DF_USER, chroot $DF_TMP/chroot, no capability mode" \
	    "$DF_TMP/dnsfence.log" || fail "no privilege drop line (FreeBSD's)"
}

@test "FreeBSD: fail closed: the worker killed, the divert port is released; restarted, it answers" {
	bsd_kill_worker_released 4
	kq query "$PORT" "$DF_WS4" 41031 "$DF_NET4" a.test A --flavor freebsd --ifname "$DF_VWS"
	[[ $status -eq 0 ]] || fail "no answer after the restart"
}
