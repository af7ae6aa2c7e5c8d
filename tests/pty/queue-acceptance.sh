#!/usr/bin/env bash
# queue-acceptance.sh - the console's acceptance walk on the real lab, in a
# real terminal (tmux), as a new user would do it with the keys the hint bar
# shows: find all mail deferred to one domain, read one message's headers,
# hold the group, release it, delete it, quit. Each step is checked on the
# screen and against Postfix's own `postqueue -j`. TAP output; skips without
# tmux or without the lab (POSTERN_CONFIG, LAB_POSTFIX_DIR).
set -u

root=${POSTERN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${POSTERN_BIN:-$root/build/postern}
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"; exit 0
fi
if [[ -z ${POSTERN_CONFIG:-} || -z ${LAB_POSTFIX_DIR:-} ]]; then
    echo "1..0 # SKIP lab not running (POSTERN_CONFIG/LAB_POSTFIX_DIR unset)"; exit 0
fi

sock=pn-accept-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1' EXIT
t=0
fail=0
ok() { t=$((t + 1)); echo "ok $t - $1"; }
not_ok() { t=$((t + 1)); echo "not ok $t - $1"; tm capture-pane -p -t acc 2>/dev/null | sed 's/^/# /'; fail=1; }
# see DESC TEXT: the screen shows TEXT within 10 s.
see() {
    local i
    for ((i = 0; i < 100; i++)); do
        if tm capture-pane -p -t acc 2>/dev/null | grep -qF -- "$2"; then ok "$1"; return; fi
        sleep 0.1
    done
    not_ok "$1 (screen never showed '$2')"
}
keys() { tm send-keys -t acc "$@"; sleep 0.3; }
# queued FILTER: how many queued messages match a python condition on o.
queued() {
    postqueue -c "$LAB_POSTFIX_DIR" -j 2>/dev/null | python3 -c "
import json, sys
print(sum(1 for l in sys.stdin if (lambda o: $1)(json.loads(l))))"
}

echo "1..17"
if ! "$root/tests/golden/queue/setup.sh" >/dev/null 2>&1; then
    for i in $(seq 17); do echo "not ok $i - setting up the known queue failed"; done
    exit 1
fi

tm new-session -d -s acc -x 120 -y 32 \
    "env -u NO_COLOR TERM=xterm-256color LC_ALL=C.UTF-8 '$bin' --config '$POSTERN_CONFIG'; sleep 30"
see "postern with no command opens the console on the Queue screen" "[1 Queue]"
see "the queue is listed (15 messages)" "15 msgs"
see "the hint bar shows the queue keys" "H hold  U release  D delete"

keys /
keys -l 'domain:down.example'
keys Enter
see "/ filters the messages deferred to one domain, with the count" "4 of 15 rows"

keys Enter
see "Enter opens the message under the cursor" "[Envelope]"
keys Right
see "Right shows its headers" "Subject: Your invoice"
keys Escape
see "Esc goes back to the filtered list" "4 of 15 rows"

keys '*'
see "* marks every matching message" "4 marked"
keys H
see "H asks before holding, with the count" "Hold 4 messages"
keys Tab
keys Enter
see "holding reports each message" "Hold: 4 done, 0 already gone, 0 failed"
[[ $(queued 'o["queue_name"] == "hold" and o["sender"] == "billing@corp.example"') == 4 ]] &&
    ok "Postfix has the 4 messages on hold" || not_ok "Postfix has the 4 messages on hold"
keys q

keys U
keys Tab
keys Enter
see "U releases them" "Release: 4 done, 0 already gone, 0 failed"
keys q

keys D
see "D asks before deleting, with the count" "Delete 4 messages"
see "... with Cancel focused" "<Cancel>  [Delete]"
keys Tab
keys Enter
see "deleting reports each message" "Delete: 4 done, 0 already gone, 0 failed"
keys q
[[ $(queued 'o["sender"] == "billing@corp.example"') == 0 && $(queued 'True') == 11 ]] &&
    ok "Postfix no longer has them; the 11 others are untouched" ||
    not_ok "Postfix no longer has them; the 11 others are untouched"

keys q
for _ in $(seq 50); do
    pgrep -f "$bin --config $POSTERN_CONFIG" >/dev/null || break
    sleep 0.1
done
pgrep -f "$bin --config $POSTERN_CONFIG" >/dev/null && not_ok "q quits" || ok "q quits"
exit $fail
