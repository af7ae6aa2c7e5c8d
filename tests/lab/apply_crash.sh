#!/usr/bin/env bash
# apply_crash.sh - crash safety of `postern apply`: kill it with SIGKILL at
# random points, at least 100 times, each time with a change pending. After
# every kill: each current link names a complete generation directory (the
# old or the new one, never a half-written one), `postfix check` passes, the
# main.cf parameters still name the managed tables, and the state DB opens.
# At the end the next apply completes and the store and the links agree.
# Uses its own state DB on the lab; leaves an empty state applied. TAP.
set -uo pipefail
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG unset)"; exit 0
fi
bin=${POSTERN_BIN:?}
kills_wanted=${POSTERN_CRASH_KILLS:-100}   # rounds go on until this many kills landed mid-apply
tmp=$(mktemp -d)
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/# /' "$2" | tail -20; }

sed "s#^state_db: .*#state_db: $tmp/state/postern.db#" "$POSTERN_CONFIG" >"$tmp/postern.yaml"
export POSTERN_CONFIG=$tmp/postern.yaml
pf=$LAB_POSTFIX_DIR
dcroot=$(dirname "$LAB_DOVECOT_CONF")/postern
p() { "$bin" "$@"; }
cleanup() {
  p domain delete crash.example --cascade --yes >/dev/null 2>&1
  p apply --quiet >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

p domain add crash.example >/dev/null
printf 'pw\n' | p mailbox add box@crash.example --password-stdin >/dev/null
if p apply --quiet >"$tmp/first" 2>&1; then ok "first apply"; else notok "first apply" "$tmp/first"; fi

pf_files=$(cd "$pf/postern/current" && ls | sort | tr '\n' ' ')
dc_files=$(cd "$dcroot/current" && ls | sort | tr '\n' ' ')
params_before=$(postconf -c "$pf" -n virtual_alias_maps virtual_mailbox_maps transport_maps)

# how long one apply takes here (median of 3), to spread the kills over it
durs=()
for i in 1 2 3; do
  p address add "warm$i@crash.example" --to user:box@crash.example >/dev/null
  s=$(date +%s%N); p apply --quiet >/dev/null 2>&1; e=$(date +%s%N)
  durs+=($(( (e - s) / 1000000 )))
done
# the quickest of three: most kills must land before the run ends
span=$(printf '%s\n' "${durs[@]}" | sort -n | sed -n 1p)
echo "# one apply takes at least $span ms here; kills land in 0..$span ms"

# check_round I: the invariants after a kill; prints why on failure
check_round() {
  local g
  for root in "$pf/postern" "$dcroot"; do
    g=$(readlink "$root/current") || { echo "$root/current: no link"; return 1; }
    [ -d "$root/$g" ] || { echo "$root/current -> $g: not a directory"; return 1; }
  done
  [ "$(cd "$pf/postern/current" && ls | sort | tr '\n' ' ')" = "$pf_files" ] ||
    { echo "postfix generation $(readlink "$pf/postern/current") is incomplete: $(cd "$pf/postern/current" && ls | tr '\n' ' ')"; return 1; }
  [ "$(cd "$dcroot/current" && ls | sort | tr '\n' ' ')" = "$dc_files" ] ||
    { echo "dovecot generation $(readlink "$dcroot/current") is incomplete"; return 1; }
  for f in "$pf/postern/current"/*; do
    case $f in *.lmdb) ;; *) [ -z "$(tail -c1 "$f")" ] || { echo "$f: not complete"; return 1; } ;; esac
  done
  postfix -c "$pf" check >/dev/null 2>&1 || { echo "postfix check failed"; return 1; }
  [ "$(postconf -c "$pf" -n virtual_alias_maps virtual_mailbox_maps transport_maps)" = "$params_before" ] ||
    { echo "managed main.cf parameters changed"; return 1; }
  p history --limit 1 >/dev/null 2>&1 || { echo "the state DB does not open"; return 1; }
  return 0
}

bad=0; killed=0; done_before=0; i=0
while [ $killed -lt "$kills_wanted" ] && [ $i -lt $((kills_wanted * 3)) ]; do
  i=$((i + 1))
  p address add "c$i@crash.example" --to user:box@crash.example >/dev/null
  delay=$(( RANDOM % (span + 1) ))
  p apply --quiet >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' "$delay")"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); else done_before=$((done_before + 1)); fi
  wait "$pid" 2>/dev/null
  if ! check_round "$i" >"$tmp/why" 2>&1; then
    bad=$((bad + 1))
    echo "# round $i (kill after $delay ms): $(cat "$tmp/why")"
    [ $bad -ge 5 ] && break
  fi
done
rounds=$i
echo "# $rounds rounds: $killed killed mid-run, $done_before finished before the kill"
if [ $bad -eq 0 ]; then ok "$killed SIGKILLs in $rounds rounds: every managed file is the old or the new generation, postfix check passes, the DB opens"; else notok "$bad rounds broke an invariant"; fi
if [ $killed -ge "$kills_wanted" ]; then ok "$killed runs were killed mid-apply (wanted $kills_wanted)"; else notok "only $killed runs were killed mid-apply (wanted $kills_wanted)"; fi

if p apply >"$tmp/final" 2>&1; then ok "the next apply completes"; else notok "the next apply completes" "$tmp/final"; fi
if p apply | grep -q 'no changes'; then ok "and then nothing is pending"; else notok "and then nothing is pending"; fi
live=$(p history --json | python3 -c "import json,sys; d=json.load(sys.stdin); print([g['generation'] for g in d if g['status']=='live'][0])")
link=$(readlink "$pf/postern/current")
if [ "gen-$live" = "$link" ] && [ "$(readlink "$dcroot/current")" = "$link" ]; then ok "the store's live generation ($live) is what both links name"; else notok "store says $live, links say $link / $(readlink "$dcroot/current")"; fi
want=$(p address list --json | python3 -c "import json,sys; print(sum(1 for a in json.load(sys.stdin) if a['address'].startswith('c')))")
got=$(grep -c '^c[0-9]*@crash.example ' "$pf/postern/current/virtual")
if [ "$want" = "$got" ]; then ok "every address added during the kills is live ($got)"; else notok "store has $want crash addresses, the live map $got"; fi
if postmap -c "$pf" -q "c$rounds@crash.example" "lmdb:$pf/postern/current/virtual" >/dev/null; then ok "the compiled map answers for the last one"; else notok "the compiled map answers for the last one"; fi

echo "1..$n"
exit $((failed > 0))
