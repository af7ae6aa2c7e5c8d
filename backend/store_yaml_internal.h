/* store_yaml_internal.h - what the parts of the state import share: the
 * file read into store structs with the YAML position of every value
 * (store_yaml_parse.c), the state DB as it is (store_yaml_plan.c loads it),
 * the cross checks and the plan of what changes (store_yaml_plan.c), and the
 * writes with their journal rows (store_yaml_apply.c). */
#ifndef PN_STORE_YAML_INTERNAL_H
#define PN_STORE_YAML_INTERNAL_H

#include "store_internal.h"
#include "store_yaml.h"
#include "util/yamltree.h"

typedef pn_yaml_node yi_node;

/* One problem found, kept with its position until the report is sorted. */
typedef struct yi_found {
    int line, col;
    size_t seq;
    char *msg;                /* "NAME:LINE:COL: field: rule" */
} yi_found;

/* Where problems go (store_yaml.c sorts them into the report at the end). */
typedef struct yi_ctx {
    const char *name;
    yi_found *found;
    size_t nfound, cap, total;
} yi_ctx;

void yi_problem(yi_ctx *c, const yi_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The reason of err (a validator's "field: ... rule") at node at; clears err. */
void yi_problem_err(yi_ctx *c, const yi_node *at, pn_err *err);
/* A message that already carries its position (a YAML syntax error). */
void yi_problem_raw(yi_ctx *c, const char *msg);

/* What happens to one entity of the file. */
typedef enum yi_plan { YI_SAME, YI_ADD, YI_CHANGE } yi_plan;

typedef struct yi_setting {
    const char *key;          /* from pn_store_setting_defs */
    char *value;              /* normalised; NULL = unset */
    const yi_node *at;
} yi_setting;

/* Each entity: v holds the values (names lower-cased where the store
 * lower-cases them; NULL name when it was not valid), at its mapping, the
 * *_at arrays the nodes of list items (parallel to the lists in v). old is
 * the same entity in the DB (NULL: new). */
typedef struct yi_domain {
    pn_domain v;
    const yi_node *at, *name_at, *catchall_at;
    yi_plan plan;
    const pn_domain *old;
} yi_domain;

typedef struct yi_mailbox {
    pn_mailbox v;
    const yi_node *at, *name_at;
    bool has_hash;
    yi_plan plan;
    const pn_mailbox *old;
} yi_mailbox;

typedef struct yi_group {
    pn_group v;
    const yi_node *at, *name_at;
    const yi_node **member_at;
    yi_plan plan;
    const pn_group *old;
} yi_group;

typedef struct yi_public {
    pn_public v;
    const yi_node *at, *name_at;
    const yi_node **owner_at;
    yi_plan plan;
    const pn_public *old;
} yi_public;

typedef struct yi_address {
    pn_address v;
    const yi_node *at, *name_at;
    const yi_node **dest_at;
    yi_plan plan;
    const pn_address *old;
} yi_address;

typedef struct yi_file {
    pn_yaml_node *root;
    yi_setting *settings;
    size_t nsettings;
    yi_domain *domains;
    size_t ndomains;
    yi_mailbox *mailboxes;
    size_t nmailboxes;
    yi_group *groups;
    size_t ngroups;
    yi_public *publics;
    size_t npublics;
    yi_address *addresses;
    size_t naddresses;
} yi_file;

/* The state DB now (empty lists when it is to be replaced and not read). */
typedef struct yi_db {
    char **settings;          /* parallel to pn_store_setting_defs; NULL = unset */
    size_t nsettings;
    pn_store_state state;     /* the five lists */
    /* Replace: whether each DB entity is in the file (the others go). */
    bool *keep_domains, *keep_mailboxes, *keep_groups, *keep_publics, *keep_addresses;
} yi_db;

/* store_yaml_parse.c: text to file, reporting every field problem. false
 * only for a YAML syntax error (reported too). */
bool yi_parse(yi_ctx *c, const char *text, size_t len, yi_file *f);
void yi_file_free(yi_file *f);

/* store_yaml_plan.c */
bool yi_db_load(pn_store *st, yi_db *db, pn_err *err);
void yi_db_free(yi_db *db);
/* Cross checks (names, kinds, references) against the file and, without
 * replace, the DB; then the plan, and the counts in rep. */
void yi_check_and_plan(yi_ctx *c, yi_file *f, yi_db *db, bool replace, pn_import_report *rep);

/* For setting i of pn_store_setting_defs: true when the import decides it
 * (the file gives it, or replace), with *value what it becomes (NULL: unset). */
bool yi_setting_target(const yi_file *f, size_t i, bool replace, const char **value);

/* store_yaml_apply.c: the writes inside the open write transaction. */
bool yi_apply(pn_store *st, yi_file *f, yi_db *db, bool replace, pn_err *err);

/* Helpers shared by the parts. */
/* 0 when the two (possibly NULL) strings are equal. */
int yi_strcmp0(const char *a, const char *b);
/* The domain part of "local@domain" (after the last '@'), or "". */
const char *yi_domain_of(const char *address);

#endif
