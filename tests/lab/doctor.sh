#!/usr/bin/env bash
# doctor.sh - integration test of `postern doctor` and the status overview
# against the running lab, then against deliberately broken setups (a missing
# config dir, Postfix stopped) to show the failure messages. TAP output.
set -uo pipefail
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG unset)"; exit 0
fi
bin=${POSTERN_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -40; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else notok "$desc" "$tmp/last"; fi; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

# joined FILE: the table with wrapped detail lines joined back, for grep.
joined() { awk -v pad="$(printf '%33s' '')" 'substr($0, 1, 33) == pad { sub(/^ +/, ""); line = line " " $0; next } { if (NR > 1) print line; line = $0 } END { print line }' "$1"; }
"$bin" --config "$POSTERN_CONFIG" doctor >"$tmp/doctor.raw" 2>&1; rc=$?
joined "$tmp/doctor.raw" >"$tmp/doctor.txt"
cp "$tmp/doctor.txt" "$tmp/last"
check "doctor on the lab exits 0" test $rc -eq 0
check "doctor names the Postfix version and config dir" grep -Eq '^ok +postfix +version +Postfix 3\.[0-9]+' "$tmp/doctor.txt"
check "doctor shows queue counts with a deferred queue" grep -Eq 'deferred [1-9][0-9]*' "$tmp/doctor.txt"
check "doctor lists lookup table types incl. lmdb" grep -Eq 'lookup tables +.*lmdb' "$tmp/doctor.txt"
check "doctor sees the milter" grep -Eq '^ok +postfix +milters +smtpd_milters = inet:127' "$tmp/doctor.txt"
check "doctor: dovecot answers" grep -Eq '^ok +dovecot +answers' "$tmp/doctor.txt"
check "doctor: rspamd answers" grep -Eq '^ok +rspamd +answers' "$tmp/doctor.txt"
check "doctor: maillog found with size" grep -Eq '^ok +logs +source +.*/maillog: syslog log, [0-9.]+ (B|KiB|MiB)' "$tmp/doctor.txt"
check "doctor: fits 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$tmp/doctor.raw")" -le 80

"$bin" --config "$POSTERN_CONFIG" doctor --json >"$tmp/doctor.json" 2>"$tmp/last"
cp "$tmp/doctor.json" "$tmp/last"
check "doctor --json is valid JSON with status ok" json "$tmp/doctor.json" 'd["status"] in ("ok","warn")'
check "doctor --json queue counts match the queue directory" json "$tmp/doctor.json" 'd["postfix"]["queues"]["deferred"] > 0 and d["postfix"]["running"]'
check "doctor --json: dovecot and rspamd answer" json "$tmp/doctor.json" 'd["dovecot"]["answers"] and d["rspamd"]["answers"]'

# The count must agree with Postfix's own view.
pfdir=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['postfix']['config_dir'])" "$tmp/doctor.json")
want=$(postqueue -c "$pfdir" -j 2>/dev/null | grep -c '"queue_name": "deferred"')
got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['postfix']['queues']['deferred'])" "$tmp/doctor.json")
echo "postqueue says $want deferred, doctor says $got" >"$tmp/last"
check "deferred count equals postqueue -j ($want)" test "$want" = "$got"

"$bin" --config "$POSTERN_CONFIG" >"$tmp/overview.txt" 2>&1; rc=$?
cp "$tmp/overview.txt" "$tmp/last"
check "no-argument overview exits 0" test $rc -eq 0
check "overview shows Postfix running and the queue" grep -Eq '^Postfix +3\.[0-9.]+ running' "$tmp/overview.txt"
check "overview says where the console is" grep -q "On a terminal 'postern' opens the console" "$tmp/overview.txt"

# Broken: config dir missing.
sed "s#config_dir: .*#config_dir: $tmp/no-such-dir#" "$POSTERN_CONFIG" >"$tmp/broken.yaml"
"$bin" --config "$tmp/broken.yaml" doctor >"$tmp/broken.raw" 2>&1; rc=$?
joined "$tmp/broken.raw" >"$tmp/broken.txt"
cp "$tmp/broken.txt" "$tmp/last"
check "doctor with a missing config dir exits 1" test $rc -eq 1
check "doctor names the missing dir" grep -Eq "^FAIL +postfix +config directory +.*$tmp/no-such-dir: No such file or directory" "$tmp/broken.txt"

# Broken: Postfix stopped (restarted afterwards).
postfix -c "$pfdir" stop >/dev/null 2>&1
for _ in $(seq 50); do postfix -c "$pfdir" status >/dev/null 2>&1 || break; sleep 0.1; done
"$bin" --config "$POSTERN_CONFIG" doctor >"$tmp/stopped.raw" 2>&1; rc=$?
joined "$tmp/stopped.raw" >"$tmp/stopped.txt"
"$bin" --config "$POSTERN_CONFIG" >"$tmp/stopped-overview.txt" 2>&1
postfix -c "$pfdir" start >/dev/null 2>&1
for _ in $(seq 50); do postfix -c "$pfdir" status >/dev/null 2>&1 && break; sleep 0.1; done
cat "$tmp/stopped.txt" "$tmp/stopped-overview.txt" >"$tmp/last"
check "doctor with Postfix stopped exits 1" test $rc -eq 1
check "doctor says Postfix is not running" grep -Eq '^FAIL +postfix +running +the Postfix mail system is not running' "$tmp/stopped.txt"
check "doctor still counts the queue while Postfix is down" grep -Eq 'deferred [1-9]' "$tmp/stopped.txt"
check "overview shows NOT RUNNING" grep -q 'NOT RUNNING' "$tmp/stopped-overview.txt"
check "Postfix restarted after the test" postfix -c "$pfdir" status

echo "1..$n"
[ $failed -eq 0 ]
