#!/usr/bin/env bash
# store_cli.sh - the state-store nouns (domain, mailbox, group, public,
# address): add/list/show/edit/delete, --json shape, exit codes (usage 2,
# constraint 1 with the store's message), --read-only, CR/LF refused,
# passwords from stdin never echoed or shown. Its own postern.yaml and
# state DB in a temporary directory. TAP output.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- domains
expect 0 "domain add" -- domain add example.com
has out "^domain example.com added \(revision 1\); run 'postern apply'" "add says it goes out with apply"
expect 0 "domain add with relay and bcc" -- domain add relay.org --relay mx.relay.org:2525 --bcc archive@example.com
expect 0 "domain list" -- domain list
has out '^relay\.org +relay mx\.relay\.org:2525 +archive@example\.com' "list shows the relay and bcc"
expect 0 "domain list --json" -- --json domain list
pyjson "domain list JSON content" '[d["name"] for d in j]==["example.com","relay.org"] and j[1]["delivery"]=="relay" and j[1]["relay_port"]==2525 and j[0]["bcc"] is None and j[0]["rev"]==1'
expect 2 "domain add without a name" -- domain add
has err "^postern: domain add: give a domain name \(see 'postern help domain add'\)$" "missing name: one line"
expect 2 "domain add with an unknown option" -- domain add x.org --bogus
expect 2 "domain add with a bad relay port" -- domain add x.org --relay mx:99999
expect 2 "domain: unknown verb" -- domain frob
expect 1 "domain add duplicate" -- domain add example.com
expect 1 "domain add invalid name" -- domain add 'bad_domain!'
expect 0 "domain edit" -- domain edit relay.org --local --no-bcc
expect 0 "domain show --json" -- --json domain show relay.org
pyjson "edit took effect, revision bumped" 'j["delivery"]=="local" and j["bcc"] is None and j["rev"]==2'
expect 1 "domain edit with a stale --rev" -- domain edit relay.org --bcc a@example.com --rev 1
has err "^postern: domain edit: .*changed by someone else \(revision 2, you edited 1\)" "stale revision: conflict message"
expect 0 "domain edit with the current --rev" -- domain edit relay.org --bcc a@example.com --rev 2
expect 1 "domain show unknown" -- domain show nope.org

# ---- mailboxes (password from stdin, never echoed, never shown)
echo 'S3cret-pass!' >"$tmp/pw.txt"
IN="$tmp/pw.txt" expect 0 "mailbox add --password-stdin" -- mailbox add alice@example.com --name "Alice A" --password-stdin --quota 2G --forward a@x.org --forward b@y.org --keep-copy
hasnt out 'S3cret' "password not echoed on stdout"
hasnt err 'S3cret' "password not echoed on stderr"
IN="$tmp/pw.txt" expect 0 "second mailbox" -- mailbox add bob@example.com --password-stdin --no-imap --pop3
expect 2 "mailbox add without a password source" -- mailbox add carol@example.com
expect 2 "mailbox add with a bad quota" -- mailbox add carol@example.com --password-stdin --quota lots
chmod 644 "$tmp/pw.txt"
expect 1 "mailbox add refuses a world-readable password file" -- mailbox add carol@example.com --password-file "$tmp/pw.txt"
has err 'must not be readable by group or others' "password file mode named"
chmod 600 "$tmp/pw.txt"
expect 0 "mailbox add --password-file (0600)" -- mailbox add carol@example.com --password-file "$tmp/pw.txt"
expect 0 "mailbox show --json" -- --json mailbox show alice@example.com
pyjson "mailbox JSON content" 'j["address"]=="alice@example.com" and j["name"]=="Alice A" and j["quota_bytes"]==2*1024**3 and j["forwards"]==["a@x.org","b@y.org"] and j["keep_copy"] and j["imap"] and not j["pop3"]'
pyjson "no password or hash in show --json" 'not any("pass" in k or "hash" in k for k in j) and "S3cret" not in json.dumps(j)'
hasnt out '\$(y|6)\$' "no crypt hash in the output"
expect 0 "mailbox list --json" -- --json mailbox list
pyjson "mailbox list JSON" '[m["address"] for m in j]==["alice@example.com","bob@example.com","carol@example.com"] and not any("password" in json.dumps(m) for m in j)'
expect 0 "mailbox list" -- mailbox list
has out '^alice@example\.com +Alice A +imap smtp +2\.0G +2$' "mailbox list row"
IN="$tmp/pw.txt" expect 0 "mailbox edit (password and forwards)" -- mailbox edit alice@example.com --password-stdin --no-forwards --spam-retention 14
hasnt out 'S3cret' "edit: password not echoed"
expect 0 "mailbox show" -- mailbox show alice@example.com
has out '^spam retention: 14 days$' "edit took effect"
hasnt out 'S3cret|\$y\$|\$6\$' "show prints no password"
expect 1 "duplicate mailbox" -- mailbox add alice@example.com --password-file "$tmp/pw.txt"

# ---- groups
expect 0 "group add" -- group add staff@example.com --member alice@example.com --member bob@example.com
expect 1 "group with a mailbox's local part" -- group add alice@example.com --member bob@example.com
has err "^postern: group add: .*'alice' is already the mailbox alice@example.com" "duplicate local part: store message"
expect 1 "group member must exist" -- group add team@example.com --member nobody@example.com
expect 0 "group edit" -- group edit staff@example.com --remove-member bob@example.com --add-member carol@example.com
expect 0 "group show --json" -- --json group show staff@example.com
pyjson "group JSON content" 'j["members"]==["alice@example.com","carol@example.com"] and j["enabled"] and j["rev"]==2'
expect 2 "group edit: removing a non-member" -- group edit staff@example.com --remove-member zed@example.com
expect 0 "group list --json" -- --json group list
pyjson "group list JSON" 'len(j)==1 and j[0]["address"]=="staff@example.com"'

# ---- public mailboxes
expect 0 "public add" -- public add shared --owner user:alice@example.com --owner group:staff@example.com
expect 2 "public add with a bad owner kind" -- public add other --owner team:x@example.com
expect 0 "public show --json" -- --json public show shared
pyjson "public JSON content" 'j["name"]=="shared" and j["owners"]==[{"kind":"user","target":"alice@example.com"},{"kind":"group","target":"staff@example.com"}]'
expect 0 "public edit" -- public edit shared --remove-owner group:staff@example.com
expect 0 "public list --json" -- --json public list
pyjson "public edit took effect" 'len(j)==1 and len(j[0]["owners"])==1 and j[0]["rev"]==2'

# ---- addresses
expect 0 "address add" -- address add sales@example.com --to alice@example.com --to group:staff@example.com --to external:x@y.z --to public:shared --internal
expect 0 "wildcard address" -- address add 'info@*' --to alice@example.com
expect 2 "address add without --to" -- address add x@example.com
expect 2 "address add with a bad kind" -- address add x@example.com --to mbox:alice@example.com
expect 1 "address with a mailbox's local part" -- address add bob@example.com --to alice@example.com
has err "^postern: address add: .*'bob' is already the mailbox bob@example.com" "duplicate local part named"
expect 0 "address list --json" -- --json address list
pyjson "address JSON content" '[a["address"] for a in j]==["info@*","sales@example.com"] and j[1]["internal"] and {"kind":"external","target":"x@y.z"} in j[1]["to"] and len(j[1]["to"])==4'
expect 0 "address edit" -- address edit sales@example.com --remove-to alice@example.com --no-internal
expect 0 "address show" -- address show sales@example.com
has out '^internal: no$' "address edit took effect"
hasnt out 'user:alice@example.com' "destination removed"

# ---- deletes: referrers named, --yes off a terminal, cascade
expect 2 "delete off a terminal needs --yes" -- group delete staff@example.com
has err "add --yes" "the --yes hint"
expect 1 "referenced group delete refused" -- group delete staff@example.com --yes
has err "^postern: group delete: .*address sales@example.com" "referrers named"
expect 1 "referenced mailbox delete refused" -- mailbox delete alice@example.com --yes
expect 0 "mailbox delete --cascade" -- mailbox delete alice@example.com --cascade --yes
expect 0 "group show after cascade" -- --json group show staff@example.com
pyjson "cascade removed the member" 'j["members"]==["carol@example.com"]'
expect 1 "wildcard address left without destinations is gone" -- address show 'info@*'
expect 0 "group delete --cascade" -- group delete staff@example.com --cascade --yes
expect 0 "address delete" -- address delete sales@example.com --yes
expect 0 "public delete" -- public delete shared --yes
expect 1 "domain with mailboxes: delete refused" -- domain delete example.com --yes
expect 0 "domain delete --cascade" -- domain delete example.com --cascade --yes
expect 0 "mailbox list after domain cascade" -- --json mailbox list
pyjson "cascade removed the domain's mailboxes" 'j==[]'

# ---- delete on a terminal: asks, the default answer is no
expect 0 "domain for the terminal test" -- domain add tty.org
if tty "" "$bin" --config "$cfg" domain delete tty.org; then notok "empty answer keeps it"; else ok "empty answer keeps it"; fi
has out 'Delete tty.org\? .*\[y/N\]' "the question names what and what else is affected"
expect 0 "still there after no" -- domain show tty.org
if tty "y" "$bin" --config "$cfg" domain delete tty.org; then ok "y deletes"; else notok "y deletes"; fi
expect 1 "gone after yes" -- domain show tty.org

# ---- read-only, CR/LF
expect 1 "--read-only refuses add" -- --read-only domain add ro.org
has err "read-only" "read-only named"
expect 0 "--read-only still lists" -- --read-only domain list
expect 2 "LF in an argument" -- domain add $'evil.org\nX'
has err "line breaks" "CR/LF refused: reason"
expect 2 "CR in an option value" -- domain add evil.org --bcc $'a@b.c\r'
expect 0 "help mailbox" -- help mailbox
has out "postern apply" "help says changes go out with apply"
has out "--json" "help documents --json"

echo "1..$n"
[ "$failed" -eq 0 ]
