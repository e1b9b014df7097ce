/* audit.c - (being written): the hash-chained audit log, see pw_audit.h */
#include "pw_audit.h"
