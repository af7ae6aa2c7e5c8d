#!/usr/bin/env bash
# trace_truth.sh - `postern trace --json` against maillog-gen's ground truth:
# for every sampled message, the set of [file, line, text] the trace returns
# must equal the truth exactly. Both timestamp formats (RFC 3339 with long
# queue IDs, BSD with short ones), rotated and gzipped files; each trace is
# run twice, scanning the files (--no-index) and from a log index built
# here (postern log index --index X, then trace --index X): both must equal
# the truth. TAP output.
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

run_set() {
  local name=$1; shift
  local dir=$tmp/$name
  mkdir -p "$dir"
  if ! "$gen" --size "$size" --out "$dir/maillog" --rotate 2 --gzip --truth "$dir/truth.jsonl" \
      --truth-every "$every" "$@" 2>"$dir/gen.err"; then
    notok "$name: maillog-gen ran"; return
  fi
  ok "$name: maillog-gen wrote $(wc -l <"$dir/truth.jsonl") sampled messages"
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

run_set rfc3339-long --format rfc3339 --long-qids
run_set bsd-short --format bsd
echo "1..$n"
[ "$failed" -eq 0 ]
