#!/bin/sh
# Installs the Debian packages that building and testing need, only those missing.
set -e
PKGS="gcc make pkg-config debhelper dpkg-dev lintian fakeroot libnetfilter-queue-dev libmnl-dev libseccomp-dev libcap-dev clang bats unbound microsocks
      dnsutils knot-dnsutils tcpdump dnsperf iptables iproute2 iputils-ping python3 procps
      tor nftables gdb chromium jq bmake"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# policy-rc.d keeps packaged daemons (unbound) from starting on the host
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy -eq 1 ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
rc=0
apt-get install -y --no-install-recommends $missing || rc=$?
[ $had_policy -eq 1 ] || rm -f /usr/sbin/policy-rc.d
exit $rc
