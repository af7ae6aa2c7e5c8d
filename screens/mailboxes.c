/* mailboxes.c - the Mailboxes screen: the user mailboxes of the state store
 * (address, name, IMAP/POP3/SMTP access, quota, forwards), and on the same
 * screen its groups (enabled, members) and public mailboxes (owners). One
 * kind shows at a time; the line above the list names all three with their
 * counts and `x` (kind) switches, so the other two are always in sight.
 *
 * Forms and deletes live in mailboxes_forms.c; the store, the tables, the
 * filter, apply, journal and explain are shared (store_view.h). Every change
 * goes to the state store through backend/store.h, the same calls as
 * `postern mailbox|group|public ...`. */
#include "mailboxes_screen.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/text.h"

enum { MC_ADDRESS, MC_NAME, MC_ACCESS, MC_QUOTA, MC_USED, MC_SPAM, MC_FORWARDS, MC_DOMAIN, MC_N };
enum { GC_ADDRESS, GC_ENABLED, GC_COUNT, GC_MEMBERS, GC_DOMAIN, GC_N };
enum { PC_NAME, PC_COUNT, PC_OWNERS, PC_N };

static const pn_column mailbox_columns[MC_N] = {
    [MC_ADDRESS] = {"address", "ADDRESS", 16, 40, 2, PN_ALIGN_LEFT, true, true},
    [MC_NAME] = {"name", "NAME", 8, 32, 1, PN_ALIGN_LEFT, true, true},
    [MC_ACCESS] = {"access", "ACCESS", 14, 14, 0, PN_ALIGN_LEFT, true, true},
    [MC_QUOTA] = {"quota", "QUOTA", 7, 9, 0, PN_ALIGN_RIGHT, true, true},
    [MC_USED] = {"used", "USED", 6, 11, 0, PN_ALIGN_RIGHT, true, true},
    [MC_SPAM] = {"spam", "SPAM DAYS", 9, 9, 0, PN_ALIGN_RIGHT, true, false},
    [MC_FORWARDS] = {"forwards", "FORWARDS", 8, 0, 3, PN_ALIGN_LEFT, true, true},
    [MC_DOMAIN] = {"domain", "DOMAIN", 10, 40, 1, PN_ALIGN_LEFT, true, false},
};

static const pn_column group_columns[GC_N] = {
    [GC_ADDRESS] = {"address", "GROUP", 16, 40, 1, PN_ALIGN_LEFT, true, true},
    [GC_ENABLED] = {"enabled", "ENABLED", 7, 7, 0, PN_ALIGN_LEFT, true, true},
    [GC_COUNT] = {"count", "N", 3, 5, 0, PN_ALIGN_RIGHT, true, true},
    [GC_MEMBERS] = {"members", "MEMBERS", 10, 0, 4, PN_ALIGN_LEFT, true, true},
    [GC_DOMAIN] = {"domain", "DOMAIN", 10, 40, 1, PN_ALIGN_LEFT, true, false},
};

static const pn_column public_columns[PC_N] = {
    [PC_NAME] = {"name", "PUBLIC MAILBOX", 14, 40, 1, PN_ALIGN_LEFT, true, true},
    [PC_COUNT] = {"count", "N", 3, 5, 0, PN_ALIGN_RIGHT, true, true},
    [PC_OWNERS] = {"owners", "OWNERS", 10, 0, 4, PN_ALIGN_LEFT, true, true},
};

static const char *const kind_names[MB_KINDS] = {"mailboxes", "groups", "public"};
static const char *const kind_titles[MB_KINDS] = {"Mailboxes", "Groups", "Public mailboxes"};

/* ---- loading ----------------------------------------------------------------------- */

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at ? at + 1 : "";
}

static void access_text(pn_str *out, const pn_mailbox *m)
{
    pn_str_appendf(out, "%s%s%s", m->imap ? "imap " : "", m->pop3 ? "pop3 " : "",
                   m->smtp ? "smtp " : "");
    if (!out->len)
        pn_str_append(out, "none");
    pn_str_rtrim(out);
}

static void fill_mailboxes(sv_table *t, const pn_mailbox *list, size_t n, int64_t dflt_quota)
{
    pn_str s = PN_STR_INIT;
    sv_table_clear(t);
    for (size_t i = 0; i < n; i++) {
        const pn_mailbox *m = &list[i];
        size_t r = sv_table_add(t, m->address);
        sv_table_set(t, r, MC_ADDRESS, m->address);
        sv_table_set(t, r, MC_NAME, m->display_name);
        pn_str_reset(&s);
        access_text(&s, m);
        sv_table_set(t, r, MC_ACCESS, pn_str_cstr(&s));
        pn_str_reset(&s);
        sv_quota_text(&s, m->quota_bytes);
        sv_table_set(t, r, MC_QUOTA, pn_str_cstr(&s));
        /* default sorts as what it is when the setting says so */
        sv_table_set_num(t, r, MC_QUOTA, m->quota_bytes >= 0 ? m->quota_bytes : dflt_quota);
        if (m->spam_retention_days >= 0)
            sv_table_setf(t, r, MC_SPAM, "%d", m->spam_retention_days);
        else
            sv_table_set(t, r, MC_SPAM, "default");
        sv_table_set_num(t, r, MC_SPAM, m->spam_retention_days);
        pn_str_reset(&s);
        for (size_t k = 0; k < m->nforwards; k++)
            pn_str_appendf(&s, "%s%s", k ? ", " : "", m->forwards[k]);
        if (m->nforwards && m->forward_keep_copy)
            pn_str_append(&s, " (keeps a copy)");
        sv_table_set(t, r, MC_FORWARDS, pn_str_cstr(&s));
        sv_table_set(t, r, MC_DOMAIN, domain_of(m->address));
    }
    sv_table_done(t);
    pn_str_free(&s);
}

static void fill_groups(sv_table *t, const pn_group *list, size_t n)
{
    pn_str s = PN_STR_INIT;
    sv_table_clear(t);
    for (size_t i = 0; i < n; i++) {
        const pn_group *g = &list[i];
        size_t r = sv_table_add(t, g->address);
        sv_table_set(t, r, GC_ADDRESS, g->address);
        sv_table_set(t, r, GC_ENABLED, g->enabled ? "yes" : "no");
        sv_table_setf(t, r, GC_COUNT, "%zu", g->nmembers);
        sv_table_set_num(t, r, GC_COUNT, (int64_t)g->nmembers);
        pn_str_reset(&s);
        for (size_t k = 0; k < g->nmembers; k++)
            pn_str_appendf(&s, "%s%s", k ? ", " : "", g->members[k]);
        sv_table_set(t, r, GC_MEMBERS, pn_str_cstr(&s));
        sv_table_set(t, r, GC_DOMAIN, domain_of(g->address));
        if (!g->enabled)
            sv_table_set_role(t, r, PN_ROLE_ROW_HOLD);
    }
    sv_table_done(t);
    pn_str_free(&s);
}

static void fill_publics(sv_table *t, const pn_public *list, size_t n)
{
    pn_str s = PN_STR_INIT;
    sv_table_clear(t);
    for (size_t i = 0; i < n; i++) {
        const pn_public *p = &list[i];
        size_t r = sv_table_add(t, p->name);
        sv_table_set(t, r, PC_NAME, p->name);
        sv_table_setf(t, r, PC_COUNT, "%zu", p->nowners);
        sv_table_set_num(t, r, PC_COUNT, (int64_t)p->nowners);
        pn_str_reset(&s);
        mb_owners_text(&s, p);
        sv_table_set(t, r, PC_OWNERS, pn_str_cstr(&s));
    }
    sv_table_done(t);
    pn_str_free(&s);
}

/* ---- quota usage (doveadm quota get -A, in a job) --------------------------- */

#define USAGE_EVERY_MS 60000
#define JOB_USAGE "quota usage"

typedef struct usage_job {
    pn_ctx *ctx;
    pn_quota_usage *list;
    size_t n;
    bool ok;
} usage_job;

static void usage_run(pn_job *job, void *data)
{
    (void)job;
    usage_job *j = data;
    pn_err err = PN_ERR_INIT;
    j->ok = pn_dovecot_quota_all(j->ctx, &j->list, &j->n, &err);
    pn_err_clear(&err);   /* the column says n/a; `postern mailbox usage` says why */
}

static void usage_done(void *st, void *data, bool cancelled)
{
    mailboxes_screen *m = st;
    usage_job *j = data;
    if (!cancelled) {
        pn_quota_usage_list_free(m->usage, m->nusage);
        m->usage = j->ok ? j->list : NULL;
        m->nusage = j->ok ? j->n : 0;
        m->usage_failed = !j->ok;
        m->usage_at = pn_app_now_ms(m->base.app);
        if (!m->usage_at)
            m->usage_at = 1;
        sv_screen_reload(&m->base);   /* shows it; too fresh to fetch again */
    } else if (j->ok) {
        pn_quota_usage_list_free(j->list, j->n);
    }
    free(j);
}

static void usage_fetch(mailboxes_screen *m)
{
    int64_t now = pn_app_now_ms(m->base.app);
    if ((m->usage_at && now - m->usage_at < USAGE_EVERY_MS) ||
        pn_app_job_running(m->base.app, JOB_USAGE))
        return;
    usage_job *j = pn_calloc(1, sizeof(*j));
    j->ctx = pn_app_ctx(m->base.app);
    if (!j->ctx || !pn_app_start_job(m->base.app, JOB_USAGE, usage_run, usage_done, m, j))
        free(j);
}

/* The USED cell of each mailbox: "80K 4%", "80K" without a limit, "n/a". */
static void fill_usage(mailboxes_screen *m)
{
    sv_table *t = &m->tables[MB_MAILBOXES];
    for (size_t r = 0; r < t->n; r++) {
        const pn_quota_usage *u = NULL;
        for (size_t i = 0; i < m->nusage && !u; i++)
            if (m->usage[i].user && !strcasecmp(m->usage[i].user, t->keys[r]))
                u = &m->usage[i];
        if (!u) {
            sv_table_set(t, r, MC_USED, m->usage_at && !m->usage_failed ? "-" : "n/a");
            continue;
        }
        pn_str s = PN_STR_INIT;
        pn_text_size(&s, u->storage_used);
        if (u->storage_limit >= 0)
            pn_str_appendf(&s, " %d%%", u->storage_percent);
        sv_table_set(t, r, MC_USED, pn_str_cstr(&s));
        sv_table_set_num(t, r, MC_USED, u->storage_used);
        pn_str_free(&s);
    }
    sv_table_done(t);   /* column widths and the order follow the new cells */
}

static bool mailboxes_load(sv_screen *base, pn_store *st, pn_err *err)
{
    mailboxes_screen *m = (mailboxes_screen *)base;
    pn_store_state rows;
    if (!pn_store_begin_read(st, err))
        return false;
    bool ok = pn_store_state_load(st, &rows, err);
    int64_t dflt_quota = pn_store_setting_int(st, "mailbox.default_quota", -1);
    pn_store_end_read(st);
    if (!ok)
        return false;
    fill_mailboxes(&m->tables[MB_MAILBOXES], rows.mailboxes, rows.nmailboxes, dflt_quota);
    fill_usage(m);
    usage_fetch(m);
    fill_groups(&m->tables[MB_GROUPS], rows.groups, rows.ngroups);
    fill_publics(&m->tables[MB_PUBLIC], rows.publics, rows.npublics);
    pn_store_state_free(&m->rows);
    m->rows = rows;
    return true;
}

/* ---- the kind switch ------------------------------------------------------------- */

static size_t kind_count(const mailboxes_screen *m, mb_kind k)
{
    const pn_store_state *r = &m->rows;
    return k == MB_MAILBOXES ? r->nmailboxes : k == MB_GROUPS ? r->ngroups : r->npublics;
}

/* The core's filter belongs to the list shown: it is cleared before another
 * list takes its place. */
static void switch_kind(mailboxes_screen *m, mb_kind k)
{
    if (k == m->kind)
        return;
    pn_app_set_filter(m->base.app, "");
    m->kind = k;
}

static int kind_action(mailboxes_screen *m, const pn_command *cmd)
{
    if (!cmd->args.n) {
        switch_kind(m, (mb_kind)((m->kind + 1) % MB_KINDS));
        return PN_DIRTY_LAYOUT;
    }
    for (int k = 0; k < MB_KINDS; k++)
        if (!strcmp(cmd->args.v[0], kind_names[k])) {
            switch_kind(m, (mb_kind)k);
            return PN_DIRTY_LAYOUT;
        }
    pn_app_flash(m->base.app, PN_ROLE_STATUS_ERROR,
                 "kind: unknown kind '%s' (mailboxes, groups, public)", cmd->args.v[0]);
    return PN_DIRTY_DRAW;
}

static const char *explain_target(sv_screen *base)
{
    mailboxes_screen *m = (mailboxes_screen *)base;
    if (m->kind == MB_PUBLIC) {
        pn_app_flash(base->app, PN_ROLE_STATUS_WARN, "explain: a public mailbox has no address "
                     "of its own; explain an address that delivers to it");
        return NULL;
    }
    const char *key = sv_table_cursor_key(&m->tables[m->kind]);
    if (!key)
        pn_app_flash(base->app, PN_ROLE_STATUS_WARN, "explain: no %s under the cursor",
                     m->kind == MB_GROUPS ? "group" : "mailbox");
    return key;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static void *mailboxes_create(pn_app *app)
{
    mailboxes_screen *m = pn_calloc(1, sizeof(*m));
    sv_screen_init(&m->base, app);
    m->base.load = mailboxes_load;
    m->base.explain_target = explain_target;
    sv_table_init(&m->tables[MB_MAILBOXES], mailbox_columns, MC_N);
    sv_table_init(&m->tables[MB_GROUPS], group_columns, GC_N);
    sv_table_init(&m->tables[MB_PUBLIC], public_columns, PC_N);
    sv_screen_reload(&m->base);
    return m;
}

static void mailboxes_destroy(void *st)
{
    mailboxes_screen *m = st;
    pn_quota_usage_list_free(m->usage, m->nusage);
    sv_form_free(&m->form);
    sv_screen_fini(&m->base);
    for (int k = 0; k < MB_KINDS; k++)
        sv_table_free(&m->tables[k]);
    pn_store_state_free(&m->rows);
    free(m);
}

static int mailboxes_tick(void *st, int64_t now_ms)
{
    return sv_screen_tick(st, now_ms);
}

static int mailboxes_action(void *st, const pn_command *cmd)
{
    mailboxes_screen *m = st;
    switch (cmd->action) {
    case PN_A_C_KIND:
        return kind_action(m, cmd);
    case PN_A_C_ADD:
        return mb_open_add(m);
    case PN_A_OPEN:
    case PN_A_C_EDIT:
        return mb_open_edit(m);
    case PN_A_Q_DELETE:
        return mb_delete(m);
    default:
        return sv_screen_action(&m->base, cmd);
    }
}

/* "[Mailboxes 3]  Groups 1  Public mailboxes 1    x: next kind" */
static void draw_kinds(mailboxes_screen *m, pn_canvas *c, pn_rect area)
{
    int x = area.x;
    pn_str t = PN_STR_INIT;
    for (int k = 0; k < MB_KINDS && x < area.x + area.w; k++) {
        pn_str_reset(&t);
        bool on = k == (int)m->kind;
        pn_str_appendf(&t, "%s%s %zu%s", on ? "[" : " ", kind_titles[k], kind_count(m, (mb_kind)k),
                       on ? "]" : " ");
        x += pn_draw_text(c, area.y, x, area.x + area.w - x, on ? PN_ROLE_TAB_ACTIVE : PN_ROLE_TAB,
                          pn_str_cstr(&t));
        x += 1;
    }
    pn_str_free(&t);
    const char *hint = "kind (x) switches";
    int hw = (int)strlen(hint);
    if (x + 2 + hw <= area.x + area.w)
        pn_draw_text(c, area.y, area.x + area.w - hw, hw, PN_ROLE_DIM, hint);
}

static void mailboxes_draw(void *st, pn_canvas *c, pn_rect area)
{
    mailboxes_screen *m = st;
    if (sv_screen_draw_problem(&m->base, c, area) || area.h < 3)
        return;
    draw_kinds(m, c, area);
    pn_rect body = {area.y + 1, area.x, area.h - 1, area.w};
    pn_draw_list(c, body, &m->tables[m->kind].lm);
    if (kind_count(m, m->kind) == 0) {
        static const char *const none[MB_KINDS] = {"No mailboxes", "No groups",
                                                   "No public mailboxes"};
        char *t = pn_sprintf("%s yet%s", none[m->kind],
                             pn_app_read_only(m->base.app) ? "." : ": a adds one.");
        pn_draw_text(c, body.y + 2, body.x + 2, body.w - 4, PN_ROLE_DIM, t);
        free(t);
    }
}

static void mailboxes_status(void *st, pn_str *out)
{
    mailboxes_screen *m = st;
    const pn_store_state *r = &m->rows;
    pn_str_appendf(out, "%zu mailbox%s  %zu group%s  %zu public", r->nmailboxes,
                   r->nmailboxes == 1 ? "" : "es", r->ngroups, r->ngroups == 1 ? "" : "s",
                   r->npublics);
}

static pn_listmodel *mailboxes_list(void *st)
{
    mailboxes_screen *m = st;
    return &m->tables[m->kind].lm;
}

static void *mailboxes_filter_compile(void *st, const char *text, pn_err *err)
{
    mailboxes_screen *m = st;
    return sv_filter_compile(&m->tables[m->kind], text, err);
}

static bool mailboxes_go_to(void *st, const char *target)
{
    mailboxes_screen *m = st;
    for (int k = 0; k < MB_KINDS; k++) {
        sv_table *t = &m->tables[k];
        if (sv_table_find(t, target) == SIZE_MAX)
            continue;
        switch_kind(m, (mb_kind)k);
        if (!pn_listmodel_goto_key(&t->lm, target)) {
            pn_app_set_filter(m->base.app, "");
            pn_listmodel_goto_key(&t->lm, target);
        }
        return true;
    }
    return false;
}

static const char *const kind_values[] = {"mailboxes", "groups", "public", NULL};
static const char *const sort_mailboxes[] = {"address", "name", "access", "quota", "used", "spam",
                                             "forwards", "domain", NULL};
static const char *const sort_groups[] = {"address", "enabled", "count", "members", "domain",
                                          NULL};
static const char *const sort_publics[] = {"name", "count", "owners", NULL};

static const char *const *mailboxes_arg_values(void *st, pn_action_id a)
{
    mailboxes_screen *m = st;
    if (a == PN_A_C_KIND)
        return kind_values;
    if (a == PN_A_SORT)
        return m->kind == MB_MAILBOXES ? sort_mailboxes
                                       : m->kind == MB_GROUPS ? sort_groups : sort_publics;
    return NULL;
}

static bool mailboxes_ready(void *st)
{
    return ((mailboxes_screen *)st)->base.loaded;
}

static const pn_action_id mailboxes_hints[] = {
    PN_A_C_KIND, PN_A_C_ADD, PN_A_C_EDIT, PN_A_Q_DELETE, PN_A_C_EXPLAIN, PN_A_C_APPLY,
    PN_A_C_JOURNAL, PN_A_NONE,
};

extern const pn_screen_ops pn_screen_mailboxes;
const pn_screen_ops pn_screen_mailboxes = {
    .name = "mailboxes",
    .title = "Mailboxes",
    .help = "Mailboxes (access, quota, forwards), groups and public mailboxes; x switches",
    .available = true,
    .create = mailboxes_create,
    .destroy = mailboxes_destroy,
    .tick = mailboxes_tick,
    .action = mailboxes_action,
    .draw = mailboxes_draw,
    .status = mailboxes_status,
    .list = mailboxes_list,
    .filter_compile = mailboxes_filter_compile,
    .filter_free = sv_filter_free,
    .arg_values = mailboxes_arg_values,
    .go_to = mailboxes_go_to,
    .hints = mailboxes_hints,
    .ready = mailboxes_ready,
};
