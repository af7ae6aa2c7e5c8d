/* store_yaml.h - the whole configuration state as one YAML file: export it
 * from the state store, check it, import it back (postern export / import).
 *
 * The file (format 1), written by pn_store_export_yaml with keys in this
 * order and entities sorted by name (mailboxes, groups and addresses by
 * domain, then local part; "x@*" wildcards first), so that
 * export -> import --replace into an empty DB -> export gives the same bytes:
 *
 *   # postern state ... (a header comment)
 *   postern_state: 1                     # the format; required
 *   settings:                            # the keys of pn_store_setting_defs
 *     mailbox.default_quota: "104857600" # null unsets a key
 *   domains:
 *     - name: example.com
 *       delivery: local                  # local | relay (default local)
 *       relay_host: mx.example.net       # relay only, then required
 *       relay_port: 2525                 # relay only, optional (25)
 *       bcc: archive@example.com         # optional hidden copy
 *       catch_all: alice@example.com     # optional mailbox, local only
 *   mailboxes:
 *     - address: alice@example.com
 *       name: "Alice A"                  # display name (default "")
 *       password_hash: "$y$j9T$..."      # crypt(3) hash, never a password
 *       imap: true                       # imap, pop3, smtp: default true
 *       pop3: false
 *       smtp: true
 *       quota: default                   # bytes (or 2G, 500M), or default
 *       spam_retention_days: default     # days, or default
 *       forwards: [a@example.net]        # external addresses
 *       forward_keep_copy: true          # default true
 *   groups:
 *     - address: staff@example.com
 *       enabled: true                    # default true
 *       members: [alice@example.com]     # mailboxes
 *   public:
 *     - name: shared
 *       owners: [{user: alice@example.com}, {group: staff@example.com}]
 *   addresses:
 *     - address: "info@*"                # "@*": in every local domain
 *       internal: false                  # default false
 *       destinations:                    # at least one, in order
 *         - user: alice@example.com      # or group:, public:, external:
 *
 * A section left out (or null) is empty. Every entity in the file is whole:
 * a key left out takes its default, except password_hash, which may be left
 * out for a mailbox that already exists (its hash is kept).
 *
 * Import checks everything before it writes anything: each field with the
 * validators the store uses, names listed twice, a local part used by two of
 * mailbox/group/address in one domain, and that every domain, catch-all,
 * member, owner and destination exists in the file or (without replace) in
 * the state DB. Every problem found is reported as
 * "FILE:LINE:COL: field: rule" (a YAML syntax error stops at the first).
 * Then everything is written in one transaction and journalled like the
 * store's own writes (entity, add/edit/delete, before/after images with the
 * hashes redacted); entities that do not change are not touched.
 *   - merge (replace false): entities in the file are added or updated by
 *     name, the others are left alone; a name may not change its kind.
 *   - replace: the file becomes the whole state; entities and settings that
 *     it does not list are deleted. */
#ifndef PN_STORE_YAML_H
#define PN_STORE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "util/err.h"
#include "util/str.h"

#define PN_STORE_YAML_FORMAT 1
/* At most this many problems are kept (then one line says how many more). */
#define PN_IMPORT_MAX_PROBLEMS 200

typedef enum pn_import_kind {
    PN_IMPORT_SETTINGS,
    PN_IMPORT_DOMAINS,
    PN_IMPORT_MAILBOXES,
    PN_IMPORT_GROUPS,
    PN_IMPORT_PUBLIC,
    PN_IMPORT_ADDRESSES,
    PN_IMPORT_NKINDS,
} pn_import_kind;

typedef struct pn_import_counts {
    size_t added, changed, unchanged, removed;
} pn_import_counts;

typedef struct pn_import_report {
    char **problems;          /* "FILE:LINE:COL: field: rule", in file order */
    size_t nproblems;
    size_t total_problems;    /* found, including those not kept */
    pn_import_counts counts[PN_IMPORT_NKINDS];
    bool written;             /* the changes were committed */
} pn_import_report;

/* The section name of a kind: "settings", "domains", ... "addresses". */
const char *pn_import_kind_name(pn_import_kind k);
/* Sum of added + changed + removed over every kind. */
size_t pn_import_report_changes(const pn_import_report *r);
/* Entities (and settings) that would be removed. */
size_t pn_import_report_removed(const pn_import_report *r);
void pn_import_report_clear(pn_import_report *r);

/* The whole state, from one read snapshot, appended to out. */
bool pn_store_export_yaml(pn_store *st, pn_str *out, pn_err *err);

/* Import text[0..len), called name in messages. On success rep holds the
 * counts (rep->written is false when nothing changed). false with err set:
 * PN_E_INVALID "NAME: N problems: nothing was written" with every problem in
 * rep, or the store's error (read-only, busy, ...) with no problems. */
bool pn_store_import_yaml(pn_store *st, const char *name, const char *text, size_t len,
                          bool replace, pn_import_report *rep, pn_err *err);
/* The same checks and counts in a read snapshot, writing nothing (a dry run;
 * allowed in read-only mode). */
bool pn_store_import_yaml_check(pn_store *st, const char *name, const char *text, size_t len,
                                bool replace, pn_import_report *rep, pn_err *err);

#endif
