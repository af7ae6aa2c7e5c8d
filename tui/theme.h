/* theme.h - colours by role, never by number.
 *
 * Every drawn cell has a role; a theme (YAML, embedded: dark, light, mono)
 * maps roles to foreground, background and attributes. The mono theme uses
 * only attributes (bold, reverse, underline, dim), and meaning is never
 * carried by colour alone: hold rows also carry a marker character, errors a
 * word. NO_COLOR (non-empty) or --no-color selects mono.
 *
 * Theme YAML:
 *   name: dark
 *   roles:
 *     title:      { fg: black, bg: cyan, attrs: [bold] }
 *     row-cursor: { attrs: [reverse] }
 * Colours: default black red green yellow blue magenta cyan white, bright-*,
 * or 0-255. Attributes: bold dim reverse underline italic. */
#ifndef PN_THEME_H
#define PN_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*  id                 yaml name         mono attributes */
#define PN_ROLES(X)                                      \
    X(NORMAL,          "normal",          0)              \
    X(TITLE,           "title",           PN_ATTR_REVERSE) \
    X(TITLE_BADGE,     "title-badge",     PN_ATTR_REVERSE | PN_ATTR_BOLD) \
    X(TAB,             "tab",             0)              \
    X(TAB_ACTIVE,      "tab-active",      PN_ATTR_BOLD | PN_ATTR_UNDERLINE) \
    X(TAB_DISABLED,    "tab-disabled",    PN_ATTR_DIM)    \
    X(HEADER,          "header",          PN_ATTR_BOLD | PN_ATTR_UNDERLINE) \
    X(ROW,             "row",             0)              \
    X(ROW_CURSOR,      "row-cursor",      PN_ATTR_REVERSE) \
    X(ROW_MARKED,      "row-marked",      PN_ATTR_BOLD)   \
    X(ROW_CURSOR_MARKED, "row-cursor-marked", PN_ATTR_REVERSE | PN_ATTR_BOLD) \
    X(ROW_DEFERRED,    "row-deferred",    0)              \
    X(ROW_HOLD,        "row-hold",        PN_ATTR_DIM)    \
    X(ROW_ACTIVE,      "row-active",      PN_ATTR_BOLD)   \
    X(ROW_ERROR,       "row-error",       PN_ATTR_BOLD)   \
    X(MARKER,          "marker",          PN_ATTR_BOLD)   \
    X(STATUS,          "status",          0)              \
    X(STATUS_OK,       "status-ok",       0)              \
    X(STATUS_WARN,     "status-warn",     PN_ATTR_BOLD)   \
    X(STATUS_ERROR,    "status-error",    PN_ATTR_BOLD | PN_ATTR_REVERSE) \
    X(HINT_KEY,        "hint-key",        PN_ATTR_BOLD)   \
    X(HINT_TEXT,       "hint-text",       0)              \
    X(HINT_DISABLED,   "hint-disabled",   PN_ATTR_DIM)    \
    X(PROMPT,          "prompt",          PN_ATTR_BOLD)   \
    X(FILTER,          "filter",          PN_ATTR_UNDERLINE) \
    X(SEARCH_HIT,      "search-hit",      PN_ATTR_UNDERLINE) \
    X(DIALOG,          "dialog",          0)              \
    X(DIALOG_TITLE,    "dialog-title",    PN_ATTR_BOLD)   \
    X(BUTTON,          "button",          0)              \
    X(BUTTON_FOCUS,    "button-focus",    PN_ATTR_REVERSE) \
    X(DANGER,          "danger",          PN_ATTR_BOLD)   \
    X(FORM_LABEL,      "form-label",      0)              \
    X(FORM_FIELD,      "form-field",      PN_ATTR_UNDERLINE) \
    X(FORM_ERROR,      "form-error",      PN_ATTR_BOLD)   \
    X(CHART,           "chart",           0)              \
    X(DIM,             "dim",             PN_ATTR_DIM)    \
    X(LOG_ID,          "log-id",          PN_ATTR_UNDERLINE) \
    X(LOG_ADDR,        "log-address",     0)              \
    X(LOG_OK,          "log-ok",          0)              \
    X(LOG_WARN,        "log-warn",        PN_ATTR_BOLD)   \
    X(LOG_ERROR,       "log-error",       PN_ATTR_BOLD | PN_ATTR_REVERSE)

enum {
    PN_ATTR_BOLD = 1, PN_ATTR_DIM = 2, PN_ATTR_REVERSE = 4, PN_ATTR_UNDERLINE = 8,
    PN_ATTR_ITALIC = 16,
};

typedef enum pn_role {
#define PN_ROLE_ENUM(id, name, mono) PN_ROLE_##id,
    PN_ROLES(PN_ROLE_ENUM)
#undef PN_ROLE_ENUM
    PN_ROLE_COUNT
} pn_role;

#define PN_COLOR_DEFAULT (-1)

typedef struct pn_role_style {
    int fg, bg;            /* PN_COLOR_DEFAULT or 0-255 */
    int attrs;             /* PN_ATTR_* */
} pn_role_style;

typedef struct pn_theme {
    char *name;
    bool mono;             /* attributes only */
    pn_role_style roles[PN_ROLE_COUNT];
} pn_theme;

const char *pn_role_name(pn_role r);
bool pn_role_parse(const char *name, pn_role *out);
/* Parse theme YAML (errors with name:line:col). Roles not named keep the
 * mono defaults. */
pn_theme *pn_theme_parse(const char *name, const char *yaml, size_t len, pn_err *err);
/* Built-in theme by name: "dark", "light", "mono". */
pn_theme *pn_theme_builtin(const char *name, pn_err *err);
/* The monochrome defaults of PN_ROLES, named "mono", without parsing
 * anything (for when no theme can be loaded). */
pn_theme *pn_theme_fallback(void);
/* One colour ("default", "red", "bright-red", "0".."255"; PN_COLOR_DEFAULT
 * for "default") or one attribute name ("bold" -> PN_ATTR_BOLD). */
bool pn_color_parse(const char *name, int *out);
bool pn_attr_parse(const char *name, int *out);
void pn_theme_free(pn_theme *t);

#endif
