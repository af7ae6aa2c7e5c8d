/* test_dovecot_runtime.c - lab test: dovecot.c and dovecot_public.c against
 * the REAL Dovecot of a running lab (scripts/lab up; eval "$(scripts/lab env)"),
 * plus the CLI lines built on them (postern mailbox show / usage).
 *
 *  - quota: a message sent by SMTP to bob (10M quota) raises his usage;
 *    quota get -A lists the lab users with their limits and leaves out the
 *    delivery users of public mailboxes; unknown users are PN_E_NOTFOUND;
 *    a Dovecot that cannot be reached is said to be not running.
 *  - public mailboxes: the setup writes a users file like the one postern
 *    renders (a delivery user pN@public.postern.invalid per public mailbox,
 *    and a user whose acl_groups holds a group), adds its include to the
 *    lab's dovecot.conf and reloads Dovecot. The sync creates the folder and
 *    sets its ACL; doveadm acl get, IMAP (alice an owner, erin in an owner
 *    group, bob neither) and LMTP delivery to the delivery user check it.
 * The teardown removes the include line, the files and the test folders and
 * reloads Dovecot. Without POSTERN_CONFIG it prints a TAP skip. */
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
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "dovecot.h"
#include "store.h"
#include "transport.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/str.h"

/* Store ids far above what the lab's own state DB hands out. */
#define SALES_ID 900001
#define SALES "PnTestSales"
#define SALES_USER "p900001@" PN_DOVECOT_PUBLIC_DOMAIN
#define ERIN "pntest-erin@lab.example"
#define TEAM "pntest-team@lab.example"

static pn_ctx *g_ctx;
static const char *g_config, *g_lab, *g_conf, *g_smtp, *g_imap, *g_lmtp, *g_bin;
static char *g_public_dir, *g_users_file, *g_include_file, *g_saved_conf, *g_tmp;
static bool g_had_maildirsize;

/* ---- helpers ------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#define assert_contains(hay, needle)                                                        \
    do {                                                                                    \
        const char *h_ = (hay);                                                             \
        if (!h_ || !strstr(h_, (needle)))                                                   \
            fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));           \
    } while (0)

#define assert_not_contains(hay, needle)                                                    \
    do {                                                                                    \
        const char *h_ = (hay);                                                             \
        if (h_ && strstr(h_, (needle)))                                                     \
            fail_msg("'%s' contains '%s'", h_, (needle));                                   \
    } while (0)

/* Runs argv; returns its stdout (heap) and stores the exit code. */
static char *run(const char *const *argv, const char *input, int *exit_code)
{
    pn_run_opts opts = {0};
    opts.timeout_ms = 60000;
    if (input) {
        opts.stdin_data = input;
        opts.stdin_len = strlen(input);
    }
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    if (!pn_run(g_ctx->tr, argv, &opts, &res, &err))
        fail_msg("cannot run %s: %s", argv[0], pn_err_msg(&err));
    if (exit_code)
        *exit_code = res.exit_code;
    else if (res.exit_code != 0)
        fail_msg("%s %s exited %d: %s", argv[0], argv[1] ? argv[1] : "", res.exit_code,
                 pn_str_cstr(&res.err));
    char *out = pn_strdup(pn_str_cstr(&res.out));
    pn_run_result_free(&res);
    return out;
}

static char *doveadm(const char *a1, const char *a2, const char *a3, const char *a4,
                     const char *a5, const char *a6, const char *a7)
{
    const char *argv[] = {"doveadm", "-c", g_conf, a1, a2, a3, a4, a5, a6, a7, NULL};
    return run(argv, NULL, NULL);
}

/* Sends one message over SMTP (the lab's MX port) or LMTP with python3. */
static void send_mail(bool lmtp, const char *rcpt, size_t body_bytes)
{
    static const char *const py =
        "import smtplib, sys\n"
        "lmtp, port, rcpt, size = sys.argv[1] == 'lmtp', int(sys.argv[2]), sys.argv[3], int(sys.argv[4])\n"
        "body = ('postern dovecot runtime test ' * (size // 30 + 1))[:size]\n"
        "lines = '\\r\\n'.join(body[i:i + 70] for i in range(0, len(body), 70))\n"
        "msg = ('From: tester@lab.example\\r\\nTo: %s\\r\\nSubject: postern dovecot test\\r\\n\\r\\n%s\\r\\n'\n"
        "       % (rcpt, lines))\n"
        "s = smtplib.LMTP('127.0.0.1', port) if lmtp else smtplib.SMTP('127.0.0.1', port, timeout=30)\n"
        "refused = s.sendmail('tester@lab.example', [rcpt], msg)\n"
        "s.quit()\n"
        "sys.exit(1 if refused else 0)\n";
    char size[32];
    snprintf(size, sizeof(size), "%zu", body_bytes);
    const char *argv[] = {"python3", "-c", py, lmtp ? "lmtp" : "smtp", lmtp ? g_lmtp : g_smtp,
                          rcpt, size, NULL};
    free(run(argv, NULL, NULL));
}

/* What user sees over IMAP: "LIST a|b|c" and "SELECT OK n" or "SELECT NO". */
static char *imap_view(const char *user, const char *mailbox)
{
    static const char *const py =
        "import imaplib, sys\n"
        "port, user, box = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
        "m = imaplib.IMAP4('127.0.0.1', port)\n"
        "m.login(user, 'secret')\n"
        "typ, data = m.list('Public/', '*')\n"
        "names = [d.decode().rsplit(' ', 1)[-1].strip('\"') for d in data if d]\n"
        "print('LIST ' + '|'.join(sorted(names)))\n"
        "typ, data = m.select('\"%s\"' % box, readonly=True)\n"
        "print('SELECT ' + typ + (' ' + data[0].decode() if typ == 'OK' else ''))\n"
        "m.logout()\n";
    const char *argv[] = {"python3", "-c", py, g_imap, user, mailbox, NULL};
    return run(argv, NULL, NULL);
}

static pn_ctx *new_ctx(const char *config, bool read_only)
{
    pn_err err = PN_ERR_INIT;
    pn_config *cfg = pn_config_load_file(config, &err);
    if (!cfg)
        fail_msg("config %s: %s", config, pn_err_msg(&err));
    return pn_ctx_new_local(cfg, read_only);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) == 0)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *read_text(const char *path)
{
    pn_str s = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    if (!pn_read_file(g_ctx->tr, path, 0, &s, &err))
        fail_msg("read %s: %s", path, pn_err_msg(&err));
    return pn_str_steal(&s);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Reload Dovecot and wait until the userdb answers as wanted. */
static void reload_until(const char *user, bool known)
{
    free(doveadm("reload", NULL, NULL, NULL, NULL, NULL, NULL));
    for (int i = 0; i < 100; i++) {
        pn_err err = PN_ERR_INIT;
        bool ok = pn_dovecot_user_check(g_ctx, user, &err);
        pn_err_clear(&err);
        if (ok == known)
            return;
        sleep_ms(100);
    }
    fail_msg("Dovecot still %s %s 10 s after the reload", known ? "does not know" : "knows", user);
}

static pn_public sales_with(pn_public_owner *owners, size_t n)
{
    pn_public p = {0};
    p.id = SALES_ID;
    p.name = (char *)SALES;
    p.owners = owners;
    p.nowners = n;
    return p;
}

/* The test's ACL on the folder as "ID=rights;" lines, sorted by Dovecot. */
static char *acl_of(const char *user, const char *mailbox)
{
    return doveadm("-f", "tab", "acl", "get", "-u", user, mailbox);
}

#define FULL "admin create delete expunge insert lookup post read write write-deleted write-seen"

/* Shows text in the TAP output: "# label: line" for each line. */
static void print_lines(const char *label, const char *text)
{
    for (const char *l = text, *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            nl = l + strlen(l);
        printf("# %s: %.*s\n", label, (int)(nl - l), l);
        if (!*nl)
            break;
    }
}

/* The "quota used:" line of `mailbox show` output. */
static void print_quota_line(const char *show)
{
    const char *q = strstr(show, "quota used:");
    if (!q)
        return;
    const char *nl = strchr(q, '\n');
    printf("# %.*s\n", (int)(nl ? nl - q : (long)strlen(q)), q);
}

/* Shows a sync log in the TAP output, one comment line each. */
static void print_log(const char *title, const pn_str *log)
{
    printf("# %s:\n", title);
    for (const char *l = pn_str_cstr(log), *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            nl = l + strlen(l) - 1;
        printf("#   %.*s\n", (int)(nl - l), l);
    }
}

/* ---- quota --------------------------------------------------------------- */

static void test_quota_bob_after_delivery(void **state)
{
    (void)state;
    pn_quota_usage before, after;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_quota_get(g_ctx, "bob@lab.example", &before, &err))
        fail_msg("quota get bob: %s", pn_err_msg(&err));
    assert_int_equal(before.storage_limit, 10 * 1024 * 1024);
    send_mail(false, "bob@lab.example", 20000);
    bool grew = false;
    for (int i = 0; i < 300 && !grew; i++) {
        sleep_ms(100);
        if (!pn_dovecot_quota_get(g_ctx, "bob@lab.example", &after, &err))
            fail_msg("quota get bob: %s", pn_err_msg(&err));
        grew = after.storage_used > before.storage_used;
        if (!grew)
            pn_quota_usage_clear(&after);
    }
    if (!grew)
        fail_msg("bob's quota usage stayed at %lld bytes 30 s after the SMTP delivery",
                 (long long)before.storage_used);
    printf("# bob: %lld -> %lld bytes of %lld (%d%%), %lld messages\n",
           (long long)before.storage_used, (long long)after.storage_used,
           (long long)after.storage_limit, after.storage_percent, (long long)after.messages_used);
    assert_true(after.storage_used > 0);
    assert_true(after.storage_used >= before.storage_used + 19 * 1024);
    assert_string_equal(after.user, "bob@lab.example");
    assert_string_equal(after.quota_name, "User quota");
    assert_int_equal(after.storage_limit, 10 * 1024 * 1024);
    assert_true(after.messages_used >= 1);
    assert_int_equal(after.messages_limit, -1);
    pn_quota_usage_clear(&before);
    pn_quota_usage_clear(&after);
}

static void test_quota_all(void **state)
{
    (void)state;
    pn_quota_usage *list = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_quota_all(g_ctx, &list, &n, &err))
        fail_msg("quota get -A: %s", pn_err_msg(&err));
    static const struct { const char *user; int64_t mib; } want[] = {
        {"alice@lab.example", 100}, {"bob@lab.example", 10},
        {"carol@lab.example", 2}, {"dave@corp.example", 100},
    };
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        size_t i = 0;
        while (i < n && strcmp(list[i].user, want[w].user))
            i++;
        if (i == n)
            fail_msg("%s is missing from quota get -A", want[w].user);
        assert_int_equal(list[i].storage_limit, want[w].mib * 1024 * 1024);
    }
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(list[i].user, PN_DOVECOT_PUBLIC_DOMAIN));
    pn_quota_usage_list_free(list, n);
    /* the delivery user exists in the userdb all the same */
    assert_true(pn_dovecot_user_check(g_ctx, SALES_USER, &err));
}

static void test_unknown_user(void **state)
{
    (void)state;
    pn_quota_usage q;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_quota_get(g_ctx, "nosuch@lab.example", &q, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_string_equal(pn_err_msg(&err),
                        "Dovecot does not know the user nosuch@lab.example (not in its userdb)");
    assert_false(pn_dovecot_user_check(g_ctx, "nosuch@lab.example", &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_true(pn_dovecot_user_check(g_ctx, "bob@lab.example", &err));
    assert_true(pn_dovecot_user_check(g_ctx, ERIN, &err));
    pn_err_clear(&err);
}

/* A dovecot.conf whose base_dir has no sockets: doveadm cannot reach the
 * instance, as when it is stopped (without stopping the lab's). */
static char *unreachable_conf(void)
{
    char *text = read_text(g_conf);
    char *path = pn_sprintf("%s/unreachable.conf", g_tmp);
    pn_str out = PN_STR_INIT;
    for (char *line = text, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!strncmp(line, "base_dir", 8))
            pn_str_appendf(&out, "base_dir = %s/no-dovecot-here\n", g_tmp);
        else {
            pn_str_appendn(&out, line, len);
            pn_str_appendc(&out, '\n');
        }
        if (!nl)
            break;
    }
    write_text(path, pn_str_cstr(&out));
    pn_str_free(&out);
    free(text);
    return path;
}

static void test_not_running(void **state)
{
    (void)state;
    char *conf = unreachable_conf();
    pn_config *cfg = pn_config_defaults();
    free(cfg->dovecot_config_file);
    cfg->dovecot_config_file = pn_strdup(conf);
    pn_ctx *ctx = pn_ctx_new_local(cfg, false);
    pn_quota_usage q, *list = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_quota_get(ctx, "bob@lab.example", &q, &err));
    printf("# quota get, Dovecot unreachable: %s\n", pn_err_msg(&err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_contains(pn_err_msg(&err), "Dovecot is not running (doveadm cannot reach ");
    assert_contains(pn_err_msg(&err), "no-dovecot-here/auth-userdb: No such file or directory)");
    assert_false(pn_dovecot_quota_all(ctx, &list, &n, &err));
    printf("# quota get -A, Dovecot unreachable: %s\n", pn_err_msg(&err));
    assert_contains(pn_err_msg(&err), "Dovecot is not running");
    assert_false(pn_dovecot_user_check(ctx, "bob@lab.example", &err));
    assert_contains(pn_err_msg(&err), "Dovecot is not running");
    pn_err_clear(&err);
    pn_ctx_free(ctx);
    free(conf);
}

/* ---- public mailboxes ---------------------------------------------------- */

static void test_public_sync_creates(void **state)
{
    (void)state;
    pn_public_owner owners[] = {{false, "alice@lab.example"}, {true, TEAM}};
    pn_public p = sales_with(owners, 2);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_dovecot_public_sync(g_ctx, &p, 1, g_public_dir, &log, &err);
    print_log("first sync", &log);
    if (!ok)
        fail_msg("sync: %s", pn_err_msg(&err));
    assert_contains(pn_str_cstr(&log), "mailbox create -u " SALES_USER " INBOX: ok");
    /* The lab's public root ACL grants `authenticated`; the new folder
     * inherited it and the sync took it away. */
    assert_contains(pn_str_cstr(&log), "acl delete -u " SALES_USER " INBOX authenticated: ok");
    char *dir = pn_sprintf("%s/.%s", g_public_dir, SALES);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    free(dir);

    char *acl = acl_of(SALES_USER, "INBOX");
    assert_string_equal(acl, "ID\tGlobal\tRights\n"
                             "anyone\t\t\n"
                             "group=" TEAM "\t\t" FULL "\n"
                             "owner\t\t" FULL "\n"
                             "user=alice@lab.example\t\t" FULL "\n");
    free(acl);
    /* the same file seen from the public namespace */
    acl = acl_of("alice@lab.example", "Public/" SALES);
    assert_contains(acl, "user=alice@lab.example\t\t" FULL "\n");
    assert_not_contains(acl, "authenticated");
    free(acl);
    pn_str_free(&log);
}

static void test_public_imap_access(void **state)
{
    (void)state;
    char *alice = imap_view("alice@lab.example", "Public/" SALES);
    char *erin = imap_view(ERIN, "Public/" SALES);
    char *bob = imap_view("bob@lab.example", "Public/" SALES);
    print_lines("alice", alice);
    print_lines("erin", erin);
    print_lines("bob", bob);
    assert_contains(alice, "Public/" SALES);
    assert_contains(alice, "SELECT OK");
    assert_contains(erin, "Public/" SALES);          /* through acl_groups */
    assert_contains(erin, "SELECT OK");
    assert_not_contains(bob, "Public/" SALES);
    assert_contains(bob, "SELECT NO");
    assert_contains(bob, "Public/Announcements");    /* the lab's own public folder */
    free(alice);
    free(erin);
    free(bob);
}

static void test_public_lmtp_delivery(void **state)
{
    (void)state;
    char *before = imap_view("alice@lab.example", "Public/" SALES);
    send_mail(true, SALES_USER, 500);
    char *after = imap_view("alice@lab.example", "Public/" SALES);
    int n0 = -1, n1 = -1;
    const char *p = strstr(before, "SELECT OK ");
    if (p)
        n0 = atoi(p + 10);
    p = strstr(after, "SELECT OK ");
    if (p)
        n1 = atoi(p + 10);
    printf("# Public/%s messages: %d -> %d\n", SALES, n0, n1);
    assert_true(n0 >= 0);
    assert_int_equal(n1, n0 + 1);
    free(before);
    free(after);
}

static void test_public_sync_idempotent(void **state)
{
    (void)state;
    pn_public_owner owners[] = {{true, TEAM}, {false, "alice@lab.example"}};
    pn_public p = sales_with(owners, 2);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_public_sync(g_ctx, &p, 1, g_public_dir, &log, &err))
        fail_msg("sync: %s", pn_err_msg(&err));
    /* Only the two reads: nothing to create, nothing to change. */
    char *want = pn_sprintf("doveadm -c %s user -f mail " SALES_USER ": ok\n"
                            "doveadm -c %s -f tab acl get -u " SALES_USER " INBOX: ok\n",
                            g_conf, g_conf);
    assert_string_equal(pn_str_cstr(&log), want);
    free(want);
    pn_str_free(&log);
}

static void test_public_sync_owner_change(void **state)
{
    (void)state;
    /* Someone grants everybody read access by hand; then the owners become
     * bob alone. The sync leaves exactly bob and owner. */
    free(doveadm("acl", "set", "-u", SALES_USER, "INBOX", "authenticated", "lookup"));
    pn_public_owner owners[] = {{false, "bob@lab.example"}};
    pn_public p = sales_with(owners, 1);
    pn_str log = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_public_sync(g_ctx, &p, 1, g_public_dir, &log, &err))
        fail_msg("sync: %s", pn_err_msg(&err));
    print_log("owners become bob alone", &log);
    char *acl = acl_of(SALES_USER, "INBOX");
    assert_string_equal(acl, "ID\tGlobal\tRights\n"
                             "anyone\t\t\n"
                             "owner\t\t" FULL "\n"
                             "user=bob@lab.example\t\t" FULL "\n");
    free(acl);
    char *alice = imap_view("alice@lab.example", "Public/" SALES);
    char *erin = imap_view(ERIN, "Public/" SALES);
    char *bob = imap_view("bob@lab.example", "Public/" SALES);
    assert_contains(alice, "SELECT NO");
    assert_contains(erin, "SELECT NO");
    assert_contains(bob, "SELECT OK");
    free(alice);
    free(erin);
    free(bob);
    pn_str_free(&log);
}

static void test_public_sync_read_only(void **state)
{
    (void)state;
    pn_ctx *ro = new_ctx(g_config, true);
    pn_public p = sales_with(NULL, 0);
    pn_err err = PN_ERR_INIT;
    assert_false(pn_dovecot_public_sync(ro, &p, 1, g_public_dir, NULL, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    pn_err_clear(&err);
    pn_ctx_free(ro);
}

/* ---- CLI: mailbox show / usage ------------------------------------------- */

/* A postern.yaml like the lab's with its own state DB (and optionally
 * another dovecot.conf). */
static char *cli_config(const char *name, const char *dovecot_conf)
{
    char *text = read_text(g_config);
    pn_str out = PN_STR_INIT;
    for (char *line = text, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!strncmp(line, "state_db:", 9))
            pn_str_appendf(&out, "state_db: %s/state.db\n", g_tmp);
        else if (dovecot_conf && !strncmp(line, "  config_file:", 14) && strstr(line, ".conf") &&
                 strstr(line, "dovecot"))
            pn_str_appendf(&out, "  config_file: %s\n", dovecot_conf);
        else {
            pn_str_appendn(&out, line, len);
            pn_str_appendc(&out, '\n');
        }
        if (!nl)
            break;
    }
    char *path = pn_sprintf("%s/%s", g_tmp, name);
    write_text(path, pn_str_cstr(&out));
    pn_str_free(&out);
    free(text);
    return path;
}

static char *postern(const char *config, const char *a1, const char *a2, const char *a3,
                     const char *a4, const char *input, int *rc)
{
    const char *argv[] = {g_bin, "--config", config, a1, a2, a3, a4, NULL};
    return run(argv, input, rc);
}

static void test_cli_show_and_usage(void **state)
{
    (void)state;
    if (!g_bin || !*g_bin)
        skip();
    char *cfg = cli_config("postern.yaml", NULL);
    int rc;
    free(postern(cfg, "domain", "add", "lab.example", NULL, NULL, &rc));
    assert_int_equal(rc, 0);
    free(postern(cfg, "mailbox", "add", "bob@lab.example", "--password-stdin", "secret\n", &rc));
    assert_int_equal(rc, 0);

    char *show = postern(cfg, "mailbox", "show", "bob@lab.example", NULL, NULL, &rc);
    print_quota_line(show);
    assert_int_equal(rc, 0);
    assert_contains(show, "quota used:     ");
    assert_contains(show, " of 10M (");
    free(show);
    show = postern(cfg, "--json", "mailbox", "show", "bob@lab.example", NULL, &rc);
    assert_int_equal(rc, 0);
    assert_contains(show, "\"quota_used\":{\"storage_bytes\":");
    assert_contains(show, "\"storage_limit_bytes\":10485760");
    free(show);

    char *usage = postern(cfg, "mailbox", "usage", NULL, NULL, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_contains(usage, "USER ");
    assert_contains(usage, "bob@lab.example");
    assert_contains(usage, "carol@lab.example");
    assert_not_contains(usage, PN_DOVECOT_PUBLIC_DOMAIN);
    free(usage);
    usage = postern(cfg, "--json", "mailbox", "usage", NULL, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_contains(usage, "{\"user\":\"carol@lab.example\",\"quota_name\":\"User quota\","
                           "\"storage_bytes\":");
    assert_contains(usage, "\"storage_limit_bytes\":2097152");
    free(usage);

    /* Dovecot unreachable: show still works and says why; usage fails. */
    char *conf = unreachable_conf();
    char *bad = cli_config("unreachable.yaml", conf);
    show = postern(bad, "mailbox", "show", "bob@lab.example", NULL, NULL, &rc);
    print_quota_line(show);
    assert_int_equal(rc, 0);
    assert_contains(show, "quota used:     unavailable (Dovecot is not running (doveadm cannot reach ");
    free(show);
    show = postern(bad, "--json", "mailbox", "show", "bob@lab.example", NULL, &rc);
    assert_contains(show, "\"quota_used\":null,\"quota_used_error\":\"Dovecot is not running");
    free(show);
    const char *argv[] = {g_bin, "--config", bad, "mailbox", "usage", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_run(g_ctx->tr, argv, NULL, &res, &err));
    print_lines("stderr", pn_str_cstr(&res.err));
    assert_int_equal(res.exit_code, 1);
    assert_contains(pn_str_cstr(&res.err), "postern: mailbox usage: Dovecot is not running");
    pn_run_result_free(&res);
    free(bad);
    free(conf);
    free(cfg);
}

/* ---- setup ----------------------------------------------------------------- */

static void remove_test_folders(void)
{
    char *dir = pn_sprintf("%s/.%s", g_public_dir, SALES);
    rm_tree(dir);
    free(dir);
}

static int group_setup(void **state)
{
    (void)state;
    g_ctx = new_ctx(g_config, false);
    char tmpl[] = "/tmp/postern-test-dovecot.XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    g_tmp = pn_strdup(tmpl);
    g_conf = g_ctx->cfg->dovecot_config_file;
    g_public_dir = pn_sprintf("%s/mail/public", g_lab);
    remove_test_folders();
    /* Delivery to the delivery user writes its Maildir++ quota file at the
     * root of the public directory (its mail root). */
    char *mds = pn_sprintf("%s/maildirsize", g_public_dir);
    g_had_maildirsize = access(mds, F_OK) == 0;
    free(mds);

    /* The users a rendered include gives Dovecot: the delivery user of the
     * public mailbox (home the public dir, mail in its folder) and a user in
     * a group (acl_groups). user:password:uid:gid:gecos:home:shell:extra */
    g_users_file = pn_sprintf("%s/dovecot/test-dovecot-runtime.users", g_lab);
    g_include_file = pn_sprintf("%s/dovecot/test-dovecot-runtime.conf", g_lab);
    char *users = pn_sprintf(
        "# written by tests/lab/test_dovecot_runtime.c; removed at its end\n"
        "%s:::::%s::userdb_mail=maildir:%s:INBOX=%s/.%s userdb_quota_rule=*:storage=0\n"
        "%s:{PLAIN}secret::::%s/lab.example/pntest-erin::userdb_acl_groups=%s\n",
        SALES_USER, g_public_dir, g_public_dir, g_public_dir, SALES, ERIN, getenv("LAB_MAILDIR_ROOT"),
        TEAM);
    write_text(g_users_file, users);
    free(users);
    char *include = pn_sprintf(
        "# written by tests/lab/test_dovecot_runtime.c; removed at its end\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%%Lu %s\n}\n"
        "userdb {\n  driver = passwd-file\n  args = username_format=%%Lu %s\n"
        "  default_fields = uid=mail gid=mail\n}\n",
        g_users_file, g_users_file);
    write_text(g_include_file, include);
    free(include);

    g_saved_conf = read_text(g_conf);
    char *line = pn_sprintf("!include_try %s\n", g_include_file);
    if (!strstr(g_saved_conf, line)) {
        char *conf = pn_sprintf("%s%s", g_saved_conf, line);
        write_text(g_conf, conf);
        free(conf);
    }
    free(line);
    reload_until(SALES_USER, true);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_saved_conf) {
        char *line = pn_sprintf("!include_try %s\n", g_include_file);
        char *at = strstr(g_saved_conf, line);
        if (at)   /* left over from an aborted run */
            memmove(at, at + strlen(line), strlen(at + strlen(line)) + 1);
        write_text(g_conf, g_saved_conf);
        free(line);
        reload_until(SALES_USER, false);
    }
    remove_test_folders();
    if (!g_had_maildirsize) {
        char *mds = pn_sprintf("%s/maildirsize", g_public_dir);
        unlink(mds);
        free(mds);
    }
    unlink(g_users_file);
    unlink(g_include_file);
    rm_tree(g_tmp);
    free(g_saved_conf);
    free(g_users_file);
    free(g_include_file);
    free(g_public_dir);
    free(g_tmp);
    pn_ctx_free(g_ctx);
    return 0;
}

int main(void)
{
    g_config = getenv("POSTERN_CONFIG");
    g_lab = getenv("POSTERN_LAB");
    g_smtp = getenv("LAB_SMTP_PORT");
    g_imap = getenv("LAB_IMAP_PORT");
    g_lmtp = getenv("LAB_LMTP_PORT");
    g_bin = getenv("POSTERN_BIN");
    if (!g_config || !*g_config || !g_lab || !*g_lab) {
        puts("1..0 # SKIP lab not running (POSTERN_LAB/POSTERN_CONFIG unset)");
        return 0;
    }
    if (!g_smtp || !g_imap || !g_lmtp || !getenv("LAB_MAILDIR_ROOT")) {
        puts("1..0 # SKIP lab environment incomplete (LAB_SMTP_PORT, LAB_IMAP_PORT, "
             "LAB_LMTP_PORT, LAB_MAILDIR_ROOT)");
        return 0;
    }
    if (!getenv("CMOCKA_MESSAGE_OUTPUT"))
        cmocka_set_message_output(CM_OUTPUT_TAP);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quota_bob_after_delivery),
        cmocka_unit_test(test_quota_all),
        cmocka_unit_test(test_unknown_user),
        cmocka_unit_test(test_not_running),
        cmocka_unit_test(test_public_sync_creates),
        cmocka_unit_test(test_public_imap_access),
        cmocka_unit_test(test_public_lmtp_delivery),
        cmocka_unit_test(test_public_sync_idempotent),
        cmocka_unit_test(test_public_sync_owner_change),
        cmocka_unit_test(test_public_sync_read_only),
        cmocka_unit_test(test_cli_show_and_usage),
    };
    return cmocka_run_group_tests_name("dovecot_runtime", tests, group_setup, group_teardown);
}
