/* test_form.c - unit tests of the form model (tui/form.c): every field type,
 * number ranges, required fields, validation when focus leaves a field,
 * submit focusing the first invalid field, secrets kept out of error text,
 * choice cycling and the named form commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "form.h"

static const char *const tls_modes[] = {"none", "may", "encrypt", NULL};

/* A password rule whose message quotes the value, as a careless validator
 * might. */
static bool check_password(const char *label, const char *value, pn_err *err)
{
    if (strlen(value) >= 8)
        return true;
    return pn_err_set(err, PN_E_INVALID, "%s: '%s' is shorter than 8 characters", label, value);
}

static bool check_no_x(const char *label, const char *value, pn_err *err)
{
    if (!strchr(value, 'x'))
        return true;
    return pn_err_set(err, PN_E_INVALID, "%s: may not contain an x", label);
}

enum { F_DOMAIN, F_PORT, F_TLS, F_ENABLED, F_PASSWORD, F_NOTE, NF };

static const pn_field_spec specs[NF] = {
    {.id = "domain", .label = "Domain", .type = PN_FIELD_TEXT, .required = true,
     .check = pn_field_check_domain, .help = "the mail domain"},
    {.id = "port", .label = "Port", .type = PN_FIELD_NUMBER, .min = 1, .max = 65535,
     .initial = "25"},
    {.id = "tls", .label = "TLS", .type = PN_FIELD_CHOICE, .choices = tls_modes,
     .initial = "may"},
    {.id = "enabled", .label = "Enabled", .type = PN_FIELD_BOOL, .initial = "true"},
    {.id = "password", .label = "Password", .type = PN_FIELD_SECRET, .check = check_password},
    {.id = "note", .label = "Note", .type = PN_FIELD_TEXT, .check = check_no_x},
};

static void type(pn_form *f, const char *s)
{
    for (; *s; s++)
        assert_int_equal(pn_form_key(f, (pn_key)(unsigned char)*s), PN_FORM_CONTINUE);
}

static const char *err_of(pn_form *f, const char *id)
{
    return pn_form_field(f, id)->error;
}

static void test_initial_values_of_each_type(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "Add relay", specs, NF);
    assert_string_equal(f.title, "Add relay");
    assert_int_equal(f.focus, 0);
    assert_string_equal(pn_form_value(&f, "domain"), "");
    assert_string_equal(pn_form_value(&f, "port"), "25");
    assert_string_equal(pn_form_value(&f, "tls"), "may");
    assert_string_equal(pn_form_value(&f, "enabled"), "true");
    assert_string_equal(pn_form_value(&f, "password"), "");
    assert_null(pn_form_value(&f, "nope"));
    assert_null(pn_form_field(&f, "nope"));
    type(&f, "example.org");
    assert_string_equal(pn_form_value(&f, "domain"), "example.org");
    pn_form_free(&f);
}

static void test_number_field(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    f.focus = F_PORT;
    pn_form_key(&f, PN_KEY_BS);
    pn_form_key(&f, PN_KEY_BS);
    type(&f, "7a0b.0 x");                        /* letters and dots are refused */
    assert_string_equal(pn_form_value(&f, "port"), "700");
    assert_true(pn_form_validate_field(&f, F_PORT));
    type(&f, "00");
    assert_false(pn_form_validate_field(&f, F_PORT));
    assert_string_equal(err_of(&f, "port"), "Port: must be between 1 and 65535");
    pn_form_exec(&f, "kill-to-start");
    type(&f, "-5");
    assert_false(pn_form_validate_field(&f, F_PORT));
    assert_string_equal(err_of(&f, "port"), "Port: must be between 1 and 65535");
    pn_form_exec(&f, "kill-to-start");
    type(&f, "5-");
    assert_false(pn_form_validate_field(&f, F_PORT));
    assert_string_equal(err_of(&f, "port"), "Port: must be a whole number between 1 and 65535");
    pn_form_exec(&f, "kill-to-start");
    type(&f, "99999999999999999999");            /* beyond a long */
    assert_false(pn_form_validate_field(&f, F_PORT));
    pn_form_exec(&f, "kill-to-start");
    type(&f, "587");
    assert_true(pn_form_validate_field(&f, F_PORT));
    assert_null(err_of(&f, "port"));
    pn_form_free(&f);

    /* min = max = 0: any whole number. */
    static const pn_field_spec any[] = {{.id = "n", .label = "N", .type = PN_FIELD_NUMBER}};
    pn_form_init(&f, "t", any, 1);
    type(&f, "-123456");
    assert_true(pn_form_validate(&f));
    pn_form_exec(&f, "beginning-of-line");
    type(&f, "-");
    assert_false(pn_form_validate(&f));
    assert_string_equal(f.fields[0].error, "N: must be a whole number");
    pn_form_free(&f);
}

static void test_required_and_validation_on_leaving(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    assert_null(err_of(&f, "domain"));
    assert_int_equal(pn_form_key(&f, PN_KEY_TAB), PN_FORM_CONTINUE);   /* leave empty domain */
    assert_int_equal(f.focus, F_PORT);
    assert_string_equal(err_of(&f, "domain"), "Domain: required");
    pn_form_key(&f, PN_KEY_UP);
    assert_int_equal(f.focus, F_DOMAIN);
    type(&f, "bad_domain.org");               /* showing an error: checked as typed */
    assert_non_null(strstr(err_of(&f, "domain"), "Domain: "));
    assert_non_null(strstr(err_of(&f, "domain"), "bad_domain.org"));
    pn_form_key(&f, PN_KEY_DOWN);
    assert_non_null(strstr(err_of(&f, "domain"), "bad_domain.org"));
    /* A field that shows an error is checked again on every edit. */
    pn_form_key(&f, PN_KEY_BTAB);
    pn_form_exec(&f, "kill-to-start");
    assert_string_equal(err_of(&f, "domain"), "Domain: required");
    type(&f, "example.org");
    assert_null(err_of(&f, "domain"));
    /* Optional empty field: valid without its check. */
    assert_true(pn_form_validate_field(&f, F_NOTE));
    /* Enter on a field moves on (and checks it). */
    f.focus = F_NOTE;
    type(&f, "xyz");
    assert_null(err_of(&f, "note"));
    assert_int_equal(pn_form_key(&f, PN_KEY_ENTER), PN_FORM_CONTINUE);
    assert_int_equal(f.focus, NF);                                    /* OK button */
    assert_string_equal(err_of(&f, "note"), "Note: may not contain an x");
    pn_form_free(&f);
}

static void test_submit_focuses_first_invalid(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    type(&f, "example.org");
    f.focus = F_PASSWORD;
    type(&f, "longenough");
    f.focus = F_PORT;
    pn_form_exec(&f, "kill-to-start");
    type(&f, "0");
    f.focus = F_NOTE;
    type(&f, "x");
    assert_int_equal(pn_form_exec(&f, "submit"), PN_FORM_CONTINUE);
    assert_int_equal(f.focus, F_PORT);
    assert_non_null(err_of(&f, "note"));
    pn_form_exec(&f, "kill-to-start");
    type(&f, "2525");
    f.focus = F_NOTE;
    pn_form_exec(&f, "delete-backward-char");
    assert_null(err_of(&f, "note"));
    /* Enter on OK submits; on Cancel cancels. */
    f.focus = NF;
    assert_int_equal(pn_form_key(&f, PN_KEY_ENTER), PN_FORM_SUBMIT);
    assert_string_equal(pn_form_value(&f, "port"), "2525");
    f.focus = NF + 1;
    assert_int_equal(pn_form_key(&f, PN_KEY_ENTER), PN_FORM_CANCEL);
    f.focus = NF;
    assert_int_equal(pn_form_key(&f, ' '), PN_FORM_SUBMIT);
    pn_form_key(&f, PN_KEY_RIGHT);
    assert_int_equal(f.focus, NF + 1);
    pn_form_key(&f, PN_KEY_LEFT);
    assert_int_equal(f.focus, NF);
    assert_int_equal(pn_form_key(&f, PN_KEY_ESC), PN_FORM_CANCEL);
    pn_form_free(&f);
}

static void test_secret_never_in_error_text(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    f.focus = F_PASSWORD;
    type(&f, "hunter2");                               /* too short */
    pn_form_key(&f, PN_KEY_TAB);
    const char *e = err_of(&f, "password");
    assert_non_null(e);
    assert_null(strstr(e, "hunter2"));
    assert_null(strstr(e, "hunt"));
    assert_non_null(strstr(e, "Password: "));
    /* Required secret. */
    static const pn_field_spec req[] = {
        {.id = "pw", .label = "Password", .type = PN_FIELD_SECRET, .required = true}};
    pn_form g;
    pn_form_init(&g, "t", req, 1);
    assert_int_equal(pn_form_key(&g, PN_KEY_ENTER), PN_FORM_CONTINUE);
    assert_string_equal(g.fields[0].error, "Password: required");
    /* A check message that does not show the value is kept. */
    static const pn_field_spec other[] = {
        {.id = "pw", .label = "Secret", .type = PN_FIELD_SECRET, .check = check_no_x}};
    pn_form h;
    pn_form_init(&h, "t", other, 1);
    type(&h, "abxcd");
    assert_false(pn_form_validate(&h));
    assert_string_equal(h.fields[0].error, "Secret: may not contain an x");
    pn_form_free(&f);
    pn_form_free(&g);
    pn_form_free(&h);
}

static void test_bool_and_choice(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    f.focus = F_ENABLED;
    pn_form_key(&f, ' ');
    assert_string_equal(pn_form_value(&f, "enabled"), "false");
    pn_form_key(&f, 'x');                                 /* ignored */
    assert_string_equal(pn_form_value(&f, "enabled"), "false");
    pn_form_exec(&f, "toggle");
    assert_string_equal(pn_form_value(&f, "enabled"), "true");
    pn_form_exec(&f, "forward-char");
    assert_string_equal(pn_form_value(&f, "enabled"), "false");

    f.focus = F_TLS;
    pn_form_key(&f, PN_KEY_RIGHT);
    assert_string_equal(pn_form_value(&f, "tls"), "encrypt");
    pn_form_key(&f, ' ');                                 /* wraps */
    assert_string_equal(pn_form_value(&f, "tls"), "none");
    pn_form_key(&f, PN_KEY_LEFT);                         /* wraps back */
    assert_string_equal(pn_form_value(&f, "tls"), "encrypt");
    pn_form_exec(&f, "backward-char");
    assert_string_equal(pn_form_value(&f, "tls"), "may");
    pn_form_exec(&f, "toggle");
    assert_string_equal(pn_form_value(&f, "tls"), "encrypt");
    pn_form_free(&f);

    /* Initial values that are not choices fall back to the first. */
    static const pn_field_spec odd[] = {
        {.id = "c", .label = "C", .type = PN_FIELD_CHOICE, .choices = tls_modes, .initial = "x"},
        {.id = "b", .label = "B", .type = PN_FIELD_BOOL},
    };
    pn_form_init(&f, "t", odd, 2);
    assert_string_equal(pn_form_value(&f, "c"), "none");
    assert_string_equal(pn_form_value(&f, "b"), "false");
    pn_form_free(&f);
}

static void test_form_commands(void **state)
{
    (void)state;
    pn_form f;
    pn_form_init(&f, "t", specs, NF);
    assert_int_equal(pn_form_exec(&f, "next-field"), PN_FORM_CONTINUE);
    assert_int_equal(f.focus, F_PORT);
    pn_form_exec(&f, "prev-field");
    assert_int_equal(f.focus, F_DOMAIN);
    pn_form_exec(&f, "prev-field");                       /* wraps to Cancel */
    assert_int_equal(f.focus, NF + 1);
    pn_form_exec(&f, "next-field");
    assert_int_equal(f.focus, F_DOMAIN);
    /* Editing commands reach the focused field's editor. */
    type(&f, "mail.example.org");
    pn_form_exec(&f, "backward-word");
    pn_form_exec(&f, "backward-word");
    pn_form_exec(&f, "kill-to-start");
    assert_string_equal(pn_form_value(&f, "domain"), "example.org");
    pn_form_exec(&f, "end-of-line");
    pn_form_exec(&f, "kill-word-backward");
    assert_string_equal(pn_form_value(&f, "domain"), "");
    type(&f, "example.org");
    assert_int_equal(pn_form_exec(&f, "accept"), PN_FORM_CONTINUE);   /* Enter: next field */
    assert_int_equal(f.focus, F_PORT);
    assert_int_equal(pn_form_exec(&f, "no-such-command"), PN_FORM_CONTINUE);
    assert_int_equal(pn_form_exec(&f, "cancel"), PN_FORM_CANCEL);
    assert_int_equal(pn_form_exec(&f, "cancel-form"), PN_FORM_CANCEL);
    assert_int_equal(pn_form_key(&f, PN_KEY_CTRL('g')), PN_FORM_CANCEL);
    /* On the buttons: left/right switch, accept presses. */
    f.focus = NF;
    pn_form_exec(&f, "forward-char");
    assert_int_equal(f.focus, NF + 1);
    assert_int_equal(pn_form_exec(&f, "accept"), PN_FORM_CANCEL);
    f.focus = F_PASSWORD;
    type(&f, "correct horse");
    assert_int_equal(pn_form_exec(&f, "submit"), PN_FORM_SUBMIT);
    assert_string_equal(pn_form_value(&f, "password"), "correct horse");
    pn_form_free(&f);
}

static void test_validator_adapters(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_field_check_domain("Domain", "example.org", &err));
    assert_false(pn_field_check_domain("Domain", "localhost", &err));
    assert_non_null(strstr(pn_err_msg(&err), "Domain"));
    pn_err_clear(&err);
    assert_true(pn_field_check_hostname("Host", "localhost", &err));
    assert_true(pn_field_check_email("Address", "a@example.org", &err));
    assert_false(pn_field_check_email("Address", "a@", &err));
    pn_err_clear(&err);
    assert_true(pn_field_check_port("Port", "587", &err));
    assert_false(pn_field_check_port("Port", "70000", &err));
    pn_err_clear(&err);
    assert_true(pn_field_check_ip("Address", "192.0.2.1", &err));
    assert_false(pn_field_check_ip("Address", "192.0.2", &err));
    pn_err_clear(&err);
    /* No fields at all: focus starts on OK. */
    pn_form f;
    pn_form_init(&f, "empty", NULL, 0);
    assert_int_equal(f.focus, 0);
    assert_int_equal(pn_form_key(&f, PN_KEY_ENTER), PN_FORM_SUBMIT);
    pn_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_values_of_each_type),
        cmocka_unit_test(test_number_field),
        cmocka_unit_test(test_required_and_validation_on_leaving),
        cmocka_unit_test(test_submit_focuses_first_invalid),
        cmocka_unit_test(test_secret_never_in_error_text),
        cmocka_unit_test(test_bool_and_choice),
        cmocka_unit_test(test_form_commands),
        cmocka_unit_test(test_validator_adapters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
