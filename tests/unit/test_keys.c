/* test_keys.c - unit tests of tui/keys.c: key names, aliases, Ctrl/Alt
 * keys, sequences and the errors for bad names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "util/err.h"
#include "util/str.h"

/* Parse one whole key name; fails the test when it does not parse. */
static pn_key key_of(const char *name)
{
    pn_keyseq s;
    pn_err err = PN_ERR_INIT;
    if (!pn_keyseq_parse(name, &s, &err))
        fail_msg("'%s' does not parse: %s", name, pn_err_msg(&err));
    assert_int_equal(s.n, 1);
    return s.keys[0];
}

/* Canonical name of a key; the caller frees it. */
static char *name_of(pn_key k)
{
    pn_str s = PN_STR_INIT;
    pn_key_name(&s, k);
    return pn_str_steal(&s);
}

static void assert_name(pn_key k, const char *expected)
{
    char *n = name_of(k);
    assert_string_equal(n, expected);
    free(n);
}

/* An error whose message contains `part`. */
static void assert_bad(const char *text, const char *part)
{
    pn_keyseq s;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_keyseq_parse(text, &s, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    if (!strstr(pn_err_msg(&err), part))
        fail_msg("error for '%s' is '%s', expected it to contain '%s'", text, pn_err_msg(&err),
                 part);
    pn_err_clear(&err);
}

static void test_canonical_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "<Space>", "<Enter>", "<Esc>", "<Tab>", "<S-Tab>", "<BS>", "<Del>", "<Ins>",
        "<Up>", "<Down>", "<Left>", "<Right>", "<PgUp>", "<PgDn>", "<Home>", "<End>",
        "<F1>", "<F2>", "<F3>", "<F4>", "<F5>", "<F6>", "<F7>", "<F8>", "<F9>", "<F10>",
        "<F11>", "<F12>", "<C-Space>", "<lt>", "<Resize>", "<EOF>",
        "<C-a>", "<C-r>", "<C-z>", "<C-\\>", "<C-]>", "<C-^>", "<C-_>",
        "<M-x>", "<M-X>", "<M-Up>", "<M-C-r>", "<M-Space>", "<M-lt>", "<M-gt>", "<M-->",
        "<M-Enter>", "<M-S-Tab>", "<M-C-Space>", "<M-é>", "<M-|>",
        "a", "A", "z", "Z", "0", "9", "?", "/", ":", "*", ">", "|", "-", "~", "\"", "'",
        "é", "ß", "日", "€",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        pn_key k = key_of(names[i]);
        char *n = name_of(k);
        if (strcmp(n, names[i]) != 0)
            fail_msg("'%s' prints back as '%s'", names[i], n);
        assert_int_equal(key_of(n), k);
        free(n);
    }
}

/* Every key code a terminal can give prints a name that reads back as the
 * same key (after normalising raw control bytes). */
static void test_every_key_code_round_trips(void **state)
{
    (void)state;
    pn_key codes[600];
    size_t n = 0;
    for (pn_key k = PN_KEY_UP; k <= PN_KEY_C_SPACE; k++)
        codes[n++] = k;
    for (pn_key k = 1; k < 0x20; k++)
        codes[n++] = k;
    for (pn_key k = 0x20; k < 0x7F; k++)
        codes[n++] = k;
    codes[n++] = 0x7F;
    codes[n++] = 0xE9;     /* é */
    codes[n++] = 0x65E5;   /* 日 */
    codes[n++] = 0x1F600;  /* emoji */
    size_t plain = n;
    for (size_t i = 0; i < plain; i++)
        codes[n++] = codes[i] | PN_KEY_ALT;
    assert_true(n <= sizeof(codes) / sizeof(codes[0]));

    for (size_t i = 0; i < n; i++) {
        pn_key k = codes[i];
        if (k == 0 || (k & ~PN_KEY_ALT) == 0)
            continue;
        if ((k & PN_KEY_ALT) && ((k & ~PN_KEY_ALT) == PN_KEY_RESIZE ||
                                 (k & ~PN_KEY_ALT) == PN_KEY_EOF ||
                                 (k & ~PN_KEY_ALT) == PN_KEY_C_SPACE))
            continue;      /* events take no Alt; <M-C-Space> is checked below */
        char *name = name_of(k);
        pn_keyseq s;
        pn_err err = PN_ERR_INIT;
        if (!pn_keyseq_parse(name, &s, &err))
            fail_msg("key 0x%X prints as '%s' which does not parse: %s", (unsigned)k, name,
                     pn_err_msg(&err));
        assert_int_equal(s.n, 1);
        if (s.keys[0] != pn_key_normalize(k))
            fail_msg("key 0x%X prints as '%s' which reads back as 0x%X", (unsigned)k, name,
                     (unsigned)s.keys[0]);
        free(name);
    }
    assert_int_equal(key_of("<M-C-Space>"), PN_KEY_C_SPACE | PN_KEY_ALT);
}

static void test_aliases_read_canonical_printed(void **state)
{
    (void)state;
    static const struct {
        const char *alias, *canonical;
    } cases[] = {
        {"<CR>", "<Enter>"}, {"<Return>", "<Enter>"}, {"<return>", "<Enter>"},
        {"<ENTER>", "<Enter>"}, {"<Escape>", "<Esc>"}, {"<esc>", "<Esc>"},
        {"<PageUp>", "<PgUp>"}, {"<pagedown>", "<PgDn>"}, {"<PGDN>", "<PgDn>"},
        {"<Backspace>", "<BS>"}, {"<bs>", "<BS>"}, {"<Delete>", "<Del>"}, {"<Insert>", "<Ins>"},
        {"<BTab>", "<S-Tab>"}, {"<backtab>", "<S-Tab>"}, {"<s-tab>", "<S-Tab>"},
        {"<c-r>", "<C-r>"}, {"<C-R>", "<C-r>"}, {"<A-x>", "<M-x>"}, {"<m-x>", "<M-x>"},
        {"<SPACE>", "<Space>"}, {"<f5>", "<F5>"}, {"<LT>", "<lt>"}, {"<gt>", ">"},
        {"<Bar>", "|"}, {"<c-space>", "<C-Space>"}, {"<C-M-r>", "<M-C-r>"},
        {"<M-c-R>", "<M-C-r>"}, {"<a-lt>", "<M-lt>"}, {"<M-Tab>", "<M-Tab>"},
        {"<M-S-tab>", "<M-S-Tab>"}, {"<home>", "<Home>"}, {"<eof>", "<EOF>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pn_key k = key_of(cases[i].alias);
        char *n = name_of(k);
        if (strcmp(n, cases[i].canonical) != 0)
            fail_msg("'%s' prints as '%s', expected '%s'", cases[i].alias, n, cases[i].canonical);
        free(n);
    }
}

static void test_ctrl_keys_and_terminal_bytes(void **state)
{
    (void)state;
    assert_int_equal(key_of("<C-a>"), 0x01);
    assert_int_equal(key_of("<C-r>"), 0x12);
    assert_int_equal(key_of("<C-z>"), 0x1A);
    /* the bytes a terminal sends for Tab, Enter, Esc are those keys */
    assert_int_equal(key_of("<C-i>"), PN_KEY_TAB);
    assert_int_equal(key_of("<C-m>"), PN_KEY_ENTER);
    assert_int_equal(key_of("<C-[>"), PN_KEY_ESC);
    assert_int_equal(key_of("<M-C-i>"), PN_KEY_TAB | PN_KEY_ALT);
    /* ... but <C-j> (LF) and <C-h> (^H) stay separate */
    assert_int_equal(key_of("<C-j>"), 0x0A);
    assert_int_not_equal(key_of("<C-j>"), PN_KEY_ENTER);
    assert_int_equal(key_of("<C-h>"), 0x08);
    assert_int_not_equal(key_of("<C-h>"), PN_KEY_BS);
    assert_int_equal(pn_key_normalize(0x09), PN_KEY_TAB);
    assert_int_equal(pn_key_normalize(0x0D), PN_KEY_ENTER);
    assert_int_equal(pn_key_normalize(0x1B), PN_KEY_ESC);
    assert_int_equal(pn_key_normalize(0x7F), PN_KEY_BS);
    assert_int_equal(pn_key_normalize(0x7F | PN_KEY_ALT), PN_KEY_BS | PN_KEY_ALT);
    assert_int_equal(pn_key_normalize('x'), 'x');
    assert_int_equal(pn_key_normalize(0x0A), 0x0A);
    assert_name(0x09, "<Tab>");
    assert_name(0x0D, "<Enter>");
    assert_name(0x7F, "<BS>");
    assert_name(PN_KEY_CTRL('r'), "<C-r>");
    assert_name(' ', "<Space>");
    assert_name('<', "<lt>");
    assert_name('x' | PN_KEY_ALT, "<M-x>");
    /* case: Ctrl folds it, Alt keeps it, plain letters keep it */
    assert_int_equal(key_of("<C-R>"), key_of("<C-r>"));
    assert_int_not_equal(key_of("<M-X>"), key_of("<M-x>"));
    assert_int_not_equal(key_of("N"), key_of("n"));
    /* printable: what types a character */
    assert_true(pn_key_is_printable('a'));
    assert_true(pn_key_is_printable(' '));
    assert_true(pn_key_is_printable(0xE9));
    assert_false(pn_key_is_printable('a' | PN_KEY_ALT));
    assert_false(pn_key_is_printable(PN_KEY_CTRL('a')));
    assert_false(pn_key_is_printable(PN_KEY_UP));
    assert_false(pn_key_is_printable(0x85));
}

static void test_sequences(void **state)
{
    (void)state;
    pn_keyseq s, t;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_keyseq_parse("gg", &s, &err));
    assert_int_equal(s.n, 2);
    assert_int_equal(s.keys[0], 'g');
    assert_int_equal(s.keys[1], 'g');
    assert_true(pn_keyseq_parse("<C-w>j", &s, &err));
    assert_int_equal(s.n, 2);
    assert_int_equal(s.keys[0], PN_KEY_CTRL('w'));
    assert_int_equal(s.keys[1], 'j');
    assert_true(pn_keyseq_parse("a<Up><c-x>é", &s, &err));
    assert_int_equal(s.n, 4);
    assert_int_equal(s.keys[3], 0xE9);
    pn_str name = PN_STR_INIT;
    pn_keyseq_name(&name, &s);
    assert_string_equal(pn_str_cstr(&name), "a<Up><C-x>é");
    assert_true(pn_keyseq_parse(pn_str_cstr(&name), &t, &err));
    assert_true(pn_keyseq_equal(&s, &t));
    pn_str_free(&name);
    assert_true(pn_keyseq_parse("<lt><lt>><gt>", &s, &err));
    assert_int_equal(s.n, 4);
    pn_keyseq_name(&name, &s);
    assert_string_equal(pn_str_cstr(&name), "<lt><lt>>>");
    pn_str_free(&name);

    /* prefix and equality */
    pn_keyseq g, gg, gx, tab;
    assert_true(pn_keyseq_parse("g", &g, NULL));
    assert_true(pn_keyseq_parse("gg", &gg, NULL));
    assert_true(pn_keyseq_parse("gx", &gx, NULL));
    assert_true(pn_keyseq_is_prefix(&g, &gg));
    assert_false(pn_keyseq_is_prefix(&gg, &g));
    assert_false(pn_keyseq_is_prefix(&gg, &gg));
    assert_false(pn_keyseq_is_prefix(&gg, &gx));
    assert_false(pn_keyseq_equal(&gg, &gx));
    assert_true(pn_keyseq_parse("<C-i>", &tab, NULL));
    pn_keyseq raw = {{0x09}, 1};
    assert_true(pn_keyseq_equal(&tab, &raw));   /* the raw byte matches <Tab> */

    /* pn_key_parse advances over one key */
    const char *p = "<C-r>x";
    pn_key k;
    assert_true(pn_key_parse(&p, &k, &err));
    assert_int_equal(k, 0x12);
    assert_string_equal(p, "x");
    p = "éz";
    assert_true(pn_key_parse(&p, &k, &err));
    assert_int_equal(k, 0xE9);
    assert_string_equal(p, "z");
    pn_err_clear(&err);
}

static void test_bad_names_are_errors_naming_the_key(void **state)
{
    (void)state;
    assert_bad("<C-?>", "'<C-?>'");
    assert_bad("<C-?>", "Ctrl combines with a letter");
    assert_bad("<Foo>", "unknown key name '<Foo>'");
    assert_bad("<C", "unterminated key name '<C'");
    assert_bad("<C", "<lt>");
    assert_bad("<", "unterminated key name '<'");
    assert_bad("a<C-r", "unterminated key name '<C-r'");
    assert_bad("<C<Up>", "unterminated key name '<C'");
    assert_bad("<>", "a key name is missing");
    assert_bad("<C->", "unknown key name '<C->'");
    assert_bad("<M-->x<M->", "'<M->'");
    assert_bad("<S-a>", "Shift only combines with Tab");
    assert_bad("<S-Up>", "Shift only combines with Tab");
    assert_bad("<C-Up>", "'<C-Up>'");
    assert_bad("<C-1>", "'<C-1>'");
    assert_bad("<C-C-a>", "modifier is repeated");
    assert_bad("<x>", "written without < >");
    assert_bad("<M-Resize>", "takes no modifier");
    assert_bad(" ", "<Space>");
    assert_bad("a b", "<Space>");
    assert_bad("\x12", "U+0012");
    assert_bad("\x12", "<C-r>");
    assert_bad("\t", "<Tab>");
    assert_bad("\x7f", "U+007F");
    assert_bad("\xc2\x85", "U+0085");
    assert_bad("\xe2\x80\xae", "U+202E");      /* bidi override */
    assert_bad("\xff", "invalid UTF-8");
    assert_bad("\xc3", "invalid UTF-8");       /* truncated é */
    assert_bad("", "empty key");
    assert_bad("abcde", "longer than 4 keys");
    assert_bad("<F13>", "'<F13>'");
    assert_bad("<Foo\x1b[31m>", "unknown key name");
    pn_keyseq s;
    assert_false(pn_keyseq_parse(NULL, &s, NULL));
    /* the escape sequence in a bad name is not copied into the message */
    pn_err err = PN_ERR_INIT;
    assert_false(pn_keyseq_parse("<Foo\x1b[31m>", &s, &err));
    assert_null(strchr(pn_err_msg(&err), 0x1b));
    pn_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_names_round_trip),
        cmocka_unit_test(test_every_key_code_round_trips),
        cmocka_unit_test(test_aliases_read_canonical_printed),
        cmocka_unit_test(test_ctrl_keys_and_terminal_bytes),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_bad_names_are_errors_naming_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
