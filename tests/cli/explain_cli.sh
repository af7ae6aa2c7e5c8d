#!/usr/bin/env bash
# explain_cli.sh - `postern address explain ADDRESS [--json]`: the text tree
# (two spaces per depth) and "Ends up in:", the --json shape, exit codes
# (0 also for a rejected address, 1 for an invalid address or an unmanaged
# domain, 2 for usage), control characters never printed raw, and that it
# works read-only. Its own postern.yaml and state DB in a temporary
# directory. TAP output.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# same FILE DESC: out equals the given file exactly
same() { if diff -u "$1" "$tmp/out" >"$tmp/diff"; then ok "$2"; else cp "$tmp/diff" "$tmp/err"; notok "$2"; fi; }
# setup ARGS...: a store change that must succeed
setup() { run "$@" || { echo "# setup failed: $*"; cat "$tmp/err" | sed 's/^/# /'; }; }

echo 'S3cret-pass!' >"$tmp/pw"; chmod 600 "$tmp/pw"
setup domain add example.com
setup domain add branch.org --relay mx.branch.org:2525
for m in alice bob carol catch; do setup mailbox add $m@example.com --password-file "$tmp/pw"; done
setup mailbox edit alice@example.com --forward alice@home.org --keep-copy
setup group add team@example.com --member alice@example.com --member bob@example.com
setup group add off@example.com --member bob@example.com --disabled
setup address add sales@example.com --to alice@example.com --to group:team@example.com --to external:boss@partner.org --internal
setup address add info@* --to carol@example.com
setup domain edit example.com --bcc archive@vault.org

# ---- text: the tree, then "Ends up in:"
expect 0 "explain an alias" -- address explain sales@example.com
cat >"$tmp/want" <<'TXT'
sales@example.com (local domain example.com)
  internal: mail from outside is refused (trusted networks and authenticated users may send)
  address sales@example.com to 3 destinations
    mailbox alice@example.com keeps a copy and forwards to 1 address
      forward to alice@home.org
    group team@example.com (2 members)
      mailbox alice@example.com (reached again: one copy only)
      mailbox bob@example.com
    external boss@partner.org (sent out)
  hidden copy (BCC) to archive@vault.org of each message arriving for example.com (recipient_bcc_maps)
Ends up in:
  bcc archive@vault.org
  external alice@home.org
  external boss@partner.org
  mailbox alice@example.com
  mailbox bob@example.com
TXT
same "$tmp/want" "text tree and finals, exactly"

expect 0 "explain a wildcard match (case-insensitive input)" -- address explain INFO@Example.COM
has out '^  wildcard address info@\* \(every local domain\) to 1 destination$' "wildcard at depth 1"
has out '^    mailbox carol@example\.com$' "its mailbox at depth 2"

expect 0 "explain a relay domain" -- address explain someone@branch.org
has out '^  branch\.org is a relay domain: relayed to \[mx\.branch\.org\]:2525' "relay step"
has out '^  relay \[mx\.branch\.org\]:2525$' "relay final"

# ---- rejected is an answer (exit 0)
expect 0 "unknown address: rejected, exit 0" -- address explain nobody@example.com
has out '^  unknown: example\.com has no mailbox, group or address .nobody. and no catch-all: rejected$' "reject step says why"
has out '^Ends up in: nothing \(rejected\)$' "ends up nowhere"
expect 0 "postmaster without an owner" -- address explain postmaster@example.com
has out '^  system postmaster$' "postmaster goes to the system's postmaster"
expect 0 "disabled group: rejected, exit 0" -- address explain off@example.com
has out 'group off@example\.com is disabled: delivers nothing' "disabled group says so"
setup domain edit example.com --catch-all catch@example.com
expect 0 "unknown address with a catch-all" -- address explain nobody@example.com
has out '^  catch-all of example\.com: ' "catch-all step"
has out '^  mailbox catch@example\.com$' "catch-all mailbox is a final"

# ---- --json
expect 0 "explain --json (after the address)" -- address explain sales@example.com --json
pyjson "JSON keys" 'set(j)=={"address","rejected","internal","steps","finals"} and j["address"]=="sales@example.com"'
pyjson "JSON flags" 'j["internal"] is True and j["rejected"] is False'
pyjson "JSON steps" 'j["steps"][0]=={"depth":0,"kind":"input","target":"sales@example.com","text":"sales@example.com (local domain example.com)"} and all(set(s)=={"depth","kind","target","text"} for s in j["steps"])'
pyjson "JSON kinds" '[s["kind"] for s in j["steps"]]==["input","internal","address","mailbox","forward","group","mailbox","mailbox","external","bcc"]'
pyjson "JSON finals sorted" 'j["finals"]==["bcc archive@vault.org","external alice@home.org","external boss@partner.org","mailbox alice@example.com","mailbox bob@example.com"]'
expect 0 "--json before the noun, rejected" -- --json address explain nobody@branch.org
pyjson "relay JSON" 'j["rejected"] is False and j["finals"]==["relay [mx.branch.org]:2525"] and j["steps"][1]["kind"]=="relay"'
setup domain edit example.com --no-catch-all
expect 0 "rejected --json" -- --json address explain ghost@example.com
pyjson "rejected JSON" 'j["rejected"] is True and j["finals"]==[] and j["steps"][-1]["kind"]=="reject"'

# ---- errors
expect 1 "unmanaged domain" -- address explain x@unknown.org
has err '^postern: address explain: address: domain unknown\.org is not managed by postern' "unmanaged domain named"
expect 1 "invalid address" -- address explain not-an-address
has err "^postern: address explain: address: 'not-an-address' is not valid" "invalid address: field and rule"
expect 1 "wildcard is not an address to explain" -- address explain 'info@*'
has err "not local@\*" "wildcard refused with the rule"
expect 1 "control character refused" -- address explain $'a\tb@example.com'
hasnt err $'\t' "no raw control character in the error"
expect 2 "missing address" -- address explain
has err "give an address" "missing address: says what is missing"
expect 2 "two addresses" -- address explain a@example.com b@example.com
expect 2 "unknown option" -- address explain a@example.com --bogus
expect 2 "LF in the address" -- address explain $'a@example.com\nX'

# ---- read-only and help
expect 0 "works --read-only" -- --read-only address explain alice@example.com
has out '^Ends up in:$' "read-only answer"
expect 0 "help address" -- help address
has out 'postern address explain ADDRESS' "usage names explain"
has out '"finals"' "help documents the JSON"

echo "1..$n"
[ "$failed" -eq 0 ]
