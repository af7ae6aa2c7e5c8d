/* dovecot.h - the running Dovecot, through its own admin tool: quota usage,
 * public (shared) mailboxes and their ACLs, user lookups.
 *
 * Every call runs `doveadm -c <dovecot.config_file> ...` as an argv vector
 * through the instance's transport, with a timeout (15 s; 5 min for the walk
 * over every user of quota get -A). Failures come back
 * as one human line, never a dump of doveadm's output:
 *   - Dovecot not running: "Dovecot is not running (doveadm cannot reach
 *     /run/dovecot/auth-userdb: Connection refused)" (PN_E_EXEC);
 *   - doveadm missing: "doveadm is not installed ..." (PN_E_EXEC);
 *   - unknown user: "Dovecot does not know the user x@example.com" (PN_E_NOTFOUND);
 *   - a broken dovecot.conf: PN_E_CONFIG naming the file;
 *   - anything else: the command and doveadm's first error line.
 *
 * Public mailboxes. The Dovecot include postern renders gives each public
 * mailbox with store id N a userdb-only user pN@public.postern.invalid
 * (pn_dovecot_public_user) whose mail location is
 *   maildir:<PUBLIC_DIR>:INBOX=<PUBLIC_DIR>/.<Name>
 * so that LMTP delivery to that user lands in the public folder <Name>, which
 * users see as Public/<Name>. The folder is that user's INBOX, so postern
 * creates it and edits its ACL as that user ("INBOX"); the ACL file is the
 * folder's dovecot-acl, the same one the public namespace reads.
 * A name with a '.' is a Maildir++ subfolder: "Sales.EU" shows as
 * Public/Sales/EU.
 *
 * The ACL of a public mailbox is its owner list, exactly: user=<owner> and
 * group=<owner group> (lower-cased; group membership is the userdb field
 * acl_groups) with full rights (lrwstipekxa), plus `owner` with full rights
 * (that is the delivery user itself: LMTP needs it), plus `anyone` with no
 * rights at all: without an entry that names them, Dovecot would give other
 * users the rights of the ACL file at the root of the public directory (the
 * namespace default) if there is one. Every other entry is removed, whoever
 * set it: `authenticated` or `anyone` rights copied from the parent when
 * Dovecot created the folder, entries an earlier owner list left, and
 * entries made by hand. Entries from a global ACL file cannot be changed with
 * doveadm; they are kept and named in the log. */
#ifndef PN_DOVECOT_H
#define PN_DOVECOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "store.h"
#include "util/err.h"
#include "util/str.h"

/* The domain of the delivery users of public mailboxes (never a real one). */
#define PN_DOVECOT_PUBLIC_DOMAIN "public.postern.invalid"

/* Usage of one user's first quota root (doveadm quota get). */
typedef struct pn_quota_usage {
    char *user;
    char *quota_name;          /* "User quota" */
    int64_t storage_used;      /* bytes (Dovecot counts KiB) */
    int64_t storage_limit;     /* bytes; -1 = unlimited */
    int storage_percent;       /* as Dovecot reports it; 0 when unlimited */
    int64_t messages_used;     /* -1 when Dovecot reports no MESSAGE row */
    int64_t messages_limit;    /* -1 = unlimited */
} pn_quota_usage;

void pn_quota_usage_clear(pn_quota_usage *q);
void pn_quota_usage_list_free(pn_quota_usage *list, size_t n);

/* `doveadm -f tab quota get -u USER`. USER must be a valid address;
 * PN_E_NOTFOUND when Dovecot does not know it or no quota root applies. */
bool pn_dovecot_quota_get(pn_ctx *ctx, const char *user, pn_quota_usage *out, pn_err *err);

/* `doveadm -f tab quota get -A`: every user of the userdb, in Dovecot's
 * order, one entry each (its first quota root). The delivery users of public
 * mailboxes (@PN_DOVECOT_PUBLIC_DOMAIN) are left out. Free with
 * pn_quota_usage_list_free. Any doveadm failure fails the whole call. */
bool pn_dovecot_quota_all(pn_ctx *ctx, pn_quota_usage **out, size_t *n, pn_err *err);

/* Parses the tab-formatted output of `doveadm -f tab quota get` (with the
 * Username column when -A was used; user names the single user otherwise).
 * Exposed for the tests. */
bool pn_dovecot_parse_quota(const char *text, const char *user, pn_quota_usage **out,
                            size_t *n, pn_err *err);

/* "p<id>@public.postern.invalid" (heap). */
char *pn_dovecot_public_user(int64_t id);

/* For every public mailbox: checks that Dovecot resolves its delivery user
 * to <public_dir>/.<Name> (else PN_E_NOTFOUND / PN_E_CONFIG: apply the
 * configuration first), creates the folder when <public_dir>/.<Name> is
 * missing, and makes its ACL exactly the owner list (see the top of this
 * file). Idempotent: a second run only reads. Each doveadm call made is
 * appended to log (may be NULL), one line each, with its outcome; kept
 * global entries are noted too. Refused when the context is read-only.
 * Stops at the first failure (err names the public mailbox). Folders of
 * public mailboxes no longer in the list are left alone (they hold mail). */
bool pn_dovecot_public_sync(pn_ctx *ctx, const pn_public *list, size_t n,
                            const char *public_dir, pn_str *log, pn_err *err);

/* `doveadm user USER`: true when Dovecot's userdb resolves USER (after a
 * reload, to see the rendered configuration is live). PN_E_NOTFOUND when it
 * does not. */
bool pn_dovecot_user_check(pn_ctx *ctx, const char *user, pn_err *err);

/* The spam retention job (dovecot_spam.c): for each mailbox with a
 * retention of at least one day (its own, else the setting
 * mailbox.default_spam_retention_days), `doveadm expunge -u USER mailbox
 * FOLDER savedbefore Nd`. One line per mailbox goes to report
 * ("user<TAB>outcome<TAB>detail"); *failed counts the mailboxes doveadm
 * refused. false only when nothing could run (doveadm missing, store error,
 * read-only without dry_run). */
bool pn_dovecot_expunge_spam(pn_ctx *ctx, pn_store *st, const char *folder, bool dry_run,
                             pn_str *report, size_t *failed, pn_err *err);

#endif
