/* postfix.c - facts about the managed Postfix instance (see postfix.h). */
#include "postfix.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const queue_names[PN_POSTFIX_NQUEUES] = {PN_POSTFIX_QUEUES};

const char *pn_postfix_queue_name(int i)
{
    return (i >= 0 && i < PN_POSTFIX_NQUEUES) ? queue_names[i] : "?";
}

bool pn_postfix_params(pn_ctx *ctx, const char *const *names, size_t n, char **values,
                       pn_err *err)
{
    pn_argv argv = PN_ARGV_INIT;
    pn_argv_addv(&argv, "postconf", "-c", ctx->cfg->postfix_config_dir, "-h", NULL);
    for (size_t i = 0; i < n; i++)
        pn_argv_add(&argv, names[i]);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_run_ok(ctx->tr, (const char *const *)pn_argv_items(&argv), NULL, &res, err);
    pn_argv_free(&argv);
    if (!ok) {
        pn_run_result_free(&res);
        return false;
    }
    const char *p = pn_str_cstr(&res.out);
    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        values[i] = pn_strndup(p, len);
        p = nl ? nl + 1 : p + len;
    }
    pn_run_result_free(&res);
    return true;
}

char *pn_postfix_param(pn_ctx *ctx, const char *name, pn_err *err)
{
    char *value = NULL;
    if (!pn_postfix_params(ctx, &name, 1, &value, err))
        return NULL;
    return value;
}

bool pn_postfix_lookup_types(pn_ctx *ctx, pn_argv *out, pn_err *err)
{
    const char *argv[] = {"postconf", "-c", ctx->cfg->postfix_config_dir, "-m", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    if (!pn_run_ok(ctx->tr, argv, NULL, &res, err)) {
        pn_run_result_free(&res);
        return false;
    }
    char *save = NULL;
    for (char *tok = strtok_r(res.out.s ? res.out.s : (char *)"", "\n", &save); tok;
         tok = strtok_r(NULL, "\n", &save))
        if (*tok)
            pn_argv_add(out, tok);
    pn_run_result_free(&res);
    return true;
}

bool pn_postfix_running(pn_ctx *ctx, pn_err *err)
{
    const char *argv[] = {"postfix", "-c", ctx->cfg->postfix_config_dir, "status", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ran = pn_run(ctx->tr, argv, NULL, &res, err);
    bool running = ran && res.exit_code == 0;
    if (ran && !running)
        pn_err_set(err, PN_E_NOTFOUND, "the Postfix mail system is not running (postfix -c %s status exited %d)",
                   ctx->cfg->postfix_config_dir, res.exit_code);
    pn_run_result_free(&res);
    return running;
}

typedef struct walk {
    pn_ctx *ctx;
    const char *dir;
    long count;
    int depth;
    bool failed;
} walk;

static bool count_entry(void *vctx, const char *name, pn_ftype type)
{
    walk *w = vctx;
    if (type == PN_FT_FILE) {
        w->count++;
    } else if (type == PN_FT_DIR && w->depth < 4) {
        /* deferred/ and friends are hashed into subdirectories */
        char *sub = pn_sprintf("%s/%s", w->dir, name);
        walk inner = {w->ctx, sub, 0, w->depth + 1, false};
        if (!pn_list_dir(w->ctx->tr, sub, count_entry, &inner, NULL))
            w->failed = true;
        w->count += inner.count;
        w->failed |= inner.failed;
        free(sub);
    }
    return true;
}

bool pn_postfix_queue_counts(pn_ctx *ctx, const char *queue_dir, pn_queue_counts *out,
                             pn_err *err)
{
    bool any = false;
    for (int i = 0; i < PN_POSTFIX_NQUEUES; i++) {
        char *dir = pn_sprintf("%s/%s", queue_dir, queue_names[i]);
        walk w = {ctx, dir, 0, 0, false};
        pn_err e = PN_ERR_INIT;
        if (pn_list_dir(ctx->tr, dir, count_entry, &w, &e) && !w.failed) {
            out->count[i] = w.count;
            any = true;
        } else {
            out->count[i] = -1;
            if (e.code != PN_OK)
                pn_err_set(err, e.code, "%s", pn_err_msg(&e));
        }
        pn_err_clear(&e);
        free(dir);
    }
    if (!any)
        return pn_err_set(err, PN_E_IO, "cannot read any queue under %s", queue_dir);
    return true;
}

long pn_postfix_version_number(const char *version)
{
    char *end;
    long major = strtol(version, &end, 10);
    if (end == version || *end != '.')
        return -1;
    const char *p = end + 1;
    long minor = strtol(p, &end, 10);
    if (end == p)
        return -1;
    long patch = 0;
    if (*end == '.') {
        p = end + 1;
        patch = strtol(p, &end, 10);
        if (end == p)
            patch = 0;
    }
    return major * 1000000 + minor * 1000 + patch;
}
