/* cmd_serve.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_serve(int argc, char **argv)
{
	pw_cli_error("serve", "not built yet");
	return PW_EXIT_ERROR;
}
