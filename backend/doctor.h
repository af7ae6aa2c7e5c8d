/* doctor.h - health checks of the configured instance, and the status overview.
 *
 * pn_doctor_run() inspects Postfix (version, config dir, running, queues,
 * lookup table types, milters), Dovecot and Rspamd (present, version,
 * answering), the log sources (files, rotated series, sizes), the state DB
 * path and the privileges postern has. Each check gets ok/warn/fail and a
 * human reason; the same report feeds `postern doctor`, `--json`, the status
 * overview and (later) the console's title bar. It never writes anything. */
#ifndef PN_DOCTOR_H
#define PN_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "postfix.h"

typedef enum pn_check_status { PN_CHECK_OK, PN_CHECK_WARN, PN_CHECK_FAIL } pn_check_status;

typedef struct pn_check {
    char *group;     /* "postfix", "dovecot", "rspamd", "logs", "state", "system" */
    char *name;      /* short check name, e.g. "queue directory" */
    pn_check_status status;
    char *detail;    /* the finding or the reason, one line, sanitised */
} pn_check;

typedef struct pn_log_file {
    char *path;
    unsigned long long size;
    bool rotated;     /* part of a rotated series, not the live file */
    bool compressed;
} pn_log_file;

typedef struct pn_doctor_report {
    pn_check *checks;
    size_t n, cap;
    /* Facts for the overview and --json. */
    char *instance;
    char *postfix_version;       /* NULL if unknown */
    bool postfix_running;
    char *queue_directory;
    bool have_queues;
    pn_queue_counts queues;
    char *dovecot_version;
    bool dovecot_answers;
    char *rspamd_version;
    bool rspamd_answers;
    pn_log_file *log_files;
    size_t n_log_files;
    bool is_root;
} pn_doctor_report;

void pn_doctor_run(pn_ctx *ctx, pn_doctor_report *rep);
pn_check_status pn_doctor_worst(const pn_doctor_report *rep);
const char *pn_check_status_name(pn_check_status s);
void pn_doctor_report_free(pn_doctor_report *rep);

/* Find a log's rotated series next to it (name.1, name.2.gz, name-YYYYMMDD[.gz],
 * name.YYYYMMDD-HHMMSS.gz), oldest first, the live file last. */
bool pn_log_series(pn_ctx *ctx, const char *path, pn_log_file **files, size_t *n, pn_err *err);
void pn_log_files_free(pn_log_file *files, size_t n);

#endif
