/* explain.h - where mail to one address goes, by the rules the renderer
 * (render.h) turns into Postfix maps: the alias chain, wildcard and
 * catch-all, hidden (BCC) copies, forwards, and the final mailboxes or
 * external addresses. Read-only; works on the store, not on the live maps,
 * so it explains the pending state (what the next apply puts in effect).
 *
 * Rules (the same ones render_postfix.c implements):
 *   - a relay domain: the message is relayed to its host:port, recipients
 *     are verified there first (reject_unverified_recipient); its hidden
 *     copy (BCC) applies as in a local domain; nothing else;
 *   - in a local domain the lookup order is: a mailbox, a group, an address
 *     of that domain (exact), an address "local@*" (wildcard; only when the
 *     domain has no mailbox, group or exact address with that local part),
 *     the domain's catch-all, else rejected as unknown;
 *   - an address expands to its destinations: user -> the mailbox, group ->
 *     its members when the group is enabled (a disabled or empty group
 *     delivers nothing: the step says so), public -> the public mailbox,
 *     external -> relayed out;
 *   - a mailbox with forwards sends to them, and keeps a copy only when
 *     forward_keep_copy is set;
 *   - the domain's hidden copy (BCC) adds one copy of mail arriving from
 *     outside (recipient_bcc_maps);
 *   - an internal address (or wildcard internal) refuses mail from outside
 *     (trusted networks and authenticated users may send).
 * Loops (a group reached twice) stop with a step saying so. */
#ifndef PN_EXPLAIN_H
#define PN_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "util/err.h"

typedef enum pn_explain_kind {
    PN_EX_INPUT,        /* the address asked about */
    PN_EX_MAILBOX,      /* delivered into this mailbox (final) */
    PN_EX_GROUP,        /* expands to members */
    PN_EX_ADDRESS,      /* an address (alias) of the domain */
    PN_EX_WILDCARD,     /* matched a local@* address */
    PN_EX_CATCHALL,     /* matched the domain's catch-all */
    PN_EX_PUBLIC,       /* delivered into a public mailbox (final) */
    PN_EX_EXTERNAL,     /* sent to an outside address (final) */
    PN_EX_FORWARD,      /* a mailbox forward (final, external) */
    PN_EX_RELAY,        /* relayed to another server (final) */
    PN_EX_BCC,          /* a hidden copy (final, to that address) */
    PN_EX_INTERNAL,     /* refused from outside */
    PN_EX_REJECT,       /* rejected: unknown, disabled, loop */
    PN_EX_NOTE,         /* anything else worth saying */
} pn_explain_kind;

typedef struct pn_explain_step {
    int depth;          /* 0 for the input, children one deeper */
    pn_explain_kind kind;
    char *target;       /* address, mailbox, public name or host:port; may be NULL */
    char *text;         /* one human line, e.g. "group team@example.com (3 members)" */
} pn_explain_step;

typedef struct pn_explain {
    pn_explain_step *steps;   /* a tree in pre-order (depth gives the shape) */
    size_t nsteps;
    char **finals;            /* where copies end up, sorted, no duplicates:
                                 "mailbox alice@example.com", "external x@y.org",
                                 "public Announcements", "relay [host]:25" */
    size_t nfinals;
    bool rejected;            /* nothing accepts it */
    bool internal;            /* refused from outside */
} pn_explain;

/* address is "local@domain" (validated; lowercase compare). An address in a
 * domain postern does not manage is PN_E_NOTFOUND naming the domain. */
bool pn_explain_address(pn_store *st, const char *address, pn_explain *out, pn_err *err);
void pn_explain_clear(pn_explain *e);
const char *pn_explain_kind_name(pn_explain_kind k);   /* "mailbox", "group", ... */

#endif
