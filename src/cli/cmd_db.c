/* cmd_db.c - (being written) */
#include "pw_cli.h"
#include "pw_server_cli.h"

int cmd_db(int argc, char **argv)
{
	pw_cli_error("db", "not built yet");
	return PW_EXIT_ERROR;
}
