#!/usr/bin/env bash
# setup.sh - the configuration screens' sandbox: seeds the case's own state
# DB (named by the postern.yaml run-golden.sh wrote in the current
# directory) through the CLI, so the Domains, Mailboxes and Addresses
# goldens show the same rows every run:
#   example.com  local, catch-all alice    alice, bob; group staff (alice, bob)
#   example.org  local, hidden copy        carol; group old (disabled, no members)
#   partner.net  relayed to mx.partner.net:2525, used by nothing
#   public mailbox shared (alice, group staff)
#   sales@example.com (internal) -> alice, group staff, external partner@partner.net
#   info@* -> bob;  abuse@example.org -> carol
# Every change stays pending (no apply): the title bar counts them.
set -eu
bin=${POSTERN_BIN:-$POSTERN_SOURCE_ROOT/build/postern}
p() { "$bin" --config "$PWD/postern.yaml" "$@" >/dev/null; }
pw() { printf 'Golden-secret-1\n' | p "$@" --password-stdin; }
p domain add example.com
p domain add example.org --bcc archive@example.com
p domain add partner.net --relay mx.partner.net:2525
pw mailbox add alice@example.com --name "Alice Archer" --quota 2G --forward alice@home.example --keep-copy
pw mailbox add bob@example.com --name "Bob Baker" --no-imap --pop3
pw mailbox add carol@example.org --name "Carol Chen" --quota 500M
p domain edit example.com --catch-all alice@example.com
p group add staff@example.com --member alice@example.com --member bob@example.com
p group add old@example.org --disabled
p public add shared --owner user:alice@example.com --owner group:staff@example.com
p address add sales@example.com --to alice@example.com --to group:staff@example.com --to external:partner@partner.net --internal
p address add 'info@*' --to bob@example.com
p address add abuse@example.org --to carol@example.org
