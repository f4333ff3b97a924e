#!/usr/bin/env bats
# privsep.bats: the two processes of docs/security.md, checked on the running daemon.
#   - the parent: root, CAP_KILL only, no_new_privs, seccomp, no network socket;
#   - the worker: the unprivileged user, CAP_NET_ADMIN only (bounding set too), chrooted,
#     no_new_privs, seccomp, and no descriptor of a directory (none outside its chroot);
#   - made to call socket(AF_PACKET), socket(AF_INET, SOCK_RAW) or setsockopt(SO_MARK)
#     (gdb, as root), the worker dies, the parent exits, no socket appears;
#   - either dies: the other exits, the queue is unbound (fail closed), nothing leaks;
#   - a reload in the middle of several hundred queries loses none;
#   - logs keep flowing when the syslog daemon restarts (a private /dev/log).
#
# One topology (netns.bash's minimal capture rules) for the file; tests run in order.

load ../lib/netns
load helpers

# shellcheck disable=SC2034 # read by bats
BATS_NO_PARALLELIZE_WITHIN_FILE=true

setup_file() {
	df_setup_file_common
}

teardown_file() {
	topo_down
}

setup() {
	if ! df_alive dnsfence; then
		dnsfence_start
	fi
}

teardown() {
	df_teardown_common
	df_stop syslog1
	df_stop syslog2
	df_stop logns
}

# status_field PID FIELD: one line of /proc/PID/status, without its name.
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# socket_kinds PID: one word per socket the process holds: unix, netlink, raw, tcp, udp, packet.
socket_kinds() {
	local pid=$1 fd ino t
	for fd in /proc/"$pid"/fd/*; do
		t=$(readlink "$fd" 2>/dev/null) || continue
		[[ $t == socket:\[*\] ]] || continue
		ino=${t#socket:[}
		ino=${ino%]}
		for t in unix netlink raw raw6 tcp tcp6 udp udp6 packet; do
			if awk -v i="$ino" 'NR > 1 && ($0 ~ " " i " " || $NF == i || $(NF-1) == i) { f = 1 }
			    END { exit !f }' "/proc/$pid/net/$t" 2>/dev/null; then
				echo "${t%6}"
				continue 2
			fi
		done
		echo "other"
	done
}

# queue_bound: someone is bound to our NFQUEUE in ws.
queue_bound() {
	ws cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null | awk -v q="$DF_QUEUE" '$1 == q { f = 1 } END { exit !f }'
}

@test "privsep: a root parent with CAP_KILL only and no network socket; a chrooted worker with CAP_NET_ADMIN only" {
	local p w uid gid fd kinds want_root
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid)
	[[ -n $w ]] || fail "the parent $p has no child"
	uid=$(id -u "$DF_USER")
	want_root=$(realpath "$DF_TMP/chroot")
	{
		echo "# parent $p and worker $w:"
		for x in "$p" "$w"; do
			grep -E '^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$x/status" |
			    tr '\n' ' ' | sed "s/^/#   $x: /"
			echo "root=$(readlink "/proc/$x/root") sockets: $(socket_kinds "$x" | sort | uniq -c | tr '\n' ' ')"
		done
	} >&3
	# The parent.
	[[ $(status_field "$p" Uid) == $'0\t0\t0\t0' ]] || fail "parent Uid: $(status_field "$p" Uid)"
	[[ $(status_field "$p" CapEff) == 0000000000000020 ]] || fail "parent CapEff is not CAP_KILL only"
	[[ $(status_field "$p" CapPrm) == 0000000000000020 ]] || fail "parent CapPrm is not CAP_KILL only"
	[[ $(status_field "$p" CapBnd) == 0000000000000020 ]] || fail "parent CapBnd is not CAP_KILL only"
	[[ $(status_field "$p" NoNewPrivs) == 1 ]] || fail "parent NoNewPrivs is not 1"
	[[ $(status_field "$p" Seccomp) == 2 ]] || fail "parent Seccomp is not 2"
	kinds=$(socket_kinds "$p" | sort -u | tr '\n' ' ')
	[[ $kinds == "unix " ]] || fail "the parent holds sockets other than Unix ones: $kinds"
	# The worker.
	[[ $(status_field "$w" Uid) == "$uid"$'\t'"$uid"$'\t'"$uid"$'\t'"$uid" ]] ||
		fail "worker Uid: $(status_field "$w" Uid)"
	[[ $(status_field "$w" CapEff) == 0000000000001000 ]] || fail "worker CapEff is not CAP_NET_ADMIN only"
	[[ $(status_field "$w" CapPrm) == 0000000000001000 ]] || fail "worker CapPrm is not CAP_NET_ADMIN only"
	[[ $(status_field "$w" CapBnd) == 0000000000001000 ]] || fail "worker CapBnd is not CAP_NET_ADMIN only"
	[[ $(status_field "$w" CapInh) == 0000000000000000 ]] || fail "worker CapInh is not empty"
	[[ $(status_field "$w" CapAmb) == 0000000000000000 ]] || fail "worker CapAmb is not empty"
	gid=$(id -g "$DF_USER")
	[[ $(status_field "$w" Gid) == "$gid"$'\t'"$gid"$'\t'"$gid"$'\t'"$gid" ]] ||
		fail "worker Gid: $(status_field "$w" Gid)"
	[[ -z $(status_field "$w" Groups) ]] || fail "worker groups kept: $(status_field "$w" Groups)"
	[[ $(status_field "$w" NoNewPrivs) == 1 ]] || fail "worker NoNewPrivs is not 1"
	[[ $(status_field "$w" Seccomp) == 2 ]] || fail "worker Seccomp is not 2"
	[[ $(readlink "/proc/$w/root") == "$want_root" ]] || fail "worker root is $(readlink "/proc/$w/root")"
	[[ $(readlink "/proc/$w/cwd") == "$want_root" ]] || fail "worker cwd is $(readlink "/proc/$w/cwd")"
	# Nothing but sockets, its epoll and signalfd, and /dev/null: no directory, no file.
	for fd in /proc/"$w"/fd/*; do
		[[ ! -d $fd ]] || fail "the worker holds a directory: $fd -> $(readlink "$fd")"
		[[ $(readlink "$fd") != /* || $(readlink "$fd") == /dev/null ]] ||
			fail "the worker holds a file: $fd -> $(readlink "$fd")"
	done
	# The worker has what the job needs: the queue (netlink), raw sockets, listeners.
	kinds=$(socket_kinds "$w" | sort -u | tr '\n' ' ')
	[[ $kinds == *netlink* && $kinds == *raw* && $kinds == *tcp* ]] ||
		fail "the worker lacks its sockets: $kinds"
	grep -q "privileges dropped: user $DF_USER, chroot $DF_TMP/chroot, CAP_NET_ADMIN only, seccomp on" \
	    "$DF_TMP/dnsfence.log" || fail "no 'privileges dropped' line in the log"
	qdig a.test A
	assert_dig NOERROR
	assert_rr a.test. A 192.0.2.1
}

# gdb_call EXPR: make the worker evaluate EXPR (a libc call) under gdb, as root.
gdb_call() {
	local w=$1 expr=$2
	timeout 60 gdb -q -nx -batch -p "$w" -ex "call $expr" -ex detach >"$DF_TMP/gdb.log" 2>&1 || true
}

# forbidden EXPR WHAT: the worker, made to evaluate EXPR, dies of SIGSYS; the parent exits
# 159; no socket of that kind appeared in ws. Then start again.
forbidden() {
	local expr=$1 what=$2 p w
	command -v gdb >/dev/null 2>&1 || fail "gdb is not installed (tests/deps.sh installs it)"
	# Started from this test's shell, so df_stop can reap it and read its exit status.
	dnsfence_stop
	dnsfence_start
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid)
	[[ -n $w ]] || fail "no worker"
	gdb_call "$w" "$expr"
	sed 's/^/  gdb| /' "$DF_TMP/gdb.log"
	if ! df_wait_exit dnsfence 10; then
		fail "$what: the parent still runs 10 s after the worker's forbidden call"
	fi
	[[ ! -e /proc/$w ]] || fail "$what: the worker $w is still alive"
	echo "$what: parent exit status ${DF_STOP_STATUS:-?}"
	[[ ${DF_STOP_STATUS:-} == 159 ]] ||
		fail "$what: parent exit ${DF_STOP_STATUS:-unknown}, expected 159 (worker killed by SIGSYS)"
	grep -q 'the worker was killed by signal 31' "$DF_TMP/dnsfence.log" ||
		fail "$what: the parent did not log the worker's death"
	[[ -z $(ws awk 'NR > 1' /proc/net/packet) ]] || fail "$what: a packet socket exists in ws"
	! queue_bound || fail "$what: the queue is still bound"
}

@test "privsep: made to create a packet socket, the worker dies and the parent exits" {
	forbidden '(int)socket(17, 3, 768)' "socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)"
}

@test "privsep: made to create a raw socket, the worker dies and the parent exits" {
	forbidden '(int)socket(2, 3, 17)' "socket(AF_INET, SOCK_RAW, IPPROTO_UDP)"
}

@test "privsep: made to set SO_MARK, the worker dies and the parent exits" {
	forbidden '(int)setsockopt(3, 1, 36, "dnsf", 4)' "setsockopt(SOL_SOCKET, SO_MARK)"
}

@test "privsep: the worker killed, the parent exits; the parent killed, the worker exits; fail closed" {
	local p w i out
	dnsfence_stop
	dnsfence_start
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid)
	kill -KILL "$w"
	df_wait_exit dnsfence 10 || fail "the parent still runs 10 s after the worker was killed"
	echo "worker killed: parent exit status ${DF_STOP_STATUS:-?}"
	[[ ${DF_STOP_STATUS:-} == 137 ]] || fail "parent exit ${DF_STOP_STATUS:-?}, expected 137"
	! queue_bound || fail "the queue is still bound"
	dnsfence_start
	p=$(df_pid dnsfence)
	w=$(dnsfence_worker_pid)
	kill -KILL "$p"
	for ((i = 0; i < 100; i++)); do
		[[ -e /proc/$w ]] || break
		sleep 0.1
	done
	[[ ! -e /proc/$w ]] || fail "the worker $w still runs 10 s after the parent was killed"
	df_stop dnsfence
	! queue_bound || fail "the queue is still bound after the worker exited"
	capture_start
	out=$(timeout 10 ip netns exec "$DF_WS" dig "@$DF_NET4" +tries=1 +time=2 a.test A 2>&1) || true
	capture_stop
	[[ $out == *"timed out"* || $out == *"no servers could be reached"* ]] ||
		fail "with both processes gone a query did not time out: $out"
	assert_capture_clean
}

@test "privsep: a reload with changed settings in the middle of 400 queries answers every one" {
	local n before
	before=$(grep -c 'reload: configuration reloaded' "$DF_TMP/dnsfence.log") || true
	# 400 queries, 20 in flight at a time; after 150 answers the client runs the hook, which
	# rewrites the configuration (new upstream connections and queue settings) and sends SIGHUP.
	printf 'connections 3\nqueue-maxlen 2048\nrcvbuf 1048576\n' >"$DF_TMP/extra.conf"
	run timeout 120 ip netns exec "$DF_WS" "$DF_PYTHON" -u -c '
import os, random, select, signal, socket, struct, sys, time
server, n, at, pid, conf, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
def q(i):
    name = b"".join(bytes([len(l)]) + l for l in (b"r%d-%d" % (os.getpid(), i), b"test")) + b"\0"
    return struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((server, 53))
sent, answered, done, deadline = 0, 0, set(), time.time() + 90
hooked = False
while answered < n and time.time() < deadline:
    while sent < n and sent - answered < 20:
        s.send(q(sent)); sent += 1
    r, _, _ = select.select([s], [], [], 0.5)
    if r:
        d = s.recv(4096)
        i = struct.unpack(">H", d[:2])[0]
        if i < n and i not in done and d[3] & 0x0f in (0, 3):
            done.add(i); answered += 1
    if answered >= at and not hooked:
        with open(conf, "a") as f:
            f.write(open(extra).read())
        os.kill(pid, signal.SIGHUP)
        hooked = True
        print("reload sent after %d answers, %d sent" % (answered, sent), flush=True)
print("answered %d of %d (%d sent)" % (answered, n, sent))
' "$DF_NET4" 400 150 "$(df_pid dnsfence)" "$DF_CONF" "$DF_TMP/extra.conf"
	echo "$output"
	: >"$DF_TMP/need-restart"
	[[ $output == *"answered 400 of 400"* ]] || fail "not every query was answered across the reload"
	n=$(grep -c 'reload: configuration reloaded' "$DF_TMP/dnsfence.log") || true
	((n == before + 1)) || fail "no reload happened ($before -> $n reload lines)"
	grep -q 'reload: new upstream settings, reconnecting' "$DF_TMP/dnsfence.log" ||
		fail "the reload did not rebuild the upstream pool"
	dnsfence_stats
	grep 'stats' "$DF_TMP/dnsfence.log" | tail -n 12
	(($(stat_value servfail answers) == 0)) || fail "SERVFAIL answers were given"
	dnsfence_stop
}

@test "privsep: logs keep flowing through the parent when the syslog daemon restarts" {
	local i ns_pid p out
	# A private /dev (tmpfs, with the host's /dev/null bound in) in a mount namespace of its
	# own: /dev/log there is the fake syslog daemon's, nothing of the host's is touched.
	dnsfence_stop
	cat >"$DF_TMP/logns.sh" <<EOS
set -e
mkdir -p "$DF_TMP/devnull"
touch "$DF_TMP/devnull/null"
mount --bind /dev/null "$DF_TMP/devnull/null"
mount -t tmpfs -o mode=0755 tmpfs /dev
touch /dev/null
mount --bind "$DF_TMP/devnull/null" /dev/null
echo "logns: ready"
exec sleep 600
EOS
	df_spawn logns "$DF_WS" "$DF_TMP/logns.log" unshare -m --propagation private sh "$DF_TMP/logns.sh"
	for ((i = 0; i < 50; i++)); do
		grep -q 'logns: ready' "$DF_TMP/logns.log" && break
		sleep 0.1
	done
	grep -q 'logns: ready' "$DF_TMP/logns.log" || fail "the mount namespace did not come up: $(cat "$DF_TMP/logns.log")"
	ns_pid=$(df_pid logns)
	# sleep is exec'd by sh, which unshare started: the namespace's process is its child.
	ns_pid=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null | awk '{ print $1 }')
	[[ -n $ns_pid ]] || ns_pid=$(df_pid logns)
	local inns=(nsenter --mount="/proc/$ns_pid/ns/mnt" --net="/proc/$ns_pid/ns/net" --)
	df_spawn syslog1 "$DF_WS" "$DF_TMP/syslog1.log" "${inns[@]}" "$DF_PYTHON" -u \
	    "$DF_LIB/fakesyslog.py" /dev/log "$DF_TMP/syslog1.out"
	for ((i = 0; i < 50; i++)); do
		grep -q 'fakesyslog: listening' "$DF_TMP/syslog1.log" && break
		sleep 0.1
	done
	# Not -d: the daemon detaches and logs to syslog.
	dnsfence_write_conf "$DF_CONF"
	"${inns[@]}" "$DNSFENCE" -c "$DF_CONF" >"$DF_TMP/bg.log" 2>&1 ||
		fail "dnsfence (background) did not start: $(cat "$DF_TMP/bg.log")"
	for ((i = 0; i < 100; i++)); do
		grep -q 'dnsfence.*: ready' "$DF_TMP/syslog1.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'dnsfence.*: ready' "$DF_TMP/syslog1.out" || fail "no 'ready' line in syslog"
	# The parent: the dnsfence process of ws whose parent is not dnsfence.
	for i in $(ip netns pids "$DF_WS"); do
		[[ $(readlink "/proc/$i/exe" 2>/dev/null) == "$(realpath "$DNSFENCE")" ]] || continue
		[[ $(readlink "/proc/$(awk '{ print $4 }' "/proc/$i/stat")/exe" 2>/dev/null) == \
		    "$(realpath "$DNSFENCE")" ]] && continue
		p=$i
	done
	[[ -n ${p:-} ]] || fail "cannot find the background dnsfence"
	echo "$p $(_df_starttime "$p")" >"$DF_TMP/pids/dnsfence"
	# Restart the syslog daemon: a new process binds /dev/log anew.
	df_stop syslog1
	df_spawn syslog2 "$DF_WS" "$DF_TMP/syslog2.log" "${inns[@]}" "$DF_PYTHON" -u \
	    "$DF_LIB/fakesyslog.py" /dev/log "$DF_TMP/syslog2.out"
	for ((i = 0; i < 50; i++)); do
		grep -q 'fakesyslog: listening' "$DF_TMP/syslog2.log" && break
		sleep 0.1
	done
	kill -USR1 "$p"
	qdig a.test A
	assert_dig NOERROR
	for ((i = 0; i < 50; i++)); do
		grep -q 'stats latency:' "$DF_TMP/syslog2.out" 2>/dev/null && break
		sleep 0.1
	done
	echo "--- the restarted syslog received:"
	cat "$DF_TMP/syslog2.out" 2>/dev/null | head -n 20
	grep -q 'dnsfence\[[0-9]*\]: stats latency:' "$DF_TMP/syslog2.out" ||
		fail "no log line reached the restarted syslog daemon"
	dnsfence_stop
}
