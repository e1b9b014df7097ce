/* cmd_vercmp.c - placeholder, being written. */
#include "pw_cli.h"

int cmd_vercmp(int argc, char **argv)
{
	(void)argc; (void)argv;
	pw_cli_error("vercmp", "not built yet");
	return PW_EXIT_ERROR;
}
