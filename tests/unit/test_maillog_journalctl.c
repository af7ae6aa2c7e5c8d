/* test_maillog_journalctl.c - unit tests for the journald log source
 * (backend/maillog_journalctl.c): the journalctl command (file, directory,
 * host, units or the mail facility, --after-cursor), the cache path under
 * the state directory, the clear errors for a missing journal, and - when
 * systemd-journal-remote is installed - a real export of a journal file
 * made here, read through pn_logset_open, then appended to after the
 * cursor. tests/lab/journal.sh checks traces over the lab's maillog. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "maillog.h"
#include "maillog_journalctl.h"
#include "util/argv.h"
#include "util/mem.h"
#include "util/str.h"

static char tmpdir[] = "/tmp/pn-test-journalctl-XXXXXX";

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static int fs_setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/pn-test-journalctl-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int fs_teardown(void **state)
{
    (void)state;
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static pn_ctx *make_ctx(const char *journal, char **units, size_t n_units)
{
    pn_config *cfg = pn_config_defaults();
    free(cfg->state_db);
    cfg->state_db = pn_sprintf("%s/state/state.db", tmpdir);
    free(cfg->logs[0].path);
    free(cfg->logs[0].format);
    cfg->logs[0].journal = true;
    cfg->logs[0].journal_host = journal == NULL;
    cfg->logs[0].path = pn_strdup(journal ? journal : "journald");
    cfg->logs[0].format = pn_strdup("journal");
    if (n_units) {
        cfg->logs[0].units = pn_calloc(n_units, sizeof(char *));
        for (size_t i = 0; i < n_units; i++)
            cfg->logs[0].units[i] = pn_strdup(units[i]);
        cfg->logs[0].n_units = n_units;
    }
    return pn_ctx_new_local(cfg, true);
}

static char *joined(const pn_log_source *src, bool is_dir, const char *cursor)
{
    pn_argv av = PN_ARGV_INIT;
    pn_journal_argv(src, is_dir, cursor, &av);
    char *s = pn_argv_join(&av, " ");
    pn_argv_free(&av);
    return s;
}

static void test_argv(void **state)
{
    (void)state;
    char *units[] = {"postfix@-.service", "dovecot.service"};
    pn_ctx *ctx = make_ctx(NULL, units, 2);
    const pn_log_source *src = &ctx->cfg->logs[0];
    char *s = joined(src, false, NULL);
    assert_string_equal(s, "journalctl -o json --no-pager --output-fields=MESSAGE,_HOSTNAME,"
                           "SYSLOG_IDENTIFIER,_COMM,SYSLOG_PID,_PID,SYSLOG_FACILITY "
                           "-u postfix@-.service -u dovecot.service");
    free(s);
    pn_ctx_free(ctx);

    ctx = make_ctx("/srv/x.journal", NULL, 0);
    src = &ctx->cfg->logs[0];
    s = joined(src, false, "s=1;i=2");
    assert_non_null(strstr(s, " --file=/srv/x.journal --after-cursor=s=1;i=2 SYSLOG_FACILITY=2"));
    free(s);
    s = joined(src, true, "");
    assert_non_null(strstr(s, " --directory=/srv/x.journal SYSLOG_FACILITY=2"));
    assert_null(strstr(s, "after-cursor"));
    free(s);
    pn_ctx_free(ctx);
}

static void test_cache_path(void **state)
{
    (void)state;
    pn_ctx *a = make_ctx("/srv/x.journal", NULL, 0);
    pn_ctx *b = make_ctx(NULL, NULL, 0);
    char *u[] = {"postfix.service"};
    pn_ctx *c = make_ctx(NULL, u, 1);
    char *pa = pn_journal_cache_path(a->cfg, &a->cfg->logs[0], false);
    char *pd = pn_journal_cache_path(a->cfg, &a->cfg->logs[0], true);
    char *pb = pn_journal_cache_path(b->cfg, &b->cfg->logs[0], false);
    char *pc = pn_journal_cache_path(c->cfg, &c->cfg->logs[0], false);
    char *dir = pn_sprintf("%s/state/journal-cache/", tmpdir);
    assert_int_equal(strncmp(pa, dir, strlen(dir)), 0);
    assert_int_equal(strlen(pa), strlen(dir) + 16 + 4);
    assert_string_equal(pa + strlen(pa) - 4, ".log");
    assert_string_not_equal(pa, pd);
    assert_string_not_equal(pa, pb);
    assert_string_not_equal(pb, pc);
    char *again = pn_journal_cache_path(a->cfg, &a->cfg->logs[0], false);
    assert_string_equal(pa, again);
    free(again);
    free(dir);
    free(pa);
    free(pd);
    free(pb);
    free(pc);
    pn_ctx_free(a);
    pn_ctx_free(b);
    pn_ctx_free(c);
}

static void test_missing(void **state)
{
    (void)state;
    char *path = pn_sprintf("%s/nope.journal", tmpdir);
    pn_ctx *ctx = make_ctx(path, NULL, 0);
    char *cache = NULL;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_journal_export(ctx, &ctx->cfg->logs[0], &cache, &err));
    assert_null(cache);
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "nope.journal: no such journal file or directory"));
    pn_err_clear(&err);
    pn_ctx_free(ctx);
    free(path);

    /* a directory without journal files; the set reports it too */
    path = pn_sprintf("%s/empty", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    ctx = make_ctx(path, NULL, 0);
    pn_logset set;
    assert_false(pn_logset_open(ctx, NULL, 0, false, &set, &err));
    assert_non_null(strstr(err.msg, "no journal files (*.journal) in this directory"));
    pn_err_clear(&err);
    pn_ctx_free(ctx);
    free(path);
}

static const char *journal_remote(void)
{
    static const char *const c[] = {"/lib/systemd/systemd-journal-remote",
                                    "/usr/lib/systemd/systemd-journal-remote"};
    for (size_t i = 0; i < 2; i++)
        if (access(c[i], X_OK) == 0)
            return c[i];
    return NULL;
}

/* Append export-format entries to the journal file path. */
static bool write_journal(const char *path, const char *export_text, size_t len)
{
    const char *tool = journal_remote();
    pn_transport *tr = pn_transport_local_new();
    char *out = pn_sprintf("--output=%s", path);
    const char *argv[] = {tool, out, "-", NULL};
    pn_run_opts o = {0};
    o.stdin_data = export_text;
    o.stdin_len = len;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_run(tr, argv, &o, &res, &err) && res.exit_code == 0;
    pn_run_result_free(&res);
    pn_err_clear(&err);
    free(out);
    pn_transport_free(tr);
    return ok;
}

static void read_all(const pn_logset *set, pn_str *text)
{
    for (size_t i = 0; i < set->n; i++) {
        pn_logreader *r = pn_logreader_open(&set->files[i], NULL);
        assert_non_null(r);
        const char *line;
        size_t len;
        while (pn_logreader_next(r, &line, &len, NULL)) {
            pn_str_appendn(text, line, len);
            pn_str_appendc(text, '\n');
        }
        pn_logreader_close(r);
    }
}

static void test_export(void **state)
{
    (void)state;
    if (!journal_remote() || (access("/usr/bin/journalctl", X_OK) != 0 &&
                                 access("/bin/journalctl", X_OK) != 0))
        skip();
    static const char first[] =
        "__REALTIME_TIMESTAMP=1795311853000001\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=postfix/qmgr\n"
        "SYSLOG_PID=2406\nSYSLOG_FACILITY=2\nMESSAGE=5D280A7A268: removed\n\n"
        "__REALTIME_TIMESTAMP=1795311853000002\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=CRON\n"
        "SYSLOG_FACILITY=9\nMESSAGE=not mail\n\n"
        "__REALTIME_TIMESTAMP=1795311853000003\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=postfix/smtpd\n"
        "SYSLOG_PID=7\nSYSLOG_FACILITY=2\nMESSAGE\n\x0a\x00\x00\x00\x00\x00\x00\x00"
        "bad \xff\xfe end\n\n";
    static const char second[] =
        "__REALTIME_TIMESTAMP=1795311854000000\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=dovecot\n"
        "SYSLOG_FACILITY=2\nMESSAGE=later\n\n";
    char *path = pn_sprintf("%s/x.journal", tmpdir);
    if (!write_journal(path, first, sizeof(first) - 1)) {
        free(path);
        skip();
    }
    pn_ctx *ctx = make_ctx(path, NULL, 0);
    pn_logset set;
    pn_err err = PN_ERR_INIT;
    if (!pn_logset_open(ctx, NULL, 0, false, &set, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(set.n, 1);
    assert_int_equal(set.files[0].fmt, PN_LF_RFC3339);
    pn_str text = PN_STR_INIT;
    read_all(&set, &text);
    assert_string_equal(text.s, "2026-11-22T01:44:13.000001+00:00 mail postfix/qmgr[2406]: "
                                "5D280A7A268: removed\n"
                                "2026-11-22T01:44:13.000003+00:00 mail postfix/smtpd[7]: "
                                "bad \xff\xfe end\n");   /* bytes as sent: display sanitises */
    uint64_t ino = set.files[0].ino;
    int64_t size = set.files[0].size;
    pn_logset_free(&set);

    /* more entries: appended after the cursor to the same file */
    assert_true(write_journal(path, second, sizeof(second) - 1));
    if (!pn_logset_open(ctx, NULL, 0, false, &set, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(set.files[0].ino, ino);
    assert_true(set.files[0].size > size);
    pn_str_truncate(&text, 0);
    read_all(&set, &text);
    assert_non_null(strstr(text.s, "end\n2026-11-22T01:44:14.000000+00:00 mail dovecot: later\n"));
    assert_null(strstr(text.s, "not mail"));
    pn_logset_free(&set);
    pn_str_free(&text);
    pn_ctx_free(ctx);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_argv, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_cache_path, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_missing, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_export, fs_setup, fs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
