/* test_lineedit.c - unit tests of the line editor (tui/lineedit.c): UTF-8
 * insertion and cursor moves, every editing command by key and by name,
 * history walks, control characters, the length limit and completion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "lineedit.h"

static void type(pn_lineedit *le, const char *s)
{
    /* Feed one key per code point (ASCII or the multi-byte ones used here). */
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n;
        if (*p < 0x80) { cp = *p; n = 1; }
        else if ((*p & 0xE0) == 0xC0) { cp = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F); n = 2; }
        else if ((*p & 0xF0) == 0xE0) {
            cp = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F); n = 3;
        } else {
            cp = (uint32_t)(*p & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
                 (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F); n = 4;
        }
        assert_int_equal(pn_lineedit_key(le, cp), PN_LE_CONTINUE);
        p += n;
    }
}

static const char *txt(const pn_lineedit *le)
{
    return pn_str_cstr(&le->text);
}

static void test_insert_utf8_and_move(void **state)
{
    (void)state;
    pn_lineedit le;
    pn_lineedit_init(&le, NULL, NULL);
    assert_string_equal(txt(&le), "");
    assert_false(le.changed);
    type(&le, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");   /* "café 日本" */
    assert_true(le.changed);
    assert_string_equal(txt(&le), "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
    assert_int_equal(le.cursor, 12);
    assert_int_equal(pn_lineedit_cursor_col(&le), 9);     /* 4 + 1 + 2*2 */
    pn_lineedit_key(&le, PN_KEY_LEFT);                    /* before 本 */
    assert_int_equal(le.cursor, 9);
    assert_int_equal(pn_lineedit_cursor_col(&le), 7);
    pn_lineedit_key(&le, PN_KEY_LEFT);
    pn_lineedit_key(&le, PN_KEY_LEFT);                    /* before the space */
    assert_int_equal(le.cursor, 5);
    pn_lineedit_key(&le, PN_KEY_LEFT);                    /* before é (2 bytes) */
    assert_int_equal(le.cursor, 3);
    assert_int_equal(pn_lineedit_cursor_col(&le), 3);
    type(&le, "\xc3\xa8");                                /* è in the middle */
    assert_string_equal(txt(&le), "caf\xc3\xa8\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
    assert_int_equal(le.cursor, 5);
    pn_lineedit_key(&le, PN_KEY_RIGHT);
    assert_int_equal(le.cursor, 7);
    pn_lineedit_key(&le, PN_KEY_END);
    pn_lineedit_key(&le, PN_KEY_RIGHT);                   /* clamps at the end */
    assert_int_equal(le.cursor, le.text.len);
    pn_lineedit_key(&le, PN_KEY_HOME);
    pn_lineedit_key(&le, PN_KEY_LEFT);                    /* clamps at the start */
    assert_int_equal(le.cursor, 0);
    /* An emoji outside the BMP. */
    pn_lineedit_set(&le, "");
    type(&le, "\xf0\x9f\x93\xa7x");                       /* 📧x */
    pn_lineedit_key(&le, PN_KEY_LEFT);
    pn_lineedit_key(&le, PN_KEY_LEFT);
    assert_int_equal(le.cursor, 0);
    pn_lineedit_key(&le, PN_KEY_DEL);
    assert_string_equal(txt(&le), "x");
    pn_lineedit_free(&le);
}

/* Each command through its built-in key and through its name. */
typedef struct {
    const char *name;
    pn_key key;
    const char *before;   /* '|' marks the cursor */
    const char *after;
} edit_case;

static void load(pn_lineedit *le, const char *marked)
{
    const char *bar = strchr(marked, '|');
    pn_str s = PN_STR_INIT;
    pn_str_appendn(&s, marked, (size_t)(bar - marked));
    pn_str_append(&s, bar + 1);
    pn_lineedit_set(le, pn_str_cstr(&s));
    le->cursor = (size_t)(bar - marked);
    pn_str_free(&s);
}

static void check_marked(const pn_lineedit *le, const char *marked)
{
    pn_str s = PN_STR_INIT;
    pn_str_appendn(&s, txt(le), le->cursor);
    pn_str_append(&s, "|");
    pn_str_append(&s, txt(le) + le->cursor);
    assert_string_equal(pn_str_cstr(&s), marked);
    pn_str_free(&s);
}

static const edit_case edit_cases[] = {
    {"backward-char", PN_KEY_LEFT, "ab|c", "a|bc"},
    {"backward-char", PN_KEY_CTRL('b'), "\xc3\xa9|", "|\xc3\xa9"},
    {"forward-char", PN_KEY_RIGHT, "a|bc", "ab|c"},
    {"forward-char", PN_KEY_CTRL('f'), "|\xe6\x97\xa5x", "\xe6\x97\xa5|x"},
    {"backward-word", PN_KEY_ALT | 'b', "foo bar-baz  |", "foo bar-|baz  "},
    {"backward-word", PN_KEY_ALT | 'b', "foo |bar", "|foo bar"},
    {"forward-word", PN_KEY_ALT | 'f', "|foo bar", "foo| bar"},
    {"forward-word", PN_KEY_ALT | 'f', "foo| d\xc3\xa9j\xc3\xa0.x", "foo d\xc3\xa9j\xc3\xa0|.x"},
    {"beginning-of-line", PN_KEY_HOME, "abc|", "|abc"},
    {"beginning-of-line", PN_KEY_CTRL('a'), "ab|c", "|abc"},
    {"end-of-line", PN_KEY_END, "|abc", "abc|"},
    {"end-of-line", PN_KEY_CTRL('e'), "a|bc", "abc|"},
    {"delete-backward-char", PN_KEY_BS, "ab\xc3\xa9|c", "ab|c"},
    {"delete-backward-char", 0x7f, "|abc", "|abc"},
    {"delete-char", PN_KEY_DEL, "a|\xe6\x97\xa5" "c", "a|c"},
    {"delete-char", PN_KEY_CTRL('d'), "abc|", "abc|"},
    {"kill-to-start", PN_KEY_CTRL('u'), "queue de|lete", "|lete"},
    {"kill-to-end", PN_KEY_CTRL('k'), "queue de|lete", "queue de|"},
    {"kill-word-backward", PN_KEY_CTRL('w'), "sort age  |x", "sort |x"},
    {"kill-word-backward", PN_KEY_CTRL('w'), "a/b.c-d|", "|"},
};

static void test_every_command_by_key_and_name(void **state)
{
    (void)state;
    pn_lineedit le;
    pn_lineedit_init(&le, NULL, NULL);
    for (size_t i = 0; i < sizeof(edit_cases) / sizeof(edit_cases[0]); i++) {
        const edit_case *c = &edit_cases[i];
        load(&le, c->before);
        assert_int_equal(pn_lineedit_key(&le, c->key), PN_LE_CONTINUE);
        check_marked(&le, c->after);
        load(&le, c->before);
        assert_int_equal(pn_lineedit_exec(&le, c->name), PN_LE_CONTINUE);
        check_marked(&le, c->after);
    }
    /* The result commands. */
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_ENTER), PN_LE_ACCEPT);
    assert_int_equal(pn_lineedit_exec(&le, "accept"), PN_LE_ACCEPT);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_ESC), PN_LE_CANCEL);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_CTRL('c')), PN_LE_CANCEL);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_CTRL('g')), PN_LE_CANCEL);
    assert_int_equal(pn_lineedit_exec(&le, "cancel"), PN_LE_CANCEL);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_TAB), PN_LE_COMPLETE);
    assert_int_equal(pn_lineedit_exec(&le, "complete"), PN_LE_COMPLETE);
    assert_int_equal(pn_lineedit_exec(&le, "no-such-command"), PN_LE_IGNORED);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_F5), PN_LE_IGNORED);
    /* Every name resolves and round-trips. */
    for (int i = 0; i < PN_EDIT_COUNT; i++) {
        pn_edit_cmd c;
        assert_true(pn_edit_cmd_parse(pn_edit_cmd_name((pn_edit_cmd)i), &c));
        assert_int_equal(c, i);
    }
    assert_null(pn_edit_cmd_name(PN_EDIT_COUNT));
    pn_lineedit_free(&le);
}

static void test_history_walk_keeps_typed_line(void **state)
{
    (void)state;
    pn_history h = {PN_ARGV_INIT, 3};
    pn_history_add(&h, "one");
    pn_history_add(&h, "");          /* skipped */
    pn_history_add(&h, "two");
    pn_history_add(&h, "two");       /* consecutive repeat skipped */
    pn_history_add(&h, "three");
    pn_history_add(&h, "four");      /* bounded: "one" goes */
    assert_int_equal(h.items.n, 3);
    assert_string_equal(h.items.v[0], "two");
    assert_string_equal(h.items.v[2], "four");
    assert_null(h.items.v[3]);

    pn_lineedit le;
    pn_lineedit_init(&le, NULL, &h);
    type(&le, "draft");
    pn_lineedit_key(&le, PN_KEY_UP);
    assert_string_equal(txt(&le), "four");
    assert_int_equal(le.cursor, 4);
    pn_lineedit_exec(&le, "history-prev");
    assert_string_equal(txt(&le), "three");
    pn_lineedit_key(&le, PN_KEY_UP);
    pn_lineedit_key(&le, PN_KEY_UP);                 /* stays at the oldest */
    assert_string_equal(txt(&le), "two");
    pn_lineedit_key(&le, PN_KEY_DOWN);
    assert_string_equal(txt(&le), "three");
    pn_lineedit_exec(&le, "history-next");
    assert_string_equal(txt(&le), "four");
    pn_lineedit_key(&le, PN_KEY_DOWN);               /* back to the typed line */
    assert_string_equal(txt(&le), "draft");
    assert_int_equal(le.hist_pos, -1);
    pn_lineedit_key(&le, PN_KEY_DOWN);               /* nothing below it */
    assert_string_equal(txt(&le), "draft");
    pn_lineedit_free(&le);

    /* No history at all: Up and Down change nothing. */
    pn_lineedit_init(&le, "x", NULL);
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_UP), PN_LE_CONTINUE);
    assert_string_equal(txt(&le), "x");
    pn_lineedit_free(&le);
    pn_history_free(&h);

    pn_history big = {PN_ARGV_INIT, 0};              /* 0 = 200 */
    for (int i = 0; i < 250; i++) {
        char b[16];
        snprintf(b, sizeof(b), "cmd%d", i);
        pn_history_add(&big, b);
    }
    assert_int_equal(big.items.n, 200);
    assert_string_equal(big.items.v[0], "cmd50");
    pn_history_free(&big);
}

static void test_control_characters_never_inserted(void **state)
{
    (void)state;
    pn_lineedit le;
    pn_lineedit_init(&le, "a\x1b[31mb\x07" "c\r\n", NULL);
    assert_string_equal(txt(&le), "a[31mbc");
    assert_int_equal(pn_lineedit_key(&le, 0x1b), PN_LE_IGNORED);
    assert_int_equal(pn_lineedit_key(&le, 0x01 + 'z' - 'a'), PN_LE_IGNORED);   /* C-z */
    assert_int_equal(pn_lineedit_key(&le, 0x85), PN_LE_IGNORED);               /* C1 NEL */
    assert_int_equal(pn_lineedit_key(&le, 0x202E), PN_LE_IGNORED);             /* bidi RLO */
    assert_int_equal(pn_lineedit_key(&le, 0xD800), PN_LE_IGNORED);             /* surrogate */
    assert_int_equal(pn_lineedit_key(&le, PN_KEY_ALT | 'x'), PN_LE_IGNORED);
    assert_string_equal(txt(&le), "a[31mbc");
    pn_lineedit_set(&le, "x\ty\xff" "z");                 /* tab and a bad byte dropped */
    assert_string_equal(txt(&le), "xyz");
    assert_int_equal(le.cursor, 3);
    assert_true(pn_lineedit_insert(&le, "\x1b"));         /* dropped; nothing lost to the limit */
    assert_true(pn_lineedit_insert(&le, "!\x01"));
    assert_string_equal(txt(&le), "xyz!");
    pn_lineedit_free(&le);
}

static void test_max_len_never_splits(void **state)
{
    (void)state;
    pn_lineedit le;
    pn_lineedit_init(&le, NULL, NULL);
    le.max_len = 5;
    type(&le, "abc");
    assert_int_equal(pn_lineedit_key(&le, 0x65E5), PN_LE_CONTINUE);   /* 日: 3 bytes, no room */
    assert_string_equal(txt(&le), "abc");
    type(&le, "\xc3\xa9");                                           /* é: 2 bytes fits */
    assert_string_equal(txt(&le), "abc\xc3\xa9");
    type(&le, "x");                                                  /* full */
    assert_int_equal(le.text.len, 5);
    pn_lineedit_set(&le, "\xe6\x97\xa5\xe6\x9c\xac");                /* 6 bytes: cut to 日 */
    assert_string_equal(txt(&le), "\xe6\x97\xa5");
    pn_lineedit_set(&le, "ab");
    assert_false(pn_lineedit_insert(&le, "\xc3\xa9\xc3\xa9"));       /* only one é fits */
    assert_string_equal(txt(&le), "ab\xc3\xa9");
    pn_lineedit_free(&le);

    /* Default limit is 4096 bytes. */
    pn_lineedit_init(&le, NULL, NULL);
    for (int i = 0; i < 5000; i++)
        pn_lineedit_key(&le, 'a' + i % 26);
    assert_int_equal(le.text.len, 4096);
    pn_lineedit_free(&le);
}

static void test_replace_word_for_completion(void **state)
{
    (void)state;
    pn_lineedit le;
    pn_lineedit_init(&le, "sort ag", NULL);
    le.changed = false;
    pn_lineedit_replace_word(&le, "age");
    assert_string_equal(txt(&le), "sort age");
    assert_int_equal(le.cursor, 8);
    assert_true(le.changed);
    load(&le, "qu| extra");
    pn_lineedit_replace_word(&le, "queue");
    check_marked(&le, "queue| extra");
    load(&le, "sort |");                                 /* empty word: insert */
    pn_lineedit_replace_word(&le, "size");
    check_marked(&le, "sort size|");
    load(&le, "x d\xc3\xa9|");
    pn_lineedit_replace_word(&le, "d\xc3\xa9ja\x07");      /* control char dropped */
    check_marked(&le, "x d\xc3\xa9ja|");
    pn_lineedit_free(&le);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_utf8_and_move),
        cmocka_unit_test(test_every_command_by_key_and_name),
        cmocka_unit_test(test_history_walk_keeps_typed_line),
        cmocka_unit_test(test_control_characters_never_inserted),
        cmocka_unit_test(test_max_len_never_splits),
        cmocka_unit_test(test_replace_word_for_completion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
