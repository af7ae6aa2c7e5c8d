/* mailboxes_screen.h - private state of the Mailboxes screen, shared by its
 * files: mailboxes.c (ops, the three lists, loading, the kind switch) and
 * mailboxes_forms.c (add and edit forms, deletes). Nothing outside
 * screens/mailboxes*.c includes this. */
#ifndef PN_MAILBOXES_SCREEN_H
#define PN_MAILBOXES_SCREEN_H

#include "dovecot.h"
#include "store_view.h"

/* The screen shows one kind at a time; `kind` (x) switches. */
typedef enum mb_kind { MB_MAILBOXES, MB_GROUPS, MB_PUBLIC, MB_KINDS } mb_kind;

typedef struct mailboxes_screen {
    sv_screen base;            /* first: the shared code sees this */
    mb_kind kind;
    sv_table tables[MB_KINDS];
    pn_store_state rows;       /* the store as last loaded, for the edit forms */
    sv_form form;
    /* quota usage as Dovecot counts it (doveadm quota get -A), fetched in a
     * job after a load at most every USAGE_EVERY_MS; usage_at 0 = never */
    pn_quota_usage *usage;
    size_t nusage;
    bool usage_failed;
    int64_t usage_at;
} mailboxes_screen;

/* mailboxes_forms.c */
int mb_open_add(mailboxes_screen *m);
int mb_open_edit(mailboxes_screen *m);
int mb_delete(mailboxes_screen *m);
/* "alice@example.com, group:staff@example.com" */
void mb_owners_text(pn_str *out, const pn_public *p);

#endif
