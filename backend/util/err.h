/* err.h - recoverable errors that carry a human reason.
 *
 * Backend functions return bool (true = success) and fill a caller-owned
 * pn_err with a code and a one-line reason naming what failed and why, e.g.
 * "domain: 'a..b' is not valid: empty label". A NULL pn_err* is allowed
 * where the caller does not want the reason. Fatal errors abort; this type is
 * for everything the user can act on. */
#ifndef PN_ERR_H
#define PN_ERR_H

#include <stdbool.h>

typedef enum pn_errcode {
    PN_OK = 0,
    PN_E_INVALID,   /* bad input: a field broke a rule */
    PN_E_IO,        /* file or directory operation failed */
    PN_E_EXEC,      /* an external command could not run or failed */
    PN_E_TIMEOUT,   /* an external command ran out of time */
    PN_E_NOTFOUND,  /* the thing named does not exist */
    PN_E_READONLY,  /* refused: postern runs read-only */
    PN_E_CONFLICT,  /* changed by someone else / already exists */
    PN_E_DB,        /* state database error */
    PN_E_CONFIG,    /* postern.yaml problem */
    PN_E_INTERNAL,  /* an invariant broke */
} pn_errcode;

typedef struct pn_err {
    pn_errcode code;
    char *msg;      /* heap, NULL when no error */
} pn_err;

#define PN_ERR_INIT {PN_OK, NULL}

/* Set code and reason (replacing any previous one). Returns false so that
 * `return pn_err_set(err, ...)` reads naturally in bool functions. */
bool pn_err_set(pn_err *err, pn_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the existing reason with "prefix: ". */
void pn_err_prefix(pn_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Never NULL. */
const char *pn_err_msg(const pn_err *err);
void pn_err_clear(pn_err *err);
const char *pn_errcode_name(pn_errcode code);

#endif
