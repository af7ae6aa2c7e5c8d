/* cli_domain.c - `postern domain ...`: the mail domains in the state store
 * (local delivery or relay, hidden copy, catch-all). */
#include "cli_store.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

#define NOUN "domain"

static void json_domain(pn_json *j, const void *item)
{
    const pn_domain *d = item;
    pn_json_obj_begin(j);
    pn_json_kstr(j, "name", d->name);
    pn_json_kstr(j, "delivery", d->relay ? "relay" : "local");
    pn_json_kstr(j, "relay_host", d->relay ? d->relay_host : NULL);
    pn_json_kint(j, "relay_port", d->relay ? (d->relay_port ? d->relay_port : 25) : 0);
    pn_json_kstr(j, "bcc", d->bcc);
    pn_json_kstr(j, "catch_all", d->catchall);
    pn_cli_json_meta(j, d->rev, d->created, d->updated);
    pn_json_obj_end(j);
}

static void relay_text(pn_str *s, const pn_domain *d)
{
    if (!d->relay)
        pn_str_append(s, "local");
    else
        pn_str_appendf(s, "relay %s:%d", d->relay_host, d->relay_port ? d->relay_port : 25);
}

static bool domain_list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    (void)o;
    pn_domain *list = NULL;
    size_t n = 0;
    if (!pn_store_domain_list(st, &list, &n, err)) {
        pn_domain_list_free(list, n);
        return false;
    }
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, false, json_domain);
    } else {
        pn_str_append(&s, "DOMAIN                         DELIVERY                  BCC                       CATCH-ALL\n");
        for (size_t i = 0; i < n; i++) {
            pn_str r = PN_STR_INIT;
            relay_text(&r, &list[i]);
            pn_cli_cell(&s, list[i].name, 30);
            pn_cli_cell(&s, pn_str_cstr(&r), 25);
            pn_cli_cell(&s, list[i].bcc, 25);
            pn_cli_cell(&s, list[i].catchall, 0);
            pn_str_appendc(&s, '\n');
            pn_str_free(&r);
        }
    }
    pn_cli_flush(&s);
    pn_domain_list_free(list, n);
    return true;
}

static int domain_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " ", 0, "no arguments",
                                  domain_list_read);
}

static bool domain_show_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_domain d = {0};
    if (!pn_store_domain_get(st, o->words.v[0], &d, err)) {
        pn_domain_clear(&d);
        return false;
    }
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, &d, sizeof(d), 1, true, json_domain);
    } else {
        pn_str r = PN_STR_INIT;
        relay_text(&r, &d);
        pn_str_append(&s, "domain:    "); pn_cli_cell(&s, d.name, 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "delivery:  "); pn_cli_cell(&s, pn_str_cstr(&r), 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "bcc:       "); pn_cli_cell(&s, d.bcc, 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "catch-all: "); pn_cli_cell(&s, d.catchall, 0); pn_str_appendc(&s, '\n');
        pn_str_appendf(&s, "revision:  %lld\n", (long long)d.rev);
        pn_str_free(&r);
    }
    pn_cli_flush(&s);
    pn_domain_clear(&d);
    return true;
}

static int domain_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "a domain name",
                                  domain_show_read);
}

/* --relay HOST[:PORT] into d; false on a bad port (usage error). */
static bool set_relay(const char *noun, const char *v, pn_domain *d, int *rc)
{
    free(d->relay_host);
    d->relay_host = NULL;
    d->relay_port = 0;
    d->relay = true;
    const char *colon = strrchr(v, ':');
    if (colon && !strchr(v, ']') && strchr(v, ':') != colon)
        colon = NULL; /* a bare IPv6 address */
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        colon = close && close[1] == ':' ? close + 1 : NULL;
    }
    if (!colon) {
        d->relay_host = pn_strdup(v);
        return true;
    }
    int port = 0;
    pn_err err = PN_ERR_INIT;
    bool digits = colon[1] != '\0';
    for (const char *c = colon + 1; *c; c++)
        digits = digits && *c >= '0' && *c <= '9';
    if (!digits || !pn_valid_port("--relay port", colon + 1, &port, &err)) {
        pn_err_clear(&err);
        *rc = pn_cli_usage(noun, "--relay: needs HOST[:PORT] with a port of digits, 1-65535");
        return false;
    }
    d->relay_host = pn_strndup(v, (size_t)(colon - v));
    d->relay_port = port;
    return true;
}

static void set_opt_str(char **field, const char *v)
{
    free(*field);
    *field = v ? pn_strdup(v) : NULL;
}

/* Applies the options shared by add and edit. */
static bool apply_opts(const char *noun, const pn_cli_opts *o, pn_domain *d, int *rc)
{
    const char *v;
    if ((v = pn_cli_opt(o, "--relay")) && !set_relay(noun, v, d, rc))
        return false;
    if (pn_cli_opt_has(o, "--local")) {
        if (pn_cli_opt_has(o, "--relay")) {
            *rc = pn_cli_usage(noun, "--local and --relay exclude each other");
            return false;
        }
        d->relay = false;
        set_opt_str(&d->relay_host, NULL);
        d->relay_port = 0;
    }
    if ((v = pn_cli_opt(o, "--bcc")) && !*v) {
        *rc = pn_cli_usage(noun, "--bcc: is empty (--no-bcc removes the hidden copy)");
        return false;
    }
    if (v)
        set_opt_str(&d->bcc, v);
    if (pn_cli_opt_has(o, "--no-bcc"))
        set_opt_str(&d->bcc, NULL);
    if ((v = pn_cli_opt(o, "--catch-all")) && !*v) {
        *rc = pn_cli_usage(noun, "--catch-all: is empty (--no-catch-all removes the catch-all)");
        return false;
    }
    if ((v = pn_cli_opt(o, "--catch-all")))
        set_opt_str(&d->catchall, v);
    if (pn_cli_opt_has(o, "--no-catch-all"))
        set_opt_str(&d->catchall, NULL);
    return true;
}

static int domain_change(pn_cli *cli, int argc, char **argv, bool add)
{
    const char *noun = add ? NOUN " add" : NOUN " edit";
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    pn_domain d = {0};
    pn_err err = PN_ERR_INIT;
    int64_t rev = 0;
    if (!pn_cli_opts_parse(noun, add ? " " : " --local --no-bcc --no-catch-all ",
                           add ? " --relay --bcc --catch-all " : " --relay --bcc --catch-all --rev ",
                           argc, argv, 2, &o, &rc) ||
        !pn_cli_opts_words(noun, &o, 1, "a domain name", &rc) ||
        !pn_cli_opt_rev(noun, &o, &rev, &rc))
        goto out;
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    if (add) {
        d.name = pn_strdup(o.words.v[0]);
    } else if (!pn_store_domain_get(cs.st, o.words.v[0], &d, &err)) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    if (!apply_opts(noun, &o, &d, &rc))
        goto out;
    if (rev)
        d.rev = rev;
    bool ok = add ? pn_store_domain_add(cs.st, &d, NULL, &err) : pn_store_domain_edit(cs.st, &d, &err);
    if (!ok) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    pn_domain_clear(&d);
    int64_t now_rev = pn_store_domain_get(cs.st, o.words.v[0], &d, &err) ? d.rev : 0;
    pn_err_clear(&err);
    rc = pn_cli_store_done(cli, NOUN, o.words.v[0], add ? "added" : "changed", now_rev);
out:
    pn_domain_clear(&d);
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

static int domain_add(pn_cli *cli, int argc, char **argv) { return domain_change(cli, argc, argv, true); }
static int domain_edit(pn_cli *cli, int argc, char **argv) { return domain_change(cli, argc, argv, false); }

static const pn_cli_store_deleter deleter = {
    NOUN, "a domain name",
    "Refused if it still has mailboxes, groups or addresses.",
    "Its mailboxes, groups and addresses are deleted too.",
    pn_store_domain_delete};

static int domain_delete(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_delete_verb(cli, argc, argv, &deleter);
}

static const pn_cli_store_verbs verbs = {NOUN, domain_list, domain_show, domain_add, domain_edit,
                                         domain_delete};

static int domain_run(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_dispatch(&verbs, cli, argc, argv);
}

const pn_cli_noun pn_cli_noun_domain = {
    .name = "domain",
    .summary = "list, show, add, edit and delete mail domains",
    .usage =
        "usage: postern domain list\n"
        "       postern domain show DOMAIN\n"
        "       postern domain add DOMAIN [--relay HOST[:PORT]] [--bcc ADDR] [--catch-all MAILBOX]\n"
        "       postern domain edit DOMAIN [--relay HOST[:PORT] | --local] [--bcc ADDR | --no-bcc]\n"
        "                          [--catch-all MAILBOX | --no-catch-all] [--rev N]\n"
        "       postern domain delete DOMAIN [--cascade] [--yes] [--rev N]\n"
        "\n"
        "Domains postern receives mail for: delivered to local mailboxes, or relayed\n"
        "to HOST (port 25 unless given). --bcc sends a hidden copy of every inbound\n"
        "message to ADDR; --catch-all delivers mail for unknown local parts to MAILBOX.\n"
        "edit changes only what is given; --rev N refuses the change unless the domain\n"
        "is still at revision N (default: the revision read just before).\n"
        "delete is refused while mailboxes, groups or addresses use the domain, unless\n"
        "--cascade deletes them too. It asks on a terminal; otherwise give --yes.\n"
        "\n"
        "Changes are recorded in the state DB (with a journal entry) and go out to\n"
        "Postfix and Dovecot with 'postern apply'.\n"
        "\n"
        "--json: list prints an array, show one object:\n"
        "  {\"name\", \"delivery\": \"local\"|\"relay\", \"relay_host\", \"relay_port\",\n"
        "   \"bcc\", \"catch_all\", \"rev\", \"created\", \"updated\"} (absent values null,\n"
        "   times in Unix seconds). add/edit/delete print\n"
        "  {\"ok\": true, \"entity\", \"name\", \"action\", \"rev\"}.\n",
    .run = domain_run,
};
