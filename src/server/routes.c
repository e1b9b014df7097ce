/* routes.c - every API module's route table in matching order, the
 * and the background tasks. The store's migrations: pw_migrations.h. */
#include "pw_agents.h"
#include "pw_assess_task.h"
#include "pw_audit.h"
#include "pw_deploy_task.h"
#include "pw_clock.h"
#include "pw_exception_expiry.h"
#include "pw_feed_dates.h"
#include "pw_feed_sync_task.h"
#include "pw_findings.h"
#include "pw_http.h"
#include "pw_inventory_hold.h"
#include "pw_kpi.h"
#include "pw_registry.h"
#include "pw_server.h"
#include "pw_store.h"
#include "pw_users.h"

void pw_api_agent_flush_seen(struct pw_server *srv, struct pw_store *store); /* api_agent.c */
void pw_api_changes_task(struct pw_server *srv, struct pw_store *store); /* api_changes.c */
void pw_audit_checkpoint_task(struct pw_server *srv, struct pw_store *store); /* audit_checkpoint.c */

static void store_checkpoint(struct pw_server *srv, struct pw_store *store)
{
	struct pw_error e;
	if (pw_store_checkpoint(store, &e))
		pw_server_log("warning", "store checkpoint: %s", e.msg);
}

static void expiry_log(void *ctx, const char *level, const char *msg)
{
	(void)ctx;
	pw_server_log(level, "%s", msg);
}

/* Exceptions past their expiry: expired, audited, notified; their
 * findings read as open again (reads apply expiry between two runs). */
static void exception_expiry(struct pw_server *srv, struct pw_store *store)
{
	(void)srv;
	struct pw_error e = { 0 };
	if (pw_exception_expiry_run(store, pw_clock_now(), expiry_log, NULL, NULL, &e))
		pw_server_log("warning", "exception expiry: %s", e.msg);
}

/* The KPIs' daily series: the last 30 days' missing ones, and today's. */
static void kpi_daily(struct pw_server *srv, struct pw_store *store)
{
	(void)srv;
	struct pw_error e = { 0 };
	if (pw_kpi_daily_fill(store, pw_clock_now(), 30, &e))
		pw_server_log("warning", "KPI series: %s", e.msg);
}

const struct pw_route *const pw_api_routes[] = {
	pw_api_system_routes,
	pw_api_auth_routes,
	pw_api_assets_routes,
	pw_api_agent_routes,
	pw_api_enrollment_routes,
	pw_api_findings_routes,
	pw_api_policy_routes,
	pw_api_exceptions_routes,
	pw_api_changes_routes,
	pw_api_baselines_routes,
	pw_api_kpis_routes,
	pw_api_metrics_routes,
	NULL,
};

/* The query parameters each route reads; a request naming any other is
 * refused (400 unknown_parameter), so a misspelt or unsupported filter
 * (?since=30d) never silently widens an answer. A route not listed takes
 * none. Kept equal to the OpenAPI document's parameters (test_http.c). */
#define PAGE "limit cursor"
#define FINDING_FILTERS "priority kev cve package group kind status fixable"
#define RANGE_CSV "since until format"
const struct pw_route_query pw_api_route_queries[] = {
	{ "GET", "/api/v1/hosts",
	  "group os release tag environment stale q filter retired " RANGE_CSV " " PAGE },
	{ "GET", "/api/v1/hosts/{id}/inventory", PAGE },
	{ "GET", "/api/v1/hosts/{id}/history", PAGE },
	{ "POST", "/api/v1/inventories", "group" },
	{ "GET", "/api/v1/groups", PAGE },
	{ "GET", "/api/v1/users", PAGE },
	{ "GET", "/api/v1/tokens", PAGE },
	{ "GET", "/api/v1/audit", "since until " PAGE },
	{ "GET", "/api/v1/enrollment-tokens", PAGE },
	{ "GET", "/api/v1/agents", PAGE },
	{ "GET", "/api/v1/findings", FINDING_FILTERS " host " RANGE_CSV " " PAGE },
	{ "GET", "/api/v1/hosts/{id}/findings", FINDING_FILTERS " " RANGE_CSV " " PAGE },
	{ "GET", "/api/v1/exceptions", "state since until " PAGE },
	{ "GET", "/api/v1/changes", "state " PAGE },
	{ "GET", "/api/v1/changes/{id}", "hosts" },
	{ "GET", "/api/v1/baselines/{id}/drift", "group host details max_details" },
	{ "GET", "/api/v1/kpis", "group environment since until" },
	{ NULL, NULL, NULL },
};

const struct pw_server_task pw_server_tasks[] = {
	{ "auth-housekeeping", 60, pw_auth_housekeeping },
	{ "agent-last-seen", 5, pw_api_agent_flush_seen },
	{ "assess", 1, pw_assessor_task }, /* every [assess] interval s (default 10) */
	{ "store-checkpoint", 10, store_checkpoint },
	{ "audit-checkpoint", 60, pw_audit_checkpoint_task },
	{ "enforce", 1, pw_enforce_task }, /* every [deploy] enforce_interval s (default 300) */
	{ "webhook", 5, pw_webhook_task },
	{ "exception-expiry", 30, exception_expiry },
	/* soak times and reports that came while a ring was checked */
	{ "change-gates", 5, pw_api_changes_task },
	{ "kpi-daily", 3600, kpi_daily },
	{ "feed-sync", 1, pw_feed_sync_task }, /* every [schedule] feed_sync (default off) */
	{ NULL, 0, NULL },
};
