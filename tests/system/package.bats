#!/usr/bin/env bats
# package.bats: how dnsfence ships (issue 15), no network topology needed.
#   - command-line manners: --help on stdout with exit 0, --version with the Makefile's VERSION,
#     for dnsfence and dnsfence-firewall (from the source tree and as make install writes it);
#   - the systemd units, sysusers and tmpfiles entries: systemd-analyze verify is clean;
#   - the Debian package: make deb builds it, lintian reports no error and no unjustified warning.

bats_require_minimum_version 1.5.0

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export REPO
	export DNSFENCE=${DNSFENCE:-$REPO/build/dnsfence}
	VERSION=$(make -s -C "$REPO" --no-print-directory print-version)
	export VERSION
}

fail() {
	{
		echo "FAIL: $*"
		echo "--- output (status ${status:-?}):"
		printf '%s\n' "${output:-}"
	} >&2
	return 1
}

@test "dnsfence --help: usage on stdout, exit 0, nothing on stderr" {
	[[ -x $DNSFENCE ]] || fail "no $DNSFENCE: build it first (make)"
	run --separate-stderr "$DNSFENCE" --help
	((status == 0)) || fail "exit $status"
	[[ $output == "usage: dnsfence "* ]] || fail "no usage line on stdout"
	[[ $output == *"--version"* && $output == *"dnsfence.conf(5)"* ]] || fail "options missing"
	[[ -z $stderr ]] || fail "stderr: $stderr"
	run --separate-stderr "$DNSFENCE" -h
	((status == 0)) && [[ $output == "usage: dnsfence "* ]] || fail "-h"
	# after other options too: it is not taken for a --key whose value is missing
	run --separate-stderr "$DNSFENCE" -d --queue 3 --help
	((status == 0)) && [[ $output == "usage: dnsfence "* ]] || fail "--help after options"
}

@test "dnsfence --version and -V print the Makefile's VERSION, exit 0" {
	run --separate-stderr "$DNSFENCE" --version
	((status == 0)) || fail "exit $status"
	[[ $output == "dnsfence $VERSION" ]] || fail "expected 'dnsfence $VERSION'"
	run --separate-stderr "$DNSFENCE" -V
	((status == 0)) && [[ $output == "dnsfence $VERSION" ]] || fail "-V"
}

@test "dnsfence: a wrong option is still a usage error on stderr, exit 1" {
	run --separate-stderr "$DNSFENCE" -x
	((status == 1)) || fail "exit $status"
	[[ -z $output && $stderr == "usage: dnsfence "* ]] || fail "stderr: $stderr"
	run --separate-stderr "$DNSFENCE" --queue
	((status == 1)) && [[ $stderr == *"--queue needs a value"* ]] || fail "--queue: $stderr"
}

@test "dnsfence-firewall --help / --version from the source tree, exit 0" {
	run --separate-stderr sh "$REPO/src/dnsfence-firewall.sh" --help
	((status == 0)) || fail "exit $status"
	[[ $output == "usage: dnsfence-firewall "* && -z $stderr ]] || fail "usage not on stdout"
	run --separate-stderr sh "$REPO/src/dnsfence-firewall.sh" load --help
	((status == 0)) && [[ $output == "usage: dnsfence-firewall "* ]] || fail "load --help"
	run --separate-stderr sh "$REPO/src/dnsfence-firewall.sh" --version
	((status == 0)) && [[ $output == "dnsfence-firewall $VERSION" ]] || fail "--version"
	# no command: still a usage error
	run --separate-stderr sh "$REPO/src/dnsfence-firewall.sh"
	((status == 1)) && [[ -z $output && $stderr == "usage: "* ]] || fail "no command"
}

@test "installed (make install DESTDIR): both --version print VERSION" {
	local d="$BATS_FILE_TMPDIR/root"
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	((status == 0)) || fail "make install"
	run "$d/usr/sbin/dnsfence-firewall" --version
	[[ $output == "dnsfence-firewall $VERSION" ]] || fail "firewall version"
	run "$d/usr/sbin/dnsfence" --version
	[[ $output == "dnsfence $VERSION" ]] || fail "daemon version"
}

@test "Type=notify: READY=1 on \$NOTIFY_SOCKET once the worker runs (privileges dropped), not before" {
	[[ $(id -u) == 0 ]] || skip "needs root (a network namespace, the privilege drop)"
	local dir="$BATS_TEST_TMPDIR"
	mkdir -m 0755 "$dir/chroot"
	run timeout 30 python3 - "$DNSFENCE" "$dir" <<'PY'
import os, socket, subprocess, sys, time
daemon, d = sys.argv[1], sys.argv[2]
p = d + "/notify.sock"
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(p)
s.settimeout(15)
log = open(d + "/daemon.log", "w+")
proc = subprocess.Popen(["unshare", "-n", "sh", "-c", 'ip link set lo up; exec "$0" "$@"', daemon,
    "-d", "-c", "/dev/null", "--user", "nobody", "--chroot", d + "/chroot"],
    env=dict(os.environ, NOTIFY_SOCKET=p), stderr=log)
try:
    msg = s.recv(100)
    log.seek(0)
    text = log.read()
    print("got", msg.decode())
    # the worker logged "ready" (after the drop) before the parent forwarded it
    print("dropped-before" if "privileges dropped" in text else "NOT-DROPPED")
finally:
    proc.terminate()
    print("exit", proc.wait())
PY
	[[ $output == *"got READY=1"* ]] || fail "no READY=1"
	[[ $output == *"dropped-before"* ]] || fail "READY=1 before the privilege drop"
	[[ $output == *"exit 0"* ]] || fail "did not exit cleanly on SIGTERM"
}

@test "systemd units: systemd-analyze verify is clean; dnsfence.service's exposure is OK or better" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze (package systemd)"
	run make -s -C "$REPO" verify-units
	((status == 0)) || fail "make verify-units"
	[[ $output == *"verify: clean"* ]] || fail "verify not clean"
	run systemd-analyze security --offline=yes "$REPO/build/verify/dnsfence.service"
	local level
	level=$(sed -n 's/.*Overall exposure level for dnsfence.service: \([0-9.]*\) .*/\1/p' <<<"$output")
	echo "exposure $level" >&3
	[[ -n $level ]] || fail "no exposure level"
	# systemd's scale: below 4.0 is "OK", below 2.0 "good"
	awk -v l="$level" 'BEGIN { exit !(l < 4.0) }' || fail "exposure $level is not OK"
}

@test "units: the bounding set holds what start-up needs (dnsfence starts under it, no_new_privs)" {
	[[ $(id -u) == 0 ]] || skip "needs root (a network namespace, the privilege drop)"
	local caps dir="$BATS_TEST_TMPDIR"
	mkdir -m 0755 "$dir/chroot"
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$REPO/dist/dnsfence.service" | tr 'A-Z' 'a-z' |
		sed 's/cap_/+/g; s/ /,/g')
	[[ -n $caps ]] || fail "no CapabilityBoundingSet"
	run timeout -s TERM 3 unshare -n sh -c 'ip link set lo up; exec "$@"' sh \
		setpriv --no-new-privs --bounding-set "-all,$caps" \
		"$DNSFENCE" -d -c /dev/null --user nobody --chroot "$dir/chroot"
	[[ $output == *"dnsfence: ready:"* ]] || fail "did not start with bounding set $caps"
}

@test "make deb builds the package; lintian: no error, no warning, every other tag overridden" {
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null &&
		command -v lintian >/dev/null ||
		skip "no dpkg-buildpackage, debhelper or lintian (tests/deps.sh installs them)"
	run make -s -C "$REPO" deb
	((status == 0)) || fail "make deb"
	local deb="$REPO/build/deb/dnsfence_${VERSION}_$(dpkg --print-architecture).deb"
	[[ -f $deb ]] || fail "no $deb"
	# the source tree stays clean: dpkg-buildpackage ran in a copy
	[[ ! -e $REPO/debian/dnsfence && ! -e $REPO/debian/.debhelper ]] || fail "build in the tree"
	# contents: what a user gets
	run dpkg-deb -c "$deb"
	local f
	for f in ./usr/sbin/dnsfence ./usr/sbin/dnsfence-firewall \
		./lib/systemd/system/dnsfence.service ./lib/systemd/system/dnsfence-firewall.service \
		./usr/lib/sysusers.d/dnsfence.conf ./usr/lib/tmpfiles.d/dnsfence.conf \
		./usr/share/dnsfence/nftables/dnsfence.nft ./usr/share/man/man8/dnsfence.8.gz \
		./etc/dnsfence.conf; do
		[[ $output == *" $f"* ]] || fail "$f missing"
	done
	run dpkg-deb -f "$deb" Depends
	[[ $output == *"iptables | nftables"* ]] || fail "Depends"
	run dpkg-deb -I "$deb" conffiles
	[[ $output == *"/etc/dnsfence.conf"* ]] || fail "conffile"
	run dpkg-deb -I "$deb" postinst
	[[ $output == *"systemd-sysusers"* && $output == *"systemd-tmpfiles"* &&
		$output == *"enable 'dnsfence-firewall.service'"* &&
		$output == *"enable 'dnsfence.service'"* ]] || fail "postinst snippets"
	# the unit as shipped points at the installed binary
	run sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./lib/systemd/system/dnsfence.service"
	[[ $output == *"ExecStart=/usr/sbin/dnsfence -d"* ]] || fail "ExecStart"
	run lintian --pedantic --fail-on error,warning "$deb"
	((status == 0)) || fail "lintian"
	[[ $output != *"E: "* && $output != *"W: "* && $output != *"P: "* ]] || fail "lintian tags"
}
