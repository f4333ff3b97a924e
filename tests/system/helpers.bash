# shellcheck shell=bash
# helpers.bash: assertions shared by the system bats files. Loaded after tests/lib/netns.bash.

# df_setup_file_common: skip the whole file when the machine cannot run it, fail when the daemon
# was not built (that is a build failure, not a missing capability), else bring the topology up.
df_setup_file_common() {
	local why
	if why=$(df_env_missing); then
		skip "$why"
	fi
	if [[ ! -x $DNSFENCE ]]; then
		echo "no dnsfence binary at $DNSFENCE: build it first (make)" >&2
		return 1
	fi
	topo_up
}

# fail MESSAGE: print MESSAGE and the last command's output, then fail the test.
fail() {
	{
		echo "FAIL: $*"
		echo "--- output (status ${status:-?}):"
		printf '%s\n' "${output:-}"
	} >&2
	return 1
}

# On a failed test, show what the daemon and the servers logged.
df_teardown_common() {
	if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
		topo_dump_logs >&2
	fi
	# A capture left running by a failed test must not leak into the next one.
	df_stop capture
}

# qdig [dig args]: dig from ws to $SERVER (default net's v4 address), one try, 5 s.
qdig() {
	run timeout 20 ip netns exec "$DF_WS" dig "@${SERVER:-$DF_NET4}" +tries=1 +time=5 "$@"
}

# qkdig [kdig args]: the same with kdig.
qkdig() {
	run timeout 20 ip netns exec "$DF_WS" kdig "@${SERVER:-$DF_NET4}" +retry=0 +timeout=5 "$@"
}

# assert_dig STATUS: dig exited 0, printed STATUS, and the reply came from the server asked.
assert_dig() {
	local want=$1 server=${SERVER:-$DF_NET4}
	((status == 0)) || fail "dig exited $status"
	[[ $output == *"status: $want,"* ]] || fail "expected status $want"
	[[ $output == *";; SERVER: $server#53($server)"* ]] || fail "reply not from $server#53"
	[[ $output == *";; flags: qr"* ]] || fail "no QR flag"
}

# assert_kdig STATUS: the same for kdig's output format.
assert_kdig() {
	local want=$1 server=${SERVER:-$DF_NET4}
	((status == 0)) || fail "kdig exited $status"
	[[ $output == *"status: $want;"* ]] || fail "expected status $want"
	[[ ${output,,} == *"from ${server,,}@53(udp)"* ]] || fail "reply not from $server@53 over UDP"
}

# assert_rr NAME TYPE RDATA: an answer/authority line "NAME TTL IN TYPE RDATA" is in $output
# (dig and kdig print the same layout; whitespace runs compare as one space).
assert_rr() {
	printf '%s\n' "$output" | awk -v n="$1" -v t="$2" -v r="$3" '
		$0 !~ /^;/ && NF >= 5 && $1 == n && $3 == "IN" && $4 == t {
			$1 = $2 = $3 = $4 = ""; sub(/^ +/, "")
			if ($0 == r) found = 1
		}
		END { exit !found }' || fail "no record '$1 IN $2 $3'"
}

# count_rr NAME TYPE: how many such records are in $output.
count_rr() {
	printf '%s\n' "$output" | awk -v n="$1" -v t="$2" '
		$0 !~ /^;/ && $1 == n && $3 == "IN" && $4 == t { c++ } END { print c + 0 }'
}

# assert_capture_clean: the capture was live (2 sentinels) and saw no UDP and nothing but SOCKS TCP.
assert_capture_clean() {
	run capture_assert_clean
	echo "$output"
	((status == 0)) || fail "traffic other than SOCKS TCP crossed the wire"
}

# uniq_name: a name nobody has asked for in this run (so no cache can answer it).
uniq_name() { echo "u$RANDOM$RANDOM-$BASHPID.test"; }

# now_ms: monotonic-enough wall clock in milliseconds, for timing a reply.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# slowsocks_start PORT DELAY [STALL]: tests/lib/slowsocks.py in net on $DF_NET4:PORT, recorded as
# "slowsocks" (df_stop slowsocks ends it); waits (5 s) until it listens, else returns 1.
slowsocks_start() {
	local i
	df_spawn slowsocks "$DF_NET" "$DF_TMP/slowsocks.log" "$DF_PYTHON" -u \
	    "$DF_LIB/slowsocks.py" "$DF_NET4" "$@"
	for ((i = 0; i < 50; i++)); do
		grep -q 'slowsocks: listening' "$DF_TMP/slowsocks.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "slowsocks did not start" >&2
	return 1
}
