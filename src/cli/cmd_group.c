/* cmd_group.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_group(int argc, char **argv)
{
	pw_cli_error("group", "not built yet");
	return PW_EXIT_ERROR;
}
