/* migrations.c - the list of every component's migration (pw_migrations.h). */
#include "pw_migrations.h"

#include <stddef.h>

#include "pw_agents.h"
#include "pw_audit.h"
#include "pw_baselines.h"
#include "pw_changes.h"
#include "pw_exceptions.h"
#include "pw_feed_dates.h"
#include "pw_feed_syncs.h"
#include "pw_findings.h"
#include "pw_inventory_hold.h"
#include "pw_kpi_daily.h"
#include "pw_quarantine.h"
#include "pw_registry.h"
#include "pw_users.h"

pw_err (*const pw_migrations[])(struct pw_store *s, struct pw_error *e) = {
	pw_audit_migrate,
	pw_users_migrate,
	pw_registry_migrate,
	pw_agents_migrate,
	pw_findings_migrate,
	pw_inventory_hold_migrate,
	pw_feed_dates_migrate,
	pw_quarantine_migrate,
	pw_exceptions_migrate,
	pw_feed_syncs_migrate,
	pw_changes_migrate,
	pw_baselines_migrate,
	pw_kpi_daily_migrate,
	NULL,
};

pw_err pw_migrations_run(struct pw_store *s, struct pw_error *e)
{
	for (size_t i = 0; pw_migrations[i]; i++) {
		pw_err rc = pw_migrations[i](s, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}
