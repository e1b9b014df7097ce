/* pw_finding_json.h - a stored finding as a JSON object: the document
 * GET /api/v1/findings lists (docs/openapi/findings.json, schema Finding)
 * and `patchwarden finding list --format json` prints, and an assessment
 * run's summary. One rendering, so
 * the API and the command never disagree.
 */
#ifndef PW_FINDING_JSON_H
#define PW_FINDING_JSON_H

#include <jansson.h>

struct pw_assess_run;
struct pw_finding_row;

/* accepted_risk is true, with exception_id, for an open finding whose
 * exception_id the reader set (pw_exception_set_match).
 * A new reference (the caller decrefs); NULL on ENOMEM. Strings from
 * inventories and feeds go out byte for byte (pw_jsonw.h). */
json_t *pw_finding_json(const struct pw_finding_row *f);

/* What an assessment run did (counts, duration, its one-line summary): the
 * answer of POST /api/v1/assessments, `finding assess --format json`, and
 * the audit entry of either. NULL on ENOMEM. */
json_t *pw_assess_run_json(const struct pw_assess_run *x);

#endif
