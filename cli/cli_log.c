/* cli_log.c - `postern log search|tail`: find messages in the mail logs
 * (one row each) and show or follow the live log. Thin layers over
 * pn_log_search and pn_logreader / pn_logfollow.
 *
 *   postern log search [TERMS...] [--since T] [--until T] [--limit N] [--json] [--log PATH]...
 *                      [--index FILE | --no-index]
 *   postern log tail [--follow] [-n N] [TEXT] [--log PATH]
 *   postern log index [--rebuild] [--index FILE] [--log PATH]...
 */
#include "cli.h"
#include "cli_logopts.h"
#include "maillog.h"
#include "maillog_index.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
    (void)sig;
    stop_now = 1;
}

static void put_time(pn_str *out, int64_t us)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[40];
    strftime(b, sizeof(b), us ? "%Y-%m-%d %H:%M:%S" : "-", &tm);
    pn_str_append(out, b);
}

typedef struct search_out {
    bool json;
    pn_json j;
    pn_str out;
    size_t n;
} search_out;

static bool on_msg(void *ctx, const pn_logmsg *m)
{
    search_out *so = ctx;
    so->n++;
    if (so->json) {
        pn_json *j = &so->j;
        pn_json_obj_begin(j);
        pn_json_kstr(j, "qid", m->qid);
        pn_json_kstr(j, "host", m->host);
        pn_json_kstr(j, "message_id", m->message_id);
        pn_json_kstr(j, "from", m->from);
        pn_json_key(j, "recipients");
        pn_json_arr_begin(j);
        for (size_t i = 0; i < m->rcpts.n; i++)
            pn_json_str(j, m->rcpts.v[i]);
        pn_json_arr_end(j);
        pn_json_kstr(j, "status", m->status);
        pn_json_kint(j, "first_us", m->first_us);
        pn_json_kint(j, "last_us", m->last_us);
        pn_json_obj_end(j);
        return true;
    }
    pn_str *o = &so->out;
    put_time(o, m->first_us);
    pn_str_append(o, "  ");
    pn_utf8_sanitize(o, m->qid, strlen(m->qid), 0);
    pn_str_append(o, "  ");
    pn_utf8_sanitize(o, m->status, strlen(m->status), 0);
    pn_str_append(o, "  <");
    if (m->from)
        pn_utf8_sanitize(o, m->from, strlen(m->from), 0);
    pn_str_append(o, "> ->");
    for (size_t i = 0; i < m->rcpts.n; i++) {
        pn_str_append(o, i ? ", " : " ");
        pn_utf8_sanitize(o, m->rcpts.v[i], strlen(m->rcpts.v[i]), 0);
    }
    pn_str_append(o, "\n");
    if (o->len > 65536) {
        fwrite(o->s, 1, o->len, stdout);
        pn_str_truncate(o, 0);
    }
    return true;
}

/* TERM: from:GLOB to:GLOB ip:IP|CIDR user:NAME status:S, else text. */
static bool take_term(pn_logquery *q, pn_str *text, const char *a)
{
    static const char *const keys[] = {"from:", "to:", "ip:", "user:", "status:"};
    const char **slots[] = {&q->sender, &q->rcpt, &q->client_ip, &q->sasl_user, &q->status};
    for (int k = 0; k < 5; k++)
        if (!strncmp(a, keys[k], strlen(keys[k]))) {
            *slots[k] = a + strlen(keys[k]);
            return **slots[k] != 0;
        }
    if (text->len)
        pn_str_append(text, " ");
    pn_str_append(text, a);
    return true;
}

static int run_search(pn_cli *cli, int argc, char **argv)
{
    pn_cli_logopts lo = {0};
    pn_logquery q = {0};
    pn_str text = PN_STR_INIT;
    bool json = cli->json;
    int rc = PN_EXIT_OK;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (pn_cli_logopt("log", &lo, argc, argv, &i, &rc) ||
            pn_cli_indexopt("log", &lo, argc, argv, &i, &rc)) {
            if (rc)
                goto out;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--limit")) {
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || *end || v < 1) {
                rc = pn_cli_usage("log", "--limit needs a whole number >= 1");
                goto out;
            }
            q.limit = (size_t)v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            rc = pn_cli_usage("log", "unknown option '%s'", a);
            goto out;
        } else if (!take_term(&q, &text, a)) {
            rc = pn_cli_usage("log", "search term '%s' has no value", a);
            goto out;
        }
    }
    if (text.len)
        q.text = pn_str_cstr(&text);
    q.since_us = lo.since_us;
    q.until_us = lo.until_us;
    pn_logset ls = {0};
    pn_logindex *ix = NULL;
    if (!pn_cli_logsources(cli, &lo, &ls, &ix)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_trace_opts o = {&ls, lo.since_us, lo.until_us, lo.host, 0, ix};
    search_out so = {.json = json};
    if (json) {
        pn_json_init(&so.j, &so.out, false);
        pn_json_obj_begin(&so.j);
        pn_json_key(&so.j, "messages");
        pn_json_arr_begin(&so.j);
    }
    pn_err err = PN_ERR_INIT;
    if (!pn_log_search(&o, &q, on_msg, &so, &err)) {
        pn_str_free(&so.out);
        rc = pn_cli_fail("log search", &err);
        pn_err_clear(&err);
    } else {
        if (json) {
            pn_json_arr_end(&so.j);
            pn_json_kint(&so.j, "count", (int64_t)so.n);
            pn_json_obj_end(&so.j);
            pn_str_append(&so.out, "\n");
        } else if (!so.n) {
            pn_str_append(&so.out, "no message matches\n");
        }
        pn_cli_flush(&so.out);
        rc = so.n || json ? PN_EXIT_OK : PN_EXIT_FAIL;
    }
    pn_logindex_close(ix);
    pn_logset_free(&ls);
out:
    pn_str_free(&text);
    pn_cli_logopts_free(&lo);
    return rc;
}

static void print_line(const char *line, size_t len)
{
    pn_str o = PN_STR_INIT;
    pn_utf8_sanitize(&o, line, len, PN_SAN_KEEP_TAB);
    pn_str_append(&o, "\n");
    fwrite(o.s, 1, o.len, stdout);
    pn_str_free(&o);
}

static int run_tail(pn_cli *cli, int argc, char **argv)
{
    pn_cli_logopts lo = {0};
    bool follow = false;
    long nlines = 20;
    const char *filter = NULL;
    int rc = PN_EXIT_OK;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (pn_cli_logopt("log", &lo, argc, argv, &i, &rc)) {
            if (rc)
                goto out;
        } else if (!strcmp(a, "--follow") || !strcmp(a, "-f")) {
            follow = true;
        } else if (!strcmp(a, "-n") || !strcmp(a, "--lines")) {
            char *end;
            nlines = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || *end || nlines < 0) {
                rc = pn_cli_usage("log", "-n needs a whole number >= 0");
                goto out;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            rc = pn_cli_usage("log", "unknown option '%s'", a);
            goto out;
        } else if (filter) {
            rc = pn_cli_usage("log", "tail takes one filter text, not also '%s'", a);
            goto out;
        } else {
            filter = a;
        }
    }
    pn_logset ls = {0};
    if (!pn_cli_logset(cli, &lo, &ls)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    if (!ls.n) {
        pn_logset_free(&ls);
        fprintf(stderr, "postern: log tail: no log file\n");
        rc = PN_EXIT_FAIL;
        goto out;
    }
    /* the last N matching lines of the newest file */
    pn_err err = PN_ERR_INIT;
    const pn_logfile *last = &ls.files[ls.n - 1];
    pn_logreader *r = pn_logreader_open(last, &err);
    if (!r) {
        rc = pn_cli_fail("log tail", &err);
        pn_err_clear(&err);
        pn_logset_free(&ls);
        goto out;
    }
    char **ring = pn_calloc((size_t)nlines + 1, sizeof(char *));
    size_t *rlen = pn_calloc((size_t)nlines + 1, sizeof(size_t));
    size_t head = 0, count = 0;
    const char *line;
    size_t len;
    pn_logpos pos;
    size_t flen = filter ? strlen(filter) : 0;
    while (nlines > 0 && pn_logreader_next(r, &line, &len, &pos)) {
        if (flen && !memmem(line, len, filter, flen))
            continue;
        free(ring[head]);
        ring[head] = pn_strndup(line, len);
        rlen[head] = len;
        head = (head + 1) % (size_t)nlines;
        if (count < (size_t)nlines)
            count++;
    }
    pn_logreader_close(r);
    for (size_t k = 0; k < count; k++) {
        size_t at = (head + (size_t)nlines - count + k) % (size_t)nlines;
        print_line(ring[at], rlen[at]);
    }
    for (long k = 0; k < nlines; k++)
        free(ring[k]);
    free(ring);
    free(rlen);
    fflush(stdout);
    if (follow) {
        pn_logfollow *f = pn_logfollow_open(last->path, true, &err);
        if (!f) {
            rc = pn_cli_fail("log tail", &err);
            pn_err_clear(&err);
        } else {
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
            signal(SIGPIPE, on_signal);
            while (!stop_now) {
                int got = pn_logfollow_next(f, 500, &line, &len, &err);
                if (got < 0) {
                    rc = pn_cli_fail("log tail", &err);
                    pn_err_clear(&err);
                    break;
                }
                if (got == 1 && (!flen || memmem(line, len, filter, flen))) {
                    print_line(line, len);
                    fflush(stdout);
                }
            }
            pn_logfollow_close(f);
        }
    }
    pn_logset_free(&ls);
out:
    pn_cli_logopts_free(&lo);
    return rc;
}

/* ---- log index ---------------------------------------------------------------- */

static void index_progress(void *cbctx, double fraction, int64_t done, int64_t total)
{
    (void)cbctx;
    fprintf(stderr, "\rindexing: %3d%% (%lld of %lld MiB)", (int)(fraction * 100.0),
            (long long)(done >> 20), (long long)(total >> 20));
    fflush(stderr);
}

static int run_index(pn_cli *cli, int argc, char **argv)
{
    pn_cli_logopts lo = {0};
    pn_ixupdate_opts uo = {0};
    const char *path = NULL;
    int rc = PN_EXIT_OK;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (pn_cli_logopt("log", &lo, argc, argv, &i, &rc)) {
            if (rc)
                goto out;
        } else if (!strcmp(a, "--rebuild")) {
            uo.rebuild = true;
        } else if (!strcmp(a, "--index")) {
            if (i + 1 >= argc) {
                rc = pn_cli_usage("log", "--index needs a file name");
                goto out;
            }
            path = argv[++i];
        } else {
            rc = pn_cli_usage("log", "index: unknown argument '%s'", a);
            goto out;
        }
    }
    pn_logset ls = {0};
    if (!pn_cli_logset(cli, &lo, &ls)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    pn_err err = PN_ERR_INIT;
    pn_logindex *ix = pn_logindex_open(pn_cli_ctx(cli), path, &err);
    if (!ix) {
        rc = pn_cli_fail("log index", &err);
        pn_err_clear(&err);
        pn_logset_free(&ls);
        goto out;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_now = 0;
    uo.cancel = (const volatile int *)&stop_now;
    bool tty = isatty(STDERR_FILENO);
    if (tty)
        uo.progress = index_progress;
    pn_ixstats st;
    bool ok = pn_logindex_update(ix, &ls, &uo, &st, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (tty)
        fputs("\r\033[K", stderr);
    if (!ok) {
        rc = pn_cli_fail("log index", &err);
        pn_err_clear(&err);
    } else {
        printf("%s: %zu files (%d new, %d grown, %d renamed, %d compressed, %d dropped, "
               "%d unchanged), %.1f MiB of text (%.1f MiB read), %lld blocks, %lld keys, "
               "index %.1f MiB (%.1f%%), %.2f s\n",
               pn_logindex_path(ix), ls.n, st.files_added, st.files_extended, st.files_renamed,
               st.files_compressed, st.files_dropped, st.files_unchanged,
               (double)st.bytes_total / 1048576.0, (double)st.bytes_read / 1048576.0,
               (long long)st.blocks, (long long)st.keys, (double)st.index_bytes / 1048576.0,
               st.bytes_total ? 100.0 * (double)st.index_bytes / (double)st.bytes_total : 0.0,
               st.seconds);
    }
    pn_logindex_close(ix);
    pn_logset_free(&ls);
out:
    pn_cli_logopts_free(&lo);
    return rc;
}

static int run_log(pn_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return pn_cli_usage("log", "give a verb: search, tail or index");
    if (!strcmp(argv[1], "search"))
        return run_search(cli, argc, argv);
    if (!strcmp(argv[1], "tail"))
        return run_tail(cli, argc, argv);
    if (!strcmp(argv[1], "index"))
        return run_index(cli, argc, argv);
    return pn_cli_usage("log", "unknown verb '%s' (search, tail or index)", argv[1]);
}

const pn_cli_noun pn_cli_noun_log = {
    "log",
    "search the mail logs for messages, show and follow the live log",
    "usage: postern log search [TERM...] [--since TIME] [--until TIME] [--limit N] [--json]\n"
    "                          [--log PATH]... [--host HOST] [--index FILE | --no-index]\n"
    "       postern log tail [--follow] [-n N] [TEXT] [--log PATH]\n"
    "       postern log index [--rebuild] [--index FILE] [--log PATH]...\n"
    "\n"
    "search   messages, one row each (first queue ID, worst final status, sender,\n"
    "         recipients) whose lines match every TERM:\n"
    "           from:GLOB  to:GLOB   sender / any recipient ('*@example.com')\n"
    "           ip:IP|CIDR           the client that sent it ('192.0.2.0/24')\n"
    "           user:NAME            SASL user (a glob)\n"
    "           status:S             sent deferred bounced expired rejected queued\n"
    "           other words          text in any line of the message\n"
    "         Exit 1 when nothing matches. --limit N: at most N rows (1000).\n"
    "         An exact from:/to:/user:/ip: term is answered from the log index\n"
    "         (--index FILE, else the default one when it exists and no --log is\n"
    "         given) with the same rows as a scan; --no-index scans.\n"
    "tail     the last N lines (20) of the newest log file, only those with TEXT\n"
    "         when given; --follow keeps printing lines as they are written, across\n"
    "         rotation. Lines are made safe for the terminal.\n"
    "--log P  read these files instead of the configured sources (repeatable).\n"
    "TIME     RFC 3339, 'YYYY-MM-DD[ HH:MM[:SS]]' (local time) or '2h'/'3d' ago.\n"
    "\n"
    "index    bring the on-disk index of the logs up to date: only what was added\n"
    "         since the last run is read; a rotated file is recognised, not read\n"
    "         again. Progress on stderr (a terminal); one summary line. The index\n"
    "         is logindex.db beside the state DB (--index FILE: elsewhere); it can\n"
    "         be deleted at any time. --rebuild: start from nothing.\n"
    "JSON (--json), stable: {messages: [{qid, host, message_id, from, recipients,\n"
    "  status, first_us, last_us}], count}\n",
    run_log,
};
