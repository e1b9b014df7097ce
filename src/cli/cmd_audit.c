/* cmd_audit.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_audit(int argc, char **argv)
{
	pw_cli_error("audit", "not built yet");
	return PW_EXIT_ERROR;
}
