# build.sh - the packages postern builds with, and one function that
# configures and builds a meson build directory. Sourced by scripts/test and
# scripts/demo (after scripts/lib/deps.sh).

# shellcheck disable=SC2034  # used by the scripts that source this file
BUILD_PACKAGES=(gcc libc6-dev pkg-config meson ninja-build python3
                libncurses-dev libsqlite3-dev libssh-dev libssl-dev
                libyaml-dev zlib1g-dev libcrypt-dev libcmocka-dev)
# Only the tests need these: tmux runs the console in a real terminal
# (tests/pty/tmux.sh); systemd-journal-remote writes a real journal file for
# the journald log source (tests/lab/journal.sh).
TEST_PACKAGES=(tmux systemd-journal-remote)

# build_postern BUILDDIR [MESON OPTION...] - configure (once) and build.
build_postern() {
    local dir=$1; shift
    local src
    src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    if [[ ! -f $dir/build.ninja ]]; then
        meson setup "$dir" "$src" "$@" >"$dir.setup.log" 2>&1 || {
            echo "build: meson setup failed:" >&2; tail -n 30 "$dir.setup.log" >&2; return 1; }
    else
        meson configure "$dir" "$@" >/dev/null
    fi
    rm -f "$dir.setup.log"
    ninja -C "$dir" >"$dir.ninja.log" 2>&1 || {
        echo "build: compilation failed:" >&2; grep -E 'error|warning' "$dir.ninja.log" | head -40 >&2
        tail -n 20 "$dir.ninja.log" >&2; return 1; }
    rm -f "$dir.ninja.log"
}
