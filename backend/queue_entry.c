/* queue_entry.c - one queue entry: queue names, copying, and parsing one line
 * of `postqueue -j` output.
 *
 * Postfix (showq_json.c) prints one JSON object per message:
 *   {"queue_name": "deferred", "queue_id": "3F9D7A7486A", "arrival_time": N,
 *    "message_size": N, "forced_expire": false, "sender": "...",
 *    "recipients": [{"address": "...", "delay_reason": "..."}, ...]}
 * forced_expire appeared in Postfix 3.5; delay_reason is printed only when
 * non-empty. Strings are quoted by quote_for_json(): '"' and '\' get a
 * backslash, \b \f \n \r \t use the short escapes, every other control
 * character (and DEL) is \u00XX, and UTF-8 passes raw.
 *
 * The line is parsed with libyaml's event API (JSON flow style is YAML).
 * libyaml is a YAML 1.1 reader, so three things are handled first, in
 * json_prepare(), by rewriting the line into equivalent JSON:
 *  - raw DEL, C1 controls (U+0080-U+009F) and U+FFFE/U+FFFF make the reader
 *    fail ("control characters are not allowed"), and a raw NEL (U+0085)
 *    inside a quoted scalar is a YAML line break folded into a space: all of
 *    them are rewritten as \uXXXX escapes, which libyaml decodes exactly;
 *  - invalid UTF-8 makes the reader fail for the whole line: each invalid
 *    byte becomes U+FFFD (Postfix's own printable() normally prevents this).
 * Remaining differences: \uD800-\uDFFF surrogate-pair escapes are refused
 * (Postfix never escapes non-ASCII), keys longer than 1024 characters are not
 * found (YAML's simple-key limit; Postfix's keys are short), and \u0000 is
 * refused here because the fields are C strings. YAML-only syntax (anchors,
 * aliases, tags, unquoted or single-quoted strings, explicit documents) is
 * rejected so that only JSON is accepted.
 *
 * Values are stored raw: nothing is sanitised here, display code does that. */
#include "queue.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/mem.h"
#include "util/utf8.h"
#include "validate.h"

/* ---- Queue names --------------------------------------------------------- */

static const char *const qname_names[PN_QN_COUNT] = {
    [PN_QN_MAILDROP] = "maildrop", [PN_QN_INCOMING] = "incoming",
    [PN_QN_ACTIVE] = "active",     [PN_QN_DEFERRED] = "deferred",
    [PN_QN_HOLD] = "hold",         [PN_QN_CORRUPT] = "corrupt",
    [PN_QN_OTHER] = "other",
};

const char *pn_qname_str(pn_qname q)
{
    if ((int)q < 0 || q >= PN_QN_COUNT)
        return "other";
    return qname_names[q];
}

bool pn_qname_parse(const char *s, pn_qname *out)
{
    if (!s)
        return false;
    for (int i = 0; i < PN_QN_OTHER; i++) {
        if (strcmp(s, qname_names[i]) == 0) {
            if (out)
                *out = (pn_qname)i;
            return true;
        }
    }
    return false;
}

/* ---- Entries ------------------------------------------------------------- */

void pn_qentry_free(pn_qentry *e)
{
    if (!e)
        return;
    free(e->queue_raw);
    free(e->qid);
    free(e->sender);
    for (size_t i = 0; i < e->n_rcpts; i++) {
        free(e->rcpts[i].address);
        free(e->rcpts[i].reason);
    }
    free(e->rcpts);
    memset(e, 0, sizeof(*e));
}

static char *dup_or_null(const char *s)
{
    return s ? pn_strdup(s) : NULL;
}

void pn_qentry_copy(pn_qentry *dst, const pn_qentry *src)
{
    *dst = *src;
    dst->queue_raw = dup_or_null(src->queue_raw);
    dst->qid = dup_or_null(src->qid);
    dst->sender = dup_or_null(src->sender);
    dst->rcpts = NULL;
    dst->n_rcpts = 0;
    if (src->n_rcpts) {
        dst->rcpts = pn_malloc(src->n_rcpts * sizeof(*dst->rcpts));
        for (size_t i = 0; i < src->n_rcpts; i++) {
            dst->rcpts[i].address = dup_or_null(src->rcpts[i].address);
            dst->rcpts[i].reason = dup_or_null(src->rcpts[i].reason);
            dst->rcpts[i].cls = src->rcpts[i].cls;
        }
        dst->n_rcpts = src->n_rcpts;
    }
}

const char *pn_addr_domain(const char *addr)
{
    if (!addr)
        return "";
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

/* ---- JSON line preparation ----------------------------------------------- */

/* Does this code point need a \u escape before libyaml sees it raw? */
static bool yaml_unsafe_raw(uint32_t cp)
{
    return cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

/* Returns NULL when the line can be given to libyaml as it is; otherwise a
 * rewritten copy in *tmp (see the comment at the top). */
static const char *json_prepare(const char *line, size_t len, pn_str *tmp, size_t *out_len)
{
    size_t i = 0;
    while (i < len && (unsigned char)line[i] < 0x7F)
        i++;
    if (i == len)
        return NULL;
    pn_str_reserve(tmp, len + 16);
    pn_str_appendn(tmp, line, i);
    while (i < len) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x7F) {
            pn_str_appendc(tmp, (char)c);
            i++;
            continue;
        }
        uint32_t cp;
        bool valid;
        size_t n = pn_utf8_decode(line + i, len - i, &cp, &valid);
        if (!valid)
            pn_utf8_encode(tmp, PN_UTF8_REPLACEMENT);
        else if (yaml_unsafe_raw(cp))
            pn_str_appendf(tmp, "\\u%04X", (unsigned)cp);
        else
            pn_str_appendn(tmp, line + i, n);
        i += n;
    }
    *out_len = tmp->len;
    return pn_str_cstr(tmp);
}

/* ---- Event cursor -------------------------------------------------------- */

typedef struct jp {
    yaml_parser_t parser;
    yaml_event_t ev;
    bool have_ev;
    char field[96];      /* what is being parsed, for error messages */
    pn_err *err;
} jp;

static void jp_field(jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jp_field(jp *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->field, sizeof(j->field), fmt, ap);
    va_end(ap);
}

static bool jp_fail(jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool jp_fail(jp *j, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (j->field[0])
        return pn_err_set(j->err, PN_E_INVALID, "%s: %s", j->field, msg);
    return pn_err_set(j->err, PN_E_INVALID, "%s", msg);
}

/* Advance to the next event. Refuses YAML-only constructs. */
static bool jp_next(jp *j)
{
    if (j->have_ev) {
        yaml_event_delete(&j->ev);
        j->have_ev = false;
    }
    if (!yaml_parser_parse(&j->parser, &j->ev)) {
        yaml_parser_t *p = &j->parser;
        size_t col = p->error == YAML_READER_ERROR ? p->problem_offset
                                                   : p->problem_mark.column;
        return jp_fail(j, "not valid JSON at column %zu: %s", col + 1,
                       p->problem ? p->problem : "syntax error");
    }
    j->have_ev = true;
    yaml_event_t *e = &j->ev;
    switch (e->type) {
    case YAML_ALIAS_EVENT:
        return jp_fail(j, "not valid JSON: YAML alias");
    case YAML_SCALAR_EVENT:
        if (e->data.scalar.anchor || e->data.scalar.tag)
            return jp_fail(j, "not valid JSON: YAML anchor or tag");
        break;
    case YAML_SEQUENCE_START_EVENT:
        if (e->data.sequence_start.anchor || e->data.sequence_start.tag ||
            e->data.sequence_start.style != YAML_FLOW_SEQUENCE_STYLE)
            return jp_fail(j, "not valid JSON: YAML-only array syntax");
        break;
    case YAML_MAPPING_START_EVENT:
        if (e->data.mapping_start.anchor || e->data.mapping_start.tag ||
            e->data.mapping_start.style != YAML_FLOW_MAPPING_STYLE)
            return jp_fail(j, "not valid JSON: YAML-only object syntax");
        break;
    case YAML_DOCUMENT_START_EVENT:
        if (!e->data.document_start.implicit || e->data.document_start.version_directive ||
            e->data.document_start.tag_directives.start)
            return jp_fail(j, "not valid JSON: YAML document marker or directive");
        break;
    default:
        break;
    }
    return true;
}

static bool is_scalar(const jp *j, yaml_scalar_style_t style)
{
    return j->ev.type == YAML_SCALAR_EVENT && j->ev.data.scalar.style == style;
}

static bool plain_is(const jp *j, const char *word)
{
    return is_scalar(j, YAML_PLAIN_SCALAR_STYLE) &&
           j->ev.data.scalar.length == strlen(word) &&
           memcmp(j->ev.data.scalar.value, word, j->ev.data.scalar.length) == 0;
}

static bool plain_is_number(const jp *j)
{
    if (!is_scalar(j, YAML_PLAIN_SCALAR_STYLE) || j->ev.data.scalar.length == 0)
        return false;
    const char *s = (const char *)j->ev.data.scalar.value;
    return s[0] == '-' || (s[0] >= '0' && s[0] <= '9');
}

/* A word for the JSON type of the current event, for messages. */
static const char *jp_kind(const jp *j)
{
    switch (j->ev.type) {
    case YAML_MAPPING_START_EVENT: return "an object";
    case YAML_SEQUENCE_START_EVENT: return "an array";
    case YAML_SCALAR_EVENT:
        if (is_scalar(j, YAML_DOUBLE_QUOTED_SCALAR_STYLE))
            return "a string";
        if (!is_scalar(j, YAML_PLAIN_SCALAR_STYLE))
            return "a non-JSON string";
        if (plain_is(j, "true") || plain_is(j, "false"))
            return "a boolean";
        if (plain_is(j, "null"))
            return "null";
        if (plain_is_number(j))
            return "a number";
        return "a bare word";
    default: return "the end of the object";
    }
}

/* Skip the node that starts at the current event. */
static bool jp_skip(jp *j)
{
    if (j->ev.type == YAML_SCALAR_EVENT)
        return true;
    if (j->ev.type != YAML_MAPPING_START_EVENT && j->ev.type != YAML_SEQUENCE_START_EVENT)
        return jp_fail(j, "expected a value");
    size_t depth = 1;
    while (depth > 0) {
        if (!jp_next(j))
            return false;
        switch (j->ev.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: depth++; break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: depth--; break;
        case YAML_SCALAR_EVENT: break;
        default: return jp_fail(j, "unexpected end of input");
        }
    }
    return true;
}

/* The current event as a string value (heap). */
static bool jp_string(jp *j, char **out)
{
    if (!is_scalar(j, YAML_DOUBLE_QUOTED_SCALAR_STYLE))
        return jp_fail(j, "expected a string, got %s", jp_kind(j));
    const char *v = (const char *)j->ev.data.scalar.value;
    size_t n = j->ev.data.scalar.length;
    if (memchr(v, '\0', n))
        return jp_fail(j, "contains a NUL character (\\u0000)");
    free(*out);
    *out = pn_strndup(v, n);
    return true;
}

static bool jp_int(jp *j, int64_t *out)
{
    if (!plain_is_number(j))
        return jp_fail(j, "expected an integer, got %s", jp_kind(j));
    const char *s = (const char *)j->ev.data.scalar.value;
    size_t n = j->ev.data.scalar.length;
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == n)
        return jp_fail(j, "expected an integer, got '%s'", s);
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return jp_fail(j, "expected an integer, got '%.40s'", s);
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || end != s + n)
        return jp_fail(j, "integer '%.40s' is out of range", s);
    *out = (int64_t)v;
    return true;
}

static bool jp_bool(jp *j, bool *out)
{
    if (plain_is(j, "true"))
        *out = true;
    else if (plain_is(j, "false"))
        *out = false;
    else
        return jp_fail(j, "expected true or false, got %s", jp_kind(j));
    return true;
}

/* At a key position: returns 1 with the key in *key (points into the event),
 * 0 at the end of the object, -1 on error. */
static int jp_key(jp *j, const char **key)
{
    if (!jp_next(j))
        return -1;
    if (j->ev.type == YAML_MAPPING_END_EVENT)
        return 0;
    if (!is_scalar(j, YAML_DOUBLE_QUOTED_SCALAR_STYLE)) {
        jp_fail(j, "expected a quoted key, got %s", jp_kind(j));
        return -1;
    }
    *key = (const char *)j->ev.data.scalar.value;
    if (strlen(*key) != j->ev.data.scalar.length) {
        jp_fail(j, "key contains a NUL character");
        return -1;
    }
    return 1;
}

/* ---- The object ---------------------------------------------------------- */

enum {
    F_QUEUE_NAME = 1 << 0, F_QUEUE_ID = 1 << 1, F_ARRIVAL = 1 << 2, F_SIZE = 1 << 3,
    F_FORCED = 1 << 4, F_SENDER = 1 << 5, F_RCPTS = 1 << 6,
};
#define F_REQUIRED (F_QUEUE_NAME | F_QUEUE_ID | F_ARRIVAL | F_SIZE | F_SENDER | F_RCPTS)

static const struct {
    const char *name;
    int bit;
} top_fields[] = {
    {"queue_name", F_QUEUE_NAME}, {"queue_id", F_QUEUE_ID}, {"arrival_time", F_ARRIVAL},
    {"message_size", F_SIZE},     {"forced_expire", F_FORCED}, {"sender", F_SENDER},
    {"recipients", F_RCPTS},
};

static bool parse_rcpt(jp *j, size_t idx, pn_qrcpt *r)
{
    jp_field(j, "recipients[%zu]", idx);
    if (j->ev.type != YAML_MAPPING_START_EVENT)
        return jp_fail(j, "expected an object, got %s", jp_kind(j));
    bool have_addr = false, have_reason = false;
    for (;;) {
        const char *key = NULL;
        jp_field(j, "recipients[%zu]", idx);
        int k = jp_key(j, &key);
        if (k < 0)
            return false;
        if (k == 0)
            break;
        if (strcmp(key, "address") == 0) {
            jp_field(j, "recipients[%zu].address", idx);
            if (have_addr)
                return jp_fail(j, "duplicate key");
            have_addr = true;
            if (!jp_next(j) || !jp_string(j, &r->address))
                return false;
        } else if (strcmp(key, "delay_reason") == 0) {
            jp_field(j, "recipients[%zu].delay_reason", idx);
            if (have_reason)
                return jp_fail(j, "duplicate key");
            have_reason = true;
            if (!jp_next(j))
                return false;
            if (plain_is(j, "null"))
                continue;
            if (!jp_string(j, &r->reason))
                return false;
        } else {
            jp_field(j, "recipients[%zu].%.40s", idx, key);
            if (!jp_next(j) || !jp_skip(j))
                return false;
        }
    }
    if (!have_addr) {
        jp_field(j, "recipients[%zu].address", idx);
        return jp_fail(j, "missing");
    }
    if (r->reason && !r->reason[0]) {
        free(r->reason);
        r->reason = NULL;
    }
    r->cls = pn_qclass_of_reason(r->reason);
    return true;
}

static bool parse_rcpts(jp *j, pn_qentry *e)
{
    if (j->ev.type != YAML_SEQUENCE_START_EVENT)
        return jp_fail(j, "expected an array, got %s", jp_kind(j));
    size_t cap = 0;
    for (;;) {
        jp_field(j, "recipients");
        if (!jp_next(j))
            return false;
        if (j->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        if (e->n_rcpts == cap) {
            cap = cap ? cap * 2 : 1;
            e->rcpts = pn_realloc(e->rcpts, cap * sizeof(*e->rcpts));
        }
        pn_qrcpt *r = &e->rcpts[e->n_rcpts++];
        memset(r, 0, sizeof(*r));
        if (!parse_rcpt(j, e->n_rcpts - 1, r))
            return false;
    }
    if (cap > e->n_rcpts) {
        if (e->n_rcpts == 0) {
            free(e->rcpts);
            e->rcpts = NULL;
        } else {
            e->rcpts = pn_realloc(e->rcpts, e->n_rcpts * sizeof(*e->rcpts));
        }
    }
    return true;
}

static bool parse_field(jp *j, int bit, pn_qentry *e)
{
    switch (bit) {
    case F_QUEUE_NAME:
        if (!jp_string(j, &e->queue_raw))
            return false;
        if (!pn_qname_parse(e->queue_raw, &e->queue))
            e->queue = PN_QN_OTHER;
        return true;
    case F_QUEUE_ID:
        if (!jp_string(j, &e->qid))
            return false;
        return pn_valid_qid("queue_id", e->qid, j->err);
    case F_ARRIVAL:
        return jp_int(j, &e->arrival);
    case F_SIZE:
        return jp_int(j, &e->size);
    case F_FORCED:
        return jp_bool(j, &e->forced_expire);
    case F_SENDER:
        return jp_string(j, &e->sender);
    case F_RCPTS:
        return parse_rcpts(j, e);
    default:
        return jp_fail(j, "internal error");
    }
}

static bool parse_object(jp *j, pn_qentry *e)
{
    jp_field(j, "%s", "");
    if (!jp_next(j))
        return false;
    if (j->ev.type != YAML_STREAM_START_EVENT)
        return jp_fail(j, "not valid JSON");
    if (!jp_next(j))
        return false;
    if (j->ev.type == YAML_STREAM_END_EVENT)
        return jp_fail(j, "empty line");
    if (j->ev.type != YAML_DOCUMENT_START_EVENT)
        return jp_fail(j, "not valid JSON");
    if (!jp_next(j))
        return false;
    if (j->ev.type != YAML_MAPPING_START_EVENT)
        return jp_fail(j, "not a JSON object: got %s", jp_kind(j));

    int seen = 0;
    for (;;) {
        const char *key = NULL;
        jp_field(j, "%s", "");
        int k = jp_key(j, &key);
        if (k < 0)
            return false;
        if (k == 0)
            break;
        int bit = 0;
        for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++)
            if (strcmp(key, top_fields[i].name) == 0)
                bit = top_fields[i].bit;
        jp_field(j, "%.60s", key);
        if (bit && (seen & bit))
            return jp_fail(j, "duplicate key");
        seen |= bit;
        if (!jp_next(j))
            return false;
        if (!(bit ? parse_field(j, bit, e) : jp_skip(j)))   /* unknown keys: ignored */
            return false;
    }
    for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++) {
        if ((F_REQUIRED & top_fields[i].bit) && !(seen & top_fields[i].bit)) {
            jp_field(j, "%s", top_fields[i].name);
            return jp_fail(j, "missing");
        }
    }
    /* Exactly one object on the line. */
    jp_field(j, "%s", "");
    if (!jp_next(j))
        return false;
    if (j->ev.type != YAML_DOCUMENT_END_EVENT)
        return jp_fail(j, "trailing data after the object");
    if (!jp_next(j))
        return false;
    if (j->ev.type != YAML_STREAM_END_EVENT)
        return jp_fail(j, "trailing data after the object");
    return true;
}

bool pn_qentry_parse_json(const char *line, size_t len, pn_qentry *e, pn_err *err)
{
    memset(e, 0, sizeof(*e));
    pn_str tmp = PN_STR_INIT;
    size_t plen = len;
    const char *prepared = json_prepare(line, len, &tmp, &plen);
    if (!prepared)
        prepared = line;

    jp j;
    memset(&j, 0, sizeof(j));
    j.err = err;
    if (!yaml_parser_initialize(&j.parser)) {
        pn_str_free(&tmp);
        return pn_err_set(err, PN_E_INTERNAL, "libyaml: cannot initialise the parser");
    }
    yaml_parser_set_input_string(&j.parser, (const unsigned char *)prepared, plen);
    bool ok = parse_object(&j, e);
    if (j.have_ev)
        yaml_event_delete(&j.ev);
    yaml_parser_delete(&j.parser);
    pn_str_free(&tmp);
    if (!ok) {
        pn_qentry_free(e);
        return false;
    }

    e->cls = PN_QC_NONE;
    if (e->queue == PN_QN_HOLD) {
        e->cls = PN_QC_HOLD;
    } else {
        for (size_t i = 0; i < e->n_rcpts; i++) {
            if (e->rcpts[i].reason) {
                e->cls = e->rcpts[i].cls;
                break;
            }
        }
    }
    return true;
}

bool pn_qentry_null_sender(const pn_qentry *e)
{
    return !e->sender || !e->sender[0] || strcmp(e->sender, "MAILER-DAEMON") == 0;
}
