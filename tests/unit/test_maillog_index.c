/* test_maillog_index.c - unit tests of the on-disk log index: every key of
 * every (sampled) line is found in the blocks a lookup returns (checked
 * against a plain read of the files), appending only indexes the new part,
 * a rotation rename is not re-indexed, a rotated file gzipped later keeps
 * answering (through access points), a truncated/replaced file is indexed
 * again, a file that left the set is dropped, cancel stops, and a damaged
 * or foreign index file is refused with a reason. Logs are written here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "maillog.h"
#include "maillog_index.h"
#include "util/mem.h"
#include "util/str.h"

static char *dir;

static int setup_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char *tmpl = pn_sprintf("%s/pn-logindex-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    dir = mkdtemp(tmpl);
    return dir ? 0 : -1;
}

static char *path_of(const char *name)
{
    return pn_sprintf("%s/%s", dir, name);
}

static void rm(const char *name)
{
    char *p = path_of(name);
    unlink(p);
    free(p);
}

static void clean(void)
{
    static const char *names[] = {"maillog", "maillog.1", "maillog.2.gz", "ix.db", "ix.db-wal",
                                  "ix.db-shm", "bad.db", "foreign.db", NULL};
    for (int i = 0; names[i]; i++)
        rm(names[i]);
}

static int teardown_dir(void **state)
{
    (void)state;
    clean();
    rmdir(dir);
    free(dir);
    return 0;
}

/* n messages of 7 lines each, numbered from first */
static void gen(pn_str *out, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        int s = i % 86400, pid = 1000 + i % 97;
        char ts[32];
        snprintf(ts, sizeof(ts), "Jan %2d %02d:%02d:%02d", 1 + i / 86400 % 28, s / 3600, s / 60 % 60,
                 s % 60);
        char qid[16], rq[16];
        snprintf(qid, sizeof(qid), "%010X", 0x100000u + (unsigned)i * 7919u);
        snprintf(rq, sizeof(rq), "%09X", 0x2000000u + (unsigned)i * 31u);
        pn_str_appendf(out, "%s mail postfix/smtpd[%d]: connect from c%d.example.net[10.0.%d.%d]\n",
                       ts, pid, i % 50, i % 200, i % 250);
        pn_str_appendf(out, "%s mail postfix/smtpd[%d]: %s: client=c%d.example.net[10.0.%d.%d], "
                            "sasl_method=PLAIN, sasl_username=user%d\n",
                       ts, pid, qid, i % 50, i % 200, i % 250, i % 40);
        pn_str_appendf(out, "%s mail postfix/cleanup[%d]: %s: message-id=<m%d.x@example.org>\n", ts,
                       pid + 1, qid, i);
        pn_str_appendf(out, "%s mail postfix/qmgr[99]: %s: from=<Sender%d@Example.org>, size=%d, "
                            "nrcpt=1 (queue active)\n", ts, qid, i % 300, 1000 + i);
        pn_str_appendf(out, "%s mail postfix/smtp[%d]: %s: to=<rcpt%d@dest.example>, "
                            "relay=mx.dest.example[192.0.2.1]:25, delay=1, delays=0.1/0/0.5/0.4, "
                            "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)\n",
                       ts, pid + 2, qid, i, rq);
        pn_str_appendf(out, "%s mail postfix/qmgr[99]: %s: removed\n", ts, qid);
        pn_str_appendf(out, "%s mail postfix/smtpd[%d]: disconnect from c%d.example.net[10.0.%d.%d] "
                            "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n",
                       ts, pid, i % 50, i % 200, i % 250);
    }
}

static void write_plain(const char *name, int first, int n, const char *mode)
{
    pn_str s = PN_STR_INIT;
    gen(&s, first, n);
    char *p = path_of(name);
    FILE *f = fopen(p, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(s.s, 1, s.len, f), s.len);
    fclose(f);
    free(p);
    pn_str_free(&s);
}

/* gzip a file (several members, as some tools write), then remove it */
static void gzip_file(const char *from, const char *to)
{
    char *pf = path_of(from), *pt = path_of(to);
    FILE *in = fopen(pf, "rb");
    assert_non_null(in);
    gzFile g = gzopen(pt, "wb6");
    assert_non_null(g);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(gzwrite(g, buf, (unsigned)n), (int)n);
    gzclose(g);
    fclose(in);
    unlink(pf);
    free(pf);
    free(pt);
}

static void open_set(pn_logset *set, const char *a, const char *b)
{
    char *pa = path_of(a), *pb = b ? path_of(b) : NULL;
    const char *paths[] = {pa, pb};
    pn_err err = PN_ERR_INIT;
    assert_true(pn_logset_open(NULL, paths, b ? 2 : 1, true, set, &err));
    free(pa);
    free(pb);
}

static pn_logindex *open_ix(void)
{
    char *p = path_of("ix.db");
    pn_err err = PN_ERR_INIT;
    pn_logindex *ix = pn_logindex_open(NULL, p, &err);
    if (!ix)
        fail_msg("%s", pn_err_msg(&err));
    free(p);
    return ix;
}

static void update(pn_logindex *ix, const pn_logset *set, pn_ixstats *st)
{
    pn_err err = PN_ERR_INIT;
    pn_ixupdate_opts o = {0};
    if (!pn_logindex_update(ix, set, &o, st, &err))
        fail_msg("%s", pn_err_msg(&err));
}

/* Is (file, lineno, offset, text) among the lines of the blocks of key? */
static bool found(pn_logindex *ix, const pn_logset *set, int kind, const char *key, size_t klen,
                  int file, pn_logpos at, const char *text, size_t tlen, bool *used_tail)
{
    pn_logblock *bl = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    if (!pn_logindex_lookup(ix, set, kind, key, klen, &bl, &n, &err))
        fail_msg("%s", pn_err_msg(&err));
    bool hit = false;
    for (size_t i = 0; i < n && !hit; i++) {
        if (bl[i].file != file)
            continue;
        pn_ixblock *r = pn_ixblock_open(ix, set, &bl[i], &err);
        if (!r)
            fail_msg("%s", pn_err_msg(&err));
        const char *line;
        size_t len;
        pn_logpos pos;
        while (pn_ixblock_next(r, &line, &len, &pos)) {
            if (pos.offset == at.offset) {
                assert_int_equal(pos.lineno, at.lineno);
                assert_int_equal(len, tlen);
                assert_memory_equal(line, text, len);
                hit = true;
                if (used_tail && bl[i].tail)
                    *used_tail = true;
                break;
            }
        }
        pn_ixblock_close(r);
    }
    free(bl);
    return hit;
}

/* Every key of every `every`-th line is found; returns the lines checked. */
static int check_exact(pn_logindex *ix, const pn_logset *set, int every, bool *used_tail)
{
    int checked = 0;
    for (size_t fi = 0; fi < set->n; fi++) {
        pn_err err = PN_ERR_INIT;
        pn_logreader *r = pn_logreader_open(&set->files[fi], &err);
        assert_non_null(r);
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, set->files[fi].mtime);
        const char *line;
        size_t len;
        pn_logpos pos;
        int k = 0;
        while (pn_logreader_next(r, &line, &len, &pos)) {
            if (k++ % every)
                continue;
            char *copy = pn_strndup(line, len);
            pn_logline l;
            pn_logline_parse(&pc, copy, len, &l);
            struct { int kind; pn_span s; } keys[] = {
                {PN_IX_QID, l.qid}, {PN_IX_QID, l.queued_as}, {PN_IX_MSGID, l.message_id},
                {PN_IX_ADDR, l.from}, {PN_IX_ADDR, l.to}, {PN_IX_IP, l.client_ip},
                {PN_IX_SASL, l.sasl_username},
            };
            for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                if (!keys[i].s.n)
                    continue;
                if (!found(ix, set, keys[i].kind, keys[i].s.p, keys[i].s.n, (int)fi, pos, copy, len,
                           used_tail))
                    fail_msg("key %.*s of %s:%lld not found", (int)keys[i].s.n, keys[i].s.p,
                             set->files[fi].path, (long long)pos.lineno);
            }
            if (l.daemon.n == 5 && !memcmp(l.daemon.p, "smtpd", 5)) {
                char *proc = pn_sprintf("%.*s[%d]", (int)l.program.n, l.program.p, l.pid);
                assert_true(found(ix, set, PN_IX_PROC, proc, strlen(proc), (int)fi, pos, copy, len,
                                  used_tail));
                free(proc);
            }
            free(copy);
            checked++;
        }
        pn_logreader_close(r);
    }
    return checked;
}

static size_t n_blocks(pn_logindex *ix, const pn_logset *set, int kind, const char *key)
{
    pn_logblock *bl = NULL;
    size_t n = 0;
    assert_true(pn_logindex_lookup(ix, set, kind, key, strlen(key), &bl, &n, NULL));
    free(bl);
    return n;
}

static void test_build_exact(void **state)
{
    (void)state;
    clean();
    write_plain("maillog.1", 0, 12000, "wb");     /* ~10 MB: several access points once gzipped */
    gzip_file("maillog.1", "maillog.2.gz");
    write_plain("maillog", 12000, 3000, "wb");
    pn_logset set;
    open_set(&set, "maillog.2.gz", "maillog");
    pn_logindex *ix = open_ix();
    assert_false(pn_logindex_fresh(ix, &set));
    pn_ixstats st;
    update(ix, &set, &st);
    assert_int_equal(st.files_added, 2);
    assert_true(st.blocks > 50);
    assert_true(st.index_bytes > 0);
    assert_true(pn_logindex_fresh(ix, &set));
    bool tail = false;
    assert_true(check_exact(ix, &set, 397, &tail) > 200);
    assert_false(tail);
    /* a key that is nowhere: no block; a QID in one message: one block */
    assert_int_equal(n_blocks(ix, &set, PN_IX_QID, "ABCDEF0123"), 0);
    char qid[16];
    snprintf(qid, sizeof(qid), "%010X", 0x100000u + 5000u * 7919u);
    assert_int_equal(n_blocks(ix, &set, PN_IX_QID, qid), 1);
    /* Message-ID with or without <>, addresses in any case */
    assert_int_equal(n_blocks(ix, &set, PN_IX_MSGID, "m5000.x@example.org"), 1);
    assert_int_equal(n_blocks(ix, &set, PN_IX_ADDR, "RCPT5000@DEST.example"), 1);
    pn_logindex_close(ix);
    pn_logset_free(&set);
}

static void test_append_extends(void **state)
{
    (void)state;
    clean();
    write_plain("maillog", 0, 2000, "wb");
    pn_logset set;
    open_set(&set, "maillog", NULL);
    pn_logindex *ix = open_ix();
    pn_ixstats st;
    update(ix, &set, &st);
    pn_logset_free(&set);
    int64_t before = st.bytes_total;
    write_plain("maillog", 2000, 300, "ab");
    open_set(&set, "maillog", NULL);
    assert_false(pn_logindex_fresh(ix, &set));
    /* not updated yet: the new lines come as a tail block, still exact */
    bool tail = false;
    check_exact(ix, &set, 153, &tail);
    assert_true(tail);
    update(ix, &set, &st);
    assert_int_equal(st.files_extended, 1);
    assert_int_equal(st.files_added, 0);
    /* only the new part (and the short last block again) was read */
    assert_true(st.bytes_read < st.bytes_total - before + PN_IX_BLOCK);
    assert_true(pn_logindex_fresh(ix, &set));
    tail = false;
    check_exact(ix, &set, 153, &tail);
    assert_false(tail);
    /* a partial last line is not indexed yet; the lookup scans it as a tail */
    char *p = path_of("maillog");
    FILE *f = fopen(p, "ab");
    fputs("Jan  9 10:00:00 mail postfix/qmgr[99]: ABCDEF999: removed", f);
    fclose(f);
    free(p);
    pn_logset_free(&set);
    open_set(&set, "maillog", NULL);
    update(ix, &set, &st);
    assert_true(pn_logindex_fresh(ix, &set));
    pn_logblock *bl = NULL;
    size_t n = 0;
    assert_true(pn_logindex_lookup(ix, &set, PN_IX_QID, "ABCDEF999", 9, &bl, &n, NULL));
    assert_int_equal(n, 1);
    assert_true(bl[0].tail);
    free(bl);
    pn_logindex_close(ix);
    pn_logset_free(&set);
}

static void test_rotation_rename_and_gzip(void **state)
{
    (void)state;
    clean();
    write_plain("maillog", 0, 3000, "wb");
    pn_logset set;
    open_set(&set, "maillog", NULL);
    pn_logindex *ix = open_ix();
    pn_ixstats st;
    update(ix, &set, &st);
    pn_logset_free(&set);
    /* rotation: maillog -> maillog.1, a new maillog */
    char *a = path_of("maillog"), *b = path_of("maillog.1");
    assert_int_equal(rename(a, b), 0);
    write_plain("maillog", 3000, 500, "wb");
    open_set(&set, "maillog.1", "maillog");
    update(ix, &set, &st);
    assert_int_equal(st.files_renamed, 1);
    assert_int_equal(st.files_added, 1);
    assert_int_equal(st.files_extended, 0);
    struct stat sb;
    stat(a, &sb);
    assert_int_equal(st.bytes_read, (int64_t)sb.st_size);   /* only the new file was read */
    assert_true(pn_logindex_fresh(ix, &set));
    check_exact(ix, &set, 141, NULL);
    pn_logset_free(&set);
    /* next rotation, Debian style: maillog.1 gzipped to maillog.2.gz */
    gzip_file("maillog.1", "maillog.2.gz");
    assert_int_equal(rename(a, b), 0);
    write_plain("maillog", 3500, 200, "wb");
    pn_logset s2;
    char *g = path_of("maillog.2.gz");
    const char *paths[] = {g, b, a};
    assert_true(pn_logset_open(NULL, paths, 3, true, &s2, NULL));
    update(ix, &s2, &st);
    assert_int_equal(st.files_compressed, 1);
    assert_int_equal(st.files_renamed, 1);
    assert_int_equal(st.files_added, 1);
    assert_true(pn_logindex_fresh(ix, &s2));
    bool tail = false;
    check_exact(ix, &s2, 141, &tail);
    assert_false(tail);
    /* the oldest file leaves the set: dropped */
    pn_logset s3;
    const char *p3[] = {b, a};
    assert_true(pn_logset_open(NULL, p3, 2, true, &s3, NULL));
    update(ix, &s3, &st);
    assert_int_equal(st.files_dropped, 1);
    assert_int_equal(st.files_unchanged, 2);
    assert_true(pn_logindex_fresh(ix, &s3));
    pn_logset_free(&s3);
    pn_logset_free(&s2);
    free(a);
    free(b);
    free(g);
    pn_logindex_close(ix);
}

static void test_truncated_reindexed(void **state)
{
    (void)state;
    clean();
    write_plain("maillog", 0, 2000, "wb");
    pn_logset set;
    open_set(&set, "maillog", NULL);
    pn_logindex *ix = open_ix();
    pn_ixstats st;
    update(ix, &set, &st);
    pn_logset_free(&set);
    /* copytruncate: the same inode, shorter, other text */
    write_plain("maillog", 50000, 100, "wb");
    open_set(&set, "maillog", NULL);
    assert_false(pn_logindex_fresh(ix, &set));
    update(ix, &set, &st);
    assert_int_equal(st.files_added, 1);
    assert_int_equal(st.files_dropped, 1);
    assert_true(pn_logindex_fresh(ix, &set));
    check_exact(ix, &set, 7, NULL);
    char qid[16];
    snprintf(qid, sizeof(qid), "%010X", 0x100000u + 10u * 7919u);   /* from the old text */
    assert_int_equal(n_blocks(ix, &set, PN_IX_QID, qid), 0);
    pn_logindex_close(ix);
    pn_logset_free(&set);
}

static void test_rebuild_and_cancel(void **state)
{
    (void)state;
    clean();
    write_plain("maillog", 0, 3000, "wb");
    pn_logset set;
    open_set(&set, "maillog", NULL);
    pn_logindex *ix = open_ix();
    volatile int cancel = 1;
    pn_ixupdate_opts o = {0};
    o.cancel = &cancel;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_logindex_update(ix, &set, &o, NULL, &err));
    assert_non_null(strstr(pn_err_msg(&err), "cancelled"));
    pn_err_clear(&err);
    assert_false(pn_logindex_fresh(ix, &set));
    o.cancel = NULL;
    pn_ixstats st;
    assert_true(pn_logindex_update(ix, &set, &o, &st, &err));
    assert_true(pn_logindex_fresh(ix, &set));
    o.rebuild = true;
    assert_true(pn_logindex_update(ix, &set, &o, &st, &err));
    assert_int_equal(st.files_added, 1);
    check_exact(ix, &set, 131, NULL);
    pn_logindex_close(ix);
    pn_logset_free(&set);
}

static void test_bad_index_files(void **state)
{
    (void)state;
    clean();
    char *bad = path_of("bad.db"), *foreign = path_of("foreign.db");
    FILE *f = fopen(bad, "wb");
    for (int i = 0; i < 300; i++)
        fputs("this is not a database at all\n", f);
    fclose(f);
    pn_err err = PN_ERR_INIT;
    assert_null(pn_logindex_open(NULL, bad, &err));
    assert_non_null(strstr(pn_err_msg(&err), "not an SQLite file"));
    pn_err_clear(&err);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(foreign, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(pn_logindex_open(NULL, foreign, &err));
    assert_non_null(strstr(pn_err_msg(&err), "not a postern log index"));
    pn_err_clear(&err);
    free(bad);
    free(foreign);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_exact),
        cmocka_unit_test(test_append_extends),
        cmocka_unit_test(test_rotation_rename_and_gzip),
        cmocka_unit_test(test_truncated_reindexed),
        cmocka_unit_test(test_rebuild_and_cancel),
        cmocka_unit_test(test_bad_index_files),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
