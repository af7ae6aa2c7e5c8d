/* test_theme.c - unit tests of themes (tui/theme.c): the built-in themes,
 * what every theme must guarantee (cursor, danger and errors readable
 * without colour), the parser's colours and attributes, and its error
 * messages with name:line:column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "theme.h"

static const char *const builtins[] = {"dark", "light", "mono"};

static pn_theme *parse(const char *yaml, pn_err *err)
{
    return pn_theme_parse("t.yaml", yaml, strlen(yaml), err);
}

static void test_builtins_parse_clean(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        pn_err err = PN_ERR_INIT;
        pn_theme *t = pn_theme_builtin(builtins[i], &err);
        if (!t)
            fail_msg("%s: %s", builtins[i], pn_err_msg(&err));
        assert_string_equal(t->name, builtins[i]);
        assert_null(err.msg);
        pn_theme_free(t);
    }
    pn_err err = PN_ERR_INIT;
    assert_null(pn_theme_builtin("solarized", &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_non_null(strstr(pn_err_msg(&err), "'solarized'"));
    assert_non_null(strstr(pn_err_msg(&err), "dark, light, mono"));
    pn_err_clear(&err);
}

static void test_mono_has_no_colours_and_matches_defaults(void **state)
{
    (void)state;
    pn_theme *t = pn_theme_builtin("mono", NULL);
    pn_theme *def = pn_theme_fallback();
    assert_true(t->mono);
    assert_true(def->mono);
    for (int r = 0; r < PN_ROLE_COUNT; r++) {
        assert_int_equal(t->roles[r].fg, PN_COLOR_DEFAULT);
        assert_int_equal(t->roles[r].bg, PN_COLOR_DEFAULT);
        /* mono.yaml spells out the X-macro defaults, role by role. */
        assert_int_equal(t->roles[r].attrs, def->roles[r].attrs);
    }
    pn_theme_free(t);
    pn_theme_free(def);
    pn_theme *dark = pn_theme_builtin("dark", NULL);
    assert_false(dark->mono);
    pn_theme_free(dark);
}

static void test_every_theme_keeps_meaning_without_colour(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        pn_theme *t = pn_theme_builtin(builtins[i], NULL);
        assert_non_null(t);
        const pn_role_style *ro = t->roles;
        /* The cursor differs from a row by an attribute, not only colour. */
        assert_true(ro[PN_ROLE_ROW_CURSOR].attrs & PN_ATTR_REVERSE);
        assert_true(ro[PN_ROLE_ROW_CURSOR].attrs != ro[PN_ROLE_ROW].attrs);
        assert_true(ro[PN_ROLE_ROW_CURSOR_MARKED].attrs & PN_ATTR_REVERSE);
        assert_true(ro[PN_ROLE_ROW_CURSOR_MARKED].attrs != ro[PN_ROLE_ROW_CURSOR].attrs);
        assert_true(ro[PN_ROLE_ROW_MARKED].attrs != ro[PN_ROLE_ROW].attrs);
        assert_true(ro[PN_ROLE_BUTTON_FOCUS].attrs != ro[PN_ROLE_BUTTON].attrs);
        assert_true(ro[PN_ROLE_TAB_ACTIVE].attrs != ro[PN_ROLE_TAB].attrs);
        /* Danger and errors are bold. */
        assert_true(ro[PN_ROLE_DANGER].attrs & PN_ATTR_BOLD);
        assert_true(ro[PN_ROLE_ROW_ERROR].attrs & PN_ATTR_BOLD);
        assert_true(ro[PN_ROLE_STATUS_ERROR].attrs & PN_ATTR_BOLD);
        assert_true(ro[PN_ROLE_FORM_ERROR].attrs & PN_ATTR_BOLD);
        /* Every role has a name that parses back, and a sane style. */
        for (int r = 0; r < PN_ROLE_COUNT; r++) {
            pn_role back;
            assert_non_null(pn_role_name((pn_role)r));
            assert_true(pn_role_parse(pn_role_name((pn_role)r), &back));
            assert_int_equal(back, r);
            assert_true(ro[r].fg >= PN_COLOR_DEFAULT && ro[r].fg <= 255);
            assert_true(ro[r].bg >= PN_COLOR_DEFAULT && ro[r].bg <= 255);
            assert_int_equal(ro[r].attrs & ~31, 0);
        }
        pn_theme_free(t);
    }
    assert_null(pn_role_name(PN_ROLE_COUNT));
    assert_false(pn_role_parse("nope", NULL));
}

static void test_light_has_no_pale_text_on_default_background(void **state)
{
    (void)state;
    pn_theme *t = pn_theme_builtin("light", NULL);
    for (int r = 0; r < PN_ROLE_COUNT; r++) {
        if (t->roles[r].bg != PN_COLOR_DEFAULT)
            continue;
        int fg = t->roles[r].fg;
        if (fg == 3 || fg == 7 || fg == 11 || fg == 15)
            fail_msg("light: role %s has pale text (%d) on the default background",
                     pn_role_name((pn_role)r), fg);
    }
    pn_theme_free(t);
}

static void test_parse_colours_and_attributes(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    pn_theme *t = parse("name: mine\n"
                        "roles:\n"
                        "  title: { fg: bright-white, bg: 24, attrs: [bold, italic] }\n"
                        "  row-hold:\n"
                        "    fg: magenta\n"
                        "    attrs: underline\n"
                        "  status: {fg: default, bg: 0}\n"
                        "  normal:\n", &err);
    if (!t)
        fail_msg("%s", pn_err_msg(&err));
    assert_string_equal(t->name, "mine");
    assert_false(t->mono);
    assert_int_equal(t->roles[PN_ROLE_TITLE].fg, 15);
    assert_int_equal(t->roles[PN_ROLE_TITLE].bg, 24);
    assert_int_equal(t->roles[PN_ROLE_TITLE].attrs, PN_ATTR_BOLD | PN_ATTR_ITALIC);
    assert_int_equal(t->roles[PN_ROLE_ROW_HOLD].fg, 5);
    assert_int_equal(t->roles[PN_ROLE_ROW_HOLD].bg, PN_COLOR_DEFAULT);
    assert_int_equal(t->roles[PN_ROLE_ROW_HOLD].attrs, PN_ATTR_UNDERLINE);   /* replaces dim */
    assert_int_equal(t->roles[PN_ROLE_STATUS].fg, PN_COLOR_DEFAULT);
    assert_int_equal(t->roles[PN_ROLE_STATUS].bg, 0);
    /* Not named: the mono default. */
    assert_int_equal(t->roles[PN_ROLE_ROW_CURSOR].attrs, PN_ATTR_REVERSE);
    assert_int_equal(t->roles[PN_ROLE_ROW_CURSOR].fg, PN_COLOR_DEFAULT);
    pn_theme_free(t);

    /* No name: the given one; no colours: mono. */
    t = parse("roles: { row: { attrs: [dim] } }\n", &err);
    assert_non_null(t);
    assert_string_equal(t->name, "t.yaml");
    assert_true(t->mono);
    pn_theme_free(t);

    int c;
    assert_true(pn_color_parse("255", &c));
    assert_int_equal(c, 255);
    assert_true(pn_color_parse("bright-black", &c));
    assert_int_equal(c, 8);
    assert_true(pn_color_parse("default", &c));
    assert_int_equal(c, PN_COLOR_DEFAULT);
    assert_false(pn_color_parse("256", &c));
    assert_false(pn_color_parse("-1", &c));
    assert_false(pn_color_parse("012", &c));
    assert_false(pn_color_parse("12a", &c));
    assert_false(pn_color_parse("Red", &c));
    int a;
    assert_true(pn_attr_parse("reverse", &a));
    assert_int_equal(a, PN_ATTR_REVERSE);
    assert_false(pn_attr_parse("blink", &a));
}

/* Each bad theme and the message it must give (a substring, starting with
 * name:line:col). */
static const struct {
    const char *yaml;
    const char *msg;
} bad[] = {
    {"name: x\nroles:\n  row-cursr: { attrs: [reverse] }\n",
     "t.yaml:3:3: unknown role 'row-cursr' (did you mean 'row-cursor'?)"},
    {"roles:\n  zzzzzzzzzz: {}\n", "t.yaml:2:3: unknown role 'zzzzzzzzzz' (roles: normal, title,"},
    {"roles:\n  title: { fg: pink }\n", "t.yaml:2:16: role 'title': unknown colour 'pink' for fg"},
    {"roles:\n  title: { bg: 300 }\n", "t.yaml:2:16: role 'title': unknown colour '300' for bg"},
    {"roles:\n  title:\n    attrs: [bold, blink]\n",
     "t.yaml:3:19: role 'title': unknown attribute 'blink'"},
    {"roles:\n  title: { colour: red }\n", "t.yaml:2:12: role 'title': unknown key 'colour'"},
    {"roles:\n  title: {}\n  title: {}\n", "t.yaml:3:3: role 'title' given twice"},
    {"roles:\n  title: { fg: red, fg: blue }\n", "t.yaml:2:21: role 'title': 'fg' given twice"},
    {"roles:\n  title: red\n", "t.yaml:2:10: role 'title': expected a mapping"},
    {"name: x\nmono: true\nroles:\n  row: { fg: red }\n",
     "t.yaml:4:14: role 'row': a mono theme sets no colours (fg: red)"},
    {"mono: maybe\n", "t.yaml:1:7: 'mono' must be true or false"},
    {"name: x\ncolours: {}\n", "t.yaml:2:1: unknown key 'colours'"},
    {"- a\n- b\n", "t.yaml:1:1: a theme is a mapping"},
    {"roles: [title]\n", "t.yaml:1:8: 'roles' must be a mapping"},
    {"roles:\n  title: { fg: red\n", "t.yaml:3:1: YAML syntax error"},
    {"", "t.yaml: the theme is empty"},
};

static void test_errors_name_line_column_and_role(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pn_err err = PN_ERR_INIT;
        pn_theme *t = parse(bad[i].yaml, &err);
        if (t)
            fail_msg("case %zu parsed", i);
        if (strncmp(pn_err_msg(&err), bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, pn_err_msg(&err), bad[i].msg);
        assert_int_equal(err.code, PN_E_CONFIG);
        pn_err_clear(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins_parse_clean),
        cmocka_unit_test(test_mono_has_no_colours_and_matches_defaults),
        cmocka_unit_test(test_every_theme_keeps_meaning_without_colour),
        cmocka_unit_test(test_light_has_no_pale_text_on_default_background),
        cmocka_unit_test(test_parse_colours_and_attributes),
        cmocka_unit_test(test_errors_name_line_column_and_role),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
