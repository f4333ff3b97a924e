# shellcheck shell=bash
# tor-helpers.bash: a real private Tor network for tests/system/tor.bats. Loaded after
# tests/lib/netns.bash and helpers.bash.
#
# Layout: the whole Tor network (3 authorities, 2 relays, 2 exits, 1 client; tests/tornet/tornet.sh)
# runs inside net, next to unbound on 127.0.0.1:53, which is what the exits resolve with and the
# only target they connect to. The client's SocksPort and DNSPort are on net's veth address
# 198.51.100.2, which ws (dnsfence and the clients) reaches; its ControlPort is on net's
# 127.0.0.1. So the veth carries only ws -> SocksPort TCP (and ws -> DNSPort UDP, which no test
# here sends from ws: Tor's DNSPort is asked from inside net).
#
# Every process made here is recorded in $DF_TMP/pids (topo_down stops them whatever happens) as
# well as in tornet.sh's own PidFiles (tornet.sh down).

TORNET_SH=${TORNET_SH:-$DF_REPO/tests/tornet/tornet.sh}
TORNET_PY=${TORNET_PY:-$DF_REPO/tests/tornet}
TOR_QUIET_MS=${TOR_QUIET_MS:-1100}	# STREAM_BW events cover the second before them

tor_log() { printf 'tor: %s\n' "$*" >&2; }

# tor_env_missing: print why Tor cannot run here and succeed, or fail if it can.
tor_env_missing() {
	local c
	for c in tor tor-gencert setpriv ss; do
		command -v "$c" >/dev/null 2>&1 && continue
		case $c in
		tor*) echo "'$c' is not installed (Debian package tor; tests/deps.sh does not install it)" ;;
		setpriv) echo "'setpriv' is not installed (Debian package util-linux)" ;;
		*) echo "'$c' is not installed (Debian package iproute2)" ;;
		esac
		return 0
	done
	return 1
}

# tor_load_ruleset: the project's own ruleset in ws in place of topo_up's two capture rules, so
# that TCP DNS (dig's retry after TC) is redirected to dnsfence's listener as well.
tor_load_ruleset() {
	local ipt
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -t raw -D OUTPUT -m mark --mark "$DF_MARK" -j NOTRACK || {
			tor_log "$ipt raw: topo_up's NOTRACK rule was not there"
			return 1
		}
		ws "$ipt" -w -t mangle -D OUTPUT -p udp --dport 53 -m mark ! --mark "$DF_MARK" \
		    -j NFQUEUE --queue-num "$DF_QUEUE" || {
			tor_log "$ipt mangle: topo_up's NFQUEUE rule was not there"
			return 1
		}
	done
	ws sh "$DF_REPO/src/dnsfence-firewall.sh" load --backend iptables --queue "$DF_QUEUE" \
	    --mark "$DF_MARK" || return 1
}

# tor_register NODE...: record the tor processes in $DF_TMP/pids/tor-NODE for topo_down.
tor_register() {
	local node pid start
	for node in "$@"; do
		pid=$(cat "$TORNET_DIR/$node/pid" 2>/dev/null || cat "$TORNET_DIR/$node/launch.pid") ||
			return 1
		read -r pid _ <<<"$pid"
		start=$(_df_starttime "$pid") || return 1
		echo "$pid $start" >"$DF_TMP/pids/tor-$node"
	done
}

# tor_setup_file: skip without tor; topology, ruleset, Tor network in net, STREAM event listener,
# dnsfence in ws with --socks on the Tor client.
tor_setup_file() {
	local why out
	if why=$(df_env_missing); then skip "$why"; fi
	if why=$(tor_env_missing); then skip "$why"; fi
	if [[ ! -x $DNSFENCE ]]; then
		echo "no dnsfence binary at $DNSFENCE: build it first (make)" >&2
		return 1
	fi
	topo_up || return 1
	tor_load_ruleset || return 1
	TORNET_DIR=$DF_TMP/tornet
	mkdir -m 0700 "$TORNET_DIR" || return 1
	out=$(TORNET_NETNS=$DF_NET TORNET_CLIENT_ADDR=$DF_NET4 TORNET_RESOLVER_PORT=53 \
	    TORNET_TEST_NAME=a.test PYTHON=$DF_PYTHON "$TORNET_SH" up "$TORNET_DIR" 2>&1)
	local rc=$?
	printf '%s\n' "$out" >"$DF_TMP/tornet-up.log"
	# The timings go to the TAP stream as comments.
	grep -E 'keys and torrcs|consensus with|bootstrapped|up in' <<<"$out" | sed 's/^/# /' >&3
	if ((rc != 0)); then
		printf '%s\n' "$out" >&2
		return 1
	fi
	eval "$("$TORNET_SH" env "$TORNET_DIR")" || return 1
	export TORNET_DIR TORNET_SOCKS TORNET_DNSPORT TORNET_CONTROL TORNET_COOKIE
	TORNET_SOCKS_ADDR=${TORNET_SOCKS%:*}
	TORNET_SOCKS_PORT=${TORNET_SOCKS##*:}
	TORNET_DNS_PORT=${TORNET_DNSPORT##*:}
	export TORNET_SOCKS_ADDR TORNET_SOCKS_PORT TORNET_DNS_PORT
	tor_register a1 a2 a3 r1 r2 e1 e2 c || return 1
	tor_events_start || return 1
	dnsfence_start --socks "$TORNET_SOCKS" --resolver 127.0.0.1:53 || return 1
	echo 0 >"$DF_TMP/tor-last-query-ms"
}

tor_teardown_file() {
	[[ -n ${DF_TMP:-} && -d $DF_TMP ]] || return 0
	df_stop tor-events
	dnsfence_stop
	if [[ -n ${TORNET_DIR:-} && -f $TORNET_DIR/tornet.conf ]]; then
		"$TORNET_SH" down "$TORNET_DIR" || tor_log "tornet.sh down failed"
	fi
}

# tor_ctl ARGS...: tests/tornet/control.py against the client's ControlPort (inside net).
tor_ctl() {
	netcmd "$DF_PYTHON" "$TORNET_PY/control.py" --control "$TORNET_CONTROL" \
	    --cookie "$TORNET_COOKIE" --timeout 5 "$@"
}

# tor_events_start: a listener for STREAM, STREAM_BW and CIRC events, for the whole file (1 h
# bound), into $DF_TMP/tor-events.log. Started before dnsfence, so it sees every stream it opens.
# When the Tor client is restarted it connects again within 0.1 s of the new ControlPort, long
# before the client can complete a stream.
tor_events_start() {
	local i
	: >"$DF_TMP/tor-events.log"
	df_spawn tor-events "$DF_NET" "$DF_TMP/tor-events.log" "$DF_PYTHON" "$TORNET_PY/control.py" \
	    --control "$TORNET_CONTROL" --cookie "$TORNET_COOKIE" --timeout 5 \
	    events STREAM STREAM_BW CIRC --seconds 3600 --reconnect
	for ((i = 0; i < 100; i++)); do
		grep -q '^listening' "$DF_TMP/tor-events.log" && return 0
		df_alive tor-events || break
		sleep 0.1
	done
	tor_log "the ControlPort event listener did not start:"
	cat "$DF_TMP/tor-events.log" >&2
	return 1
}

# tor_dnsfence_ports: the local ports of dnsfence's established TCP connections to the SocksPort,
# one a line (ss in ws, filtered on the worker's PID: it owns the connections).
tor_dnsfence_ports() {
	local pid
	pid=$(dnsfence_worker_pid) || return 1
	ws ss -Htnp state established "( dport = :$TORNET_SOCKS_PORT )" 2>/dev/null |
		awk -v p="pid=$pid," -v dst="$TORNET_SOCKS_ADDR:$TORNET_SOCKS_PORT" \
		    'index($0, p) && $4 == dst { n = split($3, a, ":"); print a[n] }' | sort -n
}

# TOR_TARGET_RE: how the client names the stream target 127.0.0.1:53 once it has picked an exit:
# Tor's exit "enclave" rule pins a stream to its own loopback as 127.0.0.1.<FINGERPRINT>.exit.
TOR_TARGET_RE='127\.0\.0\.1(\.\$?[0-9A-F]{40}\.exit)?:53'

# tor_stream_of_port PORT: the Tor stream that dnsfence's connection from ws:PORT became, from the
# STREAM events: NEW carries SOURCE_ADDR (and SOCKS_USERNAME), SUCCEEDED the circuit and the
# target. Prints "STREAMID CIRCID TARGET SOCKS_USERNAME", or nothing before SUCCEEDED.
tor_stream_of_port() {
	awk -v src="SOURCE_ADDR=$DF_WS4:$1" '
		$2 == "STREAM" && $4 == "NEW" {
			for (i = 6; i <= NF; i++) if ($i == src) {
				sid = $3
				u = "-"
				for (j = 6; j <= NF; j++) if ($j ~ /^SOCKS_USERNAME=/) u = substr($j, 16)
			}
		}
		$2 == "STREAM" && $4 == "SUCCEEDED" && sid != "" && $3 == sid { line = $3 " " $5 " " $6 " " u }
		END { if (line != "") print line }' "$DF_TMP/tor-events.log"
}

# tor_assert_streams: every established dnsfence connection to the SocksPort is a Tor stream
# (tied by SOURCE_ADDR in Tor's STREAM events) that GETINFO stream-status lists as SUCCEEDED to
# 127.0.0.1:53 (pinned to an exit), on a circuit that GETINFO circuit-status lists as BUILT. At
# least one. Prints one line per connection. Sets TOR_STREAM_IDS (space separated).
tor_assert_streams() {
	local ports port ev sid cid target user st n i missing sline fp
	# A connection dnsfence has just opened may still wait for its circuit: 3 s bound.
	for ((i = 0; i < 30; i++)); do
		TOR_STREAM_IDS=
		n=0
		missing=
		ports=$(tor_dnsfence_ports) || fail "dnsfence is not running"
		st=$(tor_ctl streams) || fail "GETINFO stream-status/circuit-status failed"
		[[ -n $ports ]] || missing="(no established connection to $TORNET_SOCKS)"
		for port in $ports; do
			ev=$(tor_stream_of_port "$port")
			if [[ -z $ev ]]; then
				missing+=" $port:no-STREAM-SUCCEEDED-event"
				continue
			fi
			read -r sid cid target user <<<"$ev"
			if [[ ! $target =~ ^$TOR_TARGET_RE$ ]]; then
				fail "dnsfence's stream $sid (port $port) goes to $target, not 127.0.0.1:53"
			fi
			sline=$(grep -E "^stream=$sid status=SUCCEEDED circ=$cid circ_status=BUILT target=$TOR_TARGET_RE " \
			    <<<"$st") || {
				missing+=" $port:stream-$sid-not-SUCCEEDED-on-BUILT-circuit-$cid"
				continue
			}
			# The circuit ends at the exit that the target is pinned to.
			if [[ $target == *.exit:53 ]]; then
				fp=${target#127.0.0.1.}
				fp=${fp#\$}
				fp=${fp%.exit:53}
				[[ $sline == *" exit_fp=$fp" ]] ||
					fail "stream $sid is pinned to exit $fp, but circuit $cid ends elsewhere: $sline"
			fi
			TOR_STREAM_IDS+="$sid "
			n=$((n + 1))
		done
		[[ -z $missing ]] && break
		sleep 0.1
	done
	if [[ -n $missing ]]; then
		echo "ControlPort streams now:"
		printf '%s\n' "$st"
		echo "STREAM events:"
		grep ' STREAM ' "$DF_TMP/tor-events.log" | tail -n 20
		fail "dnsfence connections not proven to be Tor streams:$missing"
	fi
	for port in $ports; do
		read -r sid cid target user <<<"$(tor_stream_of_port "$port")"
		echo "dnsfence $DF_WS4:$port -> Tor stream $sid on circuit $cid (BUILT, $(grep -E "^stream=$sid " <<<"$st" |
		    sed 's/.* path=\([^ ]*\).*/\1/')) -> $target, SOCKS user $user"
	done
	((n > 0)) || fail "no dnsfence stream"
}

# tor_quiet: wait until TOR_QUIET_MS have passed since the last query, so that the next
# STREAM_BW event of a dnsfence stream can only count the next query's bytes.
tor_quiet() {
	local last now
	last=$(cat "$DF_TMP/tor-last-query-ms" 2>/dev/null || echo 0)
	now=$(now_ms)
	if ((now - last < TOR_QUIET_MS)); then
		sleep "$(printf '0.%03d' $((TOR_QUIET_MS - (now - last))))"
	fi
}

# tor_qdig [dig args]: qdig (waiting up to 12 s, beyond dnsfence's timeout in tor.bats), with the
# wall-clock time in microseconds before it in TOR_Q_START.
tor_qdig() {
	tor_quiet
	TOR_Q_START=$(date -u +%Y-%m-%dT%H:%M:%S.%6N)
	qdig +time=12 "$@"
	now_ms >"$DF_TMP/tor-last-query-ms"
}

# tor_assert_carried: after tor_qdig, the STREAM_BW events (bounded wait 3 s) dated at or after
# TOR_Q_START show bytes both ways on dnsfence's streams (tor_assert_streams first). Tor reports
# a stream's bytes once a second, so the query and its answer may fall in two events: they are
# added up. tor_quiet before the query makes sure no earlier query's bytes are counted.
tor_assert_carried() {
	local i sums
	tor_assert_streams
	for ((i = 0; i < 30; i++)); do
		sums=$(awk -v t="$TOR_Q_START" -v ids=" $TOR_STREAM_IDS" '
			$2 == "STREAM_BW" && index(ids, " " $3 " ") && $6 >= t { w += $4; r += $5 }
			END { print w + 0, r + 0 }' "$DF_TMP/tor-events.log")
		if [[ $sums =~ ^[1-9][0-9]*\ [1-9][0-9]*$ ]]; then
			echo "Tor carried it: ${sums% *} bytes one way, ${sums#* } the other, on dnsfence's streams since $TOR_Q_START"
			return 0
		fi
		sleep 0.1
	done
	echo "STREAM_BW events since $TOR_Q_START:"
	awk -v t="$TOR_Q_START" '$2 == "STREAM_BW" && $6 >= t' "$DF_TMP/tor-events.log" | tail -n 5
	fail "no bytes both ways on a dnsfence stream since $TOR_Q_START (sums: $sums)"
}

# dig_status / dig_answers OUTPUT: the status word and the number of answer records.
dig_status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$1" | head -n 1; }
dig_answers() { sed -n 's/.* ANSWER: \([0-9]*\),.*/\1/p' <<<"$1" | head -n 1; }

# tor_dnsport_dig NAME TYPE: dig against Tor's DNSPort from inside net (UDP; it refuses TCP).
# Prints "STATUS/N answers" or "no reply".
tor_dnsport_dig() {
	local out
	out=$(timeout 20 ip netns exec "$DF_NET" dig "@$TORNET_SOCKS_ADDR" -p "$TORNET_DNS_PORT" \
	    +tries=1 +time=5 +notcp "$1" "$2" 2>&1) || { echo "no reply"; return 0; }
	echo "$(dig_status "$out")/$(dig_answers "$out")"
}
