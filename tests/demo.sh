#!/usr/bin/env bash
# demo.sh: dnsfence catching leaky DNS clients, with a packet capture as proof.
# Run by `make demo` from the repo root after the build: bash tests/demo.sh
# Needs root. Builds network namespaces: net runs unbound and a private Tor network
# (tests/tornet: authorities, relays, exits and a client, all on net's loopback; microsocks
# instead when the tor package is missing), ws runs dnsfence and ordinary clients. Then ws
# becomes a Whonix-style gateway (the project's rules in gateway mode, dnsfence with --gateway
# eth1) for a workstation namespace behind it, whose leaky clients resolve through Tor too.
# Removes all of it on exit. Exit status 0 only when every client got its answer and nothing
# but SOCKS TCP crossed the wire.

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

TORNET_SH=$here/tornet/tornet.sh
TORNET_DIR=''
demo_down() {
	[[ -n $TORNET_DIR ]] && "$TORNET_SH" down "$TORNET_DIR" >/dev/null 2>&1
	topo_gw_down
}
trap 'trap "" PIPE; demo_down' EXIT	# teardown survives a reader that stops early
trap 'exit 130' INT TERM
trap 'exit 141' PIPE
use_tor=0
command -v tor >/dev/null 2>&1 && command -v tor-gencert >/dev/null 2>&1 && use_tor=1

head1 "dnsfence demo"
say "Setting up: namespace ws runs dnsfence and the clients; namespace net, one veth away,"
if ((use_tor)); then
	say "runs unbound on its own loopback and a private Tor network (3 authorities, 2 relays,"
	say "2 exits, a client whose SocksPort is on 198.51.100.2)."
else
	say "runs unbound on its own loopback and a SOCKS5 server (microsocks) on 198.51.100.2:1080"
	say "(the tor package is missing: no private Tor network this time)."
fi
say "Nothing listens on UDP 198.51.100.2:53: any answer the clients get came through dnsfence."
topo_up || exit 1
AUDIT_LOG=$DF_TMP/audit/audit.log	# who asked what: read at the end with dnsfence-report
mkdir -m 0750 "$DF_TMP/audit"
if ((use_tor)); then
	TORNET_DIR=$DF_TMP/tornet
	mkdir -m 0700 "$TORNET_DIR"
	say "${D}starting the private Tor network (about 30 s)...$N"
	if ! TORNET_NETNS=$DF_NET TORNET_CLIENT_ADDR=$DF_NET4 TORNET_RESOLVER_PORT=53 \
	    TORNET_TEST_NAME=a.test PYTHON=$DF_PYTHON "$TORNET_SH" up "$TORNET_DIR" \
	    >"$DF_TMP/tornet-up.log" 2>&1; then
		tail -n 20 "$DF_TMP/tornet-up.log" >&2
		exit 1
	fi
	grep -E 'up in' "$DF_TMP/tornet-up.log" | sed 's/^/  /'
	eval "$("$TORNET_SH" env "$TORNET_DIR")"
	DF_SOCKS_PORT=${TORNET_SOCKS##*:}	# what the capture counts as SOCKS traffic
	# A fresh network can take a few seconds for a new circuit: a longer query deadline.
	dnsfence_start --socks "$TORNET_SOCKS" --resolver 127.0.0.1:53 --timeout 10s \
	    --audit-log "$AUDIT_LOG" || exit 1
else
	dnsfence_start --audit-log "$AUDIT_LOG" || exit 1
fi
say "${D}ws=$DF_WS net=$DF_NET dnsfence pid $(df_pid dnsfence), log $DF_TMP/dnsfence.log$N"

# client LABEL EXPECT CMD...: run a leaky client in ws (or in the namespace CLIENT_NS); EXPECT
# is a substring of a good answer.
client() {
	local label=$1 expect=$2 out rc
	shift 2
	out=$(timeout 20 ip netns exec "${CLIENT_NS:-$DF_WS}" "$@" 2>&1)
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
    dig "@$DF_NET4" +tries=1 +time=12 +short test MX
client "dig SRV _xmpp-client._tcp (IPv6)" "5 0 5222 xmpp.test." \
    dig "@$DF_NET6" +tries=1 +time=12 +short _xmpp-client._tcp.test SRV
client "kdig TXT txt.test (IPv4)" '"v=dnsfence1 hello from the recursor"' \
    kdig "@$DF_NET4" +retry=0 +timeout=12 +short txt.test TXT
client "kdig CAA test (IPv6)" '0 issue "ca.example.net"' \
    kdig "@$DF_NET6" +retry=0 +timeout=12 +short test CAA
client "getent hosts mail.test (glibc)" "mail.test" \
    getent hosts mail.test
client "python sendto A xmpp.test" "answers=192.0.2.52" \
    "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" xmpp.test A --id 0xd0e5
capture_stop || failures=$((failures + 1))

# wire_report: what the capture holds, each count with its verdict; a failure if anything but
# SOCKS TCP (and the sentinels) crossed.
wire_report() {
	local sentinels udp other socks
	sentinels=$(capture_sentinels)
	udp=$(capture_udp_count)
	other=$(capture_non_socks_count)
	socks=$(capture_socks_count)
	printf '  %-46s %4s  %s\n' "TCP SYN sentinels (before and after):" "$sentinels" \
	    "$(verdict "$sentinels" 2) (the capture was live throughout)"
	printf '  %-46s %4s  %s\n' "UDP packets:" "$udp" "$(verdict "$udp" 0)"
	printf '  %-46s %4s  %s\n' "packets other than TCP to/from port $DF_SOCKS_PORT:" "$other" \
	    "$(verdict "$other" 0)"
	printf '  %-46s %4s\n' "TCP packets to/from the SOCKS port:" "$socks"
	if ((sentinels != 2 || udp != 0 || other != 0)); then
		failures=$((failures + 1))
		say "  ${R}packets that should not be there:$N"
		_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE) and not $DF_SENTINELS" |
		    sed 's/^/    /'
	fi
}
verdict() { if [[ $1 == "$2" ]]; then printf '%sok%s' "$G" "$N"; else printf '%sLEAK/FAIL%s' "$R" "$N"; fi; }

head1 "What crossed the wire (tcpdump on net's end of the veth)"
wire_report
say "  the first SOCKS packets that carry data (DNS inside SOCKS inside TCP):"
capture_summary 6 "tcp port $DF_SOCKS_PORT and (tcp[tcpflags] & tcp-push != 0)" | sed 's/^/    /'

if ((use_tor)); then
	head1 "Side by side: Tor's own DNSPort (asked from net) and dnsfence (asked from ws)"
	printf '  %-6s %-22s %s\n' type "Tor DNSPort" dnsfence
	for t in A MX TXT SRV; do
		case $t in SRV) n=_xmpp-client._tcp.test ;; MX) n=test ;; TXT) n=txt.test ;; *) n=a.test ;; esac
		tor=$(ip netns exec "$DF_NET" dig "@${TORNET_DNSPORT%:*}" -p "${TORNET_DNSPORT##*:}" \
		    +tries=1 +time=5 "$n" "$t" 2>&1 | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
		dfs=$(ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=12 "$n" "$t" 2>&1 |
		    sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
		printf '  %-6s %-22s %s\n' "$t" "${tor:-no answer}" "${dfs:-no answer}"
		[[ $dfs == NOERROR ]] || failures=$((failures + 1))
	done
	head1 "The Tor streams and circuits dnsfence used (the Tor client's ControlPort)"
	streams=$(ip netns exec "$DF_NET" "$DF_PYTHON" "$here/tornet/control.py" \
	    --control "$TORNET_CONTROL" --cookie "$TORNET_COOKIE" streams 2>&1)
	circuits=$(ip netns exec "$DF_NET" "$DF_PYTHON" "$here/tornet/control.py" \
	    --control "$TORNET_CONTROL" --cookie "$TORNET_COOKIE" circuits 2>&1)
	printf '%s\n' "$streams" | head -n 6 | cut -c1-120 | sed 's/^/  /'
	for cid in $(grep -o 'circ=[0-9]*' <<<"$streams" | sort -u); do
		grep -E "^$cid " <<<"$circuits" | cut -c1-120 | sed 's/^/  /'
	done
fi

head1 "Gateway: a workstation behind ws, Whonix style"
say "ws becomes a gateway: its eth1 (10.152.152.10, fd19:c33d:88bc::10) leads to a workstation"
say "namespace behind it, forwarding off; the project's rules in gateway mode"
say "(dnsfence-firewall load --mode gateway --internal eth1) and dnsfence with --gateway eth1."
say "The workstation's resolv.conf names 192.0.2.53, which nobody has: it needs no settings."
gw_ok=1
topo_gw_up 1 0 || gw_ok=0
# shellcheck disable=SC2119 # no extra loader options, no signal: the defaults
if ((gw_ok)) && topo_gw_load_rules >"$DF_TMP/gateway-load.log" 2>&1; then
	# shellcheck disable=SC2119
	dnsfence_stop
	if ((use_tor)); then
		dnsfence_start --socks "$TORNET_SOCKS" --resolver 127.0.0.1:53 --timeout 10s \
		    --gateway "$DF_GWIF" --audit-log "$AUDIT_LOG" || gw_ok=0
	else
		dnsfence_start --gateway "$DF_GWIF" --audit-log "$AUDIT_LOG" || gw_ok=0
	fi
else
	cat "$DF_TMP/gateway-load.log" 2>/dev/null
	gw_ok=0
fi
if ((gw_ok)); then
	say "${D}workstation=$DF_CL1 (10.152.152.11, fd19:c33d:88bc::11); dnsfence pid $(df_pid dnsfence)$N"
	head1 "Leaky clients in the workstation (uid 65534), plain UDP and TCP DNS to any address"
	capture_start || exit 1
	CLIENT_NS=$DF_CL1 client "dig MX test @198.51.100.2" "10 mail.test." \
	    "${DF_NOBODY[@]}" dig @198.51.100.2 +tries=1 +time=12 +short test MX
	CLIENT_NS=$DF_CL1 client "kdig TXT @10.152.152.10 (the gateway)" '"v=dnsfence1 hello from the recursor"' \
	    "${DF_NOBODY[@]}" kdig @"$DF_GW4" +retry=0 +timeout=12 +short txt.test TXT
	CLIENT_NS=$DF_CL1 client "dig SRV @fd19:c33d:88bc::10 (IPv6)" "5 0 5222 xmpp.test." \
	    "${DF_NOBODY[@]}" dig @"$DF_GW6" +tries=1 +time=12 +short _xmpp-client._tcp.test SRV
	CLIENT_NS=$DF_CL1 client "dig +tcp A @198.51.100.2 (TCP/53)" "192.0.2.1" \
	    "${DF_NOBODY[@]}" dig @198.51.100.2 +tcp +tries=1 +time=12 +short a.test A
	CLIENT_NS=$DF_CL1 client "getent hosts mail.test (glibc)" "mail.test" \
	    "${DF_NOBODY[@]}" getent hosts mail.test
	client "the gateway's own: dig A xmpp.test (root)" "192.0.2.52" \
	    dig @198.51.100.2 +tries=1 +time=12 +short xmpp.test A
	capture_stop || failures=$((failures + 1))
	head1 "What crossed the wire while the workstation asked"
	wire_report
	if ((use_tor)); then
		head1 "Tor circuits by SOCKS user name (IsolateSOCKSAuth): one set per workstation"
		ip netns exec "$DF_NET" "$DF_PYTHON" "$here/tornet/control.py" --control "$TORNET_CONTROL" \
		    --cookie "$TORNET_COOKIE" getinfo circuit-status 2>&1 |
		    awk '/SOCKS_USERNAME="(host-|uid-)/ {
			u = $0; sub(/.*SOCKS_USERNAME="/, "", u); sub(/".*/, "", u)
			p = $3; gsub(/\$[0-9A-F]+~/, "", p)
			printf "  circ=%s %s user=%s path=%s\n", $1, $2, u, p }' | sort -t= -k3 | head -n 8
	fi
else
	say "  ${R}the gateway could not be set up$N"
	failures=$((failures + 1))
fi

head1 "dnsfence stats (SIGUSR1)"
if dnsfence_stats; then
	dnsfence_stats_lines | sed 's/^/  /'
	grep 'stats isolation:' "$DF_TMP/dnsfence.log" | tail -n 1 | sed 's/^/  /'
else
	failures=$((failures + 1))
fi

head1 "Who asked: the audit log ($AUDIT_LOG), by dnsfence-report"
say "${D}every captured query, with the process behind it (ws) or the client host (gateway)$N"
if "$DF_PYTHON" "$here/../src/dnsfence-report.py" "$AUDIT_LOG" >"$DF_TMP/report.txt" 2>&1 &&
    "$DF_PYTHON" "$here/../src/dnsfence-report.py" --by host "$AUDIT_LOG" >>"$DF_TMP/report.txt" 2>&1
then
	sed 's/^/  /' "$DF_TMP/report.txt"
else
	sed 's/^/  /' "$DF_TMP/report.txt"
	failures=$((failures + 1))
fi

if ((failures == 0)); then
	head1 "${G}PASS$N: every client answered, on ws and behind it; only SOCKS TCP on the wire."
	((use_tor)) && say "Every answer came through a real Tor circuit; Tor's DNSPort gave none for MX, TXT or SRV."
	exit 0
fi
head1 "${R}FAIL$N: $failures problem(s); dnsfence log tail:"
tail -n 20 "$DF_TMP/dnsfence.log" | sed 's/^/  | /'
exit 1
