/* cli_logopts.c - the log options shared by `postern trace` and `postern
 * log`, and the time syntax of --since/--until. */
#include "cli_logopts.h"
#include "maillog_index.h"
#include "util/timearg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

bool pn_cli_logopt(const char *noun, pn_cli_logopts *o, int argc, char **argv, int *i, int *rc)
{
    const char *a = argv[*i];
    const char *names[] = {"--log", "--since", "--until", "--host"};
    int which = -1;
    const char *val = NULL;
    for (int k = 0; k < 4; k++) {
        size_t ln = strlen(names[k]);
        if (!strcmp(a, names[k])) {
            which = k;
            if (*i + 1 >= argc) {
                *rc = pn_cli_usage(noun, "%s needs a value", a);
                return true;
            }
            val = argv[++*i];
        } else if (!strncmp(a, names[k], ln) && a[ln] == '=') {
            which = k;
            val = a + ln + 1;
        }
        if (which >= 0)
            break;
    }
    if (which < 0)
        return false;
    if (which == 0) {
        pn_argv_add(&o->logs, val);
    } else if (which == 3) {
        o->host = val;
    } else {
        int64_t us;
        if (!pn_time_parse_arg(val, (int64_t)time(NULL), &us)) {
            *rc = pn_cli_usage(noun, "%s: '%s' is not a time (RFC 3339, 'YYYY-MM-DD[ HH:MM[:SS]]'"
                               " or '2h'/'3d' ago)", names[which], val);
            return true;
        }
        if (which == 1)
            o->since_us = us;
        else
            o->until_us = us;
    }
    return true;
}

bool pn_cli_logset(pn_cli *cli, const pn_cli_logopts *o, pn_logset *out)
{
    pn_err err = PN_ERR_INIT;
    bool ok;
    if (o->logs.n) {
        ok = pn_logset_open(NULL, (const char *const *)o->logs.v, o->logs.n, true, out, &err);
    } else {
        pn_ctx *ctx = pn_cli_ctx(cli);
        if (!ctx)
            return false;
        ok = pn_logset_open(ctx, NULL, 0, false, out, &err);
    }
    if (!ok) {
        pn_cli_fail("logs", &err);
        pn_err_clear(&err);
    }
    return ok;
}

void pn_cli_logopts_free(pn_cli_logopts *o)
{
    pn_argv_free(&o->logs);
}

bool pn_cli_indexopt(const char *noun, pn_cli_logopts *o, int argc, char **argv, int *i, int *rc)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-index")) {
        o->no_index = true;
        return true;
    }
    if (!strcmp(a, "--index")) {
        if (*i + 1 >= argc || !*argv[*i + 1]) {
            *rc = pn_cli_usage(noun, "--index needs a file name");
            return true;
        }
        o->index = argv[++*i];
        return true;
    }
    if (!strncmp(a, "--index=", 8)) {
        if (!a[8]) {
            *rc = pn_cli_usage(noun, "--index needs a file name");
            return true;
        }
        o->index = a + 8;
        return true;
    }
    return false;
}

bool pn_cli_logindex(pn_cli *cli, const pn_cli_logopts *o, struct pn_logindex **out)
{
    *out = NULL;
    if (o->no_index)
        return true;
    pn_err err = PN_ERR_INIT;
    struct stat st;
    if (o->index) {
        if (stat(o->index, &st) != 0) {
            pn_err_set(&err, PN_E_NOTFOUND, "--index %s: no such file (postern log index "
                                            "--index %s builds it)", o->index, o->index);
            pn_cli_fail("logs", &err);
            pn_err_clear(&err);
            return false;
        }
        *out = pn_logindex_open(NULL, o->index, &err);
        if (!*out) {
            pn_cli_fail("logs", &err);
            pn_err_clear(&err);
            return false;
        }
        return true;
    }
    if (o->logs.n)
        return true;   /* files given by hand: the configured index is not about them */
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx || !ctx->cfg || !ctx->cfg->state_db || !*ctx->cfg->state_db)
        return true;
    char *path = pn_logindex_default_path(ctx);
    if (stat(path, &st) == 0) {
        *out = pn_logindex_open(ctx, path, &err);
        if (!*out) {
            fprintf(stderr, "postern: the log index is not used (the files are scanned): %s\n",
                    pn_err_msg(&err));
            pn_err_clear(&err);
        }
    }
    free(path);
    return true;
}

bool pn_cli_logsources(pn_cli *cli, const pn_cli_logopts *o, pn_logset *ls,
                       struct pn_logindex **ix)
{
    *ix = NULL;
    if (!pn_cli_logset(cli, o, ls))
        return false;
    if (!pn_cli_logindex(cli, o, ix)) {
        pn_logset_free(ls);
        return false;
    }
    return true;
}
