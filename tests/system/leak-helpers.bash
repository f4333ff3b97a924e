# shellcheck shell=bash
# leak-helpers.bash: the leak matrix (tests/system/leak-matrix.bats), whose topology and clients
# tests/system/leak-holes.bats uses too. Loaded after tests/lib/netns.bash and helpers.bash.
#
# A cell is (state, client). For each one: put dnsfence in STATE (once per state group), start a
# capture on net's veth (sentinel before), run CLIENT, stop the capture (sentinel after), and
# assert 2 sentinels, 0 UDP, 0 packets other than SOCKS TCP and the sentinels, and the expected
# outcome. Where the outcome alone proves too little, the cell also checks that the counter that
# stands for it grew: the ruleset's (those `dnsfence-firewall status` prints) or dnsfence's
# (SIGUSR1). Every cell is recorded in $BATS_FILE_TMPDIR/leak-cells for the final table.
#
# Outcomes: answered, servfail (a reply from the server asked), timeout (nothing came back),
# reset (TCP refused), blocked (the sender got EPERM: the kernel put nothing on the wire),
# dropped (sent, nothing came back, and the ruleset counted the drop: what a forwarded client or
# an ICMPv6 datagram socket sees), noreply (a probe that must get no reply got none), wrong,
# other; dfprobe's errno names (ENETUNREACH, ...) stand for themselves.
#
# The ruleset under test is the project's own (src/dnsfence-firewall.sh, iptables backend), not
# the minimal capture rules topo_up installs: those are deleted first. ws gets default routes
# towards net (a forged packet to any address would cross the veth) and a namespace ct behind
# it, for the forwarded clients (fwd-*).

LEAK_PY=${LEAK_PY:-$DF_REPO/tests/system/leak-clients.py}
LEAK_T=${LEAK_T:-2}			# client timeout, seconds (dig +time, glibc timeout:, ...)
LEAK_REUSE_T=${LEAK_REUSE_T:-1}		# per query of the 5 on one socket (answers take ms)
LEAK_FLOOD=${LEAK_FLOOD:-5000}		# queries thrown at a stopped dnsfence
LEAK_QMAXLEN=${LEAK_QMAXLEN:-64}	# its queue-maxlen in that state
LEAK_MAXPENDING=${LEAK_MAXPENDING:-4}
LEAK_SERVFAIL_TIMEOUT=${LEAK_SERVFAIL_TIMEOUT:-1500ms}	# dnsfence --timeout where SERVFAIL is due
LEAK_PROBE=${DF_PROBE:-$DF_REPO/build/dfprobe}	# tests/tools/dfprobe.c
LEAK_PROBE_MS=${LEAK_PROBE_MS:-700}	# dfprobe's wait for a reply that must not come (a wrong
					# answer would come in milliseconds, as a right one does)
LEAK_SHORT_T=${LEAK_SHORT_T:-1}		# dig timeout where every outcome but timeout is quick
LEAK_NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)	# an unprivileged local user
LEAK_BG=()				# _leak_bg jobs

# Table order: columns and rows.
LEAK_STATES=(running never-started sigstopped-flood killed-9 socks-down resolver-down
    max-pending-exhausted)
LEAK_CLIENTS=(dig-udp4 dig-udp6 kdig-udp4 kdig-udp6 dig-tcp4 dig-tcp6 getent nslookup
    python-sendto reuse-socket4 reuse-socket6 close-early4 close-early6
    udp-mdns-5353 udp-llmnr-5355 udp-ntp-123 udp-quic-443
    freebind4 freebind6 udplite4 udplite6 sctp4 rawproto4 ping4 ping6 icmp-error4 icmp-error6
    reject-icmp4 reject-icmp6
    fwd-dig4 fwd-dig6 fwd-udp-other fwd-udplite fwd-tcp53 fwd-spoofed)

leak_log() { printf 'leak: %s\n' "$*"; }

# leak_expected STATE CLIENT: the outcome the project promises.
leak_expected() {
	local state=$1 client=$2
	case $client in
	udp-* | udplite* | sctp4 | rawproto4 | ping4 | icmp-error*) echo blocked; return ;;
	# The kernel does not tell an ICMPv6 datagram socket, nor a forwarded client, of the drop.
	ping6 | fwd-udp-other | fwd-udplite | fwd-tcp53) echo dropped; return ;;
	freebind* | fwd-spoofed) echo noreply; return ;;
	reject-icmp*) echo timeout; return ;;
	esac
	case $state in
	running) echo answered ;;
	# Nothing bound to the queue: the kernel drops UDP; nothing listens on the TCP port: reset.
	never-started | killed-9) if [[ $client == dig-tcp* ]]; then echo reset; else echo timeout; fi ;;
	# Queue full: the kernel drops; the TCP listener still completes handshakes: timeout.
	sigstopped-flood) echo timeout ;;
	socks-down | resolver-down | max-pending-exhausted) echo servfail ;;
	*) echo "?" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Set-up

# leak_setup_file: after topo_up. The project's ruleset in place of topo_up's two capture rules.
leak_setup_file() {
	local ipt t out
	if [[ ! -x $LEAK_PROBE ]]; then
		echo "no dfprobe at $LEAK_PROBE: build it first (make $LEAK_PROBE)"
		return 1
	fi
	topo_ct_up || return 1
	topo_ws_default_route || return 1
	# As on Debian, where every group may open an ICMP datagram socket: uid 65534 pings.
	ws sysctl -qw net.ipv4.ping_group_range="65534 65534" >/dev/null || return 1
	# Deterministic ICMP: the kernel's per-destination rate limit would hide the port-unreachable
	# the close-early cell must see being dropped. ws only, and ws is deleted at the end.
	ws sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 >/dev/null || return 1
	ws sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 >/dev/null 2>&1 || true
	# Exactly the two rules topo_up added (tests/lib/netns.bash, _topo_up_steps).
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -t raw -D OUTPUT -m mark --mark "$DF_MARK" -j NOTRACK ||
			leak_log "$ipt raw: topo_up's NOTRACK rule was not there"
		ws "$ipt" -w -t mangle -D OUTPUT -p udp --dport 53 -m mark ! --mark "$DF_MARK" \
		    -j NFQUEUE --queue-num "$DF_QUEUE" ||
			leak_log "$ipt mangle: topo_up's NFQUEUE rule was not there"
		# Whatever topo_up does, the ruleset under test must be the only one.
		for t in raw mangle nat filter; do
			out=$(ws "$ipt" -w -t "$t" -S OUTPUT | grep -v '^-P ') || true
			if [[ -n $out ]]; then
				echo "ws $ipt -t $t OUTPUT is not empty before the ruleset is loaded:"
				echo "$out"
				return 1
			fi
		done
	done
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" load --backend iptables --queue "$DF_QUEUE" \
	    --mark "$DF_MARK" || return 1
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" status --backend iptables --queue "$DF_QUEUE" ||
		return 1
	: >"$BATS_FILE_TMPDIR/leak-cells"
	echo none >"$DF_TMP/leak-state"
}

# leak_teardown: after each test. A failed reject-icmp cell must not leave its rule behind.
leak_teardown() {
	[[ -n ${DF_WS:-} && -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	_leak_reject_rule 4 -D 2>/dev/null || true
	_leak_reject_rule 6 -D 2>/dev/null || true
}

# leak_file_up / leak_file_down: setup_file and teardown_file of the files that use this
# topology (leak-matrix.bats, leak-holes.bats).
leak_file_up() {
	df_setup_file_common
	leak_setup_file || {
		leak_teardown_file
		topo_down
		return 1
	}
}

leak_file_down() {
	leak_teardown_file
	topo_down
}

leak_teardown_file() {
	[[ -n ${DF_TMP:-} && -d $DF_TMP/pids ]] || return 0
	df_stop loop
	df_stop blackhole
	# A stopped dnsfence would sit on SIGTERM for df_stop's 5 s.
	if df_alive dnsfence; then kill -CONT "$(dnsfence_worker_pid)" 2>/dev/null || true; fi
	if [[ -n ${DF_WS:-} ]] && ip netns list | awk '{print $1}' | grep -qx "$DF_WS"; then
		ws sh "$DF_REPO/src/dnsfence-firewall.sh" unload --backend iptables >/dev/null 2>&1 || true
	fi
}

# ---------------------------------------------------------------------------------------------
# Probes of the state

# leak_queue_line: the kernel's line for our queue in ws (empty: nobody is bound).
# Fields: queue portid waiting copy_mode copy_range queue_dropped user_dropped id_seq 1
leak_queue_line() {
	ws cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null | awk -v q="$DF_QUEUE" '$1 == q'
}

# leak_proc_state NAME: the one-letter state of the recorded process (R, S, T, ...).
leak_proc_state() {
	local pid stat
	if [[ $1 == worker ]]; then
		pid=$(dnsfence_worker_pid) || return 1
	else
		pid=$(df_pid "$1") || return 1
	fi
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# leak_dnsfence_live: dnsfence runs and is not stopped (it can answer SIGUSR1).
leak_dnsfence_live() {
	df_alive dnsfence && [[ $(leak_proc_state worker) != [Tt] ]]
}

# leak_stat NAME GROUP: a fresh counter from dnsfence (SIGUSR1), or "-" if it cannot be asked.
leak_stat() {
	if leak_dnsfence_live && dnsfence_stats >/dev/null 2>&1; then
		stat_value "$1" "$2" 2>/dev/null || echo -
	else
		echo -
	fi
}

# leak_fence_counters: the ruleset's counters, one "ipv4.NAME=N" or "ipv6.NAME=N" a line, NAME
# one of those `dnsfence-firewall status` prints (queued, udp_dropped, proto_dropped,
# icmp_dropped, marked_dropped, fwd_queued, fwd_dropped). Read from iptables-save -c by the rules'
# comments, as status does, because status takes ten times as long; the control test checks
# that both say the same.
leak_fence_counters() {
	local f
	for f in 4 6; do
		ws "$(if [[ $f == 4 ]]; then echo iptables; else echo ip6tables; fi)-save" -c |
		    awk -v fam="ipv$f" '
			BEGIN {
				n = split("UDP DNS to the daemon=queued|all other UDP=udp_dropped|" \
				    "other protocols=proto_dropped|ICMP errors and echo=icmp_dropped|" \
				    "marked packet off its path=marked_dropped|" \
				    "forwarded UDP DNS to the daemon=fwd_queued|" \
				    "forwarded TCP DNS=fwd_dropped|forwarded non-TCP=fwd_dropped", m, "|")
				for (i = 1; i <= n; i++) {
					split(m[i], kv, "=")
					name[kv[1]] = kv[2]
					if (!(kv[2] in sum)) { sum[kv[2]] = 0; order[++k] = kv[2] }
				}
			}
			/^\[[0-9]+:[0-9]+\] -A DNSFENCE_/ && match($0, /--comment "dnsfence: [^"]*"/) {
				c = substr($0, RSTART + 21, RLENGTH - 22)
				split(substr($1, 2), pk, ":")
				if (c in name) sum[name[c]] += pk[1]
			}
			END { for (i = 1; i <= k; i++) print fam "." order[i] "=" sum[order[i]] }'
	done
}

# leak_status_counters: the same from `dnsfence-firewall status` itself.
leak_status_counters() {
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" status --backend iptables --queue "$DF_QUEUE" \
	    2>&1 | awk '$1 == "ipv4:" || $1 == "ipv6:" {
		for (i = 2; i <= NF; i++) if ($i ~ /^[a-z_]+=[0-9]+$/) print substr($1, 1, 4) "." $i }'
}

# _leak_sum KEY...: the sum of KEY=N lines on stdin for every KEY, or "?" if one is missing.
_leak_sum() {
	awk -v keys="$*" 'BEGIN { n = split(keys, k, " ") }
		{ i = index($0, "="); v[substr($0, 1, i - 1)] = substr($0, i + 1) }
		END {
			for (j = 1; j <= n; j++) { if (!(k[j] in v)) { print "?"; exit } s += v[k[j]] }
			print s + 0
		}'
}

# leak_icmp_drops [4|6]: ICMP the ruleset dropped so far (default: both families).
leak_icmp_drops() {
	local keys="ipv4.icmp_dropped ipv6.icmp_dropped"
	[[ -z ${1:-} ]] || keys=ipv$1.icmp_dropped
	# shellcheck disable=SC2086 # keys are words
	leak_fence_counters | _leak_sum $keys
}

# Counter snapshots around a cell: the ruleset's counters, and with "daemon" dnsfence's as
# "daemon.NAME=N" when it can answer SIGUSR1. The ruleset's are read in the background while
# the capture starts and stops (the sentinels are TCP, which no counter counts).
_leak_snap_begin() {	# FILE
	leak_fence_counters >"$1.fence" 3>&- &
	LEAK_SNAP_PID=$!
}

_leak_snap_end() {	# FILE [daemon]
	local n v
	wait "$LEAK_SNAP_PID" || true
	{
		cat "$1.fence"
		if [[ ${2:-} == daemon ]] && leak_dnsfence_live && dnsfence_stats >/dev/null 2>&1; then
			for n in capture:spoofed capture:forwarded answers:answered answers:servfail; do
				v=$(stat_value "${n#*:}" "${n%%:*}" 2>/dev/null) && echo "daemon.${n#*:}=$v"
			done
		fi
	} >"$1"
	rm -f "$1.fence"
}

# _leak_delta BEFORE AFTER KEY...: how much the sum of the KEYs grew between two snapshots, or
# "?" when one of them lacks a key.
_leak_delta() {
	local a b
	a=$(_leak_sum "${@:3}" <"$1")
	b=$(_leak_sum "${@:3}" <"$2")
	if [[ $a == "?" || $b == "?" ]]; then echo "?"; else echo $((b - a)); fi
}

# _leak_grew BEFORE AFTER MIN KEY...: the KEYs grew by MIN or more.
_leak_grew() {
	local d
	d=$(_leak_delta "$1" "$2" "${@:4}")
	[[ $d != "?" ]] && ((d >= $3))
}

# leak_udp53_conntrack PORT: conntrack entries in ws for UDP between PORT and port 53 (NOTRACK
# and the DROP verdict must leave none; one would let the next query on that 5-tuple match
# ESTABLISHED).
leak_udp53_conntrack() {
	ws cat /proc/net/nf_conntrack 2>/dev/null | grep -E '^ipv[46] +[0-9]+ udp ' |
	    grep -E "sport=53 dport=$1 |sport=$1 dport=53 " || true
}

# leak_wait_for CMD...: retry CMD for up to 10 s (every 0.1 s).
leak_wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------------------------
# States

# leak_baseline: undo any state: no load generators, no fake SOCKS, dnsfence stopped (also if it
# was SIGSTOPped), unbound and microsocks up.
leak_baseline() {
	df_stop loop
	if df_alive dnsfence; then
		kill -CONT "$(dnsfence_worker_pid)" 2>/dev/null || true
		dnsfence_stop
	fi
	df_stop dnsfence
	df_stop blackhole
	if ! df_alive unbound; then
		df_stop unbound
		df_spawn unbound "$DF_NET" "$DF_TMP/unbound.log" unbound -d -c "$DF_TMP/unbound.conf"
		topo_wait_unbound || return 1
	fi
	if ! df_alive microsocks; then
		df_stop microsocks
		microsocks_start || return 1
	fi
	DF_TIMEOUT=$LEAK_SERVFAIL_TIMEOUT
	export DF_TIMEOUT
}

# leak_warmup: dnsfence answers (not captured; proves the state began from a working daemon).
leak_warmup() {
	local out
	out=$(timeout 15 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=3 a.test A 2>&1) || true
	[[ $out == *"status: NOERROR,"* ]] || {
		echo "warm-up query not answered:"
		echo "$out"
		return 1
	}
}

_leak_pending_full() {
	local p
	p=$(leak_stat pending bounds)
	[[ $p == "$LEAK_MAXPENDING" ]]
}

# leak_fill_pending: top the pending table up to max-pending with queries nobody will answer.
# The state lives longer than one fill (a column of cells outlasts the 60 s timeout), so entries
# may expire between reading the count and checking it: read, top up, check, up to 3 times.
leak_fill_pending() {
	local p try
	for try in 1 2 3; do
		p=$(leak_stat pending bounds)
		[[ $p =~ ^[0-9]+$ ]] || { echo "cannot read dnsfence's pending count"; return 1; }
		if ((p < LEAK_MAXPENDING)); then
			ws "$DF_PYTHON" "$LEAK_PY" fill "$DF_NET4" $((LEAK_MAXPENDING - p)) \
			    --prefix "f$RANDOM-"
		fi
		leak_wait_for _leak_pending_full && return 0
		leak_log "pending table not full after fill $try (pending=$(leak_stat pending bounds))"
	done
	echo "pending table not full (pending=$(leak_stat pending bounds), want $LEAK_MAXPENDING)"
	return 1
}

# _leak_fresh_fill: dnsfence with a 60 s timeout and a full pending table, and when it was filled.
_leak_fresh_fill() {
	DF_TIMEOUT=60s dnsfence_start --max-pending "$LEAK_MAXPENDING" || return 1
	date +%s >"$DF_TMP/leak-fill-time"
	leak_fill_pending
}

_leak_blackhole_ready() { grep -q 'blackhole-socks: listening' "$DF_TMP/blackhole.log" 2>/dev/null; }
_leak_stopped() { [[ $(leak_proc_state worker) == [Tt] ]]; }
_leak_loop_busy() {
	local c
	c=$(leak_stat captured capture)
	[[ $c =~ ^[0-9]+$ ]] && ((c >= 200))
}

# leak_enter STATE: put the topology in STATE, once per state group (recorded in leak-state).
leak_enter() {
	local want=$1 cur
	cur=$(cat "$DF_TMP/leak-state")
	[[ $cur == "$want" ]] && return 0
	if [[ $cur == "failed:$want" ]]; then
		echo "state $want could not be set up (see the first test of the group)"
		return 1
	fi
	echo "failed:$want" >"$DF_TMP/leak-state"
	leak_log "entering state $want (from $cur)"
	leak_baseline || return 1
	case $want in
	never-started)
		;;
	running)
		dnsfence_start || return 1
		leak_warmup || return 1
		;;
	sigstopped-flood)
		dnsfence_start --queue-maxlen "$LEAK_QMAXLEN" || return 1
		leak_warmup || return 1
		kill -STOP "$(dnsfence_worker_pid)"
		leak_wait_for _leak_stopped || { echo "dnsfence did not stop"; return 1; }
		timeout 60 ip netns exec "$DF_WS" "$DF_PYTHON" "$LEAK_PY" flood "$DF_NET4" "$LEAK_FLOOD" ||
			return 1
		leak_log "queue after the flood: $(leak_queue_line)"
		;;
	killed-9)
		dnsfence_start || return 1
		leak_warmup || return 1
		df_spawn loop "$DF_WS" "$DF_TMP/loop.log" "$DF_PYTHON" -u "$LEAK_PY" loop "$DF_NET4" \
		    --interval 0.05
		leak_wait_for _leak_loop_busy || { echo "the query loop did not get going"; return 1; }
		leak_log "under load: $(grep 'stats capture:' "$DF_TMP/dnsfence.log" | tail -n 1)"
		dnsfence_stop KILL
		leak_log "dnsfence killed, exit status ${DF_STOP_STATUS:-unknown (not our child)}"
		if [[ -n $DF_STOP_STATUS && $DF_STOP_STATUS != 137 ]]; then
			echo "dnsfence exited $DF_STOP_STATUS, not 137 (SIGKILL)"
			return 1
		fi
		sleep 0.5	# the loop goes on asking a queue nobody reads
		df_stop loop
		;;
	socks-down)
		dnsfence_start || return 1
		leak_warmup || return 1
		microsocks_stop
		;;
	resolver-down)
		dnsfence_start || return 1
		leak_warmup || return 1
		df_stop unbound
		;;
	max-pending-exhausted)
		# A SOCKS server that completes CONNECT and then never answers: queries sit in flight
		# until their deadline (60 s here), so max-pending of them fill the table.
		microsocks_stop
		df_spawn blackhole "$DF_NET" "$DF_TMP/blackhole.log" "$DF_PYTHON" -u "$LEAK_PY" \
		    blackhole-socks "$DF_NET4" "$DF_SOCKS_PORT"
		leak_wait_for _leak_blackhole_ready || { echo "blackhole SOCKS not listening"; return 1; }
		_leak_fresh_fill || return 1
		;;
	*)
		echo "unknown state $want"
		return 1
		;;
	esac
	echo "$want" >"$DF_TMP/leak-state"
}

# leak_check_state STATE: the state still holds, right before a cell's client runs.
leak_check_state() {
	local q
	case $1 in
	never-started | killed-9)
		! df_alive dnsfence || { echo "dnsfence is running"; return 1; }
		q=$(leak_queue_line)
		[[ -z $q ]] || { echo "someone is bound to queue $DF_QUEUE: $q"; return 1; }
		;;
	running)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		;;
	sigstopped-flood)
		df_alive dnsfence || { echo "dnsfence died"; return 1; }
		_leak_stopped || { echo "dnsfence is not stopped"; return 1; }
		q=$(leak_queue_line)
		# shellcheck disable=SC2086
		set -- $q
		[[ ${3:-} == "$LEAK_QMAXLEN" && ${6:-0} -gt 0 ]] || {
			echo "queue not full: '$q' (want waiting=$LEAK_QMAXLEN, queue_dropped > 0)"
			return 1
		}
		;;
	socks-down)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		! df_alive microsocks || { echo "microsocks is running"; return 1; }
		;;
	resolver-down)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		! df_alive unbound || { echo "unbound is running"; return 1; }
		;;
	max-pending-exhausted)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		df_alive blackhole || { echo "the blackhole SOCKS server died"; return 1; }
		# The fill's queries expire 60 s after they were sent, and a column of cells takes
		# longer: past 40 s, a fresh daemon and fill, so none expires during a cell.
		if (($(date +%s) - $(cat "$DF_TMP/leak-fill-time") > 40)); then
			echo "# the fill is over 40 s old: a fresh daemon and fill" >&3
			dnsfence_stop
			_leak_fresh_fill || return 1
		fi
		leak_fill_pending || return 1
		;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Clients. Each prints what the client printed, then "outcome=WORD" as its last line.

# _leak_word_dig OUTPUT SERVER TYPE RDATA: dig's output -> outcome.
_leak_word_dig() {
	local out=$1 server=$2 type=$3 rdata=$4
	if [[ $out =~ status:\ (NOERROR|NXDOMAIN|SERVFAIL), ]]; then
		if [[ $out != *";; SERVER: $server#53($server)"* ]]; then
			echo wrong
		elif [[ ${BASH_REMATCH[1]} == SERVFAIL ]]; then
			echo servfail
		elif printf '%s\n' "$out" | awk -v t="$type" -v r="$rdata" '
		    $0 !~ /^;/ && $3 == "IN" && $4 == t && $5 == r { f = 1 } END { exit !f }'; then
			echo answered
		else
			echo wrong
		fi
	elif [[ $out == *"connection refused"* || $out == *"connection reset"* ||
	    $out == *"end of file"* ]]; then
		echo reset
	elif [[ $out == *"timed out"* || $out == *"no servers could be reached"* ]]; then
		echo timeout
	else
		echo other
	fi
}

# _leak_dig SERVER TYPE RDATA [dig options]: from ws, or from the namespace in LEAK_IN.
_leak_dig() {
	local server=$1 type=$2 rdata=$3 out
	shift 3
	out=$(timeout 20 ip netns exec "${LEAK_IN:-$DF_WS}" dig "@$server" +tries=1 +time="$LEAK_T" \
	    "$@" a.test "$type" 2>&1) || true
	printf '%s\n' "$out"
	echo "outcome=$(_leak_word_dig "$out" "$server" "$type" "$rdata")"
}

_leak_kdig() {	# server type rdata
	local server=$1 type=$2 rdata=$3 out word
	out=$(timeout 20 ip netns exec "$DF_WS" kdig "@$server" +notcp +retry=0 \
	    +timeout="$LEAK_T" a.test "$type" 2>&1) || true
	printf '%s\n' "$out"
	if [[ $out =~ status:\ (NOERROR|NXDOMAIN|SERVFAIL)\; ]]; then
		if [[ ${out,,} != *"from ${server,,}@53(udp)"* ]]; then
			word=wrong
		elif [[ ${BASH_REMATCH[1]} == SERVFAIL ]]; then
			word=servfail
		elif printf '%s\n' "$out" | awk -v t="$type" -v r="$rdata" '
		    $0 !~ /^;/ && $3 == "IN" && $4 == t && $5 == r { f = 1 } END { exit !f }'; then
			word=answered
		else
			word=wrong
		fi
	elif [[ $out == *"can't send query"* ]]; then
		word=blocked
	elif [[ $out == *"response timeout"* ]]; then
		word=timeout
	elif [[ $out == *"connection refused"* || $out == *"connection reset"* ]]; then
		word=reset
	else
		word=other
	fi
	echo "outcome=$word"
}

# getent says 0 (found) or 2 (not found) and nothing else: a SERVFAIL and a timeout differ in
# time (a SERVFAIL comes at once here) and in dnsfence's servfail counter.
_leak_getent() {
	local out rc=0 t0 t1 ms sf0 sf1 word
	sf0=$(leak_stat servfail answers)
	t0=$(now_ms)
	out=$(timeout 30 ip netns exec "$DF_WS" env RES_OPTIONS="timeout:$LEAK_T attempts:1" \
	    getent hosts a.test 2>&1) || rc=$?
	t1=$(now_ms)
	ms=$((t1 - t0))
	sf1=$(leak_stat servfail answers)
	printf '%s\n' "$out"
	echo "getent: exit $rc after $ms ms; dnsfence servfail counter $sf0 -> $sf1"
	if ((rc == 0)); then
		if [[ $out =~ ^(2001:db8::1|192\.0\.2\.1)[[:space:]]+a\.test ]]; then
			word=answered
		else
			word=wrong
		fi
	elif ((rc == 2 && ms < 1000)); then
		# A fast "not found" is a SERVFAIL only if dnsfence counted one (a refused sendto or
		# a REFUSED would be fast too).
		if [[ $sf0 =~ ^[0-9]+$ && $sf1 =~ ^[0-9]+$ ]] && ((sf1 > sf0)); then
			word=servfail
		else
			word=fast-failure
		fi
	elif ((rc == 2 && ms >= LEAK_T * 1000 - 200)); then
		word=timeout
	else
		word=other
	fi
	echo "outcome=$word"
}

_leak_nslookup() {
	local out word
	out=$(timeout 20 ip netns exec "$DF_WS" nslookup -type=A -timeout="$LEAK_T" -retry=1 \
	    a.test "$DF_NET4" 2>&1) || true
	printf '%s\n' "$out"
	if [[ $out == *"server can't find a.test: SERVFAIL"* ]]; then
		word=servfail
	elif [[ $out == *"Address: 192.0.2.1"* && $out == *"Server:"*"$DF_NET4"* ]]; then
		word=answered
	elif [[ $out == *"connection refused"* ]]; then
		word=reset
	elif [[ $out == *"timed out"* || $out == *"no servers could be reached"* ]]; then
		word=timeout
	else
		word=other
	fi
	echo "outcome=$word"
}

# dnsq.py udp: a hand-built query with a plain sendto(); exit 0 = a reply that matches.
_leak_python_sendto() {
	local out rc=0 word
	out=$(timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" \
	    a.test A --timeout "$LEAK_T" 2>&1) || rc=$?
	printf '%s\n' "$out"
	case $rc in
	0)
		if [[ $out == *" rcode=2 "* ]]; then
			word=servfail
		elif [[ $out == *" rcode=0 "* && $out == *"answers=192.0.2.1" ]]; then
			word=answered
		else
			word=wrong
		fi
		;;
	1) if [[ $out == *PermissionError* ]]; then word=blocked; else word=other; fi ;;
	2) word=timeout ;;
	3) word=wrong ;;
	*) word=other ;;
	esac
	echo "outcome=$word"
}

_leak_py() {	# leak-clients.py arguments
	timeout 60 ip netns exec "$DF_WS" "$DF_PYTHON" "$LEAK_PY" "$@" 2>&1 ||
		echo "outcome=other (leak-clients.py exited $?)"
}

# close-early: send, close, and only then let dnsfence (if it runs) make its reply: it is
# SIGSTOPped around the close, so even an instant SERVFAIL reaches a closed port. The kernel then
# makes an ICMP port-unreachable for the "server", which the ruleset must drop.
_leak_close_early() {	# server type
	local pid
	if leak_dnsfence_live; then
		pid=$(dnsfence_worker_pid)
		kill -STOP "$pid"
		if ! leak_wait_for _leak_stopped; then
			kill -CONT "$pid"
			echo "dnsfence did not stop"
			echo "outcome=other"
			return 0
		fi
		_leak_py close-early "$1" a.test "$2" --wait "$LEAK_T" --resume "$pid"
		kill -CONT "$pid" 2>/dev/null || true	# in case the client did not
	else
		_leak_py close-early "$1" a.test "$2" --wait "$LEAK_T"
	fi
}

# _leak_bg TAG CMD...: run CMD in the background, its output kept for _leak_bg_wait (in a file
# of this shell's own: jobs may start jobs). Every CMD here is bounded by its own timeout.
_leak_bg() {
	local tag=$1 f=$DF_TMP/bg.$BASHPID.$1
	shift
	# shellcheck disable=SC2030,SC2031 # the job starts with no jobs of its own
	(
		LEAK_BG=()
		"$@"
	) >"$f" 2>&1 3>&- &
	# shellcheck disable=SC2031 # this shell's own list
	LEAK_BG+=("$tag:$!")
}

# _leak_bg_wait: wait for the _leak_bg jobs; print their output, each line as "TAG: line". In the
# shell that started them, never in a $(...) subshell (wait only waits for its own children).
_leak_bg_wait() {
	local job tag f
	for job in "${LEAK_BG[@]}"; do
		tag=${job%%:*}
		f=$DF_TMP/bg.$BASHPID.$tag
		wait "${job#*:}" || true
		sed "s/^/$tag: /" "$f"
		rm -f "$f"
	done
	LEAK_BG=()
}

# _leak_words [WORD=AS ...]: the outcome of several results: the common word, or
# "mixed:W1,W2,...". Reads lines "TAG: outcome=WORD" (dig-like jobs) and "TAG: WORD details"
# (dfprobe) on stdin. WORD=AS counts WORD as AS.
_leak_words() {
	awk -v map="$*" '
		BEGIN {
			n = split(map, m, " ")
			for (i = 1; i <= n; i++) { split(m[i], kv, "="); as[kv[1]] = kv[2] }
		}
		$1 ~ /:$/ {
			w = $2
			sub(/^outcome=/, "", w)
			if (w in as) w = as[w]
			words[++c] = w
		}
		END {
			for (i = 1; i <= c; i++) {
				all = all (i > 1 ? "," : "") words[i]
				if (words[i] != words[1]) mixed = 1
			}
			print "outcome=" (c == 0 ? "other" : mixed ? "mixed:" all : words[1])
		}'
}

# _leak_probes NS -- [nobody] ARGS -- [nobody] ARGS...: dfprobe ARGS in namespace NS, as root or
# (nobody) as uid 65534, all at once; each result line is printed as "pN: result".
_leak_probes() {
	local ns=$1 i=0 as args
	shift 2
	while (($#)); do
		as=()
		if [[ $1 == nobody ]]; then as=("${LEAK_NOBODY[@]}"); shift; fi
		args=()
		while (($#)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
		(($#)) && shift
		_leak_bg "p$i" timeout 20 ip netns exec "$ns" "${as[@]}" "$LEAK_PROBE" "${args[@]}"
		i=$((i + 1))
	done
	_leak_bg_wait
}

# _leak_probe_each NS -- [nobody] ARGS -- ...: _leak_probes, then the outcome of them all.
_leak_probe_each() {
	local out
	out=$(_leak_probes "$@")
	printf '%s\n' "$out"
	printf '%s\n' "$out" | _leak_words
}

# freebind: an unprivileged user binds a foreign address and asks this host's own address,
# loopback and net. dnsfence must answer none of them: such a reply would be forged in clear
# towards whoever holds that address. IPv4 lets nobody without IP_TRANSPARENT (CAP_NET_ADMIN)
# send from an address it does not have (ENETUNREACH: nothing is sent), so there root asks
# again with IP_TRANSPARENT: dnsfence's own check is tested in both families.
_leak_freebind() {	# family source destination...
	local fam=$1 src=$2 dst args=() out map=''
	shift 2
	for dst in "$@"; do
		args+=(-- nobody -w "$LEAK_PROBE_MS" freebind-query "$fam" "$src" "$dst")
		[[ $fam == 6 ]] || args+=(-- -t -w "$LEAK_PROBE_MS" freebind-query "$fam" "$src" "$dst")
	done
	out=$(_leak_probes "$DF_WS" "${args[@]}")
	printf '%s\n' "$out"
	[[ $fam == 6 ]] || map=ENETUNREACH=noreply
	printf '%s\n' "$out" | _leak_words $map
}

# reject-icmp: ws rejects UDP from port 53 with an ICMP error, as a host's own firewall may.
# The injected reply is rejected, and the kernel's error, which quotes it, must not leave ws.
_leak_reject_rule() {	# 4|6 -I|-D
	if [[ $1 == 4 ]]; then
		ws iptables -w "$2" INPUT -p udp --sport 53 -j REJECT --reject-with icmp-admin-prohibited
	else
		ws ip6tables -w "$2" INPUT -p udp --sport 53 -j REJECT --reject-with icmp6-adm-prohibited
	fi
}

_leak_reject_icmp() {	# 4|6 server type rdata
	_leak_reject_rule "$1" -I || { echo "outcome=other (cannot add the REJECT rule)"; return 0; }
	_leak_dig "$2" "$3" "$4" +time="$LEAK_SHORT_T"
	_leak_reject_rule "$1" -D || echo "outcome=other (cannot remove the REJECT rule)"
}

# _leak_fwd JOB...: forwarded clients, each JOB "TAG:CLIENT-FUNCTION ARGS" run in ct, all at
# once; prints what each printed and the outcome of them all.
_leak_fwd() {
	local job out
	for job in "$@"; do
		# shellcheck disable=SC2086 # a job is words
		LEAK_IN=$DF_CT _leak_bg "${job%%:*}" ${job#*:}
	done
	_leak_bg_wait >"$DF_TMP/fwd.out"	# not in $(...): wait only waits for its own children
	cat "$DF_TMP/fwd.out"
	grep -E '^[a-z0-9]+: outcome=' "$DF_TMP/fwd.out" | _leak_words
}

# _leak_in_py ARGS: leak-clients.py in the namespace LEAK_IN.
_leak_in_py() {
	timeout 20 ip netns exec "$LEAK_IN" "$DF_PYTHON" "$LEAK_PY" "$@" 2>&1 ||
		echo "outcome=other (leak-clients.py exited $?)"
}

# leak_client CLIENT: run it; output ends with "outcome=WORD".
leak_client() {
	case $1 in
	dig-udp4) _leak_dig "$DF_NET4" A 192.0.2.1 ;;
	dig-udp6) _leak_dig "$DF_NET6" AAAA 2001:db8::1 ;;
	kdig-udp4) _leak_kdig "$DF_NET4" A 192.0.2.1 ;;
	kdig-udp6) _leak_kdig "$DF_NET6" AAAA 2001:db8::1 ;;
	dig-tcp4) _leak_dig "$DF_NET4" A 192.0.2.1 +tcp ;;
	dig-tcp6) _leak_dig "$DF_NET6" AAAA 2001:db8::1 +tcp ;;
	getent) _leak_getent ;;
	nslookup) _leak_nslookup ;;
	python-sendto) _leak_python_sendto ;;
	reuse-socket4)
		_leak_py reuse "$DF_NET4" a.test A --count 5 --timeout "$LEAK_REUSE_T" --expect 192.0.2.1 ;;
	reuse-socket6)
		_leak_py reuse "$DF_NET6" a.test AAAA --count 5 --timeout "$LEAK_REUSE_T" --expect 2001:db8::1 ;;
	close-early4) _leak_close_early "$DF_NET4" A ;;
	close-early6) _leak_close_early "$DF_NET6" AAAA ;;
	udp-mdns-5353) _leak_py blocked 5353 "$DF_NET4" "$DF_NET6" ;;
	udp-llmnr-5355) _leak_py blocked 5355 "$DF_NET4" "$DF_NET6" ;;
	udp-ntp-123) _leak_py blocked 123 "$DF_NET4" "$DF_NET6" ;;
	udp-quic-443) _leak_py blocked 443 "$DF_NET4" "$DF_NET6" ;;
	freebind4) _leak_freebind 4 203.0.113.9 "$DF_WS4" 127.0.0.1 "$DF_NET4" ;;
	freebind6) _leak_freebind 6 2001:db8:99::9 "$DF_WS6" ::1 "$DF_NET6" ;;
	udplite4) _leak_probe_each "$DF_WS" -- nobody send-proto 4 136 "$DF_NET4" ;;
	udplite6) _leak_probe_each "$DF_WS" -- nobody send-proto 6 136 "$DF_NET6" ;;
	sctp4) _leak_probe_each "$DF_WS" -- send-proto 4 132 "$DF_NET4" ;;
	rawproto4) _leak_probe_each "$DF_WS" -- send-proto 4 253 "$DF_NET4" ;;
	ping4) _leak_probe_each "$DF_WS" -- nobody -w "$LEAK_PROBE_MS" ping 4 "$DF_NET4" ;;
	ping6) _leak_probe_each "$DF_WS" -- nobody -w "$LEAK_PROBE_MS" ping 6 "$DF_NET6" ;;
	# Destination unreachable (administratively prohibited), time exceeded, parameter problem;
	# for IPv6 also packet too big.
	icmp-error4)
		_leak_probe_each "$DF_WS" -- icmp-error 4 "$DF_NET4" 3 13 -- icmp-error 4 "$DF_NET4" 11 0 \
		    -- icmp-error 4 "$DF_NET4" 12 0 ;;
	icmp-error6)
		_leak_probe_each "$DF_WS" -- icmp-error 6 "$DF_NET6" 1 1 -- icmp-error 6 "$DF_NET6" 2 0 \
		    -- icmp-error 6 "$DF_NET6" 3 0 -- icmp-error 6 "$DF_NET6" 4 0 ;;
	reject-icmp4) _leak_reject_icmp 4 "$DF_NET4" A 192.0.2.1 ;;
	reject-icmp6) _leak_reject_icmp 6 "$DF_NET6" AAAA 2001:db8::1 ;;
	fwd-dig4) _leak_fwd "d1:_leak_dig $DF_NET4 A 192.0.2.1" "d2:_leak_dig 192.0.2.77 A 192.0.2.1" ;;
	fwd-dig6)
		_leak_fwd "d1:_leak_dig $DF_NET6 AAAA 2001:db8::1" \
		    "d2:_leak_dig 2001:db8:77::77 AAAA 2001:db8::1" ;;
	fwd-udp-other)
		_leak_fwd "u123:_leak_in_py blocked 123 $DF_NET4 $DF_NET6 --timeout 0.5" \
		    "u443:_leak_in_py blocked 443 $DF_NET4 $DF_NET6 --timeout 0.5" ;;
	fwd-udplite)
		_leak_probe_each "$DF_CT" -- send-proto 4 136 "$DF_NET4" -- send-proto 6 136 "$DF_NET6" ;;
	fwd-tcp53)
		_leak_fwd "t4:_leak_dig $DF_NET4 A 192.0.2.1 +tcp +time=$LEAK_SHORT_T" \
		    "t6:_leak_dig $DF_NET6 AAAA 2001:db8::1 +tcp +time=$LEAK_SHORT_T" ;;
	# A client behind ws with a source that is not on its link (IP_TRANSPARENT; root in ct).
	fwd-spoofed)
		_leak_probe_each "$DF_CT" -- -t -w "$LEAK_PROBE_MS" freebind-query 4 203.0.113.7 "$DF_NET4" \
		    -- -t -w "$LEAK_PROBE_MS" freebind-query 6 2001:db8:99::7 "$DF_NET6" ;;
	*) echo "unknown client $1"; echo "outcome=other" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# The control: each probe can make its cells red

# What each client puts on net's wire when nothing stops it (tcpdump filters).
LEAK_CONTROLS=(
	"freebind4|src host 203.0.113.9 and udp dst port 53"
	"freebind6|src host 2001:db8:99::9 and udp dst port 53"
	"udplite4|ip proto 136" "udplite6|ip6 proto 136" "sctp4|ip proto 132" "rawproto4|ip proto 253"
	"ping4|icmp[icmptype] == icmp-echo" "ping6|icmp6 and ip6[40] == 128"
	"icmp-error4|src host $DF_WS4 and icmp and (icmp[0] == 3 or icmp[0] == 11 or icmp[0] == 12)"
	"icmp-error6|src host $DF_WS6 and icmp6 and ip6[40] >= 1 and ip6[40] <= 4"
	"fwd-dig4|src host $DF_CT4 and udp dst port 53" "fwd-dig6|src host $DF_CT6 and udp dst port 53"
	"fwd-udp-other|(src host $DF_CT4 or src host $DF_CT6) and udp and (dst port 123 or dst port 443)"
	"fwd-udplite|(src host $DF_CT4 and ip proto 136) or (src host $DF_CT6 and ip6 proto 136)"
	"fwd-tcp53|(src host $DF_CT4 or src host $DF_CT6) and tcp dst port 53"
	"fwd-spoofed|src host 203.0.113.7 or src host 2001:db8:99::7"
)

# leak_control: with the ruleset unloaded (and no dnsfence), run those clients at once in one
# capture; each must have put its packets on the wire. Then the ruleset is loaded again.
# (reject-icmp needs dnsfence's reply; its cells check that the ruleset dropped an ICMP error.)
leak_control() {
	local rc=0 spec n
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" unload --backend iptables || return 1
	if capture_start; then
		for spec in "${LEAK_CONTROLS[@]}"; do
			_leak_bg "c${#LEAK_BG[@]}" leak_client "${spec%%|*}"
		done
		_leak_bg_wait >"$DF_TMP/control.log"
		capture_stop || rc=1
	else
		rc=1
	fi
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" load --backend iptables --queue "$DF_QUEUE" \
	    --mark "$DF_MARK" || { echo "the ruleset could not be loaded again"; return 1; }
	((rc == 0)) || { echo "the capture failed"; return 1; }
	for spec in "${LEAK_CONTROLS[@]}"; do
		n=$(_capture_count "${spec#*|}")
		echo "without the ruleset, ${spec%%|*}: $n packet(s) on the wire (${spec#*|})"
		((n > 0)) || rc=1
	done
	((rc == 0)) || sed 's/^/  | /' "$DF_TMP/control.log"
	# The cells read the ruleset's counters the fast way: it must say what status says.
	if [[ $(leak_fence_counters | sort) != "$(leak_status_counters | sort)" ]]; then
		echo "leak_fence_counters and dnsfence-firewall status disagree:"
		diff <(leak_fence_counters | sort) <(leak_status_counters | sort)
		rc=1
	fi
	return $rc
}

# ---------------------------------------------------------------------------------------------
# Evidence: the counters behind an outcome

# _leak_counted CLIENT: the cell reads counters around its client (two snapshots).
_leak_counted() {
	case $1 in
	close-early* | freebind* | udplite* | sctp4 | rawproto4 | ping* | icmp-error* | reject-icmp* | \
	    fwd-*) return 0 ;;
	esac
	return 1
}

# _leak_replies STATE: dnsfence is up and replies in STATE (an answer or a SERVFAIL).
_leak_replies() {
	case $1 in running | socks-down | resolver-down | max-pending-exhausted) return 0 ;; esac
	return 1
}

# _leak_changes BEFORE AFTER: the counters that changed, "KEY+N ..." (or "none").
_leak_changes() {
	awk -F= 'NR == FNR { v[$1] = $2; next }
		($1 in v) && $2 != v[$1] { printf "%s%s%+d", sep, $1, $2 - v[$1]; sep = " "; c++ }
		END { if (!c) printf "none"; print "" }' "$1" "$2"
}

# _leak_refine CLIENT WORD BEFORE AFTER: a client that is not told of the fence's drop (an ICMPv6
# datagram socket, a forwarded client) reports timeout, noreply or sent. It was "dropped" when
# the ruleset's counter for it grew by at least what the client sent.
_leak_refine() {
	local client=$1 word=$2 n keys
	case $client in
	ping6) n=1 keys=ipv6.icmp_dropped ;;
	fwd-udp-other) n=4 keys="ipv4.fwd_dropped ipv6.fwd_dropped" ;;
	fwd-udplite | fwd-tcp53) n=2 keys="ipv4.fwd_dropped ipv6.fwd_dropped" ;;
	*) n=0 ;;
	esac
	# shellcheck disable=SC2086 # keys are words
	if ((n > 0)) && [[ $word == timeout || $word == noreply || $word == sent ]] &&
	    _leak_grew "$3" "$4" "$n" $keys; then
		echo dropped
	else
		echo "$word"
	fi
}

# _leak_need BEFORE AFTER MIN WHY KEY...: print WHY unless the KEYs grew by MIN or more.
_leak_need() {
	_leak_grew "$1" "$2" "$3" "${@:5}" ||
		echo "$4 (${*:5}: +$(_leak_delta "$1" "$2" "${@:5}"), want at least +$3)"
}

# _leak_evidence STATE CLIENT WORD BEFORE AFTER: what the counters must show besides the
# outcome; prints one reason a line for each thing missing.
_leak_evidence() {
	local state=$1 client=$2 got=$3 b=$4 a=$5 fam=${2: -1} replies=
	_leak_replies "$state" && replies=1
	case $client in
	close-early*)
		[[ $got != answered && $got != servfail ]] || _leak_need "$b" "$a" 1 \
		    "a late reply reached the closed port but no ICMP port-unreachable was dropped" \
		    "ipv$fam.icmp_dropped" ;;
	freebind*)
		[[ -z $replies ]] || _leak_need "$b" "$a" 3 \
		    "dnsfence did not count the 3 queries as spoofed" daemon.spoofed ;;
	fwd-spoofed)
		_leak_need "$b" "$a" 2 "the ruleset did not queue the forwarded queries" \
		    ipv4.fwd_queued ipv6.fwd_queued
		[[ -z $replies ]] || _leak_need "$b" "$a" 2 \
		    "dnsfence did not count the 2 queries as spoofed" daemon.spoofed ;;
	fwd-dig*)
		_leak_need "$b" "$a" 2 "the ruleset did not queue the forwarded queries" \
		    "ipv$fam.fwd_queued"
		[[ -z $replies ]] || _leak_need "$b" "$a" 2 \
		    "dnsfence did not count the 2 forwarded queries" daemon.forwarded ;;
	udplite* | sctp4 | rawproto4)
		_leak_need "$b" "$a" 1 "the ruleset did not count the drop" "ipv$fam.proto_dropped" ;;
	ping4) _leak_need "$b" "$a" 1 "the ruleset did not count the drop" ipv4.icmp_dropped ;;
	icmp-error4) _leak_need "$b" "$a" 3 "the ruleset did not count 3 drops" ipv4.icmp_dropped ;;
	icmp-error6) _leak_need "$b" "$a" 4 "the ruleset did not count 4 drops" ipv6.icmp_dropped ;;
	reject-icmp*)
		[[ -z $replies ]] || _leak_need "$b" "$a" 1 \
		    "no ICMP error for the rejected reply was dropped (was a reply injected?)" \
		    "ipv$fam.icmp_dropped" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# A cell

_leak_record() {	# state client outcome leaks ok
	printf '%s %s %s %s %s\n' "$@" >>"$BATS_FILE_TMPDIR/leak-cells"
}

# leak_cell STATE CLIENT: one cell of the matrix; fails the test with the reasons.
leak_cell() {
	local state=$1 client=$2 want got out s u o ct sport b a counted='' daemon='' reason fails=()
	want=$(leak_expected "$state" "$client")
	if ! leak_enter "$state"; then
		_leak_record "$state" "$client" setup-failed "?" FAIL
		echo "FAIL: could not put dnsfence in state '$state'"
		return 1
	fi
	if ! leak_check_state "$state"; then
		_leak_record "$state" "$client" state-lost "?" FAIL
		echo "FAIL: state '$state' does not hold before the client runs"
		return 1
	fi
	b=$DF_TMP/counters.before a=$DF_TMP/counters.after
	_leak_counted "$client" && counted=1
	# dnsfence's counters only where a cell looks at them (SIGUSR1 costs time).
	case $client in freebind* | fwd-spoofed | fwd-dig*) _leak_replies "$state" && daemon=daemon ;; esac
	[[ -z $counted ]] || _leak_snap_begin "$b"
	capture_start || { _leak_record "$state" "$client" no-capture "?" FAIL; return 1; }
	[[ -z $counted ]] || _leak_snap_end "$b" "$daemon"
	out=$(leak_client "$client")
	[[ -z $counted ]] || _leak_snap_begin "$a"
	capture_stop || fails+=("the closing sentinel was not seen")
	[[ -z $counted ]] || _leak_snap_end "$a" "$daemon"
	got=$(printf '%s\n' "$out" | sed -n 's/^outcome=//p' | tail -n 1)
	printf '%s\n' "$out"
	[[ -z $counted ]] || got=$(_leak_refine "$client" "$got" "$b" "$a")
	s=$(capture_sentinels)
	u=$(capture_udp_count)
	o=$(capture_non_socks_count)
	echo "capture: sentinels=$s udp=$u non_socks=$o socks_tcp=$(capture_socks_count)"
	[[ -z $counted ]] || echo "counters: $(_leak_changes "$b" "$a")"
	echo "cell $state / $client: expected $want, got ${got:-nothing}"

	((s == 2)) || fails+=("the capture saw $s sentinels, not 2 (was it live?)")
	((u == 0 && o == 0)) || fails+=("$o packet(s) other than SOCKS TCP crossed the wire ($u UDP)")
	[[ $got == "$want" ]] || fails+=("outcome ${got:-nothing}, expected $want")
	if [[ -n $counted ]]; then
		while IFS= read -r reason; do
			fails+=("$reason")
		done < <(_leak_evidence "$state" "$client" "$got" "$b" "$a")
	fi
	if [[ $client == reuse-socket* ]]; then
		sport=$(printf '%s\n' "$out" | sed -n 's/^query 1 sport=\([0-9]*\) .*/\1/p')
		if [[ -z $sport ]]; then
			fails+=("the reuse client did not say which source port it used")
		else
			ct=$(leak_udp53_conntrack "$sport")
			[[ -z $ct ]] ||
				fails+=("conntrack holds the client's UDP/53 flow (NOTRACK missing?): $ct")
		fi
	fi
	_leak_record "$state" "$client" "${got:-nothing}" "$o" "$( ((${#fails[@]} == 0)) && echo ok || echo FAIL)"
	if ((${#fails[@]})); then
		printf 'FAIL: %s\n' "${fails[@]}"
		echo "--- packets that are not SOCKS TCP:"
		_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE)" || true
		echo "--- queue: $(leak_queue_line)"
		echo "--- ruleset (ws):"
		ws sh "$DF_REPO/src/dnsfence-firewall.sh" status --backend iptables 2>&1 | sed 's/^/  /'
		return 1
	fi
}

# ---------------------------------------------------------------------------------------------
# The table

# leak_matrix_table: rows = clients, columns = states; "outcome/N leaks", "!" = not as expected.
leak_matrix_table() {
	awk -v states="${LEAK_STATES[*]}" -v clients="${LEAK_CLIENTS[*]}" -v w=22 '
		{ cell[$1, $2] = ($5 == "ok" ? "" : "!") $3 "/" $4 " leaks"; bad += $5 != "ok" }
		END {
			ns = split(states, s, " ")
			nc = split(clients, c, " ")
			line = sprintf("%-15s", "client \\ state")
			rule = "---------------"
			for (j = 1; j <= ns; j++) {
				line = line sprintf(" | %-" w "s", s[j])
				rule = rule "-+-" sprintf("%" w "s", "")
			}
			gsub(/ /, "-", rule)
			print line
			print rule
			for (i = 1; i <= nc; i++) {
				line = sprintf("%-15s", c[i])
				for (j = 1; j <= ns; j++)
					line = line sprintf(" | %-" w "s", ((s[j], c[i]) in cell) ? cell[s[j], c[i]] : "(not run)")
				print line
			}
			print "! = a failed cell (unexpected outcome, a leak, or the state or capture failed)."
			printf "expected: running=answered; never-started, killed-9=timeout (TCP: reset); "
			printf "sigstopped-flood=timeout; socks-down, resolver-down, max-pending-exhausted="
			printf "servfail (fwd-dig* the same); everywhere: udp-*, udplite*, sctp4, rawproto4, "
			printf "ping4, icmp-error* = blocked (sendto: EPERM); ping6, fwd-udp-other, "
			printf "fwd-udplite, fwd-tcp53 = dropped (sent; the ruleset counted the drop); "
			printf "freebind*, fwd-spoofed = noreply; reject-icmp* = timeout. "
			printf "%d failed cell(s).\n", bad
		}' "$BATS_FILE_TMPDIR/leak-cells"
}
