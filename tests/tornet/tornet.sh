#!/usr/bin/env bash
# tornet.sh: a private Tor network on 127.0.0.1 for the dnsfence tests (options as measured in
# the shared TORNET notes).
#
#   tornet.sh up DIR             generate keys and torrcs under DIR, start 3 authorities (also
#                                relays), 2 relays, 2 exits, wait until every authority serves a
#                                consensus listing all 7 Running (and, for up to
#                                TORNET_SETTLE_WAIT s, their post-self-test descriptors), start
#                                the client, wait until it has bootstrapped 100% and a test
#                                stream carries a DNS query; prints the timings
#   tornet.sh down DIR           stop the tor processes of DIR (PidFiles; TERM, then KILL)
#   tornet.sh env DIR            print TORNET_SOCKS=... TORNET_DNSPORT=... TORNET_CONTROL=...
#                                TORNET_COOKIE=... (and TORNET_NETNS, TORNET_DIR) assignments
#   tornet.sh stop-client DIR    stop the client only (its PidFile)
#   tornet.sh start-client DIR   start the client again (same torrc and DataDirectory) and wait
#                                for bootstrap and a test stream
#   tornet.sh status DIR         the processes of DIR and the client's bootstrap phase
#
# DIR belongs to the caller; everything is made inside it. Nothing outside DIR is touched, no
# process is signalled but those whose PID is in DIR's PidFiles, whose executable's basename is
# "tor" (/usr/sbin/tor is a symlink to /usr/bin/tor) and whose command line names DIR's torrc.
#
# Churn in a fresh network: every relay publishes a descriptor at start-up, another once its
# self-test finds it reachable (about 20 s in) and another when its measured bandwidth changes
# after the bandwidth self-test (about 80 s in). Each time the client meets a consensus that
# lists descriptors it has not fetched it has no usable exit, and new streams (a new circuit,
# e.g. a new SOCKS username) wait until it has them. The client's
# TestingClientMaxIntervalWithoutRequest is 1 s (TestingTorNetwork makes it 5 s) so that this
# lasts about a second or three rather than five or more; established streams are not affected.
#
# Environment (read by `up`; saved in DIR/tornet.conf for the other commands):
#   TORNET_BASE           first port (default 15000): ORPorts BASE..BASE+6, authority DirPorts
#                         BASE+10..12, client SocksPort BASE+20, DNSPort +21, ControlPort +22
#   TORNET_NETNS          network namespace to run every tor process in (default: none)
#   TORNET_CLIENT_ADDR    address of the client's SocksPort and DNSPort (default 127.0.0.1; the
#                         ControlPort is always on 127.0.0.1)
#   TORNET_RESOLVER_PORT  port of the test DNS server on 127.0.0.1 (UDP and TCP), which the exits
#                         resolve with and the test stream connects to (default 53). Only
#                         127.0.0.1 works as an exit target with the loopback exit policy.
#   TORNET_TEST_NAME      a name with an A record on that server (default a.test)
#   TORNET_CONSENSUS_WAIT seconds to wait for a consensus listing all relays Running (default 90)
#   TORNET_SETTLE_WAIT    seconds to wait, within that, for one that lists every relay's
#                         post-self-test descriptor (default 30; then it goes on with a warning)
#   TORNET_CLIENT_WAIT    seconds to wait for the client's bootstrap and test stream (default 90)
#   TORNET_LOG            tor log level (default notice)
#   TOR, TOR_GENCERT, PYTHON  the programs (default tor, tor-gencert, python3)
set -u

TORNET_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODES=(a1 a2 a3 r1 r2 e1 e2)	# authorities (also relays), relays, exits; the client is "c"
AUTHS=(a1 a2 a3)

log() { printf 'tornet: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $((($1 % 1000) / 100)); }	# ms -> "12.3"

usage() {
	sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

# ---------------------------------------------------------------------------------------------
# Configuration: from the environment at `up`, from DIR/tornet.conf afterwards.

load_conf() {	# DIR
	DIR=$1
	if [[ -f $DIR/tornet.conf ]]; then
		# shellcheck disable=SC1091
		. "$DIR/tornet.conf"
	else
		die "$DIR/tornet.conf not found: was 'tornet.sh up $DIR' run?"
	fi
	TOR=${TOR:-tor}
	PYTHON=${PYTHON:-python3}
	NSX=()
	[[ -n $TORNET_NETNS ]] && NSX=(ip netns exec "$TORNET_NETNS")
	derive
}

derive() {
	SOCKS_PORT=$((TORNET_BASE + 20))
	DNS_PORT=$((TORNET_BASE + 21))
	CONTROL_PORT=$((TORNET_BASE + 22))
	if [[ $TORNET_CLIENT_ADDR == *:* ]]; then CA="[$TORNET_CLIENT_ADDR]"; else CA=$TORNET_CLIENT_ADDR; fi
	COOKIE=$DIR/c/control_auth_cookie
}

orport() { echo $((TORNET_BASE + $1)); }	# node index
dirport() { echo $((TORNET_BASE + 10 + $1)); }	# authority index
nick() { echo "tornet${1}"; }

# innet CMD...: run CMD where the tor processes run.
innet() { "${NSX[@]}" "$@"; }

# ---------------------------------------------------------------------------------------------
# Processes

# tor_pid NODE: the PID of NODE's tor, if it runs: from its PidFile, else from the launch record
# (the PidFile is written a moment after start and removed on a clean exit). Checked: the
# executable's basename is tor and the command line names this DIR's torrc for NODE.
tor_pid() {
	local node=$1 pid f exe
	for f in "$DIR/$node/pid" "$DIR/$node/launch.pid"; do
		[[ -s $f ]] || continue
		read -r pid _ <"$f" || continue
		[[ $pid =~ ^[0-9]+$ ]] || continue
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		exe=${exe% (deleted)}
		[[ ${exe##*/} == tor ]] || continue
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-f $DIR/$node/torrc " ||
			continue
		# a zombie is not running
		[[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || continue
		echo "$pid"
		return 0
	done
	return 1
}

start_node() {	# NODE
	local node=$1 pid
	if pid=$(tor_pid "$node"); then
		log "$node already runs (pid $pid)"
		return 1
	fi
	: >>"$DIR/$node/stdout.log"
	# ip netns exec and env exec, so $! is tor's own PID. fd 3 closed: bats must not wait on it.
	"${NSX[@]}" env MALLOC_ARENA_MAX=1 "$TOR" -f "$DIR/$node/torrc" --defaults-torrc /dev/null \
	    </dev/null >>"$DIR/$node/stdout.log" 2>&1 3>&- &
	echo "$!" >"$DIR/$node/launch.pid"
}

stop_node() {	# NODE: TERM, wait 10 s, KILL, wait 5 s
	local node=$1 pid i
	pid=$(tor_pid "$node") || { rm -f "$DIR/$node/launch.pid"; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		tor_pid "$node" >/dev/null || break
		sleep 0.1
	done
	if tor_pid "$node" >/dev/null; then
		log "$node (pid $pid) still runs 10 s after TERM: KILL"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			tor_pid "$node" >/dev/null || break
			sleep 0.1
		done
	fi
	# reap it if it is our child (it is not when up ran in another shell)
	wait "$pid" 2>/dev/null || true
	if tor_pid "$node" >/dev/null; then
		log "$node (pid $pid) did not exit"
		return 1
	fi
	rm -f "$DIR/$node/launch.pid"
}

dump_logs() {	# NODE...
	local node
	for node in "$@"; do
		echo "----- $node: notice.log (last 25 lines)"
		tail -n 25 "$DIR/$node/notice.log" 2>/dev/null
		if [[ -s $DIR/$node/stdout.log ]]; then
			echo "----- $node: stdout/stderr (last 10 lines)"
			tail -n 10 "$DIR/$node/stdout.log"
		fi
	done >&2
}

# ---------------------------------------------------------------------------------------------
# Keys and torrcs

gen_node() {	# NODE INDEX: its keys, fingerprints in DIR/NODE/{fingerprint,v3ident}
	local node=$1 i=$2 d=$DIR/$1 out fp certfp
	mkdir -p "$d/keys" || return 1
	chmod 700 "$d" "$d/keys"
	if [[ $node == a* ]]; then
		# The authority identity and signing keys and the certificate (12 months).
		(cd "$d/keys" && echo "" | tor-gencert --create-identity-key --passphrase-fd 0 \
		    -i authority_identity_key -s authority_signing_key -c authority_certificate \
		    -m 12 -a "127.0.0.1:$(dirport "$i")") >"$d/gencert.log" 2>&1 || {
			cat "$d/gencert.log" >&2
			return 1
		}
		certfp=$(awk '$1 == "fingerprint" {print $2}' "$d/keys/authority_certificate")
		[[ $certfp =~ ^[0-9A-F]{40}$ ]] || { log "no fingerprint in $node's certificate"; return 1; }
		echo "$certfp" >"$d/v3ident"
	fi
	# The relay identity key and its fingerprint.
	out=$("$TOR" --ignore-missing-torrc -f /dev/null --defaults-torrc /dev/null \
	    --DataDirectory "$d" --ORPort 1 --Nickname "$(nick "$node")" --list-fingerprint \
	    2>&1) || { echo "$out" >&2; return 1; }
	fp=$(printf '%s\n' "$out" | awk -v n="$(nick "$node")" '$1 == n {$1 = ""; gsub(/ /, ""); print}' |
	    tail -n 1)
	[[ $fp =~ ^[0-9A-F]{40}$ ]] || { echo "$out" >&2; log "no fingerprint for $node"; return 1; }
	echo "$fp" >"$d/fingerprint"
}

# gen_keys: every node's keys, in parallel (an authority's RSA-3072 identity takes seconds).
gen_keys() {
	local i pids=() rc=0 p
	for i in "${!NODES[@]}"; do
		gen_node "${NODES[$i]}" "$i" 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

common_torrc() {	# NODE
	local node=$1 i a
	cat <<EOF
# generated by tests/tornet/tornet.sh
TestingTorNetwork 1
Nickname $(nick "$node")
DataDirectory $DIR/$node
PidFile $DIR/$node/pid
Log $TORNET_LOG file $DIR/$node/notice.log
RunAsDaemon 0
ShutdownWaitLength 0
SafeLogging 0
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
AddressDisableIPv6 1
ClientUseIPv6 0
OutboundBindAddress 127.0.0.1
EOF
	for i in "${!AUTHS[@]}"; do
		a=${AUTHS[$i]}
		echo "DirAuthority $(nick "$a") orport=$(orport "$i") no-v2 v3ident=$(cat "$DIR/$a/v3ident") 127.0.0.1:$(dirport "$i") $(cat "$DIR/$a/fingerprint")"
	done
}

relay_torrc() {	# NODE INDEX
	cat <<EOF
SocksPort 0
ORPort 127.0.0.1:$(orport "$2")
Address 127.0.0.1
AssumeReachable 1
ContactInfo dnsfence tornet $1
ServerDNSResolvConfFile $DIR/resolv.conf
ServerDNSDetectHijacking 0
ServerDNSTestAddresses $TORNET_TEST_NAME
EOF
}

write_torrcs() {
	local i node
	# The relays' resolver: the test DNS server, never the machine's own.
	printf 'nameserver 127.0.0.1:%s\n' "$TORNET_RESOLVER_PORT" >"$DIR/resolv.conf"
	for i in "${!NODES[@]}"; do
		node=${NODES[$i]}
		{
			common_torrc "$node"
			relay_torrc "$node" "$i"
			case $node in
			a*) cat <<EOF
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
DirPort 127.0.0.1:$(dirport "$i")
ExitPolicy reject *:*
TestingV3AuthInitialVotingInterval 10
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
EOF
				;;
			r*) cat <<EOF
DirCache 0
ExitPolicy reject *:*
EOF
				;;
			e*) cat <<EOF
DirCache 0
ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicyRejectLocalInterfaces 0
ExitPolicy accept 127.0.0.0/8:*
ExitPolicy reject *:*
IPv6Exit 1
RefuseUnknownExits 0
EOF
				;;
			esac
		} >"$DIR/$node/torrc"
	done
	mkdir -p "$DIR/c"
	chmod 700 "$DIR/c"
	{
		common_torrc c
		cat <<EOF
SocksPort $CA:$SOCKS_PORT IsolateSOCKSAuth NoPreferIPv6Automap
DNSPort $CA:$DNS_PORT
ControlPort 127.0.0.1:$CONTROL_PORT
CookieAuthentication 1
UseMicrodescriptors 0
TestingClientMaxIntervalWithoutRequest 1 seconds
AutomapHostsOnResolve 1
VirtualAddrNetworkIPv4 10.192.0.0/10
EOF
	} >"$DIR/c/torrc"
}

check_torrcs() {
	local node
	for node in "${NODES[@]}" c; do
		"$TOR" --verify-config -f "$DIR/$node/torrc" --defaults-torrc /dev/null \
		    >"$DIR/$node/verify.log" 2>&1 || {
			cat "$DIR/$node/verify.log" >&2
			log "$node's torrc does not verify"
			return 1
		}
	done
}

# ---------------------------------------------------------------------------------------------
# Waits

# published_time NODE: when NODE last logged that its self-test found it reachable and it publishes
# its descriptor (UTC, YYYY-MM-DDTHH:MM:SS), or nothing yet.
published_time() {
	local line
	line=$(grep 'Publishing server descriptor' "$DIR/$1/notice.log" 2>/dev/null | tail -n 1)
	[[ -n $line ]] || return 1
	date -u -d "$(cut -c1-15 <<<"$line")" +%Y-%m-%dT%H:%M:%S
}

# wait_consensus SECONDS SETTLE: every authority's DirPort serves a consensus in which all relays
# are Running (required within SECONDS), each with the descriptor it published after its
# self-test rather than its start-up one (waited for up to SETTLE seconds, then a warning): a
# client that meets the newer descriptors only in a later consensus has no usable exit until it
# has fetched them, and new streams stall for seconds.
wait_consensus() {
	local secs=$1 settle=$2 t0 i dps=() out node pub args rc el
	for i in "${!AUTHS[@]}"; do dps+=("127.0.0.1:$(dirport "$i")"); done
	t0=$(now_ms)
	while :; do
		el=$(($(now_ms) - t0))
		args=()
		for node in "${NODES[@]}"; do
			if pub=$(published_time "$node"); then
				args+=(--published "$(nick "$node")=$pub")
			else
				args+=(--published "$(nick "$node")=9999-12-31T00:00:00")	# not yet
			fi
		done
		rc=0
		out=$(innet "$PYTHON" "$TORNET_HERE/dirport.py" "${dps[@]}" --want "${#NODES[@]}" \
		    "${args[@]}" --timeout 3 2>&1) || rc=$?
		if ((rc == 0)); then
			printf '%s\n' "$out" >"$DIR/consensus.txt"
			SETTLED="post-self-test descriptors"
			return 0
		fi
		if ((rc == 3 && el >= settle * 1000)); then
			printf '%s\n' "$out" >"$DIR/consensus.txt"
			SETTLED="some start-up descriptors still listed"
			log "warning: after $((el / 1000)) s some relays' post-self-test descriptors are not in the consensus yet; going on"
			return 0
		fi
		((el < secs * 1000)) || break
		for node in "${NODES[@]}"; do
			tor_pid "$node" >/dev/null || {
				log "$node exited while waiting for the consensus"
				dump_logs "$node"
				return 1
			}
		done
		sleep 1
	done
	log "no consensus listing all ${#NODES[@]} relays as Running on every authority within $secs s:"
	printf '%s\n' "$out" >&2
	dump_logs "${NODES[@]}"
	return 1
}

control() { innet "$PYTHON" "$TORNET_HERE/control.py" --control "127.0.0.1:$CONTROL_PORT" \
    --cookie "$COOKIE" --timeout 5 "$@"; }

# wait_client SECONDS: bootstrapped 100% and a test stream (SOCKS5 CONNECT to the test DNS
# server, one DNS-over-TCP query) succeeds. Prints the timings.
wait_client() {
	local secs=$1 t0 tb out left
	t0=$(now_ms)
	while (($(now_ms) - t0 < secs * 1000)); do
		[[ -s $COOKIE ]] && out=$(control bootstrap 2>&1) && [[ $out == *PROGRESS=100* ]] && break
		tor_pid c >/dev/null || { log "the client exited"; dump_logs c; return 1; }
		sleep 0.25
	done
	if [[ ${out:-} != *PROGRESS=100* ]]; then
		log "the client did not bootstrap within $secs s: ${out:-no answer on the ControlPort}"
		dump_logs c a1 e1 e2
		return 1
	fi
	tb=$(now_ms)
	CLIENT_BOOT_MS=$((tb - t0))
	while :; do
		left=$(((secs * 1000 - ($(now_ms) - t0)) / 1000))
		((left >= 1)) || break
		out=$(innet "$PYTHON" "$TORNET_HERE/socks_dns.py" "$CA:$SOCKS_PORT" \
		    "127.0.0.1:$TORNET_RESOLVER_PORT" "$TORNET_TEST_NAME" A --expect-answer \
		    --timeout "$((left < 15 ? left : 15))" 2>&1) && break
		tor_pid c >/dev/null || { log "the client exited"; dump_logs c; return 1; }
		sleep 0.5
	done
	if [[ ${out:-} != ok* ]]; then
		log "no test stream through the client within $secs s: ${out:-}"
		dump_logs c e1 e2
		return 1
	fi
	STREAM_MS=$(($(now_ms) - tb))
	TEST_STREAM=$out
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
	local node t0 t1 t2
	DIR=$1
	TORNET_BASE=${TORNET_BASE:-15000}
	TORNET_NETNS=${TORNET_NETNS:-}
	TORNET_CLIENT_ADDR=${TORNET_CLIENT_ADDR:-127.0.0.1}
	TORNET_RESOLVER_PORT=${TORNET_RESOLVER_PORT:-53}
	TORNET_TEST_NAME=${TORNET_TEST_NAME:-a.test}
	TORNET_CONSENSUS_WAIT=${TORNET_CONSENSUS_WAIT:-90}
	TORNET_SETTLE_WAIT=${TORNET_SETTLE_WAIT:-30}
	TORNET_CLIENT_WAIT=${TORNET_CLIENT_WAIT:-90}
	TORNET_LOG=${TORNET_LOG:-notice}
	TOR=${TOR:-tor}
	PYTHON=${PYTHON:-python3}
	if [[ ! $TORNET_BASE =~ ^[0-9]+$ ]] || ((TORNET_BASE < 1024 || TORNET_BASE > 65500)); then
		die "TORNET_BASE '$TORNET_BASE' is not a port from 1024 to 65500"
	fi
	command -v "$TOR" >/dev/null || die "'$TOR' is not installed (Debian package tor)"
	command -v tor-gencert >/dev/null || die "tor-gencert is not installed (Debian package tor)"
	[[ -d $DIR ]] || die "$DIR is not a directory"
	DIR=$(cd "$DIR" && pwd)
	[[ ! -e $DIR/tornet.conf ]] || die "$DIR already holds a Tor network (tornet.sh down, then a new DIR)"
	if [[ -n $TORNET_NETNS ]]; then
		ip netns list | awk '{print $1}' | grep -qx "$TORNET_NETNS" ||
			die "network namespace '$TORNET_NETNS' does not exist"
		NSX=(ip netns exec "$TORNET_NETNS")
	else
		NSX=()
	fi
	derive
	local v
	for v in TORNET_BASE TORNET_NETNS TORNET_CLIENT_ADDR TORNET_RESOLVER_PORT TORNET_TEST_NAME \
	    TORNET_CLIENT_WAIT TORNET_LOG TOR PYTHON; do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$DIR/tornet.conf.tmp"

	t0=$(now_ms)
	gen_keys || die "key generation failed"
	write_torrcs || die "writing the torrcs failed"
	check_torrcs || die "a torrc does not verify"
	mv "$DIR/tornet.conf.tmp" "$DIR/tornet.conf"
	{
		printf 'TORNET_SOCKS=%q\n' "$CA:$SOCKS_PORT"
		printf 'TORNET_DNSPORT=%q\n' "$CA:$DNS_PORT"
		printf 'TORNET_CONTROL=%q\n' "127.0.0.1:$CONTROL_PORT"
		printf 'TORNET_COOKIE=%q\n' "$COOKIE"
		printf 'TORNET_NETNS=%q\n' "$TORNET_NETNS"
		printf 'TORNET_DIR=%q\n' "$DIR"
	} >"$DIR/tornet.env"
	log "keys and torrcs in $DIR ($(secs $(($(now_ms) - t0))) s); starting 3 authorities, 2 relays, 2 exits${TORNET_NETNS:+ in netns $TORNET_NETNS}"

	t1=$(now_ms)
	for node in "${NODES[@]}"; do
		start_node "$node" || { cmd_down "$DIR"; die "could not start $node"; }
	done
	if ! wait_consensus "$TORNET_CONSENSUS_WAIT" "$TORNET_SETTLE_WAIT"; then
		cmd_down "$DIR"
		die "the network did not come up"
	fi
	t2=$(now_ms)
	log "consensus with all ${#NODES[@]} relays ($SETTLED) on all 3 authorities after $(secs $((t2 - t1))) s:"
	sed 's/^/tornet:   /' "$DIR/consensus.txt" >&2
	start_node c || { cmd_down "$DIR"; die "could not start the client"; }
	if ! wait_client "$TORNET_CLIENT_WAIT"; then
		cmd_down "$DIR"
		die "the client did not come up"
	fi
	log "client bootstrapped 100% after $(secs "$CLIENT_BOOT_MS") s; test stream after $(secs "$STREAM_MS") more: $TEST_STREAM"
	log "up in $(secs $(($(now_ms) - t0))) s (relays to consensus $(secs $((t2 - t1))) s, client $(secs $((CLIENT_BOOT_MS + STREAM_MS))) s); SocksPort $CA:$SOCKS_PORT DNSPort $CA:$DNS_PORT ControlPort 127.0.0.1:$CONTROL_PORT"
	echo "TORNET_TIMING total_ms=$(($(now_ms) - t0)) consensus_ms=$((t2 - t1)) bootstrap_ms=$CLIENT_BOOT_MS stream_ms=$STREAM_MS" >"$DIR/timing"
}

cmd_down() {
	local node rc=0 pids=()
	DIR=$1
	[[ -f $DIR/tornet.conf ]] || { log "$DIR holds no Tor network; nothing to stop"; return 0; }
	load_conf "$DIR"
	# The client first, then the rest in parallel (each TERM is quick with ShutdownWaitLength 0).
	stop_node c || rc=1
	for node in "${NODES[@]}"; do
		stop_node "$node" &
		pids+=($!)
	done
	for node in "${pids[@]}"; do wait "$node" || rc=1; done
	return $rc
}

cmd_env() {
	DIR=$1
	[[ -f $DIR/tornet.env ]] || die "$DIR/tornet.env not found: was 'tornet.sh up $DIR' run?"
	cat "$DIR/tornet.env"
}

cmd_stop_client() {
	load_conf "$1"
	stop_node c
}

cmd_start_client() {
	local t0
	load_conf "$1"
	t0=$(now_ms)
	start_node c || return 1
	if ! wait_client "$TORNET_CLIENT_WAIT"; then
		stop_node c
		die "the client did not come back"
	fi
	log "client bootstrapped 100% after $(secs "$CLIENT_BOOT_MS") s; test stream after $(secs "$STREAM_MS") more: $TEST_STREAM"
	echo "TORNET_CLIENT_TIMING total_ms=$(($(now_ms) - t0)) bootstrap_ms=$CLIENT_BOOT_MS stream_ms=$STREAM_MS"
}

cmd_status() {
	local node pid rc=0
	load_conf "$1"
	for node in "${NODES[@]}" c; do
		if pid=$(tor_pid "$node"); then
			echo "$node running pid=$pid"
		else
			echo "$node stopped"
			rc=1
		fi
	done
	control bootstrap 2>&1 || true
	return $rc
}

(($# == 2)) || usage
case $1 in
up) cmd_up "$2" ;;
down) cmd_down "$2" ;;
env) cmd_env "$2" ;;
stop-client) cmd_stop_client "$2" ;;
start-client) cmd_start_client "$2" ;;
status) cmd_status "$2" ;;
*) usage ;;
esac
