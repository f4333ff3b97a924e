# shellcheck shell=bash
# netns.bash: the dnsfence system-test topology, sourced by the bats files and by tests/demo.sh.
#
#   ws  (dfws<ID>)  runs dnsfence and the leaky clients; veth dfw<ID> 198.51.100.1, 2001:db8:53::1
#   net (dfnet<ID>) runs unbound on 127.0.0.1/::1 port 53 and microsocks on 198.51.100.2:1080;
#                   veth dfn<ID> 198.51.100.2, 2001:db8:53::2
#   ct  (dfct<ID>)  optional (topo_ct_up): a container or VM behind ws, which forwards for it;
#                   veth dfk<ID> 10.99.0.2, fd99::2, default routes via ws's dfc<ID> 10.99.0.1,
#                   fd99::1
#
# Every namespace, process and file made here is recorded and removed by topo_down, by name or by
# PID (never by process name). Nothing touches the host's firewall or /etc/resolv.conf: the only
# file outside the temp dir is /etc/netns/<ws>/resolv.conf, which `ip netns exec` bind-mounts
# inside ws only.
#
# Environment (all optional): DF_ID (name suffix, default this shell's PID), DNSFENCE (binary,
# default $REPO/build/dnsfence), DF_MARK (0x646e73), DF_QUEUE (0), DF_TIMEOUT (dnsfence
# per-query timeout, 3s), DF_CONF_EXTRA (more configuration lines), DF_USER (the daemon's
# user), DF_KEEP_TMP (non-empty: keep the temp dir with the logs and captures after topo_down),
# DF_PYTHON.
#
# Every function returns non-zero with a message on stderr when something is wrong, so it can be
# used under bats' `set -e` and from plain bash alike. Every wait is bounded.

DF_REPO=${DF_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DF_LIB=${DF_LIB:-$DF_REPO/tests/lib}
DNSFENCE=${DNSFENCE:-$DF_REPO/build/dnsfence}
DF_MARK=${DF_MARK:-0x646e73}
DF_QUEUE=${DF_QUEUE:-0}
DF_TIMEOUT=${DF_TIMEOUT:-3s}
DF_USER=${DF_USER:-nobody}	# the daemon's unprivileged user in tests (no user is created)
if [[ -z ${DF_PYTHON:-} ]]; then
	if [[ -x /usr/bin/python3 ]]; then DF_PYTHON=/usr/bin/python3; else DF_PYTHON=python3; fi
fi
DF_WS4=198.51.100.1
DF_NET4=198.51.100.2
DF_WS6=2001:db8:53::1
DF_NET6=2001:db8:53::2
DF_SOCKS_PORT=1080
DF_HUGE_RECORDS=249	# huge.test's TXT records in unbound (see _df_unbound_conf)
DF_CT4=10.99.0.2
DF_CTGW4=10.99.0.1
DF_CT6=fd99::2
DF_CTGW6=fd99::1
export DF_REPO DF_LIB DNSFENCE DF_MARK DF_QUEUE DF_TIMEOUT DF_PYTHON DF_USER
export DF_WS4 DF_NET4 DF_WS6 DF_NET6 DF_SOCKS_PORT DF_CT4 DF_CTGW4 DF_CT6 DF_CTGW6

df_log() { printf '%s\n' "netns.bash: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Processes: each one is recorded as $DF_TMP/pids/NAME = "PID STARTTIME". The start time (field 22
# of /proc/PID/stat) guards against signalling a recycled PID.

_df_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }			# drop "pid (comm) ", comm may hold spaces
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"				# field 22 overall = 20th after pid and comm
}

# df_pid NAME: print the recorded PID of NAME.
df_pid() {
	local rec=$DF_TMP/pids/$1 pid
	[[ -f $rec ]] || return 1
	read -r pid _ <"$rec" && echo "$pid"
}

# df_alive NAME: the recorded process NAME is still running.
df_alive() {
	local rec=$DF_TMP/pids/$1 pid start state stat
	[[ -f $rec ]] || return 1
	read -r pid start <"$rec" || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	state=$1
	[[ $state != Z && $state != X && ${20} == "$start" ]]
}

# df_spawn NAME NETNS LOGFILE CMD...: run CMD in NETNS in the background, record its PID.
# `ip netns exec` execs CMD, so $! is CMD's own PID. fd 3 is closed so bats does not wait on it.
df_spawn() {
	local name=$1 ns=$2 logf=$3 pid start
	shift 3
	ip netns exec "$ns" "$@" </dev/null >>"$logf" 2>&1 3>&- &
	pid=$!
	start=$(_df_starttime "$pid") || start=unknown
	echo "$pid $start" >"$DF_TMP/pids/$name"
}

# df_stop NAME [SIGNAL]: signal the recorded process (default TERM), wait up to 5 s, then KILL.
# Sets DF_STOP_STATUS to its exit status when it was our child (else empty). Removes the record.
df_stop() {
	local name=$1 sig=${2:-TERM} rec=$DF_TMP/pids/$1 pid start i
	DF_STOP_STATUS=
	[[ -f $rec ]] || return 0
	read -r pid start <"$rec"
	if df_alive "$name"; then
		kill "-$sig" "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			df_alive "$name" || break
			sleep 0.1
		done
		if df_alive "$name"; then
			df_log "$name (pid $pid) ignored SIG$sig for 5 s, sending KILL"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 20; i++)); do
				df_alive "$name" || break
				sleep 0.1
			done
		fi
	fi
	# Reap it if it is our child, and learn its exit status. wait on a non-child returns 127 at
	# once; it is only called once the process is gone, so it never blocks.
	if ! df_alive "$name"; then
		i=0
		wait "$pid" 2>/dev/null || i=$?
		((i == 127)) || DF_STOP_STATUS=$i
	fi
	rm -f "$rec"
	return 0
}

# df_wait_exit NAME SECONDS: wait (bounded) for NAME to exit by itself. Sets DF_STOP_STATUS as
# df_stop does. Returns 1 if it is still running after SECONDS.
df_wait_exit() {
	local name=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		df_alive "$name" || break
		sleep 0.1
	done
	df_alive "$name" && return 1
	df_stop "$name"
}

# df_env_missing: print why the system tests cannot run here and succeed, or fail if they can.
# (Things this machine lacks, not things the project failed to build.)
df_env_missing() {
	local c
	if ((EUID != 0)); then echo "system tests need root (network namespaces, NFQUEUE)"; return 0; fi
	for c in ip iptables ip6tables unbound unbound-checkconf microsocks dig kdig tcpdump getent \
	    timeout "$DF_PYTHON"; do
		command -v "$c" >/dev/null 2>&1 || { echo "'$c' is not installed"; return 0; }
	done
	return 1
}

# ---------------------------------------------------------------------------------------------
# Topology

_df_unbound_conf() {
	local big i s
	cat <<EOF
server:
	interface: 127.0.0.1
	interface: ::1
	port: 53
	do-ip4: yes
	do-ip6: yes
	do-udp: yes
	do-tcp: yes
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$DF_TMP"
	pidfile: "$DF_TMP/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	access-control: ::1/128 allow
	do-not-query-localhost: no
	hide-identity: yes
	hide-version: yes
	module-config: "iterator"
	local-zone: "test." static
	local-data: "test. 3600 IN SOA ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	local-data: "test. 3600 IN NS ns1.test."
	local-data: "test. 300 IN MX 10 mail.test."
	local-data: 'test. 300 IN CAA 0 issue "ca.example.net"'
	local-data: "ns1.test. 300 IN A 192.0.2.53"
	local-data: "mail.test. 300 IN A 192.0.2.25"
	local-data: "a.test. 300 IN A 192.0.2.1"
	local-data: "a.test. 300 IN AAAA 2001:db8::1"
	local-data: "www.test. 300 IN CNAME a.test."
	local-data: 'txt.test. 300 IN TXT "v=dnsfence1 hello from the recursor"'
	local-data: "_xmpp-client._tcp.test. 300 IN SRV 5 0 5222 xmpp.test."
	local-data: "xmpp.test. 300 IN A 192.0.2.52"
	# hardening.bats: addresses that reject-private must remove.
	local-data: "private.test. 300 IN A 10.1.2.3"
	local-data: "loop.test. 300 IN A 127.0.0.1"
	local-data: "mixed.test. 300 IN A 192.0.2.7"
	local-data: "mixed.test. 300 IN A 192.168.1.1"
	local-data: "mixed.test. 300 IN AAAA fd00::1"
	local-data: "mixed.test. 300 IN AAAA 2001:db8::7"
	local-data: "cgnat.test. 300 IN A 100.64.1.1"
	local-data: "mapped.test. 300 IN AAAA ::ffff:10.0.0.1"
	local-data: "ll.test. 300 IN AAAA fe80::1"
	local-data: "nat64.test. 300 IN AAAA 64:ff9b::10.1.2.3"
	local-data: "sixto4.test. 300 IN AAAA 2002:c0a8:0101::1"
	local-data: 'svc.test. 300 IN HTTPS 1 . alpn=h2 ipv4hint=10.0.0.1,192.0.2.9 ipv6hint=fd00::1,2001:db8::9'
	local-data: 'svc4.test. 300 IN SVCB 1 svc.test. ipv4hint=192.168.1.1'
	local-zone: "2.0.192.in-addr.arpa." static
	local-data: "2.0.192.in-addr.arpa. 3600 IN SOA ns1.test. hostmaster.test. 1 7200 900 1209600 300"
	local-data: "10.2.0.192.in-addr.arpa. 300 IN PTR host10.test."
EOF
	# big.test: 8 TXT records of 200 characters each, about 1.8 KB of answer: > 512, < 4096.
	for i in 1 2 3 4 5 6 7 8; do
		s=$(printf 'big%d-' "$i")
		big=$(printf "%s%0$((200 - ${#s}))d" "$s" 0)
		printf "\tlocal-data: 'big.test. 300 IN TXT \"%s\"'\n" "$big"
	done
	# huge.test: TXT records of 250 characters each, as many as make the largest answer that
	# still fits a DNS message (65535 bytes): 249 records, 65525 bytes over TCP with an OPT
	# record. More than a UDP reply can carry over IPv4 (65507) or, with its header, in an
	# IPv6 packet on lo (MTU 65536): leak-holes.bats sends it through dnsfence.
	for ((i = 1; i <= DF_HUGE_RECORDS; i++)); do
		printf -v s 'huge%03d-' "$i"	# printf -v: no subshell per record
		printf -v big "%s%0$((250 - ${#s}))d" "$s" 0
		printf "\tlocal-data: 'huge.test. 300 IN TXT \"%s\"'\n" "$big"
	done
	cat <<EOF
remote-control:
	control-enable: no
EOF
}

# topo_up: namespaces, veth, addresses, unbound + microsocks in net, capture rules in ws.
topo_up() {
	DF_ID=${DF_ID:-$BASHPID}
	DF_WS=dfws$DF_ID
	DF_NET=dfnet$DF_ID
	DF_VWS=dfw$DF_ID
	DF_VNET=dfn$DF_ID
	export DF_ID DF_WS DF_NET DF_VWS DF_VNET
	if ((${#DF_VNET} > 15)); then
		df_log "DF_ID '$DF_ID' too long: interface name $DF_VNET exceeds 15 characters"
		return 1
	fi
	if [[ ! $DF_ID =~ ^[A-Za-z0-9]+$ ]]; then
		df_log "DF_ID '$DF_ID' must be letters and digits"
		return 1
	fi
	if ip netns list | awk '{print $1}' | grep -qxE "$DF_WS|$DF_NET"; then
		df_log "namespace $DF_WS or $DF_NET already exists (another run with DF_ID=$DF_ID?)"
		return 1
	fi
	DF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsfence-test.$DF_ID.XXXXXX") || return 1
	export DF_TMP
	mkdir -p "$DF_TMP/pids"
	DF_CONF=$DF_TMP/dnsfence.conf		# written by dnsfence_start
	export DF_CONF
	echo "$DF_WS $DF_NET" >"$DF_TMP/namespaces"

	if ! _topo_up_steps; then
		df_log "topo_up failed; logs follow"
		topo_dump_logs >&2
		topo_down
		return 1
	fi
}

# topo_netns NS: a new namespace NS (marked as made for topo_down), loopback up.
topo_netns() {
	ip netns add "$1" || return 1
	: >"$DF_TMP/made/netns.$1"
	# No DAD and no router solicitations on the test links (quieter captures).
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 >/dev/null || true
	ip -n "$1" link set lo up
}

# topo_veth NS1 IF1 V4 V6 NS2 IF2 V4 V6: a veth pair made inside NS1 with its peer directly in
# NS2 (it never appears in the host), a /24 and a /64 on each end, both up.
topo_veth() {
	ip -n "$1" link add "$2" type veth peer name "$6" netns "$5" || return 1
	ip -n "$1" addr add "$3/24" dev "$2" || return 1
	ip -n "$1" addr add "$4/64" dev "$2" nodad || return 1
	ip -n "$5" addr add "$7/24" dev "$6" || return 1
	ip -n "$5" addr add "$8/64" dev "$6" nodad || return 1
	ip -n "$1" link set "$2" up || return 1
	ip -n "$5" link set "$6" up
}

_topo_up_steps() {
	local ipt

	# Each thing made is marked in $DF_TMP/made/ first, and topo_down removes only what is marked:
	# a name that some other run holds is never deleted by this one.
	mkdir -p "$DF_TMP/made"
	topo_netns "$DF_WS" || return 1
	topo_netns "$DF_NET" || return 1
	topo_veth "$DF_WS" "$DF_VWS" "$DF_WS4" "$DF_WS6" "$DF_NET" "$DF_VNET" "$DF_NET4" "$DF_NET6" ||
		return 1

	# getent and other libc clients in ws ask 198.51.100.2 (bind-mounted by `ip netns exec`).
	[[ -d /etc/netns ]] || { mkdir /etc/netns && : >"$DF_TMP/made/etc_netns"; } || return 1
	mkdir "/etc/netns/$DF_WS" || return 1
	: >"$DF_TMP/made/etc_netns_ws"
	printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DF_NET4" >"/etc/netns/$DF_WS/resolv.conf"

	# The capture rules dnsfence needs, inside ws only. Never --queue-bypass: no listener = drop.
	for ipt in iptables ip6tables; do
		ip netns exec "$DF_WS" "$ipt" -w -t raw -A OUTPUT -m mark --mark "$DF_MARK" -j NOTRACK ||
			return 1
		ip netns exec "$DF_WS" "$ipt" -w -t mangle -A OUTPUT -p udp --dport 53 \
		    -m mark ! --mark "$DF_MARK" -j NFQUEUE --queue-num "$DF_QUEUE" || return 1
	done

	_df_unbound_conf >"$DF_TMP/unbound.conf"
	unbound-checkconf "$DF_TMP/unbound.conf" >"$DF_TMP/unbound-checkconf.log" 2>&1 || {
		cat "$DF_TMP/unbound-checkconf.log" >&2
		return 1
	}
	df_spawn unbound "$DF_NET" "$DF_TMP/unbound.log" unbound -d -c "$DF_TMP/unbound.conf"
	df_spawn microsocks "$DF_NET" "$DF_TMP/microsocks.log" \
	    microsocks -i "$DF_NET4" -p "$DF_SOCKS_PORT"

	topo_wait_unbound || return 1
	topo_wait_microsocks || return 1
}

# topo_wait_unbound: unbound answers on 127.0.0.1 and ::1 inside net (10 s bound).
topo_wait_unbound() {
	local i a4 a6
	for ((i = 0; i < 50; i++)); do
		a4=$(ip netns exec "$DF_NET" dig @127.0.0.1 +tries=1 +time=1 +short a.test A 2>/dev/null) ||
			true
		a6=$(ip netns exec "$DF_NET" dig @::1 +tries=1 +time=1 +short a.test AAAA 2>/dev/null) ||
			true
		[[ $a4 == 192.0.2.1 && $a6 == 2001:db8::1 ]] && return 0
		df_alive unbound || { df_log "unbound exited"; return 1; }
		sleep 0.2
	done
	df_log "unbound did not answer within 10 s"
	return 1
}

# topo_wait_microsocks: a SOCKS5 CONNECT from ws to 127.0.0.1:53 via net carries a TCP query
# (10 s bound). TCP is not captured by the rules, so this works with or without dnsfence.
topo_wait_microsocks() {
	local i
	for ((i = 0; i < 50; i++)); do
		if ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" socks "$DF_NET4" \
		    "$DF_SOCKS_PORT" 127.0.0.1 53 a.test A --timeout 2 >/dev/null 2>&1; then
			return 0
		fi
		df_alive microsocks || { df_log "microsocks exited"; return 1; }
		sleep 0.2
	done
	df_log "microsocks did not carry a query within 10 s"
	return 1
}

# microsocks_stop / microsocks_start: for the failure tests.
microsocks_stop() { df_stop microsocks; }
microsocks_start() {
	df_spawn microsocks "$DF_NET" "$DF_TMP/microsocks.log" \
	    microsocks -i "$DF_NET4" -p "$DF_SOCKS_PORT"
	topo_wait_microsocks
}

# topo_dump_logs: print every log in the temp dir (for failure diagnostics).
topo_dump_logs() {
	local f
	[[ -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	for f in "$DF_TMP"/*.log; do
		[[ -s $f ]] || continue
		echo "----- ${f##*/} (last 40 lines)"
		tail -n 40 "$f"
	done
}

# topo_down: kill every recorded process, delete both namespaces (and with them the veth and the
# rules), remove the per-namespace resolv.conf and the temp dir. Idempotent; safe after a partial
# topo_up.
topo_down() {
	local rec name ns
	if [[ -n ${DF_TMP:-} && -d $DF_TMP/pids ]]; then
		# tcpdump first so the capture file is closed, dnsfence before the servers it uses.
		for name in capture dnsfence; do
			df_stop "$name"
		done
		for rec in "$DF_TMP"/pids/*; do
			[[ -f $rec ]] || continue
			df_stop "${rec##*/}"
		done
	fi
	if [[ -n ${DF_TMP:-} && -d $DF_TMP/made ]]; then
		for ns in "${DF_CT:-}" "${DF_WS:-}" "${DF_NET:-}"; do
			[[ -n $ns && -f $DF_TMP/made/netns.$ns ]] || continue
			if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
				ip netns del "$ns" || df_log "could not delete namespace $ns"
			fi
			rm -f "$DF_TMP/made/netns.$ns"
		done
		if [[ -f $DF_TMP/made/etc_netns_ws ]]; then
			rm -f "/etc/netns/$DF_WS/resolv.conf"
			rmdir "/etc/netns/$DF_WS" 2>/dev/null || true
			rm -f "$DF_TMP/made/etc_netns_ws"
		fi
		# /etc/netns itself only if this run made it and it is empty now.
		if [[ -f $DF_TMP/made/etc_netns ]]; then
			rmdir /etc/netns 2>/dev/null || true
			rm -f "$DF_TMP/made/etc_netns"
		fi
	fi
	if [[ -n ${DF_TMP:-} && -d $DF_TMP && $DF_TMP == */dnsfence-test.* ]]; then
		if [[ -n ${DF_KEEP_TMP:-} ]]; then
			df_log "keeping $DF_TMP"
		else
			rm -rf "$DF_TMP"
		fi
	fi
	return 0
}

# ws CMD...: run CMD inside ws.  netcmd CMD...: inside net.  ctcmd CMD...: inside ct.
ws() { ip netns exec "$DF_WS" "$@"; }
netcmd() { ip netns exec "$DF_NET" "$@"; }
ctcmd() { ip netns exec "$DF_CT" "$@"; }

# topo_ws_default_route: ws's default routes point at net, as a host's point at its uplink: a
# packet to any address (a forged reply to 203.0.113.9, say) would then go out on the veth,
# where the capture sees it.
topo_ws_default_route() {
	ws ip -4 route replace default via "$DF_NET4" dev "$DF_VWS" || return 1
	ws ip -6 route replace default via "$DF_NET6" dev "$DF_VWS" || return 1
}

# topo_ct_up: after topo_up, namespace ct behind ws (veth dfc<ID> in ws, dfk<ID> in ct), ws
# forwarding for it (IPv4 and IPv6). Nothing routes ct's addresses back from net: forwarded
# packets would leave ws, and the capture on net's veth would see them, but get no answer.
# topo_down deletes ct with the rest.
topo_ct_up() {
	DF_CT=dfct$DF_ID
	DF_VCTGW=dfc$DF_ID
	DF_VCT=dfk$DF_ID
	export DF_CT DF_VCTGW DF_VCT
	if ip netns list | awk '{print $1}' | grep -qx "$DF_CT"; then
		df_log "namespace $DF_CT already exists (another run with DF_ID=$DF_ID?)"
		return 1
	fi
	topo_netns "$DF_CT" || return 1
	topo_veth "$DF_WS" "$DF_VCTGW" "$DF_CTGW4" "$DF_CTGW6" "$DF_CT" "$DF_VCT" "$DF_CT4" "$DF_CT6" ||
		return 1
	ip -n "$DF_CT" -4 route add default via "$DF_CTGW4" || return 1
	ip -n "$DF_CT" -6 route add default via "$DF_CTGW6" || return 1
	ws sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
	echo "$DF_WS $DF_NET $DF_CT" >"$DF_TMP/namespaces"
}

# ---------------------------------------------------------------------------------------------
# dnsfence

# dnsfence_write_conf FILE: the test configuration.
dnsfence_write_conf() {
	cat >"$1" <<EOF
# dnsfence system-test configuration (generated by tests/lib/netns.bash)
queue $DF_QUEUE
mark $DF_MARK
socks $DF_NET4:$DF_SOCKS_PORT
resolver 127.0.0.1:53
resolver [::1]:53
timeout $DF_TIMEOUT
user $DF_USER
chroot $DF_TMP/chroot
EOF
	# DF_CONF_EXTRA: more lines for the file, one key per line (a suite's own settings)
	[[ -z ${DF_CONF_EXTRA:-} ]] || printf '%s\n' "$DF_CONF_EXTRA" >>"$1"
	mkdir -p "$DF_TMP/chroot"	# empty, root-owned, 0755: what privs_prepare accepts
	chmod 0755 "$DF_TMP/chroot"
	# Readable by others: a leftover of the time the worker re-read the file on SIGHUP as
	# $DF_USER; the parent (root) reads it since privsep. Harmless, and left as it was.
	chmod 0711 "$DF_TMP"
	chmod 0644 "$1"
}

# dnsfence_start [--key value ...]: start the daemon in ws, wait (10 s) for "dnsfence: ready".
# The log is $DF_TMP/dnsfence.log; an earlier log is kept as dnsfence.log.N.
dnsfence_start() {
	local i n
	if [[ ! -x $DNSFENCE ]]; then
		df_log "no dnsfence binary at $DNSFENCE"
		return 1
	fi
	if df_alive dnsfence; then
		df_log "dnsfence already running (pid $(df_pid dnsfence))"
		return 1
	fi
	dnsfence_write_conf "$DF_CONF"
	if [[ -f $DF_TMP/dnsfence.log ]]; then
		n=1
		while [[ -e $DF_TMP/dnsfence.log.$n ]]; do n=$((n + 1)); done
		mv "$DF_TMP/dnsfence.log" "$DF_TMP/dnsfence.log.$n"
	fi
	: >"$DF_TMP/dnsfence.log"
	df_spawn dnsfence "$DF_WS" "$DF_TMP/dnsfence.log" "$DNSFENCE" -d -c "$DF_CONF" "$@"
	for ((i = 0; i < 100; i++)); do
		grep -q 'dnsfence: ready' "$DF_TMP/dnsfence.log" && return 0
		if ! df_alive dnsfence; then
			df_stop dnsfence
			df_log "dnsfence exited before it was ready (status ${DF_STOP_STATUS:-?}); log:"
			sed 's/^/  | /' "$DF_TMP/dnsfence.log" >&2
			return 1
		fi
		sleep 0.1
	done
	df_log "dnsfence did not print 'dnsfence: ready' within 10 s; log:"
	sed 's/^/  | /' "$DF_TMP/dnsfence.log" >&2
	df_stop dnsfence
	return 1
}

# dnsfence_stop [SIGNAL]: stop the daemon; DF_STOP_STATUS holds its exit status if it was our child.
dnsfence_stop() {
	# A worker stopped with SIGSTOP would sit on its parent's QUIT for df_stop's 5 s.
	local w
	if w=$(dnsfence_worker_pid); then kill -CONT "$w" 2>/dev/null || true; fi
	df_stop dnsfence "${1:-TERM}"
}

# dnsfence_worker_pid: the worker, the recorded dnsfence's (the parent's) one child. The worker
# is the process that reads the queue and answers: stop that one to stop the daemon's work.
dnsfence_worker_pid() {
	local p w
	p=$(df_pid dnsfence) || return 1
	w=$(awk '{ print $1 }' "/proc/$p/task/$p/children" 2>/dev/null)
	[[ -n $w ]] && echo "$w"
}

# dnsfence_stats: SIGUSR1, then wait (5 s) for a new "stats latency:" line in the log.
dnsfence_stats() {
	local before i pid
	if ! pid=$(df_pid dnsfence) || ! df_alive dnsfence; then
		df_log "dnsfence is not running"
		return 1
	fi
	before=$(grep -c 'stats latency:' "$DF_TMP/dnsfence.log") || true
	kill -USR1 "$pid"
	for ((i = 0; i < 50; i++)); do
		(($(grep -c 'stats latency:' "$DF_TMP/dnsfence.log" || true) > before)) && return 0
		sleep 0.1
	done
	df_log "no new 'stats latency:' line within 5 s of SIGUSR1; log tail:"
	tail -n 20 "$DF_TMP/dnsfence.log" | sed 's/^/  | /' >&2
	return 1
}

# stat_value NAME [GROUP]: the latest NAME=value in the log, optionally only from
# "stats GROUP:" lines. Prints nothing and fails if absent.
stat_value() {
	local name=$1 group=${2:-} v
	if [[ -n $group ]]; then
		v=$(grep "stats $group:" "$DF_TMP/dnsfence.log" | tail -n 1 |
		    grep -oE "(^|[^A-Za-z0-9_])$name=[0-9]+" | tail -n 1)
	else
		v=$(grep 'stats [a-z]*:' "$DF_TMP/dnsfence.log" |
		    grep -oE "(^|[^A-Za-z0-9_])$name=[0-9]+" | tail -n 1)
	fi
	[[ -n $v ]] || { df_log "no '$name=' in the stats lines"; return 1; }
	echo "${v##*=}"
}

# dnsfence_stats_lines: the latest block of stats lines (one per group).
dnsfence_stats_lines() {
	local g
	for g in capture answers bounds upstream latency; do
		grep "stats $g:" "$DF_TMP/dnsfence.log" | tail -n 1
	done
}

# ---------------------------------------------------------------------------------------------
# Capture on net's side of the veth: everything ws puts on the wire.

# df_tcpdump NAME NS IFACE FILE [FILTER...]: tcpdump on IFACE in NS, writing FILE, recorded as
# process NAME (log $DF_TMP/NAME.log); returns once it is live (10 s bound). df_stop NAME ends it
# and waits, so FILE is complete afterwards.
df_tcpdump() {
	local name=$1 ns=$2 ifc=$3 file=$4 i
	shift 4
	if df_alive "$name"; then
		df_log "$name is already running"
		return 1
	fi
	: >"$DF_TMP/$name.log"
	# -Z root: stay root so the file can be written in the 0700 temp dir.
	df_spawn "$name" "$ns" "$DF_TMP/$name.log" \
	    tcpdump -i "$ifc" -n -U --immediate-mode -Z root -w "$file" "$@"
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$DF_TMP/$name.log" && return 0
		df_alive "$name" || break
		sleep 0.1
	done
	df_log "tcpdump ($name) is not live after 10 s:"
	cat "$DF_TMP/$name.log" >&2
	df_stop "$name"
	return 1
}

# capture_start: tcpdump on net's veth, then the first sentinel.
capture_start() {
	DF_CAP=$(mktemp -p "$DF_TMP" capture.XXXXXX) || return 1
	export DF_CAP
	df_tcpdump capture "$DF_NET" "$DF_VNET" "$DF_CAP" || return 1
	_capture_sentinel 1
}

# The sentinels: a TCP connection attempt from ws to a closed port of net (the SYN, and net's
# RST). TCP crosses the fence whatever it drops (ICMP echo does not), and net answers a closed
# port with a reset, so each sentinel is one SYN and over in a round trip.
DF_SENTINEL_PORT=${DF_SENTINEL_PORT:-7}

# _capture_sentinel N: one sentinel (bash's /dev/tcp: no tool needed), then wait until the capture
# holds N sentinel SYNs (5 s bound).
_capture_sentinel() {
	local want=$1 i
	# shellcheck disable=SC2016 # expanded by the inner bash
	if ws timeout 3 bash -c 'exec 9<>"/dev/tcp/$1/$2"' sentinel "$DF_NET4" "$DF_SENTINEL_PORT" \
	    >/dev/null 2>&1; then
		df_log "sentinel $want: port $DF_SENTINEL_PORT of $DF_NET4 accepted a connection" \
		    "(continuing; the capture decides)"
	fi
	for ((i = 0; i < 50; i++)); do
		(($(capture_sentinels) >= want)) && return 0
		sleep 0.1
	done
	df_log "sentinel $want not seen in the capture within 5 s"
	return 1
}

# capture_stop: second sentinel, then stop tcpdump. Fails if the sentinel was not seen.
capture_stop() {
	local rc=0
	_capture_sentinel 2 || rc=1
	df_stop capture
	return $rc
}

_capture_count() {
	[[ -s ${DF_CAP:-} ]] || { echo 0; return 0; }
	tcpdump -r "$DF_CAP" -n "$@" 2>/dev/null | wc -l
}

# capture_sentinels: sentinel SYNs ws -> net (2 for a capture that was live throughout).
capture_sentinels() {
	_capture_count "tcp dst port $DF_SENTINEL_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
	    "and src host $DF_WS4 and dst host $DF_NET4"
}

# capture_udp_count: UDP packets on the wire, any direction, v4 or v6.
capture_udp_count() { _capture_count 'udp or (ip6 and ip6[6] == 17)'; }

# Link noise that is not traffic from any client: ARP, IPv6 neighbour discovery and MLD/router
# solicitation (multicast, or ND types 133-137 without extension headers).
DF_LINK_NOISE='arp or (ip6 and ip6 multicast) or (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)'
# The sentinels themselves: TCP to or from the sentinel port (the SYN and the RST). No addresses
# in it: a file may set DF_WS4 and DF_NET4 after loading this one. Anything else, ICMP included
# (e.g. a port unreachable quoting a query), counts.
DF_SENTINELS="(tcp port $DF_SENTINEL_PORT)"

# capture_non_socks_count: packets other than TCP to/from the SOCKS port, the sentinels and
# link noise.
capture_non_socks_count() {
	_capture_count "not (tcp port $DF_SOCKS_PORT) and not $DF_SENTINELS and not ($DF_LINK_NOISE)"
}

# capture_socks_count: TCP packets to or from the SOCKS port.
capture_socks_count() { _capture_count "tcp port $DF_SOCKS_PORT"; }

# capture_summary [N] [FILTER]: the first N packets, one short line each (default 6, all packets).
capture_summary() {
	local n=${1:-6}
	shift || true
	[[ -s ${DF_CAP:-} ]] || return 0
	tcpdump -r "$DF_CAP" -n -q -ttttt "$@" 2>/dev/null | head -n "$n"
}

# capture_assert_clean: 2 sentinels, 0 UDP, 0 non-SOCKS packets; prints the counts.
capture_assert_clean() {
	local s u o
	s=$(capture_sentinels)
	u=$(capture_udp_count)
	o=$(capture_non_socks_count)
	echo "capture: sentinels=$s udp=$u non_socks=$o socks_tcp=$(capture_socks_count)"
	if ((s != 2 || u != 0 || o != 0)); then
		echo "capture is not clean; packets that are not SOCKS TCP:"
		_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE)"
		return 1
	fi
}

_capture_count_show() { tcpdump -r "$DF_CAP" -n "$@" 2>/dev/null | head -n 20; }

# ---------------------------------------------------------------------------------------------
# Gateway topology (tests/system/gateway.bats, tests/demo.sh): ws as a Whonix-style gateway with
# workstations behind it, and net as the outside world.
#
#   cl1 (dfcla<ID>) eth0 10.152.152.11 fd19:c33d:88bc::11 --+
#   cl2 (dfclb<ID>) eth0 10.152.152.12 fd19:c33d:88bc::12 --+-- bridge eth1 in ws (the internal
#                                                                interface), 10.152.152.10,
#                                                                fd19:c33d:88bc::10
#   ws's uplink dfw<ID> 198.51.100.1 -- net dfn<ID> 198.51.100.2, as topo_up made them.
#
# The addresses and the interface name are Whonix's, so that docs/gateway.md can say exactly
# what the tests run. Interface names are per namespace: ws's eth1 is not the host's. Each
# workstation's default routes point at the gateway, and net routes the internal prefixes back
# to ws, so a packet ws forwarded would be answered (and a client's TCP sentinel is reset).
# topo_gw_down removes the workstations, then calls topo_down.

DF_GWIF=${DF_GWIF:-eth1}
DF_GW4=10.152.152.10
DF_GW6=fd19:c33d:88bc::10
DF_GWNET4=10.152.152.0/24
DF_GWNET6=fd19:c33d:88bc::/64
DF_CL1_4=10.152.152.11
DF_CL1_6=fd19:c33d:88bc::11
DF_CL2_4=10.152.152.12
DF_CL2_6=fd19:c33d:88bc::12
DF_CL_RESOLVER=${DF_CL_RESOLVER:-192.0.2.53}	# the workstations' resolv.conf: any address works
DF_NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)	# an unprivileged user
export DF_GWIF DF_GW4 DF_GW6 DF_GWNET4 DF_GWNET6 DF_CL1_4 DF_CL1_6 DF_CL2_4 DF_CL2_6

# topo_gw_up [N] [FORWARD]: after topo_up, N workstations (1 or 2, default 2) behind ws's eth1;
# FORWARD (1, the default, or 0) sets ws's IPv4 and IPv6 forwarding.
topo_gw_up() {
	local n=${1:-2} fwd=${2:-1} i ns addr4 addr6 port
	DF_CL1=dfcla$DF_ID
	DF_CL2=dfclb$DF_ID
	export DF_CL1 DF_CL2
	for ((i = 1; i <= n; i++)); do
		ns=DF_CL$i
		if ip netns list | awk '{print $1}' | grep -qx "${!ns}"; then
			df_log "namespace ${!ns} already exists (another run with DF_ID=$DF_ID?)"
			return 1
		fi
	done
	ws ip link add "$DF_GWIF" type bridge forward_delay 0 stp_state 0 || return 1
	ws ip addr add "$DF_GW4/24" dev "$DF_GWIF" || return 1
	ws ip addr add "$DF_GW6/64" dev "$DF_GWIF" nodad || return 1
	ws ip link set "$DF_GWIF" up || return 1
	for ((i = 1; i <= n; i++)); do
		ns=DF_CL$i addr4=DF_CL${i}_4 addr6=DF_CL${i}_6 port=dfp$i$DF_ID
		ns=${!ns}
		topo_netns "$ns" || return 1
		echo "$ns" >>"$DF_TMP/gw-clients"
		ws ip link add "$port" type veth peer name eth0 netns "$ns" || return 1
		ws ip link set "$port" master "$DF_GWIF" up || return 1
		ip -n "$ns" addr add "${!addr4}/24" dev eth0 || return 1
		ip -n "$ns" addr add "${!addr6}/64" dev eth0 nodad || return 1
		ip -n "$ns" link set eth0 up || return 1
		ip -n "$ns" -4 route add default via "$DF_GW4" || return 1
		ip -n "$ns" -6 route add default via "$DF_GW6" || return 1
		# libc's resolver in the workstation (getent) asks an address nobody has: dnsfence
		# answers whatever address a workstation asks.
		mkdir "/etc/netns/$ns" || return 1
		: >"$DF_TMP/made/etc_netns_$ns"
		printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DF_CL_RESOLVER" \
		    >"/etc/netns/$ns/resolv.conf"
	done
	ws sysctl -qw net.ipv4.ip_forward="$fwd" net.ipv6.conf.all.forwarding="$fwd" >/dev/null ||
		return 1
	netcmd ip -4 route add "$DF_GWNET4" via "$DF_WS4" || return 1
	netcmd ip -6 route add "$DF_GWNET6" via "$DF_WS6" || return 1
	echo "$DF_WS $DF_NET $(tr '\n' ' ' <"$DF_TMP/gw-clients")" >"$DF_TMP/namespaces"
}

# topo_gw_down: remove the workstations (namespaces and resolv.conf files), then topo_down.
topo_gw_down() {
	local ns
	if [[ -n ${DF_TMP:-} && -f $DF_TMP/gw-clients ]]; then
		while read -r ns; do
			[[ -n $ns ]] || continue
			if [[ -f $DF_TMP/made/netns.$ns ]] &&
			    ip netns list | awk '{print $1}' | grep -qx "$ns"; then
				ip netns del "$ns" || df_log "could not delete namespace $ns"
			fi
			rm -f "$DF_TMP/made/netns.$ns"
			if [[ -f $DF_TMP/made/etc_netns_$ns ]]; then
				rm -f "/etc/netns/$ns/resolv.conf"
				rmdir "/etc/netns/$ns" 2>/dev/null || true
				rm -f "$DF_TMP/made/etc_netns_$ns"
			fi
		done <"$DF_TMP/gw-clients"
		rm -f "$DF_TMP/gw-clients"
	fi
	topo_down
}

# cl N CMD...: run CMD as root in workstation N.  clnobody N CMD...: as uid 65534 there.
cl() {
	local ns=DF_CL$1
	shift
	ip netns exec "${!ns}" "$@"
}
clnobody() {
	local ns=DF_CL$1
	shift
	ip netns exec "${!ns}" "${DF_NOBODY[@]}" "$@"
}

# topo_gw_load_rules [OPTION...]: the project's loader in gateway mode in ws (iptables), in
# place of the two capture rules topo_up added; OPTIONs go to the loader.
topo_gw_load_rules() {
	local ipt
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -t raw -D OUTPUT -m mark --mark "$DF_MARK" -j NOTRACK 2>/dev/null || true
		ws "$ipt" -w -t mangle -D OUTPUT -p udp --dport 53 -m mark ! --mark "$DF_MARK" \
		    -j NFQUEUE --queue-num "$DF_QUEUE" 2>/dev/null || true
	done
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" load --backend iptables --mode gateway \
	    --internal "$DF_GWIF" --queue "$DF_QUEUE" --mark "$DF_MARK" "$@"
}

# gw_capture_start / gw_capture_stop: capture_start and capture_stop with sentinels that a
# workstation sends (TCP SYNs from cl1 to a closed port of net, which ws forwards): they show
# that what ws forwards from its workstations is on the captured wire. Needs forwarding on.
gw_capture_start() {
	DF_CAP=$(mktemp -p "$DF_TMP" capture.XXXXXX) || return 1
	export DF_CAP
	df_tcpdump capture "$DF_NET" "$DF_VNET" "$DF_CAP" || return 1
	_gw_capture_sentinel 1
}

gw_capture_stop() {
	local rc=0
	_gw_capture_sentinel 2 || rc=1
	df_stop capture
	return $rc
}

_gw_capture_sentinel() {
	local want=$1 i
	# shellcheck disable=SC2016 # expanded by the inner bash
	cl 1 timeout 3 bash -c 'exec 9<>"/dev/tcp/$1/$2"' sentinel "$DF_NET4" "$DF_SENTINEL_PORT" \
	    >/dev/null 2>&1 || true
	for ((i = 0; i < 50; i++)); do
		(($(gw_capture_sentinels) >= want)) && return 0
		sleep 0.1
	done
	df_log "workstation sentinel $want not seen in the capture within 5 s"
	return 1
}

# gw_capture_sentinels: sentinel SYNs cl1 -> net (2 for a capture that was live throughout).
gw_capture_sentinels() {
	_capture_count "tcp dst port $DF_SENTINEL_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
	    "and src host $DF_CL1_4 and dst host $DF_NET4"
}
