/* json.h - a small streaming JSON writer for --json output.
 *
 * Keeps a nesting stack so commas are placed automatically; strings are
 * escaped per RFC 8259 (control characters as \u00XX, invalid UTF-8 replaced
 * with U+FFFD so the output is always valid JSON). Output goes to a pn_str;
 * callers flush it to a FILE when they like. */
#ifndef PN_JSON_H
#define PN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/str.h"

#define PN_JSON_MAX_DEPTH 32

typedef struct pn_json {
    pn_str *out;
    int depth;
    bool need_comma[PN_JSON_MAX_DEPTH];
    bool after_key;
    bool pretty;
} pn_json;

void pn_json_init(pn_json *j, pn_str *out, bool pretty);
void pn_json_obj_begin(pn_json *j);
void pn_json_obj_end(pn_json *j);
void pn_json_arr_begin(pn_json *j);
void pn_json_arr_end(pn_json *j);
void pn_json_key(pn_json *j, const char *key);
void pn_json_str(pn_json *j, const char *s);          /* NULL writes null */
void pn_json_strn(pn_json *j, const char *s, size_t n);
void pn_json_int(pn_json *j, int64_t v);
void pn_json_uint(pn_json *j, uint64_t v);
void pn_json_double(pn_json *j, double v);
void pn_json_bool(pn_json *j, bool v);
void pn_json_null(pn_json *j);
/* key + value shorthands */
void pn_json_kstr(pn_json *j, const char *key, const char *s);
void pn_json_kint(pn_json *j, const char *key, int64_t v);
void pn_json_kbool(pn_json *j, const char *key, bool v);
/* Append an escaped, quoted JSON string to out. */
void pn_json_escape(pn_str *out, const char *s, size_t n);

#endif
