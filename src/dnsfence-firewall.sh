#!/bin/sh
# dnsfence-firewall: load, unload, inspect or check dnsfence's fail-closed ruleset.
# See dnsfence-firewall(8). POSIX sh; needs iptables-restore/ip6tables-restore or nft.
set -u

PROG=dnsfence-firewall
RULESDIR=${DNSFENCE_RULESDIR:-@RULESDIR@}
# Running from a source tree: use its rule files.
case $RULESDIR in @*) RULESDIR=$(cd "$(dirname "$0")/.." && pwd) ;; esac

backend=""
mode=workstation
queue=0
mark=0x646e73
tcpport=9054
keep_lo=0
allow=""

die() { echo "$PROG: $*" >&2; exit 1; }
usage() {
	cat >&2 <<USAGE
usage: $PROG {load|unload|status|check} [--backend iptables|nftables] [--mode workstation]
       [--queue N] [--mark M] [--tcp-port P] [--keep-loopback-dns] [--allow-udp UID:PORT ...]
USAGE
	exit 1
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in load|unload|status|check) ;; *) usage ;; esac

while [ $# -gt 0 ]; do
	case $1 in
	--backend) [ $# -ge 2 ] || usage; backend=$2; shift ;;
	--mode) [ $# -ge 2 ] || usage; mode=$2; shift ;;
	--queue) [ $# -ge 2 ] || usage; queue=$2; shift ;;
	--mark) [ $# -ge 2 ] || usage; mark=$2; shift ;;
	--tcp-port) [ $# -ge 2 ] || usage; tcpport=$2; shift ;;
	--keep-loopback-dns) keep_lo=1 ;;
	--allow-udp) [ $# -ge 2 ] || usage; allow="$allow $2"; shift ;;
	-h|--help) usage ;;
	*) die "unknown option '$1'" ;;
	esac
	shift
done

isnum() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
isnum "$queue" 0 65535 || die "--queue: '$queue' is not a queue number 0-65535"
isnum "$tcpport" 1 65535 || die "--tcp-port: '$tcpport' is not a port 1-65535"
case $mark in
0x*) m=${mark#0x}; case $m in ''|*[!0-9a-fA-F]*) die "--mark: '$mark' is not a number" ;; esac
     [ ${#m} -le 8 ] || die "--mark: '$mark' is wider than 32 bits" ;;
*) isnum "$mark" 1 4294967295 || die "--mark: '$mark' is not a nonzero 32-bit number" ;;
esac
case $mode in
workstation) ;;
gateway) die "--mode gateway is not implemented yet" ;;
*) die "--mode: '$mode' is not workstation" ;;
esac
for a in $allow; do
	uid=${a%%:*}
	port=${a#*:}
	[ "$uid" != "$a" ] || die "--allow-udp: '$a' is not UID:PORT"
	isnum "$uid" 0 4294967294 || die "--allow-udp: '$uid' is not a numeric uid"
	isnum "$port" 1 65535 || die "--allow-udp: '$port' is not a port 1-65535"
	[ "$port" != 53 ] || die "--allow-udp: port 53 would let DNS out in clear"
done

need_root() { [ "$(id -u)" -eq 0 ] || die "$cmd needs root"; }

# nft_queue present? A native queue statement fails even under `nft -c` without it.
has_nft_queue() {
	command -v nft >/dev/null 2>&1 || return 1
	printf 'table inet dnsfence_probe {\n chain c {\n  type filter hook output priority 0;\n  udp dport 53 queue num 0\n }\n}\n' |
		nft -c -f - >/dev/null 2>&1
}

if [ -z "$backend" ]; then
	if [ "$cmd" = unload ] || [ "$cmd" = status ]; then
		# whichever is loaded
		if command -v nft >/dev/null 2>&1 && nft list table inet dnsfence >/dev/null 2>&1; then
			backend=nftables
		else
			backend=iptables
		fi
	elif has_nft_queue; then
		backend=nftables
	else
		backend=iptables
	fi
fi
case $backend in iptables|nftables) ;; *) die "--backend: '$backend' is not iptables or nftables" ;; esac

# ---------------------------------------------------------------------------------------------
# iptables

CHAINS="raw:DNSFENCE_RAW mangle:DNSFENCE_QUEUE nat:DNSFENCE_TCP filter:DNSFENCE_FILTER"

ipt_render() {	# family (4|6)
	if [ "$1" = 6 ]; then icmp="ipv6-icmp --icmpv6-type port-unreachable"; else icmp="icmp --icmp-type port-unreachable"; fi
	lo=""
	[ $keep_lo -eq 1 ] && lo="! -o lo"
	allow_rules=""
	for a in $allow; do
		allow_rules="$allow_rules-A DNSFENCE_FILTER -p udp -m owner --uid-owner ${a%%:*} --dport ${a#*:} -m comment --comment \"dnsfence: allowed UDP flow\" -j RETURN
"
	done
	[ -r "$RULESDIR/iptables/dnsfence.rules" ] || die "cannot read $RULESDIR/iptables/dnsfence.rules"
	# One pass: drop comments, fill in the values, put the allow rules in place.
	ALLOW="$allow_rules" awk '/^@ALLOW_UDP@$/ { printf "%s", ENVIRON["ALLOW"]; next } { print }' \
		"$RULESDIR/iptables/dnsfence.rules" |
		sed -e '/^#/d' -e '/^$/d' -e "s|@MARK@|$mark|g" -e "s|@QUEUE@|$queue|g" \
			-e "s|@TCPPORT@|$tcpport|g" -e "s|@ICMP@|$icmp|g" -e "s|@LOOPBACK_DNS@|$lo|g" \
			-e 's/  */ /g'
}

ipt_bin() { if [ "$1" = 6 ]; then echo ip6tables; else echo iptables; fi; }

# The jumps from OUTPUT, as restore lines, for those not there yet (load stays idempotent).
ipt_jumps() {	# family
	ipt=$(ipt_bin "$1")
	for tc in $CHAINS; do
		t=${tc%%:*}
		c=${tc#*:}
		if ! $ipt -w -t "$t" -C OUTPUT -j "$c" 2>/dev/null; then
			printf '*%s\n-I OUTPUT 1 -j %s\nCOMMIT\n' "$t" "$c"
		fi
	done
}

ipt_load() {
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		command -v "$ipt-restore" >/dev/null 2>&1 || die "$ipt-restore not found"
		{ ipt_render $f; ipt_jumps $f; } | "$ipt-restore" -w --noflush ||
			die "$ipt-restore failed; nothing of this family was changed"
	done
}

ipt_check() {
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		ipt_render $f | "$ipt-restore" -w --noflush --test ||
			die "$ipt ruleset does not validate"
	done
	echo "$PROG: iptables ruleset valid (queue $queue, mark $mark, tcp port $tcpport)"
}

ipt_unload() {
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		for tc in $CHAINS; do
			t=${tc%%:*}
			c=${tc#*:}
			while $ipt -w -t "$t" -D OUTPUT -j "$c" 2>/dev/null; do :; done
			$ipt -w -t "$t" -F "$c" 2>/dev/null
			$ipt -w -t "$t" -X "$c" 2>/dev/null
		done
		$ipt -w -t filter -F DNSFENCE_DROP 2>/dev/null
		$ipt -w -t filter -X DNSFENCE_DROP 2>/dev/null
	done
	return 0
}

ipt_status() {
	loaded=1
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		for tc in $CHAINS; do
			$ipt -w -t "${tc%%:*}" -C OUTPUT -j "${tc#*:}" 2>/dev/null || loaded=0
		done
	done
	if [ $loaded -eq 1 ]; then echo "loaded: yes (iptables)"; else echo "loaded: no (iptables)"; fi
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		q=$($ipt -w -t mangle -L DNSFENCE_QUEUE -v -n -x 2>/dev/null | awk '/NFQUEUE/ { print $1 }')
		d=$($ipt -w -t filter -L DNSFENCE_DROP -v -n -x 2>/dev/null | awk '$3 == "DROP" { print $1 }')
		echo "ipv$f: queued=${q:-0} udp_dropped=${d:-0}"
	done
	[ $loaded -eq 1 ]
}

# ---------------------------------------------------------------------------------------------
# nftables

nft_render() {
	lo=""
	[ $keep_lo -eq 1 ] && lo='oif != "lo"'
	[ -r "$RULESDIR/nftables/dnsfence.nft" ] || die "cannot read $RULESDIR/nftables/dnsfence.nft"
	allow_rules=""
	for a in $allow; do
		allow_rules="$allow_rules		meta skuid ${a%%:*} udp dport ${a#*:} return comment \"allowed UDP flow\"
"
	done
	ALLOW="$allow_rules" awk '/^[ \t]*@ALLOW_UDP@[ \t]*$/ { printf "%s", ENVIRON["ALLOW"]; next } { print }' \
		"$RULESDIR/nftables/dnsfence.nft" |
		sed -e "s|@MARK@|$mark|g" -e "s|@QUEUE@|$queue|g" -e "s|@TCPPORT@|$tcpport|g" \
			-e "s|@LOOPBACK_DNS@|$lo|g"
}

# One transaction: create (if missing), flush, and fill the table. Atomic and idempotent.
nft_script() {
	printf 'table inet dnsfence\nflush table inet dnsfence\n'
	nft_render
}

nft_load() {
	command -v nft >/dev/null 2>&1 || die "nft not found"
	has_nft_queue || die "this kernel has no nft_queue (CONFIG_NFT_QUEUE); use --backend iptables"
	nft_script | nft -f - || die "nft -f failed; nothing was changed"
}

nft_check() {
	command -v nft >/dev/null 2>&1 || die "nft not found"
	if has_nft_queue; then
		nft_script | nft -c -f - || die "nftables ruleset does not validate"
		echo "$PROG: nftables ruleset valid (queue $queue, mark $mark, tcp port $tcpport)"
	else
		# Without nft_queue even `nft -c` rejects the queue statement: check the rest.
		nft_script | sed 's/queue num [0-9]*/drop/' | nft -c -f - ||
			die "nftables ruleset does not validate"
		echo "$PROG: nftables ruleset valid except the queue statement, which this kernel" \
			"cannot check (no nft_queue); it loads only where nft_queue exists"
	fi
}

nft_unload() {
	nft list table inet dnsfence >/dev/null 2>&1 || return 0
	nft delete table inet dnsfence
}

nft_status() {
	if ! nft list table inet dnsfence >/dev/null 2>&1; then
		echo "loaded: no (nftables)"
		return 1
	fi
	echo "loaded: yes (nftables)"
	nft list table inet dnsfence | awk '
		/queue/ && /packets/ { for (i = 1; i < NF; i++) if ($i == "packets") q = $(i + 1) }
		/all other UDP/ { for (i = 1; i < NF; i++) if ($i == "packets") d = $(i + 1) }
		END { printf "queued=%d udp_dropped=%d\n", q, d }'
}

# The kernel's view of the queue: is anyone bound, and what was dropped.
queue_status() {
	f=/proc/net/netfilter/nfnetlink_queue
	if [ -r $f ] && line=$(awk -v q="$queue" '$1 == q' $f) && [ -n "$line" ]; then
		set -- $line
		echo "queue $queue: bound by portid $2, waiting=$3, dropped(queue full)=$6, dropped(user)=$7"
	else
		echo "queue $queue: nobody bound (queries are dropped: fail closed)"
	fi
}

case $backend:$cmd in
iptables:load) need_root; ipt_load; echo "$PROG: loaded (iptables, queue $queue, mark $mark, tcp port $tcpport)" ;;
iptables:unload) need_root; ipt_unload; echo "$PROG: unloaded (iptables)" ;;
iptables:status) need_root; ipt_status; rc=$?; queue_status; exit $rc ;;
iptables:check) need_root; ipt_check ;;
nftables:load) need_root; nft_load; echo "$PROG: loaded (nftables, queue $queue, mark $mark, tcp port $tcpport)" ;;
nftables:unload) need_root; nft_unload; echo "$PROG: unloaded (nftables)" ;;
nftables:status) need_root; nft_status; rc=$?; queue_status; exit $rc ;;
nftables:check) need_root; nft_check ;;
esac
