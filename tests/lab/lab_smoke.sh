#!/usr/bin/env bash
# tests/lab/lab_smoke.sh - integration test of the mail lab: checks that the
# lab's logs hold the lines real daemons write for every scenario of
# `scripts/lab seed`, and that the mx queue has deferred and held mail.
#
# Run with POSTERN_LAB (and LAB_PORT_BASE, if not the lab's own) set, after
# `scripts/lab up` and `scripts/lab seed`. Output is TAP; exit 0 if every check
# passed, 1 otherwise. If POSTERN_LAB is unset it prints a TAP skip and exits
# 77 (the automake skip code), or 0 when run by meson (POSTERN_SOURCE_ROOT is
# set by tests/meson.build), whose TAP harness counts any non-zero exit as an error.
set -euo pipefail

if [[ -z ${POSTERN_LAB:-} ]]; then
    echo "1..0 # SKIP POSTERN_LAB is not set (no lab to test)"
    [[ -n ${POSTERN_SOURCE_ROOT:-} ]] && exit 0
    exit 77
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The lab describes itself: POSTERN_LAB, LAB_MAILLOG, LAB_POSTFIX_DIR, ports...
eval "$("$ROOT/scripts/lab" env)"

checks=0 failures=0
ok() {
    checks=$((checks + 1))
    echo "ok $checks - $1"
}
not_ok() {
    checks=$((checks + 1)) failures=$((failures + 1))
    echo "not ok $checks - $1"
    [[ -n ${2:-} ]] && echo "# $2"
    return 0
}
# check_log DESCRIPTION FILE ERE - one line of FILE matches ERE.
check_log() {
    if grep -Eq -m 1 -- "$3" "$2" 2>/dev/null; then
        ok "$1"
    else
        not_ok "$1" "no line of $2 matches: $3"
    fi
}

L=$LAB_MAILLOG
echo "1..17"

check_log "LMTP delivery logged by postfix/lmtp" "$L" \
    "postfix/lmtp\[[0-9]+\]: [0-9A-F]+: to=<[^>]+@lab\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LAB_LMTP_PORT, .*status=sent \(250 2\.0\.0 <"
check_log "Dovecot LMTP 'saved mail to INBOX'" "$L" \
    'dovecot: lmtp\([^)]+\)<[0-9]+><[^>]+>: Info: msgid=<seed-[a-z0-9]+-[0-9]+@lab\.example> from=<[^>]*> size=[0-9]+: saved mail to INBOX'
check_log "rspamd task log line with qid" "$LAB_RSPAMD_LOG" \
    'rspamd_task_write_log: id: <[^>]*>, qid: <[0-9A-F]+>'
check_log "deferred: connection refused" "$L" \
    "status=deferred \(connect to 127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+: Connection refused\)"
check_log "deferred: greylisted (450 4.7.1)" "$L" \
    'status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 450 4\.7\.1 .*greylisted'
check_log "deferred: timeout waiting for the greeting" "$L" \
    'status=deferred \(conversation with 127\.0\.0\.1\[127\.0\.0\.1\] timed out while receiving the initial server greeting\)'
check_log "deferred: DNS failure" "$L" \
    'status=deferred \(Host or domain name not found\. Name service error for name=[^ ]+ type=[A-Z]+: Host not found, try again\)'
check_log "bounce with sender non-delivery notification" "$L" \
    'postfix/bounce\[[0-9]+\]: [0-9A-F]+: sender non-delivery notification: [0-9A-F]+'
check_log "NDR delivered back to the sender over LMTP" "$L" \
    'dovecot: lmtp\([^)]+@lab\.example\).*from=<MAILER-DAEMON@lab\.example> size=[0-9]+: (saved mail to INBOX|stored mail into mailbox)'
check_log "content filter re-injection (queued as)" "$L" \
    "relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LAB_REINJECT_PORT, .*status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]+\)"
check_log "postsuper hold" "$L" \
    'postfix/postsuper\[[0-9]+\]: [0-9A-F]+: placed on hold'
check_log "SASL submission (sasl_username=)" "$L" \
    'postfix/submission/smtpd\[[0-9]+\]: [0-9A-F]+: client=[^,]+, sasl_method=[A-Z]+, sasl_username=[^ ]+@lab\.example'
check_log "GTUBE rejected by the Rspamd milter" "$L" \
    'milter-reject: END-OF-MESSAGE from [^ ]+: 5\.7\.1 Gtube pattern'
check_log "remote instance accepted relayed mail" "$LAB_REMOTE_MAILLOG" \
    'postfix/discard\[[0-9]+\]: [0-9A-F]+: to=<[^>]+>, .*status=sent \(accepted and discarded'

# The five-recipient message: one queue id, mixed outcomes.
qid=$(grep -F -m 1 'message-id=<seed-mixed-1@lab.example>' "$L" | sed -n 's/.*: \([0-9A-F]*\): message-id=.*/\1/p')
if [[ -n $qid ]] && grep -F "$qid: to=<" "$L" | grep -q 'status=sent' &&
    grep -F "$qid: to=<" "$L" | grep -q 'status=deferred' &&
    grep -F "$qid: to=<" "$L" | grep -q 'status=bounced'; then
    ok "five-recipient message $qid: sent, deferred and bounced"
else
    not_ok "five-recipient message: sent, deferred and bounced" "queue id '${qid}'"
fi

# The queue, as postern reads it.
queue=$(postqueue -c "$LAB_POSTFIX_DIR" -j 2>/dev/null || true)
if grep -q '"queue_name": "deferred"' <<<"$queue"; then
    ok "postqueue -j shows deferred mail ($(grep -c '"queue_name": "deferred"' <<<"$queue") messages)"
else
    not_ok "postqueue -j shows deferred mail"
fi
if grep -q '"queue_name": "hold"' <<<"$queue"; then
    ok "postqueue -j shows held mail ($(grep -c '"queue_name": "hold"' <<<"$queue") messages)"
else
    not_ok "postqueue -j shows held mail"
fi

if ((checks != 17)); then
    echo "# plan says 17 checks, ran $checks"
    failures=$((failures + 1))
fi
if ((failures)); then
    echo "# $failures check(s) failed (lab $POSTERN_LAB, maillog $L)"
    exit 1
fi
