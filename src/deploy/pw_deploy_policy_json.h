/* pw_deploy_policy_json.h - the effective deployment policy as JSON: what
 * GET /api/v1/policy answers and `patchwarden policy show --format json`
 * prints (the API's DeployPolicy schema). */
#ifndef PW_DEPLOY_POLICY_JSON_H
#define PW_DEPLOY_POLICY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "pw_deploy_policy.h"

struct pw_jsonw;

/* {"path": ..., "groups": [ {group policy}, ... ]}, [default] first; each
 * group with whether its window is open at `now` and when it next opens. */
void pw_deploy_policy_write_json(struct pw_jsonw *w, const struct pw_deploy_policy *p,
				 int64_t now);

/* A window as the file writes it ("Sat 22:00-04:00", "daily 00:00-24:00"). */
void pw_window_format(const struct pw_window *win, char *out, size_t size);
/* A blackout as the file writes it ("2026-12-24..2026-12-26"). */
void pw_blackout_format(const struct pw_blackout *b, char *out, size_t size);

#endif
