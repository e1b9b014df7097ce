/* pw_request_metrics.h - what this server process counts as it serves, for
 * GET /metrics: requests by status class, their latency as a histogram,
 * agent check-ins. Lock-free counters (C11 atomics): every request passes
 * here. Per process: with several instances, each is scraped on its own.
 */
#ifndef PW_REQUEST_METRICS_H
#define PW_REQUEST_METRICS_H

#include "pw_buf.h"

/* One answered request: its status and how long it took, in seconds. */
void pw_request_metrics_observe(int status, double seconds);
/* One agent check-in answered. */
void pw_request_metrics_checkin(void);

/* Append the counters in the Prometheus text format (families
 * patchwarden_http_requests_total, patchwarden_http_request_duration_seconds,
 * patchwarden_agent_checkins_total). */
void pw_request_metrics_write(struct pw_buf *out);

#endif
