/* test_queue_filter.c - unit tests of the queue filter language
 * (backend/queue_filter.c) and of queue shapes (backend/queue_shape.c):
 * every term kind, negation, quoting, globs and case, comparisons at their
 * boundaries, every parse error with its exact message and column, shape
 * rows and totals per grouping, group membership, and a 100,000-entry
 * timing run (reported as a TAP comment, not asserted). Entries are built
 * by hand, so nothing here needs Postfix. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "util/err.h"
#include "util/mem.h"


#define NOW ((int64_t)1700000000)
#define MIN 60
#define HOUR 3600
#define DAY 86400

/* ---- building entries ---------------------------------------------------- */

typedef struct rc {
    const char *addr;
    const char *reason;
    pn_qclass cls;
} rc;

static void mk(pn_qentry *e, pn_qname q, const char *qid, int64_t age, int64_t size,
               const char *sender, pn_qclass cls, size_t n, const rc *r)
{
    memset(e, 0, sizeof *e);
    e->queue = q;
    e->qid = pn_strdup(qid);
    e->arrival = NOW - age;
    e->size = size;
    e->sender = pn_strdup(sender);
    e->cls = cls;
    e->n_rcpts = n;
    e->rcpts = pn_calloc(n ? n : 1, sizeof *e->rcpts);
    for (size_t i = 0; i < n; i++) {
        e->rcpts[i].address = pn_strdup(r[i].addr);
        e->rcpts[i].reason = r[i].reason ? pn_strdup(r[i].reason) : NULL;
        e->rcpts[i].cls = r[i].cls;
    }
}

static void unmk(pn_qentry *e)
{
    for (size_t i = 0; i < e->n_rcpts; i++) {
        free(e->rcpts[i].address);
        free(e->rcpts[i].reason);
    }
    free(e->rcpts);
    free(e->qid);
    free(e->sender);
    memset(e, 0, sizeof *e);
}

#define RC(...) (sizeof((rc[]){__VA_ARGS__}) / sizeof(rc)), ((rc[]){__VA_ARGS__})

/* The small fixed queue used by most tests. */
enum { E1, E2, E3, E4, E5, NE };

static void fixture(pn_qentry *es)
{
    mk(&es[E1], PN_QN_DEFERRED, "4F2A1B3C9D", 1 * MIN, 1000, "Alice@Example.com", PN_QC_DNS,
       RC({"x@foo.com", "Host or domain name not found. Name service error", PN_QC_DNS},
          {"y@bar.com", "connect to mx.bar.com[192.0.2.7]:25: Connection refused", PN_QC_REFUSED},
          {"Z@FOO.com", "Host or domain name not found", PN_QC_DNS}));
    mk(&es[E2], PN_QN_DEFERRED, "5A6B7C8D9E", 7 * MIN, 2000, "", PN_QC_TIMEOUT,
       RC({"q@foo.com", "conversation with mx.foo.com timed out while receiving the initial server greeting", PN_QC_TIMEOUT}));
    mk(&es[E3], PN_QN_ACTIVE, "6B7C8D9E0F", 30 * HOUR, 500, "bob@example.com", PN_QC_NONE,
       RC({"w@baz.org", NULL, PN_QC_NONE}));
    mk(&es[E4], PN_QN_HOLD, "7C8D9E0F1A", 5 * MIN, 100, "noat", PN_QC_HOLD,
       RC({"local", NULL, PN_QC_NONE}));
    mk(&es[E5], PN_QN_DEFERRED, "8D9E0F1A2B", 1280 * MIN, 300, "carol@other.net", PN_QC_REFUSED,
       RC({"r@bar.com", "connect to mx.bar.com[192.0.2.7]:25: Connection refused", PN_QC_REFUSED},
          {"user@[192.0.2.1]", NULL, PN_QC_NONE}));
}

static void unfixture(pn_qentry *es)
{
    for (int i = 0; i < NE; i++)
        unmk(&es[i]);
}

/* Which fixture entries match `text`, as a string like "13" (E1, E3), or
 * "error: <msg>". */
static char *which(const pn_qentry *es, const char *text)
{
    pn_err err = PN_ERR_INIT;
    pn_qfilter *f = pn_qfilter_parse(text, &err);
    if (!f) {
        char *m = pn_sprintf("error: %s", pn_err_msg(&err));
        pn_err_clear(&err);
        return m;
    }
    char buf[NE + 1];
    size_t n = 0;
    for (int i = 0; i < NE; i++) {
        if (pn_qfilter_match(f, &es[i], NOW))
            buf[n++] = (char)('1' + i);
    }
    buf[n] = '\0';
    pn_qfilter_free(f);
    return pn_strdup(buf);
}

typedef struct mcase {
    const char *filter;
    const char *expect;   /* matching fixture entries, e.g. "125" */
} mcase;

static void run_cases(const mcase *cs, size_t n)
{
    pn_qentry es[NE];
    fixture(es);
    for (size_t i = 0; i < n; i++) {
        char *got = which(es, cs[i].filter);
        if (strcmp(got, cs[i].expect) != 0)
            print_error("filter '%s': expected '%s', got '%s'\n", cs[i].filter, cs[i].expect, got);
        assert_string_equal(got, cs[i].expect);
        free(got);
    }
    unfixture(es);
}

#define RUN(cs) run_cases(cs, sizeof cs / sizeof cs[0])

/* ---- matching ------------------------------------------------------------- */

static void test_empty_matches_all(void **state)
{
    (void)state;
    static const mcase cs[] = {{"", "12345"}, {"   ", "12345"}};
    RUN(cs);
    pn_qfilter *f = pn_qfilter_parse(NULL, NULL);
    assert_non_null(f);
    assert_string_equal(pn_qfilter_text(f), "");
    pn_qfilter_free(f);
    assert_true(pn_qfilter_match(NULL, NULL, NOW));
}

static void test_queue_and_class(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"queue:deferred", "125"},
        {"queue:DEFERRED", "125"},
        {"queue:active", "3"},
        {"queue:hold", "4"},
        {"queue:maildrop", ""},
        {"!queue:deferred", "34"},
        {"QUEUE:hold", "4"},
        {"class:dns", "1"},
        /* e->cls or any recipient's class */
        {"class:refused", "15"},
        {"class:none", "345"},
        {"class:hold", "4"},
        {"class:timeout", "2"},
        {"!class:refused", "234"},
        {"class:tls", ""},
    };
    RUN(cs);
}

static void test_sender(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"sender:alice@example.com", "1"},          /* exact, case-insensitive */
        {"sender:ALICE@EXAMPLE.COM", "1"},
        {"from:alice@example.com", "1"},
        {"sender:@example.com", "13"},              /* shorthand for *@example.com */
        {"sender:*@EXAMPLE.com", "13"},
        {"sender:*example*", "13"},
        {"sender:a*", "1"},
        {"sender:?lice@*", "1"},
        {"sender:b?b@example.com", "3"},
        {"sender:example.com", ""},                 /* a glob, not a substring */
        {"sender:<>", "2"},
        {"!sender:<>", "1345"},
        {"sender:noat", "4"},
        {"sender:*", "12345"},                      /* * matches the null sender too */
        {"sender:?*", "1345"},
    };
    RUN(cs);
}

static void test_rcpt_and_domain(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"rcpt:z@foo.com", "1"},                    /* any recipient, case-insensitive */
        {"to:Z@FOO.COM", "1"},
        {"rcpt:@foo.com", "12"},
        {"rcpt:@bar.com", "15"},
        {"rcpt:*@*.com", "125"},
        {"rcpt:?@foo.com", "12"},
        {"rcpt:local", "4"},
        {"rcpt:user@[192.0.2.1]", "5"},             /* [ ] are literal */
        {"rcpt:u?er@[192.0.2.1]", "5"},             /* ... also on the fnmatch path */
        {"rcpt:*[192.0.2.?]", "5"},
        {"rcpt:user@[192.0.2.2]", ""},
        {"!rcpt:@foo.com", "345"},
        {"domain:foo.com", "12"},
        {"domain:FOO.COM", "12"},
        {"domain:@foo.com", "12"},
        {"domain:*.com", "125"},
        {"domain:b*", "135"},
        {"domain:ba?.*", "135"},
        {"domain:*.org", "3"},
        {"domain:other.net", ""},                   /* the sender's domain does not count */
    };
    RUN(cs);
}

static void test_reason(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"reason:refused", "15"},
        {"reason:REFUSED", "15"},
        {"reason:\"Connection refused\"", "15"},
        {"reason:\"connection  refused\"", ""},
        {"reason:\"/refused|timed out/\"", "125"},
        {"reason:/refused|timed.out/", "125"},
        {"reason:\"/^host or domain/\"", "1"},
        {"reason:\"/TIMED OUT/\"", "2"},
        {"reason:\"/timed out while/\"", "2"},
        {"reason:/timed out while/", "2"},          /* a regex runs to its closing slash */
        {"reason:/refused|timed out/ size>0", "125"},
        {"reason:/mx\\.bar\\.com\\[/", "15"},
        {"reason:\"/mx\\.bar/\"", "15"},             /* \. survives inside quotes */
        {"reason:/^$/", ""},                        /* recipients without a reason never match */
        {"!reason:/./", "34"},
        {"reason:192.0.2.7", "15"},
    };
    RUN(cs);
}

static void test_id(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"id:4F2A1B3C9D", "1"},
        {"id:4f2a1b3c9d", ""},                      /* case-sensitive */
        {"id:4F*", "1"},
        {"id:*9E*", "2345"},
        {"id:*9e*", ""},
        {"id:?A6B*", "2"},
        {"id:*", "12345"},
        {"!id:8D*", "1234"},
    };
    RUN(cs);
}

static void test_age(void **state)
{
    (void)state;
    /* ages: E1 1m, E2 7m, E3 30h, E4 5m, E5 1280m */
    static const mcase cs[] = {
        {"age>5m", "235"},                          /* E4 is exactly 5m old */
        {"age>=5m", "2345"},
        {"age<5m", "1"},
        {"age<=5m", "14"},
        {"age=5m", "4"},
        {"age=300s", "4"},
        {"age>299s", "2345"},
        {"age>300s", "235"},
        {"age>30h", ""},                            /* E3 is exactly 30h old */
        {"age>=30h", "3"},
        {"age>1d", "3"},
        {"age<1d", "1245"},
        {"age>=1w", ""},
        {"age<1w", "12345"},
        {"age>=1280m", "35"},
        {"age>1280m", "3"},
        {"age>0s", "12345"},
        {"!age>1h", "124"},
        {"age>\"2h\"", "35"},
    };
    RUN(cs);

    /* age>2h against an entry exactly 2h old, and a second either side */
    pn_qentry e;
    mk(&e, PN_QN_DEFERRED, "AB12", 2 * HOUR, 1, "a@b.c", PN_QC_NONE, RC({"d@e.f", NULL, PN_QC_NONE}));
    pn_qfilter *gt = pn_qfilter_parse("age>2h", NULL), *ge = pn_qfilter_parse("age>=2h", NULL);
    pn_qfilter *lt = pn_qfilter_parse("age<2h", NULL), *eq = pn_qfilter_parse("age=120m", NULL);
    assert_false(pn_qfilter_match(gt, &e, NOW));
    assert_true(pn_qfilter_match(gt, &e, NOW + 1));
    assert_true(pn_qfilter_match(ge, &e, NOW));
    assert_false(pn_qfilter_match(ge, &e, NOW - 1));
    assert_false(pn_qfilter_match(lt, &e, NOW));
    assert_true(pn_qfilter_match(lt, &e, NOW - 1));
    assert_true(pn_qfilter_match(eq, &e, NOW));
    assert_false(pn_qfilter_match(eq, &e, NOW + 1));
    pn_qfilter_free(gt);
    pn_qfilter_free(ge);
    pn_qfilter_free(lt);
    pn_qfilter_free(eq);
    unmk(&e);
}

static void test_size(void **state)
{
    (void)state;
    /* sizes: E1 1000, E2 2000, E3 500, E4 100, E5 300 */
    static const mcase cs[] = {
        {"size>1000", "2"},
        {"size>=1000", "12"},
        {"size<300", "4"},
        {"size<=300", "45"},
        {"size=500", "3"},
        {"size>1k", "2"},                           /* 1024 */
        {"size>1K", "2"},
        {"size<1k", "1345"},
        {"size>0", "12345"},
        {"size<1m", "12345"},
        {"size<1G", "12345"},
        {"size>=1g", ""},
    };
    RUN(cs);

    pn_qentry e;
    mk(&e, PN_QN_DEFERRED, "AB12", 0, 1048576, "a@b.c", PN_QC_NONE, RC({"d@e.f", NULL, PN_QC_NONE}));
    static const struct { const char *f; bool m; } b[] = {
        {"size>1M", false}, {"size>=1M", true}, {"size=1M", true}, {"size=1024k", true},
        {"size=1048576", true}, {"size<1M", false}, {"size>1048575", true},
        {"size<=1m", true}, {"size>1023K", true}, {"size<1g", true}, {"size=1G", false},
    };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        pn_qfilter *f = pn_qfilter_parse(b[i].f, NULL);
        assert_non_null(f);
        if (pn_qfilter_match(f, &e, NOW) != b[i].m)
            print_error("%s on 1 MiB: expected %d\n", b[i].f, b[i].m);
        assert_int_equal(pn_qfilter_match(f, &e, NOW), b[i].m);
        pn_qfilter_free(f);
    }
    unmk(&e);
    e.size = (int64_t)1 << 30;
    pn_qfilter *f = pn_qfilter_parse("size=1G", NULL);
    assert_true(pn_qfilter_match(f, &e, NOW));
    pn_qfilter_free(f);
}

static void test_bare_words(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"foo", "12"},                              /* recipients */
        {"FOO.COM", "12"},
        {"alice", "1"},                             /* sender */
        {"example", "13"},
        {"4f2a", "1"},                              /* ID, case-insensitive */
        {"9E0F", "345"},
        {"192.0.2.1", "5"},
        {"refused", ""},                            /* not the reason */
        {"!foo", "345"},
        {"\"@foo\"", "12"},
        {"\"id:x\"", ""},                           /* a quoted key is a bare word */
        {"noat", "4"},
    };
    RUN(cs);
}

static void test_and_negation_quotes(void **state)
{
    (void)state;
    static const mcase cs[] = {
        {"queue:deferred rcpt:@foo.com", "12"},
        {"queue:deferred   !sender:<>  rcpt:@foo.com", "1"},
        {"queue:deferred age>5m", "25"},
        {"queue:deferred !age>5m", "1"},
        {"class:refused !domain:foo.com", "5"},
        {"reason:\"Connection refused\" size<500", "5"},
        {"foo bar", "1"},
        {"foo !bar", "2"},
        {"\"foo\" \"bar\"", "1"},
        {"sender:\"Alice\"@example.com", "1"},       /* quotes anywhere in a value */
        {"queue:deferred queue:hold", ""},
        {"!queue:deferred !queue:hold", "3"},
        {"reason:\"say \\\"hi\\\"\"", ""},          /* escaped quotes parse */
    };
    RUN(cs);
}

/* ---- normalised text -------------------------------------------------------- */

static void test_text(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cs[] = {
        {"  queue:deferred    age>2h  ", "queue:deferred age>2h"},
        {"FROM:@Example.com TO:x@y", "sender:@Example.com rcpt:x@y"},
        {"Queue:HOLD class:DNS", "queue:hold class:dns"},
        {"reason:\"Connection refused\"", "reason:\"Connection refused\""},
        {"reason:\"refused\"", "reason:refused"},
        {"reason:/a|b/", "reason:/a|b/"},
        {"size>1m size<2G size=10k size=7", "size>1M size<2G size=10k size=7"},
        {"age>=007h", "age>=7h"},
        {"!sender:<> !foo", "!sender:<> !foo"},
        {"\"id:x\" \"a b\" \"x\\\"y\"", "\"id:x\" \"a b\" \"x\\\"y\""},
        {"\"!x\"", "\"!x\""},
        {"reason:\"a\\\\b c\"", "reason:\"a\\\\b c\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        pn_err err = PN_ERR_INIT;
        pn_qfilter *f = pn_qfilter_parse(cs[i].in, &err);
        if (!f)
            print_error("'%s': %s\n", cs[i].in, pn_err_msg(&err));
        assert_non_null(f);
        assert_string_equal(pn_qfilter_text(f), cs[i].out);
        /* the normalised text parses to itself */
        pn_qfilter *g = pn_qfilter_parse(pn_qfilter_text(f), &err);
        assert_non_null(g);
        assert_string_equal(pn_qfilter_text(g), cs[i].out);
        pn_qfilter_free(g);
        pn_qfilter_free(f);
    }
    /* the re-parsed text matches the same entries */
    pn_qentry es[NE];
    fixture(es);
    const char *fs[] = {"\"id:x\" \"a b\"", "\"@foo\" !\"bar\"", "reason:\"/mx\\.bar/\" x"};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        pn_qfilter *f = pn_qfilter_parse(fs[i], NULL);
        char *a = which(es, fs[i]), *b = which(es, pn_qfilter_text(f));
        assert_string_equal(a, b);
        free(a);
        free(b);
        pn_qfilter_free(f);
    }
    unfixture(es);
}

/* ---- parse errors ------------------------------------------------------------ */

#define QUEUES "maildrop incoming active deferred hold corrupt"
#define CLASSES "none refused timeout dns tls greylist remote-4xx local hold other"
#define KEYS "queue sender from rcpt to domain reason class id age size"

static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *in, *msg; } cs[] = {
        {"queue:deferred  age>>2h",
         "filter: term 2 'age>>2h' at column 17: expected a duration like 2h after '>'"},
        {"sendr:x", "filter: term 1 'sendr:x' at column 1: unknown filter key 'sendr' (did you mean 'sender'?)"},
        {"a rcp:x", "filter: term 2 'rcp:x' at column 3: unknown filter key 'rcp' (did you mean 'rcpt'?)"},
        {"domian:x", "filter: term 1 'domian:x' at column 1: unknown filter key 'domian' (did you mean 'domain'?)"},
        {"zzz:x", "filter: term 1 'zzz:x' at column 1: unknown filter key 'zzz' (keys: " KEYS ")"},
        {"queue:defered", "filter: term 1 'queue:defered' at column 1: unknown queue 'defered' (did you mean 'deferred'?); valid queues: " QUEUES},
        {"queue:x", "filter: term 1 'queue:x' at column 1: unknown queue 'x'; valid queues: " QUEUES},
        {"queue:*", "filter: term 1 'queue:*' at column 1: unknown queue '*'; valid queues: " QUEUES},
        {"x class:dnss", "filter: term 2 'class:dnss' at column 3: unknown class 'dnss' (did you mean 'dns'?); valid classes: " CLASSES},
        {"class:bogus", "filter: term 1 'class:bogus' at column 1: unknown class 'bogus'; valid classes: " CLASSES},
        {"reason:/abc", "filter: term 1 'reason:/abc' at column 1: a regular expression must end with '/' (quote it when it has spaces: reason:\"/timed out|refused/\")"},
        {"reason://", "filter: term 1 'reason://' at column 1: empty regular expression"},
        {"reason:/", "filter: term 1 'reason:/' at column 1: a regular expression must end with '/' (quote it when it has spaces: reason:\"/timed out|refused/\")"},
        {"age>2x", "filter: term 1 'age>2x' at column 1: unknown age unit 'x': use s, m, h, d or w"},
        {"age>2M", "filter: term 1 'age>2M' at column 1: unknown age unit 'M': use s, m, h, d or w"},
        {"age>30", "filter: term 1 'age>30' at column 1: missing unit after '30': use s, m, h, d or w (e.g. 30m)"},
        {"age>", "filter: term 1 'age>' at column 1: expected a duration like 2h after '>'"},
        {"age<=-1h", "filter: term 1 'age<=-1h' at column 1: expected a duration like 2h after '<='"},
        {"age>2hh", "filter: term 1 'age>2hh' at column 1: unexpected 'h' after '2h'"},
        {"age>99999999999999999999h", "filter: term 1 'age>99999999999999999999h' at column 1: the number after '>' is too large"},
        {"age>9999999999999999w", "filter: term 1 'age>9999999999999999w' at column 1: the number after '>' is too large"},
        {"age:2h", "filter: term 1 'age:2h' at column 1: age is compared, not matched: write e.g. age>2h or age<=30m"},
        {"age!=2h", "filter: term 1 'age!=2h' at column 1: '!=' is not supported: write !age=..."},
        {"size>1T", "filter: term 1 'size>1T' at column 1: unknown size unit 'T': use k, M or G (bare number = bytes)"},
        {"size>1.5M", "filter: term 1 'size>1.5M' at column 1: unexpected '.5M' after '1' (whole numbers only)"},
        {"age>1.5h", "filter: term 1 'age>1.5h' at column 1: unexpected '.5h' after '1' (whole numbers only)"},
        {"size>=M", "filter: term 1 'size>=M' at column 1: expected a size like 1M after '>='"},
        {"size:1M", "filter: term 1 'size:1M' at column 1: size is compared, not matched: write e.g. size>1M or size<=500k"},
        {"size==1", "filter: term 1 'size==1' at column 1: expected a size like 1M after '='"},
        {"sender:", "filter: term 1 'sender:' at column 1: empty value after 'sender:' (write sender:<> for the null sender)"},
        {"a  rcpt:\"\"", "filter: term 2 'rcpt:\"\"' at column 4: empty value after 'rcpt:'"},
        {"ID:", "filter: term 1 'ID:' at column 1: empty value after 'ID:'"},
        {"\"\"", "filter: term 1 '\"\"' at column 1: empty value"},
        {"x !", "filter: term 2 '!' at column 3: '!' must be followed by a term"},
        {"!!x", "filter: term 1 '!!x' at column 1: only one '!' is allowed"},
        {"rcpt:<>", "filter: term 1 'rcpt:<>' at column 1: '<>' is the null sender and only works with sender:"},
        {"domain:@", "filter: term 1 'domain:@' at column 1: empty domain after '@'"},
        {"a reason:\"abc", "filter: term 2 'reason:\"abc' at column 3: the quote at column 10 is not closed"},
        {"\"a b", "filter: term 1 '\"a b' at column 1: the quote at column 1 is not closed"},
        {"a b\tc", "filter: term 2 'b c' at column 3: control character U+0009 at column 4 is not allowed"},
        {"a\nb", "filter: term 1 'a\xEF\xBF\xBD" "b' at column 1: control character U+000A at column 2 is not allowed"},
        {"x \"a\x1b[2Jb\"", "filter: term 2 '\"a\xEF\xBF\xBD[2Jb\"' at column 3: control character U+001B at column 5 is not allowed"},
        {"x\x7f", "filter: term 1 'x\xEF\xBF\xBD' at column 1: control character U+007F at column 2 is not allowed"},
        {"\xc3\xa9t\xc3\xa9 queue:x", "filter: term 2 'queue:x' at column 5: unknown queue 'x'; valid queues: " QUEUES},
        {"abc \xff", "filter: term 2 '\xEF\xBF\xBD' at column 5: invalid UTF-8 at column 5"},
        {"\xc3\xa9 a\xe2\x80\xae", "filter: term 2 'a\xEF\xBF\xBD' at column 3: unsafe character U+202E at column 4 is not allowed"},
        {"\xc2\x85", "filter: term 1 '\xEF\xBF\xBD' at column 1: control character U+0085 at column 1 is not allowed"},
        /* the first bad term is the one reported */
        {"sendr:x age>>1h", "filter: term 1 'sendr:x' at column 1: unknown filter key 'sendr' (did you mean 'sender'?)"},
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        pn_err err = PN_ERR_INIT;
        pn_qfilter *f = pn_qfilter_parse(cs[i].in, &err);
        if (f)
            print_error("'%s' parsed as '%s'\n", cs[i].in, pn_qfilter_text(f));
        assert_null(f);
        assert_int_equal(err.code, PN_E_INVALID);
        assert_string_equal(pn_err_msg(&err), cs[i].msg);
        pn_err_clear(&err);
    }

    /* a regex error carries regerror's text */
    pn_err err = PN_ERR_INIT;
    assert_null(pn_qfilter_parse("queue:hold reason:/(/", &err));
    const char *pre = "filter: term 2 'reason:/(/' at column 12: invalid regular expression: ";
    assert_true(strncmp(pn_err_msg(&err), pre, strlen(pre)) == 0);
    assert_true(strlen(pn_err_msg(&err)) > strlen(pre));
    pn_err_clear(&err);
    assert_null(pn_qfilter_parse("reason:\"/a{2,1}/\"", &err));
    assert_non_null(strstr(pn_err_msg(&err), "invalid regular expression: "));
    pn_err_clear(&err);

    /* a long term is shown shortened */
    char longt[400];
    memset(longt, 'a', sizeof longt);
    memcpy(longt, "zz:", 3);
    longt[sizeof longt - 1] = '\0';
    assert_null(pn_qfilter_parse(longt, &err));
    assert_non_null(strstr(pn_err_msg(&err), "...' at column 1: unknown filter key 'zz'"));
    assert_true(strlen(pn_err_msg(&err)) < 300);
    pn_err_clear(&err);

    /* a NULL err is allowed */
    assert_null(pn_qfilter_parse("sendr:x", NULL));
}

/* ---- shape --------------------------------------------------------------------- */

static pn_qlist fixture_list(pn_qentry *es)
{
    pn_qlist l = {.items = es, .n = NE, .cap = NE, .listed_at = NOW};
    return l;
}

static const pn_qshape_row *row(const pn_qshape *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->rows[i].key, key) == 0)
            return &s->rows[i];
    }
    return NULL;
}

/* Every row's message count equals the number of (filtered) entries that
 * pn_qshape_member puts in its group. */
static void check_members(const pn_qlist *l, const pn_qfilter *f, const pn_qshape *s)
{
    for (size_t r = 0; r < s->n; r++) {
        size_t n = 0;
        int64_t bytes = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (pn_qfilter_match(f, &l->items[i], NOW) &&
                pn_qshape_member(s->by, s->rows[r].key, &l->items[i], NOW)) {
                n++;
                bytes += l->items[i].size;
            }
        }
        if (n != s->rows[r].messages)
            print_error("row '%s': %zu members, %zu messages\n", s->rows[r].key, n,
                        s->rows[r].messages);
        assert_int_equal(n, s->rows[r].messages);
        assert_int_equal(bytes, s->rows[r].bytes);
        size_t q = 0;
        for (int k = 0; k < PN_QN_COUNT; k++)
            q += s->rows[r].by_queue[k];
        assert_int_equal(q, s->rows[r].messages);
    }
}

static size_t sum_messages(const pn_qshape *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->rows[i].messages;
    return n;
}

static void test_shape_by_parse(void **state)
{
    (void)state;
    pn_qshape_by by;
    assert_true(pn_qshape_by_parse("rcpt-domain", &by));
    assert_int_equal(by, PN_QSHAPE_RCPT_DOMAIN);
    assert_true(pn_qshape_by_parse("sender-domain", &by));
    assert_int_equal(by, PN_QSHAPE_SENDER_DOMAIN);
    assert_true(pn_qshape_by_parse("class", &by));
    assert_int_equal(by, PN_QSHAPE_CLASS);
    assert_true(pn_qshape_by_parse("age", &by));
    assert_int_equal(by, PN_QSHAPE_AGE);
    assert_false(pn_qshape_by_parse("domain", &by));
    assert_false(pn_qshape_by_parse("", &by));
    assert_false(pn_qshape_by_parse(NULL, &by));
    static const char *const labels[] = {"0-5m", "5-10m", "10-20m", "20-40m", "40-80m",
                                         "80-160m", "160-320m", "320-640m", "640-1280m",
                                         "1280m+"};
    for (int i = 0; i < PN_QSHAPE_AGE_BUCKETS; i++)
        assert_string_equal(pn_qshape_age_label(i), labels[i]);
    assert_string_equal(pn_qshape_age_label(-1), "");
    assert_string_equal(pn_qshape_age_label(PN_QSHAPE_AGE_BUCKETS), "");
}

static void test_shape_rcpt_domain(void **state)
{
    (void)state;
    pn_qentry es[NE];
    fixture(es);
    pn_qlist l = fixture_list(es);
    pn_qshape s;
    pn_qshape_build(&l, NULL, PN_QSHAPE_RCPT_DOMAIN, NOW, &s);
    assert_int_equal(s.by, PN_QSHAPE_RCPT_DOMAIN);
    assert_int_equal(s.total_messages, 5);
    assert_int_equal(s.total_bytes, 1000 + 2000 + 500 + 100 + 300);
    /* bar.com 2 (E1 E5), foo.com 2 (E1 E2: 3 recipients), then the 1s by key */
    static const char *const order[] = {"bar.com", "foo.com", "(none)", "[192.0.2.1]", "baz.org"};
    assert_int_equal(s.n, 5);
    for (size_t i = 0; i < s.n; i++)
        assert_string_equal(s.rows[i].key, order[i]);
    const pn_qshape_row *foo = row(&s, "foo.com");
    assert_int_equal(foo->messages, 2);
    assert_int_equal(foo->recipients, 3);                /* x@, Z@FOO.com, q@ */
    assert_int_equal(foo->bytes, 3000);
    assert_int_equal(foo->by_queue[PN_QN_DEFERRED], 2);
    const pn_qshape_row *bar = row(&s, "bar.com");
    assert_int_equal(bar->messages, 2);
    assert_int_equal(bar->recipients, 2);
    assert_int_equal(bar->bytes, 1300);
    assert_int_equal(row(&s, "(none)")->by_queue[PN_QN_HOLD], 1);
    assert_int_equal(row(&s, "baz.org")->by_queue[PN_QN_ACTIVE], 1);
    /* E1 (two domains) and E5 (two domains) are counted in each row */
    assert_true(sum_messages(&s) > s.total_messages);
    check_members(&l, NULL, &s);
    assert_true(pn_qshape_member(PN_QSHAPE_RCPT_DOMAIN, "FOO.COM", &es[E1], NOW));
    assert_false(pn_qshape_member(PN_QSHAPE_RCPT_DOMAIN, "foo.com", &es[E3], NOW));
    pn_qshape_free(&s);
    assert_null(s.rows);

    pn_qfilter *f = pn_qfilter_parse("queue:deferred", NULL);
    pn_qshape_build(&l, f, PN_QSHAPE_RCPT_DOMAIN, NOW, &s);
    assert_int_equal(s.total_messages, 3);
    assert_int_equal(s.total_bytes, 3300);
    assert_null(row(&s, "baz.org"));
    assert_null(row(&s, "(none)"));
    check_members(&l, f, &s);
    pn_qshape_free(&s);
    pn_qfilter_free(f);

    /* a message without recipients is grouped under (none) */
    pn_qentry lone;
    mk(&lone, PN_QN_MAILDROP, "AAAA1", 0, 10, "x@y.z", PN_QC_NONE, 0, NULL);
    pn_qlist l1 = {.items = &lone, .n = 1};
    pn_qshape_build(&l1, NULL, PN_QSHAPE_RCPT_DOMAIN, NOW, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.rows[0].key, "(none)");
    assert_int_equal(s.rows[0].recipients, 0);
    check_members(&l1, NULL, &s);
    pn_qshape_free(&s);
    unmk(&lone);
    unfixture(es);
}

static void test_shape_sender_class_age(void **state)
{
    (void)state;
    pn_qentry es[NE];
    fixture(es);
    pn_qlist l = fixture_list(es);
    pn_qshape s;

    pn_qshape_build(&l, NULL, PN_QSHAPE_SENDER_DOMAIN, NOW, &s);
    static const char *const sorder[] = {"example.com", "(none)", "(null sender)", "other.net"};
    assert_int_equal(s.n, 4);
    for (size_t i = 0; i < s.n; i++)
        assert_string_equal(s.rows[i].key, sorder[i]);
    assert_int_equal(s.rows[0].messages, 2);               /* Example.com lower-cased */
    assert_int_equal(s.rows[0].recipients, 4);
    assert_int_equal(s.rows[0].bytes, 1500);
    assert_int_equal(sum_messages(&s), s.total_messages);
    assert_int_equal(s.total_messages, 5);
    check_members(&l, NULL, &s);
    assert_true(pn_qshape_member(PN_QSHAPE_SENDER_DOMAIN, "(null sender)", &es[E2], NOW));
    assert_false(pn_qshape_member(PN_QSHAPE_SENDER_DOMAIN, "(none)", &es[E2], NOW));
    pn_qshape_free(&s);

    pn_qshape_build(&l, NULL, PN_QSHAPE_CLASS, NOW, &s);
    static const char *const corder[] = {"dns", "hold", "none", "refused", "timeout"};
    assert_int_equal(s.n, 5);
    for (size_t i = 0; i < s.n; i++) {
        assert_string_equal(s.rows[i].key, corder[i]);
        assert_int_equal(s.rows[i].messages, 1);
    }
    assert_int_equal(sum_messages(&s), s.total_messages);
    check_members(&l, NULL, &s);
    pn_qshape_free(&s);

    /* ages: E1 1m, E2 7m, E3 30h, E4 5m (exactly: 5-10m), E5 1280m (1280m+) */
    pn_qshape_build(&l, NULL, PN_QSHAPE_AGE, NOW, &s);
    assert_int_equal(s.n, PN_QSHAPE_AGE_BUCKETS);
    static const size_t counts[PN_QSHAPE_AGE_BUCKETS] = {1, 2, 0, 0, 0, 0, 0, 0, 0, 2};
    for (int i = 0; i < PN_QSHAPE_AGE_BUCKETS; i++) {
        assert_string_equal(s.rows[i].key, pn_qshape_age_label(i));
        assert_int_equal(s.rows[i].messages, counts[i]);
    }
    assert_int_equal(s.rows[1].bytes, 2100);
    assert_int_equal(sum_messages(&s), s.total_messages);
    check_members(&l, NULL, &s);
    pn_qshape_free(&s);

    /* bucket edges, one second either side */
    static const struct { int64_t age; int bucket; } edges[] = {
        {-5, 0}, {0, 0}, {299, 0}, {300, 1}, {599, 1}, {600, 2}, {1199, 2}, {1200, 3},
        {2400, 4}, {4800, 5}, {9600, 6}, {19200, 7}, {38399, 7}, {38400, 8},
        {76799, 8}, {76800, 9}, {10 * DAY, 9},
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        pn_qentry e;
        mk(&e, PN_QN_DEFERRED, "B1", edges[i].age, 1, "a@b", PN_QC_NONE, 0, NULL);
        pn_qlist l1 = {.items = &e, .n = 1};
        pn_qshape_build(&l1, NULL, PN_QSHAPE_AGE, NOW, &s);
        for (int b = 0; b < PN_QSHAPE_AGE_BUCKETS; b++) {
            assert_int_equal(s.rows[b].messages, b == edges[i].bucket);
            assert_int_equal(pn_qshape_member(PN_QSHAPE_AGE, pn_qshape_age_label(b), &e, NOW),
                             b == edges[i].bucket);
        }
        pn_qshape_free(&s);
        unmk(&e);
    }

    /* empty list: fixed age table, no other rows */
    pn_qlist empty = {0};
    pn_qshape_build(&empty, NULL, PN_QSHAPE_AGE, NOW, &s);
    assert_int_equal(s.n, PN_QSHAPE_AGE_BUCKETS);
    assert_int_equal(s.total_messages, 0);
    pn_qshape_free(&s);
    pn_qshape_build(&empty, NULL, PN_QSHAPE_CLASS, NOW, &s);
    assert_int_equal(s.n, 0);
    pn_qshape_free(&s);
    unfixture(es);
}

/* ---- 100,000 entries ------------------------------------------------------------ */

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_large(void **state)
{
    (void)state;
    enum { N = 100000, DOMAINS = 2000 };
    static const char *const reasons[] = {
        "connect to mx.d.example[192.0.2.1]:25: Connection refused",
        "conversation with mx.d.example timed out while receiving the initial server greeting",
        "Host or domain name not found. Name service error for name=d.example type=MX",
        "450 4.7.1 Greylisted, please try again later",
        NULL,
    };
    static const pn_qclass classes[] = {PN_QC_REFUSED, PN_QC_TIMEOUT, PN_QC_DNS,
                                        PN_QC_GREYLIST, PN_QC_NONE};
    static const pn_qname queues[] = {PN_QN_DEFERRED, PN_QN_DEFERRED, PN_QN_ACTIVE,
                                      PN_QN_HOLD, PN_QN_INCOMING};
    pn_qlist l = {.items = pn_calloc(N, sizeof(pn_qentry)), .n = N, .cap = N, .listed_at = NOW};
    unsigned seed = 12345;
    for (size_t i = 0; i < N; i++) {
        pn_qentry *e = &l.items[i];
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        size_t nr = 1 + r % 3;
        char qid[16], sender[64];
        snprintf(qid, sizeof qid, "%010zX", i * 7919);
        if (r % 17 == 0)
            sender[0] = '\0';
        else
            snprintf(sender, sizeof sender, "user%u@Sender%u.example", r % 1000, r % 97);
        rc rs[3];
        char addrs[3][64];
        for (size_t k = 0; k < nr; k++) {
            unsigned d = (r / 7 + (unsigned)k * 31) % DOMAINS;
            snprintf(addrs[k], sizeof addrs[k], "rcpt%zu@dom%u.example", k, d);
            unsigned c = (r / 13 + (unsigned)k) % 5;
            rs[k] = (rc){addrs[k], reasons[c], classes[c]};
        }
        mk(e, queues[r % 5], qid, (int64_t)(r % (3 * DAY)), 500 + (int64_t)(r % 200000),
           sender, rs[0].cls, nr, rs);
    }

    struct timespec t0;
    pn_err err = PN_ERR_INIT;
    const char *text = "queue:deferred age>1h !sender:<> rcpt:@dom1* reason:\"/refused|timed out/\" size>1k";
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pn_qfilter *f = pn_qfilter_parse(text, &err);
    assert_non_null(f);
    size_t hits = 0;
    for (size_t i = 0; i < N; i++)
        hits += pn_qfilter_match(f, &l.items[i], NOW);
    double t_filter = ms_since(&t0);

    pn_qfilter *w = pn_qfilter_parse("dom12", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t whits = 0;
    for (size_t i = 0; i < N; i++)
        whits += pn_qfilter_match(w, &l.items[i], NOW);
    double t_word = ms_since(&t0);

    pn_qshape s;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pn_qshape_build(&l, NULL, PN_QSHAPE_RCPT_DOMAIN, NOW, &s);
    double t_shape = ms_since(&t0);
    assert_int_equal(s.total_messages, N);
    assert_int_equal(s.n, DOMAINS);
    size_t rcpts = 0, all = 0;
    for (size_t i = 0; i < N; i++)
        all += l.items[i].n_rcpts;
    for (size_t i = 0; i < s.n; i++) {
        rcpts += s.rows[i].recipients;
        if (i > 0)
            assert_true(s.rows[i - 1].messages >= s.rows[i].messages);
    }
    assert_int_equal(rcpts, all);
    pn_qshape_free(&s);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pn_qshape_build(&l, f, PN_QSHAPE_RCPT_DOMAIN, NOW, &s);
    double t_fshape = ms_since(&t0);
    assert_int_equal(s.total_messages, hits);
    /* spot-check membership on the biggest filtered groups */
    pn_qshape small = s;
    small.n = s.n < 3 ? s.n : 3;
    check_members(&l, f, &small);
    pn_qshape_free(&s);

    static const pn_qshape_by bys[] = {PN_QSHAPE_SENDER_DOMAIN, PN_QSHAPE_CLASS, PN_QSHAPE_AGE};
    for (size_t b = 0; b < 3; b++) {
        pn_qshape_build(&l, NULL, bys[b], NOW, &s);
        assert_int_equal(sum_messages(&s), N);
        pn_qshape_free(&s);
    }
    pn_qshape_build(&l, NULL, PN_QSHAPE_CLASS, NOW, &s);
    check_members(&l, NULL, &s);
    pn_qshape_free(&s);

    printf("# 100000 entries: filter '%s' %.1f ms (%zu hits); bare word %.1f ms (%zu hits); "
           "rcpt-domain shape %.1f ms, filtered shape %.1f ms\n",
           text, t_filter, hits, t_word, whits, t_shape, t_fshape);
    assert_true(hits > 0 && hits < N);
    assert_true(whits > 0 && whits < N);

    pn_qfilter_free(f);
    pn_qfilter_free(w);
    for (size_t i = 0; i < N; i++)
        unmk(&l.items[i]);
    free(l.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_matches_all),
        cmocka_unit_test(test_queue_and_class),
        cmocka_unit_test(test_sender),
        cmocka_unit_test(test_rcpt_and_domain),
        cmocka_unit_test(test_reason),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_bare_words),
        cmocka_unit_test(test_and_negation_quotes),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shape_by_parse),
        cmocka_unit_test(test_shape_rcpt_domain),
        cmocka_unit_test(test_shape_sender_class_age),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
