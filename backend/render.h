/* render.h - the state store rendered into the files Postfix and Dovecot
 * read. Pure: reads the store (inside one read snapshot the caller holds),
 * writes nothing; apply.c stages, validates and swaps the result.
 *
 * Postfix lookup tables (text; apply compiles them with postmap into the
 * map type it detected, lmdb: when `postconf -m` lists it, else hash:):
 *   vmailbox_domains  local domains (+ the public pseudo-domain)  -> OK
 *   vmailbox          every mailbox (+ public delivery users)       -> path
 *   virtual           aliases: mailbox identities and forwards, groups,
 *                     exact addresses, wildcards expanded over the local
 *                     domains where no exact name exists, catch-alls as
 *                     "@domain" (safe: every real address has its own key)
 *   recipient_bcc     "@domain" -> the hidden copy address
 *   relay_domains     relay domains -> OK
 *   transport         relay domains -> relay:[host]:port
 *   relay_verify      relay domains -> reject_unverified_recipient
 *   internal_access   internal addresses -> REJECT access denied
 *   disabled_recipients  disabled or empty groups -> 550 5.1.1 reject
 *   sender_login      address -> logins allowed to send as it (rendered for
 *                     the sender/login rule of a later issue; not referenced)
 * main.cf parameters postern manages (PN_RENDER_PARAMS below): their value is
 * postern's table first, then the value the site had before postern took the
 * parameter over (recorded once, see apply.c), except
 * smtpd_relay_restrictions, which postern owns outright.
 *
 * Dovecot (one include plus data files):
 *   dovecot.conf  the include: a deny passdb (per service), the passwd-file
 *                 passdb, the passwd-file userdb with default uid/gid, and
 *                 the default quota rule when the setting is set
 *   passwd        user:{CRYPT}hash           (passdb; secret, 0640)
 *   users         user::::::home::extra      (userdb: quota, acl_groups;
 *                 public delivery users with their mail location)
 *   deny          service/user               (IMAP/POP3/SMTP turned off)
 *
 * Public mailbox N is delivered to pN@public.postern.invalid, whose INBOX is
 * the public folder (maildir:<public_dir>:INBOX=<public_dir>/.<Name>). */
#ifndef PN_RENDER_H
#define PN_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "util/err.h"
#include "util/str.h"

#define PN_PUBLIC_DOMAIN "public.postern.invalid"

typedef enum pn_service { PN_SVC_POSTFIX, PN_SVC_DOVECOT, PN_SVC_COUNT } pn_service;
const char *pn_service_name(pn_service s);

typedef struct pn_render_file {
    pn_service service;
    const char *name;          /* file name inside a generation directory */
    pn_str text;
    int mode;                  /* 0644, or 0640 for secrets */
    bool map;                  /* a Postfix lookup table: compile with postmap */
    bool secret;               /* hide values in diffs */
} pn_render_file;

typedef struct pn_render_param {
    const char *name;          /* main.cf parameter */
    char *value;               /* postern's part (tables under dir) */
    bool owned;                /* the whole value is postern's (no site part) */
} pn_render_param;

/* A lookup that must answer after the swap: postmap -q key on map -> want
 * (NULL = any answer). */
typedef struct pn_render_probe {
    const char *map;           /* file name ("virtual") */
    char *key;
    char *want;
} pn_render_probe;

typedef struct pn_render_paths {
    const char *postfix_dir;   /* where the tables will live: <config>/postern/current */
    const char *dovecot_dir;   /* <dovecot dir>/postern/current */
    const char *map_type;      /* "lmdb" or "hash" */
    const char *mail_root, *public_dir, *mail_user, *mail_group;
} pn_render_paths;

typedef struct pn_render_out {
    pn_render_file *files;
    size_t nfiles;
    pn_render_param *params;
    size_t nparams;
    pn_render_probe *probes;
    size_t nprobes;
    char **users;              /* Dovecot users (for post-apply lookups), sorted */
    size_t nusers;
} pn_render_out;

/* Renders the whole state. The caller holds a read snapshot if it needs one. */
bool pn_render(pn_store *st, const pn_render_paths *paths, pn_render_out *out, pn_err *err);
void pn_render_out_clear(pn_render_out *out);
/* The file named name, or NULL. */
const pn_render_file *pn_render_file_get(const pn_render_out *out, const char *name);
/* Only the parameter values for tables under dir (for staging copies). */
bool pn_render_params(const pn_render_paths *paths, pn_render_param **out, size_t *count);

#endif
