/* test_queue_entry.c - unit tests for the queue entry parser (postqueue -j
 * lines), the delay-reason classifier, Postfix time values, lifetimes,
 * sorting, and the line splitter used by pn_queue_scan (fed with chunks of
 * every size, without running Postfix). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "queue_internal.h"
#include "util/mem.h"
#include "util/str.h"

/* Real lines from shared/design/lab-recipe.md section 3. */
#define LINE_DEFERRED                                                                     \
    "{\"queue_name\": \"deferred\", \"queue_id\": \"3F9D7A7486A\", \"arrival_time\": "     \
    "1795300632, \"message_size\": 422, \"forced_expire\": false, \"sender\": "            \
    "\"user46@lab.example\", \"recipients\": [{\"address\": \"rcpt396@remote16.example\", " \
    "\"delay_reason\": \"connect to 127.0.0.1[127.0.0.1]:1: Connection refused\"}]}"
#define LINE_SUSPENDED                                                                     \
    "{\"queue_name\": \"deferred\", \"queue_id\": \"3A747330F49\", \"arrival_time\": "      \
    "1795300774, \"message_size\": 299, \"forced_expire\": false, \"sender\": "             \
    "\"user35@lab.example\", \"recipients\": [{\"address\": \"rcpt107635@remote15.example\", " \
    "\"delay_reason\": \"delivery temporarily suspended: connect to "                       \
    "127.0.0.1[127.0.0.1]:1: Connection refused\"}]}"

static void parse_ok(const char *line, pn_qentry *e)
{
    pn_err err = PN_ERR_INIT;
    bool ok = pn_qentry_parse_json(line, strlen(line), e, &err);
    if (!ok)
        fail_msg("parse failed: %s\nline: %s", pn_err_msg(&err), line);
    pn_err_clear(&err);
}

/* ---- Parsing ------------------------------------------------------------- */

static void test_parse_deferred(void **state)
{
    (void)state;
    pn_qentry e;
    parse_ok(LINE_DEFERRED, &e);
    assert_int_equal(e.queue, PN_QN_DEFERRED);
    assert_string_equal(e.queue_raw, "deferred");
    assert_string_equal(e.qid, "3F9D7A7486A");
    assert_int_equal(e.arrival, 1795300632);
    assert_int_equal(e.size, 422);
    assert_false(e.forced_expire);
    assert_string_equal(e.sender, "user46@lab.example");
    assert_int_equal(e.n_rcpts, 1);
    assert_string_equal(e.rcpts[0].address, "rcpt396@remote16.example");
    assert_string_equal(e.rcpts[0].reason, "connect to 127.0.0.1[127.0.0.1]:1: Connection refused");
    assert_int_equal(e.rcpts[0].cls, PN_QC_REFUSED);
    assert_int_equal(e.cls, PN_QC_REFUSED);
    pn_qentry_free(&e);

    parse_ok(LINE_SUSPENDED, &e);
    assert_string_equal(e.qid, "3A747330F49");
    assert_int_equal(e.cls, PN_QC_REFUSED);
    assert_non_null(strstr(e.rcpts[0].reason, "delivery temporarily suspended: "));
    pn_qentry_free(&e);
}

static void test_parse_hold_active_forced(void **state)
{
    (void)state;
    pn_qentry e;
    parse_ok("{\"queue_name\": \"hold\", \"queue_id\": \"4B1C2D3E4F\", \"arrival_time\": 1795300000, "
             "\"message_size\": 1000, \"forced_expire\": false, \"sender\": \"a@b.example\", "
             "\"recipients\": [{\"address\": \"c@d.example\", \"delay_reason\": "
             "\"connect to d.example[1.2.3.4]:25: Connection timed out\"}]}",
             &e);
    assert_int_equal(e.queue, PN_QN_HOLD);
    assert_int_equal(e.cls, PN_QC_HOLD);
    assert_int_equal(e.rcpts[0].cls, PN_QC_TIMEOUT);
    pn_qentry_free(&e);

    parse_ok("{\"queue_name\": \"active\", \"queue_id\": \"ABCDEF123\", \"arrival_time\": 1795300001, "
             "\"message_size\": 512, \"forced_expire\": false, \"sender\": \"a@b.example\", "
             "\"recipients\": [{\"address\": \"c@d.example\"}]}",
             &e);
    assert_int_equal(e.queue, PN_QN_ACTIVE);
    assert_null(e.rcpts[0].reason);
    assert_int_equal(e.rcpts[0].cls, PN_QC_NONE);
    assert_int_equal(e.cls, PN_QC_NONE);
    pn_qentry_free(&e);

    parse_ok("{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF124\", \"arrival_time\": 1, "
             "\"message_size\": 2, \"forced_expire\": true, \"sender\": \"a@b.example\", "
             "\"recipients\": [{\"address\": \"c@d.example\", \"delay_reason\": \"x\"}]}",
             &e);
    assert_true(e.forced_expire);
    assert_int_equal(e.cls, PN_QC_OTHER);
    pn_qentry_free(&e);

    /* maildrop, long queue ID */
    parse_ok("{\"queue_name\": \"maildrop\", \"queue_id\": \"4jX7RL56npz1bcFr\", \"arrival_time\": 5, "
             "\"message_size\": 0, \"forced_expire\": false, \"sender\": \"x@y.example\", "
             "\"recipients\": []}",
             &e);
    assert_int_equal(e.queue, PN_QN_MAILDROP);
    assert_string_equal(e.qid, "4jX7RL56npz1bcFr");
    assert_int_equal(e.n_rcpts, 0);
    assert_null(e.rcpts);
    pn_qentry_free(&e);
}

static void test_parse_multi_and_null_sender(void **state)
{
    (void)state;
    pn_qentry e;
    parse_ok("{\"queue_name\": \"deferred\", \"queue_id\": \"1A2B3C4D5E\", \"arrival_time\": 100, "
             "\"message_size\": 2048, \"forced_expire\": false, \"sender\": \"\", "
             "\"recipients\": [{\"address\": \"one@a.example\"}, "
             "{\"address\": \"two@b.example\", \"delay_reason\": \"Host or domain name not found. "
             "Name service error for name=b.example type=MX: Host not found, try again\"}, "
             "{\"address\": \"three@c.example\", \"delay_reason\": \"connect to c.example[10.0.0.1]:25: "
             "Connection refused\"}]}",
             &e);
    assert_string_equal(e.sender, "");
    assert_int_equal(e.n_rcpts, 3);
    assert_string_equal(e.rcpts[2].address, "three@c.example");
    assert_int_equal(e.rcpts[0].cls, PN_QC_NONE);
    assert_int_equal(e.rcpts[1].cls, PN_QC_DNS);
    assert_int_equal(e.rcpts[2].cls, PN_QC_REFUSED);
    assert_int_equal(e.cls, PN_QC_DNS);   /* first recipient with a reason */

    pn_qentry c;
    pn_qentry_copy(&c, &e);
    pn_qentry_free(&e);
    assert_int_equal(c.n_rcpts, 3);
    assert_string_equal(c.rcpts[1].address, "two@b.example");
    assert_null(c.rcpts[0].reason);
    assert_int_equal(c.cls, PN_QC_DNS);
    pn_qentry_free(&c);
    assert_null(c.qid);
}

static void test_parse_escapes_utf8(void **state)
{
    (void)state;
    pn_qentry e;
    /* What Postfix's quote_for_json() emits: \" \\ \b \f \n \r \t \u0001 \u001F \u007F */
    parse_ok("{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF125\", \"arrival_time\": 1, "
             "\"message_size\": 2, \"forced_expire\": false, "
             "\"sender\": \"\\\"quoted\\\"@x.example\", "
             "\"recipients\": [{\"address\": \"back\\\\slash@x.example\", "
             "\"delay_reason\": \"a\\u0001b\\\"c\\\\d\\be\\ff\\ng\\rh\\ti\\u001Fj\\u007Fk/\\/\"}]}",
             &e);
    assert_string_equal(e.sender, "\"quoted\"@x.example");
    assert_string_equal(e.rcpts[0].address, "back\\slash@x.example");
    assert_string_equal(e.rcpts[0].reason, "a\001b\"c\\d\be\ff\ng\rh\ti\037j\177k//");
    pn_qentry_free(&e);

    /* Raw UTF-8 passes through unchanged, also characters YAML treats
     * specially (NEL U+0085, C1 U+0080, LS U+2028, BOM U+FEFF, U+FFFF). */
    parse_ok("{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF126\", \"arrival_time\": 1, "
             "\"message_size\": 2, \"sender\": \"j\xc3\xbcrgen@m\xc3\xbcller.example\", "
             "\"recipients\": [{\"address\": \"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.example\", "
             "\"delay_reason\": \"a\xc2\x85" "b\xc2\x80" "c\xe2\x80\xa8" "d\xef\xbb\xbf" "e\xef\xbf\xbf"
             "f \xf0\x9f\x98\x80\"}]}",
             &e);
    assert_string_equal(e.sender, "j\xc3\xbcrgen@m\xc3\xbcller.example");
    assert_string_equal(e.rcpts[0].address, "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.example");
    assert_string_equal(e.rcpts[0].reason, "a\xc2\x85" "b\xc2\x80" "c\xe2\x80\xa8" "d\xef\xbb\xbf"
                                           "e\xef\xbf\xbf" "f \xf0\x9f\x98\x80");
    assert_false(e.forced_expire);   /* absent before Postfix 3.5 */
    pn_qentry_free(&e);

    /* Invalid UTF-8 would make libyaml refuse the line: it becomes U+FFFD. */
    parse_ok("{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF127\", \"arrival_time\": 1, "
             "\"message_size\": 2, \"sender\": \"a\xff" "b@x.example\", \"recipients\": []}",
             &e);
    assert_string_equal(e.sender, "a\xef\xbf\xbd" "b@x.example");
    pn_qentry_free(&e);
}

static void test_parse_unknown_and_missing_optional(void **state)
{
    (void)state;
    pn_qentry e;
    parse_ok("{\"future\": {\"nested\": [1, 2, {\"x\": null}], \"y\": \"z\"}, "
             "\"queue_name\": \"incoming\", \"queue_id\": \"ABCDEF128\", \"arrival_time\": 1, "
             "\"message_size\": 2, \"sender\": \"s@x.example\", \"priority\": 5, "
             "\"recipients\": [{\"address\": \"r@x.example\", \"orig\": [\"a\"], "
             "\"delay_reason\": null}], \"tail\": [[]]}",
             &e);
    assert_int_equal(e.queue, PN_QN_INCOMING);
    assert_false(e.forced_expire);
    assert_null(e.rcpts[0].reason);
    pn_qentry_free(&e);

    /* A queue name this version does not know; no spaces, trailing newline. */
    parse_ok("{\"queue_name\":\"shiny\",\"queue_id\":\"ABCDEF129\",\"arrival_time\":-1,"
             "\"message_size\":0,\"sender\":\"s@x\",\"recipients\":[{\"address\":\"r\"}]}\n",
             &e);
    assert_int_equal(e.queue, PN_QN_OTHER);
    assert_string_equal(e.queue_raw, "shiny");
    assert_int_equal(e.arrival, -1);
    pn_qentry_free(&e);
}

static void test_parse_long_line(void **state)
{
    (void)state;
    pn_str s = PN_STR_INIT;
    pn_str_append(&s, "{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF12A\", "
                      "\"arrival_time\": 1, \"message_size\": 2, \"sender\": \"s@x.example\", "
                      "\"recipients\": [");
    for (int i = 0; i < 3000; i++)
        pn_str_appendf(&s, "%s{\"address\": \"rcpt%d@domain%d.example\", \"delay_reason\": "
                           "\"host mx%d.example[192.0.2.1] said: 450 4.7.1 Greylisted\"}",
                       i ? ", " : "", i, i, i);
    pn_str_append(&s, "]}");
    pn_qentry e;
    parse_ok(s.s, &e);
    assert_int_equal(e.n_rcpts, 3000);
    assert_string_equal(e.rcpts[2999].address, "rcpt2999@domain2999.example");
    assert_int_equal(e.cls, PN_QC_GREYLIST);
    pn_qentry_free(&e);
    pn_str_free(&s);
}

typedef struct bad_case {
    const char *line;
    const char *expect;   /* substring of the error message */
} bad_case;

#define GOOD_HEAD "\"queue_name\": \"deferred\", \"arrival_time\": 1, \"message_size\": 2, " \
                  "\"sender\": \"s@x.example\", "

static const bad_case bad_cases[] = {
    {"", "empty line"},
    {"hello world", "not a JSON object"},
    {"[1, 2, 3]", "not a JSON object"},
    {"42", "not a JSON object"},
    {"{\"queue_name\": ", "not valid JSON"},
    {"{" GOOD_HEAD "\"recipients\": []}", "queue_id: missing"},
    {"{" GOOD_HEAD "\"queue_id\": \"xyz/../../etc\", \"recipients\": []}", "queue_id: 'xyz/../../etc' is not valid"},
    {"{" GOOD_HEAD "\"queue_id\": \"\", \"recipients\": []}", "queue_id"},
    {"{" GOOD_HEAD "\"queue_id\": 12345678, \"recipients\": []}", "queue_id: expected a string, got a number"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\"}", "recipients: missing"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": {}}", "recipients: expected an array, got an object"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [\"a@b\"]}", "recipients[0]: expected an object, got a string"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [{\"address\": \"a\"}, {\"delay_reason\": \"x\"}]}",
     "recipients[1].address: missing"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [{\"address\": 5}]}",
     "recipients[0].address: expected a string, got a number"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [{\"address\": \"a\", \"delay_reason\": true}]}",
     "recipients[0].delay_reason: expected a string, got a boolean"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": \"1795300632\", "
     "\"message_size\": 2, \"sender\": \"s\", \"recipients\": []}", "arrival_time: expected an integer, got a string"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1.5, "
     "\"message_size\": 2, \"sender\": \"s\", \"recipients\": []}", "arrival_time: expected an integer"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 99999999999999999999, \"sender\": \"s\", \"recipients\": []}", "message_size: integer"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": null, \"sender\": \"s\", \"recipients\": []}", "message_size: expected an integer, got null"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"forced_expire\": \"yes\", \"recipients\": []}",
     "forced_expire: expected true or false, got a string"},
    {"{\"queue_name\": 3, \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 2, \"sender\": \"s\", \"recipients\": []}", "queue_name: expected a string, got a number"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 2, \"sender\": [\"s\"], \"recipients\": []}", "sender: expected a string, got an array"},
    /* truncated lines */
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [{\"address\": \"a@b\"", "recipients[0]"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [", "recipients"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCD", "not valid JSON"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": []", "not valid JSON"},
    /* not one JSON object */
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": []} {}", "not valid JSON"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"queue_id\": \"ABCDEF131\", \"recipients\": []}",
     "queue_id: duplicate key"},
    {"{" GOOD_HEAD "\"queue_id\": \"ABCDEF130\", \"recipients\": [], \"sender\": \"\\u0000\"}",
     "sender: duplicate key"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 2, \"sender\": \"a\\u0000b\", \"recipients\": []}", "sender: contains a NUL"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 2, \"sender\": \"a\\qb\", \"recipients\": []}", "not valid JSON at column 103: found unknown escape"},
    {"{\"queue_name\": \"deferred\", \"queue_id\": \"ABCDEF130\", \"arrival_time\": 1, "
     "\"message_size\": 2, \"sender\": \"\\uD83D\\uDE00\", \"recipients\": []}", "invalid Unicode character escape"},
    /* YAML, not JSON */
    {"{queue_name: deferred}", "expected a quoted key"},
    {"{\"queue_name\": 'deferred'}", "queue_name: expected a string, got a non-JSON string"},
    {"{\"queue_name\": &a \"deferred\"}", "YAML anchor"},
    {"{\"queue_name\": !!str \"deferred\"}", "YAML anchor or tag"},
    {"--- {\"queue_name\": \"deferred\"}", "YAML document marker"},
    {"queue_name: deferred", "YAML-only object syntax"},
    {"{\"a\": 1}\x01", "not valid JSON"},
};

static void test_parse_rejections(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *c = &bad_cases[i];
        pn_qentry e;
        pn_err err = PN_ERR_INIT;
        bool ok = pn_qentry_parse_json(c->line, strlen(c->line), &e, &err);
        if (ok)
            fail_msg("case %zu accepted: %s", i, c->line);
        if (!strstr(pn_err_msg(&err), c->expect))
            fail_msg("case %zu: message '%s' lacks '%s'", i, pn_err_msg(&err), c->expect);
        assert_int_equal(err.code, PN_E_INVALID);
        assert_null(e.qid);    /* left empty */
        assert_null(e.rcpts);
        pn_err_clear(&err);
    }
}

static void test_names(void **state)
{
    (void)state;
    for (int q = 0; q < PN_QN_OTHER; q++) {
        pn_qname out;
        assert_true(pn_qname_parse(pn_qname_str((pn_qname)q), &out));
        assert_int_equal(out, q);
    }
    assert_string_equal(pn_qname_str(PN_QN_OTHER), "other");
    assert_false(pn_qname_parse("Deferred", NULL));
    assert_false(pn_qname_parse("other", NULL));
    assert_false(pn_qname_parse(NULL, NULL));

    const char *names = "none refused timeout dns tls greylist remote-4xx local hold other";
    pn_str all = PN_STR_INIT;
    for (int c = 0; c < PN_QC_COUNT; c++) {
        pn_qclass out;
        assert_true(pn_qclass_parse(pn_qclass_str((pn_qclass)c), &out));
        assert_int_equal(out, c);
        pn_str_appendf(&all, "%s%s", c ? " " : "", pn_qclass_str((pn_qclass)c));
    }
    assert_string_equal(all.s, names);
    pn_str_free(&all);
    assert_false(pn_qclass_parse("DNS", NULL));

    assert_string_equal(pn_addr_domain("user@example.com"), "example.com");
    assert_string_equal(pn_addr_domain("\"a@b\"@Example.ORG"), "Example.ORG");
    assert_string_equal(pn_addr_domain("postmaster"), "");
    assert_string_equal(pn_addr_domain(""), "");
    assert_string_equal(pn_addr_domain(NULL), "");
}

/* ---- Classifier ---------------------------------------------------------- */

typedef struct reason_case {
    const char *reason;
    pn_qclass cls;
} reason_case;

static const reason_case reason_cases[] = {
    {NULL, PN_QC_NONE},
    {"", PN_QC_NONE},
    /* refused */
    {"connect to 127.0.0.1[127.0.0.1]:1: Connection refused", PN_QC_REFUSED},
    {"delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:1: Connection refused", PN_QC_REFUSED},
    {"connect to mx.example.com[192.0.2.10]:25: Connection refused", PN_QC_REFUSED},
    {"connect to mx.example.com[2001:db8::25]:25: Network is unreachable", PN_QC_REFUSED},
    {"connect to mx.example.com[192.0.2.10]:25: No route to host", PN_QC_REFUSED},
    {"CONNECT TO MX.EXAMPLE.COM[192.0.2.10]:25: CONNECTION REFUSED", PN_QC_REFUSED},
    /* timeout */
    {"connect to mx.example.com[192.0.2.10]:25: Connection timed out", PN_QC_TIMEOUT},
    {"delivery temporarily suspended: connect to mx.example.com[192.0.2.10]:25: Connection timed out", PN_QC_TIMEOUT},
    {"conversation with mx.example.com[192.0.2.10] timed out while receiving the initial server greeting", PN_QC_TIMEOUT},
    {"conversation with mx.example.com[192.0.2.10] timed out while sending end of data -- message may be sent more than once", PN_QC_TIMEOUT},
    {"lost connection with mx.example.com[192.0.2.10] while receiving the initial server greeting", PN_QC_TIMEOUT},
    {"lost connection with mx.example.com[192.0.2.10] while performing the EHLO handshake", PN_QC_TIMEOUT},
    {"lost connection with mail.example.com[private/dovecot-lmtp] while sending end of data", PN_QC_TIMEOUT},
    {"server refused-mx.example.com[192.0.2.10] dropped connection without sending the initial SMTP greeting", PN_QC_TIMEOUT},
    /* dns */
    {"Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found, try again", PN_QC_DNS},
    {"Host or domain name not found. Name service error for name=mx.example.com type=A: Host not found", PN_QC_DNS},
    {"delivery temporarily suspended: Host or domain name not found. Name service error for name=example.org type=AAAA: Host not found, try again", PN_QC_DNS},
    {"Name service error for name=example.com type=MX: Malformed or unexpected name server reply", PN_QC_DNS},
    {"unable to look up host mx.example.com: Name or service not known", PN_QC_DNS},
    {"unable to look up host mx.example.com: Temporary failure in name resolution", PN_QC_DNS},
    /* tls */
    {"TLS is required, but was not offered by host mx.example.com[192.0.2.10]", PN_QC_TLS},
    {"TLS is required, but host mx.example.com[192.0.2.10] refused to start TLS: 454 4.7.0 TLS not available due to local problem", PN_QC_TLS},
    {"Cannot start TLS: handshake failure", PN_QC_TLS},
    {"delivery temporarily suspended: Cannot start TLS: handshake failure", PN_QC_TLS},
    {"Server certificate not verified", PN_QC_TLS},
    {"certificate verification failed for mx.example.com[192.0.2.10]:25: untrusted issuer /C=US/O=Example/CN=Example CA", PN_QC_TLS},
    {"TLSA lookup error for mx.example.com:25", PN_QC_TLS},
    {"host mx.example.com[192.0.2.10] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)", PN_QC_TLS},
    /* greylist and rate limits */
    {"host mx.example.com[192.0.2.10] said: 450 4.7.1 <a@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (in reply to RCPT TO command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] said: 451 4.7.1 Please try again later (in reply to RCPT TO command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] said: 451 4.7.1 Try again later (in reply to end of DATA command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] refused to talk to me: 421 4.7.0 mx.example.com Error: too many connections from 198.51.100.7", PN_QC_GREYLIST},
    {"host gmail-smtp-in.l.google.com[142.250.1.26] said: 421-4.7.28 Our system has detected an unusual rate of unsolicited mail (in reply to end of DATA command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] said: 450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered (in reply to end of DATA command)", PN_QC_GREYLIST},
    {"host mta7.am0.yahoodns.net[67.195.204.72] said: 421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] said: 451 4.7.650 The mail server [198.51.100.7] has been temporarily rate limited due to IP reputation (in reply to MAIL FROM command)", PN_QC_GREYLIST},
    {"host mx.example.com[192.0.2.10] said: 450 4.7.1 Ratelimit exceeded for sender (in reply to RCPT TO command)", PN_QC_GREYLIST},
    /* other remote 4xx */
    {"host mx.example.com[192.0.2.10] said: 452 4.3.1 Insufficient system storage (in reply to MAIL FROM command)", PN_QC_REMOTE_4XX},
    {"host mx.example.com[192.0.2.10] said: 451 4.3.0 Error: queue file write error (in reply to end of DATA command)", PN_QC_REMOTE_4XX},
    {"host mx.example.com[192.0.2.10] said: 450 4.1.1 <x@example.com>: Recipient address rejected: unverified address: connect to 10.1.1.1[10.1.1.1]:25: Connection refused (in reply to RCPT TO command)", PN_QC_REMOTE_4XX},
    {"host mail.example.com[private/dovecot-lmtp] said: 452 4.2.2 <u@example.com> Mailbox is full (in reply to end of DATA command)", PN_QC_REMOTE_4XX},
    {"host mx.example.com[192.0.2.10] refused to talk to me: 554 5.7.1 Service unavailable; Client host blocked", PN_QC_REMOTE_4XX},
    {"host timed-out.example.com[192.0.2.10] said: 451 4.4.2 Timeout waiting for data (in reply to end of DATA command)", PN_QC_REMOTE_4XX},
    /* local */
    {"mail transport unavailable", PN_QC_LOCAL},
    {"delivery temporarily suspended: mail transport unavailable", PN_QC_LOCAL},
    {"4.3.0 <u@example.com>: Temporary lookup failure", PN_QC_LOCAL},
    {"mail for example.com loops back to myself", PN_QC_LOCAL},
    {"unknown mail transport error", PN_QC_LOCAL},
    {"local configuration error", PN_QC_LOCAL},
    {"lookup table hash:/etc/postfix/transport is unavailable", PN_QC_LOCAL},
    {"connect to transport private/dovecot: No such file or directory", PN_QC_LOCAL},
    {"Command died with status 75: \"/usr/lib/dovecot/deliver\"", PN_QC_LOCAL},
    /* other */
    {"delivery temporarily suspended: ", PN_QC_OTHER},
    {"something Postfix has not said before", PN_QC_OTHER},
};

static void test_classifier(void **state)
{
    (void)state;
    assert_true(sizeof(reason_cases) / sizeof(reason_cases[0]) >= 30);
    for (size_t i = 0; i < sizeof(reason_cases) / sizeof(reason_cases[0]); i++) {
        pn_qclass got = pn_qclass_of_reason(reason_cases[i].reason);
        if (got != reason_cases[i].cls)
            fail_msg("case %zu '%s': got %s, want %s", i,
                     reason_cases[i].reason ? reason_cases[i].reason : "(null)",
                     pn_qclass_str(got), pn_qclass_str(reason_cases[i].cls));
    }
}

/* ---- Time values and lifetimes ------------------------------------------- */

static void test_postfix_time(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        char unit;
        int64_t want;
    } cases[] = {
        {"5d", 'd', 432000}, {"5", 'd', 432000},  {"0", 'd', 0},       {"3600s", 'd', 3600},
        {"30m", 'd', 1800},  {"2h", 's', 7200},   {"1w", 'd', 604800}, {"10", 's', 10},
        {"10", 'm', 600},    {"10", 'h', 36000},  {"1", 'w', 604800},  {"007", 'd', 604800},
        {"", 'd', -1},       {"d", 'd', -1},      {"5x", 'd', -1},     {"5dd", 'd', -1},
        {"-1", 'd', -1},     {" 5d", 'd', -1},    {"5d ", 'd', -1},    {"5D", 'd', -1},
        {"1.5d", 'd', -1},   {"5", 'x', -1},      {"99999999999999999999", 's', -1},
        {"9223372036854775807", 's', INT64_MAX},  {"9223372036854775807", 'm', -1},
        {"15250284452471w", 'd', 15250284452471LL * 604800}, {"15250284452472w", 'd', -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = pn_postfix_time(cases[i].v, cases[i].unit);
        if (got != cases[i].want)
            fail_msg("'%s' unit %c: got %lld want %lld", cases[i].v, cases[i].unit,
                     (long long)got, (long long)cases[i].want);
    }
    assert_int_equal(pn_postfix_time(NULL, 'd'), -1);
}

static void test_time_left(void **state)
{
    (void)state;
    pn_qlimits lim = {5 * 86400, 1 * 86400};
    pn_qentry e;
    memset(&e, 0, sizeof(e));
    e.arrival = 1000000;
    e.sender = (char *)"user@example.com";
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000), 5 * 86400);
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000 + 86400), 4 * 86400);
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000 + 6 * 86400), -86400);
    e.sender = (char *)"";   /* bounce: bounce_queue_lifetime */
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000 + 3600), 86400 - 3600);
    e.sender = (char *)"MAILER-DAEMON";
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000), 86400);
    e.forced_expire = true;
    assert_int_equal(pn_qentry_time_left(&e, &lim, 1000000), 0);
    e.forced_expire = false;
    e.sender = (char *)"user@example.com";
    assert_int_equal(pn_qentry_time_left(&e, NULL, 1000000), 5 * 86400);   /* defaults */
}

/* ---- Sorting ------------------------------------------------------------- */

typedef struct srow {
    const char *qid;
    int64_t arrival, size;
    const char *sender;
    const char *rcpt;     /* NULL: no recipients */
    const char *reason;
    pn_qname queue;
} srow;

static const srow sort_rows[] = {
    {"AAAAAA0001", 300, 100, "bob@x", "zed@a", "connect to x[1.1.1.1]:25: Connection refused", PN_QN_DEFERRED},
    {"AAAAAA0002", 100, 500, "Alice@x", "amy@b", NULL, PN_QN_ACTIVE},
    {"AAAAAA0003", 200, 100, "", NULL, NULL, PN_QN_HOLD},
    {"AAAAAA0004", 100, 900, "alice@x", "Bob@c", "Host or domain name not found. Name service error", PN_QN_DEFERRED},
    {"AAAAAA0005", 400, 100, "carol@x", "amy@b", "connect to x[1.1.1.1]:25: Connection timed out", PN_QN_MAILDROP},
};
#define NROWS (sizeof(sort_rows) / sizeof(sort_rows[0]))

static void make_list(pn_qlist *l)
{
    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < NROWS; i++) {
        const srow *r = &sort_rows[i];
        pn_qentry e;
        memset(&e, 0, sizeof(e));
        e.qid = (char *)r->qid;
        e.arrival = r->arrival;
        e.size = r->size;
        e.sender = (char *)r->sender;
        e.queue = r->queue;
        e.queue_raw = (char *)pn_qname_str(r->queue);
        pn_qrcpt rc = {(char *)r->rcpt, (char *)r->reason, pn_qclass_of_reason(r->reason)};
        if (r->rcpt) {
            e.rcpts = &rc;
            e.n_rcpts = 1;
        }
        e.cls = r->queue == PN_QN_HOLD ? PN_QC_HOLD : rc.cls;
        pn_qlist_push(l, &e);
    }
}

/* The order as the last digit of each ID, e.g. "24135". */
static void expect_order(pn_qsort key, bool reverse, const pn_qlimits *lim, const char *want)
{
    pn_qlist l;
    make_list(&l);
    pn_qlist_sort(&l, key, reverse, lim, 1000);
    char got[NROWS + 1];
    for (size_t i = 0; i < l.n; i++)
        got[i] = l.items[i].qid[9];
    got[l.n] = '\0';
    if (strcmp(got, want) != 0)
        fail_msg("sort %d reverse %d: got %s want %s", (int)key, reverse, got, want);
    pn_qlist_free(&l);
}

static void test_sort(void **state)
{
    (void)state;
    static const char *const names[] = {"none", "age", "size", "sender", "rcpt", "reason",
                                        "queue", "id", "class", "time-left"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        pn_qsort k;
        assert_true(pn_qsort_parse(names[i], &k));
        assert_int_equal(k, (pn_qsort)i);
    }
    assert_false(pn_qsort_parse("Age", NULL));
    assert_false(pn_qsort_parse("time_left", NULL));

    expect_order(PN_QS_NONE, false, NULL, "12345");
    expect_order(PN_QS_NONE, true, NULL, "54321");
    /* age: oldest first; 2 and 4 tie and keep their order (stable) */
    expect_order(PN_QS_AGE, false, NULL, "24315");
    expect_order(PN_QS_AGE, true, NULL, "51324");
    /* size: biggest first; 1 3 5 tie */
    expect_order(PN_QS_SIZE, false, NULL, "42135");
    expect_order(PN_QS_SIZE, true, NULL, "13524");
    /* sender: case-insensitive, "" first; Alice/alice tie */
    expect_order(PN_QS_SENDER, false, NULL, "32415");
    expect_order(PN_QS_SENDER, true, NULL, "51243");
    /* rcpt: amy amy Bob zed, no recipient last in both directions */
    expect_order(PN_QS_RCPT, false, NULL, "25413");
    expect_order(PN_QS_RCPT, true, NULL, "14253");
    /* reason: connect..refused, connect..timed out, Host...; missing last */
    expect_order(PN_QS_REASON, false, NULL, "15423");
    expect_order(PN_QS_REASON, true, NULL, "45123");
    /* queue: maildrop active deferred(1,4) hold */
    expect_order(PN_QS_QUEUE, false, NULL, "52143");
    expect_order(PN_QS_ID, true, NULL, "54321");
    /* class: none(2) refused(1) timeout(5) dns(4) hold(3) */
    expect_order(PN_QS_CLASS, false, NULL, "21543");
    /* time-left: arrival + 5d, the bounce (3) with a 1 h bounce lifetime first */
    pn_qlimits lim = {5 * 86400, 3600};
    expect_order(PN_QS_TIME_LEFT, false, &lim, "32415");
    expect_order(PN_QS_TIME_LEFT, true, &lim, "51243");
}

static void test_sort_stability_large(void **state)
{
    (void)state;
    pn_qlist l;
    memset(&l, 0, sizeof(l));
    char qid[16];
    for (int i = 0; i < 5000; i++) {
        pn_qentry e;
        memset(&e, 0, sizeof(e));
        snprintf(qid, sizeof(qid), "B%09d", i);
        e.qid = qid;
        e.sender = (char *)"s@x";
        e.arrival = (i * 7919) % 13;   /* many ties */
        e.size = i;
        pn_qlist_push(&l, &e);
    }
    pn_qlist_sort(&l, PN_QS_AGE, false, NULL, 0);
    for (size_t i = 1; i < l.n; i++) {
        const pn_qentry *a = &l.items[i - 1], *b = &l.items[i];
        assert_true(a->arrival <= b->arrival);
        if (a->arrival == b->arrival)
            assert_true(a->size < b->size);   /* original order kept */
    }
    pn_qlist_sort(&l, PN_QS_AGE, true, NULL, 0);
    for (size_t i = 1; i < l.n; i++) {
        const pn_qentry *a = &l.items[i - 1], *b = &l.items[i];
        assert_true(a->arrival >= b->arrival);
        if (a->arrival == b->arrival)
            assert_true(a->size < b->size);
    }
    pn_qlist_free(&l);
}

/* ---- Line splitter ------------------------------------------------------- */

typedef struct collected {
    pn_str ids;        /* "ID ID ID " */
    size_t calls;
    size_t stop_after; /* 0: never stop */
} collected;

static bool collect(void *ctx, const pn_qentry *e)
{
    collected *c = ctx;
    pn_str_appendf(&c->ids, "%s ", e->qid);
    c->calls++;
    return !(c->stop_after && c->calls >= c->stop_after);
}

static void build_stream(pn_str *s, int n)
{
    for (int i = 0; i < n; i++) {
        pn_str_appendf(s, "{\"queue_name\": \"deferred\", \"queue_id\": \"C%09X\", "
                          "\"arrival_time\": %d, \"message_size\": %d, \"forced_expire\": false, "
                          "\"sender\": \"u%d@lab.example\", \"recipients\": [{\"address\": "
                          "\"r%d@remote.example\", \"delay_reason\": \"connect to "
                          "127.0.0.1[127.0.0.1]:1: Connection refused\"}]}\n",
                       i, 1795300000 + i, 300 + i, i, i);
        if (i % 10 == 3)   /* Postfix listed it again */
            pn_str_appendf(s, "{\"queue_name\": \"active\", \"queue_id\": \"C%09X\", "
                              "\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"\", "
                              "\"recipients\": []}\n", i);
        if (i % 17 == 5)
            pn_str_append(s, "{\"queue_name\": \"deferred\", \"queue_id\": \"xyz/../../etc\"}\n");
        if (i % 23 == 7)
            pn_str_append(s, "\n");   /* blank lines are ignored */
    }
    /* a last line without '\n' */
    pn_str_append(s, "{\"queue_name\": \"hold\", \"queue_id\": \"DDDDDD0001\", \"arrival_time\": 1, "
                     "\"message_size\": 1, \"sender\": \"\", \"recipients\": []}");
}

static void run_split(const pn_str *s, size_t (*next_size)(size_t pos, unsigned *seed),
                      unsigned seed, collected *c, pn_qscan_stats *st)
{
    pn_qlines p;
    memset(st, 0, sizeof(*st));
    pn_qlines_init(&p, 0, collect, c, st);
    size_t pos = 0;
    bool go = true;
    while (pos < s->len && go) {
        size_t n = next_size(pos, &seed);
        if (n > s->len - pos)
            n = s->len - pos;
        char *chunk = pn_malloc(n ? n : 1);   /* exact-size copy: ASan sees overreads */
        memcpy(chunk, s->s + pos, n);
        go = pn_qlines_feed(&p, chunk, n);
        free(chunk);
        pos += n;
    }
    if (go)
        pn_qlines_finish(&p);
    pn_qlines_free(&p);
}

static size_t size_all(size_t pos, unsigned *seed) { (void)pos; (void)seed; return SIZE_MAX; }
static size_t size_one(size_t pos, unsigned *seed) { (void)pos; (void)seed; return 1; }
static size_t size_4k(size_t pos, unsigned *seed) { (void)pos; (void)seed; return 4096; }
static size_t size_rand(size_t pos, unsigned *seed)
{
    (void)pos;
    *seed = *seed * 1103515245u + 12345u;
    unsigned r = (*seed >> 16) & 0x7fff;
    return (r % 7 == 0) ? 0 : 1 + r % 700;
}

static void test_line_splitter(void **state)
{
    (void)state;
    pn_str s = PN_STR_INIT;
    const int n = 300;
    build_stream(&s, n);

    collected ref = {PN_STR_INIT, 0, 0};
    pn_qscan_stats rst;
    run_split(&s, size_all, 0, &ref, &rst);
    assert_int_equal(rst.entries, n + 1);
    assert_int_equal(ref.calls, n + 1);
    assert_int_equal(rst.duplicates, 30);    /* i % 10 == 3 */
    size_t bad = 0;
    for (int i = 0; i < n; i++)
        bad += i % 17 == 5;
    assert_int_equal(rst.bad_lines, bad);
    assert_non_null(strstr(ref.ids.s, "C000000003 C000000004 "));
    assert_non_null(strstr(ref.ids.s, " DDDDDD0001 "));

    size_t (*sizes[])(size_t, unsigned *) = {size_one, size_4k, size_rand, size_rand, size_rand};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        collected c = {PN_STR_INIT, 0, 0};
        pn_qscan_stats st;
        run_split(&s, sizes[k], (unsigned)(k * 7919 + 1), &c, &st);
        assert_string_equal(c.ids.s, ref.ids.s);
        assert_int_equal(st.entries, rst.entries);
        assert_int_equal(st.duplicates, rst.duplicates);
        assert_int_equal(st.bad_lines, rst.bad_lines);
        pn_str_free(&c.ids);
    }

    /* The callback stops the scan: nothing more is delivered. */
    collected c = {PN_STR_INIT, 0, 10};
    pn_qscan_stats st;
    run_split(&s, size_rand, 42, &c, &st);
    assert_int_equal(c.calls, 10);
    assert_int_equal(st.entries, 10);
    pn_str_free(&c.ids);

    pn_str_free(&ref.ids);
    pn_str_free(&s);
}

static void test_line_splitter_overlong(void **state)
{
    (void)state;
    const char *good = "{\"queue_name\": \"deferred\", \"queue_id\": \"EEEEEE0001\", "
                       "\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"\", "
                       "\"recipients\": []}\n";
    pn_str s = PN_STR_INIT;
    pn_str_append(&s, good);
    for (int i = 0; i < 1000; i++)
        pn_str_append(&s, "xxxxxxxxxx");   /* 10,000-byte line */
    pn_str_append(&s, "\n");
    pn_str_append(&s, good);               /* duplicate */
    pn_str_append(&s, "{\"queue_name\": \"deferred\", \"queue_id\": \"EEEEEE0002\", "
                      "\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"\", "
                      "\"recipients\": []}\n");
    for (int i = 0; i < 500; i++)          /* overlong last line without '\n' */
        pn_str_append(&s, "yyyyyyyyyy");

    size_t chunks[] = {1, 3, 333, 5000, s.len};
    for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        collected c = {PN_STR_INIT, 0, 0};
        pn_qscan_stats st;
        memset(&st, 0, sizeof(st));
        pn_qlines p;
        pn_qlines_init(&p, 1024, collect, &c, &st);
        for (size_t pos = 0; pos < s.len; pos += chunks[k]) {
            size_t n = s.len - pos < chunks[k] ? s.len - pos : chunks[k];
            pn_qlines_feed(&p, s.s + pos, n);
        }
        pn_qlines_finish(&p);
        pn_qlines_free(&p);
        assert_string_equal(c.ids.s, "EEEEEE0001 EEEEEE0002 ");
        assert_int_equal(st.entries, 2);
        assert_int_equal(st.duplicates, 1);
        assert_int_equal(st.bad_lines, 2);
        pn_str_free(&c.ids);
    }
    pn_str_free(&s);
}

static void test_qidset_and_big_list(void **state)
{
    (void)state;
    pn_qidset set;
    memset(&set, 0, sizeof(set));
    char id[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof(id), "F%010X", i);
        assert_true(pn_qidset_add(&set, id));
    }
    assert_int_equal(set.n, 100000);
    for (int i = 0; i < 100000; i += 997) {
        snprintf(id, sizeof(id), "F%010X", i);
        assert_true(pn_qidset_has(&set, id));
        assert_false(pn_qidset_add(&set, id));
    }
    assert_false(pn_qidset_has(&set, "NOPE"));
    pn_qidset_free(&set);

    /* 100,000 entries in a list, parsed from real-looking lines. */
    pn_qlist l;
    memset(&l, 0, sizeof(l));
    pn_str line = PN_STR_INIT;
    for (int i = 0; i < 100000; i++) {
        pn_str_reset(&line);
        pn_str_appendf(&line, "{\"queue_name\": \"deferred\", \"queue_id\": \"F%010X\", "
                              "\"arrival_time\": %d, \"message_size\": 422, \"forced_expire\": false, "
                              "\"sender\": \"user%d@lab.example\", \"recipients\": [{\"address\": "
                              "\"rcpt%d@remote%d.example\", \"delay_reason\": \"connect to "
                              "127.0.0.1[127.0.0.1]:1: Connection refused\"}]}",
                       i, 1795300000 + i, i % 50, i, i % 20);
        pn_qentry e;
        assert_true(pn_qentry_parse_json(line.s, line.len, &e, NULL));
        pn_qlist_push(&l, &e);
        pn_qentry_free(&e);
    }
    assert_int_equal(l.n, 100000);
    pn_qlist_sort(&l, PN_QS_RCPT, false, NULL, 0);
    assert_string_equal(l.items[0].rcpts[0].address, "rcpt0@remote0.example");
    pn_str_free(&line);
    pn_qlist_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_deferred),
        cmocka_unit_test(test_parse_hold_active_forced),
        cmocka_unit_test(test_parse_multi_and_null_sender),
        cmocka_unit_test(test_parse_escapes_utf8),
        cmocka_unit_test(test_parse_unknown_and_missing_optional),
        cmocka_unit_test(test_parse_long_line),
        cmocka_unit_test(test_parse_rejections),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_classifier),
        cmocka_unit_test(test_postfix_time),
        cmocka_unit_test(test_time_left),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_sort_stability_large),
        cmocka_unit_test(test_line_splitter),
        cmocka_unit_test(test_line_splitter_overlong),
        cmocka_unit_test(test_qidset_and_big_list),
    };
    return cmocka_run_group_tests_name("queue_entry", tests, NULL, NULL);
}
