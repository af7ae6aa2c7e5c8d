/* apply_exec.c - the part of an apply run that touches the services:
 * stage the generation, validate it with the services' own tools, swap the
 * current links, set main.cf parameters, reload what changed, check, and
 * roll back when anything after the swap fails. */
#include "apply_internal.h"
#include "dovecot.h"
#include "util/argv.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RELOAD_TIMEOUT_MS 60000

/* The stage has a fixed name so that the validation copy of main.cf (which
 * names the staged tables) stays the same from one run to the next:
 * Postfix waits until a freshly written main.cf is a second old before it
 * reads it. */
static char *gen_dir(const ap_run *r, pn_service s, int64_t gen, bool stage)
{
    if (stage)
        return pn_sprintf("%s/stage", r->root[s]);
    return pn_sprintf("%s/gen-%lld", r->root[s], (long long)gen);
}

/* Postfix reads a main.cf modified within the last second only once it is
 * older (it dozes 300 ms at a time: 1-2 s), so that it never reads one
 * half written. Ours are whole (renamed into place, or postconf -e is
 * done): date them a few seconds back. */
static void backdate(ap_run *r, const char *path)
{
    if (!pn_set_mtime(r->ctx->tr, path, (int64_t)time(NULL) - 3, NULL))
        ap_log(r, "  (could not date %s back: Postfix will wait for it)", path);
}

/* Write path only when its content differs. */
static bool write_if_changed(ap_run *r, const char *path, const pn_str *text, pn_err *err)
{
    pn_str old = PN_STR_INIT;
    bool same = pn_read_file(r->ctx->tr, path, 0, &old, NULL) && old.len == text->len &&
                !memcmp(old.s, text->s, text->len);
    pn_str_free(&old);
    if (same)
        return true;
    if (!pn_write_file(r->ctx->tr, path, text->s, text->len, 0644, err))
        return false;
    backdate(r, path);
    return true;
}

static bool run_argv(ap_run *r, pn_argv *argv, const char *input, pn_run_result *res,
                     pn_err *err)
{
    pn_run_opts o = {0};
    o.timeout_ms = RELOAD_TIMEOUT_MS;
    if (input) {
        o.stdin_data = input;
        o.stdin_len = strlen(input);
    }
    char *line = pn_argv_join(argv, " ");
    ap_log(r, "  $ %s", line);
    free(line);
    return pn_run_ok(r->ctx->tr, (const char *const *)argv->v, &o, res, err);
}

static bool run_simple(ap_run *r, pn_err *err, ...)
{
    pn_argv argv = {0};
    va_list ap;
    va_start(ap, err);
    for (const char *a; (a = va_arg(ap, const char *));)
        pn_argv_add(&argv, a);
    va_end(ap);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = run_argv(r, &argv, NULL, &res, err);
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

/* ---- stage ---- */

static bool write_stage(ap_run *r, int64_t gen, pn_err *err)
{
    pn_transport *tr = r->ctx->tr;
    for (int s = 0; s < PN_SVC_COUNT; s++) {
        char *stage = gen_dir(r, s, gen, true);
        bool ok = pn_mkdir(tr, r->root[s], 0755, err) && pn_remove(tr, stage, err) &&
                  pn_mkdir(tr, stage, 0755, err);
        free(stage);
        if (!ok)
            return false;
    }
    pn_argv postmap = {0};
    pn_argv_addv(&postmap, "postmap", "-c", r->ctx->cfg->postfix_config_dir, NULL);
    for (size_t i = 0; i < r->out.nfiles; i++) {
        const pn_render_file *f = &r->out.files[i];
        char *stage = gen_dir(r, f->service, gen, true);
        char *path = pn_sprintf("%s/%s", stage, f->name);
        bool ok = pn_write_file(tr, path, f->text.s, f->text.len, f->mode, err);
        /* the password hashes: root and the Dovecot auth group only */
        if (ok && f->secret)
            ok = pn_chgrp(tr, path, r->ctx->cfg->dovecot_auth_group, err);
        if (f->map)
            pn_argv_addf(&postmap, "%s:%s", r->map_type, path);
        free(path);
        free(stage);
        if (!ok) {
            pn_argv_free(&postmap);
            return false;
        }
    }
    ap_step(r, "compiling the lookup tables (postmap)");
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = run_argv(r, &postmap, NULL, &res, err);
    pn_run_result_free(&res);
    pn_argv_free(&postmap);
    return ok;
}

/* ---- validate ---- */

/* main.cf text with the definitions of names[i] (and their continuation
 * lines) replaced by "name = values[i]"; names not defined are appended.
 * Used only for the validation copy: the live main.cf is edited with
 * postconf -e. */
static void edit_main_cf(const pn_str *in, const pn_argv *names, const pn_argv *values,
                         pn_str *out)
{
    bool *done = pn_calloc(names->n + 1, sizeof(bool));
    const char *p = pn_str_cstr(in);
    bool skipping = false;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        bool continuation = (*p == ' ' || *p == '\t') && len > 1;
        if (continuation && skipping) {
            p += len;
            continue;
        }
        skipping = false;
        size_t k = names->n;
        if (!continuation)
            for (k = 0; k < names->n; k++) {
                size_t n = strlen(names->v[k]);
                const char *q = p + n;
                if (strncmp(p, names->v[k], n))
                    continue;
                while (*q == ' ' || *q == '\t')
                    q++;
                if (*q == '=')
                    break;
            }
        if (k < names->n) {
            pn_str_appendf(out, "%s = %s\n", names->v[k], values->v[k]);
            done[k] = true;
            skipping = true;
        } else {
            pn_str_appendn(out, p, len);
            if (!nl)
                pn_str_appendc(out, '\n');
        }
        p += len;
    }
    for (size_t k = 0; k < names->n; k++)
        if (!done[k])
            pn_str_appendf(out, "%s = %s\n", names->v[k], values->v[k]);
    free(done);
}

/* main.cf values for tables under the stage directory. */
static char *staged_value(const ap_run *r, size_t i, const char *pf_stage)
{
    pn_render_paths paths;
    ap_paths(r, pf_stage, r->current[PN_SVC_DOVECOT], &paths);
    pn_render_param *params;
    size_t n;
    pn_render_params(&paths, &params, &n);
    char *mine = i < n ? pn_strdup(params[i].value) : pn_strdup("");
    for (size_t k = 0; k < n; k++)
        free(params[k].value);
    free(params);
    const char *site = r->params[i].site;
    if (site && site[0]) {
        char *v = pn_sprintf("%s, %s", mine, site);
        free(mine);
        return v;
    }
    return mine;
}

static bool validate_postfix(ap_run *r, int64_t gen, pn_err *err)
{
    pn_transport *tr = r->ctx->tr;
    const char *live = r->ctx->cfg->postfix_config_dir;
    char *stage = gen_dir(r, PN_SVC_POSTFIX, gen, true);
    /* a copy of the live main.cf and master.cf with the managed parameters
     * naming the staged tables; kept between runs (see gen_dir) */
    char *conf = pn_sprintf("%s/validate", r->root[PN_SVC_POSTFIX]);
    bool ok = pn_mkdir(tr, conf, 0755, err);
    static const char *const files[] = {"main.cf", "master.cf"};
    for (size_t i = 0; ok && i < 2; i++) {
        char *from = pn_sprintf("%s/%s", live, files[i]);
        char *to = pn_sprintf("%s/%s", conf, files[i]);
        pn_str text = PN_STR_INIT;
        ok = pn_read_file(tr, from, 0, &text, err);
        if (ok && i == 0) {
            pn_argv names = {0}, values = {0};
            for (size_t k = 0; k < r->nparams; k++) {
                char *v = staged_value(r, k, stage);
                pn_argv_add(&names, r->params[k].name);
                pn_argv_add(&values, v);
                free(v);
            }
            pn_str edited = PN_STR_INIT;
            edit_main_cf(&text, &names, &values, &edited);
            pn_str_free(&text);
            text = edited;
            pn_argv_free(&names);
            pn_argv_free(&values);
        }
        ok = ok && write_if_changed(r, to, &text, err);
        pn_str_free(&text);
        free(from);
        free(to);
    }
    if (ok) {
        ap_step(r, "validating: postconf -n (warnings are errors)");
        pn_argv argv = {0};
        pn_argv_addv(&argv, "postconf", "-c", conf, "-n", NULL);
        pn_run_result res = PN_RUN_RESULT_INIT;
        ok = run_argv(r, &argv, NULL, &res, err);
        if (ok && strstr(pn_str_cstr(&res.err), "warning")) {
            const char *e = pn_str_cstr(&res.err);
            const char *nl = strchr(e, '\n');
            ok = pn_err_set(err, PN_E_EXEC, "validation: postconf -n warned: %.*s",
                            (int)(nl ? nl - e : (long)strlen(e)), e);
        }
        pn_run_result_free(&res);
        pn_argv_free(&argv);
    }
    if (ok) {
        ap_step(r, "validating: postfix check");
        ok = run_simple(r, err, "postfix", "-c", conf, "check", NULL);
        if (!ok)
            pn_err_prefix(err, "validation");
    }
    /* probe lookups against the staged tables */
    for (size_t m = 0; ok && m < r->out.nfiles; m++) {
        const pn_render_file *f = &r->out.files[m];
        if (!f->map)
            continue;
        pn_str keys = PN_STR_INIT;
        size_t nkeys = 0;
        for (size_t i = 0; i < r->out.nprobes; i++)
            if (!strcmp(r->out.probes[i].map, f->name)) {
                pn_str_append(&keys, r->out.probes[i].key);
                pn_str_appendc(&keys, '\n');
                nkeys++;
            }
        if (!nkeys) {
            pn_str_free(&keys);
            continue;
        }
        char *step = pn_sprintf("validating: %zu probe lookups in %s", nkeys, f->name);
        ap_step(r, step);
        free(step);
        pn_argv argv = {0};
        pn_argv_addv(&argv, "postmap", "-c", conf, "-q", "-", NULL);
        pn_argv_addf(&argv, "%s:%s/%s", r->map_type, stage, f->name);
        pn_run_result res = PN_RUN_RESULT_INIT;
        pn_run_opts o = {.stdin_data = keys.s, .stdin_len = keys.len,
                         .timeout_ms = RELOAD_TIMEOUT_MS};
        char *line = pn_argv_join(&argv, " ");
        ap_log(r, "  $ %s < %zu keys", line, nkeys);
        free(line);
        ok = pn_run(r->ctx->tr, (const char *const *)argv.v, &o, &res, err);
        /* postmap -q - exits 1 when some key is missing: compare below */
        if (ok) {
            pn_argv got = {0};
            const char *p = pn_str_cstr(&res.out);
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                pn_argv_addf(&got, "%.*s", (int)len, p);
                p += len + (nl ? 1 : 0);
            }
            size_t next = 0;
            for (size_t i = 0; ok && i < r->out.nprobes; i++) {
                const pn_render_probe *pr = &r->out.probes[i];
                if (strcmp(pr->map, f->name))
                    continue;
                size_t klen = strlen(pr->key);
                const char *found = NULL;
                /* postmap -q - answers in the order of its input, one line
                 * per key found: walk both in step, scan only after a miss */
                if (next < got.n && !strncasecmp(got.v[next], pr->key, klen) &&
                    got.v[next][klen] == '\t')
                    found = got.v[next++] + klen + 1;
                for (size_t g = 0; g < got.n && !found; g++)
                    if (!strncasecmp(got.v[g], pr->key, klen) && got.v[g][klen] == '\t')
                        found = got.v[g] + klen + 1;
                if (!found)
                    ok = pn_err_set(err, PN_E_EXEC, "validation: %s does not resolve %s",
                                    f->name, pr->key);
                else if (pr->want && strcmp(found, pr->want))
                    ok = pn_err_set(err, PN_E_EXEC,
                                    "validation: %s resolves %s to '%s', expected '%s'",
                                    f->name, pr->key, found, pr->want);
            }
            pn_argv_free(&got);
        }
        pn_run_result_free(&res);
        pn_argv_free(&argv);
        pn_str_free(&keys);
    }
    free(conf);
    free(stage);
    return ok;
}

static bool validate_dovecot(ap_run *r, int64_t gen, pn_err *err)
{
    pn_transport *tr = r->ctx->tr;
    const char *conf = r->ctx->cfg->dovecot_config_file;
    char *include = pn_sprintf("%s/dovecot.conf", r->current[PN_SVC_DOVECOT]);
    pn_str text = PN_STR_INIT;
    bool ok = pn_read_file(tr, conf, 0, &text, err);
    if (ok && !strstr(pn_str_cstr(&text), include))
        ok = pn_err_set(err, PN_E_CONFIG,
                        "dovecot: %s does not include postern's settings; add this line at"
                        " its end: !include_try %s", conf, include);
    if (ok) {
        ap_step(r, "validating: doveconf -n");
        char *stage = gen_dir(r, PN_SVC_DOVECOT, gen, true);
        char *staged = pn_sprintf("%s/dovecot.conf", stage);
        /* the site's configuration with postern's include pointing at the stage */
        pn_str copy = PN_STR_INIT;
        const char *p = pn_str_cstr(&text), *hit;
        while ((hit = strstr(p, include))) {
            pn_str_appendn(&copy, p, (size_t)(hit - p));
            pn_str_append(&copy, staged);
            p = hit + strlen(include);
        }
        pn_str_append(&copy, p);
        char *dir = pn_strndup(conf, (size_t)(strrchr(conf, '/') - conf));
        char *tmp = pn_sprintf("%s/.postern-validate.conf", dir);
        ok = pn_write_file(tr, tmp, copy.s, copy.len, 0600, err);
        if (ok) {
            pn_argv argv = {0};
            pn_argv_addv(&argv, "doveconf", "-n", "-c", tmp, NULL);
            pn_run_result res = PN_RUN_RESULT_INIT;
            ok = run_argv(r, &argv, NULL, &res, err);
            if (!ok)
                pn_err_prefix(err, "validation");
            pn_run_result_free(&res);
            pn_argv_free(&argv);
            pn_remove(tr, tmp, NULL);
        }
        free(tmp);
        free(dir);
        pn_str_free(&copy);
        free(staged);
        free(stage);
    }
    pn_str_free(&text);
    free(include);
    return ok;
}

/* ---- swap, reload, roll back ---- */

static bool swap_links(ap_run *r, int64_t gen, pn_err *err)
{
    for (int s = 0; s < PN_SVC_COUNT; s++) {
        char *target = pn_sprintf("gen-%lld", (long long)gen);
        bool ok = pn_symlink(r->ctx->tr, target, r->current[s], err);
        free(target);
        if (!ok)
            return false;
    }
    return true;
}

static bool set_params(ap_run *r, bool restore, pn_err *err)
{
    pn_argv e = {0}, x = {0};
    pn_argv_addv(&e, "postconf", "-c", r->ctx->cfg->postfix_config_dir, "-e", NULL);
    pn_argv_addv(&x, "postconf", "-c", r->ctx->cfg->postfix_config_dir, "-X", NULL);
    for (size_t i = 0; i < r->nparams; i++) {
        const ap_param *p = &r->params[i];
        if (!p->changed)
            continue;
        if (!restore)
            pn_argv_addf(&e, "%s=%s", p->name, p->want);
        else if (p->live)
            pn_argv_addf(&e, "%s=%s", p->name, p->live);
        else
            pn_argv_add(&x, p->name);
    }
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = true;
    if (e.n > 4)
        ok = run_argv(r, &e, NULL, &res, err);
    pn_run_result_free(&res);
    if (ok && x.n > 4)
        ok = run_argv(r, &x, NULL, &res, err);
    pn_run_result_free(&res);
    if (ok && (e.n > 4 || x.n > 4)) {
        char *main_cf = pn_sprintf("%s/main.cf", r->ctx->cfg->postfix_config_dir);
        backdate(r, main_cf);
        free(main_cf);
    }
    pn_argv_free(&e);
    pn_argv_free(&x);
    return ok;
}

static bool postfix_running(ap_run *r)
{
    const char *argv[] = {"postfix", "-c", r->ctx->cfg->postfix_config_dir, "status", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_run(r->ctx->tr, argv, NULL, &res, NULL) && res.exit_code == 0;
    pn_run_result_free(&res);
    return ok;
}

static bool reload(ap_run *r, const pn_apply_plan *plan, bool rollback, pn_err *err)
{
    const char *pf = r->ctx->cfg->postfix_config_dir;
    const char *dc = r->ctx->cfg->dovecot_config_file;
    if (plan->reload_postfix || r->force_reload) {
        if (r->postfix_up) {
            ap_step(r, rollback ? "rollback: reloading postfix" : "reloading postfix");
            if (!run_simple(r, err, "postfix", "-c", pf, "reload", NULL))
                return false;
        } else {
            ap_log(r, "postfix is not running: no reload");
        }
    }
    if (plan->reload_dovecot || r->force_reload) {
        ap_step(r, rollback ? "rollback: reloading dovecot" : "reloading dovecot");
        if (!run_simple(r, err, "doveadm", "-c", dc, "reload", NULL))
            return false;
    } else if (r->files_changed[PN_SVC_DOVECOT]) {
        /* passwd-files are re-read when they change; only a cache could hold old data */
        pn_err ignored = PN_ERR_INIT;
        if (!run_simple(r, &ignored, "doveadm", "-c", dc, "auth", "cache", "flush", NULL))
            ap_log(r, "  (auth cache flush: %s)", pn_err_msg(&ignored));
        pn_err_clear(&ignored);
    }
    return true;
}

/* After the reload: Postfix still runs, new Dovecot users resolve. */
static bool post_check(ap_run *r, bool was_running, pn_err *err)
{
    if (was_running && !postfix_running(r))
        return pn_err_set(err, PN_E_EXEC, "postfix is not running after the reload");
    if (!r->files_changed[PN_SVC_DOVECOT])
        return true;
    const pn_str *old = NULL;
    for (size_t i = 0; i < r->nlive[PN_SVC_DOVECOT]; i++)
        if (!strcmp(r->live_name[PN_SVC_DOVECOT][i], "users"))
            old = &r->live_text[PN_SVC_DOVECOT][i];
    size_t checked = 0;
    for (size_t i = 0; i < r->out.nusers && checked < 3; i++) {
        char *needle = pn_sprintf("\n%s:", r->out.users[i]);
        bool known = old && strstr(pn_str_cstr(old), needle);
        free(needle);
        if (known)
            continue;
        checked++;
        ap_step(r, "checking: doveadm user");
        if (!run_simple(r, err, "doveadm", "-c", r->ctx->cfg->dovecot_config_file, "user",
                        r->out.users[i], NULL))
            return false;
    }
    return true;
}

static void rollback(ap_run *r, const pn_apply_plan *plan, int64_t gen)
{
    ap_log(r, "rolling back to generation %lld", (long long)r->live_gen);
    pn_err e = PN_ERR_INIT;
    for (int s = 0; s < PN_SVC_COUNT; s++) {
        if (r->live_gen) {
            char *target = pn_sprintf("gen-%lld", (long long)r->live_gen);
            if (!pn_symlink(r->ctx->tr, target, r->current[s], &e))
                ap_log(r, "  %s", pn_err_msg(&e));
            free(target);
        } else {
            pn_remove(r->ctx->tr, r->current[s], NULL);
        }
        pn_err_clear(&e);
    }
    if (!set_params(r, true, &e))
        ap_log(r, "  %s", pn_err_msg(&e));
    pn_err_clear(&e);
    if (!reload(r, plan, true, &e))
        ap_log(r, "  %s", pn_err_msg(&e));
    pn_err_clear(&e);
    (void)gen;
}

/* Public mailboxes live in Dovecot, not in files: create their folders and
 * set their ACLs once the new users are in effect. A failure here leaves
 * the generation live (mail flows) and is reported. */
static bool sync_public(ap_run *r, int64_t gen, pn_err *err)
{
    pn_public *list = NULL;
    size_t n = 0;
    bool ok = pn_store_public_list(r->st, &list, &n, err);
    if (ok && n) {
        ap_step(r, "public mailboxes: folders and ACLs (doveadm)");
        pn_str log = PN_STR_INIT;
        ok = pn_dovecot_public_sync(r->ctx, list, n, r->ctx->cfg->dovecot_public_dir, &log, err);
        if (log.len)
            ap_log(r, "%s", pn_str_cstr(&log));
        pn_str_free(&log);
        if (!ok)
            pn_err_prefix(err, "generation %lld is live, but the public mailboxes are not in"
                               " place", (long long)gen);
    }
    pn_public_list_free(list, n);
    return ok;
}

bool ap_execute(ap_run *r, pn_apply_result *res, pn_err *err)
{
    pn_apply_plan *plan = &res->plan;
    if (!plan->nchanges && !r->force_reload) {
        ap_log(r, "nothing to apply: the running configuration matches the store");
        return ap_db_stamp_noop(r, err);
    }
    int64_t gen = plan->generation;
    char *step = pn_sprintf("staging generation %lld", (long long)gen);
    bool ok = ap_step(r, step);
    free(step);
    if (!ok)
        return pn_err_set(err, PN_E_INTERNAL, "apply cancelled before the swap");
    char *snapshot = NULL;
    ok = write_stage(r, gen, err) && validate_postfix(r, gen, err) &&
         validate_dovecot(r, gen, err) && ap_snapshot(r, gen, &snapshot, err);
    if (ok && !ap_step(r, "validated: swapping"))
        ok = pn_err_set(err, PN_E_INTERNAL, "apply cancelled before the swap");
    for (int s = 0; ok && s < PN_SVC_COUNT; s++) {
        char *stage = gen_dir(r, s, gen, true), *final = gen_dir(r, s, gen, false);
        ok = pn_sync_tree(r->ctx->tr, stage, err) && pn_rename(r->ctx->tr, stage, final, err);
        free(stage);
        free(final);
    }
    if (!ok) {
        ap_log(r, "failed before the swap: the running configuration is untouched (%s)",
               pn_err_msg(err));
        for (int s = 0; s < PN_SVC_COUNT; s++) {
            char *stage = gen_dir(r, s, gen, true);
            pn_remove(r->ctx->tr, stage, NULL);
            free(stage);
        }
        if (snapshot)
            remove(snapshot);
        free(snapshot);
        return false;
    }
    ok = ap_db_gen_insert(r, gen, snapshot, err);
    free(snapshot);
    if (!ok)
        return false;
    bool was_running = r->postfix_up = postfix_running(r);
    ok = swap_links(r, gen, err) && set_params(r, false, err) && reload(r, plan, false, err) &&
         post_check(r, was_running, err);
    if (!ok) {
        char *why = pn_strdup(pn_err_msg(err));
        rollback(r, plan, gen);
        res->rolled_back = true;
        ap_db_gen_status(r, gen, "rolled-back", why, NULL);
        pn_err_set(err, err->code ? err->code : PN_E_EXEC,
                   "%s; rolled back to generation %lld", why, (long long)r->live_gen);
        free(why);
        return false;
    }
    if (!ap_db_gen_live(r, gen, err))
        return false;
    res->generation = gen;
    res->changed = true;
    ap_log(r, "generation %lld is live", (long long)gen);
    ap_prune(r);
    return sync_public(r, gen, err);
}
