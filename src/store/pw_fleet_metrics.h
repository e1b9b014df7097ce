/* pw_fleet_metrics.h - the fleet's state as counts for monitoring
 * (GET /metrics): hosts by freshness, open findings by priority and KEV,
 * changes and jobs by state, quarantined hosts, exceptions by state, each
 * feed's data age. One read per family; nothing is written.
 */
#ifndef PW_FLEET_METRICS_H
#define PW_FLEET_METRICS_H

#include <stdint.h>

#include "pw_err.h"

struct pw_store;

/* A metric family: its name, help text, and the label its samples carry
 * (NULL: one unlabelled sample). */
struct pw_metric_family {
	const char *name;
	const char *help;
	const char *label;
};

/* For each family, in a fixed order: begin(family), then sample(value of
 * the label or NULL, value) per row. Hosts not seen since stale_before
 * count as stale; feed ages are taken at now. */
struct pw_fleet_metrics_sink {
	void *ctx;
	pw_err (*begin)(void *ctx, const struct pw_metric_family *f);
	pw_err (*sample)(void *ctx, const char *label_value, double value);
};
pw_err pw_fleet_metrics_each(struct pw_store *s, int64_t now, int64_t stale_before,
			     const struct pw_fleet_metrics_sink *sink, struct pw_error *e);

#endif
