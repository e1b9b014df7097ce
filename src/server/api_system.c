/* api_system.c - (being written) */
#include "pw_http.h"

const struct pw_route pw_api_system_routes[] = {
	{ NULL, NULL, NULL, 0 },
};
