/* logs_filter.c - the filter language of the Logs screen, on single lines.
 *
 *   word            the line contains word (case-insensitive); "two words"
 *                   in double quotes for blanks or a literal "key:value"
 *   qid:X           the line's queue ID is X (or it links to X: queued as,
 *                   notification, orig_queue_id, forwarded as)
 *   host:H          syslog host (glob)
 *   prog:P          program, or its daemon or instance part: prog:smtpd,
 *                   prog:postfix/submission/smtpd, prog:dovecot (glob)
 *   status:S        sent deferred bounced expired, or reject (NOQUEUE and
 *                   milter rejects)
 *   from:GLOB       sender address (qmgr from=, pickup from=); no wildcard:
 *                   a substring, so from:@shop.example works
 *   to:GLOB         recipient address (to= or orig_to=)
 *   since:T until:T YYYY-MM-DD[THH:MM[:SS]] (UTC), HH:MM today, or an age
 *                   before now: 30m 2h 3d
 *   !term           lines that do not match the term
 *
 * All terms must match (AND). A line filter looks at the line's own fields:
 * "from:x" shows the qmgr lines naming sender x; the messages of a sender
 * are a trace/search question (the trace view's next/previous message).
 * Unknown keys are an error with a suggestion, so that a typo never turns
 * into a silent substring. */
#include "logs_screen.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/timearg.h"

static const char *const keys[] = {"qid", "host", "prog", "status", "from", "to", "since", "until",
                                   NULL};
static const lg_term_kind key_kinds[] = {LG_T_QID,  LG_T_HOST, LG_T_PROG,  LG_T_STATUS,
                                         LG_T_FROM, LG_T_TO,   LG_T_SINCE, LG_T_UNTIL};

static char *lower_dup(const char *s, size_t n)
{
    char *d = pn_strndup(s, n);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static const char *const statuses[] = {"sent", "deferred", "bounced", "expired", "reject",
                                       "rejected", "undeliverable", "deliverable", NULL};

/* One token: text up to a blank, or a double-quoted run. */
static const char *next_token(const char *p, pn_str *tok, bool *quoted)
{
    pn_str_reset(tok);
    *quoted = false;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    bool neg = false;
    if (*p == '!' && p[1] == '"') {
        neg = true;
        p++;
    }
    if (*p == '"') {
        *quoted = true;
        if (neg)
            pn_str_appendc(tok, '!');
        p++;
        while (*p && *p != '"')
            pn_str_appendc(tok, *p++);
        if (*p == '"')
            p++;
        return p;
    }
    while (*p && *p != ' ' && *p != '\t')
        pn_str_appendc(tok, *p++);
    return p;
}

static void add_term(lg_filter *f, const lg_term *t)
{
    f->terms = pn_realloc(f->terms, (f->n + 1) * sizeof *f->terms);
    f->terms[f->n++] = *t;
}

static bool compile_term(lg_filter *f, const char *tok, bool quoted, int64_t now_s, pn_err *err)
{
    lg_term t;
    memset(&t, 0, sizeof t);
    if (*tok == '!' && tok[1]) {
        t.negate = true;
        tok++;
    }
    const char *colon = quoted ? NULL : strchr(tok, ':');
    size_t klen = colon ? (size_t)(colon - tok) : 0;
    bool keyish = colon && klen > 0;
    for (size_t i = 0; keyish && i < klen; i++)
        if (!islower((unsigned char)tok[i]) && tok[i] != '_' && tok[i] != '-')
            keyish = false;
    if (!keyish || !colon[1]) {
        t.kind = LG_T_WORD;
        t.arg = lower_dup(tok, strlen(tok));
        add_term(f, &t);
        return true;
    }
    int k = -1;
    for (int i = 0; keys[i]; i++)
        if (strlen(keys[i]) == klen && !strncmp(keys[i], tok, klen))
            k = i;
    if (k < 0) {
        char *key = pn_strndup(tok, klen);
        const char *near = pn_closest_name(key, keys, SIZE_MAX);
        pn_err_set(err, PN_E_INVALID,
                   "filter: unknown key '%s:' in '%s'%s%s%s (keys: qid host prog status from to "
                   "since until; quote \"%s\" to look for the text)",
                   key, tok, near ? " (did you mean " : "", near ? near : "", near ? ":?)" : "",
                   tok);
        free(key);
        return false;
    }
    const char *v = colon + 1;
    t.kind = key_kinds[k];
    if (t.kind == LG_T_SINCE || t.kind == LG_T_UNTIL) {
        if (!pn_time_parse_arg(v, now_s, &t.t_us))
            return pn_err_set(err, PN_E_INVALID,
                              "filter: %s: '%s' is not a time (YYYY-MM-DD[THH:MM[:SS]] local time or "
                              "with a zone, HH:MM today, or an age like 30m 2h 3d)",
                              keys[k], v);
    } else if (t.kind == LG_T_STATUS) {
        char *low = lower_dup(v, strlen(v));
        bool known = false;
        for (int i = 0; statuses[i]; i++)
            known |= !strcmp(statuses[i], low);
        if (!known) {
            const char *near = pn_closest_name(low, statuses, SIZE_MAX);
            pn_err_set(err, PN_E_INVALID,
                       "filter: status: '%s' is not a status (sent deferred bounced expired "
                       "reject)%s%s%s",
                       v, near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
            free(low);
            return false;
        }
        t.arg = low;
    } else {
        t.arg = lower_dup(v, strlen(v));
    }
    f->needs_parse = true;
    add_term(f, &t);
    return true;
}

lg_filter *lg_filter_compile(const char *text, int64_t now_s, pn_err *err)
{
    if (!text)
        return NULL;
    lg_filter *f = pn_calloc(1, sizeof *f);
    f->text = pn_strdup(text);
    f->now_s = now_s;
    pn_str tok = PN_STR_INIT;
    bool quoted;
    const char *p = text;
    while ((p = next_token(p, &tok, &quoted))) {
        if (!tok.len)
            continue;
        if (!compile_term(f, pn_str_cstr(&tok), quoted, now_s, err)) {
            pn_str_free(&tok);
            lg_filter_free(f);
            return NULL;
        }
    }
    pn_str_free(&tok);
    if (f->n == 0) {
        lg_filter_free(f);
        return NULL;
    }
    return f;
}

void lg_filter_free(lg_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->terms[i].arg);
    free(f->terms);
    free(f->text);
    free(f);
}

/* Case-insensitive substring; needle is lower case. */
static bool ci_contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0)
        return true;
    if (m > n)
        return false;
    int c0 = (unsigned char)needle[0];
    int c1 = toupper(c0);
    for (size_t i = 0; i + m <= n; i++) {
        int c = (unsigned char)hay[i];
        if (c != c0 && c != c1)
            continue;
        size_t k = 1;
        while (k < m && tolower((unsigned char)hay[i + k]) == (unsigned char)needle[k])
            k++;
        if (k == m)
            return true;
    }
    return false;
}

static bool span_eq(pn_span s, const char *lower)
{
    size_t m = strlen(lower);
    if (s.n != m)
        return false;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s.p[i]) != (unsigned char)lower[i])
            return false;
    return true;
}

static bool has_wildcard(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Glob (case-insensitive) when it has wildcards, else a substring; exact
 * requires the whole span without wildcards. */
static bool span_glob(pn_span s, const char *pat, bool exact)
{
    if (!s.n)
        return false;
    if (!has_wildcard(pat))
        return exact ? span_eq(s, pat) : ci_contains(s.p, s.n, pat);
    char *v = pn_strndup(s.p, s.n);
    bool hit = fnmatch(pat, v, FNM_CASEFOLD) == 0;
    free(v);
    return hit;
}

static bool term_match(const lg_term *t, const char *line, size_t len, const pn_logline *pl)
{
    switch (t->kind) {
    case LG_T_WORD:
        return ci_contains(line, len, t->arg);
    case LG_T_QID:
        return span_eq(pl->qid, t->arg) || span_eq(pl->queued_as, t->arg) ||
               span_eq(pl->notification_qid, t->arg) || span_eq(pl->orig_queue_id, t->arg) ||
               span_eq(pl->forwarded_as, t->arg) || span_eq(pl->orig_id, t->arg);
    case LG_T_HOST:
        return span_glob(pl->host, t->arg, true);
    case LG_T_PROG:
        return span_glob(pl->program, t->arg, true) || span_glob(pl->daemon, t->arg, true) ||
               span_glob(pl->instance, t->arg, true);
    case LG_T_STATUS:
        if (!strncmp(t->arg, "reject", 6))
            return pl->kind == PN_LK_REJECT || pl->kind == PN_LK_MILTER;
        if (!strcmp(t->arg, "expired") && pl->kind == PN_LK_EXPIRED)
            return true;
        return span_eq(pl->status, t->arg);
    case LG_T_FROM:
        return span_glob(pl->from, t->arg, false);
    case LG_T_TO:
        return span_glob(pl->to, t->arg, false) || span_glob(pl->orig_to, t->arg, false);
    case LG_T_SINCE:
        return pl->ts_us && pl->ts_us >= t->t_us;
    case LG_T_UNTIL:
        return pl->ts_us && pl->ts_us < t->t_us;
    }
    return false;
}

bool lg_filter_match(const lg_filter *f, const char *line, size_t len, const pn_logline *pl)
{
    if (!f)
        return true;
    for (size_t i = 0; i < f->n; i++) {
        const lg_term *t = &f->terms[i];
        if (t->kind != LG_T_WORD && !pl)
            return false;
        if (term_match(t, line, len, pl) == t->negate)
            return false;
    }
    return true;
}

void lg_filter_describe(const lg_filter *f, pn_str *out)
{
    if (!f)
        return;
    pn_str_append(out, f->text);
}
