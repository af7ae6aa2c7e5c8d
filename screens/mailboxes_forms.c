/* mailboxes_forms.c - add, edit and delete on the Mailboxes screen, for the
 * kind shown: a user mailbox (password twice in masked fields, never shown
 * or kept after the form closes; access, quota, spam retention, forwards), a
 * group (enabled, members) or a public mailbox (owners). Store errors land
 * on the field they name (store_view_form.c); deletes that something still
 * refers to are named and offered with the cascade (store_view_delete.c). */
#include "mailboxes_screen.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---- mailboxes -------------------------------------------------------------------------- */

#define MAILBOX_COMMON_FIELDS(pw_label, pw_required, pw_help)                                  \
    {"display_name", "Full name", PN_FIELD_TEXT, false, 0, 0, NULL, "", NULL,                  \
     "Shown in the address book; may stay empty"},                                              \
    {"password", pw_label, PN_FIELD_SECRET, pw_required, 0, 0, NULL, "", NULL, pw_help},       \
    {"password2", "Repeat password", PN_FIELD_SECRET, pw_required, 0, 0, NULL, "", NULL,       \
     "The same again (a typing error does not show in a masked field)"},                 \
    {"imap", "IMAP", PN_FIELD_BOOL, false, 0, 0, NULL, "true", NULL, "Read mail with IMAP"},   \
    {"pop3", "POP3", PN_FIELD_BOOL, false, 0, 0, NULL, "false", NULL, "Read mail with POP3"},  \
    {"smtp", "SMTP", PN_FIELD_BOOL, false, 0, 0, NULL, "true", NULL,                           \
     "Send mail through this server (submission with a login)"},                               \
    {"quota_bytes", "Quota", PN_FIELD_TEXT, false, 0, 0, NULL, "default", sv_check_quota,      \
     "A size like 500M or 2G, 0 for no limit, or default (server-wide)"},          \
    {"spam_retention_days", "Keep spam (days)", PN_FIELD_TEXT, false, 0, 0, NULL, "default",   \
     sv_check_days, "Days spam stays in Junk, or default (server-wide)"},          \
    {"forwards", "Forward to", PN_FIELD_TEXT, false, 0, 0, NULL, "", sv_check_address_list,    \
     "Addresses that get this mailbox's mail, comma-separated"},                  \
    {"forward_keep_copy", "Keep a copy", PN_FIELD_BOOL, false, 0, 0, NULL, "false", NULL,      \
     "With forwards: also keep the mail in this mailbox"}

static const pn_field_spec mailbox_add_fields[] = {
    {"address", "Address", PN_FIELD_TEXT, true, 0, 0, NULL, "", pn_field_check_email,
     "The mailbox address, e.g. alice@example.com, in a local domain"},
    MAILBOX_COMMON_FIELDS("Password", true, "Stored only as a hash; never shown"),
};

static const pn_field_spec mailbox_edit_fields[] = {
    MAILBOX_COMMON_FIELDS("New password", false, "Empty: the password stays as it is"),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool passwords_match(sv_form *f)
{
    if (!strcmp(sv_form_value(f, "password"), sv_form_value(f, "password2")))
        return true;
    sv_form_field_error(f, "password2", "does not match the password");
    return false;
}

static void mailbox_from_form(const sv_form *f, pn_mailbox *m, pn_argv *forwards)
{
    m->display_name = (char *)sv_form_value(f, "display_name");
    m->imap = !strcmp(sv_form_value(f, "imap"), "true");
    m->pop3 = !strcmp(sv_form_value(f, "pop3"), "true");
    m->smtp = !strcmp(sv_form_value(f, "smtp"), "true");
    m->quota_bytes = sv_parse_quota(sv_form_value(f, "quota_bytes"));
    m->spam_retention_days = sv_parse_days(sv_form_value(f, "spam_retention_days"));
    sv_split_list(sv_form_value(f, "forwards"), forwards);
    m->forwards = forwards->v;
    m->nforwards = forwards->n;
    m->forward_keep_copy = !strcmp(sv_form_value(f, "forward_keep_copy"), "true");
}

static bool submit_mailbox(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    if (!passwords_match(f))
        return false;
    pn_mailbox m = {0};
    pn_argv forwards = PN_ARGV_INIT;
    mailbox_from_form(f, &m, &forwards);
    const char *password = sv_form_value(f, "password");
    bool ok;
    if (!f->key) {
        m.address = (char *)sv_form_value(f, "address");
        ok = pn_store_mailbox_add(st, &m, password, NULL, err);
        if (ok)
            *msg = pn_sprintf("mailbox %s added: pending until apply", m.address);
    } else {
        m.id = f->id;
        m.rev = f->rev;
        m.address = f->key;
        ok = pn_store_mailbox_edit(st, &m, err);
        if (ok && *password) {
            /* The edit moved the revision: the password goes on top of it. */
            pn_mailbox now;
            ok = pn_store_mailbox_get(st, f->key, &now, err);
            if (ok) {
                f->rev = now.rev;
                ok = pn_store_mailbox_set_password(st, f->key, now.rev, password, err);
            }
            pn_mailbox_clear(&now);
        }
        if (ok)
            *msg = pn_sprintf("mailbox %s saved%s: pending until apply", f->key,
                              *password ? " with its new password" : "");
    }
    pn_argv_free(&forwards);
    return ok;
}

static void fill_mailbox_form(sv_form *f, const pn_mailbox *m)
{
    sv_form_set(f, "display_name", m->display_name);
    sv_form_set(f, "imap", m->imap ? "true" : "false");
    sv_form_set(f, "pop3", m->pop3 ? "true" : "false");
    sv_form_set(f, "smtp", m->smtp ? "true" : "false");
    pn_str s = PN_STR_INIT;
    sv_quota_input(&s, m->quota_bytes);
    sv_form_set(f, "quota_bytes", pn_str_cstr(&s));
    pn_str_reset(&s);
    if (m->spam_retention_days < 0)
        pn_str_append(&s, "default");
    else
        pn_str_appendf(&s, "%d", m->spam_retention_days);
    sv_form_set(f, "spam_retention_days", pn_str_cstr(&s));
    pn_str_reset(&s);
    for (size_t i = 0; i < m->nforwards; i++)
        pn_str_appendf(&s, "%s%s", i ? ", " : "", m->forwards[i]);
    sv_form_set(f, "forwards", pn_str_cstr(&s));
    sv_form_set(f, "forward_keep_copy", m->forward_keep_copy ? "true" : "false");
    pn_str_free(&s);
}

/* ---- groups ------------------------------------------------------------------------------ */

static const pn_field_spec group_fields[] = {
    {"address", "Address", PN_FIELD_TEXT, true, 0, 0, NULL, "", pn_field_check_email,
     "The group address, e.g. staff@example.com"},
    {"enabled", "Enabled", PN_FIELD_BOOL, false, 0, 0, NULL, "true", NULL,
     "A disabled group delivers nothing"},
    {"members", "Members", PN_FIELD_TEXT, false, 0, 0, NULL, "", sv_check_address_list,
     "Mailboxes, comma-separated: alice@example.com, bob@example.com"},
};

static bool submit_group(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    pn_group g = {0};
    pn_argv members = PN_ARGV_INIT;
    sv_split_list(sv_form_value(f, "members"), &members);
    g.members = members.v;
    g.nmembers = members.n;
    g.enabled = !strcmp(sv_form_value(f, "enabled"), "true");
    bool ok;
    if (!f->key) {
        g.address = (char *)sv_form_value(f, "address");
        ok = pn_store_group_add(st, &g, NULL, err);
    } else {
        g.id = f->id;
        g.rev = f->rev;
        g.address = f->key;
        ok = pn_store_group_edit(st, &g, err);
    }
    if (ok)
        *msg = pn_sprintf("group %s %s: pending until apply", g.address, f->key ? "saved" : "added");
    pn_argv_free(&members);
    return ok;
}

/* ---- public mailboxes ----------------------------------------------------------------------- */

static const pn_field_spec public_fields[] = {
    {"name", "Name", PN_FIELD_TEXT, true, 0, 0, NULL, "", NULL,
     "Letters, digits and . _ - + = (the folder name users see)"},
    {"owners", "Owners", PN_FIELD_TEXT, false, 0, 0, NULL, "", NULL,
     "Who may use it: alice@example.com, group:staff@example.com"},
};

void mb_owners_text(pn_str *out, const pn_public *p)
{
    for (size_t i = 0; i < p->nowners; i++)
        pn_str_appendf(out, "%s%s%s", i ? ", " : "", p->owners[i].is_group ? "group:" : "",
                       p->owners[i].target);
}

static bool submit_public(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    pn_public p = {0};
    pn_argv words = PN_ARGV_INIT;
    sv_split_list(sv_form_value(f, "owners"), &words);
    p.owners = pn_calloc(words.n ? words.n : 1, sizeof(*p.owners));
    p.nowners = words.n;
    for (size_t i = 0; i < words.n; i++) {
        const char *w = words.v[i];
        p.owners[i].is_group = !strncmp(w, "group:", 6);
        p.owners[i].target = (char *)(p.owners[i].is_group ? w + 6
                                      : !strncmp(w, "user:", 5) ? w + 5 : w);
    }
    bool ok;
    if (!f->key) {
        p.name = (char *)sv_form_value(f, "name");
        ok = pn_store_public_add(st, &p, NULL, err);
    } else {
        p.id = f->id;
        p.rev = f->rev;
        p.name = f->key;
        ok = pn_store_public_edit(st, &p, err);
    }
    if (ok)
        *msg = pn_sprintf("public mailbox %s %s: pending until apply", p.name,
                          f->key ? "saved" : "added");
    free(p.owners);
    pn_argv_free(&words);
    return ok;
}

/* ---- opening the forms ------------------------------------------------------------------- */

int mb_open_add(mailboxes_screen *m)
{
    switch (m->kind) {
    case MB_MAILBOXES:
        sv_form_open(&m->base, &m->form, "Add a mailbox", mailbox_add_fields,
                     N_OF(mailbox_add_fields), submit_mailbox);
        break;
    case MB_GROUPS:
        sv_form_open(&m->base, &m->form, "Add a group", group_fields, N_OF(group_fields),
                     submit_group);
        break;
    default:
        sv_form_open(&m->base, &m->form, "Add a public mailbox", public_fields,
                     N_OF(public_fields), submit_public);
        break;
    }
    return PN_DIRTY_DRAW;
}

static void edit_of(sv_form *f, const char *key, int64_t id, int64_t rev)
{
    f->key = pn_strdup(key);
    f->id = id;
    f->rev = rev;
}

static const pn_mailbox *mailbox_named(const mailboxes_screen *m, const char *key)
{
    for (size_t i = 0; key && i < m->rows.nmailboxes; i++)
        if (!strcmp(m->rows.mailboxes[i].address, key))
            return &m->rows.mailboxes[i];
    return NULL;
}

static const pn_group *group_named(const mailboxes_screen *m, const char *key)
{
    for (size_t i = 0; key && i < m->rows.ngroups; i++)
        if (!strcmp(m->rows.groups[i].address, key))
            return &m->rows.groups[i];
    return NULL;
}

static const pn_public *public_named(const mailboxes_screen *m, const char *key)
{
    for (size_t i = 0; key && i < m->rows.npublics; i++)
        if (!strcmp(m->rows.publics[i].name, key))
            return &m->rows.publics[i];
    return NULL;
}

static void edit_mailbox(mailboxes_screen *m, const pn_mailbox *x)
{
    char *title = pn_sprintf("Edit mailbox %s", x->address);
    if (sv_form_open(&m->base, &m->form, title, mailbox_edit_fields, N_OF(mailbox_edit_fields),
                     submit_mailbox)) {
        edit_of(&m->form, x->address, x->id, x->rev);
        fill_mailbox_form(&m->form, x);
    }
    free(title);
}

static void edit_group(mailboxes_screen *m, const pn_group *x)
{
    char *title = pn_sprintf("Edit group %s", x->address);
    if (sv_form_open(&m->base, &m->form, title, group_fields + 1, N_OF(group_fields) - 1,
                     submit_group)) {
        edit_of(&m->form, x->address, x->id, x->rev);
        sv_form_set(&m->form, "enabled", x->enabled ? "true" : "false");
        pn_str s = PN_STR_INIT;
        for (size_t k = 0; k < x->nmembers; k++)
            pn_str_appendf(&s, "%s%s", k ? ", " : "", x->members[k]);
        sv_form_set(&m->form, "members", pn_str_cstr(&s));
        pn_str_free(&s);
    }
    free(title);
}

static void edit_public(mailboxes_screen *m, const pn_public *x)
{
    char *title = pn_sprintf("Edit public mailbox %s", x->name);
    if (sv_form_open(&m->base, &m->form, title, public_fields + 1, N_OF(public_fields) - 1,
                     submit_public)) {
        edit_of(&m->form, x->name, x->id, x->rev);
        pn_str s = PN_STR_INIT;
        mb_owners_text(&s, x);
        sv_form_set(&m->form, "owners", pn_str_cstr(&s));
        pn_str_free(&s);
    }
    free(title);
}

int mb_open_edit(mailboxes_screen *m)
{
    const char *key = sv_table_cursor_key(&m->tables[m->kind]);
    const pn_mailbox *mb = m->kind == MB_MAILBOXES ? mailbox_named(m, key) : NULL;
    const pn_group *g = m->kind == MB_GROUPS ? group_named(m, key) : NULL;
    const pn_public *p = m->kind == MB_PUBLIC ? public_named(m, key) : NULL;
    if (mb)
        edit_mailbox(m, mb);
    else if (g)
        edit_group(m, g);
    else if (p)
        edit_public(m, p);
    else
        pn_app_flash(m->base.app, PN_ROLE_STATUS_WARN, "edit: nothing under the cursor");
    return PN_DIRTY_DRAW;
}

/* ---- deletes ------------------------------------------------------------------------------ */

static bool delete_mailbox(pn_store *st, const char *key, bool cascade, pn_err *err)
{
    return pn_store_mailbox_delete(st, key, 0, cascade, err);
}

static bool delete_group(pn_store *st, const char *key, bool cascade, pn_err *err)
{
    return pn_store_group_delete(st, key, 0, cascade, err);
}

static bool delete_public(pn_store *st, const char *key, bool cascade, pn_err *err)
{
    return pn_store_public_delete(st, key, 0, cascade, err);
}

static const sv_delete_kind delete_kinds[MB_KINDS] = {
    [MB_MAILBOXES] = {"mailbox", "mailboxes",
                      "also takes it out of those groups, addresses, public mailbox owners and "
                      "catch-alls; addresses left with no destination are deleted too",
                      delete_mailbox},
    [MB_GROUPS] = {"group", "groups",
                   "also takes it out of those addresses and public mailbox owners; addresses "
                   "left with no destination are deleted too",
                   delete_group},
    [MB_PUBLIC] = {"public mailbox", "public mailboxes",
                   "also takes it out of those addresses; addresses left with no destination "
                   "are deleted too",
                   delete_public},
};

int mb_delete(mailboxes_screen *m)
{
    pn_argv keys = PN_ARGV_INIT;
    sv_table_selection(&m->tables[m->kind], &keys);
    sv_delete_start(&m->base, &delete_kinds[m->kind], &keys, &m->tables[m->kind].lm);
    pn_argv_free(&keys);
    return PN_DIRTY_DRAW;
}
