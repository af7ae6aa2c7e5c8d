/* test_validate.c - table-driven tests for backend/validate.c.
 *
 * Every row names a validator, a value, whether it must pass, and for a
 * rejection a substring of the rule; the runner also checks that the message
 * starts with "<field>: ", carries "is not valid: " (or "must not be empty"),
 * and contains no raw control characters (the value is shown sanitised).
 *
 * Values may contain "%{N:c}", expanded to N copies of the character c, to
 * write the boundary-length cases (63/64-char labels, 253/254-char domains,
 * 64/65-octet local parts, 254/255-char addresses). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "validate.h"

typedef enum kind {
    K_DOMAIN, K_HOST, K_LOCAL, K_EMAIL, K_IPV4, K_IPV6, K_IP, K_CIDR, K_PORT,
    K_QID, K_TEXT, K_TEXTN,
} kind;

static const char *const field_of[] = {
    [K_DOMAIN] = "domain", [K_HOST] = "hostname", [K_LOCAL] = "local_part",
    [K_EMAIL] = "email", [K_IPV4] = "ipv4", [K_IPV6] = "ipv6", [K_IP] = "ip",
    [K_CIDR] = "network", [K_PORT] = "port", [K_QID] = "queue_id",
    [K_TEXT] = "comment", [K_TEXTN] = "comment",
};

typedef struct tcase {
    kind k;
    const char *value;
    bool ok;
    const char *expect;   /* rejection: substring of the message */
    long arg;             /* CIDR: allow_bare; PORT: expected number; TEXT(N): max_len */
    size_t n;             /* TEXTN: explicit length */
} tcase;

#define OK(k, v) {k, v, true, NULL, 0, 0}
#define BAD(k, v, e) {k, v, false, e, 0, 0}
#define OKA(k, v, a) {k, v, true, NULL, a, 0}
#define BADA(k, v, a, e) {k, v, false, e, a, 0}

/* ------------------------------------------------------------------ */

#define NOT_LDH "a label may contain only letters, digits and '-'"
#define ULABEL "non-ASCII (U-label) domain: give the IDN in A-label form, e.g. xn--bcher-kva.example"

static const tcase domain_cases[] = {
    OK(K_DOMAIN, "example.com"),
    OK(K_DOMAIN, "EXAMPLE.COM"),
    OK(K_DOMAIN, "Mail.Example.Org"),
    OK(K_DOMAIN, "a.b"),
    OK(K_DOMAIN, "my-host.example.co.uk"),
    OK(K_DOMAIN, "1example.com"),
    OK(K_DOMAIN, "xn--bcher-kva.example"),
    OK(K_DOMAIN, "XN--BCHER-KVA.EXAMPLE"),
    OK(K_DOMAIN, "xn--mnchen-3ya.de"),
    OK(K_DOMAIN, "xn--fiqs8s.example"),
    OK(K_DOMAIN, "example.xn--p1ai"),
    OK(K_DOMAIN, "xn--80akhbyknj4f.example"),
    OK(K_DOMAIN, "%{63:a}.example"),
    BAD(K_DOMAIN, "%{64:a}.example", "a label is longer than 63 characters"),
    OK(K_DOMAIN, "%{63:a}.%{63:b}.%{63:c}.%{61:d}"),
    BAD(K_DOMAIN, "%{63:a}.%{63:b}.%{63:c}.%{62:d}", "is longer than 253 characters"),
    BAD(K_DOMAIN, "", "must not be empty"),
    BAD(K_DOMAIN, "localhost", "must have at least two labels"),
    BAD(K_DOMAIN, "bad_domain.com", NOT_LDH " (found '_')"),
    BAD(K_DOMAIN, "_dmarc.example.com", "(found '_')"),
    BAD(K_DOMAIN, "-example.com", "a label must not start or end with '-'"),
    BAD(K_DOMAIN, "example-.com", "a label must not start or end with '-'"),
    BAD(K_DOMAIN, "example.-com", "a label must not start or end with '-'"),
    BAD(K_DOMAIN, "a..b.com", "has two dots in a row"),
    BAD(K_DOMAIN, ".example.com", "starts or ends with a dot"),
    BAD(K_DOMAIN, "example.com.", "without the trailing dot"),
    BAD(K_DOMAIN, ".", "starts or ends with a dot"),
    BAD(K_DOMAIN, "bücher.example", ULABEL),
    BAD(K_DOMAIN, "\xff\xfe.example", "contains bytes that are not valid UTF-8"),
    BAD(K_DOMAIN, "xn--99.example", "the xn-- label 'xn--99' is not valid Punycode"),
    BAD(K_DOMAIN, "xn--z.example", "is not valid Punycode"),
    BAD(K_DOMAIN, "xn--a.example", "is not valid Punycode"),
    BAD(K_DOMAIN, "1.2.3.4", "looks like an IP address"),
    BAD(K_DOMAIN, "1234", "looks like an IP address"),
    BAD(K_DOMAIN, "example.123", "the top-level label must not be all digits"),
    BAD(K_DOMAIN, "exa mple.com", "contains a space"),
    BAD(K_DOMAIN, "example.com ", "contains a space"),
    BAD(K_DOMAIN, "a.com,b.com", "contains ',' which would split a map entry"),
    BAD(K_DOMAIN, "example.com:25", "contains ':'"),
    BAD(K_DOMAIN, "user@example.com", "contains '@'"),
    /* injection */
    BAD(K_DOMAIN, "example.com\r\nRCPT TO:<x@y>", "contains a control character (CR)"),
    BAD(K_DOMAIN, "example.com\nx", "contains a line break (LF)"),
    BAD(K_DOMAIN, "exam\tple.com", "contains a control character (TAB)"),
    BAD(K_DOMAIN, "\x1b]0;pwned\x07.com", "contains a control character (0x1B)"),
    BAD(K_DOMAIN, "example.com\x7f", "contains a control character (DEL)"),
    BAD(K_DOMAIN, "example.com;reboot", "(found ';')"),
    BAD(K_DOMAIN, "a|b.com", "(found '|')"),
    BAD(K_DOMAIN, "a&b.com", "(found '&')"),
    BAD(K_DOMAIN, "$(reboot).com", "(found '$')"),
    BAD(K_DOMAIN, "`id`.example.com", "(found '`')"),
    BAD(K_DOMAIN, "a<b.com", "(found '<')"),
    BAD(K_DOMAIN, "a>b.com", "(found '>')"),
    BAD(K_DOMAIN, "a\"b.com", "(found '\"')"),
    BAD(K_DOMAIN, "a'b.com", "(found ''')"),
    BAD(K_DOMAIN, "a\\b.com", "(found '\\')"),
    BAD(K_DOMAIN, "*.example.com", "(found '*')"),
    BAD(K_DOMAIN, "a/b.com", "(found '/')"),
    BAD(K_DOMAIN, "../../etc/passwd", "starts or ends with a dot"),
    BAD(K_DOMAIN, "[192.0.2.1]", "(found '[')"),
};

static const tcase host_cases[] = {
    OK(K_HOST, "localhost"),
    OK(K_HOST, "mail"),
    OK(K_HOST, "mx1.example.net"),
    OK(K_HOST, "MX-2"),
    OK(K_HOST, "%{63:h}"),
    BAD(K_HOST, "%{64:h}", "a label is longer than 63 characters"),
    BAD(K_HOST, "", "must not be empty"),
    BAD(K_HOST, "123", "looks like an IP address"),
    BAD(K_HOST, "10.0.0.1", "looks like an IP address"),
    BAD(K_HOST, "mail_1", "(found '_')"),
    BAD(K_HOST, "-mail", "a label must not start or end with '-'"),
    BAD(K_HOST, "mail.", "starts or ends with a dot"),
    BAD(K_HOST, "mail\r", "contains a control character (CR)"),
    BAD(K_HOST, "mail;id", "(found ';')"),
    BAD(K_HOST, "mail host", "contains a space"),
    BAD(K_HOST, "höst", "non-ASCII (U-label)"),
};

#define LOCAL_ALLOWED "(allowed: letters, digits and . _ - + =)"

static const tcase local_cases[] = {
    OK(K_LOCAL, "john"),
    OK(K_LOCAL, "John.Doe"),
    OK(K_LOCAL, "john+tag"),
    OK(K_LOCAL, "first_last"),
    OK(K_LOCAL, "x-y"),
    OK(K_LOCAL, "bounce=example.org"),
    OK(K_LOCAL, "a"),
    OK(K_LOCAL, "0123"),
    OK(K_LOCAL, "%{64:a}"),
    BAD(K_LOCAL, "%{65:a}", "local part is longer than 64 octets"),
    BAD(K_LOCAL, "", "must not be empty"),
    BAD(K_LOCAL, "a..b", "local part has two dots in a row"),
    BAD(K_LOCAL, ".john", "local part starts or ends with a dot"),
    BAD(K_LOCAL, "john.", "local part starts or ends with a dot"),
    BAD(K_LOCAL, "jo hn", "local part contains a space"),
    BAD(K_LOCAL, "john,root", "local part contains ',' which would split a map entry"),
    BAD(K_LOCAL, "john:x:0:0", "local part contains ':'"),
    BAD(K_LOCAL, "john@example.com", "local part contains '@'"),
    BAD(K_LOCAL, "josé", "local part contains a non-ASCII character"),
    BAD(K_LOCAL, "\"john\"", "local part contains '\"' " LOCAL_ALLOWED),
    BAD(K_LOCAL, "jo\\hn", "local part contains '\\'"),
    BAD(K_LOCAL, "a|b", "local part contains '|'"),
    BAD(K_LOCAL, "a`id`", "local part contains '`'"),
    BAD(K_LOCAL, "a$HOME", "local part contains '$'"),
    BAD(K_LOCAL, "o'brien", "local part contains '''"),
    BAD(K_LOCAL, "a{b}", "local part contains '{'"),
    BAD(K_LOCAL, "a}", "local part contains '}'"),
    BAD(K_LOCAL, "../etc", "local part contains '/'"),
    BAD(K_LOCAL, "a;reboot", "local part contains ';'"),
    BAD(K_LOCAL, "a&b", "local part contains '&'"),
    BAD(K_LOCAL, "a*", "local part contains '*'"),
    BAD(K_LOCAL, "a(b)", "local part contains '('"),
    BAD(K_LOCAL, "a)", "local part contains ')'"),
    BAD(K_LOCAL, "a<b", "local part contains '<'"),
    BAD(K_LOCAL, "a>b", "local part contains '>'"),
    BAD(K_LOCAL, "a!b", "local part contains '!'"),
    BAD(K_LOCAL, "#john", "local part contains '#'"),
    BAD(K_LOCAL, "a%b", "local part contains '%'"),
    BAD(K_LOCAL, "a?b", "local part contains '?'"),
    BAD(K_LOCAL, "a^b", "local part contains '^'"),
    BAD(K_LOCAL, "~a", "local part contains '~'"),
    BAD(K_LOCAL, "-john", "local part starts with '-'"),
    OK(K_LOCAL, "jo-hn-"),
    BAD(K_LOCAL, "john\r", "contains a control character (CR)"),
    BAD(K_LOCAL, "john\nroot", "contains a line break (LF)"),
    BAD(K_LOCAL, "jo\thn", "contains a control character (TAB)"),
    BAD(K_LOCAL, "john\x7f", "contains a control character (DEL)"),
    BAD(K_LOCAL, "john\x01", "contains a control character (0x01)"),
};

static const tcase email_cases[] = {
    OK(K_EMAIL, "john@example.com"),
    OK(K_EMAIL, "John.Doe+tag@Mail.Example.COM"),
    OK(K_EMAIL, "a@b.c"),
    OK(K_EMAIL, "postmaster@xn--bcher-kva.example"),
    OK(K_EMAIL, "%{64:a}@example.com"),
    BAD(K_EMAIL, "%{65:a}@example.com", "local part is longer than 64 octets"),
    OK(K_EMAIL, "%{64:a}@%{63:b}.%{63:c}.%{61:d}"),
    BAD(K_EMAIL, "%{64:a}@%{63:b}.%{63:c}.%{62:d}", "is longer than 254 characters"),
    BAD(K_EMAIL, "a@%{63:a}.%{63:b}.%{63:c}.%{62:d}",
        "domain part: is longer than 253 characters"),
    BAD(K_EMAIL, "", "must not be empty"),
    BAD(K_EMAIL, "johnexample.com", "must be local@domain"),
    BAD(K_EMAIL, "-john@example.com", "local part starts with '-'"),
    BAD(K_EMAIL, "a@b@example.com", "contains more than one '@'"),
    BAD(K_EMAIL, "@example.com", "local part is empty"),
    BAD(K_EMAIL, "john@", "domain part is empty"),
    BAD(K_EMAIL, "john@localhost", "domain part: must have at least two labels"),
    BAD(K_EMAIL, "john@1.2.3.4", "domain part: looks like an IP address"),
    BAD(K_EMAIL, "john@[192.0.2.1]", "domain part: " NOT_LDH " (found '[')"),
    BAD(K_EMAIL, "john@bücher.example", "domain part: " ULABEL),
    BAD(K_EMAIL, "jörg@example.com", "local part contains a non-ASCII character"),
    BAD(K_EMAIL, "a..b@example.com", "local part has two dots in a row"),
    BAD(K_EMAIL, ".a@example.com", "local part starts or ends with a dot"),
    BAD(K_EMAIL, "john@exa_mple.com", "(found '_')"),
    BAD(K_EMAIL, "john@example.com.", "starts or ends with a dot"),
    BAD(K_EMAIL, "john@-example.com", "a label must not start or end with '-'"),
    BAD(K_EMAIL, "\"john doe\"@example.com", "local part contains '\"'"),
    BAD(K_EMAIL, "jo hn@example.com", "local part contains a space"),
    BAD(K_EMAIL, "john@example.com, root@example.com", "contains more than one '@'"),
    BAD(K_EMAIL, "john,root@example.com", "local part contains ','"),
    BAD(K_EMAIL, "john@example.com,evil.com", "domain part: contains ','"),
    BAD(K_EMAIL, "jo:hn@example.com", "local part contains ':'"),
    BAD(K_EMAIL, "john@example.com\r\nDATA", "contains a control character (CR)"),
    BAD(K_EMAIL, "john@example.com\n", "contains a line break (LF)"),
    BAD(K_EMAIL, "john\t@example.com", "contains a control character (TAB)"),
    BAD(K_EMAIL, "$(id)@example.com", "local part contains '$'"),
    BAD(K_EMAIL, "john@example.com;reboot", "(found ';')"),
    BAD(K_EMAIL, "john|cat@example.com", "local part contains '|'"),
    BAD(K_EMAIL, "../../x@example.com", "local part contains '/'"),
};

static const tcase ipv4_cases[] = {
    OK(K_IPV4, "192.0.2.1"),
    OK(K_IPV4, "0.0.0.0"),
    OK(K_IPV4, "255.255.255.255"),
    OK(K_IPV4, "10.0.0.10"),
    BAD(K_IPV4, "", "must not be empty"),
    BAD(K_IPV4, "256.1.1.1", "an octet is greater than 255"),
    BAD(K_IPV4, "1.2.3.1000", "an octet is greater than 255"),
    BAD(K_IPV4, "1.2.3.99999999999999999999", "an octet is greater than 255"),
    BAD(K_IPV4, "010.1.1.1", "an octet has a leading zero (ambiguous"),
    BAD(K_IPV4, "1.2.3.04", "leading zero"),
    BAD(K_IPV4, "1.2.3", "must be four numbers 0-255 separated by dots"),
    BAD(K_IPV4, "1.2.3.4.5", "must be four numbers"),
    BAD(K_IPV4, "1..2.3", "must be four numbers"),
    BAD(K_IPV4, "1.2.3.4.", "must be four numbers"),
    BAD(K_IPV4, "2130706433", "must be four numbers"),
    BAD(K_IPV4, "0x7f.0.0.1", "an IPv4 address has only digits and dots"),
    BAD(K_IPV4, " 1.2.3.4", "only digits and dots"),
    BAD(K_IPV4, "1.2.3.4;id", "only digits and dots"),
    BAD(K_IPV4, "1.2.3.4\n", "contains a line break (LF)"),
    BAD(K_IPV4, "1.2.3.4\r", "contains a control character (CR)"),
    BAD(K_IPV4, "::1", "contains ':'"),
    BAD(K_IPV4, "1.2.3.4:25", "contains ':'"),
    BAD(K_IPV4, "1.2.3.4/32", "contains '/'"),
};

static const tcase ipv6_cases[] = {
    OK(K_IPV6, "::"),
    OK(K_IPV6, "::1"),
    OK(K_IPV6, "2001:db8::1"),
    OK(K_IPV6, "2001:DB8:0:0:0:0:0:1"),
    OK(K_IPV6, "1:2:3:4:5:6:7:8"),
    OK(K_IPV6, "fe80::1"),
    OK(K_IPV6, "::ffff:1.2.3.4"),
    OK(K_IPV6, "0000:0000:0000:0000:0000:ffff:192.168.100.200"),
    BAD(K_IPV6, "", "must not be empty"),
    BAD(K_IPV6, "fe80::1%eth0", "has a zone ID"),
    BAD(K_IPV6, "::ffff:01.2.3.4", "embedded IPv4 part: an octet has a leading zero"),
    BAD(K_IPV6, "::ffff:1.2.3.256", "embedded IPv4 part: an octet is greater than 255"),
    BAD(K_IPV6, "1:2:3:4:5:6:7:8:9", "is not a valid IPv6 address"),
    BAD(K_IPV6, "12345::", "is not a valid IPv6 address"),
    BAD(K_IPV6, "1::2::3", "uses '::' more than once"),
    BAD(K_IPV6, ":::", "uses '::' more than once"),
    BAD(K_IPV6, "g::1", "an IPv6 address has only hex digits, ':' and '.'"),
    BAD(K_IPV6, "[::1]", "without brackets"),
    BAD(K_IPV6, "::1/128", "contains '/'"),
    BAD(K_IPV6, "192.0.2.1", "is not an IPv6 address (no ':')"),
    BAD(K_IPV6, "0000:0000:0000:0000:0000:0000:0000:0000:0000:1", "is longer than 45 characters"),
    BAD(K_IPV6, "::1\n", "contains a line break (LF)"),
    BAD(K_IPV6, "::1;id", "only hex digits"),
    BAD(K_IPV6, ":: 1", "only hex digits"),
};

static const tcase ip_cases[] = {
    OK(K_IP, "192.0.2.1"),
    OK(K_IP, "2001:db8::1"),
    OK(K_IP, "::ffff:192.0.2.1"),
    BAD(K_IP, "", "must not be empty"),
    BAD(K_IP, "example.com", "an IPv4 address has only digits and dots"),
    BAD(K_IP, "fe80::1%eth0", "has a zone ID"),
    BAD(K_IP, "010.0.0.1", "leading zero"),
    BAD(K_IP, "1.2.3.4\r\n", "contains a control character (CR)"),
};

static const tcase cidr_cases[] = {
    OK(K_CIDR, "192.0.2.0/24"),
    OK(K_CIDR, "10.0.0.0/8"),
    OK(K_CIDR, "0.0.0.0/0"),
    OK(K_CIDR, "192.0.2.1/32"),
    OK(K_CIDR, "192.0.2.128/25"),
    OK(K_CIDR, "2001:db8::/32"),
    OK(K_CIDR, "::1/128"),
    OK(K_CIDR, "::/0"),
    OK(K_CIDR, "fe80::/10"),
    OK(K_CIDR, "::ffff:0.0.0.0/96"),
    OKA(K_CIDR, "192.0.2.1", 1),
    OKA(K_CIDR, "2001:db8::1", 1),
    BAD(K_CIDR, "192.0.2.1", "must be address/prefix"),
    BAD(K_CIDR, "", "must not be empty"),
    BAD(K_CIDR, "192.0.2.1/24", "host bits must be zero: the network address is 192.0.2.0/24"),
    BAD(K_CIDR, "10.1.2.3/8", "the network address is 10.0.0.0/8"),
    BAD(K_CIDR, "192.0.2.129/25", "the network address is 192.0.2.128/25"),
    BAD(K_CIDR, "2001:db8::1/32", "host bits must be zero: the network address is 2001:db8::/32"),
    BAD(K_CIDR, "fe80::1/10", "the network address is fe80::/10"),
    BAD(K_CIDR, "192.0.2.1/33", "an IPv4 prefix length must be 0-32"),
    BAD(K_CIDR, "::1/129", "an IPv6 prefix length must be 0-128"),
    BAD(K_CIDR, "10.0.0.0/99999999999999999999", "an IPv4 prefix length must be 0-32"),
    BAD(K_CIDR, "10.0.0.0/08", "the prefix length has a leading zero"),
    BAD(K_CIDR, "10.0.0.0/", "the prefix length after '/' is missing"),
    BAD(K_CIDR, "/24", "the address before '/' is missing"),
    BAD(K_CIDR, "10.0.0.0/24/8", "contains more than one '/'"),
    BAD(K_CIDR, "10.0.0.0/-1", "the prefix length must be a decimal number"),
    BAD(K_CIDR, "10.0.0.0/8;reboot", "the prefix length must be a decimal number"),
    BAD(K_CIDR, "010.0.0.0/8", "leading zero"),
    BAD(K_CIDR, "10.0.0.0/8\n", "contains a line break (LF)"),
    BAD(K_CIDR, "10.0.0.0/8 ", "the prefix length must be a decimal number"),
    BAD(K_CIDR, "fe80::%eth0/64", "has a zone ID"),
    BAD(K_CIDR, "example.com/24", "only digits and dots"),
    BADA(K_CIDR, "256.0.0.1", 1, "an octet is greater than 255"),
};

static const tcase port_cases[] = {
    OKA(K_PORT, "1", 1),
    OKA(K_PORT, "25", 25),
    OKA(K_PORT, "587", 587),
    OKA(K_PORT, "65535", 65535),
    BAD(K_PORT, "0", "port must be 1-65535"),
    BAD(K_PORT, "65536", "port must be 1-65535"),
    BAD(K_PORT, "99999999999999999999", "port must be 1-65535"),
    BAD(K_PORT, "", "must not be empty"),
    BAD(K_PORT, "00", "port must not have leading zeros"),
    BAD(K_PORT, "025", "port must not have leading zeros"),
    BAD(K_PORT, "+25", "without a sign"),
    BAD(K_PORT, "-1", "without a sign"),
    BAD(K_PORT, "0x19", "digits only"),
    BAD(K_PORT, "25 ", "contains a space"),
    BAD(K_PORT, "25;reboot", "digits only"),
    BAD(K_PORT, "smtp", "digits only"),
    BAD(K_PORT, "2.5", "digits only"),
    BAD(K_PORT, "25\n", "contains a line break (LF)"),
    BAD(K_PORT, "\xef\xbc\x92\xef\xbc\x95", "digits only"),
};

#define QID_RULE "queue ID must be 6-21 upper-case hex digits or a long queue ID"

static const tcase qid_cases[] = {
    OK(K_QID, "3F9D7A7486A"),
    OK(K_QID, "4C2D21C0C1"),
    OK(K_QID, "ABCDEF"),
    OK(K_QID, "%{21:F}"),
    BAD(K_QID, "%{22:F}", QID_RULE),
    BAD(K_QID, "ABCDE", QID_RULE),
    OK(K_QID, "4jX7RL56npz1bcFr"),
    OK(K_QID, "4jX7RL5znpz1bcFr"),    /* 'z' inside the time part: the last one separates */
    OK(K_QID, "4jX7RL56npBz1"),       /* 7-char seconds */
    OK(K_QID, "4jX7RL56npz%{12:1}"),
    BAD(K_QID, "4jX7RL56npz%{13:1}", "a long queue ID is 10-11 time characters"),
    BAD(K_QID, "4jX7RL56npz", "a long queue ID is 10-11 time characters"),
    BAD(K_QID, "4jX7RL56nz1bcFr", "a long queue ID is 10-11 time characters"),
    BAD(K_QID, "4jX7RL56npqrz1bcFr", "a long queue ID is 10-11 time characters"),
    BAD(K_QID, "4aX7RL56npz1bcFr", "a long queue ID has no vowels (found 'a')"),
    BAD(K_QID, "3f9d7a7486a", "short queue IDs use upper-case hex digits"),
    BAD(K_QID, "3F9D7A7486AG", QID_RULE),
    BAD(K_QID, "ALL", QID_RULE),
    BAD(K_QID, "", "must not be empty"),
    BAD(K_QID, "-d", "contains '-'"),
    BAD(K_QID, "xyz/../../etc", "contains '/' (a queue ID is never a path)"),
    BAD(K_QID, "..", "contains '.'"),
    BAD(K_QID, "3F9D7A7486A;rm", "contains ';'"),
    BAD(K_QID, "3F9D7A7486A|sh", "contains '|'"),
    BAD(K_QID, "$(reboot)", "contains '$'"),
    BAD(K_QID, "*", "contains '*'"),
    BAD(K_QID, "3F9D7A7486A\n", "contains a line break (LF)"),
    BAD(K_QID, "3F9D7A7486A\r", "contains a control character (CR)"),
    BAD(K_QID, "3F9D 7A7486A", "contains a space"),
    BAD(K_QID, "3F9D7A7486Ä", "contains a non-ASCII character"),
};

static const tcase text_cases[] = {
    OKA(K_TEXT, "hello world", 100),
    OKA(K_TEXT, "Grüße, \"quoted\" & 'single' $x; |pipe|", 100),
    OKA(K_TEXT, "", 100),
    OKA(K_TEXT, "abc", 3),
    BADA(K_TEXT, "abcd", 3, "is longer than 3 bytes"),
    BADA(K_TEXT, "é", 1, "is longer than 1 bytes"),
    BADA(K_TEXT, "a\tb", 100, "contains a control character (TAB)"),
    BADA(K_TEXT, "a\rb", 100, "contains a control character (CR)"),
    BADA(K_TEXT, "a\nb", 100, "contains a line break (LF)"),
    BADA(K_TEXT, "\x1b[31mred", 100, "contains a control character (0x1B)"),
    BADA(K_TEXT, "del\x7f", 100, "contains a control character (DEL)"),
    BADA(K_TEXT, "c1\xc2\x85", 100, "contains a control character (U+0085)"),
    BADA(K_TEXT, "evil\xe2\x80\xaetxt.exe", 100, "bidirectional-control"),
    BADA(K_TEXT, "line\xe2\x80\xa8sep", 100, "(U+2028)"),
    BADA(K_TEXT, "bad\xff", 100, "is not valid UTF-8"),
    BADA(K_TEXT, "overlong\xc0\xaf", 100, "is not valid UTF-8"),
    BADA(K_TEXT, "surrogate\xed\xa0\x80", 100, "is not valid UTF-8"),
    BADA(K_TEXT, "cut\xe2\x82", 100, "is not valid UTF-8"),
    {K_TEXTN, "ab\0cd", false, "contains a NUL byte", 100, 5},
    {K_TEXTN, "abcd\0", false, "contains a NUL byte", 100, 5},
    {K_TEXTN, "abcde", true, NULL, 100, 5},
};

/* ------------------------------------------------------------------ */

/* Expand "%{N:c}" into N copies of c. */
static char *expand(const char *v)
{
    pn_str out = PN_STR_INIT;
    pn_str_append(&out, "");
    const char *p = v;
    while (*p) {
        if (p[0] == '%' && p[1] == '{') {
            char *end;
            long n = strtol(p + 2, &end, 10);
            if (end != p + 2 && end[0] == ':' && end[1] && end[2] == '}') {
                for (long i = 0; i < n; i++)
                    pn_str_appendc(&out, end[1]);
                p = end + 3;
                continue;
            }
        }
        pn_str_appendc(&out, *p++);
    }
    return pn_str_steal(&out);
}

static bool run(const tcase *c, const char *v, pn_err *err, int *port)
{
    const char *f = field_of[c->k];
    switch (c->k) {
    case K_DOMAIN: return pn_valid_domain(f, v, err);
    case K_HOST: return pn_valid_hostname(f, v, err);
    case K_LOCAL: return pn_valid_localpart(f, v, err);
    case K_EMAIL: return pn_valid_email(f, v, err);
    case K_IPV4: return pn_valid_ipv4(f, v, err);
    case K_IPV6: return pn_valid_ipv6(f, v, err);
    case K_IP: return pn_valid_ip(f, v, err);
    case K_CIDR: return pn_valid_cidr(f, v, c->arg != 0, err);
    case K_PORT: return pn_valid_port(f, v, port, err);
    case K_QID: return pn_valid_qid(f, v, err);
    case K_TEXT: return pn_valid_text(f, v, (size_t)c->arg, err);
    case K_TEXTN: return pn_valid_textn(f, c->value, c->n, (size_t)c->arg, err);
    }
    return false;
}

static size_t cases_run;

static void run_table(const tcase *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const tcase *c = &t[i];
        const char *f = field_of[c->k];
        char *v = expand(c->value);
        pn_err err = PN_ERR_INIT;
        int port = -1;
        bool ok = run(c, v, &err, &port);
        if (ok != c->ok)
            fail_msg("%s case %zu (\"%s\"): expected %s, got %s: %s", f, i, c->value,
                     c->ok ? "valid" : "invalid", ok ? "valid" : "invalid",
                     pn_err_msg(&err));
        if (ok) {
            assert_int_equal(err.code, PN_OK);
            assert_null(err.msg);
            if (c->k == K_PORT)
                assert_int_equal(port, c->arg);
        } else {
            const char *m = err.msg;
            assert_int_equal(err.code, PN_E_INVALID);
            assert_non_null(m);
            size_t fl = strlen(f);
            if (strncmp(m, f, fl) != 0 || strncmp(m + fl, ": ", 2) != 0)
                fail_msg("%s case %zu: message does not name the field: %s", f, i, m);
            bool empty = c->k == K_TEXTN ? c->n == 0 : v[0] == '\0';
            if (!strstr(m, empty ? "must not be empty" : "' is not valid: "))
                fail_msg("%s case %zu: message has the wrong form: %s", f, i, m);
            if (!strstr(m, c->expect))
                fail_msg("%s case %zu (\"%s\"): message \"%s\" lacks \"%s\"", f, i,
                         c->value, m, c->expect);
            for (const char *q = m; *q; q++)
                if ((unsigned char)*q < 0x20 || *q == 0x7F)
                    fail_msg("%s case %zu: raw control character in message", f, i);
            if (c->k == K_PORT)
                assert_int_equal(port, -1);  /* untouched on failure */
        }
        pn_err_clear(&err);
        free(v);
        cases_run++;
    }
}

#define TABLE_TEST(name, table) \
    static void name(void **state) { (void)state; run_table(table, sizeof table / sizeof table[0]); }

TABLE_TEST(test_domain, domain_cases)
TABLE_TEST(test_hostname, host_cases)
TABLE_TEST(test_localpart, local_cases)
TABLE_TEST(test_email, email_cases)
TABLE_TEST(test_ipv4, ipv4_cases)
TABLE_TEST(test_ipv6, ipv6_cases)
TABLE_TEST(test_ip, ip_cases)
TABLE_TEST(test_cidr, cidr_cases)
TABLE_TEST(test_port, port_cases)
TABLE_TEST(test_qid, qid_cases)
TABLE_TEST(test_text, text_cases)

/* Exact message form, sanitising of the shown value and its cap. */
static void test_message_format(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;

    assert_false(pn_valid_domain("domain", "bad_domain.com", &err));
    assert_string_equal(err.msg, "domain: 'bad_domain.com' is not valid: a label may "
                                 "contain only letters, digits and '-' (found '_')");
    assert_false(pn_valid_domain("domain", "", &err));
    assert_string_equal(err.msg, "domain: must not be empty");
    assert_false(pn_valid_domain("domain", NULL, &err));
    assert_string_equal(err.msg, "domain: must not be empty");
    assert_false(pn_valid_email("to", "a@b.com\r\nRCPT TO:<x@y>", &err));
    assert_string_equal(err.msg, "to: 'a@b.com\\r\\nRCPT TO:<x@y>' is not valid: "
                                 "contains a control character (CR)");
    assert_false(pn_valid_text("subject", "x\x1b[2J\\\t", 100, &err));
    assert_string_equal(err.msg, "subject: 'x\\x1B[2J\\\\\\t' is not valid: "
                                 "contains a control character (0x1B)");
    assert_false(pn_valid_textn("note", "a\0b", 3, 100, &err));
    assert_string_equal(err.msg, "note: 'a\\x00b' is not valid: contains a NUL byte");
    assert_false(pn_valid_text("note", "\xe2\x80\xae!", 100, &err));
    assert_string_equal(err.msg, "note: '\\xE2\\x80\\xAE!' is not valid: contains a "
                                 "bidirectional-control or line-separator character (U+202E)");
    assert_false(pn_valid_cidr("mynetworks", "192.0.2.77/24", false, &err));
    assert_string_equal(err.msg, "mynetworks: '192.0.2.77/24' is not valid: host bits "
                                 "must be zero: the network address is 192.0.2.0/24");
    /* valid UTF-8 is shown as is; the hint names the A-label form */
    assert_false(pn_valid_domain("domain", "bücher.example", &err));
    assert_string_equal(err.msg, "domain: 'bücher.example' is not valid: non-ASCII (U-label) "
                                 "domain: give the IDN in A-label form, e.g. xn--bcher-kva.example");

    /* long values are capped at 80 shown characters */
    char *lng = expand("%{300:a}.example");
    assert_false(pn_valid_domain("domain", lng, &err));
    char *want = expand("domain: '%{80:a}...' is not valid: is longer than 253 characters");
    assert_string_equal(err.msg, want);
    free(want);
    free(lng);
    pn_err_clear(&err);

    /* a NULL err is allowed; a missing field name reads "value" */
    assert_false(pn_valid_port("port", "0", NULL, NULL));
    assert_false(pn_valid_qid(NULL, "x/y", &err));
    assert_true(strncmp(err.msg, "value: 'x/y' is not valid: ", 27) == 0);
    pn_err_clear(&err);
    assert_true(pn_valid_port("port", "25", NULL, &err));
    assert_true(pn_valid_text("comment", NULL, 10, &err));
    assert_null(err.msg);
}

static void test_count(void **state)
{
    (void)state;
    /* guard the size of the tables: at least 150 table-driven cases */
    assert_true(cases_run >= 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_localpart),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_ip),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_port),
        cmocka_unit_test(test_qid),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_message_format),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
