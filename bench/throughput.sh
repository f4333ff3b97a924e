#!/usr/bin/env bash
# bench/throughput.sh [SECONDS]: dnsperf through dnsfence compared, in the same run, with the same
# unbound answered directly over UDP and over TCP. Everything runs in the test namespaces
# (tests/lib/netns.bash): ws -> dnsfence -> microsocks (SOCKS5) -> unbound. Prints throughput
# ratios and latency; asserts nothing (shared, noisy machines).
set -euo pipefail
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
DF_ID=${DF_ID:-bn$$}
source "$here/../tests/lib/netns.bash"
# A reader that stops early (| head) must not skip the teardown: SIGPIPE exits through it.
trap 'exit 141' PIPE
trap 'rc=$?; trap "" PIPE; set +e; [ $rc -eq 0 ] || tail -n 30 "$DF_TMP/dnsfence.log" >&2; topo_down' EXIT
topo_up
DF_TIMEOUT=4s dnsfence_start

qf=$DF_TMP/queries
for i in $(seq 1 500); do
	printf 'a.test A\na.test AAAA\ntest MX\n_xmpp-client._tcp.test SRV\ntxt.test TXT\n'
done >"$qf"

# run NS SERVER [dnsperf args...]: prints "qps avg_latency_ms lost"
run() {
	local ns=$1 server=$2; shift 2
	ip netns exec "$ns" dnsperf -s "$server" -d "$qf" -l "$secs" "$@" 2>&1 | awk '
		/Queries per second/ { qps = $4 }
		/Average Latency/ { lat = $4 * 1000 }
		/Queries lost/ { lost = $3 }
		END { printf "%.0f %.3f %s\n", qps, lat, lost }'
}

echo "dnsperf, $secs s per run, 2 vCPU shared by client, dnsfence, microsocks and unbound"
# Unloaded latency first, so dnsfence's own histogram holds only this run when it is read.
read -r l_qps l_lat l_lost < <(run "$DF_WS" "$DF_NET4" -c 1 -Q 500)
dnsfence_stats >/dev/null
l_p50=$(stat_value p50_us latency); l_p99=$(stat_value p99_us latency)
read -r u_qps u_lat u_lost < <(run "$DF_NET" 127.0.0.1 -c 4 -Q 200000)
read -r t_qps t_lat t_lost < <(run "$DF_NET" 127.0.0.1 -m tcp -c 4 -Q 200000)
read -r d_qps d_lat d_lost < <(run "$DF_WS" "$DF_NET4" -c 4 -Q 200000)
printf '%-36s %10s %12s %8s\n' path qps "avg ms" lost
printf '%-36s %10s %12s %8s\n' "unbound UDP direct (baseline)" "$u_qps" "$u_lat" "$u_lost"
printf '%-36s %10s %12s %8s\n' "unbound TCP direct" "$t_qps" "$t_lat" "$t_lost"
printf '%-36s %10s %12s %8s\n' "dnsfence -> SOCKS5 -> TCP (loaded)" "$d_qps" "$d_lat" "$d_lost"
printf '%-36s %10s %12s %8s\n' "dnsfence at 500 qps (unloaded)" "$l_qps" "$l_lat" "$l_lost"
awk -v d="$d_qps" -v u="$u_qps" -v t="$t_qps" 'BEGIN {
	printf "ratio dnsfence/UDP direct: %.2f   dnsfence/TCP direct: %.2f\n", d / u, d / t }'
echo "dnsfence latency at 500 qps, its own histogram: p50 ${l_p50} us, p99 ${l_p99} us"
dnsfence_stats >/dev/null
echo "dnsfence latency, all runs (mostly the saturated one): p50 $(stat_value p50_us latency) us," \
    "p99 $(stat_value p99_us latency) us"
dnsfence_stats_lines
