/* config.h - postern.yaml: which instance postern manages and where its parts live.
 *
 * Search order (first found wins, no merging): --config PATH, $POSTERN_CONFIG,
 * $XDG_CONFIG_HOME/postern/postern.yaml (or ~/.config/postern/postern.yaml),
 * /etc/postern/postern.yaml, else built-in defaults for a stock Debian host
 * (/etc/postfix, /etc/dovecot/dovecot.conf, /etc/rspamd/rspamd.conf,
 * /var/log/mail.log, state DB under /var/lib/postern).
 *
 * Schema (unknown keys are errors, reported with file:line:column):
 *   instance: NAME
 *   read_only: BOOL
 *   postfix:  { config_dir: DIR }
 *   dovecot:  { config_file: FILE, mail_root: DIR, public_dir: DIR,
 *               mail_user: NAME, mail_group: NAME, auth_group: NAME }
 *             mail_root (default /var/vmail): homes are mail_root/DOMAIN/LOCAL;
 *             public_dir (default /var/vmail/public): the maildir root of the
 *             public namespace; mail_user/mail_group (default vmail): owner
 *             of the mail files; auth_group (default dovecot): the group of
 *             Dovecot's auth process, which reads the password file (0640)
 *   apply:    { keep: N }  generations kept on disk (default 10, 2-1000)
 *   rspamd:   { config_file: FILE, controller: HOST:PORT, vars: { NAME: VALUE, ... } }
 *   logs:     [ PATH | { path: PATH, format: syslog|rfc3339|rspamd|journal-json }
 *             | { journal: true|FILE_OR_DIR, units: [UNIT, ...] } ... ]
 *             journal: the systemd journal read through `journalctl -o json`:
 *             true = the host's journal, an absolute path = journal files
 *             copied from elsewhere (a *.journal file: --file, a directory:
 *             --directory). units (optional) keep the entries of those
 *             systemd units (-u UNIT); without units every entry of the mail
 *             syslog facility (SYSLOG_FACILITY=2). An item is either a path
 *             or a journal, never both; format does not apply to a journal.
 *   state_db: FILE
 *   console:  { theme: dark|light|mono, keymap: default|vi, refresh: SECONDS (0 = off) }
 *   hosts:    reserved for remote hosts (later) */
#ifndef PN_CONFIG_H
#define PN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef struct pn_kv {
    char *key;
    char *value;
} pn_kv;

typedef struct pn_log_source {
    char *path;       /* the log file; for a journal: its file or directory, or
                         "journald" for the host's journal (journal_host) */
    char *format;     /* "syslog" (default), "rfc3339", "rspamd", "journal-json";
                         "journal" for a journal source */
    bool journal;     /* read through journalctl (maillog_journalctl.h) */
    bool journal_host;/* journal: true - the host's own journal, not path */
    char **units;     /* journal: -u UNIT filters; NULL/0: SYSLOG_FACILITY=2 */
    size_t n_units;
} pn_log_source;

typedef struct pn_config {
    char *source;             /* file it came from, or "built-in defaults" */
    char *instance;           /* display name */
    bool read_only;
    char *postfix_config_dir;
    char *dovecot_config_file;
    char *dovecot_mail_root;  /* homes: <mail_root>/<domain>/<local> */
    char *dovecot_public_dir; /* the maildir of the public namespace */
    char *dovecot_mail_user;  /* uid/gid the mail is stored as */
    char *dovecot_mail_group;
    char *dovecot_auth_group; /* group that may read the password file */
    int apply_keep;           /* generations kept on disk */
    char *rspamd_config_file;
    char *rspamd_controller;  /* host:port, may be NULL */
    pn_kv *rspamd_vars;
    size_t n_rspamd_vars;
    pn_log_source *logs;
    size_t n_logs;
    char *state_db;
    char *console_theme;      /* NULL: the console's default */
    char *console_keymap;     /* NULL: "default" */
    int console_refresh;      /* seconds; -1: not set (the console's default) */
} pn_config;

/* Load following the search order; explicit_path (from --config) may be NULL. */
pn_config *pn_config_load(const char *explicit_path, pn_err *err);
/* Load exactly this file. */
pn_config *pn_config_load_file(const char *path, pn_err *err);
/* Parse YAML text (name is used in error messages). */
pn_config *pn_config_parse(const char *name, const char *text, size_t len, pn_err *err);
pn_config *pn_config_defaults(void);
void pn_config_free(pn_config *cfg);

#endif
