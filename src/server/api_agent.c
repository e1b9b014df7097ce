/* api_agent.c - (being written) */
#include "pw_http.h"

const struct pw_route pw_api_agent_routes[] = {
	{ NULL, NULL, NULL, 0 },
};
