#!/usr/bin/env bats
# report.bats: dnsfence-report on a hand-built audit log (tests/report/sample.log): exact counts per
# app, user, host and name, JSON, --since, stdin, errors, escaping of hostile strings in the table
# and the HTML page, --follow across appends and rotation, and the page rendered by Chromium.
# Needs no network namespace and no root.
#
# sample.log, 23 lines: alice's dig 5 queries (A:4 MX:1, 3 names, one dns-tcp SERVFAIL), bob's
# python3 3 queries (refused 1, local 2) and 3 non-DNS drops (udp 192.0.2.1:123 twice, UDP-Lite
# 10.0.0.1), 2 unattributed queries (pid null: alice, uid 1002 without a name), 4 gateway events
# from 2 clients, carol's curl with a hostile qname and cmdline, one lost event (7 lines), and 4
# malformed lines (19: not JSON, 20: fields missing, 21: uid a string, 22: not an object).

bats_require_minimum_version 1.5.0

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	REPORT=$REPO/src/dnsfence-report.py
	SAMPLE=$REPO/tests/report/sample.log
	FOLLOW_PID=
}

teardown() {
	if [[ -n $FOLLOW_PID ]]; then
		kill "$FOLLOW_PID" 2>/dev/null || true
		wait "$FOLLOW_PID" 2>/dev/null || true
	fi
}

fail() {
	{
		echo "FAIL: $*"
		echo "--- output (status ${status:-?}):"
		printf '%s\n' "${output:-}"
		[[ -z ${stderr:-} ]] || printf -- '--- stderr:\n%s\n' "$stderr"
	} >&2
	return 1
}

# has_row WORDS...: the table has a line whose words, with runs of spaces squeezed, are WORDS.
has_row() {
	local want="$*"
	printf '%s\n' "$output" | tr -s ' ' | grep -qxF -- "$want" || fail "no row '$want'"
}

# rows: the first word(s) of each group row, in order (header, detail and total lines left out).
rows() {
	printf '%s\n' "$output" | awk -v n="$1" 'NR > 2 && !/^    / && !/^total:/ {
		s = $1; for (i = 2; i <= n; i++) s = s " " $i; print s }'
}

# a JSON line with every field of docs/audit.md, from KEY=VALUE (JSON) pairs; the rest null.
audit_line() {
	python3 -c '
import json, sys
F = ("ts event action uid gid user pid comm exe cmdline unit client mac ifname src dst proto "
     "qname qtype rcode latency_ms isolation lost").split()
d = dict.fromkeys(F)
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    d[k] = json.loads(v)
print(json.dumps(d))
' "$@"
}

@test "report: the table per app has exact counts, widest offender first, and the totals" {
	run --separate-stderr "$REPORT" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	has_row "/usr/bin/python3.11 bob 3 3 0 1 2 0 0 3"
	has_row "/usr/bin/dig alice 5 3 4 0 0 1 0 0"
	has_row "(client:10.152.152.11) (none) 2 1 2 0 0 0 0 1"
	has_row "(client:10.152.152.12) (none) 1 1 1 0 0 0 0 0"
	has_row "(unattributed) 1002 1 1 0 0 0 0 1 0"
	has_row "(unattributed) alice 1 1 1 0 0 0 0 0"
	has_row "/usr/bin/curl carol 1 1 0 1 0 0 0 0"
	local want got
	want=$'/usr/bin/python3.11 bob\n/usr/bin/dig alice\n(client:10.152.152.11) (none)\n(client:10.152.152.12) (none)\n(unattributed) 1002\n(unattributed) alice\n/usr/bin/curl carol'
	got=$(rows 2)
	[[ $got == "$want" ]] || fail "row order: $got"
	printf '%s\n' "$output" | grep -qxF "    servers 192.0.2.53:53 198.51.100.1:53" || fail "alice's servers"
	printf '%s\n' "$output" | grep -qxF "    other udp 192.0.2.1:123, udplite 10.0.0.1" || fail "bob's other"
	printf '%s\n' "$output" | grep -qxF \
		"    seen 2026-12-02T10:00:00.000Z .. 2026-12-02T11:00:00.000Z  types A:4 MX:1" ||
		fail "alice's first and last seen"
	printf '%s\n' "$output" | grep -qxF \
		"total: 23 lines read, 18 events, 2 unattributed, 7 lost lines, 4 malformed lines skipped" ||
		fail "totals"
	[[ $stderr == "dnsfence-report: $SAMPLE:19: malformed line skipped (not JSON)" ]] ||
		fail "stderr should name the first malformed line only"
	local w
	w=$(printf '%s\n' "$output" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
	((w <= 100)) || fail "a line is $w columns wide"
}

@test "report: --by user, --by host and --by name" {
	run --separate-stderr "$REPORT" --by user "$SAMPLE"
	((status == 0)) || fail "exit $status"
	has_row "alice 6 4 5 0 0 1 0 0"
	has_row "bob 3 3 0 1 2 0 0 3"
	has_row "(none) 3 2 3 0 0 0 0 1"
	has_row "1002 1 1 0 0 0 0 1 0"
	has_row "carol 1 1 0 1 0 0 0 0"
	[[ $(rows 1 | tr '\n' ' ') == "alice bob (none) 1002 carol " ]] || fail "user order"

	run --separate-stderr "$REPORT" --by host "$SAMPLE"
	((status == 0)) || fail "exit $status"
	has_row "localhost 11 9 5 2 2 1 1 3"
	has_row "10.152.152.11 2 1 2 0 0 0 0 1"
	has_row "10.152.152.12 1 1 1 0 0 0 0 0"
	printf '%s\n' "$output" | grep -qxF "    mac aa:bb:cc:dd:ee:01 on eth1" || fail "client's MAC"

	run --separate-stderr "$REPORT" --by name "$SAMPLE"
	((status == 0)) || fail "exit $status"
	has_row "(none) 0 0 0 0 0 0 0 4"
	has_row "example.com 3 1 3 0 0 0 0 0"
	has_row "ws.example 2 1 2 0 0 0 0 0"
	has_row "www.example.org 1 1 0 0 0 1 0 0"
	[[ $(rows 1 | head -3 | tr '\n' ' ') == "(none) example.com ws.example " ]] || fail "name order"
	[[ $(rows 1 | wc -l) -eq 12 ]] || fail "11 names and (none) expected"

	run "$REPORT" --by nothing "$SAMPLE"
	((status == 2)) || fail "a bad --by must exit 2"
}

@test "report: --json is one array with the documented fields and exact counts" {
	run --separate-stderr "$REPORT" --json "$SAMPLE"
	((status == 0)) || fail "exit $status"
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and len(d) == 7, d
keys = ["exe", "user", "host", "queries", "names", "types", "servers", "other", "other_destinations",
        "first", "last", "answered", "refused", "local", "servfail", "dropped"]
for g in d:
    assert list(g) == keys, list(g)
by = {(g["exe"], g["user"], g["host"]): g for g in d}
dig = by[("/usr/bin/dig", "alice", None)]
assert (dig["queries"], dig["names"], dig["answered"], dig["servfail"]) == (5, 3, 4, 1), dig
assert dig["types"] == {"A": 4, "MX": 1}, dig["types"]
assert dig["servers"] == ["192.0.2.53:53", "198.51.100.1:53"], dig["servers"]
assert (dig["first"], dig["last"]) == ("2026-12-02T10:00:00.000Z", "2026-12-02T11:00:00.000Z")
py = by[("/usr/bin/python3.11", "bob", None)]
assert (py["queries"], py["refused"], py["local"], py["other"]) == (3, 1, 2, 3), py
assert py["other_destinations"] == ["udp 192.0.2.1:123", "udplite 10.0.0.1"], py
assert by[(None, None, "10.152.152.11")]["queries"] == 2
assert by[(None, None, "10.152.152.11")]["other"] == 1
assert by[(None, None, "10.152.152.12")]["queries"] == 1
assert by[(None, 1002, None)]["dropped"] == 1
assert by[(None, "alice", None)]["answered"] == 1
assert d[0]["exe"] == "/usr/bin/python3.11"
' || fail "JSON does not match"

	run --separate-stderr "$REPORT" --json --by host "$SAMPLE"
	((status == 0)) || fail "exit $status"
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [g["host"] for g in d] == ["localhost", "10.152.152.11", "10.152.152.12"], d
assert d[0]["queries"] == 11 and d[0]["other"] == 3
' || fail "JSON by host does not match"
}

@test "report: --since takes RFC 3339 with Z, offset and milliseconds" {
	local since
	for since in 2026-12-02T10:30:00Z 2026-12-02T11:30:00+01:00 2026-12-02T10:30:00.000Z \
		2026-12-02T10:30:00; do
		run --separate-stderr "$REPORT" --json --since "$since" "$SAMPLE"
		((status == 0)) || fail "--since $since: exit $status"
		printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
got = [(g["exe"], g["user"], g["host"], g["queries"], g["other"]) for g in d]
assert got == [(None, None, "10.152.152.11", 2, 1), (None, None, "10.152.152.12", 1, 0),
               ("/usr/bin/curl", "carol", None, 1, 0), ("/usr/bin/dig", "alice", None, 1, 0)], got
' || fail "--since $since: wrong groups"
	done
	run --separate-stderr "$REPORT" --since 2026-12-02T10:45:00.001Z "$SAMPLE"
	printf '%s\n' "$output" | grep -qF "total: 23 lines read, 1 events, 0 unattributed, 0 lost lines," ||
		fail "the lost event before --since must not count"
}

@test "report: --since takes a relative time" {
	local log=$BATS_TEST_TMPDIR/rel.log old new
	old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000Z)
	new=$(date -u -d '-2 minutes' +%Y-%m-%dT%H:%M:%S.000Z)
	{
		audit_line ts="\"$old\"" event='"dns"' action='"answered"' uid=1000 user='"alice"' \
			pid=1 exe='"/usr/bin/old"' qname='"old.example"' qtype='"A"'
		audit_line ts="\"$new\"" event='"dns"' action='"answered"' uid=1000 user='"alice"' \
			pid=1 exe='"/usr/bin/new"' qname='"new.example"' qtype='"A"'
	} >"$log"
	local since want
	for since in 10m 1h 600s; do
		run --separate-stderr "$REPORT" --since "$since" "$log"
		((status == 0)) || fail "exit $status"
		[[ $(rows 1) == /usr/bin/new ]] || fail "--since $since: only the recent event"
	done
	for since in 4h 1d; do
		run --separate-stderr "$REPORT" --since "$since" "$log"
		[[ $(rows 1 | wc -l) -eq 2 ]] || fail "--since $since: both events"
	done
}

@test "report: an invalid --since is an error, exit 2" {
	local since
	for since in yesterday 10x 2026-13-02T10:00:00Z 2026-12-02 -5m ""; do
		run --separate-stderr "$REPORT" --since="$since" "$SAMPLE"
		((status == 2)) || fail "--since '$since': exit $status, want 2"
		[[ $stderr == *"--since: invalid time"* ]] || fail "--since '$since': no clear error"
		[[ -z $output ]] || fail "--since '$since': printed a table"
	done
}

@test "report: - reads stdin" {
	run --separate-stderr bash -c '"$1" --by user - <"$2"' _ "$REPORT" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	has_row "alice 6 4 5 0 0 1 0 0"
	printf '%s\n' "$output" | grep -qF "total: 23 lines read, 18 events" || fail "totals"
	[[ $stderr == "dnsfence-report: (stdin):19: malformed line skipped (not JSON)" ]] ||
		fail "stdin's malformed line"
}

@test "report: a missing file is an error, exit 1" {
	run --separate-stderr "$REPORT" "$BATS_TEST_TMPDIR/nope.log"
	((status == 1)) || fail "exit $status, want 1"
	[[ $stderr == "dnsfence-report: $BATS_TEST_TMPDIR/nope.log: No such file or directory" ]] ||
		fail "wrong message"
	[[ -z $output ]] || fail "stdout should be empty"
}

@test "report: the default file is /var/log/dnsfence/audit.log" {
	[[ -e /var/log/dnsfence/audit.log ]] && skip "this machine has a real audit log"
	run --separate-stderr "$REPORT"
	((status == 1)) || fail "exit $status"
	[[ $stderr == "dnsfence-report: /var/log/dnsfence/audit.log: No such file or directory" ]] ||
		fail "wrong default"
}

@test "report: malformed lines of every kind are counted, never fatal" {
	local log=$BATS_TEST_TMPDIR/bad.log good
	good=$(audit_line ts='"2026-12-02T10:00:00.000Z"' event='"dns"' action='"answered"' \
		uid=1000 user='"alice"' pid=1 exe='"/usr/bin/dig"' qname='"ok.example"' qtype='"A"')
	{
		printf '\n'						# 1 empty
		printf '\xff\xfe garbage\n'				# 2 not UTF-8
		python3 -c 'print("[" * 100000 + "]" * 100000)'	# 3 nested too deep
		printf '"a string"\n'					# 4 not an object
		printf '%s\n' "${good/\"uid\": 1000/\"uid\": true}"	# 5 a bool
		printf '%s\n' "${good/\"ts\": \"2026-12-02T10:00:00.000Z\"/\"ts\": null}"	# 6
		printf '%s\n' "${good/\"ts\": \"2026-12-02T10:00:00.000Z\"/\"ts\": \"noon\"}"	# 7
		printf '%s\n' "${good/\"event\": \"dns\"/\"event\": \"tcp\"}"	# 8 unknown event
		printf '%s\n' "${good/\"action\": \"answered\"/\"action\": \"ok\"}"	# 9
		printf '%s\n' "${good%\}}, \"uid\": 1}"			# 10 duplicate field
		printf '%s\n' "${good/\"qname\": \"ok.example\"/\"qname\": \"\\ud800x\"}"	# 11 ok
		printf '%s\n' "$good"					# 12 ok
		printf '%s' "$good"					# 13 ok, no final newline
	} >"$log"
	run --separate-stderr "$REPORT" --by name "$log"
	((status == 0)) || fail "exit $status"
	printf '%s\n' "$output" | grep -qF "total: 13 lines read, 3 events, 0 unattributed, 0 lost lines, 10 malformed lines skipped" ||
		fail "counts"
	has_row "ok.example 2 1 2 0 0 0 0 0"
	has_row '\ud800x 1 1 1 0 0 0 0 0'
	[[ $stderr == "dnsfence-report: $log:1: malformed line skipped (not JSON)" ]] || fail "first bad line"
	[[ $stderr != *Traceback* ]] || fail "traceback"
}

@test "report: hostile strings are escaped in the table" {
	run --separate-stderr "$REPORT" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	[[ $output != *$'\x1b'* && $output != *$'\x07'* ]] || fail "a raw control character reached stdout"
	[[ $output != *$'\u202e'* ]] || fail "a raw bidi override reached stdout"
	printf '%s\n' "$output" | grep -qxF '    cmdline curl \x1b]0;pwned\x07 \x1b[2J\u202eevil' ||
		fail "the cmdline is not shown escaped"
	run --separate-stderr "$REPORT" --by name "$SAMPLE"
	has_row "<script>alert(1)</script> 1 1 0 1 0 0 0 0"
}

@test "report: long values are cut with an ellipsis" {
	local log=$BATS_TEST_TMPDIR/long.log long
	long=/usr/lib/$(printf 'x%.0s' {1..80})/bin
	audit_line ts='"2026-12-02T10:00:00.000Z"' event='"dns"' action='"answered"' uid=1000 \
		user='"alice"' pid=1 exe="\"$long\"" qname='"a.example"' qtype='"A"' >"$log"
	run --separate-stderr "$REPORT" "$log"
	((status == 0)) || fail "exit $status"
	printf '%s\n' "$output" | grep -qF "/usr/lib/xxxxxxxxxxxxxxxxxxx… alice" || fail "exe not cut to 29"
}

@test "report: --html writes one self-contained page with the hostile strings escaped" {
	local page=$BATS_TEST_TMPDIR/r.html
	run --separate-stderr "$REPORT" --by name --html "$page" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	[[ -z $output ]] || fail "--html should print no table"
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$page" || fail "qname not escaped"
	! grep -qi '<script' "$page" || fail "a script element in the page"
	! grep -qiE '(src|href)=|@import|url\(' "$page" || fail "an external resource"
	grep -qF '<svg' "$page" || fail "no timeline"
	grep -qF '>10:00:00</text>' "$page" || fail "no tick label at the first event"
	grep -qF '>11:00:00</text>' "$page" || fail "no tick label at the last event"
	grep -qF 'fill="#c53030"' "$page" || fail "no mark for the non-DNS events"
	grep -qF '23 lines read, 18 events, 2 unattributed, 7 lost lines, 4 malformed lines skipped' \
		"$page" || fail "no totals"

	run --separate-stderr "$REPORT" --html "$page" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	grep -qF 'curl \x1b]0;pwned\x07 \x1b[2J\u202eevil' "$page" || fail "cmdline not shown escaped"
	! grep -q $'\x1b' "$page" || fail "a raw escape in the page"
	grep -qF '<td class="k">/usr/bin/dig</td><td class="k">alice</td><td class="n">5</td>' \
		"$page" || fail "dig's row"
}

@test "report: --follow reprints on appended lines and rotation, and stops on SIGTERM" {
	local log=$BATS_TEST_TMPDIR/follow.log out=$BATS_TEST_TMPDIR/follow.out
	local err=$BATS_TEST_TMPDIR/follow.err i
	cp "$SAMPLE" "$log"
	"$REPORT" --follow "$log" >"$out" 2>"$err" &
	FOLLOW_PID=$!
	for ((i = 0; i < 50; i++)); do
		grep -q '^total: 23 lines read' "$out" && break
		sleep 0.1
	done
	grep -q '^total: 23 lines read' "$out" || { output=$(cat "$out"); fail "no first table"; }

	# Half a line first: it must wait for the rest.
	audit_line ts='"2026-12-02T12:00:00.000Z"' event='"dns"' action='"answered"' uid=1000 \
		user='"alice"' pid=9 exe='"/usr/bin/follow-me"' qname='"f.example"' qtype='"A"' \
		>"$BATS_TEST_TMPDIR/line"
	head -c 40 "$BATS_TEST_TMPDIR/line" >>"$log"
	sleep 1.5
	tail -c +41 "$BATS_TEST_TMPDIR/line" >>"$log"
	for ((i = 0; i < 50; i++)); do
		grep -q '^/usr/bin/follow-me' "$out" && break
		sleep 0.1
	done
	grep -q '^/usr/bin/follow-me' "$out" || { output=$(cat "$out"); fail "appended line not shown"; }
	grep -q '^total: 24 lines read, 19 events' "$out" ||
		{ output=$(cat "$out"); fail "the split line was counted wrong"; }

	# Rotation: a new file in its place, read from its start. It is longer than the old one, so
	# only its inode tells that it is new.
	mv "$log" "$log.1"
	{
		cat "$SAMPLE" "$SAMPLE"
		audit_line ts='"2026-12-02T13:00:00.000Z"' event='"udp"' action='"dropped"' uid=1000 \
			user='"alice"' pid=9 exe='"/usr/bin/rotated"' dst='"192.0.2.9:9"' proto=17
	} >"$log.new"
	mv "$log.new" "$log"
	for ((i = 0; i < 50; i++)); do
		grep -q '^/usr/bin/rotated' "$out" && break
		sleep 0.1
	done
	grep -q '^/usr/bin/rotated' "$out" || { output=$(cat "$out"); fail "rotated file not read"; }
	grep -q '^total: 71 lines read, 56 events' "$out" || { output=$(cat "$out"); fail "totals"; }
	[[ $(grep -c $'\x1b' "$out") -eq 0 ]] || fail "cleared the screen on a file"

	# Truncation (copytruncate): the same file, shorter, read again from its start.
	audit_line ts='"2026-12-02T14:00:00.000Z"' event='"dns"' action='"local"' uid=1000 \
		user='"alice"' pid=9 exe='"/usr/bin/truncated"' qname='"t.example"' qtype='"A"' \
		>"$BATS_TEST_TMPDIR/line"
	sleep 1.5
	cat "$BATS_TEST_TMPDIR/line" >"$log"
	for ((i = 0; i < 50; i++)); do
		grep -q '^/usr/bin/truncated' "$out" && break
		sleep 0.1
	done
	grep -q '^/usr/bin/truncated' "$out" || { output=$(cat "$out"); fail "truncated file not reread"; }
	grep -q '^total: 72 lines read, 57 events' "$out" || { output=$(cat "$out"); fail "totals"; }

	kill -TERM "$FOLLOW_PID"
	local rc=0
	wait "$FOLLOW_PID" || rc=$?
	FOLLOW_PID=
	((rc == 0)) || { output=$(cat "$err"); fail "exit $rc after SIGTERM"; }
	! grep -q Traceback "$err" || { output=$(cat "$err"); fail "traceback on SIGTERM"; }
}

@test "report: --follow stops on SIGINT without a traceback" {
	local err=$BATS_TEST_TMPDIR/int.err i
	# A background job of a non-interactive shell ignores SIGINT; python3 re-enables it.
	"$REPORT" --follow "$SAMPLE" >/dev/null 2>"$err" &
	FOLLOW_PID=$!
	sleep 1
	kill -INT "$FOLLOW_PID"
	local rc=0
	for ((i = 0; i < 30; i++)); do
		kill -0 "$FOLLOW_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$FOLLOW_PID" 2>/dev/null && fail "still running after SIGINT"
	wait "$FOLLOW_PID" || rc=$?
	FOLLOW_PID=
	((rc == 0)) || { output=$(cat "$err"); fail "exit $rc after SIGINT"; }
	! grep -q Traceback "$err" || { output=$(cat "$err"); fail "traceback on SIGINT"; }
}

@test "report: --follow needs a file" {
	run --separate-stderr "$REPORT" --follow -
	((status == 2)) || fail "exit $status"
}

@test "report: the HTML page renders in headless Chromium" {
	command -v chromium >/dev/null ||
		skip "chromium is not installed (tests/deps.sh installs the Debian package chromium)"
	local page=$BATS_TEST_TMPDIR/page.html png=$BATS_TEST_TMPDIR/page.png
	local chrome=(timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
		--user-data-dir="$BATS_TEST_TMPDIR/chromium")
	run --separate-stderr "$REPORT" --by name --html "$page" "$SAMPLE"
	((status == 0)) || fail "exit $status"
	run --separate-stderr "${chrome[@]}" --screenshot="$png" --window-size=1200,900 "file://$page"
	((status == 0)) || fail "chromium --screenshot exited $status"
	[[ -s $png ]] || fail "no screenshot"
	run python3 "$REPO/tests/report/pngstat.py" "$png"
	((status == 0)) || fail "pngstat"
	local colours blue red
	read -r colours blue red < <(printf '%s\n' "$output" | tr '=' ' ' | awk '{ print $2, $4, $6 }')
	((colours > 50)) || fail "the screenshot is nearly blank"
	((blue > 100)) || fail "no DNS marks (blue) in the timeline"
	((red > 50)) || fail "no non-DNS marks (red) in the timeline"

	run --separate-stderr "${chrome[@]}" --dump-dom "file://$page"
	((status == 0)) || fail "chromium --dump-dom exited $status"
	[[ $output == *'<td class="k">example.com</td><td class="n">3</td>'* ]] || fail "table not in the DOM"
	[[ $output == *'&lt;script&gt;alert(1)&lt;/script&gt;'* ]] || fail "hostile qname not text"
	[[ $output != *'<script'* ]] || fail "a script element in the DOM"
}

@test "report: the man page documents every option and renders without warnings" {
	local man=$REPO/docs/dnsfence-report.1 opt opts
	opts=$("$REPORT" --help | grep -oE -- '--[a-z]+' | sort -u)
	[[ -n $opts ]] || fail "no options in --help"
	for opt in $opts; do
		grep -qF -- "${opt//-/\\-}" "$man" || fail "$opt is not in the man page"
	done
	for opt in app user host name; do
		grep -qxF ".B $opt" "$man" || fail "grouping key $opt is not in the man page"
	done
	if command -v groff >/dev/null; then
		run groff -man -Tutf8 -ww -z "$man"
		[[ -z $output ]] || fail "groff warnings"
	fi
}
