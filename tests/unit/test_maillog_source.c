/* test_maillog_source.c - unit tests of the mail log sources: the rotated
 * series (order, identity), plain and gzip reading (written here with
 * zlib), a truncated gzip, journald JSON conversion, long line cuts, seek,
 * and following a file while it grows, is rotated and is truncated. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <zlib.h>

#include "config.h"
#include "ctx.h"
#include "maillog.h"
#include "util/mem.h"
#include "util/str.h"

static char *dir;

static int setup_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char *tmpl = pn_sprintf("%s/pn-maillog-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    dir = mkdtemp(tmpl);
    return dir ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    /* remove what the tests wrote (flat directory) */
    pn_str p = PN_STR_INIT;
    static const char *names[] = {"maillog", "maillog.1", "maillog.2.gz", "maillog.3.gz",
                                  "maillog-20240101", "maillog-20231201.gz", "trunc.gz",
                                  "journal.json", "long.log", "follow.log", "follow.log.1",
                                  "plain.gz", "other.log", "maillog.20240105-101010.gz", NULL};
    for (int i = 0; names[i]; i++) {
        pn_str_truncate(&p, 0);
        pn_str_appendf(&p, "%s/%s", dir, names[i]);
        unlink(p.s);
    }
    pn_str_free(&p);
    rmdir(dir);
    free(dir);
    return 0;
}

static char *path_of(const char *name)
{
    return pn_sprintf("%s/%s", dir, name);
}

static void write_file(const char *name, const char *data, size_t n, int64_t mtime)
{
    char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    if (mtime) {
        struct utimbuf t = {(time_t)mtime, (time_t)mtime};
        utime(p, &t);
    }
    free(p);
}

static void write_gz(const char *name, const char *data, size_t n, int64_t mtime)
{
    char *p = path_of(name);
    gzFile g = gzopen(p, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    gzclose(g);
    if (mtime) {
        struct utimbuf t = {(time_t)mtime, (time_t)mtime};
        utime(p, &t);
    }
    free(p);
}

static void append_file(const char *name, const char *data)
{
    char *p = path_of(name);
    FILE *f = fopen(p, "ab");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
    free(p);
}

/* all lines of a file joined with '|' */
static char *read_all(const pn_logfile *f, char **notes)
{
    pn_err err = PN_ERR_INIT;
    pn_logreader *r = pn_logreader_open(f, &err);
    assert_non_null(r);
    pn_str out = PN_STR_INIT;
    const char *line;
    size_t len;
    pn_logpos pos;
    int64_t expect_line = 1;
    while (pn_logreader_next(r, &line, &len, &pos)) {
        assert_int_equal(pos.lineno, expect_line);
        expect_line++;
        if (out.len)
            pn_str_appendc(&out, '|');
        pn_str_appendn(&out, line, len);
    }
    if (notes)
        *notes = pn_strdup(pn_logreader_notes(r));
    pn_logreader_close(r);
    return pn_str_steal(&out);
}

static void test_series_order_and_identity(void **state)
{
    (void)state;
    write_file("maillog", "live 1\nlive 2\n", 14, 1704500000);
    write_file("maillog.1", "one\n", 4, 1704400000);
    write_gz("maillog.2.gz", "two\n", 4, 1704300000);
    write_gz("maillog.3.gz", "three\n", 6, 1704200000);
    write_file("maillog-20240101", "dated\n", 6, 1704100000);
    write_gz("maillog-20231201.gz", "older\n", 6, 1701400000);
    write_file("other.log", "x\n", 2, 0);
    pn_ctx *ctx = pn_ctx_new_local(pn_config_defaults(), true);
    char *live = path_of("maillog");
    const char *paths[] = {live};
    pn_logset set;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_logset_open(ctx, paths, 1, false, &set, &err));
    const char *want[] = {"maillog-20231201.gz", "maillog-20240101", "maillog.3.gz", "maillog.2.gz",
                          "maillog.1", "maillog"};
    assert_int_equal(set.n, 6);
    for (size_t i = 0; i < set.n; i++) {
        const char *base = strrchr(set.files[i].path, '/') + 1;
        assert_string_equal(base, want[i]);
        struct stat st;
        assert_int_equal(stat(set.files[i].path, &st), 0);
        assert_int_equal(set.files[i].ino, (uint64_t)st.st_ino);
        assert_int_equal(set.files[i].dev, (uint64_t)st.st_dev);
        assert_int_equal(set.files[i].size, (int64_t)st.st_size);
        assert_int_equal(set.files[i].mtime, (int64_t)st.st_mtime);
        size_t bl = strlen(base);
        assert_int_equal(set.files[i].gz, !strcmp(base + bl - 3, ".gz"));
    }
    char *all = read_all(&set.files[2], NULL);
    assert_string_equal(all, "three");
    free(all);
    all = read_all(&set.files[5], NULL);
    assert_string_equal(all, "live 1|live 2");
    free(all);
    pn_logset_free(&set);

    /* explicit: exactly the paths given, gzip known by content not name */
    write_gz("plain.gz", "Jun  3 10:40:57 mail postfix/qmgr[1]: 0F5383D: removed\n", 56, 0);
    char *renamed = path_of("plain.gz");
    const char *ex[] = {renamed, live};
    assert_true(pn_logset_open(NULL, ex, 2, true, &set, &err));
    assert_int_equal(set.n, 2);
    assert_true(set.files[0].gz);
    assert_int_equal(set.files[0].fmt, PN_LF_SYSLOG);
    assert_false(set.files[1].gz);
    pn_logset_free(&set);

    /* a missing explicit file names itself */
    char *missing = path_of("nope.log");
    const char *mp[] = {missing};
    assert_false(pn_logset_open(NULL, mp, 1, true, &set, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_non_null(strstr(pn_err_msg(&err), "nope.log"));
    pn_err_clear(&err);
    free(missing);
    free(renamed);
    free(live);
    pn_ctx_free(ctx);
}

static void test_gzip_and_truncated_gzip(void **state)
{
    (void)state;
    pn_str big = PN_STR_INIT;
    for (int i = 0; i < 200000; i++)
        pn_str_appendf(&big, "Jun  3 10:40:57 mail postfix/qmgr[1]: %07X: removed\n", i + 0x100000);
    write_gz("maillog.2.gz", big.s, big.len, 0);
    char *p = path_of("maillog.2.gz");
    const char *paths[] = {p};
    pn_logset set;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_logset_open(NULL, paths, 1, true, &set, &err));
    pn_logreader *r = pn_logreader_open(&set.files[0], &err);
    assert_non_null(r);
    const char *line;
    size_t len;
    pn_logpos pos, at = {0, 0};
    long n = 0;
    while (pn_logreader_next(r, &line, &len, &pos)) {
        n++;
        if (n == 150000)
            at = pos;
    }
    assert_int_equal(n, 200000);
    assert_string_equal(pn_logreader_notes(r), "");
    /* seek back into the gzip stream */
    assert_true(pn_logreader_seek(r, at, &err));
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_int_equal(pos.lineno, 150000);
    assert_int_equal(pos.offset, at.offset);
    char want[80];
    snprintf(want, sizeof(want), "Jun  3 10:40:57 mail postfix/qmgr[1]: %07X: removed", 150000 - 1 + 0x100000);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(line, want, len);
    pn_logreader_close(r);

    /* the same data cut in the middle of the compressed stream */
    char *gzdata = NULL;
    {
        FILE *f = fopen(p, "rb");
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        gzdata = malloc((size_t)sz);
        assert_int_equal(fread(gzdata, 1, (size_t)sz, f), (size_t)sz);
        fclose(f);
        write_file("trunc.gz", gzdata, (size_t)sz / 2, 0);
    }
    free(gzdata);
    char *tp = path_of("trunc.gz");
    pn_logfile tf = {tp, true, PN_LF_SYSLOG, 0, 0, 0, 0};
    char *notes = NULL;
    char *all = read_all(&tf, &notes);
    assert_true(strlen(all) > 1000);
    assert_non_null(strstr(notes, "gzip data ends early"));
    assert_non_null(strstr(notes, "truncated"));
    free(notes);
    free(all);
    free(tp);
    pn_logset_free(&set);
    pn_str_free(&big);
    free(p);
}

static void test_journald_json(void **state)
{
    (void)state;
    const char *j =
        "{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1789228152650438\",\"PRIORITY\":\"6\","
        "\"_HOSTNAME\":\"andres\",\"SYSLOG_IDENTIFIER\":\"postfix/smtpd\",\"SYSLOG_PID\":\"314894\","
        "\"_PID\":\"314894\",\"MESSAGE\":\"NOQUEUE: reject: RCPT from unknown[91.92.41.82]: 554 "
        "5.7.1 <verify@test.com>: Relay access denied; from=<a@b> to=<verify@test.com> "
        "proto=ESMTP helo=<x>\"}\n"
        "{\"__REALTIME_TIMESTAMP\":\"1789228152000000\",\"_HOSTNAME\":\"andres\","
        "\"SYSLOG_IDENTIFIER\":\"postfix/qmgr\",\"_PID\":\"12\",\"MESSAGE\":[48,70,53,51,56,51,68,"
        "58,32,114,101,109,111,118,101,100,255]}\n"
        "{\"__REALTIME_TIMESTAMP\":\"1789228152000001\",\"_HOSTNAME\":\"h\",\"_COMM\":\"x\","
        "\"MESSAGE\":\"two\\nlines \\u00e9\\ud83d\\ude00 \\\"q\\\"\",\"EXTRA\":{\"a\":[1,2]}}\n"
        "{\"__REALTIME_TIMESTAMP\":\"1\"}\n";
    write_file("journal.json", j, strlen(j), 0);
    char *p = path_of("journal.json");
    const char *paths[] = {p};
    pn_logset set;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_logset_open(NULL, paths, 1, true, &set, &err));
    assert_int_equal(set.files[0].fmt, PN_LF_JOURNAL_JSON);
    pn_logreader *r = pn_logreader_open(&set.files[0], &err);
    const char *line;
    size_t len;
    pn_logpos pos;
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_true(strncmp(line, "2026-09-12T", 11) == 0);
    assert_non_null(strstr(line, ".650438+00:00 andres postfix/smtpd[314894]: NOQUEUE: reject: "));
    pn_logline l;
    assert_true(pn_logline_parse(NULL, line, len, &l));
    assert_int_equal(l.ts_us, 1789228152650438LL);
    assert_int_equal(l.kind, PN_LK_REJECT);
    assert_int_equal(l.pid, 314894);
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_int_equal(pos.lineno, 2);
    assert_non_null(strstr(line, " andres postfix/qmgr[12]: 0F5383D: removed\xff"));
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_non_null(strstr(line, " h x: two lines \xc3\xa9\xf0\x9f\x98\x80 \"q\""));
    assert_true(pn_logreader_next(r, &line, &len, &pos));      /* no MESSAGE: kept as is */
    assert_string_equal(line, "{\"__REALTIME_TIMESTAMP\":\"1\"}");
    assert_false(pn_logreader_next(r, &line, &len, &pos));
    assert_non_null(strstr(pn_logreader_notes(r), "1 journald record without MESSAGE"));
    pn_logreader_close(r);
    pn_logset_free(&set);
    free(p);
}

static void test_long_line_cut(void **state)
{
    (void)state;
    size_t big = PN_LOGLINE_MAX * 2 + 100;
    char *data = malloc(big + 64);
    memset(data, 'x', big);
    memcpy(data + big, "\nshort\nexact\n", 13);
    write_file("long.log", data, big + 13, 0);
    /* a line of exactly PN_LOGLINE_MAX bytes is not cut */
    memset(data, 'y', PN_LOGLINE_MAX);
    data[PN_LOGLINE_MAX] = '\n';
    char *lp = path_of("long.log");
    FILE *f = fopen(lp, "ab");
    fwrite(data, 1, PN_LOGLINE_MAX + 1, f);
    fputs("tail without newline", f);
    fclose(f);
    pn_logfile lf = {lp, false, PN_LF_SYSLOG, 0, 0, 0, 0};
    pn_err err = PN_ERR_INIT;
    pn_logreader *r = pn_logreader_open(&lf, &err);
    const char *line;
    size_t len;
    pn_logpos pos;
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_int_equal(len, PN_LOGLINE_MAX);
    assert_int_equal(line[0], 'x');
    assert_int_equal(pos.offset, 0);
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_string_equal(line, "short");
    assert_int_equal(pos.offset, (int64_t)big + 1);
    assert_int_equal(pos.lineno, 2);
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_string_equal(line, "exact");
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_int_equal(len, PN_LOGLINE_MAX);
    assert_int_equal(line[len - 1], 'y');
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_string_equal(line, "tail without newline");
    assert_false(pn_logreader_next(r, &line, &len, &pos));
    assert_string_equal(pn_logreader_notes(r), "1 line cut at 1 MiB");
    /* seek to a known line in a plain file */
    pn_logpos at = {(int64_t)big + 1, 2};
    assert_true(pn_logreader_seek(r, at, &err));
    assert_true(pn_logreader_next(r, &line, &len, &pos));
    assert_string_equal(line, "short");
    assert_int_equal(pos.lineno, 2);
    pn_logreader_close(r);
    free(lp);
    free(data);
}

static int next_line(pn_logfollow *f, int timeout, char **out)
{
    const char *line;
    size_t len;
    pn_err err = PN_ERR_INIT;
    int rc = pn_logfollow_next(f, timeout, &line, &len, &err);
    assert_int_not_equal(rc, -1);
    *out = rc == 1 ? pn_strndup(line, len) : NULL;
    return rc;
}

static void expect_line(pn_logfollow *f, const char *want)
{
    char *got;
    assert_int_equal(next_line(f, 2000, &got), 1);
    assert_string_equal(got, want);
    free(got);
}

static void test_follow_append_rotate_truncate(void **state)
{
    (void)state;
    write_file("follow.log", "old 1\nold 2\n", 12, 0);
    char *p = path_of("follow.log");
    pn_err err = PN_ERR_INIT;
    pn_logfollow *f = pn_logfollow_open(p, true, &err);
    assert_non_null(f);
    char *got;
    assert_int_equal(next_line(f, 0, &got), 0);             /* from the end: nothing yet */
    append_file("follow.log", "new 1\nnew 2\npart");
    expect_line(f, "new 1");
    expect_line(f, "new 2");
    assert_int_equal(next_line(f, 50, &got), 0);            /* a partial line waits */
    append_file("follow.log", "ial\n");
    expect_line(f, "partial");

    /* rotation: rename, more lines land in the old file, then a new file */
    char *p1 = path_of("follow.log.1");
    assert_int_equal(rename(p, p1), 0);
    append_file("follow.log.1", "late in old\nlast no newline");
    write_file("follow.log", "fresh 1\n", 8, 0);
    expect_line(f, "late in old");
    expect_line(f, "last no newline");
    expect_line(f, "fresh 1");
    assert_non_null(strstr(pn_logfollow_notes(f), "rotated 1 time"));

    /* truncation: the file shrinks below what was read */
    write_file("follow.log", "t\n", 2, 0);
    expect_line(f, "t");
    assert_non_null(strstr(pn_logfollow_notes(f), "truncated 1 time"));
    append_file("follow.log", "after\n");
    expect_line(f, "after");
    pn_logfollow_close(f);

    /* from the start */
    f = pn_logfollow_open(p1, false, &err);
    expect_line(f, "old 1");
    pn_logfollow_close(f);
    char *missing = path_of("none.log");
    assert_null(pn_logfollow_open(missing, true, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    pn_err_clear(&err);
    free(missing);
    free(p1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_order_and_identity),
        cmocka_unit_test(test_gzip_and_truncated_gzip),
        cmocka_unit_test(test_journald_json),
        cmocka_unit_test(test_long_line_cut),
        cmocka_unit_test(test_follow_append_rotate_truncate),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
