/* test_explain.c - unit tests for pn_explain_address (explain.c): mailbox,
 * forwards with and without a kept copy, groups (enabled, disabled, empty,
 * reached twice), an address with several destinations, wildcard addresses
 * and their precedence, catch-all, reject, the postmaster fallback, the BCC
 * copy, the internal flag, public mailboxes, relay domains (and members
 * left in them), targets in local domains, bad input and unmanaged
 * domains, the caller's read snapshot, and lookups in a store of 100,000
 * addresses. Each test uses a fresh DB in a mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "explain.h"
#include "store.h"
#include "util/mem.h"
#include "util/str.h"

#include "store_fixture.h"

typedef store_fixture fixture;

static int setup(void **state)
{
    return sf_setup(state, "explain");
}

static int teardown(void **state)
{
    return sf_teardown(state);
}

/* ---- building a store ---- */

static void add_relay_domain(pn_store *st, const char *name, const char *host, int port)
{
    pn_err err = PN_ERR_INIT;
    pn_domain d = {0};
    d.name = (char *)name;
    d.relay = true;
    d.relay_host = (char *)host;
    d.relay_port = port;
    if (!pn_store_domain_add(st, &d, NULL, &err))
        fail_msg("add relay domain %s: %s", name, pn_err_msg(&err));
}

/* bcc and catchall: NULL leaves them unset. */
static void set_domain(pn_store *st, const char *name, const char *bcc, const char *catchall)
{
    pn_err err = PN_ERR_INIT;
    pn_domain d;
    assert_true(pn_store_domain_get(st, name, &d, &err));
    free(d.bcc);
    free(d.catchall);
    d.bcc = bcc ? pn_strdup(bcc) : NULL;
    d.catchall = catchall ? pn_strdup(catchall) : NULL;
    if (!pn_store_domain_edit(st, &d, &err))
        fail_msg("edit domain %s: %s", name, pn_err_msg(&err));
    pn_domain_clear(&d);
}

/* Forwards: a NULL-terminated list after keep_copy. */
static void add_mailbox(pn_store *st, const char *address, bool keep_copy, ...)
{
    pn_err err = PN_ERR_INIT;
    char *forwards[8];
    pn_mailbox m = {0};
    va_list ap;
    va_start(ap, keep_copy);
    for (const char *fw; (fw = va_arg(ap, const char *)) && m.nforwards < 8;)
        forwards[m.nforwards++] = (char *)fw;
    va_end(ap);
    m.address = (char *)address;
    m.imap = m.pop3 = m.smtp = true;
    m.quota_bytes = -1;
    m.spam_retention_days = -1;
    m.forwards = forwards;
    m.forward_keep_copy = keep_copy;
    if (!pn_store_mailbox_add(st, &m, "s3cret-Pass", NULL, &err))
        fail_msg("add mailbox %s: %s", address, pn_err_msg(&err));
}

/* Members: a NULL-terminated list after enabled. */
static void add_group(pn_store *st, const char *address, bool enabled, ...)
{
    pn_err err = PN_ERR_INIT;
    char *members[8];
    pn_group g = {0};
    va_list ap;
    va_start(ap, enabled);
    for (const char *m; (m = va_arg(ap, const char *)) && g.nmembers < 8;)
        members[g.nmembers++] = (char *)m;
    va_end(ap);
    g.address = (char *)address;
    g.enabled = enabled;
    g.members = members;
    if (!pn_store_group_add(st, &g, NULL, &err))
        fail_msg("add group %s: %s", address, pn_err_msg(&err));
}

/* Destinations: "user:X", "group:X", "public:X", "external:X", NULL-terminated. */
static void add_address(pn_store *st, const char *address, bool internal, ...)
{
    pn_err err = PN_ERR_INIT;
    pn_dest dests[8];
    pn_address a = {0};
    va_list ap;
    va_start(ap, internal);
    for (const char *d; (d = va_arg(ap, const char *)) && a.ndests < 8;) {
        const char *colon = strchr(d, ':');
        assert_non_null(colon);
        pn_dest_kind k = !strncmp(d, "user:", 5) ? PN_DEST_USER
                       : !strncmp(d, "group:", 6) ? PN_DEST_GROUP
                       : !strncmp(d, "public:", 7) ? PN_DEST_PUBLIC
                       : PN_DEST_EXTERNAL;
        dests[a.ndests].kind = k;
        dests[a.ndests++].target = (char *)colon + 1;
    }
    va_end(ap);
    a.address = (char *)address;
    a.internal = internal;
    a.dests = dests;
    if (!pn_store_address_add(st, &a, NULL, &err))
        fail_msg("add address %s: %s", address, pn_err_msg(&err));
}

static void add_public(pn_store *st, const char *name, const char *owner)
{
    pn_err err = PN_ERR_INIT;
    pn_public_owner o = {false, (char *)owner};
    pn_public p = {0};
    p.name = (char *)name;
    p.owners = &o;
    p.nowners = 1;
    if (!pn_store_public_add(st, &p, NULL, &err))
        fail_msg("add public %s: %s", name, pn_err_msg(&err));
}

/* ---- checking an answer ---- */

static void explain(pn_store *st, const char *address, pn_explain *e)
{
    pn_err err = PN_ERR_INIT;
    if (!pn_explain_address(st, address, e, &err))
        fail_msg("explain %s: %s", address, pn_err_msg(&err));
    assert_true(e->nsteps >= 1);
    assert_int_equal(e->steps[0].kind, PN_EX_INPUT);
    assert_int_equal(e->steps[0].depth, 0);
    /* a tree in pre-order: each step at most one deeper than the one before */
    for (size_t i = 1; i < e->nsteps; i++) {
        assert_true(e->steps[i].depth >= 1);
        assert_true(e->steps[i].depth <= e->steps[i - 1].depth + 1);
        assert_non_null(e->steps[i].text);
    }
    /* finals sorted, no duplicates */
    for (size_t i = 1; i < e->nfinals; i++)
        assert_true(strcmp(e->finals[i - 1], e->finals[i]) < 0);
}

/* Finals joined with "|" for one comparison. */
static void assert_finals(const pn_explain *e, const char *want)
{
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < e->nfinals; i++) {
        if (i)
            pn_str_appendc(&s, '|');
        pn_str_append(&s, e->finals[i]);
    }
    if (strcmp(pn_str_cstr(&s), want) != 0)
        fail_msg("finals '%s', want '%s'", pn_str_cstr(&s), want);
    pn_str_free(&s);
}

static size_t count_kind(const pn_explain *e, pn_explain_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < e->nsteps; i++)
        n += e->steps[i].kind == k;
    return n;
}

/* The first step of kind k (with target, when given); fails when there is none. */
static const pn_explain_step *find_step(const pn_explain *e, pn_explain_kind k, const char *target)
{
    for (size_t i = 0; i < e->nsteps; i++)
        if (e->steps[i].kind == k &&
            (!target || (e->steps[i].target && !strcmp(e->steps[i].target, target))))
            return &e->steps[i];
    fail_msg("no %s step%s%s", pn_explain_kind_name(k), target ? " for " : "",
             target ? target : "");
    return NULL;
}

/* ---- tests ---- */

static void test_mailbox_direct(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    pn_explain e;
    explain(f->st, "Alice@Example.COM", &e);
    assert_string_equal(e.steps[0].target, "alice@example.com");
    const pn_explain_step *s = find_step(&e, PN_EX_MAILBOX, "alice@example.com");
    assert_int_equal(s->depth, 1);
    assert_string_equal(s->text, "mailbox alice@example.com");
    assert_int_equal(e.nsteps, 2);
    assert_finals(&e, "mailbox alice@example.com");
    assert_false(e.rejected);
    assert_false(e.internal);
    pn_explain_clear(&e);
    pn_explain_clear(&e);   /* clearing twice is harmless */
}

static void test_forwards(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "keep@example.com", true, "a@x.org", "b@y.org", NULL);
    add_mailbox(f->st, "away@example.com", false, "c@z.org", NULL);
    pn_explain e;
    explain(f->st, "keep@example.com", &e);
    assert_finals(&e, "external a@x.org|external b@y.org|mailbox keep@example.com");
    assert_int_equal(count_kind(&e, PN_EX_FORWARD), 2);
    assert_int_equal(find_step(&e, PN_EX_FORWARD, "b@y.org")->depth, 2);
    assert_contains(find_step(&e, PN_EX_MAILBOX, NULL)->text, "keeps a copy");
    pn_explain_clear(&e);

    explain(f->st, "away@example.com", &e);
    assert_finals(&e, "external c@z.org");
    assert_contains(find_step(&e, PN_EX_MAILBOX, NULL)->text, "keeps no copy");
    assert_false(e.rejected);
    pn_explain_clear(&e);
}

static void test_group(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "bob@example.com", false, "bob@elsewhere.org", NULL);
    add_group(f->st, "team@example.com", true, "bob@example.com", "alice@example.com", NULL);
    pn_explain e;
    explain(f->st, "team@example.com", &e);
    const pn_explain_step *g = find_step(&e, PN_EX_GROUP, "team@example.com");
    assert_int_equal(g->depth, 1);
    assert_string_equal(g->text, "group team@example.com (2 members)");
    /* members in order, one level deeper; bob's forward below him */
    assert_int_equal(e.nsteps, 5);
    assert_string_equal(e.steps[2].target, "alice@example.com");
    assert_int_equal(e.steps[2].depth, 2);
    assert_string_equal(e.steps[3].target, "bob@example.com");
    assert_int_equal(e.steps[4].kind, PN_EX_FORWARD);
    assert_int_equal(e.steps[4].depth, 3);
    assert_finals(&e, "external bob@elsewhere.org|mailbox alice@example.com");
    pn_explain_clear(&e);
}

static void test_disabled_and_empty_group(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_group(f->st, "off@example.com", false, "alice@example.com", NULL);
    add_group(f->st, "none@example.com", true, NULL);
    add_address(f->st, "both@example.com", false, "group:off@example.com",
                "user:alice@example.com", NULL);
    pn_explain e;
    explain(f->st, "off@example.com", &e);
    assert_contains(find_step(&e, PN_EX_GROUP, "off@example.com")->text,
                    "is disabled: delivers nothing");
    assert_int_equal(count_kind(&e, PN_EX_MAILBOX), 0);
    assert_true(e.rejected);
    assert_int_equal(e.nfinals, 0);
    assert_int_equal(count_kind(&e, PN_EX_REJECT), 1);
    pn_explain_clear(&e);

    explain(f->st, "none@example.com", &e);
    assert_contains(find_step(&e, PN_EX_GROUP, NULL)->text, "has no members: delivers nothing");
    assert_true(e.rejected);
    pn_explain_clear(&e);

    /* a disabled group next to a working destination: not rejected */
    explain(f->st, "both@example.com", &e);
    assert_false(e.rejected);
    assert_finals(&e, "mailbox alice@example.com");
    pn_explain_clear(&e);
}

static void test_alias_three_destinations(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "bob@example.com", true, NULL);
    add_mailbox(f->st, "carol@example.com", true, NULL);
    add_group(f->st, "team@example.com", true, "bob@example.com", "carol@example.com", NULL);
    add_address(f->st, "sales@example.com", false, "user:alice@example.com",
                "group:team@example.com", "external:boss@partner.org", NULL);
    pn_explain e;
    explain(f->st, "sales@example.com", &e);
    const pn_explain_step *a = find_step(&e, PN_EX_ADDRESS, "sales@example.com");
    assert_int_equal(a->depth, 1);
    assert_string_equal(a->text, "address sales@example.com to 3 destinations");
    assert_int_equal(find_step(&e, PN_EX_MAILBOX, "alice@example.com")->depth, 2);
    assert_int_equal(find_step(&e, PN_EX_GROUP, "team@example.com")->depth, 2);
    assert_int_equal(find_step(&e, PN_EX_MAILBOX, "carol@example.com")->depth, 3);
    assert_int_equal(find_step(&e, PN_EX_EXTERNAL, "boss@partner.org")->depth, 2);
    assert_finals(&e, "external boss@partner.org|mailbox alice@example.com|"
                      "mailbox bob@example.com|mailbox carol@example.com");
    assert_false(e.internal);
    pn_explain_clear(&e);
}

static void test_wildcard_two_domains(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_address(f->st, "info@*", false, "user:alice@example.com", NULL);
    const char *inputs[] = {"info@example.com", "info@example.org"};
    for (size_t i = 0; i < 2; i++) {
        pn_explain e;
        explain(f->st, inputs[i], &e);
        const pn_explain_step *w = find_step(&e, PN_EX_WILDCARD, "info@*");
        assert_int_equal(w->depth, 1);
        assert_contains(w->text, "every local domain");
        assert_int_equal(count_kind(&e, PN_EX_ADDRESS), 0);
        assert_finals(&e, "mailbox alice@example.com");
        pn_explain_clear(&e);
    }
    /* other local parts are not matched by it */
    pn_explain e;
    explain(f->st, "other@example.org", &e);
    assert_true(e.rejected);
    pn_explain_clear(&e);
}

static void test_exact_wins_over_wildcard(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "bob@example.com", true, NULL);
    add_address(f->st, "info@*", false, "user:alice@example.com", NULL);
    add_address(f->st, "info@example.org", false, "user:bob@example.com", NULL);
    pn_explain e;
    explain(f->st, "info@example.org", &e);
    assert_int_equal(count_kind(&e, PN_EX_WILDCARD), 0);
    find_step(&e, PN_EX_ADDRESS, "info@example.org");
    assert_contains(find_step(&e, PN_EX_NOTE, NULL)->text, "info@* does not apply");
    assert_finals(&e, "mailbox bob@example.com");
    pn_explain_clear(&e);
    explain(f->st, "info@example.com", &e);
    find_step(&e, PN_EX_WILDCARD, "info@*");
    assert_finals(&e, "mailbox alice@example.com");
    pn_explain_clear(&e);
}

static void test_mailbox_wins_over_wildcard(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "info@example.com", true, NULL);
    add_address(f->st, "info@*", true, "user:alice@example.com", NULL);
    pn_explain e;
    explain(f->st, "info@example.com", &e);
    assert_int_equal(count_kind(&e, PN_EX_WILDCARD), 0);
    find_step(&e, PN_EX_MAILBOX, "info@example.com");
    find_step(&e, PN_EX_NOTE, NULL);
    assert_false(e.internal);   /* the wildcard's internal flag does not apply either */
    assert_finals(&e, "mailbox info@example.com");
    pn_explain_clear(&e);
}

static void test_catchall(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "catch@example.com", true, NULL);
    set_domain(f->st, "example.com", NULL, "catch@example.com");
    pn_explain e;
    explain(f->st, "nobody@example.com", &e);
    const pn_explain_step *c = find_step(&e, PN_EX_CATCHALL, "catch@example.com");
    assert_int_equal(c->depth, 1);
    assert_int_equal(find_step(&e, PN_EX_MAILBOX, "catch@example.com")->depth, 2);
    assert_finals(&e, "mailbox catch@example.com");
    assert_false(e.rejected);
    pn_explain_clear(&e);
    /* an existing mailbox does not reach the catch-all */
    explain(f->st, "alice@example.com", &e);
    assert_int_equal(count_kind(&e, PN_EX_CATCHALL), 0);
    assert_finals(&e, "mailbox alice@example.com");
    pn_explain_clear(&e);
}

static void test_unknown_rejected(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    add_mailbox(f->st, "catch@example.org", true, NULL);
    set_domain(f->st, "example.org", "archive@example.org", "catch@example.org");
    set_domain(f->st, "example.com", "archive@example.org", NULL);
    pn_explain e;
    explain(f->st, "nobody@example.com", &e);
    assert_true(e.rejected);
    assert_int_equal(e.nfinals, 0);
    const pn_explain_step *r = find_step(&e, PN_EX_REJECT, NULL);
    assert_int_equal(r->depth, 1);
    assert_contains(r->text, "no catch-all");
    assert_int_equal(count_kind(&e, PN_EX_BCC), 0);   /* refused: no hidden copy */
    pn_explain_clear(&e);
}

/* postmaster@domain always resolves: to the system's postmaster when the
 * domain has no postmaster of its own and no catch-all. */
static void test_postmaster_fallback(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "example.org");
    sf_add_domain(f->st, "example.net");
    add_mailbox(f->st, "catch@example.org", true, NULL);
    add_mailbox(f->st, "postmaster@example.net", true, NULL);
    set_domain(f->st, "example.org", NULL, "catch@example.org");
    set_domain(f->st, "example.com", "archive@vault.org", NULL);
    pn_explain e;
    explain(f->st, "postmaster@example.com", &e);
    assert_false(e.rejected);
    assert_contains(find_step(&e, PN_EX_NOTE, "postmaster")->text, "system's postmaster");
    assert_finals(&e, "bcc archive@vault.org|system postmaster");
    pn_explain_clear(&e);
    explain(f->st, "postmaster@example.org", &e);
    assert_finals(&e, "mailbox catch@example.org");
    pn_explain_clear(&e);
    explain(f->st, "postmaster@example.net", &e);
    assert_finals(&e, "mailbox postmaster@example.net");
    pn_explain_clear(&e);
}

static void test_bcc(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    set_domain(f->st, "example.com", "archive@vault.org", NULL);
    pn_explain e;
    explain(f->st, "alice@example.com", &e);
    const pn_explain_step *b = find_step(&e, PN_EX_BCC, "archive@vault.org");
    assert_int_equal(b->depth, 1);
    assert_contains(b->text, "recipient_bcc_maps");
    assert_finals(&e, "bcc archive@vault.org|mailbox alice@example.com");
    pn_explain_clear(&e);
}

static void test_internal(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_address(f->st, "staff@example.com", true, "user:alice@example.com", NULL);
    add_address(f->st, "all@*", true, "user:alice@example.com", NULL);
    add_address(f->st, "open@example.com", false, "user:alice@example.com", NULL);
    pn_explain e;
    explain(f->st, "staff@example.com", &e);
    assert_true(e.internal);
    assert_false(e.rejected);
    const pn_explain_step *i = find_step(&e, PN_EX_INTERNAL, NULL);
    assert_int_equal(i->depth, 1);
    assert_contains(i->text, "from outside is refused");
    assert_finals(&e, "mailbox alice@example.com");
    pn_explain_clear(&e);
    explain(f->st, "all@example.com", &e);
    assert_true(e.internal);
    pn_explain_clear(&e);
    explain(f->st, "open@example.com", &e);
    assert_false(e.internal);
    assert_int_equal(count_kind(&e, PN_EX_INTERNAL), 0);
    pn_explain_clear(&e);
}

static void test_public(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_public(f->st, "Announcements", "alice@example.com");
    add_address(f->st, "news@example.com", false, "public:Announcements", NULL);
    pn_explain e;
    explain(f->st, "news@example.com", &e);
    assert_int_equal(find_step(&e, PN_EX_PUBLIC, "Announcements")->depth, 2);
    assert_finals(&e, "public Announcements");
    pn_explain_clear(&e);
}

static void test_relay_domain(void **state)
{
    fixture *f = *state;
    add_relay_domain(f->st, "branch.org", "mx.branch.org", 2525);
    add_relay_domain(f->st, "other.org", "mx.other.org", 0);
    pn_explain e;
    explain(f->st, "anyone@branch.org", &e);
    const pn_explain_step *r = find_step(&e, PN_EX_RELAY, "[mx.branch.org]:2525");
    assert_int_equal(r->depth, 1);
    assert_contains(r->text, "reject_unverified_recipient");
    assert_int_equal(e.nsteps, 2);
    assert_finals(&e, "relay [mx.branch.org]:2525");
    assert_false(e.rejected);
    pn_explain_clear(&e);
    explain(f->st, "x@other.org", &e);
    assert_finals(&e, "relay [mx.other.org]:25");
    pn_explain_clear(&e);
}

/* A domain that still holds mailboxes, groups or addresses cannot become a
 * relay domain (the store refuses), so explain never meets one. */
static void test_member_of_relay_domain(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    sf_add_domain(f->st, "branch.org");
    add_mailbox(f->st, "old@branch.org", true, NULL);
    add_group(f->st, "crew@branch.org", true, "old@branch.org", NULL);
    add_address(f->st, "legacy@example.com", false, "user:old@branch.org",
                "group:crew@branch.org", NULL);
    pn_err err = PN_ERR_INIT;
    pn_domain d;
    assert_true(pn_store_domain_get(f->st, "branch.org", &d, &err));
    d.relay = true;
    d.relay_host = pn_strdup("mx.branch.org");
    assert_false(pn_store_domain_edit(f->st, &d, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_contains(pn_err_msg(&err), "still has 2 mailboxes, groups or addresses");
    pn_err_clear(&err);
    pn_domain_clear(&d);
    pn_explain e;
    explain(f->st, "legacy@example.com", &e);
    assert_int_equal(count_kind(&e, PN_EX_RELAY), 0);
    assert_finals(&e, "mailbox old@branch.org");
    pn_explain_clear(&e);
}

static void test_reached_twice(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    add_mailbox(f->st, "bob@example.com", true, NULL);
    add_group(f->st, "team@example.com", true, "alice@example.com", "bob@example.com", NULL);
    add_address(f->st, "twice@example.com", false, "group:team@example.com",
                "user:alice@example.com", "group:team@example.com", NULL);
    pn_explain e;
    explain(f->st, "twice@example.com", &e);
    assert_int_equal(count_kind(&e, PN_EX_GROUP), 1);
    assert_contains(find_step(&e, PN_EX_NOTE, "team@example.com")->text, "reached again");
    /* alice through the group and directly: shown twice, one copy */
    assert_int_equal(count_kind(&e, PN_EX_MAILBOX), 3);
    assert_finals(&e, "mailbox alice@example.com|mailbox bob@example.com");
    pn_explain_clear(&e);
}

static void test_local_targets_noted(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "bob@example.com", true, NULL);
    add_mailbox(f->st, "alice@example.com", false, "bob@example.com", NULL);
    pn_explain e;
    explain(f->st, "alice@example.com", &e);
    const pn_explain_step *n = find_step(&e, PN_EX_NOTE, "bob@example.com");
    assert_int_equal(n->depth, 3);
    assert_contains(n->text, "Postfix resolves it again");
    pn_explain_clear(&e);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    pn_err err = PN_ERR_INIT;
    pn_explain e;
    assert_false(pn_explain_address(f->st, "x@unknown.org", &e, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_contains(err.msg, "domain unknown.org is not managed by postern");
    assert_int_equal(e.nsteps, 0);
    assert_null(e.steps);
    pn_err_clear(&err);
    const char *bad[] = {"", "no-at-sign", "a b@example.com", "x@*", "line\n@example.com",
                         "@example.com", "x@", "a,b@example.com"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pn_explain_address(f->st, bad[i], &e, &err))
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(err.code, PN_E_INVALID);
        assert_contains(err.msg, "address: ");
        pn_err_clear(&err);
    }
    assert_false(pn_explain_address(f->st, NULL, &e, &err));
    pn_err_clear(&err);
}

/* Inside the caller's snapshot, explain leaves it open. */
static void test_caller_snapshot(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    pn_err err = PN_ERR_INIT;
    assert_true(pn_store_begin_read(f->st, &err));
    pn_explain e;
    explain(f->st, "alice@example.com", &e);
    pn_explain_clear(&e);
    assert_false(sqlite3_get_autocommit(f->db));   /* still in the read transaction */
    pn_store_end_read(f->st);
    assert_true(sqlite3_get_autocommit(f->db));
    explain(f->st, "alice@example.com", &e);
    pn_explain_clear(&e);
    assert_true(sqlite3_get_autocommit(f->db));
}

/* 100,000 addresses (inserted with SQL in one transaction): an explain
 * costs a handful of indexed lookups. */
static void test_large_store(void **state)
{
    fixture *f = *state;
    sf_add_domain(f->st, "example.com");
    add_mailbox(f->st, "alice@example.com", true, NULL);
    char *msg = NULL;
    int rc = sqlite3_exec(f->db,
        "BEGIN;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
        " INSERT INTO addresses(domain_id, localpart, internal, created, updated)"
        " SELECT (SELECT id FROM domains WHERE name = 'example.com'), 'a' || i, 0, 1, 1 FROM n;"
        "INSERT INTO address_destinations(address_id, kind, mailbox_id)"
        " SELECT a.id, 'user', (SELECT id FROM mailboxes LIMIT 1) FROM addresses a;"
        "COMMIT;", NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("bulk insert: %s", msg ? msg : "?");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 200; i++) {
        char addr[64];
        snprintf(addr, sizeof(addr), "a%d@example.com", 1 + i * 499);
        pn_explain e;
        explain(f->st, addr, &e);
        assert_finals(&e, "mailbox alice@example.com");
        pn_explain_clear(&e);
    }
    pn_explain e;
    explain(f->st, "missing@example.com", &e);
    assert_true(e.rejected);
    pn_explain_clear(&e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* a scan of 100,000 rows per explain would take far longer than this */
    if (secs > 5.0)
        fail_msg("201 explains took %.2f s", secs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mailbox_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_and_empty_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_three_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_two_domains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_wins_over_wildcard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mailbox_wins_over_wildcard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catchall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_postmaster_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bcc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_of_relay_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reached_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_targets_noted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
