# shellcheck shell=bash
# bsd-helpers.bash: what bsd.bats and bsd-freebsd.bats share. Loaded after netns.bash and
# helpers.bash. The BSD daemon is built by tests/bsd/build.sh for OS (OpenBSD or FreeBSD) and
# run in ws; tests/bsd/divertkernel.py plays the kernel's side of its divert sockets.

BSD_KERNEL=$BATS_TEST_DIRNAME/../bsd/divertkernel.py
BSD_BUILD=$BATS_TEST_DIRNAME/../bsd/build.sh
BSD_PORT=700

# bsd_setup_file OS: the topology, the daemon built for OS, started with divert-port BSD_PORT.
bsd_setup_file() {
	local os=$1
	df_setup_file_common
	command -v bmake >/dev/null || skip "bmake is not installed (make deps installs it)"
	"$BSD_BUILD" "$os" "$DF_TMP/bsd-$os" dnsfence >"$DF_TMP/bsd-build.log" 2>&1 || {
		tail -n 30 "$DF_TMP/bsd-build.log" >&2
		return 1
	}
	export DNSFENCE=$DF_TMP/bsd-$os/dnsfence
	# the divert sockets' names, and the kernel's: this run's own
	export DNSFENCE_DIVERT_COMPAT_TAG=$DF_ID
	DF_CONF_EXTRA="divert-port $BSD_PORT" dnsfence_start
}

bsd_setup() {
	df_alive dnsfence || {
		topo_dump_logs >&2
		fail "dnsfence (the BSD build) is not running (it died during an earlier test)"
	}
}

# kq ARGS: divertkernel.py in ws.
kq() {
	run ws "$DF_PYTHON" "$BSD_KERNEL" "$@"
}

# bsd_kill_worker_released FAMILY...: kill the worker with SIGKILL; the parent must exit and
# the divert socket of each FAMILY (4, 6) be released; then start the daemon again.
bsd_kill_worker_released() {
	local w i fam
	for fam in "$@"; do
		kq bound "$BSD_PORT" "$fam"
		[[ $status -eq 0 ]] || fail "no IPv$fam divert socket bound while running" || return 1
	done
	w=$(dnsfence_worker_pid) || { fail "no worker"; return 1; }
	kill -KILL "$w"
	for ((i = 0; i < 50; i++)); do
		df_alive dnsfence || break
		sleep 0.1
	done
	! df_alive dnsfence || { fail "the parent outlived its worker"; return 1; }
	for fam in "$@"; do
		kq bound "$BSD_PORT" "$fam"
		[[ $status -eq 1 ]] || { fail "the IPv$fam divert port is still bound"; return 1; }
	done
	df_stop dnsfence
	DF_CONF_EXTRA="divert-port $BSD_PORT" dnsfence_start
}
