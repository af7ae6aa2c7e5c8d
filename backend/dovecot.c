/* dovecot.c - doveadm against the managed Dovecot: running it, explaining
 * its failures in one line, quota usage and user lookups (see dovecot.h).
 * Public mailbox folders and ACLs are in dovecot_public.c. */
#include "dovecot.h"
#include "dovecot_internal.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "validate.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The longest piece of doveadm's stderr quoted in an error. */
#define DOVEADM_REASON_MAX 200

/* doveadm exit statuses (sysexits.h) that mean something to us. */
#define DOVEADM_EX_NOUSER 67

void pn_doveadm_argv(const pn_ctx *ctx, bool tab, pn_argv *argv)
{
    pn_argv_addv(argv, "doveadm", "-c", ctx->cfg->dovecot_config_file, NULL);
    if (tab)
        pn_argv_addv(argv, "-f", "tab", NULL);
}

bool pn_doveadm_run(pn_ctx *ctx, pn_argv *argv, int timeout_ms, pn_run_result *res,
                    pn_err *err)
{
    pn_run_opts opts = {0};
    opts.timeout_ms = timeout_ms;
    if (pn_run(ctx->tr, (const char *const *)pn_argv_items(argv), &opts, res, err))
        return true;
    if (err && err->code == PN_E_EXEC && strstr(pn_err_msg(err), "command not found"))
        return pn_err_set(err, PN_E_EXEC, "doveadm is not installed (%s): Dovecot's admin tool "
                          "is needed for quota usage and public mailboxes", pn_err_msg(err));
    pn_err_prefix(err, "doveadm");
    return false;
}

/* A sanitised copy of s[0..len), cut to DOVEADM_REASON_MAX bytes on a
 * character boundary. */
static char *excerpt(const char *s, size_t len)
{
    while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
        len--;
    pn_str out = PN_STR_INIT;
    pn_utf8_sanitize(&out, s, len, 0);
    if (out.len > DOVEADM_REASON_MAX) {
        size_t cut = DOVEADM_REASON_MAX;
        while (cut && ((unsigned char)out.s[cut] & 0xC0) == 0x80)
            cut--;
        pn_str_truncate(&out, cut);
        pn_str_append(&out, "...");
    }
    return pn_str_steal(&out);
}

/* The rest of the first line of text that contains marker, after it. */
static char *after_marker(const char *text, const char *marker)
{
    const char *p = strstr(text, marker);
    if (!p)
        return NULL;
    p += strlen(marker);
    const char *nl = strchr(p, '\n');
    return excerpt(p, nl ? (size_t)(nl - p) : strlen(p));
}

/* "connect(PATH) failed: REASON" in stderr: PATH and REASON, or false. */
static bool connect_failure(const char *text, char **path, char **reason)
{
    for (const char *p = text; (p = strstr(p, "connect(")); p++) {
        const char *open = p + strlen("connect(");
        const char *nl = strchr(open, '\n');
        const char *end = nl ? nl : open + strlen(open);
        const char *close = strstr(open, ") failed: ");
        if (!close || close > end)
            continue;
        *path = excerpt(open, (size_t)(close - open));
        const char *r = close + strlen(") failed: ");
        *reason = excerpt(r, (size_t)(end - r));
        return true;
    }
    return false;
}

/* The first error line doveadm printed, without its "doveadm(user)<pid>:"
 * prefix; NULL when there is none. */
static char *first_error(const char *text)
{
    static const char *const markers[] = {"Fatal: ", "Panic: ", "Error: "};
    const char *best = NULL;
    size_t mlen = 0;
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        const char *p = strstr(text, markers[i]);
        if (p && (!best || p < best)) {
            best = p;
            mlen = strlen(markers[i]);
        }
    }
    if (!best)
        return NULL;
    best += mlen;
    const char *nl = strchr(best, '\n');
    return excerpt(best, nl ? (size_t)(nl - best) : strlen(best));
}

bool pn_doveadm_fail(const pn_ctx *ctx, const char *what, const char *user,
                     const pn_run_result *res, pn_err *err)
{
    const char *text = pn_str_cstr(&res->err);
    char *path = NULL, *reason = NULL, *line = NULL;
    if (res->timed_out) {
        pn_err_set(err, PN_E_TIMEOUT, "doveadm %s did not answer within %lld s: Dovecot is busy "
                   "or hanging", what, (long long)((res->elapsed_ms + 500) / 1000));
    } else if (connect_failure(text, &path, &reason)) {
        /* the sockets of Dovecot's own services (not, say, a dict server) */
        bool own = strstr(path, "/auth-") || strstr(path, "/anvil") || strstr(path, "/doveadm-") ||
                   strstr(path, "/master");
        if (own && (strstr(reason, "Connection refused") || strstr(reason, "No such file")))
            pn_err_set(err, PN_E_EXEC, "Dovecot is not running (doveadm cannot reach %s: %s)",
                       path, reason);
        else
            pn_err_set(err, PN_E_EXEC, "doveadm cannot reach %s: %s", path, reason);
    } else if ((line = after_marker(text, "Error reading configuration: ")) ||
               (line = after_marker(text, "Error in configuration file "))) {
        char *conf = pn_utf8_sanitized(ctx->cfg->dovecot_config_file);
        pn_err_set(err, PN_E_CONFIG, "Dovecot configuration %s: %s", conf, line);
        free(conf);
    } else if (res->exit_code == DOVEADM_EX_NOUSER || strstr(text, "User doesn't exist")) {
        char *u = pn_utf8_sanitized(user ? user : "?");
        pn_err_set(err, PN_E_NOTFOUND, "Dovecot does not know the user %s (not in its userdb)", u);
        free(u);
    } else if (strstr(text, "Unknown command 'quota'")) {
        pn_err_set(err, PN_E_CONFIG, "Dovecot has no quota: the quota plugin is not in "
                   "mail_plugins");
    } else if ((line = first_error(text))) {
        if (res->exit_code >= 0)
            pn_err_set(err, PN_E_EXEC, "doveadm %s failed (exit %d): %s", what, res->exit_code,
                       line);
        else
            pn_err_set(err, PN_E_EXEC, "doveadm %s failed (killed by signal %d): %s", what,
                       res->term_signal, line);
    } else if (res->exit_code >= 0) {
        pn_err_set(err, PN_E_EXEC, "doveadm %s failed (exit %d) without saying why", what,
                   res->exit_code);
    } else {
        pn_err_set(err, PN_E_EXEC, "doveadm %s was killed by signal %d", what, res->term_signal);
    }
    free(path);
    free(reason);
    free(line);
    return false;
}

void pn_doveadm_log(pn_str *log, const pn_argv *argv, const char *outcome)
{
    if (!log)
        return;
    char *cmd = pn_argv_join(argv, " ");
    char *clean = pn_utf8_sanitized(cmd);
    char *why = pn_utf8_sanitized(outcome);
    pn_str_appendf(log, "%s: %s\n", clean, why);
    free(why);
    free(clean);
    free(cmd);
}

/* ---- quota --------------------------------------------------------------- */

void pn_quota_usage_clear(pn_quota_usage *q)
{
    if (!q)
        return;
    free(q->user);
    free(q->quota_name);
    memset(q, 0, sizeof(*q));
}

void pn_quota_usage_list_free(pn_quota_usage *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pn_quota_usage_clear(&list[i]);
    free(list);
}

/* Splits one line on tabs into fields (pointers into line, which is changed). */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static bool parse_count(const char *s, int64_t *out)
{
    if (!strcmp(s, "-")) {
        *out = -1;
        return true;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v < 0 ? 0 : v;
    return true;
}

enum { COL_USER, COL_NAME, COL_TYPE, COL_VALUE, COL_LIMIT, COL_PCT, NCOLS };
#define QUOTA_MAX_FIELDS 16

static bool quota_header(char *line, int *col, bool want_user, pn_err *err)
{
    static const char *const names[NCOLS] = {"Username", "Quota name", "Type", "Value", "Limit",
                                             "%"};
    char *f[QUOTA_MAX_FIELDS];
    size_t nf = split_tabs(line, f, QUOTA_MAX_FIELDS);
    for (int c = 0; c < NCOLS; c++) {
        col[c] = -1;
        for (size_t i = 0; i < nf; i++)
            if (!strcmp(f[i], names[c]))
                col[c] = (int)i;
    }
    if (col[COL_NAME] < 0 || col[COL_TYPE] < 0 || col[COL_VALUE] < 0 || col[COL_LIMIT] < 0 ||
        (want_user && col[COL_USER] < 0))
        return pn_err_set(err, PN_E_EXEC, "doveadm quota get: unexpected output (no %s column)",
                          want_user && col[COL_USER] < 0 ? "Username" : "Quota name/Type/Value/Limit");
    return true;
}

/* Applies one row to q (the entry of its user). */
static bool quota_row(pn_quota_usage *q, char **f, const int *col, pn_err *err)
{
    const char *name = f[col[COL_NAME]];
    if (!q->quota_name)
        q->quota_name = pn_strdup(name);
    else if (strcmp(q->quota_name, name))
        return true; /* a second quota root: only the first is reported */
    int64_t value, limit, pct = 0;
    if (!parse_count(f[col[COL_VALUE]], &value) || value < 0 ||
        !parse_count(f[col[COL_LIMIT]], &limit) ||
        (col[COL_PCT] >= 0 && !parse_count(f[col[COL_PCT]], &pct)))
        return pn_err_set(err, PN_E_EXEC, "doveadm quota get: a row has a value that is not a "
                          "number");
    const char *type = f[col[COL_TYPE]];
    if (!strcmp(type, "STORAGE")) {
        if (value > INT64_MAX / 1024 || limit > INT64_MAX / 1024)
            return pn_err_set(err, PN_E_EXEC, "doveadm quota get: storage value out of range");
        q->storage_used = value * 1024;
        q->storage_limit = limit < 0 ? -1 : limit * 1024;
        q->storage_percent = pct < 0 ? 0 : pct > INT_MAX ? INT_MAX : (int)pct;
    } else if (!strcmp(type, "MESSAGE")) {
        q->messages_used = value;
        q->messages_limit = limit;
    }
    return true;
}

bool pn_dovecot_parse_quota(const char *text, const char *user, pn_quota_usage **out,
                            size_t *n, pn_err *err)
{
    *out = NULL;
    *n = 0;
    char *copy = pn_strdup(text ? text : "");
    int col[NCOLS];
    bool have_header = false, ok = true;
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && ok; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!len)
            continue;
        if (!have_header) {
            ok = quota_header(line, col, user == NULL, err);
            have_header = true;
            continue;
        }
        char *f[QUOTA_MAX_FIELDS];
        size_t nf = split_tabs(line, f, QUOTA_MAX_FIELDS);
        int need = 0;
        for (int c = 0; c < NCOLS; c++)
            if (col[c] >= need)
                need = col[c] + 1;
        if ((int)nf < need) {
            ok = pn_err_set(err, PN_E_EXEC, "doveadm quota get: a row has %zu columns, not %d",
                            nf, need);
            break;
        }
        const char *who = user ? user : f[col[COL_USER]];
        if (!*n || strcmp((*out)[*n - 1].user, who)) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *out = pn_realloc(*out, cap * sizeof(**out));
            }
            pn_quota_usage *q = &(*out)[(*n)++];
            memset(q, 0, sizeof(*q));
            q->user = pn_strdup(who);
            q->storage_limit = q->messages_limit = q->messages_used = -1;
        }
        ok = quota_row(&(*out)[*n - 1], f, col, err);
    }
    free(copy);
    if (!ok) {
        pn_quota_usage_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return ok;
}

bool pn_dovecot_quota_get(pn_ctx *ctx, const char *user, pn_quota_usage *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!pn_valid_email("user", user, err))
        return false;
    pn_argv argv = PN_ARGV_INIT;
    pn_doveadm_argv(ctx, true, &argv);
    pn_argv_addv(&argv, "quota", "get", "-u", user, NULL);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_doveadm_run(ctx, &argv, PN_DOVEADM_TIMEOUT_MS, &res, err);
    if (ok && (res.exit_code != 0 || res.timed_out))
        ok = pn_doveadm_fail(ctx, "quota get", user, &res, err);
    pn_quota_usage *list = NULL;
    size_t n = 0;
    if (ok)
        ok = pn_dovecot_parse_quota(pn_str_cstr(&res.out), user, &list, &n, err);
    if (ok && n == 0) {
        char *u = pn_utf8_sanitized(user);
        ok = pn_err_set(err, PN_E_NOTFOUND, "Dovecot applies no quota to %s", u);
        free(u);
    }
    if (ok) {
        *out = list[0];
        memset(&list[0], 0, sizeof(list[0]));
    }
    pn_quota_usage_list_free(list, n);
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

static bool is_public_user(const char *user)
{
    const char *at = strrchr(user, '@');
    return at && !strcasecmp(at + 1, PN_DOVECOT_PUBLIC_DOMAIN);
}

bool pn_dovecot_quota_all(pn_ctx *ctx, pn_quota_usage **out, size_t *n, pn_err *err)
{
    *out = NULL;
    *n = 0;
    pn_argv argv = PN_ARGV_INIT;
    pn_doveadm_argv(ctx, true, &argv);
    pn_argv_addv(&argv, "quota", "get", "-A", NULL);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_doveadm_run(ctx, &argv, PN_DOVEADM_ALL_TIMEOUT_MS, &res, err);
    if (ok && (res.exit_code != 0 || res.timed_out))
        ok = pn_doveadm_fail(ctx, "quota get -A", NULL, &res, err);
    if (ok)
        ok = pn_dovecot_parse_quota(pn_str_cstr(&res.out), NULL, out, n, err);
    if (ok) {
        size_t kept = 0;
        for (size_t i = 0; i < *n; i++) {
            if (is_public_user((*out)[i].user))
                pn_quota_usage_clear(&(*out)[i]);
            else
                (*out)[kept++] = (*out)[i];
        }
        *n = kept;
    }
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}

/* ---- users --------------------------------------------------------------- */

char *pn_dovecot_public_user(int64_t id)
{
    return pn_sprintf("p%lld@%s", (long long)id, PN_DOVECOT_PUBLIC_DOMAIN);
}

bool pn_dovecot_user_check(pn_ctx *ctx, const char *user, pn_err *err)
{
    if (!pn_valid_email("user", user, err))
        return false;
    pn_argv argv = PN_ARGV_INIT;
    pn_doveadm_argv(ctx, false, &argv);
    pn_argv_addv(&argv, "user", user, NULL);
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_doveadm_run(ctx, &argv, PN_DOVEADM_TIMEOUT_MS, &res, err);
    if (ok && (res.exit_code != 0 || res.timed_out))
        ok = pn_doveadm_fail(ctx, "user", user, &res, err);
    pn_run_result_free(&res);
    pn_argv_free(&argv);
    return ok;
}
