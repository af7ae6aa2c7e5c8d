/* queue_details.c - show one queued message: envelope, headers and body
 * through `postcat -c DIR -e|-h|-b -q ID` (one capped postcat per part),
 * sanitised for a terminal, plus its Message-ID and Subject taken from the
 * raw headers (see queue.h).
 *
 * postcat exits 1 with "postcat: fatal: open queue file ID: No such file or
 * directory" when the message is gone: that is PN_E_NOTFOUND, the normal
 * fate of a message that was delivered or removed meanwhile. */
#include "queue.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DETAILS_DEFAULT_CAP (1024u * 1024u)
/* Headers are read at least this far, so that the Message-ID and Subject are
 * found even when the caller asks for a small display cap. */
#define DETAILS_HEADER_MIN (256u * 1024u)

void pn_qdetails_free(pn_qdetails *d)
{
    if (!d)
        return;
    free(d->qid);
    pn_str_free(&d->envelope);
    pn_str_free(&d->headers);
    pn_str_free(&d->body);
    free(d->message_id);
    free(d->subject);
    memset(d, 0, sizeof(*d));
}

/* ---- header parsing ------------------------------------------------------ */

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Find the first header field called name (case-insensitive) in the header
 * block headers[0..len) and return its unfolded value (line breaks of the
 * folding removed, leading/trailing whitespace trimmed), or NULL. Stops at
 * the empty line that ends the header block. */
static char *header_value(const char *headers, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = headers, *end = headers + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t llen = (size_t)(le - p);
        if (llen && p[llen - 1] == '\r')
            llen--;
        if (llen == 0)
            break;                      /* end of the header block */
        const char *next = nl ? nl + 1 : end;
        if (is_wsp(*p)) {               /* continuation of another field */
            p = next;
            continue;
        }
        /* field-name, optional WSP (obsolete syntax), ':' */
        const char *colon = memchr(p, ':', llen);
        if (!colon) {
            p = next;
            continue;
        }
        size_t flen = (size_t)(colon - p);
        while (flen && is_wsp(p[flen - 1]))
            flen--;
        if (flen != nlen || strncasecmp(p, name, nlen) != 0) {
            p = next;
            continue;
        }
        /* Unfold: this line's value plus every continuation line. */
        pn_str v = PN_STR_INIT;
        pn_str_appendn(&v, colon + 1, (size_t)(p + llen - colon - 1));
        const char *q = next;
        while (q < end && is_wsp(*q)) {
            const char *qnl = memchr(q, '\n', (size_t)(end - q));
            const char *qle = qnl ? qnl : end;
            size_t qlen = (size_t)(qle - q);
            if (qlen && q[qlen - 1] == '\r')
                qlen--;
            pn_str_appendn(&v, q, qlen);
            q = qnl ? qnl + 1 : end;
        }
        /* trim */
        const char *s = pn_str_cstr(&v);
        size_t a = 0, b = v.len;
        while (a < b && (is_wsp(s[a]) || s[a] == '\r' || s[a] == '\n'))
            a++;
        while (b > a && (is_wsp(s[b - 1]) || s[b - 1] == '\r' || s[b - 1] == '\n'))
            b--;
        char *out = pn_strndup(s + a, b - a);
        pn_str_free(&v);
        return out;
    }
    return NULL;
}

char *pn_headers_message_id(const char *headers, size_t len)
{
    if (!headers)
        return NULL;
    char *v = header_value(headers, len, "Message-ID");
    if (!v)
        return NULL;
    char *lt = strchr(v, '<');
    char *gt = lt ? strchr(lt, '>') : NULL;
    char *id;
    if (lt && gt) {
        /* The <...> token, without the whitespace folding may have left in it. */
        pn_str s = PN_STR_INIT;
        for (const char *c = lt; c <= gt; c++)
            if (!is_wsp(*c))
                pn_str_appendc(&s, *c);
        id = pn_str_steal(&s);
    } else if (*v) {
        id = pn_strdup(v);              /* malformed, but what Postfix would log */
    } else {
        id = NULL;
    }
    free(v);
    return id;
}

/* ---- postcat ------------------------------------------------------------- */

/* Drop an incomplete UTF-8 sequence that a cap cut at the end of s. */
static size_t trim_partial_utf8(const char *s, size_t len)
{
    size_t back = 0;
    while (back < 3 && back < len && ((unsigned char)s[len - 1 - back] & 0xC0) == 0x80)
        back++;
    if (back == len)
        return len;
    unsigned char lead = (unsigned char)s[len - 1 - back];
    size_t need;
    if ((lead & 0xE0) == 0xC0)
        need = 2;
    else if ((lead & 0xF0) == 0xE0)
        need = 3;
    else if ((lead & 0xF8) == 0xF0)
        need = 4;
    else
        return len;                     /* ASCII or invalid: leave to sanitising */
    return back + 1 < need ? len - back - 1 : len;
}

/* "postcat: fatal: open queue file QID: No such file or directory" (and not
 * the same words about main.cf, which mean a broken configuration). */
static bool is_notfound(const pn_str *errout, const char *qid)
{
    char *want = pn_sprintf("open queue file %s: No such file or directory", qid);
    bool found = strstr(pn_str_cstr(errout), want) != NULL;
    free(want);
    return found;
}

/* Run one postcat for one part; raw output (up to cap bytes) in *raw. */
static bool postcat_part(pn_ctx *ctx, const char *qid, const char *flag, size_t cap,
                         pn_str *raw, bool *truncated, pn_err *err)
{
    const char *argv[] = {"postcat", "-c", ctx->cfg->postfix_config_dir, flag, "-q", qid, NULL};
    pn_run_opts opts = {0};
    opts.out_cap = cap;
    pn_run_result res = PN_RUN_RESULT_INIT;
    if (!pn_run(ctx->tr, argv, &opts, &res, err)) {
        pn_err_prefix(err, "postcat %s -q %s", flag, qid);
        pn_run_result_free(&res);
        return false;
    }
    bool ok = true;
    if (res.exit_code != 0 || res.timed_out || res.cancelled) {
        if (res.exit_code == 1 && is_notfound(&res.err, qid)) {
            ok = pn_err_set(err, PN_E_NOTFOUND,
                            "message %s is not in the queue (delivered or removed)", qid);
        } else {
            /* Let pn_run_ok's wording describe the failure. */
            pn_str line = PN_STR_INIT;
            const char *e = pn_str_cstr(&res.err);
            const char *nl = strchr(e, '\n');
            pn_utf8_sanitize(&line, e, nl ? (size_t)(nl - e) : strlen(e), 0);
            if (res.timed_out)
                ok = pn_err_set(err, PN_E_TIMEOUT, "postcat %s -q %s timed out", flag, qid);
            else
                ok = pn_err_set(err, PN_E_EXEC, "postcat %s -q %s exited with status %d%s%s",
                                flag, qid, res.exit_code, line.len ? ": " : "",
                                pn_str_cstr(&line));
            pn_str_free(&line);
        }
    } else {
        *truncated = res.out_truncated;
        pn_str_free(raw);
        *raw = res.out;
        res.out = (pn_str)PN_STR_INIT;
    }
    pn_run_result_free(&res);
    return ok;
}

/* Store raw[0..min(len, cap)) sanitised for display into dst. */
static void store_display(pn_str *dst, const pn_str *raw, size_t cap, bool *truncated)
{
    size_t len = raw->len;
    if (len > cap) {
        len = cap;
        *truncated = true;
    }
    if (*truncated)
        len = trim_partial_utf8(pn_str_cstr(raw), len);
    pn_str_reset(dst);
    pn_utf8_sanitize(dst, pn_str_cstr(raw), len, PN_SAN_KEEP_NEWLINE | PN_SAN_KEEP_TAB);
}

bool pn_queue_details(pn_ctx *ctx, const char *qid, int parts, size_t cap,
                      pn_qdetails *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!pn_valid_qid("queue ID", qid ? qid : "", err))
        return false;
    if (parts & ~(PN_QP_ENVELOPE | PN_QP_HEADERS | PN_QP_BODY))
        return pn_err_set(err, PN_E_INVALID, "queue details: unknown parts 0x%x requested",
                          (unsigned)parts);
    if (cap == 0)
        cap = DETAILS_DEFAULT_CAP;
    out->qid = pn_strdup(qid);

    /* Headers first: they give the Message-ID and Subject even when only the
     * envelope or body is wanted (the trace needs the Message-ID). */
    pn_str raw = PN_STR_INIT;
    bool hdr_cut = false;
    size_t hcap = cap > DETAILS_HEADER_MIN ? cap : DETAILS_HEADER_MIN;
    if (!postcat_part(ctx, qid, "-h", hcap, &raw, &hdr_cut, err))
        goto fail;
    char *mid = pn_headers_message_id(pn_str_cstr(&raw), raw.len);
    if (mid) {
        out->message_id = pn_utf8_sanitized(mid);
        free(mid);
    }
    char *subj = header_value(pn_str_cstr(&raw), raw.len, "Subject");
    if (subj) {
        pn_str s = PN_STR_INIT;
        pn_utf8_sanitize(&s, subj, strlen(subj), 0);
        out->subject = pn_str_steal(&s);
        free(subj);
    }
    if (parts & PN_QP_HEADERS) {
        out->headers_truncated = hdr_cut;
        store_display(&out->headers, &raw, cap, &out->headers_truncated);
    }

    if (parts & PN_QP_ENVELOPE) {
        if (!postcat_part(ctx, qid, "-e", cap, &raw, &out->envelope_truncated, err))
            goto fail;
        store_display(&out->envelope, &raw, cap, &out->envelope_truncated);
    }
    if (parts & PN_QP_BODY) {
        if (!postcat_part(ctx, qid, "-b", cap, &raw, &out->body_truncated, err))
            goto fail;
        store_display(&out->body, &raw, cap, &out->body_truncated);
    }
    pn_str_free(&raw);
    return true;

fail:
    pn_str_free(&raw);
    pn_qdetails_free(out);
    return false;
}
