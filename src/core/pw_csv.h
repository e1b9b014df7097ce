/* pw_csv.h - CSV cells as RFC 4180 writes them, safe to open in a
 * spreadsheet: every text cell is quoted (a quote doubled), and a cell
 * that starts with = + - @ (or a tab or CR) gets a ' in front, so a host
 * or package name from an inventory cannot be run as a formula. Rows end
 * in CRLF, as RFC 4180 says.
 */
#ifndef PW_CSV_H
#define PW_CSV_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_buf.h"

/* A text cell (NULL: empty), then a comma unless last (then CRLF). */
pw_err pw_csv_text(struct pw_buf *b, const char *s, bool last);
/* A number cell, unquoted. */
pw_err pw_csv_int(struct pw_buf *b, int64_t v, bool last);

#endif
