/* cli_config.c - `postern config show|path`: which postern.yaml is in force
 * and what it says, after defaults are applied. */
#include "cli.h"

#include <string.h>

static void show_text(pn_str *out, const pn_ctx *ctx)
{
    const pn_config *c = ctx->cfg;
    pn_str_appendf(out, "source:              %s\n", c->source);
    pn_str_appendf(out, "instance:            %s\n", c->instance);
    pn_str_appendf(out, "read_only:           %s\n", ctx->read_only ? "true" : "false");
    pn_str_appendf(out, "postfix.config_dir:  %s\n", c->postfix_config_dir);
    pn_str_appendf(out, "dovecot.config_file: %s\n", c->dovecot_config_file);
    pn_str_appendf(out, "rspamd.config_file:  %s\n", c->rspamd_config_file);
    pn_str_appendf(out, "rspamd.controller:   %s\n", c->rspamd_controller ? c->rspamd_controller : "-");
    for (size_t i = 0; i < c->n_rspamd_vars; i++)
        pn_str_appendf(out, "rspamd.vars.%s: %s\n", c->rspamd_vars[i].key, c->rspamd_vars[i].value);
    for (size_t i = 0; i < c->n_logs; i++)
        pn_str_appendf(out, "logs[%zu]:             %s (%s)\n", i, c->logs[i].path, c->logs[i].format);
    pn_str_appendf(out, "state_db:            %s\n", c->state_db);
}

static void show_json(pn_str *out, const pn_ctx *ctx)
{
    const pn_config *c = ctx->cfg;
    pn_json j;
    pn_json_init(&j, out, true);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "source", c->source);
    pn_json_kstr(&j, "instance", c->instance);
    pn_json_kbool(&j, "read_only", ctx->read_only);
    pn_json_key(&j, "postfix");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_dir", c->postfix_config_dir);
    pn_json_obj_end(&j);
    pn_json_key(&j, "dovecot");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_file", c->dovecot_config_file);
    pn_json_obj_end(&j);
    pn_json_key(&j, "rspamd");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_file", c->rspamd_config_file);
    pn_json_kstr(&j, "controller", c->rspamd_controller);
    pn_json_key(&j, "vars");
    pn_json_obj_begin(&j);
    for (size_t i = 0; i < c->n_rspamd_vars; i++)
        pn_json_kstr(&j, c->rspamd_vars[i].key, c->rspamd_vars[i].value);
    pn_json_obj_end(&j);
    pn_json_obj_end(&j);
    pn_json_key(&j, "logs");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < c->n_logs; i++) {
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "path", c->logs[i].path);
        pn_json_kstr(&j, "format", c->logs[i].format);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);
    pn_json_kstr(&j, "state_db", c->state_db);
    pn_json_obj_end(&j);
    pn_str_appendc(out, '\n');
}

static int run_config(pn_cli *cli, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "show";
    int rc;
    if (strcmp(verb, "show") != 0 && strcmp(verb, "path") != 0)
        return pn_cli_usage("config", "unknown action '%s' (expected show or path)", verb);
    if (!pn_cli_no_more_args("config", argc, argv, argc > 1 ? 2 : 1, &rc))
        return rc;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return PN_EXIT_FAIL;
    pn_str out = PN_STR_INIT;
    if (!strcmp(verb, "path"))
        pn_str_appendf(&out, "%s\n", ctx->cfg->source);
    else if (cli->json)
        show_json(&out, ctx);
    else
        show_text(&out, ctx);
    pn_cli_flush(&out);
    return PN_EXIT_OK;
}

const pn_cli_noun pn_cli_noun_config = {
    "config",
    "show the postern.yaml in force (show|path)",
    "usage: postern config [show|path] [--json]\n"
    "\n"
    "show  the effective configuration after defaults (default action)\n"
    "path  only the file it came from ('built-in defaults' if none)\n"
    "\n"
    "Search order: --config FILE, $POSTERN_CONFIG,\n"
    "$XDG_CONFIG_HOME/postern/postern.yaml (~/.config/...), /etc/postern/postern.yaml.\n",
    run_config,
};
