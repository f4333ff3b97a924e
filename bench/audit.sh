#!/usr/bin/env bash
# bench/audit.sh [SECONDS]: what the audit log costs the query path, measured in one run: dnsperf
# through dnsfence without an audit log and with one (every query logged, its sender looked up),
# alternated twice (A B A B) on the same namespaces (tests/lib/netns.bash: ws -> dnsfence ->
# microsocks -> unbound). Prints the throughput ratio, the worker's CPU per answered query (the
# query path) for both, and the parent's (the lookups and the writing, off the query path).
# Asserts nothing: these machines are shared and noisy.
set -euo pipefail
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
DF_ID=${DF_ID:-ba$$}
source "$here/../tests/lib/netns.bash"
trap 'exit 141' PIPE
trap 'rc=$?; trap "" PIPE; set +e; [ $rc -eq 0 ] || tail -n 30 "$DF_TMP/dnsfence.log" >&2;
    dnsfence_stop; topo_down' EXIT
topo_up
mkdir -p "$DF_TMP/alog"

qf=$DF_TMP/queries
for i in $(seq 1 500); do
	printf 'a.test A\na.test AAAA\ntest MX\n_xmpp-client._tcp.test SRV\ntxt.test TXT\n'
done >"$qf"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# utime + stime, clock ticks

# one LABEL [dnsfence args]: prints "qps worker_us_per_query parent_us_per_query"
one() {
	local w p w0 p0 qps n hz
	shift
	DF_TIMEOUT=4s dnsfence_start "$@" >/dev/null
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid)
	w0=$(ticks "$w")
	p0=$(ticks "$p")
	read -r qps n < <(ip netns exec "$DF_WS" dnsperf -s "$DF_NET4" -d "$qf" -l "$secs" -c 4 \
	    -Q 200000 2>&1 | awk '/Queries per second/ { q = $4 } /Queries completed/ { n = $3 }
	    END { printf "%.0f %d\n", q, n }')
	hz=$(getconf CLK_TCK)
	awk -v q="$qps" -v n="$n" -v w="$(($(ticks "$w") - w0))" -v p="$(($(ticks "$p") - p0))" \
	    -v hz="$hz" 'BEGIN { printf "%s %.2f %.2f\n", q, w * 1e6 / hz / n, p * 1e6 / hz / n }'
	dnsfence_stats >/dev/null
	dnsfence_stop
}

echo "dnsperf -c 4, $secs s per run, A B A B; 2 vCPU shared by client, dnsfence, microsocks, unbound"
printf '%-28s %10s %22s %22s\n' run qps "worker us/query" "parent us/query"
: >"$DF_TMP/results"
for round in 1 2; do
	for mode in none audit; do
		if [[ $mode == audit ]]; then
			rm -f "$DF_TMP/alog/audit.log"
			r=$(one "$mode" --audit-log "$DF_TMP/alog/audit.log")
		else
			r=$(one "$mode")
		fi
		echo "$mode $r" >>"$DF_TMP/results"
		read -r q wu pu <<<"$r"
		printf '%-28s %10s %22s %22s\n' "$mode (round $round)" "$q" "$wu" "$pu"
	done
done
lines=$(wc -l <"$DF_TMP/alog/audit.log")
awk -v lines="$lines" '
	{ q[$1] += $2; w[$1] += $3; p[$1] += $4; n[$1]++ }
	END {
		printf "ratio audit/none: throughput %.2f, worker CPU per query %.2f\n",
		    q["audit"] / q["none"], (w["audit"] / n["audit"]) / (w["none"] / n["none"])
		printf "parent CPU per query with the audit log: %.2f us (off the query path); " \
		    "lines in the last log: %d\n", p["audit"] / n["audit"], lines
	}' "$DF_TMP/results"
grep -h 'stats audit' "$DF_TMP"/dnsfence.log* | tail -n 2 || true
