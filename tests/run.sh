#!/bin/sh
# Runs every suite (unit, fuzz-corpus replay, bats) and ends with one line:
# "N passed, M failed, K skipped". A suite that dies without reporting counts as a failure.
set -u
B=${B:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fails_extra=0

run_suite() {	# name, command...
	name=$1; shift
	echo "== $name"
	"$@" >"$log.out" 2>&1
	rc=$?
	cat "$log.out"
	cat "$log.out" >>"$log"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.out"; then
		echo "not ok - $name exited $rc without a failing test"
		echo "not ok - $name exited $rc" >>"$log"
	fi
	rm -f "$log.out"
}

for t in "$B"/unit/test_*; do
	[ -x "$t" ] && run_suite "unit $(basename "$t")" "$t"
done
for t in "$B"/replay/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	run_suite "replay $n" "$t" "tests/fuzz/corpus/$n"
done
# The BSD rulesets' text (pf/): golden files and ordering; no BSD kernel involved (docs/bsd.md).
run_suite "bsd rules (text only)" sh tests/bsd/rules.sh
# The nftables ruleset on Debian's stock kernel under QEMU (this kernel lacks nft_queue).
if [ -x tests/vm/run.sh ]; then
	run_suite "vm (stock kernel, nftables)" bash tests/vm/run.sh
fi
# The Debian package in a guest booted with systemd: boot order, sandbox, watchdog, --stats.
if [ -x tests/vmsd/run.sh ]; then
	run_suite "vmsd (systemd guest, the Debian package)" bash tests/vmsd/run.sh
fi
if [ -d tests/system ]; then
	for f in tests/system/*.bats; do
		[ -f "$f" ] && run_suite "bats $(basename "$f")" bats --tap "$f"
	done
fi

skipped=$(grep -Ec '^ok .*# (skip|SKIP)' "$log")
passed=$(grep -Ec '^ok ' "$log")
passed=$((passed - skipped))
failed=$(grep -Ec '^not ok' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
