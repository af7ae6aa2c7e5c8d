/* test_maillog_parse.c - unit tests of the mail log line parser: every
 * timestamp format, program names, queue IDs, each line kind with its
 * fields (lines recorded from the lab or quoted in the log-trace anchors),
 * and hostile input (huge lines, binary, invalid UTF-8, NUL bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maillog.h"

/* 2026-11-18 00:00:00 UTC */
#define MTIME_NOV_2026 1795046400LL

static pn_logline L;

static bool parse(pn_logparse_ctx *pc, const char *s)
{
    return pn_logline_parse(pc, s, strlen(s), &L);
}

static void assert_span(pn_span s, const char *want)
{
    char *got = strndup(s.p, s.n);
    assert_string_equal(got, want);
    free(got);
}

static int64_t utc_us(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000000;
}

static int setup_utc(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static void test_bsd_space_padded_day(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_true(parse(&pc, "Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: connect from "
                           "some.domain.name[1.2.3.4]"));
    assert_int_equal(L.ts_us, utc_us(2026, 6, 3, 10, 40, 57));
    assert_true(L.year_guessed);
    assert_span(L.host, "mail");
    assert_span(L.program, "postfix/submission/smtpd");
    assert_span(L.instance, "postfix");
    assert_span(L.daemon, "smtpd");
    assert_int_equal(L.pid, 9708);
    assert_int_equal(L.kind, PN_LK_CONNECT);
    assert_span(L.client_name, "some.domain.name");
    assert_span(L.client_ip, "1.2.3.4");
    assert_span(L.text, "connect from some.domain.name[1.2.3.4]");
}

static void test_postlogd_zero_padded_day(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_true(parse(&pc, "Jun 03 10:40:57 smtp-relay postfix/master[1]: daemon started -- "
                           "version 3.8.9, configuration /etc/postfix"));
    assert_int_equal(L.ts_us, utc_us(2026, 6, 3, 10, 40, 57));
    assert_span(L.host, "smtp-relay");
    assert_span(L.daemon, "master");
    assert_int_equal(L.kind, PN_LK_OTHER);
    assert_int_equal(L.qid.n, 0);
}

static void test_rfc3339_fractions_and_offsets(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_true(parse(&pc, "2022-01-08T19:42:12.572958+00:00 mail postfix/submission/smtpd[19191]: "
                           "connect from client.example.com[1.2.3.4]"));
    assert_int_equal(L.ts_us, utc_us(2022, 1, 8, 19, 42, 12) + 572958);
    assert_false(L.year_guessed);
    assert_int_equal(L.kind, PN_LK_CONNECT);
    assert_true(parse(&pc, "2020-01-30T06:26:05.404714+09:00 mail postfix/smtpd[1830]: C6E0DDB74006: "
                           "client=example.com[127.0.0.1]"));
    assert_int_equal(L.ts_us, utc_us(2020, 1, 29, 21, 26, 5) + 404714);
    assert_span(L.qid, "C6E0DDB74006");
    assert_int_equal(L.kind, PN_LK_CLIENT);
    assert_true(parse(&pc, "2024-05-01T10:00:00.5Z host postfix/qmgr[2]: ABCDEF123: removed"));
    assert_int_equal(L.ts_us, utc_us(2024, 5, 1, 10, 0, 0) + 500000);
    assert_int_equal(L.kind, PN_LK_REMOVED);
    assert_true(parse(&pc, "2024-05-01T12:00:00.123+02:00 host postfix/qmgr[2]: ABCDEF123: removed"));
    assert_int_equal(L.ts_us, utc_us(2024, 5, 1, 10, 0, 0) + 123000);
    /* journalctl -o short-iso, old style offset */
    assert_true(parse(&pc, "2023-09-08T17:20:30+0200 host postfix/smtpd[5]: disconnect from "
                           "x[10.0.0.1] ehlo=1 quit=1 commands=2"));
    assert_int_equal(L.ts_us, utc_us(2023, 9, 8, 15, 20, 30));
    assert_int_equal(L.kind, PN_LK_DISCONNECT);
    assert_span(L.client_ip, "10.0.0.1");
    assert_true(parse(&pc, "2023-09-08T17:20:30-0130 host postfix/smtpd[5]: x"));
    assert_int_equal(L.ts_us, utc_us(2023, 9, 8, 18, 50, 30));
}

static void test_priority_and_facility_variants(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_true(parse(&pc, "<22>Mar  9 12:53:44 pro-mailer01-v postfix-In/smtpd[24583]: connect from "
                           "a[1.1.1.1]"));
    assert_span(L.host, "pro-mailer01-v");
    assert_span(L.instance, "postfix-In");
    assert_int_equal(L.pid, 24583);
    assert_true(parse(&pc, "Jul  1 20:08:06 <mail.info> host postfix/qmgr[7]: 0F5383D: removed"));
    assert_span(L.host, "host");
    assert_span(L.qid, "0F5383D");
    assert_int_equal(L.kind, PN_LK_REMOVED);
    assert_true(parse(&pc, "Jul  1 20:08:06 host postfix/cleanup[1419]: [ID 197553 mail.info] "
                           "670FCA58C8: message-id=<a@b>"));
    assert_span(L.qid, "670FCA58C8");
    assert_int_equal(L.kind, PN_LK_MESSAGE_ID);
    assert_span(L.message_id, "<a@b>");
}

static void test_year_inference(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);   /* written in Nov 2026 */
    assert_true(parse(&pc, "Dec 30 23:59:59 h postfix/qmgr[1]: x"));   /* Dec is after Nov: 2025 */
    assert_int_equal(L.ts_us, utc_us(2025, 12, 30, 23, 59, 59));
    assert_true(parse(&pc, "Dec 31 00:00:00 h postfix/qmgr[1]: x"));
    assert_int_equal(L.ts_us, utc_us(2025, 12, 31, 0, 0, 0));
    assert_true(parse(&pc, "Jan  1 00:00:01 h postfix/qmgr[1]: x"));   /* Dec -> Jan */
    assert_int_equal(L.ts_us, utc_us(2026, 1, 1, 0, 0, 1));
    assert_true(parse(&pc, "Dec 31 23:59:59 h postfix/qmgr[1]: late line"));  /* out of order */
    assert_int_equal(L.ts_us, utc_us(2025, 12, 31, 23, 59, 59));
    assert_true(parse(&pc, "Feb  1 00:00:00 h postfix/qmgr[1]: x"));
    assert_int_equal(L.ts_us, utc_us(2026, 2, 1, 0, 0, 0));
    assert_true(parse(&pc, "Jan 31 23:59:59 h postfix/qmgr[1]: x"));   /* small step back */
    assert_int_equal(L.ts_us, utc_us(2026, 1, 31, 23, 59, 59));
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_true(parse(&pc, "Nov 17 10:00:00 h postfix/qmgr[1]: x"));
    assert_int_equal(L.ts_us, utc_us(2026, 11, 17, 10, 0, 0));
    assert_true(parse(NULL, "Nov 17 10:00:00 h postfix/qmgr[1]: x"));   /* no context */
    assert_true(L.ts_us > 0);
}

static void test_program_names(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Sep 16 00:07:43 smtpnode07 postfix-10.20.30.40/smtp[3022]: 0C31D3D1E6: "
                            "to=<a@b.c>, relay=x[1.2.3.4]:25, delay=1, delays=0.1/0/0.5/0.4, "
                            "dsn=2.0.0, status=sent (250 ok)"));
    assert_span(L.instance, "postfix-10.20.30.40");
    assert_span(L.daemon, "smtp");
    assert_true(parse(NULL, "Jun  3 10:40:57 mail postfix/sender-cleanup/cleanup[9709]: A48191855DA0: "
                            "message-id=<20200603104059.A48191855DA0@mail.sender.com>"));
    assert_span(L.instance, "postfix");
    assert_span(L.daemon, "cleanup");
    assert_int_equal(L.kind, PN_LK_MESSAGE_ID);
    assert_true(parse(NULL, "Jun  3 10:40:57 mail /postfix-script[115413]: starting the Postfix mail "
                            "system"));
    assert_span(L.instance, "");
    assert_span(L.daemon, "postfix-script");
    assert_int_equal(L.pid, 115413);
    assert_true(parse(NULL, "Nov 22 01:44:13 mail dovecot: lmtp(2619): Info: Connect from 127.0.0.1"));
    assert_span(L.program, "dovecot");
    assert_int_equal(L.pid, -1);
    assert_int_equal(L.kind, PN_LK_OTHER);
    /* postlogd to stdout writes this before any timestamp */
    assert_true(parse(NULL, "postfix/postlog: starting the Postfix mail system"));
    assert_span(L.program, "postfix/postlog");
    assert_int_equal(L.ts_us, 0);
}

static void test_queue_ids(void **state)
{
    (void)state;
    assert_true(pn_log_is_qid("0F5383D", 7));
    assert_true(pn_log_is_qid("ED06590130AA1C9D6D862", 21));
    assert_true(pn_log_is_qid("3Pt2mN2VXxznjll", 15));
    assert_true(pn_log_is_qid("48rT2v1hQrz1J0N", 15));
    assert_true(pn_log_is_qid("4XXx1q5ghSz7JTb5", 16));
    assert_false(pn_log_is_qid("NOQUEUE", 7));
    assert_false(pn_log_is_qid("ABC12", 5));
    assert_false(pn_log_is_qid("warning", 7));
    assert_false(pn_log_is_qid("statistics", 10));
    assert_true(pn_log_is_qid("3Pt2mN2VXxnjll", 14));    /* long form without its z (generators) */
    assert_false(pn_log_is_qid("Connection", 10));      /* words have vowels */
    assert_false(pn_log_is_qid("abcdef", 6));            /* hex is upper case */
    assert_true(parse(NULL, "Jun  3 10:40:57 mail postfix/cleanup[1]: 48rT2v1hQrz1J0N: prepend: "
                            "header Received: from x"));
    assert_span(L.qid, "48rT2v1hQrz1J0N");
}

static void test_noqueue_reject(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:17 mail postfix/submission/smtpd[2717]: NOQUEUE: reject: "
                            "RCPT from localhost[127.0.0.1]: 554 5.7.1 <victim@remote.example>: Relay "
                            "access denied; from=<outsider@evil.example> to=<victim@remote.example> "
                            "proto=ESMTP helo=<client.lab.example>"));
    assert_int_equal(L.kind, PN_LK_REJECT);
    assert_int_equal(L.qid.n, 0);
    assert_span(L.client_name, "localhost");
    assert_span(L.client_ip, "127.0.0.1");
    assert_span(L.from, "outsider@evil.example");
    assert_span(L.to, "victim@remote.example");
    assert_span(L.reply, "554 5.7.1 <victim@remote.example>: Relay access denied");
    assert_span(L.action, "reject");
}

static void test_warning_with_qid(void **state)
{
    (void)state;
    assert_true(parse(NULL, "May  1 10:00:00 h postfix/cleanup[9]: warning: 9BECF3F19D: "
                            "sender_canonical_maps map lookup problem for a@b"));
    assert_int_equal(L.kind, PN_LK_WARNING);
    assert_span(L.qid, "9BECF3F19D");
    assert_true(parse(NULL, "May  1 10:00:00 h postfix/cleanup[9]: warning: 4T8Zh133D8zGpCM: "
                            "milter x: bad"));
    assert_span(L.qid, "4T8Zh133D8zGpCM");
    assert_true(parse(NULL, "Nov 22 01:44:17 mail postfix/submission/smtpd[2717]: warning: "
                            "localhost[127.0.0.1]: SASL PLAIN authentication failed: x"));
    assert_int_equal(L.kind, PN_LK_WARNING);
    assert_int_equal(L.qid.n, 0);
}

static void test_client_pickup_message_id(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:15 mail postfix/submission/smtpd[2717]: 49EFEA7A323: "
                            "client=localhost[127.0.0.1], sasl_method=PLAIN, "
                            "sasl_username=alice@lab.example"));
    assert_int_equal(L.kind, PN_LK_CLIENT);
    assert_span(L.client_name, "localhost");
    assert_span(L.client_ip, "127.0.0.1");
    assert_span(L.sasl_username, "alice@lab.example");
    assert_true(parse(NULL, "Jan  5 10:00:00 mail postfix/amavisd/smtpd[115286]: 33DE0DC24C3: "
                            "client=localhost[127.0.0.1], orig_queue_id=E8759DC24C3, "
                            "orig_client=x.example[192.0.2.1]"));
    assert_span(L.orig_queue_id, "E8759DC24C3");
    assert_true(parse(NULL, "Nov 22 01:44:28 mail postfix/pickup[3514]: A41C9A7A616: uid=0 "
                            "from=<qb-3535-del@lab.example> orig_id=0796BA7A319"));
    assert_int_equal(L.kind, PN_LK_PICKUP);
    assert_span(L.from, "qb-3535-del@lab.example");
    assert_span(L.orig_id, "0796BA7A319");
    assert_true(parse(NULL, "Nov 22 01:44:14 mail postfix/cleanup[2614]: BBEAAA7A309: "
                            "message-id=<seed-hold-1@lab.example>"));
    assert_int_equal(L.kind, PN_LK_MESSAGE_ID);
    assert_span(L.message_id, "<seed-hold-1@lab.example>");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/cleanup[1]: 0F5383D: message-id=<>"));
    assert_span(L.message_id, "<>");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/cleanup[1]: 0F5383D: resent-message-id=<r@x>"));
    assert_int_equal(L.kind, PN_LK_MESSAGE_ID);
    assert_span(L.message_id, "<r@x>");
}

static void test_qmgr_lines(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:13 mail postfix/qmgr[2406]: 5D280A7A268: "
                            "from=<newsletter@shop.example>, size=460, nrcpt=1 (queue active)"));
    assert_int_equal(L.kind, PN_LK_QMGR_FROM);
    assert_span(L.from, "newsletter@shop.example");
    assert_span(L.size, "460");
    assert_span(L.nrcpt, "1");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/qmgr[1]: 0F5383D: from=<>, size=3, nrcpt=1 "
                            "(queue active)"));
    assert_span(L.from, "");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/qmgr[1]: 0F5383D: from=<a@b>, status=expired, "
                            "returned to sender"));
    assert_int_equal(L.kind, PN_LK_EXPIRED);
    assert_span(L.status, "expired");
    assert_span(L.from, "a@b");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/qmgr[1]: 0F5383D: removed"));
    assert_int_equal(L.kind, PN_LK_REMOVED);
}

static void test_delivery_lines(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:14 mail postfix/smtp[2643]: E5062A7A268: "
                            "to=<partner@remote.example>, relay=127.0.0.1[127.0.0.1]:3526, delay=0.08, "
                            "delays=0.05/0.01/0.01/0.02, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued "
                            "as 02427A7A2DB)"));
    assert_int_equal(L.kind, PN_LK_DELIVERY);
    assert_span(L.to, "partner@remote.example");
    assert_span(L.relay, "127.0.0.1[127.0.0.1]:3526");
    assert_span(L.delay, "0.08");
    assert_span(L.delays, "0.05/0.01/0.01/0.02");
    assert_span(L.dsn, "2.0.0");
    assert_span(L.status, "sent");
    assert_span(L.reply, "250 2.0.0 Ok: queued as 02427A7A2DB");
    assert_span(L.queued_as, "02427A7A2DB");
    assert_true(parse(NULL, "Nov 22 01:44:13 mail postfix/lmtp[2615]: BB2AAA7A268: "
                            "to=<carol@lab.example>, orig_to=<sales@corp.example>, "
                            "relay=127.0.0.1[127.0.0.1]:3540, delay=0.05, delays=0.05/0/0/0, "
                            "dsn=2.0.0, status=sent (250 2.0.0 <carol@lab.example> "
                            "uHSEMO1IAms7CgAAg+zDdQ:R2 Saved)"));
    assert_span(L.orig_to, "sales@corp.example");
    assert_span(L.lmtp_session, "uHSEMO1IAms7CgAAg+zDdQ:R2");
    assert_int_equal(L.queued_as.n, 0);
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/local[1]: 0F5383D: to=<a@h>, relay=local, "
                            "delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (forwarded as "
                            "1A2B3C4D5E)"));
    assert_span(L.forwarded_as, "1A2B3C4D5E");
    assert_span(L.relay, "local");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/smtp[1]: 0F5383D: to=<a@h>, relay=none, "
                            "delay=100, delays=100/0/0/0, dsn=4.4.1, status=deferred (connect to "
                            "mx.h[192.0.2.1]:25: Connection refused)"));
    assert_span(L.status, "deferred");
    assert_span(L.reply, "connect to mx.h[192.0.2.1]:25: Connection refused");
    /* BDAT form of the reply */
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/smtp[1]: 0F5383D: to=<a@h>, relay=x[1.1.1.1]:25, "
                            "delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: 1234 bytes "
                            "queued as 3Pt2mN2VXxznjll)"));
    assert_span(L.queued_as, "3Pt2mN2VXxznjll");
}

static void test_bounce_postsuper_milter_hold(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:15 mail postfix/bounce[2699]: E6D7EA7A315: sender "
                            "non-delivery notification: 00CEFA7A31A"));
    assert_int_equal(L.kind, PN_LK_NOTIFICATION);
    assert_span(L.notification_qid, "00CEFA7A31A");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/bounce[1]: 0F5383D: postmaster delay "
                            "notification: 1F5383D"));
    assert_span(L.notification_qid, "1F5383D");
    assert_true(parse(NULL, "Nov 22 01:44:19 mail postfix/postsuper[2825]: BBEAAA7A309: placed on hold"));
    assert_int_equal(L.kind, PN_LK_POSTSUPER);
    assert_span(L.action, "placed on hold");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/postsuper[1]: 0F5383D: removed"));
    assert_int_equal(L.kind, PN_LK_POSTSUPER);
    assert_span(L.action, "removed");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/postsuper[1]: 0F5383D: requeued"));
    assert_span(L.action, "requeued");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/postsuper[1]: 0F5383D: released from hold"));
    assert_span(L.action, "released from hold");
    assert_true(parse(NULL, "Nov 22 01:44:19 mail postfix/postsuper[2825]: Placed on hold: 1 message"));
    assert_int_equal(L.kind, PN_LK_OTHER);
    assert_true(parse(NULL, "Nov 22 01:44:17 mail postfix/cleanup[2614]: 86F56A7A33C: milter-reject: "
                            "END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 Gtube pattern; "
                            "from=<spammer@evil.example> to=<bob@lab.example> proto=ESMTP "
                            "helo=<client.lab.example>"));
    assert_int_equal(L.kind, PN_LK_MILTER);
    assert_span(L.action, "milter-reject");
    assert_span(L.reply, "5.7.1 Gtube pattern");
    assert_span(L.client_ip, "127.0.0.1");
    assert_span(L.to, "bob@lab.example");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/cleanup[1]: 0F5383D: hold: header Subject: "
                            "hello from x[192.0.2.7]; from=<a@b> to=<c@d> proto=ESMTP helo=<x>: "
                            "held for review"));
    assert_int_equal(L.kind, PN_LK_HOLD);
    assert_span(L.client_ip, "192.0.2.7");
    assert_span(L.from, "a@b");
    assert_span(L.reply, "held for review");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/cleanup[1]: 0F5383D: reject: header "
                            "Subject: x from y[192.0.2.8]; from=<a@b> to=<c@d> proto=ESMTP helo=<x>: "
                            "5.7.1 no"));
    assert_int_equal(L.kind, PN_LK_REJECT);
    assert_span(L.qid, "0F5383D");
    assert_span(L.reply, "5.7.1 no");
}

static void test_tls(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/smtpd[1]: Anonymous TLS connection established "
                            "from x.example[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384"));
    assert_int_equal(L.kind, PN_LK_TLS);
    assert_span(L.client_name, "x.example");
    assert_span(L.client_ip, "192.0.2.1");
    assert_true(parse(NULL, "Jan  1 00:00:00 h postfix/smtp[1]: Verified TLS connection established "
                            "to mx.example[192.0.2.2]:25: TLSv1.3"));
    assert_int_equal(L.kind, PN_LK_TLS);
    assert_span(L.client_ip, "192.0.2.2");
}

static void test_rspamd(void **state)
{
    (void)state;
    const char *syms = "MID_RHS_MATCH_TO(1.00){},MIME_GOOD(-0.10){text/plain;}";
    char line[1024];
    snprintf(line, sizeof(line),
             "2026-11-22 01:44:13 #2132(rspamd_proxy) <0067ac>; proxy; rspamd_task_write_log: id: "
             "<seed-local-1@lab.example>, qid: <5D280A7A268>, ip: 127.0.0.1, from: "
             "<newsletter@shop.example>, (default: F (no action): [0.90/15.00] [%s]), len: 244, "
             "time: 42.320ms, dns req: 0, digest: <62522c>, rcpts: <alice@lab.example>",
             syms);
    assert_true(parse(NULL, line));
    assert_int_equal(L.kind, PN_LK_RSPAMD);
    assert_int_equal(L.ts_us, utc_us(2026, 11, 22, 1, 44, 13));
    assert_span(L.program, "rspamd");
    assert_int_equal(L.pid, 2132);
    assert_span(L.qid, "5D280A7A268");
    assert_span(L.message_id, "<seed-local-1@lab.example>");
    assert_span(L.client_ip, "127.0.0.1");
    assert_span(L.from, "newsletter@shop.example");
    assert_span(L.action, "no action");
    assert_span(L.score, "0.90");
    assert_span(L.required, "15.00");
    assert_span(L.symbols, syms);
    /* through syslog, with a user and a reject */
    assert_true(parse(NULL, "Jan  1 00:00:00 mail rspamd[77]: <ab12cd>; proxy; rspamd_task_write_log: "
                            "id: <m@x>, qid: <3Pt2mN2VXxznjll>, ip: 192.0.2.9, user: bob, from: <b@x>, "
                            "(default: T (reject): [16.50/15.00] [GTUBE(0.00){}]), len: 5"));
    assert_int_equal(L.kind, PN_LK_RSPAMD);
    assert_span(L.host, "mail");
    assert_span(L.qid, "3Pt2mN2VXxznjll");
    assert_span(L.sasl_username, "bob");
    assert_span(L.action, "reject");
    assert_span(L.score, "16.50");
    assert_span(L.symbols, "GTUBE(0.00){}");
}

static void test_dovecot(void **state)
{
    (void)state;
    assert_true(parse(NULL, "Nov 22 01:44:13 mail dovecot: lmtp(alice@lab.example)<2619>"
                            "<Rp/OHO1IAms7CgAAg+zDdQ>: Info: msgid=<seed-local-1@lab.example> "
                            "from=<newsletter@shop.example> size=689: saved mail to INBOX"));
    assert_int_equal(L.kind, PN_LK_DOVECOT);
    assert_span(L.user, "alice@lab.example");
    assert_span(L.lmtp_session, "Rp/OHO1IAms7CgAAg+zDdQ");
    assert_span(L.message_id, "<seed-local-1@lab.example>");
    assert_span(L.mailbox, "INBOX");
    assert_true(parse(NULL, "Nov 22 01:44:13 mail dovecot: lmtp(carol@lab.example)<2619>"
                            "<INMJIe1IAms7CgAAg+zDdQ>: Info: sieve: msgid=<seed-local-2@lab.example> "
                            "from=<bob@lab.example> size=665: stored mail into mailbox 'Junk'"));
    assert_int_equal(L.kind, PN_LK_DOVECOT);
    assert_span(L.mailbox, "Junk");
    assert_true(parse(NULL, "Mar  1 10:00:00 h dovecot: lmtp(31539, user@example.com): "
                            "3ZmvA8sBc1UzewAAPH6hbQ: msgid=<m@x>: saved mail to INBOX"));
    assert_int_equal(L.kind, PN_LK_DOVECOT);
    assert_span(L.user, "user@example.com");
    assert_span(L.lmtp_session, "3ZmvA8sBc1UzewAAPH6hbQ");
}

static void test_hostile_input(void **state)
{
    (void)state;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, MTIME_NOV_2026);
    assert_false(pn_logline_parse(&pc, "", 0, &L));
    assert_int_equal(L.kind, PN_LK_OTHER);
    assert_false(parse(&pc, "   "));
    assert_false(parse(&pc, "Subject: not a log line"));
    assert_false(parse(&pc, "Jun  3 10:40:57 mail"));
    assert_false(parse(&pc, "Jun  3 10:40:57"));
    assert_false(parse(&pc, "Jun 33 99:40:57 mail postfix/smtpd[1]: x"));
    /* a 1 MiB line */
    size_t big = (size_t)1 << 20;
    char *b = malloc(big);
    memcpy(b, "Jun  3 10:40:57 mail postfix/smtp[1]: 0F5383D: to=<", 52);
    memset(b + 52, 'a', big - 52);
    assert_true(pn_logline_parse(&pc, b, big, &L));
    assert_span(L.qid, "0F5383D");
    assert_int_equal(L.kind, PN_LK_DELIVERY);
    assert_true(L.to.p >= b && L.to.p + L.to.n <= b + big);
    /* binary garbage: every byte value, never read past len */
    for (size_t i = 0; i < big; i++)
        b[i] = (char)((i * 7919u) >> 3);
    for (size_t off = 0; off < 4096; off += 61)
        (void)pn_logline_parse(&pc, b + off, 300, &L);
    free(b);
    /* invalid UTF-8 and NUL bytes inside a line */
    static const char bad[] = "Jun  3 10:40:57 mail postfix/smtpd[1]: connect from \xff\xfe\xc3[1.2\0.3.4]";
    assert_true(pn_logline_parse(&pc, bad, sizeof(bad) - 1, &L));
    assert_int_equal(L.kind, PN_LK_CONNECT);
    assert_int_equal(L.client_name.n, 3);
    static const char nul[] = "Jun  3 10:40:57 mail postfix/qmgr[1]: 0F5383D\0: removed";
    assert_true(pn_logline_parse(&pc, nul, sizeof(nul) - 1, &L));
    assert_int_equal(L.qid.n, 0);
    /* a line cut in the middle of every field never reads beyond its end */
    const char *full = "2022-01-08T19:42:12.572958+00:00 mail postfix/smtp[1]: 0F5383D: to=<a@b>, "
                       "relay=x[1.2.3.4]:25, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 "
                       "Ok: queued as 1A2B3C4D)";
    size_t n = strlen(full);
    for (size_t k = 0; k <= n; k++) {
        char *cut = malloc(k ? k : 1);
        memcpy(cut, full, k);
        (void)pn_logline_parse(&pc, cut, k, &L);
        free(cut);
    }
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < PN_LK_COUNT; k++) {
        assert_non_null(pn_lkind_str((pn_lkind)k));
        assert_string_not_equal(pn_lkind_str((pn_lkind)k), "?");
    }
    assert_string_equal(pn_lkind_str(PN_LK_DELIVERY), "delivery");
    assert_string_equal(pn_lkind_str(PN_LK_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bsd_space_padded_day),
        cmocka_unit_test(test_postlogd_zero_padded_day),
        cmocka_unit_test(test_rfc3339_fractions_and_offsets),
        cmocka_unit_test(test_priority_and_facility_variants),
        cmocka_unit_test(test_year_inference),
        cmocka_unit_test(test_program_names),
        cmocka_unit_test(test_queue_ids),
        cmocka_unit_test(test_noqueue_reject),
        cmocka_unit_test(test_warning_with_qid),
        cmocka_unit_test(test_client_pickup_message_id),
        cmocka_unit_test(test_qmgr_lines),
        cmocka_unit_test(test_delivery_lines),
        cmocka_unit_test(test_bounce_postsuper_milter_hold),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_rspamd),
        cmocka_unit_test(test_dovecot),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, setup_utc, NULL);
}
