#!/usr/bin/env bash
# bench/bench.sh [SECONDS]: one run, one table: dnsfence against the same unbound answered directly,
# in the test namespaces (tests/lib/netns.bash: ws -> dnsfence -> microsocks (SOCKS5) -> unbound),
# and the issue's targets checked against the ratios of that run. SECONDS per loaded row
# (default 10; the whole run takes about 8 x SECONDS + 20 s). Asserts nothing: these machines are
# shared and noisy; exit 0 unless the benchmark could not run. See bench/README.
set -euo pipefail
secs=${1:-10}
if [[ ! $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: bench/bench.sh [SECONDS per loaded row, default 10]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
DF_ID=${DF_ID:-bb$$}
source "$here/../tests/lib/netns.bash"
((EUID == 0)) || { echo "bench.sh: needs root (network namespaces, NFQUEUE)" >&2; exit 1; }
for c in dnsperf unbound microsocks ip iptables dig "$DF_PYTHON"; do
	command -v "$c" >/dev/null || { echo "bench.sh: '$c' is not installed (tests/deps.sh)" >&2; exit 1; }
done
[[ -x $DNSFENCE ]] || { echo "bench.sh: no $DNSFENCE (make CI=true)" >&2; exit 1; }

# A reader that stops early (| head) must not skip the teardown: SIGPIPE exits through it.
trap 'exit 141' PIPE
# microsocks may be frozen (the memory row): thawed first, so that topo_down's TERM ends it at once.
trap 'rc=$?; trap "" PIPE; set +e; [ $rc -eq 0 ] || tail -n 30 "$DF_TMP/dnsfence.log" >&2;
    p=$(df_pid microsocks) && kill -CONT "$p"; topo_down' EXIT
topo_up
R=$DF_TMP/results		# one file per row: KEY=VALUE lines
mkdir -p "$R"
HZ=$(getconf CLK_TCK)
INFLIGHT=10000			# the memory row's queries in flight
note() { printf 'bench.sh: %s\n' "$*" >&2; }

# Query files. Every name dnsfence is asked is unique across the whole run (a prefix per row,
# a serial number within it, same length everywhere so every row's packets have the same size);
# unbound answers them NXDOMAIN from its static local zone "test." (no recursion, no cache).
# -n 1 below: dnsperf never goes through a file twice. The files are sized for well above the
# rates this kind of machine reaches; a row that ran out says so in a footnote.
uniq_names() {	# uniq_names FILE PREFIX COUNT
	awk -v p="$2" -v n="$3" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%07d.test A\n", p, i }' \
	    >"$1"
}
uniq_names "$DF_TMP/q.udp" u $((150000 * secs))
uniq_names "$DF_TMP/q.tcp" t $((150000 * secs))
uniq_names "$DF_TMP/q.fwd" f $((100000 * secs))
uniq_names "$DF_TMP/q.ltcp" k $((20000 * secs))
uniq_names "$DF_TMP/q.ldf" l $((20000 * secs))
# The cache row: throughput.sh's 5 names, over and over (looped: no -n 1).
for i in $(seq 1 500); do
	printf 'a.test A\na.test AAAA\ntest MX\n_xmpp-client._tcp.test SRV\ntxt.test TXT\n'
done >"$DF_TMP/q.cache"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo -; }  # utime+stime
mib() { awk -v k="$2" '$1 == k ":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# row ID LABEL NS SERVER FILE [dnsperf args...]: one dnsperf run with -v (each answer's latency, so
# the percentiles are the client's own), CPU ticks of every process involved before and after.
# Writes $R/ID. Processes not running (dnsfence on the direct rows) are "-".
row() {
	local id=$1 label=$2 ns=$3 server=$4 qf=$5 out=$DF_TMP/dnsperf.$1 p n
	local -A pid=() t0=() t1=()
	shift 5
	pid[unbound]=$(df_pid unbound)
	pid[microsocks]=$(df_pid microsocks 2>/dev/null || true)
	if df_alive dnsfence; then
		pid[parent]=$(df_pid dnsfence)
		pid[worker]=$(dnsfence_worker_pid)
	fi
	for p in "${!pid[@]}"; do t0[$p]=$(ticks "${pid[$p]}"); done
	note "$label: dnsperf $*"
	# bash's time keyword: dnsperf's own user+system time (ip netns exec execs it).
	local TIMEFORMAT='%3U %3S'
	{ time ip netns exec "$ns" dnsperf -s "$server" -d "$qf" -v "$@" >"$out" 2>&1; } \
	    2>"$out.time" || { note "$label: dnsperf failed:"; tail -n 5 "$out" >&2; return 1; }
	for p in "${!pid[@]}"; do t1[$p]=$(ticks "${pid[$p]}"); done
	{
		echo "label=$label"
		awk '/Queries per second/ && !q { q = 1; printf "qps=%.0f\n", $4 }
		    /Queries completed/ { printf "completed=%d\n", $3 }
		    /Queries lost/ { printf "lost=%d\n", $3 }
		    /Average Latency/ && !a { a = 1; printf "avg_ms=%.3f\n", $4 * 1000 }
		    /Latency StdDev/ && !s { s = 1; printf "sd_ms=%.3f\n", $4 * 1000 }
		    /Testing complete \(end of file\)/ { print "ranout=1" }' "$out"
		# -v lines: "> RCODE NAME TYPE LATENCY"; T (timed out) and I (interrupted) have none.
		awk '$1 == ">" && $2 != "T" && $2 != "I" { print $NF }' "$out" | LC_ALL=C sort -g |
		    awk 'function q(f,  i) { i = int(NR * f + 0.5); if (i < 1) i = 1; return v[i] * 1000 }
			{ v[NR] = $1 }
			END { if (NR) printf "p50_ms=%.3f\np99_ms=%.3f\n", q(0.50), q(0.99) }'
		read -r u s <"$out.time"
		echo "ticks_dnsperf=$(awk -v u="$u" -v s="$s" -v hz="$HZ" 'BEGIN { printf "%.0f", (u + s) * hz }')"
		for p in "${!pid[@]}"; do
			if [[ ${t0[$p]} != - && ${t1[$p]} != - ]]; then
				echo "ticks_$p=$((t1[$p] - t0[$p]))"
			fi
		done
	} >"$R/$id"
	rm -f "$out"	# the -v output is large
	if df_alive dnsfence; then
		dnsfence_stats >/dev/null
		{
			echo "df_p50_ms=$(awk -v v="$(stat_value p50_us latency)" 'BEGIN { printf "%.3f", v / 1000 }')"
			echo "df_p99_ms=$(awk -v v="$(stat_value p99_us latency)" 'BEGIN { printf "%.3f", v / 1000 }')"
			echo "rss_mib=$(mib "${pid[worker]}" VmRSS)"
			echo "hwm_mib=$(mib "${pid[worker]}" VmHWM)"
			# The cache's counters, once the daemon has them ("stats cache: ... hits=N").
			if n=$(stat_value hits cache 2>/dev/null); then
				echo "cache_hits=$n"
				if n=$(stat_value misses cache 2>/dev/null); then echo "cache_misses=$n"; fi
			fi
		} >>"$R/$id"
	fi
}

# get ID KEY: a row's value, "-" when it has none.
get() { local v; v=$(awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' \
    "$R/$1" 2>/dev/null); echo "${v:--}"; }

# A fresh daemon per dnsfence row: its latency histogram and peak RSS are that row's alone.
df_row() {	# df_row ID LABEL FILE [dnsperf args...]
	DF_TIMEOUT=5s dnsfence_start >/dev/null
	row "$1" "$2" "$DF_WS" "$DF_NET4" "$3" "${@:4}"
	dnsfence_stop
}

load=(-c 4 -Q 200000)	# as throughput.sh: 4 clients, 100 outstanding each, no rate limit to speak of
row udp "unbound UDP direct" "$DF_NET" 127.0.0.1 "$DF_TMP/q.udp" -l "$secs" -n 1 "${load[@]}"
row tcp "unbound TCP direct" "$DF_NET" 127.0.0.1 "$DF_TMP/q.tcp" -m tcp -l "$secs" -n 1 "${load[@]}"
df_row fwd "dnsfence forwarding" "$DF_TMP/q.fwd" -l "$secs" -n 1 "${load[@]}"
df_row cache "dnsfence cache (5 names)" "$DF_TMP/q.cache" -l "$secs" "${load[@]}"
row ltcp "light: unbound TCP direct" "$DF_NET" 127.0.0.1 "$DF_TMP/q.ltcp" -m tcp -l "$secs" -n 1 \
    -c 1 -q 1
df_row ldf "light: dnsfence forwarding" "$DF_TMP/q.ldf" -l "$secs" -n 1 -c 1 -q 1

# The memory row: nothing answers, the bounds raised, $INFLIGHT unique queries sent from 16 sockets
# in ws, kept open. RSS is read once the daemon holds them all. microsocks is frozen (SIGSTOP), not
# ended: with its port closed the daemon fails closed, SERVFAIL at once, and nothing stays in
# flight. Frozen, the kernel still completes the TCP connections and the SOCKS greeting is never
# answered: the queries wait, as they would behind a Tor that accepts and does not answer.
note "memory: $INFLIGHT queries in flight, microsocks frozen"
dnsfence_start --max-pending 20000 --timeout 30s --connect-timeout 30s >/dev/null
kill -STOP "$(df_pid microsocks)"
df_spawn sender "$DF_WS" "$DF_TMP/sender.log" "$DF_PYTHON" -c '
import socket, struct, sys, time
server, n = sys.argv[1], int(sys.argv[2])
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
for i in range(n):
    name = b"m%07d" % i
    q = struct.pack("!HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0)
    q += bytes([len(name)]) + name + b"\x04test\x00" + struct.pack("!HH", 1, 1)
    socks[i % 16].sendto(q, (server, 53))
    if i % 500 == 499:
        time.sleep(0.02)	# about 25,000 a second: the queue keeps up, nothing overruns
print("sent", n, flush=True)
time.sleep(600)
' "$DF_NET4" "$INFLIGHT"
pending=0
for ((i = 0; i < 100; i++)); do
	sleep 0.2
	dnsfence_stats >/dev/null
	pending=$(stat_value pending bounds)
	((pending >= INFLIGHT * 99 / 100)) && break
done
w=$(dnsfence_worker_pid)
{
	echo "label=memory: $INFLIGHT in flight"
	echo "pending=$pending"
	echo "rss_mib=$(mib "$w" VmRSS)"
	echo "hwm_mib=$(mib "$w" VmHWM)"
	echo "parent_rss_mib=$(mib "$(df_pid dnsfence)" VmRSS)"
	echo "drops=$(stat_value drop_pending bounds)/$(stat_value overruns capture)/$(stat_value expired bounds)"
} >"$R/mem"
df_stop sender
dnsfence_stop
kill -CONT "$(df_pid microsocks)"
microsocks_stop		# a fresh one, its state after the freeze notwithstanding
microsocks_start

# The redsocks row: Debian's redsocks, where it has dnsu2t (a UDP-to-TCP DNS relay). Looked up,
# never installed here.
redsocks_status() {
	local v bin=/usr/sbin/redsocks
	if v=$(dpkg-query -W -f '${Version}' redsocks 2>/dev/null) && [[ -n $v ]]; then
		if [[ -x $bin ]] && grep -aq dnsu2t "$bin"; then
			echo "not measured: redsocks $v has dnsu2t, but bench.sh does not drive it yet"
		else
			echo "not available: redsocks $v is installed, its binary has no dnsu2t" \
			    "(Debian's 0.5 has dnstc, truncation replies only)"
		fi
	elif v=$(apt-cache show --no-all-versions redsocks 2>/dev/null |
	    awk '/^Version:/ { print $2; exit }') && [[ -n $v ]]; then
		if [[ $v == 0.5-* || $v == 0.5 ]]; then
			echo "not available: Debian's redsocks $v is release 0.5: dnstc, no dnsu2t" \
			    "(upstream added it after 0.5)"
		else
			echo "not available: redsocks $v is not installed (install it and re-run to see" \
			    "whether it has dnsu2t)"
		fi
	else
		echo "not available: no redsocks package in this system's sources"
	fi
}
redsocks=$(redsocks_status)

# ---------------------------------------------------------------------------------------------
# The table. CPU: microseconds of user+system time per answered query (dnsperf's completed).
cpu() {	# cpu ID PROCESS
	local t n
	t=$(get "$1" "ticks_$2")
	n=$(get "$1" completed)
	# Light rows: a few thousand queries at most, 1 tick (1/HZ s) would be several us a query.
	[[ $1 != l* && $t != - && $n != - && $n -gt 0 ]] || { echo -; return; }
	awk -v t="$t" -v n="$n" -v hz="$HZ" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}
fmt='%-27s %7s %6s %7s %7s %15s %7s %6s %6s %6s %7s %11s\n'
echo
echo "dnsfence bench: $secs s per loaded row; $(nproc) CPUs shared by dnsperf, dnsfence, microsocks" \
    "and unbound (and whatever else runs here)"
# shellcheck disable=SC2059
{
	printf '%-43s %-15s %-15s %-36s %11s\n' "" "client (-v)" "dnsfence's own" \
	    "------ CPU us per answered query ----" "worker MiB"
	printf "$fmt" row qps lost "p50 ms" "p99 ms" "p50/p99 ms" dnsperf worker parent msocks \
	    unbound "RSS/VmHWM"
	for id in udp tcp fwd cache ltcp ldf; do
		d="-"
		[[ $(get $id df_p50_ms) == - ]] || d="$(get $id df_p50_ms)/$(get $id df_p99_ms)"
		m="-"
		[[ $(get $id rss_mib) == - ]] || m="$(get $id rss_mib)/$(get $id hwm_mib)"
		ms=$(cpu $id microsocks)
		[[ $id == udp || $id == tcp || $id == ltcp ]] && ms="-"	# not on the path
		lbl=$(get $id label)
		[[ $(get $id ranout) == 1 ]] && lbl="$lbl (b)"
		printf "$fmt" "$lbl" "$(get $id qps)" "$(get $id lost)" "$(get $id p50_ms)" \
		    "$(get $id p99_ms)" "$d" "$(cpu $id dnsperf)" "$(cpu $id worker)" \
		    "$(cpu $id parent)" "$ms" "$(cpu $id unbound)" "$m"
	done
	printf "$fmt" "$(get mem label)" - - - - - - - - - - "$(get mem rss_mib)/$(get mem hwm_mib)"
	printf '%-27s %s\n' "redsocks dnsu2t" "$redsocks"
}
hits=$(get cache cache_hits)
if [[ $hits == - ]]; then
	hitrate="n/a (the daemon has no 'stats cache:' line with hits=)"
elif [[ $(get cache cache_misses) != - ]]; then
	hitrate=$(awk -v h="$hits" -v m="$(get cache cache_misses)" \
	    'BEGIN { printf "%.1f%% (hits=%d misses=%d)", h + m ? 100 * h / (h + m) : 0, h, m }')
else
	hitrate=$(awk -v h="$hits" -v n="$(get cache completed)" \
	    'BEGIN { printf "%.1f%% (hits=%d of %d answered)", n ? 100 * h / n : 0, h, n }')
fi
cat <<EOF

qps: dnsperf's answered queries per second; lost: dnsperf's timeouts (5 s). Client p50/p99: from
dnsperf -v (every answer's latency), on every row; -v costs dnsperf about 1 us of CPU per query.
dnsfence's own p50/p99: its latency histogram (stats latency:), a fresh daemon per row. CPU: user +
system time of each process over the row / dnsperf's answered queries ("-": not on that path).
Worker MiB: VmRSS at the row's end / VmHWM (peak). Memory row: $(get mem pending) queries pending
when read (stats bounds: pending=), drops (drop_pending/overruns/expired) $(get mem drops), parent
RSS $(get mem parent_rss_mib) MiB; its daemon has --max-pending 20000, a table allocated at start.
Light rows: dnsperf -c 1 -q 1 (one query outstanding; dnsperf paces itself, hence the low qps),
too few queries for CPU per query at $HZ ticks/s. Direct rows ask 127.0.0.1 from net.
cache hit rate: $hitrate
EOF
for id in udp tcp fwd ltcp ldf; do
	[[ $(get $id ranout) == 1 ]] && echo "(b) $(get $id label): its query file ran out before $secs s"
done

# ---------------------------------------------------------------------------------------------
# Targets: ratios within this run.
echo
echo "targets (ratios within this run):"
target() {	# target TEXT VALUE OP LIMIT  (VALUE "-": not measured)
	local verdict
	if [[ $2 == - || -z $2 ]]; then
		verdict="NOT MEASURED"
	elif awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !(op == ">=" ? v >= l : v <= l) }'; then
		verdict=MET
	else
		verdict="NOT MET"
	fi
	printf '  %-64s %7s %s %-5s %s\n' "$1" "$2" "$3" "$4" "$verdict"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-";
    else printf "%.2f", a / b }'; }
target "forwarding qps / TCP direct qps" "$(ratio "$(get fwd qps)" "$(get tcp qps)")" ">=" 0.95
target "cache qps / UDP direct qps (hit rate above)" \
    "$(ratio "$(get cache qps)" "$(get udp qps)")" ">=" 1.0
target "worker CPU/query forwarding / unbound CPU/query TCP direct" \
    "$(ratio "$(cpu fwd worker)" "$(cpu tcp unbound)")" "<=" 0.35
target "worker VmHWM (MiB) with $(get mem pending) queries in flight" "$(get mem hwm_mib)" "<=" 16
ap50=$(awk -v a="$(get ldf p50_ms)" -v b="$(get ltcp p50_ms)" 'BEGIN { if (a == "-" || b == "-")
    print "-"; else printf "%.3f", a - b }')
target "added p50 at light load, ms (client p50 dnsfence - TCP direct)" "$ap50" "<=" 0.2
awk -v a="$(get ldf avg_ms)" -v b="$(get ltcp avg_ms)" -v d="$(get ldf df_p50_ms)" 'BEGIN {
    printf "  (light load: dnsperf average %.3f - %.3f = %.3f ms added; dnsfence own p50 %s ms)\n",
    a, b, a - b, d }'
echo "run time: $SECONDS s"
