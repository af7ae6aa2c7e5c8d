/* test_queue_backend.c - lab test: the queue backend (pn_queue_act,
 * pn_queue_flush, pn_queue_details, pn_queue_sample/history) against the REAL
 * Postfix queue of a running lab (scripts/lab up; eval "$(scripts/lab env)").
 *
 * Every test injects its own messages with `sendmail -C $LAB_POSTFIX_DIR` to
 * closed.example (routed to a closed port: "Connection refused", so they stay
 * deferred), from a sender unique to the test (qb-<pid>-<test>@lab.example),
 * and judges only those messages, plus "nothing else changed" checks on the
 * whole queue. Everything it created is deleted at the end.
 * Without POSTERN_CONFIG it prints a TAP skip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "db.h"
#include "queue.h"
#include "transport.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/str.h"

static pn_ctx *g_ctx;
static const char *g_config, *g_pfdir, *g_maillog;
static int g_pid;

/* ---- helpers ------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *sender_for(const char *test)
{
    return pn_sprintf("qb-%d-%s@lab.example", g_pid, test);
}

/* Inject one message through sendmail (pickup path) with the given headers
 * (may be NULL) and body. */
static void inject_msg(const char *from, const char *rcpt, const char *headers,
                       const char *body)
{
    pn_str msg = PN_STR_INIT;
    pn_str_appendf(&msg, "From: %s\nTo: %s\n", from, rcpt);
    if (headers)
        pn_str_append(&msg, headers);
    else
        pn_str_append(&msg, "Subject: postern queue backend test\n");
    pn_str_append(&msg, "\n");
    pn_str_append(&msg, body ? body : "Test message of test_queue_backend.\n");
    const char *argv[] = {"/usr/sbin/sendmail", "-C", g_pfdir, "-i", "-f", from, "--", rcpt, NULL};
    pn_run_opts opts = {0};
    opts.stdin_data = msg.s;
    opts.stdin_len = msg.len;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_run_ok(g_ctx->tr, argv, &opts, &res, &err);
    if (!ok)
        fprintf(stderr, "# sendmail failed: %s\n", pn_err_msg(&err));
    assert_true(ok);
    pn_err_clear(&err);
    pn_run_result_free(&res);
    pn_str_free(&msg);
}

static void inject(const char *from, int count)
{
    for (int i = 0; i < count; i++)
        inject_msg(from, "rcpt@closed.example", NULL, NULL);
}

static void list_queue(pn_qlist *l)
{
    pn_err err = PN_ERR_INIT;
    memset(l, 0, sizeof(*l));
    bool ok = pn_queue_list(g_ctx, l, NULL, &err);
    if (!ok)
        fprintf(stderr, "# pn_queue_list: %s\n", pn_err_msg(&err));
    assert_true(ok);
    pn_err_clear(&err);
}

/* Messages of one sender (IDs and queues copied into *ids / *queues). */
static size_t by_sender(const pn_qlist *l, const char *from, char ***ids, pn_qname **queues)
{
    size_t n = 0;
    if (ids)
        *ids = pn_calloc(l->n + 1, sizeof(char *));
    if (queues)
        *queues = pn_calloc(l->n + 1, sizeof(pn_qname));
    for (size_t i = 0; i < l->n; i++) {
        if (!l->items[i].sender || strcmp(l->items[i].sender, from) != 0)
            continue;
        if (ids)
            (*ids)[n] = pn_strdup(l->items[i].qid);
        if (queues)
            (*queues)[n] = l->items[i].queue;
        n++;
    }
    return n;
}

static void free_ids(char **ids)
{
    if (!ids)
        return;
    for (size_t i = 0; ids[i]; i++)
        free(ids[i]);
    free(ids);
}

/* Wait (bounded) until `count` messages from `from` are deferred; returns
 * their IDs (NULL-terminated, caller frees with free_ids). */
static char **wait_deferred(const char *from, size_t count)
{
    for (int round = 0; round < 150; round++) {
        pn_qlist l;
        list_queue(&l);
        char **ids;
        pn_qname *queues;
        size_t n = by_sender(&l, from, &ids, &queues);
        size_t deferred = 0;
        for (size_t i = 0; i < n; i++)
            deferred += queues[i] == PN_QN_DEFERRED;
        pn_qlist_free(&l);
        free(queues);
        if (n == count && deferred == count)
            return ids;
        free_ids(ids);
        sleep_ms(200);
    }
    fail_msg("messages from %s did not become deferred within 30 s", from);
    return NULL;
}

/* Where is qid now? PN_QN_COUNT when absent. */
static pn_qname queue_of(const char *qid)
{
    pn_qlist l;
    list_queue(&l);
    pn_qname q = PN_QN_COUNT;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.items[i].qid, qid))
            q = l.items[i].queue;
    pn_qlist_free(&l);
    return q;
}

/* A snapshot of the whole queue: sorted "QID queue" strings. */
typedef struct snap {
    char **v;
    size_t n;
} snap;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_take(snap *s, bool with_queue)
{
    pn_qlist l;
    list_queue(&l);
    s->v = pn_calloc(l.n + 1, sizeof(char *));
    s->n = l.n;
    for (size_t i = 0; i < l.n; i++)
        s->v[i] = with_queue ? pn_sprintf("%s %s", l.items[i].qid, pn_qname_str(l.items[i].queue))
                             : pn_strdup(l.items[i].qid);
    qsort(s->v, s->n, sizeof(char *), cmp_str);
    pn_qlist_free(&l);
}

static bool snap_has(const snap *s, const char *key)
{
    return bsearch(&key, s->v, s->n, sizeof(char *), cmp_str) != NULL;
}

static void snap_free(snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static long maillog_size(void)
{
    struct stat st;
    return stat(g_maillog, &st) == 0 ? (long)st.st_size : 0;
}

/* A maillog line after offset `from` containing all of a, b (b may be NULL)? */
static bool maillog_has(long from, const char *a, const char *b)
{
    FILE *f = fopen(g_maillog, "r");
    if (!f)
        return false;
    if (fseek(f, from, SEEK_SET) != 0) {
        fclose(f);
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f) > 0)
        found = strstr(line, a) && (!b || strstr(line, b));
    free(line);
    fclose(f);
    return found;
}

static bool wait_maillog(long from, const char *a, const char *b, int seconds)
{
    for (int i = 0; i < seconds * 5; i++) {
        if (maillog_has(from, a, b))
            return true;
        sleep_ms(200);
    }
    return false;
}

static void act(pn_qaction a, const char *const *ids, size_t n, pn_qaction_report *rep)
{
    pn_err err = PN_ERR_INIT;
    bool ok = pn_queue_act(g_ctx, a, ids, n, rep, &err);
    if (!ok)
        fprintf(stderr, "# pn_queue_act %s: %s\n", pn_qaction_str(a), pn_err_msg(&err));
    assert_true(ok);
    pn_err_clear(&err);
}

/* Remove a message behind the backend's back (to make it "vanish"). */
static void delete_directly(const char *qid)
{
    const char *argv[] = {"postsuper", "-c", g_pfdir, "-d", qid, NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    assert_true(pn_run_ok(g_ctx->tr, argv, NULL, &res, NULL));
    assert_non_null(strstr(pn_str_cstr(&res.err), "removed"));
    pn_run_result_free(&res);
}

static void kick_pickup(void)
{
    const char *argv[] = {"postkick", "-c", g_pfdir, "public", "pickup", "W", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_run(g_ctx->tr, argv, NULL, &res, NULL);
    pn_run_result_free(&res);
}

static pn_ctx *new_ctx(bool read_only, const char *pfdir)
{
    pn_err err = PN_ERR_INIT;
    pn_config *cfg = pn_config_load_file(g_config, &err);
    if (!cfg)
        fprintf(stderr, "# %s: %s\n", g_config, pn_err_msg(&err));
    assert_non_null(cfg);
    pn_err_clear(&err);
    if (pfdir) {
        free(cfg->postfix_config_dir);
        cfg->postfix_config_dir = pn_strdup(pfdir);
    }
    return pn_ctx_new_local(cfg, read_only);
}

/* ---- tests: actions ------------------------------------------------------ */

static void test_delete_exact(void **state)
{
    (void)state;
    char *from = sender_for("del");
    inject(from, 3);
    char **ids = wait_deferred(from, 3);
    snap before;
    snap_take(&before, false);

    const char *del[] = {ids[0], ids[2]};
    pn_qaction_report rep;
    act(PN_QA_DELETE, del, 2, &rep);
    assert_int_equal(rep.action, PN_QA_DELETE);
    assert_int_equal(rep.n, 2);
    assert_int_equal(rep.done, 2);
    assert_int_equal(rep.not_found, 0);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rep.postfix_total, 2);
    assert_null(rep.warning);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(rep.results[i].qid, del[i]);
        assert_int_equal(rep.results[i].outcome, PN_QO_DONE);
        assert_string_equal(rep.results[i].detail, "removed");
    }
    pn_qaction_report_free(&rep);

    /* Exactly those two are gone; every other message is still listed. */
    snap after;
    snap_take(&after, false);
    assert_false(snap_has(&after, ids[0]));
    assert_false(snap_has(&after, ids[2]));
    assert_true(snap_has(&after, ids[1]));
    for (size_t i = 0; i < before.n; i++) {
        if (!strcmp(before.v[i], ids[0]) || !strcmp(before.v[i], ids[2]))
            continue;
        if (!snap_has(&after, before.v[i]))
            fail_msg("message %s disappeared although it was not deleted", before.v[i]);
    }
    assert_int_equal(after.n + 2, before.n);
    snap_free(&before);
    snap_free(&after);
    free_ids(ids);
    free(from);
}

static void test_hold_release(void **state)
{
    (void)state;
    char *from = sender_for("hold");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    const char *one[] = {ids[0]};
    pn_qaction_report rep;

    act(PN_QA_HOLD, one, 1, &rep);
    assert_int_equal(rep.done, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_string_equal(rep.results[0].detail, "placed on hold");
    assert_int_equal(rep.postfix_total, 1);
    assert_null(rep.warning);
    pn_qaction_report_free(&rep);
    assert_int_equal(queue_of(ids[0]), PN_QN_HOLD);

    /* Holding it again: Postfix does nothing and says nothing about it;
     * the message is in the state asked for, so nothing failed. */
    act(PN_QA_HOLD, one, 1, &rep);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rep.done, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_string_equal(rep.results[0].detail, "already on hold: nothing to do");
    assert_int_equal(rep.postfix_total, 0);
    pn_qaction_report_free(&rep);

    act(PN_QA_RELEASE, one, 1, &rep);
    assert_int_equal(rep.done, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_string_equal(rep.results[0].detail, "released from hold");
    assert_int_equal(rep.postfix_total, 1);
    assert_null(rep.warning);
    pn_qaction_report_free(&rep);
    pn_qname q = queue_of(ids[0]);
    assert_true(q == PN_QN_DEFERRED || q == PN_QN_ACTIVE || q == PN_QN_INCOMING);

    /* Releasing a message that is not on hold. */
    free_ids(wait_deferred(from, 1));
    act(PN_QA_RELEASE, one, 1, &rep);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_non_null(strstr(rep.results[0].detail, "not on hold"));
    pn_qaction_report_free(&rep);

    free_ids(ids);
    free(from);
}

static void test_requeue(void **state)
{
    (void)state;
    char *from = sender_for("requeue");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    char *old = pn_strdup(ids[0]);
    free_ids(ids);
    long off = maillog_size();
    const char *one[] = {old};
    pn_qaction_report rep;

    act(PN_QA_REQUEUE, one, 1, &rep);
    assert_int_equal(rep.done, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_string_equal(rep.results[0].detail, "requeued");
    assert_int_equal(rep.postfix_total, 1);
    assert_null(rep.warning);
    pn_qaction_report_free(&rep);

    /* Until pickup takes it, the message sits in maildrop under its old ID,
     * where postsuper -h cannot reach it. */
    act(PN_QA_HOLD, one, 1, &rep);
    assert_int_equal(rep.done, 0);
    if (rep.results[0].outcome == PN_QO_FAILED) {
        assert_non_null(strstr(rep.results[0].detail, "still in maildrop"));
    } else {
        assert_int_equal(rep.results[0].outcome, PN_QO_NOT_FOUND);
        fprintf(stderr, "# note: pickup took the requeued message before the hold\n");
    }
    pn_qaction_report_free(&rep);

    /* It comes back under a new QID; pickup logs orig_id=OLD. */
    char *fresh = NULL;
    for (int round = 0; round < 450 && !fresh; round++) {
        if (round % 25 == 0)
            kick_pickup();
        pn_qlist l;
        list_queue(&l);
        char **now;
        size_t n = by_sender(&l, from, &now, NULL);
        for (size_t i = 0; i < n; i++)
            if (strcmp(now[i], old) != 0)
                fresh = pn_strdup(now[i]);
        free_ids(now);
        pn_qlist_free(&l);
        if (!fresh)
            sleep_ms(200);
    }
    assert_non_null(fresh);
    char *orig = pn_sprintf("orig_id=%s", old);
    char *newq = pn_sprintf("%s: ", fresh);
    assert_true(wait_maillog(off, orig, newq, 20));
    assert_int_equal(queue_of(old), PN_QN_COUNT);
    free(orig);
    free(newq);
    free(fresh);
    free(old);
    free(from);
}

static void test_resend(void **state)
{
    (void)state;
    char *from = sender_for("resend");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    /* Let the first attempt reach the maillog before taking the offset. */
    char *tag = pn_sprintf("%s: to=<rcpt@closed.example>", ids[0]);
    assert_true(wait_maillog(0, tag, "status=deferred", 30));
    sleep_ms(300);
    long off = maillog_size();
    const char *one[] = {ids[0]};
    pn_qaction_report rep;

    act(PN_QA_RESEND, one, 1, &rep);
    assert_int_equal(rep.action, PN_QA_RESEND);
    assert_int_equal(rep.done, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_int_equal(rep.postfix_total, -1);
    pn_qaction_report_free(&rep);
    /* A new delivery attempt for this ID shows in the maillog. */
    assert_true(wait_maillog(off, tag, "status=deferred", 30));
    free(tag);

    /* postqueue -i does not deliver held mail: reported, not pretended. */
    free_ids(wait_deferred(from, 1));
    act(PN_QA_HOLD, one, 1, &rep);
    assert_int_equal(rep.done, 1);
    pn_qaction_report_free(&rep);
    act(PN_QA_RESEND, one, 1, &rep);
    assert_int_equal(rep.failed, 1);
    assert_non_null(strstr(rep.results[0].detail, "on hold"));
    pn_qaction_report_free(&rep);

    free_ids(ids);
    free(from);
}

static void test_vanished(void **state)
{
    (void)state;
    char *from = sender_for("vanish");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    delete_directly(ids[0]);
    const char *one[] = {ids[0]};
    for (int a = 0; a < PN_QA_COUNT; a++) {
        pn_qaction_report rep;
        act((pn_qaction)a, one, 1, &rep);
        assert_int_equal(rep.n, 1);
        assert_int_equal(rep.not_found, 1);
        assert_int_equal(rep.failed, 0);
        assert_int_equal(rep.done, 0);
        assert_int_equal(rep.results[0].outcome, PN_QO_NOT_FOUND);
        assert_non_null(strstr(rep.results[0].detail, "not in the queue"));
        if (a != PN_QA_RESEND)
            assert_int_equal(rep.postfix_total, 0);
        assert_null(rep.warning);
        pn_qaction_report_free(&rep);
    }
    free_ids(ids);
    free(from);
}

static void test_mixed(void **state)
{
    (void)state;
    char *from = sender_for("mixed");
    inject(from, 3);
    char **ids = wait_deferred(from, 3);
    delete_directly(ids[1]);
    /* present, vanished, present, and a duplicate of the first */
    const char *list[] = {ids[0], ids[1], ids[2], ids[0]};
    pn_qaction_report rep;
    act(PN_QA_HOLD, list, 4, &rep);
    assert_int_equal(rep.n, 3);
    assert_string_equal(rep.results[0].qid, ids[0]);
    assert_string_equal(rep.results[1].qid, ids[1]);
    assert_string_equal(rep.results[2].qid, ids[2]);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_int_equal(rep.results[1].outcome, PN_QO_NOT_FOUND);
    assert_int_equal(rep.results[2].outcome, PN_QO_DONE);
    assert_int_equal(rep.done, 2);
    assert_int_equal(rep.not_found, 1);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rep.postfix_total, 2);
    assert_null(rep.warning);
    pn_qaction_report_free(&rep);

    const char *del[] = {ids[2], ids[1], ids[0]};
    act(PN_QA_DELETE, del, 3, &rep);
    assert_int_equal(rep.results[0].outcome, PN_QO_DONE);
    assert_int_equal(rep.results[1].outcome, PN_QO_NOT_FOUND);
    assert_int_equal(rep.results[2].outcome, PN_QO_DONE);
    assert_int_equal(rep.postfix_total, 2);
    assert_null(rep.warning);
    pn_qaction_report_free(&rep);
    assert_int_equal(queue_of(ids[0]), PN_QN_COUNT);
    assert_int_equal(queue_of(ids[2]), PN_QN_COUNT);
    free_ids(ids);
    free(from);
}

/* Many IDs through one postsuper: duplicates dropped (first occurrence
 * kept, request order), unknown IDs not found, the real ones done. */
static void test_bulk_list(void **state)
{
    (void)state;
    char *from = sender_for("bulk");
    inject(from, 3);
    char **ids = wait_deferred(from, 3);
    enum { N = 160 };
    char *fake[N];
    const char *list[N];
    size_t n = 0, nfake = 0;
    for (size_t i = 0; n < N; i++) {
        if (i % 50 == 7) {
            list[n++] = ids[(i / 50) % 3];          /* i = 7, 57, 107, 157: ids 0, 1, 2, 0 */
            continue;
        }
        fake[nfake] = pn_sprintf("00000%05zX", i);
        list[n++] = fake[nfake++];
        if (i % 10 == 3 && n < N)
            list[n++] = fake[nfake - 1];            /* an immediate duplicate */
    }
    pn_qaction_report rep;
    act(PN_QA_DELETE, list, n, &rep);
    assert_int_equal(rep.n, nfake + 3);
    assert_int_equal(rep.done, 3);
    assert_int_equal(rep.not_found, nfake);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rep.postfix_total, 3);
    assert_null(rep.warning);
    /* request order of first occurrences */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(list[j], list[i]);
        if (seen)
            continue;
        assert_string_equal(rep.results[k].qid, list[i]);
        bool real = !strcmp(list[i], ids[0]) || !strcmp(list[i], ids[1]) || !strcmp(list[i], ids[2]);
        assert_int_equal(rep.results[k].outcome, real ? PN_QO_DONE : PN_QO_NOT_FOUND);
        k++;
    }
    assert_int_equal(k, rep.n);
    pn_qaction_report_free(&rep);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(queue_of(ids[i]), PN_QN_COUNT);
    for (size_t i = 0; i < nfake; i++)
        free(fake[i]);
    free_ids(ids);
    free(from);
}

static void test_invalid_ids(void **state)
{
    (void)state;
    char *from = sender_for("invalid");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    snap before;
    snap_take(&before, true);
    long off = maillog_size();

    const char *bad[] = {"xyz/../../etc", "-d", "ABC DEF", "", "ALL"};
    for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        const char *list[] = {ids[0], bad[b]};
        for (int a = 0; a < PN_QA_COUNT; a++) {
            pn_qaction_report rep;
            pn_err err = PN_ERR_INIT;
            assert_false(pn_queue_act(g_ctx, (pn_qaction)a, list, 2, &rep, &err));
            assert_int_equal(err.code, PN_E_INVALID);
            assert_non_null(strstr(pn_err_msg(&err), "queue ID 2"));
            if (bad[b][0])
                assert_non_null(strstr(pn_err_msg(&err), bad[b]));
            assert_int_equal(rep.n, 0);
            pn_qaction_report_free(&rep);
            pn_err_clear(&err);
        }
    }
    /* Nothing ran: no postsuper line in the maillog, the queue unchanged. */
    sleep_ms(300);
    assert_false(maillog_has(off, "postfix/postsuper", NULL));
    snap after;
    snap_take(&after, true);
    char *key = pn_sprintf("%s deferred", ids[0]);
    assert_true(snap_has(&after, key));
    free(key);
    snap_free(&after);
    snap_take(&after, false);
    for (size_t i = 0; i < before.n; i++) {
        char *qid = pn_strndup(before.v[i], strcspn(before.v[i], " "));
        assert_true(snap_has(&after, qid));
        free(qid);
    }
    assert_int_equal(after.n, before.n);
    snap_free(&before);
    snap_free(&after);
    free_ids(ids);
    free(from);
}

static void test_read_only(void **state)
{
    (void)state;
    char *from = sender_for("ro");
    inject(from, 1);
    char **ids = wait_deferred(from, 1);
    long off = maillog_size();
    pn_ctx *ro = new_ctx(true, NULL);
    const char *one[] = {ids[0]};
    for (int a = 0; a < PN_QA_COUNT; a++) {
        pn_qaction_report rep;
        pn_err err = PN_ERR_INIT;
        assert_false(pn_queue_act(ro, (pn_qaction)a, one, 1, &rep, &err));
        assert_int_equal(err.code, PN_E_READONLY);
        assert_int_equal(rep.n, 0);
        pn_qaction_report_free(&rep);
        pn_err_clear(&err);
    }
    pn_err err = PN_ERR_INIT;
    assert_false(pn_queue_flush(ro, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    pn_err_clear(&err);
    /* Even invalid IDs are refused as read-only first. */
    const char *bad[] = {"-d"};
    pn_qaction_report rep;
    assert_false(pn_queue_act(ro, PN_QA_DELETE, bad, 1, &rep, &err));
    assert_int_equal(err.code, PN_E_READONLY);
    pn_qaction_report_free(&rep);
    pn_err_clear(&err);
    pn_ctx_free(ro);

    sleep_ms(300);
    assert_false(maillog_has(off, "postfix/postsuper", NULL));
    assert_int_equal(queue_of(ids[0]), PN_QN_DEFERRED);
    free_ids(ids);
    free(from);
}

static void test_postsuper_fatal(void **state)
{
    (void)state;
    /* A broken instance: postsuper dies with "fatal: open .../main.cf". */
    pn_ctx *bad = new_ctx(false, "/nonexistent-postern-lab");
    const char *one[] = {"ABCDEF12345"};
    pn_qaction_report rep;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_queue_act(bad, PN_QA_DELETE, one, 1, &rep, &err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_non_null(strstr(pn_err_msg(&err), "main.cf"));
    assert_int_equal(rep.n, 1);
    assert_int_equal(rep.results[0].outcome, PN_QO_FAILED);
    pn_qaction_report_free(&rep);
    pn_err_clear(&err);

    /* ... and postcat's same words about main.cf are not "message gone". */
    pn_qdetails d;
    assert_false(pn_queue_details(bad, "ABCDEF12345", PN_QP_HEADERS, 0, &d, &err));
    assert_int_equal(err.code, PN_E_EXEC);
    pn_err_clear(&err);
    pn_ctx_free(bad);
}

/* ---- tests: details ------------------------------------------------------ */

static void test_message_id_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Subject: x\nmessage-ID:  \n\t<a@b.example>\nX: y\n", "<a@b.example>"},
        {"Message-Id: <a\r\n @b.example>\r\nX: y\r\n", "<a@b.example>"},
        {"MESSAGE-ID : <sp@x.example> (comment)\n", "<sp@x.example>"},
        {"X-Message-ID: <no@x>\nSubject: y\n", NULL},
        {"Subject: a\n\nMessage-ID: <body@x>\n", NULL},
        {"Message-ID: <first@x>\nMessage-ID: <second@x>\n", "<first@x>"},
        {"Message-ID:\n", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = pn_headers_message_id(cases[i].in, strlen(cases[i].in));
        if (cases[i].want) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
        } else {
            assert_null(got);
        }
        free(got);
    }
    assert_null(pn_headers_message_id(NULL, 0));
}

static char *only_sender_qid(const char *from)
{
    char **ids = wait_deferred(from, 1);
    char *q = pn_strdup(ids[0]);
    free_ids(ids);
    return q;
}

static void test_details(void **state)
{
    (void)state;
    char *from1 = sender_for("det1");
    char *from2 = sender_for("det2");
    char *mid = pn_sprintf("<qb-%d-det1@lab.example>", g_pid);
    static const char enc_subject[] = "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4pyT?=";
    static const char raw_subject[] = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x9c\x93";

    /* Message 1: encoded subject, folded lower-case message-id, a 5,000-char
     * folded header, a body with terminal escapes, BEL, CR and a tab. */
    pn_str h = PN_STR_INIT;
    pn_str_appendf(&h, "Subject: %s\nmessage-id:\n  %s\n", enc_subject, mid);
    pn_str_append(&h, "X-Long: start");
    size_t xlen = 0;
    for (int i = 0; xlen < 5000; i++) {
        char chunk[96];
        int n = snprintf(chunk, sizeof(chunk), "\n\tk%04d=%s;", i,
                         "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
        pn_str_append(&h, chunk);
        xlen += (size_t)n;
    }
    pn_str_append(&h, "\n");
    static const char body[] =
        "plain line\n"
        "\x1b[31mred\x1b[0m and \x1b]0;title\x07 bell\n"
        "carriage\rreturn\n"
        "tab\there Gr\xc3\xbc\xc3\x9f" "e\n"
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n";
    inject_msg(from1, "rcpt@closed.example", h.s, body);
    pn_str_free(&h);
    char *hdr2 = pn_sprintf("Subject: %s\n", raw_subject);
    inject_msg(from2, "rcpt@closed.example", hdr2, NULL);
    free(hdr2);
    char *q1 = only_sender_qid(from1);
    char *q2 = only_sender_qid(from2);

    pn_qdetails d;
    pn_err err = PN_ERR_INIT;
    int all = PN_QP_ENVELOPE | PN_QP_HEADERS | PN_QP_BODY;
    assert_true(pn_queue_details(g_ctx, q1, all, 0, &d, &err));
    assert_string_equal(d.qid, q1);
    assert_non_null(d.message_id);
    assert_string_equal(d.message_id, mid);
    assert_non_null(d.subject);
    assert_string_equal(d.subject, enc_subject);
    assert_false(d.envelope_truncated);
    assert_false(d.headers_truncated);
    assert_false(d.body_truncated);
    assert_non_null(strstr(pn_str_cstr(&d.envelope), "*** ENVELOPE RECORDS"));
    assert_non_null(strstr(pn_str_cstr(&d.envelope), from1));
    assert_non_null(strstr(pn_str_cstr(&d.headers), "X-Long: start\n\tk0000="));
    assert_true(d.headers.len > 5000);
    assert_non_null(strstr(pn_str_cstr(&d.headers), "\n"));
    const char *b = pn_str_cstr(&d.body);
    assert_null(memchr(b, '\x1b', d.body.len));
    assert_null(memchr(b, '\x07', d.body.len));
    assert_null(memchr(b, '\r', d.body.len));
    assert_non_null(strstr(b, "\xef\xbf\xbd[31mred"));
    assert_non_null(strstr(b, "tab\there Gr\xc3\xbc\xc3\x9f" "e\n"));
    assert_non_null(strstr(b, "plain line\n"));
    pn_qdetails_free(&d);

    /* A small cap truncates every part; the Message-ID is still found. */
    assert_true(pn_queue_details(g_ctx, q1, all, 64, &d, &err));
    assert_true(d.envelope_truncated);
    assert_true(d.headers_truncated);
    assert_true(d.body_truncated);
    assert_true(d.headers.len <= 64 * 3);
    assert_true(d.body.len <= 64 * 3);
    assert_string_equal(d.message_id, mid);
    assert_string_equal(d.subject, enc_subject);
    pn_qdetails_free(&d);

    /* Only the body: headers are still read for the Message-ID. */
    assert_true(pn_queue_details(g_ctx, q1, PN_QP_BODY, 0, &d, &err));
    assert_int_equal(d.headers.len, 0);
    assert_int_equal(d.envelope.len, 0);
    assert_true(d.body.len > 0);
    assert_string_equal(d.message_id, mid);
    pn_qdetails_free(&d);

    /* Raw 8-bit UTF-8 subject and the Message-ID Postfix added. */
    long off = 0;
    assert_true(pn_queue_details(g_ctx, q2, PN_QP_HEADERS, 0, &d, &err));
    assert_string_equal(d.subject, raw_subject);
    assert_non_null(d.message_id);
    assert_int_equal(d.message_id[0], '<');
    assert_int_equal(d.message_id[strlen(d.message_id) - 1], '>');
    char *logged = pn_sprintf("%s: message-id=%s", q2, d.message_id);
    assert_true(maillog_has(off, logged, NULL));
    free(logged);
    pn_qdetails_free(&d);

    /* Gone and invalid. */
    delete_directly(q2);
    assert_false(pn_queue_details(g_ctx, q2, all, 0, &d, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_non_null(strstr(pn_err_msg(&err), "is not in the queue"));
    assert_non_null(strstr(pn_err_msg(&err), q2));
    pn_err_clear(&err);
    assert_false(pn_queue_details(g_ctx, "../etc/passwd", all, 0, &d, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    pn_err_clear(&err);
    assert_false(pn_queue_details(g_ctx, q1, 64, 0, &d, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    pn_err_clear(&err);

    free(q1);
    free(q2);
    free(mid);
    free(from1);
    free(from2);
}

/* ---- tests: history ------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Counts per queue from one listing. */
static void direct_counts(long *count, int64_t *bytes)
{
    pn_qlist l;
    list_queue(&l);
    memset(count, 0, sizeof(long) * PN_QN_COUNT);
    *bytes = 0;
    for (size_t i = 0; i < l.n; i++) {
        count[l.items[i].queue]++;
        *bytes += l.items[i].size;
    }
    pn_qlist_free(&l);
}

static void test_history(void **state)
{
    (void)state;
    char dir[] = "/tmp/pn-qhist-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = pn_sprintf("%s/state.db", dir);
    pn_err err = PN_ERR_INIT;
    sqlite3 *db = pn_db_open(path, &err);
    assert_non_null(db);

    /* The sample must equal a direct listing taken around it (retry if the
     * queue moved meanwhile). */
    pn_qsample s;
    bool same = false;
    for (int attempt = 0; attempt < 10 && !same; attempt++) {
        long c1[PN_QN_COUNT], c2[PN_QN_COUNT];
        int64_t b1, b2;
        direct_counts(c1, &b1);
        assert_true(pn_queue_sample(g_ctx, db, 3600, &s, &err));
        direct_counts(c2, &b2);
        if (memcmp(c1, c2, sizeof(c1)) != 0 || b1 != b2) {
            sleep_ms(300);
            continue;
        }
        same = memcmp(c1, s.count, sizeof(c1)) == 0 && b1 == s.bytes;
        if (!same)
            fail_msg("sample differs from a stable direct listing");
    }
    assert_true(same);
    assert_true(s.count[PN_QN_DEFERRED] > 0);
    int64_t now = (int64_t)time(NULL);
    assert_true(s.at <= now && s.at >= now - 60);

    const char *inst = g_ctx->cfg->instance && *g_ctx->cfg->instance ? g_ctx->cfg->instance
                                                                       : "default";
    pn_qsample *hist = NULL;
    size_t n = 0;
    assert_true(pn_queue_history(db, inst, 0, &hist, &n, &err));
    assert_true(n >= 1);
    pn_qsample *last = &hist[n - 1];
    assert_int_equal(last->at, s.at);
    for (int q = 0; q < PN_QN_COUNT; q++)
        if (q != PN_QN_OTHER)
            assert_int_equal(last->count[q], s.count[q]);
    assert_int_equal(last->bytes, s.bytes);
    free(hist);

    /* Old samples (and other instances') : pruned only for this instance. */
    char *sql = pn_sprintf(
        "INSERT INTO queue_samples(at, instance, incoming, active, deferred, hold, bytes)"
        " VALUES (%lld, '%s', 1, 2, 3, 4, 5), (%lld, '%s', 1, 1, 1, 1, 1),"
        " (%lld, 'elsewhere', 9, 9, 9, 9, 9);",
        (long long)(now - 7200), inst, (long long)(now - 1800), inst, (long long)(now - 7200));
    assert_true(pn_db_exec(db, sql, &err));
    free(sql);
    assert_true(pn_queue_sample(g_ctx, db, 3600, &s, &err));
    /* twice in the same second: replaced, not a constraint error */
    assert_true(pn_queue_sample(g_ctx, db, 3600, NULL, &err));
    assert_true(pn_queue_history(db, inst, 0, &hist, &n, &err));
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(hist[i].at >= now - 3600);
        if (i)
            assert_true(hist[i].at > hist[i - 1].at);
    }
    assert_int_equal(hist[0].at, now - 1800);
    assert_int_equal(hist[0].count[PN_QN_DEFERRED], 1);
    free(hist);
    assert_true(pn_queue_history(db, "elsewhere", 0, &hist, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(hist[0].count[PN_QN_HOLD], 9);
    free(hist);
    assert_true(pn_queue_history(db, inst, now + 3600, &hist, &n, &err));
    assert_int_equal(n, 0);
    free(hist);

    /* A DB without the table gives a reason, not a code. */
    assert_true(pn_db_exec(db, "DROP TABLE queue_samples", &err));
    assert_false(pn_queue_history(db, inst, 0, &hist, &n, &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_non_null(strstr(pn_err_msg(&err), "queue_samples"));
    pn_err_clear(&err);
    assert_false(pn_queue_sample(g_ctx, db, 3600, NULL, &err));
    assert_int_equal(err.code, PN_E_DB);
    pn_err_clear(&err);

    pn_db_close(db);
    free(path);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_flush(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_queue_flush(g_ctx, &err);
    if (!ok)
        fprintf(stderr, "# flush: %s\n", pn_err_msg(&err));
    assert_true(ok);
    pn_err_clear(&err);
}

/* ---- setup / teardown ---------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    g_ctx = new_ctx(false, NULL);
    if (!g_ctx->cfg->postfix_config_dir || strcmp(g_ctx->cfg->postfix_config_dir, g_pfdir) != 0)
        fprintf(stderr, "# note: %s names postfix dir %s, LAB_POSTFIX_DIR is %s\n", g_config,
                g_ctx->cfg->postfix_config_dir, g_pfdir);
    return 0;
}

/* Delete every message this run created (senders qb-<pid>-*). */
static int group_teardown(void **state)
{
    (void)state;
    char *prefix = pn_sprintf("qb-%d-", g_pid);
    for (int round = 0; round < 3; round++) {
        pn_qlist l;
        pn_err err = PN_ERR_INIT;
        memset(&l, 0, sizeof(l));
        if (!pn_queue_list(g_ctx, &l, NULL, &err)) {
            pn_err_clear(&err);
            break;
        }
        const char **ids = pn_calloc(l.n + 1, sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++)
            if (l.items[i].sender && !strncmp(l.items[i].sender, prefix, strlen(prefix)))
                ids[n++] = l.items[i].qid;
        if (n) {
            pn_qaction_report rep;
            pn_queue_act(g_ctx, PN_QA_DELETE, ids, n, &rep, &err);
            pn_qaction_report_free(&rep);
            pn_err_clear(&err);
        }
        free(ids);
        pn_qlist_free(&l);
        if (!n)
            break;
        kick_pickup();   /* a requeued message may still wait in maildrop */
        sleep_ms(500);
    }
    free(prefix);
    pn_ctx_free(g_ctx);
    g_ctx = NULL;
    return 0;
}

int main(void)
{
    g_config = getenv("POSTERN_CONFIG");
    g_pfdir = getenv("LAB_POSTFIX_DIR");
    g_maillog = getenv("LAB_MAILLOG");
    if (!g_config || !*g_config) {
        puts("1..0 # SKIP lab not running");
        return 0;
    }
    if (!g_pfdir || !*g_pfdir || !g_maillog || !*g_maillog) {
        puts("1..0 # SKIP lab environment incomplete (LAB_POSTFIX_DIR, LAB_MAILLOG)");
        return 0;
    }
    g_pid = (int)getpid();
    if (!getenv("CMOCKA_MESSAGE_OUTPUT"))
        cmocka_set_message_output(CM_OUTPUT_TAP);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_id_parse),
        cmocka_unit_test(test_delete_exact),
        cmocka_unit_test(test_hold_release),
        cmocka_unit_test(test_requeue),
        cmocka_unit_test(test_resend),
        cmocka_unit_test(test_vanished),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_bulk_list),
        cmocka_unit_test(test_invalid_ids),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_postsuper_fatal),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_flush),
    };
    return cmocka_run_group_tests_name("queue_backend", tests, group_setup, group_teardown);
}
