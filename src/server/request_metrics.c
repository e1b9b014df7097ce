/* request_metrics.c - the server's own counters (pw_request_metrics.h). */
#include "pw_request_metrics.h"

#include <stdatomic.h>
#include <stddef.h>

/* upper bounds in seconds, as Prometheus client libraries default them */
static const double bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static atomic_ullong by_class[6];          /* 1xx..5xx; [0]: anything else */
static atomic_ullong buckets[NBOUNDS + 1]; /* not cumulative here; the last: +Inf */
static atomic_ullong micros_sum;           /* the sum, in microseconds */
static atomic_ullong checkins;

void pw_request_metrics_observe(int status, double seconds)
{
	int c = status >= 100 && status < 600 ? status / 100 : 0;
	atomic_fetch_add_explicit(&by_class[c], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBOUNDS && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&buckets[b], 1, memory_order_relaxed);
	if (seconds > 0)
		atomic_fetch_add_explicit(&micros_sum, (unsigned long long)(seconds * 1e6),
					  memory_order_relaxed);
}

void pw_request_metrics_checkin(void)
{
	atomic_fetch_add_explicit(&checkins, 1, memory_order_relaxed);
}

void pw_request_metrics_write(struct pw_buf *out)
{
	static const char *const classes[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	pw_buf_adds(out, "# HELP patchwarden_http_requests_total HTTP requests answered, by status"
			 " class.\n# TYPE patchwarden_http_requests_total counter\n");
	for (size_t c = 0; c < 6; c++)
		pw_buf_addf(out, "patchwarden_http_requests_total{code=\"%s\"} %llu\n", classes[c],
			    (unsigned long long)atomic_load(&by_class[c]));
	pw_buf_adds(out, "# HELP patchwarden_http_request_duration_seconds Time from a request's"
			 " arrival to its answer.\n"
			 "# TYPE patchwarden_http_request_duration_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t b = 0; b < NBOUNDS; b++) {
		cum += atomic_load(&buckets[b]);
		pw_buf_addf(out, "patchwarden_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    bounds[b], cum);
	}
	cum += atomic_load(&buckets[NBOUNDS]);
	pw_buf_addf(out,
		    "patchwarden_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		    "patchwarden_http_request_duration_seconds_sum %.6f\n"
		    "patchwarden_http_request_duration_seconds_count %llu\n",
		    cum, (double)atomic_load(&micros_sum) / 1e6, cum);
	pw_buf_addf(out,
		    "# HELP patchwarden_agent_checkins_total Agent check-ins answered.\n"
		    "# TYPE patchwarden_agent_checkins_total counter\n"
		    "patchwarden_agent_checkins_total %llu\n",
		    (unsigned long long)atomic_load(&checkins));
}
