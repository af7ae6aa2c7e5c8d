# lib.sh - what the CLI tests that run postern on a state DB of their own
# share (store_cli.sh, export_cli.sh, explain_cli.sh source it after
# `set -uo pipefail`): the binary, a temporary directory removed on exit,
# the TAP counters and checks, and running postern with a clean environment
# in $tmp/work on the configuration $cfg (default $tmp/postern.yaml, which
# names $tmp/state/state.db). The caller prints the plan at the end:
#   echo "1..$n"; [ "$failed" -eq 0 ]
bin=${POSTERN_BIN:?POSTERN_BIN must name the postern binary}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" "$tmp/err" 2>/dev/null | head -30; }
mkdir -p "$tmp/home" "$tmp/work"
printf 'state_db: %s/state/state.db\n' "$tmp" >"$tmp/postern.yaml"
cfg="$tmp/postern.yaml"
# run ARGS...: postern with a clean environment and $cfg (stdin from $IN or /dev/null)
run() {
  (cd "$tmp/work" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp/home" POSTERN_SYSCONFDIR="$tmp/etc" \
    ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
    "$bin" --config "$cfg" "$@" <"${IN:-/dev/null}" >"$tmp/out" 2>"$tmp/err")
}
# expect RC DESC -- ARGS...
expect() {
  local want=$1 desc=$2; shift 3
  run "$@"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$desc (exit $rc)"; else echo "# got exit $rc, want $want" >>"$tmp/err"; notok "$desc"; fi
}
# has FILE REGEX DESC / hasnt FILE REGEX DESC: FILE is out or err
has() { if grep -Eq -- "$2" "$tmp/$1"; then ok "$3"; else notok "$3"; fi; }
hasnt() { if grep -Eq -- "$2" "$tmp/$1"; then notok "$3"; else ok "$3"; fi; }
# pyjson DESC EXPR: evaluate a Python expression over the JSON in out (as j)
pyjson() {
  if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2" 2>>"$tmp/err"
  then ok "$1"; else notok "$1"; fi
}
# tty ANSWER ARGS...: run ARGS on a pseudo-terminal in $tmp/work, type ANSWER,
# put its output in out
tty() {
  python3 - "$tmp/work" "$@" <<'PY' >"$tmp/out" 2>"$tmp/err"
import os, pty, sys, time
cwd, answer, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.chdir(cwd)
    os.execv(args[0], args)
time.sleep(0.3)
os.write(fd, answer.encode() + b"\n")
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
