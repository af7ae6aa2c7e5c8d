/* test_keymap.c - unit tests of tui/keymap.c: the built-in keymaps, the
 * checks of a keymap file (all errors, with file:line:column), layering
 * and origins, prefix-clash warnings, lookups, and read-only unbinding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "cmdline.h"
#include "keymap.h"
#include "keys.h"
#include "util/str.h"

static const char *const screens[] = {"queue", "logs", "domains", "mailboxes", "addresses",
                                      "filter", "relay", "settings", NULL};

static bool load(pn_keymap *km, const char *name, const char *yaml)
{
    return pn_keymap_load(km, name, yaml, strlen(yaml), screens);
}

static bool load_builtin(pn_keymap *km, const char *which)
{
    size_t len;
    const char *text = pn_keymap_builtin(which, &len);
    assert_non_null(text);
    pn_str name = PN_STR_INIT;
    pn_str_appendf(&name, "%s.yaml", which);
    bool ok = pn_keymap_load(km, pn_str_cstr(&name), text, len, screens);
    pn_str_free(&name);
    return ok;
}

/* All diagnostics, one a line, "E " or "W " first; the caller frees. */
static char *diags(const pn_keymap *km)
{
    size_t n;
    const pn_keymap_diag *d = pn_keymap_diags(km, &n);
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < n; i++)
        pn_str_appendf(&s, "%s %s\n", d[i].is_error ? "E" : "W", d[i].message);
    return pn_str_steal(&s);
}

static size_t count_diags(const pn_keymap *km, bool errors)
{
    size_t n, c = 0;
    const pn_keymap_diag *d = pn_keymap_diags(km, &n);
    for (size_t i = 0; i < n; i++)
        c += d[i].is_error == errors;
    return c;
}

static void assert_diag(const pn_keymap *km, const char *part)
{
    char *all = diags(km);
    if (!strstr(all, part))
        fail_msg("no diagnostic contains '%s'; got:\n%s", part, all);
    free(all);
}

static void assert_no_diags(const pn_keymap *km)
{
    char *all = diags(km);
    if (*all)
        fail_msg("expected no diagnostics, got:\n%s", all);
    free(all);
}

static pn_keyseq seq(const char *text)
{
    pn_keyseq s;
    assert_true(pn_keyseq_parse(text, &s, NULL));
    return s;
}

/* The command bound to keys in screen (NULL: unbound or a prefix). */
static const char *bound(const pn_keymap *km, const char *screen, const char *keys)
{
    pn_keyseq s = seq(keys);
    const pn_binding *b;
    if (pn_keymap_lookup(km, screen, &s, &b) != PN_KM_FOUND)
        return NULL;
    assert_non_null(b);
    return b->command;
}

static const char *origin(const pn_keymap *km, const char *screen, const char *keys)
{
    pn_keyseq s = seq(keys);
    const pn_binding *b;
    assert_int_equal(pn_keymap_lookup(km, screen, &s, &b), PN_KM_FOUND);
    return b->origin;
}

static void test_builtin_keymaps_load_clean(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    pn_keymap_check(km);
    assert_no_diags(km);
    assert_string_equal(bound(km, NULL, "q"), "quit");
    assert_string_equal(bound(km, NULL, "?"), "help");
    assert_string_equal(bound(km, NULL, "<F1>"), "help");
    assert_string_equal(bound(km, NULL, ":"), "command");
    assert_string_equal(bound(km, NULL, "g"), "goto");
    assert_string_equal(bound(km, NULL, "1"), "screen queue");
    assert_string_equal(bound(km, NULL, "8"), "screen settings");
    assert_string_equal(bound(km, NULL, "<C-r>"), "refresh");
    assert_string_equal(bound(km, NULL, "<Space>"), "mark");
    assert_string_equal(bound(km, NULL, "<C-i>"), "next-screen");   /* = <Tab> */
    assert_string_equal(bound(km, "queue", "D"), "delete");
    assert_string_equal(bound(km, "queue", "x"), "shape");
    assert_string_equal(bound(km, "queue", "j"), "down");           /* from global */
    assert_null(bound(km, NULL, "D"));                               /* only on the queue */
    assert_null(bound(km, "logs", "D"));
    assert_string_equal(bound(km, "modes.prompt", "<C-u>"), "kill-to-start");
    assert_string_equal(bound(km, "modes.prompt", "<Tab>"), "complete");
    assert_null(bound(km, "modes.prompt", "q"));                     /* modes stand alone */
    assert_string_equal(bound(km, "modes.form", "<S-Tab>"), "prev-field");
    assert_string_equal(bound(km, "modes.dialog", "<Esc>"), "dialog-cancel");
    assert_null(bound(km, "modes.dialog", "y"));                     /* no one-key confirm */
    assert_null(bound(km, "modes.dialog", "n"));
    assert_string_equal(origin(km, NULL, "q"), "default.yaml:15:3");

    /* no dangerous action sits on a Ctrl key or in global */
    size_t nb;
    const pn_binding **list;
    nb = pn_keymap_section(km, "global", &list);
    assert_true(nb > 40);
    for (size_t i = 0; i < nb; i++) {
        const pn_action *a = pn_action_get(pn_cmdline_action_of(list[i]->command, screens));
        assert_non_null(a);
        assert_false(a->flags & (PN_AF_DANGEROUS | PN_AF_WRITES));
    }
    free(list);

    /* vi over default: still clean */
    assert_true(load_builtin(km, "vi"));
    pn_keymap_check(km);
    assert_no_diags(km);
    assert_string_equal(bound(km, NULL, "gg"), "first");
    assert_string_equal(bound(km, NULL, "G"), "last");
    assert_string_equal(bound(km, NULL, "h"), "left");
    assert_string_equal(bound(km, NULL, "l"), "right");
    assert_string_equal(bound(km, NULL, "go"), "goto");
    assert_string_equal(bound(km, NULL, "<C-d>"), "page-down");
    assert_string_equal(bound(km, "queue", "D"), "delete");
    pn_keyseq g = seq("g");
    const pn_binding *b = (const pn_binding *)1;
    assert_int_equal(pn_keymap_lookup(km, NULL, &g, &b), PN_KM_PREFIX);
    assert_null(b);                                   /* g itself is unbound */
    assert_string_equal(origin(km, NULL, "gg"), "vi.yaml:10:3");
    assert_string_equal(origin(km, NULL, "q"), "default.yaml:15:3");
    /* vi adds nothing dangerous */
    nb = pn_keymap_section(km, "global", &list);
    for (size_t i = 0; i < nb; i++) {
        if (!list[i]->command)
            continue;
        const pn_action *a = pn_action_get(pn_cmdline_action_of(list[i]->command, screens));
        assert_non_null(a);
        assert_false(a->flags & (PN_AF_DANGEROUS | PN_AF_WRITES));
    }
    free(list);
    pn_keymap_free(km);

    size_t len = 99;
    assert_null(pn_keymap_builtin("nope", &len));
    assert_null(pn_keymap_builtin(NULL, &len));
}

static void test_duplicate_key_is_an_error_with_both_positions(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_false(load(km, "keys.yaml",
                      "screens:\n"
                      "  queue:\n"
                      "    D: delete\n"
                      "    H: hold\n"
                      "    D: hold\n"
                      "global:\n"
                      "  <CR>: open\n"
                      "  <Enter>: back\n"));
    assert_diag(km, "E keys.yaml:5:5: duplicate key 'D' in screens.queue (first at 3:5)");
    assert_diag(km, "E keys.yaml:8:3: duplicate key '<Enter>' in global (first at 7:3)");
    assert_int_equal(count_diags(km, true), 2);
    pn_keymap_clear_diags(km);
    /* the same key in two sections, or in two files, is fine */
    assert_true(load(km, "a.yaml", "global: {D: help}\nscreens: {queue: {D: delete}}\n"));
    assert_true(load(km, "b.yaml", "global: {D: quit}\n"));
    assert_string_equal(bound(km, NULL, "D"), "quit");
    assert_string_equal(origin(km, NULL, "D"), "b.yaml:1:10");
    assert_no_diags(km);
    pn_keymap_free(km);
}

static void test_unknown_names_are_errors_with_suggestions(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_false(load(km, "keys.yaml",
                      "global:\n"
                      "  x: delte\n"
                      "  y: xyzzy now\n"
                      "  z: screen queu\n"
                      "screens:\n"
                      "  queu:\n"
                      "    D: delete\n"
                      "  nosuch: {}\n"
                      "modes:\n"
                      "  prompt:\n"
                      "    <C-u>: kill-to-ed\n"
                      "  dialog:\n"
                      "    <Enter>: accept\n"
                      "  promt: {}\n"
                      "globl: {}\n"));
    assert_diag(km, "E keys.yaml:2:6: unknown action 'delte' (did you mean 'delete'?)");
    assert_diag(km, "E keys.yaml:3:6: unknown action 'xyzzy' (:help lists the actions)");
    assert_diag(km, "E keys.yaml:4:6: bad command 'screen queu' in global: unknown screen 'queu' "
                    "(did you mean 'queue'?)");
    assert_diag(km, "E keys.yaml:6:3: unknown screen 'queu' (did you mean 'queue'?); known "
                    "screens: queue, logs, domains, mailboxes, addresses, filter, relay, settings");
    assert_diag(km, "E keys.yaml:8:3: unknown screen 'nosuch'; known screens: queue, logs");
    assert_diag(km, "E keys.yaml:11:12: unknown command 'kill-to-ed' in modes.prompt (did you "
                    "mean 'kill-to-end'?); modes.prompt takes: backward-char, forward-char");
    assert_diag(km, "E keys.yaml:13:14: unknown command 'accept' in modes.dialog");
    assert_diag(km, "modes.dialog takes: dialog-accept, dialog-cancel, next-button, prev-button");
    assert_diag(km, "E keys.yaml:14:3: unknown mode 'promt' (did you mean 'prompt'?)");
    assert_diag(km, "E keys.yaml:15:1: unknown section 'globl' (did you mean 'global'?)");
    assert_int_equal(count_diags(km, true), 9);      /* every error, not just the first */
    pn_keymap_free(km);
}

static void test_bad_keys_and_values(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_false(load(km, "keys.yaml",
                      "global:\n"
                      "  <C-?>: quit\n"
                      "  <Foo>: quit\n"
                      "  <C: quit\n"
                      "  abcde: quit\n"
                      "  <Resize>: redraw\n"
                      "  k:\n"
                      "  j: [down]\n"
                      "  l: \"\"\n"
                      "  m: search \"open\n"
                      "  ? [a, b]\n"
                      "  \"\": help\n"
                      "modes:\n"
                      "  prompt:\n"
                      "    a: cancel\n"
                      "    <Space>: cancel\n"
                      "    <C-x><C-x>: cancel\n"
                      "  form:\n"
                      "    x: submit\n"
                      "  dialog:\n"
                      "    y: dialog-accept\n"));
    assert_diag(km, "E keys.yaml:2:3: in global: bad key '<C-?>': Ctrl combines with a letter");
    assert_diag(km, "E keys.yaml:3:3: in global: unknown key name '<Foo>'");
    assert_diag(km, "E keys.yaml:4:3: in global: unterminated key name '<C'");
    assert_diag(km, "E keys.yaml:5:3: in global: key sequence 'abcde' is longer than 4 keys");
    assert_diag(km, "E keys.yaml:6:3: '<Resize>' cannot be bound");
    assert_diag(km, "E keys.yaml:7:5: expected a command for 'k' in global (write none to unbind");
    assert_diag(km, "E keys.yaml:8:6: expected a command for 'j'");
    assert_diag(km, "E keys.yaml:9:6: empty command in global");
    assert_diag(km, "E keys.yaml:10:6: bad command 'search \"open' in global: unterminated double "
                    "quote (opened at column 8)");
    assert_diag(km, "E keys.yaml:11:5: a key in global must be a key name");
    assert_diag(km, "E keys.yaml:12:3: in global: empty key");
    assert_diag(km, "E keys.yaml:15:5: 'a' cannot be bound in modes.prompt: it types a character");
    assert_diag(km, "E keys.yaml:16:5: '<Space>' cannot be bound in modes.prompt");
    assert_diag(km, "E keys.yaml:17:5: '<C-x><C-x>': modes.prompt binds single keys");
    assert_diag(km, "E keys.yaml:19:5: 'x' cannot be bound in modes.form");
    assert_int_equal(count_diags(km, true), 15);     /* y in dialogs is allowed */
    pn_keymap_clear_diags(km);
    assert_true(load(km, "d.yaml", "modes: {dialog: {y: dialog-accept}}"));
    pn_keymap_free(km);
}

static void test_yaml_problems(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_false(load(km, "k.yaml", "global:\n  q: quit\n  - x\n"));
    assert_diag(km, "E k.yaml:3:");
    assert_diag(km, "YAML syntax error");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global: &a {q: quit}\nscreens: {queue: *a}\n"));
    assert_diag(km, "E k.yaml:1:9: YAML anchors");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "- global\n"));
    assert_diag(km, "E k.yaml:1:1: a keymap is a mapping with the sections global, screens and "
                    "modes");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global: {q: quit}\n---\nglobal: {}\n"));
    assert_diag(km, "E k.yaml:2:1: only one YAML document");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global: quit\nscreens: [queue]\nmodes: 3\n"));
    assert_diag(km, "E k.yaml:1:9: global must be a mapping of key: command");
    assert_diag(km, "E k.yaml:2:10: screens must be a mapping");
    assert_diag(km, "E k.yaml:3:8: modes must be a mapping");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global: {}\nglobal: {}\n"));
    assert_diag(km, "E k.yaml:2:1: duplicate section 'global' (first at 1:1)");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global:\n  q: \"quit\\0x\"\n"));
    assert_diag(km, "E k.yaml:2:6: bad command in global: it contains a NUL character");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global:\n  q: quit\n  \xff: help\n"));
    assert_diag(km, "E k.yaml:3:3: invalid text");
    pn_keymap_clear_diags(km);
    assert_false(load(km, "k.yaml", "global:\n  q: quit\x1b[2J\n"));
    assert_null(strchr(pn_keymap_diags(km, NULL)[0].message, 0x1b));
    pn_keymap_clear_diags(km);
    /* empty documents are valid, empty keymaps */
    assert_true(load(km, "k.yaml", ""));
    assert_true(load(km, "k.yaml", "# nothing yet\n"));
    assert_true(load(km, "k.yaml", "global:\nscreens:\nmodes: {}\n"));
    assert_true(pn_keymap_load(km, NULL, NULL, 0, NULL));
    assert_no_diags(km);
    pn_keymap_free(km);
}

static void test_errors_leave_the_map_unchanged(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_false(load(km, "keys.yaml",
                      "global:\n"
                      "  q: help\n"          /* fine on its own */
                      "  Z: quit\n"
                      "screens:\n"
                      "  queue:\n"
                      "    D: none\n"
                      "    X: delte\n"));    /* the one error */
    assert_int_equal(count_diags(km, true), 1);
    assert_string_equal(bound(km, NULL, "q"), "quit");
    assert_null(bound(km, NULL, "Z"));
    assert_string_equal(bound(km, "queue", "D"), "delete");
    assert_string_equal(origin(km, NULL, "q"), "default.yaml:15:3");
    pn_keymap_free(km);
}

static void test_none_unbinds_and_hides_global(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_true(load(km, "keys.yaml",
                     "global:\n"
                     "  p: none\n"
                     "screens:\n"
                     "  logs:\n"
                     "    j: none\n"
                     "  queue:\n"
                     "    D: none\n"));
    assert_null(bound(km, NULL, "p"));
    assert_null(bound(km, "queue", "p"));
    assert_null(bound(km, "logs", "j"));                 /* hidden in logs */
    assert_string_equal(bound(km, "queue", "j"), "down");  /* still there elsewhere */
    assert_string_equal(bound(km, NULL, "j"), "down");
    assert_null(bound(km, "queue", "D"));
    pn_keyseq j = seq("j");
    const pn_binding *b;
    assert_int_equal(pn_keymap_lookup(km, "logs", &j, &b), PN_KM_NONE);
    assert_null(b);
    /* the none entry is listed, with its origin, for :keys */
    const pn_binding **list;
    size_t n = pn_keymap_section(km, "logs", &list);
    const pn_binding *none = NULL;
    for (size_t i = 0; i < n; i++)
        if (!list[i]->command)
            none = list[i];
    assert_non_null(none);
    assert_string_equal(none->section, "screens.logs");
    assert_string_equal(none->origin, "keys.yaml:5:5");
    free(list);
    /* a later file binds it again */
    assert_true(load(km, "more.yaml", "screens: {logs: {j: down}}\n"));
    assert_string_equal(bound(km, "logs", "j"), "down");
    assert_string_equal(origin(km, "logs", "j"), "more.yaml:1:18");
    pn_keymap_free(km);
}

static void test_prefix_clash_warning_names_the_shadowed_binding(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_true(load(km, "keys.yaml",
                     "global:\n"
                     "  x: redraw\n"
                     "  gg: first\n"
                     "screens:\n"
                     "  queue:\n"
                     "    jj: last\n"));
    assert_no_diags(km);                 /* clashes are found by the check */
    pn_keymap_check(km);
    assert_diag(km, "W keys.yaml:3:3: 'g' (goto) is shadowed by 'gg' (first) in global: after g "
                    "postern waits for the next key; bind one of them to another key (the other "
                    "binding is at default.yaml:19:3)");
    assert_diag(km, "W keys.yaml:6:5: 'j' (down) is shadowed by 'jj' (last) in screens.queue");
    assert_int_equal(count_diags(km, false), 2);
    assert_int_equal(count_diags(km, true), 0);
    /* checking again replaces the warnings instead of adding more */
    pn_keymap_check(km);
    assert_int_equal(count_diags(km, false), 2);

    /* lookup: the shorter binding waits; the caller gets it for a timeout */
    pn_keyseq g = seq("g"), gg = seq("gg"), gx = seq("gx");
    const pn_binding *b;
    assert_int_equal(pn_keymap_lookup(km, NULL, &g, &b), PN_KM_PREFIX);
    assert_non_null(b);
    assert_string_equal(b->command, "goto");
    assert_int_equal(pn_keymap_lookup(km, NULL, &gg, &b), PN_KM_FOUND);
    assert_string_equal(b->command, "first");
    assert_int_equal(pn_keymap_lookup(km, NULL, &gx, &b), PN_KM_NONE);
    assert_null(b);
    pn_keyseq j = seq("j");
    assert_int_equal(pn_keymap_lookup(km, "queue", &j, &b), PN_KM_PREFIX);
    assert_int_equal(pn_keymap_lookup(km, "logs", &j, &b), PN_KM_FOUND);

    /* the older binding is blamed when it is the newer one */
    pn_keymap *k2 = pn_keymap_new();
    assert_true(load(k2, "a.yaml", "global: {zz: quit}\n"));
    assert_true(load(k2, "b.yaml", "global:\n  z: help\n"));
    pn_keymap_check(k2);
    assert_diag(k2, "W b.yaml:2:3: 'z' (help) is shadowed by 'zz' (quit) in global");
    assert_diag(k2, "(the other binding is at a.yaml:1:10)");
    pn_keymap_free(k2);

    /* a screen that hides the short global key has no clash */
    pn_keymap *k3 = pn_keymap_new();
    assert_true(load(k3, "a.yaml", "global: {j: down}\nscreens: {queue: {j: none, jj: last}}\n"));
    pn_keymap_check(k3);
    assert_no_diags(k3);
    pn_keymap_free(k3);
    pn_keymap_free(km);
}

static void test_origins_after_layering(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char *path = pn_sprintf("%s/pn-keys-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *user = "global:\n"
                       "  q: none\n"
                       "  Q: q\n"
                       "  G: screen logs\n"
                       "screens:\n"
                       "  queue:\n"
                       "    <C-x>: hold\n";
    assert_int_equal(write(fd, user, strlen(user)), (ssize_t)strlen(user));
    close(fd);

    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_true(load_builtin(km, "vi"));
    assert_true(pn_keymap_load_file(km, path, screens));
    pn_keymap_check(km);
    assert_no_diags(km);

    pn_str want = PN_STR_INIT;
    assert_string_equal(origin(km, NULL, "j"), "default.yaml:43:3");
    assert_string_equal(origin(km, NULL, "gg"), "vi.yaml:10:3");
    assert_string_equal(origin(km, NULL, "h"), "vi.yaml:12:3");
    pn_str_appendf(&want, "%s:3:3", path);
    assert_string_equal(origin(km, NULL, "Q"), pn_str_cstr(&want));
    assert_string_equal(bound(km, NULL, "Q"), "quit");           /* alias stored canonical */
    pn_str_reset(&want);
    pn_str_appendf(&want, "%s:4:3", path);
    assert_string_equal(origin(km, NULL, "G"), pn_str_cstr(&want));  /* vi's G re-bound */
    assert_string_equal(bound(km, NULL, "G"), "screen logs");
    assert_string_equal(origin(km, "queue", "D"), "default.yaml:75:5");
    assert_string_equal(bound(km, "queue", "<C-x>"), "hold");
    assert_null(bound(km, NULL, "q"));

    /* the section lists every binding once, sorted by key name */
    const pn_binding **list;
    size_t n = pn_keymap_section(km, "global", &list);
    pn_str prev = PN_STR_INIT, cur = PN_STR_INIT;
    bool saw_q = false;
    for (size_t i = 0; i < n; i++) {
        pn_str_reset(&cur);
        pn_keyseq_name(&cur, &list[i]->seq);
        if (i > 0)
            assert_true(strcmp(pn_str_cstr(&prev), pn_str_cstr(&cur)) < 0);
        pn_str_set(&prev, pn_str_cstr(&cur));
        assert_string_equal(list[i]->section, "global");
        if (!strcmp(pn_str_cstr(&cur), "q")) {
            saw_q = true;
            assert_null(list[i]->command);
            pn_str_reset(&want);
            pn_str_appendf(&want, "%s:2:3", path);
            assert_string_equal(list[i]->origin, pn_str_cstr(&want));
        }
    }
    assert_true(saw_q);
    free(list);
    pn_str_free(&prev);
    pn_str_free(&cur);
    assert_int_equal(pn_keymap_section(km, "nosuch", &list), 0);
    assert_null(list);
    n = pn_keymap_section(km, "screens.queue", &list);
    assert_int_equal(n, 8);
    assert_string_equal(list[0]->command, "hold");   /* <C-x> sorts before the letters */
    assert_string_equal(list[1]->command, "delete");  /* D */
    free(list);
    pn_keymap_free(km);

    /* a file that is not there is an error diagnostic naming it */
    km = pn_keymap_new();
    unlink(path);
    assert_false(pn_keymap_load_file(km, path, screens));
    pn_str_reset(&want);
    pn_str_appendf(&want, "%s: cannot read the keymap: No such file or directory", path);
    assert_diag(km, pn_str_cstr(&want));
    pn_keymap_free(km);
    pn_str_free(&want);
    free(path);
}

static void test_unbind_flags_for_read_only(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_true(load(km, "keys.yaml", "global: {<F9>: delete, <F10>: q}\n"));
    pn_keymap_unbind_flags(km, PN_AF_DANGEROUS | PN_AF_WRITES);
    assert_null(bound(km, "queue", "D"));
    assert_null(bound(km, "queue", "H"));
    assert_null(bound(km, "queue", "F"));
    assert_null(bound(km, NULL, "<F9>"));
    assert_string_equal(bound(km, NULL, "q"), "quit");
    assert_string_equal(bound(km, NULL, "<F10>"), "quit");
    assert_string_equal(bound(km, "queue", "x"), "shape");
    assert_string_equal(bound(km, "modes.prompt", "<Enter>"), "accept");
    assert_null(pn_keymap_key_for(km, "queue", "delete"));
    pn_keymap_free(km);

    km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    pn_keymap_unbind_flags(km, PN_AF_DANGEROUS);      /* hold only WRITES: kept */
    assert_null(bound(km, "queue", "D"));
    assert_string_equal(bound(km, "queue", "H"), "hold");
    pn_keymap_free(km);
}

static void test_key_for_prefers_the_screen(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load_builtin(km, "default"));
    assert_true(load(km, "keys.yaml",
                     "global:\n"
                     "  <F8>: delete\n"
                     "screens:\n"
                     "  queue:\n"
                     "    <F7>: refresh\n"));
    const pn_binding *b = pn_keymap_key_for(km, "queue", "delete");
    assert_non_null(b);
    assert_string_equal(b->section, "screens.queue");
    pn_str name = PN_STR_INIT;
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "D");
    pn_str_reset(&name);
    b = pn_keymap_key_for(km, NULL, "delete");           /* global only */
    assert_non_null(b);
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "<F8>");
    pn_str_reset(&name);
    b = pn_keymap_key_for(km, "queue", "refresh");       /* the screen's own key wins */
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "<F7>");
    pn_str_reset(&name);
    b = pn_keymap_key_for(km, "logs", "refresh");        /* first in the file */
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "<F5>");
    pn_str_reset(&name);
    b = pn_keymap_key_for(km, "logs", "help");
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "?");
    pn_str_reset(&name);
    b = pn_keymap_key_for(km, "screens.queue", "screen logs");
    pn_keyseq_name(&name, &b->seq);
    assert_string_equal(pn_str_cstr(&name), "2");
    pn_str_free(&name);
    assert_null(pn_keymap_key_for(km, "logs", "delete-everything"));
    assert_null(pn_keymap_key_for(km, "logs", NULL));
    b = pn_keymap_key_for(km, "modes.dialog", "next-button");
    assert_non_null(b);
    assert_string_equal(b->section, "modes.dialog");
    pn_keymap_free(km);
}

static void test_dangerous_action_on_ctrl_key_warns(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load(km, "keys.yaml", "screens:\n  queue:\n    <C-d>: delete\n    <C-h>: hold\n"));
    assert_diag(km, "W keys.yaml:3:5: '<C-d>' puts the dangerous action 'delete' on a bare Ctrl "
                    "key");
    assert_int_equal(count_diags(km, false), 1);         /* hold is not dangerous */
    assert_string_equal(bound(km, "queue", "<C-d>"), "delete");
    pn_keymap_free(km);
}

static void test_lookup_edges(void **state)
{
    (void)state;
    pn_keymap *km = pn_keymap_new();
    assert_true(load(km, "k.yaml", "global: {<C-w>j: down, <Tab>: next-screen, <M-x>: command}\n"));
    pn_keyseq s = seq("<C-w>");
    const pn_binding *b;
    assert_int_equal(pn_keymap_lookup(km, NULL, &s, &b), PN_KM_PREFIX);
    assert_null(b);
    pn_keyseq raw = {{PN_KEY_CTRL('w'), 'j'}, 2};
    assert_int_equal(pn_keymap_lookup(km, "queue", &raw, &b), PN_KM_FOUND);
    pn_keyseq tab = {{0x09}, 1};                     /* what a terminal may give */
    assert_int_equal(pn_keymap_lookup(km, NULL, &tab, &b), PN_KM_FOUND);
    assert_string_equal(b->command, "next-screen");
    pn_keyseq empty = {{0}, 0};
    assert_int_equal(pn_keymap_lookup(km, NULL, &empty, &b), PN_KM_NONE);
    assert_int_equal(pn_keymap_lookup(km, NULL, NULL, &b), PN_KM_NONE);
    assert_int_equal(pn_keymap_lookup(km, "nosuch", &tab, NULL), PN_KM_FOUND);
    pn_keymap_free(km);
    pn_keymap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_keymaps_load_clean),
        cmocka_unit_test(test_duplicate_key_is_an_error_with_both_positions),
        cmocka_unit_test(test_unknown_names_are_errors_with_suggestions),
        cmocka_unit_test(test_bad_keys_and_values),
        cmocka_unit_test(test_yaml_problems),
        cmocka_unit_test(test_errors_leave_the_map_unchanged),
        cmocka_unit_test(test_none_unbinds_and_hides_global),
        cmocka_unit_test(test_prefix_clash_warning_names_the_shadowed_binding),
        cmocka_unit_test(test_origins_after_layering),
        cmocka_unit_test(test_unbind_flags_for_read_only),
        cmocka_unit_test(test_key_for_prefers_the_screen),
        cmocka_unit_test(test_dangerous_action_on_ctrl_key_warns),
        cmocka_unit_test(test_lookup_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
