# shellcheck shell=bash
# firewall-helpers.bash: the topology and probes of firewall.bats. No daemon: nobody is bound to
# the queue, so whatever the ruleset queues is dropped by the kernel (fail closed).
#
#   C (dffwc<ID>) a forwarded client    10.99.1.2, fd99:1::2         (veth fwc<ID>)
#   A (dffwa<ID>) the fenced host       10.99.1.1, fd99:1::1         (veth fwac<ID>, to C)
#                 forwards C <-> B      203.0.113.1, 2001:db8:f0::1  (veth fwab<ID>, to B)
#   B (dffwb<ID>) the outside world     203.0.113.2, 2001:db8:f0::2  (veth fwb<ID>), captures
#
# The rulesets are loaded in A only. Namespaces and processes are recorded in $DF_TMP and removed
# by name or PID in fw_down. Loaded after tests/lib/netns.bash (df_spawn, df_stop, the capture)
# and helpers.bash (fail).
#
# Gateway mode: A is the gateway, fwac<ID> ($FW_IN) its internal interface (C is its client),
# fwab<ID> ($FW_OUT) the outside one. fw_listen runs listeners of our own in A (the "daemon" for
# redirected TCP, a local UDP service); fw_at_client moves the capture to C's end of the link.

FW_A4=203.0.113.1
FW_B4=203.0.113.2
FW_A6=2001:db8:f0::1
FW_B6=2001:db8:f0::2
FW_AC4=10.99.1.1
FW_C4=10.99.1.2
FW_AC6=fd99:1::1
FW_C6=fd99:1::2
FW_MARK=0x646e73
FW_MARKFWD=0x646e74
# netns.bash's capture sends its sentinels from its ws to its net: here A and B (netns.bash sets
# these when it is loaded, so again after it; fw_up sets the namespace and interface names).
DF_WS4=$FW_A4
DF_NET4=$FW_B4
FW_LOADER=${FW_LOADER:-$DF_REPO/src/dnsfence-firewall.sh}	# a mutated copy may stand in
# Each chain of the iptables ruleset: table, the built-in chain whose first rule jumps to it.
FW_JUMPS=("raw OUTPUT DNSFENCE_RAW" "mangle PREROUTING DNSFENCE_PRE" "mangle OUTPUT DNSFENCE_QUEUE"
	"nat OUTPUT DNSFENCE_TCP" "filter FORWARD DNSFENCE_FWD" "filter OUTPUT DNSFENCE_FILTER")

# fw_env_missing: print why this file cannot run here and succeed, or fail if it can.
fw_env_missing() {
	local c
	if ((EUID != 0)); then echo "firewall tests need root (network namespaces)"; return 0; fi
	for c in ip iptables ip6tables iptables-save ip6tables-save iptables-restore \
	    ip6tables-restore nft tcpdump setpriv timeout "$DF_PYTHON"; do
		command -v "$c" >/dev/null 2>&1 || { echo "'$c' is not installed"; return 0; }
	done
	return 1
}

# fw_up: the three namespaces, their links and routes.
fw_up() {
	local id=${DF_ID:-$BASHPID} ns
	FW_A=dffwa$id FW_B=dffwb$id FW_C=dffwc$id
	export FW_A FW_B FW_C
	if ((${#id} > 10)) || [[ ! $id =~ ^[A-Za-z0-9]+$ ]]; then
		echo "DF_ID '$id': letters and digits, at most 10" >&2
		return 1
	fi
	DF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsfence-test.fw$id.XXXXXX") || return 1
	export DF_TMP
	mkdir -p "$DF_TMP/pids" "$DF_TMP/made"
	for ns in "$FW_A" "$FW_B" "$FW_C"; do
		if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
			echo "namespace $ns already exists" >&2
			return 1
		fi
		ip netns add "$ns" || return 1
		: >"$DF_TMP/made/$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
		ip -n "$ns" link set lo up || return 1
	done
	ip netns exec "$FW_A" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	    >/dev/null || return 1
	fw_link "$FW_A" "fwab$id" "$FW_A4" "$FW_A6" "$FW_B" "fwb$id" "$FW_B4" "$FW_B6" || return 1
	fw_link "$FW_A" "fwac$id" "$FW_AC4" "$FW_AC6" "$FW_C" "fwc$id" "$FW_C4" "$FW_C6" || return 1
	# What netns.bash's capture needs: ws is A, net is B, tcpdump on B's end of the link.
	DF_WS=$FW_A DF_NET=$FW_B DF_VNET=fwb$id
	export DF_WS DF_NET DF_VNET
	FW_IN=fwac$id FW_OUT=fwab$id FW_CIF=fwc$id
	export FW_IN FW_OUT FW_CIF
	ip -n "$FW_C" route add default via "$FW_AC4" || return 1
	ip -n "$FW_C" -6 route add default via "$FW_AC6" || return 1
	ip -n "$FW_B" route add 10.99.1.0/24 via "$FW_A4" || return 1
	ip -n "$FW_B" -6 route add fd99:1::/64 via "$FW_A6" || return 1
}

# fw_link NS1 IF1 V4 V6 NS2 IF2 V4 V6: a veth pair between two namespaces, /24 and /64.
fw_link() {
	ip -n "$1" link add "$2" type veth peer name "$6" netns "$5" || return 1
	ip -n "$1" addr add "$3/24" dev "$2" || return 1
	ip -n "$1" addr add "$4/64" dev "$2" nodad || return 1
	ip -n "$5" addr add "$7/24" dev "$6" || return 1
	ip -n "$5" addr add "$8/64" dev "$6" nodad || return 1
	ip -n "$1" link set "$2" up || return 1
	ip -n "$5" link set "$6" up || return 1
}

fw_down() {
	local rec ns
	[[ -n ${DF_TMP:-} && -d $DF_TMP/pids ]] || return 0
	for rec in "$DF_TMP"/pids/*; do
		[[ -f $rec ]] && df_stop "${rec##*/}"
	done
	for ns in "${FW_A:-}" "${FW_B:-}" "${FW_C:-}"; do
		[[ -n $ns && -f $DF_TMP/made/$ns ]] || continue
		ip netns del "$ns" || echo "could not delete namespace $ns" >&2
		rm -f "$DF_TMP/made/$ns"
	done
	[[ $DF_TMP == */dnsfence-test.fw* ]] && rm -rf "$DF_TMP"
	return 0
}

nsa() { ip netns exec "$FW_A" "$@"; }
fw_b() { if [[ $1 == 6 ]]; then echo "$FW_B6"; else echo "$FW_B4"; fi; }	# B's address
fw_c() { if [[ $1 == 6 ]]; then echo "$FW_C6"; else echo "$FW_C4"; fi; }	# C's address
fw_ac() { if [[ $1 == 6 ]]; then echo "$FW_AC6"; else echo "$FW_AC4"; fi; }	# A's, to C
fw_ipt() { if [[ $1 == 6 ]]; then echo ip6tables; else echo iptables; fi; }	# the family's tool

# fw [ARGS]: the loader, run in A.
fw() { nsa sh "$FW_LOADER" "$@"; }

# fw_unload_both: nothing of dnsfence in A, in either backend.
fw_unload_both() {
	fw unload --backend iptables >/dev/null 2>&1 || true
	nsa nft delete table inet dnsfence >/dev/null 2>&1 || true
}

# fw_clean: nothing of dnsfence in A, and no rule or setting a test added (teardown).
fw_clean() {
	local ipt j t b c
	fw_unload_both
	for ipt in iptables ip6tables; do
		for j in "${FW_JUMPS[@]}"; do
			read -r t b c <<<"$j"
			while nsa "$ipt" -w -t "$t" -D "$b" -m comment --comment foreign -j ACCEPT 2>/dev/null; do :; done
		done
	done
	nsa iptables -w -t nat -F PREROUTING 2>/dev/null || true
	nsa nft delete table inet dffw_whonix >/dev/null 2>&1 || true
	nsa sysctl -qw net.ipv4.ip_unprivileged_port_start=1024 net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 || true
}

# fw_foreign: a firewall manager's ACCEPT inserted first in every chain we jump from.
fw_foreign() {
	local ipt j t b c
	for ipt in iptables ip6tables; do
		for j in "${FW_JUMPS[@]}"; do
			read -r t b c <<<"$j"
			nsa "$ipt" -w -t "$t" -I "$b" 1 -m comment --comment foreign -j ACCEPT
		done
	done
}

# fw_ours FAMILY: A's dnsfence lines in iptables-save (no counters): chains, rules, jumps.
fw_ours() {
	nsa "$(fw_ipt "$1")-save" | grep -E '^(\*|:DNSFENCE_|-A DNSFENCE_|-A [A-Z]+ .*-j DNSFENCE_)'
}

# fw_first FAMILY TABLE BUILTIN: the first rule of a built-in chain in A.
fw_first() { nsa "$(fw_ipt "$1")" -w -t "$2" -S "$3" | grep -m1 '^-A '; }

# assert_counter NAME OP N PREFIX...: in `status` output ($output), NAME on each PREFIX's line
# compares OP N (OP: == or >=).
assert_counter() {
	local name=$1 op=$2 n=$3 p v
	shift 3
	for p in "$@"; do
		v=$(fw_counter "$name" "$p")
		v=${v:--1}	# absent
		case $op in
		==) ((v == n)) ;;
		'>=') ((v >= n)) ;;
		esac || fail "${p:-nftables: }$name=$v, expected $op $n"
	done
}

# fw_counter NAME [PREFIX]: the value of NAME=N in `status` output ($output), on the line that
# starts with PREFIX ("ipv4: ", "ipv6: ", or "" for nftables).
fw_counter() {
	printf '%s\n' "$output" | awk -v n="$1" -v p="${2-}" '
		substr($0, 1, length(p) + 7) == p "queued=" {
			for (i = 1; i <= NF; i++) if (index($i, n "=") == 1) { print substr($i, length(n) + 2); exit }
		}'
}

# ---------------------------------------------------------------------------------------------
# Probes: one packet each, from the namespace given, with a tag in the payload.

FW_SEND_PY='
import socket, struct, sys
kind, fam, dst = sys.argv[1], sys.argv[2], sys.argv[3]
port = int(sys.argv[4]) if len(sys.argv) > 4 else 9
mark = int(sys.argv[5], 0) if len(sys.argv) > 5 else 0
sport = int(sys.argv[6]) if len(sys.argv) > 6 else 0
af = socket.AF_INET6 if fam == "6" else socket.AF_INET
tag = b"dnsfence-firewall-test"

def to(port):  # "ff02::1%IF": a link-local destination on interface IF
    if "%" in dst:
        host, ifname = dst.split("%")
        return (host, port, 0, socket.if_nametoindex(ifname))
    return (dst, port)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    t += t >> 16
    return ~t & 0xFFFF

def icmp(typ, code, rest):
    if fam == "6":  # the kernel fills in the ICMPv6 checksum
        return struct.pack("!BBH", typ, code, 0) + rest
    return struct.pack("!BBH", typ, code, csum(struct.pack("!BBH", typ, code, 0) + rest)) + rest

if kind == "udplite":
    s = socket.socket(af, socket.SOCK_DGRAM, 136)
    s.sendto(tag, (dst, port))
elif kind in ("sctp", "raw253"):
    s = socket.socket(af, socket.SOCK_RAW, 132 if kind == "sctp" else 253)
    s.sendto(tag, (dst, 0))
elif kind in ("echo", "echoreply", "unreach"):
    s = socket.socket(af, socket.SOCK_RAW, 58 if fam == "6" else 1)
    if kind == "echo":
        pkt = icmp(128 if fam == "6" else 8, 0, struct.pack("!HH", 0x6466, 1) + tag)
    elif kind == "echoreply":
        pkt = icmp(129 if fam == "6" else 0, 0, struct.pack("!HH", 0x6466, 1) + tag)
    else:  # port unreachable, quoting nothing in particular
        pkt = icmp(1 if fam == "6" else 3, 4 if fam == "6" else 3, b"\0\0\0\0" + tag)
    s.sendto(pkt, (dst, 0))
elif kind == "udp":
    s = socket.socket(af, socket.SOCK_DGRAM)
    if mark:
        s.setsockopt(socket.SOL_SOCKET, 36, mark)  # SO_MARK
    if af == socket.AF_INET:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if sport:
        s.bind(("::" if fam == "6" else "0.0.0.0", sport))
    s.sendto(tag, to(port))
elif kind == "tcp":  # a SYN; the connection itself does not matter
    s = socket.socket(af, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(to(port))
    except OSError:
        pass
else:
    sys.exit("unknown kind " + kind)
'

# fw_send NS KIND FAMILY DST [PORT [MARK [SPORT]]]: send one probe from NS (errors such as EPERM
# from a DROP are expected and ignored: the capture decides). KIND: udp, tcp, udplite, sctp,
# raw253, echo, echoreply, unreach. DST may be "ADDR%IF" (IPv6 link-local multicast); MARK 0 is
# none.
fw_send() {
	local ns=$1
	shift
	ip netns exec "$ns" "$DF_PYTHON" -c "$FW_SEND_PY" "$@" 2>/dev/null || true
}

# fw_send_as_nobody NS KIND FAMILY DST [PORT]: the same as an unprivileged user.
fw_send_as_nobody() {
	local ns=$1
	shift
	ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$DF_PYTHON" -c "$FW_SEND_PY" "$@" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Capture on B's end of the A-B link: netns.bash's capture_start, capture_stop and _capture_count,
# with A as its ws and B as its net (fw_up sets their names). Its sentinels are TCP SYNs from A
# to B, which every ruleset here lets through.

# fw_filter KIND FAMILY [PORT [SPORT]]: the probes' filters, by kind and family (what the fenced
# host or the client sent).
fw_filter() {
	local kind=$1 fam=$2 ip=ip
	[[ $fam == 6 ]] && ip=ip6
	case $kind in
	udplite) echo "$ip proto 136" ;;
	sctp) echo "$ip proto 132" ;;
	raw253) echo "$ip proto 253" ;;
	echo) if [[ $fam == 6 ]]; then echo "icmp6 and ip6[40] == 128"; else echo "icmp and icmp[icmptype] == icmp-echo"; fi ;;
	echoreply) if [[ $fam == 6 ]]; then echo "icmp6 and ip6[40] == 129"; else echo "icmp and icmp[icmptype] == icmp-echoreply"; fi ;;
	unreach) if [[ $fam == 6 ]]; then echo "icmp6 and ip6[40] == 1"; else echo "icmp and icmp[icmptype] == icmp-unreach"; fi ;;
	udp) echo "$ip and udp dst port $3${4:+ and udp src port $4}" ;;
	tcp) echo "$ip and tcp dst port $3" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Assertions on what is loaded in A

# assert_jumps_first: in both families every jump of ours is the first rule of its chain.
assert_jumps_first() {
	local f j t b c first
	for f in 4 6; do
		for j in "${FW_JUMPS[@]}"; do
			read -r t b c <<<"$j"
			first=$(fw_first "$f" "$t" "$b")
			[[ $first == "-A $b -j $c" ]] ||
				fail "ipv$f $t $b: first rule is '$first', not the jump to $c"
		done
	done
}

# assert_nothing_loaded: no dnsfence chain, rule or jump in either family, no nftables table.
assert_nothing_loaded() {
	local f left
	for f in 4 6; do
		left=$(fw_ours "$f" | grep DNSFENCE) || true
		[[ -z $left ]] || fail "ipv$f still holds dnsfence rules: $left"
	done
	! nsa nft list table inet dnsfence >/dev/null 2>&1 || fail "table inet dnsfence is still there"
}

# fw_shim [pass]: a directory to put first on PATH whose ip6tables-restore records A's IPv4 rules
# in $BATS_TEST_TMPDIR/ipv4-during-load and fails with a message; with "pass" it runs the real
# one instead and then records A's IPv6 rules after its first run in
# $BATS_TEST_TMPDIR/ipv6-after-restore.
fw_shim() {
	local shim=$BATS_TEST_TMPDIR/shim save6 restore6
	save6=$(command -v ip6tables-save)
	restore6=$(command -v ip6tables-restore)
	mkdir -p "$shim"
	if [[ ${1-} == pass ]]; then
		# Only the first call: the loader's rollback calls it again.
		# shellcheck disable=SC2016 # $@ and $? are the shim's
		printf '#!/bin/sh\n%s "$@"\nrc=$?\n[ -e %s ] || %s >%s\nexit $rc\n' "$restore6" \
		    "$BATS_TEST_TMPDIR/ipv6-after-restore" "$save6" "$BATS_TEST_TMPDIR/ipv6-after-restore" \
		    >"$shim/ip6tables-restore"
	else
		printf '#!/bin/sh\n%s >%s\necho "shim: ip6tables-restore refuses" >&2\nexit 1\n' \
		    "$(command -v iptables-save)" "$BATS_TEST_TMPDIR/ipv4-during-load" >"$shim/ip6tables-restore"
	fi
	chmod 0755 "$shim/ip6tables-restore"
	echo "$shim"
}

# fw_has_nft_queue: the kernel has nft_queue (then nftables rulesets load whole).
fw_has_nft_queue() {
	printf 'table inet dffw_probe {\n chain c {\n  type filter hook output priority 0;\n  udp dport 53 queue num 0\n }\n}\n' |
		nsa nft -c -f - >/dev/null 2>&1
}

# fw_nft_load [OPTIONS]: the nftables ruleset into A: loaded whole where the kernel has
# nft_queue, else with each queue statement replaced by drop (what a queue with nobody bound
# does; the rest of the ruleset is the real one).
fw_nft_load() {
	if fw_has_nft_queue; then
		fw load --backend nftables "$@"
	else
		fw print --backend nftables "$@" | sed 's/queue num [0-9]*/drop/' | nsa nft -f -
	fi
}

# ---------------------------------------------------------------------------------------------
# Gateway mode: A is the gateway, $FW_IN its internal interface.

# fw_gw_load BACKEND [OPTIONS]: gateway mode for $FW_IN into A (nftables: see fw_nft_load).
fw_gw_load() {
	local b=$1
	shift
	if [[ $b == iptables ]]; then
		fw load --backend iptables --mode gateway --internal "$FW_IN" "$@" >/dev/null
	else
		fw_nft_load --mode gateway --internal "$FW_IN" "$@" >/dev/null
	fi
}

# fw_gw_backends: the backends the traffic tests run, saying once (fd 3) how nftables is loaded.
fw_gw_backends() {
	fw_has_nft_queue ||
		echo "# nftables: this kernel has no nft_queue: loaded with 'queue' replaced by 'drop'" >&3
	echo iptables nftables
}

# assert_gw_counter BACKEND NAME OP N: after `run fw status`, NAME compares OP N on each family's
# line (iptables), or OP 2N on the one line of both (nftables).
assert_gw_counter() {
	if [[ $1 == iptables ]]; then
		assert_counter "$2" "$3" "$4" "ipv4: " "ipv6: "
	else
		assert_counter "$2" "$3" $(($4 * 2)) ""
	fi
}

# fw_at_client CMD...: run CMD (capture_start, capture_stop) with the capture on C's end of the
# A-C link instead of B's: the sentinels go from A's internal address to C.
fw_at_client() {
	# shellcheck disable=SC2034 # read by netns.bash's capture
	local DF_NET=$FW_C DF_VNET=$FW_CIF DF_WS4=$FW_AC4 DF_NET4=$FW_C4
	"$@"
}

# A listener of our own in A: one socket per spec "PROTO,FAMILY,ADDR,PORT[,DEV]" (DEV: bound to
# that interface, SO_BINDTODEVICE), writing a line per TCP connection ("tcp FAMILY PEER LOCAL") or
# UDP datagram ("udp FAMILY PEER") to the file given first.
FW_LISTEN_PY='
import select, socket, sys
out = open(sys.argv[1], "a", buffering=1)
socks = {}
for spec in sys.argv[2:]:
    proto, fam, host, port, *dev = spec.split(",")
    af = socket.AF_INET6 if fam == "6" else socket.AF_INET
    s = socket.socket(af, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == "6":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev[0].encode())
    s.bind((host, int(port)))
    if proto == "tcp":
        s.listen(16)
    socks[s] = (proto, fam)
print("listening", flush=True)
while True:
    for s in select.select(list(socks), [], [])[0]:
        proto, fam = socks[s]
        if proto == "tcp":
            c, peer = s.accept()
            out.write("tcp %s %s %s\n" % (fam, peer[0], c.getsockname()[0]))
            c.close()
        else:
            peer = s.recvfrom(2048)[1]
            out.write("udp %s %s\n" % (fam, peer[0]))
'

# fw_listen SPEC...: start the listener in A (df_stop listen ends it); returns once it listens.
fw_listen() {
	local i
	: >"$DF_TMP/heard"
	: >"$DF_TMP/listen.log"
	df_spawn listen "$FW_A" "$DF_TMP/listen.log" "$DF_PYTHON" -c "$FW_LISTEN_PY" "$DF_TMP/heard" "$@"
	for ((i = 0; i < 50; i++)); do
		grep -q listening "$DF_TMP/listen.log" && return 0
		df_alive listen || break
		sleep 0.1
	done
	fail "the listener did not start: $(cat "$DF_TMP/listen.log")"
}

# fw_heard PREFIX [N]: how many lines of the listener start with PREFIX ("udp 4", "tcp 6 ...");
# with N, wait (3 s at most) until there are N.
fw_heard() {
	local n i
	for ((i = 0; i < 30; i++)); do
		n=$(grep -c "^$1" "$DF_TMP/heard") || true
		((n >= ${2:-0})) && break
		sleep 0.1
	done
	echo "$n"
}

# whonix_redirect: what a Whonix gateway's own firewall does with its clients' UDP DNS: a nat
# prerouting chain (dstnat) that redirects it to Tor's DNSPort (5300); new, its counter at 0.
# whonix_count: packets the redirect saw.
whonix_redirect() {
	nsa nft -f - <<-NFT
	table inet dffw_whonix
	delete table inet dffw_whonix
	table inet dffw_whonix {
		chain pre {
			type nat hook prerouting priority dstnat; policy accept;
			iifname "$FW_IN" udp dport 53 counter redirect to :5300
		}
	}
	NFT
}
whonix_count() {
	nsa nft list table inet dffw_whonix | awk '/redirect/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# ---------------------------------------------------------------------------------------------
# --audit: the NFLOG group's listener is tcpdump on nflog:GROUP in A (the groups are per network
# namespace). Its link type has no filters: nflog_count greps tcpdump's text instead.

# fw_audit_load BACKEND [OPTIONS]: the ruleset with OPTIONS into A (nftables: see fw_nft_load).
fw_audit_load() {
	local b=$1
	shift
	if [[ $b == iptables ]]; then fw load --backend iptables "$@" >/dev/null; else fw_nft_load "$@" >/dev/null; fi
}

# nflog_start GROUP: tcpdump on nflog:GROUP in A, writing $DF_TMP/nflog.pcap; nflog_stop ends it.
nflog_start() {
	NFLOG_CAP=$DF_TMP/nflog.pcap
	rm -f "$NFLOG_CAP"
	df_tcpdump nflog "$FW_A" "nflog:$1" "$NFLOG_CAP"
}
nflog_stop() { df_stop nflog; }

# nflog_wait N: wait (2.5 s at most) until the nflog capture holds N packets. The kernel sends a
# group's packets in batches (of 100 by default, unless a listener sets a lower threshold; the
# daemon sets 1, tcpdump none) or after a second (the default flush timeout), whichever is first.
nflog_wait() {
	local i
	for ((i = 0; i < 25; i++)); do
		(($(nflog_count .) >= $1)) && return 0
		sleep 0.1
	done
	return 0
}

# nflog_count REGEX: how many packets of the nflog capture match REGEX in `tcpdump -n` text.
nflog_count() {
	[[ -s ${NFLOG_CAP:-} ]] || { echo 0; return 0; }
	tcpdump -r "$NFLOG_CAP" -n 2>/dev/null | grep -c -E -- "$1" || true
}

# nflog_probe_re KIND FAMILY [PORT]: the regex for one of fw_send's probes from A to B (as
# `tcpdump -n` prints it; for UDP-Lite it prints the protocol number).
nflog_probe_re() {
	local dst
	dst=$(fw_b "$2")
	dst=${dst//./\\.}
	case $1 in
	udp) echo "> $dst\\.$3: " ;;
	udplite) echo "> $dst: .*ip-proto-136" ;;
	esac
}
