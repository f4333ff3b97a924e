#!/bin/sh
# Golden tests of the BSD rulesets' text (pf/), run by tests/run.sh on Linux. No pfctl or ipfw
# here: this checks the text expanded as pf/README says against tests/bsd/golden/, and the
# properties the fence depends on, which a golden file alone would not explain. It proves
# nothing about how a BSD kernel reads the rules (docs/bsd.md).
#
#   sh tests/bsd/rules.sh            TAP
#   sh tests/bsd/rules.sh --update   rewrite the golden files (review the diff before commit)
set -u
cd "$(dirname "$0")/../.." || exit 1
G=tests/bsd/golden
n=0; nfail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - bsd rules: $1"; }
notok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok $n - bsd rules: $1"; }
check() {	# description, command...
	d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else notok "$d"; sed 's/^/# /' "$tmp/out"; fi
}

# The expansion of pf/README: port, @PING@ kept or dropped; ipfw's @GW@ lines once per
# interface (none outside gateway mode); the pf gateway anchor's @IF@ list.
expand_pf() {	# file port ping(yes|no) ifs
	if [ "$3" = yes ]; then p='s/^@PING@//'; else p='/^@PING@/d'; fi
	sed -e "s/@DIVERT_PORT@/$2/g" -e "$p" -e "s/@IF@/$4/g" "$1"
}
expand_ipfw() {	# file port ping(yes|no) ifs (empty: workstation mode)
	if [ "$3" = yes ]; then p='s/^@PING@//'; else p='/^@PING@/d'; fi
	sed -e "s/@DIVERT_PORT@/$2/g" -e "$p" "$1" | awk -v ifs="$4" '
		/^@WS@/ { if (ifs != "") next; sub(/^@WS@/, ""); print; next }
		/^@GW@/ { if (ifs == "") next
			  sub(/^@GW@/, ""); k = split(ifs, a, " ")
			  for (i = 1; i <= k; i++) { l = $0; gsub(/@IF@/, a[i], l); print l }
			  next }
		{ print }'
}
rules() { grep -v '^[[:space:]]*#' | grep -v '^[[:space:]]*$'; }

expand_pf pf/dnsfence.anchor 700 no "" >"$tmp/pf-ws"
expand_pf pf/dnsfence.anchor 700 yes "" >"$tmp/pf-ws-ping"
expand_pf pf/dnsfence-gateway.anchor 700 no "em1 em2" >"$tmp/pf-gw"
expand_ipfw pf/dnsfence.ipfw 700 no "" >"$tmp/ipfw-ws"
expand_ipfw pf/dnsfence.ipfw 8053 yes "em1 em2" >"$tmp/ipfw-gw-ping"
variants="pf-ws pf-ws-ping pf-gw ipfw-ws ipfw-gw-ping"

if [ "${1:-}" = --update ]; then
	for v in $variants; do rules <"$tmp/$v" >"$G/$v"; done
	echo "golden files rewritten: review git diff $G"
	exit 0
fi

for v in $variants; do
	rules <"$tmp/$v" >"$tmp/$v.rules"
	check "$v: matches $G/$v" diff -u "$G/$v" "$tmp/$v.rules"
	check "$v: no placeholder left" sh -c "! grep -n '@' '$tmp/$v.rules'"
done

# pf: the divert rule comes first: no rule before it can pass a query.
check "pf: the first rule of dnsfence.anchor diverts UDP DNS out" \
    sh -c "grep -v '^[a-z_]* = ' '$tmp/pf-ws.rules' | head -1 | grep -q '^pass out quick proto udp to port 53 divert-packet port \$divert_port no state\$'"
check "pf-gw: the first rule diverts UDP DNS in from the internal interfaces" \
    sh -c "grep -v '^[a-z_]* = ' '$tmp/pf-gw.rules' | head -1 | grep -q '^pass in quick on \$int_if proto udp to port 53 divert-packet'"
# pf: the anchors pass nothing but what they divert; every verdict is quick; no state for a query.
for v in pf-ws-ping pf-gw; do
	check "$v: every pass rule diverts and keeps no state" \
	    sh -c "grep '^pass' '$tmp/$v' | grep -v 'divert-packet port \$divert_port no state\$' | grep -q . && exit 1 || exit 0"
	check "$v: every pass and block rule is quick" \
	    sh -c "grep -E '^(pass|block)' '$tmp/$v' | grep -v ' quick ' | grep -q . && exit 1 || exit 0"
done
# pf: workstation blocks drop, never return an ICMP error (it would quote the packet).
check "pf-ws: no block return" sh -c "! grep -n 'return' '$tmp/pf-ws-ping.rules'"
check "pf-gw: the only block return is TCP (a reset to the internal link)" \
    sh -c "grep '^block return' '$tmp/pf-gw' | grep -v 'proto tcp to port 53\$' | grep -q . && exit 1 || exit 0"
check "pf-ws: the last rule blocks everything untagged off lo0" \
    sh -c "tail -1 '$tmp/pf-ws.rules' | grep -qx 'block drop out quick on ! lo0 ! tagged DNSFENCE_PASS'"
check "pf-ws: only match rules tag DNSFENCE_PASS, and none tags UDP" \
    sh -c "grep 'tag DNSFENCE_PASS' '$tmp/pf-ws-ping' | grep -v '^match ' | grep -q . && exit 1; \
    grep '^match.*tag DNSFENCE_PASS' '$tmp/pf-ws-ping' '$tmp/pf-gw' | grep 'proto udp' | grep -v 'from port 67\|from port 547' | grep -q . && exit 1 || exit 0"

# ipfw: numbers in 1000..1099, never decreasing; verdicts only divert, deny, skipto 1100.
for v in ipfw-ws ipfw-gw-ping; do
	check "$v: rule numbers 1000-1099, in order" sh -c "grep '^add ' '$tmp/$v' | \
	    awk '{ if (\$2 < 1000 || \$2 > 1099 || \$2 < last) exit 1; last = \$2 }'"
	check "$v: only divert, deny and skipto 1100" sh -c "grep '^add ' '$tmp/$v' | \
	    awk '{ if (\$3 == \"divert\" || \$3 == \"deny\" || (\$3 == \"skipto\" && \$4 == 1100)) next; exit 1 }'"
	check "$v: every divert rule is 'not diverted' (replies are never diverted back)" \
	    sh -c "grep '^add [0-9]* divert' '$tmp/$v' | grep -v ' not diverted\$' | grep -q . && exit 1 || exit 0"
	check "$v: no unreach or reset" sh -c "! grep -nE 'unreach|reset|reject' '$tmp/$v.rules'"
	check "$v: UDP DNS out is diverted by the first rule, before any skipto" \
	    sh -c "grep '^add ' '$tmp/$v' | head -1 | grep -qx 'add 1000 divert [0-9]* udp from any to any 53 out not diverted'"
	check "$v: the last rule denies everything that leaves" \
	    sh -c "grep '^add ' '$tmp/$v' | tail -1 | grep -qx 'add 1099 deny ip from any to any out'"
done
check "ipfw-gw-ping: one gateway rule per interface" \
    sh -c "[ \$(grep -c 'recv em1\|xmit em1' '$tmp/ipfw-gw-ping') -eq 7 ] && [ \$(grep -c 'recv em2\|xmit em2' '$tmp/ipfw-gw-ping') -eq 7 ]"
check "ipfw-ws: no gateway rule" sh -c "! grep -nE 'recv |xmit em' '$tmp/ipfw-ws'"
check "ipfw: written-back replies leave only as diverted-output UDP from port 53" \
    sh -c "grep -h 'diverted-output' '$tmp/ipfw-ws.rules' '$tmp/ipfw-gw-ping.rules' | grep -v '^add 1005 skipto 1100 udp from any 53 to any out' | grep -q . && exit 1; \
    [ \$(grep -c 'diverted-output' '$tmp/ipfw-ws.rules') -eq 1 ] && grep 'diverted-output' '$tmp/ipfw-gw-ping.rules' | grep -q 'xmit em1' && \
    ! grep 'diverted-output' '$tmp/ipfw-gw-ping.rules' | grep -vq 'xmit em'"

echo "1..$n"
[ "$nfail" -eq 0 ]
