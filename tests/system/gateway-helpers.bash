# shellcheck shell=bash
# gateway-helpers.bash: tests/system/gateway.bats, dnsfence as a Whonix-style gateway. Loaded
# after tests/lib/netns.bash, helpers.bash and leak-helpers.bash (whose client wrappers, outcome
# words, background jobs and counters are used here too).
#
# Topology (topo_gw_up in netns.bash): workstations cl1 and cl2 on the bridge eth1 of ws, the
# gateway; ws forwards (IPv4 and IPv6) and has default routes towards net, the outside, as a
# gateway's uplink would. net runs unbound on its loopback and logsocks.py (tests/lib), a SOCKS5
# server that logs the user name of every connection and every query it carries, on
# 198.51.100.2:1080. ws runs the project's loader in gateway mode (`dnsfence-firewall load
# --mode gateway --internal eth1`, iptables) and dnsfence with `gateway eth1` in its
# configuration file.
#
# A state of the daemon (never-started, running, ...) is one test: one capture on net's end of
# the uplink, live from a workstation's first sentinel to its second (TCP SYNs that ws forwards),
# and every gateway client case run at once inside it. Each case's packets are counted in the
# capture by a filter of its own, and the whole capture must hold nothing but SOCKS TCP, the
# sentinels and link noise. Cells go to $BATS_FILE_TMPDIR/leak-cells in the leak matrix's format
# (state client outcome leaks ok), so leak_matrix_table prints them.

GW_SOCKS_PY=${GW_SOCKS_PY:-$DF_REPO/tests/lib/logsocks.py}
GW_T=${GW_T:-2}				# client timeout (s) where an answer takes milliseconds
GW_ANY4=192.0.2.77			# a resolver address nobody has
GW_SPOOF4=203.0.113.7			# a source no workstation has
GW_SPOOF6=2001:db8:99::7
# shellcheck disable=SC2034 # used by gateway.bats
GW_DNAT4=192.0.2.53			# where a DNAT rule in ws sends the workstations' DNS
# shellcheck disable=SC2034
GW_DNAT6=2001:db8:53::53

# The table: columns and rows.
GW_STATES=(running never-started sigstopped-flood killed-9 socks-down resolver-down
    max-pending-exhausted)
GW_CASES=(udp4-out udp6-out udp4-gw udp6-gw udp4-any tcp4-out tcp6-gw getent udp-other udplite
    icmp-error ping spoofed)

# What a case puts on net's wire if nothing stops it (tcpdump filters).
gw_signature() {
	case $1 in
	udp4-out) echo "udp port 53 and host $DF_NET4" ;;
	udp6-out) echo "udp port 53 and host $DF_NET6" ;;
	udp4-gw) echo "udp port 53 and host $DF_GW4" ;;
	udp6-gw) echo "udp port 53 and host $DF_GW6" ;;
	udp4-any) echo "host $GW_ANY4" ;;
	tcp4-out) echo "tcp port 53 and host $DF_NET4" ;;
	tcp6-gw) echo "tcp port 53 and host $DF_GW6" ;;
	getent) echo "host $DF_CL_RESOLVER" ;;
	udp-other) echo "udp and (port 123 or port 443)" ;;
	udplite) echo "ip proto 136 or ip6 proto 136" ;;
	icmp-error) echo "(icmp and icmp[0] != 0 and icmp[0] != 8) or (icmp6 and ip6[40] >= 1 and ip6[40] <= 4)" ;;
	ping) echo "(icmp and icmp[0] == 8) or (icmp6 and ip6[40] == 128)" ;;
	spoofed) echo "host $GW_SPOOF4 or host $GW_SPOOF6" ;;
	esac
}

# gw_expected STATE CASE: the outcome the project promises.
gw_expected() {
	case $2 in
	# A forwarded client is not told of a drop: it sent, and nothing came back.
	udp-other) echo timeout; return ;;
	udplite | icmp-error) echo sent; return ;;
	ping | spoofed) echo noreply; return ;;
	esac
	case $1 in
	running) echo answered ;;
	# Nothing reads the queue: the kernel drops UDP; nothing listens on port 54: reset.
	never-started | killed-9) if [[ $2 == tcp* ]]; then echo reset; else echo timeout; fi ;;
	sigstopped-flood) echo timeout ;;
	socks-down | resolver-down | max-pending-exhausted) echo servfail ;;
	*) echo "?" ;;
	esac
}

gw_log() { printf 'gateway: %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Set-up

# The daemon's configuration: the test's (netns.bash) plus GW_CONF_EXTRA, one line each. The
# original writer is kept under another name, and dnsfence_start calls this one.
eval "$(declare -f dnsfence_write_conf | sed '1s/^dnsfence_write_conf/_gw_base_write_conf/')"
# cache no: the states below ask the warm-up's name again once the upstream is gone, and must
# see what the fence does then (SERVFAIL), not a cached answer (cache.bats covers the cache).
GW_CONF_EXTRA=("gateway $DF_GWIF" "cache no")
dnsfence_write_conf() {
	_gw_base_write_conf "$1" || return 1
	printf '%s\n' "${GW_CONF_EXTRA[@]}" >>"$1"
}

# gw_socks_start / gw_socks_stop: logsocks.py in net on 198.51.100.2:1080 (the test SOCKS port).
gw_socks_start() {
	: >>"$DF_TMP/logsocks.log"
	df_spawn logsocks "$DF_NET" "$DF_TMP/logsocks.log" "$DF_PYTHON" -u "$GW_SOCKS_PY" \
	    "$DF_NET4" "$DF_SOCKS_PORT"
	leak_wait_for _gw_socks_ready || { df_log "logsocks did not start"; return 1; }
}
_gw_socks_ready() {
	df_alive logsocks && ws "$DF_PYTHON" "$DF_LIB/dnsq.py" socks "$DF_NET4" "$DF_SOCKS_PORT" \
	    127.0.0.1 53 a.test A --timeout 2 >/dev/null 2>&1
}
gw_socks_stop() { df_stop logsocks; }

# gw_setup_file: topology, workstations, logsocks instead of microsocks, the loader's gateway
# mode. dnsfence is started by each test that needs it (gw_enter).
gw_setup_file() {
	local why
	if why=$(df_env_missing); then skip "$why"; fi
	command -v setpriv >/dev/null 2>&1 || skip "'setpriv' is not installed (util-linux)"
	if [[ ! -x $DNSFENCE || ! -x $LEAK_PROBE ]]; then
		echo "no $DNSFENCE or $LEAK_PROBE: build them first (make all build/dfprobe)" >&2
		return 1
	fi
	topo_up || return 1
	if ! _gw_setup_steps; then
		topo_dump_logs >&2
		gw_teardown_file
		return 1
	fi
}

_gw_setup_steps() {
	local i
	topo_gw_up 2 1 || return 1
	topo_ws_default_route || return 1
	for i in 1 2; do
		# uid 65534 may ping (an ICMP datagram socket), as any user on Debian.
		cl "$i" sysctl -qw net.ipv4.ping_group_range="65534 65534" >/dev/null || return 1
	done
	# Deterministic ICMP in ws: no rate limit hides an error the ruleset must drop.
	ws sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 >/dev/null || return 1
	df_stop microsocks
	gw_socks_start || return 1
	topo_gw_load_rules || return 1
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" status --backend iptables --queue "$DF_QUEUE" \
	    >"$DF_TMP/firewall-status.txt" 2>&1 || {
		cat "$DF_TMP/firewall-status.txt"
		return 1
	}
	: >"$BATS_FILE_TMPDIR/leak-cells"
	echo none >"$DF_TMP/gw-state"
}

gw_teardown_file() {
	[[ -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	df_stop loop
	df_stop flood
	df_stop blackhole
	if df_alive dnsfence; then kill -CONT "$(dnsfence_worker_pid)" 2>/dev/null || true; fi
	topo_gw_down
}

# ---------------------------------------------------------------------------------------------
# Clients

# gw_dig N SERVER TYPE NAME [dig options]: dig in workstation N as uid 65534, one try.
gw_dig() {
	local n=$1 server=$2 type=$3 name=$4
	shift 4
	run timeout 20 ip netns exec "$(gw_ns "$n")" "${DF_NOBODY[@]}" dig "@$server" +tries=1 \
	    +time=5 "$@" "$name" "$type"
}

gw_ns() { local v=DF_CL$1; echo "${!v}"; }

# _gw_dig N SERVER TYPE RDATA [dig options]: a leak-matrix style client (outcome= last).
_gw_dig() {
	local n=$1 server=$2 type=$3 rdata=$4 out
	shift 4
	out=$(timeout 20 ip netns exec "$(gw_ns "$n")" "${DF_NOBODY[@]}" dig "@$server" +tries=1 \
	    +time="$GW_T" "$@" a.test "$type" 2>&1) || true
	printf '%s\n' "$out"
	echo "outcome=$(_leak_word_dig "$out" "$server" "$type" "$rdata")"
}

# getent in cl1 (resolv.conf: 192.0.2.53). glibc says found or not found: a SERVFAIL comes at
# once, a timeout after GW_GETENT_T seconds. The time is taken inside the namespace, around
# getent alone: starting `ip netns exec` can take a second or more while all the cases start
# at once on a small machine.
GW_GETENT_T=${GW_GETENT_T:-3}
_gw_getent() {
	local out rc ms word
	# shellcheck disable=SC2016 # expanded by the inner bash
	out=$(timeout 20 ip netns exec "$DF_CL1" "${DF_NOBODY[@]}" bash -c '
		t0=${EPOCHREALTIME/./}
		RES_OPTIONS="timeout:$1 attempts:1" getent ahostsv4 a.test 2>&1
		rc=$?
		echo "getent: exit $rc after $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"' getent \
	    "$GW_GETENT_T" 2>&1)
	printf '%s\n' "$out"
	rc=$(sed -n 's/^getent: exit \([0-9]*\) after .*/\1/p' <<<"$out")
	ms=$(sed -n 's/^getent: exit [0-9]* after \([0-9]*\) ms$/\1/p' <<<"$out")
	if [[ -z $rc || -z $ms ]]; then
		word=other
	elif ((rc == 0)); then
		if [[ $out == 192.0.2.1* ]]; then word=answered; else word=wrong; fi
	elif ((rc == 2 && ms < GW_GETENT_T * 1000 - 1000)); then
		word=servfail
	elif ((rc == 2 && ms >= GW_GETENT_T * 1000 - 200)); then
		word=timeout
	else
		word=other
	fi
	echo "outcome=$word"
}

# _gw_probes N [nobody] ARGS [-- [nobody] ARGS ...]: dfprobe ARGS in workstation N, all at once
# (_leak_probes); each result as "pI: RESULT ...", then the outcome of them all.
_gw_probes() {
	local n=$1 out
	shift
	out=$(_leak_probes "$(gw_ns "$n")" -- "$@")
	printf '%s\n' "$out"
	printf '%s\n' "$out" | _leak_words
}

# gw_client CASE: run it; its output ends with "outcome=WORD".
gw_client() {
	case $1 in
	udp4-out) _gw_dig 1 "$DF_NET4" A 192.0.2.1 ;;
	udp6-out) _gw_dig 1 "$DF_NET6" AAAA 2001:db8::1 ;;
	udp4-gw) _gw_dig 2 "$DF_GW4" A 192.0.2.1 ;;
	udp6-gw) _gw_dig 2 "$DF_GW6" AAAA 2001:db8::1 ;;
	udp4-any) _gw_dig 2 "$GW_ANY4" A 192.0.2.1 ;;
	tcp4-out) _gw_dig 1 "$DF_NET4" A 192.0.2.1 +tcp ;;
	tcp6-gw) _gw_dig 2 "$DF_GW6" AAAA 2001:db8::1 +tcp ;;
	getent) _gw_getent ;;
	udp-other)
		timeout 20 ip netns exec "$DF_CL1" "${DF_NOBODY[@]}" "$DF_PYTHON" "$LEAK_PY" blocked 123 \
		    "$DF_NET4" "$DF_NET6" --timeout 0.5 2>&1
		timeout 20 ip netns exec "$DF_CL2" "${DF_NOBODY[@]}" "$DF_PYTHON" "$LEAK_PY" blocked 443 \
		    "$DF_NET4" "$DF_NET6" --timeout 0.5 2>&1 ;;
	udplite)
		_gw_probes 1 nobody send-proto 4 136 "$DF_NET4" -- nobody send-proto 6 136 "$DF_NET6" ;;
	icmp-error)
		_gw_probes 2 icmp-error 4 "$DF_NET4" 3 3 -- icmp-error 6 "$DF_NET6" 1 4 ;;
	ping)
		_gw_probes 1 nobody -w "$LEAK_PROBE_MS" ping 4 "$DF_NET4" -- \
		    nobody -w "$LEAK_PROBE_MS" ping 6 "$DF_NET6" ;;
	# Root in cl1 sends from an address no workstation has (IP_TRANSPARENT).
	spoofed)
		_gw_probes 1 -t -w "$LEAK_PROBE_MS" freebind-query 4 "$GW_SPOOF4" "$DF_NET4" -- \
		    -t -w "$LEAK_PROBE_MS" freebind-query 6 "$GW_SPOOF6" "$DF_NET6" ;;
	*) echo "unknown case $1"; echo "outcome=other" ;;
	esac
}

# _gw_outcome FILE TAG: the outcome of one case in _leak_bg_wait's output (udp-other prints two
# outcome lines, which must agree).
_gw_outcome() {
	sed -n "s/^$2: outcome=//p" "$1" | sort -u | paste -sd, -
}

# ---------------------------------------------------------------------------------------------
# States

_gw_queue_full() {
	local q
	q=$(leak_queue_line)
	# shellcheck disable=SC2086
	set -- $q
	[[ ${3:-} == "$LEAK_QMAXLEN" && ${6:-0} -gt 0 ]]
}

# gw_baseline: no load, no fake SOCKS, dnsfence stopped, unbound and logsocks up.
gw_baseline() {
	df_stop loop
	df_stop flood
	if df_alive dnsfence; then dnsfence_stop; fi
	df_stop dnsfence
	df_stop blackhole
	if ! df_alive unbound; then
		df_stop unbound
		df_spawn unbound "$DF_NET" "$DF_TMP/unbound.log" unbound -d -c "$DF_TMP/unbound.conf"
		topo_wait_unbound || return 1
	fi
	if ! df_alive logsocks; then
		df_stop logsocks
		gw_socks_start || return 1
	fi
	DF_TIMEOUT=$LEAK_SERVFAIL_TIMEOUT
	export DF_TIMEOUT
}

# gw_warmup: a workstation's query is answered (not captured).
gw_warmup() {
	local out
	out=$(_gw_dig 1 "$DF_NET4" A 192.0.2.1)
	[[ $out == *outcome=answered ]] || { echo "warm-up query not answered:"; echo "$out"; return 1; }
}

# gw_enter STATE: put the gateway in STATE.
gw_enter() {
	local want=$1
	echo "failed:$want" >"$DF_TMP/gw-state"
	gw_log "entering state $want"
	gw_baseline || return 1
	case $want in
	never-started) ;;
	running)
		dnsfence_start || return 1
		gw_warmup || return 1
		;;
	sigstopped-flood)
		dnsfence_start --queue-maxlen "$LEAK_QMAXLEN" || return 1
		gw_warmup || return 1
		kill -STOP "$(dnsfence_worker_pid)"
		leak_wait_for _leak_stopped || { echo "the worker did not stop"; return 1; }
		# A workstation fills the queue the stopped worker no longer reads.
		timeout 60 ip netns exec "$DF_CL2" "$DF_PYTHON" "$LEAK_PY" flood "$DF_NET4" \
		    "$LEAK_FLOOD" || return 1
		leak_wait_for _gw_queue_full || { echo "queue not full: $(leak_queue_line)"; return 1; }
		gw_log "queue after the flood: $(leak_queue_line)"
		;;
	killed-9)
		dnsfence_start || return 1
		gw_warmup || return 1
		df_spawn loop "$DF_CL2" "$DF_TMP/loop.log" "$DF_PYTHON" -u "$LEAK_PY" loop "$DF_NET4" \
		    --interval 0.05
		leak_wait_for _leak_loop_busy || { echo "the workstation's query loop did not get going"; return 1; }
		gw_log "under load: $(grep 'stats capture:' "$DF_TMP/dnsfence.log" | tail -n 1)"
		dnsfence_stop KILL
		if [[ -n $DF_STOP_STATUS && $DF_STOP_STATUS != 137 ]]; then
			echo "dnsfence exited $DF_STOP_STATUS, not 137 (SIGKILL)"
			return 1
		fi
		sleep 0.5	# the loop goes on asking a queue nobody reads
		df_stop loop
		;;
	socks-down)
		dnsfence_start || return 1
		gw_warmup || return 1
		gw_socks_stop
		;;
	resolver-down)
		dnsfence_start || return 1
		gw_warmup || return 1
		df_stop unbound
		;;
	max-pending-exhausted)
		gw_socks_stop
		df_spawn blackhole "$DF_NET" "$DF_TMP/blackhole.log" "$DF_PYTHON" -u "$LEAK_PY" \
		    blackhole-socks "$DF_NET4" "$DF_SOCKS_PORT"
		leak_wait_for _leak_blackhole_ready || { echo "blackhole SOCKS not listening"; return 1; }
		DF_TIMEOUT=60s dnsfence_start --max-pending "$LEAK_MAXPENDING" || return 1
		leak_fill_pending || return 1
		;;
	*) echo "unknown state $want"; return 1 ;;
	esac
	echo "$want" >"$DF_TMP/gw-state"
}

# gw_check_state STATE: the state holds right before the clients run.
gw_check_state() {
	case $1 in
	never-started | killed-9)
		! df_alive dnsfence || { echo "dnsfence is running"; return 1; }
		[[ -z $(leak_queue_line) ]] || { echo "someone is bound to the queue"; return 1; }
		;;
	running) leak_dnsfence_live || { echo "dnsfence is not running"; return 1; } ;;
	sigstopped-flood)
		_leak_stopped || { echo "the worker is not stopped"; return 1; }
		_gw_queue_full || { echo "the queue is not full: $(leak_queue_line)"; return 1; }
		;;
	socks-down)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		! df_alive logsocks || { echo "the SOCKS server is running"; return 1; }
		;;
	resolver-down)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		! df_alive unbound || { echo "unbound is running"; return 1; }
		;;
	max-pending-exhausted)
		leak_dnsfence_live || { echo "dnsfence is not running"; return 1; }
		leak_fill_pending || return 1
		;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Counters

# gw_counters: the ruleset's counters (leak_fence_counters, and ipv4.gw_queued, ipv6.gw_queued:
# the gateway's queue rules, which status calls gw_queued) and, when dnsfence can answer, its
# capture counters as daemon.NAME=N.
gw_counters() {
	local n v f
	leak_fence_counters
	for f in 4 6; do
		ws "$([[ $f == 4 ]] && echo iptables || echo ip6tables)-save" -c | awk -v fam="ipv$f" '
			/^\[[0-9]+:[0-9]+\] -A DNSFENCE_/ &&
			    /--comment "dnsfence: gateway [^":]*: UDP DNS to the daemon"/ {
				split(substr($1, 2), pk, ":")
				s += pk[1]
			}
			END { print fam ".gw_queued=" s + 0 }'
	done
	if leak_dnsfence_live && dnsfence_stats >/dev/null 2>&1; then
		for n in spoofed forwarded not_internal; do
			v=$(stat_value "$n" capture 2>/dev/null) && echo "daemon.$n=$v"
		done
	fi
}

# ---------------------------------------------------------------------------------------------
# A state: every case at once in one capture

# gw_state STATE: enter it, run every case, record the cells; fails with the reasons.
gw_state() {
	local state=$1 c want got n total s b=$DF_TMP/gw-counters.before a=$DF_TMP/gw-counters.after
	local fails=() out=$DF_TMP/gw-cases.out replies='' pid
	if ! gw_enter "$state"; then
		for c in "${GW_CASES[@]}"; do _leak_record "$state" "$c" setup-failed "?" FAIL; done
		echo "FAIL: could not put the gateway in state $state"
		return 1
	fi
	gw_check_state "$state" || { echo "FAIL: state $state does not hold"; return 1; }
	_leak_replies "$state" && replies=1
	# The counters are read while the capture starts and stops: the sentinels are TCP, which no
	# counter read here counts.
	gw_counters >"$b" 3>&- &
	pid=$!
	gw_capture_start || { wait "$pid"; echo "FAIL: no capture"; return 1; }
	wait "$pid"
	for c in "${GW_CASES[@]}"; do
		_leak_bg "$c" gw_client "$c"
	done
	_leak_bg_wait >"$out"
	gw_counters >"$a" 3>&- &
	pid=$!
	gw_capture_stop || fails+=("the closing sentinel was not seen")
	wait "$pid"
	cat "$out"
	s=$(gw_capture_sentinels)
	total=$(capture_non_socks_count)
	echo "capture: sentinels=$s non_socks=$total udp=$(capture_udp_count)" \
	    "socks_tcp=$(capture_socks_count)"
	echo "counters: $(_leak_changes "$b" "$a")"
	((s == 2)) || fails+=("the capture saw $s workstation sentinels, not 2 (was it live?)")
	((total == 0)) || fails+=("$total packet(s) other than SOCKS TCP crossed the wire")
	for c in "${GW_CASES[@]}"; do
		want=$(gw_expected "$state" "$c")
		got=$(_gw_outcome "$out" "$c")
		# No case's packets are SOCKS TCP, sentinels or link noise: with nothing else on the
		# wire, each case has none there.
		n=0
		((total == 0)) || n=$(_capture_count "$(gw_signature "$c")")
		echo "cell $state / $c: expected $want, got ${got:-nothing}, $n packet(s) on the wire"
		if [[ $got == "$want" && $n == 0 ]]; then
			_leak_record "$state" "$c" "$got" "$n" ok
		else
			_leak_record "$state" "$c" "${got:-nothing}" "$n" FAIL
			fails+=("$c: outcome ${got:-nothing} (expected $want), $n packet(s) on the wire")
		fi
	done
	# The counters behind the outcomes that a client cannot see.
	_gw_evidence "$state" "$b" "$a" "$replies" >"$DF_TMP/gw-evidence"
	while IFS= read -r c; do fails+=("$c"); done <"$DF_TMP/gw-evidence"
	if ((${#fails[@]})); then
		printf 'FAIL: %s\n' "${fails[@]}"
		echo "--- packets that are not SOCKS TCP:"
		_capture_count_show "not (tcp port $DF_SOCKS_PORT) and not ($DF_LINK_NOISE)" || true
		echo "--- ruleset (ws):"
		ws sh "$DF_REPO/src/dnsfence-firewall.sh" status --backend iptables 2>&1 | sed 's/^/  /'
		return 1
	fi
}

# _gw_evidence STATE BEFORE AFTER REPLIES: one line for each counter that did not grow as the
# state's outcomes require.
_gw_evidence() {
	local fwd_drop="ipv4.fwd_dropped ipv6.fwd_dropped"
	# UDP to 123 and 443 (4), UDP-Lite (2), ICMP errors (2), echo requests (2), all forwarded.
	# shellcheck disable=SC2086
	_leak_need "$2" "$3" 10 "the ruleset did not count the forwarded non-TCP it dropped" $fwd_drop
	# shellcheck disable=SC2086
	_leak_need "$2" "$3" 2 "the ruleset did not queue the spoofed queries" \
	    ipv4.gw_queued ipv6.gw_queued
	if [[ -n $4 ]]; then
		_leak_need "$2" "$3" 2 "dnsfence did not count the 2 spoofed queries" daemon.spoofed
		_leak_need "$2" "$3" 5 "dnsfence did not count the workstations' UDP queries" \
		    daemon.forwarded
	fi
}

# gw_table: the cells so far, as the leak matrix prints them (rows: cases; columns: states).
gw_table() {
	# shellcheck disable=SC2034 # read by leak_matrix_table
	local LEAK_STATES=("${GW_STATES[@]}") LEAK_CLIENTS=("${GW_CASES[@]}")
	leak_matrix_table | sed '/^! = /,$d'
	echo "! = a failed cell (unexpected outcome, a packet on the outside wire, or the state failed)."
	echo "expected: running=answered; never-started, killed-9=timeout (TCP: reset);" \
	    "sigstopped-flood=timeout; socks-down, resolver-down, max-pending-exhausted=servfail;" \
	    "everywhere: udp-other=timeout, udplite and icmp-error=sent (the ruleset counted the" \
	    "drops), ping and spoofed=noreply. N = packets of that case on the outside wire."
}
