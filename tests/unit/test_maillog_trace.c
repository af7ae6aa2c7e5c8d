/* test_maillog_trace.c - unit tests of pn_trace_find on small logs written
 * here: a reused queue ID kept apart, a bounce notification whose lines come
 * out of order, a remote "queued as" not followed, a content filter whose
 * re-injection smtpd logs under its own host name, a partial Message-ID
 * (unique, and ambiguous -> PN_E_CONFLICT naming the candidates), a
 * central multi-host log followed along relay=nexthost, and a session that
 * began at the very end of an older gzip file (found by a later round over
 * the file's kept tail, without inflating it again). Every trace is also
 * asked of a log index over the same files and must give the same answer;
 * an index made stale (file grown, rotated, gzipped after indexing) too;
 * message searches give the same rows with and without the index. A
 * journald JSON log (journalctl -o json) and the same records as text give
 * the same traces and search rows, scanned and indexed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <zlib.h>

#include "maillog.h"
#include "maillog_index.h"
#include "util/mem.h"
#include "util/str.h"

static char *dir;
static char *log_path;

static int setup_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char *tmpl = pn_sprintf("%s/pn-trace-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    dir = mkdtemp(tmpl);
    if (!dir)
        return -1;
    log_path = pn_sprintf("%s/maillog", dir);
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    char *gz = pn_sprintf("%s/maillog.1.gz", dir);
    unlink(gz);
    free(gz);
    unlink(log_path);
    free(log_path);
    rmdir(dir);
    free(dir);
    return 0;
}

/* Write the log (lines joined by '\n'), dated so that "Jan" lines fall in 2026. */
static void write_log(const char *const *lines)
{
    FILE *f = fopen(log_path, "wb");
    assert_non_null(f);
    for (size_t i = 0; lines[i]; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);
    struct utimbuf t = {(time_t)1769904000, (time_t)1769904000};   /* 2026-02-01 */
    utime(log_path, &t);
}

typedef struct fixture {
    pn_logset set;
    pn_trace_opts o;
} fixture;

static void open_set(fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    pn_err err = PN_ERR_INIT;
    const char *paths[1] = {log_path};
    assert_true(pn_logset_open(NULL, paths, 1, true, &fx->set, &err));
    fx->o.logs = &fx->set;
    fx->o.threads = 2;
}

/* Everything a trace answers but its notes, as text (to compare answers);
 * offsets: with the lines' byte offsets (not when comparing two formats). */
static char *trace_text_at(const pn_trace *t, bool offsets)
{
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < t->n_hops; i++) {
        const pn_trace_hop *h = &t->hops[i];
        pn_str_appendf(&s, "hop %s %s parent=%s entered=%s left=%s from=%s mid=%s %ld %ld\n",
                       h->qid, h->host, h->parent ? h->parent : "-",
                       h->entered ? h->entered : "-", h->left ? h->left : "-",
                       h->from ? h->from : "-", h->message_id ? h->message_id : "-", h->size,
                       h->nrcpt);
    }
    for (size_t i = 0; i < t->n_rcpts; i++) {
        const pn_trace_rcpt *r = &t->rcpts[i];
        pn_str_appendf(&s, "rcpt %s %s %s %s %s %d %s\n", r->qid, r->address,
                       r->status ? r->status : "-", r->dsn ? r->dsn : "-",
                       r->reply ? r->reply : "-", r->attempts, r->mailbox ? r->mailbox : "-");
    }
    pn_str_appendf(&s, "spam %s\n", t->spam ? t->spam : "-");
    for (size_t i = 0; i < t->n_lines; i++)
        pn_str_appendf(&s, "%d:%lld:%lld %s\n", t->lines[i].file,
                       (long long)t->lines[i].lineno,
                       offsets ? (long long)t->lines[i].offset : -1LL, t->lines[i].text);
    return pn_str_steal(&s);
}

static char *trace_text(const pn_trace *t)
{
    return trace_text_at(t, true);
}

static void unlink_index(const char *ixp)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal", NULL};
    for (int i = 0; ext[i]; i++) {
        char *p = pn_sprintf("%s%s", ixp, ext[i]);
        unlink(p);
        free(p);
    }
}

/* Trace key with the index at ixp (as it is: no update) and assert the
 * answer equals want (the scan's). */
static void assert_indexed_same(fixture *fx, const char *ixp, const char *key,
                                const pn_trace *want)
{
    pn_err err = PN_ERR_INIT;
    pn_logindex *ix = pn_logindex_open(NULL, ixp, &err);
    if (!ix)
        fail_msg("index %s: %s", ixp, pn_err_msg(&err));
    pn_trace_opts o = fx->o;
    o.index = ix;
    pn_trace got;
    if (!pn_trace_find(&o, key, &got, &err))
        fail_msg("indexed trace %s: %s", key, pn_err_msg(&err));
    char *a = trace_text(want), *b = trace_text(&got);
    assert_string_equal(b, a);
    free(a);
    free(b);
    pn_trace_free(&got);
    pn_logindex_close(ix);
}

/* Build (or bring up to date) the index at ixp over the fixture's files. */
static void index_set(fixture *fx, const char *ixp, bool rebuild)
{
    pn_err err = PN_ERR_INIT;
    pn_logindex *ix = pn_logindex_open(NULL, ixp, &err);
    if (!ix)
        fail_msg("index %s: %s", ixp, pn_err_msg(&err));
    pn_ixupdate_opts uo = {.rebuild = rebuild, .threads = 1};
    if (!pn_logindex_update(ix, &fx->set, &uo, NULL, &err))
        fail_msg("index update: %s", pn_err_msg(&err));
    pn_logindex_close(ix);
}

/* Trace key; assert it succeeds, and that a log index over the same files
 * gives the same answer. */
static void trace_ok(fixture *fx, const char *key, pn_trace *t)
{
    pn_err err = PN_ERR_INIT;
    fx->o.index = NULL;
    bool ok = pn_trace_find(&fx->o, key, t, &err);
    if (!ok)
        fail_msg("trace %s: %s", key, pn_err_msg(&err));
    pn_err_clear(&err);
    char *ixp = pn_sprintf("%s/ix.db", dir);
    index_set(fx, ixp, true);
    assert_indexed_same(fx, ixp, key, t);
    unlink_index(ixp);
    free(ixp);
}

/* The trace's raw lines are exactly the 1-based line numbers given (0-ended). */
static void assert_lines(const pn_trace *t, const int *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    pn_str got = PN_STR_INIT;
    for (size_t i = 0; i < t->n_lines; i++)
        pn_str_appendf(&got, "%lld ", (long long)t->lines[i].lineno);
    pn_str exp = PN_STR_INIT;
    for (size_t i = 0; i < n; i++)
        pn_str_appendf(&exp, "%d ", want[i]);
    assert_string_equal(pn_str_cstr(&got), pn_str_cstr(&exp));
    pn_str_free(&got);
    pn_str_free(&exp);
}

static const pn_trace_rcpt *rcpt_of(const pn_trace *t, const char *addr)
{
    for (size_t i = 0; i < t->n_rcpts; i++)
        if (!strcmp(t->rcpts[i].address, addr))
            return &t->rcpts[i];
    fail_msg("no recipient %s", addr);
    return NULL;
}

/* ---- QID reuse ---------------------------------------------------------------- */

static const char *const reuse_log[] = {
    /* 1 */ "Jan 10 10:00:00 mail postfix/smtpd[100]: connect from a.example[192.0.2.1]",
    /* 2 */ "Jan 10 10:00:01 mail postfix/smtpd[100]: 4B2F81A0C3: client=a.example[192.0.2.1]",
    /* 3 */ "Jan 10 10:00:01 mail postfix/cleanup[101]: 4B2F81A0C3: message-id=<first@a.example>",
    /* 4 */ "Jan 10 10:00:01 mail postfix/qmgr[50]: 4B2F81A0C3: from=<s@a.example>, size=100, nrcpt=1 (queue active)",
    /* 5 */ "Jan 10 10:00:01 mail postfix/smtpd[100]: disconnect from a.example[192.0.2.1] ehlo=1 quit=1 commands=2",
    /* 6 */ "Jan 10 10:00:02 mail postfix/local[102]: 4B2F81A0C3: to=<u@mail.example>, relay=local, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
    /* 7 */ "Jan 10 10:00:02 mail postfix/qmgr[50]: 4B2F81A0C3: removed",
    /* 8 */ "Jan 20 09:00:00 mail postfix/pickup[60]: 4B2F81A0C3: uid=0 from=<root>",
    /* 9 */ "Jan 20 09:00:00 mail postfix/cleanup[101]: 4B2F81A0C3: message-id=<second@mail.example>",
    /* 10 */ "Jan 20 09:00:00 mail postfix/qmgr[50]: 4B2F81A0C3: from=<root@mail.example>, size=300, nrcpt=1 (queue active)",
    /* 11 */ "Jan 20 09:00:01 mail postfix/local[102]: 4B2F81A0C3: to=<root@mail.example>, relay=local, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
    /* 12 */ "Jan 20 09:00:01 mail postfix/qmgr[50]: 4B2F81A0C3: removed",
    NULL,
};

static void test_qid_reuse_kept_apart(void **state)
{
    (void)state;
    write_log(reuse_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;

    /* the QID alone: its latest life, with a note about the reuse */
    trace_ok(&fx, "4B2F81A0C3", &t);
    assert_lines(&t, (const int[]){8, 9, 10, 11, 12, 0});
    assert_int_equal(t.n_hops, 1);
    assert_string_equal(t.hops[0].entered, "pickup (local submission)");
    assert_true(t.notes.n >= 1);
    assert_non_null(strstr(t.notes.v[0], "reused"));
    pn_trace_free(&t);

    /* the first message by its Message-ID: only its own life */
    trace_ok(&fx, "<first@a.example>", &t);
    assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 6, 7, 0});
    assert_int_equal(t.n_hops, 1);
    assert_int_equal(t.hops[0].size, 100);
    assert_string_equal(rcpt_of(&t, "u@mail.example")->status, "sent");
    pn_trace_free(&t);

    /* a time window picks the older life */
    fx.o.until_us = (int64_t)1768471200 * 1000000;   /* 2026-01-15 */
    trace_ok(&fx, "4B2F81A0C3", &t);
    assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 6, 7, 0});
    pn_trace_free(&t);
    pn_logset_free(&fx.set);
}

/* ---- a bounce whose lines come out of order -------------------------------------- */

static const char *const bounce_log[] = {
    /* 1 */ "Jan 11 08:00:00 mail postfix/smtpd[200]: connect from b.example[192.0.2.2]",
    /* 2 */ "Jan 11 08:00:00 mail postfix/smtpd[200]: 9C1D0E2F41: client=b.example[192.0.2.2]",
    /* 3 */ "Jan 11 08:00:00 mail postfix/cleanup[201]: 9C1D0E2F41: message-id=<orig@b.example>",
    /* 4 */ "Jan 11 08:00:00 mail postfix/qmgr[50]: 9C1D0E2F41: from=<sender@mail.example>, size=500, nrcpt=1 (queue active)",
    /* 5 */ "Jan 11 08:00:00 mail postfix/smtpd[200]: disconnect from b.example[192.0.2.2] ehlo=1 quit=1 commands=2",
    /* the notification's cleanup line is logged before the bounce line that names it */
    /* 6 */ "Jan 11 08:00:01 mail postfix/cleanup[201]: 7E3A1B2C90: message-id=<20260111080001.7E3A1B2C90@mail.example>",
    /* 7 */ "Jan 11 08:00:01 mail postfix/smtp[202]: 9C1D0E2F41: to=<nobody@remote.example>, relay=mx.remote.example[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.remote.example[198.51.100.1] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
    /* 8 */ "Jan 11 08:00:01 mail postfix/qmgr[50]: 7E3A1B2C90: from=<>, size=2000, nrcpt=1 (queue active)",
    /* 9 */ "Jan 11 08:00:01 mail postfix/bounce[203]: 9C1D0E2F41: sender non-delivery notification: 7E3A1B2C90",
    /* 10 */ "Jan 11 08:00:01 mail postfix/qmgr[50]: 9C1D0E2F41: removed",
    /* 11 */ "Jan 11 08:00:01 mail postfix/local[204]: 7E3A1B2C90: to=<sender@mail.example>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
    /* 12 */ "Jan 11 08:00:01 mail postfix/qmgr[50]: 7E3A1B2C90: removed",
    /* 13 */ "Jan 11 08:00:05 mail postfix/smtpd[200]: connect from c.example[192.0.2.3]",
    NULL,
};

static void test_out_of_order_bounce(void **state)
{
    (void)state;
    write_log(bounce_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;
    static const int want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0};
    /* from the original, from the notification, and by Message-ID: one answer */
    const char *keys[] = {"9C1D0E2F41", "7E3A1B2C90", "orig@b.example"};
    for (size_t k = 0; k < 3; k++) {
        trace_ok(&fx, keys[k], &t);
        assert_lines(&t, want);
        assert_int_equal(t.n_hops, 2);
        assert_string_equal(t.hops[0].qid, "9C1D0E2F41");
        assert_string_equal(t.hops[1].qid, "7E3A1B2C90");
        assert_string_equal(t.hops[1].parent, "9C1D0E2F41");
        assert_non_null(strstr(t.hops[1].entered, "bounce notification for 9C1D0E2F41"));
        assert_string_equal(rcpt_of(&t, "nobody@remote.example")->status, "bounced");
        assert_string_equal(rcpt_of(&t, "nobody@remote.example")->dsn, "5.1.1");
        assert_string_equal(rcpt_of(&t, "sender@mail.example")->status, "sent");
        pn_trace_free(&t);
    }
    pn_logset_free(&fx.set);
}

/* ---- a remote "queued as" is where the message left ------------------------------- */

static const char *const remote_log[] = {
    /* 1 */ "Jan 12 12:00:00 mail postfix/pickup[60]: 5A6B7C8D9E: uid=1000 from=<alice>",
    /* 2 */ "Jan 12 12:00:00 mail postfix/cleanup[301]: 5A6B7C8D9E: message-id=<out@mail.example>",
    /* 3 */ "Jan 12 12:00:00 mail postfix/qmgr[50]: 5A6B7C8D9E: from=<alice@mail.example>, size=400, nrcpt=1 (queue active)",
    /* 4 */ "Jan 12 12:00:01 mail postfix/smtp[302]: 5A6B7C8D9E: to=<bob@partner.example>, relay=mx.partner.example[203.0.113.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1F2E3D4C5B)",
    /* 5 */ "Jan 12 12:00:01 mail postfix/qmgr[50]: 5A6B7C8D9E: removed",
    /* an unrelated message here that happens to carry the remote's QID */
    /* 6 */ "Jan 12 12:00:02 mail postfix/pickup[60]: 1F2E3D4C5B: uid=0 from=<root>",
    /* 7 */ "Jan 12 12:00:02 mail postfix/cleanup[301]: 1F2E3D4C5B: message-id=<other@mail.example>",
    /* 8 */ "Jan 12 12:00:02 mail postfix/qmgr[50]: 1F2E3D4C5B: removed",
    NULL,
};

static void test_remote_queued_as_not_followed(void **state)
{
    (void)state;
    write_log(remote_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;
    trace_ok(&fx, "5A6B7C8D9E", &t);
    assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 0});
    assert_int_equal(t.n_hops, 1);
    assert_non_null(strstr(t.hops[0].left, "queued there as 1F2E3D4C5B"));
    assert_string_equal(rcpt_of(&t, "bob@partner.example")->status, "sent");
    pn_trace_free(&t);
    pn_logset_free(&fx.set);
}

/* ---- a content filter's smtpd with its own host name -------------------------------- */

static const char *const filter_log[] = {
    /* 1 */ "Jan 13 07:00:00 mail postfix/smtpd[400]: connect from d.example[192.0.2.4]",
    /* 2 */ "Jan 13 07:00:00 mail postfix/smtpd[400]: 2D3E4F5A6B: client=d.example[192.0.2.4]",
    /* 3 */ "Jan 13 07:00:00 mail postfix/cleanup[401]: 2D3E4F5A6B: message-id=<filtered@d.example>",
    /* 4 */ "Jan 13 07:00:00 mail postfix/qmgr[50]: 2D3E4F5A6B: from=<x@d.example>, size=600, nrcpt=1 (queue active)",
    /* 5 */ "Jan 13 07:00:00 mail postfix/smtpd[400]: disconnect from d.example[192.0.2.4] ehlo=1 quit=1 commands=2",
    /* 6 */ "Jan 13 07:00:01 reinject postfix/reinject/smtpd[410]: connect from localhost[127.0.0.1]",
    /* 7 */ "Jan 13 07:00:01 reinject postfix/reinject/smtpd[410]: 6C7D8E9FA0: client=localhost[127.0.0.1]",
    /* 8 */ "Jan 13 07:00:01 mail postfix/cleanup[401]: 6C7D8E9FA0: message-id=<filtered@d.example>",
    /* 9 */ "Jan 13 07:00:01 reinject postfix/reinject/smtpd[410]: disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2",
    /* 10 */ "Jan 13 07:00:01 mail postfix/smtp[402]: 2D3E4F5A6B: to=<y@mail.example>, relay=127.0.0.1[127.0.0.1]:10025, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 6C7D8E9FA0)",
    /* 11 */ "Jan 13 07:00:01 mail postfix/qmgr[50]: 6C7D8E9FA0: from=<x@d.example>, size=700, nrcpt=1 (queue active)",
    /* 12 */ "Jan 13 07:00:01 mail postfix/qmgr[50]: 2D3E4F5A6B: removed",
    /* 13 */ "Jan 13 07:00:02 mail postfix/local[403]: 6C7D8E9FA0: to=<y@mail.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
    /* 14 */ "Jan 13 07:00:02 mail postfix/qmgr[50]: 6C7D8E9FA0: removed",
    NULL,
};

static void test_content_filter_own_host(void **state)
{
    (void)state;
    write_log(filter_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;
    const char *keys[] = {"2D3E4F5A6B", "6C7D8E9FA0", "<filtered@d.example>"};
    for (size_t k = 0; k < 3; k++) {
        trace_ok(&fx, keys[k], &t);
        assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0});
        assert_int_equal(t.n_hops, 2);
        assert_string_equal(t.hops[1].qid, "6C7D8E9FA0");
        assert_string_equal(t.hops[1].host, "mail");
        assert_string_equal(t.hops[1].parent, "2D3E4F5A6B");
        assert_non_null(strstr(t.hops[1].entered, "re-injected from 2D3E4F5A6B"));
        pn_trace_free(&t);
    }
    pn_logset_free(&fx.set);
}

/* ---- partial Message-IDs -------------------------------------------------------------- */

static const char *const partial_log[] = {
    /* 1 */ "Jan 14 06:00:00 mail postfix/pickup[60]: 3A4B5C6D7E: uid=0 from=<shop>",
    /* 2 */ "Jan 14 06:00:00 mail postfix/cleanup[501]: 3A4B5C6D7E: message-id=<order-1001@shop.example>",
    /* 3 */ "Jan 14 06:00:00 mail postfix/qmgr[50]: 3A4B5C6D7E: removed",
    /* 4 */ "Jan 14 06:00:01 mail postfix/pickup[60]: 8E9FA0B1C2: uid=0 from=<shop>",
    /* 5 */ "Jan 14 06:00:01 mail postfix/cleanup[501]: 8E9FA0B1C2: message-id=<order-1002@shop.example>",
    /* 6 */ "Jan 14 06:00:01 mail postfix/qmgr[50]: 8E9FA0B1C2: removed",
    NULL,
};

static void test_partial_message_id(void **state)
{
    (void)state;
    write_log(partial_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;
    trace_ok(&fx, "order-1002", &t);
    assert_lines(&t, (const int[]){4, 5, 6, 0});
    pn_trace_free(&t);

    pn_err err = PN_ERR_INIT;
    assert_false(pn_trace_find(&fx.o, "order-100", &t, &err));
    assert_int_equal(err.code, PN_E_CONFLICT);
    assert_non_null(strstr(pn_err_msg(&err), "<order-1001@shop.example>"));
    assert_non_null(strstr(pn_err_msg(&err), "<order-1002@shop.example>"));
    pn_err_clear(&err);

    assert_false(pn_trace_find(&fx.o, "no-such-order", &t, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    pn_err_clear(&err);
    assert_false(pn_trace_find(&fx.o, "  ", &t, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    pn_err_clear(&err);
    pn_logset_free(&fx.set);
}

/* ---- a central log of several hosts ---------------------------------------------------- */

static const char *const central_log[] = {
    /* 1 */ "Jan 15 05:00:00 edge postfix/smtpd[600]: connect from out.example[192.0.2.9]",
    /* 2 */ "Jan 15 05:00:00 edge postfix/smtpd[600]: 0A1B2C3D4E: client=out.example[192.0.2.9]",
    /* 3 */ "Jan 15 05:00:00 edge postfix/cleanup[601]: 0A1B2C3D4E: message-id=<hop@out.example>",
    /* 4 */ "Jan 15 05:00:00 edge postfix/qmgr[51]: 0A1B2C3D4E: from=<a@out.example>, size=800, nrcpt=1 (queue active)",
    /* 5 */ "Jan 15 05:00:00 edge postfix/smtpd[600]: disconnect from out.example[192.0.2.9] ehlo=1 quit=1 commands=2",
    /* 6 */ "Jan 15 05:00:01 core postfix/smtpd[700]: connect from edge.example.net[10.0.0.1]",
    /* 7 */ "Jan 15 05:00:01 core postfix/smtpd[700]: 5F6A7B8C9D: client=edge.example.net[10.0.0.1]",
    /* 8 */ "Jan 15 05:00:01 core postfix/cleanup[701]: 5F6A7B8C9D: message-id=<hop@out.example>",
    /* 9 */ "Jan 15 05:00:01 core postfix/qmgr[52]: 5F6A7B8C9D: from=<a@out.example>, size=900, nrcpt=1 (queue active)",
    /* 10 */ "Jan 15 05:00:01 edge postfix/smtp[602]: 0A1B2C3D4E: to=<b@core.example.net>, relay=core.example.net[10.0.0.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5F6A7B8C9D)",
    /* 11 */ "Jan 15 05:00:01 edge postfix/qmgr[51]: 0A1B2C3D4E: removed",
    /* 12 */ "Jan 15 05:00:01 core postfix/smtpd[700]: disconnect from edge.example.net[10.0.0.1] ehlo=1 quit=1 commands=2",
    /* 13 */ "Jan 15 05:00:02 core postfix/local[702]: 5F6A7B8C9D: to=<b@core.example.net>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
    /* 14 */ "Jan 15 05:00:02 core postfix/qmgr[52]: 5F6A7B8C9D: removed",
    NULL,
};

static void test_central_log_follows_nexthost(void **state)
{
    (void)state;
    write_log(central_log);
    fixture fx;
    open_set(&fx);
    pn_trace t;
    trace_ok(&fx, "0A1B2C3D4E", &t);
    assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0});
    assert_int_equal(t.n_hops, 2);
    assert_string_equal(t.hops[0].host, "edge");
    assert_string_equal(t.hops[1].host, "core");
    assert_string_equal(t.hops[1].parent, "0A1B2C3D4E");
    assert_non_null(strstr(t.hops[1].entered, "edge.example.net"));
    pn_trace_free(&t);

    /* from the next host back to the first */
    trace_ok(&fx, "5F6A7B8C9D", &t);
    assert_int_equal(t.n_hops, 2);
    assert_string_equal(t.hops[0].qid, "0A1B2C3D4E");
    pn_trace_free(&t);

    /* --host edge: only that host's lines; the message left for core */
    fx.o.host = "edge";
    trace_ok(&fx, "0A1B2C3D4E", &t);
    assert_lines(&t, (const int[]){1, 2, 3, 4, 5, 10, 11, 0});
    assert_int_equal(t.n_hops, 1);
    assert_non_null(strstr(t.hops[0].left, "queued there as 5F6A7B8C9D"));
    pn_trace_free(&t);
    pn_logset_free(&fx.set);
}

/* ---- a session that starts at the end of an older gzip file ---------------------------- */

static void test_session_in_gzip_tail(void **state)
{
    (void)state;
    char *gz = pn_sprintf("%s/maillog.1.gz", dir);
    gzFile g = gzopen(gz, "wb1");
    assert_non_null(g);
    /* about 14 MB over three hours: more than three blocks of the file pass */
    for (int i = 0; i < 140000; i++) {
        int sec = (int)((int64_t)i * 10800 / 140000);
        gzprintf(g, "Jan 10 %02d:%02d:%02d mail postfix/anvil[9]: statistics: max connection "
                    "rate 1/60s for (smtp:192.0.2.%d) at Jan 10 00:00:00 filler %07d\n",
                 sec / 3600, sec / 60 % 60, sec % 60, i % 250, i);
    }
    gzprintf(g, "Jan 10 03:00:00 mail postfix/smtpd[777]: connect from z.example[192.0.2.7]\n");
    assert_int_equal(gzclose(g), Z_OK);
    struct utimbuf tm = {(time_t)1769904000, (time_t)1769904000};
    utime(gz, &tm);
    static const char *const newer[] = {
        /* 1 */ "Jan 10 03:00:01 mail postfix/smtpd[777]: 1B2C3D4E5F: client=z.example[192.0.2.7]",
        /* 2 */ "Jan 10 03:00:01 mail postfix/cleanup[778]: 1B2C3D4E5F: message-id=<late@z.example>",
        /* 3 */ "Jan 10 03:00:01 mail postfix/qmgr[50]: 1B2C3D4E5F: from=<z@z.example>, size=10, nrcpt=1 (queue active)",
        /* 4 */ "Jan 10 03:00:01 mail postfix/smtpd[777]: disconnect from z.example[192.0.2.7] ehlo=1 quit=1 commands=2",
        /* 5 */ "Jan 10 03:00:02 mail postfix/local[779]: 1B2C3D4E5F: to=<u@mail.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
        /* 6 */ "Jan 10 03:00:02 mail postfix/qmgr[50]: 1B2C3D4E5F: removed",
        NULL,
    };
    write_log(newer);
    fixture fx;
    memset(&fx, 0, sizeof(fx));
    pn_err err = PN_ERR_INIT;
    const char *paths[2] = {gz, log_path};
    assert_true(pn_logset_open(NULL, paths, 2, true, &fx.set, &err));
    fx.o.logs = &fx.set;
    fx.o.threads = 2;
    pn_trace t;
    trace_ok(&fx, "1B2C3D4E5F", &t);
    assert_int_equal(t.n_lines, 7);
    assert_int_equal(t.lines[0].file, 0);
    assert_int_equal(t.lines[0].lineno, 140001);
    assert_non_null(strstr(t.lines[0].text, "connect from z.example"));
    for (size_t i = 1; i < t.n_lines; i++) {
        assert_int_equal(t.lines[i].file, 1);
        assert_int_equal(t.lines[i].lineno, (int64_t)i);
    }
    pn_trace_free(&t);
    pn_logset_free(&fx.set);
    free(gz);
}

/* ---- a stale index: grown, rotated, gzipped after indexing ------------------------------ */

static void append_lines(const char *path, const char *const *lines, size_t from, size_t to)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (size_t i = from; i < to; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);
    struct utimbuf t = {(time_t)1769904000, (time_t)1769904000};
    utime(path, &t);
}

static void open_paths(fixture *fx, const char *a, const char *b)
{
    memset(fx, 0, sizeof(*fx));
    pn_err err = PN_ERR_INIT;
    const char *paths[2] = {a, b};
    assert_true(pn_logset_open(NULL, paths, b ? 2 : 1, true, &fx->set, &err));
    fx->o.logs = &fx->set;
    fx->o.threads = 2;
}

/* Every key of the bounce chain: the scan's answer, and the same from the
 * index at ixp as it stands; behind: the index must say it lags. */
static void compare_all(fixture *fx, const char *ixp, bool behind)
{
    const char *keys[] = {"9C1D0E2F41", "7E3A1B2C90", "orig@b.example"};
    for (size_t k = 0; k < 3; k++) {
        pn_trace want, got;
        pn_err err = PN_ERR_INIT;
        fx->o.index = NULL;
        if (!pn_trace_find(&fx->o, keys[k], &want, &err))
            fail_msg("trace %s: %s", keys[k], pn_err_msg(&err));
        assert_indexed_same(fx, ixp, keys[k], &want);
        pn_logindex *ix = pn_logindex_open(NULL, ixp, &err);
        assert_non_null(ix);
        fx->o.index = ix;
        assert_true(pn_trace_find(&fx->o, keys[k], &got, &err));
        bool said = false;
        for (size_t i = 0; i < got.notes.n; i++)
            said |= strstr(got.notes.v[i], "index is behind") != NULL;
        assert_int_equal(said, behind);
        fx->o.index = NULL;
        pn_logindex_close(ix);
        pn_trace_free(&got);
        pn_trace_free(&want);
    }
}

static void test_stale_index_same_answer(void **state)
{
    (void)state;
    char *ixp = pn_sprintf("%s/ix.db", dir);
    char *old = pn_sprintf("%s/maillog.1", dir);
    char *gz = pn_sprintf("%s/maillog.1.gz", dir);
    unlink(log_path);
    /* indexed: the first lines of the chain */
    append_lines(log_path, bounce_log, 0, 6);
    fixture fx;
    open_paths(&fx, log_path, NULL);
    index_set(&fx, ixp, true);
    pn_logset_free(&fx.set);

    /* the file grew after indexing: its new end is searched line by line */
    append_lines(log_path, bounce_log, 6, 9);
    open_paths(&fx, log_path, NULL);
    compare_all(&fx, ixp, true);
    pn_logset_free(&fx.set);

    /* rotated after indexing: the old file (known by its inode) under a new
     * name, and a new live file the index has never seen */
    assert_int_equal(rename(log_path, old), 0);
    append_lines(log_path, bounce_log, 9, 13);
    open_paths(&fx, old, log_path);
    compare_all(&fx, ixp, true);
    pn_logset_free(&fx.set);

    /* the rotated file gzipped (a file the index does not know) */
    FILE *in = fopen(old, "rb");
    assert_non_null(in);
    gzFile g = gzopen(gz, "wb6");
    assert_non_null(g);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(gzwrite(g, buf, (unsigned)n), (int)n);
    fclose(in);
    assert_int_equal(gzclose(g), Z_OK);
    unlink(old);
    struct utimbuf tm = {(time_t)1769904000, (time_t)1769904000};
    utime(gz, &tm);
    open_paths(&fx, gz, log_path);
    compare_all(&fx, ixp, true);

    /* brought up to date: the same answers, nothing behind */
    index_set(&fx, ixp, false);
    compare_all(&fx, ixp, false);
    pn_logset_free(&fx.set);
    unlink_index(ixp);
    free(ixp);
    free(old);
    free(gz);
}

/* ---- search: the same rows with and without the index ------------------------------------ */

static bool collect_row(void *cbctx, const pn_logmsg *m)
{
    pn_str *s = cbctx;
    pn_str_appendf(s, "%s %s %s %s %s %lld:", m->qid, m->host, m->from ? m->from : "-",
                   m->message_id ? m->message_id : "-", m->status, (long long)m->first_us);
    for (size_t i = 0; i < m->rcpts.n; i++)
        pn_str_appendf(s, " %s", m->rcpts.v[i]);
    pn_str_append(s, "\n");
    return true;
}

static char *search_rows(fixture *fx, pn_logindex *ix, const pn_logquery *q)
{
    pn_str s = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    pn_trace_opts o = fx->o;
    o.index = ix;
    if (!pn_log_search(&o, q, collect_row, &s, &err))
        fail_msg("search: %s", pn_err_msg(&err));
    return pn_str_steal(&s);
}

static void test_search_index_same_rows(void **state)
{
    (void)state;
    char *ixp = pn_sprintf("%s/ix.db", dir);
    unlink(log_path);
    append_lines(log_path, reuse_log, 0, 12);
    fixture fx;
    open_paths(&fx, log_path, NULL);
    index_set(&fx, ixp, true);
    pn_logset_free(&fx.set);
    /* stale: more mail after indexing */
    append_lines(log_path, bounce_log, 0, 13);
    open_paths(&fx, log_path, NULL);
    static const pn_logquery qs[] = {
        {.sender = "s@a.example"},
        {.sender = "S@A.EXAMPLE"},
        {.rcpt = "u@mail.example"},
        {.rcpt = "nobody@remote.example"},
        {.rcpt = "root@mail.example", .limit = 1},
        {.client_ip = "192.0.2.1"},
        {.client_ip = "192.0.2.2", .status = "bounced"},
        {.sender = "sender@mail.example", .text = "notification"},
        {.sender = "*@a.example"},
        {.client_ip = "192.0.2.0/24"},
    };
    for (int round = 0; round < 2; round++) {
        pn_err err = PN_ERR_INIT;
        if (round == 1)
            index_set(&fx, ixp, false);   /* up to date */
        pn_logindex *ix = pn_logindex_open(NULL, ixp, &err);
        assert_non_null(ix);
        for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
            char *a = search_rows(&fx, NULL, &qs[i]);
            char *b = search_rows(&fx, ix, &qs[i]);
            assert_string_equal(b, a);
            free(a);
            free(b);
        }
        pn_logindex_close(ix);
    }
    /* the rows are not all empty */
    char *r = search_rows(&fx, NULL, &qs[0]);
    assert_non_null(strstr(r, "4B2F81A0C3"));
    free(r);
    pn_logset_free(&fx.set);
    unlink_index(ixp);
    free(ixp);
}

/* ---- journald JSON: the same records as text trace the same ----------------------- */

/* One journald record: seconds after 2026-01-11 08:00:00 UTC, _HOSTNAME,
 * SYSLOG_IDENTIFIER, SYSLOG_PID (0: none), MESSAGE. */
typedef struct jrec {
    int sec;
    const char *host, *ident;
    int pid;
    const char *msg;
} jrec;

#define JBASE 1768118400LL

static const jrec journal_recs[] = {
    /* a bounce: smtpd session, rspamd, the notification's cleanup line
     * before the bounce line that names it */
    /* 1 */ {0, "mail", "postfix/smtpd", 200, "connect from b.example[192.0.2.2]"},
    /* 2 */ {0, "mail", "postfix/smtpd", 200, "9C1D0E2F41: client=b.example[192.0.2.2]"},
    /* 3 */ {0, "mail", "postfix/cleanup", 201, "9C1D0E2F41: message-id=<orig@b.example>"},
    /* 4 */ {0, "mail", "rspamd", 77, "<ab12cd>; proxy; rspamd_task_write_log: id: <orig@b.example>, qid: <9C1D0E2F41>, ip: 192.0.2.2, from: <sender@mail.example>, (default: F (no action): [0.90/15.00] [MIME_GOOD(-0.10){text/plain;}]), len: 500"},
    /* 5 */ {0, "mail", "postfix/qmgr", 50, "9C1D0E2F41: from=<sender@mail.example>, size=500, nrcpt=1 (queue active)"},
    /* 6 */ {0, "mail", "postfix/smtpd", 200, "disconnect from b.example[192.0.2.2] ehlo=1 quit=1 commands=2"},
    /* 7 */ {1, "mail", "postfix/cleanup", 201, "7E3A1B2C90: message-id=<20260111080001.7E3A1B2C90@mail.example>"},
    /* 8 */ {1, "mail", "postfix/smtp", 202, "9C1D0E2F41: to=<nobody@remote.example>, relay=mx.remote.example[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.remote.example[198.51.100.1] said: 550 5.1.1 user unknown (in reply to RCPT TO command))"},
    /* 9 */ {1, "mail", "postfix/qmgr", 50, "7E3A1B2C90: from=<>, size=2000, nrcpt=1 (queue active)"},
    /* 10 */ {1, "mail", "postfix/bounce", 203, "9C1D0E2F41: sender non-delivery notification: 7E3A1B2C90"},
    /* 11 */ {1, "mail", "postfix/qmgr", 50, "9C1D0E2F41: removed"},
    /* 12 */ {1, "mail", "postfix/local", 204, "7E3A1B2C90: to=<sender@mail.example>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)"},
    /* 13 */ {1, "mail", "postfix/qmgr", 50, "7E3A1B2C90: removed"},
    /* a content filter's re-injection (its smtpd under its own host name),
     * delivered over LMTP to Dovecot */
    /* 14 */ {10, "mail", "postfix/smtpd", 400, "connect from d.example[192.0.2.4]"},
    /* 15 */ {10, "mail", "postfix/smtpd", 400, "2D3E4F5A6B: client=d.example[192.0.2.4]"},
    /* 16 */ {10, "mail", "postfix/cleanup", 401, "2D3E4F5A6B: message-id=<filtered@d.example>"},
    /* 17 */ {10, "mail", "postfix/qmgr", 50, "2D3E4F5A6B: from=<x@d.example>, size=600, nrcpt=1 (queue active)"},
    /* 18 */ {10, "mail", "postfix/smtpd", 400, "disconnect from d.example[192.0.2.4] ehlo=1 quit=1 commands=2"},
    /* 19 */ {11, "reinject", "postfix/reinject/smtpd", 410, "connect from localhost[127.0.0.1]"},
    /* 20 */ {11, "reinject", "postfix/reinject/smtpd", 410, "6C7D8E9FA0: client=localhost[127.0.0.1]"},
    /* 21 */ {11, "mail", "postfix/cleanup", 401, "6C7D8E9FA0: message-id=<filtered@d.example>"},
    /* 22 */ {11, "reinject", "postfix/reinject/smtpd", 410, "disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2"},
    /* 23 */ {11, "mail", "postfix/smtp", 402, "2D3E4F5A6B: to=<y@mail.example>, relay=127.0.0.1[127.0.0.1]:10025, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 6C7D8E9FA0)"},
    /* 24 */ {11, "mail", "postfix/qmgr", 50, "6C7D8E9FA0: from=<x@d.example>, size=700, nrcpt=1 (queue active)"},
    /* 25 */ {11, "mail", "postfix/qmgr", 50, "2D3E4F5A6B: removed"},
    /* 26 */ {12, "mail", "dovecot", 0, "lmtp(y@mail.example)<2619><Rp/OHO1IAms7CgAAg+zDdQ>: Info: msgid=<filtered@d.example> from=<x@d.example> size=700: saved mail to INBOX"},
    /* 27 */ {12, "mail", "postfix/lmtp", 403, "6C7D8E9FA0: to=<y@mail.example>, relay=mail.example[private/dovecot-lmtp], delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 <y@mail.example> Rp/OHO1IAms7CgAAg+zDdQ Saved)"},
    /* 28 */ {12, "mail", "postfix/qmgr", 50, "6C7D8E9FA0: removed"},
    /* 29 */ {15, "mail", "postfix/smtpd", 200, "connect from c.example[192.0.2.3]"},
};
#define N_JOURNAL_RECS (sizeof(journal_recs) / sizeof(journal_recs[0]))

static void json_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* The records as journalctl -o json writes them (fields in its order,
 * more than the reader needs) and as the reader's text, one line each. */
static void write_journal_pair(const char *text_path, const char *json_path)
{
    FILE *tf = fopen(text_path, "wb"), *jf = fopen(json_path, "wb");
    assert_non_null(tf);
    assert_non_null(jf);
    for (size_t i = 0; i < N_JOURNAL_RECS; i++) {
        const jrec *r = &journal_recs[i];
        long long us = (JBASE + r->sec) * 1000000LL + (long long)i * 1000;
        time_t sec = (time_t)(us / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        fprintf(tf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00 %s %s", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000,
                r->host, r->ident);
        if (r->pid)
            fprintf(tf, "[%d]", r->pid);
        fprintf(tf, ": %s\n", r->msg);
        fprintf(jf, "{\"__CURSOR\":\"s=abc;i=%zx\",\"__REALTIME_TIMESTAMP\":\"%lld\","
                    "\"__MONOTONIC_TIMESTAMP\":\"%lld\",\"PRIORITY\":\"6\",\"_HOSTNAME\":\"%s\","
                    "\"SYSLOG_FACILITY\":\"2\",\"SYSLOG_IDENTIFIER\":\"%s\",",
                i + 1, us, us - JBASE * 1000000LL, r->host, r->ident);
        if (r->pid)
            fprintf(jf, "\"SYSLOG_PID\":\"%d\",\"_PID\":\"%d\",", r->pid, r->pid);
        fputs("\"MESSAGE\":\"", jf);
        json_escaped(jf, r->msg);
        fputs("\"}\n", jf);
    }
    fclose(tf);
    fclose(jf);
    struct utimbuf t = {(time_t)1769904000, (time_t)1769904000};
    utime(text_path, &t);
    utime(json_path, &t);
}

/* Trace key over fx (with the index at ixp when not NULL): its answer as
 * text without offsets (they differ between the formats). */
static char *trace_in(fixture *fx, const char *ixp, const char *key)
{
    pn_err err = PN_ERR_INIT;
    pn_logindex *ix = NULL;
    if (ixp && !(ix = pn_logindex_open(NULL, ixp, &err)))
        fail_msg("index %s: %s", ixp, pn_err_msg(&err));
    pn_trace_opts o = fx->o;
    o.index = ix;
    pn_trace t;
    if (!pn_trace_find(&o, key, &t, &err))
        fail_msg("trace %s%s: %s", key, ixp ? " (indexed)" : "", pn_err_msg(&err));
    char *s = trace_text_at(&t, false);
    pn_trace_free(&t);
    if (ix)
        pn_logindex_close(ix);
    return s;
}

static void test_journal_json_same_as_text(void **state)
{
    (void)state;
    char *json_path = pn_sprintf("%s/maillog.json", dir);
    char *tix = pn_sprintf("%s/ix-text.db", dir), *jix = pn_sprintf("%s/ix-json.db", dir);
    write_journal_pair(log_path, json_path);
    fixture tx, js;
    open_paths(&tx, log_path, NULL);
    open_paths(&js, json_path, NULL);
    assert_int_equal(tx.set.files[0].fmt, PN_LF_RFC3339);
    assert_int_equal(js.set.files[0].fmt, PN_LF_JOURNAL_JSON);
    index_set(&tx, tix, true);
    index_set(&js, jix, true);

    static const struct {
        const char *key;
        int n_hops;
        int lines[20];
    } cases[] = {
        {"9C1D0E2F41", 2, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0}},
        {"7E3A1B2C90", 2, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0}},
        {"orig@b.example", 2, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0}},
        {"2D3E4F5A6B", 2, {14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 0}},
        {"6C7D8E9FA0", 2, {14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 0}},
        {"<filtered@d.example>", 2, {14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 0}},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        /* the text file's answer is the expected one */
        pn_trace t;
        pn_err err = PN_ERR_INIT;
        tx.o.index = NULL;
        if (!pn_trace_find(&tx.o, cases[c].key, &t, &err))
            fail_msg("trace %s: %s", cases[c].key, pn_err_msg(&err));
        assert_lines(&t, cases[c].lines);
        assert_int_equal(t.n_hops, cases[c].n_hops);
        char *want = trace_text_at(&t, false);
        pn_trace_free(&t);
        /* the JSON file, scanned and from its index; the text from its index */
        const char *ix[3] = {NULL, jix, tix};
        fixture *fx[3] = {&js, &js, &tx};
        for (int m = 0; m < 3; m++) {
            char *got = trace_in(fx[m], ix[m], cases[c].key);
            assert_string_equal(got, want);
            free(got);
        }
        free(want);
    }

    /* searches: the same rows from either file, with and without an index */
    static const pn_logquery qs[] = {
        {.sender = "sender@mail.example"},
        {.rcpt = "nobody@remote.example"},
        {.rcpt = "y@mail.example"},
        {.client_ip = "192.0.2.2"},
        {.client_ip = "192.0.2.0/24"},
        {.sender = "x@d.example", .status = "sent"},
        {.text = "notification"},
    };
    pn_err err = PN_ERR_INIT;
    pn_logindex *tixh = pn_logindex_open(NULL, tix, &err), *jixh = pn_logindex_open(NULL, jix, &err);
    assert_non_null(tixh);
    assert_non_null(jixh);
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        char *want = search_rows(&tx, NULL, &qs[i]);
        assert_true(want[0] != '\0');
        char *got[3] = {search_rows(&js, NULL, &qs[i]), search_rows(&js, jixh, &qs[i]),
                        search_rows(&tx, tixh, &qs[i])};
        for (int m = 0; m < 3; m++) {
            assert_string_equal(got[m], want);
            free(got[m]);
        }
        free(want);
    }
    pn_logindex_close(tixh);
    pn_logindex_close(jixh);
    pn_logset_free(&tx.set);
    pn_logset_free(&js.set);
    unlink_index(tix);
    unlink_index(jix);
    unlink(json_path);
    free(tix);
    free(jix);
    free(json_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qid_reuse_kept_apart),
        cmocka_unit_test(test_out_of_order_bounce),
        cmocka_unit_test(test_remote_queued_as_not_followed),
        cmocka_unit_test(test_content_filter_own_host),
        cmocka_unit_test(test_partial_message_id),
        cmocka_unit_test(test_central_log_follows_nexthost),
        cmocka_unit_test(test_session_in_gzip_tail),
        cmocka_unit_test(test_stale_index_same_answer),
        cmocka_unit_test(test_search_index_same_rows),
        cmocka_unit_test(test_journal_json_same_as_text),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
