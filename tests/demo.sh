#!/usr/bin/env bash
# demo.sh: dnsfence catching leaky DNS clients, with a packet capture as proof.
# Run by `make demo` from the repo root after the build: bash tests/demo.sh
# Needs root. Builds two network namespaces, runs unbound + microsocks in one and dnsfence plus
# ordinary clients in the other, and removes all of it on exit. Exit status 0 only when every
# client got its answer and nothing but SOCKS TCP crossed the wire.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/netns.bash
source "$here/lib/netns.bash"

if [[ -t 1 ]]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B='' G='' R='' D='' N=''
fi
failures=0

say() { printf '%s\n' "$*"; }
head1() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }

if why=$(df_env_missing); then
	say "demo cannot run here: $why" >&2
	exit 1
fi
if [[ ! -x $DNSFENCE ]]; then
	say "no dnsfence binary at $DNSFENCE: build it first (make)" >&2
	exit 1
fi

trap 'topo_down' EXIT
trap 'exit 130' INT TERM

head1 "dnsfence demo"
say "Setting up: namespace ws runs dnsfence and the clients; namespace net, one veth away,"
say "runs unbound on its own loopback and a SOCKS5 server (microsocks) on 198.51.100.2:1080."
say "Nothing listens on UDP 198.51.100.2:53: any answer the clients get came through dnsfence."
topo_up || exit 1
# shellcheck disable=SC2119 # no extra daemon options in the demo
dnsfence_start || exit 1
say "${D}ws=$DF_WS net=$DF_NET dnsfence pid $(df_pid dnsfence), log $DF_TMP/dnsfence.log$N"

# client LABEL EXPECT CMD...: run a leaky client in ws; EXPECT is a substring of a good answer.
client() {
	local label=$1 expect=$2 out rc
	shift 2
	out=$(timeout 20 ip netns exec "$DF_WS" "$@" 2>&1)
	rc=$?
	out=$(printf '%s' "$out" | tr '\n' ' ' | sed 's/  */ /g; s/ $//')
	if ((rc == 0)) && [[ $out == *"$expect"* ]]; then
		printf '  %s[ ok ]%s %-34s -> %s\n' "$G" "$N" "$label" "$out"
	else
		printf '  %s[FAIL]%s %-34s -> %s (exit %d, expected "%s")\n' "$R" "$N" "$label" \
		    "${out:-no answer}" "$rc" "$expect"
		failures=$((failures + 1))
	fi
}

head1 "Leaky clients in ws, each sending plain UDP DNS"
capture_start || exit 1
client "dig MX test (IPv4)" "10 mail.test." \
    dig "@$DF_NET4" +tries=1 +time=5 +short test MX
client "dig SRV _xmpp-client._tcp (IPv6)" "5 0 5222 xmpp.test." \
    dig "@$DF_NET6" +tries=1 +time=5 +short _xmpp-client._tcp.test SRV
client "kdig TXT txt.test (IPv4)" '"v=dnsfence1 hello from the recursor"' \
    kdig "@$DF_NET4" +retry=0 +timeout=5 +short txt.test TXT
client "kdig CAA test (IPv6)" '0 issue "ca.example.net"' \
    kdig "@$DF_NET6" +retry=0 +timeout=5 +short test CAA
client "getent hosts mail.test (glibc)" "mail.test" \
    getent hosts mail.test
client "python sendto A xmpp.test" "answers=192.0.2.52" \
    "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" xmpp.test A --id 0xd0e5
capture_stop || failures=$((failures + 1))

head1 "What crossed the wire (tcpdump on net's end of the veth)"
sentinels=$(capture_sentinels)
udp=$(capture_udp_count)
other=$(capture_non_socks_count)
socks=$(capture_socks_count)
verdict() { if [[ $1 == "$2" ]]; then printf '%sok%s' "$G" "$N"; else printf '%sLEAK/FAIL%s' "$R" "$N"; fi; }
printf '  %-46s %4s  %s\n' "ICMP echo sentinels (before and after):" "$sentinels" \
    "$(verdict "$sentinels" 2) (the capture was live throughout)"
printf '  %-46s %4s  %s\n' "UDP packets:" "$udp" "$(verdict "$udp" 0)"
printf '  %-46s %4s  %s\n' "packets other than TCP to/from port $DF_SOCKS_PORT:" "$other" \
    "$(verdict "$other" 0)"
printf '  %-46s %4s\n' "TCP packets to/from the SOCKS port:" "$socks"
say "  the first SOCKS packets that carry data (DNS inside SOCKS inside TCP):"
capture_summary 6 "tcp port $DF_SOCKS_PORT and (tcp[tcpflags] & tcp-push != 0)" | sed 's/^/    /'
if ((sentinels != 2 || udp != 0 || other != 0)); then
	failures=$((failures + 1))
	say "  ${R}packets that should not be there:$N"
	_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE) and not $DF_SENTINELS" |
	    sed 's/^/    /'
fi

head1 "dnsfence stats (SIGUSR1)"
if dnsfence_stats; then
	dnsfence_stats_lines | sed 's/^/  /'
else
	failures=$((failures + 1))
fi

if ((failures == 0)); then
	head1 "${G}PASS$N: every client answered, no UDP left ws, only SOCKS TCP on the wire."
	exit 0
fi
head1 "${R}FAIL$N: $failures problem(s); dnsfence log tail:"
tail -n 20 "$DF_TMP/dnsfence.log" | sed 's/^/  | /'
exit 1
