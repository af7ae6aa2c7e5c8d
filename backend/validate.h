/* validate.h - validators for every identifier that reaches a command, a map
 * or a file: shared by the CLI, the TUI forms and the YAML loaders.
 *
 * Each takes the field name (used in the message) and the value, returns
 * true when valid, and otherwise sets err (PN_E_INVALID) to a one-line
 * message that names the field and the rule broken, e.g.
 *   "domain: 'bad_domain.com' is not valid: a label may contain only letters, digits and '-'"
 * Values are shown sanitised (control characters escaped) in messages.
 * CR, LF, NUL and other control characters are always rejected. */
#ifndef PN_VALIDATE_H
#define PN_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* DNS domain name: ASCII LDH labels of 1-63 chars, total <= 253 (a trailing
 * dot is not accepted), at least two labels, no leading/trailing '-',
 * IDN only in A-label form ("xn--"); a U-label (non-ASCII) is rejected with a
 * hint to use the xn-- form. Case-insensitive. */
bool pn_valid_domain(const char *field, const char *value, pn_err *err);
/* Hostname: like a domain but a single label is allowed ("localhost"). */
bool pn_valid_hostname(const char *field, const char *value, pn_err *err);
/* RFC 5321 local part: dot-atom (atext and single dots), 1-64 octets.
 * Quoted local parts are refused (postern does not create them). The atext
 * accepted is narrowed to letters, digits and . _ - + = (the rest is unsafe
 * in maps, passwd-files, paths or shells; see validate.c), and a leading '-'
 * is refused (Postfix refuses it too: allow_min_user). */
bool pn_valid_localpart(const char *field, const char *value, pn_err *err);
/* local@domain, total <= 254 octets. */
bool pn_valid_email(const char *field, const char *value, pn_err *err);
bool pn_valid_ipv4(const char *field, const char *value, pn_err *err);
bool pn_valid_ipv6(const char *field, const char *value, pn_err *err);
bool pn_valid_ip(const char *field, const char *value, pn_err *err);
/* addr/prefix (IPv4 /0-32, IPv6 /0-128); a bare address is accepted as a
 * host network only when allow_bare is true. Host bits must be zero. */
bool pn_valid_cidr(const char *field, const char *value, bool allow_bare, pn_err *err);
/* Decimal 1-65535, no sign, no leading zeros; *out receives the number. */
bool pn_valid_port(const char *field, const char *value, int *out, pn_err *err);
/* Postfix queue ID: short form (6+ upper-case hex digits, typically 10-12)
 * or long form (enable_long_queue_ids: 12+ chars of [0-9A-Za-z] with the
 * vowel-free alphabet, e.g. 4jX7RL56npz1bcFr). */
bool pn_valid_qid(const char *field, const char *value, pn_err *err);
/* Generic: no control characters (C0, DEL, C1), no bidi overrides or line
 * separators, valid UTF-8, at most max_len bytes. Empty is accepted (callers
 * that need a value check for it). */
bool pn_valid_text(const char *field, const char *value, size_t max_len, pn_err *err);
/* The same for value[0..len), which may hold NUL bytes (always rejected). */
bool pn_valid_textn(const char *field, const char *value, size_t len, size_t max_len,
                    pn_err *err);

/* A size: digits with an optional binary unit K, M, G or T (an optional B
 * after it): "500M", "2G", "1048576". false + PN_E_INVALID naming field. */
bool pn_parse_size(const char *field, const char *value, int64_t *out, pn_err *err);

#endif
