#!/usr/bin/env bash
# queue_cli.sh - `postern queue` against the real lab queue: the listing
# equals Postfix's own `postqueue -j` entry by entry, every filter term agrees
# with an independent evaluation, shape totals equal list totals, actions by
# filter touch exactly the matching messages, and bad input is refused before
# anything runs. TAP output.
set -uo pipefail
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ] || [ -z "${LAB_POSTFIX_DIR:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG/LAB_POSTFIX_DIR unset)"; exit 0
fi
bin=${POSTERN_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; cat "$tmp/last" "$tmp/check.out" 2>/dev/null | sed 's/^/# /' | head -30; }
# check DESC CMD...: the command's own output goes to check.out, so CMD may read $tmp/last.
check() { local desc=$1; shift; if "$@" >"$tmp/check.out" 2>&1; then ok "$desc"; else notok "$desc"; fi; rm -f "$tmp/check.out"; }
pq() { postqueue -c "$LAB_POSTFIX_DIR" -j 2>/dev/null; }
P() { "$bin" --config "$POSTERN_CONFIG" "$@"; }
tag="qc$$"

# wait_queued SENDER COUNT: until COUNT messages from SENDER are deferred.
wait_queued() {
  for _ in $(seq 100); do
    [ "$(pq | grep -F "\"sender\": \"$1\"" | grep -c '"queue_name": "deferred"')" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# inject SENDER RCPT COUNT: real SMTP sessions into the lab's MX port.
inject() {
  smtp-source -4 -d -s 1 -m "$3" -N -M client.lab.example -f "$1" -t "$2" -S "$tag test" -l 300 \
    "127.0.0.1:$LAB_SMTP_PORT" >/dev/null 2>&1
}

inject "a-$tag@lab.example" "x@closed.example" 5
inject "b-$tag@corp.example" "y@offline.example" 3
check "injected messages are deferred (refused)" wait_queued "a-$tag@lab.example" 5
wait_queued "b-$tag@corp.example" 3

# 1. list --json equals postqueue -j, entry by entry.
pq >"$tmp/pq.jsonl"
P queue list --json >"$tmp/list.json" 2>"$tmp/list.err"
python3 - "$tmp/pq.jsonl" "$tmp/list.json" >"$tmp/last" 2>&1 <<'PY'
import json, sys
pq = {}
for line in open(sys.argv[1]):
    if line.strip():
        o = json.loads(line); pq.setdefault(o["queue_id"], o)
got = json.load(open(sys.argv[2]))
ids = {m["id"]: m for m in got["messages"]}
missing = set(pq) - set(ids); extra = set(ids) - set(pq)
# A message may leave the queue between the two listings (active mail): tolerate few.
assert len(missing) + len(extra) <= 3, (len(missing), len(extra))
bad = 0
for qid in set(pq) & set(ids):
    a, b = pq[qid], ids[qid]
    if a["queue_name"] != b["queue"] and not {a["queue_name"], b["queue"]} <= {"active", "deferred", "incoming"}:
        bad += 1; print("queue", qid, a["queue_name"], b["queue"])
    for k1, k2 in (("arrival_time", "arrival_time"), ("message_size", "size"), ("sender", "sender"), ("forced_expire", "forced_expire")):
        if a.get(k1, False) != b[k2]:
            bad += 1; print(k1, qid, a.get(k1), b[k2])
    ra = [(r["address"], r.get("delay_reason")) for r in a["recipients"]]
    rb = [(r["address"], r.get("delay_reason")) for r in b["recipients"]]
    if a["queue_name"] == b["queue"] and ra != rb:
        bad += 1; print("rcpts", qid, ra, rb)
print(f"{len(pq)} in postqueue -j, {len(ids)} listed, {bad} differences")
assert bad == 0 and len(ids) > 0
PY
[ $? -eq 0 ] && ok "list --json equals postqueue -j entry by entry ($(tail -1 "$tmp/last"))" || notok "list --json equals postqueue -j"

# 2. Every filter term agrees with an independent evaluation of postqueue -j.
cat >"$tmp/eval.py" <<'PY'
import fnmatch, json, re, sys, time
pq = {}
for line in open(sys.argv[1]):
    if line.strip():
        o = json.loads(line); pq.setdefault(o["queue_id"], o)
now = time.time()
def dom(a): return a.rsplit("@", 1)[1].lower() if "@" in a else ""
preds = {
  "queue:deferred": lambda o: o["queue_name"] == "deferred",
  "queue:hold": lambda o: o["queue_name"] == "hold",
  "!queue:deferred": lambda o: o["queue_name"] != "deferred",
  "sender:a-TAG@lab.example": lambda o: o["sender"] == "a-TAG@lab.example",
  "sender:@corp.example": lambda o: fnmatch.fnmatch(o["sender"].lower(), "*@corp.example"),
  "rcpt:@closed.example": lambda o: any(fnmatch.fnmatch(r["address"].lower(), "*@closed.example") for r in o["recipients"]),
  "domain:*.example": lambda o: any(fnmatch.fnmatch(dom(r["address"]), "*.example") for r in o["recipients"]),
  "reason:/connection refused/": lambda o: any(re.search("connection refused", r.get("delay_reason", ""), re.I) for r in o["recipients"]),
  "reason:/^(connect|delivery)/": lambda o: any(re.search("^(connect|delivery)", r.get("delay_reason", ""), re.I) for r in o["recipients"]),
  "size>300": lambda o: o["message_size"] > 300,
  "size<=1k": lambda o: o["message_size"] <= 1024,
  "age>=0s": lambda o: True,
  "age>1d": lambda o: now - o["arrival_time"] > 86400,
  "sender:a-TAG@lab.example queue:deferred": lambda o: o["sender"] == "a-TAG@lab.example" and o["queue_name"] == "deferred",
  "TAG": lambda o: "TAG" in o["sender"] or "TAG" in o["queue_id"] or any("TAG" in r["address"] for r in o["recipients"]),
}
term = sys.argv[2]
print(sum(1 for o in pq.values() if preds[term](o)))
PY
for term in "queue:deferred" "queue:hold" "!queue:deferred" "sender:a-TAG@lab.example" "sender:@corp.example" \
            "rcpt:@closed.example" "domain:*.example" "reason:/connection refused/" "reason:/^(connect|delivery)/" \
            "size>300" "size<=1k" "age>=0s" "age>1d" "sender:a-TAG@lab.example queue:deferred" "TAG"; do
  real=${term//TAG/$tag}
  sed "s/TAG/$tag/g" "$tmp/eval.py" >"$tmp/eval-tagged.py"
  # The two listings are not atomic: a message Postfix moves between
  # active and deferred in between changes the count, so a mismatch is
  # listed again (up to 3 times) before it counts as a failure.
  for _try in 1 2 3; do
    pq >"$tmp/pq.jsonl"
    want=$(python3 "$tmp/eval-tagged.py" "$tmp/pq.jsonl" "$real")
    # shellcheck disable=SC2086
    got=$(P queue list --json $real | python3 -c 'import json,sys; print(json.load(sys.stdin)["matched"])')
    [ "$got" = "$want" ] && break
    sleep 0.5
  done
  echo "filter '$real': postern $got, expected $want" >"$tmp/last"
  if [ "$got" = "$want" ]; then ok "filter '$real' matches $got as expected"; else notok "filter '$real'"; fi
done
P queue list --json "class:refused" "sender:a-$tag@lab.example" >"$tmp/c.json"
check "class:refused finds the refused messages" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["matched"]==5, d["matched"]' "$tmp/c.json"
P queue list --json "!class:refused" "sender:a-$tag@lab.example" >"$tmp/c.json"
check "!class:refused excludes them" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["matched"]==0' "$tmp/c.json"
P queue list "sender:a-$tag@lab.example" >"$tmp/table.txt"
check "the table fits 80 columns" python3 -c 'import sys; w = max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")); print(w); sys.exit(w > 80)' "$tmp/table.txt"
check "the table names the count" grep -Eq '^-- 5 shown, 5 matching' "$tmp/table.txt"
P queue list --sort size --limit 3 --json >"$tmp/s.json"
check "--sort size --limit 3 gives the 3 biggest" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); s=[m["size"] for m in d["messages"]]
assert len(s)==3 and s==sorted(s, reverse=True), s' "$tmp/s.json"

# 3. Shape totals equal list totals.
for by in rcpt-domain sender-domain class age; do
  P queue shape --by "$by" --json >"$tmp/shape.json"
  P queue list --json >"$tmp/all.json"
  python3 - "$tmp/shape.json" "$tmp/all.json" "$by" >"$tmp/last" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); l = json.load(open(sys.argv[2])); by = sys.argv[3]
print("shape total", s["total_messages"], "list", l["matched"])
assert abs(s["total_messages"] - l["matched"]) <= 2   # active mail may move in between
if by != "rcpt-domain":
    assert sum(g["messages"] for g in s["groups"]) == s["total_messages"]
else:
    assert sum(g["messages"] for g in s["groups"]) >= s["total_messages"]
assert sum(g["bytes"] for g in s["groups"]) >= 0
PY
  [ $? -eq 0 ] && ok "shape --by $by totals agree with the list" || notok "shape --by $by totals"
done
P queue shape --by rcpt-domain "sender:a-$tag@lab.example" --json >"$tmp/shape.json"
check "shape of a filter: closed.example has our 5" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); g={x["key"]:x["messages"] for x in d["groups"]}
assert g.get("closed.example")==5 and d["total_messages"]==5, g' "$tmp/shape.json"

# 4. Actions by filter touch exactly the matching messages.
before_other=$(pq | grep -vc "\"sender\": \"a-$tag@lab.example\"")
P queue hold --filter "sender:a-$tag@lab.example" --dry-run --json >"$tmp/dry.json"
check "--dry-run counts 5 and changes nothing" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["dry_run"] and d["count"]==5' "$tmp/dry.json"
P queue hold --filter "sender:a-$tag@lab.example" </dev/null >"$tmp/last" 2>&1; rc=$?
check "a filter action off a terminal without --yes is refused (exit 2)" test $rc -eq 2
P queue hold --filter "sender:a-$tag@lab.example" --yes --json >"$tmp/hold.json"
check "hold by filter: 5 done" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["done"]==5 and d["failed"]==0 and d["postfix_total"]==5, d' "$tmp/hold.json"
check "the 5 are in the hold queue" test "$(pq | grep -F "\"sender\": \"a-$tag@lab.example\"" | grep -c '"queue_name": "hold"')" -eq 5
P queue release --filter "sender:a-$tag@lab.example queue:hold" --yes --json >"$tmp/rel.json"
check "release by filter: 5 done" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["done"]==5, d' "$tmp/rel.json"
check "none left on hold" test "$(pq | grep -F "\"sender\": \"a-$tag@lab.example\"" | grep -c '"queue_name": "hold"')" -eq 0
P queue delete --filter "sender:a-$tag@lab.example" --yes --json >"$tmp/del.json"
check "delete by filter: 5 done" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["done"]==5, d' "$tmp/del.json"
check "exactly the matching messages are gone" test "$(pq | grep -c "\"sender\": \"a-$tag@lab.example\"")" -eq 0
after_other=$(pq | grep -vc "\"sender\": \"a-$tag@lab.example\"")
echo "others before $before_other after $after_other" >"$tmp/last"
check "no other message was touched" test "$before_other" -le "$after_other"
# Vanished IDs are 'not found', not failures.
gone=$(python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))["results"]))' "$tmp/del.json")
# shellcheck disable=SC2086
P queue delete $gone --yes --json >"$tmp/again.json"; rc=$?
check "deleting vanished IDs exits 0" test $rc -eq 0
check "vanished IDs are reported not-found" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["not_found"]==5 and d["failed"]==0, d' "$tmp/again.json"

# 5. Bad input is refused before anything runs.
count_before=$(pq | wc -l)
for bad in 'xyz/../../etc' '-d' 'ABC;rm' "$(printf 'ABC\nDEF')"; do
  P queue delete --yes -- "$bad" >"$tmp/last" 2>&1; rc=$?
  if [ $rc -eq 2 ] && grep -q 'queue ID' "$tmp/last"; then ok "invalid ID $(printf %q "$bad") refused (exit 2)"; else notok "invalid ID $(printf %q "$bad") refused"; fi
done
for bad in 'age>>2h' 'sendr:x' 'reason:/[/' 'queue:nowhere' 'size>1Q' "$(printf 'sender:a\rb')"; do
  P queue list "$bad" >"$tmp/last" 2>&1; rc=$?
  if [ $rc -eq 2 ] && grep -q '^postern: queue: filter: term' "$tmp/last"; then ok "bad filter $(printf %q "$bad") refused with the term named"; else notok "bad filter $(printf %q "$bad")"; fi
done
check "the queue is unchanged by refused input" test "$(pq | wc -l)" -eq "$count_before"
P --read-only queue delete --filter "sender:b-$tag@corp.example" --yes >"$tmp/last" 2>&1; rc=$?
check "read-only refuses the action (exit 1)" test $rc -eq 1
check "read-only names the reason" grep -q 'read-only' "$tmp/last"
check "read-only left the messages" test "$(pq | grep -c "\"sender\": \"b-$tag@corp.example\"")" -eq 3

# 6. show: details of a real message.
id=$(pq | grep -F "\"sender\": \"b-$tag@corp.example\"" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue_id"])')
P queue show "$id" --json >"$tmp/show.json"
check "show --json has envelope, headers and body" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert "sender:" in d["envelope"] or "sender" in d["envelope"].lower(); assert d["headers"] and "body" in d' "$tmp/show.json"
P queue show ABCDEF12345 >"$tmp/last" 2>&1; rc=$?
check "show of a missing message fails with a reason (exit 1)" test $rc -eq 1
check "show of a missing message says it is not in the queue" grep -q 'not in the queue' "$tmp/last"
P queue show NOSUCHQID0 >"$tmp/last" 2>&1; rc=$?
check "show of a malformed ID is a usage error (exit 2)" test $rc -eq 2

# 7. watch records samples.
P queue watch --count 2 --interval 1 --json >"$tmp/watch.jsonl"
check "watch printed two samples" test "$(wc -l <"$tmp/watch.jsonl")" -eq 2

# clean up what this test created
P queue delete --filter "sender:b-$tag@corp.example" --yes >/dev/null 2>&1

echo "1..$n"
[ $failed -eq 0 ]
