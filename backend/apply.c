/* apply.c - the apply pipeline (apply.h): plan, stage, validate, swap,
 * reload, roll back, record the generation. Services are driven through
 * the transport; the state DB is local. */
#include "apply.h"
#include "apply_internal.h"
#include "render.h"
#include "util/argv.h"
#include "util/diff.h"
#include "util/mem.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pn_apply_plan_clear(pn_apply_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nchanges; i++) {
        free(p->changes[i].service);
        free(p->changes[i].name);
        free(p->changes[i].diff);
    }
    free(p->changes);
    free(p->diff);
    *p = (pn_apply_plan){0};
}

void pn_apply_result_clear(pn_apply_result *r)
{
    if (!r)
        return;
    pn_apply_plan_clear(&r->plan);
    free(r->log);
    *r = (pn_apply_result){0};
}

/* ---- the run's working state ---- */

void ap_log(ap_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pn_str line = PN_STR_INIT;
    pn_str_vappendf(&line, fmt, ap);
    va_end(ap);
    pn_str_append(&r->log, pn_str_cstr(&line));
    pn_str_appendc(&r->log, '\n');
    pn_str_free(&line);
}

bool ap_step(ap_run *r, const char *step)
{
    ap_log(r, "%s", step);
    if (r->opts && r->opts->progress && !r->opts->progress(r->opts->arg, step))
        return false;
    return true;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return pn_strdup(".");
    if (slash == path)
        return pn_strdup("/");
    return pn_strndup(path, (size_t)(slash - path));
}

static bool init_run(ap_run *r, pn_ctx *ctx, pn_store *st, const pn_apply_opts *opts,
                     pn_err *err)
{
    *r = (ap_run){.ctx = ctx, .st = st, .opts = opts, .log = PN_STR_INIT};
    pn_config *cfg = ctx->cfg;
    r->root[PN_SVC_POSTFIX] = pn_sprintf("%s/postern", cfg->postfix_config_dir);
    char *dc = dir_of(cfg->dovecot_config_file);
    r->root[PN_SVC_DOVECOT] = pn_sprintf("%s/postern", dc);
    free(dc);
    for (int s = 0; s < PN_SVC_COUNT; s++)
        r->current[s] = pn_sprintf("%s/current", r->root[s]);
    /* lmdb: when Postfix has it (lmdb_table(5)), else hash: */
    const char *argv[] = {"postconf", "-c", cfg->postfix_config_dir, "-m", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    if (!pn_run_ok(ctx->tr, argv, NULL, &res, err)) {
        pn_run_result_free(&res);
        return false;
    }
    r->map_type = strstr(pn_str_cstr(&res.out), "\nlmdb\n") ||
                          !strncmp(pn_str_cstr(&res.out), "lmdb\n", 5)
                      ? "lmdb" : "hash";
    pn_run_result_free(&res);
    return true;
}

static void free_run(ap_run *r)
{
    for (int s = 0; s < PN_SVC_COUNT; s++) {
        free(r->root[s]);
        free(r->current[s]);
        for (size_t i = 0; i < r->nlive[s]; i++) {
            free(r->live_name[s][i]);
            pn_str_free(&r->live_text[s][i]);
        }
        free(r->live_name[s]);
        free(r->live_text[s]);
    }
    pn_render_out_clear(&r->out);
    for (size_t i = 0; i < r->nparams; i++) {
        free(r->params[i].want);
        free(r->params[i].live);
        free(r->params[i].site);
    }
    free(r->params);
    pn_str_free(&r->log);
}

void ap_paths(const ap_run *r, const char *pf_dir, const char *dc_dir, pn_render_paths *p)
{
    pn_config *cfg = r->ctx->cfg;
    *p = (pn_render_paths){pf_dir, dc_dir, r->map_type, cfg->dovecot_mail_root,
                           cfg->dovecot_public_dir, cfg->dovecot_mail_user,
                           cfg->dovecot_mail_group};
}

/* ---- live state: the current generation's files ---- */

int64_t ap_gen_of_link(ap_run *r, pn_service s)
{
    pn_str target = PN_STR_INIT;
    int64_t n = 0;
    if (pn_readlink(r->ctx->tr, r->current[s], &target, NULL)) {
        const char *t = pn_str_cstr(&target);
        const char *g = strstr(t, "gen-");
        if (g)
            n = strtoll(g + 4, NULL, 10);
    }
    pn_str_free(&target);
    return n;
}

static const pn_str *live_file(const ap_run *r, pn_service s, const char *name)
{
    for (size_t i = 0; i < r->nlive[s]; i++)
        if (!strcmp(r->live_name[s][i], name))
            return &r->live_text[s][i];
    return NULL;
}

static void load_live(ap_run *r)
{
    for (size_t i = 0; i < r->out.nfiles; i++) {
        const pn_render_file *f = &r->out.files[i];
        pn_service s = f->service;
        char *path = pn_sprintf("%s/%s", r->current[s], f->name);
        pn_str text = PN_STR_INIT;
        if (pn_read_file(r->ctx->tr, path, 0, &text, NULL)) {
            r->live_name[s] = pn_realloc(r->live_name[s], (r->nlive[s] + 1) * sizeof(char *));
            r->live_text[s] = pn_realloc(r->live_text[s], (r->nlive[s] + 1) * sizeof(pn_str));
            r->live_name[s][r->nlive[s]] = pn_strdup(f->name);
            r->live_text[s][r->nlive[s]++] = text;
        } else {
            pn_str_free(&text);
        }
        free(path);
    }
}

/* ---- main.cf parameters ---- */

/* "name = value" lines of `postconf -n` for the managed names. */
static bool read_params(ap_run *r, pn_err *err)
{
    pn_argv argv = {0};
    pn_argv_addv(&argv, "postconf", "-c", r->ctx->cfg->postfix_config_dir, "-n", NULL);
    for (size_t i = 0; i < r->out.nparams; i++)
        pn_argv_add(&argv, r->out.params[i].name);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_run_ok(r->ctx->tr, (const char *const *)argv.v, NULL, &res, err);
    pn_argv_free(&argv);
    if (!ok) {
        pn_run_result_free(&res);
        return false;
    }
    r->params = pn_calloc(r->out.nparams, sizeof(*r->params));
    r->nparams = r->out.nparams;
    for (size_t i = 0; i < r->nparams; i++)
        r->params[i].name = r->out.params[i].name;
    const char *p = pn_str_cstr(&res.out);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t nlen = (size_t)(eq - p);
            while (nlen && p[nlen - 1] == ' ')
                nlen--;
            const char *v = eq + 1;
            while (*v == ' ')
                v++;
            for (size_t i = 0; i < r->nparams; i++)
                if (strlen(r->params[i].name) == nlen && !strncmp(r->params[i].name, p, nlen)) {
                    free(r->params[i].live);
                    r->params[i].live = pn_strndup(v, (size_t)(p + len - v));
                }
        }
        p += len + (nl ? 1 : 0);
    }
    pn_run_result_free(&res);
    return true;
}

/* The site part: recorded at the first take-over; before that, the live
 * value minus postern's own part (a state DB lost after a take-over). */
static void site_params(ap_run *r)
{
    sqlite3 *db = pn_store_db(r->st);
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(db, "SELECT value FROM apply_site_params WHERE name = ?1", -1, &s, NULL);
    for (size_t i = 0; i < r->nparams; i++) {
        ap_param *p = &r->params[i];
        const pn_render_param *rp = &r->out.params[i];
        if (rp->owned)
            continue;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
        if (s && sqlite3_step(s) == SQLITE_ROW) {
            p->site = pn_strdup((const char *)sqlite3_column_text(s, 0));
            continue;
        }
        p->record_site = true;
        const char *live = p->live ? p->live : "";
        size_t own = strlen(rp->value);
        if (!strncmp(live, rp->value, own) && (live[own] == '\0' || live[own] == ','))
            live += own + (live[own] == ',');
        while (*live == ' ' || *live == ',')
            live++;
        p->site = pn_strdup(live);
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < r->nparams; i++) {
        ap_param *p = &r->params[i];
        const char *mine = r->out.params[i].value;
        p->want = p->site && p->site[0] ? pn_sprintf("%s, %s", mine, p->site) : pn_strdup(mine);
        p->changed = !p->live || strcmp(p->live, p->want);
    }
}

/* ---- the plan ---- */

static const char *mask_secret(const char *line, size_t len, pn_str *buf)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || line[0] == '#')
        return line;
    pn_str_appendn(buf, line, (size_t)(colon - line));
    pn_str_append(buf, ":(password hash)");
    return buf->s;
}

static void add_change(pn_apply_plan *plan, const char *service, const char *name,
                       pn_change_kind kind, pn_str *diff, size_t added, size_t removed)
{
    plan->changes = pn_realloc(plan->changes, (plan->nchanges + 1) * sizeof(*plan->changes));
    plan->changes[plan->nchanges++] = (pn_apply_change){
        pn_strdup(service), pn_strdup(name), kind, pn_str_steal(diff), added, removed};
}

static void make_plan(ap_run *r, pn_apply_plan *plan)
{
    pn_str all = PN_STR_INIT;
    for (size_t i = 0; i < r->out.nfiles; i++) {
        const pn_render_file *f = &r->out.files[i];
        const pn_str *live = live_file(r, f->service, f->name);
        if (live && live->len == f->text.len && !memcmp(live->s, f->text.s, f->text.len))
            continue;
        char *a = pn_sprintf("%s/%s", r->current[f->service], f->name);
        pn_str d = PN_STR_INIT;
        size_t add = 0, rem = 0;
        pn_diff_unified(&d, live ? a : "/dev/null", a, live ? live->s : NULL,
                        live ? live->len : 0, f->text.s, f->text.len,
                        f->secret ? mask_secret : NULL, &add, &rem);
        free(a);
        pn_str_append(&all, pn_str_cstr(&d));
        add_change(plan, pn_service_name(f->service), f->name,
                   live ? PN_CHANGE_MODIFY : PN_CHANGE_ADD, &d, add, rem);
        /* Dovecot re-reads a changed passwd-file by itself, but checks it at
         * most once a second (db-passwd-file.c), so a login right after the
         * swap could still see the old one: reload it for any change
         * (backend-mapping.md says no reload is needed; this is why we do). */
        if (f->service == PN_SVC_POSTFIX)
            plan->reload_postfix = true;
        else
            plan->reload_dovecot = true;
        r->files_changed[f->service] = true;
    }
    for (size_t i = 0; i < r->nparams; i++) {
        ap_param *p = &r->params[i];
        if (!p->changed)
            continue;
        pn_str d = PN_STR_INIT;
        pn_str_appendf(&d, "--- main.cf %s\n+++ main.cf %s\n@@ %s +1 @@\n", p->name, p->name,
                       p->live ? "-1" : "-0,0");
        if (p->live)
            pn_str_appendf(&d, "-%s = %s\n", p->name, p->live);
        pn_str_appendf(&d, "+%s = %s\n", p->name, p->want);
        pn_str_append(&all, pn_str_cstr(&d));
        char *name = pn_sprintf("main.cf %s", p->name);
        add_change(plan, "postfix", name, p->live ? PN_CHANGE_MODIFY : PN_CHANGE_ADD, &d,
                   1, p->live ? 1 : 0);
        free(name);
        plan->reload_postfix = true;
    }
    plan->diff = pn_str_steal(&all);
}

/* Render from one snapshot and compare with what is live. */
static bool plan_run(ap_run *r, pn_apply_plan *plan, pn_err *err)
{
    *plan = (pn_apply_plan){0};
    pn_render_paths paths;
    ap_paths(r, r->current[PN_SVC_POSTFIX], r->current[PN_SVC_DOVECOT], &paths);
    if (!pn_store_begin_read(r->st, err))
        return false;
    bool ok = pn_render(r->st, &paths, &r->out, err) && ap_db_max_journal(r, err) &&
              ap_db_pending(r, &plan->pending, err);
    pn_store_end_read(r->st);
    if (!ok || !read_params(r, err))
        return false;
    site_params(r);
    load_live(r);
    r->live_gen = ap_gen_of_link(r, PN_SVC_POSTFIX);
    plan->live_generation = r->live_gen;
    plan->generation = ap_db_next_gen(r);
    make_plan(r, plan);
    return true;
}

bool pn_apply_plan_make(pn_ctx *ctx, pn_store *st, pn_apply_plan *plan, pn_err *err)
{
    ap_run r;
    *plan = (pn_apply_plan){0};
    if (!init_run(&r, ctx, st, NULL, err)) {
        free_run(&r);
        return false;
    }
    bool ok = plan_run(&r, plan, err);
    free_run(&r);
    return ok;
}

static bool run_common(pn_ctx *ctx, pn_store *st, const pn_apply_opts *opts,
                       int64_t reverted_from, pn_apply_result *res, pn_err *err)
{
    *res = (pn_apply_result){0};
    if (!(opts && opts->dry_run) && !pn_ctx_check_write(ctx, "apply", err))
        return false;
    ap_run r;
    if (!init_run(&r, ctx, st, opts, err)) {
        free_run(&r);
        return false;
    }
    int lock = -1;
    bool ok = true;
    if (!(opts && opts->dry_run)) {
        ok = ap_lock(&r, &lock, err) && ap_recover(&r, err);
    }
    ok = ok && plan_run(&r, &res->plan, err);
    if (ok && !(opts && opts->dry_run)) {
        r.reverted_from = reverted_from;
        ok = ap_execute(&r, res, err);
    }
    res->log = pn_str_steal(&r.log);
    ap_unlock(lock);
    free_run(&r);
    return ok;
}

bool pn_apply_run(pn_ctx *ctx, pn_store *st, const pn_apply_opts *opts, pn_apply_result *res,
                  pn_err *err)
{
    return run_common(ctx, st, opts, 0, res, err);
}

bool pn_apply_revert(pn_ctx *ctx, pn_store *st, int64_t gen, const pn_apply_opts *opts,
                     pn_apply_result *res, pn_err *err)
{
    *res = (pn_apply_result){0};
    if (!pn_ctx_check_write(ctx, "revert", err))
        return false;
    int64_t target = gen;
    if (!ap_restore_snapshot(st, ctx, &target, err))
        return false;
    pn_apply_opts o = opts ? *opts : (pn_apply_opts){0};
    o.dry_run = false;
    return run_common(ctx, st, &o, target, res, err);
}
