/* cli_store.c - helpers shared by the state-store nouns: open the store,
 * parse verb options, confirm deletes, print cells and result lines. */
#include "cli_store.h"
#include "db.h"
#include "util/mem.h"
#include "util/text.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool pn_cli_store_open(pn_cli *cli, pn_cli_store *cs)
{
    memset(cs, 0, sizeof(*cs));
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return false;
    pn_err err = PN_ERR_INIT;
    cs->db = pn_db_open_state(ctx->cfg->state_db, &err);
    if (!cs->db) {
        pn_cli_fail("state database", &err);
        pn_err_clear(&err);
        return false;
    }
    cs->st = pn_store_new(cs->db, ctx, NULL);
    return true;
}

void pn_cli_store_close(pn_cli_store *cs)
{
    pn_store_free(cs->st);
    if (cs->db)
        pn_db_close(cs->db);
    memset(cs, 0, sizeof(*cs));
}

static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if (p > list && p[-1] == ' ' && p[n] == ' ')
            return true;
    return false;
}

/* What a positional word is, for error messages: the field the store would
 * name ("name" of a domain being added, "address" of a mailbox, ...). */
static const char *word_field(const char *noun, const pn_argv *words, char *buf, size_t size)
{
    size_t nth = words->n;
    if (!strncmp(noun, "setting", 7)) {
        if (nth == 0)
            return "setting";
        return words->v[0];
    }
    if (nth == 0) {
        if (!strcmp(noun, "domain add"))
            return "name";
        if (!strncmp(noun, "domain", 6))
            return "domain";
        if (!strncmp(noun, "public", 6))
            return "name";
        if (!strncmp(noun, "mailbox", 7) || !strncmp(noun, "group", 5) ||
            !strncmp(noun, "address", 7))
            return "address";
    }
    snprintf(buf, size, "argument %zu", nth + 1);
    return buf;
}

bool pn_cli_opts_parse(const char *noun, const char *flags, const char *valued, int argc,
                       char **argv, int first, pn_cli_opts *o, int *rc)
{
    memset(o, 0, sizeof(*o));
    bool words_only = false;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (words_only || a[0] != '-' || !strcmp(a, "-")) {
            if (strpbrk(a, "\r\n")) {
                char buf[32];
                *rc = pn_cli_usage(noun, "%s: cannot contain line breaks (CR or LF)",
                                   word_field(noun, &o->words, buf, sizeof(buf)));
                goto fail;
            }
            pn_argv_add(&o->words, a);
            continue;
        }
        if (!strcmp(a, "--")) {
            words_only = true;
            continue;
        }
        const char *eq = strchr(a, '=');
        char *name = eq ? pn_strndup(a, (size_t)(eq - a)) : pn_strdup(a);
        const char *val = eq ? eq + 1 : NULL;
        const char *why = NULL;
        bool is_flag = listed(flags, name), is_valued = listed(valued, name);
        if (strpbrk(name, "\r\n"))
            why = "an option name cannot contain line breaks (CR or LF)";
        else if (!is_flag && !is_valued)
            why = "unknown option";
        else if (is_flag && val)
            why = "takes no value";
        else if (is_valued && !val && i + 1 >= argc)
            why = "needs a value";
        if (!why && is_valued && !val)
            val = argv[++i];
        if (!why && val && strpbrk(val, "\r\n"))
            why = "the value cannot contain line breaks (CR or LF)";
        if (why) {
            if (!strcmp(why, "unknown option"))
                *rc = pn_cli_usage(noun, "unknown option '%s'", name);
            else if (strpbrk(name, "\r\n"))
                *rc = pn_cli_usage(noun, "%s", why);
            else
                *rc = pn_cli_usage(noun, "%s: %s", name, why);
            free(name);
            goto fail;
        }
        pn_argv_add(&o->names, name);
        pn_argv_add(&o->values, val ? val : "");
        free(name);
    }
    return true;
fail:
    pn_cli_opts_free(o);   /* callers need not free after a failure */
    return false;
}

void pn_cli_opts_free(pn_cli_opts *o)
{
    pn_argv_free(&o->words);
    pn_argv_free(&o->names);
    pn_argv_free(&o->values);
}

bool pn_cli_opt_has(const pn_cli_opts *o, const char *name)
{
    for (size_t i = 0; i < o->names.n; i++)
        if (!strcmp(o->names.v[i], name))
            return true;
    return false;
}

const char *pn_cli_opt(const pn_cli_opts *o, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < o->names.n; i++)
        if (!strcmp(o->names.v[i], name))
            v = o->values.v[i];
    return v;
}

void pn_cli_opt_all(const pn_cli_opts *o, const char *name, pn_argv *out)
{
    for (size_t i = 0; i < o->names.n; i++)
        if (!strcmp(o->names.v[i], name))
            pn_argv_add(out, o->values.v[i]);
}

bool pn_cli_opts_words(const char *noun, const pn_cli_opts *o, size_t n, const char *what,
                       int *rc)
{
    if (o->words.n < n) {
        *rc = pn_cli_usage(noun, "give %s", what);
        return false;
    }
    if (o->words.n > n) {
        *rc = pn_cli_usage(noun, "unexpected argument '%s'", o->words.v[n]);
        return false;
    }
    return true;
}

bool pn_cli_opt_rev(const char *noun, const pn_cli_opts *o, int64_t *rev, int *rc)
{
    *rev = 0;
    const char *v = pn_cli_opt(o, "--rev");
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 1) {
        *rc = pn_cli_usage(noun, "--rev needs a revision number >= 1, not '%s'", v);
        return false;
    }
    *rev = n;
    return true;
}

bool pn_cli_answer_yes(void)
{
    pn_str line = PN_STR_INIT;
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        pn_str_appendc(&line, (char)c);
    bool yes = line.len && (line.s[0] == 'y' || line.s[0] == 'Y');
    pn_str_free(&line);
    return yes;
}

bool pn_cli_store_confirm(const char *noun, const pn_cli_opts *o, const char *what,
                          const char *affected, int *rc)
{
    if (pn_cli_opt_has(o, "--yes"))
        return true;
    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
        *rc = pn_cli_usage(noun, "add --yes to delete %s without a terminal to confirm on", what);
        return false;
    }
    char *w = pn_utf8_sanitized(what);
    fprintf(stderr, "Delete %s?%s%s [y/N] ", w, affected ? " " : "", affected ? affected : "");
    free(w);
    fflush(stderr);
    bool yes = pn_cli_answer_yes();
    if (!yes) {
        fprintf(stderr, "postern: %s: not deleted\n", noun);
        *rc = PN_EXIT_FAIL;
    }
    return yes;
}

void pn_cli_json_meta(pn_json *j, int64_t rev, int64_t created, int64_t updated)
{
    pn_json_kint(j, "rev", rev);
    pn_json_kint(j, "created", created);
    pn_json_kint(j, "updated", updated);
}

void pn_cli_cell(pn_str *out, const char *text, int width)
{
    char *clean = pn_utf8_sanitized(text ? text : "-");
    pn_str_append(out, clean);
    size_t w = pn_text_width(clean);
    free(clean);
    for (size_t i = w; (int)i < width; i++)
        pn_str_appendc(out, ' ');
    if (width)
        pn_str_appendc(out, ' ');
}

int pn_cli_store_fail(const char *what, pn_err *err)
{
    int rc = pn_cli_fail(what, err);
    pn_err_clear(err);
    return rc;
}

int pn_cli_store_done(pn_cli *cli, const char *noun, const char *name, const char *verb,
                      int64_t rev)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &s, false);
        pn_json_obj_begin(&j);
        pn_json_kbool(&j, "ok", true);
        pn_json_kstr(&j, "entity", noun);
        pn_json_kstr(&j, "name", name);
        pn_json_kstr(&j, "action", verb);
        if (rev > 0)
            pn_json_kint(&j, "rev", rev);
        pn_json_obj_end(&j);
        pn_str_appendc(&s, '\n');
    } else {
        char *clean = pn_utf8_sanitized(name);
        pn_str_appendf(&s, "%s %s %s", noun, clean, verb);
        if (rev > 0)
            pn_str_appendf(&s, " (revision %lld)", (long long)rev);
        pn_str_append(&s, "; run 'postern apply' to put it into effect\n");
        free(clean);
    }
    pn_cli_flush(&s);
    return PN_EXIT_OK;
}

int pn_cli_store_dispatch(const pn_cli_store_verbs *v, pn_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return v->list(cli, argc, argv);
    const char *verb = argv[1];
    if (!strcmp(verb, "list")) return v->list(cli, argc, argv);
    if (!strcmp(verb, "show")) return v->show(cli, argc, argv);
    if (!strcmp(verb, "add")) return v->add(cli, argc, argv);
    if (!strcmp(verb, "edit")) return v->edit(cli, argc, argv);
    if (!strcmp(verb, "delete")) return v->del(cli, argc, argv);
    if (!strcmp(verb, "help") || !strcmp(verb, "--help"))
        return pn_cli_help(v->noun);
    return pn_cli_usage(v->noun, "unknown verb '%s' (list, show, add, edit, delete)", verb);
}

static bool read_all(FILE *f, pn_str *out)
{
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        pn_str_appendn(out, buf, n);
        if (out->len > PN_STORE_PASSWORD_MAX + 2)
            break;
    }
    for (size_t i = 0; i < sizeof(buf); i++)
        ((volatile char *)buf)[i] = 0;
    return !ferror(f);
}

void pn_cli_password_free(char *pw)
{
    if (!pw)
        return;
    for (volatile char *p = pw; *p; p++)
        *p = 0;
    free(pw);
}

bool pn_cli_read_password(const char *noun, const pn_cli_opts *o, char **out, int *rc)
{
    *out = NULL;
    bool from_stdin = pn_cli_opt_has(o, "--password-stdin");
    const char *file = pn_cli_opt(o, "--password-file");
    if (!from_stdin && !file)
        return true;
    if (from_stdin && file) {
        *rc = pn_cli_usage(noun, "--password-stdin and --password-file exclude each other");
        return false;
    }
    pn_str pw = PN_STR_INIT;
    bool ok;
    if (from_stdin) {
        ok = read_all(stdin, &pw);
        if (!ok)
            fprintf(stderr, "postern: %s: cannot read the password from stdin\n", noun);
    } else {
        FILE *f = fopen(file, "r");
        struct stat sb;
        if (!f || fstat(fileno(f), &sb) != 0) {
            char *clean = pn_utf8_sanitized(file);
            fprintf(stderr, "postern: %s: %s: %s\n", noun, clean, strerror(errno));
            free(clean);
            if (f)
                fclose(f);
            *rc = PN_EXIT_FAIL;
            return false;
        }
        ok = !(sb.st_mode & 077);
        if (!ok) {
            char *clean = pn_utf8_sanitized(file);
            fprintf(stderr, "postern: %s: %s: a password file must not be readable by group or "
                    "others (chmod 600)\n", noun, clean);
            free(clean);
        } else if (!(ok = read_all(f, &pw))) {
            fprintf(stderr, "postern: %s: cannot read the password file\n", noun);
        }
        fclose(f);
    }
    if (ok) {
        if (pw.len && pw.s[pw.len - 1] == '\n')
            pw.len--;
        if (pw.len && pw.s[pw.len - 1] == '\r')
            pw.len--;
        if (pw.s)
            pw.s[pw.len] = '\0';
        if (!pw.len || memchr(pw.s, '\0', pw.len) || strpbrk(pw.s, "\r\n")) {
            fprintf(stderr, "postern: %s: the password must be one non-empty line\n", noun);
            ok = false;
        }
    }
    if (!ok) {
        if (pw.s)
            memset(pw.s, 0, pw.cap);
        pn_str_free(&pw);
        *rc = PN_EXIT_FAIL;
        return false;
    }
    *out = pn_str_steal(&pw);
    return true;
}

static size_t argv_find(const pn_argv *a, const char *s)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i], s))
            return i;
    return (size_t)-1;
}

bool pn_cli_list_edit(const char *noun, const pn_cli_opts *o, const char *set, const char *add,
                      const char *remove, pn_argv *cur, int *rc)
{
    pn_argv vals = {0};
    pn_cli_opt_all(o, set, &vals);
    if (vals.n) {
        pn_argv_free(cur);
        for (size_t i = 0; i < vals.n; i++)
            if (argv_find(cur, vals.v[i]) == (size_t)-1)
                pn_argv_add(cur, vals.v[i]);
    }
    pn_argv_free(&vals);
    if (add) {
        pn_cli_opt_all(o, add, &vals);
        for (size_t i = 0; i < vals.n; i++)
            if (argv_find(cur, vals.v[i]) == (size_t)-1)
                pn_argv_add(cur, vals.v[i]);
        pn_argv_free(&vals);
    }
    if (remove) {
        pn_cli_opt_all(o, remove, &vals);
        for (size_t i = 0; i < vals.n; i++) {
            size_t at = argv_find(cur, vals.v[i]);
            if (at == (size_t)-1) {
                *rc = pn_cli_usage(noun, "%s %s: not in the list", remove, vals.v[i]);
                pn_argv_free(&vals);
                return false;
            }
            free(cur->v[at]);
            memmove(&cur->v[at], &cur->v[at + 1], (cur->n - at) * sizeof(char *));
            cur->n--;
        }
        pn_argv_free(&vals);
    }
    return true;
}

int pn_cli_store_run(pn_cli *cli, int argc, char **argv, const pn_cli_store_cmd *c, void *arg)
{
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    if (!pn_cli_opts_parse(c->noun, c->flags, c->valued, argc, argv, c->first, &o, &rc) ||
        (c->nwords != PN_CLI_ANY_WORDS && !pn_cli_opts_words(c->noun, &o, c->nwords, c->what,
                                                              &rc)) ||
        (c->check && !c->check(cli, &o, arg, &rc)))
        goto out;
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    rc = c->run(cli, cs.st, &o, arg);
out:
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

typedef struct read_job {
    const char *noun;
    pn_cli_store_read_fn read;
} read_job;

static int read_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    const read_job *job = arg;
    pn_err err = PN_ERR_INIT;
    return job->read(cli, st, o, &err) ? PN_EXIT_OK : pn_cli_store_fail(job->noun, &err);
}

int pn_cli_store_read_verb(pn_cli *cli, int argc, char **argv, const char *noun,
                           const char *valued, size_t nwords, const char *what,
                           pn_cli_store_read_fn read)
{
    const pn_cli_store_cmd cmd = {noun, 2, " ", valued, nwords, what, NULL, read_run};
    read_job job = {noun, read};
    return pn_cli_store_run(cli, argc, argv, &cmd, &job);
}

typedef struct delete_job {
    const pn_cli_store_deleter *d;
    const char *noun;         /* "group delete" */
    int64_t rev;
    bool cascade;
} delete_job;

static bool delete_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli;
    delete_job *job = arg;
    const pn_cli_store_deleter *d = job->d;
    if (!pn_cli_opt_rev(job->noun, o, &job->rev, rc))
        return false;
    job->cascade = d->affected_cascade && pn_cli_opt_has(o, "--cascade");
    return pn_cli_store_confirm(job->noun, o, o->words.v[0],
                                job->cascade ? d->affected_cascade : d->affected, rc);
}

static int delete_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    const delete_job *job = arg;
    pn_err err = PN_ERR_INIT;
    if (!job->d->del(st, o->words.v[0], job->rev, job->cascade, &err))
        return pn_cli_store_fail(job->noun, &err);
    return pn_cli_store_done(cli, job->d->noun, o->words.v[0], "deleted", 0);
}

int pn_cli_store_delete_verb(pn_cli *cli, int argc, char **argv, const pn_cli_store_deleter *d)
{
    char noun[64];
    snprintf(noun, sizeof(noun), "%s delete", d->noun);
    const pn_cli_store_cmd cmd = {noun, 2, d->affected_cascade ? " --cascade --yes " : " --yes ",
                                  " --rev ", 1, d->what, delete_check, delete_run};
    delete_job job = {d, noun, 0, false};
    return pn_cli_store_run(cli, argc, argv, &cmd, &job);
}

void pn_cli_json_entities(pn_str *s, const void *items, size_t size, size_t n, bool one,
                          void (*json_one)(pn_json *j, const void *item))
{
    pn_json j;
    pn_json_init(&j, s, false);
    if (!one)
        pn_json_arr_begin(&j);
    for (size_t i = 0; i < n; i++)
        json_one(&j, (const char *)items + i * size);
    if (!one)
        pn_json_arr_end(&j);
    pn_str_appendc(s, '\n');
}
