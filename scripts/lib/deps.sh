# deps.sh - install the Debian packages the postern mail lab needs, idempotently.
# shellcheck shell=bash
#
# Source this file, then call `deps_install PKG...` (for the lab:
# `deps_install "${LAB_PACKAGES[@]}"`). Only packages that dpkg does not
# report as installed are installed, with apt-get update run once per call,
# Postfix preseeded to "No configuration" and no system service started
# (a temporary policy-rc.d that exits 101 is put in place if none exists).
# Needs root for an actual install; a no-op check needs nothing.

# Packages the lab itself needs (Postfix x2, swaks, Dovecot, Rspamd).
# shellcheck disable=SC2034  # used by the scripts that source this file
LAB_PACKAGES=(postfix postfix-lmdb postfix-sqlite swaks
              dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve
              rspamd)

# deps_missing PKG... - print the packages that are not installed, one a line.
deps_missing() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || printf '%s\n' "$pkg"
    done
}

# deps_install PKG... - install the missing ones among PKG; returns apt's status.
deps_install() {
    local missing policy=/usr/sbin/policy-rc.d created_policy=0 rc=0 log
    mapfile -t missing < <(deps_missing "$@")
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if ((EUID != 0)); then
        echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "deps: installing ${missing[*]}" >&2

    # Keep every system service stopped while packages are configured.
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# created by postern scripts/lib/deps.sh during an install\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi

    log=$(mktemp)
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                -o Dpkg::Options::=--force-confold "${missing[@]}"
    } >"$log" 2>&1 || rc=$?

    if ((created_policy)); then
        rm -f "$policy"
    fi
    if ((rc != 0)); then
        echo "deps: apt-get failed (exit $rc); last lines of its output:" >&2
        tail -n 20 "$log" >&2
        rm -f "$log"
        return "$rc"
    fi
    rm -f "$log"

    # Installing postfix-lmdb under "No configuration" prints a harmless
    # postconf error; trust dpkg's view of the result instead.
    mapfile -t missing < <(deps_missing "$@")
    if ((${#missing[@]} != 0)); then
        echo "deps: still not installed after apt-get: ${missing[*]}" >&2
        return 1
    fi
    echo "deps: done" >&2
}
