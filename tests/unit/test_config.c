/* test_config.c - unit tests for the postern.yaml loader (backend/config.c):
 * the lab example parses to the exact fields, defaults fill what is absent,
 * every error class reports file:line:column and a clear reason, and the
 * search order (--config, $POSTERN_CONFIG, XDG/HOME, the system file, then
 * defaults) is followed using temporary directories only: POSTERN_SYSCONFDIR
 * stands in for /etc/postern. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util/mem.h"
#include "util/str.h"

static const char example[] =
    "# postern instance: the lab\n"
    "instance: lab\n"
    "postfix:\n"
    "  config_dir: /tmp/postern-lab/mx/etc\n"
    "dovecot:\n"
    "  config_file: /tmp/postern-lab/dovecot/dovecot.conf\n"
    "rspamd:\n"
    "  config_file: /tmp/postern-lab/rspamd/rspamd.conf\n"
    "  controller: 127.0.0.1:2534\n"
    "  vars:\n"
    "    LOCAL_CONFDIR: /tmp/postern-lab/rspamd/etc\n"
    "    DBDIR: /tmp/postern-lab/rspamd/db\n"
    "logs:\n"
    "  - path: /tmp/postern-lab/maillog\n"
    "    format: syslog\n"
    "  - /var/log/mail.log\n"
    "state_db: /tmp/postern-lab/state/postern.db\n"
    "read_only: false\n";

static pn_config *parse(const char *text, pn_err *err)
{
    return pn_config_parse("postern.yaml", text, strlen(text), err);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!haystack || !strstr(haystack, needle))
        fail_msg("expected '%s' to contain '%s'", haystack ? haystack : "(null)", needle);
}

/* Parsing must fail with PN_E_CONFIG and a message containing want. */
static void expect_error(const char *text, const char *want)
{
    pn_err err = PN_ERR_INIT;
    pn_config *c = parse(text, &err);
    if (c) {
        pn_config_free(c);
        fail_msg("expected an error containing '%s' for:\n%s", want, text);
    }
    assert_int_equal(err.code, PN_E_CONFIG);
    assert_contains(err.msg, want);
    pn_err_clear(&err);
}

static pn_config *expect_ok(const char *text)
{
    pn_err err = PN_ERR_INIT;
    pn_config *c = parse(text, &err);
    if (!c)
        fail_msg("unexpected error '%s' for:\n%s", pn_err_msg(&err), text);
    return c;
}

static void test_example(void **state)
{
    (void)state;
    pn_config *c = expect_ok(example);
    assert_string_equal(c->source, "postern.yaml");
    assert_string_equal(c->instance, "lab");
    assert_false(c->read_only);
    assert_string_equal(c->postfix_config_dir, "/tmp/postern-lab/mx/etc");
    assert_string_equal(c->dovecot_config_file, "/tmp/postern-lab/dovecot/dovecot.conf");
    assert_string_equal(c->rspamd_config_file, "/tmp/postern-lab/rspamd/rspamd.conf");
    assert_string_equal(c->rspamd_controller, "127.0.0.1:2534");
    assert_int_equal(c->n_rspamd_vars, 2);
    assert_string_equal(c->rspamd_vars[0].key, "LOCAL_CONFDIR");
    assert_string_equal(c->rspamd_vars[0].value, "/tmp/postern-lab/rspamd/etc");
    assert_string_equal(c->rspamd_vars[1].key, "DBDIR");
    assert_string_equal(c->rspamd_vars[1].value, "/tmp/postern-lab/rspamd/db");
    assert_int_equal(c->n_logs, 2);
    assert_string_equal(c->logs[0].path, "/tmp/postern-lab/maillog");
    assert_string_equal(c->logs[0].format, "syslog");
    assert_string_equal(c->logs[1].path, "/var/log/mail.log");
    assert_string_equal(c->logs[1].format, "syslog");
    assert_string_equal(c->state_db, "/tmp/postern-lab/state/postern.db");
    pn_config_free(c);
}

static void assert_defaults_except_instance(const pn_config *c)
{
    assert_false(c->read_only);
    assert_string_equal(c->postfix_config_dir, "/etc/postfix");
    assert_string_equal(c->dovecot_config_file, "/etc/dovecot/dovecot.conf");
    assert_string_equal(c->rspamd_config_file, "/etc/rspamd/rspamd.conf");
    assert_string_equal(c->rspamd_controller, "127.0.0.1:11334");
    assert_int_equal(c->n_rspamd_vars, 0);
    assert_int_equal(c->n_logs, 1);
    assert_string_equal(c->logs[0].path, "/var/log/mail.log");
    assert_string_equal(c->logs[0].format, "syslog");
    assert_string_equal(c->state_db, "/var/lib/postern/state.db");
}

static void test_defaults(void **state)
{
    (void)state;
    pn_config *c = pn_config_defaults();
    assert_string_equal(c->source, "built-in defaults");
    assert_string_equal(c->instance, "localhost");
    assert_defaults_except_instance(c);
    pn_config_free(c);
    pn_config_free(NULL);

    c = expect_ok("instance: mx1\n");
    assert_string_equal(c->instance, "mx1");
    assert_defaults_except_instance(c);
    pn_config_free(c);

    /* Empty / null sections mean defaults. */
    c = expect_ok("postfix:\ndovecot: {}\nrspamd: ~\nhosts:\n");
    assert_string_equal(c->instance, "localhost");
    assert_defaults_except_instance(c);
    pn_config_free(c);

    c = expect_ok("hosts: []\nrspamd:\n  vars: {}\n");
    assert_defaults_except_instance(c);
    pn_config_free(c);

    /* A given logs: list replaces the default one. */
    c = expect_ok("logs: []\n");
    assert_int_equal(c->n_logs, 0);
    pn_config_free(c);
    c = expect_ok("logs:\n- path: /var/log/rspamd/rspamd.log\n  format: rspamd\n"
                  "- {path: /j.json, format: journal-json}\n- path: /r.log\n  format: rfc3339\n"
                  "- path: /d.log\n");
    assert_int_equal(c->n_logs, 4);
    assert_string_equal(c->logs[0].path, "/var/log/rspamd/rspamd.log");
    assert_string_equal(c->logs[0].format, "rspamd");
    assert_string_equal(c->logs[1].format, "journal-json");
    assert_string_equal(c->logs[2].format, "rfc3339");
    assert_string_equal(c->logs[3].format, "syslog");
    pn_config_free(c);
}

/* logs: { journal: true | PATH, units: [...] }: the systemd journal. */
static void test_journal_logs(void **state)
{
    (void)state;
    pn_config *c = expect_ok("logs:\n- journal: true\n  units: [postfix@-.service, dovecot.service]\n"
                             "- {journal: /srv/copy/system.journal}\n- journal: /srv/dir\n"
                             "- /var/log/mail.log\n");
    assert_int_equal(c->n_logs, 4);
    assert_true(c->logs[0].journal);
    assert_true(c->logs[0].journal_host);
    assert_string_equal(c->logs[0].path, "journald");
    assert_string_equal(c->logs[0].format, "journal");
    assert_int_equal(c->logs[0].n_units, 2);
    assert_string_equal(c->logs[0].units[0], "postfix@-.service");
    assert_string_equal(c->logs[0].units[1], "dovecot.service");
    assert_true(c->logs[1].journal);
    assert_false(c->logs[1].journal_host);
    assert_string_equal(c->logs[1].path, "/srv/copy/system.journal");
    assert_int_equal(c->logs[1].n_units, 0);
    assert_string_equal(c->logs[2].path, "/srv/dir");
    assert_false(c->logs[3].journal);
    assert_string_equal(c->logs[3].format, "syslog");
    pn_config_free(c);

    expect_error("logs:\n  - journal: true\n    path: /var/log/mail.log\n",
                 "postern.yaml:2:5: logs[0]: 'path' and 'journal' exclude each other");
    expect_error("logs:\n  - journal: /j\n    format: syslog\n",
                 "logs[0]: 'format' does not apply to a journal");
    expect_error("logs:\n  - journal: false\n", "logs[0].journal: expected true (the host's journal)");
    expect_error("logs:\n  - journal: relative/dir\n",
                 "postern.yaml:2:14: logs[0].journal: must be an absolute path");
    expect_error("logs:\n  - journal: \"true\"\n", "logs[0].journal: must be an absolute path");
    expect_error("logs:\n  - path: /a\n    units: [x.service]\n",
                 "logs[0]: 'units' applies only to a journal item");
    expect_error("logs:\n  - journal: true\n    units: postfix.service\n",
                 "logs[0].units: expected a sequence of systemd unit names");
    expect_error("logs:\n  - journal: true\n    units: [\"-x\"]\n",
                 "logs[0].units[0]: expected a systemd unit name");
    expect_error("logs:\n  - journal: true\n    units: [\"a b\"]\n",
                 "logs[0].units[0]: expected a systemd unit name");
    expect_error("logs:\n  - journal: true\n    unit: [a]\n",
                 "unknown key 'unit' in logs[0] (did you mean 'units'?)");
    expect_error("logs: [{journal: true}, {journal: true}]\n",
                 "logs[1]: 'journald' is already listed as logs[0]");
}

static void test_scalars(void **state)
{
    (void)state;
    const char *trues[] = {"true", "True", "TRUE"};
    for (size_t i = 0; i < 3; i++) {
        char *t = pn_sprintf("read_only: %s\n", trues[i]);
        pn_config *c = expect_ok(t);
        assert_true(c->read_only);
        pn_config_free(c);
        free(t);
    }
    pn_config *c = expect_ok("read_only: False\ninstance: 'quoted: yes'\n");
    assert_false(c->read_only);
    assert_string_equal(c->instance, "quoted: yes");
    pn_config_free(c);

    c = expect_ok("instance: !!str 42\nrspamd:\n  controller: '[::1]:11334'\n"
                  "  vars:\n    EMPTY: ''\n    N: 7\n");
    assert_string_equal(c->instance, "42");
    assert_string_equal(c->rspamd_controller, "[::1]:11334");
    assert_int_equal(c->n_rspamd_vars, 2);
    assert_string_equal(c->rspamd_vars[0].value, "");
    assert_string_equal(c->rspamd_vars[1].value, "7");
    pn_config_free(c);

    c = expect_ok("rspamd: {controller: rspamd.example.org:65535}\n");
    assert_string_equal(c->rspamd_controller, "rspamd.example.org:65535");
    pn_config_free(c);

    /* UTF-8 is fine in strings. */
    c = expect_ok("instance: \"Bücher–mx 📧\"\n");
    assert_string_equal(c->instance, "Bücher–mx 📧");
    pn_config_free(c);
}

static void test_type_errors(void **state)
{
    (void)state;
    expect_error("instance: lab\npostfix:\n  - a\n",
                 "postern.yaml:3:3: postfix: expected a mapping, found a sequence");
    expect_error("dovecot: /etc/dovecot\n",
                 "postern.yaml:1:10: dovecot: expected a mapping, found '/etc/dovecot'");
    expect_error("instance: lab\n\n\nread_only: maybe\n",
                 "postern.yaml:4:12: read_only: expected a boolean (true/false), found 'maybe'");
    expect_error("read_only: yes\n", "read_only: expected a boolean (true/false), found 'yes'");
    expect_error("read_only: \"true\"\n",
                 "postern.yaml:1:12: read_only: expected a boolean (true/false), found a quoted string 'true'");
    expect_error("read_only:\n", "postern.yaml:1:11: read_only: expected a boolean (true/false), found nothing");
    expect_error("instance: [a, b]\n",
                 "postern.yaml:1:11: instance: expected a string, found a sequence");
    expect_error("instance: ''\n", "postern.yaml:1:11: instance: must not be empty");
    expect_error("instance:\n", "instance: expected a string, found nothing");
    expect_error("logs:\n", "postern.yaml:1:6: logs: expected a sequence, found nothing");
    expect_error("logs: /var/log/mail.log\n",
                 "postern.yaml:1:7: logs: expected a sequence, found '/var/log/mail.log'");
    expect_error("logs:\n  - [a]\n",
                 "postern.yaml:2:5: logs[0]: expected a path or a mapping with path and format, found a sequence");
    expect_error("logs:\n  - format: syslog\n", "postern.yaml:2:5: logs[0]: missing key 'path'");
    expect_error("logs:\n  - /a\n  - path: /tmp/x\n    format: json\n",
                 "postern.yaml:4:13: logs[1].format: expected one of syslog, rfc3339, rspamd, "
                 "journal-json, found 'json'");
    expect_error("logs: [/a, /b, /a]\n", "postern.yaml:1:16: logs[2]: '/a' is already listed as logs[0]");
    expect_error("- a\n- b\n",
                 "postern.yaml:1:1: expected a mapping of settings at the top level, found a sequence");
    expect_error("just words\n", "expected a mapping of settings at the top level, found 'just words'");
    expect_error("rspamd:\n  vars: [A]\n",
                 "postern.yaml:2:9: rspamd.vars: expected a mapping of NAME: VALUE, found a sequence");
    expect_error("rspamd:\n  vars:\n    1X: a\n",
                 "postern.yaml:3:5: rspamd.vars: '1X' is not a valid variable name");
    expect_error("rspamd:\n  vars:\n    A-B: a\n", "'A-B' is not a valid variable name");
    expect_error("rspamd:\n  vars:\n    DBDIR:\n",
                 "postern.yaml:3:11: rspamd.vars.DBDIR: expected a string, found nothing");
    expect_error("rspamd:\n  vars:\n    DBDIR: {a: b}\n",
                 "rspamd.vars.DBDIR: expected a string, found a mapping");
}

static void test_key_errors(void **state)
{
    (void)state;
    expect_error("instance: lab\n# comment\n\n\n\n\npostfx:\n  config_dir: /x\n",
                 "postern.yaml:7:1: unknown key 'postfx' (did you mean 'postfix'?)");
    expect_error("Instance: x\n", "postern.yaml:1:1: unknown key 'Instance' (did you mean 'instance'?)");
    expect_error("readonly: true\n", "unknown key 'readonly' (did you mean 'read_only'?)");
    expect_error("log:\n  - /x\n", "unknown key 'log' (did you mean 'logs'?)");
    expect_error("postfix:\n  confg_dir: /x\n",
                 "postern.yaml:2:3: unknown key 'confg_dir' in postfix (did you mean 'config_dir'?)");
    expect_error("rspamd:\n  controler: 127.0.0.1:1\n",
                 "unknown key 'controler' in rspamd (did you mean 'controller'?)");
    expect_error("logs:\n  - path: /x\n    fromat: syslog\n",
                 "postern.yaml:3:5: unknown key 'fromat' in logs[0] (did you mean 'format'?)");
    expect_error("zzzzzzzz: 1\n",
                 "postern.yaml:1:1: unknown key 'zzzzzzzz' (known keys: instance, read_only, "
                 "postfix, dovecot, rspamd, logs, state_db, hosts, console, apply)");
    expect_error("instance: a\nlogs: []\ninstance: b\n",
                 "postern.yaml:3:1: duplicate key 'instance' (first at line 1 column 1)");
    expect_error("postfix:\n  config_dir: /a\n  config_dir: /b\n",
                 "postern.yaml:3:3: duplicate key 'config_dir' in postfix (first at line 2 column 3)");
    expect_error("rspamd:\n  vars:\n    A: 1\n    A: 2\n",
                 "postern.yaml:4:5: duplicate key 'A' in rspamd.vars (first at line 3 column 5)");
    expect_error("? [a]\n: b\n", "keys must be plain strings, found a sequence");
    expect_error("'': x\n", "postern.yaml:1:1: key: invalid key ''");
}

static void test_value_errors(void **state)
{
    (void)state;
    expect_error("state_db: state.db\n",
                 "postern.yaml:1:11: state_db: must be an absolute path (starting with /), found 'state.db'");
    expect_error("postfix:\n  config_dir: etc/postfix\n",
                 "postern.yaml:2:15: postfix.config_dir: must be an absolute path");
    expect_error("dovecot: {config_file: dovecot.conf}\n", "dovecot.config_file: must be an absolute path");
    expect_error("rspamd:\n  config_file: ./rspamd.conf\n", "rspamd.config_file: must be an absolute path");
    expect_error("logs:\n  - mail.log\n", "postern.yaml:2:5: logs[0]: must be an absolute path");
    expect_error("logs:\n  - path: mail.log\n", "postern.yaml:2:11: logs[0].path: must be an absolute path");
    expect_error("state_db:\n", "state_db: expected an absolute path, found nothing");

    expect_error("rspamd:\n  controller: localhost\n",
                 "postern.yaml:2:15: rspamd.controller: expected host:port (e.g. 127.0.0.1:11334 or "
                 "[::1]:11334), found 'localhost'");
    expect_error("rspamd:\n  controller: ':11334'\n", "rspamd.controller: expected host:port");
    expect_error("rspamd:\n  controller: 'host:'\n", "rspamd.controller: expected host:port");
    expect_error("rspamd:\n  controller: 'host:12a'\n", "rspamd.controller: expected host:port");
    expect_error("rspamd:\n  controller: '::1:11334'\n", "rspamd.controller: expected host:port");
    expect_error("rspamd:\n  controller: 'a b:1'\n", "rspamd.controller: expected host:port");
    expect_error("rspamd:\n  controller: host:0\n",
                 "postern.yaml:2:15: rspamd.controller: port must be 1-65535, found 'host:0'");
    expect_error("rspamd:\n  controller: host:65536\n", "rspamd.controller: port must be 1-65535");
    expect_error("rspamd:\n  controller: host:999999\n", "rspamd.controller: expected host:port");

    expect_error("instance: a\nhosts:\n  - mx2.example.org\n",
                 "postern.yaml:3:3: hosts: remote hosts are not supported yet");
    expect_error("hosts: {mx2: {}}\n", "postern.yaml:1:8: hosts: remote hosts are not supported yet");
    expect_error("hosts: mx2\n", "hosts: remote hosts are not supported yet");

    expect_error("instance: \"lab\\nevil\"\n",
                 "postern.yaml:1:11: instance: control characters are not allowed, found LF (newline)");
    expect_error("instance: \"lab\\r\"\n", "instance: control characters are not allowed, found CR");
    expect_error("instance: \"a\\tb\"\n", "instance: control characters are not allowed, found TAB");
    expect_error("instance: \"a\\0b\"\n", "instance: control characters are not allowed, found NUL");
    expect_error("instance: \"a\\eb\"\n", "instance: control characters are not allowed, found U+001B");
    expect_error("instance: \"a\\u202Eb\"\n", "instance: control characters are not allowed, found U+202E");
    expect_error("state_db: \"/var/lib/x\\n.db\"\n", "state_db: control characters are not allowed");
    expect_error("logs:\n  - \"/var/log/a\\rb\"\n", "logs[0]: control characters are not allowed");
    expect_error("rspamd:\n  vars:\n    A: \"x\\ny\"\n",
                 "postern.yaml:3:8: rspamd.vars.A: control characters are not allowed");
    expect_error("instance: |\n  two\n  lines\n", "instance: control characters are not allowed, found LF");
    expect_error("\"a\\nb\": 1\n", "key: control characters are not allowed");
}

static void test_yaml_errors(void **state)
{
    (void)state;
    expect_error("", "postern.yaml: empty configuration");
    expect_error("# nothing but a comment\n\n", "postern.yaml: empty configuration");
    expect_error("---\n", "postern.yaml: empty configuration");
    expect_error("~\n", "postern.yaml: empty configuration");

    expect_error("instance: a\n  b: c\n",
                 "postern.yaml:2:4: YAML syntax error: mapping values are not allowed in this context");
    expect_error("postfix: [a, b\n", "postern.yaml:2:1: YAML syntax error: did not find expected ',' or ']'");
    expect_error("instance: \"unterminated\n",
                 "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 1 column 11)");
    expect_error("instance: a\n\tlogs: []\n", "postern.yaml:2:1: YAML syntax error:");
    expect_error("instance: \"\xff\"\n", "postern.yaml: invalid text at byte 11: invalid leading UTF-8 octet");

    expect_error("instance: &name lab\n",
                 "postern.yaml:1:11: YAML anchors (&name) are not supported in postern.yaml");
    expect_error("instance: *name\n",
                 "postern.yaml:1:11: YAML aliases (*name) are not supported in postern.yaml");
    expect_error("instance: !!int 3\n",
                 "postern.yaml:1:11: YAML tags (tag:yaml.org,2002:int) are not supported");
    expect_error("instance: a\n---\ninstance: b\n",
                 "postern.yaml:2:1: only one YAML document is allowed in postern.yaml");

    pn_str deep = PN_STR_INIT;
    pn_str_append(&deep, "instance: ");
    for (int i = 0; i < 100; i++)
        pn_str_append(&deep, "[");
    for (int i = 0; i < 100; i++)
        pn_str_append(&deep, "]");
    pn_str_append(&deep, "\n");
    expect_error(pn_str_cstr(&deep), "nested more than 32 levels deep");
    pn_str_free(&deep);

    /* Messages use the name given; a NULL name falls back to postern.yaml. */
    pn_err err = PN_ERR_INIT;
    assert_null(pn_config_parse("/etc/postern/postern.yaml", "x: 1\n", 5, &err));
    assert_contains(err.msg, "/etc/postern/postern.yaml:1:1: unknown key 'x'");
    assert_null(pn_config_parse(NULL, NULL, 0, &err));
    assert_string_equal(err.msg, "postern.yaml: empty configuration");
    /* Length is authoritative (text need not be NUL-terminated there). */
    pn_config *c = pn_config_parse("n", "instance: abcdef", 13, &err);
    assert_non_null(c);
    assert_string_equal(c->instance, "abc");
    pn_config_free(c);
    pn_err_clear(&err);
}

/* ---- files and search order ------------------------------------------- */

typedef struct fixture {
    char dir[64];
    char *saved[5];
} fixture;

static const char *const env_names[] = {"HOME", "XDG_CONFIG_HOME", "POSTERN_CONFIG",
                                        "POSTERN_SYSCONFDIR", NULL};

static int fs_setup(void **state)
{
    fixture *f = pn_calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/postern-test-config.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    for (size_t i = 0; env_names[i]; i++) {
        const char *v = getenv(env_names[i]);
        f->saved[i] = v ? pn_strdup(v) : NULL;
        unsetenv(env_names[i]);
    }
    *state = f;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int fs_teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; env_names[i]; i++) {
        if (f->saved[i])
            setenv(env_names[i], f->saved[i], 1);
        else
            unsetenv(env_names[i]);
        free(f->saved[i]);
    }
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Write text to dir/rel, creating parent directories. Returns the heap path. */
static char *put(const fixture *f, const char *rel, const char *text)
{
    char *path = pn_sprintf("%s/%s", f->dir, rel);
    for (char *s = path + strlen(f->dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0700);
        *s = '/';
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static char *sub(const fixture *f, const char *rel)
{
    return pn_sprintf("%s/%s", f->dir, rel);
}

/* Load with the search order and check which instance won. */
static void expect_instance(const char *explicit_path, const char *instance, const char *source)
{
    pn_err err = PN_ERR_INIT;
    pn_config *c = pn_config_load(explicit_path, &err);
    if (!c)
        fail_msg("load: %s", pn_err_msg(&err));
    assert_string_equal(c->instance, instance);
    assert_string_equal(c->source, source);
    pn_config_free(c);
}

static void expect_load_error(const char *explicit_path, pn_errcode code, const char *want)
{
    pn_err err = PN_ERR_INIT;
    pn_config *c = pn_config_load(explicit_path, &err);
    if (c) {
        pn_config_free(c);
        fail_msg("expected a load error containing '%s'", want);
    }
    assert_int_equal(err.code, code);
    assert_contains(err.msg, want);
    pn_err_clear(&err);
}

/* The optional console section: theme, keymap and refresh interval. */
static void test_console_section(void **state)
{
    (void)state;
    pn_config *c = expect_ok("instance: x\n");
    assert_null(c->console_theme);
    assert_null(c->console_keymap);
    assert_int_equal(c->console_refresh, -1);
    pn_config_free(c);
    c = expect_ok("console:\n  theme: light\n  keymap: vi\n  refresh: 10\n");
    assert_string_equal(c->console_theme, "light");
    assert_string_equal(c->console_keymap, "vi");
    assert_int_equal(c->console_refresh, 10);
    pn_config_free(c);
    c = expect_ok("console:\n  refresh: 0\n");
    assert_int_equal(c->console_refresh, 0);
    pn_config_free(c);
    c = expect_ok("console: {}\n");
    pn_config_free(c);
    expect_error("console:\n  them: dark\n",
                 "postern.yaml:2:3: unknown key 'them' in console (did you mean 'theme'?)");
    expect_error("console:\n  theme: blue\n",
                 "postern.yaml:2:10: console.theme: expected one of dark, light, mono");
    expect_error("console:\n  keymap: emacs\n", "console.keymap: expected one of default, vi");
    expect_error("console:\n  refresh: soon\n",
                 "console.refresh: expected a number of seconds from 0 (off) to 3600");
    expect_error("console:\n  refresh: -1\n", "console.refresh: expected a number of seconds");
    expect_error("console: dark\n", "console: expected a mapping");
}

static void test_load_file(void **state)
{
    fixture *f = *state;
    char *path = put(f, "postern.yaml", example);
    pn_err err = PN_ERR_INIT;
    pn_config *c = pn_config_load_file(path, &err);
    assert_non_null(c);
    assert_string_equal(c->source, path);
    assert_string_equal(c->instance, "lab");
    assert_int_equal(c->n_logs, 2);
    pn_config_free(c);
    free(path);

    path = put(f, "bad.yaml", "instance: lab\npostfix:\n  - a\n");
    assert_null(pn_config_load_file(path, &err));
    assert_int_equal(err.code, PN_E_CONFIG);
    char *want = pn_sprintf("%s:3:3: postfix: expected a mapping, found a sequence", path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);

    path = put(f, "empty.yaml", "");
    assert_null(pn_config_load_file(path, &err));
    want = pn_sprintf("%s: empty configuration", path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);

    path = sub(f, "missing.yaml");
    assert_null(pn_config_load_file(path, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    want = pn_sprintf("cannot read %s: No such file or directory", path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);

    assert_null(pn_config_load_file(f->dir, &err));
    assert_int_equal(err.code, PN_E_IO);
    assert_contains(err.msg, "not a regular file");

    /* Over the size limit. */
    path = sub(f, "huge.yaml");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 40000; i++)
        fputs("# padding padding padding padding\n", fp);
    fclose(fp);
    assert_null(pn_config_load_file(path, &err));
    assert_contains(err.msg, "too large");
    free(path);
    pn_err_clear(&err);
}

static void test_search_order(void **state)
{
    fixture *f = *state;
    char *home = sub(f, "home");
    char *xdg = sub(f, "xdg");
    char *sysconf = sub(f, "etc");
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    setenv("POSTERN_SYSCONFDIR", sysconf, 1);

    /* Nothing anywhere: built-in defaults. */
    pn_err err = PN_ERR_INIT;
    pn_config *c = pn_config_load(NULL, &err);
    assert_non_null(c);
    assert_string_equal(c->source, "built-in defaults");
    assert_string_equal(c->instance, "localhost");
    pn_config_free(c);

    /* The system file. */
    char *sys = put(f, "etc/postern.yaml", "instance: sys\n");
    expect_instance(NULL, "sys", sys);

    /* ~/.config beats the system file. */
    char *user = put(f, "home/.config/postern/postern.yaml", "instance: home\n");
    expect_instance(NULL, "home", user);

    /* $XDG_CONFIG_HOME replaces ~/.config (even when it has no file). */
    setenv("XDG_CONFIG_HOME", xdg, 1);
    expect_instance(NULL, "sys", sys);
    char *xdgfile = put(f, "xdg/postern/postern.yaml", "instance: xdg\n");
    expect_instance(NULL, "xdg", xdgfile);
    /* A relative $XDG_CONFIG_HOME is ignored. */
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    expect_instance(NULL, "home", user);
    setenv("XDG_CONFIG_HOME", xdg, 1);

    /* $POSTERN_CONFIG beats them; it must exist when set. */
    char *envfile = put(f, "env.yaml", "instance: env\n");
    setenv("POSTERN_CONFIG", envfile, 1);
    expect_instance(NULL, "env", envfile);
    char *missing = sub(f, "nope.yaml");
    setenv("POSTERN_CONFIG", missing, 1);
    char *want = pn_sprintf("POSTERN_CONFIG=%s: No such file or directory", missing);
    expect_load_error(NULL, PN_E_NOTFOUND, want);
    free(want);
    setenv("POSTERN_CONFIG", "", 1);  /* empty means unset */
    expect_instance(NULL, "xdg", xdgfile);
    setenv("POSTERN_CONFIG", envfile, 1);

    /* --config beats everything; it must exist. */
    char *explicit_file = put(f, "explicit.yaml", "instance: explicit\n");
    expect_instance(explicit_file, "explicit", explicit_file);
    want = pn_sprintf("--config %s: No such file or directory", missing);
    expect_load_error(missing, PN_E_NOTFOUND, want);
    free(want);
    expect_load_error("", PN_E_INVALID, "--config: the path is empty");

    /* A broken file found by the search is an error, not skipped. */
    unsetenv("POSTERN_CONFIG");
    free(put(f, "xdg/postern/postern.yaml", "instance: xdg\nbogus: 1\n"));
    want = pn_sprintf("%s:2:1: unknown key 'bogus'", xdgfile);
    expect_load_error(NULL, PN_E_CONFIG, want);
    free(want);

    /* Without HOME and XDG, the system file. */
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    expect_instance(NULL, "sys", sys);

    /* A file where the postern/ directory should be counts as missing. */
    setenv("HOME", home, 1);
    remove(user);
    char *cfgdir = sub(f, "home/.config/postern");
    rmdir(cfgdir);
    free(put(f, "home/.config/postern", "not a directory\n"));
    expect_instance(NULL, "sys", sys);  /* ENOTDIR counts as missing */
    free(cfgdir);

    free(explicit_file);
    free(missing);
    free(envfile);
    free(xdgfile);
    free(user);
    free(sys);
    free(sysconf);
    free(xdg);
    free(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_key_errors),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_console_section),
        cmocka_unit_test(test_journal_logs),
        cmocka_unit_test_setup_teardown(test_load_file, fs_setup, fs_teardown),
        cmocka_unit_test_setup_teardown(test_search_order, fs_setup, fs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
