#!/usr/bin/env bats
# cache.bats: the answer cache seen from a client. A second identical query is answered by
# dnsfence itself (the upstream counter `stats upstream: sent=` does not move, the cache's
# `answers=` does), with the client's ID and the case of its name, TTLs that count down and obey
# cache-min-ttl/cache-max-ttl; negative answers are kept by the zone's SOA (RFC 2308); one user or
# one gateway workstation never gets another's entries; serve-stale answers (TTL 30) when the
# upstream is gone, SERVFAIL without it; `cache no`, CD=1 and RD=0 queries bypass it; a reload that
# changes a cache key empties it; cache-entries and cache-size bound it (LRU, evictions counted).
#
# Evidence that a query did not reach unbound: its config does not log queries (verbosity 1, no
# log-queries), so every test compares dnsfence's own `stats upstream: sent=` before and after.
#
# Each test starts its own daemon (an empty cache, its own flags) and stops it. One topology;
# the last test adds the gateway workstations and the loader's gateway rules.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats: the tests share one topology and run in order
BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	command -v setpriv >/dev/null 2>&1 || skip "'setpriv' is not installed (util-linux)"
	df_setup_file_common
}

teardown_file() {
	topo_gw_down	# topo_down, and the workstations if the last test made them
}

teardown() {
	df_teardown_common
	dnsfence_stop
	df_alive microsocks || microsocks_start
}

# snap: SIGUSR1, then the counters this file reads: SENT (upstream), and from `stats cache:`
# ANS, STALE, HITS, MISSES, STORES, UNC, EVICT, ENTRIES, BYTES.
snap() {
	dnsfence_stats || return 1
	SENT=$(stat_value sent upstream) || return 1
	ANS=$(stat_value answers cache) || return 1
	STALE=$(stat_value stale_answers cache) || return 1
	HITS=$(stat_value hits cache) || return 1
	MISSES=$(stat_value misses cache) || return 1
	STORES=$(stat_value stores cache) || return 1
	UNC=$(stat_value uncacheable cache) || return 1
	EVICT=$(stat_value evictions cache) || return 1
	ENTRIES=$(stat_value entries cache) || return 1
	BYTES=$(stat_value bytes cache) || return 1
	echo "snap: sent=$SENT answers=$ANS stale=$STALE hits=$HITS misses=$MISSES stores=$STORES" \
	    "uncacheable=$UNC evictions=$EVICT entries=$ENTRIES bytes=$BYTES"
}

# upstream_grew OLD: SENT (after snap) is above OLD: the query went upstream.
upstream_grew() { ((SENT > $1)) || fail "sent stayed at $1: the query did not go upstream"; }
# upstream_still OLD: SENT is OLD: nothing went upstream.
upstream_still() { ((SENT == $1)) || fail "sent went from $1 to $SENT: the query went upstream"; }

# ttl_of NAME TYPE: the TTL of the first such record in $output.
ttl_of() {
	printf '%s\n' "$output" | awk -v n="$1" -v t="$2" \
	    '$0 !~ /^;/ && NF >= 5 && $1 == n && $3 == "IN" && $4 == t { print $2; exit }'
}

# qdig_nobody [dig args]: qdig as uid 65534.
qdig_nobody() {
	run timeout 20 ip netns exec "$DF_WS" "${DF_NOBODY[@]}" dig "@${SERVER:-$DF_NET4}" +tries=1 \
	    +time=5 "$@"
}

# ---------------------------------------------------------------------------------------------

@test "a second identical query is answered from the cache, with the same data" {
	local s0 s1 a1
	dnsfence_start
	snap
	s0=$SENT
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s0"
	((STORES >= 1)) || fail "the first answer was not stored"
	s1=$SENT a1=$ANS
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	(($(count_rr a.test. A) == 1)) || fail "not the one A record of the first answer"
	snap
	upstream_still "$s1"
	((ANS == a1 + 1)) || fail "answers went from $a1 to $ANS, not by one"
	((HITS >= 1)) || fail "no cache hit counted"
	grep -q 'stats cache: on ' "$DF_TMP/dnsfence.log" || fail "stats cache does not say on"
}

@test "TTLs count down in the cache; cache-max-ttl ends an entry, cache-min-ttl raises it" {
	local s1 t1 t2
	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
	t1=$(ttl_of a.test. A)
	((t1 == 300)) || fail "the first answer's TTL is '$t1', not the zone's 300"
	snap
	s1=$SENT
	sleep 2
	qdig a.test A
	assert_dig NOERROR
	t2=$(ttl_of a.test. A)
	echo "TTL $t1, 2 s later from the cache $t2"
	((t2 <= t1 - 1 && t2 >= t1 - 10)) || fail "TTL after 2 s is '$t2' (first $t1)"
	snap
	upstream_still "$s1"
	dnsfence_stop

	# cache-max-ttl 3: the entry lives 3 s, and the TTL it answers with is at most 3.
	dnsfence_start --cache-max-ttl 3
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	t2=$(ttl_of a.test. A)
	echo "with cache-max-ttl 3: TTL from the cache $t2"
	((t2 >= 0 && t2 <= 3)) || fail "TTL from the cache is '$t2', above cache-max-ttl 3"
	snap
	upstream_still "$s1"
	sleep 4
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"
	dnsfence_stop

	# cache-min-ttl 600: an answer of TTL 300 is kept, and served, as 600.
	dnsfence_start --cache-min-ttl 600
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	t2=$(ttl_of a.test. A)
	echo "with cache-min-ttl 600: TTL from the cache $t2"
	((t2 > 300 && t2 <= 600)) || fail "TTL from the cache is '$t2', not raised to 600"
	snap
	upstream_still "$s1"
}

@test "an answer from the cache has the client's ID and the case of its name" {
	local s1
	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	# dig rejects a reply whose ID is not its own; the question must be the client's bytes.
	qdig A.tEsT A
	assert_dig NOERROR
	grep -qE '^;A\.tEsT\.[[:space:]]+IN[[:space:]]+A$' <<<"$output" ||
		fail "the question section is not the client's 'A.tEsT.'"
	printf '%s\n' "$output" | awk '$0 !~ /^;/ && tolower($1) == "a.test." && $4 == "A" &&
	    $5 == "192.0.2.1" { f = 1 } END { exit !f }' || fail "no A 192.0.2.1 in the answer"
	snap
	upstream_still "$s1"
	# Two fixed IDs (no EDNS: a key of its own): the second comes from the cache with its ID.
	run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" a.test A \
	    --id 4660
	echo "$output"
	((status == 0)) || fail "dnsq.py id 0x1234"
	snap
	s1=$SENT
	run timeout 20 ip netns exec "$DF_WS" "$DF_PYTHON" "$DF_LIB/dnsq.py" udp "$DF_NET4" a.test A \
	    --id 48879
	echo "$output"
	((status == 0)) || fail "dnsq.py id 0xbeef"
	[[ $output == *"id=0xbeef "*"answers=192.0.2.1"* ]] || fail "not 0xbeef's answer"
	snap
	upstream_still "$s1"
}

@test "isolation: one user's cached answer does not answer another user" {
	local s1
	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig_nobody a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"	# uid 65534 is not answered from uid 0's entry
	s1=$SENT
	qdig_nobody a.test A
	assert_dig NOERROR
	snap
	upstream_still "$s1"	# its own entry answers it
	qdig a.test A
	assert_dig NOERROR
	snap
	upstream_still "$s1"	# and uid 0's is still there
	((ENTRIES == 2)) || fail "$ENTRIES entries, not one per user"
}

@test "negative caching: NXDOMAIN and NODATA with the zone's SOA are answered from the cache" {
	local name s1 t
	dnsfence_start
	name=$(uniq_name)
	qdig "$name" A
	assert_dig NXDOMAIN
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	snap
	s1=$SENT
	((STORES == 1)) || fail "the NXDOMAIN with its SOA was not stored"
	qdig "$name" A
	assert_dig NXDOMAIN
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	t=$(ttl_of test. SOA)
	((t <= 300)) || fail "the SOA's TTL '$t' is above its MINIMUM 300 (RFC 2308)"
	snap
	upstream_still "$s1"
	# NODATA: a.test has no TXT.
	qdig a.test TXT
	assert_dig NOERROR
	(($(count_rr a.test. TXT) == 0)) || fail "a.test has a TXT?"
	snap
	s1=$SENT
	qdig a.test TXT
	assert_dig NOERROR
	assert_rr test. SOA "ns1.test. hostmaster.test. 2024010101 7200 900 1209600 300"
	snap
	upstream_still "$s1"
}

@test "serve-stale: an expired answer (TTL 30) when the upstream is gone; SERVFAIL without it" {
	local s1 st1 t
	dnsfence_start --serve-stale yes --cache-max-ttl 2
	qdig a.test A
	assert_dig NOERROR
	sleep 3
	snap
	s1=$SENT st1=$STALE
	microsocks_stop
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	t=$(ttl_of a.test. A)
	((t == 30)) || fail "the stale answer's TTL is '$t', not 30 (RFC 8767)"
	snap
	((STALE == st1 + 1)) || fail "stale_answers went from $st1 to $STALE"
	upstream_still "$s1"	# nothing could be sent: SOCKS is down
	dnsfence_stop
	microsocks_start

	dnsfence_start --cache-max-ttl 2
	qdig a.test A
	assert_dig NOERROR
	sleep 3
	microsocks_stop
	qdig a.test A
	assert_dig SERVFAIL
	snap
	((STALE == 0)) || fail "a stale answer without serve-stale"
}

@test "cache no: every query goes upstream, and stats cache says off" {
	local s1
	dnsfence_start --cache no
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	snap
	upstream_grew "$s1"
	((ANS == 0 && STORES == 0 && ENTRIES == 0)) || fail "a cache that is off counted something"
	grep 'stats cache:' "$DF_TMP/dnsfence.log" | tail -n 1 | grep -q 'stats cache: off ' ||
		fail "stats cache does not say off"
	dnsfence_stop
	# cache-size 0 and cache-entries 0 are off too.
	dnsfence_start --cache-size 0
	snap
	grep 'stats cache:' "$DF_TMP/dnsfence.log" | tail -n 1 | grep -q 'stats cache: off ' ||
		fail "cache-size 0: stats cache does not say off"
	dnsfence_stop
	dnsfence_start --cache-entries 0
	snap
	grep 'stats cache:' "$DF_TMP/dnsfence.log" | tail -n 1 | grep -q 'stats cache: off ' ||
		fail "cache-entries 0: stats cache does not say off"
}

@test "CD=1 queries are neither answered from the cache nor stored" {
	local s1
	dnsfence_start
	qdig +cd a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	((STORES == 0)) || fail "a CD=1 answer was stored"
	qdig +cd a.test A
	assert_dig NOERROR
	snap
	upstream_grew "$s1"
	s1=$SENT
	qdig a.test A		# CD=0: not answered by what the CD=1 queries got
	assert_dig NOERROR
	snap
	upstream_grew "$s1"
	s1=$SENT
	qdig +cd a.test A	# now a CD=0 entry exists: CD=1 still goes upstream
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"
	((STORES == 1)) || fail "$STORES stores: only the CD=0 answer may be kept"
}

@test "RD=0 queries are neither answered from the cache nor stored" {
	local s1
	dnsfence_start
	qdig +norecurse a.test A	# unbound's local zone answers it all the same
	assert_dig NOERROR
	snap
	s1=$SENT
	((STORES == 0)) || fail "an RD=0 answer was stored"
	qdig a.test A		# RD=1: not answered by what the RD=0 query got
	assert_dig NOERROR
	snap
	upstream_grew "$s1"
	s1=$SENT
	qdig +norecurse a.test A	# now an RD=1 entry exists: RD=0 still goes upstream
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"
	((STORES == 1)) || fail "$STORES stores: only the RD=1 answer may be kept"
}

# hup_wait PATTERN N: SIGHUP to the parent, then wait (5 s) for the Nth line matching PATTERN.
hup_wait() {
	local i
	kill -HUP "$(df_pid dnsfence)"
	for ((i = 0; i < 50; i++)); do
		(($(grep -c "$1" "$DF_TMP/dnsfence.log" || true) >= $2)) && return 0
		df_alive dnsfence || { echo "dnsfence died on SIGHUP"; return 1; }
		sleep 0.1
	done
	echo "no line $2 matching '$1' within 5 s of SIGHUP"
	return 1
}

@test "a reload that changes a cache key empties the cache; one that does not keeps it" {
	local s1
	dnsfence_start
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	hup_wait 'reload: configuration reloaded' 1
	grep -q 'reload: cache' "$DF_TMP/dnsfence.log" && fail "an unchanged reload touched the cache"
	qdig a.test A
	assert_dig NOERROR
	snap
	upstream_still "$s1"	# kept across the reload
	dnsfence_write_conf "$DF_CONF"
	echo 'cache-max-ttl 10' >>"$DF_CONF"
	hup_wait 'reload: configuration reloaded' 2
	grep -q 'reload: cache on, emptied' "$DF_TMP/dnsfence.log" ||
		fail "no 'reload: cache on, emptied'"
	snap
	((ENTRIES == 0)) || fail "$ENTRIES entries after the cache was emptied"
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"
	# and the new cache works, with the new bound
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	(($(ttl_of a.test. A) <= 10)) || fail "TTL above the reloaded cache-max-ttl 10"
	snap
	upstream_still "$s1"
}

@test "cache-entries 16: 40 names keep at most 16, the oldest evicted (LRU)" {
	local sfx=$BASHPID$RANDOM n s1
	dnsfence_start --cache-entries 16
	# shellcheck disable=SC2016 # expanded by the inner bash
	run timeout 60 ip netns exec "$DF_WS" bash -c '
		for ((i = 0; i < 40; i++)); do
			dig "@$1" +tries=1 +time=5 "c$i-$2.test" A
		done' cq "$DF_NET4" "$sfx"
	n=$(grep -c 'status: NXDOMAIN,' <<<"$output") || true
	((n == 40)) || fail "$n of 40 NXDOMAIN answers"
	snap
	((STORES == 40)) || fail "$STORES stores, not 40"
	((ENTRIES <= 16)) || fail "$ENTRIES entries, above cache-entries 16"
	((EVICT >= 24)) || fail "$EVICT evictions, not at least 24"
	s1=$SENT
	qdig "c39-$sfx.test" A
	assert_dig NXDOMAIN
	snap
	upstream_still "$s1"	# the newest is kept
	qdig "c0-$sfx.test" A
	assert_dig NXDOMAIN
	snap
	upstream_grew "$s1"	# the oldest was evicted
}

@test "cache-size: an answer larger than cache-size/8 is not cached, a small one is" {
	local s1 u1
	dnsfence_start --cache-size 8192	# an entry may take at most 1024 bytes
	qdig +bufsize=4096 big.test TXT
	assert_dig NOERROR
	(($(count_rr big.test. TXT) == 8)) || fail "not big.test's 8 TXT records"
	snap
	s1=$SENT u1=$UNC
	((u1 >= 1 && STORES == 0)) || fail "big.test (about 1.8 KB) was stored"
	qdig +bufsize=4096 big.test TXT
	assert_dig NOERROR
	snap
	upstream_grew "$s1"
	qdig a.test A
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig a.test A
	assert_dig NOERROR
	snap
	upstream_still "$s1"
	((BYTES > 0 && BYTES <= 8192)) || fail "bytes=$BYTES for one small entry"
	dnsfence_stop
	# with the default cache-size the same big answer is kept
	dnsfence_start
	qdig +bufsize=4096 big.test TXT
	assert_dig NOERROR
	snap
	s1=$SENT
	qdig +bufsize=4096 big.test TXT
	assert_dig NOERROR
	(($(count_rr big.test. TXT) == 8)) || fail "not big.test's 8 TXT records from the cache"
	snap
	upstream_still "$s1"
}

@test "a reload that turns reject-private on does not serve private addresses from the cache" {
	local s1
	# reject-private in the file (a --key option would outlive the reloads)
	dnsfence_start
	dnsfence_write_conf "$DF_CONF"
	echo 'reject-private no' >>"$DF_CONF"
	hup_wait 'reload: configuration reloaded' 1
	qdig private.test A
	assert_dig NOERROR
	assert_rr private.test. A 10.1.2.3	# allowed now, and kept in the cache
	snap
	((STORES == 1)) || fail "the answer with 10.1.2.3 was not stored"
	# back to the default: reject-private yes. No cache key changed.
	dnsfence_write_conf "$DF_CONF"
	hup_wait 'reload: configuration reloaded' 2
	# control: a query that goes upstream now (uid 65534: its own domain) has it removed
	qdig_nobody private.test A
	assert_dig NOERROR
	(($(count_rr private.test. A) == 0)) || fail "reject-private yes not applied after the reload"
	snap
	s1=$SENT
	qdig private.test A
	assert_dig NOERROR
	snap
	(($(count_rr private.test. A) == 0)) || {
		((SENT == s1)) && echo "sent unchanged at $s1: the answer came from the cache"
		fail "after the reload to reject-private yes, the cached 10.1.2.3 was answered again (cache_changed must empty the cache)"
	}
}

@test "gateway: one workstation's cached answer does not answer another" {
	local s1
	topo_gw_up 2 1
	topo_gw_load_rules
	dnsfence_start --gateway "$DF_GWIF"
	run timeout 20 ip netns exec "$DF_CL1" "${DF_NOBODY[@]}" dig "@$DF_NET4" +tries=1 +time=5 a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	s1=$SENT
	run timeout 20 ip netns exec "$DF_CL2" "${DF_NOBODY[@]}" dig "@$DF_NET4" +tries=1 +time=5 a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
	snap
	upstream_grew "$s1"	# cl2 is not answered from cl1's entry
	s1=$SENT
	# the same uid on another host, and root on cl1: one domain per host, whatever the uid
	run timeout 20 ip netns exec "$DF_CL1" dig "@$DF_NET4" +tries=1 +time=5 a.test A
	assert_dig NOERROR
	snap
	upstream_still "$s1"
	((ENTRIES == 2)) || fail "$ENTRIES entries, not one per workstation"
}

