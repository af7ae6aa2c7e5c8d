#!/usr/bin/env bash
# trace_truth.sh - `postern trace --json` against maillog-gen's ground truth:
# for every sampled message, the set of [file, line, text] the trace returns
# must equal the truth exactly. Both timestamp formats (RFC 3339 with long
# queue IDs, BSD with short ones), rotated and gzipped files; each trace is
# run twice, scanning the files (--no-index) and from a log index built
# here (postern log index --index X, then trace --index X): both must equal
# the truth. The RFC 3339 set is also converted to journald JSON
# (journalctl -o json records, one per text line, the rotated file gzipped
# again) and must trace to the same truth: the reader turns each record back
# into the same text, and line numbers are the same. TAP output.
# Needs no lab; skips when the generator (../shared/tools/maillog-gen) is
# absent. TRACE_TRUTH_SIZE (default 20M) sets the log size; the issue's
# 200M run is: TRACE_TRUTH_SIZE=200M tests/lab/trace_truth.sh
set -uo pipefail
bin=${POSTERN_BIN:?POSTERN_BIN must name the postern binary}
root=${POSTERN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
gen=${MAILLOG_GEN:-$root/../shared/tools/maillog-gen}
size=${TRACE_TRUTH_SIZE:-20M}
every=${TRACE_TRUTH_EVERY:-500}
if [ ! -x "$gen" ] || ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP maillog-gen or python3 not found"
  exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; }

gen_set() {
  local name=$1; shift
  local dir=$tmp/$name
  mkdir -p "$dir"
  if ! "$gen" --size "$size" --out "$dir/maillog" --rotate 2 --gzip --truth "$dir/truth.jsonl" \
      --truth-every "$every" "$@" 2>"$dir/gen.err"; then
    notok "$name: maillog-gen ran"; return 1
  fi
  ok "$name: maillog-gen wrote $(wc -l <"$dir/truth.jsonl") sampled messages"
}

# The set in $tmp/$1 as journald JSON in $tmp/$2 (same file names, same
# truth). Every text line must come back from its record as the same text
# (RFC 3339 in UTC with microseconds, "host ident[pid]: message").
to_json() {
  local from=$tmp/$1 name=$2
  local dir=$tmp/$name
  mkdir -p "$dir"
  cp "$from/truth.jsonl" "$dir/truth.jsonl"
  if python3 - "$from" "$dir" >"$dir/convert.out" 2>&1 <<'PY'
import calendar, datetime, gzip, json, re, sys
src, dst = sys.argv[1], sys.argv[2]
line_re = re.compile(r"^(\S+) (\S+) ([^\[:\s]+)(?:\[(\d+)\])?: (.*)$")
for name in ("maillog.2.gz", "maillog.1", "maillog"):
    gz = name.endswith(".gz")
    fin = gzip.open(f"{src}/{name}", "rt") if gz else open(f"{src}/{name}")
    fout = gzip.open(f"{dst}/{name}", "wt") if gz else open(f"{dst}/{name}", "w")
    for n, raw in enumerate(fin, 1):
        text = raw.rstrip("\n")
        m = line_re.match(text)
        if not m:
            sys.exit(f"{name}:{n}: not a RFC 3339 syslog line: {text[:120]}")
        ts, host, ident, pid, msg = m.groups()
        dt = datetime.datetime.fromisoformat(ts).astimezone(datetime.timezone.utc)
        us = calendar.timegm(dt.utctimetuple()) * 1000000 + dt.microsecond
        back = dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d+00:00" % dt.microsecond
        if back != ts:
            sys.exit(f"{name}:{n}: time {ts} would come back as {back}")
        rec = {"__CURSOR": f"s=0;i={n:x}", "__REALTIME_TIMESTAMP": str(us),
               "__MONOTONIC_TIMESTAMP": str(n), "PRIORITY": "6", "_HOSTNAME": host,
               "SYSLOG_FACILITY": "2", "SYSLOG_IDENTIFIER": ident}
        if pid:
            rec["SYSLOG_PID"] = pid
            rec["_PID"] = pid
        rec["MESSAGE"] = msg
        fout.write(json.dumps(rec, separators=(",", ":")) + "\n")
    fin.close()
    fout.close()
PY
  then
    ok "$name: converted $1 to journald JSON records"
  else
    notok "$name: converted $1 to journald JSON records"
    sed 's/^/# /' "$dir/convert.out" | tail -5
    return 1
  fi
}

check_set() {
  local name=$1
  local dir=$tmp/$name
  local logs=(--log "$dir/maillog.2.gz" --log "$dir/maillog.1" --log "$dir/maillog")
  if "$bin" log index "${logs[@]}" --index "$dir/logindex.db" >"$dir/index.out" 2>&1; then
    ok "$name: postern log index built the index"
  else
    notok "$name: postern log index built the index"
    sed 's/^/# /' "$dir/index.out" | tail -5
  fi
  # each line of the checker's output is one TAP result
  local checker_rc=0
  python3 - "$bin" "$dir/truth.jsonl" "$dir/logindex.db" "${logs[@]}" >"$dir/tap" \
      2>"$dir/checker.err" <<'PY'
import json, os, subprocess, sys
bin, truth, index, logs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
modes = (("scan", ["--no-index"]), ("index", ["--index", index]))
for entry in open(truth):
    t = json.loads(entry)
    want = {(f, l, x) for f, l, x in t["lines"]}
    if not t.get("qid") or not want:
        continue   # a NOQUEUE reject: nothing to trace
    for key in [t["qid"]] + ([t["message_id"]] if t.get("message_id") else []):
      for mode, extra in modes:
        r = subprocess.run([bin, "trace", key, "--json"] + extra + logs, capture_output=True,
                           text=True)
        if r.returncode != 0:
            print(f"FAIL {mode} {key}: exit {r.returncode}: {r.stderr.strip()[:300]}")
            continue
        got = {(os.path.basename(l["file"]), l["line"], l["text"]) for l in json.loads(r.stdout)["lines"]}
        if got == want:
            print(f"OK {mode} {key}: {len(want)} lines")
        else:
            print(f"FAIL {mode} {key}: missing {len(want - got)} extra {len(got - want)}")
            for m in sorted(want - got)[:5]:
                print(f"#   missing {m[0]}:{m[1]}: {m[2][:160]}")
            for m in sorted(got - want)[:5]:
                print(f"#   extra   {m[0]}:{m[1]}: {m[2][:160]}")
PY
  checker_rc=$?
  local good bad
  good=$(grep -c '^OK ' "$dir/tap")
  bad=$(grep -c '^FAIL ' "$dir/tap")
  if [ "$checker_rc" -ne 0 ]; then
    notok "$name: the checker stopped (exit $checker_rc) after $good traces"
    sed 's/^/# /' "$dir/checker.err" | tail -5
  elif [ "$bad" -eq 0 ] && [ "$good" -gt 0 ]; then
    ok "$name: $good traces (by QID and by Message-ID, scanned and indexed) equal the truth"
  else
    notok "$name: $bad of $((good+bad)) traces differ from the truth"
    grep -E '^(FAIL|#)' "$dir/tap" | head -40 | sed 's/^/# /'
  fi
}

if gen_set rfc3339-long --format rfc3339 --long-qids; then
  check_set rfc3339-long
  to_json rfc3339-long rfc3339-long-json && check_set rfc3339-long-json
fi
gen_set bsd-short --format bsd && check_set bsd-short
echo "1..$n"
[ "$failed" -eq 0 ]
