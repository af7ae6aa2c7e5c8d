/* argv.h - growable, NULL-terminated argument vector (Postfix ARGV style).
 *
 * Used to build every external command postern runs: commands are always
 * argv vectors, never shell strings. Also serves as a plain string list. */
#ifndef PN_ARGV_H
#define PN_ARGV_H

#include <stddef.h>

typedef struct pn_argv {
    char **v;     /* v[n] == NULL once anything was added */
    size_t n;
    size_t cap;
} pn_argv;

#define PN_ARGV_INIT {NULL, 0, 0}

void pn_argv_add(pn_argv *a, const char *s);
/* Add several strings; the list ends with NULL. */
void pn_argv_addv(pn_argv *a, ...) __attribute__((sentinel));
void pn_argv_addf(pn_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Never NULL: an empty vector yields a pointer to a NULL entry. */
char *const *pn_argv_items(pn_argv *a);
void pn_argv_free(pn_argv *a);
/* Join with sep into a new heap string (for display only, never for exec). */
char *pn_argv_join(const pn_argv *a, const char *sep);

#endif
