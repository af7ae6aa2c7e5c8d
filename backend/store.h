/* store.h - the configuration state store: domains, mailboxes, groups and
 * addresses in the SQLite state DB (schema: migration 3 in migrations.c).
 *
 * A pn_store wraps an open sqlite3 handle (pn_db_open) plus the context for
 * read-only mode and the actor written to the audit journal. Every write:
 *   - is refused with PN_E_READONLY when the context is read-only;
 *   - validates every field (validate.h) and names field and rule;
 *   - runs in one BEGIN IMMEDIATE transaction, checks the expected revision
 *     (PN_E_CONFLICT "... was changed by someone else (revision N, you
 *     edited M): reload and try again") and the cross-entity rules (a local
 *     part is used once per domain across mailboxes, groups and addresses;
 *     destinations and the catch-all exist; deletes of referenced rows are
 *     refused naming the referrers unless cascade is asked for);
 *   - appends a journal row (entity, action, before/after JSON with secrets
 *     redacted, generation NULL until apply sets it).
 * Entities are named the way users write them: "example.com",
 * "alice@example.com", "info@*" (an address in every local domain).
 * Returned structs are caller-owned: free with the matching *_clear. */
#ifndef PN_STORE_H
#define PN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "util/err.h"

typedef struct sqlite3 sqlite3;
typedef struct pn_store pn_store;

/* Limits enforced on free text fields. */
#define PN_STORE_DISPLAY_NAME_MAX 200
#define PN_STORE_PASSWORD_MAX 511     /* libcrypt: CRYPT_MAX_PASSPHRASE_SIZE - 1 */

/* ctx may be NULL (writable); actor NULL = the unix user of geteuid().
 * The store does not own db. */
pn_store *pn_store_new(sqlite3 *db, const pn_ctx *ctx, const char *actor);
void pn_store_free(pn_store *st);
sqlite3 *pn_store_db(pn_store *st);

/* A consistent snapshot for readers (the renderer): every get/list between
 * begin and end sees the same state. */
bool pn_store_begin_read(pn_store *st, pn_err *err);
void pn_store_end_read(pn_store *st);

/* ---- domains ---- */
typedef struct pn_domain {
    int64_t id;
    char *name;
    bool relay;               /* false: deliver locally */
    char *relay_host;         /* relay only */
    int relay_port;           /* 0 = default (25) */
    char *bcc;                /* hidden copy of inbound mail, or NULL */
    char *catchall;           /* mailbox address ("x@example.com") or NULL */
    int64_t rev, created, updated;
} pn_domain;

void pn_domain_clear(pn_domain *d);
/* in->id and in->rev are ignored; *id_out may be NULL. */
bool pn_store_domain_add(pn_store *st, const pn_domain *in, int64_t *id_out, pn_err *err);
/* Edits the domain in->id, which must still be at revision in->rev. The name
 * cannot be changed. */
bool pn_store_domain_edit(pn_store *st, const pn_domain *in, pn_err *err);
/* rev 0 = any revision. cascade deletes its mailboxes, groups and addresses. */
bool pn_store_domain_delete(pn_store *st, const char *name, int64_t rev, bool cascade,
                            pn_err *err);
bool pn_store_domain_get(pn_store *st, const char *name, pn_domain *out, pn_err *err);
/* Sorted by name; free with pn_domain_list_free. */
bool pn_store_domain_list(pn_store *st, pn_domain **out, size_t *count, pn_err *err);
void pn_domain_list_free(pn_domain *list, size_t count);

/* ---- mailboxes ---- */
typedef struct pn_mailbox {
    int64_t id;
    char *address;            /* localpart@domain */
    char *display_name;
    char *password_hash;      /* crypt(3) hash; never plaintext */
    bool imap, pop3, smtp;
    int64_t quota_bytes;      /* -1 = the default quota */
    int spam_retention_days;  /* -1 = the default */
    char **forwards;          /* external addresses */
    size_t nforwards;
    bool forward_keep_copy;
    int64_t rev, created, updated;
} pn_mailbox;

void pn_mailbox_clear(pn_mailbox *m);
/* in->password_hash is ignored: password is hashed (yescrypt, else
 * SHA512-CRYPT). */
bool pn_store_mailbox_add(pn_store *st, const pn_mailbox *in, const char *password,
                          int64_t *id_out, pn_err *err);
/* Edits everything but the address and the password. */
bool pn_store_mailbox_edit(pn_store *st, const pn_mailbox *in, pn_err *err);
bool pn_store_mailbox_set_password(pn_store *st, const char *address, int64_t rev,
                                   const char *password, pn_err *err);
/* cascade removes it from groups, address destinations (deleting addresses
 * left without destinations), public mailbox owners and catch-alls. */
bool pn_store_mailbox_delete(pn_store *st, const char *address, int64_t rev, bool cascade,
                             pn_err *err);
bool pn_store_mailbox_get(pn_store *st, const char *address, pn_mailbox *out, pn_err *err);
/* domain NULL = all domains; sorted by domain then local part. */
bool pn_store_mailbox_list(pn_store *st, const char *domain, pn_mailbox **out, size_t *count,
                           pn_err *err);
void pn_mailbox_list_free(pn_mailbox *list, size_t count);
/* Hash a password with crypt(3): "$y$" yescrypt, falling back to "$6$". */
char *pn_store_hash_password(const char *password, pn_err *err);

/* ---- groups ---- */
typedef struct pn_group {
    int64_t id;
    char *address;
    bool enabled;
    char **members;           /* mailbox addresses, sorted */
    size_t nmembers;
    int64_t rev, created, updated;
} pn_group;

void pn_group_clear(pn_group *g);
/* Members in in->members are added too; each must be an existing mailbox. */
bool pn_store_group_add(pn_store *st, const pn_group *in, int64_t *id_out, pn_err *err);
/* Sets enabled and replaces the member list. */
bool pn_store_group_edit(pn_store *st, const pn_group *in, pn_err *err);
bool pn_store_group_delete(pn_store *st, const char *address, int64_t rev, bool cascade,
                           pn_err *err);
bool pn_store_group_get(pn_store *st, const char *address, pn_group *out, pn_err *err);
bool pn_store_group_list(pn_store *st, pn_group **out, size_t *count, pn_err *err);
void pn_group_list_free(pn_group *list, size_t count);

/* ---- addresses ---- */
typedef enum pn_dest_kind {
    PN_DEST_USER,             /* a mailbox address */
    PN_DEST_GROUP,            /* a group address */
    PN_DEST_PUBLIC,           /* a public mailbox name */
    PN_DEST_EXTERNAL,         /* any valid email address */
} pn_dest_kind;

typedef struct pn_dest {
    pn_dest_kind kind;
    char *target;
} pn_dest;

typedef struct pn_address {
    int64_t id;
    char *address;            /* "info@example.com" or "info@*" (wildcard) */
    bool internal;            /* refuses mail from outside */
    pn_dest *dests;
    size_t ndests;
    int64_t rev, created, updated;
} pn_address;

const char *pn_dest_kind_name(pn_dest_kind k);   /* "user", "group", ... */
void pn_address_clear(pn_address *a);
bool pn_store_address_add(pn_store *st, const pn_address *in, int64_t *id_out, pn_err *err);
/* Sets internal and replaces the destinations. */
bool pn_store_address_edit(pn_store *st, const pn_address *in, pn_err *err);
bool pn_store_address_delete(pn_store *st, const char *address, int64_t rev, pn_err *err);
bool pn_store_address_get(pn_store *st, const char *address, pn_address *out, pn_err *err);
bool pn_store_address_list(pn_store *st, pn_address **out, size_t *count, pn_err *err);
void pn_address_list_free(pn_address *list, size_t count);

/* ---- public (shared) mailboxes ---- */
typedef struct pn_public_owner {
    bool is_group;            /* false: a user mailbox */
    char *target;             /* mailbox or group address */
} pn_public_owner;

typedef struct pn_public {
    int64_t id;
    char *name;               /* letters, digits and . _ - + = (1-64) */
    pn_public_owner *owners;
    size_t nowners;
    int64_t rev, created, updated;
} pn_public;

void pn_public_clear(pn_public *p);
bool pn_store_public_add(pn_store *st, const pn_public *in, int64_t *id_out, pn_err *err);
/* Replaces the owner list (in->id selects, in->rev must match). */
bool pn_store_public_edit(pn_store *st, const pn_public *in, pn_err *err);
/* cascade removes it from address destinations (deleting addresses left
 * without destinations); otherwise refused naming those addresses. */
bool pn_store_public_delete(pn_store *st, const char *name, int64_t rev, bool cascade,
                            pn_err *err);
bool pn_store_public_get(pn_store *st, const char *name, pn_public *out, pn_err *err);
bool pn_store_public_list(pn_store *st, pn_public **out, size_t *count, pn_err *err);
void pn_public_list_free(pn_public *list, size_t count);

/* ---- the whole state: every list at once ---- */
typedef struct pn_store_state {
    pn_domain *domains;
    size_t ndomains;
    pn_mailbox *mailboxes;        /* all domains */
    size_t nmailboxes;
    pn_group *groups;
    size_t ngroups;
    pn_public *publics;
    size_t npublics;
    pn_address *addresses;
    size_t naddresses;
} pn_store_state;

/* All five lists, sorted as their *_list calls sort them. They are read in
 * the transaction the caller has open (a read snapshot or a write), else in
 * a read snapshot of their own, so they always agree with each other. On
 * failure *out is empty (nothing to free). */
bool pn_store_state_load(pn_store *st, pn_store_state *out, pn_err *err);
/* Frees the lists and empties s; safe on an empty state. */
void pn_store_state_free(pn_store_state *s);

/* ---- settings: server-wide defaults (key/value, validated per key) ---- */
typedef struct pn_setting_def {
    const char *key;          /* "mailbox.default_quota" */
    const char *rule;         /* human rule for errors and help */
    const char *help;         /* one line */
} pn_setting_def;

/* Every known key, in display order. */
const pn_setting_def *pn_store_setting_defs(size_t *count);
/* *value is NULL when the key is unset (the service's own default applies);
 * rev is 0 then. Unknown key: PN_E_INVALID. */
bool pn_store_setting_get(pn_store *st, const char *key, char **value, int64_t *rev,
                          pn_err *err);
/* value NULL unsets. rev as for the entities (0 = any). The value is
 * validated and normalised ("100M" -> "104857600"). */
bool pn_store_setting_set(pn_store *st, const char *key, const char *value, int64_t rev,
                          pn_err *err);
/* Integer value of a set key, or dflt when unset or not a number. */
int64_t pn_store_setting_int(pn_store *st, const char *key, int64_t dflt);

/* ---- journal ---- */
typedef struct pn_journal_entry {
    int64_t id, at, generation;   /* generation -1 = not applied yet */
    char *actor, *entity, *action, *before, *after;
} pn_journal_entry;

typedef bool (*pn_journal_cb)(const pn_journal_entry *e, void *arg);
/* Newest first, at most limit (0 = all); the callback returns false to stop. */
bool pn_store_journal_each(pn_store *st, size_t limit, pn_journal_cb cb, void *arg,
                           pn_err *err);
/* Journal rows not put into effect by an apply yet (the pending changes). */
bool pn_store_pending_count(pn_store *st, int64_t *count, pn_err *err);

#endif
