/* api_metrics.c - GET /metrics: the Prometheus text format (version 0.0.4)
 * of the fleet's state (pw_fleet_metrics.h, read from the store at each
 * scrape) and of this process's own counters (pw_request_metrics.h). Any
 * role's token may scrape: the figures are counts, never names of hosts. */
#include "pw_http.h"

#include <stdio.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_fleet_metrics.h"
#include "pw_request_metrics.h"
#include "pw_server.h"

struct text {
	struct pw_buf *out;
	const struct pw_metric_family *f;
};

static pw_err begin(void *ctx, const struct pw_metric_family *f)
{
	struct text *t = ctx;
	t->f = f;
	pw_buf_addf(t->out, "# HELP %s %s\n# TYPE %s gauge\n", f->name, f->help, f->name);
	return PW_OK;
}

/* A label value escaped as the format wants: \\, \" and \n. */
static void add_label_value(struct pw_buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			pw_buf_addf(out, "\\%c", *v);
		else if (*v == '\n')
			pw_buf_adds(out, "\\n");
		else
			pw_buf_addf(out, "%c", *v);
	}
}

static pw_err sample(void *ctx, const char *label_value, double value)
{
	struct text *t = ctx;
	pw_buf_adds(t->out, t->f->name);
	if (t->f->label) {
		pw_buf_addf(t->out, "{%s=\"", t->f->label);
		add_label_value(t->out, label_value ? label_value : "");
		pw_buf_adds(t->out, "\"}");
	}
	pw_buf_addf(t->out, " %.17g\n", value);
	return PW_OK;
}

static void get_metrics(struct pw_request *r, struct pw_response *resp)
{
	struct text t = { &resp->body, NULL };
	struct pw_fleet_metrics_sink sink = { &t, begin, sample };
	struct pw_error e = { 0 };
	int64_t now = pw_clock_now();
	int64_t stale = pw_server_stale_after(r->server);
	pw_buf_addf(&resp->body,
		    "# HELP patchwarden_build_info The running version.\n"
		    "# TYPE patchwarden_build_info gauge\n"
		    "patchwarden_build_info{version=\"%s\"} 1\n",
		    PW_VERSION);
	if (pw_fleet_metrics_each(r->store, now, now - stale, &sink, &e)) {
		pw_buf_free(&resp->body);
		pw_buf_init(&resp->body, 0);
		pw_http_error_from(resp, &e);
		return;
	}
	pw_request_metrics_write(&resp->body);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

const struct pw_route pw_api_metrics_routes[] = {
	{ "GET", "/metrics", get_metrics, PW_ALLOW_ANY_ROLE },
	{ NULL, NULL, NULL, 0 },
};
