/* mem.h - allocation that cannot fail silently.
 *
 * Every allocation in postern goes through these wrappers: on out-of-memory
 * they print a one-line reason to stderr and abort(), so callers never test
 * for NULL (Postfix mymalloc style). */
#ifndef PN_MEM_H
#define PN_MEM_H

#include <stddef.h>

void *pn_malloc(size_t n);
void *pn_calloc(size_t count, size_t size);
void *pn_realloc(void *p, size_t n);
char *pn_strdup(const char *s);
char *pn_strndup(const char *s, size_t n);
/* Free *pp and set it to NULL. */
void pn_freep(void *pp);

#endif
