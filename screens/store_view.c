/* store_view.c - the state store as the Domains, Mailboxes and Addresses
 * screens see it (store_view.h): one shared connection, a change serial,
 * the "N changes not applied" badge in the title bar, and the common part
 * of the three screens (load when the serial moves, refresh, the problem
 * panel, and the apply / journal / explain actions).
 *
 * The console runs one app, so the connection is one refcounted object for
 * the screens that acquire it. Commits by other processes (the CLI in
 * another terminal) are seen through PRAGMA data_version at the refresh
 * interval; a write made here bumps the serial at once. In read-only mode
 * the DB is opened read-only and never created or migrated. */
#include "store_view.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "util/mem.h"

struct sv_store {
    pn_app *app;
    int refs;
    sqlite3 *db;
    pn_store *st;
    char *error;
    uint64_t serial;
    int64_t data_version;
    int64_t pending;           /* -1: unknown */
    int64_t due_ms;            /* next look for outside commits */
};

static sv_store *shared;

static int64_t data_version(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void update_badge(sv_store *s)
{
    int64_t n = -1;
    if (s->st && !pn_store_pending_count(s->st, &n, NULL))
        n = -1;
    s->pending = n;
    if (n <= 0) {
        pn_app_set_badge(s->app, NULL);
        return;
    }
    char *t = pn_sprintf("%lld change%s not applied", (long long)n, n == 1 ? "" : "s");
    pn_app_set_badge(s->app, t);
    free(t);
}

static void open_store(sv_store *s)
{
    pn_ctx *ctx = pn_app_ctx(s->app);
    pn_err err = PN_ERR_INIT;
    const char *path = ctx && ctx->cfg ? ctx->cfg->state_db : NULL;
    if (!path || !*path) {
        s->error = pn_strdup("no state DB is configured (state_db in postern.yaml)");
        return;
    }
    if (pn_app_read_only(s->app)) {
        size_t n = 0;
        const pn_migration *m = pn_db_migrations(&n);
        s->db = pn_db_open_with(path, m, n, true, &err);
    } else {
        s->db = pn_db_open_state(path, &err);
    }
    if (!s->db) {
        s->error = pn_strdup(pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    s->st = pn_store_new(s->db, ctx, NULL);
    s->data_version = data_version(s->db);
}

sv_store *sv_store_acquire(pn_app *app)
{
    if (shared) {
        shared->refs++;
        return shared;
    }
    sv_store *s = pn_calloc(1, sizeof(*s));
    s->app = app;
    s->refs = 1;
    s->serial = 1;
    s->pending = -1;
    open_store(s);
    update_badge(s);
    shared = s;
    return s;
}

void sv_store_release(sv_store *s)
{
    if (!s || --s->refs > 0)
        return;
    pn_store_free(s->st);
    if (s->db)
        pn_db_close(s->db);
    free(s->error);
    free(s);
    if (shared == s)
        shared = NULL;
}

pn_store *sv_store_get(sv_store *s)
{
    return s ? s->st : NULL;
}

const char *sv_store_error(const sv_store *s)
{
    return s && s->error ? s->error : "the state DB is not open";
}

uint64_t sv_store_serial(const sv_store *s)
{
    return s->serial;
}

int64_t sv_store_pending(const sv_store *s)
{
    return s->pending;
}

void sv_store_changed(sv_store *s)
{
    if (!s->db) {
        free(s->error);
        s->error = NULL;
        open_store(s);
    }
    s->serial++;
    if (s->db)
        s->data_version = data_version(s->db);
    update_badge(s);
}

void sv_store_tick(sv_store *s, int64_t now_ms)
{
    if (!s->db || now_ms < s->due_ms)
        return;
    int interval = pn_app_refresh_interval(s->app);
    s->due_ms = now_ms + (interval > 0 ? interval : 5) * 1000;
    if (interval <= 0 || pn_app_paused(s->app) || pn_app_modal(s->app))
        return;
    int64_t v = data_version(s->db);
    if (v != s->data_version) {
        s->data_version = v;
        s->serial++;
        update_badge(s);
    }
}

/* ---- the common part of the screens ------------------------------------------------ */

void sv_screen_init(sv_screen *s, pn_app *app)
{
    s->app = app;
    s->ctx = pn_app_ctx(app);
    s->store = sv_store_acquire(app);
}

void sv_screen_fini(sv_screen *s)
{
    sv_delete_discard(s);
    sv_apply_discard(s);
    sv_store_release(s->store);
    free(s->error);
    s->store = NULL;
    s->error = NULL;
}

void sv_screen_reload(sv_screen *s)
{
    pn_store *st = sv_store_get(s->store);
    s->loaded_serial = sv_store_serial(s->store);
    s->loaded = true;
    free(s->error);
    s->error = NULL;
    if (!st || !s->load)
        return;
    pn_err err = PN_ERR_INIT;
    if (!s->load(s, st, &err))
        s->error = pn_strdup(pn_err_msg(&err));
    pn_err_clear(&err);
}

int sv_screen_tick(sv_screen *s, int64_t now_ms)
{
    sv_store_tick(s->store, now_ms);
    if (s->loaded && s->loaded_serial == sv_store_serial(s->store))
        return PN_DIRTY_NONE;
    if (pn_app_modal(s->app) && s->loaded)
        return PN_DIRTY_NONE;   /* a form or dialog may point at these rows */
    sv_screen_reload(s);
    return PN_DIRTY_DRAW;
}

pn_store *sv_screen_store(sv_screen *s, const char *action)
{
    pn_store *st = sv_store_get(s->store);
    if (!st)
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "%s: %s", action, sv_store_error(s->store));
    return st;
}

int sv_screen_action(sv_screen *s, const pn_command *cmd)
{
    switch (cmd->action) {
    case PN_A_REFRESH:
        sv_store_changed(s->store);
        sv_screen_reload(s);
        return PN_DIRTY_DRAW;
    case PN_A_C_APPLY:
        if (sv_screen_store(s, "apply"))
            sv_apply_start(s);
        return PN_DIRTY_DRAW;
    case PN_A_C_JOURNAL:
        if (sv_screen_store(s, "journal"))
            sv_journal_show(s);
        return PN_DIRTY_DRAW;
    case PN_A_C_EXPLAIN: {
        if (!sv_screen_store(s, "explain"))
            return PN_DIRTY_DRAW;
        char *arg = cmd->args.n ? pn_argv_join(&cmd->args, " ") : NULL;
        const char *target = arg ? arg : (s->explain_target ? s->explain_target(s) : NULL);
        if (target)
            sv_explain_show(s, target);
        else if (!s->explain_target)
            pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "explain: give an address (explain ADDRESS)");
        free(arg);
        return PN_DIRTY_DRAW;
    }
    default:
        return PN_UNHANDLED;
    }
}

bool sv_screen_draw_problem(sv_screen *s, pn_canvas *c, pn_rect area)
{
    const char *what = NULL, *why = NULL;
    if (!sv_store_get(s->store)) {
        what = "Cannot open the state DB:";
        why = sv_store_error(s->store);
    } else if (s->error) {
        what = "Cannot read the state DB:";
        why = s->error;
    }
    if (!what)
        return false;
    pn_draw_text(c, area.y + 1, area.x + 1, area.w - 2, PN_ROLE_STATUS_ERROR, what);
    pn_draw_text(c, area.y + 2, area.x + 1, area.w - 2, PN_ROLE_NORMAL, why);
    pn_draw_text(c, area.y + 4, area.x + 1, area.w - 2, PN_ROLE_DIM,
                 "F5 or Ctrl-R reads it again; postern doctor checks the setup.");
    return true;
}
