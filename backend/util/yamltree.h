/* yamltree.h - a YAML text as a small tree of nodes that remember their
 * line:column, for the YAML files postern reads (postern.yaml, keymaps), and
 * the pieces their error messages share.
 *
 * pn_yaml_parse() reads one document with libyaml's event API and refuses
 * what those files never need: anchors, aliases, tags other than !!str on a
 * scalar, more than one document, nesting deeper than a limit. Its errors
 * read "NAME:LINE:COL: what is wrong", worded as the caller's rules say (the
 * two files have always worded a few of them differently). */
#ifndef PN_YAMLTREE_H
#define PN_YAMLTREE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/str.h"

typedef enum { PN_YAML_SCALAR, PN_YAML_SEQUENCE, PN_YAML_MAPPING } pn_yaml_kind;

typedef struct pn_yaml_node {
    pn_yaml_kind kind;
    int line, col;                /* 1-based */
    char *val;                    /* scalar bytes, NUL-terminated; NULL for the others */
    size_t len;                   /* of val: more than strlen(val) when it holds NUL bytes */
    bool plain;                   /* an unquoted scalar without a tag */
    struct pn_yaml_node **kids;   /* sequence: items; mapping: key0, value0, key1, value1 ... */
    size_t n, cap;
} pn_yaml_node;

/* What one kind of file allows and how its parse errors are worded. */
typedef struct pn_yaml_rules {
    int max_depth;                /* "nested more than MAX_DEPTH levels deep" */
    const char *refused_in;       /* "YAML anchors (...) are not supported in REFUSED_IN" */
    const char *one_document_in;  /* "only one YAML document is allowed in ONE_DOCUMENT_IN" */
    /* "(&name)", "(*name)", "(TAG)" rather than "(&...)", "(*...)", "(!...)" */
    bool names_what_it_refuses;
    /* "NAME: invalid text at byte N: ..." rather than "NAME:L:C: invalid text: ..." */
    bool invalid_text_at_byte;
    /* "(CONTEXT at line L column C)" rather than "(CONTEXT at L:C)" */
    bool context_at_line_column;
} pn_yaml_rules;

/* Parse text[0..len) (NULL: no text), called name in messages. True with
 * *root set, or NULL when the text holds no document (empty, only comments);
 * false with err set (PN_E_CONFIG) at the first problem. */
bool pn_yaml_parse(const pn_yaml_rules *rules, const char *name, const char *text, size_t len,
                   pn_yaml_node **root, pn_err *err);
void pn_yaml_free(pn_yaml_node *n);

/* No node, or a plain scalar "", "~", "null", "Null" or "NULL". */
bool pn_yaml_is_null(const pn_yaml_node *n);
/* The value of the scalar key in a mapping; NULL when the key is absent. */
const pn_yaml_node *pn_yaml_lookup(const pn_yaml_node *map, const char *key);

/* ---- error messages ------------------------------------------------------ */

/* "NAME:LINE:COL: " and the formatted text, as a heap string. */
char *pn_yaml_vmessage(const char *name, int line, int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Set err (PN_E_CONFIG) to such a message. Returns false. */
bool pn_yaml_fail(pn_err *err, const char *name, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* How a value in a message shows what must not reach a terminal. */
typedef enum {
    PN_YAML_SHOW_ESCAPED,    /* \n \r \t, \xNN for a bad byte, \uNNNN for other unsafe ones */
    PN_YAML_SHOW_SANITIZED,  /* as pn_utf8_sanitize(): U+FFFD, and a tab as a space */
} pn_yaml_show;

/* Append s[0..len) for a message: when longer than max bytes, cut at a UTF-8
 * boundary at or before max and followed by "...". */
void pn_yaml_append_shown(pn_str *out, const char *s, size_t len, size_t max, pn_yaml_show how);
/* Append s[0..len) between single quotes, escaped, cut after 60 bytes. */
void pn_yaml_append_quoted(pn_str *out, const char *s, size_t len);

#endif
