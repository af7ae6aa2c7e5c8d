/* test_store_yaml.c - unit tests for the state file (store_yaml*.c):
 * export -> import --replace into an empty DB -> export gives the same
 * bytes for every kind of entity (wildcard, internal, forwards, settings,
 * public owners of both kinds); merge versus replace; journal rows; every
 * problem of a bad file reported with its line and column, and nothing
 * written then; the format checks; read-only refusal; dry runs. Each test
 * uses fresh DBs in a mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "store.h"
#include "store_yaml.h"
#include "util/mem.h"
#include "util/str.h"

#include "store_fixture.h"

typedef struct fixture {
    char dir[64];
    sqlite3 *db, *db2;        /* the source, and an empty one to import into */
    pn_store *st, *st2;
} fixture;

static int setup(void **state)
{
    fixture *f = pn_calloc(1, sizeof(*f));
    sf_tmpdir_make(f->dir, sizeof(f->dir), "yaml");
    sf_store_open(f->dir, "one.db", "tester", &f->db, &f->st);
    sf_store_open(f->dir, "two.db", "importer", &f->db2, &f->st2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sf_store_close(f->db, f->st);
    sf_store_close(f->db2, f->st2);
    sf_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* ---- building a state through the store's own API ---- */

static void add_domain(pn_store *st, const char *name, const char *relay, int port,
                       const char *bcc)
{
    pn_err err = PN_ERR_INIT;
    pn_domain d = {0};
    d.name = (char *)name;
    d.relay = relay != NULL;
    d.relay_host = (char *)relay;
    d.relay_port = port;
    d.bcc = (char *)bcc;
    if (!pn_store_domain_add(st, &d, NULL, &err))
        fail_msg("add domain %s: %s", name, pn_err_msg(&err));
}

static void add_mailbox(pn_store *st, const char *address, const char *name)
{
    pn_err err = PN_ERR_INIT;
    pn_mailbox m = {0};
    m.address = (char *)address;
    m.display_name = (char *)name;
    m.imap = m.pop3 = m.smtp = true;
    m.quota_bytes = -1;
    m.spam_retention_days = -1;
    m.forward_keep_copy = true;
    if (!pn_store_mailbox_add(st, &m, "s3cret-Pass", NULL, &err))
        fail_msg("add mailbox %s: %s", address, pn_err_msg(&err));
}

static void add_group(pn_store *st, const char *address, bool enabled, const char *m1,
                      const char *m2)
{
    pn_err err = PN_ERR_INIT;
    char *members[2] = {(char *)m1, (char *)m2};
    pn_group g = {0};
    g.address = (char *)address;
    g.enabled = enabled;
    g.members = members;
    g.nmembers = m2 ? 2 : m1 ? 1 : 0;
    if (!pn_store_group_add(st, &g, NULL, &err))
        fail_msg("add group %s: %s", address, pn_err_msg(&err));
}

static void add_address(pn_store *st, const char *address, bool internal, pn_dest *dests,
                        size_t n)
{
    pn_err err = PN_ERR_INIT;
    pn_address a = {0};
    a.address = (char *)address;
    a.internal = internal;
    a.dests = dests;
    a.ndests = n;
    if (!pn_store_address_add(st, &a, NULL, &err))
        fail_msg("add address %s: %s", address, pn_err_msg(&err));
}

/* Every kind of entity and field the file carries. */
static void build_rich_state(pn_store *st)
{
    pn_err err = PN_ERR_INIT;
    assert_true(pn_store_setting_set(st, "mailbox.default_quota", "100M", 0, &err));
    assert_true(pn_store_setting_set(st, "mailbox.default_spam_retention_days", "30", 0, &err));
    add_domain(st, "example.com", NULL, 0, "Archive@Example.net");
    add_domain(st, "relay.example.org", "mx.relay.example.org", 2525, NULL);
    add_domain(st, "relay2.example.org", "25.mx.example.org", 0, NULL);
    add_domain(st, "2nd.example.com", NULL, 0, NULL);
    add_mailbox(st, "alice@example.com", "Alice \"Al\" O'Hara, Zoë \\ #1");
    add_mailbox(st, "bob@example.com", "");
    add_mailbox(st, "true@2nd.example.com", "yes");

    pn_mailbox m;
    assert_true(pn_store_mailbox_get(st, "bob@example.com", &m, &err));
    char *fw[2] = {"b.copy@example.net", "a.copy@example.net"};
    char **saved = m.forwards;
    m.forwards = fw;
    m.nforwards = 2;
    m.forward_keep_copy = false;
    m.quota_bytes = 2147483648;
    m.spam_retention_days = 0;
    m.imap = false;
    m.smtp = false;
    assert_true(pn_store_mailbox_edit(st, &m, &err));
    m.forwards = saved;
    m.nforwards = 0;
    pn_mailbox_clear(&m);

    pn_domain d;
    assert_true(pn_store_domain_get(st, "example.com", &d, &err));
    d.catchall = pn_strdup("bob@example.com");
    assert_true(pn_store_domain_edit(st, &d, &err));
    pn_domain_clear(&d);

    add_group(st, "staff@example.com", true, "bob@example.com", "alice@example.com");
    add_group(st, "old@example.com", false, NULL, NULL);
    pn_public_owner owners[2] = {{true, "staff@example.com"}, {false, "alice@example.com"}};
    pn_public p = {0};
    p.name = "Shared.Box";
    p.owners = owners;
    p.nowners = 2;
    assert_true(pn_store_public_add(st, &p, NULL, &err));
    p.name = "empty";
    p.nowners = 0;
    assert_true(pn_store_public_add(st, &p, NULL, &err));

    pn_dest all[4] = {{PN_DEST_EXTERNAL, "Ext@Example.net"}, {PN_DEST_USER, "alice@example.com"},
                      {PN_DEST_GROUP, "staff@example.com"}, {PN_DEST_PUBLIC, "Shared.Box"}};
    add_address(st, "info@*", false, all, 4);
    add_address(st, "sales@example.com", true, all + 1, 1);
    add_address(st, "postmaster@2nd.example.com", false, all, 1);
    pn_err_clear(&err);
}

static char *export(pn_store *st)
{
    pn_err err = PN_ERR_INIT;
    pn_str out = PN_STR_INIT;
    if (!pn_store_export_yaml(st, &out, &err))
        fail_msg("export: %s", pn_err_msg(&err));
    return pn_str_steal(&out);
}

static bool import(pn_store *st, const char *text, bool replace, pn_import_report *rep,
                   pn_err *err)
{
    return pn_store_import_yaml(st, "t.yaml", text, strlen(text), replace, rep, err);
}

static void print_problems(const pn_import_report *rep)
{
    for (size_t i = 0; i < rep->nproblems; i++)
        print_message("# %s\n", rep->problems[i]);
}

/* Some problem starts with prefix ("t.yaml:12:") and contains what. */
static void assert_problem(const pn_import_report *rep, const char *prefix, const char *what)
{
    for (size_t i = 0; i < rep->nproblems; i++)
        if (!strncmp(rep->problems[i], prefix, strlen(prefix)) && strstr(rep->problems[i], what))
            return;
    print_problems(rep);
    fail_msg("no problem '%s...%s'", prefix, what);
}

/* ---- round trip ---- */

static void test_export_empty(void **state)
{
    fixture *f = *state;
    char *y = export(f->st);
    assert_contains(y, "# postern state (format 1)");
    assert_contains(y, "\npostern_state: 1\nsettings: {}\ndomains: []\nmailboxes: []\ngroups: []\n"
                       "public: []\naddresses: []\n");
    assert_int_equal(y[0], '#');
    pn_import_report rep;
    pn_err err = PN_ERR_INIT;
    assert_true(import(f->st2, y, true, &rep, &err));
    assert_false(rep.written);
    assert_int_equal(pn_import_report_changes(&rep), 0);
    pn_import_report_clear(&rep);
    free(y);
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    build_rich_state(f->st);
    char *a = export(f->st);
    /* the shape, as documented in store_yaml.h */
    assert_contains(a, "settings:\n  mailbox.default_quota: \"104857600\"\n"
                       "  mailbox.default_spam_retention_days: \"30\"\n");
    assert_contains(a, "  - name: example.com\n    delivery: local\n"
                       "    bcc: Archive@Example.net\n    catch_all: bob@example.com\n");
    assert_contains(a, "  - name: relay.example.org\n    delivery: relay\n"
                       "    relay_host: mx.relay.example.org\n    relay_port: 2525\n");
    assert_contains(a, "    relay_host: \"25.mx.example.org\"\n");
    assert_contains(a, "  - name: \"2nd.example.com\"\n");
    assert_contains(a, "    name: \"Alice \\\"Al\\\" O'Hara, Zoë \\\\ #1\"\n");
    assert_contains(a, "    password_hash: \"$");
    assert_contains(a, "  - address: bob@example.com\n    name: \"\"\n");
    assert_contains(a, "    imap: false\n    pop3: true\n    smtp: false\n    quota: 2147483648\n"
                       "    spam_retention_days: 0\n    forwards:\n"
                       "      - a.copy@example.net\n      - b.copy@example.net\n"
                       "    forward_keep_copy: false\n");
    assert_contains(a, "    quota: default\n    spam_retention_days: default\n    forwards: []\n");
    assert_contains(a, "    name: \"yes\"\n");
    assert_contains(a, "  - address: old@example.com\n    enabled: false\n    members: []\n");
    assert_contains(a, "  - name: Shared.Box\n    owners:\n      - user: alice@example.com\n"
                       "      - group: staff@example.com\n");
    assert_contains(a, "  - name: empty\n    owners: []\n");
    assert_contains(a, "addresses:\n  - address: \"info@*\"\n    internal: false\n"
                       "    destinations:\n      - external: ext@example.net\n"
                       "      - user: alice@example.com\n      - group: staff@example.com\n"
                       "      - public: Shared.Box\n");
    assert_contains(a, "  - address: sales@example.com\n    internal: true\n");

    pn_import_report rep;
    pn_err err = PN_ERR_INIT;
    if (!import(f->st2, a, true, &rep, &err)) {
        print_problems(&rep);
        fail_msg("import: %s", pn_err_msg(&err));
    }
    assert_true(rep.written);
    assert_int_equal(rep.counts[PN_IMPORT_SETTINGS].added, 2);
    assert_int_equal(rep.counts[PN_IMPORT_DOMAINS].added, 4);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].added, 3);
    assert_int_equal(rep.counts[PN_IMPORT_GROUPS].added, 2);
    assert_int_equal(rep.counts[PN_IMPORT_PUBLIC].added, 2);
    assert_int_equal(rep.counts[PN_IMPORT_ADDRESSES].added, 3);
    pn_import_report_clear(&rep);
    char *b = export(f->st2);
    assert_string_equal(a, b);
    /* logins survive: the same hashes */
    static const char hashes[] = "SELECT group_concat(h, ' ') FROM (SELECT localpart || ':' ||"
                                 " password_hash AS h FROM mailboxes ORDER BY localpart)";
    char *h1 = sf_query_text(f->db, hashes), *h2 = sf_query_text(f->db2, hashes);
    assert_string_equal(h1, h2);
    free(h1);
    free(h2);
    /* one journal row per entity and setting, hashes redacted */
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal"), 16);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal WHERE action = 'add'"
                                       " AND actor = 'importer' AND generation IS NULL"), 16);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal WHERE after LIKE '%$y$%'"
                                       " OR after LIKE '%$6$%'"), 0);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal WHERE entity ="
                                       " 'domain example.com' AND after LIKE"
                                       " '%\"catchall\":\"bob@example.com\"%'"), 1);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal WHERE entity ="
                                       " 'public mailbox Shared.Box' AND after LIKE"
                                       " '%group:staff@example.com%'"), 1);
    /* a second import changes nothing and journals nothing */
    assert_true(import(f->st2, a, true, &rep, &err));
    assert_false(rep.written);
    assert_int_equal(pn_import_report_changes(&rep), 0);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].unchanged, 3);
    assert_int_equal(rep.counts[PN_IMPORT_SETTINGS].unchanged, 2);
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal"), 16);
    assert_int_equal(sf_query_int(f->db2, "SELECT max(rev) FROM mailboxes"), 1);
    /* and into the source itself, merging: nothing either */
    assert_true(import(f->st, a, false, &rep, &err));
    assert_int_equal(pn_import_report_changes(&rep), 0);
    pn_import_report_clear(&rep);
    free(a);
    free(b);
    pn_err_clear(&err);
}

/* ---- merge and replace ---- */

static const char merge_file[] =
    "postern_state: 1\n"
    "domains:\n"
    "  - name: b.example\n"
    "  - name: a.example\n"
    "    bcc: copy@a.example\n"
    "mailboxes:\n"
    "  - address: y@b.example\n"
    "    password_hash: \"$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789./ABCDEFGH\"\n"
    "  - address: x@a.example\n"
    "    name: New Name\n"
    "groups:\n"
    "  - address: team@b.example\n"
    "    members: [y@b.example, x@a.example]\n";

static void test_merge_and_replace(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    add_domain(f->st, "a.example", NULL, 0, NULL);
    add_domain(f->st, "c.example", NULL, 0, NULL);
    add_mailbox(f->st, "x@a.example", "Old Name");
    add_mailbox(f->st, "z@c.example", "Zed");
    assert_true(pn_store_setting_set(f->st, "mailbox.default_quota", "1G", 0, &err));
    char *hash = sf_query_text(f->db, "SELECT password_hash FROM mailboxes WHERE localpart = 'x'");
    int64_t journal = sf_query_int(f->db, "SELECT count(*) FROM journal");

    /* dry run first: counts, nothing written */
    assert_true(pn_store_import_yaml_check(f->st, "t.yaml", merge_file, strlen(merge_file), false,
                                           &rep, &err));
    assert_false(rep.written);
    assert_int_equal(rep.counts[PN_IMPORT_DOMAINS].added, 1);
    assert_int_equal(rep.counts[PN_IMPORT_DOMAINS].changed, 1);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].added, 1);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].changed, 1);
    assert_int_equal(rep.counts[PN_IMPORT_GROUPS].added, 1);
    assert_int_equal(pn_import_report_removed(&rep), 0);
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), journal);

    /* merge: added and updated, the rest left alone; the hash kept */
    if (!import(f->st, merge_file, false, &rep, &err)) {
        print_problems(&rep);
        fail_msg("merge: %s", pn_err_msg(&err));
    }
    assert_true(rep.written);
    assert_int_equal(pn_import_report_changes(&rep), 5);
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM domains"), 3);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM mailboxes"), 3);
    char *now = sf_query_text(f->db, "SELECT password_hash FROM mailboxes WHERE localpart = 'x'");
    assert_string_equal(hash, now);
    free(now);
    assert_int_equal(sf_query_int(f->db, "SELECT rev FROM mailboxes WHERE localpart = 'x'"), 2);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM mailboxes WHERE display_name ="
                                      " 'New Name'"), 1);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM settings"), 1);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), journal + 5);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal WHERE entity ="
                                      " 'mailbox x@a.example' AND action = 'edit' AND before LIKE"
                                      " '%Old Name%' AND after LIKE '%New Name%'"), 1);

    /* replace: what the file does not list goes, journalled as deletes */
    assert_true(pn_store_import_yaml_check(f->st, "t.yaml", merge_file, strlen(merge_file), true,
                                           &rep, &err));
    assert_int_equal(rep.counts[PN_IMPORT_DOMAINS].removed, 1);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].removed, 1);
    assert_int_equal(rep.counts[PN_IMPORT_SETTINGS].removed, 1);
    assert_int_equal(pn_import_report_removed(&rep), 3);
    pn_import_report_clear(&rep);
    assert_true(import(f->st, merge_file, true, &rep, &err));
    assert_int_equal(pn_import_report_changes(&rep), 3);
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM domains"), 2);
    assert_int_equal(
        sf_query_int(f->db, "SELECT count(*) FROM mailboxes WHERE localpart = 'z'"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM settings"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal WHERE action = 'delete' AND"
                                      " entity IN ('domain c.example', 'mailbox z@c.example',"
                                      " 'setting mailbox.default_quota')"), 3);
    free(hash);
    pn_err_clear(&err);
}

/* Replace may give a name another kind; merge may not. */
static void test_kind_change(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    add_domain(f->st, "a.example", NULL, 0, NULL);
    add_mailbox(f->st, "x@a.example", NULL);
    add_group(f->st, "info@a.example", true, "x@a.example", NULL);
    static const char file[] =
        "postern_state: 1\n"
        "domains: [{name: a.example}]\n"
        "mailboxes:\n"
        "  - address: x@a.example\n"
        "    password_hash: \"$6$salt$hash\"\n"
        "addresses:\n"
        "  - address: info@a.example\n"
        "    destinations: [{user: x@a.example}]\n";
    assert_false(import(f->st, file, false, &rep, &err));
    assert_problem(&rep, "t.yaml:7:14: addresses.address: info@a.example is a group in the state"
                         " DB", "--replace");
    pn_import_report_clear(&rep);
    if (!import(f->st, file, true, &rep, &err)) {
        print_problems(&rep);
        fail_msg("replace: %s", pn_err_msg(&err));
    }
    assert_int_equal(rep.counts[PN_IMPORT_GROUPS].removed, 1);
    assert_int_equal(rep.counts[PN_IMPORT_ADDRESSES].added, 1);
    assert_int_equal(rep.counts[PN_IMPORT_MAILBOXES].changed, 1);
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM groups"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM addresses"), 1);
    pn_err_clear(&err);
}

/* ---- problems ---- */

/* Line numbers matter: each problem is asserted at its line. */
static const char bad_file[] =
    "postern_state: 1\n"                                                    /*  1 */
    "settings:\n"                                                           /*  2 */
    "  mailbox.default_quota: lots\n"                                       /*  3 */
    "domains:\n"                                                            /*  4 */
    "  - name: example.com\n"                                               /*  5 */
    "    colour: blue\n"                                                    /*  6 */
    "  - name: bad_domain!.com\n"                                           /*  7 */
    "  - name: a;b.com\n"                                                   /*  8 */
    "  - name: example.com\n"                                               /*  9 */
    "mailboxes:\n"                                                          /* 10 */
    "  - address: alice@example.com\n"                                     /* 11 */
    "    name: \"Alice\\r\\nEvil\"\n"                                       /* 12 */
    "    password_hash: \"$6$salt$hash\"\n"                                 /* 13 */
    "  - address: \"a,b@example.com\"\n"                                    /* 14 */
    "    password_hash: \"$6$salt$hash\"\n"                                 /* 15 */
    "  - address: \"a:b@example.com\"\n"                                    /* 16 */
    "    password_hash: \"$6$salt$hash\"\n"                                 /* 17 */
    "  - address: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com\n"
    "    password_hash: \"$6$salt$hash\"\n"                                 /* 19 */
    "  - address: info@example.com\n"                                      /* 20 */
    "    password_hash: plaintext\n"                                        /* 21 */
    "    quota: much\n"                                                     /* 22 */
    "    imap: yes\n"                                                       /* 23 */
    "  - address: new@example.com\n"                                       /* 24 */
    "groups:\n"                                                             /* 25 */
    "  - address: info@example.com\n"                                      /* 26 */
    "    members: [alice@example.com, ghost@example.com]\n"                 /* 27 */
    "public:\n"                                                             /* 28 */
    "  - name: sh$(id)\n"                                                   /* 29 */
    "    owners: [{user: alice@example.com}, {robot: r2@example.com}]\n"    /* 30 */
    "addresses:\n"                                                          /* 31 */
    "  - address: info@example.com\n"                                      /* 32 */
    "    destinations:\n"                                                   /* 33 */
    "      - user: ghost@example.com\n"                                     /* 34 */
    "      - public: nowhere\n"                                             /* 35 */
    "      - external: \"x@y.com\\nBcc: evil@z.com\"\n"                     /* 36 */
    "  - address: sales@nodomain.com\n"                                     /* 37 */
    "    destinations: []\n"                                                /* 38 */
    "  - address: x@";                                                      /* 39 */

static void test_every_problem_reported(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    add_domain(f->st, "example.com", NULL, 0, NULL);
    int64_t journal = sf_query_int(f->db, "SELECT count(*) FROM journal");
    /* a domain of 263 characters, appended to the file on line 39 */
    pn_str text = PN_STR_INIT;
    pn_str_append(&text, bad_file);
    for (int i = 0; i < 26; i++)
        pn_str_append(&text, "abcdefghi.");
    pn_str_append(&text, "com\n    destinations: [{user: alice@example.com}]\n");
    assert_false(import(f->st, pn_str_cstr(&text), false, &rep, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_contains(err.msg, "t.yaml: ");
    assert_contains(err.msg, "problems: nothing was written");
    assert_problem(&rep, "t.yaml:3:26: ", "mailbox.default_quota: must be a size");
    assert_problem(&rep, "t.yaml:6:5: ", "domains: unknown key 'colour' (known: name, delivery");
    assert_problem(&rep, "t.yaml:7:11: ", "domains.name: 'bad_domain!.com' is not valid");
    assert_problem(&rep, "t.yaml:8:11: ", "domains.name: 'a;b.com' is not valid");
    assert_problem(&rep, "t.yaml:9:11: ", "domains.name: example.com is listed twice (first at line"
                                          " 5)");
    assert_problem(&rep, "t.yaml:12:11: ", "mailboxes.name: 'Alice\\r\\nEvil' is not valid");
    assert_problem(&rep, "t.yaml:14:14: ", "mailboxes.address: 'a,b' is not valid");
    assert_problem(&rep, "t.yaml:16:14: ", "mailboxes.address: 'a:b' is not valid");
    assert_problem(&rep, "t.yaml:18:14: ", "mailboxes.address: 'aaaaaaaa");
    assert_problem(&rep, "t.yaml:21:20: ", "mailboxes.password_hash: is not a crypt(3) hash");
    assert_problem(&rep, "t.yaml:22:12: ", "mailboxes.quota: must be a size");
    assert_problem(&rep, "t.yaml:23:11: ", "mailboxes.imap: expected true or false, found 'yes'");
    assert_problem(&rep, "t.yaml:24:5: ", "mailboxes.password_hash: is missing: a new mailbox");
    assert_problem(&rep, "t.yaml:26:14: ", "groups.address: info@example.com is also the mailbox"
                                           " at line 20: a local part is used once per domain");
    assert_problem(&rep, "t.yaml:27:34: ", "groups.members: mailbox ghost@example.com does not"
                                           " exist (neither in the file nor in the state DB)");
    assert_problem(&rep, "t.yaml:29:11: ", "public.name: 'sh$(id)' is not valid");
    assert_problem(&rep, "t.yaml:30:42: ", "public.owners: unknown kind 'robot' (known: user,"
                                           " group)");
    assert_problem(&rep, "t.yaml:32:14: ", "addresses.address: info@example.com is also the"
                                           " mailbox at line 20");
    assert_problem(&rep, "t.yaml:34:15: ", "addresses.destinations: mailbox ghost@example.com"
                                           " does not exist");
    assert_problem(&rep, "t.yaml:35:17: ", "addresses.destinations: public mailbox nowhere does"
                                           " not exist");
    assert_problem(&rep, "t.yaml:36:19: ", "addresses.destinations: 'x@y.com\\nBcc: evil@z.com'"
                                           " is not valid");
    assert_problem(&rep, "t.yaml:37:14: ", "addresses.address: domain nodomain.com does not exist");
    assert_problem(&rep, "t.yaml:38:19: ", "addresses.destinations: is empty");
    assert_problem(&rep, "t.yaml:39:14: ", "addresses.address: 'abcdefghi.abcdefghi.");
    /* in file order */
    for (size_t i = 1; i < rep.nproblems; i++) {
        int l0 = atoi(rep.problems[i - 1] + 7), l1 = atoi(rep.problems[i] + 7);
        assert_true(l0 <= l1);
    }
    assert_int_equal(rep.total_problems, rep.nproblems);
    pn_import_report_clear(&rep);
    /* nothing written */
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), journal);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM domains"), 1);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM mailboxes"), 0);
    /* the dry run says the same */
    assert_false(pn_store_import_yaml_check(f->st, "t.yaml", text.s, text.len, false, &rep, &err));
    assert_true(rep.nproblems > 20);
    pn_import_report_clear(&rep);
    pn_str_free(&text);
    pn_err_clear(&err);
}

/* A good file with one bad entity writes none of it. */
static void test_one_bad_entity_writes_nothing(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    build_rich_state(f->st);
    char *a = export(f->st);
    /* break one destination of the last address */
    char *at = strstr(a, "      - external: ext@example.net\n      - user: alice@example.com\n"
                         "      - group: staff@example.com\n      - public: Shared.Box\n");
    assert_non_null(at);
    memcpy(strstr(at, "Shared.Box"), "Shared.Bax", 10);
    assert_false(import(f->st2, a, true, &rep, &err));
    assert_int_equal(rep.nproblems, 1);
    assert_contains(rep.problems[0], "addresses.destinations: public mailbox Shared.Bax does not"
                                     " exist (not in the file, which replaces the whole state)");
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM journal"), 0);
    assert_int_equal(sf_query_int(f->db2, "SELECT count(*) FROM domains"), 0);
    /* merged into the source: nothing written either */
    int64_t journal = sf_query_int(f->db, "SELECT count(*) FROM journal");
    memcpy(strstr(a, "name: example.com\n"), "name: EXAMPLE.com\n", 18);
    assert_false(import(f->st, a, false, &rep, &err));
    pn_import_report_clear(&rep);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), journal);
    free(a);
    pn_err_clear(&err);
}

static void test_invalid_utf8(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    static const char file[] = "postern_state: 1\n"
                               "domains:\n"
                               "  - name: ex\xff" "ample.com\n";
    assert_false(import(f->st, file, false, &rep, &err));
    assert_int_equal(rep.nproblems, 1);
    assert_problem(&rep, "t.yaml:3:", "invalid text");
    pn_import_report_clear(&rep);
    /* an escape is decoded first and then refused by the validator */
    static const char esc[] = "postern_state: 1\n"
                              "domains:\n"
                              "  - name: \"ex\\u00e9mple.com\"\n"
                              "  - name: \"nul\\0.com\"\n";
    assert_false(import(f->st, esc, false, &rep, &err));
    assert_problem(&rep, "t.yaml:3:11: ", "domains.name: 'exémple.com' is not valid");
    assert_problem(&rep, "t.yaml:4:11: ", "domains.name: contains a NUL byte");
    pn_import_report_clear(&rep);
    pn_err_clear(&err);
}

static void test_format_checks(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    static const struct {
        const char *text, *prefix, *what;
    } cases[] = {
        {"", "t.yaml:1:1: ", "postern_state: is missing: the file is empty"},
        {"# only a comment\n", "t.yaml:1:1: ", "the file is empty"},
        {"domains: []\n", "t.yaml:1:1: ", "postern_state: is missing: not a postern state file"},
        {"postern_state: 2\n", "t.yaml:1:16: ", "postern_state: format '2' is not supported"},
        {"- a\n- b\n", "t.yaml:1:1: ", "expected a mapping (a postern state file)"},
        {"postern_state: 1\ndomains: {name: x.com}\n", "t.yaml:2:10: ",
         "domains: expected a list, found a mapping"},
        {"postern_state: 1\ndomains: [x.com]\n", "t.yaml:2:11: ",
         "domains: expected a mapping (one entry of the list), found 'x.com'"},
        {"postern_state: 1\nextra: 1\n", "t.yaml:2:1: ", "top level: unknown key 'extra'"},
        {"postern_state: 1\npostern_state: 1\n", "t.yaml:2:1: ", "key 'postern_state' is given"
                                                                  " twice (first at line 1)"},
        {"postern_state: 1\ndomains: [&a {name: x.com}]\n", "t.yaml:2:", "anchors (&a) are not"
                                                                        " supported"},
        {"postern_state: 1\ndomains: [\n", "t.yaml:", "YAML syntax error"},
        {"postern_state: 1\nsettings: {nope: 1}\n", "t.yaml:2:12: ", "settings: unknown key"
                                                                     " 'nope'"},
        {"postern_state: 1\ndomains: [{name: r.com, delivery: relay}]\n", "t.yaml:2:11: ",
         "domains.relay_host: is missing"},
        {"postern_state: 1\ndomains: [{name: r.com, delivery: local, relay_port: 25}]\n",
         "t.yaml:2:54: ", "domains.relay_port: only a relay domain has a relay port"},
        {"postern_state: 1\ndomains: [{name: r.com, delivery: relay, relay_host: h,"
         " catch_all: a@r.com}]\n", "t.yaml:2:68: ", "a relay domain cannot have a catch-all"},
        {"postern_state: 1\nmailboxes: [{address: a@b.com, password_hash: \"$6$x:y$z\"}]\n",
         "t.yaml:", "contains ':': not a crypt(3) hash character"},
        {"postern_state: 1\naddresses: [{address: a@*}]\n", "t.yaml:2:13: ",
         "addresses.destinations: is missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (import(f->st, cases[i].text, false, &rep, &err))
            fail_msg("case %zu accepted", i);
        assert_problem(&rep, cases[i].prefix, cases[i].what);
        pn_import_report_clear(&rep);
    }
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), 0);
    pn_err_clear(&err);
}

static void test_read_only(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    pn_ctx ctx = {NULL, NULL, true};
    pn_store *ro = pn_store_new(f->db, &ctx, "viewer");
    assert_false(import(ro, merge_file, false, &rep, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    assert_int_equal(rep.nproblems, 0);
    pn_import_report_clear(&rep);
    /* checking and exporting still work */
    static const char two[] = "postern_state: 1\ndomains: [{name: a.example}, {name: b.example}]\n";
    assert_true(pn_store_import_yaml_check(ro, "t.yaml", two, strlen(two), true, &rep, &err));
    assert_int_equal(rep.counts[PN_IMPORT_DOMAINS].added, 2);
    pn_import_report_clear(&rep);
    char *y = export(ro);
    free(y);
    pn_store_free(ro);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM domains"), 0);
    pn_err_clear(&err);
}

/* Many problems: the first PN_IMPORT_MAX_PROBLEMS are kept, all counted. */
static void test_many_problems(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    pn_str text = PN_STR_INIT;
    pn_str_append(&text, "postern_state: 1\ndomains:\n");
    for (int i = 0; i < 300; i++)
        pn_str_appendf(&text, "  - name: bad_%d.com\n", i);
    assert_false(import(f->st, text.s, false, &rep, &err));
    assert_int_equal(rep.nproblems, PN_IMPORT_MAX_PROBLEMS);
    assert_int_equal(rep.total_problems, 300);
    assert_contains(err.msg, "300 problems");
    assert_problem(&rep, "t.yaml:3:11: ", "bad_0.com");
    pn_import_report_clear(&rep);
    pn_str_free(&text);
    pn_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_export_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_problem_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_bad_entity_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_problems, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
