/* theme.c - themes: role names, the YAML theme parser and the built-ins
 * (see theme.h).
 *
 * A theme starts from the monochrome attributes of the PN_ROLES X-macro;
 * every role the YAML names is replaced as a whole: the colours it gives
 * (else the terminal's default) and exactly the attributes it lists (none
 * when it lists none). Top-level keys: name, description (ignored), mono
 * (true: attributes only; a colour in such a theme is an error; when absent,
 * a theme that sets no colour is mono) and roles. The first problem is
 * reported as "NAME:LINE:COLUMN: what is wrong", naming the role, colour or
 * attribute and, for a misspelt role, the closest known one.
 *
 * The built-in themes are the YAML files of tui/themes/, embedded at build
 * time by scripts/embed.py. */
#include "theme.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/mem.h"
#include "util/str.h"
#include "util/yamltree.h"

/* Generated from tui/themes/ *.yaml by scripts/embed.py. */
extern const char *pn_embedded_theme(const char *name, size_t *len);

static const char *const role_names[PN_ROLE_COUNT] = {
#define PN_ROLE_NAME(id, name, mono) name,
    PN_ROLES(PN_ROLE_NAME)
#undef PN_ROLE_NAME
};

static const int role_mono[PN_ROLE_COUNT] = {
#define PN_ROLE_MONO(id, name, mono) mono,
    PN_ROLES(PN_ROLE_MONO)
#undef PN_ROLE_MONO
};

static const char *const color_names[16] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "bright-black", "bright-red", "bright-green", "bright-yellow",
    "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

static const struct {
    const char *name;
    int attr;
} attr_names[] = {
    {"bold", PN_ATTR_BOLD}, {"dim", PN_ATTR_DIM}, {"reverse", PN_ATTR_REVERSE},
    {"underline", PN_ATTR_UNDERLINE}, {"italic", PN_ATTR_ITALIC},
};

const char *pn_role_name(pn_role r)
{
    return (unsigned)r < PN_ROLE_COUNT ? role_names[r] : NULL;
}

bool pn_role_parse(const char *name, pn_role *out)
{
    for (int i = 0; i < PN_ROLE_COUNT; i++) {
        if (strcmp(role_names[i], name) == 0) {
            if (out)
                *out = (pn_role)i;
            return true;
        }
    }
    return false;
}

bool pn_color_parse(const char *name, int *out)
{
    int c = -2;
    if (strcmp(name, "default") == 0) {
        c = PN_COLOR_DEFAULT;
    } else if (name[0] >= '0' && name[0] <= '9') {
        char *end;
        long v = strtol(name, &end, 10);
        if (*end == '\0' && v >= 0 && v <= 255 && (name[0] != '0' || name[1] == '\0'))
            c = (int)v;
    } else {
        for (int i = 0; i < 16; i++)
            if (strcmp(color_names[i], name) == 0)
                c = i;
    }
    if (c == -2)
        return false;
    if (out)
        *out = c;
    return true;
}

bool pn_attr_parse(const char *name, int *out)
{
    for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
        if (strcmp(attr_names[i].name, name) == 0) {
            if (out)
                *out = attr_names[i].attr;
            return true;
        }
    }
    return false;
}

/* ---- theme objects ---------------------------------------------------- */

static pn_theme *theme_new(const char *name)
{
    pn_theme *t = pn_calloc(1, sizeof(*t));
    t->name = pn_strdup(name);
    t->mono = true;
    for (int i = 0; i < PN_ROLE_COUNT; i++)
        t->roles[i] = (pn_role_style){PN_COLOR_DEFAULT, PN_COLOR_DEFAULT, role_mono[i]};
    return t;
}

pn_theme *pn_theme_fallback(void)
{
    return theme_new("mono");
}

void pn_theme_free(pn_theme *t)
{
    if (!t)
        return;
    free(t->name);
    free(t);
}

/* ---- parser ----------------------------------------------------------- */

typedef struct parser {
    const char *name;
    yaml_document_t doc;
    pn_err *err;
} parser;

/* "NAME:LINE:COLUMN: " and the message, into p->err; returns false. */
#define fail_at(p, n, ...)                                                                 \
    pn_yaml_fail((p)->err, (p)->name, (int)(n)->start_mark.line + 1,                      \
                 (int)(n)->start_mark.column + 1, __VA_ARGS__)

static yaml_node_t *node(parser *p, int id)
{
    return yaml_document_get_node(&p->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n)
{
    const char *s = scalar(n);
    return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!*s || !strcmp(s, "~") || !strcmp(s, "null"));
}

/* Edit distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = pn_malloc((lb + 1) * sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

static const char *closest_role(const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (int i = 0; i < PN_ROLE_COUNT; i++) {
        size_t d = distance(name, role_names[i]);
        if (d < best_d) {
            best_d = d;
            best = role_names[i];
        }
    }
    size_t limit = strlen(name) / 3 + 1;
    return best_d <= (limit < 3 ? limit : 3) ? best : NULL;
}

static bool unknown_role(parser *p, const yaml_node_t *key)
{
    const char *name = scalar(key);
    const char *near = closest_role(name);
    if (near)
        return fail_at(p, key, "unknown role '%s' (did you mean '%s'?)", name, near);
    pn_str list = PN_STR_INIT;
    for (int i = 0; i < PN_ROLE_COUNT; i++)
        pn_str_appendf(&list, "%s%s", i ? ", " : "", role_names[i]);
    fail_at(p, key, "unknown role '%s' (roles: %s)", name, pn_str_cstr(&list));
    pn_str_free(&list);
    return false;
}

static bool parse_color(parser *p, const char *role, const char *which, const yaml_node_t *n,
                        bool mono, int *out)
{
    const char *s = scalar(n);
    if (!s)
        return fail_at(p, n, "role '%s': %s must be a colour name or 0-255", role, which);
    if (!pn_color_parse(s, out))
        return fail_at(p, n,
                       "role '%s': unknown colour '%s' for %s (colours: default, black, red, "
                       "green, yellow, blue, magenta, cyan, white, bright-<colour>, or 0-255)",
                       role, s, which);
    if (mono && *out != PN_COLOR_DEFAULT)
        return fail_at(p, n, "role '%s': a mono theme sets no colours (%s: %s)", role, which, s);
    return true;
}

static bool parse_attr(parser *p, const char *role, const yaml_node_t *n, int *attrs)
{
    const char *s = scalar(n);
    int a;
    if (!s)
        return fail_at(p, n, "role '%s': an attribute must be a word", role);
    if (!pn_attr_parse(s, &a))
        return fail_at(p, n,
                       "role '%s': unknown attribute '%s' (attributes: bold, dim, reverse, "
                       "underline, italic)", role, s);
    *attrs |= a;
    return true;
}

static bool parse_style(parser *p, const char *role, const yaml_node_t *n, bool mono,
                        pn_role_style *out)
{
    *out = (pn_role_style){PN_COLOR_DEFAULT, PN_COLOR_DEFAULT, 0};
    if (is_null(n))
        return true;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(p, n, "role '%s': expected a mapping like { fg: red, attrs: [bold] }", role);
    bool seen_fg = false, seen_bg = false, seen_attrs = false;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *key = scalar(k);
        if (!key)
            return fail_at(p, k, "role '%s': keys must be words (fg, bg, attrs)", role);
        bool *seen = !strcmp(key, "fg") ? &seen_fg : !strcmp(key, "bg") ? &seen_bg
                   : !strcmp(key, "attrs") ? &seen_attrs : NULL;
        if (!seen)
            return fail_at(p, k, "role '%s': unknown key '%s' (expected fg, bg, attrs)", role, key);
        if (*seen)
            return fail_at(p, k, "role '%s': '%s' given twice", role, key);
        *seen = true;
        if (seen == &seen_fg) {
            if (!parse_color(p, role, "fg", v, mono, &out->fg))
                return false;
        } else if (seen == &seen_bg) {
            if (!parse_color(p, role, "bg", v, mono, &out->bg))
                return false;
        } else if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++)
                if (!parse_attr(p, role, node(p, *it), &out->attrs))
                    return false;
        } else if (!is_null(v)) {
            if (!parse_attr(p, role, v, &out->attrs))
                return false;
        }
    }
    return true;
}

static bool parse_roles(parser *p, const yaml_node_t *n, pn_theme *t, bool mono_given)
{
    if (is_null(n))
        return true;
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(p, n, "'roles' must be a mapping of role names to styles");
    bool seen[PN_ROLE_COUNT] = {false};
    bool any_color = false;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *key = scalar(k);
        pn_role r;
        if (!key)
            return fail_at(p, k, "a role name must be a word");
        if (!pn_role_parse(key, &r))
            return unknown_role(p, k);
        if (seen[r])
            return fail_at(p, k, "role '%s' given twice", key);
        seen[r] = true;
        if (!parse_style(p, key, v, mono_given && t->mono, &t->roles[r]))
            return false;
        if (t->roles[r].fg != PN_COLOR_DEFAULT || t->roles[r].bg != PN_COLOR_DEFAULT)
            any_color = true;
    }
    if (!mono_given)
        t->mono = !any_color;
    return true;
}

static bool parse_bool(parser *p, const yaml_node_t *n, const char *what, bool *out)
{
    const char *s = scalar(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
        *out = true;
        return true;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
        *out = false;
        return true;
    }
    return fail_at(p, n, "'%s' must be true or false", what);
}

static bool parse_root(parser *p, const yaml_node_t *root, pn_theme *t)
{
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(p, root, "a theme is a mapping with name and roles");
    const yaml_node_t *roles = NULL;
    bool mono_given = false;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
         pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        const char *key = scalar(k);
        if (key && !strcmp(key, "name")) {
            if (!scalar(v) || !*scalar(v))
                return fail_at(p, v, "'name' must be a word");
            free(t->name);
            t->name = pn_strdup(scalar(v));
        } else if (key && !strcmp(key, "description")) {
            /* for people reading the file */
        } else if (key && !strcmp(key, "mono")) {
            if (!parse_bool(p, v, "mono", &t->mono))
                return false;
            mono_given = true;
        } else if (key && !strcmp(key, "roles")) {
            if (roles)
                return fail_at(p, k, "'roles' given twice");
            roles = v;
        } else {
            return fail_at(p, k, "unknown key '%s' (expected name, description, mono, roles)",
                           key ? key : "?");
        }
    }
    /* Roles last, so `mono: true` below them still applies. */
    return roles ? parse_roles(p, roles, t, mono_given) : true;
}

static bool syntax_error(parser *p, const yaml_parser_t *y)
{
    if (y->error == YAML_MEMORY_ERROR) {
        fprintf(stderr, "postern: out of memory parsing %s\n", p->name);
        abort();
    }
    const char *problem = y->problem ? y->problem : "unknown problem";
    if (y->error == YAML_READER_ERROR)
        return pn_err_set(p->err, PN_E_CONFIG, "%s: invalid text at byte %zu: %s", p->name,
                          y->problem_offset, problem);
    return pn_err_set(p->err, PN_E_CONFIG, "%s:%zu:%zu: YAML syntax error: %s", p->name,
                      y->problem_mark.line + 1, y->problem_mark.column + 1, problem);
}

pn_theme *pn_theme_parse(const char *name, const char *yaml, size_t len, pn_err *err)
{
    parser p = {.name = name, .err = err};
    yaml_parser_t y;
    if (!yaml_parser_initialize(&y)) {
        fprintf(stderr, "postern: out of memory parsing %s\n", name);
        abort();
    }
    yaml_parser_set_input_string(&y, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&y, &p.doc)) {
        syntax_error(&p, &y);
        yaml_parser_delete(&y);
        return NULL;
    }
    pn_theme *t = theme_new(name);
    yaml_node_t *root = yaml_document_get_root_node(&p.doc);
    bool ok;
    if (!root)
        ok = pn_err_set(err, PN_E_CONFIG, "%s: the theme is empty", name);
    else
        ok = parse_root(&p, root, t);
    yaml_document_delete(&p.doc);
    yaml_parser_delete(&y);
    if (!ok) {
        pn_theme_free(t);
        return NULL;
    }
    return t;
}

pn_theme *pn_theme_builtin(const char *name, pn_err *err)
{
    size_t len = 0;
    const char *yaml = name ? pn_embedded_theme(name, &len) : NULL;
    if (!yaml) {
        pn_err_set(err, PN_E_NOTFOUND, "theme '%s' is not built in (built-in themes: dark, light, mono)",
                   name ? name : "");
        return NULL;
    }
    char *file = pn_sprintf("%s.yaml", name);
    pn_theme *t = pn_theme_parse(file, yaml, len, err);
    free(file);
    return t;
}
