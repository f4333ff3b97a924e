#!/usr/bin/env bash
# bench/flood.sh [SECONDS]: flood dnsfence with dnsperf while the SOCKS server accepts
# connections but never answers (a hung Tor), then let a real SOCKS server answer again.
# Prints peak RSS, the pending table's high-water mark against max-pending, and how long
# legitimate queries take to be answered again. Asserts nothing: figures only.
set -euo pipefail
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
DF_ID=${DF_ID:-fl$$}
DF_TIMEOUT=${DF_TIMEOUT:-4s}
source "$here/../tests/lib/netns.bash"
# A reader that stops early (| head) must not skip the teardown: SIGPIPE exits through it.
trap 'exit 141' PIPE
trap 'rc=$?; trap "" PIPE; set +e; [ $rc -eq 0 ] || tail -n 30 "$DF_TMP/dnsfence.log" >&2; topo_down' EXIT
topo_up

# The black hole: accepts on the SOCKS port, reads nothing, answers nothing.
microsocks_stop
df_spawn blackhole "$DF_NET" "$DF_TMP/blackhole.log" "$DF_PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1024); held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$DF_NET4" "$DF_SOCKS_PORT"
sleep 0.5
dnsfence_start
pid=$(df_pid dnsfence)
maxp=$(awk '/^max-pending/ { print $2 }' "$DF_CONF")
[ -n "$maxp" ] || maxp=4096
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
rss0=$(rss VmRSS)

qf=$DF_TMP/queries
for i in $(seq 1 1000); do printf 'a.test A\ntest MX\ntxt.test TXT\n'; done >"$qf"
echo "flood: dnsperf for $secs s at up to 20000 qps; SOCKS accepts and never answers"
ip netns exec "$DF_WS" dnsperf -s "$DF_NET4" -d "$qf" -l "$secs" -c 8 -q 10000 -Q 20000 -t 5 \
    >"$DF_TMP/dnsperf.out" 2>&1 &
perf=$!
maxpend=0
while kill -0 "$perf" 2>/dev/null; do
	sleep 2
	dnsfence_stats >/dev/null 2>&1 || break
	p=$(stat_value pending bounds)
	((p > maxpend)) && maxpend=$p
done
wait "$perf" || true
dnsfence_stats >/dev/null
peak=$(stat_value pending_peak bounds)
printf '%-44s %s\n' "dnsperf sent / completed:" \
    "$(awk '/Queries sent/ { s = $3 } /Queries completed/ { c = $3 } END { print s " / " c }' "$DF_TMP/dnsperf.out")"
printf '%-44s %s kB (idle %s kB, now %s kB)\n' "peak RSS (VmHWM):" "$(rss VmHWM)" "$rss0" "$(rss VmRSS)"
printf '%-44s %s (sampled max %s), bound max-pending %s: %s\n' "pending high-water mark:" \
    "$peak" "$maxpend" "$maxp" "$( ((peak <= maxp)) && echo within || echo EXCEEDED)"
printf '%-44s drop_pending=%s expired=%s servfail=%s\n' "fail-closed outcomes:" \
    "$(stat_value drop_pending bounds)" "$(stat_value expired bounds)" "$(stat_value servfail answers)"

# Recovery: the black hole goes, a real SOCKS server answers on the same port.
df_stop blackhole
microsocks_start
t0=$(date +%s.%N)
ok=no
for i in $(seq 1 80); do
	if ip netns exec "$DF_WS" dig @"$DF_NET4" a.test +tries=1 +time=4 2>/dev/null | grep -q 'status: NOERROR'; then
		ok=yes
		break
	fi
	sleep 0.25
done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v ok="$ok" -v to="${DF_TIMEOUT%s}" 'BEGIN {
	printf "%-44s %s after %.2f s (timeout %s s: %s)\n", "answered again once SOCKS answers:", ok, b - a,
	    to, (ok == "yes" && b - a <= to) ? "within one deadline" : "LATER than one deadline" }'
dnsfence_stats_lines
