/* cli_queue.c - `postern queue ...`: list, show, shape, act on and watch the
 * Postfix queue. A thin layer over backend/queue.h: the console calls the
 * same functions.
 *
 *   postern queue list [FILTER...] [--sort KEY] [--reverse] [--limit N] [--wide] [--json]
 *   postern queue show ID [--envelope] [--headers] [--body] [--json]
 *   postern queue shape [--by rcpt-domain|sender-domain|class|age] [FILTER...] [--json]
 *   postern queue delete|hold|release|requeue|resend (ID...|-|--filter FILTER)
 *                [--dry-run] [--yes] [--json]
 *   postern queue flush
 *   postern queue watch [--interval SECONDS] [--count N] [--retention HOURS]
 */
#include "cli.h"
#include "db.h"
#include "queue.h"
#include "util/argv.h"
#include "util/mem.h"
#include "util/text.h"
#include "util/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUT_FLUSH_AT (64 * 1024)

/* ---- argument parsing ----------------------------------------------------- */

typedef struct qopts {
    pn_argv words;        /* positional words (filter terms or IDs) */
    const char *sort;
    bool reverse;
    long limit;           /* -1: no limit */
    bool wide;
    const char *by;
    const char *filter;
    bool dry_run, yes;
    bool envelope, headers, body;
    long interval, count, retention_h;
} qopts;

/* Options that take a value. */
static const char *const value_opts[] = {"--sort", "--limit", "--by", "--filter", "--interval",
                                         "--count", "--retention", NULL};

static bool takes_value(const char *o)
{
    for (int i = 0; value_opts[i]; i++)
        if (!strcmp(o, value_opts[i]))
            return true;
    return false;
}

static bool parse_long(const char *noun, const char *opt, const char *v, long min, long *out,
                       int *rc)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min) {
        *rc = pn_cli_usage(noun, "%s needs a whole number >= %ld, not '%s'", opt, min, v);
        return false;
    }
    *out = n;
    return true;
}

/* allowed: the options this verb accepts (space-separated, with spaces around). */
static bool parse_opts(const char *verb, const char *allowed, int argc, char **argv, qopts *o,
                       int *rc)
{
    memset(o, 0, sizeof(*o));
    o->limit = -1;
    o->interval = 10;
    o->count = -1;
    o->retention_h = 24;
    bool words_only = false;
    char noun[64];
    snprintf(noun, sizeof(noun), "queue %s", verb);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (words_only || a[0] != '-' || !strcmp(a, "-")) {
            pn_argv_add(&o->words, a);
            continue;
        }
        if (!strcmp(a, "--")) {
            words_only = true;
            continue;
        }
        /* --opt=value */
        char name[32];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof(name)) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof(name), "%s", a);
        }
        char key[40];
        snprintf(key, sizeof(key), " %s ", name);
        if (!strstr(allowed, key)) {
            *rc = pn_cli_usage(noun, "unknown option '%s'", a);
            return false;
        }
        if (takes_value(name) && !val) {
            if (i + 1 >= argc) {
                *rc = pn_cli_usage(noun, "%s needs a value", name);
                return false;
            }
            val = argv[++i];
        } else if (!takes_value(name) && val) {
            *rc = pn_cli_usage(noun, "%s takes no value", name);
            return false;
        }
        if (!strcmp(name, "--sort")) o->sort = val;
        else if (!strcmp(name, "--by")) o->by = val;
        else if (!strcmp(name, "--filter")) o->filter = val;
        else if (!strcmp(name, "--reverse")) o->reverse = true;
        else if (!strcmp(name, "--wide")) o->wide = true;
        else if (!strcmp(name, "--dry-run")) o->dry_run = true;
        else if (!strcmp(name, "--yes")) o->yes = true;
        else if (!strcmp(name, "--envelope")) o->envelope = true;
        else if (!strcmp(name, "--headers")) o->headers = true;
        else if (!strcmp(name, "--body")) o->body = true;
        else if (!strcmp(name, "--limit")) { if (!parse_long(noun, name, val, 0, &o->limit, rc)) return false; }
        else if (!strcmp(name, "--interval")) { if (!parse_long(noun, name, val, 1, &o->interval, rc)) return false; }
        else if (!strcmp(name, "--count")) { if (!parse_long(noun, name, val, 1, &o->count, rc)) return false; }
        else if (!strcmp(name, "--retention")) { if (!parse_long(noun, name, val, 1, &o->retention_h, rc)) return false; }
    }
    return true;
}


static pn_qfilter *parse_filter_or_fail(const char *text, int *rc)
{
    pn_err err = PN_ERR_INIT;
    pn_qfilter *f = pn_qfilter_parse(text ? text : "", &err);
    if (!f) {
        /* A filter is user input: a bad one is a usage error. */
        char *clean = pn_utf8_sanitized(pn_err_msg(&err));
        fprintf(stderr, "postern: queue: %s\n", clean);
        free(clean);
        *rc = PN_EXIT_USAGE;
    }
    pn_err_clear(&err);
    return f;
}

/* The filter of a list/shape command: --filter, else the positional words. */
static pn_qfilter *options_filter(const qopts *o, int *rc)
{
    char *text = o->filter ? pn_strdup(o->filter)
                 : o->words.n ? pn_argv_join(&o->words, " ") : NULL;
    pn_qfilter *f = parse_filter_or_fail(text, rc);
    free(text);
    return f;
}

/* ---- JSON of one entry (the documented, stable shape) --------------------- */

static void json_entry(pn_json *j, const pn_qentry *e, const pn_qlimits *lim, int64_t now)
{
    pn_json_obj_begin(j);
    pn_json_kstr(j, "queue", e->queue_raw ? e->queue_raw : pn_qname_str(e->queue));
    pn_json_kstr(j, "id", e->qid);
    pn_json_kint(j, "arrival_time", e->arrival);
    pn_json_kint(j, "age", now - e->arrival);
    pn_json_kint(j, "size", e->size);
    pn_json_kstr(j, "sender", e->sender);
    pn_json_kbool(j, "forced_expire", e->forced_expire);
    pn_json_kstr(j, "class", pn_qclass_str(e->cls));
    pn_json_key(j, "time_left");
    if (lim)
        pn_json_int(j, pn_qentry_time_left(e, lim, now));
    else
        pn_json_null(j);
    pn_json_key(j, "recipients");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < e->n_rcpts; i++) {
        pn_json_obj_begin(j);
        pn_json_kstr(j, "address", e->rcpts[i].address);
        pn_json_kstr(j, "domain", pn_addr_domain(e->rcpts[i].address));
        pn_json_kstr(j, "delay_reason", e->rcpts[i].reason);
        pn_json_kstr(j, "class", pn_qclass_str(e->rcpts[i].cls));
        pn_json_obj_end(j);
    }
    pn_json_arr_end(j);
    pn_json_obj_end(j);
}

/* ---- human table ---------------------------------------------------------- */

static char queue_marker(pn_qname q)
{
    switch (q) {
    case PN_QN_MAILDROP: return 'M';
    case PN_QN_INCOMING: return 'I';
    case PN_QN_ACTIVE: return 'A';
    case PN_QN_DEFERRED: return 'D';
    case PN_QN_HOLD: return 'H';
    case PN_QN_CORRUPT: return 'C';
    default: return '?';
    }
}

/* 80 columns: marker, QID 12, age 5, size 4, sender 17, first recipient 19,
 * class 10, time left before bounce 5. */
static const char table_header[] =
    "Q QID            AGE SIZE SENDER            RECIPIENT           CLASS       LEFT\n";

static void table_row(pn_str *out, const pn_qentry *e, const pn_qlimits *lim, int64_t now,
                      bool wide)
{
    pn_str tmp = PN_STR_INIT;
    pn_str_appendc(out, queue_marker(e->queue));
    pn_str_appendc(out, ' ');
    pn_text_fit(out, e->qid, 12, true);
    pn_str_appendc(out, ' ');
    pn_text_age(&tmp, now - e->arrival);
    pn_str_appendf(out, "%5s ", pn_str_cstr(&tmp));
    pn_str_reset(&tmp);
    pn_text_size(&tmp, e->size);
    pn_str_appendf(out, "%4s ", pn_str_cstr(&tmp));
    pn_str_reset(&tmp);
    pn_text_fit(out, pn_qentry_null_sender(e) ? "<>" : e->sender, 17, true);
    pn_str_appendc(out, ' ');
    if (e->n_rcpts > 1)
        pn_str_appendf(&tmp, "%s +%zu", e->rcpts[0].address, e->n_rcpts - 1);
    else
        pn_str_append(&tmp, e->n_rcpts ? e->rcpts[0].address : "-");
    pn_text_fit(out, pn_str_cstr(&tmp), 19, true);
    pn_str_reset(&tmp);
    pn_str_appendc(out, ' ');
    pn_text_fit(out, pn_qclass_str(e->cls), 10, true);
    pn_str_appendc(out, ' ');
    if (lim) {
        int64_t left = pn_qentry_time_left(e, lim, now);
        if (left <= 0)
            pn_str_append(&tmp, "due");
        else
            pn_text_age(&tmp, left);
    } else {
        pn_str_append(&tmp, "?");
    }
    pn_text_fit(out, pn_str_cstr(&tmp), 5, false);
    pn_str_free(&tmp);
    pn_str_rtrim(out);
    pn_str_appendc(out, '\n');
    if (wide)
        for (size_t i = 0; i < e->n_rcpts; i++) {
            pn_str_append(out, "    ");
            pn_text_fit(out, e->rcpts[i].address, 30, false);
            if (e->rcpts[i].reason && e->rcpts[i].reason[0]) {
                pn_str_append(out, ": ");
                pn_text_fit(out, e->rcpts[i].reason, 200, false);
            }
            pn_str_appendc(out, '\n');
        }
}

/* ---- list ------------------------------------------------------------------ */

typedef struct list_run {
    const pn_qfilter *filter;
    const pn_qlimits *lim;
    int64_t now;
    bool json, wide, collect;
    long limit;
    size_t shown, matched;
    pn_qlist kept;           /* when sorting */
    pn_str out;
    pn_json j;
} list_run;

static void out_maybe_flush(pn_str *out)
{
    if (out->len >= OUT_FLUSH_AT) {
        fwrite(out->s, 1, out->len, stdout);
        pn_str_reset(out);
    }
}

static void emit_entry(list_run *r, const pn_qentry *e)
{
    if (r->json)
        json_entry(&r->j, e, r->lim, r->now);
    else
        table_row(&r->out, e, r->lim, r->now, r->wide);
    r->shown++;
    out_maybe_flush(&r->out);
}

static bool on_list_entry(void *vctx, const pn_qentry *e)
{
    list_run *r = vctx;
    if (!pn_qfilter_match(r->filter, e, r->now))
        return true;
    r->matched++;
    if (r->collect) {
        pn_qlist_push(&r->kept, e);
        return true;
    }
    if (r->limit >= 0 && (long)r->shown >= r->limit)
        return true;     /* keep counting matches */
    emit_entry(r, e);
    return true;
}

static int queue_list(pn_cli *cli, int argc, char **argv)
{
    qopts o;
    int rc = PN_EXIT_OK;
    if (!parse_opts("list", " --sort --reverse --limit --wide --filter ", argc, argv, &o, &rc))
        goto done_opts;
    pn_qsort sort = PN_QS_NONE;
    if (o.sort && !pn_qsort_parse(o.sort, &sort)) {
        rc = pn_cli_usage("queue list", "unknown sort key '%s' (age size sender rcpt reason queue id class time-left)", o.sort);
        goto done_opts;
    }
    pn_qfilter *f = options_filter(&o, &rc);
    if (!f)
        goto done_opts;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx) {
        rc = PN_EXIT_FAIL;
        goto done_filter;
    }
    pn_err err = PN_ERR_INIT;
    pn_qlimits lim;
    bool have_lim = pn_qlimits_read(ctx, &lim, &err);
    pn_err_clear(&err);

    list_run r = {.filter = f, .lim = have_lim ? &lim : NULL, .now = (int64_t)time(NULL),
                  .json = cli->json, .wide = o.wide, .collect = sort != PN_QS_NONE, .limit = o.limit};
    if (r.json) {
        pn_json_init(&r.j, &r.out, false);
        pn_json_obj_begin(&r.j);
        pn_json_kint(&r.j, "listed_at", r.now);
        pn_json_kstr(&r.j, "filter", pn_qfilter_text(f));
        pn_json_key(&r.j, "messages");
        pn_json_arr_begin(&r.j);
    } else {
        pn_str_append(&r.out, table_header);
    }
    pn_qscan_stats st = {0};
    bool ok = pn_queue_scan(ctx, on_list_entry, &r, &st, &err);
    if (ok && r.collect) {
        pn_qlist_sort(&r.kept, sort, o.reverse, r.lim, r.now);
        for (size_t i = 0; i < r.kept.n && (o.limit < 0 || (long)i < o.limit); i++)
            emit_entry(&r, &r.kept.items[i]);
    }
    if (!ok) {
        pn_str_free(&r.out);
        rc = pn_cli_fail("queue list", &err);
    } else {
        if (r.json) {
            pn_json_arr_end(&r.j);
            pn_json_kint(&r.j, "shown", (int64_t)r.shown);
            pn_json_kint(&r.j, "matched", (int64_t)r.matched);
            pn_json_kint(&r.j, "duplicates_skipped", (int64_t)st.duplicates);
            pn_json_kint(&r.j, "unparsable_lines", (int64_t)st.bad_lines);
            pn_json_obj_end(&r.j);
            pn_str_appendc(&r.out, '\n');
        } else {
            pn_str_appendf(&r.out, "-- %zu shown, %zu matching, %zu in the queue", r.shown, r.matched,
                           st.entries);
            if (st.bad_lines)
                pn_str_appendf(&r.out, ", %zu unparsable line%s skipped", st.bad_lines,
                               st.bad_lines == 1 ? "" : "s");
            pn_str_appendc(&r.out, '\n');
        }
        pn_cli_flush(&r.out);
    }
    pn_qlist_free(&r.kept);
    pn_err_clear(&err);
done_filter:
    pn_qfilter_free(f);
done_opts:
    pn_argv_free(&o.words);
    return rc;
}

/* ---- show ------------------------------------------------------------------ */

static void append_part(pn_str *out, const char *title, const pn_str *part, bool truncated)
{
    pn_str_appendf(out, "== %s ==\n", title);
    pn_str_append(out, pn_str_cstr(part));
    if (part->len && part->s[part->len - 1] != '\n')
        pn_str_appendc(out, '\n');
    if (truncated)
        pn_str_append(out, "[... truncated]\n");
}

static int queue_show(pn_cli *cli, int argc, char **argv)
{
    qopts o;
    int rc = PN_EXIT_OK;
    if (!parse_opts("show", " --envelope --headers --body ", argc, argv, &o, &rc))
        goto out;
    if (o.words.n != 1) {
        rc = pn_cli_usage("queue show", "give exactly one queue ID");
        goto out;
    }
    int parts = (o.envelope ? PN_QP_ENVELOPE : 0) | (o.headers ? PN_QP_HEADERS : 0) |
                (o.body ? PN_QP_BODY : 0);
    if (!parts)
        parts = PN_QP_ENVELOPE | PN_QP_HEADERS | PN_QP_BODY;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_err err = PN_ERR_INIT;
    pn_qdetails d;
    memset(&d, 0, sizeof(d));
    if (!pn_queue_details(ctx, o.words.v[0], parts, 0, &d, &err)) {
        rc = err.code == PN_E_INVALID ? PN_EXIT_USAGE : PN_EXIT_FAIL;
        pn_cli_fail("queue show", &err);
        pn_err_clear(&err);
        goto out;
    }
    pn_str out = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &out, true);
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "id", d.qid);
        pn_json_kstr(&j, "message_id", d.message_id);
        pn_json_kstr(&j, "subject", d.subject);
        if (parts & PN_QP_ENVELOPE) {
            pn_json_kstr(&j, "envelope", pn_str_cstr(&d.envelope));
            pn_json_kbool(&j, "envelope_truncated", d.envelope_truncated);
        }
        if (parts & PN_QP_HEADERS) {
            pn_json_kstr(&j, "headers", pn_str_cstr(&d.headers));
            pn_json_kbool(&j, "headers_truncated", d.headers_truncated);
        }
        if (parts & PN_QP_BODY) {
            pn_json_kstr(&j, "body", pn_str_cstr(&d.body));
            pn_json_kbool(&j, "body_truncated", d.body_truncated);
        }
        pn_json_obj_end(&j);
        pn_str_appendc(&out, '\n');
    } else {
        pn_str_appendf(&out, "Queue ID:   %s\nMessage-ID: %s\n", d.qid,
                       d.message_id ? d.message_id : "(none)");
        if (d.subject)
            pn_str_appendf(&out, "Subject:    %s\n", d.subject);
        pn_str_append(&out, "Trace:      postern trace ");
        pn_str_append(&out, d.message_id ? d.message_id : d.qid);
        pn_str_append(&out, "\n\n");
        if (parts & PN_QP_ENVELOPE)
            append_part(&out, "envelope", &d.envelope, d.envelope_truncated);
        if (parts & PN_QP_HEADERS)
            append_part(&out, "headers", &d.headers, d.headers_truncated);
        if (parts & PN_QP_BODY)
            append_part(&out, "body", &d.body, d.body_truncated);
    }
    pn_cli_flush(&out);
    pn_qdetails_free(&d);
out:
    pn_argv_free(&o.words);
    return rc;
}

/* ---- shape ----------------------------------------------------------------- */

static int queue_shape(pn_cli *cli, int argc, char **argv)
{
    qopts o;
    int rc = PN_EXIT_OK;
    pn_qfilter *f = NULL;
    pn_qlist l = {0};
    if (!parse_opts("shape", " --by --filter ", argc, argv, &o, &rc))
        goto out;
    pn_qshape_by by = PN_QSHAPE_RCPT_DOMAIN;
    if (o.by && !pn_qshape_by_parse(o.by, &by)) {
        rc = pn_cli_usage("queue shape", "unknown grouping '%s' (rcpt-domain sender-domain class age)", o.by);
        goto out;
    }
    f = options_filter(&o, &rc);
    if (!f)
        goto out;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_err err = PN_ERR_INIT;
    if (!pn_queue_list(ctx, &l, NULL, &err)) {
        rc = pn_cli_fail("queue shape", &err);
        pn_err_clear(&err);
        goto out;
    }
    pn_qshape s;
    pn_qshape_build(&l, f, by, l.listed_at, &s);
    static const char *const by_names[] = {"rcpt-domain", "sender-domain", "class", "age"};
    pn_str out = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &out, true);
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "by", by_names[by]);
        pn_json_kstr(&j, "filter", pn_qfilter_text(f));
        pn_json_kint(&j, "total_messages", (int64_t)s.total_messages);
        pn_json_kint(&j, "total_bytes", s.total_bytes);
        pn_json_key(&j, "groups");
        pn_json_arr_begin(&j);
        for (size_t i = 0; i < s.n; i++) {
            const pn_qshape_row *row = &s.rows[i];
            pn_json_obj_begin(&j);
            pn_json_kstr(&j, "key", row->key);
            pn_json_kint(&j, "messages", (int64_t)row->messages);
            pn_json_kint(&j, "recipients", (int64_t)row->recipients);
            pn_json_kint(&j, "bytes", row->bytes);
            pn_json_key(&j, "by_queue");
            pn_json_obj_begin(&j);
            for (int q = 0; q < PN_QN_COUNT; q++)
                if (row->by_queue[q])
                    pn_json_kint(&j, pn_qname_str((pn_qname)q), (int64_t)row->by_queue[q]);
            pn_json_obj_end(&j);
            pn_json_obj_end(&j);
        }
        pn_json_arr_end(&j);
        pn_json_obj_end(&j);
        pn_str_appendc(&out, '\n');
    } else {
        pn_str tmp = PN_STR_INIT;
        pn_str_appendf(&out, "%-28s %8s %8s %7s %8s %6s %6s\n", by_names[by], "MESSAGES", "RCPTS",
                       "SIZE", "DEFERRED", "HOLD", "OTHER");
        for (size_t i = 0; i < s.n; i++) {
            const pn_qshape_row *row = &s.rows[i];
            size_t other = row->messages - row->by_queue[PN_QN_DEFERRED] - row->by_queue[PN_QN_HOLD];
            pn_text_fit(&out, row->key, 28, true);
            pn_str_reset(&tmp);
            pn_text_size(&tmp, row->bytes);
            pn_str_appendf(&out, " %8zu %8zu %7s %8zu %6zu %6zu\n", row->messages, row->recipients,
                           pn_str_cstr(&tmp), row->by_queue[PN_QN_DEFERRED], row->by_queue[PN_QN_HOLD],
                           other);
        }
        pn_str_reset(&tmp);
        pn_text_size(&tmp, s.total_bytes);
        pn_str_appendf(&out, "%-28s %8zu %8s %7s\n", "TOTAL (distinct messages)", s.total_messages, "",
                       pn_str_cstr(&tmp));
        pn_str_free(&tmp);
    }
    pn_cli_flush(&out);
    pn_qshape_free(&s);
out:
    pn_qlist_free(&l);
    pn_qfilter_free(f);
    pn_argv_free(&o.words);
    return rc;
}

/* ---- actions --------------------------------------------------------------- */

typedef struct collect_ids {
    const pn_qfilter *filter;
    int64_t now;
    pn_argv ids;
} collect_ids;

static bool on_collect(void *vctx, const pn_qentry *e)
{
    collect_ids *c = vctx;
    if (pn_qfilter_match(c->filter, e, c->now))
        pn_argv_add(&c->ids, e->qid);
    return true;
}

/* Read IDs (one per line or separated by blanks) from stdin, as postsuper - does. */
static void read_ids_stdin(pn_argv *ids)
{
    char buf[256];
    int c;
    size_t n = 0;
    while ((c = getchar()) != EOF) {
        if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
            if (n) {
                buf[n] = '\0';
                pn_argv_add(ids, buf);
                n = 0;
            }
        } else if (n + 1 < sizeof(buf)) {
            buf[n++] = (char)c;
        }
    }
    if (n) {
        buf[n] = '\0';
        pn_argv_add(ids, buf);
    }
}

static bool confirm(const char *verb, size_t n)
{
    fprintf(stderr, "%c%s %zu message%s? [y/N] ", toupper((unsigned char)verb[0]), verb + 1, n,
            n == 1 ? "" : "s");
    fflush(stderr);
    char line[32];
    if (!fgets(line, sizeof(line), stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

static int queue_act(pn_cli *cli, pn_qaction action, int argc, char **argv)
{
    const char *verb = pn_qaction_str(action);
    char noun[64];
    snprintf(noun, sizeof(noun), "queue %s", verb);
    qopts o;
    int rc = PN_EXIT_OK;
    pn_qfilter *f = NULL;
    collect_ids c = {0};
    if (!parse_opts(verb, " --filter --dry-run --yes ", argc, argv, &o, &rc))
        goto out;
    bool from_stdin = o.words.n == 1 && !strcmp(o.words.v[0], "-");
    if (o.filter && o.words.n) {
        rc = pn_cli_usage(noun, "give queue IDs or --filter, not both");
        goto out;
    }
    if (!o.filter && !o.words.n) {
        rc = pn_cli_usage(noun, "give queue IDs, '-' to read them from stdin, or --filter FILTER");
        goto out;
    }
    /* Validate user input before touching the server; refuse early when
     * read-only (the backend refuses again in pn_queue_act). */
    pn_ctx *ctx = NULL;
    if (!o.dry_run) {
        if (!(ctx = pn_cli_ctx(cli))) {
            rc = PN_EXIT_FAIL;
            goto out;
        }
        pn_err err = PN_ERR_INIT;
        if (!pn_ctx_check_write(ctx, noun, &err)) {
            rc = pn_cli_fail(noun, &err);
            pn_err_clear(&err);
            goto out;
        }
    }
    if (o.filter) {
        f = parse_filter_or_fail(o.filter, &rc);
        if (!f)
            goto out;
        if (!ctx && !(ctx = pn_cli_ctx(cli))) {
            rc = PN_EXIT_FAIL;
            goto out;
        }
        pn_err err = PN_ERR_INIT;
        c.filter = f;
        c.now = (int64_t)time(NULL);
        if (!pn_queue_scan(ctx, on_collect, &c, NULL, &err)) {
            rc = pn_cli_fail(noun, &err);
            pn_err_clear(&err);
            goto out;
        }
    } else if (from_stdin) {
        read_ids_stdin(&c.ids);
    } else {
        for (size_t i = 0; i < o.words.n; i++)
            pn_argv_add(&c.ids, o.words.v[i]);
    }
    if (c.ids.n == 0) {
        if (cli->json)
            printf("{\"action\":\"%s\",\"requested\":0,\"done\":0,\"not_found\":0,\"failed\":0,\"results\":[]}\n", verb);
        else
            printf("no message matches: nothing to %s\n", verb);
        goto out;
    }
    if (o.dry_run) {
        pn_str out = PN_STR_INIT;
        if (cli->json) {
            pn_json j;
            pn_json_init(&j, &out, false);
            pn_json_obj_begin(&j);
            pn_json_kstr(&j, "action", verb);
            pn_json_kbool(&j, "dry_run", true);
            pn_json_kint(&j, "count", (int64_t)c.ids.n);
            pn_json_key(&j, "ids");
            pn_json_arr_begin(&j);
            for (size_t i = 0; i < c.ids.n; i++)
                pn_json_str(&j, c.ids.v[i]);
            pn_json_arr_end(&j);
            pn_json_obj_end(&j);
            pn_str_appendc(&out, '\n');
        } else {
            pn_str_appendf(&out, "would %s %zu message%s:\n", verb, c.ids.n, c.ids.n == 1 ? "" : "s");
            for (size_t i = 0; i < c.ids.n; i++) {
                pn_text_fit(&out, c.ids.v[i], 40, false);
                pn_str_appendc(&out, '\n');
            }
        }
        pn_cli_flush(&out);
        goto out;
    }
    if (!ctx && !(ctx = pn_cli_ctx(cli))) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    /* Bulk (a filter or several IDs) asks on a terminal; off a terminal a
     * filter needs --yes so a script never deletes by accident. */
    bool bulk = o.filter || c.ids.n > 1 || from_stdin;
    if (!o.yes && bulk) {
        if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && !from_stdin) {
            if (!confirm(verb, c.ids.n)) {
                fprintf(stderr, "postern: %s: cancelled, nothing changed\n", noun);
                rc = PN_EXIT_FAIL;
                goto out;
            }
        } else if (o.filter) {
            rc = pn_cli_usage(noun, "%zu messages match: add --yes to %s them without a terminal to confirm on",
                              c.ids.n, verb);
            goto out;
        }
    }
    pn_err err = PN_ERR_INIT;
    pn_qaction_report rep;
    memset(&rep, 0, sizeof(rep));
    if (!pn_queue_act(ctx, action, (const char *const *)c.ids.v, c.ids.n, &rep, &err)) {
        rc = err.code == PN_E_INVALID ? PN_EXIT_USAGE : PN_EXIT_FAIL;
        pn_cli_fail(noun, &err);
        pn_err_clear(&err);
        pn_qaction_report_free(&rep);
        goto out;
    }
    pn_str out = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &out, false);
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "action", verb);
        pn_json_kint(&j, "requested", (int64_t)rep.n);
        pn_json_kint(&j, "done", (int64_t)rep.done);
        pn_json_kint(&j, "not_found", (int64_t)rep.not_found);
        pn_json_kint(&j, "failed", (int64_t)rep.failed);
        pn_json_key(&j, "postfix_total");
        if (rep.postfix_total >= 0)
            pn_json_int(&j, rep.postfix_total);
        else
            pn_json_null(&j);
        pn_json_kstr(&j, "warning", rep.warning);
        pn_json_key(&j, "results");
        pn_json_arr_begin(&j);
        for (size_t i = 0; i < rep.n; i++) {
            pn_json_obj_begin(&j);
            pn_json_kstr(&j, "id", rep.results[i].qid);
            pn_json_kstr(&j, "outcome", pn_qoutcome_str(rep.results[i].outcome));
            pn_json_kstr(&j, "detail", rep.results[i].detail);
            pn_json_obj_end(&j);
        }
        pn_json_arr_end(&j);
        pn_json_obj_end(&j);
        pn_str_appendc(&out, '\n');
    } else {
        for (size_t i = 0; i < rep.n; i++) {
            pn_text_fit(&out, rep.results[i].qid, 16, true);
            pn_str_appendc(&out, ' ');
            pn_text_fit(&out, pn_qoutcome_str(rep.results[i].outcome), 10, true);
            pn_str_appendc(&out, ' ');
            pn_text_fit(&out, rep.results[i].detail ? rep.results[i].detail : "", 52, false);
            pn_str_appendc(&out, '\n');
        }
        pn_str_appendf(&out, "%s: %zu requested, %zu done, %zu not found (already delivered or removed), %zu failed\n",
                       verb, rep.n, rep.done, rep.not_found, rep.failed);
        if (rep.warning)
            pn_str_appendf(&out, "warning: %s\n", rep.warning);
    }
    pn_cli_flush(&out);
    rc = rep.failed ? PN_EXIT_FAIL : PN_EXIT_OK;
    pn_qaction_report_free(&rep);
out:
    pn_argv_free(&c.ids);
    pn_qfilter_free(f);
    pn_argv_free(&o.words);
    return rc;
}

static int queue_flush(pn_cli *cli, int argc, char **argv)
{
    int rc;
    if (!pn_cli_no_more_args("queue flush", argc, argv, 2, &rc))
        return rc;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return PN_EXIT_FAIL;
    pn_err err = PN_ERR_INIT;
    if (!pn_queue_flush(ctx, &err)) {
        rc = pn_cli_fail("queue flush", &err);
        pn_err_clear(&err);
        return rc;
    }
    printf("flush requested: Postfix attempts delivery of all queued mail now\n");
    return PN_EXIT_OK;
}

/* ---- watch ----------------------------------------------------------------- */

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

static int queue_watch(pn_cli *cli, int argc, char **argv)
{
    qopts o;
    int rc = PN_EXIT_OK;
    sqlite3 *db = NULL;
    if (!parse_opts("watch", " --interval --count --retention ", argc, argv, &o, &rc))
        goto out;
    if (o.words.n) {
        rc = pn_cli_usage("queue watch", "unexpected argument '%s'", o.words.v[0]);
        goto out;
    }
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_err err = PN_ERR_INIT;
    db = pn_db_open_state(ctx->cfg->state_db, &err);
    if (!db) {
        rc = pn_cli_fail("queue watch", &err);
        pn_err_clear(&err);
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_watch_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!cli->json)
        printf("sampling the queue every %ld s into %s (Ctrl-C stops)\n", o.interval, ctx->cfg->state_db);
    for (long i = 0; !watch_stop && (o.count < 0 || i < o.count); i++) {
        pn_qsample s;
        if (!pn_queue_sample(ctx, db, (int64_t)o.retention_h * 3600, &s, &err)) {
            rc = pn_cli_fail("queue watch", &err);
            pn_err_clear(&err);
            break;
        }
        pn_str out = PN_STR_INIT;
        if (cli->json) {
            pn_json j;
            pn_json_init(&j, &out, false);
            pn_json_obj_begin(&j);
            pn_json_kint(&j, "at", s.at);
            for (int q = 0; q < PN_QN_COUNT; q++)
                if (q != PN_QN_OTHER)
                    pn_json_kint(&j, pn_qname_str((pn_qname)q), s.count[q]);
            pn_json_kint(&j, "bytes", s.bytes);
            pn_json_obj_end(&j);
            pn_str_appendc(&out, '\n');
        } else {
            struct tm tm;
            time_t t = (time_t)s.at;
            localtime_r(&t, &tm);
            long total = 0;
            for (int q = 0; q < PN_QN_COUNT; q++)
                total += s.count[q];
            pn_str_appendf(&out, "%02d:%02d:%02d  total %ld  deferred %ld  hold %ld  active %ld  incoming %ld  ",
                           tm.tm_hour, tm.tm_min, tm.tm_sec, total, s.count[PN_QN_DEFERRED],
                           s.count[PN_QN_HOLD], s.count[PN_QN_ACTIVE], s.count[PN_QN_INCOMING]);
            pn_text_size(&out, s.bytes);
            pn_str_appendc(&out, '\n');
        }
        pn_cli_flush(&out);
        if (o.count >= 0 && i + 1 >= o.count)
            break;
        for (long k = 0; k < o.interval * 10 && !watch_stop; k++)
            usleep(100000);
    }
out:
    pn_db_close(db);
    pn_argv_free(&o.words);
    return rc;
}

/* ---- dispatch -------------------------------------------------------------- */

static int run_queue(pn_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return pn_cli_usage("queue", "missing action (list show shape delete hold release requeue resend flush watch)");
    const char *verb = argv[1];
    pn_qaction action;
    if (!strcmp(verb, "list"))
        return queue_list(cli, argc, argv);
    if (!strcmp(verb, "show"))
        return queue_show(cli, argc, argv);
    if (!strcmp(verb, "shape"))
        return queue_shape(cli, argc, argv);
    if (!strcmp(verb, "flush"))
        return queue_flush(cli, argc, argv);
    if (!strcmp(verb, "watch"))
        return queue_watch(cli, argc, argv);
    if (pn_qaction_parse(verb, &action))
        return queue_act(cli, action, argc, argv);
    return pn_cli_usage("queue", "unknown action '%s' (list show shape delete hold release requeue resend flush watch)", verb);
}

const pn_cli_noun pn_cli_noun_queue = {
    "queue",
    "list, inspect, shape and act on the Postfix queue",
    "usage: postern queue list [FILTER...] [--sort KEY] [--reverse] [--limit N] [--wide] [--json]\n"
    "       postern queue show ID [--envelope] [--headers] [--body] [--json]\n"
    "       postern queue shape [--by rcpt-domain|sender-domain|class|age] [FILTER...] [--json]\n"
    "       postern queue delete|hold|release|requeue|resend (ID...|-|--filter FILTER)\n"
    "                    [--dry-run] [--yes] [--json]\n"
    "       postern queue flush\n"
    "       postern queue watch [--interval SECONDS] [--count N] [--retention HOURS] [--json]\n"
    "\n"
    "FILTER terms (all must match; '!' negates one):\n"
    "  queue:deferred   sender:*@example.com   rcpt:@gmail.com   domain:*.example\n"
    "  reason:/TLS/     reason:refused         class:dns         id:ABC12*\n"
    "  age>2h  age<=30m  size>1M   a bare word matches ID, sender or recipient\n"
    "  classes: none refused timeout dns tls greylist remote-4xx local hold other\n"
    "\n"
    "list     the queue as a table (Q: D deferred, H hold, A active, I incoming,\n"
    "         M maildrop, C corrupt; LEFT: time before it bounces). --sort age|size|\n"
    "         sender|rcpt|reason|queue|id|class|time-left. --wide adds each\n"
    "         recipient's delay reason.\n"
    "show     postcat of one message: envelope, headers, body (sanitised, capped).\n"
    "shape    counts and sizes grouped like qshape.\n"
    "delete hold release requeue\n"
    "         one postsuper process with every ID on stdin. requeue gives the\n"
    "         message a new queue ID.\n"
    "resend   postqueue -i for each ID; flush: postqueue -f for everything.\n"
    "         Each ID is reported as done, not-found (already delivered or\n"
    "         removed: normal) or failed. --dry-run prints the count and IDs.\n"
    "         With several IDs or --filter, postern asks on a terminal; off a\n"
    "         terminal --filter needs --yes.\n"
    "watch    record queue samples (count per queue, bytes) in the state DB for\n"
    "         the console's chart.\n"
    "\n"
    "JSON (--json), stable:\n"
    "  list:  {listed_at, filter, messages: [{queue, id, arrival_time, age, size,\n"
    "         sender, forced_expire, class, time_left, recipients: [{address,\n"
    "         domain, delay_reason, class}]}], shown, matched, duplicates_skipped,\n"
    "         unparsable_lines}\n"
    "  shape: {by, filter, total_messages, total_bytes, groups: [{key, messages,\n"
    "         recipients, bytes, by_queue: {QUEUE: N}}]}\n"
    "  actions: {action, requested, done, not_found, failed, postfix_total,\n"
    "         warning, results: [{id, outcome, detail}]}; --dry-run: {action,\n"
    "         dry_run, count, ids}\n"
    "  show:  {id, message_id, subject, envelope, headers, body, *_truncated}\n"
    "  watch: one object per sample {at, maildrop, incoming, active, deferred,\n"
    "         hold, corrupt, bytes}\n",
    run_queue,
};
