/* maillog_journalctl.h - a systemd journal as a mail log source.
 *
 * A `logs:` item `{ journal: true | FILE_OR_DIR, units: [...] }` is read
 * through journalctl (an argv vector through the context's transport, never
 * a shell): `journalctl -o json` is streamed, each record turned into the
 * text line "RFC3339 host ident[pid]: MESSAGE" (maillog_journal.c, binary
 * MESSAGEs included), into a cache file under the state directory,
 * `<dir of state_db>/journal-cache/<hash>.log`, and that file joins the log
 * set as a plain RFC 3339 file: traces, search, the index and the Logs
 * screen read it like any other log file, with the fast block scanner and
 * exactly the answers the same lines give in a log file (JSON in the cache
 * would be about 3 times bigger and read line by line).
 *
 * Refresh policy: every pn_logset_open() brings the cache up to date (CLI
 * runs and the console alike). The cache remembers the __CURSOR of its last
 * entry, so a refresh runs `journalctl --after-cursor=C` and appends only
 * the new entries (the file keeps its identity, so the index only reads
 * what was added; with nothing new that is one short journalctl run: a
 * journal file's size and whole-second mtime cannot tell that it changed,
 * as journald preallocates). A full export (to a temporary file,
 * fsync, rename) happens the first time, when the cache or its state is
 * missing or inconsistent, when the journal file was replaced or shrank,
 * and when journalctl rejects the cursor. */
#ifndef PN_MAILLOG_JOURNALCTL_H
#define PN_MAILLOG_JOURNALCTL_H

#include <stdbool.h>

#include "config.h"
#include "ctx.h"
#include "util/argv.h"
#include "util/err.h"

/* Longest export accepted (bytes of JSON); beyond it the export fails and
 * asks for units to narrow it. */
#define PN_JOURNAL_EXPORT_MAX ((size_t)8 << 30)
/* journalctl may take a while on a big journal. */
#define PN_JOURNAL_TIMEOUT_MS (10 * 60 * 1000)

/* The cache file of a journal source (newly allocated):
 * <dir of cfg->state_db>/journal-cache/<16 hex digits>.log, the digits a
 * hash of what is read (host or path, file or directory, units). */
char *pn_journal_cache_path(const pn_config *cfg, const pn_log_source *src, bool is_dir);

/* The journalctl command for src into out (appended): is_dir selects
 * --directory for a path source; after_cursor (may be NULL) reads only the
 * entries after it. */
void pn_journal_argv(const pn_log_source *src, bool is_dir, const char *after_cursor,
                     pn_argv *out);

/* Bring the cache of the journal source src up to date; *cache_path gets
 * its path (the caller frees it). Errors name the source: journalctl not
 * installed (package systemd), no journal on the host or at the path,
 * journalctl failing (its exit code and first line of stderr), a timeout,
 * the cache directory not writable. */
bool pn_journal_export(pn_ctx *ctx, const pn_log_source *src, char **cache_path, pn_err *err);

#endif
