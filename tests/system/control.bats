#!/usr/bin/env bats
# control.bats: reading the counters without signals (dnsfence --stats over the parent's
# abstract control socket), and systemd's watchdog (WATCHDOG=1 only while the worker's loop
# turns). See dnsfence(8), COUNTERS and SYSTEMD.
#   - --stats as root: a table of every counter group; the numbers move with the traffic;
#   - --stats as another user: refused, and counted;
#   - a stopped worker: --stats says so within its 2 s, and works again once it runs;
#   - a squatter (another user bound the name first): the daemon runs and answers anyway, and
#     --stats will not believe a socket that is not root's;
#   - control-socket none: no socket; --stats says why; a bad value: file:line;
#   - the watchdog: WATCHDOG=1 every half period while the worker runs, none while it is
#     stopped, again after SIGCONT; none when $WATCHDOG_PID names another process.

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
	df_stop squatter
	local w
	if w=$(dnsfence_worker_pid); then kill -CONT "$w" 2>/dev/null || true; fi
}

# stats_as [setpriv args]: dnsfence --stats in ws (the daemon's namespace), as root or as
# the user setpriv makes.
stats_run() { run timeout 20 ip netns exec "$DF_WS" "$@" "$DNSFENCE" -c "$DF_CONF" --stats; }

# table_value GROUP KEY: KEY's value in GROUP's block of the table in $output.
table_value() {
	awk -v g="$1" -v k="$2" '/^[^ ]/ { in_g = ($0 == g) } in_g && $1 == k { print $2; exit }' \
	    <<<"$output"
}

@test "--stats as root: every counter group as a table; answered counts the queries" {
	local before after g
	stats_run
	((status == 0)) || fail "--stats exited $status"
	echo "$output" | head -n 12 | sed 's/^/# /' >&3
	for g in capture addresses edns answers bounds upstream "resolver 127.0.0.1:53" policy \
	    isolation tor tcp cache race latency control; do
		grep -qx "$g" <<<"$output" || fail "no group '$g' in the table"
	done
	[[ $(table_value "resolver 127.0.0.1:53" state) == up ]] || fail "resolver state is not up"
	before=$(table_value answers answered)
	[[ $before =~ ^[0-9]+$ ]] || fail "answers/answered is not a number: '$before'"
	for n in 1 2 3; do
		qdig "c$n-$RANDOM.test" A
		assert_dig NXDOMAIN
	done
	stats_run
	((status == 0)) || fail "--stats exited $status"
	after=$(table_value answers answered)
	((after == before + 3)) || fail "answered went $before -> $after, want +3"
	# the same numbers as the SIGUSR1 log line
	dnsfence_stats
	[[ $(stat_value answered answers) == "$after" ]] || fail "the log says $(stat_value answered answers)"
}

@test "--stats as another user: refused (root's only), exit 1, counted" {
	local before
	stats_run
	before=$(table_value control refused)
	stats_run setpriv --reuid 65534 --regid 65534 --clear-groups
	((status == 1)) || fail "exit $status, want 1"
	[[ $output == *"the counters are root's only"* ]] || fail "no refusal message"
	[[ $output != *answered* ]] || fail "counters shown to uid 65534"
	stats_run
	[[ $(table_value control refused) == $((before + 1)) ]] || fail "refused not counted"
}

@test "--stats with the worker stopped: an error within the parent's 2 s, then works again" {
	local w t0 t1
	w=$(dnsfence_worker_pid) || fail "no worker"
	kill -STOP "$w"
	t0=$(date +%s%N)
	stats_run
	t1=$(date +%s%N)
	kill -CONT "$w"
	((status == 1)) || fail "exit $status with the worker stopped, want 1"
	[[ $output == *"did not send its counters within 2 s"* ]] || fail "no timeout message"
	echo "# answered with the error after $(((t1 - t0) / 1000000)) ms" >&3
	stats_run
	((status == 0)) || fail "--stats after SIGCONT exited $status"
	[[ $(table_value control timeouts) -ge 1 ]] || fail "the timeout was not counted"
	qdig "after-stop-$RANDOM.test" A
	assert_dig NXDOMAIN
}

@test "a squatter on the name: the daemon runs and answers; --stats refuses a socket not root's" {
	dnsfence_stop
	# uid 65534 binds @dnsfence in ws first
	df_spawn squatter "$DF_WS" "$DF_TMP/squatter.log" setpriv --reuid 65534 --regid 65534 \
	    --clear-groups "$DF_PYTHON" -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0dnsfence"); s.listen(4); print("bound", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"stats answers: answered=999999\n"); c.close()'
	for _ in $(seq 50); do grep -q bound "$DF_TMP/squatter.log" && break; sleep 0.1; done
	grep -q bound "$DF_TMP/squatter.log" || fail "the squatter did not bind"
	dnsfence_start
	grep -q "control-socket @dnsfence: bind (the name is taken): running without it" \
	    "$DF_TMP/dnsfence.log" || fail "no warning about the taken name"
	qdig "squat-$RANDOM.test" A
	assert_dig NXDOMAIN
	stats_run
	((status == 1)) || fail "exit $status, want 1"
	[[ $output == *"is held by uid 65534, not root"* ]] || fail "no refusal of the squatter's socket"
	[[ $output != *999999* ]] || fail "the squatter's counters were shown"
	df_stop squatter
	dnsfence_stop
}

@test "control-socket none: no socket, --stats says why; another name works; a bad value names file:line" {
	local conf=$DF_TMP/ctl.conf
	dnsfence_stop
	DF_CONF_EXTRA="control-socket none" dnsfence_start
	! ip netns exec "$DF_WS" grep -q '@dnsfence$' /proc/net/unix || fail "an @dnsfence socket exists"
	stats_run
	((status == 1)) || fail "exit $status, want 1"
	[[ $output == *"control-socket is none"* ]] || fail "no explanation"
	dnsfence_stop
	DF_CONF_EXTRA="control-socket @dnsfence-test" dnsfence_start
	ip netns exec "$DF_WS" grep -q '@dnsfence-test$' /proc/net/unix || fail "no @dnsfence-test socket"
	stats_run
	((status == 0)) || fail "--stats on @dnsfence-test exited $status"
	dnsfence_stop
	for bad in "dnsfence" "@" "@a/b" "/run/dnsfence.sock"; do
		printf 'queue 9\ncontrol-socket %s\n' "$bad" >"$conf"
		run "$DNSFENCE" -n -c "$conf"
		((status == 1)) || fail "control-socket '$bad' accepted"
		[[ $output == "$conf:2: control-socket: "* ]] || fail "no file:line for '$bad'"
	done
}

# watchdog_run WATCHDOG_PID_MODE: the daemon in its own network namespace with
# $NOTIFY_SOCKET and WATCHDOG_USEC=300000 (a ping every 150 ms); prints what arrived when.
watchdog_run() {
	local dir="$BATS_TEST_TMPDIR"
	mkdir -m 0755 "$dir/chroot"
	run timeout 60 python3 - "$DNSFENCE" "$dir" "$1" <<'PY'
import os, signal, socket, subprocess, sys, time
daemon, d, mode = sys.argv[1:4]
p = d + "/notify.sock"
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(p)
env = dict(os.environ, NOTIFY_SOCKET=p, WATCHDOG_USEC="300000")
# WATCHDOG_PID: the daemon's own pid (sh execs it) or another process's
env["DFPID"] = mode
proc = subprocess.Popen(["unshare", "-n", "sh", "-c",
    'ip link set lo up; [ "$DFPID" = self ] && export WATCHDOG_PID=$$ || export WATCHDOG_PID=1; '
    'exec "$0" "$@"', daemon, "-d", "-c", "/dev/null", "--user", "nobody",
    "--chroot", d + "/chroot"], env=env, stderr=open(d + "/daemon.log", "w"))

def count(seconds):
    n, end = 0, time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            m = s.recv(100).decode()
        except socket.timeout:
            break
        n += m == "WATCHDOG=1"
    return n

try:
    s.settimeout(15)
    print("first", s.recv(100).decode())
    print("running", count(1.5))
    kids = open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().split()
    w = int(kids[0])
    os.kill(w, signal.SIGSTOP)
    count(0.3)                      # a PONG already on its way
    print("stopped", count(1.5))
    os.kill(w, signal.SIGCONT)
    print("resumed", count(1.5))
finally:
    proc.terminate()
    print("exit", proc.wait())
PY
}

@test "watchdog: WATCHDOG=1 while the worker runs, none while it is stopped, again after SIGCONT" {
	[[ $(id -u) == 0 ]] || skip "needs root"
	watchdog_run self
	echo "$output" | sed 's/^/# /' >&3
	[[ $output == *"first READY=1"* ]] || fail "READY=1 did not come first"
	local run stopped resumed
	run=$(sed -n 's/^running //p' <<<"$output")
	stopped=$(sed -n 's/^stopped //p' <<<"$output")
	resumed=$(sed -n 's/^resumed //p' <<<"$output")
	((run >= 4)) || fail "$run WATCHDOG=1 in 1.5 s while running, want >= 4 (one each 150 ms)"
	((stopped == 0)) || fail "$stopped WATCHDOG=1 while the worker was stopped"
	((resumed >= 4)) || fail "$resumed WATCHDOG=1 in 1.5 s after SIGCONT"
	[[ $output == *"exit 0"* ]] || fail "no clean exit"
}

@test "watchdog: none when WATCHDOG_PID names another process (meant for someone else)" {
	[[ $(id -u) == 0 ]] || skip "needs root"
	watchdog_run other
	[[ $output == *"first READY=1"* ]] || fail "no READY=1"
	[[ $output == *"running 0"* ]] || fail "WATCHDOG=1 sent although WATCHDOG_PID is not ours"
}
