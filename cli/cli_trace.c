/* cli_trace.c - `postern trace <QID|Message-ID>`: what happened to one
 * message, across every log file, as a timeline (hops, recipients, spam
 * verdict, mailbox) and, with --raw, the raw lines with file:line. A thin
 * layer over pn_trace_find (the Logs screen calls the same function).
 *
 *   postern trace KEY [--json] [--raw] [--log PATH]... [--since TIME] [--until TIME]
 *                     [--index FILE | --no-index]
 *                     [--host HOST]
 */
#include "cli.h"
#include "cli_logopts.h"
#include "maillog_index.h"
#include "maillog.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_time(pn_str *out, int64_t us)
{
    if (!us) {
        pn_str_append(out, "-");
        return;
    }
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[64];
    strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
    pn_str_appendf(out, "%s.%03dZ", b, (int)(us % 1000000 / 1000));
}

static void put_iso(pn_json *j, const char *key, int64_t us)
{
    pn_json_key(j, key);
    if (!us) {
        pn_json_null(j);
        return;
    }
    pn_str s = PN_STR_INIT;
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[64];
    strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
    pn_str_appendf(&s, "%s.%06dZ", b, (int)(us % 1000000));
    pn_json_str(j, pn_str_cstr(&s));
    pn_str_free(&s);
}

/* Sanitised text for the terminal. */
static void put_text(pn_str *out, const char *s)
{
    pn_utf8_sanitize(out, s ? s : "", s ? strlen(s) : 0, 0);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void print_json(const pn_trace *t)
{
    pn_str out = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &out, true);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "query", t->query);
    pn_json_key(&j, "hops");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < t->n_hops; i++) {
        const pn_trace_hop *h = &t->hops[i];
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "qid", h->qid);
        pn_json_kstr(&j, "host", h->host);
        pn_json_kstr(&j, "parent", h->parent);
        pn_json_kstr(&j, "entered", h->entered);
        pn_json_kstr(&j, "left", h->left);
        pn_json_kstr(&j, "from", h->from);
        pn_json_kstr(&j, "message_id", h->message_id);
        pn_json_key(&j, "size");
        if (h->size >= 0)
            pn_json_int(&j, h->size);
        else
            pn_json_null(&j);
        pn_json_key(&j, "nrcpt");
        if (h->nrcpt >= 0)
            pn_json_int(&j, h->nrcpt);
        else
            pn_json_null(&j);
        put_iso(&j, "first", h->first_us);
        put_iso(&j, "last", h->last_us);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);
    pn_json_key(&j, "recipients");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < t->n_rcpts; i++) {
        const pn_trace_rcpt *r = &t->rcpts[i];
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "qid", r->qid);
        pn_json_kstr(&j, "address", r->address);
        pn_json_kstr(&j, "orig_to", r->orig_to);
        pn_json_kstr(&j, "status", r->status);
        pn_json_kstr(&j, "dsn", r->dsn);
        pn_json_kstr(&j, "relay", r->relay);
        pn_json_kstr(&j, "delay", r->delay);
        pn_json_kstr(&j, "reply", r->reply);
        put_iso(&j, "time", r->ts_us);
        pn_json_kint(&j, "attempts", r->attempts);
        pn_json_kstr(&j, "mailbox", r->mailbox);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);
    pn_json_kstr(&j, "spam", t->spam);
    pn_json_key(&j, "lines");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < t->n_lines; i++) {
        const pn_trace_line *l = &t->lines[i];
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "file", t->files[l->file]);
        pn_json_kint(&j, "line", l->lineno);
        pn_json_kstr(&j, "text", l->text);
        pn_json_kstr(&j, "qid", l->qid);
        pn_json_kstr(&j, "kind", pn_lkind_str(l->kind));
        put_iso(&j, "time", l->ts_us);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);
    pn_json_key(&j, "notes");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < t->notes.n; i++)
        pn_json_str(&j, t->notes.v[i]);
    pn_json_arr_end(&j);
    pn_json_obj_end(&j);
    pn_str_append(&out, "\n");
    pn_cli_flush(&out);
}

static void print_text(const pn_trace *t, bool raw)
{
    pn_str o = PN_STR_INIT;
    pn_str_append(&o, "Trace of ");
    put_text(&o, t->query);
    pn_str_appendf(&o, ": %zu hop%s, %zu recipient%s, %zu log lines\n", t->n_hops,
                   t->n_hops == 1 ? "" : "s", t->n_rcpts, t->n_rcpts == 1 ? "" : "s", t->n_lines);
    for (size_t i = 0; i < t->n_hops; i++) {
        const pn_trace_hop *h = &t->hops[i];
        pn_str_appendf(&o, "\n%zu. ", i + 1);
        put_text(&o, h->qid);
        pn_str_append(&o, " on ");
        put_text(&o, h->host);
        pn_str_append(&o, "  ");
        put_time(&o, h->first_us);
        pn_str_append(&o, " .. ");
        put_time(&o, h->last_us);
        pn_str_append(&o, "\n   entered: ");
        put_text(&o, h->entered);
        if (h->from || h->message_id || h->size >= 0) {
            pn_str_append(&o, "\n   from <");
            put_text(&o, h->from);
            pn_str_append(&o, ">");
            if (h->message_id) {
                pn_str_append(&o, "  message-id ");
                put_text(&o, h->message_id);
            }
            if (h->size >= 0)
                pn_str_appendf(&o, "  size %ld", h->size);
            if (h->nrcpt >= 0)
                pn_str_appendf(&o, "  %ld recipient%s", h->nrcpt, h->nrcpt == 1 ? "" : "s");
        }
        pn_str_append(&o, "\n   left: ");
        put_text(&o, h->left);
        pn_str_append(&o, "\n");
    }
    if (t->n_rcpts)
        pn_str_append(&o, "\nRecipients (final status per hop):\n");
    for (size_t i = 0; i < t->n_rcpts; i++) {
        const pn_trace_rcpt *r = &t->rcpts[i];
        pn_str_append(&o, "  ");
        put_text(&o, r->address);
        if (r->orig_to) {
            pn_str_append(&o, " (for ");
            put_text(&o, r->orig_to);
            pn_str_append(&o, ")");
        }
        pn_str_append(&o, ": ");
        put_text(&o, r->status);
        pn_str_append(&o, " in ");
        put_text(&o, r->qid);
        if (r->delay) {
            pn_str_append(&o, " after ");
            put_text(&o, r->delay);
            pn_str_append(&o, "s");
        }
        pn_str_appendf(&o, ", %d attempt%s", r->attempts, r->attempts == 1 ? "" : "s");
        if (r->relay) {
            pn_str_append(&o, ", relay ");
            put_text(&o, r->relay);
        }
        if (r->mailbox) {
            pn_str_append(&o, ", mailbox ");
            put_text(&o, r->mailbox);
        }
        if (r->reply) {
            pn_str_append(&o, "\n    ");
            if (r->dsn) {
                put_text(&o, r->dsn);
                pn_str_append(&o, " ");
            }
            put_text(&o, r->reply);
        }
        pn_str_append(&o, "\n");
    }
    pn_str_append(&o, "\nSpam verdict: ");
    put_text(&o, t->spam ? t->spam : "none logged");
    pn_str_append(&o, "\n");
    for (size_t i = 0; i < t->notes.n; i++) {
        pn_str_append(&o, "note: ");
        put_text(&o, t->notes.v[i]);
        pn_str_append(&o, "\n");
    }
    if (raw) {
        pn_str_append(&o, "\nLines:\n");
        for (size_t i = 0; i < t->n_lines; i++) {
            const pn_trace_line *l = &t->lines[i];
            put_text(&o, base_name(t->files[l->file]));
            pn_str_appendf(&o, ":%lld: ", (long long)l->lineno);
            put_text(&o, l->text);
            pn_str_append(&o, "\n");
        }
    }
    pn_cli_flush(&o);
}

static int run_trace(pn_cli *cli, int argc, char **argv)
{
    pn_cli_logopts lo = {0};
    const char *key = NULL;
    bool raw = false, json = cli->json;
    int rc = PN_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (pn_cli_logopt("trace", &lo, argc, argv, &i, &rc) ||
            pn_cli_indexopt("trace", &lo, argc, argv, &i, &rc)) {
            if (rc)
                goto out;
        } else if (!strcmp(a, "--raw")) {
            raw = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--")) {
            if (i + 1 < argc && !key)
                key = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            rc = pn_cli_usage("trace", "unknown option '%s'", a);
            goto out;
        } else if (key) {
            rc = pn_cli_usage("trace", "unexpected argument '%s' (one QID or Message-ID)", a);
            goto out;
        } else {
            key = a;
        }
    }
    if (!key || !*key) {
        rc = pn_cli_usage("trace", "give a queue ID or a Message-ID");
        goto out;
    }
    pn_logset ls = {0};
    pn_logindex *ix = NULL;
    if (!pn_cli_logsources(cli, &lo, &ls, &ix)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_trace_opts o = {&ls, lo.since_us, lo.until_us, lo.host, 0, ix};
    pn_trace t;
    pn_err err = PN_ERR_INIT;
    if (!pn_trace_find(&o, key, &t, &err)) {
        rc = pn_cli_fail("trace", &err);
        pn_err_clear(&err);
    } else {
        if (json)
            print_json(&t);
        else
            print_text(&t, raw);
        pn_trace_free(&t);
    }
    pn_logindex_close(ix);
    pn_logset_free(&ls);
out:
    pn_cli_logopts_free(&lo);
    return rc;
}

const pn_cli_noun pn_cli_noun_trace = {
    "trace",
    "what happened to one message: its path through every log file",
    "usage: postern trace QID|MESSAGE-ID [--raw] [--json] [--log PATH]... [--since TIME]\n"
    "                     [--until TIME] [--host HOST] [--index FILE | --no-index]\n"
    "\n"
    "Follows one message through the mail logs (rotated and gzipped files\n"
    "included): every queue ID of its chain (content-filter re-injection,\n"
    "'queued as' on this host, orig_queue_id=, bounce/delay notifications,\n"
    "local 'forwarded as', postsuper -r requeues), the smtpd session that\n"
    "brought it, the rspamd verdict and Dovecot's delivery. A 'queued as' from\n"
    "a remote server is shown as where the message left, not followed (except\n"
    "in a central log holding that host's lines). A queue ID's life ends at its\n"
    "'removed' line: a reused ID later in the logs is another message.\n"
    "\n"
    "KEY       a queue ID (short or long form) or a Message-ID, with or without\n"
    "          <>, or a part of one that matches a single Message-ID.\n"
    "--raw     also print every raw line as FILE:LINE: TEXT\n"
    "--log P   read these files (repeatable, exactly as given, e.g. copied from\n"
    "          another server) instead of the configured log sources\n"
    "--since T, --until T\n"
    "          only lines in this time range. TIME: RFC 3339, 'YYYY-MM-DD[ HH:MM[:SS]]'\n"
    "          (local time) or '2h', '3d', '30m' ago\n"
    "--host H  only lines of syslog host H (central multi-host logs)\n"
    "--index F answer from the log index F (postern log index --index F builds it).\n"
    "          Without it, the default index (beside the state DB) is used when it\n"
    "          exists and no --log is given. The answer is the same as a scan: what\n"
    "          the index lacks (files grown or rotated since) is searched directly\n"
    "          (noted), or all is scanned when that is more than 32 MiB\n"
    "--no-index  scan the files\n"
    "\n"
    "Output: the hops (queue ID, host, how it entered, how it left), each\n"
    "recipient's final status with reason, delay, attempts and mailbox, and\n"
    "the spam verdict.\n"
    "JSON (--json), stable: {query, hops: [{qid, host, parent, entered, left,\n"
    "  from, message_id, size, nrcpt, first, last}], recipients: [{qid, address,\n"
    "  orig_to, status, dsn, relay, delay, reply, time, attempts, mailbox}], spam,\n"
    "  lines: [{file, line, text, qid, kind, time}], notes}\n"
    "  (line is 1-based in its file; text is the raw line, unsanitised)\n"
    "\n"
    "Exit: 0 found, 1 not found or ambiguous (the candidates are named), 2 usage.\n",
    run_trace,
};
