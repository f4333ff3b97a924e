# shellcheck shell=bash
# shellcheck disable=SC2154 # output and status: set by bats' run
# audit-helpers.bash: tests/system/audit.bats, the audit log. Loaded after tests/lib/netns.bash
# and helpers.bash. The log is parsed by tests/lib/auditq.py (json module), never grepped for
# values.

AUDQ=$DF_LIB/auditq.py
AUDIT_TCP_PORT=54	# dnsfence's default listen-tcp port

# audit_rules_add: inside ws only, what `dnsfence-firewall load --audit` will do (that option
# lives in another branch): UDP to any port but 53 and UDP-Lite leaving ws are logged to NFLOG
# group 53 and dropped; loopback and dnsfence's own marked packets (its replies to a gateway's
# workstations) are let through; TCP/53 is
# redirected to dnsfence's listener, as tcp.bats's ruleset does. Everything lives in ws, which
# topo_down deletes; audit_rules_del removes it earlier if needed.
audit_rules_add() {
	local ipt
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -A OUTPUT -o lo -j ACCEPT || return 1
		ws "$ipt" -w -A OUTPUT -m mark --mark "$DF_MARK" -j ACCEPT || return 1
		ws "$ipt" -w -A OUTPUT -p udp ! --dport 53 -j NFLOG --nflog-group 53 || return 1
		ws "$ipt" -w -A OUTPUT -p udp ! --dport 53 -j DROP || return 1
		ws "$ipt" -w -A OUTPUT -p udplite -j NFLOG --nflog-group 53 || return 1
		ws "$ipt" -w -A OUTPUT -p udplite -j DROP || return 1
		ws "$ipt" -w -t nat -A OUTPUT -p tcp --dport 53 -j REDIRECT \
		    --to-ports "$AUDIT_TCP_PORT" || return 1
	done
}

audit_rules_del() {
	local ipt
	for ipt in iptables ip6tables; do
		ws "$ipt" -w -D OUTPUT -o lo -j ACCEPT 2>/dev/null || true
		ws "$ipt" -w -D OUTPUT -m mark --mark "$DF_MARK" -j ACCEPT 2>/dev/null || true
		ws "$ipt" -w -D OUTPUT -p udp ! --dport 53 -j NFLOG --nflog-group 53 2>/dev/null || true
		ws "$ipt" -w -D OUTPUT -p udp ! --dport 53 -j DROP 2>/dev/null || true
		ws "$ipt" -w -D OUTPUT -p udplite -j NFLOG --nflog-group 53 2>/dev/null || true
		ws "$ipt" -w -D OUTPUT -p udplite -j DROP 2>/dev/null || true
		ws "$ipt" -w -t nat -D OUTPUT -p tcp --dport 53 -j REDIRECT \
		    --to-ports "$AUDIT_TCP_PORT" 2>/dev/null || true
	done
}

# as_uid UID CMD...: CMD in ws as UID (gid UID, no supplementary groups). UID 0: as root.
as_uid() {
	local u=$1
	shift
	if [[ $u == 0 ]]; then
		ws "$@"
	else
		ws setpriv --reuid "$u" --regid "$u" --clear-groups "$@"
	fi
}

# auditq ARGS...: tests/lib/auditq.py on the host (log checks).
auditq() { "$DF_PYTHON" "$AUDQ" "$@"; }

# aexpect LOG ARGS...: `auditq.py expect`, printing what it saw; fails the test on a mismatch.
aexpect() {
	run auditq expect "$@"
	printf '%s\n' "$output" | sed 's/^/#   /'
	((status == 0)) || fail "audit log check failed: expect $*"
}

# audit_wait LOG MIN --where K=V...: wait (5 s) until at least MIN lines match.
audit_wait() {
	local log=$1 min=$2 i n
	shift 2
	for ((i = 0; i < 50; i++)); do
		if [[ -f $log ]]; then
			n=$(auditq select "$log" "$@" 2>/dev/null | wc -l) || n=0
			((n >= min)) && return 0
		fi
		sleep 0.1
	done
	df_log "fewer than $min lines matching $* in $log after 5 s"
	return 1
}

# audit_stat NAME [GROUP]: NAME from a fresh "stats GROUP:" line (default audit-log, the
# parent's).
audit_stat() {
	dnsfence_stats >/dev/null || return 1
	stat_value "$1" "${2:-audit-log}"
}

# nulls_pid LOG --where ...: how many matching lines have pid null.
nulls_pid() {
	local log=$1
	shift
	auditq select "$log" "$@" --where pid=null | wc -l
}

# nulls_exe LOG [--where ...]: how many matching lines have no exe (the sender was gone, or
# exiting: its memory released before its sockets, on its first lookup).
nulls_exe() {
	local log=$1
	shift
	auditq select "$log" "$@" --where exe=null | wc -l
}

# file_mode FILE: its octal mode, e.g. 600.
file_mode() { stat -c %a "$1"; }
