/* queue_list.c - listing the queue: stream `postqueue -c DIR -j` through the
 * transport, split it into lines across chunk boundaries, parse each line,
 * drop duplicate queue IDs (the listing is not atomic, so Postfix may print a
 * message twice) and hand entries to a callback, or collect them in a list.
 *
 * Memory is constant in the number of entries apart from the set of IDs seen
 * (one small string each). A line that does not parse, or that is longer than
 * PN_QLINE_MAX, is counted in stats->bad_lines and skipped. */
#include "queue.h"
#include "queue_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

#define SCAN_TIMEOUT_MS 120000

/* ---- ID set (open addressing, linear probing) ----------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static size_t qidset_slot(char *const *slots, size_t cap, const char *s)
{
    size_t mask = cap - 1;
    size_t i = (size_t)hash_str(s) & mask;
    while (slots[i] && strcmp(slots[i], s) != 0)
        i = (i + 1) & mask;
    return i;
}

static void qidset_grow(pn_qidset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    char **slots = pn_calloc(cap, sizeof(*slots));
    for (size_t i = 0; i < set->cap; i++)
        if (set->slots[i])
            slots[qidset_slot(slots, cap, set->slots[i])] = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
}

bool pn_qidset_has(const pn_qidset *set, const char *s)
{
    if (set->cap == 0)
        return false;
    return set->slots[qidset_slot(set->slots, set->cap, s)] != NULL;
}

bool pn_qidset_add(pn_qidset *set, const char *s)
{
    if ((set->n + 1) * 4 > set->cap * 3)   /* keep the load factor <= 3/4 */
        qidset_grow(set);
    size_t i = qidset_slot(set->slots, set->cap, s);
    if (set->slots[i])
        return false;
    set->slots[i] = pn_strdup(s);
    set->n++;
    return true;
}

void pn_qidset_free(pn_qidset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof(*set));
}

/* ---- Line splitter ------------------------------------------------------- */

void pn_qlines_init(pn_qlines *p, size_t max_line, pn_qentry_cb cb, void *cbctx,
                    pn_qscan_stats *stats)
{
    memset(p, 0, sizeof(*p));
    p->max_line = max_line ? max_line : PN_QLINE_MAX;
    p->cb = cb;
    p->cbctx = cbctx;
    p->stats = stats;
}

void pn_qlines_free(pn_qlines *p)
{
    pn_str_free(&p->buf);
    pn_qidset_free(&p->seen);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* One complete line (without its '\n'). */
static void handle_line(pn_qlines *p, const char *line, size_t len)
{
    if (blank(line, len))
        return;
    pn_qentry e;
    if (!pn_qentry_parse_json(line, len, &e, NULL)) {
        p->stats->bad_lines++;
        return;
    }
    if (!pn_qidset_add(&p->seen, e.qid)) {
        p->stats->duplicates++;
    } else {
        p->stats->entries++;
        if (p->cb && !p->cb(p->cbctx, &e))
            p->stopped = true;
    }
    pn_qentry_free(&e);
}

bool pn_qlines_feed(pn_qlines *p, const char *data, size_t len)
{
    while (len > 0 && !p->stopped) {
        const char *nl = memchr(data, '\n', len);
        size_t piece = nl ? (size_t)(nl - data) : len;
        if (p->overlong) {
            /* discard the rest of an overlong line */
        } else if (p->buf.len + piece > p->max_line) {
            p->overlong = true;
            pn_str_reset(&p->buf);
        } else if (nl && p->buf.len == 0) {
            handle_line(p, data, piece);   /* whole line inside this chunk: no copy */
        } else {
            pn_str_appendn(&p->buf, data, piece);
            if (nl) {
                handle_line(p, p->buf.s, p->buf.len);
                pn_str_reset(&p->buf);
            }
        }
        if (nl && p->overlong) {
            p->stats->bad_lines++;
            p->overlong = false;
        }
        if (!nl)
            break;
        data += piece + 1;
        len -= piece + 1;
    }
    return !p->stopped;
}

bool pn_qlines_finish(pn_qlines *p)
{
    if (p->stopped)
        return false;
    if (p->overlong) {
        p->stats->bad_lines++;
        p->overlong = false;
    } else if (p->buf.len > 0) {
        handle_line(p, p->buf.s, p->buf.len);
    }
    pn_str_reset(&p->buf);
    return !p->stopped;
}

static bool feed_cb(void *ctx, const char *data, size_t len)
{
    return pn_qlines_feed(ctx, data, len);
}

/* ---- Scan and list ------------------------------------------------------- */

/* First line of stderr that is not the harmless "Mail system is down"
 * warning, for error messages. */
static char *first_stderr_line(const pn_str *err)
{
    const char *p = pn_str_cstr(err);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && !memmem(p, n, "Mail system is down", 19))
            return pn_strndup(p, n > 300 ? 300 : n);
        p += n + (nl ? 1 : 0);
    }
    return pn_strdup("no message on stderr");
}

bool pn_queue_scan(pn_ctx *ctx, pn_qentry_cb cb, void *cbctx, pn_qscan_stats *stats,
                   pn_err *err)
{
    pn_qscan_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));

    const char *argv[] = {"postqueue", "-c", ctx->cfg->postfix_config_dir, "-j", NULL};
    pn_qlines lines;
    pn_qlines_init(&lines, 0, cb, cbctx, stats);
    pn_run_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.timeout_ms = SCAN_TIMEOUT_MS;
    opts.on_stdout = feed_cb;
    opts.cb_ctx = &lines;
    pn_run_result res = PN_RUN_RESULT_INIT;

    bool ok = pn_run(ctx->tr, argv, &opts, &res, err);
    if (ok && !lines.stopped)
        pn_qlines_finish(&lines);
    if (!ok) {
        pn_err_prefix(err, "postqueue -j");
    } else if (lines.stopped) {
        /* the callback asked to stop: not an error */
    } else if (res.timed_out) {
        ok = pn_err_set(err, PN_E_TIMEOUT, "postqueue -c %s -j: no result after %d s",
                        ctx->cfg->postfix_config_dir, SCAN_TIMEOUT_MS / 1000);
    } else if (res.exit_code != 0) {
        char *why = first_stderr_line(&res.err);
        if (res.term_signal)
            ok = pn_err_set(err, PN_E_EXEC, "postqueue -c %s -j: killed by signal %d: %s",
                            ctx->cfg->postfix_config_dir, res.term_signal, why);
        else
            ok = pn_err_set(err, PN_E_EXEC, "postqueue -c %s -j: exit code %d: %s",
                            ctx->cfg->postfix_config_dir, res.exit_code, why);
        free(why);
    }
    pn_run_result_free(&res);
    pn_qlines_free(&lines);
    return ok;
}

void pn_qlist_push(pn_qlist *l, const pn_qentry *e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = pn_realloc(l->items, l->cap * sizeof(*l->items));
    }
    pn_qentry_copy(&l->items[l->n++], e);
}

void pn_qlist_free(pn_qlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        pn_qentry_free(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static bool collect_cb(void *ctx, const pn_qentry *e)
{
    pn_qlist_push(ctx, e);
    return true;
}

bool pn_queue_list(pn_ctx *ctx, pn_qlist *out, pn_qscan_stats *stats, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    out->listed_at = (int64_t)time(NULL);
    if (!pn_queue_scan(ctx, collect_cb, out, stats, err)) {
        pn_qlist_free(out);
        return false;
    }
    if (out->cap > out->n && out->n > 0) {   /* give back the growth slack */
        out->items = pn_realloc(out->items, out->n * sizeof(*out->items));
        out->cap = out->n;
    }
    return true;
}
