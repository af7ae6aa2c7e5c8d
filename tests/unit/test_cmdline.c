/* test_cmdline.c - unit tests of the ':' command line (tui/cmdline.c) and
 * the action table it resolves names in (tui/action.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "cmdline.h"
#include "util/argv.h"
#include "util/err.h"
#include "util/str.h"

static const char *const screens[] = {"queue", "logs", "domains", "mailboxes", "addresses",
                                      "filter", "relay", "settings", NULL};

/* Parse text that must parse; returns the command (free it). */
static pn_command parse_ok(const char *text)
{
    pn_command c;
    pn_err err = PN_ERR_INIT;
    if (!pn_cmdline_parse(text, screens, &c, &err))
        fail_msg("'%s' does not parse: %s", text, pn_err_msg(&err));
    return c;
}

static void assert_parse_error(const char *text, pn_errcode code, const char *part)
{
    pn_command c;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_cmdline_parse(text, screens, &c, &err));
    assert_int_equal(c.action, PN_A_NONE);
    assert_int_equal(c.args.n, 0);
    assert_int_equal(err.code, code);
    if (!strstr(pn_err_msg(&err), part))
        fail_msg("error for '%s' is '%s', expected '%s' in it", text, pn_err_msg(&err), part);
    pn_command_free(&c);
    pn_err_clear(&err);
}

static void test_action_table(void **state)
{
    (void)state;
    size_t n;
    const pn_action *all = pn_action_all(&n);
    assert_int_equal(n, PN_A_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(all[i].id, (pn_action_id)i);
        assert_ptr_equal(pn_action_get(all[i].id), &all[i]);
        assert_ptr_equal(pn_action_find(all[i].name), &all[i]);
        assert_non_null(all[i].help);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(all[i].name, all[j].name);
    }
    assert_null(pn_action_get(PN_A_NONE));
    assert_null(pn_action_get(PN_A_COUNT));
    assert_null(pn_action_find("nope"));
    assert_null(pn_action_find(NULL));
    const pn_action *del = pn_action_find("delete");
    assert_non_null(del);
    assert_int_equal(del->id, PN_A_Q_DELETE);
    assert_true(del->flags & PN_AF_DANGEROUS);
    assert_true(pn_action_find("tick")->flags & PN_AF_HIDDEN);

    assert_string_equal(pn_action_suggest("delte"), "delete");
    assert_string_equal(pn_action_suggest("hlep"), "help");       /* swapped neighbours */
    assert_string_equal(pn_action_suggest("Delete"), "delete");   /* case */
    assert_string_equal(pn_action_suggest("refrsh"), "refresh");
    assert_string_equal(pn_action_suggest("pag"), "page-up");    /* shortest with that start */
    assert_null(pn_action_suggest("xyzzy"));
    assert_null(pn_action_suggest(""));
    static const char *const names[] = {"prompt", "form", "dialog", NULL};
    assert_string_equal(pn_closest_name("dialgo", names, SIZE_MAX), "dialog");
    assert_string_equal(pn_closest_name("from", names, 3), "form");
    assert_null(pn_closest_name("dialog", names, 0));
    char longword[200];
    memset(longword, 'a', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_null(pn_closest_name(longword, names, SIZE_MAX));
}

static void test_parse_words_and_quotes(void **state)
{
    (void)state;
    pn_command c = parse_ok("sort size");
    assert_int_equal(c.action, PN_A_SORT);
    assert_int_equal(c.args.n, 1);
    assert_string_equal(c.args.v[0], "size");
    pn_command_free(&c);

    c = parse_ok("   search    \"hello   world\"  x ");
    assert_int_equal(c.action, PN_A_SEARCH);
    assert_int_equal(c.args.n, 2);
    assert_string_equal(c.args.v[0], "hello   world");
    assert_string_equal(c.args.v[1], "x");
    pn_command_free(&c);

    c = parse_ok("filter a\"b c\"d \"\" \"say \\\"hi\\\" \\\\o/\" back\\slash");
    assert_int_equal(c.action, PN_A_FILTER);
    assert_int_equal(c.args.n, 4);
    assert_string_equal(c.args.v[0], "ab cd");
    assert_string_equal(c.args.v[1], "");
    assert_string_equal(c.args.v[2], "say \"hi\" \\o/");
    assert_string_equal(c.args.v[3], "back\\slash");

    /* the canonical form reads back to the same command */
    pn_str s = PN_STR_INIT;
    pn_command_format(&s, &c);
    assert_string_equal(pn_str_cstr(&s),
                        "filter \"ab cd\" \"\" \"say \\\"hi\\\" \\\\o/\" back\\slash");
    pn_command again = parse_ok(pn_str_cstr(&s));
    assert_int_equal(again.action, c.action);
    assert_int_equal(again.args.n, c.args.n);
    for (size_t i = 0; i < c.args.n; i++)
        assert_string_equal(again.args.v[i], c.args.v[i]);
    pn_command_free(&again);
    pn_command_free(&c);
    pn_str_free(&s);

    c = parse_ok("search é日本");
    assert_string_equal(c.args.v[0], "é日本");
    pn_command_free(&c);

    pn_argv words = PN_ARGV_INIT;
    assert_true(pn_cmdline_split("a \"b c\"", &words, NULL));
    assert_int_equal(words.n, 2);
    assert_string_equal(words.v[1], "b c");
    pn_argv_free(&words);
    assert_true(pn_cmdline_split("   ", &words, NULL));
    assert_int_equal(words.n, 0);
    pn_argv_free(&words);
}

static void test_aliases_and_screen_names(void **state)
{
    (void)state;
    pn_command c = parse_ok("q");
    assert_int_equal(c.action, PN_A_QUIT);
    assert_int_equal(c.args.n, 0);
    pn_command_free(&c);
    c = parse_ok("h");
    assert_int_equal(c.action, PN_A_HELP);
    pn_command_free(&c);

    c = parse_ok("queue");
    assert_int_equal(c.action, PN_A_SCREEN);
    assert_int_equal(c.args.n, 1);
    assert_string_equal(c.args.v[0], "queue");
    pn_str s = PN_STR_INIT;
    pn_command_format(&s, &c);
    assert_string_equal(pn_str_cstr(&s), "screen queue");
    pn_str_free(&s);
    pn_command_free(&c);

    c = parse_ok("logs");
    assert_int_equal(c.action, PN_A_SCREEN);
    assert_string_equal(c.args.v[0], "logs");
    pn_command_free(&c);

    c = parse_ok("screen settings");
    assert_int_equal(c.action, PN_A_SCREEN);
    assert_string_equal(c.args.v[0], "settings");
    pn_command_free(&c);

    /* an action name wins over a screen of the same name */
    c = parse_ok("filter");
    assert_int_equal(c.action, PN_A_FILTER);
    assert_int_equal(c.args.n, 0);
    pn_command_free(&c);
    c = parse_ok("screen filter");
    assert_int_equal(c.action, PN_A_SCREEN);
    pn_command_free(&c);

    assert_parse_error("screen", PN_E_INVALID, "screen needs a screen name (one of: queue, logs");
    assert_parse_error("screen queue logs", PN_E_INVALID, "screen takes one screen name");
    assert_parse_error("queue now", PN_E_INVALID, "screen takes one screen name");
    assert_parse_error("screen queu", PN_E_INVALID, "unknown screen 'queu' (did you mean 'queue'?)");
    assert_parse_error("screen zzz", PN_E_INVALID, "known screens: queue, logs, domains");

    /* without a screen list: no screen aliases, screen arguments unchecked */
    pn_err err = PN_ERR_INIT;
    assert_false(pn_cmdline_parse("queue", NULL, &c, &err));
    pn_command_free(&c);
    assert_true(pn_cmdline_parse("screen anything", NULL, &c, &err));
    pn_command_free(&c);
    pn_err_clear(&err);

    assert_int_equal(pn_cmdline_action_of("q", screens), PN_A_QUIT);
    assert_int_equal(pn_cmdline_action_of("logs", screens), PN_A_SCREEN);
    assert_int_equal(pn_cmdline_action_of("shape age", screens), PN_A_Q_SHAPE);
    assert_int_equal(pn_cmdline_action_of("bogus", screens), PN_A_NONE);
    assert_int_equal(pn_cmdline_action_of("", screens), PN_A_NONE);
    assert_int_equal(pn_cmdline_action_of("q\x01", screens), PN_A_NONE);
}

static void test_unknown_names_get_suggestions(void **state)
{
    (void)state;
    assert_parse_error("delte", PN_E_NOTFOUND, "unknown command 'delte' (did you mean 'delete'?)");
    assert_parse_error("qeue", PN_E_NOTFOUND, "(did you mean 'queue'?)");
    assert_parse_error("sotr size", PN_E_NOTFOUND, "(did you mean 'sort'?)");
    assert_parse_error("xyzzy", PN_E_NOTFOUND, "unknown command 'xyzzy' (:help lists");
    assert_parse_error("", PN_E_INVALID, "empty command");
    assert_parse_error("    ", PN_E_INVALID, "empty command");
    assert_parse_error("search \"open", PN_E_INVALID, "unterminated double quote (opened at column 8)");
    assert_string_equal(pn_cmdline_suggest("setings", screens), "settings");
    assert_null(pn_cmdline_suggest("xyzzy", screens));
}

static void test_control_characters_are_refused(void **state)
{
    (void)state;
    assert_parse_error("quit\x1b[2J", PN_E_INVALID, "control character U+001B at column 5");
    assert_parse_error("search a\tb", PN_E_INVALID, "control character U+0009 at column 9");
    assert_parse_error("search \"a\nb\"", PN_E_INVALID, "U+000A");
    assert_parse_error("search \x7f", PN_E_INVALID, "U+007F");
    assert_parse_error("search é\xc2\x9b", PN_E_INVALID, "U+009B at column 9");
    assert_parse_error("search \xe2\x80\xae", PN_E_INVALID, "U+202E");
    assert_parse_error("search \xff", PN_E_INVALID, "invalid UTF-8 at column 8");
    /* the bad character is never echoed into the message */
    pn_command c;
    pn_err err = PN_ERR_INIT;
    assert_false(pn_cmdline_parse("zz\x1b]0;pwned\x07", screens, &c, &err));
    assert_null(strchr(pn_err_msg(&err), 0x1b));
    pn_err_clear(&err);
    pn_command_free(&c);
}

/* Completion of text; returns the candidates joined with ','. */
static char *complete(const char *text, const char *const *values)
{
    pn_argv out = PN_ARGV_INIT;
    pn_cmdline_complete(text, screens, values, &out);
    char *j = pn_argv_join(&out, ",");
    pn_argv_free(&out);
    return j;
}

static void assert_completion(const char *text, const char *const *values, const char *expected)
{
    char *got = complete(text, values);
    if (strcmp(got, expected) != 0)
        fail_msg("completing '%s' gave '%s', expected '%s'", text, got, expected);
    free(got);
}

static void test_completion_of_first_word(void **state)
{
    (void)state;
    assert_completion("mark", NULL, "mark,mark-all,mark-clear,mark-range");
    assert_completion("se", NULL, "search,search-next,search-prev,settings");
    assert_completion("  q", NULL, "q,queue,quit");
    assert_completion("re", NULL, "redraw,refresh,relay,release,requeue,resend");
    assert_completion("fil", NULL, "filter,filter-clear");   /* action + screen once */
    assert_completion("ti", NULL, "");                       /* tick is hidden */
    assert_completion("du", NULL, "");                       /* dump-screen too */
    assert_completion("zz", NULL, "");
    char *all = complete("", NULL);
    assert_non_null(strstr(all, "quit"));
    assert_non_null(strstr(all, "logs"));
    assert_null(strstr(all, "tick"));
    free(all);
    assert_completion("q\x01", NULL, "");                    /* control chars: nothing */
}

static void test_completion_of_arguments(void **state)
{
    (void)state;
    static const char *const shapes[] = {"rcpt-domain", "sender-domain", "class", "age", "off",
                                         NULL};
    assert_completion("shape ", shapes, "rcpt-domain,sender-domain,class,age,off");
    assert_completion("shape s", shapes, "sender-domain");
    assert_completion("shape  a", shapes, "age");
    assert_completion("shape age", shapes, "age");
    assert_completion("shape x", shapes, "");
    assert_completion("shape", shapes, "shape");               /* still the first word */
    assert_completion("screen ", NULL, "queue,logs,domains,mailboxes,addresses,filter,relay,settings");
    assert_completion("screen l", NULL, "logs");
    assert_completion("sort ", NULL, "");                      /* no values given */
    assert_completion("screen logs ", NULL, "");               /* third word */
    static const char *const cols[] = {"size", "two words", NULL};
    assert_completion("columns t", cols, "\"two words\"");
    assert_completion("columns \"s", cols, "\"size\"");        /* begun with a quote */
    assert_completion("columns \"two w", cols, "\"two words\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_table),
        cmocka_unit_test(test_parse_words_and_quotes),
        cmocka_unit_test(test_aliases_and_screen_names),
        cmocka_unit_test(test_unknown_names_get_suggestions),
        cmocka_unit_test(test_control_characters_are_refused),
        cmocka_unit_test(test_completion_of_first_word),
        cmocka_unit_test(test_completion_of_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
