#!/usr/bin/env bash
# config_apply.sh - the configuration store put into effect on the lab and
# proved with real mail: each feature is changed through the postern CLI,
# applied with `postern apply`, then mail is sent over SMTP and checked where
# it landed (Maildirs through Dovecot, the remote sink via the maillog,
# IMAP logins) and what the maillog says. Also: a failing validation leaves
# the running configuration untouched, a failing reload rolls back, revert
# and history. Uses its own state DB; at the end it applies an empty state,
# which leaves the lab's own domains working as before. TAP output.
set -uo pipefail
if [ -z "${POSTERN_LAB:-}" ] || [ -z "${POSTERN_CONFIG:-}" ]; then
  echo "1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG unset)"; exit 0
fi
bin=${POSTERN_BIN:?}
tmp=$(mktemp -d)
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/# /' "$2" | tail -30; }
check() { local desc=$1; shift; if "$@" >"$tmp/last" 2>&1; then ok "$desc"; else notok "$desc" "$tmp/last"; fi; }

# A config of our own: same lab, own state DB.
sed "s#^state_db: .*#state_db: $tmp/state/postern.db#" "$POSTERN_CONFIG" >"$tmp/postern.yaml"
export POSTERN_CONFIG=$tmp/postern.yaml
pf=$LAB_POSTFIX_DIR
dc=$LAB_DOVECOT_CONF
maildirs=$LAB_MAILDIR_ROOT
p() { "$bin" "$@"; }
cleanup() {
  # leave the lab as we found it: an empty state applied, our state DB gone
  for d in t1.example t2.example rl.example; do p domain delete $d --cascade --yes >/dev/null 2>&1; done
  for x in Shared; do p public delete $x --cascade --yes >/dev/null 2>&1; done
  for a in 'info@*' 'help@*'; do p address delete "$a" --yes >/dev/null 2>&1; done
  p apply --quiet >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
pw() { printf 'pw-%s\n' "$1" | p mailbox add "$@" --password-stdin >/dev/null; }

# ---- python helpers: SMTP send, IMAP login/read ----
py() { python3 - "$@" <<'PY'
import sys, smtplib, imaplib, time
cmd = sys.argv[1]
if cmd == "send":
    # send PORT FROM TO[,TO] SUBJECT [USER PASS] [SIZE]
    port, frm, to, subj = int(sys.argv[2]), sys.argv[3], sys.argv[4].split(","), sys.argv[5]
    user = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != "-" else None
    pw = sys.argv[7] if len(sys.argv) > 7 else None
    size = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    body = "hello\r\n" + ("x" * 70 + "\r\n") * (size // 72)
    msg = f"From: <{frm}>\r\nTo: <{to[0]}>\r\nSubject: {subj}\r\nMessage-ID: <{subj}@postern.test>\r\n\r\n{body}"
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        if user:
            s.login(user, pw)
        refused = s.sendmail(frm, to, msg)
        s.quit()
        print("accepted", " ".join(f"{k}:{v[0]}" for k, v in refused.items()))
    except smtplib.SMTPRecipientsRefused as e:
        print("refused", " ".join(f"{k}:{v[0]} {v[1].decode(errors='replace')}" for k, v in e.recipients.items()))
    except smtplib.SMTPException as e:
        print("error", e)
elif cmd == "login":
    port, user, pw = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    m = imaplib.IMAP4("127.0.0.1", port)
    try:
        m.login(user, pw); print("login-ok"); m.logout()
    except imaplib.IMAP4.error as e:
        print("login-failed", e)
elif cmd == "count":
    # count PORT USER PASS MAILBOX SUBJECT
    port, user, pw, box, subj = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, pw)
    typ, _ = m.select('"%s"' % box, readonly=True)
    if typ != "OK":
        print("select-failed"); sys.exit(0)
    typ, data = m.search(None, "SUBJECT", '"%s"' % subj)
    print("found", len(data[0].split()) if data and data[0] else 0)
    m.logout()
PY
}

# in_maildir USER@DOMAIN SUBJECT: wait (10 s) for a message with that subject
in_maildir() {
  local dom=${1#*@} local=${1%@*} i
  for i in $(seq 1 50); do
    if grep -rlqs "^Subject: $2\$" "$maildirs/$dom/$local/Maildir/new" "$maildirs/$dom/$local/Maildir/cur" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "no message '$2' in $maildirs/$dom/$local/Maildir"; return 1
}
not_in_maildir() {
  local dom=${1#*@} local=${1%@*}
  sleep 1
  if grep -rlqs "^Subject: $2\$" "$maildirs/$dom/$local/Maildir" 2>/dev/null; then
    echo "'$2' found in $1"; return 1; fi
  return 0
}
# logged RCPT SUBJECT STATUS: the maillog says RCPT of that message got STATUS (10 s)
logged() {
  local i qids
  for i in $(seq 1 50); do
    qids=$(grep -F "message-id=<$2@postern.test>" "$LAB_MAILLOG" | sed -n 's/.*: \([0-9A-F]*\): message-id=.*/\1/p' | sort -u)
    for q in $qids; do
      if grep -F "$q: to=<$1>" "$LAB_MAILLOG" | grep -q "status=$3"; then return 0; fi
    done
    sleep 0.2
  done
  echo "maillog: no '$1' status=$3 for message $2 (queue IDs: $qids)"; return 1
}
expect() { local want=$1; shift; local got; got=$("$@"); echo "$got"; [[ $got == $want* ]]; }

SMTP=$LAB_SMTP_PORT; IN=$LAB_INBOUND_PORT; SUB=$LAB_SUBMISSION_PORT; IMAP=$LAB_IMAP_PORT
tag=$(date +%s)$$

# ---------------------------------------------------------------- state
p domain add t1.example >/dev/null && p domain add t2.example >/dev/null &&
  p domain add rl.example --relay "127.0.0.1:$LAB_REMOTE_PORT" >/dev/null
pw ann@t1.example; pw bob@t1.example; pw eve@t2.example
pw cat@t1.example --forward fwd-keep@remote.example --keep-copy
pw dan@t1.example --forward fwd-only@remote.example
pw qq@t1.example --quota 64K
p group add team@t1.example --member ann@t1.example --member bob@t1.example >/dev/null
p address add trio@t1.example --to user:ann@t1.example --to group:team@t1.example \
  --to external:ext@remote.example >/dev/null
p address add 'info@*' --to user:eve@t2.example >/dev/null
p address add 'help@*' --to user:eve@t2.example >/dev/null
p address add help@t1.example --to user:bob@t1.example >/dev/null
p domain edit t1.example --catch-all ann@t1.example >/dev/null
p domain edit t2.example --bcc bob@t1.example >/dev/null
p address add staff@t1.example --to user:ann@t1.example --internal >/dev/null
p public add Shared --owner group:team@t1.example >/dev/null
p address add shared@t1.example --to public:Shared >/dev/null
check "the state is recorded (pending changes listed)" bash -c "'$bin' history | grep -q 'not applied yet'"

# ---------------------------------------------------------------- apply
p apply --dry-run >"$tmp/dry.txt" 2>&1; rc=$?
cp "$tmp/dry.txt" "$tmp/last"
if [ $rc -eq 0 ] && grep -q '^+trio@t1.example ann@t1.example, team@t1.example, ext@remote.example$' "$tmp/dry.txt" &&
   grep -q 'dry run: nothing was changed' "$tmp/dry.txt"; then ok "apply --dry-run shows the unified diff"; else notok "apply --dry-run shows the unified diff" "$tmp/last"; fi
hashes_hidden() { grep -q '^+ann@t1.example:(password hash)$' "$tmp/dry.txt" && ! grep -Eq '\{CRYPT\}|\$(y|6)\$' "$tmp/dry.txt"; }
check "dry run hides password hashes" hashes_hidden
before_gen=$(readlink "$pf/postern/current" 2>/dev/null || echo none)
check "dry run changed nothing" test "$(readlink "$pf/postern/current" 2>/dev/null || echo none)" = "$before_gen"
p apply >"$tmp/apply.txt" 2>&1; rc=$?
cp "$tmp/apply.txt" "$tmp/last"
check "apply succeeds" test $rc -eq 0
gen=$(sed -n 's/^generation \([0-9]*\) is live$/\1/p' "$tmp/apply.txt")
check "apply names the new generation" test -n "$gen"
check "the current links point at it" bash -c "[ \"\$(readlink '$pf/postern/current')\" = gen-$gen ] && [ \"\$(readlink '$(dirname "$dc")/postern/current')\" = gen-$gen ]"
check "postfix check passes on the live config" postfix -c "$pf" check
check "main.cf keeps the lab's own alias table after postern's" bash -c "postconf -c '$pf' -h virtual_alias_maps | grep -q 'postern/current/virtual, texthash:.*/virtual'"
check "a second apply has nothing to do" bash -c "'$bin' apply | grep -q 'no changes'"

# ---------------------------------------------------------------- mail
s=local-$tag
check "SMTP accepts mail for a new domain's mailbox" expect accepted py send "$SMTP" x@remote.example eve@t2.example "$s"
check "it lands in eve's Maildir (Dovecot LMTP)" in_maildir eve@t2.example "$s"
check "the domain's hidden copy (BCC) reaches bob" in_maildir bob@t1.example "$s"

s=trio-$tag
check "alias with three destinations accepted" expect accepted py send "$SMTP" x@remote.example trio@t1.example "$s"
check "  ... mailbox ann gets it" in_maildir ann@t1.example "$s"
check "  ... group member bob gets it" in_maildir bob@t1.example "$s"
check "  ... the external one is relayed out (maillog)" logged ext@remote.example "$s" sent

s=wild-$tag
check "wildcard info@* in t1.example" expect accepted py send "$SMTP" x@remote.example info@t1.example "$s-1"
check "wildcard info@* in t2.example" expect accepted py send "$SMTP" x@remote.example info@t2.example "$s-2"
check "  ... both reach eve" bash -c "$(declare -f in_maildir); maildirs='$maildirs'; in_maildir eve@t2.example '$s-1' && in_maildir eve@t2.example '$s-2'"

s=exact-$tag
check "exact help@t1.example over wildcard help@*" expect accepted py send "$SMTP" x@remote.example help@t1.example "$s"
check "  ... goes to bob" in_maildir bob@t1.example "$s"
check "  ... not to eve (the wildcard's mailbox)" not_in_maildir eve@t2.example "$s"

s=catch-$tag
check "catch-all takes an unknown recipient" expect accepted py send "$SMTP" x@remote.example nobody-$tag@t1.example "$s"
check "  ... into ann's mailbox" in_maildir ann@t1.example "$s"
s=catch2-$tag
check "an existing recipient is not caught" expect accepted py send "$SMTP" x@remote.example bob@t1.example "$s"
check "  ... bob has it" in_maildir bob@t1.example "$s"
check "  ... the catch-all mailbox does not" not_in_maildir ann@t1.example "$s"
s=nocatch-$tag
check "a domain without catch-all refuses unknown recipients" expect refused py send "$SMTP" x@remote.example nobody-$tag@t2.example "$s"

s=fwd-$tag
check "forward with a local copy" expect accepted py send "$SMTP" x@remote.example cat@t1.example "$s-keep"
check "  ... copy kept in cat's mailbox" in_maildir cat@t1.example "$s-keep"
check "  ... forwarded to the external address" logged fwd-keep@remote.example "$s-keep" sent
check "forward without a local copy" expect accepted py send "$SMTP" x@remote.example dan@t1.example "$s-only"
check "  ... forwarded" logged fwd-only@remote.example "$s-only" sent
check "  ... nothing kept" not_in_maildir dan@t1.example "$s-only"

s=int-$tag
check "internal address: refused from outside" expect "refused staff@t1.example:554" py send "$IN" x@remote.example staff@t1.example "$s-out"
grep -q "access denied" <<<"$(py send "$IN" x@remote.example staff@t1.example "$s-out2")" && ok "  ... with 'access denied'" || notok "  ... with 'access denied'"
check "internal address: accepted from an authenticated user" expect accepted py send "$SUB" ann@t1.example staff@t1.example "$s-in" ann@t1.example pw-ann@t1.example
check "  ... and delivered" in_maildir ann@t1.example "$s-in"

s=relay-$tag
check "relay domain: accepted from outside for a recipient the next hop knows" expect accepted py send "$IN" x@remote.example ok-$tag@rl.example "$s"
check "  ... relayed to its host" bash -c "$(declare -f logged); LAB_MAILLOG='$LAB_MAILLOG'; logged ok-$tag@rl.example '$s' sent && grep -F 'to=<ok-$tag@rl.example>' '$LAB_MAILLOG' | grep -q 'relay=127.0.0.1\[127.0.0.1\]:$LAB_REMOTE_PORT'"
check "relay domain: an unknown recipient is refused (recipient verification)" expect refused py send "$IN" x@remote.example nosuch-$tag@rl.example "$s-2"

s=quota-$tag
check "quota: a message over the mailbox quota is accepted by Postfix" expect accepted py send "$SMTP" x@remote.example qq@t1.example "$s" - - 100000
check "  ... and refused by Dovecot (bounced, quota)" bash -c "$(declare -f logged); LAB_MAILLOG='$LAB_MAILLOG'; logged qq@t1.example '$s' bounced && grep -F 'to=<qq@t1.example>' '$LAB_MAILLOG' | grep -qi 'quota'"
s=quota-small-$tag
py send "$SMTP" x@remote.example qq@t1.example "$s" >/dev/null
in_maildir qq@t1.example "$s" >/dev/null
p mailbox show qq@t1.example >"$tmp/qq.txt" 2>&1
cp "$tmp/qq.txt" "$tmp/last"
check "quota usage is shown (doveadm quota get)" grep -Eiq 'quota used: +[0-9.]+ ?(B|KiB|K)' "$tmp/qq.txt"

s=pub-$tag
check "public mailbox: mail to its address is accepted" expect accepted py send "$SMTP" x@remote.example shared@t1.example "$s"
sleep 1
check "  ... a member of the owning group reads it over IMAP" expect "found 1" py count "$IMAP" ann@t1.example pw-ann@t1.example Public/Shared "$s"

check "IMAP login works for an enabled mailbox" expect login-ok py login "$IMAP" bob@t1.example pw-bob@t1.example
p mailbox edit bob@t1.example --no-imap >/dev/null
check "apply after turning IMAP off for bob" p apply --quiet
check "disabled IMAP: login refused after apply" expect login-failed py login "$IMAP" bob@t1.example pw-bob@t1.example
s=noimap-$tag
py send "$SMTP" x@remote.example bob@t1.example "$s" >/dev/null
check "  ... mail is still delivered to bob" in_maildir bob@t1.example "$s"

# ---------------------------------------------------------------- spam retention, removing mail
p mailbox edit ann@t1.example --spam-retention 3 >/dev/null
doveadm -c "$dc" save -u ann@t1.example -m Junk <<<"Subject: junk-$tag

x" 2>"$tmp/last"
p mailbox expunge-spam --dry-run >"$tmp/spam.txt" 2>&1
check "expunge-spam --dry-run names the mailboxes with a retention" grep -Eq '^ann@t1.example +would expunge +Junk saved over 3 days ago' "$tmp/spam.txt"
p mailbox expunge-spam >"$tmp/spam.txt" 2>&1; rc=$?
check "expunge-spam runs doveadm expunge for them" bash -c "[ $rc -eq 0 ] && grep -Eq '^ann@t1.example +expunged' '$tmp/spam.txt'"
check "  ... a message saved just now stays in Junk" expect "found 1" py count "$IMAP" ann@t1.example pw-ann@t1.example Junk "junk-$tag"
check "a deleted mailbox keeps its mail on disk" bash -c "'$bin' mailbox delete qq@t1.example --yes >/dev/null && [ -d '$maildirs/t1.example/qq/Maildir' ]"
check "delete --remove-mail removes it" bash -c "'$bin' mailbox delete cat@t1.example --remove-mail --yes >/dev/null 2>&1 && [ ! -e '$maildirs/t1.example/cat' ]"
check "read-only mode refuses apply" bash -c "! '$bin' --read-only apply 2>&1 | grep -q 'is live' && '$bin' --read-only apply 2>&1 | grep -qi 'read-only'"

# ---------------------------------------------------------------- failures
live=$(readlink "$pf/postern/current")
postconf -c "$pf" -n >"$tmp/maincf.before"
cp "$pf/main.cf" "$tmp/main.cf.saved"
printf 'postern_test_unknown_parameter = 1\n' >>"$pf/main.cf"
p address add break-$tag@t1.example --to user:ann@t1.example >/dev/null
p apply >"$tmp/fail.txt" 2>&1; rc=$?
check "validation failure (postconf -n warns) exits 1" test $rc -eq 1
check "  ... names the warning" grep -q 'postconf -n warned' "$tmp/fail.txt"
check "  ... the live generation is unchanged" test "$(readlink "$pf/postern/current")" = "$live"
check "  ... postfix is still running" postfix -c "$pf" status
cp "$tmp/main.cf.saved" "$pf/main.cf"
check "  ... history records the failure" bash -c "'$bin' history | grep -Eq 'failed|rolled-back' || '$bin' history | grep -q 'not applied yet'"

# a failing reload: Dovecot stopped while its include changes -> rollback
doveadm -c "$dc" stop >/dev/null 2>&1; sleep 1
p mailbox edit ann@t1.example --pop3 >/dev/null
p setting set mailbox.default_quota 50M >/dev/null
pf_before=$(postconf -c "$pf" -n | md5sum)
p apply >"$tmp/reload.txt" 2>&1; rc=$?
dovecot -c "$dc" >/dev/null 2>&1; sleep 1
if grep -q 'reloads:.*dovecot' "$tmp/reload.txt"; then
  check "a failing reload exits 1" test $rc -eq 1
  check "  ... and says it rolled back" grep -q 'rolled back to generation' "$tmp/reload.txt"
  check "  ... the links point at the previous generation again" test "$(readlink "$pf/postern/current")" = "$live"
  check "  ... main.cf is as before" test "$(postconf -c "$pf" -n | md5sum)" = "$pf_before"
else
  notok "the reload test needs a Dovecot include change (default quota setting)" "$tmp/reload.txt"
fi
check "the next apply completes" p apply --quiet

# ---------------------------------------------------------------- history and revert
check "history lists live and older generations" bash -c "'$bin' history | grep -q ' live '"
p history --json >"$tmp/hist.json"
check "history --json is valid" python3 -c "import json; d=json.load(open('$tmp/hist.json')); assert d and d[0]['status']=='live'"
p address delete trio@t1.example --yes >/dev/null && p apply --quiet >/dev/null
check "after deleting an alias the live table no longer has it" bash -c "! postmap -c '$pf' -q trio@t1.example lmdb:'$pf'/postern/current/virtual"
prev=$(python3 -c "import json; d=json.load(open('$tmp/hist.json')); print(d[0]['generation'])")
p revert "$prev" --yes >"$tmp/revert.txt" 2>&1
check "revert to the generation that had it" grep -q 'is live' "$tmp/revert.txt"
check "  ... the alias is back in the store" p address show trio@t1.example
s=back-$tag
check "  ... and mail to it is accepted again" expect accepted py send "$SMTP" x@remote.example trio@t1.example "$s"
check "  ... and delivered" in_maildir ann@t1.example "$s"

echo "1..$n"
exit $((failed > 0))
