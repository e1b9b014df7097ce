/* cmd_scan.c - placeholder, being written. */
#include "pw_cli.h"

int cmd_scan(int argc, char **argv)
{
	(void)argc; (void)argv;
	pw_cli_error("scan", "not built yet");
	return PW_EXIT_ERROR;
}
