#!/usr/bin/env bash
# trace.sh - `postern trace` on the real lab's logs (Postfix maillog_file with
# Dovecot lines, and Rspamd's own log): for each scenario the raw lines of the
# trace equal, line by line, a set computed here independently from the logs
# (python over the files, from the known Message-IDs and queue IDs), and the
# hop chain and every recipient's final status agree with the log. Scenarios:
# local delivery, relay out accepted, bounce with notification, content-filter
# re-injection (from the lab's seed), and made here: a 5-recipient message
# with mixed outcomes, deferred then delivered, held then deleted. Each trace
# is asked three times, scanning the files and from a log index (stale, then
# up to date), with the same answer. TAP output.
set -uo pipefail
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ] || [ -z "${LAB_MAILLOG:-}" ] ||
   [ -z "${LAB_POSTFIX_DIR:-}" ] || [ -z "${LAB_SMTP_PORT:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG/LAB_MAILLOG/LAB_POSTFIX_DIR unset)"
  exit 0
fi
for tool in swaks python3 postsuper postqueue smtp-sink; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not found"; exit 0; }
done
bin=${POSTERN_BIN:?}
rspamd_log=${LAB_RSPAMD_LOG:-$POSTERN_LAB/rspamd/log/rspamd.log}
refused_port=$(( ${LAB_PORT_BASE:-2500} + 28 ))
tmp=$(mktemp -d)
sink_pid=
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
skip() { n=$((n+1)); echo "ok $n - $1 # SKIP $2"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/last" 2>/dev/null | head -40; }
P() { "$bin" --config "$POSTERN_CONFIG" "$@"; }
tag="tr$$"

# send ID RCPTS [swaks args...]: one SMTP session into the lab's MX; prints the QID.
send() {
  local id=$1 to=$2; shift 2
  swaks --server "127.0.0.1:$LAB_SMTP_PORT" --helo client.lab.example --from alice@lab.example \
    --to "$to" --header "Message-Id: <$id>" --header "Subject: trace test $id" "$@" \
    >"$tmp/swaks-$id" 2>&1
  sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$tmp/swaks-$id" | tail -n 1
}
# wait_log REGEX [TRIES]: until the maillog has a line matching REGEX (0.2 s steps).
wait_log() {
  local i
  for ((i = 0; i < ${2:-150}; i++)); do
    grep -Eq -- "$1" "$LAB_MAILLOG" && return 0
    sleep 0.2
  done
  return 1
}

cat >"$tmp/check.py" <<'PY'
# check.py MAILLOG RSPAMDLOG TRACE.json KEY EXPECT.json - the trace of KEY
# against the set computed here from the logs; prints what differs.
import json, os, re, sys
maillog, rspamd, trace_json, key, expect = sys.argv[1:6]
expect = json.loads(expect)
head = re.compile(r'^(?:\S+\s+\S+\s+\S+|\S+T\S+)\s+(\S+)\s+([^\s\[:]+)(?:\[(\d+)\])?: (.*)$')
qid_rx = re.compile(r'^([0-9A-Za-z]{6,}): (.*)$')
lines = []                       # (file, lineno, text, host, prog, pid, qid, rest)
for i, text in enumerate(open(maillog, encoding='utf-8', errors='surrogateescape').read().split('\n')[:-1]):
    m = head.match(text)
    if not m:
        lines.append(('maillog', i + 1, text, '', '', '', '', text)); continue
    host, prog, pid, rest = m.groups()
    q = qid_rx.match(rest)
    qid, rest2 = (q.group(1), q.group(2)) if q and q.group(1) != 'NOQUEUE' else ('', rest)
    lines.append((os.path.basename(maillog), i + 1, text, host, prog, pid, qid, rest2))
rlines = [(os.path.basename(rspamd), i + 1, t) for i, t in
          enumerate(open(rspamd, encoding='utf-8', errors='surrogateescape').read().split('\n')[:-1])]
present = {l[6] for l in lines if l[6]}

# roots: the asked QID, or every QID whose cleanup logged the Message-ID
mid_key = '<' + key.strip('<>') + '>'
if '@' in key or key.startswith('<'):
    roots = {l[6] for l in lines if l[6] and l[7] == 'message-id=' + mid_key}
else:
    roots = {key}
# links between QIDs, both ways: local "queued as", notifications, forwards,
# orig_queue_id=, orig_id=
edges = []                       # (parent, child)
for l in lines:
    q, rest = l[6], l[7]
    if not q:
        continue
    m = re.search(r'relay=[^,]*127\.0\.0\.1[^,]*,.*status=sent \(.*queued as ([0-9A-Za-z]+)\)', rest)
    if m and m.group(1) in present:
        edges.append((q, m.group(1)))
    for rx in (r'notification: ([0-9A-Za-z]+)$', r'forwarded as ([0-9A-Za-z]+)\)'):
        m = re.search(rx, rest)
        if m:
            edges.append((q, m.group(1)))
    m = re.search(r'(?:orig_queue_id|orig_id)=([0-9A-Za-z]+)', rest)
    if m:
        edges.append((m.group(1), q))
chain = set(roots)
while True:
    more = {c for p, c in edges if p in chain} | {p for p, c in edges if c in chain}
    if more <= chain:
        break
    chain |= more
want = set()
mids, sessions = set(), set()
for idx, l in enumerate(lines):
    if l[6] not in chain:
        continue
    want.add(l[:3])
    m = re.match(r'message-id=(<[^>]*>)', l[7])
    if m:
        mids.add(m.group(1))
    m = re.search(r'status=\S+ \(250 \S+ <[^>]*> (\S+) Saved\)', l[7])
    if m:
        sessions.add(m.group(1))
    if l[7].startswith('client='):           # the smtpd session around it
        same = lambda o: o[3:6] == l[3:6]
        for j in range(idx - 1, -1, -1):
            if same(lines[j]) and lines[j][7].startswith(('connect from', 'disconnect from')):
                if lines[j][7].startswith('connect from'):
                    want.add(lines[j][:3])
                break
        for j in range(idx + 1, len(lines)):
            if same(lines[j]):
                r = lines[j][7]
                if 'TLS connection established' in r:
                    want.add(lines[j][:3])
                if r.startswith('connect from'):
                    break
                if r.startswith('disconnect from'):
                    want.add(lines[j][:3]); break
for l in lines:
    if l[4] == 'dovecot':
        m = re.search(r'<(\d+)><([^>]+)>: ', l[7])
        m2 = re.search(r'msgid=(<[^>]*>)', l[7])
        if (m and m.group(2) in sessions) or (m2 and m2.group(1) in mids):
            want.add(l[:3])
for f, i, t in rlines:     # the verdict, and any other rspamd line naming the QID
    m = re.search(r'(?:qid|queue-id): <([^>]*)>', t)
    m2 = re.search(r'rspamd_task_write_log: id: (<[^>]*>)', t)
    if (m and m.group(1) in chain) or (m2 and m2.group(1) in mids):
        want.add((f, i, t))

tr = json.load(open(trace_json))
got = {(os.path.basename(x['file']), x['line'], x['text']) for x in tr['lines']}
bad = []
if got != want:
    bad.append(f'lines: {len(want)} expected, {len(got)} in the trace')
    for x in sorted(want - got)[:8]:
        bad.append(f'  missing {x[0]}:{x[1]}: {x[2][:150]}')
    for x in sorted(got - want)[:8]:
        bad.append(f'  extra   {x[0]}:{x[1]}: {x[2][:150]}')
hops = {h['qid']: h for h in tr['hops']}
if set(hops) != chain:
    bad.append(f'hops {sorted(hops)} != chain {sorted(chain)}')
for p, c in edges:
    if c in hops and p in chain and hops[c]['parent'] != p:
        bad.append(f'hop {c}: parent {hops[c]["parent"]}, the log says {p}')
# each recipient's final status per hop: the last delivery line for it
final = {}
for l in lines:
    m = re.match(r'to=<([^>]*)>,.* status=(\w+)', l[7])
    if l[6] in chain and m:
        final[(l[6], m.group(1))] = m.group(2)
rc = {(r['qid'], r['address']): r for r in tr['recipients']}
if {k: v['status'] for k, v in rc.items()} != final:
    bad.append(f'recipients: trace {sorted((k, v["status"]) for k, v in rc.items())} log {sorted(final.items())}')
# what the scenario says on top
byaddr = {a: s for (q, a), s in final.items()}
for a, s in expect.get('rcpts', {}).items():
    if byaddr.get(a) not in s.split('|'):
        bad.append(f'{a}: final status {byaddr.get(a)}, the scenario expects {s}')
if 'hops' in expect and len(hops) != expect['hops']:
    bad.append(f'{len(hops)} hops, the scenario expects {expect["hops"]}')
for field in ('entered', 'left'):
    for h, words in expect.get(field, {}).items():
        hop = tr['hops'][int(h)] if int(h) < len(tr['hops']) else {}
        if words not in (hop.get(field) or ''):
            bad.append(f'hop {h} {field} "{hop.get(field)}" lacks "{words}"')
for a, mb in expect.get('mailbox', {}).items():
    if not any(r['address'] == a and r['mailbox'] == mb for r in tr['recipients']):
        bad.append(f'{a}: no mailbox {mb}')
if expect.get('spam') and not (tr.get('spam') or '').startswith('rspamd: '):
    bad.append(f'no spam verdict: {tr.get("spam")}')
for b in bad:
    print(b)
print(f'{len(want)} lines, {len(chain)} hops')
sys.exit(1 if bad else 0)
PY

# check_trace DESC KEY EXPECT_JSON: three times, with the same answer each
# time: scanning the files (--no-index), from the log index as it stands
# (behind the log by the mail sent since it was last updated: its tail is
# searched line by line), and from the index brought up to date.
check_trace() {
  local desc=$1 key=$2 expect=$3 mode
  for mode in scan stale index; do
    local args=(--no-index)
    if [ "$mode" != scan ]; then
      args=(--index "$ix")
      if [ "$mode" = index ] && ! P log index --index "$ix" >/dev/null 2>"$tmp/last"; then
        notok "$desc: postern log index updated the index"; continue
      fi
    fi
    if ! P trace "$key" --json "${args[@]}" >"$tmp/trace-$mode.json" 2>"$tmp/last"; then
      notok "$desc [$mode]: postern trace $key failed"; continue
    fi
    cp "$tmp/trace-$mode.json" "$tmp/trace.json"
    if ! python3 "$tmp/check.py" "$LAB_MAILLOG" "$rspamd_log" "$tmp/trace.json" "$key" "$expect" \
        >"$tmp/last" 2>&1; then
      notok "$desc [$mode]"; continue
    fi
    if [ "$mode" != scan ] && ! python3 - "$tmp/trace-scan.json" "$tmp/trace-$mode.json" \
        >>"$tmp/last" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
diff = [k for k in ("hops", "recipients", "spam", "lines") if a.get(k) != b.get(k)]
print("differs from the scan in: " + ", ".join(diff) if diff else "same as the scan")
sys.exit(1 if diff else 0)
PY
    then
      notok "$desc [$mode]: the same answer as the scan"; continue
    fi
    ok "$desc [$mode] ($(head -n 1 "$tmp/last"))"
  done
}
# seed_qid NAME: the QID whose cleanup logged <seed-NAME@lab.example>.
seed_qid() {
  grep -F "message-id=<seed-$1@lab.example>" "$LAB_MAILLOG" | head -n 1 |
    sed -n 's/.*\]: \([0-9A-Za-z]*\): message-id=.*/\1/p'
}
# seeded DESC NAME EXPECT: trace a seeded message by Message-ID and by QID.
seeded() {
  local q; q=$(seed_qid "$2")
  if [ -z "$q" ]; then
    skip "$1" "the lab was not seeded (no <seed-$2@lab.example>)"; return
  fi
  check_trace "$1 by Message-ID" "<seed-$2@lab.example>" "$3"
  check_trace "$1 by queue ID" "$q" "$3"
}

# A log index of the lab's logs, kept here (not the configured one).
ix=$tmp/logindex.db
if P log index --index "$ix" >"$tmp/last" 2>&1; then
  ok "postern log index built an index of the lab's logs"
else
  notok "postern log index built an index of the lab's logs"
fi

# 1. Scenarios of the lab's seed.
seeded "local delivery over LMTP" local-1 \
  '{"hops":1,"rcpts":{"alice@lab.example":"sent"},"mailbox":{"alice@lab.example":"INBOX"},"left":{"0":"removed after delivery"},"spam":1}'
seeded "relayed out, accepted by the remote" relay-1 \
  '{"hops":1,"rcpts":{"partner@remote.example":"sent"},"left":{"0":"removed after delivery"}}'
seeded "bounced, with a non-delivery notification" bounce-1 \
  '{"hops":2,"rcpts":{"nosuch-user@remote.example":"bounced","alice@lab.example":"sent"},"entered":{"1":"bounce notification for"}}'
seeded "content filter and re-injection" filter-1 \
  '{"hops":2,"rcpts":{"audit@filtered.example":"sent"},"entered":{"1":"re-injected from"}}'

# 2. Five recipients, five outcomes: LMTP, relay, greylisted, unknown, refused.
mid="mixed-$tag@lab.example"
q=$(send "$mid" bob@lab.example,partner@remote.example,grey-mix@remote.example,nosuch-mix@remote.example,orders@offline.example)
if [ -n "$q" ] && wait_log "$q: sender non-delivery notification: " &&
   wait_log "$q: to=<grey-mix@remote.example>.*status=deferred" &&
   wait_log "$q: to=<orders@offline.example>.*status=deferred"; then
  nq=$(sed -n "s/.*$q: sender non-delivery notification: \([0-9A-Za-z]*\).*/\1/p" "$LAB_MAILLOG" | head -n 1)
  wait_log "$nq: removed"
  exp='{"hops":2,"rcpts":{"bob@lab.example":"sent","partner@remote.example":"sent","grey-mix@remote.example":"deferred","nosuch-mix@remote.example":"bounced","orders@offline.example":"deferred","alice@lab.example":"sent"},"left":{"0":"still queued"},"entered":{"1":"bounce notification for"},"spam":1}'
  check_trace "5 recipients with mixed outcomes, by Message-ID" "<$mid>" "$exp"
  check_trace "5 recipients with mixed outcomes, by queue ID" "$q" "$exp"
  check_trace "5 recipients: the notification's queue ID leads to the same chain" "$nq" "$exp"
  postsuper -c "$LAB_POSTFIX_DIR" -d "$q" >/dev/null 2>&1
else
  echo "# swaks: $(tail -n 3 "$tmp/swaks-$mid" 2>/dev/null | tr '\n' ' ')"
  notok "5-recipient message was queued and delivered as far as it goes (QID '$q')"
fi

# 3. Deferred (connection refused), then delivered once a server listens there.
mid="later-$tag@lab.example"
q=$(send "$mid" "later-$tag@offline.example")
if [ -n "$q" ] && wait_log "$q: to=<later-$tag@offline.example>.*status=deferred"; then
  smtp-sink -4 -u nobody "127.0.0.1:$refused_port" 5 >/dev/null 2>&1 &
  sink_pid=$!
  sleep 0.5
  postqueue -c "$LAB_POSTFIX_DIR" -i "$q" >/dev/null 2>&1
  if wait_log "$q: to=<later-$tag@offline.example>.*status=sent" 100 && wait_log "$q: removed"; then
    check_trace "deferred, then delivered" "<$mid>" \
      '{"hops":1,"rcpts":{"later-'"$tag"'@offline.example":"sent"},"left":{"0":"removed after delivery"}}'
    if python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["recipients"][0]; sys.exit(r["attempts"] < 2)' \
        "$tmp/trace.json"; then
      ok "deferred, then delivered: the recipient shows every attempt"
    else
      notok "deferred, then delivered: the recipient shows every attempt"
    fi
  else
    notok "deferred message was delivered once the port listened"
  fi
  kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; sink_pid=
else
  notok "message to a refused port was deferred (QID '$q')"
fi

# 4. Held, then deleted with postsuper.
mid="held-$tag@lab.example"
q=$(send "$mid" "held-$tag@down.example")
if [ -n "$q" ] && wait_log "$q: to=<held-$tag@down.example>.*status=deferred"; then
  postsuper -c "$LAB_POSTFIX_DIR" -h "$q" >/dev/null 2>&1
  wait_log "$q: placed on hold"
  postsuper -c "$LAB_POSTFIX_DIR" -d "$q" >/dev/null 2>&1
  if wait_log "postsuper\[[0-9]+\]: $q: removed"; then
    check_trace "held, then deleted" "$q" \
      '{"hops":1,"rcpts":{"held-'"$tag"'@down.example":"deferred"},"left":{"0":"deleted (postsuper)"}}'
  else
    notok "postsuper deleted the held message $q"
  fi
else
  notok "message to be held was deferred (QID '$q')"
fi

# 5. What is not there.
if P trace "NOSUCHQID12" >"$tmp/out" 2>"$tmp/last"; then
  notok "an unknown queue ID is not found"
else
  rc=$?
  if [ "$rc" -eq 1 ]; then ok "an unknown queue ID is not found (exit 1)"; else notok "unknown queue ID: exit $rc"; fi
fi
echo "1..$n"
[ "$failed" -eq 0 ]
