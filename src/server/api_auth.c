/* api_auth.c - (being written) */
#include "pw_http.h"

const struct pw_route pw_api_auth_routes[] = {
	{ NULL, NULL, NULL, 0 },
};
