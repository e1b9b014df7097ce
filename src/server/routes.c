/* routes.c - every API module's route table, in matching order. */
#include "pw_http.h"

const struct pw_route *const pw_api_routes[] = {
	pw_api_system_routes,
	pw_api_auth_routes,
	pw_api_assets_routes,
	pw_api_agent_routes,
	NULL,
};
