/* str.h - growable, always NUL-terminated byte string (Postfix VSTRING style).
 *
 * A zero-initialised pn_str (PN_STR_INIT) is a valid empty string; s is NULL
 * until the first append, so use pn_str_cstr() to read it safely.
 * Data may contain NUL bytes; len is authoritative. */
#ifndef PN_STR_H
#define PN_STR_H

#include <stdarg.h>
#include <stddef.h>

typedef struct pn_str {
    char *s;
    size_t len;
    size_t cap;
} pn_str;

#define PN_STR_INIT {NULL, 0, 0}

void pn_str_reserve(pn_str *str, size_t extra);
void pn_str_append(pn_str *str, const char *s);
void pn_str_appendn(pn_str *str, const void *data, size_t n);
void pn_str_appendc(pn_str *str, char c);
void pn_str_appendf(pn_str *str, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pn_str_vappendf(pn_str *str, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void pn_str_set(pn_str *str, const char *s);
void pn_str_truncate(pn_str *str, size_t len);
void pn_str_reset(pn_str *str);
/* Never NULL: "" for an empty string. */
const char *pn_str_cstr(const pn_str *str);
/* Hand the buffer to the caller (never NULL) and leave str empty. */
char *pn_str_steal(pn_str *str);
void pn_str_free(pn_str *str);
/* Remove trailing whitespace (spaces, tabs, CR, LF). */
void pn_str_rtrim(pn_str *str);

/* printf into a new heap string. */
char *pn_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
