/* doctor.c - health checks of the configured instance (see doctor.h). */
#include "doctor.h"
#include "db.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_check(pn_doctor_report *rep, const char *group, const char *name,
                      pn_check_status st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add_check(pn_doctor_report *rep, const char *group, const char *name,
                      pn_check_status st, const char *fmt, ...)
{
    if (rep->n == rep->cap) {
        rep->cap = rep->cap ? rep->cap * 2 : 16;
        rep->checks = pn_realloc(rep->checks, rep->cap * sizeof(*rep->checks));
    }
    pn_str raw = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&raw, fmt, ap);
    va_end(ap);
    pn_str clean = PN_STR_INIT;
    pn_utf8_sanitize(&clean, pn_str_cstr(&raw), raw.len, 0);
    pn_str_free(&raw);
    pn_check *c = &rep->checks[rep->n++];
    c->group = pn_strdup(group);
    c->name = pn_strdup(name);
    c->status = st;
    c->detail = pn_str_steal(&clean);
}

static char *first_line(const pn_str *s)
{
    const char *p = pn_str_cstr(s);
    return pn_strndup(p, strcspn(p, "\n"));
}

/* Run a command, return its first stdout line (or NULL with err). */
static char *run_first_line(pn_ctx *ctx, const char *const *argv, pn_err *err)
{
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_run_opts opts = {.timeout_ms = 10000};
    char *line = NULL;
    if (pn_run_ok(ctx->tr, argv, &opts, &res, err))
        line = first_line(res.out.len ? &res.out : &res.err);
    pn_run_result_free(&res);
    return line;
}

static bool run_quiet_ok(pn_ctx *ctx, const char *const *argv, pn_err *err)
{
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_run_opts opts = {.timeout_ms = 10000};
    bool ok = pn_run_ok(ctx->tr, argv, &opts, &res, err);
    pn_run_result_free(&res);
    return ok;
}

static char *human_size(unsigned long long n)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    return u ? pn_sprintf("%.1f %s", v, units[u]) : pn_sprintf("%llu B", n);
}

/* ---- Postfix ---------------------------------------------------------- */

static void check_postfix(pn_ctx *ctx, pn_doctor_report *rep)
{
    const char *dir = ctx->cfg->postfix_config_dir;
    pn_err err = PN_ERR_INIT;
    pn_stat st;

    if (!pn_stat_path(ctx->tr, dir, &st, &err) || st.type != PN_FT_DIR) {
        if (err.code)
            add_check(rep, "postfix", "config directory", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        else
            add_check(rep, "postfix", "config directory", PN_CHECK_FAIL, "%s: not a directory", dir);
        pn_err_clear(&err);
        return;
    }
    static const char *const names[] = {"mail_version", "queue_directory", "smtpd_milters",
                                        "non_smtpd_milters", "maillog_file"};
    char *v[5] = {NULL};
    if (!pn_postfix_params(ctx, names, 5, v, &err)) {
        add_check(rep, "postfix", "postconf", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    rep->postfix_version = pn_strdup(v[0]);
    rep->queue_directory = pn_strdup(v[1]);
    long vn = pn_postfix_version_number(v[0]);
    if (vn < 0)
        add_check(rep, "postfix", "version", PN_CHECK_WARN, "cannot parse mail_version '%s'", v[0]);
    else if (vn < 3001000)
        add_check(rep, "postfix", "version", PN_CHECK_FAIL,
                  "Postfix %s is too old: postern needs 3.1 or later (postqueue -j)", v[0]);
    else
        add_check(rep, "postfix", "version", PN_CHECK_OK, "Postfix %s, config %s (postconf -c)", v[0], dir);

    rep->postfix_running = pn_postfix_running(ctx, &err);
    if (rep->postfix_running)
        add_check(rep, "postfix", "running", PN_CHECK_OK, "master is running");
    else
        add_check(rep, "postfix", "running", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
    pn_err_clear(&err);

    pn_stat qst;
    if (!pn_stat_path(ctx->tr, v[1], &qst, &err) || qst.type != PN_FT_DIR) {
        if (err.code)
            add_check(rep, "postfix", "queue directory", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        else
            add_check(rep, "postfix", "queue directory", PN_CHECK_FAIL, "%s: not a directory", v[1]);
    } else if (pn_postfix_queue_counts(ctx, v[1], &rep->queues, &err)) {
        rep->have_queues = true;
        pn_str s = PN_STR_INIT;
        for (int i = 0; i < PN_POSTFIX_NQUEUES; i++) {
            if (rep->queues.count[i] < 0)
                pn_str_appendf(&s, "%s%s ?", i ? ", " : "", pn_postfix_queue_name(i));
            else
                pn_str_appendf(&s, "%s%s %ld", i ? ", " : "", pn_postfix_queue_name(i),
                               rep->queues.count[i]);
        }
        add_check(rep, "postfix", "queue directory",
                  rep->queues.count[5] > 0 ? PN_CHECK_WARN : PN_CHECK_OK, "%s: %s%s", v[1],
                  pn_str_cstr(&s), rep->queues.count[5] > 0 ? " (corrupt messages present)" : "");
        pn_str_free(&s);
    } else {
        add_check(rep, "postfix", "queue directory", PN_CHECK_WARN, "%s: %s%s", v[1],
                  pn_err_msg(&err), rep->is_root ? "" : " (run as root to read the queue)");
    }
    pn_err_clear(&err);

    pn_argv types = PN_ARGV_INIT;
    if (pn_postfix_lookup_types(ctx, &types, &err)) {
        char *joined = pn_argv_join(&types, " ");
        bool fast = false;
        for (size_t i = 0; i < types.n; i++)
            fast |= !strcmp(types.v[i], "lmdb") || !strcmp(types.v[i], "hash");
        add_check(rep, "postfix", "lookup tables", fast ? PN_CHECK_OK : PN_CHECK_WARN, "%s%s",
                  joined, fast ? "" : " (neither lmdb nor hash: install postfix-lmdb)");
        free(joined);
    } else {
        add_check(rep, "postfix", "lookup tables", PN_CHECK_WARN, "%s", pn_err_msg(&err));
    }
    pn_argv_free(&types);
    pn_err_clear(&err);

    if (*v[2] || *v[3])
        add_check(rep, "postfix", "milters", PN_CHECK_OK, "smtpd_milters = %s; non_smtpd_milters = %s",
                  *v[2] ? v[2] : "(none)", *v[3] ? v[3] : "(none)");
    else
        add_check(rep, "postfix", "milters", PN_CHECK_WARN,
                  "no milter configured: mail is not scanned by Rspamd");

    if (*v[4]) {
        bool listed = false;
        for (size_t i = 0; i < ctx->cfg->n_logs; i++)
            listed |= !strcmp(ctx->cfg->logs[i].path, v[4]);
        add_check(rep, "postfix", "maillog_file", listed ? PN_CHECK_OK : PN_CHECK_WARN,
                  "%s%s", v[4], listed ? " (postlogd)" : " is not among the configured log sources");
    }
    for (int i = 0; i < 5; i++)
        free(v[i]);
}

/* ---- Dovecot and Rspamd ------------------------------------------------ */

static void check_dovecot(pn_ctx *ctx, pn_doctor_report *rep)
{
    const char *conf = ctx->cfg->dovecot_config_file;
    pn_err err = PN_ERR_INIT;
    const char *ver[] = {"dovecot", "--version", NULL};
    rep->dovecot_version = run_first_line(ctx, ver, &err);
    if (!rep->dovecot_version) {
        add_check(rep, "dovecot", "installed", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    pn_stat st;
    if (!pn_stat_path(ctx->tr, conf, &st, &err)) {
        add_check(rep, "dovecot", "config", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    add_check(rep, "dovecot", "version", PN_CHECK_OK, "Dovecot %s, config %s", rep->dovecot_version, conf);
    /* `doveadm who` talks to the running anvil service: it fails when the
     * instance is down, without changing anything. */
    const char *who[] = {"doveadm", "-c", conf, "who", NULL};
    rep->dovecot_answers = run_quiet_ok(ctx, who, &err);
    if (rep->dovecot_answers)
        add_check(rep, "dovecot", "answers", PN_CHECK_OK, "doveadm reached the running instance");
    else
        add_check(rep, "dovecot", "answers", PN_CHECK_FAIL, "not running or not reachable: %s",
                  pn_err_msg(&err));
    pn_err_clear(&err);
    /* postern apply needs Dovecot to include its settings (apply.h) */
    const char *slash = strrchr(conf, '/');
    char *include = pn_sprintf("%.*s/postern/current/dovecot.conf",
                               slash ? (int)(slash - conf) : 1, slash ? conf : ".");
    pn_str text = PN_STR_INIT;
    if (!pn_read_file(ctx->tr, conf, 0, &text, &err))
        add_check(rep, "dovecot", "postern include", PN_CHECK_WARN, "%s", pn_err_msg(&err));
    else if (strstr(pn_str_cstr(&text), include))
        add_check(rep, "dovecot", "postern include", PN_CHECK_OK,
                  "includes postern's settings (postern/current/dovecot.conf)");
    else
        add_check(rep, "dovecot", "postern include", PN_CHECK_WARN,
                  "add '!include_try %s' at the end of %s before 'postern apply'", include, conf);
    pn_err_clear(&err);
    pn_str_free(&text);
    free(include);
}

static void check_rspamd(pn_ctx *ctx, pn_doctor_report *rep)
{
    pn_err err = PN_ERR_INIT;
    const char *ver[] = {"rspamd", "--version", NULL};
    char *line = run_first_line(ctx, ver, &err);
    if (!line) {
        add_check(rep, "rspamd", "installed", PN_CHECK_FAIL, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    /* "Rspamd daemon version 3.4" -> "3.4" */
    const char *sp = strrchr(line, ' ');
    rep->rspamd_version = pn_strdup(sp ? sp + 1 : line);
    free(line);
    add_check(rep, "rspamd", "version", PN_CHECK_OK, "Rspamd %s, config %s", rep->rspamd_version,
              ctx->cfg->rspamd_config_file);
    const char *ctl = ctx->cfg->rspamd_controller ? ctx->cfg->rspamd_controller : "127.0.0.1:11334";
    const char *stat[] = {"rspamc", "-h", ctl, "-t", "5", "stat", NULL};
    rep->rspamd_answers = run_quiet_ok(ctx, stat, &err);
    if (rep->rspamd_answers)
        add_check(rep, "rspamd", "answers", PN_CHECK_OK, "controller %s answered", ctl);
    else
        add_check(rep, "rspamd", "answers", PN_CHECK_FAIL, "controller %s: %s", ctl, pn_err_msg(&err));
    pn_err_clear(&err);
}

/* ---- Logs -------------------------------------------------------------- */

typedef struct series_ctx {
    const char *base;
    size_t base_len;
    pn_argv names;
} series_ctx;

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Does name belong to base's rotated series? name.N[.gz], name-YYYYMMDD[.gz],
 * name.YYYYMMDD-HHMMSS[.gz] (postfix logrotate). */
static bool is_rotated_name(const char *base, size_t blen, const char *name)
{
    if (strncmp(name, base, blen) != 0)
        return false;
    const char *rest = name + blen;
    size_t n = strlen(rest);
    if (n > 3 && !strcmp(rest + n - 3, ".gz"))
        n -= 3;
    if (n < 2 || (rest[0] != '.' && rest[0] != '-'))
        return false;
    rest++;
    n--;
    if (all_digits(rest, n))
        return true;                                   /* .1  or -20261121 */
    return n == 15 && all_digits(rest, 8) && rest[8] == '-' && all_digits(rest + 9, 6);
}

static bool collect_series(void *vctx, const char *name, pn_ftype type)
{
    series_ctx *s = vctx;
    if (type == PN_FT_FILE && is_rotated_name(s->base, s->base_len, name))
        pn_argv_add(&s->names, name);
    return true;
}

/* Sort key of a file in a series: dated rotations (name-YYYYMMDD, postfix
 * logrotate's name.YYYYMMDD-HHMMSS) sort by date; numbered ones (name.1 is
 * the newest) come after them, highest number first; the live file is last. */
typedef struct series_key {
    int cls;          /* 0 dated, 1 numbered, 2 live */
    long num;
    pn_log_file file;
} series_key;

static int cmp_series_key(const void *a, const void *b)
{
    const series_key *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls - y->cls;
    if (x->cls == 1 && x->num != y->num)
        return x->num > y->num ? -1 : 1;
    return strcmp(x->file.path, y->file.path);
}

static void order_series(pn_log_file *f, size_t n, size_t prefix_len)
{
    series_key *keys = pn_calloc(n, sizeof(*keys));
    for (size_t i = 0; i < n; i++) {
        const char *suffix = f[i].path + prefix_len;
        keys[i].file = f[i];
        if (!f[i].rotated) {
            keys[i].cls = 2;
        } else if (suffix[0] == '.' && strlen(suffix + 1) < 9 && isdigit((unsigned char)suffix[1]) &&
                   (strspn(suffix + 1, "0123456789") == strlen(suffix + 1) ||
                    !strcmp(suffix + 1 + strspn(suffix + 1, "0123456789"), ".gz"))) {
            keys[i].cls = 1;
            keys[i].num = strtol(suffix + 1, NULL, 10);
        }
    }
    qsort(keys, n, sizeof(*keys), cmp_series_key);
    for (size_t i = 0; i < n; i++)
        f[i] = keys[i].file;
    free(keys);
}

bool pn_log_series(pn_ctx *ctx, const char *path, pn_log_file **files, size_t *n, pn_err *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? pn_strndup(path, (size_t)(slash - path)) : pn_strdup(".");
    if (slash && slash == path) {
        free(dir);
        dir = pn_strdup("/");
    }
    const char *base = slash ? slash + 1 : path;
    series_ctx s = {base, strlen(base), PN_ARGV_INIT};
    *files = NULL;
    *n = 0;
    pn_stat st;
    bool live = pn_stat_path(ctx->tr, path, &st, err);
    pn_list_dir(ctx->tr, dir, collect_series, &s, NULL);
    size_t total = s.names.n + (live ? 1 : 0);
    if (total == 0) {
        pn_argv_free(&s.names);
        free(dir);
        return false;          /* err already says why the live file is missing */
    }
    pn_err_clear(err);
    pn_log_file *f = pn_calloc(total, sizeof(*f));
    size_t k = 0;
    const char *sep = strcmp(dir, "/") ? "/" : "";
    for (size_t i = 0; i < s.names.n; i++) {
        char *p = pn_sprintf("%s%s%s", dir, sep, s.names.v[i]);
        pn_stat rst;
        if (!pn_stat_path(ctx->tr, p, &rst, NULL)) {
            free(p);
            continue;
        }
        f[k].path = p;
        f[k].size = rst.size;
        f[k].rotated = true;
        size_t pl = strlen(p);
        f[k].compressed = pl > 3 && !strcmp(p + pl - 3, ".gz");
        k++;
    }
    if (live) {
        f[k].path = pn_strdup(path);
        f[k].size = st.size;
        k++;
    }
    order_series(f, k, strlen(dir) + strlen(sep) + strlen(base));
    pn_argv_free(&s.names);
    free(dir);
    *files = f;
    *n = k;
    return true;
}

void pn_log_files_free(pn_log_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i].path);
    free(files);
}

static void check_logs(pn_ctx *ctx, pn_doctor_report *rep)
{
    if (ctx->cfg->n_logs == 0) {
        add_check(rep, "logs", "sources", PN_CHECK_WARN, "no log sources configured: tracing is not possible");
        return;
    }
    for (size_t i = 0; i < ctx->cfg->n_logs; i++) {
        const pn_log_source *src = &ctx->cfg->logs[i];
        if (src->journal) {   /* read through journalctl (maillog_journalctl.h) */
            add_check(rep, "logs", "source", PN_CHECK_OK,
                      "%s: systemd journal, read with journalctl -o json (%s)",
                      src->journal_host ? "the host's journal" : src->path,
                      src->n_units ? "the listed units" : "SYSLOG_FACILITY=2, the mail facility");
            continue;
        }
        pn_err err = PN_ERR_INIT;
        pn_log_file *files;
        size_t n;
        if (!pn_log_series(ctx, src->path, &files, &n, &err)) {
            add_check(rep, "logs", "source", PN_CHECK_FAIL, "%s (%s log): %s", src->path, src->format,
                      err.code ? pn_err_msg(&err) : "not found");
            pn_err_clear(&err);
            continue;
        }
        unsigned long long total = 0, live = 0;
        size_t rotated = 0;
        bool has_live = false;
        for (size_t k = 0; k < n; k++) {
            total += files[k].size;
            if (files[k].rotated) {
                rotated++;
            } else {
                has_live = true;
                live = files[k].size;
            }
            /* keep every file for --json */
            rep->log_files = pn_realloc(rep->log_files, (rep->n_log_files + 1) * sizeof(pn_log_file));
            pn_log_file *dst = &rep->log_files[rep->n_log_files++];
            *dst = files[k];
            dst->path = pn_strdup(files[k].path);
        }
        char *hl = human_size(live), *ht = human_size(total);
        bool readable = has_live && access(src->path, R_OK) == 0;
        add_check(rep, "logs", "source", !has_live ? PN_CHECK_WARN : readable ? PN_CHECK_OK : PN_CHECK_FAIL,
                  "%s: %s log, %s%s; %zu rotated file%s, %s in all%s", src->path, src->format, has_live ? "" : "no live file, ",
                  has_live ? hl : "-", rotated, rotated == 1 ? "" : "s", ht,
                  has_live && !readable ? " (not readable by this user)" : "");
        free(hl);
        free(ht);
        pn_log_files_free(files, n);
    }
}

/* ---- State DB and system ---------------------------------------------- */

static void check_state(pn_ctx *ctx, pn_doctor_report *rep)
{
    const char *path = ctx->cfg->state_db;
    if (access(path, F_OK) == 0) {
        bool rw = access(path, R_OK | W_OK) == 0;
        add_check(rep, "state", "state DB", rw ? PN_CHECK_OK : PN_CHECK_FAIL, "%s %s", path,
                  rw ? "exists and is writable" : "is not writable by this user");
        return;
    }
    /* Walk up to the first existing directory: it must be writable. */
    char *dir = pn_strdup(path);
    char *slash;
    while ((slash = strrchr(dir, '/')) != NULL) {
        if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
        if (access(dir, F_OK) == 0 || !strcmp(dir, "/"))
            break;
    }
    bool ok = access(dir, W_OK) == 0;
    add_check(rep, "state", "state DB", ok ? PN_CHECK_OK : PN_CHECK_FAIL,
              "%s does not exist yet; %s %s", path, dir,
              ok ? "is writable, it will be created on first use" : "is not writable by this user");
    free(dir);
}

static void check_system(pn_ctx *ctx, pn_doctor_report *rep)
{
    rep->is_root = geteuid() == 0;
    add_check(rep, "system", "config", PN_CHECK_OK, "%s (instance %s)%s", ctx->cfg->source,
              ctx->cfg->instance, ctx->read_only ? ", read-only" : "");
    if (rep->is_root)
        add_check(rep, "system", "privileges", PN_CHECK_OK, "running as root: every action is available");
    else
        add_check(rep, "system", "privileges", PN_CHECK_WARN,
                  "not root (uid %u): queue actions (postsuper), message details (postcat) and "
                  "reloads are unavailable; listing and logs work if readable",
                  (unsigned)geteuid());
}

void pn_doctor_run(pn_ctx *ctx, pn_doctor_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->instance = pn_strdup(ctx->cfg->instance);
    check_system(ctx, rep);
    check_postfix(ctx, rep);
    check_dovecot(ctx, rep);
    check_rspamd(ctx, rep);
    check_logs(ctx, rep);
    check_state(ctx, rep);
}

pn_check_status pn_doctor_worst(const pn_doctor_report *rep)
{
    pn_check_status w = PN_CHECK_OK;
    for (size_t i = 0; i < rep->n; i++)
        if (rep->checks[i].status > w)
            w = rep->checks[i].status;
    return w;
}

const char *pn_check_status_name(pn_check_status s)
{
    switch (s) {
    case PN_CHECK_OK: return "ok";
    case PN_CHECK_WARN: return "warn";
    case PN_CHECK_FAIL: return "fail";
    }
    return "?";
}

void pn_doctor_report_free(pn_doctor_report *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->checks[i].group);
        free(rep->checks[i].name);
        free(rep->checks[i].detail);
    }
    free(rep->checks);
    free(rep->instance);
    free(rep->postfix_version);
    free(rep->queue_directory);
    free(rep->dovecot_version);
    free(rep->rspamd_version);
    pn_log_files_free(rep->log_files, rep->n_log_files);
    memset(rep, 0, sizeof(*rep));
}
