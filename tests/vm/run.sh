#!/bin/bash
# tests/vm/run.sh: boot Debian's stock kernel under QEMU (TCG) and run dnsfence there with the
# nftables ruleset and its native `queue` statement (which the development kernel cannot load).
# Prints TAP: one line per guest result, then the plan. See tests/vm/README.md.
#
# Environment: DNSFENCE_VM_DIR (build output, default build/vm), DNSFENCE_VM_TIMEOUT (seconds
# for the whole boot, default 450), DNSFENCE and DFPROBE (daemon and probe binaries, passed to
# build.sh).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${DNSFENCE_VM_DIR:-$REPO/build/vm}
TMO=${DNSFENCE_VM_TIMEOUT:-450}

# The results the guest's /init reports, in order. One missing is a failure (crash, timeout).
EXPECTED=(
	"kernel modules load"
	"uplink namespace with unbound and microsocks"
	"namespace ct forwarded through the guest"
	"leak watch sees UDP without the ruleset (control)"
	"leak watch sees other protocols, ICMP, foreign sources and ct without the ruleset (control)"
	"dnsfence-firewall check validates the native queue ruleset"
	"dnsfence-firewall load --backend nftables"
	"dnsfence starts (queue bound)"
	"a.test A over UDP via nft queue"
	"test MX from resolv.conf's server via nft queue"
	"txt.test TXT via nft queue (any server address)"
	"a.test AAAA over IPv6 via nft queue"
	"a.test A over TCP redirected to dnsfence"
	"non-DNS UDP dropped by 'all other UDP'"
	"a foreign source (IP_FREEBIND, uid 65534) is never answered, no reflection (dnsfence running)"
	"UDP-Lite (uid 65534), SCTP, protocol 253 dropped by 'other protocols' (dnsfence running)"
	"ICMP echo (uid 65534) dropped, IPv4 and IPv6 (dnsfence running)"
	"ICMP and ICMPv6 errors quoting a DNS reply dropped (dnsfence running)"
	"a reply rejected by the guest's input rule, its ICMP error never reaches the uplink"
	"ct's queries answered through dnsfence from the address asked (IPv4, IPv6)"
	"ct's non-DNS UDP, UDP-Lite, protocol 253 and TCP/53 dropped in forward (dnsfence running)"
	"ct's queries from an off-link source are never answered (dnsfence running)"
	"dnsfence exits cleanly on SIGTERM"
	"queries time out with dnsfence stopped (fail closed)"
	"a foreign source (IP_FREEBIND, uid 65534) is never answered, no reflection (dnsfence stopped)"
	"UDP-Lite (uid 65534), SCTP, protocol 253 dropped by 'other protocols' (dnsfence stopped)"
	"ICMP echo (uid 65534) dropped, IPv4 and IPv6 (dnsfence stopped)"
	"ICMP and ICMPv6 errors quoting a DNS reply dropped (dnsfence stopped)"
	"ct's queries, spoofed or not, time out (dnsfence stopped)"
	"ct's non-DNS UDP, UDP-Lite, protocol 253 and TCP/53 dropped in forward (dnsfence stopped)"
	"TCP hijack, uid 65534 cannot bind port 54 with dnsfence stopped (control 9054)"
	"TCP hijack, dnsfence-firewall and dnsfence refuse the unprivileged port 9054"
	"no UDP and no TCP DNS reached the uplink"
	"no ICMP, no other protocol and nothing from ct reached the uplink"
	"dnsfence-firewall status shows loaded and counters"
	"dnsfence-firewall status names a deleted chain (exit 1); load restores it"
	"dnsfence-firewall unload removes the table"
	"UDP reaches the uplink again after unload (control)"
	"gateway client namespace gwc behind gwin0, forwarding on"
	"gateway without the ruleset, the client's traffic reaches the uplink, the decoy and a DNAT answer it, the uplink reaches the client (control)"
	"gateway dnsfence-firewall load --backend nftables --mode gateway --internal gwin0"
	"gateway dnsfence starts with gateway gwin0 (isolate host)"
	"gateway the client's A, MX, TXT over IPv4 answered from the address asked (gateway, decoy, nowhere)"
	"gateway the client's AAAA and MX over IPv6 answered from the address asked (gateway, decoy, nowhere)"
	"gateway the client's TCP/53 redirected to dnsfence's listener and answered"
	"gateway a DNAT of the client's UDP/53 at dstnat changes neither the answer nor its source"
	"gateway the client's non-DNS UDP, UDP-Lite and ICMP echo dropped in forward (dnsfence running)"
	"gateway a query from the uplink side is not internal, never answered, never forwarded"
	"gateway the client's queries time out with dnsfence's worker stopped (SIGSTOP)"
	"gateway the client's non-DNS UDP, UDP-Lite and ICMP echo dropped in forward (dnsfence stopped)"
	"gateway nothing from the client reached the uplink"
	"gateway teardown, dnsfence stopped by PID, rules unloaded, gwc deleted"
	"audit dnsfence starts with audit-log, nflog group 53 bound (ruleset without --audit)"
	"audit control, without --audit UDP to port 123 is dropped and not logged, a query is"
	"audit dnsfence-firewall load --backend nftables --audit, log group 53 before each drop"
	"audit a query, UDP to port 123 and UDP-Lite from uid 65534, logged and dropped, nothing reached the uplink"
	"audit dnsfence-firewall status shows nflog group 53 and audit_logged, dnsfence counts the NFLOG packets"
	"audit teardown, dnsfence stopped by PID (exit 0), rules unloaded"
	"audit log, the query as event dns, answered, uid 65534 (nobody), pid and exe of kdig"
	"audit log, UDP to port 123 as event udp, dropped, uid 65534, pid and exe of the sender (IPv4, IPv6)"
	"audit log, UDP-Lite as event proto, protocol 136, dropped, uid 65534 (IPv4, IPv6)"
	"audit log, every line has the 23 fields of docs/audit.md in order, the file is mode 0600"
	"audit nothing reached the uplink, while the SOCKS TCP did"
)

skip() {
	echo "ok 1 - vm: nftables queue on a stock kernel # skip $*"
	echo "1..1"
	exit 0
}

mkdir -p "$OUT" || { echo "not ok 1 - vm: cannot create $OUT"; echo "1..1"; exit 1; }

# Build (the kernel is cached; the initramfs is rebuilt only when an input changed).
t0=$(date +%s)
"$REPO/tests/vm/build.sh" "$OUT" >"$OUT/build.log" 2>&1
brc=$?
t1=$(date +%s)
# 77 with its reason: this machine cannot fetch the kernel or install QEMU. Anything else that
# is not 0 is a failure of the build.
if ((brc == 77)) && grep -q '^vm build: cannot: ' "$OUT/build.log"; then
	skip "$(grep '^vm build: cannot: ' "$OUT/build.log" | tail -n 1 | sed 's/^vm build: cannot: //')"
elif ((brc != 0)); then
	echo "not ok 1 - vm: build of kernel and initramfs (tests/vm/build.sh exited $brc)"
	sed 's/^/# /' "$OUT/build.log" | tail -n 40
	echo "1..1"
	exit 1
fi
echo "# vm: build $((t1 - t0)) s ($(cat "$OUT/kver"), initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 is not installed"

# Boot. TCG only: /dev/kvm here is a nested PVM on which the stock kernel hangs.
console=$OUT/console.log
t0=$(date +%s)
timeout --kill-after=10 "$TMO" qemu-system-x86_64 -accel tcg -cpu max -m 512 \
    -kernel "$OUT/vmlinuz" -initrd "$OUT/initramfs.cpio.gz" \
    -append 'console=ttyS0 panic=-1 quiet' \
    -nographic -nodefaults -serial stdio -net none -no-reboot \
    </dev/null >"$console" 2>"$OUT/qemu.stderr"
qrc=$?
t1=$(date +%s)
tr -d '\r' <"$console" >"$console.txt"
echo "# vm: qemu ran $((t1 - t0)) s, exit $qrc; console in $console.txt"
grep -a '^VMDIAG summary: ' "$console.txt" | sed 's/^VMDIAG summary: /# vm: /'
n=0
failed=0
seen=$'\n'
while IFS= read -r line; do
	case $line in
	"VMTEST ok "*)
		name=${line#VMTEST ok }
		n=$((n + 1))
		echo "ok $n - vm: $name"
		;;
	"VMTEST not ok "*)
		rest=${line#VMTEST not ok }
		name=${rest%%: *}
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - vm: $name"
		echo "# ${rest#*: }"
		;;
	*) continue ;;
	esac
	seen+="$name"$'\n'
done < <(grep -a '^VMTEST \(ok\|not ok\) ' "$console.txt")

why="guest stopped early"
((qrc == 124 || qrc == 137)) && why="qemu killed after ${TMO} s"
for name in "${EXPECTED[@]}"; do
	[[ $seen == *$'\n'"$name"$'\n'* ]] && continue
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - vm: $name"
	echo "# no result: $why (qemu exit $qrc)"
done

if ((failed > 0)); then
	echo "# --- guest console (diagnostics), $console.txt:"
	grep -av '^VMTEST ' "$console.txt" | sed 's/^/# /' | tail -n 200
	[[ -s $OUT/qemu.stderr ]] && sed 's/^/# qemu: /' "$OUT/qemu.stderr" | tail -n 20
fi
echo "1..$n"
((failed == 0))
