/*
 * reports.h - what the managers' reports share: choosing the answer's
 * format (HTML, JSON under /api/v1/, CSV with ?format=csv) and writing
 * CSV (RFC 4180 through buf_csv, which neutralises cells a spreadsheet
 * would take for a formula).
 */
#ifndef OFICIO_REPORTS_H
#define OFICIO_REPORTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct req;
struct buf;

enum report_fmt { REPORT_HTML, REPORT_JSON, REPORT_CSV, REPORT_BAD };

/* ?format=csv|json|html (default: JSON under /api/, else HTML). */
enum report_fmt report_format(struct req *r);

/* CSV columns are the JSON keys of a row. */
/* Start a CSV body in out: a UTF-8 byte order mark (spreadsheets read
 * accents right only with it) and the header row. */
void report_csv_header(struct buf *out, const char *const cols[], size_t n);
/* One row: strings quoted and formula-safe, numbers as they are, true and
 * false as "true"/"false", null empty, {name} objects by their name,
 * arrays joined with "; ". Lines end with CRLF. */
void report_csv_row(struct buf *out, json_t *row, const char *const cols[], size_t n);
/* Send out as an attachment "oficio-NAME-YYYY-MM-DD.csv"; frees out. */
int report_csv_send(struct req *r, struct buf *out, const char *name);

/* The category filter (?category=, at most 80 bytes): NULL when absent
 * or empty; sets *bad when too long. */
const char *report_category(struct req *r, int *bad);

/* Is a procedure verified at verified_at (0: never), created at created,
 * with a review interval of days, overdue at now? */
int report_overdue(int64_t verified_at, int64_t created, int days, int64_t now);

#endif
