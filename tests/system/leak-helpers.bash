# shellcheck shell=bash
# leak-helpers.bash: the leak matrix (tests/system/leak-matrix.bats). Loaded after
# tests/lib/netns.bash and helpers.bash.
#
# A cell is (state, client). For each one: put dnsfence in STATE (once per state group), start a
# capture on net's veth (sentinel before), run CLIENT, stop the capture (sentinel after), and
# assert 2 sentinels, 0 UDP, 0 packets other than SOCKS TCP and the sentinels, and the expected
# outcome. Every cell is recorded in $BATS_FILE_TMPDIR/leak-cells for the final table.
#
# The ruleset under test is the project's own (src/dnsfence-firewall.sh, iptables backend), not
# the minimal capture rules topo_up installs: those are deleted first.

LEAK_PY=${LEAK_PY:-$DF_REPO/tests/system/leak-clients.py}
LEAK_T=${LEAK_T:-2}			# client timeout, seconds (dig +time, glibc timeout:, ...)
LEAK_REUSE_T=${LEAK_REUSE_T:-1}		# per query of the 5 on one socket (answers take ms)
LEAK_FLOOD=${LEAK_FLOOD:-5000}		# queries thrown at a stopped dnsfence
LEAK_QMAXLEN=${LEAK_QMAXLEN:-64}	# its queue-maxlen in that state
LEAK_MAXPENDING=${LEAK_MAXPENDING:-4}
LEAK_SERVFAIL_TIMEOUT=${LEAK_SERVFAIL_TIMEOUT:-1500ms}	# dnsfence --timeout where SERVFAIL is due

# Table order: columns and rows.
LEAK_STATES=(running never-started sigstopped-flood killed-9 socks-down resolver-down
    max-pending-exhausted)
LEAK_CLIENTS=(dig-udp4 dig-udp6 kdig-udp4 kdig-udp6 dig-tcp4 dig-tcp6 getent nslookup
    python-sendto reuse-socket4 reuse-socket6 close-early4 close-early6
    udp-mdns-5353 udp-llmnr-5355 udp-ntp-123 udp-quic-443)

leak_log() { printf 'leak: %s\n' "$*"; }

# leak_expected STATE CLIENT: the outcome the project promises.
leak_expected() {
	local state=$1 client=$2
	case $client in
	udp-*) echo blocked; return ;;
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

leak_teardown_file() {
	[[ -n ${DF_TMP:-} && -d $DF_TMP/pids ]] || return 0
	df_stop loop
	df_stop blackhole
	# A stopped dnsfence would sit on SIGTERM for df_stop's 5 s.
	if df_alive dnsfence; then kill -CONT "$(df_pid dnsfence)" 2>/dev/null || true; fi
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
	pid=$(df_pid "$1") || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# leak_dnsfence_live: dnsfence runs and is not stopped (it can answer SIGUSR1).
leak_dnsfence_live() {
	df_alive dnsfence && [[ $(leak_proc_state dnsfence) != [Tt] ]]
}

# leak_stat NAME GROUP: a fresh counter from dnsfence (SIGUSR1), or "-" if it cannot be asked.
leak_stat() {
	if leak_dnsfence_live && dnsfence_stats >/dev/null 2>&1; then
		stat_value "$1" "$2" 2>/dev/null || echo -
	else
		echo -
	fi
}

# leak_icmp_drops [4|6]: packets the ruleset's "no ICMP quoting a query" rule dropped (default:
# both families).
leak_icmp_drops() {
	local ipt n sum=0 ipts=(iptables ip6tables)
	case ${1:-} in
	4) ipts=(iptables) ;;
	6) ipts=(ip6tables) ;;
	esac
	for ipt in "${ipts[@]}"; do
		n=$(ws "$ipt" -w -t filter -L DNSFENCE_FILTER -v -n -x 2>/dev/null |
		    awk '/no ICMP quoting a query/ { s += $1 } END { print s + 0 }')
		sum=$((sum + n))
	done
	echo "$sum"
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
		kill -CONT "$(df_pid dnsfence)" 2>/dev/null || true
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
leak_fill_pending() {
	local p
	p=$(leak_stat pending bounds)
	[[ $p =~ ^[0-9]+$ ]] || { echo "cannot read dnsfence's pending count"; return 1; }
	if ((p < LEAK_MAXPENDING)); then
		ws "$DF_PYTHON" "$LEAK_PY" fill "$DF_NET4" $((LEAK_MAXPENDING - p)) --prefix "f$RANDOM-"
	fi
	leak_wait_for _leak_pending_full || {
		echo "pending table not full (pending=$(leak_stat pending bounds), want $LEAK_MAXPENDING)"
		return 1
	}
}

_leak_blackhole_ready() { grep -q 'blackhole-socks: listening' "$DF_TMP/blackhole.log" 2>/dev/null; }
_leak_stopped() { [[ $(leak_proc_state dnsfence) == [Tt] ]]; }
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
		kill -STOP "$(df_pid dnsfence)"
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
		DF_TIMEOUT=60s dnsfence_start --max-pending "$LEAK_MAXPENDING" || return 1
		leak_fill_pending || return 1
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

_leak_dig() {	# server type rdata [dig options]
	local server=$1 type=$2 rdata=$3 out
	shift 3
	out=$(timeout 20 ip netns exec "$DF_WS" dig "@$server" +tries=1 +time="$LEAK_T" "$@" \
	    a.test "$type" 2>&1) || true
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
		pid=$(df_pid dnsfence)
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
	*) echo "unknown client $1"; echo "outcome=other" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# A cell

_leak_record() {	# state client outcome leaks ok
	printf '%s %s %s %s %s\n' "$@" >>"$BATS_FILE_TMPDIR/leak-cells"
}

# leak_cell STATE CLIENT: one cell of the matrix; fails the test with the reasons.
leak_cell() {
	local state=$1 client=$2 want got out s u o icmp0 icmp1 ct fam sport fails=()
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
	fam=${client: -1}	# 4 or 6 for the family-specific clients
	[[ $fam == [46] ]] || fam=
	icmp0=$(leak_icmp_drops "$fam")
	capture_start || { _leak_record "$state" "$client" no-capture "?" FAIL; return 1; }
	out=$(leak_client "$client")
	capture_stop || fails+=("the closing sentinel was not seen")
	icmp1=$(leak_icmp_drops "$fam")
	got=$(printf '%s\n' "$out" | sed -n 's/^outcome=//p' | tail -n 1)
	printf '%s\n' "$out"
	s=$(capture_sentinels)
	u=$(capture_udp_count)
	o=$(capture_non_socks_count)
	echo "capture: sentinels=$s udp=$u non_socks=$o socks_tcp=$(capture_socks_count)" \
	    "icmp_dropped_by_ruleset=$((icmp1 - icmp0))"
	echo "cell $state / $client: expected $want, got ${got:-nothing}"

	((s == 2)) || fails+=("the capture saw $s sentinels, not 2 (was it live?)")
	((u == 0 && o == 0)) || fails+=("$o packet(s) other than SOCKS TCP crossed the wire ($u UDP)")
	[[ $got == "$want" ]] || fails+=("outcome ${got:-nothing}, expected $want")
	if [[ $client == close-early* && ($got == answered || $got == servfail) ]] &&
	    ((icmp1 == icmp0)); then
		fails+=("a late reply reached the closed port but no ICMP port-unreachable was dropped")
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
		echo "--- iptables counters (ws):"
		ws iptables -w -t filter -L DNSFENCE_FILTER -v -n -x 2>&1 | sed 's/^/  /'
		return 1
	fi
}

# ---------------------------------------------------------------------------------------------
# The table

# leak_matrix_table: rows = clients, columns = states; "outcome/N leaks", "!" = not as expected.
leak_matrix_table() {
	local cells=$BATS_FILE_TMPDIR/leak-cells client state line word leaks ok cell w=22 bad=0
	printf '%-15s' "client \\ state"
	for state in "${LEAK_STATES[@]}"; do printf ' | %-*s' "$w" "$state"; done
	printf '\n'
	printf '%s' "---------------"
	for state in "${LEAK_STATES[@]}"; do printf -- '-+-%s' "$(printf '%*s' "$w" '' | tr ' ' -)"; done
	printf '\n'
	for client in "${LEAK_CLIENTS[@]}"; do
		printf '%-15s' "$client"
		for state in "${LEAK_STATES[@]}"; do
			line=$(awk -v s="$state" -v c="$client" '$1 == s && $2 == c' "$cells" | tail -n 1)
			if [[ -z $line ]]; then
				cell="(not run)"
			else
				read -r _ _ word leaks ok <<<"$line"
				cell="$word/$leaks leaks"
				if [[ $ok != ok ]]; then
					cell="!$cell"
					bad=$((bad + 1))
				fi
			fi
			printf ' | %-*s' "$w" "$cell"
		done
		printf '\n'
	done
	echo "! = a failed cell (unexpected outcome, a leak, or the state or capture failed)."
	echo "expected: running=answered; never-started, killed-9=timeout (TCP: reset);" \
	    "sigstopped-flood=timeout; socks-down, resolver-down, max-pending-exhausted=servfail;" \
	    "udp-* = blocked everywhere. $bad failed cell(s)."
}
