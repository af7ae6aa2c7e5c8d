/* yamltree.c - YAML text to a tree of nodes with line:column, and the
 * message helpers of the files read that way (see yamltree.h).
 *
 * libyaml's event stream is built into the tree by build(), one node per
 * event, recursing into sequences and mappings; the first problem stops the
 * build and becomes the error. */
#include "util/yamltree.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/mem.h"
#include "util/utf8.h"

#define QUOTED_MAX 60

typedef struct tree_parser {
    yaml_parser_t yp;
    const pn_yaml_rules *rules;
    const char *name;
    const char *text;
    size_t len;
    pn_err *err;
} tree_parser;

/* ---- error messages ------------------------------------------------------ */

char *pn_yaml_vmessage(const char *name, int line, int col, const char *fmt, va_list ap)
{
    pn_str s = PN_STR_INIT;
    pn_str_appendf(&s, "%s:%d:%d: ", name, line, col);
    pn_str_vappendf(&s, fmt, ap);
    return pn_str_steal(&s);
}

bool pn_yaml_fail(pn_err *err, const char *name, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = pn_yaml_vmessage(name, line, col, fmt, ap);
    va_end(ap);
    pn_err_set(err, PN_E_CONFIG, "%s", msg);
    free(msg);
    return false;
}

#define fail_at(p, line, col, ...) pn_yaml_fail((p)->err, (p)->name, (line), (col), __VA_ARGS__)

static int line_of(yaml_mark_t mark)
{
    return (int)mark.line + 1;
}

static int col_of(yaml_mark_t mark)
{
    return (int)mark.column + 1;
}

static void append_escaped(pn_str *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool valid;
        size_t k = pn_utf8_decode(s + i, len - i, &cp, &valid);
        if (!valid)
            pn_str_appendf(out, "\\x%02X", (unsigned char)s[i]);
        else if (cp == '\n')
            pn_str_append(out, "\\n");
        else if (cp == '\r')
            pn_str_append(out, "\\r");
        else if (cp == '\t')
            pn_str_append(out, "\\t");
        else if (pn_utf8_is_unsafe(cp))
            pn_str_appendf(out, "\\u%04X", (unsigned)cp);
        else
            pn_str_appendn(out, s + i, k);
        i += k;
    }
}

void pn_yaml_append_shown(pn_str *out, const char *s, size_t len, size_t max, pn_yaml_show how)
{
    bool cut = false;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
        cut = true;
    }
    if (how == PN_YAML_SHOW_ESCAPED)
        append_escaped(out, s, len);
    else
        pn_utf8_sanitize(out, s, len, 0);
    if (cut)
        pn_str_append(out, "...");
}

void pn_yaml_append_quoted(pn_str *out, const char *s, size_t len)
{
    pn_str_appendc(out, '\'');
    pn_yaml_append_shown(out, s, len, QUOTED_MAX, PN_YAML_SHOW_ESCAPED);
    pn_str_appendc(out, '\'');
}

/* ---- syntax errors ------------------------------------------------------- */

/* Line and column of a byte offset of the text (reader errors give only the
 * offset). */
static void offset_position(const tree_parser *p, size_t offset, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < p->len; i++) {
        if (p->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)p->text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Text that is not UTF-8 (or holds characters YAML does not allow). */
static bool invalid_text(tree_parser *p, const char *problem)
{
    const yaml_parser_t *y = &p->yp;
    if (!p->rules->invalid_text_at_byte) {
        int line, col;
        offset_position(p, y->problem_offset, &line, &col);
        return fail_at(p, line, col, "invalid text: %s", problem);
    }
    if (y->problem_value != -1)
        return pn_err_set(p->err, PN_E_CONFIG, "%s: invalid text at byte %zu: %s (#%X)", p->name,
                          y->problem_offset, problem, (unsigned)y->problem_value);
    return pn_err_set(p->err, PN_E_CONFIG, "%s: invalid text at byte %zu: %s", p->name,
                      y->problem_offset, problem);
}

static bool syntax_error(tree_parser *p)
{
    const yaml_parser_t *y = &p->yp;
    if (y->error == YAML_MEMORY_ERROR) {
        fprintf(stderr, "postern: out of memory parsing %s\n", p->name);
        abort();
    }
    const char *problem = y->problem ? y->problem : "unknown problem";
    if (y->error == YAML_READER_ERROR)
        return invalid_text(p, problem);
    int line = line_of(y->problem_mark), col = col_of(y->problem_mark);
    if (!y->context)
        return fail_at(p, line, col, "YAML syntax error: %s", problem);
    if (p->rules->context_at_line_column)
        return fail_at(p, line, col, "YAML syntax error: %s (%s at line %d column %d)", problem,
                       y->context, line_of(y->context_mark), col_of(y->context_mark));
    return fail_at(p, line, col, "YAML syntax error: %s (%s at %d:%d)", problem, y->context,
                   line_of(y->context_mark), col_of(y->context_mark));
}

static bool next_event(tree_parser *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&p->yp, ev))
        return syntax_error(p);
    return true;
}

/* ---- the tree ------------------------------------------------------------ */

void pn_yaml_free(pn_yaml_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        pn_yaml_free(n->kids[i]);
    free(n->kids);
    free(n->val);
    free(n);
}

static pn_yaml_node *node_new(pn_yaml_kind kind, const yaml_event_t *ev)
{
    pn_yaml_node *n = pn_calloc(1, sizeof(*n));
    n->kind = kind;
    n->line = line_of(ev->start_mark);
    n->col = col_of(ev->start_mark);
    return n;
}

static void node_add(pn_yaml_node *parent, pn_yaml_node *kid)
{
    if (parent->n == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 8;
        parent->kids = pn_realloc(parent->kids, parent->cap * sizeof(*parent->kids));
    }
    parent->kids[parent->n++] = kid;
}

/* "YAML anchors (&name) are not supported in ...": the name, or "..." when
 * the rules do not name what they refuse. */
static bool refuse(tree_parser *p, const yaml_event_t *ev, const char *what, const char *sigil,
                   const char *name)
{
    if (!p->rules->names_what_it_refuses)
        name = "...";
    return fail_at(p, line_of(ev->start_mark), col_of(ev->start_mark),
                   "YAML %s (%s%s) are not supported in %s", what, sigil, name,
                   p->rules->refused_in);
}

/* No anchor, and no tag but !!str on a scalar (which makes it a string). */
static bool accept_anchor_and_tag(tree_parser *p, const yaml_event_t *ev,
                                  const yaml_char_t *anchor, const yaml_char_t *tag,
                                  bool is_scalar)
{
    if (anchor)
        return refuse(p, ev, "anchors", "&", (const char *)anchor);
    if (tag && !(is_scalar && !strcmp((const char *)tag, YAML_STR_TAG)))
        return refuse(p, ev, "tags", p->rules->names_what_it_refuses ? "" : "!",
                      (const char *)tag);
    return true;
}

static pn_yaml_node *build_scalar(tree_parser *p, const yaml_event_t *ev)
{
    if (!accept_anchor_and_tag(p, ev, ev->data.scalar.anchor, ev->data.scalar.tag, true))
        return NULL;
    pn_yaml_node *n = node_new(PN_YAML_SCALAR, ev);
    n->len = ev->data.scalar.length;
    n->val = pn_malloc(n->len + 1);
    memcpy(n->val, ev->data.scalar.value, n->len);
    n->val[n->len] = '\0';
    n->plain = !ev->data.scalar.tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n;
}

static pn_yaml_node *build(tree_parser *p, yaml_event_t *ev, int depth);

/* A sequence or mapping and everything in it, up to its end event. */
static pn_yaml_node *build_collection(tree_parser *p, const yaml_event_t *ev, int depth)
{
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor
                                    : ev->data.mapping_start.anchor;
    const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
    if (!accept_anchor_and_tag(p, ev, anchor, tag, false))
        return NULL;
    pn_yaml_node *n = node_new(seq ? PN_YAML_SEQUENCE : PN_YAML_MAPPING, ev);
    yaml_event_type_t end = seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
    for (;;) {
        yaml_event_t kid_ev;
        if (!next_event(p, &kid_ev))
            break;
        if (kid_ev.type == end) {
            yaml_event_delete(&kid_ev);
            return n;
        }
        pn_yaml_node *kid = build(p, &kid_ev, depth + 1);
        if (!kid)
            break;
        node_add(n, kid);
    }
    pn_yaml_free(n);
    return NULL;
}

/* Build the node that starts with *ev (consumed); NULL after an error. */
static pn_yaml_node *build(tree_parser *p, yaml_event_t *ev, int depth)
{
    pn_yaml_node *n = NULL;
    int max_depth = p->rules->max_depth;
    if (depth > max_depth) {
        fail_at(p, line_of(ev->start_mark), col_of(ev->start_mark),
                "nested more than %d levels deep", max_depth);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        n = build_scalar(p, ev);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        refuse(p, ev, "aliases", "*", (const char *)ev->data.alias.anchor);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        n = build_collection(p, ev, depth);
    } else {
        fail_at(p, line_of(ev->start_mark), col_of(ev->start_mark),
                "unexpected YAML event %d", (int)ev->type);
    }
    yaml_event_delete(ev);
    return n;
}

/* The next event, which the caller does not need (a document's start or end). */
static bool skip_event(tree_parser *p)
{
    yaml_event_t ev;
    if (!next_event(p, &ev))
        return false;
    yaml_event_delete(&ev);
    return true;
}

/* After the document: the stream must end here. */
static bool stream_ends(tree_parser *p)
{
    yaml_event_t ev;
    if (!next_event(p, &ev))
        return false;
    bool ends = ev.type == YAML_STREAM_END_EVENT;
    if (!ends)
        fail_at(p, line_of(ev.start_mark), col_of(ev.start_mark),
                "only one YAML document is allowed in %s", p->rules->one_document_in);
    yaml_event_delete(&ev);
    return ends;
}

/* The one document of the stream. Sets *empty for a stream without one. */
static pn_yaml_node *build_document(tree_parser *p, bool *empty)
{
    yaml_event_t ev;
    *empty = false;
    if (!next_event(p, &ev))
        return NULL;
    yaml_event_type_t first = ev.type;
    yaml_event_delete(&ev);
    if (first != YAML_STREAM_START_EVENT)
        return fail_at(p, 1, 1, "YAML stream does not start properly"), NULL;

    if (!next_event(p, &ev))
        return NULL;
    yaml_event_type_t second = ev.type;
    yaml_event_delete(&ev);                 /* DOCUMENT_START, or the end */
    if (second == YAML_STREAM_END_EVENT) {
        *empty = true;
        return NULL;
    }

    if (!next_event(p, &ev))
        return NULL;
    pn_yaml_node *root = build(p, &ev, 0);
    if (root && (!skip_event(p) || !stream_ends(p))) {  /* skips DOCUMENT_END */
        pn_yaml_free(root);
        return NULL;
    }
    return root;
}

bool pn_yaml_parse(const pn_yaml_rules *rules, const char *name, const char *text, size_t len,
                   pn_yaml_node **root, pn_err *err)
{
    tree_parser p;
    memset(&p, 0, sizeof(p));
    p.rules = rules;
    p.name = name;
    p.text = text ? text : "";
    p.len = text ? len : 0;
    p.err = err;
    if (!yaml_parser_initialize(&p.yp)) {
        fprintf(stderr, "postern: out of memory initialising the YAML parser\n");
        abort();
    }
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.text, p.len);
    bool empty;
    *root = build_document(&p, &empty);
    yaml_parser_delete(&p.yp);
    return *root || empty;
}

/* ---- reading the tree ---------------------------------------------------- */

bool pn_yaml_is_null(const pn_yaml_node *n)
{
    if (!n)
        return true;
    if (n->kind != PN_YAML_SCALAR || !n->plain)
        return false;
    return n->len == 0 || !strcmp(n->val, "~") || !strcmp(n->val, "null") ||
           !strcmp(n->val, "Null") || !strcmp(n->val, "NULL");
}

const pn_yaml_node *pn_yaml_lookup(const pn_yaml_node *map, const char *key)
{
    size_t key_len = strlen(key);
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const pn_yaml_node *k = map->kids[i];
        if (k->kind == PN_YAML_SCALAR && k->len == key_len && !memcmp(k->val, key, key_len))
            return map->kids[i + 1];
    }
    return NULL;
}
