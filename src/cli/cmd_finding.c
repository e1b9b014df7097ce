/* cmd_finding.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_finding(int argc, char **argv)
{
	pw_cli_error("finding", "not built yet");
	return PW_EXIT_ERROR;
}
