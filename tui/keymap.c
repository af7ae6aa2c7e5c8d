/* keymap.c - key bindings loaded from YAML files (see keymap.h and
 * keymaps/README.md for the format).
 *
 * A load parses one YAML document into a small tree that keeps every node's
 * line:column (util/yamltree.h), checks all of it (keys, section and screen
 * names, commands through the : command-line parser, mode commands against
 * the editing/form/dialog command lists) and collects every error before
 * touching the map: a file with errors changes nothing. A clean file is
 * applied over the map binding by binding, each binding remembering the
 * file:line:column it came from. pn_keymap_check() then reports prefix
 * clashes (g vs gg) in the effective map as warnings. */
#include "keymap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "cmdline.h"
#include "form.h"
#include "lineedit.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/yamltree.h"

/* Generated at build time from keymaps/default.yaml and vi.yaml (scripts/embed.py). */
extern const char *pn_embedded_keymap(const char *name, size_t *len);

#define MAX_BINDINGS 5000             /* per file: a keymap is a few hundred at most */
#define MAX_FILE_SIZE (1024 * 1024)

/* ---- the map -------------------------------------------------------------- */

typedef struct entry {
    pn_binding b;            /* first: pn_keymap_section hands out &entry->b */
    pn_action_id action;     /* PN_A_NONE for mode commands and `none` */
    unsigned load;           /* number of the load that set it (later: higher) */
    size_t order;            /* insertion order, for stable choices */
    int line, col;           /* position of the key in its file */
} entry;

struct pn_keymap {
    entry **entries;
    size_t n, cap;
    pn_keymap_diag *diags;
    bool *diag_from_check;   /* parallel to diags: added by pn_keymap_check */
    size_t nd, capd;
    unsigned loads;
    size_t next_order;
};

static void entry_free(entry *e)
{
    if (!e)
        return;
    free(e->b.command);
    free(e->b.section);
    free(e->b.origin);
    free(e);
}

static void entries_push(entry ***v, size_t *n, size_t *cap, entry *e)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *v = pn_realloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = e;
}

pn_keymap *pn_keymap_new(void)
{
    return pn_calloc(1, sizeof(pn_keymap));
}

void pn_keymap_clear_diags(pn_keymap *km)
{
    for (size_t i = 0; i < km->nd; i++)
        free(km->diags[i].message);
    km->nd = 0;
}

void pn_keymap_free(pn_keymap *km)
{
    if (!km)
        return;
    for (size_t i = 0; i < km->n; i++)
        entry_free(km->entries[i]);
    free(km->entries);
    pn_keymap_clear_diags(km);
    free(km->diags);
    free(km->diag_from_check);
    free(km);
}

static void diag_push(pn_keymap *km, bool is_error, bool from_check, char *message)
{
    if (km->nd == km->capd) {
        km->capd = km->capd ? km->capd * 2 : 8;
        km->diags = pn_realloc(km->diags, km->capd * sizeof(*km->diags));
        km->diag_from_check = pn_realloc(km->diag_from_check,
                                         km->capd * sizeof(*km->diag_from_check));
    }
    km->diags[km->nd].is_error = is_error;
    km->diags[km->nd].message = message;
    km->diag_from_check[km->nd] = from_check;
    km->nd++;
}

const pn_keymap_diag *pn_keymap_diags(const pn_keymap *km, size_t *n)
{
    if (n)
        *n = km->nd;
    return km->diags;
}

/* "global" / "modes.x" / "screens.x" as given; any other bare name is a
 * screen. Appends the section name to out. */
static void section_name(pn_str *out, const char *s)
{
    if (!strcmp(s, "global") || !strncmp(s, "modes.", 6) || !strncmp(s, "screens.", 8))
        pn_str_append(out, s);
    else
        pn_str_appendf(out, "screens.%s", s);
}

/* ---- YAML tree ------------------------------------------------------------- */

typedef pn_yaml_node node;

static const pn_yaml_rules keymap_yaml = {
    .max_depth = 16,
    .refused_in = "keymaps",
    .one_document_in = "a keymap",
};

typedef struct loader {
    pn_keymap *km;
    char *name;              /* sanitised file name for messages */
    const char *const *screens;
    entry **pending;         /* the file's bindings, applied when error-free */
    size_t npending, cappending;
    size_t errors;
    bool too_many;
} loader;

static void diag_at(loader *L, bool is_error, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void diag_at(loader *L, bool is_error, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_push(L->km, is_error, false, pn_yaml_vmessage(L->name, line, col, fmt, ap));
    va_end(ap);
    if (is_error)
        L->errors++;
}

#define error_at(L, n, ...) diag_at((L), true, (n)->line, (n)->col, __VA_ARGS__)
#define warn_at(L, n, ...) diag_at((L), false, (n)->line, (n)->col, __VA_ARGS__)

/* A scalar shown in a message: sanitised, cut when long. */
static char *shown(const node *n)
{
    pn_str s = PN_STR_INIT;
    pn_yaml_append_shown(&s, n->val, n->len, 60, PN_YAML_SHOW_SANITIZED);
    return pn_str_steal(&s);
}

/* ---- checking a file -------------------------------------------------------- */

typedef enum { SEC_GLOBAL, SEC_SCREEN, SEC_PROMPT, SEC_FORM, SEC_DIALOG } section_kind;

#define CMD_NAME(id, name) name,
static const char *const edit_commands[] = {PN_EDIT_COMMANDS(CMD_NAME) NULL};
static const char *const form_commands[] = {PN_FORM_COMMANDS(CMD_NAME) NULL};
static const char *const dialog_commands[] = {PN_DIALOG_COMMANDS(CMD_NAME) NULL};
#undef CMD_NAME

static bool listed(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (!strcmp(list[i], s))
            return true;
    }
    return false;
}

static void append_list(pn_str *out, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        pn_str_appendf(out, "%s%s", i ? ", " : "", list[i]);
}

/* Check a mode command; the message for an unknown one suggests the closest
 * name and lists what the mode takes. */
static bool check_mode_command(loader *L, section_kind kind, const char *section, const node *v)
{
    bool ok = kind == SEC_DIALOG ? listed(dialog_commands, v->val)
                                 : listed(edit_commands, v->val) ||
                                       (kind == SEC_FORM && listed(form_commands, v->val));
    if (ok)
        return true;
    pn_str known = PN_STR_INIT;
    if (kind == SEC_DIALOG) {
        append_list(&known, dialog_commands);
    } else {
        append_list(&known, edit_commands);
        if (kind == SEC_FORM) {
            pn_str_append(&known, ", ");
            append_list(&known, form_commands);
        }
    }
    const char *s = kind == SEC_DIALOG ? pn_closest_name(v->val, dialog_commands, SIZE_MAX)
                                       : pn_closest_name(v->val, edit_commands, SIZE_MAX);
    if (!s && kind == SEC_FORM)
        s = pn_closest_name(v->val, form_commands, SIZE_MAX);
    char *w = shown(v);
    if (s)
        error_at(L, v, "unknown command '%s' in %s (did you mean '%s'?); %s takes: %s", w, section,
                 s, section, pn_str_cstr(&known));
    else
        error_at(L, v, "unknown command '%s' in %s; %s takes: %s", w, section, section,
                 pn_str_cstr(&known));
    free(w);
    pn_str_free(&known);
    return false;
}

/* Check a command of global / screens.X; on success *canonical is the
 * command in canonical form and *action its action. */
static bool check_command(loader *L, const char *section, const node *v, char **canonical,
                          pn_action_id *action)
{
    if (pn_cmdline_action_of(v->val, L->screens) == PN_A_NONE) {
        pn_argv words = PN_ARGV_INIT;
        pn_err err = PN_ERR_INIT;
        if (!pn_cmdline_split(v->val, &words, &err)) {
            error_at(L, v, "bad command in %s: %s", section, pn_err_msg(&err));
        } else if (words.n == 0) {
            error_at(L, v, "empty command in %s (write none to unbind a key)", section);
        } else {
            char *w = pn_utf8_sanitized(words.v[0]);
            const char *s = pn_cmdline_suggest(words.v[0], L->screens);
            if (s)
                error_at(L, v, "unknown action '%s' (did you mean '%s'?)", w, s);
            else
                error_at(L, v, "unknown action '%s' (:help lists the actions)", w);
            free(w);
        }
        pn_err_clear(&err);
        pn_argv_free(&words);
        return false;
    }
    pn_command c;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_cmdline_parse(v->val, L->screens, &c, &err);
    if (ok) {
        pn_str s = PN_STR_INIT;
        pn_command_format(&s, &c);
        *canonical = pn_str_steal(&s);
        *action = c.action;
    } else {
        char *w = shown(v);
        error_at(L, v, "bad command '%s' in %s: %s", w, section, pn_err_msg(&err));
        free(w);
    }
    pn_command_free(&c);
    pn_err_clear(&err);
    return ok;
}

static entry *pending_find(const loader *L, const char *section, const pn_keyseq *seq)
{
    for (size_t i = 0; i < L->npending; i++) {
        entry *e = L->pending[i];
        if (!strcmp(e->b.section, section) && pn_keyseq_equal(&e->b.seq, seq))
            return e;
    }
    return NULL;
}

static void check_binding(loader *L, section_kind kind, const char *section, const node *k,
                          const node *v)
{
    if (L->npending >= MAX_BINDINGS) {
        if (!L->too_many)
            error_at(L, k, "more than %d bindings in one file", MAX_BINDINGS);
        L->too_many = true;
        return;
    }
    if (k->kind != PN_YAML_SCALAR) {
        error_at(L, k, "a key in %s must be a key name like q or <C-r>", section);
        return;
    }
    pn_keyseq seq;
    pn_err err = PN_ERR_INIT;
    bool key_ok = false;
    if (strlen(k->val) != k->len) {
        error_at(L, k, "bad key in %s: it contains a NUL character", section);
    } else if (!pn_keyseq_parse(k->val, &seq, &err)) {
        error_at(L, k, "in %s: %s", section, pn_err_msg(&err));
    } else {
        key_ok = true;
    }
    pn_err_clear(&err);

    pn_str keyname = PN_STR_INIT;
    if (key_ok) {
        pn_keyseq_name(&keyname, &seq);
        for (int i = 0; i < seq.n; i++) {
            if (seq.keys[i] == PN_KEY_RESIZE || seq.keys[i] == PN_KEY_EOF) {
                error_at(L, k, "'%s' cannot be bound: it is an event, not a key",
                         pn_str_cstr(&keyname));
                key_ok = false;
                break;
            }
        }
    }
    if (key_ok && kind != SEC_GLOBAL && kind != SEC_SCREEN) {
        if (seq.n != 1) {
            error_at(L, k, "'%s': %s binds single keys, not sequences", pn_str_cstr(&keyname),
                     section);
            key_ok = false;
        } else if (kind != SEC_DIALOG && pn_key_is_printable(seq.keys[0])) {
            error_at(L, k, "'%s' cannot be bound in %s: it types a character there (bind Ctrl, "
                     "Alt, function or named keys)", pn_str_cstr(&keyname), section);
            key_ok = false;
        }
    }
    if (key_ok) {
        entry *first = pending_find(L, section, &seq);
        if (first) {
            error_at(L, k, "duplicate key '%s' in %s (first at %d:%d)", pn_str_cstr(&keyname),
                     section, first->line, first->col);
            key_ok = false;
        }
    }

    /* the value is checked even when the key is bad: report everything */
    char *command = NULL;
    pn_action_id action = PN_A_NONE;
    bool value_ok = false;
    if (v->kind != PN_YAML_SCALAR || pn_yaml_is_null(v)) {
        error_at(L, v, "expected a command for '%s' in %s (write none to unbind it)",
                 key_ok ? pn_str_cstr(&keyname) : "this key", section);
    } else if (strlen(v->val) != v->len) {
        error_at(L, v, "bad command in %s: it contains a NUL character", section);
    } else if (!strcmp(v->val, "none")) {
        value_ok = true;
    } else if (kind == SEC_GLOBAL || kind == SEC_SCREEN) {
        value_ok = check_command(L, section, v, &command, &action);
    } else {
        value_ok = check_mode_command(L, kind, section, v);
        if (value_ok)
            command = pn_strdup(v->val);
    }

    if (key_ok && value_ok && action != PN_A_NONE && seq.n == 1 &&
        (seq.keys[0] & ~PN_KEY_ALT) == seq.keys[0] && seq.keys[0] >= 1 && seq.keys[0] <= 0x1F) {
        const pn_action *a = pn_action_get(action);
        if (a && (a->flags & PN_AF_DANGEROUS))
            warn_at(L, k, "'%s' puts the dangerous action '%s' on a bare Ctrl key (easy to hit "
                    "by accident, and taken by shells and tmux); prefer a letter",
                    pn_str_cstr(&keyname), a->name);
    }

    if (key_ok && value_ok) {
        entry *e = pn_calloc(1, sizeof(*e));
        e->b.seq = seq;
        e->b.command = command;
        e->b.section = pn_strdup(section);
        e->b.origin = pn_sprintf("%s:%d:%d", L->name, k->line, k->col);
        e->action = action;
        e->line = k->line;
        e->col = k->col;
        entries_push(&L->pending, &L->npending, &L->cappending, e);
    } else {
        free(command);
    }
    pn_str_free(&keyname);
}

static void check_section(loader *L, section_kind kind, const char *section, const node *m)
{
    if (pn_yaml_is_null(m))
        return;
    if (m->kind != PN_YAML_MAPPING) {
        error_at(L, m, "%s must be a mapping of key: command", section);
        return;
    }
    for (size_t i = 0; i + 1 < m->n; i += 2)
        check_binding(L, kind, section, m->kids[i], m->kids[i + 1]);
}

/* Keys of a mapping of named sections: the name must be a scalar and
 * appear once. Returns false (after an error) to skip the pair. */
static bool section_key(loader *L, const node *m, size_t i, const char *what)
{
    const node *k = m->kids[i];
    if (k->kind != PN_YAML_SCALAR || strlen(k->val) != k->len || !k->len) {
        error_at(L, k, "expected a %s name", what);
        return false;
    }
    for (size_t j = 0; j < i; j += 2) {
        const node *prev = m->kids[j];
        if (prev->kind == PN_YAML_SCALAR && !strcmp(prev->val, k->val)) {
            char *w = shown(k);
            error_at(L, k, "duplicate %s '%s' (first at %d:%d)", what, w, prev->line, prev->col);
            free(w);
            return false;
        }
    }
    return true;
}

static void check_screens(loader *L, const node *m)
{
    if (pn_yaml_is_null(m))
        return;
    if (m->kind != PN_YAML_MAPPING) {
        error_at(L, m, "screens must be a mapping of screen name: bindings");
        return;
    }
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        if (!section_key(L, m, i, "screen"))
            continue;
        const node *k = m->kids[i];
        if (L->screens && !listed(L->screens, k->val)) {
            pn_str known = PN_STR_INIT;
            append_list(&known, L->screens);
            char *w = shown(k);
            const char *s = pn_closest_name(k->val, L->screens, SIZE_MAX);
            if (s)
                error_at(L, k, "unknown screen '%s' (did you mean '%s'?); known screens: %s", w, s,
                         pn_str_cstr(&known));
            else
                error_at(L, k, "unknown screen '%s'; known screens: %s", w, pn_str_cstr(&known));
            free(w);
            pn_str_free(&known);
            continue;
        }
        pn_str section = PN_STR_INIT;
        pn_str_appendf(&section, "screens.%s", k->val);
        check_section(L, SEC_SCREEN, pn_str_cstr(&section), m->kids[i + 1]);
        pn_str_free(&section);
    }
}

static void check_modes(loader *L, const node *m)
{
    static const char *const modes[] = {"prompt", "form", "dialog", NULL};
    static const section_kind kinds[] = {SEC_PROMPT, SEC_FORM, SEC_DIALOG};
    if (pn_yaml_is_null(m))
        return;
    if (m->kind != PN_YAML_MAPPING) {
        error_at(L, m, "modes must be a mapping with prompt, form and dialog");
        return;
    }
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        if (!section_key(L, m, i, "mode"))
            continue;
        const node *k = m->kids[i];
        size_t which = 0;
        while (modes[which] && strcmp(modes[which], k->val) != 0)
            which++;
        if (!modes[which]) {
            char *w = shown(k);
            const char *s = pn_closest_name(k->val, modes, SIZE_MAX);
            if (s)
                error_at(L, k, "unknown mode '%s' (did you mean '%s'?); modes are prompt, form, "
                         "dialog", w, s);
            else
                error_at(L, k, "unknown mode '%s'; modes are prompt, form, dialog", w);
            free(w);
            continue;
        }
        pn_str section = PN_STR_INIT;
        pn_str_appendf(&section, "modes.%s", modes[which]);
        check_section(L, kinds[which], pn_str_cstr(&section), m->kids[i + 1]);
        pn_str_free(&section);
    }
}

static void check_root(loader *L, const node *root)
{
    static const char *const top[] = {"global", "screens", "modes", NULL};
    if (pn_yaml_is_null(root))
        return;
    if (root->kind != PN_YAML_MAPPING) {
        error_at(L, root, "a keymap is a mapping with the sections global, screens and modes");
        return;
    }
    for (size_t i = 0; i + 1 < root->n; i += 2) {
        if (!section_key(L, root, i, "section"))
            continue;
        const node *k = root->kids[i], *v = root->kids[i + 1];
        if (!strcmp(k->val, "global")) {
            check_section(L, SEC_GLOBAL, "global", v);
        } else if (!strcmp(k->val, "screens")) {
            check_screens(L, v);
        } else if (!strcmp(k->val, "modes")) {
            check_modes(L, v);
        } else {
            char *w = shown(k);
            const char *s = pn_closest_name(k->val, top, SIZE_MAX);
            if (s)
                error_at(L, k, "unknown section '%s' (did you mean '%s'?); sections are global, "
                         "screens, modes", w, s);
            else
                error_at(L, k, "unknown section '%s'; sections are global, screens, modes", w);
            free(w);
        }
    }
}

/* ---- applying ------------------------------------------------------------- */

static entry *map_find(const pn_keymap *km, const char *section, const pn_keyseq *seq)
{
    for (size_t i = 0; i < km->n; i++) {
        entry *e = km->entries[i];
        if (!strcmp(e->b.section, section) && pn_keyseq_equal(&e->b.seq, seq))
            return e;
    }
    return NULL;
}

static void apply(loader *L, unsigned load)
{
    pn_keymap *km = L->km;
    for (size_t i = 0; i < L->npending; i++) {
        entry *p = L->pending[i];
        p->load = load;
        entry *e = map_find(km, p->b.section, &p->b.seq);
        if (e) {
            /* a later file re-binds the key: keep the entry's place */
            free(e->b.command);
            free(e->b.origin);
            e->b.command = p->b.command;
            e->b.origin = p->b.origin;
            e->b.seq = p->b.seq;
            e->action = p->action;
            e->load = load;
            e->line = p->line;
            e->col = p->col;
            p->b.command = NULL;
            p->b.origin = NULL;
            entry_free(p);
        } else {
            p->order = km->next_order++;
            entries_push(&km->entries, &km->n, &km->cap, p);
        }
        L->pending[i] = NULL;
    }
}

bool pn_keymap_load(pn_keymap *km, const char *name, const char *yaml, size_t len,
                    const char *const *known_screens)
{
    loader L;
    memset(&L, 0, sizeof(L));
    L.km = km;
    L.name = pn_utf8_sanitized(name ? name : "keymap");
    L.screens = known_screens;

    node *root = NULL;
    pn_err err = PN_ERR_INIT;
    if (!pn_yaml_parse(&keymap_yaml, L.name, yaml, len, &root, &err)) {
        diag_push(km, true, false, pn_strdup(pn_err_msg(&err)));
        L.errors++;
    }
    pn_err_clear(&err);
    if (root)
        check_root(&L, root);
    pn_yaml_free(root);

    bool ok = L.errors == 0;
    if (ok)
        apply(&L, ++km->loads);
    for (size_t i = 0; i < L.npending; i++)
        entry_free(L.pending[i]);
    free(L.pending);
    free(L.name);
    return ok;
}

bool pn_keymap_load_file(pn_keymap *km, const char *path, const char *const *known_screens)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_push(km, true, false, pn_sprintf("%s: cannot read the keymap: %s", path,
                                              strerror(errno)));
        return false;
    }
    pn_str data = PN_STR_INIT;
    char chunk[8192];
    size_t n;
    bool too_big = false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        pn_str_appendn(&data, chunk, n);
        if (data.len > MAX_FILE_SIZE) {
            too_big = true;
            break;
        }
    }
    bool read_error = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    bool ok = false;
    if (too_big)
        diag_push(km, true, false, pn_sprintf("%s: the keymap is larger than %d bytes", path,
                                              MAX_FILE_SIZE));
    else if (read_error)
        diag_push(km, true, false, pn_sprintf("%s: cannot read the keymap: %s", path,
                                              strerror(saved)));
    else
        ok = pn_keymap_load(km, path, pn_str_cstr(&data), data.len, known_screens);
    pn_str_free(&data);
    return ok;
}

const char *pn_keymap_builtin(const char *name, size_t *len)
{
    if (!name)
        return NULL;
    return pn_embedded_keymap(name, len);
}

/* ---- prefix clashes --------------------------------------------------------- */

static bool newer(const entry *a, const entry *b)
{
    return a->load != b->load ? a->load > b->load : a->order > b->order;
}

static void warn_shadow(pn_keymap *km, const char *context, const entry *shorter,
                        const entry *longer)
{
    const entry *blame = newer(shorter, longer) ? shorter : longer;
    const entry *other = blame == shorter ? longer : shorter;
    pn_str a = PN_STR_INIT, b = PN_STR_INIT;
    pn_keyseq_name(&a, &shorter->b.seq);
    pn_keyseq_name(&b, &longer->b.seq);
    pn_str msg = PN_STR_INIT;
    pn_str_appendf(&msg, "%s: '%s' (%s) is shadowed by '%s' (%s) in %s: after %s postern waits "
                   "for the next key; bind one of them to another key (the other binding is at "
                   "%s)", blame->b.origin, pn_str_cstr(&a), shorter->b.command, pn_str_cstr(&b),
                   longer->b.command, context, pn_str_cstr(&a), other->b.origin);
    diag_push(km, false, true, pn_str_steal(&msg));
    pn_str_free(&a);
    pn_str_free(&b);
}

/* Is global entry g hidden in section by an entry of the same keys? */
static bool overridden(const pn_keymap *km, const char *section, const entry *g)
{
    return section && map_find(km, section, &g->b.seq) != NULL;
}

/* The bound entries that are effective in `section` (+ global when
 * with_global), in map order. */
static size_t effective(const pn_keymap *km, const char *section, bool with_global,
                        const entry ***out)
{
    const entry **v = pn_malloc((km->n ? km->n : 1) * sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < km->n; i++) {
        const entry *e = km->entries[i];
        if (!e->b.command)
            continue;
        if (section && !strcmp(e->b.section, section))
            v[n++] = e;
        else if (with_global && !strcmp(e->b.section, "global") && !overridden(km, section, e))
            v[n++] = e;
    }
    *out = v;
    return n;
}

static void check_context(pn_keymap *km, const char *section, bool with_global)
{
    const entry **v;
    size_t n = effective(km, section, with_global, &v);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            if (!pn_keyseq_is_prefix(&v[i]->b.seq, &v[j]->b.seq))
                continue;
            /* global pairs are reported once, in the global context */
            if (section && with_global && !strcmp(v[i]->b.section, "global") &&
                !strcmp(v[j]->b.section, "global"))
                continue;
            warn_shadow(km, section ? section : "global", v[i], v[j]);
        }
    }
    free(v);
}

void pn_keymap_check(pn_keymap *km)
{
    /* drop the warnings of an earlier check */
    size_t kept = 0;
    for (size_t i = 0; i < km->nd; i++) {
        if (km->diag_from_check[i]) {
            free(km->diags[i].message);
            continue;
        }
        km->diags[kept] = km->diags[i];
        km->diag_from_check[kept] = false;
        kept++;
    }
    km->nd = kept;

    check_context(km, NULL, true);
    pn_argv done = PN_ARGV_INIT;
    for (size_t i = 0; i < km->n; i++) {
        const char *sec = km->entries[i]->b.section;
        if (!strcmp(sec, "global") || listed((const char *const *)pn_argv_items(&done), sec))
            continue;
        pn_argv_add(&done, sec);
        check_context(km, sec, strncmp(sec, "screens.", 8) == 0);
    }
    pn_argv_free(&done);
}

/* ---- queries ---------------------------------------------------------------- */

/* The section searched first for `screen` (NULL: none) and whether global
 * follows it. */
static char *primary_section(const char *screen, bool *with_global)
{
    *with_global = true;
    if (!screen || !strcmp(screen, "global"))
        return NULL;
    if (!strncmp(screen, "modes.", 6)) {
        *with_global = false;
        return pn_strdup(screen);
    }
    pn_str s = PN_STR_INIT;
    section_name(&s, screen);
    return pn_str_steal(&s);
}

pn_keymatch pn_keymap_lookup(const pn_keymap *km, const char *screen, const pn_keyseq *typed,
                             const pn_binding **binding)
{
    if (binding)
        *binding = NULL;
    if (!km || !typed || typed->n < 1 || typed->n > PN_KEYSEQ_MAX)
        return PN_KM_NONE;
    bool with_global;
    char *section = primary_section(screen, &with_global);
    const entry **v;
    size_t n = effective(km, section, with_global, &v);
    const entry *found = NULL;
    bool prefix = false;
    for (size_t i = 0; i < n; i++) {
        if (pn_keyseq_equal(&v[i]->b.seq, typed))
            found = v[i];
        else if (pn_keyseq_is_prefix(typed, &v[i]->b.seq))
            prefix = true;
    }
    free(v);
    free(section);
    if (binding)
        *binding = found ? &found->b : NULL;
    if (prefix)
        return PN_KM_PREFIX;
    return found ? PN_KM_FOUND : PN_KM_NONE;
}

const pn_binding *pn_keymap_key_for(const pn_keymap *km, const char *screen, const char *command)
{
    if (!km || !command)
        return NULL;
    bool with_global;
    char *section = primary_section(screen, &with_global);
    const entry **v;
    size_t n = effective(km, section, with_global, &v);
    const entry *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const entry *e = v[i];
        if (strcmp(e->b.command, command) != 0)
            continue;
        if (!best) {
            best = e;
            continue;
        }
        bool e_screen = section && !strcmp(e->b.section, section);
        bool best_screen = section && !strcmp(best->b.section, section);
        if (e_screen != best_screen) {
            if (e_screen)
                best = e;
        } else if (e->b.seq.n != best->b.seq.n ? e->b.seq.n < best->b.seq.n
                                               : e->order < best->order) {
            best = e;
        }
    }
    free(v);
    free(section);
    return best ? &best->b : NULL;
}

typedef struct named_entry {
    char *name;
    const entry *e;
} named_entry;

static int cmp_named(const void *a, const void *b)
{
    const named_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->e->order < y->e->order ? -1 : x->e->order > y->e->order;
}

size_t pn_keymap_section(const pn_keymap *km, const char *section, const pn_binding ***out)
{
    *out = NULL;
    if (!km || !section)
        return 0;
    pn_str name = PN_STR_INIT;
    section_name(&name, section);
    named_entry *v = pn_malloc((km->n ? km->n : 1) * sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < km->n; i++) {
        const entry *e = km->entries[i];
        if (strcmp(e->b.section, pn_str_cstr(&name)) != 0)
            continue;
        pn_str k = PN_STR_INIT;
        pn_keyseq_name(&k, &e->b.seq);
        v[n].name = pn_str_steal(&k);
        v[n].e = e;
        n++;
    }
    pn_str_free(&name);
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_named);
    if (n > 0) {
        *out = pn_malloc(n * sizeof(**out));
        for (size_t i = 0; i < n; i++)
            (*out)[i] = &v[i].e->b;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return n;
}

void pn_keymap_unbind_flags(pn_keymap *km, int flags)
{
    size_t kept = 0;
    for (size_t i = 0; i < km->n; i++) {
        entry *e = km->entries[i];
        const pn_action *a = e->action != PN_A_NONE ? pn_action_get(e->action) : NULL;
        if (a && (a->flags & flags)) {
            entry_free(e);
            continue;
        }
        km->entries[kept++] = e;
    }
    km->n = kept;
}
