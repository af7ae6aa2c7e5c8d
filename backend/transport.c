/* transport.c - the transport-independent part of transport.h.
 *
 * Callers never use t->ops directly: these thin wrappers check their
 * arguments, and pn_run_ok() turns "the command ran but failed" into an error
 * naming the command, its exit status and the first line of its stderr. The
 * implementations live in transport_local.c (and later transport_ssh.c). */
#include "transport.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

/* The longest stderr excerpt quoted in a pn_run_ok() error. */
#define PN_RUN_OK_ERRLINE_MAX 300

void pn_run_result_free(pn_run_result *res)
{
    if (!res)
        return;
    pn_str_free(&res->out);
    pn_str_free(&res->err);
    *res = (pn_run_result)PN_RUN_RESULT_INIT;
}

/* ops->destroy releases the implementation's own state (t->impl); the
 * common fields and the struct itself are freed here. */
void pn_transport_free(pn_transport *t)
{
    if (!t)
        return;
    if (t->ops && t->ops->destroy)
        t->ops->destroy(t);
    free(t->host);
    free(t);
}

static bool check_transport(pn_transport *t, pn_err *err)
{
    if (!t || !t->ops)
        return pn_err_set(err, PN_E_INTERNAL, "no transport");
    return true;
}

bool pn_run(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
            pn_run_result *res, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!argv || !argv[0] || !argv[0][0])
        return pn_err_set(err, PN_E_INVALID, "run: empty command");
    return t->ops->run(t, argv, opts, res, err);
}

static const char *cmd_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Append ": <first non-blank line of stderr>" sanitised for display, or
 * nothing when the command wrote nothing useful to stderr. */
static void append_first_line(pn_str *msg, const pn_str *errout)
{
    const char *p = pn_str_cstr(errout);
    const char *end = p + errout->len;
    while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
        p++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)((nl ? nl : end) - p);
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    bool cut = n > PN_RUN_OK_ERRLINE_MAX;
    if (cut)
        n = PN_RUN_OK_ERRLINE_MAX;
    pn_str_append(msg, ": ");
    pn_utf8_sanitize(msg, p, n, 0);
    if (cut)
        pn_str_append(msg, "...");
}

bool pn_run_ok(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
               pn_run_result *res, pn_err *err)
{
    pn_run_result local = PN_RUN_RESULT_INIT;
    pn_run_result *r = res ? res : &local;
    bool ok = pn_run(t, argv, opts, r, err);
    if (ok && (r->cancelled || r->exit_code != 0)) {
        const char *name = cmd_basename(argv[0]);
        pn_str msg = PN_STR_INIT;
        if (r->cancelled)
            pn_str_appendf(&msg, "%s was cancelled", name);
        else if (r->term_signal)
            pn_str_appendf(&msg, "%s was killed by signal %d (%s)", name,
                           r->term_signal, strsignal(r->term_signal));
        else
            pn_str_appendf(&msg, "%s exited with status %d", name, r->exit_code);
        append_first_line(&msg, &r->err);
        ok = pn_err_set(err, PN_E_EXEC, "%s", pn_str_cstr(&msg));
        pn_str_free(&msg);
    }
    if (!res)
        pn_run_result_free(&local);
    return ok;
}

bool pn_read_file(pn_transport *t, const char *path, size_t cap, pn_str *out, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!path || !path[0])
        return pn_err_set(err, PN_E_INVALID, "read: empty path");
    return t->ops->read_file(t, path, cap, out, err);
}

bool pn_write_file(pn_transport *t, const char *path, const void *data, size_t len,
                   int mode, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!path || !path[0])
        return pn_err_set(err, PN_E_INVALID, "write: empty path");
    if (!data && len)
        return pn_err_set(err, PN_E_INVALID, "write %s: no data", path);
    if (mode > 07777)
        return pn_err_set(err, PN_E_INVALID, "write %s: invalid mode %o", path, (unsigned)mode);
    return t->ops->write_file(t, path, data ? data : "", len, mode, err);
}

bool pn_stat_path(pn_transport *t, const char *path, pn_stat *st, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!path || !path[0])
        return pn_err_set(err, PN_E_INVALID, "stat: empty path");
    return t->ops->stat(t, path, st, err);
}

bool pn_list_dir(pn_transport *t, const char *path, pn_dirent_cb cb, void *ctx, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!path || !path[0])
        return pn_err_set(err, PN_E_INVALID, "list: empty path");
    if (!cb)
        return pn_err_set(err, PN_E_INVALID, "list %s: no callback", path);
    return t->ops->list_dir(t, path, cb, ctx, err);
}

/* The tree operations share one shape: a transport and a non-empty path. */
static bool check_path(pn_transport *t, const char *what, const char *path, pn_err *err)
{
    if (!check_transport(t, err))
        return false;
    if (!path || !path[0])
        return pn_err_set(err, PN_E_INVALID, "%s: empty path", what);
    return true;
}

bool pn_mkdir(pn_transport *t, const char *path, int mode, pn_err *err)
{
    return check_path(t, "mkdir", path, err) && t->ops->mkdir(t, path, mode, err);
}

bool pn_symlink(pn_transport *t, const char *target, const char *linkpath, pn_err *err)
{
    return check_path(t, "symlink", linkpath, err) && check_path(t, "symlink", target, err) &&
           t->ops->symlink(t, target, linkpath, err);
}

bool pn_readlink(pn_transport *t, const char *path, pn_str *out, pn_err *err)
{
    return check_path(t, "readlink", path, err) && t->ops->readlink(t, path, out, err);
}

bool pn_rename(pn_transport *t, const char *from, const char *to, pn_err *err)
{
    return check_path(t, "rename", from, err) && check_path(t, "rename", to, err) &&
           t->ops->rename(t, from, to, err);
}

bool pn_remove(pn_transport *t, const char *path, pn_err *err)
{
    if (!check_path(t, "remove", path, err))
        return false;
    if (!strcmp(path, "/"))
        return pn_err_set(err, PN_E_INVALID, "remove: refusing to remove /");
    return t->ops->remove(t, path, err);
}

bool pn_sync_tree(pn_transport *t, const char *path, pn_err *err)
{
    return check_path(t, "sync", path, err) && t->ops->sync_tree(t, path, err);
}

bool pn_chgrp(pn_transport *t, const char *path, const char *group, pn_err *err)
{
    if (!check_path(t, "chgrp", path, err))
        return false;
    if (!group || !group[0])
        return pn_err_set(err, PN_E_INVALID, "chgrp %s: empty group", path);
    return t->ops->chgrp(t, path, group, err);
}

bool pn_set_mtime(pn_transport *t, const char *path, int64_t mtime, pn_err *err)
{
    return check_path(t, "set mtime", path, err) && t->ops->set_mtime(t, path, mtime, err);
}
