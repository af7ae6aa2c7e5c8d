/* timearg.h - the time syntax users type for --since/--until and the Logs
 * screen's since:/until: filter terms, in one place. */
#ifndef PN_TIMEARG_H
#define PN_TIMEARG_H

#include <stdbool.h>
#include <stdint.h>

/* Microseconds since the epoch for: RFC 3339 ("2026-11-21T10:00:00Z",
 * "...+02:00", fractions), "YYYY-MM-DD[ HH:MM[:SS]]" or with 'T' (local
 * time without a zone), "HH:MM" (today, local time), or an age "N" +
 * s m h d w ("2h": two hours before now_s). false if it is none of them. */
bool pn_time_parse_arg(const char *s, int64_t now_s, int64_t *us);

#endif
