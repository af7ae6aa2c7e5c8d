/* err.c - recoverable errors with a human reason (see err.h). */
#include "util/err.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdlib.h>

bool pn_err_set(pn_err *err, pn_errcode code, const char *fmt, ...)
{
    if (!err)
        return false;
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    free(err->msg);
    err->msg = pn_str_steal(&s);
    err->code = code;
    return false;
}

void pn_err_prefix(pn_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    if (err->msg) {
        pn_str_append(&s, ": ");
        pn_str_append(&s, err->msg);
    }
    free(err->msg);
    err->msg = pn_str_steal(&s);
}

const char *pn_err_msg(const pn_err *err)
{
    if (!err || !err->msg)
        return "unknown error";
    return err->msg;
}

void pn_err_clear(pn_err *err)
{
    if (!err)
        return;
    free(err->msg);
    err->msg = NULL;
    err->code = PN_OK;
}

const char *pn_errcode_name(pn_errcode code)
{
    switch (code) {
    case PN_OK: return "ok";
    case PN_E_INVALID: return "invalid";
    case PN_E_IO: return "io";
    case PN_E_EXEC: return "exec";
    case PN_E_TIMEOUT: return "timeout";
    case PN_E_NOTFOUND: return "not-found";
    case PN_E_READONLY: return "read-only";
    case PN_E_CONFLICT: return "conflict";
    case PN_E_DB: return "db";
    case PN_E_CONFIG: return "config";
    case PN_E_INTERNAL: return "internal";
    }
    return "unknown";
}
