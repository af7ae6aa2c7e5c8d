/* test_util.c - unit tests of backend/util: string, argv, errors, UTF-8
 * sanitising and the JSON writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/argv.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/text.h"
#include "util/timearg.h"
#include "util/utf8.h"

static void test_str_grows_and_formats(void **state)
{
    (void)state;
    pn_str s = PN_STR_INIT;
    assert_string_equal(pn_str_cstr(&s), "");
    for (int i = 0; i < 1000; i++)
        pn_str_appendf(&s, "%d,", i);
    assert_int_equal(s.len, strlen(s.s));
    assert_true(strncmp(s.s, "0,1,2,", 6) == 0);
    pn_str_truncate(&s, 2);
    assert_string_equal(s.s, "0,");
    pn_str_append(&s, "x \r\n\t ");
    pn_str_rtrim(&s);
    assert_string_equal(s.s, "0,x");
    pn_str_appendn(&s, "a\0b", 3);
    assert_int_equal(s.len, 6);
    char *stolen = pn_str_steal(&s);
    assert_null(s.s);
    assert_int_equal(stolen[3], 'a');
    free(stolen);
    pn_str r = PN_STR_INIT;
    pn_str_reserve(&r, 100);            /* reserved but empty reads as "" */
    assert_string_equal(pn_str_cstr(&r), "");
    char *rs = pn_str_steal(&r);
    assert_string_equal(rs, "");
    free(rs);
    char *p = pn_sprintf("%s-%03d", "q", 7);
    assert_string_equal(p, "q-007");
    free(p);
    pn_str_free(&s);
}

static void test_argv_builds_null_terminated(void **state)
{
    (void)state;
    pn_argv a = PN_ARGV_INIT;
    assert_null(pn_argv_items(&a)[0]);
    pn_argv_addv(&a, "postsuper", "-c", "/etc/postfix", NULL);
    pn_argv_addf(&a, "-%c", 'd');
    pn_argv_add(&a, "-");
    assert_int_equal(a.n, 5);
    assert_null(a.v[5]);
    char *j = pn_argv_join(&a, " ");
    assert_string_equal(j, "postsuper -c /etc/postfix -d -");
    free(j);
    pn_argv_free(&a);
    assert_null(a.v);
}

static void test_err_carries_reason(void **state)
{
    (void)state;
    pn_err e = PN_ERR_INIT;
    assert_string_equal(pn_err_msg(&e), "unknown error");
    assert_false(pn_err_set(&e, PN_E_IO, "open %s: %s", "/x", "No such file"));
    pn_err_prefix(&e, "reading %s", "config");
    assert_string_equal(pn_err_msg(&e), "reading config: open /x: No such file");
    assert_int_equal(e.code, PN_E_IO);
    assert_string_equal(pn_errcode_name(e.code), "io");
    assert_false(pn_err_set(NULL, PN_E_IO, "ignored"));
    pn_err_clear(&e);
    assert_null(e.msg);
    assert_int_equal(e.code, PN_OK);
}

static char *san(const char *s, size_t n, int flags, size_t *replaced)
{
    pn_str out = PN_STR_INIT;
    size_t r = pn_utf8_sanitize(&out, s, n, flags);
    if (replaced)
        *replaced = r;
    return pn_str_steal(&out);
}

static void test_utf8_sanitize(void **state)
{
    (void)state;
    size_t r;
    char *o;
    /* plain text untouched */
    o = san("Hello, world", 12, 0, &r);
    assert_string_equal(o, "Hello, world");
    assert_int_equal(r, 0);
    free(o);
    /* valid multi-byte kept */
    const char *intl = "Gr\xc3\xbc\xc3\x9f\x65 \xe2\x82\xac \xf0\x9f\x93\xa7";
    o = san(intl, strlen(intl), 0, &r);
    assert_string_equal(o, "Gr\xc3\xbc\xc3\x9f\x65 \xe2\x82\xac \xf0\x9f\x93\xa7");
    assert_int_equal(r, 0);
    free(o);
    /* escape sequence, CR, LF, NUL, DEL, C1 replaced */
    o = san("a\x1b[31mb\r\n\0c\x7f\xc2\x9b", 14, 0, &r);
    assert_int_equal(r, 6);
    assert_null(strchr(o, '\x1b'));
    assert_null(strchr(o, '\r'));
    assert_null(strchr(o, '\n'));
    free(o);
    /* tab becomes a space unless kept; newline kept when asked */
    o = san("a\tb\nc", 5, PN_SAN_KEEP_NEWLINE, &r);
    assert_string_equal(o, "a b\nc");
    free(o);
    o = san("a\tb", 3, PN_SAN_KEEP_TAB, &r);
    assert_string_equal(o, "a\tb");
    free(o);
    /* invalid UTF-8: lone continuation, overlong, surrogate, > U+10FFFF, truncated */
    const char *bad[] = {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = san(bad[i], strlen(bad[i]), 0, &r);
        assert_true(r >= 1);
        assert_true(pn_utf8_valid(o, strlen(o)));
        free(o);
    }
    /* bidi override replaced */
    o = san("x\xe2\x80\xaey", 5, 0, &r);
    assert_int_equal(r, 1);
    free(o);
    assert_true(pn_utf8_valid("abc\xc3\xa9", 5));
    assert_false(pn_utf8_valid("a\0b", 3));
    o = pn_utf8_sanitized("ok\x07");
    assert_string_equal(o, "ok\xef\xbf\xbd");
    free(o);
}

static void test_json_writer(void **state)
{
    (void)state;
    pn_str out = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &out, false);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "s", "a\"b\\c\n\x01\xff");
    pn_json_kint(&j, "n", -42);
    pn_json_kbool(&j, "t", true);
    pn_json_key(&j, "arr");
    pn_json_arr_begin(&j);
    pn_json_int(&j, 1);
    pn_json_str(&j, NULL);
    pn_json_obj_begin(&j);
    pn_json_obj_end(&j);
    pn_json_arr_end(&j);
    pn_json_key(&j, "empty");
    pn_json_arr_begin(&j);
    pn_json_arr_end(&j);
    pn_json_obj_end(&j);
    assert_string_equal(pn_str_cstr(&out),
                        "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\",\"n\":-42,\"t\":true,"
                        "\"arr\":[1,null,{}],\"empty\":[]}");
    pn_str_free(&out);

    pn_json_init(&j, &out, true);
    pn_json_obj_begin(&j);
    pn_json_kint(&j, "a", 1);
    pn_json_kint(&j, "b", 2);
    pn_json_obj_end(&j);
    assert_string_equal(pn_str_cstr(&out), "{\n  \"a\": 1,\n  \"b\": 2\n}");
    pn_str_free(&out);
}

static void test_mem_wrappers(void **state)
{
    (void)state;
    char *p = pn_strndup("abcdef", 3);
    assert_string_equal(p, "abc");
    pn_freep(&p);
    assert_null(p);
    int *z = pn_calloc(4, sizeof(int));
    assert_int_equal(z[3], 0);
    z = pn_realloc(z, 0);
    free(z);
}

static char *fit(const char *s, size_t w, bool pad)
{
    pn_str out = PN_STR_INIT;
    pn_text_fit(&out, s, w, pad);
    return pn_str_steal(&out);
}

static void test_text_fit_and_formats(void **state)
{
    (void)state;
    char *o = fit("abc", 5, true);
    assert_string_equal(o, "abc  ");
    free(o);
    o = fit("abcdef", 4, true);
    assert_string_equal(o, "abc\xe2\x80\xa6");
    free(o);
    o = fit("a\x1b[2Jb", 10, false);      /* escape sequence made harmless */
    assert_null(strchr(o, '\x1b'));
    free(o);
    o = fit("", 0, true);
    assert_string_equal(o, "");
    free(o);
    assert_int_equal(pn_text_width("abc"), 3);

    pn_str s = PN_STR_INIT;
    pn_text_age(&s, 45);
    pn_str_append(&s, " ");
    pn_text_age(&s, 600);
    pn_str_append(&s, " ");
    pn_text_age(&s, 3 * 3600 + 5 * 60);
    pn_str_append(&s, " ");
    pn_text_age(&s, 4 * 86400 + 2 * 3600);
    assert_string_equal(pn_str_cstr(&s), "45s 10m 3h05m 4d02h");
    pn_str_reset(&s);
    pn_text_size(&s, 512);
    pn_str_append(&s, " ");
    pn_text_size(&s, 1536);
    pn_str_append(&s, " ");
    pn_text_size(&s, 12 * 1024 * 1024);
    assert_string_equal(pn_str_cstr(&s), "512 1.5K 12M");
    pn_str_free(&s);
}

/* The time syntax of --since/--until and since:/until: (TZ=UTC here). */
static void test_time_args(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    const int64_t now = 1795000000;   /* 2026-11-18T11:06:40Z */
    int64_t us;
    assert_true(pn_time_parse_arg("2026-11-18T11:06:40Z", now, &us));
    assert_int_equal(us, (int64_t)1795000000 * 1000000);
    assert_true(pn_time_parse_arg("2026-11-18T13:06:40.5+02:00", now, &us));
    assert_int_equal(us, (int64_t)1795000000 * 1000000 + 500000);
    assert_true(pn_time_parse_arg("2026-11-18 11:06", now, &us));
    assert_int_equal(us, (int64_t)(1795000000 - 40) * 1000000);
    assert_true(pn_time_parse_arg("2026-11-18", now, &us));
    assert_int_equal(us, (int64_t)(1795000000 - 40000) * 1000000);
    assert_true(pn_time_parse_arg("09:00", now, &us));
    assert_int_equal(us, (int64_t)(1795000000 - 7600) * 1000000);
    assert_true(pn_time_parse_arg("2h", now, &us));
    assert_int_equal(us, (int64_t)(now - 7200) * 1000000);
    assert_true(pn_time_parse_arg("3d", now, &us));
    assert_int_equal(us, (int64_t)(now - 3 * 86400) * 1000000);
    const char *bad[] = {"", "yesterday", "2h30", "25:00", "2026-13-01", "2026-11-18T9:00",
                         "2026-11-18Tx", "-2h", "12:7", NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(pn_time_parse_arg(bad[i], now, &us));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_grows_and_formats),
        cmocka_unit_test(test_argv_builds_null_terminated),
        cmocka_unit_test(test_err_carries_reason),
        cmocka_unit_test(test_utf8_sanitize),
        cmocka_unit_test(test_json_writer),
        cmocka_unit_test(test_mem_wrappers),
        cmocka_unit_test(test_text_fit_and_formats),
        cmocka_unit_test(test_time_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
