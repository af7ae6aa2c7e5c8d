/* json.c - streaming JSON writer (see json.h). */
#include "util/json.h"
#include "util/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void pn_json_init(pn_json *j, pn_str *out, bool pretty)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->pretty = pretty;
}

static void indent(pn_json *j)
{
    if (!j->pretty)
        return;
    pn_str_appendc(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        pn_str_append(j->out, "  ");
}

/* Called before every value or key. */
static void before_item(pn_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth])
            pn_str_appendc(j->out, ',');
        j->need_comma[j->depth] = true;
        indent(j);
    }
}

static void open(pn_json *j, char c)
{
    before_item(j);
    pn_str_appendc(j->out, c);
    if (j->depth + 1 < PN_JSON_MAX_DEPTH)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(pn_json *j, char c)
{
    bool had = j->need_comma[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        indent(j);
    pn_str_appendc(j->out, c);
}

void pn_json_obj_begin(pn_json *j) { open(j, '{'); }
void pn_json_obj_end(pn_json *j) { close_(j, '}'); }
void pn_json_arr_begin(pn_json *j) { open(j, '['); }
void pn_json_arr_end(pn_json *j) { close_(j, ']'); }

void pn_json_escape(pn_str *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    pn_str_appendc(out, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            pn_str_appendc(out, (char)c);
            i++;
            continue;
        }
        if (c < 0x80) {
            switch (c) {
            case '"': pn_str_append(out, "\\\""); break;
            case '\\': pn_str_append(out, "\\\\"); break;
            case '\n': pn_str_append(out, "\\n"); break;
            case '\r': pn_str_append(out, "\\r"); break;
            case '\t': pn_str_append(out, "\\t"); break;
            default: {
                char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                pn_str_append(out, u);
            }
            }
            i++;
            continue;
        }
        uint32_t cp;
        bool ok;
        size_t len = pn_utf8_decode(s + i, n - i, &cp, &ok);
        if (ok)
            pn_str_appendn(out, s + i, len);
        else
            pn_utf8_encode(out, PN_UTF8_REPLACEMENT);
        i += len;
    }
    pn_str_appendc(out, '"');
}

void pn_json_key(pn_json *j, const char *key)
{
    before_item(j);
    pn_json_escape(j->out, key, strlen(key));
    pn_str_append(j->out, j->pretty ? ": " : ":");
    j->after_key = true;
}

void pn_json_strn(pn_json *j, const char *s, size_t n)
{
    before_item(j);
    pn_json_escape(j->out, s, n);
}

void pn_json_str(pn_json *j, const char *s)
{
    if (!s) {
        pn_json_null(j);
        return;
    }
    pn_json_strn(j, s, strlen(s));
}

void pn_json_int(pn_json *j, int64_t v)
{
    before_item(j);
    pn_str_appendf(j->out, "%" PRId64, v);
}

void pn_json_uint(pn_json *j, uint64_t v)
{
    before_item(j);
    pn_str_appendf(j->out, "%" PRIu64, v);
}

void pn_json_double(pn_json *j, double v)
{
    before_item(j);
    if (isfinite(v))
        pn_str_appendf(j->out, "%.17g", v);
    else
        pn_str_append(j->out, "null");
}

void pn_json_bool(pn_json *j, bool v)
{
    before_item(j);
    pn_str_append(j->out, v ? "true" : "false");
}

void pn_json_null(pn_json *j)
{
    before_item(j);
    pn_str_append(j->out, "null");
}

void pn_json_kstr(pn_json *j, const char *key, const char *s)
{
    pn_json_key(j, key);
    pn_json_str(j, s);
}

void pn_json_kint(pn_json *j, const char *key, int64_t v)
{
    pn_json_key(j, key);
    pn_json_int(j, v);
}

void pn_json_kbool(pn_json *j, const char *key, bool v)
{
    pn_json_key(j, key);
    pn_json_bool(j, v);
}
