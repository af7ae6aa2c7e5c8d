/* test_store.c - unit tests for the configuration state store (store*.c,
 * migration 3): upgrades from every earlier schema version, the one-name-
 * per-domain rule in the schema and in the messages, catch-all and
 * destination checks, refused and cascading deletes, revision conflicts
 * between two connections, read-only refusal, busy, the journal with
 * redacted secrets, public mailboxes, the whole state in one snapshot and the
 * bad-input matrix. Each test uses a fresh DB in a mkdtemp directory
 * (store_fixture.h). */
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
#include "util/mem.h"
#include "util/str.h"

#include "store_fixture.h"

typedef store_fixture fixture;

static int setup(void **state)
{
    return sf_setup(state, "store");
}

static int teardown(void **state)
{
    return sf_teardown(state);
}

static void add_mailbox(pn_store *st, const char *address)
{
    pn_err err = PN_ERR_INIT;
    pn_mailbox m = {0};
    m.address = (char *)address;
    m.imap = m.pop3 = m.smtp = true;
    m.quota_bytes = -1;
    m.spam_retention_days = -1;
    if (!pn_store_mailbox_add(st, &m, "s3cret-Pass", NULL, &err))
        fail_msg("add mailbox %s: %s", address, pn_err_msg(&err));
}

static bool add_address(pn_store *st, const char *address, pn_dest_kind kind, const char *target,
                        pn_err *err)
{
    pn_dest d = {kind, (char *)target};
    pn_address a = {0};
    a.address = (char *)address;
    a.dests = &d;
    a.ndests = 1;
    return pn_store_address_add(st, &a, NULL, err);
}

static bool add_group(pn_store *st, const char *address, const char *member, pn_err *err)
{
    char *members[1] = {(char *)member};
    pn_group g = {0};
    g.address = (char *)address;
    g.enabled = true;
    g.members = members;
    g.nmembers = member ? 1 : 0;
    return pn_store_group_add(st, &g, NULL, err);
}

/* ---- migrations ---- */

static void test_upgrade_from_each_version(void **state)
{
    fixture *f = *state;
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    assert_int_equal(pn_db_schema_version(), (int)n);
    for (size_t k = 0; k < n; k++) {
        char *path = pn_sprintf("%s/v%zu.db", f->dir, k);
        pn_err err = PN_ERR_INIT;
        sqlite3 *db = pn_db_open_with(path, list, k, false, &err);
        assert_non_null(db);
        assert_int_equal(pn_db_user_version(db), (int)k);
        if (k >= 1)
            assert_true(pn_db_exec(db, "INSERT INTO journal(at, actor, entity, action)"
                                       " VALUES (1, 'old', 'x', 'y');", &err));
        if (k >= 2)
            assert_true(pn_db_exec(db, "INSERT INTO queue_samples(at, instance, incoming, active,"
                                       " deferred, hold, bytes) VALUES (1, 'lab', 0, 1, 2, 3, 4);",
                                   &err));
        pn_db_close(db);
        db = pn_db_open(path, &err);
        assert_non_null(db);
        assert_int_equal(pn_db_user_version(db), (int)n);
        if (k >= 1)
            assert_int_equal(
                sf_query_int(db, "SELECT count(*) FROM journal WHERE actor = 'old'"), 1);
        if (k >= 2)
            assert_int_equal(sf_query_int(db, "SELECT count(*) FROM queue_samples"), 1);
        pn_store *st = pn_store_new(db, NULL, NULL);
        sf_add_domain(st, "example.com");
        add_mailbox(st, "alice@example.com");
        pn_store_free(st);
        pn_db_close(db);
        free(path);
    }
}

/* ---- domains ---- */

static void test_domain_crud(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "b.example.org");
    pn_domain d = {0};
    d.name = "Example.com";
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_string_equal(err.msg, "domain Example.com already exists");

    pn_domain got;
    assert_true(pn_store_domain_get(f->st, "example.com", &got, &err));
    assert_false(got.relay);
    assert_int_equal(got.rev, 1);
    got.relay = true;
    free(got.relay_host);
    got.relay_host = pn_strdup("mx.inside.example.com");
    got.relay_port = 2525;
    got.bcc = pn_strdup("archive@example.org");
    assert_true(pn_store_domain_edit(f->st, &got, &err));
    pn_domain_clear(&got);
    assert_true(pn_store_domain_get(f->st, "example.com", &got, &err));
    assert_true(got.relay);
    assert_string_equal(got.relay_host, "mx.inside.example.com");
    assert_int_equal(got.relay_port, 2525);
    assert_string_equal(got.bcc, "archive@example.org");
    assert_int_equal(got.rev, 2);
    pn_domain_clear(&got);

    /* a relay domain holds no mailboxes */
    pn_mailbox m = {0};
    m.address = "alice@example.com";
    m.quota_bytes = -1;
    m.spam_retention_days = -1;
    assert_false(pn_store_mailbox_add(f->st, &m, "s3cret-Pass", NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_non_null(strstr(err.msg, "domain example.com relays its mail to mx.inside.example.com"));

    pn_domain *list;
    size_t n;
    assert_true(pn_store_domain_list(f->st, &list, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "b.example.org");
    pn_domain_list_free(list, n);

    assert_false(pn_store_domain_get(f->st, "nope.example.com", &got, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_true(pn_store_domain_delete(f->st, "b.example.org", 0, false, &err));
    pn_err_clear(&err);
}

static void test_catchall(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    pn_domain d;
    assert_true(pn_store_domain_get(f->st, "example.com", &d, &err));
    d.catchall = pn_strdup("nobody@example.com");
    assert_false(pn_store_domain_edit(f->st, &d, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_string_equal(err.msg, "catchall: mailbox nobody@example.com does not exist");
    add_mailbox(f->st, "nobody@example.com");
    assert_true(pn_store_domain_edit(f->st, &d, &err));
    pn_domain_clear(&d);
    assert_true(pn_store_domain_get(f->st, "example.com", &d, &err));
    assert_string_equal(d.catchall, "nobody@example.com");
    pn_domain_clear(&d);
    /* the schema refuses a catch-all that does not exist */
    assert_int_not_equal(sqlite3_exec(f->db, "UPDATE domains SET catchall_mailbox_id = 999",
                                      NULL, NULL, NULL), SQLITE_OK);
    /* deleting the catch-all mailbox names the domain */
    assert_false(pn_store_mailbox_delete(f->st, "nobody@example.com", 0, false, &err));
    assert_string_equal(err.msg, "mailbox nobody@example.com is the catch-all of domain"
                                 " example.com: remove those first or delete with cascade");
    pn_err_clear(&err);
}

/* ---- the one-name-per-domain rule ---- */

static void test_name_once_per_domain(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    add_mailbox(f->st, "alice@example.com");
    assert_true(add_group(f->st, "info@example.com", "alice@example.com", &err));

    pn_mailbox m = {0};
    m.address = "info@example.com";
    m.quota_bytes = m.spam_retention_days = -1;
    assert_false(pn_store_mailbox_add(f->st, &m, "pw-123456", NULL, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_string_equal(err.msg, "domain example.com: 'info' is already the group info@example.com");

    assert_false(add_address(f->st, "Alice@example.com", PN_DEST_EXTERNAL, "x@example.net", &err));
    assert_string_equal(err.msg,
                        "domain example.com: 'Alice' is already the mailbox alice@example.com");
    assert_false(add_group(f->st, "alice@example.com", NULL, &err));
    assert_string_equal(err.msg,
                        "domain example.com: 'alice' is already the mailbox alice@example.com");

    /* the same local part in another domain and as a wildcard is fine */
    assert_true(add_address(f->st, "info@example.org", PN_DEST_USER, "alice@example.com", &err));
    assert_true(add_address(f->st, "info@*", PN_DEST_USER, "alice@example.com", &err));
    assert_false(add_address(f->st, "info@*", PN_DEST_GROUP, "info@example.com", &err));
    assert_string_equal(err.msg, "every domain: 'info' is already the address info@*");

    /* the schema enforces it too, bypassing the checks */
    assert_int_not_equal(sqlite3_exec(f->db, "INSERT INTO addresses(domain_id, localpart, created,"
                                             " updated) VALUES (1, 'ALICE', 0, 0)",
                                      NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(f->db, "INSERT INTO mailboxes(domain_id, localpart,"
                                             " password_hash, created, updated)"
                                             " VALUES (1, 'info', 'x', 0, 0)",
                                      NULL, NULL, NULL), SQLITE_OK);
    pn_err_clear(&err);
}

static void test_destinations_must_exist(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    assert_false(add_address(f->st, "sales@example.com", PN_DEST_USER, "bob@example.com", &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_string_equal(err.msg, "destinations: mailbox bob@example.com does not exist");
    assert_false(add_address(f->st, "sales@example.com", PN_DEST_GROUP, "team@example.com", &err));
    assert_string_equal(err.msg, "destinations: group team@example.com does not exist");
    assert_false(add_address(f->st, "sales@example.com", PN_DEST_PUBLIC, "shared", &err));
    assert_string_equal(err.msg, "destinations: public mailbox shared does not exist");
    assert_false(add_address(f->st, "sales@nowhere.example", PN_DEST_EXTERNAL, "a@b.example",
                             &err));
    assert_string_equal(err.msg, "address: domain nowhere.example does not exist");
    assert_false(add_group(f->st, "team@example.com", "ghost@example.com", &err));
    assert_string_equal(err.msg, "members: mailbox ghost@example.com does not exist");
    pn_address a = {0};
    a.address = "empty@example.com";
    assert_false(pn_store_address_add(f->st, &a, NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    /* nothing was half-written */
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM addresses"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM groups"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM names"), 0);
    pn_err_clear(&err);
}

/* ---- deletes ---- */

static void test_delete_referenced(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    add_mailbox(f->st, "bob@example.com");
    assert_true(add_address(f->st, "sales@example.com", PN_DEST_USER, "alice@example.com", &err));
    assert_true(add_address(f->st, "info@*", PN_DEST_USER, "alice@example.com", &err));
    assert_true(add_group(f->st, "staff@example.com", "alice@example.com", &err));
    assert_true(add_address(f->st, "team@example.com", PN_DEST_GROUP, "staff@example.com", &err));

    assert_false(pn_store_mailbox_delete(f->st, "alice@example.com", 0, false, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_string_equal(err.msg,
        "mailbox alice@example.com is the destination of 2 addresses (info@*, sales@example.com)"
        " and a member of group staff@example.com: remove those first or delete with cascade");
    assert_false(pn_store_group_delete(f->st, "staff@example.com", 0, false, &err));
    assert_string_equal(err.msg, "group staff@example.com is the destination of address"
                                 " team@example.com: remove those first or delete with cascade");
    assert_false(pn_store_domain_delete(f->st, "example.com", 0, false, &err));
    assert_string_equal(err.msg, "domain example.com is still used by 2 mailboxes"
                                 " (alice@example.com, bob@example.com), 1 group"
                                 " (staff@example.com), 2 addresses (sales@example.com,"
                                 " team@example.com): delete them first or cascade");

    /* cascade: references go, addresses left without destinations go */
    assert_true(pn_store_mailbox_delete(f->st, "alice@example.com", 0, true, &err));
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM addresses"), 1); /* team@ */
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM group_members"), 0);
    pn_group g;
    assert_true(pn_store_group_get(f->st, "staff@example.com", &g, &err));
    assert_int_equal(g.nmembers, 0);
    pn_group_clear(&g);
    assert_true(pn_store_group_delete(f->st, "staff@example.com", 0, true, &err));
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM addresses"), 0);
    assert_true(pn_store_domain_delete(f->st, "example.com", 0, true, &err));
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM mailboxes"), 0);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM names"), 0);
    /* every entity removed by a cascade has its own journal row */
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal WHERE action ="
                                      " 'delete (cascade)'"), 7);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal WHERE action ="
                                      " 'delete (cascade)' AND entity IN ('address info@*',"
                                      " 'address sales@example.com', 'address team@example.com',"
                                      " 'mailbox bob@example.com', 'domain example.com')"
                                      " AND before IS NOT NULL"), 5);
    pn_err_clear(&err);
}

/* ---- concurrency ---- */

static void test_revision_conflict(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    sqlite3 *db2 = pn_db_open(f->path, &err);
    assert_non_null(db2);
    pn_store *st2 = pn_store_new(db2, NULL, "other");

    pn_mailbox mine, theirs;
    assert_true(pn_store_mailbox_get(f->st, "alice@example.com", &mine, &err));
    assert_true(pn_store_mailbox_get(st2, "alice@example.com", &theirs, &err));
    theirs.imap = false;
    assert_true(pn_store_mailbox_edit(st2, &theirs, &err));
    mine.pop3 = false;
    assert_false(pn_store_mailbox_edit(f->st, &mine, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_string_equal(err.msg, "mailbox alice@example.com was changed by someone else"
                                 " (revision 2, you edited 1): reload and try again");
    assert_false(pn_store_mailbox_set_password(f->st, "alice@example.com", 1, "new-pass-1",
                                               &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    pn_mailbox_clear(&mine);
    pn_mailbox_clear(&theirs);

    /* a lock held by the other connection: a human busy message */
    int old = pn_db_set_busy_timeout(50);
    sqlite3 *db3 = pn_db_open(f->path, &err);
    pn_store *st3 = pn_store_new(db3, NULL, "third");
    assert_int_equal(sqlite3_exec(db2, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_false(add_address(st3, "x@example.com", PN_DEST_USER, "alice@example.com", &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_contains(err.msg, "state DB is busy");
    sqlite3_exec(db2, "ROLLBACK", NULL, NULL, NULL);
    pn_db_set_busy_timeout(old);
    pn_store_free(st3);
    pn_db_close(db3);
    pn_store_free(st2);
    pn_db_close(db2);
    pn_err_clear(&err);
}

static void test_read_only(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    pn_ctx ctx = {NULL, NULL, true};
    pn_store *ro = pn_store_new(f->db, &ctx, "viewer");
    pn_domain d = {0};
    d.name = "example.org";
    assert_false(pn_store_domain_add(ro, &d, NULL, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    assert_contains(err.msg, "add domain refused: postern is running read-only");
    assert_false(pn_store_domain_delete(ro, "example.com", 0, true, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    assert_false(pn_store_mailbox_set_password(ro, "a@example.com", 0, "pw-pw-pw", &err));
    assert_int_equal(err.code, PN_E_READONLY);
    /* reads still work, in a snapshot */
    assert_true(pn_store_begin_read(ro, &err));
    pn_domain *list;
    size_t n;
    assert_true(pn_store_domain_list(ro, &list, &n, &err));
    assert_int_equal(n, 1);
    pn_domain_list_free(list, n);
    pn_store_end_read(ro);
    pn_store_free(ro);
    pn_err_clear(&err);
}

/* ---- journal ---- */

typedef struct jrows {
    size_t n;
    pn_str all;
} jrows;

static bool collect(const pn_journal_entry *e, void *arg)
{
    jrows *r = arg;
    r->n++;
    pn_str_appendf(&r->all, "%s|%s|%s|%s|%s|%lld\n", e->actor, e->entity, e->action,
                   e->before ? e->before : "-", e->after ? e->after : "-",
                   (long long)e->generation);
    return true;
}

static void test_journal_redacts(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    assert_true(pn_store_mailbox_set_password(f->st, "alice@example.com", 1, "other-Pass9", &err));
    pn_mailbox m;
    assert_true(pn_store_mailbox_get(f->st, "alice@example.com", &m, &err));
    assert_true(strncmp(m.password_hash, "$y$", 3) == 0 || strncmp(m.password_hash, "$6$", 3) == 0);
    assert_int_equal(m.rev, 2);
    pn_mailbox_clear(&m);

    jrows r = {0, PN_STR_INIT};
    assert_true(pn_store_journal_each(f->st, 0, collect, &r, &err));
    assert_int_equal(r.n, 3);
    const char *all = pn_str_cstr(&r.all);
    assert_contains(all, "tester|mailbox alice@example.com|set password|");
    assert_contains(all, "\"password_hash\":\"(redacted)\"");
    assert_contains(all, "tester|domain example.com|add|-|{\"name\":\"example.com\"");
    assert_contains(all, "|-1\n");
    assert_null(strstr(all, "$y$"));
    assert_null(strstr(all, "$6$"));
    assert_null(strstr(all, "s3cret"));
    assert_null(strstr(all, "other-Pass9"));
    pn_str_free(&r.all);
    /* limit */
    jrows one = {0, PN_STR_INIT};
    assert_true(pn_store_journal_each(f->st, 1, collect, &one, &err));
    assert_int_equal(one.n, 1);
    pn_str_free(&one.all);
    pn_err_clear(&err);
}

/* ---- bad input ---- */

static void test_bad_input(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    char longlocal[80], longdom[300];
    memset(longlocal, 'a', 65);
    strcpy(longlocal + 65, "@example.com");
    for (size_t i = 0; i < 260; i += 10)
        memcpy(longdom + i, "abcdefghi.", 10);
    strcpy(longdom + 260, "com");   /* 263 > 253 */
    static const char *const bad_addresses[] = {
        "a\r\nb@example.com", "a\nb@example.com", "a\x01" "b@example.com", "\xff\xfe@example.com",
        "a,b@example.com", "a:b@example.com", "a;b@example.com", "$(id)@example.com",
        "`id`@example.com", "a b@example.com", "a|b@example.com", "a>b@example.com",
        "noat", "@example.com", "a@exa\nmple.com", "a@exa;mple.com", "",
    };
    for (size_t i = 0; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
        pn_mailbox m = {0};
        m.address = (char *)bad_addresses[i];
        m.quota_bytes = m.spam_retention_days = -1;
        if (pn_store_mailbox_add(f->st, &m, "pw-123456", NULL, &err))
            fail_msg("mailbox %zu accepted", i);
        assert_int_equal(err.code, PN_E_INVALID);
        assert_contains(err.msg, "address:");
        assert_false(add_address(f->st, bad_addresses[i], PN_DEST_USER, "alice@example.com",
                                 &err));
        assert_contains(err.msg, "address:");
        assert_false(add_address(f->st, "ok@example.com", PN_DEST_EXTERNAL, bad_addresses[i],
                                 &err));
        assert_contains(err.msg, "destinations:");
    }
    pn_mailbox m = {0};
    m.address = longlocal;
    m.quota_bytes = m.spam_retention_days = -1;
    assert_false(pn_store_mailbox_add(f->st, &m, "pw-123456", NULL, &err));
    assert_contains(err.msg, "address:");
    pn_domain d = {0};
    d.name = longdom;
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_contains(err.msg, "name:");
    d.name = "exa\r\nmple.com";
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_contains(err.msg, "name:");
    d.name = "x.example.com";
    d.relay = true;
    d.relay_host = "mx;reboot";
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_contains(err.msg, "relay_host:");
    d.relay_host = NULL;
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_contains(err.msg, "relay_host: is empty");
    d.relay = false;
    d.bcc = "a,b@example.com";
    assert_false(pn_store_domain_add(f->st, &d, NULL, &err));
    assert_contains(err.msg, "bcc:");

    pn_mailbox e;
    assert_true(pn_store_mailbox_get(f->st, "alice@example.com", &e, &err));
    free(e.display_name);
    e.display_name = pn_strdup("Alice\nEvil");
    assert_false(pn_store_mailbox_edit(f->st, &e, &err));
    assert_contains(err.msg, "display_name:");
    free(e.display_name);
    e.display_name = pn_strdup("Alice: Evil");
    assert_false(pn_store_mailbox_edit(f->st, &e, &err));
    assert_contains(err.msg, "display_name:");
    pn_mailbox_clear(&e);
    assert_false(pn_store_mailbox_set_password(f->st, "alice@example.com", 0, "pw\nx", &err));
    assert_contains(err.msg, "password:");
    assert_false(pn_store_mailbox_set_password(f->st, "alice@example.com", 0, "", &err));
    assert_contains(err.msg, "password: is empty");
    /* nothing changed */
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM journal"), 2);
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM domains"), 1);
    pn_err_clear(&err);
}

static void test_mailbox_and_address_roundtrip(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    pn_mailbox m;
    assert_true(pn_store_mailbox_get(f->st, "alice@example.com", &m, &err));
    char *fw[2] = {"one@example.net", "two@example.net"};
    free(m.display_name);
    m.display_name = pn_strdup("Alice Ä");
    char **saved = m.forwards;
    m.forwards = fw;
    m.nforwards = 2;
    m.forward_keep_copy = false;
    m.quota_bytes = 1000000;
    assert_true(pn_store_mailbox_edit(f->st, &m, &err));
    m.forwards = saved;
    m.nforwards = 0;
    pn_mailbox_clear(&m);
    pn_mailbox *list;
    size_t n;
    assert_true(pn_store_mailbox_list(f->st, "example.com", &list, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(list[0].nforwards, 2);
    assert_string_equal(list[0].forwards[1], "two@example.net");
    assert_false(list[0].forward_keep_copy);
    assert_int_equal(list[0].quota_bytes, 1000000);
    assert_int_equal(list[0].spam_retention_days, -1);
    assert_string_equal(list[0].display_name, "Alice Ä");
    pn_mailbox_list_free(list, n);

    assert_true(add_group(f->st, "staff@example.com", "alice@example.com", &err));
    pn_dest dests[3] = {{PN_DEST_USER, "alice@example.com"}, {PN_DEST_GROUP, "staff@example.com"},
                        {PN_DEST_EXTERNAL, "x@example.net"}};
    pn_address a = {0};
    a.address = "sales@example.com";
    a.dests = dests;
    a.ndests = 3;
    a.internal = true;
    assert_true(pn_store_address_add(f->st, &a, NULL, &err));
    pn_address got;
    assert_true(pn_store_address_get(f->st, "sales@example.com", &got, &err));
    assert_true(got.internal);
    assert_int_equal(got.ndests, 3);
    assert_int_equal(got.dests[1].kind, PN_DEST_GROUP);
    assert_string_equal(got.dests[2].target, "x@example.net");
    got.ndests = 1;   /* keep only the mailbox */
    free(got.dests[1].target);
    free(got.dests[2].target);
    assert_true(pn_store_address_edit(f->st, &got, &err));
    assert_false(pn_store_address_edit(f->st, &got, &err));   /* stale rev */
    assert_int_equal(err.code, PN_E_CONFLICT);
    pn_address_clear(&got);
    pn_address *al;
    assert_true(pn_store_address_list(f->st, &al, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(al[0].ndests, 1);
    assert_int_equal(al[0].rev, 2);
    pn_address_list_free(al, n);
    assert_true(pn_store_address_delete(f->st, "sales@example.com", 2, &err));
    pn_group *gl;
    assert_true(pn_store_group_list(f->st, &gl, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(gl[0].members[0], "alice@example.com");
    pn_group_list_free(gl, n);
    pn_err_clear(&err);
}

static void test_public_mailboxes(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com");
    assert_true(add_group(f->st, "staff@example.com", "alice@example.com", &err));
    pn_public_owner owners[2] = {{false, "alice@example.com"}, {true, "staff@example.com"}};
    pn_public p = {0};
    p.name = "shared";
    p.owners = owners;
    p.nowners = 2;
    assert_true(pn_store_public_add(f->st, &p, NULL, &err));
    assert_false(pn_store_public_add(f->st, &p, NULL, &err));
    assert_string_equal(err.msg, "public mailbox shared already exists");
    p.name = "bad name";
    assert_false(pn_store_public_add(f->st, &p, NULL, &err));
    assert_contains(err.msg, "name:");
    owners[1].target = "nogroup@example.com";
    p.name = "other";
    assert_false(pn_store_public_add(f->st, &p, NULL, &err));
    assert_string_equal(err.msg, "owners: group nogroup@example.com does not exist");

    assert_true(add_address(f->st, "board@example.com", PN_DEST_PUBLIC, "shared", &err));
    assert_false(pn_store_group_delete(f->st, "staff@example.com", 0, false, &err));
    assert_string_equal(err.msg, "group staff@example.com is an owner of public mailbox shared:"
                                 " remove those first or delete with cascade");
    pn_public got;
    assert_true(pn_store_public_get(f->st, "shared", &got, &err));
    assert_int_equal(got.nowners, 2);
    assert_false(got.owners[0].is_group);
    assert_string_equal(got.owners[1].target, "staff@example.com");
    got.nowners = 1;
    free(got.owners[1].target);
    assert_true(pn_store_public_edit(f->st, &got, &err));
    assert_false(pn_store_public_edit(f->st, &got, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    pn_public_clear(&got);

    assert_false(pn_store_public_delete(f->st, "shared", 0, false, &err));
    assert_string_equal(err.msg, "public mailbox shared is the destination of address"
                                 " board@example.com: remove those first or delete with cascade");
    assert_true(pn_store_public_delete(f->st, "shared", 0, true, &err));
    assert_int_equal(sf_query_int(f->db, "SELECT count(*) FROM addresses"), 0);
    pn_public *list;
    size_t n;
    assert_true(pn_store_public_list(f->st, &list, &n, &err));
    assert_int_equal(n, 0);
    pn_public_list_free(list, n);
    pn_err_clear(&err);
}

/* ---- the whole state ---- */

static void test_whole_state(void **state)
{
    fixture *f = *state;
    pn_err err = PN_ERR_INIT;
    pn_store_state all;
    assert_true(pn_store_state_load(f->st, &all, &err));
    assert_int_equal(all.ndomains + all.nmailboxes + all.ngroups + all.npublics +
                         all.naddresses, 0);
    pn_store_state_free(&all);

    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    add_mailbox(f->st, "alice@example.org");
    add_mailbox(f->st, "bob@example.com");
    assert_true(add_group(f->st, "staff@example.com", "bob@example.com", &err));
    assert_true(add_address(f->st, "info@example.com", PN_DEST_GROUP, "staff@example.com", &err));
    pn_public_owner owner = {false, "bob@example.com"};
    pn_public p = {.name = "shared", .owners = &owner, .nowners = 1};
    assert_true(pn_store_public_add(f->st, &p, NULL, &err));

    /* no transaction open: a snapshot of its own, closed again */
    assert_true(pn_store_state_load(f->st, &all, &err));
    assert_true(sqlite3_get_autocommit(f->db));
    assert_int_equal(all.ndomains, 2);
    assert_string_equal(all.domains[0].name, "example.com");
    assert_int_equal(all.nmailboxes, 2);    /* every domain, sorted by domain */
    assert_string_equal(all.mailboxes[0].address, "bob@example.com");
    assert_int_equal(all.ngroups, 1);
    assert_int_equal(all.groups[0].nmembers, 1);
    assert_int_equal(all.npublics, 1);
    assert_string_equal(all.publics[0].name, "shared");
    assert_int_equal(all.naddresses, 1);
    assert_int_equal(all.addresses[0].dests[0].kind, PN_DEST_GROUP);
    pn_store_state_free(&all);
    pn_store_state_free(&all);              /* empty: nothing to free twice */

    /* in the caller's snapshot: a write by someone else is not seen */
    sqlite3 *db2 = NULL;
    pn_store *st2 = NULL;
    sf_store_open(f->dir, "state.db", "other", &db2, &st2);
    assert_true(pn_store_begin_read(f->st, &err));
    sf_add_domain(st2, "example.net");
    assert_true(pn_store_state_load(f->st, &all, &err));
    assert_int_equal(all.ndomains, 2);
    assert_false(sqlite3_get_autocommit(f->db));    /* still the caller's */
    pn_store_state_free(&all);
    pn_store_end_read(f->st);
    assert_true(pn_store_state_load(f->st, &all, &err));
    assert_int_equal(all.ndomains, 3);
    pn_store_state_free(&all);
    sf_store_close(db2, st2);
    pn_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upgrade_from_each_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_domain_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catchall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_once_per_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destinations_must_exist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_referenced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revision_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_redacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_and_address_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_mailboxes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
