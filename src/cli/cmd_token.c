/* cmd_token.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_token(int argc, char **argv)
{
	pw_cli_error("token", "not built yet");
	return PW_EXIT_ERROR;
}
