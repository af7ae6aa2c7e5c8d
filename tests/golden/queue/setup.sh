#!/usr/bin/env bash
# setup.sh - a known queue for the Queue screen goldens: empties the lab's
# queue, then sends fixed messages through real SMTP sessions so that every
# run shows the same senders, recipients, reasons and sizes (only queue IDs
# and ages differ; the group's normaliser masks those):
#   6  news@lab.example      -> user@offline.example   refused
#   4  billing@corp.example  -> invoice@down.example   refused
#   3  alice@lab.example     -> grey-golden@remote.example  greylisted (450)
#   2  bob@lab.example       -> x@dnsfail.example      DNS failure, then put on hold
set -euo pipefail
: "${LAB_POSTFIX_DIR:?lab env needed}" "${LAB_SMTP_PORT:?lab env needed}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pq() { postqueue -c "$LAB_POSTFIX_DIR" -j 2>/dev/null; }

postsuper -c "$LAB_POSTFIX_DIR" -d ALL >/dev/null 2>&1 || true

# send FROM TO COUNT SUBJECT: COUNT sessions, message i to "iTO" with
# Message-ID <golden-LOCAL-i@lab.example>, so every row is unique.
send() {
  local i msg=$tmp/msg.eml
  for ((i = 1; i <= $3; i++)); do
    {
      printf 'From: %s\nTo: %s%s\nSubject: %s\n' "$1" "$i" "$2" "$4"
      printf 'Message-ID: <golden-%s-%d@lab.example>\n' "${1%%@*}" "$i"
      printf 'Date: Sun, 01 Nov 2026 10:00:00 +0000\n\n'
      printf 'A message of the postern golden tests.\n'
    } >"$msg"
    smtp-source -4 -d -s 1 -m 1 -M client.lab.example -f "$1" -t "$i$2" -F "$msg" \
      "127.0.0.1:$LAB_SMTP_PORT" >/dev/null 2>&1
  done
}
send news@lab.example user@offline.example 6 "Weekly news"
send billing@corp.example invoice@down.example 4 "Your invoice"
send alice@lab.example grey-golden@remote.example 3 "Project update"
send bob@lab.example x@dnsfail.example 2 "Lunch"

# Wait until all 15 are deferred with a reason (first attempts done).
for _ in $(seq 150); do
  n=$(pq | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    o = json.loads(l)
    if o["queue_name"] == "deferred" and all(r.get("delay_reason") for r in o["recipients"]):
        n += 1
print(n)')
  [ "$n" -ge 15 ] && break
  sleep 0.2
done
[ "$n" -ge 15 ] || { echo "setup: only $n of 15 messages deferred" >&2; exit 1; }
# bob's two go on hold.
pq | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["sender"] == "bob@lab.example":
        print(o["queue_id"])' | postsuper -c "$LAB_POSTFIX_DIR" -h - >/dev/null 2>&1
