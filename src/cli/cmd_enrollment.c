/* cmd_enrollment.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_enrollment(int argc, char **argv)
{
	pw_cli_error("enrollment", "not built yet");
	return PW_EXIT_ERROR;
}
