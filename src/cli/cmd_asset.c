/* cmd_asset.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_asset(int argc, char **argv)
{
	pw_cli_error("asset", "not built yet");
	return PW_EXIT_ERROR;
}
