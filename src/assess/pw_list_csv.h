/* pw_list_csv.h - the finding and host lists as CSV (pw_csv.h): the
 * columns `finding list --format csv` and `host list --format csv` print
 * and GET /api/v1/findings and /api/v1/hosts answer with ?format=csv or
 * Accept: text/csv. One rendering, as pw_finding_json is for JSON.
 */
#ifndef PW_LIST_CSV_H
#define PW_LIST_CSV_H

#include "pw_buf.h"

struct pw_finding_row;
struct pw_host;

pw_err pw_finding_csv_header(struct pw_buf *b);
/* accepted_risk and exception_id from f->exception_id (as pw_finding_json) */
pw_err pw_finding_csv_row(struct pw_buf *b, const struct pw_finding_row *f);

pw_err pw_host_csv_header(struct pw_buf *b);
pw_err pw_host_csv_row(struct pw_buf *b, const struct pw_host *h);

#endif
