/* text.h - width-aware text for terminals and fixed-width tables.
 *
 * Widths are display columns (wcwidth), not bytes: a CJK character takes two
 * columns, a combining mark none. Input is sanitised first (pn_utf8_sanitize),
 * so nothing fitted here can carry control characters to a terminal. Also
 * the compact human formats postern uses for ages and sizes. */
#ifndef PN_TEXT_H
#define PN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

/* Display width of a UTF-8 string (invalid bytes and unprintables count 1). */
size_t pn_text_width(const char *s);
/* The same for the first len bytes. */
size_t pn_text_width_n(const char *s, size_t len);
/* Append s sanitised and fitted into exactly `width` columns when pad is
 * true (else at most width): cut with an ellipsis when too wide. */
void pn_text_fit(pn_str *out, const char *s, size_t width, bool pad);
/* "45s" "12m" "3h05m" "4d02h" for a duration in seconds (negative: "-"). */
void pn_text_age(pn_str *out, int64_t seconds);
/* "512" "1.5K" "12M" "3.2G" (powers of 1024). */
void pn_text_size(pn_str *out, int64_t bytes);

#endif
