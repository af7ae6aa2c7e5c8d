/* store_view_apply.c - the views the store screens share beyond their
 * lists (store_view.h):
 *
 *   apply    plan in a background job (pn_apply_plan_make) -> the diff in a
 *            text view over a confirmation (Cancel focused) -> pn_apply_run
 *            in a job -> the result: the generation now live and what was
 *            reloaded, or the failure and whether the previous generation
 *            was put back;
 *   journal  every change, newest first, with the generation that put it
 *            into effect ("pending" until an apply does);
 *   explain  where mail to an address goes, as an indented tree, then
 *            "Ends up in".
 *
 * The jobs open their own connection to the state DB, so the loop thread
 * keeps reading through the shared one while they run. */
#include "store_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "db.h"
#include "explain.h"
#include "util/mem.h"

#define JOB_PLAN "Planning apply"
#define JOB_APPLY "Applying"

typedef struct sv_apply_run {
    sv_screen *s;
    pn_ctx *ctx;
    char *db_path;
    pn_job *job;
    bool ok;
    pn_err err;
    pn_apply_plan plan;
    pn_apply_result res;
} apply_run;

static void run_free(apply_run *r)
{
    if (r->s->applying == r)
        r->s->applying = NULL;
    pn_apply_plan_clear(&r->plan);
    pn_apply_result_clear(&r->res);
    pn_err_clear(&r->err);
    free(r->db_path);
    free(r);
}

void sv_apply_discard(sv_screen *s)
{
    if (s->applying)
        run_free(s->applying);
}

/* A store on a connection of the job's own. */
static bool job_store(apply_run *r, sqlite3 **db, pn_store **st)
{
    *db = pn_db_open_state(r->db_path, &r->err);
    if (!*db)
        return false;
    *st = pn_store_new(*db, r->ctx, NULL);
    return true;
}

static void job_store_close(sqlite3 *db, pn_store *st)
{
    pn_store_free(st);
    if (db)
        pn_db_close(db);
}

static bool on_progress(void *arg, const char *step)
{
    apply_run *r = arg;
    (void)step;
    return !pn_job_cancelled(r->job);
}

static void apply_job(pn_job *job, void *data)
{
    apply_run *r = data;
    r->job = job;
    sqlite3 *db = NULL;
    pn_store *st = NULL;
    if (job_store(r, &db, &st)) {
        pn_apply_opts opts = {.progress = on_progress, .arg = r};
        r->ok = pn_apply_run(r->ctx, st, &opts, &r->res, &r->err);
    }
    job_store_close(db, st);
}

static void services_text(pn_str *out, bool postfix, bool dovecot)
{
    if (postfix && dovecot)
        pn_str_append(out, "Postfix and Dovecot");
    else if (postfix)
        pn_str_append(out, "Postfix");
    else if (dovecot)
        pn_str_append(out, "Dovecot");
    else
        pn_str_append(out, "nothing (no service needed a reload)");
}

static void apply_done(void *st, void *data, bool cancelled)
{
    apply_run *r = data;
    sv_screen *s = st;
    sv_store_changed(s->store);
    sv_screen_reload(s);
    pn_str t = PN_STR_INIT;
    const pn_apply_result *res = &r->res;
    if (r->ok) {
        if (res->generation > 0) {
            pn_str_appendf(&t, "Generation %lld is live.\nReloaded: ", (long long)res->generation);
            services_text(&t, res->plan.reload_postfix, res->plan.reload_dovecot);
            pn_str_append(&t, ".\n");
        } else {
            pn_str_append(&t, "Nothing was different: no new generation.\n");
        }
        pn_app_flash(s->app, PN_ROLE_STATUS_OK, "apply: %s", res->generation > 0
                     ? "done, the stored state is in effect" : "nothing to change");
    } else {
        pn_str_appendf(&t, "Apply failed: %s\n\n", pn_err_msg(&r->err));
        if (res->rolled_back && res->plan.live_generation > 0)
            pn_str_appendf(&t, "A step after the swap failed: the previous generation (%lld) was "
                               "put back and reloaded.\n", (long long)res->plan.live_generation);
        else if (res->rolled_back)
            pn_str_append(&t, "A step after the swap failed: the previous configuration was put "
                              "back and reloaded.\n");
        else
            pn_str_append(&t, "The live configuration was not changed.\n");
        pn_str_append(&t, "The changes stay pending; fix the cause and apply again.\n");
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "apply failed%s: %s",
                     res->rolled_back ? " and was rolled back" : "", pn_err_msg(&r->err));
    }
    if (res->log && *res->log)
        pn_str_appendf(&t, "\nSteps:\n%s", res->log);
    if (!cancelled)             /* cancelled: also when the console quits */
        pn_app_show_text(s->app, r->ok ? "Apply" : "Apply failed", pn_str_cstr(&t));
    pn_str_free(&t);
    run_free(r);
}

static void confirm_answer(void *st, bool yes)
{
    apply_run *r = st;
    sv_screen *s = r->s;
    if (!yes) {
        pn_app_flash(s->app, PN_ROLE_STATUS, "apply cancelled: nothing was changed");
        run_free(r);
        return;
    }
    pn_apply_plan_clear(&r->plan);
    if (!pn_app_start_job(s->app, JOB_APPLY, apply_job, apply_done, s, r)) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "apply: another apply is running");
        run_free(r);
    }
}

static void plan_job(pn_job *job, void *data)
{
    apply_run *r = data;
    r->job = job;
    pn_job_progress(job, -1);
    sqlite3 *db = NULL;
    pn_store *st = NULL;
    if (job_store(r, &db, &st))
        r->ok = pn_apply_plan_make(r->ctx, st, &r->plan, &r->err);
    job_store_close(db, st);
}

static void plan_summary(pn_str *out, const pn_apply_plan *p)
{
    pn_str_appendf(out, "Apply the stored state as generation %lld? ", (long long)p->generation);
    /* per service: how many files or parameters, how many lines */
    static const char *const services[] = {"postfix", "dovecot", NULL};
    bool any = false;
    for (size_t s = 0; services[s]; s++) {
        size_t n = 0, added = 0, removed = 0;
        for (size_t i = 0; i < p->nchanges; i++)
            if (!strcmp(p->changes[i].service, services[s])) {
                n++;
                added += p->changes[i].added;
                removed += p->changes[i].removed;
            }
        if (!n)
            continue;
        pn_str_appendf(out, "%s%s: %zu item%s (+%zu -%zu lines)", any ? ", " : "",
                       s == 0 ? "Postfix" : "Dovecot", n, n == 1 ? "" : "s", added, removed);
        any = true;
    }
    pn_str_append(out, any ? ". " : "No file changes. ");
    pn_str_appendf(out, "%zu pending change%s in the journal. Reloads ", p->pending,
                   p->pending == 1 ? "" : "s");
    services_text(out, p->reload_postfix, p->reload_dovecot);
    pn_str_append(out, "; if a step fails after the swap, the previous generation comes back.");
}

static void plan_done(void *st, void *data, bool cancelled)
{
    apply_run *r = data;
    sv_screen *s = st;
    if (cancelled) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "apply: planning cancelled, nothing changed");
        run_free(r);
        return;
    }
    if (!r->ok) {
        pn_app_error(s->app, "Apply", pn_err_msg(&r->err));
        run_free(r);
        return;
    }
    const pn_apply_plan *p = &r->plan;
    if (!p->nchanges && !p->pending) {
        pn_app_flash(s->app, PN_ROLE_STATUS_OK, "apply: nothing to apply, generation %lld has the "
                     "stored state", (long long)p->live_generation);
        run_free(r);
        return;
    }
    pn_str msg = PN_STR_INIT;
    plan_summary(&msg, p);
    char *title = pn_sprintf("Apply generation %lld", (long long)p->generation);
    pn_confirm spec = {
        .title = title,
        .message = pn_str_cstr(&msg),
        .yes_label = "Apply",
        .count = p->nchanges,
    };
    pn_app_confirm(s->app, &spec, confirm_answer, r);
    free(title);
    pn_str_free(&msg);
    /* The diff goes over the confirmation: read it, close it (q), then
     * answer. */
    title = pn_sprintf("What apply changes (generation %lld; q closes, then confirm)",
                       (long long)p->generation);
    pn_app_show_text(s->app, title, p->diff && *p->diff ? p->diff : "(no file changes)\n");
    free(title);
}

void sv_apply_start(sv_screen *s)
{
    if (s->applying || pn_app_job_running(s->app, JOB_PLAN) ||
        pn_app_job_running(s->app, JOB_APPLY)) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "apply: already under way");
        return;
    }
    apply_run *r = pn_calloc(1, sizeof(*r));
    r->s = s;
    r->ctx = s->ctx;
    r->db_path = pn_strdup(s->ctx && s->ctx->cfg && s->ctx->cfg->state_db ? s->ctx->cfg->state_db
                                                                           : "");
    s->applying = r;
    if (!pn_app_start_job(s->app, JOB_PLAN, plan_job, plan_done, s, r)) {
        run_free(r);
        return;
    }
    pn_app_flash(s->app, PN_ROLE_STATUS, "apply: working out what changes...");
}

/* ---- journal ------------------------------------------------------------------------ */

static bool journal_line(const pn_journal_entry *e, void *arg)
{
    pn_str *out = arg;
    char when[32] = "";
    time_t t = (time_t)e->at;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    char gen[24];
    if (e->generation < 0)
        snprintf(gen, sizeof(gen), "pending");
    else
        snprintf(gen, sizeof(gen), "gen %lld", (long long)e->generation);
    pn_str_appendf(out, "%-8s %-16s  %s %s  by %s\n", gen, when, e->action ? e->action : "",
                   e->entity ? e->entity : "", e->actor ? e->actor : "?");
    return true;
}

#define JOURNAL_SHOWN 2000

void sv_journal_show(sv_screen *s)
{
    pn_store *st = sv_store_get(s->store);
    pn_str t = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    pn_str_append(&t, "Every change to the state store, newest first. \"pending\": not in effect "
                      "yet (apply puts it into effect); \"gen N\": applied by generation N.\n\n");
    pn_str_appendf(&t, "%-8s %-16s  %s\n", "GEN", "WHEN", "CHANGE");
    size_t header = t.len;
    if (!pn_store_journal_each(st, JOURNAL_SHOWN, journal_line, &t, &err)) {
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "journal: %s", pn_err_msg(&err));
        pn_err_clear(&err);
        pn_str_free(&t);
        return;
    }
    if (t.len == header)
        pn_str_append(&t, "(no changes yet)\n");
    pn_app_show_text(s->app, "Journal", pn_str_cstr(&t));
    pn_str_free(&t);
}

/* ---- explain ------------------------------------------------------------------------ */

void sv_explain_show(sv_screen *s, const char *address)
{
    pn_store *st = sv_store_get(s->store);
    pn_explain e;
    memset(&e, 0, sizeof(e));
    pn_err err = PN_ERR_INIT;
    if (!pn_explain_address(st, address, &e, &err)) {
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "explain: %s", pn_err_msg(&err));
        pn_err_clear(&err);
        pn_explain_clear(&e);
        return;
    }
    pn_str t = PN_STR_INIT;
    pn_str_append(&t, "By the stored state (what the next apply puts into effect):\n\n");
    for (size_t i = 0; i < e.nsteps; i++)
        pn_str_appendf(&t, "%*s%s\n", 2 * e.steps[i].depth, "", e.steps[i].text);
    pn_str_append(&t, "\nEnds up in:\n");
    if (!e.nfinals)
        pn_str_append(&t, "  nothing: the message is rejected\n");
    for (size_t i = 0; i < e.nfinals; i++)
        pn_str_appendf(&t, "  %s\n", e.finals[i]);
    char *title = pn_sprintf("Where mail to %s goes", address);
    pn_app_show_text(s->app, title, pn_str_cstr(&t));
    free(title);
    pn_str_free(&t);
    pn_explain_clear(&e);
}
