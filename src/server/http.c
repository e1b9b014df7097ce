/* http.c - (being written): the HTTP layer, see pw_http.h */
#include "pw_http.h"
