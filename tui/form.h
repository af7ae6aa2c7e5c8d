/* form.h - forms as data: fields, values, validation. No curses.
 *
 * A screen describes a form (add a domain, a mailbox...) as a list of field
 * specs; the model holds the values and validates each field with the
 * backend validators (backend/validate.h) or its own rule, keeping the error
 * next to the field. tui/formview.c draws it and feeds keys to it; tests
 * drive the model directly. */
#ifndef PN_FORM_H
#define PN_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "lineedit.h"
#include "util/err.h"

typedef enum pn_field_type {
    PN_FIELD_TEXT,
    PN_FIELD_NUMBER,     /* integer within [min, max] */
    PN_FIELD_BOOL,       /* Space toggles */
    PN_FIELD_CHOICE,     /* Left/Right or Space cycle through choices */
    PN_FIELD_SECRET,     /* drawn as '*', never logged */
} pn_field_type;

/* Validator: false + err (message names the field and the rule). */
typedef bool (*pn_field_check)(const char *label, const char *value, pn_err *err);

typedef struct pn_field_spec {
    const char *id;            /* "domain" */
    const char *label;         /* "Domain name" */
    pn_field_type type;
    bool required;
    long min, max;             /* NUMBER; both 0: any whole number */
    const char *const *choices;/* CHOICE, NULL-terminated */
    const char *initial;       /* initial value ("true"/"false" for BOOL) */
    pn_field_check check;      /* extra rule, e.g. a pn_valid_* adapter; may be NULL */
    const char *help;          /* one line shown when the field has focus */
} pn_field_spec;

typedef struct pn_field {
    const pn_field_spec *spec;
    pn_lineedit edit;          /* TEXT, NUMBER, SECRET */
    int choice;                /* CHOICE index, BOOL 0/1 */
    char *error;               /* NULL when valid */
} pn_field;

typedef struct pn_form {
    const char *title;
    pn_field *fields;
    size_t n;
    size_t focus;              /* field index; n = the OK button, n+1 = Cancel */
} pn_form;

typedef enum pn_form_result {
    PN_FORM_CONTINUE,
    PN_FORM_SUBMIT,            /* every field valid and OK chosen */
    PN_FORM_CANCEL,
} pn_form_result;

/* Commands of modes.form besides the editing commands (lineedit.h). */
#define PN_FORM_COMMANDS(X)              \
    X(NEXT_FIELD,   "next-field")       \
    X(PREV_FIELD,   "prev-field")       \
    X(SUBMIT,       "submit")           \
    X(CANCEL,       "cancel-form")      \
    X(TOGGLE,       "toggle")

void pn_form_init(pn_form *f, const char *title, const pn_field_spec *specs, size_t n);
void pn_form_free(pn_form *f);
/* Keys: Tab/Down next field, S-Tab/Up previous, Enter on a field = next
 * field (on OK = submit), Esc = cancel; the rest goes to the focused field. A
 * field is validated when focus leaves it; submit validates all and moves
 * focus to the first invalid field. */
pn_form_result pn_form_key(pn_form *f, pn_key k);
/* Run a named command (PN_FORM_COMMANDS, or an editing command for the
 * focused field) bound in modes.form. On a BOOL or CHOICE field
 * backward-char/forward-char cycle the value and "toggle" moves to the next
 * value; on the buttons they switch between OK and Cancel; "accept" is
 * Enter and "cancel" cancels the form. Unknown names change nothing
 * (PN_FORM_CONTINUE). Printable keys must reach text fields through
 * pn_form_key, not through a binding (a space is text in a TEXT field). */
pn_form_result pn_form_exec(pn_form *f, const char *command);
bool pn_form_validate(pn_form *f);                 /* all fields */
/* One field (index; an index >= n is valid). The message is kept in
 * fields[i].error; a SECRET's value never appears in it. */
bool pn_form_validate_field(pn_form *f, size_t i);
/* The field with this id, or NULL. */
pn_field *pn_form_field(pn_form *f, const char *id);

/* pn_field_check adapters to backend/validate.h (the label names the field
 * in the message). pn_valid_domain and friends have the same shape and may
 * be used directly too; port needs this adapter. */
bool pn_field_check_domain(const char *label, const char *value, pn_err *err);
bool pn_field_check_hostname(const char *label, const char *value, pn_err *err);
bool pn_field_check_email(const char *label, const char *value, pn_err *err);
bool pn_field_check_ip(const char *label, const char *value, pn_err *err);
bool pn_field_check_port(const char *label, const char *value, pn_err *err);
/* Current value as text ("true"/"false" for BOOL, the choice for CHOICE). */
const char *pn_form_value(const pn_form *f, const char *id);

#endif
