#!/usr/bin/env bash
# setup.sh - the Logs goldens' sandbox: a fixed maillog (lines the lab's own
# Postfix, Dovecot and rspamd wrote: local delivery, relay out, deferral,
# a bounce with its notification) and a postern.yaml naming it. The mtime
# gives undated syslog lines their year, so it is fixed too.
set -eu
cp "$POSTERN_SOURCE_ROOT/tests/golden/logs/maillog.fixture" maillog
touch -d '2026-11-22 01:50:00 UTC' maillog
printf 'logs:\n  - path: %s/maillog\n    format: syslog\n' "$PWD" >>postern.yaml
