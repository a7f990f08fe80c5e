"""Generate a large Oficio database for bench/reports.sh: PAGES pages by
PEOPLE people (several revisions each, with line authorship as pages_save
stores it, and page_authors in step), acks, flags, challenges, searches and
page views. Writes straight into the schema the server made (the search
index is left out: the reports do not read it).

    python3 bench/reports_gen.py DB [PAGES] [PEOPLE]
"""
import random
import sqlite3
import sys
import time

db, pages, people = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000, \
    int(sys.argv[3]) if len(sys.argv) > 3 else 200
rnd = random.Random(7)
now = int(time.time())
DAY = 86400
c = sqlite3.connect(db)
c.execute("PRAGMA synchronous = OFF")
c.execute("PRAGMA journal_mode = WAL")
first_uid = c.execute("SELECT coalesce(max(id), 0) FROM users").fetchone()[0] + 1
roles = ["staff"] * 6 + ["editor"] * 3 + ["reader"]
users = []
for i in range(people):
    uid = first_uid + i
    active = 0 if i % 25 == 0 else 1
    departs = "2030-01-%02d" % (i % 28 + 1) if i % 40 == 1 else None
    c.execute("INSERT INTO users(id, username, display_name, role, active, created_at, departs_on) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
              (uid, "persona%03d" % i, "Persona %03d" % i, roles[i % len(roles)], active,
               now - 400 * DAY, departs))
    users.append(uid)
cats = ["Categoría %02d" % i for i in range(40)]
kinds = ["procedure"] * 7 + ["lesson"] * 2 + ["reference"]
LINE = "- [ ] Paso %d: comprobar el ticket, la fecha de compra y el estado del producto\n"


def rle(authors):
    out, prev, n = [], None, 0
    for a in authors:
        if a == prev:
            n += 1
        else:
            if prev is not None:
                out.append("%d*%d" % (prev, n))
            prev, n = a, 1
    if prev is not None:
        out.append("%d*%d" % (prev, n))
    return ",".join(out)


t0 = time.time()
for p in range(pages):
    pid = p + 1
    kind = kinds[p % len(kinds)]
    cat = cats[rnd.randrange(len(cats))]
    # A few people write most pages, as in real teams.
    writers = [users[min(int(rnd.paretovariate(1.2)) - 1, people - 1)] for _ in range(3)]
    nrev = 1 + rnd.randrange(3)
    lines, authors = [], []
    created = now - rnd.randrange(30, 700) * DAY
    c.execute("INSERT INTO pages(id, slug, kind, title, category, status, current_rev, ack_rev, "
              "created_by, created_at, updated_at, owner_id, backup_owner_id, review_days, "
              "verified_at, verified_by) VALUES (?, ?, ?, ?, ?, 'published', ?, 1, ?, ?, ?, ?, ?, 180, ?, ?)",
              (pid, "pagina-%05d" % p, kind, "Página %05d" % p, cat, nrev, writers[0], created,
               created, writers[0] if kind == "procedure" else None,
               writers[1] if kind == "procedure" and p % 3 else None,
               None if p % 5 == 0 else now - rnd.randrange(0, 400) * DAY,
               None if p % 5 == 0 else writers[0]))
    for n in range(1, nrev + 1):
        who = writers[n - 1]
        if n == 1:
            k = 10 + rnd.randrange(20)
            lines = [LINE % i for i in range(k)]
            authors = [who] * k
        else:
            # Change a few lines and append some.
            for _ in range(3):
                i = rnd.randrange(len(lines))
                lines[i] = "- [ ] Cambiado por %d en la revisión %d\n" % (who, n)
                authors[i] = who
            extra = rnd.randrange(1, 8)
            lines += [LINE % (100 + i) for i in range(extra)]
            authors += [who] * extra
        md = "## Pasos\n\n" + "".join(lines)
        authors_all = [who, who] + authors  # the heading and the blank line
        if n == 1:
            head = who
        authors_all[0] = authors_all[1] = head
        c.execute("INSERT INTO revisions(page_id, n, title, markdown, html, text, authors, author_id, "
                  "created_at, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
                  (pid, n, "Página %05d" % p, md, "<p>" + md + "</p>", md, rle(authors_all), who,
                   created + n * DAY))
    sums = {}
    for a in authors_all:
        sums[a] = sums.get(a, 0) + 1
    c.executemany("INSERT INTO page_authors(page_id, user_id, lines) VALUES (?, ?, ?)",
                  [(pid, a, n) for a, n in sums.items()])
    if p % 4 == 0:
        c.executemany("INSERT OR IGNORE INTO acks(user_id, page_id, rev, at) VALUES (?, ?, 1, ?)",
                      [(users[rnd.randrange(people)], pid, now - DAY) for _ in range(5)])
    if p % 50 == 0:
        c.execute("INSERT INTO flags(page_id, user_id, reason, comment, created_at) "
                  "VALUES (?, ?, 'outdated', 'Revisar', ?)", (pid, users[0], now - 3 * DAY))
    c.execute("INSERT INTO page_views(page_id, views) VALUES (?, ?)", (pid, rnd.randrange(1, 5000)))
words = ["devolucion", "garantia", "arqueo", "vale", "reserva", "ticket", "factura", "tarjeta",
         "cambio", "reclamacion", "bizum", "talla", "online", "pedido", "envio"]
rows = []
for i in range(100000):
    q = " ".join(rnd.sample(words, 1 + rnd.randrange(3)))
    rows.append((now - rnd.randrange(0, 84 * DAY), q, 0 if rnd.random() < 0.2 else rnd.randrange(1, 40)))
c.executemany("INSERT INTO search_log(at, query, hits) VALUES (?, ?, ?)", rows)
c.commit()
c.execute("ANALYZE")
c.close()
print("generated %d pages, %d people, 100000 searches in %.1f s" % (pages, people, time.time() - t0))
