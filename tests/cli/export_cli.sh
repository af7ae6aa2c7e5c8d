#!/usr/bin/env bash
# export_cli.sh - postern export / postern import: export to stdout and to a
# file (mode 0600, atomic, the same bytes every time), import --dry-run,
# problems printed as FILE:LINE:COL with exit 1 and nothing written,
# --replace needing --yes off a terminal and asking on one, the round trip
# through the binary into an empty state DB, stdin, --json, --read-only.
# Its own postern.yaml files and state DBs in a temporary directory. TAP.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
printf 'state_db: %s/one/state.db\n' "$tmp" >"$tmp/one.yaml"
printf 'state_db: %s/two/state.db\n' "$tmp" >"$tmp/two.yaml"
cfg="$tmp/one.yaml"
# same A B DESC: the two files have the same bytes
same() { if cmp -s "$1" "$2"; then ok "$3"; else diff "$1" "$2" | head -20 >"$tmp/err"; notok "$3"; fi; }

# ---- a state with every kind of entity, through the other nouns
echo 'S3cret-pass!' >"$tmp/pw"; chmod 600 "$tmp/pw"
expect 0 "domain add" -- domain add example.com --bcc archive@example.net
expect 0 "relay domain add" -- domain add relay.example.org --relay mx.example.org:2525
expect 0 "mailbox add" -- mailbox add alice@example.com --name "Alice \"A\" O'Hara" --password-file "$tmp/pw" --forward x@example.net --quota 2G
expect 0 "second mailbox" -- mailbox add bob@example.com --password-file "$tmp/pw"
expect 0 "group add" -- group add staff@example.com --member alice@example.com --member bob@example.com
expect 0 "public add" -- public add shared --owner group:staff@example.com --owner user:bob@example.com
expect 0 "wildcard address add" -- address add 'info@*' --to user:alice@example.com --to public:shared --internal
expect 0 "domain catch-all" -- domain edit example.com --catch-all bob@example.com

# ---- export
expect 0 "export to stdout" -- export
has out '^postern_state: 1$' "the format line"
has out '^  - address: "info@\*"$' "the wildcard address, quoted"
has out 'password_hash: "\$(y|6)\$' "password hashes are in it"
hasnt out 'S3cret' "never the password"
cp "$tmp/out" "$tmp/stdout.yaml"
touch "$tmp/work/state.yaml"; chmod 644 "$tmp/work/state.yaml"
expect 0 "export to a file" -- export state.yaml
has out "state exported to state.yaml" "says where"
if [ "$(stat -c %a "$tmp/work/state.yaml")" = 600 ]; then ok "the file is mode 0600 (even over a 0644 one)"; else notok "mode 0600"; fi
same "$tmp/stdout.yaml" "$tmp/work/state.yaml" "the file holds what stdout shows"
if ls -A "$tmp/work" | grep -q '^\.state\.yaml\.'; then notok "no temporary file left"; else ok "no temporary file left"; fi
expect 0 "export again" -- export
same "$tmp/stdout.yaml" "$tmp/out" "the same state gives the same bytes"
expect 0 "export --json to a file" -- --json export again.yaml
pyjson "export --json" 'j["ok"] and j["file"]=="again.yaml" and j["bytes"]>500'
expect 2 "export with two files" -- export a.yaml b.yaml
expect 2 "export with an unknown option" -- export --frob
expect 1 "export into a missing directory" -- export /nonexistent-dir/x.yaml
has err "^postern: export: cannot write /nonexistent-dir/x.yaml" "the write error"

# ---- import: dry run, merge
expect 0 "import --dry-run of the same state" -- import state.yaml --dry-run
has out "would make 0 changes; nothing was written" "nothing would change"
has out '^mailboxes +0 +0 +0 +2$' "counts per entity"
sed -e 's/^    name: "Alice.*$/    name: Alice Changed/' "$tmp/work/state.yaml" >"$tmp/work/edited.yaml"
expect 0 "import --dry-run of an edit" -- import edited.yaml --dry-run
has out '^mailboxes +0 +1 +0 +1$' "one mailbox would change"
expect 0 "show after the dry run" -- --json mailbox show alice@example.com
pyjson "the dry run wrote nothing" 'j["name"]=="Alice \"A\" O'"'"'Hara" and j["rev"]==1'
expect 0 "import (merge)" -- import edited.yaml
has out "imported edited.yaml: 1 change; run 'postern apply' to put it into effect" "result line with the apply hint"
expect 0 "show after the import" -- --json mailbox show alice@example.com
pyjson "the edit is in, revision bumped" 'j["name"]=="Alice Changed" and j["rev"]==2'
expect 0 "import --json" -- --json import state.yaml
pyjson "import --json report" 'j["ok"] and j["written"] and j["changes"]==1 and j["counts"]["mailboxes"]=={"added":0,"changed":1,"unchanged":1,"removed":0} and j["problems"]==[]'

# ---- problems: every one, with its line, exit 1, nothing written
cat >"$tmp/work/bad.yaml" <<'EOF'
postern_state: 1
domains:
  - name: example.com
    colour: blue
  - name: bad_domain!.com
mailboxes:
  - address: "a,b@example.com"
    password_hash: "$6$salt$hash"
addresses:
  - address: sales@example.com
    destinations:
      - user: ghost@example.com
EOF
expect 1 "import of a bad file" -- import bad.yaml
has err '^bad\.yaml:4:5: domains: unknown key .colour.' "unknown key with line:col"
has err "^bad\\.yaml:5:11: domains\\.name: 'bad_domain!\\.com' is not valid" "bad domain with line:col"
has err "^bad\\.yaml:7:14: mailboxes\\.address: 'a,b' is not valid" "',' in a local part with line:col"
has err '^bad\.yaml:12:15: addresses\.destinations: mailbox ghost@example\.com does not exist' "missing destination with line:col"
has err '^postern: import: bad\.yaml: 4 problems: nothing was written$' "the summary line"
expect 1 "dry run of the bad file fails too" -- import bad.yaml --dry-run
expect 1 "--json report of the bad file" -- --json import bad.yaml
pyjson "problems in the JSON" 'not j["ok"] and len(j["problems"])==4 and j["problems"][0].startswith("bad.yaml:4:5: ")'
expect 0 "export after the failures" -- export
same "$tmp/work/state.yaml" "$tmp/out" "nothing was written"

# ---- --replace: --yes off a terminal, the question on one
expect 2 "--replace off a terminal needs --yes" -- import state.yaml --replace
has err "add --yes to replace the whole state" "the --yes hint"
printf 'postern_state: 1\ndomains: [{name: example.com}]\n' >"$tmp/work/small.yaml"
expect 0 "--replace --dry-run says what goes" -- import small.yaml --replace --dry-run
has out '^domains +0 +1 +1 +0$' "a domain changed, one removed"
has out '^mailboxes +0 +0 +2 +0$' "both mailboxes removed"
if tty "" "$bin" --config "$cfg" import small.yaml --replace; then notok "empty answer keeps the state"; else ok "empty answer keeps the state"; fi
has out 'Replace the whole state with small\.yaml\? It removes 1 domain, 2 mailboxes, 1 group, 1 public mailbox, 1 address \[y/N\]' "the question names how much goes"
expect 0 "export after no" -- export
same "$tmp/work/state.yaml" "$tmp/out" "still the same state"
expect 2 "--replace from stdin needs --yes" -- import - --replace
if tty "y" "$bin" --config "$cfg" import small.yaml --replace; then ok "y replaces"; else notok "y replaces"; fi
has out "imported small\.yaml: 7 changes" "the replace went through"
expect 0 "export after yes" -- export
has out '^mailboxes: \[\]$' "the mailboxes are gone"

# ---- the round trip through the binary into an empty state DB
cfg="$tmp/two.yaml"
expect 0 "export of the empty DB" -- export
has out '^domains: \[\]$' "empty sections"
expect 0 "import --replace --yes into the empty DB" -- import "$tmp/work/state.yaml" --replace --yes
has out '^mailboxes +2 +0 +0 +0$' "two mailboxes added"
expect 0 "export of the copy" -- export
same "$tmp/work/state.yaml" "$tmp/out" "export -> import --replace -> export: the same bytes"
expect 0 "the copy's mailbox" -- --json mailbox show alice@example.com
pyjson "the copy has the mailbox" 'j["quota_bytes"]==2*1024**3 and j["forwards"]==["x@example.net"]'
IN="$tmp/work/small.yaml" expect 0 "import - --replace --yes from stdin" -- import - --replace --yes
has out "imported stdin: " "named stdin"
expect 0 "export after the stdin import" -- export
has out '^mailboxes: \[\]$' "replace removed the mailboxes"

# ---- read-only, usage
expect 1 "--read-only refuses import" -- --read-only import "$tmp/work/state.yaml"
has err "read-only" "read-only named"
expect 0 "--read-only allows --dry-run" -- --read-only import "$tmp/work/state.yaml" --dry-run
expect 0 "--read-only allows export" -- --read-only export
expect 2 "import without a file" -- import
expect 2 "import with an unknown option" -- import x.yaml --force
expect 1 "import of a missing file" -- import "$tmp/nope.yaml"
expect 2 "LF in an argument" -- import $'a\nb'
expect 0 "help import" -- help import
has out "FILE:LINE:COL" "help describes the problem lines"
has out "postern apply" "help says changes go out with apply"
expect 0 "help" -- help
has out '^  export ' "help lists export"
has out '^  import ' "help lists import"

echo "1..$n"
[ "$failed" -eq 0 ]
