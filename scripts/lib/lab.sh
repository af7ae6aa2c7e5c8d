# lab.sh - the steps of the postern mail lab (sourced by scripts/lab and by tests).
# shellcheck shell=bash
#
# The lab is a private mail system on loopback, all under one root directory
# ($POSTERN_LAB, default /tmp/postern-lab), with every port derived from
# $LAB_PORT_BASE (default 2500), so that several labs can run side by side:
#
#   mx       Postfix, the server postern manages ($LAB/mx/etc), maillog $LAB/maillog
#   remote   a second Postfix playing "the rest of the internet" ($LAB/remote/etc),
#            maillog $LAB/remote/maillog; accepts, greylists or rejects by local part
#   dovecot  LMTP, IMAP and SASL auth for mx ($LAB/dovecot/dovecot.conf)
#   rspamd   milter for mx ($LAB/rspamd/rspamd.conf, log $LAB/rspamd/log/rspamd.log)
#   tarpit   smtp-sink that accepts TCP connections and never sends a greeting
#
# Usage: source this file, call lab_init, then lab_up / lab_down / lab_status /
# lab_seed N / lab_reset / lab_env. Needs root; never uses systemd, syslog or the
# system instances (/etc/postfix, /etc/dovecot, the system rspamd); only reads
# the packaged defaults (/usr/share/postfix/master.cf.dist, /etc/rspamd/*.inc).
#
# Lab users (passwd-file, all with the password "secret"):
#   alice@lab.example  bob@lab.example  carol@lab.example  dave@corp.example
# Aliases: postmaster@lab.example -> alice, postmaster@corp.example -> dave,
#          sales@corp.example -> dave + carol.

LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/deps.sh
source "$LAB_LIB_DIR/deps.sh"

LAB_PASSWORD=secret
LAB_USERS=(alice@lab.example bob@lab.example carol@lab.example dave@corp.example)
LAB_COMPONENTS=(rspamd dovecot tarpit remote mx)

# ---------------------------------------------------------------- messages

lab_say()  { printf 'lab: %s\n' "$*"; }
lab_warn() { printf 'lab: warning: %s\n' "$*" >&2; }
lab_die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# lab_show_log FILE [N] - print the last N lines of a log to stderr, indented.
lab_show_log() {
    local file=$1 n=${2:-15}
    if [[ -s $file ]]; then
        printf 'lab: --- last %d lines of %s ---\n' "$n" "$file" >&2
        tail -n "$n" "$file" | sed 's/^/    /' >&2
    else
        printf 'lab: (%s is empty or missing)\n' "$file" >&2
    fi
}

# lab_elapsed START_NS [END_NS] - seconds between two `date +%s%N` stamps, as 1.234.
lab_elapsed() {
    local ms=$(((${2:-$(date +%s%N)} - $1) / 1000000))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# ---------------------------------------------------------------- layout

# lab_init - compute the lab's paths and ports from the environment.
# The port base comes from LAB_PORT_BASE, else from the one the lab was
# created with ($LAB/lab.conf), else 2500.
lab_init() {
    LAB=${POSTERN_LAB:-/tmp/postern-lab}
    LAB=${LAB%/}
    [[ $LAB =~ ^/[A-Za-z0-9._/-]+$ && $LAB != *..* ]] ||
        lab_die "POSTERN_LAB must be an absolute path of [A-Za-z0-9._/-] (got '$LAB')"
    case $LAB in
        /bin | /boot | /dev | /etc | /home | /lib* | /opt | /proc | /root | /run | /sbin | /srv | /sys | /tmp | /usr | /usr/* | /var | /etc/* | /proc/* | /sys/* | /dev/*)
            lab_die "refusing to use $LAB as a lab root" ;;
    esac

    local saved=""
    if [[ -r $LAB/lab.conf ]]; then
        saved=$(sed -n 's/^port_base=//p' "$LAB/lab.conf")
    fi
    LAB_SAVED_BASE=$saved
    LAB_BASE=${LAB_PORT_BASE:-${saved:-2500}}
    if ! [[ $LAB_BASE =~ ^[0-9]+$ ]] || ((LAB_BASE < 1024 || LAB_BASE > 65400)); then
        lab_die "LAB_PORT_BASE must be a number between 1024 and 65400 (got '$LAB_BASE')"
    fi

    # Ports (all on 127.0.0.1).
    P_REINJECT=$((LAB_BASE + 24))   # mx: smtpd that takes back content-filtered mail
    P_SMTP=$((LAB_BASE + 25))       # mx: smtpd, MX role (+ relay for 127.0.0.0/8)
    P_REMOTE=$((LAB_BASE + 26))     # remote: smtpd, MX of the test domains
    P_TARPIT=$((LAB_BASE + 27))     # tarpit: accepts TCP, never greets
    P_REFUSED=$((LAB_BASE + 28))    # nothing listens here: "Connection refused"
    P_MILTER=$((LAB_BASE + 32))     # rspamd proxy worker (milter, self_scan)
    P_RSPAMD=$((LAB_BASE + 33))     # rspamd normal worker
    P_CONTROLLER=$((LAB_BASE + 34)) # rspamd controller
    P_LMTP=$((LAB_BASE + 40))       # dovecot LMTP
    P_AUTH=$((LAB_BASE + 41))       # dovecot auth (SASL for Postfix submission)
    P_IMAP=$((LAB_BASE + 43))       # dovecot IMAP
    P_SUBMISSION=$((LAB_BASE + 87)) # mx: submission with SASL AUTH
    P_INBOUND=$((LAB_BASE + 29))    # mx: smtpd for "outside" clients (not in mynetworks)

    # Directories and files.
    LAB_MX=$LAB/mx
    LAB_REMOTE=$LAB/remote
    LAB_DC=$LAB/dovecot
    LAB_RS=$LAB/rspamd
    LAB_MAIL=$LAB/mail
    LAB_RUN=$LAB/run
    LAB_STATE=$LAB/state
    LAB_MAILLOG=$LAB/maillog
    LAB_REMOTE_MAILLOG=$LAB_REMOTE/maillog
    LAB_DC_CONF=$LAB_DC/dovecot.conf
    LAB_RS_CONF=$LAB_RS/rspamd.conf
    LAB_RS_LOG=$LAB_RS/log/rspamd.log
    LAB_RS_VARS=(--var="LOCAL_CONFDIR=$LAB_RS/etc" --var="DBDIR=$LAB_RS/db"
                 --var="RUNDIR=$LAB_RS/run" --var="LOGDIR=$LAB_RS/log")
}

# lab_require_root - the daemons switch users, so the lab runs as root.
lab_require_root() {
    ((EUID == 0)) || lab_die "the lab must run as root (it starts Postfix, Dovecot and Rspamd)"
}

# lab_require_tools - install the packages if a tool is missing.
lab_require_tools() {
    local missing
    missing=$(deps_missing "${LAB_PACKAGES[@]}")
    if [[ -n $missing ]]; then
        deps_install "${LAB_PACKAGES[@]}" || lab_die "could not install the lab packages"
    fi
}

# lab_check_root_dir - refuse to write into a non-empty directory that is not a lab.
lab_check_root_dir() {
    if [[ -d $LAB && ! -e $LAB/lab.conf ]] && [[ -n $(ls -A "$LAB") ]]; then
        lab_die "$LAB exists, is not empty and is not a lab root (no lab.conf); choose another POSTERN_LAB"
    fi
}

# ---------------------------------------------------------------- processes

# lab_pid_alive PID [COMM] - true if PID runs (not a zombie), with that command name.
lab_pid_alive() {
    local pid=$1 comm=${2:-} stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
    [[ ${stat##*) } != Z* ]] || return 1
    if [[ -n $comm ]]; then
        [[ $stat == "$pid ($comm) "* ]] || return 1
    fi
}

# lab_pidfile_pid FILE COMM - print the pid in FILE if that process runs as COMM.
lab_pidfile_pid() {
    local file=$1 comm=$2 pid
    [[ -r $file ]] || return 1
    pid=$(tr -d ' \n' <"$file")
    lab_pid_alive "$pid" "$comm" || return 1
    printf '%s\n' "$pid"
}

# lab_component_pid NAME - the main pid of a lab component, if it runs.
lab_component_pid() {
    case $1 in
        mx)      lab_pidfile_pid "$LAB_MX/spool/pid/master.pid" master ;;
        remote)  lab_pidfile_pid "$LAB_REMOTE/spool/pid/master.pid" master ;;
        dovecot) lab_pidfile_pid "$LAB_DC/run/master.pid" dovecot ;;
        rspamd)  lab_pidfile_pid "$LAB_RS/run/rspamd.pid" rspamd ;;
        tarpit)  lab_pidfile_pid "$LAB_RUN/tarpit.pid" smtp-sink ;;
        *) return 1 ;;
    esac
}

# lab_component_ports NAME - the ports a component listens on.
lab_component_ports() {
    case $1 in
        mx)      echo "$P_SMTP $P_SUBMISSION $P_REINJECT $P_INBOUND" ;;
        remote)  echo "$P_REMOTE" ;;
        dovecot) echo "$P_LMTP $P_AUTH $P_IMAP" ;;
        rspamd)  echo "$P_MILTER $P_RSPAMD $P_CONTROLLER" ;;
        tarpit)  echo "$P_TARPIT" ;;
    esac
}

# lab_process_tree PID - print PID and all its descendants (read from /proc).
lab_process_tree() {
    local root=$1 dir pid stat rest ppid
    local -A children=()
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        { read -r stat <"$dir/stat"; } 2>/dev/null || continue
        rest=${stat##*) }
        read -r _ ppid _ <<<"$rest"
        children[$ppid]+=" $pid"
    done
    local -a todo=("$root")
    while ((${#todo[@]})); do
        pid=${todo[0]}
        todo=("${todo[@]:1}")
        printf '%s\n' "$pid"
        # shellcheck disable=SC2206
        [[ -n ${children[$pid]:-} ]] && todo+=(${children[$pid]})
    done
}

# lab_wait_gone SECONDS PID... - wait until none of the PIDs runs; false on timeout.
lab_wait_gone() {
    local limit=$1 pid alive
    shift
    local deadline=$((SECONDS + limit))
    while :; do
        alive=()
        for pid in "$@"; do
            if lab_pid_alive "$pid"; then alive+=("$pid"); fi
        done
        ((${#alive[@]} == 0)) && return 0
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# lab_port_listening PORT - true if some socket listens on PORT (v4 or v6).
lab_port_listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v h="$hex" '$4 == "0A" { n = split($2, a, ":"); if (a[n] == h) found = 1 }
                     END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# lab_wait_port PORT SECONDS - wait until PORT listens.
lab_wait_port() {
    local port=$1 deadline=$((SECONDS + $2))
    until lab_port_listening "$port"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# lab_fix_maillog - keep the maillogs present and owned by postfix: postsuper
# writes them as the postfix user while postlogd is down.
lab_fix_maillog() {
    local f
    for f in "$LAB_MAILLOG" "$LAB_REMOTE_MAILLOG"; do
        [[ -d ${f%/*} ]] || continue
        [[ -e $f ]] || : >"$f"
        chown postfix:postfix "$f"
        chmod 0644 "$f"
    done
}

# ---------------------------------------------------------------- configuration

# lab_write_postfix_common DIR HOSTNAME MAILLOG - the main.cf part both instances share.
lab_write_postfix_common() {
    local dir=$1 host=$2 log=$3
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    chown postfix:postfix "$dir/data" # master.lock is created as the postfix user
    cp /usr/share/postfix/master.cf.dist "$dir/etc/master.cf"
    cat >"$dir/etc/main.cf" <<EOF
# Postfix instance of the postern lab (written by scripts/lab; regenerated on "lab up").
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
myhostname = $host
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
smtpd_banner = \$myhostname ESMTP
maillog_file = $log
maillog_file_prefixes = /var, /dev/stdout, $LAB
EOF
}

# lab_write_mx - the Postfix instance postern manages.
lab_write_mx() {
    local etc=$LAB_MX/etc
    lab_write_postfix_common "$LAB_MX" mail.lab.example "$LAB_MAILLOG"
    cat >>"$etc/main.cf" <<EOF
mydomain = lab.example
myorigin = \$mydomain
recipient_delimiter = +
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$etc/recipient_access
virtual_mailbox_domains = lab.example, corp.example
virtual_mailbox_maps = texthash:$etc/vmailbox
virtual_alias_maps = texthash:$etc/virtual
virtual_transport = lmtp:inet:127.0.0.1:$P_LMTP
transport_maps = texthash:$etc/transport
# Deferred mail stays deferred: first attempt only, then no retry for an hour.
smtp_connect_timeout = 2s
smtp_helo_timeout = 3s
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 7200s
maximal_queue_lifetime = 5d
bounce_queue_lifetime = 5d
smtpd_milters = inet:127.0.0.1:$P_MILTER
non_smtpd_milters = \$smtpd_milters
milter_default_action = accept
milter_protocol = 6
# The lab has no DNS. "attempts:0" makes the resolver give up before it sends
# a query, so a domain without a transport entry is deferred at once with
# "Host or domain name not found. ... Host not found, try again", on any
# machine. Every other route uses numeric [127.0.0.1] next hops.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME RES_OPTIONS=attempts:0
EOF
    # Routes to the "outside world". Domains without an entry (dnsfail.example)
    # go through DNS, which import_environment makes fail at once (see above).
    cat >"$etc/transport" <<EOF
# written by scripts/lab
remote.example      smtp:[127.0.0.1]:$P_REMOTE
partner.example     smtp:[127.0.0.1]:$P_REMOTE
filtered.example    smtp:[127.0.0.1]:$P_REMOTE
offline.example     smtp:[127.0.0.1]:$P_REFUSED
down.example        smtp:[127.0.0.1]:$P_REFUSED
oldpartner.example  smtp:[127.0.0.1]:$P_REFUSED
closed.example      smtp:[127.0.0.1]:$P_REFUSED
unreachable.example smtp:[127.0.0.1]:$P_REFUSED
tarpit.example      smtp:[127.0.0.1]:$P_TARPIT
EOF
    cat >"$etc/recipient_access" <<EOF
# written by scripts/lab: mail to filtered.example goes through the content filter path
filtered.example    FILTER smtp:[127.0.0.1]:$P_REINJECT
EOF
    # The lab's own domains take every local part (Dovecot answers for unknown
    # users over LMTP); this is the "site" part postern keeps after its tables.
    printf '%s\n' "# written by scripts/lab" "@lab.example ok" "@corp.example ok" \
        >"$etc/vmailbox"
    cat >"$etc/virtual" <<EOF
# written by scripts/lab
postmaster@lab.example   alice@lab.example
abuse@lab.example        alice@lab.example
postmaster@corp.example  dave@corp.example
sales@corp.example       dave@corp.example, carol@lab.example
EOF
    local -a pc=(postconf -c "$etc")
    "${pc[@]}" -M# smtp/inet
    "${pc[@]}" -Me "127.0.0.1:$P_SMTP/inet = 127.0.0.1:$P_SMTP inet n - n - - smtpd"
    "${pc[@]}" -Me "127.0.0.1:$P_SUBMISSION/inet = 127.0.0.1:$P_SUBMISSION inet n - n - - smtpd \
-o syslog_name=postfix/submission -o mynetworks=127.0.0.2/32 \
-o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=inet:127.0.0.1:$P_AUTH \
-o smtpd_client_restrictions= \
-o smtpd_relay_restrictions=permit_sasl_authenticated,reject_unauth_destination \
-o smtpd_recipient_restrictions=permit_sasl_authenticated,reject \
-o milter_macro_daemon_name=ORIGINATING"
    # Mail from "the internet": a client outside mynetworks and without AUTH.
    "${pc[@]}" -Me "127.0.0.1:$P_INBOUND/inet = 127.0.0.1:$P_INBOUND inet n - n - - smtpd \
-o syslog_name=postfix/inbound -o mynetworks=127.0.0.2/32"
    "${pc[@]}" -Me "127.0.0.1:$P_REINJECT/inet = 127.0.0.1:$P_REINJECT inet n - n - 10 smtpd \
-o syslog_name=postfix/reinject -o myhostname=reinject.lab.example -o content_filter= \
-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings \
-o smtpd_milters= -o mynetworks=127.0.0.0/8 \
-o smtpd_relay_restrictions=permit_mynetworks,reject \
-o smtpd_recipient_restrictions=permit_mynetworks,reject"
    "${pc[@]}" -F '*/*/chroot = n'
}

# lab_write_remote - the second Postfix: MX of the test domains, answers by local part.
lab_write_remote() {
    local etc=$LAB_REMOTE/etc
    lab_write_postfix_common "$LAB_REMOTE" smtp.remote.example "$LAB_REMOTE_MAILLOG"
    cat >>"$etc/main.cf" <<EOF
mydomain = remote.example
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access regexp:$etc/recipient_access, permit
# Answer rejections at once: thousands of greylisted bulk messages come here.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
# Accepted mail is discarded after it was received.
default_transport = discard:accepted and discarded by the lab remote
EOF
    # Outcome by local part; an optional numeric prefix (smtp-source -N) is allowed.
    cat >"$etc/recipient_access" <<'EOF'
# written by scripts/lab: what the "outside world" says, by recipient local part
/^[0-9]*grey/                  450 4.7.1 greylisted, try again later
/^[0-9]*busy/                  452 4.3.1 insufficient system storage
/^[0-9]*(nosuch|reject|unknown)/  550 5.1.1 user unknown
/^[0-9]*full/                  552 5.2.2 mailbox full
EOF
    local -a pc=(postconf -c "$etc")
    "${pc[@]}" -M# smtp/inet
    "${pc[@]}" -Me "127.0.0.1:$P_REMOTE/inet = 127.0.0.1:$P_REMOTE inet n - n - - smtpd"
    "${pc[@]}" -F '*/*/chroot = n'
}

# lab_write_dovecot - LMTP, IMAP, SASL auth, quota and ACL; logs into the maillog.
lab_write_dovecot() {
    mkdir -p "$LAB_DC/run" "$LAB_DC/state" "$LAB_MAIL/public/.Announcements"
    cat >"$LAB_DC_CONF" <<EOF
# Dovecot of the postern lab (written by scripts/lab; regenerated on "lab up").
# Use it with: doveadm -c $LAB_DC_CONF ...
base_dir = $LAB_DC/run
state_dir = $LAB_DC/state
instance_name = postern-lab-$LAB_BASE
hostname = mail.lab.example
protocols = lmtp imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
log_path = $LAB_MAILLOG
log_timestamp = "%b %d %H:%M:%S mail dovecot: "
deliver_log_format = msgid=%m from=<%f> size=%p: %\$
first_valid_uid = 8
mail_uid = mail
mail_gid = mail
mail_location = maildir:~/Maildir
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_plugins = \$mail_plugins quota acl

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $LAB_DC/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $LAB_DC/users
  default_fields = home=$LAB_MAIL/%Ld/%Ln uid=mail gid=mail
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
namespace public {
  type = public
  separator = /
  prefix = Public/
  location = maildir:$LAB_MAIL/public:INDEXPVT=~/public
  subscriptions = no
  list = children
}

service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $P_LMTP
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $P_IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $P_AUTH
  }
}

protocol lmtp {
  mail_plugins = \$mail_plugins sieve
  postmaster_address = postmaster@lab.example
}
protocol imap {
  mail_plugins = \$mail_plugins imap_quota imap_acl
}

plugin {
  quota = maildir:User quota
  quota_rule = *:storage=100M
  quota_rule2 = Trash:storage=+10M
  acl = vfile
  sieve = file:~/sieve;active=~/.dovecot.sieve
}

# The domains, mailboxes and settings postern manages (postern apply).
!include_try $LAB_DC/postern/current/dovecot.conf
EOF
    # user:password:uid:gid:gecos:home:shell:extra  (uid/gid/home from default_fields)
    {
        echo "# lab users; every password is \"$LAB_PASSWORD\" (written by scripts/lab)"
        echo "alice@lab.example:{PLAIN}$LAB_PASSWORD::::::"
        echo "bob@lab.example:{PLAIN}$LAB_PASSWORD::::::userdb_quota_rule=*:storage=10M"
        echo "carol@lab.example:{PLAIN}$LAB_PASSWORD::::::userdb_quota_rule=*:storage=2M"
        echo "dave@corp.example:{PLAIN}$LAB_PASSWORD::::::"
    } >"$LAB_DC/users"
    chmod 0644 "$LAB_DC/users"

    # carol files list mail into "Lists" with Sieve.
    mkdir -p "$LAB_MAIL/lab.example/carol"
    printf '%s\n' 'require ["fileinto", "mailbox"];' \
        'if header :contains "subject" "[list]" { fileinto :create "Lists"; }' \
        >"$LAB_MAIL/lab.example/carol/.dovecot.sieve"
    # A public mailbox every authenticated user may read and post to.
    mkdir -p "$LAB_MAIL/public/.Announcements/"{cur,new,tmp}
    echo "authenticated lrwstipekx" >"$LAB_MAIL/public/dovecot-acl"
    echo "authenticated lrwstipekx" >"$LAB_MAIL/public/.Announcements/dovecot-acl"
    chown -R mail:mail "$LAB_MAIL"
}

# lab_write_rspamd - proxy (milter, self_scan), normal and controller workers on loopback.
lab_write_rspamd() {
    local d=$LAB_RS/etc/local.d w port inc
    mkdir -p "$d" "$LAB_RS/db" "$LAB_RS/run" "$LAB_RS/log"
    local worker
    {
        cat <<'EOF'
# Rspamd of the postern lab (written by scripts/lab; regenerated on "lab up").
# Start with --var=LOCAL_CONFDIR/DBDIR/RUNDIR/LOGDIR pointing into the lab.
.include "$CONFDIR/common.conf"
options {
    pidfile = "$RUNDIR/rspamd.pid";
    .include "$CONFDIR/options.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}
logging {
    type = "file";
    filename = "$LOGDIR/rspamd.log";
    .include "$CONFDIR/logging.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/logging.inc"
}
EOF
        for worker in "normal $P_RSPAMD normal" "controller $P_CONTROLLER controller" \
                      "rspamd_proxy $P_MILTER proxy"; do
            read -r w port inc <<<"$worker"
            cat <<EOF
worker "$w" {
    bind_socket = "127.0.0.1:$port";
    .include "\$CONFDIR/worker-$inc.inc"
    .include(try=true; priority=1,duplicate=merge) "\$LOCAL_CONFDIR/local.d/worker-$inc.inc"
}
EOF
        done
    } >"$LAB_RS_CONF"
    # No working DNS in the lab: point the resolver at a closed port and turn
    # off the modules that would wait for DNS on every message.
    printf 'dns {\n  nameserver = ["127.0.0.1:53"];\n  timeout = 1s;\n  retransmits = 1;\n}\n' >"$d/options.inc"
    printf 'upstream "local" {\n  default = yes;\n  self_scan = yes;\n}\ncount = 2;\n' >"$d/worker-proxy.inc"
    for w in rbl fuzzy_check asn dmarc spf; do
        echo 'enabled = false;' >"$d/$w.conf"
    done
    chown -R _rspamd:_rspamd "$LAB_RS/db" "$LAB_RS/run" "$LAB_RS/log"
}

# lab_write_postern_yaml - the instance file the postern binary reads.
lab_write_postern_yaml() {
    mkdir -p "$LAB_STATE"
    cat >"$LAB/postern.yaml" <<EOF
# postern instance: the lab (written by scripts/lab)
instance: lab
postfix:
  config_dir: $LAB_MX/etc
dovecot:
  config_file: $LAB_DC_CONF
  mail_root: $LAB_MAIL
  public_dir: $LAB_MAIL/public
  mail_user: mail
  mail_group: mail
rspamd:
  config_file: $LAB_RS_CONF
  controller: 127.0.0.1:$P_CONTROLLER
  vars:
    LOCAL_CONFDIR: $LAB_RS/etc
    DBDIR: $LAB_RS/db
    RUNDIR: $LAB_RS/run
    LOGDIR: $LAB_RS/log
logs:
  - path: $LAB_MAILLOG
    format: syslog
  - path: $LAB_RS_LOG
    format: rspamd
state_db: $LAB_STATE/postern.db
EOF
}

# lab_configure - (re)write every configuration file of the lab.
lab_configure() {
    mkdir -p "$LAB" "$LAB_RUN" "$LAB_STATE"
    printf '# postern lab root (written by scripts/lab)\nport_base=%s\n' "$LAB_BASE" >"$LAB/lab.conf"
    lab_write_mx
    lab_write_remote
    lab_write_dovecot
    lab_write_rspamd
    lab_write_postern_yaml
    lab_fix_maillog
}

# ---------------------------------------------------------------- start / stop

# lab_start_postfix NAME DIR MAILLOG
lab_start_postfix() {
    local name=$1 dir=$2 log=$3
    # postfix start/check print nothing when stderr is not a TTY: their
    # messages go to the maillog, so show it on failure.
    if ! postfix -c "$dir/etc" start >/dev/null 2>&1; then
        lab_show_log "$log" 20
        lab_die "postfix ($name, $dir/etc) failed to start"
    fi
}

lab_start_dovecot() {
    # Like rspamd, the dovecot master keeps the caller's stdout/stderr open.
    if ! dovecot -c "$LAB_DC_CONF" </dev/null >"$LAB_RUN/dovecot.start.log" 2>&1; then
        lab_show_log "$LAB_RUN/dovecot.start.log" 20
        lab_show_log "$LAB_MAILLOG" 10
        lab_die "dovecot ($LAB_DC_CONF) failed to start"
    fi
}

lab_start_rspamd() {
    # Rspamd keeps the caller's stdout/stderr open after it daemonizes: detach them.
    if ! rspamd -c "$LAB_RS_CONF" "${LAB_RS_VARS[@]}" -u _rspamd -g _rspamd \
        </dev/null >"$LAB_RUN/rspamd.start.log" 2>&1; then
        lab_show_log "$LAB_RUN/rspamd.start.log" 20
        lab_show_log "$LAB_RS_LOG" 20
        lab_die "rspamd ($LAB_RS_CONF) failed to start"
    fi
}

lab_start_tarpit() {
    # Accepts connections and delays the greeting for an hour; mx's
    # smtp_helo_timeout gives up after a few seconds.
    setsid smtp-sink -4 -u nobody -W connect:3600 "127.0.0.1:$P_TARPIT" 64 \
        </dev/null >>"$LAB_RUN/tarpit.log" 2>&1 &
    echo $! >"$LAB_RUN/tarpit.pid"
    if ! lab_wait_port "$P_TARPIT" 5; then
        lab_show_log "$LAB_RUN/tarpit.log" 10
        lab_die "tarpit (smtp-sink on 127.0.0.1:$P_TARPIT) failed to start"
    fi
}

lab_start_component() {
    case $1 in
        mx)      lab_start_postfix mx "$LAB_MX" "$LAB_MAILLOG" ;;
        remote)  lab_start_postfix remote "$LAB_REMOTE" "$LAB_REMOTE_MAILLOG" ;;
        dovecot) lab_start_dovecot ;;
        rspamd)  lab_start_rspamd ;;
        tarpit)  lab_start_tarpit ;;
    esac
}

# lab_rspamd_ping PORT - true if the rspamd worker on PORT answers HTTP /ping.
lab_rspamd_ping() {
    local reply
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    reply=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET /ping HTTP/1.0\r\n\r\n" >&3; cat <&3' _ "$1" 2>/dev/null) || return 1
    [[ $reply == *pong* ]]
}

# lab_wait_rspamd SECONDS - wait until the workers answer (the first start
# compiles regexps and can take 10-20 s).
lab_wait_rspamd() {
    local deadline=$((SECONDS + $1))
    while :; do
        if lab_port_listening "$P_MILTER" && lab_rspamd_ping "$P_RSPAMD" &&
            lab_rspamd_ping "$P_CONTROLLER"; then
            return 0
        fi
        if ! lab_component_pid rspamd >/dev/null; then
            lab_show_log "$LAB_RS_LOG" 20
            lab_die "rspamd exited during start-up"
        fi
        if ((SECONDS >= deadline)); then
            lab_show_log "$LAB_RS_LOG" 20
            lab_die "rspamd did not answer on 127.0.0.1:$P_RSPAMD within $1 s"
        fi
        sleep 0.2
    done
}

# lab_running - print the components that run, one a line.
lab_running() {
    local c
    for c in "${LAB_COMPONENTS[@]}"; do
        if lab_component_pid "$c" >/dev/null; then
            echo "$c"
        fi
    done
    return 0
}

# lab_up - configure and start whatever is not running; a no-op if all runs.
lab_up() {
    lab_require_root
    local -a running=() started=()
    local c start_ns
    start_ns=$(date +%s%N)
    mapfile -t running < <(lab_running)
    if ((${#running[@]})) && [[ -n $LAB_SAVED_BASE && $LAB_SAVED_BASE != "$LAB_BASE" ]]; then
        lab_die "the lab at $LAB runs with port base $LAB_SAVED_BASE, not $LAB_BASE: run 'scripts/lab down' first"
    fi
    if ((${#running[@]} == ${#LAB_COMPONENTS[@]})); then
        lab_say "already up at $LAB (port base $LAB_BASE): nothing to do"
        return 0
    fi
    lab_require_tools
    lab_check_root_dir
    if lab_port_listening "$P_REFUSED"; then
        lab_warn "port $P_REFUSED should stay closed (refused-connection tests), but something listens there"
    fi
    lab_configure
    for c in "${LAB_COMPONENTS[@]}"; do
        if lab_component_pid "$c" >/dev/null; then
            continue
        fi
        local p
        for p in $(lab_component_ports "$c"); do
            if lab_port_listening "$p"; then
                lab_die "cannot start $c: port 127.0.0.1:$p is already in use (another lab with the same LAB_PORT_BASE?)"
            fi
        done
        lab_start_component "$c"
        started+=("$c")
    done
    lab_wait_rspamd 90
    for c in "${LAB_COMPONENTS[@]}"; do
        lab_component_pid "$c" >/dev/null || lab_die "$c is not running after start"
    done
    lab_fix_maillog
    lab_say "up at $LAB (port base $LAB_BASE): started ${started[*]} in $(lab_elapsed "$start_ns") s"
    lab_say "smtp 127.0.0.1:$P_SMTP  submission :$P_SUBMISSION  imap :$P_IMAP  maillog $LAB_MAILLOG"
}

# lab_down - stop exactly the lab's processes and wait until they are gone.
lab_down() {
    lab_require_root
    local c pid
    local -a pids=() stopped=()
    for c in mx remote tarpit dovecot rspamd; do
        pid=$(lab_component_pid "$c") || continue
        mapfile -t -O "${#pids[@]}" pids < <(lab_process_tree "$pid")
        case $c in
            mx)      postfix -c "$LAB_MX/etc" stop >/dev/null 2>&1 || true ;;
            remote)  postfix -c "$LAB_REMOTE/etc" stop >/dev/null 2>&1 || true ;;
            dovecot) doveadm -c "$LAB_DC_CONF" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true ;;
            rspamd)  kill -TERM "$pid" 2>/dev/null || true ;;
            tarpit)  kill -TERM "$pid" 2>/dev/null || true ;;
        esac
        stopped+=("$c")
    done
    if ((${#stopped[@]} == 0)); then
        lab_fix_maillog 2>/dev/null || true
        lab_say "already down at $LAB: nothing to do"
        return 0
    fi
    if ! lab_wait_gone 30 "${pids[@]}"; then
        lab_warn "some lab processes did not stop within 30 s; killing them"
        for pid in "${pids[@]}"; do
            if lab_pid_alive "$pid"; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done
        lab_wait_gone 5 "${pids[@]}" || lab_die "lab processes are still running: ${pids[*]}"
    fi
    rm -f "$LAB_RUN/tarpit.pid"
    lab_fix_maillog
    lab_say "down at $LAB: stopped ${stopped[*]} (${#pids[@]} processes)"
}

# lab_status - what runs where; returns 0 if everything is up, 3 otherwise.
lab_status() {
    local c pid p ports state all=0
    local -A role=(
        [mx]="Postfix mx ($LAB_MX/etc)"
        [remote]="Postfix remote ($LAB_REMOTE/etc)"
        [dovecot]="Dovecot ($LAB_DC_CONF)"
        [rspamd]="Rspamd ($LAB_RS_CONF)"
        [tarpit]="smtp-sink tarpit (never greets)"
    )
    local -A pname=(
        [$P_SMTP]=smtp [$P_SUBMISSION]=submission [$P_REINJECT]=reinject [$P_INBOUND]=inbound [$P_REMOTE]=smtp
        [$P_LMTP]=lmtp [$P_AUTH]=auth [$P_IMAP]=imap [$P_MILTER]=milter [$P_RSPAMD]=normal
        [$P_CONTROLLER]=controller [$P_TARPIT]=tarpit
    )
    printf 'lab root %s  port base %s  maillog %s\n' "$LAB" "$LAB_BASE" "$LAB_MAILLOG"
    for c in mx remote dovecot rspamd tarpit; do
        ports=""
        if pid=$(lab_component_pid "$c"); then
            state=up
        else
            state=down pid=-
            all=1
        fi
        for p in $(lab_component_ports "$c"); do
            if lab_port_listening "$p"; then
                ports+=" ${pname[$p]}=$p"
            else
                ports+=" ${pname[$p]}=$p(closed)"
                [[ $state == up ]] && state=partial
                all=1
            fi
        done
        printf '%-8s %-7s pid %-7s%s  %s\n' "$c" "$state" "$pid" "$ports" "${role[$c]}"
    done
    if lab_port_listening "$P_REFUSED"; then
        printf '%-8s %-7s port %s should be closed but something listens\n' refused WRONG "$P_REFUSED"
        all=1
    else
        printf '%-8s %-7s port %s closed on purpose (Connection refused)\n' refused ok "$P_REFUSED"
    fi
    return $((all ? 3 : 0))
}

# lab_env - shell assignments describing the lab, one a line, values quoted.
lab_env() {
    local -a kv=(
        POSTERN_LAB "$LAB"
        POSTERN_CONFIG "$LAB/postern.yaml"
        LAB_PORT_BASE "$LAB_BASE"
        LAB_POSTFIX_DIR "$LAB_MX/etc"
        LAB_REMOTE_POSTFIX_DIR "$LAB_REMOTE/etc"
        LAB_MAILLOG "$LAB_MAILLOG"
        LAB_REMOTE_MAILLOG "$LAB_REMOTE_MAILLOG"
        LAB_SMTP_PORT "$P_SMTP"
        LAB_SUBMISSION_PORT "$P_SUBMISSION"
        LAB_REINJECT_PORT "$P_REINJECT"
        LAB_INBOUND_PORT "$P_INBOUND"
        LAB_REMOTE_PORT "$P_REMOTE"
        LAB_IMAP_PORT "$P_IMAP"
        LAB_LMTP_PORT "$P_LMTP"
        LAB_MAILDIR_ROOT "$LAB_MAIL"
        LAB_DOVECOT_CONF "$LAB_DC_CONF"
        LAB_RSPAMD_CONF "$LAB_RS_CONF"
        LAB_RSPAMD_LOG "$LAB_RS_LOG"
        LAB_RSPAMD_CONTROLLER "127.0.0.1:$P_CONTROLLER"
        LAB_RSPAMD_MILTER "127.0.0.1:$P_MILTER"
        LAB_STATE_DB "$LAB_STATE/postern.db"
        LAB_USERS "${LAB_USERS[*]}"
        LAB_PASSWORD "$LAB_PASSWORD"
    )
    local i v
    for ((i = 0; i < ${#kv[@]}; i += 2)); do
        v=${kv[i + 1]}
        printf "%s='%s'\n" "${kv[i]}" "${v//\'/\'\\\'\'}"
    done
}

# lab_reset - down, wipe the root, up (no seed).
lab_reset() {
    lab_require_root
    lab_check_root_dir
    lab_down
    if [[ -e $LAB ]]; then
        rm -rf -- "$LAB"
        lab_say "wiped $LAB"
    fi
    LAB_SAVED_BASE=""
    lab_up
}

# ---------------------------------------------------------------- seed

# lab_queue_busy - number of mx queue files still on their way (maildrop, incoming, active).
lab_queue_busy() {
    find "$LAB_MX/spool/maildrop" "$LAB_MX/spool/incoming" "$LAB_MX/spool/active" \
        -type f 2>/dev/null | wc -l
}

# lab_wait_settled SECONDS - wait until mx has nothing in flight (two quiet polls).
lab_wait_settled() {
    local deadline=$((SECONDS + $1)) quiet=0 busy
    while ((quiet < 2)); do
        busy=$(lab_queue_busy)
        if ((busy == 0)); then
            quiet=$((quiet + 1))
        else
            quiet=0
        fi
        if ((SECONDS >= deadline)); then
            lab_warn "queue not settled after $1 s ($busy messages still in flight)"
            return 1
        fi
        sleep 0.3
    done
}

# lab_next_id KIND - the next Message-ID of that kind: <seed-KIND-N@lab.example>.
# Numbers continue across seed runs (kept in $LAB/state/seed-ids).
lab_next_id() {
    local kind=$1 n
    n=$((${LAB_SEED_IDS[$kind]:-0} + 1))
    LAB_SEED_IDS[$kind]=$n
    LAB_ID="<seed-$kind-$n@lab.example>"
}

lab_load_ids() {
    declare -gA LAB_SEED_IDS=()
    local k v
    if [[ -r $LAB_STATE/seed-ids ]]; then
        while read -r k v; do
            [[ -n $k ]] && LAB_SEED_IDS[$k]=$v
        done <"$LAB_STATE/seed-ids"
    fi
}

lab_save_ids() {
    local k
    for k in "${!LAB_SEED_IDS[@]}"; do
        printf '%s %s\n' "$k" "${LAB_SEED_IDS[$k]}"
    done | sort >"$LAB_STATE/seed-ids"
}

# lab_send KIND EXPECT [swaks args...] - one real SMTP session with swaks.
# EXPECT is "ok" (must be queued) or "reject" (must be refused).
# The transcript is kept in $LAB/state/seed/; LAB_QID is set to the queue id.
lab_send() {
    local kind=$1 expect=$2 rc=0 file
    shift 2
    lab_next_id "$kind"
    file=$LAB_STATE/seed/${LAB_ID//[<>@]/_}.txt
    swaks --server "127.0.0.1:$P_SMTP" --helo client.lab.example \
        --header "Message-Id: $LAB_ID" "$@" >"$file" 2>&1 || rc=$?
    LAB_QID=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$file" | tail -n 1)
    LAB_SENT=$((LAB_SENT + 1))
    if [[ $expect == ok && ($rc != 0 || -z $LAB_QID) ]]; then
        lab_warn "$LAB_ID was not queued (swaks exit $rc); transcript $file:"
        tail -n 8 "$file" | sed 's/^/    /' >&2
        LAB_SEED_ERRORS=$((LAB_SEED_ERRORS + 1))
    elif [[ $expect == reject && $rc == 0 ]]; then
        lab_warn "$LAB_ID was accepted but should have been rejected; transcript $file"
        LAB_SEED_ERRORS=$((LAB_SEED_ERRORS + 1))
    fi
}

# lab_seed_bulk N - N messages that all end up deferred, from smtp-source in
# parallel streams with varied senders and recipient domains.
lab_seed_bulk() {
    local total=$1 i n per rest
    ((total > 0)) || return 0
    local -a streams=(
        "newsletter@lab.example news@offline.example Weekly newsletter"
        "billing@corp.example invoice@down.example Your invoice"
        "alice@lab.example contact@oldpartner.example Project update"
        "bob@lab.example team@closed.example Meeting notes"
        "noreply@lab.example user@unreachable.example Password reset"
        "carol@lab.example grey-bulk@remote.example Quarterly report"
        "reports@corp.example ops@offline.example Nightly report"
        "dave@corp.example greylist@partner.example Order confirmation"
    )
    n=${#streams[@]}
    per=$((total / n))
    rest=$((total % n))
    local -a pids=()
    local from to subject count msg
    mkdir -p "$LAB_STATE/bulk"
    for ((i = 0; i < n; i++)); do
        count=$((per + (i < rest ? 1 : 0)))
        ((count > 0)) || continue
        read -r from to subject <<<"${streams[i]}"
        msg=$LAB_STATE/bulk/stream$i.eml
        {
            printf 'From: %s\nTo: %s\nSubject: %s\n' "$from" "$to" "$subject"
            printf 'X-Lab-Seed: bulk stream %d\n\n' "$i"
            printf 'Bulk message of the postern lab (stream %d).\n' "$i"
            printf 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n%.0s' {1..5}
        } >"$msg"
        smtp-source -4 -d -s 2 -m "$count" -N -M "client$i.lab.example" -f "$from" -t "$to" \
            -F "$msg" "127.0.0.1:$P_SMTP" >"$LAB_STATE/bulk/stream$i.log" 2>&1 &
        pids+=($!)
    done
    local failed=0
    for i in "${pids[@]}"; do
        wait "$i" || failed=$((failed + 1))
    done
    if ((failed)); then
        lab_warn "$failed smtp-source stream(s) failed; see $LAB_STATE/bulk/"
        LAB_SEED_ERRORS=$((LAB_SEED_ERRORS + 1))
    fi
}

# lab_seed N - a realistic mail state through real SMTP sessions, plus N bulk
# messages that stay deferred. Waits until the queue has settled.
lab_seed() {
    local bulk=${1:-300} t0 hold_qids=() q
    [[ $bulk =~ ^[0-9]+$ ]] || lab_die "seed: N must be a number (got '$bulk')"
    lab_require_root
    local -a running
    mapfile -t running < <(lab_running)
    ((${#running[@]} == ${#LAB_COMPONENTS[@]})) ||
        lab_die "the lab at $LAB is not (fully) up: run 'scripts/lab up' first"
    lab_wait_rspamd 90
    t0=$(date +%s%N)
    mkdir -p "$LAB_STATE/seed"
    lab_load_ids
    LAB_SENT=0 LAB_SEED_ERRORS=0

    local gtube='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
    local utf8_subject long_refs long_x i
    utf8_subject="=?UTF-8?B?$(printf 'Grüße aus Köln – Prüfbericht für Q3 ✓' | base64 -w0)?="
    long_refs="References:"
    for ((i = 1; i <= 80; i++)); do
        long_refs+=$'\n'" <thread-$i.$((i * 7919))@lists.partner.example>"
    done
    long_x="X-Campaign-Tracking: "
    for ((i = 1; i <= 150; i++)); do
        long_x+=$(printf 'k%03d=v%06d;' "$i" $((i * 4219)))
    done

    # Local delivery over LMTP (Dovecot logs "saved mail to INBOX").
    lab_send local ok --from newsletter@shop.example --to alice@lab.example --header "Subject: Weekly deals"
    lab_send local ok --from bob@lab.example --to carol@lab.example --header "Subject: Lunch today?"
    lab_send local ok --from partner@remote.example --to dave@corp.example --header "Subject: Contract draft"
    lab_send local ok --from carol@lab.example --to bob+shopping@lab.example --header "Subject: Plus address"
    lab_send alias ok --from buyer@partner.example --to sales@corp.example --header "Subject: Request for quote"
    lab_send sieve ok --from list@lists.partner.example --to carol@lab.example --header "Subject: [list] Monthly digest"
    # Relayed to the remote instance and accepted there.
    lab_send relay ok --from alice@lab.example --to partner@remote.example --header "Subject: Re: Contract draft"
    lab_send relay ok --from bob@lab.example --to ceo@partner.example --header "Subject: Introduction"
    # Deferred: connection refused, greylisting (450), busy (452), timeout, DNS.
    lab_send refused ok --from carol@lab.example --to orders@offline.example --header "Subject: Order 1001"
    lab_send refused ok --from alice@lab.example --to support@down.example --header "Subject: Ticket 77"
    lab_send grey ok --from alice@lab.example --to grey-jane@remote.example --header "Subject: Greylisted hello"
    lab_send grey ok --from dave@corp.example --to greyhound@partner.example --header "Subject: Bus tickets"
    lab_send busy ok --from bob@lab.example --to busy-bee@partner.example --header "Subject: Storage full?"
    lab_send timeout ok --from alice@lab.example --to slow@tarpit.example --header "Subject: Anyone there?"
    lab_send dns ok --from bob@lab.example --to someone@dnsfail.example --header "Subject: DNS failure"
    lab_send dns ok --from carol@lab.example --to info@no-such-domain.example --header "Subject: DNS failure 2"
    # To be put on hold once deferred.
    lab_send hold ok --from dave@corp.example --to orders@offline.example --header "Subject: Held order"
    hold_qids+=("$LAB_QID")
    lab_send hold ok --from alice@lab.example --to review@down.example --header "Subject: Held for review"
    hold_qids+=("$LAB_QID")
    # Bounced: 5xx at the remote and an unknown local user; the NDRs go back over LMTP.
    lab_send bounce ok --from alice@lab.example --to nosuch-user@remote.example --header "Subject: To a ghost"
    lab_send bounce ok --from carol@lab.example --to full-box@partner.example --header "Subject: Mailbox full"
    lab_send bounce ok --from bob@lab.example --to nobody-here@lab.example --header "Subject: Unknown local user"
    # Content filter: FILTER to the re-injection smtpd, then on to the remote.
    lab_send filter ok --from carol@lab.example --to audit@filtered.example --header "Subject: Filtered path"
    # Submission with SASL AUTH, a failed login and an unauthenticated relay attempt.
    lab_send submission ok --server "127.0.0.1:$P_SUBMISSION" --auth PLAIN \
        --auth-user alice@lab.example --auth-password "$LAB_PASSWORD" \
        --from alice@lab.example --to bob@lab.example --header "Subject: Sent via submission"
    lab_send submission ok --server "127.0.0.1:$P_SUBMISSION" --auth LOGIN \
        --auth-user bob@lab.example --auth-password "$LAB_PASSWORD" \
        --from bob@lab.example --to partner@remote.example --header "Subject: Submitted to remote"
    lab_send authfail reject --server "127.0.0.1:$P_SUBMISSION" --auth PLAIN \
        --auth-user carol@lab.example --auth-password wrong-password \
        --from carol@lab.example --to partner@remote.example --header "Subject: Bad password"
    lab_send relaydeny reject --server "127.0.0.1:$P_SUBMISSION" \
        --from outsider@evil.example --to victim@remote.example --header "Subject: Open relay?"
    # Spam: rejected by Rspamd through the milter.
    lab_send gtube reject --from spammer@evil.example --to bob@lab.example --header "Subject: Cheap pills" \
        --body "$gtube"
    # One message, five recipients, five outcomes.
    lab_send mixed ok --from alice@lab.example --to bob@lab.example,partner@remote.example,grey-mix@remote.example,nosuch-mix@remote.example,orders@offline.example \
        --header "Subject: Five recipients"
    # Encoded UTF-8 subject and very long headers (one delivered, one left deferred).
    lab_send utf8 ok --from partner@remote.example --to carol@lab.example --header "Subject: $utf8_subject"
    lab_send utf8 ok --from alice@lab.example --to buyer@offline.example --header "Subject: $utf8_subject"
    lab_send longhdr ok --from alice@lab.example --to bob@lab.example --header "Subject: Long headers" \
        --add-header "$long_refs" --add-header "$long_x"
    lab_send longhdr ok --from alice@lab.example --to archive@down.example --header "Subject: Long headers, deferred" \
        --add-header "$long_refs" --add-header "$long_x"

    lab_seed_bulk "$bulk"
    lab_save_ids
    local t_sent
    t_sent=$(date +%s%N)

    local limit=$((60 + bulk / 100))
    lab_wait_settled "$limit" || LAB_SEED_ERRORS=$((LAB_SEED_ERRORS + 1))

    # Hold the two "hold" messages (now deferred).
    for q in "${hold_qids[@]}"; do
        [[ -n $q ]] || continue
        # postsuper reports only to the maillog when stderr is not a TTY.
        postsuper -c "$LAB_MX/etc" -h "$q" >/dev/null 2>&1 || true
        if [[ -z $(find "$LAB_MX/spool/hold" -name "$q" -type f) ]]; then
            lab_warn "could not put $q on hold"
            LAB_SEED_ERRORS=$((LAB_SEED_ERRORS + 1))
        fi
    done
    lab_fix_maillog

    local deferred hold
    deferred=$(find "$LAB_MX/spool/deferred" -type f | wc -l)
    hold=$(find "$LAB_MX/spool/hold" -type f | wc -l)
    lab_say "seeded $LAB_SENT swaks sessions + $bulk bulk messages in $(lab_elapsed "$t0") s" \
        "(sent in $(lab_elapsed "$t0" "$t_sent") s); queue now: $deferred deferred, $hold on hold"
    if ((LAB_SEED_ERRORS)); then
        lab_show_log "$LAB_MAILLOG" 15
        lab_die "seed finished with $LAB_SEED_ERRORS problem(s)"
    fi
}
