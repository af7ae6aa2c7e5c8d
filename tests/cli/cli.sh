#!/usr/bin/env bash
# cli.sh - the CLI contract: version, help, exit codes (0 ok, 1 failure,
# 2 usage), one-line errors on stderr, --config and the search order,
# configuration errors with file:line:column, --json validity. TAP output.
set -uo pipefail
bin=${POSTERN_BIN:?POSTERN_BIN must name the postern binary}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out" "$tmp/err" 2>/dev/null | head -30; }
# expect RC DESC -- ARGS...: run postern with a clean environment, check the exit code
expect() {
  local want=$1 desc=$2; shift 3
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp/home" POSTERN_SYSCONFDIR="$tmp/etc" \
    ${EXTRA_ENV:-} "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$desc (exit $rc)"; else echo "# got exit $rc, want $want" >>"$tmp/err"; notok "$desc"; fi
}
has() { if grep -Eq "$2" "$tmp/$1"; then ok "$3"; else notok "$3"; fi; }
mkdir -p "$tmp/home" "$tmp/etc"

expect 0 "--version" -- --version
has out '^postern [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"
expect 0 "--help" -- --help
has out 'Exit status: 0 success, 1 failure' "help documents exit codes"
has out '^  doctor ' "help lists doctor"
expect 0 "help doctor" -- help doctor
has out '^usage: postern doctor' "help doctor shows its usage"
expect 2 "unknown command is a usage error" -- frobnicate
has err "^postern: unknown command 'frobnicate' \(see 'postern help'\)$" "unknown command: one line naming it"
expect 2 "unknown option for a noun" -- doctor --bogus
has err "^postern: doctor: unknown option '--bogus' \(see 'postern help doctor'\)$" "unknown option: one line naming noun and option"
expect 2 "help for an unknown command" -- help nope
expect 2 "--config without a file" -- --config

# trace and log: usage errors and help
expect 2 "trace without a key" -- trace
has err "^postern: trace: give a queue ID or a Message-ID" "trace: missing key named"
expect 2 "trace with an unknown option" -- trace ABC123 --bogus
expect 2 "trace with a bad --since" -- trace ABC123 --since yesterdayish --log /dev/null
has err "is not a time" "trace: bad time named"
expect 2 "trace with two keys" -- trace ABC123 DEF456
expect 0 "help trace" -- help trace
has out '^usage: postern trace' "help trace shows its usage"
expect 0 "help log" -- help log
has out '^       postern log index' "help log shows the index verb"
expect 2 "log without a verb" -- log
expect 2 "log index with an unknown option" -- log index --bogus
expect 2 "log tail -n needs a number" -- log tail -n x
printf 'Jan  1 00:00:01 mx1 postfix/qmgr[9]: ABC123DEF: removed\n' >"$tmp/ml"
expect 1 "trace of an absent QID" -- trace 0FFFFFFF --log "$tmp/ml"
has err "^postern: trace: " "trace: not found is one line"
expect 0 "trace of a present QID" -- trace ABC123DEF --log "$tmp/ml" --json
has out '"line": 1' "trace --json carries line numbers"
expect 0 "log index of a given file" -- log index --log "$tmp/ml" --index "$tmp/ix.db"
has out 'index' "log index prints its summary"
expect 0 "trace answers the same with the index built" -- trace ABC123DEF --log "$tmp/ml" --json
expect 1 "trace --index of a file that does not exist" -- trace ABC123DEF --log "$tmp/ml" --index "$tmp/none.db"
has err "no such file \(postern log index --index" "trace: a missing index says how to build it"
expect 2 "trace --index without a file" -- trace ABC123DEF --log "$tmp/ml" --index
expect 0 "trace --no-index scans" -- trace ABC123DEF --log "$tmp/ml" --no-index

# Configuration through --config, $POSTERN_CONFIG, XDG, system dir, defaults.
cat >"$tmp/a.yaml" <<YAML
instance: alpha
postfix:
  config_dir: /nonexistent/pf
logs:
  - path: /nonexistent/maillog
    format: rfc3339
state_db: $tmp/state.db
YAML
expect 0 "config show with --config" -- --config "$tmp/a.yaml" config show
has out '^instance: +alpha$' "config show names the instance"
has out 'logs\[0\]: +/nonexistent/maillog \(rfc3339\)' "config show lists log sources"
expect 0 "config show --json" -- --config "$tmp/a.yaml" config show --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["instance"]=="alpha" and d["logs"][0]["format"]=="rfc3339"' "$tmp/out"; then ok "config --json is valid and exact"; else notok "config --json is valid and exact"; fi
EXTRA_ENV="POSTERN_CONFIG=$tmp/a.yaml" expect 0 "POSTERN_CONFIG is honoured" -- config path
has out "^$tmp/a.yaml$" "config path names the POSTERN_CONFIG file"
mkdir -p "$tmp/home/.config/postern"; sed 's/alpha/beta/' "$tmp/a.yaml" >"$tmp/home/.config/postern/postern.yaml"
expect 0 "user config under ~/.config" -- config show
has out '^instance: +beta$' "the user file is found"
rm -r "$tmp/home/.config"; mkdir -p "$tmp/etc"; sed 's/alpha/gamma/' "$tmp/a.yaml" >"$tmp/etc/postern.yaml"
expect 0 "system config" -- config show
has out '^instance: +gamma$' "the system file is found"
rm "$tmp/etc/postern.yaml"
expect 0 "built-in defaults" -- config path
has out '^built-in defaults$' "no file: built-in defaults"
expect 1 "--config naming a missing file" -- --config "$tmp/missing.yaml" config show
has err "^postern: configuration: .*missing.yaml" "missing config file is named"

printf 'instance: x\npostfix:\n  config_dir: [a, b]\n' >"$tmp/bad.yaml"
expect 1 "wrong type in config" -- --config "$tmp/bad.yaml" config show
has err "bad.yaml:3:[0-9]+: .*config_dir" "type error carries file:line:column and the key"
printf 'instance: x\npostfx:\n  config_dir: /x\n' >"$tmp/typo.yaml"
expect 1 "unknown key in config" -- --config "$tmp/typo.yaml" config show
has err "typo.yaml:2:1: unknown key 'postfx'.*postfix" "unknown key is named with a suggestion"
printf 'instance: "a\\nb"\n' >"$tmp/ctl.yaml"
expect 1 "control character in a config string" -- --config "$tmp/ctl.yaml" config show
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "errors are one line" || notok "errors are one line"

expect 0 "read-only is reported" -- --config "$tmp/a.yaml" --read-only config show
has out '^read_only: +true$' "--read-only reaches the backend context"

# The console: argument errors, no terminal, the key reference and key files.
expect 2 "console: unknown option" -- console --bogus
has err "^postern: console: unknown option '--bogus' \(see 'postern help console'\)$" "console: unknown option named"
expect 2 "console: unknown screen" -- console --screen nowhere
has err "unknown screen 'nowhere' \(screens: queue, logs," "console: unknown screen lists the screens"
expect 2 "console: unknown theme" -- console --theme pink
has err "unknown theme 'pink' \(themes: dark, light, mono\)" "console: unknown theme lists the themes"
expect 2 "console: unknown keymap" -- console --keymap emacs
expect 2 "console: --screen without a value" -- console --screen
expect 2 "console: stray argument" -- console extra
expect 1 "console without a terminal fails" -- --config "$tmp/a.yaml" console </dev/null
has err "^postern: console: needs a terminal" "console without a terminal says why"
expect 0 "no command without a terminal prints the overview" -- --config "$tmp/a.yaml"
expect 0 "help console" -- help console
has out '^usage: postern console' "help console shows its usage"
expect 0 "help keys" -- help keys
src=${POSTERN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if cmp -s "$tmp/out" "$src/docs/keys.md"; then ok "docs/keys.md is 'postern help keys' (regenerate: postern help keys > docs/keys.md)"; else diff -u "$src/docs/keys.md" "$tmp/out" | head -20 | sed 's/^/# /'; notok "docs/keys.md is 'postern help keys' (regenerate: postern help keys > docs/keys.md)"; fi
printf 'global:\n  x: hepl\n  q: quit\n  q: help\n' >"$tmp/keys-bad.yaml"
expect 1 "console --check-keys with errors" -- console --check-keys "$tmp/keys-bad.yaml"
has out "keys-bad.yaml:2:[0-9]+: unknown action 'hepl' \(did you mean 'help'\?\)" "check-keys names the unknown action with a suggestion"
has out "keys-bad.yaml:4:3: duplicate key 'q'" "check-keys reports the duplicate key"
printf 'global:\n  Z: quit\n  ZZ: quit\n' >"$tmp/keys-warn.yaml"
expect 0 "console --check-keys with warnings only" -- console --check-keys "$tmp/keys-warn.yaml"
has out "^warning: .*keys-warn.yaml:[0-9]+:[0-9]+: .*shadowed" "check-keys prints the prefix clash warning"
printf 'console:\n  theme: pink\n' >"$tmp/console.yaml"
expect 1 "console section is checked" -- --config "$tmp/console.yaml" config show
has err "console.yaml:2:[0-9]+: console.theme: expected one of dark, light, mono" "bad console.theme is named"

echo "1..$n"
[ $failed -eq 0 ]
