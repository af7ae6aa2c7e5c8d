#!/usr/bin/env bash
# run-golden.sh - the console's golden screen tests (TAP).
#
# Every tests/golden/<group>/<case>.keys runs headless: the script's keys
# and :commands drive `postern console`, each `:dump-screen NAME` writes
# NAME.screen, and that is compared with tests/golden/<group>/<case>/NAME.screen
# (after tests/golden/<group>/normalise, if that executable exists). One TAP
# line per dump plus one for the exit status. See tests/golden/README.md.
#
#   run-golden.sh [--update] [GROUP/CASE ...]
#     --update   write the dumps as the new expected files
#
# POSTERN_BIN and POSTERN_SOURCE_ROOT come from meson's test environment.
set -u

root=${POSTERN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTERN_SOURCE_ROOT=$root
bin=${POSTERN_BIN:-$root/build/postern}
golden=$root/tests/golden
update=0
if [[ ${1:-} == --update ]]; then
    update=1
    shift
fi

if [[ ! -x $bin ]]; then
    echo "1..0 # SKIP postern binary not found ($bin)"
    exit 0
fi

cases=()
if (($# > 0)); then
    for c in "$@"; do cases+=("$golden/${c%.keys}.keys"); done
else
    while IFS= read -r f; do cases+=("$f"); done < <(find "$golden" -name '*.keys' | LC_ALL=C sort)
fi

header() {   # header FILE NAME -> value of "# NAME: value" (first one)
    sed -n "s/^# $2: //p" "$1" | head -n 1
}

plan=0
for c in "${cases[@]}"; do
    n=$(grep -c '^:dump-screen ' "$c")
    plan=$((plan + n + 1))
done
echo "1..$plan"

t=0
fail=0
tmp_all=$(mktemp -d)
trap 'rm -rf "$tmp_all"' EXIT

for c in "${cases[@]}"; do
    rel=${c#"$golden"/}
    rel=${rel%.keys}
    group=${rel%%/*}
    dir=$golden/$rel
    dumps=$(sed -n 's/^:dump-screen \([^ ]*\).*/\1/p' "$c")
    size=$(header "$c" size)
    args=$(header "$c" args)
    envs=$(header "$c" env)
    needs=$(header "$c" needs)
    setup=$(header "$c" setup)
    status=$(header "$c" exit)
    if [[ $needs == *lab* && -z ${POSTERN_CONFIG:-} ]]; then
        for d in $dumps; do
            t=$((t + 1))
            echo "ok $t - $rel/$d # SKIP needs the lab (POSTERN_CONFIG unset)"
        done
        t=$((t + 1))
        echo "ok $t - $rel exit status # SKIP needs the lab (POSTERN_CONFIG unset)"
        continue
    fi

    box=$tmp_all/$(echo "$rel" | tr / _)
    mkdir -p "$box/home" "$box/config/postern" "$box/dumps" "$box/state"
    config=${POSTERN_CONFIG:-}
    if [[ $needs != *lab* ]]; then
        config=$box/postern.yaml
        # no Dovecot: what the screens ask it (quota usage) fails the same way every run
        printf 'instance: golden\nstate_db: %s/state/state.db\ndovecot:\n  config_file: %s/no-dovecot.conf\n' \
            "$box" "$box" >"$config"
    fi
    if [[ -f $golden/$rel.keys.yaml ]]; then
        cp "$golden/$rel.keys.yaml" "$box/config/postern/keys.yaml"
    fi
    if [[ -n $setup ]] &&
        ! (cd "$box" && HOME=$box/home XDG_CONFIG_HOME=$box/config bash -c "$setup") \
            >"$box/setup.log" 2>&1; then
        for d in $dumps exit-status; do
            t=$((t + 1))
            echo "not ok $t - $rel/$d (setup failed: $setup)"
        done
        sed 's/^/# /' "$box/setup.log" | tail -n 20
        fail=1
        continue
    fi

    # shellcheck disable=SC2086  # args and env are word lists by design
    (
        cd "$box" || exit 1
        unset NO_COLOR POSTERN_TUI_TRACE
        export HOME=$box/home XDG_CONFIG_HOME=$box/config XDG_STATE_HOME=$box/state \
            POSTERN_CONFIG=$config POSTERN_TUI_SCRIPT=$c POSTERN_TUI_HEADLESS=1 \
            POSTERN_TUI_SIZE=${size:-100x30} POSTERN_TUI_CLOCK=1700000000 \
            POSTERN_TUI_DUMP_DIR=$box/dumps TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
        if [[ -n $envs ]]; then
            for kv in $envs; do export "${kv?}"; done
        fi
        exec timeout 60 "$bin" console $args </dev/null >"$box/stdout" 2>"$box/stderr"
    )
    rc=$?

    for d in $dumps; do
        t=$((t + 1))
        got=$box/dumps/$d.screen
        want=$dir/$d.screen
        if [[ ! -f $got ]]; then
            echo "not ok $t - $rel/$d (no dump written)"
            sed 's/^/# /' "$box/stderr" | head -n 20
            fail=1
            continue
        fi
        if [[ -x $golden/$group/normalise ]]; then
            "$golden/$group/normalise" <"$got" >"$got.norm" && mv "$got.norm" "$got"
        fi
        if ((update)); then
            mkdir -p "$dir"
            cp "$got" "$want"
            echo "ok $t - $rel/$d (updated)"
        elif [[ ! -f $want ]]; then
            echo "not ok $t - $rel/$d (no expected file $rel/$d.screen; run with --update)"
            fail=1
        elif diff -u "$want" "$got" >"$box/diff"; then
            echo "ok $t - $rel/$d"
        else
            echo "not ok $t - $rel/$d"
            sed 's/^/# /' "$box/diff" | head -n 80
            fail=1
        fi
    done
    t=$((t + 1))
    if [[ $rc -eq ${status:-0} ]]; then
        echo "ok $t - $rel exit status $rc"
    else
        echo "not ok $t - $rel exit status $rc (expected ${status:-0})"
        sed 's/^/# /' "$box/stderr" | head -n 30
        fail=1
    fi
done
exit $fail
