/* store_settings.c - server-wide defaults kept in the settings table of the
 * state store (key/value text, one revision per key), validated per key and
 * journalled like every other change. */
#include "store_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bool (*norm_fn)(const char *key, const char *in, char **out, pn_err *err);

static bool norm_size(const char *key, const char *in, char **out, pn_err *err)
{
    int64_t n;
    if (!pn_parse_size(key, in, &n, err))
        return false;
    *out = pn_sprintf("%lld", (long long)n);
    return true;
}

static bool norm_days(const char *key, const char *in, char **out, pn_err *err)
{
    char *end = NULL;
    long v = strtol(in, &end, 10);
    if (in[0] < '0' || in[0] > '9' || *end || v < 0 || v > 36500)
        return pn_err_set(err, PN_E_INVALID, "%s: must be a number of days from 0 to 36500",
                          key);
    *out = pn_sprintf("%ld", v);
    return true;
}

static const struct {
    pn_setting_def def;
    norm_fn norm;
} settings[] = {
    {{"mailbox.default_quota", "a size like 500M or 2G; 0 = unlimited",
      "quota of mailboxes without their own (unset: Dovecot's configuration decides)"},
     norm_size},
    {{"mailbox.default_spam_retention_days", "a number of days from 0 to 36500; 0 = keep",
      "days spam is kept in Junk for mailboxes without their own setting"},
     norm_days},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

const pn_setting_def *pn_store_setting_defs(size_t *count)
{
    static pn_setting_def defs[N_SETTINGS];
    for (size_t i = 0; i < N_SETTINGS; i++)
        defs[i] = settings[i].def;
    if (count)
        *count = N_SETTINGS;
    return defs;
}

static int find(const char *key, pn_err *err)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (key && !strcmp(settings[i].def.key, key))
            return (int)i;
    pn_err_set(err, PN_E_INVALID, "setting: unknown key (known: mailbox.default_quota,"
                                  " mailbox.default_spam_retention_days)");
    return -1;
}

bool st_setting_normalize(const char *key, const char *value, char **out, pn_err *err)
{
    int i = find(key, err);
    *out = NULL;
    return i >= 0 && pn_valid_text(key, value, 64, err) && settings[i].norm(key, value, out, err);
}

bool pn_store_setting_get(pn_store *st, const char *key, char **value, int64_t *rev,
                          pn_err *err)
{
    *value = NULL;
    if (rev)
        *rev = 0;
    if (find(key, err) < 0)
        return false;
    sqlite3_stmt *s = st_prepare(st, "SELECT value, rev FROM settings WHERE key = ?1", err);
    if (!s)
        return false;
    st_bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *value = st_col_text(s, 0);
        if (rev)
            *rev = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return st_sql_error(st, rc, "setting", err);
    return true;
}

int64_t pn_store_setting_int(pn_store *st, const char *key, int64_t dflt)
{
    char *v = NULL;
    int64_t out = dflt;
    if (pn_store_setting_get(st, key, &v, NULL, NULL) && v) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*end)
            out = n;
    }
    free(v);
    return out;
}

static char *setting_json(const char *key, const char *value)
{
    if (!value)
        return NULL;
    return pn_sprintf("{\"key\":\"%s\",\"value\":\"%s\"}", key, value);
}

bool pn_store_setting_set(pn_store *st, const char *key, const char *value, int64_t rev,
                          pn_err *err)
{
    int i = find(key, err);
    if (i < 0)
        return false;
    char *norm = NULL;
    if (value && (!pn_valid_text(key, value, 64, err) || !settings[i].norm(key, value, &norm, err)))
        return false;
    if (!st_begin_write(st, "change setting", err)) {
        free(norm);
        return false;
    }
    char *old = NULL;
    int64_t cur_rev = 0;
    bool ok = pn_store_setting_get(st, key, &old, &cur_rev, err);
    if (ok && rev && cur_rev != rev)
        ok = pn_err_set(err, PN_E_CONFLICT,
                        "setting %s was changed by someone else (revision %lld, you edited"
                        " %lld): reload and try again",
                        key, (long long)cur_rev, (long long)rev);
    if (ok && !(old == NULL && norm == NULL) && !(old && norm && !strcmp(old, norm))) {
        sqlite3_stmt *s;
        if (norm) {
            s = st_prepare(st, "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key)"
                               " DO UPDATE SET value = excluded.value, rev = rev + 1", err);
            if (s) {
                st_bind_text(s, 1, key);
                st_bind_text(s, 2, norm);
            }
        } else {
            s = st_prepare(st, "DELETE FROM settings WHERE key = ?1", err);
            if (s)
                st_bind_text(s, 1, key);
        }
        ok = s && st_step_done(st, s, "setting", err);
        char *entity = pn_sprintf("setting %s", key);
        char *before = setting_json(key, old), *after = setting_json(key, norm);
        ok = ok && st_journal(st, entity, norm ? (old ? "edit" : "add") : "delete", before, after,
                              err);
        free(entity);
        free(before);
        free(after);
    }
    ok = ok ? st_commit(st, err) : (st_rollback(st), false);
    free(old);
    free(norm);
    return ok;
}
