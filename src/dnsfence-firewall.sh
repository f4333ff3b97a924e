#!/bin/sh
# dnsfence-firewall: load, unload, inspect, check or print dnsfence's fail-closed ruleset.
# See dnsfence-firewall(8). POSIX sh; needs iptables-save/-restore and ip6tables-save/-restore,
# or nft.
set -u

PROG=dnsfence-firewall
RULESDIR=${DNSFENCE_RULESDIR:-@RULESDIR@}
VERSION=@VERSION@	# make install puts the Makefile's VERSION here
# Running from a source tree: use its rule files.
case $RULESDIR in @*) RULESDIR=$(cd "$(dirname "$0")/.." && pwd) ;; esac

backend=""
mode=""		# workstation unless given; status: what is loaded
internal=""	# gateway mode: the internal interfaces (--internal)
loaded=""	# status: the internal interfaces the loaded rules name
queue=0
mark=0x646e73
markfwd=0x646e74
tcpport=54		# privileged: see tcpport_check
keep_lo=0
allow_ping=0
allow=""
# --audit: a rate-limited NFLOG rule before each drop of a packet that would have leaked. The
# group is the daemon's nflog-group (dnsfence.conf), the rate bounds the log, never the drop.
audit=0
nflog_group=53		# default: the daemon's nflog-group
audit_rate=100		# packets per second logged, per rule (burst: audit_burst)
audit_opt=""		# the first of --nflog-group/--audit-rate given (they need --audit)
AUDIT_RATE_MAX=10000	# iptables' limit match cannot go faster (1/10000 s a packet)
AUDIT_BURST_MAX=10000	# iptables' --limit-burst takes at most 10000

die() { echo "$PROG: $*" >&2; exit 1; }
usage_text() {
	cat <<USAGE
usage: $PROG {load|unload|status|check|print} [--backend iptables|nftables]
       [--mode workstation|gateway] [--internal IF ...] [--queue N] [--mark M]
       [--mark-forward M] [--tcp-port P]
       [--keep-loopback-dns] [--allow-ping] [--allow-udp UID:PORT ...]
       [--audit [--nflog-group N] [--audit-rate N]]
       $PROG --help | --version
USAGE
}
usage() { usage_text >&2; exit 1; }
# --help: asked for, so on stdout and exit 0.
help() { usage_text; echo; echo "See dnsfence-firewall(8)."; exit 0; }
version() {
	# from a source tree: the Makefile's
	case $VERSION in @*) VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' \
	    "$RULESDIR/Makefile" 2>/dev/null); VERSION=${VERSION:-unknown} ;; esac
	echo "$PROG $VERSION"
	exit 0
}

# ifname_check NAME: NAME is an interface name the rules can carry as it is: 1-15 bytes, not lo,
# no '/' or white space (the kernel's rules), and only letters, digits, '.', '-' and '_': no
# iptables ('+') or nftables ('*') wildcard, which would match other interfaces too, and nothing
# that needs quoting in a rule or a comment.
ifname_check() {
	case $1 in
	lo) die "--internal: lo is not an internal interface" ;;
	.|..|*[!A-Za-z0-9._-]*|'')
		die "--internal: '$1' is not an interface name (letters, digits, '.', '-', '_')" ;;
	esac
	[ ${#1} -le 15 ] || die "--internal: '$1' is longer than 15 bytes"
	case " $internal " in *" $1 "*) die "--internal: $1 is given twice" ;; esac
}

[ $# -ge 1 ] || usage
case $1 in -h|--help) help ;; -V|--version) version ;; esac
cmd=$1
shift
case $cmd in load|unload|status|check|print) ;; *) usage ;; esac

while [ $# -gt 0 ]; do
	case $1 in
	--backend) [ $# -ge 2 ] || usage; backend=$2; shift ;;
	--mode) [ $# -ge 2 ] || usage; mode=$2; shift ;;
	--internal) [ $# -ge 2 ] || usage; ifname_check "$2"; internal="$internal $2"; shift ;;
	--queue) [ $# -ge 2 ] || usage; queue=$2; shift ;;
	--mark) [ $# -ge 2 ] || usage; mark=$2; shift ;;
	--mark-forward) [ $# -ge 2 ] || usage; markfwd=$2; shift ;;
	--tcp-port) [ $# -ge 2 ] || usage; tcpport=$2; shift ;;
	--keep-loopback-dns) keep_lo=1 ;;
	--allow-ping) allow_ping=1 ;;
	--allow-udp) [ $# -ge 2 ] || usage; allow="$allow $2"; shift ;;
	--audit) audit=1 ;;
	--nflog-group) [ $# -ge 2 ] || usage; nflog_group=$2; audit_opt=${audit_opt:-$1}; shift ;;
	--audit-rate) [ $# -ge 2 ] || usage; audit_rate=$2; audit_opt=${audit_opt:-$1}; shift ;;
	-h|--help) help ;;
	-V|--version) version ;;
	*) die "unknown option '$1'" ;;
	esac
	shift
done

# isnum VALUE MIN MAX: VALUE is a decimal number in [MIN, MAX].
isnum() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# dec VALUE: a decimal number without leading zeros (iptables would read 010 as octal).
dec() { echo "$1" | sed 's/^0*\(.\)/\1/'; }
# fwmark OPTION VALUE: VALUE as 0x-hex if it is a nonzero 32-bit number (decimal or 0x-hex).
fwmark() {
	case $2 in
	0x*) m=${2#0x}
	     case $m in ''|*[!0-9a-fA-F]*) die "$1: '$2' is not a number" ;; esac
	     [ ${#m} -le 8 ] || die "$1: '$2' is wider than 32 bits"
	     m=$(($2)) ;;
	*) isnum "$2" 1 4294967295 || die "$1: '$2' is not a nonzero 32-bit number"
	   m=$(dec "$2") ;;
	esac
	[ "$m" -ne 0 ] || die "$1: '$2' is zero: it would match every unmarked packet"
	printf '0x%x\n' "$m"
}
isnum "$queue" 0 65535 || die "--queue: '$queue' is not a queue number 0-65535"
isnum "$tcpport" 1 65535 || die "--tcp-port: '$tcpport' is not a port 1-65535"
queue=$(dec "$queue")
tcpport=$(dec "$tcpport")
mark=$(fwmark --mark "$mark") || exit 1
markfwd=$(fwmark --mark-forward "$markfwd") || exit 1
[ "$mark" != "$markfwd" ] ||
	die "--mark-forward: $markfwd is also --mark: replies to forwarded clients need their own mark"
case $mode in
''|workstation) [ -z "$internal" ] || die "--internal goes with --mode gateway" ;;
gateway) [ -n "$internal" ] || die "--mode gateway needs --internal IF (its clients' interface)"
	# shellcheck disable=SC2086 # one word per interface
	set -- $internal
	[ $# -le 8 ] || die "--internal: more than 8 interfaces (dnsfence serves at most 8)"
	internal=$* ;;
*) die "--mode: '$mode' is not workstation or gateway" ;;
esac
[ -n "$mode" ] || [ "$cmd" = status ] || mode=workstation
for a in $allow; do
	uid=${a%%:*}
	port=${a#*:}
	[ "$uid" != "$a" ] || die "--allow-udp: '$a' is not UID:PORT"
	isnum "$uid" 0 4294967294 || die "--allow-udp: '$uid' is not a numeric uid"
	isnum "$port" 1 65535 || die "--allow-udp: '$port' is not a port 1-65535"
	[ "$port" != 53 ] || die "--allow-udp: port 53 would let DNS out in clear"
done
isnum "$nflog_group" 0 65535 || die "--nflog-group: '$nflog_group' is not a group number 0-65535"
isnum "$audit_rate" 1 $AUDIT_RATE_MAX ||
	die "--audit-rate: '$audit_rate' is not a rate 1-$AUDIT_RATE_MAX (packets per second)"
nflog_group=$(dec "$nflog_group")
audit_rate=$(dec "$audit_rate")
# status only checks: there a group or rate says which audit rules to expect.
if [ -n "$audit_opt" ] && [ $audit -eq 0 ]; then
	[ "$cmd" = status ] || die "$audit_opt needs --audit"
	audit=1
fi
audit_given=$audit	# status: else it checks the audit rules that are loaded, if any
audit_burst() { b=$((2 * audit_rate)); [ $b -le $AUDIT_BURST_MAX ] || b=$AUDIT_BURST_MAX; echo $b; }

need_root() { [ "$(id -u)" -eq 0 ] || die "$cmd needs root"; }

# The redirect target must be a port only root can bind: while dnsfence is not listening, any
# local user could bind an unprivileged one and read every user's TCP DNS. The sysctl is per
# network namespace, like the binding.
tcpport_check() {
	f=/proc/sys/net/ipv4/ip_unprivileged_port_start
	start=$(cat $f 2>/dev/null) && isnum "$start" 0 65536 || start=1024
	[ "$tcpport" -lt "$start" ] ||
		die "--tcp-port: $tcpport is not below net.ipv4.ip_unprivileged_port_start ($start):" \
			"while dnsfence is not listening there, any local user could bind it and read" \
			"every user's TCP DNS"
}

# nft_queue present? A native queue statement fails even under `nft -c` without it.
has_nft_queue() {
	command -v nft >/dev/null 2>&1 || return 1
	printf 'table inet dnsfence_probe {\n chain c {\n  type filter hook output priority 0;\n  udp dport 53 queue num 0\n }\n}\n' |
		nft -c -f - >/dev/null 2>&1
}

if [ -z "$backend" ]; then
	if [ "$cmd" = unload ] || [ "$cmd" = status ]; then
		# whichever is loaded
		if command -v nft >/dev/null 2>&1 && nft list table inet dnsfence >/dev/null 2>&1; then
			backend=nftables
		else
			backend=iptables
		fi
	elif has_nft_queue; then
		backend=nftables
	else
		backend=iptables
	fi
fi
case $backend in iptables|nftables) ;; *) die "--backend: '$backend' is not iptables or nftables" ;; esac

# keep TAG YES: the sed command for lines that start with @TAG@: keep them without the tag if YES
# is 1, else delete them.
keep() {
	if [ "$2" -eq 1 ]; then printf 's/^\\([[:blank:]]*\\)@%s@ */\\1/\n' "$1"
	else printf '/^[[:blank:]]*@%s@/d\n' "$1"; fi
}

# fill FILE LOOPBACK ALLOW: the rules file with its placeholders filled in. LOOPBACK replaces
# @LOOPBACK_DNS@. @NFLOG_GROUP@, @AUDIT_RATE@ and @AUDIT_BURST@ are those of --audit, whose rules
# start with @AUDIT@. ALLOW is the rule for one --allow-udp pair with @UID@ and @PORT@ in it; the
# @ALLOW_UDP@ line becomes one such rule per pair, with that line's indentation. A rule line with
# @IF@ in it becomes one line per internal interface (none in workstation mode). Comments are
# left as they are.
fill() {
	gw=0
	[ "$mode" = gateway ] && gw=1
	ALLOW=$3 PAIRS=$allow INTERNAL=$internal awk '
		/@IF@/ && !/^[ \t]*#/ {
			n = split(ENVIRON["INTERNAL"], ifs, " ")
			for (i = 1; i <= n; i++) {
				r = $0
				gsub(/@IF@/, ifs[i], r)
				print r
			}
			next
		}
		/^[ \t]*@ALLOW_UDP@[ \t]*$/ {
			ind = $0
			sub(/@ALLOW_UDP@.*/, "", ind)
			n = split(ENVIRON["PAIRS"], pair, " ")
			for (i = 1; i <= n; i++) {
				split(pair[i], up, ":")
				r = ENVIRON["ALLOW"]
				gsub(/@UID@/, up[1], r)
				gsub(/@PORT@/, up[2], r)
				print ind r
			}
			next
		}
		{ print }' "$RULESDIR/$1" |
		sed -e "$(keep PING $allow_ping)" -e "$(keep GW $gw)" -e "$(keep WS $((1 - gw)))" \
			-e "$(keep AUDIT $audit)" \
			-e '/^[[:blank:]]*#/b' -e "s|@MARK@|$mark|g" -e "s|@MARKFWD@|$markfwd|g" \
			-e "s|@QUEUE@|$queue|g" -e "s|@TCPPORT@|$tcpport|g" -e "s|@LOOPBACK_DNS@|$2|g" \
			-e "s|@NFLOG_GROUP@|$nflog_group|g" -e "s|@AUDIT_RATE@|$audit_rate|g" \
			-e "s|@AUDIT_BURST@|$(audit_burst)|g"
}

# ---------------------------------------------------------------------------------------------
# Status, shared by both backends. Both describe a ruleset as records, one a line, fields
# separated by tabs: TABLE, COUNTER ("[packets:bytes]" or empty), KIND, then by KIND
#   chain NAME             a chain of ours
#   rule  CHAIN LINE       a rule in a chain of ours, as the backend prints it
#   jump  BUILTIN POS NAME iptables: rule POS of a built-in chain is exactly "-j NAME"
#   size  BUILTIN N        iptables: the built-in chain holds N rules
# status_report FAMILY HAVE WANT compares what is loaded (HAVE) with what load installs (WANT):
# it prints the counters line (the gateway's counters at its end if gateway mode is loaded or
# checked, then audit_logged if audit rules are), then a line per missing chain, jump or commented
# rule, jump not first in its chain, or audit rule with another group or rate than WANT's, then
# "any 1" if anything of ours is loaded at all, else "any 0".
status_report() {
	gwc=0
	[ "$mode" != gateway ] && [ -z "$loaded" ] || gwc=1
	HAVE=$2 WANT=$3 awk -F '\t' -v fam="$1" -v gw=$gwc -v au=$audit "$AWK_AUDIT"'
		function counter(c) {
			sub(/^dnsfence: /, "", c)
			if (c ~ /^audit: /) return "audit_logged"
			if (sub(/^gateway [^:]*: /, "", c)) {
				if (c == "UDP DNS to the daemon") return "gw_queued"
				if (c == "TCP DNS to the daemon listener") return "gw_redirected"
				return ""
			}
			if (c == "UDP DNS to the daemon") return "queued"
			if (c == "all other UDP") return "udp_dropped"
			if (c == "other protocols") return "proto_dropped"
			if (c == "ICMP errors and echo") return "icmp_dropped"
			if (c == "marked packet off its path") return "marked_dropped"
			if (c == "forwarded UDP DNS to the daemon") return "fwd_queued"
			if (c == "forwarded TCP DNS" || c == "forwarded non-TCP") return "fwd_dropped"
			return ""
		}
		function comment(line) {
			if (!match(line, /comment "[^"]*"/)) return ""
			return substr(line, RSTART + 9, RLENGTH - 10)
		}
		BEGIN {
			nh = split(ENVIRON["HAVE"], h, "\n")
			for (i = 1; i <= nh; i++) {
				if (split(h[i], f, "\t") < 4) continue
				if (f[3] == "chain") { chain[f[1], f[4]] = 1; any = 1 }
				if (f[3] == "jump" && !((f[1], f[4], f[6]) in jump)) { jump[f[1], f[4], f[6]] = f[5]; any = 1 }
				if (f[3] == "rule") {
					c = comment(f[5])
					have[f[1], f[4], c]++
					if (c ~ /^(dnsfence: )?audit: /) hsig[f[1], f[4], c] = hsig[f[1], f[4], c] "|" audit_sig(f[5])
					if (split(substr(f[2], 2), n, ":") == 2) sum[counter(c)] += n[1]
				}
			}
			printf "queued=%d udp_dropped=%d proto_dropped=%d icmp_dropped=%d", sum["queued"],
				sum["udp_dropped"], sum["proto_dropped"], sum["icmp_dropped"]
			printf " marked_dropped=%d fwd_queued=%d fwd_dropped=%d", sum["marked_dropped"],
				sum["fwd_queued"], sum["fwd_dropped"]
			if (gw) printf " gw_queued=%d gw_redirected=%d", sum["gw_queued"], sum["gw_redirected"]
			if (au) printf " audit_logged=%d", sum["audit_logged"]
			printf "\n"
			nw = split(ENVIRON["WANT"], w, "\n")
			for (i = 1; i <= nw; i++) {
				if (split(w[i], f, "\t") < 4) continue
				what = fam " " f[1]
				if (f[3] == "chain" && !((f[1], f[4]) in chain))
					print "missing: " what " chain " f[4]
				if (f[3] == "jump" && !((f[1], f[4], f[6]) in jump))
					print "missing: " what " jump " f[4] " -> " f[6]
				else if (f[3] == "jump" && jump[f[1], f[4], f[6]] != 1)
					print "not first: " what " " f[4] " -> " f[6] " (rule " jump[f[1], f[4], f[6]] ")"
				if (f[3] == "rule" && (c = comment(f[5])) != "" && ((f[1], f[4]) in chain) &&
				    ++want[f[1], f[4], c] > have[f[1], f[4], c])
					print "missing: " what " rule \"" c "\" in " f[4]
				else if (f[3] == "rule" && c ~ /^(dnsfence: )?audit: / && !((f[1], f[4], c) in wrong)) {
					s = audit_sig(f[5])
					nhs = split(substr(hsig[f[1], f[4], c], 2), hs, "|")
					for (k = 1; k <= nhs; k++) if (hs[k] != s) {
						print "wrong: " what " rule \"" c "\" in " f[4] ": " hs[k] " (wanted: " s ")"
						wrong[f[1], f[4], c] = 1
						break
					}
				}
			}
			print "any " (any + 0)
		}'
}

# The awk function audit_sig(LINE): what an audit rule (iptables-save or nft list, or a
# rendering) logs to, as "nflog group G, N/s". iptables-save leaves out group 0.
AWK_AUDIT='
	function audit_sig(line,   g, r, u) {
		g = 0
		if (match(line, /--nflog-group [0-9]+/)) g = substr(line, RSTART + 14, RLENGTH - 14)
		else if (match(line, / log .*group [0-9]+/)) { g = substr(line, RSTART, RLENGTH); sub(/.* /, "", g) }
		r = "?/?"
		if (match(line, /--limit [0-9]+\/[a-z]+/)) r = substr(line, RSTART + 8, RLENGTH - 8)
		else if (match(line, /limit rate [0-9]+\/[a-z]+/)) r = substr(line, RSTART + 11, RLENGTH - 11)
		split(r, u, "/")
		if (u[2] ~ /^s/) u[2] = "s"
		return "nflog group " (g + 0) ", " u[1] "/" u[2]
	}'

# status_audit RECORDS: what the loaded audit rules log to ("nflog group G, N/s", from the first
# one) into $audit_line, "off" if none is loaded. Without --audit (nor --nflog-group,
# --audit-rate) status checks the audit rules that are loaded, with their group and rate.
status_audit() {
	audit_line=$(printf '%s\n' "$1" | awk -F '\t' "$AWK_AUDIT"'
		$3 == "rule" && $5 ~ /comment "(dnsfence: )?audit: / { print audit_sig($5); exit }')
	[ -n "$audit_line" ] || { audit_line=off; return 0; }
	[ "$audit_given" -eq 0 ] || return 0
	g=${audit_line#nflog group }
	g=${g%%,*}
	r=${audit_line##*, }
	r=${r%/s}
	isnum "$g" 0 65535 && isnum "$r" 1 $AUDIT_RATE_MAX || return 0	# not ours: reported wrong
	audit=1 nflog_group=$g audit_rate=$r
}

# status_mode RECORDS: the internal interfaces the loaded rules name (in the comments of their
# gateway rules), in order, once each, into $loaded; without --mode, status checks that mode.
status_mode() {
	loaded=$(printf '%s\n' "$1" | awk -F '\t' '
		$3 == "rule" && match($5, /comment "(dnsfence: )?gateway [^":]*:/) {
			c = substr($5, RSTART, RLENGTH - 1)
			sub(/.* /, "", c)
			if (!(c in seen)) { seen[c] = 1; printf "%s%s", n++ ? " " : "", c }
		}')
	[ -z "$mode" ] || return 0
	if [ -n "$loaded" ]; then mode=gateway internal=$loaded; else mode=workstation; fi
}

# status_print BACKEND REPORT...: print the loaded line (with the internal interfaces that are
# loaded, if any), the counters, the audit line ($audit_line) and the problems of each family's report (prefixed "ipv4: " etc.
# where there are several). Returns 0 only when every piece is in place, 1 otherwise.
status_print() {
	be=$1${loaded:+, gateway: $loaded}
	shift
	any=0
	bad=0
	for r in "$@"; do
		case $r in *"
any 1") any=1 ;; esac
		[ "$(printf '%s\n' "$r" | grep -c -e '^missing: ' -e '^not first: ' -e '^wrong: ')" -eq 0 ] ||
			bad=1
	done
	if [ $any -eq 0 ]; then
		echo "loaded: no ($be)"
	elif [ $bad -eq 1 ]; then
		echo "loaded: incomplete ($be)"
	else
		echo "loaded: yes ($be)"
	fi
	for r in "$@"; do
		printf '%s\n' "$r" | sed -n '1p'
	done
	echo "audit: $audit_line"
	[ $any -eq 0 ] && return 1	# not loaded at all: every piece would be listed
	for r in "$@"; do
		printf '%s\n' "$r" | sed -e '1d' -e '/^any /d'
	done
	[ $bad -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# iptables

# table:builtin:chain, each of our chains and the built-in chain whose first rule jumps to it
# (ipt_jumps: in this mode).
JUMPS="raw:OUTPUT:DNSFENCE_RAW mangle:PREROUTING:DNSFENCE_PRE mangle:OUTPUT:DNSFENCE_QUEUE
nat:OUTPUT:DNSFENCE_TCP filter:FORWARD:DNSFENCE_FWD filter:OUTPUT:DNSFENCE_FILTER"
ipt_jumps() {
	echo "$JUMPS"
	[ "$mode" != gateway ] || echo nat:PREROUTING:DNSFENCE_GWTCP
}

ipt_bin() { if [ "$1" = 6 ]; then echo ip6tables; else echo iptables; fi; }

ipt_render() {	# family (4|6): the restore text of our chains, without the jumps
	if [ "$1" = 4 ]; then other=6; else other=4; fi
	lo=""
	[ $keep_lo -eq 1 ] && lo="! -o lo"
	fill iptables/dnsfence.rules "$lo" '-A DNSFENCE_FILTER -p udp -m owner --uid-owner @UID@ --dport @PORT@ -m comment --comment "dnsfence: allowed UDP flow" -j RETURN' |
		sed -e '/^#/d' -e '/^$/d' -e "/^-$other /d" -e "s/^-$1 //" -e 's/  */ /g'
}

# ipt_records: restore text (a rendering, or iptables-save -c output) on stdin, our records out.
ipt_records() {
	awk '
		/^\*/ { t = substr($0, 2); split("", pos); next }
		/^COMMIT/ { for (b in pos) print t "\t\tsize\t" b "\t" pos[b]; next }
		/^:DNSFENCE_/ { print t "\t\tchain\t" substr($1, 2); next }
		{
			line = $0
			c = ""
			if (line ~ /^\[[0-9]+:[0-9]+\] /) { c = $1; line = substr(line, length(c) + 2) }
			if (line !~ /^-A /) next
			split(line, w, " ")
			if (w[2] ~ /^DNSFENCE_/) { print t "\t" c "\trule\t" w[2] "\t" line; next }
			pos[w[2]]++
			if (line ~ /^-A [^ ]+ -j DNSFENCE_[A-Z0-9_]+$/)
				print t "\t" c "\tjump\t" w[2] "\t" pos[w[2]] "\t" w[4]
		}'
}

ipt_have() {	# family: what is loaded
	saved=$("$(ipt_bin "$1")-save" -c) || return 1
	printf '%s\n' "$saved" | ipt_records
}

ipt_want() {	# family: what load installs, each jump first in its chain
	ipt_render "$1" | ipt_records
	for j in $(ipt_jumps); do
		t=${j%%:*}
		j=${j#*:}
		printf '%s\t\tjump\t%s\t1\t%s\n' "$t" "${j%%:*}" "${j#*:}"
	done
}

# ipt_transition HAVE WANT: restore text (for --noflush --counters) that turns our records HAVE
# into WANT, one transaction per table: our jumps deleted, our chains flushed, those WANT lacks
# deleted, WANT's chains and rules written, its jumps inserted at their positions (capped at the
# end of the chain). With WANT empty it removes everything of ours.
ipt_transition() {
	HAVE=$1 WANT=$2 awk -F '\t' '
		function table(t) { if (!(t in seen)) { seen[t] = 1; order[++nt] = t } }
		BEGIN {
			nh = split(ENVIRON["HAVE"], h, "\n")
			for (i = 1; i <= nh; i++) {
				if (split(h[i], f, "\t") < 4) continue
				t = f[1]
				table(t)
				if (f[3] == "jump") { del[t] = del[t] "-D " f[4] " -j " f[6] "\n"; hj[t, f[4]]++ }
				if (f[3] == "chain") { flush[t] = flush[t] "-F " f[4] "\n"; hc[t, ++nhc[t]] = f[4] }
				if (f[3] == "size") size[t, f[4]] = f[5]
			}
			nw = split(ENVIRON["WANT"], w, "\n")
			for (i = 1; i <= nw; i++) {
				if (split(w[i], f, "\t") < 4) continue
				t = f[1]
				table(t)
				if (f[3] == "chain") { decl[t] = decl[t] ":" f[4] " - [0:0]\n"; wc[t, f[4]] = 1 }
				if (f[3] == "rule") add[t] = add[t] (f[2] != "" ? f[2] " " : "") f[5] "\n"
				if (f[3] == "jump") {
					b = f[4]
					p = f[5]
					room = size[t, b] - hj[t, b] + ins[t, b]++
					if (p > room + 1) p = room + 1
					jumps[t] = jumps[t] (f[2] != "" ? f[2] " " : "") "-I " b " " p " -j " f[6] "\n"
				}
			}
			for (k = 1; k <= nt; k++) {
				t = order[k]
				gone = ""
				for (i = 1; i <= nhc[t]; i++)
					if (!((t, hc[t, i]) in wc)) gone = gone "-X " hc[t, i] "\n"
				body = del[t] flush[t] gone decl[t] add[t] jumps[t]
				if (body != "") printf "*%s\n%sCOMMIT\n", t, body
			}
		}'
}

# ipt_apply FAMILY HAVE WANT: make it so; on failure print restore's complaint.
ipt_apply() {
	ipt=$(ipt_bin "$1")
	ipt_transition "$2" "$3" | "$ipt-restore" -w --noflush --counters 2>&1
}

# Records without counters and sizes: what "the same rules" means.
ipt_shape() { printf '%s\n' "$1" | awk -F '\t' 'NF && $3 != "size" { $2 = ""; print }'; }

# ipt_rollback BEFORE4 BEFORE6: put each family that changed back to what it was.
ipt_rollback() {
	rc=0
	for f in 4 6; do
		if [ $f = 4 ]; then was=$1; else was=$2; fi
		now=$(ipt_have $f) || { rc=1; continue; }
		[ "$(ipt_shape "$now")" != "$(ipt_shape "$was")" ] || continue
		err=$(ipt_apply $f "$now" "$was") || { echo "$PROG: rollback of ipv$f: $err" >&2; rc=1; }
	done
	return $rc
}

ipt_need_bins() {
	for b in iptables-save iptables-restore ip6tables-save ip6tables-restore; do
		command -v $b >/dev/null 2>&1 || die "$cmd: $b not found; nothing was changed"
	done
}

# All or nothing across both families and all tables: restore commits table by table, so any
# failure puts back what was there before (nothing, or the previous complete rules).
ipt_load() {
	ipt_need_bins
	before4=$(ipt_have 4) || die "load: iptables-save failed; nothing was changed"
	before6=$(ipt_have 6) || die "load: ip6tables-save failed; nothing was changed"
	if [ -z "$(ipt_shape "$before4$before6")" ]; then left="nothing of dnsfence is loaded"
	else left="the rules loaded before are back"; fi
	trap 'ipt_load_failed "interrupted"' HUP INT TERM
	for f in 4 6; do
		if [ $f = 4 ]; then have=$before4; else have=$before6; fi
		err=$(ipt_apply $f "$have" "$(ipt_want $f)") ||
			ipt_load_failed "$(ipt_bin $f)-restore failed (ipv$f): $(printf '%s' "$err" | tr '\n' ' ')$AUDIT_HINT_IPT"
	done
	trap - HUP INT TERM
}

ipt_load_failed() {	# what failed: roll back, say so, exit
	trap '' HUP INT TERM
	ipt_rollback "$before4" "$before6" || {
		echo "$PROG: load: $1" >&2
		echo "$PROG: the rollback failed too: the rules may be incomplete; see status" >&2
		exit 2
	}
	die "load: $1; rolled back: $left"
}

ipt_check() {
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		ipt_render $f | "$ipt-restore" -w --noflush --test ||
			die "$ipt ruleset does not validate"
	done
	echo "$PROG: iptables ruleset valid ($what)"
}

ipt_unload() {
	for f in 4 6; do
		ipt=$(ipt_bin $f)
		command -v "$ipt-save" >/dev/null 2>&1 || continue
		have=$(ipt_have $f) || die "unload: $ipt-save failed"
		err=$(ipt_apply $f "$have" "") || die "unload: $ipt-restore failed (ipv$f): $err"
	done
}

ipt_status() {
	h4=$(ipt_have 4)
	h6=$(ipt_have 6)
	status_mode "$h4
$h6"
	status_audit "$h4
$h6"
	r4=$(status_report ipv4 "$h4" "$(ipt_want 4)")
	r6=$(status_report ipv6 "$h6" "$(ipt_want 6)")
	status_print iptables "ipv4: $r4" "ipv6: $r6"
}

# ---------------------------------------------------------------------------------------------
# nftables

nft_render() {
	lo=""
	[ $keep_lo -eq 1 ] && lo='oif != "lo"'
	fill nftables/dnsfence.nft "$lo" 'meta skuid @UID@ udp dport @PORT@ return comment "allowed UDP flow"'
}

# One transaction: create (if missing), delete and write the table again, so that no chain of
# the other mode stays behind. Atomic and idempotent.
nft_script() {
	printf 'table inet dnsfence\ndelete table inet dnsfence\n'
	nft_render
}

# nft_records: nft text (the rendering, or `nft list table`) on stdin, status records out.
nft_records() {
	awk '
		$1 == "chain" && $3 == "{" { ch = $2; print "dnsfence\t\tchain\t" ch; next }
		ch != "" && $1 == "}" { ch = ""; next }
		ch != "" && /comment "/ {
			c = ""
			# "counter packets N": not "burst N packets" of a limit
			for (i = 1; i < NF; i++) if ($i == "packets" && $(i + 1) ~ /^[0-9]+$/) c = "[" $(i + 1) ":0]"
			sub(/^[ \t]+/, "")
			print "dnsfence\t" c "\trule\t" ch "\t" $0
		}'
}

# has_nft_log: the kernel can log to nflog group --nflog-group (nft_log, and nfnetlink_log behind
# it, which the kernel loads on demand).
has_nft_log() {
	printf 'table inet dnsfence_probe {\n chain c {\n  type filter hook output priority 0;\n  log group %s\n }\n}\n' \
		"$nflog_group" | nft -c -f - >/dev/null 2>&1
}

nft_load() {
	command -v nft >/dev/null 2>&1 || die "nft not found"
	has_nft_queue || die "this kernel has no nft_queue (CONFIG_NFT_QUEUE); use --backend iptables"
	[ $audit -eq 0 ] || has_nft_log ||
		die "load: --audit: this kernel cannot log to nflog group $nflog_group (nft_log," \
			"nfnetlink_log); nothing was changed"
	nft_script | nft -f - || die "nft -f failed$AUDIT_HINT_NFT; nothing was changed"
}

nft_check() {
	command -v nft >/dev/null 2>&1 || die "nft not found"
	if has_nft_queue; then
		nft_script | nft -c -f - || die "nftables ruleset does not validate"
		echo "$PROG: nftables ruleset valid ($what)"
	else
		# Without nft_queue even `nft -c` rejects the queue statement: check the rest.
		nft_script | sed 's/queue num [0-9]*/drop/' | nft -c -f - ||
			die "nftables ruleset does not validate"
		echo "$PROG: nftables ruleset valid except the queue statement, which this kernel" \
			"cannot check (no nft_queue); it loads only where nft_queue exists"
	fi
}

nft_unload() {
	nft list table inet dnsfence >/dev/null 2>&1 || return 0
	nft delete table inet dnsfence
}

nft_status() {
	if ! have=$(nft list table inet dnsfence 2>/dev/null); then
		echo "loaded: no (nftables)"
		echo "audit: off"
		return 1
	fi
	have=$(printf '%s\n' "$have" | nft_records)
	status_mode "$have"
	status_audit "$have"
	status_print nftables "$(status_report inet "$have" "$(nft_render | nft_records)")"
}

# The kernel's view of the queue: is anyone bound, and what was dropped.
queue_status() {
	f=/proc/net/netfilter/nfnetlink_queue
	if [ -r $f ] && line=$(awk -v q="$queue" '$1 == q' $f) && [ -n "$line" ]; then
		# shellcheck disable=SC2086 # the fields of the line, split on purpose
		set -- $line
		echo "queue $queue: bound by portid $2, waiting=$3, dropped(queue full)=$6, dropped(user)=$7"
	else
		echo "queue $queue: nobody bound (queries are dropped: fail closed)"
	fi
}

case $cmd in load|check|print) tcpport_check ;; esac
if [ "$backend" = iptables ]; then rules=iptables/dnsfence.rules; else rules=nftables/dnsfence.nft; fi
[ "$cmd" = unload ] || [ -r "$RULESDIR/$rules" ] || die "cannot read $RULESDIR/$rules"
what="queue $queue, mark $mark, mark-forward $markfwd, tcp port $tcpport${internal:+, gateway: $internal}"
AUDIT_HINT_IPT="" AUDIT_HINT_NFT=""
if [ $audit -eq 1 ]; then
	what="$what, audit: nflog group $nflog_group, $audit_rate/s"
	# A kernel without them fails the load with a bare "No such file or directory".
	AUDIT_HINT_IPT=" (--audit also needs the NFLOG target and the limit match: xt_NFLOG and xt_limit, or nft_log and nft_limit with iptables-nft; and nfnetlink_log)"
	AUDIT_HINT_NFT=" (--audit also needs nft_log, nft_limit and nfnetlink_log)"
fi
case $backend:$cmd in
iptables:load) need_root; ipt_load; echo "$PROG: loaded (iptables, $what)" ;;
iptables:unload) need_root; ipt_unload; echo "$PROG: unloaded (iptables)" ;;
iptables:status) need_root; ipt_status; rc=$?; queue_status; exit $rc ;;
iptables:check) need_root; ipt_check ;;
iptables:print) for f in 4 6; do echo "# ipv$f ($(ipt_bin $f)-restore --noflush)"; ipt_render $f; done ;;
nftables:load) need_root; nft_load; echo "$PROG: loaded (nftables, $what)" ;;
nftables:unload) need_root; nft_unload; echo "$PROG: unloaded (nftables)" ;;
nftables:status) need_root; nft_status; rc=$?; queue_status; exit $rc ;;
nftables:check) need_root; nft_check ;;
nftables:print) nft_script ;;
esac
