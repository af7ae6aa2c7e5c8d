#!/usr/bin/env bash
# journal.sh - a systemd journal as a log source (`logs: [{journal: ...}]`).
# The lab's own maillog (real Postfix/Dovecot/Rspamd lines) is turned into
# journal export format (plus a MESSAGE that is not valid UTF-8, stored as a
# binary field, and an entry of another facility), written into a real
# journal file with systemd-journal-remote, and read back by postern through
# journalctl. The same entries as a plain RFC 3339 file give the expected
# answers: `postern trace QID` equals the plain file's trace, `log search`
# and `log tail` find the entries, only SYSLOG_FACILITY=2 is read, new
# entries are appended to the same cache file (journalctl --after-cursor),
# and a missing journal gives a clear error. This machine has no journald:
# `journal: true` (the host's journal) runs the same code without --file and
# is checked here only for its error when the host has no journal. TAP.
set -uo pipefail
if [ -z "${LAB_MAILLOG:-}" ] || [ ! -s "${LAB_MAILLOG:-}" ]; then
  echo "1..0 # SKIP no lab maillog (LAB_MAILLOG unset or empty)"
  exit 0
fi
remote=
for c in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
  [ -x "$c" ] && remote=$c && break
done
[ -n "$remote" ] || { echo "1..0 # SKIP systemd-journal-remote not installed"; exit 0; }
for tool in journalctl python3; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not found"; exit 0; }
done
bin=${POSTERN_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/last" 2>/dev/null | head -30; }
check() { local name=$1; shift; if "$@" >"$tmp/last" 2>&1; then ok "$name"; else notok "$name"; fi; }

# The entries: one per syslog line of the maillog, the same text as an RFC 3339 file.
cat >"$tmp/mk.py" <<'EOF'
import sys, re, os, struct, time, calendar
src, exp_out, plain_out = sys.argv[1], sys.argv[2], sys.argv[3]
year = time.gmtime(os.stat(src).st_mtime).tm_year
mon = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
rx = re.compile(rb'^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([^\[: ]+)(?:\[(\d+)\])?: (.*)$')
exp, plain = open(exp_out, 'wb'), open(plain_out, 'wb')
seq = 0
def text(v):
    try:
        v.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return not any(c < 32 and c != 9 for c in v)
def field(k, v):   # journal export format: KEY=value, or KEY\n<le64 size><bytes>\n
    exp.write(k + b'=' + v + b'\n' if text(v) else k + b'\n' + struct.pack('<Q', len(v)) + v + b'\n')
def entry(ts, host, ident, pid, msg, facility=b'2'):
    global seq
    seq += 1
    us = ts * 1000000 + seq
    exp.write(b'__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n' % (us, seq))
    field(b'_HOSTNAME', host); field(b'SYSLOG_IDENTIFIER', ident)
    if pid:
        field(b'SYSLOG_PID', pid)
    field(b'SYSLOG_FACILITY', facility); field(b'MESSAGE', msg)
    exp.write(b'\n')
    if facility == b'2':
        t = time.gmtime(ts)
        plain.write(b'%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00 %s %s%s: %s\n' % (
            t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, us % 1000000, host,
            ident, b'[' + pid + b']' if pid else b'', msg))
last = 0
for line in open(src, 'rb'):
    m = rx.match(line.rstrip(b'\n'))
    if not m or seq >= 999990:
        continue
    last = calendar.timegm((year, mon[m[1].decode()], int(m[2]), int(m[3]), int(m[4]), int(m[5])))
    entry(last, m[6], m[7], m[8], m[9])
entry(last, b'mail', b'postfix/smtpd', b'4242', b'warning: bad\xff\xfe bytes journalcheck-invalid-utf8')
entry(last, b'mail', b'CRON', b'77', b'journalcheck-not-mail', facility=b'9')
EOF
python3 "$tmp/mk.py" "$LAB_MAILLOG" "$tmp/x.export" "$tmp/plain.log" || { echo "1..0 # SKIP cannot convert $LAB_MAILLOG"; exit 0; }
if ! "$remote" --output="$tmp/x.journal" - <"$tmp/x.export" >"$tmp/last" 2>&1; then
  echo "1..0 # SKIP systemd-journal-remote failed: $(head -n 1 "$tmp/last")"; exit 0
fi

printf 'state_db: %s/state/state.db\nlogs:\n  - journal: %s/x.journal\n' "$tmp" "$tmp" >"$tmp/j.yaml"
printf 'state_db: %s/pstate/state.db\nlogs:\n  - %s/plain.log\n' "$tmp" "$tmp" >"$tmp/p.yaml"
J() { "$bin" --config "$tmp/j.yaml" "$@"; }
PL() { "$bin" --config "$tmp/p.yaml" "$@"; }

# Traces: every message removed by qmgr among the first lines, plain vs journal.
mapfile -t qids < <(sed -n 's/.* postfix\/qmgr\[[0-9]*\]: \([0-9A-Za-z]*\): removed$/\1/p' "$tmp/plain.log" | head -n 12)
[ "${#qids[@]}" -gt 0 ] || { echo "1..0 # SKIP no removed messages in $LAB_MAILLOG"; exit 0; }
cache_of() { ls "$tmp"/state/journal-cache/*.log 2>/dev/null | head -n 1; }
# the raw lines with their file name taken off ("FILE:N: line" -> "N: line")
norm() { sed -E 's/^[^ :]+\.log:([0-9]+): /\1: /'; }
for q in "${qids[@]}"; do
  J trace "$q" --raw 2>&1 | norm >"$tmp/tj" ; PL trace "$q" --raw 2>&1 | norm >"$tmp/tp"
  if diff "$tmp/tp" "$tmp/tj" >"$tmp/last"; then
    ok "trace $q: the journal gives the plain file's trace"
  else
    notok "trace $q: the journal gives the plain file's trace"
  fi
done
cache=$(cache_of)
check "the cache is <state dir>/journal-cache/<hash>.log" test -s "$cache"
check "only the mail facility is exported (SYSLOG_FACILITY=2)" \
  bash -c "! grep -q journalcheck-not-mail '$cache' && grep -c . '$cache' | grep -qx $(grep -c . "$tmp/plain.log")"

mid=$(sed -n 's/.*cleanup\[[0-9]*\]: [0-9A-Za-z]*: message-id=<\([^>]*\)>.*/\1/p' "$tmp/plain.log" | head -n 1)
J log search "$mid" >"$tmp/sj" 2>&1; PL log search "$mid" >"$tmp/sp" 2>&1
check "log search $mid: same rows as the plain file" bash -c "test -s '$tmp/sj' && diff '$tmp/sp' '$tmp/sj'"
J log search to:'*' --limit 1000 >"$tmp/sj" 2>&1; PL log search to:'*' --limit 1000 >"$tmp/sp" 2>&1
check "log search to:*: same rows as the plain file" bash -c "test -s '$tmp/sj' && diff '$tmp/sp' '$tmp/sj'"
J log tail -n 1 journalcheck-invalid-utf8 >"$tmp/out" 2>&1
check "log tail prints the binary (invalid UTF-8) MESSAGE, sanitised" \
  grep -q 'postfix/smtpd\[4242\]: warning: bad.* bytes journalcheck-invalid-utf8' "$tmp/out"
J log tail -n 5 >"$tmp/tj" 2>&1; PL log tail -n 5 >"$tmp/tp" 2>&1
check "log tail: the last lines equal the plain file's" diff "$tmp/tp" "$tmp/tj"

# New entries: appended to the same cache file after the last cursor.
ino=$(stat -c %i "$cache"); size=$(stat -c %s "$cache")
printf '__REALTIME_TIMESTAMP=%s\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=postfix/qmgr\nSYSLOG_PID=7\nSYSLOG_FACILITY=2\nMESSAGE=ABCDEF123456: journalcheck-appended\n\n' \
  "$(( $(date +%s) * 1000000 ))" | "$remote" --output="$tmp/x.journal" - >/dev/null 2>&1
J log tail -n 1 >"$tmp/out" 2>&1
check "new journal entries show up" grep -q 'journalcheck-appended' "$tmp/out"
check "... appended to the same cache file (after the cursor, not a new export)" \
  bash -c "test $(stat -c %i "$cache") = $ino && test $(stat -c %s "$cache") -gt $size && test \$(grep -c journalcheck-invalid-utf8 '$cache') = 1"
mv "$tmp/x.journal" "$tmp/y.journal"; cp "$tmp/y.journal" "$tmp/x.journal"
J log tail -n 1 >"$tmp/out" 2>&1
check "a replaced journal file is exported again, once" \
  bash -c "grep -q journalcheck-appended '$tmp/out' && test \$(grep -c journalcheck-appended '$cache') = 1"

# Errors.
printf 'state_db: %s/state/state.db\nlogs:\n  - journal: %s/nope.journal\n' "$tmp" "$tmp" >"$tmp/e.yaml"
"$bin" --config "$tmp/e.yaml" log tail >"$tmp/out" 2>&1
check "a missing journal file: a clear error" grep -q 'nope.journal: no such journal file or directory' "$tmp/out"
mkdir -p "$tmp/empty"
printf 'state_db: %s/state/state.db\nlogs:\n  - journal: %s/empty\n' "$tmp" "$tmp" >"$tmp/e.yaml"
"$bin" --config "$tmp/e.yaml" log tail >"$tmp/out" 2>&1
check "a directory without journal files: a clear error" grep -q 'no journal files' "$tmp/out"
if ! ls /run/log/journal/*/*.journal /run/log/journal/*.journal /var/log/journal/*/*.journal \
        /var/log/journal/*.journal >/dev/null 2>&1; then
  printf 'state_db: %s/state/state.db\nlogs:\n  - journal: true\n' "$tmp" >"$tmp/e.yaml"
  "$bin" --config "$tmp/e.yaml" log tail >"$tmp/out" 2>&1
  check "journal: true on a host without journald: a clear error" grep -q 'this host has no systemd journal' "$tmp/out"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
