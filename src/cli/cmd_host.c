/* cmd_host.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_host(int argc, char **argv)
{
	pw_cli_error("host", "not built yet");
	return PW_EXIT_ERROR;
}
