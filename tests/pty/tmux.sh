#!/usr/bin/env bash
# tmux.sh - the console in a real terminal (tmux), TAP output.
#
# Checks what headless goldens cannot: the tabs drawn on a real terminal, a
# window resize relayouts, NO_COLOR sends no colour escapes, the terminal is
# restored (stty settings, alternate screen) after q and after SIGTERM, and a
# lost terminal ends postern within seconds instead of spinning. Uses the
# hidden test screen (POSTERN_TUI_TEST_ROWS), so no lab is needed. Skips
# when tmux is missing.
set -u

root=${POSTERN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${POSTERN_BIN:-$root/build/postern}

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
if [[ ! -x $bin ]]; then
    echo "1..0 # SKIP postern binary not found ($bin)"
    exit 0
fi

work=$(mktemp -d)
sock=pn-pty-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/home" "$work/config"
printf 'instance: pty\nstate_db: %s/state.db\n' "$work" >"$work/postern.yaml"

t=0
fail=0
ok() { t=$((t + 1)); echo "ok $t - $1"; }
not_ok() {
    t=$((t + 1))
    echo "not ok $t - $1"
    fail=1
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# wait_for SESSION TEXT [SECONDS]: until the pane shows TEXT.
wait_for() {
    local i
    for ((i = 0; i < ${3:-15} * 10; i++)); do
        if tm capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# wait_file FILE [SECONDS]
wait_file() {
    local i
    for ((i = 0; i < ${2:-15} * 10; i++)); do
        [[ -s $1 ]] && return 0
        sleep 0.1
    done
    return 1
}

# A wrapper run inside the pane: records stty before and after postern.
cat >"$work/run.sh" <<EOS
#!/usr/bin/env bash
tag=\$1; shift
stty -g >"$work/\$tag.before"
env HOME="$work/home" XDG_CONFIG_HOME="$work/config" POSTERN_CONFIG="$work/postern.yaml" \\
    POSTERN_TUI_TEST_ROWS=200 LC_ALL=C.UTF-8 "\$@" "$bin" console --screen test
echo \$? >"$work/\$tag.rc"
stty -g >"$work/\$tag.after"
sleep 30
EOS
chmod +x "$work/run.sh"

# postern's pid: the child of the pane's shell.
postern_pid() {
    local pane
    pane=$(tm display -p -t "$1" '#{pane_pid}')
    pgrep -P "$pane" -x postern | head -n 1
}

echo "1..11"

# 1-2: start-up draws the tabs and the list
tm new-session -d -s start -x 100 -y 30 "TERM=xterm-256color $work/run.sh start env"
check "start-up draws the tab bar" "wait_for start '[9 Test]'"
check "start-up draws the list footer" "wait_for start '200 rows'"

# 3: resize relayouts (the hint bar moves to the new last line)
tm resize-window -t start -x 60 -y 15
check "resize relayouts to 60x15" \
    "wait_for start 'postern' && sleep 0.5 && tm capture-pane -p -t start | sed -n 15p | grep -q 'quit\|help'"

# 4-5: q quits and the terminal is restored
tm send-keys -t start q
check "q exits with status 0" "wait_file $work/start.rc && [[ \$(cat $work/start.rc) == 0 ]]"
check "stty settings restored after q" "wait_file $work/start.after && cmp -s $work/start.before $work/start.after"
check "alternate screen left after q" "[[ \$(tm display -p -t start '#{alternate_on}') == 0 ]]"

# 7: NO_COLOR: no colour escapes at all (and the dark theme does use them)
tm new-session -d -s mono -x 100 -y 30 "TERM=xterm-256color $work/run.sh mono env NO_COLOR=1"
tm new-session -d -s colour -x 100 -y 30 "TERM=xterm-256color $work/run.sh colour env"
wait_for mono '200 rows' >/dev/null
wait_for colour '200 rows' >/dev/null
sleep 0.5
has_colour() {   # SGR colour parameters (30-38, 40-48, 90-107; 39/49 are "default")
    tm capture-pane -e -p -t "$1" | grep -oE $'\e\\[[0-9;]*m' |
        tr -d '\033[m' | tr ';' '\n' | grep -qE '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'
}
if ! has_colour mono && has_colour colour; then
    ok "NO_COLOR: no colour escapes (the dark theme has them)"
else
    not_ok "NO_COLOR: no colour escapes (the dark theme has them)"
    tm capture-pane -e -p -t mono | head -n 3 | cat -v | sed 's/^/# /'
fi
tm send-keys -t mono q
tm send-keys -t colour q

# 8-9: SIGTERM restores the terminal
tm new-session -d -s term -x 100 -y 30 "TERM=xterm-256color $work/run.sh term env"
wait_for term '200 rows' >/dev/null
pid=$(postern_pid term)
if [[ -n $pid ]]; then kill -TERM "$pid"; fi
check "SIGTERM ends postern" "wait_file $work/term.rc"
check "stty settings restored after SIGTERM" "wait_file $work/term.after && cmp -s $work/term.before $work/term.after"
check "alternate screen left after SIGTERM" "[[ \$(tm display -p -t term '#{alternate_on}') == 0 ]]"

# 11: a lost terminal (the tmux session is killed) ends postern quickly
tm new-session -d -s lost -x 100 -y 30 "TERM=xterm-256color $work/run.sh lost env"
wait_for lost '200 rows' >/dev/null
pid=$(postern_pid lost)
tm kill-session -t lost
gone=1
if [[ -n $pid ]]; then
    gone=0
    for ((i = 0; i < 50; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            gone=1
            break
        fi
        sleep 0.1
    done
fi
check "lost terminal: postern exits within 5 s" "[[ -n '$pid' && $gone == 1 ]]"

exit $fail
