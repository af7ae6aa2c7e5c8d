/* dovecot_public.c - public mailboxes in the running Dovecot: make each
 * folder exist and make its ACL exactly its owner list, through doveadm as
 * the folder's delivery user (see dovecot.h for the layout and the ACL rule).
 *
 * Per public mailbox: `doveadm user -f mail pN@...` (the userdb must send
 * that user to <dir>/.<Name>), `doveadm mailbox create -u pN@... INBOX` when
 * the directory is missing, `doveadm -f tab acl get -u pN@... INBOX`, then
 * the `anyone` entry without rights (`acl set anyone lookup` + `acl remove
 * anyone lookup`: doveadm cannot set an empty entry in one call), `acl set`
 * for each wanted entry that is missing or differs and `acl delete` for each
 * entry that is not wanted.
 *
 * Why `anyone` with no rights: Dovecot applies the ACL file at the root of
 * the public directory (the namespace's default ACL) to every user that no
 * entry of the folder's own ACL names. Checked on the lab (Dovecot 2.3.19):
 * with a root "authenticated lrwstipekx", bob could open a folder whose ACL
 * named only alice. An entry for anyone, even an empty one, stops that. */
#include "dovecot.h"
#include "dovecot_internal.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Full rights (IMAP lrwstipekxa) in doveadm's names, in that order. */
static const char *const full_rights[] = {
    "lookup", "read", "write", "write-seen", "write-deleted", "insert",
    "post", "expunge", "create", "delete", "admin",
};
#define NFULL (sizeof(full_rights) / sizeof(full_rights[0]))

typedef struct acl_entry {
    char *id;
    bool global;
    char *rights;             /* space-separated names; "-name" is a negative right */
} acl_entry;

typedef struct acl_list {
    acl_entry *v;
    size_t n;
} acl_list;

static void acl_list_free(acl_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].rights);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static bool rights_empty(const char *rights)
{
    return rights[strspn(rights, " ")] == '\0';
}

/* True when rights is exactly the full set, with no negative right. */
static bool rights_are_full(const char *rights)
{
    bool seen[NFULL] = {false};
    char *copy = pn_strdup(rights);
    char *save = NULL;
    bool ok = true;
    for (char *tok = strtok_r(copy, " ", &save); tok && ok; tok = strtok_r(NULL, " ", &save)) {
        size_t i = 0;
        while (i < NFULL && strcmp(tok, full_rights[i]))
            i++;
        ok = i < NFULL;
        if (ok)
            seen[i] = true;
    }
    free(copy);
    for (size_t i = 0; i < NFULL && ok; i++)
        ok = seen[i];
    return ok;
}

/* Parses `doveadm -f tab acl get` output: ID, Global, Rights. */
static bool parse_acl(const char *text, acl_list *out, pn_err *err)
{
    char *copy = pn_strdup(text);
    char *save = NULL;
    bool header = true, ok = true;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!len)
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            ok = pn_err_set(err, PN_E_EXEC, "doveadm acl get: unexpected output (a line without "
                            "three columns)");
            break;
        }
        *t1 = *t2 = '\0';
        if (header) {
            header = false;
            if (strcmp(line, "ID") || strcmp(t1 + 1, "Global") || strcmp(t2 + 1, "Rights")) {
                ok = pn_err_set(err, PN_E_EXEC, "doveadm acl get: unexpected output (header is "
                                "not ID, Global, Rights)");
                break;
            }
            continue;
        }
        out->v = pn_realloc(out->v, (out->n + 1) * sizeof(*out->v));
        acl_entry *e = &out->v[out->n++];
        e->id = pn_strdup(line);
        e->global = t1[1] != '\0';
        e->rights = pn_strdup(t2 + 1);
    }
    free(copy);
    return ok;
}

static char *lower(const char *s)
{
    char *c = pn_strdup(s);
    for (char *p = c; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return c;
}

/* The ACL identifiers a public mailbox must have: owner, then its owners. */
static void wanted_ids(const pn_public *p, pn_argv *ids)
{
    pn_argv_add(ids, "owner");
    for (size_t i = 0; i < p->nowners; i++) {
        char *addr = lower(p->owners[i].target);
        char *id = pn_sprintf("%s=%s", p->owners[i].is_group ? "group" : "user", addr);
        bool dup = false;
        for (size_t k = 0; k < ids->n && !dup; k++)
            dup = !strcmp(ids->v[k], id);
        if (!dup)
            pn_argv_add(ids, id);
        free(id);
        free(addr);
    }
}

/* One sync run: the context, the directory and where calls are logged. */
typedef struct sync_run {
    pn_ctx *ctx;
    const char *dir;
    pn_str *log;
} sync_run;

/* Runs one doveadm command for user; logs it. true when it exited 0; false
 * with err otherwise, except that *already (when not NULL) is set instead of
 * failing when doveadm says the mailbox already exists. */
static bool doveadm_call(sync_run *r, pn_argv *argv, const char *what, const char *user,
                         pn_run_result *res, bool *already, pn_err *err)
{
    if (!pn_doveadm_run(r->ctx, argv, PN_DOVEADM_TIMEOUT_MS, res, err)) {
        pn_doveadm_log(r->log, argv, pn_err_msg(err));
        return false;
    }
    if (res->exit_code == 0 && !res->timed_out) {
        pn_doveadm_log(r->log, argv, "ok");
        return true;
    }
    if (already && strstr(pn_str_cstr(&res->err), "Mailbox already exists")) {
        *already = true;
        pn_doveadm_log(r->log, argv, "already exists");
        return true;
    }
    pn_doveadm_fail(r->ctx, what, user, res, err);
    pn_doveadm_log(r->log, argv, pn_err_msg(err));
    return false;
}

static void start(sync_run *r, bool tab, pn_argv *argv)
{
    pn_argv_free(argv);
    pn_doveadm_argv(r->ctx, tab, argv);
}

/* Dovecot must send the delivery user's INBOX to <dir>/.<name>. */
static bool check_location(sync_run *r, const pn_public *p, const char *user, pn_err *err)
{
    pn_argv argv = PN_ARGV_INIT;
    start(r, false, &argv);
    pn_argv_addv(&argv, "user", "-f", "mail", user, NULL);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = doveadm_call(r, &argv, "user", user, &res, NULL, err);
    if (!ok && err && err->code == PN_E_NOTFOUND)
        pn_err_set(err, PN_E_NOTFOUND, "Dovecot does not know its delivery user %s yet: apply "
                   "the configuration (and reload Dovecot) first", user);
    if (ok) {
        pn_str_rtrim(&res.out);
        const char *loc = pn_str_cstr(&res.out);
        char *want = pn_sprintf(":INBOX=%s/.%s", r->dir, p->name);
        const char *at = strstr(loc, want);
        size_t wl = strlen(want);
        if (!at || (at[wl] != '\0' && at[wl] != ':')) {
            char *clean = pn_utf8_sanitized(loc);
            ok = pn_err_set(err, PN_E_CONFIG, "Dovecot stores the mail of %s in '%s', not in "
                            "%s/.%s: apply the configuration first", user, clean, r->dir, p->name);
            free(clean);
        }
        free(want);
    }
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

/* Creates the folder (the delivery user's INBOX) when its directory is missing. */
static bool ensure_folder(sync_run *r, const pn_public *p, const char *user, pn_err *err)
{
    char *path = pn_sprintf("%s/.%s", r->dir, p->name);
    pn_stat st;
    pn_err serr = PN_ERR_INIT;
    bool exists = pn_stat_path(r->ctx->tr, path, &st, &serr);
    bool ok = true;
    if (exists && st.type != PN_FT_DIR)
        ok = pn_err_set(err, PN_E_CONFLICT, "%s exists but is not a directory", path);
    else if (!exists && serr.code != PN_E_NOTFOUND)
        ok = pn_err_set(err, serr.code, "%s", pn_err_msg(&serr));
    else if (!exists) {
        pn_argv argv = PN_ARGV_INIT;
        start(r, false, &argv);
        pn_argv_addv(&argv, "mailbox", "create", "-u", user, "INBOX", NULL);
        pn_run_result res = PN_RUN_RESULT_INIT;
        bool already = false;
        ok = doveadm_call(r, &argv, "mailbox create", user, &res, &already, err);
        pn_run_result_free(&res);
        pn_argv_free(&argv);
    }
    pn_err_clear(&serr);
    free(path);
    return ok;
}

/* The folder's own entry for id (entries from a global file are not). */
static const acl_entry *find_entry(const acl_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].global && !strcmp(l->v[i].id, id))
            return &l->v[i];
    return NULL;
}

/* `doveadm acl VERB -u USER INBOX ID [RIGHTS...]`. */
static bool acl_change(sync_run *r, const char *user, const char *verb, const char *id,
                       const char *const *rights, size_t nrights, pn_err *err)
{
    pn_argv argv = PN_ARGV_INIT;
    start(r, false, &argv);
    pn_argv_addv(&argv, "acl", verb, "-u", user, "INBOX", id, NULL);
    for (size_t i = 0; i < nrights; i++)
        pn_argv_add(&argv, rights[i]);
    pn_run_result res = PN_RUN_RESULT_INIT;
    char *what = pn_sprintf("acl %s", verb);
    bool ok = doveadm_call(r, &argv, what, user, &res, NULL, err);
    free(what);
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

/* Makes the folder's ACL exactly the wanted entries with full rights. */
static bool sync_acl(sync_run *r, const pn_public *p, const char *user, pn_err *err)
{
    pn_argv argv = PN_ARGV_INIT;
    start(r, true, &argv);
    pn_argv_addv(&argv, "acl", "get", "-u", user, "INBOX", NULL);
    pn_run_result res = PN_RUN_RESULT_INIT;
    acl_list cur = {0};
    pn_argv want = PN_ARGV_INIT;
    bool ok = doveadm_call(r, &argv, "acl get", user, &res, NULL, err) &&
              parse_acl(pn_str_cstr(&res.out), &cur, err);
    if (ok)
        wanted_ids(p, &want);
    static const char *const lookup[] = {"lookup"};
    const acl_entry *any = ok ? find_entry(&cur, "anyone") : NULL;
    if (ok && (!any || !rights_empty(any->rights)))
        ok = acl_change(r, user, "set", "anyone", lookup, 1, err) &&
             acl_change(r, user, "remove", "anyone", lookup, 1, err);
    for (size_t i = 0; ok && i < want.n; i++) {
        const acl_entry *e = find_entry(&cur, want.v[i]);
        if (!e || !rights_are_full(e->rights))
            ok = acl_change(r, user, "set", want.v[i], full_rights, NFULL, err);
    }
    for (size_t i = 0; ok && i < cur.n; i++) {
        bool wanted = !cur.v[i].global && !strcmp(cur.v[i].id, "anyone");
        for (size_t k = 0; k < want.n && !wanted; k++)
            wanted = !strcmp(cur.v[i].id, want.v[k]);
        if (wanted)
            continue;
        if (cur.v[i].global) {
            if (r->log) {
                char *id = pn_utf8_sanitized(cur.v[i].id);
                pn_str_appendf(r->log, "kept %s on %s: it comes from a global ACL file, which "
                               "doveadm cannot change\n", id, p->name);
                free(id);
            }
            continue;
        }
        ok = acl_change(r, user, "delete", cur.v[i].id, NULL, 0, err);
    }
    pn_argv_free(&want);
    acl_list_free(&cur);
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

static bool check_inputs(const pn_public *p, pn_err *err)
{
    if (!pn_valid_localpart("public mailbox name", p->name, err))
        return false;
    if (p->id <= 0)
        return pn_err_set(err, PN_E_INVALID, "public mailbox %s: has no store id", p->name);
    for (size_t i = 0; i < p->nowners; i++)
        if (!pn_valid_email(p->owners[i].is_group ? "owner group" : "owner user",
                            p->owners[i].target, err))
            return false;
    return true;
}

/* An absolute directory without ':' (it goes into a mail location) or
 * control characters; trailing slashes dropped. */
static char *clean_dir(const char *dir, pn_err *err)
{
    if (!dir || dir[0] != '/') {
        pn_err_set(err, PN_E_INVALID, "public directory: must be an absolute path");
        return NULL;
    }
    if (!pn_valid_text("public directory", dir, 4096, err))
        return NULL;
    if (strchr(dir, ':')) {
        pn_err_set(err, PN_E_INVALID, "public directory: contains ':', which separates the "
                   "parts of a Dovecot mail location");
        return NULL;
    }
    char *d = pn_strdup(dir);
    size_t len = strlen(d);
    while (len > 1 && d[len - 1] == '/')
        d[--len] = '\0';
    return d;
}

bool pn_dovecot_public_sync(pn_ctx *ctx, const pn_public *list, size_t n,
                            const char *public_dir, pn_str *log, pn_err *err)
{
    if (!pn_ctx_check_write(ctx, "public mailbox sync", err))
        return false;
    char *dir = clean_dir(public_dir, err);
    if (!dir)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = check_inputs(&list[i], err);
    sync_run r = {ctx, dir, log};
    for (size_t i = 0; ok && i < n; i++) {
        char *user = pn_dovecot_public_user(list[i].id);
        ok = check_location(&r, &list[i], user, err) && ensure_folder(&r, &list[i], user, err) &&
             sync_acl(&r, &list[i], user, err);
        if (!ok)
            pn_err_prefix(err, "public mailbox %s", list[i].name);
        free(user);
    }
    free(dir);
    return ok;
}
