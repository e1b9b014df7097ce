/* api_assets.c - (being written) */
#include "pw_http.h"

const struct pw_route pw_api_assets_routes[] = {
	{ NULL, NULL, NULL, 0 },
};
