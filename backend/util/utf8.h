/* utf8.h - UTF-8 decoding, validation and display sanitising.
 *
 * Everything postern draws or prints from outside (log lines, subjects,
 * addresses, command output) goes through pn_utf8_sanitize(): invalid UTF-8
 * sequences (overlong forms, surrogates, > U+10FFFF, truncated sequences),
 * C0/C1 control characters, DEL and bidirectional overrides are replaced
 * with U+FFFD so that nothing can move the cursor, change colours or reorder
 * text on an administrator's terminal. */
#ifndef PN_UTF8_H
#define PN_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

#define PN_UTF8_REPLACEMENT 0xFFFDu

/* Decode one code point from s[0..len). Returns the number of bytes used
 * (>= 1) and sets *cp; on an invalid sequence sets *cp = 0xFFFD and returns 1. */
size_t pn_utf8_decode(const char *s, size_t len, uint32_t *cp, bool *valid);
/* Append the UTF-8 encoding of cp (cp must be a valid scalar value). */
void pn_utf8_encode(pn_str *out, uint32_t cp);
/* True when all of s[0..len) is valid UTF-8 (NUL bytes count as invalid). */
bool pn_utf8_valid(const char *s, size_t len);
/* True for code points that must never reach a terminal. */
bool pn_utf8_is_unsafe(uint32_t cp);

enum {
    PN_SAN_KEEP_TAB = 1,      /* keep \t (else replaced by a space) */
    PN_SAN_KEEP_NEWLINE = 2,  /* keep \n (else U+FFFD) */
};
/* Append a display-safe copy of s[0..len) to out. Returns the number of
 * replacements made. */
size_t pn_utf8_sanitize(pn_str *out, const char *s, size_t len, int flags);
/* Convenience: sanitised heap copy of a C string. */
char *pn_utf8_sanitized(const char *s);

#endif
