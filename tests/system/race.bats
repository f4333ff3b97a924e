#!/usr/bin/env bats
# race.bats: the race key (dnsfence.conf(5)): a query with no answer after the race delay is
# sent once more on another connection of its isolation slot (another circuit); the first
# answer wins, the other is dropped and counted; race-max bounds the extra load.
# The upstream is slowsocks.py with STALL: its 1st, 3rd, ... connections hold every answer
# 2 s (a stuck circuit), the others pass them at once; dnsfence opens 2 per resolver.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

STALL_PORT=1081

setup_file() {
	df_setup_file_common
	slowsocks_start "$STALL_PORT" 0 2
}

teardown_file() {
	df_stop slowsocks
	topo_down
}

teardown() {
	df_teardown_common
	dnsfence_stop
}

# ask N: N distinct names, one after the other; prints each answer's query time (ms).
ask() {
	local i n
	for ((i = 0; i < $1; i++)); do
		n=$(uniq_name)
		timeout 20 ip netns exec "$DF_WS" dig @"$DF_NET4" +tries=1 +time=6 "$n" A |
		    awk '/status: NXDOMAIN/ { ok = 1 } /Query time:/ { t = $4 }
			END { print ok ? t : "FAILED" }'
	done
}

start() {
	dnsfence_start --socks "$DF_NET4:$STALL_PORT" --resolver 127.0.0.1:53 --connections 2 \
	    --cache no "$@"
}

@test "race 100ms: a query stuck on a slow circuit is answered by its copy on the other one" {
	local times slow sent won
	start --race 100ms --race-max 100
	times=$(ask 8)
	echo "# query times (ms): $(tr '\n' ' ' <<<"$times")"
	! grep -q FAILED <<<"$times" || fail "a query was not answered"
	# none waited out the 2 s stall: the copy answered each stuck one
	slow=$(awk '$1 >= 1500' <<<"$times" | wc -l)
	((slow == 0)) || fail "$slow queries waited for the stalled circuit"
	dnsfence_stats
	sent=$(stat_value sent race) won=$(stat_value won race)
	echo "# race: sent=$sent won=$won"
	((sent >= 1 && won >= 1)) || fail "no race was run or won (sent=$sent won=$won)"
	# the losers' late answers arrive after the stall: dropped and counted, never a warning
	sleep 2.5
	dnsfence_stats
	(($(stat_value lost race) >= 1)) || fail "the losers' late answers were not counted"
	(($(stat_value bad_answers upstream) == 0)) || fail "a loser's answer counted as a forgery"
}

@test "race 1s: a query answered before the delay gets no copy; only the stuck ones do" {
	local times fast stuck sent
	start --race 1s --race-max 100
	times=$(ask 8)
	echo "# query times (ms): $(tr '\n' ' ' <<<"$times")"
	! grep -q FAILED <<<"$times" || fail "a query was not answered"
	fast=$(awk '$1 < 500' <<<"$times" | wc -l)
	stuck=$(awk '$1 >= 900' <<<"$times" | wc -l)
	((fast >= 1 && stuck >= 1)) || fail "fast $fast, stuck $stuck: the test proves nothing"
	dnsfence_stats
	sent=$(stat_value sent race)
	echo "# race: sent=$sent for $stuck stuck and $fast fast queries"
	((sent == stuck)) || fail "$sent copies sent for $stuck stuck queries"
}

@test "race off: a query on the stalled circuit waits the stall out" {
	local times slow
	start --race off
	times=$(ask 6)
	echo "# query times (ms): $(tr '\n' ' ' <<<"$times")"
	! grep -q FAILED <<<"$times" || fail "a query was not answered"
	slow=$(awk '$1 >= 1500' <<<"$times" | wc -l)
	((slow >= 1)) || fail "no query met the stalled circuit: the test proves nothing"
	dnsfence_stats
	(($(stat_value sent race) == 0)) || fail "race off sent copies"
}

@test "race-max bounds the copies: 1% of queries sent, the rest skipped" {
	local sent skipped
	start --race 100ms --race-max 1
	ask 6 >/dev/null
	dnsfence_stats
	sent=$(stat_value sent race) skipped=$(stat_value skipped race)
	echo "# race: sent=$sent skipped=$skipped"
	((sent == 0 && skipped >= 1)) || fail "race-max 1 did not hold back (sent=$sent skipped=$skipped)"
}
