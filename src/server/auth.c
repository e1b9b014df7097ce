/* auth.c - (being written): roles, passwords, sessions, tokens; see pw_auth.h */
#include "pw_auth.h"
