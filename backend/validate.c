/* validate.c - validators shared by the CLI, the TUI forms and the YAML
 * loaders (see validate.h).
 *
 * Every check is written as "rule functions" that return false and fill a
 * short rule text ("a label is longer than 63 characters"); the public
 * functions wrap that into the one-line message
 *   "<field>: '<shown value>' is not valid: <rule>"
 * or "<field>: must not be empty", with the value shown sanitised (control
 * characters and unsafe code points escaped, capped at SHOW_MAX characters).
 *
 * Order of checks: emptiness, then control characters (the injection cases:
 * CR, LF, TAB, other C0, DEL), then characters that are dangerous downstream
 * (spaces, ',' and ':' that split map entries, shell metacharacters), then
 * structure and lengths. So an injection attempt is always reported as such,
 * even when the value is also too long or malformed. */
#include "validate.h"

#include "util/str.h"
#include "util/utf8.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RULE_MAX 256
#define SHOW_MAX 80           /* displayed characters of the value, then "..." */

#define DOMAIN_MAX 253        /* RFC 1035 255 octets on the wire = 253 chars, no trailing dot */
#define LABEL_MAX 63
#define LOCAL_MAX 64          /* RFC 5321 4.5.3.1.1 */
#define EMAIL_MAX 254         /* RFC 5321 path 256 minus the angle brackets */
#define IPV6_TEXT_MAX 45      /* INET6_ADDRSTRLEN - 1 */

/* ------------------------------------------------------------------ */
/* Message helpers                                                    */

static bool rulef(char *rule, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool rulef(char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rule, RULE_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* Prefix an already-filled rule ("domain part: " + rule). */
static bool rule_prefix(char *rule, const char *prefix)
{
    size_t pl = strlen(prefix);
    size_t rl = strnlen(rule, RULE_MAX - 1);
    if (pl >= RULE_MAX - 1)
        pl = RULE_MAX - 1;
    if (pl + rl > RULE_MAX - 1)
        rl = RULE_MAX - 1 - pl;
    memmove(rule + pl, rule, rl);
    memcpy(rule, prefix, pl);
    rule[pl + rl] = '\0';
    return false;
}

/* Append a display-safe rendering of s[0..len): printable ASCII as is,
 * '\\' doubled, CR/LF/TAB as \r \n \t, other control bytes, DEL, invalid
 * UTF-8 and unsafe code points (C1, bidi overrides, line separators) as
 * \xNN per byte; other valid UTF-8 is kept. At most SHOW_MAX characters,
 * then "...". */
static void append_shown(pn_str *out, const char *s, size_t len)
{
    size_t shown = 0;
    size_t i = 0;
    while (i < len) {
        if (shown >= SHOW_MAX) {
            pn_str_append(out, "...");
            return;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            pn_str_append(out, "\\r");
        } else if (c == '\n') {
            pn_str_append(out, "\\n");
        } else if (c == '\t') {
            pn_str_append(out, "\\t");
        } else if (c == '\\') {
            pn_str_append(out, "\\\\");
        } else if (c < 0x20 || c == 0x7F) {
            pn_str_appendf(out, "\\x%02X", c);
        } else if (c < 0x80) {
            pn_str_appendc(out, (char)c);
        } else {
            uint32_t cp;
            bool ok;
            size_t n = pn_utf8_decode(s + i, len - i, &cp, &ok);
            if (ok && !pn_utf8_is_unsafe(cp)) {
                pn_str_appendn(out, s + i, n);
            } else {
                for (size_t k = 0; k < n; k++)
                    pn_str_appendf(out, "\\x%02X", (unsigned char)s[i + k]);
            }
            i += n;
            shown++;
            continue;
        }
        i++;
        shown++;
    }
}

static const char *field_name(const char *field)
{
    return (field && *field) ? field : "value";
}

static bool fail(pn_err *err, const char *field, const char *value, size_t len,
                 const char *rule)
{
    pn_str shown = PN_STR_INIT;
    append_shown(&shown, value, len);
    pn_err_set(err, PN_E_INVALID, "%s: '%s' is not valid: %s", field_name(field),
               pn_str_cstr(&shown), rule);
    pn_str_free(&shown);
    return false;
}

static bool fail_empty(pn_err *err, const char *field)
{
    return pn_err_set(err, PN_E_INVALID, "%s: must not be empty", field_name(field));
}

/* ------------------------------------------------------------------ */
/* Character classes                                                  */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool has_byte(const char *s, size_t len, char c)
{
    return len > 0 && memchr(s, c, len) != NULL;
}

static bool has_nonascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* CR, LF, NUL, TAB, other C0 controls and DEL: never accepted anywhere. */
static bool check_controls(const char *s, size_t len, char *rule)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0')
            return rulef(rule, "contains a NUL byte");
        if (c == '\n')
            return rulef(rule, "contains a line break (LF)");
        if (c == '\r')
            return rulef(rule, "contains a control character (CR)");
        if (c == '\t')
            return rulef(rule, "contains a control character (TAB)");
        if (c == 0x7F)
            return rulef(rule, "contains a control character (DEL)");
        if (c < 0x20)
            return rulef(rule, "contains a control character (0x%02X)", c);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Punycode (RFC 3492): an xn-- label must decode, to something that
 * actually needs it (at least one non-ASCII code point, none unsafe). */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
       PC_BIAS = 72, PC_N = 128 };

static uint32_t pc_adapt(uint32_t delta, uint32_t npoints, bool first)
{
    uint32_t k = 0;
    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / npoints;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static int pc_digit(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '0' && c <= '9')
        return c - '0' + 26;
    return -1;
}

static bool punycode_ok(const char *in, size_t len)
{
    size_t b = 0, pos = 0;
    for (size_t j = len; j > 0; j--) {
        if (in[j - 1] == '-') {
            b = j - 1;
            pos = j;
            break;
        }
    }
    uint32_t out = (uint32_t)b;
    uint32_t n = PC_N, i = 0, bias = PC_BIAS;
    bool nonbasic = false;
    while (pos < len) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = PC_BASE;; k += PC_BASE) {
            if (pos >= len)
                return false;
            int d = pc_digit(in[pos++]);
            if (d < 0)
                return false;
            uint32_t digit = (uint32_t)d;
            if (digit > (UINT32_MAX - i) / w)
                return false;
            i += digit * w;
            uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
            if (digit < t)
                break;
            if (w > UINT32_MAX / (PC_BASE - t))
                return false;
            w *= PC_BASE - t;
        }
        out++;
        bias = pc_adapt(i - oldi, out, oldi == 0);
        if (i / out > UINT32_MAX - n)
            return false;
        n += i / out;
        i %= out;
        if (n < 0x80 || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || pn_utf8_is_unsafe(n))
            return false;
        nonbasic = true;
        i++;
    }
    return nonbasic;
}

/* ------------------------------------------------------------------ */
/* Domain names and hostnames                                         */

static bool all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

static bool check_domain(const char *s, size_t len, bool need_two, char *rule)
{
    if (!check_controls(s, len, rule))
        return false;
    if (has_nonascii(s, len) && !pn_utf8_valid(s, len))
        return rulef(rule, "contains bytes that are not valid UTF-8 (a domain is ASCII)");
    if (has_nonascii(s, len))
        return rulef(rule, "non-ASCII (U-label) domain: give the IDN in A-label form, "
                           "e.g. xn--bcher-kva.example");
    if (has_byte(s, len, ' '))
        return rulef(rule, "contains a space");
    if (has_byte(s, len, ','))
        return rulef(rule, "contains ',' which would split a map entry");
    if (has_byte(s, len, ':'))
        return rulef(rule, "contains ':' which separates fields in maps "
                           "(a domain has no port)");
    if (has_byte(s, len, '@'))
        return rulef(rule, "contains '@' (a domain, not an address)");
    if (len > DOMAIN_MAX)
        return rulef(rule, "is longer than %d characters", DOMAIN_MAX);
    if (s[0] == '.')
        return rulef(rule, "starts or ends with a dot");
    if (s[len - 1] == '.')
        return rulef(rule, "starts or ends with a dot (give it without the trailing dot)");

    size_t labels = 0;
    bool numeric_labels = true;
    const char *last = s;
    size_t last_len = 0;
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '.')
            end++;
        const char *l = s + start;
        size_t ll = end - start;
        if (ll == 0)
            return rulef(rule, "has two dots in a row");
        if (ll > LABEL_MAX)
            return rulef(rule, "a label is longer than %d characters", LABEL_MAX);
        for (size_t i = 0; i < ll; i++) {
            if (!is_alnum(l[i]) && l[i] != '-')
                return rulef(rule, "a label may contain only letters, digits and '-' "
                                   "(found '%c')", l[i]);
        }
        if (l[0] == '-' || l[ll - 1] == '-')
            return rulef(rule, "a label must not start or end with '-'");
        if (ll >= 4 && (l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N')
            && l[2] == '-' && l[3] == '-' && !punycode_ok(l + 4, ll - 4))
            return rulef(rule, "the xn-- label '%.*s' is not valid Punycode", (int)ll, l);
        if (!all_digits(l, ll))
            numeric_labels = false;
        labels++;
        last = l;
        last_len = ll;
        start = end + 1;
    }
    if (numeric_labels)
        return rulef(rule, "looks like an IP address");
    if (need_two && labels < 2)
        return rulef(rule, "must have at least two labels (e.g. example.com)");
    if (all_digits(last, last_len))
        return rulef(rule, "the top-level label must not be all digits");
    return true;
}

bool pn_valid_domain(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_domain(value, len, true, rule))
        return fail(err, field, value, len, rule);
    return true;
}

bool pn_valid_hostname(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_domain(value, len, false, rule))
        return fail(err, field, value, len, rule);
    return true;
}

/* ------------------------------------------------------------------ */
/* Local parts and addresses                                          */

/* Deliberate deviation from RFC 5321 atext (!#$%&'*+/=?^_`{|}~-): postern
 * writes local parts into Postfix maps, Dovecot passwd-files and maildir
 * paths, and passes them as arguments to doveadm/postsuper. Only the
 * characters that are safe in all of those are accepted:
 *   letters, digits and . _ - + =
 * but not a leading '-' (Postfix's allow_min_user = no refuses those).
 * Refused atext, and why: $ ` ' | & * ( ) ; < > shell/quoting trouble should
 * a value ever reach a shell; / path separator in maildir paths; { } Dovecot
 * %{var} syntax; % Postfix percent hack (allow_percent_hack) and Dovecot
 * %-expansion; ! Postfix bang paths (swap_bangpath); # starts a comment line
 * in maps and passwd-files; * the usual Dovecot master-user separator;
 * ? ^ ~ glob/regexp metacharacters in regexp/pcre maps. Quoted local parts
 * are refused altogether. */
static bool local_char_ok(char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '=';
}

#define LOCAL_ALLOWED "allowed: letters, digits and . _ - + ="

static bool check_localpart(const char *s, size_t len, char *rule)
{
    if (!check_controls(s, len, rule))
        return false;
    if (has_nonascii(s, len))
        return rulef(rule, "local part contains a non-ASCII character "
                           "(internationalised local parts are not supported)");
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (local_char_ok(c))
            continue;
        if (c == ' ')
            return rulef(rule, "local part contains a space");
        if (c == ',')
            return rulef(rule, "local part contains ',' which would split a map entry");
        if (c == ':')
            return rulef(rule, "local part contains ':' which separates fields in maps");
        if (c == '@')
            return rulef(rule, "local part contains '@'");
        return rulef(rule, "local part contains '%c' (" LOCAL_ALLOWED ")", c);
    }
    if (s[0] == '.' || s[len - 1] == '.')
        return rulef(rule, "local part starts or ends with a dot");
    /* Postfix refuses such addresses (allow_min_user = no): they could be
     * taken for an option by a program that gets them as an argument. */
    if (s[0] == '-')
        return rulef(rule, "local part starts with '-'");
    if (len > 1 && memmem(s, len, "..", 2))
        return rulef(rule, "local part has two dots in a row");
    if (len > LOCAL_MAX)
        return rulef(rule, "local part is longer than %d octets", LOCAL_MAX);
    return true;
}

bool pn_valid_localpart(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_localpart(value, len, rule))
        return fail(err, field, value, len, rule);
    return true;
}

bool pn_valid_email(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_controls(value, len, rule))
        return fail(err, field, value, len, rule);
    const char *at = memchr(value, '@', len);
    if (!at) {
        rulef(rule, "must be local@domain (no '@' found)");
        return fail(err, field, value, len, rule);
    }
    if (memchr(at + 1, '@', len - (size_t)(at - value) - 1)) {
        rulef(rule, "contains more than one '@'");
        return fail(err, field, value, len, rule);
    }
    size_t llen = (size_t)(at - value);
    size_t dlen = len - llen - 1;
    if (llen == 0) {
        rulef(rule, "local part is empty (nothing before '@')");
        return fail(err, field, value, len, rule);
    }
    if (dlen == 0) {
        rulef(rule, "domain part is empty (nothing after '@')");
        return fail(err, field, value, len, rule);
    }
    if (!check_localpart(value, llen, rule))
        return fail(err, field, value, len, rule);
    if (!check_domain(at + 1, dlen, true, rule)) {
        rule_prefix(rule, "domain part: ");
        return fail(err, field, value, len, rule);
    }
    if (len > EMAIL_MAX) {
        rulef(rule, "is longer than %d characters", EMAIL_MAX);
        return fail(err, field, value, len, rule);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* IP addresses, networks                                             */

/* Our own character and form checks first (for clear messages and to refuse
 * ambiguous forms), then inet_pton as the authority. */
static bool check_ipv4(const char *s, size_t len, char *rule, unsigned char out[4])
{
    if (!check_controls(s, len, rule))
        return false;
    if (has_byte(s, len, ':'))
        return rulef(rule, "contains ':' (an IPv4 address has no port and is not IPv6)");
    if (has_byte(s, len, '/'))
        return rulef(rule, "contains '/' (give a single address, not a network)");
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]) && s[i] != '.')
            return rulef(rule, "an IPv4 address has only digits and dots");
    size_t dots = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.')
            dots++;
    if (dots != 3)
        return rulef(rule, "must be four numbers 0-255 separated by dots");
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '.')
            end++;
        size_t pl = end - start;
        if (pl == 0)
            return rulef(rule, "must be four numbers 0-255 separated by dots");
        if (pl > 1 && s[start] == '0')
            return rulef(rule, "an octet has a leading zero (ambiguous: octal or decimal?)");
        unsigned v = 0;
        for (size_t i = start; i < end && v <= 255; i++)
            v = v * 10 + (unsigned)(s[i] - '0');
        if (v > 255)
            return rulef(rule, "an octet is greater than 255");
        start = end + 1;
    }
    char buf[16];
    if (len >= sizeof buf)
        return rulef(rule, "must be four numbers 0-255 separated by dots");
    memcpy(buf, s, len);
    buf[len] = '\0';
    unsigned char tmp[4];
    if (inet_pton(AF_INET, buf, out ? out : tmp) != 1)
        return rulef(rule, "is not a valid IPv4 address");
    return true;
}

static bool check_ipv6(const char *s, size_t len, char *rule, unsigned char out[16])
{
    if (!check_controls(s, len, rule))
        return false;
    if (has_byte(s, len, '%'))
        return rulef(rule, "has a zone ID ('%%...'), which is not accepted");
    if (has_byte(s, len, '[') || has_byte(s, len, ']'))
        return rulef(rule, "give the IPv6 address without brackets");
    if (has_byte(s, len, '/'))
        return rulef(rule, "contains '/' (give a single address, not a network)");
    for (size_t i = 0; i < len; i++)
        if (!is_hex(s[i]) && s[i] != ':' && s[i] != '.')
            return rulef(rule, "an IPv6 address has only hex digits, ':' and '.'");
    if (!has_byte(s, len, ':'))
        return rulef(rule, "is not an IPv6 address (no ':')");
    if (len > IPV6_TEXT_MAX)
        return rulef(rule, "is longer than %d characters", IPV6_TEXT_MAX);
    const char *dc = memmem(s, len, "::", 2);
    if (dc && memmem(dc + 1, len - (size_t)(dc + 1 - s), "::", 2))
        return rulef(rule, "uses '::' more than once");
    if (has_byte(s, len, '.')) {
        /* embedded IPv4 (e.g. ::ffff:192.0.2.1): same rules as IPv4 */
        const char *c = s + len;
        while (c > s && c[-1] != ':')
            c--;
        if (!check_ipv4(c, len - (size_t)(c - s), rule, NULL))
            return rule_prefix(rule, "embedded IPv4 part: ");
    }
    char buf[IPV6_TEXT_MAX + 1];
    memcpy(buf, s, len);
    buf[len] = '\0';
    unsigned char tmp[16];
    if (inet_pton(AF_INET6, buf, out ? out : tmp) != 1)
        return rulef(rule, "is not a valid IPv6 address");
    return true;
}

bool pn_valid_ipv4(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_ipv4(value, len, rule, NULL))
        return fail(err, field, value, len, rule);
    return true;
}

bool pn_valid_ipv6(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_ipv6(value, len, rule, NULL))
        return fail(err, field, value, len, rule);
    return true;
}

/* An address with ':' is IPv6, anything else is judged as IPv4. */
static bool check_ip(const char *s, size_t len, char *rule, int *family, unsigned char out[16])
{
    if (has_byte(s, len, ':')) {
        *family = AF_INET6;
        return check_ipv6(s, len, rule, out);
    }
    *family = AF_INET;
    return check_ipv4(s, len, rule, out);
}

bool pn_valid_ip(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    unsigned char addr[16];
    int family;
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_ip(value, len, rule, &family, addr))
        return fail(err, field, value, len, rule);
    return true;
}

static bool check_cidr(const char *s, size_t len, bool allow_bare, char *rule)
{
    unsigned char addr[16];
    int family;
    if (!check_controls(s, len, rule))
        return false;
    const char *slash = memchr(s, '/', len);
    if (!slash) {
        if (!allow_bare)
            return rulef(rule, "must be address/prefix, e.g. 192.0.2.0/24 or 2001:db8::/32");
        return check_ip(s, len, rule, &family, addr);
    }
    size_t alen = (size_t)(slash - s);
    const char *p = slash + 1;
    size_t plen = len - alen - 1;
    if (memchr(p, '/', plen))
        return rulef(rule, "contains more than one '/'");
    if (alen == 0)
        return rulef(rule, "the address before '/' is missing");
    if (!check_ip(s, alen, rule, &family, addr))
        return false;
    if (plen == 0)
        return rulef(rule, "the prefix length after '/' is missing");
    for (size_t i = 0; i < plen; i++)
        if (!is_digit(p[i]))
            return rulef(rule, "the prefix length must be a decimal number");
    if (plen > 1 && p[0] == '0')
        return rulef(rule, "the prefix length has a leading zero");
    unsigned maxp = family == AF_INET ? 32 : 128;
    unsigned prefix = 0;
    for (size_t i = 0; i < plen && prefix <= maxp; i++)
        prefix = prefix * 10 + (unsigned)(p[i] - '0');
    if (prefix > maxp)
        return rulef(rule, "an %s prefix length must be 0-%u",
                     family == AF_INET ? "IPv4" : "IPv6", maxp);
    size_t nbytes = family == AF_INET ? 4 : 16;
    unsigned char net[16];
    bool host_bits = false;
    for (size_t i = 0; i < nbytes; i++) {
        unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
        unsigned char mask = bits >= 8 ? 0xFF : (unsigned char)(0xFF << (8 - bits));
        net[i] = addr[i] & mask;
        if (net[i] != addr[i])
            host_bits = true;
    }
    if (host_bits) {
        char nbuf[INET6_ADDRSTRLEN];
        if (!inet_ntop(family, net, nbuf, sizeof nbuf))
            return rulef(rule, "host bits must be zero");
        return rulef(rule, "host bits must be zero: the network address is %s/%u", nbuf, prefix);
    }
    return true;
}

bool pn_valid_cidr(const char *field, const char *value, bool allow_bare, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_cidr(value, len, allow_bare, rule))
        return fail(err, field, value, len, rule);
    return true;
}

/* ------------------------------------------------------------------ */
/* Ports                                                              */

bool pn_valid_port(const char *field, const char *value, int *out, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_controls(value, len, rule))
        return fail(err, field, value, len, rule);
    for (size_t i = 0; i < len; i++) {
        if (is_digit(value[i]))
            continue;
        if (value[i] == '+' || value[i] == '-')
            rulef(rule, "port must be a decimal number without a sign");
        else if (value[i] == ' ')
            rulef(rule, "contains a space");
        else
            rulef(rule, "port must be a decimal number (digits only)");
        return fail(err, field, value, len, rule);
    }
    if (len > 1 && value[0] == '0') {
        rulef(rule, "port must not have leading zeros");
        return fail(err, field, value, len, rule);
    }
    long v = 0;
    for (size_t i = 0; i < len && v <= 65535; i++)
        v = v * 10 + (value[i] - '0');
    if (v < 1 || v > 65535) {
        rulef(rule, "port must be 1-65535");
        return fail(err, field, value, len, rule);
    }
    if (out)
        *out = (int)v;
    return true;
}

/* ------------------------------------------------------------------ */
/* Postfix queue IDs                                                  */

/* Postfix src/global/mail_queue.h:
 * - short (repeating) form: upper-case hex, 5 digits of microseconds
 *   (MQID_SH_USEC_PAD) followed by the inode number in hex ("%lX"); with a
 *   64-bit inode that is 6..21 characters (typically 10-12).
 * - long (enable_long_queue_ids) form: seconds in base 52 (at least 6
 *   characters, MQID_LG_SEC_PAD; 7 covers times past the year 2500),
 *   microseconds in base 52 (exactly 4), the separator 'z' (MQID_LG_INUM_SEP),
 *   then the inode in base 51 (the alphabet minus 'z', so 'z' found last is
 *   the separator; a 64-bit inode is at most 12 characters). The base-52
 *   "safe" alphabet has no vowels: 0-9, B-Z and b-z without vowels.
 * Only these characters are accepted, so '/', '.', and "../" can never
 * reach a queue file path or a postsuper argument. */
#define QID_SH_MIN 6
#define QID_SH_MAX 21
#define QID_LG_TIME_MIN 10
#define QID_LG_TIME_MAX 11
#define QID_LG_INUM_MAX 12
#define QID_RULE "queue ID must be 6-21 upper-case hex digits or a long queue ID " \
                 "(e.g. 4jX7RL56npz1bcFr)"

static const char qid_safe_chars[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

static bool qid_safe(char c)
{
    return c != '\0' && strchr(qid_safe_chars, c) != NULL;
}

static bool check_qid(const char *s, size_t len, char *rule)
{
    if (!check_controls(s, len, rule))
        return false;
    if (has_byte(s, len, '/'))
        return rulef(rule, "contains '/' (a queue ID is never a path); " QID_RULE);
    if (has_byte(s, len, '.'))
        return rulef(rule, "contains '.' (a queue ID is never a path); " QID_RULE);
    if (has_byte(s, len, ' '))
        return rulef(rule, "contains a space");
    if (has_nonascii(s, len))
        return rulef(rule, "contains a non-ASCII character; " QID_RULE);
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]))
            return rulef(rule, "contains '%c'; " QID_RULE, s[i]);

    const char *z = NULL;
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == 'z') {
            z = s + i - 1;
            break;
        }
    }
    if (!z) {
        /* short form */
        bool hex = true, upper = true;
        for (size_t i = 0; i < len; i++) {
            if (!is_hex(s[i]))
                hex = false;
            else if (s[i] >= 'a' && s[i] <= 'f')
                upper = false;
        }
        if (hex && !upper)
            return rulef(rule, "short queue IDs use upper-case hex digits (A-F, not a-f)");
        if (!hex || len < QID_SH_MIN || len > QID_SH_MAX)
            return rulef(rule, QID_RULE);
        return true;
    }
    /* long form */
    size_t tlen = (size_t)(z - s);
    size_t ilen = len - tlen - 1;
    for (size_t i = 0; i < len; i++)
        if (!qid_safe(s[i]))
            return rulef(rule, "a long queue ID has no vowels (found '%c'); " QID_RULE, s[i]);
    if (tlen < QID_LG_TIME_MIN || tlen > QID_LG_TIME_MAX || ilen < 1 || ilen > QID_LG_INUM_MAX)
        return rulef(rule, "a long queue ID is 10-11 time characters, 'z', then 1-12 "
                           "inode characters; " QID_RULE);
    return true;
}

bool pn_valid_qid(const char *field, const char *value, pn_err *err)
{
    char rule[RULE_MAX];
    size_t len = value ? strlen(value) : 0;
    if (len == 0)
        return fail_empty(err, field);
    if (!check_qid(value, len, rule))
        return fail(err, field, value, len, rule);
    return true;
}

/* ------------------------------------------------------------------ */
/* Generic text                                                       */

bool pn_valid_textn(const char *field, const char *value, size_t len, size_t max_len,
                    pn_err *err)
{
    char rule[RULE_MAX];
    if (!value)
        len = 0;
    if (!check_controls(value, len, rule))
        return fail(err, field, value, len, rule);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        bool ok;
        size_t n = pn_utf8_decode(value + i, len - i, &cp, &ok);
        if (!ok) {
            rulef(rule, "is not valid UTF-8");
            return fail(err, field, value, len, rule);
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            rulef(rule, "contains a control character (U+%04X)", (unsigned)cp);
            return fail(err, field, value, len, rule);
        }
        if (pn_utf8_is_unsafe(cp)) {
            rulef(rule, "contains a bidirectional-control or line-separator character "
                        "(U+%04X)", (unsigned)cp);
            return fail(err, field, value, len, rule);
        }
        i += n;
    }
    if (len > max_len) {
        rulef(rule, "is longer than %zu bytes", max_len);
        return fail(err, field, value, len, rule);
    }
    return true;
}

bool pn_valid_text(const char *field, const char *value, size_t max_len, pn_err *err)
{
    return pn_valid_textn(field, value, value ? strlen(value) : 0, max_len, err);
}

bool pn_parse_size(const char *field, const char *value, int64_t *out, pn_err *err)
{
    const char *p = value ? value : "";
    int64_t n = 0;
    bool digits = false;
    while (*p >= '0' && *p <= '9') {
        if (n > (INT64_MAX - 9) / 10)
            return pn_err_set(err, PN_E_INVALID, "%s: the size is too large", field);
        n = n * 10 + (*p++ - '0');
        digits = true;
    }
    int shift = 0;
    static const char units[] = "KMGT";
    for (int i = 0; *p && units[i]; i++)
        if (*p == units[i] || *p == units[i] + ('a' - 'A')) {
            shift = 10 * (i + 1);
            p++;
            if (*p == 'B' || *p == 'b')
                p++;
            break;
        }
    if (!digits || *p)
        return pn_err_set(err, PN_E_INVALID,
                          "%s: must be a size like 500M, 2G or a number of bytes", field);
    if (shift && n > (INT64_MAX >> shift))
        return pn_err_set(err, PN_E_INVALID, "%s: the size is too large", field);
    *out = n << shift;
    return true;
}
