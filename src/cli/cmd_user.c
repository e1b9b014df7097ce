/* cmd_user.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_user(int argc, char **argv)
{
	pw_cli_error("user", "not built yet");
	return PW_EXIT_ERROR;
}
