/* test_dovecot.c - unit tests for dovecot.c and dovecot_public.c without a
 * Dovecot: a fake transport answers each doveadm command with canned output
 * (taken from Dovecot 2.3.19 on the lab) and records the commands, so the
 * quota parser, the one-line failure messages (not running, not installed,
 * unknown user, broken config, timeout) and the public mailbox sync (which
 * calls it makes, idempotence, what it removes and keeps) are checked
 * exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "dovecot.h"
#include "dovecot_internal.h"
#include "util/argv.h"
#include "util/mem.h"
#include "util/str.h"

#define CONF "/etc/dc/dovecot.conf"
#define FULL "admin create delete expunge insert lookup post read write write-deleted write-seen"

/* One canned answer: used for the first command (after "doveadm -c CONF ")
 * that starts with `cmd`. */
typedef struct answer {
    const char *cmd;
    int exit_code;            /* -1: killed by signal SIGABRT */
    const char *out;
    const char *err;
    bool timed_out;
    const char *run_error;    /* the command could not run at all */
} answer;

typedef struct fake {
    const answer *answers;
    size_t nanswers;
    bool dir_exists;
    pn_argv calls;            /* each command, joined, without "doveadm -c CONF " */
} fake;

static bool fake_run(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
                     pn_run_result *res, pn_err *err)
{
    fake *f = t->impl;
    assert_non_null(opts);
    assert_true(opts->timeout_ms == PN_DOVEADM_TIMEOUT_MS ||
                (opts->timeout_ms == PN_DOVEADM_ALL_TIMEOUT_MS && !strcmp(argv[5], "quota")));
    assert_string_equal(argv[0], "doveadm");
    assert_string_equal(argv[1], "-c");
    assert_string_equal(argv[2], CONF);
    pn_argv rest = PN_ARGV_INIT;
    for (size_t i = 3; argv[i]; i++)
        pn_argv_add(&rest, argv[i]);
    char *cmd = pn_argv_join(&rest, " ");
    pn_argv_free(&rest);
    pn_argv_add(&f->calls, cmd);
    const answer *a = NULL;
    for (size_t i = 0; i < f->nanswers && !a; i++)
        if (!strncmp(cmd, f->answers[i].cmd, strlen(f->answers[i].cmd)))
            a = &f->answers[i];
    if (!a)
        fail_msg("unexpected command: %s", cmd);
    free(cmd);
    if (a->run_error)
        return pn_err_set(err, PN_E_EXEC, "%s", a->run_error);
    *res = (pn_run_result)PN_RUN_RESULT_INIT;
    res->exit_code = a->exit_code;
    res->term_signal = a->exit_code < 0 ? SIGABRT : 0;
    res->timed_out = a->timed_out;
    res->elapsed_ms = a->timed_out ? opts->timeout_ms : 3;
    if (a->out)
        pn_str_append(&res->out, a->out);
    if (a->err)
        pn_str_append(&res->err, a->err);
    return true;
}

static bool fake_stat(pn_transport *t, const char *path, pn_stat *st, pn_err *err)
{
    fake *f = t->impl;
    (void)path;
    if (!f->dir_exists)
        return pn_err_set(err, PN_E_NOTFOUND, "%s: No such file or directory", path);
    memset(st, 0, sizeof(*st));
    st->type = PN_FT_DIR;
    return true;
}

static const pn_transport_ops fake_ops = {
    .kind = "fake",
    .run = fake_run,
    .stat = fake_stat,
};

typedef struct fixture {
    fake f;
    pn_transport tr;
    pn_config *cfg;
    pn_ctx ctx;
} fixture;

static int setup(void **state)
{
    fixture *x = pn_calloc(1, sizeof(*x));
    x->cfg = pn_config_defaults();
    free(x->cfg->dovecot_config_file);
    x->cfg->dovecot_config_file = pn_strdup(CONF);
    x->tr.ops = &fake_ops;
    x->tr.impl = &x->f;
    x->ctx.cfg = x->cfg;
    x->ctx.tr = &x->tr;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    pn_argv_free(&x->f.calls);
    pn_config_free(x->cfg);
    free(x);
    return 0;
}

static void script(fixture *x, const answer *a, size_t n, bool dir_exists)
{
    x->f.answers = a;
    x->f.nanswers = n;
    x->f.dir_exists = dir_exists;
}

#define SCRIPT(x, arr, dir) script((x), (arr), sizeof(arr) / sizeof((arr)[0]), (dir))

#define assert_contains(hay, needle)                                                        \
    do {                                                                                    \
        const char *h_ = (hay);                                                             \
        if (!h_ || !strstr(h_, (needle)))                                                   \
            fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));           \
    } while (0)

/* ---- quota parsing ------------------------------------------------------- */

static void test_parse_single_user(void **state)
{
    (void)state;
    pn_quota_usage *q = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_parse_quota("Quota name\tType\tValue\tLimit\t%\n"
                                       "User quota\tSTORAGE\t1536\t10240\t15\n"
                                       "User quota\tMESSAGE\t3\t-\t0\n",
                                       "bob@lab.example", &q, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(q[0].user, "bob@lab.example");
    assert_string_equal(q[0].quota_name, "User quota");
    assert_int_equal(q[0].storage_used, 1536 * 1024);
    assert_int_equal(q[0].storage_limit, 10240 * 1024);
    assert_int_equal(q[0].storage_percent, 15);
    assert_int_equal(q[0].messages_used, 3);
    assert_int_equal(q[0].messages_limit, -1);
    pn_quota_usage_list_free(q, n);
}

static void test_parse_all_users_two_roots(void **state)
{
    (void)state;
    pn_quota_usage *q = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_parse_quota(
        "Username\tQuota name\tType\tValue\tLimit\t%\n"
        "alice@lab.example\tUser quota\tSTORAGE\t0\t-\t0\n"
        "alice@lab.example\tUser quota\tMESSAGE\t0\t-\t0\n"
        "alice@lab.example\tArchive\tSTORAGE\t99\t100\t99\n"
        "bob@lab.example\tUser quota\tSTORAGE\t12\t10240\t0\n"
        "bob@lab.example\tUser quota\tMESSAGE\t2\t1000\t0\n",
        NULL, &q, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(q[0].user, "alice@lab.example");
    assert_int_equal(q[0].storage_limit, -1);
    assert_int_equal(q[0].storage_used, 0);
    assert_string_equal(q[0].quota_name, "User quota"); /* the first root only */
    assert_string_equal(q[1].user, "bob@lab.example");
    assert_int_equal(q[1].storage_used, 12 * 1024);
    assert_int_equal(q[1].messages_limit, 1000);
    pn_quota_usage_list_free(q, n);
}

static void test_parse_bad_output(void **state)
{
    (void)state;
    pn_quota_usage *q = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_parse_quota("Name\tKind\n", "a@b.example", &q, &n, &err));
    assert_contains(pn_err_msg(&err), "unexpected output");
    assert_false(pn_dovecot_parse_quota("Quota name\tType\tValue\tLimit\t%\n"
                                        "User quota\tSTORAGE\tlots\t10\t0\n",
                                        "a@b.example", &q, &n, &err));
    assert_contains(pn_err_msg(&err), "not a number");
    assert_false(pn_dovecot_parse_quota("Quota name\tType\tValue\tLimit\t%\nUser quota\tSTORAGE\n",
                                        "a@b.example", &q, &n, &err));
    assert_contains(pn_err_msg(&err), "columns");
    /* -A output must have the Username column */
    assert_false(pn_dovecot_parse_quota("Quota name\tType\tValue\tLimit\t%\n", NULL, &q, &n, &err));
    assert_contains(pn_err_msg(&err), "Username");
    assert_null(q);
    assert_int_equal(n, 0);
    /* empty output: no rows, no error */
    assert_true(pn_dovecot_parse_quota("", "a@b.example", &q, &n, &err));
    assert_int_equal(n, 0);
    pn_err_clear(&err);
}

/* ---- quota through doveadm ------------------------------------------------- */

static void test_quota_get(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"-f tab quota get -u bob@lab.example", 0,
         "Quota name\tType\tValue\tLimit\t%\nUser quota\tSTORAGE\t4\t10240\t0\n"
         "User quota\tMESSAGE\t1\t-\t0\n", NULL, false, NULL},
    };
    SCRIPT(x, a, false);
    pn_quota_usage q;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_quota_get(&x->ctx, "bob@lab.example", &q, &err));
    assert_int_equal(q.storage_used, 4096);
    assert_int_equal(q.storage_limit, 10485760);
    assert_int_equal(q.messages_used, 1);
    pn_quota_usage_clear(&q);
}

static void test_quota_get_unknown_user(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"-f tab quota get", 67, "Quota name\tType\tValue\tLimit\t%\n",
         "doveadm(nosuch@lab.example): Error: User doesn't exist\n", false, NULL},
    };
    SCRIPT(x, a, false);
    pn_quota_usage q;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_quota_get(&x->ctx, "nosuch@lab.example", &q, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_string_equal(pn_err_msg(&err),
                        "Dovecot does not know the user nosuch@lab.example (not in its userdb)");
    pn_err_clear(&err);
}

static void test_quota_get_invalid_user(void **state)
{
    fixture *x = *state;
    script(x, NULL, 0, false);
    pn_quota_usage q;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_quota_get(&x->ctx, "*@lab.example", &q, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_false(pn_dovecot_quota_get(&x->ctx, "bob@lab.example\n-A", &q, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_false(pn_dovecot_user_check(&x->ctx, "no-at-sign", &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_int_equal(x->f.calls.n, 0);
    pn_err_clear(&err);
}

static void test_not_running(void **state)
{
    fixture *x = *state;
    /* Real stderr of doveadm 2.3.19 with the instance stopped: quota get -A
     * panics after the failed connect. */
    static const answer a[] = {
        {"-f tab quota get -A", -1, NULL,
         "Error: auth-master: userdb list: connect(/run/dc/auth-userdb) failed: Connection refused\n"
         "Panic: file auth-master.c: line 436 (auth_master_unset_io): assertion failed: (conn->to == NULL)\n"
         "Error: Raw backtrace: #0 t_askpass[0x7f9dc6045430] -> #1 backtrace_append\n",
         false, NULL},
        {"-f tab quota get -u", 75, "Quota name\tType\tValue\tLimit\t%\n",
         "doveadm(bob@lab.example)<2791><>: Error: auth-master: userdb lookup(bob@lab.example): "
         "connect(/run/dc/auth-userdb) failed: No such file or directory\n"
         "doveadm(bob@lab.example): Error: User lookup failed: Internal error occurred.\n",
         false, NULL},
    };
    SCRIPT(x, a, false);
    pn_quota_usage *list = NULL, q;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_quota_all(&x->ctx, &list, &n, &err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_string_equal(pn_err_msg(&err), "Dovecot is not running (doveadm cannot reach "
                                          "/run/dc/auth-userdb: Connection refused)");
    assert_null(list);
    assert_false(pn_dovecot_quota_get(&x->ctx, "bob@lab.example", &q, &err));
    assert_string_equal(pn_err_msg(&err), "Dovecot is not running (doveadm cannot reach "
                                          "/run/dc/auth-userdb: No such file or directory)");
    pn_err_clear(&err);
}

static void test_not_installed(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"", 0, NULL, NULL, false, "command not found: doveadm (searched /usr/sbin:/usr/bin)"},
    };
    SCRIPT(x, a, false);
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_contains(pn_err_msg(&err), "doveadm is not installed");
    pn_err_clear(&err);
}

static void test_other_failures(void **state)
{
    fixture *x = *state;
    static const answer conf[] = {
        {"", 89, NULL, "Fatal: Error reading configuration: stat(/etc/dc/dovecot.conf) failed: "
                       "No such file or directory\n", false, NULL},
    };
    static const answer noquota[] = {
        {"", 64, NULL, "Fatal: Unknown command 'quota', but plugin quota exists. Try to set "
                       "mail_plugins=quota\n", false, NULL},
    };
    static const answer slow[] = {{"", -1, NULL, NULL, true, NULL}};
    static const answer other[] = {
        {"", 75, NULL, "doveadm(bob@lab.example): Error: Something \x1b[31mbroke\n", false, NULL},
    };
    static const answer silent[] = {{"", 2, NULL, "", false, NULL}};
    static const answer dict[] = {
        {"", 75, NULL, "Error: dict-client: connect(/run/dict/quota) failed: Connection refused\n",
         false, NULL},
    };
    pn_quota_usage q;
    pn_err err = PN_ERR_INIT;

    SCRIPT(x, conf, false);
    assert_false(pn_dovecot_quota_get(&x->ctx, "bob@lab.example", &q, &err));
    assert_int_equal(err.code, PN_E_CONFIG);
    assert_string_equal(pn_err_msg(&err), "Dovecot configuration /etc/dc/dovecot.conf: "
                        "stat(/etc/dc/dovecot.conf) failed: No such file or directory");
    SCRIPT(x, noquota, false);
    assert_false(pn_dovecot_quota_get(&x->ctx, "bob@lab.example", &q, &err));
    assert_int_equal(err.code, PN_E_CONFIG);
    assert_contains(pn_err_msg(&err), "quota plugin is not in mail_plugins");
    SCRIPT(x, slow, false);
    assert_false(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_int_equal(err.code, PN_E_TIMEOUT);
    assert_contains(pn_err_msg(&err), "did not answer within 15 s");
    pn_quota_usage *list = NULL;
    size_t n = 0;
    assert_false(pn_dovecot_quota_all(&x->ctx, &list, &n, &err));
    assert_int_equal(err.code, PN_E_TIMEOUT);
    assert_contains(pn_err_msg(&err), "doveadm quota get -A did not answer within 300 s");
    SCRIPT(x, other, false);
    assert_false(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_null(strchr(pn_err_msg(&err), '\x1b'));   /* sanitised */
    assert_contains(pn_err_msg(&err), "doveadm user failed (exit 75): Something");
    SCRIPT(x, silent, false);
    assert_false(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_string_equal(pn_err_msg(&err), "doveadm user failed (exit 2) without saying why");
    SCRIPT(x, dict, false);
    assert_false(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_string_equal(pn_err_msg(&err), "doveadm cannot reach /run/dict/quota: "
                        "Connection refused");
    pn_err_clear(&err);
}

static void test_quota_all_skips_public_users(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"-f tab quota get -A", 0,
         "Username\tQuota name\tType\tValue\tLimit\t%\n"
         "alice@lab.example\tUser quota\tSTORAGE\t1\t102400\t0\n"
         "p2@public.postern.invalid\tUser quota\tSTORAGE\t5\t-\t0\n"
         "bob@lab.example\tUser quota\tSTORAGE\t0\t10240\t0\n", NULL, false, NULL},
    };
    SCRIPT(x, a, false);
    pn_quota_usage *list = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_quota_all(&x->ctx, &list, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(list[0].user, "alice@lab.example");
    assert_string_equal(list[1].user, "bob@lab.example");
    pn_quota_usage_list_free(list, n);
}

static void test_user_check(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"user bob@lab.example", 0, "field\tvalue\nuid\t8\n", NULL, false, NULL},
        {"user nosuch@lab.example", 67, "field\tvalue\n",
         "userdb lookup: user nosuch@lab.example doesn't exist\n", false, NULL},
    };
    SCRIPT(x, a, false);
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_user_check(&x->ctx, "bob@lab.example", &err));
    assert_false(pn_dovecot_user_check(&x->ctx, "nosuch@lab.example", &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_contains(pn_err_msg(&err), "does not know the user nosuch@lab.example");
    pn_err_clear(&err);
}

/* ---- public mailboxes ------------------------------------------------------ */

static pn_public_owner sales_owners[] = {
    {false, "Alice@lab.example"},
    {true, "team@lab.example"},
    {false, "alice@lab.example"},   /* the same owner twice: one entry */
};
static const pn_public sales = {7, "Sales", sales_owners, 3, 1, 0, 0};

#define LOCATION "maildir:/srv/public:INBOX=/srv/public/.Sales\n"

static void test_public_sync_new_folder(void **state)
{
    fixture *x = *state;
    /* A new folder inherits `authenticated` from the parent: it goes, and an
     * empty `anyone` entry keeps the namespace default ACL out. */
    static const answer a[] = {
        {"user -f mail p7@public.postern.invalid", 0, LOCATION, NULL, false, NULL},
        {"mailbox create -u p7@public.postern.invalid INBOX", 0, NULL, NULL, false, NULL},
        {"-f tab acl get -u p7@public.postern.invalid INBOX", 0,
         "ID\tGlobal\tRights\nauthenticated\t\tcreate delete expunge insert lookup post read "
         "write write-deleted write-seen\n", NULL, false, NULL},
        {"acl ", 0, NULL, NULL, false, NULL},
    };
    SCRIPT(x, a, false);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public/", &log, &err));
    const char *want[] = {
        "user -f mail p7@public.postern.invalid",
        "mailbox create -u p7@public.postern.invalid INBOX",
        "-f tab acl get -u p7@public.postern.invalid INBOX",
        "acl set -u p7@public.postern.invalid INBOX anyone lookup",
        "acl remove -u p7@public.postern.invalid INBOX anyone lookup",
        "acl set -u p7@public.postern.invalid INBOX owner lookup read write write-seen "
        "write-deleted insert post expunge create delete admin",
        "acl set -u p7@public.postern.invalid INBOX user=alice@lab.example lookup read write "
        "write-seen write-deleted insert post expunge create delete admin",
        "acl set -u p7@public.postern.invalid INBOX group=team@lab.example lookup read write "
        "write-seen write-deleted insert post expunge create delete admin",
        "acl delete -u p7@public.postern.invalid INBOX authenticated",
    };
    assert_int_equal(x->f.calls.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < x->f.calls.n; i++)
        assert_string_equal(x->f.calls.v[i], want[i]);
    assert_contains(pn_str_cstr(&log), "doveadm -c " CONF " mailbox create -u "
                    "p7@public.postern.invalid INBOX: ok\n");
    assert_contains(pn_str_cstr(&log), "acl delete -u p7@public.postern.invalid INBOX "
                    "authenticated: ok\n");
    size_t lines = 0;
    for (const char *p = pn_str_cstr(&log); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, x->f.calls.n);
    pn_str_free(&log);
}

static void test_public_sync_idempotent(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"user -f mail", 0, LOCATION, NULL, false, NULL},
        {"-f tab acl get", 0,
         "ID\tGlobal\tRights\n"
         "anyone\t\t\n"
         "group=team@lab.example\t\t" FULL "\n"
         "owner\t\t" FULL "\n"
         "user=alice@lab.example\t\t" FULL "\n"
         "anyone\tglobal\tlookup\n", NULL, false, NULL},
    };
    SCRIPT(x, a, true);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", &log, &err));
    assert_int_equal(x->f.calls.n, 2);   /* only reads */
    assert_contains(pn_str_cstr(&log), "kept anyone on Sales: it comes from a global ACL file");
    pn_str_free(&log);
}

static void test_public_sync_fixes_rights(void **state)
{
    fixture *x = *state;
    /* anyone has rights, alice fewer than full, the group a negative right,
     * bob (a former owner) is still there: anyone is emptied, owner, alice
     * and the group set again, bob removed. */
    static const answer a[] = {
        {"user -f mail", 0, LOCATION, NULL, false, NULL},
        {"-f tab acl get", 0,
         "ID\tGlobal\tRights\n"
         "anyone\t\tlookup read\n"
         "group=team@lab.example\t\t" FULL " -post\n"
         "user=alice@lab.example\t\tlookup read\n"
         "user=bob@lab.example\t\t" FULL "\n", NULL, false, NULL},
        {"acl ", 0, NULL, NULL, false, NULL},
    };
    SCRIPT(x, a, true);
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", NULL, &err));
    assert_int_equal(x->f.calls.n, 8);
    assert_string_equal(x->f.calls.v[2], "acl set -u p7@public.postern.invalid INBOX anyone lookup");
    assert_string_equal(x->f.calls.v[3], "acl remove -u p7@public.postern.invalid INBOX anyone lookup");
    assert_contains(x->f.calls.v[4], "acl set -u p7@public.postern.invalid INBOX owner ");
    assert_contains(x->f.calls.v[5], "acl set -u p7@public.postern.invalid INBOX user=alice@lab.example ");
    assert_contains(x->f.calls.v[6], "acl set -u p7@public.postern.invalid INBOX group=team@lab.example ");
    assert_string_equal(x->f.calls.v[7], "acl delete -u p7@public.postern.invalid INBOX "
                                         "user=bob@lab.example");
}

static void test_public_sync_already_exists(void **state)
{
    fixture *x = *state;
    static const pn_public bare = {3, "Team", NULL, 0, 1, 0, 0};
    static const answer a[] = {
        {"user -f mail", 0, "maildir:/srv/public:INBOX=/srv/public/.Team:INDEX=/x\n", NULL, false, NULL},
        {"mailbox create", 65, NULL,
         "doveadm(p3@public.postern.invalid): Error: Can't create mailbox INBOX: Mailbox already "
         "exists\n", false, NULL},
        {"-f tab acl get", 0, "ID\tGlobal\tRights\nanyone\t\t\nowner\t\t" FULL "\n", NULL,
         false, NULL},
    };
    SCRIPT(x, a, false);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_dovecot_public_sync(&x->ctx, &bare, 1, "/srv/public", &log, &err));
    assert_contains(pn_str_cstr(&log), "INBOX: already exists\n");
    assert_int_equal(x->f.calls.n, 3);
    pn_str_free(&log);
}

static void test_public_sync_not_applied(void **state)
{
    fixture *x = *state;
    static const answer unknown[] = {
        {"user -f mail", 67, NULL, "userdb lookup: user p7@public.postern.invalid doesn't exist\n",
         false, NULL},
    };
    static const answer elsewhere[] = {
        {"user -f mail", 0, "maildir:/srv/public:INBOX=/srv/public/.Sales2\n", NULL, false, NULL},
    };
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    SCRIPT(x, unknown, false);
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", &log, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_string_equal(pn_err_msg(&err), "public mailbox Sales: Dovecot does not know its "
                        "delivery user p7@public.postern.invalid yet: apply the configuration "
                        "(and reload Dovecot) first");
    assert_contains(pn_str_cstr(&log), "user -f mail p7@public.postern.invalid: Dovecot does not know");
    SCRIPT(x, elsewhere, false);
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", &log, &err));
    assert_int_equal(err.code, PN_E_CONFIG);
    assert_contains(pn_err_msg(&err), "not in /srv/public/.Sales: apply the configuration first");
    pn_err_clear(&err);
    pn_str_free(&log);
}

static void test_public_sync_refuses(void **state)
{
    fixture *x = *state;
    x->f.nanswers = 0;
    pn_err err = PN_ERR_INIT;
    pn_public bad = sales;
    bad.name = "../etc";
    assert_false(pn_dovecot_public_sync(&x->ctx, &bad, 1, "/srv/public", NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_contains(pn_err_msg(&err), "public mailbox name");
    bad.name = "a b";
    assert_false(pn_dovecot_public_sync(&x->ctx, &bad, 1, "/srv/public", NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    pn_public_owner evil[] = {{false, "alice@lab.example lookup"}};
    bad = sales;
    bad.owners = evil;
    bad.nowners = 1;
    assert_false(pn_dovecot_public_sync(&x->ctx, &bad, 1, "/srv/public", NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_contains(pn_err_msg(&err), "owner user");
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "relative/dir", NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/a:b", NULL, &err));
    assert_contains(pn_err_msg(&err), "':'");
    x->ctx.read_only = true;
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", NULL, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    assert_int_equal(x->f.calls.n, 0);
    pn_err_clear(&err);
}

static void test_public_sync_stops_on_failure(void **state)
{
    fixture *x = *state;
    static const answer a[] = {
        {"user -f mail", 0, LOCATION, NULL, false, NULL},
        {"-f tab acl get", 0, "ID\tGlobal\tRights\nanyone\t\t\n", NULL, false, NULL},
        {"acl set", 75, NULL, "doveadm(p7@public.postern.invalid): Error: Failed to set ACL: "
                              "Permission denied\n", false, NULL},
    };
    SCRIPT(x, a, true);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_public_sync(&x->ctx, &sales, 1, "/srv/public", &log, &err));
    assert_string_equal(pn_err_msg(&err), "public mailbox Sales: doveadm acl set failed (exit 75): "
                        "Failed to set ACL: Permission denied");
    assert_int_equal(x->f.calls.n, 3);
    assert_contains(pn_str_cstr(&log), "owner lookup read write write-seen write-deleted insert "
                    "post expunge create delete admin: doveadm acl set failed");
    pn_err_clear(&err);
    pn_str_free(&log);
}

static void test_public_user_name(void **state)
{
    (void)state;
    char *u = pn_dovecot_public_user(42);
    assert_string_equal(u, "p42@" PN_DOVECOT_PUBLIC_DOMAIN);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_single_user),
        cmocka_unit_test(test_parse_all_users_two_roots),
        cmocka_unit_test(test_parse_bad_output),
        cmocka_unit_test_setup_teardown(test_quota_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_get_unknown_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_get_invalid_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_all_skips_public_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_new_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_fixes_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_already_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_not_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_sync_stops_on_failure, setup, teardown),
        cmocka_unit_test(test_public_user_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
