/* queue_filter.c - the queue filter language (see queue.h): parse a filter
 * once into precompiled terms, then match entries without allocating.
 *
 * Lexing: terms are separated by ASCII spaces only; a double-quoted stretch
 * ("...") may contain spaces and may appear anywhere in a term; inside quotes
 * \" and \\ stand for " and \, any other backslash is kept as it is (so a
 * regex like "/a\.b/" survives). Control characters (including TAB and
 * newline), C1 controls, bidi overrides and invalid UTF-8 are rejected, so
 * the term text quoted in an error can never disturb a terminal. A key is
 * recognised only when it is written unquoted: "id:x" in quotes is a bare
 * word. Keys are case-insensitive.
 *
 * Matching decisions:
 *  - Globs know only * and ? (a literal [ ] or \ matches itself); address,
 *    domain globs fold ASCII case, id: globs do not. Globs of the forms X,
 *    X*, *X, *X* are matched without fnmatch.
 *  - class:C matches when the message's class (e->cls) or any recipient's
 *    class is C (a two-recipient message refused for one and DNS-failing for
 *    the other shows up under both).
 *  - reason: looks at every recipient that has a delay reason; a recipient
 *    without one never matches, so !reason:x keeps messages with no reason.
 *  - age = now - arrival in seconds; '=' compares exactly (age=0s, size=0).
 *    Age needs a unit (s m h d w, lower case); size is in bytes unless
 *    followed by k/K, m/M or g/G (powers of 1024). Whole numbers only.
 *  - Terms are evaluated cheapest first (AND has no order); the normalised
 *    text keeps the order the user typed, with aliases (from:, to:) replaced
 *    by their canonical key and values re-quoted only where needed, so
 *    parse(text(f)) gives the same text again. */
#include "queue.h"

#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

#include <fnmatch.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX 60   /* bytes of a term quoted in an error before "..." */

typedef enum tkind {
    T_QUEUE, T_CLASS, T_AGE, T_SIZE, T_ID, T_SENDER, T_NULL_SENDER, T_RCPT, T_DOMAIN,
    T_WORD, T_REASON_SUB, T_REASON_RE,
} tkind;

typedef enum top { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ } top;

typedef enum gkind { G_ANY, G_EXACT, G_PREFIX, G_SUFFIX, G_CONTAINS, G_FNMATCH } gkind;

typedef struct glob {
    gkind k;
    bool icase;
    char *pat;       /* literal part (lower-cased when icase), or fnmatch pattern */
    size_t len;
} glob;

typedef struct term {
    tkind kind;
    bool neg;
    top op;
    int64_t num;     /* age seconds or size bytes */
    int code;        /* pn_qname or pn_qclass */
    glob g;          /* ID SENDER RCPT DOMAIN */
    char *sub;       /* WORD, REASON_SUB: lower-cased needle */
    size_t sublen;
    regex_t re;      /* REASON_RE */
} term;

struct pn_qfilter {
    term *t;         /* in evaluation order */
    size_t n;
    char *text;
};

/* ---- small helpers ------------------------------------------------------- */

static inline unsigned char lc(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static char *lower_dup(const char *s, size_t n)
{
    char *d = pn_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        d[i] = (char)lc((unsigned char)s[i]);
    d[n] = '\0';
    return d;
}

/* Case-insensitive (ASCII) substring test; needle is lower case. */
static bool ci_contains(const char *hay, const char *needle, size_t n)
{
    if (n == 0)
        return true;
    unsigned char f = (unsigned char)needle[0];
    for (const unsigned char *p = (const unsigned char *)hay; *p; p++) {
        if (lc(*p) != f)
            continue;
        size_t i = 1;
        while (i < n && p[i] && lc(p[i]) == (unsigned char)needle[i])
            i++;
        if (i == n)
            return true;
        if (!p[i])
            return false;     /* the rest of hay is shorter than needle */
    }
    return false;
}

static bool prefix_eq(const char *s, const char *pat, size_t n, bool icase)
{
    if (!icase)
        return strncmp(s, pat, n) == 0;
    for (size_t i = 0; i < n; i++) {
        if (!s[i] || lc((unsigned char)s[i]) != (unsigned char)pat[i])
            return false;
    }
    return true;
}

static bool glob_match(const glob *g, const char *s)
{
    if (!s)
        s = "";
    switch (g->k) {
    case G_ANY:
        return true;
    case G_EXACT:
        return prefix_eq(s, g->pat, g->len, g->icase) && s[g->len] == '\0';
    case G_PREFIX:
        return prefix_eq(s, g->pat, g->len, g->icase);
    case G_SUFFIX: {
        size_t n = strlen(s);
        return n >= g->len && prefix_eq(s + n - g->len, g->pat, g->len, g->icase);
    }
    case G_CONTAINS:
        return g->icase ? ci_contains(s, g->pat, g->len) : strstr(s, g->pat) != NULL;
    case G_FNMATCH:
        return fnmatch(g->pat, s, g->icase ? FNM_CASEFOLD : 0) == 0;
    }
    return false;
}

/* Compile a glob where only * and ? are special. */
static void glob_compile(glob *g, const char *v, bool icase)
{
    size_t n = strlen(v), a = 0, b = n;
    g->icase = icase;
    while (a < b && v[a] == '*')
        a++;
    while (b > a && v[b - 1] == '*')
        b--;
    bool inner = false;
    for (size_t i = a; i < b; i++) {
        if (v[i] == '*' || v[i] == '?')
            inner = true;
    }
    if (!inner) {
        g->len = b - a;
        g->pat = icase ? lower_dup(v + a, b - a) : pn_strndup(v + a, b - a);
        if (g->len == 0)
            g->k = G_ANY;
        else if (a > 0 && b < n)
            g->k = G_CONTAINS;
        else if (a > 0)
            g->k = G_SUFFIX;
        else if (b < n)
            g->k = G_PREFIX;
        else
            g->k = G_EXACT;
        return;
    }
    pn_str p = PN_STR_INIT;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '[' || v[i] == ']' || v[i] == '\\')
            pn_str_appendc(&p, '\\');
        pn_str_appendc(&p, v[i]);
    }
    g->k = G_FNMATCH;
    g->len = p.len;
    g->pat = pn_str_steal(&p);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32)
        return 99;
    size_t prev[33], cur[33];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t c = prev[j - 1] + (lc((unsigned char)a[i - 1]) != lc((unsigned char)b[j - 1]));
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[lb];
}

/* The closest name to s: a unique-ish prefix first, else the smallest edit
 * distance within 1 (short words) or 2. NULL when nothing is close. */
static const char *suggest(const char *s, const char *const *names, size_t n)
{
    size_t ls = strlen(s);
    if (ls >= 2) {
        for (size_t i = 0; i < n; i++) {
            if (strncasecmp(names[i], s, ls) == 0)
                return names[i];
        }
    }
    const char *best = NULL;
    size_t bestd = ls <= 3 ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(s, names[i]);
        if (d <= bestd && (!best || d < edit_distance(s, best)))
            best = names[i];
    }
    return best;
}

/* ---- keys ------------------------------------------------------------------ */

enum key { K_QUEUE, K_SENDER, K_RCPT, K_DOMAIN, K_REASON, K_CLASS, K_ID, K_AGE, K_SIZE };

static const struct keydef {
    const char *name;
    enum key key;
} keys[] = {
    {"queue", K_QUEUE}, {"sender", K_SENDER}, {"from", K_SENDER}, {"rcpt", K_RCPT},
    {"to", K_RCPT}, {"domain", K_DOMAIN}, {"reason", K_REASON}, {"class", K_CLASS},
    {"id", K_ID}, {"age", K_AGE}, {"size", K_SIZE},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *const canon[] = {
    [K_QUEUE] = "queue", [K_SENDER] = "sender", [K_RCPT] = "rcpt", [K_DOMAIN] = "domain",
    [K_REASON] = "reason", [K_CLASS] = "class", [K_ID] = "id", [K_AGE] = "age",
    [K_SIZE] = "size",
};

static bool find_key(const char *s, size_t n, enum key *out)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strlen(keys[i].name) == n && strncasecmp(keys[i].name, s, n) == 0) {
            *out = keys[i].key;
            return true;
        }
    }
    return false;
}

/* ---- lexing ---------------------------------------------------------------- */

/* Remove the quotes of a raw value (the lexer has checked they balance). */
static char *unquote(const char *p, size_t n)
{
    pn_str s = PN_STR_INIT;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            q = !q;
        } else if (q && p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\')) {
            pn_str_appendc(&s, p[++i]);
        } else {
            pn_str_appendc(&s, p[i]);
        }
    }
    return pn_str_steal(&s);
}

/* Append v, quoted when a re-parse would otherwise read it differently. */
static void append_value(pn_str *out, const char *v, bool bare)
{
    bool need = *v == '\0';
    for (const char *p = v; *p; p++) {
        if (*p == ' ' || *p == '"' || (bare && strchr("!:<>=", *p)))
            need = true;
    }
    if (!need) {
        pn_str_append(out, v);
        return;
    }
    pn_str_appendc(out, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            pn_str_appendc(out, '\\');
        pn_str_appendc(out, *p);
    }
    pn_str_appendc(out, '"');
}

/* Code points in s[0..n) (s is valid UTF-8 there). */
static size_t cp_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    }
    return c;
}

/* ---- term parsing ---------------------------------------------------------- */

static const char *op_str(top op)
{
    static const char *const s[] = {"<", "<=", ">", ">=", "="};
    return s[op];
}

static bool parse_compare(term *t, enum key k, const char *rest, size_t n, pn_str *norm,
                          pn_str *rule)
{
    bool age = k == K_AGE;
    const char *like = age ? "a duration like 2h" : "a size like 1M";
    size_t i = 0;
    if (n >= 2 && rest[0] == '!' && rest[1] == '=') {
        pn_str_appendf(rule, "'!=' is not supported: write !%s=...", canon[k]);
        return false;
    }
    if (n >= 2 && rest[0] == '<' && rest[1] == '=') {
        t->op = OP_LE, i = 2;
    } else if (n >= 2 && rest[0] == '>' && rest[1] == '=') {
        t->op = OP_GE, i = 2;
    } else if (n >= 1 && rest[0] == '<') {
        t->op = OP_LT, i = 1;
    } else if (n >= 1 && rest[0] == '>') {
        t->op = OP_GT, i = 1;
    } else if (n >= 1 && rest[0] == '=') {
        t->op = OP_EQ, i = 1;
    } else {
        pn_str_appendf(rule, "%s is compared, not matched: write e.g. %s", canon[k],
                       age ? "age>2h or age<=30m" : "size>1M or size<=500k");
        return false;
    }
    char *v = unquote(rest + i, n - i);
    const char *p = v;
    bool ok = false;
    if (*p < '0' || *p > '9') {
        pn_str_appendf(rule, "expected %s after '%s'", like, op_str(t->op));
        goto out;
    }
    int64_t num = 0;
    while (*p >= '0' && *p <= '9') {
        if (num > (INT64_MAX - 9) / 10) {
            pn_str_appendf(rule, "the number after '%s' is too large", op_str(t->op));
            goto out;
        }
        num = num * 10 + (*p++ - '0');
    }
    int64_t mult = 1;
    char unit = *p;
    if (age) {
        switch (unit) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 604800; break;
        case '\0':
            pn_str_appendf(rule, "missing unit after '%lld': use s, m, h, d or w (e.g. %lldm)",
                           (long long)num, (long long)num);
            goto out;
        default:
            if ((unit >= 'a' && unit <= 'z') || (unit >= 'A' && unit <= 'Z'))
                pn_str_appendf(rule, "unknown age unit '%c': use s, m, h, d or w", unit);
            else
                pn_str_appendf(rule, "unexpected '%s' after '%.*s' (whole numbers only)", p,
                               (int)(p - v), v);
            goto out;
        }
        p++;
    } else {
        switch (unit) {
        case '\0': mult = 1; break;
        case 'k': case 'K': mult = 1024; break;
        case 'm': case 'M': mult = 1024 * 1024; break;
        case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
        default:
            if ((unit >= 'a' && unit <= 'z') || (unit >= 'A' && unit <= 'Z'))
                pn_str_appendf(rule, "unknown size unit '%c': use k, M or G (bare number = bytes)", unit);
            else
                pn_str_appendf(rule, "unexpected '%s' after '%.*s' (whole numbers only)", p,
                               (int)(p - v), v);
            goto out;
        }
        if (unit)
            p++;
    }
    if (*p) {
        pn_str_appendf(rule, "unexpected '%s' after '%.*s'", p, (int)(p - v), v);
        goto out;
    }
    if (num > INT64_MAX / mult) {
        pn_str_appendf(rule, "the number after '%s' is too large", op_str(t->op));
        goto out;
    }
    t->kind = age ? T_AGE : T_SIZE;
    t->num = num * mult;
    pn_str_appendf(norm, "%s%s%lld", canon[k], op_str(t->op), (long long)num);
    if (age)
        pn_str_appendc(norm, unit);
    else if (unit)
        pn_str_appendc(norm, (char)(unit == 'k' || unit == 'K' ? 'k' : unit & ~0x20));
    ok = true;
out:
    free(v);
    return ok;
}

static void list_names(const char *(*str)(int), int count, const char **names, size_t *nn)
{
    *nn = 0;
    for (int i = 0; i < count; i++) {
        const char *s = str(i);
        if (s && *s)
            names[(*nn)++] = s;
    }
}

static const char *qname_str_i(int i) { return pn_qname_str((pn_qname)i); }
static const char *qclass_str_i(int i) { return pn_qclass_str((pn_qclass)i); }

/* queue: and class: names. */
static bool parse_name(term *t, bool queue, const char *v, pn_str *rule)
{
    char *low = lower_dup(v, strlen(v));
    bool ok;
    if (queue) {
        pn_qname q;
        ok = pn_qname_parse(low, &q) && q != PN_QN_OTHER;
        t->kind = T_QUEUE;
        t->code = ok ? (int)q : 0;
    } else {
        pn_qclass c;
        ok = pn_qclass_parse(low, &c);
        t->kind = T_CLASS;
        t->code = ok ? (int)c : 0;
    }
    free(low);
    if (ok)
        return true;
    const char *names[PN_QN_COUNT + PN_QC_COUNT];
    size_t nn;
    if (queue)
        list_names(qname_str_i, PN_QN_OTHER, names, &nn);
    else
        list_names(qclass_str_i, PN_QC_COUNT, names, &nn);
    char *shown = pn_utf8_sanitized(v);
    pn_str_appendf(rule, "unknown %s '%s'", queue ? "queue" : "class", shown);
    free(shown);
    const char *s = suggest(v, names, nn);
    if (s)
        pn_str_appendf(rule, " (did you mean '%s'?)", s);
    pn_str_appendf(rule, "; valid %s:", queue ? "queues" : "classes");
    for (size_t i = 0; i < nn; i++)
        pn_str_appendf(rule, " %s", names[i]);
    return false;
}

/* Parse one raw term p[0..n) (no spaces outside quotes, quotes balanced,
 * no control characters). Appends its normalised form to norm. */
static bool parse_term(term *t, const char *p, size_t n, pn_str *norm, pn_str *rule)
{
    if (*p == '!') {
        t->neg = true;
        p++, n--;
        if (n == 0) {
            pn_str_append(rule, "'!' must be followed by a term");
            return false;
        }
        if (*p == '!') {
            pn_str_append(rule, "only one '!' is allowed");
            return false;
        }
        pn_str_appendc(norm, '!');
    }
    size_t i = 0;
    if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) {
        while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
                         (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
            i++;
    }
    enum key k;
    bool have_key = i > 0 && i < n && find_key(p, i, &k);
    if (have_key && (k == K_AGE || k == K_SIZE) && strchr("<>=!:", p[i]) &&
        !(p[i] == '!' && (i + 1 >= n || p[i + 1] != '=')))
        return parse_compare(t, k, p + i, n - i, norm, rule);
    if (i > 0 && i < n && p[i] == ':' && !have_key) {
        char *typed = pn_strndup(p, i);
        const char *names[N_KEYS];
        for (size_t j = 0; j < N_KEYS; j++)
            names[j] = keys[j].name;
        const char *s = suggest(typed, names, N_KEYS);
        if (s) {
            pn_str_appendf(rule, "unknown filter key '%s' (did you mean '%s'?)", typed, s);
        } else {
            pn_str_appendf(rule, "unknown filter key '%s' (keys:", typed);
            for (size_t j = 0; j < N_KEYS; j++)
                pn_str_appendf(rule, " %s", names[j]);
            pn_str_appendc(rule, ')');
        }
        free(typed);
        return false;
    }

    if (!(have_key && p[i] == ':')) {                     /* bare word */
        char *v = unquote(p, n);
        if (!*v) {
            free(v);
            pn_str_append(rule, "empty value");
            return false;
        }
        t->kind = T_WORD;
        t->sublen = strlen(v);
        t->sub = lower_dup(v, t->sublen);
        append_value(norm, v, true);
        free(v);
        return true;
    }

    char *v = unquote(p + i + 1, n - i - 1);
    bool ok = false;
    if (!*v) {
        pn_str_appendf(rule, "empty value after '%.*s:'", (int)i, p);
        if (k == K_SENDER)
            pn_str_append(rule, " (write sender:<> for the null sender)");
        goto out;
    }
    switch (k) {
    case K_QUEUE:
    case K_CLASS:
        if (!parse_name(t, k == K_QUEUE, v, rule))
            goto out;
        pn_str_appendf(norm, "%s:%s", canon[k],
                       k == K_QUEUE ? pn_qname_str((pn_qname)t->code)
                                    : pn_qclass_str((pn_qclass)t->code));
        ok = true;
        goto out;
    case K_SENDER:
    case K_RCPT:
        if (strcmp(v, "<>") == 0) {
            if (k == K_RCPT) {
                pn_str_append(rule, "'<>' is the null sender and only works with sender:");
                goto out;
            }
            t->kind = T_NULL_SENDER;
            break;
        }
        t->kind = k == K_SENDER ? T_SENDER : T_RCPT;
        if (v[0] == '@') {
            char *w = pn_sprintf("*%s", v);
            glob_compile(&t->g, w, true);
            free(w);
        } else {
            glob_compile(&t->g, v, true);
        }
        break;
    case K_DOMAIN: {
        const char *d = v[0] == '@' ? v + 1 : v;
        if (!*d) {
            pn_str_append(rule, "empty domain after '@'");
            goto out;
        }
        t->kind = T_DOMAIN;
        glob_compile(&t->g, d, true);
        break;
    }
    case K_REASON: {
        size_t len = strlen(v);
        if (v[0] != '/') {
            t->kind = T_REASON_SUB;
            t->sublen = len;
            t->sub = lower_dup(v, len);
            break;
        }
        if (len < 2 || v[len - 1] != '/') {
            pn_str_append(rule, "a regular expression must end with '/' (quote it when it has spaces: reason:\"/timed out|refused/\")");
            goto out;
        }
        if (len == 2) {
            pn_str_append(rule, "empty regular expression");
            goto out;
        }
        char *re = pn_strndup(v + 1, len - 2);
        int rc = regcomp(&t->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        free(re);
        if (rc != 0) {
            char buf[256];
            regerror(rc, &t->re, buf, sizeof buf);
            pn_str_appendf(rule, "invalid regular expression: %s", buf);
            goto out;
        }
        t->kind = T_REASON_RE;
        break;
    }
    case K_ID:
        t->kind = T_ID;
        glob_compile(&t->g, v, false);
        break;
    case K_AGE:
    case K_SIZE:
        break;        /* handled by parse_compare */
    }
    pn_str_appendf(norm, "%s:", canon[k]);
    append_value(norm, v, false);
    ok = true;
out:
    free(v);
    return ok;
}

static void term_free(term *t)
{
    free(t->g.pat);
    free(t->sub);
    if (t->kind == T_REASON_RE)
        regfree(&t->re);
}

/* ---- public ---------------------------------------------------------------- */

static void term_error(pn_err *err, size_t num, const char *p, size_t n, size_t col,
                       const char *rule)
{
    pn_str shown = PN_STR_INIT;
    size_t cut = n;
    if (cut > SHOW_MAX) {
        cut = SHOW_MAX;
        while (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80)
            cut--;
    }
    pn_utf8_sanitize(&shown, p, cut, 0);
    if (cut < n)
        pn_str_append(&shown, "...");
    pn_err_set(err, PN_E_INVALID, "filter: term %zu '%s' at column %zu: %s", num,
               pn_str_cstr(&shown), col, rule);
    pn_str_free(&shown);
}

static int cost(tkind k)
{
    switch (k) {
    case T_QUEUE: case T_CLASS: case T_AGE: case T_SIZE: case T_NULL_SENDER: return 0;
    case T_ID: return 1;
    case T_SENDER: return 2;
    case T_RCPT: case T_DOMAIN: return 3;
    case T_WORD: return 4;
    case T_REASON_SUB: return 5;
    case T_REASON_RE: return 6;
    }
    return 7;
}

pn_qfilter *pn_qfilter_parse(const char *text, pn_err *err)
{
    pn_qfilter *f = pn_calloc(1, sizeof *f);
    pn_str norm = PN_STR_INIT;
    pn_str rule = PN_STR_INIT;
    size_t cap = 0;
    size_t pos = 0, len = text ? strlen(text) : 0;
    size_t num = 0;

    while (pos < len) {
        while (pos < len && text[pos] == ' ')
            pos++;
        if (pos >= len)
            break;
        size_t start = pos;
        num++;
        bool q = false;
        /* A /regex/ value right after "key:" runs to its closing slash, so
         * reason:/connection refused/ needs no quotes. */
        bool rx = false, seen_colon = false;
        size_t bad_at = SIZE_MAX, qstart = 0;
        uint32_t bad_cp = 0;
        bool bad_valid = true;
        while (pos < len && (q || rx || text[pos] != ' ')) {
            unsigned char c = (unsigned char)text[pos];
            if (!q && c == '/' && !rx && !seen_colon) {
                /* not a value start: an ordinary character */
            } else if (!q && c == '/' && !rx && text[pos - 1] == ':') {
                rx = true;
                pos++;
                continue;
            } else if (rx && c == '\\' && pos + 1 < len && (unsigned char)text[pos + 1] >= 0x20 &&
                       (unsigned char)text[pos + 1] < 0x7F) {
                pos += 2;           /* an escaped printable ASCII character, e.g. \/ */
                continue;
            } else if (rx && c == '/') {
                rx = false;
                pos++;
                continue;
            }
            if (!q && !rx && c == ':')
                seen_colon = true;
            if (c == '"' && !rx) {
                q = !q;
                qstart = pos;
            } else if (q && c == '\\' && pos + 1 < len &&
                       (text[pos + 1] == '"' || text[pos + 1] == '\\')) {
                pos += 2;
                continue;
            }
            uint32_t cp = c;
            bool valid = true;
            size_t used = 1;
            if (c >= 0x80)
                used = pn_utf8_decode(text + pos, len - pos, &cp, &valid);
            if (bad_at == SIZE_MAX && (!valid || pn_utf8_is_unsafe(cp))) {
                bad_at = pos;
                bad_cp = cp;
                bad_valid = valid;
            }
            pos += used;
        }
        size_t col = cp_count(text, start) + 1;
        if (bad_at != SIZE_MAX) {
            size_t bcol = cp_count(text, bad_at) + 1;
            if (!bad_valid)
                pn_str_appendf(&rule, "invalid UTF-8 at column %zu", bcol);
            else if (bad_cp < 0x20 || (bad_cp >= 0x7F && bad_cp <= 0x9F))
                pn_str_appendf(&rule, "control character U+%04X at column %zu is not allowed",
                               (unsigned)bad_cp, bcol);
            else
                pn_str_appendf(&rule, "unsafe character U+%04X at column %zu is not allowed",
                               (unsigned)bad_cp, bcol);
            term_error(err, num, text + start, pos - start, col, pn_str_cstr(&rule));
            goto fail;
        }
        if (q) {
            pn_str_appendf(&rule, "the quote at column %zu is not closed",
                           cp_count(text, qstart) + 1);
            term_error(err, num, text + start, pos - start, col, pn_str_cstr(&rule));
            goto fail;
        }
        if (f->n == cap) {
            cap = cap ? cap * 2 : 4;
            f->t = pn_realloc(f->t, cap * sizeof *f->t);
        }
        term *t = &f->t[f->n];
        memset(t, 0, sizeof *t);
        size_t mark = norm.len;
        if (norm.len)
            pn_str_appendc(&norm, ' ');
        if (!parse_term(t, text + start, pos - start, &norm, &rule)) {
            term_free(t);
            pn_str_truncate(&norm, mark);
            term_error(err, num, text + start, pos - start, col, pn_str_cstr(&rule));
            goto fail;
        }
        f->n++;
    }
    /* Cheapest terms first (stable insertion sort; n is small). */
    for (size_t i = 1; i < f->n; i++) {
        term tmp = f->t[i];
        size_t j = i;
        while (j > 0 && cost(f->t[j - 1].kind) > cost(tmp.kind)) {
            f->t[j] = f->t[j - 1];
            j--;
        }
        f->t[j] = tmp;
    }
    f->text = pn_str_steal(&norm);
    pn_str_free(&rule);
    return f;

fail:
    pn_str_free(&norm);
    pn_str_free(&rule);
    pn_qfilter_free(f);
    return NULL;
}

static bool cmp(top op, int64_t a, int64_t b)
{
    switch (op) {
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    }
    return false;
}

static bool term_match(const term *t, const pn_qentry *e, int64_t now)
{
    switch (t->kind) {
    case T_QUEUE:
        return (int)e->queue == t->code;
    case T_CLASS:
        if ((int)e->cls == t->code)
            return true;
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if ((int)e->rcpts[i].cls == t->code)
                return true;
        }
        return false;
    case T_AGE:
        return cmp(t->op, now - e->arrival, t->num);
    case T_SIZE:
        return cmp(t->op, e->size, t->num);
    case T_NULL_SENDER:
        return pn_qentry_null_sender(e);
    case T_ID:
        return glob_match(&t->g, e->qid);
    case T_SENDER:
        return glob_match(&t->g, e->sender);
    case T_RCPT:
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (glob_match(&t->g, e->rcpts[i].address))
                return true;
        }
        return false;
    case T_DOMAIN:
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (e->rcpts[i].address && glob_match(&t->g, pn_addr_domain(e->rcpts[i].address)))
                return true;
        }
        return false;
    case T_WORD:
        if ((e->qid && ci_contains(e->qid, t->sub, t->sublen)) ||
            (e->sender && ci_contains(e->sender, t->sub, t->sublen)))
            return true;
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (e->rcpts[i].address && ci_contains(e->rcpts[i].address, t->sub, t->sublen))
                return true;
        }
        return false;
    case T_REASON_SUB:
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (e->rcpts[i].reason && ci_contains(e->rcpts[i].reason, t->sub, t->sublen))
                return true;
        }
        return false;
    case T_REASON_RE:
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (e->rcpts[i].reason && regexec(&t->re, e->rcpts[i].reason, 0, NULL, 0) == 0)
                return true;
        }
        return false;
    }
    return false;
}

bool pn_qfilter_match(const pn_qfilter *f, const pn_qentry *e, int64_t now)
{
    if (!f)
        return true;
    for (size_t i = 0; i < f->n; i++) {
        if (term_match(&f->t[i], e, now) == f->t[i].neg)
            return false;
    }
    return true;
}

const char *pn_qfilter_text(const pn_qfilter *f)
{
    return f && f->text ? f->text : "";
}

void pn_qfilter_free(pn_qfilter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        term_free(&f->t[i]);
    free(f->t);
    free(f->text);
    free(f);
}
